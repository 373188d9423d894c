package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/qinqing/qinqing/internal/errs"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one forward-only schema step.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations of the database's dialect in
// version order.
func (db *DB) Migrations() ([]Migration, error) {
	dir := path.Join("migrations", string(db.dialect))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, errs.Wrap(err, "read migrations")
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, errs.Wrap(fmt.Errorf("migration file %s: want NNNN_name.sql", name), "read migrations")
		}
		b, err := migrationFS.ReadFile(path.Join(dir, name))
		if err != nil {
			return nil, errs.Wrap(err, "read migrations")
		}
		ms = append(ms, Migration{Version: v, Name: rest, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// hasMigrationsTable reports whether the database has the table of
// applied migrations — without creating it: reading the schema's state
// (serve's check, /readyz) writes nothing.
func (db *DB) hasMigrationsTable(ctx context.Context) (bool, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if db.dialect == Postgres {
		q = `SELECT COUNT(*) FROM pg_catalog.pg_class WHERE oid = to_regclass('schema_migrations')`
	}
	var n int
	if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return false, errs.Wrap(err, "find schema_migrations")
	}
	return n > 0, nil
}

// applied returns the versions of the applied migrations (none when the
// table of them does not exist).
func (db *DB) applied(ctx context.Context) (map[int]bool, error) {
	applied := map[int]bool{}
	if ok, err := db.hasMigrationsTable(ctx); err != nil || !ok {
		return applied, err
	}
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, errs.Wrap(err, "read applied migrations")
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, errs.Wrap(err, "read applied migrations")
		}
		applied[v] = true
	}
	return applied, errs.Wrap(rows.Err(), "read applied migrations")
}

// AppliedVersion returns the highest applied migration version, 0 for an
// empty database. It writes nothing.
func (db *DB) AppliedVersion(ctx context.Context) (int, error) {
	applied, err := db.applied(ctx)
	if err != nil {
		return 0, err
	}
	v := 0
	for a := range applied {
		v = max(v, a)
	}
	return v, nil
}

// Pending returns the migrations not yet applied, in version order. A
// migration counts as applied by its own version, not by the highest one:
// a migration merged after a later-numbered one has run is still pending.
// It writes nothing.
func (db *DB) Pending(ctx context.Context) ([]Migration, error) {
	applied, err := db.applied(ctx)
	if err != nil {
		return nil, err
	}
	all, err := db.Migrations()
	if err != nil {
		return nil, err
	}
	var pending []Migration
	for _, m := range all {
		if !applied[m.Version] {
			pending = append(pending, m)
		}
	}
	return pending, nil
}

// CheckSchema returns an Unavailable error naming the pending migrations if
// the schema is old, or saying the database is empty if nothing was ever
// applied; the server refuses to start on either unless told to migrate.
// It writes nothing.
func (db *DB) CheckSchema(ctx context.Context) error {
	pending, err := db.Pending(ctx)
	if err != nil {
		return err
	}
	all, err := db.Migrations()
	if err != nil {
		return err
	}
	switch {
	case len(pending) == 0:
		return nil
	case len(pending) == len(all):
		return errs.Errorf(errs.Unavailable, "数据库 %s 是空的，还没有 qinqing 的表：先运行 qinqing migrate --db …（或以 serve --migrate 启动，serve --demo 载入演示数据）", db.DSN)
	}
	return errs.Errorf(errs.Unavailable, "数据库结构版本过旧：有 %d 个迁移未执行（从 %04d_%s 起）。请先运行 qinqing migrate，或以 serve --migrate 启动",
		len(pending), pending[0].Version, pending[0].Name)
}

// Migrate applies every pending migration, each in its own transaction, and
// returns the ones it applied. On PostgreSQL an advisory lock makes
// concurrent migrators (two instances starting together) take turns.
func (db *DB) Migrate(ctx context.Context, now func() time.Time) ([]Migration, error) {
	if _, err := db.ExecContext(ctx, createMigrationsTable); err != nil {
		return nil, errs.Wrap(err, "create schema_migrations")
	}
	pending, err := db.Pending(ctx)
	if err != nil {
		return nil, err
	}
	var done []Migration
	for _, m := range pending {
		applied, err := db.migrateOne(ctx, m, now)
		for attempt := 1; attempt < 3 && isDeadlock(err); attempt++ {
			// DDL can deadlock with other sessions' DDL on shared catalog
			// objects (an operator class, an extension); the transaction
			// rolled back whole, so it is safe to run again.
			applied, err = db.migrateOne(ctx, m, now)
		}
		if err != nil {
			return done, errs.Wrap(err, "migrate")
		}
		if applied {
			done = append(done, m)
		}
	}
	return done, nil
}

// isDeadlock reports whether err is PostgreSQL's deadlock_detected.
func isDeadlock(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "40P01"
}

// foreignKeysOff is the directive, on a line of its own, of a SQLite
// migration that rebuilds a table other tables refer to: it runs with
// foreign keys off (with them on, dropping the old table would delete the
// rows that refer to it), and every reference is checked before it
// commits. SQLite reads the pragma only outside a transaction, so the
// migration gets a connection of its own.
const foreignKeysOff = "-- qinqing: foreign_keys off"

// migrateOne applies m in one transaction unless it is applied already,
// and reports whether it applied it.
func (db *DB) migrateOne(ctx context.Context, m Migration, now func() time.Time) (bool, error) {
	if db.dialect == SQLite && strings.Contains(m.SQL, foreignKeysOff+"\n") {
		return db.migrateWithoutForeignKeys(ctx, m, now)
	}
	applied := false
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		applied, err = db.apply(ctx, tx, m, now)
		return err
	})
	return applied, err
}

// migrateWithoutForeignKeys applies m as migrateOne does, on a writer
// connection with foreign keys off (see foreignKeysOff).
func (db *DB) migrateWithoutForeignKeys(ctx context.Context, m Migration, now func() time.Time) (applied bool, err error) {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return false, err
	}
	defer func() {
		if _, e := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON"); e != nil && err == nil {
			err = e
		}
	}()
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	tx := &Tx{tx: sqlTx, d: db.dialect}
	if applied, err = db.apply(ctx, tx, m, now); err == nil {
		err = checkForeignKeys(ctx, tx, m)
	}
	if err != nil {
		_ = sqlTx.Rollback()
		return false, err
	}
	return applied, sqlTx.Commit()
}

// checkForeignKeys fails when a row refers to a row that does not exist.
func checkForeignKeys(ctx context.Context, tx *Tx, m Migration) error {
	var table, parent string
	var rowid sql.NullInt64
	var fkid int
	err := tx.QueryRowContext(ctx, "PRAGMA foreign_key_check").Scan(&table, &rowid, &parent, &fkid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("migration %04d_%s: row %d of %s refers to a missing row of %s", m.Version, m.Name, rowid.Int64, table, parent)
}

// apply runs m in tx unless another instance applied it meanwhile, records
// it, and reports whether it ran it.
func (db *DB) apply(ctx context.Context, tx *Tx, m Migration, now func() time.Time) (bool, error) {
	if db.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7410001)`); err != nil {
			return false, err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, Millis(now())); err != nil {
		return false, err
	}
	return true, nil
}
