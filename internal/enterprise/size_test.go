package enterprise

import (
	"fmt"
	"testing"
)

// sizeRule restates one industry of 工信部联企业〔2011〕300号 for the tests,
// independently of size.go: the indicators ("emp" persons, "rev" and
// "assets" 万元) and their large, medium and small thresholds.
type sizeRule struct {
	name  string
	codes []string // industry codes the rule applies to
	ind   [2]string
	th    [2][3]int64
}

var sizeRules = []sizeRule{
	{"农、林、牧、渔业", []string{"A01", "A0511", "05"}, [2]string{"rev"}, [2][3]int64{{20000, 500, 50}}},
	{"工业", []string{"C3911", "B06", "D44", "C", "3911", "C43"}, [2]string{"emp", "rev"}, [2][3]int64{{1000, 300, 20}, {40000, 2000, 300}}},
	{"建筑业", []string{"E47", "E501", "E"}, [2]string{"rev", "assets"}, [2][3]int64{{80000, 6000, 300}, {80000, 5000, 300}}},
	{"批发业", []string{"F51", "F5171"}, [2]string{"emp", "rev"}, [2][3]int64{{200, 20, 5}, {40000, 5000, 1000}}},
	{"零售业", []string{"F52", "F521"}, [2]string{"emp", "rev"}, [2][3]int64{{300, 50, 10}, {20000, 500, 100}}},
	{"交通运输业", []string{"G54", "G55", "G56", "G57", "G58", "G591"}, [2]string{"emp", "rev"}, [2][3]int64{{1000, 300, 20}, {30000, 3000, 200}}},
	{"仓储业", []string{"G592", "G599"}, [2]string{"emp", "rev"}, [2][3]int64{{200, 100, 20}, {30000, 1000, 100}}},
	{"邮政业", []string{"G60", "G602"}, [2]string{"emp", "rev"}, [2][3]int64{{1000, 300, 20}, {30000, 2000, 100}}},
	{"住宿业", []string{"H61"}, [2]string{"emp", "rev"}, [2][3]int64{{300, 100, 10}, {10000, 2000, 100}}},
	{"餐饮业", []string{"H62", "H6210"}, [2]string{"emp", "rev"}, [2][3]int64{{300, 100, 10}, {10000, 2000, 100}}},
	{"信息传输业", []string{"I63", "I64", "I643"}, [2]string{"emp", "rev"}, [2][3]int64{{2000, 100, 10}, {100000, 1000, 100}}},
	{"软件和信息技术服务业", []string{"I65", "I651"}, [2]string{"emp", "rev"}, [2][3]int64{{300, 100, 10}, {10000, 1000, 50}}},
	{"房地产开发经营", []string{"K701", "K7010"}, [2]string{"rev", "assets"}, [2][3]int64{{200000, 1000, 100}, {10000, 5000, 2000}}},
	{"物业管理", []string{"K702"}, [2]string{"emp", "rev"}, [2][3]int64{{1000, 300, 100}, {5000, 1000, 500}}},
	{"租赁和商务服务业", []string{"L71", "L72", "L"}, [2]string{"emp", "assets"}, [2][3]int64{{300, 100, 10}, {120000, 8000, 100}}},
	{"其他未列明行业", []string{"M73", "M", "N77", "O80", "P83", "Q84", "R88", "K703", "K704"}, [2]string{"emp"}, [2][3]int64{{300, 100, 10}}},
}

// sizeInputs are the three inputs of ClassifySize, nil when unknown.
type sizeInputs struct{ emp, rev, assets *int64 }

func (in sizeInputs) String() string {
	f := func(p *int64) string {
		if p == nil {
			return "nil"
		}
		return fmt.Sprint(*p)
	}
	return "emp=" + f(in.emp) + " rev=" + f(in.rev) + " assets=" + f(in.assets)
}

// set stores v (persons, or 万元 plus yuan delta) in the input named ind.
func (in *sizeInputs) set(ind string, persons int64) {
	v := new(int64)
	*v = persons
	switch ind {
	case "emp":
		in.emp = v
	case "rev":
		in.rev = v
	case "assets":
		in.assets = v
	}
}

// value returns threshold t of indicator ind in input units, plus delta
// (one person or one yuan).
func value(ind string, t, delta int64) int64 {
	if ind == "emp" {
		return t + delta
	}
	return t*10000 + delta
}

func ptr[T any](v T) *T { return &v }

func sizeStr(p *string) string {
	if p == nil {
		return "nil"
	}
	return *p
}

func TestClassifySize(t *testing.T) {
	names := [4]string{"微型", "小型", "中型", "大型"}
	t.Run("OK", func(t *testing.T) {
		for _, r := range sizeRules {
			for _, code := range r.codes {
				for level := 3; level >= 1; level-- {
					i := 3 - level // index of the threshold
					for which := range 2 {
						if r.ind[which] == "" {
							continue
						}
						for _, delta := range []int64{-1, 0, 1} {
							var in sizeInputs
							for k := range 2 {
								if r.ind[k] == "" {
									continue
								}
								d := int64(0)
								if k == which {
									d = delta
								}
								in.set(r.ind[k], value(r.ind[k], r.th[k][i], d))
							}
							want := names[level]
							if delta < 0 {
								want = names[level-1]
							}
							got := ClassifySize(&code, in.emp, in.rev, in.assets)
							if sizeStr(got) != want {
								t.Errorf("%s %s %s: ClassifySize = %s; want %s", r.name, code, in, sizeStr(got), want)
							}
						}
					}
				}
				// Everything known and at zero is 微型, not unknown.
				var zero sizeInputs
				for k := range 2 {
					if r.ind[k] != "" {
						zero.set(r.ind[k], 0)
					}
				}
				if got := ClassifySize(&code, zero.emp, zero.rev, zero.assets); sizeStr(got) != "微型" {
					t.Errorf("%s %s zero: %s", r.name, code, sizeStr(got))
				}
				if got := SizeStandard(code); got != r.name && len(code) > 1 {
					t.Errorf("SizeStandard(%q) = %q; want %q", code, got, r.name)
				}
			}
		}
	})
	// Cases written out, the way the 规定 reads.
	tests := []struct {
		name     string
		industry *string
		in       sizeInputs
		want     string
	}{
		{"OKIndustryLarge", ptr("C3911"), sizeInputs{ptr[int64](1000), ptr[int64](400_000_000), nil}, "大型"},
		{"OKIndustryManyPeopleLowRevenue", ptr("C3911"), sizeInputs{ptr[int64](2000), ptr[int64](10_000_000), nil}, "小型"},
		{"OKIndustryFewPeopleHighRevenue", ptr("C3911"), sizeInputs{ptr[int64](19), ptr[int64](900_000_000), nil}, "微型"},
		{"OKRetailMedium", ptr("F52"), sizeInputs{ptr[int64](50), ptr[int64](5_000_000), nil}, "中型"},
		{"OKSoftwareSmall", ptr("I65"), sizeInputs{ptr[int64](10), ptr[int64](500_000), nil}, "小型"},
		{"OKBusinessIgnoresRevenue", ptr("L72"), sizeInputs{ptr[int64](150), nil, ptr[int64](80_000_000)}, "中型"},
		{"OKAgricultureRevenueOnly", ptr("A01"), sizeInputs{nil, ptr[int64](6_000_000), nil}, "中型"},
		{"OKOtherEmployeesOnly", ptr("M73"), sizeInputs{ptr[int64](150), nil, nil}, "中型"},
		{"OKConstructionNoEmployees", ptr("E47"), sizeInputs{nil, ptr[int64](70_000_000), ptr[int64](60_000_000)}, "中型"},
		{"OKPlainDigits", ptr("3911"), sizeInputs{ptr[int64](300), ptr[int64](20_000_000), nil}, "中型"},
		{"OKMicroWhateverRevenue", ptr("C3911"), sizeInputs{ptr[int64](19), nil, nil}, "微型"},
		{"OKMicroWhateverEmployees", ptr("C3911"), sizeInputs{nil, ptr[int64](2_999_999), nil}, "微型"},
		{"OKCoarseAllAgree", ptr("K70"), sizeInputs{ptr[int64](5), ptr[int64](500_000), ptr[int64](1_000_000)}, "微型"},
		{"OKSectionAllAgree", ptr("F"), sizeInputs{ptr[int64](100), ptr[int64](100_000_000), nil}, "中型"},
		{"OKCoarseG59", ptr("G59"), sizeInputs{ptr[int64](10), ptr[int64](500_000), nil}, "微型"},
		{"OKNegativeIsBelow", ptr("M73"), sizeInputs{ptr[int64](-5), nil, nil}, "微型"},
		{"ErrUnknownIndustry", nil, sizeInputs{ptr[int64](100), ptr[int64](1), ptr[int64](1)}, "nil"},
		{"ErrInvalidIndustry", ptr("X99"), sizeInputs{ptr[int64](100), ptr[int64](1), ptr[int64](1)}, "nil"},
		{"ErrFinance", ptr("J66"), sizeInputs{ptr[int64](5), ptr[int64](1), ptr[int64](1)}, "nil"},
		{"ErrRailway", ptr("G53"), sizeInputs{ptr[int64](5), ptr[int64](1), ptr[int64](1)}, "nil"},
		{"ErrTransportSection", ptr("G"), sizeInputs{ptr[int64](5), ptr[int64](1), ptr[int64](1)}, "nil"},
		{"ErrPublic", ptr("S92"), sizeInputs{ptr[int64](5), ptr[int64](1), ptr[int64](1)}, "nil"},
		{"ErrInternational", ptr("T97"), sizeInputs{ptr[int64](5), ptr[int64](1), ptr[int64](1)}, "nil"},
		{"ErrEmployeesUnknown", ptr("C3911"), sizeInputs{nil, ptr[int64](500_000_000), nil}, "nil"},
		{"ErrRevenueUnknown", ptr("C3911"), sizeInputs{ptr[int64](500), nil, ptr[int64](1)}, "nil"},
		{"ErrAssetsUnknown", ptr("L72"), sizeInputs{ptr[int64](150), ptr[int64](1e9), nil}, "nil"},
		{"ErrAllUnknown", ptr("M73"), sizeInputs{}, "nil"},
		{"ErrAgricultureRevenueUnknown", ptr("A01"), sizeInputs{ptr[int64](5), nil, ptr[int64](1)}, "nil"},
		{"ErrCoarseDisagree", ptr("K70"), sizeInputs{ptr[int64](500), ptr[int64](500_000_000), ptr[int64](500_000_000)}, "nil"},
		{"ErrSectionDisagree", ptr("I"), sizeInputs{ptr[int64](1000), ptr[int64](200_000_000), nil}, "nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ClassifySize(tt.industry, tt.in.emp, tt.in.rev, tt.in.assets)
			if sizeStr(got) != tt.want {
				t.Errorf("ClassifySize(%s, %s) = %s; want %s", sizeStr(tt.industry), tt.in, sizeStr(got), tt.want)
			}
		})
	}
}

func TestSizeStandard(t *testing.T) {
	tests := map[string]string{
		"C3911": "工业", "591": "交通运输业", "5920": "仓储业", "K701": "房地产开发经营",
		"K70": "", "G": "", "J66": "", "G53": "", "S": "", "": "", "X": "",
	}
	for code, want := range tests {
		if got := SizeStandard(code); got != want {
			t.Errorf("SizeStandard(%q) = %q; want %q", code, got, want)
		}
	}
}
