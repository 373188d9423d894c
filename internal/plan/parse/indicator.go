package parse

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// measureUnits are the units of measure a target may carry, longest first.
var measureUnits = func() []string {
	us := []string{
		"个工作日", "工作日", "个百分点", "百分点", "个月", "人次", "家次", "户次", "件次", "场次", "平方米", "平方公里", "立方米", "立方",
		"公里", "千米", "千瓦时", "千瓦", "兆瓦", "小时", "分钟", "公顷", "家", "个", "名", "人", "亩", "吨", "件", "场", "次", "天",
		"元", "台", "套", "项", "条", "所", "座", "栋", "辆", "批", "户", "张", "份", "篇", "种", "支", "期", "班", "宗", "笔", "位",
		"倍", "%", "‰", "米", "床", "间", "单", "例", "起", "部", "本", "册", "款", "处", "级",
	}
	sort.SliceStable(us, func(i, j int) bool { return len([]rune(us[i])) > len([]rune(us[j])) })
	return us
}()

// The words that may follow a number.
var (
	wMultiplier   = wordsOf("万亿", "亿", "万", "千")
	wMeasureUnits = wordsOf(measureUnits...)
	wBound        = wordsOf("以上", "以下", "以内", "左右", "及以上")
	wBoundAfter   = wordsOf("以上", "以下", "以内", "及以上")
	wOver         = wordsOf("余", "多")
	wEventAfter   = wordsOf("后", "出台", "印发", "发布", "收到", "受理", "接到", "签订", "发生", "启动", "下达", "立案")
)

// maxClauseRunes bounds how far before a number its clause is read.
const maxClauseRunes = 120

// timeUnits are the units of a time limit.
var timeUnits = map[string]bool{"个工作日": true, "工作日": true, "日": true, "天": true, "小时": true, "分钟": true, "个月": true}

// quantity is a number the scanner found with what follows it:
// 1.85万家以上 → num 1.85, mult 万, unit 家, tail 以上.
type quantity struct {
	start, end            int
	num                   string
	mult, unit, sub, tail string // sub: a bracketed qualifier of the unit, 家(次)
	over                  bool   // 800万余篇, 10多家: more than the number
}

// quantityAt reads a quantity at i: a decimal number, then optionally
// 万/亿/千, a unit of measure, a bracketed qualifier of one or two Han
// characters, and 以上/以下/以内/左右.
func quantityAt(s scanner, i int) quantity {
	q := quantity{start: i}
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if s.at(j) == '.' && isDigit(s.at(j+1)) {
		for j++; j < len(s) && isDigit(s[j]); j++ {
		}
	}
	q.num = string(s[i:j])
	if e, ok := s.oneOf(j, wMultiplier); ok {
		q.mult, j = string(s[j:e]), e
	}
	if e, ok := s.oneOf(j, wOver); ok {
		if u, ok := s.oneOf(e, wMeasureUnits); ok {
			q.over, q.unit, j = true, string(s[e:u]), u
		}
	}
	if e, ok := s.oneOf(j, wMeasureUnits); ok && q.unit == "" {
		q.unit, j = string(s[j:e]), e
	}
	if s.at(j) == '(' {
		for n := 2; n >= 1; n-- {
			if s.at(j+n+1) != ')' {
				continue
			}
			han := true
			for k := j + 1; k <= j+n; k++ {
				han = han && unicode.Is(unicode.Han, s.at(k))
			}
			if han {
				q.sub, j = string(s[j+1:j+n+1]), j+n+2
				break
			}
		}
	}
	if e, ok := s.oneOf(j, wBound); ok {
		q.tail, j = string(s[j:e]), e
	}
	q.end = j
	return q
}

// opWords are the comparison words before a number, with the legal
// convention of Chinese documents (民法典第1259条: 以上、以下、以内 include the
// number; 超过、不满 do not).
var opWords = func() [][2]string {
	w := [][2]string{
		{"突破", ">"}, {"超过", ">"}, {"超", ">"}, {"高于", ">"}, {"多于", ">"}, {"大于", ">"}, {"逾", ">"},
		{"达到", ">="}, {"达", ">="}, {"不低于", ">="}, {"不少于", ">="}, {"不小于", ">="}, {"扩大到", ">="}, {"扩大至", ">="},
		{"增至", ">="}, {"增加到", ">="}, {"增加至", ">="}, {"提高到", ">="}, {"提高至", ">="}, {"提升到", ">="}, {"提升至", ">="},
		{"增长到", ">="}, {"增长至", ">="}, {"至少", ">="}, {"达到或超过", ">="}, {"至", ">="},
		{"不超过", "<="}, {"不高于", "<="}, {"不多于", "<="}, {"不大于", "<="}, {"控制在", "<="}, {"压缩至", "<="}, {"压缩到", "<="},
		{"压减至", "<="}, {"压减到", "<="}, {"降至", "<="}, {"降到", "<="}, {"降低至", "<="}, {"降低到", "<="}, {"下降至", "<="},
		{"下降到", "<="}, {"缩短至", "<="}, {"缩短到", "<="}, {"减少到", "<="}, {"减少至", "<="}, {"减至", "<="}, {"缩减至", "<="}, {"最多", "<="}, {"最高", "<="}, {"最低", ">="},
		{"低于", "<"}, {"少于", "<"}, {"不满", "<"}, {"小于", "<"}, {"不足", "<"},
		{"保持在", "=="}, {"保持", "=="}, {"为", "=="},
	}
	sort.SliceStable(w, func(i, j int) bool { return len(w[i][0]) > len(w[j][0]) })
	return w
}()

// growthVerbs start a name that counts additions (新增民营企业10万家 is at least 10万).
var growthVerbs = []string{"新增", "培育"}

// nameFillers are words that open a clause but are not part of what is measured.
var nameFillers = []string{"其中", "力争", "确保", "争取", "努力", "全年", "年内", "同时", "以及", "并", "及", "和", "使", "推动", "实现", "累计实现", "做到", "即"}

// leadingYearRE is a time that opens a clause (2025年底前, 到2027年,
// 9月底前, 2025年6月前): when a target is due, not what it measures.
var leadingYearRE = regexp.MustCompile(`^(?:到|至|在|于)?(?:\d{4}年(?:\d{1,2}月)?|\d{1,2}月)(?:底|末|份)?(?:前|以前)?`)

// jiCompounds are words in which 即 does not mean "namely" (免申即享, 立即):
// a name is not cut after them.
var jiCompounds = []string{"即享", "即办", "即时", "即审", "即申", "即批", "即领", "即可", "立即", "随即", "当即"}

// lookbackOps are the comparison words that may stand before the thing a
// target is compared with: 租金不高于同地段市场租金85%, 覆盖面扩大到全市13个区.
// Single characters (为, 达, 超, 至) are too common to be read at a distance.
var lookbackOps = func() []opWord {
	var out []opWord
	for _, w := range opWords {
		if runeLen(w[0]) >= 2 && w[1] != "==" && !strings.HasPrefix(w[0], "最") {
			out = append(out, opWord{[]rune(w[0]), w[1]})
		}
	}
	return out
}()

// opWord is a comparison word and its op.
type opWord struct {
	word []rune
	op   string
}

// grantWords say that a sentence grants money: an amount after them in the
// sentence is what a policy pays (给予一次性奖励50万元; 按投资额的10%给予补助，
// 最高不超过500万元), not a target.
var grantWords = []string{"给予", "奖励", "补助", "补贴", "资助", "贴息", "奖补", "扶持资金"}

// grantLookback bounds how far back in its sentence an amount looks for a
// grant word, so that a text of one endless sentence stays linear.
const grantLookback = 80

// moneyUnits are the units of amounts of money.
var moneyUnits = map[string]bool{"元": true, "万元": true, "亿元": true}

// grantAmount reports whether the sentence before an amount grants money.
func grantAmount(before string) bool {
	for _, w := range grantWords {
		if strings.Contains(before, w) {
			return true
		}
	}
	return false
}

// factMarkers open a clause that states a fact rather than a target
// (截至2023年底, 目前全市…, 已有…, 去年…); 截至 and 目前 anywhere in it.
var factMarkers = []string{"截至", "目前", "现有", "已有", "已达", "已经", "已", "去年", "上年", "全市现有", "全区现有", "全县现有"}

// findIndicators returns the quantitative targets in rs.
func findIndicators(rs []rune) []Indicator {
	f := fold(rs)
	// quotes: numbers inside “…” are names (“三个100%”, “3+N”)
	inQuote := make([]bool, len(f))
	q := false
	for i, r := range f {
		if r == '“' || r == '「' {
			q = true
		}
		inQuote[i] = q
		if r == '”' || r == '」' {
			q = false
		}
	}
	sc := scanner(f)
	marks := &textMarks{f: f, quoted: inQuote, factAt: -1}
	var out []Indicator
	prevEnd, prevUnit := -1, ""
	for i := 0; i < len(f); {
		if !isDigit(f[i]) {
			i++
			continue
		}
		qt := quantityAt(sc, i)
		i = qt.end
		s, e := qt.start, qt.end
		mult, unit, tail := qt.mult, qt.unit, qt.tail
		if unit == "" && mult == "" {
			continue
		}
		if inQuote[s] {
			continue
		}
		if s > 0 {
			if p := f[s-1]; p == '.' || p == '+' || p == '第' || p == '前' || p == '-' || p == '/' || isASCIIAlnum(p) {
				continue
			}
		}
		limited := false
		// 1个工作日内办结: a time limit promised, unless it follows an event
		// (出台后10日内: a deadline)
		if tail == "" && timeUnits[unit] && sc.at(e) == '内' {
			if _, ev := sc.endsWith(s, wEventAfter); ev {
				continue
			}
			tail, e, limited = "以内", e+1, true
		}
		// the clause: back to the nearest separator outside quotes
		marks.upTo(s)
		if moneyUnits[unit] && grantAmount(string(f[max(marks.sentence, s-grantLookback):s])) {
			continue // 给予一次性奖励50万元, 最高不超过500万元: what a policy pays, not a target
		}
		cs := marks.clause
		clauseSep := rune(0)
		if cs > 0 {
			clauseSep = f[cs-1]
		}
		// a name starts after an earlier target of the same clause
		// (组织培训会6场和参加活动不少于2次)
		ns := cs
		if prevEnd > cs && prevEnd <= s {
			ns = prevEnd
			for _, c := range []string{"以及", "和", "及", "并", "、"} {
				if k, ok := sc.word(ns, []rune(c)); ok {
					ns = k
					break
				}
			}
		}
		if s-ns > maxClauseRunes {
			ns = s - maxClauseRunes // no clause runs that long: text without punctuation
		}
		fprefix := string(f[ns:s])
		if fact(fprefix, marks.factAt >= min(marks.sentence, cs)) {
			continue
		}
		// the comparison word right before the number
		op, opLen := "", 0
		for _, w := range opWords {
			if strings.HasSuffix(fprefix, w[0]) {
				op, opLen = w[1], runeLen(w[0])
				break
			}
		}
		nameEnd := s - opLen // the thing measured ends here
		// else one earlier in the clause, with no number between
		verbAfterOp := "" // 至少|举办|1次宣讲会: a counting verb between the word and the number
		if op == "" {
			if k, end, w := lookbackOp(f[ns:s], inQuote[ns:s]); k >= 0 {
				op, nameEnd = w, ns+k
				if between := string(f[ns+end : s]); slices.Contains(countVerbs, between) {
					verbAfterOp = string(rs[ns+end : s])
				}
			}
		}
		object := ""       // 新增20个集成办事项: the counted thing follows the number
		examplesVerb := "" // the verb of a list of examples before the count
		if e < len(f) {
			if n := f[e]; (unicode.Is(unicode.Han, n) && n != '和' && n != '及') || isASCIIAlnum(n) || n == '+' || n == '“' || n == '(' {
				listed := "" // the verb opening a list of counts this one continues
				if op == "" && clauseSep == '、' {
					listed = listVerb(f, marks.list, cs)
				}
				carried := listed != ""
				obj, bound, ok := countedObject(rs, f, e, string(f[max(0, s-4):s]), carried || limited || op != "", tail)
				switch {
				case ok:
					object, e = obj, e+runeLen(obj)
					if carried && strings.HasSuffix(fprefix, "等") {
						// 推出企业开办、员工招聘等20个“一件事”: examples of what is counted
						examplesVerb = listed
					}
					if bound != "" {
						tail, e = bound, e+runeLen(bound)
					}
				case tail != "" && tail != "左右" && s > 0 && f[s-1] == '的' && n != '的' && n != '之':
					// 预算总额的40%以上专门面向…: a share with its bound
				case opLen > 0 && unit == "%" && n == '的':
					// 安排不少于10%的新增建设用地指标用于民营企业项目: a share of what follows
					k := e + 1
					for k < len(f) && k-e <= 24 && !strings.ContainsRune(",;。:、!?\n()", f[k]) {
						k++
					}
					if k-e > 24 {
						continue
					}
					object = string(rs[e+1 : k])
				default:
					continue // 15分钟服务圈, 1000万元以上的项目: a modifier, not a target
				}
			}
		}
		name := cleanIndicatorName(string(rs[ns:nameEnd]))
		if opLen > 0 || nameEnd == s {
			name += object
		} else if verbAfterOp != "" && object != "" {
			name = verbAfterOp + object // 每季度至少举办1次惠企政策宣讲会: 举办惠企政策宣讲会
		}
		if examplesVerb != "" {
			name = examplesVerb + object // 推出“一件事”集成服务
		}
		written := cleanIndicatorName(string(rs[ns:s-opLen])) + string(rs[s-opLen:e])
		verb := ""
		for _, v := range growthVerbs {
			if strings.HasPrefix(name, v) {
				verb = v
			}
		}
		if verb == "" && op == "" && clauseSep == '、' && (unit == prevUnit || object != "") {
			// 新增中试平台30家、科技成果转化中心10家: the verb carries over the list
			if verb = listVerb(f, marks.list, cs); verb != "" && !strings.HasPrefix(name, verb) {
				name = verb + name
			}
		}
		switch tail {
		case "以上", "及以上":
			if op == "" || op == "==" {
				op = ">="
			}
		case "以下", "以内":
			if op != "<" {
				op = "<="
			}
		case "左右":
			op = "==" // about: the target itself
		}
		if op == "" && qt.over {
			op = ">" // 800万余篇: more than
		}
		if op == "" {
			// A quantity without a comparison word is a target to reach
			// (举办活动40场, 增速25%); equality is written (为, 保持, 等于).
			op = ">="
		}
		value, ok := scaledValue(qt.num, mult)
		if !ok {
			continue
		}
		if unit == "立方" {
			unit = "立方米"
		}
		unit += qt.sub
		out = append(out, Indicator{
			Text:  written,
			Name:  name,
			Op:    op,
			Value: value,
			Unit:  unit,
		})
		prevEnd, prevUnit = e, unit
	}
	return out
}

// fact reports whether a clause states a fact rather than a target; inFact
// says its sentence holds 截至 or 目前.
func fact(clause string, inFact bool) bool {
	if inFact {
		return true
	}
	for _, w := range factMarkers {
		if strings.HasPrefix(clause, w) {
			return true
		}
	}
	return false
}

// textMarks keeps, while a text is read left to right, where the current
// clause, list (clauses joined by 、) and sentence start and where 截至 or 目前
// was last written — so finding them costs nothing per number, however long
// a clause runs.
type textMarks struct {
	f                      []rune
	quoted                 []bool
	at                     int // runes read
	clause, list, sentence int
	factAt                 int // where 截至/目前 was last written, -1
}

// upTo reads the text up to rune s.
func (m *textMarks) upTo(s int) {
	for ; m.at < s; m.at++ {
		c := m.f[m.at]
		if (c == '截' && m.at+1 < len(m.f) && m.f[m.at+1] == '至') || (c == '目' && m.at+1 < len(m.f) && m.f[m.at+1] == '前') {
			if m.at+1 < s {
				m.factAt = m.at
			}
		}
		if strings.ContainsRune("。;!?\n", c) {
			m.sentence = m.at + 1
		}
		if m.quoted[m.at] {
			continue
		}
		if strings.ContainsRune(",;。:、!?\n()[]", c) {
			m.clause = m.at + 1
			if c != '、' {
				m.list = m.at + 1
			}
		}
	}
}

// lookbackOp finds the last comparison word of a clause's text before a
// number with no other number after it: the rune index where the word
// starts and its op, or -1.
func lookbackOp(f []rune, quoted []bool) (int, int, string) {
	s := scanner(f)
	at, end, op := -1, -1, ""
	for k := len(f) - 1; k >= 0 && k >= end-4; k-- {
		if isDigit(f[k]) {
			break
		}
		if quoted[k] {
			continue
		}
		for _, w := range lookbackOps {
			// the word ending last wins, the longest of those (不高于, not 高于)
			if e, ok := s.word(k, w.word); ok && (e > end || (e == end && k < at)) {
				at, end, op = k, e, w.op
			}
		}
	}
	return at, end, op
}

// listVerb returns the counting verb that opens a list of counts joined by
// 、 — 新增中试平台30家、科技成果转化中心10家 — for a count whose clause
// starts at rune cs of f, in a list starting at ls; or "".
func listVerb(f []rune, ls, cs int) string {
	first := string(f[ls:min(cs, ls+24)])
	for changed := true; changed; {
		changed = false
		if loc := leadingYearRE.FindStringIndex(first); loc != nil && loc[1] > 0 {
			first, changed = first[loc[1]:], true
		}
		for _, w := range []string{"其中", "力争", "确保", "争取", "努力", "全年", "年内", "同时", "并", "累计"} {
			if strings.HasPrefix(first, w) {
				first, changed = first[len(w):], true
			}
		}
	}
	for _, v := range countVerbs {
		if strings.HasPrefix(first, v) {
			return v
		}
	}
	return ""
}

// countVerbs put a count before what they count: 新增20个集成办事项.
var countVerbs = []string{"新增", "推出", "培育", "建成", "新建", "引进", "承办", "举办", "组织", "开展", "打造", "建设", "完成", "发布", "设立", "创建", "认定", "提供", "投用", "支持", "推动", "实现", "服务", "惠及", "编制", "出台", "招引", "引育", "选树", "评选", "建立"}

// countedObject returns the noun after a count (20个|集成办事项) when a verb
// stands right before the number (or compared says the clause compares it,
// or carries a counting verb over a list), the noun ends the clause and
// holds no number; or a short noun before a bound (2个|国别|以上), which
// makes the count a target whatever the verb.
func countedObject(rs, f []rune, e int, before string, compared bool, tail string) (object, bound string, ok bool) {
	if tail == "" {
		k := e
		for k < len(f) && k-e < 4 && unicode.Is(unicode.Han, f[k]) {
			if j, ok := scanner(f).oneOf(k, wBoundAfter); ok && k > e {
				return string(rs[e:k]), string(f[k:j]), true
			}
			k++
		}
	}
	verb := compared
	for _, v := range countVerbs {
		if strings.HasSuffix(before, v) {
			verb = true
			break
		}
	}
	if !verb || f[e] == '的' {
		return "", "", false // 超过1000万元的技改项目: a threshold of what follows
	}
	k := e
	for k < len(f) && k-e <= 12 && !strings.ContainsRune(",;。:、!?\n()", f[k]) {
		if f[k] >= '0' && f[k] <= '9' {
			return "", "", false
		}
		k++
	}
	if k-e > 12 || k == e {
		return "", "", false
	}
	return string(rs[e:k]), "", true
}

// cleanIndicatorName removes clause openers and years from a name.
func cleanIndicatorName(s string) string {
	for changed := true; changed; {
		changed = false
		s = strings.TrimSpace(s)
		if loc := leadingYearRE.FindStringIndex(s); loc != nil && loc[1] > 0 {
			s, changed = s[loc[1]:], true
		}
		for _, w := range nameFillers {
			if strings.HasPrefix(s, w) && runeLen(s) > runeLen(w) {
				s, changed = s[len(w):], true
			}
		}
	}
	for _, w := range []string{"即", "其中", "做到"} {
		if i := strings.LastIndex(s, w); i > 0 && runeLen(s[i+len(w):]) >= 2 && (w != "即" || !inJiCompound(s, i)) {
			s = s[i+len(w):]
		}
	}
	return strings.TrimSuffix(strings.TrimSpace(s), "的")
}

// inJiCompound reports whether the 即 at byte i of s is part of one of
// jiCompounds.
func inJiCompound(s string, i int) bool {
	for _, c := range jiCompounds {
		at := strings.Index(c, "即")
		if i >= at && strings.HasPrefix(s[i-at:], c) {
			return true
		}
	}
	return false
}

// scaledValue reads a decimal number and multiplies it by 万/亿/千 exactly
// (1.85万 → 18500).
func scaledValue(num, mult string) (float64, bool) {
	exp := map[string]int{"": 0, "千": 3, "万": 4, "亿": 8, "万亿": 12}[mult]
	intPart, frac, _ := strings.Cut(num, ".")
	digits := intPart + frac
	point := len(intPart) + exp
	for len(digits) < point {
		digits += "0"
	}
	s := digits[:point] + "." + digits[point:]
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "."), 64)
	return v, err == nil
}
