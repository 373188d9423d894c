package planbench_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/plan/planbench"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

// TestRun seeds a small city and requests every plan page as each role
// that sees it: every answer must be 200 (Run stops at any other) on
// SQLite and, when configured, PostgreSQL; the report names every page,
// role and database and what was seeded.
func TestRun(t *testing.T) {
	pg := os.Getenv(storetest.PostgresEnv)
	var log bytes.Buffer
	rep, err := planbench.Run(context.Background(), planbench.Options{Plans: 3, Tasks: 90, Units: 30, Months: 4, Runs: 2,
		SQLitePath: filepath.Join(t.TempDir(), "bench.db"), PGDSN: pg, Log: &log})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	dbs := 1
	if pg != "" {
		dbs = 2
	}
	if len(rep.Results) != 21*dbs {
		t.Errorf("%d results, want %d", len(rep.Results), 21*dbs)
	}
	for db, rows := range rep.Rows {
		if rows["tasks"] != 90 || rows["units"] != 30 || rows["reports"] == 0 || rows["report items"] == 0 || rows["indicator values"] == 0 ||
			rows["notices"] == 0 || rows["ranking rows"] == 0 {
			t.Errorf("%s seeded %v", db, rows)
		}
	}
	for _, r := range rep.Results {
		if r.Runs != 2 || r.Bytes == 0 || r.P50 <= 0 || r.P95 < r.P50 || r.Max < r.P95 {
			t.Errorf("result %+v", r)
		}
	}
	var out bytes.Buffer
	if err := rep.Print(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ranking, all plans", "export xlsx", "report form", "unit workbench", "target: p95 < 200ms"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, out.String())
		}
	}
}
