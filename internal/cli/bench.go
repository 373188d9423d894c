package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/qinqing/qinqing/internal/enterprise/importbench"
	"github.com/qinqing/qinqing/internal/errs"
)

const benchUsage = `
Bench measures whole-system figures and prints them as a table.

	qinqing bench import [--rows 2250000] [--db FILE] [--pg postgres://…] [--dir DIR] [--keep]
	qinqing bench search [--db DSN] [--runs 200]
	qinqing bench match  [--enterprises 2250000] [--pg postgres://…]
	qinqing bench appeals [--appeals 20000] [--clients 16] [--pg postgres://…]
	qinqing bench plans   [--plans 50] [--tasks 10000] [--units 300] [--pg postgres://…]
	qinqing bench grants  [--enterprises 2250000] [--pg postgres://…]

bench import writes a CSV of --rows synthetic enterprises, then measures, on
SQLite and (with --pg, or when QINQING_TEST_POSTGRES is set) PostgreSQL:

	qinqing import   Import of the file into an empty, migrated database
	plain load       the physical limit: SQLite, one prepared INSERT of the raw
	                 text fields per row into a bare table in one transaction;
	                 PostgreSQL, COPY of the file into a bare text table

Each measurement runs in a child process of this binary, so the peak
resident memory (VmHWM) is that phase's own. The ratio is the import's rows
per second over the plain load's. "of which indexes" is the time an import
spent building, after the rows, the indexes it deferred; "CPU s" is the
phase's own CPU time and the whole machine's (the database server's
included). --db is the SQLite file to create for the
run (it must not exist; default in --dir); PostgreSQL runs in a fresh
schema that is dropped afterwards. The machine's CPUs and load average are
printed with the table: other work on the machine slows the phases unevenly.`

// testPostgresEnv names the variable that holds the test PostgreSQL DSN
// (storetest.PostgresEnv, which is not linked into the binary).
const testPostgresEnv = "QINQING_TEST_POSTGRES"

func runBench(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 && args[0] == "match" {
		return runBenchMatch(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "grants" {
		return runBenchGrants(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "search" {
		return runBenchSearch(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "appeals" {
		return runBenchAppeals(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "plans" {
		return runBenchPlans(ctx, env, args[1:])
	}
	if len(args) == 0 || args[0] != "import" {
		fs := newFlagSet(env, "bench", "bench <import|search|match|appeals|plans|grants> [flags]", benchUsage)
		if err := parse(fs, args); err != nil {
			return err
		}
		fs.Usage()
		return exitError{code: 2}
	}
	fs := newFlagSet(env, "bench import", "bench import [flags]", benchUsage)
	rows := fs.Int("rows", 2_250_000, "number of synthetic enterprises in the file")
	db := fs.String("db", "", "SQLite file to create for the benchmark (must not exist; default DIR/bench.db)")
	pg := fs.String("pg", "", "PostgreSQL DSN (default $"+testPostgresEnv+"); empty skips PostgreSQL")
	dir := fs.String("dir", importbench.DefaultDir(), "directory for the generated file")
	keep := fs.Bool("keep", false, "keep the generated CSV and SQLite files")
	phase := fs.String("phase", "", "internal: run one measurement and print it as JSON")
	file := fs.String("file", "", "internal: the CSV file of --phase")
	dsn := fs.String("dsn", "", "internal: the database of --phase")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *phase != "" {
		limitImportMemory(env) // as qinqing import does
		m, err := importbench.Run(ctx, *phase, *file, *dsn)
		if err != nil {
			return err
		}
		return errs.Wrap(json.NewEncoder(env.Stdout).Encode(m), "write measurement")
	}
	if *rows <= 0 || *rows > 100_000_000 {
		return usageErrorf("--rows must be between 1 and 100000000")
	}
	if *pg == "" {
		*pg = env.Getenv(testPostgresEnv)
	}
	if err := os.MkdirAll(*dir, 0o750); err != nil {
		return errs.Wrap(err, "bench directory")
	}
	if *db == "" {
		*db = filepath.Join(*dir, "bench.db")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(*db + suffix)
		}
	} else if _, err := os.Stat(*db); err == nil {
		return usageErrorf("--db %s exists: the benchmark deletes and recreates its database, so give a new path", *db)
	}
	self, err := os.Executable()
	if err != nil {
		return errs.Wrap(err, "find own executable")
	}
	csvPath := filepath.Join(*dir, fmt.Sprintf("enterprises-%d.csv", *rows))
	fmt.Fprintf(env.Stderr, "generating %d synthetic enterprises into %s …\n", *rows, csvPath)
	size, err := importbench.Generate(csvPath, *rows)
	if err != nil {
		return err
	}
	if !*keep {
		defer os.Remove(csvPath)
		defer func() {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				_ = os.Remove(*db + suffix)
			}
		}()
	}
	type step struct {
		label, phase, dsn string
	}
	steps := []step{
		{"SQLite: plain load (prepared INSERT, bare table, 1 tx)", importbench.PhaseSQLitePlain, *db},
		{"SQLite: qinqing import", importbench.PhaseSQLiteImport, *db},
	}
	if *pg != "" {
		steps = append(steps,
			step{"PostgreSQL: plain load (COPY into bare text table)", importbench.PhasePGPlain, *pg},
			step{"PostgreSQL: qinqing import", importbench.PhasePGImport, *pg})
	}
	loadBefore := importbench.LoadAverage()
	results := map[string]importbench.Measurement{}
	for _, s := range steps {
		fmt.Fprintf(env.Stderr, "running %s …\n", s.label)
		cmd := exec.CommandContext(ctx, self, "bench", "import", "--phase", s.phase, "--file", csvPath, "--dsn", s.dsn)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			return errs.Errorf(errs.Internal, "%s failed: %v: %s", s.label, err, strings.TrimSpace(errOut.String()))
		}
		var m importbench.Measurement
		if err := json.Unmarshal(out.Bytes(), &m); err != nil {
			return errs.Wrap(err, "read measurement of "+s.phase)
		}
		results[s.phase] = m
	}
	dataset := fmt.Sprintf("%d rows, %.1f MB CSV", *rows, float64(size)/1e6)
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "dataset\toperation\trows/s\tseconds\tof which indexes\tCPU s: own\tmachine\tpeak RSS MB\tratio to plain\t")
	for _, s := range steps {
		m := results[s.phase]
		plain := results[importbench.PhaseSQLitePlain]
		if strings.HasPrefix(s.phase, "pg-") {
			plain = results[importbench.PhasePGPlain]
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f\t%.2f\t\n", dataset, s.label, m.RowsPerSecond(), m.Seconds, m.IndexSeconds,
			m.OwnCPU, m.MachineCPU, float64(m.PeakRSSKiB)/1024, m.RowsPerSecond()/plain.RowsPerSecond())
	}
	if err := tw.Flush(); err != nil {
		return errs.Wrap(err, "write table")
	}
	for _, s := range steps {
		if m := results[s.phase]; strings.HasSuffix(s.phase, "-import") && (m.Rejected != 0 || m.Inserted != *rows) {
			fmt.Fprintf(env.Stdout, "warning: %s inserted %d and rejected %d of %d rows\n", s.label, m.Inserted, m.Rejected, *rows)
		}
	}
	fmt.Fprintf(env.Stdout, "machine: %d CPUs; load average (1, 5, 15 min) %s before, %s after\n", runtime.NumCPU(), loadBefore, importbench.LoadAverage())
	fmt.Fprintln(env.Stdout, "targets: import ≥ 0.50× the plain load's rows/s; peak RSS < 500 MB")
	return nil
}
