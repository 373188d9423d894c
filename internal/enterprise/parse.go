package enterprise

import (
	"github.com/qinqing/qinqing/internal/sheet"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/cleantext"
	"github.com/qinqing/qinqing/internal/errs"
	moneyfmt "github.com/qinqing/qinqing/internal/money"
	"github.com/qinqing/qinqing/internal/workday"
)

// Row and field parsing for import. Every cell is cleaned the same way
// (the formula-injection quote that Export adds is removed, surrounding
// space is trimmed, including the ideographic space), and an empty cell is
// unknown (nil) — except for tags, where an empty cell is the known empty
// set and the word 未知 (TagsUnknown) is unknown.

// Limits on free-text fields, in characters.
const (
	maxNameLen   = 200
	maxStreetLen = 100
	maxTagLen    = 40
	maxTags      = 50
)

// importable lists the fields a file may set, in Fields order: every
// non-derived field.
var importable = func() []Field {
	var out []Field
	for _, f := range Fields {
		if !f.Derived {
			out = append(out, f)
		}
	}
	return out
}()

// Indexes into importable, used by the row parser.
const (
	colUSCC = iota
	colName
	colKind
	colIndustry
	colDistrict
	colStreet
	colFounded
	colCapital
	colEmployees
	colRevenue
	colRD
	colTax
	colExport
	colAssets
	colTags
	colCredit
	colStatus
	nImportable
)

// header maps the cells of a file's rows to fields.
type header struct {
	cols []int // per cell: index into importable, or -1 for a derived field (ignored)
	has  [nImportable]bool
	// unit is the unit a money column's header names (注册资本（万元）): a
	// number without a unit of its own is in it; 0 is 元.
	unit [nImportable]moneyfmt.Unit
}

// headerUnits are the units a money column's header may name in brackets.
var headerUnits = map[string]moneyfmt.Unit{"元": moneyfmt.Yuan, "万元": moneyfmt.Wan, "万": moneyfmt.Wan, "亿元": moneyfmt.Yi, "亿": moneyfmt.Yi}

// fieldWithNote reads a header written with a note in brackets — 注册资本
// （万元）, 从业人数(人), 成立日期（年月日） — as its field and the note. A
// money field's note must be a unit of money (元, 万元, 亿元).
func fieldWithNote(name string) (Field, moneyfmt.Unit, bool) {
	base, note, ok := sheet.CutNote(name)
	if !ok {
		return Field{}, 0, false
	}
	f, ok := FieldByName(base)
	if !ok {
		return Field{}, 0, false
	}
	if unit, money := headerUnits[note]; money {
		return f, unit, f.Type == TypeMoney
	}
	return f, 0, f.Type != TypeMoney
}

// parseHeader reads a header row: each cell a canonical field name or its
// Chinese label. It returns an Invalid error in Chinese naming the problem
// when a header is unknown or repeated, or when the required columns
// (统一社会信用代码, 企业名称) are missing. Empty trailing header cells are
// ignored.
func parseHeader(cells []string) (*header, error) {
	for len(cells) > 0 && cleanCell(cells[len(cells)-1]) == "" {
		cells = cells[:len(cells)-1]
	}
	h := &header{cols: make([]int, len(cells))}
	seen := map[string]int{}
	var unknown []string
	for i, c := range cells {
		name := cleanCell(strings.TrimPrefix(c, "\uFEFF"))
		if name == "" {
			return nil, errs.Errorf(errs.Invalid, "第%d列的表头为空：每一列都要有表头（字段名或中文名称，如“统一社会信用代码”）", i+1)
		}
		f, ok := FieldByName(name)
		var unit moneyfmt.Unit
		if !ok {
			f, unit, ok = fieldWithNote(name)
		}
		if !ok {
			unknown = append(unknown, "“"+name+"”")
			continue
		}
		if j, dup := seen[f.Name]; dup {
			return nil, errs.Errorf(errs.Invalid, "表头“%s”（第%d列）与第%d列重复，都是“%s”", name, i+1, j+1, f.Label)
		}
		seen[f.Name] = i
		h.cols[i] = -1
		if f.Derived {
			continue
		}
		for k, g := range importable {
			if g.Name == f.Name {
				h.cols[i] = k
				h.has[k] = true
				h.unit[k] = unit
			}
		}
	}
	if len(unknown) > 0 {
		return nil, errs.Errorf(errs.Invalid, "表头%s不是企业字段。可用的表头（字段名或中文名称）：%s", strings.Join(unknown, "、"), fieldList())
	}
	if !h.has[colUSCC] || !h.has[colName] {
		return nil, errs.Errorf(errs.Invalid, "缺少必需的列：统一社会信用代码（uscc）和企业名称（name）都必须有")
	}
	return h, nil
}

// fieldList lists the importable fields as 标签(name).
func fieldList() string {
	parts := make([]string, 0, len(Fields))
	for _, f := range Fields {
		parts = append(parts, f.Label+"("+f.Name+")")
	}
	return strings.Join(parts, "、")
}

// trimSpace trims white space, including the ideographic space U+3000 and
// the no-break space, which arrive from Word and web pages.
func trimSpace(s string) string {
	// Most cells have nothing to trim: their first byte is a letter, a
	// digit or starts a multi-byte character other than those spaces (every
	// space above is ASCII or starts with 0xC2, 0xE3 or 0xEF), and so is
	// their last byte (a space ends with 0xA0, 0x80 or 0xBF).
	if s == "" || (!mayStartSpace(s[0]) && !mayEndSpace(s[len(s)-1])) {
		return s
	}
	return strings.TrimFunc(s, isSpace)
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == 0x3000 || r == 0xA0 || r == 0xFEFF
}

// mayStartSpace reports whether b may be the first byte of a space of
// isSpace, mayEndSpace whether it may be the last.
func mayStartSpace(b byte) bool { return b <= ' ' || b == 0xC2 || b == 0xE3 || b == 0xEF }
func mayEndSpace(b byte) bool   { return b <= ' ' || b == 0xA0 || b == 0x80 || b == 0xBF }

// cleanCell undoes the export escape and trims space.
func cleanCell(s string) string { return trimSpace(sheet.Unescape(s)) }

// RowError is one problem with one row of an import file. Line is the line
// (CSV) or row number (XLSX) of the row, counting the header as 1; Field is
// the canonical field name ("" for the row as a whole); Reason says in
// Chinese what is wrong and how to fix it.
type RowError struct {
	Line   int    `json:"line"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// rowParser turns the cells of a data row into an Enterprise.
type rowParser struct {
	h     *header
	city  *City
	today workday.Date
	xlsx  bool   // accept Excel date serial numbers
	where string // prefix of every reason, e.g. 工作表“企业2”：
}

// parse returns the enterprise of one data row, or the errors that reject
// it (at most one per field). Values that are absent (no column, or an
// empty cell) are unknown.
// parsedRow holds a parsed enterprise and the values its pointers refer
// to, in one allocation (an import holds tens of thousands in flight).
type parsedRow struct {
	e                                                                Enterprise
	kind, kindText, industry, district, street, credit, status, size string
	founded                                                          workday.Date
	nums                                                             [7]int64 // in the order of the money and count columns
}

func (p *rowParser) parse(cells []string, line int) (*Enterprise, []RowError) {
	r := &parsedRow{}
	e := &r.e
	var bad []RowError
	fail := func(field string, err error) {
		bad = append(bad, RowError{Line: line, Field: field, Reason: p.where + errs.MessageOf(err)})
	}
	if len(cells) > len(p.h.cols) {
		for _, c := range cells[len(p.h.cols):] {
			if cleanCell(c) != "" {
				bad = append(bad, RowError{Line: line, Reason: p.where + "这一行的列数多于表头：多出的单元格没有表头，无法判断是哪个字段"})
				break
			}
		}
		cells = cells[:len(p.h.cols)]
	}
	for i, raw := range cells {
		k := p.h.cols[i]
		if k < 0 {
			continue
		}
		f := importable[k]
		v := cleanCell(raw)
		if v == "" && k != colTags && k != colUSCC && k != colName {
			continue
		}
		if problem := cleantext.Problem(v, false); problem != "" { // every field is one line
			if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
				problem = "含有无效字符（文件应为 UTF-8 编码；Excel 请另存为“CSV UTF-8”或直接用 .xlsx）"
			}
			fail(f.Name, errs.FieldErrorf(f.Name, "%s%s", f.Label, problem))
			continue
		}
		if err := p.set(r, k, v); err != nil {
			fail(f.Name, err)
		}
	}
	// Required columns whose cell is missing from a short row.
	if len(cells) <= p.h.index(colUSCC) {
		fail("uscc", errs.FieldErrorf("uscc", "统一社会信用代码不能为空"))
	}
	if len(cells) <= p.h.index(colName) {
		fail("name", errs.FieldErrorf("name", "企业名称不能为空"))
	}
	if p.h.has[colTags] && e.Tags == nil && len(cells) <= p.h.index(colTags) {
		e.Tags = []string{}
	}
	if len(bad) > 0 {
		return nil, bad
	}
	if e.Founded != nil && p.today != 0 && *e.Founded > p.today {
		return nil, []RowError{{Line: line, Field: "founded", Reason: p.where + "成立日期“" + e.Founded.String() + "”晚于今天"}}
	}
	if size := ClassifySize(e.Industry, e.Employees, e.Revenue, e.TotalAssets); size != nil {
		r.size = *size
		e.Size = &r.size
	}
	return e, nil
}

// index returns the cell index of importable field k, or a large number.
func (h *header) index(k int) int {
	for i, c := range h.cols {
		if c == k {
			return i
		}
	}
	return math.MaxInt
}

// set parses v (cleaned, non-empty unless the field is uscc, name or tags)
// into field k of r.
func (p *rowParser) set(r *parsedRow, k int, v string) error {
	e := &r.e
	str := func(dst **string, store *string, s string) {
		*store = s
		*dst = store
	}
	switch k {
	case colUSCC:
		code, err := ParseUSCC(v)
		if err != nil {
			return err
		}
		e.USCC = code
	case colName:
		name, err := ParseName(v)
		if err != nil {
			return err
		}
		e.Name = name
	case colKind:
		kind, text, err := ParseKind(v)
		if err != nil {
			return err
		}
		str(&e.Kind, &r.kind, kind)
		if text != "" {
			str(&e.KindText, &r.kindText, text)
		}
	case colCredit, colStatus:
		field, dst, store := "credit", &e.Credit, &r.credit
		if k == colStatus {
			field, dst, store = "status", &e.Status, &r.status
		}
		s, err := ParseEnum(field, v)
		if err != nil {
			return err
		}
		str(dst, store, s)
	case colIndustry:
		code, err := ParseIndustry(v)
		if err != nil {
			return err
		}
		str(&e.Industry, &r.industry, code)
	case colDistrict:
		city := p.city
		if city == nil {
			city = Wuhan()
		}
		code, err := city.ParseDistrict(v)
		if err != nil {
			return err
		}
		str(&e.District, &r.district, code)
	case colStreet:
		if n := utf8.RuneCountInString(v); n > maxStreetLen {
			return errs.FieldErrorf("street", "街道过长（%d个字，最多%d个字）", n, maxStreetLen)
		}
		str(&e.Street, &r.street, v)
	case colFounded:
		d, err := p.parseDate(v)
		if err != nil {
			return err
		}
		r.founded = d
		e.Founded = &r.founded
	case colEmployees:
		n, err := ParseCount(v)
		if err != nil {
			return errs.FieldErrorf("employees", "从业人数%s", errs.MessageOf(err))
		}
		r.nums[1] = n
		e.Employees = &r.nums[1]
	case colCapital, colRevenue, colRD, colTax, colExport, colAssets:
		f := importable[k]
		var n int64
		var err error
		if unit := p.h.unit[k]; unit > moneyfmt.Yuan {
			n, err = moneyfmt.Parse(v, unit) // the header's unit: 注册资本（万元）
		} else {
			n, err = ParseMoney(v)
		}
		if err != nil {
			return errs.FieldErrorf(f.Name, "%s%s", f.Label, errs.MessageOf(err))
		}
		i := k - colCapital // capital 0, employees 1, revenue 2 … assets 6
		r.nums[i] = n
		switch k {
		case colCapital:
			e.RegisteredCapital = &r.nums[i]
		case colRevenue:
			e.Revenue = &r.nums[i]
		case colRD:
			e.RDExpense = &r.nums[i]
		case colTax:
			e.TaxPaid = &r.nums[i]
		case colExport:
			e.ExportValue = &r.nums[i]
		case colAssets:
			e.TotalAssets = &r.nums[i]
		}
	case colTags:
		if v == TagsUnknown {
			return nil
		}
		tags, err := ParseTags(v)
		if err != nil {
			return err
		}
		e.Tags = tags
	}
	return nil
}

// parseDate reads a founding date in any form workday.ParseDate accepts,
// or as 8 digits (20240327), or, in an XLSX file, as an Excel date serial
// number (what a cell formatted as a date holds).
func (p *rowParser) parseDate(v string) (workday.Date, error) {
	if t, ok := sheet.SerialTime(v, workday.Shanghai); ok && p.xlsx {
		return workday.DateOf(t), nil
	}
	if isDigits(v) && len(v) == 8 { // 20240327
		v = v[:4] + "-" + v[4:6] + "-" + v[6:]
	}
	d, err := workday.ParseDate(v)
	if err != nil {
		return 0, errs.FieldErrorf("founded", "成立日期%s", strings.TrimPrefix(errs.MessageOf(err), "日期"))
	}
	return d, nil
}

// ParseName validates an enterprise name: not empty, at most 200 characters,
// surrounding space trimmed. Errors: Invalid on field "name".
func ParseName(s string) (string, error) {
	s = trimSpace(s)
	if s == "" {
		return "", errs.FieldErrorf("name", "企业名称不能为空")
	}
	if n := utf8.RuneCountInString(s); n > maxNameLen {
		return "", errs.FieldErrorf("name", "企业名称过长（%d个字，最多%d个字）", n, maxNameLen)
	}
	return s, nil
}

// enumValues returns the closed value set of an enum field.
func enumValues(field string) []string {
	switch field {
	case "kind":
		return Kinds
	case "credit":
		return Credits
	case "status":
		return Statuses
	case "size":
		return Sizes
	}
	return nil
}

// kindWords map the registered types that registers and spreadsheets write
// to the canonical kinds, tried in order on the text without its bracketed
// detail: the first whose word the text contains wins. 民办非企业单位
// comes before the words of 企业 because it contains 企业.
var kindWords = []struct{ word, kind string }{
	{"个体", "个体工商户"},    // 个体工商户, 个体户, 个体经营
	{"合作社", "农民专业合作社"}, // 农民专业合作社, 专业合作社, 农民专业合作社联合社
	{"民办非企业", "其他"},
	{"事业单位", "其他"},
	{"社会团体", "其他"},
	{"基金会", "其他"},
	{"机关", "其他"},
	{"公司", "企业"}, // 有限责任公司, 股份有限公司, 分公司 …
	{"企业", "企业"}, // 个人独资企业, 合伙企业, 外商投资企业, 全民所有制企业 …
	{"合伙", "企业"},
	{"独资", "企业"},
	{"全民所有制", "企业"},
	{"集体所有制", "企业"},
	{"股份合作", "企业"},
	{"联营", "企业"},
	{"中外合资", "企业"},
	{"中外合作", "企业"},
	{"外资", "企业"},
	{"非公司", "企业"},
}

// ParseKind reads a 市场主体类型 cell: a canonical kind (企业, 个体工商户,
// 农民专业合作社, 其他) as it is, or a registered type as registers write it
// — 有限责任公司, 股份有限公司, 有限责任公司（自然人独资）, 个人独资企业, 合伙企业,
// 个体户, 农民专业合作社联合社, 事业单位 … — mapped to its canonical kind,
// with the original text returned too ("" when v was canonical).
// Errors: Invalid on field "kind", naming the accepted forms.
func ParseKind(v string) (kind, text string, err error) {
	v = trimSpace(v)
	if slices.Contains(Kinds, v) {
		return v, "", nil
	}
	base := v
	if i := strings.IndexAny(base, "（("); i > 0 {
		base = base[:i]
	}
	if utf8.RuneCountInString(v) <= maxKindTextLen {
		for _, w := range kindWords {
			if strings.Contains(base, w.word) {
				return w.kind, v, nil
			}
		}
	}
	return "", "", errs.FieldErrorf("kind", "市场主体类型“%s”无法识别（可填：%s，或登记的企业类型，如 有限责任公司、股份有限公司、个人独资企业、合伙企业、个体工商户、农民专业合作社）",
		v, strings.Join(Kinds, "、"))
}

// maxKindTextLen bounds the registered type's text (the longest in use,
// such as 有限责任公司（港澳台自然人独资）, are about 20 characters).
const maxKindTextLen = 60

// ParseEnum validates v against the closed value set of field (kind, credit,
// status or size). Errors: Invalid on field, listing the allowed values.
func ParseEnum(field, v string) (string, error) {
	v = trimSpace(v)
	values := enumValues(field)
	if slices.Contains(values, v) {
		return v, nil
	}
	f, _ := FieldByName(field)
	return "", errs.FieldErrorf(field, "%s“%s”不是允许的值（可填：%s）", f.Label, v, strings.Join(values, "、"))
}

func setEnum(dst **string, field, v string) error {
	s, err := ParseEnum(field, v)
	if err != nil {
		return err
	}
	*dst = &s
	return nil
}

// halfWidthDigits turns full-width digits, comma, point and minus into
// their ASCII forms.
func halfWidthDigits(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == '，':
			return ','
		case r == '．':
			return '.'
		case r == '－':
			return '-'
		case r == '＋':
			return '+'
		}
		return r
	}, s)
}

// ParseMoney reads an amount of money in whole yuan: an integer, optionally
// negative, with or without thousands separators ("1,234,567"). A decimal
// is accepted only when it is a whole number of yuan ("12.00", or "1.2E+7"
// as spreadsheets write large numbers); "12.5" is refused, since amounts are
// stored in whole yuan and silently rounding would change the figure. The
// units registers write are understood: 元, 万 (万元) and 亿 (亿元), as in
// "3,000元", "500万", "500万元", "1.2亿", "0.5亿元" — such a cell is read by
// money.Parse, the platform's one reader of typed amounts, and must still
// come to whole yuan ("12.3456万" is 123,456 元).
// Errors: Invalid, with a Chinese message that the caller prefixes with the
// field's label.
func ParseMoney(s string) (int64, error) {
	// Plain numbers, the common case at city scale, end in an ASCII byte
	// and never look for a unit.
	if t := trimSpace(s); t != "" && t[len(t)-1] >= utf8.RuneSelf {
		return moneyfmt.Parse(t, moneyfmt.Yuan)
	}
	return parseInteger(s, true)
}

// ParseCount reads a non-negative whole number (a headcount) in the forms
// ParseMoney accepts. Errors: Invalid.
func ParseCount(s string) (int64, error) {
	return parseInteger(s, false)
}

func parseInteger(s string, negative bool) (int64, error) {
	orig := trimSpace(s)
	s = halfWidthDigits(orig)
	if s == "" {
		return 0, errs.Errorf(errs.Invalid, "不能为空")
	}
	neg := false
	body := s
	if body[0] == '-' || body[0] == '+' {
		neg = body[0] == '-'
		body = body[1:]
	}
	// Thousands separators: groups of exactly three digits after the first.
	if strings.IndexByte(body, ',') >= 0 {
		intPart, frac, hasFrac := strings.Cut(body, ".")
		groups := strings.Split(intPart, ",")
		for i, g := range groups {
			if !isDigits(g) || len(g) > 3 || (i > 0 && len(g) != 3) {
				return 0, errs.Errorf(errs.Invalid, "“%s”的千分位分隔符位置不对（应如 1,234,567）", orig)
			}
		}
		body = strings.Join(groups, "")
		if hasFrac {
			body += "." + frac
		}
	}
	var n int64
	if isDigits(body) {
		v, err := strconv.ParseInt(body, 10, 64)
		if err != nil {
			return 0, errs.Errorf(errs.Invalid, "“%s”超出范围", orig)
		}
		n = v
	} else {
		f, err := strconv.ParseFloat(body, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(body, "xXpP_") {
			return 0, errs.Errorf(errs.Invalid, "应为以元为单位的整数（如 1234567、1,234,567，或带单位：500万、1.2亿元），实际为“%s”", orig)
		}
		if f != math.Trunc(f) {
			return 0, errs.Errorf(errs.Invalid, "应为整数元（不含角、分），实际为“%s”", orig)
		}
		if f >= 1<<53 {
			return 0, errs.Errorf(errs.Invalid, "“%s”超出范围", orig)
		}
		n = int64(f)
	}
	if neg {
		n = -n
	}
	if n < 0 && !negative {
		return 0, errs.Errorf(errs.Invalid, "不能为负数，实际为“%s”", orig)
	}
	return n, nil
}

// TagsUnknown is how a tags cell says the tags are unknown: an empty tags
// cell is the known empty set, so Export writes unknown tags as this word
// and Import reads it back as unknown.
const TagsUnknown = "未知"

// isTagSep reports whether r separates tags in a cell.
func isTagSep(r rune) bool { return r == ';' || r == '；' || r == '、' }

// ParseTags reads a tag set written with ; ； or 、 between tags. Tags are
// trimmed, empty ones dropped, duplicates removed and the result sorted; an
// empty or blank cell is the known empty set (a non-nil empty slice), never
// unknown. Errors: Invalid on field "tags" for a tag containing '|', longer
// than 40 characters, or more than 50 tags.
func ParseTags(s string) ([]string, error) {
	parts := strings.FieldsFunc(s, isTagSep)
	tags := make([]string, 0, len(parts))
	for _, t := range parts {
		t = trimSpace(t)
		if t == "" {
			continue
		}
		if strings.ContainsRune(t, '|') {
			return nil, errs.FieldErrorf("tags", "标签“%s”不能含有“|”（多个标签请用“、”或“;”分隔）", t)
		}
		if n := utf8.RuneCountInString(t); n > maxTagLen {
			return nil, errs.FieldErrorf("tags", "标签“%s”过长（%d个字，最多%d个字）", t, n, maxTagLen)
		}
		tags = append(tags, t)
	}
	tags = NormalizeTags(tags)
	if len(tags) > maxTags {
		return nil, errs.FieldErrorf("tags", "标签过多（%d个，最多%d个）", len(tags), maxTags)
	}
	return tags, nil
}

// NormalizeTags returns tags sorted with duplicates removed; nil stays nil
// (unknown) and an empty set stays a non-nil empty slice. It sorts in place.
func NormalizeTags(tags []string) []string {
	if tags == nil {
		return nil
	}
	if !slices.IsSorted(tags) {
		slices.Sort(tags)
	}
	return slices.Compact(tags)
}

// joinTags returns the stored form of a tag set: NULL (nil) when unknown,
// else the sorted tags joined with '|' ("" for the empty set).
func joinTags(tags []string) *string {
	if tags == nil {
		return nil
	}
	s := strings.Join(tags, "|")
	return &s
}

// splitTags is the inverse of joinTags.
func splitTags(s *string) []string {
	if s == nil {
		return nil
	}
	if *s == "" {
		return []string{}
	}
	return strings.Split(*s, "|")
}
