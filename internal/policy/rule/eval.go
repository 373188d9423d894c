package rule

import (
	"strings"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/workday"
)

// Eval evaluates r for one enterprise on date today (which fixes age_years)
// in Kleene logic: a leaf on an unknown field is Unknown, except known and
// unknown, which are always Yes or No; all is No if any child is No, else
// Unknown if any child is Unknown, else Yes; any is the dual; not keeps
// Unknown. This is the reference semantics the other evaluators match.
func (r *Rule) Eval(e *enterprise.Enterprise, today workday.Date) Outcome {
	switch {
	case r.All != nil:
		out := Yes
		for _, c := range r.All {
			o := c.Eval(e, today)
			if o == No {
				return No
			}
			if o < out {
				out = o
			}
		}
		return out
	case r.Any != nil:
		out := No
		for _, c := range r.Any {
			o := c.Eval(e, today)
			if o == Yes {
				return Yes
			}
			if o > out {
				out = o
			}
		}
		return out
	case r.Not != nil:
		return r.Not.Eval(e, today).not()
	}
	return r.evalLeaf(e, today)
}

// evalLeaf evaluates a leaf condition.
func (r *Rule) evalLeaf(e *enterprise.Enterprise, today workday.Date) Outcome {
	f := r.id()
	switch r.Op {
	case OpKnown:
		return yesIf(isKnown(e, f))
	case OpUnknown:
		return yesIf(!isKnown(e, f))
	}
	switch {
	case f == fTags:
		if e.Tags == nil {
			return Unknown
		}
		switch r.Op {
		case OpHas:
			return yesIf(contains(e.Tags, r.Values[0]))
		case OpHasAny:
			for _, v := range r.Values {
				if contains(e.Tags, v) {
					return Yes
				}
			}
			return No
		case OpHasAll:
			for _, v := range r.Values {
				if !contains(e.Tags, v) {
					return No
				}
			}
			return Yes
		}
	case f.numeric():
		x, ok := numberOf(e, f, today)
		if !ok {
			return Unknown
		}
		return yesIf(compareNumber(r.Op, x, r.Numbers))
	default:
		s, ok := stringOf(e, f)
		if !ok {
			return Unknown
		}
		switch r.Op {
		case OpEq:
			return yesIf(s == r.Values[0])
		case OpNe:
			return yesIf(s != r.Values[0])
		case OpIn:
			return yesIf(contains(r.Values, s))
		case OpNotIn:
			return yesIf(!contains(r.Values, s))
		case OpPrefix:
			for _, p := range r.Values {
				if strings.HasPrefix(s, p) {
					return Yes
				}
			}
			return No
		}
	}
	return Unknown
}

// compareNumber applies a numeric operator.
func compareNumber(op Op, x int64, v []int64) bool {
	switch op {
	case OpEq:
		return x == v[0]
	case OpNe:
		return x != v[0]
	case OpLt:
		return x < v[0]
	case OpLe:
		return x <= v[0]
	case OpGt:
		return x > v[0]
	case OpGe:
		return x >= v[0]
	case OpBetween:
		return v[0] <= x && x <= v[1]
	}
	return false
}

func yesIf(b bool) Outcome {
	if b {
		return Yes
	}
	return No
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// isKnown reports whether field f of e is known.
func isKnown(e *enterprise.Enterprise, f fieldID) bool {
	switch {
	case f == fTags:
		return e.Tags != nil
	case f == fAgeYears:
		return e.Founded != nil
	case f.numeric():
		_, ok := numberOf(e, f, 0)
		return ok
	}
	_, ok := stringOf(e, f)
	return ok
}

// stringOf returns a string-valued field of e and whether it is known. An
// empty name counts as unknown.
func stringOf(e *enterprise.Enterprise, f fieldID) (string, bool) {
	var p *string
	switch f {
	case fName:
		return e.Name, e.Name != ""
	case fKind:
		p = e.Kind
	case fIndustry:
		p = e.Industry
	case fDistrict:
		p = e.District
	case fStreet:
		p = e.Street
	case fCredit:
		p = e.Credit
	case fStatus:
		p = e.Status
	case fSize:
		p = e.Size
	}
	if p == nil {
		return "", false
	}
	return *p, true
}

// intField returns the pointer of an integer field of e.
func intField(e *enterprise.Enterprise, f fieldID) *int64 {
	switch f {
	case fRegisteredCapital:
		return e.RegisteredCapital
	case fEmployees:
		return e.Employees
	case fRevenue:
		return e.Revenue
	case fRDExpense:
		return e.RDExpense
	case fTaxPaid:
		return e.TaxPaid
	case fExportValue:
		return e.ExportValue
	case fTotalAssets:
		return e.TotalAssets
	}
	return nil
}

// numberOf returns a numeric field of e (a date as days) and whether it is
// known.
func numberOf(e *enterprise.Enterprise, f fieldID, today workday.Date) (int64, bool) {
	switch f {
	case fFounded:
		if e.Founded == nil {
			return 0, false
		}
		return int64(*e.Founded), true
	case fAgeYears:
		if e.Founded == nil {
			return 0, false
		}
		return ageYears(*e.Founded, today), true
	}
	p := intField(e, f)
	if p == nil {
		return 0, false
	}
	return *p, true
}

// ageYears returns the completed years from founded to today, never less
// than zero; it agrees with enterprise.Enterprise.AgeYears without
// allocating.
func ageYears(founded, today workday.Date) int64 {
	fy, fm, fd := founded.YMD()
	ty, tm, td := today.YMD()
	age := int64(ty - fy)
	if tm < fm || (tm == fm && td < fd) {
		age--
	}
	if age < 0 {
		age = 0
	}
	return age
}
