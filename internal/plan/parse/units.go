package parse

import (
	"regexp"
	"slices"
	"strings"
)

// Labels that open a unit group, and the role each gives.
const unitLabelPattern = `牵头单位|牵头部门|责任单位|责任部门|配合单位|配合部门|协办单位|主办单位|承办单位|参与单位|协同单位|实施单位|实施主体|责任主体|主责单位|牵头|配合|协办|主办|承办|参与`

// deadlineLabelPattern labels a deadline line or section.
const deadlineLabelPattern = `完成时限|完成时间|时间节点|时限要求|完成期限|办结时限|时间安排|进度安排`

var (
	deadlineLabelRE = regexp.MustCompile(`^(?:` + deadlineLabelPattern + `)`)
	leadNoteRE      = regexp.MustCompile(`(?:(?:排在|列在|位列|排名|排序)?(?:第一位|首位|第一个|最前面?|第一)的?(?:单位|部门)?(?:为|是)(?:牵头|主责)(?:单位|部门)|(?:牵头|主责)(?:单位|部门)(?:均|一律)?(?:排在|列在|列于|位于|排于|为)(?:第一位|首位|第一个|最前面?))`)
	restCoopNoteRE  = regexp.MustCompile(`(?:其余|其他|其它)(?:单位|部门)?(?:为|是)(?:配合|协办|参与)(?:单位|部门)`)
)

// labelWords are the unit and deadline labels.
var labelWords = wordsOf(strings.Split(unitLabelPattern+"|"+deadlineLabelPattern, "|")...)

// label is a label written before a colon: 牵头单位：.
type label struct {
	start, end int    // the label's runes
	colon      int    // the rune after the colon
	word       string // the label as written
}

// findLabels returns every label of a folded text that a colon follows
// (spaces between them allowed), the longest label ending there.
func findLabels(s scanner) []label {
	var out []label
	for i, r := range s {
		if r == ']' || r == ')' {
			// 【牵头单位】市发改委: a label in brackets of its own
			k := i
			for k > 0 && isSpace(s[k-1]) {
				k--
			}
			if st, ok := s.endsWith(k, labelWords); ok && st > 0 && (s[st-1] == '[' || s[st-1] == '(') && k-st > 2 &&
				!strings.ContainsRune("、,;。)] \n", s.at(i+1)) && i+1 < len(s) {
				out = append(out, label{start: st - 1, end: k, colon: i + 1, word: string(s[st:k])})
			}
			continue
		}
		if r != ':' {
			continue
		}
		k := i
		for k > 0 && isSpace(s[k-1]) {
			k--
		}
		if st, ok := s.endsWith(k, labelWords); ok {
			out = append(out, label{start: st, end: k, colon: i + 1, word: string(s[st:k])})
		}
	}
	return out
}

// A suffix is a convention that ends a list of units: optional words, then
// a core word, at the end of the text.
type suffix struct {
	pre  []words // optional words before the core, in the order written
	core words
	post []words // optional words after the core, in the order written
}

// The conventions that end a list of units.
var (
	// A、B等部门按职责分工负责 → units
	conventionEnd = suffix{
		pre:  []words{wordsOf("等"), wordsOf("相关", "有关"), wordsOf("部门", "单位")},
		core: wordsOf("按职责分工负责", "按照职责分工负责", "按职责负责", "按职能分工负责", "按职能职责负责", "按职责分工落实", "按职责落实", "分工负责", "分别负责", "共同负责", "负责落实", "具体负责", "负责"),
	}
	// A牵头 → lead
	leadEnd = suffix{core: wordsOf("牵头负责", "牵头抓总", "牵头落实", "牵头")}
	// B配合 → coop
	coopEnd = suffix{
		pre:  []words{wordsOf("等"), wordsOf("相关", "有关"), wordsOf("部门", "单位")},
		core: wordsOf("配合落实", "共同配合", "配合", "参与", "协同", "协助", "协办"),
	}
	// A、B等相关部门 → A、B
	trailingEtc = suffix{core: wordsOf("等"), post: []words{wordsOf("相关", "有关", "其他"), wordsOf("部门", "单位", "机构")}}
)

// at returns the rune index where the suffix starts in rs (the earliest
// start possible), or -1 when rs does not end with it.
func (x suffix) at(rs []rune) int {
	s := scanner(rs)
	end := len(rs)
	for k := len(x.post) - 1; k >= 0; k-- {
		if p, ok := s.endsWith(end, x.post[k]); ok {
			end = p
		}
	}
	st, ok := s.endsWith(end, x.core)
	if !ok {
		return -1
	}
	for k := len(x.pre) - 1; k >= 0; k-- {
		if p, ok := s.endsWith(st, x.pre[k]); ok {
			st = p
		}
	}
	return st
}

// ends reports whether s ends with the suffix.
func (x suffix) ends(s string) bool { return x.at([]rune(s)) >= 0 }

// roleOf maps a label to a role: "lead", "units", "coop" or "deadline".
func roleOf(label string) string {
	switch {
	case strings.HasPrefix(label, "牵头"), strings.HasPrefix(label, "主办"), strings.HasPrefix(label, "主责"):
		return "lead"
	case strings.HasPrefix(label, "配合"), strings.HasPrefix(label, "协办"), strings.HasPrefix(label, "参与"), strings.HasPrefix(label, "协同"):
		return "coop"
	case deadlineLabelRE.MatchString(label):
		return "deadline"
	}
	return "units"
}

// unitSuffixes are the endings of an organisation's name. They are evidence
// of shape only: a name is never recognised because it is known.
var unitSuffixes = []string{
	"局", "委", "办", "厅", "院", "会", "政府", "中心", "集团", "部", "行", "处", "队", "所", "站", "公司",
	"室", "署", "馆", "社", "司", "校", "大学", "海关", "街道", "办事处", "乡", "镇", "区", "县", "市",
	"部门", "单位", "机构", "小组", "专班", "指挥部", "台", "团", "组织", "分行", "支行", "监狱", "科", "庭", "联",
}

// unitShaped reports whether name has the shape of an organisation's name.
func unitShaped(name string) bool {
	n := runeLen(name)
	if n < 2 || n > 40 || strings.ContainsAny(name, "。，,；;：:“”\"") {
		return false
	}
	for _, bad := range []string{"以下简称", "以下称", "简称", "下同", "含", "包括"} {
		if strings.HasPrefix(name, bad) {
			return false
		}
	}
	if strings.ContainsAny(name, "由的将要把被") {
		return false
	}
	for _, s := range unitSuffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// genericUnits are references to no unit in particular; they are dropped.
var genericUnits = map[string]bool{
	"相关部门": true, "有关部门": true, "各有关部门": true, "各相关部门": true, "有关单位": true, "相关单位": true,
	"各有关单位": true, "各相关单位": true, "其他部门": true, "其他单位": true, "各成员单位": true, "成员单位": true,
	"各部门": true, "各单位": true, "相关机构": true, "有关机构": true, "各有关机构": true, "各相关机构": true,
	"其他有关部门": true, "其他相关部门": true, "其他有关单位": true, "其他相关单位": true, "其他成员单位": true,
	"有关部门和单位": true, "相关部门和单位": true, "各有关部门和单位": true, "各相关部门和单位": true,
	"有关部门单位": true, "相关部门单位": true,
}

// maxGroupRunes bounds the length of a bracket read as a unit group.
const maxGroupRunes = 1200

// group is a unit group found in an item's text.
type group struct {
	start, end int // rune span in the item text, brackets included
	g          UnitGroup
	deadlines  []string // text of 完成时限 sections
	explicit   bool     // roles were written (牵头/配合), not inferred
}

// splitTop splits s at separators outside nested brackets.
func splitTop(rs []rune, seps string) [][]rune {
	var parts [][]rune
	depth, start := 0, 0
	f := fold(rs)
	for i, r := range f {
		switch {
		case isOpen(r):
			depth++
		case isClose(r):
			if depth > 0 {
				depth--
			}
		case depth == 0 && strings.ContainsRune(seps, r):
			parts = append(parts, rs[start:i])
			start = i + 1
		}
	}
	return append(parts, rs[start:])
}

func isOpen(r rune) bool  { return r == '(' || r == '[' || r == '〈' || r == '《' }
func isClose(r rune) bool { return r == ')' || r == ']' || r == '〉' || r == '》' }

// stripNested removes bracketed content: 各区人民政府〈含开发区,下同〉 →
// 各区人民政府; it also returns the innermost texts it removed.
func stripNested(rs []rune) (string, []string) {
	var b []rune
	var removed []string
	depth, start := 0, 0
	f := fold(rs)
	for i, r := range f {
		switch {
		case isOpen(r) && r != '《':
			if depth == 0 {
				start = i
			}
			depth++
		case isClose(r) && r != '》' && depth > 0:
			depth--
			if depth == 0 {
				in := string(rs[start+1 : i])
				if adminQualifier(in) {
					b = append(b, rs[start:i+1]...) // 县（市、区）, 乡镇（街道）: part of the name
					continue
				}
				removed = append(removed, in)
			}
		case depth == 0:
			b = append(b, rs[i])
		}
	}
	return strings.TrimSpace(string(b)), removed
}

// adminDivisions are the kinds of administrative division a bracket after a
// unit's name may add to it: 各县（市、区）, 各乡镇（街道）, 各村（社区）.
var adminDivisions = map[string]bool{
	"市": true, "区": true, "县": true, "旗": true, "乡": true, "镇": true, "乡镇": true, "街道": true, "街": true,
	"园区": true, "开发区": true, "功能区": true, "管理区": true, "新区": true, "林场": true, "农场": true, "场": true,
	"社区": true, "村": true, "居": true,
}

// adminQualifier reports whether the content of a bracket lists only kinds
// of administrative division (市、区; 街道).
func adminQualifier(in string) bool {
	if in == "" {
		return false
	}
	for _, part := range strings.FieldsFunc(in, func(r rune) bool { return r == '、' || r == ',' || r == '，' }) {
		if !adminDivisions[strings.TrimSpace(part)] {
			return false
		}
	}
	return true
}

// genericUnit reports whether a name refers to no unit in particular:
// 相关部门, 县直有关单位, 各相关单位, 其他成员单位.
func genericUnit(name string) bool {
	if levelWords[name] {
		return true // what is left of 市直有关部门 once 有关部门配合 is cut (市直各 of 市直各有关部门)
	}
	for _, p := range []string{"省直", "市直", "县直", "区直", "省级", "市级", "县级", "区级", "各级", "省", "市", "县", "区", "乡", "镇"} {
		if rest := strings.TrimPrefix(name, p); rest != name && (genericUnits[rest] || genericUnits["各"+rest] || levelWords[rest]) {
			return true
		}
	}
	return genericUnits[name] || genericUnits["各"+name]
}

// levelWords are words that qualify a reference to units without naming
// one: 市直 (有关部门), 各 (相关单位).
var levelWords = map[string]bool{
	"省直": true, "市直": true, "县直": true, "区直": true, "省级": true, "市级": true, "县级": true, "区级": true,
	"各级": true, "省": true, "市": true, "县": true, "区": true, "各": true, "其他": true, "其它": true,
}

// isLabelWord reports whether name is a label (牵头单位, 责任部门), which is
// never a unit's name.
func isLabelWord(name string) bool {
	for _, w := range labelWords {
		if string(w) == name {
			return true
		}
	}
	return false
}

// cleanMember turns one listed name into a unit name: nested brackets,
// conventions and 等 removed; role marks like 市发改委(牵头) returned.
func cleanMember(rs []rune) (name, role string) {
	s, inner := stripNested(rs)
	for _, in := range inner {
		switch strings.TrimSpace(in) {
		case "牵头", "牵头单位", "主责":
			role = "lead"
		case "配合", "配合单位", "协办":
			role = "coop"
		}
	}
	s = strings.TrimSpace(strings.TrimPrefix(s, "由"))
	rn := []rune(s)
	for _, x := range []suffix{conventionEnd, leadEnd, coopEnd} {
		if x.at(rn) == 0 {
			return "", role // a role word alone: (配合)
		}
	}
	if k := conventionEnd.at(rn); k >= 0 {
		rn = rn[:k]
	}
	if k := leadEnd.at(rn); k > 0 {
		rn, role = rn[:k], "lead"
	}
	if k := coopEnd.at(rn); k > 0 {
		rn, role = rn[:k], "coop"
	}
	if k := trailingEtc.at(rn); k > 0 {
		rn = rn[:k]
	}
	s = string(rn)
	s = strings.Trim(s, " 、,，;；。")
	if genericUnit(s) {
		return "", role
	}
	return s, role
}

// members splits a list of units, keeping 各区、县（市）人民政府 whole.
func members(rs []rune) [][]rune {
	parts := splitTop(rs, "、,;")
	var out [][]rune
	for i := 0; i < len(parts); i++ {
		p := []rune(strings.TrimSpace(string(parts[i])))
		// 各区、县（市）人民政府: a bare 各区 joined with the next part.
		if n := len(p); n >= 2 && n <= 3 && p[0] == '各' && strings.ContainsRune("区县市乡镇", p[n-1]) && i+1 < len(parts) {
			nx := []rune(strings.TrimSpace(string(parts[i+1])))
			if len(nx) > 0 && strings.ContainsRune("区县市乡镇", nx[0]) {
				p = append(append(p, '、'), nx...)
				i++
			}
		}
		if len(p) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// addUnit appends name to list unless it is there already.
func addUnit(list []string, name string) []string {
	for _, x := range list {
		if x == name {
			return list
		}
	}
	return append(list, name)
}

// parseLabeled reads the content of a labelled group or line: sections
// 牵头单位:A、B;配合单位:C;完成时限:… . It returns false when no unit or
// deadline came out of it.
func parseLabeled(rs []rune) (group, bool) {
	var gr group
	locs := findLabels(fold(rs))
	if len(locs) == 0 {
		return gr, false
	}
	if pre := strings.TrimSpace(strings.Trim(string(rs[:locs[0].start]), " ;；,，")); pre != "" {
		if cg, ok := parseConvention([]rune(pre), false); ok {
			gr = cg
		}
	}
	for k, loc := range locs {
		from := loc.colon
		to := len(rs)
		if k+1 < len(locs) {
			to = locs[k+1].start
		}
		content := rs[from:to]
		role := roleOf(loc.word)
		if role == "deadline" {
			gr.deadlines = append(gr.deadlines, strings.Trim(string(content), " ;；,，。"))
			continue
		}
		gr.explicit = gr.explicit || role != "units"
		for _, m := range members(content) {
			name, mark := cleanMember(m)
			if name == "" || !labeledMemberOK(name) {
				continue
			}
			r := role
			if mark != "" {
				r, gr.explicit = mark, true
			}
			gr.add(r, name)
		}
	}
	return gr, len(gr.g.Lead)+len(gr.g.Units)+len(gr.g.Coop)+len(gr.deadlines) > 0
}

// labeledMemberOK accepts a name listed under a label unless it reads as a
// clause rather than a name.
func labeledMemberOK(name string) bool {
	n := runeLen(name)
	if n < 2 || n > 40 || isLabelWord(name) || isDeadlineText(string(fold([]rune(name)))) {
		return false // 配合单位：长期坚持 is a table read wrong, not a unit
	}
	for _, verb := range []string{"按照", "抓好", "落实", "推进", "开展", "负责", "结合", "根据"} {
		if strings.Contains(name, verb) {
			return false
		}
	}
	return !strings.ContainsAny(name, "。:：")
}

func (gr *group) add(role, name string) {
	switch role {
	case "lead":
		gr.g.Lead = addUnit(gr.g.Lead, name)
	case "coop":
		gr.g.Coop = addUnit(gr.g.Coop, name)
	default:
		gr.g.Units = addUnit(gr.g.Units, name)
	}
}

// parseConvention reads an unlabelled group: A、B等部门按职责分工负责;
// A牵头,B配合; or (bare=true) a plain list of unit-shaped names.
func parseConvention(rs []rune, bare bool) (group, bool) {
	var gr group
	clauses := splitTop(rs, ",;。")
	conv := false
	for _, c := range clauses {
		cs := strings.TrimSpace(string(c))
		if cs == "" {
			continue
		}
		fc := string(fold([]rune(cs)))
		if isDeadlineText(fc) {
			gr.deadlines = append(gr.deadlines, cs)
			continue
		}
		role := ""
		switch {
		case leadEnd.ends(fc):
			role, conv, gr.explicit = "lead", true, true
		case coopEnd.ends(fc):
			role, conv, gr.explicit = "coop", true, true
		case conventionEnd.ends(fc):
			role, conv = "units", true
		case bare:
			role = "units"
		default:
			return gr, false
		}
		for _, m := range members([]rune(cs)) {
			name, mark := cleanMember(m)
			if name == "" {
				continue
			}
			if (bare && !conv && !unitShaped(name)) || !labeledMemberOK(name) {
				return gr, false
			}
			r := role
			if mark != "" {
				r, gr.explicit = mark, true
			}
			gr.add(r, name)
		}
	}
	if !conv && !bare {
		return gr, false
	}
	return gr, len(gr.g.Lead)+len(gr.g.Units)+len(gr.g.Coop) > 0
}

// findGroups returns the unit groups of an item's text: bracketed groups
// (labelled, with a convention, or a bare list in a task's final position)
// and label lines (牵头单位:… to the end of the line or sentence).
func findGroups(rs []rune) []group {
	f := fold(rs)
	var out []group
	depth, start := 0, -1
	for i, r := range f {
		switch {
		case isOpen(r) && r != '《':
			if depth == 0 {
				start = i
			}
			depth++
		case isClose(r) && r != '》' && depth > 0:
			depth--
			if depth != 0 || start < 0 {
				continue
			}
			if i-start > maxGroupRunes {
				start = -1
				continue // a unit group is a short list, not a page
			}
			inner := rs[start+1 : i]
			fi := string(f[start+1 : i])
			var gr group
			ok := false
			if strings.Index(fi, ":") < 40 && len(findLabels(f[start+1:i])) > 0 {
				gr, ok = parseLabeled(inner)
			} else if !adminQualifier(string(inner)) { // 各乡镇（街道）: part of a name
				gr, ok = parseConvention(inner, false)
				if !ok && finalPosition(f, start, i) {
					gr, ok = parseConvention(inner, true)
				}
			}
			if ok {
				gr.start, gr.end = start, i+1
				gr.g.Source = string(rs[start : i+1])
				out = append(out, gr)
			}
			start = -1
		}
	}
	// Label lines and sentences outside brackets: a label at the start of
	// the text, a line or a sentence, to the end of its line or sentence.
	sc := scanner(f)
	next := 0 // where the last label sentence ended
	var lines [][2]int
	brackets, bi := len(out), 0 // the bracket groups (in order) and the first not ended
	for _, l := range findLabels(sc) {
		k, sep := l.start, -1 // sep: the last separator before the label
		for k > 0 && isSpace(f[k-1]) {
			if f[k-1] == '\n' && sep < 0 {
				sep = k - 1
			}
			k--
		}
		if sep < 0 && k > 0 && (f[k-1] == '。' || f[k-1] == ';') {
			sep = k - 1
		}
		if !(sep >= next || (sep < 0 && k == 0 && next == 0)) {
			continue // not at a line's or sentence's start, or inside the last label sentence
		}
		s, e := l.start, l.colon
		for e < len(f) && f[e] != '\n' && f[e] != '。' {
			e++
		}
		next = e
		for bi < brackets && out[bi].end <= s {
			bi++
		}
		if e-s > maxGroupRunes || (bi < brackets && out[bi].start <= s) {
			continue // too long, or inside a bracket group
		}
		gr, ok := parseLabeled(rs[s:e])
		if !ok {
			continue
		}
		gr.start, gr.end = s, e
		gr.g.Source = string(rs[s:e])
		out = append(out, gr)
		lines = append(lines, [2]int{s, e})
	}
	// A closing sentence made only of role clauses (县司法局牵头，各乡镇人民
	// 政府配合，长期坚持。) names the units as a bracket would.
	if gr, ok := closingSentence(rs, f); ok && (len(out) == 0 || out[len(out)-1].end <= gr.start) {
		out = append(out, gr)
	}
	// a bracket inside a label line belongs to it
	li := 0
	kept := out[:0]
	for k, g := range out {
		if k < brackets {
			for li < len(lines) && lines[li][1] < g.end {
				li++
			}
			if li < len(lines) && g.start > lines[li][0] && g.end <= lines[li][1] {
				continue
			}
		}
		kept = append(kept, g)
	}
	out = kept
	slices.SortStableFunc(out, func(a, b group) int { return a.start - b.start })
	return out
}

// closingSentence reads the last sentence of an item's text as a unit
// group when every clause of it is a role clause (A牵头, B配合, C负责) or a
// deadline, with one role clause at least — never a sentence that also
// says what to do (由A牵头，会同B制定细则).
func closingSentence(rs, f []rune) (group, bool) {
	end := len(f)
	for end > 0 && (isSpace(f[end-1]) || f[end-1] == '。') {
		end--
	}
	start := end
	for start > 0 && f[start-1] != '。' && f[start-1] != '\n' && !isClose(f[start-1]) {
		start--
	}
	if start == 0 || end-start < 4 || end-start > maxGroupRunes {
		return group{}, false // the whole text is one sentence: the task itself
	}
	for _, r := range f[start:end] {
		if isOpen(r) || isClose(r) || r == ':' {
			return group{}, false
		}
	}
	gr, ok := parseConvention(rs[start:end], false)
	if !ok || !gr.explicit && len(gr.g.Units) == 0 {
		return group{}, false
	}
	gr.start, gr.end = start, end
	gr.g.Source = string(rs[start:end])
	return gr, true
}

// finalPosition reports whether the bracket f[open..close] closes a
// sentence: after a sentence end, or followed by one, a newline or the end.
func finalPosition(f []rune, open, close int) bool {
	before := rune(0)
	for k := open - 1; k >= 0; k-- {
		if f[k] != ' ' {
			before = f[k]
			break
		}
	}
	after := rune(0)
	for k := close + 1; k < len(f); k++ {
		if f[k] != ' ' {
			after = f[k]
			break
		}
	}
	return before == '。' || before == ';' || before == 0 || before == '\n' ||
		after == '。' || after == ';' || after == 0 || after == '\n'
}

// note is a document-level convention on how unit groups are read.
type note struct {
	line     int  // 1-based line in the cleaned text
	restCoop bool // 其余为配合单位
}

// findNotes finds 排在第一位的为牵头单位 notes anywhere in the document.
func findNotes(d *docLines) []note {
	var ns []note
	for i, l := range d.all {
		if (strings.Contains(l, "牵头") || strings.Contains(l, "主责")) && leadNoteRE.MatchString(l) {
			ns = append(ns, note{line: i + 1, restCoop: restCoopNoteRE.MatchString(l)})
		}
	}
	return ns
}
