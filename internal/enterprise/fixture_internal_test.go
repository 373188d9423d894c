package enterprise

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/qinqing/qinqing/internal/workday"
)

// testCity yields n valid, distinct enterprises of Wuhan, the same for the
// same seed, with unknown values here and there, for the tests of this
// package that need many rows (the synthetic city of package synth cannot
// be imported here: it imports this package).
func testCity(n int, seed uint64) func(yield func(*Enterprise) error) error {
	return func(yield func(*Enterprise) error) error {
		r := rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
		city := Wuhan()
		kinds := []string{"有限公司", "科技有限公司", "贸易有限公司", "商行", "经营部"}
		industries := []string{"I6510", "F5123", "C3911", "E4813", "M7320", "H6210"}
		for i := range n {
			d := city.Districts[r.IntN(len(city.Districts))]
			code, err := MakeUSCC('9', '1', d.Code, fmt.Sprintf("%08d", int(seed%1000)*100000+i))
			if err != nil {
				return err
			}
			e := &Enterprise{USCC: code, Name: fmt.Sprintf("武汉%s测试%d%s", d.Name[:len(d.Name)-3], i, kinds[r.IntN(len(kinds))])}
			if r.IntN(20) > 0 {
				kind, district := "企业", d.Code
				e.Kind, e.District = &kind, &district
			}
			if r.IntN(10) > 0 && len(d.Streets) > 0 {
				st := d.Streets[r.IntN(len(d.Streets))]
				e.Street = &st
			}
			if r.IntN(10) > 0 {
				ind := industries[r.IntN(len(industries))]
				e.Industry = &ind
			}
			if r.IntN(10) > 0 {
				f := workday.NewDate(2000+r.IntN(25), time.Month(1+r.IntN(12)), 1+r.IntN(28))
				e.Founded = &f
			}
			for _, p := range []**int64{&e.RegisteredCapital, &e.Employees, &e.Revenue, &e.TotalAssets} {
				if r.IntN(8) > 0 {
					v := int64(r.IntN(50_000_000))
					*p = &v
				}
			}
			switch r.IntN(10) {
			case 0: // unknown tags
			case 1:
				e.Tags = []string{}
			default:
				e.Tags = NormalizeTags([]string{"民营企业", StandardTags[r.IntN(len(StandardTags))]})
			}
			status := Statuses[r.IntN(len(Statuses))]
			e.Status = &status
			if e.Industry != nil {
				if sz := SizeOf(mustIndustry(*e.Industry), e.Employees, e.Revenue, e.TotalAssets); sz != "" {
					e.Size = &sz
				}
			}
			if err := yield(e); err != nil {
				return err
			}
		}
		return nil
	}
}

func mustIndustry(code string) string {
	c, err := ParseIndustry(code)
	if err != nil {
		panic(err)
	}
	return c
}
