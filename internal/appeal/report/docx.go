package report

import (
	"fmt"

	"github.com/qinqing/qinqing/internal/appeal/stats"
	"github.com/qinqing/qinqing/internal/docx"
)

// DOCX writes the report as a Word document (the shared docx writer),
// with the same sections as its page.
func (r *Report) DOCX() ([]byte, error) {
	f := &r.Figures
	d := docx.New()
	d.Title(r.Title)
	status := "草稿"
	if r.PublishedAt != nil {
		status = "发布于 " + r.PublishedAt.Format("2006年1月2日")
	}
	d.Sub("市优化营商环境办公室　" + status)
	d.Heading("一、总体情况")
	if r.Intro != "" {
		d.Text(r.Intro)
	}
	d.Text(f.Summary())
	d.Table([]string{"指标", f.MonthLabel, f.PrevLabel}, f.HeadlineRows())
	d.Heading("二、各单位比晾晒")
	if len(f.Top) == 0 {
		d.Text("本月尚无可排名的单位。")
	} else {
		d.Table([]string{"名次", "单位", "得分", "响应率", "解决率", "满意率"}, rankRowsOf(f.Top))
		if len(f.Bottom) > 0 {
			d.Text("排名靠后的单位：")
			d.Table([]string{"名次", "单位", "得分", "响应率", "解决率", "满意率"}, rankRowsOf(f.Bottom))
		}
		if len(f.Red) > 0 {
			d.Text("亮红灯：" + f.RedNames() + "。")
		}
	}
	d.Heading("三、超期未办结诉求")
	if len(f.Overdue) == 0 {
		d.Text("月末没有超期未办结的诉求。")
	} else {
		var rows [][]string
		for _, o := range f.Overdue {
			rows = append(rows, []string{o.Number, o.Title, o.Unit, o.DueDate.String(), fmt.Sprint(o.Days)})
		}
		d.Table([]string{"编号", "诉求", "承办单位", "办结时限", "超期（工作日）"}, rows)
	}
	d.Heading("四、诉求热点")
	if len(f.Topics) == 0 {
		d.Text("本月没有可分析的诉求。")
	} else {
		var rows [][]string
		for _, t := range f.Topics {
			rows = append(rows, []string{t.Word, fmt.Sprint(t.Appeals), fmt.Sprint(t.Prev)})
		}
		d.Table([]string{"热词", "本月诉求数", "上月诉求数"}, rows)
		if len(f.Rising) > 0 {
			d.Text("上升较快：" + f.RisingWords() + "。")
		}
	}
	d.Heading("五、问题清单整改进展")
	d.Text(fmt.Sprintf("整改中 %d 项（其中超期 %d 项），本月销号 %d 项。", f.Problems.Open, f.Problems.Overdue, f.Problems.ClosedMonth))
	if len(f.Problems.Items) > 0 {
		var rows [][]string
		for _, p := range f.Problems.Items {
			rows = append(rows, []string{p.Title, p.OwnerUnit, p.DueDate.String(), p.Status, fmt.Sprintf("%d%%", p.Progress)})
		}
		d.Table([]string{"问题", "责任单位", "整改时限", "状态", "进度"}, rows)
	}
	d.Heading("六、问题与建议")
	if r.Suggestions == "" {
		d.Text("（待营商办填写）")
	} else {
		d.Text(r.Suggestions)
	}
	return d.Bytes()
}

func rankRowsOf(rows []stats.RankRow) [][]string {
	var out [][]string
	for _, x := range rows {
		score := "—"
		if x.Score != nil {
			score = fmt.Sprintf("%.1f", *x.Score)
		}
		out = append(out, []string{fmt.Sprint(x.Rank), x.Name, score, x.Rates.ResponseText(), x.Rates.SolveText(), x.Rates.SatisfactionText()})
	}
	return out
}
