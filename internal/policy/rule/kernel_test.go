package rule

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// TestScanRange checks the scan kernels against a plain loop on columns
// with extreme values, for ranges with extreme bounds and candidate masks
// from empty to full (so both the per-candidate and the whole-word kernel
// run), over lengths that end inside a word.
func TestScanRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	edges := []int64{math.MinInt64, math.MinInt64 + 1, -1, 0, 1, math.MaxInt64 - 1, math.MaxInt64}
	value := func() int64 {
		if rng.IntN(4) == 0 {
			return pick(rng, edges)
		}
		return rng.Int64N(200) - 100
	}
	for round := range 300 {
		n := 1 + rng.IntN(1000)
		ints := make([]int64, n)
		dates := make([]int32, n)
		for i := range ints {
			ints[i] = value()
			dates[i] = int32(rng.Int64N(200) - 100)
		}
		nw := words(n)
		known, care := make(bitset, nw), make(bitset, nw)
		density := rng.Float64()
		for i := range n {
			if rng.Float64() < 0.9 {
				known.set(uint32(i))
			}
			if rng.Float64() < density {
				care.set(uint32(i))
			}
		}
		lo, hi := value(), value()
		if lo > hi {
			lo, hi = hi, lo
		}
		check := func(name string, at func(i int) int64, scan func(t, f bitset)) {
			t.Helper()
			gotT, gotF := make(bitset, nw), make(bitset, nw)
			scan(gotT, gotF)
			wantT, wantF := make(bitset, nw), make(bitset, nw)
			for i := range n {
				row := uint32(i)
				if !care.has(row) || !known.has(row) {
					continue
				}
				if v := at(i); v >= lo && v <= hi {
					wantT.set(row)
				} else {
					wantF.set(row)
				}
			}
			if !slices.Equal(gotT, wantT) || !slices.Equal(gotF, wantF) {
				t.Fatalf("round %d, %s in [%d, %d], %d rows: kernel differs from the plain loop", round, name, lo, hi, n)
			}
		}
		check("int64", func(i int) int64 { return ints[i] }, func(t, f bitset) { scanRange(ints, known, care, lo, hi, t, f) })
		check("int32", func(i int) int64 { return int64(dates[i]) }, func(t, f bitset) { scanRange(dates, known, care, lo, hi, t, f) })
	}
}

// TestCalcDiv checks the division by multiplication against the hardware
// division for every denominator a rate can have and some others.
func TestCalcDiv(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	dens := []uint64{1, 2, 3, 7, 1 << 32, 1<<63 + 1, math.MaxUint64}
	for d := uint64(10); d <= 1e9; d *= 10 {
		dens = append(dens, d)
	}
	for range 20 {
		dens = append(dens, 2+rng.Uint64N(math.MaxUint64-2))
	}
	for _, d := range dens {
		c := Amount{Rate: 1, Of: "revenue"}.prepare()
		c.den = d
		if d >= 2 {
			// as prepare computes it for a rate's denominator
			hi, r := bits.Div64(0, math.MaxUint64, d)
			lo, _ := bits.Div64(r, math.MaxUint64, d)
			var carry uint64
			c.rlo, carry = bits.Add64(lo, 1, 0)
			c.rhi = hi + carry
		}
		xs := []uint64{0, 1, d - 1, d, d + 1, 2*d - 1, 2 * d, math.MaxUint64, math.MaxUint64 - 1, math.MaxUint64 / d * d, math.MaxUint64/d*d - 1}
		for range 20000 {
			xs = append(xs, rng.Uint64(), rng.Uint64N(1<<40), rng.Uint64N(d)*rng.Uint64N(1<<20))
		}
		for _, x := range xs {
			if got, want := c.div(x), x/d; got != want {
				t.Fatalf("%d / %d = %d, want %d", x, d, got, want)
			}
		}
	}
	for _, rate := range []float64{0.1, 0.07, 0.000000001, 1.5, 1000, 0.29} {
		c := Amount{Rate: rate, Of: "revenue"}.prepare()
		for range 10000 {
			x := rng.Uint64()
			if got, want := c.div(x), x/c.den; got != want {
				t.Fatalf("rate %v: %d / %d = %d, want %d", rate, x, c.den, got, want)
			}
		}
	}
}

// TestTally checks counts, groups and budgets against Rule.Eval and
// Amount.For per enterprise, before and after changes, on one chunk and
// on several (evaluated on several goroutines when GOMAXPROCS allows).
func TestTally(t *testing.T) {
	amounts := []*Amount{nil, {Fixed: 200000}, {Rate: 0.1, Of: "rd_expense", Floor: ptr(int64(1000)), Cap: ptr(int64(500000))}, {Rate: 1000, Of: "employees"}}
	fields := []string{"", "district", "kind", "industry", "street", "credit", "status", "size", "所属区"}
	for _, n := range []int{300, 3000, 140000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(n), 9))
			today := randToday(rng)
			p := newPopulation(rng, n, 0.3, today)
			rules := 40
			if n > 10000 {
				rules = 6
			}
			for round := range 2 {
				if round == 1 {
					p.churn(rng, n/10, 0.3)
				}
				for k := range rules {
					r := randRule(rng, 3)
					a := amounts[k%len(amounts)]
					field := fields[k%len(fields)]
					got, err := p.snap.Tally(r, a, field)
					if err != nil {
						t.Fatal(err)
					}
					if want := p.tally(r, a, field, today); fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("rule %s, amount %+v, field %q:\nTally %+v\nwant  %+v", r.Expr(), a, field, got, want)
					}
				}
			}
		})
	}
	p := newPopulation(rand.New(rand.NewPCG(1, 1)), 10, 0.3, workday.MustParseDate("2025-01-01"))
	r := MustParse(`{"field":"revenue","op":">=","value":1}`)
	for _, field := range []string{"tags", "revenue", "nonsense"} {
		if _, err := p.snap.Tally(r, nil, field); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("field %q: err = %v, want Invalid", field, err)
		}
	}
	if _, err := p.snap.Tally(r, &Amount{}, ""); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("invalid amount: err = %v, want Invalid", err)
	}
}

// tally is Tally computed per enterprise.
func (p *population) tally(r *Rule, a *Amount, field string, today workday.Date) Tally {
	var out Tally
	groups := map[string]*TallyGroup{}
	f := fNone
	if field != "" {
		f = fieldIDOf(map[string]string{"所属区": "district"}[field])
		if f == fNone {
			f = fieldIDOf(field)
		}
	}
	for _, e := range p.byID {
		o := r.Eval(e, today)
		switch o {
		case Yes:
			out.Eligible++
		case Unknown:
			out.Unknown++
		default:
			out.NotEligible++
			continue
		}
		g := &TallyGroup{}
		if f != fNone {
			v, _ := stringOf(e, f)
			if groups[v] == nil {
				groups[v] = &TallyGroup{Value: v}
			}
			g = groups[v]
		}
		if o == Unknown {
			g.Unknown++
			continue
		}
		g.Eligible++
		if a == nil {
			continue
		}
		y, unknown := a.For(e)
		for _, b := range []*BudgetSum{&out.Budget, &g.Budget} {
			b.Rows++
			b.Yuan = addYuan(b.Yuan, y)
			if unknown {
				b.UnknownBase++
			}
		}
	}
	for _, g := range groups {
		out.Groups = append(out.Groups, *g)
	}
	slices.SortFunc(out.Groups, func(a, b TallyGroup) int { return valueOrder(a.Value, b.Value) })
	return out
}

// valueOrder orders the expected groups of the tests: by value, the
// unknown value ("") last.
func valueOrder(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	return cmp.Compare(a, b)
}
