package enterprise_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise/synth"
	"github.com/qinqing/qinqing/internal/paging"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

// regNow is the fixed clock of the registry tests.
var regNow = time.Date(2025, 6, 30, 10, 0, 0, 0, workday.Shanghai)

// newRegistry returns a registry service on db with a fixed clock.
func newRegistry(db *store.DB) *enterprise.Service {
	now := func() time.Time { return regNow }
	return enterprise.New(db, enterprise.Options{Audit: &audit.Log{DB: db, Now: now}, Now: now, City: enterprise.Wuhan()})
}

// regUSCC returns a valid 统一社会信用代码 of an 企业 in 洪山区, numbered i.
func regUSCC(t testing.TB, i int) string {
	t.Helper()
	code, err := enterprise.MakeUSCC('9', '1', "420111", fmt.Sprintf("MA%06d", i))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// badCheck returns code with a wrong final check character.
func badCheck(code string) string {
	last := code[17]
	for _, c := range []byte(enterprise.USCCAlphabet) {
		if c != last {
			return code[:17] + string(c)
		}
	}
	return code
}

// importCSV imports text as CSV and checks the reconciliation of the
// result.
func importCSV(t *testing.T, s *enterprise.Service, text string, opts enterprise.ImportOptions) (*enterprise.ImportResult, error) {
	t.Helper()
	res, err := s.Import(context.Background(), strings.NewReader(text), enterprise.FormatCSV, opts, nil)
	checkSum(t, res)
	return res, err
}

// mustImportCSV is importCSV failing the test on error.
func mustImportCSV(t *testing.T, s *enterprise.Service, text string, opts enterprise.ImportOptions) *enterprise.ImportResult {
	t.Helper()
	res, err := importCSV(t, s, text, opts)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return res
}

// checkSum checks read = inserted + updated + unchanged + rejected.
func checkSum(t *testing.T, res *enterprise.ImportResult) {
	t.Helper()
	if res == nil {
		return
	}
	if res.Read != res.Inserted+res.Updated+res.Unchanged+res.Rejected {
		t.Errorf("read %d != inserted %d + updated %d + unchanged %d + rejected %d", res.Read, res.Inserted, res.Updated, res.Unchanged, res.Rejected)
	}
}

// countRows returns the number of rows of a table.
func countRows(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// csvText writes rows of cells as CSV text.
func csvText(rows ...[]string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.WriteAll(rows)
	return b.String()
}

func TestImportRejects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newRegistry(db)
		good := regUSCC(t, 1)
		head := []string{"uscc", "企业名称", "kind", "行业代码", "district", "成立日期", "营业收入", "tags", "信用状况", "status"}
		rows := [][]string{
			head,
			{good, "武汉光谷芯片科技有限公司", "企业", "C3973", "洪山区", "2019/3/27", "1,234,567", "高新技术企业；专精特新", "正常", "存续"}, // line 2: good
			{"91420111MA4K", "长度不对公司", "", "", "", "", "", "", "", ""},                                        // 3
			{regUSCC(t, 3)[:9] + "O" + regUSCC(t, 3)[10:], "字符不对公司", "", "", "", "", "", "", "", ""},          // 4
			{badCheck(regUSCC(t, 4)), "校验位不对公司", "", "", "", "", "", "", "", ""},                              // 5
			{regUSCC(t, 5), "日期不对公司", "", "", "", "2024-02-30", "", "", "", ""},                               // 6
			{regUSCC(t, 6), "金额不对公司", "", "", "", "", "12.5", "", "", ""},                                     // 7
			{regUSCC(t, 7), "类型不对公司", "外星机构", "", "", "", "", "", "良好", ""},                                   // 8: two bad enums
			{regUSCC(t, 8), "行业不对公司", "", "Z99", "", "", "", "", "", ""},                                      // 9
			{regUSCC(t, 9), "区不对公司", "", "", "海淀区", "", "", "", "", ""},                                       // 10
			{regUSCC(t, 10), "", "", "", "", "", "", "", "", ""},                                              // 11: no name
			{"", "没有代码公司", "", "", "", "", "", "", "", ""},                                                    // 12: no code
			{good, "重复的公司", "", "", "", "", "", "", "", ""},                                                   // 13: duplicate of line 2
			{regUSCC(t, 11), "多处错误公司", "散户", "", "", "2024年13月1日", "十万", "", "", "关门"},                        // 14: four errors
			{regUSCC(t, 12), "未来公司", "", "", "", "2099-01-01", "", "", "", ""},                                // 15: founded in the future
			{regUSCC(t, 13), "金额单位公司", "有限责任公司", "", "", "", "5万", "", "", ""},                                // 16: good, in the units registers write
		}
		res := mustImportCSV(t, s, csvText(rows...), enterprise.ImportOptions{})
		if res.Read != 15 || res.Inserted != 2 || res.Rejected != 13 {
			t.Fatalf("got %+v", res)
		}
		want := map[int][]string{
			3: {"uscc"}, 4: {"uscc"}, 5: {"uscc"}, 6: {"founded"}, 7: {"revenue"}, 8: {"kind", "credit"}, 9: {"industry"},
			10: {"district"}, 11: {"name"}, 12: {"uscc"}, 13: {"uscc"}, 14: {"kind", "founded", "revenue", "status"}, 15: {"founded"},
			16: nil,
		}
		got := map[int][]string{}
		for _, e := range res.Errors {
			got[e.Line] = append(got[e.Line], e.Field)
			if e.Reason == "" || !containsHan(e.Reason) {
				t.Errorf("line %d: reason %q is not a Chinese message", e.Line, e.Reason)
			}
		}
		for line, fields := range want {
			g := got[line]
			slices.Sort(g)
			slices.Sort(fields)
			if !slices.Equal(g, fields) {
				t.Errorf("line %d: errors on %v, want %v", line, g, fields)
			}
		}
		reasons := map[int]string{}
		for _, e := range res.Errors {
			reasons[e.Line] += e.Reason
		}
		for line, sub := range map[int]string{3: "长度", 4: "非法字符", 5: "校验位", 6: "不存在", 7: "整数元", 8: "可填", 9: "不存在",
			10: "不是武汉市的区", 11: "不能为空", 12: "不能为空", 13: "第2行重复", 15: "晚于今天"} {
			if !strings.Contains(reasons[line], sub) {
				t.Errorf("line %d: reason %q does not mention %q", line, reasons[line], sub)
			}
		}
		e, err := s.FindEnterpriseByUSCC(context.Background(), auth.Operator("test"), good)
		if err != nil {
			t.Fatal(err)
		}
		if e.Name != "武汉光谷芯片科技有限公司" || *e.Revenue != 1234567 || e.Founded.String() != "2019-03-27" ||
			!slices.Equal(e.Tags, []string{"专精特新", "高新技术企业"}) || *e.Industry != "C3973" || *e.District != "420111" {
			t.Errorf("stored %+v", e)
		}
		if countRows(t, db, "enterprises") != 2 {
			t.Error("rejected rows were written")
		}
		u, err := s.FindEnterpriseByUSCC(context.Background(), auth.Operator("test"), regUSCC(t, 13))
		if err != nil || u.Revenue == nil || *u.Revenue != 50000 || u.Kind == nil || *u.Kind != "企业" || u.KindText == nil || *u.KindText != "有限责任公司" {
			t.Errorf("line 16: %+v, %v", u, err)
		}
	})
}

func ptrTo[T any](v T) *T { return &v }

// containsHan reports whether s has a Chinese character.
func containsHan(s string) bool {
	for _, r := range s {
		if r >= 0x4E00 && r <= 0x9FFF {
			return true
		}
	}
	return false
}

// synthCSV returns n synthetic enterprises as an import CSV.
func synthCSV(t *testing.T, n int, seed int64) string {
	t.Helper()
	var b bytes.Buffer
	s := enterprise.New(nil, enterprise.Options{})
	if _, err := s.ExportRecords(&b, enterprise.FormatCSV, func(yield func(*enterprise.Enterprise) error) error {
		return synth.Generate(synth.Options{N: n, Seed: seed, Today: workday.NewDate(2025, 6, 30)}, yield)
	}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestImportIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newRegistry(db)
		text := synthCSV(t, 1200, 7)
		var progress []enterprise.Progress
		res, err := s.Import(context.Background(), strings.NewReader(text), enterprise.FormatCSV, enterprise.ImportOptions{BatchSize: 500},
			func(p enterprise.Progress) { progress = append(progress, p) })
		if err != nil {
			t.Fatal(err)
		}
		checkSum(t, res)
		if res.Read != 1200 || res.Inserted != 1200 || res.Rejected != 0 {
			t.Fatalf("first import %+v", res)
		}
		last := progress[len(progress)-1]
		if len(progress) < 3 || !last.Done || last.Read != 1200 || last.Bytes != int64(len(text)) || last.TotalBytes != int64(len(text)) {
			t.Errorf("progress %+v", progress)
		}
		if n := countRows(t, db, "enterprises"); n != 1200 {
			t.Fatalf("%d rows stored", n)
		}
		res = mustImportCSV(t, s, text, enterprise.ImportOptions{BatchSize: 500})
		if res.Read != 1200 || res.Unchanged != 1200 {
			t.Fatalf("second import %+v, want all unchanged", res)
		}
		if n := countRows(t, db, "enterprise_history"); n != 0 {
			t.Errorf("%d history rows after an unchanged import", n)
		}
		// The tag table holds exactly the stored tag sets.
		var tagged, stored int
		if err := db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM enterprise_tags").Scan(&tagged); err != nil {
			t.Fatal(err)
		}
		for off := 0; off < 1200; off += paging.MaxLimit {
			es, _, err := s.FindEnterprises(context.Background(), auth.Operator("test"), enterprise.Filter{Limit: paging.MaxLimit, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				stored += len(e.Tags)
			}
		}
		if tagged != stored || tagged == 0 {
			t.Errorf("enterprise_tags has %d rows, tags columns %d", tagged, stored)
		}
		// The import is audited once per run.
		entries, _, err := s.Audit.Find(context.Background(), audit.Filter{Entity: "enterprise", Action: "import"})
		if err != nil || len(entries) != 2 {
			t.Errorf("audit entries %d, err %v", len(entries), err)
		}
	})
}

func TestImportUpdates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newRegistry(db)
		a, b, c := regUSCC(t, 21), regUSCC(t, 22), regUSCC(t, 23)
		head := []string{"统一社会信用代码", "企业名称", "行业代码", "从业人数", "营业收入", "资产总额", "企业标签", "街道"}
		// 软件和信息技术服务业: 150 persons and 500万 is 小型; with 6000万 中型.
		sizeBefore := enterprise.ClassifySize(ptrTo("I6513"), ptrTo[int64](150), ptrTo[int64](5_000_000), ptrTo[int64](3_000_000))
		sizeAfter := enterprise.ClassifySize(ptrTo("I6513"), ptrTo[int64](150), ptrTo[int64](60_000_000), ptrTo[int64](3_000_000))
		if sizeBefore == nil || sizeAfter == nil || *sizeBefore == *sizeAfter {
			t.Fatalf("test data does not change the size: %v %v", sizeBefore, sizeAfter)
		}
		mustImportCSV(t, s, csvText(head,
			[]string{a, "武汉甲软件有限公司", "I6513", "150", "5000000", "3000000", "高新技术企业", "关山街道"},
			[]string{b, "武汉乙贸易有限公司", "F5131", "5", "1000000", "", "", "珞南街道"},
			[]string{c, "武汉丙餐饮有限公司", "", "", "", "", "未知", ""},
		), enterprise.ImportOptions{})
		ea, _ := s.FindEnterpriseByUSCC(ctx, auth.Operator("test"), a)
		if ea.Size == nil || *ea.Size != *sizeBefore {
			t.Fatalf("size of a = %v, want %s", ea.Size, *sizeBefore)
		}
		eb, _ := s.FindEnterpriseByUSCC(ctx, auth.Operator("test"), b)
		if eb.Tags == nil || len(eb.Tags) != 0 {
			t.Errorf("empty tags cell stored as %#v, want the known empty set", eb.Tags)
		}
		ec, _ := s.FindEnterpriseByUSCC(ctx, auth.Operator("test"), c)
		if ec.Tags != nil || ec.Street != nil || ec.Revenue != nil {
			t.Errorf("unknown values stored as %+v", ec)
		}

		// a: revenue grows (the size changes); b: renamed (its empty tags
		// cell matches its empty tags); c gets tags. Cells left empty and
		// missing columns never erase.
		res := mustImportCSV(t, s, csvText(
			[]string{"统一社会信用代码", "企业名称", "营业收入", "企业标签"},
			[]string{a, "武汉甲软件有限公司", "60000000", "高新技术企业"},
			[]string{b, "武汉乙新贸易有限公司", "", ""},
			[]string{c, "武汉丙餐饮有限公司", "", "限上商贸"},
		), enterprise.ImportOptions{Source: enterprise.SourceShared})
		if res.Updated != 3 || res.Unchanged != 0 {
			t.Fatalf("got %+v, want 3 updated", res)
		}
		ea, _ = s.FindEnterpriseByUSCC(ctx, auth.Operator("test"), a)
		if *ea.Revenue != 60000000 || *ea.Employees != 150 || *ea.Street != "关山街道" || ea.Size == nil || *ea.Size != *sizeAfter {
			t.Errorf("a after update: revenue %v employees %v street %v size %v", *ea.Revenue, ea.Employees, ea.Street, ea.Size)
		}
		h, err := s.FindEnterpriseHistory(ctx, auth.Operator("test"), ea.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		fields := map[string]enterprise.HistoryEntry{}
		for _, e := range h {
			fields[e.Field] = e
		}
		if len(h) != 2 || *fields["revenue"].OldValue != "5000000" || *fields["revenue"].NewValue != "60000000" ||
			*fields["size"].OldValue != *sizeBefore || *fields["size"].NewValue != *sizeAfter || fields["revenue"].Source != enterprise.SourceShared ||
			!fields["revenue"].At.Equal(regNow) {
			t.Errorf("history of a: %+v", h)
		}
		src, err := s.FindEnterpriseSources(ctx, auth.Operator("test"), ea.ID)
		if err != nil {
			t.Fatal(err)
		}
		if src["revenue"].Source != enterprise.SourceShared || src["employees"].Source != enterprise.SourceImport || src["street"].Source != enterprise.SourceImport {
			t.Errorf("sources of a: %+v", src)
		}
		if _, ok := src["rd_expense"]; ok {
			t.Errorf("an unknown field has a source: %+v", src)
		}
		// The renamed enterprise is found by its new name only (the name
		// index follows updates in both dialects).
		for q, want := range map[string]int{"乙新贸易": 1, "乙贸易": 0} {
			_, n, err := s.FindEnterprises(ctx, auth.Operator("test"), enterprise.Filter{Query: q})
			if err != nil || n != want {
				t.Errorf("search %q: %d results (err %v), want %d", q, n, err, want)
			}
		}
		ec, _ = s.FindEnterpriseByUSCC(ctx, auth.Operator("test"), c)
		if !slices.Equal(ec.Tags, []string{"限上商贸"}) {
			t.Errorf("c tags %v", ec.Tags)
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM enterprise_tags WHERE enterprise_id = ? AND tag = ?", ec.ID, "限上商贸").Scan(&n); err != nil || n != 1 {
			t.Errorf("tag table not in step: %d, %v", n, err)
		}
		// An empty tags cell clears known tags.
		res = mustImportCSV(t, s, csvText([]string{"uscc", "name", "tags"}, []string{c, "武汉丙餐饮有限公司", ""}), enterprise.ImportOptions{})
		ec, _ = s.FindEnterpriseByUSCC(ctx, auth.Operator("test"), c)
		if res.Updated != 1 || ec.Tags == nil || len(ec.Tags) != 0 {
			t.Errorf("empty tags cell: %+v, tags %#v", res, ec.Tags)
		}
	})
}

func TestImportStrict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newRegistry(db)
		text := synthCSV(t, 300, 3)
		bad := text + badCheck(regUSCC(t, 99)) + ",坏公司\n"
		res, err := importCSV(t, s, bad, enterprise.ImportOptions{Strict: true, BatchSize: 100})
		if errs.CodeOf(err) != errs.Invalid || !strings.Contains(errs.MessageOf(err), "未写入") {
			t.Fatalf("err %v", err)
		}
		if res == nil || res.Rejected != 1 || res.Read != 301 || res.Inserted != 300 || len(res.Errors) != 1 || res.Errors[0].Line != 302 {
			t.Fatalf("result %+v", res)
		}
		for _, table := range []string{"enterprises", "enterprise_tags", "enterprise_history"} {
			if n := countRows(t, db, table); n != 0 {
				t.Errorf("strict import with a rejected row left %d rows in %s", n, table)
			}
		}
		res = mustImportCSV(t, s, text, enterprise.ImportOptions{Strict: true, BatchSize: 100})
		if res.Inserted != 300 || countRows(t, db, "enterprises") != 300 {
			t.Errorf("strict import of a good file: %+v", res)
		}
	})
}

func TestImportDryRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newRegistry(db)
		text := synthCSV(t, 200, 4)
		res := mustImportCSV(t, s, text, enterprise.ImportOptions{DryRun: true})
		if res.Inserted != 200 || countRows(t, db, "enterprises") != 0 {
			t.Fatalf("dry run %+v wrote %d rows", res, countRows(t, db, "enterprises"))
		}
		mustImportCSV(t, s, text, enterprise.ImportOptions{})
		changed := strings.Replace(text, "有限公司", "股份有限公司", 1)
		res = mustImportCSV(t, s, changed, enterprise.ImportOptions{DryRun: true})
		if res.Updated != 1 || res.Unchanged != 199 || countRows(t, db, "enterprise_history") != 0 {
			t.Errorf("dry run over stored rows: %+v, %d history rows", res, countRows(t, db, "enterprise_history"))
		}
	})
}

func TestImportHeaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newRegistry(db)
		a, b := regUSCC(t, 31), regUSCC(t, 32)
		// Canonical names and Chinese labels give the same result; a BOM,
		// blank lines and surrounding space are ignored; derived columns are
		// accepted and ignored.
		byName := "\uFEFFuscc, name ,registered_capital,size\n" + a + ",甲公司,1000000,大型\n\n"
		// A title and a blank row above the header (a register's name) are
		// passed over.
		byLabel := "武汉市企业名录（2026年11月）\n,,,\n统一社会信用代码,企业名称,注册资本,企业规模\n" + b + ",乙公司,1000000,大型\n"
		for _, text := range []string{byName, byLabel} {
			if res := mustImportCSV(t, s, text, enterprise.ImportOptions{}); res.Inserted != 1 || res.Read != 1 {
				t.Fatalf("import %q: %+v", text, res)
			}
		}
		for _, code := range []string{a, b} {
			e, err := s.FindEnterpriseByUSCC(ctx, auth.Operator("test"), code)
			if err != nil {
				t.Fatal(err)
			}
			// Missing columns are unknown; the derived size is computed, not read.
			if *e.RegisteredCapital != 1000000 || e.Kind != nil || e.Industry != nil || e.Founded != nil || e.Tags != nil || e.Size != nil {
				t.Errorf("%s stored as %+v", code, e)
			}
		}
		// A header may name its unit in brackets, as registers do: a money
		// column in 万元 reads a bare number in 万元, a cell with its own
		// unit in that unit.
		c := regUSCC(t, 33)
		withUnits := "统一社会信用代码,企业名称,注册资本（万元）,营业收入(万元),从业人数（人）,纳税额（元）\n" + c + ",丙公司,100,2500.5,30,1.2万\n"
		if res := mustImportCSV(t, s, withUnits, enterprise.ImportOptions{}); res.Inserted != 1 {
			t.Fatalf("units in headers: %+v", res)
		}
		if e, err := s.FindEnterpriseByUSCC(ctx, auth.Operator("test"), c); err != nil || *e.RegisteredCapital != 1_000_000 || *e.Revenue != 25_005_000 ||
			*e.Employees != 30 || *e.TaxPaid != 12_000 {
			t.Errorf("units in headers: %+v %v", e, err)
		}
		for name, tt := range map[string]struct{ text, want string }{
			"ErrUnknownHeader": {"uscc,name,营业额,email\n" + a + ",甲,1,x\n", "“营业额”、“email”不是企业字段"},
			"ErrDuplicate":     {"uscc,name,统一社会信用代码\n", "重复"},
			"ErrMissingName":   {"uscc,revenue\n" + a + ",1\n", "企业名称"},
			"ErrEmptyFile":     {"", "文件为空"},
			"ErrEmptyHeader":   {"uscc,,name\n", "第2列的表头为空"},
			"ErrTitleOnly":     {"武汉市企业名录\n", "文件为空"},
			"ErrForeignMoney":  {"uscc,name,注册资本（万美元）\n" + a + ",甲,1\n", "“注册资本（万美元）”不是企业字段"},
		} {
			t.Run(name, func(t *testing.T) {
				before := countRows(t, db, "enterprises")
				res, err := importCSV(t, s, tt.text, enterprise.ImportOptions{})
				if errs.CodeOf(err) != errs.Invalid || !strings.Contains(errs.MessageOf(err), tt.want) || res != nil {
					t.Fatalf("got %v, %v; want invalid mentioning %q", res, err, tt.want)
				}
				if countRows(t, db, "enterprises") != before {
					t.Error("a file with a bad header wrote rows")
				}
			})
		}
		t.Run("ErrFormat", func(t *testing.T) {
			_, err := s.Import(ctx, strings.NewReader(""), "xls", enterprise.ImportOptions{}, nil)
			if errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("got %v", err)
			}
			if _, err := enterprise.FormatOf("企业.xls"); errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("FormatOf(.xls) = %v", err)
			}
		})
	})
}

func TestImportXLSX(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newRegistry(db)
		f := excelize.NewFile()
		defer f.Close()
		a, b := regUSCC(t, 41), regUSCC(t, 42)
		rows := [][]any{
			{"统一社会信用代码", "企业名称", "成立日期", "营业收入", "从业人数", "企业标签", "所属区"},
			{a, "武汉甲科技有限公司", 45380, 12345678901, 12, "高新技术企业、科技型中小企业", "420102"}, // 45380 = 2024-03-29 as an Excel date
			{b, "武汉乙科技有限公司", "2024年3月27日", "1,000", "", "", "江岸"},
			{regUSCC(t, 43)[:17], "坏公司"},
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		res, err := s.Import(ctx, &buf, enterprise.FormatXLSX, enterprise.ImportOptions{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkSum(t, res)
		if res.Inserted != 2 || res.Rejected != 1 || res.Errors[0].Line != 4 || res.Errors[0].Field != "uscc" {
			t.Fatalf("got %+v", res)
		}
		ea, _ := s.FindEnterpriseByUSCC(ctx, auth.Operator("test"), a)
		if ea.Founded.String() != "2024-03-29" || *ea.Revenue != 12345678901 || *ea.Employees != 12 || len(ea.Tags) != 2 || *ea.District != "420102" {
			t.Errorf("a stored as %+v", ea)
		}
		eb, _ := s.FindEnterpriseByUSCC(ctx, auth.Operator("test"), b)
		if eb.Founded.String() != "2024-03-27" || *eb.Revenue != 1000 || eb.Employees != nil || eb.Tags == nil || len(eb.Tags) != 0 || *eb.District != "420102" {
			t.Errorf("b stored as %+v", eb)
		}
		t.Run("ErrNotXLSX", func(t *testing.T) {
			_, err := s.Import(ctx, strings.NewReader("uscc,name\n"), enterprise.FormatXLSX, enterprise.ImportOptions{}, nil)
			if errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("got %v", err)
			}
		})
	})
}

func TestImportRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newRegistry(db)
		opts := synth.Options{N: 700, Seed: 9, Today: workday.NewDate(2025, 6, 30)}
		records := func(yield func(*enterprise.Enterprise) error) error { return synth.Generate(opts, yield) }
		res, err := s.ImportRecords(context.Background(), records, enterprise.ImportOptions{BatchSize: 256}, nil)
		if err != nil || res.Inserted != 700 {
			t.Fatalf("%+v, %v", res, err)
		}
		res, err = s.ImportRecords(context.Background(), records, enterprise.ImportOptions{}, nil)
		if err != nil || res.Unchanged != 700 {
			t.Fatalf("second seed %+v, %v", res, err)
		}
		boom := errors.New("boom")
		_, err = s.ImportRecords(context.Background(), func(yield func(*enterprise.Enterprise) error) error { return boom }, enterprise.ImportOptions{}, nil)
		if !errors.Is(err, boom) {
			t.Errorf("a failing source gave %v", err)
		}
	})
}

func TestImportCancel(t *testing.T) {
	db := storetest.MustOpenSQLite(t)
	s := newRegistry(db)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := s.Import(ctx, strings.NewReader(synthCSV(t, 3000, 5)), enterprise.FormatCSV, enterprise.ImportOptions{BatchSize: 500}, func(p enterprise.Progress) {
		if n++; n == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	stored := countRows(t, db, "enterprises")
	if stored == 0 || stored%500 != 0 || stored == 3000 {
		t.Errorf("%d rows kept; want whole committed batches", stored)
	}
	// Resuming: the same file again inserts only the rest.
	res := mustImportCSV(t, s, synthCSV(t, 3000, 5), enterprise.ImportOptions{})
	if res.Unchanged != stored || res.Inserted != 3000-stored {
		t.Errorf("resume: %+v after %d stored", res, stored)
	}
}

func TestWriteRejects(t *testing.T) {
	rowErrs := []enterprise.RowError{{Line: 3, Field: "uscc", Reason: "统一社会信用代码长度不对"}, {Line: 7, Field: "", Reason: "=HYPERLINK(\"x\")"}}
	var b bytes.Buffer
	if err := enterprise.WriteRejects(&b, enterprise.FormatCSV, rowErrs); err != nil {
		t.Fatal(err)
	}
	want := "\uFEFF行号,字段,原因\n3,统一社会信用代码,统一社会信用代码长度不对\n7,,\"'=HYPERLINK(\"\"x\"\")\"\n"
	if b.String() != want {
		t.Errorf("csv:\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	if err := enterprise.WriteRejects(&b, enterprise.FormatXLSX, rowErrs); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil || len(rows) != 3 || rows[1][1] != "统一社会信用代码" || rows[2][0] != "7" {
		t.Errorf("xlsx rows %v, %v", rows, err)
	}
	if err := enterprise.WriteRejects(&b, "pdf", rowErrs); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("pdf: %v", err)
	}
}

func TestImportEncoding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newRegistry(db)
		// "统一社会信用代码,企业名称" in GBK.
		gbk := "\xcd\xb3\xd2\xbb\xc9\xe7\xbb\xe1\xd0\xc5\xd3\xc3\xb4\xfa\xc2\xeb,\xc6\xf3\xd2\xb5\xc3\xfb\xb3\xc6\n"
		if _, err := importCSV(t, s, gbk, enterprise.ImportOptions{}); errs.CodeOf(err) != errs.Invalid || !strings.Contains(errs.MessageOf(err), "UTF-8") {
			t.Errorf("GBK file: %v", err)
		}
		// Bytes PostgreSQL would refuse reject the row, not the batch.
		text := csvText([]string{"uscc", "name", "street"},
			[]string{regUSCC(t, 71), "坏\xff编码公司", ""},
			[]string{regUSCC(t, 72), "好公司", "有\x00零字节"},
			[]string{regUSCC(t, 73), "正常公司", "正常街道"})
		res := mustImportCSV(t, s, text, enterprise.ImportOptions{})
		if res.Inserted != 1 || res.Rejected != 2 || res.Errors[0].Field != "name" || res.Errors[1].Field != "street" {
			t.Errorf("got %+v", res)
		}
	})
}

func TestImportRecordsChecked(t *testing.T) {
	db := storetest.MustOpenSQLite(t)
	s := newRegistry(db)
	bad := "公司"
	district := "110101"
	neg := int64(-3)
	records := []*enterprise.Enterprise{
		{USCC: regUSCC(t, 81), Name: "好公司", Tags: []string{"b", "a", "b"}},
		{USCC: regUSCC(t, 82), Name: "坏类型", Kind: &bad},
		{USCC: regUSCC(t, 83), Name: "坏区", District: &district},
		{USCC: regUSCC(t, 84), Name: "坏人数", Employees: &neg},
		{USCC: "123", Name: ""},
	}
	res, err := s.ImportRecords(context.Background(), func(yield func(*enterprise.Enterprise) error) error {
		for _, r := range records {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	}, enterprise.ImportOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkSum(t, res)
	if res.Inserted != 1 || res.Rejected != 4 || len(res.Errors) != 5 {
		t.Fatalf("got %+v", res)
	}
	e, _ := s.FindEnterpriseByUSCC(context.Background(), auth.Operator("test"), regUSCC(t, 81))
	if !slices.Equal(e.Tags, []string{"a", "b"}) || !slices.Equal(records[0].Tags, []string{"b", "a", "b"}) {
		t.Errorf("tags stored %v, record changed to %v", e.Tags, records[0].Tags)
	}
}
