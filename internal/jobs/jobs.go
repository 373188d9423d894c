// Package jobs runs background work with leases in the database, so that
// several server instances on one PostgreSQL share a queue without a broker:
// an instance claims a job by moving it to "running" with a lease (an instant
// until which the job is its own) and renews the lease while the handler
// runs. A job whose lease runs out (its instance died) is reclaimed by any
// instance as a failed attempt. Failed attempts are retried with exponential
// backoff until the job's max_attempts, then the job is marked failed for an
// administrator to look at and retry.
//
// Periodic work is described by schedules (job_schedules): each period's job
// is enqueued by exactly one instance, guarded by a conditional UPDATE on the
// schedule's next_run_at and by a unique key per period.
//
// On SQLite every write goes through the single writer connection, which
// serializes claims; on PostgreSQL claims use FOR UPDATE SKIP LOCKED.
package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"time"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// Status is the state of a job.
type Status string

// The job states. A job is queued until a runner claims it, running while a
// handler holds its lease, and then done, queued again (to retry) or failed.
const (
	Queued  Status = "queued"
	Running Status = "running"
	Done    Status = "done"
	Failed  Status = "failed"
)

// Statuses returns every status in display order.
func Statuses() []Status { return []Status{Queued, Running, Done, Failed} }

// Label returns the status's Chinese label.
func (s Status) Label() string {
	switch s {
	case Queued:
		return "排队中"
	case Running:
		return "运行中"
	case Done:
		return "已完成"
	case Failed:
		return "失败"
	}
	return "未知"
}

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	switch s {
	case Queued, Running, Done, Failed:
		return true
	}
	return false
}

// Defaults for Options and EnqueueOption.
const (
	DefaultLease       = time.Minute
	DefaultPoll        = time.Second
	DefaultConcurrency = 2
	DefaultMaxAttempts = 5
)

// Handler runs one job. A nil error marks the job done; any other error (or
// a panic) is a failed attempt, retried with backoff unless it was the last
// attempt or the error is wrapped with Permanent. The context is cancelled
// when the runner loses the job's lease or is stopped without waiting.
type Handler func(ctx context.Context, j *Job) error

// Job is one unit of background work as stored in the jobs table.
type Job struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	Payload     json.RawMessage `json:"payload"`
	UniqueKey   string          `json:"unique_key,omitempty"`
	Status      Status          `json:"status"`
	RunAt       time.Time       `json:"run_at"`
	Attempts    int             `json:"attempts"`
	MaxAttempts int             `json:"max_attempts"`
	LeaseUntil  *time.Time      `json:"lease_until,omitempty"`
	LockedBy    string          `json:"locked_by,omitempty"`
	LastError   string          `json:"last_error,omitempty"`
	// LastProgress is the progress the handler last reported, if any.
	LastProgress *Progress `json:"progress,omitempty"`
	// EnqueuedBy names who enqueued the job (a username or "token:NAME");
	// empty for the system. The handler runs as that actor.
	EnqueuedBy   string `json:"enqueued_by,omitempty"`
	EnqueuedByID *int64 `json:"enqueued_by_id,omitempty"`
	// Lane is Interactive or Bulk (see Lane).
	Lane      Lane      `json:"lane"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// Set on a job handed to a Handler; nil on jobs read by List.
	r         *Runner
	lastWrite time.Time
}

// Progress is a running job's report of how far it has got, stored as JSON
// in jobs.progress so that a page can draw a progress bar.
type Progress struct {
	Done  int64     `json:"done"`
	Total int64     `json:"total"`
	Note  string    `json:"note,omitempty"`
	At    time.Time `json:"at"`
}

// Percent returns Done as a percentage of Total (0 to 100), or -1 when the
// total is unknown.
func (p Progress) Percent() float64 {
	if p.Total <= 0 {
		return -1
	}
	f := float64(p.Done) * 100 / float64(p.Total)
	return max(0, min(100, f))
}

// progressEvery is the shortest interval between two progress writes of one
// job; reports in between are dropped, except the final one (done ≥ total).
const progressEvery = time.Second

// Progress records how far the job has got — done of total items, with an
// optional note ("正在导入第 3 个文件") — and renews the job's lease. Only a
// handler may call it, on the job it was given. Writes are throttled to one
// per second except the final report (done ≥ total). Errors: Conflict if the
// runner no longer holds the job's lease (the handler should stop), Internal
// on a database error. On SQLite it writes through the writer connection, so
// it must not be called inside a transaction of the handler's own.
func (j *Job) Progress(ctx context.Context, done, total int64, note string) error {
	if j.r == nil {
		return errs.Errorf(errs.Conflict, "任务 %d 不在运行中，不能报告进度", j.ID)
	}
	now := j.r.now()
	if !j.lastWrite.IsZero() && now.Sub(j.lastWrite) < progressEvery && (total <= 0 || done < total) {
		return nil
	}
	p := Progress{Done: done, Total: total, Note: truncate(note, 500), At: now.UTC()}
	b, err := json.Marshal(p)
	if err != nil {
		return errs.Wrap(err, "encode progress")
	}
	res, err := j.r.db.ExecContext(ctx, `UPDATE jobs SET progress = ?, lease_until = ?, updated_at = ?
		WHERE id = ? AND status = 'running' AND locked_by = ? AND attempts = ?`,
		string(b), store.Millis(now.Add(j.r.lease)), store.Millis(now), j.ID, j.LockedBy, j.Attempts)
	if err != nil {
		return errs.Wrap(err, "write job progress")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errLeaseLost(j.ID)
	}
	j.lastWrite = now
	j.LastProgress = &p
	return nil
}

func errLeaseLost(id int64) error {
	return errs.Errorf(errs.Conflict, "任务 %d 的租约已失效（可能已被其他实例接手），本次结果不予记录", id)
}

// permanentError marks a handler error that must not be retried.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so that the runner marks the job failed at once
// instead of retrying it — for errors a retry cannot fix, such as a payload
// that does not decode.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was wrapped with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// DefaultBackoff returns how long a job waits before its next attempt after
// its attempts-th attempt failed: 10 s · 2^(attempts-1), capped at one hour,
// plus a jitter of up to 10 % derived from the job id and attempt, so that
// jobs failing together (a webhook receiver down) do not retry together, and
// a test that moves the clock still sees the same delay every run.
func DefaultBackoff(jobID int64, attempts int) time.Duration {
	const base, ceiling = 10 * time.Second, time.Hour
	d := ceiling
	if attempts < 1 {
		attempts = 1
	}
	if attempts <= 20 {
		d = min(ceiling, base<<(attempts-1))
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d", jobID, attempts)
	jitter := time.Duration(h.Sum64()%uint64(d/10/time.Millisecond+1)) * time.Millisecond
	return d + jitter
}

// Lane says how a job is queued against others; it belongs to the job's
// kind (RegisterBulk). Interactive jobs — the default — are claimed before
// any bulk job that is due, and a runner keeps one of its slots for them,
// so that an import, a grant list, an export or a reminder never waits
// behind a flood of deliveries. Register as bulk the kinds there can be
// many jobs of per event, or that fan out to many, and that nobody is
// waiting on: notification deliveries, policy pushes. Within a lane, jobs
// are claimed by run_at, then id.
type Lane int

// The lanes.
const (
	Interactive Lane = 0
	Bulk        Lane = 1
)

// String names the lane: interactive or bulk.
func (l Lane) String() string {
	if l == Bulk {
		return "bulk"
	}
	return "interactive"
}

// Options configure a Runner. The zero value is usable.
type Options struct {
	// Worker identifies this runner in jobs.locked_by; default host:pid.
	Worker string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives job failures and panics; default slog.Default().
	Logger *slog.Logger
	// Lease is how long a claimed job belongs to this runner without renewal;
	// default one minute. A running handler renews it every Lease/3.
	Lease time.Duration
	// Poll is how often Start's loop looks for due jobs and schedules;
	// default one second.
	Poll time.Duration
	// Concurrency is how many handlers Start runs at once; default 2.
	// Bulk jobs take at most Concurrency-1 of them (at least one), so that
	// one is always free for interactive work.
	Concurrency int
	// Backoff says how long to wait before retrying a job after its
	// attempts-th failed attempt; default DefaultBackoff.
	Backoff func(jobID int64, attempts int) time.Duration
}

// EnqueueOption changes how Enqueue stores a job.
type EnqueueOption func(*enqueueOptions)

type enqueueOptions struct {
	runAt       time.Time
	uniqueKey   string
	maxAttempts int
}

// RunAt delays the job until t (default: now).
func RunAt(t time.Time) EnqueueOption { return func(o *enqueueOptions) { o.runAt = t } }

// UniqueKey makes Enqueue a no-op returning the existing job's id when a job
// with the same key already exists, whatever its status: the key names a
// piece of work that must happen once ("report.monthly:2025-03").
func UniqueKey(key string) EnqueueOption { return func(o *enqueueOptions) { o.uniqueKey = key } }

// MaxAttempts sets how many times the job is tried before it is marked
// failed (default 5).
func MaxAttempts(n int) EnqueueOption { return func(o *enqueueOptions) { o.maxAttempts = n } }

// JobFilter selects jobs for List. Zero fields do not filter.
type JobFilter struct {
	Status Status
	Kind   string
	Limit  int // paging.Clamp: default 50, at most 500
	Offset int
}

const jobColumns = `id, kind, payload, unique_key, status, run_at, attempts, max_attempts,
	lease_until, locked_by, last_error, progress, created_at, updated_at, enqueued_by, enqueued_by_id, lane`

type rowScanner interface{ Scan(dest ...any) error }

func scanJob(s rowScanner) (*Job, error) {
	var (
		j                              Job
		payload                        string
		uniqueKey, lockedBy, lastError sql.NullString
		enqueuedBy                     sql.NullString
		progress                       sql.NullString
		leaseUntil                     sql.NullInt64
		runAt, createdAt, updatedAt    int64
		status                         string
	)
	if err := s.Scan(&j.ID, &j.Kind, &payload, &uniqueKey, &status, &runAt, &j.Attempts, &j.MaxAttempts,
		&leaseUntil, &lockedBy, &lastError, &progress, &createdAt, &updatedAt, &enqueuedBy, &j.EnqueuedByID, &j.Lane); err != nil {
		return nil, err
	}
	j.Payload = json.RawMessage(payload)
	j.UniqueKey = uniqueKey.String
	j.Status = Status(status)
	j.RunAt = store.FromMillis(runAt)
	if leaseUntil.Valid {
		t := store.FromMillis(leaseUntil.Int64)
		j.LeaseUntil = &t
	}
	j.LockedBy = lockedBy.String
	j.EnqueuedBy = enqueuedBy.String
	j.LastError = lastError.String
	if progress.Valid && progress.String != "" {
		var p Progress
		if json.Unmarshal([]byte(progress.String), &p) == nil {
			j.LastProgress = &p
		}
	}
	j.CreatedAt = store.FromMillis(createdAt)
	j.UpdatedAt = store.FromMillis(updatedAt)
	return &j, nil
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// defaultWorker names this process; the random suffix tells apart two
// runners in one process.
func defaultWorker() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "qinqing"
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
