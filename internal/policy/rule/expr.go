package rule

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// ParseExpr reads the expression form of a rule for power users, written in
// expr-lang syntax, and returns the equivalent validated rule:
//
//	district in ["420111", "420106"] && "高新技术企业" in tags &&
//	revenue >= 20000000 && !(credit == "严重失信") &&
//	(employees <= 300 || size in ["小型", "微型"]) && founded >= "2019-01-01"
//
// Supported: && (and), || (or), ! (not), the comparisons == != < <= > >=
// with a field on either side, field in [...], field not in [...],
// "tag" in tags, and the helpers between(field, lo, hi),
// has(tags, "x"), has_any(tags, [...]), has_all(tags, [...]),
// prefix(industry, [...] or "C39"), known(field) and unknown(field). Dates
// are strings (or date("2019-01-01")). Chains of && and of || become one
// all or any node. The text may be at most MaxRuleBytes long and nest at
// most MaxRuleDepth levels. Errors are *errs.Error (Invalid, field "rule")
// in Chinese; a syntax error names its position.
func ParseExpr(src string) (*Rule, error) {
	if strings.TrimSpace(src) == "" {
		return nil, &errs.Error{Code: errs.Invalid, Field: "rule", Message: "表达式为空"}
	}
	if err := checkExprBounds(src); err != nil {
		return nil, err
	}
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, syntaxError(src, err)
	}
	r, err := fromExpr(tree.Node, src, "")
	if err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// exprErr reports an unsupported construct at node n, quoting its text.
func exprErr(n ast.Node, src, format string, args ...any) error {
	what := ""
	if text := snippet(n, src); text != "" {
		what = "“" + text + "”"
	}
	msg := "表达式" + what + "：" + fmt.Sprintf(format, args...)
	return &errs.Error{Code: errs.Invalid, Field: "rule", Message: msg}
}

// spanVisitor widens a range of rune offsets over the nodes it visits.
type spanVisitor struct{ from, to int }

func (v *spanVisitor) Visit(n *ast.Node) {
	loc := (*n).Location()
	if loc.From >= 0 && loc.From < v.from {
		v.from = loc.From
	}
	if loc.To > v.to {
		v.to = loc.To
	}
}

// snippet returns the source text of n (expr locations count runes), with
// the closing parentheses and brackets its nodes do not cover.
func snippet(n ast.Node, src string) string {
	rs := []rune(src)
	v := &spanVisitor{from: len(rs), to: -1}
	ast.Walk(&n, v)
	from, to := v.from, min(v.to, len(rs))
	if from >= to {
		return ""
	}
	depth := 0
	for _, c := range rs[from:to] {
		switch c {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		}
	}
	for depth > 0 && to < len(rs) {
		switch rs[to] {
		case ')', ']':
			depth--
		case ' ':
		default:
			return string(rs[from:to])
		}
		to++
	}
	return string(rs[from:to])
}

// fromExpr translates the expression node at rule path path.
func fromExpr(n ast.Node, src, path string) (*Rule, error) {
	switch x := n.(type) {
	case *ast.BinaryNode:
		switch x.Operator {
		case "&&", "and":
			kids, err := chain(x, src, path, "all", "&&", "and")
			if err != nil {
				return nil, err
			}
			return &Rule{All: kids}, nil
		case "||", "or":
			kids, err := chain(x, src, path, "any", "||", "or")
			if err != nil {
				return nil, err
			}
			return &Rule{Any: kids}, nil
		case "==", "!=", "<", "<=", ">", ">=":
			return comparisonExpr(x, src, path)
		case "in":
			return inExpr(x, src, path, false)
		}
		return nil, exprErr(n, src, "不支持运算符“%s”", x.Operator)
	case *ast.UnaryNode:
		switch x.Operator {
		case "!", "not":
			if b, ok := x.Node.(*ast.BinaryNode); ok && b.Operator == "in" && x.Operator == "not" {
				return inExpr(b, src, path, true)
			}
			kid, err := fromExpr(x.Node, src, childPath(path, "not", -1))
			if err != nil {
				return nil, err
			}
			return &Rule{Not: kid}, nil
		}
		return nil, exprErr(n, src, "不支持运算符“%s”", x.Operator)
	case *ast.CallNode:
		return callExpr(x, src, path)
	case *ast.BuiltinNode:
		return nil, exprErr(n, src, "不支持函数“%s”", x.Name)
	}
	return nil, exprErr(n, src, "这里应为一个条件，如 revenue >= 20000000")
}

// chain translates the operands of a chain of one logical operator (op or
// its keyword alias) into the children of an all or any node.
func chain(n ast.Node, src, path, kind, op, alias string) ([]*Rule, error) {
	var operands []ast.Node
	var collect func(ast.Node)
	collect = func(n ast.Node) {
		if b, ok := n.(*ast.BinaryNode); ok && (b.Operator == op || b.Operator == alias) {
			collect(b.Left)
			collect(b.Right)
			return
		}
		operands = append(operands, n)
	}
	collect(n)
	kids := make([]*Rule, len(operands))
	for i, o := range operands {
		k, err := fromExpr(o, src, childPath(path, kind, i))
		if err != nil {
			return nil, err
		}
		kids[i] = k
	}
	return kids, nil
}

// fieldName returns the field an identifier names.
func fieldName(n ast.Node) (string, bool) {
	id, ok := n.(*ast.IdentifierNode)
	if !ok {
		return "", false
	}
	return id.Value, true
}

// literal converts a literal node to an operand.
func literal(n ast.Node, src string) (any, error) {
	switch x := n.(type) {
	case *ast.StringNode:
		return x.Value, nil
	case *ast.IntegerNode:
		return int64(x.Value), nil
	case *ast.FloatNode:
		return x.Value, nil
	case *ast.UnaryNode:
		if x.Operator == "-" {
			switch y := x.Node.(type) {
			case *ast.IntegerNode:
				return -int64(y.Value), nil
			case *ast.FloatNode:
				return -y.Value, nil
			}
		}
	case *ast.ArrayNode:
		out := make([]any, len(x.Nodes))
		for i, e := range x.Nodes {
			v, err := literal(e, src)
			if err != nil {
				return nil, err
			}
			if _, nested := v.([]any); nested {
				return nil, exprErr(e, src, "列表中不能再有列表")
			}
			out[i] = v
		}
		return out, nil
	case *ast.BuiltinNode:
		if x.Name == "date" && len(x.Arguments) == 1 {
			if s, ok := x.Arguments[0].(*ast.StringNode); ok {
				return s.Value, nil
			}
		}
	}
	return nil, exprErr(n, src, "这里应为一个常量值（数、字符串或列表）")
}

// flip mirrors a comparison for "value op field".
func flip(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}

func comparisonExpr(x *ast.BinaryNode, src, path string) (*Rule, error) {
	op := x.Operator
	field, ok := fieldName(x.Left)
	valNode := x.Right
	if !ok {
		if field, ok = fieldName(x.Right); !ok {
			return nil, exprErr(x, src, "比较的一边应为字段名，如 revenue >= 20000000")
		}
		valNode, op = x.Left, flip(op)
	}
	v, err := literal(valNode, src)
	if err != nil {
		return nil, err
	}
	return newLeaf(path, field, Op(op), v, true)
}

func inExpr(x *ast.BinaryNode, src, path string, negate bool) (*Rule, error) {
	if field, ok := fieldName(x.Right); ok {
		// "高新技术企业" in tags
		v, err := literal(x.Left, src)
		if err != nil {
			return nil, err
		}
		leafPath := path
		if negate {
			leafPath = childPath(path, "not", -1)
		}
		r, err := newLeaf(leafPath, field, OpHas, v, true)
		if err != nil {
			return nil, err
		}
		if negate {
			return &Rule{Not: r}, nil
		}
		return r, nil
	}
	field, ok := fieldName(x.Left)
	if !ok {
		return nil, exprErr(x, src, "in 的左边应为字段名，或右边应为 tags")
	}
	v, err := literal(x.Right, src)
	if err != nil {
		return nil, err
	}
	if _, isList := v.([]any); !isList {
		return nil, exprErr(x.Right, src, "in 的右边应为列表，如 [\"420111\", \"420106\"]")
	}
	op := OpIn
	if negate {
		op = OpNotIn
	}
	return newLeaf(path, field, op, v, true)
}

func callExpr(x *ast.CallNode, src, path string) (*Rule, error) {
	name, ok := fieldName(x.Callee)
	if !ok {
		return nil, exprErr(x, src, "不支持这种调用")
	}
	args := x.Arguments
	want := func(n int) error {
		if len(args) != n {
			return exprErr(x, src, "函数 %s 需要 %d 个参数", name, n)
		}
		return nil
	}
	field := func() (string, error) {
		if len(args) == 0 {
			return "", exprErr(x, src, "函数 %s 的第一个参数应为字段名", name)
		}
		f, ok := fieldName(args[0])
		if !ok {
			return "", exprErr(args[0], src, "函数 %s 的第一个参数应为字段名", name)
		}
		return f, nil
	}
	switch name {
	case "known", "unknown":
		if err := want(1); err != nil {
			return nil, err
		}
		f, err := field()
		if err != nil {
			return nil, err
		}
		return newLeaf(path, f, Op(name), nil, false)
	case "has", "has_any", "has_all", "prefix":
		if err := want(2); err != nil {
			return nil, err
		}
		f, err := field()
		if err != nil {
			return nil, err
		}
		v, err := literal(args[1], src)
		if err != nil {
			return nil, err
		}
		return newLeaf(path, f, Op(name), v, true)
	case "between":
		if err := want(3); err != nil {
			return nil, err
		}
		f, err := field()
		if err != nil {
			return nil, err
		}
		lo, err := literal(args[1], src)
		if err != nil {
			return nil, err
		}
		hi, err := literal(args[2], src)
		if err != nil {
			return nil, err
		}
		return newLeaf(path, f, OpBetween, []any{lo, hi}, true)
	}
	return nil, exprErr(x, src, "不认识的函数“%s”（可用：known、unknown、has、has_any、has_all、prefix、between）", name)
}

// Expr renders r in the expression form ParseExpr reads. ParseExpr(r.Expr())
// is equivalent to r, and equal in structure unless r has an all directly
// inside an all, an any directly inside an any, or a single-child all or
// any (the text form cannot tell those apart).
func (r *Rule) Expr() string {
	var b strings.Builder
	r.appendExpr(&b)
	return b.String()
}

func (r *Rule) appendExpr(b *strings.Builder) {
	switch {
	case r.All != nil:
		appendKidsExpr(b, r.All, " && ")
	case r.Any != nil:
		appendKidsExpr(b, r.Any, " || ")
	case r.Not != nil:
		b.WriteString("!(")
		r.Not.appendExpr(b)
		b.WriteByte(')')
	default:
		r.appendLeafExpr(b)
	}
}

func appendKidsExpr(b *strings.Builder, kids []*Rule, sep string) {
	for i, c := range kids {
		if i > 0 {
			b.WriteString(sep)
		}
		e := effective(c)
		paren := len(kids) > 1 && (len(e.All) > 1 || len(e.Any) > 1)
		if paren {
			b.WriteByte('(')
		}
		c.appendExpr(b)
		if paren {
			b.WriteByte(')')
		}
	}
}

// effective skips single-child all and any nodes, which print as their child.
func effective(r *Rule) *Rule {
	for len(r.All) == 1 || len(r.Any) == 1 {
		if len(r.All) == 1 {
			r = r.All[0]
		} else {
			r = r.Any[0]
		}
	}
	return r
}

func (r *Rule) appendLeafExpr(b *strings.Builder) {
	f := r.id()
	operand := func(i int) string {
		if i < len(r.Values) {
			return strconv.Quote(r.Values[i])
		}
		x := r.Numbers[i-len(r.Values)]
		switch {
		case f.typ() == enterprise.TypeDate:
			return strconv.Quote(workday.Date(x).String())
		case x == math.MinInt64:
			return "-9223372036854775808.0" // exact in float64; the integer literal overflows
		}
		return strconv.FormatInt(x, 10)
	}
	list := func() string {
		n := len(r.Values) + len(r.Numbers)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = operand(i)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	switch r.Op {
	case OpKnown, OpUnknown:
		b.WriteString(string(r.Op) + "(" + r.Field + ")")
	case OpHas:
		b.WriteString(operand(0) + " in " + r.Field)
	case OpHasAny, OpHasAll, OpPrefix:
		b.WriteString(string(r.Op) + "(" + r.Field + ", " + list() + ")")
	case OpBetween:
		b.WriteString("between(" + r.Field + ", " + operand(0) + ", " + operand(1) + ")")
	case OpIn:
		b.WriteString(r.Field + " in " + list())
	case OpNotIn:
		b.WriteString(r.Field + " not in " + list())
	default:
		b.WriteString(r.Field + " " + string(r.Op) + " " + operand(0))
	}
}
