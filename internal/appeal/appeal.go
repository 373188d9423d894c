// Package appeal is the enterprise appeals closed loop (企业诉求 / 企呼我应):
// intake from every channel (the enterprise portal, a service specialist
// filing for an enterprise, the office entering items from roundtables and
// visits, the JSON API of the 12345 hotline and other government systems,
// Open311 clients and 12345 export files), dispatch by a versioned
// catalogue, deadlines in working days and working hours, 催办/督办,
// replies, evaluation (好差评), reopening (重办) and closing (销号).
//
// Event-sourced core: every change of an appeal is an appended row of
// appeal_events (received, dispatched, signed, returned, transferred,
// paused, resumed, extension requested/approved/refused, replied,
// evaluated, evaluation expired, reopened, closed, merged, linked,
// supervised, material supplied …). The appeal row holds the state derived
// from those events by one pure function, Derive, with the working-day
// calendar and the SLA classes: a replay after a calendar correction or a
// class change and a fresh computation are the same code. Every rate of the
// programme (签收及时率, 按时办结率, 一次性化解率, 满意率 …) can be computed from
// the events alone.
//
// Who may do what is decided here through the one permission table of
// internal/auth: the enterprise sees and evaluates its own appeals, a unit
// handles the appeals it is with (主办, 协办, or 首接 until another unit
// signs) and its parent units read them, a specialist follows the appeals
// of their enterprises, the office (营商办) dispatches, approves extensions,
// closes and reopens, leaders read.
package appeal

import (
	"slices"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/workday"
)

// Status is where an appeal stands. The codes are stable: API clients
// switch on them; Label gives the Chinese name.
type Status string

// The statuses, in the order an appeal usually passes them.
const (
	StatusDispatching Status = "dispatching" // 待派单: with the office
	StatusSigning     Status = "signing"     // 待签收: dispatched, not yet signed for
	StatusHandling    Status = "handling"    // 办理中: signed for, being handled
	StatusPaused      Status = "paused"      // 待补充: waiting for the enterprise's material, clock stopped
	StatusEvaluating  Status = "evaluating"  // 待评价: replied, waiting for the enterprise's evaluation
	StatusClosing     Status = "closing"     // 待销号: evaluated (or not in the window), waiting for the office
	StatusClosed      Status = "closed"      // 已销号
	StatusMerged      Status = "merged"      // 已合并 into another appeal
)

// Statuses lists every status in display order.
func Statuses() []Status {
	return []Status{StatusDispatching, StatusSigning, StatusHandling, StatusPaused, StatusEvaluating, StatusClosing, StatusClosed, StatusMerged}
}

// Label returns the status's Chinese name.
func (s Status) Label() string {
	switch s {
	case StatusDispatching:
		return "待派单"
	case StatusSigning:
		return "待签收"
	case StatusHandling:
		return "办理中"
	case StatusPaused:
		return "待补充"
	case StatusEvaluating:
		return "待评价"
	case StatusClosing:
		return "待销号"
	case StatusClosed:
		return "已销号"
	case StatusMerged:
		return "已合并"
	}
	return string(s)
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses(), s) }

// Open reports whether the appeal is still being worked on: not closed
// and not merged.
func (s Status) Open() bool { return s != StatusClosed && s != StatusMerged && s != "" }

// clockRuns reports whether the handling clock runs (or, paused, stands)
// in status s: before the reply. Only such appeals have a light.
func (s Status) clockRuns() bool {
	switch s {
	case StatusDispatching, StatusSigning, StatusHandling, StatusPaused:
		return true
	}
	return false
}

// Light is the status light of an open appeal's deadline.
type Light string

// The lights. An appeal whose clock no longer runs (replied, closed) has
// none ("").
const (
	LightNormal  Light = "normal"   // 正常
	LightDueSoon Light = "due_soon" // 临期: the warning days of its class are reached
	LightOverdue Light = "overdue"  // 超期: past its due date, or past its sign-for deadline unsigned
)

// Lights lists the lights in display order.
func Lights() []Light { return []Light{LightNormal, LightDueSoon, LightOverdue} }

// Label returns the light's Chinese name.
func (l Light) Label() string {
	switch l {
	case LightNormal:
		return "正常"
	case LightDueSoon:
		return "临期"
	case LightOverdue:
		return "超期"
	}
	return ""
}

// Channel is how an appeal reached the platform.
type Channel string

// The channels.
const (
	ChannelPortal     Channel = "portal"     // 企业端: the enterprise itself
	ChannelSpecialist Channel = "specialist" // 服务专员代提
	ChannelRoundtable Channel = "roundtable" // 政企圆桌会, entered by the office
	ChannelVisit      Channel = "visit"      // 走访, entered by the office or a specialist
	ChannelHotline    Channel = "hotline"    // 12345 热线 (API or export file)
	ChannelAPI        Channel = "api"        // other government systems
	ChannelOpen311    Channel = "open311"    // Open311 GeoReport v2 clients
)

// Channels lists the channels in display order.
func Channels() []Channel {
	return []Channel{ChannelPortal, ChannelSpecialist, ChannelRoundtable, ChannelVisit, ChannelHotline, ChannelAPI, ChannelOpen311}
}

// Label returns the channel's Chinese name.
func (c Channel) Label() string {
	switch c {
	case ChannelPortal:
		return "企业端"
	case ChannelSpecialist:
		return "服务专员代提"
	case ChannelRoundtable:
		return "政企圆桌会"
	case ChannelVisit:
		return "走访"
	case ChannelHotline:
		return "12345热线"
	case ChannelAPI:
		return "政务系统接口"
	case ChannelOpen311:
		return "Open311"
	}
	return string(c)
}

// channelNamed reads a channel as callers name it: its code in any letter
// case (hotline), its Chinese name (12345热线) or 12345; anything else is
// returned as given, for the caller to refuse.
func channelNamed(s string) Channel {
	s = strings.TrimSpace(s)
	for _, c := range Channels() {
		if strings.EqualFold(s, string(c)) || s == c.Label() {
			return c
		}
	}
	if s == "12345" || s == "12345热线" || s == "热线" {
		return ChannelHotline
	}
	return Channel(s)
}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return slices.Contains(Channels(), c) }

// Urgencies: 一般 and 紧急 (an urgent appeal takes the class 紧急).
const (
	UrgencyNormal = "一般"
	UrgencyUrgent = "紧急"
)

// Reply results.
const (
	ResultSolved    = "解决"
	ResultExplained = "解释说明"
	ResultNotOurs   = "不属于本单位职责"
)

// ReplyResults lists the results of a reply in display order.
var ReplyResults = []string{ResultSolved, ResultExplained, ResultNotOurs}

// Evaluations (好差评). RatingNone is recorded when the window passed
// without one: never counted as satisfied.
const (
	RatingSatisfied   = "满意"
	RatingBasic       = "基本满意"
	RatingUnsatisfied = "不满意"
	RatingNone        = "未评价"
)

// Ratings lists what an enterprise may answer.
var Ratings = []string{RatingSatisfied, RatingBasic, RatingUnsatisfied}

// satisfied reports whether rating counts as satisfied (满意 or 基本满意).
func satisfied(rating string) bool { return rating == RatingSatisfied || rating == RatingBasic }

// Unit roles on an appeal (appeal_units.role).
const (
	RoleMain  = "主办"
	RoleCo    = "协办"
	RoleFirst = "首接"
)

// canonical maps accepted spellings of the enumerations to their stored
// form: the Chinese words are canonical, English codes are accepted, and
// so are the urgency grades hotline systems write (普通, 特急, 加急 …).
var canonical = map[string]string{
	"normal": UrgencyNormal, "urgent": UrgencyUrgent,
	"普通": UrgencyNormal, "常规": UrgencyNormal, "一般件": UrgencyNormal, "普通件": UrgencyNormal,
	"特急": UrgencyUrgent, "加急": UrgencyUrgent, "急件": UrgencyUrgent, "紧急件": UrgencyUrgent, "特急件": UrgencyUrgent,
	"非常紧急": UrgencyUrgent, "特别紧急": UrgencyUrgent,
	"solved": ResultSolved, "explained": ResultExplained, "not_ours": ResultNotOurs, "不属于": ResultNotOurs,
	"satisfied": RatingSatisfied, "basically_satisfied": RatingBasic, "dissatisfied": RatingUnsatisfied, "unsatisfied": RatingUnsatisfied,
}

// canon returns the stored form of an enumeration value.
func canon(s string) string {
	s = strings.TrimSpace(s)
	if c, ok := canonical[strings.ToLower(s)]; ok {
		return c
	}
	return s
}

// Appeal is one appeal as a permitted actor sees it: what was filed, and
// the state derived from its events.
type Appeal struct {
	ID             int64     `json:"id"`
	Number         string    `json:"number"`
	ExternalRef    string    `json:"external_ref,omitempty"`
	Channel        Channel   `json:"channel"`
	EnterpriseID   *int64    `json:"enterprise_id"`
	USCC           string    `json:"uscc,omitempty"`
	USCCUnknown    bool      `json:"uscc_unknown"` // a valid code the registry does not know (kept, flagged)
	EnterpriseName string    `json:"enterprise_name"`
	Anonymous      bool      `json:"anonymous"` // hotline only: no enterprise named
	ContactName    string    `json:"contact_name"`
	ContactPhone   string    `json:"contact_phone"`
	District       string    `json:"district,omitempty"` // 6-digit division code
	DistrictName   string    `json:"district_name,omitempty"`
	Category       string    `json:"category"`
	Urgency        string    `json:"urgency"`
	Title          string    `json:"title"`
	Content        string    `json:"content"`
	Publish        bool      `json:"publish"` // the enterprise agrees to publication
	ReceivedAt     time.Time `json:"received_at"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`

	State
	StatusLabel string `json:"status_label"`
	Light       Light  `json:"light"`
	LightLabel  string `json:"light_label"`
	UnitName    string `json:"unit_name,omitempty"`
	ClassName   string `json:"sla_class,omitempty"`

	// Units are the units the appeal is with (主办, 协办, 首接) and their
	// sub-deadlines.
	Units []UnitRef `json:"units"`
	// Events is the history, oldest first, when asked for.
	Events []Event `json:"events,omitempty"`
	// Attachments are the files, when asked for.
	Attachments []Attachment `json:"attachments,omitempty"`
	// Permitted says what the asking actor may do with it now.
	Permitted *Permitted `json:"permitted,omitempty"`
	// Linked is the appeal this one is linked to, whose progress it follows.
	Linked *Brief `json:"linked,omitempty"`
	// Similar are open appeals of the same enterprise that look alike,
	// answered at filing.
	Similar []Brief `json:"similar,omitempty"`
}

// UnitRef is a unit an appeal is with.
type UnitRef struct {
	UnitID    int64         `json:"unit_id"`
	Name      string        `json:"name"`
	Role      string        `json:"role"`
	Since     time.Time     `json:"since"`
	SignDueAt *time.Time    `json:"sign_due_at,omitempty"`
	SignedAt  *time.Time    `json:"signed_at,omitempty"`
	DueDate   *workday.Date `json:"due_date,omitempty"`
}

// Brief names an appeal in a list of suggestions.
type Brief struct {
	ID       int64     `json:"id"`
	Number   string    `json:"number"`
	Title    string    `json:"title"`
	Status   Status    `json:"status"`
	Received time.Time `json:"received_at"`
}

// Attachment is a file attached to an appeal (its bytes are read apart).
type Attachment struct {
	ID          int64     `json:"id"`
	AppealID    int64     `json:"appeal_id"`
	EventSeq    int       `json:"event_seq,omitempty"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  string    `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// local returns t in Asia/Shanghai, so that JSON carries +08:00.
func local(t time.Time) time.Time { return t.In(workday.Shanghai) }

// localPtr is local for an optional instant.
func localPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := local(*t)
	return &v
}
