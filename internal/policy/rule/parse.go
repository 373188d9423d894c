package rule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// invalid returns the error for a rule problem at path.
func invalid(path, format string, args ...any) *errs.Error {
	where := "根条件："
	if path != "" {
		where = "条件 " + path + "："
	}
	return &errs.Error{Code: errs.Invalid, Field: "rule", Message: where + fmt.Sprintf(format, args...)}
}

// Parse reads a rule in its canonical JSON form, for example
//
//	{"all": [{"field": "tags", "op": "has", "value": "高新技术企业"},
//	         {"field": "revenue", "op": ">=", "value": 20000000}]}
//
// and validates it. Fields may be named by API name or Chinese label; dates
// may be written in any form workday.ParseDate reads. Every error is an
// *errs.Error with code Invalid, field "rule" and a Chinese message that
// names the node path, such as "条件 all[2].any[0]：字段“employes”不存在".
// The JSON may be at most MaxRuleBytes long; the rule is held to the
// bounds Validate checks.
func Parse(data []byte) (*Rule, error) {
	if err := checkJSONBounds(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(data, err)
	}
	if dec.More() {
		return nil, &errs.Error{Code: errs.Invalid, Field: "rule", Message: "规则 JSON 之后还有多余的内容"}
	}
	r, err := fromJSON(v, "")
	if err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// MustParse is Parse for rules written in code and tests; it panics on an
// invalid rule.
func MustParse(s string) *Rule {
	r, err := Parse([]byte(s))
	if err != nil {
		panic(err)
	}
	return r
}

// UnmarshalJSON reads r from its canonical JSON form, as Parse does.
func (r *Rule) UnmarshalJSON(data []byte) error {
	p, err := Parse(data)
	if err != nil {
		return err
	}
	*r = *p
	return nil
}

// fromJSON builds the node at path from a decoded JSON value.
func fromJSON(v any, path string) (*Rule, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalid(path, "应为 JSON 对象，如 {\"field\": \"revenue\", \"op\": \">=\", \"value\": 20000000}")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the first unknown key is reported, the same every time
	kinds := 0
	for _, k := range keys {
		switch k {
		case "all", "any", "not":
			kinds++
		case "field", "op", "value":
		default:
			return nil, invalid(path, "不认识的键“%s”（可用：all、any、not、field、op、value）", k)
		}
	}
	_, hasField := m["field"]
	_, hasOp := m["op"]
	_, hasValue := m["value"]
	if hasField || hasOp || hasValue {
		kinds++
	}
	if kinds == 0 {
		return nil, invalid(path, "条件为空：应为 all、any、not 之一或一个字段条件")
	}
	if kinds > 1 {
		return nil, invalid(path, "all、any、not 和字段条件只能选一种")
	}
	switch {
	case hasKey(m, "all"):
		kids, err := childrenJSON(m["all"], path, "all")
		if err != nil {
			return nil, err
		}
		return &Rule{All: kids}, nil
	case hasKey(m, "any"):
		kids, err := childrenJSON(m["any"], path, "any")
		if err != nil {
			return nil, err
		}
		return &Rule{Any: kids}, nil
	case hasKey(m, "not"):
		kid, err := fromJSON(m["not"], childPath(path, "not", -1))
		if err != nil {
			return nil, err
		}
		return &Rule{Not: kid}, nil
	}
	field, _ := m["field"].(string)
	if !hasField || field == "" {
		return nil, invalid(path, "缺少字段名（field）")
	}
	op, _ := m["op"].(string)
	if !hasOp || op == "" {
		return nil, invalid(path, "缺少运算符（op）")
	}
	val, present := m["value"]
	if present && val == nil {
		present = false
	}
	return newLeaf(path, field, Op(op), val, present)
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// childrenJSON reads the children of an all or any node.
func childrenJSON(v any, path, kind string) ([]*Rule, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, invalid(path, "%s 应为非空数组", kind)
	}
	kids := make([]*Rule, len(arr))
	for i, c := range arr {
		k, err := fromJSON(c, childPath(path, kind, i))
		if err != nil {
			return nil, err
		}
		kids[i] = k
	}
	return kids, nil
}

// resolveField finds the field of a leaf and checks that rules may use it.
func resolveField(path, name string) (fieldID, error) {
	f, ok := enterprise.FieldByName(name)
	if !ok {
		return fNone, invalid(path, "字段“%s”不存在", name)
	}
	id := fieldIDOf(f.Name)
	if id == fNone {
		return fNone, invalid(path, "字段“%s”（%s）不能用于规则条件", f.Label, f.Name)
	}
	return id, nil
}

// checkOp checks that op exists and suits field f.
func checkOp(path string, f fieldID, op Op) error {
	if _, ok := arity(op); !ok {
		return invalid(path, "运算符“%s”不存在", op)
	}
	ops := opsFor(f.typ())
	for _, o := range ops {
		if o == op {
			return nil
		}
	}
	names := make([]string, len(ops))
	for i, o := range ops {
		names[i] = string(o)
	}
	return invalid(path, "字段“%s”（%s）不支持运算符“%s”（可用：%s）", f.label(), f.name(), op, strings.Join(names, "、"))
}

// newLeaf builds a leaf from a field name, an operator and an operand
// decoded from JSON or from an expression (string, json.Number, int64,
// float64 or []any); present is false when no operand was given.
func newLeaf(path, field string, op Op, val any, present bool) (*Rule, error) {
	f, err := resolveField(path, field)
	if err != nil {
		return nil, err
	}
	if err := checkOp(path, f, op); err != nil {
		return nil, err
	}
	r := &Rule{Field: f.name(), Op: op, fid: f}
	ar, _ := arity(op)
	if ar == arityNone {
		if present {
			return nil, invalid(path, "运算符“%s”不需要值", op)
		}
		return r, nil
	}
	if !present {
		return nil, invalid(path, "运算符“%s”需要一个值", op)
	}
	var items []any
	switch ar {
	case arityScalar:
		if _, isList := val.([]any); isList {
			return nil, invalid(path, "运算符“%s”的值应为单个值，而不是列表", op)
		}
		items = []any{val}
	case arityList:
		if l, isList := val.([]any); isList {
			items = l
		} else {
			items = []any{val}
		}
		if len(items) == 0 {
			return nil, invalid(path, "运算符“%s”的值列表不能为空", op)
		}
	case arityPair:
		l, isList := val.([]any)
		if !isList || len(l) != 2 {
			return nil, invalid(path, "运算符“between”的值应为 [下限, 上限] 两个%s", valueNoun(f))
		}
		items = l
	}
	for _, it := range items {
		if err := r.appendOperand(path, f, it); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// valueNoun names the kind of value field f takes, for messages.
func valueNoun(f fieldID) string {
	switch f.typ() {
	case enterprise.TypeDate:
		return "日期"
	case enterprise.TypeMoney, enterprise.TypeCount:
		return "整数"
	}
	return "字符串"
}

// appendOperand converts one operand for field f and appends it to r.
func (r *Rule) appendOperand(path string, f fieldID, v any) error {
	switch f.typ() {
	case enterprise.TypeDate:
		s, ok := v.(string)
		if !ok {
			return invalid(path, "字段“%s”的值应为日期字符串（如 \"2019-01-01\"），而不是 %s", f.label(), showRaw(v))
		}
		d, err := workday.ParseDate(s)
		if err != nil {
			return invalid(path, "字段“%s”的值不对：%s", f.label(), errs.MessageOf(err))
		}
		r.Numbers = append(r.Numbers, int64(d))
	case enterprise.TypeMoney, enterprise.TypeCount:
		n, ok := toInt64(v)
		if !ok {
			unit := "整数"
			if f.typ() == enterprise.TypeMoney {
				unit = "整数（单位：元）"
			}
			return invalid(path, "字段“%s”的值应为%s，而不是 %s", f.label(), unit, showRaw(v))
		}
		r.Numbers = append(r.Numbers, n)
	default:
		s, ok := v.(string)
		if !ok {
			return invalid(path, "字段“%s”的值应为字符串，而不是 %s", f.label(), showRaw(v))
		}
		r.Values = append(r.Values, s)
	}
	return nil
}

// toInt64 converts a decoded number that is a whole number within int64.
func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, true
		}
		f, err := x.Float64()
		if err != nil {
			return 0, false
		}
		return floatToInt(f)
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		return floatToInt(x)
	}
	return 0, false
}

func floatToInt(f float64) (int64, bool) {
	if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, false
	}
	return int64(f), true
}

// showRaw renders an operand for an error message.
func showRaw(v any) string {
	switch x := v.(type) {
	case string:
		return "“" + x + "”"
	case json.Number:
		return x.String()
	case nil:
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Validate checks r and every node below it: structure, fields, operators
// for the field's type, operand count and type, enum values among the
// field's closed set, 6-digit division codes, industry code format, and
// between bounds in order. It returns the first problem as an *errs.Error
// (Invalid, field "rule") whose Chinese message names the node path.
// Validate also prepares r for evaluation; call it before evaluating a rule
// built in code.
func (r *Rule) Validate() error {
	if r == nil {
		return invalid("", "规则为空")
	}
	leaves := 0
	return r.validate("", 1, &leaves)
}

// validate checks r at path, depth levels down, counting leaves.
func (r *Rule) validate(path string, depth int, leaves *int) error {
	if depth > MaxRuleDepth {
		return tooBig("条件嵌套超过 %d 层", MaxRuleDepth)
	}
	kinds := 0
	if r.All != nil {
		kinds++
	}
	if r.Any != nil {
		kinds++
	}
	if r.Not != nil {
		kinds++
	}
	leafish := r.Field != "" || r.Op != "" || r.Values != nil || r.Numbers != nil
	if leafish {
		kinds++
	}
	if kinds == 0 {
		return invalid(path, "条件为空：应为 all、any、not 之一或一个字段条件")
	}
	if kinds > 1 {
		return invalid(path, "all、any、not 和字段条件只能选一种")
	}
	switch {
	case r.All != nil:
		return validateKids(r.All, path, "all", depth, leaves)
	case r.Any != nil:
		return validateKids(r.Any, path, "any", depth, leaves)
	case r.Not != nil:
		return r.Not.validate(childPath(path, "not", -1), depth+1, leaves)
	}
	if *leaves++; *leaves > MaxRuleLeaves {
		return tooBig("条件超过 %d 个", MaxRuleLeaves)
	}
	if r.Field == "" {
		return invalid(path, "缺少字段名（field）")
	}
	if r.Op == "" {
		return invalid(path, "缺少运算符（op）")
	}
	f, err := resolveField(path, r.Field)
	if err != nil {
		return err
	}
	if err := checkOp(path, f, r.Op); err != nil {
		return err
	}
	numeric := f.numeric()
	if numeric && len(r.Values) > 0 || !numeric && len(r.Numbers) > 0 {
		return invalid(path, "字段“%s”的值应为%s", f.label(), valueNoun(f))
	}
	n := len(r.Values) + len(r.Numbers)
	if n > MaxRuleValues {
		return tooBig("条件 %s 的值超过 %d 个", path, MaxRuleValues)
	}
	ar, _ := arity(r.Op)
	switch ar {
	case arityNone:
		if n > 0 {
			return invalid(path, "运算符“%s”不需要值", r.Op)
		}
	case arityScalar:
		if n != 1 {
			return invalid(path, "运算符“%s”需要一个值", r.Op)
		}
	case arityList:
		if n == 0 {
			return invalid(path, "运算符“%s”的值列表不能为空", r.Op)
		}
	case arityPair:
		if n != 2 {
			return invalid(path, "运算符“between”的值应为 [下限, 上限] 两个%s", valueNoun(f))
		}
		if r.Numbers[0] > r.Numbers[1] {
			return invalid(path, "运算符“between”的下限 %s 大于上限 %s", plainNumber(f, r.Numbers[0]), plainNumber(f, r.Numbers[1]))
		}
	}
	if f.typ() == enterprise.TypeDate {
		for _, d := range r.Numbers {
			if d < math.MinInt32 || d > math.MaxInt32 {
				return invalid(path, "字段“%s”的日期超出范围", f.label())
			}
		}
	}
	for _, v := range r.Values {
		if err := checkString(path, f, v); err != nil {
			return err
		}
	}
	// Write only what changes, so that validating a rule again (NewIndex
	// does) is safe while other goroutines evaluate it.
	if r.Field != f.name() {
		r.Field = f.name()
	}
	if r.fid != f {
		r.fid = f
	}
	return nil
}

func validateKids(kids []*Rule, path, kind string, depth int, leaves *int) error {
	if len(kids) == 0 {
		return invalid(path, "%s 应为非空数组", kind)
	}
	if len(kids) > MaxRuleLeaves {
		return tooBig("条件超过 %d 个", MaxRuleLeaves)
	}
	for i, c := range kids {
		p := childPath(path, kind, i)
		if c == nil {
			return invalid(p, "条件为空")
		}
		if err := c.validate(p, depth+1, leaves); err != nil {
			return err
		}
	}
	return nil
}

// plainNumber shows a numeric operand as written: a date as 2006-01-02.
func plainNumber(f fieldID, n int64) string {
	if f.typ() == enterprise.TypeDate {
		return workday.Date(n).String()
	}
	return strconv.FormatInt(n, 10)
}

// checkString checks one string operand of field f.
func checkString(path string, f fieldID, v string) error {
	switch f.typ() {
	case enterprise.TypeEnum:
		allowed := f.def().Values
		for _, a := range allowed {
			if a == v {
				return nil
			}
		}
		return invalid(path, "“%s”不是%s的可选值（可选：%s）", v, f.label(), strings.Join(allowed, "、"))
	case enterprise.TypeDivision:
		if len(v) != 6 || strings.Trim(v, "0123456789") != "" {
			return invalid(path, "区划代码应为6位数字，而不是“%s”", v)
		}
	case enterprise.TypeIndustry:
		if !validIndustry(v) {
			return invalid(path, "行业代码格式不对：“%s”（应为门类字母加最多4位数字，如 C 或 C39 或 C3911）", v)
		}
	default:
		if strings.TrimSpace(v) == "" {
			return invalid(path, "%s的值不能为空", f.label())
		}
	}
	return nil
}

// validIndustry reports whether v looks like a GB/T 4754 code or prefix: a
// section letter A-T followed by up to four digits.
func validIndustry(v string) bool {
	if len(v) < 1 || len(v) > 5 || v[0] < 'A' || v[0] > 'T' {
		return false
	}
	return strings.Trim(v[1:], "0123456789") == ""
}

// MarshalJSON writes r in its canonical JSON form: combinators as
// {"all": [...]}, {"any": [...]}, {"not": {...}}, leaves as
// {"field": ..., "op": ..., "value": ...} with dates as "2006-01-02", list
// operators with a list and known/unknown without a value.
func (r *Rule) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	r.appendJSON(&b)
	return b.Bytes(), nil
}

func (r *Rule) appendJSON(b *bytes.Buffer) {
	switch {
	case r.All != nil:
		appendKidsJSON(b, "all", r.All)
	case r.Any != nil:
		appendKidsJSON(b, "any", r.Any)
	case r.Not != nil:
		b.WriteString(`{"not":`)
		r.Not.appendJSON(b)
		b.WriteByte('}')
	default:
		b.WriteString(`{"field":`)
		writeJSONString(b, r.Field)
		b.WriteString(`,"op":`)
		writeJSONString(b, string(r.Op))
		ar, _ := arity(r.Op)
		if ar == arityNone {
			b.WriteByte('}')
			return
		}
		b.WriteString(`,"value":`)
		f := r.id()
		n := len(r.Values) + len(r.Numbers)
		list := ar != arityScalar || n != 1
		if list {
			b.WriteByte('[')
		}
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			if i < len(r.Values) {
				writeJSONString(b, r.Values[i])
				continue
			}
			x := r.Numbers[i-len(r.Values)]
			if f.typ() == enterprise.TypeDate {
				writeJSONString(b, workday.Date(x).String())
			} else {
				b.WriteString(strconv.FormatInt(x, 10))
			}
		}
		if list {
			b.WriteByte(']')
		}
		b.WriteByte('}')
	}
}

func appendKidsJSON(b *bytes.Buffer, kind string, kids []*Rule) {
	b.WriteString(`{"` + kind + `":[`)
	for i, c := range kids {
		if i > 0 {
			b.WriteByte(',')
		}
		c.appendJSON(b)
	}
	b.WriteString("]}")
}

// writeJSONString writes s as a JSON string without HTML escaping.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.Truncate(b.Len() - 1) // the newline Encode adds
}

// itoa formats n in base 10.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
