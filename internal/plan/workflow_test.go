package plan_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/plan"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

func inbox(t *testing.T, f *fixture, a *auth.Actor) []notify.Notification {
	t.Helper()
	list, _, err := f.Notify.Inbox(context.Background(), a, notify.InboxFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func countKind(list []notify.Notification, kind string) int {
	n := 0
	for _, x := range list {
		if x.Kind == kind {
			n++
		}
	}
	return n
}

// TestWorkflow runs a plan from publication through signing, reports that
// move an indicator, 督办, 销号, reporting rates, reminders and the ranking,
// on both databases. The plan is published on Thursday 28 March 2024; its
// March reports are due on the 5th working day of April, Monday 8 April
// (4–6 April are the Qingming holiday, Sunday 7 April a make-up day).
func TestWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		res := f.importSmall(t)
		t.Run("ErrPublishWithUnknownUnits", func(t *testing.T) {
			if _, err := f.Svc.Publish(ctxAs(f.Admin), f.Admin, res.ID); errs.CodeOf(err) != errs.Conflict {
				t.Errorf("publish with unknown units: %v", err)
			}
		})
		p := func() *plan.Plan {
			ctx := ctxAs(f.Admin)
			if _, err := f.Svc.MapUnits(ctx, f.FGW, res.ID, plan.MapInput{Name: "市工商联", Ignore: true}); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("a unit maps names: %v", err)
			}
			n, err := f.Svc.MapUnits(ctx, f.Admin, res.ID, plan.MapInput{Name: "各区人民政府",
				UnitIDs: []int64{f.Units["洪山区人民政府"].ID, f.Units["江岸区人民政府"].ID}})
			if err != nil || n != 1 {
				t.Fatalf("map: %d %v", n, err)
			}
			if _, err := f.Svc.MapUnits(ctx, f.Admin, res.ID, plan.MapInput{Name: "市工商联", Ignore: true}); err != nil {
				t.Fatal(err)
			}
			p, err := f.Svc.Publish(ctx, f.Admin, res.ID)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}()
		if p.Status != plan.StatusPublished || p.Counts.Total != 4 {
			t.Fatalf("published %+v", p)
		}
		t.Run("OKAssigned", func(t *testing.T) {
			for _, a := range []*auth.Actor{f.FGW, f.SCJ, f.District, f.Street} {
				if n := countKind(inbox(t, f, a), plan.NoticeAssigned); n != 1 {
					t.Errorf("%s was told %d times of its tasks", a.Name, n)
				}
			}
			reps, total, err := f.Svc.FindReports(ctx, f.Admin, plan.ReportFilter{PlanID: p.ID})
			if err != nil || total != 5 {
				t.Fatalf("expected reports %d %v", total, err)
			}
			for _, r := range reps {
				if r.Period != "2024-03" || r.DueDate.String() != "2024-04-08" || r.Status != plan.ReportPending {
					t.Errorf("slot %+v", r)
				}
			}
		})
		t.Run("OKScopes", func(t *testing.T) {
			// The street sees its task; the district its own and the
			// street's; the leader all; another unit not the street's.
			for _, tc := range []struct {
				a    *auth.Actor
				want int
			}{{f.Street, 1}, {f.District, 3}, {f.FGW, 1}, {f.SCJ, 2}} {
				list, _, err := f.Svc.FindTasks(ctx, tc.a, plan.TaskFilter{Mine: true})
				if err != nil || len(list) != tc.want {
					t.Errorf("%s's tasks: %d %v, want %d", tc.a.Name, len(list), err, tc.want)
				}
			}
			street := f.task(t, p, "二.(二).2")
			if _, _, err := f.Svc.FindTaskByID(ctx, f.District, street.ID); err != nil {
				t.Errorf("the district reads its street's task: %v", err)
			}
			if _, _, err := f.Svc.FindTaskByID(ctx, f.Leader, street.ID); err != nil {
				t.Errorf("the leader reads every task: %v", err)
			}
		})
		t.Run("OKSign", func(t *testing.T) {
			tk := f.task(t, p, "二.(一).1")
			if err := f.Svc.SignTask(ctxAs(f.FGW), f.FGW, tk.ID); err != nil {
				t.Fatal(err)
			}
			if err := f.Svc.SignTask(ctxAs(f.FGW), f.FGW, tk.ID); errs.CodeOf(err) != errs.Conflict {
				t.Errorf("signed twice: %v", err)
			}
			if err := f.Svc.SignTask(ctxAs(f.Street), f.Street, tk.ID); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("another unit signs: %v", err)
			}
			tk = f.task(t, p, "二.(一).1")
			signed := 0
			for _, u := range tk.Units {
				if u.SignedAt != nil {
					signed++
				}
			}
			if signed != 1 {
				t.Errorf("signatures %+v", tk.Units)
			}
		})
		indicatorID := func() int64 {
			return f.task(t, p, "二.(一).2").Indicators[0].ID
		}()
		t.Run("OKReports", func(t *testing.T) {
			f.Clock.Set("2024-04-08") // the due day
			tk := f.task(t, p, "二.(一).1")
			progress := 30
			r, err := f.Svc.FileReport(ctxAs(f.FGW), f.FGW, p.ID, plan.ReportInput{Summary: "总体顺利", Items: []plan.ReportItemInput{
				{TaskID: tk.ID, Progress: &progress, Text: "起草办法征求意见稿", MilestoneID: &tk.Milestones[0].ID}}})
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != plan.ReportFiled || r.OnTime == nil || !*r.OnTime || len(r.Items) != 1 {
				t.Errorf("report %+v", r)
			}
			tk = f.task(t, p, "二.(一).1")
			if tk.Progress == nil || *tk.Progress != 30 || tk.LatestText != "起草办法征求意见稿" || tk.Milestones[0].ReachedOn == nil {
				t.Errorf("task after report %+v %+v", tk, tk.Milestones)
			}
			// The next day, late: the 市场监管局 reports the indicator.
			f.Clock.Set("2024-04-09")
			r, err = f.Svc.FileReport(ctxAs(f.SCJ), f.SCJ, p.ID, plan.ReportInput{Values: []plan.ValueInput{
				{IndicatorID: indicatorID, Value: 800, Evidence: "登记系统统计"}}})
			if err != nil {
				t.Fatal(err)
			}
			if r.OnTime == nil || *r.OnTime || len(r.Values) != 1 {
				t.Errorf("late report %+v", r)
			}
			tk2 := f.task(t, p, "二.(一).2")
			if a := tk2.Indicators[0].Actual; a == nil || *a != 800 || tk2.Indicators[0].ActualOn.String() != "2024-04-09" {
				t.Errorf("indicator actual %v", a)
			}
			// Errors: another unit's task, a unit not reporting, a bad %.
			bad := 130
			if _, err := f.Svc.FileReport(ctxAs(f.FGW), f.FGW, p.ID, plan.ReportInput{Period: "2024-03",
				Items: []plan.ReportItemInput{{TaskID: tk2.ID, Text: "x"}}}); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("report on another unit's task: %v", err)
			}
			if _, err := f.Svc.FileReport(ctxAs(f.FGW), f.FGW, p.ID, plan.ReportInput{Period: "2024-03",
				Items: []plan.ReportItemInput{{TaskID: tk.ID, Progress: &bad}}}); errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != "items[0].progress" {
				t.Errorf("progress 130: %v", err)
			}
			if _, err := f.Svc.FileReport(ctxAs(f.District), f.District, p.ID, plan.ReportInput{UnitID: &f.Units["珞南街道办事处"].ID}); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("the district files for its street: %v", err)
			}
			if _, err := f.Svc.FileReport(ctxAs(f.Leader), f.Leader, p.ID, plan.ReportInput{}); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("the leader files: %v", err)
			}
		})
		t.Run("OKRatesAndLights", func(t *testing.T) {
			rates, err := f.Svc.ReportingRates(ctx, f.Admin, plan.RateFilter{PlanID: p.ID})
			if err != nil {
				t.Fatal(err)
			}
			var e, r, o int
			for _, x := range rates {
				e, r, o = e+x.Expected, r+x.Received, o+x.OnTime
			}
			if e != 5 || r != 2 || o != 1 {
				t.Errorf("rates expected %d received %d on time %d: %+v", e, r, o, rates)
			}
			// The street has not reported: its task warns.
			if err := f.Svc.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			st := f.task(t, p, "二.(二).2")
			if st.Light != plan.LightWarn || !strings.Contains(st.LightReason, "珞南街道办事处2024年3月进展未按时报送") {
				t.Errorf("street task %s %q", st.Light, st.LightReason)
			}
			// The street's own rate is 0 of 1.
			mine, err := f.Svc.ReportingRates(ctx, f.Street, plan.RateFilter{})
			if err != nil || len(mine) != 1 || mine[0].Expected != 1 || mine[0].Received != 0 {
				t.Errorf("street's rates %+v %v", mine, err)
			}
		})
		t.Run("OKNotices", func(t *testing.T) {
			st := f.task(t, p, "二.(二).2")
			ns, err := f.Svc.IssueNotice(ctxAs(f.Admin), f.Admin, st.ID, plan.NoticeInput{Text: "请尽快报送进展"})
			if err != nil || len(ns) != 1 {
				t.Fatalf("notice %+v %v", ns, err)
			}
			// Five working days from Tuesday 9 April: Tuesday 16 April.
			if ns[0].ReplyDue.String() != "2024-04-16" || ns[0].Status != plan.NoticeOpen {
				t.Errorf("notice %+v", ns[0])
			}
			if n := countKind(inbox(t, f, f.Street), plan.NoticeIssued); n != 1 {
				t.Errorf("the street was told %d times of the notice", n)
			}
			if _, err := f.Svc.ReplyNotice(ctxAs(f.FGW), f.FGW, ns[0].ID, "不是我"); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("another unit replies: %v", err)
			}
			f.Clock.Set("2024-04-16")
			n, err := f.Svc.ReplyNotice(ctxAs(f.Street), f.Street, ns[0].ID, "已安排专人，本周内报送")
			if err != nil || n.Status != plan.NoticeAnswer || n.OnTime == nil || !*n.OnTime {
				t.Fatalf("reply %+v %v", n, err)
			}
			if _, err := f.Svc.ReplyNotice(ctxAs(f.Street), f.Street, ns[0].ID, "再答"); errs.CodeOf(err) != errs.Conflict {
				t.Errorf("replied twice: %v", err)
			}
			// A notice with a reply date that passes unanswered: late.
			hs := f.task(t, p, "二.(二).1")
			due := workday.MustParseDate("2024-04-17")
			if _, err := f.Svc.IssueNotice(ctxAs(f.Admin), f.Admin, hs.ID, plan.NoticeInput{Text: "请说明进展", ReplyDue: &due}); err != nil {
				t.Fatal(err)
			}
			f.Clock.Set("2024-04-17")
			_ = f.Svc.Refresh(ctx)
			if hs = f.task(t, p, "二.(二).1"); hs.Light != plan.LightWarn {
				t.Errorf("on its reply date: %s %q", hs.Light, hs.LightReason)
			}
			f.Clock.Set("2024-04-18")
			_ = f.Svc.Refresh(ctx)
			if hs = f.task(t, p, "二.(二).1"); hs.Light != plan.LightLate || !strings.Contains(hs.LightReason, "未回复") {
				t.Errorf("after its reply date: %s %q", hs.Light, hs.LightReason)
			}
		})
		t.Run("OKDone", func(t *testing.T) {
			f.Clock.Set("2024-05-06")
			st := f.task(t, p, "二.(二).2")
			if _, err := f.Svc.FileReport(ctxAs(f.Street), f.Street, p.ID, plan.ReportInput{Period: "2024-04",
				Items: []plan.ReportItemInput{{TaskID: st.ID, Text: "服务站全覆盖", Done: true}}}); err != nil {
				t.Fatal(err)
			}
			st = f.task(t, p, "二.(二).2")
			if st.Status != plan.TaskClaimed {
				t.Fatalf("status %s", st.Status)
			}
			if _, err := f.Svc.ConfirmDone(ctxAs(f.Street), f.Street, st.ID, true, ""); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("a unit confirms its own task: %v", err)
			}
			if _, err := f.Svc.ConfirmDone(ctxAs(f.Admin), f.Admin, st.ID, false, ""); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("returned without a reason: %v", err)
			}
			st, err := f.Svc.ConfirmDone(ctxAs(f.Admin), f.Admin, st.ID, true, "佐证材料齐全")
			if err != nil || st.Status != plan.TaskDone || st.Light != plan.LightDone {
				t.Fatalf("confirmed %+v %v", st, err)
			}
			if n := countKind(inbox(t, f, f.Street), plan.NoticeDone); n != 1 {
				t.Errorf("the street was told %d times", n)
			}
			if _, err := f.Svc.ConfirmDone(ctxAs(f.Admin), f.Admin, st.ID, true, ""); errs.CodeOf(err) != errs.Conflict {
				t.Errorf("confirmed twice: %v", err)
			}
			hist, err := f.Svc.TaskHistory(ctx, f.Admin, st.ID, nil)
			if err != nil || len(hist) < 3 {
				t.Errorf("history %+v %v", hist, err)
			}
		})
		t.Run("OKSplit", func(t *testing.T) {
			tk := f.task(t, p, "二.(一).1")
			sub, err := f.Svc.AddSubtask(ctxAs(f.FGW), f.FGW, tk.ID, plan.SubtaskInput{Title: "起草办法"})
			if err != nil {
				t.Fatal(err)
			}
			if sub.Numbering != "二.(一).1.(1)" || *sub.OwnerUnitID != f.Units["市发展和改革委员会"].ID || sub.DeadlineDate.String() != "2024-09-30" {
				t.Errorf("sub-task %+v", sub)
			}
			if _, err := f.Svc.AddSubtask(ctxAs(f.Street), f.Street, tk.ID, plan.SubtaskInput{Title: "x"}); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("another unit splits: %v", err)
			}
			if err := f.Svc.DeleteTask(ctxAs(f.FGW), f.FGW, sub.ID); err != nil {
				t.Errorf("the unit deletes its own sub-task: %v", err)
			}
			if err := f.Svc.DeleteTask(ctxAs(f.FGW), f.FGW, tk.ID); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("a unit deletes a plan task: %v", err)
			}
		})
	})
}

// TestReminders checks the digests: reminders in the window before the
// due date, 催报 after it, nothing on rest days, one per person and day.
func TestReminders(t *testing.T) {
	db := storetest.MustOpenSQLite(t)
	f := newFixture(t, db)
	ctx := context.Background()
	p := f.published(t)
	for _, tc := range []struct {
		day  string
		sent int
		word string
	}{
		{"2024-04-01", 0, ""},     // 4 working days before the due date: outside the window
		{"2024-04-02", 4, "【提醒】"}, // 3 working days before: 发改委, 市场监管局, 洪山区, 珞南街道 (江岸区 has no staff)
		{"2024-04-02", 0, ""},     // once a day
		{"2024-04-04", 0, ""},     // Qingming: a rest day
		{"2024-04-09", 4, "【催报】"}, // after the due date
		{"2024-04-09", 0, ""},
	} {
		f.Clock.Set(tc.day)
		n, err := f.Svc.Remind(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != tc.sent {
			t.Errorf("%s: sent %d, want %d", tc.day, n, tc.sent)
		}
		if tc.word != "" {
			list := inbox(t, f, f.Street)
			if len(list) == 0 || list[0].Kind != plan.NoticeDigest || !strings.Contains(list[0].Body, tc.word) {
				t.Errorf("%s: street's latest %+v", tc.day, list[0])
			}
		}
	}
	// A unit that filed is no longer chased.
	f.Clock.Set("2024-04-10")
	if _, err := f.Svc.FileReport(ctxAs(f.FGW), f.FGW, p.ID, plan.ReportInput{}); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.Svc.Remind(ctx); n != 3 {
		t.Errorf("after the 发改委 filed: %d digests, want 3", n)
	}
}

// TestRanking checks the score arithmetic and the ranking's order.
func TestRanking(t *testing.T) {
	t.Run("OKScore", func(t *testing.T) {
		w := plan.DefaultWeights()
		r := plan.RankRow{ReportsExpected: 4, ReportsOnTime: 3, TasksTotal: 10, TasksOnTrack: 5, IndicatorsTotal: 2, IndicatorsAchieved: 2,
			NoticesDue: 0}
		// (30×0.75 + 30×0.5 + 25×1) / (30+30+25) × 100 = 62.5/85 × 100
		if got, want := plan.ScoreOf(r, w), math.Round(62.5/85*100*100)/100; got != want {
			t.Errorf("score %v, want %v", got, want)
		}
		r.NoticesDue, r.NoticesOnTime = 2, 1
		// + 15 × 0.5 over 100
		if got := plan.ScoreOf(r, w); got != 70 {
			t.Errorf("score with notices %v, want 70", got)
		}
		if got := plan.ScoreOf(plan.RankRow{}, w); got != 0 {
			t.Errorf("nothing to measure: %v", got)
		}
		if got := plan.ScoreOf(r, plan.Weights{Reporting: 1}); got != 75 {
			t.Errorf("reporting only: %v", got)
		}
	})
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		p := f.published(t)
		// April: the 发改委 files on time, the 市场监管局 late, the others
		// not at all.
		f.Clock.Set("2024-04-08")
		if _, err := f.Svc.FileReport(ctxAs(f.FGW), f.FGW, p.ID, plan.ReportInput{}); err != nil {
			t.Fatal(err)
		}
		f.Clock.Set("2024-04-10")
		if _, err := f.Svc.FileReport(ctxAs(f.SCJ), f.SCJ, p.ID, plan.ReportInput{}); err != nil {
			t.Fatal(err)
		}
		if err := f.Svc.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		rk, err := f.Svc.FindRanking(ctx, f.Leader, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if rk.Month != "2024-04" || !rk.Live || len(rk.Rows) < 5 {
			t.Fatalf("ranking %+v", rk)
		}
		first := rk.Rows[0]
		if first.UnitName != "市发展和改革委员会" || first.Rank != 1 || first.ReportsOnTime != 1 || first.Score != plan.ScoreOf(first, plan.DefaultWeights()) {
			t.Errorf("first %+v", first)
		}
		for i := 1; i < len(rk.Rows); i++ {
			if rk.Rows[i].Score > rk.Rows[i-1].Score || rk.Rows[i].Rank < rk.Rows[i-1].Rank {
				t.Errorf("out of order at %d: %+v", i, rk.Rows)
			}
		}
		// May: April is history now, recorded by the refresh.
		f.Clock.Set("2024-05-06")
		if err := f.Svc.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		past, err := f.Svc.FindRanking(ctx, f.Street, 0, "2024-04")
		if err != nil || past.Live || len(past.Rows) != len(rk.Rows) || past.Rows[0].UnitName != "市发展和改革委员会" {
			t.Errorf("April from history %+v %v", past, err)
		}
		now, err := f.Svc.FindRanking(ctx, f.Leader, p.ID, "")
		if err != nil || now.Month != "2024-05" {
			t.Fatal(err)
		}
		for _, r := range now.Rows {
			if r.PrevRank == nil {
				t.Errorf("%s has no trend against April", r.UnitName)
			}
		}
		hist, err := f.Svc.RankHistory(ctx, f.Leader, 0, f.Units["市发展和改革委员会"].ID, 12)
		if err != nil || len(hist) != 2 || hist[0].Month != "2024-04" || hist[0].Rank != 1 {
			t.Errorf("history %+v %v", hist, err)
		}
		if _, err := f.Svc.FindRanking(ctx, f.Leader, 0, "2024-06"); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("a month to come: %v", err)
		}
		// Indicators: 个转企 (≥ 3000 by the end of 2024), reported at 3200
		// in December, counts as achieved for its owner in January's live
		// ranking of all plans and of the plan; 2900 would have missed.
		ind := f.task(t, p, "二.(一).2").Indicators[0]
		if ind.OwnerID == nil {
			t.Fatalf("indicator without an owner: %+v", ind)
		}
		f.Clock.Set("2024-12-20")
		if _, err := f.Svc.FileReport(ctxAs(f.SCJ), f.SCJ, p.ID, plan.ReportInput{Values: []plan.ValueInput{
			{IndicatorID: ind.ID, Value: 3200, Evidence: "登记系统统计"}}}); err != nil {
			t.Fatal(err)
		}
		f.Clock.Set("2025-01-06")
		owner := func(planID int64) plan.RankRow {
			rk, err := f.Svc.FindRanking(ctx, f.Leader, planID, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rk.Rows {
				if r.UnitID == *ind.OwnerID {
					return r
				}
			}
			t.Fatalf("the indicator's owner is not ranked: %+v", rk.Rows)
			return plan.RankRow{}
		}
		for _, id := range []int64{0, p.ID} {
			if r := owner(id); r.IndicatorsTotal != 1 || r.IndicatorsAchieved != 1 {
				t.Errorf("plan %d: the owner's indicators %d achieved of %d, want 1 of 1", id, r.IndicatorsAchieved, r.IndicatorsTotal)
			}
		}
		f.Clock.Set("2024-12-23")
		if err := f.Svc.RecordValue(ctxAs(f.SCJ), f.SCJ, ind.ID, plan.ValueInput{IndicatorID: ind.ID, Value: 2900, Evidence: "更正"}); err != nil {
			t.Fatal(err)
		}
		f.Clock.Set("2025-01-06")
		if r := owner(0); r.IndicatorsTotal != 1 || r.IndicatorsAchieved != 0 {
			t.Errorf("missed: the owner's indicators %d achieved of %d, want 0 of 1", r.IndicatorsAchieved, r.IndicatorsTotal)
		}
	})
}

// TestSections counts the leaf tasks of each part of the one task section
// (二、工作任务 → (一), (二)) by light, on both databases.
func TestSections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.published(t)
		secs, err := f.Svc.FindSections(context.Background(), f.Admin, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(secs) != 2 || secs[0].Title != "优化发展环境" || secs[1].Title != "提升服务实效" ||
			secs[0].Counts.Total != 2 || secs[1].Counts.Total != 2 {
			t.Fatalf("sections %+v", secs)
		}
		if _, err := f.Svc.FindSections(context.Background(), f.Street, p.ID+100); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("sections of a missing plan: %v", err)
		}
	})
}

// TestReportFormLast checks that the report form shows, beside each task,
// the unit's latest entry before the period being reported, on both
// databases.
func TestReportFormLast(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		p := f.published(t)
		tk := f.task(t, p, "二.(一).1")
		file := func(day, period, text string) {
			t.Helper()
			f.Clock.Set(day)
			pct := 10
			if _, err := f.Svc.FileReport(ctxAs(f.FGW), f.FGW, p.ID, plan.ReportInput{Period: plan.Period(period),
				Items: []plan.ReportItemInput{{TaskID: tk.ID, Progress: &pct, Text: text}}}); err != nil {
				t.Fatal(err)
			}
		}
		file("2024-04-08", "2024-03", "三月进展")
		file("2024-05-08", "2024-04", "四月进展")
		f.Clock.Set("2024-06-03")
		form, err := f.Svc.FindReportForm(ctx, f.FGW, p.ID, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if form.Report == nil || form.Report.Period != "2024-05" || form.Last[tk.ID].Text != "四月进展" {
			t.Errorf("May's form: report %+v, last %+v", form.Report, form.Last[tk.ID])
		}
		form, err = f.Svc.FindReportForm(ctx, f.FGW, p.ID, nil, "2024-04")
		if err != nil {
			t.Fatal(err)
		}
		if form.Last[tk.ID].Text != "三月进展" || len(form.Tasks) == 0 || form.Tasks[0].Milestones == nil {
			t.Errorf("April's form: last %+v, tasks %+v", form.Last[tk.ID], form.Tasks)
		}
	})
}
