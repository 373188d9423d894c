// Package enterprise is the enterprise registry (一企一档): market entities
// keyed by their 统一社会信用代码, with profile fields that may each be unknown,
// tags, derived size class, field provenance and history.
package enterprise

import (
	"time"

	"github.com/qinqing/qinqing/internal/workday"
)

// Enterprise is one market entity. Every profile field may be unknown: a nil
// pointer is unknown, never zero. Tags follow the same rule: a nil slice is
// unknown, an empty non-nil slice is the known empty set (JSON null vs []).
type Enterprise struct {
	ID   int64   `json:"id"`
	USCC string  `json:"uscc"`
	Name string  `json:"name"`
	Kind *string `json:"kind"` // 企业/个体工商户/农民专业合作社/其他
	// KindText is the registered type as the source wrote it when that
	// was not the canonical kind (有限责任公司, 个人独资企业 …); nil otherwise.
	KindText *string       `json:"kind_text"`
	Industry *string       `json:"industry"` // GB/T 4754-2017, e.g. C3911
	District *string       `json:"district"` // 6-digit division code
	Street   *string       `json:"street"`
	Founded  *workday.Date `json:"founded"`

	// Money in yuan for the last full year.
	RegisteredCapital *int64 `json:"registered_capital"`
	Employees         *int64 `json:"employees"`
	Revenue           *int64 `json:"revenue"`
	RDExpense         *int64 `json:"rd_expense"`
	TaxPaid           *int64 `json:"tax_paid"`
	ExportValue       *int64 `json:"export_value"`
	TotalAssets       *int64 `json:"total_assets"`

	Tags   []string `json:"tags"`
	Credit *string  `json:"credit"` // 正常/经营异常/严重失信
	Status *string  `json:"status"` // 存续/注销/吊销

	// Size is derived from industry, employees, revenue and total assets.
	Size *string `json:"size"` // 大型/中型/小型/微型

	UpdatedAt time.Time `json:"updated_at"`
}

// AgeYears returns the completed years since founding on date today, or nil
// when the founding date is unknown.
func (e *Enterprise) AgeYears(today workday.Date) *int64 {
	if e.Founded == nil {
		return nil
	}
	fy, fm, fd := e.Founded.YMD()
	ty, tm, td := today.YMD()
	age := int64(ty - fy)
	if tm < fm || (tm == fm && td < fd) {
		age--
	}
	if age < 0 {
		age = 0
	}
	return &age
}

// FieldType is the type of a canonical field, which decides how it is
// parsed, stored, compared in rules and shown.
type FieldType int

// The field types.
const (
	TypeText     FieldType = iota // free text (name, street)
	TypeEnum                      // one value of a closed set (kind, credit, status, size)
	TypeIndustry                  // GB/T 4754 code, compared by prefix
	TypeDivision                  // 6-digit division code
	TypeDate                      // workday.Date
	TypeMoney                     // int64 yuan
	TypeCount                     // int64 count (employees, age_years)
	TypeTags                      // set of strings
)

// Field describes one canonical field: its API name, Chinese label, type,
// closed value set (for enums) and whether it is derived.
type Field struct {
	Name    string
	Label   string
	Type    FieldType
	Values  []string // allowed values of an enum
	Derived bool     // computed, never imported
}

// Enumerations of the closed fields.
var (
	Kinds    = []string{"企业", "个体工商户", "农民专业合作社", "其他"}
	Credits  = []string{"正常", "经营异常", "严重失信"}
	Statuses = []string{"存续", "注销", "吊销"}
	Sizes    = []string{"大型", "中型", "小型", "微型"}
)

// Fields lists the canonical fields in display and import order. The API,
// import headers, export and rule engine use these names.
var Fields = []Field{
	{Name: "uscc", Label: "统一社会信用代码", Type: TypeText},
	{Name: "name", Label: "企业名称", Type: TypeText},
	{Name: "kind", Label: "市场主体类型", Type: TypeEnum, Values: Kinds},
	{Name: "industry", Label: "行业代码", Type: TypeIndustry},
	{Name: "district", Label: "所属区", Type: TypeDivision},
	{Name: "street", Label: "街道", Type: TypeText},
	{Name: "founded", Label: "成立日期", Type: TypeDate},
	{Name: "registered_capital", Label: "注册资本", Type: TypeMoney},
	{Name: "employees", Label: "从业人数", Type: TypeCount},
	{Name: "revenue", Label: "营业收入", Type: TypeMoney},
	{Name: "rd_expense", Label: "研发费用", Type: TypeMoney},
	{Name: "tax_paid", Label: "纳税额", Type: TypeMoney},
	{Name: "export_value", Label: "出口额", Type: TypeMoney},
	{Name: "total_assets", Label: "资产总额", Type: TypeMoney},
	{Name: "tags", Label: "企业标签", Type: TypeTags},
	{Name: "credit", Label: "信用状况", Type: TypeEnum, Values: Credits},
	{Name: "status", Label: "登记状态", Type: TypeEnum, Values: Statuses},
	{Name: "size", Label: "企业规模", Type: TypeEnum, Values: Sizes, Derived: true},
	{Name: "age_years", Label: "成立年限", Type: TypeCount, Derived: true},
}

// FieldByName returns the canonical field called name (API name or Chinese
// label) and whether it exists.
func FieldByName(name string) (Field, bool) {
	for _, f := range Fields {
		if f.Name == name || f.Label == name {
			return f, true
		}
	}
	return Field{}, false
}

// StandardTags are the tags known out of the box; admins may add more.
var StandardTags = []string{
	"高新技术企业", "科技型中小企业", "专精特新", "专精特新小巨人", "规上工业", "限上商贸",
	"四上企业", "上市企业", "瞪羚企业", "独角兽", "外资企业", "民营企业",
}
