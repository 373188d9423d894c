// Package synth generates a synthetic city: millions of plausible market
// entities for the demo, the benchmarks and the tests at city scale. It is
// no part of the production registry, which only imports what it yields.
package synth

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// Options configures Generate.
type Options struct {
	N     int              // number of market entities to generate, at most 100 million
	Seed  int64            // the same seed (and options) gives the same entities
	City  *enterprise.City // districts, streets and names; nil means Wuhan()
	Today workday.Date     // founding dates fall on or before it; required
}

// synthScale is the number of market entities the tag targets below refer
// to: Wuhan's 2.25 million (seed 000). For another N they scale in
// proportion.
const synthScale = 2_250_000

// Tag targets per synthScale entities, after seeds 000/001 where they are
// figures of the programme, and plausible magnitudes otherwise.
const (
	synthSiShang   = 18_500 // 四上企业, of which
	synthGuiShang  = 7_000  //   规上工业
	synthXianShang = 6_000  //   限上商贸 (批发零售住宿餐饮)
	synthHighTech  = 15_500 // 高新技术企业
	synthTechSME   = 13_000 // 科技型中小企业
	synthZJTX      = 3_000  // 专精特新
	synthGiant     = 300    // 专精特新小巨人 (all also 专精特新)
	synthListed    = 100    // 上市企业
	synthGazelle   = 500    // 瞪羚企业 (all also 高新)
	synthUnicorn   = 10     // 独角兽 (all also 高新)
	synthForeign   = 3_000  // 外资企业
)

// Shares of unknown values per field, so that consumers meet nil everywhere.
const (
	synthNilKind     = 0.01
	synthNilIndustry = 0.06
	synthNilDistrict = 0.03
	synthNilStreet   = 0.10
	synthNilFounded  = 0.03
	synthNilCapital  = 0.08
	synthNilEmploy   = 0.10
	synthNilRevenue  = 0.12
	synthNilRD       = 0.15
	synthNilTax      = 0.10
	synthNilExport   = 0.15
	synthNilAssets   = 0.14
	synthNilTags     = 0.03
	synthNilCredit   = 0.05
	synthNilStatus   = 0.02
)

// Kind indexes, in the order of Kinds.
const (
	kindEnterprise = iota
	kindIndividual
	kindCoop
	kindOther
)

// synthKindNames are the names of the kinds, in the order of Kinds.
var synthKindNames = [4]string{"企业", "个体工商户", "农民专业合作社", "其他"}

// Tag bits, in the order of StandardTags.
const (
	tagHighTech = 1 << iota
	tagTechSME
	tagZJTX
	tagGiant
	tagGuiShang
	tagXianShang
	tagSiShang
	tagListed
	tagGazelle
	tagUnicorn
	tagForeign
	tagPrivate

	// tagAchievement marks the tags an enterprise earns, which only
	// operating enterprises keep.
	tagAchievement = tagHighTech | tagTechSME | tagZJTX | tagGiant | tagGuiShang | tagXianShang | tagSiShang | tagListed | tagGazelle | tagUnicorn
)

// synthTagNames are the names of the tag bits, in the order of StandardTags.
var synthTagNames = [12]string{
	"高新技术企业", "科技型中小企业", "专精特新", "专精特新小巨人", "规上工业", "限上商贸",
	"四上企业", "上市企业", "瞪羚企业", "独角兽", "外资企业", "民营企业",
}

// Organisation-code spaces: new-style codes are a two-letter prefix and six
// characters of USCCAlphabet; old-style (GB 11714 before 2015) eight digits.
const (
	synthSpaceNew = 31 * 31 * 31 * 31 * 31 * 31
	synthSpaceOld = 100_000_000
)

// synthRow holds one generated entity and the values its pointers refer to,
// in a single allocation.
type synthRow struct {
	e                                                 enterprise.Enterprise
	kind, industry, district, street, credit, status  string
	size                                              string
	founded                                           workday.Date
	capital, employees, revenue, rd, tax, exp, assets int64
	tags                                              [3]string
}

// synthSampler draws one of several items by weight.
type synthSampler struct {
	cum []float64 // cumulative weights, normalised so the last is 1
}

// newSynthSampler returns a sampler over the given weights.
func newSynthSampler(weights []float64) synthSampler {
	cum := make([]float64, len(weights))
	total := 0.0
	for _, w := range weights {
		total += w
	}
	acc := 0.0
	for i, w := range weights {
		acc += w
		cum[i] = acc / total
	}
	cum[len(cum)-1] = 1
	return synthSampler{cum: cum}
}

// draw returns the index of the item that u in [0,1) falls on.
func (s *synthSampler) draw(u float64) int {
	lo, hi := 0, len(s.cum)-1
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.cum[m] > u {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// synthesizer is the state of one Generate run.
type synthesizer struct {
	pcg   *rand.PCG
	r     *rand.Rand // over pcg, for normal and exponential draws
	city  *enterprise.City
	today workday.Date

	start, maStart, coopStart workday.Date

	kinds     synthSampler
	divs      [4][]int // 大类 of each kind's sampler
	industry  [4]synthSampler
	districts synthSampler
	others    synthSampler

	codes [98][]string    // industry codes to draw for each 大类 (its 中类 when embedded)
	words [98][]synthWord // 行业词 of company names
	shops [98][]synthWord // 店类 of 个体工商户 names

	p4                     [98]float64 // probability that an 企业 of the 大类 is 四上
	fHT, fZX, fWZ          [98]float64
	kHT, kZX, kKX, kSS, kW float64
	pGiant                 [2]float64 // P(小巨人 | 专精特新), without and with 四上

	cityName, cityShort, provShort string
	zihao, surnames                []string

	a6, b6, a8, b8 uint64
	value          [256]uint8 // value of each character in USCCAlphabet
	buf            []byte
}

// Generate generates opts.N plausible market entities of opts.City and
// hands them to yield one by one, stopping at and returning the first error
// yield returns. The same options give the same entities; memory does not
// grow with N, and each *Enterprise is new, so yield may keep it.
//
// The entities follow the city's make-up (after Wuhan, seeds 000/001): about
// 42% 企业, 56% 个体工商户, the rest 农民专业合作社 and other organisations;
// industries weighted towards trade, business and technology services,
// construction and software; valid and unique 统一社会信用代码 whose entity
// type matches the kind (91 企业, 92 个体工商户, 93 农民专业合作社, 12 事业单位,
// 52 民办非企业单位 …) and whose division is mostly the district's; names
// made of 字号, 行业词 and 组织形式; founding dates from 1990 to Today, skewed
// recent; heavy-tailed money figures consistent with headcount and with the
// tags. Per 2.25 million entities there are about 18,500 四上企业 (7,000 规上工业,
// 6,000 限上商贸), 15,500 高新技术企业, 13,000 科技型中小企业, 3,000 专精特新
// (300 小巨人), 100 上市企业, 500 瞪羚企业, 10 独角兽 and 3,000 外资企业, with
// 高新 concentrated in manufacturing, software and technical services; most
// private 企业 carry 民营企业. About 3% of entities are 经营异常 and 0.3%
// 严重失信. Each field is unknown (nil) for a share of 1-15% of entities, and
// Size is ClassifySize of the generated fields.
//
// It returns an Invalid error when N is negative or above 100 million, Today
// is not set (or before 2016), or the city has no districts or a division
// code that is not 6 digits.
func Generate(opts Options, yield func(*enterprise.Enterprise) error) error {
	s, err := newSynthesizer(opts)
	if err != nil {
		return err
	}
	for i := 0; i < opts.N; i++ {
		if err := yield(s.next(i)); err != nil {
			return err
		}
	}
	return nil
}

// newSynthesizer validates opts and prepares the tables and calibration.
func newSynthesizer(opts Options) (*synthesizer, error) {
	if opts.N < 0 || opts.N > synthSpaceOld {
		return nil, errs.Errorf(errs.Invalid, "合成数据的数量应在0至1亿之间，实际为%d", opts.N)
	}
	start := workday.NewDate(1990, time.January, 1)
	if opts.Today < workday.NewDate(2016, time.January, 1) {
		return nil, errs.Errorf(errs.Invalid, "合成数据的基准日期（Today）未设置或早于2016年")
	}
	city := opts.City
	if city == nil {
		city = enterprise.Wuhan()
	}
	if len(city.Districts) == 0 {
		return nil, errs.Errorf(errs.Invalid, "城市“%s”没有区，无法合成数据", city.Name)
	}
	if len(city.Code) != 6 || strings.Trim(city.Code, "0123456789") != "" {
		return nil, errs.Errorf(errs.Invalid, "城市“%s”的行政区划代码“%s”应为6位数字", city.Name, city.Code)
	}
	for _, d := range city.Districts {
		if len(d.Code) != 6 || strings.Trim(d.Code, "0123456789") != "" {
			return nil, errs.Errorf(errs.Invalid, "区“%s”的行政区划代码“%s”应为6位数字", d.Name, d.Code)
		}
	}
	seed := uint64(opts.Seed)
	s := &synthesizer{
		pcg:       rand.NewPCG(seed, seed^0x9E3779B97F4A7C15),
		city:      city,
		today:     opts.Today,
		start:     start,
		maStart:   workday.NewDate(2015, time.October, 1),
		coopStart: workday.NewDate(2007, time.July, 1),
		cityName:  city.Name,
		cityShort: city.ShortName(),
		provShort: trimProvince(city.Province),
		buf:       make([]byte, 0, 128),
	}
	s.r = rand.New(s.pcg)
	for i := 0; i < len(enterprise.USCCAlphabet); i++ {
		s.value[enterprise.USCCAlphabet[i]] = uint8(i)
	}
	shares := synthKindShare
	shares[kindIndividual] = 1 - shares[kindEnterprise] - shares[kindCoop] - shares[kindOther]
	s.kinds = newSynthSampler(shares[:])
	for k, ws := range synthIndustryWeights {
		weights := make([]float64, len(ws))
		s.divs[k] = make([]int, len(ws))
		for i, w := range ws {
			weights[i] = w.weight
			s.divs[k][i] = w.div
		}
		s.industry[k] = newSynthSampler(weights)
	}
	dw := make([]float64, len(city.Districts))
	for i, d := range city.Districts {
		dw[i] = float64(max(d.Weight, 1))
	}
	s.districts = newSynthSampler(dw)
	ow := make([]float64, len(synthOtherTypes))
	for i, t := range synthOtherTypes {
		ow[i] = t.share
	}
	s.others = newSynthSampler(ow)

	divisions := map[int]string{} // 大类 → its canonical code (C39)
	for _, ind := range enterprise.Industries() {
		d, _ := strconv.Atoi(ind.Code[1:min(len(ind.Code), 3)])
		switch ind.Level {
		case 2:
			divisions[d] = ind.Code
		case 3:
			s.codes[d] = append(s.codes[d], ind.Code)
		}
	}
	for d := 1; d <= 97; d++ {
		if len(s.codes[d]) == 0 && divisions[d] != "" {
			s.codes[d] = []string{divisions[d]}
		}
		s.words[d] = parseSynthWords(d, synthCompanyWords(d), "实业")
		s.shops[d] = parseSynthWords(d, synthShopWords(d), "经营部")
		s.fHT[d] = synthHighTechFactor(d)
		s.fZX[d] = synthZJTXFactor(d)
		s.fWZ[d] = synthForeignFactor(d)
	}
	for _, r := range synthZihao {
		s.zihao = append(s.zihao, string(r))
	}
	for _, r := range synthSurnames {
		s.surnames = append(s.surnames, string(r))
	}
	s.calibrate()

	// Affine bijections of the organisation-code spaces make codes unique
	// without remembering them: index i maps to (a*i + b) mod M with a prime
	// to M.
	mix := seed*0xBF58476D1CE4E5B9 + 0x94D049BB133111EB
	s.a6 = 387_420_489 + 2*(mix%1000) // 3^18 plus a seeded offset, made prime to 31
	for s.a6%31 == 0 {
		s.a6++
	}
	s.b6 = (mix >> 7) % synthSpaceNew
	s.a8 = 61_803_399 + 10*((mix>>17)%1000) // ends in 9: prime to 10
	s.b8 = (mix >> 29) % synthSpaceOld
	return s, nil
}

// synthWord is a word of a name and the industry code it implies, if any.
type synthWord struct {
	text string
	code string // canonical industry code, or "" for any code of the 大类
}

// parseSynthWords reads the words of 大类 d, marked as described at
// synthCompanyWords, keeping those that fit d; it falls back to fallback
// when none does.
func parseSynthWords(d int, words []string, fallback string) []synthWord {
	dd := fmt.Sprintf("%02d", d)
	sec := string(enterprise.IndustrySection(dd))
	var out []synthWord
	for _, w := range words {
		text, digits, marked := strings.Cut(w, "@")
		if !marked {
			out = append(out, synthWord{text: text})
			continue
		}
		if strings.HasPrefix(digits, dd) {
			out = append(out, synthWord{text: text, code: sec + digits})
		}
	}
	if len(out) == 0 {
		out = []synthWord{{text: fallback}}
	}
	return out
}

// trimProvince returns the short name of a province: 湖北省 → 湖北.
func trimProvince(p string) string {
	for _, suf := range []string{"省", "市", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区"} {
		if len(p) > len(suf) && p[len(p)-len(suf):] == suf {
			return p[:len(p)-len(suf)]
		}
	}
	return p
}

// calibrate sets the tag probabilities so that the expected number of each
// tag among N entities is its target scaled to N, given the industry mix of
// 企业 and the dependencies between tags: 高新 is three times as likely among
// 四上, 专精特新 eight times as likely among 高新, and so on.
func (s *synthesizer) calibrate() {
	var w [98]float64
	total := 0.0
	for _, x := range synthIndustryWeights[kindEnterprise] {
		w[x.div] += x.weight
		total += x.weight
	}
	for d := range w {
		w[d] /= total
	}
	// rate is the probability per 企业 that gives target per synthScale
	// entities once tags are masked as unknown.
	rate := func(target float64) float64 {
		return target / (synthScale * synthKindShare[kindEnterprise] * (1 - synthNilTags))
	}
	var gw [4]float64
	for d := 1; d <= 97; d++ {
		g, f := synthSiShangGroup(d)
		gw[g] += w[d] * f
	}
	target := [4]float64{
		siShangIndustry: synthGuiShang,
		siShangTrade:    synthXianShang,
		siShangOther:    synthSiShang - synthGuiShang - synthXianShang,
	}
	for d := 1; d <= 97; d++ {
		if g, f := synthSiShangGroup(d); g != siShangNone {
			s.p4[d] = rate(target[g]) / gw[g] * f
		}
	}
	// expect returns Σ_d w_d f_d Σ_s P(s|d) Σ_h P(h|d,s) g(s,h), the rate
	// of a tag drawn with probability k f_d g(s,h) when k is 1.
	expect := func(f *[98]float64, g func(s4, ht bool) float64) float64 {
		e := 0.0
		for d := 1; d <= 97; d++ {
			if w[d] == 0 || f[d] == 0 {
				continue
			}
			for _, s4 := range [2]bool{false, true} {
				ps := s.p4[d]
				if !s4 {
					ps = 1 - ps
				}
				ph := s.kHT * s.fHT[d] * b2f(s4, 3, 1)
				e += w[d] * f[d] * ps * (ph*g(s4, true) + (1-ph)*g(s4, false))
			}
		}
		return e
	}
	// 高新 itself: g does not depend on ht, so the (still zero) kHT inside
	// expect cancels out.
	s.kHT = rate(synthHighTech) / expect(&s.fHT, func(s4, _ bool) float64 { return b2f(s4, 3, 1) })
	s.kZX = rate(synthZJTX) / expect(&s.fZX, func(s4, ht bool) float64 { return b2f(ht, 8, 1) * b2f(s4, 2, 1) })
	// 小巨人 are mostly large enough to be 四上: 80% of them where possible.
	zxS4 := expect(&s.fZX, func(s4, ht bool) float64 { return b2f(s4, b2f(ht, 8, 1)*2, 0) })
	zxAll := expect(&s.fZX, func(s4, ht bool) float64 { return b2f(ht, 8, 1) * b2f(s4, 2, 1) })
	frac := zxS4 / zxAll
	giant := float64(synthGiant) / synthZJTX
	s.pGiant[1] = min(1, 0.8*giant/frac)
	s.pGiant[0] = (giant - s.pGiant[1]*frac) / (1 - frac)
	s.kKX = rate(synthTechSME) / expect(&s.fHT, func(s4, ht bool) float64 { return b2f(ht, 5, 1) * b2f(s4, 0.5, 1) })
	var one [98]float64
	for d := range one {
		one[d] = 1
	}
	s.kSS = rate(synthListed) / expect(&one, func(s4, ht bool) float64 {
		if !s4 {
			return 0
		}
		return b2f(ht, 3, 1)
	})
	s.kW = rate(synthForeign) / expect(&s.fWZ, func(s4, _ bool) float64 { return b2f(s4, 5, 1) })
}

// b2f returns a if b, else c.
func b2f(b bool, a, c float64) float64 {
	if b {
		return a
	}
	return c
}

// b2i returns 1 if b, else 0.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// float draws a value in [0, 1).
func (s *synthesizer) float() float64 { return float64(s.pcg.Uint64()>>11) * 0x1p-53 }

// intn draws a value in [0, n).
func (s *synthesizer) intn(n int) int {
	hi, _ := bits.Mul64(s.pcg.Uint64(), uint64(n))
	return int(hi)
}

// chance reports whether an event of probability p happens.
func (s *synthesizer) chance(p float64) bool { return s.float() < p }

// lognormal draws a log-normal value with the given median and sigma.
func (s *synthesizer) lognormal(median, sigma float64) float64 {
	return median * math.Exp(sigma*s.r.NormFloat64())
}

// pareto draws a Pareto value of minimum xm and tail index alpha.
func (s *synthesizer) pareto(xm, alpha float64) float64 {
	u := 1 - s.float() // (0, 1]
	return xm * math.Exp(-math.Log(u)/alpha)
}

// uniform draws a value in [lo, hi).
func (s *synthesizer) uniform(lo, hi float64) float64 { return lo + (hi-lo)*s.float() }

// money rounds a positive amount of yuan to an int64, capping absurd tails.
func money(x float64) int64 {
	const ceiling = 5e12 // 5 万亿
	if x <= 0 {
		return 0
	}
	if x > ceiling {
		x = ceiling
	}
	return int64(math.Round(x))
}

// roundCapital rounds an amount to a registered capital as people choose
// it: 1, 2, 3 or 5 times a power of ten, at least 1万元.
func roundCapital(x float64) int64 {
	if x < 10_000 {
		return 10_000
	}
	p := 10_000.0
	for p*10 <= x {
		p *= 10
	}
	m := x / p
	switch {
	case m < 1.5:
		m = 1
	case m < 2.5:
		m = 2
	case m < 4:
		m = 3
	case m < 7.5:
		m = 5
	default:
		m = 10
	}
	return money(m * p)
}

// drawTags draws the latent tags of an 企业 of 大类 d.
func (s *synthesizer) drawTags(d int) uint32 {
	var t uint32
	s4 := s.chance(s.p4[d])
	if s4 {
		t |= tagSiShang
		switch g, _ := synthSiShangGroup(d); g {
		case siShangIndustry:
			t |= tagGuiShang
		case siShangTrade:
			t |= tagXianShang
		}
	}
	ht := s.chance(s.kHT * s.fHT[d] * b2f(s4, 3, 1))
	if ht {
		t |= tagHighTech
		if s.chance(float64(synthGazelle) / synthHighTech) {
			t |= tagGazelle
		}
		if s.chance(float64(synthUnicorn) / synthHighTech) {
			t |= tagUnicorn
		}
	}
	if s.chance(s.kZX * s.fZX[d] * b2f(ht, 8, 1) * b2f(s4, 2, 1)) {
		t |= tagZJTX
		if s.chance(s.pGiant[b2i(s4)]) {
			t |= tagGiant
		}
	}
	kx := s.chance(s.kKX * s.fHT[d] * b2f(ht, 5, 1) * b2f(s4, 0.5, 1))
	if s4 && s.chance(s.kSS*b2f(ht, 3, 1)) {
		t |= tagListed
		kx = false // a listed company is no 科技型中小企业
	}
	if kx {
		t |= tagTechSME
	}
	switch {
	case s.chance(s.kW * s.fWZ[d] * b2f(s4, 5, 1)):
		t |= tagForeign
	case s.chance(0.02 * b2f(s4, 4, 1)): // state-owned: neither tag
	default:
		t |= tagPrivate
	}
	return t
}

// founded draws a founding date whose age is exponential with the given
// mean in years, not before notBefore.
func (s *synthesizer) founded(meanYears float64, notBefore workday.Date) workday.Date {
	d := s.today - workday.Date(s.r.ExpFloat64()*meanYears*365.25)
	if d < notBefore {
		d = notBefore + workday.Date(s.intn(int(s.today-notBefore)+1))
	}
	return d
}

// next generates entity number i.
func (s *synthesizer) next(i int) *enterprise.Enterprise {
	row := new(synthRow)
	e := &row.e

	kind := s.kinds.draw(s.float())
	d := s.divs[kind][s.industry[kind].draw(s.float())]
	var word synthWord
	switch kind {
	case kindEnterprise:
		word = s.words[d][s.intn(len(s.words[d]))]
	case kindIndividual:
		word = s.shops[d][s.intn(len(s.shops[d]))]
	}
	code := word.code
	if code == "" {
		code = s.pick(s.codes[d])
	}
	dist := &s.city.Districts[s.districts.draw(s.float())]
	street := ""
	if len(dist.Streets) > 0 {
		street = dist.Streets[s.intn(len(dist.Streets))]
	}
	other := 0
	if kind == kindOther {
		other = s.others.draw(s.float())
		if synthOtherTypes[other].code == "31" {
			code = "L723" // 律师事务所: 法律服务
		}
	}

	var t uint32
	if kind == kindEnterprise {
		t = s.drawTags(d)
	}
	s4, listed := t&tagSiShang != 0, t&tagListed != 0
	techy := t&(tagHighTech|tagTechSME|tagZJTX) != 0

	// Founding date.
	var founded workday.Date
	switch kind {
	case kindEnterprise:
		mean := 7.0
		if listed {
			mean = 18
		} else if s4 {
			mean = 13
		} else if techy {
			mean = 9
		}
		founded = s.founded(mean, s.start)
	case kindIndividual:
		founded = s.founded(5, s.start)
	case kindCoop:
		founded = s.founded(8, s.coopStart)
	default:
		founded = s.founded(15, s.start)
	}

	// Money and headcount, consistent with the tags.
	var revenue, employees, assets, capital, rd, tax, export float64
	switch kind {
	case kindEnterprise:
		thr := float64(synthSiShangThreshold(d))
		switch {
		case listed:
			revenue = s.pareto(5e8, 1.0)
		case s4 && thr > 0:
			revenue = s.pareto(thr, 1.15)
		case s4 && d == 70:
			revenue = s.lognormal(2e8, 1.0)
		case s4:
			revenue = s.lognormal(8e7, 1.0)
		case !techy && s.chance(0.10): // dormant
			revenue = 0
		default:
			median, sigma := 600_000.0, 1.7
			if techy {
				median, sigma = 12_000_000, 1.0
			}
			ceiling := math.Inf(1)
			if thr > 0 {
				ceiling = thr
			}
			if t&tagTechSME != 0 {
				ceiling = min(ceiling, 2e8)
			}
			revenue = s.lognormal(median, sigma)
			for try := 0; revenue >= ceiling && try < 4; try++ {
				revenue = s.lognormal(median, sigma)
			}
			if revenue >= ceiling {
				revenue = ceiling * s.uniform(0.2, 0.95)
			}
		}
		if revenue > 0 {
			employees = math.Max(1, math.Round(revenue/synthProductivity(d)*s.lognormal(1, 0.6)))
			assets = revenue * synthAssetRatio(d) * s.lognormal(1, 0.7)
		} else {
			employees = float64(s.intn(4))
			assets = s.lognormal(300_000, 1.5)
		}
		if t&tagTechSME != 0 {
			employees = min(employees, 500)
			assets = min(assets, 2e8)
		}
		capital = float64(roundCapital(math.Max(assets*0.5, 100_000) * s.lognormal(1, 0.8)))
		switch {
		case techy && revenue > 0:
			rd = revenue * s.uniform(0.03, 0.12)
		case techy:
			rd = s.lognormal(500_000, 1)
		case s.fHT[d] >= 0.5 && s.chance(0.3):
			rd = revenue * s.uniform(0, 0.03)
		}
		tax = revenue * s.uniform(0.005, 0.06)
		pExport := 0.01
		switch {
		case t&tagForeign != 0:
			pExport = 0.5
		case d >= 13 && d <= 43:
			pExport = 0.10
		case d == 51:
			pExport = 0.06
		}
		if revenue > 0 && s.chance(pExport) {
			export = revenue * s.uniform(0.05, 0.8)
		}
	case kindIndividual:
		if !s.chance(0.08) {
			revenue = s.lognormal(120_000, 1.1)
		}
		employees = 1
		for employees < 20 && s.chance(0.45) {
			employees++
		}
		assets = s.lognormal(80_000, 1.0)
		capital = float64(roundCapital(s.lognormal(50_000, 1.0)))
		tax = revenue * s.uniform(0, 0.02)
	case kindCoop:
		if !s.chance(0.2) {
			revenue = s.lognormal(300_000, 1.4)
		}
		employees = float64(2 + s.intn(14))
		assets = s.lognormal(500_000, 1.2)
		capital = float64(roundCapital(s.lognormal(500_000, 1.0)))
		tax = revenue * s.uniform(0, 0.005)
	default:
		if !s.chance(0.1) {
			revenue = s.lognormal(1_500_000, 1.6)
		}
		employees = math.Max(1, math.Round(s.lognormal(15, 1.2)))
		assets = s.lognormal(2_000_000, 1.5)
		capital = float64(roundCapital(s.lognormal(1_000_000, 1.2)))
		tax = revenue * s.uniform(0, 0.01)
	}

	// Credit and status: earned tags go with operating, mostly clean firms.
	credit, status := "正常", "存续"
	riskScale := 1.0
	if t&tagAchievement != 0 {
		riskScale = 0.1
	}
	switch u := s.float(); {
	case u < 0.003*riskScale:
		credit = "严重失信"
	case u < 0.033*riskScale:
		credit = "经营异常"
	}
	if t&tagAchievement == 0 {
		switch u := s.float(); {
		case u < 0.05:
			status = "注销"
		case u < 0.07:
			status = "吊销"
		}
	}

	e.USCC = s.uscc(i, kind, other, dist.Code, founded)
	e.Name = s.name(kind, other, d, word.text, dist, street, s4, listed)

	// Masking: each field unknown for a share of entities.
	if !s.chance(synthNilKind) {
		row.kind = synthKindNames[kind]
		e.Kind = &row.kind
	}
	if !s.chance(synthNilIndustry) {
		row.industry = code
		e.Industry = &row.industry
	}
	if !s.chance(synthNilDistrict) {
		row.district = dist.Code
		e.District = &row.district
	}
	if street != "" && !s.chance(synthNilStreet) {
		row.street = street
		e.Street = &row.street
	}
	if !s.chance(synthNilFounded) {
		row.founded = founded
		e.Founded = &row.founded
	}
	e.RegisteredCapital = s.maybe(&row.capital, capital, synthNilCapital)
	e.Employees = s.maybe(&row.employees, employees, synthNilEmploy)
	e.Revenue = s.maybe(&row.revenue, revenue, synthNilRevenue)
	e.RDExpense = s.maybe(&row.rd, rd, synthNilRD)
	e.TaxPaid = s.maybe(&row.tax, tax, synthNilTax)
	e.ExportValue = s.maybe(&row.exp, export, synthNilExport)
	e.TotalAssets = s.maybe(&row.assets, assets, synthNilAssets)
	if !s.chance(synthNilTags) {
		e.Tags = row.tagSlice(t)
	}
	if !s.chance(synthNilCredit) {
		row.credit = credit
		e.Credit = &row.credit
	}
	if !s.chance(synthNilStatus) {
		row.status = status
		e.Status = &row.status
	}
	if e.Industry != nil {
		if row.size = enterprise.SizeOf(*e.Industry, e.Employees, e.Revenue, e.TotalAssets); row.size != "" {
			e.Size = &row.size
		}
	}
	return e
}

// maybe stores v in *dst and returns dst, or returns nil with probability
// pNil.
func (s *synthesizer) maybe(dst *int64, v, pNil float64) *int64 {
	if s.chance(pNil) {
		return nil
	}
	*dst = money(v)
	return dst
}

// tagSlice returns the names of the tags in t, in the order of StandardTags,
// as a known (non-nil) set.
func (row *synthRow) tagSlice(t uint32) []string {
	n := bits.OnesCount32(t)
	var out []string
	if n > len(row.tags) {
		out = make([]string, 0, n)
	} else {
		out = row.tags[:0:n]
	}
	for t != 0 {
		b := bits.TrailingZeros32(t)
		out = append(out, synthTagNames[b])
		t &^= 1 << b
	}
	return out
}

// uscc builds the 统一社会信用代码 of entity number i. Its 主体标识码 comes from
// a bijection of i, so codes never repeat within a run.
func (s *synthesizer) uscc(i, kind, other int, district string, founded workday.Date) string {
	var b [18]byte
	prefix := "MA"
	switch kind {
	case kindEnterprise:
		b[0], b[1] = '9', '1'
	case kindIndividual:
		b[0], b[1] = '9', '2'
	case kindCoop:
		b[0], b[1] = '9', '3'
	default:
		t := synthOtherTypes[other]
		b[0], b[1] = t.code[0], t.code[1]
		prefix = t.prefix
	}
	// 个体工商户 and 合作社 register with their district; companies also with
	// the city or the province.
	u := s.float()
	if kind == kindIndividual || kind == kindCoop {
		u *= 0.83
	}
	switch {
	case u < 0.75:
		copy(b[2:8], district)
	case u < 0.97:
		copy(b[2:8], s.city.Code)
	default:
		copy(b[2:4], s.city.Code[:2])
		copy(b[4:8], "0000")
	}
	if kind == kindIndividual || founded >= s.maStart {
		x := (uint64(i)*s.a6 + s.b6) % synthSpaceNew
		b[8], b[9] = prefix[0], prefix[1]
		for j := 15; j >= 10; j-- {
			b[j] = enterprise.USCCAlphabet[x%31]
			x /= 31
		}
	} else {
		x := (uint64(i)*s.a8 + s.b8) % synthSpaceOld
		for j := 15; j >= 8; j-- {
			b[j] = byte('0' + x%10)
			x /= 10
		}
	}
	// completeUSCC, with a table instead of a switch: this is the hot loop.
	b[16] = enterprise.OrgCodeCheckChar(b[8:16])
	weights := [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for j, w := range weights {
		sum += int(s.value[b[j]]) * w
	}
	b[17] = enterprise.USCCAlphabet[(31-sum%31)%31]
	return string(b[:])
}

// streetStem returns the place name of a street: 关山街道 → 关山.
func streetStem(street string) string {
	for _, suf := range [...]string{"街道", "乡", "镇"} {
		if t, ok := strings.CutSuffix(street, suf); ok && t != "" {
			return t
		}
	}
	return street
}

// pick returns one of words at random.
func (s *synthesizer) pick(words []string) string { return words[s.intn(len(words))] }

// appendZihao appends a trade name (字号) of n characters.
func (s *synthesizer) appendZihao(b []byte, n int) []byte {
	for range n {
		b = append(b, s.pick(s.zihao)...)
	}
	return b
}

// name composes the name of an entity from word lists: 字号 + 行业词 + 组织形式
// for companies, 区 + 店号 + 店类 for 个体工商户, and so on.
func (s *synthesizer) name(kind, other, d int, word string, dist *enterprise.District, street string, s4, listed bool) string {
	b := s.buf[:0]
	zihaoLen := 2
	if s.chance(0.35) {
		zihaoLen = 3
	}
	switch kind {
	case kindEnterprise:
		switch u := s.float(); {
		case u < 0.58:
			b = append(b, s.cityShort...)
			b = s.appendZihao(b, zihaoLen)
			b = append(b, word...)
		case u < 0.80:
			b = append(b, s.cityName...)
			b = s.appendZihao(b, zihaoLen)
			b = append(b, word...)
		case u < 0.88 && s.provShort != "":
			b = append(b, s.provShort...)
			b = s.appendZihao(b, zihaoLen)
			b = append(b, word...)
		default:
			b = s.appendZihao(b, zihaoLen)
			b = append(b, "（"...)
			b = append(b, s.cityShort...)
			b = append(b, "）"...)
			b = append(b, word...)
		}
		switch u := s.float(); {
		case listed || (s4 && u < 0.2) || u < 0.02:
			b = append(b, "股份有限公司"...)
		case (d == 72 || d == 67 || d == 69) && u < 0.12:
			b = append(b, "合伙企业（有限合伙）"...)
		case u < 0.12:
			b = append(b, "有限责任公司"...)
		default:
			b = append(b, "有限公司"...)
		}
	case kindIndividual:
		b = append(b, dist.Name...)
		if street != "" && s.chance(0.5) {
			b = append(b, streetStem(street)...)
		}
		switch u := s.float(); {
		case u < 0.15:
			b = append(b, s.pick(s.surnames)...)
			b = append(b, "记"...)
		case u < 0.22:
			b = append(b, "小"...)
			b = append(b, s.pick(s.surnames)...)
		case u < 0.25:
			b = append(b, s.pick(s.surnames)...)
			b = append(b, "姐"...)
		case u < 0.60:
			b = s.appendZihao(b, 2)
		default:
			b = s.appendZihao(b, 3)
		}
		b = append(b, word...)
	case kindCoop:
		b = append(b, s.cityName...)
		b = append(b, dist.Name...)
		b = s.appendZihao(b, 2)
		b = append(b, synthCoopWords[s.intn(len(synthCoopWords))]...)
		b = append(b, "专业合作社"...)
	default:
		t := synthOtherTypes[other]
		if t.code == "31" || t.code == "53" {
			b = append(b, s.provShort...)
		} else {
			b = append(b, s.cityName...)
			b = append(b, dist.Name...)
		}
		b = s.appendZihao(b, zihaoLen)
		b = append(b, s.pick(synthOtherSuffixes[other])...)
	}
	s.buf = b
	return string(b)
}
