package rule

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/workday"
)

// population is a set of enterprises kept in step with a Table.
type population struct {
	byID map[int64]*enterprise.Enterprise
	snap *Table
}

func newPopulation(rng *rand.Rand, n int, pUnknown float64, today workday.Date) *population {
	p := &population{byID: map[int64]*enterprise.Enterprise{}}
	b := NewBuilder()
	for i := range n {
		e := randEnterprise(rng, int64(1000+i), pUnknown)
		p.byID[e.ID] = e
		b.Add(e)
	}
	p.snap = b.Build(today)
	return p
}

// churn upserts, appends and deletes enterprises in both copies.
func (p *population) churn(rng *rand.Rand, steps int, pUnknown float64) {
	ids := make([]int64, 0, len(p.byID))
	for id := range p.byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	next := int64(1_000_000)
	for range steps {
		switch rng.IntN(4) {
		case 0: // replace an existing enterprise
			if len(ids) == 0 {
				continue
			}
			id := pick(rng, ids)
			e := randEnterprise(rng, id, pUnknown)
			p.byID[id] = e
			p.snap.Upsert(e)
		case 1: // delete one
			if len(ids) == 0 {
				continue
			}
			k := rng.IntN(len(ids))
			id := ids[k]
			ids = slices.Delete(ids, k, k+1)
			delete(p.byID, id)
			if !p.snap.Delete(id) {
				panic("delete of a present id failed")
			}
		case 2: // a new enterprise, appended
			e := randEnterprise(rng, next, pUnknown)
			next++
			ids = append(ids, e.ID)
			p.byID[e.ID] = e
			p.snap.Upsert(e)
		case 3: // delete an absent id
			if p.snap.Delete(-1) {
				panic("delete of an absent id succeeded")
			}
		}
	}
}

// check compares Table.Evaluate with Rule.Eval on every enterprise.
func (p *population) check(t *testing.T, r *Rule, today workday.Date) {
	t.Helper()
	res := p.snap.Evaluate(r)
	got := make([]int8, p.snap.Rows()) // 1 + outcome, 0 for none, -1 for several
	for o, bm := range map[Outcome]*roaring.Bitmap{Yes: res.Eligible, Unknown: res.Unknown, No: res.NotEligible} {
		bm.Iterate(func(row uint32) bool {
			if got[row] != 0 {
				got[row] = -1
			} else {
				got[row] = 1 + int8(o)
			}
			return true
		})
	}
	seen := roaring.New()
	for id, e := range p.byID {
		row, ok := p.snap.Row(id)
		if !ok {
			t.Fatalf("id %d missing from snapshot", id)
		}
		seen.Add(row)
		want := r.Eval(e, today)
		if got[row] != 1+int8(want) {
			t.Fatalf("rule %s\nenterprise %+v\ntoday %s: Evaluate gives %d (1+outcome), Eval gives %v\nexplain: %+v",
				r.Expr(), show(e), today, got[row], want, r.Explain(e, today))
		}
	}
	all := roaring.Or(roaring.Or(res.Eligible, res.Unknown), res.NotEligible)
	if !all.Equals(seen) {
		t.Fatalf("rule %s: result covers %d rows, want the %d live rows", r.Expr(), all.GetCardinality(), seen.GetCardinality())
	}
	c := res.Count()
	if c.Eligible+c.Unknown+c.NotEligible != uint64(len(p.byID)) || p.snap.Len() != len(p.byID) {
		t.Fatalf("counts %+v do not add up to %d", c, len(p.byID))
	}
}

func show(e *enterprise.Enterprise) string {
	s := fmt.Sprintf("id=%d name=%q", e.ID, e.Name)
	str := func(k string, p *string) {
		if p != nil {
			s += fmt.Sprintf(" %s=%q", k, *p)
		}
	}
	num := func(k string, p *int64) {
		if p != nil {
			s += fmt.Sprintf(" %s=%d", k, *p)
		}
	}
	str("kind", e.Kind)
	str("industry", e.Industry)
	str("district", e.District)
	str("street", e.Street)
	if e.Founded != nil {
		s += " founded=" + e.Founded.String()
	}
	num("registered_capital", e.RegisteredCapital)
	num("employees", e.Employees)
	num("revenue", e.Revenue)
	num("rd_expense", e.RDExpense)
	num("tax_paid", e.TaxPaid)
	num("export_value", e.ExportValue)
	num("total_assets", e.TotalAssets)
	if e.Tags != nil {
		s += fmt.Sprintf(" tags=%q", e.Tags)
	}
	str("credit", e.Credit)
	str("status", e.Status)
	str("size", e.Size)
	return s
}

// TestEvaluateMatchesEval is the central property: the columnar engine and
// the per-row evaluator agree on random rules (depth up to 4, every field
// and operator) over random enterprises with many unknowns, before and
// after upserts, appends and deletes.
func TestEvaluateMatchesEval(t *testing.T) {
	cases := []struct {
		name     string
		seeds    int
		n        int
		rules    int
		pUnknown float64
	}{
		{"Small", 150, 200, 20, 0.35},
		{"ManyUnknowns", 40, 300, 25, 0.7},
		{"FewUnknowns", 40, 300, 25, 0.05},
		{"ManyContainers", 2, 70000, 12, 0.3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for seed := range tc.seeds {
				rng := rand.New(rand.NewPCG(uint64(seed), 42))
				today := randToday(rng)
				p := newPopulation(rng, tc.n, tc.pUnknown, today)
				for range tc.rules {
					p.check(t, randRule(rng, 4), today)
				}
				p.churn(rng, tc.n/4+10, tc.pUnknown)
				today = randToday(rng)
				p.snap.SetToday(today)
				for range tc.rules {
					p.check(t, randRule(rng, 4), today)
				}
			}
		})
	}
}

// TestEvaluateLeaves checks every field and operator alone, so that a
// mistake in one leaf cannot hide behind a combinator.
func TestEvaluateLeaves(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	today := workday.NewDate(2024, 2, 29)
	p := newPopulation(rng, 2000, 0.3, today)
	for _, f := range ruleFields() {
		for _, op := range opsFor(f.typ()) {
			t.Run(f.name()+" "+string(op), func(t *testing.T) {
				for range 30 {
					var r *Rule
					for r == nil || r.Field != f.name() || r.Op != op {
						r = randLeaf(rng)
					}
					if err := r.Validate(); err != nil {
						t.Fatal(err)
					}
					p.check(t, r, today)
				}
			})
		}
	}
}

// TestAgeYears checks the allocation-free age against the enterprise's.
func TestAgeYears(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		f, today := randDate(rng), randToday(rng)
		e := &enterprise.Enterprise{Founded: &f}
		if got, want := ageYears(f, today), *e.AgeYears(today); got != want {
			t.Fatalf("ageYears(%s, %s) = %d, want %d", f, today, got, want)
		}
	}
}

// TestAgeDates checks the age → founding date translation on every day
// around the thresholds.
func TestAgeDates(t *testing.T) {
	todays := []workday.Date{
		workday.MustParseDate("2024-02-29"), workday.MustParseDate("2024-03-01"),
		workday.MustParseDate("2023-02-28"), workday.MustParseDate("2025-12-31"),
	}
	for _, today := range todays {
		for a := int64(-1); a <= 6; a++ {
			for b := a; b <= 7; b++ {
				lo, hi, ok := ageDates(a, b, today)
				for d := today - 9*366; d <= today+400; d++ {
					age := ageYears(d, today)
					want := age >= a && age <= b
					got := ok && int64(d) >= lo && int64(d) <= hi
					if got != want {
						t.Fatalf("today %s, age in [%d, %d], founded %s (age %d): got %v", today, a, b, d, age, got)
					}
				}
			}
		}
	}
}

// TestIndexMatchesNaive checks Index.Match and MatchAll against evaluating
// every rule.
func TestIndexMatchesNaive(t *testing.T) {
	for seed := range 30 {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(seed), 99))
			today := randToday(rng)
			rules := make([]IndexedRule, 150)
			for i := range rules {
				rules[i] = IndexedRule{ID: int64(100 + i), Rule: randRule(rng, 1+rng.IntN(4))}
			}
			ix, err := NewIndex(rules)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 200 {
				e := randEnterprise(rng, int64(i), 0.3)
				var want, wantAll []Match
				for _, ir := range rules {
					o := ir.Rule.Eval(e, today)
					wantAll = append(wantAll, Match{ir.ID, o})
					if o != No {
						want = append(want, Match{ir.ID, o})
					}
				}
				if got := ix.Match(e, today); !slices.Equal(got, want) {
					t.Fatalf("enterprise %s:\nMatch    %v\nwant     %v", show(e), got, want)
				}
				if got := ix.MatchAll(e, today); !slices.Equal(got, wantAll) {
					t.Fatalf("enterprise %s: MatchAll differs", show(e))
				}
			}
		})
	}
}

// TestIndexSkipsRules checks that the index does not evaluate rules whose
// anchor cannot match.
func TestIndexSkipsRules(t *testing.T) {
	var rules []IndexedRule
	for i := range 1000 {
		tag := fmt.Sprintf("标签%d", i)
		rules = append(rules, IndexedRule{ID: int64(i), Rule: &Rule{All: []*Rule{
			{Field: "tags", Op: OpHas, Values: []string{tag}},
			{Field: "revenue", Op: OpGe, Numbers: []int64{1}},
		}}})
	}
	rules = append(rules, IndexedRule{ID: 5000, Rule: &Rule{Field: "revenue", Op: OpGe, Numbers: []int64{1}}})
	ix, err := NewIndex(rules)
	if err != nil {
		t.Fatal(err)
	}
	e := &enterprise.Enterprise{Tags: []string{"标签7"}, Revenue: ptr(int64(5))}
	if got := ix.candidates(e); !slices.Equal(got, []int32{7, 1000}) {
		t.Errorf("candidates = %v, want [7 1000]", got)
	}
	want := []Match{{7, Yes}, {5000, Yes}}
	if got := ix.Match(e, 0); !slices.Equal(got, want) {
		t.Errorf("Match = %v, want %v", got, want)
	}
	e.Tags = nil // unknown tags: every tag-anchored rule may be Unknown
	if got := len(ix.candidates(e)); got != 1001 {
		t.Errorf("with unknown tags, %d candidates, want 1001", got)
	}
}

// TestTableConcurrent runs evaluations while the snapshot changes; run
// with -race.
func TestTableConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	today := workday.MustParseDate("2025-06-30")
	p := newPopulation(rng, 3000, 0.3, today)
	rules := make([]*Rule, 20)
	for i := range rules {
		rules[i] = randRule(rng, 3)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 30 {
				r := rules[(g+i)%len(rules)]
				res := p.snap.Evaluate(r)
				res.Eligible.Or(res.Unknown) // results belong to the caller
				_ = p.snap.IDs(res.Eligible)
				if _, err := p.snap.GroupBy(res, "district"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wrng := rand.New(rand.NewPCG(4, 4))
	for range 300 {
		id := int64(1000 + wrng.IntN(4000))
		if wrng.IntN(3) == 0 {
			p.snap.Delete(id)
		} else {
			p.snap.Upsert(randEnterprise(wrng, id, 0.3))
		}
	}
	wg.Wait()
}
