package plan_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/plan"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

// sheetRows returns the rows of a workbook's sheet as text.
func sheetRows(t *testing.T, data []byte, name string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// table is a 责任分解表 without what changes between exports: the export's
// date line, and per row the light and the latest progress (a re-imported
// plan is a draft without reports); on the indicator sheet, the actuals.
func table(t *testing.T, data []byte) (tasks, inds [][]string) {
	t.Helper()
	rows := sheetRows(t, data, "责任分解表")
	header := rows[2]
	light, latest := slices.Index(header, "状态"), slices.Index(header, "最新进展")
	for i, r := range rows {
		if i == 1 {
			continue // the line with the export's date
		}
		r = slices.Clone(r)
		for _, c := range []int{light, latest} {
			if c < len(r) {
				r[c] = ""
			}
		}
		tasks = append(tasks, trimRight(r))
	}
	irows := sheetRows(t, data, "量化指标")
	for _, r := range irows {
		r = slices.Clone(r)
		for c := 11; c <= 13 && c < len(r); c++ {
			r[c] = ""
		}
		inds = append(inds, trimRight(r))
	}
	return tasks, inds
}

// trimRight drops a row's trailing empty cells.
func trimRight(r []string) []string {
	for len(r) > 0 && r[len(r)-1] == "" {
		r = r[:len(r)-1]
	}
	return r
}

// TestXLSXRoundTrip exports a published plan with a report as its 责任分解表,
// imports the workbook as a new draft and exports that: the tables are the
// same, on both databases.
func TestXLSXRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		// A task whose text a spreadsheet would run as a formula.
		doc, err := plan.ReadDocument("plan.json", []byte(strings.Replace(smallDoc, `"text": "完善服务站体系。"`, `"text": "=HYPERLINK(\"http://x\")"`, 1)))
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.Svc.Import(ctxAs(f.Admin), f.Admin, doc, plan.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// Published, with a report: the light and the latest progress
		// show, and stay out of the comparison.
		if _, err := f.Svc.MapUnits(ctxAs(f.Admin), f.Admin, res.ID, plan.MapInput{Name: "各区人民政府", UnitIDs: []int64{f.Units["江岸区人民政府"].ID}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.MapUnits(ctxAs(f.Admin), f.Admin, res.ID, plan.MapInput{Name: "市工商联", Ignore: true}); err != nil {
			t.Fatal(err)
		}
		p, err := f.Svc.Publish(ctxAs(f.Admin), f.Admin, res.ID)
		if err != nil {
			t.Fatal(err)
		}
		pct := 40
		if _, err := f.Svc.FileReport(ctxAs(f.FGW), f.FGW, p.ID, plan.ReportInput{Items: []plan.ReportItemInput{
			{TaskID: f.task(t, p, "二.(一).1").ID, Progress: &pct, Text: "已起草"}}}); err != nil {
			t.Fatal(err)
		}
		first, err := f.Svc.ExportXLSX(ctx, f.Admin, res.ID)
		if err != nil {
			t.Fatal(err)
		}
		rows := sheetRows(t, first, "责任分解表")
		if !strings.HasPrefix(rows[0][0], "《优化营商环境工作方案》") || rows[2][0] != "序号" || rows[2][1] != "一级" || rows[2][3] != "三级" {
			t.Fatalf("head rows %q", rows[:3])
		}
		if !slices.ContainsFunc(rows, func(r []string) bool { return slices.Contains(r, "40%｜已起草") && slices.Contains(r, "正常") }) {
			t.Errorf("the light and latest progress are missing: %q", rows)
		}
		found := false
		for _, r := range rows {
			for _, c := range r {
				if strings.Contains(c, "HYPERLINK") {
					found = true
					if !strings.HasPrefix(c, "'=") {
						t.Errorf("a formula cell is not escaped: %q", c)
					}
				}
			}
		}
		if !found {
			t.Fatal("the formula-looking text is missing from the export")
		}
		// Merged heading cells, the frozen header, A4 landscape.
		wb, err := excelize.OpenReader(bytes.NewReader(first))
		if err != nil {
			t.Fatal(err)
		}
		merges, _ := wb.GetMergeCells("责任分解表")
		heading := false
		for _, m := range merges {
			if m.GetStartAxis() == "B6" && m.GetEndAxis() == "B12" {
				heading = true // 二、工作任务 runs down over its tasks
			}
		}
		if !heading {
			t.Errorf("no vertical merge for the heading 二、工作任务: %v", merges)
		}
		panes, _ := wb.GetPanes("责任分解表")
		if !panes.Freeze || panes.YSplit != 3 {
			t.Errorf("header not frozen: %+v", panes)
		}
		layout, _ := wb.GetPageLayout("责任分解表")
		if layout.Orientation == nil || *layout.Orientation != "landscape" || layout.Size == nil || *layout.Size != 9 {
			t.Errorf("page layout %+v", layout)
		}
		cf, _ := wb.GetConditionalFormats("责任分解表")
		if len(cf) == 0 {
			t.Error("no conditional colours for the lights")
		}
		wb.Close()

		doc2, err := plan.ReadDocument("责任分解表.xlsx", first)
		if err != nil {
			t.Fatal(err)
		}
		res2, err := f.Svc.Import(ctxAs(f.Admin), f.Admin, doc2, plan.ImportOptions{})
		if err != nil {
			t.Fatalf("re-import: %v %+v", err, res2.Rejected)
		}
		if res2.Tasks != res.Tasks || res2.Goals != res.Goals || res2.Indicators != res.Indicators || res2.Stages != res.Stages ||
			res2.Milestones != res.Milestones {
			t.Errorf("re-import counts %+v, first import %+v", res2, res)
		}
		if len(res2.Unknown) == 0 || res2.Unknown[0].Row == 0 || res2.Unknown[0].Path != nil {
			t.Errorf("unknown units of a workbook are reported by row: %+v", res2.Unknown)
		}
		second, err := f.Svc.ExportXLSX(ctx, f.Admin, res2.ID)
		if err != nil {
			t.Fatal(err)
		}
		t1, i1 := table(t, first)
		t2, i2 := table(t, second)
		if !slices.EqualFunc(t1, t2, slices.Equal) {
			t.Errorf("责任分解表 differs after the round trip:\n%q\n%q", t1, t2)
		}
		if !slices.EqualFunc(i1, i2, slices.Equal) {
			t.Errorf("indicator sheet differs after the round trip:\n%q\n%q", i1, i2)
		}
		p1, _ := f.Svc.FindPlanByID(ctx, f.Admin, res.ID)
		p2, _ := f.Svc.FindPlanByID(ctx, f.Admin, res2.ID)
		if p1.Title != p2.Title || p1.DocNumber != p2.DocNumber || *p1.PeriodTo != *p2.PeriodTo || len(p2.Stages) != 2 ||
			p2.Stages[1].Name != p1.Stages[1].Name || *p2.Stages[1].To != *p1.Stages[1].To {
			t.Errorf("plan details differ: %+v vs %+v", p1, p2)
		}
	})
}

// TestXLSXSimpleLayout imports the documented simple layout: a header row
// naming the columns, numbering like 1 and 1.1, units in one cell, a
// deadline in words and one in a date cell.
func TestXLSXSimpleLayout(t *testing.T) {
	db := storetest.MustOpenSQLite(t)
	f := newFixture(t, db)
	ctx := context.Background()
	data := workbook(t, [][]any{
		{"2024年优化营商环境重点任务清单"},
		{"序号", "任务", "牵头单位", "责任单位", "配合单位", "完成时限", "量化指标"},
		{"1", "优化发展环境", "", "", "", "", ""},
		{"1.1", "打造公平竞争市场环境", "市发改委", "市市场监管局、市商务局", "", "6月底前", "新增民营企业10万家以上"},
		{"1.2", "强化信用体系建设", "", "市发改委", "洪山区", time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC), "信用修复办理时限 ≤ 5个工作日"},
		{"2", "常态化开展政企沟通", "", "珞南街道", "", "长期坚持", ""},
		{"", "", "", "", "", "", ""},
		{"3", "=cmd|' /C calc'!A0", "", "市宇宙局", "", "", ""},
	})
	doc, err := plan.ReadDocument("清单.xlsx", data)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Svc.Import(ctxAs(f.Admin), f.Admin, doc, plan.ImportOptions{})
	if err != nil {
		t.Fatalf("import: %v %+v", err, res)
	}
	if res.Title != "2024年优化营商环境重点任务清单" || res.Tasks != 5 || res.Indicators != 2 || res.Read != 5 {
		t.Errorf("result %+v", res)
	}
	if len(res.Unknown) != 1 || res.Unknown[0].Name != "市宇宙局" || res.Unknown[0].Row != 8 {
		t.Errorf("unknown %+v", res.Unknown)
	}
	p, _ := f.Svc.FindPlanByID(ctx, f.Admin, res.ID)
	tk := f.task(t, p, "1.1")
	if tk.DeadlineDate == nil || tk.DeadlineDate.String() != "2024-06-30" || len(tk.Indicators) != 1 || tk.Indicators[0].Target != 100000 ||
		tk.Indicators[0].Op != plan.OpGE {
		t.Errorf("task 1.1 %+v %+v", tk, tk.Indicators)
	}
	if len(tk.Units) != 3 {
		t.Errorf("units of 1.1 %+v", tk.Units)
	}
	if tk := f.task(t, p, "1.2"); tk.DeadlineDate == nil || tk.DeadlineDate.String() != "2024-12-31" || tk.Indicators[0].Op != plan.OpLE || tk.Indicators[0].Measure != "个工作日" || tk.Indicators[0].Target != 5 {
		t.Errorf("indicator of 1.2 %+v", tk.Indicators[0])
	}
	if tk := f.task(t, p, "2"); tk.DeadlineKind != plan.DeadlineContinuous {
		t.Errorf("task 2 %+v", tk)
	}
	if tk := f.task(t, p, "3"); tk.Text != "=cmd|' /C calc'!A0" {
		t.Errorf("task 3 text %q", tk.Text)
	}
	_ = workday.Date(0)
}

func TestXLSXErrors(t *testing.T) {
	db := storetest.MustOpenSQLite(t)
	f := newFixture(t, db)
	t.Run("ErrNotAWorkbook", func(t *testing.T) {
		if _, err := plan.ReadDocument("x.xlsx", []byte("PK\x03\x04 nonsense")); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("garbage: %v", err)
		}
	})
	t.Run("ErrNoHeader", func(t *testing.T) {
		wb := excelize.NewFile()
		_ = wb.SetCellStr("Sheet1", "A1", "随便写点什么")
		var buf bytes.Buffer
		_ = wb.Write(&buf)
		if _, err := plan.ReadDocument("x.xlsx", buf.Bytes()); errs.CodeOf(err) != errs.Invalid || !strings.Contains(errs.MessageOf(err), "表头") {
			t.Errorf("no header: %v", err)
		}
	})
	t.Run("ErrBadRowsReported", func(t *testing.T) {
		wb := excelize.NewFile()
		for i, r := range [][]any{{"序号", "任务", "责任单位"}, {"1", "任务一", "市发改委"}, {"甲乙", "任务二", "市发改委"}, {"1", "重复", "市发改委"}} {
			c, _ := excelize.CoordinatesToCellName(1, i+1)
			_ = wb.SetSheetRow("Sheet1", c, &r)
		}
		var buf bytes.Buffer
		_ = wb.Write(&buf)
		doc, err := plan.ReadDocument("x.xlsx", buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.Svc.Import(ctxAs(f.Admin), f.Admin, doc, plan.ImportOptions{})
		if errs.CodeOf(err) != errs.Invalid || len(res.Rejected) != 2 || res.Rejected[0].Row != 3 || res.Rejected[1].Row != 4 {
			t.Errorf("bad rows: %v %+v", err, res)
		}
		if res.Read != res.Goals+res.Tasks+res.StageItems+res.Skipped+res.RejectedItems {
			t.Errorf("read %d is not accounted for: %+v", res.Read, res)
		}
	})
}

// TestXLSXTwoRowHeader reads a 责任分解表 whose header runs over two rows,
// as offices merge it: 责任单位 over 牵头单位 | 配合单位, 序号, 重点任务 and
// 完成时限 merged down. The second row is a header, not a task.
func TestXLSXTwoRowHeader(t *testing.T) {
	data := workbook(t, [][]any{
		{"某区重点任务分解表"},
		{"序号", "重点任务", "责任单位", "", "完成时限"},
		{"", "", "牵头单位", "配合单位", ""},
		{"1", "推行企业开办“一日办结”", "区市场监管局", "区政务服务中心、区税务局", "2026年6月底前"},
		{"2", "建立惠企政策免申即享清单", "区发改局", "区财政局", "2026年9月底前"},
	}, "A2:A3", "B2:B3", "C2:D2", "E2:E3")
	doc, err := plan.ReadXLSX(data)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "某区重点任务分解表" || len(doc.Items) != 2 {
		t.Fatalf("title %q, items %+v", doc.Title, doc.Items)
	}
	it := doc.Items[0]
	if it.Text != "推行企业开办“一日办结”" || strings.Join(it.LeadUnits, ",") != "区市场监管局" || len(it.Units) != 0 ||
		strings.Join(it.CoopUnits, ",") != "区政务服务中心,区税务局" || len(it.Deadlines) != 1 || *it.Deadlines[0].Date != "2026-06-30" {
		t.Errorf("item 1 %+v", it)
	}
}

// TestXLSXAreaAndMeasures imports a 责任分解表 with an area column beside
// the measures (重点任务 | 具体措施, the area merged over its rows): each area
// is a heading with its measures under it — the measures were lost and the
// area imported as every row's task.
func TestXLSXAreaAndMeasures(t *testing.T) {
	db := storetest.MustOpenSQLite(t)
	f := newFixture(t, db)
	ctx := context.Background()
	data := workbook(t, [][]any{
		{"序号", "重点任务", "具体措施", "责任单位", "完成时限"},
		{"1", "提升政务服务效能", "推行企业开办“一日办结”", "市发改委", "2026年6月底前"},
		{"2", "", "推行“免申即享”", "市商务局", "2026年9月底前"},
		{"3", "优化法治环境", "推行“首违不罚”清单管理", "洪山区", "2026年12月底前"},
	}, "B2:B3")
	doc, err := plan.ReadDocument("清单.xlsx", data)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Svc.Import(ctxAs(f.Admin), f.Admin, doc, plan.ImportOptions{})
	if err != nil {
		t.Fatalf("import: %v %+v", err, res)
	}
	p, _ := f.Svc.FindPlanByID(ctx, f.Admin, res.ID)
	if tk := f.task(t, p, "一"); tk.Title != "提升政务服务效能" || tk.Leaf {
		t.Errorf("area 1: %+v", tk)
	}
	if tk := f.task(t, p, "一.2"); tk.Text != "推行“免申即享”" || len(tk.Units) != 1 || tk.DeadlineDate == nil || tk.DeadlineDate.String() != "2026-09-30" {
		t.Errorf("measure 1.2: %+v", tk)
	}
	if tk := f.task(t, p, "二.3"); tk.Text != "推行“首违不罚”清单管理" {
		t.Errorf("measure 2.3: %+v", tk)
	}
}

// workbook writes rows into the first sheet of a new xlsx file, with the
// ranges given (A2:A3) merged.
func workbook(t *testing.T, rows [][]any, merged ...string) []byte {
	t.Helper()
	wb := excelize.NewFile()
	defer wb.Close()
	for i, r := range rows {
		c, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := wb.SetSheetRow("Sheet1", c, &r); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range merged {
		from, to, _ := strings.Cut(m, ":")
		if err := wb.MergeCell("Sheet1", from, to); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := wb.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
