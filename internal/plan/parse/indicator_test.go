package parse

import (
	"strconv"
	"strings"
	"testing"
)

// indicatorStrings writes indicators as "name op value unit".
func indicatorStrings(inds []Indicator) string {
	var out []string
	for _, ind := range inds {
		out = append(out, ind.Name+" "+ind.Op+" "+strconv.FormatFloat(ind.Value, 'f', -1, 64)+" "+ind.Unit)
	}
	return strings.Join(out, "; ")
}

func TestFindIndicators(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"OKGrowthVerb", "新增民营企业10万家", "新增民营企业 >= 100000 家"},
		{"OKBreakThrough", "力争全市经营主体突破225万家", "全市经营主体 > 2250000 家"},
		{"OKReachDecimal", "全市“四上”企业总数达到1.85万家", "全市“四上”企业总数 >= 18500 家"},
		{"OKDownTo", "担保费率降至1%以下", "担保费率 <= 1 %"},
		{"OKNotBelow", "关联产业集聚度不低于65%", "关联产业集聚度 >= 65 %"},
		{"OKNotAbove", "企业申请项目平均支付时间不超过5个工作日", "企业申请项目平均支付时间 <= 5 个工作日"},
		{"OKYi", "新增普惠小微贷款700亿元", "新增普惠小微贷款 >= 70000000000 元"},
		// a target without a comparison word is a target to reach
		{"OKNoWordIsAtLeast", "举办“亲清直播间”活动40场", "举办“亲清直播间”活动 >= 40 场"},
		{"OKGrowthRate", "新增普惠小微贷款700亿元、增速25%", "新增普惠小微贷款 >= 70000000000 元; 增速 >= 25 %"},
		{"OKRate", "对接率100%", "对接率 >= 100 %"},
		{"OKAbout", "城镇调查失业率控制在5.5%左右", "城镇调查失业率 == 5.5 %"},
		{"OKWrittenEquality", "一日办结率为100%", "一日办结率 == 100 %"},
		// the comparison before the thing compared with
		{"OKLookback", "推动保障性租赁住房租金不高于同地段同品质市场租赁住房租金85%", "保障性租赁住房租金 <= 85 %"},
		{"OKLookbackCount", "政府采购集中裁决机制覆盖面扩大到全市13个区、县(市)", "政府采购集中裁决机制覆盖面 >= 13 个"},
		// a count inside a phrase
		{"OKCountVerb", "新增20个集成办事项", "新增集成办事项 >= 20 个"},
		{"OKCountList", "推动100个高频事项掌上办、200个事项承诺办", "推动高频事项掌上办 >= 100 个; 推动事项承诺办 >= 200 个"},
		{"OKGrowthList", "新增中试平台30家、科技成果转化中心10家", "新增中试平台 >= 30 家; 新增科技成果转化中心 >= 10 家"},
		{"OKExamplesBeforeCount", "推出企业开办、员工招聘等20个“一件事”集成服务", "推出“一件事”集成服务 >= 20 个"},
		{"OKVerbAfterBound", "每季度至少举办1次惠企政策宣讲会", "举办惠企政策宣讲会 >= 1 次"},
		{"OKJiInAName", "6月底前实现免申即享政策不少于30项", "免申即享政策 >= 30 项"},
		{"OKJiNamely", "提高审批效率，即承诺办结时限不超过3个工作日", "承诺办结时限 <= 3 个工作日"},
		{"OKMonthOpensClause", "确保2025年9月底前无分歧欠款清偿率达到100%", "无分歧欠款清偿率 >= 100 %"},
		{"OKNounBound", "发布海外重点国家商标维权指南2个国别以上", "发布海外重点国家商标维权指南国别 >= 2 个"},
		{"OKShareBound", "预留采购项目预算总额的40%以上专门面向中小微企业采购", "预留采购项目预算总额 >= 40 %"},
		{"OKMoreThan", "新增800万余篇文献免费下载", "新增文献免费下载 > 8000000 篇"},
		{"OKSecondOfClause", "组织培训会6场和参加活动不少于2次", "组织培训会 >= 6 场; 参加活动 >= 2 次"},
		{"OKNoUnitNoneInvented", "力争电网改造项目资金15亿以上", "电网改造项目资金 >= 1500000000 "},
		{"OKSubUnit", "参与活动企业5000家(次)以上", "参与活动企业 >= 5000 家次"},
		{"OKTimeLimitPromised", "实现企业开办1个工作日内办结", "企业开办办结 <= 1 个工作日"},
		// not targets
		{"ErrDeadlineAfterEvent", "惠企政策出台10日内发布解读", ""},
		{"ErrModifier", "构建企业员工15分钟服务圈", ""},
		{"ErrQualifier", "对500万元以上的项目给予奖励", ""},
		{"ErrQuoted", "做到“三个100%”", ""},
		{"ErrGrant", "对新认定的企业，给予一次性奖励50万元", ""},
		{"ErrGrantCap", "按设备投资额的10%给予补助，最高不超过500万元", ""},
		{"ErrThreshold", "对企业购置设备投资额超过1000万元的技改项目", ""},
		{"OKMoneyTarget", "全年为企业减负200亿元以上", "为企业减负 >= 20000000000 元"},
		{"ErrFact", "截至2023年底，全市经营主体达到210万家", ""},
		{"ErrAlready", "已建成服务站500个", ""},
		{"ErrNoUnit", "落实第3条规定", ""},
		{"ErrNoCrossNumber", "对研发投入不低于500万元的企业给予20万元奖励", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := indicatorStrings(findIndicators([]rune(c.text))); got != c.want {
				t.Errorf("%s\n got %q\nwant %q", c.text, got, c.want)
			}
		})
	}
}
