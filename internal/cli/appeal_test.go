package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAppealImport runs `qinqing appeal import` on a 12345 export: the
// summary reconciles, a second run changes nothing, --dry-run writes
// nothing, and a wrong file type is a usage error.
func TestAppealImport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "q.db")
	if code, out, errOut := runEnterpriseCLI(t, "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate: %d %s %s", code, out, errOut)
	}
	file := filepath.Join(dir, "12345.csv")
	csv := "\uFEFF工单编号,受理时间,诉求人,联系电话,企业名称,统一社会信用代码,所属区,诉求类别,诉求标题,诉求内容,紧急程度,办理时限（工作日）\n" +
		"A1,2024-09-13 16:30,张先生,13800000000,,,江岸区,其他,,路灯不亮,一般,\n" +
		"A2,2024/9/13 16:30:00,,,,,,其他,,噪声扰民,紧急,3\n" +
		"A3,2024年9月13日16时30分,,,,,,其他,,排水不畅,,\n" +
		"A4,昨天,,,,,,其他,,时间不对,,\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	type summary struct {
		Read, Inserted, Unchanged, Rejected int
		DryRun                              bool `json:"dry_run"`
		Errors                              []struct {
			Line          int
			Field, Reason string
		}
	}
	run := func(args ...string) summary {
		t.Helper()
		code, out, errOut := runEnterpriseCLI(t, append([]string{"appeal", "import", file, "--json", "--db", db}, args...)...)
		var s summary
		if code != 0 || json.Unmarshal([]byte(out), &s) != nil {
			t.Fatalf("appeal import %v: %d %q %q", args, code, out, errOut)
		}
		if s.Read != s.Inserted+s.Unchanged+s.Rejected {
			t.Fatalf("does not reconcile: %+v", s)
		}
		return s
	}
	if s := run("--dry-run"); s.Inserted != 3 || s.Rejected != 1 || !s.DryRun {
		t.Fatalf("dry run: %+v", s)
	}
	s := run()
	if s.Inserted != 3 || s.Rejected != 1 || s.Errors[0].Line != 5 || s.Errors[0].Field != "受理时间" {
		t.Fatalf("first run: %+v", s)
	}
	if s := run(); s.Inserted != 0 || s.Unchanged != 3 || s.Rejected != 1 {
		t.Fatalf("second run: %+v", s)
	}
	code, out, _ := runEnterpriseCLI(t, "appeal", "import", file, "--db", db)
	if code != 0 || !strings.Contains(out, "读取 4 行，新增 0，未变 3，拒绝 1") || !strings.Contains(out, "第5行 受理时间") {
		t.Fatalf("text summary: %d %q", code, out)
	}
	if code, _, errOut := runEnterpriseCLI(t, "appeal", "import", filepath.Join(dir, "x.txt"), "--db", db); code != 2 || !strings.Contains(errOut, "不支持的文件类型") {
		t.Fatalf("wrong type: %d %q", code, errOut)
	}
	if code, _, _ := runEnterpriseCLI(t, "appeal", "export"); code != 2 {
		t.Fatalf("unknown subcommand: %d", code)
	}
}
