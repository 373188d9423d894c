package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/cli"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/enterprise/importbench"
)

// runEnterpriseCLI runs the command line and returns exit code, stdout and
// stderr.
func runEnterpriseCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), args, cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
		Getenv: func(string) string { return "" }})
	return code, out.String(), errOut.String()
}

func TestSeedExportImport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "q.db")
	if code, out, errOut := runEnterpriseCLI(t, "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate: %d %s %s", code, out, errOut)
	}
	code, out, errOut := runEnterpriseCLI(t, "seed", "city", "--enterprises", "800", "--seed", "5", "--today", "2025-06-30", "--db", db)
	if code != 0 || !strings.Contains(out, "新增 800") {
		t.Fatalf("seed: %d %q %q", code, out, errOut)
	}
	// Appeals received in one week of January, their figures rebuilt.
	code, out, errOut = runEnterpriseCLI(t, "seed", "appeals", "--appeals", "50", "--from", "2026-01-05", "--until", "2026-01-09", "--json", "--db", db)
	var seeded struct{ Appeals int }
	if code != 0 || json.Unmarshal([]byte(out), &seeded) != nil || seeded.Appeals != 50 {
		t.Fatalf("seed appeals: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runEnterpriseCLI(t, "appeal", "stats", "--from", "2026-01", "--to", "2026-01", "--by", "unit", "--json", "--db", db)
	var fig struct {
		Total struct {
			Counts struct{ Received int } `json:"counts"`
		} `json:"total"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &fig) != nil || fig.Total.Counts.Received != 50 {
		t.Fatalf("appeal stats of January: %d %q %q", code, out, errOut)
	}
	if code, _, _ := runEnterpriseCLI(t, "seed", "appeals", "--from", "2026-13-01", "--db", db); code != 2 {
		t.Errorf("seed appeals --from 2026-13-01: exit %d, want 2", code)
	}
	for _, format := range []string{"csv", "xlsx"} {
		file := filepath.Join(dir, "e."+format)
		code, _, errOut = runEnterpriseCLI(t, "export", "enterprises", "--out", file, "--db", db)
		if code != 0 || !strings.Contains(errOut, "导出 800 家企业") {
			t.Fatalf("export %s: %d %q", format, code, errOut)
		}
		// Flags after the file name are read too.
		code, out, errOut = runEnterpriseCLI(t, "import", "enterprises", file, "--json", "--db", db)
		var res struct{ Read, Unchanged, Rejected int }
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Read != 800 || res.Unchanged != 800 {
			t.Fatalf("import %s: %d %q %q", format, code, out, errOut)
		}
	}
	code, out, _ = runEnterpriseCLI(t, "export", "enterprises", "--district", "洪山区", "--tag", "民营企业", "--db", db)
	if code != 0 || !strings.HasPrefix(out, "\uFEFF统一社会信用代码,") || strings.Count(out, "\n") < 2 {
		t.Errorf("export to stdout: %d %q", code, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		if !strings.Contains(line, "洪山区") || !strings.Contains(line, "民营企业") {
			t.Errorf("filtered export has %q", line)
		}
	}

	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("统一社会信用代码,企业名称,营业收入\n91420111MA4K,坏公司,1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rejects := filepath.Join(dir, "rejects.xlsx")
	code, out, _ = runEnterpriseCLI(t, "import", "enterprises", bad, "--rejects", rejects, "--db", db)
	if code != 0 || !strings.Contains(out, "拒绝 1") || !strings.Contains(out, "第2行 统一社会信用代码") {
		t.Errorf("import with a reject: %d %q", code, out)
	}
	if _, err := os.Stat(rejects); err != nil {
		t.Errorf("rejects file: %v", err)
	}
	code, _, errOut = runEnterpriseCLI(t, "import", "enterprises", bad, "--strict", "--db", db)
	if code != 1 || !strings.Contains(errOut, "严格模式") {
		t.Errorf("strict import with a reject: %d %q", code, errOut)
	}
	for _, args := range [][]string{
		{"import", "enterprises"},
		{"import", "enterprises", filepath.Join(dir, "x.xls"), "--db", db},
		{"export", "enterprises", "--format", "pdf", "--db", db},
		{"seed", "town", "--db", db},
		{"bench"},
	} {
		if code, _, _ := runEnterpriseCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestBenchImportPhases(t *testing.T) {
	// The parent re-executes its own binary, which a test binary is not; the
	// child phases run in process here.
	dir := t.TempDir()
	file := filepath.Join(dir, "e.csv")
	if _, err := importbench.Generate(file, 500); err != nil {
		t.Fatal(err)
	}
	for _, phase := range []string{importbench.PhaseSQLitePlain, importbench.PhaseSQLiteImport} {
		code, out, errOut := runEnterpriseCLI(t, "bench", "import", "--phase", phase, "--file", file, "--dsn", filepath.Join(dir, "b.db"))
		var m importbench.Measurement
		if code != 0 || json.Unmarshal([]byte(out), &m) != nil || m.Rows != 500 || m.Seconds <= 0 || m.PeakRSSKiB <= 0 {
			t.Errorf("%s: %d %q %q", phase, code, out, errOut)
		}
	}
	if code, _, _ := runEnterpriseCLI(t, "bench", "import", "--phase", "nope", "--file", file, "--dsn", filepath.Join(dir, "b.db")); code == 0 {
		t.Error("an unknown phase succeeded")
	}
}

// TestImportRealWorldCells checks that an import accepts the cells registers
// and spreadsheets really hold — 市场主体类型 written as the registered type,
// money with 万 and 亿 — maps them, keeps the registered type's text, and
// exports it back so that a re-import changes nothing.
func TestImportRealWorldCells(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "q.db")
	if code, _, errOut := runEnterpriseCLI(t, "migrate", "--db", db); code != 0 {
		t.Fatal(errOut)
	}
	code := func(i int) string {
		c, err := enterprise.MakeUSCC('9', '1', "420111", fmt.Sprintf("MA%06d", i))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	rows := []struct{ kind, revenue, capital, wantKind, wantText string }{
		{"有限责任公司", "500万", "1.2亿", "企业", "有限责任公司"},
		{"股份有限公司", "1.2亿", "3,000", "企业", "股份有限公司"},
		{"个人独资企业", "500万元", "0.5亿元", "企业", "个人独资企业"},
		{"合伙企业", "3,000元", "12.3456万", "企业", "合伙企业"},
		{"有限责任公司（自然人投资或控股）", "0", "100", "企业", "有限责任公司（自然人投资或控股）"},
		{"个体工商户", "20万", "", "个体工商户", ""},
		{"个体户", "", "", "个体工商户", "个体户"},
		{"农民专业合作社", "", "", "农民专业合作社", ""},
		{"农民专业合作社联合社", "", "", "农民专业合作社", "农民专业合作社联合社"},
		{"民办非企业单位", "", "", "其他", "民办非企业单位"},
		{"企业", "1234567", "", "企业", ""},
	}
	var csv strings.Builder
	csv.WriteString("统一社会信用代码,企业名称,市场主体类型,营业收入,注册资本\n")
	for i, r := range rows {
		fmt.Fprintf(&csv, "%s,测试主体%d,%s,\"%s\",\"%s\"\n", code(i), i, r.kind, r.revenue, r.capital)
	}
	fmt.Fprintf(&csv, "%s,无法识别的主体,外星公司联络处XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX,1,1\n", code(99))
	fmt.Fprintf(&csv, "%s,金额不对的主体,企业,1.23456万,1\n", code(98))
	file := filepath.Join(dir, "real.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	c, out, errOut := runEnterpriseCLI(t, "import", "enterprises", file, "--json", "--db", db)
	var res struct {
		Read, Inserted, Rejected int
		Errors                   []struct {
			Line          int
			Field, Reason string
		}
	}
	if c != 0 || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("import: exit %d %q %q", c, out, errOut)
	}
	if res.Read != len(rows)+2 || res.Inserted != len(rows) || res.Rejected != 2 {
		t.Fatalf("import: %+v", res)
	}
	reasons := map[string]string{}
	for _, e := range res.Errors {
		reasons[e.Field] = e.Reason
	}
	if !strings.Contains(reasons["kind"], "无法识别") || !strings.Contains(reasons["revenue"], "整数元") {
		t.Errorf("rejections %+v", res.Errors)
	}

	a, err := app.Open(context.Background(), config.Config{DB: db, City: "wuhan"}, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	wantRevenue := map[string]int64{"500万": 5000000, "1.2亿": 120000000, "500万元": 5000000, "3,000元": 3000, "0": 0, "20万": 200000, "1234567": 1234567}
	wantCapital := map[string]int64{"1.2亿": 120000000, "3,000": 3000, "0.5亿元": 50000000, "12.3456万": 123456, "100": 100}
	for i, r := range rows {
		e, err := a.Enterprises.FindEnterpriseByUSCC(context.Background(), auth.Operator("test"), code(i))
		if err != nil {
			t.Fatalf("%s: %v", r.kind, err)
		}
		text := ""
		if e.KindText != nil {
			text = *e.KindText
		}
		if e.Kind == nil || *e.Kind != r.wantKind || text != r.wantText {
			t.Errorf("%s: kind %v, text %q; want %s, %q", r.kind, e.Kind, text, r.wantKind, r.wantText)
		}
		if want, ok := wantRevenue[r.revenue]; ok && (e.Revenue == nil || *e.Revenue != want) {
			t.Errorf("%s: revenue %q read as %v, want %d", r.kind, r.revenue, e.Revenue, want)
		}
		if want, ok := wantCapital[r.capital]; ok && (e.RegisteredCapital == nil || *e.RegisteredCapital != want) {
			t.Errorf("%s: capital %q read as %v, want %d", r.kind, r.capital, e.RegisteredCapital, want)
		}
	}

	// The export writes the registered type; importing it back changes nothing.
	exported := filepath.Join(dir, "back.csv")
	if c, _, errOut := runEnterpriseCLI(t, "export", "enterprises", "--out", exported, "--db", db); c != 0 {
		t.Fatal(errOut)
	}
	body, _ := os.ReadFile(exported)
	if !strings.Contains(string(body), ",有限责任公司（自然人投资或控股）,") || !strings.Contains(string(body), ",个人独资企业,") {
		t.Errorf("export lost the registered type:\n%s", body)
	}
	c, out, errOut = runEnterpriseCLI(t, "import", "enterprises", exported, "--json", "--db", db)
	var again struct{ Read, Unchanged int }
	if c != 0 || json.Unmarshal([]byte(out), &again) != nil || again.Read != len(rows) || again.Unchanged != len(rows) {
		t.Fatalf("re-import of the export: exit %d %q %q", c, out, errOut)
	}
}
