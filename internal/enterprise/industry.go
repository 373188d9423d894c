package enterprise

import (
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/errs"
)

// Industry codes follow GB/T 4754-2017 《国民经济行业分类》 (as amended by
// 第1号修改单, 2019), in the form used across the platform: the 门类 letter
// followed by the digits of the 大类 (2), 中类 (3) or 小类 (4), e.g. "C",
// "C39", "C391", "C3911". Codes are compared by prefix, so a rule on "C39"
// matches every code below it.
//
// The package embeds all 20 门类 and all 97 大类, and the 中类 of the 大类
// most often met in a city's registry; 小类 names are not embedded, so a
// 4-digit code is accepted when its 大类 exists and named after its nearest
// known ancestor.

// Industry is one entry of the GB/T 4754-2017 classification.
type Industry struct {
	Code  string // "C", "C39" or "C391"
	Name  string // 制造业, 计算机、通信和其他电子设备制造业, 计算机制造
	Level int    // 1 门类, 2 大类, 3 中类
}

// industrySection is one 门类 and the range of 大类 it holds.
type industrySection struct {
	letter   byte
	name     string
	from, to int // first and last 大类
}

// industrySections lists the 20 门类 of GB/T 4754-2017. Read-only.
var industrySections = [...]industrySection{
	{'A', "农、林、牧、渔业", 1, 5},
	{'B', "采矿业", 6, 12},
	{'C', "制造业", 13, 43},
	{'D', "电力、热力、燃气及水生产和供应业", 44, 46},
	{'E', "建筑业", 47, 50},
	{'F', "批发和零售业", 51, 52},
	{'G', "交通运输、仓储和邮政业", 53, 60},
	{'H', "住宿和餐饮业", 61, 62},
	{'I', "信息传输、软件和信息技术服务业", 63, 65},
	{'J', "金融业", 66, 69},
	{'K', "房地产业", 70, 70},
	{'L', "租赁和商务服务业", 71, 72},
	{'M', "科学研究和技术服务业", 73, 75},
	{'N', "水利、环境和公共设施管理业", 76, 79},
	{'O', "居民服务、修理和其他服务业", 80, 82},
	{'P', "教育", 83, 83},
	{'Q', "卫生和社会工作", 84, 85},
	{'R', "文化、体育和娱乐业", 86, 90},
	{'S', "公共管理、社会保障和社会组织", 91, 96},
	{'T', "国际组织", 97, 97},
}

// industryDivisions holds the names of the 97 大类, indexed by their number
// (index 0 is unused). Read-only.
var industryDivisions = [98]string{
	1: "农业", 2: "林业", 3: "畜牧业", 4: "渔业", 5: "农、林、牧、渔专业及辅助性活动",
	6: "煤炭开采和洗选业", 7: "石油和天然气开采业", 8: "黑色金属矿采选业", 9: "有色金属矿采选业",
	10: "非金属矿采选业", 11: "开采专业及辅助性活动", 12: "其他采矿业",
	13: "农副食品加工业", 14: "食品制造业", 15: "酒、饮料和精制茶制造业", 16: "烟草制品业",
	17: "纺织业", 18: "纺织服装、服饰业", 19: "皮革、毛皮、羽毛及其制品和制鞋业",
	20: "木材加工和木、竹、藤、棕、草制品业", 21: "家具制造业", 22: "造纸和纸制品业",
	23: "印刷和记录媒介复制业", 24: "文教、工美、体育和娱乐用品制造业",
	25: "石油、煤炭及其他燃料加工业", 26: "化学原料和化学制品制造业", 27: "医药制造业",
	28: "化学纤维制造业", 29: "橡胶和塑料制品业", 30: "非金属矿物制品业",
	31: "黑色金属冶炼和压延加工业", 32: "有色金属冶炼和压延加工业", 33: "金属制品业",
	34: "通用设备制造业", 35: "专用设备制造业", 36: "汽车制造业",
	37: "铁路、船舶、航空航天和其他运输设备制造业", 38: "电气机械和器材制造业",
	39: "计算机、通信和其他电子设备制造业", 40: "仪器仪表制造业", 41: "其他制造业",
	42: "废弃资源综合利用业", 43: "金属制品、机械和设备修理业",
	44: "电力、热力生产和供应业", 45: "燃气生产和供应业", 46: "水的生产和供应业",
	47: "房屋建筑业", 48: "土木工程建筑业", 49: "建筑安装业", 50: "建筑装饰、装修和其他建筑业",
	51: "批发业", 52: "零售业",
	53: "铁路运输业", 54: "道路运输业", 55: "水上运输业", 56: "航空运输业", 57: "管道运输业",
	58: "多式联运和运输代理业", 59: "装卸搬运和仓储业", 60: "邮政业",
	61: "住宿业", 62: "餐饮业",
	63: "电信、广播电视和卫星传输服务", 64: "互联网和相关服务", 65: "软件和信息技术服务业",
	66: "货币金融服务", 67: "资本市场服务", 68: "保险业", 69: "其他金融业",
	70: "房地产业",
	71: "租赁业", 72: "商务服务业",
	73: "研究和试验发展", 74: "专业技术服务业", 75: "科技推广和应用服务业",
	76: "水利管理业", 77: "生态保护和环境治理业", 78: "公共设施管理业", 79: "土地管理业",
	80: "居民服务业", 81: "机动车、电子产品和日用产品修理业", 82: "其他服务业",
	83: "教育",
	84: "卫生", 85: "社会工作",
	86: "新闻和出版业", 87: "广播、电视、电影和录音制作业", 88: "文化艺术业", 89: "体育", 90: "娱乐业",
	91: "中国共产党机关", 92: "国家机构", 93: "人民政协、民主党派", 94: "社会保障",
	95: "群众团体、社会团体和其他成员组织", 96: "基层群众自治组织及其他组织",
	97: "国际组织",
}

// industryGroup is one embedded 中类.
type industryGroup struct {
	code string // three digits
	name string
}

// industryGroups lists the embedded 中类 in code order: those of the 大类
// most common among a city's enterprises. Read-only.
var industryGroups = [...]industryGroup{
	{"141", "焙烤食品制造"}, {"142", "糖果、巧克力及蜜饯制造"}, {"143", "方便食品制造"},
	{"144", "乳制品制造"}, {"145", "罐头食品制造"}, {"146", "调味品、发酵制品制造"}, {"149", "其他食品制造"},
	{"271", "化学药品原料药制造"}, {"272", "化学药品制剂制造"}, {"273", "中药饮片加工"},
	{"274", "中成药生产"}, {"275", "兽用药品制造"}, {"276", "生物药品制品制造"},
	{"277", "卫生材料及医药用品制造"}, {"278", "药用辅料及包装材料"},
	{"331", "结构性金属制品制造"}, {"332", "金属工具制造"}, {"333", "集装箱及金属包装容器制造"},
	{"334", "金属丝绳及其制品制造"}, {"335", "建筑、安全用金属制品制造"}, {"336", "金属表面处理及热处理加工"},
	{"337", "搪瓷制品制造"}, {"338", "金属制日用品制造"}, {"339", "铸造及其他金属制品制造"},
	{"341", "锅炉及原动设备制造"}, {"342", "金属加工机械制造"}, {"343", "物料搬运设备制造"},
	{"344", "泵、阀门、压缩机及类似机械制造"}, {"345", "轴承、齿轮和传动部件制造"},
	{"346", "烘炉、风机、包装等设备制造"}, {"347", "文化、办公用机械制造"}, {"348", "通用零部件制造"},
	{"349", "其他通用设备制造业"},
	{"351", "采矿、冶金、建筑专用设备制造"}, {"352", "化工、木材、非金属加工专用设备制造"},
	{"353", "食品、饮料、烟草及饲料生产专用设备制造"}, {"354", "印刷、制药、日化及日用品生产专用设备制造"},
	{"355", "纺织、服装和皮革加工专用设备制造"}, {"356", "电子和电工机械专用设备制造"},
	{"357", "农、林、牧、渔专用机械制造"}, {"358", "医疗仪器设备及器械制造"},
	{"359", "环保、邮政、社会公共服务及其他专用设备制造"},
	{"361", "汽车整车制造"}, {"362", "汽车用发动机制造"}, {"363", "改装汽车制造"}, {"364", "低速汽车制造"},
	{"365", "电车制造"}, {"366", "汽车车身、挂车制造"}, {"367", "汽车零部件及配件制造"},
	{"381", "电机制造"}, {"382", "输配电及控制设备制造"}, {"383", "电线、电缆、光缆及电工器材制造"},
	{"384", "电池制造"}, {"385", "家用电力器具制造"}, {"386", "非电力家用器具制造"}, {"387", "照明器具制造"},
	{"389", "其他电气机械及器材制造"},
	{"391", "计算机制造"}, {"392", "通信设备制造"}, {"393", "广播电视设备制造"}, {"394", "雷达及配套设备制造"},
	{"395", "非专业视听设备制造"}, {"396", "智能消费设备制造"}, {"397", "电子器件制造"},
	{"398", "电子元件及电子专用材料制造"}, {"399", "其他电子设备制造"},
	{"401", "通用仪器仪表制造"}, {"402", "专用仪器仪表制造"}, {"403", "钟表与计时仪器制造"},
	{"404", "光学仪器制造"}, {"405", "衡器制造"}, {"409", "其他仪器仪表制造业"},
	{"471", "住宅房屋建筑"}, {"472", "体育场馆建筑"}, {"479", "其他房屋建筑业"},
	{"501", "建筑装饰和装修业"}, {"502", "建筑物拆除和场地准备活动"}, {"503", "提供施工设备服务"},
	{"509", "其他未列明建筑业"},
	{"511", "农、林、牧、渔产品批发"}, {"512", "食品、饮料及烟草制品批发"}, {"513", "纺织、服装及家庭用品批发"},
	{"514", "文化、体育用品及器材批发"}, {"515", "医药及医疗器材批发"}, {"516", "矿产品、建材及化工产品批发"},
	{"517", "机械设备、五金产品及电子产品批发"}, {"518", "贸易经纪与代理"}, {"519", "其他批发业"},
	{"521", "综合零售"}, {"522", "食品、饮料及烟草制品专门零售"}, {"523", "纺织、服装及日用品专门零售"},
	{"524", "文化、体育用品及器材专门零售"}, {"525", "医药及医疗器材专门零售"},
	{"526", "汽车、摩托车、零配件和燃料及其他动力销售"}, {"527", "家用电器及电子产品专门零售"},
	{"528", "五金、家具及室内装饰材料专门零售"}, {"529", "货摊、无店铺及其他零售业"},
	{"541", "城市公共交通运输"}, {"542", "公路旅客运输"}, {"543", "道路货物运输"}, {"544", "道路运输辅助活动"},
	{"591", "装卸搬运"}, {"592", "通用仓储"}, {"593", "低温仓储"}, {"594", "危险品仓储"},
	{"595", "谷物、棉花等农产品仓储"}, {"596", "中药材仓储"}, {"599", "其他仓储业"},
	{"601", "邮政基本服务"}, {"602", "快递服务"}, {"609", "其他寄递服务"},
	{"611", "旅游饭店"}, {"612", "一般旅馆"}, {"613", "民宿服务"}, {"614", "露营地服务"}, {"619", "其他住宿业"},
	{"621", "正餐服务"}, {"622", "快餐服务"}, {"623", "饮料及冷饮服务"}, {"624", "餐饮配送及外卖送餐服务"},
	{"629", "其他餐饮业"},
	{"631", "电信"}, {"632", "广播电视传输服务"}, {"633", "卫星传输服务"},
	{"641", "互联网接入及相关服务"}, {"642", "互联网信息服务"}, {"643", "互联网平台"},
	{"644", "互联网安全服务"}, {"645", "互联网数据服务"}, {"649", "其他互联网服务"},
	{"651", "软件开发"}, {"652", "集成电路设计"}, {"653", "信息系统集成和物联网技术服务"},
	{"654", "运行维护服务"}, {"655", "信息处理和存储支持服务"}, {"656", "信息技术咨询服务"},
	{"657", "数字内容服务"}, {"659", "其他信息技术服务业"},
	{"701", "房地产开发经营"}, {"702", "物业管理"}, {"703", "房地产中介服务"}, {"704", "房地产租赁经营"},
	{"709", "其他房地产业"},
	{"711", "机械设备经营租赁"}, {"712", "文体设备和用品出租"}, {"713", "日用品出租"},
	{"721", "组织管理服务"}, {"722", "综合管理服务"}, {"723", "法律服务"}, {"724", "咨询与调查"},
	{"725", "广告业"}, {"726", "人力资源服务"}, {"727", "安全保护服务"}, {"728", "会议、展览及相关服务"},
	{"729", "其他商务服务业"},
	{"731", "自然科学研究和试验发展"}, {"732", "工程和技术研究和试验发展"}, {"733", "农业科学研究和试验发展"},
	{"734", "医学研究和试验发展"}, {"735", "社会人文科学研究"},
	{"741", "气象服务"}, {"742", "地震服务"}, {"743", "海洋服务"}, {"744", "测绘地理信息服务"},
	{"745", "质检技术服务"}, {"746", "环境与生态监测检测服务"}, {"747", "地质勘查"},
	{"748", "工程技术与设计服务"}, {"749", "工业与专业设计及其他专业技术服务"},
	{"751", "技术推广服务"}, {"752", "知识产权服务"}, {"753", "科技中介服务"}, {"754", "创业空间服务"},
	{"759", "其他科技推广服务业"},
	{"801", "家庭服务"}, {"802", "托儿所服务"}, {"803", "洗染服务"}, {"804", "理发及美容服务"},
	{"805", "洗浴和保健养生服务"}, {"806", "摄影扩印服务"}, {"807", "婚姻服务"}, {"808", "殡葬服务"},
	{"809", "其他居民服务业"},
	{"811", "汽车、摩托车等修理与维护"}, {"812", "计算机和办公设备维修"}, {"813", "家用电器修理"},
	{"819", "其他日用产品修理业"},
	{"831", "学前教育"}, {"832", "初等教育"}, {"833", "中等教育"}, {"834", "高等教育"}, {"835", "特殊教育"},
	{"839", "技能培训、教育辅助及其他教育"},
}

// sectionOfDivision returns the 门类 letter of 大类 d (1-97), or 0.
func sectionOfDivision(d int) byte {
	for _, s := range industrySections {
		if d >= s.from && d <= s.to {
			return s.letter
		}
	}
	return 0
}

// sectionIndex returns the index in industrySections of letter, or -1.
func sectionIndex(letter byte) int {
	if letter < 'A' || letter > 'T' {
		return -1
	}
	return int(letter - 'A')
}

// groupName returns the name of the embedded 中类 code3, or "".
func groupName(code3 string) string {
	lo, hi := 0, len(industryGroups)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if industryGroups[m].code < code3 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(industryGroups) && industryGroups[lo].code == code3 {
		return industryGroups[lo].name
	}
	return ""
}

// industryErr returns an Invalid error about the field industry.
func industryErr(format string, args ...any) *errs.Error {
	return errs.FieldErrorf("industry", format, args...)
}

// ParseIndustry validates a GB/T 4754-2017 industry code and returns its
// canonical form: the 门类 letter followed by 0, 2, 3 or 4 digits, e.g. "C",
// "C39", "C391", "C3911". It accepts the letter in either case, full-width
// characters, and plain digits ("39", "391", "3911"), from which it derives
// the letter; it also accepts the exact Chinese name of an embedded 门类, 大类
// or 中类 ("软件开发" → "I651"), preferring the most specific entry when a
// 门类 and a 大类 share a name (教育 → "P83"). It returns an Invalid error on field "industry" in Chinese when
// the form is wrong, the 大类 does not exist or the letter contradicts it.
func ParseIndustry(s string) (string, error) {
	u := normalizeCode(s)
	if u == "" {
		return "", industryErr("行业代码不能为空")
	}
	if u[0] >= utf8.RuneSelf {
		if c := industryByName(u); c != "" {
			return c, nil
		}
		return "", industryErr("行业“%s”不是国民经济行业分类（GB/T 4754-2017）中的代码或名称", u)
	}
	var letter byte
	digits := u
	if c := u[0]; c >= 'A' && c <= 'Z' {
		letter, digits = c, u[1:]
		if sectionIndex(letter) < 0 {
			return "", industryErr("行业门类“%c”不存在（国民经济行业分类门类为A至T）", letter)
		}
	}
	if len(digits) == 1 || len(digits) > 4 || (letter == 0 && len(digits) == 0) {
		return "", industryErr("行业代码“%s”格式不对（应为门类字母加2至4位数字，如C3911，或2至4位数字，如3911）", u)
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return "", industryErr("行业代码“%s”格式不对（应为门类字母加2至4位数字，如C3911，或2至4位数字，如3911）", u)
		}
	}
	if len(digits) == 0 {
		return u, nil
	}
	d := int(digits[0]-'0')*10 + int(digits[1]-'0')
	sec := byte(0)
	if d >= 1 && d <= 97 {
		sec = sectionOfDivision(d)
	}
	if sec == 0 {
		return "", industryErr("行业大类“%s”不存在（国民经济行业分类 GB/T 4754-2017 大类为01至97）", digits[:2])
	}
	if letter != 0 && letter != sec {
		return "", industryErr("行业代码“%s”的门类与大类不符（大类%s“%s”属于门类%c）", u, digits[:2], industryDivisions[d], sec)
	}
	return string(sec) + digits, nil
}

// industryByName returns the code of the most specific embedded entry
// whose name is exactly name, or "".
func industryByName(name string) string {
	for _, g := range industryGroups {
		if g.name == name {
			return string(sectionOfDivision(int(g.code[0]-'0')*10+int(g.code[1]-'0'))) + g.code
		}
	}
	for d := 1; d <= 97; d++ {
		if industryDivisions[d] == name {
			return string(sectionOfDivision(d)) + twoDigits(d)
		}
	}
	for _, s := range industrySections {
		if s.name == name {
			return string(s.letter)
		}
	}
	return ""
}

// IndustrySection returns the 门类 letter of an industry code in any form
// ParseIndustry accepts ("C3911", "3911", "c39"), or 0 when the code is not
// valid.
func IndustrySection(code string) byte {
	c, err := ParseIndustry(code)
	if err != nil {
		return 0
	}
	return c[0]
}

// IndustryName returns the name of an industry code in any form ParseIndustry
// accepts: the name of the 中类, 大类 or 门类 it denotes, or of its nearest
// embedded ancestor (小类 names and some 中类 are not embedded). It returns ""
// for an invalid code.
func IndustryName(code string) string {
	c, err := ParseIndustry(code)
	if err != nil {
		return ""
	}
	if len(c) >= 4 {
		if n := groupName(c[1:4]); n != "" {
			return n
		}
	}
	if len(c) >= 3 {
		return industryDivisions[int(c[1]-'0')*10+int(c[2]-'0')]
	}
	return industrySections[sectionIndex(c[0])].name
}

// Industries returns the embedded classification for dropdowns and
// documentation, in code order: each 门类 followed by its 大类, each 大类
// followed by its embedded 中类. The slice is new on every call.
func Industries() []Industry {
	out := make([]Industry, 0, len(industrySections)+97+len(industryGroups))
	g := 0
	for _, s := range industrySections {
		out = append(out, Industry{Code: string(s.letter), Name: s.name, Level: 1})
		for d := s.from; d <= s.to; d++ {
			dd := twoDigits(d)
			out = append(out, Industry{Code: string(s.letter) + dd, Name: industryDivisions[d], Level: 2})
			for g < len(industryGroups) && industryGroups[g].code[:2] == dd {
				out = append(out, Industry{Code: string(s.letter) + industryGroups[g].code, Name: industryGroups[g].name, Level: 3})
				g++
			}
		}
	}
	return out
}

// twoDigits formats 0 <= n < 100 with two digits.
func twoDigits(n int) string {
	return string([]byte{byte('0' + n/10), byte('0' + n%10)})
}
