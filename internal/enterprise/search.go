package enterprise

import (
	"context"
	"fmt"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/paging"
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// Filter selects enterprises; zero fields do not filter.
type Filter struct {
	// Query is a part of the name (substring, case-insensitive for Latin
	// letters) or the beginning of a 统一社会信用代码: a query made only of
	// USCC characters and containing a digit is read as a code prefix.
	Query    string
	District string   // division code or name of a district
	Industry string   // GB/T 4754 code prefix: "C" 制造业, "C39", "C3911"
	Size     string   // one of Sizes
	Tags     []string // has all of these tags
	Credit   string   // one of Credits
	Status   string   // one of Statuses
	Sort     string   // name (by code point), founded, revenue or employees; "" sorts by id (import order)
	Desc     bool     // sort descending; unknown values sort last either way
	Limit    int      // page size (paging.Clamp: default 50, at most 500; FindEnterprises only)
	Offset   int
}

// CountLimit caps the total that FindEnterprises reports: counting stops
// after this many matches and the total is then CountLimit+1, which pages
// show as "10000+". An exact count of a broad filter over millions of rows
// costs seconds and tells an official nothing a narrower filter would not.
const CountLimit = 10000

// SearchIndex answers FindEnterprises from memory. The policy engine's
// columnar snapshot is one (policy.Engine): a name becomes a scan of a byte
// arena, filters become bitmap intersections and the sort a partial sort,
// so that a page of a city of millions costs milliseconds where the
// database would read and sort every match. An index that cannot answer
// at the moment — not loaded yet, or behind a change this process made —
// says so, and the database answers instead.
type SearchIndex interface {
	// Search returns the ids of the enterprises of one page of q, in
	// order, and the number of all matches; ok is false when the index
	// cannot answer now.
	Search(ctx context.Context, q Query) (ids []int64, total int, ok bool)
}

// Query is a Filter checked and resolved to canonical values: what a
// SearchIndex answers and what the database query is compiled from.
type Query struct {
	// Name is a part of the name, with ASCII letters lower-cased; matching
	// ignores the case of ASCII letters. "" matches every name.
	Name string
	// USCC is the beginning of a credit code, upper-case.
	USCC     string
	District string   // division code
	Industry string   // GB/T 4754 code prefix
	Size     string   // one of Sizes
	Credit   string   // one of Credits
	Status   string   // one of Statuses
	Tags     []string // has all of these tags
	Sort     string   // "", "name", "founded", "revenue" or "employees"
	Desc     bool
	Offset   int
	Limit    int
}

// Resolve checks f and returns its Query: the district as a division code,
// the industry, size, credit and status as canonical values, the page
// bounds applied. Errors: Invalid for a malformed district, industry,
// size, credit, status or sort key.
func (s *Service) Resolve(f Filter) (Query, error) {
	// An offset past any registry is as good as one past the end, and
	// keeps offset+limit far from overflowing.
	q := Query{Sort: f.Sort, Desc: f.Desc}
	q.Limit, q.Offset = paging.Clamp(f.Limit, f.Offset)
	switch f.Sort {
	case "", "name", "founded", "revenue", "employees":
	default:
		return Query{}, errs.FieldErrorf("sort", "不能按“%s”排序（可按 name、founded、revenue、employees 排序）", f.Sort)
	}
	if text := trimSpace(f.Query); text != "" {
		if code := normalizeCode(text); isUSCCQuery(code) {
			q.USCC = code
		} else {
			q.Name = lowerASCII(text)
		}
	}
	var err error
	if f.District != "" {
		if q.District, err = s.city().ParseDistrict(f.District); err != nil {
			return Query{}, err
		}
	}
	if f.Industry != "" {
		if q.Industry, err = ParseIndustry(f.Industry); err != nil {
			return Query{}, err
		}
	}
	for _, e := range []struct {
		field string
		in    string
		out   *string
	}{{"size", f.Size, &q.Size}, {"credit", f.Credit, &q.Credit}, {"status", f.Status, &q.Status}} {
		if e.in == "" {
			continue
		}
		if *e.out, err = ParseEnum(e.field, e.in); err != nil {
			return Query{}, err
		}
	}
	for _, t := range f.Tags {
		if t = trimSpace(t); t != "" {
			q.Tags = append(q.Tags, t)
		}
	}
	return q, nil
}

// lowerASCII returns s with its ASCII letters lower-cased.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// queryPlan is a Query compiled to SQL.
type queryPlan struct {
	where []string
	args  []any
	order string
}

// selectColumns is the select list of scanRow.
var selectColumns = "id, " + dbColumns + ", updated_at"

// selectSQL returns the query of the plan's rows in order.
func (p *queryPlan) selectSQL() string {
	return "SELECT " + selectColumns + " FROM enterprises" + p.cond() + p.order
}

// countSQL returns the query of the number of the plan's rows, capped.
func (p *queryPlan) countSQL() string {
	return fmt.Sprintf("SELECT COUNT(*) FROM (SELECT 1 FROM enterprises%s LIMIT %d) AS t", p.cond(), CountLimit+1)
}

func (p *queryPlan) add(cond string, args ...any) {
	p.where = append(p.where, cond)
	p.args = append(p.args, args...)
}

func (p *queryPlan) cond() string {
	if len(p.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(p.where, " AND ")
}

// isUSCCQuery reports whether q (normalised) reads as the beginning of a
// 统一社会信用代码: only USCC characters, at least one digit.
func isUSCCQuery(q string) bool {
	digit := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		if usccValue(c) < 0 {
			return false
		}
		if c >= '0' && c <= '9' {
			digit = true
		}
	}
	return digit && len(q) <= 18
}

// prefixUpper returns the exclusive upper bound of the byte range of strings
// that begin with an ASCII prefix.
func prefixUpper(prefix string) string { return prefix + "\x7f" }

// plan compiles q to SQL. The credit code has the unique index; everything
// else is a scan, since the search index answers the pages.
func (s *Service) plan(q Query) *queryPlan {
	p := &queryPlan{}
	if q.USCC != "" {
		p.add("uscc >= ? AND uscc < ?", q.USCC, prefixUpper(q.USCC))
	}
	if q.Name != "" {
		if s.DB.Dialect() == store.Postgres {
			p.add("strpos(lower(name), ?) > 0", q.Name)
		} else {
			p.add("instr(lower(name), ?) > 0", q.Name)
		}
	}
	if q.District != "" {
		p.add("district = ?", q.District)
	}
	if q.Industry != "" {
		p.add("industry >= ? AND industry < ?", q.Industry, prefixUpper(q.Industry))
	}
	for _, e := range []struct{ col, v string }{{"size", q.Size}, {"credit", q.Credit}, {"status", q.Status}} {
		if e.v != "" {
			p.add(e.col+" = ?", e.v)
		}
	}
	for _, t := range q.Tags {
		p.add("id IN (SELECT enterprise_id FROM enterprise_tags WHERE tag = ?)", t)
	}
	dir := ""
	if q.Desc {
		dir = " DESC"
	}
	p.order = " ORDER BY id" + dir
	switch {
	case q.Sort == "name" && s.DB.Dialect() == store.Postgres:
		// By code point, as SQLite and the search index order names,
		// whatever the database's collation.
		p.order = ` ORDER BY name COLLATE "C"` + dir + " NULLS LAST, id" + dir
	case q.Sort != "":
		p.order = " ORDER BY " + q.Sort + dir + " NULLS LAST, id" + dir
	}
	return p
}

// FindEnterprises returns one page of the enterprises matching f and the
// number of all matches, capped at CountLimit+1. The search index answers
// when it can, the database otherwise; both give the same page. Government
// users may call it (auth.ViewEnterprises). Errors: Unauthenticated,
// Forbidden, Invalid for a malformed filter.
func (s *Service) FindEnterprises(ctx context.Context, a *auth.Actor, f Filter) ([]Enterprise, int, error) {
	if err := auth.AuthorizeSome(a, auth.ViewEnterprises); err != nil {
		return nil, 0, err
	}
	q, err := s.Resolve(f)
	if err != nil {
		return nil, 0, err
	}
	if s.Index != nil && q.USCC == "" {
		if ids, total, ok := s.Index.Search(ctx, q); ok {
			list, err := s.findByIDs(ctx, ids)
			return list, min(total, CountLimit+1), err
		}
	}
	p := s.plan(q)
	var total int
	if err := s.DB.QueryRowContext(ctx, p.countSQL(), p.args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count enterprises")
	}
	if total == 0 {
		return []Enterprise{}, 0, nil
	}
	rows, err := s.DB.QueryContext(ctx, p.selectSQL()+" LIMIT ? OFFSET ?", append(p.args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find enterprises")
	}
	defer rows.Close()
	out := make([]Enterprise, 0, min(q.Limit, total))
	for rows.Next() {
		e, err := scanRow(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "scan enterprise")
		}
		out = append(out, *e)
	}
	return out, total, errs.Wrap(rows.Err(), "find enterprises")
}

// findByIDs returns the enterprises with the given ids in that order,
// leaving out ids that no longer exist.
func (s *Service) findByIDs(ctx context.Context, ids []int64) ([]Enterprise, error) {
	out := make([]Enterprise, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.DB.QueryContext(ctx, "SELECT "+selectColumns+" FROM enterprises WHERE id IN ("+
		strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+")", args...)
	if err != nil {
		return nil, errs.Wrap(err, "find enterprises")
	}
	defer rows.Close()
	byID := make(map[int64]*Enterprise, len(ids))
	for rows.Next() {
		e, err := scanRow(rows)
		if err != nil {
			return nil, errs.Wrap(err, "scan enterprise")
		}
		byID[e.ID] = e
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "find enterprises")
	}
	for _, id := range ids {
		if e, ok := byID[id]; ok {
			out = append(out, *e)
		}
	}
	return out, nil
}
