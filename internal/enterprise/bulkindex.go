package enterprise

import (
	"context"
	"fmt"
	"runtime"

	"github.com/qinqing/qinqing/internal/store"
)

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
