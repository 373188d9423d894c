package workday

import (
	"strconv"
	"testing"
	"time"
)

// TestNoAllocations checks the hot paths allocate nothing; it counts
// allocations, not time.
func TestNoAllocations(t *testing.T) {
	c := MustNew(t, WithOverrides(Override{Date: d("2024-09-12"), Workday: false}))
	from := d("2024-09-13")
	t0 := at(t, "2024-09-13 17:00:00")
	tests := []struct {
		name string
		fn   func()
	}{
		{"IsWorkday", func() { _ = c.IsWorkday(from) }},
		{"AddWorkdays", func() { _ = c.AddWorkdays(from, 500) }},
		{"AddWorkdaysBack", func() { _ = c.AddWorkdays(from, -500) }},
		{"Between", func() { _ = c.Between(from, from+700) }},
		{"AddWorkingHours", func() { _ = c.AddWorkingHours(t0, 300*time.Hour, Hours{}) }},
		{"WorkingDuration", func() { _ = c.WorkingDuration(t0, t0.Add(900*time.Hour), Hours{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(100, tt.fn); n != 0 {
				t.Errorf("%s allocates %v times per call", tt.name, n)
			}
		})
	}
}

func BenchmarkAddWorkdays(b *testing.B) {
	c := MustNew(b)
	for _, n := range []int{5, 20, 250, 1000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			from := d("2015-01-01")
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				_ = c.AddWorkdays(from+Date(i%3650), n)
			}
		})
	}
	b.Run("naive250", func(b *testing.B) {
		from := d("2015-01-01")
		for i := 0; b.Loop(); i++ {
			_ = naiveAdd(c, from+Date(i%3650), 250)
		}
	})
}

func BenchmarkBetween(b *testing.B) {
	c := MustNew(b)
	from := d("2015-01-01")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = c.Between(from+Date(i%3650), from+Date(i%3650+365))
	}
}

func BenchmarkIsWorkday(b *testing.B) {
	c := MustNew(b)
	from := d("2015-01-01")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = c.IsWorkday(from + Date(i%3650))
	}
}

func BenchmarkAddWorkingHours(b *testing.B) {
	c := MustNew(b)
	t0 := at(b, "2024-09-13 10:17:00")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = c.AddWorkingHours(t0.Add(time.Duration(i%1000)*time.Hour), 72*time.Hour, Hours{})
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = MustNew(b)
	}
}
