package money_test

import (
	"testing"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/money"
)

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		yuan              int64
		wan, input, exact string
	}{
		{0, "0.00万元", "0", "0元"},
		{1234567, "123.46万元", "123.4567", "123.4567万元"},
		{125000, "12.50万元", "12.5", "12.5万元"},
		{5000, "0.50万元", "0.5", "5000元"},
		{-5000, "-0.50万元", "-0.5", "-5000元"},
		{-1, "0.00万元", "-0.0001", "-1元"},
		{-1234567, "-123.46万元", "-123.4567", "-123.4567万元"},
		{150000000, "15000.00万元", "15000", "1.5亿元"},
		{20000000, "2000.00万元", "2000", "2000万元"},
	} {
		if got := money.FormatWan(tc.yuan); got != tc.wan {
			t.Errorf("FormatWan(%d) = %q, want %q", tc.yuan, got, tc.wan)
		}
		if got := money.WanInput(tc.yuan); got != tc.input {
			t.Errorf("WanInput(%d) = %q, want %q", tc.yuan, got, tc.input)
		}
		if got := money.Exact(tc.yuan); got != tc.exact {
			t.Errorf("Exact(%d) = %q, want %q", tc.yuan, got, tc.exact)
		}
		// What a form shows, it reads back unchanged.
		if back, err := money.ParseWan(money.WanInput(tc.yuan)); err != nil || back != tc.yuan {
			t.Errorf("ParseWan(WanInput(%d)) = %d, %v", tc.yuan, back, err)
		}
	}
}

func TestParse(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, tc := range []struct {
			in   string
			def  money.Unit
			want int64
		}{
			{"50", money.Wan, 500000},
			{"12.5", money.Wan, 125000},
			{" 1,234.5678 ", money.Wan, 12345678},
			{"１２．５", money.Wan, 125000},
			{"-3", money.Wan, -30000},
			{"－0.0001", money.Wan, -1},
			{"50万元", money.Wan, 500000},
			{"500万", money.Yuan, 5000000},
			{"1.2亿", money.Yuan, 120000000},
			{"0.5亿元", money.Wan, 50000000},
			{"3,000元", money.Wan, 3000},
			{"1234567", money.Yuan, 1234567},
			{"12.00", money.Yuan, 12},
			{"12.3456万", money.Yuan, 123456},
		} {
			if got, err := money.Parse(tc.in, tc.def); err != nil || got != tc.want {
				t.Errorf("Parse(%q, %d) = %d, %v; want %d", tc.in, tc.def, got, err, tc.want)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, in := range []string{"", "abc", "12.345678", "0.5元", "1.2.3", "万元", "1e5", "12.34567万", "99999999999999999999"} {
			if _, err := money.ParseWan(in); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("ParseWan(%q) = %v, want invalid", in, err)
			}
		}
		err := money.Field(func() error { _, err := money.ParseWan("x"); return err }(), "budget", "预算")
		if errs.FieldOf(err) != "budget" || errs.MessageOf(err) != "预算应为金额（如 50、12.5（万元）、1,234、500万、1.2亿元），实际为“x”" {
			t.Errorf("Field: %q on %q", errs.MessageOf(err), errs.FieldOf(err))
		}
	})
}

func TestExact(t *testing.T) {
	for _, c := range []struct {
		yuan int64
		want string
	}{
		{0, "0元"}, {5000, "5000元"}, {9999, "9999元"}, {10000, "1万元"}, {12345, "1.2345万元"},
		{20000000, "2000万元"}, {500000, "50万元"}, {100000000, "1亿元"}, {150000000, "1.5亿元"},
		{123456789, "12345.6789万元"}, {100010000, "10001万元"}, {-20000, "-2万元"},
		{-9223372036854775808, "-922337203685477.5808万元"},
	} {
		if got := money.Exact(c.yuan); got != c.want {
			t.Errorf("Exact(%d) = %s, want %s", c.yuan, got, c.want)
		}
	}
}

// FuzzParse feeds money cells and form fields (any text, in any default
// unit) to Parse: an amount it accepts reads back the same from its exact
// form and from the form field money.WanInput writes.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"50", "12.5万", "1,234.5678", "1.2亿元", "3000元", "-3", "－１２．５", "+0.0001万", "500万", "0.5元",
		"9223372036854775807元", "1e9", "", "万", "1.2.3", "  7  ", "4611686018427387904"} {
		f.Add(s, int64(money.Wan))
		f.Add(s, int64(money.Yuan))
	}
	f.Fuzz(func(t *testing.T, s string, unit int64) {
		def := money.Yuan
		switch unit % 3 {
		case 1:
			def = money.Wan
		case 2:
			def = money.Yi
		}
		n, err := money.Parse(s, def)
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid || errs.MessageOf(err) == "" {
				t.Fatalf("money.Parse(%q) error %v is not invalid", s, err)
			}
			return
		}
		if n > 1<<62 || n < -(1<<62) {
			t.Fatalf("money.Parse(%q) = %d, out of range", s, n)
		}
		if back, err := money.Parse(money.Exact(n), money.Yuan); err != nil || back != n {
			t.Fatalf("money.Parse(%q) = %d; its exact form %q reads %d, %v", s, n, money.Exact(n), back, err)
		}
		if back, err := money.ParseWan(money.WanInput(n)); err != nil || back != n {
			t.Fatalf("money.Parse(%q) = %d; its form value %q reads %d, %v", s, n, money.WanInput(n), back, err)
		}
	})
}
