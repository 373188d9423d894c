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

// TestPlanImportExport imports the parser's JSON (dry run, strict, for
// real), then exports the plan as JSON and imports that again.
func TestPlanImportExport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "q.db")
	if code, _, errOut := run(t, "", nil, "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate: %s", errOut)
	}
	doc := "武汉市人民政府办公厅关于印发示例工作方案的通知\n武政办〔2024〕 7 号\n" +
		"一、工作任务\n1.打造公平竞争市场环境。新增民营企业10万家,6月底前完成。(责任单位:市发改委、市商务局)\n" +
		"2.强化信用体系建设。完善信用修复制度。(牵头单位:市数据局)\n" +
		"武汉市人民政府办公厅\n2024年3月27日\n"
	txt := filepath.Join(dir, "plan.txt")
	if err := os.WriteFile(txt, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	code, parsed, errOut := run(t, "", nil, "plan", "parse", txt, "--json")
	if code != 0 {
		t.Fatalf("parse: %s", errOut)
	}
	js := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(js, []byte(parsed), 0o600); err != nil {
		t.Fatal(err)
	}
	type result struct {
		ID           int64    `json:"id"`
		Tasks        int      `json:"tasks"`
		Indicators   int      `json:"indicators"`
		Warnings     []string `json:"warnings"`
		UnknownUnits []struct {
			Name string `json:"name"`
			Path []int  `json:"path"`
		} `json:"unknown_units"`
		Rejected []struct {
			Field, Reason string
		} `json:"rejected"`
	}
	t.Run("OKDryRun", func(t *testing.T) {
		code, out, errOut := run(t, "", nil, "plan", "import", js, "--dry-run", "--json", "--db", db)
		var r result
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil {
			t.Fatalf("exit %d %s %s", code, out, errOut)
		}
		// No unit exists in this database: all three names are unknown.
		if r.ID != 0 || r.Tasks != 3 || r.Indicators != 1 || len(r.UnknownUnits) != 3 || r.UnknownUnits[0].Name != "市发改委" {
			t.Errorf("dry run %+v", r)
		}
		if r.UnknownUnits[0].Path == nil || r.Warnings == nil {
			t.Errorf("unknown units without a path, or warnings null: %s", out)
		}
	})
	t.Run("ErrStrict", func(t *testing.T) {
		code, out, _ := run(t, "", nil, "plan", "import", js, "--strict", "--json", "--db", db)
		var r result
		if code != 1 || json.Unmarshal([]byte(out), &r) != nil || r.ID != 0 || len(r.Rejected) != 3 {
			t.Errorf("strict: exit %d %s", code, out)
		}
	})
	var id int64
	t.Run("OK", func(t *testing.T) {
		code, out, errOut := run(t, "", nil, "plan", "import", js, "--db", db)
		if code != 0 || !strings.Contains(out, "已导入《示例工作方案》为草稿，编号 1") || !strings.Contains(out, "市数据局（条目 1.2）") {
			t.Fatalf("exit %d:\n%s%s", code, out, errOut)
		}
		id = 1
	})
	t.Run("OKExportJSONRoundTrip", func(t *testing.T) {
		out := filepath.Join(dir, "export.json")
		if code, _, errOut := run(t, "", nil, "plan", "export", "1", "--format", "json", "--out", out, "--db", db); code != 0 {
			t.Fatalf("export: %s", errOut)
		}
		code, res, errOut := run(t, "", nil, "plan", "import", out, "--json", "--db", db)
		var r result
		if code != 0 || json.Unmarshal([]byte(res), &r) != nil || r.ID != id+1 || r.Tasks != 3 || r.Indicators != 1 {
			t.Fatalf("re-import: exit %d %s %s", code, res, errOut)
		}
		a, _ := os.ReadFile(out)
		again := filepath.Join(dir, "again.json")
		if code, _, errOut := run(t, "", nil, "plan", "export", "2", "--format", "json", "--out", again, "--db", db); code != 0 {
			t.Fatalf("export: %s", errOut)
		}
		b, _ := os.ReadFile(again)
		if string(a) != string(b) {
			t.Errorf("the re-imported plan exports differently:\n%s\n---\n%s", a, b)
		}
	})
	t.Run("OKExportXLSX", func(t *testing.T) {
		// The 责任分解表 re-imports (as a dry run here): the same tasks and
		// indicators, unknown units named by their row.
		out := filepath.Join(dir, "责任分解表.xlsx")
		if code, _, errOut := run(t, "", nil, "plan", "export", "1", "--format", "xlsx", "--out", out, "--db", db); code != 0 {
			t.Fatalf("export: %s", errOut)
		}
		code, res, errOut := run(t, "", nil, "plan", "import", out, "--dry-run", "--json", "--db", db)
		var r struct {
			ID, Tasks, Indicators int
			Unknown               []struct {
				Name string `json:"name"`
				Row  int    `json:"row"`
				Path []int  `json:"path"`
			} `json:"unknown_units"`
		}
		if code != 0 || json.Unmarshal([]byte(res), &r) != nil || r.ID != 0 || r.Tasks != 3 || r.Indicators != 1 || len(r.Unknown) != 3 {
			t.Fatalf("import of the export: exit %d %s %s", code, res, errOut)
		}
		for _, u := range r.Unknown {
			if u.Row < 4 || u.Path != nil {
				t.Errorf("unknown unit %+v: want its row, no path", u)
			}
		}
	})
	t.Run("ErrUsage", func(t *testing.T) {
		for _, args := range [][]string{{"plan", "import"}, {"plan", "import", txt}, {"plan", "export", "x", "--out", "a"},
			{"plan", "export", "1"}, {"plan", "export", "1", "--format", "pdf", "--out", "a"}} {
			if code, _, _ := run(t, "", nil, append(args, "--db", db)...); code != 2 {
				t.Errorf("%v: exit %d, want 2", args, code)
			}
		}
		if code, _, _ := run(t, "", nil, "plan", "export", "99", "--out", filepath.Join(dir, "x.xlsx"), "--db", db); code != 1 {
			t.Errorf("a missing plan: exit %d, want 1", code)
		}
	})
}

func TestPlanDiff(t *testing.T) {
	dir := t.TempDir()
	old := "一、工作任务\n1.推进企业开办便利化。6月底前实现全程网办。（责任单位：市市场监管局）\n2.优化纳税服务。推行非接触式办税。（责任单位：市税务局）\n"
	cur := "一、工作任务\n1.推行政务服务一网通办。（责任单位：市政务服务局）\n2.推进企业开办便利化。9月底前实现全程网办。（责任单位：市市场监管局、市数据局）\n"
	a, b := filepath.Join(dir, "old.txt"), filepath.Join(dir, "new.txt")
	if err := os.WriteFile(a, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte(cur), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("OKText", func(t *testing.T) {
		code, out, errOut := run(t, "", nil, "plan", "diff", a, b)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, want := range []string{"新增 1 项，删除 1 项，修改 1 项", "新增 [1.1] 推行政务服务一网通办", "删除 [1.2] 优化纳税服务",
			"修改 [1.2] 推进企业开办便利化（原 [1.1]；编号、内容、单位、期限）", "单位增加：市数据局（责任）", "期限增加：9月底前"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("OKJSON", func(t *testing.T) {
		code, out, _ := run(t, "", nil, "plan", "diff", a, b, "--json")
		var d struct {
			Added, Removed, Changed int
			Changes                 []struct{ Kind string }
		}
		if code != 0 || json.Unmarshal([]byte(out), &d) != nil || d.Added != 1 || d.Removed != 1 || d.Changed != 1 || len(d.Changes) != 4 {
			t.Errorf("exit %d: %s", code, out)
		}
	})
	t.Run("ErrOneFile", func(t *testing.T) {
		if code, _, _ := run(t, "", nil, "plan", "diff", a); code != 2 {
			t.Errorf("exit %d, want 2", code)
		}
	})
}
