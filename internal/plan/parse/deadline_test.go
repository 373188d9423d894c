package parse

import (
	"strings"
	"testing"
)

// deadlineStrings writes deadlines as "text kind date".
func deadlineStrings(ds []Deadline) string {
	var out []string
	for _, d := range ds {
		date := "-"
		if d.Date != nil {
			date = d.Date.String()
		}
		out = append(out, d.Text+" "+d.Kind+" "+date)
	}
	return strings.Join(out, "; ")
}

func TestFindDeadlines(t *testing.T) {
	cases := []struct {
		name, text string
		context    bool
		want       string
	}{
		{"OKMonthEnd", "6月底前完成", false, "6月底前 date 2024-06-30"},
		{"OKMonthEndBefore", "6月底之前报送", false, "6月底之前 date 2024-06-30"},
		{"OKMidMonth", "9月中旬前", false, "9月中旬前 date 2024-09-20"},
		{"OKBeforeMonth", "6月前完成", false, "6月前 date 2024-05-31"},
		{"OKDay", "2025年3月31日前", false, "2025年3月31日前 date 2025-03-31"},
		{"OKRange", "2024年4月—9月", false, "2024年4月—9月 range 2024-09-30"},
		{"OKRangeShort", "4-6月", false, "4-6月 range 2024-06-30"},
		{"OKYearEnd", "年底前", false, "年底前 year 2024-12-31"},
		{"OKYearEndWritten", "2025年底前", false, "2025年底前 date 2025-12-31"},
		{"OKWithinYear", "2024年内完成", false, "2024年内 date 2024-12-31"},
		{"OKByYear", "到2025年", false, "到2025年 date 2025-12-31"},
		{"OKBeforeYear", "2025年前", false, "2025年前 date 2024-12-31"},
		{"OKHalf", "上半年", false, "上半年 date 2024-06-30"},
		{"OKStartIsNoDeadline", "2025年起每年开展", true, "每年 recurring -"},
		{"OKQuarter", "第三季度末", false, "第三季度末 date 2024-09-30"},
		{"OKStage", "督促检查阶段(2024年10月)", false, "2024年10月 date 2024-10-31"},
		{"OKWholeYear", "全年", false, "全年 year 2024-12-31"},
		{"OKRecurring", "每季度开展一轮", false, "每季度 recurring -"},
		{"OKAfterEvent", "政策出台10日内制定细则", false, "出台10日内 within -"},
		{"OKAfterEventAfter", "收到申请后5个工作日内", false, "后5个工作日内 within -"},
		{"OKRelativeMonths", "3个月内完成排查", false, "3个月内 within -"},
		{"OKLongTerm", "长期坚持", false, "长期坚持 continuous -"},
		{"OKBracketContinuous", "推进落实(持续推进)", false, "持续推进 continuous -"},
		{"OKContextContinuous", "持续推进", true, "持续推进 continuous -"},
		{"OKContextMonth", "2024年12月", true, "2024年12月 date 2024-12-31"},
		{"OKContextMonthOnly", "9月", true, "9月 date 2024-09-30"},
		{"OKContextDay", "2024年6月30日", true, "2024年6月30日 date 2024-06-30"},
		{"OKContextYear", "2025年", true, "2025年 date 2025-12-31"},
		{"OKContextDotted", "2024.10", true, "2024.10 date 2024-10-31"},
		{"OKContextDashed", "2024-11-15", true, "2024-11-15 date 2024-11-15"},
		{"ErrPastReference", "对2015年前颁布的文件开展清理", false, ""},
		{"ErrTargetLimit", "审批时间压缩至40个工作日以内", false, ""},
		{"ErrServiceStandard", "企业诉求5个工作日内办结", false, ""},
		{"ErrBareMonthInText", "2024年12月，召开推进会", false, ""},
		{"ErrLongAlone", "长期以来", false, ""},
		{"ErrValidity", "本措施有效期至2026年12月31日", false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := deadlineStrings(findDeadlines([]rune(c.text), 2024, c.context)); got != c.want {
				t.Errorf("%s\n got %q\nwant %q", c.text, got, c.want)
			}
		})
	}
	t.Run("OKNoYear", func(t *testing.T) {
		if got := deadlineStrings(findDeadlines([]rune("6月底前"), 0, false)); got != "6月底前 date -" {
			t.Errorf("got %q", got)
		}
	})
}

// TestPlanYearFromDeadlines: a document whose title, signature and 文号
// name no year takes the year its deadlines name most often, not one a
// sentence looks back to, and resolves year-less deadlines in it.
func TestPlanYearFromDeadlines(t *testing.T) {
	p := ParseText("某市优化营商环境若干措施\n\n截至2023年底，全市经营主体超过100万户。\n" +
		"一、优化政务服务\n1．推行企业开办一日办结，2026年底前完成。（市市场监管局负责）\n" +
		"2．推行证照分离改革，2026年6月底前完成。（市政务服务管理局负责）\n3．开展惠企政策宣讲，全年不少于10场。（市工商联负责）\n")
	if p.Year != 2026 {
		t.Fatalf("year %d, warnings %v", p.Year, p.Warnings)
	}
	last := p.Items[len(p.Items)-1]
	if len(last.Deadlines) != 1 || last.Deadlines[0].Date == nil || last.Deadlines[0].Date.String() != "2026-12-31" {
		t.Errorf("全年: %+v", last.Deadlines)
	}
}
