package enterprise

import (
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/errs"
)

func TestParseIndustry(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		tests := []struct{ in, want string }{
			{"C", "C"},
			{"c", "C"},
			{"C39", "C39"},
			{"C391", "C391"},
			{"C3911", "C3911"},
			{"c3911", "C3911"},
			{" I65 ", "I65"},
			{"Ｃ３９１１", "C3911"},
			{"39", "C39"},
			{"391", "C391"},
			{"3911", "C3911"},
			{"01", "A01"},
			{"0511", "A0511"},
			{"06", "B06"},
			{"44", "D44"},
			{"47", "E47"},
			{"51", "F51"},
			{"5211", "F5211"},
			{"53", "G53"},
			{"60", "G60"},
			{"62", "H62"},
			{"65", "I65"},
			{"66", "J66"},
			{"70", "K70"},
			{"7010", "K7010"},
			{"72", "L72"},
			{"75", "M75"},
			{"79", "N79"},
			{"82", "O82"},
			{"83", "P83"},
			{"85", "Q85"},
			{"90", "R90"},
			{"91", "S91"},
			{"97", "T97"},
			{"软件开发", "I651"},
			{"软件和信息技术服务业", "I65"},
			{"信息传输、软件和信息技术服务业", "I"},
			{"教育", "P83"},
			{"制造业", "C"},
			{"计算机、通信和其他电子设备制造业", "C39"},
		}
		for _, tt := range tests {
			got, err := ParseIndustry(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseIndustry(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		}
	})
	errTests := []struct{ name, in, msg string }{
		{"ErrEmpty", "", "不能为空"},
		{"ErrSection", "X39", "门类“X”不存在"},
		{"ErrSectionOnlyU", "U", "门类“U”不存在"},
		{"ErrDivision00", "00", "大类“00”不存在"},
		{"ErrDivision98", "C98", "大类“98”不存在"},
		{"ErrDivision99", "9901", "大类“99”不存在"},
		{"ErrOneDigit", "C1", "格式不对"},
		{"ErrOneDigitPlain", "3", "格式不对"},
		{"ErrTooLong", "C39111", "格式不对"},
		{"ErrLetters", "CAB", "格式不对"},
		{"ErrLetterInside", "3A11", "格式不对"},
		{"ErrMismatch", "A39", "门类与大类不符（大类39“计算机、通信和其他电子设备制造业”属于门类C）"},
		{"ErrMismatchLong", "F6511", "属于门类I"},
		{"ErrName", "批发零售", "不是国民经济行业分类"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseIndustry(tt.in)
			if err == nil {
				t.Fatalf("ParseIndustry(%q) = %q, nil; want an error", tt.in, got)
			}
			if errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != "industry" {
				t.Errorf("error %v: want invalid on industry", err)
			}
			if !strings.Contains(errs.MessageOf(err), tt.msg) {
				t.Errorf("message %q does not contain %q", errs.MessageOf(err), tt.msg)
			}
		})
	}
}

func TestIndustryNameAndSection(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		tests := []struct {
			code, name string
			section    byte
		}{
			{"C", "制造业", 'C'},
			{"C39", "计算机、通信和其他电子设备制造业", 'C'},
			{"C391", "计算机制造", 'C'},
			{"C3911", "计算机制造", 'C'}, // 小类 named after its 中类
			{"3911", "计算机制造", 'C'},
			{"C13", "农副食品加工业", 'C'},
			{"C1311", "农副食品加工业", 'C'}, // 中类 not embedded: its 大类
			{"I651", "软件开发", 'I'},
			{"K702", "物业管理", 'K'},
			{"F51", "批发业", 'F'},
			{"P83", "教育", 'P'},
			{"T97", "国际组织", 'T'},
			{"S", "公共管理、社会保障和社会组织", 'S'},
		}
		for _, tt := range tests {
			if got := IndustryName(tt.code); got != tt.name {
				t.Errorf("IndustryName(%q) = %q; want %q", tt.code, got, tt.name)
			}
			if got := IndustrySection(tt.code); got != tt.section {
				t.Errorf("IndustrySection(%q) = %q; want %q", tt.code, got, tt.section)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, code := range []string{"", "X", "A39", "98", "C1"} {
			if got := IndustryName(code); got != "" {
				t.Errorf("IndustryName(%q) = %q; want \"\"", code, got)
			}
			if got := IndustrySection(code); got != 0 {
				t.Errorf("IndustrySection(%q) = %q; want 0", code, got)
			}
		}
	})
}

func TestIndustries(t *testing.T) {
	list := Industries()
	var sections, divisions, groups int
	seen := map[string]bool{}
	section := byte(0)
	prev := ""
	for _, in := range list {
		if seen[in.Code] {
			t.Errorf("duplicate code %s", in.Code)
		}
		seen[in.Code] = true
		if in.Name == "" {
			t.Errorf("%s has no name", in.Code)
		}
		if got, err := ParseIndustry(in.Code); err != nil || got != in.Code {
			t.Errorf("ParseIndustry(%q) = %q, %v", in.Code, got, err)
		}
		if got := IndustryName(in.Code); got != in.Name {
			t.Errorf("IndustryName(%q) = %q; want %q", in.Code, got, in.Name)
		}
		switch in.Level {
		case 1:
			sections++
			section = in.Code[0]
			if len(in.Code) != 1 {
				t.Errorf("门类 %q", in.Code)
			}
		case 2:
			divisions++
			if len(in.Code) != 3 || in.Code[0] != section {
				t.Errorf("大类 %q under 门类 %c", in.Code, section)
			}
		case 3:
			groups++
			if len(in.Code) != 4 || !strings.HasPrefix(in.Code, prev[:min(3, len(prev))]) {
				t.Errorf("中类 %q after %q", in.Code, prev)
			}
		default:
			t.Errorf("%s: level %d", in.Code, in.Level)
		}
		if in.Level < 3 {
			prev = in.Code
		}
	}
	if sections != 20 || divisions != 97 {
		t.Errorf("%d 门类 and %d 大类; want 20 and 97", sections, divisions)
	}
	if groups < 100 {
		t.Errorf("only %d 中类 embedded", groups)
	}
	for d := 1; d <= 97; d++ {
		if _, err := ParseIndustry(twoDigits(d)); err != nil {
			t.Errorf("大类 %02d: %v", d, err)
		}
	}
	// The list is the caller's to change.
	list[0].Name = "changed"
	if Industries()[0].Name != "农、林、牧、渔业" {
		t.Error("Industries returned shared data")
	}
}
