package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy/redeem/grantbench"
)

const benchGrantsUsage = `
bench grants measures redemption on a synthetic city loaded into SQLite and
(with --pg, or when QINQING_TEST_POSTGRES is set) PostgreSQL, with a
免申即享 clause whose rule fits about 100,000 of 2,250,000 enterprises (in
proportion for another --enterprises): grant list generation through its
job beside a plain INSERT … SELECT of the same rows into the grants table
(target ≥ 0.50× its rows per second) and into a bare table without keys
or indexes (the floor of the statement alone), generation again, approval, a payment
batch of every grant, its export as CSV and xlsx, and the bank's result
file for every payment, imported twice — each with its time and the
process's peak resident memory.

	qinqing bench grants [--enterprises 2250000] [--pg postgres://…] [--db FILE] [--keep] [--cpuprofile FILE]`

func runBenchGrants(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "bench grants", "bench grants [flags]", benchGrantsUsage)
	n := fs.Int("enterprises", 2_250_000, "enterprises in the synthetic city")
	pg := fs.String("pg", "", "PostgreSQL DSN (default $"+testPostgresEnv+"); empty skips PostgreSQL")
	db := fs.String("db", "", "SQLite file to create (must not exist; default in the temporary directory)")
	keep := fs.Bool("keep", false, "keep the SQLite file and the PostgreSQL schema")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured operations (not the synthesis and load), labelled op=…, to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n <= 0 || *n > 100_000_000 {
		return usageErrorf("--enterprises must be between 1 and 100000000")
	}
	if *pg == "" {
		*pg = env.Getenv(testPostgresEnv)
	}
	if *db == "" {
		*db = filepath.Join(os.TempDir(), fmt.Sprintf("qinqing-bench-grants-%d.db", os.Getpid()))
	}
	o := grantbench.Options{Enterprises: *n, SQLitePath: *db, PGDSN: *pg, Keep: *keep, Log: env.Stderr}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return errs.Wrap(err, "create profile")
		}
		defer f.Close()
		o.CPUProfile = f
	}
	rep, err := grantbench.Run(ctx, o)
	if err != nil {
		return err
	}
	return errs.Wrap(rep.Print(env.Stdout), "write table")
}
