package sheet_test

import (
	"testing"

	"github.com/qinqing/qinqing/internal/sheet"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"武汉光谷有限公司", "武汉光谷有限公司"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+1", "'+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tcmd", "'\tcmd"},
		{"\rcmd", "'\rcmd"},
		{"＝1+1", "'＝1+1"},
		{"＋1", "'＋1"},
		{"－1", "'－1"},
		{"＠x", "'＠x"},
		{"'quoted", "''quoted"},
		{"a=b", "a=b"},
	} {
		got := sheet.Escape(tc.in)
		if got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if back := sheet.Unescape(got); back != tc.in {
			t.Errorf("Unescape(Escape(%q)) = %q", tc.in, back)
		}
	}
	// Text nobody escaped stays as typed.
	for _, s := range []string{"'", "'abc", "abc'"} {
		if got := sheet.Unescape(s); got != s {
			t.Errorf("Unescape(%q) = %q", s, got)
		}
	}
}
