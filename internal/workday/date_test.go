package workday

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
)

func TestParseDate(t *testing.T) {
	ok := []struct{ in, want string }{
		{"2024-03-27", "2024-03-27"},
		{"2024/3/27", "2024-03-27"},
		{"2024年3月27日", "2024-03-27"},
		{"2024年03月27日", "2024-03-27"},
		{"2024.3.27", "2024-03-27"},
		{" 2024-3-7 ", "2024-03-07"},
		{"2024-02-29", "2024-02-29"},
		{"1969-12-31", "1969-12-31"},
		{"9999-12-31", "9999-12-31"},
	}
	for _, tt := range ok {
		t.Run("OK "+tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Errorf("ParseDate(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
	bad := []string{
		"2024-02-30", "2023-02-29", "2024-04-31", "2024-13-01", "2024-00-10", "2024-01-00",
		"", "garbage", "2024-03", "2024-03-27-01", "2024-0x-01", "99-01-01", "10000-01-01",
		"２０２４-03-27", "2024--27", "-2024-03-27", "2024年3月", "2024-03-27T10:00:00", "+2024-03-27", "2024-03-27-", "2024-1234567890-01",
	}
	for _, in := range bad {
		t.Run("Err "+in, func(t *testing.T) {
			_, err := ParseDate(in)
			if errs.CodeOf(err) != errs.Invalid || errs.MessageOf(err) == "" {
				t.Errorf("ParseDate(%q) = %v, want an invalid error", in, err)
			}
		})
	}
}

func TestDateJSON(t *testing.T) {
	type record struct {
		Deadline Date  `json:"deadline"`
		Founded  *Date `json:"founded"`
	}
	founded := d("1998-07-01")
	in := record{Deadline: d("2024-09-23"), Founded: &founded}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"deadline":"2024-09-23","founded":"1998-07-01"}` {
		t.Errorf("Marshal = %s", b)
	}
	var out record
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Deadline != in.Deadline || out.Founded == nil || *out.Founded != founded {
		t.Errorf("round trip = %+v, want %+v", out, in)
	}

	var optional record
	if err := json.Unmarshal([]byte(`{"deadline":"2024-09-23","founded":null}`), &optional); err != nil || optional.Founded != nil {
		t.Errorf("Unmarshal(founded null) = %+v, %v; want a nil *Date", optional, err)
	}

	tests := []struct {
		name, json string
		want       string // "" for an error
	}{
		{"OKChinese", `"2024年3月27日"`, "2024-03-27"},
		{"OKSlash", `"2024/3/27"`, "2024-03-27"},
		{"ErrNumber", `19809`, ""},
		{"ErrImpossible", `"2024-02-30"`, ""},
		{"ErrNull", `null`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d("2000-01-01")
			err := json.Unmarshal([]byte(tt.json), &got)
			switch tt.want {
			case "":
				if errs.CodeOf(err) != errs.Invalid {
					t.Errorf("Unmarshal(%s) = %v, want invalid", tt.json, err)
				}
			default:
				if err != nil || got.String() != tt.want {
					t.Errorf("Unmarshal(%s) = %s, %v, want %s", tt.json, got, err, tt.want)
				}
			}
		})
	}
}

func TestDateMethods(t *testing.T) {
	day := d("2024-03-27")
	if day.Chinese() != "2024年3月27日" || day.Weekday() != time.Wednesday || day.Year() != 2024 {
		t.Errorf("2024-03-27: %s %v %d", day.Chinese(), day.Weekday(), day.Year())
	}
	if got := DateOf(time.Date(2024, 3, 26, 16, 0, 0, 0, time.UTC)); got != day {
		t.Errorf("DateOf(16:00 UTC the day before) = %s, want %s", got, day)
	}
	if got := Today(func() time.Time { return time.Date(2024, 3, 27, 23, 59, 0, 0, Shanghai) }); got != day {
		t.Errorf("Today = %s", got)
	}
	if s := day.Start(); !s.Equal(time.Date(2024, 3, 26, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("Start = %s", s)
	}
	v, _ := day.Value()
	var scanned Date
	if err := scanned.Scan(v); err != nil || scanned != day {
		t.Errorf("Scan(Value()) = %s, %v", scanned, err)
	}
	for day := d("1960-01-01"); day < d("2040-01-01"); day += 97 {
		if isWeekday(day) != isWeekdayNaive(day) {
			t.Fatalf("isWeekday(%s) disagrees with time.Weekday", day)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-03-27", "2024/3/27", "2024年3月27日", "2024.3.27", "2024-02-30", "", "garbage", "-1--", "9999-99-99", "+2024-+3-+7", "2024年3月27日日"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDate(s)
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("ParseDate(%q) error %v is not invalid", s, err)
			}
			return
		}
		if y := got.Year(); y < 1000 || y > 9999 {
			t.Fatalf("ParseDate(%q) = %s, out of range", s, got)
		}
		again, err := ParseDate(got.String())
		if err != nil || again != got {
			t.Fatalf("ParseDate(%q) = %s does not round trip: %s, %v", s, got, again, err)
		}
	})
}
