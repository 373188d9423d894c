package plan

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/qinqing/qinqing/internal/workday"
)

// Light is a task's status light.
type Light string

// The lights. 已完成 is a task the office has confirmed done (销号); 滞后 is
// overdue or far behind; 预警 is near a deadline, behind a trajectory, under
// 督办 or missing a report; 正常 is everything else.
const (
	LightOK   Light = "正常"
	LightWarn Light = "预警"
	LightLate Light = "滞后"
	LightDone Light = "已完成"
)

// Lights lists the lights worst first, the order pages list tasks in.
var Lights = []Light{LightLate, LightWarn, LightOK, LightDone}

// Rank orders lights for sorting, worst first: 滞后 0, 预警 1, 正常 2,
// 已完成 3, none (a draft) 9.
func (l Light) Rank() int {
	switch l {
	case LightLate:
		return 0
	case LightWarn:
		return 1
	case LightOK:
		return 2
	case LightDone:
		return 3
	}
	return 9
}

// Class is the light's CSS class and its name in the API's colour terms.
func (l Light) Class() string {
	switch l {
	case LightLate:
		return "red"
	case LightWarn:
		return "yellow"
	case LightOK:
		return "green"
	case LightDone:
		return "blue"
	}
	return "none"
}

// LightCounts counts tasks by light.
type LightCounts struct {
	Late  int `json:"late"`
	Warn  int `json:"warn"`
	OK    int `json:"ok"`
	Done  int `json:"done"`
	Total int `json:"total"`
}

// Add counts one task of light l.
func (c *LightCounts) Add(l Light, n int) {
	switch l {
	case LightLate:
		c.Late += n
	case LightWarn:
		c.Warn += n
	case LightOK:
		c.OK += n
	case LightDone:
		c.Done += n
	}
	c.Total += n
}

// OnTrack is how many tasks are 正常 or 已完成.
func (c LightCounts) OnTrack() int { return c.OK + c.Done }

// Assessment is a light and the reasons for it, in words.
type Assessment struct {
	Light   Light    `json:"light"`
	Reasons []string `json:"reasons"`
}

// Reason joins the reasons into one sentence.
func (a Assessment) Reason() string { return strings.Join(a.Reasons, "；") }

// undecided is the DeadlineFrom of a task without a deadline that is not
// continuous either (a plan without an end date).
const undecided = "未定"

// NoticeState is what a light needs of an open 督办 notice.
type NoticeState struct {
	Unit     string // the unit it was sent to
	ReplyDue workday.Date
	Replied  bool
}

// Situation is everything a task's light depends on.
type Situation struct {
	Today  workday.Date
	Status TaskStatus
	// Deadline is the task's effective deadline (nil: continuous) and
	// DeadlineFrom names where it comes from ("完成时限", "“办理落实阶段”截止",
	// "方案截止").
	Deadline     *workday.Date
	DeadlineFrom string
	Milestones   []Milestone
	Indicators   []*Indicator
	Notices      []NoticeState
	// MissingReports names the reports the task's lead unit owes (due and
	// not filed: "市发改委2024年5月进展") — or, for a task without a lead
	// unit, those its responsible units owe when at least half of them owe
	// one: a task held by every district is not at risk because one
	// district is late.
	MissingReports []string
	WarnWorkdays   int
	FarBehindPct   int
}

// Assess computes a task's light from its situation and says why, with the
// working days counted on the official calendar. A date that falls on a
// rest day moves to the next working day (OnOrAfter), so a task due on a
// Saturday is on time until the Monday ends. The rules, worst first:
//
//   - 已完成: the office confirmed the task done (销号).
//   - 滞后: the deadline has passed (today is after it); a milestone is
//     overdue; an indicator's trajectory point has passed and its actual
//     value is below FarBehindPct % of the way there (or its final date has
//     passed unmet or unreported); a 督办 notice's reply date has passed
//     without a reply.
//   - 预警: the deadline or a milestone is within WarnWorkdays working days
//     (the working days after today up to the date, so 0 on the day); an
//     indicator is behind its trajectory (not far) or its value is due and
//     unreported; a 督办 notice awaits its reply; the task's lead unit (or
//     half its responsible units) has not filed a report that is due.
//   - 正常: none of these.
//
// A task its unit reported done (待销号) is not held to its deadline,
// milestones or indicators while the office checks it.
func Assess(cal *workday.Calendar, s Situation) Assessment {
	if s.Status == TaskDone {
		return Assessment{Light: LightDone, Reasons: []string{"已销号"}}
	}
	var late, warn, ok []string
	claimed := s.Status == TaskClaimed
	if claimed {
		ok = append(ok, "单位已报告完成，待营商办确认销号")
	}
	if !claimed && s.Deadline != nil {
		due := cal.OnOrAfter(*s.Deadline)
		from := s.DeadlineFrom
		if from == "" {
			from = "完成时限"
		}
		switch left := cal.Between(s.Today, due); {
		case s.Today > due:
			late = append(late, fmt.Sprintf("已超过%s（%s）%s", from, s.Deadline.Chinese(), workdaysLate(cal, due, s.Today)))
		case left == 0:
			warn = append(warn, fmt.Sprintf("%s（%s）为今天", from, s.Deadline.Chinese()))
		case left <= s.WarnWorkdays:
			warn = append(warn, fmt.Sprintf("距%s（%s）还有%d个工作日", from, s.Deadline.Chinese(), left))
		default:
			ok = append(ok, fmt.Sprintf("距%s（%s）还有%d个工作日", from, s.Deadline.Chinese(), left))
		}
	} else if !claimed && s.DeadlineFrom == undecided {
		ok = append(ok, "未定完成时限")
	} else if !claimed {
		ok = append(ok, "长期任务，持续推进")
	}
	if !claimed {
		for _, m := range s.Milestones {
			if m.ReachedOn != nil || m.Due == nil {
				continue
			}
			due := cal.OnOrAfter(*m.Due)
			switch left := cal.Between(s.Today, due); {
			case s.Today > due:
				late = append(late, fmt.Sprintf("节点“%s”应于%s完成，已逾期%s", m.Title, m.Due.Chinese(), workdaysLate(cal, due, s.Today)))
			case left <= s.WarnWorkdays:
				warn = append(warn, fmt.Sprintf("节点“%s”将于%s到期（还有%d个工作日）", m.Title, m.Due.Chinese(), left))
			}
		}
		for _, ind := range s.Indicators {
			t := ind.Track(cal, s.Today, s.FarBehindPct)
			switch t.State {
			case TrackFar, TrackMissed:
				late = append(late, t.Words)
			case TrackBehind, TrackUnreported:
				warn = append(warn, t.Words)
			}
		}
	}
	for _, n := range s.Notices {
		if n.Replied {
			continue
		}
		due := cal.OnOrAfter(n.ReplyDue)
		to := ""
		if n.Unit != "" {
			to = "（" + n.Unit + "）"
		}
		if s.Today > due {
			late = append(late, fmt.Sprintf("督办%s要求%s前回复，已逾期%s未回复", to, n.ReplyDue.Chinese(), workdaysLate(cal, due, s.Today)))
		} else {
			warn = append(warn, fmt.Sprintf("正在督办%s，须于%s前回复", to, n.ReplyDue.Chinese()))
		}
	}
	for _, m := range s.MissingReports {
		warn = append(warn, m+"未按时报送")
	}
	switch {
	case len(late) > 0:
		return Assessment{Light: LightLate, Reasons: append(late, warn...)}
	case len(warn) > 0:
		return Assessment{Light: LightWarn, Reasons: warn}
	}
	if len(ok) == 0 {
		ok = []string{"进展正常"}
	}
	return Assessment{Light: LightOK, Reasons: ok}
}

// workdaysLate says how late something due on due is today: "N个工作日",
// or "" on the rest days right after it (late, but no working day lost).
func workdaysLate(cal *workday.Calendar, due, today workday.Date) string {
	if n := cal.Between(due, today); n > 0 {
		return fmt.Sprintf("%d个工作日", n)
	}
	return ""
}

// Combine is the light of a task with sub-tasks: 已完成 when every
// sub-task is, else the worst of its own light and theirs.
func Combine(own Assessment, children []Light) Assessment {
	if len(children) == 0 {
		return own
	}
	if own.Light == LightDone {
		return own
	}
	var c LightCounts
	for _, l := range children {
		c.Add(l, 1)
	}
	if c.Done == c.Total {
		return Assessment{Light: LightDone, Reasons: []string{"下级任务均已完成"}}
	}
	worst := LightOK
	var reasons []string
	switch {
	case c.Late > 0:
		worst = LightLate
		reasons = append(reasons, fmt.Sprintf("下级任务中%d项滞后", c.Late))
	case c.Warn > 0:
		worst = LightWarn
		reasons = append(reasons, fmt.Sprintf("下级任务中%d项预警", c.Warn))
	default:
		reasons = append(reasons, fmt.Sprintf("下级任务%d项，已完成%d项", c.Total, c.Done))
	}
	if own.Light.Rank() < worst.Rank() {
		return Assessment{Light: own.Light, Reasons: append(own.Reasons, reasons...)}
	}
	if own.Light == worst && own.Light != LightOK {
		return Assessment{Light: worst, Reasons: append(own.Reasons, reasons...)}
	}
	return Assessment{Light: worst, Reasons: reasons}
}

// TrackState is where an indicator stands against its trajectory.
type TrackState string

// The track states.
const (
	TrackAchieved   TrackState = "已达成" // the final target is met
	TrackOnTrack    TrackState = "正常"  // the latest target due is met
	TrackNotDue     TrackState = "未到期" // no target is due yet
	TrackBehind     TrackState = "落后"  // behind the latest target due, not far
	TrackFar        TrackState = "严重落后"
	TrackUnreported TrackState = "未报送" // a target is due and no value reported
	TrackMissed     TrackState = "未完成" // the final target date passed unmet
)

// Track is an indicator against its trajectory on a date.
type Track struct {
	State TrackState `json:"state"`
	// Expected is the value due by ExpectedBy: the latest point of the
	// trajectory (interim targets, then the target at its due date) that
	// has passed.
	Expected   *float64      `json:"expected,omitempty"`
	ExpectedBy *workday.Date `json:"expected_by,omitempty"`
	// Ratio is how far along the way from the baseline to Expected the
	// actual value is (1 = there), when it can be told.
	Ratio float64 `json:"ratio"`
	Words string  `json:"words"`
}

// Assessable reports whether the state counts in the ranking's
// "indicators achieved": a target is due or the final one is met.
func (t Track) Assessable() bool { return t.State != TrackNotDue }

// Achieved reports whether the indicator meets what is due (or its final
// target).
func (t Track) Achieved() bool { return t.State == TrackAchieved || t.State == TrackOnTrack }

// points returns the trajectory: the interim targets and the final target
// at its effective due date, by date.
func (ind *Indicator) points() []Target {
	pts := slices.Clone(ind.Targets)
	if ind.EffectiveDue != nil {
		pts = append(pts, Target{Due: *ind.EffectiveDue, Value: ind.Target})
	}
	slices.SortStableFunc(pts, func(a, b Target) int { return int(a.Due) - int(b.Due) })
	return pts
}

// Track places the indicator against its trajectory on today: a point is
// due once today is after its date (moved off a rest day); the ratio is
// (actual − baseline) / (expected − baseline) for targets where more is
// better (less: the mirror), against zero when there is no baseline.
func (ind *Indicator) Track(cal *workday.Calendar, today workday.Date, farPct int) Track {
	name := ind.Name
	if ind.Actual != nil && ind.Op.Satisfies(*ind.Actual, ind.Target) {
		return Track{State: TrackAchieved, Ratio: 1, Words: fmt.Sprintf("指标“%s”已达成目标（%s）", name, FormatQuantity(*ind.Actual, ind.Measure))}
	}
	var due *Target
	final := false
	pts := ind.points()
	for i := range pts {
		if today > cal.OnOrAfter(pts[i].Due) {
			due = &pts[i]
			final = i == len(pts)-1 && ind.EffectiveDue != nil && pts[i].Due == *ind.EffectiveDue && pts[i].Value == ind.Target
		}
	}
	if due == nil {
		return Track{State: TrackNotDue, Words: fmt.Sprintf("指标“%s”尚无到期的阶段目标", name)}
	}
	exp, by := due.Value, due.Due
	t := Track{Expected: &exp, ExpectedBy: &by}
	want := fmt.Sprintf("应于%s%s%s", by.Chinese(), ind.Op.Words(), FormatQuantity(exp, ind.Measure))
	if ind.Actual == nil {
		t.State = TrackUnreported
		if final {
			t.State = TrackMissed
		}
		t.Words = fmt.Sprintf("指标“%s”%s，尚未报送实际值", name, want)
		return t
	}
	actual := *ind.Actual
	t.Ratio = ratio(ind.Op, ind.Base, actual, exp)
	got := fmt.Sprintf("最新为%s", FormatQuantity(actual, ind.Measure))
	if ind.ActualOn != nil {
		got = fmt.Sprintf("%s实际为%s", ind.ActualOn.Chinese(), FormatQuantity(actual, ind.Measure))
	}
	switch {
	case ind.Op.Satisfies(actual, exp):
		t.State = TrackOnTrack
		t.Words = fmt.Sprintf("指标“%s”%s，%s，达到进度", name, want, got)
	case final:
		t.State = TrackMissed
		t.Words = fmt.Sprintf("指标“%s”%s，%s，逾期未完成", name, want, got)
	case t.Ratio*100 < float64(farPct)-1e-6:
		t.State = TrackFar
		t.Words = fmt.Sprintf("指标“%s”%s，%s，仅完成进度的%.0f%%，严重落后", name, want, got, math.Max(0, t.Ratio*100))
	default:
		t.State = TrackBehind
		t.Words = fmt.Sprintf("指标“%s”%s，%s，落后于进度（完成%.0f%%）", name, want, got, t.Ratio*100)
	}
	return t
}

// ratio is how far along the way to expected actual is: 1 means there.
func ratio(op Op, base *float64, actual, expected float64) float64 {
	b := 0.0
	if base != nil {
		b = *base
	}
	switch {
	case op.Higher():
		if expected-b == 0 {
			return 1
		}
		return (actual - b) / (expected - b)
	case op == OpEQ:
		if expected == 0 {
			return 1 - math.Abs(actual)
		}
		return 1 - math.Abs(actual-expected)/math.Abs(expected)
	}
	// Less is better: from the baseline down to expected; without a
	// baseline, how many times over expected actual is.
	if base != nil && b > expected {
		return (b - actual) / (b - expected)
	}
	if actual <= 0 {
		return 1
	}
	return expected / actual
}
