package store

import (
	"context"
	"fmt"

	"github.com/qinqing/qinqing/internal/errs"
)

// BulkCacheKiB is the page cache (64 MB) of the SQLite writer during bulk
// writes: random inserts into an index of millions of rows (the codes of
// an import, the enterprises of seeded appeals) thrash the default 2 MB.
const BulkCacheKiB = 64 << 10

// bulkCheckpointPages is the writer's wal_autocheckpoint during bulk
// writes (128 MB of 4 KB pages).
const bulkCheckpointPages = 32768

// BulkWrites prepares the SQLite writer connection for bulk writes — a
// page cache of cacheKiB, statement journals in memory, and the WAL copied
// back into the database every 128 MB rather than every 4 MB, so that a
// page changed by several batches is copied once — and returns the
// function that restores the previous settings. On PostgreSQL it does
// nothing. It must be called outside a transaction (temp_store cannot
// change inside one once the connection has used temporary storage).
func (db *DB) BulkWrites(ctx context.Context, cacheKiB int) (restore func(), err error) {
	if db.Dialect() != SQLite {
		return func() {}, nil
	}
	var oldCache, oldTemp, oldCheckpoint int64
	err = db.InTx(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&oldCache); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "PRAGMA temp_store").Scan(&oldTemp); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&oldCheckpoint)
	})
	if err == nil {
		_, err = db.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = %d",
			cacheKiB, bulkCheckpointPages))
	}
	if err != nil {
		return nil, errs.Wrap(err, "prepare bulk writes")
	}
	return func() {
		_, _ = db.ExecContext(context.Background(), fmt.Sprintf("PRAGMA cache_size = %d; PRAGMA temp_store = %d; PRAGMA wal_autocheckpoint = %d",
			oldCache, oldTemp, oldCheckpoint))
	}, nil
}
