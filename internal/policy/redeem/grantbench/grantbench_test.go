package grantbench_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/policy/redeem/grantbench"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

// TestRun runs the benchmark on a small city, on SQLite and (when
// configured) PostgreSQL: generation lists what the plain INSERT … SELECT
// writes, a second run adds nothing, and every grant is approved, batched,
// exported twice and answered by the bank (Run itself fails when the bank's
// answers do not add up).
func TestRun(t *testing.T) {
	rep, err := grantbench.Run(context.Background(), grantbench.Options{Enterprises: 6000,
		SQLitePath: filepath.Join(t.TempDir(), "bench.db"), PGDSN: os.Getenv(storetest.PostgresEnv)})
	if err != nil {
		t.Fatal(err)
	}
	dbs := map[string]map[string]grantbench.Row{}
	for _, r := range rep.Rows {
		if dbs[r.Database] == nil {
			dbs[r.Database] = map[string]grantbench.Row{}
		}
		dbs[r.Database][r.Operation] = r
	}
	want := 1
	if os.Getenv(storetest.PostgresEnv) != "" {
		want = 2
	}
	if len(dbs) != want {
		t.Fatalf("databases measured: %d, want %d", len(dbs), want)
	}
	for db, ops := range dbs {
		plain := ops["plain INSERT … SELECT (bare table)"].Rows
		if plain == 0 {
			t.Errorf("%s: the rule fits no enterprise", db)
		}
		for _, op := range []string{"INSERT … SELECT into policy_grants", "grant list generation (job)", "approve the list", "payment batch",
			"batch export, csv", "batch export, xlsx", "bank result import", "the same file again"} {
			if got := ops[op].Rows; got != plain {
				t.Errorf("%s: %s: %d rows, want %d", db, op, got, plain)
			}
		}
		if got := ops["generation again (adds nothing)"].Rows; got != 0 {
			t.Errorf("%s: generation again added %d", db, got)
		}
		if !strings.Contains(ops["the same file again"].Note, "paid 0, refused 0") {
			t.Errorf("%s: the same file again: %s", db, ops["the same file again"].Note)
		}
	}
	var out strings.Builder
	if err := rep.Print(&out); err != nil || !strings.Contains(out.String(), "grant list generation (job)") {
		t.Errorf("report: %v\n%s", err, out.String())
	}
}
