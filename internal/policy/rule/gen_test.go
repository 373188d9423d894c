package rule

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/workday"
)

// Test domains: small, so that random rules and enterprises meet often.
func testDistricts() []string { return []string{"420102", "420103", "420106", "420111", "420112"} }

func testStreets() []string {
	return []string{"关山街道", "洪山街道", "珞南街道", "卓刀泉街道"}
}

func testIndustries() []string {
	return []string{"C3911", "C3912", "C3914", "C3990", "I6510", "I6520", "A0111", "C", "C39", "M7320"}
}

func testPrefixes() []string {
	return []string{"C", "C39", "C391", "C3911", "I65", "I6510", "A", "M73", "F"}
}

func testNames() []string { return []string{"甲公司", "乙公司", "丙公司", "丁公司"} }

func testTags() []string {
	return []string{"高新技术企业", "科技型中小企业", "专精特新", "规上工业", "瞪羚企业", "外资企业"}
}

func testMoney() []int64 {
	return []int64{0, 1, -100, 5000000, 19999999, 20000000, 20000001, 300, 301, 500000, math.MaxInt64, math.MinInt64}
}

func ptr[T any](v T) *T { return &v }

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// randDate returns a date between 1950 and 2026, often a 29 February or the
// last days of February.
func randDate(rng *rand.Rand) workday.Date {
	switch rng.IntN(6) {
	case 0:
		y := 1952 + 4*rng.IntN(19)
		return workday.NewDate(y, time.February, 29)
	case 1:
		return workday.NewDate(1950+rng.IntN(77), time.February, 27+rng.IntN(2))
	case 2:
		return workday.NewDate(1950+rng.IntN(77), time.March, 1)
	}
	return workday.NewDate(1950, time.January, 1) + workday.Date(rng.IntN(77*366))
}

// randToday returns an evaluation date between 2020 and 2026, often a leap
// day or its neighbours.
func randToday(rng *rand.Rand) workday.Date {
	switch rng.IntN(4) {
	case 0:
		return workday.NewDate(2024, time.February, 28+rng.IntN(3)) // 28, 29, 1 March
	case 1:
		return workday.NewDate(2023, time.February, 28)
	}
	return workday.NewDate(2020, time.January, 1) + workday.Date(rng.IntN(7*365))
}

func randMoney(rng *rand.Rand) int64 {
	if rng.IntN(3) == 0 {
		return rng.Int64N(100000000)
	}
	return pick(rng, testMoney())
}

// randEnterprise returns an enterprise whose fields are each unknown with
// probability pUnknown.
func randEnterprise(rng *rand.Rand, id int64, pUnknown float64) *enterprise.Enterprise {
	e := &enterprise.Enterprise{ID: id}
	unk := func() bool { return rng.Float64() < pUnknown }
	str := func(xs []string) *string {
		if unk() {
			return nil
		}
		return ptr(pick(rng, xs))
	}
	num := func() *int64 {
		if unk() {
			return nil
		}
		return ptr(randMoney(rng))
	}
	if !unk() {
		e.Name = pick(rng, testNames())
	}
	e.Kind = str(enterprise.Kinds)
	e.Industry = str(testIndustries())
	e.District = str(testDistricts())
	e.Street = str(testStreets())
	if !unk() {
		e.Founded = ptr(randDate(rng))
	}
	e.RegisteredCapital = num()
	if !unk() {
		e.Employees = ptr(int64(rng.IntN(1000)))
	}
	e.Revenue = num()
	e.RDExpense = num()
	e.TaxPaid = num()
	e.ExportValue = num()
	e.TotalAssets = num()
	switch {
	case unk():
	case rng.IntN(8) == 0:
		e.Tags = []string{}
	default:
		for _, t := range testTags() {
			if rng.IntN(3) == 0 {
				e.Tags = append(e.Tags, t)
			}
		}
		if e.Tags == nil {
			e.Tags = []string{}
		}
	}
	e.Credit = str(enterprise.Credits)
	e.Status = str(enterprise.Statuses)
	e.Size = str(enterprise.Sizes)
	return e
}

// ruleFields lists the fields a rule may use.
func ruleFields() []fieldID {
	var fs []fieldID
	for f := fName; f < nFields; f++ {
		fs = append(fs, f)
	}
	return fs
}

// randRule returns a valid random rule of depth at most maxDepth using
// every field and operator.
func randRule(rng *rand.Rand, maxDepth int) *Rule {
	r := randNode(rng, maxDepth)
	if err := r.Validate(); err != nil {
		panic(err)
	}
	return r
}

func randNode(rng *rand.Rand, depth int) *Rule {
	if depth <= 1 || rng.IntN(10) < 3 {
		return randLeaf(rng)
	}
	switch rng.IntN(5) {
	case 0:
		return &Rule{Not: randNode(rng, depth-1)}
	case 1, 2:
		kids := make([]*Rule, 1+rng.IntN(4))
		for i := range kids {
			kids[i] = randNode(rng, depth-1)
		}
		return &Rule{All: kids}
	default:
		kids := make([]*Rule, 1+rng.IntN(4))
		for i := range kids {
			kids[i] = randNode(rng, depth-1)
		}
		return &Rule{Any: kids}
	}
}

func randLeaf(rng *rand.Rand) *Rule {
	f := pick(rng, ruleFields())
	op := pick(rng, opsFor(f.typ()))
	r := &Rule{Field: f.name(), Op: op}
	ar, _ := arity(op)
	n := 0
	switch ar {
	case arityScalar:
		n = 1
	case arityList:
		n = 1 + rng.IntN(3)
	case arityPair:
		n = 2
	}
	for range n {
		switch f.typ() {
		case enterprise.TypeText:
			if f == fName {
				r.Values = append(r.Values, pick(rng, append(testNames(), "戊公司")))
			} else {
				r.Values = append(r.Values, pick(rng, append(testStreets(), "不存在街道")))
			}
		case enterprise.TypeEnum:
			r.Values = append(r.Values, pick(rng, f.def().Values))
		case enterprise.TypeDivision:
			r.Values = append(r.Values, pick(rng, append(testDistricts(), "420199")))
		case enterprise.TypeIndustry:
			if op == OpPrefix {
				r.Values = append(r.Values, pick(rng, testPrefixes()))
			} else {
				r.Values = append(r.Values, pick(rng, append(testIndustries(), "C3999")))
			}
		case enterprise.TypeTags:
			r.Values = append(r.Values, pick(rng, append(testTags(), "不存在的标签")))
		case enterprise.TypeDate:
			r.Numbers = append(r.Numbers, int64(randDate(rng)))
		case enterprise.TypeCount:
			if f == fAgeYears {
				r.Numbers = append(r.Numbers, pick(rng, []int64{-3, 0, 1, 2, 3, 5, 10, 20, 40, 70, 200000, math.MaxInt64, math.MinInt64}))
			} else {
				r.Numbers = append(r.Numbers, pick(rng, []int64{0, 1, 100, 300, 301, 500, 999, math.MaxInt64, math.MinInt64}))
			}
		default:
			r.Numbers = append(r.Numbers, randMoney(rng))
		}
	}
	if ar == arityPair && r.Numbers[0] > r.Numbers[1] {
		r.Numbers[0], r.Numbers[1] = r.Numbers[1], r.Numbers[0]
	}
	return r
}
