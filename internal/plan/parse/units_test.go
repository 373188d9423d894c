package parse

import (
	"strings"
	"testing"
)

// unitRoles writes an item's units as "lead:A,B units:C coop:D".
func unitRoles(it *Item) string {
	var parts []string
	for _, r := range []struct {
		role  string
		units []string
	}{{"lead", it.LeadUnits}, {"units", it.Units}, {"coop", it.CoopUnits}} {
		if len(r.units) > 0 {
			parts = append(parts, r.role+":"+strings.Join(r.units, ","))
		}
	}
	return strings.Join(parts, " ")
}

func TestUnitGroups(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"OKLabel", "推进改革。（责任单位：市发改委、市商务局，各区人民政府）", "units:市发改委,市商务局,各区人民政府"},
		{"OKLeadAndUnits", "推进改革。（牵头单位：市发展改革委；责任单位：各区人民政府，市有关部门）", "lead:市发展改革委 units:各区人民政府"},
		{"OKLeadCoopSquare", "推进改革。〔牵头单位：市委金融办（市地方金融管理局）；配合单位：人行某市分行〕", "lead:市委金融办 coop:人行某市分行"},
		{"OKRoleMark", "推进改革。责任单位：市发展改革委（牵头）、市财政局", "lead:市发展改革委 units:市财政局"},
		{"OKBracketLabels", "推进改革。【牵头单位】市发展改革委【配合单位】市财政局、市商务局", "lead:市发展改革委 coop:市财政局,市商务局"},
		{"OKConvention", "推进改革。（市发展改革委、市财政局等部门按职责分工负责）", "units:市发展改革委,市财政局"},
		{"OKConventionNoEtc", "推进改革。（市商务局、市发展改革委等按职责分工负责）", "units:市商务局,市发展改革委"},
		{"OKLeadCoop", "推进改革。（市发展改革委牵头，各区人民政府、市直有关部门配合，2024年6月底前完成）", "lead:市发展改革委 coop:各区人民政府"},
		{"OKLabelLines", "推进改革。\n牵头单位：市发展改革委　配合单位：市财政局", "lead:市发展改革委 coop:市财政局"},
		{"OKStartThenCadence", "推进改革。（市营商办牵头，各县市区人民政府负责；2025年起每年）", "lead:市营商办 units:各县市区人民政府"},
		{"OKBareFinal", "推进改革。（市数据局、市政务服务中心）", "units:市数据局,市政务服务中心"},
		{"OKQualifier", "推进改革。（责任单位：各县（市、区）人民政府，各乡镇（街道））", "units:各县（市、区）人民政府,各乡镇（街道）"},
		{"OKNestedDropped", "推进改革。（责任单位：各区人民政府〈含开发区、长江新区，下同〉）", "units:各区人民政府"},
		{"OKPersonNoUnit", "推进改革。牵头市领导：张三；责任单位：团市委、市妇联", "units:团市委,市妇联"},
		// never invent a unit
		{"OKGenericLevelDropped", "推进改革。（市发展改革委、市商务局牵头，市直各有关部门按职责分工负责）", "lead:市发展改革委,市商务局"},
		{"OKClosingSentence", "落实清单。县司法局牵头，各乡镇人民政府配合，长期坚持。", "lead:县司法局 coop:各乡镇人民政府"},
		{"ErrClosingSentenceWithAction", "推进改革。由市发展改革委牵头，会同市财政局制定实施细则。", ""},
		{"ErrGeneric", "推进改革。（责任单位：相关部门、县直有关单位）", ""},
		{"ErrInRunningText", "由市发展改革委牵头，会同市财政局制定实施细则。", ""},
		{"ErrBracketNotFinal", "支持行业协会(商会)、平台企业搭建对接平台。", ""},
		{"ErrQualifierAlone", "在各乡镇（街道）便民服务中心设立窗口。", ""},
		{"ErrLabelWordAlone", "推进改革。（牵头单位）", ""},
		{"ErrClause", "推进改革。（按照职责抓好落实）", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			it := Item{Text: c.text}
			finishItem(&it, 2024, false, false)
			if got := unitRoles(&it); got != c.want {
				t.Errorf("%s\n got %q\nwant %q", c.text, got, c.want)
			}
		})
	}
}

// TestTableIndicators reads the targets of a task table however its
// columns carry them: a 量化指标 column, 指标 | 目标值 beside a task, or a
// table of indicators without tasks.
func TestTableIndicators(t *testing.T) {
	for name, tc := range map[string]struct{ text, want string }{
		"Column":       {"| 序号 | 重点任务 | 量化指标 | 责任单位 |\n|---|---|---|---|\n| 1 | 推进一网通办 | 网上可办率达到98%以上 | 市政数局 |\n", "网上可办率 >= 98 %"},
		"NameAndValue": {"| 序号 | 重点任务 | 指标 | 目标值 | 责任单位 |\n|---|---|---|---|---|\n| 1 | 推进一网通办 | 网上可办率 | 98%以上 | 市政数局 |\n", "网上可办率 >= 98 %"},
		"NoTask":       {"| 序号 | 指标名称 | 2025年现状 | 2026年目标 | 牵头单位 |\n|---|---|---|---|---|\n| 1 | 开办企业时间 | 1个工作日 | 0.5个工作日以内 | 市市场监管局 |\n", "开办企业时间 <= 0.5 个工作日"},
	} {
		t.Run(name, func(t *testing.T) {
			p := ParseText(tc.text)
			if len(p.Items) != 1 || indicatorStrings(p.Items[0].Indicators) != tc.want {
				t.Fatalf("%+v", p.Items)
			}
		})
	}
}
