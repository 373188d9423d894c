package rule

import (
	"fmt"
	"math/bits"
	"slices"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// IndexedRule is a published rule (a policy clause) with its id.
type IndexedRule struct {
	ID   int64
	Rule *Rule
}

// Match is the outcome of one indexed rule for one enterprise.
type Match struct {
	ID      int64
	Outcome Outcome
}

// Index matches one enterprise against many rules without evaluating the
// rules that cannot hold for it ("which policies may I apply for?").
//
// For each rule it picks anchors: conditions on categorical fields one of
// which an enterprise must meet (or have unknown) for the rule not to be
// No. An anchor is a tag for has, has_all or has_any, a value list for ==
// or in on name, street, industry, district, size, kind, credit or status,
// or prefixes for an industry prefix. An all takes the best anchors of its
// children (tags first, then the narrower fields), an any the anchors of
// all its children, a not none. Rules are bucketed by anchor value. Match evaluates the rules without an anchor, the rules
// whose anchor value the enterprise has, and every rule anchored on a field
// the enterprise has unknown (those may be Unknown); all others are No
// without being looked at, because their anchor is a known mismatch. So
// the cost grows with the rules that can match, not with all rules.
//
// An Index is immutable and safe for concurrent use; build a new one when
// the published rules change.
type Index struct {
	rules   []IndexedRule
	free    []int32 // rules without an anchor
	anchors [nFields]*anchorSet
}

// anchorSet buckets the rules anchored on one field.
type anchorSet struct {
	all    []int32            // every rule anchored here
	exact  map[string][]int32 // value → rules
	prefix map[string][]int32 // industry prefix → rules
}

// NewIndex validates rules and indexes them. An invalid rule is an
// *errs.Error (Invalid, field "rule") naming its id.
func NewIndex(rules []IndexedRule) (*Index, error) {
	ix := &Index{rules: slices.Clone(rules)}
	for i, ir := range ix.rules {
		if ir.Rule == nil {
			return nil, &errs.Error{Code: errs.Invalid, Field: "rule", Message: fmt.Sprintf("规则 %d 为空", ir.ID)}
		}
		if err := ir.Rule.Validate(); err != nil {
			return nil, &errs.Error{Code: errs.Invalid, Field: "rule", Message: fmt.Sprintf("规则 %d：%s", ir.ID, errs.MessageOf(err)), Err: err}
		}
		anchors, ok := anchorsOf(ir.Rule)
		if !ok {
			ix.free = append(ix.free, int32(i))
			continue
		}
		for _, a := range anchors {
			set := ix.anchors[a.field]
			if set == nil {
				set = &anchorSet{exact: map[string][]int32{}, prefix: map[string][]int32{}}
				ix.anchors[a.field] = set
			}
			if n := len(set.all); n == 0 || set.all[n-1] != int32(i) {
				set.all = append(set.all, int32(i))
			}
			bucket := set.exact
			if a.prefix {
				bucket = set.prefix
			}
			for _, v := range uniq(a.values) {
				if b := bucket[v]; len(b) == 0 || b[len(b)-1] != int32(i) {
					bucket[v] = append(b, int32(i))
				}
			}
		}
	}
	return ix, nil
}

func uniq(vs []string) []string {
	out := slices.Clone(vs)
	slices.Sort(out)
	return slices.Compact(out)
}

// anchor is a required leaf: the rule is No unless field has one of values
// (as a prefix when prefix is set).
type anchor struct {
	field  fieldID
	values []string
	prefix bool
	score  int
}

// anchorRank orders fields by how much an anchor on them narrows the rules.
func anchorRank(f fieldID) int {
	switch f {
	case fTags:
		return 0
	case fName:
		return 1
	case fStreet:
		return 2
	case fIndustry:
		return 3
	case fDistrict:
		return 4
	case fSize:
		return 5
	case fKind:
		return 6
	case fCredit:
		return 7
	case fStatus:
		return 8
	}
	return -1
}

// anchorsOf returns anchors of r such that r is No for an enterprise
// unless it matches one of them or has one of their fields unknown: the
// best anchor of any child of an all (a single leaf is its own anchor),
// the anchors of every child of an any; a not has none.
func anchorsOf(r *Rule) ([]anchor, bool) {
	switch {
	case r.All != nil:
		var best []anchor
		bestScore, found := 0, false
		for _, c := range r.All {
			as, ok := anchorsOf(c)
			if !ok {
				continue
			}
			score := 0
			for _, a := range as {
				score += a.score
			}
			if !found || score < bestScore {
				best, bestScore, found = as, score, true
			}
		}
		return best, found
	case r.Any != nil:
		var all []anchor
		for _, c := range r.Any {
			as, ok := anchorsOf(c)
			if !ok {
				return nil, false
			}
			all = append(all, as...)
		}
		return all, true
	case r.Not != nil:
		return nil, false
	}
	f := r.id()
	rank := anchorRank(f)
	if rank < 0 {
		return nil, false
	}
	a := anchor{field: f}
	switch r.Op {
	case OpHas, OpHasAll:
		a.values = r.Values[:1]
	case OpHasAny, OpEq, OpIn:
		a.values = r.Values
	case OpPrefix:
		a.values, a.prefix = r.Values, true
	default:
		return nil, false
	}
	a.score = 1000 + rank*100 + len(a.values)
	return []anchor{a}, true
}

// Len returns the number of indexed rules.
func (ix *Index) Len() int { return len(ix.rules) }

// candidates returns, in rule order without repeats, the rules that may be
// Yes or Unknown for e.
func (ix *Index) candidates(e *enterprise.Enterprise) []int32 {
	marks := make(bitset, words(len(ix.rules)))
	mark := func(rules []int32) {
		for _, i := range rules {
			marks.set(uint32(i))
		}
	}
	mark(ix.free)
	for f, set := range ix.anchors {
		if set == nil {
			continue
		}
		fid := fieldID(f)
		if fid == fTags {
			if e.Tags == nil {
				mark(set.all)
				continue
			}
			for _, t := range e.Tags {
				mark(set.exact[t])
			}
			continue
		}
		v, ok := stringOf(e, fid)
		if !ok {
			mark(set.all)
			continue
		}
		mark(set.exact[v])
		if len(set.prefix) > 0 {
			for k := 1; k <= len(v) && k <= maxPrefix; k++ {
				mark(set.prefix[v[:k]])
			}
		}
	}
	cand := make([]int32, 0, marks.count())
	for w, m := range marks {
		for ; m != 0; m &= m - 1 {
			cand = append(cand, int32(w<<6|bits.TrailingZeros64(m)))
		}
	}
	return cand
}

// Match returns, in index order, every rule whose outcome for e on date
// today is Yes or Unknown.
func (ix *Index) Match(e *enterprise.Enterprise, today workday.Date) []Match {
	var out []Match
	for _, i := range ix.candidates(e) {
		ir := ix.rules[i]
		if o := ir.Rule.Eval(e, today); o != No {
			out = append(out, Match{ID: ir.ID, Outcome: o})
		}
	}
	return out
}

// MatchAll returns the outcome of every rule for e on date today, in index
// order, No included; rules the index rules out are No without being
// evaluated.
func (ix *Index) MatchAll(e *enterprise.Enterprise, today workday.Date) []Match {
	out := make([]Match, len(ix.rules))
	for i, ir := range ix.rules {
		out[i] = Match{ID: ir.ID, Outcome: No}
	}
	for _, i := range ix.candidates(e) {
		out[i].Outcome = ix.rules[i].Rule.Eval(e, today)
	}
	return out
}
