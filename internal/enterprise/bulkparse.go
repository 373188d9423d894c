package enterprise

import (
	"context"
	"runtime"
	"sync"
)

// Parallel parsing of a file's rows: one goroutine reads the file and cuts
// it into chunks of raw rows, several goroutines parse and validate the
// chunks, and the caller's goroutine hands the parsed rows on in the order
// read, so that line numbers, the check for repeated codes and the batches
// are exactly those of a sequential parse.

// parseChunkRows is the number of rows a parse worker takes at a time.
var parseChunkRows = 512

// rawRow is a data row as read from a file, before parsing.
type rawRow struct {
	cells     []string
	line      int
	p         *rowParser // nil when bad already rejects the row (unreadable CSV)
	bad       []RowError
	totalRows int
}

// parseChunk is a run of raw rows and, once done is closed, their parsed
// enterprises or errors (parallel to rows; a nil e with no errors is a
// blank row, skipped).
type parseChunk struct {
	rows []rawRow
	buf  []string // the cells of rows, in one allocation
	out  []parseResult
	done chan struct{}
}

// parseResult is the outcome of parsing one raw row.
type parseResult struct {
	e   *Enterprise
	bad []RowError
}

// parseParallel runs read, which hands raw rows to add in file order,
// parses the rows on GOMAXPROCS-1 goroutines (at least one: a core is left
// to the writer, whose round trips to the database would otherwise wait
// for the scheduler), and calls emit for each non-blank row in the order
// read. Cells handed to add may be reused by
// the reader afterwards (they are copied). The first error of read or
// emit stops everything and is returned.
func parseParallel(ctx context.Context, read func(add func(rawRow) error) error, emit emitFunc) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := max(1, runtime.GOMAXPROCS(0)-1)
	todo := make(chan *parseChunk, workers)
	order := make(chan *parseChunk, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := range todo {
				c.parse()
			}
		})
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(todo)
		c := newParseChunk()
		// flush hands the chunk on, to a parser and then to the line of
		// chunks in order. The chunk is replaced first, so that it is
		// handed on once even when the import stops half-way (a chunk
		// parsed twice would close done twice).
		flush := func() error {
			full := c
			c = newParseChunk()
			for _, ch := range []chan *parseChunk{todo, order} {
				if err := ctx.Err(); err != nil {
					return err
				}
				select {
				case ch <- full:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		}
		err := read(func(r rawRow) error {
			r.cells = c.keep(r.cells)
			c.rows = append(c.rows, r)
			if len(c.rows) == parseChunkRows {
				return flush()
			}
			return nil
		})
		if len(c.rows) > 0 {
			// The rows read before an error go on too.
			if ferr := flush(); err == nil {
				err = ferr
			}
		}
		readErr <- err
	}()
	var err error
	for c := range order {
		if err != nil {
			continue // draining after an error
		}
		select {
		case <-c.done:
		case <-ctx.Done():
			err = ctx.Err()
			cancel()
			continue
		}
		for i, o := range c.out {
			r := &c.rows[i]
			if o.e == nil && len(o.bad) == 0 {
				continue
			}
			if err = emit(o.e, r.line, o.bad, r.totalRows); err != nil {
				cancel()
				break
			}
		}
	}
	wg.Wait()
	if rerr := <-readErr; err == nil {
		err = rerr
	}
	return err
}

// newParseChunk returns an empty chunk.
func newParseChunk() *parseChunk {
	return &parseChunk{rows: make([]rawRow, 0, parseChunkRows), done: make(chan struct{})}
}

// keep returns a copy of cells in the chunk's cell buffer.
func (c *parseChunk) keep(cells []string) []string {
	n := len(cells)
	if len(c.buf)+n > cap(c.buf) {
		c.buf = make([]string, 0, max(n*parseChunkRows, 2*n))
	}
	c.buf = append(c.buf, cells...)
	return c.buf[len(c.buf)-n : len(c.buf) : len(c.buf)]
}

// parse parses the chunk's rows and closes done.
func (c *parseChunk) parse() {
	c.out = make([]parseResult, len(c.rows))
	for i := range c.rows {
		r := &c.rows[i]
		switch {
		case r.p == nil:
			c.out[i].bad = r.bad
		case blank(r.cells):
		default:
			c.out[i].e, c.out[i].bad = r.p.parse(r.cells, r.line)
		}
	}
	close(c.done)
}
