package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAPIDecodeErrors: a malformed API body is answered with a problem in
// Chinese naming the field, never a Go type name.
func TestAPIDecodeErrors(t *testing.T) {
	ts := newTestServer(t)
	staff := ts.LoginAs(t, "staff")
	for _, tc := range []struct {
		name, body, field, detail string
	}{
		{"ErrWrongKind", `{"title": 3, "category": "资金扶持"}`, "title", "字段“title”应为文本，实际为数字"},
		{"ErrUnknownField", `{"titel": "x"}`, "titel", "不认识的字段“titel”"},
		{"ErrTwoValues", `{"title": "a"}{"title": "b"}`, "", "请求内容在 JSON 之后还有多余数据"},
		{"ErrEmpty", ``, "", "请求内容为空，应为一个 JSON 值"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := ts.Request(t, http.MethodPost, "/api/v1/policies", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			p := wantProblem(t, ts.Do(t, staff, req), http.StatusUnprocessableEntity, "invalid", tc.field)
			if p.Detail != tc.detail {
				t.Errorf("detail %q, want %q", p.Detail, tc.detail)
			}
			if strings.Contains(p.Detail, "policy.") || strings.Contains(p.Detail, "json:") || strings.Contains(p.Detail, "Go ") {
				t.Errorf("detail shows Go names: %q", p.Detail)
			}
		})
	}
	t.Run("OKOptionalBody", func(t *testing.T) {
		// Submitting takes an optional body: none, or an empty object.
		res := ts.SendJSON(t, staff, http.MethodPost, "/api/v1/policies/999/submit", "", nil)
		wantProblem(t, res, http.StatusNotFound, "not_found", "")
		res = ts.SendJSON(t, staff, http.MethodPost, "/api/v1/policies/999/submit", "", `{"x": 1}`)
		wantProblem(t, res, http.StatusUnprocessableEntity, "invalid", "x")
	})
}
