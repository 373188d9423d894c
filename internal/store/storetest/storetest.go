// Package storetest opens migrated test databases: a fresh SQLite file
// always, and a fresh PostgreSQL schema when QINQING_TEST_POSTGRES holds a DSN.
package storetest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/store"
)

// PostgresEnv names the environment variable holding the test PostgreSQL DSN.
const PostgresEnv = "QINQING_TEST_POSTGRES"

// BenchEnterprises returns the size of the synthetic city a benchmark
// builds: QINQING_BENCH_ENTERPRISES, or def when it is unset.
func BenchEnterprises(tb testing.TB, def int) int {
	v := os.Getenv("QINQING_BENCH_ENTERPRISES")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		tb.Fatalf("QINQING_BENCH_ENTERPRISES=%q: want a positive number", v)
	}
	return n
}

// Each runs fn as subtests "sqlite" and "postgres", each on a fresh migrated
// database; the postgres subtest is skipped, saying why, when
// QINQING_TEST_POSTGRES is unset.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, MustOpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, MustOpenPostgres(t)) })
}

// MustOpenSQLite returns a migrated SQLite database in a temporary directory.
func MustOpenSQLite(tb testing.TB) *store.DB {
	tb.Helper()
	return mustOpen(tb, filepath.Join(tb.TempDir(), "test.db"))
}

// PostgresDSN returns a DSN for a new, empty schema in the test PostgreSQL
// database (dropped when the test ends), or skips the test when
// QINQING_TEST_POSTGRES is unset.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		tb.Skipf("PostgreSQL tests skipped: set %s to a DSN such as postgres://postgres@127.0.0.1:5432/test", PostgresEnv)
	}
	dsn, drop, err := store.FreshSchema(context.Background(), base, "t_")
	if err != nil {
		tb.Fatalf("%s: %v", PostgresEnv, err)
	}
	tb.Cleanup(drop)
	return dsn
}

// MustOpenPostgres returns a migrated database in a fresh PostgreSQL schema,
// or skips when QINQING_TEST_POSTGRES is unset.
func MustOpenPostgres(tb testing.TB) *store.DB {
	tb.Helper()
	return mustOpen(tb, PostgresDSN(tb))
}

// MustOpenDSN opens and migrates dsn, closing it when the test ends.
func MustOpenDSN(tb testing.TB, dsn string) *store.DB { tb.Helper(); return mustOpen(tb, dsn) }

func mustOpen(tb testing.TB, dsn string) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("open %s: %v", dsn, err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background(), time.Now); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return db
}
