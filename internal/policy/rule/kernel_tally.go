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
func (s *Snapshot) Tally(r *Rule, a *Amount, field string) (Tally, error) {
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
	n     int
}

// add adds one chunk's outcome to a worker's accumulators. Counts are
// popcounts. The rows that need more (the eligible ones for the budget or
// the groups, the unknown ones for the groups) are collected in batches,
// and the columns are read for a whole batch in a loop without branches
// on the data: the rows are scattered over megabytes of column, and such a
// loop keeps many cache misses in flight instead of waiting for each.
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
		tl.each(o, o.t, b, tl.eligible, acc)
	}
	if tl.codes != nil {
		tl.each(o, o.u, b, tl.unknown, acc)
	}
}

// each collects the rows of set (words of chunk o) in batches and calls
// fn with each full batch and the last one.
func (tl *tallier) each(o *outcome, set bitset, b *batch, fn func(o *outcome, b *batch, acc []tallyAcc), acc []tallyAcc) {
	b.n = 0
	for i, w := range set {
		for ; w != 0; w &= w - 1 {
			b.rows[b.n] = uint32(i<<6 | bits.TrailingZeros64(w))
			b.n++
			if b.n == tallyBatch {
				fn(o, b, acc)
				b.n = 0
			}
		}
	}
	if b.n > 0 {
		fn(o, b, acc)
	}
}

// gather reads the group code of every row of b.
func (tl *tallier) gather(o *outcome, b *batch) {
	codes := tl.codes[o.w0<<6:]
	for k, row := range b.rows[:b.n] {
		b.codes[k] = codes[row]
	}
}

// unknown counts a batch of unknown rows per group.
func (tl *tallier) unknown(o *outcome, b *batch, acc []tallyAcc) {
	tl.gather(o, b)
	for _, g := range b.codes[:b.n] {
		acc[g].unknown++
	}
}

// eligible counts a batch of eligible rows per group and sums their
// amounts.
func (tl *tallier) eligible(o *outcome, b *batch, acc []tallyAcc) {
	if tl.codes != nil {
		tl.gather(o, b)
	} else {
		clear(b.codes[:b.n])
	}
	c := tl.calc
	if c == nil {
		for _, g := range b.codes[:b.n] {
			acc[g].eligible++
		}
		return
	}
	if tl.base == nil {
		for _, g := range b.codes[:b.n] {
			a := &acc[g]
			a.eligible++
			a.yuan = addYuan(a.yuan, c.fixed)
		}
		return
	}
	vals, known := tl.base.vals[o.w0<<6:], tl.base.known[o.w0:]
	for k, row := range b.rows[:b.n] {
		b.vals[k] = vals[row]
	}
	for k, row := range b.rows[:b.n] {
		a := &acc[b.codes[k]]
		a.eligible++
		if known[row>>6]>>(row&63)&1 == 0 {
			a.unknownBase++
			continue
		}
		a.yuan = addYuan(a.yuan, c.of(b.vals[k]))
	}
}

// addYuan returns a+v for v >= 0, saturating at the int64 maximum.
func addYuan(a, v int64) int64 {
	if a > math.MaxInt64-v {
		return math.MaxInt64
	}
	return a + v
}
