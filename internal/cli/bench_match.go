package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy/matchbench"
)

const benchMatchUsage = `
bench match measures the policy engine on a synthetic city loaded into
SQLite and (with --pg, or when QINQING_TEST_POSTGRES is set) PostgreSQL,
for rules of 1, 3, 6 and 12 conditions: the engine's simulation (counts,
budget, groups by district; on every core and on one) beside the same
predicate as SQL in both databases, per-row evaluation with expr-lang/expr
and with rule.Eval, and a hand-written loop over only the columns the rule
touches (the physical limit); reverse evaluation of one enterprise against
--clauses clauses with the index and with the naive loop; snapshot memory
and load time.

	qinqing bench match [--enterprises 2250000] [--pg postgres://…] [--db FILE] [--runs 30] [--sql-runs 5] [--clauses 1000] [--keep]`

func runBenchMatch(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "bench match", "bench match [flags]", benchMatchUsage)
	n := fs.Int("enterprises", 2_250_000, "enterprises in the synthetic city")
	pg := fs.String("pg", "", "PostgreSQL DSN (default $QINQING_TEST_POSTGRES); empty skips PostgreSQL")
	db := fs.String("db", "", "SQLite file to create (must not exist; default in the temporary directory)")
	runs := fs.Int("runs", 30, "runs of each in-memory measurement")
	sqlRuns := fs.Int("sql-runs", 5, "runs of each SQL and per-row measurement")
	clauses := fs.Int("clauses", 1000, "clauses for the reverse evaluation")
	keep := fs.Bool("keep", false, "keep the SQLite file and the PostgreSQL schema")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n <= 0 || *n > 100_000_000 {
		return usageErrorf("--enterprises must be between 1 and 100000000")
	}
	if *pg == "" {
		*pg = env.Getenv("QINQING_TEST_POSTGRES")
	}
	if *db == "" {
		*db = filepath.Join(os.TempDir(), fmt.Sprintf("qinqing-bench-match-%d.db", os.Getpid()))
	}
	rep, err := matchbench.Run(ctx, matchbench.Options{Enterprises: *n, SQLitePath: *db, PGDSN: *pg, Runs: *runs, SQLRuns: *sqlRuns,
		Clauses: *clauses, Keep: *keep, Log: env.Stderr})
	if err != nil {
		return err
	}
	return errs.Wrap(rep.Print(env.Stdout), "write table")
}
