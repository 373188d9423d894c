package appeal_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

const importHeader = "工单编号,受理时间,诉求人,联系电话,企业名称,统一社会信用代码,所属区,诉求类别,诉求标题,诉求内容,紧急程度,办理时限（工作日）,处理状态\n"

// TestImport12345 imports a 12345 export: the three forms of 受理时间,
// every kind of rejected row with its line and column, a category of the
// hotline's own filed under 其他 and reported, reconciliation, an
// idempotent re-import, a dry run, GBK and XLSX.
func TestImport12345(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		svc := f.App.Appeals
		csv := importHeader +
			"GD-001,2026-02-27 16:30,孙先生,13507120000,," + f.E1.USCC + ",洪山区,审批服务,施工许可,施工许可超期未办,一般,,已办结\n" +
			"GD-002,2026/2/27 16:30:00,,,,,,融资信贷,,匿名反映贷款难,紧急,,\n" +
			"GD-003,2026年2月27日16时30分,李女士,,某公司," + f.UnknownUSCC + ",,其他,,未登记企业反映问题,,10,\n" +
			"GD-004,2026-02-30 09:00,,,,,,其他,,日期不存在,,,\n" +
			",2026-02-27 10:00,,,,,,其他,,缺工单编号,,,\n" +
			"GD-006,2026-02-27 10:00,,,," + f.BadUS + ",,其他,,代码错误,,,\n" +
			"GD-007,2026-02-27 10:00,,,,,,天气,,类别不在目录，按其他受理,,,\n" +
			"GD-001,2026-02-27 11:00,,,,,,其他,,重复的工单编号,,,\n" +
			"GD-009,2026-02-27 10:00,,,,,,其他,,,,,\n" +
			"GD-010,2026-02-27 10:00,,,,,,其他,,时限不是数字,,十天,\n"
		admin := f.Admin
		res, err := svc.Import(f.Ctx, admin, strings.NewReader(csv), "csv", appeal.ImportOptions{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Read != 10 || res.Inserted != 4 || res.Unchanged != 0 || res.Rejected != 6 || res.Read != res.Inserted+res.Unchanged+res.Rejected {
			t.Fatalf("%+v", res)
		}
		if len(res.Recategorised) != 1 || res.Recategorised[0].Line != 8 || !strings.Contains(res.Recategorised[0].Reason, "天气") ||
			!strings.Contains(res.Summary(), "1 行的诉求类别不在派单目录中") {
			t.Errorf("recategorised %+v, summary %q", res.Recategorised, res.Summary())
		}
		want := map[int]string{5: "受理时间", 6: "工单编号", 7: "统一社会信用代码", 9: "工单编号", 10: "诉求内容", 11: "办理时限（工作日）"}
		for _, e := range res.Errors {
			if want[e.Line] != e.Field || e.Reason == "" {
				t.Errorf("line %d: %q %q, want column %q", e.Line, e.Field, e.Reason, want[e.Line])
			}
			delete(want, e.Line)
		}
		if len(want) > 0 {
			t.Errorf("rows not reported: %v", want)
		}
		if len(res.Ignored) != 1 || res.Ignored[0] != "处理状态" {
			t.Errorf("ignored columns %v", res.Ignored)
		}
		list, total, err := svc.FindAppeals(f.Ctx, admin, appeal.Filter{Channel: appeal.ChannelHotline})
		if err != nil || total != 4 {
			t.Fatalf("filed %d (%v)", total, err)
		}
		recv := time.Date(2026, 2, 27, 16, 30, 0, 0, workday.Shanghai)
		for _, ap := range list {
			switch ap.ExternalRef {
			case "GD-001":
				if !ap.ReceivedAt.Equal(recv) || ap.EnterpriseID == nil || *ap.EnterpriseID != f.E1.ID || ap.District != "420111" {
					t.Errorf("GD-001: %+v", ap)
				}
			case "GD-002":
				if !ap.ReceivedAt.Equal(recv) || !ap.Anonymous || ap.Urgency != appeal.UrgencyUrgent {
					t.Errorf("GD-002: %+v", ap)
				}
			case "GD-003":
				if !ap.ReceivedAt.Equal(recv) || !ap.USCCUnknown || ap.LimitDays != 10 {
					t.Errorf("GD-003: %+v", ap)
				}
			case "GD-007":
				if ap.Category != "其他" || ap.Status != appeal.StatusDispatching {
					t.Errorf("GD-007: category %q status %q", ap.Category, ap.Status)
				}
			}
		}
		// Again: nothing changes.
		again, err := svc.Import(f.Ctx, admin, strings.NewReader(csv), "csv", appeal.ImportOptions{}, nil)
		if err != nil || again.Inserted != 0 || again.Unchanged != 4 || again.Rejected != 6 {
			t.Fatalf("re-import: %+v %v", again, err)
		}
		// A dry run of a new file counts and writes nothing.
		dry := importHeader + "GD-100,2026-02-27 10:00,,,,,,其他,,新的,,,\nGD-001,2026-02-27 10:00,,,,,,其他,,旧的,,,\n"
		res, err = svc.Import(f.Ctx, admin, strings.NewReader(dry), "csv", appeal.ImportOptions{DryRun: true}, nil)
		if err != nil || res.Inserted != 1 || res.Unchanged != 1 || !res.DryRun {
			t.Fatalf("dry run: %+v %v", res, err)
		}
		if _, total, _ := svc.FindAppeals(f.Ctx, admin, appeal.Filter{ExternalRef: "GD-100"}); total != 0 {
			t.Fatal("the dry run wrote")
		}
		// GBK, as Excel saves CSV in Chinese Windows.
		gbk, err := simplifiedchinese.GBK.NewEncoder().String(importHeader + "GD-200,2026-02-27 10:00,王先生,,,,,其他,,用GBK编码的文件,,,\n")
		if err != nil {
			t.Fatal(err)
		}
		res, err = svc.Import(f.Ctx, admin, strings.NewReader(gbk), "csv", appeal.ImportOptions{}, nil)
		if err != nil || res.Inserted != 1 {
			t.Fatalf("GBK: %+v %v", res, err)
		}
		// XLSX, with the receipt as an Excel date.
		x := excelize.NewFile()
		rows := [][]any{{"工单编号", "受理时间", "诉求内容", "诉求类别"}, {"GD-300", 46080.6875, "Excel 里的工单", "其他"}, {"GD-301", "2026-02-27 10:00", "", "其他"},
			{"GD-302", time.Date(2026, 2, 27, 16, 30, 0, 0, time.UTC), "日期单元格（显示为 2/27/26 16:30）", "其他"}}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := x.Write(&buf); err != nil {
			t.Fatal(err)
		}
		res, err = svc.Import(f.Ctx, admin, &buf, "xlsx", appeal.ImportOptions{}, nil)
		if err != nil || res.Read != 3 || res.Inserted != 2 || res.Rejected != 1 || res.Errors[0].Line != 3 {
			t.Fatalf("xlsx: %+v %v", res, err)
		}
		for _, ref := range []string{"GD-300", "GD-302"} {
			got, _, _ := svc.FindAppeals(f.Ctx, admin, appeal.Filter{ExternalRef: ref})
			if len(got) != 1 || !got[0].ReceivedAt.Equal(time.Date(2026, 2, 27, 16, 30, 0, 0, workday.Shanghai)) {
				t.Fatalf("the Excel date of %s: %+v", ref, got)
			}
		}
		// The whole file is refused for a missing required column, and
		// only the office imports.
		if _, err := svc.Import(f.Ctx, admin, strings.NewReader("工单编号,诉求内容\nX,Y\n"), "csv", appeal.ImportOptions{}, nil); errs.CodeOf(err) != errs.Invalid ||
			!strings.Contains(errs.MessageOf(err), "受理时间") {
			t.Fatalf("missing column: %v", err)
		}
		if _, err := svc.Import(f.Ctx, f.Staff, strings.NewReader(csv), "csv", appeal.ImportOptions{}, nil); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("a unit imports: %v", err)
		}
	})
}

// TestImportColumnAliases reads an export whose system names the columns
// otherwise (工单号, 来电时间, 问题描述): an alias fills a column the file
// lacks, and a column the file has under its own name wins over an alias.
func TestImportColumnAliases(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		csv := "工单号,来电时间（北京时间）,问题描述,诉求内容,问题分类,紧急程度\n" +
			"AL-1,20260227163000,描述不被读取,诉求内容被读取,其他,特急\n"
		res, err := f.App.Appeals.Import(f.Ctx, f.Admin, strings.NewReader(csv), "csv", appeal.ImportOptions{}, nil)
		if err != nil || res.Inserted != 1 || len(res.Ignored) != 1 || res.Ignored[0] != "问题描述" {
			t.Fatalf("%+v %v", res, err)
		}
		got, _, _ := f.App.Appeals.FindAppeals(f.Ctx, f.Admin, appeal.Filter{ExternalRef: "AL-1"})
		if len(got) != 1 || got[0].Content != "诉求内容被读取" || got[0].Urgency != appeal.UrgencyUrgent ||
			!got[0].ReceivedAt.Equal(time.Date(2026, 2, 27, 16, 30, 0, 0, workday.Shanghai)) {
			t.Fatalf("%+v", got)
		}
	})
}

// TestImportTitleRows reads an export with a title and a period above its
// header; a file whose first rows hold no header is refused for what the
// first row lacks.
func TestImportTitleRows(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		csv := "12345热线企业诉求工单导出\n导出时间：2026年3月1日,,,\n\n工单编号,受理时间,诉求内容,诉求类别\nTT-1,2026-02-27 16:30,有标题行的导出,其他\n"
		res, err := f.App.Appeals.Import(f.Ctx, f.Admin, strings.NewReader(csv), "csv", appeal.ImportOptions{}, nil)
		if err != nil || res.Read != 1 || res.Inserted != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		noHeader := "工单编号,诉求内容\nA,1\nB,2\nC,3\nD,4\nE,5\n工单编号,受理时间,诉求内容\n"
		if _, err := f.App.Appeals.Import(f.Ctx, f.Admin, strings.NewReader(noHeader), "csv", appeal.ImportOptions{}, nil); errs.CodeOf(err) != errs.Invalid ||
			!strings.Contains(errs.MessageOf(err), "表头缺少必填列：受理时间") {
			t.Fatalf("no header in the first rows: %v", err)
		}
	})
}

// TestParseReceived checks the forms of 受理时间.
func TestParseReceived(t *testing.T) {
	want := time.Date(2024, 9, 13, 16, 30, 0, 0, workday.Shanghai)
	for _, s := range []string{"2024-09-13 16:30", "2024/9/13 16:30:00", "2024年9月13日16时30分", "2024年9月13日 16:30", "2024-09-13T16:30:00+08:00",
		"2024年9月13日16点30分00秒", " 2024-9-13 16:30 ", "45548.6875", "20240913163000", "202409131630", "2024.09.13 16:30"} {
		got, err := appeal.ParseReceived(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v", s, got, err)
		}
	}
	if got, err := appeal.ParseReceived("20240913"); err != nil || !got.Equal(time.Date(2024, 9, 13, 0, 0, 0, 0, workday.Shanghai)) {
		t.Errorf("20240913: %v %v", got, err)
	}
	for _, s := range []string{"", "2024-13-01 10:00", "2024-02-30", "2024-09-13 25:00", "明天", "2024-09", "12", "2024-09-13 16:30:61", "+2024-09-13", "20241313163000", "2024091316", "20240913256000"} {
		if _, err := appeal.ParseReceived(s); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("%q accepted", s)
		}
	}
}
