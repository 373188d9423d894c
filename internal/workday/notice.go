package workday

import (
	"encoding/json"
	"slices"

	"github.com/qinqing/qinqing/internal/errs"
)

// Notice is one year's official holiday arrangement: the State Council's
// 国务院办公厅关于某年部分节假日安排的通知, in the shape of the holiday-cn
// data set (one file per year), so that a new year's file can be read with
// ParseNotice and marshalled back unchanged.
type Notice struct {
	// Year is the year of the notice. Its Days may include late-December
	// dates of the year before (the New Year's Day holiday and its make-up
	// working days).
	Year int `json:"year"`
	// Papers are the addresses of the notices the days come from: the
	// provenance shown to users who ask why a date is or is not working.
	Papers []string `json:"papers"`
	// Days are the dates that differ from, or confirm, the Saturday/Sunday
	// default. Dates not listed follow the default.
	Days []NoticeDay `json:"days"`
}

// NoticeDay is one date in a Notice.
type NoticeDay struct {
	// Date is the date concerned.
	Date Date `json:"date"`
	// Name is the festival the date belongs to, such as 春节 or 国庆节.
	Name string `json:"name"`
	// Off is true for a rest day (a holiday on what would be a working day,
	// or a date inside a holiday block) and false for a make-up working day
	// (调休上班) on what would be a weekend.
	Off bool `json:"isOffDay"`
}

// Published reports whether n holds a published arrangement; a placeholder
// for a year whose notice has not come out yet has no days.
func (n Notice) Published() bool { return len(n.Days) > 0 }

// clone returns a deep copy of n.
func (n Notice) clone() Notice {
	n.Papers = slices.Clone(n.Papers)
	n.Days = slices.Clone(n.Days)
	return n
}

// Official returns the embedded official table: one Notice per year from 2007
// to the last year the table was built for, in year order, including
// placeholders for years whose notice is not yet published. The caller owns
// the returned slices.
func Official() []Notice { return officialNotices() }

// ParseNotice reads one year's file in the holiday-cn format
// ({"year": 2026, "papers": [...], "days": [{"name", "date", "isOffDay"}]}),
// such as a newly published year to pass to WithNotices before the embedded
// table is rebuilt. It returns an Invalid error in Chinese when the file is
// malformed, a field is missing, or a date lies outside the notice's year
// and the December before it.
func ParseNotice(data []byte) (Notice, error) {
	var raw struct {
		Year   *int     `json:"year"`
		Papers []string `json:"papers"`
		Days   []struct {
			Name     string `json:"name"`
			Date     string `json:"date"`
			IsOffDay *bool  `json:"isOffDay"`
		} `json:"days"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return Notice{}, &errs.Error{Code: errs.Invalid, Message: "放假安排文件不是有效的 JSON", Err: err}
	}
	if raw.Year == nil {
		return Notice{}, errs.FieldErrorf("year", "放假安排文件缺少年份（year）")
	}
	year := *raw.Year
	if year < minYear || year > maxYear {
		return Notice{}, errs.FieldErrorf("year", "放假安排年份 %d 超出支持范围（%d–%d 年）", year, minYear, maxYear)
	}
	n := Notice{Year: year, Papers: raw.Papers, Days: make([]NoticeDay, 0, len(raw.Days))}
	if n.Papers == nil {
		n.Papers = []string{}
	}
	seen := make(map[Date]bool, len(raw.Days))
	for i, rd := range raw.Days {
		d, err := ParseDate(rd.Date)
		if err != nil {
			return Notice{}, errs.FieldErrorf("days", "第 %d 条的日期 %q 无效", i+1, rd.Date)
		}
		if y := d.Year(); y != year && !(y == year-1 && d >= NewDate(year-1, 12, 1)) {
			return Notice{}, errs.FieldErrorf("days", "第 %d 条的日期 %s 不属于 %d 年的放假安排", i+1, d, year)
		}
		if rd.Name == "" {
			return Notice{}, errs.FieldErrorf("days", "第 %d 条（%s）缺少节日名称（name）", i+1, d)
		}
		if rd.IsOffDay == nil {
			return Notice{}, errs.FieldErrorf("days", "第 %d 条（%s）缺少是否休息（isOffDay）", i+1, d)
		}
		if seen[d] {
			return Notice{}, errs.FieldErrorf("days", "日期 %s 重复出现", d)
		}
		seen[d] = true
		n.Days = append(n.Days, NoticeDay{Date: d, Name: rd.Name, Off: *rd.IsOffDay})
	}
	return n, nil
}

// off and work keep the generated table short: a rest day and a make-up
// working day of the named festival.
func off(y, m, d int, name string) NoticeDay {
	return NoticeDay{Date: ymd(y, m, d), Name: name, Off: true}
}

func work(y, m, d int, name string) NoticeDay {
	return NoticeDay{Date: ymd(y, m, d), Name: name, Off: false}
}
