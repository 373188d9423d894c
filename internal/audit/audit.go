// Package audit keeps the append-only log of every state change: who, when,
// which entity, what action, the state before and after, and the request.
package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"github.com/qinqing/qinqing/internal/paging"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

type ctxKey int

const (
	actorKey ctxKey = iota
	requestKey
)

// Who identifies the actor of a change: a user, an API token, or the system.
type Who struct {
	UserID *int64
	Name   string // username, "token:NAME" or "system"
}

// WithActor returns ctx carrying the actor that changes made under it are
// attributed to.
func WithActor(ctx context.Context, w Who) context.Context {
	return context.WithValue(ctx, actorKey, w)
}

// System is the name of the actor of changes no person or token made.
const System = "system"

// ActorOf returns the actor carried by ctx, or System.
func ActorOf(ctx context.Context) Who {
	if w, ok := ctx.Value(actorKey).(Who); ok {
		return w
	}
	return Who{Name: System}
}

// WithRequestID returns ctx carrying a request id for log correlation.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestKey, id)
}

// RequestID returns the request id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestKey).(string)
	return s
}

// Entry is one audit record.
type Entry struct {
	ID        int64           `json:"id"`
	At        time.Time       `json:"at"`
	ActorID   *int64          `json:"actor_id"`
	Actor     string          `json:"actor"`
	Entity    string          `json:"entity"`
	EntityID  string          `json:"entity_id"`
	Action    string          `json:"action"`
	Before    json.RawMessage `json:"before,omitempty"`
	After     json.RawMessage `json:"after,omitempty"`
	RequestID string          `json:"request_id"`
}

// Log writes and reads the audit log.
type Log struct {
	DB  *store.DB
	Now func() time.Time
}

// Record appends an entry for a change of entity/entityID made by the actor
// in ctx. It runs on q so that it commits or rolls back with the change it
// records. before and after are marshalled to JSON (nil for none).
func (l *Log) Record(ctx context.Context, q store.Querier, entity, entityID, action string, before, after any) error {
	w := ActorOf(ctx)
	b, err := marshal(before)
	if err != nil {
		return err
	}
	a, err := marshal(after)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, actor, entity, entity_id, action, before, after, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		store.Millis(l.Now()), w.UserID, w.Name, entity, entityID, action, b, a, RequestID(ctx))
	return errs.Wrap(err, "record audit")
}

// Change is one entry of RecordMany.
type Change struct {
	Entity, EntityID, Action string
	Before, After            any
}

// RecordMany appends one entry per change, all made by the actor in ctx at
// the same moment, with multi-row statements: for a state change of many
// records at once (a grant list approved, a bank file imported), where an
// entry per record is still wanted. It runs on q like Record.
func (l *Log) RecordMany(ctx context.Context, q store.Querier, changes []Change) error {
	w := ActorOf(ctx)
	at, req := store.Millis(l.Now()), RequestID(ctx)
	const chunk = 100 // 9 values a row: well under both databases' limits
	args := make([]any, 0, 9*chunk)
	for start := 0; start < len(changes); start += chunk {
		part := changes[start:min(start+chunk, len(changes))]
		args = args[:0]
		for _, c := range part {
			b, err := marshal(c.Before)
			if err != nil {
				return err
			}
			a, err := marshal(c.After)
			if err != nil {
				return err
			}
			args = append(args, at, w.UserID, w.Name, c.Entity, c.EntityID, c.Action, b, a, req)
		}
		_, err := q.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, actor, entity, entity_id, action, before, after, request_id) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(part)), ", "), args...)
		if err != nil {
			return errs.Wrap(err, "record audit")
		}
	}
	return nil
}

func marshal(v any) (*string, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, errs.Wrap(err, "marshal audit state")
	}
	s := string(b)
	return &s, nil
}

// Filter selects audit entries; zero fields do not filter.
type Filter struct {
	Entity   string
	EntityID string
	Actor    string
	Action   string
	From, To time.Time
	Limit    int
	Offset   int
}

// Find returns the entries matching f, newest first, and the total count.
// The log sits below auth (auth records its changes here), so it cannot take
// an actor: it is read only through the routes that require auth.ViewAudit.
func (l *Log) Find(ctx context.Context, f Filter) ([]Entry, int, error) {
	var where []string
	var args []any
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if f.Entity != "" {
		add("entity = ?", f.Entity)
	}
	if f.EntityID != "" {
		add("entity_id = ?", f.EntityID)
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if !f.From.IsZero() {
		add("at >= ?", store.Millis(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", store.Millis(f.To))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := l.DB.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_log"+cond, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count audit")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	rows, err := l.DB.QueryContext(ctx, `SELECT id, at, actor_id, actor, entity, entity_id, action, before, after, request_id
		FROM audit_log`+cond+` ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find audit")
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at int64
		var before, after sql.NullString
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.Actor, &e.Entity, &e.EntityID, &e.Action, &before, &after, &e.RequestID); err != nil {
			return nil, 0, errs.Wrap(err, "scan audit")
		}
		e.At = store.FromMillis(at)
		if before.Valid {
			e.Before = json.RawMessage(before.String)
		}
		if after.Valid {
			e.After = json.RawMessage(after.String)
		}
		out = append(out, e)
	}
	return out, total, errs.Wrap(rows.Err(), "find audit")
}
