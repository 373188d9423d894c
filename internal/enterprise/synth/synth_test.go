package synth

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/qinqing/qinqing/internal/enterprise"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// synthToday is a fixed date, so that the tests do not depend on the clock.
var synthToday = workday.NewDate(2025, time.June, 30)

// digest returns a hash of all entities Generate yields for opts.
func digest(t *testing.T, opts Options) [32]byte {
	t.Helper()
	h := sha256.New()
	enc := json.NewEncoder(h)
	if err := Generate(opts, func(e *enterprise.Enterprise) error { return enc.Encode(e) }); err != nil {
		t.Fatal(err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

func TestSynthesizeDeterministic(t *testing.T) {
	opts := Options{N: 20_000, Seed: 7, Today: synthToday}
	a, b := digest(t, opts), digest(t, opts)
	if a != b {
		t.Error("the same options gave different entities")
	}
	opts.Seed = 8
	if digest(t, opts) == a {
		t.Error("different seeds gave the same entities")
	}
	// The first entities do not depend on N.
	var first, prefix []string
	Generate(Options{N: 10, Seed: 7, Today: synthToday}, func(e *enterprise.Enterprise) error {
		first = append(first, e.USCC+e.Name)
		return nil
	})
	Generate(Options{N: 1000, Seed: 7, Today: synthToday}, func(e *enterprise.Enterprise) error {
		if len(prefix) < 10 {
			prefix = append(prefix, e.USCC+e.Name)
		}
		return nil
	})
	if !slices.Equal(first, prefix) {
		t.Error("the first entities change with N")
	}
}

func TestSynthTagNames(t *testing.T) {
	if !slices.Equal(synthTagNames[:], enterprise.StandardTags) {
		t.Errorf("synthTagNames %v differ from StandardTags %v", synthTagNames, enterprise.StandardTags)
	}
	for _, k := range synthKindNames {
		if !slices.Contains(enterprise.Kinds, k) {
			t.Errorf("kind %s not in Kinds", k)
		}
	}
}

// TestSynthTables checks the generator's tables: every industry code it can
// draw is valid and canonical.
func TestSynthTables(t *testing.T) {
	s, err := newSynthesizer(Options{N: 1, Today: synthToday})
	if err != nil {
		t.Fatal(err)
	}
	check := func(code string) {
		if got, err := enterprise.ParseIndustry(code); err != nil || got != code {
			t.Errorf("industry code %q: %q, %v", code, got, err)
		}
	}
	for d := 1; d <= 97; d++ {
		for _, c := range s.codes[d] {
			check(c)
		}
		for _, w := range append(slices.Clone(s.words[d]), s.shops[d]...) {
			if w.text == "" {
				t.Errorf("大类 %d: empty word", d)
			}
			if w.code != "" {
				check(w.code)
				if w.code[1:3] != fmt.Sprintf("%02d", d) {
					t.Errorf("大类 %d: word %s has code %s", d, w.text, w.code)
				}
			}
		}
	}
	for k, ws := range synthIndustryWeights {
		for _, w := range ws {
			if enterprise.IndustrySection(fmt.Sprintf("%02d", w.div)) == 0 || w.weight <= 0 {
				t.Errorf("kind %d: weight %+v", k, w)
			}
		}
	}
	// Calibrated probabilities stay probabilities.
	for d := 1; d <= 97; d++ {
		for _, p := range []float64{s.p4[d], s.kHT * s.fHT[d] * 3, s.kZX * s.fZX[d] * 16, s.kKX * s.fHT[d] * 5, s.kSS * 3, s.kW * s.fWZ[d] * 5} {
			if p < 0 || p > 1 {
				t.Errorf("大类 %d: probability %v", d, p)
			}
		}
	}
	for _, p := range s.pGiant {
		if p < 0 || p > 1 {
			t.Errorf("P(小巨人) = %v", p)
		}
	}
}

// TestSynthesizeValid checks every entity of a run of 50,000: valid and
// unique codes, consistent fields, and some unknowns everywhere.
func TestSynthesizeValid(t *testing.T) {
	const n = 50_000
	city := enterprise.Wuhan()
	streets := map[string][]string{}
	for _, d := range city.Districts {
		streets[d.Code] = d.Streets
	}
	start := workday.NewDate(1990, time.January, 1)
	seen := make(map[string]bool, n)
	names := make(map[string]bool, n)
	nils := map[string]int{}
	count, dupNames := 0, 0
	countNil := func(field string, isNil bool) {
		if isNil {
			nils[field]++
		}
	}
	err := Generate(Options{N: n, Seed: 42, Today: synthToday, City: city}, func(e *enterprise.Enterprise) error {
		count++
		code, err := enterprise.ParseUSCC(e.USCC)
		if err != nil || code != e.USCC {
			t.Fatalf("USCC %q: %v", e.USCC, err)
		}
		if seen[code] {
			t.Fatalf("USCC %s repeated", code)
		}
		seen[code] = true
		if e.Name == "" {
			t.Fatalf("%s has no name", code)
		}
		if names[e.Name] {
			dupNames++
		}
		names[e.Name] = true
		if e.Kind != nil && enterprise.KindOfUSCC(code) != *e.Kind {
			t.Errorf("%s: kind %s but code says %s", code, *e.Kind, enterprise.KindOfUSCC(code))
		}
		if code[2:4] != "42" {
			t.Errorf("%s: division outside 湖北", code)
		}
		if e.Industry != nil {
			if got, err := enterprise.ParseIndustry(*e.Industry); err != nil || got != *e.Industry {
				t.Errorf("%s: industry %q: %v", code, *e.Industry, err)
			}
		}
		if e.District != nil {
			if _, ok := streets[*e.District]; !ok {
				t.Errorf("%s: district %s", code, *e.District)
			}
			if e.Street != nil && !slices.Contains(streets[*e.District], *e.Street) {
				t.Errorf("%s: street %s not in %s", code, *e.Street, *e.District)
			}
		}
		if e.Founded != nil && (*e.Founded < start || *e.Founded > synthToday) {
			t.Errorf("%s: founded %s", code, e.Founded)
		}
		for _, v := range []*int64{e.RegisteredCapital, e.Employees, e.Revenue, e.RDExpense, e.TaxPaid, e.ExportValue, e.TotalAssets} {
			if v != nil && *v < 0 {
				t.Errorf("%s: negative figure %d", code, *v)
			}
		}
		if want, got := enterprise.ClassifySize(e.Industry, e.Employees, e.Revenue, e.TotalAssets), e.Size; (want == nil) != (got == nil) || (want != nil && *want != *got) {
			t.Errorf("%s: size %v; ClassifySize gives %v", code, sizeStr(got), sizeStr(want))
		}
		if e.Tags != nil {
			prev := -1
			for _, tag := range e.Tags {
				i := slices.Index(enterprise.StandardTags, tag)
				if i <= prev {
					t.Errorf("%s: tags %v not standard or not in order", code, e.Tags)
				}
				prev = i
			}
			if slices.Contains(e.Tags, "专精特新小巨人") && !slices.Contains(e.Tags, "专精特新") {
				t.Errorf("%s: 小巨人 without 专精特新", code)
			}
			if slices.Contains(e.Tags, "外资企业") && slices.Contains(e.Tags, "民营企业") {
				t.Errorf("%s: both 外资 and 民营", code)
			}
			if slices.Contains(e.Tags, "规上工业") && !slices.Contains(e.Tags, "四上企业") {
				t.Errorf("%s: 规上工业 without 四上", code)
			}
			if len(e.Tags) > 0 && enterprise.KindOfUSCC(code) != "企业" {
				t.Errorf("%s: tags %v on a %s", code, e.Tags, enterprise.KindOfUSCC(code))
			}
		}
		if e.Credit != nil && !slices.Contains(enterprise.Credits, *e.Credit) {
			t.Errorf("%s: credit %s", code, *e.Credit)
		}
		if e.Status != nil && !slices.Contains(enterprise.Statuses, *e.Status) {
			t.Errorf("%s: status %s", code, *e.Status)
		}
		countNil("kind", e.Kind == nil)
		countNil("industry", e.Industry == nil)
		countNil("district", e.District == nil)
		countNil("street", e.Street == nil)
		countNil("founded", e.Founded == nil)
		countNil("registered_capital", e.RegisteredCapital == nil)
		countNil("employees", e.Employees == nil)
		countNil("revenue", e.Revenue == nil)
		countNil("rd_expense", e.RDExpense == nil)
		countNil("tax_paid", e.TaxPaid == nil)
		countNil("export_value", e.ExportValue == nil)
		countNil("total_assets", e.TotalAssets == nil)
		countNil("tags", e.Tags == nil)
		countNil("credit", e.Credit == nil)
		countNil("status", e.Status == nil)
		countNil("size", e.Size == nil)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Fatalf("yielded %d entities; want %d", count, n)
	}
	for _, f := range enterprise.Fields {
		if f.Name == "uscc" || f.Name == "name" || f.Name == "age_years" {
			continue
		}
		share := float64(nils[f.Name]) / n
		if share < 0.005 || share > 0.30 {
			t.Errorf("field %s unknown in %.1f%% of entities", f.Name, 100*share)
		}
	}
	if share := float64(dupNames) / n; share > 0.02 {
		t.Errorf("%.1f%% of names repeat", 100*share)
	}
}

// TestSynthesizePrevalence checks, at a tenth of Wuhan's scale, that kinds,
// tags and credit come out at the documented rates.
func TestSynthesizePrevalence(t *testing.T) {
	if testing.Short() {
		t.Skip("225,000 entities")
	}
	const n = synthScale / 10
	kinds := map[string]int{}
	tags := map[string]int{}
	credit := map[string]int{}
	status := map[string]int{}
	sizes := map[string]int{}
	var highTech, highTechCIM, withIndustry int
	sections := map[byte]int{}
	err := Generate(Options{N: n, Seed: 2025, Today: synthToday}, func(e *enterprise.Enterprise) error {
		kinds[enterprise.KindOfUSCC(e.USCC)]++
		for _, tag := range e.Tags {
			tags[tag]++
		}
		if e.Credit != nil {
			credit[*e.Credit]++
		}
		if e.Status != nil {
			status[*e.Status]++
		}
		if e.Size != nil {
			sizes[*e.Size]++
		}
		if e.Industry != nil {
			withIndustry++
			sections[(*e.Industry)[0]]++
			if slices.Contains(e.Tags, "高新技术企业") {
				highTech++
				if s := (*e.Industry)[0]; s == 'C' || s == 'I' || s == 'M' {
					highTechCIM++
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// within reports whether got is within tolerance of want: 10%, or four
	// standard deviations of a Poisson count when that is wider.
	within := func(got int, want float64) bool {
		tol := math.Max(0.10*want, 4*math.Sqrt(want))
		return math.Abs(float64(got)-want) <= tol
	}
	scale := float64(n) / synthScale
	wantTags := map[string]float64{
		"四上企业":    synthSiShang,
		"规上工业":    synthGuiShang,
		"限上商贸":    synthXianShang,
		"高新技术企业":  synthHighTech,
		"科技型中小企业": synthTechSME,
		"专精特新":    synthZJTX,
		"专精特新小巨人": synthGiant,
		"上市企业":    synthListed,
		"瞪羚企业":    synthGazelle,
		"外资企业":    synthForeign,
	}
	for tag, per := range wantTags {
		if want := per * scale; !within(tags[tag], want) {
			t.Errorf("%s: %d; want about %.0f", tag, tags[tag], want)
		}
	}
	if tags["独角兽"] > 10 {
		t.Errorf("独角兽: %d; want about 1", tags["独角兽"])
	}
	// 950,000 企业 of 2.25 million, most of them 民营.
	if want := 950_000 * scale; !within(kinds["企业"], want) {
		t.Errorf("企业: %d; want about %.0f", kinds["企业"], want)
	}
	if kinds["个体工商户"] < kinds["企业"] || kinds["农民专业合作社"] == 0 || kinds["其他"] == 0 {
		t.Errorf("kinds %v", kinds)
	}
	if share := float64(tags["民营企业"]) / float64(kinds["企业"]); share < 0.85 || share > 0.97 {
		t.Errorf("民营企业 on %.1f%% of 企业", 100*share)
	}
	// Credit and status.
	known := float64(credit["正常"] + credit["经营异常"] + credit["严重失信"])
	if share := float64(credit["经营异常"]) / known; share < 0.025 || share > 0.035 {
		t.Errorf("经营异常: %.2f%%", 100*share)
	}
	if share := float64(credit["严重失信"]) / known; share < 0.002 || share > 0.004 {
		t.Errorf("严重失信: %.2f%%", 100*share)
	}
	if share := float64(status["存续"]) / float64(status["存续"]+status["注销"]+status["吊销"]); share < 0.9 {
		t.Errorf("存续: %.1f%%", 100*share)
	}
	// 高新 concentrate in manufacturing, information and technical services.
	if share := float64(highTechCIM) / float64(highTech); share < 0.8 {
		t.Errorf("only %.0f%% of 高新 in C/I/M", 100*share)
	}
	// Trade is the largest section; micro enterprises dominate; a few large.
	for s, c := range sections {
		if s != 'F' && c >= sections['F'] {
			t.Errorf("section %c (%d) outnumbers F (%d)", s, c, sections['F'])
		}
	}
	if sizes["微型"] < sizes["小型"] || sizes["小型"] < sizes["中型"] || sizes["中型"] < sizes["大型"] || sizes["大型"] == 0 {
		t.Errorf("sizes %v", sizes)
	}
}

func TestSynthesizeOptions(t *testing.T) {
	t.Run("OKZero", func(t *testing.T) {
		calls := 0
		if err := Generate(Options{N: 0, Today: synthToday}, func(*enterprise.Enterprise) error { calls++; return nil }); err != nil || calls != 0 {
			t.Errorf("N=0: %d calls, %v", calls, err)
		}
	})
	t.Run("OKOtherCity", func(t *testing.T) {
		c := &enterprise.City{Code: "330100", Name: "杭州市", Province: "浙江省", Districts: []enterprise.District{
			{Code: "330106", Name: "西湖区", Streets: []string{"北山街道", "西溪街道"}},
			{Code: "330108", Name: "滨江区", Streets: []string{"西兴街道", "长河街道"}},
		}}
		err := Generate(Options{N: 2000, Seed: 1, Today: synthToday, City: c}, func(e *enterprise.Enterprise) error {
			if e.USCC[2:4] != "33" {
				t.Fatalf("USCC %s outside 浙江", e.USCC)
			}
			if e.District != nil && *e.District != "330106" && *e.District != "330108" {
				t.Fatalf("district %s", *e.District)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrYield", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		err := Generate(Options{N: 100, Today: synthToday}, func(*enterprise.Enterprise) error {
			calls++
			if calls == 3 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || calls != 3 {
			t.Errorf("err %v after %d calls; want stop after 3", err, calls)
		}
	})
	errTests := []struct {
		name string
		opts Options
	}{
		{"ErrNegative", Options{N: -1, Today: synthToday}},
		{"ErrTooMany", Options{N: 100_000_001, Today: synthToday}},
		{"ErrNoToday", Options{N: 1}},
		{"ErrNoDistricts", Options{N: 1, Today: synthToday, City: &enterprise.City{Code: "420100", Name: "空城"}}},
		{"ErrBadCityCode", Options{N: 1, Today: synthToday, City: &enterprise.City{Code: "4201", Name: "坏城", Districts: []enterprise.District{{Code: "420102"}}}}},
		{"ErrBadDistrictCode", Options{N: 1, Today: synthToday, City: &enterprise.City{Code: "420100", Name: "坏城", Districts: []enterprise.District{{Code: "42A102"}}}}},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			err := Generate(tt.opts, func(*enterprise.Enterprise) error { t.Fatal("yield called"); return nil })
			if errs.CodeOf(err) != errs.Invalid {
				t.Errorf("err %v; want invalid", err)
			}
		})
	}
}

func TestRoundCapital(t *testing.T) {
	tests := map[float64]int64{
		0: 10_000, 5_000: 10_000, 12_345: 10_000, 26_000: 30_000, 44_000: 50_000,
		1.4e6: 1_000_000, 2.2e6: 2_000_000, 4.2e6: 5_000_000, 8e6: 10_000_000, 3e8: 300_000_000,
	}
	for in, want := range tests {
		if got := roundCapital(in); got != want {
			t.Errorf("roundCapital(%v) = %d; want %d", in, got, want)
		}
	}
}

// BenchmarkSynthesize reports the cost of one entity (ns/op is per entity).
func BenchmarkSynthesize(b *testing.B) {
	b.ReportAllocs()
	n := 0
	err := Generate(Options{N: b.N, Seed: 1, Today: synthToday}, func(e *enterprise.Enterprise) error {
		n += len(e.Name)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

func sizeStr(p *string) string {
	if p == nil {
		return "nil"
	}
	return *p
}
