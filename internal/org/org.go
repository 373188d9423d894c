// Package org holds the organisation units (部门/区/街道 …) in a tree, with
// the aliases by which documents name them (市发改委 = 市发展改革委 =
// 市发展和改革委员会), so that names written in documents resolve to units.
package org

import (
	"context"
	"database/sql"
	"github.com/qinqing/qinqing/internal/paging"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// Unit kinds.
const (
	KindDepartment = "政府部门"
	KindDistrict   = "区政府"
	KindStreet     = "街道"
	KindZone       = "管委会"
	KindFinance    = "金融机构"
	KindOther      = "其他"
)

// Kinds lists the unit kinds in display order.
var Kinds = []string{KindDepartment, KindDistrict, KindStreet, KindZone, KindFinance, KindOther}

// Unit is an organisation unit.
type Unit struct {
	ID       int64    `json:"id"`
	ParentID *int64   `json:"parent_id"`
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Division *string  `json:"division"` // 6-digit division code of a district or street, if any
	Sort     int      `json:"sort"`
	Aliases  []string `json:"aliases"`
	Depth    int      `json:"depth"` // 0 for a top unit; set by UnitTree and FindUnits
}

// UnitInput is what creating or updating a unit takes.
type UnitInput struct {
	ParentID *int64   `json:"parent_id"`
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Division *string  `json:"division"`
	Sort     int      `json:"sort"`
	Aliases  []string `json:"aliases"`
}

// Options are the dependencies of a Service.
type Options struct {
	Audit *audit.Log
	Now   func() time.Time
}

// Service manages units.
type Service struct {
	DB *store.DB
	Options
}

// New returns the organisation service on db.
func New(db *store.DB, opts Options) *Service { return &Service{DB: db, Options: opts} }

// Normalize returns the form in which unit names and aliases are compared:
// spaces removed, full-width ASCII folded to half-width.
func Normalize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '\u3000':
			continue
		case r >= '！' && r <= '～':
			b.WriteRune(r - 0xFEE0)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (in *UnitInput) validate() error {
	in.Name = Normalize(in.Name)
	if in.Name == "" {
		return errs.FieldErrorf("name", "单位名称不能为空")
	}
	if len([]rune(in.Name)) > 64 {
		return errs.FieldErrorf("name", "单位名称过长（最多64字）")
	}
	ok := false
	for _, k := range Kinds {
		ok = ok || k == in.Kind
	}
	if !ok {
		return errs.FieldErrorf("kind", "单位类型“%s”无效，应为：%s", in.Kind, strings.Join(Kinds, "、"))
	}
	if in.Division != nil {
		d := strings.TrimSpace(*in.Division)
		if len(d) != 6 && len(d) != 9 && len(d) != 12 {
			return errs.FieldErrorf("division", "行政区划代码应为6、9或12位数字")
		}
		for _, r := range d {
			if r < '0' || r > '9' {
				return errs.FieldErrorf("division", "行政区划代码应为数字")
			}
		}
		in.Division = &d
	}
	seen := map[string]bool{in.Name: true}
	var aliases []string
	for _, a := range in.Aliases {
		a = Normalize(a)
		if a != "" && !seen[a] {
			seen[a] = true
			aliases = append(aliases, a)
		}
	}
	in.Aliases = aliases
	return nil
}

// CreateUnit creates a unit with its aliases. The office may call it
// (auth.ManageUnits). Errors: Unauthenticated, Forbidden, Invalid, Conflict
// when the name or an alias is already taken, NotFound for a missing
// parent.
func (s *Service) CreateUnit(ctx context.Context, a *auth.Actor, in UnitInput) (*Unit, error) {
	if err := auth.AuthorizeSome(a, auth.ManageUnits); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	var u *Unit
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if in.ParentID != nil {
			if _, err := findUnit(ctx, tx, *in.ParentID); err != nil {
				return err
			}
		}
		if err := checkNamesFree(ctx, tx, 0, append([]string{in.Name}, in.Aliases...)); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO units (parent_id, name, kind, division, sort, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			in.ParentID, in.Name, in.Kind, in.Division, in.Sort, store.Millis(s.Now())).Scan(&id)
		if err != nil {
			return errs.Wrap(err, "insert unit")
		}
		for _, a := range in.Aliases {
			if _, err := tx.ExecContext(ctx, `INSERT INTO unit_aliases (alias, unit_id) VALUES (?, ?)`, a, id); err != nil {
				return errs.Wrap(err, "insert alias")
			}
		}
		u = &Unit{ID: id, ParentID: in.ParentID, Name: in.Name, Kind: in.Kind, Division: in.Division, Sort: in.Sort, Aliases: in.Aliases}
		return s.Audit.Record(ctx, tx, "unit", strconv.FormatInt(id, 10), "create", nil, u)
	})
	return u, err
}

// UpdateUnit replaces a unit's fields and aliases. The office may call it
// (auth.ManageUnits). Errors: Unauthenticated, Forbidden, Invalid,
// NotFound, Conflict; a unit cannot become its own ancestor.
func (s *Service) UpdateUnit(ctx context.Context, a *auth.Actor, id int64, in UnitInput) (*Unit, error) {
	if err := auth.AuthorizeSome(a, auth.ManageUnits); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	var u *Unit
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		before, err := findUnit(ctx, tx, id)
		if err != nil {
			return err
		}
		for p := in.ParentID; p != nil; {
			if *p == id {
				return errs.FieldErrorf("parent_id", "上级单位不能是本单位或其下级")
			}
			parent, err := findUnit(ctx, tx, *p)
			if err != nil {
				return err
			}
			p = parent.ParentID
		}
		if err := checkNamesFree(ctx, tx, id, append([]string{in.Name}, in.Aliases...)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE units SET parent_id = ?, name = ?, kind = ?, division = ?, sort = ? WHERE id = ?`,
			in.ParentID, in.Name, in.Kind, in.Division, in.Sort, id); err != nil {
			return errs.Wrap(err, "update unit")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM unit_aliases WHERE unit_id = ?`, id); err != nil {
			return errs.Wrap(err, "update unit")
		}
		for _, a := range in.Aliases {
			if _, err := tx.ExecContext(ctx, `INSERT INTO unit_aliases (alias, unit_id) VALUES (?, ?)`, a, id); err != nil {
				return errs.Wrap(err, "insert alias")
			}
		}
		u = &Unit{ID: id, ParentID: in.ParentID, Name: in.Name, Kind: in.Kind, Division: in.Division, Sort: in.Sort, Aliases: in.Aliases}
		return s.Audit.Record(ctx, tx, "unit", strconv.FormatInt(id, 10), "update", before, u)
	})
	return u, err
}

// checkNamesFree returns Conflict if any of names is the name or alias of a
// unit other than self.
func checkNamesFree(ctx context.Context, q store.Querier, self int64, names []string) error {
	for _, n := range names {
		var other int64
		err := q.QueryRowContext(ctx, `SELECT id FROM units WHERE name = ? AND id <> ?
			UNION SELECT unit_id FROM unit_aliases WHERE alias = ? AND unit_id <> ?`, n, self, n, self).Scan(&other)
		if err == nil {
			return errs.Errorf(errs.Conflict, "名称“%s”已被其他单位使用", n)
		}
		if err != sql.ErrNoRows {
			return errs.Wrap(err, "check unit names")
		}
	}
	return nil
}

// FindUnitByID returns the unit with the given id. Errors: NotFound.
func (s *Service) FindUnitByID(ctx context.Context, id int64) (*Unit, error) {
	return findUnit(ctx, s.DB, id)
}

func findUnit(ctx context.Context, q store.Querier, id int64) (*Unit, error) {
	var u Unit
	err := q.QueryRowContext(ctx, `SELECT id, parent_id, name, kind, division, sort FROM units WHERE id = ?`, id).
		Scan(&u.ID, &u.ParentID, &u.Name, &u.Kind, &u.Division, &u.Sort)
	if err != nil {
		return nil, store.NotFound(err, "单位 %d 不存在", id)
	}
	rows, err := q.QueryContext(ctx, `SELECT alias FROM unit_aliases WHERE unit_id = ? ORDER BY alias`, id)
	if err != nil {
		return nil, errs.Wrap(err, "find aliases")
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, errs.Wrap(err, "scan alias")
		}
		u.Aliases = append(u.Aliases, a)
	}
	return &u, errs.Wrap(rows.Err(), "find aliases")
}

// UnitTree returns every unit in tree order (parents before children,
// siblings by sort then name), with their aliases: for choosing a unit in a
// form and for drawing the tree (a city has hundreds of units). Lists page
// with FindUnits.
func (s *Service) UnitTree(ctx context.Context) ([]Unit, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT id, parent_id, name, kind, division, sort FROM units ORDER BY sort, name`)
	if err != nil {
		return nil, errs.Wrap(err, "find units")
	}
	var all []Unit
	for rows.Next() {
		var u Unit
		if err := rows.Scan(&u.ID, &u.ParentID, &u.Name, &u.Kind, &u.Division, &u.Sort); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "scan unit")
		}
		all = append(all, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "find units")
	}
	aliases := map[int64][]string{}
	arows, err := s.DB.QueryContext(ctx, `SELECT unit_id, alias FROM unit_aliases ORDER BY alias`)
	if err != nil {
		return nil, errs.Wrap(err, "find aliases")
	}
	defer arows.Close()
	for arows.Next() {
		var id int64
		var a string
		if err := arows.Scan(&id, &a); err != nil {
			return nil, errs.Wrap(err, "scan alias")
		}
		aliases[id] = append(aliases[id], a)
	}
	children := map[int64][]Unit{}
	var roots []Unit
	for _, u := range all {
		u.Aliases = aliases[u.ID]
		if u.ParentID == nil {
			roots = append(roots, u)
		} else {
			children[*u.ParentID] = append(children[*u.ParentID], u)
		}
	}
	out := make([]Unit, 0, len(all))
	var walk func(us []Unit, depth int)
	walk = func(us []Unit, depth int) {
		for _, u := range us {
			u.Depth = depth
			out = append(out, u)
			walk(children[u.ID], depth+1)
		}
	}
	walk(roots, 0)
	return out, errs.Wrap(arows.Err(), "find aliases")
}

// UnitFilter selects and pages units; zero fields do not filter.
type UnitFilter struct {
	Query  string // part of the name, an alias, the kind or the division code
	Limit  int    // paging.Clamp: default 50, at most 500
	Offset int
}

// FindUnits returns one page of the units matching f in tree order (as
// UnitTree orders them), with their aliases, and how many match. Everyone
// signed in may read the organisation. Errors: none but Internal.
func (s *Service) FindUnits(ctx context.Context, f UnitFilter) ([]Unit, int, error) {
	pad := func(expr string, width int) string {
		if s.DB.Dialect() == store.Postgres {
			return "lpad((" + expr + ")::text, " + strconv.Itoa(width) + ", '0')"
		}
		return "printf('%0" + strconv.Itoa(width) + "d', " + expr + ")"
	}
	key := func(u string) string {
		return pad(u+".sort + 1000000000", 10) + " || '/' || " + u + ".name || '/' || " + pad(u+".id", 12)
	}
	order := "t.path"
	if s.DB.Dialect() == store.Postgres {
		order += ` COLLATE "C"`
	}
	cond, args := "", []any{}
	if q := Normalize(f.Query); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
		cond = ` WHERE u.name LIKE ? ESCAPE '\' OR u.kind LIKE ? ESCAPE '\' OR u.division LIKE ? ESCAPE '\'
			OR EXISTS (SELECT 1 FROM unit_aliases al WHERE al.unit_id = u.id AND al.alias LIKE ? ESCAPE '\')`
		args = []any{like, like, like, like}
	}
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM units u`+cond, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count units")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	rows, err := s.DB.QueryContext(ctx, `WITH RECURSIVE tree(id, path) AS (
			SELECT u.id, `+key("u")+` FROM units u WHERE u.parent_id IS NULL
			UNION ALL SELECT u.id, t.path || '|' || `+key("u")+` FROM units u JOIN tree t ON u.parent_id = t.id)
		SELECT u.id, u.parent_id, u.name, u.kind, u.division, u.sort, t.path FROM units u JOIN tree t ON t.id = u.id`+cond+`
		ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find units")
	}
	out := []Unit{}
	for rows.Next() {
		var u Unit
		var path string
		if err := rows.Scan(&u.ID, &u.ParentID, &u.Name, &u.Kind, &u.Division, &u.Sort, &path); err != nil {
			rows.Close()
			return nil, 0, errs.Wrap(err, "scan unit")
		}
		u.Depth = strings.Count(path, "|")
		out = append(out, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, errs.Wrap(err, "find units")
	}
	if len(out) == 0 {
		return out, total, nil
	}
	ids := make([]any, len(out))
	at := map[int64]int{}
	for i, u := range out {
		ids[i], at[u.ID] = u.ID, i
	}
	arows, err := s.DB.QueryContext(ctx, `SELECT unit_id, alias FROM unit_aliases WHERE unit_id IN (`+store.Placeholders(len(ids))+`) ORDER BY alias`, ids...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find aliases")
	}
	defer arows.Close()
	for arows.Next() {
		var id int64
		var a string
		if err := arows.Scan(&id, &a); err != nil {
			return nil, 0, errs.Wrap(err, "scan alias")
		}
		out[at[id]].Aliases = append(out[at[id]].Aliases, a)
	}
	return out, total, errs.Wrap(arows.Err(), "find aliases")
}

// Resolve returns the unit a document's name refers to, by exact name or
// alias after normalisation. Errors: NotFound.
func (s *Service) Resolve(ctx context.Context, name string) (*Unit, error) {
	n := Normalize(name)
	var id int64
	err := s.DB.QueryRowContext(ctx, `SELECT id FROM units WHERE name = ? UNION SELECT unit_id FROM unit_aliases WHERE alias = ?`, n, n).Scan(&id)
	if err != nil {
		return nil, store.NotFound(err, "未找到名为“%s”的单位", name)
	}
	return s.FindUnitByID(ctx, id)
}

// Holders returns the unit part of a permission check for a record held by
// unitIDs: those units and every unit above them (auth.UnitTree), so that
// a parent unit reads what its units hold. Ids of no unit are kept as
// holders and have no parents. Errors: Internal.
func (s *Service) Holders(ctx context.Context, unitIDs ...int64) (auth.Resource, error) {
	res := auth.Resource{UnitIDs: unitIDs}
	if len(unitIDs) == 0 {
		return res, nil
	}
	marks := store.Placeholders(len(unitIDs))
	args := make([]any, len(unitIDs))
	for i, id := range unitIDs {
		args[i] = id
	}
	rows, err := s.DB.QueryContext(ctx, `WITH RECURSIVE up(id) AS (
			SELECT parent_id FROM units WHERE id IN (`+marks+`) AND parent_id IS NOT NULL
			UNION SELECT u.parent_id FROM units u JOIN up ON u.id = up.id WHERE u.parent_id IS NOT NULL)
		SELECT id FROM up ORDER BY id`, args...)
	if err != nil {
		return res, errs.Wrap(err, "find parent units")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return res, errs.Wrap(err, "find parent units")
		}
		res.ParentUnitIDs = append(res.ParentUnitIDs, id)
	}
	return res, errs.Wrap(rows.Err(), "find parent units")
}

// Subtree returns unit id and every unit below it, in id order: the units
// whose records a unit's staff read. Errors: Internal.
func (s *Service) Subtree(ctx context.Context, id int64) ([]int64, error) {
	rows, err := s.DB.QueryContext(ctx, `WITH RECURSIVE down(id) AS (
			SELECT id FROM units WHERE id = ?
			UNION SELECT u.id FROM units u JOIN down ON u.parent_id = down.id)
		SELECT id FROM down ORDER BY id`, id)
	if err != nil {
		return nil, errs.Wrap(err, "find units below")
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			return nil, errs.Wrap(err, "find units below")
		}
		out = append(out, u)
	}
	return out, errs.Wrap(rows.Err(), "find units below")
}
