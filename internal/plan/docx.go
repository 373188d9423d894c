package plan

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
)

// The briefing as a Word document (.docx) the office edits before sending
// it: a zip of the few parts WordprocessingML needs — [Content_Types].xml,
// _rels/.rels, word/document.xml, word/styles.xml and the document's
// relationships — written here rather than with a library. Text is
// escaped as XML; headings and body use the fonts of government documents
// (黑体, 仿宋) on A4 paper.

// docx builds a document body.
type docx struct {
	body bytes.Buffer
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// run writes a text run; bold and size (half-points, 0 for the style's).
func run(text string, bold bool, size int) string {
	var rp strings.Builder
	if bold {
		rp.WriteString("<w:b/>")
	}
	if size > 0 {
		fmt.Fprintf(&rp, `<w:sz w:val="%d"/><w:szCs w:val="%d"/>`, size, size)
	}
	props := ""
	if rp.Len() > 0 {
		props = "<w:rPr>" + rp.String() + "</w:rPr>"
	}
	// Line breaks inside a text become <w:br/>.
	parts := strings.Split(text, "\n")
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString("<w:r>" + props + "<w:br/></w:r>")
		}
		b.WriteString(`<w:r>` + props + `<w:t xml:space="preserve">` + esc(p) + `</w:t></w:r>`)
	}
	return b.String()
}

func (d *docx) para(style, align, runs string) {
	d.body.WriteString("<w:p><w:pPr>")
	if style != "" {
		d.body.WriteString(`<w:pStyle w:val="` + style + `"/>`)
	}
	if align != "" {
		d.body.WriteString(`<w:jc w:val="` + align + `"/>`)
	}
	d.body.WriteString("</w:pPr>" + runs + "</w:p>")
}

// Title writes the document's title, centred.
func (d *docx) Title(s string) { d.para("Title", "center", run(s, true, 0)) }

// Sub writes a centred line under the title.
func (d *docx) Sub(s string) { d.para("", "center", run(s, false, 0)) }

// Heading writes a section heading.
func (d *docx) Heading(s string) { d.para("Heading1", "", run(s, true, 0)) }

// Text writes a paragraph.
func (d *docx) Text(s string) { d.para("", "", run(s, false, 0)) }

// Table writes a table with a header row.
func (d *docx) Table(header []string, rows [][]string) {
	d.body.WriteString(`<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/>` +
		`<w:tblBorders><w:top w:val="single" w:sz="4"/><w:left w:val="single" w:sz="4"/><w:bottom w:val="single" w:sz="4"/>` +
		`<w:right w:val="single" w:sz="4"/><w:insideH w:val="single" w:sz="4"/><w:insideV w:val="single" w:sz="4"/></w:tblBorders></w:tblPr>`)
	row := func(cells []string, bold bool) {
		d.body.WriteString("<w:tr>")
		for _, c := range cells {
			d.body.WriteString(`<w:tc><w:tcPr><w:tcW w:w="0" w:type="auto"/></w:tcPr><w:p>` + run(c, bold, 21) + `</w:p></w:tc>`)
		}
		d.body.WriteString("</w:tr>")
	}
	row(header, true)
	for _, r := range rows {
		row(r, false)
	}
	d.body.WriteString("</w:tbl>")
	d.para("", "", "")
}

const docxContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
</Types>`

const docxRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>`

const docxDocRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>`

const docxStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="FangSong" w:cs="Times New Roman"/>
<w:sz w:val="28"/><w:szCs w:val="28"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="420" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="center"/><w:spacing w:after="240"/></w:pPr>
<w:rPr><w:rFonts w:eastAsia="SimHei"/><w:sz w:val="40"/><w:szCs w:val="40"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr>
<w:rPr><w:rFonts w:eastAsia="SimHei"/><w:sz w:val="30"/><w:szCs w:val="30"/></w:rPr></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/></w:style>
</w:styles>`

// bytes zips the document.
func (d *docx) bytes() ([]byte, error) {
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + d.body.String() +
		`<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>` +
		`</w:body></w:document>`
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, part := range []struct{ name, body string }{
		{"[Content_Types].xml", docxContentTypes}, {"_rels/.rels", docxRels}, {"word/_rels/document.xml.rels", docxDocRels},
		{"word/document.xml", doc}, {"word/styles.xml", docxStyles},
	} {
		w, err := z.Create(part.name)
		if err != nil {
			return nil, errs.Wrap(err, "write docx")
		}
		if _, err := w.Write([]byte(part.body)); err != nil {
			return nil, errs.Wrap(err, "write docx")
		}
	}
	if err := z.Close(); err != nil {
		return nil, errs.Wrap(err, "write docx")
	}
	return buf.Bytes(), nil
}

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
	var d docx
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
	return d.bytes()
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
