package enterprise

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// importSeeds are import files of the genre: the export layout, Chinese
// headers, money with units, the common real-world cells and mistakes.
var importSeeds = []string{
	"uscc,name,employees,revenue,founded,district,industry,tags\n91420102MA4K00010N,武汉测试科技有限公司,12,500万,2019-03-01,420102,C3911,高新技术企业;专精特新\n",
	"统一社会信用代码,企业名称,市场主体类型,营业收入（万元）,成立日期,所属区,街道\n91420106MA4K00029D,\"带,逗号的\"\"名称\"\"\",有限责任公司,1.2亿,2020年1月2日,武昌区,水果湖街道\n",
	"\xef\xbb\xbfuscc,name\n91420111MA4K00037F,=1+2\n,\n,,,,\n",
	"uscc,name,registered_capital\n91420102MA4K000459,名称\x00,-5\n91420102MA4K000459,重复,1e9\n",
	"uscc,name\n\"91420102MA4K00010N,\"未闭合\n",
	"uscc,name,street\n91420102MA4K00010N,\"武汉\n科技\",关山街道\n91420106MA4K00029D,光谷\u202e科技,\x7f\n",
	"name\n只有名称\n",
	"",
}

// checkRows checks what an import may emit: an accepted row is a valid
// enterprise, a rejected row says why in Chinese; a refused file is an
// Invalid error.
func checkRows(t *testing.T, data []byte, read func(emit emitFunc) error) {
	t.Helper()
	err := read(func(e *Enterprise, line int, bad []RowError, _ int) error {
		if len(bad) > 0 {
			for _, b := range bad {
				if b.Reason == "" || !utf8.ValidString(b.Reason) || b.Line != line {
					t.Fatalf("%q: rejected row %d with %+v", data, line, b)
				}
			}
			return nil
		}
		if e == nil {
			t.Fatalf("%q: row %d neither accepted nor rejected", data, line)
		}
		if code, err := ParseUSCC(e.USCC); err != nil || code != e.USCC {
			t.Fatalf("%q: row %d accepted with credit code %q (%v)", data, line, e.USCC, err)
		}
		for _, s := range append([]string{e.Name}, texts(e)...) {
			if !cleanText(s) {
				t.Fatalf("%q: row %d accepted with text %q", data, line, s)
			}
		}
		if e.Name == "" {
			t.Fatalf("%q: row %d accepted without a name", data, line)
		}
		if e.Employees != nil && *e.Employees < 0 { // amounts of money may be negative (ParseMoney)
			t.Fatalf("%q: row %d accepted with %d employees", data, line, *e.Employees)
		}
		return nil
	})
	if err != nil && errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("%q: error %v is not invalid", data, err)
	}
}

// texts returns the text fields of e that came from the file.
func texts(e *Enterprise) []string {
	var out []string
	for _, p := range []*string{e.KindText, e.Street, e.Industry, e.District} {
		if p != nil {
			out = append(out, *p)
		}
	}
	return append(out, e.Tags...)
}

// cleanText reports whether s is what a one-line text field may hold:
// valid UTF-8 without control characters or direction overrides.
func cleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' {
			return false
		}
	}
	return true
}

// FuzzImportCSV feeds CSV files to the import's reader and row parser.
func FuzzImportCSV(f *testing.F) {
	for _, s := range importSeeds {
		f.Add([]byte(s))
	}
	s := &Service{}
	today := workday.Date(20_000)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRows(t, data, func(emit emitFunc) error {
			return s.readCSV(context.Background(), bytes.NewReader(data), today, emit)
		})
	})
}

// FuzzImportXLSX writes the fuzzed cells (rows split by newlines, cells by
// tabs; a cell that reads as a number is written as one) into a workbook
// and feeds it to the import's XLSX reader and row parser.
func FuzzImportXLSX(f *testing.F) {
	for _, s := range importSeeds {
		f.Add(strings.ReplaceAll(s, ",", "\t"))
	}
	f.Add("uscc\tname\tfounded\temployees\n91420102MA4K00010N\t名称\t43831\t12.5\n")
	s := &Service{}
	today := workday.Date(20_000)
	f.Fuzz(func(t *testing.T, cells string) {
		wb := excelize.NewFile()
		defer wb.Close()
		for i, line := range strings.Split(cells, "\n") {
			if i >= 50 {
				break
			}
			for j, c := range strings.Split(line, "\t") {
				if j >= 30 {
					break
				}
				ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
				if x, ok := numberCell(c); ok {
					_ = wb.SetCellValue("Sheet1", ref, x)
				} else {
					_ = wb.SetCellStr("Sheet1", ref, c)
				}
			}
		}
		var buf bytes.Buffer
		if err := wb.Write(&buf); err != nil {
			return // excelize refuses the cell (too long, invalid XML characters): nothing to import
		}
		data := buf.Bytes()
		checkRows(t, []byte(cells), func(emit emitFunc) error {
			return s.readXLSX(context.Background(), bytes.NewReader(data), today, emit)
		})
	})
}

// numberCell reads c as a plain decimal number.
func numberCell(c string) (float64, bool) {
	if c == "" || strings.Trim(c, "0123456789.-") != "" || strings.Count(c, ".") > 1 || strings.LastIndex(c, "-") > 0 {
		return 0, false
	}
	var x float64
	var frac float64
	neg := strings.HasPrefix(c, "-")
	for _, r := range strings.TrimPrefix(c, "-") {
		switch {
		case r == '.':
			frac = 1
		case frac > 0:
			frac /= 10
			x += float64(r-'0') * frac
		default:
			x = x*10 + float64(r-'0')
		}
	}
	if neg {
		x = -x
	}
	return x, len(c) < 16
}

// FuzzResolveFilter feeds the registry search's filter (the query string of
// 企业库 and GET /api/v1/enterprises) to Resolve.
func FuzzResolveFilter(f *testing.F) {
	f.Add("科技", "420111", "C39", "小型", "正常", "存续", "revenue", "高新技术企业", 20, 40)
	f.Add("91420102MA4K00010N", "洪山区", "C", "", "", "", "", "", 0, 0)
	f.Add("  ", "武汉市", "Z99", "巨型", "x", "y", "tags", "", -1, 1<<62)
	f.Add("9142", "", "c3911", "微型", "严重失信", "注销", "founded", " ", 1000, -5)
	s := &Service{}
	f.Fuzz(func(t *testing.T, query, district, industry, size, credit, status, sort, tag string, limit, offset int) {
		q, err := s.Resolve(Filter{Query: query, District: district, Industry: industry, Size: size, Credit: credit, Status: status,
			Sort: sort, Tags: []string{tag}, Limit: limit, Offset: offset})
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("error %v is not invalid", err)
			}
			return
		}
		if q.Limit < 1 || q.Limit > 1000 || q.Offset < 0 {
			t.Fatalf("limit %d offset %d not clamped", q.Limit, q.Offset)
		}
		if q.Offset+q.Limit < q.Offset {
			t.Fatalf("offset %d + limit %d overflows", q.Offset, q.Limit)
		}
		if q.District != "" && (len(q.District) != 6 || strings.Trim(q.District, "0123456789") != "") {
			t.Fatalf("district %q is not a division code", q.District)
		}
		if q.USCC != "" && q.Name != "" {
			t.Fatalf("both a code %q and a name %q", q.USCC, q.Name)
		}
	})
}

// TestXLSXZipBomb sends the XLSX reader a small file whose sheet says it
// unpacks to 2 GB: it is refused before anything is unpacked.
func TestXLSXZipBomb(t *testing.T) {
	var good bytes.Buffer
	wb := excelize.NewFile()
	_ = wb.SetCellStr("Sheet1", "A1", "uscc")
	_ = wb.SetCellStr("Sheet1", "B1", "name")
	if err := wb.Write(&good); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(good.Bytes()), int64(good.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	for _, f := range zr.File {
		raw, err := f.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		h := f.FileHeader
		if strings.HasPrefix(h.Name, "xl/worksheets/") {
			h.UncompressedSize64 = 2 << 30 // what a zip bomb declares: under excelize's own 16 GB limit
		}
		w, err := zw.CreateRaw(&h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	err = (&Service{}).readXLSX(context.Background(), bytes.NewReader(bomb.Bytes()), workday.Date(20_000),
		func(*Enterprise, int, []RowError, int) error { return nil })
	if errs.CodeOf(err) != errs.Invalid || !strings.Contains(errs.MessageOf(err), "解压后超过") {
		t.Fatalf("a zip bomb: %v", err)
	}
	for size, want := range map[int64]int64{1 << 20: 256 << 20, 100 << 20: 2000 << 20, 1 << 30: 8 << 30} {
		if got := xlsxUnzipLimit(size); got != want {
			t.Errorf("xlsxUnzipLimit(%d) = %d, want %d", size, got, want)
		}
	}
}
