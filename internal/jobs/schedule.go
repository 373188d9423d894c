package jobs

import (
	"context"
	"strconv"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// ScheduleInfo is a periodic job as stored in job_schedules.
type ScheduleInfo struct {
	Name      string        `json:"name"`
	Kind      string        `json:"kind"`
	Every     time.Duration `json:"every"`
	NextRunAt time.Time     `json:"next_run_at"`
}

// Period is a periodic job a service runs: the schedule's name, the job
// kind it enqueues and how often. A service lists its own in a Schedules
// method; internal/app schedules every service's at start-up.
type Period struct {
	Name  string
	Kind  string
	Every time.Duration
}

// ScheduledPayload is the payload of a job enqueued by a schedule: the
// schedule's name and the start of the period the job is for. Handlers of
// scheduled kinds decode it to know which period to work on.
type ScheduledPayload struct {
	Schedule string    `json:"schedule"`
	Period   time.Time `json:"period"`
}

// Schedule creates or updates the periodic schedule name, which enqueues a
// job of kind once per period of length every. Periods are aligned to
// multiples of every since the Unix epoch (UTC); a new schedule's first
// period is the current one, so its first job is due at once. Updating an
// existing schedule changes its kind and period but not its next run, so
// every instance may call Schedule at start-up. For the server's start-up
// code. Errors: Invalid for an empty name or kind or a period under one
// second; Internal on a database error.
func (r *Runner) Schedule(ctx context.Context, name, kind string, every time.Duration) error {
	switch {
	case name == "":
		return errs.FieldErrorf("name", "计划名称不能为空")
	case kind == "":
		return errs.FieldErrorf("kind", "任务类型不能为空")
	case every < time.Second:
		return errs.FieldErrorf("every", "执行周期至少为 1 秒")
	}
	now, ms := store.Millis(r.now()), every.Milliseconds()
	first := now - now%ms
	_, err := r.db.ExecContext(ctx, `INSERT INTO job_schedules (name, kind, every_ms, next_run_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, every_ms = excluded.every_ms`,
		name, kind, ms, first)
	return errs.Wrap(err, "save schedule "+name)
}

// Unschedule deletes the schedule name; jobs it already enqueued stay. For
// administrators. Errors: NotFound if there is no such schedule; Internal on
// a database error.
func (r *Runner) Unschedule(ctx context.Context, name string) error {
	res, err := r.db.ExecContext(ctx, `DELETE FROM job_schedules WHERE name = ?`, name)
	if err != nil {
		return errs.Wrap(err, "delete schedule")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.Errorf(errs.NotFound, "定时任务 %s 不存在", name)
	}
	return nil
}

// Schedules returns every schedule by name, for the admin page. Errors:
// Internal on a database error.
func (r *Runner) Schedules(ctx context.Context) ([]ScheduleInfo, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT name, kind, every_ms, next_run_at FROM job_schedules ORDER BY name`)
	if err != nil {
		return nil, errs.Wrap(err, "list schedules")
	}
	defer rows.Close()
	var list []ScheduleInfo
	for rows.Next() {
		var s ScheduleInfo
		var every, next int64
		if err := rows.Scan(&s.Name, &s.Kind, &every, &next); err != nil {
			return nil, errs.Wrap(err, "list schedules")
		}
		s.Every, s.NextRunAt = time.Duration(every)*time.Millisecond, store.FromMillis(next)
		list = append(list, s)
	}
	return list, errs.Wrap(rows.Err(), "list schedules")
}

// Tick enqueues one job for each schedule whose next run is due, and
// returns how many jobs this call enqueued. Several instances may tick at the
// same time: each due schedule is advanced by a conditional UPDATE on its
// old next_run_at, in the same transaction as the enqueue, so only the
// instance whose UPDATE matched enqueues; the job's unique key (schedule and
// period) makes a duplicate impossible even so. Missed periods (all
// instances down) are not caught up one by one: the job is for the latest
// period that has begun. Start's loop calls it on every poll. Errors:
// Internal on a database error.
func (r *Runner) Tick(ctx context.Context) (int, error) {
	now := r.now()
	due, err := r.dueSchedules(ctx, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range due {
		every := s.Every.Milliseconds()
		old := store.Millis(s.NextRunAt)
		// The latest period start at or before now, and the one after it.
		period := old + (store.Millis(now)-old)/every*every
		next := period + every
		enqueued := false
		err := r.db.InTx(ctx, func(tx *store.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE job_schedules SET next_run_at = ? WHERE name = ? AND next_run_at = ?`,
				next, s.Name, old)
			if err != nil {
				return err
			}
			if k, err := res.RowsAffected(); err != nil || k != 1 {
				return err // another instance advanced it
			}
			_, err = r.Enqueue(ctx, tx, s.Kind,
				ScheduledPayload{Schedule: s.Name, Period: store.FromMillis(period)},
				UniqueKey("schedule:"+s.Name+":"+strconv.FormatInt(period, 10)),
				RunAt(store.FromMillis(period)))
			enqueued = err == nil
			return err
		})
		if err != nil {
			return n, errs.Wrap(err, "tick schedule "+s.Name)
		}
		if enqueued {
			n++
		}
	}
	return n, nil
}

func (r *Runner) dueSchedules(ctx context.Context, now time.Time) ([]ScheduleInfo, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT name, kind, every_ms, next_run_at FROM job_schedules
		WHERE next_run_at <= ? ORDER BY next_run_at, name`, store.Millis(now))
	if err != nil {
		return nil, errs.Wrap(err, "find due schedules")
	}
	defer rows.Close()
	var due []ScheduleInfo
	for rows.Next() {
		var s ScheduleInfo
		var every, next int64
		if err := rows.Scan(&s.Name, &s.Kind, &every, &next); err != nil {
			return nil, errs.Wrap(err, "find due schedules")
		}
		if every <= 0 {
			continue
		}
		s.Every, s.NextRunAt = time.Duration(every)*time.Millisecond, store.FromMillis(next)
		due = append(due, s)
	}
	return due, errs.Wrap(rows.Err(), "find due schedules")
}
