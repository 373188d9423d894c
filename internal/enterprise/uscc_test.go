package enterprise

import (
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/errs"
)

// Published codes: the worked example of GB 32100-2015 (91350100M000100Y43),
// a company registered in Beijing before 2015 (91110000802100433B) and the
// issuing office of seed document 002 (11330800MB0R57773W, 机构编制, 衢州).
var realUSCCs = []string{"91350100M000100Y43", "91110000802100433B", "11330800MB0R57773W"}

func TestParseUSCC(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		tests := []struct{ in, want string }{
			{"91350100M000100Y43", "91350100M000100Y43"},
			{"91110000802100433B", "91110000802100433B"},
			{"11330800MB0R57773W", "11330800MB0R57773W"},
			{"91350100m000100y43", "91350100M000100Y43"},
			{"  91350100M000100Y43\t\n", "91350100M000100Y43"},
			{"\u300091350100M000100Y43\u3000", "91350100M000100Y43"},
			{"９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43"},
			{"９１３５０１００ｍ０００１００ｙ４３", "91350100M000100Y43"},
		}
		for _, tt := range tests {
			got, err := ParseUSCC(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseUSCC(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		}
	})
	errTests := []struct {
		name, in string
		msg      string // a part of the message
		code     string // the code returned alongside the error, if any
	}{
		{"ErrEmpty", "  ", "不能为空", ""},
		{"ErrShort", "9135010", "长度不对（应为18位，实际7位）", ""},
		{"ErrLong", "91350100M000100Y433", "长度不对（应为18位，实际19位）", ""},
		{"ErrLengthRunes", "统一社会信用代码", "实际8位", ""},
		{"ErrLetterI", "91350100I000100Y43", "含非法字符（第9位“I”", ""},
		{"ErrLetterO", "9135010OM000100Y43", "第8位“O”", ""},
		{"ErrLetterZ", "91350100M000100Y4Z", "第18位“Z”，统一社会信用代码不使用字母I、O、Z、S、V", ""},
		{"ErrLetterS", "S1350100M000100Y43", "第1位“S”", ""},
		{"ErrLetterV", "91350100M000V00Y43", "第13位“V”", ""},
		{"ErrHan", "91350100M000100Y4三", "含非法字符（第18位“三”）", ""},
		{"ErrPunct", "91350100-000100Y43", "第9位“-”", ""},
		{"ErrDivisionLetter", "913501A0M000100Y43", "第7位“A”，第3至8位是行政区划代码", ""},
		{"ErrOrgCheck", "91350100M000100Y53", "组织机构代码校验位错误（第17位应为“4”，实际为“5”）", "91350100M000100Y53"},
		{"ErrCheck", "91350100M000100Y4Y", "统一社会信用代码校验位错误（第18位应为“3”，实际为“Y”）", "91350100M000100Y4Y"},
		{"ErrCheckLower", "91110000802100433c", "第18位应为“B”，实际为“C”", "91110000802100433C"},
		{"ErrSwapped", "91350100M001000Y43", "组织机构代码校验位错误", "91350100M001000Y43"},
		// Issued in Xiamen before 2016 and in use, yet failing the final
		// check: returned with the error so that an importer may warn.
		{"ErrXiamen", "91350203M0001QKT19", "第18位应为“F”，实际为“9”", "91350203M0001QKT19"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseUSCC(tt.in)
			if err == nil {
				t.Fatalf("ParseUSCC(%q) = %q, nil; want an error", tt.in, got)
			}
			if errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != "uscc" {
				t.Errorf("error %v: code %q field %q; want invalid on uscc", err, errs.CodeOf(err), errs.FieldOf(err))
			}
			if !strings.Contains(errs.MessageOf(err), tt.msg) {
				t.Errorf("message %q does not contain %q", errs.MessageOf(err), tt.msg)
			}
			if got != tt.code {
				t.Errorf("code returned with the error = %q; want %q", got, tt.code)
			}
		})
	}
}

func TestUSCCCheckChars(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, c := range realUSCCs {
			if got := USCCCheckChar(c[:17]); got != c[17] {
				t.Errorf("USCCCheckChar(%q) = %q; want %q", c[:17], got, c[17])
			}
			if got := OrgCodeCheckChar(c[8:16]); got != c[16] {
				t.Errorf("OrgCodeCheckChar(%q) = %q; want %q", c[8:16], got, c[16])
			}
		}
		// GB 11714: weights 3,7,9,10,5,8,4,2; check = 11 - sum mod 11,
		// 10 written X and 11 written 0; letters count A=10 … Z=35.
		org := map[string]byte{
			"00000000": '0', // 0 → 11 → 0
			"10000000": '8', // 3
			"00100000": '2', // 9
			"00010000": '1', // 10
			"00000100": '3', // 8
			"00000010": '7', // 4
			"00000001": '9', // 2
			"00000005": '1', // 10
			"40000000": 'X', // 12 ≡ 1 → 10
			"A0000000": '3', // 30 ≡ 8
			"Z0000000": '5', // 105 ≡ 6
		}
		for body, want := range org {
			if got := OrgCodeCheckChar(body); got != want {
				t.Errorf("OrgCodeCheckChar(%q) = %q; want %q", body, got, want)
			}
		}
	})
	t.Run("ErrInvalidBody", func(t *testing.T) {
		for _, body := range []string{"", "9135", "91350100M000100YS", "I1350100M000100Y4", "91350100M000100Y"} {
			if got := USCCCheckChar(body); got != 0 {
				t.Errorf("USCCCheckChar(%q) = %q; want 0", body, got)
			}
		}
		for _, body := range []string{"", "M000100", "M000100Y4", "M00010-Y", "m000100y"} {
			if got := OrgCodeCheckChar(body); got != 0 {
				t.Errorf("OrgCodeCheckChar(%q) = %q; want 0", body, got)
			}
		}
	})
}

func TestOrgCodeCheckCharX(t *testing.T) {
	// A body whose weighted sum is 1 mod 11 needs the check value 10,
	// written X: 3*4 = 12 ≡ 1.
	if got := OrgCodeCheckChar("40000000"); got != 'X' {
		t.Errorf("OrgCodeCheckChar(40000000) = %q; want 'X'", got)
	}
	code, err := MakeUSCC('9', '1', "420100", "40000000")
	if err != nil || code[16] != 'X' {
		t.Fatalf("MakeUSCC = %q, %v", code, err)
	}
	if _, err := ParseUSCC(code); err != nil {
		t.Errorf("ParseUSCC(%q): %v", code, err)
	}
}

func TestMakeUSCC(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, c := range realUSCCs {
			got, err := MakeUSCC(c[0], c[1], c[2:8], c[8:16])
			if err != nil || got != c {
				t.Errorf("MakeUSCC(%q) = %q, %v; want %q", c, got, err, c)
			}
		}
	})
	errTests := []struct {
		name              string
		authority, typ    byte
		division, orgBody string
		msg               string
	}{
		{"ErrAuthority", 'I', '1', "420100", "MA4K0000", "登记管理部门代码"},
		{"ErrType", '9', 'Z', "420100", "MA4K0000", "机构类别代码"},
		{"ErrDivisionShort", '9', '1', "42010", "MA4K0000", "行政区划代码"},
		{"ErrDivisionLetters", '9', '1', "4201AB", "MA4K0000", "行政区划代码"},
		{"ErrDivisionSign", '9', '1', "+42010", "MA4K0000", "行政区划代码"},
		{"ErrOrgShort", '9', '1', "420100", "MA4K000", "组织机构代码本体应为8位"},
		{"ErrOrgChar", '9', '1', "420100", "MA4K000O", "第8位“O”"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MakeUSCC(tt.authority, tt.typ, tt.division, tt.orgBody)
			if err == nil {
				t.Fatalf("MakeUSCC = %q, nil; want an error", got)
			}
			if errs.CodeOf(err) != errs.Invalid || !strings.Contains(errs.MessageOf(err), tt.msg) {
				t.Errorf("error %v; want invalid containing %q", err, tt.msg)
			}
		})
	}
}

func TestKindOfUSCC(t *testing.T) {
	tests := map[string]string{
		"91350100M000100Y43": "企业",
		"92420111MA4K00000X": "个体工商户",
		"93420116MA4K00000X": "农民专业合作社",
		"11330800MB0R57773W": "其他",
		"52420100MJH000000X": "其他",
		"9":                  "",
	}
	for in, want := range tests {
		if got := KindOfUSCC(in); got != want {
			t.Errorf("KindOfUSCC(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestParseUSCCSingleSubstitution checks the property the check character
// gives: changing any one of the first 17 characters of a valid code to
// another character of the alphabet is always detected, because every
// weight is invertible modulo the prime 31.
func TestParseUSCCSingleSubstitution(t *testing.T) {
	for _, c := range realUSCCs {
		for p := 0; p < 18; p++ {
			for i := 0; i < len(USCCAlphabet); i++ {
				ch := USCCAlphabet[i]
				if ch == c[p] {
					continue
				}
				m := c[:p] + string(ch) + c[p+1:]
				if _, err := ParseUSCC(m); err == nil {
					t.Errorf("ParseUSCC(%q) accepted a code with position %d changed", m, p+1)
				}
			}
		}
	}
}

func FuzzParseUSCC(f *testing.F) {
	for _, c := range realUSCCs {
		f.Add(c)
		f.Add(strings.ToLower(c))
	}
	for _, s := range []string{"", "9", "91350100M000100Y4Z", "91350203M0001QKT19", "９１３５０１００Ｍ０００１００Ｙ４３", "\xff\xfe", "统一社会信用代码统一社会信用代码统一"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := ParseUSCC(s)
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != "uscc" || errs.MessageOf(err) == "" {
				t.Fatalf("ParseUSCC(%q): error %v is not an Invalid error on uscc", s, err)
			}
			if code != "" {
				// Only a wrong check character returns the code.
				if len(code) != 18 || !strings.Contains(errs.MessageOf(err), "校验位错误") {
					t.Fatalf("ParseUSCC(%q) = %q with %v", s, code, err)
				}
			}
			return
		}
		if len(code) != 18 {
			t.Fatalf("ParseUSCC(%q) = %q: not 18 characters", s, code)
		}
		again, err := ParseUSCC(code)
		if err != nil || again != code {
			t.Fatalf("ParseUSCC(%q) = %q, %v: canonical form does not re-validate to itself", code, again, err)
		}
		if USCCCheckChar(code[:17]) != code[17] || OrgCodeCheckChar(code[8:16]) != code[16] {
			t.Fatalf("accepted %q with wrong check characters", code)
		}
		if made, err := MakeUSCC(code[0], code[1], code[2:8], code[8:16]); err != nil || made != code {
			t.Fatalf("MakeUSCC of the parts of %q = %q, %v", code, made, err)
		}
		// Any other final check character is rejected.
		i := strings.IndexByte(USCCAlphabet, code[17])
		for _, delta := range []int{1, 15, 30} {
			bad := code[:17] + string(USCCAlphabet[(i+delta)%31])
			if _, err := ParseUSCC(bad); err == nil {
				t.Fatalf("ParseUSCC(%q) accepted a mutated check character", bad)
			}
		}
		// So is any single substitution in the body.
		p := len(s) % 17
		j := strings.IndexByte(USCCAlphabet, code[p])
		sub := USCCAlphabet[(j+1+len(s)%30)%31]
		if p >= 2 && p < 8 {
			sub = '0' + (code[p]-'0'+1)%10
		}
		bad := code[:p] + string(sub) + code[p+1:]
		if _, err := ParseUSCC(bad); err == nil {
			t.Fatalf("ParseUSCC(%q) accepted %q with position %d changed", bad, code, p+1)
		}
	})
}
