package workday

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
)

// at returns the instant written "2006-01-02 15:04:05" in Asia/Shanghai.
func at(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, Shanghai)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func mustHours(tb testing.TB, s string) Hours {
	tb.Helper()
	h, err := ParseHours(s)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

func TestAddWorkingHours(t *testing.T) {
	c := MustNew(t)
	custom := mustHours(t, "08:30-12:00,14:00-18:00")
	allDay := mustHours(t, "00:00-24:00")
	tests := []struct {
		name  string
		from  string
		h     time.Duration
		hours Hours
		want  string
	}{
		{"AcrossLunch", "2024-09-13 11:30:00", time.Hour, Hours{}, "2024-09-13 14:00:00"},
		{"UpToLunch", "2024-09-13 11:00:00", time.Hour, Hours{}, "2024-09-13 12:00:00"},
		{"InLunch", "2024-09-13 12:40:00", time.Hour, Hours{}, "2024-09-13 14:30:00"},
		{"Evening", "2024-09-12 18:00:00", time.Hour, Hours{}, "2024-09-13 10:00:00"},
		{"EarlyMorning", "2024-09-12 07:00:00", time.Hour, Hours{}, "2024-09-12 10:00:00"},
		{"IntoMakeUpSaturday", "2024-09-13 17:00:00", time.Hour, Hours{}, "2024-09-14 09:30:00"},
		{"OverMidAutumn", "2024-09-14 17:00:00", time.Hour, Hours{}, "2024-09-18 09:30:00"},
		{"OverWeekend", "2024-03-22 17:00:00", time.Hour, Hours{}, "2024-03-25 09:30:00"},
		{"FromSunday", "2024-03-24 10:00:00", time.Hour, Hours{}, "2024-03-25 10:00:00"},
		{"FromHoliday", "2024-10-03 10:00:00", 2 * time.Hour, Hours{}, "2024-10-08 11:00:00"},
		{"WholeDayEndsAt1730", "2024-03-22 09:00:00", 7 * time.Hour, Hours{}, "2024-03-22 17:30:00"},
		{"TwoDaysOverNationalDay", "2024-09-30 09:00:00", 14 * time.Hour, Hours{}, "2024-10-08 17:30:00"},
		{"TenDaysFromMidnight", "2024-09-30 00:00:00", 70 * time.Hour, Hours{}, "2024-10-17 17:30:00"},
		{"SecondsKept", "2024-09-13 11:59:30", time.Minute, Hours{}, "2024-09-13 13:30:30"},
		{"Zero", "2024-09-15 03:00:00", 0, Hours{}, "2024-09-15 03:00:00"},
		{"BackOverMidAutumn", "2024-09-18 09:30:00", -time.Hour, Hours{}, "2024-09-14 17:00:00"},
		{"BackToRangeStart", "2024-09-13 14:00:00", -30 * time.Minute, Hours{}, "2024-09-13 13:30:00"},
		{"BackTwoDays", "2024-10-08 17:30:00", -14 * time.Hour, Hours{}, "2024-09-30 09:00:00"},
		{"CustomHours", "2024-09-13 11:00:00", 2 * time.Hour, custom, "2024-09-13 15:00:00"},
		{"AllDay", "2024-03-22 23:00:00", 2 * time.Hour, allDay, "2024-03-25 01:00:00"},
		{"Fallback2027", "2027-10-01 17:00:00", time.Hour, Hours{}, "2027-10-04 09:30:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.AddWorkingHours(at(t, tt.from), tt.h, tt.hours)
			if want := at(t, tt.want); !got.Equal(want) || got.Location() != Shanghai {
				t.Errorf("AddWorkingHours(%s, %v) = %s, want %s", tt.from, tt.h, got, want)
			}
		})
	}
	t.Run("UTCInput", func(t *testing.T) {
		from := time.Date(2024, 9, 13, 1, 0, 0, 0, time.UTC) // 09:00 in Shanghai
		got := c.AddWorkingHours(from, 30*time.Minute, DefaultHours())
		if want := at(t, "2024-09-13 09:30:00"); !got.Equal(want) {
			t.Errorf("AddWorkingHours(%s, 30m) = %s, want %s", from, got, want)
		}
	})
	t.Run("Override", func(t *testing.T) {
		c := MustNew(t, WithOverrides(Override{Date: d("2024-09-18"), Workday: false, Note: "停电"}))
		got := c.AddWorkingHours(at(t, "2024-09-14 17:00:00"), time.Hour, Hours{})
		if want := at(t, "2024-09-19 09:30:00"); !got.Equal(want) {
			t.Errorf("AddWorkingHours over an override = %s, want %s", got, want)
		}
	})
}

func TestWorkingDuration(t *testing.T) {
	c := MustNew(t)
	tests := []struct {
		name     string
		from, to string
		want     time.Duration
	}{
		{"OverMidAutumn", "2024-09-13 17:00:00", "2024-09-18 10:00:00", 8*time.Hour + 30*time.Minute},
		{"Reversed", "2024-09-18 10:00:00", "2024-09-13 17:00:00", -(8*time.Hour + 30*time.Minute)},
		{"AcrossLunch", "2024-09-13 11:00:00", "2024-09-13 14:00:00", 90 * time.Minute},
		{"WithinLunch", "2024-09-13 12:10:00", "2024-09-13 13:20:00", 0},
		{"EveningToMorning", "2024-09-12 18:00:00", "2024-09-13 08:00:00", 0},
		{"Weekend", "2024-03-23 00:00:00", "2024-03-25 00:00:00", 0},
		{"Holiday", "2024-10-01 09:00:00", "2024-10-07 17:30:00", 0},
		{"Year2024", "2024-01-01 00:00:00", "2025-01-01 00:00:00", 251 * 7 * time.Hour},
		{"Year2025", "2025-01-01 00:00:00", "2026-01-01 00:00:00", 248 * 7 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.WorkingDuration(at(t, tt.from), at(t, tt.to), Hours{}); got != tt.want {
				t.Errorf("WorkingDuration(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestWorkingHoursProperty(t *testing.T) {
	c := MustNew(t, WithOverrides(Override{Date: d("2015-06-01"), Workday: false}, Override{Date: d("2020-03-07"), Workday: true}))
	rng := rand.New(rand.NewPCG(17, 30))
	lo := at(t, "2007-01-01 00:00:00").Unix()
	hi := at(t, "2026-12-31 00:00:00").Unix()
	for i := range 3000 {
		hours := Hours{}
		if i%3 == 1 {
			hours = mustHours(t, "08:30-12:00,14:00-18:00")
		} else if i%3 == 2 {
			hours = mustHours(t, "07:00-08:00,09:15-11:45,13:00-16:00,20:00-24:00")
		}
		from := time.Unix(lo+rng.Int64N(hi-lo), 0)
		h := time.Duration(rng.Int64N(2*400*60)-400*60) * time.Minute
		if i%10 == 0 {
			h += time.Duration(rng.IntN(60)) * time.Second
		}
		got := c.AddWorkingHours(from, h, hours)
		if w := c.WorkingDuration(from, got, hours); w != h {
			t.Fatalf("#%d: WorkingDuration(%s, AddWorkingHours(%s, %v) = %s) = %v", i, from, from, h, got, w)
		}
		switch {
		case h > 0 && !c.IsWorkingTime(got.Add(-time.Nanosecond), hours):
			t.Fatalf("#%d: AddWorkingHours(%s, %v) = %s, which does not end working time", i, from, h, got)
		case h < 0 && !c.IsWorkingTime(got, hours):
			t.Fatalf("#%d: AddWorkingHours(%s, %v) = %s, which does not start working time", i, from, h, got)
		}
		to := time.Unix(lo+rng.Int64N(hi-lo), 0)
		if a, b := c.WorkingDuration(from, to, hours), c.WorkingDuration(to, from, hours); a != -b {
			t.Fatalf("#%d: WorkingDuration not antisymmetric: %v, %v", i, a, b)
		}
	}
}

func TestIsWorkingTime(t *testing.T) {
	c := MustNew(t)
	tests := []struct {
		at   string
		want bool
	}{
		{"2024-09-13 09:00:00", true},
		{"2024-09-13 08:59:59", false},
		{"2024-09-13 11:59:59", true},
		{"2024-09-13 12:00:00", false},
		{"2024-09-13 13:30:00", true},
		{"2024-09-13 17:30:00", false},
		{"2024-09-14 10:00:00", true},  // make-up Saturday
		{"2024-09-16 10:00:00", false}, // 中秋节
		{"2024-09-21 10:00:00", false}, // ordinary Saturday
	}
	for _, tt := range tests {
		t.Run(tt.at, func(t *testing.T) {
			if got := c.IsWorkingTime(at(t, tt.at), Hours{}); got != tt.want {
				t.Errorf("IsWorkingTime(%s) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestHours(t *testing.T) {
	t.Run("Default", func(t *testing.T) {
		var zero Hours
		if zero.String() != "09:00-12:00,13:30-17:30" || zero.PerDay() != 7*time.Hour {
			t.Errorf("zero Hours = %s, %v per day", zero, zero.PerDay())
		}
		if got := DefaultHours().Ranges(); len(got) != 2 || got[0] != [2]int{540, 720} || got[1] != [2]int{810, 1050} {
			t.Errorf("DefaultHours().Ranges() = %v", got)
		}
		h, err := NewHours([2]int{540, 720}, [2]int{810, 1050})
		if err != nil || h != DefaultHours() {
			t.Errorf("NewHours(default) = %v, %v", h, err)
		}
	})

	ok := []struct {
		in, want string
		perDay   time.Duration
	}{
		{"09:00-12:00,13:30-17:30", "09:00-12:00,13:30-17:30", 7 * time.Hour},
		{" 9:00～12:00，13:30–17:30 ", "09:00-12:00,13:30-17:30", 7 * time.Hour},
		{"08:30-12:00;14:00-18:00", "08:30-12:00,14:00-18:00", 7*time.Hour + 30*time.Minute},
		{"00:00-24:00", "00:00-24:00", 24 * time.Hour},
		{"09:00-12:00,12:00-13:00", "09:00-12:00,12:00-13:00", 4 * time.Hour},
	}
	for _, tt := range ok {
		t.Run("OK "+tt.in, func(t *testing.T) {
			h, err := ParseHours(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if h.String() != tt.want || h.PerDay() != tt.perDay {
				t.Errorf("ParseHours(%q) = %s (%v a day), want %s (%v)", tt.in, h, h.PerDay(), tt.want, tt.perDay)
			}
		})
	}

	bad := []string{
		"", "09:00", "12:00-09:00", "09:00-09:00", "09:00-12:00,11:00-13:00", "13:00-14:00,09:00-10:00",
		"25:00-26:00", "09:60-10:00", "23:00-24:01", "9-12", "09:00-12:00,", "+9:00-12:00", "09:0-12:00",
		"01:00-02:00,02:00-03:00,03:00-04:00,04:00-05:00,05:00-06:00,06:00-07:00,07:00-08:00,08:00-09:00,09:00-10:00",
		"上午-下午",
	}
	for _, in := range bad {
		t.Run("Err "+in, func(t *testing.T) {
			if _, err := ParseHours(in); errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != "hours" {
				t.Errorf("ParseHours(%q) = %v, want invalid hours", in, err)
			}
		})
	}
	t.Run("ErrNewHours", func(t *testing.T) {
		for _, rs := range [][][2]int{nil, {{-1, 10}}, {{10, 10}}, {{0, 1441}}, {{600, 700}, {650, 800}}} {
			if _, err := NewHours(rs...); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("NewHours(%v) = %v, want invalid", rs, err)
			}
		}
	})

	t.Run("JSON", func(t *testing.T) {
		type config struct {
			Hours Hours `json:"hours"`
		}
		in := config{Hours: mustHours(t, "08:30-12:00,14:00-18:00")}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != `{"hours":"08:30-12:00,14:00-18:00"}` {
			t.Errorf("Marshal = %s", b)
		}
		var out config
		if err := json.Unmarshal(b, &out); err != nil || out != in {
			t.Errorf("Unmarshal(%s) = %+v, %v", b, out, err)
		}
		if err := json.Unmarshal([]byte(`{"hours":"9点到5点"}`), &out); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("Unmarshal(bad hours) = %v, want invalid", err)
		}
	})
}
