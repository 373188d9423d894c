package enterprise

import (
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/errs"
)

func TestWuhanData(t *testing.T) {
	c := Wuhan()
	if c.Code != "420100" || c.Name != "武汉市" || c.ShortName() != "武汉" || len(c.Districts) != 13 {
		t.Fatalf("Wuhan() = %s %s with %d districts", c.Code, c.Name, len(c.Districts))
	}
	codes := map[string]bool{}
	streets := map[string]string{} // street → district code
	for _, d := range c.Districts {
		if len(d.Code) != 6 || !strings.HasPrefix(d.Code, "4201") || codes[d.Code] {
			t.Errorf("district code %q", d.Code)
		}
		codes[d.Code] = true
		if !strings.HasSuffix(d.Name, "区") || d.Weight <= 0 {
			t.Errorf("district %q weight %d", d.Name, d.Weight)
		}
		if len(d.Streets) < 4 {
			t.Errorf("%s has %d streets", d.Name, len(d.Streets))
		}
		for _, s := range d.Streets {
			if prev, dup := streets[s]; dup {
				t.Errorf("street %s in %s and %s", s, prev, d.Code)
			}
			streets[s] = d.Code
		}
	}
	ids := map[string]bool{}
	for _, z := range c.Zones {
		if z.ID == "" || ids[z.ID] || z.Name == "" || z.ShortName == "" {
			t.Errorf("zone %+v", z)
		}
		ids[z.ID] = true
		for _, code := range z.Districts {
			if !codes[code] {
				t.Errorf("zone %s: host %s is not a district", z.ID, code)
			}
		}
		// Every street a zone manages is a street of one of its hosts.
		for _, s := range z.Streets {
			host, ok := streets[s]
			if !ok || !strings.Contains(strings.Join(z.Districts, ","), host) {
				t.Errorf("zone %s: street %s is not in a host district", z.ID, s)
			}
			if got := c.ZoneOf(host, s); got != z.ID {
				t.Errorf("ZoneOf(%s, %s) = %q; want %q", host, s, got, z.ID)
			}
		}
	}
	if len(c.Zones) != 3 {
		t.Errorf("%d zones; want 3", len(c.Zones))
	}
	// Each call returns a new value.
	c.Districts[0].Name = "changed"
	if Wuhan().Districts[0].Name != "江岸区" {
		t.Error("Wuhan returned shared data")
	}
}

func TestParseDistrict(t *testing.T) {
	c := Wuhan()
	t.Run("OK", func(t *testing.T) {
		tests := []struct{ in, want string }{
			{"420102", "420102"},
			{"江岸区", "420102"},
			{"江岸", "420102"},
			{" 江岸区 ", "420102"},
			{"武汉市江岸区", "420102"},
			{"武汉江岸区", "420102"},
			{"湖北省武汉市江岸区", "420102"},
			{"硚口区", "420104"},
			{"洪山", "420111"},
			{"东西湖区", "420112"},
			{"东西湖", "420112"},
			{"新洲区", "420117"},
			{"４２０１１１", "420111"},
		}
		for _, tt := range tests {
			got, err := c.ParseDistrict(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseDistrict(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		}
		for _, d := range c.Districts {
			if got, err := c.ParseDistrict(d.Name); err != nil || got != d.Code {
				t.Errorf("ParseDistrict(%q) = %q, %v", d.Name, got, err)
			}
		}
	})
	errTests := []struct{ name, in, msg string }{
		{"ErrEmpty", "", "不能为空"},
		{"ErrCodeElsewhere", "110101", "不是武汉市的区"},
		{"ErrCodeCity", "420100", "不是武汉市的区"},
		{"ErrName", "朝阳区", "不是武汉市的区"},
		{"ErrSuffixOnly", "区", "不是武汉市的区"},
		{"ErrZone", "东湖高新区", "是功能区，不是行政区，请填写企业所在的行政区（洪山区、江夏区）"},
		{"ErrZoneAlias", "光谷", "是功能区"},
		{"ErrZoneCity", "武汉经济技术开发区", "“武汉经开区”是功能区，不是行政区，请填写企业所在的行政区（汉南区）"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.ParseDistrict(tt.in)
			if err == nil {
				t.Fatalf("ParseDistrict(%q) = %q, nil; want an error", tt.in, got)
			}
			if errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != "district" {
				t.Errorf("error %v: want invalid on district", err)
			}
			if msg := errs.MessageOf(err); !strings.Contains(msg, tt.msg) {
				t.Errorf("message %q does not contain %q", msg, tt.msg)
			}
		})
	}
}

func TestDistrictName(t *testing.T) {
	c := Wuhan()
	tests := map[string]string{"420111": "洪山区", "420117": "新洲区", "420100": "", "": "", "洪山区": ""}
	for code, want := range tests {
		if got := c.DistrictName(code); got != want {
			t.Errorf("DistrictName(%q) = %q; want %q", code, got, want)
		}
	}
}

func TestZones(t *testing.T) {
	c := Wuhan()
	t.Run("OK", func(t *testing.T) {
		tests := map[string]string{
			"donghu":     "donghu",
			"东湖高新区":      "donghu",
			"东湖新技术开发区":   "donghu",
			"武汉东湖新技术开发区": "donghu",
			"光谷":         "donghu",
			"武汉经开区":      "wedz",
			"武汉经济技术开发区":  "wedz",
			"车谷":         "wedz",
			"长江新区":       "changjiang",
			"武汉长江新区":     "changjiang",
		}
		for in, want := range tests {
			if got, err := c.ParseZone(in); err != nil || got != want {
				t.Errorf("ParseZone(%q) = %q, %v; want %q", in, got, err, want)
			}
		}
		if got := c.ZoneName("donghu"); got != "东湖高新区" {
			t.Errorf("ZoneName(donghu) = %q", got)
		}
		if got := c.ZoneOf("420111", "关东街道"); got != "donghu" {
			t.Errorf("ZoneOf(洪山区, 关东街道) = %q", got)
		}
		if got := c.ZoneOf("420111", "珞南街道"); got != "" {
			t.Errorf("ZoneOf(洪山区, 珞南街道) = %q; want none", got)
		}
		if got := c.ZoneOf("420102", "关东街道"); got != "" {
			t.Errorf("ZoneOf(江岸区, 关东街道) = %q; want none", got)
		}
	})
	t.Run("ErrUnknown", func(t *testing.T) {
		for _, in := range []string{"", "洪山区", "滨江高新区"} {
			if got, err := c.ParseZone(in); err == nil || errs.CodeOf(err) != errs.Invalid {
				t.Errorf("ParseZone(%q) = %q, %v; want an Invalid error", in, got, err)
			}
		}
		if got := c.ZoneName("nowhere"); got != "" {
			t.Errorf("ZoneName(nowhere) = %q", got)
		}
	})
}

func TestLookupCity(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, in := range []string{"420100", "武汉市", "武汉", "Wuhan", " wuhan "} {
			c, err := LookupCity(in)
			if err != nil || c.Code != "420100" {
				t.Errorf("LookupCity(%q) = %v, %v", in, c, err)
			}
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if _, err := LookupCity("杭州"); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("LookupCity(杭州): %v; want not_found", err)
		}
	})
}

// TestCityIsData shows that another city needs data only.
func TestCityIsData(t *testing.T) {
	c := &City{
		Code: "330100", Name: "杭州市", Province: "浙江省",
		Districts: []District{
			{Code: "330106", Name: "西湖区", Streets: []string{"北山街道", "西溪街道"}},
			{Code: "330108", Name: "滨江区", Streets: []string{"西兴街道", "长河街道", "浦沿街道"}},
		},
		Zones: []Zone{{ID: "hzhtz", Name: "杭州高新技术产业开发区", ShortName: "杭州高新区", Districts: []string{"330108"}, Streets: []string{"长河街道"}}},
	}
	if got, err := c.ParseDistrict("杭州市滨江区"); err != nil || got != "330108" {
		t.Errorf("ParseDistrict = %q, %v", got, err)
	}
	if _, err := c.ParseDistrict("杭州高新区"); err == nil || !strings.Contains(errs.MessageOf(err), "滨江区") {
		t.Errorf("ParseDistrict(杭州高新区): %v", err)
	}
	if got := c.ZoneOf("330108", "长河街道"); got != "hzhtz" {
		t.Errorf("ZoneOf = %q", got)
	}
}
