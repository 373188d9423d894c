package parse

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/workday"
)

// deadlineRE matches the deadline forms of the genre, longest first (the
// text is folded: ASCII digits, '-' for every dash, '(' for every paren).
var deadlineRE = regexp.MustCompile(strings.Join([]string{
	// 1: range 2024年4月-9月, 4月-6月底
	`(?P<range>(?:(\d{4})年)?(\d{1,2})月(?:\d{1,2}日)?(?:-|~|至|到)(?:(\d{4})年)?(\d{1,2})月(?:(\d{1,2})日)?(?:底|末)?(?:前|之前|以前)?)`,
	// range 2024年4-6月
	`(?P<range2>(?:(\d{4})年)?(\d{1,2})(?:-|~|至)(\d{1,2})月(?:底|末)?(?:前|之前|以前)?)`,
	// a day: 2024年12月31日前, 6月30日前
	`(?P<day>(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日(?:前|之前|以前|止|为止))`,
	// end of a month: 6月底前, 2024年6月底, 9月中旬前
	`(?P<monthend>(?:(\d{4})年)?(\d{1,2})月份?(底|末|上旬|中旬|下旬)(?:前|之前|以前)?)`,
	// before a month: 6月前 (the end of May)
	`(?P<monthbefore>(?:(\d{4})年)?(\d{1,2})月份?(?:前|之前|以前))`,
	// a stage in brackets: (2024年3月)
	`(?P<stage>\((\d{4})年(\d{1,2})月\))`,
	// end of a year: 2024年底前, 到2025年
	`(?P<yearend>(\d{4})年(?:底|末|年底|年末)(?:前|之前|以前)?)`,
	`(?P<byyear>(?:到|至|于)(\d{4})年(?:底|末)?)`,
	`(?P<yearbefore>(\d{4})年(?:前|之前|以前))`,
	// half years and quarters
	`(?P<part>(?:(\d{4})年)?(上半年|下半年|第?[一二三四1-4]季度)(?:末|底)?(?:前|之前|以前)?)`,
	// the plan year
	`(?P<thisyear>年底前|年底之前|年底|年末前|年末|年内|全年)`,
	// recurring
	`(?P<recurring>每(?:个)?(?:月|季度|季|半年|年|周|旬))`,
	// a time limit after an event: 出台10日内
	`(?P<within>(?:出台|印发|发布|收到|受理|接到|签订|发生|完成|启动|下达|立案)?(?:后)?(\d{1,3})(?:个)?(?:工作日|日|天|个月|周|小时)(?:内|以内))`,
	// continuous
	`(?P<longterm>长期坚持|长期推进|长期执行)`,
}, "|"))

// contextContinuousRE matches the continuous forms that are deadlines only
// where a deadline is expected (a 完成时限 line, a bracket of their own).
var contextContinuousRE = regexp.MustCompile(`^(?:长期坚持|长期推进|长期执行|长期|持续推进|持续开展|持续实施|持续|常态化推进|常态化)$`)

var bracketContinuousRE = regexp.MustCompile(`\((长期坚持|持续推进|长期|持续开展|持续实施|常态化推进)\)`)

// isDeadlineText reports whether a clause is only a deadline (2024年底前完成).
func isDeadlineText(fc string) bool {
	if contextContinuousRE.MatchString(fc) {
		return true
	}
	loc := deadlineRE.FindStringIndex(fc)
	if loc == nil {
		return false
	}
	rest := fc[:loc[0]] + fc[loc[1]:]
	return utf8.RuneCountInString(rest) <= 4
}

// endOfMonth returns the last day of month m of year y.
func endOfMonth(y, m int) workday.Date {
	return workday.NewDate(y, time.Month(m)+1, 1).AddDays(-1)
}

// findDeadlines returns the deadlines of text (original runes) resolved in
// year (0: unknown). inContext marks a 完成时限 value, where 持续推进 and 长期
// are deadlines too.
func findDeadlines(rs []rune, year int, inContext bool) []Deadline {
	f := string(fold(rs))
	var out []Deadline
	if inContext {
		if t := strings.Trim(f, " ;,。"); contextContinuousRE.MatchString(t) {
			return []Deadline{{Text: strings.Trim(string(rs), " ;；,，。"), Kind: "continuous"}}
		}
	}
	names := deadlineRE.SubexpNames()
	off := newOffsets(f)
	for _, m := range deadlineRE.FindAllStringSubmatchIndex(f, -1) {
		// which alternative matched: the first named group that is set
		kind := ""
		gi := 0
		for i := 1; i < len(names); i++ {
			if names[i] != "" && m[2*i] >= 0 {
				kind, gi = names[i], i
				break
			}
		}
		g := func(k int) string { // k-th capture after the named one
			i := gi + k
			if m[2*i] < 0 {
				return ""
			}
			return f[m[2*i]:m[2*i+1]]
		}
		num := func(s string) int { n, _ := strconv.Atoi(s); return n }
		yr := func(s string) (int, bool) {
			if s == "" {
				return year, year > 0
			}
			return num(s), true
		}
		text := string(rs[off.rune(m[0]):off.rune(m[1])])
		dl := Deadline{Text: text, Kind: "date"}
		var date workday.Date
		ok := false
		explicit := 0
		switch kind {
		case "range":
			y2 := g(3)
			if y2 == "" {
				y2 = g(1)
			}
			if y, k := yr(y2); k && num(g(4)) >= 1 && num(g(4)) <= 12 {
				if d := num(g(5)); d > 0 {
					date, ok = workday.NewDate(y, time.Month(num(g(4))), min(d, endOfMonthDay(y, num(g(4))))), true
				} else {
					date, ok = endOfMonth(y, num(g(4))), true
				}
				if y2 != "" {
					explicit = y
				}
			}
			dl.Kind = "range"
		case "range2":
			if y, k := yr(g(1)); k && num(g(3)) >= 1 && num(g(3)) <= 12 {
				date, ok = endOfMonth(y, num(g(3))), true
				if g(1) != "" {
					explicit = y
				}
			}
			dl.Kind = "range"
		case "day":
			if y, k := yr(g(1)); k && num(g(2)) >= 1 && num(g(2)) <= 12 && num(g(3)) >= 1 && num(g(3)) <= 31 {
				date, ok = workday.NewDate(y, time.Month(num(g(2))), min(num(g(3)), endOfMonthDay(y, num(g(2))))), true
				if g(1) != "" {
					explicit = y
				}
			}
		case "monthend":
			if y, k := yr(g(1)); k && num(g(2)) >= 1 && num(g(2)) <= 12 {
				mo := num(g(2))
				switch g(3) {
				case "上旬":
					date = workday.NewDate(y, time.Month(mo), 10)
				case "中旬":
					date = workday.NewDate(y, time.Month(mo), 20)
				default:
					date = endOfMonth(y, mo)
				}
				ok = true
				if g(1) != "" {
					explicit = y
				}
			}
		case "monthbefore":
			if y, k := yr(g(1)); k && num(g(2)) >= 1 && num(g(2)) <= 12 {
				date, ok = workday.NewDate(y, time.Month(num(g(2))), 1).AddDays(-1), true
				if g(1) != "" {
					explicit = y
				}
			}
		case "stage":
			y := num(g(1))
			if num(g(2)) >= 1 && num(g(2)) <= 12 {
				date, ok, explicit = endOfMonth(y, num(g(2))), true, y
				dl.Text = strings.Trim(dl.Text, "()（）")
			}
		case "yearend", "byyear":
			y := num(g(1))
			date, ok, explicit = workday.NewDate(y, 12, 31), true, y
		case "yearbefore":
			y := num(g(1))
			date, ok, explicit = workday.NewDate(y-1, 12, 31), true, y
		case "part":
			if y, k := yr(g(1)); k {
				mo := 12
				switch p := g(2); {
				case p == "上半年":
					mo = 6
				case p == "下半年":
					mo = 12
				default:
					q := strings.TrimSuffix(strings.TrimPrefix(p, "第"), "季度")
					if n := parseChineseNumber(q); n > 0 {
						mo = n * 3
					} else if n := num(q); n > 0 {
						mo = n * 3
					}
				}
				date, ok = endOfMonth(y, mo), true
				if g(1) != "" {
					explicit = y
				}
			}
		case "thisyear":
			if year > 0 {
				date, ok = workday.NewDate(year, 12, 31), true
			}
			dl.Kind = "year"
		case "recurring":
			dl.Kind = "recurring"
		case "within":
			dl.Kind = "within"
		case "longterm":
			dl.Kind = "continuous"
		}
		if explicit > 0 && year > 0 && explicit < year-1 {
			continue // a date in the past: a reference, not a deadline
		}
		if explicit > 0 && (explicit < 1990 || explicit > 2100) {
			continue
		}
		if ok {
			d := date
			dl.Date = &d
		}
		out = append(out, dl)
	}
	for _, m := range bracketContinuousRE.FindAllStringSubmatchIndex(f, -1) {
		out = append(out, Deadline{Text: string(rs[off.rune(m[2]):off.rune(m[3])]), Kind: "continuous"})
	}
	return out
}

func endOfMonthDay(y, m int) int {
	_, _, d := endOfMonth(y, m).YMD()
	return d
}

// offsets converts byte offsets of a string into rune offsets, walking
// forward (offsets asked in increasing order cost linear time overall).
type offsets struct {
	s            string
	lastB, lastR int
}

func newOffsets(s string) *offsets { return &offsets{s: s} }

func (o *offsets) rune(b int) int {
	if b < o.lastB {
		o.lastB, o.lastR = 0, 0
	}
	o.lastR += utf8.RuneCountInString(o.s[o.lastB:b])
	o.lastB = b
	return o.lastR
}
