package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

// clock is a test clock shared by runners; tests move it, never sleep.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newRunner(db *store.DB, c *clock, worker string) *jobs.Runner {
	return jobs.New(db, jobs.Options{Worker: worker, Now: c.Now, Logger: slog.New(slog.DiscardHandler)})
}

// eachPair runs fn with two handles on one database: on SQLite the same
// *store.DB twice (one writer connection serializes it anyway), on
// PostgreSQL two separate connection pools, like two server instances.
func eachPair(t *testing.T, fn func(t *testing.T, a, b *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		db := storetest.MustOpenSQLite(t)
		fn(t, db, db)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := storetest.PostgresDSN(t)
		fn(t, storetest.MustOpenDSN(t, dsn), storetest.MustOpenDSN(t, dsn))
	})
}

func mustFind(t *testing.T, r *jobs.Runner, id int64) *jobs.Job {
	t.Helper()
	j, err := r.FindJobByID(context.Background(), id)
	if err != nil {
		t.Fatalf("FindJobByID(%d): %v", id, err)
	}
	return j
}

func mustEnqueue(t *testing.T, r *jobs.Runner, db *store.DB, kind string, payload any, opts ...jobs.EnqueueOption) int64 {
	t.Helper()
	id, err := r.Enqueue(context.Background(), db, kind, payload, opts...)
	if err != nil {
		t.Fatalf("Enqueue(%s): %v", kind, err)
	}
	return id
}

func runOnce(t *testing.T, r *jobs.Runner) (bool, error) {
	t.Helper()
	return r.RunOnce(context.Background())
}

func TestEnqueueAndRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		r := newRunner(db, c, "w1")
		type payload struct {
			File string `json:"file"`
		}
		var got []payload
		r.Register("import", func(ctx context.Context, j *jobs.Job) error {
			var p payload
			if err := json.Unmarshal(j.Payload, &p); err != nil {
				return jobs.Permanent(err)
			}
			got = append(got, p)
			if err := j.Progress(ctx, 3, 10, "第一批"); err != nil {
				return err
			}
			mid, err := r.FindJobByID(ctx, j.ID)
			if err != nil {
				return err
			}
			if mid.Status != jobs.Running || mid.LockedBy != "w1" || mid.LastProgress == nil || mid.LastProgress.Done != 3 {
				return fmt.Errorf("while running: %+v", mid)
			}
			return j.Progress(ctx, 10, 10, "完成")
		})

		t.Run("OKNothingDue", func(t *testing.T) {
			ran, err := runOnce(t, r)
			if ran || err != nil {
				t.Fatalf("RunOnce on empty queue = %v, %v", ran, err)
			}
		})
		t.Run("OK", func(t *testing.T) {
			id := mustEnqueue(t, r, db, "import", payload{File: "企业名录.xlsx"})
			if j := mustFind(t, r, id); j.Status != jobs.Queued || j.Attempts != 0 || j.MaxAttempts != jobs.DefaultMaxAttempts {
				t.Fatalf("enqueued job: %+v", j)
			}
			ran, err := runOnce(t, r)
			if !ran || err != nil {
				t.Fatalf("RunOnce = %v, %v", ran, err)
			}
			j := mustFind(t, r, id)
			if j.Status != jobs.Done || j.Attempts != 1 || j.LeaseUntil != nil {
				t.Fatalf("after run: %+v", j)
			}
			if j.LastProgress == nil || j.LastProgress.Done != 10 || j.LastProgress.Total != 10 || j.LastProgress.Percent() != 100 {
				t.Fatalf("progress %+v", j.LastProgress)
			}
			if len(got) != 1 || got[0].File != "企业名录.xlsx" {
				t.Fatalf("handler saw %+v", got)
			}
		})
		t.Run("OKRunAtLater", func(t *testing.T) {
			id := mustEnqueue(t, r, db, "import", payload{File: "b"}, jobs.RunAt(c.Now().Add(time.Hour)))
			if ran, err := runOnce(t, r); ran || err != nil {
				t.Fatalf("job ran before its time: %v, %v", ran, err)
			}
			c.Add(time.Hour)
			if ran, err := runOnce(t, r); !ran || err != nil {
				t.Fatalf("RunOnce = %v, %v", ran, err)
			}
			if j := mustFind(t, r, id); j.Status != jobs.Done {
				t.Fatalf("status %s", j.Status)
			}
		})
		t.Run("OKUnregisteredKindLeftAlone", func(t *testing.T) {
			id := mustEnqueue(t, r, db, "unknown.kind", nil)
			if ran, err := runOnce(t, r); ran || err != nil {
				t.Fatalf("RunOnce = %v, %v", ran, err)
			}
			if j := mustFind(t, r, id); j.Status != jobs.Queued || string(j.Payload) != "{}" {
				t.Fatalf("job %+v", j)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			for name, call := range map[string]func() error{
				"empty kind":   func() error { _, err := r.Enqueue(ctx, db, "", nil); return err },
				"bad payload":  func() error { _, err := r.Enqueue(ctx, db, "import", make(chan int)); return err },
				"max attempts": func() error { _, err := r.Enqueue(ctx, db, "import", nil, jobs.MaxAttempts(0)); return err },
			} {
				if err := call(); errs.CodeOf(err) != errs.Invalid {
					t.Errorf("%s: got %v, want invalid", name, err)
				}
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			if _, err := r.FindJobByID(ctx, 999999); errs.CodeOf(err) != errs.NotFound {
				t.Fatalf("got %v, want not_found", err)
			}
		})
	})
}

func TestUniqueKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := newRunner(db, newClock(), "w1")
		t.Run("OKDedupe", func(t *testing.T) {
			a := mustEnqueue(t, r, db, "report", map[string]int{"month": 3}, jobs.UniqueKey("report:2025-03"))
			b := mustEnqueue(t, r, db, "report", map[string]int{"month": 3}, jobs.UniqueKey("report:2025-03"))
			if a != b {
				t.Fatalf("same unique key gave jobs %d and %d", a, b)
			}
			_, total, err := r.List(ctx, jobs.JobFilter{Kind: "report"})
			if err != nil || total != 1 {
				t.Fatalf("List total %d, err %v; want 1", total, err)
			}
		})
		t.Run("OKInTransaction", func(t *testing.T) {
			var id int64
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				if id, err = r.Enqueue(ctx, tx, "report", nil, jobs.UniqueKey("report:2025-04")); err != nil {
					return err
				}
				again, err := r.Enqueue(ctx, tx, "report", nil, jobs.UniqueKey("report:2025-04"))
				if err == nil && again != id {
					err = fmt.Errorf("dedupe inside a transaction gave %d and %d", id, again)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if j := mustFind(t, r, id); j.UniqueKey != "report:2025-04" {
				t.Fatalf("job %+v", j)
			}
		})
		t.Run("OKRolledBack", func(t *testing.T) {
			boom := errors.New("boom")
			err := db.InTx(ctx, func(tx *store.Tx) error {
				if _, err := r.Enqueue(ctx, tx, "report", nil, jobs.UniqueKey("report:2025-05")); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("got %v", err)
			}
			_, total, err := r.List(ctx, jobs.JobFilter{Kind: "report"})
			if err != nil || total != 2 {
				t.Fatalf("List total %d, err %v; want 2 (the rolled-back job must not exist)", total, err)
			}
		})
	})
}

func TestRetryWithBackoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		r := newRunner(db, c, "w1")
		calls := 0
		r.Register("flaky", func(ctx context.Context, j *jobs.Job) error {
			calls++
			if j.Attempts != calls {
				return jobs.Permanent(fmt.Errorf("attempt %d on call %d", j.Attempts, calls))
			}
			if calls < 3 {
				return fmt.Errorf("接收方不可用 %d", calls)
			}
			return nil
		})
		id := mustEnqueue(t, r, db, "flaky", nil)
		for attempt := 1; attempt <= 2; attempt++ {
			ran, err := runOnce(t, r)
			if !ran || err == nil {
				t.Fatalf("attempt %d: RunOnce = %v, %v; want the handler's error", attempt, ran, err)
			}
			j := mustFind(t, r, id)
			wait := jobs.DefaultBackoff(id, attempt)
			if j.Status != jobs.Queued || j.Attempts != attempt || !j.RunAt.Equal(c.Now().Add(wait).Truncate(time.Millisecond)) {
				t.Fatalf("attempt %d: job %+v, want queued until now+%v", attempt, j, wait)
			}
			if !strings.Contains(j.LastError, "接收方不可用") {
				t.Fatalf("last error %q", j.LastError)
			}
			c.Add(wait - time.Millisecond)
			if ran, err := runOnce(t, r); ran || err != nil {
				t.Fatalf("attempt %d: retried before the backoff: %v, %v", attempt, ran, err)
			}
			c.Add(time.Millisecond)
		}
		if ran, err := runOnce(t, r); !ran || err != nil {
			t.Fatalf("third attempt: %v, %v", ran, err)
		}
		if j := mustFind(t, r, id); j.Status != jobs.Done || j.Attempts != 3 || calls != 3 {
			t.Fatalf("job %+v after %d calls", j, calls)
		}
	})
}

func TestDefaultBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempts int
		min      time.Duration
	}{{1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second}, {9, 2560 * time.Second}, {10, time.Hour}, {60, time.Hour}} {
		t.Run(fmt.Sprint(tc.attempts), func(t *testing.T) {
			d := jobs.DefaultBackoff(42, tc.attempts)
			if d < tc.min || d > tc.min+tc.min/10 {
				t.Fatalf("DefaultBackoff(42, %d) = %v, want %v plus at most 10%%", tc.attempts, d, tc.min)
			}
			if d != jobs.DefaultBackoff(42, tc.attempts) {
				t.Fatal("not deterministic")
			}
		})
	}
}

func TestMaxAttemptsAndRetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		r := newRunner(db, c, "w1")
		fail := true
		r.Register("always", func(ctx context.Context, j *jobs.Job) error {
			if fail {
				return errors.New("总是失败")
			}
			return nil
		})
		r.Register("permanent", func(ctx context.Context, j *jobs.Job) error {
			return jobs.Permanent(errors.New("参数错误"))
		})
		id := mustEnqueue(t, r, db, "always", nil, jobs.MaxAttempts(2))
		t.Run("OKFailedAfterMaxAttempts", func(t *testing.T) {
			for range 2 {
				if ran, _ := runOnce(t, r); !ran {
					t.Fatal("nothing ran")
				}
				c.Add(time.Hour + 10*time.Minute)
			}
			j := mustFind(t, r, id)
			if j.Status != jobs.Failed || j.Attempts != 2 || j.LastError != "总是失败" {
				t.Fatalf("job %+v", j)
			}
			if ran, err := runOnce(t, r); ran || err != nil {
				t.Fatalf("failed job ran again: %v, %v", ran, err)
			}
		})
		t.Run("OKPermanent", func(t *testing.T) {
			pid := mustEnqueue(t, r, db, "permanent", nil)
			if ran, err := runOnce(t, r); !ran || !jobs.IsPermanent(err) {
				t.Fatalf("RunOnce = %v, %v", ran, err)
			}
			if j := mustFind(t, r, pid); j.Status != jobs.Failed || j.Attempts != 1 {
				t.Fatalf("job %+v", j)
			}
		})
		t.Run("OKRetry", func(t *testing.T) {
			fail = false
			if err := r.Retry(ctx, db, id); err != nil {
				t.Fatal(err)
			}
			if j := mustFind(t, r, id); j.Status != jobs.Queued || j.Attempts != 0 {
				t.Fatalf("retried job %+v", j)
			}
			if ran, err := runOnce(t, r); !ran || err != nil {
				t.Fatalf("RunOnce = %v, %v", ran, err)
			}
			if j := mustFind(t, r, id); j.Status != jobs.Done || j.LastError != "总是失败" {
				t.Fatalf("job %+v; the last error should stay for the record", j)
			}
		})
		t.Run("ErrRetryNotFailed", func(t *testing.T) {
			if err := r.Retry(ctx, db, id); errs.CodeOf(err) != errs.Conflict {
				t.Fatalf("got %v, want conflict", err)
			}
		})
		t.Run("ErrRetryNotFound", func(t *testing.T) {
			if err := r.Retry(ctx, db, 999999); errs.CodeOf(err) != errs.NotFound {
				t.Fatalf("got %v, want not_found", err)
			}
		})
	})
}

func TestPanicRecovered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		r := newRunner(db, c, "w1")
		r.Register("panics", func(ctx context.Context, j *jobs.Job) error {
			if j.Attempts == 1 {
				panic("boom")
			}
			return nil
		})
		id := mustEnqueue(t, r, db, "panics", nil)
		ran, err := runOnce(t, r)
		if !ran || err == nil || !strings.Contains(err.Error(), "panic: boom") {
			t.Fatalf("RunOnce = %v, %v; want the panic as an error", ran, err)
		}
		j := mustFind(t, r, id)
		if j.Status != jobs.Queued || j.Attempts != 1 || j.LastError != "panic: boom" {
			t.Fatalf("job %+v", j)
		}
		c.Add(time.Minute)
		if ran, err := runOnce(t, r); !ran || err != nil {
			t.Fatalf("retry: %v, %v", ran, err)
		}
		if j := mustFind(t, r, id); j.Status != jobs.Done {
			t.Fatalf("job %+v", j)
		}
	})
}

func TestExpiredLeaseReclaimed(t *testing.T) {
	eachPair(t, func(t *testing.T, dbA, dbB *store.DB) {
		c := newClock()
		a, b := newRunner(dbA, c, "a"), newRunner(dbB, c, "b")
		started, release := make(chan int64, 1), make(chan struct{})
		a.Register("slow", func(ctx context.Context, j *jobs.Job) error {
			started <- j.ID
			<-release // hangs until the test lets go, like a stuck instance
			return nil
		})
		var ranOnB []int
		b.Register("slow", func(ctx context.Context, j *jobs.Job) error {
			ranOnB = append(ranOnB, j.Attempts)
			return nil
		})

		t.Run("OKReclaimedAsFailedAttempt", func(t *testing.T) {
			id := mustEnqueue(t, a, dbA, "slow", nil)
			type result struct {
				ran bool
				err error
			}
			done := make(chan result, 1)
			go func() {
				ran, err := a.RunOnce(context.Background())
				done <- result{ran, err}
			}()
			<-started
			if ran, err := runOnce(t, b); ran || err != nil {
				t.Fatalf("b took a leased job: %v, %v", ran, err)
			}
			c.Add(jobs.DefaultLease + time.Millisecond)
			if n, err := b.Reclaim(context.Background()); n != 1 || err != nil {
				t.Fatalf("Reclaim = %d, %v", n, err)
			}
			j := mustFind(t, b, id)
			if j.Status != jobs.Queued || j.Attempts != 1 || !strings.Contains(j.LastError, "租约") {
				t.Fatalf("reclaimed job %+v", j)
			}
			c.Add(jobs.DefaultBackoff(id, 1))
			if ran, err := runOnce(t, b); !ran || err != nil {
				t.Fatalf("b RunOnce = %v, %v", ran, err)
			}
			close(release)
			res := <-done
			if !res.ran || errs.CodeOf(res.err) != errs.Conflict {
				t.Fatalf("a's late result: %v, %v; want conflict (lease lost)", res.ran, res.err)
			}
			j = mustFind(t, b, id)
			if j.Status != jobs.Done || j.Attempts != 2 || j.LockedBy != "b" || len(ranOnB) != 1 || ranOnB[0] != 2 {
				t.Fatalf("job %+v, b ran attempts %v", j, ranOnB)
			}
		})
		t.Run("OKFailedWhenNoAttemptsLeft", func(t *testing.T) {
			// A crashed instance: the row says running, its lease in the past.
			id := mustEnqueue(t, a, dbA, "slow", nil, jobs.MaxAttempts(1))
			if _, err := dbA.ExecContext(context.Background(), `UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'gone', lease_until = ? WHERE id = ?`,
				store.Millis(c.Now().Add(-time.Second)), id); err != nil {
				t.Fatal(err)
			}
			if ran, err := runOnce(t, b); ran || err != nil {
				t.Fatalf("RunOnce = %v, %v", ran, err)
			}
			if j := mustFind(t, b, id); j.Status != jobs.Failed || !strings.Contains(j.LastError, "gone") {
				t.Fatalf("job %+v", j)
			}
		})
	})
}

func TestConcurrentRunOnce(t *testing.T) {
	eachPair(t, func(t *testing.T, dbA, dbB *store.DB) {
		c := newClock()
		a, b := newRunner(dbA, c, "a"), newRunner(dbB, c, "b")
		var mu sync.Mutex
		runs := map[int64]int{}
		h := func(ctx context.Context, j *jobs.Job) error {
			mu.Lock()
			runs[j.ID]++
			mu.Unlock()
			return nil
		}
		a.Register("work", h)
		b.Register("work", h)
		const n = 40
		for i := range n {
			mustEnqueue(t, a, dbA, "work", map[string]int{"i": i})
		}
		var wg sync.WaitGroup
		errc := make(chan error, 4)
		for _, r := range []*jobs.Runner{a, b, a, b} {
			wg.Go(func() {
				for {
					ran, err := r.RunOnce(context.Background())
					if err != nil {
						errc <- err
						return
					}
					if !ran {
						return
					}
				}
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		if len(runs) != n {
			t.Fatalf("%d jobs ran, want %d", len(runs), n)
		}
		for id, k := range runs {
			if k != 1 {
				t.Errorf("job %d ran %d times", id, k)
			}
		}
		counts, err := a.Counts(context.Background())
		if err != nil || counts[jobs.Done] != n || counts[jobs.Queued] != 0 || counts[jobs.Running] != 0 {
			t.Fatalf("Counts = %v, %v", counts, err)
		}
	})
}

func TestScheduleTwoInstances(t *testing.T) {
	eachPair(t, func(t *testing.T, dbA, dbB *store.DB) {
		ctx := context.Background()
		c := newClock()
		start := c.Now()
		a, b := newRunner(dbA, c, "a"), newRunner(dbB, c, "b")
		var mu sync.Mutex
		runs := map[time.Time]int{}
		h := func(ctx context.Context, j *jobs.Job) error {
			var p jobs.ScheduledPayload
			if err := json.Unmarshal(j.Payload, &p); err != nil {
				return jobs.Permanent(err)
			}
			if p.Schedule != "digest" {
				return jobs.Permanent(fmt.Errorf("schedule %q", p.Schedule))
			}
			mu.Lock()
			runs[p.Period]++
			mu.Unlock()
			return nil
		}
		a.Register("notify.digest", h)
		b.Register("notify.digest", h)
		// Both instances declare the schedule at start-up.
		for _, r := range []*jobs.Runner{a, b} {
			if err := r.Schedule(ctx, "digest", "notify.digest", time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		const periods = 15
		for p := range periods {
			var wg sync.WaitGroup
			errc := make(chan error, 16)
			for i := range 8 {
				r := a
				if i%2 == 1 {
					r = b
				}
				wg.Go(func() {
					if _, err := r.Tick(ctx); err != nil {
						errc <- err
					}
				})
			}
			wg.Wait()
			for _, r := range []*jobs.Runner{a, b} {
				wg.Go(func() {
					for {
						ran, err := r.RunOnce(ctx)
						if err != nil {
							errc <- err
						}
						if !ran || err != nil {
							return
						}
					}
				})
			}
			wg.Wait()
			close(errc)
			for err := range errc {
				t.Fatalf("period %d: %v", p, err)
			}
			// Move within the next period, not onto its boundary.
			c.Add(time.Minute)
			if p == 5 {
				c.Add(17 * time.Second)
			}
		}
		if len(runs) != periods {
			t.Fatalf("%d periods ran, want %d: %v", len(runs), periods, runs)
		}
		for p, k := range runs {
			if k != 1 {
				t.Errorf("period %s ran %d times", p.Format(time.TimeOnly), k)
			}
			if p.Before(start) || p.Sub(start)%time.Minute != 0 {
				t.Errorf("period %s not aligned to the minute", p)
			}
		}
		_, total, err := a.List(ctx, jobs.JobFilter{Kind: "notify.digest", Status: jobs.Done})
		if err != nil || total != periods {
			t.Fatalf("List total %d, err %v; want %d", total, err, periods)
		}
		scheds, err := b.Schedules(ctx)
		if err != nil || len(scheds) != 1 || scheds[0].Every != time.Minute || !scheds[0].NextRunAt.After(c.Now().Add(-time.Minute)) {
			t.Fatalf("Schedules = %+v, %v", scheds, err)
		}
	})
}

func TestScheduleMissedPeriods(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		r := newRunner(db, c, "a")
		if err := r.Schedule(ctx, "hourly", "h", time.Hour); err != nil {
			t.Fatal(err)
		}
		if n, err := r.Tick(ctx); n != 1 || err != nil {
			t.Fatalf("first Tick = %d, %v", n, err)
		}
		if n, err := r.Tick(ctx); n != 0 || err != nil {
			t.Fatalf("second Tick in the same period = %d, %v", n, err)
		}
		c.Add(5*time.Hour + 30*time.Minute) // all instances were down
		if n, err := r.Tick(ctx); n != 1 || err != nil {
			t.Fatalf("Tick after downtime = %d, %v; want one job, not one per missed period", n, err)
		}
		s, _ := r.Schedules(ctx)
		if want := c.Now().Truncate(time.Hour).Add(time.Hour); !s[0].NextRunAt.Equal(want) {
			t.Fatalf("next run %s, want %s", s[0].NextRunAt, want)
		}
		t.Run("ErrInvalid", func(t *testing.T) {
			for _, every := range []time.Duration{0, time.Millisecond} {
				if err := r.Schedule(ctx, "x", "h", every); errs.CodeOf(err) != errs.Invalid {
					t.Errorf("every %v: got %v", every, err)
				}
			}
		})
		t.Run("Unschedule", func(t *testing.T) {
			if err := r.Unschedule(ctx, "hourly"); err != nil {
				t.Fatal(err)
			}
			if err := r.Unschedule(ctx, "hourly"); errs.CodeOf(err) != errs.NotFound {
				t.Fatalf("got %v, want not_found", err)
			}
		})
	})
}

func TestListAndCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		r := newRunner(db, c, "w1")
		r.Register("ok", func(ctx context.Context, j *jobs.Job) error { return nil })
		for range 3 {
			mustEnqueue(t, r, db, "ok", nil)
		}
		for range 2 {
			mustEnqueue(t, r, db, "other", nil)
		}
		for range 3 {
			if _, err := runOnce(t, r); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			name      string
			f         jobs.JobFilter
			wantLen   int
			wantTotal int
		}{
			{"All", jobs.JobFilter{}, 5, 5},
			{"Done", jobs.JobFilter{Status: jobs.Done}, 3, 3},
			{"Kind", jobs.JobFilter{Kind: "other"}, 2, 2},
			{"Page", jobs.JobFilter{Limit: 2, Offset: 4}, 1, 5},
			{"None", jobs.JobFilter{Status: jobs.Failed}, 0, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				list, total, err := r.List(ctx, tc.f)
				if err != nil || len(list) != tc.wantLen || total != tc.wantTotal {
					t.Fatalf("List(%+v) = %d jobs, total %d, %v", tc.f, len(list), total, err)
				}
				for i := 1; i < len(list); i++ {
					if list[i].ID > list[i-1].ID {
						t.Fatal("not newest first")
					}
				}
			})
		}
		t.Run("ErrStatus", func(t *testing.T) {
			if _, _, err := r.List(ctx, jobs.JobFilter{Status: "bogus"}); errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("got %v", err)
			}
		})
		counts, err := r.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[jobs.Status]int{jobs.Queued: 2, jobs.Running: 0, jobs.Done: 3, jobs.Failed: 0}; fmt.Sprint(counts) != fmt.Sprint(want) {
			t.Fatalf("Counts = %v, want %v", counts, want)
		}
		c.Add(48 * time.Hour)
		if n, err := r.Prune(ctx, c.Now().Add(-24*time.Hour)); n != 3 || err != nil {
			t.Fatalf("Prune = %d, %v", n, err)
		}
	})
}

func TestStartStop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := jobs.New(db, jobs.Options{Worker: "srv", Logger: slog.New(slog.DiscardHandler), Poll: 5 * time.Millisecond})
		started, release := make(chan struct{}), make(chan struct{})
		r.Register("serve", func(ctx context.Context, j *jobs.Job) error {
			close(started)
			<-release
			return nil
		})
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if err := r.Start(ctx); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("second Start: %v", err)
		}
		id := mustEnqueue(t, r, db, "serve", nil)
		<-started
		stopped := make(chan error, 1)
		go func() { stopped <- r.Stop(ctx) }()
		close(release)
		if err := <-stopped; err != nil {
			t.Fatal(err)
		}
		// Stop returned, so the handler in flight has finished and been recorded.
		if j := mustFind(t, r, id); j.Status != jobs.Done {
			t.Fatalf("job %+v after Stop", j)
		}
		if err := r.Stop(ctx); err != nil {
			t.Fatalf("Stop on a stopped runner: %v", err)
		}
	})
}

// TestJobRunsAsItsEnqueuer checks that a job records who enqueued it and
// that its handler runs as that actor, so that what it changes is audited
// as theirs; a job the system enqueued runs as the system.
func TestJobRunsAsItsEnqueuer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := newRunner(db, newClock(), "w1")
		var seen []audit.Who
		r.Register("test.who", func(ctx context.Context, _ *jobs.Job) error {
			seen = append(seen, audit.ActorOf(ctx))
			return nil
		})
		uid := int64(42)
		byBoss, err := r.Enqueue(audit.WithActor(ctx, audit.Who{UserID: &uid, Name: "boss"}), db, "test.who", nil)
		if err != nil {
			t.Fatal(err)
		}
		bySystem, err := r.Enqueue(ctx, db, "test.who", nil)
		if err != nil {
			t.Fatal(err)
		}
		if j := mustFind(t, r, byBoss); j.EnqueuedBy != "boss" || j.EnqueuedByID == nil || *j.EnqueuedByID != 42 {
			t.Errorf("enqueued by %q %v, want boss 42", j.EnqueuedBy, j.EnqueuedByID)
		}
		if j := mustFind(t, r, bySystem); j.EnqueuedBy != "" || j.EnqueuedByID != nil {
			t.Errorf("system job enqueued by %q %v, want nobody", j.EnqueuedBy, j.EnqueuedByID)
		}
		for range 2 {
			if ran, err := r.RunOnce(ctx); err != nil || !ran {
				t.Fatalf("RunOnce: %v %v", ran, err)
			}
		}
		if len(seen) != 2 || seen[0].Name != "boss" || seen[0].UserID == nil || *seen[0].UserID != 42 || seen[1].Name != audit.System {
			t.Errorf("handlers ran as %+v, want boss then system", seen)
		}
	})
}

// TestLanes queues 100,000 bulk deliveries and then an import: the import
// is claimed first, on one instance or another, and a runner busy with bulk
// work keeps a slot for interactive jobs.
func TestLanes(t *testing.T) {
	eachPair(t, func(t *testing.T, dbA, dbB *store.DB) {
		ctx := context.Background()
		c := newClock()
		a, b := newRunner(dbA, c, "a"), newRunner(dbB, c, "b")
		var ran []string
		var mu sync.Mutex
		record := func(ctx context.Context, j *jobs.Job) error {
			mu.Lock()
			ran = append(ran, j.Kind)
			mu.Unlock()
			return nil
		}
		for _, r := range []*jobs.Runner{a, b} {
			r.RegisterBulk("notify.deliver", record)
			r.Register("enterprise.import", record)
		}
		// 100,000 deliveries queued before the import, all due.
		now := c.Now().UnixMilli()
		if _, err := dbA.ExecContext(ctx, `INSERT INTO jobs (kind, payload, status, run_at, attempts, max_attempts, created_at, updated_at, lane)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
			SELECT 'notify.deliver', '{}', 'queued', CAST(? AS BIGINT) - 100000 + i, 0, 8, CAST(? AS BIGINT), CAST(? AS BIGINT), 1 FROM n`, now, now, now); err != nil {
			t.Fatal(err)
		}
		c.Add(time.Second)
		id, err := a.Enqueue(ctx, dbA, "enterprise.import", map[string]int{"run": 1})
		if err != nil {
			t.Fatal(err)
		}
		if j := mustFind(t, a, id); j.Lane != jobs.Interactive {
			t.Fatalf("an import is in the %s lane", j.Lane)
		}
		delivery, err := a.Enqueue(ctx, dbA, "notify.deliver", nil)
		if err != nil {
			t.Fatal(err)
		}
		if j := mustFind(t, a, delivery); j.Lane != jobs.Bulk {
			t.Fatalf("a delivery is in the %s lane", j.Lane)
		}
		if ok, err := b.RunOnce(ctx); !ok || err != nil || len(ran) != 1 || ran[0] != "enterprise.import" {
			t.Fatalf("first job claimed: %v (ran %v, %v)", ran, ok, err)
		}
		if ok, err := a.RunOnce(ctx); !ok || err != nil || ran[1] != "notify.deliver" {
			t.Fatalf("then the deliveries: %v (%v, %v)", ran, ok, err)
		}
	})
	t.Run("OKSlotKeptForInteractive", func(t *testing.T) {
		db := storetest.MustOpenSQLite(t)
		ctx := context.Background()
		r := jobs.New(db, jobs.Options{Worker: "w", Logger: slog.New(slog.DiscardHandler), Concurrency: 2, Poll: 5 * time.Millisecond})
		release := make(chan struct{})
		var bulkNow, bulkMost atomic.Int32
		r.RegisterBulk("bulk.work", func(ctx context.Context, j *jobs.Job) error {
			n := bulkNow.Add(1)
			defer bulkNow.Add(-1)
			for m := bulkMost.Load(); n > m && !bulkMost.CompareAndSwap(m, n); m = bulkMost.Load() {
			}
			<-release
			return nil
		})
		done := make(chan struct{})
		r.Register("enterprise.import", func(ctx context.Context, j *jobs.Job) error { close(done); return nil })
		for range 4 {
			if _, err := r.Enqueue(ctx, db, "bulk.work", nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() { close(release); _ = r.Stop(ctx) }()
		for deadline := time.Now().Add(10 * time.Second); bulkNow.Load() == 0; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("no bulk job started")
			}
		}
		if _, err := r.Enqueue(ctx, db, "enterprise.import", nil); err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("the import waited behind bulk jobs that hold the runner")
		}
		if m := bulkMost.Load(); m != 1 {
			t.Fatalf("%d bulk jobs ran at once on a runner of 2 slots; one must stay free", m)
		}
	})
}
