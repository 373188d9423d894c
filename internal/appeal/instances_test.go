package appeal_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

// TestSuperviseTwoInstances runs the 催办/督办 schedule on two instances of
// one PostgreSQL database at once — their job runners ticking and working
// the queue concurrently, and rounds for the same period started by hand
// on both besides — and checks that every recipient gets exactly one
// digest per kind, and every appeal one supervised event per threshold.
func TestSuperviseTwoInstances(t *testing.T) {
	f := newFixture(t, storetest.PostgresDSN(t))
	b := openApp(t, f.DSN, f.Clock, "instance-b")
	instances := []*app.App{f.App, b}
	for i := range 4 {
		f.file(t, f.Ent1, appeal.Intake{Category: "审批服务", Content: fmt.Sprintf("审批事项%d迟迟未办", i)})
		f.file(t, f.Ent2, appeal.Intake{Category: "融资信贷", Content: fmt.Sprintf("贷款事项%d迟迟未办", i)})
	}
	for _, inst := range instances {
		for _, p := range inst.Appeals.Schedules() {
			if err := inst.Jobs.Schedule(f.Ctx, p.Name, p.Kind, p.Every); err != nil {
				t.Fatal(err)
			}
		}
	}
	// round ticks both runners and works their queues, and starts rounds
	// by hand for the current half hour on both, all at once.
	round := func(t *testing.T) {
		t.Helper()
		period := f.Clock.Now().Truncate(30 * time.Minute)
		var wg sync.WaitGroup
		errc := make(chan error, 64)
		for i := range 8 {
			inst := instances[i%2]
			wg.Go(func() {
				if _, err := inst.Jobs.Tick(f.Ctx); err != nil {
					errc <- err
				}
				for {
					ran, err := inst.Jobs.RunOnce(f.Ctx)
					if err != nil {
						errc <- err
					}
					if !ran || err != nil {
						break
					}
				}
				if _, err := inst.Appeals.Supervise(f.Ctx, period); err != nil {
					errc <- err
				}
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
	}
	count := func(a *auth.Actor, kind string) int { return countKind(t, f, a, kind) }

	// 17:00 Monday: nothing was signed for by 15:30 → 催办 to both units.
	f.Clock.Set(time.Date(2026, 3, 2, 17, 0, 0, 0, workday.Shanghai))
	round(t)
	f.Clock.Add(30 * time.Minute)
	round(t) // the next period: nothing new reached a threshold
	for _, a := range []*auth.Actor{f.Staff, f.Commerce2} {
		if n := count(a, appeal.NoticeUrge); n != 1 {
			t.Errorf("%s got %d 催办 digests, want 1", a.Name, n)
		}
	}
	// Wednesday 11 March, 09:30: all overdue → 督办 to the units and the
	// office, once, however many rounds both instances run.
	f.Clock.Set(time.Date(2026, 3, 11, 9, 30, 0, 0, workday.Shanghai))
	round(t)
	round(t)
	f.Clock.Add(30 * time.Minute)
	round(t)
	for _, a := range []*auth.Actor{f.Staff, f.Commerce2, f.Admin} {
		if n := count(a, appeal.NoticeSupervise); n != 1 {
			t.Errorf("%s got %d 督办 digests, want 1", a.Name, n)
		}
	}
	list, _, err := f.App.Appeals.FindAppeals(f.Ctx, f.Admin, appeal.Filter{Limit: 50})
	if err != nil || len(list) != 8 {
		t.Fatalf("appeals: %d %v", len(list), err)
	}
	for _, ap := range list {
		full, err := b.Appeals.FindAppealByID(context.Background(), f.Admin, ap.Number)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, ev := range full.Events {
			if ev.Kind == appeal.KindSupervised {
				seen[ev.Payload.Threshold]++
			}
		}
		for th, n := range seen {
			if n != 1 {
				t.Errorf("%s: threshold %s supervised %d times", ap.Number, th, n)
			}
		}
		if seen[appeal.ThresholdSignOverdue] != 1 || seen[appeal.ThresholdOverdue] != 1 {
			t.Errorf("%s: supervised events %v, want one 签收超时 and one 超期", ap.Number, seen)
		}
	}
}
