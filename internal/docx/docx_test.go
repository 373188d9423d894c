package docx_test

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/docx"
)

// TestBytes checks that a document opens as a zip whose word/document.xml
// holds the title, the escaped text and the table's cells.
func TestBytes(t *testing.T) {
	d := docx.New()
	d.Title("月度简报")
	d.Sub("2026年9月")
	d.Heading("一、总体情况")
	d.Text("受理 <12> 件 & 办结\n第二行")
	d.Table([]string{"单位", "得分"}, [][]string{{"市场监管局", "98.5"}})
	data, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		parts[f.Name] = string(b)
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml", "word/_rels/document.xml.rels"} {
		if _, ok := parts[name]; !ok {
			t.Errorf("missing part %s", name)
		}
	}
	doc := parts["word/document.xml"]
	for _, want := range []string{"月度简报", "2026年9月", "受理 &lt;12&gt; 件 &amp; 办结", "<w:br/>", "第二行", "市场监管局", "98.5", `w:val="Title"`} {
		if !strings.Contains(doc, want) {
			t.Errorf("document.xml lacks %q", want)
		}
	}
}
