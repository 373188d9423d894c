package plan

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/errs"
)

// FormatNumber writes v the way plans write quantities, for reading: 亿
// from 100 million, 万 from 100 thousand (or from ten thousand when that is
// exact), two decimals at most, no trailing zeros — 1494.86亿, 1.85万, 3000.
// It rounds; ExactNumber writes the exact value.
func FormatNumber(v float64) string {
	abs := math.Abs(v)
	switch {
	case abs >= 1e8:
		return plain(math.Round(v/1e8*100)/100) + "亿"
	case abs >= 1e5:
		return plain(math.Round(v/1e4*100)/100) + "万"
	case abs >= 1e4:
		if x := v / 1e4; math.Abs(math.Round(x*100)/100-x) < 1e-9 {
			return plain(math.Round(x*100)/100) + "万"
		}
	}
	return plain(math.Round(v*100) / 100)
}

// ExactNumber writes v exactly, without 万 or 亿: what a spreadsheet cell
// that is read back holds.
func ExactNumber(v float64) string { return plain(v) }

func plain(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// FormatQuantity writes v with its unit of measure: 10万家, 700亿元, 40%.
func FormatQuantity(v float64, measure string) string {
	return FormatNumber(v) + measure
}

// ParseQuantity reads a quantity as FormatQuantity writes it or a person
// types it — 10万家, 1.85万, 700亿元, 40%, 5个工作日, "1 3万" — and returns
// the value with 万/亿/千 multiplied out and the unit of measure after it.
// Errors: Invalid when there is no number.
func ParseQuantity(s string) (float64, string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), "，", ""))
	s = strings.ReplaceAll(s, ",", "")
	end := 0
	for end < len(s) {
		c := s[end]
		if (c >= '0' && c <= '9') || c == '.' || (end == 0 && (c == '-' || c == '+')) {
			end++
			continue
		}
		break
	}
	if end == 0 || (end == 1 && (s[0] == '-' || s[0] == '+' || s[0] == '.')) {
		return 0, "", errs.Errorf(errs.Invalid, "“%s”不是数量（应为如 10万家、40%%、700亿元）", s)
	}
	v, err := strconv.ParseFloat(s[:end], 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, "", errs.Errorf(errs.Invalid, "“%s”不是数量（应为如 10万家、40%%、700亿元）", s)
	}
	rest := s[end:]
	for {
		r, size := utf8.DecodeRuneInString(rest)
		switch r {
		case '万':
			v *= 1e4
		case '亿':
			v *= 1e8
		case '千':
			v *= 1e3
		default:
			size = 0
		}
		if size == 0 {
			break
		}
		rest = rest[size:]
	}
	measure := strings.TrimFunc(rest, func(r rune) bool { return unicode.IsSpace(r) || r == '（' || r == '）' || r == '(' || r == ')' })
	for _, suffix := range []string{"以上", "以下", "以内", "左右"} {
		measure = strings.TrimSuffix(measure, suffix)
	}
	if utf8.RuneCountInString(measure) > 16 {
		return 0, "", errs.Errorf(errs.Invalid, "“%s”的计量单位过长", s)
	}
	return round9(v), measure, nil
}

// round9 removes the binary noise of multiplying decimals (1.85 × 1e4).
func round9(v float64) float64 {
	if v == 0 || math.Abs(v) > 1e15 {
		return v
	}
	p := math.Pow(10, 9-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}
