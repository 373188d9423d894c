package parse

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	xunicode "golang.org/x/text/encoding/unicode"

	"github.com/qinqing/qinqing/internal/errs"
)

// decode turns the bytes of a document into lines. The content decides the
// format where it can (a PDF or zip signature, HTML tags), the extension
// otherwise.
func decode(ctx context.Context, name string, data []byte, opt Options) (*source, error) {
	e := ext(name)
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")) || e == "pdf":
		return decodePDF(ctx, data, opt)
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return decodeDOCX(data)
	case bytes.HasPrefix(data, []byte("\xD0\xCF\x11\xE0")):
		return nil, errs.FieldErrorf("file", "不支持旧版 Word 文档（.doc），请另存为 .docx 后上传")
	case e == "docx":
		return nil, errs.FieldErrorf("file", "文件不是有效的 .docx 文档")
	case e == "doc" || e == "wps" || e == "xls" || e == "xlsx" || e == "ofd":
		return nil, errs.FieldErrorf("file", "不支持 .%s 文件：请上传 .txt、.docx、.html 或 .pdf", e)
	}
	text, err := decodeBytes(data)
	if err != nil {
		return nil, err
	}
	if e == "html" || e == "htm" || e == "shtml" || e == "xhtml" || looksHTML(text) {
		return decodeHTML(text), nil
	}
	return decodeText(text), nil
}

// decodeBytes returns data as a string: UTF-8 (a BOM dropped), UTF-16 with a
// BOM, else GB18030 (which includes GBK and GB2312).
func decodeBytes(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")):
		data = data[3:]
	case bytes.HasPrefix(data, []byte("\xFF\xFE")), bytes.HasPrefix(data, []byte("\xFE\xFF")):
		out, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", errs.FieldErrorf("file", "无法识别文件编码")
		}
		return string(out), nil
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	gb, errGB := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	b5, errB5 := traditionalchinese.Big5.NewDecoder().Bytes(data)
	switch {
	case errGB != nil && errB5 != nil:
		return "", errs.FieldErrorf("file", "无法识别文件编码（既不是 UTF-8，也不是 GB18030/GBK 或 Big5）")
	case errGB != nil:
		return string(b5), nil
	case errB5 == nil && commonShare(b5) > commonShare(gb)+0.1:
		return string(b5), nil // Big5: its text reads as common characters, GB18030's would not
	}
	return string(gb), nil
}

// commonShare is the share of the Han characters of (the start of) a
// decoded text that are common ones — GB2312's first level once simplified
// (3,755 characters cover most running text) — and 0 for text without Han
// characters. Text decoded in the wrong double-byte encoding reads as rare
// characters and replacement marks.
func commonShare(text []byte) float64 {
	common := loadCommonHan()
	ts := loadSimplifier()
	han, ok := 0, 0
	for i, r := range string(text) {
		if i > 64<<10 {
			break
		}
		if r == utf8.RuneError {
			han++ // counts against the encoding
			continue
		}
		if !unicode.Is(unicode.Han, r) {
			continue
		}
		han++
		if t, found := ts.chars[r]; found {
			r = t
		}
		if common[r] {
			ok++
		}
	}
	if han == 0 {
		return 0
	}
	return float64(ok) / float64(han)
}

// loadCommonHan builds the set of GB2312's first-level characters (rows
// 16–55, lead bytes B0–D7) once.
var loadCommonHan = sync.OnceValue(func() map[rune]bool {
	set := make(map[rune]bool, 3800)
	dec := simplifiedchinese.GBK.NewDecoder()
	for hi := 0xB0; hi <= 0xD7; hi++ {
		for lo := 0xA1; lo <= 0xFE; lo++ {
			out, err := dec.Bytes([]byte{byte(hi), byte(lo)})
			if err != nil {
				continue
			}
			if r, _ := utf8.DecodeRune(out); r != utf8.RuneError {
				set[r] = true
			}
		}
	}
	return set
})

// looksHTML reports whether text starts like an HTML page.
func looksHTML(text string) bool {
	head := strings.ToLower(text[:min(len(text), 2048)])
	head = strings.TrimSpace(head)
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") ||
		strings.Contains(head, "<body") || (strings.HasPrefix(head, "<") && (strings.Contains(head, "<p>") || strings.Contains(head, "<div")))
}

// decodeText splits plain text into lines; rows written as "a | b | c" (a
// table copied from a page) become a table.
func decodeText(text string) *source {
	src := &source{meta: map[string]string{}}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	var table [][]string
	flush := func() {
		if len(table) > 0 {
			src.addTable(table)
			table = nil
		}
	}
	for line := range strings.SplitSeq(text, "\n") {
		if cells, ok := pipeRow(line); ok {
			if cells != nil {
				table = append(table, cells)
			}
			continue
		}
		if cells, ok := tabRow(line); ok {
			table = append(table, cells)
			continue
		}
		flush()
		src.lines = append(src.lines, line)
	}
	flush()
	return src
}

// pipeRow splits a line written as cells separated by "|". A separator row
// (---|---) returns ok with nil cells.
func pipeRow(line string) ([]string, bool) {
	if strings.Count(line, "|") < 2 {
		return nil, false
	}
	t := strings.TrimSpace(line)
	if strings.Trim(t, "|-: ") == "" {
		return nil, true
	}
	t = strings.TrimPrefix(strings.TrimSuffix(t, "|"), "|")
	parts := strings.Split(t, "|")
	cells := make([]string, 0, len(parts))
	for _, c := range parts {
		cells = append(cells, strings.TrimSpace(c))
	}
	return cells, true
}

// tabRow splits a line of three cells or more separated by tabs, as a
// table copied out of Word or Excel is pasted as text. Cells stay in their
// columns (an empty cell is ""); a line that is only indented by tabs is
// no table row.
func tabRow(line string) ([]string, bool) {
	t := strings.TrimRight(line, " \t")
	if strings.Count(strings.TrimLeft(t, " \t"), "\t") < 1 || strings.Count(t, "\t") < 2 {
		return nil, false
	}
	cells := strings.Split(t, "\t")
	for i, c := range cells {
		cells[i] = strings.TrimSpace(c)
	}
	return cells, true
}

// decodePDF extracts the text of a PDF with pdftotext (reading order, pages
// separated by form feeds).
func decodePDF(ctx context.Context, data []byte, opt Options) (*source, error) {
	bin := opt.PDFToText
	if bin == "" {
		bin = "pdftotext"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, errs.Errorf(errs.Unavailable, "无法读取 PDF：本机未安装 pdftotext（poppler-utils），请安装后重试或改传 .docx/.txt")
	}
	f, err := os.CreateTemp("", "qinqing-plan-*.pdf")
	if err != nil {
		return nil, errs.Wrap(err, "pdf temp file")
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, errs.Wrap(err, "pdf temp file")
	}
	if err := f.Close(); err != nil {
		return nil, errs.Wrap(err, "pdf temp file")
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "-enc", "UTF-8", "-eol", "unix", f.Name(), "-")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, errs.FieldErrorf("file", "无法读取 PDF：文件损坏或已加密")
		}
		return nil, errs.Wrap(err, "pdftotext")
	}
	text := out.String()
	if strings.TrimSpace(strings.ReplaceAll(text, "\f", "")) == "" {
		return nil, errs.FieldErrorf("file", "PDF 中没有可提取的文字（可能是扫描件），请上传文字版")
	}
	src := decodeText(strings.ReplaceAll(text, "\f", "\n\f\n"))
	return src, nil
}

// addTable adds a table: a metadata table (索引号 | … | 成文日期 | 2023-12-20)
// becomes metadata, a 责任分解表 (序号 | 任务 | 牵头单位 | 完成时限) becomes
// numbered lines with their unit groups, anything else becomes one line per row.
func (s *source) addTable(rows [][]string) {
	if meta := metaTable(rows); meta != nil {
		for k, v := range meta {
			if _, ok := s.meta[k]; !ok {
				s.meta[k] = v
			}
		}
		return
	}
	if lines, kinds := taskTable(rows); lines != nil {
		s.tables++
		if s.tableLines == nil {
			s.tableLines = map[int]tableLine{}
		}
		for i, l := range lines {
			s.tableLines[len(s.lines)] = tableLine{table: s.tables, kind: kinds[i]}
			s.lines = append(s.lines, l)
		}
		return
	}
	for _, r := range rows {
		var parts []string
		for _, c := range r {
			if c = strings.TrimSpace(c); c != "" {
				parts = append(parts, c)
			}
		}
		if len(parts) > 0 {
			s.lines = append(s.lines, strings.Join(parts, " "))
		}
	}
}
