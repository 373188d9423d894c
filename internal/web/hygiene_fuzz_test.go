package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http/httptest"
	"slices"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/errs"
)

// FuzzCheckInput feeds requests — a query string and a body sent as JSON
// or as a form — to the input check every routed request passes: what it
// accepts holds no NUL, no invalid UTF-8, no direction override, and no
// control character outside a multi-line field; what it refuses is a 422
// naming a field (or a 413/415); the handler gets the body as it was sent.
func FuzzCheckInput(f *testing.F) {
	f.Add("q=%E5%85%89%E8%B0%B7&district=420111&tag=a&tag=b", []byte(`{"name": "市发改委", "aliases": ["发改委", "x"], "note": "第一行\n第二行"}`), false, true)
	f.Add("q=%00", []byte(`{"name": "a\u0000b"}`), false, false)
	f.Add("", []byte("{\"name\": \"\xff\"}"), false, true)
	f.Add("x=%E2%80%AE", []byte(`{"a": {"b": [{"c": "\u202e"}]}}`), false, false)
	f.Add("", []byte("name=%E5%8D%95%E4%BD%8D&aliases=a%0D%0Ab"), true, true)
	f.Add("", []byte("name=a%0Ab"), true, false)
	f.Add("", []byte(`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`), false, false)
	f.Add("", []byte(`{"": "", "\u0000": 1}`), false, false)
	s := &Server{}
	f.Fuzz(func(t *testing.T, query string, body []byte, form, multi bool) {
		r := httptest.NewRequest("POST", "/api/v1/units", bytes.NewReader(body))
		r.URL.RawQuery = query
		in := input{}
		if multi {
			in.multiLine = []string{"note", "aliases"}
		}
		if form {
			r.URL.Path = "/admin/units"
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			r.Header.Set("Content-Type", "application/json")
		}
		err := s.checkInput(r, in)
		if err != nil {
			switch errs.CodeOf(err) {
			case errs.Invalid, errs.TooLarge, errs.Unsupported:
			default:
				t.Fatalf("refused with %v", err)
			}
			if msg := errs.MessageOf(err); msg == "" || !utf8.ValidString(msg) || !utf8.ValidString(errs.FieldOf(err)) {
				t.Fatalf("refusal %q on field %q", msg, errs.FieldOf(err))
			}
			return
		}
		for k, vs := range r.URL.Query() {
			for _, v := range append(vs, k) {
				if !clean(v, false) {
					t.Fatalf("accepted query %s=%q", k, v)
				}
			}
		}
		if form {
			for k, vs := range r.PostForm {
				for _, v := range vs {
					if !clean(k, false) || !clean(v, slices.Contains(in.multiLine, k)) {
						t.Fatalf("accepted form field %q=%q", k, v)
					}
				}
			}
			return
		}
		got, _ := io.ReadAll(r.Body)
		if !bytes.Equal(got, body) {
			t.Fatalf("the handler gets %q, not the body sent %q", got, body)
		}
		var v any
		if json.Unmarshal(body, &v) != nil {
			return // malformed: the decoder refuses it, with its position
		}
		if !utf8.Valid(body) {
			t.Fatalf("accepted a body that is not UTF-8: %q", body)
		}
		var walk func(v any, top string, depth int)
		walk = func(v any, top string, depth int) {
			if depth > maxJSONDepth {
				t.Fatalf("accepted JSON nested %d levels", depth)
			}
			switch x := v.(type) {
			case string:
				if !clean(x, slices.Contains(in.multiLine, top)) {
					t.Fatalf("accepted JSON string %q under %q", x, top)
				}
			case []any:
				for _, e := range x {
					walk(e, top, depth+1)
				}
			case map[string]any:
				for k, e := range x {
					if !clean(k, false) {
						t.Fatalf("accepted JSON key %q", k)
					}
					if depth == 0 {
						top = k
					}
					walk(e, top, depth+1)
				}
			}
		}
		walk(v, "", 0)
	})
}

// clean reports whether s may be accepted in a field: valid UTF-8, no NUL
// or direction override, and control characters only as line breaks and
// tabs of a multi-line field.
func clean(s string, multiLine bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		switch {
		case c == 0 || c >= '\u202a' && c <= '\u202e' || c >= '\u2066' && c <= '\u2069':
			return false
		case multiLine && (c == '\n' || c == '\r' || c == '\t'):
		case unicode.IsControl(c) || c == '\u2028' || c == '\u2029':
			return false
		}
	}
	return true
}
