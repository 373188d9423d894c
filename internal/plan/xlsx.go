package plan

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/plan/parse"
	"github.com/qinqing/qinqing/internal/sheet"
	"github.com/qinqing/qinqing/internal/workday"
)

// The 责任分解表 workbook. Sheet 1 (责任分解表) has a title row, a line of
// details, the header row (frozen, repeated on every printed page) and one
// row per goal and task in document order: 序号 (the numbering as written),
// one column per level of the tree with the level's marker and title —
// each heading merged down over the rows of its sub-tasks, a leaf merged
// across the deeper levels —, 任务内容, 牵头单位, 责任单位, 配合单位, 完成时限,
// 量化指标, 状态 (the light, coloured by conditional formats) and 最新进展.
// It prints on A4 landscape, fitted to the page width. Sheet 2 (量化指标)
// lists every indicator with its target, baseline, interim targets, owner
// and latest actual value; sheet 3 (方案信息) the plan's details, settings
// and stages. Every text cell passes through sheet.Escape; numbers are
// numbers. ReadXLSX reads this layout back, and the simple layout: one
// sheet whose header row names 序号, 任务 (任务内容), 牵头单位, 责任单位,
// 配合单位, 完成时限 and 量化指标 (any subset, in any order).

const (
	sheetTasks      = "责任分解表"
	sheetIndicators = "量化指标"
	sheetInfo       = "方案信息"
)

var levelNames = []string{"一级", "二级", "三级", "四级", "五级", "六级", "七级", "八级", "九级", "十级", "十一级", "十二级"}

// ExportXLSX writes plan id's 责任分解表 as an xlsx workbook. Who may call
// it: as FindPlanByID. Errors: as FindPlanByID; Internal.
func (s *Service) ExportXLSX(ctx context.Context, a *auth.Actor, id int64) ([]byte, error) {
	sh, err := s.FindSheet(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return writeXLSX(sh, s.today(), s.cal)
}

func writeXLSX(sh *Sheet, today workday.Date, cal *workday.Calendar) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheetTasks); err != nil {
		return nil, errs.Wrap(err, "name sheet")
	}
	if err := writeTaskSheet(f, sh, today); err != nil {
		return nil, errs.Wrap(err, "write 责任分解表")
	}
	if _, err := f.NewSheet(sheetIndicators); err != nil {
		return nil, errs.Wrap(err, "add sheet")
	}
	if err := writeIndicatorSheet(f, sh, today, cal); err != nil {
		return nil, errs.Wrap(err, "write indicators")
	}
	if _, err := f.NewSheet(sheetInfo); err != nil {
		return nil, errs.Wrap(err, "add sheet")
	}
	if err := writeInfoSheet(f, sh.Plan); err != nil {
		return nil, errs.Wrap(err, "write plan details")
	}
	f.SetActiveSheet(0)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, errs.Wrap(err, "write xlsx")
	}
	return buf.Bytes(), nil
}

func cell(col, row int) string {
	c, _ := excelize.CoordinatesToCellName(col, row)
	return c
}

// setText writes a text cell, escaped against formula injection.
func setText(f *excelize.File, name string, col, row int, v string) error {
	return f.SetCellStr(name, cell(col, row), sheet.Escape(v))
}

func writeTaskSheet(f *excelize.File, sh *Sheet, today workday.Date) error {
	p := sh.Plan
	depth := max(sh.Depth, 1)
	// Columns: 序号, the levels, then the rest.
	cols := []string{"序号"}
	for i := 0; i < depth; i++ {
		cols = append(cols, levelNames[min(i, len(levelNames)-1)])
	}
	rest := []string{"任务内容", "牵头单位", "责任单位", "配合单位", "完成时限", "节点", "量化指标", "状态", "最新进展"}
	cols = append(cols, rest...)
	last := len(cols)
	cContent := depth + 2
	widths := map[string]float64{"序号": 9, "任务内容": 38, "牵头单位": 12, "责任单位": 14, "配合单位": 10, "完成时限": 12, "节点": 16,
		"量化指标": 20, "状态": 7, "最新进展": 22}
	const name = sheetTasks
	title, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16, Family: "SimHei"},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	sub, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Size: 10, Color: "555555"}, Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center"}})
	border := []excelize.Border{{Type: "left", Color: "999999", Style: 1}, {Type: "right", Color: "999999", Style: 1},
		{Type: "top", Color: "999999", Style: 1}, {Type: "bottom", Color: "999999", Style: 1}}
	head, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DCE6F1"}},
		Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	body, _ := f.NewStyle(&excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	center, _ := f.NewStyle(&excelize.Style{Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	heading, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: border, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})

	if err := setText(f, name, 1, 1, "《"+p.Title+"》责任分解表"); err != nil {
		return err
	}
	info := []string{}
	if p.DocNumber != "" {
		info = append(info, "文号："+p.DocNumber)
	}
	if p.Issuer != "" {
		info = append(info, "发文机关："+p.Issuer)
	}
	info = append(info, "状态："+string(p.Status), "导出日期："+today.Chinese(), "状态灯：滞后（红）预警（黄）正常（绿）已完成（蓝）")
	if err := setText(f, name, 1, 2, strings.Join(info, "　")); err != nil {
		return err
	}
	for _, r := range [][2]string{{cell(1, 1), cell(last, 1)}, {cell(1, 2), cell(last, 2)}} {
		if err := f.MergeCell(name, r[0], r[1]); err != nil {
			return err
		}
	}
	_ = f.SetCellStyle(name, cell(1, 1), cell(last, 1), title)
	_ = f.SetCellStyle(name, cell(1, 2), cell(last, 2), sub)
	_ = f.SetRowHeight(name, 1, 30)
	const header = 3
	for i, c := range cols {
		if err := setText(f, name, i+1, header, c); err != nil {
			return err
		}
		w, ok := widths[c]
		if !ok {
			w = 13
		}
		colName, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(name, colName, colName, w); err != nil {
			return err
		}
	}
	_ = f.SetCellStyle(name, cell(1, header), cell(last, header), head)
	// Rows, and for each row the last row of its subtree.
	first := header + 1
	rows := sh.Rows
	end := make([]int, len(rows))
	for i := range rows {
		end[i] = i
		for j := i + 1; j < len(rows) && isUnder(rows[j].Path, rows[i].Path); j++ {
			end[i] = j
		}
	}
	for i, r := range rows {
		row := first + i
		d := len(r.Path)
		if err := setText(f, name, 1, row, r.Numbering); err != nil {
			return err
		}
		label := strings.TrimSpace(r.Marker + " " + r.Title)
		if err := setText(f, name, 1+d, row, label); err != nil {
			return err
		}
		if err := setText(f, name, cContent, row, r.Text); err != nil {
			return err
		}
		for k, units := range [][]string{r.Lead, r.Resp, r.Assist} {
			if err := setText(f, name, cContent+1+k, row, strings.Join(units, "、")); err != nil {
				return err
			}
		}
		if err := setText(f, name, cContent+4, row, r.Deadline); err != nil {
			return err
		}
		var ms []string
		for _, m := range r.Milestones {
			ms = append(ms, milestoneLine(m))
		}
		if err := setText(f, name, cContent+5, row, strings.Join(ms, "\n")); err != nil {
			return err
		}
		var inds []string
		for _, ind := range r.Indicators {
			inds = append(inds, indicatorLine(ind))
		}
		if err := setText(f, name, cContent+6, row, strings.Join(inds, "\n")); err != nil {
			return err
		}
		if r.Task != nil {
			if err := setText(f, name, cContent+7, row, string(r.Task.Light)); err != nil {
				return err
			}
			latest := r.Task.LatestText
			if r.Task.Progress != nil {
				latest = fmt.Sprintf("%d%%｜%s", *r.Task.Progress, latest)
			}
			if err := setText(f, name, cContent+8, row, latest); err != nil {
				return err
			}
		}
		_ = f.SetCellStyle(name, cell(1, row), cell(last, row), body)
		_ = f.SetCellStyle(name, cell(1, row), cell(1, row), center)
		_ = f.SetCellStyle(name, cell(cContent+7, row), cell(cContent+7, row), center)
		if end[i] > i {
			// A heading: its level cell runs down over its subtree.
			if err := f.MergeCell(name, cell(1+d, row), cell(1+d, first+end[i])); err != nil {
				return err
			}
			_ = f.SetCellStyle(name, cell(1+d, row), cell(1+d, first+end[i]), heading)
		} else if d < depth {
			// A leaf: its level cell runs across the deeper levels.
			if err := f.MergeCell(name, cell(1+d, row), cell(1+depth, row)); err != nil {
				return err
			}
		}
	}
	lastRow := max(first+len(rows)-1, first)
	// The light, in colour.
	lightCol, _ := excelize.ColumnNumberToName(cContent + 7)
	ref := fmt.Sprintf("%s%d:%s%d", lightCol, first, lightCol, lastRow)
	var formats []excelize.ConditionalFormatOptions
	for _, lc := range []struct {
		l        Light
		fill, fg string
	}{{LightLate, "F8CBAD", "9C0006"}, {LightWarn, "FFEB9C", "7F6000"}, {LightOK, "C6EFCE", "006100"}, {LightDone, "BDD7EE", "1F4E78"}} {
		st, err := f.NewConditionalStyle(&excelize.Style{Font: &excelize.Font{Color: lc.fg, Bold: true},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{lc.fill}}})
		if err != nil {
			return err
		}
		formats = append(formats, excelize.ConditionalFormatOptions{Type: "cell", Criteria: "==", Format: &st, Value: `"` + string(lc.l) + `"`})
	}
	if err := f.SetConditionalFormat(name, ref, formats); err != nil {
		return err
	}
	if err := f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: header, TopLeftCell: cell(1, first), ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	size, orient, fitW, fitH := 9, "landscape", 1, 0 // 9: A4
	if err := f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: &size, Orientation: &orient, FitToWidth: &fitW, FitToHeight: &fitH}); err != nil {
		return err
	}
	fit := true
	if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	m := 0.4
	if err := f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{Left: &m, Right: &m, Top: &m, Bottom: &m}); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$%d:$%d", name, header, header), Scope: name})
}

// isUnder reports whether path is below parent.
func isUnder(path, parent []int) bool {
	if len(path) <= len(parent) {
		return false
	}
	for i := range parent {
		if path[i] != parent[i] {
			return false
		}
	}
	return true
}

// milestoneLine writes a milestone as the 节点 column shows it and
// parseMilestoneLine reads it: 2024年6月30日：出台办法.
func milestoneLine(m Milestone) string {
	if m.Due == nil {
		return m.Title
	}
	return m.Due.Chinese() + "：" + m.Title
}

// parseMilestoneLine reads a line of the 节点 column.
func parseMilestoneLine(s string) (DocMilestone, bool) {
	ds, title, ok := strings.Cut(s, "：")
	if !ok {
		ds, title, ok = strings.Cut(s, ":")
	}
	if !ok {
		return DocMilestone{}, false
	}
	d, err := workday.ParseDate(strings.TrimSpace(ds))
	if err != nil || strings.TrimSpace(title) == "" {
		return DocMilestone{}, false
	}
	return DocMilestone{Title: strings.TrimSpace(title), Date: d.String()}, true
}

// indicatorLine writes an indicator as the 量化指标 column shows it and
// parseIndicatorLine reads it: 新增民营企业 ≥ 10万家.
func indicatorLine(ind *Indicator) string {
	return ind.Name + " " + ind.Op.Symbol() + " " + FormatQuantity(ind.Target, ind.Measure)
}

var indicatorHeader = []string{"序号", "所属序号", "所属任务或目标", "指标名称", "方向", "目标值", "计量单位", "基线值", "目标时限", "阶段目标",
	"责任单位", "最新实际值", "统计日期", "完成情况", "原文"}

func writeIndicatorSheet(f *excelize.File, sh *Sheet, today workday.Date, cal *workday.Calendar) error {
	const name = sheetIndicators
	head, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DCE6F1"}},
		Alignment: &excelize.Alignment{Horizontal: "center", WrapText: true}})
	for i, h := range indicatorHeader {
		if err := setText(f, name, i+1, 1, h); err != nil {
			return err
		}
	}
	_ = f.SetCellStyle(name, cell(1, 1), cell(len(indicatorHeader), 1), head)
	for i, w := range []float64{6, 12, 24, 26, 6, 12, 9, 10, 14, 30, 16, 12, 13, 30, 30} {
		c, _ := excelize.ColumnNumberToName(i + 1)
		_ = f.SetColWidth(name, c, c, w)
	}
	titles := map[string]string{}
	for _, r := range sh.Rows {
		t := r.Title
		if t == "" {
			t = firstRunes(r.Text, 20)
		}
		titles[r.Numbering] = t
	}
	row := 2
	for _, r := range sh.Rows {
		for _, ind := range r.Indicators {
			var targets []string
			for _, t := range ind.Targets {
				targets = append(targets, t.Due.Chinese()+"："+ExactNumber(t.Value))
			}
			track := ind.Track(cal, today, sh.Plan.Settings.FarBehindPct)
			vals := []any{row - 1, r.Numbering, titles[r.Numbering], ind.Name, ind.Op.Symbol(), ind.Target, ind.Measure, ind.Base,
				dateChinese(ind.Due), strings.Join(targets, "；"), ind.OwnerName, ind.Actual, dateChinese(ind.ActualOn), "", ind.Text}
			if sh.Plan.Status != StatusDraft {
				vals[13] = track.Words
			}
			for c, v := range vals {
				var err error
				switch x := v.(type) {
				case int:
					err = f.SetCellInt(name, cell(c+1, row), int64(x))
				case float64:
					err = f.SetCellFloat(name, cell(c+1, row), x, -1, 64)
				case *float64:
					if x != nil {
						err = f.SetCellFloat(name, cell(c+1, row), *x, -1, 64)
					}
				case string:
					err = setText(f, name, c+1, row, x)
				}
				if err != nil {
					return err
				}
			}
			row++
		}
	}
	return f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

func dateChinese(d *workday.Date) string {
	if d == nil {
		return ""
	}
	return d.Chinese()
}

func writeInfoSheet(f *excelize.File, p *Plan) error {
	const name = sheetInfo
	w := p.Settings.Weights
	kv := [][2]string{
		{"方案名称", p.Title}, {"文号", p.DocNumber}, {"发文机关", p.Issuer}, {"成文日期", dateChinese(p.IssuedOn)},
		{"起始日期", dateChinese(p.PeriodFrom)}, {"截止日期", dateChinese(p.PeriodTo)}, {"牵头处室", p.OwnerUnit},
		{"报送周期", string(p.Settings.Cadence)}, {"报送日（工作日）", strconv.Itoa(p.Settings.DueWorkday)},
		{"提前提醒（工作日）", strconv.Itoa(p.Settings.RemindWorkdays)}, {"预警（工作日）", strconv.Itoa(p.Settings.WarnWorkdays)},
		{"严重落后（%）", strconv.Itoa(p.Settings.FarBehindPct)},
		{"排名权重", fmt.Sprintf("按时报送 %s；任务正常 %s；指标达成 %s；督办按时回复 %s", plain(w.Reporting), plain(w.Tasks), plain(w.Indicators), plain(w.Notices))},
	}
	for i, r := range kv {
		if err := setText(f, name, 1, i+1, r[0]); err != nil {
			return err
		}
		if err := setText(f, name, 2, i+1, r[1]); err != nil {
			return err
		}
	}
	row := len(kv) + 2
	for i, h := range []string{"阶段", "起始日期", "截止日期", "说明"} {
		if err := setText(f, name, i+1, row, h); err != nil {
			return err
		}
	}
	for _, st := range p.Stages {
		row++
		for i, v := range []string{st.Name, dateChinese(st.From), dateChinese(st.To), st.Text} {
			if err := setText(f, name, i+1, row, v); err != nil {
				return err
			}
		}
	}
	_ = f.SetColWidth(name, "A", "A", 18)
	_ = f.SetColWidth(name, "B", "B", 60)
	_ = f.SetColWidth(name, "C", "D", 16)
	return nil
}

// ---- Reading ----

// ReadDocument reads a plan file by its name's extension: .json (the
// parser's or the export's JSON) or .xlsx (a 责任分解表). Errors: Invalid,
// TooLarge.
func ReadDocument(name string, data []byte) (*Document, error) {
	var d *Document
	var err error
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		d, err = DecodeDocument(bytes.NewReader(data))
	case ".xlsx":
		d, err = ReadXLSX(data)
	default:
		return nil, errs.Errorf(errs.Invalid, "只能导入 .xlsx（责任分解表）或 .json（解析结果）文件，而不是“%s”", filepath.Base(name))
	}
	if err != nil {
		return nil, err
	}
	d.Source = name
	if d.Title == "" && d.PlanTitle == "" {
		d.Title = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	}
	return d, nil
}

// header names of the columns the reader knows, by what they hold.
var (
	hNumber    = []string{"序号", "编号", "任务编号", "序列号"}
	hContent   = []string{"任务内容", "具体措施", "具体任务", "工作任务", "重点任务", "主要任务", "工作内容", "任务", "项目内容", "工作措施", "措施", "事项", "内容", "具体举措", "工作举措", "主要举措", "举措", "主要内容"}
	hLead      = []string{"牵头单位", "牵头部门", "牵头责任单位", "主责单位"}
	hResp      = []string{"责任单位", "责任部门", "承办单位", "主办单位", "实施单位", "责任主体"}
	hCoop      = []string{"配合单位", "协办单位", "配合部门", "协同单位", "参与单位"}
	hDeadline  = []string{"完成时限", "完成时间", "时间节点", "时限", "完成期限", "进度安排", "时间安排"}
	hIndicator = []string{"量化指标", "指标", "考核指标", "目标任务", "目标"}
	hMilestone = []string{"节点", "时间节点安排", "阶段节点", "里程碑"}
	levelRE    = regexp.MustCompile(`^(?:[一二三四五六七八九十]+级|第\d+级)(?:任务|标题)?$`)
)

func headerIndex(names []string, h string) bool {
	for _, n := range names {
		if h == n {
			return true
		}
	}
	return false
}

// layout is where the columns of a task sheet are (0-based, -1: absent).
type layout struct {
	row                                                int // 0-based header row
	first                                              int // 0-based first data row
	number, content, lead, resp, coop, deadline, indic int
	milestone                                          int
	// area is a column naming the area the row's task belongs to
	// (重点任务 beside 具体措施): each area becomes a heading item.
	area   int
	levels []int
}

func findLayout(rows [][]string) (*layout, bool) {
	for r := 0; r < len(rows) && r < 12; r++ {
		l := &layout{row: r, first: r + 1, number: -1, content: -1, lead: -1, resp: -1, coop: -1, deadline: -1, indic: -1, milestone: -1, area: -1}
		measures := -1
		known := 0
		for c, raw := range rows[r] {
			h := headerName(raw)
			switch {
			case headerIndex(hNumber, h) && l.number < 0:
				l.number = c
			case levelRE.MatchString(h):
				l.levels = append(l.levels, c)
			case headerIndex(hLead, h) && l.lead < 0:
				l.lead = c
			case headerIndex(hResp, h) && l.resp < 0:
				l.resp = c
			case headerIndex(hCoop, h) && l.coop < 0:
				l.coop = c
			case headerIndex(hDeadline, h) && l.deadline < 0:
				l.deadline = c
			case headerIndex(hIndicator, h) && l.indic < 0:
				l.indic = c
			case headerIndex(hMilestone, h) && l.milestone < 0:
				l.milestone = c
			case headerIndex(hContent, h) && l.content < 0:
				l.content = c
			case headerIndex(hContent, h) && measures < 0:
				measures = c
				continue
			default:
				continue
			}
			known++
		}
		if measures >= 0 && len(l.levels) == 0 && parse.MeasuresUnder(headerName(rows[r][l.content]), headerName(rows[r][measures])) {
			l.area, l.content = l.content, measures
		}
		if known >= 2 && (l.content >= 0 || len(l.levels) > 0) {
			if r+1 < len(rows) {
				l.subHeader(rows[r], rows[r+1])
			}
			return l, true
		}
	}
	return nil, false
}

// headerName is a header cell as the reader compares it: without spaces
// and line breaks, brackets in ASCII.
func headerName(raw string) string {
	return strings.NewReplacer(" ", "", "\u3000", "", "\n", "", "（", "(", "）", ")").Replace(strings.TrimSpace(raw))
}

// subHeader reads a second header row under the header: 责任单位 merged
// over 牵头单位 | 配合单位. It counts when it names unit or deadline columns
// and nothing else (a cell repeating the header above it is a header
// merged over both rows); the data then start below it.
func (l *layout) subHeader(head, sub []string) {
	cols := map[*int]int{}
	for c, raw := range sub {
		h := headerName(raw)
		if h == "" || c < len(head) && h == headerName(head[c]) {
			continue
		}
		switch {
		case headerIndex(hLead, h):
			cols[&l.lead] = c
		case headerIndex(hResp, h):
			cols[&l.resp] = c
		case headerIndex(hCoop, h):
			cols[&l.coop] = c
		case headerIndex(hDeadline, h):
			cols[&l.deadline] = c
		default:
			return // a data row
		}
	}
	if len(cols) == 0 {
		return
	}
	named := map[int]bool{}
	for _, c := range cols {
		named[c] = true
	}
	for _, p := range []*int{&l.lead, &l.resp, &l.coop, &l.deadline} {
		if c, ok := cols[p]; ok {
			*p = c
		} else if named[*p] {
			*p = -1 // the merged header's column, now named below
		}
	}
	l.first++
}

func at(row []string, c int) string {
	if c < 0 || c >= len(row) {
		return ""
	}
	return strings.TrimSpace(sheet.Unescape(row[c]))
}

// splitUnits splits a cell of unit names on 、，,；; and line breaks.
func splitUnits(s string) []string {
	out := []string{}
	for _, p := range strings.FieldsFunc(s, func(r rune) bool {
		return r == '、' || r == '，' || r == ',' || r == '；' || r == ';' || r == '\n' || r == '/' || r == '　'
	}) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var markerRE = regexp.MustCompile(`^(?:[(（][一二三四五六七八九十百零〇0-9]+[)）]|[一二三四五六七八九十百零〇]+[、.．]|[0-9]+[、.．]|[①-⑳])`)

// splitLabel splits a level cell "1. 打造公平竞争市场环境" into its marker
// and title.
func splitLabel(s string) (string, string) {
	s = strings.TrimSpace(s)
	if m := markerRE.FindString(s); m != "" {
		return m, strings.TrimSpace(s[len(m):])
	}
	// A bare number before a space: "一 工作目标".
	if m, rest, ok := strings.Cut(s, " "); ok {
		if _, isNum := segmentNumber(m); isNum {
			return m, strings.TrimSpace(rest)
		}
	}
	return "", s
}

// xlsxOptions bound what a workbook may expand to.
func openXLSX(data []byte) (*excelize.File, error) {
	if len(data) > MaxDocument {
		return nil, errs.Errorf(errs.TooLarge, "文件过大（超过 %d MB）", MaxDocument>>20)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 256 << 20, UnzipXMLSizeLimit: 64 << 20})
	if err != nil {
		return nil, &errs.Error{Code: errs.Invalid, Message: "无法读取 Excel 文件：请确认是 .xlsx 格式（不是 .xls）且未加密", Err: err}
	}
	return f, nil
}

// ReadXLSX reads a 责任分解表 workbook (the layout ExportXLSX writes or the
// simple layout) into a Document. Problems with a row (an unreadable
// numbering, an indicator without a number) are carried to Import, which
// reports them with their rows. Errors: Invalid (not a workbook, no sheet
// with a recognisable header), TooLarge.
func ReadXLSX(data []byte) (doc *Document, err error) {
	defer func() {
		// A malformed workbook must not take the process down.
		if p := recover(); p != nil {
			doc, err = nil, &errs.Error{Code: errs.Invalid, Message: "无法读取 Excel 文件：文件内容损坏", Err: fmt.Errorf("%v", p)}
		}
	}()
	f, err := openXLSX(data)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc = &Document{Items: []DocItem{}, Warnings: []string{}}
	sheets := f.GetSheetList()
	read := func(name string) ([][]string, error) {
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, &errs.Error{Code: errs.Invalid, Message: fmt.Sprintf("无法读取工作表“%s”", name), Err: err}
		}
		if len(rows) > MaxItems+20 {
			return nil, errs.Errorf(errs.Invalid, "工作表“%s”行数过多（最多 %d 行）", name, MaxItems)
		}
		return rows, nil
	}
	// The plan's details first: the year they give resolves deadlines.
	for _, name := range sheets {
		if name == sheetInfo {
			rows, err := read(name)
			if err != nil {
				return nil, err
			}
			readInfo(rows, doc)
		}
	}
	var taskRows [][]string
	var lay *layout
	for _, name := range sheets {
		if name == sheetIndicators || name == sheetInfo {
			continue
		}
		rows, err := read(name)
		if err != nil {
			return nil, err
		}
		if l, ok := findLayout(rows); ok {
			taskRows, lay = rows, l
			break
		}
	}
	if lay == nil {
		return nil, errs.Errorf(errs.Invalid, "没有找到责任分解表：表头应包含“序号”“任务”（或“任务内容”）“牵头单位”“责任单位”“完成时限”等列")
	}
	// A title row above the header.
	if doc.Title == "" {
		for r := 0; r < lay.row; r++ {
			if t := strings.TrimSpace(at(taskRows[r], 0)); t != "" {
				t = strings.TrimSuffix(t, "责任分解表")
				t = strings.Trim(t, "《》 ")
				doc.Title = t
				break
			}
		}
	}
	year := doc.Year
	if year == 0 {
		if m := regexp.MustCompile(`(20\d{2})年`).FindStringSubmatch(doc.Title); m != nil {
			year, _ = strconv.Atoi(m[1])
		}
	}
	var stages []Stage
	for _, st := range doc.Stages {
		stages = append(stages, Stage{Name: st.Name})
	}
	index := map[string]int{} // numbering path key → item
	seq := 0
	area, areas := "", 0 // the area of the rows being read, and how many so far
	for r := lay.first; r < len(taskRows); r++ {
		row := taskRows[r]
		line := r + 1
		num := at(row, lay.number)
		content := at(row, lay.content)
		if a := at(row, lay.area); a != "" && a != area && content != "" {
			// A new area: its heading item (一、提升政务服务效能); a merged
			// cell reads empty below its first row and keeps the area.
			area, areas = a, areas+1
			it := DocItem{Path: []int{areas}, Marker: chineseNumeral(areas) + "、", Heading: a, Row: line,
				LeadUnits: []string{}, Units: []string{}, CoopUnits: []string{}, Deadlines: []DocDeadline{}, Indicators: []DocIndicator{}}
			index[pathKey(it.Path)] = len(doc.Items)
			doc.Items = append(doc.Items, it)
		}
		var label string
		var depthOfLabel int
		for i, c := range lay.levels {
			if v := at(row, c); v != "" {
				label, depthOfLabel = v, i+1
			}
		}
		if num == "" && content == "" && label == "" && at(row, lay.lead)+at(row, lay.resp)+at(row, lay.coop) == "" {
			continue
		}
		it := DocItem{Row: line, LeadUnits: splitUnits(at(row, lay.lead)), Units: splitUnits(at(row, lay.resp)),
			CoopUnits: splitUnits(at(row, lay.coop)), Deadlines: []DocDeadline{}, Indicators: []DocIndicator{}}
		var markers []string
		if num != "" {
			path, ms, ok := ParseNumbering(num)
			if !ok {
				doc.problems = append(doc.problems, Reject{Row: line, Field: "序号", Reason: fmt.Sprintf("序号“%s”无法识别（应为如 二.(一).1 或 1.2）", firstRunes(num, 20))})
				continue
			}
			it.Path, markers = path, ms
		} else {
			seq++
			it.Path = []int{seq}
		}
		if num != "" && len(it.Path) == 1 {
			seq = max(seq, it.Path[0])
		}
		if areas > 0 && len(it.Path) == 1 {
			it.Path = []int{areas, it.Path[0]} // a task under its area, numbered on across areas
		}
		marker, title := splitLabel(label)
		if label != "" && depthOfLabel != len(it.Path) && len(lay.levels) > 0 {
			doc.problems = append(doc.problems, Reject{Row: line, Field: "序号", Reason: fmt.Sprintf("序号“%s”是第 %d 级，但标题写在第 %d 级列", num, len(it.Path), depthOfLabel)})
			continue
		}
		if marker == "" && len(markers) > 0 {
			marker = markers[len(markers)-1]
		}
		it.Marker, it.Heading, it.Text = marker, title, content
		if len(lay.levels) == 0 {
			it.Heading, it.Text = "", content
		}
		if dl := at(row, lay.deadline); dl != "" {
			it.Deadlines = append(it.Deadlines, deadlineOfCell(dl, stages, year))
		}
		for _, ln := range strings.Split(at(row, lay.milestone), "\n") {
			if ln = strings.TrimSpace(ln); ln == "" {
				continue
			}
			m, ok := parseMilestoneLine(ln)
			if !ok {
				doc.problems = append(doc.problems, Reject{Row: line, Field: "节点", Reason: fmt.Sprintf("节点“%s”应写作“2024年6月30日：节点名称”", firstRunes(ln, 30))})
				continue
			}
			it.Milestones = append(it.Milestones, m)
		}
		if lay.indic >= 0 && !hasSheet(sheets, sheetIndicators) {
			for _, ln := range strings.Split(at(row, lay.indic), "\n") {
				if ln = strings.TrimSpace(ln); ln == "" {
					continue
				}
				ind, ok := parseIndicatorLine(ln)
				if !ok {
					doc.Warnings = append(doc.Warnings, fmt.Sprintf("第 %d 行：指标“%s”没有识别出目标值，未导入", line, firstRunes(ln, 30)))
					continue
				}
				it.Indicators = append(it.Indicators, ind)
			}
		}
		index[pathKey(it.Path)] = len(doc.Items)
		doc.Items = append(doc.Items, it)
	}
	if hasSheet(sheets, sheetIndicators) {
		rows, err := read(sheetIndicators)
		if err != nil {
			return nil, err
		}
		readIndicatorSheet(rows, doc, index)
	}
	return doc, nil
}

func hasSheet(sheets []string, name string) bool {
	for _, s := range sheets {
		if s == name {
			return true
		}
	}
	return false
}

var datePrefixRE = regexp.MustCompile(`^\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2})\s*[(（](.*)[)）]\s*$`)

// deadlineOfCell reads a 完成时限 cell: "2024年6月30日（6月底前）" (the date
// and the text as written), a date cell, "全年", "长期坚持", a stage's name,
// "（出台10日内）" (no date), or what ReadDeadline understands.
func deadlineOfCell(s string, stages []Stage, year int) DocDeadline {
	s = isoDate(strings.TrimSpace(s))
	if m := datePrefixRE.FindStringSubmatch(s); m != nil {
		if d, err := workday.ParseDate(strings.ReplaceAll(m[1], " ", "")); err == nil {
			ds := d.String()
			kind := "date"
			if strings.TrimSpace(m[2]) == "全年" {
				kind = "year"
			}
			return DocDeadline{Text: strings.TrimSpace(m[2]), Date: &ds, Kind: kind}
		}
	}
	if strings.HasPrefix(s, "（") && strings.HasSuffix(s, "）") || strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		inner := strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(s, "（"), "("), "）"), ")")
		return DocDeadline{Text: inner, Kind: "within"}
	}
	if stageIndex(stages, s) >= 0 {
		return DocDeadline{Text: s, Kind: "stage"}
	}
	d, kind, ok := ReadDeadline(s, year)
	switch {
	case ok && d != nil:
		ds := d.String()
		k := "date"
		if kind == DeadlineYear {
			k = "year"
		}
		text := s
		if dd, err := workday.ParseDate(s); err == nil && dd == *d {
			text = ""
		}
		return DocDeadline{Text: text, Date: &ds, Kind: k}
	case ok && kind == DeadlineContinuous:
		return DocDeadline{Text: s, Kind: "continuous"}
	}
	return DocDeadline{Text: s, Kind: "within"}
}

var opRE = regexp.MustCompile(`\s*(≥|>=|＞＝|≤|<=|＜＝|>|＞|<|＜|=|＝)\s*`)

// parseIndicatorLine reads an indicator written "名称 ≥ 10万家" (the
// export's form) or in the words of a plan ("新增民营企业10万家以上"), the
// latter through the document parser's grammar.
func parseIndicatorLine(s string) (DocIndicator, bool) {
	if loc := opRE.FindStringIndex(s); loc != nil && loc[0] > 0 {
		name := strings.TrimSpace(s[:loc[0]])
		op, _ := ParseOp(strings.TrimSpace(s[loc[0]:loc[1]]))
		v, measure, err := ParseQuantity(s[loc[1]:])
		if err == nil && name != "" {
			return DocIndicator{Text: s, Name: name, Op: string(op), Value: v, Unit: measure}, true
		}
	}
	p := parse.ParseText("1. " + s + "。")
	for _, it := range p.Items {
		for _, ind := range it.Indicators {
			return DocIndicator{Text: ind.Text, Name: ind.Name, Op: ind.Op, Value: ind.Value, Unit: ind.Unit}, true
		}
	}
	return DocIndicator{}, false
}

func readInfo(rows [][]string, doc *Document) {
	for i, row := range rows {
		k, v := at(row, 0), at(row, 1)
		switch k {
		case "方案名称":
			doc.Title = v
		case "文号":
			doc.DocNumber = v
		case "发文机关":
			doc.Issuer = v
		case "成文日期":
			doc.Date = isoDate(v)
		case "起始日期":
			doc.PeriodFrom = isoDate(v)
		case "截止日期":
			doc.PeriodTo = isoDate(v)
		case "牵头处室":
			doc.OwnerOffice = v
		case "报送周期":
			settings(doc).Cadence = v
		case "报送日（工作日）":
			settings(doc).DueWorkday = atoi(v)
		case "提前提醒（工作日）":
			settings(doc).RemindWorkdays = atoi(v)
		case "预警（工作日）":
			settings(doc).WarnWorkdays = atoi(v)
		case "严重落后（%）":
			settings(doc).FarBehindPct = atoi(v)
		case "排名权重":
			if w, ok := parseWeights(v); ok {
				settings(doc).Weights = &w
			}
		case "阶段":
			for _, sr := range rows[i+1:] {
				if name := at(sr, 0); name != "" {
					doc.Stages = append(doc.Stages, DocStage{Name: name, From: isoDate(at(sr, 1)), To: isoDate(at(sr, 2)), Text: at(sr, 3)})
				}
			}
			for _, d := range []string{doc.PeriodFrom, doc.PeriodTo, doc.Date} {
				if dd, err := workday.ParseDate(d); err == nil && doc.Year == 0 {
					doc.Year = dd.Year()
				}
			}
			return
		}
	}
}

func settings(doc *Document) *DocSettings {
	if doc.Settings == nil {
		doc.Settings = &DocSettings{}
	}
	return doc.Settings
}

func atoi(s string) *int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return nil
	}
	return &n
}

// isoDate rewrites a date written in a cell (2024年3月27日) or held by a
// date cell (its serial number, 45378) as 2024-03-27, or leaves it for
// Import to reject.
func isoDate(s string) string {
	if s == "" {
		return ""
	}
	if t, ok := sheet.SerialTime(s, workday.Shanghai); ok {
		return workday.DateOf(t).String()
	}
	if d, err := workday.ParseDate(s); err == nil {
		return d.String()
	}
	return s
}

var weightRE = regexp.MustCompile(`按时报送\s*([\d.]+)；任务正常\s*([\d.]+)；指标达成\s*([\d.]+)；督办按时回复\s*([\d.]+)`)

func parseWeights(s string) (Weights, bool) {
	m := weightRE.FindStringSubmatch(s)
	if m == nil {
		return Weights{}, false
	}
	var v [4]float64
	for i := range v {
		f, err := strconv.ParseFloat(m[i+1], 64)
		if err != nil {
			return Weights{}, false
		}
		v[i] = f
	}
	return Weights{Reporting: v[0], Tasks: v[1], Indicators: v[2], Notices: v[3]}, true
}

func readIndicatorSheet(rows [][]string, doc *Document, index map[string]int) {
	if len(rows) == 0 {
		return
	}
	col := map[string]int{}
	for c, h := range rows[0] {
		col[strings.TrimSpace(h)] = c
	}
	get := func(row []string, h string) string {
		c, ok := col[h]
		if !ok {
			return ""
		}
		return at(row, c)
	}
	for r := 1; r < len(rows); r++ {
		row := rows[r]
		line := r + 1
		where := get(row, "所属序号")
		name := get(row, "指标名称")
		if where == "" && name == "" {
			continue
		}
		path, _, ok := ParseNumbering(where)
		i, found := index[pathKey(path)]
		measure := ""
		if !ok || !found {
			doc.problems = append(doc.problems, Reject{Row: line, Field: "量化指标.所属序号",
				Reason: fmt.Sprintf("工作表“%s”第 %d 行：所属序号“%s”不是责任分解表中的条目", sheetIndicators, line, where)})
			continue
		}
		target, err := strconv.ParseFloat(get(row, "目标值"), 64)
		if err != nil {
			v, m, qerr := ParseQuantity(get(row, "目标值"))
			if qerr != nil {
				doc.problems = append(doc.problems, Reject{Row: line, Field: "量化指标.目标值",
					Reason: fmt.Sprintf("工作表“%s”第 %d 行：目标值“%s”不是数值", sheetIndicators, line, get(row, "目标值"))})
				continue
			}
			target = v
			if get(row, "计量单位") == "" {
				measure = m
			}
		}
		if u := get(row, "计量单位"); u != "" {
			measure = u
		}
		ind := DocIndicator{Name: name, Op: get(row, "方向"), Value: target, Unit: measure, Text: get(row, "原文"),
			Due: isoDate(get(row, "目标时限")), Owner: get(row, "责任单位")}
		if b := get(row, "基线值"); b != "" {
			v, err := strconv.ParseFloat(b, 64)
			if err != nil {
				doc.problems = append(doc.problems, Reject{Row: line, Field: "量化指标.基线值",
					Reason: fmt.Sprintf("工作表“%s”第 %d 行：基线值“%s”不是数值", sheetIndicators, line, b)})
				continue
			}
			ind.Baseline = &v
		}
		bad := false
		for _, part := range strings.FieldsFunc(get(row, "阶段目标"), func(r rune) bool { return r == '；' || r == ';' || r == '\n' }) {
			ds, vs, ok := strings.Cut(part, "：")
			if !ok {
				ds, vs, ok = strings.Cut(part, ":")
			}
			v, _, err := ParseQuantity(vs)
			if !ok || err != nil {
				bad = true
				break
			}
			ind.Targets = append(ind.Targets, DocTarget{Date: isoDate(strings.TrimSpace(ds)), Value: v})
		}
		if bad {
			doc.problems = append(doc.problems, Reject{Row: line, Field: "量化指标.阶段目标",
				Reason: fmt.Sprintf("工作表“%s”第 %d 行：阶段目标应写作“2024年6月30日：5万；2024年9月30日：8万”", sheetIndicators, line)})
			continue
		}
		if utf8.RuneCountInString(ind.Name) == 0 {
			ind.Name = ind.Text
		}
		doc.Items[i].Indicators = append(doc.Items[i].Indicators, ind)
	}
}

// RankingXLSX writes a ranking (比晾晒) as a workbook: one row per unit with
// its rank, score, trend and the counts behind each part of the score.
func RankingXLSX(rk *Ranking, title string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const name = "比晾晒"
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return nil, errs.Wrap(err, "name sheet")
	}
	head := []string{"名次", "单位", "得分", "上月名次", "上月得分", "应报", "已报", "按时报送", "任务数", "任务正常", "到期指标", "达到进度",
		"到期督办", "按时回复"}
	if err := setText(f, name, 1, 1, title+"（"+rk.Label+"）"); err != nil {
		return nil, errs.Wrap(err, "write ranking")
	}
	w := rk.Weights
	note := fmt.Sprintf("得分 = 100 × Σ权重×比率 ÷ Σ权重（按时报送 %s、任务正常 %s、指标达成 %s、督办按时回复 %s；无数据的项不计）",
		plain(w.Reporting), plain(w.Tasks), plain(w.Indicators), plain(w.Notices))
	if err := setText(f, name, 1, 2, note); err != nil {
		return nil, errs.Wrap(err, "write ranking")
	}
	for i, h := range head {
		if err := setText(f, name, i+1, 3, h); err != nil {
			return nil, errs.Wrap(err, "write ranking")
		}
	}
	for i, r := range rk.Rows {
		row := i + 4
		vals := []any{r.Rank, r.UnitName, r.Score, r.PrevRank, r.PrevScore, r.ReportsExpected, r.ReportsReceived, r.ReportsOnTime,
			r.TasksTotal, r.TasksOnTrack, r.IndicatorsTotal, r.IndicatorsAchieved, r.NoticesDue, r.NoticesOnTime}
		for c, v := range vals {
			var err error
			switch x := v.(type) {
			case int:
				err = f.SetCellInt(name, cell(c+1, row), int64(x))
			case *int:
				if x != nil {
					err = f.SetCellInt(name, cell(c+1, row), int64(*x))
				}
			case float64:
				err = f.SetCellFloat(name, cell(c+1, row), x, 2, 64)
			case *float64:
				if x != nil {
					err = f.SetCellFloat(name, cell(c+1, row), *x, 2, 64)
				}
			case string:
				err = setText(f, name, c+1, row, x)
			}
			if err != nil {
				return nil, errs.Wrap(err, "write ranking")
			}
		}
	}
	_ = f.SetColWidth(name, "B", "B", 28)
	_ = f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 3, TopLeftCell: "A4", ActivePane: "bottomLeft"})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, errs.Wrap(err, "write ranking")
	}
	return buf.Bytes(), nil
}
