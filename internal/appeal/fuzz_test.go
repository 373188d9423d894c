package appeal_test

import (
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jsonbody"
)

// FuzzIntake files arbitrary JSON bodies of POST /api/v1/appeals as the
// hotline's token, on SQLite: no body panics or fails inside (every refusal
// is a code the API answers with: invalid, forbidden, too_large), and an
// appeal filed has its number and deadlines.
func FuzzIntake(f *testing.F) {
	for _, s := range []string{
		`{"external_ref":"A","category":"审批服务","content":"x","uscc":"91420111MA4KXX0001"}`,
		`{"channel":"hotline","category":"其他","content":"匿名","urgency":"紧急","limit_days":3}`,
		`{"category":"其他","content":"x","received_at":"2026-03-01T10:00:00+08:00","district":"洪山区"}`,
		`{"category":"其他","content":"x","received_at":"1999-01-01T00:00:00Z","contact_phone":"+86 (27) 1234-5678"}`,
		`{"category":"融资信贷","content":"` + strings.Repeat("长", 5001) + `"}`,
		`{"category":7}`, `[]`, `{"external_ref":"` + strings.Repeat("r", 65) + `","content":"x","category":"其他"}`,
	} {
		f.Add(s)
	}
	fx := newFixture(f, f.TempDir()+"/fuzz.db")
	f.Fuzz(func(t *testing.T, body string) {
		var in appeal.Intake
		if err := jsonbody.Decode(strings.NewReader(body), 1<<20, &in); err != nil {
			if errs.CodeOf(err) == errs.Internal {
				t.Fatalf("decode %q: %v", body, err)
			}
			return
		}
		ap, _, err := fx.App.Appeals.File(fx.Ctx, fx.Hotline, in)
		switch errs.CodeOf(err) {
		case "":
			if !strings.HasPrefix(ap.Number, "QS") || ap.DueDate == 0 || ap.SignDueAt == nil {
				t.Fatalf("filed without number or deadlines: %+v", ap)
			}
		case errs.Invalid, errs.Forbidden, errs.TooLarge:
		default:
			t.Fatalf("file %q: %v", body, err)
		}
	})
}
