package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"

	"github.com/qinqing/qinqing/internal/errs"
)

// FreshSchema creates an empty schema named prefix and a random suffix in
// the PostgreSQL database of dsn, and returns a DSN whose search_path is
// that schema and a function that drops it. Tests and benchmarks use it
// to run side by side on one database without seeing each other's tables.
func FreshSchema(ctx context.Context, dsn, prefix string) (string, func(), error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := prefix + hex.EncodeToString(b[:])
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, errs.Wrap(err, "parse DSN")
	}
	admin, err := Open(ctx, dsn)
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return "", nil, errs.Wrap(err, "create schema")
	}
	drop := func() {
		_, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}
