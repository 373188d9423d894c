package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/plan/parse"
)

// Document is a plan as it arrives to be imported: the JSON that `qinqing
// plan parse --json` prints (parse.Plan; its contract is title, doc_number,
// issuer, date, items with path, heading, text, lead_units, units,
// coop_units, deadlines and indicators, and warnings), with the optional
// fields this package's own JSON export adds so that an exported plan
// imports unchanged: the plan's period, office and settings, explicit
// stages, each item's kind and milestones, and each indicator's baseline,
// owner and interim targets. Unknown fields are ignored. The 责任分解表
// reader (ReadXLSX) produces one too.
type Document struct {
	Title       string       `json:"title"`
	PlanTitle   string       `json:"plan_title,omitempty"` // the parser's title of a plan enclosed in a notice
	DocNumber   string       `json:"doc_number"`
	Issuer      string       `json:"issuer"`
	Date        string       `json:"date"`
	Year        int          `json:"year,omitempty"`
	PeriodFrom  string       `json:"period_from,omitempty"`
	PeriodTo    string       `json:"period_to,omitempty"`
	OwnerOffice string       `json:"owner_office,omitempty"`
	Settings    *DocSettings `json:"settings,omitempty"`
	Stages      []DocStage   `json:"stages,omitempty"`
	Items       []DocItem    `json:"items"`
	Warnings    []string     `json:"warnings"`
	// Source names the file the document came from, for the plan's record.
	Source string `json:"-"`
	// problems are what a reader could not read (a row's numbering, an
	// indicator's value); Import rejects the document with them.
	problems []Reject
}

// DocSettings are a plan's settings in a Document.
type DocSettings struct {
	Cadence        string   `json:"cadence,omitempty"`
	DueWorkday     *int     `json:"due_workday,omitempty"`
	RemindWorkdays *int     `json:"remind_workdays,omitempty"`
	WarnWorkdays   *int     `json:"warn_workdays,omitempty"`
	FarBehindPct   *int     `json:"far_behind_pct,omitempty"`
	Weights        *Weights `json:"weights,omitempty"`
}

// DocStage is a stage in a Document.
type DocStage struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
	Text string `json:"text,omitempty"`
}

// The kinds of a Document item; empty means the importer decides from the
// section the item is in (see Import).
const (
	KindGoal  = "goal"
	KindTask  = "task"
	KindStage = "stage"
)

// DocItem is one numbered item of a Document.
type DocItem struct {
	Path       []int          `json:"path"`
	Marker     string         `json:"marker,omitempty"`
	Kind       string         `json:"kind,omitempty"`
	Heading    string         `json:"heading"`
	Text       string         `json:"text"`
	LeadUnits  []string       `json:"lead_units"`
	Units      []string       `json:"units"`
	CoopUnits  []string       `json:"coop_units"`
	Deadlines  []DocDeadline  `json:"deadlines"`
	Indicators []DocIndicator `json:"indicators"`
	Milestones []DocMilestone `json:"milestones,omitempty"`
	// Row is the spreadsheet row the item came from (0 for JSON), for
	// messages.
	Row int `json:"-"`
}

// DocDeadline is a deadline of an item: the parser's text, date (null when
// it has none) and kind (date, range, year, continuous, recurring, within),
// or this package's own kinds (stage with the stage's name as text).
type DocDeadline struct {
	Text string  `json:"text"`
	Date *string `json:"date"`
	Kind string  `json:"kind,omitempty"`
}

// DocIndicator is an indicator of an item. Op is >=, >, <=, < or == (= is
// taken too).
type DocIndicator struct {
	Text     string      `json:"text"`
	Name     string      `json:"name"`
	Op       string      `json:"op"`
	Value    float64     `json:"value"`
	Unit     string      `json:"unit"`
	Baseline *float64    `json:"baseline,omitempty"`
	Due      string      `json:"due,omitempty"`
	Owner    string      `json:"owner,omitempty"`
	Targets  []DocTarget `json:"targets,omitempty"`
}

// DocTarget is an interim target: value due by date.
type DocTarget struct {
	Date  string  `json:"date"`
	Value float64 `json:"value"`
}

// DocMilestone is a milestone of an item.
type DocMilestone struct {
	Title string `json:"title"`
	Date  string `json:"date"`
}

// MaxDocument is the largest plan document accepted, in bytes (JSON or
// xlsx).
const MaxDocument = 32 << 20

// MaxItems is the most items a plan may have.
const MaxItems = 20000

// DecodeDocument reads a Document from JSON (at most MaxDocument bytes).
// Unknown fields are ignored: the parser's output carries more than the
// import needs. Errors: Invalid for malformed JSON or a value of the wrong
// kind, naming the field; TooLarge.
func DecodeDocument(r io.Reader) (*Document, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxDocument+1))
	if err != nil {
		return nil, errs.Wrap(err, "read plan document")
	}
	if len(b) > MaxDocument {
		return nil, errs.Errorf(errs.TooLarge, "文件过大（超过 %d MB）", MaxDocument>>20)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	var d Document
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&d); err != nil {
		return nil, jsonError(err)
	}
	if dec.More() {
		return nil, errs.Errorf(errs.Invalid, "JSON 之后还有多余内容")
	}
	if len(d.Items) > MaxItems {
		return nil, errs.Errorf(errs.Invalid, "条目过多（%d 条，最多 %d 条）", len(d.Items), MaxItems)
	}
	return &d, nil
}

// jsonError says in Chinese what is wrong with a JSON document.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return errs.Errorf(errs.Invalid, "JSON 格式有误（第 %d 字节附近）", syn.Offset)
	case errors.As(err, &typ):
		want := "其他类型"
		switch typ.Type.Kind().String() {
		case "string":
			want = "字符串"
		case "int", "int64", "float64":
			want = "数字"
		case "slice":
			want = "数组"
		case "struct", "ptr", "map":
			want = "对象"
		case "bool":
			want = "true 或 false"
		}
		field := typ.Field
		if field == "" {
			field = "（根）"
		}
		return &errs.Error{Code: errs.Invalid, Field: field, Message: fmt.Sprintf("字段 %s 应为%s", field, want)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errs.Errorf(errs.Invalid, "JSON 不完整")
	}
	return errs.Errorf(errs.Invalid, "JSON 无法读取")
}

// DocumentOf returns the Document of a parsed plan, for the import of what
// the parser recognised (and the office reviewed).
func DocumentOf(p *parse.Plan) *Document {
	d := &Document{Title: p.Title, PlanTitle: p.PlanTitle, DocNumber: p.DocNumber, Issuer: p.Issuer, Date: p.Date, Year: p.Year,
		Warnings: append([]string(nil), p.Warnings...)}
	for _, it := range p.Items {
		di := DocItem{Path: append([]int(nil), it.Path...), Marker: it.Marker, Heading: it.Heading, Text: it.Text,
			LeadUnits: append([]string(nil), it.LeadUnits...), Units: append([]string(nil), it.Units...),
			CoopUnits: append([]string(nil), it.CoopUnits...)}
		for _, dl := range it.Deadlines {
			dd := DocDeadline{Text: dl.Text, Kind: dl.Kind}
			if dl.Date != nil {
				s := dl.Date.String()
				dd.Date = &s
			}
			di.Deadlines = append(di.Deadlines, dd)
		}
		for _, ind := range it.Indicators {
			di.Indicators = append(di.Indicators, DocIndicator{Text: ind.Text, Name: ind.Name, Op: ind.Op, Value: ind.Value, Unit: ind.Unit})
		}
		d.Items = append(d.Items, di)
	}
	return d
}

// where names an item for messages: its row, else its numbering.
func (it *DocItem) where() string {
	if it.Row > 0 {
		return fmt.Sprintf("第 %d 行", it.Row)
	}
	return "条目 " + pathString(it.Path)
}

// pathString writes a numeric path as 2.1.1.
func pathString(p []int) string {
	s := make([]string, len(p))
	for i, n := range p {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ".")
}
