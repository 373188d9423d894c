// Package jsonbody decodes the JSON bodies of API requests, one way for
// every endpoint: exactly one JSON value, unknown fields refused, a size
// limit, and errors in Chinese that name the field and the expected kind
// of value — never a Go type name.
package jsonbody

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
)

// Decode reads exactly one JSON value from r (at most limit bytes; 0 means
// no limit of its own) into v. Errors: Invalid (malformed JSON, an unknown
// field, a value of the wrong kind, data after the value, an empty body),
// with the field set; TooLarge past limit or an http.MaxBytesReader's.
func Decode(r io.Reader, limit int64, v any) error {
	return decode(r, limit, v, false)
}

// DecodeOptional is Decode for a body that may be empty (or only white
// space): v is then left as it is.
func DecodeOptional(r io.Reader, limit int64, v any) error {
	return decode(r, limit, v, true)
}

func decode(r io.Reader, limit int64, v any, optional bool) error {
	if r == nil {
		r = strings.NewReader("")
	}
	if limit <= 0 {
		limit = -1
	}
	lr := &limited{r: r, n: limit}
	br := bufio.NewReader(lr)
	if empty, err := onlySpace(br); err != nil {
		return readErr(err)
	} else if empty {
		if optional {
			return nil
		}
		return errs.Errorf(errs.Invalid, "请求内容为空，应为一个 JSON 值")
	}
	dec := json.NewDecoder(br)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return translate(err)
	}
	if rest, err := onlySpace(bufio.NewReader(dec.Buffered())); err != nil || !rest {
		return errs.Errorf(errs.Invalid, "请求内容在 JSON 之后还有多余数据")
	}
	if rest, err := onlySpace(br); err != nil {
		return readErr(err)
	} else if !rest {
		return errs.Errorf(errs.Invalid, "请求内容在 JSON 之后还有多余数据")
	}
	return nil
}

// limited reads at most n bytes of r (n < 0: no limit) and fails with
// errTooLarge when r holds more.
type limited struct {
	r io.Reader
	n int64
}

var errTooLarge = errors.New("body too large")

func (l *limited) Read(p []byte) (int, error) {
	switch {
	case l.n < 0:
		return l.r.Read(p)
	case l.n == 0:
		var b [1]byte
		n, err := l.r.Read(b[:])
		if n > 0 {
			return 0, errTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// onlySpace reports whether br holds nothing but white space until EOF,
// consuming it; it stops (without consuming) at the first other byte.
func onlySpace(br *bufio.Reader) (bool, error) {
	for {
		b, err := br.ReadByte()
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return false, br.UnreadByte()
	}
}

func readErr(err error) error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return errs.Errorf(errs.TooLarge, "请求内容超过 %d 字节上限", tooBig.Limit)
	case errors.Is(err, errTooLarge):
		return errs.Errorf(errs.TooLarge, "请求内容过大")
	}
	return errs.Wrap(err, "read request body")
}

// translate turns an encoding/json error into an Invalid error in Chinese.
func translate(err error) error {
	var (
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
		invalid  *json.InvalidUnmarshalError
		e        *errs.Error
		tooBig   *http.MaxBytesError
		fieldErr = func(field, format string, args ...any) error {
			return &errs.Error{Code: errs.Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
		}
	)
	switch {
	case errors.As(err, &tooBig), errors.Is(err, errTooLarge):
		return readErr(err)
	case errors.As(err, &e):
		return e
	case errors.As(err, &syntax):
		return errs.Errorf(errs.Invalid, "请求内容不是有效的 JSON（第 %d 个字节附近）", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.Errorf(errs.Invalid, "请求内容不是完整的 JSON")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return errs.Errorf(errs.Invalid, "请求内容应为%s，实际为%s", kindName(typ.Type), jsonName(typ.Value))
		}
		return fieldErr(field, "字段“%s”应为%s，实际为%s", field, kindName(typ.Type), jsonName(typ.Value))
	case errors.As(err, &invalid):
		return errs.Wrap(err, "decode request body")
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return fieldErr(name, "不认识的字段“%s”", name)
	}
	// A custom UnmarshalJSON failed with a plain error: say which value.
	return errs.Errorf(errs.Invalid, "请求内容中有无效的值")
}

// kindName names in Chinese the kind of JSON value type t takes.
func kindName(t reflect.Type) string {
	if t == nil {
		return "其他值"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "文本"
	case reflect.Bool:
		return "true 或 false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "整数"
	case reflect.Float32, reflect.Float64:
		return "数字"
	case reflect.Slice, reflect.Array:
		return "数组"
	case reflect.Map, reflect.Struct:
		return "对象"
	}
	return "其他值"
}

// jsonName names in Chinese the JSON value the decoder met ("string",
// "number", "number -1.5" …).
func jsonName(v string) string {
	head, _, _ := strings.Cut(v, " ")
	switch head {
	case "string":
		return "文本"
	case "number":
		return "数字"
	case "bool":
		return "布尔值"
	case "array":
		return "数组"
	case "object":
		return "对象"
	case "null":
		return "null"
	}
	return "其他值"
}
