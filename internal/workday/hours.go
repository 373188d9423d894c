package workday

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
)

// maxRanges is the most working-time ranges an Hours may hold.
const maxRanges = 8

// minutesPerDay is 24:00, the latest a range may end.
const minutesPerDay = 24 * 60

// Hours is the working time within a working day, for deadlines counted in
// hours: up to 8 half-open [start, end) ranges in minutes after midnight in
// Asia/Shanghai, in order and not overlapping. The zero Hours means
// DefaultHours, 09:00–12:00 and 13:30–17:30. Hours is a small comparable
// value; build others with NewHours or ParseHours. It marshals as text such
// as "09:00-12:00,13:30-17:30", for configuration files and JSON.
type Hours struct {
	n      uint8
	ranges [maxRanges][2]uint16
}

// DefaultHours returns the usual office hours of a government department,
// 09:00–12:00 and 13:30–17:30 (7 hours a day).
func DefaultHours() Hours {
	return Hours{n: 2, ranges: [maxRanges][2]uint16{{9 * 60, 12 * 60}, {13*60 + 30, 17*60 + 30}}}
}

// NewHours returns the Hours made of the given [start, end) ranges in
// minutes after midnight, such as {540, 720}, {810, 1050} for the default.
// It returns an Invalid error in Chinese unless there are 1 to 8 ranges,
// each within 00:00–24:00, not empty, in order and not overlapping.
func NewHours(ranges ...[2]int) (Hours, error) {
	if len(ranges) == 0 || len(ranges) > maxRanges {
		return Hours{}, errs.FieldErrorf("hours", "工作时段应有 1 至 %d 段，现有 %d 段", maxRanges, len(ranges))
	}
	var h Hours
	prevEnd := 0
	for i, r := range ranges {
		if r[0] < 0 || r[1] > minutesPerDay || r[0] >= r[1] {
			return Hours{}, errs.FieldErrorf("hours", "工作时段 %s-%s 无效：开始应早于结束，且在 00:00 至 24:00 之间", clock(r[0]), clock(r[1]))
		}
		if i > 0 && r[0] < prevEnd {
			return Hours{}, errs.FieldErrorf("hours", "工作时段 %s-%s 与前一段重叠或顺序颠倒", clock(r[0]), clock(r[1]))
		}
		prevEnd = r[1]
		h.ranges[i] = [2]uint16{uint16(r[0]), uint16(r[1])}
	}
	h.n = uint8(len(ranges))
	return h, nil
}

// ParseHours reads working hours written like "09:00-12:00,13:30-17:30"
// (ranges separated by commas, full-width commas or semicolons; start and end
// by "-", "–", "~" or "～"; times as H:MM or HH:MM, up to 24:00). It returns
// an Invalid error in Chinese, as NewHours does, when s is malformed.
func ParseHours(s string) (Hours, error) {
	bad := func() (Hours, error) {
		return Hours{}, errs.FieldErrorf("hours", "工作时段格式不对：%q（应如 09:00-12:00,13:30-17:30）", s)
	}
	fields := strings.Split(strings.NewReplacer("，", ",", ";", ",", "；", ",").Replace(s), ",")
	if len(fields) > maxRanges {
		return bad()
	}
	ranges := make([][2]int, 0, len(fields))
	for _, f := range fields {
		f = strings.NewReplacer("–", "-", "～", "-", "~", "-").Replace(strings.TrimSpace(f))
		a, b, ok := strings.Cut(f, "-")
		if !ok {
			return bad()
		}
		start, ok1 := parseClock(strings.TrimSpace(a))
		end, ok2 := parseClock(strings.TrimSpace(b))
		if !ok1 || !ok2 {
			return bad()
		}
		ranges = append(ranges, [2]int{start, end})
	}
	return NewHours(ranges...)
}

// parseClock reads H:MM or HH:MM as minutes after midnight, up to 24:00.
func parseClock(s string) (int, bool) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 {
		return 0, false
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h*60+m > minutesPerDay || hh[0] == '+' || mm[0] == '+' {
		return 0, false
	}
	return h*60 + m, true
}

// clock formats minutes after midnight as HH:MM.
func clock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// orDefault returns h, or DefaultHours if h is the zero Hours.
func (h Hours) orDefault() Hours {
	if h.n == 0 {
		return DefaultHours()
	}
	return h
}

// Ranges returns the [start, end) ranges in minutes after midnight.
func (h Hours) Ranges() [][2]int {
	h = h.orDefault()
	out := make([][2]int, h.n)
	for i := range out {
		out[i] = [2]int{int(h.ranges[i][0]), int(h.ranges[i][1])}
	}
	return out
}

// PerDay returns the working time in one working day.
func (h Hours) PerDay() time.Duration {
	h = h.orDefault()
	var total int
	for _, r := range h.ranges[:h.n] {
		total += int(r[1]) - int(r[0])
	}
	return time.Duration(total) * time.Minute
}

// String formats h as ParseHours reads it, such as "09:00-12:00,13:30-17:30".
func (h Hours) String() string {
	h = h.orDefault()
	var b strings.Builder
	for i, r := range h.ranges[:h.n] {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(clock(int(r[0])) + "-" + clock(int(r[1])))
	}
	return b.String()
}

// MarshalText writes h as String does.
func (h Hours) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText reads h as ParseHours does.
func (h *Hours) UnmarshalText(b []byte) error {
	v, err := ParseHours(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// span returns range i as offsets from midnight.
func (h *Hours) span(i int) (start, end time.Duration) {
	return time.Duration(h.ranges[i][0]) * time.Minute, time.Duration(h.ranges[i][1]) * time.Minute
}

// before returns the working time in [00:00, off) of a working day.
func (h *Hours) before(off time.Duration) time.Duration {
	var total time.Duration
	for i := range int(h.n) {
		s, e := h.span(i)
		if off <= s {
			break
		}
		total += min(off, e) - s
	}
	return total
}

// split returns the date of t in Asia/Shanghai and the time since that
// date's midnight.
func split(t time.Time) (Date, time.Duration) {
	t = t.In(Shanghai)
	y, m, d := t.Date()
	return NewDate(y, m, d), t.Sub(time.Date(y, m, d, 0, 0, 0, 0, Shanghai))
}

// IsWorkingTime reports whether t falls within hours on a working day.
func (c *Calendar) IsWorkingTime(t time.Time, hours Hours) bool {
	d, off := split(t)
	if !c.IsWorkday(d) {
		return false
	}
	hours = hours.orDefault()
	for i := range int(hours.n) {
		if s, e := hours.span(i); off >= s && off < e {
			return true
		}
	}
	return false
}

// WorkingDuration returns the working time in [from, to): the time within
// hours on working days, in Asia/Shanghai. It is negative when to is before
// from, so WorkingDuration(a, b) + WorkingDuration(b, c) == WorkingDuration(a, c).
// From Friday 2024-09-13 17:00 to Wednesday 2024-09-18 10:00 it is 8h30m
// (half an hour on Friday, the make-up Saturday, an hour on Wednesday).
func (c *Calendar) WorkingDuration(from, to time.Time, hours Hours) time.Duration {
	v := c.cur.Load()
	hours = hours.orDefault()
	return v.workingUntil(to, &hours) - v.workingUntil(from, &hours)
}

// workingUntil returns the working time from the view's origin to t (the
// prefix function of working time), negative before the origin.
func (v *view) workingUntil(t time.Time, hours *Hours) time.Duration {
	d, off := split(t)
	w := time.Duration(v.prefix(d)) * hours.PerDay()
	if v.isWorkday(d) {
		w += hours.before(off)
	}
	return w
}

// AddWorkingHours returns the instant, in Asia/Shanghai, at which h of
// working time (within hours, on working days) has passed since t: the
// deadline of a time limit counted in hours. It returns the earliest such
// instant, so a limit that runs out at the end of a range ends there (17:30),
// not at the start of the next (09:00 the next working day). Time outside
// hours and on rest days does not count: 1 hour from Friday 2024-09-13 17:00
// is Saturday 2024-09-14 09:30 (a make-up working day). A negative h counts
// back and returns the latest instant h before t; h == 0 returns t, in
// Asia/Shanghai.
// WorkingDuration(t, AddWorkingHours(t, h, hours), hours) == h always.
func (c *Calendar) AddWorkingHours(t time.Time, h time.Duration, hours Hours) time.Time {
	v := c.cur.Load()
	hours = hours.orDefault()
	per := hours.PerDay()
	d, off := split(t)
	if h == 0 {
		return t.In(Shanghai)
	}
	if h > 0 {
		rem := h
		for {
			if v.isWorkday(d) {
				if off == 0 && rem > per {
					// Whole working days: leave between 0 and one day to go.
					k := (rem - 1) / per
					d, rem = v.addWorkdays(d, int(k)), rem-k*per
				}
				start := d.Start()
				for i := range int(hours.n) {
					s, e := hours.span(i)
					if off >= e {
						continue
					}
					b := max(off, s)
					if rem <= e-b {
						return start.Add(b + rem)
					}
					rem -= e - b
					off = e
				}
			}
			d, off = v.addWorkdays(d, 1), 0
		}
	}
	const endOfDay = 24 * time.Hour
	rem := -h
	for {
		if v.isWorkday(d) {
			if off == endOfDay && rem > per {
				k := (rem - 1) / per
				d, rem = v.addWorkdays(d, -int(k)), rem-k*per
			}
			start := d.Start()
			for i := int(hours.n) - 1; i >= 0; i-- {
				s, e := hours.span(i)
				if off <= s {
					continue
				}
				b := min(off, e)
				if rem <= b-s {
					return start.Add(b - rem)
				}
				rem -= b - s
				off = s
			}
		}
		d, off = v.addWorkdays(d, -1), endOfDay
	}
}
