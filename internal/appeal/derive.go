package appeal

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/qinqing/qinqing/internal/workday"
)

// Kind is what an event records. The codes are stored in appeal_events
// and are stable; Label gives the Chinese name shown on the timeline.
type Kind string

// The event kinds.
const (
	KindReceived           Kind = "received"            // 受理 (intake)
	KindDispatched         Kind = "dispatched"          // 派单 (by the catalogue or the office)
	KindSigned             Kind = "signed"              // 签收 (the responsible or a co-handling unit)
	KindReturned           Kind = "returned"            // 退回 to the office, with a reason
	KindTransferred        Kind = "transferred"         // 转办 to another unit, one clock
	KindCoReplied          Kind = "co_replied"          // 协办意见 of a co-handling unit
	KindPaused             Kind = "paused"              // 待补充: the clock stops
	KindResumed            Kind = "resumed"             // the clock runs again
	KindSupplied           Kind = "material_supplied"   // 补充材料 (resumes a paused appeal)
	KindExtensionRequested Kind = "extension_requested" // 申请延期
	KindExtensionApproved  Kind = "extension_approved"  // 延期获批 (by the office)
	KindExtensionRefused   Kind = "extension_refused"   // 延期未获批
	KindReplied            Kind = "replied"             // 答复
	KindEvaluated          Kind = "evaluated"           // 评价 (好差评)
	KindEvaluationExpired  Kind = "evaluation_expired"  // 未评价: the window passed
	KindReopened           Kind = "reopened"            // 重办 (after 不满意, or by the office)
	KindClosed             Kind = "closed"              // 销号
	KindMerged             Kind = "merged"              // 合并 into another appeal
	KindMergedIn           Kind = "merged_in"           // another appeal was merged into this one
	KindLinked             Kind = "linked"              // 关联 to another appeal (or unlinked)
	KindSupervised         Kind = "supervised"          // 催办 / 督办
)

// Kinds lists every event kind.
func Kinds() []Kind {
	return []Kind{KindReceived, KindDispatched, KindSigned, KindReturned, KindTransferred, KindCoReplied, KindPaused,
		KindResumed, KindSupplied, KindExtensionRequested, KindExtensionApproved, KindExtensionRefused, KindReplied,
		KindEvaluated, KindEvaluationExpired, KindReopened, KindClosed, KindMerged, KindMergedIn, KindLinked, KindSupervised}
}

// Label returns the kind's Chinese name.
func (k Kind) Label() string {
	switch k {
	case KindReceived:
		return "受理"
	case KindDispatched:
		return "派单"
	case KindSigned:
		return "签收"
	case KindReturned:
		return "退回"
	case KindTransferred:
		return "转办"
	case KindCoReplied:
		return "协办意见"
	case KindPaused:
		return "待补充材料"
	case KindResumed:
		return "恢复办理"
	case KindSupplied:
		return "补充材料"
	case KindExtensionRequested:
		return "申请延期"
	case KindExtensionApproved:
		return "延期获批"
	case KindExtensionRefused:
		return "延期未获批"
	case KindReplied:
		return "答复"
	case KindEvaluated:
		return "评价"
	case KindEvaluationExpired:
		return "未评价"
	case KindReopened:
		return "重办"
	case KindClosed:
		return "销号"
	case KindMerged:
		return "合并"
	case KindMergedIn:
		return "并入诉求"
	case KindLinked:
		return "关联"
	case KindSupervised:
		return "督办"
	}
	return string(k)
}

// Event is one entry of an appeal's history.
type Event struct {
	Seq       int       `json:"seq"`
	Kind      Kind      `json:"kind"`
	KindLabel string    `json:"kind_label"`
	At        time.Time `json:"at"`
	ActorID   *int64    `json:"actor_id,omitempty"`
	Actor     string    `json:"actor"`      // username, token:NAME, system
	ActorName string    `json:"actor_name"` // display name
	ActorRole string    `json:"actor_role,omitempty"`
	UnitID    *int64    `json:"unit_id,omitempty"` // the unit the event concerns
	UnitName  string    `json:"unit_name,omitempty"`
	Payload   Payload   `json:"payload"`
}

// Payload holds an event's own fields; each kind uses a few.
type Payload struct {
	ClassID   int64   `json:"class_id,omitempty"`          // received, dispatched: the SLA class
	LimitDays int     `json:"limit_days,omitempty"`        // received: the handling days, overriding the class
	FirstUnit int64   `json:"first_unit,omitempty"`        // received: the unit that received it (首接)
	Catalogue int     `json:"catalogue_version,omitempty"` // dispatched: the catalogue version
	Category  string  `json:"category,omitempty"`          // dispatched: the category, when the office changed it
	Auto      bool    `json:"auto,omitempty"`              // dispatched by the catalogue
	CoUnits   []int64 `json:"co_units,omitempty"`          // dispatched, transferred: the co-handling units
	Reason    string  `json:"reason,omitempty"`
	Note      string  `json:"note,omitempty"`
	Days      int     `json:"days,omitempty"` // extension requested or approved
	Result    string  `json:"result,omitempty"`
	Measures  string  `json:"measures,omitempty"`
	RightUnit string  `json:"right_unit,omitempty"` // replied 不属于本单位职责: the right unit
	Rating    string  `json:"rating,omitempty"`
	Level     string  `json:"level,omitempty"`     // supervised: 催办 or 督办
	Threshold string  `json:"threshold,omitempty"` // supervised: sign_overdue, due_soon or overdue
	Deadline  string  `json:"deadline,omitempty"`  // supervised: the deadline it was about
	Target    int64   `json:"target,omitempty"`    // merged, merged_in, linked: the other appeal (0: unlinked)
	TargetNo  string  `json:"target_number,omitempty"`
	Files     []int64 `json:"attachments,omitempty"`
}

// marshal returns the payload as stored.
func (p Payload) marshal() string {
	b, err := json.Marshal(p)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// Class is an SLA class: the sign-for limit in working hours (kept in
// minutes), the handling limit in working days, the 临期 threshold and the
// evaluation window.
type Class struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	SignMinutes int       `json:"sign_minutes"`
	HandleDays  int       `json:"handle_days"`
	WarnDays    int       `json:"warn_days"`
	EvalDays    int       `json:"eval_days"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// SignHours is the sign-for limit in working hours.
func (k Class) SignHours() float64 { return float64(k.SignMinutes) / 60 }

// defaultClass is used for an event naming a class that no longer exists.
var defaultClass = Class{Name: UrgencyNormal, SignMinutes: 240, HandleDays: 5, WarnDays: 1, EvalDays: 5}

// Env is what Derive computes with besides the events: the calendar, the
// office hours and the SLA classes by id.
type Env struct {
	Calendar *workday.Calendar
	Hours    workday.Hours
	Classes  map[int64]Class
}

func (e Env) class(id int64) Class {
	if c, ok := e.Classes[id]; ok {
		return c
	}
	c := defaultClass
	c.ID = id
	return c
}

// State is what an appeal's events amount to. It is never edited: Derive
// computes it, and the appeal row stores it for querying.
type State struct {
	Status           Status        `json:"status"`
	UnitID           *int64        `json:"unit_id"`
	FirstUnitID      *int64        `json:"first_unit_id,omitempty"`
	CatalogueVersion int           `json:"catalogue_version,omitempty"`
	ClassID          int64         `json:"sla_class_id,omitempty"`
	LimitDays        int           `json:"limit_days"` // the handling limit of the current clock, extensions excluded
	SignDueAt        *time.Time    `json:"sign_due_at"`
	SignedAt         *time.Time    `json:"signed_at"`
	SignedOnTime     *bool         `json:"signed_on_time"`
	DueDate          workday.Date  `json:"due_date"`
	WarnDate         workday.Date  `json:"warn_date"`
	PausedSince      *time.Time    `json:"paused_since"`
	PausedWork       time.Duration `json:"-"`
	PausedMinutes    int64         `json:"paused_minutes"`
	ExtensionDays    int           `json:"extension_days"`
	ExtensionPending int           `json:"extension_pending"`
	Returns          int           `json:"returns"`
	Reopens          int           `json:"reopens"`
	Transfers        int           `json:"transfers"`
	Supervisions     int           `json:"supervisions"`
	Escalated        bool          `json:"escalated"` // returned twice: the office's leader is told
	Replies          int           `json:"replies"`
	FirstReplyAt     *time.Time    `json:"first_reply_at"`
	RepliedAt        *time.Time    `json:"replied_at"`
	RepliedOnTime    *bool         `json:"replied_on_time"`
	ReplyResult      string        `json:"reply_result,omitempty"`
	SuggestedUnit    string        `json:"suggested_unit,omitempty"` // named by a 不属于本单位职责 reply
	Evaluation       string        `json:"evaluation,omitempty"`
	EvalDueDate      *workday.Date `json:"eval_due_date"`
	EvaluatedAt      *time.Time    `json:"evaluated_at"`
	ClosedAt         *time.Time    `json:"closed_at"`
	FirstTime        *bool         `json:"first_time_resolved"` // 一次性化解, once closed
	MergedInto       *int64        `json:"merged_into,omitempty"`
	LinkedTo         *int64        `json:"linked_to,omitempty"`
	LastSeq          int           `json:"last_seq"`

	units      []unitState
	supervised map[string]bool
}

// unitState is a unit the appeal is with, as Derive keeps it.
type unitState struct {
	unitID    int64
	role      string
	since     time.Time
	signDueAt *time.Time
	signedAt  *time.Time
	dueDate   *workday.Date
}

// supervisionKey names a threshold reached for one deadline, so that
// each is supervised once.
func supervisionKey(threshold, deadline string) string { return threshold + "@" + deadline }

// Supervised reports whether threshold was already supervised for deadline.
func (st *State) Supervised(threshold, deadline string) bool {
	return st.supervised[supervisionKey(threshold, deadline)]
}

// HasUnit reports whether unit is one the appeal is with, and in which role.
func (st *State) HasUnit(unit int64) (string, bool) {
	for _, u := range st.units {
		if u.unitID == unit {
			return u.role, true
		}
	}
	return "", false
}

// unitSigned reports whether unit signed for the appeal in its current role.
func (st *State) unitSigned(unit int64) bool {
	for _, u := range st.units {
		if u.unitID == unit {
			return u.signedAt != nil
		}
	}
	return false
}

// SignedLate reports whether the first signing came after its deadline.
func (st *State) SignedLate() bool { return st.SignedOnTime != nil && !*st.SignedOnTime }

// FirstTimeLabel says whether a closed appeal was resolved at once
// (一次性化解): 是 or 否, "" while it is open.
func (st *State) FirstTimeLabel() string {
	switch {
	case st.FirstTime == nil:
		return ""
	case *st.FirstTime:
		return "是"
	}
	return "否"
}

// Derive computes an appeal's state from its events (in seq order) with
// env: the one function behind intake, every transition and every replay,
// so that a replay after a calendar correction or a class change gives
// exactly what a fresh computation gives. It is pure: no clock, no
// database.
//
// The rules, in working days and hours of env's calendar and office hours:
//
//   - due_date is the handling limit (the class's, or the limit_days given
//     at intake) plus approved extensions, counted as AddWorkdays counts it
//     (`qinqing workday add`) from the date of the clock's start in
//     Asia/Shanghai: the receipt, or the last reopening (重办 starts a new
//     clock with the same limit). Completed pauses (待补充) move it by the
//     paused working time: the deadline instant, the end of the due date's
//     office hours, moves that much working time later, so the due date
//     moves by the paused working time rounded up to whole working days.
//     Transfers keep the clock (one clock per appeal).
//   - sign_due_at is the sign-for limit counted in office hours on working
//     days from the instant of receipt for the first dispatch, and from the
//     dispatch or transfer instant for every later step (a sub-deadline per
//     step): a receipt outside office hours starts counting at the next
//     office period, and the deadline is the instant the last hour is used
//     up (AddWorkingHours).
//   - warn_date is the date from which the appeal is 临期: the class's
//     warning days before due_date.
//   - a co-handling unit's sub-deadline is one working day before due_date
//     (the due date itself when the limit is a single day).
//   - 一次性化解 is set when the appeal is closed: satisfied (满意 or 基本满意)
//     on its first reply, never returned, never reopened.
func Derive(events []Event, env Env) State {
	var st State
	st.supervised = map[string]bool{}
	var (
		cls        = defaultClass
		override   int
		clockStart workday.Date
		paused     time.Duration // completed pauses of the current clock
		extension  int           // approved extensions of the current clock
		receivedAt time.Time
		dispatches int
	)
	cal, hours := env.Calendar, env.Hours
	setMain := func(unit int64, at time.Time, signDue time.Time, co []int64) {
		// The units now handling it replace any earlier role of theirs
		// (a first receiver may become a co-handling unit).
		st.units = slices.DeleteFunc(st.units, func(u unitState) bool {
			return u.role == RoleMain || u.role == RoleCo || u.unitID == unit || slices.Contains(co, u.unitID)
		})
		sd := signDue
		st.units = append(st.units, unitState{unitID: unit, role: RoleMain, since: at, signDueAt: &sd})
		for _, c := range co {
			if c == unit || slices.ContainsFunc(st.units, func(u unitState) bool { return u.unitID == c }) {
				continue
			}
			sd := signDue
			st.units = append(st.units, unitState{unitID: c, role: RoleCo, since: at, signDueAt: &sd})
		}
		u := unit
		st.UnitID = &u
		st.SignDueAt, st.SignedAt = &sd, nil
	}
	dropHandlers := func() {
		st.units = slices.DeleteFunc(st.units, func(u unitState) bool { return u.role == RoleMain || u.role == RoleCo })
		st.UnitID, st.SignedAt, st.SignDueAt = nil, nil, nil
	}
	for i := range events {
		ev := &events[i]
		p := &ev.Payload
		st.LastSeq = ev.Seq
		switch ev.Kind {
		case KindReceived:
			receivedAt = ev.At
			cls = env.class(p.ClassID)
			st.ClassID = p.ClassID
			override = p.LimitDays
			clockStart = workday.DateOf(ev.At)
			st.Status = StatusDispatching
			sd := cal.AddWorkingHours(ev.At, time.Duration(cls.SignMinutes)*time.Minute, hours).UTC()
			st.SignDueAt = &sd
			if p.FirstUnit != 0 {
				f := p.FirstUnit
				st.FirstUnitID = &f
				st.units = append(st.units, unitState{unitID: f, role: RoleFirst, since: ev.At})
			}
		case KindDispatched, KindTransferred:
			if p.ClassID != 0 && p.ClassID != st.ClassID {
				st.ClassID = p.ClassID
				cls = env.class(p.ClassID)
			}
			if p.Catalogue != 0 {
				st.CatalogueVersion = p.Catalogue
			}
			if ev.UnitID == nil {
				break
			}
			from := ev.At
			if ev.Kind == KindDispatched && dispatches == 0 {
				from = receivedAt
			}
			signDue := cal.AddWorkingHours(from, time.Duration(cls.SignMinutes)*time.Minute, hours).UTC()
			co := p.CoUnits
			if ev.Kind == KindTransferred {
				st.Transfers++
				if co == nil {
					for _, u := range st.units {
						if u.role == RoleCo {
							co = append(co, u.unitID)
						}
					}
				}
			}
			setMain(*ev.UnitID, ev.At, signDue, co)
			dispatches++
			st.Status = StatusSigning
			st.SuggestedUnit = ""
		case KindSigned:
			if ev.UnitID == nil {
				break
			}
			for j := range st.units {
				if st.units[j].unitID == *ev.UnitID && st.units[j].role != RoleFirst && st.units[j].signedAt == nil {
					at := ev.At
					st.units[j].signedAt = &at
				}
			}
			if st.UnitID != nil && *st.UnitID == *ev.UnitID {
				at := ev.At
				st.SignedAt = &at
				if st.SignedOnTime == nil && st.SignDueAt != nil {
					ok := !ev.At.After(*st.SignDueAt)
					st.SignedOnTime = &ok
				}
				if st.Status == StatusSigning {
					st.Status = StatusHandling
				}
				// 首接负责 ends once another unit has signed for it.
				if st.FirstUnitID != nil && *st.FirstUnitID != *ev.UnitID {
					st.units = slices.DeleteFunc(st.units, func(u unitState) bool { return u.role == RoleFirst })
				}
			}
		case KindReturned:
			st.Returns++
			st.Escalated = st.Returns >= 2
			dropHandlers()
			st.Status = StatusDispatching
		case KindCoReplied:
		case KindPaused:
			if st.Status == StatusHandling {
				at := ev.At
				st.PausedSince = &at
				st.Status = StatusPaused
			}
		case KindResumed, KindSupplied:
			if st.Status == StatusPaused && st.PausedSince != nil {
				paused += cal.WorkingDuration(*st.PausedSince, ev.At, hours)
				st.PausedWork += cal.WorkingDuration(*st.PausedSince, ev.At, hours)
				st.PausedSince = nil
				st.Status = StatusHandling
			}
		case KindExtensionRequested:
			st.ExtensionPending = p.Days
		case KindExtensionApproved:
			extension += p.Days
			st.ExtensionDays += p.Days
			st.ExtensionPending = 0
		case KindExtensionRefused:
			st.ExtensionPending = 0
		case KindReplied:
			if st.Status == StatusPaused && st.PausedSince != nil {
				paused += cal.WorkingDuration(*st.PausedSince, ev.At, hours)
				st.PausedWork += cal.WorkingDuration(*st.PausedSince, ev.At, hours)
				st.PausedSince = nil
			}
			at := ev.At
			st.Replies++
			st.RepliedAt = &at
			if st.FirstReplyAt == nil {
				st.FirstReplyAt = &at
				ok := workday.DateOf(ev.At) <= st.DueDate
				st.RepliedOnTime = &ok
			}
			st.ReplyResult = p.Result
			st.ExtensionPending = 0
			if p.Result == ResultNotOurs {
				// Back to the office, which dispatches it to the unit named.
				dropHandlers()
				st.SuggestedUnit = p.RightUnit
				st.Status = StatusDispatching
				break
			}
			d := cal.AddWorkdays(workday.DateOf(ev.At), cls.EvalDays)
			st.EvalDueDate = &d
			st.Status = StatusEvaluating
		case KindEvaluated:
			at := ev.At
			st.Evaluation = p.Rating
			st.EvaluatedAt = &at
			if st.Status == StatusEvaluating {
				st.Status = StatusClosing
			}
		case KindEvaluationExpired:
			if st.Status == StatusEvaluating {
				st.Evaluation = RatingNone
				st.Status = StatusClosing
			}
		case KindReopened:
			st.Reopens++
			clockStart = workday.DateOf(ev.At)
			paused, extension = 0, 0
			st.ExtensionDays, st.ExtensionPending = 0, 0
			st.PausedSince = nil
			st.ClosedAt, st.FirstTime, st.EvalDueDate = nil, nil, nil
			if st.UnitID != nil {
				st.Status = StatusHandling
			} else {
				st.Status = StatusDispatching
			}
		case KindClosed:
			at := ev.At
			st.ClosedAt = &at
			st.Status = StatusClosed
			ft := st.Replies == 1 && st.Returns == 0 && st.Reopens == 0 && satisfied(st.Evaluation)
			st.FirstTime = &ft
			st.PausedSince = nil
		case KindMerged:
			t := p.Target
			st.MergedInto = &t
			st.Status = StatusMerged
			st.PausedSince = nil
		case KindMergedIn:
		case KindLinked:
			if p.Target == 0 {
				st.LinkedTo = nil
			} else {
				t := p.Target
				st.LinkedTo = &t
			}
		case KindSupervised:
			st.Supervisions++
			st.supervised[supervisionKey(p.Threshold, p.Deadline)] = true
		}
		limit := cls.HandleDays
		if override > 0 {
			limit = override
		}
		st.LimitDays = limit
		st.DueDate = dueDate(cal, hours, clockStart, limit+extension, paused)
		st.WarnDate = cal.AddWorkdays(st.DueDate, -cls.WarnDays)
		if cls.WarnDays <= 0 {
			st.WarnDate = st.DueDate + 1
		}
		for j := range st.units {
			switch st.units[j].role {
			case RoleMain:
				d := st.DueDate
				st.units[j].dueDate = &d
			case RoleCo:
				d := st.DueDate
				if limit+extension > 1 {
					d = cal.AddWorkdays(st.DueDate, -1)
				}
				st.units[j].dueDate = &d
			}
		}
	}
	st.PausedMinutes = int64(st.PausedWork / time.Minute)
	return st
}

// dueDate is the handling deadline: days working days after start, moved
// by the paused working time (see Derive).
func dueDate(cal *workday.Calendar, hours workday.Hours, start workday.Date, days int, paused time.Duration) workday.Date {
	base := cal.AddWorkdays(start, days)
	if paused <= 0 {
		return base
	}
	r := hours.Ranges()
	end := base.Start().Add(time.Duration(r[len(r)-1][1]) * time.Minute)
	return workday.DateOf(cal.AddWorkingHours(end, paused, hours))
}

// LightAt returns the light of the state at now, as the SQL of FindAppeals
// computes it: 超期 when past the due date, or waiting to be signed for
// past its sign-for deadline; 临期 from the warning date; 正常 otherwise;
// none once replied. A paused appeal's clock stands: it is judged at the
// instant it was paused.
func (st *State) LightAt(now time.Time) Light {
	if !st.Status.clockRuns() {
		return ""
	}
	if st.PausedSince != nil {
		now = *st.PausedSince
	}
	today := workday.DateOf(now)
	switch {
	case st.Status == StatusSigning && st.SignDueAt != nil && st.SignDueAt.Before(now):
		return LightOverdue
	case st.DueDate < today:
		return LightOverdue
	case st.WarnDate <= today:
		return LightDueSoon
	}
	return LightNormal
}
