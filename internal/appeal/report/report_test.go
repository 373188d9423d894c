package report_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/appeal/report"
	"github.com/qinqing/qinqing/internal/appeal/stats"
	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// at is an instant of 2026 in Asia/Shanghai.
func at(month, day, hour int) time.Time {
	return time.Date(2026, time.Month(month), day, hour, 0, 0, 0, workday.Shanghai)
}

type fixture struct {
	App                       *app.App
	Clock                     *clock
	Ctx                       context.Context
	Admin, Leader, Staff, Ent *auth.Actor
	FGW                       int64
	USCC, DSN                 string
}

func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newFixture(t, filepath.Join(t.TempDir(), "report.db"))) })
	t.Run("postgres", func(t *testing.T) { fn(t, newFixture(t, storetest.PostgresDSN(t))) })
}

// TestGenerateOnceAcrossInstances: two instances on one database run the
// job at the same moment on the first working day; the month gets one
// report.
func TestGenerateOnceAcrossInstances(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		history(t, f)
		f.Clock.Set(at(10, 8, 9))
		cfg := config.Default()
		cfg.DB = f.DSN
		cfg.DataDir = t.TempDir()
		other, err := app.Open(context.Background(), cfg, app.Options{Now: f.Clock.Now, Worker: "report-test-2"})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		var wg sync.WaitGroup
		errc := make(chan error, 2)
		for _, s := range []*report.Service{f.App.AppealReports, other.AppealReports} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.GenerateDue(f.Ctx)
				errc <- err
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Errorf("GenerateDue: %v", err)
			}
		}
		var n int
		if err := f.App.DB.QueryRowContext(f.Ctx, `SELECT COUNT(*) FROM appeal_reports WHERE month = '2026-09'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("reports of September: %d, %v", n, err)
		}
	})
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func newFixture(t *testing.T, dsn string) *fixture {
	t.Helper()
	c := &clock{t: at(8, 3, 10)}
	cfg := config.Default()
	cfg.DB = dsn
	cfg.DataDir = t.TempDir()
	a, err := app.Open(context.Background(), cfg, app.Options{Now: c.Now, Worker: "report-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ctx := audit.WithActor(context.Background(), audit.Who{Name: "test"})
	if _, err := a.DB.Migrate(ctx, c.Now); err != nil {
		t.Fatal(err)
	}
	f := &fixture{App: a, Clock: c, Ctx: ctx, DSN: dsn}
	op := auth.Operator("test")
	office := must[*org.Unit](t)(a.Org.CreateUnit(ctx, op, org.UnitInput{Name: "市优化营商环境办公室", Kind: org.KindDepartment})).ID
	f.FGW = must[*org.Unit](t)(a.Org.CreateUnit(ctx, op, org.UnitInput{Name: "市发展和改革委员会", Kind: org.KindDepartment})).ID
	code, err := enterprise.MakeUSCC('9', '1', "420111", "MA4KRP00")
	if err != nil {
		t.Fatal(err)
	}
	f.USCC = code
	district := "420111"
	if _, err := a.Enterprises.ImportRecords(ctx, func(yield func(*enterprise.Enterprise) error) error {
		return yield(&enterprise.Enterprise{USCC: code, Name: "武汉光谷简报有限公司", District: &district})
	}, enterprise.ImportOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	ref, err := a.Enterprises.RefByUSCC(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	user := func(name string, role auth.Role, unit, ent *int64) *auth.Actor {
		u, err := a.Auth.CreateUser(ctx, op, auth.UserInput{Username: name, DisplayName: name, Password: "test-pass-123", Role: role,
			UnitID: unit, EnterpriseID: ent})
		if err != nil {
			t.Fatal(err)
		}
		return u.Actor()
	}
	f.Admin = user("admin", auth.RoleAdmin, &office, nil)
	f.Leader = user("leader", auth.RoleLeader, nil, nil)
	f.Staff = user("fgw", auth.RoleUnitStaff, &f.FGW, nil)
	f.Ent = user("ent", auth.RoleEnterprise, nil, &ref.ID)
	if _, err := a.Appeals.SaveEntry(ctx, op, appeal.EntryInput{Code: "approval", Category: "审批服务", UnitID: f.FGW, Class: "一般"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// history files appeals in August and September 2026: in September,
// S1 is replied on time and closed, S2 and S3 are signed for and left
// open (S2 filed first, so more days overdue), S4 is replied on time.
func history(t *testing.T, f *fixture) map[string]*appeal.Appeal {
	t.Helper()
	ap, ctx := f.App.Appeals, f.Ctx
	step := must[*appeal.Appeal](t)
	file := func(name string) *appeal.Appeal {
		a, _, err := ap.File(ctx, f.Ent, appeal.Intake{ExternalRef: name, USCC: f.USCC, Category: "审批服务", Title: "审批办理太慢" + name,
			Content: "企业办理施工许可审批太慢，材料反复退回。" + name, ContactName: "赵经理", ContactPhone: "027-87654321"})
		if err != nil {
			t.Fatalf("file %s: %v", name, err)
		}
		return a
	}
	solved := appeal.ReplyInput{Result: appeal.ResultSolved, Measures: "已办结"}
	out := map[string]*appeal.Appeal{}
	f.Clock.Set(at(8, 3, 10))
	out["A1"] = file("A1")
	step(ap.Sign(ctx, f.Staff, out["A1"].Number, appeal.NoteInput{}))
	step(ap.Reply(ctx, f.Staff, out["A1"].Number, solved))
	f.Clock.Set(at(9, 1, 10))
	out["S2"] = file("S2")
	step(ap.Sign(ctx, f.Staff, out["S2"].Number, appeal.NoteInput{}))
	f.Clock.Set(at(9, 2, 10))
	for _, n := range []string{"S1", "S4"} {
		out[n] = file(n)
		step(ap.Sign(ctx, f.Staff, out[n].Number, appeal.NoteInput{}))
		step(ap.Reply(ctx, f.Staff, out[n].Number, solved))
	}
	step(ap.Evaluate(ctx, f.Ent, out["S1"].Number, appeal.EvaluateInput{Rating: appeal.RatingSatisfied}))
	step(ap.Close(ctx, f.Admin, out["S1"].Number, appeal.NoteInput{}))
	f.Clock.Set(at(9, 7, 10))
	out["S3"] = file("S3")
	step(ap.Sign(ctx, f.Staff, out["S3"].Number, appeal.NoteInput{}))
	return out
}

func TestScheduleAndPublish(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		out := history(t, f)
		svc := f.App.AppealReports
		// The National Day holiday: no report before its first working
		// day, 8 October.
		for _, d := range []int{1, 3, 7} {
			f.Clock.Set(at(10, d, 9))
			r, err := svc.GenerateDue(f.Ctx)
			if err != nil || r != nil {
				t.Fatalf("10-%02d: GenerateDue = %v, %v; want nothing", d, r, err)
			}
		}
		f.Clock.Set(at(10, 8, 9))
		r, err := svc.GenerateDue(f.Ctx)
		if err != nil || r == nil {
			t.Fatalf("10-08: GenerateDue = %v, %v", r, err)
		}
		if r.Month != "2026-09" || r.Status != report.StatusDraft || r.Title != "2026年9月企业诉求办理情况简报" {
			t.Fatalf("report = %s %s %s", r.Month, r.Status, r.Title)
		}
		if again, err := svc.GenerateDue(f.Ctx); err != nil || again != nil {
			t.Fatalf("second GenerateDue = %v, %v; want nothing", again, err)
		}
		// The figures equal the rates of the month and of the month before.
		for _, c := range []struct {
			month string
			got   report.Headline
		}{{"2026-09", r.Figures.Current}, {"2026-08", r.Figures.Previous}} {
			rep, err := f.App.AppealStats.Figures(f.Ctx, f.Admin, stats.Query{From: c.month, To: c.month, By: stats.ByUnit})
			if err != nil {
				t.Fatal(err)
			}
			tot := rep.Total
			if c.got.Received != tot.Received || c.got.Closed != tot.Closed || c.got.Backlog != tot.Backlog ||
				stats.Pct(c.got.HandleOnTime) != stats.Pct(tot.Rates.HandleOnTime) || stats.Pct(c.got.Satisfaction) != stats.Pct(tot.Rates.Satisfaction) ||
				stats.Pct(c.got.FirstTime) != stats.Pct(tot.Rates.FirstTime) {
				t.Errorf("%s: headline %+v, rates total %+v", c.month, c.got, tot.Counts)
			}
		}
		if r.Figures.Current.Received != 4 || r.Figures.Current.Closed != 1 || r.Figures.Previous.Received != 1 {
			t.Errorf("headline = %+v / %+v", r.Figures.Current, r.Figures.Previous)
		}
		// The worst overdue first: S2 (filed 1 September) before S3.
		ov := r.Figures.Overdue
		if len(ov) != 2 || ov[0].Number != out["S2"].Number || ov[1].Number != out["S3"].Number || ov[0].Days <= ov[1].Days || ov[1].Days <= 0 {
			t.Errorf("overdue = %+v", ov)
		}
		if len(r.Figures.Top) != 1 || r.Figures.Top[0].Name != "市发展和改革委员会" {
			t.Errorf("top = %+v", r.Figures.Top)
		}
		if r.Figures.Appeals != 4 || len(r.Figures.Topics) == 0 {
			t.Errorf("topics of %d appeals: %+v", r.Figures.Appeals, r.Figures.Topics)
		}
		// Permissions: a unit reads no draft; only the office edits.
		if _, err := svc.FindReport(f.Ctx, f.Staff, r.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("unit reads a draft: %v", err)
		}
		if list, err := svc.FindReports(f.Ctx, f.Staff); err != nil || len(list) != 0 {
			t.Errorf("unit's list = %v, %v", list, err)
		}
		if _, err := svc.FindReport(f.Ctx, f.Leader, r.ID); err != nil {
			t.Errorf("leader reads the draft: %v", err)
		}
		if _, err := svc.SaveSections(f.Ctx, f.Leader, r.ID, report.Sections{Intro: "x"}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("leader edits: %v", err)
		}
		if _, err := svc.Publish(f.Ctx, f.Staff, r.ID); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("unit publishes: %v", err)
		}
		if _, err := svc.SaveSections(f.Ctx, f.Admin, r.ID, report.Sections{Intro: "bad\x00"}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("NUL in a section: %v", err)
		}
		r, err = svc.SaveSections(f.Ctx, f.Admin, r.ID, report.Sections{Intro: "九月全市受理企业诉求4件。", Suggestions: "加快审批。"})
		if err != nil || r.Intro != "九月全市受理企业诉求4件。" || r.Suggestions != "加快审批。" {
			t.Fatalf("SaveSections = %+v, %v", r, err)
		}
		f.Clock.Set(at(10, 9, 10))
		r, err = svc.Publish(f.Ctx, f.Admin, r.ID)
		if err != nil || !r.Published() || r.PublishedAt == nil {
			t.Fatalf("Publish = %+v, %v", r, err)
		}
		// The leader is told.
		inbox, _, err := f.App.Notify.Inbox(f.Ctx, f.Leader, notify.InboxFilter{})
		if err != nil || len(inbox) != 1 || inbox[0].Kind != "appeal.report" {
			t.Errorf("leader's inbox = %+v, %v", inbox, err)
		}
		// Publishing freezes: closing S4 changes the rates, not the report.
		step := must[*appeal.Appeal](t)
		step(ap(f).Evaluate(f.Ctx, f.Ent, out["S4"].Number, appeal.EvaluateInput{Rating: appeal.RatingSatisfied}))
		step(ap(f).Close(f.Ctx, f.Admin, out["S4"].Number, appeal.NoteInput{}))
		rep, err := f.App.AppealStats.Figures(f.Ctx, f.Admin, stats.Query{From: "2026-09", To: "2026-09"})
		if err != nil || rep.Total.Closed != 2 {
			t.Fatalf("rates after closing S4: %+v, %v", rep.Total.Counts, err)
		}
		got, err := svc.FindReport(f.Ctx, f.Staff, r.ID)
		if err != nil || got.Figures.Current.Closed != 1 || got.Intro != "九月全市受理企业诉求4件。" {
			t.Errorf("published report = %+v, %v", got, err)
		}
		if _, err := svc.Generate(f.Ctx, f.Admin, "2026-09"); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("generate a published month: %v", err)
		}
		if _, err := svc.SaveSections(f.Ctx, f.Admin, r.ID, report.Sections{}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("edit a published report: %v", err)
		}
		if _, err := svc.Publish(f.Ctx, f.Admin, r.ID); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("publish twice: %v", err)
		}
		// On demand: this month's draft; a month not begun is refused.
		if d, err := svc.Generate(f.Ctx, f.Admin, "2026-10"); err != nil || d.Status != report.StatusDraft {
			t.Errorf("generate October: %+v, %v", d, err)
		}
		if _, err := svc.Generate(f.Ctx, f.Admin, "2026-11"); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("generate November: %v", err)
		}
		if _, err := svc.Generate(f.Ctx, f.Admin, "九月"); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("generate a bad month: %v", err)
		}
		if l, err := svc.Latest(f.Ctx, f.Staff); err != nil || l == nil || l.Month != "2026-09" {
			t.Errorf("unit's latest = %+v, %v", l, err)
		}
	})
}

func ap(f *fixture) *appeal.Service { return f.App.Appeals }
