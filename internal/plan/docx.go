package plan

import (
	"context"
	"fmt"
	"strings"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/docx"
)

// The briefing as a Word document (.docx), written by the shared docx
// package.

// BriefingDOCX returns plan id's briefing for period as a .docx. Who may
// call it: as FindBriefing. Errors: as FindBriefing.
func (s *Service) BriefingDOCX(ctx context.Context, a *auth.Actor, id int64, period Period) ([]byte, error) {
	b, err := s.FindBriefing(ctx, a, id, period)
	if err != nil {
		return nil, err
	}
	return b.DOCX()
}

// DOCX writes the briefing as a Word document.
func (b *Briefing) DOCX() ([]byte, error) {
	d := docx.New()
	d.Title(b.Plan.Title + "工作简报")
	d.Sub(fmt.Sprintf("第%d期（%s）", b.Issue, b.PeriodLabel))
	owner := b.Plan.OwnerUnit
	if owner == "" {
		owner = "督查督办工作专班办公室"
	}
	d.Sub(owner + "　" + b.Date.Chinese())
	d.Heading("一、总体情况")
	d.Text(b.Summary())
	var rows [][]string
	for _, l := range Lights {
		n := map[Light]int{LightLate: b.Counts.Late, LightWarn: b.Counts.Warn, LightOK: b.Counts.OK, LightDone: b.Counts.Done}[l]
		rows = append(rows, []string{string(l), fmt.Sprint(n)})
	}
	d.Table([]string{"状态", "任务数"}, rows)
	if len(b.Goals) > 0 {
		d.Heading("二、目标指标完成情况")
		rows = nil
		for _, g := range b.Goals {
			for _, ind := range g.Indicators {
				actual := "未报送"
				if ind.Actual != nil {
					actual = FormatQuantity(*ind.Actual, ind.Measure)
				}
				rows = append(rows, []string{ind.Name, ind.Op.Symbol() + FormatQuantity(ind.Target, ind.Measure), actual, string(b.Tracks[ind.ID].State)})
			}
		}
		if len(rows) > 0 {
			d.Table([]string{"指标", "目标", "最新实际", "进度"}, rows)
		} else {
			d.Text("本方案的工作目标未设定量化指标。")
		}
	}
	d.Heading("三、各单位比晾晒（" + b.Month.Label(Monthly) + "）")
	if len(b.Ranking) == 0 {
		d.Text("本月尚无可排名的数据。")
	} else {
		rows = nil
		for _, r := range b.Ranking {
			rows = append(rows, []string{fmt.Sprint(r.Rank), r.UnitName, fmt.Sprintf("%.1f", r.Score),
				fmt.Sprintf("%d/%d", r.ReportsOnTime, r.ReportsExpected), fmt.Sprintf("%d/%d", r.TasksOnTrack, r.TasksTotal)})
		}
		d.Table([]string{"名次", "单位", "得分", "按时报送", "任务正常"}, rows)
	}
	if len(b.Missing) > 0 {
		d.Text("未报送" + b.PeriodLabel + "进展的单位：" + strings.Join(b.Missing, "、") + "。")
	}
	d.Heading("四、工作进展")
	if len(b.Highlights) == 0 {
		d.Text("本期暂无报送的工作进展。")
	}
	for _, q := range b.Highlights {
		d.Text(fmt.Sprintf("%s（任务%s %s）：%s", q.Unit, q.Numbering, q.Title, q.Text))
	}
	d.Heading("五、存在的问题")
	if len(b.Problems) == 0 {
		d.Text("本期各单位未报告问题。")
	}
	for _, q := range b.Problems {
		d.Text(fmt.Sprintf("%s（任务%s）：%s", q.Unit, q.Numbering, q.Text))
	}
	d.Heading("六、滞后任务")
	if len(b.Late) == 0 {
		d.Text("目前没有滞后任务。")
	} else {
		rows = nil
		for _, t := range b.Late {
			rows = append(rows, []string{t.Numbering, firstRunes(firstNonEmpty(t.Title, t.Text), 30), unitNames(t), t.LightReason})
		}
		d.Table([]string{"序号", "任务", "责任单位", "滞后原因"}, rows)
	}
	return d.Bytes()
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// unitNames writes a task's lead and responsible units as written.
func unitNames(t *Task) string {
	var out []string
	seen := map[string]bool{}
	for _, u := range t.Units {
		if u.Role.Reports() && !seen[u.Name] {
			seen[u.Name] = true
			out = append(out, u.Name)
		}
	}
	return strings.Join(out, "、")
}
