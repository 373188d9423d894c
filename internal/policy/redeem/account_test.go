package redeem_test

import (
	"testing"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy/redeem"
)

// TestParseAccount: a payee typed with other brackets, spaces, letter case
// or full-width letters is the enterprise, and the account carries the registered name the
// bank will compare; another name is refused on its field.
func TestParseAccount(t *testing.T) {
	const registered = "武汉测试（洪山）ABC科技有限公司"
	for _, typed := range []string{registered, " 武汉测试(洪山)abc科 技有限公司 ", "武汉测试（洪山）ＡＢＣ科技有限公司"} {
		a, err := redeem.ParseAccount(redeem.Account{Name: typed, Number: "6222-0210-0112 3456", Bank: "工行"}, registered)
		if err != nil || a.Name != registered || a.Number != "6222021001123456" {
			t.Fatalf("%q: %+v, %v", typed, a, err)
		}
	}
	if _, err := redeem.ParseAccount(redeem.Account{Name: "武汉测试科技有限公司", Number: "6222021001123456", Bank: "工行"}, registered); errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != "account_name" {
		t.Fatalf("another name: %v", err)
	}
}
