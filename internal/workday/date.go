package workday

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
)

// Shanghai is the time zone in which dates of business meaning are read.
var Shanghai = mustLoadShanghai()

func mustLoadShanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		// No tzdata on the machine: China has had no DST since 1991.
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// Date is a calendar date (a deadline, a founding date) counted in days since
// 1970-01-01. It is comparable with < and ==, and it is stored as TEXT
// 'YYYY-MM-DD' so that it sorts and compares the same in SQLite and PostgreSQL.
type Date int32

// DateOf returns the date of t in Asia/Shanghai.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Shanghai).Date()
	return NewDate(y, m, d)
}

// NewDate returns the date y-m-d; out-of-range values normalise as in time.Date.
func NewDate(y int, m time.Month, d int) Date {
	return Date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Today returns the current date in Asia/Shanghai according to now.
func Today(now func() time.Time) Date { return DateOf(now()) }

// utc returns midnight UTC of d, for calendar arithmetic.
func (d Date) utc() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// YMD returns the year, month and day of d.
func (d Date) YMD() (int, time.Month, int) { return d.utc().Date() }

// Year returns the year of d.
func (d Date) Year() int { return d.utc().Year() }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// AddDays returns d plus n calendar days.
func (d Date) AddDays(n int) Date { return d + Date(n) }

// Start returns the instant d begins in Asia/Shanghai.
func (d Date) Start() time.Time {
	y, m, day := d.YMD()
	return time.Date(y, m, day, 0, 0, 0, 0, Shanghai)
}

// String formats d as 2006-01-02.
func (d Date) String() string { return d.utc().Format("2006-01-02") }

// Chinese formats d as 2024年3月27日.
func (d Date) Chinese() string {
	y, m, day := d.YMD()
	return fmt.Sprintf("%d年%d月%d日", y, m, day)
}

// ParseDate reads a date written 2024-03-27, 2024/3/27, 2024.3.27 or
// 2024年3月27日 (surrounding space ignored). It rejects impossible dates such
// as 2024-02-30 with an Invalid error in Chinese.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	orig := s
	s = strings.TrimSuffix(s, "日")
	// Three runs of digits separated by 年, 月, '-', '/' or '.', read
	// without allocating: imports parse millions of dates.
	var n [3]int
	field, digits := 0, 0
	for i := 0; i < len(s); {
		if c := s[i]; c >= '0' && c <= '9' {
			if digits == 9 {
				return 0, errs.Errorf(errs.Invalid, "日期格式不对：%q（应为 2024-03-27、2024/3/27 或 2024年3月27日）", orig)
			}
			n[field] = n[field]*10 + int(c-'0')
			digits++
			i++
			continue
		}
		sep := 0
		switch {
		case s[i] == '-' || s[i] == '/' || s[i] == '.':
			sep = 1
		case strings.HasPrefix(s[i:], "年") || strings.HasPrefix(s[i:], "月"):
			sep = len("年")
		}
		if sep == 0 || digits == 0 || field == 2 {
			return 0, errs.Errorf(errs.Invalid, "日期格式不对：%q（应为 2024-03-27、2024/3/27 或 2024年3月27日）", orig)
		}
		field, digits, i = field+1, 0, i+sep
	}
	if field != 2 || digits == 0 {
		return 0, errs.Errorf(errs.Invalid, "日期格式不对：%q（应为 2024-03-27、2024/3/27 或 2024年3月27日）", orig)
	}
	if n[0] < 1000 || n[0] > 9999 || n[1] < 1 || n[1] > 12 || n[2] < 1 || n[2] > 31 {
		return 0, errs.Errorf(errs.Invalid, "日期不存在：%q", orig)
	}
	d := NewDate(n[0], time.Month(n[1]), n[2])
	if y, m, day := d.YMD(); y != n[0] || int(m) != n[1] || day != n[2] {
		return 0, errs.Errorf(errs.Invalid, "日期不存在：%q", orig)
	}
	return d, nil
}

// MustParseDate is ParseDate for constants in code and tests; it panics on a
// malformed literal.
func MustParseDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// MarshalJSON writes d as "2006-01-02".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads any form ParseDate accepts. It rejects null with an
// Invalid error: a date that may be absent is a *Date, which encoding/json
// sets to nil without calling this method.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return errs.Errorf(errs.Invalid, "日期不能为空，应为如 \"2024-03-27\" 的字符串")
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errs.Errorf(errs.Invalid, "日期应为字符串，如 \"2024-03-27\"")
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Value stores d as TEXT 'YYYY-MM-DD'.
func (d Date) Value() (driver.Value, error) { return d.String(), nil }

// Scan reads a date stored as TEXT, or as a time from a DATE column.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case string:
		p, err := ParseDate(v)
		if err != nil {
			return err
		}
		*d = p
	case []byte:
		return d.Scan(string(v))
	case time.Time:
		*d = NewDate(v.Date())
	default:
		return fmt.Errorf("workday.Date: cannot scan %T", src)
	}
	return nil
}
