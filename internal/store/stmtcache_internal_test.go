package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

// TestStmtCache: on SQLite a text first run inside a transaction is
// prepared before the next transaction and then reused; prepared
// statements follow a change of the schema; a failing statement keeps its
// own error; a rolled-back transaction leaves nothing behind.
func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	const ins = `INSERT INTO t (v) VALUES (?) RETURNING id`
	insert := func(v string) (int64, error) {
		var id int64
		err := db.InTx(ctx, func(tx *Tx) error { return tx.QueryRowContext(ctx, ins, v).Scan(&id) })
		return id, err
	}
	kept := func(q string) bool {
		db.writeStmts.mu.Lock()
		defer db.writeStmts.mu.Unlock()
		return db.writeStmts.stmts[q] != nil
	}
	if _, err := insert("a"); err != nil {
		t.Fatal(err)
	}
	if kept(ins) {
		t.Fatal("a text first met inside a transaction was prepared on the busy writer")
	}
	for i, v := range []string{"b", "c"} {
		id, err := insert(v)
		if err != nil || id != int64(i+2) {
			t.Fatalf("insert %s: %d %v", v, id, err)
		}
		if !kept(ins) {
			t.Fatal("the text was not kept prepared for the next transactions")
		}
	}
	if _, err := insert("a"); !IsUniqueViolation(err) {
		t.Fatalf("a prepared statement's error: %v, want a unique violation", err)
	}
	// Several uses in one transaction, then a rollback.
	boom := errors.New("boom")
	err = db.InTx(ctx, func(tx *Tx) error {
		for _, v := range []string{"x", "y"} {
			var id int64
			if err := tx.QueryRowContext(ctx, ins, v).Scan(&id); err != nil {
				return err
			}
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	count := func(q string) int {
		var n int
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM t`); n != 3 {
		t.Fatalf("%d rows after the rollback, want 3", n)
	}
	db.readStmts.mu.Lock()
	ok := db.readStmts.stmts[`SELECT count(*) FROM t`] != nil
	db.readStmts.mu.Unlock()
	if !ok {
		t.Fatal("the readers' query was not kept prepared")
	}
	// A prepared SELECT * sees a column added after it was prepared.
	if n := count(`SELECT count(*) FROM t WHERE v <> ''`); n != 3 {
		t.Fatal(n)
	}
	if _, err := db.ExecContext(ctx, `ALTER TABLE t ADD COLUMN w INTEGER NOT NULL DEFAULT 7`); err != nil {
		t.Fatal(err)
	}
	const all = `SELECT * FROM t WHERE id = ?`
	for range 2 {
		rows, err := db.QueryContext(ctx, all, 1)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		rows.Close()
		if len(cols) != 3 {
			t.Fatalf("columns %v after ALTER TABLE", cols)
		}
	}
	if _, err := db.ExecContext(ctx, `ALTER TABLE t ADD COLUMN z INTEGER NOT NULL DEFAULT 8`); err != nil {
		t.Fatal(err)
	}
	var id, w, z int64
	var v string
	if err := db.QueryRowContext(ctx, all, 1).Scan(&id, &v, &w, &z); err != nil || z != 8 {
		t.Fatalf("a kept statement after a second ALTER TABLE: %v %d", err, z)
	}
	if _, err := db.QueryContext(ctx, `SELECT nope FROM t`); err == nil {
		t.Fatal("a bad query answered")
	}
}
