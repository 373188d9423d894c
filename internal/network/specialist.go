package network

import (
	"context"
	"github.com/qinqing/qinqing/internal/paging"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// GridCell is one cell of a specialist's grid: a whole district (Street
// "") or one street of it. An enterprise is in the cell when its district
// is District and, for a street cell, its street is Street.
type GridCell struct {
	District string `json:"district"` // 6-digit division code
	Street   string `json:"street"`   // "" for the whole district
}

// Specialist is a service specialist (服务专员): a user with role
// specialist, joined to a station, with a grid and a target load.
type Specialist struct {
	UserID      int64      `json:"user_id"`
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	Disabled    bool       `json:"disabled"`
	StationID   int64      `json:"station_id"`
	StationName string     `json:"station_name"`
	Grid        []GridCell `json:"grid"`
	TargetLoad  int        `json:"target_load"` // 0: no target of their own
	Load        int        `json:"load"`        // enterprises assigned now
}

// OverTarget reports whether the specialist looks after more enterprises
// than their target.
func (sp Specialist) OverTarget() bool { return sp.TargetLoad > 0 && sp.Load > sp.TargetLoad }

// SpecialistInput is what making a user a specialist (or changing one)
// takes.
type SpecialistInput struct {
	StationID  int64      `json:"station_id"`
	Grid       []GridCell `json:"grid"`
	TargetLoad int        `json:"target_load"`
}

// MaxTargetLoad bounds a target load.
const MaxTargetLoad = 1_000_000

// normalizeGrid checks and normalises cells: districts as codes (names
// accepted), streets trimmed, duplicates and street cells inside a whole
// district dropped, sorted. Errors: Invalid on field "grid".
func normalizeGrid(city *enterprise.City, cells []GridCell) ([]GridCell, error) {
	whole := map[string]bool{}
	var out []GridCell
	for _, c := range cells {
		code, err := city.ParseDistrict(c.District)
		if err != nil {
			return nil, errs.FieldErrorf("grid", "网格：%s", errs.MessageOf(err))
		}
		st := strings.TrimSpace(c.Street)
		if n := utf8.RuneCountInString(st); n > 100 {
			return nil, errs.FieldErrorf("grid", "网格：街道“%s”过长", st)
		}
		if st == "" {
			whole[code] = true
		}
		out = append(out, GridCell{District: code, Street: st})
	}
	out = slices.DeleteFunc(out, func(c GridCell) bool { return c.Street != "" && whole[c.District] })
	slices.SortFunc(out, func(a, b GridCell) int {
		if c := strings.Compare(a.District, b.District); c != 0 {
			return c
		}
		return strings.Compare(a.Street, b.Street)
	})
	out = slices.Compact(out)
	if len(out) > 500 {
		return nil, errs.FieldErrorf("grid", "网格过大（最多500格）")
	}
	if out == nil {
		out = []GridCell{}
	}
	return out, nil
}

// ParseGrid reads a grid as people type it: items one per line or
// separated by 、 , ， ; or ；, each item one of
//
//	洪山区               the whole district (a name or a 6-digit code)
//	洪山区/关山街道      one street (also "洪山区 关山街道" or "洪山区关山街道")
//	关山街道             a street whose name is found in exactly one district
//	东湖高新区           a functional zone: every street it manages
//
// Errors: Invalid on field "grid", naming the item.
func ParseGrid(city *enterprise.City, text string) ([]GridCell, error) {
	if city == nil {
		city = enterprise.Wuhan()
	}
	items := strings.FieldsFunc(text, func(r rune) bool {
		switch r {
		case '\n', '\r', '、', ',', '，', ';', '；':
			return true
		}
		return false
	})
	var cells []GridCell
	for _, item := range items {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		cs, err := parseGridItem(city, item)
		if err != nil {
			return nil, err
		}
		cells = append(cells, cs...)
	}
	return normalizeGrid(city, cells)
}

func parseGridItem(city *enterprise.City, item string) ([]GridCell, error) {
	if d, st, ok := strings.Cut(strings.NewReplacer("／", "/", "·", "/", "　", "/", " ", "/").Replace(item), "/"); ok {
		code, err := city.ParseDistrict(strings.TrimSpace(d))
		if err != nil {
			return nil, errs.FieldErrorf("grid", "网格“%s”：%s", item, errs.MessageOf(err))
		}
		st = strings.Trim(st, " /")
		if st == "" {
			return []GridCell{{District: code}}, nil
		}
		return []GridCell{{District: code, Street: st}}, nil
	}
	if code, err := city.ParseDistrict(item); err == nil {
		return []GridCell{{District: code}}, nil
	}
	if id, err := city.ParseZone(item); err == nil {
		for _, z := range city.Zones {
			if z.ID != id {
				continue
			}
			var cells []GridCell
			for _, st := range z.Streets {
				for _, dc := range z.Districts {
					if d, ok := city.District(dc); ok && slices.Contains(d.Streets, st) {
						cells = append(cells, GridCell{District: dc, Street: st})
					}
				}
			}
			return cells, nil
		}
	}
	for _, d := range city.Districts {
		if rest, ok := strings.CutPrefix(item, d.Name); ok && rest != "" {
			return []GridCell{{District: d.Code, Street: rest}}, nil
		}
	}
	var found []GridCell
	for _, d := range city.Districts {
		if slices.Contains(d.Streets, item) {
			found = append(found, GridCell{District: d.Code, Street: item})
		}
	}
	switch len(found) {
	case 1:
		return found, nil
	case 0:
		return nil, errs.FieldErrorf("grid", "网格“%s”既不是区、功能区，也不是已知街道；街道请写成“区/街道”，如“洪山区/关山街道”", item)
	}
	return nil, errs.FieldErrorf("grid", "街道“%s”在多个区都有，请写成“区/街道”", item)
}

// GridText writes cells the way ParseGrid reads them, one per line.
func GridText(city *enterprise.City, cells []GridCell) string {
	return strings.Join(gridLabels(city, cells), "\n")
}

// GridLabel describes cells for people: 洪山区（全区）、江汉区民族街道.
func GridLabel(city *enterprise.City, cells []GridCell) string {
	if len(cells) == 0 {
		return "（未设网格）"
	}
	var parts []string
	for _, c := range cells {
		name := districtName(city, c.District)
		if c.Street == "" {
			parts = append(parts, name+"（全区）")
		} else {
			parts = append(parts, name+c.Street)
		}
	}
	return strings.Join(parts, "、")
}

func gridLabels(city *enterprise.City, cells []GridCell) []string {
	var out []string
	for _, c := range cells {
		name := districtName(city, c.District)
		if c.Street != "" {
			name += "/" + c.Street
		}
		out = append(out, name)
	}
	return out
}

func districtName(city *enterprise.City, code string) string {
	if city == nil {
		city = enterprise.Wuhan()
	}
	if n := city.DistrictName(code); n != "" {
		return n
	}
	return code
}

// SaveSpecialist makes the user a specialist working from a station with
// a grid and a target load, or changes those of an existing specialist;
// the enterprises already assigned stay with them (run Assign or Reassign
// to move them). Administrators only (auth.ManageNetwork). Errors:
// Unauthenticated, Forbidden; Invalid when the user does not exist or is
// not a specialist account, for an unknown station, a bad grid or target.
func (s *Service) SaveSpecialist(ctx context.Context, a *auth.Actor, userID int64, in SpecialistInput) (*Specialist, error) {
	if err := auth.Authorize(a, auth.ManageNetwork, auth.Resource{}); err != nil {
		return nil, err
	}
	u, err := s.Auth.FindUserByID(ctx, userID)
	if errs.CodeOf(err) == errs.NotFound {
		return nil, errs.FieldErrorf("user_id", "用户（编号%d）不存在", userID)
	}
	if err != nil {
		return nil, err
	}
	if u.Role != auth.RoleSpecialist {
		return nil, errs.FieldErrorf("user_id", "用户“%s”的角色是%s，只有服务专员角色的账号才能加入服务网络", u.Username, u.Role.Label())
	}
	grid, err := normalizeGrid(s.city(), in.Grid)
	if err != nil {
		return nil, err
	}
	if in.TargetLoad < 0 || in.TargetLoad > MaxTargetLoad {
		return nil, errs.FieldErrorf("target_load", "目标服务企业数应为 0–%d（0 表示不设目标）", MaxTargetLoad)
	}
	var out *Specialist
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM service_stations WHERE id = ?`, in.StationID).Scan(&n); err != nil {
			return errs.Wrap(err, "check station")
		}
		if n == 0 {
			return errs.FieldErrorf("station_id", "服务站（编号%d）不存在", in.StationID)
		}
		before, err := findSpecialist(ctx, tx, userID)
		if err != nil && errs.CodeOf(err) != errs.NotFound {
			return err
		}
		now := store.Millis(s.now())
		if _, err := tx.ExecContext(ctx, `INSERT INTO specialists (user_id, station_id, target_load, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET station_id = excluded.station_id, target_load = excluded.target_load, updated_at = excluded.updated_at`,
			userID, in.StationID, in.TargetLoad, now, now); err != nil {
			return errs.Wrap(err, "save specialist")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM specialist_grid WHERE user_id = ?`, userID); err != nil {
			return errs.Wrap(err, "save grid")
		}
		for _, c := range grid {
			if _, err := tx.ExecContext(ctx, `INSERT INTO specialist_grid (user_id, district, street) VALUES (?, ?, ?)`, userID, c.District, c.Street); err != nil {
				return errs.Wrap(err, "save grid")
			}
		}
		if out, err = findSpecialist(ctx, tx, userID); err != nil {
			return err
		}
		action := "update"
		if before == nil {
			action = "create"
		}
		return s.Audit.Record(ctx, tx, "specialist", strconv.FormatInt(userID, 10), action, before, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RemoveSpecialist takes a specialist out of the network; the enterprises
// assigned to them become unassigned (the next Assign hands them out
// again), and it returns how many. Their visit logs stay. Administrators
// only. Errors: Unauthenticated, Forbidden, NotFound.
func (s *Service) RemoveSpecialist(ctx context.Context, a *auth.Actor, userID int64) (int64, error) {
	if err := auth.Authorize(a, auth.ManageNetwork, auth.Resource{}); err != nil {
		return 0, err
	}
	var n int64
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		before, err := findSpecialist(ctx, tx, userID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM enterprise_assignments WHERE specialist_user_id = ?`, userID)
		if err != nil {
			return errs.Wrap(err, "unassign")
		}
		n, _ = res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `DELETE FROM specialists WHERE user_id = ?`, userID); err != nil {
			return errs.Wrap(err, "remove specialist")
		}
		return s.Audit.Record(ctx, tx, "specialist", strconv.FormatInt(userID, 10), "remove", before, map[string]int64{"unassigned": n})
	})
	return n, err
}

const specialistColumns = `sp.user_id, u.username, u.display_name, u.disabled, sp.station_id, st.name, sp.target_load,
	(SELECT COUNT(*) FROM enterprise_assignments ea WHERE ea.specialist_user_id = sp.user_id)`

const specialistFrom = ` FROM specialists sp JOIN users u ON u.id = sp.user_id JOIN service_stations st ON st.id = sp.station_id`

func scanSpecialist(row interface{ Scan(...any) error }) (*Specialist, error) {
	var sp Specialist
	if err := row.Scan(&sp.UserID, &sp.Username, &sp.DisplayName, &sp.Disabled, &sp.StationID, &sp.StationName, &sp.TargetLoad, &sp.Load); err != nil {
		return nil, err
	}
	sp.Grid = []GridCell{}
	return &sp, nil
}

// loadGrids fills the grids of list.
func loadGrids(ctx context.Context, q store.Querier, list []Specialist) error {
	if len(list) == 0 {
		return nil
	}
	idx := map[int64]int{}
	args := make([]any, len(list))
	for i, sp := range list {
		idx[sp.UserID] = i
		args[i] = sp.UserID
	}
	rows, err := q.QueryContext(ctx, `SELECT user_id, district, street FROM specialist_grid WHERE user_id IN (`+
		store.Placeholders(len(list))+`) ORDER BY user_id, district, street`, args...)
	if err != nil {
		return errs.Wrap(err, "load grids")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c GridCell
		if err := rows.Scan(&id, &c.District, &c.Street); err != nil {
			return errs.Wrap(err, "load grids")
		}
		list[idx[id]].Grid = append(list[idx[id]].Grid, c)
	}
	return errs.Wrap(rows.Err(), "load grids")
}

func findSpecialist(ctx context.Context, q store.Querier, userID int64) (*Specialist, error) {
	sp, err := scanSpecialist(q.QueryRowContext(ctx, `SELECT `+specialistColumns+specialistFrom+` WHERE sp.user_id = ?`, userID))
	if err != nil {
		return nil, store.NotFound(err, "服务专员（用户编号%d）不存在", userID)
	}
	list := []Specialist{*sp}
	if err := loadGrids(ctx, q, list); err != nil {
		return nil, err
	}
	return &list[0], nil
}

// FindSpecialistByID returns one specialist with their grid and load.
// Administrators, leaders and the specialist themself may call it.
// Errors: Unauthenticated, Forbidden, NotFound.
func (s *Service) FindSpecialistByID(ctx context.Context, a *auth.Actor, userID int64) (*Specialist, error) {
	if a == nil || !(a.Role == auth.RoleSpecialist && a.UserID == userID) {
		if err := authorizeRead(a); err != nil {
			return nil, err
		}
	}
	return findSpecialist(ctx, s.DB, userID)
}

// SpecialistFilter selects specialists; zero fields do not filter.
type SpecialistFilter struct {
	StationID  int64
	Query      string // part of the username or name
	OverTarget bool   // only those over their target load
	Limit      int    // paging.Clamp: default 50, at most 500
	Offset     int
}

// FindSpecialists returns one page of specialists ordered by station and
// name, with their grids and loads, and the number of all matches.
// Administrators and leaders may call it. Errors: Unauthenticated,
// Forbidden.
func (s *Service) FindSpecialists(ctx context.Context, a *auth.Actor, f SpecialistFilter) ([]Specialist, int, error) {
	if err := authorizeRead(a); err != nil {
		return nil, 0, err
	}
	var where []string
	var args []any
	if f.StationID != 0 {
		where, args = append(where, "sp.station_id = ?"), append(args, f.StationID)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, `(u.username LIKE ? ESCAPE '\' OR u.display_name LIKE ? ESCAPE '\')`)
		args = append(args, "%"+likeEscape(q)+"%", "%"+likeEscape(q)+"%")
	}
	if f.OverTarget {
		where = append(where, "sp.target_load > 0 AND (SELECT COUNT(*) FROM enterprise_assignments ea WHERE ea.specialist_user_id = sp.user_id) > sp.target_load")
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*)`+specialistFrom+cond, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count specialists")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	rows, err := s.DB.QueryContext(ctx, `SELECT `+specialistColumns+specialistFrom+cond+` ORDER BY st.name, u.display_name, sp.user_id LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find specialists")
	}
	out := []Specialist{}
	for rows.Next() {
		sp, err := scanSpecialist(rows)
		if err != nil {
			rows.Close()
			return nil, 0, errs.Wrap(err, "scan specialist")
		}
		out = append(out, *sp)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, errs.Wrap(err, "find specialists")
	}
	if err := loadGrids(ctx, s.DB, out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}
