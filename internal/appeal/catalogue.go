package appeal

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/store"
)

// Entry is one category of the dispatch catalogue (派单目录): which unit
// handles it (主办), which units help (协办), under which SLA class. Code is
// the category's stable identifier (the Open311 service_code).
type Entry struct {
	Version     int      `json:"version"`
	Code        string   `json:"code"`
	Category    string   `json:"category"`
	Group       string   `json:"group"`
	Description string   `json:"description"`
	UnitID      *int64   `json:"unit_id"` // nil: the office dispatches by hand
	UnitName    string   `json:"unit_name,omitempty"`
	CoUnitIDs   []int64  `json:"co_unit_ids"`
	CoUnitNames []string `json:"co_unit_names"`
	ClassID     int64    `json:"sla_class_id"`
	ClassName   string   `json:"sla_class"`
	Sort        int      `json:"sort"`
}

// Catalogue is one version of the dispatch catalogue.
type Catalogue struct {
	Version   int       `json:"version"`
	Note      string    `json:"note"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	Entries   []Entry   `json:"entries"`
}

// loadCatalogue reads the current catalogue version and every class.
func loadCatalogue(ctx context.Context, q store.Querier) (*catalogueCache, error) {
	c := &catalogueCache{byCode: map[string]*Entry{}, byCategory: map[string]*Entry{}, classes: map[int64]Class{}}
	classes, err := findClasses(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, k := range classes {
		c.classes[k.ID] = k
	}
	c.classList = classes
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM appeal_catalogue_versions`).Scan(&c.version); err != nil {
		return nil, errs.Wrap(err, "read catalogue version")
	}
	if c.entries, err = catalogueEntries(ctx, q, c.version, c.classes); err != nil {
		return nil, err
	}
	for i := range c.entries {
		e := &c.entries[i]
		c.byCode[e.Code] = e
		c.byCategory[e.Category] = e
	}
	return c, nil
}

// catalogueEntries reads the entries of a catalogue version.
func catalogueEntries(ctx context.Context, q store.Querier, version int, classes map[int64]Class) ([]Entry, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.code, c.category, c.grp, c.description, c.unit_id, u.name, c.co_unit_ids, c.sla_class_id, c.sort
		FROM appeal_catalogue c LEFT JOIN units u ON u.id = c.unit_id WHERE c.version = ? ORDER BY c.sort, c.code`, version)
	if err != nil {
		return nil, errs.Wrap(err, "read catalogue")
	}
	var out []Entry
	var coIDs []int64
	for rows.Next() {
		e := Entry{Version: version}
		var unitName sql.NullString
		var co string
		if err := rows.Scan(&e.Code, &e.Category, &e.Group, &e.Description, &e.UnitID, &unitName, &co, &e.ClassID, &e.Sort); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "read catalogue")
		}
		e.UnitName = unitName.String
		e.CoUnitIDs = parseIDs(co)
		coIDs = append(coIDs, e.CoUnitIDs...)
		e.ClassName = classes[e.ClassID].Name
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "read catalogue")
	}
	names, err := unitNames(ctx, q, coIDs)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].CoUnitNames = []string{}
		for _, id := range out[i].CoUnitIDs {
			out[i].CoUnitNames = append(out[i].CoUnitNames, names[id])
		}
	}
	return out, nil
}

// unitNames returns the names of the units ids.
func unitNames(ctx context.Context, q store.Querier, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, `SELECT id, name FROM units WHERE id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`)`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "read unit names")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, errs.Wrap(err, "read unit names")
		}
		out[id] = name
	}
	return out, errs.Wrap(rows.Err(), "read unit names")
}

func parseIDs(s string) []int64 {
	out := []int64{}
	for _, f := range strings.Split(s, ",") {
		if id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64); err == nil && id > 0 {
			out = append(out, id)
		}
	}
	return out
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// entry returns the entry named by s: its code or its category. Errors:
// Invalid on field category.
func (c *catalogueCache) entry(s string) (*Entry, error) {
	s = strings.TrimSpace(s)
	if e, ok := c.byCode[s]; ok {
		return e, nil
	}
	if e, ok := c.byCategory[s]; ok {
		return e, nil
	}
	if s == "" {
		return nil, errs.FieldErrorf("category", "请选择诉求类别")
	}
	names := make([]string, 0, len(c.entries))
	for _, e := range c.entries {
		names = append(names, e.Category)
	}
	return nil, errs.FieldErrorf("category", "诉求类别“%s”不在派单目录中（可选：%s）", s, strings.Join(names, "、"))
}

// classByName returns the class called name.
func (c *catalogueCache) classByName(name string) (Class, bool) {
	for _, k := range c.classList {
		if k.Name == name {
			return k, true
		}
	}
	return Class{}, false
}

// classFor returns the class of an appeal of entry e and urgency: the
// class 紧急 for an urgent appeal, else the entry's.
func classFor(c *catalogueCache, e *Entry, urgency string) int64 {
	if urgency == UrgencyUrgent {
		if k, ok := c.classByName(UrgencyUrgent); ok {
			return k.ID
		}
	}
	return e.ClassID
}

// FindCatalogue returns the current dispatch catalogue, or version when it
// is not 0. Anyone signed in may read it (the filing form lists its
// categories). Errors: Unauthenticated, NotFound, Internal.
func (s *Service) FindCatalogue(ctx context.Context, a *auth.Actor, version int) (*Catalogue, error) {
	if a == nil {
		return nil, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	cat, err := s.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	if version == 0 {
		version = cat.version
	}
	out := &Catalogue{Version: version}
	var created int64
	err = s.db.QueryRowContext(ctx, `SELECT note, created_by, created_at FROM appeal_catalogue_versions WHERE version = ?`, version).
		Scan(&out.Note, &out.CreatedBy, &created)
	if err != nil {
		return nil, store.NotFound(err, "派单目录第%d版不存在", version)
	}
	out.CreatedAt = local(store.FromMillis(created))
	if version == cat.version {
		out.Entries = slices.Clone(cat.entries)
	} else if out.Entries, err = catalogueEntries(ctx, s.db, version, cat.classes); err != nil {
		return nil, err
	}
	if out.Entries == nil {
		out.Entries = []Entry{}
	}
	return out, nil
}

// CatalogueVersions returns the versions of the catalogue, newest first,
// without their entries. The office only. Errors: Unauthenticated,
// Forbidden, Internal.
func (s *Service) CatalogueVersions(ctx context.Context, a *auth.Actor) ([]Catalogue, error) {
	if err := auth.AuthorizeSome(a, auth.ManageAppeals); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT version, note, created_by, created_at FROM appeal_catalogue_versions ORDER BY version DESC LIMIT 100`)
	if err != nil {
		return nil, errs.Wrap(err, "read catalogue versions")
	}
	defer rows.Close()
	var out []Catalogue
	for rows.Next() {
		var c Catalogue
		var created int64
		if err := rows.Scan(&c.Version, &c.Note, &c.CreatedBy, &created); err != nil {
			return nil, errs.Wrap(err, "read catalogue versions")
		}
		if created > 0 { // the first version came with the schema
			c.CreatedAt = local(store.FromMillis(created))
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "read catalogue versions")
}

// EntryInput is a category of the catalogue as edited: units by id or
// name, the class by id or name.
type EntryInput struct {
	Code        string   `json:"code"`
	Category    string   `json:"category"`
	Group       string   `json:"group"`
	Description string   `json:"description"`
	UnitID      int64    `json:"unit_id"`
	Unit        string   `json:"unit"`
	CoUnitIDs   []int64  `json:"co_unit_ids"`
	CoUnits     []string `json:"co_units"`
	ClassID     int64    `json:"sla_class_id"`
	Class       string   `json:"sla_class"`
	Sort        int      `json:"sort"`
	Note        string   `json:"note"` // why, recorded with the new version
}

var codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,31}$`)

// SaveEntry adds the category in.Code or changes it, as a new catalogue
// version holding every entry; appeals already dispatched keep their
// version. The office only. Errors: Unauthenticated, Forbidden, Invalid
// (code, category taken by another code, unit, class, text), Internal.
func (s *Service) SaveEntry(ctx context.Context, a *auth.Actor, in EntryInput) (*Catalogue, error) {
	if err := auth.AuthorizeSome(a, auth.ManageAppeals); err != nil {
		return nil, err
	}
	in.Code = strings.ToLower(strings.TrimSpace(in.Code))
	if !codePattern.MatchString(in.Code) {
		return nil, errs.FieldErrorf("code", "类别代码应为1–32位小写字母、数字或 _ . -（Open311 service_code）")
	}
	var err error
	if in.Category, err = cleanText("category", "诉求类别", in.Category, 32, true); err != nil {
		return nil, err
	}
	if in.Group, err = cleanText("group", "分组", in.Group, 32, false); err != nil {
		return nil, err
	}
	if in.Description, err = cleanText("description", "说明", in.Description, 200, false); err != nil {
		return nil, err
	}
	if in.Note, err = cleanText("note", "修改说明", in.Note, 200, false); err != nil {
		return nil, err
	}
	e := Entry{Code: in.Code, Category: in.Category, Group: in.Group, Description: in.Description, Sort: in.Sort}
	if in.UnitID != 0 || strings.TrimSpace(in.Unit) != "" {
		u, err := s.unitOf(ctx, in.UnitID, in.Unit, "unit")
		if err != nil {
			return nil, err
		}
		e.UnitID = &u
	}
	main := int64(0)
	if e.UnitID != nil {
		main = *e.UnitID
	}
	if e.CoUnitIDs, err = s.coUnits(ctx, in.CoUnitIDs, in.CoUnits, main); err != nil {
		return nil, err
	}
	cat, err := s.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	switch k, ok := cat.classes[in.ClassID]; {
	case ok:
		e.ClassID = k.ID
	case strings.TrimSpace(in.Class) != "":
		k, ok := cat.classByName(strings.TrimSpace(in.Class))
		if !ok {
			return nil, errs.FieldErrorf("sla_class", "时限类别“%s”不存在", in.Class)
		}
		e.ClassID = k.ID
	default:
		k, ok := cat.classByName(UrgencyNormal)
		if !ok {
			return nil, errs.FieldErrorf("sla_class", "请选择时限类别")
		}
		e.ClassID = k.ID
	}
	entries := slices.Clone(cat.entries)
	replaced := false
	for i := range entries {
		if entries[i].Code == e.Code {
			entries[i], replaced = e, true
		} else if entries[i].Category == e.Category {
			return nil, errs.FieldErrorf("category", "诉求类别“%s”已由代码 %s 使用", e.Category, entries[i].Code)
		}
	}
	if !replaced {
		entries = append(entries, e)
	}
	note := in.Note
	if note == "" {
		note = map[bool]string{true: "修改类别“", false: "新增类别“"}[replaced] + e.Category + "”"
	}
	return s.writeCatalogue(ctx, a, entries, note, cat.version)
}

// RemoveEntry removes the category code from the catalogue, as a new
// version. The office only. Errors: Unauthenticated, Forbidden, NotFound,
// Internal.
func (s *Service) RemoveEntry(ctx context.Context, a *auth.Actor, code string) (*Catalogue, error) {
	if err := auth.AuthorizeSome(a, auth.ManageAppeals); err != nil {
		return nil, err
	}
	cat, err := s.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	e, ok := cat.byCode[strings.TrimSpace(code)]
	if !ok {
		return nil, errs.Errorf(errs.NotFound, "派单目录中没有类别代码 %s", code)
	}
	entries := slices.DeleteFunc(slices.Clone(cat.entries), func(x Entry) bool { return x.Code == e.Code })
	return s.writeCatalogue(ctx, a, entries, "删除类别“"+e.Category+"”", cat.version)
}

// writeCatalogue stores entries as the version after base. Errors:
// Conflict when another edit wrote that version meanwhile.
func (s *Service) writeCatalogue(ctx context.Context, a *auth.Actor, entries []Entry, note string, base int) (*Catalogue, error) {
	version := base + 1
	err := s.inTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO appeal_catalogue_versions (version, note, created_by, created_at) VALUES (?, ?, ?, ?)`,
			version, note, a.Name, store.Millis(s.now()))
		if store.IsUniqueViolation(err) {
			return errs.Errorf(errs.Conflict, "派单目录刚被其他人修改，请刷新后重试")
		}
		if err != nil {
			return errs.Wrap(err, "write catalogue version")
		}
		for _, e := range entries {
			if _, err := tx.ExecContext(ctx, `INSERT INTO appeal_catalogue (version, code, category, grp, description, unit_id, co_unit_ids, sla_class_id, sort)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, version, e.Code, e.Category, e.Group, e.Description, e.UnitID, joinIDs(e.CoUnitIDs),
				e.ClassID, e.Sort); err != nil {
				return errs.Wrap(err, "write catalogue")
			}
		}
		return s.audit.Record(ctx, tx, "appeal_catalogue", strconv.Itoa(version), "update", map[string]int{"version": base},
			map[string]any{"version": version, "note": note, "entries": len(entries)})
	})
	if err != nil {
		return nil, err
	}
	s.changedCatalogue(ctx)
	return s.FindCatalogue(ctx, a, version)
}

// findClasses reads every SLA class.
func findClasses(ctx context.Context, q store.Querier) ([]Class, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, sign_minutes, handle_days, warn_days, eval_days, updated_at FROM appeal_sla_classes ORDER BY id`)
	if err != nil {
		return nil, errs.Wrap(err, "read classes")
	}
	defer rows.Close()
	var out []Class
	for rows.Next() {
		var k Class
		var updated int64
		if err := rows.Scan(&k.ID, &k.Name, &k.SignMinutes, &k.HandleDays, &k.WarnDays, &k.EvalDays, &updated); err != nil {
			return nil, errs.Wrap(err, "read classes")
		}
		k.UpdatedAt = local(store.FromMillis(updated))
		out = append(out, k)
	}
	return out, errs.Wrap(rows.Err(), "read classes")
}

// FindClasses returns the SLA classes. Anyone signed in may read them.
// Errors: Unauthenticated, Internal.
func (s *Service) FindClasses(ctx context.Context, a *auth.Actor) ([]Class, error) {
	if a == nil {
		return nil, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	cat, err := s.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(cat.classList), nil
}

// ClassInput is an SLA class as edited: the sign-for limit in working
// hours (decimals allowed: 0.5 is half an hour), the handling limit, the
// 临期 warning and the evaluation window in working days.
type ClassInput struct {
	Name       string  `json:"name"`
	SignHours  float64 `json:"sign_hours"`
	HandleDays int     `json:"handle_days"`
	WarnDays   int     `json:"warn_days"`
	EvalDays   int     `json:"eval_days"`
}

// SaveClass creates the class (id 0) or changes class id. The open
// appeals of a changed class are replayed with it by a background job, so
// their deadlines follow (closed ones keep theirs). The office only.
// Errors: Unauthenticated, Forbidden, NotFound, Invalid (limits: sign-for
// 0.25–72 hours, handling 1–365 days, warning 0–30 and below the handling
// limit, evaluation 1–60 days; name), Conflict (name taken), Internal.
func (s *Service) SaveClass(ctx context.Context, a *auth.Actor, id int64, in ClassInput) (*Class, error) {
	if err := auth.AuthorizeSome(a, auth.ManageAppeals); err != nil {
		return nil, err
	}
	name, err := cleanText("name", "时限类别名称", in.Name, 16, true)
	if err != nil {
		return nil, err
	}
	switch {
	case in.SignHours < 0.25 || in.SignHours > 72:
		return nil, errs.FieldErrorf("sign_hours", "签收时限应为0.25–72个工作小时")
	case in.HandleDays < 1 || in.HandleDays > 365:
		return nil, errs.FieldErrorf("handle_days", "办理时限应为1–365个工作日")
	case in.WarnDays < 0 || in.WarnDays > 30 || (in.WarnDays >= in.HandleDays && in.WarnDays > 0):
		return nil, errs.FieldErrorf("warn_days", "临期提醒应为0–30个工作日，且少于办理时限")
	case in.EvalDays < 1 || in.EvalDays > 60:
		return nil, errs.FieldErrorf("eval_days", "评价期限应为1–60个工作日")
	}
	k := Class{ID: id, Name: name, SignMinutes: int(in.SignHours*60 + 0.5), HandleDays: in.HandleDays, WarnDays: in.WarnDays,
		EvalDays: in.EvalDays, UpdatedAt: local(s.now().Truncate(time.Millisecond))}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		now := store.Millis(s.now())
		var before *Class
		if id == 0 {
			err := tx.QueryRowContext(ctx, `INSERT INTO appeal_sla_classes (name, sign_minutes, handle_days, warn_days, eval_days, updated_at)
				VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, k.Name, k.SignMinutes, k.HandleDays, k.WarnDays, k.EvalDays, now).Scan(&k.ID)
			if store.IsUniqueViolation(err) {
				return errs.Errorf(errs.Conflict, "时限类别“%s”已存在", k.Name)
			}
			if err != nil {
				return errs.Wrap(err, "create class")
			}
		} else {
			classes, err := findClasses(ctx, tx)
			if err != nil {
				return err
			}
			i := slices.IndexFunc(classes, func(c Class) bool { return c.ID == id })
			if i < 0 {
				return errs.Errorf(errs.NotFound, "时限类别 %d 不存在", id)
			}
			before = &classes[i]
			_, err = tx.ExecContext(ctx, `UPDATE appeal_sla_classes SET name = ?, sign_minutes = ?, handle_days = ?, warn_days = ?, eval_days = ?,
				updated_at = ? WHERE id = ?`, k.Name, k.SignMinutes, k.HandleDays, k.WarnDays, k.EvalDays, now, id)
			if store.IsUniqueViolation(err) {
				return errs.Errorf(errs.Conflict, "时限类别“%s”已存在", k.Name)
			}
			if err != nil {
				return errs.Wrap(err, "update class")
			}
			if s.jobs != nil {
				if _, err := s.jobs.Enqueue(ctx, tx, JobReplay, ReplayPayload{ClassID: id, Reason: fmt.Sprintf("时限类别“%s”已修改", k.Name)},
					jobs.UniqueKey(fmt.Sprintf("%s:class:%d:%d", JobReplay, id, now))); err != nil {
					return err
				}
			}
		}
		var b any
		if before != nil {
			b = before
		}
		return s.audit.Record(ctx, tx, "appeal_sla_class", strconv.FormatInt(k.ID, 10), map[bool]string{true: "create", false: "update"}[id == 0], b, k)
	})
	if err != nil {
		return nil, err
	}
	s.changedCatalogue(ctx)
	return &k, nil
}
