package rule

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// issueRule is the example of the issue.
const issueRule = `{"all": [
  {"field": "district", "op": "in", "value": ["420111", "420106"]},
  {"field": "tags", "op": "has", "value": "高新技术企业"},
  {"field": "revenue", "op": ">=", "value": 20000000},
  {"any": [{"field": "employees", "op": "<=", "value": 300},
           {"field": "size", "op": "in", "value": ["小型", "微型"]}]},
  {"not": {"field": "credit", "op": "==", "value": "严重失信"}},
  {"field": "founded", "op": ">=", "value": "2019-01-01"},
  {"field": "industry", "op": "prefix", "value": ["C39", "I65"]}
]}`

func testNamesLookup() Names {
	districts := map[string]string{"420111": "洪山区", "420106": "武昌区", "420102": "江岸区"}
	return Names{District: func(code string) string { return districts[code] }}
}

func TestParse(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		r, err := Parse([]byte(issueRule))
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Leaves(); got != 8 {
			t.Errorf("Leaves = %d, want 8", got)
		}
		want := `{"all":[{"field":"district","op":"in","value":["420111","420106"]},{"field":"tags","op":"has","value":"高新技术企业"},{"field":"revenue","op":">=","value":20000000},{"any":[{"field":"employees","op":"<=","value":300},{"field":"size","op":"in","value":["小型","微型"]}]},{"not":{"field":"credit","op":"==","value":"严重失信"}},{"field":"founded","op":">=","value":"2019-01-01"},{"field":"industry","op":"prefix","value":["C39","I65"]}]}`
		b, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != want {
			t.Errorf("MarshalJSON =\n%s\nwant\n%s", b, want)
		}
		fields := r.Fields()
		if len(fields) != 8 || fields[0] != "district" || fields[7] != "industry" {
			t.Errorf("Fields = %v", fields)
		}
	})
	t.Run("OKNormalises", func(t *testing.T) {
		r, err := Parse([]byte(`{"field": "成立日期", "op": "between", "value": ["2019年1月1日", "2020/12/31"]}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := r.MarshalJSON()
		if want := `{"field":"founded","op":"between","value":["2019-01-01","2020-12-31"]}`; string(b) != want {
			t.Errorf("got %s, want %s", b, want)
		}
		r, err = Parse([]byte(`{"field": "industry", "op": "prefix", "value": "C39"}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ = r.MarshalJSON()
		if want := `{"field":"industry","op":"prefix","value":["C39"]}`; string(b) != want {
			t.Errorf("got %s, want %s", b, want)
		}
		r, err = Parse([]byte(`{"field": "revenue", "op": ">", "value": 2e7}`))
		if err != nil || r.Numbers[0] != 20000000 {
			t.Errorf("2e7: %v %v", r, err)
		}
	})
	t.Run("OKEmbedded", func(t *testing.T) {
		var p struct {
			Rule *Rule `json:"rule"`
		}
		if err := json.Unmarshal([]byte(`{"rule": {"field": "tags", "op": "known"}}`), &p); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"rule":{"field":"tags","op":"known"}}`; string(b) != want {
			t.Errorf("got %s, want %s", b, want)
		}
	})
}

// TestValidationMessages checks each kind of error: code, field and the
// Chinese message with the node path.
func TestValidationMessages(t *testing.T) {
	cases := []struct {
		name string
		json string
		msg  string
	}{
		{"ErrJSON", `{"all": [`, "规则不是合法的 JSON：内容不完整（括号或引号没有配对？）"},
		{"ErrJSONSyntax", `{"all": [}`, "规则不是合法的 JSON：第 10 个字节处写法不对（“}”附近）"},
		{"ErrTrailing", `{"field": "tags", "op": "known"} {}`, "规则 JSON 之后还有多余的内容"},
		{"ErrNotObject", `[1]`, `根条件：应为 JSON 对象，如 {"field": "revenue", "op": ">=", "value": 20000000}`},
		{"ErrEmpty", `{}`, "根条件：条件为空：应为 all、any、not 之一或一个字段条件"},
		{"ErrMixed", `{"all": [{"field": "tags", "op": "known"}], "field": "tags"}`, "根条件：all、any、not 和字段条件只能选一种"},
		{"ErrUnknownKey", `{"field": "tags", "op": "known", "values": 1}`, "根条件：不认识的键“values”（可用：all、any、not、field、op、value）"},
		{"ErrEmptyAll", `{"all": []}`, "根条件：all 应为非空数组"},
		{"ErrAnyNotArray", `{"all": [{"field": "tags", "op": "known"}, {"any": {}}]}`, "条件 all[1]：any 应为非空数组"},
		{"ErrNoField", `{"all": [{"op": "=="}]}`, "条件 all[0]：缺少字段名（field）"},
		{"ErrNoOp", `{"field": "revenue"}`, "根条件：缺少运算符（op）"},
		{"ErrUnknownField", `{"all": [{"field": "tags", "op": "known"}, {"field": "tags", "op": "known"},
			{"any": [{"field": "employes", "op": "<=", "value": 300}]}]}`, "条件 all[2].any[0]：字段“employes”不存在"},
		{"ErrUSCC", `{"field": "uscc", "op": "known"}`, "根条件：字段“统一社会信用代码”（uscc）不能用于规则条件"},
		{"ErrUnknownOp", `{"field": "revenue", "op": "~"}`, "根条件：运算符“~”不存在"},
		{"ErrOpForType", `{"not": {"field": "revenue", "op": "has", "value": "x"}}`, "条件 not：字段“营业收入”（revenue）不支持运算符“has”（可用：==、!=、<、<=、>、>=、between、known、unknown）"},
		{"ErrOpForTags", `{"field": "tags", "op": "==", "value": "x"}`, "根条件：字段“企业标签”（tags）不支持运算符“==”（可用：has、has_any、has_all、known、unknown）"},
		{"ErrMoneyType", `{"field": "revenue", "op": ">=", "value": "2000万"}`, "根条件：字段“营业收入”的值应为整数（单位：元），而不是 “2000万”"},
		{"ErrFraction", `{"field": "employees", "op": ">=", "value": 1.5}`, "根条件：字段“从业人数”的值应为整数，而不是 1.5"},
		{"ErrStringType", `{"field": "district", "op": "==", "value": 420111}`, "根条件：字段“所属区”的值应为字符串，而不是 420111"},
		{"ErrTagType", `{"field": "tags", "op": "has_any", "value": ["高新技术企业", true]}`, "根条件：字段“企业标签”的值应为字符串，而不是 true"},
		{"ErrScalarList", `{"field": "revenue", "op": ">=", "value": [1]}`, "根条件：运算符“>=”的值应为单个值，而不是列表"},
		{"ErrMissingValue", `{"field": "revenue", "op": ">="}`, "根条件：运算符“>=”需要一个值"},
		{"ErrNullValue", `{"field": "revenue", "op": ">=", "value": null}`, "根条件：运算符“>=”需要一个值"},
		{"ErrExtraValue", `{"field": "revenue", "op": "known", "value": 1}`, "根条件：运算符“known”不需要值"},
		{"ErrEmptyList", `{"field": "district", "op": "in", "value": []}`, "根条件：运算符“in”的值列表不能为空"},
		{"ErrBetweenShape", `{"field": "revenue", "op": "between", "value": [1]}`, "根条件：运算符“between”的值应为 [下限, 上限] 两个整数"},
		{"ErrBetweenScalar", `{"field": "founded", "op": "between", "value": "2019-01-01"}`, "根条件：运算符“between”的值应为 [下限, 上限] 两个日期"},
		{"ErrBetweenOrder", `{"field": "revenue", "op": "between", "value": [5, 1]}`, "根条件：运算符“between”的下限 5 大于上限 1"},
		{"ErrBetweenDateOrder", `{"field": "founded", "op": "between", "value": ["2020-01-01", "2019-01-01"]}`, "根条件：运算符“between”的下限 2020-01-01 大于上限 2019-01-01"},
		{"ErrDate", `{"field": "founded", "op": ">=", "value": "2019-02-30"}`, "根条件：字段“成立日期”的值不对：日期不存在：\"2019-02-30\""},
		{"ErrDateType", `{"field": "founded", "op": ">=", "value": 2019}`, "根条件：字段“成立日期”的值应为日期字符串（如 \"2019-01-01\"），而不是 2019"},
		{"ErrEnum", `{"any": [{"field": "size", "op": "in", "value": ["小型", "特大型"]}]}`, "条件 any[0]：“特大型”不是企业规模的可选值（可选：大型、中型、小型、微型）"},
		{"ErrCredit", `{"field": "credit", "op": "==", "value": "失信"}`, "根条件：“失信”不是信用状况的可选值（可选：正常、经营异常、严重失信）"},
		{"ErrDistrict", `{"field": "district", "op": "in", "value": ["420111", "4201"]}`, "根条件：区划代码应为6位数字，而不是“4201”"},
		{"ErrIndustry", `{"field": "industry", "op": "prefix", "value": ["c39"]}`, "根条件：行业代码格式不对：“c39”（应为门类字母加最多4位数字，如 C 或 C39 或 C3911）"},
		{"ErrEmptyTag", `{"field": "tags", "op": "has", "value": " "}`, "根条件：企业标签的值不能为空"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Parse([]byte(tc.json))
			if err == nil {
				t.Fatalf("Parse gave %s, want an error", r.Expr())
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != errs.Invalid || e.Field != "rule" {
				t.Fatalf("error %#v is not an Invalid *errs.Error on rule", err)
			}
			if e.Message != tc.msg {
				t.Errorf("message\n%s\nwant\n%s", e.Message, tc.msg)
			}
		})
	}
}

// TestValidateBuilt checks Validate on rules built in code.
func TestValidateBuilt(t *testing.T) {
	cases := []struct {
		name string
		rule *Rule
		msg  string
	}{
		{"ErrNil", nil, "根条件：规则为空"},
		{"ErrNilChild", &Rule{All: []*Rule{nil}}, "条件 all[0]：条件为空"},
		{"ErrWrongSlot", &Rule{Field: "revenue", Op: OpGe, Values: []string{"1"}}, "根条件：字段“营业收入”的值应为整数"},
		{"ErrTwoScalars", &Rule{Field: "revenue", Op: OpGe, Numbers: []int64{1, 2}}, "根条件：运算符“>=”需要一个值"},
		{"ErrMixed", &Rule{Not: &Rule{Field: "tags", Op: OpKnown}, Field: "tags"}, "根条件：all、any、not 和字段条件只能选一种"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.rule.Validate()
			if errs.CodeOf(err) != errs.Invalid || errs.MessageOf(err) != tc.msg {
				t.Errorf("Validate = %v, want message %s", err, tc.msg)
			}
		})
	}
	t.Run("OKLabel", func(t *testing.T) {
		r := &Rule{Field: "营业收入", Op: OpGe, Numbers: []int64{1}}
		if err := r.Validate(); err != nil {
			t.Fatal(err)
		}
		if r.Field != "revenue" {
			t.Errorf("Field = %q, want revenue", r.Field)
		}
	})
}

func TestEvalKleene(t *testing.T) {
	today := workday.MustParseDate("2025-06-30")
	known := &enterprise.Enterprise{
		Name: "甲公司", District: ptr("420111"), Revenue: ptr(int64(30000000)), Tags: []string{"高新技术企业"},
		Credit: ptr("正常"), Founded: ptr(workday.MustParseDate("2020-07-01")), Industry: ptr("C3911"),
		Employees: ptr(int64(200)),
	}
	empty := &enterprise.Enterprise{Tags: []string{}}
	unknown := &enterprise.Enterprise{}
	cases := []struct {
		rule                  string
		known, empty, unknown Outcome
	}{
		{`{"field":"tags","op":"has","value":"高新技术企业"}`, Yes, No, Unknown},
		{`{"field":"tags","op":"known"}`, Yes, Yes, No},
		{`{"field":"tags","op":"unknown"}`, No, No, Yes},
		{`{"field":"revenue","op":"unknown"}`, No, Yes, Yes},
		{`{"not":{"field":"revenue","op":">=","value":1}}`, No, Unknown, Unknown},
		{`{"all":[{"field":"tags","op":"has","value":"高新技术企业"},{"field":"revenue","op":">=","value":1}]}`, Yes, No, Unknown},
		{`{"any":[{"field":"tags","op":"has","value":"高新技术企业"},{"field":"revenue","op":">=","value":1}]}`, Yes, Unknown, Unknown},
		{`{"any":[{"field":"tags","op":"unknown"},{"field":"revenue","op":">=","value":1}]}`, Yes, Unknown, Yes},
		{`{"field":"age_years","op":"between","value":[4,5]}`, Yes, Unknown, Unknown},
		{`{"field":"age_years","op":">=","value":5}`, No, Unknown, Unknown},
		{`{"field":"industry","op":"prefix","value":["I65","C39"]}`, Yes, Unknown, Unknown},
		{`{"field":"name","op":"not_in","value":["乙公司"]}`, Yes, Unknown, Unknown},
		{`{"field":"district","op":"!=","value":"420111"}`, No, Unknown, Unknown},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			r := MustParse(tc.rule)
			for _, c := range []struct {
				e    *enterprise.Enterprise
				want Outcome
			}{{known, tc.known}, {empty, tc.empty}, {unknown, tc.unknown}} {
				if got := r.Eval(c.e, today); got != c.want {
					t.Errorf("%s: got %v, want %v", show(c.e), got, c.want)
				}
			}
		})
	}
}

func TestOutcome(t *testing.T) {
	for _, c := range []struct {
		o        Outcome
		zh, text string
	}{{Yes, "符合", "yes"}, {No, "不符合", "no"}, {Unknown, "待补充信息", "unknown"}} {
		b, _ := c.o.MarshalText()
		if c.o.String() != c.zh || string(b) != c.text {
			t.Errorf("%d: %s %s", c.o, c.o, b)
		}
	}
}

func TestSentence(t *testing.T) {
	r := MustParse(issueRule)
	want := "所属区为洪山区或武昌区，且具有“高新技术企业”标签，且营业收入不低于2000万元，且（从业人数不超过300人或企业规模为小型、微型），且信用状况不为严重失信，且成立日期不早于2019年1月1日，且行业代码以C39或I65开头"
	if got := r.Sentence(testNamesLookup()); got != want {
		t.Errorf("Sentence =\n%s\nwant\n%s", got, want)
	}
	if got := r.Sentence(); got[:len("所属区为420111或420106")] != "所属区为420111或420106" {
		t.Errorf("Sentence without names = %s", got)
	}
	cases := []struct{ rule, want string }{
		{`{"not":{"all":[{"field":"revenue","op":"<","value":5000},{"field":"tags","op":"has_all","value":["专精特新","瞪羚企业"]}]}}`,
			"营业收入不低于5000元，或不同时具有“专精特新”“瞪羚企业”标签"},
		{`{"any":[{"field":"employees","op":">","value":10},{"all":[{"field":"founded","op":"<","value":"2000-02-29"},{"field":"age_years","op":">=","value":3}]}]}`,
			"从业人数多于10人，或（成立日期早于2000年2月29日且成立年限不少于3年）"},
		{`{"field":"revenue","op":"between","value":[5000000,150000000]}`, "营业收入在500万元至1.5亿元之间"},
		{`{"not":{"field":"revenue","op":"between","value":[12345,123456789]}}`, "营业收入不在1.2345万元至12345.6789万元之间"},
		{`{"not":{"field":"tags","op":"has_any","value":["外资企业","上市企业"]}}`, "不具有“外资企业”“上市企业”中的任何标签"},
		{`{"field":"tags","op":"has_any","value":["外资企业","上市企业"]}`, "具有“外资企业”或“上市企业”标签"},
		{`{"not":{"field":"tags","op":"has","value":"外资企业"}}`, "不具有“外资企业”标签"},
		{`{"not":{"field":"industry","op":"prefix","value":["C39","I65"]}}`, "行业代码不以C39、I65开头"},
		{`{"field":"district","op":"not_in","value":["420111","420102"]}`, "所属区不属于洪山区、江岸区"},
		{`{"not":{"field":"size","op":"in","value":["大型"]}}`, "企业规模不为大型"},
		{`{"field":"name","op":"==","value":"甲公司"}`, "企业名称为“甲公司”"},
		{`{"not":{"field":"rd_expense","op":"known"}}`, "研发费用未知"},
		{`{"not":{"not":{"field":"tax_paid","op":"<=","value":0}}}`, "纳税额不超过0元"},
		{`{"all":[{"any":[{"field":"status","op":"==","value":"存续"}]}]}`, "登记状态为存续"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			if got := MustParse(tc.rule).Sentence(testNamesLookup()); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	r := MustParse(issueRule)
	e := &enterprise.Enterprise{
		District: ptr("420111"), Tags: []string{"高新技术企业", "专精特新"}, Revenue: ptr(int64(25000000)),
		Size: ptr("小型"), Credit: ptr("严重失信"), Founded: ptr(workday.MustParseDate("2019-01-01")),
	}
	today := workday.MustParseDate("2025-06-30")
	got := r.Explain(e, today, testNamesLookup())
	want := []LeafResult{
		{"all[0]", "district", "所属区", "所属区为洪山区或武昌区", "洪山区", Yes},
		{"all[1]", "tags", "企业标签", "具有“高新技术企业”标签", "高新技术企业、专精特新", Yes},
		{"all[2]", "revenue", "营业收入", "营业收入不低于2000万元", "2500万元", Yes},
		{"all[3].any[0]", "employees", "从业人数", "从业人数不超过300人", "未知", Unknown},
		{"all[3].any[1]", "size", "企业规模", "企业规模为小型、微型", "小型", Yes},
		{"all[4].not", "credit", "信用状况", "信用状况不为严重失信", "严重失信", No},
		{"all[5]", "founded", "成立日期", "成立日期不早于2019年1月1日", "2019年1月1日", Yes},
		{"all[6]", "industry", "行业代码", "行业代码以C39或I65开头", "未知", Unknown},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d leaves, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("leaf %d:\ngot  %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if o := r.Eval(e, today); o != No {
		t.Errorf("Eval = %v, want 不符合", o)
	}
	age := MustParse(`{"field":"age_years","op":">=","value":3}`).Explain(e, today)
	if age[0].Actual != "6年" || age[0].Condition != "成立年限不少于3年" {
		t.Errorf("age: %+v", age[0])
	}
	tags := MustParse(`{"field":"tags","op":"known"}`).Explain(&enterprise.Enterprise{Tags: []string{}}, today)
	if tags[0].Actual != "无" || tags[0].Outcome != Yes {
		t.Errorf("empty tags: %+v", tags[0])
	}
}

// canonical flattens what the expression form cannot tell apart: an all
// directly in an all, an any in an any, and single-child all/any nodes.
func canonical(r *Rule) *Rule {
	switch {
	case r.All != nil, r.Any != nil:
		kids, isAll := r.All, true
		if r.Any != nil {
			kids, isAll = r.Any, false
		}
		var out []*Rule
		for _, c := range kids {
			c = canonical(c)
			if isAll && c.All != nil {
				out = append(out, c.All...)
			} else if !isAll && c.Any != nil {
				out = append(out, c.Any...)
			} else {
				out = append(out, c)
			}
		}
		if len(out) == 1 {
			return out[0]
		}
		if isAll {
			return &Rule{All: out}
		}
		return &Rule{Any: out}
	case r.Not != nil:
		return &Rule{Not: canonical(r.Not)}
	}
	return r
}

func mustJSON(t *testing.T, r *Rule) string {
	t.Helper()
	b, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 3000 {
		r := randRule(rng, 1+i%5)
		j := mustJSON(t, r)
		back, err := Parse([]byte(j))
		if err != nil {
			t.Fatalf("Parse(%s): %v", j, err)
		}
		if j2 := mustJSON(t, back); j2 != j {
			t.Fatalf("JSON round trip:\n%s\n%s", j, j2)
		}
		x := r.Expr()
		fromExpr, err := ParseExpr(x)
		if err != nil {
			t.Fatalf("ParseExpr(%s): %v", x, err)
		}
		if got, want := mustJSON(t, fromExpr), mustJSON(t, canonical(r)); got != want {
			t.Fatalf("expr round trip of %s:\ngot  %s\nwant %s", x, got, want)
		}
		if x2 := fromExpr.Expr(); x2 != canonical(r).Expr() {
			t.Fatalf("Expr not stable: %s vs %s", x2, x)
		}
	}
}

func TestParseExpr(t *testing.T) {
	cases := []struct{ expr, json string }{
		{`district in ["420111"] && "高新技术企业" in tags && revenue >= 20000000 && !(credit == "严重失信")`,
			`{"all":[{"field":"district","op":"in","value":["420111"]},{"field":"tags","op":"has","value":"高新技术企业"},{"field":"revenue","op":">=","value":20000000},{"not":{"field":"credit","op":"==","value":"严重失信"}}]}`},
		{`20000000 <= revenue`, `{"field":"revenue","op":">=","value":20000000}`},
		{`revenue > -5 and (employees <= 300 or size in ["小型", "微型"])`,
			`{"all":[{"field":"revenue","op":">","value":-5},{"any":[{"field":"employees","op":"<=","value":300},{"field":"size","op":"in","value":["小型","微型"]}]}]}`},
		{`founded >= date("2019-01-01") && founded < "2020年1月1日"`,
			`{"all":[{"field":"founded","op":">=","value":"2019-01-01"},{"field":"founded","op":"<","value":"2020-01-01"}]}`},
		{`district not in ["420111", "420106"]`, `{"field":"district","op":"not_in","value":["420111","420106"]}`},
		{`!(district in ["420111"])`, `{"not":{"field":"district","op":"in","value":["420111"]}}`},
		{`"外资企业" not in tags`, `{"not":{"field":"tags","op":"has","value":"外资企业"}}`},
		{`has_any(tags, ["专精特新", "瞪羚企业"]) || has_all(tags, ["高新技术企业"]) || has(tags, "上市企业")`,
			`{"any":[{"field":"tags","op":"has_any","value":["专精特新","瞪羚企业"]},{"field":"tags","op":"has_all","value":["高新技术企业"]},{"field":"tags","op":"has","value":"上市企业"}]}`},
		{`prefix(industry, "C39") && known(rd_expense) && unknown(export_value)`,
			`{"all":[{"field":"industry","op":"prefix","value":["C39"]},{"field":"rd_expense","op":"known"},{"field":"export_value","op":"unknown"}]}`},
		{`between(age_years, 3, 10) && 营业收入 > 1e6`,
			`{"all":[{"field":"age_years","op":"between","value":[3,10]},{"field":"revenue","op":">","value":1000000}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			r, err := ParseExpr(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := mustJSON(t, r); got != tc.json {
				t.Errorf("got  %s\nwant %s", got, tc.json)
			}
		})
	}
	t.Run("OKQuoting", func(t *testing.T) {
		r := &Rule{Any: []*Rule{
			{Field: "name", Op: OpIn, Values: []string{"甲\"乙\"公司", "tab\there", `back\slash`, "\x01控制"}},
			{Field: "street", Op: OpEq, Values: []string{"it's"}},
		}}
		if err := r.Validate(); err != nil {
			t.Fatal(err)
		}
		back, err := ParseExpr(r.Expr())
		if err != nil {
			t.Fatalf("ParseExpr(%s): %v", r.Expr(), err)
		}
		if got, want := mustJSON(t, back), mustJSON(t, r); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
	t.Run("OKIssueRoundTrip", func(t *testing.T) {
		r := MustParse(issueRule)
		want := `district in ["420111", "420106"] && "高新技术企业" in tags && revenue >= 20000000 && (employees <= 300 || size in ["小型", "微型"]) && !(credit == "严重失信") && founded >= "2019-01-01" && prefix(industry, ["C39", "I65"])`
		if got := r.Expr(); got != want {
			t.Errorf("Expr =\n%s\nwant\n%s", got, want)
		}
		back, err := ParseExpr(r.Expr())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal([]byte(mustJSON(t, back)), []byte(mustJSON(t, r))) {
			t.Errorf("round trip differs")
		}
	})
	errCases := []struct{ expr, msg string }{
		{``, "表达式为空"},
		{`revenue >=`, "表达式有语法错误（在表达式末尾）：表达式不完整，末尾缺少内容（少了值或右括号？）"},
		{`revenue >= >= 5`, "表达式有语法错误（第 12 个字符处，“>= 5”）：这里不应出现运算符“>=”（运算符两边都应有内容，如 revenue >= 20000000）"},
		{`(revenue > 1))`, "表达式有语法错误（第 14 个字符处，“)”）：这里不应出现括号“)”（括号是否成对？）"},
		{`revenue > 1 employees < 3`, "表达式有语法错误（第 13 个字符处，“employees <…”）：这里不应出现“employees”（是否少了 && 或 || ？）"},
		{"size == \"小型", "表达式有语法错误（第 9 个字符处，“\"小型”）：字符串缺少结束的引号"},
		{`revenue > 1 @ 2`, "表达式有语法错误（第 13 个字符处，“@ 2”）：不认识的字符“@”"},
		{"revenue > 1 &&\n营业收入 >", "表达式有语法错误（在表达式末尾）：表达式不完整，末尾缺少内容（少了值或右括号？）"},
		{"revenue > 1 &&\n>= 2", "表达式有语法错误（第 2 行第 1 个字符处，“>= 2”）：这里不应出现运算符“>=”（运算符两边都应有内容，如 revenue >= 20000000）"},
		{`revenue + 1 > 2`, "表达式“revenue + 1 > 2”：比较的一边应为字段名，如 revenue >= 20000000"},
		{`revenue > 1 + 2`, "表达式“1 + 2”：这里应为一个常量值（数、字符串或列表）"},
		{`revenue`, "表达式“revenue”：这里应为一个条件，如 revenue >= 20000000"},
		{`1 == 2`, "表达式“1 == 2”：比较的一边应为字段名，如 revenue >= 20000000"},
		{`district in "420111"`, "表达式“\"420111\"”：in 的右边应为列表，如 [\"420111\", \"420106\"]"},
		{`lower(name) == "x"`, "表达式“lower(name) == \"x\"”：比较的一边应为字段名，如 revenue >= 20000000"},
		{`size in [["小型"]]`, "表达式“[\"小型\"]”：列表中不能再有列表"},
		{`revenue > 1 ? true : false`, "表达式“revenue > 1 ? true : false”：这里应为一个条件，如 revenue >= 20000000"},
		{`foo(revenue)`, "表达式“foo(revenue)”：不认识的函数“foo”（可用：known、unknown、has、has_any、has_all、prefix、between）"},
		{`known(revenue, 1)`, "表达式“known(revenue, 1)”：函数 known 需要 1 个参数"},
		{`revenue >= 1 && employes <= 3`, "条件 all[1]：字段“employes”不存在"},
		{`revenue >= 1 && (tags == "x" || size == "大")`, "条件 all[1].any[0]：字段“企业标签”（tags）不支持运算符“==”（可用：has、has_any、has_all、known、unknown）"},
		{`revenue >= 1 && !(size == "大")`, "条件 all[1].not：“大”不是企业规模的可选值（可选：大型、中型、小型、微型）"},
	}
	for _, tc := range errCases {
		t.Run("Err "+tc.expr, func(t *testing.T) {
			_, err := ParseExpr(tc.expr)
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != errs.Invalid || e.Field != "rule" {
				t.Fatalf("error %#v is not an Invalid *errs.Error on rule", err)
			}
			if e.Message != tc.msg {
				t.Errorf("message\n%s\nwant\n%s", e.Message, tc.msg)
			}
		})
	}
}
