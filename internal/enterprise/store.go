package enterprise

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"github.com/qinqing/qinqing/internal/paging"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Service is the enterprise registry on a database: lookups, search,
// updates with history and provenance, bulk import and export.
type Service struct {
	DB    *store.DB
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

// The bulk writers of Import: one per dialect, behind bulkStore and bulkTx.

// sqliteBulk writes through the SQLite writer connection with prepared
// statements, one transaction per batch.
type sqliteBulk struct {
	db       *store.DB
	oldCache int64
	oldTemp  int64
	// oldCheckpoint is the writer's wal_autocheckpoint before the import.
	oldCheckpoint int64
	cacheSet      bool
}

// importCacheKiB is the page cache (64 MB) of the SQLite writer during an import:
// random inserts into the uscc index of millions of rows thrash
// the default 2 MB cache.
const importCacheKiB = 64 << 10

// importCheckpointPages is the writer's wal_autocheckpoint during an import
// (128 MB of 4 KB pages).
const importCheckpointPages = 32768

func openSQLiteBulk(ctx context.Context, db *store.DB, dry bool) (*sqliteBulk, error) {
	b := &sqliteBulk{db: db}
	if dry {
		return b, nil
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&b.oldCache); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "PRAGMA temp_store").Scan(&b.oldTemp); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&b.oldCheckpoint)
	})
	if err == nil {
		// The statement journal of each insert goes to memory, not to a
		// temporary file; and the WAL is copied back into the database every
		// 128 MB rather than every 4 MB, so that a page changed by several
		// batches is copied once. (Outside a transaction: temp_store cannot
		// change inside one once the connection has used temporary storage.)
		_, err = db.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = %d",
			importCacheKiB, importCheckpointPages))
	}
	if err != nil {
		return nil, errs.Wrap(err, "prepare import")
	}
	b.cacheSet = true
	return b, nil
}

// inTx runs fn in one transaction.
func (b *sqliteBulk) inTx(ctx context.Context, fn func(bulkTx) error) error {
	return b.db.InTx(ctx, func(tx *store.Tx) error {
		return fn(&sqliteTx{q: tx, tx: tx})
	})
}

func (b *sqliteBulk) reader() bulkTx { return &sqliteTx{q: b.db} }

// writers is 1: SQLite has one writer.
func (b *sqliteBulk) writers() int { return 1 }

func (b *sqliteBulk) close() {
	if b.cacheSet {
		b.cacheSet = false
		_, _ = b.db.ExecContext(context.Background(), fmt.Sprintf("PRAGMA cache_size = %d; PRAGMA temp_store = %d; PRAGMA wal_autocheckpoint = %d",
			b.oldCache, b.oldTemp, b.oldCheckpoint))
	}
}

// sqliteTx is one SQLite transaction of the bulk writer (tx nil: read only).
type sqliteTx struct {
	q                                          store.Querier
	tx                                         *store.Tx
	ins, tagInsN, tagIns, upd, tagDel, history *sql.Stmt
	insTail                                    string // the constant values of ins
}

// existingChunk is the number of codes per lookup query.
const existingChunk = 500

func (t *sqliteTx) existing(ctx context.Context, codes []string, _ bool) (map[string]*storedRow, error) {
	out := make(map[string]*storedRow, len(codes))
	for start := 0; start < len(codes); start += existingChunk {
		chunk := codes[start:min(start+existingChunk, len(codes))]
		args := make([]any, len(chunk))
		for i, c := range chunk {
			args[i] = c
		}
		q := "SELECT id, " + dbColumns + ", updated_at, sources FROM enterprises WHERE uscc IN (?" + strings.Repeat(", ?", len(chunk)-1) + ")"
		if err := readStored(t.q.QueryContext(ctx, q, args...))(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readStored scans stored rows (id, dbColumns, updated_at, sources) into out.
func readStored(rows *sql.Rows, err error) func(out map[string]*storedRow) error {
	return func(out map[string]*storedRow) error {
		if err != nil {
			return errs.Wrap(err, "read stored enterprises")
		}
		defer rows.Close()
		for rows.Next() {
			r := &storedRow{}
			if r.e, err = scanRow(rows, &r.sources); err != nil {
				return errs.Wrap(err, "read stored enterprises")
			}
			out[r.e.USCC] = r
		}
		return errs.Wrap(rows.Err(), "read stored enterprises")
	}
}

func (t *sqliteTx) prepare(ctx context.Context, dst **sql.Stmt, q string) error {
	if *dst != nil {
		return nil
	}
	st, err := t.tx.PrepareContext(ctx, q)
	if err != nil {
		return errs.Wrap(err, "prepare import")
	}
	*dst = st
	return nil
}

// insertChunk is the number of rows per multi-row INSERT: one statement
// (one statement journal, one driver call) per 64 rows.
const insertChunk = 64

// multiInsert returns an INSERT of n rows, each row the placeholders of
// width values followed by the SQL of tail.
func multiInsert(head string, width int, tail string, n int) string {
	row := "(?" + strings.Repeat(", ?", width-1) + tail + ")"
	return head + " VALUES " + row + strings.Repeat(", "+row, n-1)
}

// execChunks runs the multi-row insert head for the rows that fill args
// (width values each, then tail), insertChunk rows per prepared statement
// and the rest in one more.
func (t *sqliteTx) execChunks(ctx context.Context, full **sql.Stmt, head string, width int, tail string, args []any) error {
	per := insertChunk * width
	for len(args) > 0 {
		n := min(len(args), per)
		if n == per {
			if err := t.prepare(ctx, full, multiInsert(head, width, tail, insertChunk)); err != nil {
				return err
			}
			if _, err := (*full).ExecContext(ctx, args[:n]...); err != nil {
				return err
			}
		} else if _, err := t.tx.ExecContext(ctx, multiInsert(head, width, tail, n/width), args[:n]...); err != nil {
			return err
		}
		args = args[n:]
	}
	return nil
}

// sqlQuote returns s as an SQL string literal.
func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (t *sqliteTx) insert(ctx context.Context, rows []*Enterprise, sources string, ms int64) ([]int64, error) {
	// The writer is alone in its transaction, so ids after the largest are
	// free.
	var last int64
	if err := t.tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM enterprises").Scan(&last); err != nil {
		return nil, errs.Wrap(err, "insert enterprises")
	}
	first := last + 1
	// sources, created_at and updated_at are the same for every row: they
	// are written into the statement instead of bound per row.
	const width = nDBColumns + 1
	const head = "INSERT INTO enterprises (id, " + dbColumns + ", sources, created_at, updated_at)"
	tail := fmt.Sprintf(", %s, %d, %d", sqlQuote(sources), ms, ms)
	if t.insTail != tail {
		t.ins, t.insTail = nil, tail
	}
	args := make([]any, 0, width*insertChunk)
	var tagArgs []any
	ids := make([]int64, len(rows))
	for start := 0; start < len(rows); start += insertChunk {
		args = args[:0]
		for i, e := range rows[start:min(start+insertChunk, len(rows))] {
			id := first + int64(start+i)
			ids[start+i] = id
			args = append(args, id)
			args = appendValues(args, e)
			for _, tag := range e.Tags {
				tagArgs = append(tagArgs, id, tag)
			}
		}
		if err := t.execChunks(ctx, &t.ins, head, width, tail, args); err != nil {
			return nil, errs.Wrap(err, "insert enterprises")
		}
	}
	return ids, errs.Wrap(t.execChunks(ctx, &t.tagInsN, "INSERT INTO enterprise_tags (enterprise_id, tag)", 2, "", tagArgs), "insert enterprise tags")
}

func (t *sqliteTx) update(ctx context.Context, rows []*updateRow, ms int64, source, actor string) error {
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&t.upd, `UPDATE enterprises SET uscc = ?, name = ?, kind = ?, industry = ?, district = ?, street = ?, founded = ?,
			registered_capital = ?, employees = ?, revenue = ?, rd_expense = ?, tax_paid = ?, export_value = ?, total_assets = ?,
			tags = ?, credit = ?, status = ?, size = ?, kind_text = ?, sources = ?, updated_at = ? WHERE id = ?`},
		{&t.tagDel, "DELETE FROM enterprise_tags WHERE enterprise_id = ?"},
		{&t.tagIns, "INSERT INTO enterprise_tags (enterprise_id, tag) VALUES (?, ?)"},
		{&t.history, `INSERT INTO enterprise_history (enterprise_id, at, field, old_value, new_value, source, actor) VALUES (?, ?, ?, ?, ?, ?, ?)`},
	} {
		if err := t.prepare(ctx, p.dst, p.q); err != nil {
			return err
		}
	}
	args := make([]any, 0, nDBColumns+3)
	for _, r := range rows {
		args = appendValues(args[:0], r.e)
		args = append(args, r.sources, ms, r.e.ID)
		if _, err := t.upd.ExecContext(ctx, args...); err != nil {
			return errs.Wrap(err, "update enterprise")
		}
		if r.tagsChanged() {
			if _, err := t.tagDel.ExecContext(ctx, r.e.ID); err != nil {
				return errs.Wrap(err, "update enterprise tags")
			}
			for _, tag := range r.e.Tags {
				if _, err := t.tagIns.ExecContext(ctx, r.e.ID, tag); err != nil {
					return errs.Wrap(err, "update enterprise tags")
				}
			}
		}
		for _, c := range r.changes {
			if _, err := t.history.ExecContext(ctx, r.e.ID, ms, c.field, nullable(c.old), nullable(c.new), source, actor); err != nil {
				return errs.Wrap(err, "record enterprise history")
			}
		}
	}
	return nil
}

// nullable returns *p, or nil for a nil p, as a driver value without
// reflection.
func nullable[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// appendValues appends the values of e for dbColumns as plain driver values
// (nil for unknown), avoiding the reflection database/sql spends on
// pointers.
func appendValues(args []any, e *Enterprise) []any {
	var founded any
	if e.Founded != nil {
		founded = e.Founded.String()
	}
	return append(args, e.USCC, e.Name, nullable(e.Kind), nullable(e.Industry), nullable(e.District), nullable(e.Street), founded,
		nullable(e.RegisteredCapital), nullable(e.Employees), nullable(e.Revenue), nullable(e.RDExpense), nullable(e.TaxPaid),
		nullable(e.ExportValue), nullable(e.TotalAssets), nullable(joinTags(e.Tags)), nullable(e.Credit), nullable(e.Status), nullable(e.Size),
		nullable(e.KindText))
}

// pgBulk writes through its own pgx connection (database/sql cannot COPY):
// new rows get ids from the identity sequence and are COPYed straight into
// enterprises and enterprise_tags; changed rows are COPYed into a temporary
// staging table and applied with one UPDATE … FROM; history rows are
// COPYed. Which rows are new, changed or unchanged is decided in Go against
// the stored rows, read with one query per batch under FOR UPDATE, so that
// the size class (ClassifySize) and field sources follow the same rules as
// in SQLite and in UpdateEnterprise.

type pgBulk struct {
	conn *pgx.Conn
	seq  string
	buf  copyBuf // reused by the COPYs of every batch
}

// pgStageColumns are the columns of the staging table.
var pgStageColumns = append(append([]string{"id"}, strings.Split(strings.ReplaceAll(dbColumns, " ", ""), ",")...), "sources", "updated_at")

func openPGBulk(ctx context.Context, db *store.DB) (*pgBulk, error) {
	conn, err := pgx.Connect(ctx, db.RawDSN())
	if err != nil {
		return nil, &errs.Error{Code: errs.Unavailable, Message: "无法连接数据库 " + db.DSN, Err: err}
	}
	b := &pgBulk{conn: conn}
	// Commits need not wait for the WAL flush: a batch lost in a server
	// crash is written again by re-running the import (it is idempotent),
	// and the synchronous commit of the import's audit entry at the end
	// flushes all of them.
	if _, err := conn.Exec(ctx, "SET synchronous_commit = off"); err != nil {
		conn.Close(ctx)
		return nil, errs.Wrap(err, "prepare import")
	}
	if err := conn.QueryRow(ctx, "SELECT pg_get_serial_sequence('enterprises', 'id')").Scan(&b.seq); err != nil {
		conn.Close(ctx)
		return nil, errs.Wrap(err, "prepare import")
	}
	if _, err := conn.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS enterprise_stage (
		id BIGINT, uscc TEXT, name TEXT, kind TEXT, industry TEXT, district TEXT, street TEXT, founded TEXT,
		registered_capital BIGINT, employees BIGINT, revenue BIGINT, rd_expense BIGINT, tax_paid BIGINT,
		export_value BIGINT, total_assets BIGINT, tags TEXT, credit TEXT, status TEXT, size TEXT, kind_text TEXT,
		sources TEXT, updated_at BIGINT)`); err != nil {
		conn.Close(ctx)
		return nil, errs.Wrap(err, "prepare import")
	}
	return b, nil
}

func (b *pgBulk) inTx(ctx context.Context, fn func(bulkTx) error) error {
	tx, err := b.conn.Begin(ctx)
	if err != nil {
		return errs.Wrap(err, "begin")
	}
	if err := fn(&pgTx{q: tx, pg: b.conn.PgConn(), seq: b.seq, buf: &b.buf}); err != nil {
		_ = tx.Rollback(context.Background())
		return err
	}
	return errs.Wrap(tx.Commit(ctx), "commit")
}

func (b *pgBulk) reader() bulkTx {
	return &pgTx{q: b.conn, pg: b.conn.PgConn(), seq: b.seq, buf: &b.buf}
}

// writers is 2: a second connection lets a second backend maintain the
// indexes (the bulk of the work) while the first does.
func (b *pgBulk) writers() int { return 2 }

func (b *pgBulk) close() {
	if !b.conn.IsClosed() {
		_ = b.conn.Close(context.Background())
	}
}

// pgQuerier is what *pgx.Conn and pgx.Tx offer.
type pgQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
}

// pgTx is one PostgreSQL transaction of the bulk writer (or the connection
// itself for a dry run).
type pgTx struct {
	q   pgQuerier
	pg  *pgconn.PgConn // the connection of q, for binary COPY (bulkcopy.go)
	seq string
	buf *copyBuf
}

func (t *pgTx) existing(ctx context.Context, codes []string, lock bool) (map[string]*storedRow, error) {
	q := "SELECT id, " + dbColumns + ", updated_at, sources FROM enterprises WHERE uscc = ANY($1)"
	if lock {
		q += " FOR UPDATE"
	}
	rows, err := t.q.Query(ctx, q, codes)
	if err != nil {
		return nil, errs.Wrap(err, "read stored enterprises")
	}
	defer rows.Close()
	out := make(map[string]*storedRow, len(codes))
	for rows.Next() {
		r := &storedRow{}
		if r.e, err = scanRow(rows, &r.sources); err != nil {
			return nil, errs.Wrap(err, "read stored enterprises")
		}
		out[r.e.USCC] = r
	}
	return out, errs.Wrap(rows.Err(), "read stored enterprises")
}

// copyTags COPYs the tag rows of the enterprises with the given ids.
func (t *pgTx) copyTags(ctx context.Context, ids []int64, rows []*Enterprise) error {
	n := 0
	for _, e := range rows {
		n += len(e.Tags)
	}
	if n == 0 {
		return nil
	}
	c := t.buf
	c.start(n * 32)
	for i, e := range rows {
		for _, tag := range e.Tags {
			c.row(2)
			c.int64(ids[i])
			c.text(tag)
		}
	}
	return errs.Wrap(c.send(ctx, t.pg, "enterprise_tags", []string{"enterprise_id", "tag"}), "copy enterprise tags")
}

// pgInsertColumns are the columns COPYed for a new enterprise.
var pgInsertColumns = append(append([]string{}, pgStageColumns[:len(pgStageColumns)-1]...), "created_at", "updated_at")

func (t *pgTx) insert(ctx context.Context, rows []*Enterprise, sources string, ms int64) ([]int64, error) {
	var ids []int64
	if err := t.q.QueryRow(ctx, "SELECT array_agg(nextval($1::regclass)) FROM generate_series(1, $2)", t.seq, len(rows)).Scan(&ids); err != nil {
		return nil, errs.Wrap(err, "allocate enterprise ids")
	}
	c := t.buf
	c.start(len(rows) * 384)
	for i, e := range rows {
		c.row(len(pgInsertColumns))
		c.int64(ids[i])
		c.enterprise(e)
		c.text(sources)
		c.int64(ms)
		c.int64(ms)
	}
	if err := c.send(ctx, t.pg, "enterprises", pgInsertColumns); err != nil {
		return nil, errs.Wrap(err, "copy enterprises")
	}
	return ids, t.copyTags(ctx, ids, rows)
}

func (t *pgTx) update(ctx context.Context, rows []*updateRow, ms int64, source, actor string) error {
	if _, err := t.q.Exec(ctx, "TRUNCATE enterprise_stage"); err != nil {
		return errs.Wrap(err, "stage enterprises")
	}
	_, err := t.q.CopyFrom(ctx, pgx.Identifier{"enterprise_stage"}, pgStageColumns, pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
		v := make([]any, 0, len(pgStageColumns))
		v = append(v, rows[i].e.ID)
		v = appendValues(v, rows[i].e)
		return append(v, rows[i].sources, ms), nil
	}))
	if err != nil {
		return errs.Wrap(err, "stage enterprises")
	}
	set := make([]string, 0, len(pgStageColumns))
	for _, c := range pgStageColumns[2:] {
		set = append(set, c+" = s."+c)
	}
	if _, err := t.q.Exec(ctx, "UPDATE enterprises e SET "+strings.Join(set, ", ")+" FROM enterprise_stage s WHERE e.id = s.id"); err != nil {
		return errs.Wrap(err, "update enterprises")
	}
	var tagIDs []int64
	var tagRows []*Enterprise
	var history [][]any
	for _, r := range rows {
		if r.tagsChanged() {
			tagIDs = append(tagIDs, r.e.ID)
			tagRows = append(tagRows, r.e)
		}
		for _, c := range r.changes {
			history = append(history, []any{r.e.ID, ms, c.field, c.old, c.new, source, actor})
		}
	}
	if len(tagIDs) > 0 {
		if _, err := t.q.Exec(ctx, "DELETE FROM enterprise_tags WHERE enterprise_id = ANY($1)", tagIDs); err != nil {
			return errs.Wrap(err, "update enterprise tags")
		}
		if err := t.copyTags(ctx, tagIDs, tagRows); err != nil {
			return err
		}
	}
	_, err = t.q.CopyFrom(ctx, pgx.Identifier{"enterprise_history"}, []string{"enterprise_id", "at", "field", "old_value", "new_value", "source", "actor"}, pgx.CopyFromRows(history))
	return errs.Wrap(err, "record enterprise history")
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
