package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	t.Run("ErrEmpty", func(t *testing.T) {
		_, err := store.Open(ctx, "")
		if errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("got %v, want invalid", err)
		}
	})
	t.Run("ErrMalformedDSN", func(t *testing.T) {
		for _, dsn := range []string{"postgres://", "mysql://root@localhost/db", "file:x.db"} {
			_, err := store.Open(ctx, dsn)
			if errs.CodeOf(err) != errs.Invalid {
				t.Errorf("Open(%q) = %v, want invalid", dsn, err)
			}
		}
	})
	t.Run("ErrUnreachable", func(t *testing.T) {
		_, err := store.Open(ctx, "postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
		if errs.CodeOf(err) != errs.Unavailable {
			t.Fatalf("got %v, want unavailable", err)
		}
		if got := errs.MessageOf(err); got == "" || got == "系统内部错误" {
			t.Fatalf("message %q does not say what failed", got)
		}
	})
	t.Run("OKCreatesDirectory", func(t *testing.T) {
		db, err := store.Open(ctx, filepath.Join(t.TempDir(), "a", "b", "q.db"))
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
	})
}

func TestRebind(t *testing.T) {
	db := storetest.MustOpenSQLite(t)
	if got := db.Rebind("SELECT ? , '?'"); got != "SELECT ? , '?'" {
		t.Errorf("sqlite rebind changed the query: %q", got)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if db.Dialect() != store.Postgres {
			return
		}
		if got, want := db.Rebind("a = ? AND b = '?' AND c IN (?, ?)"), "a = $1 AND b = '?' AND c IN ($2, $3)"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestMigrate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.CheckSchema(ctx); err != nil {
			t.Fatalf("fresh migrated database reported old schema: %v", err)
		}
		again, err := db.Migrate(ctx, time.Now)
		if err != nil || len(again) != 0 {
			t.Fatalf("second migrate applied %d, err %v; want none", len(again), err)
		}
		all, _ := db.Migrations()
		v, _ := db.AppliedVersion(ctx)
		if v != all[len(all)-1].Version {
			t.Fatalf("applied version %d, want %d", v, all[len(all)-1].Version)
		}
	})
	t.Run("OKGapBelowApplied", func(t *testing.T) {
		// A migration merged after a later-numbered one ran must still run.
		storetest.Each(t, func(t *testing.T, db *store.DB) {
			ctx := context.Background()
			all, _ := db.Migrations()
			second := all[1]
			if _, err := db.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = ?`, second.Version); err != nil {
				t.Fatal(err)
			}
			pending, err := db.Pending(ctx)
			if err != nil || len(pending) != 1 || pending[0].Version != second.Version {
				t.Fatalf("pending %v, err %v; want only %04d", pending, err, second.Version)
			}
			if err := db.CheckSchema(ctx); errs.CodeOf(err) != errs.Unavailable {
				t.Fatalf("CheckSchema = %v, want unavailable while %04d is missing", err, second.Version)
			}
		})
	})
	t.Run("ErrOldSchema", func(t *testing.T) {
		db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "old.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		err = db.CheckSchema(context.Background())
		if errs.CodeOf(err) != errs.Unavailable {
			t.Fatalf("got %v, want unavailable for an unmigrated database", err)
		}
	})
}

func TestInTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		insert := func(tx *store.Tx, name string) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO units (name, kind, created_at) VALUES (?, ?, ?)`, name, "其他", 1)
			return err
		}
		t.Run("OKCommit", func(t *testing.T) {
			if err := db.InTx(ctx, func(tx *store.Tx) error { return insert(tx, "甲") }); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("ErrRollsBack", func(t *testing.T) {
			boom := errors.New("boom")
			err := db.InTx(ctx, func(tx *store.Tx) error {
				if err := insert(tx, "乙"); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("got %v", err)
			}
			var n int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM units WHERE name = ?`, "乙").Scan(&n); err != nil || n != 0 {
				t.Fatalf("rolled-back row visible: n=%d err=%v", n, err)
			}
		})
		t.Run("ErrUnique", func(t *testing.T) {
			err := db.InTx(ctx, func(tx *store.Tx) error { return insert(tx, "甲") })
			if !store.IsUniqueViolation(err) {
				t.Fatalf("got %v, want unique violation", err)
			}
		})
		t.Run("OKJoinsTheCallersTransaction", func(t *testing.T) {
			// store.InTx on a *Tx runs in it: the caller's rollback undoes it.
			boom := errors.New("boom")
			err := db.InTx(ctx, func(tx *store.Tx) error {
				if err := store.InTx(ctx, tx, func(inner *store.Tx) error {
					if inner != tx {
						t.Error("a new transaction instead of the caller's")
					}
					return insert(inner, "丙")
				}); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatal(err)
			}
			// On the *DB it commits on its own.
			if err := store.InTx(ctx, db, func(tx *store.Tx) error { return insert(tx, "丁") }); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM units WHERE name IN ('丙', '丁')`).Scan(&n); err != nil || n != 1 {
				t.Fatalf("rows: %d, %v; want only 丁", n, err)
			}
		})
	})
}
