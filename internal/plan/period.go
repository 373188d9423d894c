package plan

import (
	"fmt"
	"strconv"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// Period is a reporting period, written as its first month: 2024-03. A
// quarter starts in January, April, July or October.
type Period string

// PeriodOf returns the period of cadence c that contains d.
func PeriodOf(d workday.Date, c Cadence) Period {
	y, m, _ := d.YMD()
	mm := int(m)
	if n := c.Months(); n > 1 {
		mm = (mm-1)/n*n + 1
	}
	return Period(fmt.Sprintf("%04d-%02d", y, mm))
}

// ParsePeriod reads a period written 2024-03 (or 2024-3). Errors: Invalid.
func ParsePeriod(s string) (Period, error) {
	var y, m int
	if n, err := fmt.Sscanf(s, "%d-%d", &y, &m); err != nil || n != 2 || y < 2000 || y > 2200 || m < 1 || m > 12 ||
		len(s) > 7 {
		return "", errs.FieldErrorf("period", "报送期“%s”无效（应为如 2024-03）", s)
	}
	return Period(fmt.Sprintf("%04d-%02d", y, m)), nil
}

func (p Period) ym() (int, int) {
	y, _ := strconv.Atoi(string(p[:4]))
	m, _ := strconv.Atoi(string(p[5:7]))
	return y, m
}

// Start returns the period's first day.
func (p Period) Start() workday.Date {
	y, m := p.ym()
	return workday.NewDate(y, time.Month(m), 1)
}

// End returns the period's last day under cadence c.
func (p Period) End(c Cadence) workday.Date {
	y, m := p.ym()
	return workday.NewDate(y, time.Month(m+c.Months()), 1).AddDays(-1)
}

// Next returns the period after p under cadence c.
func (p Period) Next(c Cadence) Period { return PeriodOf(p.End(c).AddDays(1), c) }

// Prev returns the period before p under cadence c.
func (p Period) Prev(c Cadence) Period { return PeriodOf(p.Start().AddDays(-1), c) }

// Label writes the period in Chinese: 2024年3月, 2024年第1季度.
func (p Period) Label(c Cadence) string {
	y, m := p.ym()
	if c == Quarterly {
		return fmt.Sprintf("%d年第%d季度", y, (m-1)/3+1)
	}
	return fmt.Sprintf("%d年%d月", y, m)
}

// Month is a calendar month, the unit of the ranking: 2024-03.
type Month = Period

// MonthOf returns the month of d.
func MonthOf(d workday.Date) Month { return PeriodOf(d, Monthly) }

// DueDate returns when a unit's report for period p is due under settings
// st: the DueWorkday-th working day after the period ends, or for a
// negative DueWorkday the |n|-th last working day of its last month.
func DueDate(cal *workday.Calendar, p Period, st Settings) workday.Date {
	end := p.End(st.Cadence)
	if st.DueWorkday < 0 {
		return cal.AddWorkdays(end.AddDays(1), st.DueWorkday)
	}
	return cal.AddWorkdays(end, max(st.DueWorkday, 1))
}
