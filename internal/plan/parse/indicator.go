package parse

import (
	"regexp"
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
)

// quantity is a number the scanner found with what follows it:
// 1.85万家以上 → num 1.85, mult 万, unit 家, tail 以上.
type quantity struct {
	start, end            int
	num                   string
	mult, unit, sub, tail string // sub: a bracketed qualifier of the unit, 家(次)
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
	if e, ok := s.oneOf(j, wMeasureUnits); ok {
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
		{"下降到", "<="}, {"缩短至", "<="}, {"缩短到", "<="}, {"减少到", "<="}, {"减少至", "<="}, {"减至", "<="}, {"缩减至", "<="}, {"最多", "<="},
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

var leadingYearRE = regexp.MustCompile(`^(?:到|至|在)?\d{4}年(?:底|末)?(?:前)?`)

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
	var out []Indicator
	prevClause, prevVerb, prevUnit := -1, "", ""
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
		object := "" // 新增20个集成办事项: the counted thing follows the number
		if e < len(f) {
			if n := f[e]; (unicode.Is(unicode.Han, n) && n != '和' && n != '及') || isASCIIAlnum(n) || n == '+' || n == '“' || n == '(' {
				obj, ok := countedObject(rs, f, e, string(f[max(0, s-4):s]))
				if !ok {
					continue // 15分钟服务圈, 13个区: a modifier, not a target
				}
				object, e = obj, e+runeLen(obj)
			}
		}
		// the clause: back to the nearest separator outside quotes
		cs := s
		for cs > 0 {
			c := f[cs-1]
			if !inQuote[cs-1] && strings.ContainsRune(",;。:、!?\n()[]", c) {
				break
			}
			cs--
		}
		prefix := string(rs[cs:s])
		fprefix := string(f[cs:s])
		op, opLen := "", 0
		for _, w := range opWords {
			if strings.HasSuffix(fprefix, w[0]) {
				op, opLen = w[1], runeLen(w[0])
				prefix = string([]rune(prefix)[:runeLen(prefix)-opLen])
				break
			}
		}
		name := cleanIndicatorName(prefix) + object
		written := cleanIndicatorName(prefix) + string(rs[s-opLen:e])
		clauseSep := rune(0)
		if cs > 0 {
			clauseSep = f[cs-1]
		}
		verb := ""
		for _, v := range growthVerbs {
			if strings.HasPrefix(name, v) {
				verb = v
			}
		}
		if verb == "" && op == "" && clauseSep == '、' && prevClause >= 0 && prevVerb != "" && prevUnit == unit {
			// 新增中试平台30家、科技成果转化中心10家: the verb carries over the list
			verb = prevVerb
			name = verb + name
		}
		if op == "" {
			op = "=="
			if verb != "" {
				op = ">="
			}
		}
		switch tail {
		case "以上", "及以上":
			if op == "==" {
				op = ">="
			}
		case "以下", "以内":
			if op != "<" {
				op = "<="
			}
		}
		value, ok := scaledValue(qt.num, mult)
		if !ok {
			continue
		}
		if unit == "立方" {
			unit = "立方米"
		}
		unit += qt.sub
		if tail == "左右" {
			tail = ""
		}
		out = append(out, Indicator{
			Text:  written,
			Name:  name,
			Op:    op,
			Value: value,
			Unit:  unit,
		})
		prevClause, prevVerb, prevUnit = cs, verb, unit
	}
	return out
}

// countVerbs put a count before what they count: 新增20个集成办事项.
var countVerbs = []string{"新增", "培育", "建成", "新建", "引进", "承办", "举办", "组织", "开展", "打造", "建设", "完成", "发布", "设立", "创建", "认定", "提供", "投用", "支持", "推动", "实现", "服务", "惠及", "编制", "出台", "招引", "引育", "选树", "评选", "建立"}

// countedObject returns the noun after a count (20个|集成办事项) when a verb
// stands right before the number, the noun ends the clause and holds no number.
func countedObject(rs, f []rune, e int, before string) (string, bool) {
	verb := false
	for _, v := range countVerbs {
		if strings.HasSuffix(before, v) {
			verb = true
			break
		}
	}
	if !verb {
		return "", false
	}
	k := e
	for k < len(f) && k-e <= 12 && !strings.ContainsRune(",;。:、!?\n()", f[k]) {
		if f[k] >= '0' && f[k] <= '9' || f[k] == '“' {
			return "", false
		}
		k++
	}
	if k-e > 12 || k == e {
		return "", false
	}
	return string(rs[e:k]), true
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
		if i := strings.LastIndex(s, w); i > 0 && runeLen(s[i+len(w):]) >= 2 {
			s = s[i+len(w):]
		}
	}
	return strings.TrimSuffix(strings.TrimSpace(s), "的")
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
