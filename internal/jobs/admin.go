package jobs

import (
	"context"
	"github.com/qinqing/qinqing/internal/paging"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// List returns the jobs matching f, newest first, and how many match in
// all, for the jobs pages and for domains that look for their own queued
// work. The runner sits below auth (auth registers its jobs here), so it
// cannot take an actor: the jobs pages reach it only through routes that
// require auth.ViewJobs. Errors: Invalid for an unknown status; Internal on
// a database error.
func (r *Runner) List(ctx context.Context, f JobFilter) ([]Job, int, error) {
	var where []string
	var args []any
	if f.Status != "" {
		if !f.Status.Valid() {
			return nil, 0, errs.FieldErrorf("status", "未知的任务状态：%s", f.Status)
		}
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := r.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs`+cond, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count jobs")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	rows, err := r.db.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs`+cond+` ORDER BY id DESC LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list jobs")
	}
	defer rows.Close()
	list := []Job{}
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "list jobs")
		}
		list = append(list, *j)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, errs.Wrap(err, "list jobs")
	}
	return list, total, nil
}

// FindJobByID returns the job id, for the jobs pages (routes that require
// auth.ViewJobs, as for List) and for the domain that follows the progress
// of its own job. Errors: NotFound if there is no such job; Internal on a
// database error.
func (r *Runner) FindJobByID(ctx context.Context, id int64) (*Job, error) {
	j, err := scanJob(r.db.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
	if err != nil {
		return nil, store.NotFound(err, "后台任务 %d 不存在", id)
	}
	return j, nil
}

// Retry queues the failed job id again, due now, with a fresh count of
// attempts; its last error stays until the next attempt. Pass a *store.Tx
// as q to retry inside the caller's transaction, or the *store.DB. For
// administrators, and for a domain that retries its own work. Errors:
// NotFound if there is no such job; Conflict if the job has not failed;
// Internal on a database error.
func (r *Runner) Retry(ctx context.Context, q store.Querier, id int64) error {
	now := store.Millis(r.now())
	res, err := q.ExecContext(ctx, `UPDATE jobs SET status = 'queued', attempts = 0, run_at = ?, lease_until = NULL,
		locked_by = NULL, updated_at = ? WHERE id = ? AND status = 'failed'`, now, now, id)
	if err != nil {
		return errs.Wrap(err, "retry job")
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	j, err := r.FindJobByID(ctx, id)
	if err != nil {
		return err
	}
	return errs.Errorf(errs.Conflict, "后台任务 %d 状态为「%s」，只有失败的任务可以重试", id, j.Status.Label())
}

// Counts returns how many jobs are in each status (every status present,
// zero included), for /metrics and the admin page. Errors: Internal on a
// database error.
func (r *Runner) Counts(ctx context.Context) (map[Status]int, error) {
	counts := map[Status]int{}
	for _, s := range Statuses() {
		counts[s] = 0
	}
	rows, err := r.db.QueryContext(ctx, `SELECT status, COUNT(*) FROM jobs GROUP BY status`)
	if err != nil {
		return nil, errs.Wrap(err, "count jobs")
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, errs.Wrap(err, "count jobs")
		}
		counts[Status(s)] = n
	}
	return counts, errs.Wrap(rows.Err(), "count jobs")
}

// Prune deletes done jobs last updated before before and returns how many
// it deleted. A unique key dedupes only while its job is kept, so the
// retention must outlast every dedupe window callers rely on (a schedule's
// periods need none: its next_run_at has moved on). For a periodic
// housekeeping job. Errors: Internal on a database error.
func (r *Runner) Prune(ctx context.Context, before time.Time) (int64, error) {
	res, err := r.db.ExecContext(ctx, `DELETE FROM jobs WHERE status = 'done' AND updated_at < ?`,
		store.Millis(before))
	if err != nil {
		return 0, errs.Wrap(err, "prune jobs")
	}
	n, _ := res.RowsAffected()
	return n, nil
}
