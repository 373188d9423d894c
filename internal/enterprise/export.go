package enterprise

import (
	"context"
	"encoding/csv"
	"fmt"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/sheet"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/qinqing/qinqing/internal/errs"
)

// exportFields are the columns of an export: every importable field and the
// derived size class (成立年限 is left out: it changes every day and is
// computed from 成立日期).
var exportFields = func() []Field {
	out := append([]Field(nil), importable...)
	f, _ := FieldByName("size")
	return append(out, f)
}()

// xlsxMaxRows is the number of data rows per sheet: Excel's limit of
// 1,048,576 rows less the header.
var xlsxMaxRows = 1_048_575

// Export writes the enterprises matching f (all of them: Limit and Offset
// are ignored; sorted as f says, else by id) to w as CSV (UTF-8 with a
// byte-order mark, so that Excel reads the Chinese) or XLSX, streaming, and
// returns the number of rows written. The header row holds the Chinese
// labels; unknown values are empty cells, except tags, where an empty cell
// is the known empty set and unknown is written TagsUnknown (未知); tags
// are joined with 、; the district is written by name. Text cells that a
// spreadsheet would read as a formula (sheet.Escape: = + - @, tab, CR and
// the full-width ＝ ＋ － ＠) get a leading single quote, which Import
// removes again, so that an export imports unchanged; numbers
// are written as numbers and never quoted. An XLSX export of more than
// 1,048,575 rows continues on further sheets, each with the header.
// The office may call it (auth.ImportEnterprise). Errors: Unauthenticated,
// Forbidden, Invalid for a bad format or filter, Internal.
func (s *Service) Export(ctx context.Context, a *auth.Actor, w io.Writer, format string, f Filter) (int, error) {
	if err := auth.AuthorizeSome(a, auth.ImportEnterprise); err != nil {
		return 0, err
	}
	if format != FormatCSV && format != FormatXLSX {
		return 0, errs.Errorf(errs.Invalid, "不支持的导出格式“%s”（可用：csv、xlsx）", format)
	}
	q, err := s.Resolve(f)
	if err != nil {
		return 0, err
	}
	p := s.plan(q)
	rows, err := s.DB.QueryContext(ctx, p.selectSQL(), p.args...)
	if err != nil {
		return 0, errs.Wrap(err, "export enterprises")
	}
	defer rows.Close()
	return s.ExportRecords(w, format, func(yield func(*Enterprise) error) error {
		for rows.Next() {
			e, err := scanRow(rows)
			if err != nil {
				return errs.Wrap(err, "export enterprises")
			}
			if err := yield(e); err != nil {
				return err
			}
		}
		return errs.Wrap(rows.Err(), "export enterprises")
	})
}

// ExportRecords writes the enterprises that records yields in the format
// and layout of Export (the benchmark and tests use it to write files from
// synthetic data) and returns the number of rows written. Errors: Invalid
// for a bad format, those of records, Internal.
func (s *Service) ExportRecords(w io.Writer, format string, records func(yield func(*Enterprise) error) error) (int, error) {
	switch format {
	case FormatCSV:
		return s.exportCSV(w, records)
	case FormatXLSX:
		return s.exportXLSX(w, records)
	}
	return 0, errs.Errorf(errs.Invalid, "不支持的导出格式“%s”（可用：csv、xlsx）", format)
}

// exportCell returns the cell of field k (an index into exportFields) of e:
// a string (escaped), an int64, or nil when unknown. District codes are
// written as the names of city's districts.
func exportCell(city *City, e *Enterprise, k int) any {
	str := func(p *string) any {
		if p == nil {
			return nil
		}
		return sheet.Escape(*p)
	}
	num := func(p *int64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	switch exportFields[k].Name {
	case "uscc":
		return sheet.Escape(e.USCC)
	case "name":
		return sheet.Escape(e.Name)
	case "kind":
		// The registered type as the source wrote it, when there is one:
		// it imports back to the same kind and text.
		if e.KindText != nil {
			return str(e.KindText)
		}
		return str(e.Kind)
	case "industry":
		return str(e.Industry)
	case "district":
		if e.District == nil {
			return nil
		}
		if name := city.DistrictName(*e.District); name != "" {
			return name
		}
		return sheet.Escape(*e.District)
	case "street":
		return str(e.Street)
	case "founded":
		if e.Founded == nil {
			return nil
		}
		return e.Founded.String()
	case "registered_capital":
		return num(e.RegisteredCapital)
	case "employees":
		return num(e.Employees)
	case "revenue":
		return num(e.Revenue)
	case "rd_expense":
		return num(e.RDExpense)
	case "tax_paid":
		return num(e.TaxPaid)
	case "export_value":
		return num(e.ExportValue)
	case "total_assets":
		return num(e.TotalAssets)
	case "tags":
		if e.Tags == nil {
			return TagsUnknown
		}
		return sheet.Escape(strings.Join(e.Tags, "、"))
	case "credit":
		return str(e.Credit)
	case "status":
		return str(e.Status)
	case "size":
		return str(e.Size)
	}
	return nil
}

func (s *Service) exportCSV(w io.Writer, records func(yield func(*Enterprise) error) error) (int, error) {
	if _, err := w.Write(utf8BOM); err != nil {
		return 0, errs.Wrap(err, "export enterprises")
	}
	cw := csv.NewWriter(w)
	city := s.city()
	rec := make([]string, len(exportFields))
	for i, f := range exportFields {
		rec[i] = f.Label
	}
	if err := cw.Write(rec); err != nil {
		return 0, errs.Wrap(err, "export enterprises")
	}
	n := 0
	err := records(func(e *Enterprise) error {
		for k := range exportFields {
			switch v := exportCell(city, e, k).(type) {
			case nil:
				rec[k] = ""
			case string:
				rec[k] = v
			case int64:
				rec[k] = strconv.FormatInt(v, 10)
			}
		}
		if err := cw.Write(rec); err != nil {
			return errs.Wrap(err, "export enterprises")
		}
		n++
		return nil
	})
	if err != nil {
		return n, err
	}
	cw.Flush()
	return n, errs.Wrap(cw.Error(), "export enterprises")
}

func (s *Service) exportXLSX(w io.Writer, records func(yield func(*Enterprise) error) error) (int, error) {
	f := excelize.NewFile()
	defer f.Close()
	city := s.city()
	header := make([]any, len(exportFields))
	for i, fl := range exportFields {
		header[i] = fl.Label
	}
	var sw *excelize.StreamWriter
	newSheet := func(i int) error {
		name := "企业"
		if i > 0 {
			name = fmt.Sprintf("企业%d", i+1)
		}
		var err error
		if i == 0 {
			err = f.SetSheetName("Sheet1", name)
		} else {
			_, err = f.NewSheet(name)
		}
		if err != nil {
			return err
		}
		if sw, err = f.NewStreamWriter(name); err != nil {
			return err
		}
		_ = sw.SetColWidth(1, 1, 22)
		_ = sw.SetColWidth(2, 2, 36)
		_ = sw.SetColWidth(3, len(exportFields), 14)
		return sw.SetRow("A1", header)
	}
	if err := newSheet(0); err != nil {
		return 0, errs.Wrap(err, "export enterprises")
	}
	n, row, sheetNo := 0, 1, 0
	cells := make([]any, len(exportFields))
	err := records(func(e *Enterprise) error {
		if row > xlsxMaxRows {
			if err := sw.Flush(); err != nil {
				return errs.Wrap(err, "export enterprises")
			}
			sheetNo++
			if err := newSheet(sheetNo); err != nil {
				return errs.Wrap(err, "export enterprises")
			}
			row = 1
		}
		for k := range exportFields {
			cells[k] = exportCell(city, e, k)
		}
		row++
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := sw.SetRow(cell, cells); err != nil {
			return errs.Wrap(err, "export enterprises")
		}
		n++
		return nil
	})
	if err != nil {
		return n, err
	}
	if err := sw.Flush(); err != nil {
		return n, errs.Wrap(err, "export enterprises")
	}
	return n, errs.Wrap(f.Write(w), "export enterprises")
}
