// Package rule is the eligibility rule engine of the policy module: a rule
// is a tree of conditions on enterprise fields (all/any/not over leaves such
// as "revenue >= 20000000"), written as JSON or as an expr-lang expression,
// rendered as one Chinese sentence, and evaluated in three-valued (Kleene)
// logic, because an unknown field is not zero: an enterprise is 符合, 不符合
// or 待补充信息.
//
// Three evaluators share one meaning and are property-tested against each
// other:
//
//   - Rule.Eval: one enterprise, one rule (the reference semantics);
//   - Table.Evaluate: one rule against every enterprise of the city, over
//     an in-memory columnar snapshot with roaring bitmaps;
//   - Index.Match: one enterprise against many published rules, skipping the
//     rules that cannot hold for it.
//
// The package is pure Go and does no SQL.
package rule

import (
	"github.com/qinqing/qinqing/internal/enterprise"
)

// Op is the operator of a leaf condition.
type Op string

// The operators. Which of them a field accepts depends on its type: text,
// enum and division fields take ==, !=, in, not_in; industry codes add
// prefix; money, counts and dates take ==, !=, <, <=, >, >= and between;
// tags take has, has_any and has_all; every field takes known and unknown.
const (
	OpEq      Op = "=="
	OpNe      Op = "!="
	OpLt      Op = "<"
	OpLe      Op = "<="
	OpGt      Op = ">"
	OpGe      Op = ">="
	OpBetween Op = "between" // [lo, hi], both inclusive
	OpIn      Op = "in"
	OpNotIn   Op = "not_in"
	OpHas     Op = "has"     // tags contain the value
	OpHasAny  Op = "has_any" // tags contain at least one of the values
	OpHasAll  Op = "has_all" // tags contain every value
	OpPrefix  Op = "prefix"  // industry code starts with one of the values
	OpKnown   Op = "known"   // the field is known (never unknown itself)
	OpUnknown Op = "unknown" // the field is unknown (never unknown itself)
)

// Rule is one node of an eligibility rule. Exactly one of the following
// holds: All is non-empty (every child must hold), Any is non-empty (at
// least one child must hold), Not is set (the child must not hold), or Field
// and Op are set (a leaf condition).
//
// A leaf keeps its operands typed: Values holds strings (text, enum,
// division and industry values, tags) and Numbers holds integers (yuan,
// counts, and dates as days since 1970-01-01, the workday.Date encoding).
// Scalar operators use one operand, between uses two, list operators one or
// more, known and unknown none.
//
// Rules built in code must pass Validate before they are evaluated; Parse
// and ParseExpr validate. A valid rule is never modified by this package
// and may be evaluated from many goroutines at once.
type Rule struct {
	All     []*Rule
	Any     []*Rule
	Not     *Rule
	Field   string
	Op      Op
	Values  []string
	Numbers []int64

	fid fieldID // resolved by Validate; fNone means resolve by Field
}

// Outcome is the three-valued result of a rule for one enterprise. The
// order No < Unknown < Yes makes "all" the minimum and "any" the maximum.
type Outcome int8

// The outcomes.
const (
	No      Outcome = iota // 不符合
	Unknown                // 待补充信息
	Yes                    // 符合
)

// String returns the outcome in Chinese: 符合, 不符合 or 待补充信息.
func (o Outcome) String() string {
	switch o {
	case Yes:
		return "符合"
	case No:
		return "不符合"
	default:
		return "待补充信息"
	}
}

// MarshalText writes the outcome as yes, no or unknown.
func (o Outcome) MarshalText() ([]byte, error) {
	switch o {
	case Yes:
		return []byte("yes"), nil
	case No:
		return []byte("no"), nil
	default:
		return []byte("unknown"), nil
	}
}

// not returns the Kleene negation of o.
func (o Outcome) not() Outcome { return Yes - o }

// fieldID is the engine's number for a rule field.
type fieldID uint8

const (
	fNone fieldID = iota
	fName
	fKind
	fIndustry
	fDistrict
	fStreet
	fFounded
	fRegisteredCapital
	fEmployees
	fRevenue
	fRDExpense
	fTaxPaid
	fExportValue
	fTotalAssets
	fTags
	fCredit
	fStatus
	fSize
	fAgeYears
	nFields
)

// fieldIDOf returns the id of a canonical field name, or fNone.
func fieldIDOf(name string) fieldID {
	switch name {
	case "name":
		return fName
	case "kind":
		return fKind
	case "industry":
		return fIndustry
	case "district":
		return fDistrict
	case "street":
		return fStreet
	case "founded":
		return fFounded
	case "registered_capital":
		return fRegisteredCapital
	case "employees":
		return fEmployees
	case "revenue":
		return fRevenue
	case "rd_expense":
		return fRDExpense
	case "tax_paid":
		return fTaxPaid
	case "export_value":
		return fExportValue
	case "total_assets":
		return fTotalAssets
	case "tags":
		return fTags
	case "credit":
		return fCredit
	case "status":
		return fStatus
	case "size":
		return fSize
	case "age_years":
		return fAgeYears
	}
	return fNone
}

// name returns the canonical field name of f.
func (f fieldID) name() string {
	switch f {
	case fName:
		return "name"
	case fKind:
		return "kind"
	case fIndustry:
		return "industry"
	case fDistrict:
		return "district"
	case fStreet:
		return "street"
	case fFounded:
		return "founded"
	case fRegisteredCapital:
		return "registered_capital"
	case fEmployees:
		return "employees"
	case fRevenue:
		return "revenue"
	case fRDExpense:
		return "rd_expense"
	case fTaxPaid:
		return "tax_paid"
	case fExportValue:
		return "export_value"
	case fTotalAssets:
		return "total_assets"
	case fTags:
		return "tags"
	case fCredit:
		return "credit"
	case fStatus:
		return "status"
	case fSize:
		return "size"
	case fAgeYears:
		return "age_years"
	}
	return ""
}

// def returns the catalogue entry of f.
func (f fieldID) def() enterprise.Field {
	d, _ := enterprise.FieldByName(f.name())
	return d
}

// typ returns the type of f.
func (f fieldID) typ() enterprise.FieldType {
	switch f {
	case fName, fStreet:
		return enterprise.TypeText
	case fKind, fCredit, fStatus, fSize:
		return enterprise.TypeEnum
	case fIndustry:
		return enterprise.TypeIndustry
	case fDistrict:
		return enterprise.TypeDivision
	case fFounded:
		return enterprise.TypeDate
	case fEmployees, fAgeYears:
		return enterprise.TypeCount
	case fTags:
		return enterprise.TypeTags
	}
	return enterprise.TypeMoney
}

// numeric reports whether f holds numbers (money, counts, dates).
func (f fieldID) numeric() bool {
	switch f.typ() {
	case enterprise.TypeMoney, enterprise.TypeCount, enterprise.TypeDate:
		return true
	}
	return false
}

// label returns the Chinese label of f.
func (f fieldID) label() string {
	if d := f.def(); d.Label != "" {
		return d.Label
	}
	return f.name()
}

// id returns the field id of leaf r.
func (r *Rule) id() fieldID {
	if r.fid != fNone {
		return r.fid
	}
	if f, ok := enterprise.FieldByName(r.Field); ok {
		return fieldIDOf(f.Name)
	}
	return fNone
}

// opsFor lists the operators a field type accepts, in display order.
func opsFor(t enterprise.FieldType) []Op {
	switch t {
	case enterprise.TypeText, enterprise.TypeEnum, enterprise.TypeDivision:
		return []Op{OpEq, OpNe, OpIn, OpNotIn, OpKnown, OpUnknown}
	case enterprise.TypeIndustry:
		return []Op{OpEq, OpNe, OpIn, OpNotIn, OpPrefix, OpKnown, OpUnknown}
	case enterprise.TypeTags:
		return []Op{OpHas, OpHasAny, OpHasAll, OpKnown, OpUnknown}
	}
	return []Op{OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpBetween, OpKnown, OpUnknown}
}

// arity classes of operators.
const (
	arityNone   = iota // known, unknown
	arityScalar        // ==, !=, <, <=, >, >=, has
	arityList          // in, not_in, has_any, has_all, prefix
	arityPair          // between
)

// arity returns the operand class of op, and false for an unknown operator.
func arity(op Op) (int, bool) {
	switch op {
	case OpKnown, OpUnknown:
		return arityNone, true
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpHas:
		return arityScalar, true
	case OpIn, OpNotIn, OpHasAny, OpHasAll, OpPrefix:
		return arityList, true
	case OpBetween:
		return arityPair, true
	}
	return 0, false
}

// Leaves returns the number of leaf conditions in r.
func (r *Rule) Leaves() int {
	switch {
	case r.All != nil:
		n := 0
		for _, c := range r.All {
			n += c.Leaves()
		}
		return n
	case r.Any != nil:
		n := 0
		for _, c := range r.Any {
			n += c.Leaves()
		}
		return n
	case r.Not != nil:
		return r.Not.Leaves()
	}
	return 1
}

// Fields returns the canonical names of the fields r reads, each once, in
// the order they first appear.
func (r *Rule) Fields() []string {
	var out []string
	seen := map[string]bool{}
	r.walk("", false, func(n *Rule, _ string, _ bool) {
		name := n.id().name()
		if name == "" {
			name = n.Field
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	})
	return out
}

// walk calls fn for every leaf of r with its path and whether it sits under
// an odd number of nots.
func (r *Rule) walk(path string, neg bool, fn func(leaf *Rule, path string, neg bool)) {
	switch {
	case r.All != nil:
		for i, c := range r.All {
			c.walk(childPath(path, "all", i), neg, fn)
		}
	case r.Any != nil:
		for i, c := range r.Any {
			c.walk(childPath(path, "any", i), neg, fn)
		}
	case r.Not != nil:
		r.Not.walk(childPath(path, "not", -1), !neg, fn)
	default:
		fn(r, path, neg)
	}
}

// childPath returns the path of a child: all[2], any[0] or not below path.
func childPath(path, kind string, i int) string {
	step := kind
	if i >= 0 {
		step = kind + "[" + itoa(int64(i)) + "]"
	}
	if path == "" {
		return step
	}
	return path + "." + step
}
