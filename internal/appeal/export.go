package appeal

import (
	"context"
	"io"

	"github.com/xuri/excelize/v2"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/sheet"
	"github.com/qinqing/qinqing/internal/workday"
)

// MaxExport is the most rows one export of the list writes.
const MaxExport = 100_000

// exportColumns are the columns of the list's xlsx export.
var exportColumns = []string{"编号", "受理时间", "渠道", "企业名称", "统一社会信用代码", "所属区", "诉求类别", "紧急程度", "诉求标题",
	"状态", "状态灯", "承办单位", "签收时限", "签收时间", "办理时限", "答复时间", "答复结果", "评价", "退回次数", "重办次数", "延期（工作日）",
	"一次性化解", "销号时间"}

// ExportAppeals writes the appeals matching f (sorted as f says, without
// its paging; at most MaxExport rows) to w as an xlsx workbook and returns
// how many rows it wrote. Text typed by anyone passes through
// sheet.Escape, so no cell runs as a formula. The office may call it
// (auth.ManageAppeals). Errors: Unauthenticated, Forbidden, Invalid (a
// filter), Internal.
func (s *Service) ExportAppeals(ctx context.Context, a *auth.Actor, w io.Writer, f Filter) (int, error) {
	if err := auth.AuthorizeSome(a, auth.ManageAppeals); err != nil {
		return 0, err
	}
	if w == nil {
		return 0, errs.Errorf(errs.Invalid, "没有指定导出的去处")
	}
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", "诉求清单"); err != nil {
		return 0, errs.Wrap(err, "export appeals")
	}
	sw, err := x.NewStreamWriter("诉求清单")
	if err != nil {
		return 0, errs.Wrap(err, "export appeals")
	}
	_ = sw.SetColWidth(1, 1, 16)
	_ = sw.SetColWidth(2, len(exportColumns), 14)
	_ = sw.SetColWidth(9, 9, 40)
	header := make([]any, len(exportColumns))
	for i, c := range exportColumns {
		header[i] = c
	}
	if err := sw.SetRow("A1", header); err != nil {
		return 0, errs.Wrap(err, "export appeals")
	}
	instant := func(t interface{ Format(string) string }) string { return t.Format("2006-01-02 15:04") }
	n := 0
	f.Limit, f.Offset = 500, 0
	for n < MaxExport {
		list, _, err := s.FindAppeals(ctx, a, f)
		if err != nil {
			return n, err
		}
		for _, ap := range list {
			cells := []any{ap.Number, instant(ap.ReceivedAt.In(workday.Shanghai)), ap.Channel.Label(), sheet.Escape(ap.EnterpriseName),
				ap.USCC, ap.DistrictName, sheet.Escape(ap.Category), ap.Urgency, sheet.Escape(ap.Title), ap.StatusLabel, ap.LightLabel,
				sheet.Escape(ap.UnitName), "", "", ap.DueDate.String(), "", ap.ReplyResult, ap.Evaluation, ap.Returns, ap.Reopens,
				ap.ExtensionDays, "", ""}
			if ap.SignDueAt != nil {
				cells[12] = instant(ap.SignDueAt.In(workday.Shanghai))
			}
			if ap.SignedAt != nil {
				cells[13] = instant(ap.SignedAt.In(workday.Shanghai))
			}
			if ap.RepliedAt != nil {
				cells[15] = instant(ap.RepliedAt.In(workday.Shanghai))
			}
			if ap.FirstTime != nil {
				cells[21] = map[bool]string{true: "是", false: "否"}[*ap.FirstTime]
			}
			if ap.ClosedAt != nil {
				cells[22] = instant(ap.ClosedAt.In(workday.Shanghai))
			}
			n++
			cell, _ := excelize.CoordinatesToCellName(1, n+1)
			if err := sw.SetRow(cell, cells); err != nil {
				return n, errs.Wrap(err, "export appeals")
			}
			if n == MaxExport {
				break
			}
		}
		if len(list) < f.Limit {
			break
		}
		f.Offset += len(list)
	}
	if err := sw.Flush(); err != nil {
		return n, errs.Wrap(err, "export appeals")
	}
	return n, errs.Wrap(x.Write(w), "export appeals")
}
