// Package store opens the platform's database — embedded SQLite by default,
// PostgreSQL in production — and gives the domain packages one small
// database/sql layer over both: '?' placeholders rebound for PostgreSQL, a
// transaction helper, and embedded forward-only migrations per dialect.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/qinqing/qinqing/internal/errs"
)

// Dialect names the SQL dialect of a database.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database. On SQLite, writes go through a single writer
// connection (SQLite allows one writer at a time; queuing in Go is cheaper
// than busy waiting) and reads through a pool; on PostgreSQL both are the
// same pool.
type DB struct {
	dialect Dialect
	// DSN is the data source as given (a file path or a postgres:// URL),
	// with any password removed, for messages.
	DSN    string
	read   *sql.DB
	write  *sql.DB
	rawDSN string
	// On SQLite, the statements of each pool kept prepared (nil on
	// PostgreSQL).
	readStmts, writeStmts *stmtCache
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database named by dsn — a SQLite file path (created with its
// directory if absent) or a postgres:// URL — and checks that it answers.
// It does not migrate. Errors: Invalid for a malformed DSN, Unavailable for
// an unreachable database.
func Open(ctx context.Context, dsn string) (*DB, error) {
	dsn = strings.TrimSpace(dsn)
	if dsn == "" {
		return nil, errs.Errorf(errs.Invalid, "未指定数据库：用 --db 或 QINQING_DB 指定 SQLite 文件路径或 postgres:// 地址")
	}
	var db *DB
	var err error
	if IsPostgres(dsn) {
		db, err = openPostgres(dsn)
	} else {
		db, err = openSQLite(dsn)
	}
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.write.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, connectError(db, err)
	}
	return db, nil
}

// connectError says in Chinese why the database db could not be reached:
// the server refused the connection, the host is unknown, the database or
// role does not exist, authentication failed, the address is malformed,
// the file is not a database or may not be opened.
func connectError(db *DB, err error) error {
	why := ""
	code := errs.Unavailable
	var pgErr *pgconn.PgError
	var parseErr *pgconn.ParseConfigError
	var dnsErr *net.DNSError
	msg := err.Error()
	switch {
	case errors.As(err, &parseErr):
		code, why = errs.Invalid, "地址格式不对（应为 postgres://用户[:密码]@主机:端口/库名）"
	case errors.As(err, &pgErr) && pgErr.Code == "3D000":
		why = "数据库不存在（先用 createdb 建库）"
	case errors.As(err, &pgErr) && (pgErr.Code == "28P01" || pgErr.Code == "28000"):
		why = "认证失败：用户名或密码不对，或该用户不能从这里登录（" + pgErr.Message + "）"
	case errors.As(err, &pgErr):
		why = "服务器拒绝：" + pgErr.Message
	case errors.Is(err, syscall.ECONNREFUSED):
		why = "连接被拒绝：该主机和端口上没有数据库在运行"
	case errors.As(err, &dnsErr):
		why = "主机名无法解析：" + dnsErr.Name
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(msg, "timeout"):
		why = "连接超时：主机不可达，或被防火墙拦截"
	case strings.Contains(msg, "file is not a database") || strings.Contains(msg, "(26)"):
		code, why = errs.Invalid, "这个文件不是 SQLite 数据库"
	case errors.Is(err, os.ErrPermission) || strings.Contains(msg, "permission denied") || strings.Contains(msg, "unable to open"):
		why = "无法打开数据库文件（没有权限，或所在目录不存在）"
	case strings.Contains(msg, "tls") || strings.Contains(msg, "SSL"):
		why = "加密连接（sslmode）设置与服务器不符"
	}
	if why == "" {
		return &errs.Error{Code: code, Message: fmt.Sprintf("无法连接数据库 %s", db.DSN), Err: err}
	}
	return &errs.Error{Code: code, Message: fmt.Sprintf("无法连接数据库 %s：%s", db.DSN, why), Err: err}
}

func openPostgres(dsn string) (*DB, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return nil, errs.Errorf(errs.Invalid, "数据库地址格式不对：%s（应为 postgres://用户@主机:端口/库名）", redact(dsn))
	}
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, errs.Errorf(errs.Invalid, "数据库地址格式不对：%s：%v", redact(dsn), err)
	}
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(10)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{dialect: Postgres, DSN: redact(dsn), read: pool, write: pool, rawDSN: dsn}, nil
}

func openSQLite(path string) (*DB, error) {
	if strings.Contains(path, "://") || strings.HasPrefix(path, "file:") {
		return nil, errs.Errorf(errs.Invalid, "数据库地址格式不对：%s（SQLite 请给文件路径，PostgreSQL 请给 postgres:// 地址）", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, &errs.Error{Code: errs.Unavailable, Message: fmt.Sprintf("无法创建数据目录 %s", dir), Err: err}
		}
	}
	// busy_timeout first so that the pragmas after it wait instead of failing.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(ON)&_pragma=synchronous(NORMAL)"
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas
	write, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, errs.Errorf(errs.Invalid, "无法打开 SQLite 文件 %s：%v", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, errs.Errorf(errs.Invalid, "无法打开 SQLite 文件 %s：%v", path, err)
	}
	read.SetMaxOpenConns(8)
	// Readers stay open, with their prepared statements.
	read.SetMaxIdleConns(8)
	return &DB{dialect: SQLite, DSN: path, read: read, write: write, rawDSN: path,
		readStmts: newStmtCache(read), writeStmts: newStmtCache(write)}, nil
}

// redact removes the password from a postgres URL.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// RawDSN returns the DSN with its credentials, for tools that need to
// connect on their own (pgx COPY, LISTEN).
func (db *DB) RawDSN() string { return db.rawDSN }

// Close closes the database.
func (db *DB) Close() error {
	db.readStmts.close()
	db.writeStmts.close()
	err := db.write.Close()
	if db.read != db.write {
		if e := db.read.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Rebind rewrites '?' placeholders to $1, $2 … for PostgreSQL. Question
// marks inside single-quoted literals are left alone.
func (db *DB) Rebind(q string) string { return rebind(db.dialect, q) }

func rebind(d Dialect, q string) string {
	if d != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Querier is what both *DB and *Tx offer, so that domain functions can run
// inside or outside a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	Dialect() Dialect
}

// ExecContext runs a statement on the writer.
func (db *DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := db.writeStmts.get(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return db.write.ExecContext(ctx, db.Rebind(q), args...)
}

// QueryContext runs a query on the reader pool.
func (db *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := db.readStmts.get(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.read.QueryContext(ctx, db.Rebind(q), args...)
}

// QueryRowContext runs a single-row query on the reader pool.
func (db *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := db.readStmts.get(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.read.QueryRowContext(ctx, db.Rebind(q), args...)
}

// Dialect returns the database's dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

// Stats returns the writer pool's statistics (the one that queues on SQLite).
func (db *DB) Stats() sql.DBStats { return db.write.Stats() }

// ReadStats returns the reader pool's statistics.
func (db *DB) ReadStats() sql.DBStats { return db.read.Stats() }

// Tx is a transaction with '?' placeholders rebound for the dialect.
type Tx struct {
	tx *sql.Tx
	d  Dialect
	// cache holds the writer's prepared statements (SQLite), stmts their
	// handles bound to this transaction.
	cache *stmtCache
	stmts map[string]*sql.Stmt
}

// stmt returns q's prepared statement bound to the transaction, or nil
// when q is not prepared yet.
func (tx *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if tx.cache == nil {
		return nil
	}
	if st := tx.stmts[q]; st != nil {
		return st
	}
	st := tx.cache.lookup(q)
	if st == nil {
		return nil
	}
	st = tx.tx.StmtContext(ctx, st)
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[q] = st
	return st
}

// ExecContext runs a statement in the transaction.
func (tx *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := tx.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.tx.ExecContext(ctx, rebind(tx.d, q), args...)
}

// QueryContext runs a query in the transaction.
func (tx *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := tx.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.tx.QueryContext(ctx, rebind(tx.d, q), args...)
}

// QueryRowContext runs a single-row query in the transaction.
func (tx *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := tx.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, rebind(tx.d, q), args...)
}

// PrepareContext prepares a statement in the transaction.
func (tx *Tx) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return tx.tx.PrepareContext(ctx, rebind(tx.d, q))
}

// Dialect returns the transaction's dialect.
func (tx *Tx) Dialect() Dialect { return tx.d }

// Raw returns the underlying *sql.Tx, for driver-specific work such as COPY.
func (tx *Tx) Raw() *sql.Tx { return tx.tx }

// InTx runs fn in a transaction on the writer, committing if fn returns nil
// and rolling back otherwise (also on panic, which it re-raises).
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	db.writeStmts.prepareWanted(ctx)
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return errs.Wrap(err, "begin")
	}
	tx := &Tx{tx: sqlTx, d: db.dialect, cache: db.writeStmts}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return errs.Wrap(err, "commit")
	}
	return nil
}

// Placeholders returns n placeholders for an IN list or a VALUES row:
// "?, ?, ?" ("" for n ≤ 0).
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// InTx runs fn in q's transaction when q is a *Tx and in a new transaction
// when q is the *DB. A domain function that takes a Querier from its caller
// (to join the caller's transaction, or to stand alone) writes through it:
// its statements are atomic either way, and those with RETURNING reach
// SQLite's writer connection. Errors: fn's; Internal for another Querier.
func InTx(ctx context.Context, q Querier, fn func(tx *Tx) error) error {
	switch q := q.(type) {
	case *Tx:
		return fn(q)
	case *DB:
		return q.InTx(ctx, fn)
	}
	return errs.Wrap(fmt.Errorf("store.InTx on %T", q), "transaction")
}

// IsUniqueViolation reports whether err is a unique-constraint violation in
// either dialect.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// ErrNoRows is sql.ErrNoRows, re-exported so domain packages can test for it
// without importing database/sql only for that.
var ErrNoRows = sql.ErrNoRows

// NotFound maps sql.ErrNoRows to a NotFound error with the given message and
// wraps anything else as Internal.
func NotFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Errorf(errs.NotFound, format, args...)
	}
	return errs.Wrap(err, fmt.Sprintf(format, args...))
}

// Millis converts an instant to the stored form: UTC Unix milliseconds.
// Instants are stored as BIGINT milliseconds in both dialects so that they
// compare, sort and index the same everywhere.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// FromMillis converts a stored instant back to a UTC time.
func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
