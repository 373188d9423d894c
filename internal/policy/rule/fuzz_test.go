package rule

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/errs"
)

// ruleSeeds are rules of the genre: the issue's rule, every operator, and
// the constructs and mistakes people type.
var ruleSeeds = []string{
	`district in ["420111", "420106"] && "高新技术企业" in tags && revenue >= 20000000 && (employees <= 300 || size in ["小型", "微型"]) && !(credit == "严重失信") && founded >= "2019-01-01" && prefix(industry, ["C39", "I65"])`,
	`between(revenue, 1000000, 50000000) || known(tax_paid) && unknown(export_value)`,
	`has_any(tags, ["专精特新", "瞪羚企业"]) and not (status == "注销")`,
	`营业收入 >= 100 && district not in ["420102"]`,
	`age_years <= 3 && founded < date("2024-01-01")`,
	`revenue >= >= 5`, `(revenue > 1`, `"x" in`, `revenue > 1 @ 2`, `size == "小型`, ``, `!!!!(revenue > -9223372036854775808.0)`,
	`name == "` + strings.Repeat("(", 40) + `"`,
}

// jsonSeeds are rule JSON of the genre and its mistakes.
var jsonSeeds = []string{
	issueRule,
	`{"not": {"field": "tags", "op": "unknown"}}`,
	`{"any": [{"field": "revenue", "op": "between", "value": [1, 2]}, {"field": "营业收入", "op": "<", "value": 1e3}]}`,
	`{"field": "founded", "op": ">=", "value": "2019年1月1日"}`,
	`{"all": [`, `{"all": []}`, `[1]`, `{"field": "revenue", "op": ">", "value": 1.5}`, `{"field": "x", "op": "in", "value": [[1]]}`,
	`{"field":"district","op":"in","value":["420111",null]}`,
}

// checkParsed checks what every parsed rule must satisfy: it validates, and
// its JSON and expression forms read back as the same rule.
func checkParsed(t *testing.T, src string, r *Rule) {
	t.Helper()
	if err := r.Validate(); err != nil {
		t.Fatalf("%q parsed but does not validate: %v", src, err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("%q: marshal: %v", src, err)
	}
	back, err := Parse(b)
	if err != nil {
		t.Fatalf("%q: its JSON %s does not parse: %v", src, b, err)
	}
	if b2, _ := json.Marshal(back); string(b2) != string(b) {
		t.Fatalf("%q: JSON round trip %s → %s", src, b, b2)
	}
	// The expression form merges nested alls and single children, so it is
	// compared after one round.
	once, err := ParseExpr(r.Expr())
	if err != nil {
		t.Fatalf("%q: its expression %q does not parse: %v", src, r.Expr(), err)
	}
	twice, err := ParseExpr(once.Expr())
	if err != nil {
		t.Fatalf("%q: expression %q does not parse again: %v", src, once.Expr(), err)
	}
	if a, b := mustJSON(t, once), mustJSON(t, twice); a != b {
		t.Fatalf("%q: expression round trip %s → %s", src, a, b)
	}
	if s := r.Sentence(); s == "" || !utf8.ValidString(s) {
		t.Fatalf("%q: sentence %q", src, s)
	}
}

// checkRefused checks a refusal: an Invalid error on the field rule whose
// message is Chinese, never the parser's English.
func checkRefused(t *testing.T, src string, err error) {
	t.Helper()
	if errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != "rule" {
		t.Fatalf("%q: error %v is not invalid on rule", src, err)
	}
	msg := errs.MessageOf(err)
	for _, english := range []string{"unexpected", "token", "invalid character", "cannot unmarshal", "literal"} {
		if strings.Contains(msg, english) {
			t.Fatalf("%q: message %q is not Chinese", src, msg)
		}
	}
}

// FuzzParseExpr feeds the expression form of rules (what the policy form's
// expression box and POST /api/v1/policies/rules/parse take) to ParseExpr.
func FuzzParseExpr(f *testing.F) {
	for _, s := range ruleSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		r, err := ParseExpr(src)
		if err != nil {
			checkRefused(t, src, err)
			return
		}
		checkParsed(t, src, r)
	})
}

// FuzzParse feeds rule JSON (the API's rule field, the clause form's
// textarea) to Parse.
func FuzzParse(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			checkRefused(t, string(data), err)
			return
		}
		checkParsed(t, string(data), r)
	})
}

// FuzzParseAmount feeds the benefit amount of a clause to ParseAmount.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{`{"fixed": 200000}`, `{"rate": 0.1, "of": "rd_expense", "floor": 0, "cap": 500000}`,
		`{"rate": 1000, "of": "从业人数"}`, `{"rate": 0.123456789, "of": "revenue"}`, `{"fixed": -1}`, `{"rate": 1e400, "of": "revenue"}`,
		`{"fixed": 1, "rate": 1}`, `{"cap": 1}`, `{`, `null`, `{"rate": 0.1, "of": "tags"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseAmount(data)
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != "amount" {
				t.Fatalf("%q: error %v is not invalid on amount", data, err)
			}
			return
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("%q parsed but does not validate: %v", data, err)
		}
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseAmount(b)
		if err != nil {
			t.Fatalf("%q: its JSON %s does not parse: %v", data, b, err)
		}
		if b2, _ := json.Marshal(back); string(b2) != string(b) {
			t.Fatalf("%q: round trip %s → %s", data, b, b2)
		}
		if s := a.Sentence(); s == "" {
			t.Fatalf("%q: no sentence", data)
		}
	})
}
