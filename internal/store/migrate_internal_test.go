package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestMigrateRebuildKeepsReferences applies 0008, which rebuilds the SQLite
// table enterprises with foreign keys off, to a database holding an
// enterprise with tags, history and an assignment: the rows that refer to
// it stay, still refer to it (deleting it cascades), and the credit code
// is unique through the new index.
func TestMigrateRebuildKeepsReferences(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, err := db.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, createMigrationsTable); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version >= 8 {
			break
		}
		if _, err := db.migrateOne(ctx, m, time.Now); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`INSERT INTO enterprises (id, uscc, name, tags, sources, created_at, updated_at) VALUES (7, '91420100MA4K0000XX', '某公司', '专精特新', '{}', 1, 1)`,
		`INSERT INTO enterprise_tags (enterprise_id, tag) VALUES (7, '专精特新')`,
		`INSERT INTO enterprise_history (enterprise_id, at, field, old_value, new_value, source, actor) VALUES (7, 1, 'name', NULL, '某公司', '导入', 'admin')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := db.Migrate(ctx, time.Now); err != nil {
		t.Fatal(err)
	}
	count := func(table string) int {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE enterprise_id = 7").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if count("enterprise_tags") != 1 || count("enterprise_history") != 1 {
		t.Fatalf("rows referring to the enterprise after the rebuild: tags %d, history %d", count("enterprise_tags"), count("enterprise_history"))
	}
	var fk int
	if err := db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign keys %d, %v", fk, err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO enterprises (uscc, name, sources, created_at, updated_at) VALUES ('91420100MA4K0000XX', '另一家', '{}', 1, 1)`); !IsUniqueViolation(err) {
		t.Errorf("a second row with the code: %v", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO enterprise_tags (enterprise_id, tag) VALUES (8, '专精特新')`); err == nil {
		t.Error("a tag of a missing enterprise was accepted")
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM enterprises WHERE id = 7`); err != nil {
		t.Fatal(err)
	}
	if count("enterprise_tags") != 0 || count("enterprise_history") != 0 {
		t.Errorf("deleting the enterprise left tags %d, history %d", count("enterprise_tags"), count("enterprise_history"))
	}
}
