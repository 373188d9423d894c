package sheet_test

import (
	"fmt"
	"testing"
	"time"

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

func TestSerialTime(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	for v, want := range map[string]time.Time{
		"46090":         time.Date(2026, 3, 9, 0, 0, 0, 0, shanghai),
		"46090.4270833": time.Date(2026, 3, 9, 10, 15, 0, 0, shanghai),
		" 45548.6875 ":  time.Date(2024, 9, 13, 16, 30, 0, 0, shanghai),
		"3654":          time.Date(1910, 1, 1, 0, 0, 0, 0, shanghai),
		"2958465":       time.Date(9999, 12, 31, 0, 0, 0, 0, shanghai),
	} {
		if got, ok := sheet.SerialTime(v, shanghai); !ok || !got.Equal(want) {
			t.Errorf("%q: %v %v, want %v", v, got, ok, want)
		}
	}
	for _, v := range []string{"", "2026", "20260309", "3653", "2958466", "4.6e4", "0x1F4A", "NaN", "Inf", "-46090", "+46090", "46_090", "2026-03-09"} {
		if got, ok := sheet.SerialTime(v, shanghai); ok {
			t.Errorf("%q read as %v", v, got)
		}
	}
}

func TestCutNote(t *testing.T) {
	for h, want := range map[string][3]string{
		"注册资本（万元）":          {"注册资本", "万元", "true"},
		"到账日期 (YYYY-MM-DD)": {"到账日期", "YYYY-MM-DD", "true"},
		"结果（成功/失败":          {"结果", "成功/失败", "true"},
		"企业名称":              {"企业名称", "", "false"},
	} {
		name, note, ok := sheet.CutNote(h)
		if name != want[0] || note != want[1] || fmt.Sprint(ok) != want[2] {
			t.Errorf("%q: %q %q %v", h, name, note, ok)
		}
	}
}
