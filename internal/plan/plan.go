// Package plan is plan supervision (督查督办): a work plan (工作方案) with its
// stages and goals, a tree of tasks keeping the document's numbering, the
// units responsible for each task (牵头 / 责任 / 配合, resolved through the
// organisation's aliases), deadlines, milestones and indicators with their
// targets and trajectories; and the working mechanism around it — units
// sign for their tasks and split them, file progress reports on a cadence,
// report indicator values with evidence; status lights computed and
// explained in words; 督办 notices tracked to their answer; reporting rates,
// the ranking of units (比晾晒), the monthly briefing (简报); and the
// 责任分解表 in Excel both ways. A plan arrives by hand, from Excel, or from
// the document parser's JSON (package plan/parse).
package plan

import (
	"slices"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/workday"
)

// Status is the state of a plan.
type Status string

// The plan states: a draft is prepared by the office (imported, its unknown
// units mapped), published (its units receive their tasks and report), and
// finally ended.
const (
	StatusDraft     Status = "草稿"
	StatusPublished Status = "已发布"
	StatusEnded     Status = "已结束"
)

// Statuses lists the plan states in lifecycle order.
var Statuses = []Status{StatusDraft, StatusPublished, StatusEnded}

// Valid reports whether s is a known state.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// TaskStatus is the state of a task.
type TaskStatus string

// The task states: a task is in hand (办理中) until a unit reports it done
// (待销号, awaiting the office) and the office confirms it with its
// evidence (已完成, 销号).
const (
	TaskOpen    TaskStatus = "办理中"
	TaskClaimed TaskStatus = "待销号"
	TaskDone    TaskStatus = "已完成"
)

// Role is how a unit holds a task.
type Role string

// The roles of a task's units.
const (
	RoleLead   Role = "牵头"
	RoleResp   Role = "责任"
	RoleAssist Role = "配合"
)

// Roles lists the roles in the order the 责任分解表 shows them.
var Roles = []Role{RoleLead, RoleResp, RoleAssist}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Reports reports whether a unit holding a task in role r is expected to
// report on it: lead and responsible units are, cooperating units support
// them and may report but are not counted.
func (r Role) Reports() bool { return r == RoleLead || r == RoleResp }

// DeadlineKind says what a task's deadline is.
type DeadlineKind string

// The kinds of deadline: a date (6月底前), the end of a stage of the plan
// (办理落实阶段), the end of the plan's year (全年), none because the task
// is continuous (长期坚持, 持续推进), or none written (the plan's end then
// applies).
const (
	DeadlineDate       DeadlineKind = "date"
	DeadlineStage      DeadlineKind = "stage"
	DeadlineYear       DeadlineKind = "year"
	DeadlineContinuous DeadlineKind = "continuous"
	DeadlineNone       DeadlineKind = "none"
)

// Cadence is how often units report.
type Cadence string

// The reporting cadences.
const (
	Monthly   Cadence = "每月"
	Quarterly Cadence = "每季度"
)

// Cadences lists the cadences.
var Cadences = []Cadence{Monthly, Quarterly}

// Months returns how many months one period of c lasts.
func (c Cadence) Months() int {
	if c == Quarterly {
		return 3
	}
	return 1
}

// Plan is a work plan (工作方案).
type Plan struct {
	ID          int64         `json:"id"`
	Title       string        `json:"title"`
	DocNumber   string        `json:"doc_number"` // 文号: 武政办〔2024〕30号
	Issuer      string        `json:"issuer"`
	IssuedOn    *workday.Date `json:"issued_on"`
	PeriodFrom  *workday.Date `json:"period_from"`
	PeriodTo    *workday.Date `json:"period_to"`
	OwnerUnitID *int64        `json:"owner_unit_id"` // the office that runs it
	OwnerUnit   string        `json:"owner_unit,omitempty"`
	Status      Status        `json:"status"`
	Settings    Settings      `json:"settings"`
	Source      string        `json:"source,omitempty"` // the file it was imported from
	CreatedBy   *int64        `json:"created_by,omitempty"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	PublishedAt *time.Time    `json:"published_at,omitempty"`
	EndedAt     *time.Time    `json:"ended_at,omitempty"`
	// Stages are in order. Set by FindPlanByID.
	Stages []Stage `json:"stages,omitempty"`
	// Counts are the plan's tasks (leaves) by light. Set by FindPlanByID
	// and FindPlans.
	Counts LightCounts `json:"counts"`
	// Unknown is how many unit names of the plan are not resolved to a
	// unit yet. Set by FindPlanByID and FindPlans.
	Unknown int `json:"unknown_units"`

	units       []int64 // every unit holding a task; set by the finders
	parentUnits []int64
}

// Settings are how a plan is run.
type Settings struct {
	Cadence Cadence `json:"cadence"`
	// DueWorkday is when a period's report is due: the n-th working day
	// after the period ends (n > 0), or the |n|-th last working day of the
	// period's last month (n < 0).
	DueWorkday int `json:"due_workday"`
	// RemindWorkdays is how many working days before the due date units
	// are reminded.
	RemindWorkdays int `json:"remind_workdays"`
	// WarnWorkdays is how near (in working days) a deadline turns a task's
	// light to 预警.
	WarnWorkdays int `json:"warn_workdays"`
	// FarBehindPct is the share (%) of its trajectory below which an
	// indicator counts as far behind, turning its task's light to 滞后.
	FarBehindPct int `json:"far_behind_pct"`
	// Weights are the ranking's weights.
	Weights Weights `json:"weights"`
}

// DefaultSettings are the settings of a new plan: monthly reports due on
// the 5th working day of the next month, reminders 3 working days before,
// 预警 within 10 working days of a deadline, far behind below 80 %.
func DefaultSettings() Settings {
	return Settings{Cadence: Monthly, DueWorkday: 5, RemindWorkdays: 3, WarnWorkdays: 10, FarBehindPct: 80, Weights: DefaultWeights()}
}

// Stage is a stage of a plan (工作部署阶段 2024年3月).
type Stage struct {
	ID   int64         `json:"id"`
	Seq  int           `json:"seq"`
	Name string        `json:"name"`
	From *workday.Date `json:"from"`
	To   *workday.Date `json:"to"`
	Text string        `json:"text,omitempty"`
}

// Goal is a goal of a plan (工作目标) with its indicators.
type Goal struct {
	ID         int64        `json:"id"`
	Numbering  string       `json:"numbering"` // as written: 一.(二)
	Title      string       `json:"title"`
	Text       string       `json:"text"`
	Indicators []*Indicator `json:"indicators"`
}

// Task is a task of a plan's tree (a heading with sub-tasks, or a leaf).
type Task struct {
	ID       int64  `json:"id"`
	PlanID   int64  `json:"plan_id"`
	ParentID *int64 `json:"parent_id"`
	// Numbering is the path as written: 二.(一).1.
	Numbering string `json:"numbering"`
	// Path is the numbering as numbers: [2, 1, 1].
	Path   []int  `json:"path"`
	Marker string `json:"marker"` // this level's number as written: 1.
	Depth  int    `json:"depth"`
	Leaf   bool   `json:"leaf"`
	Title  string `json:"title"` // the short title (heading)
	Text   string `json:"text"`
	// Deadline is the task's own deadline.
	DeadlineKind DeadlineKind  `json:"deadline_kind"`
	DeadlineDate *workday.Date `json:"deadline_date"`
	DeadlineText string        `json:"deadline_text"` // as written: 6月底前
	StageID      *int64        `json:"stage_id,omitempty"`
	Status       TaskStatus    `json:"status"`
	Progress     *int          `json:"progress"`    // latest % reported
	LatestText   string        `json:"latest_text"` // latest progress reported
	LatestAt     *time.Time    `json:"latest_at,omitempty"`
	Light        Light         `json:"light"` // "" in a draft
	LightReason  string        `json:"light_reason"`
	OwnerUnitID  *int64        `json:"owner_unit_id,omitempty"` // the unit that split it off
	DoneAt       *time.Time    `json:"done_at,omitempty"`
	DoneNote     string        `json:"done_note,omitempty"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	// Units are the task's units in role order. Set by the finders.
	Units []TaskUnit `json:"units"`
	// Milestones and Indicators are set by FindTaskByID.
	Milestones []Milestone  `json:"milestones,omitempty"`
	Indicators []*Indicator `json:"indicators,omitempty"`
	Plan       *PlanSummary `json:"plan,omitempty"`
	parents    []int64      // units above the task's units
}

// PlanSummary names the plan a task belongs to.
type PlanSummary struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Status Status `json:"status"`
}

// TaskUnit is one unit of a task.
type TaskUnit struct {
	Role Role `json:"role"`
	// Name is as the plan wrote it; UnitID and UnitName the unit it
	// resolved to (nil while unknown or ignored).
	Name     string     `json:"name"`
	UnitID   *int64     `json:"unit_id"`
	UnitName string     `json:"unit_name,omitempty"`
	Ignored  bool       `json:"ignored,omitempty"`
	SignedAt *time.Time `json:"signed_at,omitempty"`
}

// Unknown reports whether the unit's name still waits for the office to
// map it.
func (u TaskUnit) Unknown() bool { return u.UnitID == nil && !u.Ignored }

// Milestone is a milestone (节点) of a task.
type Milestone struct {
	ID        int64         `json:"id"`
	Seq       int           `json:"seq"`
	Title     string        `json:"title"`
	Due       *workday.Date `json:"due"`
	ReachedOn *workday.Date `json:"reached_on"`
	UnitID    *int64        `json:"unit_id,omitempty"` // the unit that added it
}

// Indicator is a quantitative target of a goal or a task.
type Indicator struct {
	ID      int64    `json:"id"`
	PlanID  int64    `json:"plan_id"`
	GoalID  *int64   `json:"goal_id,omitempty"`
	TaskID  *int64   `json:"task_id,omitempty"`
	Name    string   `json:"name"`
	Text    string   `json:"text,omitempty"` // as written: 新增民营企业10万家
	Measure string   `json:"measure"`        // unit of measure: 家, 元, %, 个工作日 …
	Op      Op       `json:"op"`             // >=, >, <=, <, =
	Base    *float64 `json:"baseline"`
	Target  float64  `json:"target"`
	// Due is when the target is due; nil: the task's or the plan's
	// deadline (EffectiveDue).
	Due       *workday.Date `json:"due"`
	Targets   []Target      `json:"targets"` // interim targets, by date
	OwnerID   *int64        `json:"owner_unit_id"`
	OwnerName string        `json:"owner_name,omitempty"` // as written, or the unit's name
	Actual    *float64      `json:"actual"`
	ActualOn  *workday.Date `json:"actual_on"`
	// Where is the numbering of its task or goal. Set by the finders.
	Where string `json:"where,omitempty"`
	// EffectiveDue is Due, else its task's effective deadline, else the
	// plan's end. Set by the finders.
	EffectiveDue *workday.Date `json:"effective_due,omitempty"`
}

// Target is an interim target: Value due by Due.
type Target struct {
	Due   workday.Date `json:"due"`
	Value float64      `json:"value"`
}

// Value is an actual value of an indicator.
type Value struct {
	ID         int64        `json:"id"`
	Value      float64      `json:"value"`
	AsOf       workday.Date `json:"as_of"`
	Evidence   string       `json:"evidence"`
	ReportID   *int64       `json:"report_id,omitempty"`
	UnitID     *int64       `json:"unit_id,omitempty"`
	UnitName   string       `json:"unit_name,omitempty"`
	RecordedAt time.Time    `json:"recorded_at"`
}

// Op is the direction of an indicator's target.
type Op string

// The directions.
const (
	OpGE Op = ">="
	OpGT Op = ">"
	OpLE Op = "<="
	OpLT Op = "<"
	OpEQ Op = "="
)

// Ops lists the directions.
var Ops = []Op{OpGE, OpGT, OpLE, OpLT, OpEQ}

// ParseOp reads a direction as the parser (==), a form (≥) or a person
// (不低于) writes it; ok is false for anything else.
func ParseOp(s string) (Op, bool) {
	switch strings.TrimSpace(s) {
	case ">=", "≥", "＞＝", "不低于", "不少于", "达到", "以上":
		return OpGE, true
	case ">", "＞", "超过", "高于", "突破":
		return OpGT, true
	case "<=", "≤", "＜＝", "不超过", "不高于", "以下", "以内":
		return OpLE, true
	case "<", "＜", "低于", "少于":
		return OpLT, true
	case "=", "==", "＝":
		return OpEQ, true
	}
	return "", false
}

// Symbol returns the direction as a mathematical sign (≥, >, ≤, <, =).
func (o Op) Symbol() string {
	switch o {
	case OpGE:
		return "≥"
	case OpLE:
		return "≤"
	}
	return string(o)
}

// Words returns the direction in Chinese (不低于 …).
func (o Op) Words() string {
	switch o {
	case OpGE:
		return "不低于"
	case OpGT:
		return "超过"
	case OpLE:
		return "不超过"
	case OpLT:
		return "低于"
	}
	return "等于"
}

// Satisfies reports whether actual meets value in direction o.
func (o Op) Satisfies(actual, value float64) bool {
	switch o {
	case OpGE:
		return actual >= value
	case OpGT:
		return actual > value
	case OpLE:
		return actual <= value
	case OpLT:
		return actual < value
	}
	d := actual - value
	if d < 0 {
		d = -d
	}
	scale := value
	if scale < 0 {
		scale = -scale
	}
	return d <= 1e-9*max(1, scale)
}

// Higher reports whether a larger value is better in direction o.
func (o Op) Higher() bool { return o == OpGE || o == OpGT }
