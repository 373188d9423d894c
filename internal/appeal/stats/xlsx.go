package stats

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/sheet"
)

// RankingXLSX writes the ranking as a workbook: a title, the formula of
// the score, then one row per group with its rank, score, change, the
// three rates with their counts and the red list mark.
func RankingXLSX(rk *Ranking) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const name = "比晾晒"
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return nil, errs.Wrap(err, "name sheet")
	}
	w := rk.Config.Weights
	rows := [][]any{
		{fmt.Sprintf("企业诉求比晾晒（按%s，%s，与%s相比）", rk.ByLabel, rk.PeriodLabel, rk.Previous.Label())},
		{fmt.Sprintf("得分 =（%s × 响应率 + %s × 解决率 + %s × 满意率）÷ 权重合计；口径第 %d 版", num(w.Response), num(w.Solve), num(w.Satisfy), rk.Config.Version)},
		{"名次", "名称", "得分", "上期名次", "变化", "受理", "按时签收", "响应率", "有办理结果", "已解决", "解决率", "已评价", "满意与基本满意", "满意率", "未评价", "月末积压", "亮红灯"},
	}
	opt := func(v *float64) any {
		if v == nil {
			return ""
		}
		return *v
	}
	for _, r := range rk.Ranked {
		red := ""
		if r.Red {
			red = "亮红灯"
		}
		prev := any("")
		if r.PrevRank > 0 {
			prev = r.PrevRank
		}
		rows = append(rows, []any{r.Rank, r.Name, *r.Score, prev, r.TrendArrow() + fmt.Sprint(r.Places()), r.Received, r.SignedOnTime,
			opt(r.Rates.Response), r.Answered, r.Solved, opt(r.Rates.Solve), r.Evaluated, r.Satisfied, opt(r.Rates.Satisfaction), r.Unevaluated,
			r.Backlog, red})
	}
	for i, row := range rows {
		for j, v := range row {
			cell, err := excelize.CoordinatesToCellName(j+1, i+1)
			if err != nil {
				return nil, errs.Wrap(err, "write ranking")
			}
			switch x := v.(type) {
			case string:
				err = f.SetCellStr(name, cell, sheet.Escape(x))
			case float64:
				err = f.SetCellFloat(name, cell, x, 2, 64)
			default:
				err = f.SetCellValue(name, cell, x)
			}
			if err != nil {
				return nil, errs.Wrap(err, "write ranking")
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, errs.Wrap(err, "write ranking")
	}
	return buf.Bytes(), nil
}
