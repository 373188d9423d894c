package rule

import (
	"cmp"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// Result is the outcome of a rule for every enterprise of a Table, as
// three disjoint bitmaps of rows that together cover the live rows. The
// bitmaps belong to the caller.
type Result struct {
	Eligible    *roaring.Bitmap // 符合
	Unknown     *roaring.Bitmap // 待补充信息
	NotEligible *roaring.Bitmap // 不符合

	snap *Table // the snapshot evaluated, and
	gen  uint64 // its row generation then, for GroupBy's shortcut
}

// Counts are the sizes of a Result.
type Counts struct {
	Eligible    uint64
	Unknown     uint64
	NotEligible uint64
}

// Count returns the number of rows with each outcome.
func (r Result) Count() Counts {
	return Counts{
		Eligible:    r.Eligible.GetCardinality(),
		Unknown:     r.Unknown.GetCardinality(),
		NotEligible: r.NotEligible.GetCardinality(),
	}
}

// Evaluate evaluates valid rule r for every enterprise in the snapshot, with
// the same meaning as Rule.Eval for each of them (age_years for Today).
//
// The rule is first compiled against the snapshot: categorical and tag
// leaves become dense bitmaps of matching rows, money/count/date leaves
// become ranges over a column, age_years a range of founding dates. The
// rows are then evaluated in chunks of 65,536, spread over the cores
// (GOMAXPROCS). Within a chunk each node is evaluated to a pair of bitsets
// (T: true, F: false; unknown is the rest) restricted to the rows that can
// still change the answer: the children of an all are visited cheapest
// first, and a child only looks at rows no earlier child made false
// (dually for any), so a column scan touches only the 64-row words that
// hold candidates. not swaps T and F.
func (s *Table) Evaluate(r *Rule) Result {
	s.mu.RLock()
	defer s.mu.RUnlock()
	nw := words(s.n)
	t, u, f := make(bitset, nw), make(bitset, nw), make(bitset, nw)
	s.evaluate(r, s.workers(), func(_ int, o *outcome) {
		copy(t[o.w0:], o.t)
		copy(u[o.w0:], o.u)
		copy(f[o.w0:], o.f)
	})
	return Result{
		Eligible:    roaring.FromDense(t, false),
		Unknown:     roaring.FromDense(u, false),
		NotEligible: roaring.FromDense(f, false),
		snap:        s,
		gen:         s.gen,
	}
}

// chunkWords is the number of 64-row words evaluated together (65,536
// rows): the scratch bitsets of a chunk (8 KB each) stay in the core's
// cache from one node of a plan to the next, and chunks are the work the
// cores share.
const chunkWords = 1 << 10

// outcome is the evaluation of a rule over one chunk, the words from w0
// on: eligible (t), not eligible (f) and unknown (u) live rows. The
// bitsets are only valid during the call that receives them.
type outcome struct {
	w0      int
	t, f, u bitset
}

// workers returns how many goroutines evaluate the snapshot's chunks: one
// per core, at most one per chunk.
func (s *Table) workers() int {
	return max(1, min(runtime.GOMAXPROCS(0), (words(s.n)+chunkWords-1)/chunkWords))
}

// evaluate compiles r and evaluates it chunk by chunk on the given number
// of goroutines, calling visit with each chunk's outcome and the number
// (below workers) of the goroutine that evaluated it, so that visit can
// keep per-goroutine state without locks. The caller holds the read lock.
func (s *Table) evaluate(r *Rule, workers int, visit func(worker int, o *outcome)) {
	nw := words(s.n)
	cp := &compiler{s: s, nw: nw}
	p := cp.compile(r)
	defer cp.release()
	chunks := (nw + chunkWords - 1) / chunkWords
	var next atomic.Int64
	work := func(worker int) {
		ev := &evaluator{s: s}
		var o outcome
		for {
			k := int(next.Add(1)) - 1
			if k >= chunks {
				return
			}
			ev.w0, ev.cw = k*chunkWords, min(chunkWords, nw-k*chunkWords)
			live := s.live[ev.w0 : ev.w0+ev.cw]
			care := ev.get()
			copy(care, live)
			t, f := ev.eval(p, care)
			for i, l := range live {
				care[i] = l &^ (t[i] | f[i])
			}
			o = outcome{w0: ev.w0, t: t, f: f, u: care}
			visit(worker, &o)
			ev.put(t)
			ev.put(f)
			ev.put(care)
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Go(func() { work(w) })
	}
	work(0)
	wg.Wait()
}

// planKind is the kind of a compiled node.
type planKind uint8

const (
	pAll   planKind = iota
	pAny            // at least one child
	pNot            // negation
	pSet            // rows in a dense set among the known rows
	pKnown          // the known rows
	pInt            // int64 column value in [lo, hi]
	pDate           // int32 column value in [lo, hi]
	pName           // name in names
)

// plan is a rule compiled against one snapshot. Leaves hold T = known ∧
// cond and F = known ∧ ¬cond, swapped when neg is set.
type plan struct {
	kind   planKind
	kids   []*plan
	neg    bool
	known  bitset // snapshot-owned, read only
	rows   bitset // pSet: the set over every row; nil: the empty set
	ints   []int64
	dates  []int32
	lo, hi int64
	names  map[string]struct{}
	cost   int
}

// compiler turns a rule into a plan over one snapshot.
type compiler struct {
	s     *Table
	nw    int
	dense []bitset // the plan's sets, returned to the pool by release
}

// release returns the plan's dense sets to the pool.
func (cp *compiler) release() {
	for _, b := range cp.dense {
		putDense(b)
	}
	cp.dense = nil
}

// set returns the union (or, with and, the intersection) of sets as a
// dense bitset over every row (nil: empty); each bitmap is written out
// densely and combined word by word, which is cheaper than combining
// roaring bitmaps.
func (cp *compiler) set(sets []*roaring.Bitmap, and bool) bitset {
	if len(sets) == 0 {
		return nil
	}
	out := getDense(cp.nw)
	clear(out)
	cp.dense = append(cp.dense, out)
	sets[0].WriteDenseTo(out)
	if len(sets) == 1 {
		return out
	}
	tmp := getDense(cp.nw)
	defer putDense(tmp)
	for _, bm := range sets[1:] {
		clear(tmp)
		bm.WriteDenseTo(tmp) // sets bits, but copies whole bitmap containers
		if and {
			for i, w := range tmp {
				out[i] &= w
			}
		} else {
			for i, w := range tmp {
				out[i] |= w
			}
		}
	}
	return out
}

// evaluator holds the state of one goroutine of an evaluation: the chunk
// it is on and its scratch bitsets.
type evaluator struct {
	s      *Table
	w0, cw int // the chunk: its first word and its length in words
	free   []bitset
}

// get returns a bitset of cw words with any content: every caller
// overwrites each word.
func (ev *evaluator) get() bitset {
	if n := len(ev.free); n > 0 {
		b := ev.free[n-1]
		ev.free = ev.free[:n-1]
		return b[:ev.cw]
	}
	return make(bitset, ev.cw, chunkWords)
}

// put returns a bitset for reuse.
func (ev *evaluator) put(b bitset) { ev.free = append(ev.free, b) }

// compile turns r into a plan over the snapshot.
func (cp *compiler) compile(r *Rule) *plan {
	switch {
	case r.All != nil || r.Any != nil:
		p := &plan{kind: pAll, kids: make([]*plan, 0, len(r.All)+len(r.Any)), cost: 1}
		kids := r.All
		if r.Any != nil {
			p.kind, kids = pAny, r.Any
		}
		for _, c := range kids {
			k := cp.compile(c)
			p.kids = append(p.kids, k)
			p.cost += k.cost
		}
		slices.SortStableFunc(p.kids, func(a, b *plan) int { return cmp.Compare(a.cost, b.cost) })
		return p
	case r.Not != nil:
		k := cp.compile(r.Not)
		return &plan{kind: pNot, kids: []*plan{k}, cost: k.cost}
	}
	return cp.compileLeaf(r)
}

// compileLeaf compiles one leaf condition.
func (cp *compiler) compileLeaf(r *Rule) *plan {
	s := cp.s
	f := r.id()
	p := &plan{kind: pSet, cost: 1}
	switch {
	case f == fTags:
		p.known = s.tagsKnown
	case f == fName:
		p.known = s.names.known
	case f == fFounded || f == fAgeYears:
		p.known = s.founded.known
	case s.ints[f] != nil:
		p.known = s.ints[f].known
	case s.cats[f] != nil:
		p.known = s.cats[f].known
	}
	switch r.Op {
	case OpKnown:
		p.kind = pKnown
		return p
	case OpUnknown:
		p.kind, p.neg = pKnown, true
		return p
	case OpNe, OpNotIn:
		p.neg = true
	}
	var sets []*roaring.Bitmap
	switch {
	case f == fTags:
		for _, v := range r.Values {
			bm := s.tags[v]
			if bm == nil {
				if r.Op == OpHasAll {
					return p // some tag nobody has: no row has them all
				}
				continue
			}
			sets = append(sets, bm)
		}
		p.rows = cp.set(sets, r.Op == OpHasAll)
	case f == fName:
		p.kind, p.cost = pName, 20
		p.names = make(map[string]struct{}, len(r.Values))
		for _, v := range r.Values {
			p.names[v] = struct{}{}
		}
	case f == fIndustry && r.Op == OpPrefix:
		for _, v := range r.Values {
			if bm := s.prefix[v]; bm != nil {
				sets = append(sets, bm)
			}
		}
		p.rows = cp.set(sets, false)
	case s.cats[f] != nil:
		c := s.cats[f]
		for _, v := range r.Values {
			if code, ok := c.lookup[v]; ok {
				sets = append(sets, c.rows[code-1])
			}
		}
		p.rows = cp.set(sets, false)
	default:
		lo, hi, ok := numberRange(r.Op, r.Numbers)
		if f == fAgeYears && ok {
			lo, hi, ok = ageDates(lo, hi, s.today)
		}
		if !ok {
			return p // empty range: nothing is true, every known row is false
		}
		p.lo, p.hi, p.cost = lo, hi, 8
		if f == fFounded || f == fAgeYears {
			p.kind, p.dates = pDate, s.founded.vals
		} else {
			p.kind, p.ints = pInt, s.ints[f].vals
		}
	}
	return p
}

// numberRange turns a numeric operator into the closed range of values it
// accepts (!= gives the range of ==, to be negated); ok is false when the
// range is empty.
func numberRange(op Op, v []int64) (lo, hi int64, ok bool) {
	lo, hi = math.MinInt64, math.MaxInt64
	switch op {
	case OpEq, OpNe:
		lo, hi = v[0], v[0]
	case OpLt:
		if v[0] == math.MinInt64 {
			return 0, 0, false
		}
		hi = v[0] - 1
	case OpLe:
		hi = v[0]
	case OpGt:
		if v[0] == math.MaxInt64 {
			return 0, 0, false
		}
		lo = v[0] + 1
	case OpGe:
		lo = v[0]
	case OpBetween:
		lo, hi = v[0], v[1]
	}
	return lo, hi, lo <= hi
}

// maxAge bounds the ages turned into dates; larger ones are beyond any date.
const maxAge = 100000

// ageThreshold returns the last date D on which an enterprise founded on D
// is at least k (>= 1) full years old on today.
func ageThreshold(k int64, today workday.Date) int64 {
	if k > maxAge {
		return math.MinInt32 - 1
	}
	ty, tm, td := today.YMD()
	y := ty - int(k)
	d := workday.NewDate(y, tm, td)
	if yy, mm, dd := d.YMD(); yy != y || mm != tm || dd != td {
		d = workday.NewDate(y, tm+1, 1) - 1 // 29 February in a common year
	}
	return int64(d)
}

// ageDates turns the age range [a, b] into the range of founding dates with
// that age on today (ages are never below zero).
func ageDates(a, b int64, today workday.Date) (lo, hi int64, ok bool) {
	if b < 0 {
		return 0, 0, false
	}
	hi = math.MaxInt64
	if a >= 1 {
		hi = ageThreshold(a, today)
	}
	lo = math.MinInt64
	if b < math.MaxInt64 {
		lo = ageThreshold(b+1, today) + 1
	}
	return lo, hi, lo <= hi
}

// eval evaluates p on the rows in care (a bitset of the evaluator's
// chunk) and returns the rows where it is true and where it is false, both
// within care and to be put back by the caller.
func (ev *evaluator) eval(p *plan, care bitset) (t, f bitset) {
	switch p.kind {
	case pAll, pAny:
		// all: T = ∩ Tk, F = ∪ Fk, and a child only needs the rows no
		// earlier child made false; any is the dual with T and F swapped.
		isAll := p.kind == pAll
		t, f = ev.eval(p.kids[0], care)
		if len(p.kids) == 1 {
			return t, f
		}
		decided := f
		if !isAll {
			decided = t
		}
		cur := ev.get()
		var left uint64
		for i, c := range care {
			cur[i] = c &^ decided[i]
			left |= cur[i]
		}
		for _, k := range p.kids[1:] {
			if left == 0 {
				break
			}
			kt, kf := ev.eval(k, cur)
			left = 0
			if isAll {
				for i := range t {
					t[i] &= kt[i]
					f[i] |= kf[i]
					cur[i] &^= kf[i]
					left |= cur[i]
				}
			} else {
				for i := range t {
					t[i] |= kt[i]
					f[i] &= kf[i]
					cur[i] &^= kt[i]
					left |= cur[i]
				}
			}
			ev.put(kt)
			ev.put(kf)
		}
		ev.put(cur)
		return t, f
	case pNot:
		t, f = ev.eval(p.kids[0], care)
		return f, t
	}
	t, f = ev.get(), ev.get()
	w0 := ev.w0
	known := p.known[w0 : w0+len(care)]
	switch p.kind {
	case pKnown:
		for i, c := range care {
			k := known[i]
			t[i] = c & k
			f[i] = c &^ k
		}
	case pSet:
		if p.rows == nil {
			for i, c := range care {
				t[i], f[i] = 0, c&known[i]
			}
			break
		}
		rows := p.rows[w0 : w0+len(care)]
		for i, c := range care {
			c &= known[i]
			t[i] = c & rows[i]
			f[i] = c &^ rows[i]
		}
	case pInt:
		scanRange(p.ints[w0<<6:min((w0+len(care))<<6, len(p.ints))], known, care, p.lo, p.hi, t, f)
	case pDate:
		scanRange(p.dates[w0<<6:min((w0+len(care))<<6, len(p.dates))], known, care, p.lo, p.hi, t, f)
	case pName:
		names := &ev.s.names
		for i, c := range care {
			c &= known[i]
			var w uint64
			for m := c; m != 0; m &= m - 1 {
				row := (w0+i)<<6 | bits.TrailingZeros64(m)
				if _, ok := p.names[string(names.name(row))]; ok {
					w |= m & -m
				}
			}
			t[i] = w
			f[i] = c &^ w
		}
	}
	if p.neg {
		t, f = f, t
	}
	return t, f
}

// Group counts the rows of a Result that have one value of a field.
type Group struct {
	Value       string // the field value; "" for rows where the field is unknown
	Eligible    uint64
	Unknown     uint64
	NotEligible uint64
}

// GroupBy counts the rows of res per value of a categorical field (kind,
// industry (full code), district, street, credit, status, size) or per tag
// (a row counts once for each of its tags; rows whose tags are unknown form
// the "" group). Groups come sorted by value, the "" group last, and groups
// with no rows are left out. A field that is not categorical is an
// *errs.Error (Invalid, field "field").
func (s *Table) GroupBy(res Result, field string) ([]Group, error) {
	fd, ok := enterprise.FieldByName(field)
	f := fieldIDOf(fd.Name)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !ok || (f != fTags && s.cats[f] == nil) {
		return nil, errs.FieldErrorf("field", "只能按分类字段或标签分组（kind、industry、district、street、credit、status、size、tags），而不是“%s”", field)
	}
	outcomes := [3]*roaring.Bitmap{res.Eligible, res.Unknown, res.NotEligible}
	// When res partitions exactly the live rows (no row was added or
	// deleted since it was computed), the largest outcome is not counted
	// but derived from the value totals.
	rest := -1
	if res.snap == s && res.gen == s.gen {
		var most uint64
		for k, o := range outcomes {
			if c := o.GetCardinality(); rest < 0 || c > most {
				rest, most = k, c
			}
		}
	}
	// counted iterates the live rows of every outcome but rest.
	counted := func(fn func(k int, row uint32)) {
		for k, o := range outcomes {
			if k == rest || o == nil {
				continue
			}
			o.Iterate(func(row uint32) bool {
				if int(row) < s.n && s.live.has(row) {
					fn(k, row)
				}
				return true
			})
		}
	}
	derive := func(c *[3]uint64, total uint64) {
		if rest >= 0 {
			c[rest] = total
			for k := range c {
				if k != rest {
					c[rest] -= c[k]
				}
			}
		}
	}
	var groups []Group
	add := func(v string, c [3]uint64) {
		if c[0]+c[1]+c[2] > 0 {
			groups = append(groups, Group{Value: v, Eligible: c[0], Unknown: c[1], NotEligible: c[2]})
		}
	}
	var per [][3]uint64 // by code; 0 is unknown
	var totals []uint64
	var names []string
	if f == fTags {
		names = make([]string, 0, len(s.tags))
		for tag := range s.tags {
			names = append(names, tag)
		}
		slices.Sort(names)
		per = make([][3]uint64, len(names)+1)
		totals = make([]uint64, len(names)+1)
		for i, tag := range names {
			bm := s.tags[tag]
			totals[i+1] = bm.GetCardinality()
			for k, o := range outcomes {
				if k != rest && o != nil {
					per[i+1][k] = o.AndCardinality(bm)
				}
			}
		}
		counted(func(k int, row uint32) {
			if !s.tagsKnown.has(row) {
				per[0][k]++
			}
		})
		totals[0] = uint64(s.nlive - s.tagsKnown.count())
	} else {
		col := s.cats[f]
		names = col.dict
		per = make([][3]uint64, len(col.dict)+1)
		totals = make([]uint64, len(col.dict)+1)
		counted(func(k int, row uint32) { per[col.codes[row]][k]++ })
		known := 0
		for i, bm := range col.rows {
			totals[i+1] = bm.GetCardinality()
			known += int(totals[i+1])
		}
		totals[0] = uint64(s.nlive - known)
	}
	for i := range per {
		derive(&per[i], totals[i])
	}
	for i, v := range names {
		add(v, per[i+1])
	}
	slices.SortFunc(groups, func(a, b Group) int { return cmp.Compare(a.Value, b.Value) })
	add("", per[0])
	return groups, nil
}

// BudgetSum is the total benefit for a set of rows.
type BudgetSum struct {
	Yuan        int64  // total in yuan (saturating at the int64 maximum)
	Rows        uint64 // live rows counted
	UnknownBase uint64 // rows whose base field is unknown; they add 0
}

// Budget sums Amount a over the live rows in rows (usually
// Result.Eligible), with the meaning of Amount.For for each. An invalid
// Amount is an *errs.Error (Invalid, field "amount").
func (s *Table) Budget(rows *roaring.Bitmap, a Amount) (BudgetSum, error) {
	if err := a.Validate(); err != nil {
		return BudgetSum{}, err
	}
	c := a.prepare()
	s.mu.RLock()
	defer s.mu.RUnlock()
	var sum BudgetSum
	var col *intColumn
	if c.fixed == 0 {
		col = s.ints[c.base]
	}
	// Rows come a batch at a time; the base values of a batch are read in
	// a loop without branches on the data first, so that the cache misses
	// of scattered rows overlap (see tallier.add).
	var buf [tallyBatch]uint32
	var vals [tallyBatch]int64
	it := rows.ManyIterator()
	for {
		n := it.NextMany(buf[:])
		if n == 0 {
			break
		}
		if col != nil {
			for k, row := range buf[:n] {
				if int(row) < s.n {
					vals[k] = col.vals[row]
				}
			}
		}
		for k, row := range buf[:n] {
			if int(row) >= s.n || !s.live.has(row) {
				continue
			}
			sum.Rows++
			v := c.fixed
			if col != nil {
				if !col.known.has(row) {
					sum.UnknownBase++
					continue
				}
				v = c.of(vals[k])
			}
			sum.Yuan = addYuan(sum.Yuan, v)
		}
	}
	return sum, nil
}
