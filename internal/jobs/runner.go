package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// Runner claims due jobs from the database and runs their handlers. One
// Runner per server instance; several instances share the queue. Its methods
// are safe for concurrent use.
type Runner struct {
	db          *store.DB
	worker      string
	now         func() time.Time
	log         *slog.Logger
	lease       time.Duration
	poll        time.Duration
	concurrency int
	backoff     func(int64, int) time.Duration

	mu       sync.RWMutex
	handlers map[string]Handler
	bulk     map[string]bool // kinds in the Bulk lane

	life     sync.Mutex // guards the fields below
	stop     chan struct{}
	loopDone chan struct{}
	kill     context.CancelFunc
	inflight sync.WaitGroup
}

// New returns a runner on db with the given options; zero options take
// their defaults. Register handlers, then call Start (server) or RunOnce
// (tests, command-line tools).
func New(db *store.DB, opts Options) *Runner {
	r := &Runner{
		db:          db,
		worker:      opts.Worker,
		now:         opts.Now,
		log:         opts.Logger,
		lease:       opts.Lease,
		poll:        opts.Poll,
		concurrency: opts.Concurrency,
		backoff:     opts.Backoff,
		handlers:    map[string]Handler{},
		bulk:        map[string]bool{},
	}
	if r.worker == "" {
		r.worker = defaultWorker()
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	if r.lease <= 0 {
		r.lease = DefaultLease
	}
	if r.poll <= 0 {
		r.poll = DefaultPoll
	}
	if r.concurrency <= 0 {
		r.concurrency = DefaultConcurrency
	}
	if r.backoff == nil {
		r.backoff = DefaultBackoff
	}
	return r
}

// Worker returns the id this runner writes into jobs.locked_by.
func (r *Runner) Worker() string { return r.worker }

// Register sets the handler for jobs of kind, replacing any earlier one. A
// runner only claims jobs of kinds registered with it. It panics on an empty
// kind or a nil handler, which are programming errors.
func (r *Runner) Register(kind string, h Handler) {
	if kind == "" || h == nil {
		panic("jobs: Register needs a kind and a handler")
	}
	r.mu.Lock()
	r.handlers[kind] = h
	r.mu.Unlock()
}

// RegisterBulk is Register for a kind whose jobs go in the Bulk lane: many
// per event, or fanning out to many, and nobody waiting on them (see
// Lane). Every instance must register a kind the same way, since the lane
// is stored with each job when it is enqueued.
func (r *Runner) RegisterBulk(kind string, h Handler) {
	r.Register(kind, h)
	r.mu.Lock()
	r.bulk[kind] = true
	r.mu.Unlock()
}

// laneOf returns the lane of kind's jobs.
func (r *Runner) laneOf(kind string) Lane {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.bulk[kind] {
		return Bulk
	}
	return Interactive
}

func (r *Runner) handler(kind string) Handler {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.handlers[kind]
}

func (r *Runner) kinds() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ks := make([]string, 0, len(r.handlers))
	for k := range r.handlers {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Enqueue stores a job of kind with payload (encoded as JSON; nil is {}) and
// returns its id. Pass a *store.Tx as q to enqueue inside the caller's
// transaction — the job then exists only if the transaction commits — or the
// *store.DB. With UniqueKey, an existing job with the same key is not
// duplicated and its id is returned. Any domain package may call it. Errors:
// Invalid for an empty kind, a payload that does not encode as JSON or
// MaxAttempts below 1; Internal on a database error.
func (r *Runner) Enqueue(ctx context.Context, q store.Querier, kind string, payload any, opts ...EnqueueOption) (int64, error) {
	now := r.now()
	o := enqueueOptions{runAt: now, maxAttempts: DefaultMaxAttempts}
	for _, opt := range opts {
		opt(&o)
	}
	if kind == "" {
		return 0, errs.FieldErrorf("kind", "任务类型不能为空")
	}
	if o.maxAttempts < 1 {
		return 0, errs.FieldErrorf("max_attempts", "最大尝试次数至少为 1")
	}
	body := []byte("{}")
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			return 0, &errs.Error{Code: errs.Invalid, Field: "payload", Message: "任务参数无法编码为 JSON", Err: err}
		}
		if string(b) != "null" {
			body = b
		}
	}
	var unique any
	if o.uniqueKey != "" {
		unique = o.uniqueKey
	}
	// The job runs as whoever enqueued it (see run).
	var by any
	who := audit.ActorOf(ctx)
	if who.Name != audit.System {
		by = who.Name
	}
	var id int64
	err := store.InTx(ctx, q, func(q *store.Tx) error {
		err := q.QueryRowContext(ctx, `INSERT INTO jobs (kind, payload, unique_key, status, run_at, attempts, max_attempts, created_at, updated_at,
			enqueued_by, enqueued_by_id, lane)
			VALUES (?, ?, ?, 'queued', ?, 0, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (unique_key) DO NOTHING RETURNING id`,
			kind, string(body), unique, store.Millis(o.runAt), o.maxAttempts, store.Millis(now), store.Millis(now), by, who.UserID, int(r.laneOf(kind))).Scan(&id)
		if errors.Is(err, store.ErrNoRows) && o.uniqueKey != "" {
			err = q.QueryRowContext(ctx, `SELECT id FROM jobs WHERE unique_key = ?`, o.uniqueKey).Scan(&id)
		}
		return err
	})
	if err != nil {
		return 0, errs.Wrap(err, "enqueue "+kind)
	}
	return id, nil
}

// RunOnce reclaims jobs whose lease expired, then claims one due job of a
// registered kind and runs it to the end. It reports whether it ran a job;
// err is a database error, or the handler's error (already recorded on the
// job, which is retried or failed as its attempts allow), or a Conflict
// when the lease was lost meanwhile and the result was not recorded. For
// tests and command-line tools; the server uses Start.
func (r *Runner) RunOnce(ctx context.Context) (ran bool, err error) {
	if _, err := r.Reclaim(ctx); err != nil {
		return false, err
	}
	j, err := r.claim(ctx, true)
	if err != nil || j == nil {
		return false, err
	}
	return true, r.run(ctx, j)
}

// claim moves the first due queued job of a registered kind to running,
// leased to this runner, or returns nil when there is none: interactive
// jobs first, then (when bulk allows) bulk ones, each by run_at and id.
func (r *Runner) claim(ctx context.Context, bulk bool) (*Job, error) {
	kinds := r.kinds()
	if len(kinds) == 0 {
		return nil, nil
	}
	now := r.now()
	lock := ""
	if r.db.Dialect() == store.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	q := `UPDATE jobs SET status = 'running', lease_until = ?, locked_by = ?, attempts = attempts + 1, updated_at = ?
		WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND lane <= ? AND run_at <= ? AND kind IN (` + store.Placeholders(len(kinds)) + `)
			ORDER BY lane, run_at, id LIMIT 1` + lock + `)
		RETURNING ` + jobColumns
	maxLane := Interactive
	if bulk {
		maxLane = Bulk
	}
	args := []any{store.Millis(now.Add(r.lease)), r.worker, store.Millis(now), int(maxLane), store.Millis(now)}
	for _, k := range kinds {
		args = append(args, k)
	}
	var j *Job
	err := r.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		j, err = scanJob(tx.QueryRowContext(ctx, q, args...))
		return err
	})
	if errors.Is(err, store.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap(err, "claim job")
	}
	j.r = r
	return j, nil
}

// chinaTime is the time of day people read a job's messages in (China
// keeps UTC+8 all year).
var chinaTime = time.FixedZone("UTC+8", 8*3600)

// Reclaim finds running jobs whose lease has expired — their runner died or
// hung — and counts that as a failed attempt: each is queued again after the
// backoff, or marked failed when it has no attempts left. It returns how
// many jobs it reclaimed. RunOnce and Start's loop call it; an instance that
// loses the race for a job skips it. Errors: Internal on a database error.
func (r *Runner) Reclaim(ctx context.Context) (int, error) {
	now := r.now()
	rows, err := r.db.QueryContext(ctx, `SELECT id, attempts, max_attempts, lease_until, locked_by FROM jobs
		WHERE status = 'running' AND lease_until < ? ORDER BY lease_until, id LIMIT 100`, store.Millis(now))
	if err != nil {
		return 0, errs.Wrap(err, "find expired leases")
	}
	type expired struct {
		id                    int64
		attempts, maxAttempts int
		leaseUntil            int64
		lockedBy              string
	}
	var list []expired
	for rows.Next() {
		var e expired
		var lockedBy *string
		if err := rows.Scan(&e.id, &e.attempts, &e.maxAttempts, &e.leaseUntil, &lockedBy); err != nil {
			rows.Close()
			return 0, errs.Wrap(err, "find expired leases")
		}
		if lockedBy != nil {
			e.lockedBy = *lockedBy
		}
		list = append(list, e)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return 0, errs.Wrap(err, "find expired leases")
	}
	rows.Close()
	n := 0
	for _, e := range list {
		msg := fmt.Sprintf("执行它的实例 %s 没有在租约到期（%s）前完成，可能已停止运行（第 %d 次尝试）",
			e.lockedBy, store.FromMillis(e.leaseUntil).In(chinaTime).Format("2006年1月2日 15:04:05"), e.attempts)
		status, runAt := Queued, now.Add(r.backoff(e.id, e.attempts))
		if e.attempts >= e.maxAttempts {
			status, runAt = Failed, now
		}
		res, err := r.db.ExecContext(ctx, `UPDATE jobs SET status = ?, run_at = ?, last_error = ?, lease_until = NULL, updated_at = ?
			WHERE id = ? AND status = 'running' AND lease_until = ? AND attempts = ?`,
			string(status), store.Millis(runAt), msg, store.Millis(now), e.id, e.leaseUntil, e.attempts)
		if err != nil {
			return n, errs.Wrap(err, "reclaim job")
		}
		if k, _ := res.RowsAffected(); k == 1 {
			n++
			r.log.Warn("job lease expired", "job", e.id, "worker", e.lockedBy, "attempts", e.attempts, "status", status)
		}
	}
	return n, nil
}

// run calls the job's handler with its lease renewed in the background and
// records the outcome.
func (r *Runner) run(ctx context.Context, j *Job) error {
	h := r.handler(j.Kind)
	if h == nil { // unregistered between claim and run
		return r.finish(ctx, j, Permanent(fmt.Errorf("没有注册任务类型 %q 的处理程序", j.Kind)))
	}
	hctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if j.EnqueuedBy != "" {
		// What the job changes is audited as done by whoever enqueued it.
		hctx = audit.WithActor(hctx, audit.Who{UserID: j.EnqueuedByID, Name: j.EnqueuedBy})
	}
	stopRenew := make(chan struct{})
	renewDone := make(chan struct{})
	go func() {
		defer close(renewDone)
		t := time.NewTicker(max(r.lease/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-stopRenew:
				return
			case <-hctx.Done():
				return
			case <-t.C:
				ok, err := r.renew(hctx, j)
				if err != nil {
					r.log.Warn("job lease renewal failed", "job", j.ID, "err", err)
					continue
				}
				if !ok {
					cancel(errLeaseLost(j.ID))
					return
				}
			}
		}
	}()
	herr := r.call(hctx, h, j)
	close(stopRenew)
	<-renewDone
	if err := r.finish(ctx, j, herr); err != nil {
		return err
	}
	return herr
}

// call runs h, turning a panic into an error.
func (r *Runner) call(ctx context.Context, h Handler, j *Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("job handler panicked", "job", j.ID, "kind", j.Kind, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(ctx, j)
}

// renew extends the job's lease; false means the lease is no longer ours.
func (r *Runner) renew(ctx context.Context, j *Job) (bool, error) {
	now := r.now()
	res, err := r.db.ExecContext(ctx, `UPDATE jobs SET lease_until = ?, updated_at = ?
		WHERE id = ? AND status = 'running' AND locked_by = ? AND attempts = ?`,
		store.Millis(now.Add(r.lease)), store.Millis(now), j.ID, j.LockedBy, j.Attempts)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// finish records a handler's outcome, guarded by the lease (worker and
// attempt number) so that a runner that lost the job cannot overwrite the
// result of the one that took it over.
func (r *Runner) finish(ctx context.Context, j *Job, herr error) error {
	// Record the outcome even when ctx was cancelled (Stop's deadline).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	now := r.now()
	var (
		status  = Done
		runAt   = j.RunAt
		lastErr string
	)
	if herr != nil {
		lastErr = truncate(errorText(herr), 2000)
		switch {
		case IsPermanent(herr) || j.Attempts >= j.MaxAttempts:
			status, runAt = Failed, now
			r.log.Error("job failed", "job", j.ID, "kind", j.Kind, "attempts", j.Attempts, "err", herr)
		default:
			status, runAt = Queued, now.Add(r.backoff(j.ID, j.Attempts))
			r.log.Warn("job attempt failed, will retry", "job", j.ID, "kind", j.Kind, "attempts", j.Attempts,
				"retry_at", runAt, "err", herr)
		}
	}
	// On success the last error of earlier attempts stays, for the record.
	set, args := `status = ?, run_at = ?, lease_until = NULL, updated_at = ?`, []any{string(status), store.Millis(runAt), store.Millis(now)}
	if herr != nil {
		set, args = set+`, last_error = ?`, append(args, lastErr)
	}
	res, err := r.db.ExecContext(ctx, `UPDATE jobs SET `+set+`
		WHERE id = ? AND status = 'running' AND locked_by = ? AND attempts = ?`,
		append(args, j.ID, j.LockedBy, j.Attempts)...)
	if err != nil {
		return errs.Wrap(err, "record job outcome")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		r.log.Warn("job lease lost before the outcome was recorded", "job", j.ID, "kind", j.Kind, "handler_err", herr)
		return errLeaseLost(j.ID)
	}
	j.Status, j.RunAt, j.LeaseUntil = status, runAt, nil
	if herr != nil {
		j.LastError = lastErr
	}
	return nil
}

// Start runs the runner's loop in the background until ctx is cancelled or
// Stop is called: every Poll it reclaims expired leases, enqueues due
// schedules (Tick) and runs due jobs, up to Concurrency at a time. For the
// server. Errors: Conflict if it is already running.
func (r *Runner) Start(ctx context.Context) error {
	r.life.Lock()
	defer r.life.Unlock()
	if r.stop != nil {
		return errs.Errorf(errs.Conflict, "后台任务执行器已在运行")
	}
	r.stop = make(chan struct{})
	r.loopDone = make(chan struct{})
	hctx, kill := context.WithCancel(context.WithoutCancel(ctx))
	r.kill = kill
	go r.loop(ctx, hctx, r.stop, r.loopDone)
	return nil
}

// Stop stops claiming jobs and waits for the handlers in flight to finish,
// or until ctx is done, when it cancels their contexts and returns ctx's
// error (their leases then expire and another instance retries them). For
// the server's shutdown; a runner that is not running returns nil.
func (r *Runner) Stop(ctx context.Context) error {
	r.life.Lock()
	defer r.life.Unlock()
	if r.stop == nil {
		return nil
	}
	close(r.stop)
	<-r.loopDone
	waited := make(chan struct{})
	go func() { r.inflight.Wait(); close(waited) }()
	var err error
	select {
	case <-waited:
	case <-ctx.Done():
		err = ctx.Err()
	}
	r.kill()
	r.stop, r.loopDone, r.kill = nil, nil, nil
	return err
}

func (r *Runner) loop(ctx, hctx context.Context, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	slots := make(chan struct{}, r.concurrency)
	freed := make(chan struct{}, 1)
	// Bulk jobs may hold all slots but one, which stays for interactive work.
	maxBulk := int64(max(r.concurrency-1, 1))
	var bulkBusy atomic.Int64
	t := time.NewTicker(r.poll)
	defer t.Stop()
	housekeeping := true // on each poll, not each time a handler returns
	for {
		if housekeeping {
			if _, err := r.Tick(ctx); err != nil && ctx.Err() == nil {
				r.log.Error("job schedules", "err", err)
			}
			if _, err := r.Reclaim(ctx); err != nil && ctx.Err() == nil {
				r.log.Error("reclaim jobs", "err", err)
			}
		}
	claim:
		for {
			select {
			case <-stop:
				return
			case slots <- struct{}{}:
			default:
				break claim // all slots busy
			}
			j, err := r.claim(ctx, bulkBusy.Load() < maxBulk)
			if err != nil || j == nil {
				<-slots
				if err != nil && ctx.Err() == nil {
					r.log.Error("claim job", "err", err)
				}
				break
			}
			r.inflight.Add(1)
			if j.Lane == Bulk {
				bulkBusy.Add(1)
			}
			go func() {
				defer r.inflight.Done()
				defer func() {
					if j.Lane == Bulk {
						bulkBusy.Add(-1)
					}
					<-slots
					select {
					case freed <- struct{}{}:
					default:
					}
				}()
				_ = r.run(hctx, j) // the outcome is recorded and logged
			}()
		}
		select {
		case <-ctx.Done():
			return
		case <-stop:
			return
		case <-t.C:
			housekeeping = true
		case <-freed:
			housekeeping = false
		}
	}
}

// errorText is what a job's last error says: the Chinese message of an
// error meant for people (a file refused as not UTF-8), the whole chain
// of any other, for the administrator who looks into it.
func errorText(err error) string {
	if c := errs.CodeOf(err); c != errs.Internal && c != "" {
		return errs.MessageOf(err)
	}
	return err.Error()
}
