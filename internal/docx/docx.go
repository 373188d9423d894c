// Package docx writes Word documents (.docx) the office edits before
// sending them — the plan briefing, the appeals' monthly report: a zip of
// the few parts WordprocessingML needs — [Content_Types].xml,
// _rels/.rels, word/document.xml, word/styles.xml and the document's
// relationships — written here rather than with a library. Text is
// escaped as XML; headings and body use the fonts of government documents
// (黑体, 仿宋) on A4 paper.
package docx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
)

// Doc builds a document body. The zero value is usable; New returns one.
type Doc struct {
	body bytes.Buffer
}

// New returns an empty document.
func New() *Doc { return &Doc{} }

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

func (d *Doc) para(style, align, runs string) {
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
func (d *Doc) Title(s string) { d.para("Title", "center", run(s, true, 0)) }

// Sub writes a centred line under the title.
func (d *Doc) Sub(s string) { d.para("", "center", run(s, false, 0)) }

// Heading writes a section heading.
func (d *Doc) Heading(s string) { d.para("Heading1", "", run(s, true, 0)) }

// Text writes a paragraph.
func (d *Doc) Text(s string) { d.para("", "", run(s, false, 0)) }

// Table writes a table with a header row.
func (d *Doc) Table(header []string, rows [][]string) {
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

// Bytes zips the document.
func (d *Doc) Bytes() ([]byte, error) {
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
