package workday

import "math/bits"

// view is one immutable state of a Calendar: a bit per day (1 = working) for
// the years the official table and the overrides mention, and the
// Saturday/Sunday default outside them. Every question reduces to prefix (how
// many working days lie before a date) and its inverse nth, both O(1) or
// O(log words) and free of allocation.
type view struct {
	lo, hi    Date     // the bits cover [lo, hi); hi-lo is a multiple of 64
	words     []uint64 // bit i of words[i/64] is day lo+i
	cum       []int32  // cum[i] is the number of working days in words[:i]
	total     int      // cum[len(words)]
	wlo, whi  int      // weekdayPrefix(lo), weekdayPrefix(hi)
	overrides map[Date]Override
}

// set marks d, which must lie in [lo, hi), working or not.
func (v *view) set(d Date, working bool) {
	i := int(d - v.lo)
	if working {
		v.words[i>>6] |= 1 << (i & 63)
	} else {
		v.words[i>>6] &^= 1 << (i & 63)
	}
}

// isWorkday reports whether d is a working day.
func (v *view) isWorkday(d Date) bool {
	if d < v.lo || d >= v.hi {
		return isWeekday(d)
	}
	i := int(d - v.lo)
	return v.words[i>>6]&(1<<(i&63)) != 0
}

// prefix returns the number of working days in [lo, x), negative (minus the
// working days in [x, lo)) when x is before lo. It is non-decreasing, and
// prefix(x+1)-prefix(x) is 1 exactly when x is a working day.
func (v *view) prefix(x Date) int {
	switch {
	case x <= v.lo:
		return weekdayPrefix(x) - v.wlo
	case x >= v.hi:
		return v.total + weekdayPrefix(x) - v.whi
	}
	i := int(x - v.lo)
	w := i >> 6
	return int(v.cum[w]) + popcount(v.words[w]&(1<<(i&63)-1))
}

// nth returns the working day t with prefix(t) == k: the k-th working day
// counting from the first one on or after lo as the 0th.
func (v *view) nth(k int) Date {
	switch {
	case k < 0:
		return weekdayNth(k + v.wlo)
	case k >= v.total:
		return weekdayNth(k - v.total + v.whi)
	}
	// The last word w with cum[w] <= k holds it.
	lo, hi := 0, len(v.words)-1
	for lo < hi {
		mid := int(uint(lo+hi+1) >> 1)
		if int(v.cum[mid]) <= k {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	w := v.words[lo]
	for r := k - int(v.cum[lo]); r > 0; r-- {
		w &= w - 1 // drop the lowest working day
	}
	return v.lo + Date(64*lo+bits.TrailingZeros64(w))
}

// addWorkdays is Calendar.AddWorkdays on this view.
func (v *view) addWorkdays(d Date, n int) Date {
	switch {
	case n > 0:
		return v.nth(v.prefix(d+1) + n - 1)
	case n < 0:
		return v.nth(v.prefix(d) + n)
	}
	return d
}

// weekdayOf returns the day of the week of d; day 0 (1970-01-01) was a
// Thursday.
func weekdayOf(d Date) int { return int(floorMod(int64(d)+4, 7)) }

// isWeekday reports whether d falls Monday to Friday.
func isWeekday(d Date) bool {
	wd := weekdayOf(d)
	return wd != 0 && wd != 6
}

// monday0 is 1970-01-05, a Monday, the origin of weekdayPrefix.
const monday0 = 4

// weekdayPrefix returns the number of Mondays to Fridays in [monday0, x),
// negative before monday0: the prefix function of the Saturday/Sunday default.
func weekdayPrefix(x Date) int {
	k := int64(x) - monday0
	q := floorDiv(k, 7)
	return int(5*q + min(k-7*q, 5))
}

// weekdayNth is the inverse of weekdayPrefix: the Monday-to-Friday day t with
// weekdayPrefix(t) == k.
func weekdayNth(k int) Date {
	q := floorDiv(int64(k), 5)
	return Date(monday0 + 7*q + (int64(k) - 5*q))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - b*floorDiv(a, b) }

func popcount(w uint64) int { return bits.OnesCount64(w) }
