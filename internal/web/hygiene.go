package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/cleantext"
	"github.com/qinqing/qinqing/internal/errs"
)

// Input hygiene. Every routed request passes through checkInput (called by
// wrap, before the handler) with its route's input rules from routes.go;
// what a field may hold is cleantext's rule, the one the import's cells
// follow too:
//
//   - the path, every query parameter and every field of a form or a JSON
//     body must be valid UTF-8 without NUL (PostgreSQL refuses both with
//     SQLSTATE 22021, SQLite stores them);
//   - query parameters, and the fields of forms and JSON bodies that the
//     route does not declare multi-line, are one line: no control
//     characters at all (CR, LF, tab …), nor the line and paragraph
//     separators; a multi-line field may hold CR, LF and tab only;
//   - no field may hold the bidirectional controls (U+202A–U+202E,
//     U+2066–U+2069, U+200E, U+200F, U+061C) that make text read other than
//     it is stored ("RTL override");
//   - an API request with a body must send it as JSON (415 otherwise),
//     except a route that takes uploads (multipart/form-data);
//   - a JSON body nests at most maxJSONDepth levels.
//
// A refused request is a 422 naming the field (a JSON field as its path,
// "grid[2].street").

// maxJSONDepth bounds the nesting of a JSON request body. The deepest
// legitimate body is a rule inside a clause (rule.MaxRuleDepth levels of
// rule, two JSON levels each).
const maxJSONDepth = 80

// input says what a route accepts beyond one-line text fields.
type input struct {
	multiLine []string // fields whose text may span lines (textareas)
	upload    bool     // takes multipart/form-data
}

// checkInput checks r against the input rules of its route (see the top
// of this file). It parses a form body (so the handler's ParseForm finds it
// parsed) and reads a JSON body into memory, leaving an equal body for the
// handler. Errors: Invalid naming the field, TooLarge, Unsupported (415).
func (s *Server) checkInput(r *http.Request, in input) error {
	if err := checkText("path", r.URL.Path, false); err != nil {
		return err
	}
	for k, vs := range r.URL.Query() {
		if err := checkText(k, k, false); err != nil {
			return err
		}
		for _, v := range vs {
			if err := checkText(k, v, false); err != nil {
				return err
			}
		}
	}
	if !hasBody(r) {
		return nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	api := strings.HasPrefix(r.URL.Path, "/api/")
	switch {
	case ct == "multipart/form-data" && in.upload:
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return formError(err)
		}
		return checkForm(r.PostForm, in)
	case ct == "multipart/form-data":
		return errs.Errorf(errs.Unsupported, "此处不接受上传文件")
	case ct == "application/json" || strings.HasSuffix(ct, "+json"):
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return formError(err)
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		return checkJSON(b, in)
	case api:
		return errs.Errorf(errs.Unsupported, "请求内容应为 JSON（Content-Type: application/json）")
	case ct == "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return formError(err)
		}
		return checkForm(r.PostForm, in)
	}
	return nil
}

// hasBody reports whether r carries a body (a known length above zero, or
// an unknown length that turns out not to be empty).
func hasBody(r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return false
	}
	if r.ContentLength > 0 {
		return true
	}
	var one [1]byte
	n, _ := io.ReadFull(r.Body, one[:])
	if n == 0 {
		return false
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(one[:n]), r.Body), r.Body}
	return true
}

// formError maps a failure to read a body.
func formError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errs.Errorf(errs.TooLarge, "请求内容超过 %d 字节上限", tooBig.Limit)
	}
	return &errs.Error{Code: errs.Invalid, Message: "表单无效，无法读取", Err: err}
}

func checkForm(form url.Values, in input) error {
	for k, vs := range form {
		if err := checkText(k, k, false); err != nil {
			return err
		}
		multi := slices.Contains(in.multiLine, k)
		for _, v := range vs {
			if err := checkText(k, v, multi); err != nil {
				return err
			}
		}
	}
	return nil
}

// fieldName makes the name of a field fit to be shown: a name that itself
// holds what is refused (a query key of invalid bytes) has those replaced
// by U+FFFD, and a long one is cut.
func fieldName(field string) string {
	field = strings.ToValidUTF8(field, "\uFFFD")
	field = strings.Map(func(c rune) rune {
		if c == 0 || c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 || cleantext.Bidi(c) || c == '\u2028' || c == '\u2029' {
			return '\uFFFD'
		}
		return c
	}, field)
	if utf8.RuneCountInString(field) > 64 {
		field = string([]rune(field)[:64]) + "…"
	}
	return field
}

// checkText checks one value of field (see the top of this file).
func checkText(field, v string, multiLine bool) error {
	if problem := cleantext.Problem(v, multiLine); problem != "" {
		field = fieldName(field)
		return errs.FieldErrorf(field, "“%s”%s", field, problem)
	}
	return nil
}

// checkJSON checks a JSON body: valid UTF-8, nesting, and every string
// (keys included) as a field named by its path, one line unless its
// top-level key is multi-line. Malformed JSON is left to the decoder,
// which reports it with its position.
func checkJSON(b []byte, in input) error {
	if !utf8.Valid(b) {
		return errs.Errorf(errs.Invalid, "请求内容含有无效的字符编码（应为 UTF-8）")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	// The path of the value being read: object keys and array indices.
	type level struct {
		array bool
		key   string
		index int
	}
	var stack []level
	path := func() string {
		var sb strings.Builder
		for _, l := range stack {
			switch {
			case l.array:
				sb.WriteString("[" + strconv.Itoa(l.index) + "]")
			case l.key == "":
			case sb.Len() > 0:
				sb.WriteString("." + l.key)
			default:
				sb.WriteString(l.key)
			}
		}
		if sb.Len() == 0 {
			return "body"
		}
		return sb.String()
	}
	multi := func() bool { return len(stack) > 0 && !stack[0].array && slices.Contains(in.multiLine, stack[0].key) }
	// value records that a value was read at the current level.
	value := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].index++
			} else {
				stack[n-1].key = "" // the next string is a key
			}
		}
	}
	for {
		t, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return nil // the decoder reports malformed JSON
		}
		switch v := t.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if len(stack) >= maxJSONDepth {
					return errs.Errorf(errs.Invalid, "请求内容嵌套超过 %d 层", maxJSONDepth)
				}
				stack = append(stack, level{array: v == '['})
			case '}', ']':
				stack = stack[:len(stack)-1]
				value()
			}
		case string:
			n := len(stack)
			if n > 0 && !stack[n-1].array && stack[n-1].key == "" {
				if err := checkText(path(), v, false); err != nil {
					return err
				}
				stack[n-1].key = v
				if stack[n-1].key == "" {
					stack[n-1].key = `""`
				}
				continue
			}
			if err := checkText(path(), v, multi()); err != nil {
				return err
			}
			value()
		default:
			value()
		}
	}
}
