package redeem

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/errs"
)

// Account is where a grant is paid: the payee (收款户名), which must be the
// enterprise's registered name, the account number (收款账号) and the bank
// branch (开户行).
type Account struct {
	Name   string `json:"name"`
	Number string `json:"number"`
	Bank   string `json:"bank"`
}

// Limits of an account.
const (
	minAccountDigits = 8
	maxAccountDigits = 32
	maxBank          = 60
)

// ParseAccount checks an account given for the enterprise registered as
// enterpriseName and returns it cleaned: the name given must equal the
// registered name, brackets, spaces and letter case aside, since a bank
// pays only the account holder, and the account then carries the
// registered name itself, as the bank will compare it; the number as digits only (spaces and hyphens that
// people type to group digits removed, full-width digits read) with 8 to 32
// digits, the bank named in at most 60 characters. Errors: Invalid on
// account_name, account_number or account_bank, in Chinese.
func ParseAccount(in Account, enterpriseName string) (Account, error) {
	var out Account
	out.Name = strings.TrimSpace(in.Name)
	switch {
	case out.Name == "":
		return Account{}, errs.FieldErrorf("account_name", "请填写收款户名（应与企业登记名称一致）")
	case !utf8.ValidString(out.Name) || utf8.RuneCountInString(out.Name) > 200:
		return Account{}, errs.FieldErrorf("account_name", "收款户名无效")
	case comparableName(out.Name) != comparableName(enterpriseName):
		return Account{}, errs.FieldErrorf("account_name", "收款户名“%s”与企业登记名称“%s”不一致：兑现资金只能拨付到企业本身的账户", out.Name, enterpriseName)
	}
	out.Name = strings.TrimSpace(enterpriseName)
	var digits strings.Builder
	for _, r := range in.Number {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r >= '０' && r <= '９':
			digits.WriteRune('0' + (r - '０'))
		case r == ' ' || r == '-' || r == '\u3000' || r == '－':
		default:
			return Account{}, errs.FieldErrorf("account_number", "收款账号只能由数字组成（可用空格或“-”分组）")
		}
	}
	out.Number = digits.String()
	if n := len(out.Number); n < minAccountDigits || n > maxAccountDigits {
		return Account{}, errs.FieldErrorf("account_number", "收款账号应为 %d 到 %d 位数字，而不是 %d 位", minAccountDigits, maxAccountDigits, n)
	}
	out.Bank = strings.TrimSpace(in.Bank)
	switch n := utf8.RuneCountInString(out.Bank); {
	case n == 0:
		return Account{}, errs.FieldErrorf("account_bank", "请填写开户行（如：中国工商银行武汉光谷支行）")
	case n > maxBank || !utf8.ValidString(out.Bank):
		return Account{}, errs.FieldErrorf("account_bank", "开户行不能超过 %d 个字", maxBank)
	}
	for _, r := range out.Bank {
		if unicode.IsControl(r) {
			return Account{}, errs.FieldErrorf("account_bank", "开户行含有无效字符")
		}
	}
	return out, nil
}

// comparableName is a registered name as compared with a payee name:
// without spaces, with ASCII brackets as their full-width forms (registers
// write 武汉某某科技有限公司（洪山） and people type (洪山)), full-width letters
// and digits as ASCII, letters in upper case.
func comparableName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '０' && r <= '９' || r >= 'Ａ' && r <= 'Ｚ' || r >= 'ａ' && r <= 'ｚ' {
			r -= 'Ａ' - 'A'
		}
		switch {
		case unicode.IsSpace(r):
		case r == '(':
			b.WriteRune('（')
		case r == ')':
			b.WriteRune('）')
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MaskedNumber shows an account number with all but its last four digits
// hidden, for pages that only need to recognise it.
func (a Account) MaskedNumber() string {
	if len(a.Number) <= 4 {
		return a.Number
	}
	return strings.Repeat("*", len(a.Number)-4) + a.Number[len(a.Number)-4:]
}
