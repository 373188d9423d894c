// Package importbench measures the enterprise import against the physical
// limit of loading the same file into the same database: for SQLite one
// prepared INSERT of the raw text fields into a bare table in one
// transaction, for PostgreSQL COPY of the file into a bare text table.
//
// Each measurement runs in a process of its own (the qinqing binary
// re-executed with `bench import --phase …`), so that the peak resident
// memory it reports (VmHWM) belongs to that phase alone.
package importbench

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/qinqing/qinqing/internal/enterprise/synth"

	"github.com/jackc/pgx/v5"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// The phases a child process runs.
const (
	PhaseSQLiteImport = "sqlite-import"
	PhaseSQLitePlain  = "sqlite-plain"
	PhasePGImport     = "pg-import"
	PhasePGPlain      = "pg-plain"
)

// Measurement is the outcome of one phase.
type Measurement struct {
	Phase      string  `json:"phase"`
	Rows       int     `json:"rows"`
	Seconds    float64 `json:"seconds"`
	PeakRSSKiB int64   `json:"peak_rss_kib"` // VmHWM of the process that ran the phase
	Inserted   int     `json:"inserted,omitempty"`
	Rejected   int     `json:"rejected,omitempty"`
	// IndexSeconds is the part of Seconds an import spent building the
	// indexes it deferred (and analysing) after the rows were in.
	IndexSeconds float64 `json:"index_seconds,omitempty"`
	// OwnCPU is the CPU time of the process that ran the phase; MachineCPU
	// that of the whole machine meanwhile (the database server's
	// included, and any other work's), both in seconds.
	OwnCPU     float64 `json:"own_cpu"`
	MachineCPU float64 `json:"machine_cpu"`
}

// stopwatch measures a phase: wall time, the process's CPU time and the
// machine's.
type stopwatch struct {
	wall         time.Time
	own, machine float64
}

func startWatch() stopwatch {
	return stopwatch{wall: time.Now(), own: ownCPU(), machine: machineCPU()}
}

// stop writes what was measured since start into m.
func (w stopwatch) stop(m *Measurement) {
	m.Seconds = time.Since(w.wall).Seconds()
	m.OwnCPU = ownCPU() - w.own
	m.MachineCPU = machineCPU() - w.machine
}

// ownCPU returns the user and system CPU seconds of this process.
func ownCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// machineCPU returns the busy CPU seconds of the machine since boot (the
// first line of /proc/stat, in clock ticks of 1/100 s), or 0 when /proc is
// not available.
func machineCPU() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	busy := 0.0
	for i, v := range f[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, _ := strconv.ParseFloat(v, 64)
		busy += n
	}
	return busy / 100
}

// RowsPerSecond returns the throughput of m.
func (m Measurement) RowsPerSecond() float64 {
	if m.Seconds <= 0 {
		return 0
	}
	return float64(m.Rows) / m.Seconds
}

// Generate writes n synthetic enterprises (seed 1, Wuhan, today fixed so the
// file is the same on every run) to path as an import CSV and returns its
// size in bytes.
func Generate(path string, n int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, errs.Wrap(err, "create benchmark file")
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	s := enterprise.New(nil, enterprise.Options{})
	_, err = s.ExportRecords(w, enterprise.FormatCSV, func(yield func(*enterprise.Enterprise) error) error {
		return synth.Generate(synth.Options{N: n, Seed: 1, Today: workday.NewDate(2025, 6, 30)}, yield)
	})
	if err != nil {
		return 0, err
	}
	if err := w.Flush(); err != nil {
		return 0, errs.Wrap(err, "write benchmark file")
	}
	st, err := f.Stat()
	if err != nil {
		return 0, errs.Wrap(err, "write benchmark file")
	}
	return st.Size(), errs.Wrap(f.Close(), "write benchmark file")
}

// PeakRSSKiB returns the peak resident set size of this process (VmHWM),
// or 0 when /proc is not available.
func PeakRSSKiB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// LoadAverage returns the system load averages over 1, 5 and 15 minutes
// (the start of /proc/loadavg), or "?" when they are not available.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

// Run runs one phase on the CSV file at path: dsn is the SQLite file (which
// is removed and recreated) or the PostgreSQL base DSN (a fresh schema is
// created and dropped). Setup (migrations) is not timed.
func Run(ctx context.Context, phase, path, dsn string) (Measurement, error) {
	m := Measurement{Phase: phase}
	var err error
	switch phase {
	case PhaseSQLiteImport, PhaseSQLitePlain:
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(dsn + suffix)
		}
		var db *store.DB
		if db, err = store.Open(ctx, dsn); err != nil {
			return m, err
		}
		defer db.Close()
		if phase == PhaseSQLiteImport {
			err = runImport(ctx, db, path, &m)
		} else {
			err = sqlitePlain(ctx, db, path, &m)
		}
	case PhasePGImport, PhasePGPlain:
		var schemaDSN string
		var drop func()
		if schemaDSN, drop, err = store.FreshSchema(ctx, dsn, "qinqing_bench_"); err != nil {
			return m, err
		}
		defer drop()
		var db *store.DB
		if db, err = store.Open(ctx, schemaDSN); err != nil {
			return m, err
		}
		defer db.Close()
		if phase == PhasePGImport {
			err = runImport(ctx, db, path, &m)
		} else {
			err = pgPlain(ctx, schemaDSN, path, &m)
		}
	default:
		return m, errs.Errorf(errs.Invalid, "未知的测量阶段“%s”", phase)
	}
	m.PeakRSSKiB = PeakRSSKiB()
	return m, err
}

// runImport times Service.Import of the file into a freshly migrated db.
func runImport(ctx context.Context, db *store.DB, path string, m *Measurement) error {
	if _, err := db.Migrate(ctx, time.Now); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return errs.Wrap(err, "open benchmark file")
	}
	defer f.Close()
	s := enterprise.New(db, enterprise.Options{Now: time.Now})
	var indexes time.Time
	w := startWatch()
	res, err := s.Import(ctx, f, enterprise.FormatCSV, enterprise.ImportOptions{}, func(p enterprise.Progress) {
		if p.Phase == enterprise.PhaseIndexes && indexes.IsZero() {
			indexes = time.Now()
		}
	})
	w.stop(m)
	if err != nil {
		return err
	}
	if !indexes.IsZero() {
		m.IndexSeconds = m.Seconds - indexes.Sub(w.wall).Seconds()
	}
	m.Rows, m.Inserted, m.Rejected = res.Read, res.Inserted, res.Rejected
	return nil
}

// plainColumns returns the number of columns of the file's header.
func plainColumns(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, errs.Wrap(err, "open benchmark file")
	}
	defer f.Close()
	head, err := csv.NewReader(bufio.NewReader(f)).Read()
	return len(head), errs.Wrap(err, "read benchmark file")
}

// sqlitePlain times one prepared INSERT per row of the raw text fields into
// a bare table, in one transaction: the physical limit of loading the file
// into SQLite through the same driver.
func sqlitePlain(ctx context.Context, db *store.DB, path string, m *Measurement) error {
	n, err := plainColumns(path)
	if err != nil {
		return err
	}
	cols := make([]string, n)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d TEXT", i+1)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE plain ("+strings.Join(cols, ", ")+")"); err != nil {
		return errs.Wrap(err, "create plain table")
	}
	f, err := os.Open(path)
	if err != nil {
		return errs.Wrap(err, "open benchmark file")
	}
	defer f.Close()
	w := startWatch()
	err = db.InTx(ctx, func(tx *store.Tx) error {
		st, err := tx.PrepareContext(ctx, "INSERT INTO plain VALUES (?"+strings.Repeat(", ?", n-1)+")")
		if err != nil {
			return err
		}
		r := csv.NewReader(bufio.NewReaderSize(f, 1<<16))
		r.FieldsPerRecord = -1
		r.ReuseRecord = true
		if _, err := r.Read(); err != nil {
			return err
		}
		args := make([]any, n)
		for {
			rec, err := r.Read()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			for i := range args {
				args[i] = nil
				if i < len(rec) {
					args[i] = rec[i]
				}
			}
			if _, err := st.ExecContext(ctx, args...); err != nil {
				return err
			}
			m.Rows++
		}
	})
	w.stop(m)
	return errs.Wrap(err, "plain load")
}

// pgPlain times COPY of the file into a bare text table.
func pgPlain(ctx context.Context, dsn, path string, m *Measurement) error {
	n, err := plainColumns(path)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return errs.Wrap(err, "connect")
	}
	defer conn.Close(ctx)
	cols := make([]string, n)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d TEXT", i+1)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE plain ("+strings.Join(cols, ", ")+")"); err != nil {
		return errs.Wrap(err, "create plain table")
	}
	f, err := os.Open(path)
	if err != nil {
		return errs.Wrap(err, "open benchmark file")
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	if b, _ := br.Peek(3); string(b) == "\xEF\xBB\xBF" {
		_, _ = br.Discard(3)
	}
	w := startWatch()
	tag, err := conn.PgConn().CopyFrom(ctx, br, "COPY plain FROM STDIN (FORMAT csv, HEADER true)")
	w.stop(m)
	if err != nil {
		return errs.Wrap(err, "copy")
	}
	m.Rows = int(tag.RowsAffected())
	return nil
}

// DefaultDir returns the directory for the benchmark's files.
func DefaultDir() string { return filepath.Join(os.TempDir(), "qinqing-bench") }
