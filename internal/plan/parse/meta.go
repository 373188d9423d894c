package parse

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/workday"
)

// docLines is the body of a document after the metadata stage: the lines
// from the first heading on, without signature blocks and attachment lines.
type docLines struct {
	lines  []string
	lineNo []int  // 1-based line number of each body line in the cleaned text
	reset  []bool // a new numbering starts here (the plan enclosed after a notice's signature)
	all    []string
	first  int // index in all of the first body line
	// parts are where the parts of the document start: the body, then
	// each attachment (附件2 …) or enclosed plan whose numbering starts again.
	parts []part
}

// part is a part of a document with its own numbering.
type part struct {
	at    int    // index in lines of its first line
	label string // 附件2, or "" for the body
	title string // its title, "" when none was written
}

var (
	docNumRE      = regexp.MustCompile(`(\p{Han}{1,12})\s*[〔\[［【(（]\s*((?:19|20)\d{2})\s*[〕\]］】)）]\s*(\d{1,5})\s*号`)
	docNumStartRE = regexp.MustCompile(`^` + docNumRE.String())
	dateOnlyRE    = regexp.MustCompile(`^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$`)
	cnDateOnlyRE  = regexp.MustCompile(`^([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日$`)
	isoDateRE     = regexp.MustCompile(`(\d{4})[-/.年]\s*(\d{1,2})[-/.月]\s*(\d{1,2})`)
	titleEndRE    = regexp.MustCompile(`(?:通知|意见|方案|决定|通报|批复|函|报告|办法|规定|措施|计划|细则|要点|公告|通告|规划|清单|任务)》?$`)
	planTitleRE   = regexp.MustCompile(`(?:方案|措施|计划|意见|细则|要点|办法|清单|规划|任务|举措|分工|分解表|行动)$`)
	attachmentRE  = regexp.MustCompile(`^附件\s*([0-9一二三四五六七八九十]*)(?:\s*[-—－]\s*\d+)?\s*[:：]?\s*(.*)$`)
	redHeadRE     = regexp.MustCompile(`^(\p{Han}{4,30})文件$`)
	enclosedRE    = regexp.MustCompile(`关于印发《?(.+?)》?的(?:通知|函)`)
	titleYearRE   = regexp.MustCompile(`((?:19|20)\d{2})\s*年`)
	titleYearsRE  = regexp.MustCompile(`(?:19|20)\d{2}`)
	punctuationRE = regexp.MustCompile(`[。，,；;！？]`)
	adoptedRE     = regexp.MustCompile(`^[(（]\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*(?:[^)）]{0,40}(?:通过|印发|发布|施行|公布))?\s*[)）]$`)
)

// maxTitleRunes bounds the length of a line read as (part of) the title.
const maxTitleRunes = 200

// normDocNumber writes a 文号 with 〔〕 and no spaces.
func normDocNumber(m []string) string {
	return m[1] + "〔" + m[2] + "〕" + m[3] + "号"
}

// signatureDate reads a date line of a signature block.
func signatureDate(l string) (workday.Date, bool) {
	if m := dateOnlyRE.FindStringSubmatch(l); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		if validYMD(y, mo, d) {
			return workday.NewDate(y, time.Month(mo), d), true
		}
	}
	if m := cnDateOnlyRE.FindStringSubmatch(l); m != nil {
		y := parseChineseNumber(m[1])
		mo := parseChineseNumber(m[2])
		d := parseChineseNumber(m[3])
		if validYMD(y, mo, d) {
			return workday.NewDate(y, time.Month(mo), d), true
		}
	}
	return 0, false
}

func validYMD(y, m, d int) bool {
	return y >= 1949 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= 31
}

// issuerLike reports whether l reads as the issuing office of a signature.
func issuerLike(l string) bool {
	n := runeLen(l)
	return n >= 3 && n <= 60 && !punctuationRE.MatchString(l) && unitShaped(strings.TrimSuffix(strings.TrimSuffix(l, "（盖章）"), "(盖章)"))
}

// readMeta finds the title, 文号, issuer, date, plan title and plan year,
// and returns the body.
func readMeta(lines []string, p *Plan) *docLines {
	d := &docLines{all: lines}
	removed := make([]bool, len(lines))
	// Signature blocks: an office on one line, the date on the next.
	type sig struct {
		at     int
		issuer string
		date   workday.Date
	}
	var sigs []sig
	for i := 1; i < len(lines); i++ {
		if dt, ok := signatureDate(lines[i]); ok && issuerLike(lines[i-1]) {
			sigs = append(sigs, sig{i - 1, lines[i-1], dt})
			removed[i-1], removed[i] = true, true
		}
	}
	// The body starts at the first heading numbered 1.
	first := len(lines)
	for i, l := range lines {
		if removed[i] {
			continue
		}
		if m := startMarker(l); m != nil && m.num == 1 {
			first = i
			break
		}
	}
	d.first = first
	head := lines[:first]

	// 文号: a line that starts with one in the head, else the portal's.
	for _, l := range head {
		if m := docNumStartRE.FindStringSubmatch(l); m != nil {
			p.DocNumber = normDocNumber(m)
			break
		}
	}
	for _, k := range []string{"文号", "发文字号"} {
		if v := p.Meta[k]; p.DocNumber == "" && v != "" {
			if m := docNumRE.FindStringSubmatch(squeezeSpaces(v)); m != nil {
				p.DocNumber = normDocNumber(m)
			}
		}
	}

	// Title: the portal's, else a 关于…的通知 line (or two) in the head.
	titleAt, titleFrom := -1, -1 // the title's last and first line
	if v := p.Meta["标题"]; v != "" {
		p.Title = squeezeSpaces(loadSimplifier().convert(v))
	}
	for i := 0; i < len(head) && p.Title == ""; i++ {
		if removed[i] {
			continue
		}
		if runeLen(head[i]) > maxTitleRunes {
			continue
		}
		l := stripTitle(head[i])
		titleFrom = i
		if strings.Contains(l, "关于") && titleEndRE.MatchString(l) && !punctuationRE.MatchString(l) {
			p.Title, titleAt = strings.TrimSuffix(strings.TrimPrefix(l, "《"), "》"), i
			break
		}
		if strings.Contains(l, "关于") && !punctuationRE.MatchString(l) {
			joined := l
			for j := i + 1; j < len(head) && j <= i+2 && runeLen(head[j]) <= maxTitleRunes; j++ {
				joined += head[j]
				if titleEndRE.MatchString(joined) && !punctuationRE.MatchString(joined) {
					p.Title, titleAt = strings.TrimSuffix(strings.TrimPrefix(joined, "《"), "》"), j
					break
				}
			}
		}
	}
	// The issuing office may stand on the line before: 某县人民政府办公室 /
	// 关于印发…的通知.
	if k := titleFrom - 1; strings.HasPrefix(p.Title, "关于") && k >= 0 && !removed[k] && issuerLike(head[k]) && !strings.HasSuffix(head[k], "文件") {
		p.Title = head[k] + p.Title
	}
	if p.Title == "" {
		p.Warnings = append(p.Warnings, "未找到文件标题")
	}

	// The enclosed plan's own title: a line ending in 方案/措施/… after the
	// title, else what the title says it prints (关于印发《X》的通知).
	for i := titleAt + 1; i < len(head); i++ {
		if removed[i] {
			continue
		}
		l := head[i]
		if am := attachmentRE.FindStringSubmatch(l); am != nil && runeLen(l) < 80 {
			if l = strings.TrimSpace(am[2]); l == "" {
				continue // 附件1 on its own line
			}
		}
		if planTitleLike(l) && l != p.Title {
			p.PlanTitle = strings.Trim(l, "《》")
			break
		}
		if i+1 < len(head) && runeLen(l) <= 30 && !punctuationRE.MatchString(l) && !strings.Contains(l, "关于") && startMarker(l) == nil {
			if j := l + head[i+1]; planTitleLike(j) {
				p.PlanTitle = strings.Trim(j, "《》")
				break
			}
		}
	}
	if p.PlanTitle == "" {
		if m := enclosedRE.FindStringSubmatch(p.Title); m != nil {
			p.PlanTitle = m[1]
		}
	}

	// Issuer and date: the first signature; else the red header and the portal.
	if len(sigs) > 0 {
		p.Issuer = sigs[0].issuer
		p.Date = sigs[0].date.String()
	}
	if p.Issuer == "" {
		for _, l := range head {
			if m := redHeadRE.FindStringSubmatch(l); m != nil && unitShaped(m[1]) {
				p.Issuer = m[1]
				break
			}
		}
	}
	for _, k := range []string{"发文机关", "发布机构", "发文单位", "发布单位"} {
		if v := p.Meta[k]; p.Issuer == "" && v != "" {
			p.Issuer = v
		}
	}
	// A regulation dates itself under its title: (2024年3月15日区人民政府第12次
	// 常务会议审议通过).
	for _, l := range head {
		if p.Date != "" {
			break
		}
		if m := adoptedRE.FindStringSubmatch(l); m != nil {
			if dt, ok := signatureDate(m[1]); ok {
				p.Date = dt.String()
			}
		}
	}
	for _, k := range []string{"成文日期", "发文日期", "印发日期"} {
		if v := p.Meta[k]; p.Date == "" && v != "" {
			if m := isoDateRE.FindStringSubmatch(v); m != nil {
				y, _ := strconv.Atoi(m[1])
				mo, _ := strconv.Atoi(m[2])
				dd, _ := strconv.Atoi(m[3])
				if validYMD(y, mo, dd) {
					p.Date = workday.NewDate(y, time.Month(mo), dd).String()
				}
			}
		}
	}
	if p.Date == "" {
		p.Warnings = append(p.Warnings, "未找到成文日期（落款日期）")
	}
	p.Year = planYear(p, lines)

	// The body: signature blocks out; after a signature inside the body,
	// what is not a heading (来源, 返回 …) is dropped until a heading, and a
	// heading numbered 1 there starts a new numbering. An attachment label
	// (附件2：…) does the same, and its title is the part's title.
	d.parts = []part{{at: 0, label: headAttachment(head), title: ""}}
	dropping := false
	label, title := "", ""
	for i := first; i < len(lines); i++ {
		l := lines[i]
		if removed[i] {
			dropping = true
			continue
		}
		m := startMarker(l)
		if m == nil && runeLen(l) < 80 {
			if am := attachmentRE.FindStringSubmatch(l); am != nil {
				dropping, label, title = true, "附件"+am[1], strings.Trim(am[2], "《》 ")
				continue
			}
		}
		if dropping {
			if m == nil {
				if title == "" && planTitleLike(l) {
					title = strings.Trim(l, "《》")
				}
				continue
			}
			d.reset = append(d.reset, m.num == 1)
			if m.num == 1 && len(d.lines) > 0 {
				d.parts = append(d.parts, part{at: len(d.lines), label: label, title: title})
			}
			dropping, label, title = false, "", ""
		} else {
			d.reset = append(d.reset, false)
		}
		d.lines = append(d.lines, l)
		d.lineNo = append(d.lineNo, i+1)
	}
	return d
}

// headAttachment returns the attachment label (附件1) written just before
// the body, when the body is an attachment.
func headAttachment(head []string) string {
	for k := len(head) - 1; k >= 0 && k >= len(head)-3; k-- {
		if am := attachmentRE.FindStringSubmatch(head[k]); am != nil && runeLen(head[k]) < 80 {
			return "附件" + am[1]
		}
	}
	return ""
}

// stripTitle removes a leading 文号 from a title line: 武政办〔2024〕30号《…》.
func stripTitle(l string) string {
	if m := docNumStartRE.FindStringIndex(l); m != nil {
		l = strings.TrimSpace(l[m[1]:])
	}
	return l
}

func planTitleLike(l string) bool {
	n := runeLen(l)
	l = strings.Trim(l, "《》")
	return n >= 4 && n <= 60 && planTitleRE.MatchString(l) && !punctuationRE.MatchString(l) &&
		!strings.Contains(l, "关于") && startMarker(l) == nil
}

// planYear is the year deadlines without a year resolve in: the one year a
// title names; else the signing date's year, or the next year for a
// document signed in November or December (a plan for the coming year);
// else the 文号's year; else the year the text's deadlines name most often
// (2026年底前, 2026年6月底前; the earlier of two named as often), not a
// year a sentence looks back to once (截至2023年底).
func planYear(p *Plan, lines []string) int {
	for _, t := range []string{p.PlanTitle, p.Title} {
		ys := map[string]bool{}
		for _, m := range titleYearsRE.FindAllString(t, -1) {
			ys[m] = true
		}
		if m := titleYearRE.FindStringSubmatch(t); m != nil && len(ys) == 1 {
			y, _ := strconv.Atoi(m[1])
			return y
		}
	}
	if p.Date != "" {
		y, _ := strconv.Atoi(p.Date[:4])
		mo, _ := strconv.Atoi(p.Date[5:7])
		if mo >= 11 {
			p.Warnings = append(p.Warnings, fmt.Sprintf("文件成文于 %d 年 %d 月，未写年份的期限按 %d 年计", y, mo, y+1))
			return y + 1
		}
		return y
	}
	if m := docNumRE.FindStringSubmatch(p.DocNumber); m != nil {
		y, _ := strconv.Atoi(m[2])
		p.Warnings = append(p.Warnings, fmt.Sprintf("未找到成文日期，未写年份的期限按文号年份 %d 年计", y))
		return y
	}
	named := map[int]int{}
	best := 0
	for _, l := range lines {
		for _, m := range deadlineYearRE.FindAllStringSubmatch(l, -1) {
			y, _ := strconv.Atoi(m[1])
			named[y]++
			if best == 0 || named[y] > named[best] || named[y] == named[best] && y < best {
				best = y
			}
		}
	}
	if best > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("标题和成文日期都没有年份，未写年份的期限按正文期限中最常见的年份 %d 年计", best))
		return best
	}
	p.Warnings = append(p.Warnings, "无法确定计划年度，未写年份的期限不换算为日期")
	return 0
}

// deadlineYearRE is a year a deadline names: 2026年底前, 2026年6月底前,
// 2026年第二季度, 2026年上半年.
var deadlineYearRE = regexp.MustCompile(`(20\d\d)\s*年\s*(?:底|末|前|内|以内|\d{1,2}\s*月|第[一二三四1-4]季度|[上下]半年)`)
