package enterprise

import (
	"bytes"
	"context"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/qinqing/qinqing/internal/store/storetest"
)

// TestExportXLSXSheets checks that an export longer than a sheet continues
// on further sheets, each with the header, and imports back whole.
func TestExportXLSXSheets(t *testing.T) {
	defer func(n int) { xlsxMaxRows = n }(xlsxMaxRows)
	xlsxMaxRows = 40
	s := &Service{}
	var buf bytes.Buffer
	n, err := s.ExportRecords(&buf, FormatXLSX, testCity(100, 2))
	if err != nil || n != 100 {
		t.Fatalf("export %d, %v", n, err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); len(got) != 3 || got[0] != "企业" || got[2] != "企业3" {
		t.Errorf("sheets %v", got)
	}
	f.Close()
	db := New(storetest.MustOpenSQLite(t), Options{})
	res, err := db.Import(context.Background(), bytes.NewReader(buf.Bytes()), FormatXLSX, ImportOptions{}, nil)
	if err != nil || res.Inserted != 100 {
		t.Fatalf("import %+v, %v", res, err)
	}
}
