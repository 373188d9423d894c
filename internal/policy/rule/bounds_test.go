package rule_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy/rule"
)

// worstInputs are the largest inputs the API's 1 MiB body admits that
// nest as deep as they can, or spread as wide.
func worstInputs() map[string]string {
	const n = 400_000
	return map[string]string{
		"expr-parens": strings.Repeat("(", n) + "revenue > 1" + strings.Repeat(")", n),
		"expr-nots":   strings.Repeat("!", 2*n) + "(revenue > 1)",
		"expr-wide":   "revenue > 1" + strings.Repeat(" || revenue > 1", 60_000),
		"expr-list":   "district in [" + strings.Repeat(`"420111",`, 110_000) + `"420111"]`,
		"json-nots":   strings.Repeat(`{"not":`, 9_000) + `{"field":"revenue","op":">","value":1}` + strings.Repeat("}", 9_000),
		"json-wide":   `{"any":[` + strings.Repeat(`{"field":"revenue","op":">","value":1},`, 25_000) + `{"field":"revenue","op":">","value":1}]}`,
	}
}

// worstInBounds are the costliest inputs just inside the byte bound: as
// many nodes as fit, nested as deep as allowed.
func worstInBounds() map[string]string {
	deep := strings.Repeat("(", 30) + "revenue > 1" + strings.Repeat(")", 30)
	leaf := `{"field":"revenue","op":">","value":1}`
	return map[string]string{
		"expr-max-deep": fill(deep, " || ", rule.MaxRuleBytes),
		"expr-max-wide": fill("revenue > 1", " || ", rule.MaxRuleBytes),
		"json-max-wide": `{"any":[` + fill(leaf, ",", rule.MaxRuleBytes-10) + `]}`,
		"json-max-deep": `{"any":[` + fill(strings.Repeat(`{"not":`, 30)+leaf+strings.Repeat("}", 30), ",", rule.MaxRuleBytes-10) + `]}`,
	}
}

// fill repeats part joined by sep as often as fits in n bytes.
func fill(part, sep string, n int) string {
	k := (n + len(sep)) / (len(part) + len(sep))
	parts := make([]string, k)
	for i := range parts {
		parts[i] = part
	}
	return strings.Join(parts, sep)
}

// BenchmarkParseWorst measures the rule parsers on the worst inputs a
// request can carry (go test -bench ParseWorst -benchmem ./internal/policy/rule/).
func BenchmarkParseWorst(b *testing.B) {
	inputs := worstInputs()
	for name, src := range worstInBounds() {
		inputs[name] = src
	}
	for name, src := range inputs {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if strings.HasPrefix(name, "json") {
					_, _ = rule.Parse([]byte(src))
				} else {
					_, _ = rule.ParseExpr(src)
				}
			}
		})
	}
}

// TestRuleBounds checks that rules over the size, nesting and count bounds
// are refused with a clear message before they are parsed — the worst
// inputs used to take gigabytes of stack, or crash the process — and that
// rules inside the bounds still parse.
func TestRuleBounds(t *testing.T) {
	for name, src := range worstInputs() {
		t.Run("Err "+name, func(t *testing.T) {
			var err error
			if strings.HasPrefix(name, "json") {
				_, err = rule.Parse([]byte(src))
			} else {
				_, err = rule.ParseExpr(src)
			}
			if errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != "rule" || !strings.Contains(errs.MessageOf(err), "过") {
				t.Fatalf("got %v, want an invalid rule that is too big or too long", err)
			}
		})
	}
	deepJSON := func(n int) string {
		return strings.Repeat(`{"not":`, n-1) + `{"field":"revenue","op":">","value":1}` + strings.Repeat("}", n-1)
	}
	deepExpr := func(n int) string {
		return strings.Repeat("!(", n-1) + "revenue > 1" + strings.Repeat(")", n-1)
	}
	wide := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf("revenue > %d", i)
		}
		return strings.Join(parts, " || ")
	}
	for _, tc := range []struct {
		name string
		json bool
		src  string
		ok   bool
	}{
		{"OK json depth 32", true, deepJSON(rule.MaxRuleDepth), true},
		{"Err json depth 33", true, deepJSON(rule.MaxRuleDepth + 1), false},
		{"OK expr depth 32", false, strings.Repeat("(", 31) + "revenue > 1" + strings.Repeat(")", 31), true},
		{"OK expr nots", false, deepExpr(16), true},
		{"Err expr nots", false, deepExpr(rule.MaxRuleDepth), false},
		{"Err expr parens", false, strings.Repeat("(", 33) + "revenue > 1" + strings.Repeat(")", 33), false},
		{"OK brackets in a string", false, `name == "` + strings.Repeat("(", 500) + `"`, true},
		{"OK 500 conditions", false, wide(rule.MaxRuleLeaves), true},
		{"Err 501 conditions", false, wide(rule.MaxRuleLeaves + 1), false},
		{"Err too many values", false, `district in [` + strings.Repeat(`"420111", `, rule.MaxRuleValues) + `"420111"]`, false},
		{"Err too long", false, `name == "` + strings.Repeat("x", rule.MaxRuleBytes) + `"`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.json {
				_, err = rule.Parse([]byte(tc.src))
			} else {
				_, err = rule.ParseExpr(tc.src)
			}
			if tc.ok && err != nil {
				t.Fatalf("a rule inside the bounds: %v", err)
			}
			if !tc.ok && (errs.CodeOf(err) != errs.Invalid || !strings.Contains(errs.MessageOf(err), "规则过大")) {
				t.Fatalf("got %v, want 规则过大", err)
			}
		})
	}
	t.Run("Err built in code", func(t *testing.T) {
		r := &rule.Rule{Field: "revenue", Op: rule.OpGt, Numbers: []int64{1}}
		for range rule.MaxRuleDepth {
			r = &rule.Rule{Not: r}
		}
		if err := r.Validate(); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("Validate of a rule %d levels deep: %v", rule.MaxRuleDepth+1, err)
		}
	})
}
