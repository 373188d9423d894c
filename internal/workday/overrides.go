package workday

import (
	"context"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/paging"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// OverrideFilter pages the overrides.
type OverrideFilter struct {
	Limit  int // paging.Clamp: default 50, at most 500
	Offset int
}

// FindOverrides returns one page of the overrides, by date, and how many
// there are. Everyone signed in may read them. Errors: Unauthenticated.
func (s *Overrides) FindOverrides(ctx context.Context, a *auth.Actor, f OverrideFilter) ([]Override, int, error) {
	if err := auth.Authenticated(a); err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM workday_overrides`).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count overrides")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	list, err := findOverrides(ctx, s.DB, ` LIMIT ? OFFSET ?`, limit, offset)
	return list, total, err
}

// findOverrides reads the overrides by date (page: a LIMIT clause or "").
func findOverrides(ctx context.Context, q store.Querier, page string, args ...any) ([]Override, error) {
	rows, err := q.QueryContext(ctx, `SELECT date, workday, note FROM workday_overrides ORDER BY date`+page, args...)
	if err != nil {
		return nil, errs.Wrap(err, "find overrides")
	}
	defer rows.Close()
	out := []Override{}
	for rows.Next() {
		var o Override
		if err := rows.Scan(&o.Date, &o.Workday, &o.Note); err != nil {
			return nil, errs.Wrap(err, "scan override")
		}
		out = append(out, o)
	}
	return out, errs.Wrap(rows.Err(), "find overrides")
}

// LoadOverrides replaces cal's overrides with those stored in the database.
func LoadOverrides(ctx context.Context, q store.Querier, cal *Calendar) error {
	ovs, err := findOverrides(ctx, q, "")
	if err != nil {
		return err
	}
	return cal.SetOverrides(ovs)
}

// Topic is the change-event topic on which every instance reloads its
// calendar's overrides.
const Topic = "calendar"

// Overrides stores administrators' overrides and keeps every instance's
// calendar current: it applies a change to Calendar at once and announces it
// on Events for the other instances.
type Overrides struct {
	DB *store.DB
	OverridesOptions
}

// OverridesOptions are the dependencies of Overrides.
type OverridesOptions struct {
	Audit    *audit.Log
	Calendar *Calendar
	Events   *store.Events
	Now      func() time.Time
}

// NewOverrides returns the calendar's overrides on db.
func NewOverrides(db *store.DB, opts OverridesOptions) *Overrides {
	return &Overrides{DB: db, OverridesOptions: opts}
}

// Save stores (or replaces) the override for o.Date, records it in the
// audit log and applies it everywhere. The office may call it
// (auth.ManageCalendar). Errors: Unauthenticated, Forbidden; Invalid for a
// date outside the calendar's range or a long note.
func (s *Overrides) Save(ctx context.Context, a *auth.Actor, o Override) error {
	if err := auth.AuthorizeSome(a, auth.ManageCalendar); err != nil {
		return err
	}
	if y := o.Date.Year(); y < minYear || y > maxYear {
		return errs.FieldErrorf("date", "日期 %s 超出日历范围（%d–%d年）", o.Date, minYear, maxYear)
	}
	if len([]rune(o.Note)) > 200 {
		return errs.FieldErrorf("note", "说明最多200字")
	}
	who := audit.ActorOf(ctx)
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		before := s.Calendar.Info(o.Date)
		if _, err := tx.ExecContext(ctx, `INSERT INTO workday_overrides (date, workday, note, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (date) DO UPDATE SET workday = excluded.workday, note = excluded.note, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			o.Date, o.Workday, o.Note, who.UserID, store.Millis(s.Now())); err != nil {
			return errs.Wrap(err, "save override")
		}
		return s.Audit.Record(ctx, tx, "workday", o.Date.String(), "override", before, o)
	})
	if err != nil {
		return err
	}
	return s.changed(ctx)
}

// changed reloads this instance's calendar and tells the others.
func (s *Overrides) changed(ctx context.Context) error {
	if err := LoadOverrides(ctx, s.DB, s.Calendar); err != nil {
		return err
	}
	return s.Events.Publish(ctx, Topic, "")
}

// Delete removes the override for d, returning the date to the official
// table everywhere. The office may call it (auth.ManageCalendar). Errors:
// Unauthenticated, Forbidden, NotFound.
func (s *Overrides) Delete(ctx context.Context, a *auth.Actor, d Date) error {
	if err := auth.AuthorizeSome(a, auth.ManageCalendar); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM workday_overrides WHERE date = ?`, d)
		if err != nil {
			return errs.Wrap(err, "delete override")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Errorf(errs.NotFound, "%s 没有调整记录", d.Chinese())
		}
		return s.Audit.Record(ctx, tx, "workday", d.String(), "override.delete", nil, nil)
	})
	if err != nil {
		return err
	}
	return s.changed(ctx)
}
