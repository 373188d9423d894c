package plan

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// SettingsInput changes a plan's settings; nil fields keep theirs.
type SettingsInput struct {
	Cadence        Cadence  `json:"cadence"`
	DueWorkday     *int     `json:"due_workday"`
	RemindWorkdays *int     `json:"remind_workdays"`
	WarnWorkdays   *int     `json:"warn_workdays"`
	FarBehindPct   *int     `json:"far_behind_pct"`
	Weights        *Weights `json:"weights"`
}

// apply checks in and writes it into st. Errors: Invalid on the field.
func (in SettingsInput) apply(st *Settings) error {
	if in.Cadence != "" {
		if !slices.Contains(Cadences, in.Cadence) {
			return errs.FieldErrorf("cadence", "报送周期“%s”无效（应为 每月 或 每季度）", in.Cadence)
		}
		st.Cadence = in.Cadence
	}
	if in.DueWorkday != nil {
		if n := *in.DueWorkday; n == 0 || n < -10 || n > 20 {
			return errs.FieldErrorf("due_workday", "报送日应为下月第 1–20 个工作日（正数），或当月倒数第 1–10 个工作日（负数）")
		}
		st.DueWorkday = *in.DueWorkday
	}
	if in.RemindWorkdays != nil {
		if n := *in.RemindWorkdays; n < 0 || n > 10 {
			return errs.FieldErrorf("remind_workdays", "提前提醒的工作日数应为 0–10")
		}
		st.RemindWorkdays = *in.RemindWorkdays
	}
	if in.WarnWorkdays != nil {
		if n := *in.WarnWorkdays; n < 0 || n > 60 {
			return errs.FieldErrorf("warn_workdays", "预警的工作日数应为 0–60")
		}
		st.WarnWorkdays = *in.WarnWorkdays
	}
	if in.FarBehindPct != nil {
		if n := *in.FarBehindPct; n < 0 || n > 100 {
			return errs.FieldErrorf("far_behind_pct", "严重落后的进度比例应为 0–100（%%）")
		}
		st.FarBehindPct = *in.FarBehindPct
	}
	if in.Weights != nil {
		if err := in.Weights.validate(); err != nil {
			return err
		}
		st.Weights = *in.Weights
	}
	return nil
}

// PlanInput is a plan's description and settings as edited.
type PlanInput struct {
	Title       string        `json:"title"`
	DocNumber   string        `json:"doc_number"`
	Issuer      string        `json:"issuer"`
	IssuedOn    *workday.Date `json:"issued_on"`
	PeriodFrom  *workday.Date `json:"period_from"`
	PeriodTo    *workday.Date `json:"period_to"`
	OwnerUnitID *int64        `json:"owner_unit_id"`
	Settings    SettingsInput `json:"settings"`
	// Stages replace the plan's stages when not nil: a stage with an id
	// is updated, one without is added, one left out is deleted (its
	// tasks then fall back to the plan's end).
	Stages []StageInput `json:"stages"`
}

// StageInput is a stage as edited.
type StageInput struct {
	ID   int64         `json:"id"`
	Name string        `json:"name"`
	From *workday.Date `json:"from"`
	To   *workday.Date `json:"to"`
	Text string        `json:"text"`
}

// UpdatePlan changes plan id's description, settings and stages. Only the
// office may call it, on a plan not ended. Errors: Unauthenticated,
// Forbidden, NotFound, Invalid (field and Chinese message), Conflict (an
// ended plan); Internal.
func (s *Service) UpdatePlan(ctx context.Context, a *auth.Actor, id int64, in PlanInput) (*Plan, error) {
	if err := auth.AuthorizeSome(a, auth.ManagePlans); err != nil {
		return nil, err
	}
	in.Title, in.DocNumber, in.Issuer = strings.TrimSpace(in.Title), strings.TrimSpace(in.DocNumber), strings.TrimSpace(in.Issuer)
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		return nil, errs.FieldErrorf("title", "方案名称不能为空")
	case n > maxTitle:
		return nil, errs.FieldErrorf("title", "方案名称不能超过 %d 个字", maxTitle)
	}
	if utf8.RuneCountInString(in.DocNumber) > maxShort || utf8.RuneCountInString(in.Issuer) > maxShort {
		return nil, errs.FieldErrorf("doc_number", "文号和发文机关不能超过 %d 个字", maxShort)
	}
	if in.PeriodFrom != nil && in.PeriodTo != nil && *in.PeriodTo < *in.PeriodFrom {
		return nil, errs.FieldErrorf("period_to", "截止日期（%s）不能早于起始日期（%s）", in.PeriodTo.Chinese(), in.PeriodFrom.Chinese())
	}
	for i, st := range in.Stages {
		in.Stages[i].Name = strings.TrimSpace(st.Name)
		if in.Stages[i].Name == "" || utf8.RuneCountInString(st.Name) > maxShort {
			return nil, errs.FieldErrorf("stages", "第 %d 个阶段的名称不能为空，且不超过 %d 个字", i+1, maxShort)
		}
		if st.From != nil && st.To != nil && *st.To < *st.From {
			return nil, errs.FieldErrorf("stages", "阶段“%s”的截止日期早于起始日期", st.Name)
		}
	}
	if in.OwnerUnitID != nil {
		if _, err := s.units.FindUnitByID(ctx, *in.OwnerUnitID); err != nil {
			return nil, errs.FieldErrorf("owner_unit_id", "牵头处室 %d 不存在", *in.OwnerUnitID)
		}
	}
	var out *Plan
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		p, err := findPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.Status == StatusEnded {
			return errs.Errorf(errs.Conflict, "方案已结束，不能再修改")
		}
		st := p.Settings
		if err := in.Settings.apply(&st); err != nil {
			return err
		}
		weights, err := st.Weights.encode()
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE plans SET title = ?, doc_number = ?, issuer = ?, issued_on = ?, period_from = ?, period_to = ?,
			owner_unit_id = ?, cadence = ?, due_workday = ?, remind_workdays = ?, warn_workdays = ?, far_behind_pct = ?, score_weights = ?,
			updated_at = ? WHERE id = ?`,
			in.Title, in.DocNumber, in.Issuer, optDate(in.IssuedOn), optDate(in.PeriodFrom), optDate(in.PeriodTo), optInt(in.OwnerUnitID),
			st.Cadence, st.DueWorkday, st.RemindWorkdays, st.WarnWorkdays, st.FarBehindPct, weights, store.Millis(s.now()), id); err != nil {
			return errs.Wrap(err, "update plan")
		}
		if in.Stages != nil {
			if err := saveStages(ctx, tx, id, p.Stages, in.Stages); err != nil {
				return err
			}
		}
		if out, err = findPlan(ctx, tx, id); err != nil {
			return err
		}
		if p.Status == StatusPublished {
			if err := s.refreshPlan(ctx, tx, out); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, "plan", strconv.FormatInt(id, 10), "update", planAudit(p), planAudit(out))
	})
	if err != nil {
		return nil, err
	}
	return s.FindPlanByID(ctx, a, id)
}

// planAudit is what the audit log records of a plan.
func planAudit(p *Plan) map[string]any {
	return map[string]any{"title": p.Title, "doc_number": p.DocNumber, "issuer": p.Issuer, "issued_on": p.IssuedOn,
		"period_from": p.PeriodFrom, "period_to": p.PeriodTo, "owner_unit_id": p.OwnerUnitID, "status": p.Status,
		"settings": p.Settings, "stages": p.Stages}
}

func saveStages(ctx context.Context, tx *store.Tx, planID int64, old []Stage, in []StageInput) error {
	keep := map[int64]bool{}
	for i, st := range in {
		if st.ID != 0 {
			if !slices.ContainsFunc(old, func(o Stage) bool { return o.ID == st.ID }) {
				return errs.FieldErrorf("stages", "阶段 %d 不属于本方案", st.ID)
			}
			keep[st.ID] = true
			if _, err := tx.ExecContext(ctx, `UPDATE plan_stages SET seq = ?, name = ?, from_date = ?, to_date = ?, text = ? WHERE id = ?`,
				i+1, st.Name, optDate(st.From), optDate(st.To), st.Text, st.ID); err != nil {
				return errs.Wrap(err, "update stage")
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO plan_stages (plan_id, seq, name, from_date, to_date, text) VALUES (?, ?, ?, ?, ?, ?)`,
			planID, i+1, st.Name, optDate(st.From), optDate(st.To), st.Text); err != nil {
			return errs.Wrap(err, "insert stage")
		}
	}
	for _, o := range old {
		if keep[o.ID] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE plan_tasks SET deadline_kind = ? WHERE deadline_stage_id = ?`, DeadlineNone, o.ID); err != nil {
			return errs.Wrap(err, "release stage")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM plan_stages WHERE id = ?`, o.ID); err != nil {
			return errs.Wrap(err, "delete stage")
		}
	}
	return nil
}

// MapInput says what an unknown unit name of a plan stands for: one or
// more units (各区人民政府 → every district government), a new unit created
// with the name (CreateKind), or nothing (Ignore: the name stays on its
// tasks as written). Alias adds the name as an alias of the one unit it
// maps to, so that later plans resolve it.
type MapInput struct {
	Name       string  `json:"name"`
	UnitIDs    []int64 `json:"unit_ids"`
	CreateKind string  `json:"create_kind"`
	Ignore     bool    `json:"ignore"`
	Alias      bool    `json:"alias"`
}

// MapUnits resolves every task unit of plan id written as in.Name and
// returns how many task units it resolved. Only the office may call it
// (creating a unit or an alias also needs auth.ManageUnits), on a plan not
// ended; in a published plan the units it adds are told of their tasks.
// Errors: Unauthenticated, Forbidden, NotFound (the plan, the name, a
// unit), Invalid, Conflict (an ended plan, a taken alias); Internal.
func (s *Service) MapUnits(ctx context.Context, a *auth.Actor, id int64, in MapInput) (int, error) {
	if err := auth.AuthorizeSome(a, auth.ManagePlans); err != nil {
		return 0, err
	}
	in.Name = strings.TrimSpace(in.Name)
	choices := 0
	for _, c := range []bool{len(in.UnitIDs) > 0, in.CreateKind != "", in.Ignore} {
		if c {
			choices++
		}
	}
	if choices != 1 {
		return 0, errs.FieldErrorf("unit_ids", "请选择对应的单位、新建单位或忽略此名称（三选一）")
	}
	if (in.CreateKind != "" || in.Alias) && !a.CanSome(auth.ManageUnits) {
		return 0, errs.Errorf(errs.Forbidden, "新建单位或添加别名需要管理组织单位的权限")
	}
	if in.Alias && len(in.UnitIDs) != 1 {
		return 0, errs.FieldErrorf("alias", "只有对应到一个单位时，才能把名称添加为该单位的别名")
	}
	p, err := s.FindPlanByID(ctx, a, id)
	if err != nil {
		return 0, err
	}
	if p.Status == StatusEnded {
		return 0, errs.Errorf(errs.Conflict, "方案已结束，不能再修改")
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM plan_task_units WHERE plan_id = ? AND name = ? AND unit_id IS NULL AND NOT ignored`,
		id, in.Name).Scan(&n); err != nil {
		return 0, errs.Wrap(err, "find name")
	}
	if n == 0 {
		return 0, errs.Errorf(errs.NotFound, "方案中没有待匹配的单位名称“%s”", in.Name)
	}
	// Changes to the organisation first: they stand on their own.
	if in.CreateKind != "" {
		u, err := s.units.CreateUnit(ctx, a, org.UnitInput{Name: in.Name, Kind: in.CreateKind})
		if err != nil {
			return 0, err
		}
		in.UnitIDs = []int64{u.ID}
	}
	for _, uid := range in.UnitIDs {
		if _, err := s.units.FindUnitByID(ctx, uid); err != nil {
			return 0, err
		}
	}
	if in.Alias {
		u, err := s.units.FindUnitByID(ctx, in.UnitIDs[0])
		if err != nil {
			return 0, err
		}
		if !slices.Contains(u.Aliases, org.Normalize(in.Name)) {
			if _, err := s.units.UpdateUnit(ctx, a, u.ID, org.UnitInput{ParentID: u.ParentID, Name: u.Name, Kind: u.Kind, Division: u.Division,
				Sort: u.Sort, Aliases: append(slices.Clone(u.Aliases), in.Name)}); err != nil {
				return 0, err
			}
		}
	}
	resolved := 0
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		type row struct {
			id, task int64
			role     Role
			seq      int
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, task_id, role, seq FROM plan_task_units WHERE plan_id = ? AND name = ? AND unit_id IS NULL AND NOT ignored`,
			id, in.Name)
		if err != nil {
			return errs.Wrap(err, "find name")
		}
		var list []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.task, &r.role, &r.seq); err != nil {
				rows.Close()
				return errs.Wrap(err, "find name")
			}
			list = append(list, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrap(err, "find name")
		}
		for _, r := range list {
			if in.Ignore {
				if _, err := tx.ExecContext(ctx, `UPDATE plan_task_units SET ignored = TRUE WHERE id = ?`, r.id); err != nil {
					return errs.Wrap(err, "ignore name")
				}
				resolved++
				continue
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM plan_task_units WHERE id = ?`, r.id); err != nil {
				return errs.Wrap(err, "map name")
			}
			for _, uid := range in.UnitIDs {
				if _, err := tx.ExecContext(ctx, `INSERT INTO plan_task_units (task_id, plan_id, role, name, unit_id, seq) VALUES (?, ?, ?, ?, ?, ?)
					ON CONFLICT (task_id, unit_id, name) DO NOTHING`, r.task, id, r.role, in.Name, uid, r.seq); err != nil {
					return errs.Wrap(err, "map name")
				}
			}
			resolved++
		}
		if !in.Ignore {
			if _, err := tx.ExecContext(ctx, `UPDATE plan_indicators SET owner_unit_id = ?, owner_name = '' WHERE plan_id = ? AND owner_unit_id IS NULL AND owner_name = ?`,
				in.UnitIDs[0], id, in.Name); err != nil {
				return errs.Wrap(err, "map indicator owners")
			}
		}
		if p.Status == StatusPublished {
			np, err := findPlan(ctx, tx, id)
			if err != nil {
				return err
			}
			if err := s.ensureSlots(ctx, tx, np, s.today()); err != nil {
				return err
			}
			if err := s.refreshPlan(ctx, tx, np); err != nil {
				return err
			}
			if err := s.tellUnits(ctx, tx, np, in.UnitIDs); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, "plan", strconv.FormatInt(id, 10), "map_units", map[string]any{"name": in.Name},
			map[string]any{"name": in.Name, "unit_ids": in.UnitIDs, "ignored": in.Ignore, "created": in.CreateKind != "", "alias": in.Alias,
				"task_units": resolved})
	})
	return resolved, err
}

// TaskInput is a task as the office adds or edits it. Units are names, as
// a plan writes them, resolved like an import's (an unknown name is
// flagged for mapping).
type TaskInput struct {
	ParentID     *int64        `json:"parent_id"`
	Marker       string        `json:"marker"`
	Title        string        `json:"title"`
	Text         string        `json:"text"`
	DeadlineKind DeadlineKind  `json:"deadline_kind"`
	DeadlineDate *workday.Date `json:"deadline_date"`
	DeadlineText string        `json:"deadline_text"`
	StageID      *int64        `json:"stage_id"`
	LeadUnits    []string      `json:"lead_units"`
	Units        []string      `json:"units"`
	CoopUnits    []string      `json:"coop_units"`
}

func (in *TaskInput) normalize(p *Plan) error {
	in.Title, in.Text = strings.TrimSpace(in.Title), strings.TrimSpace(in.Text)
	in.DeadlineText, in.Marker = strings.TrimSpace(in.DeadlineText), strings.TrimSpace(in.Marker)
	switch {
	case in.Title == "" && in.Text == "":
		return errs.FieldErrorf("title", "任务标题和内容不能都为空")
	case utf8.RuneCountInString(in.Title) > maxTitle:
		return errs.FieldErrorf("title", "任务标题不能超过 %d 个字", maxTitle)
	case utf8.RuneCountInString(in.Text) > maxText:
		return errs.FieldErrorf("text", "任务内容不能超过 %d 个字", maxText)
	case utf8.RuneCountInString(in.DeadlineText) > maxShort || utf8.RuneCountInString(in.Marker) > 12:
		return errs.FieldErrorf("deadline_text", "完成时限或序号过长")
	}
	if in.DeadlineKind == "" {
		in.DeadlineKind = DeadlineNone
	}
	switch in.DeadlineKind {
	case DeadlineDate:
		if in.DeadlineDate == nil {
			return errs.FieldErrorf("deadline_date", "请填写完成日期")
		}
	case DeadlineYear:
		if p.PeriodTo == nil && in.DeadlineDate == nil {
			return errs.FieldErrorf("deadline_kind", "方案没有截止日期，“全年”无法确定日期，请填写完成日期")
		}
		if in.DeadlineDate == nil {
			d := workday.NewDate(p.PeriodTo.Year(), 12, 31)
			in.DeadlineDate = &d
		}
	case DeadlineStage:
		if in.StageID == nil || !slices.ContainsFunc(p.Stages, func(st Stage) bool { return st.ID == *in.StageID }) {
			return errs.FieldErrorf("stage_id", "请选择本方案的一个阶段")
		}
		for _, st := range p.Stages {
			if st.ID == *in.StageID && in.DeadlineText == "" {
				in.DeadlineText = st.Name
			}
		}
	case DeadlineContinuous, DeadlineNone:
		in.DeadlineDate = nil
	default:
		return errs.FieldErrorf("deadline_kind", "完成时限类型“%s”无效", in.DeadlineKind)
	}
	if in.DeadlineKind != DeadlineStage {
		in.StageID = nil
	}
	for _, names := range [][]string{in.LeadUnits, in.Units, in.CoopUnits} {
		for _, n := range names {
			if utf8.RuneCountInString(strings.TrimSpace(n)) > maxUnitName {
				return errs.FieldErrorf("units", "单位名称“%s”过长", firstRunes(n, 20))
			}
		}
	}
	return nil
}

// AddTask adds a task to plan id, under in.ParentID (nil: at the top),
// numbered after its last sibling unless in.Marker says otherwise. Only the
// office may call it, on a plan not ended. Errors: Unauthenticated,
// Forbidden, NotFound, Invalid, Conflict; Internal.
func (s *Service) AddTask(ctx context.Context, a *auth.Actor, planID int64, in TaskInput) (*Task, error) {
	if err := auth.AuthorizeSome(a, auth.ManagePlans); err != nil {
		return nil, err
	}
	p, err := s.FindPlanByID(ctx, a, planID)
	if err != nil {
		return nil, err
	}
	if p.Status == StatusEnded {
		return nil, errs.Errorf(errs.Conflict, "方案已结束，不能再修改")
	}
	if err := in.normalize(p); err != nil {
		return nil, err
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = s.insertTask(ctx, tx, p, in.ParentID, in.Marker, in, nil)
		if err != nil {
			return err
		}
		if err := s.setTaskUnits(ctx, tx, p, id, in); err != nil {
			return err
		}
		t, err := findTask(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.Status == StatusPublished {
			if err := s.afterUnitsChanged(ctx, tx, p.ID, t.UnitIDs()); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, "plan_task", strconv.FormatInt(id, 10), "create", nil, taskAudit(t))
	})
	if err != nil {
		return nil, err
	}
	t, _, err := s.FindTaskByID(ctx, a, id)
	return t, err
}

// insertTask inserts a task under parent (nil: top level) with the next
// number among its siblings and returns its id; owner is the unit that
// splits it off (nil for the office's tasks).
func (s *Service) insertTask(ctx context.Context, tx *store.Tx, p *Plan, parent *int64, marker string, in TaskInput, owner *int64) (int64, error) {
	var path []int
	var markers []string
	if parent != nil {
		pt, err := findTask(ctx, tx, *parent)
		if err != nil {
			return 0, err
		}
		if pt.PlanID != p.ID {
			return 0, errs.FieldErrorf("parent_id", "上级任务 %d 不属于本方案", *parent)
		}
		path = pt.Path
		if ms, ok := numberingMarkers(pt.Numbering, len(pt.Path)); ok {
			markers = ms
		} else {
			for i, n := range pt.Path {
				markers = append(markers, DefaultMarker(i+1, n))
			}
		}
	}
	var next int
	prefix := pathKey(path)
	q := `SELECT path_key FROM plan_tasks WHERE plan_id = ? AND parent_id IS NULL`
	args := []any{p.ID}
	if parent != nil {
		q, args = `SELECT path_key FROM plan_tasks WHERE parent_id = ?`, []any{*parent}
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, errs.Wrap(err, "number task")
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return 0, errs.Wrap(err, "number task")
		}
		kp := pathOfKey(k)
		next = max(next, kp[len(kp)-1])
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, errs.Wrap(err, "number task")
	}
	next++
	depth := len(path) + 1
	if marker == "" {
		marker = DefaultMarker(depth, next)
	} else if n, ok := segmentNumber(marker); ok {
		next = n
	} else {
		return 0, errs.FieldErrorf("marker", "序号“%s”无法识别", marker)
	}
	path = append(slices.Clone(path), next)
	markers = append(markers, marker)
	key := pathKey(path)
	var taken int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM plan_tasks WHERE plan_id = ? AND path_key = ?`, p.ID, key).Scan(&taken); err != nil {
		return 0, errs.Wrap(err, "number task")
	}
	if taken > 0 {
		return 0, errs.Errorf(errs.Conflict, "序号 %s 已被其他任务使用", JoinNumbering(markers))
	}
	now := store.Millis(s.now())
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO plan_tasks (plan_id, parent_id, numbering, marker, path_key, depth, leaf, title, text,
		deadline_kind, deadline_date, deadline_stage_id, deadline_text, status, owner_unit_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.ID, optInt(parent), JoinNumbering(markers), marker, key, depth, in.Title, in.Text, in.DeadlineKind, optDate(in.DeadlineDate),
		optInt(in.StageID), in.DeadlineText, TaskOpen, optInt(owner), now, now).Scan(&id); err != nil {
		return 0, errs.Wrap(err, "insert task")
	}
	if parent != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE plan_tasks SET leaf = FALSE WHERE id = ?`, *parent); err != nil {
			return 0, errs.Wrap(err, "update parent")
		}
	}
	_ = prefix
	return id, nil
}

// numberingMarkers splits a stored numbering back into its markers.
func numberingMarkers(numbering string, depth int) ([]string, bool) {
	_, ms, ok := ParseNumbering(numbering)
	return ms, ok && len(ms) == depth
}

// setTaskUnits replaces the units of task id with in's names, keeping the
// signatures of units that stay.
func (s *Service) setTaskUnits(ctx context.Context, tx *store.Tx, p *Plan, id int64, in TaskInput) error {
	type key struct {
		unit int64
		name string
	}
	signed := map[key][2]any{}
	rows, err := tx.QueryContext(ctx, `SELECT unit_id, name, signed_at, signed_by FROM plan_task_units WHERE task_id = ? AND unit_id IS NOT NULL`, id)
	if err != nil {
		return errs.Wrap(err, "find task units")
	}
	for rows.Next() {
		var k key
		var at, by *int64
		if err := rows.Scan(&k.unit, &k.name, &at, &by); err != nil {
			rows.Close()
			return errs.Wrap(err, "find task units")
		}
		signed[k] = [2]any{optInt(at), optInt(by)}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "find task units")
	}
	// Names already mapped in this plan map the same way again.
	mapped := map[string][]int64{}
	mrows, err := tx.QueryContext(ctx, `SELECT DISTINCT name, unit_id FROM plan_task_units WHERE plan_id = ? AND unit_id IS NOT NULL`, p.ID)
	if err != nil {
		return errs.Wrap(err, "find mapped names")
	}
	for mrows.Next() {
		var n string
		var u int64
		if err := mrows.Scan(&n, &u); err != nil {
			mrows.Close()
			return errs.Wrap(err, "find mapped names")
		}
		mapped[n] = append(mapped[n], u)
	}
	mrows.Close()
	if err := mrows.Err(); err != nil {
		return errs.Wrap(err, "find mapped names")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM plan_task_units WHERE task_id = ?`, id); err != nil {
		return errs.Wrap(err, "replace task units")
	}
	seq := 0
	seen := map[string]bool{}
	for _, g := range []struct {
		role  Role
		names []string
	}{{RoleLead, in.LeadUnits}, {RoleResp, in.Units}, {RoleAssist, in.CoopUnits}} {
		for _, name := range g.names {
			name = strings.TrimSpace(name)
			if name == "" || seen[name] {
				continue
			}
			seen[name] = true
			seq++
			var units []int64
			if u, err := s.units.Resolve(ctx, name); err == nil {
				units = []int64{u.ID}
			} else if errs.CodeOf(err) != errs.NotFound {
				return err
			} else {
				units = mapped[name]
			}
			if len(units) == 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO plan_task_units (task_id, plan_id, role, name, seq) VALUES (?, ?, ?, ?, ?)`,
					id, p.ID, g.role, name, seq); err != nil {
					return errs.Wrap(err, "insert task unit")
				}
				continue
			}
			for _, u := range units {
				sig := signed[key{u, name}]
				if _, err := tx.ExecContext(ctx, `INSERT INTO plan_task_units (task_id, plan_id, role, name, unit_id, seq, signed_at, signed_by)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, p.ID, g.role, name, u, seq, sig[0], sig[1]); err != nil {
					return errs.Wrap(err, "insert task unit")
				}
			}
		}
	}
	return nil
}

// taskAudit is what the audit log records of a task.
func taskAudit(t *Task) map[string]any {
	units := make([]string, 0, len(t.Units))
	for _, u := range t.Units {
		units = append(units, string(u.Role)+":"+u.Name)
	}
	return map[string]any{"numbering": t.Numbering, "title": t.Title, "text": t.Text, "deadline_kind": t.DeadlineKind,
		"deadline_date": t.DeadlineDate, "deadline_text": t.DeadlineText, "units": units, "status": t.Status}
}

// UpdateTask changes task id: the office any task of a plan not ended
// (units included), a unit its own sub-task (its title, text and
// deadline). Errors: Unauthenticated, Forbidden, NotFound, Invalid,
// Conflict; Internal.
func (s *Service) UpdateTask(ctx context.Context, a *auth.Actor, id int64, in TaskInput) (*Task, error) {
	t, p, err := s.FindTaskByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	can := TaskPermittedOn(a, p, t)
	if !can.Edit {
		return nil, errs.Errorf(errs.Forbidden, "只有营商办可以修改任务（单位可以修改本单位分解的子任务）")
	}
	manage := a.Can(auth.ManagePlans, p.Resource())
	if !manage {
		// A unit's own sub-task keeps its unit.
		in.LeadUnits, in.Units, in.CoopUnits = nil, nil, nil
		for _, u := range t.Units {
			switch u.Role {
			case RoleLead:
				in.LeadUnits = append(in.LeadUnits, u.Name)
			case RoleResp:
				in.Units = append(in.Units, u.Name)
			default:
				in.CoopUnits = append(in.CoopUnits, u.Name)
			}
		}
	}
	if err := in.normalize(p); err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		before := taskAudit(t)
		if _, err := tx.ExecContext(ctx, `UPDATE plan_tasks SET title = ?, text = ?, deadline_kind = ?, deadline_date = ?, deadline_stage_id = ?,
			deadline_text = ?, updated_at = ? WHERE id = ?`, in.Title, in.Text, in.DeadlineKind, optDate(in.DeadlineDate), optInt(in.StageID),
			in.DeadlineText, store.Millis(s.now()), id); err != nil {
			return errs.Wrap(err, "update task")
		}
		if manage {
			if err := s.setTaskUnits(ctx, tx, p, id, in); err != nil {
				return err
			}
		}
		after, err := findTask(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.Status == StatusPublished {
			var added []int64
			for _, u := range after.UnitIDs() {
				if !slices.Contains(t.UnitIDs(), u) {
					added = append(added, u)
				}
			}
			if err := s.afterUnitsChanged(ctx, tx, p.ID, added); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, "plan_task", strconv.FormatInt(id, 10), "update", before, taskAudit(after))
	})
	if err != nil {
		return nil, err
	}
	t, _, err = s.FindTaskByID(ctx, a, id)
	return t, err
}

// DeleteTask deletes task id with its sub-tasks: the office any task of a
// draft and the units' sub-tasks, a unit its own sub-task. Errors:
// Unauthenticated, Forbidden, NotFound; Internal.
func (s *Service) DeleteTask(ctx context.Context, a *auth.Actor, id int64) error {
	t, p, err := s.FindTaskByID(ctx, a, id)
	if err != nil {
		return err
	}
	if !TaskPermittedOn(a, p, t).Delete {
		return errs.Errorf(errs.Forbidden, "已发布方案的任务不能删除（单位分解的子任务除外）")
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM plan_tasks WHERE id = ?`, id); err != nil {
			return errs.Wrap(err, "delete task")
		}
		if t.ParentID != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE plan_tasks SET leaf = NOT EXISTS (SELECT 1 FROM plan_tasks c WHERE c.parent_id = plan_tasks.id)
				WHERE id = ?`, *t.ParentID); err != nil {
				return errs.Wrap(err, "update parent")
			}
		}
		if p.Status == StatusPublished {
			np, err := findPlan(ctx, tx, p.ID)
			if err != nil {
				return err
			}
			if err := s.refreshPlan(ctx, tx, np); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, "plan_task", strconv.FormatInt(id, 10), "delete", taskAudit(t), nil)
	})
}

// afterUnitsChanged gives units new to a published plan their report slots
// and tells them of their tasks, and refreshes the plan's lights.
func (s *Service) afterUnitsChanged(ctx context.Context, tx *store.Tx, planID int64, added []int64) error {
	p, err := findPlan(ctx, tx, planID)
	if err != nil {
		return err
	}
	if err := s.ensureSlots(ctx, tx, p, s.today()); err != nil {
		return err
	}
	if err := s.refreshPlan(ctx, tx, p); err != nil {
		return err
	}
	return s.tellUnits(ctx, tx, p, added)
}

// Publish publishes draft plan id: its units receive their tasks (each
// unit's staff are told, once), the current period's reports are expected
// from them, and every task gets its light. Only the office may call it.
// Errors: Unauthenticated, Forbidden, NotFound; Conflict when the plan is
// not a draft, has unit names still to map, or no task; Internal.
func (s *Service) Publish(ctx context.Context, a *auth.Actor, id int64) (*Plan, error) {
	if err := auth.AuthorizeSome(a, auth.ManagePlans); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		p, err := findPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		switch {
		case p.Status != StatusDraft:
			return errs.Errorf(errs.Conflict, "只有草稿可以发布（当前：%s）", p.Status)
		case p.Unknown > 0:
			return errs.Errorf(errs.Conflict, "还有 %d 个单位名称未匹配到组织机构，请先匹配、新建或忽略", p.Unknown)
		case p.Counts.Total == 0:
			return errs.Errorf(errs.Conflict, "方案没有任务，不能发布")
		}
		now := store.Millis(s.now())
		if _, err := tx.ExecContext(ctx, `UPDATE plans SET status = ?, published_at = ?, updated_at = ? WHERE id = ?`, StatusPublished, now, now, id); err != nil {
			return errs.Wrap(err, "publish plan")
		}
		p.Status = StatusPublished
		t := s.now()
		p.PublishedAt = &t
		if err := s.ensureSlots(ctx, tx, p, s.today()); err != nil {
			return err
		}
		if err := s.refreshPlan(ctx, tx, p); err != nil {
			return err
		}
		if err := s.tellUnits(ctx, tx, p, p.units); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, "plan", strconv.FormatInt(id, 10), "publish", map[string]any{"status": StatusDraft},
			map[string]any{"status": StatusPublished, "units": len(p.units), "tasks": p.Counts.Total})
	})
	if err != nil {
		return nil, err
	}
	return s.FindPlanByID(ctx, a, id)
}

// End ends published plan id: no more reports are expected, lights stay as
// they are. Only the office may call it. Errors: Unauthenticated,
// Forbidden, NotFound; Conflict when it is not published; Internal.
func (s *Service) End(ctx context.Context, a *auth.Actor, id int64) (*Plan, error) {
	if err := auth.AuthorizeSome(a, auth.ManagePlans); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		p, err := findPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.Status != StatusPublished {
			return errs.Errorf(errs.Conflict, "只有已发布的方案可以结束（当前：%s）", p.Status)
		}
		now := store.Millis(s.now())
		if _, err := tx.ExecContext(ctx, `UPDATE plans SET status = ?, ended_at = ?, updated_at = ? WHERE id = ?`, StatusEnded, now, now, id); err != nil {
			return errs.Wrap(err, "end plan")
		}
		// Reports of periods not yet due are no longer expected.
		if _, err := tx.ExecContext(ctx, `DELETE FROM plan_reports WHERE plan_id = ? AND status = ? AND due_date > ?`,
			id, ReportPending, s.today().String()); err != nil {
			return errs.Wrap(err, "end plan")
		}
		return s.audit.Record(ctx, tx, "plan", strconv.FormatInt(id, 10), "end", map[string]any{"status": StatusPublished},
			map[string]any{"status": StatusEnded})
	})
	if err != nil {
		return nil, err
	}
	return s.FindPlanByID(ctx, a, id)
}

// Notification kinds of plan supervision.
const (
	NoticeAssigned = "plan.assigned" // a unit received tasks
	NoticeIssued   = "plan.notice"   // a 督办 notice
	NoticeReplied  = "plan.reply"    // a 督办 notice was answered
	NoticeDone     = "plan.done"     // the office confirmed or returned a task
	NoticeDigest   = "plan.digest"   // the daily reminder and 催报 digest
)

// tellUnits tells the staff of each of units that they hold tasks of p,
// once per unit and plan.
func (s *Service) tellUnits(ctx context.Context, tx *store.Tx, p *Plan, units []int64) error {
	if s.notify == nil || len(units) == 0 {
		return nil
	}
	staff, err := unitStaff(ctx, tx, units)
	if err != nil {
		return err
	}
	var ns []notify.Notification
	for _, u := range units {
		if len(staff[u]) == 0 {
			continue
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(DISTINCT task_id) FROM plan_task_units WHERE plan_id = ? AND unit_id = ?`, p.ID, u).Scan(&n); err != nil {
			return errs.Wrap(err, "count unit tasks")
		}
		for _, uid := range staff[u] {
			user := uid
			ns = append(ns, notify.Notification{UserID: &user, Kind: NoticeAssigned,
				Title:     fmt.Sprintf("《%s》分配给本单位 %d 项任务，请签收", firstRunes(p.Title, 40), n),
				Body:      fmt.Sprintf("工作方案《%s》已发布，本单位承担其中 %d 项任务。请在督查督办工作台签收任务，并按%s报送进展。", p.Title, n, p.Settings.Cadence),
				Link:      fmt.Sprintf("/plans/workbench?plan=%d", p.ID),
				DedupeKey: fmt.Sprintf("%s:%d:%d:%d", NoticeAssigned, p.ID, u, uid)})
		}
	}
	if len(ns) == 0 {
		return nil
	}
	_, _, err = s.notify.NotifyMany(ctx, tx, ns)
	return err
}

// unitStaff returns the active unit-staff users of each of units.
func unitStaff(ctx context.Context, q store.Querier, units []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(units) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(units)+1)
	for _, u := range units {
		args = append(args, u)
	}
	args = append(args, auth.RoleUnitStaff)
	rows, err := q.QueryContext(ctx, `SELECT unit_id, id FROM users WHERE unit_id IN (`+marks(len(units))+`) AND role = ? AND disabled = FALSE
		ORDER BY unit_id, id`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "find unit staff")
	}
	defer rows.Close()
	for rows.Next() {
		var u, id int64
		if err := rows.Scan(&u, &id); err != nil {
			return nil, errs.Wrap(err, "find unit staff")
		}
		out[u] = append(out[u], id)
	}
	return out, errs.Wrap(rows.Err(), "find unit staff")
}
