package enterprise

import (
	"context"
	"database/sql"
	"encoding/json"
	"github.com/qinqing/qinqing/internal/paging"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Service is the enterprise registry on a database: lookups, search,
// updates with history and provenance, bulk import and export.
type Service struct {
	DB *store.DB
	Options
}

// New returns the registry on db.
func New(db *store.DB, opts Options) *Service { return &Service{DB: db, Options: opts} }

// Options are the dependencies and settings of a Service.
type Options struct {
	Audit *audit.Log
	Now   func() time.Time
	City  *City // districts for parsing and display; nil means Wuhan()
	// Index answers FindEnterprises when set and able (see SearchIndex).
	Index SearchIndex
	// Owners tells who looks after an enterprise (its specialist), for
	// ownership checks; the service network. Nil: only the enterprise's
	// own accounts and government roles are owners.
	Owners auth.EnterpriseOwners
	// Changed is called after a commit that changed enterprise id (0: many
	// enterprises, after an import), so that the policy engine takes the
	// change in; internal/app sets it once. Nil: nothing is told.
	Changed func(ctx context.Context, id int64)
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) city() *City {
	if s.City == nil {
		return Wuhan()
	}
	return s.City
}

// The sources a field value may come from.
const (
	SourceImport     = "导入"
	SourceShared     = "部门共享"
	SourceSelf       = "企业自报"
	SourceSpecialist = "专员采集"
	// SourceObjection: corrected by the unit that accepted the enterprise's
	// objection (异议) to a policy decision, on the evidence it gave.
	SourceObjection = "异议更正"
)

// Sources lists the allowed sources of a field value.
var Sources = []string{SourceImport, SourceShared, SourceSelf, SourceSpecialist, SourceObjection}

// Source says where a field's current value came from and when.
type Source struct {
	Source string `json:"source"`
	At     int64  `json:"at"` // Unix milliseconds
}

// sourceAll is the key of the sources entry that stands for every known
// field without an entry of its own.
const sourceAll = "*"

// dbColumns are the stored profile columns, in the order of the scan and
// write helpers below.
const dbColumns = "uscc, name, kind, industry, district, street, founded, registered_capital, employees, revenue, rd_expense, tax_paid, export_value, total_assets, tags, credit, status, size, kind_text"

// nDBColumns is the number of columns in dbColumns.
const nDBColumns = 19

// selectEnterprise selects an enterprise row for scanRow.
const selectEnterprise = "SELECT id, " + dbColumns + ", updated_at FROM enterprises"

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanRow reads a row selected with selectEnterprise, plus extra
// destinations after updated_at.
func scanRow(sc scanner, extra ...any) (*Enterprise, error) {
	e := &Enterprise{}
	var founded, tags *string
	var updated int64
	dest := []any{&e.ID, &e.USCC, &e.Name, &e.Kind, &e.Industry, &e.District, &e.Street, &founded,
		&e.RegisteredCapital, &e.Employees, &e.Revenue, &e.RDExpense, &e.TaxPaid, &e.ExportValue, &e.TotalAssets,
		&tags, &e.Credit, &e.Status, &e.Size, &e.KindText, &updated}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	if founded != nil {
		d, err := workday.ParseDate(*founded)
		if err != nil {
			return nil, err
		}
		e.Founded = &d
	}
	e.Tags = splitTags(tags)
	e.UpdatedAt = store.FromMillis(updated)
	return e, nil
}

// rowValues returns the values of e for the columns in dbColumns.
func rowValues(e *Enterprise) []any {
	var founded *string
	if e.Founded != nil {
		s := e.Founded.String()
		founded = &s
	}
	return []any{e.USCC, e.Name, e.Kind, e.Industry, e.District, e.Street, founded,
		e.RegisteredCapital, e.Employees, e.Revenue, e.RDExpense, e.TaxPaid, e.ExportValue, e.TotalAssets,
		joinTags(e.Tags), e.Credit, e.Status, e.Size, e.KindText}
}

// FindEnterpriseByID returns the enterprise with the given id. Those who
// may view it (auth.ViewEnterprise: government users, its specialist, its
// own accounts) may call it. Errors: Unauthenticated, Forbidden, NotFound.
func (s *Service) FindEnterpriseByID(ctx context.Context, a *auth.Actor, id int64) (*Enterprise, error) {
	if err := s.authorize(ctx, a, auth.ViewEnterprise, id); err != nil {
		return nil, err
	}
	return s.findByID(ctx, id)
}

// findByID reads enterprise id, for callers that authorized. Errors:
// NotFound.
func (s *Service) findByID(ctx context.Context, id int64) (*Enterprise, error) {
	e, err := scanRow(s.DB.QueryRowContext(ctx, selectEnterprise+" WHERE id = ?", id))
	if err != nil {
		return nil, store.NotFound(err, "企业（编号%d）不存在", id)
	}
	return e, nil
}

// FindEnterpriseByUSCC returns the enterprise with the given 统一社会信用代码,
// accepted in any form ParseUSCC normalises (lower case, full-width).
// Callers as for FindEnterpriseByID. Errors: Unauthenticated, Invalid for a
// malformed code, NotFound, Forbidden.
func (s *Service) FindEnterpriseByUSCC(ctx context.Context, a *auth.Actor, uscc string) (*Enterprise, error) {
	if err := auth.AuthorizeSome(a, auth.ViewEnterprise); err != nil {
		return nil, err
	}
	code, err := ParseUSCC(uscc)
	if err != nil && code == "" {
		return nil, err
	}
	e, err := scanRow(s.DB.QueryRowContext(ctx, selectEnterprise+" WHERE uscc = ?", code))
	if err != nil {
		return nil, store.NotFound(err, "统一社会信用代码为%s的企业不存在", code)
	}
	if err := s.authorize(ctx, a, auth.ViewEnterprise, e.ID); err != nil {
		return nil, err
	}
	return e, nil
}

// Update changes some fields of an enterprise: a nil field is left as it
// is, Clear names fields to make unknown. Source says where the new values
// come from and is required.
type Update struct {
	Name              *string
	Kind              *string
	Industry          *string
	District          *string
	Street            *string
	Founded           *workday.Date
	RegisteredCapital *int64
	Employees         *int64
	Revenue           *int64
	RDExpense         *int64
	TaxPaid           *int64
	ExportValue       *int64
	TotalAssets       *int64
	Tags              *[]string // nil: unchanged; pointer to empty: known to have none
	Credit            *string
	Status            *string
	Clear             []string // canonical names of fields to set unknown
	Source            string   // one of Sources
}

// change is one field's change, in the stored text form of its values.
type change struct {
	field    string
	old, new *string
}

func textOf[T any](p *T, format func(T) string) *string {
	if p == nil {
		return nil
	}
	s := format(*p)
	return &s
}

func itoa(n int64) string            { return strconv.FormatInt(n, 10) }
func ident(s string) string          { return s }
func dateText(d workday.Date) string { return d.String() }

// mergeField sets *dst to src when src is known and differs, recording the
// change.
func mergeField[T comparable](ch *[]change, field string, dst **T, src *T, format func(T) string) {
	if src == nil || (*dst != nil && **dst == *src) {
		return
	}
	*ch = append(*ch, change{field: field, old: textOf(*dst, format), new: textOf(src, format)})
	v := *src
	*dst = &v
}

// equalText reports whether a and b are both unknown or the same text.
func equalText(a, b *string) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// merge applies the known fields of in to cur and returns the changes
// (callers then call resize). Unknown fields of in leave cur's values
// alone: an import that does not know a value does not erase it.
func merge(cur, in *Enterprise) []change {
	var ch []change
	if in.Name != "" && in.Name != cur.Name {
		old := cur.Name
		ch = append(ch, change{field: "name", old: &old, new: &in.Name})
		cur.Name = in.Name
	}
	// The registered type's text goes with its kind: a new text replaces
	// the old, a new kind without one drops it, and the canonical kind
	// given again keeps it.
	kindChanged := in.Kind != nil && (cur.Kind == nil || *cur.Kind != *in.Kind)
	if (in.KindText != nil || kindChanged) && !equalText(cur.KindText, in.KindText) {
		ch = append(ch, change{field: "kind_text", old: cur.KindText, new: in.KindText})
		cur.KindText = in.KindText
	}
	mergeField(&ch, "kind", &cur.Kind, in.Kind, ident)
	mergeField(&ch, "industry", &cur.Industry, in.Industry, ident)
	mergeField(&ch, "district", &cur.District, in.District, ident)
	mergeField(&ch, "street", &cur.Street, in.Street, ident)
	mergeField(&ch, "founded", &cur.Founded, in.Founded, dateText)
	mergeField(&ch, "registered_capital", &cur.RegisteredCapital, in.RegisteredCapital, itoa)
	mergeField(&ch, "employees", &cur.Employees, in.Employees, itoa)
	mergeField(&ch, "revenue", &cur.Revenue, in.Revenue, itoa)
	mergeField(&ch, "rd_expense", &cur.RDExpense, in.RDExpense, itoa)
	mergeField(&ch, "tax_paid", &cur.TaxPaid, in.TaxPaid, itoa)
	mergeField(&ch, "export_value", &cur.ExportValue, in.ExportValue, itoa)
	mergeField(&ch, "total_assets", &cur.TotalAssets, in.TotalAssets, itoa)
	if in.Tags != nil && (cur.Tags == nil || !slices.Equal(cur.Tags, in.Tags)) {
		ch = append(ch, change{field: "tags", old: joinTags(cur.Tags), new: joinTags(in.Tags)})
		cur.Tags = slices.Clone(in.Tags)
	}
	mergeField(&ch, "credit", &cur.Credit, in.Credit, ident)
	mergeField(&ch, "status", &cur.Status, in.Status, ident)
	return ch
}

// resize recomputes cur's size and appends its change, if any, to ch.
func resize(cur *Enterprise, ch []change) []change {
	size := ClassifySize(cur.Industry, cur.Employees, cur.Revenue, cur.TotalAssets)
	if (size == nil) != (cur.Size == nil) || (size != nil && *size != *cur.Size) {
		ch = append(ch, change{field: "size", old: cur.Size, new: size})
		cur.Size = size
	}
	return ch
}

// clearField makes field unknown in cur and records the change. Errors:
// Invalid for a field that cannot be unknown (uscc, name, derived fields).
func clearField(cur *Enterprise, field string, ch []change) ([]change, error) {
	var old *string
	switch field {
	case "kind":
		old, cur.Kind = cur.Kind, nil
		if cur.KindText != nil {
			ch = append(ch, change{field: "kind_text", old: cur.KindText})
			cur.KindText = nil
		}
	case "industry":
		old, cur.Industry = cur.Industry, nil
	case "district":
		old, cur.District = cur.District, nil
	case "street":
		old, cur.Street = cur.Street, nil
	case "founded":
		old, cur.Founded = textOf(cur.Founded, dateText), nil
	case "registered_capital":
		old, cur.RegisteredCapital = textOf(cur.RegisteredCapital, itoa), nil
	case "employees":
		old, cur.Employees = textOf(cur.Employees, itoa), nil
	case "revenue":
		old, cur.Revenue = textOf(cur.Revenue, itoa), nil
	case "rd_expense":
		old, cur.RDExpense = textOf(cur.RDExpense, itoa), nil
	case "tax_paid":
		old, cur.TaxPaid = textOf(cur.TaxPaid, itoa), nil
	case "export_value":
		old, cur.ExportValue = textOf(cur.ExportValue, itoa), nil
	case "total_assets":
		old, cur.TotalAssets = textOf(cur.TotalAssets, itoa), nil
	case "tags":
		old, cur.Tags = joinTags(cur.Tags), nil
	case "credit":
		old, cur.Credit = cur.Credit, nil
	case "status":
		old, cur.Status = cur.Status, nil
	default:
		return nil, errs.FieldErrorf(field, "字段“%s”不能设为未知", field)
	}
	if old != nil {
		ch = append(ch, change{field: field, old: old})
	}
	return ch, nil
}

// validate checks an update and returns the enterprise of its new values
// (nil for fields not set). Errors: Invalid on the field concerned.
func (s *Service) validate(u Update) (*Enterprise, error) {
	if !slices.Contains(Sources, u.Source) {
		return nil, errs.FieldErrorf("source", "数据来源“%s”无效（可填：%s）", u.Source, strings.Join(Sources, "、"))
	}
	in := &Enterprise{}
	var err error
	if u.Name != nil {
		if in.Name, err = ParseName(*u.Name); err != nil {
			return nil, err
		}
	}
	for _, e := range []struct {
		field string
		src   *string
		dst   **string
	}{{"kind", u.Kind, &in.Kind}, {"credit", u.Credit, &in.Credit}, {"status", u.Status, &in.Status}} {
		if e.src != nil {
			if err := setEnum(e.dst, e.field, *e.src); err != nil {
				return nil, err
			}
		}
	}
	if u.Industry != nil {
		code, err := ParseIndustry(*u.Industry)
		if err != nil {
			return nil, err
		}
		in.Industry = &code
	}
	if u.District != nil {
		code, err := s.city().ParseDistrict(*u.District)
		if err != nil {
			return nil, err
		}
		in.District = &code
	}
	if u.Street != nil {
		st := trimSpace(*u.Street)
		if n := utf8.RuneCountInString(st); n > maxStreetLen {
			return nil, errs.FieldErrorf("street", "街道过长（%d个字，最多%d个字）", n, maxStreetLen)
		}
		in.Street = &st
	}
	if u.Founded != nil {
		if *u.Founded > workday.DateOf(s.now()) {
			return nil, errs.FieldErrorf("founded", "成立日期“%s”晚于今天", u.Founded.String())
		}
		in.Founded = u.Founded
	}
	if u.Employees != nil && *u.Employees < 0 {
		return nil, errs.FieldErrorf("employees", "从业人数不能为负数")
	}
	in.RegisteredCapital, in.Employees, in.Revenue, in.RDExpense = u.RegisteredCapital, u.Employees, u.Revenue, u.RDExpense
	in.TaxPaid, in.ExportValue, in.TotalAssets = u.TaxPaid, u.ExportValue, u.TotalAssets
	if u.Tags != nil {
		tags, err := ParseTags(strings.Join(*u.Tags, "、"))
		if err != nil {
			return nil, err
		}
		in.Tags = tags
	}
	return in, nil
}

// UpdateEnterprise changes the fields set in u, records each changed field
// in the history with its source, updates the field sources, recomputes
// the size and writes an audit entry, all in one transaction. It returns
// the enterprise as stored afterwards; an update that changes nothing
// writes nothing. After a change it calls Changed. Admins, specialists (for
// their enterprises) and enterprise users (for their own record) may call
// it (auth.EditEnterprise). Errors: Unauthenticated, Forbidden, Invalid on
// a field, NotFound.
func (s *Service) UpdateEnterprise(ctx context.Context, a *auth.Actor, id int64, u Update) (*Enterprise, error) {
	if err := s.authorize(ctx, a, auth.EditEnterprise, id); err != nil {
		return nil, err
	}
	return s.update(ctx, id, u)
}

// update is UpdateEnterprise for callers that authorized.
func (s *Service) update(ctx context.Context, id int64, u Update) (*Enterprise, error) {
	in, err := s.validate(u)
	if err != nil {
		return nil, err
	}
	var out *Enterprise
	changed := false
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		lock := ""
		if tx.Dialect() == store.Postgres {
			lock = " FOR UPDATE"
		}
		var sources string
		cur, err := scanRow(tx.QueryRowContext(ctx, "SELECT id, "+dbColumns+", updated_at, sources FROM enterprises WHERE id = ?"+lock, id), &sources)
		if err != nil {
			return store.NotFound(err, "企业（编号%d）不存在", id)
		}
		ch := merge(cur, in)
		for _, f := range u.Clear {
			if ch, err = clearField(cur, f, ch); err != nil {
				return err
			}
		}
		ch = resize(cur, ch)
		if len(ch) == 0 {
			out = cur
			return nil
		}
		now := s.now()
		ms := store.Millis(now)
		srcs, err := updateSources(sources, ch, u.Source, ms, cur)
		if err != nil {
			return err
		}
		args := append(rowValues(cur)[1:], srcs, ms, id)
		if _, err := tx.ExecContext(ctx, `UPDATE enterprises SET name = ?, kind = ?, industry = ?, district = ?, street = ?, founded = ?,
			registered_capital = ?, employees = ?, revenue = ?, rd_expense = ?, tax_paid = ?, export_value = ?, total_assets = ?,
			tags = ?, credit = ?, status = ?, size = ?, kind_text = ?, sources = ?, updated_at = ? WHERE id = ?`, args...); err != nil {
			return errs.Wrap(err, "update enterprise")
		}
		actor := audit.ActorOf(ctx).Name
		before, after := map[string]*string{}, map[string]*string{}
		for _, c := range ch {
			before[c.field], after[c.field] = c.old, c.new
			if c.field == "tags" {
				if err := syncTags(ctx, tx, id, cur.Tags); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO enterprise_history (enterprise_id, at, field, old_value, new_value, source, actor)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, id, ms, c.field, c.old, c.new, u.Source, actor); err != nil {
				return errs.Wrap(err, "record enterprise history")
			}
		}
		if s.Audit != nil {
			if err := s.Audit.Record(ctx, tx, "enterprise", strconv.FormatInt(id, 10), "update", before, after); err != nil {
				return err
			}
		}
		cur.UpdatedAt = store.FromMillis(ms)
		out = cur
		changed = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	if changed {
		s.changed(ctx, id)
	}
	return out, nil
}

// CorrectEnterprise writes values — fields of SelfReportFields as people
// type them (see ParseFieldValues) — to enterprise id with source
// SourceObjection, on the grounds of basis: a record of another domain that
// justifies the correction (an objection its unit accepted), whose holding
// units that domain filled in. Admins and the staff of a unit holding basis
// may call it (auth.CorrectEnterprise). Each changed field is recorded in the
// history and the audit log as UpdateEnterprise does, and Changed is
// called. Errors: Unauthenticated, Forbidden, Invalid on a field, NotFound.
func (s *Service) CorrectEnterprise(ctx context.Context, a *auth.Actor, id int64, values map[string]string, basis auth.Resource) (*Enterprise, error) {
	basis.EnterpriseID = id
	if err := auth.Authorize(a, auth.CorrectEnterprise, basis); err != nil {
		return nil, err
	}
	u, err := ParseFieldValues(values)
	if err != nil {
		return nil, err
	}
	u.Source = SourceObjection
	return s.update(ctx, id, u)
}

// changed tells Changed that enterprise id (0: many) changed.
func (s *Service) changed(ctx context.Context, id int64) {
	if s.Changed != nil {
		s.Changed(ctx, id)
	}
}

// syncTags makes enterprise_tags hold exactly tags for the enterprise.
func syncTags(ctx context.Context, q store.Querier, id int64, tags []string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM enterprise_tags WHERE enterprise_id = ?`, id); err != nil {
		return errs.Wrap(err, "sync tags")
	}
	for _, t := range tags {
		if _, err := q.ExecContext(ctx, `INSERT INTO enterprise_tags (enterprise_id, tag) VALUES (?, ?)`, id, t); err != nil {
			return errs.Wrap(err, "sync tags")
		}
	}
	return nil
}

// updateSources returns the stored sources JSON after the changes ch, made
// from source at ms, to an enterprise now holding cur. A field made unknown
// loses its entry. A "*" entry is expanded first, so that it keeps meaning
// exactly the fields it covered.
func updateSources(stored string, ch []change, source string, ms int64, cur *Enterprise) (string, error) {
	m := map[string]Source{}
	if stored != "" {
		if err := json.Unmarshal([]byte(stored), &m); err != nil {
			return "", errs.Wrap(err, "read sources")
		}
	}
	if all, ok := m[sourceAll]; ok {
		delete(m, sourceAll)
		for _, f := range knownFields(cur) {
			if _, has := m[f]; !has {
				m[f] = all
			}
		}
	}
	for _, c := range ch {
		switch {
		case c.field == "size":
		case c.new == nil:
			delete(m, c.field)
		default:
			m[c.field] = Source{Source: source, At: ms}
		}
	}
	b, err := json.Marshal(m)
	return string(b), errs.Wrap(err, "write sources")
}

// knownFields lists the importable fields (uscc aside) whose value in e is
// known.
func knownFields(e *Enterprise) []string {
	known := []bool{e.Name != "", e.Kind != nil, e.Industry != nil, e.District != nil, e.Street != nil, e.Founded != nil,
		e.RegisteredCapital != nil, e.Employees != nil, e.Revenue != nil, e.RDExpense != nil, e.TaxPaid != nil,
		e.ExportValue != nil, e.TotalAssets != nil, e.Tags != nil, e.Credit != nil, e.Status != nil}
	var out []string
	for i, k := range known {
		if k {
			out = append(out, importable[i+1].Name)
		}
	}
	return out
}

// FindEnterpriseSources returns, for each known field of the enterprise,
// where its value came from and when. Callers as for FindEnterpriseByID.
// Errors: Unauthenticated, Forbidden, NotFound.
func (s *Service) FindEnterpriseSources(ctx context.Context, a *auth.Actor, id int64) (map[string]Source, error) {
	if err := s.authorize(ctx, a, auth.ViewEnterprise, id); err != nil {
		return nil, err
	}
	return s.findSources(ctx, id)
}

func (s *Service) findSources(ctx context.Context, id int64) (map[string]Source, error) {
	var stored string
	e, err := scanRow(s.DB.QueryRowContext(ctx, "SELECT id, "+dbColumns+", updated_at, sources FROM enterprises WHERE id = ?", id), &stored)
	if err != nil {
		return nil, store.NotFound(err, "企业（编号%d）不存在", id)
	}
	m := map[string]Source{}
	if err := json.Unmarshal([]byte(stored), &m); err != nil {
		return nil, errs.Wrap(err, "read sources")
	}
	all, ok := m[sourceAll]
	delete(m, sourceAll)
	known := knownFields(e)
	for _, f := range known {
		if _, has := m[f]; !has && ok {
			m[f] = all
		}
	}
	for f := range m {
		if !slices.Contains(known, f) {
			delete(m, f)
		}
	}
	return m, nil
}

// HistoryEntry is one recorded change of one field. Values are in their
// stored text form: dates 2006-01-02, money in yuan, tags joined with '|';
// nil is unknown.
type HistoryEntry struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Field    string    `json:"field"`
	OldValue *string   `json:"old_value"`
	NewValue *string   `json:"new_value"`
	Source   string    `json:"source"`
	Actor    string    `json:"actor"`
}

// FindEnterpriseHistory returns the recorded field changes of an
// enterprise, newest first, at most limit (paging.Clamp). Callers as for
// FindEnterpriseByID. Errors: Unauthenticated, Forbidden; an unknown id has
// no history.
func (s *Service) FindEnterpriseHistory(ctx context.Context, a *auth.Actor, id int64, limit int) ([]HistoryEntry, error) {
	if err := s.authorize(ctx, a, auth.ViewEnterprise, id); err != nil {
		return nil, err
	}
	limit, _ = paging.Clamp(limit, 0)
	rows, err := s.DB.QueryContext(ctx, `SELECT id, at, field, old_value, new_value, source, actor FROM enterprise_history
		WHERE enterprise_id = ? ORDER BY at DESC, id DESC LIMIT ?`, id, limit)
	if err != nil {
		return nil, errs.Wrap(err, "find enterprise history")
	}
	defer rows.Close()
	out := []HistoryEntry{}
	for rows.Next() {
		var h HistoryEntry
		var at int64
		var oldV, newV sql.NullString
		if err := rows.Scan(&h.ID, &at, &h.Field, &oldV, &newV, &h.Source, &h.Actor); err != nil {
			return nil, errs.Wrap(err, "scan enterprise history")
		}
		h.At = store.FromMillis(at)
		if oldV.Valid {
			h.OldValue = &oldV.String
		}
		if newV.Valid {
			h.NewValue = &newV.String
		}
		out = append(out, h)
	}
	return out, errs.Wrap(rows.Err(), "find enterprise history")
}

// analyze refreshes the planner statistics of the registry's tables after
// a large import (SQLite samples at most 1000 rows per index).
func (s *Service) analyze(ctx context.Context) error {
	q := "PRAGMA analysis_limit = 1000; ANALYZE enterprises; ANALYZE enterprise_tags"
	if s.DB.Dialect() == store.Postgres {
		q = "ANALYZE enterprises, enterprise_tags"
	}
	_, err := s.DB.ExecContext(ctx, q)
	return errs.Wrap(err, "analyze enterprises")
}
