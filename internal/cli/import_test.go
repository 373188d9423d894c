package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/cli"
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
