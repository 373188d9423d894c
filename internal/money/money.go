// Package money reads and writes amounts of money. Amounts are int64 whole
// yuan everywhere; people see and type them in 万元. Every page, export and
// form formats and parses through this package, so that an amount reads
// the same everywhere and a form shows back exactly what it stores.
package money

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
)

// Unit is how many yuan one unit of a typed amount is worth.
type Unit int64

// The units people write.
const (
	Yuan Unit = 1           // 元
	Wan  Unit = 10_000      // 万元
	Yi   Unit = 100_000_000 // 亿元
)

// FormatWan shows yuan in 万元 with two decimals, rounded half away from
// zero: 1234567 → "123.46万元", -5000 → "-0.50万元". It is the display form
// of every amount on pages and in messages.
func FormatWan(yuan int64) string {
	neg := yuan < 0
	a := uint64(yuan)
	if neg {
		a = -a
	}
	cents := (a + 50) / 100 // hundredths of 万元
	s := strconv.FormatUint(cents/100, 10) + "." + fmt.Sprintf("%02d", cents%100) + "万元"
	if neg && cents > 0 {
		s = "-" + s
	}
	return s
}

// WanInput writes yuan as an exact number of 万元 without the unit, for a
// form field: 125000 → "12.5", -1 → "-0.0001". ParseWan reads it back to
// the same amount.
func WanInput(yuan int64) string {
	neg := yuan < 0
	a := uint64(yuan)
	if neg {
		a = -a
	}
	s := Decimal(a, uint64(Wan), 4)
	if neg {
		s = "-" + s
	}
	return s
}

// Exact shows yuan exactly, in the unit that reads best, as rules and
// grants state amounts: under 10,000 in 元 (5000元), from 1亿 in 亿元 when
// that needs at most two decimals (1.5亿元), otherwise in 万元 with the
// decimals needed and no trailing zeros (2000万元, 12.3456万元).
func Exact(yuan int64) string {
	sign := ""
	a := uint64(yuan)
	if yuan < 0 {
		sign = "-"
		a = -a
	}
	switch {
	case a < uint64(Wan):
		return sign + strconv.FormatUint(a, 10) + "元"
	case a >= uint64(Yi) && a%1_000_000 == 0:
		return sign + Decimal(a, uint64(Yi), 8) + "亿元"
	}
	return sign + Decimal(a, uint64(Wan), 4) + "万元"
}

// Decimal writes a/unit exactly, unit being 10^digits, without trailing
// zeros: Decimal(125, 100, 2) is "1.25". Amounts and rates use it.
func Decimal(a, unit uint64, digits int) string {
	whole := strconv.FormatUint(a/unit, 10)
	rem := a % unit
	if rem == 0 {
		return whole
	}
	frac := strconv.FormatUint(rem, 10)
	frac = strings.Repeat("0", digits-len(frac)) + frac
	return whole + "." + strings.TrimRight(frac, "0")
}

// ParseWan reads an amount typed in 万元 — "50", "12.5", "-3", "1,234.5678",
// "50万", "50万元", and also "1.2亿" or "3000元" when a unit is written —
// and returns it in whole yuan. Errors: Invalid, with a Chinese message
// the caller prefixes with the field's label (see Field).
func ParseWan(s string) (int64, error) { return Parse(s, Wan) }

// Parse reads an amount of money: a decimal number, optionally signed, with
// or without thousands separators (1,234,567), full-width digits allowed,
// followed by an optional unit (元, 万, 万元, 亿, 亿元); without a unit it
// is in unit def. The amount must come to whole yuan ("12.3456万" is
// 123,456 元; "0.5元" is refused, never rounded). Errors: Invalid.
func Parse(s string, def Unit) (int64, error) {
	orig := strings.TrimSpace(s)
	t := strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == '，' || r == ',' || r == ' ' || r == '\u3000':
			return -1
		case r == '．':
			return '.'
		case r == '－' || r == '−':
			return '-'
		case r == '＋':
			return '+'
		}
		return r
	}, orig)
	if t == "" {
		return 0, errs.Errorf(errs.Invalid, "不能为空")
	}
	unit := def
	num, yuan := strings.CutSuffix(t, "元")
	switch {
	case strings.HasSuffix(num, "万"):
		num, unit = strings.TrimSuffix(num, "万"), Wan
	case strings.HasSuffix(num, "亿"):
		num, unit = strings.TrimSuffix(num, "亿"), Yi
	case yuan:
		unit = Yuan
	}
	bad := errs.Errorf(errs.Invalid, "应为金额（如 50、12.5%s、1,234、500万、1.2亿元），实际为“%s”", unitName(def), orig)
	neg := false
	if num != "" && (num[0] == '-' || num[0] == '+') {
		neg = num[0] == '-'
		num = num[1:]
	}
	whole, frac, _ := strings.Cut(num, ".")
	if whole == "" || !digits(whole) || !digits(frac) {
		return 0, bad
	}
	places := 0
	for u := unit; u > 1; u /= 10 {
		places++
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > places {
		return 0, errs.Errorf(errs.Invalid, "“%s”不是整数元（不含角、分）", orig)
	}
	w, err := strconv.ParseUint(whole, 10, 63)
	if err != nil || w > uint64(1<<62)/uint64(unit) {
		return 0, errs.Errorf(errs.Invalid, "“%s”超出范围", orig)
	}
	f := uint64(0)
	if frac != "" {
		f, _ = strconv.ParseUint(frac+strings.Repeat("0", places-len(frac)), 10, 63)
	}
	if w*uint64(unit)+f > 1<<62 { // the bound keeps the sum of two amounts in an int64
		return 0, errs.Errorf(errs.Invalid, "“%s”超出范围", orig)
	}
	n := int64(w*uint64(unit) + f)
	if neg {
		n = -n
	}
	return n, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func unitName(u Unit) string {
	switch u {
	case Wan:
		return "（万元）"
	case Yi:
		return "（亿元）"
	}
	return "（元）"
}

// Field wraps a parse error of Parse or ParseWan for form field name,
// labelled label: "预算应为金额（…）". Other errors pass unchanged.
func Field(err error, name, label string) error {
	if err == nil || errs.CodeOf(err) != errs.Invalid {
		return err
	}
	return errs.FieldErrorf(name, "%s%s", label, errs.MessageOf(err))
}
