package enterprise

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/qinqing/qinqing/internal/sheet"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Import reads enterprises from a CSV or XLSX file and upserts them by
// 统一社会信用代码.
//
// The file's first row (of each sheet, for XLSX) is the header: canonical
// field names or their Chinese labels (see Fields), in any order. A column
// that is missing is unknown for every row; a header that is not a field
// fails the whole file, naming it; derived fields (企业规模, 成立年限) are
// accepted and ignored, since they are computed. Blank rows are skipped and
// not counted.
//
// Each row is parsed on its own (parse.go). A row with any bad cell is
// rejected with every bad cell reported (one error per field), and the
// other rows go ahead. A 统一社会信用代码 that appears twice in one file is
// an error in the file: the first row is imported and the later ones are
// rejected, naming the first line.
//
// Upsert: a new code is inserted; for a known code only the values the
// file knows are compared and written — an empty cell or a missing column
// never erases a stored value (use UpdateEnterprise with Clear for that),
// while an empty 企业标签 cell is the known empty set and does replace the
// tags. A row whose known values all equal the stored ones is counted as
// unchanged and not written; a changed row records one history entry per
// changed field (source ImportOptions.Source) and updates the field
// sources, and its size class is recomputed.
//
// Transactions: by default rows are committed in batches (one transaction
// per ImportOptions.BatchSize rows), so an interrupted import keeps the
// batches already committed, and the import is resumable: running the same
// file again is idempotent — what was committed counts as unchanged and the
// rest is inserted. With Strict, the whole import is one transaction and
// any rejected row rolls it all back (nothing is written). DryRun parses and
// compares every row against the database and counts what would happen,
// writing nothing.
//
// How it is fast: one goroutine reads the file, others parse and validate
// its rows (bulkparse.go; the rows come out in file order), and the
// batches are written while the next ones are parsed. Each batch is
// compared against the stored rows fetched with one query (new, changed or
// unchanged is decided in Go, by the same merge as UpdateEnterprise) —
// except in a large import into an empty registry, where every row the
// file does not repeat is new: it looks nothing up, defers every index but
// the primary keys — the unique index of the codes included (bulkindex.go;
// how codes stay unique meanwhile is on write) — and on PostgreSQL the
// foreign key of enterprise_tags to the end, and writes batches of 20,000.
// SQLite: multi-row prepared INSERTs
// with the values common to all rows written into the statement, a 64 MB
// page cache and in-memory statement journals for the import. PostgreSQL:
// binary COPY of new rows (ids drawn from the sequence, bulkcopy.go) and
// of changed rows into a staging table applied by one UPDATE … FROM,
// asynchronous commit (safe: the import is idempotent), and two
// connections writing alternate batches so that two backends maintain the
// indexes. Memory stays flat: a few batches in flight, plus the set of
// codes seen for the duplicate check (about 30 bytes per row). XLSX files
// are read whole (a zip archive needs random access) and streamed row by
// row from there.

// Formats of import and export files.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// FormatOf returns the format of a file from its name's extension. Errors:
// Invalid for anything but .csv and .xlsx.
func FormatOf(name string) (string, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return FormatCSV, nil
	case ".xlsx":
		return FormatXLSX, nil
	}
	return "", errs.Errorf(errs.Invalid, "不支持的文件类型“%s”：请使用 CSV（.csv，UTF-8 编码）或 Excel（.xlsx）文件", filepath.Ext(name))
}

// ImportOptions adjust an import; the zero value is a batched import from
// source 导入.
type ImportOptions struct {
	Strict    bool   // all or nothing: any rejected row aborts the import and nothing is written
	DryRun    bool   // validate and count without writing
	Source    string // source recorded for the values written; default SourceImport
	BatchSize int    // rows per transaction in the default mode; default 5000
	// Size is the size of the input in bytes, for progress; when 0 it is
	// taken from the reader if it has a Stat or Len method.
	Size int64
	// MaxErrors caps ImportResult.Errors (the count Rejected is never
	// capped); default 10000, negative for no cap.
	MaxErrors int
	// ExpectedRows is the number of rows when known in advance (ImportRecords
	// of a synthetic city); with Size it decides whether an import into an
	// empty registry is large enough to defer its indexes.
	ExpectedRows int
}

// An import into an empty registry defers the secondary indexes (builds
// them once at the end) when it is at least this large.
const (
	deferMinRows  = 100_000
	deferMinBytes = 16 << 20 // about 100,000 CSV rows
)

// csvBytesPerRow estimates the rows of an input from its size (a full row
// of the export layout is about 160 bytes).
const csvBytesPerRow = 160

// freshBatchSize is the batch of a large import into an empty registry.
// SQLite: each commit writes every page it dirtied to the WAL, and with
// random codes nearly every leaf of the uscc index is dirtied by a large
// enough batch, so fewer, larger batches write much less. PostgreSQL: a
// batch costs five round trips, so fewer batches wait less.
var freshBatchSize = 20_000

// ImportResult summarises an import. Read = Inserted + Updated + Unchanged +
// Rejected always; under DryRun, and under Strict when rows were rejected,
// the counts say what the import would have done, and nothing was written.
type ImportResult struct {
	Read      int        `json:"read"`
	Inserted  int        `json:"inserted"`
	Updated   int        `json:"updated"`
	Unchanged int        `json:"unchanged"`
	Rejected  int        `json:"rejected"`
	Errors    []RowError `json:"errors"`
}

// Summary says in one Chinese sentence what the import did.
func (r *ImportResult) Summary() string {
	return fmt.Sprintf("完成：读取 %d 行，新增 %d，更新 %d，未变 %d，拒绝 %d", r.Read, r.Inserted, r.Updated, r.Unchanged, r.Rejected)
}

// Progress reports how far an import has got, after every batch and once
// at the end (Done).
type Progress struct {
	Read       int   `json:"read"` // rows read so far, rejected ones included
	Inserted   int   `json:"inserted"`
	Updated    int   `json:"updated"`
	Unchanged  int   `json:"unchanged"`
	Rejected   int   `json:"rejected"`
	Bytes      int64 `json:"bytes"`       // bytes of the input read so far
	TotalBytes int64 `json:"total_bytes"` // size of the input, 0 when unknown
	TotalRows  int   `json:"total_rows"`  // data rows in the input when known (XLSX), else 0
	// Phase is PhaseRows while rows are read and written, then
	// PhaseIndexes while the indexes a large first import deferred are
	// built.
	Phase string `json:"phase"`
	Done  bool   `json:"done"`
}

// The phases of an import (Progress.Phase).
const (
	PhaseRows    = "rows"
	PhaseIndexes = "indexes"
)

// IndexingNote says what an import does while it builds its indexes.
func (p Progress) IndexingNote() string {
	return fmt.Sprintf("已写入 %d 行，正在建立索引……", p.Inserted+p.Updated)
}

// defaultBatchSize is the number of rows per transaction.
const defaultBatchSize = 5000

// errStrictAbort rolls back a strict import with rejected rows.
var errStrictAbort = errors.New("strict import with rejected rows")

// item is one parsed row waiting to be written.
type item struct {
	e    *Enterprise
	line int
}

// batch is a group of rows read, handed from the reader to the writer.
type batch struct {
	items     []item
	read      int // rows read, rejected included
	rejected  int
	errors    []RowError
	bytes     int64
	totalRows int
}

// Import reads enterprises from r in format (FormatCSV or FormatXLSX) and
// upserts them as described above, calling progress (if not nil) after
// every batch, and Changed once rows were written. It returns the summary,
// also when rows were rejected. Admins
// may call it (the web layer runs it as a background job). Errors: Invalid
// for an unreadable file or bad header (nothing written), Invalid under
// Strict when rows were rejected (with the result, nothing written),
// Internal; on any error after writing began, the batches already
// committed stay.
func (s *Service) Import(ctx context.Context, r io.Reader, format string, opts ImportOptions, progress func(Progress)) (*ImportResult, error) {
	total := opts.Size
	if total == 0 {
		if st, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
			if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() {
				total = fi.Size()
			}
		} else if l, ok := r.(interface{ Len() int }); ok {
			total = int64(l.Len())
		} else if l, ok := r.(interface{ Size() int64 }); ok {
			total = l.Size()
		}
	}
	cr := &countingReader{r: r}
	today := workday.DateOf(s.now())
	var produce func(ctx context.Context, emit emitFunc) error
	switch format {
	case FormatCSV:
		produce = func(ctx context.Context, emit emitFunc) error {
			return s.readCSV(ctx, cr, today, emit)
		}
	case FormatXLSX:
		produce = func(ctx context.Context, emit emitFunc) error {
			return s.readXLSX(ctx, cr, today, emit)
		}
	default:
		return nil, errs.Errorf(errs.Invalid, "不支持的文件格式“%s”（可用：csv、xlsx）", format)
	}
	return s.imported(ctx, opts)(s.run(ctx, produce, cr.n.Load, total, opts, progress))
}

// imported returns a function that passes an import's result through after
// calling Changed (0: many changed) when rows were written — also when the
// import failed after some batches committed.
func (s *Service) imported(ctx context.Context, opts ImportOptions) func(*ImportResult, error) (*ImportResult, error) {
	return func(res *ImportResult, err error) (*ImportResult, error) {
		if !opts.DryRun && res != nil && res.Inserted+res.Updated > 0 {
			s.changed(ctx, 0)
		}
		return res, err
	}
}

// ImportRecords upserts the enterprises that records yields, exactly as
// Import does with the rows of a file (line numbers count from 1). Each
// record is checked as a file's row would be (code, name, enums, industry,
// district, headcount, tags) and normalised (tags sorted, size
// recomputed); it is how `qinqing seed city` loads synthetic data through
// the bulk path.
// Callers and errors as for Import.
func (s *Service) ImportRecords(ctx context.Context, records func(yield func(*Enterprise) error) error, opts ImportOptions, progress func(Progress)) (*ImportResult, error) {
	city := s.city()
	produce := func(ctx context.Context, emit emitFunc) error {
		line := 0
		return records(func(e *Enterprise) error {
			line++
			c, bad := checkRecord(city, e, line)
			if len(bad) > 0 {
				return emit(nil, line, bad, 0)
			}
			return emit(c, line, nil, 0)
		})
	}
	return s.imported(ctx, opts)(s.run(ctx, produce, func() int64 { return 0 }, 0, opts, progress))
}

// checkRecord validates a record handed to ImportRecords as the row parser
// validates a file's cells, and returns a normalised copy: canonical code
// and industry, sorted tags, size recomputed.
func checkRecord(city *City, e *Enterprise, line int) (*Enterprise, []RowError) {
	var bad []RowError
	fail := func(field string, err error) {
		bad = append(bad, RowError{Line: line, Field: field, Reason: errs.MessageOf(err)})
	}
	c := *e
	var err error
	if c.USCC, err = ParseUSCC(e.USCC); err != nil {
		fail("uscc", err)
	}
	if c.Name, err = ParseName(e.Name); err != nil {
		fail("name", err)
	}
	for _, f := range []struct {
		field string
		v     *string
	}{{"kind", e.Kind}, {"credit", e.Credit}, {"status", e.Status}} {
		if f.v != nil {
			if _, err := ParseEnum(f.field, *f.v); err != nil {
				fail(f.field, err)
			}
		}
	}
	if e.Industry != nil {
		code, err := ParseIndustry(*e.Industry)
		if err != nil {
			fail("industry", err)
		}
		c.Industry = &code
	}
	if e.District != nil {
		if _, ok := city.District(*e.District); !ok {
			fail("district", errs.FieldErrorf("district", "行政区划代码“%s”不是%s的区", *e.District, city.Name))
		}
	}
	if e.Employees != nil && *e.Employees < 0 {
		fail("employees", errs.FieldErrorf("employees", "从业人数不能为负数"))
	}
	if e.Tags != nil {
		if c.Tags, err = ParseTags(strings.Join(e.Tags, "、")); err != nil {
			fail("tags", err)
		}
	}
	if len(bad) > 0 {
		return nil, bad
	}
	c.Size = ClassifySize(c.Industry, c.Employees, c.Revenue, c.TotalAssets)
	return &c, nil
}

// emitFunc hands one row to the batcher: the parsed enterprise, or the
// errors that reject it. totalRows, when not 0, is the number of data rows
// expected in the input.
type emitFunc func(e *Enterprise, line int, bad []RowError, totalRows int) error

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// run reads rows with produce in one goroutine and writes them in batches
// in this one, so that parsing and writing overlap; memory holds at most a
// few batches.
func (s *Service) run(ctx context.Context, produce func(context.Context, emitFunc) error, bytesRead func() int64, totalBytes int64, opts ImportOptions, progress func(Progress)) (*ImportResult, error) {
	if opts.Source == "" {
		opts.Source = SourceImport
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = defaultBatchSize
	}
	if opts.MaxErrors == 0 {
		opts.MaxErrors = 10000
	}
	fresh := false
	if !opts.DryRun {
		// Indexes a crashed import left unbuilt are built first.
		if err := s.RestoreIndexes(ctx); err != nil {
			return nil, err
		}
		if !opts.Strict && (opts.ExpectedRows >= deferMinRows || totalBytes >= deferMinBytes) {
			var err error
			if fresh, err = s.deferIndexes(ctx); err != nil {
				return nil, err
			}
		}
	}
	if fresh {
		opts.BatchSize = max(opts.BatchSize, freshBatchSize)
	}
	return s.write(ctx, produce, bytesRead, totalBytes, opts, fresh, progress)
}

// write runs the reader and the writers of an import. fresh is set when
// the registry was empty at the start of a large import: its indexes were
// deferred (write builds them at the end, whatever happens), and every row
// the file does not repeat is new, so no stored rows are looked up.
//
// While the unique index of the codes is deferred, the database does not
// stop another writer (a second import, an enterprise registered by hand)
// from storing a code this import is storing at the same moment: each
// looks for the code, neither finds it, both insert. Building the index at
// the end finds such a code; the import then removes its own row of it,
// reports the row as rejected, and builds the index again.
func (s *Service) write(ctx context.Context, produce func(context.Context, emitFunc) error, bytesRead func() int64, totalBytes int64, opts ImportOptions, fresh bool, progress func(Progress)) (_ *ImportResult, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	expectRows := opts.ExpectedRows
	if expectRows == 0 {
		expectRows = int(min(totalBytes/csvBytesPerRow, 50_000_000))
	}
	seen := make(map[[2]uint64]int32, expectRows) // sized up front: growing it would copy it
	batches := make(chan *batch, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- s.batchRows(ctx, produce, bytesRead, seen, opts, batches)
	}()

	res := &ImportResult{Errors: []RowError{}}
	var ours idRuns // the ids of the rows inserted, for settle
	settle := func(ctx context.Context) error { return s.settleDuplicates(ctx, &ours, seen, opts, res) }
	if fresh {
		defer func() {
			if err != nil { // else done below
				_ = s.restoreIndexes(context.WithoutCancel(ctx), settle)
			}
		}()
	}
	totalRows := 0
	phase := PhaseRows
	report := func(done bool) {
		if progress != nil {
			progress(Progress{Read: res.Read, Inserted: res.Inserted, Updated: res.Updated, Unchanged: res.Unchanged,
				Rejected: res.Rejected, Bytes: bytesRead(), TotalBytes: totalBytes, TotalRows: totalRows, Phase: phase, Done: done})
		}
	}
	take := func(b *batch) {
		res.Read += b.read
		res.Rejected += b.rejected
		res.Errors = append(res.Errors, b.errors...)
		if b.totalRows > 0 {
			totalRows = b.totalRows
		}
	}
	w, err := s.openBulk(ctx, opts)
	if err != nil {
		cancel()
		for range batches {
		}
		return nil, err
	}
	defer w.close()

	var readErrV error
	gotReadErr := false
	readError := func() error {
		if !gotReadErr {
			readErrV, gotReadErr = <-readErr, true
		}
		return readErrV
	}
	// apply compares one batch against the database and writes it unless
	// dry.
	apply := func(tx bulkTx, b *batch, dry bool) error {
		a, err := s.applyBatch(ctx, tx, b.items, opts.Source, dry, false)
		if err != nil {
			return err
		}
		take(b)
		res.Inserted += a.ins
		res.Updated += a.upd
		res.Unchanged += a.unch
		return nil
	}
	switch {
	case opts.DryRun:
		for b := range batches {
			if err = apply(w.reader(), b, true); err != nil {
				break
			}
			report(false)
		}
	case opts.Strict:
		err = w.inTx(ctx, func(tx bulkTx) error {
			for b := range batches {
				// After the first rejected row nothing will be kept: the
				// rest is only compared, to count.
				if err := apply(tx, b, res.Rejected > 0 || b.rejected > 0); err != nil {
					return err
				}
				report(false)
			}
			if err := readError(); err != nil {
				return err
			}
			if res.Rejected > 0 {
				return errStrictAbort
			}
			return nil
		})
	default:
		err = s.writeParallel(ctx, cancel, w, opts, fresh, batches, func(b *batch, a applied) {
			ours.add(a.ids)
			take(b)
			res.Inserted += a.ins
			res.Updated += a.upd
			res.Unchanged += a.unch
			report(false) // after the commit: what it reports is stored
		})
	}
	if err != nil {
		cancel()
		for range batches {
		}
	}
	if rerr := readError(); rerr != nil && (err == nil || errors.Is(err, context.Canceled) || errors.Is(err, rerr)) {
		err = rerr
	}
	if errors.Is(err, errStrictAbort) {
		report(true)
		return res, errs.Errorf(errs.Invalid, "严格模式：%d行被拒绝，整个导入已撤销，未写入任何数据", res.Rejected)
	}
	if err != nil {
		return nil, err
	}
	w.close()
	if fresh {
		phase = PhaseIndexes
		report(false)
		if err := s.restoreIndexes(ctx, settle); err != nil {
			return nil, err
		}
	}
	if fresh || res.Inserted+res.Updated >= deferMinRows {
		// Fresh statistics, or the planners misjudge name searches over
		// the new rows (PostgreSQL sorts 800,000 matches of 有限公司 for a
		// page of 20 instead of walking the primary key).
		if err := s.analyze(ctx); err != nil {
			return nil, err
		}
	}
	if !opts.DryRun {
		if err := s.recordImport(ctx, res, opts); err != nil {
			return nil, err
		}
	}
	report(true)
	return res, nil
}

// writeParallel writes the batches in the default mode, one transaction
// each, with as many writers as the database takes (PostgreSQL: two
// connections, so that two backends maintain the indexes at once; SQLite:
// its one writer). done is called, serialised, after each commit, also
// after another writer failed. The first error cancels the rest. fresh is
// as for write.
func (s *Service) writeParallel(ctx context.Context, cancel context.CancelFunc, first bulkStore, opts ImportOptions, fresh bool, batches <-chan *batch, done func(b *batch, a applied)) error {
	writers := []bulkStore{first}
	for len(writers) < first.writers() {
		w, err := s.openBulk(ctx, opts)
		if err != nil {
			break // one writer will do
		}
		defer w.close()
		writers = append(writers, w)
	}
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for _, w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				var a applied
				err := w.inTx(ctx, func(tx bulkTx) error {
					var err error
					a, err = s.applyBatch(ctx, tx, b.items, opts.Source, false, fresh)
					return err
				})
				mu.Lock()
				switch {
				case err != nil && firstErr == nil:
					firstErr = err
					cancel()
				case err == nil:
					done(b, a)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// recordImport writes the audit entry of a finished import: its counts.
func (s *Service) recordImport(ctx context.Context, res *ImportResult, opts ImportOptions) error {
	if s.Audit == nil {
		return nil
	}
	summary := *res
	summary.Errors = nil
	return s.Audit.Record(ctx, s.DB, "enterprise", "import", "import", nil, map[string]any{"result": summary, "source": opts.Source, "strict": opts.Strict})
}

// batchRows runs produce, checks for codes repeated in the input (seen
// maps each packed code to its first line), and sends the rows to out in
// batches.
func (s *Service) batchRows(ctx context.Context, produce func(context.Context, emitFunc) error, bytesRead func() int64, seen map[[2]uint64]int32, opts ImportOptions, out chan<- *batch) error {
	nErrors := 0
	b := &batch{}
	send := func() error {
		b.bytes = bytesRead()
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
		b = &batch{items: make([]item, 0, opts.BatchSize)}
		return nil
	}
	reject := func(bad []RowError) {
		b.read++
		b.rejected++
		for _, e := range bad {
			if opts.MaxErrors < 0 || nErrors < opts.MaxErrors {
				b.errors = append(b.errors, e)
				nErrors++
			}
		}
	}
	emit := func(e *Enterprise, line int, bad []RowError, totalRows int) error {
		if totalRows > 0 {
			b.totalRows = totalRows
		}
		if len(bad) > 0 {
			reject(bad)
		} else {
			key := packUSCC(e.USCC)
			if first, dup := seen[key]; dup {
				reject([]RowError{{Line: line, Field: "uscc", Reason: fmt.Sprintf("统一社会信用代码%s与第%d行重复：同一文件中每个企业只能出现一次（已导入第%d行）", e.USCC, first, first)}})
			} else {
				seen[key] = int32(line)
				b.read++
				b.items = append(b.items, item{e: e, line: line})
			}
		}
		if len(b.items) >= opts.BatchSize || b.rejected >= opts.BatchSize {
			return send()
		}
		return nil
	}
	if err := produce(ctx, emit); err != nil {
		return err
	}
	if b.read > 0 || b.totalRows > 0 {
		return send()
	}
	return nil
}

// packUSCC packs a valid 18-character code into 90 bits, for the set of
// codes seen in one import (about 30 bytes per row in a Go map).
func packUSCC(code string) [2]uint64 {
	var k [2]uint64
	for i := 0; i < len(code) && i < 18; i++ {
		v := uint64(usccValue(code[i]) + 1)
		if i < 12 {
			k[0] = k[0]<<5 | v
		} else {
			k[1] = k[1]<<5 | v
		}
	}
	return k
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readCSV parses a CSV file (UTF-8, with or without a byte-order mark).
func (s *Service) readCSV(ctx context.Context, r io.Reader, today workday.Date, emit emitFunc) error {
	br := bufio.NewReaderSize(r, 1<<16)
	if b, _ := br.Peek(3); bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	head, err := cr.Read()
	for titles := 0; err == nil && titles < sheet.MaxTitleRows && titleRow(head); titles++ {
		head, err = cr.Read()
	}
	if err == io.EOF {
		return errs.Errorf(errs.Invalid, "文件为空：第一行应为表头（如 统一社会信用代码,企业名称,…）")
	}
	if err != nil {
		return csvError(err)
	}
	if !utf8.ValidString(strings.Join(head, "")) {
		return errs.Errorf(errs.Invalid, "CSV 文件不是 UTF-8 编码（可能是 GBK）：请在 Excel 中“另存为 CSV UTF-8（逗号分隔）”，或直接导入 .xlsx 文件")
	}
	h, err := parseHeader(head)
	if err != nil {
		return err
	}
	p := &rowParser{h: h, city: s.city(), today: today}
	return parseParallel(ctx, func(add func(rawRow) error) error {
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				return nil
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if err := add(rawRow{line: pe.StartLine, bad: []RowError{{Line: pe.StartLine, Reason: "CSV格式错误：" + pe.Err.Error()}}}); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return csvError(err)
			}
			line, _ := cr.FieldPos(0)
			if err := add(rawRow{cells: rec, line: line, p: p}); err != nil {
				return err
			}
		}
	}, emit)
}

// csvError reports an unreadable CSV file.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &errs.Error{Code: errs.Invalid, Message: fmt.Sprintf("CSV 文件第%d行格式错误：%v", pe.StartLine, pe.Err), Err: err}
	}
	return &errs.Error{Code: errs.Invalid, Message: "无法读取 CSV 文件", Err: err}
}

// blank reports whether every cell of a row is empty.
// titleRow reports whether cells are a title above the header (武汉市企业
// 名录（2026年11月）) or a blank row: one cell at most, and that no field's
// name (a header of one column is still a header, to be refused as one).
func titleRow(cells []string) bool {
	filled := 0
	for _, c := range cells {
		if c = cleanCell(strings.TrimPrefix(c, "\uFEFF")); c != "" {
			if _, field := FieldByName(c); field {
				return false
			}
			filled++
		}
	}
	return filled <= 1
}

func blank(cells []string) bool {
	for _, c := range cells {
		if trimSpace(c) != "" {
			return false
		}
	}
	return true
}

// An XLSX file is a zip: how much it may unpack to is bounded by its size,
// so that a small upload cannot unpack to gigabytes (a zip bomb). Real
// workbooks unpack to about ten times their size; a million-row sheet of
// the export layout to about 1 GB.
const (
	xlsxUnzipRatio = 20
	xlsxUnzipFloor = 256 << 20
	xlsxUnzipCeil  = 8 << 30
)

// xlsxUnzipLimit returns how many bytes an XLSX file of size bytes may
// unpack to.
func xlsxUnzipLimit(size int64) int64 {
	return min(max(size*xlsxUnzipRatio, xlsxUnzipFloor), xlsxUnzipCeil)
}

// readXLSX parses every sheet of an XLSX workbook in order; each sheet that
// has rows starts with its own header row. Rows are streamed from the
// sheet (excelize Rows); the workbook itself is read into memory first, as
// a zip archive must be, so XLSX uploads are limited in size by the caller,
// and what it unpacks to by xlsxUnzipLimit.
func (s *Service) readXLSX(ctx context.Context, r io.Reader, today workday.Date, emit emitFunc) error {
	data, err := io.ReadAll(r) // excelize reads the whole file into memory anyway
	if err != nil {
		return errs.Wrap(err, "read xlsx")
	}
	limit := xlsxUnzipLimit(int64(len(data)))
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: limit})
	if err != nil && strings.Contains(err.Error(), "unzip size exceeds") {
		return &errs.Error{Code: errs.Invalid, Message: fmt.Sprintf("Excel 文件解压后超过 %d MB（是上传大小的 %d 倍以上，不像是正常的表格）：请检查文件，或改用 CSV 导入",
			limit>>20, xlsxUnzipRatio), Err: err}
	}
	if err != nil {
		return &errs.Error{Code: errs.Invalid, Message: "无法读取 Excel 文件：请确认是 .xlsx 格式（不是 .xls）且未加密", Err: err}
	}
	defer f.Close()
	sheets := f.GetSheetList()
	totalRows := 0
	for _, sh := range sheets {
		if dim, err := f.GetSheetDimension(sh); err == nil && dim != "" {
			if _, ref, ok := strings.Cut(dim, ":"); ok {
				if _, row, err := excelize.CellNameToCoordinates(ref); err == nil && row > 1 {
					totalRows += row - 1
				}
			}
		}
	}
	found := false
	err = parseParallel(ctx, func(add func(rawRow) error) error {
		for i, sh := range sheets {
			rows, err := f.Rows(sh)
			if err != nil {
				return &errs.Error{Code: errs.Invalid, Message: fmt.Sprintf("无法读取工作表“%s”", sh), Err: err}
			}
			where := ""
			if i > 0 {
				where = fmt.Sprintf("工作表“%s”：", sh)
			}
			var p *rowParser
			line, titles := 0, 0
			for rows.Next() {
				line++
				cells, err := rows.Columns(excelize.Options{RawCellValue: true})
				if err != nil {
					rows.Close()
					return &errs.Error{Code: errs.Invalid, Message: fmt.Sprintf("无法读取工作表“%s”第%d行", sh, line), Err: err}
				}
				if p == nil {
					if blank(cells) || titles < sheet.MaxTitleRows && titleRow(cells) {
						titles++
						continue
					}
					h, err := parseHeader(cells)
					if err != nil {
						rows.Close()
						if len(sheets) > 1 {
							return &errs.Error{Code: errs.Invalid, Message: fmt.Sprintf("工作表“%s”：%s", sh, errs.MessageOf(err)), Err: err}
						}
						return err
					}
					p = &rowParser{h: h, city: s.city(), today: today, xlsx: true, where: where}
					found = true
					continue
				}
				if err := add(rawRow{cells: cells, line: line, p: p, totalRows: totalRows}); err != nil {
					rows.Close()
					return err
				}
			}
			err = rows.Error()
			rows.Close()
			if err != nil {
				return &errs.Error{Code: errs.Invalid, Message: fmt.Sprintf("无法读取工作表“%s”", sh), Err: err}
			}
		}
		return nil
	}, emit)
	if err != nil {
		return err
	}
	if !found {
		return errs.Errorf(errs.Invalid, "Excel 文件中没有数据：第一行应为表头（如 统一社会信用代码、企业名称…）")
	}
	return nil
}

// applyBatch compares a batch of rows against the stored ones and, unless
// dry, inserts the new rows and updates the changed ones. It returns the
// counts. With fresh (see write) every row is new: nothing is looked up,
// and a code stored meanwhile by someone else fails the batch on the
// unique index rather than being overwritten.
func (s *Service) applyBatch(ctx context.Context, tx bulkTx, items []item, source string, dry, fresh bool) (a applied, err error) {
	if len(items) == 0 {
		return a, nil
	}
	var existing map[string]*storedRow
	if !fresh {
		codes := make([]string, len(items))
		for i, it := range items {
			codes[i] = it.e.USCC
		}
		if existing, err = tx.existing(ctx, codes, !dry); err != nil {
			return a, err
		}
	}
	ms := store.Millis(s.now())
	var inserts []*Enterprise
	var updates []*updateRow
	for _, it := range items {
		cur, ok := existing[it.e.USCC]
		if !ok {
			inserts = append(inserts, it.e)
			continue
		}
		ch := resize(cur.e, merge(cur.e, it.e))
		if len(ch) == 0 {
			a.unch++
			continue
		}
		if dry {
			a.upd++
			continue
		}
		srcs, err := updateSources(cur.sources, ch, source, ms, cur.e)
		if err != nil {
			return applied{}, err
		}
		updates = append(updates, &updateRow{e: cur.e, sources: srcs, changes: ch})
	}
	a.ins = len(inserts)
	if dry {
		return a, nil
	}
	if len(inserts) > 0 {
		b, _ := json.Marshal(map[string]Source{sourceAll: {Source: source, At: ms}})
		if a.ids, err = tx.insert(ctx, inserts, string(b), ms); err != nil {
			return applied{}, err
		}
	}
	if len(updates) > 0 {
		if err := tx.update(ctx, updates, ms, source, audit.ActorOf(ctx).Name); err != nil {
			return applied{}, err
		}
		a.upd = len(updates)
	}
	return a, nil
}

// applied is what one batch did.
type applied struct {
	ins, upd, unch int
	ids            []int64 // of the inserted rows
}

// storedRow is an enterprise as stored, with its sources.
type storedRow struct {
	e       *Enterprise
	sources string
}

// updateRow is a stored enterprise after merging, with what changed.
type updateRow struct {
	e       *Enterprise
	sources string
	changes []change
}

// tagsChanged reports whether the update changes the tags.
func (u *updateRow) tagsChanged() bool {
	for _, c := range u.changes {
		if c.field == "tags" {
			return true
		}
	}
	return false
}

// bulkTx is one transaction of the bulk writer, or the read-only view of a
// dry run.
type bulkTx interface {
	// existing returns the stored rows with the given codes, locked for
	// update when lock is set.
	existing(ctx context.Context, codes []string, lock bool) (map[string]*storedRow, error)
	// insert inserts new enterprises with their tags and returns their ids.
	insert(ctx context.Context, rows []*Enterprise, sources string, ms int64) ([]int64, error)
	// update writes merged enterprises, their tags and history.
	update(ctx context.Context, rows []*updateRow, ms int64, source, actor string) error
}

// bulkStore is the dialect's bulk writer.
type bulkStore interface {
	inTx(ctx context.Context, fn func(bulkTx) error) error
	reader() bulkTx
	writers() int // how many bulkStores may usefully write at once
	close()
}

// openBulk returns the bulk writer of the service's database.
func (s *Service) openBulk(ctx context.Context, opts ImportOptions) (bulkStore, error) {
	if s.DB.Dialect() == store.Postgres {
		return openPGBulk(ctx, s.DB)
	}
	return openSQLiteBulk(ctx, s.DB, opts.DryRun)
}

// WriteRejects writes the errors of an import as a CSV or XLSX table with
// the columns 行号, 字段, 原因, for the user to download and fix the file.
// Errors: Invalid for an unknown format, Internal for a write failure.
func WriteRejects(w io.Writer, format string, rowErrors []RowError) error {
	header := []string{"行号", "字段", "原因"}
	label := func(field string) string {
		if f, ok := FieldByName(field); ok {
			return f.Label
		}
		return field
	}
	switch format {
	case FormatCSV:
		if _, err := w.Write(utf8BOM); err != nil {
			return errs.Wrap(err, "write rejects")
		}
		cw := csv.NewWriter(w)
		_ = cw.Write(header)
		for _, e := range rowErrors {
			_ = cw.Write([]string{fmt.Sprint(e.Line), sheet.Escape(label(e.Field)), sheet.Escape(e.Reason)})
		}
		cw.Flush()
		return errs.Wrap(cw.Error(), "write rejects")
	case FormatXLSX:
		f := excelize.NewFile()
		defer f.Close()
		name := "被拒绝的行"
		if err := f.SetSheetName("Sheet1", name); err != nil {
			return errs.Wrap(err, "write rejects")
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return errs.Wrap(err, "write rejects")
		}
		_ = sw.SetColWidth(3, 3, 80)
		if err := sw.SetRow("A1", []any{header[0], header[1], header[2]}); err != nil {
			return errs.Wrap(err, "write rejects")
		}
		for i, e := range rowErrors {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := sw.SetRow(cell, []any{e.Line, sheet.Escape(label(e.Field)), sheet.Escape(e.Reason)}); err != nil {
				return errs.Wrap(err, "write rejects")
			}
		}
		if err := sw.Flush(); err != nil {
			return errs.Wrap(err, "write rejects")
		}
		return errs.Wrap(f.Write(w), "write rejects")
	}
	return errs.Errorf(errs.Invalid, "不支持的文件格式“%s”（可用：csv、xlsx）", format)
}
