// Package parse reads a government work plan (工作方案, 任务措施, 实施方案 …) —
// plain text in UTF-8 or GB18030, .docx, a portal's .html page, or .pdf
// through poppler's pdftotext — and recognises its structure: the title,
// 文号, issuer and date; every numbered item with its heading and text; the
// units responsible for it (牵头 / 责任 / 配合); its deadlines resolved to
// dates; and its quantitative targets.
//
// It is a pure library (no database) built as a pipeline of stages, each
// testable on its own: decode (bytes → lines and portal metadata),
// normalise (simplified characters, no pinyin annotations, no stray spaces,
// no page furniture), metadata (title, 文号, issuer, date, year), structure
// (headings and their nesting), and per item units, deadlines and
// indicators. docs/parser.md describes the grammar it follows.
package parse

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// MaxInput is the largest document Parse accepts, in bytes.
const MaxInput = 32 << 20

// Plan is a parsed document. Unknown strings are "" (date included); arrays
// are never null.
type Plan struct {
	Title     string `json:"title"`      // the document's title (the notice when a notice encloses a plan)
	PlanTitle string `json:"plan_title"` // the enclosed plan's own title, "" when the document is the plan
	DocNumber string `json:"doc_number"` // 文号, normalised: 武政办〔2024〕30号
	Issuer    string `json:"issuer"`     // the issuing office as signed
	Date      string `json:"date"`       // signing date YYYY-MM-DD, else the portal's 成文日期, else ""
	// Year is the plan year that deadlines without a year resolve in (0 when unknown).
	Year int `json:"year"`
	// Meta holds a portal page's metadata table (索引号, 成文日期, 发布机构 …), keys without spaces or colons.
	Meta     map[string]string `json:"meta"`
	Items    []Item            `json:"items"`
	Warnings []string          `json:"warnings"`
	// Lines are the document's text as cleaned (simplified, without page
	// furniture), which Item.Line counts from 1: the source a review shows
	// beside what was recognised. Not part of the JSON.
	Lines []string `json:"-"`
}

// Item is one numbered item of the document: a heading, a task or a goal.
type Item struct {
	Path    []int  `json:"path"`    // the numbering from the top level as written: 二、(一) 1. → [2, 1, 1]
	Marker  string `json:"marker"`  // the number as written: "(一)"
	Heading string `json:"heading"` // the heading line, or the first sentence when it reads as a title; "" when none
	// Text is the item's own text without its heading, without its unit
	// groups and label lines (牵头单位:/完成时限:), and without its children.
	Text       string      `json:"text"`
	LeadUnits  []string    `json:"lead_units"`
	Units      []string    `json:"units"`
	CoopUnits  []string    `json:"coop_units"`
	UnitGroups []UnitGroup `json:"unit_groups"` // the groups the units came from, in order
	Deadlines  []Deadline  `json:"deadlines"`
	Indicators []Indicator `json:"indicators"`
	Line       int         `json:"line"` // the line of the cleaned text where the item starts (1-based)

	part  int       // the document's part (0, or the attachment opened by 附件N) the item is in
	table tableLine // where a 责任分解表 gave the item, zero otherwise
}

// UnitGroup is one explicit group of units attached to an item's text, such
// as (责任单位:A、B) or (A牵头,B配合) or a 牵头单位: line.
type UnitGroup struct {
	Source string   `json:"source"` // the group as written
	Lead   []string `json:"lead_units"`
	Units  []string `json:"units"`
	Coop   []string `json:"coop_units"`
}

// Deadline is a time limit found in an item.
type Deadline struct {
	Text string `json:"text"` // as written: "6月底前"
	// Date is the resolved last day, null when the deadline has no date
	// (长期坚持, 持续推进, 每季度, 出台10日内) or the plan year is unknown.
	Date *workday.Date `json:"date"`
	// Kind: "date" (a day or the end of a month, quarter or year), "range"
	// (2024年4月—9月: Date is its end), "year" (全年, 年内), "continuous"
	// (长期, 持续), "recurring" (每月, 每季度), "within" (出台10日内).
	Kind string `json:"kind"`
}

// Indicator is a quantitative target.
type Indicator struct {
	Text  string  `json:"text"`  // as written: "新增民营企业10万家"
	Name  string  `json:"name"`  // what is measured: "新增民营企业"
	Op    string  `json:"op"`    // one of >=, >, <=, <, ==
	Value float64 `json:"value"` // with 万/亿/千 multiplied out
	Unit  string  `json:"unit"`  // the base measure: 家, 元, %, 个工作日 …
}

// Options tune Parse.
type Options struct {
	// PDFToText is the pdftotext command; "" means "pdftotext" on PATH.
	PDFToText string
}

// Parse reads a document of the given file name (its extension and its
// content decide the format) and returns the parsed plan. Errors: Invalid for
// an unreadable or unsupported file, TooLarge above MaxInput, Unavailable when
// a PDF arrives and pdftotext is not installed.
func Parse(ctx context.Context, name string, data []byte, opt Options) (*Plan, error) {
	if len(data) > MaxInput {
		return nil, errs.Errorf(errs.TooLarge, "文件过大（超过 %d MB）", MaxInput>>20)
	}
	src, err := decode(ctx, name, data, opt)
	if err != nil {
		return nil, err
	}
	return parseSource(src), nil
}

// ParseText parses a document given as text (already decoded).
func ParseText(text string) *Plan {
	return parseSource(decodeText(text))
}

// source is a decoded document: its lines and any metadata its container held.
type source struct {
	lines    []string
	meta     map[string]string
	warnings []string
	// tableLines marks the lines a 责任分解表 became, by their index in lines.
	tableLines map[int]tableLine
	tables     int // task tables read
}

// tableLine is a line a 责任分解表 became: its table (1, 2 …) and kind
// (tableCategory, tableRow, tableLabel).
type tableLine struct {
	table int
	kind  byte
}

// parseSource runs the stages after decoding.
func parseSource(src *source) *Plan {
	p := &Plan{Meta: map[string]string{}, Items: []Item{}, Warnings: []string{}}
	for k, v := range src.meta {
		p.Meta[k] = v
	}
	p.Warnings = append(p.Warnings, src.warnings...)
	lines, origin := normalize(src.lines, p)
	p.Lines = lines
	doc := readMeta(lines, p)
	items := structure(doc, p)
	for i := range items {
		if l := items[i].Line - 1; l >= 0 && l < len(origin) {
			items[i].table = src.tableLines[origin[l]]
		}
	}
	// A 排在第一位的为牵头单位 note governs the groups after it; a note after
	// every item (a closing 注) governs them all.
	noteFrom, restCoop := -1, false
	for _, n := range findNotes(doc) {
		from := n.line
		if len(items) > 0 && n.line > items[len(items)-1].Line {
			from = 0
		}
		if noteFrom < 0 || from < noteFrom {
			noteFrom, restCoop = from, n.restCoop
		}
	}
	if noteFrom >= 0 {
		p.Warnings = append(p.Warnings, "文件注明排在第一位的为牵头单位：各组责任单位的第一个单位按牵头单位识别")
	}
	for i := range items {
		finishItem(&items[i], p.Year, noteFrom >= 0 && items[i].Line >= noteFrom, restCoop)
	}
	items = mergeTables(items, p)
	items = numberParts(items, doc, p)
	p.Items = items
	if len(items) == 0 {
		p.Warnings = append(p.Warnings, "未识别到编号条目（一、 (一) 1. 等）")
	}
	return p
}

// ext returns the lower-case extension of name without the dot.
func ext(name string) string {
	return strings.TrimPrefix(strings.ToLower(filepath.Ext(name)), ".")
}
