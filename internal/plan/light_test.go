package plan_test

import (
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/plan"
	"github.com/qinqing/qinqing/internal/workday"
)

func calendar(t *testing.T) *workday.Calendar {
	t.Helper()
	c, err := workday.New()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func date(s string) *workday.Date {
	d := workday.MustParseDate(s)
	return &d
}

func f64(v float64) *float64 { return &v }

// TestLightDeadlineEdges checks the deadline rule on the official 2024
// calendar: National Day 1–7 October are rest days, Sunday 29 September
// and Saturday 12 October are make-up working days.
func TestLightDeadlineEdges(t *testing.T) {
	cal := calendar(t)
	for _, tc := range []struct {
		name, today, deadline string
		warn                  int
		want                  plan.Light
		reason                string
	}{
		{"OKFarAhead", "2024-09-02", "2024-09-30", 10, plan.LightOK, "还有20个工作日"},
		// Monday 30 September: the deadline day itself.
		{"WarnOnTheDay", "2024-09-30", "2024-09-30", 10, plan.LightWarn, "为今天"},
		// The next day is a holiday: late, with no working day lost yet.
		{"LateOnTheHolidayAfter", "2024-10-01", "2024-09-30", 10, plan.LightLate, "已超过完成时限（2024年9月30日）"},
		{"LateByOneWorkday", "2024-10-08", "2024-09-30", 10, plan.LightLate, "1个工作日"},
		// A deadline on a rest day (Saturday 5 October, a holiday) moves to
		// Tuesday 8 October.
		{"RestDayMovesDeadline", "2024-10-08", "2024-10-05", 10, plan.LightWarn, "为今天"},
		{"RestDayMovedThenLate", "2024-10-09", "2024-10-05", 10, plan.LightLate, "1个工作日"},
		// Saturday 12 October is a make-up working day: it stays put.
		{"MakeUpDayIsWorking", "2024-10-12", "2024-10-12", 10, plan.LightWarn, "为今天"},
		{"MakeUpDayThenSunday", "2024-10-13", "2024-10-12", 10, plan.LightLate, "已超过"},
		// The warning window counts working days after today up to the
		// deadline: from 30 September to 14 October that is 8, 9, 10, 11,
		// 12 (make-up) and 14 October — 6.
		{"OutsideWindow", "2024-09-30", "2024-10-14", 5, plan.LightOK, "还有6个工作日"},
		{"InsideWindow", "2024-10-08", "2024-10-14", 5, plan.LightWarn, "还有5个工作日"},
		{"WindowEdge", "2024-09-30", "2024-10-14", 6, plan.LightWarn, "还有6个工作日"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := plan.Assess(cal, plan.Situation{Today: workday.MustParseDate(tc.today), Status: plan.TaskOpen,
				Deadline: date(tc.deadline), WarnWorkdays: tc.warn, FarBehindPct: 80})
			if a.Light != tc.want || !strings.Contains(a.Reason(), tc.reason) {
				t.Errorf("today %s, due %s: %s %q; want %s with %q", tc.today, tc.deadline, a.Light, a.Reason(), tc.want, tc.reason)
			}
		})
	}
	t.Run("OKContinuous", func(t *testing.T) {
		a := plan.Assess(cal, plan.Situation{Today: workday.MustParseDate("2030-01-01"), Status: plan.TaskOpen, WarnWorkdays: 10})
		if a.Light != plan.LightOK || !strings.Contains(a.Reason(), "长期") {
			t.Errorf("continuous: %+v", a)
		}
	})
	t.Run("OKDoneAndClaimed", func(t *testing.T) {
		late := plan.Situation{Today: workday.MustParseDate("2024-12-02"), Deadline: date("2024-09-30"), WarnWorkdays: 10}
		late.Status = plan.TaskDone
		if a := plan.Assess(cal, late); a.Light != plan.LightDone {
			t.Errorf("done: %+v", a)
		}
		// Reported done before the office checks: not held to the deadline.
		late.Status = plan.TaskClaimed
		if a := plan.Assess(cal, late); a.Light != plan.LightOK || !strings.Contains(a.Reason(), "待营商办确认销号") {
			t.Errorf("claimed: %+v", a)
		}
	})
	t.Run("ErrMilestoneOverdue", func(t *testing.T) {
		a := plan.Assess(cal, plan.Situation{Today: workday.MustParseDate("2024-07-02"), Status: plan.TaskOpen, Deadline: date("2024-12-31"),
			WarnWorkdays: 10, Milestones: []plan.Milestone{{Title: "出台办法", Due: date("2024-06-30")}}})
		// 30 June is a Sunday: due on Monday 1 July, late on the 2nd.
		if a.Light != plan.LightLate || !strings.Contains(a.Reason(), "节点“出台办法”") || !strings.Contains(a.Reason(), "1个工作日") {
			t.Errorf("milestone: %+v", a)
		}
		reached := workday.MustParseDate("2024-06-28")
		a = plan.Assess(cal, plan.Situation{Today: workday.MustParseDate("2024-07-02"), Status: plan.TaskOpen, Deadline: date("2024-12-31"),
			WarnWorkdays: 10, Milestones: []plan.Milestone{{Title: "出台办法", Due: date("2024-06-30"), ReachedOn: &reached}}})
		if a.Light != plan.LightOK {
			t.Errorf("a reached milestone still counts: %+v", a)
		}
	})
}

// TestLightNotices checks 督办 reply deadlines at their edges.
func TestLightNotices(t *testing.T) {
	cal := calendar(t)
	n := []plan.NoticeState{{ReplyDue: workday.MustParseDate("2024-10-08")}}
	for _, tc := range []struct {
		today string
		want  plan.Light
	}{{"2024-09-30", plan.LightWarn}, {"2024-10-08", plan.LightWarn}, {"2024-10-09", plan.LightLate}} {
		a := plan.Assess(cal, plan.Situation{Today: workday.MustParseDate(tc.today), Status: plan.TaskOpen, Notices: n, WarnWorkdays: 0})
		if a.Light != tc.want || !strings.Contains(a.Reason(), "督办") {
			t.Errorf("%s: %+v, want %s", tc.today, a, tc.want)
		}
	}
	replied := []plan.NoticeState{{ReplyDue: workday.MustParseDate("2024-10-08"), Replied: true}}
	if a := plan.Assess(cal, plan.Situation{Today: workday.MustParseDate("2024-10-09"), Status: plan.TaskOpen, Notices: replied}); a.Light != plan.LightOK {
		t.Errorf("a replied notice still counts: %+v", a)
	}
}

// TestIndicatorTrajectory checks an indicator against its interim targets:
// 50 by 30 June (a Sunday, so due on Monday 1 July), 100 by the end of the
// year, with the far-behind line at 80 % of the way.
func TestIndicatorTrajectory(t *testing.T) {
	cal := calendar(t)
	due := workday.MustParseDate("2024-12-31")
	ind := func(actual *float64) *plan.Indicator {
		return &plan.Indicator{Name: "新增企业", Measure: "家", Op: plan.OpGE, Base: f64(0), Target: 100, EffectiveDue: &due,
			Targets: []plan.Target{{Due: workday.MustParseDate("2024-06-30"), Value: 50}}, Actual: actual}
	}
	for _, tc := range []struct {
		name, today string
		actual      *float64
		want        plan.TrackState
		light       plan.Light
	}{
		{"NotDueOnMovedDate", "2024-07-01", nil, plan.TrackNotDue, plan.LightOK},
		{"Unreported", "2024-07-02", nil, plan.TrackUnreported, plan.LightWarn},
		{"BehindNotFar", "2024-07-02", f64(45), plan.TrackBehind, plan.LightWarn},
		{"FarEdge", "2024-07-02", f64(40), plan.TrackBehind, plan.LightWarn}, // exactly 80 %
		{"Far", "2024-07-02", f64(39.9), plan.TrackFar, plan.LightLate},
		{"OnTrack", "2024-07-02", f64(50), plan.TrackOnTrack, plan.LightOK},
		{"Achieved", "2024-07-02", f64(100), plan.TrackAchieved, plan.LightOK},
		{"FinalMissed", "2025-01-02", f64(99), plan.TrackMissed, plan.LightLate},
		{"FinalUnreported", "2025-01-02", nil, plan.TrackMissed, plan.LightLate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			today := workday.MustParseDate(tc.today)
			i := ind(tc.actual)
			tr := i.Track(cal, today, 80)
			if tr.State != tc.want {
				t.Errorf("track %+v, want %s", tr, tc.want)
			}
			a := plan.Assess(cal, plan.Situation{Today: today, Status: plan.TaskOpen, Indicators: []*plan.Indicator{i}, WarnWorkdays: 0, FarBehindPct: 80})
			if a.Light != tc.light {
				t.Errorf("light %+v, want %s", a, tc.light)
			}
		})
	}
	t.Run("OKLowerIsBetter", func(t *testing.T) {
		// 担保费率降至1%以下 from 2 %, 1.5 % due by 30 June: 1.7 % is 60 %
		// of the way — far behind; 1.6 % is 80 % — behind.
		i := &plan.Indicator{Name: "担保费率", Measure: "%", Op: plan.OpLE, Base: f64(2), Target: 1, EffectiveDue: &due,
			Targets: []plan.Target{{Due: workday.MustParseDate("2024-06-30"), Value: 1.5}}}
		for v, want := range map[float64]plan.TrackState{1.7: plan.TrackFar, 1.6: plan.TrackBehind, 1.5: plan.TrackOnTrack, 0.9: plan.TrackAchieved} {
			i.Actual = f64(v)
			if tr := i.Track(cal, workday.MustParseDate("2024-07-02"), 80); tr.State != want {
				t.Errorf("actual %v: %+v, want %s", v, tr, want)
			}
		}
	})
}

func TestCombine(t *testing.T) {
	ok := plan.Assessment{Light: plan.LightOK}
	for _, tc := range []struct {
		kids []plan.Light
		want plan.Light
	}{
		{[]plan.Light{plan.LightDone, plan.LightDone}, plan.LightDone},
		{[]plan.Light{plan.LightOK, plan.LightDone}, plan.LightOK},
		{[]plan.Light{plan.LightOK, plan.LightWarn}, plan.LightWarn},
		{[]plan.Light{plan.LightLate, plan.LightWarn, plan.LightDone}, plan.LightLate},
	} {
		if got := plan.Combine(ok, tc.kids); got.Light != tc.want {
			t.Errorf("%v: %+v, want %s", tc.kids, got, tc.want)
		}
	}
	own := plan.Assessment{Light: plan.LightLate, Reasons: []string{"已超过完成时限"}}
	if got := plan.Combine(own, []plan.Light{plan.LightOK}); got.Light != plan.LightLate || got.Reasons[0] != "已超过完成时限" {
		t.Errorf("own late heading: %+v", got)
	}
}

func TestQuantity(t *testing.T) {
	for _, tc := range []struct {
		v       float64
		measure string
		want    string
	}{{100000, "家", "10万家"}, {18500, "家", "1.85万家"}, {7e10, "元", "700亿元"}, {40, "%", "40%"}, {0.8, "%", "0.8%"}, {12345, "个", "12345个"}} {
		got := plan.FormatQuantity(tc.v, tc.measure)
		if got != tc.want {
			t.Errorf("FormatQuantity(%v, %s) = %s, want %s", tc.v, tc.measure, got, tc.want)
		}
		v, m, err := plan.ParseQuantity(got)
		if err != nil || v != tc.v || m != tc.measure {
			t.Errorf("ParseQuantity(%s) = %v %q %v", got, v, m, err)
		}
	}
	if _, _, err := plan.ParseQuantity("许多"); err == nil {
		t.Error("ParseQuantity accepted text without a number")
	}
}

func TestNumbering(t *testing.T) {
	for _, tc := range []struct {
		in   string
		path []int
	}{{"二.(一).1", []int{2, 1, 1}}, {"1.2.3", []int{1, 2, 3}}, {"十二.(十)", []int{12, 10}}, {"二、（三）4.", []int{2, 3, 4}},
		{"3.(2).①", []int{3, 2, 1}}, {"2-1-1", []int{2, 1, 1}}} {
		path, _, ok := plan.ParseNumbering(tc.in)
		if !ok || len(path) != len(tc.path) {
			t.Errorf("ParseNumbering(%q) = %v %v", tc.in, path, ok)
			continue
		}
		for i := range path {
			if path[i] != tc.path[i] {
				t.Errorf("ParseNumbering(%q) = %v, want %v", tc.in, path, tc.path)
			}
		}
	}
	for _, bad := range []string{"", "甲", "1.x", "一.二.三.四.五.六.七.八.九.十.一.二.三"} {
		if _, _, ok := plan.ParseNumbering(bad); ok {
			t.Errorf("ParseNumbering(%q) accepted", bad)
		}
	}
	if got := plan.JoinNumbering([]string{"二、", "(一)", "1."}); got != "二.(一).1" {
		t.Errorf("JoinNumbering = %q", got)
	}
}

func TestPeriods(t *testing.T) {
	cal := calendar(t)
	st := plan.DefaultSettings()
	// April 2024's report: 5th working day of May — 1–5 May are the
	// Labour Day holiday, 6–10 May working: due Friday 10 May.
	if got := plan.DueDate(cal, "2024-04", st); got.String() != "2024-05-10" {
		t.Errorf("due of 2024-04 = %s", got)
	}
	// The last working day of September 2024 is Monday the 30th.
	st.DueWorkday = -1
	if got := plan.DueDate(cal, "2024-09", st); got.String() != "2024-09-30" {
		t.Errorf("due of 2024-09 (last working day) = %s", got)
	}
	st = plan.DefaultSettings()
	st.Cadence, st.DueWorkday = plan.Quarterly, 1
	if p := plan.PeriodOf(workday.MustParseDate("2024-08-15"), plan.Quarterly); p != "2024-07" || p.Label(plan.Quarterly) != "2024年第3季度" {
		t.Errorf("quarter of August: %s", p)
	}
	// Q3's report: 1st working day after 30 September is 8 October.
	if got := plan.DueDate(cal, "2024-07", st); got.String() != "2024-10-08" {
		t.Errorf("due of Q3 = %s", got)
	}
}
