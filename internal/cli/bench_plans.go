package cli

import (
	"context"
	"fmt"
	"runtime"

	"github.com/qinqing/qinqing/internal/enterprise/importbench"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/plan/planbench"
)

const benchPlansUsage = `
bench plans seeds a city's plan supervision into a fresh SQLite file and
(with --pg, or when QINQING_TEST_POSTGRES is set) a fresh PostgreSQL
schema: --units units, --plans plans of --tasks tasks in all (imported and
published through the domain), and --months months of monthly reports
before the current one (an item per task, indicator values, 督办, the
ranking of every month) written in bulk, then one refresh as the hourly
job runs it. It then serves the application on loopback and requests every
plan page as the roles that see it (the office, a leader, the staff of the
unit holding the most tasks), --runs times each after two unmeasured
requests, and prints p50, p95 and max per page, role and database.

	qinqing bench plans [--plans 50] [--tasks 10000] [--units 300] [--months 36] [--runs 30] [--pg postgres://…] [--db FILE] [--keep]`

func runBenchPlans(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "bench plans", "bench plans [flags]", benchPlansUsage)
	plans := fs.Int("plans", 50, "plans")
	tasks := fs.Int("tasks", 10000, "tasks of all plans (headings included)")
	units := fs.Int("units", 300, "units")
	months := fs.Int("months", 36, "months of reports before the current one")
	runs := fs.Int("runs", 30, "timed requests per page and role")
	pg := fs.String("pg", "", "PostgreSQL DSN (default $"+testPostgresEnv+"); empty skips PostgreSQL")
	db := fs.String("db", "", "SQLite file to create (must not exist; default in the temporary directory)")
	keep := fs.Bool("keep", false, "keep the SQLite file and the PostgreSQL schema")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *plans < 1 || *plans > 1000 || *tasks < 20**plans || *tasks > 1_000_000 || *units < 25 || *units > 100_000 ||
		*months < 1 || *months > 240 || *runs < 1 || *runs > 10_000 {
		return usageErrorf("--plans 1–1000, --tasks at least 20 per plan (at most 1000000), --units 25–100000, --months 1–240, --runs 1–10000")
	}
	if *pg == "" {
		*pg = env.Getenv(testPostgresEnv)
	}
	if *db == "" {
		*db = planbench.DefaultSQLitePath()
	}
	loadBefore := importbench.LoadAverage()
	rep, err := planbench.Run(ctx, planbench.Options{Plans: *plans, Tasks: *tasks, Units: *units, Months: *months, Runs: *runs,
		SQLitePath: *db, PGDSN: *pg, Keep: *keep, Log: env.Stderr})
	if err != nil {
		return err
	}
	if err := rep.Print(env.Stdout); err != nil {
		return errs.Wrap(err, "write table")
	}
	fmt.Fprintf(env.Stdout, "machine: %d CPUs; load average (1, 5, 15 min) %s before, %s after\n", runtime.NumCPU(), loadBefore, importbench.LoadAverage())
	return nil
}
