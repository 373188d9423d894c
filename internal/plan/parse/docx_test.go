package parse

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"testing"
)

// docxOf builds a .docx from the body of word/document.xml.
func docxOf(t *testing.T, body string) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, err := z.Create("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body + `</w:body></w:document>`))
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func cellXML(text, props string) string {
	return `<w:tc><w:tcPr>` + props + `</w:tcPr><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:tc>`
}

func TestDOCXMergedCells(t *testing.T) {
	row := func(cells ...string) string { return "<w:tr>" + strings.Join(cells, "") + "</w:tr>" }
	plain := func(s string) string { return cellXML(s, "") }
	body := `<w:p><w:r><w:t>某区2024年营商环境重点任务清单</w:t></w:r></w:p><w:tbl>` +
		row(plain("序号"), plain("领域"), plain("改革任务"), plain("牵头单位"), plain("配合单位"), plain("完成时限")) +
		row(plain("1"), cellXML("政务服务", `<w:vMerge w:val="restart"/>`), plain("推出主题套餐服务30项"), cellXML("区行政审批局", `<w:vMerge w:val="restart"/>`), plain("区数据局"), plain("2024年6月")) +
		row(plain("2"), cellXML("", `<w:vMerge/>`), plain("推行帮办代办服务"), cellXML("", `<w:vMerge/>`), plain("各街道办事处"), plain("长期坚持")) +
		row(plain("3"), plain("要素保障"), plain("组织政银企对接活动不少于6场"), cellXML("区金融服务中心", `<w:gridSpan w:val="2"/>`), plain("每季度")) +
		`</w:tbl>`
	p, err := Parse(context.Background(), "t.docx", docxOf(t, body), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for i := range p.Items {
		got[pathString(p.Items[i].Path)] = p.Items[i].Heading + " | " + unitRoles(&p.Items[i]) + " | " + deadlineStrings(p.Items[i].Deadlines)
	}
	want := map[string]string{
		"1":   "政务服务 |  | ",
		"1.1": "推出主题套餐服务30项 | lead:区行政审批局 coop:区数据局 | 2024年6月 date 2024-06-30",
		"1.2": "推行帮办代办服务 | lead:区行政审批局 coop:各街道办事处 | 长期坚持 continuous -",
		"2":   "要素保障 |  | ",
		"2.3": "组织政银企对接活动不少于6场 | lead:区金融服务中心 | 每季度 recurring -",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
	if len(p.Items) != len(want) {
		t.Errorf("%d items: %v", len(p.Items), got)
	}
}
