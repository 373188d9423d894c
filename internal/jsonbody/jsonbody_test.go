package jsonbody_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jsonbody"
	"github.com/qinqing/qinqing/internal/workday"
)

type input struct {
	Title  string        `json:"title"`
	Count  int           `json:"count"`
	Tags   []string      `json:"tags"`
	Date   *workday.Date `json:"date"`
	Nested struct {
		On bool `json:"on"`
	} `json:"nested"`
}

func TestDecode(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		var in input
		err := jsonbody.Decode(strings.NewReader(` {"title": "政策", "count": 3, "tags": ["a"], "date": "2026-03-02", "nested": {"on": true}} `+"\n"), 1<<10, &in)
		if err != nil || in.Title != "政策" || in.Count != 3 || !in.Nested.On || in.Date == nil {
			t.Fatalf("%+v %v", in, err)
		}
	})
	t.Run("OKOptional", func(t *testing.T) {
		in := input{Title: "kept"}
		for _, body := range []string{"", " \n\t"} {
			if err := jsonbody.DecodeOptional(strings.NewReader(body), 0, &in); err != nil || in.Title != "kept" {
				t.Errorf("optional %q: %+v %v", body, in, err)
			}
		}
		if err := jsonbody.DecodeOptional(strings.NewReader(`{"title":"x"}`), 0, &in); err != nil || in.Title != "x" {
			t.Errorf("optional with a body: %+v %v", in, err)
		}
	})
	for _, tc := range []struct {
		name, body     string
		code           errs.Code
		field, message string
	}{
		{"ErrEmpty", "", errs.Invalid, "", "请求内容为空，应为一个 JSON 值"},
		{"ErrSyntax", `{"title": }`, errs.Invalid, "", "请求内容不是有效的 JSON（第 11 个字节附近）"},
		{"ErrTruncated", `{"title": "x"`, errs.Invalid, "", "请求内容不是完整的 JSON"},
		{"ErrUnknownField", `{"titel": "x"}`, errs.Invalid, "titel", "不认识的字段“titel”"},
		{"ErrWrongKind", `{"count": "3"}`, errs.Invalid, "count", "字段“count”应为整数，实际为文本"},
		{"ErrNested", `{"nested": {"on": 1}}`, errs.Invalid, "nested.on", "字段“nested.on”应为true 或 false，实际为数字"},
		{"ErrArray", `{"tags": "a"}`, errs.Invalid, "tags", "字段“tags”应为数组，实际为文本"},
		{"ErrTopLevel", `[1, 2]`, errs.Invalid, "", "请求内容应为对象，实际为数组"},
		{"ErrTwoValues", `{"title": "a"} {"title": "b"}`, errs.Invalid, "", "请求内容在 JSON 之后还有多余数据"},
		{"ErrBadDate", `{"date": "2026-02-30"}`, errs.Invalid, "", ""},
		{"ErrTooLarge", `{"title": "` + strings.Repeat("长", 400) + `"}`, errs.TooLarge, "", "请求内容过大"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in input
			err := jsonbody.Decode(strings.NewReader(tc.body), 1<<10, &in)
			if errs.CodeOf(err) != tc.code || errs.FieldOf(err) != tc.field || (tc.message != "" && errs.MessageOf(err) != tc.message) {
				t.Fatalf("got %s %q on %q, want %s %q on %q", errs.CodeOf(err), errs.MessageOf(err), errs.FieldOf(err), tc.code, tc.message, tc.field)
			}
			if msg := errs.MessageOf(err); strings.Contains(msg, "jsonbody") || strings.Contains(msg, "input") || strings.Contains(msg, "json:") {
				t.Errorf("message shows Go names: %q", msg)
			}
		})
	}
	t.Run("ErrMaxBytesReader", func(t *testing.T) {
		// The server's own body limit is reported the same way.
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"title": "`+strings.Repeat("x", 100)+`"}`))
		body := http.MaxBytesReader(httptest.NewRecorder(), req.Body, 20)
		var in input
		if err := jsonbody.Decode(body, 0, &in); errs.CodeOf(err) != errs.TooLarge {
			t.Fatalf("got %v", err)
		}
	})
}
