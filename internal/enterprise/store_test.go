package enterprise_test

import (
	"context"
	"github.com/qinqing/qinqing/internal/auth"
	"slices"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

// searchFixture imports a small registry for the search tests and returns
// the codes by name.
func searchFixture(t *testing.T, s *enterprise.Service) map[string]string {
	t.Helper()
	rows := [][]string{{"uscc", "name", "industry", "district", "founded", "employees", "revenue", "total_assets", "tags", "credit", "status"}}
	names := []struct {
		name, industry, district, founded, employees, revenue, tags, credit, status string
	}{
		{"武汉光谷芯片科技有限公司", "C3973", "洪山区", "2015-01-01", "500", "900000000", "高新技术企业、专精特新", "正常", "存续"},
		{"武汉光谷软件有限公司", "I6513", "洪山区", "2018-05-01", "40", "20000000", "高新技术企业", "正常", "存续"},
		{"武汉江岸光电有限公司", "C3976", "江岸区", "2010-01-01", "12", "", "专精特新", "经营异常", "存续"},
		{"汉阳ABC贸易商行", "F5191", "汉阳区", "", "3", "800000", "", "正常", "注销"},
		{"武昌谷雨餐饮店", "H6210", "武昌区", "2020-02-02", "", "300000", "未知", "", "存续"},
		{"武汉光明食品有限公司", "C1391", "江岸区", "2001-09-09", "80", "60000000", "规上工业", "严重失信", "吊销"},
	}
	codes := map[string]string{}
	for i, n := range names {
		code := regUSCC(t, 100+i)
		codes[n.name] = code
		rows = append(rows, []string{code, n.name, n.industry, n.district, n.founded, n.employees, n.revenue, "", n.tags, n.credit, n.status})
	}
	res := mustImportCSV(t, s, csvText(rows...), enterprise.ImportOptions{})
	if res.Inserted != len(names) {
		t.Fatalf("fixture: %+v", res)
	}
	return codes
}

func names(es []enterprise.Enterprise) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Name
	}
	return out
}

func TestFindEnterprises(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newRegistry(db)
		codes := searchFixture(t, s)
		tests := []struct {
			name string
			f    enterprise.Filter
			want []string // names in order
		}{
			{"Query3Chars", enterprise.Filter{Query: "光谷芯", Sort: "name"}, []string{"武汉光谷芯片科技有限公司"}},
			{"QueryLong", enterprise.Filter{Query: "有限公司", Sort: "name"}, []string{"武汉光明食品有限公司", "武汉光谷芯片科技有限公司", "武汉光谷软件有限公司", "武汉江岸光电有限公司"}},
			{"Query2Chars", enterprise.Filter{Query: "光谷", Sort: "name"}, []string{"武汉光谷芯片科技有限公司", "武汉光谷软件有限公司"}},
			{"Query1Char", enterprise.Filter{Query: "谷", Sort: "name"}, []string{"武昌谷雨餐饮店", "武汉光谷芯片科技有限公司", "武汉光谷软件有限公司"}},
			{"QueryLatinCaseInsensitive", enterprise.Filter{Query: "abc贸"}, []string{"汉阳ABC贸易商行"}},
			{"QueryLatin2", enterprise.Filter{Query: "bc"}, []string{"汉阳ABC贸易商行"}},
			{"QueryNoMatch", enterprise.Filter{Query: "不存在的名字"}, []string{}},
			{"QueryWildcardsLiteral", enterprise.Filter{Query: "%_%"}, []string{}},
			{"USCCPrefix", enterprise.Filter{Query: codes["武汉光谷软件有限公司"][:16]}, []string{"武汉光谷软件有限公司"}},
			{"USCCFull", enterprise.Filter{Query: strings.ToLower(codes["武昌谷雨餐饮店"])}, []string{"武昌谷雨餐饮店"}},
			{"USCCPrefixAll", enterprise.Filter{Query: "914201", Sort: "founded"}, []string{"武汉光明食品有限公司", "武汉江岸光电有限公司", "武汉光谷芯片科技有限公司", "武汉光谷软件有限公司", "武昌谷雨餐饮店", "汉阳ABC贸易商行"}},
			{"DistrictCode", enterprise.Filter{District: "420102", Sort: "name"}, []string{"武汉光明食品有限公司", "武汉江岸光电有限公司"}},
			{"DistrictName", enterprise.Filter{District: "江岸", Sort: "name"}, []string{"武汉光明食品有限公司", "武汉江岸光电有限公司"}},
			{"IndustrySection", enterprise.Filter{Industry: "C", Sort: "name"}, []string{"武汉光明食品有限公司", "武汉光谷芯片科技有限公司", "武汉江岸光电有限公司"}},
			{"IndustryPrefix", enterprise.Filter{Industry: "c397", Sort: "name"}, []string{"武汉光谷芯片科技有限公司", "武汉江岸光电有限公司"}},
			{"IndustryDigits", enterprise.Filter{Industry: "6513"}, []string{"武汉光谷软件有限公司"}},
			{"TagsAll", enterprise.Filter{Tags: []string{"高新技术企业", "专精特新"}}, []string{"武汉光谷芯片科技有限公司"}},
			{"Tag", enterprise.Filter{Tags: []string{"专精特新"}, Sort: "name"}, []string{"武汉光谷芯片科技有限公司", "武汉江岸光电有限公司"}},
			{"Credit", enterprise.Filter{Credit: "经营异常"}, []string{"武汉江岸光电有限公司"}},
			{"Status", enterprise.Filter{Status: "存续", District: "洪山区", Sort: "name"}, []string{"武汉光谷芯片科技有限公司", "武汉光谷软件有限公司"}},
			{"Combined", enterprise.Filter{Query: "光", District: "江岸区", Credit: "严重失信"}, []string{"武汉光明食品有限公司"}},
			{"SortRevenueDescNullsLast", enterprise.Filter{Sort: "revenue", Desc: true}, []string{"武汉光谷芯片科技有限公司", "武汉光明食品有限公司", "武汉光谷软件有限公司", "汉阳ABC贸易商行", "武昌谷雨餐饮店", "武汉江岸光电有限公司"}},
			{"SortRevenueAscNullsLast", enterprise.Filter{Sort: "revenue"}, []string{"武昌谷雨餐饮店", "汉阳ABC贸易商行", "武汉光谷软件有限公司", "武汉光明食品有限公司", "武汉光谷芯片科技有限公司", "武汉江岸光电有限公司"}},
			{"SortEmployeesDesc", enterprise.Filter{Sort: "employees", Desc: true, Limit: 2}, []string{"武汉光谷芯片科技有限公司", "武汉光明食品有限公司"}},
			{"Page2", enterprise.Filter{Sort: "employees", Desc: true, Limit: 2, Offset: 2}, []string{"武汉光谷软件有限公司", "武汉江岸光电有限公司"}},
			{"DefaultOrderIsImportOrder", enterprise.Filter{Limit: 3}, []string{"武汉光谷芯片科技有限公司", "武汉光谷软件有限公司", "武汉江岸光电有限公司"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				es, total, err := s.FindEnterprises(ctx, auth.Operator("test"), tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if got := names(es); !slices.Equal(got, tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
				wantTotal := len(tt.want)
				if tt.f.Limit > 0 {
					f := tt.f
					f.Limit, f.Offset = 1000, 0
					all, _, _ := s.FindEnterprises(ctx, auth.Operator("test"), f)
					wantTotal = len(all)
				}
				if total != wantTotal {
					t.Errorf("total %d, want %d", total, wantTotal)
				}
			})
		}
		for name, f := range map[string]enterprise.Filter{
			"ErrDistrict": {District: "海淀区"},
			"ErrIndustry": {Industry: "Z9"},
			"ErrSize":     {Size: "巨型"},
			"ErrCredit":   {Credit: "好"},
			"ErrSort":     {Sort: "uscc; DROP TABLE enterprises"},
		} {
			t.Run(name, func(t *testing.T) {
				if _, _, err := s.FindEnterprises(ctx, auth.Operator("test"), f); errs.CodeOf(err) != errs.Invalid {
					t.Fatalf("got %v, want invalid", err)
				}
			})
		}
		t.Run("Size", func(t *testing.T) {
			es, _, err := s.FindEnterprises(ctx, auth.Operator("test"), enterprise.Filter{Size: "微型"})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				if e.Size == nil || *e.Size != "微型" {
					t.Errorf("%s has size %v", e.Name, e.Size)
				}
			}
			if len(es) == 0 {
				t.Error("no 微型 enterprise in the fixture")
			}
		})
	})
}

func TestFindEnterpriseNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newRegistry(db)
		if _, err := s.FindEnterpriseByID(ctx, auth.Operator("test"), 42); errs.CodeOf(err) != errs.NotFound || !strings.Contains(errs.MessageOf(err), "不存在") {
			t.Errorf("by id: %v", err)
		}
		if _, err := s.FindEnterpriseByUSCC(ctx, auth.Operator("test"), regUSCC(t, 1)); errs.CodeOf(err) != errs.NotFound || !strings.Contains(errs.MessageOf(err), "不存在") {
			t.Errorf("by code: %v", err)
		}
		if _, err := s.FindEnterpriseByUSCC(ctx, auth.Operator("test"), "123"); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("malformed code: %v", err)
		}
	})
}

func TestUpdateEnterprise(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := audit.WithActor(context.Background(), audit.Who{Name: "zhangsan"})
		s := newRegistry(db)
		codes := searchFixture(t, s)
		e, err := s.FindEnterpriseByUSCC(ctx, auth.Operator("test"), codes["武汉光谷软件有限公司"])
		if err != nil {
			t.Fatal(err)
		}
		emp := int64(120)
		newName := "武汉光谷云软件有限公司"
		tags := []string{"瞪羚企业", "高新技术企业", "瞪羚企业"}
		u, err := s.UpdateEnterprise(ctx, auth.Operator("test"), e.ID, enterprise.Update{Name: &newName, Employees: &emp, Tags: &tags, Clear: []string{"credit"}, Source: enterprise.SourceSpecialist})
		if err != nil {
			t.Fatal(err)
		}
		wantSize := enterprise.ClassifySize(u.Industry, &emp, e.Revenue, e.TotalAssets)
		if u.Name != newName || *u.Employees != 120 || !slices.Equal(u.Tags, []string{"瞪羚企业", "高新技术企业"}) || u.Credit != nil ||
			u.Size == nil || *u.Size != *wantSize {
			t.Fatalf("updated %+v", u)
		}
		got, _ := s.FindEnterpriseByID(ctx, auth.Operator("test"), e.ID)
		if got.Name != newName || got.Credit != nil || !slices.Equal(got.Tags, u.Tags) {
			t.Errorf("stored %+v", got)
		}
		h, err := s.FindEnterpriseHistory(ctx, auth.Operator("test"), e.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		var fields []string
		for _, x := range h {
			fields = append(fields, x.Field)
			if x.Source != enterprise.SourceSpecialist || x.Actor != "zhangsan" {
				t.Errorf("history entry %+v", x)
			}
		}
		slices.Sort(fields)
		wantFields := []string{"credit", "employees", "name", "tags"}
		if *wantSize != *e.Size {
			wantFields = append(wantFields, "size")
			slices.Sort(wantFields)
		}
		if !slices.Equal(fields, wantFields) {
			t.Errorf("history fields %v, want %v", fields, wantFields)
		}
		src, _ := s.FindEnterpriseSources(ctx, auth.Operator("test"), e.ID)
		if src["employees"].Source != enterprise.SourceSpecialist || src["revenue"].Source != enterprise.SourceImport {
			t.Errorf("sources %+v", src)
		}
		if _, ok := src["credit"]; ok {
			t.Error("a cleared field kept its source")
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM enterprise_tags WHERE enterprise_id = ?", e.ID).Scan(&n); err != nil || n != 2 {
			t.Errorf("tag rows %d, %v", n, err)
		}
		for q, want := range map[string]int{"光谷云软件": 1, "光谷软件": 0} {
			if _, total, _ := s.FindEnterprises(ctx, auth.Operator("test"), enterprise.Filter{Query: q}); total != want {
				t.Errorf("search %q after rename: %d, want %d", q, total, want)
			}
		}
		entries, _, err := s.Audit.Find(ctx, audit.Filter{Entity: "enterprise", Action: "update"})
		if err != nil || len(entries) != 1 || entries[0].Actor != "zhangsan" || !strings.Contains(string(entries[0].After), "120") {
			t.Errorf("audit %+v, %v", entries, err)
		}
		t.Run("OKNoChange", func(t *testing.T) {
			before := countRows(t, db, "enterprise_history")
			if _, err := s.UpdateEnterprise(ctx, auth.Operator("test"), e.ID, enterprise.Update{Employees: &emp, Source: enterprise.SourceSelf}); err != nil {
				t.Fatal(err)
			}
			if countRows(t, db, "enterprise_history") != before {
				t.Error("an update that changes nothing wrote history")
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			bad := "公司"
			future := workday.NewDate(2030, 1, 1)
			neg := int64(-1)
			for name, u := range map[string]enterprise.Update{
				"source":    {Employees: &emp},
				"kind":      {Kind: &bad, Source: enterprise.SourceSelf},
				"industry":  {Industry: &bad, Source: enterprise.SourceSelf},
				"district":  {District: &bad, Source: enterprise.SourceSelf},
				"founded":   {Founded: &future, Source: enterprise.SourceSelf},
				"employees": {Employees: &neg, Source: enterprise.SourceSelf},
				"clear":     {Clear: []string{"uscc"}, Source: enterprise.SourceSelf},
			} {
				if _, err := s.UpdateEnterprise(ctx, auth.Operator("test"), e.ID, u); errs.CodeOf(err) != errs.Invalid {
					t.Errorf("%s: got %v, want invalid", name, err)
				}
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			if _, err := s.UpdateEnterprise(ctx, auth.Operator("test"), 999999, enterprise.Update{Employees: &emp, Source: enterprise.SourceSelf}); errs.CodeOf(err) != errs.NotFound {
				t.Errorf("got %v", err)
			}
		})
	})
}
