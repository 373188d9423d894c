package appeal

import (
	"context"
	"fmt"
	"sync"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// intakeBatch groups the intakes that arrive together on SQLite into one
// writer transaction (group commit). SQLite has one writer: intakes wait
// for it one after the other anyway, and each of them paid a commit of
// its own — the appeal's pages, its indexes', the events', audit's,
// notices' and statistics' pages written to the WAL once per intake. The
// first intake to find no transaction running leads: it takes every
// intake queued so far (at most maxBatch), runs each inside a savepoint
// of one transaction — a refused or failed intake rolls back to its
// savepoint and the others go on — commits, and hands the lead to the
// first intake queued meanwhile. Every intake learns its outcome only
// after the shared commit, so an acknowledged appeal is a committed one.
// PostgreSQL commits concurrent transactions in parallel and needs none.
type intakeBatch struct {
	mu      sync.Mutex
	queue   []*batched
	running bool
}

// batched is one intake waiting in the batch.
type batched struct {
	ctx  context.Context
	fn   func(tx *store.Tx) error
	err  error
	done chan struct{} // closed once err is final
	lead chan struct{} // closed when this intake is to lead the next batch
}

// maxBatch bounds the intakes of one transaction.
const maxBatch = 64

// fileTx runs fn, an intake's writes, in a transaction: a batch shared
// with the intakes arriving meanwhile on SQLite, one of its own on
// PostgreSQL. Errors: fn's; the commit's.
func (s *Service) fileTx(ctx context.Context, fn func(tx *store.Tx) error) error {
	if s.db.Dialect() != store.SQLite {
		return s.inTx(ctx, fn)
	}
	b := &s.batch
	it := &batched{ctx: ctx, fn: fn, done: make(chan struct{}), lead: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, it)
	leads := !b.running
	b.running = true
	b.mu.Unlock()
	if !leads {
		select {
		case <-it.done:
			return it.err
		case <-it.lead:
		}
	}
	b.mu.Lock()
	n := min(len(b.queue), maxBatch)
	batch := b.queue[:n:n]
	b.queue = b.queue[n:]
	b.mu.Unlock()
	s.runBatch(batch)
	b.mu.Lock()
	if len(b.queue) > 0 {
		close(b.queue[0].lead)
	} else {
		b.running = false
		b.queue = nil
	}
	b.mu.Unlock()
	return it.err
}

// runBatch runs the intakes of batch in one transaction, each in a
// savepoint, and ends each with its outcome.
func (s *Service) runBatch(batch []*batched) {
	defer func() {
		for _, it := range batch {
			close(it.done)
		}
	}()
	// The transaction is everyone's: the leader's request going away must
	// not roll back the others'.
	ctx := context.WithoutCancel(batch[0].ctx)
	err := s.inTx(ctx, func(tx *store.Tx) error {
		if len(batch) == 1 {
			batch[0].err = guard(tx, batch[0])
			return batch[0].err
		}
		for _, it := range batch {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT intake`); err != nil {
				return errs.Wrap(err, "savepoint")
			}
			if it.err = guard(tx, it); it.err != nil {
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO intake`); err != nil {
					return errs.Wrap(err, "roll back to savepoint")
				}
			}
			if _, err := tx.ExecContext(ctx, `RELEASE intake`); err != nil {
				return errs.Wrap(err, "release savepoint")
			}
		}
		return nil
	})
	if err != nil {
		// Nothing was committed: an intake that went through is not
		// filed after all.
		for _, it := range batch {
			if it.err == nil {
				it.err = err
			}
		}
	}
}

// guard runs one intake's writes, a panic becoming its error so that the
// others of the batch are not left waiting.
func guard(tx *store.Tx, it *batched) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errs.Errorf(errs.Internal, "受理失败：%v", fmt.Sprint(p))
		}
	}()
	if it.ctx.Err() != nil {
		return errs.Errorf(errs.Unavailable, "服务繁忙，请稍后重试")
	}
	return it.fn(tx)
}
