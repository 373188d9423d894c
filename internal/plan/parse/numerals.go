package parse

import "strings"

var cnDigits = map[rune]int{'零': 0, '〇': 0, '○': 0, 'О': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

// isCNNumeralRune reports whether r can be part of a Chinese numeral.
func isCNNumeralRune(r rune) bool {
	_, ok := cnDigits[r]
	return ok || r == '十' || r == '百'
}

// parseChineseNumber reads 一 … 九十九 … 一百二十: 0 when s is not a numeral.
func parseChineseNumber(s string) int {
	if s == "" {
		return 0
	}
	total, cur := 0, -1
	for _, r := range s {
		switch {
		case r == '百':
			if cur < 0 {
				cur = 1
			}
			total += cur * 100
			cur = -1
		case r == '十':
			if cur < 0 {
				cur = 1
			}
			total += cur * 10
			cur = -1
		default:
			d, ok := cnDigits[r]
			if !ok {
				return 0
			}
			if cur >= 0 { // digit sequence: 二〇二四
				cur = cur*10 + d
			} else {
				cur = d
			}
		}
	}
	if cur > 0 {
		total += cur
	}
	return total
}

// chineseNumeral writes n (1–999) as 一, 十一, 二十, 一百零五.
func chineseNumeral(n int) string {
	const d = "零一二三四五六七八九"
	dr := []rune(d)
	if n <= 0 {
		return "零"
	}
	var b strings.Builder
	if n >= 100 {
		b.WriteRune(dr[n/100])
		b.WriteRune('百')
		n %= 100
		if n == 0 {
			return b.String()
		}
		if n < 10 {
			b.WriteRune('零')
		}
	}
	if n >= 10 {
		if n/10 > 1 || b.Len() > 0 {
			b.WriteRune(dr[n/10])
		}
		b.WriteRune('十')
		n %= 10
	}
	if n > 0 {
		b.WriteRune(dr[n])
	}
	return b.String()
}
