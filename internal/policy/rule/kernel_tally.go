package rule

import (
	"cmp"
	"math"
	"math/bits"
	"slices"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
)

// Tally is what a simulation reports of a rule: how many live rows have
// each outcome and, for an amount, the budget of the eligible ones, in
// total and per value of a categorical field.
type Tally struct {
	Counts
	Budget BudgetSum    // of the eligible rows; zero without an amount
	Groups []TallyGroup // sorted by value, "" (unknown) last; values with no eligible and no unknown row are left out
}

// TallyGroup is the part of a Tally for one value of the grouping field.
type TallyGroup struct {
	Value    string // "" for the rows where the field is unknown
	Eligible uint64
	Unknown  uint64
	Budget   BudgetSum // of the group's eligible rows
}

// tallyAcc accumulates one group of a Tally.
type tallyAcc struct {
	eligible, unknown, unknownBase uint64
	yuan                           int64
}

// Tally evaluates valid rule r as Evaluate does and, in the same pass over
// each chunk of rows while it is in cache, counts the outcomes, sums
// amount a (nil: none) over the eligible rows with the meaning of Budget,
// and, when field is not "", counts and sums per value of field, one of
// kind, industry (full code), district, street, credit, status and size.
// No roaring bitmap is made. Another field is an *errs.Error (Invalid,
// field "field"), an invalid amount one with field "amount".
func (s *Table) Tally(r *Rule, a *Amount, field string) (Tally, error) {
	var c *calc
	if a != nil {
		if err := a.Validate(); err != nil {
			return Tally{}, err
		}
		p := a.prepare()
		c = &p
	}
	f := fNone
	if field != "" {
		fd, ok := enterprise.FieldByName(field)
		if f = fieldIDOf(fd.Name); !ok || s.cats[f] == nil {
			return Tally{}, errs.FieldErrorf("field", "只能按一个值的分类字段分组（kind、industry、district、street、credit、status、size），而不是“%s”", field)
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	tl := tallier{calc: c, groups: 1}
	if f != fNone {
		col := s.cats[f]
		tl.codes, tl.groups = col.codes, len(col.dict)+1
	}
	if c != nil && c.fixed == 0 {
		tl.base = s.ints[c.base]
	}
	workers := s.workers()
	accs := make([][]tallyAcc, workers)
	counts := make([]Counts, workers)
	for w := range accs {
		accs[w] = make([]tallyAcc, tl.groups)
	}
	batches := make([]batch, workers)
	s.evaluate(r, workers, func(w int, o *outcome) { tl.add(o, accs[w], &counts[w], &batches[w]) })

	var out Tally
	total := make([]tallyAcc, tl.groups)
	for w, acc := range accs {
		out.Eligible += counts[w].Eligible
		out.Unknown += counts[w].Unknown
		out.NotEligible += counts[w].NotEligible
		for g, x := range acc {
			t := &total[g]
			t.eligible += x.eligible
			t.unknown += x.unknown
			t.unknownBase += x.unknownBase
			t.yuan = addYuan(t.yuan, x.yuan)
		}
	}
	if c != nil {
		for _, t := range total {
			out.Budget.Yuan = addYuan(out.Budget.Yuan, t.yuan)
			out.Budget.UnknownBase += t.unknownBase
		}
		out.Budget.Rows = out.Eligible
	}
	if f == fNone {
		return out, nil
	}
	group := func(v string, t tallyAcc) {
		if t.eligible+t.unknown > 0 {
			g := TallyGroup{Value: v, Eligible: t.eligible, Unknown: t.unknown}
			if c != nil {
				g.Budget = BudgetSum{Yuan: t.yuan, Rows: t.eligible, UnknownBase: t.unknownBase}
			}
			out.Groups = append(out.Groups, g)
		}
	}
	for i, v := range s.cats[f].dict {
		group(v, total[i+1])
	}
	slices.SortFunc(out.Groups, func(a, b TallyGroup) int { return cmp.Compare(a.Value, b.Value) })
	group("", total[0])
	return out, nil
}

// tallier is what a Tally adds up, read by every worker.
type tallier struct {
	calc   *calc      // nil: no budget
	base   *intColumn // the amount's base column; nil for a fixed amount
	codes  []uint32   // the grouping column (0: unknown); nil: one group
	groups int
}

// tallyBatch is how many rows a worker gathers before it adds them up.
const tallyBatch = 512

// batch is a worker's buffer of rows (of one chunk, from its first row)
// and of the values gathered for them.
type batch struct {
	rows  [tallyBatch]uint32
	codes [tallyBatch]uint32
	vals  [tallyBatch]int64
}

// add adds one chunk's outcome to a worker's accumulators. Counts are
// popcounts. For the budget and the groups of the eligible rows, the rows
// are collected in batches and the columns read for a whole batch in a
// loop without branches on the data: the rows are scattered over
// megabytes of column, and such a loop keeps many cache misses in flight
// instead of waiting for each before the amount's branches. Unknown rows
// only add to their group's count, which needs no batch.
func (tl *tallier) add(o *outcome, acc []tallyAcc, n *Counts, b *batch) {
	var ny, nu, nn int
	for i := range o.t {
		ny += bits.OnesCount64(o.t[i])
		nu += bits.OnesCount64(o.u[i])
		nn += bits.OnesCount64(o.f[i])
	}
	n.Eligible += uint64(ny)
	n.Unknown += uint64(nu)
	n.NotEligible += uint64(nn)
	if tl.calc != nil || tl.codes != nil {
		tl.eligibleRows(o, b, acc)
	}
	if tl.codes == nil {
		return
	}
	codes := tl.codes[o.w0<<6 : min((o.w0+len(o.u))<<6, len(tl.codes))]
	for i, w := range o.u {
		for ; w != 0; w &= w - 1 {
			acc[codes[i<<6|bits.TrailingZeros64(w)]].unknown++
		}
	}
}

// eligibleRows collects the eligible rows of chunk o in batches and adds
// up each full batch and the last one.
func (tl *tallier) eligibleRows(o *outcome, b *batch, acc []tallyAcc) {
	n := 0
	for i, w := range o.t {
		for ; w != 0; w &= w - 1 {
			b.rows[n&(tallyBatch-1)] = uint32(i<<6 | bits.TrailingZeros64(w))
			if n++; n == tallyBatch {
				tl.eligible(o, b.rows[:], b, acc)
				n = 0
			}
		}
	}
	if n > 0 {
		tl.eligible(o, b.rows[:n], b, acc)
	}
}

// eligible counts a batch of eligible rows (of chunk o, from its first
// row) per group and sums their amounts.
func (tl *tallier) eligible(o *outcome, rows []uint32, b *batch, acc []tallyAcc) {
	gs := b.codes[:len(rows)]
	if tl.codes != nil {
		codes := tl.codes[o.w0<<6:]
		for k, row := range rows {
			gs[k] = codes[row]
		}
	} else {
		clear(gs)
	}
	c := tl.calc
	switch {
	case c == nil:
		for _, g := range gs {
			acc[g].eligible++
		}
		return
	case tl.base == nil:
		for _, g := range gs {
			a := &acc[g]
			a.eligible++
			a.yuan = addYuan(a.yuan, c.fixed)
		}
		return
	}
	vals, known := tl.base.vals[o.w0<<6:], tl.base.known[o.w0:]
	vs := b.vals[:len(rows)]
	for k, row := range rows {
		vs[k] = vals[row]
	}
	for k, row := range rows {
		a := &acc[gs[k]]
		a.eligible++
		if known[row>>6]>>(row&63)&1 == 0 {
			a.unknownBase++
			continue
		}
		a.yuan = addYuan(a.yuan, c.of(vs[k]))
	}
}

// addYuan returns a+v for v >= 0, saturating at the int64 maximum.
func addYuan(a, v int64) int64 {
	if a > math.MaxInt64-v {
		return math.MaxInt64
	}
	return a + v
}
