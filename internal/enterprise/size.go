package enterprise

// Size classes follow 工业和信息化部、国家统计局、国家发展和改革委员会、财政部
// 《关于印发中小企业划型标准规定的通知》（工信部联企业〔2011〕300号）, read with
// 国家统计局《统计上大中小微型企业划分办法（2017）》 for the mapping from
// GB/T 4754-2017 codes to the sixteen industries of the 规定.
//
// For each industry the 规定 names one or two indicators (从业人员, 营业收入,
// 资产总额) and three thresholds, and says, for example for 工业:
//
//	从业人员1000人以下或营业收入40000万元以下的为中小微型企业。其中，从业人员300人
//	及以上，且营业收入2000万元及以上的为中型企业；从业人员20人及以上，且营业收入
//	300万元及以上的为小型企业；从业人员20人以下或营业收入300万元以下的为微型企业。
//
// So an enterprise is 大型 only when every indicator reaches the large
// threshold, 中型 when every indicator reaches the medium threshold (and it is
// not 大型), 小型 likewise, and 微型 otherwise. Equivalently, each indicator
// alone reaches a level (large, medium, small or micro), and the class is the
// lowest level reached by any indicator. "以下" excludes the threshold and
// "及以上" includes it.
//
// Thresholds below are in the units of the 规定 (persons, 万元); inputs are in
// persons and yuan.

// sizeIndicator is one input of the classification.
type sizeIndicator int

// The indicators of the 规定.
const (
	indNone      sizeIndicator = iota
	indEmployees               // 从业人员, persons
	indRevenue                 // 营业收入, 万元
	indAssets                  // 资产总额, 万元
)

// sizeStandard is the rule of one industry of the 规定: up to two indicators,
// each with its large, medium and small thresholds (the lowest value that
// reaches the level).
type sizeStandard struct {
	name string
	ind  [2]sizeIndicator
	min  [2][3]int64 // [indicator][large, medium, small]
}

// sizeStandards lists the sixteen industries of 工信部联企业〔2011〕300号 第四条,
// in its order. Read-only.
var sizeStandards = [...]sizeStandard{
	// (一) 农、林、牧、渔业：营业收入20000万元以下的为中小微型企业。其中，营业收入500万元
	// 及以上的为中型企业，营业收入50万元及以上的为小型企业，营业收入50万元以下的为微型企业。
	{"农、林、牧、渔业", [2]sizeIndicator{indRevenue}, [2][3]int64{{20000, 500, 50}}},
	// (二) 工业：从业人员1000人以下或营业收入40000万元以下的为中小微型企业。其中，从业人员
	// 300人及以上，且营业收入2000万元及以上的为中型企业；从业人员20人及以上，且营业收入
	// 300万元及以上的为小型企业；从业人员20人以下或营业收入300万元以下的为微型企业。
	{"工业", [2]sizeIndicator{indEmployees, indRevenue}, [2][3]int64{{1000, 300, 20}, {40000, 2000, 300}}},
	// (三) 建筑业：营业收入80000万元以下或资产总额80000万元以下的为中小微型企业。其中，营业
	// 收入6000万元及以上，且资产总额5000万元及以上的为中型企业；营业收入300万元及以上，且
	// 资产总额300万元及以上的为小型企业；营业收入300万元以下或资产总额300万元以下的为微型企业。
	{"建筑业", [2]sizeIndicator{indRevenue, indAssets}, [2][3]int64{{80000, 6000, 300}, {80000, 5000, 300}}},
	// (四) 批发业：从业人员200人以下或营业收入40000万元以下的为中小微型企业。其中，从业人员
	// 20人及以上，且营业收入5000万元及以上的为中型企业；从业人员5人及以上，且营业收入1000万
	// 元及以上的为小型企业；从业人员5人以下或营业收入1000万元以下的为微型企业。
	{"批发业", [2]sizeIndicator{indEmployees, indRevenue}, [2][3]int64{{200, 20, 5}, {40000, 5000, 1000}}},
	// (五) 零售业：从业人员300人以下或营业收入20000万元以下的为中小微型企业。其中，从业人员
	// 50人及以上，且营业收入500万元及以上的为中型企业；从业人员10人及以上，且营业收入100万元
	// 及以上的为小型企业；从业人员10人以下或营业收入100万元以下的为微型企业。
	{"零售业", [2]sizeIndicator{indEmployees, indRevenue}, [2][3]int64{{300, 50, 10}, {20000, 500, 100}}},
	// (六) 交通运输业：从业人员1000人以下或营业收入30000万元以下的为中小微型企业。其中，从业
	// 人员300人及以上，且营业收入3000万元及以上的为中型企业；从业人员20人及以上，且营业收入
	// 200万元及以上的为小型企业；从业人员20人以下或营业收入200万元以下的为微型企业。
	{"交通运输业", [2]sizeIndicator{indEmployees, indRevenue}, [2][3]int64{{1000, 300, 20}, {30000, 3000, 200}}},
	// (七) 仓储业：从业人员200人以下或营业收入30000万元以下的为中小微型企业。其中，从业人员
	// 100人及以上，且营业收入1000万元及以上的为中型企业；从业人员20人及以上，且营业收入100万
	// 元及以上的为小型企业；从业人员20人以下或营业收入100万元以下的为微型企业。
	{"仓储业", [2]sizeIndicator{indEmployees, indRevenue}, [2][3]int64{{200, 100, 20}, {30000, 1000, 100}}},
	// (八) 邮政业：从业人员1000人以下或营业收入30000万元以下的为中小微型企业。其中，从业人员
	// 300人及以上，且营业收入2000万元及以上的为中型企业；从业人员20人及以上，且营业收入100万
	// 元及以上的为小型企业；从业人员20人以下或营业收入100万元以下的为微型企业。
	{"邮政业", [2]sizeIndicator{indEmployees, indRevenue}, [2][3]int64{{1000, 300, 20}, {30000, 2000, 100}}},
	// (九) 住宿业：从业人员300人以下或营业收入10000万元以下的为中小微型企业。其中，从业人员
	// 100人及以上，且营业收入2000万元及以上的为中型企业；从业人员10人及以上，且营业收入100万
	// 元及以上的为小型企业；从业人员10人以下或营业收入100万元以下的为微型企业。
	{"住宿业", [2]sizeIndicator{indEmployees, indRevenue}, [2][3]int64{{300, 100, 10}, {10000, 2000, 100}}},
	// (十) 餐饮业：同住宿业。
	{"餐饮业", [2]sizeIndicator{indEmployees, indRevenue}, [2][3]int64{{300, 100, 10}, {10000, 2000, 100}}},
	// (十一) 信息传输业：从业人员2000人以下或营业收入100000万元以下的为中小微型企业。其中，
	// 从业人员100人及以上，且营业收入1000万元及以上的为中型企业；从业人员10人及以上，且营业
	// 收入100万元及以上的为小型企业；从业人员10人以下或营业收入100万元以下的为微型企业。
	{"信息传输业", [2]sizeIndicator{indEmployees, indRevenue}, [2][3]int64{{2000, 100, 10}, {100000, 1000, 100}}},
	// (十二) 软件和信息技术服务业：从业人员300人以下或营业收入10000万元以下的为中小微型企业。
	// 其中，从业人员100人及以上，且营业收入1000万元及以上的为中型企业；从业人员10人及以上，
	// 且营业收入50万元及以上的为小型企业；从业人员10人以下或营业收入50万元以下的为微型企业。
	{"软件和信息技术服务业", [2]sizeIndicator{indEmployees, indRevenue}, [2][3]int64{{300, 100, 10}, {10000, 1000, 50}}},
	// (十三) 房地产开发经营：营业收入200000万元以下或资产总额10000万元以下的为中小微型企业。
	// 其中，营业收入1000万元及以上，且资产总额5000万元及以上的为中型企业；营业收入100万元及
	// 以上，且资产总额2000万元及以上的为小型企业；营业收入100万元以下或资产总额2000万元以下的
	// 为微型企业。
	{"房地产开发经营", [2]sizeIndicator{indRevenue, indAssets}, [2][3]int64{{200000, 1000, 100}, {10000, 5000, 2000}}},
	// (十四) 物业管理：从业人员1000人以下或营业收入5000万元以下的为中小微型企业。其中，从业
	// 人员300人及以上，且营业收入1000万元及以上的为中型企业；从业人员100人及以上，且营业收入
	// 500万元及以上的为小型企业；从业人员100人以下或营业收入500万元以下的为微型企业。
	{"物业管理", [2]sizeIndicator{indEmployees, indRevenue}, [2][3]int64{{1000, 300, 100}, {5000, 1000, 500}}},
	// (十五) 租赁和商务服务业：从业人员300人以下或资产总额120000万元以下的为中小微型企业。
	// 其中，从业人员100人及以上，且资产总额8000万元及以上的为中型企业；从业人员10人及以上，
	// 且资产总额100万元及以上的为小型企业；从业人员10人以下或资产总额100万元以下的为微型企业。
	{"租赁和商务服务业", [2]sizeIndicator{indEmployees, indAssets}, [2][3]int64{{300, 100, 10}, {120000, 8000, 100}}},
	// (十六) 其他未列明行业：从业人员300人以下的为中小微型企业。其中，从业人员100人及以上的
	// 为中型企业；从业人员10人及以上的为小型企业；从业人员10人以下的为微型企业。
	{"其他未列明行业", [2]sizeIndicator{indEmployees}, [2][3]int64{{300, 100, 10}}},
}

// Indexes into sizeStandards.
const (
	stdAgriculture = iota
	stdIndustry
	stdConstruction
	stdWholesale
	stdRetail
	stdTransport
	stdWarehousing
	stdPostal
	stdAccommodation
	stdCatering
	stdTelecom
	stdSoftware
	stdRealEstateDev
	stdPropertyMgmt
	stdLeasingBusiness
	stdOther
	stdNone = -1 // not covered by the 规定 (金融业, 铁路运输业, 公共管理 …)
)

// sizeStandardOf returns the index of the standard that applies to a
// canonical industry code with at least a 大类, or stdNone; ok is false when
// the code is too coarse to decide (a 门类 only, or K70/G59 without 中类).
func sizeStandardOf(code string) (std int, ok bool) {
	if len(code) < 3 {
		return stdNone, false
	}
	d := int(code[1]-'0')*10 + int(code[2]-'0')
	switch {
	case d <= 5: // A 农、林、牧、渔业
		return stdAgriculture, true
	case d <= 46: // B 采矿业, C 制造业, D 电力、热力、燃气及水生产和供应业
		return stdIndustry, true
	case d <= 50: // E 建筑业
		return stdConstruction, true
	case d == 51:
		return stdWholesale, true
	case d == 52:
		return stdRetail, true
	case d == 53: // 交通运输业不含铁路运输业
		return stdNone, true
	case d <= 58: // 道路、水上、航空、管道运输，多式联运和运输代理
		return stdTransport, true
	case d == 59: // 装卸搬运属交通运输业，其余属仓储业
		if len(code) < 4 {
			return stdNone, false
		}
		if code[3] == '1' {
			return stdTransport, true
		}
		return stdWarehousing, true
	case d == 60:
		return stdPostal, true
	case d == 61:
		return stdAccommodation, true
	case d == 62:
		return stdCatering, true
	case d <= 64: // 电信、广播电视和卫星传输服务，互联网和相关服务
		return stdTelecom, true
	case d == 65:
		return stdSoftware, true
	case d <= 69: // J 金融业 has its own standard (银发〔2015〕309号)
		return stdNone, true
	case d == 70:
		if len(code) < 4 {
			return stdNone, false
		}
		switch code[3] {
		case '1':
			return stdRealEstateDev, true
		case '2':
			return stdPropertyMgmt, true
		}
		return stdOther, true // 房地产中介服务、房地产租赁经营、其他房地产业
	case d <= 72: // L 租赁和商务服务业
		return stdLeasingBusiness, true
	case d <= 90: // M, N, O, P, Q, R: 其他未列明行业
		return stdOther, true
	}
	return stdNone, true // S 公共管理、社会保障和社会组织, T 国际组织
}

// sizeLevel is the level one indicator reaches: 3 大型, 2 中型, 1 小型, 0 微型,
// or -1 when the indicator is unknown.
func sizeLevel(v *int64, scale int64, min [3]int64) int {
	if v == nil {
		return -1
	}
	for i, m := range min {
		if *v >= m*scale {
			return 3 - i
		}
	}
	return 0
}

// classifyStd returns the level (3 大型 … 0 微型) of standard std for the
// given inputs, or -1 when it cannot be decided from the known inputs.
func classifyStd(std int, employees, revenue, totalAssets *int64) int {
	s := &sizeStandards[std]
	level, unknown := 3, false
	for i, ind := range s.ind {
		var l int
		switch ind {
		case indNone:
			continue
		case indEmployees:
			l = sizeLevel(employees, 1, s.min[i])
		case indRevenue:
			l = sizeLevel(revenue, 10000, s.min[i])
		case indAssets:
			l = sizeLevel(totalAssets, 10000, s.min[i])
		}
		if l < 0 {
			unknown = true
			continue
		}
		level = min(level, l)
	}
	// A known indicator below the small threshold makes the enterprise 微型
	// whatever the unknown one is; otherwise an unknown input leaves the class
	// unknown.
	if unknown && level > 0 {
		return -1
	}
	return level
}

// sizeCandidates returns the standards that may apply to a canonical code
// that is too coarse to decide (a 门类 or a 大类 split across standards).
func sizeCandidates(code string) []int {
	if len(code) >= 3 {
		switch code[1:3] {
		case "59":
			return []int{stdTransport, stdWarehousing}
		case "70":
			return []int{stdRealEstateDev, stdPropertyMgmt, stdOther}
		}
		return nil
	}
	switch code[0] {
	case 'A':
		return []int{stdAgriculture}
	case 'B', 'C', 'D':
		return []int{stdIndustry}
	case 'E':
		return []int{stdConstruction}
	case 'F':
		return []int{stdWholesale, stdRetail}
	// G is absent: it may be 铁路运输业, which the 规定 does not cover.
	case 'H':
		return []int{stdAccommodation, stdCatering}
	case 'I':
		return []int{stdTelecom, stdSoftware}
	case 'K':
		return []int{stdRealEstateDev, stdPropertyMgmt, stdOther}
	case 'L':
		return []int{stdLeasingBusiness}
	case 'M', 'N', 'O', 'P', 'Q', 'R':
		return []int{stdOther}
	}
	return nil
}

// SizeOf is ClassifySize on a canonical industry code (as ParseIndustry
// returns it), without parsing: the size class in Sizes, or "" when the
// figures do not decide it. Generators of many rows use it.
func SizeOf(code string, employees, revenue, totalAssets *int64) string {
	if l := classifySize(code, employees, revenue, totalAssets); l >= 0 {
		return sizeName(l)
	}
	return ""
}

// classifySize is ClassifySize on a canonical code, returning the level
// (3 大型 … 0 微型) or -1.
func classifySize(code string, employees, revenue, totalAssets *int64) int {
	std, ok := sizeStandardOf(code)
	if ok {
		if std == stdNone {
			return -1
		}
		return classifyStd(std, employees, revenue, totalAssets)
	}
	// Too coarse: decide only if every standard that may apply agrees.
	cands := sizeCandidates(code)
	if len(cands) == 0 {
		return -1
	}
	level := -2
	for _, c := range cands {
		l := classifyStd(c, employees, revenue, totalAssets)
		if l < 0 || (level != -2 && l != level) {
			return -1
		}
		level = l
	}
	return level
}

// sizeName returns the name in Sizes of a level.
func sizeName(level int) string {
	switch level {
	case 3:
		return "大型"
	case 2:
		return "中型"
	case 1:
		return "小型"
	case 0:
		return "微型"
	}
	return ""
}

// ClassifySize returns the size class (大型, 中型, 小型 or 微型) of an
// enterprise under 工信部联企业〔2011〕300号, from its GB/T 4754-2017 industry
// code (any form ParseIndustry accepts), its number of employees, and its
// revenue (营业收入) and total assets (资产总额) in yuan. An unknown input is
// nil and is never read as zero.
//
// It returns nil when the class cannot be known: the industry is unknown,
// invalid or outside the 规定 (金融业, 铁路运输业, 公共管理和社会组织, 国际组织),
// or an indicator the industry's rule needs is unknown. The one exception
// follows from the rule itself: when a known indicator is already below the
// small threshold the enterprise is 微型 whatever the unknown one is. A code
// too coarse to pick the rule (a 门类 such as "F", or "K70") gets a class only
// when every rule it may fall under gives the same one. 个体工商户 are
// classified by the same rules, as 第六条 of the 规定 allows (参照执行).
func ClassifySize(industry *string, employees, revenue, totalAssets *int64) *string {
	if industry == nil {
		return nil
	}
	code, err := ParseIndustry(*industry)
	if err != nil {
		return nil
	}
	level := classifySize(code, employees, revenue, totalAssets)
	if level < 0 {
		return nil
	}
	s := sizeName(level)
	return &s
}

// SizeStandard returns the name of the industry of 工信部联企业〔2011〕300号
// whose thresholds apply to an industry code (e.g. 工业, 软件和信息技术服务业,
// 其他未列明行业), or "" when the code is invalid, too coarse to decide, or
// outside the 规定.
func SizeStandard(industry string) string {
	code, err := ParseIndustry(industry)
	if err != nil {
		return ""
	}
	std, ok := sizeStandardOf(code)
	if !ok || std == stdNone {
		return ""
	}
	return sizeStandards[std].name
}
