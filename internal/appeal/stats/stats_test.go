package stats_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/appeal/stats"
	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
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

// fixture is a platform with two handling units (市发改委 with 区市场监管局
// below 洪山区 helping, 市商务局), accounts and one enterprise.
type fixture struct {
	App                                        *app.App
	Clock                                      *clock
	Ctx                                        context.Context
	FGW, Commerce, Hongshan, HSMarket          int64
	Admin, Leader, FGWStaff, CommerceStaff, HS *auth.Actor
	Ent                                        *auth.Actor
	USCC                                       string
}

func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newFixture(t, filepath.Join(t.TempDir(), "stats.db"))) })
	t.Run("postgres", func(t *testing.T) { fn(t, newFixture(t, storetest.PostgresDSN(t))) })
}

func newFixture(t *testing.T, dsn string) *fixture {
	t.Helper()
	c := &clock{t: at(3, 2, 10, 0)}
	cfg := config.Default()
	cfg.DB = dsn
	cfg.DataDir = t.TempDir()
	a, err := app.Open(context.Background(), cfg, app.Options{Now: c.Now, Worker: "stats-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ctx := audit.WithActor(context.Background(), audit.Who{Name: "test"})
	if _, err := a.DB.Migrate(ctx, c.Now); err != nil {
		t.Fatal(err)
	}
	f := &fixture{App: a, Clock: c, Ctx: ctx}
	op := auth.Operator("test")
	unit := func(name string, parent *int64) int64 {
		u, err := a.Org.CreateUnit(ctx, op, org.UnitInput{Name: name, Kind: org.KindDepartment, ParentID: parent})
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	office := unit("市优化营商环境办公室", nil)
	f.FGW = unit("市发展和改革委员会", nil)
	f.Commerce = unit("市商务局", nil)
	f.Hongshan = unit("洪山区人民政府", nil)
	f.HSMarket = unit("洪山区市场监督管理局", &f.Hongshan)
	code, err := enterprise.MakeUSCC('9', '1', "420111", "MA4KXX00")
	if err != nil {
		t.Fatal(err)
	}
	f.USCC = code
	district := "420111"
	if _, err := a.Enterprises.ImportRecords(ctx, func(yield func(*enterprise.Enterprise) error) error {
		return yield(&enterprise.Enterprise{USCC: code, Name: "武汉光谷智造有限公司", District: &district})
	}, enterprise.ImportOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	ref, err := a.Enterprises.RefByUSCC(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	user := func(name string, role auth.Role, unit *int64, ent *int64) *auth.Actor {
		u, err := a.Auth.CreateUser(ctx, op, auth.UserInput{Username: name, DisplayName: name, Password: "test-pass-123", Role: role,
			UnitID: unit, EnterpriseID: ent})
		if err != nil {
			t.Fatal(err)
		}
		return u.Actor()
	}
	f.Admin = user("admin", auth.RoleAdmin, &office, nil)
	f.Leader = user("leader", auth.RoleLeader, nil, nil)
	f.FGWStaff = user("fgw", auth.RoleUnitStaff, &f.FGW, nil)
	f.CommerceStaff = user("commerce", auth.RoleUnitStaff, &f.Commerce, nil)
	f.HS = user("hongshan", auth.RoleUnitStaff, &f.Hongshan, nil)
	f.Ent = user("ent", auth.RoleEnterprise, nil, &ref.ID)
	if _, err := a.Appeals.SaveEntry(ctx, op, appeal.EntryInput{Code: "approval", Category: "审批服务", UnitID: f.FGW,
		CoUnitIDs: []int64{f.HSMarket}, Class: "一般"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Appeals.SaveEntry(ctx, op, appeal.EntryInput{Code: "finance", Category: "融资信贷", UnitID: f.Commerce, Class: "一般"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// at is an instant of 2026 in Asia/Shanghai.
func at(month, day, hour, minute int) time.Time {
	return time.Date(2026, time.Month(month), day, hour, minute, 0, 0, workday.Shanghai)
}

// h fails its test on an error of the call it wraps.
type h struct{ *testing.T }

func (t h) fail(err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (t h) step(a *appeal.Appeal, err error) *appeal.Appeal { t.Helper(); t.fail(err); return a }

func (t h) report(r *stats.Report, err error) *stats.Report { t.Helper(); t.fail(err); return r }

func (t h) rank(r *stats.Ranking, err error) *stats.Ranking { t.Helper(); t.fail(err); return r }

func (t h) month(m *stats.Month, err error) *stats.Month { t.Helper(); t.fail(err); return m }

func (t h) months(m []stats.Month, err error) []stats.Month { t.Helper(); t.fail(err); return m }

func (t h) config(c *stats.Config, err error) *stats.Config { t.Helper(); t.fail(err); return c }

func (t h) classes(c []appeal.Class, err error) []appeal.Class { t.Helper(); t.fail(err); return c }

// history walks seven appeals through March and April 2026 (see the
// comments), each step at its instant.
func history(t *testing.T, f *fixture) map[string]*appeal.Appeal {
	t.Helper()
	ap := f.App.Appeals
	ctx := f.Ctx
	file := func(name, category string) *appeal.Appeal {
		a, _, err := ap.File(ctx, f.Ent, appeal.Intake{ExternalRef: name, USCC: f.USCC, Category: category, Title: "诉求" + name,
			Content: "诉求内容" + name, ContactName: "赵经理", ContactPhone: "027-87654321"})
		if err != nil {
			t.Fatalf("file %s: %v", name, err)
		}
		return a
	}
	set := func(month, day, hour, minute int) { f.Clock.Set(at(month, day, hour, minute)) }
	ref := func(a *appeal.Appeal) string { return a.Number }
	solved := appeal.ReplyInput{Result: appeal.ResultSolved, Measures: "已办结"}
	out := map[string]*appeal.Appeal{}
	// 2 March 10:00: six appeals (due 9 March).
	for _, n := range []string{"A1", "A2", "A5", "A7"} {
		out[n] = file(n, "审批服务")
	}
	out["A3"] = file("A3", "融资信贷")
	out["A6"] = file("A6", "其他") // stays with the office: never dispatched
	// A3 is returned twice by 市商务局 and dispatched back each time.
	set(3, 2, 10, 10)
	h{t}.step(ap.Return(ctx, f.CommerceStaff, ref(out["A3"]), appeal.ReasonInput{Reason: "不属于本单位"}))
	h{t}.step(ap.Dispatch(ctx, f.Admin, ref(out["A3"]), appeal.DispatchInput{UnitID: f.Commerce}))
	set(3, 2, 10, 30)
	h{t}.step(ap.Return(ctx, f.CommerceStaff, ref(out["A3"]), appeal.ReasonInput{Reason: "仍不属于本单位"}))
	h{t}.step(ap.Dispatch(ctx, f.Admin, ref(out["A3"]), appeal.DispatchInput{UnitID: f.Commerce}))
	for _, n := range []string{"A1", "A5", "A7"} {
		h{t}.step(ap.Sign(ctx, f.FGWStaff, ref(out[n]), appeal.NoteInput{}))
	}
	set(3, 2, 11, 0)
	h{t}.step(ap.Sign(ctx, f.CommerceStaff, ref(out["A3"]), appeal.NoteInput{}))
	// 3 March: first replies; A3 is judged 不满意 (reopened), A5 满意.
	set(3, 3, 10, 0)
	for _, n := range []string{"A3", "A5", "A7"} {
		u := f.FGWStaff
		if n == "A3" {
			u = f.CommerceStaff
		}
		h{t}.step(ap.Reply(ctx, u, ref(out[n]), solved))
	}
	set(3, 3, 10, 30)
	h{t}.step(ap.Evaluate(ctx, f.Ent, ref(out["A3"]), appeal.EvaluateInput{Rating: appeal.RatingUnsatisfied, Comment: "没有解决"}))
	h{t}.step(ap.Evaluate(ctx, f.Ent, ref(out["A5"]), appeal.EvaluateInput{Rating: appeal.RatingSatisfied}))
	// A2 is signed for a day late (due 2 March 15:30).
	set(3, 3, 15, 0)
	h{t}.step(ap.Sign(ctx, f.FGWStaff, ref(out["A2"]), appeal.NoteInput{}))
	set(3, 4, 10, 0)
	h{t}.step(ap.Reply(ctx, f.FGWStaff, ref(out["A1"]), solved))
	h{t}.step(ap.Evaluate(ctx, f.Ent, ref(out["A1"]), appeal.EvaluateInput{Rating: appeal.RatingSatisfied}))
	h{t}.step(ap.Close(ctx, f.Admin, ref(out["A5"]), appeal.NoteInput{}))
	set(3, 5, 10, 0)
	h{t}.step(ap.Close(ctx, f.Admin, ref(out["A1"]), appeal.NoteInput{}))
	h{t}.step(ap.Reply(ctx, f.CommerceStaff, ref(out["A3"]), solved))
	h{t}.step(ap.Evaluate(ctx, f.Ent, ref(out["A3"]), appeal.EvaluateInput{Rating: appeal.RatingSatisfied}))
	set(3, 6, 10, 0)
	h{t}.step(ap.Close(ctx, f.Admin, ref(out["A3"]), appeal.NoteInput{}))
	// A5 is reopened after closing (new clock: due 17 March, left open).
	set(3, 10, 10, 0)
	h{t}.step(ap.Reopen(ctx, f.Admin, ref(out["A5"]), appeal.ReasonInput{Reason: "回访发现问题仍在"}))
	// A2 is answered late with 解释说明 (基本满意).
	set(3, 12, 10, 0)
	h{t}.step(ap.Reply(ctx, f.FGWStaff, ref(out["A2"]), appeal.ReplyInput{Result: appeal.ResultExplained, Measures: "已解释政策"}))
	h{t}.step(ap.Evaluate(ctx, f.Ent, ref(out["A2"]), appeal.EvaluateInput{Rating: appeal.RatingBasic}))
	h{t}.step(ap.Close(ctx, f.Admin, ref(out["A2"]), appeal.NoteInput{}))
	// A7 is evaluated after its window (10 March) before the expiry job ran.
	set(3, 20, 10, 0)
	h{t}.step(ap.Evaluate(ctx, f.Ent, ref(out["A7"]), appeal.EvaluateInput{Rating: appeal.RatingSatisfied}))
	h{t}.step(ap.Close(ctx, f.Admin, ref(out["A7"]), appeal.NoteInput{}))
	// A4: filed 25 March (due 1 April), paused across the month boundary
	// (27 March – 2 April), answered 3 April on time thanks to the pause;
	// never evaluated (未评价), closed 20 April.
	set(3, 25, 10, 0)
	out["A4"] = file("A4", "审批服务")
	set(3, 25, 10, 30)
	h{t}.step(ap.Sign(ctx, f.FGWStaff, ref(out["A4"]), appeal.NoteInput{}))
	set(3, 27, 10, 0)
	h{t}.step(ap.Pause(ctx, f.FGWStaff, ref(out["A4"]), appeal.ReasonInput{Reason: "请补充施工图纸"}))
	set(4, 2, 10, 0)
	h{t}.step(ap.Resume(ctx, f.FGWStaff, ref(out["A4"]), appeal.NoteInput{}))
	set(4, 3, 10, 0)
	h{t}.step(ap.Reply(ctx, f.FGWStaff, ref(out["A4"]), solved))
	set(4, 20, 10, 0)
	if _, err := ap.ExpireEvaluations(ctx); err != nil {
		t.Fatal(err)
	}
	h{t}.step(ap.Close(ctx, f.Admin, ref(out["A4"]), appeal.NoteInput{}))
	return out
}

func eqRate(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil || math.Abs(*got-want) > 1e-9 {
		t.Errorf("%s = %s, want %.4f%%", what, stats.Pct(got), want)
	}
}

func row(t *testing.T, rep *stats.Report, key string) stats.Row {
	t.Helper()
	for _, r := range rep.Rows {
		if r.Key == key {
			return r
		}
	}
	t.Fatalf("no row %q in %+v", key, rep.Rows)
	return stats.Row{}
}

// TestRatesByHand checks every count and rate of March 2026 against the
// figures worked out by hand from the history (see history).
func TestRatesByHand(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		history(t, f)
		s := f.App.AppealStats
		rep := h{t}.report(s.Figures(f.Ctx, f.Admin, stats.Query{From: "2026-03", By: stats.ByUnit}))
		c := rep.Total.Counts
		want := stats.Counts{Received: 7, Signed: 6, SignedOnTime: 5, Replied: 6, RepliedOnTime: 5, Answered: 6, Solved: 5, Explained: 1,
			Evaluated: 5, Satisfied: 5, VerySatisfied: 4, Unevaluated: 1, Closed: 5, FirstTime: 3, Reopened: 2, Returned: 1, Backlog: 2,
			ReplyDays: 20}
		if fmt.Sprintf("%+v", c) != fmt.Sprintf("%+v", withHist(want, c)) {
			t.Errorf("March counts\n got %+v\nwant %+v", c, want)
		}
		r := rep.Total.Rates
		eqRate(t, "签收及时率", r.SignOnTime, 500.0/6)
		eqRate(t, "按时办结率", r.HandleOnTime, 500.0/6)
		eqRate(t, "一次性化解率", r.FirstTime, 60)
		eqRate(t, "满意率", r.Satisfaction, 100)
		eqRate(t, "响应率", r.Response, 500.0/7)
		eqRate(t, "解决率", r.Solve, 500.0/6)
		eqRate(t, "重办率", r.Reopen, 200.0/6)
		eqRate(t, "退回率", r.Return, 100.0/7)
		eqRate(t, "平均答复用时", r.AvgReplyDays, 20.0/6)
		if r.P90ReplyDays == nil || *r.P90ReplyDays != 8 {
			t.Errorf("p90 = %v, want 8", r.P90ReplyDays)
		}
		// Per unit: 市发改委 A1 A2 A4 A5 A7; 市商务局 A3; A6 with no unit.
		fgw := row(t, rep, fmt.Sprint(f.FGW))
		if fgw.Received != 5 || fgw.SignedOnTime != 4 || fgw.Closed != 4 || fgw.FirstTime != 3 || fgw.Backlog != 1 || fgw.Name != "市发展和改革委员会" {
			t.Errorf("市发改委: %+v", fgw)
		}
		com := row(t, rep, fmt.Sprint(f.Commerce))
		if com.Received != 1 || com.Returned != 1 || com.Reopened != 1 || com.FirstTime != 0 || com.Closed != 1 {
			t.Errorf("市商务局: %+v", com)
		}
		none := row(t, rep, "")
		if none.Received != 1 || none.Backlog != 1 || none.Signed != 0 {
			t.Errorf("未派单: %+v", none)
		}
		// April: nothing received, and A4's backlog month is April but it
		// was closed on 20 April.
		apr := h{t}.report(s.Figures(f.Ctx, f.Admin, stats.Query{From: "2026-04", By: stats.ByUnit}))
		if apr.Total.Received != 0 || apr.Total.Backlog != 0 {
			t.Errorf("April: %+v", apr.Total.Counts)
		}
		// By category, district and channel the totals are the same.
		for _, by := range []string{stats.ByCategory, stats.ByDistrict, stats.ByChannel} {
			rep := h{t}.report(s.Figures(f.Ctx, f.Admin, stats.Query{From: "2026Q1", By: by}))
			if rep.Total.Counts != c {
				t.Errorf("by %s: total %+v, want %+v", by, rep.Total.Counts, c)
			}
		}
		cat := h{t}.report(s.Figures(f.Ctx, f.Admin, stats.Query{From: "2026-03", By: stats.ByCategory}))
		if r := row(t, cat, "融资信贷"); r.Received != 1 || r.Returned != 1 {
			t.Errorf("融资信贷: %+v", r)
		}
		ch := h{t}.report(s.Figures(f.Ctx, f.Admin, stats.Query{From: "2026-03", By: stats.ByChannel}))
		if r := row(t, ch, "portal"); r.Received != 7 || r.Name != "企业端" {
			t.Errorf("企业端: %+v", r)
		}
	})
}

// withHist copies the reply-day histogram of got into want (the
// histogram is unexported; the p90 checks it).
func withHist(want, got stats.Counts) stats.Counts {
	g := got
	g.Received, g.Signed, g.SignedOnTime, g.Replied, g.RepliedOnTime = want.Received, want.Signed, want.SignedOnTime, want.Replied, want.RepliedOnTime
	g.Answered, g.Solved, g.Explained, g.NotOurs = want.Answered, want.Solved, want.Explained, want.NotOurs
	g.Evaluated, g.Satisfied, g.VerySatisfied, g.Unsatisfied, g.Unevaluated = want.Evaluated, want.Satisfied, want.VerySatisfied, want.Unsatisfied, want.Unevaluated
	g.Closed, g.FirstTime, g.Reopened, g.Returned, g.Backlog, g.ReplyDays = want.Closed, want.FirstTime, want.Reopened, want.Returned, want.Backlog, want.ReplyDays
	return g
}

// cellDump reads every non-zero cell as text, in order.
func cellDump(t *testing.T, f *fixture) string {
	t.Helper()
	rows, err := f.App.DB.QueryContext(f.Ctx, `SELECT dim, month, key, unit_id, status, received, signed, signed_on_time, replied,
		replied_on_time, reply_days, solved, explained, not_ours, satisfied, basic, unsatisfied, unevaluated, closed, first_time, reopened,
		returned, backlog, rd0, rd1, rd2, rd7, rd8 FROM appeal_stat_cells`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var dim, month, key, status string
		var unit int64
		n := make([]int64, 23)
		dest := []any{&dim, &month, &key, &unit, &status}
		zero := true
		for i := range n {
			dest = append(dest, &n[i])
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		for _, v := range n {
			zero = zero && v == 0
		}
		if !zero {
			lines = append(lines, fmt.Sprint(dim, month, key, unit, status, n))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestCellsEqualRecomputation: the cells kept current transaction by
// transaction equal those rebuilt from the appeals table, and the figures
// equal those computed from each appeal's events through appeal.Derive
// and from plain SQL over the appeals table.
func TestCellsEqualRecomputation(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		aps := history(t, f)
		s := f.App.AppealStats
		kept := cellDump(t, f)
		if kept == "" {
			t.Fatal("no cells were kept")
		}
		if err := s.Rebuild(f.Ctx, "", "", nil); err != nil {
			t.Fatal(err)
		}
		if rebuilt := cellDump(t, f); rebuilt != kept {
			t.Errorf("cells kept current differ from a rebuild\nkept:\n%s\nrebuilt:\n%s", kept, rebuilt)
		}
		// From the events: derive each appeal again and sum by hand.
		classes := h{t}.classes(f.App.Appeals.FindClasses(f.Ctx, f.Admin))
		env := appeal.Env{Calendar: f.App.Appeals.Calendar(), Hours: f.App.Appeals.Hours(), Classes: map[int64]appeal.Class{}}
		for _, k := range classes {
			env.Classes[k.ID] = k
		}
		var received, signedOnTime, firstTime, closed, satisfied, backlog int
		for _, a := range aps {
			full := h{t}.step(f.App.Appeals.FindAppealByID(f.Ctx, f.Admin, a.Number))
			if len(full.Events) == 0 {
				t.Fatal("no events read")
			}
			st := appeal.Derive(full.Events, env)
			if full.ReceivedAt.Month() != time.March {
				continue
			}
			received++
			if st.SignedOnTime != nil && *st.SignedOnTime {
				signedOnTime++
			}
			if st.Status == appeal.StatusClosed {
				closed++
				if *st.FirstTime {
					firstTime++
				}
			}
			if st.Evaluation == appeal.RatingSatisfied || st.Evaluation == appeal.RatingBasic {
				satisfied++
			}
			if st.DueDate.String()[:7] == "2026-03" && (st.ClosedAt == nil || workday.DateOf(*st.ClosedAt) > workday.MustParseDate("2026-03-31")) {
				backlog++
			}
		}
		rep := h{t}.report(s.Figures(f.Ctx, f.Admin, stats.Query{From: "2026-03", To: "2026-03", By: stats.ByUnit}))
		got := rep.Total.Counts
		if int(got.Received) != received || int(got.SignedOnTime) != signedOnTime || int(got.FirstTime) != firstTime ||
			int(got.Closed) != closed || int(got.Satisfied) != satisfied || int(got.Backlog) != backlog {
			t.Errorf("figures %+v, from the events: received %d, signed on time %d, first time %d, closed %d, satisfied %d, backlog %d",
				got, received, signedOnTime, firstTime, closed, satisfied, backlog)
		}
		// Plain SQL over the appeals table (the peer).
		from, to := at(3, 1, 0, 0).UnixMilli(), at(4, 1, 0, 0).UnixMilli()
		var n, sot, ft, cl, sat int64
		if err := f.App.DB.QueryRowContext(f.Ctx, `SELECT COUNT(*),
			SUM(CASE WHEN signed_on_time THEN 1 ELSE 0 END), SUM(CASE WHEN first_time THEN 1 ELSE 0 END),
			SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), SUM(CASE WHEN evaluation IN ('满意', '基本满意') THEN 1 ELSE 0 END)
			FROM appeals WHERE received_at >= ? AND received_at < ? AND status <> 'merged'`, from, to).Scan(&n, &sot, &ft, &cl, &sat); err != nil {
			t.Fatal(err)
		}
		if n != got.Received || sot != got.SignedOnTime || ft != got.FirstTime || cl != got.Closed || sat != got.Satisfied {
			t.Errorf("SQL over appeals: %d %d %d %d %d, figures %+v", n, sot, ft, cl, sat, got)
		}
	})
}

// TestPublishedMonthIsFrozen: a published month keeps its figures when the
// configuration or an appeal changes, and publishing again recomputes it.
func TestPublishedMonthIsFrozen(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		aps := history(t, f)
		s := f.App.AppealStats
		q := stats.Query{From: "2026-03", By: stats.ByUnit}
		if _, err := s.Publish(f.Ctx, f.FGWStaff, "2026-03"); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("a unit publishes: %v", err)
		}
		m := h{t}.month(s.Publish(f.Ctx, f.Admin, "2026-03"))
		if m.ConfigVersion != 1 {
			t.Errorf("published with version %d", m.ConfigVersion)
		}
		before := h{t}.report(s.Figures(f.Ctx, f.Admin, q))
		eqRate(t, "解决率 published", before.Total.Rates.Solve, 500.0/6)
		// 解释说明 now counts as solved, and A5 (reopened, open) is answered
		// and closed after publication.
		cfg := h{t}.config(s.SaveConfig(f.Ctx, f.Admin, stats.ConfigInput{Counted: []string{"dispatching", "signing", "handling", "paused",
			"evaluating", "closing", "closed"}, ExplainedSolved: true, Weights: stats.Weights{Response: 0.2, Solve: 0.4, Satisfy: 0.4},
			RedBelow: 80, RedLast: 1, Note: "解释说明计为解决"}))
		if cfg.Version != 2 {
			t.Errorf("new version %d", cfg.Version)
		}
		f.Clock.Set(at(4, 21, 10, 0))
		h{t}.step(f.App.Appeals.Reply(f.Ctx, f.FGWStaff, aps["A5"].Number, appeal.ReplyInput{Result: appeal.ResultSolved, Measures: "再次办结"}))
		h{t}.step(f.App.Appeals.Evaluate(f.Ctx, f.Ent, aps["A5"].Number, appeal.EvaluateInput{Rating: appeal.RatingSatisfied}))
		h{t}.step(f.App.Appeals.Close(f.Ctx, f.Admin, aps["A5"].Number, appeal.NoteInput{}))
		frozen := h{t}.report(s.Figures(f.Ctx, f.Admin, q))
		if frozen.Total.Counts != before.Total.Counts {
			t.Errorf("a published month moved:\n%+v\n%+v", frozen.Total.Counts, before.Total.Counts)
		}
		if len(frozen.Versions) != 1 || frozen.Versions[0] != 1 {
			t.Errorf("read with versions %v", frozen.Versions)
		}
		// Publishing again recomputes it with both changes.
		m = h{t}.month(s.Publish(f.Ctx, f.Admin, "2026-03"))
		if m.ConfigVersion != 2 {
			t.Errorf("recomputed with version %d", m.ConfigVersion)
		}
		again := h{t}.report(s.Figures(f.Ctx, f.Admin, q))
		eqRate(t, "解决率 recomputed", again.Total.Rates.Solve, 100)
		if again.Total.Closed != 6 || again.Total.Backlog != 2 {
			t.Errorf("recomputed: %+v", again.Total.Counts)
		}
		months := h{t}.months(s.PublishedMonths(f.Ctx, f.Leader))
		if len(months) != 1 || months[0].Month != "2026-03" {
			t.Errorf("published months %+v", months)
		}
		// Excluding a status is a configuration too: without 待派单, A6 no
		// longer counts once the month is published again.
		h{t}.config(s.SaveConfig(f.Ctx, f.Admin, stats.ConfigInput{Counted: []string{"signing", "handling", "paused", "evaluating", "closing", "closed"},
			ExplainedSolved: true, Weights: stats.Weights{Response: 1}}))
		h{t}.month(s.Publish(f.Ctx, f.Admin, "2026-03"))
		if rep := (h{t}).report(s.Figures(f.Ctx, f.Admin, q)); rep.Total.Received != 6 {
			t.Errorf("without 待派单: %+v", rep.Total.Counts)
		}
		if _, err := s.SaveConfig(f.Ctx, f.Admin, stats.ConfigInput{Counted: []string{"nonsense"}, Weights: stats.Weights{Response: 1}}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("a bad status: %v", err)
		}
	})
}

// TestRankingAndScope: the ranking's scores, ranks, trend and red list;
// who reads which figures.
func TestRankingAndScope(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		history(t, f)
		s := f.App.AppealStats
		rk := h{t}.rank(s.Rank(f.Ctx, f.Leader, stats.Query{From: "2026-03", By: stats.ByUnit}))
		if len(rk.Ranked) != 2 {
			t.Fatalf("ranked %+v", rk.Ranked)
		}
		// 市商务局: 响应率 100, 解决率 100, 满意率 100 → 100.
		// 市发改委: 响应率 4/5, 解决率 4/5, 满意率 4/4 → 0.2·80 + 0.4·80 + 0.4·100 = 88.
		top, second := rk.Ranked[0], rk.Ranked[1]
		if top.Name != "市商务局" || top.Rank != 1 || *top.Score != 100 || top.Trend != "new" {
			t.Errorf("first %+v", top)
		}
		if second.Name != "市发展和改革委员会" || second.Rank != 2 || math.Abs(*second.Score-88) > 1e-9 {
			t.Errorf("second %+v score %v", second, *second.Score)
		}
		// The default red list: below 80 or the last 3 — both here.
		if len(rk.Red) != 2 {
			t.Errorf("red list %+v", rk.Red)
		}
		if rk.Previous.From != "2026-02" {
			t.Errorf("previous %+v", rk.Previous)
		}
		q := h{t}.rank(s.Rank(f.Ctx, f.Admin, stats.Query{From: "2026-04", To: "2026-05", By: stats.ByUnit}))
		if q.Previous.From != "2026-02" || q.Previous.To != "2026-03" || len(q.Ranked) != 0 {
			t.Errorf("April–May: %+v %+v", q.Previous, q.Ranked)
		}
		if _, err := s.Rank(f.Ctx, f.Admin, stats.Query{From: "2026-03", By: stats.ByCategory}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("rank by category: %v", err)
		}
		// A unit reads its own figures only; a parent unit those below it.
		own := h{t}.report(s.Figures(f.Ctx, f.FGWStaff, stats.Query{From: "2026-03", By: stats.ByCategory}))
		if own.Total.Received != 5 {
			t.Errorf("市发改委 reads %+v", own.Total.Counts)
		}
		hs := h{t}.report(s.Figures(f.Ctx, f.HS, stats.Query{From: "2026-03", By: stats.ByUnit}))
		if hs.Total.Received != 0 {
			t.Errorf("洪山区 reads %+v", hs.Total.Counts)
		}
		if _, err := s.Figures(f.Ctx, f.Ent, stats.Query{From: "2026-03"}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("an enterprise reads rates: %v", err)
		}
		if _, err := s.Figures(f.Ctx, nil, stats.Query{From: "2026-03"}); errs.CodeOf(err) != errs.Unauthenticated {
			t.Errorf("no one reads rates: %v", err)
		}
		for _, bad := range []stats.Query{{From: ""}, {From: "2026-13"}, {From: "2026-03", To: "2026-01"}, {From: "2026-03", By: "street"}} {
			if _, err := s.Figures(f.Ctx, f.Admin, bad); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("%+v: %v", bad, err)
			}
		}
	})
}

func TestParsePeriod(t *testing.T) {
	for _, c := range []struct{ from, to, want, label string }{
		{"2026-01", "2026-03", "2026-01..2026-03", "2026年第1季度"},
		{"2026Q2", "", "2026-04..2026-06", "2026年第2季度"},
		{"2026", "", "2026-01..2026-12", "2026年"},
		{"2026-3", "", "2026-03..2026-03", "2026年3月"},
		{"2025-11", "2026-02", "2025-11..2026-02", "2025年11月至2026年2月"},
	} {
		p, err := stats.ParsePeriod(c.from, c.to)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.From + ".." + p.To; got != c.want || p.Label() != c.label {
			t.Errorf("%s–%s: %s %s", c.from, c.to, got, p.Label())
		}
	}
	p, _ := stats.ParsePeriod("2026Q1", "")
	if prev := p.Previous(); prev.From != "2025-10" || prev.To != "2025-12" {
		t.Errorf("previous of 2026Q1: %+v", prev)
	}
}

// TestSeededHistoryAgrees: a seeded history is deterministic, and the
// figures rebuilt over it equal the sums of the states derived from each
// appeal's events.
func TestSeededHistoryAgrees(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ap := f.App.Appeals
		res, err := ap.SeedHistory(f.Ctx, appeal.SeedOptions{N: 300, Seed: 7}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Appeals != 300 || res.Events < 300*4 {
			t.Fatalf("seeded %+v", res)
		}
		s := f.App.AppealStats
		if err := s.Rebuild(f.Ctx, "", "", nil); err != nil {
			t.Fatal(err)
		}
		rep := h{t}.report(s.Figures(f.Ctx, f.Admin, stats.Query{From: "2023-01", To: "2026-03", By: stats.ByChannel}))
		classes := h{t}.classes(ap.FindClasses(f.Ctx, f.Admin))
		env := appeal.Env{Calendar: ap.Calendar(), Hours: ap.Hours(), Classes: map[int64]appeal.Class{}}
		for _, k := range classes {
			env.Classes[k.ID] = k
		}
		var signedOnTime, repliedOnTime, firstTime, reopened, returned, unsatisfied int64
		first := ""
		for id := 1; id <= 300; id++ {
			a := h{t}.step(ap.FindAppealByID(f.Ctx, f.Admin, fmt.Sprint(id)))
			if id == 1 {
				b, _ := json.Marshal(a.Events)
				first = string(b)
			}
			st := appeal.Derive(a.Events, env)
			if st.SignedOnTime != nil && *st.SignedOnTime {
				signedOnTime++
			}
			if st.RepliedOnTime != nil && *st.RepliedOnTime {
				repliedOnTime++
			}
			if st.FirstTime != nil && *st.FirstTime {
				firstTime++
			}
			if st.Reopens > 0 {
				reopened++
			}
			if st.Returns > 0 {
				returned++
			}
			if st.Evaluation == appeal.RatingUnsatisfied {
				unsatisfied++
			}
		}
		c := rep.Total.Counts
		if c.Received != 300 || c.SignedOnTime != signedOnTime || c.RepliedOnTime != repliedOnTime || c.FirstTime != firstTime ||
			c.Reopened != reopened || c.Returned != returned || c.Unsatisfied != unsatisfied {
			t.Errorf("figures %+v; from the events: %d %d %d %d %d %d", c, signedOnTime, repliedOnTime, firstTime, reopened, returned, unsatisfied)
		}
		if c.Closed == 0 || c.Unevaluated == 0 || c.Explained == 0 || signedOnTime == c.Signed {
			t.Errorf("an implausible history: %+v", c)
		}
		// Appeals are numbered in the order of their receipt (by day).
		var disorder int
		if err := f.App.DB.QueryRowContext(f.Ctx, `SELECT COUNT(*) FROM appeals a JOIN appeals b ON b.id = a.id + 1
			WHERE b.received_at < a.received_at - 86400000`).Scan(&disorder); err != nil {
			t.Fatal(err)
		}
		if disorder > 0 {
			t.Errorf("%d seeded appeals were received more than a day before the one numbered before them", disorder)
		}
		// The same options give the same history (a second set, numbered on).
		if _, err := ap.SeedHistory(f.Ctx, appeal.SeedOptions{N: 300, Seed: 7}, nil); err != nil {
			t.Fatal(err)
		}
		again := h{t}.step(ap.FindAppealByID(f.Ctx, f.Admin, "301"))
		if b, _ := json.Marshal(again.Events); string(b) != first {
			t.Errorf("seed 7 gave another first appeal:\n%s\n%s", b, first)
		}
	})
}

// TestRebuildDuringTransitions: appeals filed while their month is being
// recomputed are all in the cells afterwards — a rebuild never drops a
// delta that a transition committed between its read of the appeals and
// its replacement of the month's cells.
func TestRebuildDuringTransitions(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		s := f.App.AppealStats
		const filers, each = 4, 15
		var wg sync.WaitGroup
		done := make(chan struct{})
		rebuilds := 0
		var rebuildErr error
		var stop atomic.Bool
		go func() {
			defer close(done)
			for {
				select {
				case <-f.Ctx.Done():
					return
				default:
				}
				if err := s.Rebuild(f.Ctx, "2026-03", "2026-03", nil); err != nil {
					rebuildErr = err
					return
				}
				rebuilds++
				if stop.Load() {
					return
				}
			}
		}()
		for g := range filers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					ref := fmt.Sprintf("R%d-%d", g, i)
					if _, _, err := f.App.Appeals.File(f.Ctx, f.Ent, appeal.Intake{ExternalRef: ref, USCC: f.USCC, Category: "审批服务",
						Title: "诉求" + ref, Content: "诉求内容" + ref, ContactName: "赵经理", ContactPhone: "027-87654321"}); err != nil {
						t.Errorf("file %s: %v", ref, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		stop.Store(true)
		<-done
		if rebuildErr != nil {
			t.Fatal(rebuildErr)
		}
		kept := cellDump(t, f)
		if err := s.Rebuild(f.Ctx, "2026-03", "2026-03", nil); err != nil {
			t.Fatal(err)
		}
		if rebuilt := cellDump(t, f); rebuilt != kept {
			t.Errorf("after %d rebuilds during %d intakes the cells differ from a rebuild\nkept:\n%s\nrebuilt:\n%s", rebuilds, filers*each, kept, rebuilt)
		}
	})
}
