package enterprise

import (
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
)

// A city is data, not code: City, District and Zone are plain values, and
// Wuhan returns one such value. Another city (Hangzhou, a province's other
// prefectures) is added by writing another function that returns a *City,
// or by loading the same structure from a file; nothing else changes.
//
// Districts are 行政区 with a 6-digit GB/T 2260 division code; that code is
// what the registry stores in Enterprise.District. Functional zones (功能区:
// 国家级开发区, 新区) are not 行政区 and have no GB/T 2260 code of their own:
// their enterprises are registered with the code of the district that holds
// their street (or with the zone's own registration authority, whose USCC
// still carries a 4201xx code). A Zone therefore has a stable identifier of
// our own, the districts that host it, and the streets it manages (托管);
// zone membership is derived from district and street, never stored in the
// division code.

// City is a city whose market entities the platform serves: its districts
// with their streets, and its functional zones.
type City struct {
	Code      string // 6-digit GB/T 2260 code of the city, e.g. 420100
	Name      string // 武汉市
	Province  string // 湖北省
	Districts []District
	Zones     []Zone
}

// District is one 行政区 (市辖区) of a city.
type District struct {
	Code    string   // 6-digit GB/T 2260 code, e.g. 420111
	Name    string   // 洪山区
	Streets []string // 街道 (and the few 乡镇 left), representative, not exhaustive
	// Weight is the relative number of market entities registered in the
	// district, used to spread synthetic data realistically; 0 counts as 1.
	Weight int
}

// Zone is a functional zone (功能区) that manages streets of one or more
// districts.
type Zone struct {
	ID        string   // stable identifier, e.g. "donghu"; never changes once used
	Name      string   // full name, e.g. 东湖新技术开发区
	ShortName string   // e.g. 东湖高新区
	Aliases   []string // other names people write, e.g. 光谷
	Districts []string // codes of the host districts
	Streets   []string // streets the zone manages (托管), as named in District.Streets
}

// Wuhan returns the reference data of 武汉市: its 13 districts with
// representative 街道 and its three main functional zones. The value is new
// on every call, so a caller may change it freely.
//
// Street lists follow the 街道 names in use in 2024; some functional-zone
// streets (东湖高新区, 武汉经开区) were carved out of or are administered on
// behalf of their host districts, and the lists are meant for recognition and
// synthetic data, not as the legal 区划. Check against the local 民政 list
// before using them to route official work.
func Wuhan() *City {
	return &City{
		Code:     "420100",
		Name:     "武汉市",
		Province: "湖北省",
		Districts: []District{
			{Code: "420102", Name: "江岸区", Weight: 11, Streets: []string{
				"大智街道", "一元街道", "车站街道", "四唯街道", "永清街道", "西马街道", "球场街道", "劳动街道",
				"二七街道", "新村街道", "丹水池街道", "台北街道", "花桥街道", "谌家矶街道", "后湖街道", "塔子湖街道",
			}},
			{Code: "420103", Name: "江汉区", Weight: 10, Streets: []string{
				"民族街道", "花楼街道", "水塔街道", "民权街道", "满春街道", "民意街道", "新华街道", "万松街道",
				"唐家墩街道", "北湖街道", "前进街道", "常青街道", "汉兴街道",
			}},
			{Code: "420104", Name: "硚口区", Weight: 7, Streets: []string{
				"古田街道", "韩家墩街道", "宗关街道", "汉水桥街道", "宝丰街道", "荣华街道", "汉中街道",
				"汉正街道", "六角亭街道", "长丰街道", "易家街道",
			}},
			{Code: "420105", Name: "汉阳区", Weight: 8, Streets: []string{
				"建桥街道", "鹦鹉街道", "洲头街道", "五里墩街道", "琴断口街道", "江汉二桥街道", "永丰街道",
				"江堤街道", "晴川街道", "四新街道",
			}},
			{Code: "420106", Name: "武昌区", Weight: 11, Streets: []string{
				"积玉桥街道", "杨园街道", "徐家棚街道", "粮道街道", "中华路街道", "黄鹤楼街道", "紫阳街道",
				"白沙洲街道", "首义路街道", "中南路街道", "水果湖街道", "珞珈山街道", "石洞街道", "南湖街道",
			}},
			{Code: "420107", Name: "青山区", Weight: 4, Streets: []string{
				"红卫路街道", "冶金街道", "新沟桥街道", "红钢城街道", "工人村街道", "青山镇街道", "厂前街道",
				"武东街道", "白玉山街道", "钢花村街道",
			}},
			{Code: "420111", Name: "洪山区", Weight: 18, Streets: []string{
				"珞南街道", "关山街道", "狮子山街道", "张家湾街道", "梨园街道", "卓刀泉街道", "洪山街道",
				"和平街道", "青菱街道", "关东街道", "花山街道", "左岭街道", "九峰街道",
			}},
			{Code: "420112", Name: "东西湖区", Weight: 7, Streets: []string{
				"吴家山街道", "将军路街道", "慈惠街道", "走马岭街道", "径河街道", "长青街道", "金银湖街道",
				"辛安渡街道", "东山街道", "新沟镇街道", "柏泉街道", "常青花园新区街道",
			}},
			{Code: "420113", Name: "汉南区", Weight: 3, Streets: []string{
				"纱帽街道", "邓南街道", "东荆街道", "湘口街道", "沌口街道", "沌阳街道", "军山街道",
			}},
			{Code: "420114", Name: "蔡甸区", Weight: 5, Streets: []string{
				"蔡甸街道", "奓山街道", "永安街道", "侏儒山街道", "大集街道", "张湾街道", "索河街道",
				"玉贤街道", "消泗乡",
			}},
			{Code: "420115", Name: "江夏区", Weight: 8, Streets: []string{
				"纸坊街道", "郑店街道", "五里界街道", "金口街道", "乌龙泉街道", "山坡街道", "安山街道",
				"舒安街道", "湖泗街道", "法泗街道", "豹澥街道", "佛祖岭街道", "龙泉街道", "滨湖街道",
			}},
			{Code: "420116", Name: "黄陂区", Weight: 6, Streets: []string{
				"前川街道", "祁家湾街道", "横店街道", "罗汉寺街道", "滠口街道", "六指街道", "天河街道",
				"王家河街道", "长轩岭街道", "李家集街道", "姚家集街道", "蔡榨街道", "三里桥街道", "武湖街道",
				"蔡店街道", "木兰乡",
			}},
			{Code: "420117", Name: "新洲区", Weight: 4, Streets: []string{
				"邾城街道", "阳逻街道", "仓埠街道", "汪集街道", "李集街道", "三店街道", "潘塘街道",
				"旧街街道", "双柳街道", "涨渡湖街道", "徐古街道", "凤凰镇",
			}},
		},
		Zones: []Zone{
			{
				ID: "donghu", Name: "东湖新技术开发区", ShortName: "东湖高新区",
				Aliases:   []string{"武汉东湖新技术开发区", "东湖高新技术开发区", "东湖开发区", "光谷", "中国光谷"},
				Districts: []string{"420111", "420115"},
				Streets: []string{
					"关东街道", "花山街道", "左岭街道", "九峰街道", "豹澥街道", "佛祖岭街道", "龙泉街道", "滨湖街道",
				},
			},
			{
				ID: "wedz", Name: "武汉经济技术开发区", ShortName: "武汉经开区",
				Aliases:   []string{"经开区", "经济技术开发区", "沌口开发区", "车谷", "中国车谷"},
				Districts: []string{"420113"},
				Streets:   []string{"沌口街道", "沌阳街道", "军山街道", "纱帽街道", "邓南街道", "东荆街道", "湘口街道"},
			},
			{
				ID: "changjiang", Name: "长江新区", ShortName: "长江新区",
				Aliases:   []string{"武汉长江新区", "长江新城"},
				Districts: []string{"420102", "420116"},
				Streets:   []string{"谌家矶街道", "武湖街道"},
			},
		},
	}
}

// LookupCity returns the reference data of the city named by s: its 6-digit
// code, its name with or without 市, or its pinyin. Only 武汉 is built in; it
// returns a NotFound error for any other city.
func LookupCity(s string) (*City, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "420100", "武汉市", "武汉", "wuhan":
		return Wuhan(), nil
	}
	return nil, errs.Errorf(errs.NotFound, "暂不支持城市“%s”（目前内置：武汉市）", strings.TrimSpace(s))
}

// ShortName returns the city's name without its trailing 市, e.g. 武汉.
func (c *City) ShortName() string {
	return strings.TrimSuffix(c.Name, "市")
}

// District returns the district whose code is code, and whether it exists.
func (c *City) District(code string) (District, bool) {
	for _, d := range c.Districts {
		if d.Code == code {
			return d, true
		}
	}
	return District{}, false
}

// DistrictName returns the name of the district whose code is code, or ""
// when code is not one of the city's districts.
func (c *City) DistrictName(code string) string {
	d, _ := c.District(code)
	return d.Name
}

// districtErr returns an Invalid error about the field district.
func districtErr(format string, args ...any) *errs.Error {
	return errs.FieldErrorf("district", format, args...)
}

// ParseDistrict returns the code of the district that s names: its 6-digit
// code, its name (江岸区), its name without the suffix 区 (江岸), or either
// prefixed with the province and city (湖北省武汉市江岸区). It returns an
// Invalid error on field "district" in Chinese for anything else; a
// functional zone is refused with a message saying it is not a 行政区.
func (c *City) ParseDistrict(s string) (string, error) {
	u := normalizeCode(s)
	if u == "" {
		return "", districtErr("所属区不能为空")
	}
	if isDigits(u) {
		if _, ok := c.District(u); ok {
			return u, nil
		}
		return "", districtErr("行政区划代码“%s”不是%s的区", u, c.Name)
	}
	name := strings.TrimPrefix(u, c.Province)
	name = strings.TrimPrefix(name, c.Name)
	name = strings.TrimPrefix(name, c.ShortName())
	for _, d := range c.Districts {
		if name == d.Name || (name != "" && name == strings.TrimSuffix(d.Name, "区")) {
			return d.Code, nil
		}
	}
	z, ok := c.zoneByName(u)
	if !ok {
		z, ok = c.zoneByName(name)
	}
	if ok {
		return "", districtErr("“%s”是功能区，不是行政区，请填写企业所在的行政区（%s）", z.ShortName, c.districtNames(z.Districts))
	}
	return "", districtErr("“%s”不是%s的区", u, c.Name)
}

// districtNames joins the names of the districts whose codes are given.
func (c *City) districtNames(codes []string) string {
	names := make([]string, 0, len(codes))
	for _, code := range codes {
		names = append(names, c.DistrictName(code))
	}
	return strings.Join(names, "、")
}

// zoneByName returns the zone named name (full name, short name or alias).
func (c *City) zoneByName(name string) (Zone, bool) {
	for _, z := range c.Zones {
		if name == z.ID || name == z.Name || name == z.ShortName {
			return z, true
		}
		for _, a := range z.Aliases {
			if name == a {
				return z, true
			}
		}
	}
	return Zone{}, false
}

// ParseZone returns the identifier of the functional zone that s names: its
// identifier, full name, short name or an alias, optionally prefixed with the
// city's name. It returns an Invalid error on field "zone" in Chinese when no
// zone matches.
func (c *City) ParseZone(s string) (string, error) {
	u := strings.TrimSpace(s)
	if u == "" {
		return "", errs.FieldErrorf("zone", "功能区不能为空")
	}
	if z, ok := c.zoneByName(u); ok {
		return z.ID, nil
	}
	name := strings.TrimPrefix(strings.TrimPrefix(u, c.Name), c.ShortName())
	if z, ok := c.zoneByName(name); ok {
		return z.ID, nil
	}
	return "", errs.FieldErrorf("zone", "“%s”不是%s的功能区", u, c.Name)
}

// ZoneName returns the short name of the zone whose identifier is id, or "".
func (c *City) ZoneName(id string) string {
	z, _ := c.Zone(id)
	return z.ShortName
}

// Zone returns the functional zone whose identifier is id.
func (c *City) Zone(id string) (Zone, bool) {
	for _, z := range c.Zones {
		if z.ID == id {
			return z, true
		}
	}
	return Zone{}, false
}

// ZoneOf returns the identifier of the functional zone that manages street in
// the district whose code is district, or "" when none does.
func (c *City) ZoneOf(district, street string) string {
	for _, z := range c.Zones {
		hosted := false
		for _, d := range z.Districts {
			if d == district {
				hosted = true
				break
			}
		}
		if !hosted {
			continue
		}
		for _, st := range z.Streets {
			if st == street {
				return z.ID
			}
		}
	}
	return ""
}

// isDigits reports whether s is a non-empty string of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
