package parse

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// foldRune maps a rune to the form the grammar matches on: fullwidth ASCII
// to ASCII, the bracket family to ( ) [ ], Chinese separators to their ASCII
// twins, dashes to '-'. It maps one rune to one rune, so positions in the
// folded text are positions in the original.
func foldRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r = r - 0xFF01 + 0x21
	case r == '〔' || r == '【' || r == '〖':
		return '['
	case r == '〕' || r == '】' || r == '〗':
		return ']'
	case r == '﹙':
		return '('
	case r == '﹚':
		return ')'
	case r == '—' || r == '–' || r == '―' || r == '−' || r == '─':
		return '-'
	case r == '～' || r == '〜':
		return '~'
	case r == '\u3000' || r == '\u00a0':
		return ' '
	}
	switch r {
	case '{':
		return '('
	case '}':
		return ')'
	}
	return r
}

// fold returns the folded runes of s.
func fold(rs []rune) []rune {
	f := make([]rune, len(rs))
	for i, r := range rs {
		f[i] = foldRune(r)
	}
	return f
}

// syllableRE is the shape of one pinyin syllable without tone marks.
var syllableRE = regexp.MustCompile(`^(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:a|ai|an|ang|ao|e|ei|en|eng|er|i|ia|ian|iang|iao|ie|in|ing|iong|iu|o|ong|ou|u|ua|uai|uan|uang|ue|ui|un|uo|v|ve|ü|üe|ve)$`)

var toneless = strings.NewReplacer("ā", "a", "á", "a", "ǎ", "a", "à", "a", "ē", "e", "é", "e", "ě", "e", "è", "e",
	"ī", "i", "í", "i", "ǐ", "i", "ì", "i", "ō", "o", "ó", "o", "ǒ", "o", "ò", "o", "ū", "u", "ú", "u", "ǔ", "u", "ù", "u",
	"ǖ", "ü", "ǘ", "ü", "ǚ", "ü", "ǜ", "ü", "ń", "n", "ň", "n", "ǹ", "n", "ḿ", "m")

// pinyinLetters are the letters of a pinyin annotation.
const pinyinLetters = "āáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹḿ"

func isPinyinLetter(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r > 0x7f && strings.ContainsRune(pinyinLetters, r))
}

// dropPinyin removes inline pinyin annotations: a bracket of one to six
// letters forming a pinyin syllable right after a Han character, 關(guān)于 →
// 關于.
func dropPinyin(s string) string {
	if !hasPinyinBracket(s) {
		return s
	}
	rs := []rune(s)
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		out = append(out, rs[i])
		if i+2 >= len(rs) || (rs[i+1] != '(' && rs[i+1] != '（') || !unicode.Is(unicode.Han, rs[i]) {
			continue
		}
		j := i + 2
		for j < len(rs) && j-i-2 < 6 && isPinyinLetter(rs[j]) {
			j++
		}
		if j == i+2 || j >= len(rs) || (rs[j] != ')' && rs[j] != '）') {
			continue
		}
		if !syllableRE.MatchString(toneless.Replace(string(rs[i+2 : j]))) {
			out = append(out, rs[i+1:j+1]...)
		}
		i = j
	}
	return string(out)
}

// hasPinyinBracket reports whether a bracket in s opens with a letter of
// pinyin (a quick test before dropPinyin reads the runes).
func hasPinyinBracket(s string) bool {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '(':
			i++
		case s[i] == 0xEF && i+2 < len(s) && s[i+1] == 0xBC && s[i+2] == 0x88: // （
			i += 3
		default:
			continue
		}
		if r, _ := utf8.DecodeRuneInString(s[min(i, len(s)):]); isPinyinLetter(r) {
			return true
		}
		i--
	}
	return false
}

func isASCIIAlnum(r rune) bool {
	return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// squeezeSpaces removes spaces that typesetting put between characters
// ("1. 85 万" → "1.85万", "产 业" → "产业") and keeps one space between two
// Latin words or numbers.
func squeezeSpaces(s string) string {
	if !strings.ContainsAny(s, " \t\u3000\u00a0\u200b\ufeff") {
		return s
	}
	rs := []rune(s)
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); {
		r := rs[i]
		if r == '\u200b' || r == '\ufeff' {
			i++
			continue
		}
		if r != ' ' && r != '\t' && r != '\u3000' && r != '\u00a0' {
			out = append(out, r)
			i++
			continue
		}
		j := i
		for j < len(rs) && (rs[j] == ' ' || rs[j] == '\t' || rs[j] == '\u3000' || rs[j] == '\u00a0' || rs[j] == '\u200b') {
			j++
		}
		if len(out) > 0 && j < len(rs) && isASCIIAlnum(out[len(out)-1]) && isASCIIAlnum(rs[j]) {
			out = append(out, ' ')
		}
		i = j
	}
	return string(out)
}

// cleanLine is the per-line normalisation: simplified characters, no pinyin
// annotations, no stray spaces.
func cleanLine(s string, ts *simplifier) string {
	s = ts.convert(s)
	s = dropPinyin(s)
	return strings.TrimSpace(chineseStops(squeezeSpaces(s)))
}

// chineseStops writes an ASCII full stop after a Han character as 。 (a
// document typed with ASCII punctuation), unless a Latin letter or digit
// follows (附件.pdf).
func chineseStops(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	rs := []rune(s)
	changed := false
	for i := 1; i < len(rs); i++ {
		if rs[i] == '.' && unicode.Is(unicode.Han, rs[i-1]) && (i+1 == len(rs) || !isASCIIAlnum(rs[i+1])) {
			rs[i], changed = '。', true
		}
	}
	if !changed {
		return s
	}
	return string(rs)
}

var (
	pageNumberRE = regexp.MustCompile(`^[-—–－~·•\s]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[/／]\s*\d{1,4})?(?:\s*[,，]?\s*共\s*\d{1,4}\s*页)?[-—–－~·•\s]*$`)
	portalRE     = regexp.MustCompile(`^(?:浏览量|浏览次数|访问量|阅读量|阅读次数|点击数|点击量|来源|信息来源|作者|编辑|责任编辑|字号|【?字体|【?打印|【?关闭|分享到|扫一扫|当前位置|您当前的位置|您的位置|首页\s*[>＞]|上一篇|下一篇|相关链接|相关文件|相关阅读|返回顶部)`)
	portalFirst  = "浏访阅点来信作编责字【字打关分扫当您首上下相返" // the first runes portalRE may match
	portalAnyRE  = regexp.MustCompile(`(?:发布时间|浏览量|浏览次数|发布日期)[:：]`)
	fileLinkRE   = regexp.MustCompile(`(?i)\.(?:pdf|docx?|xlsx?|wps|ofd|zip|rar)$`)
	thisFileRE   = regexp.MustCompile(`^[(（]此件[^)）]{0,12}[)）]$`)
	printedRE    = regexp.MustCompile(`(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[〇○零一二三四五六七八九十]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日)\s*印发$`)
	publishedRE  = regexp.MustCompile(`发布(?:时间|日期)[:：]\s*(\d{4}-\d{1,2}-\d{1,2})`)
)

// normalize cleans every line and removes what is not the document's text:
// page numbers and running headers, a portal's furniture, links to files,
// the 抄送 … 印发 block.
func normalize(raw []string, p *Plan) ([]string, []int) {
	ts := loadSimplifier()
	lines := make([]string, 0, len(raw))
	from := make([]int, 0, len(raw))       // the raw line of each line
	pageBreak := make([]bool, 0, len(raw)) // line follows or precedes a page break
	brk := false
	warnedMojibake := false
	for ri, l := range raw {
		if strings.Contains(l, "\f") {
			brk = true
			if len(pageBreak) > 0 {
				pageBreak[len(pageBreak)-1] = true
			}
			l = strings.ReplaceAll(l, "\f", "")
		}
		c := cleanLine(l, ts)
		if c == "" {
			continue
		}
		if !warnedMojibake && (strings.Contains(c, "??") || strings.ContainsRune(c, utf8.RuneError)) {
			warnedMojibake = true
			p.Warnings = append(p.Warnings, fmt.Sprintf("原文含有乱码（如“%s”），相关文字可能不准确", excerpt(c, 24)))
		}
		lines = append(lines, c)
		from = append(from, ri)
		pageBreak = append(pageBreak, brk)
		brk = false
	}
	// Running headers and footers: short lines repeated next to page breaks.
	near := map[string]int{}
	for i, l := range lines {
		if utf8.RuneCountInString(l) <= 30 && (pageBreak[i] || (i+1 < len(lines) && pageBreak[i+1])) {
			near[l]++
		}
	}
	out := lines[:0:0]
	var origin []int
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		n := utf8.RuneCountInString(l)
		switch {
		case n <= 40 && onlyPageNumberRunes(l) && pageNumberRE.MatchString(l):
			continue
		case near[l] >= 3 && startMarker(l) == nil:
			continue
		case n < 80 && ((strings.ContainsRune(portalFirst, firstRune(l)) && portalRE.MatchString(l)) || ((strings.Contains(l, "发布") || strings.Contains(l, "浏览")) && portalAnyRE.MatchString(l))):
			if m := publishedRE.FindStringSubmatch(l); m != nil {
				if _, ok := p.Meta["发布日期"]; !ok {
					p.Meta["发布日期"] = m[1]
				}
			}
			continue
		case n < 200 && strings.IndexByte(l, '.') >= 0 && fileLinkRE.MatchString(l[strings.LastIndexByte(l, '.'):]):
			continue
		case (strings.HasPrefix(l, "(此件") || strings.HasPrefix(l, "（此件")) && thisFileRE.MatchString(l):
			continue
		case l == "返回" || l == "打印" || l == "关闭" || l == "关闭窗口" || l == "【关闭】" || l == "【打印】":
			continue
		case strings.HasPrefix(l, "抄送") || strings.HasPrefix(l, "【抄送"):
			// The 抄送 block runs to the line that ends in 印发 (a few lines on).
			end := -1
			for j := i; j < len(lines) && j < i+10; j++ {
				if strings.HasSuffix(lines[j], "印发") && printedRE.MatchString(lines[j]) {
					end = j
					break
				}
			}
			if end >= 0 {
				i = end
			}
			continue
		case n < 40 && strings.HasSuffix(l, "印发") && printedRE.MatchString(l):
			continue
		}
		out = append(out, l)
		origin = append(origin, from[i])
	}
	return out, origin
}

// firstRune returns the first rune of s.
func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// onlyPageNumberRunes reports whether l is written only with the runes of a
// page number (— 3 —, 第3页, 3/12, 共12页).
func onlyPageNumberRunes(l string) bool {
	for _, r := range l {
		if !isDigit(r) && !strings.ContainsRune("-—–－~·• \t\u3000第页共/／,，", r) {
			return false
		}
	}
	return true
}

// excerpt returns the first n runes of s.
func excerpt(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "…"
}
