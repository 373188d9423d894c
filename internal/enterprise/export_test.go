package enterprise_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise/synth"
	"github.com/qinqing/qinqing/internal/paging"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

// tricky are rows whose text a spreadsheet would run as a formula, and
// negative numbers, which are numbers and must stay so.
var tricky = [][]string{
	{"uscc", "name", "street", "revenue", "tax_paid", "tags"},
	{"", "=HYPERLINK(\"http://evil\",\"点我\")", "+86路", "-5", "-1200", "@管理员;-负面"},
	{"", "'=已转义的公司", "'老街", "", "", "'自定义"},
	{"", "@某某公司", "\t缩进街道", "0", "", ""},
}

// allEnterprises returns every enterprise of s by code.
func allEnterprises(t *testing.T, s *enterprise.Service) map[string]enterprise.Enterprise {
	t.Helper()
	out := map[string]enterprise.Enterprise{}
	for off := 0; ; off += paging.MaxLimit {
		es, _, err := s.FindEnterprises(context.Background(), auth.Operator("test"), enterprise.Filter{Limit: paging.MaxLimit, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			out[e.USCC] = e
		}
		if len(es) < paging.MaxLimit {
			return out
		}
	}
}

// sameEnterprise compares everything but the id and update time.
func sameEnterprise(a, b enterprise.Enterprise) bool {
	a.ID, b.ID = 0, 0
	a.UpdatedAt = b.UpdatedAt
	return reflect.DeepEqual(a, b)
}

func TestExportImportRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		src := newRegistry(db)
		opts := synth.Options{N: 600, Seed: 11, Today: workday.NewDate(2025, 6, 30)}
		if _, err := src.ImportRecords(ctx, func(yield func(*enterprise.Enterprise) error) error { return synth.Generate(opts, yield) }, enterprise.ImportOptions{}, nil); err != nil {
			t.Fatal(err)
		}
		rows := append([][]string(nil), tricky...)
		for i := 1; i < len(rows); i++ {
			rows[i] = append([]string(nil), rows[i]...)
			rows[i][0] = regUSCC(t, 500+i)
		}
		if res := mustImportCSV(t, src, csvText(rows...), enterprise.ImportOptions{}); res.Inserted != 3 {
			t.Fatalf("tricky rows: %+v", res)
		}
		want := allEnterprises(t, src)
		if len(want) != 603 {
			t.Fatalf("%d enterprises in the source", len(want))
		}
		var unknownTags, emptyTags int
		for _, e := range want {
			if e.Tags == nil {
				unknownTags++
			} else if len(e.Tags) == 0 {
				emptyTags++
			}
		}
		if unknownTags == 0 || emptyTags == 0 {
			t.Fatalf("the data should have both unknown (%d) and empty (%d) tag sets", unknownTags, emptyTags)
		}
		for _, format := range []string{enterprise.FormatCSV, enterprise.FormatXLSX} {
			t.Run(format, func(t *testing.T) {
				var buf bytes.Buffer
				n, err := src.Export(ctx, auth.Operator("test"), &buf, format, enterprise.Filter{})
				if err != nil || n != 603 {
					t.Fatalf("export: %d, %v", n, err)
				}
				file := buf.Bytes()
				// Into the other dialect when PostgreSQL is there.
				dst := newRegistry(storetest.MustOpenSQLite(t))
				if db.Dialect() == store.SQLite && os.Getenv(storetest.PostgresEnv) != "" {
					dst = newRegistry(storetest.MustOpenPostgres(t))
				}
				res, err := dst.Import(ctx, bytes.NewReader(file), format, enterprise.ImportOptions{}, nil)
				if err != nil {
					t.Fatal(err)
				}
				checkSum(t, res)
				if res.Inserted != 603 || res.Rejected != 0 {
					t.Fatalf("import into a fresh database: %+v", res)
				}
				got := allEnterprises(t, dst)
				for code, w := range want {
					if g, ok := got[code]; !ok || !sameEnterprise(g, w) {
						t.Errorf("%s:\n got %+v\nwant %+v", code, g, w)
					}
				}
				res, err = src.Import(ctx, bytes.NewReader(file), format, enterprise.ImportOptions{}, nil)
				if err != nil || res.Unchanged != 603 {
					t.Errorf("export imported back into its source: %+v, %v", res, err)
				}
			})
		}
	})
}

func TestExportFormulaInjection(t *testing.T) {
	db := storetest.MustOpenSQLite(t)
	s := newRegistry(db)
	rows := append([][]string(nil), tricky...)
	for i := 1; i < len(rows); i++ {
		rows[i] = append([]string(nil), rows[i]...)
		rows[i][0] = regUSCC(t, 600+i)
	}
	mustImportCSV(t, s, csvText(rows...), enterprise.ImportOptions{})
	var buf bytes.Buffer
	if _, err := s.Export(context.Background(), auth.Operator("test"), &buf, enterprise.FormatCSV, enterprise.Filter{}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	if recs[0][0] != "统一社会信用代码" || recs[0][1] != "企业名称" {
		t.Fatalf("header %v", recs[0])
	}
	cell := func(row int, label string) string { return recs[row][col[label]] }
	checks := []struct {
		row         int
		label, want string
	}{
		{1, "企业名称", "'=HYPERLINK(\"http://evil\",\"点我\")"},
		{1, "街道", "'+86路"},
		{1, "营业收入", "-5"}, // a number, not a formula
		{1, "纳税额", "-1200"},
		{1, "企业标签", "'-负面、@管理员"},
		{2, "企业名称", "'=已转义的公司"}, // the file's quote was an escape: stored as =…
		{2, "街道", "''老街"},       // a stored leading quote is escaped too

		{2, "企业标签", "''自定义"},
		{3, "企业名称", "'@某某公司"},
		{3, "街道", "缩进街道"}, // surrounding space is trimmed on import
		{3, "营业收入", "0"},
		{3, "企业标签", ""}, // the known empty set
		{3, "研发费用", ""}, // unknown
	}
	for _, c := range checks {
		if got := cell(c.row, c.label); got != c.want {
			t.Errorf("row %d %s = %q, want %q", c.row, c.label, got, c.want)
		}
	}
	// Every text cell that starts with a formula character is escaped.
	for _, r := range recs[1:] {
		for i, v := range r {
			if v != "" && strings.ContainsRune("=+@\t\r", rune(v[0])) {
				t.Errorf("unescaped cell %s = %q", recs[0][i], v)
			}
		}
	}
	// A leading quote before a formula character is an escape and goes;
	// any other leading quote is data and stays.
	e, _ := s.FindEnterpriseByUSCC(context.Background(), auth.Operator("test"), regUSCC(t, 602))
	if e.Name != "=已转义的公司" || *e.Street != "'老街" || e.Tags[0] != "'自定义" {
		t.Errorf("stored %q, %q, %v", e.Name, *e.Street, e.Tags)
	}
}

func TestExportFilterAndXLSX(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newRegistry(db)
		searchFixture(t, s)
		var buf bytes.Buffer
		n, err := s.Export(ctx, auth.Operator("test"), &buf, enterprise.FormatXLSX, enterprise.Filter{District: "江岸区", Sort: "name", Limit: 1})
		if err != nil || n != 2 {
			t.Fatalf("export %d, %v", n, err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows("企业")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[1][1] != "武汉光明食品有限公司" || rows[2][1] != "武汉江岸光电有限公司" || rows[1][4] != "江岸区" {
			t.Errorf("rows %v", rows)
		}
		typ, err := f.GetCellType("企业", "J2")                                                // 营业收入
		if err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) { // no type attribute: a number
			t.Errorf("revenue cell type %v, %v; want a number", typ, err)
		}
		if _, err := s.Export(ctx, auth.Operator("test"), &buf, "pdf", enterprise.Filter{}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("pdf: %v", err)
		}
		if _, err := s.Export(ctx, auth.Operator("test"), &buf, enterprise.FormatCSV, enterprise.Filter{Size: "巨型"}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("bad filter: %v", err)
		}
	})
}
