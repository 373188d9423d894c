package rule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/file"

	"github.com/qinqing/qinqing/internal/errs"
)

// Bounds on a rule. A rule comes from people (the policy form, the API), so
// its size is checked before it is parsed: the expression parser and the
// tree walks recurse once per level of nesting, and an unbounded input
// (400,000 nested parentheses fit in a request) used gigabytes of stack or
// crashed the process. Real rules are far inside these bounds: a rule of a
// published policy nests three or four levels and has a dozen conditions.
const (
	MaxRuleBytes  = 64 << 10 // the text of a rule, in either form
	MaxRuleDepth  = 32       // levels of all/any/not (and of brackets and ! in the expression form)
	MaxRuleLeaves = 500      // conditions in one rule
	MaxRuleValues = 2000     // values in one condition's list
)

// tooBig returns the error for a rule over one of its bounds.
func tooBig(format string, args ...any) *errs.Error {
	return &errs.Error{Code: errs.Invalid, Field: "rule", Message: "规则过大：" + fmt.Sprintf(format, args...)}
}

// checkJSONBounds checks the size and nesting of rule JSON before it is
// decoded. Objects and arrays alternate in a rule (an all is an object
// holding an array), so a rule MaxRuleDepth levels deep nests at most
// 2·MaxRuleDepth+2 JSON levels.
func checkJSONBounds(data []byte) error {
	if len(data) > MaxRuleBytes {
		return tooBig("规则 JSON 有 %d 字节，最多 %d 字节", len(data), MaxRuleBytes)
	}
	if d, err := jsonDepth(data); err == nil && d > 2*MaxRuleDepth+2 {
		return tooBig("嵌套超过 %d 层", MaxRuleDepth)
	}
	return nil // a syntax error is reported by the decoder, with its position
}

// jsonDepth returns the deepest nesting of objects and arrays in data,
// reading it as a stream of tokens (no recursion, no tree).
func jsonDepth(data []byte) (int, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	depth, deepest := 0, 0
	for {
		t, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return deepest, nil
		}
		if err != nil {
			return deepest, err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
			deepest = max(deepest, depth)
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
}

// checkExprBounds checks the size and nesting of a rule expression before
// it is parsed. Nesting counts brackets and prefix operators (! and not,
// and a sign), which the parser also recurses on: "!!(!(x))" is four
// levels. Strings are skipped, so brackets inside quotes do not count.
func checkExprBounds(src string) error {
	if len(src) > MaxRuleBytes {
		return tooBig("表达式有 %d 字节，最多 %d 字节", len(src), MaxRuleBytes)
	}
	var (
		stack   []int // the prefix operators pending at each open bracket
		pending int   // prefix operators since the last operand, at this level
		depth   int   // len(stack) + every pending count on the stack + pending
		operand bool  // the last token ended an operand (so a sign is binary)
	)
	over := func() error { return tooBig("括号与“非”运算嵌套超过 %d 层", MaxRuleDepth) }
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			i = skipString(src, i)
			pending, operand = 0, true
			depth = len(stack) + sum(stack)
			continue
		case c == '(' || c == '[' || c == '{':
			stack = append(stack, pending)
			pending, operand = 0, false
			depth = len(stack) + sum(stack)
		case c == ')' || c == ']' || c == '}':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			pending, operand = 0, true
			depth = len(stack) + sum(stack)
		case c == '!' && (i+1 >= len(src) || src[i+1] != '='):
			pending++
			depth++
			operand = false
		case (c == '-' || c == '+') && !operand:
			pending++
			depth++
		case isIdentByte(c):
			j := i
			for j < len(src) && isIdentByte(src[j]) {
				j++
			}
			word := src[i:j]
			i = j
			switch word {
			case "not":
				if !strings.HasPrefix(strings.TrimLeft(src[j:], " \t\r\n"), "in") {
					pending++
					depth++
				}
				operand = false
			case "and", "or", "in", "matches", "contains", "startsWith", "endsWith":
				operand = false
			default:
				pending, operand = 0, true
				depth = len(stack) + sum(stack)
			}
			if depth > MaxRuleDepth {
				return over()
			}
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		default:
			operand = false // a binary operator
		}
		if depth > MaxRuleDepth {
			return over()
		}
		i++
	}
	return nil
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// skipString returns the index just past the string literal starting at
// src[i] (or the end of src when it is not closed; the parser reports it).
func skipString(src string, i int) int {
	quote := src[i]
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			if quote != '`' {
				j++
			}
		case quote:
			return j + 1
		}
	}
	return len(src)
}

// syntaxError turns the expression parser's error into a Chinese message
// that says where in the text the problem is.
func syntaxError(src string, err error) *errs.Error {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return &errs.Error{Code: errs.Invalid, Field: "rule", Message: "表达式有语法错误", Err: err}
	}
	from := fe.From
	if fe.Message == "literal not terminated" { // reported at the end: point at the opening quote
		rs := []rune(src)
		for i := min(from, len(rs)-1); i >= 0; i-- {
			if rs[i] == '"' || rs[i] == '\'' || rs[i] == '`' {
				from = i
				break
			}
		}
	}
	var where string
	if fe.Message == "unexpected token EOF" || fe.Message == "unexpected end of expression" {
		where = "在表达式末尾"
	} else {
		line, col := position(src, from)
		where = fmt.Sprintf("第 %d 个字符处", col)
		if strings.ContainsRune(src, '\n') {
			where = fmt.Sprintf("第 %d 行第 %d 个字符处", line, col)
		}
		where += nearby(src, from)
	}
	msg := "表达式有语法错误（" + where + "）：" + explain(fe.Message)
	return &errs.Error{Code: errs.Invalid, Field: "rule", Message: msg, Err: err}
}

// position returns the 1-based line and column (in characters) of the
// rune offset from in src.
func position(src string, from int) (line, col int) {
	line, col = 1, 1
	n := 0
	for _, r := range src {
		if n == from {
			break
		}
		n++
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// nearby quotes a few characters of src from the rune offset from.
func nearby(src string, from int) string {
	rs := []rune(src)
	if from < 0 || from >= len(rs) {
		return ""
	}
	end := min(from+12, len(rs))
	s := strings.TrimSpace(strings.ReplaceAll(string(rs[from:end]), "\n", " "))
	if s == "" {
		return ""
	}
	if end < len(rs) {
		s += "…"
	}
	return "，“" + s + "”"
}

// explain translates a message of the expression parser.
func explain(msg string) string {
	switch {
	case strings.HasPrefix(msg, "unexpected token "):
		return unexpected(strings.TrimPrefix(msg, "unexpected token "))
	case msg == "unexpected end of expression":
		return "表达式不完整，末尾缺少内容（少了值或右括号？）"
	case msg == "literal not terminated":
		return "字符串缺少结束的引号"
	case strings.HasPrefix(msg, "invalid char escape"), strings.HasPrefix(msg, "unable to unescape"):
		return "字符串中的转义符（\\）无效"
	case strings.HasPrefix(msg, "unrecognized character: "):
		return "不认识的字符" + quotedChar(strings.TrimPrefix(msg, "unrecognized character: "))
	case strings.HasPrefix(msg, "bad number syntax"), strings.HasPrefix(msg, "invalid "):
		return "数字的写法不对"
	case strings.HasSuffix(msg, "literal is too large"):
		return "数字太大"
	case strings.Contains(msg, "exceeds maximum allowed nodes"):
		return "表达式过长，请拆分或简化"
	case msg == "unclosed comment":
		return "注释缺少结束的 */"
	}
	return "无法识别的写法"
}

// unexpected explains an unexpected token, written by the parser as
// Kind("value") or Kind.
func unexpected(tok string) string {
	kind, value, _ := strings.Cut(tok, "(")
	if v, err := unquoteGo(strings.TrimSuffix(value, ")")); err == nil {
		value = v
	}
	switch kind {
	case "EOF":
		return "表达式不完整，末尾缺少内容（少了值或右括号？）"
	case "Operator":
		return "这里不应出现运算符“" + value + "”（运算符两边都应有内容，如 revenue >= 20000000）"
	case "Bracket":
		return "这里不应出现括号“" + value + "”（括号是否成对？）"
	case "Identifier":
		return "这里不应出现“" + value + "”（是否少了 && 或 || ？）"
	case "Number":
		return "这里不应出现数字“" + value + "”（是否少了运算符？）"
	case "String":
		return "这里不应出现字符串“" + value + "”（是否少了运算符？）"
	}
	return "这里不应出现“" + value + "”"
}

// unquoteGo reads a Go-quoted string such as "\">=\"".
func unquoteGo(s string) (string, error) {
	var v string
	err := json.Unmarshal([]byte(s), &v)
	return v, err
}

// quotedChar turns the parser's U+0040 '@' into “@”.
func quotedChar(s string) string {
	if i := strings.IndexByte(s, '\''); i >= 0 && strings.HasSuffix(s, "'") && len(s) > i+1 {
		c := s[i+1 : len(s)-1]
		if utf8.RuneCountInString(c) == 1 {
			return "“" + c + "”"
		}
	}
	return "（" + s + "）"
}

// jsonError turns a JSON decoding error of rule JSON into a Chinese
// message with the byte position.
func jsonError(data []byte, err error) *errs.Error {
	var syn *json.SyntaxError
	msg := "规则不是合法的 JSON"
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		msg += "：内容不完整（括号或引号没有配对？）"
	case errors.As(err, &syn):
		msg += fmt.Sprintf("：第 %d 个字节处写法不对", syn.Offset)
		if syn.Offset > 0 && int(syn.Offset) <= len(data) {
			from := max(0, int(syn.Offset)-1)
			end := min(len(data), from+12)
			for end < len(data) && !utf8.RuneStart(data[end]) {
				end++
			}
			msg += "（“" + strings.TrimSpace(string(data[from:end])) + "”附近）"
		}
	}
	return &errs.Error{Code: errs.Invalid, Field: "rule", Message: msg, Err: err}
}
