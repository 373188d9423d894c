package matchbench

import (
	"math"
	"strings"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/workday"
)

// rawCols is the physical-limit peer's data: only plain slices, dictionary
// codes (0: unknown) and sentinels for unknown numbers.
type rawCols struct {
	n                          int
	district                   []uint8
	districtCode               map[string]uint8
	credit, status, kind, size []uint8
	creditV, statusV, kindV    map[string]uint8
	sizeV                      map[string]uint8
	industry                   []uint16
	industryDict               []string
	revenue, employees, rd     []int64 // math.MinInt64: unknown
	founded                    []int32 // math.MinInt32: unknown
	tags                       []uint16
	tagBit                     map[string]uint16
	from2015, ageFloor2        int32
	industryIndex              map[string]uint16
	groups                     int
}

const (
	unkInt   = math.MinInt64
	unkDate  = math.MinInt32
	tagKnown = 1 << 15
)

func newRawCols(ents []*enterprise.Enterprise) *rawCols {
	c := &rawCols{n: len(ents), districtCode: map[string]uint8{}, creditV: map[string]uint8{}, statusV: map[string]uint8{},
		kindV: map[string]uint8{}, sizeV: map[string]uint8{}, tagBit: map[string]uint16{}, industryIndex: map[string]uint16{}}
	for i, t := range enterprise.StandardTags {
		c.tagBit[t] = 1 << i
	}
	code := func(m map[string]uint8, p *string) uint8 {
		if p == nil {
			return 0
		}
		v, ok := m[*p]
		if !ok {
			v = uint8(len(m) + 1)
			m[*p] = v
		}
		return v
	}
	num := func(p *int64) int64 {
		if p == nil {
			return unkInt
		}
		return *p
	}
	c.district = make([]uint8, 0, len(ents))
	for _, e := range ents {
		c.district = append(c.district, code(c.districtCode, e.District))
		c.credit = append(c.credit, code(c.creditV, e.Credit))
		c.status = append(c.status, code(c.statusV, e.Status))
		c.kind = append(c.kind, code(c.kindV, e.Kind))
		c.size = append(c.size, code(c.sizeV, e.Size))
		var ind uint16
		if e.Industry != nil {
			v, ok := c.industryIndex[*e.Industry]
			if !ok {
				c.industryDict = append(c.industryDict, *e.Industry)
				v = uint16(len(c.industryDict))
				c.industryIndex[*e.Industry] = v
			}
			ind = v
		}
		c.industry = append(c.industry, ind)
		c.revenue = append(c.revenue, num(e.Revenue))
		c.employees = append(c.employees, num(e.Employees))
		c.rd = append(c.rd, num(e.RDExpense))
		f := int32(unkDate)
		if e.Founded != nil {
			f = int32(*e.Founded)
		}
		c.founded = append(c.founded, f)
		var tb uint16
		if e.Tags != nil {
			tb = tagKnown
			for _, t := range e.Tags {
				tb |= c.tagBit[t]
			}
		}
		c.tags = append(c.tags, tb)
	}
	c.groups = len(c.districtCode) + 1
	c.from2015 = int32(workday.NewDate(2015, 1, 1))
	// age_years >= 2 on today: founded on or before today two years back.
	c.ageFloor2 = int32(workday.NewDate(today.Year()-2, 6, 30))
	return c
}

// prefixTable marks the industry codes that start with one of prefixes;
// it is part of the raw loop's work.
func (c *rawCols) prefixTable(prefixes ...string) []bool {
	ok := make([]bool, len(c.industryDict)+1)
	for i, code := range c.industryDict {
		for _, p := range prefixes {
			if strings.HasPrefix(code, p) {
				ok[i+1] = true
			}
		}
	}
	return ok
}

// rawOut is the answer of a raw loop: the same as a simulation's.
type rawOut struct {
	yes, unknown uint64
	budget       int64
	groups       [256]uint64
	groupBudget  [256]int64
}

// rawAmount is the benchmark amount (10% of R&D expense, at most 50万元)
// for a base; unknown gives 0.
func rawAmount(rd int64) int64 {
	if rd == unkInt || rd <= 0 {
		return 0
	}
	return min(rd/10, 500000)
}

func (o *rawOut) eligible(c *rawCols, i int) {
	o.yes++
	v := rawAmount(c.rd[i])
	o.budget += v
	d := c.district[i]
	o.groups[d]++
	o.groupBudget[d] += v
}

// Each raw loop evaluates its rule in Kleene logic: a known false leaf
// ends the row (不符合), an unknown one makes it 待补充信息 unless a later
// leaf is false.

func raw1(c *rawCols, out *rawOut) {
	for i, v := range c.revenue {
		switch {
		case v == unkInt:
			out.unknown++
		case v >= 5000000:
			out.eligible(c, i)
		}
	}
}

func raw3(c *rawCols, out *rawOut) {
	d1, d2, d3 := c.districtCode["420111"], c.districtCode["420106"], c.districtCode["420102"]
	for i, d := range c.district {
		unknown := false
		if d == 0 {
			unknown = true
		} else if d != d1 && d != d2 && d != d3 {
			continue
		}
		if v := c.revenue[i]; v == unkInt {
			unknown = true
		} else if v < 1000000 || v > 100000000 {
			continue
		}
		if f := c.founded[i]; f == unkDate {
			unknown = true
		} else if f < c.from2015 {
			continue
		}
		if unknown {
			out.unknown++
		} else {
			out.eligible(c, i)
		}
	}
}

func raw6(c *rawCols, out *rawOut) {
	d1, d2, d3 := c.districtCode["420111"], c.districtCode["420106"], c.districtCode["420102"]
	mask := c.tagBit["高新技术企业"] | c.tagBit["科技型中小企业"] | c.tagBit["专精特新"]
	ind := c.prefixTable("C39", "I65", "M73")
	bad := c.creditV["严重失信"]
	for i, tg := range c.tags {
		unknown := false
		if tg&tagKnown == 0 {
			unknown = true
		} else if tg&mask == 0 {
			continue
		}
		if x := c.industry[i]; x == 0 {
			unknown = true
		} else if !ind[x] {
			continue
		}
		if d := c.district[i]; d == 0 {
			unknown = true
		} else if d != d1 && d != d2 && d != d3 {
			continue
		}
		if cr := c.credit[i]; cr == 0 {
			unknown = true
		} else if cr == bad {
			continue
		}
		if v := c.revenue[i]; v == unkInt {
			unknown = true
		} else if v < 1000000 || v > 100000000 {
			continue
		}
		if f := c.founded[i]; f == unkDate {
			unknown = true
		} else if f < c.from2015 {
			continue
		}
		if unknown {
			out.unknown++
		} else {
			out.eligible(c, i)
		}
	}
}

func raw12(c *rawCols, out *rawOut) {
	d1, d2, d3 := c.districtCode["420111"], c.districtCode["420106"], c.districtCode["420102"]
	mask := c.tagBit["高新技术企业"] | c.tagBit["科技型中小企业"] | c.tagBit["专精特新"]
	ind := c.prefixTable("C39", "I65", "M73")
	bad := c.creditV["严重失信"]
	small, micro := c.sizeV["小型"], c.sizeV["微型"]
	alive, firm := c.statusV["存续"], c.kindV["企业"]
	for i, tg := range c.tags {
		unknown := false
		if tg&tagKnown == 0 {
			unknown = true
		} else if tg&mask == 0 {
			continue
		}
		if x := c.industry[i]; x == 0 {
			unknown = true
		} else if !ind[x] {
			continue
		}
		if d := c.district[i]; d == 0 {
			unknown = true
		} else if d != d1 && d != d2 && d != d3 {
			continue
		}
		if cr := c.credit[i]; cr == 0 {
			unknown = true
		} else if cr == bad {
			continue
		}
		if s := c.status[i]; s == 0 {
			unknown = true
		} else if s != alive {
			continue
		}
		if k := c.kind[i]; k == 0 {
			unknown = true
		} else if k != firm {
			continue
		}
		if f := c.founded[i]; f == unkDate {
			unknown = true
		} else if f < c.from2015 || f > c.ageFloor2 {
			continue
		}
		if v := c.revenue[i]; v == unkInt {
			unknown = true
		} else if v < 1000000 || v > 100000000 {
			continue
		}
		if v := c.rd[i]; v == unkInt {
			unknown = true
		} else if v < 100000 {
			continue
		}
		// any(employees <= 300, size in 小型/微型)
		anyOf := 0 // 0 no, 1 unknown, 2 yes
		if e := c.employees[i]; e == unkInt {
			anyOf = 1
		} else if e <= 300 {
			anyOf = 2
		}
		if anyOf != 2 {
			if s := c.size[i]; s == 0 {
				anyOf = 1
			} else if s == small || s == micro {
				anyOf = 2
			}
		}
		if anyOf == 0 {
			continue
		}
		if unknown || anyOf == 1 {
			out.unknown++
		} else {
			out.eligible(c, i)
		}
	}
}
