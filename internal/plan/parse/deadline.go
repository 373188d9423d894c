package parse

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/workday"
)

// dmatch is a deadline the scanner found: its span in the text, its form,
// and the numbers written (0 where none is).
type dmatch struct {
	start, end int
	kind       string // range, day, monthend, monthbefore, stage, yearend, yearbefore, part, thisyear, recurring, within, longterm
	y1, m1, d1 int    // the year, month and day written (the start of a range)
	y2, m2, d2 int    // the end of a range
	part       string // 上旬/中旬/下旬/底/末 of a month end; 上半年/下半年/第一季度 … of a part
	event      bool   // a time limit after an event (出台10日内), not a bare one (40个工作日以内)
	limit      string // the period of a time limit: 日, 工作日, 个月 …
}

// deadlineForm matches one form of deadline at a position.
type deadlineForm func(s scanner, i int) (dmatch, bool)

// The forms of the genre by the rune they may start with, each list in the
// order the forms are tried (the first that matches wins, as in a regular
// expression's alternation). The text is folded: ASCII digits, '-' for
// every dash, '(' for every parenthesis.
var (
	formsDigit   = []deadlineForm{scanRange, scanRange2, scanDay, scanMonthEnd, scanMonthBefore, scanYearEnd, scanYearBefore, scanPart, scanWithin}
	formsParen   = []deadlineForm{scanStage}
	formsBy      = []deadlineForm{scanByYear}
	formsPart    = []deadlineForm{scanPart}
	formsPartOr  = []deadlineForm{scanPart, scanWithin} // 下半年, 下达后10日内
	formsYear    = []deadlineForm{scanThisYear}
	formsEvery   = []deadlineForm{scanRecurring}
	formsWithin  = []deadlineForm{scanWithin}
	formsLong    = []deadlineForm{scanLongTerm}
	formsUnknown = []deadlineForm{}
)

// deadlineFormsAt returns the forms that may start with r.
func deadlineFormsAt(r rune) []deadlineForm {
	if isDigit(r) {
		return formsDigit
	}
	switch r {
	case '(':
		return formsParen
	case '到', '至', '于':
		return formsBy
	case '上', '第', '一', '二', '三', '四':
		return formsPart
	case '下':
		return formsPartOr
	case '年', '全':
		return formsYear
	case '每':
		return formsEvery
	case '出', '印', '发', '收', '受', '接', '签', '完', '启', '立', '后':
		return formsWithin
	case '长':
		return formsLong
	}
	return formsUnknown
}

// deadlineAt returns the deadline that starts at i, if any.
func deadlineAt(s scanner, i int) (dmatch, bool) {
	for _, form := range deadlineFormsAt(s[i]) {
		if m, ok := form(s, i); ok {
			m.start = i
			return m, true
		}
	}
	return dmatch{}, false
}

// scanDeadlines returns the deadlines of a folded text, left to right and
// not overlapping. inContext marks a 完成时限 value, where a bare date
// (2024年12月, 12月, 2024.12.31) is a deadline too.
func scanDeadlines(s scanner, inContext bool) []dmatch {
	var out []dmatch
	for i := 0; i < len(s); {
		m, ok := deadlineAt(s, i)
		if !ok && inContext && isDigit(s[i]) && (i == 0 || !isDigit(s[i-1])) {
			m, ok = scanBareDate(s, i)
			m.start = i
		}
		if ok {
			// 2025年起: when a duty starts, not when it is due
			if started := s.at(m.end) == '起' || s.at(m.end) == '开' && s.at(m.end+1) == '始'; !started {
				out = append(out, m)
			}
			i = m.end
			continue
		}
		i++
	}
	return out
}

// scanBareDate reads a date written without 前/底 — 2024年12月, 12月,
// 2024年6月30日, 2024年, 2024.12, 2024-12-31 — which is a deadline where a
// deadline is expected (a 完成时限 value, a table's time column).
func scanBareDate(s scanner, i int) (dmatch, bool) {
	m := dmatch{kind: "day"}
	y, j := s.optYear(i)
	if mo, e, ok := s.month(j); ok {
		m.y1, m.m1 = y, mo
		if d, e2 := s.optDay(e); d > 0 {
			m.d1, m.end = d, e2
			return m, true
		}
		m.kind, m.part, m.end = "monthend", "底", s.opt(e, wMonthWord)
		return m, true
	}
	if y > 0 {
		m.kind, m.y1, m.end = "yearend", y, s.opt(j, wYearBare)
		return m, true
	}
	// 2024.12, 2024-12-31, 2024/12/31
	y, j, ok := s.digits(i, 4, 4)
	if !ok || (s.at(j) != '.' && s.at(j) != '-' && s.at(j) != '/') {
		return m, false
	}
	sep := s.at(j)
	mo, e, ok := s.digits(j+1, 1, 2)
	if !ok {
		return m, false
	}
	m.y1, m.m1 = y, mo
	if s.at(e) == sep {
		if d, e2, ok := s.digits(e+1, 1, 2); ok {
			m.d1, m.end = d, e2
			return m, true
		}
	}
	m.kind, m.part, m.end = "monthend", "底", e
	return m, true
}

// optYear reads a written year (2024年) at i.
func (s scanner) optYear(i int) (int, int) {
	if y, e, ok := s.digits(i, 4, 4); ok && s.at(e) == '年' {
		return y, e + 1
	}
	return 0, i
}

// month reads 6月 at i.
func (s scanner) month(i int) (int, int, bool) {
	m, e, ok := s.digits(i, 1, 2)
	if !ok || s.at(e) != '月' {
		return 0, i, false
	}
	return m, e + 1, true
}

// optDay reads 30日 at i.
func (s scanner) optDay(i int) (int, int) {
	if d, e, ok := s.digits(i, 1, 2); ok && s.at(e) == '日' {
		return d, e + 1
	}
	return 0, i
}

// The words of the deadline forms.
var (
	wBefore    = wordsOf("前", "之前", "以前")
	wRangeSep  = wordsOf("-", "~", "至", "到")
	wRangeSep2 = wordsOf("-", "~", "至")
	wEnd       = wordsOf("底", "末")
	wEnd2      = wordsOf("末", "底")
	wDayEnd    = wordsOf("前", "之前", "以前", "止", "为止")
	wMonthWord = wordsOf("份")
	wYearEnd   = wordsOf("底", "末", "年底", "年末", "内")
	wBy        = wordsOf("到", "至", "于")
	wHalf      = wordsOf("上半年", "下半年")
	wOrdinal   = wordsOf("第")
	wThisYear  = wordsOf("年底前", "年底之前", "年底", "年末前", "年末", "年内", "全年")
	wGe        = wordsOf("个")
	wPeriod    = wordsOf("月", "季度", "季", "半年", "年", "周", "旬")
	wEvent     = wordsOf("出台", "印发", "发布", "收到", "受理", "接到", "签订", "发生", "完成", "启动", "下达", "立案")
	wAfter     = wordsOf("后")
	wLimit     = wordsOf("工作日", "日", "天", "个月", "周", "小时")
	wWithin    = wordsOf("内", "以内")
	wLongTerm  = wordsOf("长期坚持", "长期推进", "长期执行")
	wYearBare  = wordsOf("内", "度", "全年")
	wMonthPart = wordsOf("底", "末", "上旬", "中旬", "下旬")
	wQuarter   = []rune("季度")
	wEvery     = []rune("每")
)

// 2024年4月-9月, 4月-6月底, 4月1日至6月30日
func scanRange(s scanner, i int) (dmatch, bool) {
	m := dmatch{kind: "range"}
	var j int
	var ok bool
	m.y1, j = s.optYear(i)
	if m.m1, j, ok = s.month(j); !ok {
		return m, false
	}
	m.d1, j = s.optDay(j)
	if j, ok = s.oneOf(j, wRangeSep); !ok {
		return m, false
	}
	m.y2, j = s.optYear(j)
	if m.m2, j, ok = s.month(j); !ok {
		return m, false
	}
	m.d2, j = s.optDay(j)
	j = s.opt(j, wEnd)
	m.end = s.opt(j, wBefore)
	return m, true
}

// 2024年4-6月
func scanRange2(s scanner, i int) (dmatch, bool) {
	m := dmatch{kind: "range2"}
	var j int
	var ok bool
	m.y1, j = s.optYear(i)
	if m.m1, j, ok = s.digits(j, 1, 2); !ok {
		return m, false
	}
	if j, ok = s.oneOf(j, wRangeSep2); !ok {
		return m, false
	}
	if m.m2, j, ok = s.month(j); !ok {
		return m, false
	}
	j = s.opt(j, wEnd)
	m.end = s.opt(j, wBefore)
	return m, true
}

// 2024年12月31日前, 6月30日止
func scanDay(s scanner, i int) (dmatch, bool) {
	m := dmatch{kind: "day"}
	var j int
	var ok bool
	m.y1, j = s.optYear(i)
	if m.m1, j, ok = s.month(j); !ok {
		return m, false
	}
	d, e, ok := s.digits(j, 1, 2)
	if !ok || s.at(e) != '日' {
		return m, false
	}
	m.d1 = d
	if m.end, ok = s.oneOf(e+1, wDayEnd); !ok {
		return m, false
	}
	return m, true
}

// 6月底前, 2024年6月底, 9月中旬前
func scanMonthEnd(s scanner, i int) (dmatch, bool) {
	m := dmatch{kind: "monthend"}
	var j int
	var ok bool
	m.y1, j = s.optYear(i)
	if m.m1, j, ok = s.month(j); !ok {
		return m, false
	}
	j = s.opt(j, wMonthWord)
	for _, w := range wMonthPart {
		if e, ok := s.word(j, w); ok {
			m.part = string(w)
			m.end = s.opt(e, wBefore)
			return m, true
		}
	}
	return m, false
}

// 6月前: before June, so the end of May
func scanMonthBefore(s scanner, i int) (dmatch, bool) {
	m := dmatch{kind: "monthbefore"}
	var j int
	var ok bool
	m.y1, j = s.optYear(i)
	if m.m1, j, ok = s.month(j); !ok {
		return m, false
	}
	j = s.opt(j, wMonthWord)
	m.end, ok = s.oneOf(j, wBefore)
	return m, ok
}

// a stage in brackets: (2024年3月)
func scanStage(s scanner, i int) (dmatch, bool) {
	m := dmatch{kind: "stage"}
	if s.at(i) != '(' {
		return m, false
	}
	y, j := s.optYear(i + 1)
	if y == 0 {
		return m, false
	}
	mo, j, ok := s.month(j)
	if !ok || s.at(j) != ')' {
		return m, false
	}
	m.y1, m.m1, m.end = y, mo, j+1
	return m, true
}

// 2024年底前
func scanYearEnd(s scanner, i int) (dmatch, bool) {
	m := dmatch{kind: "yearend"}
	y, j := s.optYear(i)
	if y == 0 {
		return m, false
	}
	j, ok := s.oneOf(j, wYearEnd)
	if !ok {
		return m, false
	}
	m.y1, m.end = y, s.opt(j, wBefore)
	return m, true
}

// 到2025年, 于2024年底
func scanByYear(s scanner, i int) (dmatch, bool) {
	m := dmatch{kind: "yearend"}
	j, ok := s.oneOf(i, wBy)
	if !ok {
		return m, false
	}
	y, j := s.optYear(j)
	if y == 0 {
		return m, false
	}
	m.y1, m.end = y, s.opt(j, wEnd)
	return m, true
}

// 2025年前: before 2025, so the end of 2024
func scanYearBefore(s scanner, i int) (dmatch, bool) {
	m := dmatch{kind: "yearbefore"}
	y, j := s.optYear(i)
	if y == 0 {
		return m, false
	}
	j, ok := s.oneOf(j, wBefore)
	m.y1, m.end = y, j
	return m, ok
}

// 上半年, 2024年第三季度末
func scanPart(s scanner, i int) (dmatch, bool) {
	m := dmatch{kind: "part"}
	y, j := s.optYear(i)
	m.y1 = y
	if e, ok := s.oneOf(j, wHalf); ok {
		m.part, j = string(s[j:e]), e
	} else {
		k := s.opt(j, wOrdinal)
		q := s.at(k)
		if !(q == '一' || q == '二' || q == '三' || q == '四' || (q >= '1' && q <= '4')) {
			return m, false
		}
		e, ok := s.word(k+1, wQuarter)
		if !ok {
			return m, false
		}
		m.part, j = string(s[j:e]), e
	}
	j = s.opt(j, wEnd2)
	m.end = s.opt(j, wBefore)
	return m, true
}

// the plan year: 年底前, 年内, 全年
func scanThisYear(s scanner, i int) (dmatch, bool) {
	j, ok := s.oneOf(i, wThisYear)
	return dmatch{kind: "thisyear", end: j}, ok
}

// 每月, 每季度
func scanRecurring(s scanner, i int) (dmatch, bool) {
	j, ok := s.word(i, wEvery)
	if !ok {
		return dmatch{}, false
	}
	j = s.opt(j, wGe)
	j, ok = s.oneOf(j, wPeriod)
	return dmatch{kind: "recurring", end: j}, ok
}

// a time limit after an event: 出台10日内, 3个月内
func scanWithin(s scanner, i int) (dmatch, bool) {
	m := dmatch{kind: "within"}
	j := s.opt(i, wEvent)
	j = s.opt(j, wAfter)
	m.event = j > i
	_, j, ok := s.digits(j, 1, 3)
	if !ok {
		return m, false
	}
	limit := func(k int) (int, bool) {
		e, ok := s.oneOf(k, wLimit)
		if !ok {
			return k, false
		}
		m.limit = string(s[k:e])
		return s.oneOf(e, wWithin)
	}
	if s.at(j) == '个' {
		if e, ok := limit(j + 1); ok {
			m.end = e
			return m, true
		}
	}
	m.end, ok = limit(j)
	return m, ok
}

// 长期坚持
func scanLongTerm(s scanner, i int) (dmatch, bool) {
	j, ok := s.oneOf(i, wLongTerm)
	return dmatch{kind: "longterm", end: j}, ok
}

// continuousWords are the continuous forms that are deadlines only where a
// deadline is expected (a 完成时限 line, a bracket of their own).
var continuousWords = map[string]bool{
	"长期坚持": true, "长期推进": true, "长期执行": true, "长期": true, "持续推进": true, "持续开展": true,
	"持续实施": true, "持续": true, "常态化推进": true, "常态化": true,
}

// bracketContinuous are the continuous forms that are a deadline in a
// bracket of their own: (长期坚持).
var bracketContinuous = wordsOf("长期坚持", "持续推进", "长期", "持续开展", "持续实施", "常态化推进")

// isDeadlineText reports whether a clause is only a deadline (2024年底前完成).
func isDeadlineText(fc string) bool {
	if continuousWords[fc] {
		return true
	}
	if loc := startRE.FindStringIndex(fc); loc != nil {
		// 2025年起每年, 2025年3月起: when a duty starts, and how often
		rest := fc[loc[1]:]
		return rest == "" || isDeadlineText(rest)
	}
	s := scanner([]rune(fc))
	for i := range s {
		if m, ok := deadlineAt(s, i); ok {
			return len(s)-(m.end-m.start) <= 4
		}
	}
	return false
}

// startRE is a start written before a cadence or alone: 2025年起, 自2025年3月起, 从2026年开始.
var startRE = regexp.MustCompile(`^(?:自|从)?\d{4}年(?:\d{1,2}月)?(?:起|开始)`)

// endOfMonth returns the last day of month m of year y.
func endOfMonth(y, m int) workday.Date {
	return workday.NewDate(y, time.Month(m)+1, 1).AddDays(-1)
}

// findDeadlines returns the deadlines of text (original runes) resolved in
// year (0: unknown). inContext marks a 完成时限 value, where 持续推进 and 长期
// are deadlines too.
func findDeadlines(rs []rune, year int, inContext bool) []Deadline {
	s := scanner(fold(rs))
	if inContext {
		if t := strings.Trim(string(s), " ;,。"); continuousWords[t] {
			return []Deadline{{Text: strings.Trim(string(rs), " ;；,，。"), Kind: "continuous"}}
		}
	}
	var out []Deadline
	for _, m := range scanDeadlines(s, inContext) {
		if m.kind == "within" && !m.event && !inContext && !relativeLimit(s, m) {
			continue // 审批时间压缩至40个工作日以内: a target, not a deadline
		}
		if before := string(s[max(0, m.start-4):m.start]); strings.HasSuffix(before, "有效期") || strings.HasSuffix(before, "有效期至") || strings.HasSuffix(before, "施行至") {
			continue // 有效期至2026年12月31日: how long the document is valid
		}
		if dl, ok := resolveDeadline(m, string(rs[m.start:m.end]), year); ok {
			out = append(out, dl)
		}
	}
	for i, r := range s {
		if r != '(' {
			continue
		}
		if c := s.at(i + 1); c != '长' && c != '持' && c != '常' {
			continue
		}
		for _, w := range bracketContinuous {
			if e, ok := s.word(i+1, w); ok && s.at(e) == ')' {
				out = append(out, Deadline{Text: string(rs[i+1 : e]), Kind: "continuous"})
				break
			}
		}
	}
	return out
}

// relativeLimit reports whether a time limit written without an event is a
// deadline counted from the plan's start (3个月内完成): a limit in months or
// weeks with no comparison word before it. 5个工作日内办结 and 压缩至40个工作日
// 以内 are service standards and targets.
func relativeLimit(s scanner, m dmatch) bool {
	if m.limit != "个月" && m.limit != "周" {
		return false
	}
	before := string(s[max(0, m.start-4):m.start])
	for _, w := range opWords {
		if strings.HasSuffix(before, w[0]) {
			return false
		}
	}
	return true
}

// resolveDeadline turns a deadline found in the text into its date in the
// plan year (0: unknown). It returns false for a date in the past (对2015年
// 前颁布的文件: a reference, not a deadline).
func resolveDeadline(m dmatch, text string, year int) (Deadline, bool) {
	dl := Deadline{Text: text, Kind: "date"}
	yr := func(y int) (int, bool) {
		if y == 0 {
			return year, year > 0
		}
		return y, true
	}
	validMonth := func(mo int) bool { return mo >= 1 && mo <= 12 }
	var date workday.Date
	ok := false
	explicit := 0
	switch m.kind {
	case "range", "range2":
		y2 := m.y2
		if y2 == 0 {
			y2 = m.y1
		}
		if y, k := yr(y2); k && validMonth(m.m2) {
			if m.d2 > 0 {
				date, ok = workday.NewDate(y, time.Month(m.m2), min(m.d2, endOfMonthDay(y, m.m2))), true
			} else {
				date, ok = endOfMonth(y, m.m2), true
			}
			explicit = y2
		}
		dl.Kind = "range"
	case "day":
		if y, k := yr(m.y1); k && validMonth(m.m1) && m.d1 >= 1 && m.d1 <= 31 {
			date, ok = workday.NewDate(y, time.Month(m.m1), min(m.d1, endOfMonthDay(y, m.m1))), true
			explicit = m.y1
		}
	case "monthend":
		if y, k := yr(m.y1); k && validMonth(m.m1) {
			switch m.part {
			case "上旬":
				date = workday.NewDate(y, time.Month(m.m1), 10)
			case "中旬":
				date = workday.NewDate(y, time.Month(m.m1), 20)
			default:
				date = endOfMonth(y, m.m1)
			}
			ok, explicit = true, m.y1
		}
	case "monthbefore":
		if y, k := yr(m.y1); k && validMonth(m.m1) {
			date, ok, explicit = workday.NewDate(y, time.Month(m.m1), 1).AddDays(-1), true, m.y1
		}
	case "stage":
		if validMonth(m.m1) {
			date, ok, explicit = endOfMonth(m.y1, m.m1), true, m.y1
			dl.Text = strings.Trim(dl.Text, "()（）")
		}
	case "yearend":
		date, ok, explicit = workday.NewDate(m.y1, 12, 31), true, m.y1
	case "yearbefore":
		date, ok, explicit = workday.NewDate(m.y1-1, 12, 31), true, m.y1
	case "part":
		if y, k := yr(m.y1); k {
			mo := 12
			switch p := m.part; {
			case p == "上半年":
				mo = 6
			case p == "下半年":
				mo = 12
			default:
				q := strings.TrimSuffix(strings.TrimPrefix(p, "第"), "季度")
				if n := parseChineseNumber(q); n > 0 {
					mo = n * 3
				} else if n, err := strconv.Atoi(q); err == nil && n > 0 {
					mo = n * 3
				}
			}
			date, ok, explicit = endOfMonth(y, mo), true, m.y1
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
		return dl, false // a date in the past: a reference, not a deadline
	}
	if explicit > 0 && (explicit < 1990 || explicit > 2100) {
		return dl, false
	}
	if ok {
		d := date
		dl.Date = &d
	}
	return dl, true
}

func endOfMonthDay(y, m int) int {
	_, _, d := endOfMonth(y, m).YMD()
	return d
}
