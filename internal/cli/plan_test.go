package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlanParse(t *testing.T) {
	doc := "武汉市人民政府办公厅关于印发示例工作方案的通知\n武政办〔2024〕 7 号\n" +
		"一、工作任务\n1.打造公平竞争市场环境。严格实施负面清单制度,新增民营企业10万家,6月底前完成。(责任单位:市发改委、市商务局)\n" +
		"武汉市人民政府办公厅\n2024年3月27日\n"
	dir := t.TempDir()
	file := filepath.Join(dir, "plan.txt")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("OKJSON", func(t *testing.T) {
		code, out, errOut := run(t, "", nil, "plan", "parse", file, "--json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var p struct {
			Title     string `json:"title"`
			DocNumber string `json:"doc_number"`
			Date      string `json:"date"`
			Items     []struct {
				Path      []int    `json:"path"`
				Heading   string   `json:"heading"`
				Units     []string `json:"units"`
				LeadUnits []string `json:"lead_units"`
				Deadlines []struct {
					Text string
					Date *string
				} `json:"deadlines"`
				Indicators []struct {
					Op    string  `json:"op"`
					Value float64 `json:"value"`
					Unit  string  `json:"unit"`
				} `json:"indicators"`
			} `json:"items"`
			Warnings []string `json:"warnings"`
		}
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if p.DocNumber != "武政办〔2024〕7号" || p.Date != "2024-03-27" || len(p.Items) != 2 {
			t.Fatalf("got %+v", p)
		}
		it := p.Items[1]
		if it.Heading != "打造公平竞争市场环境" || strings.Join(it.Units, "、") != "市发改委、市商务局" || it.LeadUnits == nil {
			t.Errorf("item %+v", it)
		}
		if len(it.Deadlines) != 1 || it.Deadlines[0].Date == nil || *it.Deadlines[0].Date != "2024-06-30" {
			t.Errorf("deadlines %+v", it.Deadlines)
		}
		if len(it.Indicators) != 1 || it.Indicators[0].Value != 100000 || it.Indicators[0].Op != ">=" || it.Indicators[0].Unit != "家" {
			t.Errorf("indicators %+v", it.Indicators)
		}
	})
	t.Run("OKText", func(t *testing.T) {
		code, out, _ := run(t, doc, nil, "plan", "parse", "-")
		if code != 0 || !strings.Contains(out, "责任：市发改委、市商务局") || !strings.Contains(out, "[1.1] 1. 打造公平竞争市场环境") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
	t.Run("ErrNoFile", func(t *testing.T) {
		if code, _, _ := run(t, "", nil, "plan", "parse"); code != 2 {
			t.Errorf("exit %d, want 2", code)
		}
	})
	t.Run("ErrMissingFile", func(t *testing.T) {
		if code, _, _ := run(t, "", nil, "plan", "parse", filepath.Join(dir, "none.txt")); code != 2 {
			t.Errorf("exit %d, want 2", code)
		}
	})
	t.Run("ErrOldWord", func(t *testing.T) {
		f := filepath.Join(dir, "old.doc")
		os.WriteFile(f, []byte("\xD0\xCF\x11\xE0rest"), 0o600)
		code, _, errOut := run(t, "", nil, "plan", "parse", f)
		if code != 1 || !strings.Contains(errOut, ".docx") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
	t.Run("ErrUnknownSubcommand", func(t *testing.T) {
		if code, _, _ := run(t, "", nil, "plan", "frobnicate"); code != 2 {
			t.Errorf("exit %d, want 2", code)
		}
	})
}
