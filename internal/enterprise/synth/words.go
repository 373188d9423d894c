package synth

// Word lists and weights of the synthetic city generator (synth.go). All
// read-only.

// synthKindShare is the share of each kind (in the order of Kinds) among a
// city's market entities, after Wuhan (seed 000): of 2.25 million entities,
// about 950,000 are 企业 and most of the rest 个体工商户.
var synthKindShare = [4]float64{950_000.0 / 2_250_000, 0, 0.005, 0.012}

// synthWeight is the relative weight of one 大类 among the entities of a kind.
type synthWeight struct {
	div    int
	weight float64
}

// synthIndustryWeights gives, for each kind (in the order of Kinds), the
// relative number of entities per 大类: trade, business services,
// technology services, construction and software dominate the 企业, shops
// and restaurants the 个体工商户.
var synthIndustryWeights = [4][]synthWeight{
	{ // 企业
		{1, 5}, {2, 1}, {3, 3}, {4, 1}, {5, 2},
		{6, 0.1}, {8, 0.1}, {9, 0.1}, {10, 0.5}, {11, 0.2},
		{13, 2}, {14, 3}, {15, 1.5}, {17, 1}, {18, 3}, {19, 0.5}, {20, 1}, {21, 2}, {22, 1.5}, {23, 3},
		{24, 1.5}, {25, 0.3}, {26, 4}, {27, 4}, {28, 0.1}, {29, 4}, {30, 4}, {31, 0.5}, {32, 0.5}, {33, 6},
		{34, 7}, {35, 7}, {36, 5}, {37, 1.5}, {38, 6}, {39, 6}, {40, 3}, {41, 1}, {42, 0.5}, {43, 1.5},
		{44, 2}, {45, 0.5}, {46, 0.5},
		{47, 20}, {48, 20}, {49, 15}, {50, 35},
		{51, 220}, {52, 80},
		{53, 0.2}, {54, 20}, {55, 2}, {56, 0.5}, {57, 0.1}, {58, 10}, {59, 6}, {60, 3},
		{61, 4}, {62, 16},
		{63, 3}, {64, 20}, {65, 60},
		{66, 0.5}, {67, 1.5}, {68, 1}, {69, 5},
		{70, 40},
		{71, 12}, {72, 120},
		{73, 10}, {74, 30}, {75, 70},
		{76, 1}, {77, 6}, {78, 4}, {79, 0.1},
		{80, 10}, {81, 6}, {82, 6},
		{83, 10},
		{84, 4}, {85, 1},
		{86, 1}, {87, 5}, {88, 6}, {89, 4}, {90, 4},
	},
	{ // 个体工商户
		{1, 10}, {3, 8}, {4, 5},
		{13, 5}, {14, 10}, {18, 8}, {20, 3}, {21, 4}, {33, 5},
		{50, 20},
		{51, 50}, {52, 430},
		{54, 30}, {58, 5}, {59, 3}, {60, 5},
		{61, 20}, {62, 180},
		{65, 8},
		{70, 3},
		{71, 3}, {72, 30},
		{75, 8},
		{80, 80}, {81, 50}, {82, 10},
		{83, 3}, {84, 6},
		{87, 2}, {88, 3}, {89, 4}, {90, 8},
	},
	{ // 农民专业合作社
		{1, 600}, {2, 50}, {3, 220}, {4, 60}, {5, 70},
	},
	{ // 其他: 机关, 事业单位, 社会团体, 民办非企业单位, 基金会, 律师事务所
		{72, 50}, {73, 80}, {83, 250}, {84, 100}, {85, 100}, {86, 10}, {87, 5}, {88, 60}, {89, 30},
		{91, 5}, {92, 40}, {93, 5}, {94, 15}, {95, 150}, {96, 30},
	},
}

// synthOtherType is one kind of organisation among the 其他.
type synthOtherType struct {
	code   string // USCC positions 1-2
	prefix string // first two characters of a new 主体标识码
	share  float64
}

// synthOtherTypes are the organisations of kind 其他, by registration
// authority: 机构编制 (11 机关, 12 事业单位), 司法行政 (31 律师事务所) and 民政
// (51 社会团体, 52 民办非企业单位, 53 基金会).
var synthOtherTypes = [...]synthOtherType{
	{"11", "MB", 0.03}, {"12", "MB", 0.40}, {"31", "MD", 0.05},
	{"51", "MJ", 0.15}, {"52", "MJ", 0.32}, {"53", "MJ", 0.05},
}

// synthHighTechFactor weights the 大类 where 高新技术企业 concentrate
// (manufacturing of chemicals, medicines, equipment, vehicles, electronics
// and instruments; information services; research and technical services).
func synthHighTechFactor(d int) float64 {
	switch {
	case d == 26 || d == 27 || (d >= 34 && d <= 40):
		return 1
	case d >= 6 && d <= 46:
		return 0.25
	case d == 63:
		return 0.5
	case d == 64 || d == 65 || d == 73:
		return 1
	case d == 74 || d == 75:
		return 0.8
	case d == 77:
		return 0.3
	case d >= 47 && d <= 50:
		return 0.02
	case d == 72:
		return 0.03
	case d == 51:
		return 0.01
	}
	return 0
}

// synthZJTXFactor weights the 大类 of 专精特新 enterprises: mostly manufacturing.
func synthZJTXFactor(d int) float64 {
	switch {
	case d == 26 || d == 27 || (d >= 34 && d <= 40):
		return 1
	case d >= 13 && d <= 43:
		return 0.7
	case d >= 6 && d <= 46:
		return 0.3
	case d >= 63 && d <= 65:
		return 0.35
	case d >= 73 && d <= 75:
		return 0.3
	case d == 77:
		return 0.2
	}
	return 0
}

// synthForeignFactor weights the 大类 of 外资企业.
func synthForeignFactor(d int) float64 {
	switch {
	case d >= 13 && d <= 43:
		return 3
	case d == 51 || d == 72 || (d >= 63 && d <= 65):
		return 1.5
	case d == 61 || (d >= 66 && d <= 69):
		return 2
	case d >= 73 && d <= 75:
		return 1
	}
	return 0.5
}

// The groups of 四上企业: 规模以上工业, 限额以上批发零售住宿餐饮 (商贸), and the
// rest (资质等级建筑业, 房地产开发经营, 规模以上服务业).
const (
	siShangNone = iota
	siShangIndustry
	siShangTrade
	siShangOther
)

// synthSiShangGroup returns the 四上 group of 大类 d and its relative weight
// within the group.
func synthSiShangGroup(d int) (group int, factor float64) {
	switch {
	case d >= 6 && d <= 12:
		return siShangIndustry, 2
	case d >= 13 && d <= 43:
		return siShangIndustry, 1
	case d >= 44 && d <= 46:
		return siShangIndustry, 3
	case d >= 47 && d <= 50:
		return siShangOther, 3
	case d == 51:
		return siShangTrade, 1
	case d == 52:
		return siShangTrade, 0.7
	case d == 61:
		return siShangTrade, 2
	case d == 62:
		return siShangTrade, 1.2
	case d >= 53 && d <= 60:
		return siShangOther, 1.5
	case d >= 63 && d <= 65:
		return siShangOther, 1
	case d == 70:
		return siShangOther, 2
	case d == 71 || d == 72:
		return siShangOther, 0.7
	case d >= 73 && d <= 79:
		return siShangOther, 1
	case d >= 80 && d <= 82:
		return siShangOther, 0.3
	case d == 83:
		return siShangOther, 0.5
	case d == 84 || d == 85:
		return siShangOther, 0.8
	case d >= 86 && d <= 90:
		return siShangOther, 0.5
	}
	return siShangNone, 0
}

// synthSiShangThreshold returns the revenue in yuan from which an
// enterprise of 大类 d counts as 四上 (规模以上/限额以上), or 0 when there is no
// revenue threshold (建筑业 by 资质, 房地产开发 by licence, or no 四上 at all).
func synthSiShangThreshold(d int) int64 {
	const wan = 10000
	switch {
	case d >= 6 && d <= 46, d == 51:
		return 2000 * wan
	case d == 52:
		return 500 * wan
	case d == 61 || d == 62:
		return 200 * wan
	case d >= 53 && d <= 60, d >= 63 && d <= 65, d >= 76 && d <= 79:
		return 2000 * wan
	case d == 71 || d == 72 || (d >= 73 && d <= 75) || d == 83:
		return 1000 * wan
	case d >= 80 && d <= 82, d >= 84 && d <= 90:
		return 500 * wan
	}
	return 0
}

// synthProductivity returns the typical revenue per employee in yuan for
// 大类 d, used to derive headcount from revenue.
func synthProductivity(d int) float64 {
	switch {
	case d <= 5:
		return 300_000
	case d <= 46:
		return 500_000
	case d <= 50:
		return 700_000
	case d == 51:
		return 3_000_000
	case d == 52:
		return 600_000
	case d <= 60:
		return 600_000
	case d <= 62:
		return 250_000
	case d <= 65:
		return 500_000
	case d <= 69:
		return 2_000_000
	case d == 70:
		return 1_500_000
	case d <= 72:
		return 600_000
	case d <= 75:
		return 450_000
	}
	return 300_000
}

// synthAssetRatio returns the typical ratio of total assets to revenue for
// 大类 d.
func synthAssetRatio(d int) float64 {
	switch {
	case d <= 5:
		return 1.5
	case d <= 46:
		return 1.1
	case d <= 50:
		return 1.2
	case d <= 52:
		return 0.4
	case d <= 60:
		return 0.8
	case d <= 62:
		return 0.7
	case d <= 65:
		return 0.9
	case d <= 69:
		return 5
	case d == 70:
		return 3
	case d <= 72:
		return 1.5
	}
	return 0.8
}

// synthZihao are the characters of which trade names (字号) are made.
const synthZihao = "华新金鑫盛恒泰达中远博瑞康宏信德兴隆源丰东方楚江汉长天宇润昌明安诚鼎辉光创智云海星龙凯旭弘荣嘉祥和宁正佳益合永顺富晨峰卓越睿航腾飞乐美悦亿万百千联通汇聚立志伟成精诺思科捷迅锐晟禾森林鄂城湖山水翔鹏骏驰誉赢胜利发福喜吉庆泓浩瀚澜沣洲岳川晶辰曦阳春秋雅致尚品优宝玉银铭钧锦绣彩虹蓝青绿紫佰仟众同协赛奥拓展开启元初本真微灵巧匠艺豪威力坤乾泽惠涵馨逸朗晖耀轩宸煜琪瑾璟"

// synthSurnames are common surnames, for 个体工商户 names such as 张记.
const synthSurnames = "张王李刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"

// synthCompanyWords returns the industry words (行业词) of company names in
// 大类 d. A word may end in @ and the digits of the industry code it implies
// (a 中类, or a 大类 to keep the code at that level); words whose code lies
// outside d are skipped for d.
func synthCompanyWords(d int) []string {
	switch {
	case d <= 5:
		return []string{"农业发展", "生态农业", "农业科技", "种植", "养殖", "农牧", "水产", "苗木"}
	case d <= 12:
		return []string{"矿业", "矿产", "砂石", "矿业开发"}
	case d <= 16:
		return []string{"食品", "粮油", "农产品加工", "饮品", "酒业", "茶业", "食品科技", "食品@141", "烘焙@141", "调味品@146"}
	case d <= 19:
		return []string{"纺织", "服饰", "服装", "鞋业", "皮具"}
	case d <= 22:
		return []string{"木业", "家具", "纸业", "包装"}
	case d <= 24:
		return []string{"印务", "印刷", "文化用品", "工艺品"}
	case d == 27:
		return []string{"医药", "生物医药@276", "制药@272", "生物科技@276", "药业@272", "生物技术@276", "中药@274", "医用材料@277"}
	case d <= 28:
		return []string{"化工", "新材料", "化学", "化工科技", "涂料"}
	case d == 29:
		return []string{"塑胶", "塑业", "橡塑", "包装材料"}
	case d == 30:
		return []string{"建材", "新型建材", "混凝土", "玻璃", "陶瓷"}
	case d <= 33:
		return []string{"钢铁", "金属制品@33", "钢结构@331", "铝业", "五金@332", "不锈钢@338"}
	case d <= 35, d == 43:
		return []string{"机械", "机电", "机械设备", "智能装备", "重工", "精密机械@348", "自动化设备@34", "环保设备@359", "医疗器械@358", "机床@342", "阀门@344", "设备维修@43"}
	case d <= 37:
		return []string{"汽车零部件@367", "汽车配件@367", "汽车部件@367", "汽车科技@36", "汽车@361", "车身@366", "车辆@37", "船舶@37", "航空科技@37"}
	case d <= 40:
		return []string{"电气@382", "电缆@383", "电池@384", "照明@387", "电机@381", "电子@39", "光电子@397", "电子科技@398", "光电科技@39", "通信设备@392", "光通信@392", "半导体@397", "计算机@391", "智能科技@396", "仪器仪表@40", "激光@40", "光学@404", "检测仪器@402"}
	case d <= 42:
		return []string{"制品", "再生资源", "环保科技"}
	case d <= 46:
		return []string{"电力", "能源", "新能源", "燃气", "热力", "水务"}
	case d <= 50:
		return []string{"建设工程@47", "建筑工程@47", "建筑劳务@47", "市政工程@48", "路桥工程@48", "园林工程@48", "机电安装工程@49", "消防工程@49", "装饰工程@501", "建筑装饰@501", "装饰设计工程@501", "防水工程@50", "幕墙工程@50"}
	case d == 51:
		return []string{"商贸", "贸易", "供应链管理", "实业", "物资", "进出口@518", "国际贸易@518", "工贸", "电子商务", "建材@516", "化工@516", "钢材@516", "医药@515", "医疗器械@515", "农产品@511", "粮油@512", "酒业@512", "食品@512", "服饰@513", "五金机电@517", "电子设备@517", "文化用品@514"}
	case d == 52:
		return []string{"商贸", "百货@521", "超市@521", "商业管理@521", "便利店@521", "汽车销售@526", "汽车贸易@526", "石化@526", "医药连锁@525", "大药房@525", "眼镜@523", "服饰@523", "珠宝@524", "家居@528", "建材@528", "电器@527", "数码@527", "食品@522", "酒业@522"}
	case d <= 58:
		return []string{"物流", "运输@543", "货运@543", "快运@543", "汽车运输@543", "客运@542", "公交@541", "国际货运代理@58", "供应链@58", "航运@55", "船务@55", "航空服务@56"}
	case d == 59:
		return []string{"仓储@592", "物流@592", "供应链管理@599", "冷链物流@593", "装卸@591", "搬运@591"}
	case d == 60:
		return []string{"快递@602", "速递@602", "物流@602", "配送@609"}
	case d == 61:
		return []string{"酒店管理@611", "酒店@611", "宾馆@612", "公寓管理@619", "民宿@613"}
	case d == 62:
		return []string{"餐饮管理@621", "餐饮@621", "餐饮服务@621", "餐饮连锁@622", "小龙虾@621", "热干面@622", "快餐@622", "茶饮@623", "咖啡@623", "团餐@624"}
	case d <= 64:
		return []string{"网络科技@64", "信息技术@64", "通信技术@631", "通信工程@631", "互联网科技@642", "数字科技@643", "云计算@645", "大数据@645", "网络技术@641", "网络安全@644"}
	case d == 65:
		return []string{"软件@651", "软件技术@651", "科技", "信息技术@653", "系统集成@653", "物联网科技@653", "数字科技@657", "智能科技@651", "信息科技@656", "网络科技@659", "数据科技@655", "集成电路设计@652", "微电子@652"}
	case d <= 69:
		return []string{"投资", "资产管理", "投资管理", "融资担保", "小额贷款", "保险代理", "金融服务", "股权投资基金管理", "财富管理"}
	case d == 70:
		return []string{"房地产开发@701", "置业@701", "地产@701", "物业管理@702", "物业服务@702", "房地产经纪@703", "不动产@704", "房屋租赁@704"}
	case d == 71:
		return []string{"租赁@711", "设备租赁@711", "汽车租赁@711", "机械设备租赁@711", "文体器材租赁@712"}
	case d == 72:
		return []string{"企业管理@721", "商业管理@722", "商务咨询@724", "企业管理咨询@724", "投资咨询@724", "管理咨询@724", "广告@725", "文化传媒@725", "传媒@725", "营销策划@729", "品牌管理@729", "人力资源@726", "劳务派遣@726", "保安服务@727", "会展服务@728"}
	case d <= 75:
		return []string{"科技@75", "科技发展@75", "技术服务@751", "新材料科技@751", "环境科技@751", "智能科技@751", "光电科技@751", "生物科技@75", "知识产权@752", "科技孵化@754", "检测技术@745", "检测@745", "环境检测@746", "工程技术@748", "工程设计@748", "工程咨询@748", "勘察设计@748", "规划设计@748", "测绘@744", "生物技术@73", "研究院@732", "医学研究@734"}
	case d <= 79:
		return []string{"环境工程", "环保科技", "园林绿化", "环境治理", "水利工程", "市政设施", "生态环境"}
	case d <= 82:
		return []string{"家政服务@801", "保洁服务@801", "美容美发@804", "养生@805", "婚庆@807", "摄影@806", "洗涤@803", "汽车服务@811", "汽车维修@811", "维修服务@81", "健康管理@82"}
	case d == 83:
		return []string{"教育科技@839", "教育咨询@839", "培训@839", "文化教育@839", "教育发展@839", "幼儿园@831"}
	case d <= 85:
		return []string{"医疗管理", "医院", "健康管理", "门诊部", "养老服务", "康复"}
	case d <= 90:
		return []string{"文化传播", "文化传媒", "影视", "文化艺术", "体育发展", "体育文化", "娱乐", "文化发展", "出版", "演艺"}
	}
	return []string{"实业", "发展", "科技"}
}

// synthShopWords returns the shop words of 个体工商户 names in 大类 d, marked
// like those of synthCompanyWords.
func synthShopWords(d int) []string {
	switch {
	case d <= 5:
		return []string{"种植场", "养殖场", "家庭农场", "蔬菜种植基地", "水产养殖场"}
	case d <= 16:
		return []string{"食品加工坊", "豆制品加工厂", "糕点坊", "面食加工店"}
	case d <= 19:
		return []string{"服装加工厂", "制衣坊", "鞋业加工店"}
	case d <= 22:
		return []string{"木器加工厂", "家具厂", "家具加工坊"}
	case d <= 43:
		return []string{"五金加工厂", "机械加工部", "铁艺加工店", "门窗加工厂"}
	case d <= 50:
		return []string{"装饰工程部@501", "水电安装部@50", "防水工程部@50"}
	case d == 51:
		return []string{"商行", "经营部", "批发部", "副食批发部@512", "粮油批发部@512", "建材批发部@516", "水产批发部@511", "蔬菜批发部@511"}
	case d == 52:
		return []string{"便利店@521", "超市@521", "副食店@522", "水果店@522", "烟酒店@522", "茶叶店@522", "生鲜店@522", "蔬菜店@522", "服装店@523", "日用品店@523", "母婴店@523", "眼镜店@523", "花店@523", "书店@524", "大药房@525", "手机店@527", "家电店@527", "五金店@528", "装饰材料店@528", "网店@529", "摊位@529"}
	case d <= 60:
		return []string{"货运部@543", "搬家服务部@543", "运输户@543", "快递服务站@602", "仓储服务部@592", "货运代理部@58"}
	case d == 61:
		return []string{"宾馆@612", "旅社@612", "招待所@612", "民宿@613"}
	case d == 62:
		return []string{"餐馆@621", "饭店@621", "火锅店@621", "小龙虾馆@621", "烧烤店@621", "热干面馆@622", "小吃店@622", "面馆@622", "快餐店@622", "豆皮馆@622", "早点店@622", "鸭脖店@629", "奶茶店@623", "饮品店@623"}
	case d <= 65:
		return []string{"网络科技工作室", "电脑服务部", "软件工作室"}
	case d == 70:
		return []string{"房屋中介服务部", "房产信息咨询部"}
	case d <= 72:
		return []string{"广告部", "信息咨询服务部", "图文广告店", "打印店", "租赁部"}
	case d <= 75:
		return []string{"技术服务部", "科技工作室"}
	case d == 80:
		return []string{"理发店@804", "美容店@804", "美甲店@804", "洗衣店@803", "家政服务部@801", "足浴店@805", "摄影店@806"}
	case d == 81:
		return []string{"汽车修理部@811", "汽车美容店@811", "电动车维修店@811", "家电维修部@813", "手机维修店@819", "修理店@819", "电脑维修部@812"}
	case d == 82:
		return []string{"服务部", "便民服务部"}
	case d == 83:
		return []string{"培训工作室", "书法工作室"}
	case d <= 85:
		return []string{"诊所", "中医诊所", "口腔诊所"}
	case d <= 90:
		return []string{"棋牌室", "健身房", "台球室", "文化工作室", "工作室"}
	}
	return []string{"经营部"}
}

// synthCoopWords are the activities in names of 农民专业合作社.
var synthCoopWords = [...]string{
	"蔬菜种植", "水稻种植", "水产养殖", "生猪养殖", "果蔬", "苗木", "农机", "茶叶种植", "家禽养殖", "莲藕种植", "小龙虾养殖", "中药材种植",
}

// synthOtherSuffixes are the name endings of organisations of kind 其他, by
// type (same order as synthOtherTypes).
var synthOtherSuffixes = [...][]string{
	{"办公室", "服务中心", "管理委员会"},
	{"服务中心", "研究所", "学校", "医院", "检测站", "管理站", "卫生院", "社区卫生服务中心"},
	{"律师事务所"},
	{"商会", "协会", "行业协会", "促进会", "联合会"},
	{"培训学校", "养老院", "幼儿园", "社会工作服务中心", "文化艺术中心", "康复中心", "职业培训学校"},
	{"慈善基金会", "教育基金会", "公益基金会"},
}
