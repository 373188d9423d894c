package parse

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Marker kinds. Their nesting is not fixed: a kind's level is decided by
// where it first appears under the kinds open at that point.
const (
	kindCN          = iota + 1 // 一、
	kindCNParen                // (一)
	kindNum                    // 1.  1、  1．
	kindNumParen               // (1)  ⑴
	kindCircle                 // ①
	kindNumHalf                // 1)
	kindChapter                // 第一章
	kindSection                // 第一节
	kindArticle                // 第一条
	kindPart                   // 第一部分
	kindLetterParen            // (a)
	kindLetterHalf             // a)
)

// strongKind reports whether a marker of kind k is never running text when
// it starts a line (Chinese numerals), so a gap in its numbering is a gap in
// the document, not a false heading.
func strongKind(k int) bool {
	return k == kindCN || k == kindCNParen || k == kindChapter || k == kindSection || k == kindPart || k == kindArticle
}

// marker is a heading number found in the text.
type marker struct {
	kind int
	num  int
	size int // runes the marker occupies
}

// markerAt recognises a heading number at f[i:] (folded runes).
func markerAt(f []rune, i int) *marker {
	if i >= len(f) {
		return nil
	}
	r := f[i]
	next := func(j int) rune {
		if j < len(f) {
			return f[j]
		}
		return 0
	}
	readCN := func(j int) (int, int) {
		k := j
		for k < len(f) && k-j < 4 && isCNNumeralRune(f[k]) {
			k++
		}
		if k == j {
			return 0, j
		}
		return parseChineseNumber(string(f[j:k])), k
	}
	readDigits := func(j int) (int, int) {
		n, k := 0, j
		for k < len(f) && k-j < 3 && f[k] >= '0' && f[k] <= '9' {
			n = n*10 + int(f[k]-'0')
			k++
		}
		if k < len(f) && f[k] >= '0' && f[k] <= '9' { // four digits: a year, not a heading
			return 0, j
		}
		return n, k
	}
	// after a number, a heading continues with text, not another number
	textFollows := func(j int) bool {
		for j < len(f) && f[j] == ' ' {
			j++
		}
		if j >= len(f) {
			return true
		}
		c := f[j]
		return !(c >= '0' && c <= '9') && c != '%' && c != '.' && c != '、' && c != ',' && c != ')' && c != '-' && c != '~'
	}
	switch {
	case r >= '①' && r <= '⑳':
		return &marker{kind: kindCircle, num: int(r-'①') + 1, size: 1}
	case r >= '⑴' && r <= '⒇':
		return &marker{kind: kindNumParen, num: int(r-'⑴') + 1, size: 1}
	case r >= '⒈' && r <= '⒛':
		return &marker{kind: kindNum, num: int(r-'⒈') + 1, size: 1}
	case r == '(':
		if n, k := readCN(i + 1); n > 0 && next(k) == ')' {
			return &marker{kind: kindCNParen, num: n, size: k + 1 - i}
		}
		if n, k := readDigits(i + 1); n > 0 && next(k) == ')' && textFollows(k+1) {
			return &marker{kind: kindNumParen, num: n, size: k + 1 - i}
		}
		if n := letterNumber(next(i + 1)); n > 0 && next(i+2) == ')' && textFollows(i+3) && !isASCIIAlnum(next(i+3)) {
			return &marker{kind: kindLetterParen, num: n, size: 3}
		}
	case letterNumber(r) > 0 && next(i+1) == ')' && textFollows(i+2) && !isASCIIAlnum(next(i+2)) && (i == 0 || !isASCIIAlnum(f[i-1])):
		return &marker{kind: kindLetterHalf, num: letterNumber(r), size: 2}
	case r >= '0' && r <= '9':
		n, k := readDigits(i)
		if n == 0 || n > 999 {
			return nil
		}
		switch next(k) {
		case '.', '、':
			if textFollows(k + 1) {
				return &marker{kind: kindNum, num: n, size: k + 1 - i}
			}
		case ')':
			if textFollows(k + 1) {
				return &marker{kind: kindNumHalf, num: n, size: k + 1 - i}
			}
		}
	case r == '第':
		n, k := readCN(i + 1)
		if n == 0 {
			n, k = readDigits(i + 1)
		}
		if n == 0 {
			return nil
		}
		kinds := map[rune]int{'章': kindChapter, '节': kindSection, '条': kindArticle}
		if kd, ok := kinds[next(k)]; ok && next(k+1) != '、' && next(k+1) != ',' {
			return &marker{kind: kd, num: n, size: k + 1 - i}
		}
		if next(k) == '部' && next(k+1) == '分' {
			return &marker{kind: kindPart, num: n, size: k + 2 - i}
		}
	case isCNNumeralRune(r):
		n, k := readCN(i)
		if n > 0 && n < 100 && (next(k) == '、' || (next(k) == '.' && !unicode.IsDigit(next(k+1)))) && next(k+1) != '是' {
			return &marker{kind: kindCN, num: n, size: k + 1 - i}
		}
	}
	return nil
}

// letterNumber is the number of a list letter, a → 1 (A → 1), or 0.
func letterNumber(r rune) int {
	switch {
	case r >= 'a' && r <= 'z':
		return int(r-'a') + 1
	case r >= 'A' && r <= 'Z':
		return int(r-'A') + 1
	}
	return 0
}

// startMarker returns the marker a line starts with, or nil.
func startMarker(line string) *marker {
	rs := []rune(line)
	if len(rs) > 12 {
		rs = rs[:12]
	}
	return markerAt(fold(rs), 0)
}

// isLabelLine reports whether folded text starts with a unit or deadline
// label and its colon: 牵头单位：…
func isLabelLine(f []rune) bool {
	s := scanner(f)
	for _, w := range labelWords {
		if j, ok := s.word(0, w); ok {
			for isSpace(s.at(j)) {
				j++
			}
			if s.at(j) == ':' || s.at(j) == '：' {
				return true
			}
		}
	}
	return false
}

// rawItem is an item while the structure stage reads it.
type rawItem struct {
	marker string
	path   []int
	line   int
	text   []rune
	lines  int // lines of the source that went into text
	para   int // where the current paragraph of text starts
	part   int // the part of the document
}

// structurer keeps the open heading levels while reading the body.
type structurer struct {
	stack   []marker
	lastNum map[int]int  // the last number seen of each kind, for numbering continued across sections
	known   map[int]bool // kinds seen at the start of a line
	items   []rawItem
	gaps    int // gaps in the numbering seen
	part    int // the part of the document being read
	p       *Plan
}

// place decides where marker m goes: the stack index it takes (siblings
// replace, children push), or ok=false when m is running text.
func (s *structurer) place(m *marker, lineStart, afterEnd bool) (int, bool) {
	for i := len(s.stack) - 1; i >= 0; i-- {
		if s.stack[i].kind != m.kind {
			continue
		}
		if m.num == s.stack[i].num+1 {
			return i, true
		}
		if lineStart && (strongKind(m.kind) || afterEnd) && m.num > s.stack[i].num {
			s.warn(m, s.stack[i].num+1)
			return i, true
		}
		return 0, false
	}
	if m.num == 1 || m.num == s.lastNum[m.kind]+1 {
		if !lineStart && !s.known[m.kind] {
			return 0, false
		}
		return len(s.stack), true
	}
	if lineStart && (strongKind(m.kind) || afterEnd) && m.num > s.lastNum[m.kind] {
		s.warn(m, s.lastNum[m.kind]+1)
		return len(s.stack), true
	}
	return 0, false
}

// maxGapWarnings bounds the warnings about gaps in the numbering; the rest
// are counted in one.
const maxGapWarnings = 20

func (s *structurer) warn(m *marker, want int) {
	s.gaps++
	if s.gaps <= maxGapWarnings {
		s.p.Warnings = append(s.p.Warnings, fmt.Sprintf("编号不连续：在应为第 %d 项处出现第 %d 项（已按原文编号）", want, m.num))
	}
}

// open starts a new item for marker m placed at stack index at.
func (s *structurer) open(m *marker, at int, markerText string, line int) {
	s.stack = append(s.stack[:at], *m)
	s.lastNum[m.kind] = m.num
	path := make([]int, len(s.stack))
	for i, f := range s.stack {
		path[i] = f.num
	}
	s.items = append(s.items, rawItem{marker: markerText, path: path, line: line, part: s.part})
}

// isTerminator reports whether a folded rune ends a sentence or a clause
// after which a new heading may follow on the same line.
func isTerminator(r rune) bool {
	return r == '。' || r == ';' || r == ':' || r == '!' || r == '?' || r == '！' || r == '？'
}

// structure reads the body lines into items.
func structure(d *docLines, p *Plan) []Item {
	s := &structurer{lastNum: map[int]int{}, known: map[int]bool{}, p: p}
	prevEnd := true
	nextPart := 1
	for li, line := range d.lines {
		if nextPart < len(d.parts) && d.parts[nextPart].at == li {
			s.part = nextPart
			nextPart++
		}
		if d.reset[li] {
			s.stack = s.stack[:0]
			clear(s.lastNum)
		}
		rs := []rune(line)
		f := fold(rs)
		pos := 0
		if m := markerAt(f, 0); m != nil {
			if at, ok := s.place(m, true, prevEnd); ok {
				s.known[m.kind] = true
				s.open(m, at, string(rs[:m.size]), d.lineNo[li])
				pos = m.size
				for pos < len(f) && f[pos] == ' ' {
					pos++
				}
			}
		}
		if pos == 0 && len(s.items) > 0 {
			from := len(s.items[len(s.items)-1].text)
			s.appendLine(rs, f)
			s.splitRunTogether(from, d.lineNo[li])
		} else if len(s.items) > 0 {
			it := &s.items[len(s.items)-1]
			it.text = append(it.text, rs[pos:]...)
			it.lines++
			s.splitRunTogether(0, d.lineNo[li])
		}
		if len(f) > 0 {
			prevEnd = isTerminator(f[len(f)-1]) || f[len(f)-1] == ')' || f[len(f)-1] == ']'
		}
	}
	if s.gaps > maxGapWarnings {
		p.Warnings = append(p.Warnings, fmt.Sprintf("另有 %d 处编号不连续（已按原文编号）", s.gaps-maxGapWarnings))
	}
	items := make([]Item, len(s.items))
	for i, r := range s.items {
		items[i] = Item{Path: r.path, Marker: r.marker, Text: string(r.text), Line: r.line, part: r.part}
	}
	return items
}

// appendLine adds a continuation line to the current item: joined directly
// when the previous line broke mid-sentence (a PDF line), after a newline
// when it ended a paragraph, was a heading line, or the new line is a label.
func (s *structurer) appendLine(rs, f []rune) {
	it := &s.items[len(s.items)-1]
	sep := false
	if len(it.text) > 0 {
		last := foldRune(it.text[len(it.text)-1])
		switch {
		case isTerminator(last):
			sep = true
		case isLabelLine(f[:min(len(f), 12)]):
			sep = true
		case it.lines <= 1 && len(it.text) <= 40 && !strings.ContainsRune(string(it.text), '。'):
			sep = true // a heading line
		case isLabelLine(fold(it.text[it.para:min(len(it.text), it.para+12)])):
			sep = true // a label line ends at its line's end
		}
	}
	if sep {
		it.text = append(it.text, '\n')
		it.para = len(it.text)
	} else if len(it.text) > 0 && isASCIIAlnum(it.text[len(it.text)-1]) && len(rs) > 0 && isASCIIAlnum(rs[0]) && !unicode.IsDigit(rs[0]) {
		it.text = append(it.text, ' ')
	}
	it.text = append(it.text, rs...)
	it.lines++
}

// splitRunTogether splits headings run together on one line: "…负责)12.优化
// 工业产品管理制度。" becomes a new item when 12 is the number expected next.
// It reads the text added from rune from on once, whatever the number of
// headings in it.
func (s *structurer) splitRunTogether(from, lineNo int) {
	first := len(s.items) - 1
	base := max(0, from-1)
	src := s.items[first].text[base:]
	f := fold(src)
	seg := -1 // where the text of the last item opened here starts in src
	minK := 1
	for k := 1; k < len(f); k++ {
		if k < minK {
			continue
		}
		prev := f[k-1]
		if !(prev == '。' || prev == ')' || prev == ']' || prev == ';') {
			continue // line starts were judged already
		}
		m := markerAt(f, k)
		if m == nil {
			continue
		}
		at, ok := s.place(m, false, true)
		if !ok {
			continue
		}
		if seg < 0 {
			s.items[first].text = s.items[first].text[:base+k]
		} else {
			s.items[len(s.items)-1].text = append([]rune(nil), src[seg:k]...)
		}
		s.open(m, at, string(src[k:k+m.size]), lineNo)
		s.items[len(s.items)-1].lines = 1
		seg = k + m.size
		minK = seg + 1
	}
	if seg >= 0 {
		s.items[len(s.items)-1].text = append([]rune(nil), src[seg:]...)
	}
}

// runeLen is the number of runes in s.
func runeLen(s string) int { return utf8.RuneCountInString(s) }
