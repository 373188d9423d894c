package plan

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Numbering. A task keeps the numbering its plan wrote: each level's marker
// as written (二、 (一) 1. (1) ①) and the path as numbers ([2, 1, 1]). The
// numbering shown and exported joins the markers without their trailing
// punctuation: 二.(一).1. The stored path_key writes the path as
// zero-padded numbers (0002.0001.0001), which sorts in document order in
// both databases.

const cnDigits = "零一二三四五六七八九"

// chineseNumeral writes n (1–999) as 一, 十一, 二十, 一百零五.
func chineseNumeral(n int) string {
	d := []rune(cnDigits)
	if n <= 0 || n > 999 {
		return strconv.Itoa(n)
	}
	var b strings.Builder
	if n >= 100 {
		b.WriteRune(d[n/100])
		b.WriteRune('百')
		n %= 100
		if n > 0 && n < 10 {
			b.WriteRune('零')
		}
	}
	if n >= 10 {
		if n/10 > 1 || b.Len() > 0 {
			b.WriteRune(d[n/10])
		}
		b.WriteRune('十')
		n %= 10
	}
	if n > 0 {
		b.WriteRune(d[n])
	}
	return b.String()
}

// parseChinese reads 一 … 九百九十九; 0 when s is not a numeral.
func parseChinese(s string) int {
	total, cur := 0, -1
	if s == "" {
		return 0
	}
	for _, r := range s {
		switch r {
		case '百':
			total += max(cur, 1) * 100
			cur = -1
		case '十':
			total += max(cur, 1) * 10
			cur = -1
		default:
			i := strings.IndexRune(cnDigits, r)
			if r == '两' {
				i = 2 * len("一")
			}
			if i < 0 {
				return 0
			}
			cur = i / len("一")
		}
	}
	if cur > 0 {
		total += cur
	}
	return total
}

// DefaultMarker writes number n at depth (1-based) in the genre's usual
// style: 一、 (一) 1. (1) ① and then 1. again.
func DefaultMarker(depth, n int) string {
	switch depth {
	case 1:
		return chineseNumeral(n) + "、"
	case 2:
		return "(" + chineseNumeral(n) + ")"
	case 3:
		return strconv.Itoa(n) + "."
	case 4:
		return "(" + strconv.Itoa(n) + ")"
	case 5:
		if n >= 1 && n <= 20 {
			return string(rune('①' + n - 1))
		}
	}
	return strconv.Itoa(n) + "."
}

// segment returns a marker as it appears in a numbering: without trailing
// 、 . ．and spaces, with full-width parentheses folded.
func segment(marker string) string {
	s := strings.TrimSpace(marker)
	s = strings.NewReplacer("（", "(", "）", ")", "〔", "(", "〕", ")").Replace(s)
	return strings.TrimRight(s, "、.．,，: ：")
}

// JoinNumbering joins the markers of a path into a numbering: 二.(一).1.
func JoinNumbering(markers []string) string {
	segs := make([]string, len(markers))
	for i, m := range markers {
		segs[i] = segment(m)
	}
	return strings.Join(segs, ".")
}

// segmentNumber reads one level's number: 二, (一), 1, (1), ①.
func segmentNumber(s string) (int, bool) {
	s = segment(s)
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		s = s[1 : len(s)-1]
	}
	if s == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 100000 {
		return n, true
	}
	if r, size := utf8.DecodeRuneInString(s); size == len(s) && r >= '①' && r <= '⑳' {
		return int(r-'①') + 1, true
	}
	if n := parseChinese(s); n > 0 {
		return n, true
	}
	return 0, false
}

// ParseNumbering reads a numbering as a spreadsheet writes it — 二.(一).1,
// 1.2.3, 2-1-1, 一、(一)1. — into its path and each level's marker. ok is
// false when some part is not a number.
func ParseNumbering(s string) (path []int, markers []string, ok bool) {
	s = strings.TrimSpace(strings.NewReplacer("（", "(", "）", ")", "．", ".", "—", "-", "－", "-", " ", "", "\u3000", "").Replace(s))
	if s == "" {
		return nil, nil, false
	}
	// Split on '.', '-' and '、', and before '(' and circled numbers.
	var segs []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			segs = append(segs, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == '.' || r == '-' || r == '、':
			flush()
		case r == '(' || (r >= '①' && r <= '⑳'):
			flush()
			cur.WriteRune(r)
			if r != '(' {
				flush()
			}
		case r == ')':
			cur.WriteRune(r)
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	if len(segs) == 0 || len(segs) > 12 {
		return nil, nil, false
	}
	for _, seg := range segs {
		n, ok := segmentNumber(seg)
		if !ok {
			return nil, nil, false
		}
		path = append(path, n)
		markers = append(markers, seg)
	}
	return path, markers, true
}

// pathKey writes a path as the stored sort key: 0002.0001.0001.
func pathKey(path []int) string {
	var b strings.Builder
	for i, n := range path {
		if i > 0 {
			b.WriteByte('.')
		}
		fmt.Fprintf(&b, "%04d", n)
	}
	return b.String()
}

// pathOfKey reads a stored path key back.
func pathOfKey(key string) []int {
	parts := strings.Split(key, ".")
	out := make([]int, 0, len(parts))
	for _, p := range parts {
		n, _ := strconv.Atoi(p)
		out = append(out, n)
	}
	return out
}
