package enterprise

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// Deferred indexes: a large import into an empty registry drops every
// index of enterprises and enterprise_tags except their primary keys — the
// unique index of the credit code too — and builds them at its end
// (see the table enterprise_deferred_indexes in 0002_enterprise.sql). On
// PostgreSQL it also drops the foreign key of enterprise_tags, whose check
// is a query per tag row, and adds it back NOT VALID: every tag row the
// import wrote went in with its enterprise, in one transaction, so there is
// nothing to check, and rows written later are checked as always.

// deferredTables are the tables whose secondary indexes a large import
// defers.
const deferredTables = "'enterprises', 'enterprise_tags'"

// usccIndex is the unique index of the credit code.
const usccIndex = "enterprises_uscc"

// deferIndexes reports whether enterprises is empty and, if it is, drops
// every index of enterprises and enterprise_tags except their primary keys
// (and on PostgreSQL the foreign key of enterprise_tags) and records their
// definitions, in one transaction.
func (s *Service) deferIndexes(ctx context.Context) (bool, error) {
	empty := false
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM enterprises)").Scan(&exists); err != nil {
			return err
		}
		if exists {
			return nil
		}
		empty = true
		// name, definition, and the statement that drops it (automatic
		// indexes, those of primary keys, have no SQL)
		q := "SELECT name, sql, 'DROP INDEX \"' || replace(name, '\"', '\"\"') || '\"' FROM sqlite_master WHERE type = 'index' AND tbl_name IN (" + deferredTables + ") AND sql IS NOT NULL"
		if tx.Dialect() == store.Postgres {
			q = `SELECT i.relname, pg_get_indexdef(i.oid), 'DROP INDEX ' || quote_ident(i.relname) FROM pg_index x
				JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
				WHERE t.relname IN (` + deferredTables + `) AND t.relnamespace = to_regnamespace(current_schema())
				AND NOT x.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
				UNION ALL
				SELECT c.conname, 'ALTER TABLE enterprise_tags ADD CONSTRAINT ' || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid) || ' NOT VALID',
					'ALTER TABLE enterprise_tags DROP CONSTRAINT ' || quote_ident(c.conname)
				FROM pg_constraint c WHERE c.conrelid = to_regclass(quote_ident(current_schema()) || '.enterprise_tags') AND c.contype = 'f'`
		}
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		var defs [][3]string
		for rows.Next() {
			var d [3]string
			if err := rows.Scan(&d[0], &d[1], &d[2]); err != nil {
				rows.Close()
				return err
			}
			defs = append(defs, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, d := range defs {
			if _, err := tx.ExecContext(ctx, "INSERT INTO enterprise_deferred_indexes (name, definition) VALUES (?, ?)", d[0], d[1]); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, d[2]); err != nil {
				return err
			}
		}
		return nil
	})
	return empty, errs.Wrap(err, "defer enterprise indexes")
}

// RestoreIndexes builds the indexes (and adds the foreign key) that a large
// import dropped and did not get to build again (because the process
// died), and is a no-op otherwise. The server calls it at start-up, so that
// an interrupted first import does not leave the registry without them.
// Errors: Conflict when codes were stored twice meanwhile (only possible
// while the unique index was missing: another writer stored a code the
// import was storing at the same moment) — the message names them, and
// all but one row of each must go before the index can be built; Internal.
func (s *Service) RestoreIndexes(ctx context.Context) error {
	return s.restoreIndexes(ctx, nil)
}

// restoreIndexes is RestoreIndexes with a way to settle codes stored twice:
// when the unique index of the codes cannot be built, settle (if not nil)
// removes the duplicates it is responsible for and the build is tried again.
// PostgreSQL builds two indexes at a time.
func (s *Service) restoreIndexes(ctx context.Context, settle func(context.Context) error) error {
	rows, err := s.DB.QueryContext(ctx, "SELECT name, definition FROM enterprise_deferred_indexes ORDER BY name")
	if err != nil {
		return errs.Wrap(err, "restore enterprise indexes")
	}
	var defs [][2]string
	for rows.Next() {
		var d [2]string
		if err := rows.Scan(&d[0], &d[1]); err != nil {
			rows.Close()
			return errs.Wrap(err, "restore enterprise indexes")
		}
		defs = append(defs, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(defs) == 0 {
		return errs.Wrap(err, "restore enterprise indexes")
	}
	build := func(d [2]string) error {
		return s.DB.InTx(ctx, func(tx *store.Tx) error {
			exists := "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?)"
			args := []any{d[0]}
			if tx.Dialect() == store.Postgres {
				exists = `SELECT to_regclass(quote_ident(current_schema()) || '.' || quote_ident(?)) IS NOT NULL
					OR EXISTS (SELECT 1 FROM pg_constraint WHERE conname = ? AND connamespace = to_regnamespace(current_schema()))`
				args = append(args, d[0])
				// The sorts of the index builds stay in memory.
				if _, err := tx.ExecContext(ctx, "SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
					return err
				}
			}
			var ok bool
			if err := tx.QueryRowContext(ctx, exists, args...).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				if _, err := tx.ExecContext(ctx, d[1]); err != nil {
					return fmt.Errorf("%s: %w", d[0], err)
				}
			}
			_, err := tx.ExecContext(ctx, "DELETE FROM enterprise_deferred_indexes WHERE name = ?", d[0])
			return err
		})
	}
	buildUnique := func(d [2]string) error {
		err := build(d)
		for attempt := 0; attempt < 3 && settle != nil && store.IsUniqueViolation(err); attempt++ {
			if err = settle(ctx); err == nil {
				err = build(d)
			}
		}
		if store.IsUniqueViolation(err) {
			return s.duplicateCodes(ctx)
		}
		return err
	}
	workers := 1
	if s.DB.Dialect() == store.Postgres {
		workers = 2
	} else {
		restore, err := s.sqliteSortThreads(ctx)
		if err != nil {
			return errs.Wrap(err, "restore enterprise indexes")
		}
		defer restore()
	}
	next := make(chan [2]string, len(defs))
	for _, d := range defs {
		next <- d
	}
	close(next)
	errc := make(chan error, workers)
	for range workers {
		go func() {
			var first error
			for d := range next {
				var err error
				if d[0] == usccIndex {
					err = buildUnique(d)
				} else {
					err = build(d)
				}
				if err != nil && first == nil {
					first = err
				}
			}
			errc <- first
		}()
	}
	for range workers {
		if e := <-errc; e != nil && err == nil {
			err = e
		}
	}
	return errs.Wrap(err, "restore enterprise indexes")
}

// duplicateCodes returns the Conflict error that names the codes stored
// more than once.
func (s *Service) duplicateCodes(ctx context.Context) error {
	rows, err := s.DB.QueryContext(ctx, "SELECT uscc FROM enterprises GROUP BY uscc HAVING COUNT(*) > 1 ORDER BY uscc")
	if err != nil {
		return errs.Wrap(err, "find repeated codes")
	}
	defer rows.Close()
	var codes []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return errs.Wrap(err, "find repeated codes")
		}
		codes = append(codes, c)
	}
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "find repeated codes")
	}
	shown := codes[:min(len(codes), 10)]
	return errs.Errorf(errs.Conflict, "统一社会信用代码的唯一索引无法建立：%d个代码各有多条企业记录（%s）。请为每个代码只保留一条记录后重试",
		len(codes), strings.Join(shown, "、"))
}

// idRuns is the set of ids an import inserted, as runs of consecutive ids
// (the rows of a batch get their ids together, so a few hundred runs hold
// millions of ids). Safe for concurrent use.
type idRuns struct {
	mu     sync.Mutex
	runs   [][2]int64 // first and last id of each run
	sorted bool
}

// add adds ids, ascending.
func (r *idRuns) add(ids []int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		if n := len(r.runs); n > 0 && r.runs[n-1][1]+1 == id {
			r.runs[n-1][1] = id
			continue
		}
		r.runs = append(r.runs, [2]int64{id, id})
		r.sorted = false
	}
}

// has reports whether id was added.
func (r *idRuns) has(id int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.sorted {
		slices.SortFunc(r.runs, func(a, b [2]int64) int { return cmp.Compare(a[0], b[0]) })
		r.sorted = true
	}
	i, _ := slices.BinarySearchFunc(r.runs, id, func(run [2]int64, id int64) int {
		switch {
		case run[1] < id:
			return -1
		case run[0] > id:
			return 1
		}
		return 0
	})
	return i < len(r.runs) && r.runs[i][0] <= id && id <= r.runs[i][1]
}

// settleDuplicates removes the rows an import inserted (ours) whose code
// another writer stored while the unique index was deferred (see write),
// and counts them in res as rejected on their lines (seen: each packed code
// to its line).
func (s *Service) settleDuplicates(ctx context.Context, ours *idRuns, seen map[[2]uint64]int32, opts ImportOptions, res *ImportResult) error {
	var removed []RowError
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		removed = removed[:0]
		rows, err := tx.QueryContext(ctx, "SELECT id, uscc FROM enterprises WHERE uscc IN (SELECT uscc FROM enterprises GROUP BY uscc HAVING COUNT(*) > 1)")
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			var code string
			if err := rows.Scan(&id, &code); err != nil {
				rows.Close()
				return err
			}
			if line, ok := seen[packUSCC(code)]; ok && ours.has(id) {
				ids = append(ids, id)
				removed = append(removed, RowError{Line: int(line), Field: "uscc",
					Reason: fmt.Sprintf("统一社会信用代码%s在导入期间已由其他操作登记：本行未导入，以已登记的记录为准", code)})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, "DELETE FROM enterprise_tags WHERE enterprise_id = ?", id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM enterprises WHERE id = ?", id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return errs.Wrap(err, "settle repeated codes")
	}
	res.Inserted -= len(removed)
	res.Rejected += len(removed)
	for _, e := range removed {
		if opts.MaxErrors < 0 || len(res.Errors) < opts.MaxErrors {
			res.Errors = append(res.Errors, e)
		}
	}
	slices.SortStableFunc(res.Errors, func(a, b RowError) int { return cmp.Compare(a.Line, b.Line) })
	return nil
}

// sqliteSortThreads lets the SQLite writer sort on GOMAXPROCS helper
// threads (PRAGMA threads: a third less time to build the indexes of 2.25
// million rows on two cores) and returns what restores its setting.
func (s *Service) sqliteSortThreads(ctx context.Context) (func(), error) {
	var old int
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, "PRAGMA threads").Scan(&old); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA threads = %d", runtime.GOMAXPROCS(0)))
		return err
	})
	return func() { _, _ = s.DB.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA threads = %d", old)) }, err
}
