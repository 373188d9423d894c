package plan_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/plan"
	"github.com/qinqing/qinqing/internal/workday"
)

// fakeUnits resolves a fixed set of names, for fuzzing the import without
// a database.
type fakeUnits map[string]int64

func (u fakeUnits) Holders(_ context.Context, ids ...int64) (auth.Resource, error) {
	return auth.Resource{UnitIDs: ids}, nil
}

func (u fakeUnits) Resolve(_ context.Context, name string) (*org.Unit, error) {
	if id, ok := u[org.Normalize(name)]; ok {
		return &org.Unit{ID: id, Name: name}, nil
	}
	return nil, errs.Errorf(errs.NotFound, "未找到名为“%s”的单位", name)
}

func (u fakeUnits) Subtree(_ context.Context, id int64) ([]int64, error) { return []int64{id}, nil }

func (u fakeUnits) FindUnitByID(_ context.Context, id int64) (*org.Unit, error) {
	return &org.Unit{ID: id, Name: "单位"}, nil
}

func (u fakeUnits) CreateUnit(context.Context, *auth.Actor, org.UnitInput) (*org.Unit, error) {
	return nil, errs.Errorf(errs.Forbidden, "fuzz")
}

func (u fakeUnits) UpdateUnit(context.Context, *auth.Actor, int64, org.UnitInput) (*org.Unit, error) {
	return nil, errs.Errorf(errs.Forbidden, "fuzz")
}

func fuzzService(t testing.TB) *plan.Service {
	cal, err := workday.New()
	if err != nil {
		t.Fatal(err)
	}
	return plan.New(nil, plan.Options{Calendar: cal, Units: fakeUnits{"市发改委": 1, "市商务局": 2}})
}

// checkImport dry-runs doc: no panic, and every item read is accounted for.
func checkImport(t *testing.T, s *plan.Service, doc *plan.Document) {
	res, err := s.Import(context.Background(), auth.Operator("fuzz"), doc, plan.ImportOptions{DryRun: true})
	if res == nil {
		if c := errs.CodeOf(err); c == errs.Internal {
			t.Fatalf("internal error: %v", err)
		}
		return
	}
	if res.Read != res.Goals+res.Tasks+res.StageItems+res.Skipped+res.RejectedItems {
		t.Fatalf("read %d is not accounted for: %+v", res.Read, res)
	}
	if (len(res.Rejected) > 0) != (err != nil) {
		t.Fatalf("rejections %d but error %v", len(res.Rejected), err)
	}
}

// FuzzImportJSON feeds the JSON import (the parser's output and the
// export's) arbitrary documents: it must refuse cleanly, never panic, and
// reconcile what it read.
func FuzzImportJSON(f *testing.F) {
	f.Add([]byte(smallDoc))
	f.Add([]byte(`{"title":"t","items":[{"path":[1,1],"units":["市发改委"],"deadlines":[{"text":"6月底前","date":null}]}]}`))
	f.Add([]byte(`{"title":"t","items":[{"path":[1],"kind":"stage","heading":"部署(2024年13月)"},{"path":[1],"indicators":[{"op":"!","value":1e308}]}]}`))
	f.Add([]byte(`{"title":"t","stages":[{"name":"a","from":"2024-09-01","to":"2024-01-01"}],"items":[{"path":[0,-1]}]}`))
	f.Add([]byte(`{"title":"","items":[{"path":[9999,9999,9999,9999,9999,9999,9999,9999,9999,9999,9999,9999]}]}`))
	s := fuzzService(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := plan.ReadDocument("f.json", data)
		if err != nil {
			if errs.CodeOf(err) == errs.Internal {
				t.Fatalf("internal error: %v", err)
			}
			return
		}
		checkImport(t, s, doc)
	})
}

// FuzzImportXLSX feeds the workbook reader arbitrary bytes and mutated
// 责任分解表 workbooks.
func FuzzImportXLSX(f *testing.F) {
	wb := excelize.NewFile()
	for i, r := range [][]any{{"序号", "一级", "二级", "任务内容", "牵头单位", "责任单位", "完成时限", "节点", "量化指标"},
		{"一", "一、重点任务", "", "", "", "", "", "", ""},
		{"一.(一)", "", "(一)打造环境", "严格实施负面清单", "市发改委", "市商务局、各区人民政府", "2024年6月30日（6月底前）",
			"2024年3月31日：出台办法", "新增民营企业 ≥ 10万家"}} {
		c, _ := excelize.CoordinatesToCellName(1, i+1)
		_ = wb.SetSheetRow("Sheet1", c, &r)
	}
	var buf bytes.Buffer
	_ = wb.Write(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	s := fuzzService(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := plan.ReadDocument("f.xlsx", data)
		if err != nil {
			if errs.CodeOf(err) == errs.Internal {
				t.Fatalf("internal error: %v", err)
			}
			return
		}
		checkImport(t, s, doc)
	})
}
