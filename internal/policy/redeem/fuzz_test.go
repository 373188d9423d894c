package redeem_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/policy/redeem"
)

// FuzzParseBankFile feeds arbitrary bytes as a bank result file: it never
// panics, and what it reads reconciles — every data row is a row or an
// error with its line — with results only 成功 or 失败.
func FuzzParseBankFile(f *testing.F) {
	f.Add(bankFile([5]string{"FK0000000001A1", "成功", "", "SN1", "2026-03-04"}, [5]string{"FK0000000002A1", "失败", "账户不存在", "", ""}))
	f.Add([]byte("\xEF\xBB\xBF付款编号,结果\nFK1,成功\n"))
	f.Add([]byte("付款编号,结果,失败原因,银行流水号,到账日期\n\"FK1\",成功,,,45352\nFK1,成功,,,20260304\n,,,,\n"))
	f.Add([]byte("\xb8\xb6\xbf\xee\xb1\xe0\xba\xc5,\xbd\xe1\xb9\xfb\nFK1,\xb3\xc9\xb9\xa6\n")) // GBK
	f.Add([]byte("PK\x03\x04garbage"))
	f.Add([]byte("a\"b,c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, bad, err := redeem.ParseBankFile(data)
		if err != nil {
			if rows != nil || bad != nil {
				t.Fatalf("rows beside an error: %v", err)
			}
			return
		}
		lines := map[int]bool{}
		for _, r := range rows {
			if r.Reference == "" || !utf8.ValidString(r.Reference) || r.Line < 2 {
				t.Fatalf("row %+v", r)
			}
			if r.Success && r.PaidOn == 0 {
				t.Fatalf("success without a date: %+v", r)
			}
			if !r.Success && strings.TrimSpace(r.Reason) == "" {
				t.Fatalf("failure without a reason: %+v", r)
			}
			if lines[r.Line] {
				t.Fatalf("line %d twice", r.Line)
			}
			lines[r.Line] = true
		}
		for _, e := range bad {
			if e.Line < 2 || e.Reason == "" || lines[e.Line] {
				t.Fatalf("error %+v", e)
			}
			lines[e.Line] = true
		}
	})
}

// FuzzAccount feeds arbitrary payee names, numbers and banks: ParseAccount
// never panics, and what it accepts carries the enterprise's registered
// name (whatever spacing or brackets were typed), 8 to 32
// ASCII digits and a bank of at most 60 characters.
func FuzzAccount(f *testing.F) {
	const name = "武汉测试（洪山）科技有限公司"
	f.Add(name, "6222 0210 0112 3456 789", "中国工商银行")
	f.Add("武汉测试(洪山)科技有限公司", "６２２２０２１００１１２３４", "建行")
	f.Add("=cmd|' /C calc'!A0", "1234-5678", "\x00")
	f.Add(name, "１２３", "")
	f.Add("武汉测试(洪山)科 技有限公司", "6222021001123456789", "工行")
	f.Fuzz(func(t *testing.T, payee, number, bank string) {
		a, err := redeem.ParseAccount(redeem.Account{Name: payee, Number: number, Bank: bank}, name)
		if err != nil {
			return
		}
		if strings.Trim(a.Number, "0123456789") != "" || len(a.Number) < 8 || len(a.Number) > 32 {
			t.Fatalf("number %q accepted", a.Number)
		}
		if a.Bank == "" || utf8.RuneCountInString(a.Bank) > 60 || !utf8.ValidString(a.Bank) {
			t.Fatalf("bank %q accepted", a.Bank)
		}
		if a.Name != name {
			t.Fatalf("payee %q accepted for %q", a.Name, name)
		}
		if m := a.MaskedNumber(); len(m) != len(a.Number) || m[len(m)-4:] != a.Number[len(a.Number)-4:] {
			t.Fatalf("masked %q of %q", m, a.Number)
		}
	})
}

// FuzzConfirmation feeds arbitrary pledges, agreements and accounts: an
// accepted confirmation signed the pledge whenever there is one, and gives
// an account exactly when there is money.
func FuzzConfirmation(f *testing.F) {
	f.Add("本企业承诺所报数据真实。", true, int64(100000), "武汉测试科技有限公司", "6222021001123456789", "工行")
	f.Add("", false, int64(0), "", "", "")
	f.Add(" \t ", false, int64(5), "武汉测试科技有限公司", "12345678", "x")
	f.Add("承诺", false, int64(-1), "x", "y", "z")
	f.Fuzz(func(t *testing.T, pledge string, agree bool, due int64, payee, number, bank string) {
		signed, acct, err := redeem.CheckConfirmation(pledge, due, "武汉测试科技有限公司",
			redeem.Confirmation{Agree: agree, Account: redeem.Account{Name: payee, Number: number, Bank: bank}})
		if err != nil {
			return
		}
		if signed != strings.TrimSpace(pledge) || signed != "" && !agree {
			t.Fatalf("pledge %q signed as %q (agree %v)", pledge, signed, agree)
		}
		if (due > 0) != (acct.Number != "") {
			t.Fatalf("due %d with account %+v", due, acct)
		}
	})
}
