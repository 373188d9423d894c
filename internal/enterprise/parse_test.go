package enterprise_test

import (
	"slices"
	"testing"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
)

func TestParseMoney(t *testing.T) {
	ok := map[string]int64{
		"0": 0, "1234567": 1234567, "1,234,567": 1234567, " 12 ": 12, "-5": -5, "+7": 7, "12.00": 12, "1.2E+7": 12000000,
		"１２３": 123, "1,234.0": 1234, "123,456,789,012": 123456789012,
		// With the units registers write.
		"500万": 5000000, "500万元": 5000000, "1.2亿": 120000000, "0.5亿元": 50000000, "3,000": 3000, "3,000元": 3000,
		"12.3456万": 123456, "1,200.5万": 12005000, "-20万": -200000, "２万": 20000, "1.00000万": 10000, "0.12345678亿": 12345678,
		" 80 万元 ": 800000,
	}
	for in, want := range ok {
		if got, err := enterprise.ParseMoney(in); err != nil || got != want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "12.5", "1.23456万", "万", "万元", "元", "1.2.3万", "x万", "9223372036854775807万", "3美元", "1.5元", "1,23,456", ",123", "abc", "1e400", "NaN", "0x10", "9223372036854775808", "¥100"} {
		if _, err := enterprise.ParseMoney(in); errs.CodeOf(err) != errs.Invalid || errs.MessageOf(err) == "" {
			t.Errorf("ParseMoney(%q) = %v, want invalid", in, err)
		}
	}
	if _, err := enterprise.ParseCount("-3"); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("ParseCount(-3) = %v", err)
	}
	if n, err := enterprise.ParseCount("1,200"); err != nil || n != 1200 {
		t.Errorf("ParseCount(1,200) = %d, %v", n, err)
	}
}

func TestParseTags(t *testing.T) {
	tests := map[string][]string{
		"":       {},
		"  ":     {},
		"高新技术企业": {"高新技术企业"},
		"专精特新；高新技术企业;专精特新、 瞪羚企业 ": {"专精特新", "瞪羚企业", "高新技术企业"},
		";、；": {},
	}
	for in, want := range tests {
		got, err := enterprise.ParseTags(in)
		if err != nil || got == nil || !slices.Equal(got, want) {
			t.Errorf("ParseTags(%q) = %#v, %v; want %#v", in, got, err, want)
		}
	}
	for _, in := range []string{"a|b", "这是一个非常非常非常非常非常非常非常非常非常非常非常非常非常非常非常非常非常非常长的标签名字"} {
		if _, err := enterprise.ParseTags(in); errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != "tags" {
			t.Errorf("ParseTags(%q) = %v, want invalid", in, err)
		}
	}
	if enterprise.NormalizeTags(nil) != nil {
		t.Error("NormalizeTags(nil) is not nil (unknown)")
	}
}

func TestParseEnum(t *testing.T) {
	if v, err := enterprise.ParseEnum("status", " 存续 "); err != nil || v != "存续" {
		t.Errorf("got %q, %v", v, err)
	}
	_, err := enterprise.ParseEnum("credit", "良好")
	if errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != "credit" || errs.MessageOf(err) != "信用状况“良好”不是允许的值（可填：正常、经营异常、严重失信）" {
		t.Errorf("got %v", err)
	}
}

func TestParseKind(t *testing.T) {
	for in, want := range map[string][2]string{
		"企业": {"企业", ""}, " 个体工商户 ": {"个体工商户", ""},
		"有限责任公司":        {"企业", "有限责任公司"},
		"股份有限公司（上市）":    {"企业", "股份有限公司（上市）"},
		"有限责任公司(自然人独资)": {"企业", "有限责任公司(自然人独资)"},
		"个人独资企业":        {"企业", "个人独资企业"},
		"普通合伙":          {"企业", "普通合伙"},
		"全民所有制":         {"企业", "全民所有制"},
		"个体户":           {"个体工商户", "个体户"},
		"农民专业合作社联合社":    {"农民专业合作社", "农民专业合作社联合社"},
		"民办非企业单位":       {"其他", "民办非企业单位"},
		"事业单位":          {"其他", "事业单位"},
	} {
		kind, text, err := enterprise.ParseKind(in)
		if err != nil || kind != want[0] || text != want[1] {
			t.Errorf("ParseKind(%q) = %q, %q, %v; want %q, %q", in, kind, text, err, want[0], want[1])
		}
	}
	for _, in := range []string{"", "外星机构", "散户"} {
		if _, _, err := enterprise.ParseKind(in); errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != "kind" {
			t.Errorf("ParseKind(%q) = %v, want invalid", in, err)
		}
	}
}
