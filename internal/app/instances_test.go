package app_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

// openInstance opens one platform instance on dsn, as `qinqing serve` does.
func openInstance(t *testing.T, dsn, worker string) *app.App {
	t.Helper()
	cfg := config.Default()
	cfg.DB = dsn
	a, err := app.Open(context.Background(), cfg, app.Options{Worker: worker})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// TestTwoInstancesOnePostgres runs two instances on one PostgreSQL database
// and checks they behave as one platform: a session made on one is valid on
// the other, a scheduled job runs exactly once per period, and a cache
// change on one reaches the other.
func TestTwoInstancesOnePostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	ctx := context.Background()
	a := openInstance(t, dsn, "instance-a")
	if _, err := a.DB.Migrate(ctx, time.Now); err != nil {
		t.Fatal(err)
	}
	b := openInstance(t, dsn, "instance-b")
	if err := b.DB.CheckSchema(ctx); err != nil {
		t.Fatal(err)
	}

	t.Run("SharedSession", func(t *testing.T) {
		if _, err := a.Auth.CreateUser(ctx, auth.Operator("test"), auth.UserInput{Username: "shared", Password: "12345678", Role: auth.RoleLeader}); err != nil {
			t.Fatal(err)
		}
		secret, _, err := a.Auth.Login(ctx, "shared", "12345678", "127.0.0.1", "")
		if err != nil {
			t.Fatal(err)
		}
		u, err := b.Auth.Session(ctx, secret)
		if err != nil || u.Username != "shared" {
			t.Fatalf("instance b does not know instance a's session: %v %v", u, err)
		}
		if err := b.Auth.Logout(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Auth.Session(ctx, secret); err == nil {
			t.Fatal("logout on b did not end the session on a")
		}
	})

	t.Run("ScheduledJobOnce", func(t *testing.T) {
		var runs atomic.Int64
		for _, inst := range []*app.App{a, b} {
			inst.Jobs.Register("test.tick", func(context.Context, *jobs.Job) error { runs.Add(1); return nil })
			if err := inst.Jobs.Schedule(ctx, "test-tick", "test.tick", time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		// Both instances tick and work the queue concurrently, many times.
		done := make(chan struct{})
		for _, inst := range []*app.App{a, b} {
			go func() {
				defer func() { done <- struct{}{} }()
				for i := 0; i < 20; i++ {
					if _, err := inst.Jobs.Tick(ctx); err != nil {
						t.Error(err)
					}
					for {
						ran, err := inst.Jobs.RunOnce(ctx)
						if err != nil {
							t.Error(err)
						}
						if !ran {
							break
						}
					}
				}
			}()
		}
		<-done
		<-done
		if got := runs.Load(); got != 1 {
			t.Fatalf("the scheduled job ran %d times across two instances in one period, want exactly 1", got)
		}
	})

	t.Run("CalendarCacheConsistent", func(t *testing.T) {
		for _, inst := range []*app.App{a, b} {
			if err := inst.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = inst.Stop(context.Background()) })
			<-inst.Events.Ready()
		}
		d := workday.MustParseDate("2026-07-15") // a Wednesday
		if !b.Calendar.IsWorkday(d) {
			t.Fatal("2026-07-15 should be a working day before the override")
		}
		actx := audit.WithActor(ctx, audit.Who{Name: "test"})
		if err := a.Overrides.Save(actx, auth.Operator("test"), workday.Override{Date: d, Workday: false, Note: "防汛停工"}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for b.Calendar.IsWorkday(d) {
			if time.Now().After(deadline) {
				t.Fatal("instance b never saw instance a's calendar override")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}
