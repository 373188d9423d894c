package appeal

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/qinqing/qinqing/internal/store"
)

// TestFileTxBatch: intakes that share a transaction on SQLite keep their
// own outcome — a failing or panicking one leaves nothing and the others
// are committed, each told its own error, whatever the batches they fell
// into; one of its own is used when it arrives alone.
func TestFileTxBatch(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (n INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	s := &Service{db: db, slots: make(chan struct{}, maxTx)}
	insert := func(n int) func(tx *store.Tx) error {
		return func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO t (n) VALUES (?)`, n); err != nil {
				return err
			}
			switch n % 5 {
			case 1:
				return fmt.Errorf("refused %d", n)
			case 2:
				panic(fmt.Sprint("boom ", n))
			case 3:
				// Written twice: the second insert fails on the key.
				_, err := tx.ExecContext(ctx, `INSERT INTO t (n) VALUES (?)`, n)
				return err
			}
			return nil
		}
	}
	const total = 300
	results := make([]error, total)
	var wg sync.WaitGroup
	for i := range total {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.fileTx(ctx, insert(i))
		}()
	}
	wg.Wait()
	want := 0
	for i, err := range results {
		switch i % 5 {
		case 0, 4:
			want++
			if err != nil {
				t.Errorf("intake %d: %v", i, err)
			}
		case 1:
			if err == nil || err.Error() != fmt.Sprintf("refused %d", i) {
				t.Errorf("intake %d: %v, want its own refusal", i, err)
			}
		default:
			if err == nil {
				t.Errorf("intake %d succeeded", i)
			}
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT n FROM t`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := 0
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n%5 != 0 && n%5 != 4 {
			t.Errorf("the failed intake %d left its row", n)
		}
		got++
	}
	if got != want {
		t.Fatalf("%d rows committed, want %d", got, want)
	}
	// Alone, an intake runs in a transaction of its own and its failure
	// rolls it back.
	if err := s.fileTx(ctx, insert(total+1)); err == nil {
		t.Fatal("a lone refused intake succeeded")
	}
	if err := s.fileTx(ctx, insert(total+5)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != want+1 {
		t.Fatalf("%d rows, want %d (%v)", n, want+1, err)
	}
}
