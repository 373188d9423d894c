package rule

import (
	"github.com/qinqing/qinqing/internal/money"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/workday"
)

// Names turns codes into names when rules and values are shown. A nil
// function, or one that returns "", leaves the code as it is.
type Names struct {
	District func(code string) string // 420111 → 洪山区
	Industry func(code string) string // C39 → 计算机、通信和其他电子设备制造业
}

func firstNames(names []Names) Names {
	if len(names) > 0 {
		return names[0]
	}
	return Names{}
}

// Sentence renders r as one Chinese sentence without a final full stop, for
// example "所属区为洪山区或武昌区，且具有“高新技术企业”标签，且营业收入不低于2000万元，
// 且（从业人数不超过300人或企业规模为小型、微型），且信用状况不为严重失信". Negations
// are pushed down to the leaves. Money is shown in 元/万元/亿元, dates as
// 2019年1月1日; districts and industries are named through names[0] when given.
func (r *Rule) Sentence(names ...Names) string {
	return r.sentence(false, 0, firstNames(names))
}

func (r *Rule) sentence(neg bool, depth int, nm Names) string {
	var kids []*Rule
	var conj bool
	switch {
	case r.All != nil:
		kids, conj = r.All, !neg
	case r.Any != nil:
		kids, conj = r.Any, neg
	case r.Not != nil:
		return r.Not.sentence(!neg, depth, nm)
	default:
		return r.condition(neg, nm)
	}
	if len(kids) == 1 {
		return kids[0].sentence(neg, depth, nm)
	}
	parts := make([]string, len(kids))
	for i, c := range kids {
		parts[i] = c.sentence(neg, depth+1, nm)
	}
	sep := "或"
	if conj {
		sep = "且"
	}
	if depth == 0 {
		return strings.Join(parts, "，"+sep)
	}
	return "（" + strings.Join(parts, sep) + "）"
}

// LeafResult explains one leaf condition for one enterprise.
type LeafResult struct {
	Path      string  // node path, such as all[3].any[0]; "" for a rule that is one leaf
	Field     string  // canonical field name
	Label     string  // field label, such as 营业收入
	Condition string  // the requirement in Chinese, such as 营业收入不低于2000万元
	Actual    string  // the enterprise's value in Chinese, 未知 when unknown
	Outcome   Outcome // whether the requirement holds
}

// Explain lists every leaf of r in order with what it requires, the
// enterprise's actual value and the outcome. A leaf under a not is shown as
// the requirement the not makes of it ("信用状况不为严重失信") with the outcome
// of that requirement, so the list reads the way Sentence does. Leaves with
// outcome Unknown name the information still missing.
func (r *Rule) Explain(e *enterprise.Enterprise, today workday.Date, names ...Names) []LeafResult {
	nm := firstNames(names)
	var out []LeafResult
	r.walk("", false, func(leaf *Rule, path string, neg bool) {
		f := leaf.id()
		o := leaf.evalLeaf(e, today)
		if neg {
			o = o.not()
		}
		out = append(out, LeafResult{
			Path:      path,
			Field:     f.name(),
			Label:     f.label(),
			Condition: leaf.condition(neg, nm),
			Actual:    actual(e, f, today, nm),
			Outcome:   o,
		})
	})
	return out
}

// actual shows the value of field f of e.
func actual(e *enterprise.Enterprise, f fieldID, today workday.Date, nm Names) string {
	switch {
	case f == fTags:
		if e.Tags == nil {
			return "未知"
		}
		if len(e.Tags) == 0 {
			return "无"
		}
		return strings.Join(e.Tags, "、")
	case f.numeric():
		x, ok := numberOf(e, f, today)
		if !ok {
			return "未知"
		}
		return showNumber(f, x)
	}
	s, ok := stringOf(e, f)
	if !ok {
		return "未知"
	}
	return showString(f, s, nm, false)
}

// condition renders a leaf, or its negation when neg is set.
func (r *Rule) condition(neg bool, nm Names) string {
	f := r.id()
	label := f.label()
	op := r.Op
	if neg {
		switch op {
		case OpEq:
			op, neg = OpNe, false
		case OpNe:
			op, neg = OpEq, false
		case OpLt:
			op, neg = OpGe, false
		case OpLe:
			op, neg = OpGt, false
		case OpGt:
			op, neg = OpLe, false
		case OpGe:
			op, neg = OpLt, false
		case OpIn:
			op, neg = OpNotIn, false
		case OpNotIn:
			op, neg = OpIn, false
		case OpKnown:
			op, neg = OpUnknown, false
		case OpUnknown:
			op, neg = OpKnown, false
		}
	}
	strs := func(sep string) string {
		parts := make([]string, len(r.Values))
		for i, v := range r.Values {
			parts[i] = showString(f, v, nm, true)
		}
		return strings.Join(parts, sep)
	}
	num := func(i int) string { return showNumber(f, r.Numbers[i]) }
	one := func() string {
		if len(r.Numbers) > 0 {
			return num(0)
		}
		return strs("")
	}
	tags := func() string {
		var b strings.Builder
		for _, v := range r.Values {
			b.WriteString("“" + v + "”")
		}
		return b.String()
	}
	switch op {
	case OpKnown:
		return label + "已知"
	case OpUnknown:
		return label + "未知"
	case OpEq:
		return label + "为" + one()
	case OpNe:
		return label + "不为" + one()
	case OpLt, OpLe, OpGt, OpGe:
		return label + comparison(f, op) + num(0)
	case OpBetween:
		s := label + "在" + num(0) + "至" + num(1) + "之间"
		if neg {
			s = label + "不在" + num(0) + "至" + num(1) + "之间"
		}
		return s
	case OpIn:
		sep := "或"
		if f.typ() == enterprise.TypeEnum {
			sep = "、"
		}
		return label + "为" + strs(sep)
	case OpNotIn:
		if len(r.Values) == 1 {
			return label + "不为" + strs("")
		}
		return label + "不属于" + strs("、")
	case OpPrefix:
		if neg {
			return label + "不以" + strs("、") + "开头"
		}
		return label + "以" + strs("或") + "开头"
	case OpHas, OpHasAny, OpHasAll:
		if len(r.Values) == 1 {
			if neg {
				return "不具有" + tags() + "标签"
			}
			return "具有" + tags() + "标签"
		}
		switch {
		case op == OpHasAny && !neg:
			parts := make([]string, len(r.Values))
			for i, v := range r.Values {
				parts[i] = "“" + v + "”"
			}
			return "具有" + strings.Join(parts, "或") + "标签"
		case op == OpHasAny:
			return "不具有" + tags() + "中的任何标签"
		case !neg:
			return "同时具有" + tags() + "标签"
		default:
			return "不同时具有" + tags() + "标签"
		}
	}
	return label + " " + string(op)
}

// comparison words the order operators for the type of f.
func comparison(f fieldID, op Op) string {
	var w [4]string // <, <=, >, >=
	switch f.typ() {
	case enterprise.TypeDate:
		w = [4]string{"早于", "不晚于", "晚于", "不早于"}
	case enterprise.TypeCount:
		w = [4]string{"少于", "不超过", "多于", "不少于"}
	default:
		w = [4]string{"低于", "不超过", "高于", "不低于"}
	}
	switch op {
	case OpLt:
		return w[0]
	case OpLe:
		return w[1]
	case OpGt:
		return w[2]
	}
	return w[3]
}

// showString shows a string value of field f; quote puts an enterprise name
// in quotation marks.
func showString(f fieldID, s string, nm Names, quote bool) string {
	switch f {
	case fDistrict:
		if nm.District != nil {
			if n := nm.District(s); n != "" {
				return n
			}
		}
	case fIndustry:
		if nm.Industry != nil {
			if n := nm.Industry(s); n != "" {
				return s + "（" + n + "）"
			}
		}
	case fName:
		if quote {
			return "“" + s + "”"
		}
	}
	return s
}

// showNumber shows a numeric value of field f in Chinese.
func showNumber(f fieldID, x int64) string {
	switch f {
	case fFounded:
		return workday.Date(x).Chinese()
	case fEmployees:
		return strconv.FormatInt(x, 10) + "人"
	case fAgeYears:
		return strconv.FormatInt(x, 10) + "年"
	}
	return money.Exact(x)
}
