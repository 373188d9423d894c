package store

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/qinqing/qinqing/internal/errs"
)

// eventChannel is the PostgreSQL NOTIFY channel of change events.
const eventChannel = "qinqing_events"

// Events tells every instance of the platform that something changed, so
// that in-memory caches (the working-day calendar, the enterprise snapshot)
// reload. On SQLite there is one process and events are delivered in it at
// once; on PostgreSQL they travel through LISTEN/NOTIFY and reach every
// instance, the publishing one included, within milliseconds.
//
// A subscriber must be idempotent: an event says "reload", never "apply
// this delta", so a duplicate or a reconnect costs a reload and nothing else.
type Events struct {
	db  *DB
	log *slog.Logger

	mu      sync.RWMutex
	subs    map[string][]func(payload string)
	readyCh chan struct{}
}

// NewEvents returns the event bus of db.
func NewEvents(db *DB, log *slog.Logger) *Events {
	e := &Events{db: db, log: log, subs: map[string][]func(string){}, readyCh: make(chan struct{})}
	if db.Dialect() != Postgres {
		close(e.readyCh)
	}
	return e
}

// Subscribe registers fn for events on topic. Call before Run.
func (e *Events) Subscribe(topic string, fn func(payload string)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.subs[topic] = append(e.subs[topic], fn)
}

// Publish announces a change on topic. Call it after the change committed.
func (e *Events) Publish(ctx context.Context, topic, payload string) error {
	if strings.Contains(topic, ":") {
		return errs.Wrap(errs.Errorf(errs.Invalid, "topic %q contains ':'", topic), "publish")
	}
	if e.db.Dialect() != Postgres {
		e.deliver(topic, payload)
		return nil
	}
	_, err := e.db.ExecContext(ctx, `SELECT pg_notify(?, ?)`, eventChannel, topic+":"+payload)
	return errs.Wrap(err, "publish event")
}

func (e *Events) deliver(topic, payload string) {
	e.mu.RLock()
	fns := e.subs[topic]
	e.mu.RUnlock()
	for _, fn := range fns {
		fn(payload)
	}
}

// Run listens for events from other instances until ctx ends. On SQLite it
// just waits. On PostgreSQL it keeps one dedicated connection, reconnecting
// with backoff; after each (re)connect it delivers a "reconnect" to every
// topic, since events may have been missed meanwhile.
func (e *Events) Run(ctx context.Context) error {
	if e.db.Dialect() != Postgres {
		<-ctx.Done()
		return nil
	}
	backoff := 100 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		err := e.listen(ctx, !first)
		first = false
		if ctx.Err() != nil {
			return nil
		}
		e.log.Warn("event listener disconnected; reconnecting", "err", err, "after", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		if backoff < 10*time.Second {
			backoff *= 2
		}
	}
	return nil
}

func (e *Events) listen(ctx context.Context, replay bool) error {
	conn, err := pgx.Connect(ctx, e.db.RawDSN())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+eventChannel); err != nil {
		return err
	}
	if replay {
		e.mu.RLock()
		topics := make([]string, 0, len(e.subs))
		for t := range e.subs {
			topics = append(topics, t)
		}
		e.mu.RUnlock()
		for _, t := range topics {
			e.deliver(t, "reconnect")
		}
	}
	e.ready()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		topic, payload, _ := strings.Cut(n.Payload, ":")
		e.deliver(topic, payload)
	}
}

// ready marks the listener as subscribed.
func (e *Events) ready() {
	e.mu.Lock()
	defer e.mu.Unlock()
	select {
	case <-e.readyCh:
	default:
		close(e.readyCh)
	}
}

// Ready returns a channel closed once events from other instances are being
// received (at once on SQLite).
func (e *Events) Ready() <-chan struct{} {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.readyCh
}
