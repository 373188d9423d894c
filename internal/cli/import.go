package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
)

const importUsage = `
Import reads enterprises from a CSV (UTF-8, with or without BOM) or XLSX file
and upserts them by 统一社会信用代码.

	qinqing import enterprises FILE.csv|FILE.xlsx [--strict] [--dry-run] [--json] [--rejects FILE] [--db DSN]

The first row is the header (title rows of one cell above it are passed
over): field names (uscc, name, …) or their Chinese
labels (统一社会信用代码, 企业名称, …), with a note in brackets if wanted: a
money column's note is its unit (注册资本（万元）: a bare number is in 万元;
元 and 亿元 too). A missing column is unknown for every
row; an unknown header fails the whole file. Each bad row is rejected with
its line, field and reason; the other rows are imported, committed in
batches. Re-running the same file is safe (idempotent): rows already stored
count as unchanged, so an interrupted import is resumed by running it again.
A code that appears twice in the file: the first row is imported, the later
ones are rejected. Empty cells never erase stored values.

Exit status: 0 when the import ran, even if rows were rejected (see the
summary, --json or --rejects); 1 under --strict when any row was rejected
(nothing is written then) or on any other failure; 2 for a usage error.`

func runImport(ctx context.Context, env Env, args []string) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	fs := newFlagSet(env, "import", "import enterprises FILE [flags]", importUsage)
	cfg.DBFlag(fs)
	strict := fs.Bool("strict", false, "all or nothing: any rejected row aborts the import and nothing is written")
	dryRun := fs.Bool("dry-run", false, "validate and count without writing")
	asJSON := fs.Bool("json", false, "print the summary as JSON on stdout")
	rejects := fs.String("rejects", "", "write the rejected rows' errors to this .csv or .xlsx file")
	source := fs.String("source", enterprise.SourceImport, "source recorded for the imported values: "+strings.Join(enterprise.Sources, ", "))
	if err := parse(fs, args); err != nil {
		return err
	}
	pos := fs.Args()
	if len(pos) != 2 || pos[0] != "enterprises" {
		fs.Usage()
		return exitError{code: 2}
	}
	path := pos[1]
	format, err := enterprise.FormatOf(path)
	if err != nil {
		return usageErrorf("%s", errs.MessageOf(err))
	}
	rejectsFormat := ""
	if *rejects != "" {
		if rejectsFormat, err = enterprise.FormatOf(*rejects); err != nil {
			return usageErrorf("--rejects: %s", errs.MessageOf(err))
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return errs.Errorf(errs.Invalid, "无法打开文件 %s：%v", path, err)
	}
	defer f.Close()
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	svc := a.Enterprises
	ctx = audit.WithActor(ctx, audit.Who{Name: "cli"})
	limitImportMemory(env)
	pr := newProgress(env, "导入", 0)
	res, ierr := svc.Import(ctx, f, format, enterprise.ImportOptions{Strict: *strict, DryRun: *dryRun, Source: *source}, pr.update)
	pr.finish()
	if res == nil {
		return ierr
	}
	if *rejects != "" && len(res.Errors) > 0 {
		if err := writeRejectsFile(*rejects, rejectsFormat, res.Errors); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return errs.Wrap(err, "write summary")
		}
	} else {
		printImportSummary(env, res, *dryRun, *rejects)
	}
	if ierr != nil {
		fmt.Fprintf(env.Stderr, "qinqing import: %s\n", errs.MessageOf(ierr))
		return exitError{code: 1}
	}
	return nil
}

// printImportSummary prints the counts and the first rejected rows.
func printImportSummary(env Env, res *enterprise.ImportResult, dry bool, rejects string) {
	what := ""
	if dry {
		what = "（试运行，未写入）"
	}
	fmt.Fprintf(env.Stdout, "读取 %d 行%s：新增 %d，更新 %d，未变 %d，拒绝 %d\n", res.Read, what, res.Inserted, res.Updated, res.Unchanged, res.Rejected)
	const show = 20
	for i, e := range res.Errors {
		if i == show {
			fmt.Fprintf(env.Stdout, "……另有 %d 条错误", len(res.Errors)-show)
			if rejects == "" {
				fmt.Fprint(env.Stdout, "（用 --rejects 文件 或 --json 查看全部）")
			}
			fmt.Fprintln(env.Stdout)
			break
		}
		field := e.Field
		if f, ok := enterprise.FieldByName(e.Field); ok {
			field = f.Label
		}
		if field == "" {
			field = "整行"
		}
		fmt.Fprintf(env.Stdout, "第%d行 %s：%s\n", e.Line, field, e.Reason)
	}
	if rejects != "" && len(res.Errors) > 0 {
		fmt.Fprintf(env.Stdout, "错误清单已写入 %s\n", rejects)
	}
}

// writeRejectsFile writes the errors of an import to path.
func writeRejectsFile(path, format string, rowErrors []enterprise.RowError) error {
	f, err := os.Create(path)
	if err != nil {
		return errs.Errorf(errs.Invalid, "无法创建文件 %s：%v", path, err)
	}
	if err := enterprise.WriteRejects(f, format, rowErrors); err != nil {
		f.Close()
		return err
	}
	return errs.Wrap(f.Close(), "write rejects")
}

// limitImportMemory sets a soft limit on the Go heap of a bulk command
// unless GOMEMLIMIT is set: the garbage collector then keeps the heap near
// its live size (about 150 MB for a 2.25-million-row import, most of it
// the set of codes seen) instead of letting it double, which keeps the
// process under 500 MB with SQLite's page cache, which lies outside the
// Go heap.
func limitImportMemory(env Env) {
	if env.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(256 << 20)
	}
}

// progress shows how a long import goes: a progress bar on a terminal,
// otherwise a plain line every few seconds (for logs and pipes).
type progress struct {
	env   Env
	label string
	bar   *progressbar.ProgressBar
	tty   bool
	start time.Time
	last  time.Time
	total int64 // rows, when known in advance (seed)
	done  bool
	// indexing is set once the import builds its deferred indexes: the
	// rows are done, and the display says what it waits for.
	indexing bool
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// newProgress returns a progress display for an operation; totalRows is the
// number of rows when known (0: the import's byte count is used).
func newProgress(env Env, label string, totalRows int64) *progress {
	return &progress{env: env, label: label, tty: isTerminal(env.Stderr), start: time.Now(), last: time.Now(), total: totalRows}
}

// update is the progress callback of enterprise imports.
func (p *progress) update(pr enterprise.Progress) {
	if p.indexing {
		return
	}
	if pr.Phase == enterprise.PhaseIndexes {
		p.indexing = true
		p.finish()
		fmt.Fprintf(p.env.Stderr, "%s：%s\n", p.label, pr.IndexingNote())
		return
	}
	if p.tty {
		if p.bar == nil {
			if p.total == 0 && pr.TotalRows > 0 {
				p.total = int64(pr.TotalRows) // an XLSX file: counted in rows
			}
			switch {
			case p.total > 0:
				p.bar = progressbar.NewOptions64(p.total, progressbar.OptionSetWriter(p.env.Stderr), progressbar.OptionSetDescription(p.label),
					progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("行"), progressbar.OptionThrottle(200*time.Millisecond))
			case pr.TotalBytes > 0:
				p.bar = progressbar.NewOptions64(pr.TotalBytes, progressbar.OptionSetWriter(p.env.Stderr), progressbar.OptionSetDescription(p.label),
					progressbar.OptionShowBytes(true), progressbar.OptionThrottle(200*time.Millisecond))
			default:
				p.bar = progressbar.NewOptions64(-1, progressbar.OptionSetWriter(p.env.Stderr), progressbar.OptionSetDescription(p.label),
					progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("行"))
			}
		}
		switch {
		case p.total > 0 || pr.TotalBytes <= 0:
			_ = p.bar.Set64(int64(pr.Read))
		default:
			_ = p.bar.Set64(pr.Bytes)
		}
		return
	}
	if !pr.Done && time.Since(p.last) < 5*time.Second {
		return
	}
	p.last = time.Now()
	pct := ""
	if p.total == 0 && pr.TotalRows > 0 {
		p.total = int64(pr.TotalRows)
	}
	switch {
	case p.total > 0:
		pct = fmt.Sprintf("（%.0f%%）", 100*float64(pr.Read)/float64(p.total))
	case pr.TotalBytes > 0:
		pct = fmt.Sprintf("（%.0f%%）", 100*float64(pr.Bytes)/float64(pr.TotalBytes))
	}
	secs := time.Since(p.start).Seconds()
	fmt.Fprintf(p.env.Stderr, "%s：已处理 %d 行%s，新增 %d，更新 %d，未变 %d，拒绝 %d，%.0f 行/秒\n",
		p.label, pr.Read, pct, pr.Inserted, pr.Updated, pr.Unchanged, pr.Rejected, float64(pr.Read)/max(secs, 0.001))
}

// rows is the progress callback of imports that count rows only (12345
// appeal exports): done of total rows.
func (p *progress) rows(done, total int) {
	p.update(enterprise.Progress{Read: done, TotalRows: total, Done: done >= total && total > 0})
}

// finish ends the progress display.
func (p *progress) finish() {
	if p.bar != nil && !p.done {
		_ = p.bar.Finish()
		fmt.Fprintln(p.env.Stderr)
	}
	p.done = true
}
