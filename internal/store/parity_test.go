package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

// catalog is what the migrations made: each table's columns and each
// explicit index (its table, columns and uniqueness), by name.
type catalog struct {
	tables  map[string][]string // table → column names, sorted
	indexes map[string]string   // index → "table(col, col) unique?"
}

// TestMigrationsAgree migrates a SQLite and a PostgreSQL database and
// checks that the two dialects' migrations made the same tables, columns
// and indexes (type names may differ per dialect).
func TestMigrationsAgree(t *testing.T) {
	ctx := context.Background()
	lite := sqliteCatalog(t, ctx, storetest.MustOpenSQLite(t))
	pg := postgresCatalog(t, ctx, storetest.MustOpenPostgres(t))
	for name, cols := range lite.tables {
		other, ok := pg.tables[name]
		if !ok {
			t.Errorf("table %s: only in SQLite", name)
			continue
		}
		if !slices.Equal(cols, other) {
			t.Errorf("table %s: SQLite columns %v, PostgreSQL %v", name, cols, other)
		}
	}
	for name := range pg.tables {
		if _, ok := lite.tables[name]; !ok {
			t.Errorf("table %s: only in PostgreSQL", name)
		}
	}
	for name, def := range lite.indexes {
		other, ok := pg.indexes[name]
		switch {
		case !ok:
			t.Errorf("index %s %s: only in SQLite", name, def)
		case def != other:
			t.Errorf("index %s: SQLite %s, PostgreSQL %s", name, def, other)
		}
	}
	for name, def := range pg.indexes {
		if _, ok := lite.indexes[name]; !ok {
			t.Errorf("index %s %s: only in PostgreSQL", name, def)
		}
	}
	t.Logf("%d tables, %d indexes", len(lite.tables), len(lite.indexes))
	if len(lite.tables) < 10 || len(lite.indexes) < 10 {
		t.Errorf("read %d tables and %d indexes: the catalog query found too little", len(lite.tables), len(lite.indexes))
	}
}

func strs(t *testing.T, db *store.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func indexDef(table string, cols []string, unique bool) string {
	d := fmt.Sprintf("%s(%s)", table, strings.Join(cols, ", "))
	if unique {
		d += " unique"
	}
	return d
}

func sqliteCatalog(t *testing.T, ctx context.Context, db *store.DB) catalog {
	c := catalog{tables: map[string][]string{}, indexes: map[string]string{}}
	for _, tbl := range strs(t, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`) {
		cols := strs(t, db, `SELECT name FROM pragma_table_info(?)`, tbl)
		slices.Sort(cols)
		c.tables[tbl] = cols
		rows, err := db.QueryContext(ctx, `SELECT name, "unique" FROM pragma_index_list(?) WHERE origin = 'c'`, tbl)
		if err != nil {
			t.Fatal(err)
		}
		type idx struct {
			name   string
			unique bool
		}
		var list []idx
		for rows.Next() {
			var i idx
			if err := rows.Scan(&i.name, &i.unique); err != nil {
				t.Fatal(err)
			}
			list = append(list, i)
		}
		rows.Close()
		for _, i := range list {
			c.indexes[i.name] = indexDef(tbl, strs(t, db, `SELECT COALESCE(name, '(expr)') FROM pragma_index_xinfo(?) WHERE key ORDER BY seqno`, i.name), i.unique)
		}
	}
	return c
}

func postgresCatalog(t *testing.T, ctx context.Context, db *store.DB) catalog {
	c := catalog{tables: map[string][]string{}, indexes: map[string]string{}}
	for _, tbl := range strs(t, db, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`) {
		c.tables[tbl] = strs(t, db, `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY column_name COLLATE "C"`, tbl)
	}
	// Explicit indexes: not those that back a primary key or a UNIQUE
	// constraint (SQLite's automatic indexes).
	rows, err := db.QueryContext(ctx, `SELECT i.relname, t.relname, x.indisunique,
			array_to_string(ARRAY(SELECT COALESCE(a.attname, '(expr)') FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
				LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord), ',')
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = x.indexrelid)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, tbl, cols string
		var unique bool
		if err := rows.Scan(&name, &tbl, &unique, &cols); err != nil {
			t.Fatal(err)
		}
		c.indexes[name] = indexDef(tbl, strings.Split(cols, ","), unique)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return c
}
