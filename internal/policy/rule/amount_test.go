package rule

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

func TestParseAmount(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		cases := []struct {
			json, sentence string
		}{
			{`{"fixed": 200000}`, "每户20万元"},
			{`{"rate": 0.1, "of": "rd_expense", "floor": 0, "cap": 500000}`, "按研发费用的10%计算，最高50万元"},
			{`{"rate": 0.005, "of": "营业收入", "floor": 10000}`, "按营业收入的0.5%计算，不低于1万元"},
			{`{"rate": 2000000, "of": "employees"}`, ""},
			{`{"rate": 1000, "of": "employees"}`, "按从业人数每人1000元计算"},
			{`{"rate": 0.5, "of": "从业人数"}`, "按从业人数每人0.5元计算"},
			{`{"rate": 1.5, "of": "tax_paid"}`, "按纳税额的150%计算"},
			{`{"rate": 2, "of": "employees", "cap": 3000000}`, "按从业人数每人2元计算，最高300万元"},
		}
		for _, c := range cases {
			a, err := ParseAmount([]byte(c.json))
			if c.sentence == "" {
				if errs.CodeOf(err) != errs.Invalid {
					t.Errorf("%s: err = %v, want Invalid", c.json, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", c.json, err)
			}
			if got := a.Sentence(); got != c.sentence {
				t.Errorf("%s: Sentence = %s, want %s", c.json, got, c.sentence)
			}
		}
	})
	errCases := []struct{ name, json, msg string }{
		{"ErrJSON", `{"fixed": }`, ""},
		{"ErrUnknownKey", `{"fixd": 1}`, ""},
		{"ErrNeither", `{}`, "应给出 fixed（每户固定金额）或 rate（按比例）"},
		{"ErrBoth", `{"fixed": 1, "rate": 0.1, "of": "revenue"}`, "fixed 和 rate 只能选一个"},
		{"ErrFixedZero", `{"fixed": 0}`, "fixed 应为正整数（单位：元）"},
		{"ErrFixedNegative", `{"fixed": -5}`, "fixed 应为正整数（单位：元）"},
		{"ErrFixedFraction", `{"fixed": 1.5}`, "fixed 应为整数（单位：元），而不是 1.5"},
		{"ErrFixedWithCap", `{"fixed": 100, "cap": 50}`, "固定金额（fixed）不能与 of、floor、cap 同用"},
		{"ErrRateZero", `{"rate": 0, "of": "revenue"}`, "rate 应为大于 0 的数（如 0.1 表示 10%），而不是 0"},
		{"ErrRateNegative", `{"rate": -0.1, "of": "revenue"}`, "rate 应大于 0 且不超过 1000000（如 0.1 表示 10%，1000 表示每单位 1000 元）"},
		{"ErrRateDigits", `{"rate": 0.0000000001, "of": "revenue"}`, "rate 最多保留 9 位小数"},
		{"ErrNoBase", `{"rate": 0.1}`, "按比例计算（rate）时应用 of 指明计算基数，可用：registered_capital、employees、revenue、rd_expense、tax_paid、export_value、total_assets"},
		{"ErrBadBase", `{"rate": 0.1, "of": "age_years"}`, "“age_years”不能作为计算基数，可用：registered_capital、employees、revenue、rd_expense、tax_paid、export_value、total_assets"},
		{"ErrFloorNegative", `{"rate": 0.1, "of": "revenue", "floor": -1}`, "floor 不能为负数"},
		{"ErrFloorAboveCap", `{"rate": 0.1, "of": "revenue", "floor": 20000, "cap": 10000}`, "floor（2万元）不能大于 cap（1万元）"},
	}
	for _, c := range errCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseAmount([]byte(c.json))
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != errs.Invalid || e.Field != "amount" {
				t.Fatalf("err = %#v, want Invalid on amount", err)
			}
			if c.msg != "" && e.Message != c.msg {
				t.Errorf("message %s, want %s", e.Message, c.msg)
			}
		})
	}
}

func TestAmountFor(t *testing.T) {
	i := func(v int64) *int64 { return &v }
	cases := []struct {
		name    string
		a       Amount
		base    *int64
		want    int64
		unknown bool
	}{
		{"Fixed", Amount{Fixed: 200000}, nil, 200000, false},
		{"Rate", Amount{Rate: 0.1, Of: "rd_expense"}, i(1234567), 123456, false},
		{"RateExactDecimal", Amount{Rate: 0.29, Of: "rd_expense"}, i(100), 29, false},
		{"RateFloorsYuan", Amount{Rate: 0.333, Of: "rd_expense"}, i(10), 3, false},
		{"Cap", Amount{Rate: 0.1, Of: "rd_expense", Cap: i(500000)}, i(90000000), 500000, false},
		{"Floor", Amount{Rate: 0.1, Of: "rd_expense", Floor: i(10000)}, i(5), 10000, false},
		{"ZeroFloor", Amount{Rate: 0.1, Of: "rd_expense", Floor: i(0)}, i(5), 0, false},
		{"NegativeBase", Amount{Rate: 0.1, Of: "rd_expense"}, i(-5000), 0, false},
		{"Huge", Amount{Rate: 100, Of: "rd_expense"}, i(math.MaxInt64), math.MaxInt64, false},
		{"Unknown", Amount{Rate: 0.1, Of: "rd_expense", Floor: i(10000)}, nil, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.a.Validate(); err != nil {
				t.Fatal(err)
			}
			got, unknown := c.a.For(&enterprise.Enterprise{RDExpense: c.base})
			if got != c.want || unknown != c.unknown {
				t.Errorf("For = %d, %v; want %d, %v", got, unknown, c.want, c.unknown)
			}
		})
	}
}

// TestBudget checks the columnar sum against Amount.For.
func TestBudget(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	today := workday.MustParseDate("2025-01-01")
	p := newPopulation(rng, 5000, 0.3, today)
	p.churn(rng, 500, 0.3)
	amounts := []Amount{
		{Fixed: 200000},
		{Rate: 0.1, Of: "rd_expense", Floor: ptr(int64(0)), Cap: ptr(int64(500000))},
		{Rate: 0.07, Of: "revenue", Floor: ptr(int64(30000))},
		{Rate: 1000, Of: "employees"},
	}
	for range 20 {
		r := randRule(rng, 3)
		res := p.snap.Evaluate(r)
		for _, a := range amounts {
			var want BudgetSum
			for _, e := range p.byID {
				if r.Eval(e, today) != Yes {
					continue
				}
				want.Rows++
				y, unk := a.For(e)
				if unk {
					want.UnknownBase++
				}
				if want.Yuan > math.MaxInt64-y {
					want.Yuan = math.MaxInt64
				} else {
					want.Yuan += y
				}
			}
			got, err := p.snap.Budget(res.Eligible, a)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s / %s: Budget = %+v, want %+v", r.Expr(), a.Sentence(), got, want)
			}
		}
	}
	if _, err := p.snap.Budget(roaring.New(), Amount{}); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("invalid amount: err = %v", err)
	}
}

// TestGroupBy checks group counts against counting by hand.
func TestGroupBy(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	today := workday.MustParseDate("2025-01-01")
	p := newPopulation(rng, 4000, 0.3, today)
	// Many distinct streets force the row-scanning path.
	for i := range 100 {
		e := randEnterprise(rng, int64(900000+i), 0.1)
		e.Street = ptr("街道" + string(rune('A'+i%60)) + string(rune('a'+i%7)))
		p.byID[e.ID] = e
		p.snap.Upsert(e)
	}
	p.churn(rng, 300, 0.3)
	for _, field := range []string{"district", "industry", "street", "size", "tags", "企业规模"} {
		t.Run(field, func(t *testing.T) {
			for range 5 {
				r := randRule(rng, 3)
				res := p.snap.Evaluate(r)
				got, err := p.snap.GroupBy(res, field)
				if err != nil {
					t.Fatal(err)
				}
				counts := map[string]*Group{}
				add := func(v string, o Outcome) {
					g := counts[v]
					if g == nil {
						g = &Group{Value: v}
						counts[v] = g
					}
					switch o {
					case Yes:
						g.Eligible++
					case Unknown:
						g.Unknown++
					default:
						g.NotEligible++
					}
				}
				fd, _ := enterprise.FieldByName(field)
				f := fieldIDOf(fd.Name)
				for _, e := range p.byID {
					o := r.Eval(e, today)
					if f == fTags {
						if e.Tags == nil {
							add("", o)
						}
						for _, tag := range e.Tags {
							add(tag, o)
						}
						continue
					}
					v, _ := stringOf(e, f)
					add(v, o)
				}
				var want []Group
				for _, g := range counts {
					want = append(want, *g)
				}
				slices.SortFunc(want, func(a, b Group) int { return valueOrder(a.Value, b.Value) })
				if !slices.Equal(got, want) {
					t.Fatalf("GroupBy(%s) =\n%v\nwant\n%v", field, got, want)
				}
				// A Result from elsewhere takes the path that counts every row.
				plain := Result{Eligible: res.Eligible, Unknown: res.Unknown, NotEligible: res.NotEligible}
				if got, _ := p.snap.GroupBy(plain, field); !slices.Equal(got, want) {
					t.Fatalf("GroupBy(%s) of a plain Result =\n%v\nwant\n%v", field, got, want)
				}
			}
		})
	}
	t.Run("ErrNumeric", func(t *testing.T) {
		_, err := p.snap.GroupBy(Result{}, "revenue")
		if errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != "field" {
			t.Errorf("err = %v", err)
		}
	})
}

func TestTableLookups(t *testing.T) {
	today := workday.MustParseDate("2025-01-01")
	b := NewBuilder()
	b.Add(&enterprise.Enterprise{ID: 10, Name: "甲", Revenue: ptr(int64(5))})
	b.Add(&enterprise.Enterprise{ID: 20, Name: "乙"})
	b.Add(&enterprise.Enterprise{ID: 10, Name: "甲2", Revenue: ptr(int64(50))}) // replaces
	s := b.Build(today)
	if s.Len() != 2 || s.Rows() != 2 || s.Today() != today {
		t.Fatalf("Len %d Rows %d Today %s", s.Len(), s.Rows(), s.Today())
	}
	res := s.Evaluate(MustParse(`{"field":"revenue","op":">","value":10}`))
	if ids := s.IDs(res.Eligible); !slices.Equal(ids, []int64{10}) {
		t.Errorf("eligible %v", ids)
	}
	if ids := s.IDs(res.Unknown); !slices.Equal(ids, []int64{20}) {
		t.Errorf("unknown %v", ids)
	}
	res = s.Evaluate(MustParse(`{"field":"name","op":"in","value":["甲2","乙"]}`))
	if res.Count() != (Counts{Eligible: 2}) {
		t.Errorf("names: %+v", res.Count())
	}
	s.Delete(10)
	s.Upsert(&enterprise.Enterprise{ID: 30})
	if row, ok := s.Row(30); !ok || row != 2 {
		t.Errorf("Row(30) = %d, %v", row, ok)
	}
	if id, live := s.ID(0); id != 10 || live {
		t.Errorf("ID(0) = %d, %v; want 10, deleted", id, live)
	}
	if _, ok := s.Row(10); ok {
		t.Error("deleted id still has a row")
	}
	if s.MemoryBytes() == 0 {
		t.Error("MemoryBytes = 0")
	}
}
