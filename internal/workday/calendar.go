package workday

import (
	"cmp"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
)

// The years a Notice or an Override may concern. The calendar keeps one bit
// per day for every year from the first to the last one mentioned, so the
// range bounds its memory (300 years is under 14 KB).
const (
	minYear = 1900
	maxYear = 2199
)

// Override is an administrator's correction to the official table for one
// date: a local arrangement (a city-wide day off for a typhoon, a notice
// published after this build) or a fix. Overrides are stored in the database
// by the caller and handed to the calendar with SetOverrides.
type Override struct {
	// Date is the date corrected.
	Date Date `json:"date"`
	// Workday says whether Date is a working day.
	Workday bool `json:"workday"`
	// Note says why, in the administrator's words; it is shown with the date.
	Note string `json:"note"`
}

// DayKind says why a date is or is not a working day.
type DayKind uint8

// The kinds of day, in the order the calendar decides them: an override
// wins over the official table, which wins over the Saturday/Sunday default.
const (
	Weekday    DayKind = iota // Monday to Friday, not listed anywhere: working
	Weekend                   // Saturday or Sunday, not listed anywhere: rest
	Holiday                   // a rest day in the official notice (法定节假日)
	MakeUp                    // a make-up working day in the official notice (调休上班)
	Overridden                // set by an administrator's Override
)

// String returns the kind's Chinese label.
func (k DayKind) String() string {
	switch k {
	case Weekday:
		return "工作日"
	case Weekend:
		return "周末"
	case Holiday:
		return "法定节假日"
	case MakeUp:
		return "调休上班"
	case Overridden:
		return "人工调整"
	}
	return "未知"
}

// dayKindCodes are the stable codes of the kinds in JSON, by kind.
var dayKindCodes = [...]string{Weekday: "weekday", Weekend: "weekend", Holiday: "holiday", MakeUp: "makeup", Overridden: "override"}

// MarshalText writes k as a stable code for the API: weekday, weekend,
// holiday, makeup or override.
func (k DayKind) MarshalText() ([]byte, error) {
	if int(k) >= len(dayKindCodes) {
		return nil, errs.Errorf(errs.Internal, "未知的日期类型 %d", k)
	}
	return []byte(dayKindCodes[k]), nil
}

// UnmarshalText reads a code written by MarshalText.
func (k *DayKind) UnmarshalText(b []byte) error {
	for i, code := range dayKindCodes {
		if code == string(b) {
			*k = DayKind(i)
			return nil
		}
	}
	return errs.Errorf(errs.Invalid, "未知的日期类型：%q", b)
}

// DayInfo explains one date: whether it is a working day and why.
type DayInfo struct {
	Date    Date    `json:"date"`
	Workday bool    `json:"workday"`
	Kind    DayKind `json:"kind"`
	// Name is the festival from the official notice (春节), if the date is
	// listed there, even when an override now decides the date.
	Name string `json:"name,omitempty"`
	// Note is the administrator's note when Kind is Overridden.
	Note string `json:"note,omitempty"`
	// Papers are the addresses of the notice that lists the date, if any.
	Papers []string `json:"papers,omitempty"`
}

// Calendar is the official working-day calendar: the embedded State Council
// notices, with administrators' overrides layered on top. It is safe for
// concurrent use: SetOverrides swaps in a new view atomically, and every
// method works on one consistent view from start to finish. Build it with
// New; the zero Calendar is not usable.
//
// Years after the last published notice (and before the first) follow the
// Saturday/Sunday default until a notice or overrides cover them; Known tells
// whether a year is covered by a notice.
type Calendar struct {
	notices  []Notice             // the official table, never changed after New
	official map[Date]officialDay // date -> its entry, later notices winning
	known    map[int]bool         // years with a published notice
	lastYear int                  // the last year with a published notice, 0 if none
	cur      atomic.Pointer[view]
}

type officialDay struct {
	NoticeDay
	notice int // index into Calendar.notices
}

// Option configures New.
type Option func(*options)

type options struct {
	notices   []Notice
	overrides []Override
}

// WithOverrides layers the given administrators' overrides on the official
// table from the start, as SetOverrides would.
func WithOverrides(ovs ...Override) Option {
	return func(o *options) { o.overrides = slices.Clone(ovs) }
}

// WithNotices replaces the embedded official table with ns, applied in the
// order given (a later notice wins where two list the same date). It is for
// tests and for running with a newly published notice read by ParseNotice,
// as in WithNotices(append(Official(), n2027)...).
func WithNotices(ns ...Notice) Option {
	return func(o *options) {
		o.notices = make([]Notice, len(ns))
		for i, n := range ns {
			o.notices[i] = n.clone()
		}
	}
}

// New returns the calendar built from the embedded official table and the
// options. It returns an Invalid error in Chinese when a notice or an
// override concerns a year outside 1900–2199 or an override date is repeated.
func New(opts ...Option) (*Calendar, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.notices == nil {
		o.notices = officialNotices()
	}
	c := &Calendar{
		notices:  o.notices,
		official: make(map[Date]officialDay),
		known:    make(map[int]bool),
	}
	for i, n := range c.notices {
		if n.Year < minYear || n.Year > maxYear {
			return nil, errs.FieldErrorf("year", "放假安排年份 %d 超出支持范围（%d–%d 年）", n.Year, minYear, maxYear)
		}
		for _, d := range n.Days {
			if y := d.Date.Year(); y < minYear || y > maxYear {
				return nil, errs.FieldErrorf("days", "放假安排日期 %s 超出支持范围（%d–%d 年）", d.Date, minYear, maxYear)
			}
			c.official[d.Date] = officialDay{NoticeDay: d, notice: i}
		}
		if n.Published() {
			c.known[n.Year] = true
			c.lastYear = max(c.lastYear, n.Year)
		}
	}
	if err := c.SetOverrides(o.overrides); err != nil {
		return nil, err
	}
	return c, nil
}

// SetOverrides replaces all administrators' overrides with ovs, as the
// server does after an administrator edits them. Readers see either the old
// or the new set, never a mix. It returns an Invalid error in Chinese, and
// keeps the old set, when a date is repeated or lies outside 1900–2199.
func (c *Calendar) SetOverrides(ovs []Override) error {
	byDate := make(map[Date]Override, len(ovs))
	for _, ov := range ovs {
		if y := ov.Date.Year(); y < minYear || y > maxYear {
			return errs.FieldErrorf("date", "调整日期 %s 超出支持范围（%d–%d 年）", ov.Date, minYear, maxYear)
		}
		if _, dup := byDate[ov.Date]; dup {
			return errs.FieldErrorf("date", "调整日期 %s 重复", ov.Date)
		}
		byDate[ov.Date] = ov
	}
	c.cur.Store(c.build(byDate))
	return nil
}

// Overrides returns the overrides in force, sorted by date.
func (c *Calendar) Overrides() []Override {
	v := c.cur.Load()
	out := slices.Collect(maps.Values(v.overrides))
	slices.SortFunc(out, func(a, b Override) int { return cmp.Compare(a.Date, b.Date) })
	return out
}

// Notices returns the official table the calendar was built from, in the
// order applied. The caller owns the returned slices.
func (c *Calendar) Notices() []Notice {
	out := make([]Notice, len(c.notices))
	for i, n := range c.notices {
		out[i] = n.clone()
	}
	return out
}

// Known reports whether a published official notice covers year. Dates in
// a year that is not known follow the Saturday/Sunday default (plus any
// overrides), which is only a guess: callers should say so to users.
func (c *Calendar) Known(year int) bool { return c.known[year] }

// LastKnownYear returns the last year covered by a published notice, or 0 if
// there is none.
func (c *Calendar) LastKnownYear() int { return c.lastYear }

// IsWorkday reports whether d is a working day.
func (c *Calendar) IsWorkday(d Date) bool { return c.cur.Load().isWorkday(d) }

// Info explains d: whether it is a working day, why, and the notice or note
// behind it.
func (c *Calendar) Info(d Date) DayInfo {
	v := c.cur.Load()
	info := DayInfo{Date: d, Workday: v.isWorkday(d)}
	od, listed := c.official[d]
	if listed {
		info.Name = od.Name
		info.Papers = slices.Clone(c.notices[od.notice].Papers)
	}
	switch ov, ok := v.overrides[d]; {
	case ok:
		info.Kind, info.Note = Overridden, ov.Note
	case listed && od.Off:
		info.Kind = Holiday
	case listed:
		info.Kind = MakeUp
	case isWeekday(d):
		info.Kind = Weekday
	default:
		info.Kind = Weekend
	}
	return info
}

// AddWorkdays returns the n-th working day after d. Whether d itself is a
// working day does not matter: AddWorkdays(d, 1) is the first working day
// strictly after d. With n == 0 it returns d unchanged (use OnOrAfter to
// move a date off a rest day). With n < 0 it returns the |n|-th working day
// before d.
//
// It agrees with Between: Between(d, AddWorkdays(d, n)) == n for n >= 0,
// and for n < 0 when d is a working day. So a deadline of "5 working days
// from receipt" is AddWorkdays(received, 5): received on Friday 2024-09-13,
// due on Monday 2024-09-23 (the Saturday 09-14 is a make-up working day and
// 09-15..17 the Mid-Autumn holiday). It does not allocate and takes time
// logarithmic in the table's size, whatever n is.
func (c *Calendar) AddWorkdays(d Date, n int) Date { return c.cur.Load().addWorkdays(d, n) }

// OnOrAfter returns d if it is a working day, else the first working day
// after it: the rule for a period whose last day falls on a rest day.
func (c *Calendar) OnOrAfter(d Date) Date {
	v := c.cur.Load()
	if v.isWorkday(d) {
		return d
	}
	return v.addWorkdays(d, 1)
}

// Between returns the number of working days after from, up to and
// including to: the working days in (from, to]. When to is before from it
// returns minus the working days in (to, from], so it is 0 for to == from and
// Between(a, b) + Between(b, c) == Between(a, c) for all dates.
// Between(2024-09-13, 2024-09-23) is 5.
func (c *Calendar) Between(from, to Date) int {
	v := c.cur.Load()
	return v.prefix(to+1) - v.prefix(from+1)
}

// build returns the view for the official table and the overrides.
func (c *Calendar) build(overrides map[Date]Override) *view {
	first, last := 0, 0
	span := func(y int) {
		if first == 0 || y < first {
			first = y
		}
		last = max(last, y)
	}
	for _, n := range c.notices {
		span(n.Year)
	}
	for d := range c.official {
		span(d.Year())
	}
	for d := range overrides {
		span(d.Year())
	}
	v := &view{overrides: overrides}
	if first == 0 {
		// Nothing listed anywhere: the default everywhere.
		v.wlo, v.whi = weekdayPrefix(v.lo), weekdayPrefix(v.hi)
		return v
	}
	v.lo = ymd(first, 1, 1)
	days := int(ymd(last+1, 1, 1) - v.lo)
	v.words = make([]uint64, (days+63)/64)
	v.hi = v.lo + Date(64*len(v.words))
	for i := range 64 * len(v.words) {
		if isWeekday(v.lo + Date(i)) {
			v.words[i>>6] |= 1 << (i & 63)
		}
	}
	for d, od := range c.official {
		v.set(d, !od.Off)
	}
	for d, ov := range overrides {
		v.set(d, ov.Workday)
	}
	v.cum = make([]int32, len(v.words)+1)
	for i, w := range v.words {
		v.cum[i+1] = v.cum[i] + int32(popcount(w))
	}
	v.total = int(v.cum[len(v.words)])
	v.wlo, v.whi = weekdayPrefix(v.lo), weekdayPrefix(v.hi)
	return v
}

// ymd returns the date y-m-d.
func ymd(y, m, d int) Date { return NewDate(y, time.Month(m), d) }
