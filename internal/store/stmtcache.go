package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps a SQLite pool's statements prepared, by their text.
// Without it SQLite parses every statement afresh on every call (a quarter
// of an appeal intake's CPU went to the parser); database/sql keeps a
// prepared *sql.Stmt per connection of its pool, so each connection parses
// a text once. PostgreSQL needs none: pgx caches its statements per
// connection itself.
//
// The writer has one connection, held by a transaction from its begin to
// its end, so a text first met inside a transaction cannot be prepared on
// the pool there and then: it runs unprepared, and is prepared at the
// start of the next transaction (prepareWanted), before that one takes the
// connection.
type stmtCache struct {
	pool   *sql.DB
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	wanted map[string]bool
}

// Bounds of the cache: texts longer than maxCachedText (multi-row VALUES
// lists of imports, which vary with their chunk) are never kept, and once
// the cache holds maxCachedStmts texts the others run unprepared. (A kept
// statement is never closed before the database: a transaction may be
// about to bind it.)
const (
	maxCachedText  = 4 << 10
	maxCachedStmts = 512
)

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, stmts: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// lookup returns the prepared statement of q, or nil, noting q to be
// prepared by the next prepareWanted.
func (c *stmtCache) lookup(q string) *sql.Stmt {
	if c == nil || len(q) > maxCachedText {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stmts[q]
	if st == nil && len(c.stmts)+len(c.wanted) < maxCachedStmts {
		c.wanted[q] = true
	}
	return st
}

// get returns the prepared statement of q, preparing it on the pool when
// it is not yet: only outside a transaction of the writer. It returns nil
// when q is not to be kept or does not prepare (the caller runs it
// unprepared, so that its error is the statement's own).
func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	if c == nil || len(q) > maxCachedText {
		return nil
	}
	c.mu.Lock()
	st := c.stmts[q]
	c.mu.Unlock()
	if st != nil {
		return st
	}
	c.mu.Lock()
	full := len(c.stmts) >= maxCachedStmts
	c.mu.Unlock()
	if full {
		return nil
	}
	st, err := c.pool.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	return c.keep(q, st)
}

// keep stores st as the statement of q and returns the one kept (nil when
// the cache is full).
func (c *stmtCache) keep(q string, st *sql.Stmt) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.wanted, q)
	if old := c.stmts[q]; old != nil {
		_ = st.Close()
		return old
	}
	if len(c.stmts) >= maxCachedStmts {
		_ = st.Close()
		return nil
	}
	c.stmts[q] = st
	return st
}

// prepareWanted prepares the texts met unprepared inside transactions;
// the writer's connection must be free.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if len(c.wanted) == 0 {
		c.mu.Unlock()
		return
	}
	qs := make([]string, 0, len(c.wanted))
	for q := range c.wanted {
		qs = append(qs, q)
	}
	clear(c.wanted)
	c.mu.Unlock()
	for _, q := range qs {
		if st, err := c.pool.PrepareContext(ctx, q); err == nil {
			c.keep(q, st)
		}
	}
}

// close closes every kept statement.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, s := range c.stmts {
		_ = s.Close()
		delete(c.stmts, k)
	}
}
