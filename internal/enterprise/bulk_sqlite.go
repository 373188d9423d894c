package enterprise

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// The bulk writers of Import: one per dialect, behind bulkStore and bulkTx
// (import.go); this file holds SQLite's, bulk_postgres.go PostgreSQL's.

// sqliteBulk writes through the SQLite writer connection with prepared
// statements, one transaction per batch.
type sqliteBulk struct {
	db      *store.DB
	restore func() // the writer's settings before the import
}

func openSQLiteBulk(ctx context.Context, db *store.DB, dry bool) (*sqliteBulk, error) {
	b := &sqliteBulk{db: db}
	if dry {
		return b, nil
	}
	restore, err := db.BulkWrites(ctx, store.BulkCacheKiB)
	if err != nil {
		return nil, errs.Wrap(err, "prepare import")
	}
	b.restore = restore
	return b, nil
}

// inTx runs fn in one transaction.
func (b *sqliteBulk) inTx(ctx context.Context, fn func(bulkTx) error) error {
	return b.db.InTx(ctx, func(tx *store.Tx) error {
		return fn(&sqliteTx{q: tx, tx: tx})
	})
}

func (b *sqliteBulk) reader() bulkTx { return &sqliteTx{q: b.db} }

// writers is 1: SQLite has one writer.
func (b *sqliteBulk) writers() int { return 1 }

func (b *sqliteBulk) close() {
	if b.restore != nil {
		b.restore()
		b.restore = nil
	}
}

// sqliteTx is one SQLite transaction of the bulk writer (tx nil: read only).
type sqliteTx struct {
	q                                          store.Querier
	tx                                         *store.Tx
	ins, tagInsN, tagIns, upd, tagDel, history *sql.Stmt
	insTail                                    string // the constant values of ins
}

// existingChunk is the number of codes per lookup query.
const existingChunk = 500

func (t *sqliteTx) existing(ctx context.Context, codes []string, _ bool) (map[string]*storedRow, error) {
	out := make(map[string]*storedRow, len(codes))
	for start := 0; start < len(codes); start += existingChunk {
		chunk := codes[start:min(start+existingChunk, len(codes))]
		args := make([]any, len(chunk))
		for i, c := range chunk {
			args[i] = c
		}
		q := "SELECT id, " + dbColumns + ", updated_at, sources FROM enterprises WHERE uscc IN (?" + strings.Repeat(", ?", len(chunk)-1) + ")"
		if err := readStored(t.q.QueryContext(ctx, q, args...))(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readStored scans stored rows (id, dbColumns, updated_at, sources) into out.
func readStored(rows *sql.Rows, err error) func(out map[string]*storedRow) error {
	return func(out map[string]*storedRow) error {
		if err != nil {
			return errs.Wrap(err, "read stored enterprises")
		}
		defer rows.Close()
		for rows.Next() {
			r := &storedRow{}
			if r.e, err = scanRow(rows, &r.sources); err != nil {
				return errs.Wrap(err, "read stored enterprises")
			}
			out[r.e.USCC] = r
		}
		return errs.Wrap(rows.Err(), "read stored enterprises")
	}
}

func (t *sqliteTx) prepare(ctx context.Context, dst **sql.Stmt, q string) error {
	if *dst != nil {
		return nil
	}
	st, err := t.tx.PrepareContext(ctx, q)
	if err != nil {
		return errs.Wrap(err, "prepare import")
	}
	*dst = st
	return nil
}

// insertChunk is the number of rows per multi-row INSERT: one statement
// (one statement journal, one driver call) per 64 rows.
const insertChunk = 64

// multiInsert returns an INSERT of n rows, each row the placeholders of
// width values followed by the SQL of tail.
func multiInsert(head string, width int, tail string, n int) string {
	row := "(?" + strings.Repeat(", ?", width-1) + tail + ")"
	return head + " VALUES " + row + strings.Repeat(", "+row, n-1)
}

// execChunks runs the multi-row insert head for the rows that fill args
// (width values each, then tail), insertChunk rows per prepared statement
// and the rest in one more.
func (t *sqliteTx) execChunks(ctx context.Context, full **sql.Stmt, head string, width int, tail string, args []any) error {
	per := insertChunk * width
	for len(args) > 0 {
		n := min(len(args), per)
		if n == per {
			if err := t.prepare(ctx, full, multiInsert(head, width, tail, insertChunk)); err != nil {
				return err
			}
			if _, err := (*full).ExecContext(ctx, args[:n]...); err != nil {
				return err
			}
		} else if _, err := t.tx.ExecContext(ctx, multiInsert(head, width, tail, n/width), args[:n]...); err != nil {
			return err
		}
		args = args[n:]
	}
	return nil
}

// sqlQuote returns s as an SQL string literal.
func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (t *sqliteTx) insert(ctx context.Context, rows []*Enterprise, sources string, ms int64) ([]int64, error) {
	// The writer is alone in its transaction, so ids after the largest are
	// free.
	var last int64
	if err := t.tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM enterprises").Scan(&last); err != nil {
		return nil, errs.Wrap(err, "insert enterprises")
	}
	first := last + 1
	// sources, created_at and updated_at are the same for every row: they
	// are written into the statement instead of bound per row.
	const width = nDBColumns + 1
	const head = "INSERT INTO enterprises (id, " + dbColumns + ", sources, created_at, updated_at)"
	tail := fmt.Sprintf(", %s, %d, %d", sqlQuote(sources), ms, ms)
	if t.insTail != tail {
		t.ins, t.insTail = nil, tail
	}
	args := make([]any, 0, width*insertChunk)
	var tagArgs []any
	ids := make([]int64, len(rows))
	for start := 0; start < len(rows); start += insertChunk {
		args = args[:0]
		for i, e := range rows[start:min(start+insertChunk, len(rows))] {
			id := first + int64(start+i)
			ids[start+i] = id
			args = append(args, id)
			args = appendValues(args, e)
			for _, tag := range e.Tags {
				tagArgs = append(tagArgs, id, tag)
			}
		}
		if err := t.execChunks(ctx, &t.ins, head, width, tail, args); err != nil {
			return nil, errs.Wrap(err, "insert enterprises")
		}
	}
	return ids, errs.Wrap(t.execChunks(ctx, &t.tagInsN, "INSERT INTO enterprise_tags (enterprise_id, tag)", 2, "", tagArgs), "insert enterprise tags")
}

func (t *sqliteTx) update(ctx context.Context, rows []*updateRow, ms int64, source, actor string) error {
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&t.upd, `UPDATE enterprises SET uscc = ?, name = ?, kind = ?, industry = ?, district = ?, street = ?, founded = ?,
			registered_capital = ?, employees = ?, revenue = ?, rd_expense = ?, tax_paid = ?, export_value = ?, total_assets = ?,
			tags = ?, credit = ?, status = ?, size = ?, kind_text = ?, sources = ?, updated_at = ? WHERE id = ?`},
		{&t.tagDel, "DELETE FROM enterprise_tags WHERE enterprise_id = ?"},
		{&t.tagIns, "INSERT INTO enterprise_tags (enterprise_id, tag) VALUES (?, ?)"},
		{&t.history, `INSERT INTO enterprise_history (enterprise_id, at, field, old_value, new_value, source, actor) VALUES (?, ?, ?, ?, ?, ?, ?)`},
	} {
		if err := t.prepare(ctx, p.dst, p.q); err != nil {
			return err
		}
	}
	args := make([]any, 0, nDBColumns+3)
	for _, r := range rows {
		args = appendValues(args[:0], r.e)
		args = append(args, r.sources, ms, r.e.ID)
		if _, err := t.upd.ExecContext(ctx, args...); err != nil {
			return errs.Wrap(err, "update enterprise")
		}
		if r.tagsChanged() {
			if _, err := t.tagDel.ExecContext(ctx, r.e.ID); err != nil {
				return errs.Wrap(err, "update enterprise tags")
			}
			for _, tag := range r.e.Tags {
				if _, err := t.tagIns.ExecContext(ctx, r.e.ID, tag); err != nil {
					return errs.Wrap(err, "update enterprise tags")
				}
			}
		}
		for _, c := range r.changes {
			if _, err := t.history.ExecContext(ctx, r.e.ID, ms, c.field, nullable(c.old), nullable(c.new), source, actor); err != nil {
				return errs.Wrap(err, "record enterprise history")
			}
		}
	}
	return nil
}

// nullable returns *p, or nil for a nil p, as a driver value without
// reflection.
func nullable[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// appendValues appends the values of e for dbColumns as plain driver values
// (nil for unknown), avoiding the reflection database/sql spends on
// pointers.
func appendValues(args []any, e *Enterprise) []any {
	var founded any
	if e.Founded != nil {
		founded = e.Founded.String()
	}
	return append(args, e.USCC, e.Name, nullable(e.Kind), nullable(e.Industry), nullable(e.District), nullable(e.Street), founded,
		nullable(e.RegisteredCapital), nullable(e.Employees), nullable(e.Revenue), nullable(e.RDExpense), nullable(e.TaxPaid),
		nullable(e.ExportValue), nullable(e.TotalAssets), nullable(joinTags(e.Tags)), nullable(e.Credit), nullable(e.Status), nullable(e.Size),
		nullable(e.KindText))
}

// pgBulk writes through its own pgx connection (database/sql cannot COPY):
// new rows get ids from the identity sequence and are COPYed straight into
// enterprises and enterprise_tags; changed rows are COPYed into a temporary
// staging table and applied with one UPDATE … FROM; history rows are
// COPYed. Which rows are new, changed or unchanged is decided in Go against
// the stored rows, read with one query per batch under FOR UPDATE, so that
// the size class (ClassifySize) and field sources follow the same rules as
// in SQLite and in UpdateEnterprise.
