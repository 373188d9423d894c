package workday

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"

	"github.com/qinqing/qinqing/internal/errs"
)

// MustNew returns New(opts...) or fails the test.
func MustNew(tb testing.TB, opts ...Option) *Calendar {
	tb.Helper()
	c, err := New(opts...)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return c
}

// d is MustParseDate, short for tables.
func d(s string) Date { return MustParseDate(s) }

func TestIsWorkdayOfficial(t *testing.T) {
	c := MustNew(t)
	tests := []struct {
		date string
		want bool
	}{
		// 2024
		{"2024-01-01", false}, // 元旦
		{"2024-02-04", true},  // Sunday, make-up for 春节
		{"2024-02-09", true},  // 除夕, Friday, not a holiday in 2024
		{"2024-02-10", false}, // 春节
		{"2024-02-17", false},
		{"2024-02-18", true}, // Sunday, make-up
		{"2024-02-19", true},
		{"2024-04-07", true}, // Sunday, make-up for 清明
		{"2024-04-28", true}, // Sunday, make-up for 劳动节
		{"2024-05-01", false},
		{"2024-05-11", true}, // Saturday, make-up
		{"2024-06-10", false},
		{"2024-09-13", true},
		{"2024-09-14", true}, // Saturday, make-up for 中秋
		{"2024-09-15", false},
		{"2024-09-16", false},
		{"2024-09-17", false},
		{"2024-09-18", true},
		{"2024-09-29", true}, // Sunday, make-up for 国庆
		{"2024-10-01", false},
		{"2024-10-04", false},
		{"2024-10-07", false},
		{"2024-10-08", true},
		{"2024-10-12", true},  // Saturday, make-up
		{"2024-10-13", false}, // an ordinary Sunday
		{"2024-12-31", true},
		// 2025
		{"2025-01-01", false},
		{"2025-01-26", true}, // Sunday, make-up for 春节
		{"2025-01-27", true},
		{"2025-01-28", false}, // 除夕
		{"2025-01-31", false},
		{"2025-02-01", false},
		{"2025-02-04", false},
		{"2025-02-05", true},
		{"2025-02-08", true}, // Saturday, make-up
		{"2025-04-04", false},
		{"2025-04-27", true},
		{"2025-05-05", false},
		{"2025-06-02", false},
		{"2025-09-28", true},
		{"2025-10-08", false},
		{"2025-10-11", true},
		// 2026
		{"2026-01-01", false},
		{"2026-01-02", false},
		{"2026-01-04", true}, // Sunday, make-up
		{"2026-02-14", true}, // Saturday, make-up
		{"2026-02-16", false},
		{"2026-02-23", false},
		{"2026-02-24", true},
		{"2026-02-28", true},
		{"2026-04-06", false},
		{"2026-05-05", false},
		{"2026-05-09", true},
		{"2026-06-19", false},
		{"2026-09-20", true},
		{"2026-09-25", false},
		{"2026-10-07", false},
		{"2026-10-09", true},
		{"2026-10-10", true},
		// the 2007 notice reaches back into December 2006
		{"2006-12-30", true},
		{"2006-12-31", true},
		{"2007-01-02", false},
		// the 2019 notice moves the end of 2018
		{"2018-12-29", true},
		{"2018-12-31", false},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			if got := c.IsWorkday(d(tt.date)); got != tt.want {
				t.Errorf("IsWorkday(%s) = %v, want %v (%+v)", tt.date, got, tt.want, c.Info(d(tt.date)))
			}
		})
	}
}

func isWeekdayNaive(day Date) bool {
	wd := day.Weekday()
	return wd >= 1 && wd <= 5
}

func TestIsWorkdayMatchesNotices(t *testing.T) {
	c := MustNew(t)
	ns := Official()
	listed := make(map[Date]bool)
	for _, n := range ns {
		for _, nd := range n.Days {
			listed[nd.Date] = !nd.Off
		}
	}
	for day := d("1999-01-01"); day <= d("2031-12-31"); day++ {
		want, ok := listed[day]
		if !ok {
			want = isWeekdayNaive(day)
		}
		if got := c.IsWorkday(day); got != want {
			t.Fatalf("IsWorkday(%s) = %v, want %v", day, got, want)
		}
	}
}

func TestKnown(t *testing.T) {
	c := MustNew(t)
	for y := 1990; y <= 2035; y++ {
		want := y >= 2007 && y <= 2026
		t.Run(strconv.Itoa(y), func(t *testing.T) {
			if got := c.Known(y); got != want {
				t.Errorf("Known(%d) = %v, want %v", y, got, want)
			}
		})
	}
	if got := c.LastKnownYear(); got != 2026 {
		t.Errorf("LastKnownYear() = %d, want 2026", got)
	}
}

func TestFallbackWeekendsOnly(t *testing.T) {
	c := MustNew(t)
	tests := []struct {
		date string
		want bool
		kind DayKind
	}{
		{"2027-01-01", true, Weekday}, // a Friday; no notice yet
		{"2027-01-02", false, Weekend},
		{"2027-02-08", true, Weekday}, // would be in the Spring Festival block
		{"2027-10-01", true, Weekday},
		{"2030-01-01", true, Weekday},
		{"2030-01-05", false, Weekend},
		{"2030-10-01", true, Weekday},
		{"2030-10-05", false, Weekend},
		{"1990-10-01", true, Weekday}, // before the first notice
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			info := c.Info(d(tt.date))
			if info.Workday != tt.want || info.Kind != tt.kind || c.IsWorkday(d(tt.date)) != tt.want {
				t.Errorf("Info(%s) = %+v, want workday %v kind %v", tt.date, info, tt.want, tt.kind)
			}
		})
	}
	// Counting runs on from the table into the default and back.
	if got, want := c.AddWorkdays(d("2026-12-31"), 1), d("2027-01-01"); got != want {
		t.Errorf("AddWorkdays(2026-12-31, 1) = %s, want %s", got, want)
	}
	if got, want := c.AddWorkdays(d("2030-01-04"), 1), d("2030-01-07"); got != want {
		t.Errorf("AddWorkdays(2030-01-04, 1) = %s, want %s", got, want)
	}
	if got := c.Between(d("2029-12-31"), d("2030-12-31")); got != 261 {
		t.Errorf("Between over 2030 = %d, want 261 weekdays", got)
	}
}

func TestAddWorkdays(t *testing.T) {
	c := MustNew(t)
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"MidAutumn2024", "2024-09-13", 5, "2024-09-23"},
		{"MakeUpSaturday", "2024-09-13", 1, "2024-09-14"},
		{"OverMidAutumn", "2024-09-14", 1, "2024-09-18"},
		{"ZeroOnWorkday", "2024-09-13", 0, "2024-09-13"},
		{"ZeroOnHoliday", "2024-09-15", 0, "2024-09-15"},
		{"FromHoliday", "2024-09-15", 1, "2024-09-18"},
		{"NationalDay2024", "2024-09-30", 1, "2024-10-08"},
		{"NationalDayMakeUp", "2024-10-11", 1, "2024-10-12"},
		{"SpringFestival2025", "2025-01-27", 1, "2025-02-05"},
		{"SpringFestival2025Saturday", "2025-02-07", 1, "2025-02-08"},
		{"SpringFestival2026", "2026-02-13", 1, "2026-02-14"},
		{"SpringFestival2026After", "2026-02-14", 1, "2026-02-24"},
		{"TwentyOver2024NationalDay", "2024-09-20", 20, "2024-10-23"},
		{"BackOne", "2024-09-18", -1, "2024-09-14"},
		{"BackFive", "2024-09-23", -5, "2024-09-13"},
		{"BackFromHoliday", "2024-10-03", -1, "2024-09-30"},
		{"BackInto2006", "2007-01-04", -3, "2006-12-29"},
		{"YearAhead", "2025-12-31", 250, "2027-01-04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.AddWorkdays(d(tt.from), tt.n); got != d(tt.want) {
				t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
			}
		})
	}
}

func TestOnOrAfter(t *testing.T) {
	c := MustNew(t)
	tests := []struct{ from, want string }{
		{"2024-09-13", "2024-09-13"},
		{"2024-09-14", "2024-09-14"},
		{"2024-09-15", "2024-09-18"},
		{"2024-10-01", "2024-10-08"},
		{"2030-01-05", "2030-01-07"},
	}
	for _, tt := range tests {
		t.Run(tt.from, func(t *testing.T) {
			if got := c.OnOrAfter(d(tt.from)); got != d(tt.want) {
				t.Errorf("OnOrAfter(%s) = %s, want %s", tt.from, got, tt.want)
			}
		})
	}
}

func TestBetween(t *testing.T) {
	c := MustNew(t)
	tests := []struct {
		name     string
		from, to string
		want     int
	}{
		{"MidAutumn2024", "2024-09-13", "2024-09-23", 5},
		{"Same", "2024-09-13", "2024-09-13", 0},
		{"Reversed", "2024-09-23", "2024-09-13", -5},
		{"HolidayOnly", "2024-09-14", "2024-09-17", 0},
		{"NationalDay2024", "2024-09-30", "2024-10-12", 5}, // 10-08..10-12
		{"Year2024", "2023-12-31", "2024-12-31", 251},
		{"Year2025", "2024-12-31", "2025-12-31", 248},
		{"Year2026", "2025-12-31", "2026-12-31", 248},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Between(d(tt.from), d(tt.to)); got != tt.want {
				t.Errorf("Between(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

// naiveAdd steps day by day.
func naiveAdd(c *Calendar, day Date, n int) Date {
	for ; n > 0; n-- {
		day++
		for !c.IsWorkday(day) {
			day++
		}
	}
	for ; n < 0; n++ {
		day--
		for !c.IsWorkday(day) {
			day--
		}
	}
	return day
}

func TestAddWorkdaysBetweenProperty(t *testing.T) {
	c := MustNew(t)
	rng := rand.New(rand.NewPCG(2024, 9))
	lo, hi := d("2007-01-01"), d("2026-12-31")
	for i := range 5000 {
		from := lo + Date(rng.IntN(int(hi-lo+1)))
		n := rng.IntN(801) - 400
		got := c.AddWorkdays(from, n)
		if want := naiveAdd(c, from, n); got != want {
			t.Fatalf("#%d: AddWorkdays(%s, %d) = %s, want %s", i, from, n, got, want)
		}
		if n != 0 && !c.IsWorkday(got) {
			t.Fatalf("#%d: AddWorkdays(%s, %d) = %s, not a working day", i, from, n, got)
		}
		if n >= 0 || c.IsWorkday(from) {
			if b := c.Between(from, got); b != n {
				t.Fatalf("#%d: Between(%s, AddWorkdays(%s, %d) = %s) = %d", i, from, from, n, got, b)
			}
		}
		if n < 0 && c.IsWorkday(from) && c.AddWorkdays(got, -n) != from {
			t.Fatalf("#%d: AddWorkdays(AddWorkdays(%s, %d), %d) != %s", i, from, n, -n, from)
		}
		to := lo + Date(rng.IntN(int(hi-lo+1)))
		count := 0
		for x := min(from, to) + 1; x <= max(from, to); x++ {
			if c.IsWorkday(x) {
				count++
			}
		}
		if to < from {
			count = -count
		}
		if b := c.Between(from, to); b != count {
			t.Fatalf("#%d: Between(%s, %s) = %d, want %d", i, from, to, b, count)
		}
	}
}

func TestOverrides(t *testing.T) {
	typhoon := Override{Date: d("2024-09-12"), Workday: false, Note: "台风停工"}
	extraShift := Override{Date: d("2024-10-13"), Workday: true, Note: "集中攻坚"}
	future := Override{Date: d("2030-10-01"), Workday: false, Note: "国庆节（预录）"}
	c := MustNew(t, WithOverrides(typhoon, extraShift))

	t.Run("Layered", func(t *testing.T) {
		tests := []struct {
			date string
			want bool
			kind DayKind
			note string
		}{
			{"2024-09-12", false, Overridden, "台风停工"},
			{"2024-10-13", true, Overridden, "集中攻坚"},
			{"2024-09-13", true, Weekday, ""},
			{"2024-09-14", true, MakeUp, ""},
			{"2024-09-15", false, Holiday, ""},
		}
		for _, tt := range tests {
			info := c.Info(d(tt.date))
			if c.IsWorkday(d(tt.date)) != tt.want || info.Workday != tt.want || info.Kind != tt.kind || info.Note != tt.note {
				t.Errorf("Info(%s) = %+v, want workday %v kind %v note %q", tt.date, info, tt.want, tt.kind, tt.note)
			}
		}
		// 09-11 + 5: 09-12 is now off, so 13, 14, 18, 19, 20.
		if got := c.AddWorkdays(d("2024-09-11"), 5); got != d("2024-09-20") {
			t.Errorf("AddWorkdays(2024-09-11, 5) = %s, want 2024-09-20", got)
		}
		if got := c.Between(d("2024-10-11"), d("2024-10-14")); got != 3 {
			t.Errorf("Between(2024-10-11, 2024-10-14) = %d, want 3", got)
		}
	})

	t.Run("Replace", func(t *testing.T) {
		if err := c.SetOverrides([]Override{future}); err != nil {
			t.Fatal(err)
		}
		if !c.IsWorkday(d("2024-09-12")) || c.IsWorkday(d("2024-10-13")) {
			t.Error("old overrides still in force after SetOverrides")
		}
		if c.IsWorkday(d("2030-10-01")) || !c.IsWorkday(d("2030-09-30")) || !c.IsWorkday(d("2030-10-02")) {
			t.Error("override in 2030 not applied alone")
		}
		if c.Known(2030) {
			t.Error("an override must not make a year known")
		}
		if got := c.AddWorkdays(d("2030-09-30"), 1); got != d("2030-10-02") {
			t.Errorf("AddWorkdays(2030-09-30, 1) = %s, want 2030-10-02", got)
		}
		if got := c.Between(d("2029-12-31"), d("2030-12-31")); got != 260 {
			t.Errorf("Between over 2030 = %d, want 260", got)
		}
		if got := c.Overrides(); len(got) != 1 || got[0] != future {
			t.Errorf("Overrides() = %+v", got)
		}
	})

	t.Run("Sorted", func(t *testing.T) {
		if err := c.SetOverrides([]Override{future, extraShift, typhoon}); err != nil {
			t.Fatal(err)
		}
		got := c.Overrides()
		if len(got) != 3 || got[0] != typhoon || got[1] != extraShift || got[2] != future {
			t.Errorf("Overrides() = %+v, want by date", got)
		}
	})

	t.Run("Clear", func(t *testing.T) {
		if err := c.SetOverrides(nil); err != nil {
			t.Fatal(err)
		}
		if !c.IsWorkday(d("2024-09-12")) || len(c.Overrides()) != 0 {
			t.Error("overrides not cleared")
		}
	})

	t.Run("ErrDuplicate", func(t *testing.T) {
		if err := c.SetOverrides([]Override{typhoon}); err != nil {
			t.Fatal(err)
		}
		err := c.SetOverrides([]Override{extraShift, typhoon, {Date: typhoon.Date, Workday: true}})
		if errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != "date" {
			t.Fatalf("SetOverrides(duplicate) = %v, want invalid date", err)
		}
		if c.IsWorkday(typhoon.Date) || c.IsWorkday(d("2024-10-13")) {
			t.Error("a rejected SetOverrides changed the calendar")
		}
	})

	t.Run("ErrRange", func(t *testing.T) {
		for _, day := range []Date{NewDate(1899, 12, 31), NewDate(2200, 1, 1), NewDate(9999, 1, 1)} {
			if err := c.SetOverrides([]Override{{Date: day}}); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("SetOverrides(%s) = %v, want invalid", day, err)
			}
			if _, err := New(WithOverrides(Override{Date: day})); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("New(WithOverrides(%s)) = %v, want invalid", day, err)
			}
		}
	})
}

func TestSetOverridesConcurrent(t *testing.T) {
	c := MustNew(t)
	sets := [][]Override{
		nil,
		{{Date: d("2024-09-13"), Workday: false}, {Date: d("2024-09-19"), Workday: false}},
	}
	// Under either set, a reader sees a consistent view: AddWorkdays and
	// Between agree within one call.
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				from := d("2024-09-01") + Date((g*7+i)%40)
				to := c.AddWorkdays(from, 5)
				if to != d("2024-09-23") && to <= from {
					t.Errorf("AddWorkdays(%s, 5) = %s", from, to)
					return
				}
				_ = c.Between(from, to)
				_ = c.IsWorkday(from)
			}
		})
	}
	wg.Go(func() {
		for i := range 200 {
			if err := c.SetOverrides(sets[i%2]); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Wait()
	if got := c.Overrides(); len(got) != 2 {
		t.Errorf("after the last SetOverrides, Overrides() = %+v", got)
	}
}

func TestInfo(t *testing.T) {
	c := MustNew(t)
	tests := []struct {
		date   string
		kind   DayKind
		name   string
		papers bool
	}{
		{"2024-10-01", Holiday, "国庆节", true},
		{"2024-10-12", MakeUp, "国庆节", true},
		{"2024-10-14", Weekday, "", false},
		{"2024-10-13", Weekend, "", false},
		{"2025-01-26", MakeUp, "春节", true},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			info := c.Info(d(tt.date))
			if info.Kind != tt.kind || info.Name != tt.name || (len(info.Papers) > 0) != tt.papers {
				t.Errorf("Info(%s) = %+v, want kind %v name %q", tt.date, info, tt.kind, tt.name)
			}
		})
	}
	if got := c.Info(d("2024-10-01")).Papers[0]; got != "https://www.gov.cn/zhengce/zhengceku/202310/content_6911528.htm" {
		t.Errorf("2024 notice address = %q", got)
	}
	b, err := json.Marshal(c.Info(d("2024-10-12")))
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"date":"2024-10-12","workday":true,"kind":"makeup","name":"国庆节","papers":["https://www.gov.cn/zhengce/zhengceku/202310/content_6911528.htm"]}`
	if string(b) != want {
		t.Errorf("Marshal(Info) = %s, want %s", b, want)
	}
	var back DayInfo
	if err := json.Unmarshal(b, &back); err != nil || back.Kind != MakeUp {
		t.Errorf("Unmarshal(Info) = %+v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"kind":"holi"}`), &back); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("Unmarshal(bad kind) = %v, want invalid", err)
	}
	for k, want := range map[DayKind]string{Weekday: "工作日", Weekend: "周末", Holiday: "法定节假日", MakeUp: "调休上班", Overridden: "人工调整"} {
		if k.String() != want {
			t.Errorf("%d.String() = %q, want %q", k, k.String(), want)
		}
	}
}

func TestWithNotices(t *testing.T) {
	n2027 := Notice{Year: 2027, Papers: []string{"https://example.gov.cn/2027"}, Days: []NoticeDay{
		{Date: d("2027-01-01"), Name: "元旦", Off: true},
		{Date: d("2027-02-06"), Name: "春节", Off: false},
	}}
	official := Official()
	c := MustNew(t, WithNotices(append(official[:len(official)-1], n2027)...))
	if !c.Known(2027) || c.LastKnownYear() != 2027 {
		t.Error("a published 2027 notice should make 2027 known")
	}
	if c.IsWorkday(d("2027-01-01")) || !c.IsWorkday(d("2027-02-06")) || c.IsWorkday(d("2024-10-01")) {
		t.Error("notices not applied")
	}
	n2027.Days[0].Off = false // the calendar keeps its own copy
	if c.IsWorkday(d("2027-01-01")) {
		t.Error("calendar shares the caller's notice")
	}

	t.Run("Empty", func(t *testing.T) {
		c := MustNew(t, WithNotices())
		if c.Known(2024) || c.LastKnownYear() != 0 || !c.IsWorkday(d("2024-10-01")) {
			t.Error("with no notices the calendar should be weekdays only")
		}
		if got := c.AddWorkdays(d("2024-09-13"), 5); got != d("2024-09-20") {
			t.Errorf("weekdays-only AddWorkdays(2024-09-13, 5) = %s", got)
		}
		if got := c.Between(d("1969-12-26"), d("1970-01-09")); got != 10 {
			t.Errorf("weekdays-only Between across 1970 = %d, want 10", got)
		}
	})

	t.Run("ErrYear", func(t *testing.T) {
		if _, err := New(WithNotices(Notice{Year: 1800})); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("New(notice 1800) = %v, want invalid", err)
		}
	})
}

func TestParseNotice(t *testing.T) {
	tests := []struct {
		name  string
		json  string
		field string // "" for OK
	}{
		{"OK", `{"year":2027,"papers":["x"],"days":[{"name":"元旦","date":"2026-12-31","isOffDay":true},{"name":"春节","date":"2027-02-06","isOffDay":false}]}`, ""},
		{"OKPlaceholder", `{"year":2027,"papers":[],"days":[]}`, ""},
		{"ErrJSON", `{"year":`, ""},
		{"ErrNoYear", `{"papers":[],"days":[]}`, "year"},
		{"ErrYearRange", `{"year":3000,"papers":[],"days":[]}`, "year"},
		{"ErrDate", `{"year":2027,"days":[{"name":"元旦","date":"2027-02-30","isOffDay":true}]}`, "days"},
		{"ErrOtherYear", `{"year":2027,"days":[{"name":"元旦","date":"2026-05-01","isOffDay":true}]}`, "days"},
		{"ErrNoName", `{"year":2027,"days":[{"date":"2027-01-01","isOffDay":true}]}`, "days"},
		{"ErrNoOff", `{"year":2027,"days":[{"name":"元旦","date":"2027-01-01"}]}`, "days"},
		{"ErrDuplicate", `{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true},{"name":"元旦","date":"2027-01-01","isOffDay":true}]}`, "days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseNotice([]byte(tt.json))
			if tt.name[:2] == "OK" {
				if err != nil {
					t.Fatal(err)
				}
				if n.Year != 2027 || n.Papers == nil {
					t.Errorf("ParseNotice = %+v", n)
				}
				return
			}
			if errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != tt.field {
				t.Errorf("ParseNotice = %v (field %q), want invalid %q", err, errs.FieldOf(err), tt.field)
			}
		})
	}
}
