package enterprise

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// The PostgreSQL bulk writer of Import (the SQLite one is in
// bulk_sqlite.go, the binary COPY encoding in bulkcopy.go).

// pgBulk writes through its own pgx connection with binary COPY, each batch
// in its own transaction.
type pgBulk struct {
	conn *pgx.Conn
	seq  string
	buf  copyBuf // reused by the COPYs of every batch
}

// pgStageColumns are the columns of the staging table.
var pgStageColumns = append(append([]string{"id"}, strings.Split(strings.ReplaceAll(dbColumns, " ", ""), ",")...), "sources", "updated_at")

func openPGBulk(ctx context.Context, db *store.DB) (*pgBulk, error) {
	conn, err := pgx.Connect(ctx, db.RawDSN())
	if err != nil {
		return nil, &errs.Error{Code: errs.Unavailable, Message: "无法连接数据库 " + db.DSN, Err: err}
	}
	b := &pgBulk{conn: conn}
	// Commits need not wait for the WAL flush: a batch lost in a server
	// crash is written again by re-running the import (it is idempotent),
	// and the synchronous commit of the import's audit entry at the end
	// flushes all of them.
	if _, err := conn.Exec(ctx, "SET synchronous_commit = off"); err != nil {
		conn.Close(ctx)
		return nil, errs.Wrap(err, "prepare import")
	}
	if err := conn.QueryRow(ctx, "SELECT pg_get_serial_sequence('enterprises', 'id')").Scan(&b.seq); err != nil {
		conn.Close(ctx)
		return nil, errs.Wrap(err, "prepare import")
	}
	if _, err := conn.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS enterprise_stage (
		id BIGINT, uscc TEXT, name TEXT, kind TEXT, industry TEXT, district TEXT, street TEXT, founded TEXT,
		registered_capital BIGINT, employees BIGINT, revenue BIGINT, rd_expense BIGINT, tax_paid BIGINT,
		export_value BIGINT, total_assets BIGINT, tags TEXT, credit TEXT, status TEXT, size TEXT, kind_text TEXT,
		sources TEXT, updated_at BIGINT)`); err != nil {
		conn.Close(ctx)
		return nil, errs.Wrap(err, "prepare import")
	}
	return b, nil
}

func (b *pgBulk) inTx(ctx context.Context, fn func(bulkTx) error) error {
	tx, err := b.conn.Begin(ctx)
	if err != nil {
		return errs.Wrap(err, "begin")
	}
	if err := fn(&pgTx{q: tx, pg: b.conn.PgConn(), seq: b.seq, buf: &b.buf}); err != nil {
		_ = tx.Rollback(context.Background())
		return err
	}
	return errs.Wrap(tx.Commit(ctx), "commit")
}

func (b *pgBulk) reader() bulkTx {
	return &pgTx{q: b.conn, pg: b.conn.PgConn(), seq: b.seq, buf: &b.buf}
}

// writers is 2: a second connection lets a second backend maintain the
// indexes (the bulk of the work) while the first does.
func (b *pgBulk) writers() int { return 2 }

func (b *pgBulk) close() {
	if !b.conn.IsClosed() {
		_ = b.conn.Close(context.Background())
	}
}

// pgQuerier is what *pgx.Conn and pgx.Tx offer.
type pgQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
}

// pgTx is one PostgreSQL transaction of the bulk writer (or the connection
// itself for a dry run).
type pgTx struct {
	q   pgQuerier
	pg  *pgconn.PgConn // the connection of q, for binary COPY (bulkcopy.go)
	seq string
	buf *copyBuf
}

func (t *pgTx) existing(ctx context.Context, codes []string, lock bool) (map[string]*storedRow, error) {
	q := "SELECT id, " + dbColumns + ", updated_at, sources FROM enterprises WHERE uscc = ANY($1)"
	if lock {
		q += " FOR UPDATE"
	}
	rows, err := t.q.Query(ctx, q, codes)
	if err != nil {
		return nil, errs.Wrap(err, "read stored enterprises")
	}
	defer rows.Close()
	out := make(map[string]*storedRow, len(codes))
	for rows.Next() {
		r := &storedRow{}
		if r.e, err = scanRow(rows, &r.sources); err != nil {
			return nil, errs.Wrap(err, "read stored enterprises")
		}
		out[r.e.USCC] = r
	}
	return out, errs.Wrap(rows.Err(), "read stored enterprises")
}

// copyTags COPYs the tag rows of the enterprises with the given ids.
func (t *pgTx) copyTags(ctx context.Context, ids []int64, rows []*Enterprise) error {
	n := 0
	for _, e := range rows {
		n += len(e.Tags)
	}
	if n == 0 {
		return nil
	}
	c := t.buf
	c.start(n * 32)
	for i, e := range rows {
		for _, tag := range e.Tags {
			c.row(2)
			c.int64(ids[i])
			c.text(tag)
		}
	}
	return errs.Wrap(c.send(ctx, t.pg, "enterprise_tags", []string{"enterprise_id", "tag"}), "copy enterprise tags")
}

// pgInsertColumns are the columns COPYed for a new enterprise.
var pgInsertColumns = append(append([]string{}, pgStageColumns[:len(pgStageColumns)-1]...), "created_at", "updated_at")

func (t *pgTx) insert(ctx context.Context, rows []*Enterprise, sources string, ms int64) ([]int64, error) {
	var ids []int64
	if err := t.q.QueryRow(ctx, "SELECT array_agg(nextval($1::regclass)) FROM generate_series(1, $2)", t.seq, len(rows)).Scan(&ids); err != nil {
		return nil, errs.Wrap(err, "allocate enterprise ids")
	}
	c := t.buf
	c.start(len(rows) * 384)
	for i, e := range rows {
		c.row(len(pgInsertColumns))
		c.int64(ids[i])
		c.enterprise(e)
		c.text(sources)
		c.int64(ms)
		c.int64(ms)
	}
	if err := c.send(ctx, t.pg, "enterprises", pgInsertColumns); err != nil {
		return nil, errs.Wrap(err, "copy enterprises")
	}
	return ids, t.copyTags(ctx, ids, rows)
}

func (t *pgTx) update(ctx context.Context, rows []*updateRow, ms int64, source, actor string) error {
	if _, err := t.q.Exec(ctx, "TRUNCATE enterprise_stage"); err != nil {
		return errs.Wrap(err, "stage enterprises")
	}
	_, err := t.q.CopyFrom(ctx, pgx.Identifier{"enterprise_stage"}, pgStageColumns, pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
		v := make([]any, 0, len(pgStageColumns))
		v = append(v, rows[i].e.ID)
		v = appendValues(v, rows[i].e)
		return append(v, rows[i].sources, ms), nil
	}))
	if err != nil {
		return errs.Wrap(err, "stage enterprises")
	}
	set := make([]string, 0, len(pgStageColumns))
	for _, c := range pgStageColumns[2:] {
		set = append(set, c+" = s."+c)
	}
	if _, err := t.q.Exec(ctx, "UPDATE enterprises e SET "+strings.Join(set, ", ")+" FROM enterprise_stage s WHERE e.id = s.id"); err != nil {
		return errs.Wrap(err, "update enterprises")
	}
	var tagIDs []int64
	var tagRows []*Enterprise
	var history [][]any
	for _, r := range rows {
		if r.tagsChanged() {
			tagIDs = append(tagIDs, r.e.ID)
			tagRows = append(tagRows, r.e)
		}
		for _, c := range r.changes {
			history = append(history, []any{r.e.ID, ms, c.field, c.old, c.new, source, actor})
		}
	}
	if len(tagIDs) > 0 {
		if _, err := t.q.Exec(ctx, "DELETE FROM enterprise_tags WHERE enterprise_id = ANY($1)", tagIDs); err != nil {
			return errs.Wrap(err, "update enterprise tags")
		}
		if err := t.copyTags(ctx, tagIDs, tagRows); err != nil {
			return err
		}
	}
	_, err = t.q.CopyFrom(ctx, pgx.Identifier{"enterprise_history"}, []string{"enterprise_id", "at", "field", "old_value", "new_value", "source", "actor"}, pgx.CopyFromRows(history))
	return errs.Wrap(err, "record enterprise history")
}
