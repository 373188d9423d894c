package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/qinqing/qinqing/internal/appeal/appealbench"
	"github.com/qinqing/qinqing/internal/enterprise/importbench"
	"github.com/qinqing/qinqing/internal/errs"
)

const benchAppealsUsage = `
bench appeals measures appeal intake: the server (the web handler with its
jobs running) listens on loopback over a fresh SQLite file and (with --pg,
or when QINQING_TEST_POSTGRES is set) a fresh PostgreSQL schema, and
--clients concurrent clients POST --appeals appeals to /api/v1/appeals
with an API token (every answer must be 201). Beside it, two limits:

  bare INSERT              the intake's fields INSERTed into a bare table
                           (no index) of the same database by as many
                           goroutines, one row per transaction;
  same rows, INSERT loop   every row the intakes wrote (the appeal, its
                           events and units, the audit record, the notices,
                           their delivery job, the statistics' cells and the
                           year's counter as upserts), read back and
                           INSERTed by as many goroutines into a fresh
                           database of the same engine with the full schema,
                           one transaction per appeal.

"ratio to bare" and "ratio to rows" are each line's rows per second over
the limit's. "CPU µs/row" is this process's CPU time (server and clients,
not the PostgreSQL server's) per appeal: on a shared machine the wall
time follows the load, the CPU per row much less.

	qinqing bench appeals [--appeals 20000] [--clients 16] [--db FILE] [--pg postgres://…] [--cpuprofile FILE] [--json]`

func runBenchAppeals(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "bench appeals", "bench appeals [flags]", benchAppealsUsage)
	n := fs.Int("appeals", 20_000, "appeals to file")
	clients := fs.Int("clients", 16, "concurrent clients")
	db := fs.String("db", "", "SQLite file to create (must not exist; default in the temporary directory)")
	pg := fs.String("pg", "", "PostgreSQL DSN (default $"+testPostgresEnv+"); empty skips PostgreSQL")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run (server and clients) to this file")
	asJSON := fs.Bool("json", false, "print the results as JSON on stdout")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n <= 0 || *n > 10_000_000 {
		return usageErrorf("--appeals must be between 1 and 10000000")
	}
	if *clients <= 0 || *clients > 1000 {
		return usageErrorf("--clients must be between 1 and 1000")
	}
	if *pg == "" {
		*pg = env.Getenv(testPostgresEnv)
	}
	dir, err := os.MkdirTemp("", "qinqing-bench-appeals-")
	if err != nil {
		return errs.Wrap(err, "bench directory")
	}
	defer os.RemoveAll(dir)
	if *db == "" {
		*db = filepath.Join(dir, "bench.db")
	} else if _, err := os.Stat(*db); err == nil {
		return usageErrorf("--db %s exists: the benchmark creates its database, so give a new path", *db)
	} else {
		defer func() {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				_ = os.Remove(*db + suffix)
			}
		}()
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return errs.Wrap(err, "create profile")
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return errs.Wrap(err, "start profile")
		}
		defer pprof.StopCPUProfile()
	}
	o := appealbench.Options{N: *n, Clients: *clients, DataDir: filepath.Join(dir, "data")}
	type result struct {
		Database string `json:"database"`
		appealbench.Result
		RatioBare float64 `json:"ratio_to_bare"`
		RatioRows float64 `json:"ratio_to_rows"`
	}
	var results []result
	loadBefore := importbench.LoadAverage()
	targets := []struct {
		name, dsn string
		pg        bool
	}{{"SQLite", *db, false}}
	if *pg != "" {
		targets = append(targets, struct {
			name, dsn string
			pg        bool
		}{"PostgreSQL", *pg, true})
	}
	for _, t := range targets {
		fmt.Fprintf(env.Stderr, "%s: %d appeals from %d clients …\n", t.name, *n, *clients)
		r, err := appealbench.Run(ctx, t.dsn, t.pg, o)
		if err != nil {
			return err
		}
		results = append(results, result{Database: t.name, Result: r,
			RatioBare: r.Intake.PerSecond() / r.Bare.PerSecond(), RatioRows: r.Intake.PerSecond() / r.Rows.PerSecond()})
	}
	loadAfter := importbench.LoadAverage()
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return errs.Wrap(enc.Encode(map[string]any{"appeals": *n, "clients": *clients, "cpus": runtime.NumCPU(),
			"load_before": loadBefore, "load_after": loadAfter, "results": results}), "write JSON")
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "database\toperation\trows\tper s\tp50 ms\tp95 ms\tp99 ms\tCPU µs/row\terrors\tratio to bare\tratio to rows\t")
	for _, r := range results {
		for _, m := range []appealbench.Measurement{r.Bare, r.Rows, r.Intake} {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%s\t%s\t%s\t%d\t%d\t%.2f\t%.2f\t\n", r.Database, m.Label, m.Rows, m.PerSecond(), ms(m.P50), ms(m.P95), ms(m.P99),
				m.CPUPerRow().Microseconds(), m.Errors, m.PerSecond()/r.Bare.PerSecond(), m.PerSecond()/r.Rows.PerSecond())
		}
	}
	if err := tw.Flush(); err != nil {
		return errs.Wrap(err, "write table")
	}
	for _, r := range results {
		for _, m := range []appealbench.Measurement{r.Bare, r.Rows, r.Intake} {
			if m.Errors > 0 {
				fmt.Fprintf(env.Stdout, "warning: %s %s: %d failed, the first: %s\n", r.Database, m.Label, m.Errors, m.FirstError)
			}
		}
		tables := make([]string, 0, len(r.RowsPerAppeal))
		for t := range r.RowsPerAppeal {
			tables = append(tables, t)
		}
		slices.Sort(tables)
		for i, t := range tables {
			tables[i] = fmt.Sprintf("%s %.2f", t, r.RowsPerAppeal[t])
		}
		fmt.Fprintf(env.Stdout, "%s: rows written per appeal: %s\n", r.Database, strings.Join(tables, ", "))
	}
	fmt.Fprintf(env.Stdout, "machine: %d CPUs; load average (1, 5, 15 min) %s before, %s after\n", runtime.NumCPU(), loadBefore, loadAfter)
	fmt.Fprintln(env.Stdout, "target: intake ≥ 0.50× the limit's rows/s")
	return nil
}
