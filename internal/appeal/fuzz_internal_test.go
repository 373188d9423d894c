package appeal

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzImportRows feeds arbitrary 12345 export bodies (after a valid header)
// through the reader and the row parser: no input panics, every row is
// either an intake with its required fields or errors naming a column of
// the file, and a parsed receipt is an instant.
func FuzzImportRows(f *testing.F) {
	head := strings.Join(ImportColumns, ",") + "\n"
	for _, s := range []string{
		"GD-1,2024-09-13 16:30,张,138,公司,91420111MA4KXX0001,洪山区,其他,标题,内容,紧急,5\n",
		"GD-2,2024/9/13 16:30:00,,,,,,,,内容,,\n",
		"GD-3,2024年9月13日16时30分,,,,,,,,\"多行\n内容\",,\n",
		"GD-4,45548.6875,,,,,,,,x,,十\n",
		",,,,,,,,,,,\n\"unterminated,\n",
		"GD-5,2024-02-30 25:61,,,,,,,,x,,-1\n",
	} {
		f.Add(s)
	}
	columns := map[string]bool{"": true}
	for _, c := range ImportColumns {
		columns[c] = true
	}
	f.Fuzz(func(t *testing.T, body string) {
		_, _ = readRows(strings.NewReader(head+body), "csv", func(h *header, cells []string, line, total int) error {
			if cells == nil {
				return nil
			}
			in, bad := parseRow(h, cells, line)
			for _, e := range bad {
				if !columns[e.Field] || e.Reason == "" || e.Line != line {
					t.Fatalf("row error %+v", e)
				}
			}
			if len(bad) == 0 && (in.ExternalRef == "" || in.Content == "" || in.ReceivedAt == nil || in.ReceivedAt.IsZero()) {
				t.Fatalf("accepted a row without its required fields: %+v", in)
			}
			return nil
		})
		_, _ = ParseReceived(body)
	})
}

// FuzzOpen311Intake feeds arbitrary forms to the Open311 mapping: it never
// panics, and a form it accepts has a category and content.
func FuzzOpen311Intake(f *testing.F) {
	for _, s := range []string{
		"service_code=approval&description=%E8%B7%AF%E7%81%AF&lat=30.5&long=114.3",
		"service_code=&description=x",
		"attribute%5Buscc%5D=91420111MA4KXX0001&service_code=other&description=y&device_id=d1&address_string=%E5%85%89%E8%B0%B7",
		"a=%ZZ&&=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		form, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		in, err := Open311Intake(form)
		if err == nil && (in.Category == "" || in.Content == "" || in.Channel != string(ChannelOpen311)) {
			t.Fatalf("accepted %q as %+v", q, in)
		}
		if err == nil && utf8.ValidString(q) && !utf8.ValidString(in.Content) && utf8.ValidString(form.Get("description")) {
			t.Fatalf("content broke UTF-8")
		}
	})
}
