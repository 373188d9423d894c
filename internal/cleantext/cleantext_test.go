package cleantext_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/cleantext"
)

func TestProblem(t *testing.T) {
	for _, tc := range []struct {
		name, s string
		multi   bool
		want    string
	}{
		{"OK ascii", "Wuhan Tech Co., Ltd.", false, ""},
		{"OK chinese", "武汉光谷科技有限公司（东湖）", false, ""},
		{"OK empty", "", false, ""},
		{"OK multi-line", "第一行\r\n第二行\t缩进", true, ""},
		{"ErrNUL", "光谷\x00", false, "空字符"},
		{"ErrNULMulti", "a\x00", true, "空字符"},
		{"ErrLineBreak", "第一行\n第二行", false, "只能填一行"},
		{"ErrCR", "a\rb", false, "只能填一行"},
		{"ErrTab", "a\tb", false, "U+0009"},
		{"ErrDEL", "\x7f", false, "U+007F"},
		{"ErrC1", "a\u0085b", false, "U+0085"},
		{"ErrLineSeparator", "a\u2028b", false, "只能填一行"},
		{"ErrRTL", "合同\u202egpj.exe", true, "U+202E"},
		{"ErrIsolate", "\u2067x", false, "U+2067"},
		{"ErrLRM", "x\u200e", false, "U+200E"},
		{"ErrALM", "x\u061c", false, "U+061C"},
		{"ErrInvalid", "\xff\xfe", false, "UTF-8"},
		{"ErrTruncated", "光\xe8\xb0", true, "UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := cleantext.Problem(tc.s, tc.multi)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("Problem(%q, %v) = %q, want %q", tc.s, tc.multi, got, tc.want)
			}
		})
	}
}

// FuzzProblem checks the byte-at-a-time reading against the rule written
// plainly over runes.
func FuzzProblem(f *testing.F) {
	for _, s := range []string{"光谷", "a\nb", "\u202e", "\xff", "\u0085", "\u2028", "x\x00", "\xe2\x80"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, multi bool) {
		want := utf8.ValidString(s)
		for _, r := range s {
			switch {
			case r == 0 || cleantext.Bidi(r):
				want = false
			case multi && (r == '\n' || r == '\r' || r == '\t'):
			case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
				want = false
			}
		}
		if got := cleantext.Problem(s, multi) == ""; got != want {
			t.Fatalf("Problem(%q, %v) accepts = %v, want %v", s, multi, got, want)
		}
	})
}

// BenchmarkProblem measures the check on the cells of an import row: a
// name in Chinese, a credit code, an amount, a date.
func BenchmarkProblem(b *testing.B) {
	cells := []string{"武汉光谷智能制造科技有限公司", "91420102MA4K00010N", "12500000", "2019-03-01", "洪山区", "高新技术企业;专精特新"}
	for b.Loop() {
		for _, c := range cells {
			if cleantext.Problem(c, false) != "" {
				b.Fatal(c)
			}
		}
	}
}
