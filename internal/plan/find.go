package plan

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/paging"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// FindPlanByID returns plan id with its stages, counts and units. The
// office reads every plan, leaders every published one, a unit's staff the
// published plans in which their unit or one below it holds a task.
// Errors: Unauthenticated, Forbidden; NotFound (also for a plan the actor
// may not read); Internal.
func (s *Service) FindPlanByID(ctx context.Context, a *auth.Actor, id int64) (*Plan, error) {
	if err := auth.AuthorizeSome(a, auth.ViewPlans); err != nil {
		return nil, err
	}
	p, err := findPlan(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if p.parentUnits, err = s.holders(ctx, p.units); err != nil {
		return nil, err
	}
	if err := authorizeView(a, p); err != nil {
		return nil, err
	}
	return p, nil
}

// PlanFilter selects plans; zero fields do not filter.
type PlanFilter struct {
	Status Status
	Query  string // part of the title or 文号
	Limit  int    // default 50, at most 500
	Offset int
}

// FindPlans returns the plans a may read (as FindPlanByID) matching f,
// newest first, and how many match. Errors: Unauthenticated, Forbidden,
// Invalid (an unknown status); Internal.
func (s *Service) FindPlans(ctx context.Context, a *auth.Actor, f PlanFilter) ([]*Plan, int, error) {
	if err := auth.AuthorizeSome(a, auth.ViewPlans); err != nil {
		return nil, 0, err
	}
	var where []string
	var args []any
	if f.Status != "" {
		if !f.Status.Valid() {
			return nil, 0, errs.FieldErrorf("status", "方案状态“%s”无效", f.Status)
		}
		where, args = append(where, "p.status = ?"), append(args, f.Status)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, `(p.title LIKE ? ESCAPE '\' OR p.doc_number LIKE ? ESCAPE '\')`)
		args = append(args, "%"+likeEscape(q)+"%", "%"+likeEscape(q)+"%")
	}
	if !a.CanSome(auth.ManagePlans) {
		where = append(where, "p.status <> ?")
		args = append(args, StatusDraft)
		scope, err := s.unitScope(ctx, a)
		if err != nil {
			return nil, 0, err
		}
		if scope != nil {
			if len(scope) == 0 {
				return []*Plan{}, 0, nil
			}
			ids := make([]any, len(scope))
			for i, u := range scope {
				ids[i] = u
			}
			where = append(where, `EXISTS (SELECT 1 FROM plan_task_units tu WHERE tu.plan_id = p.id AND tu.unit_id IN (`+marks(len(ids))+`))`)
			args = append(args, ids...)
		}
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM plans p`+cond, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count plans")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	rows, err := s.db.QueryContext(ctx, `SELECT `+planColumns+planFrom+cond+` ORDER BY p.id DESC LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find plans")
	}
	list := []*Plan{}
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			rows.Close()
			return nil, 0, errs.Wrap(err, "scan plan")
		}
		list = append(list, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, errs.Wrap(err, "find plans")
	}
	return list, total, loadPlanFacts(ctx, s.db, list)
}

// likeEscape escapes the LIKE wildcards of s.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// EffectiveDeadline returns the deadline a task is held to and where it
// comes from: its date (a date or 全年), its stage's end, the plan's end
// when it names none; nil for a continuous task.
func (p *Plan) EffectiveDeadline(t *Task) (*workday.Date, string) {
	switch t.DeadlineKind {
	case DeadlineDate:
		return t.DeadlineDate, "完成时限"
	case DeadlineYear:
		return t.DeadlineDate, "完成时限（全年）"
	case DeadlineStage:
		for _, st := range p.Stages {
			if t.StageID != nil && st.ID == *t.StageID && st.To != nil {
				return st.To, "“" + st.Name + "”截止"
			}
		}
		return p.PeriodTo, "方案截止日期"
	case DeadlineContinuous:
		return nil, ""
	}
	return p.PeriodTo, "方案截止日期"
}

// DeadlineWords says a task's deadline in Chinese: 2024年6月30日（6月底前）,
// 全年, 长期坚持, 办理落实阶段（至2024年9月30日）, or 方案截止（…）.
func (p *Plan) DeadlineWords(t *Task) string {
	d, _ := p.EffectiveDeadline(t)
	switch t.DeadlineKind {
	case DeadlineDate, DeadlineYear:
		if d == nil {
			return t.DeadlineText
		}
		if t.DeadlineText != "" && t.DeadlineText != d.Chinese() {
			return d.Chinese() + "（" + t.DeadlineText + "）"
		}
		return d.Chinese()
	case DeadlineStage:
		if d != nil {
			return t.DeadlineText + "（至" + d.Chinese() + "）"
		}
		return t.DeadlineText
	case DeadlineContinuous:
		if t.DeadlineText != "" {
			return t.DeadlineText
		}
		return "长期"
	}
	if d != nil {
		return "方案截止（" + d.Chinese() + "）"
	}
	return "未定"
}

// TaskFilter selects tasks; zero fields do not filter.
type TaskFilter struct {
	PlanID int64
	UnitID int64 // tasks held by this unit (any role)
	// Mine selects the tasks of the actor's unit and the units below it
	// (a unit's workbench); across plans it is implied for a unit's staff.
	Mine     bool
	Light    Light
	Query    string // part of the title or text
	Leaves   bool   // only tasks without sub-tasks
	Open     bool   // only tasks not done
	ParentID int64  // only the sub-tasks of this task
	// Order is OrderLight (worst light first, the default) or OrderPath
	// (the plan's order).
	Order  string
	Limit  int // default 50, at most 500
	Offset int
}

// The orders of FindTasks.
const (
	OrderLight = "light"
	OrderPath  = "path"
)

// FindTasks returns the tasks a may read matching f — within a plan, as
// FindPlanByID; across plans, a unit's staff only their units' — worst
// light first, then in the plan's order (or in the plan's order, f.Order),
// and how many match. Errors:
// Unauthenticated, Forbidden, NotFound (the plan), Invalid (an unknown
// light); Internal.
func (s *Service) FindTasks(ctx context.Context, a *auth.Actor, f TaskFilter) ([]*Task, int, error) {
	if err := auth.AuthorizeSome(a, auth.ViewPlans); err != nil {
		return nil, 0, err
	}
	var where []string
	var args []any
	if f.PlanID != 0 {
		p, err := s.FindPlanByID(ctx, a, f.PlanID)
		if err != nil {
			return nil, 0, err
		}
		where, args = append(where, "t.plan_id = ?"), append(args, p.ID)
	} else {
		where = append(where, "p.status = ?")
		args = append(args, StatusPublished)
	}
	var units []int64
	if f.UnitID != 0 {
		units = []int64{f.UnitID}
	}
	if f.Mine || f.PlanID == 0 {
		scope, err := s.unitScope(ctx, a)
		if err != nil {
			return nil, 0, err
		}
		if f.Mine && scope == nil && a.UnitID != nil {
			if scope, err = s.units.Subtree(ctx, *a.UnitID); err != nil {
				return nil, 0, err
			}
		}
		if scope != nil {
			if len(units) > 0 {
				units = intersect(units, scope)
			} else {
				units = scope
			}
			if len(units) == 0 {
				return []*Task{}, 0, nil
			}
		}
	}
	if len(units) > 0 {
		ids := make([]any, len(units))
		for i, u := range units {
			ids[i] = u
		}
		where = append(where, `EXISTS (SELECT 1 FROM plan_task_units tu WHERE tu.task_id = t.id AND tu.unit_id IN (`+marks(len(ids))+`))`)
		args = append(args, ids...)
	}
	if f.Light != "" {
		if f.Light.Rank() == 9 {
			return nil, 0, errs.FieldErrorf("light", "状态灯“%s”无效（应为 滞后、预警、正常 或 已完成）", f.Light)
		}
		where, args = append(where, "t.light_rank = ?"), append(args, f.Light.Rank())
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, `(t.title LIKE ? ESCAPE '\' OR t.text LIKE ? ESCAPE '\' OR t.numbering = ?)`)
		args = append(args, "%"+likeEscape(q)+"%", "%"+likeEscape(q)+"%", q)
	}
	if f.Leaves {
		where = append(where, "t.leaf")
	}
	if f.Open {
		where, args = append(where, "t.status <> ?"), append(args, TaskDone)
	}
	if f.ParentID != 0 {
		where, args = append(where, "t.parent_id = ?"), append(args, f.ParentID)
	}
	from := taskFrom + ` WHERE ` + strings.Join(where, " AND ")
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*)`+from, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count tasks")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	order := ` ORDER BY t.light_rank, t.path_key`
	switch {
	case f.Order == OrderPath:
		order = ` ORDER BY t.plan_id DESC, t.path_key`
	case f.Order != "" && f.Order != OrderLight:
		return nil, 0, errs.FieldErrorf("order", "排序“%s”无效（应为 light 或 path）", f.Order)
	case f.PlanID == 0:
		order = ` ORDER BY t.light_rank, t.plan_id DESC, t.path_key`
	}
	list, err := queryTasks(ctx, s.db, `SELECT `+taskColumns+from+order+` LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	if list == nil {
		list = []*Task{}
	}
	return list, total, nil
}

func intersect(a, b []int64) []int64 {
	var out []int64
	for _, x := range a {
		for _, y := range b {
			if x == y {
				out = append(out, x)
				break
			}
		}
	}
	return out
}

// FindTaskByID returns task id with its units, milestones and indicators,
// and its plan. Who may read it: as FindPlanByID for its plan. Errors:
// Unauthenticated, Forbidden, NotFound; Internal.
func (s *Service) FindTaskByID(ctx context.Context, a *auth.Actor, id int64) (*Task, *Plan, error) {
	if err := auth.AuthorizeSome(a, auth.ViewPlans); err != nil {
		return nil, nil, err
	}
	t, err := findTask(ctx, s.db, id)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.FindPlanByID(ctx, a, t.PlanID)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return nil, nil, errs.Errorf(errs.NotFound, "任务 %d 不存在", id)
		}
		return nil, nil, err
	}
	if err := s.completeTask(ctx, t, p); err != nil {
		return nil, nil, err
	}
	return t, p, nil
}

// findTask reads one task with its units (not its other parts).
func findTask(ctx context.Context, q store.Querier, id int64) (*Task, error) {
	list, err := queryTasks(ctx, q, `SELECT `+taskColumns+taskFrom+` WHERE t.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errs.Errorf(errs.NotFound, "任务 %d 不存在", id)
	}
	return list[0], nil
}

// completeTask loads t's milestones, indicators and ownership.
func (s *Service) completeTask(ctx context.Context, t *Task, p *Plan) error {
	return s.completeTasks(ctx, []*Task{t}, p)
}

// completeTasks loads the milestones, indicators and ownership of tasks of
// plan p: one query for the milestones, two for the indicators and their
// targets, and one for the units above each distinct set of the tasks'
// units, whatever the number of tasks.
func (s *Service) completeTasks(ctx context.Context, tasks []*Task, p *Plan) error {
	if len(tasks) == 0 {
		return nil
	}
	byID := make(map[int64]*Task, len(tasks))
	ids := make([]any, len(tasks))
	var all []int64
	for i, t := range tasks {
		byID[t.ID], ids[i] = t, t.ID
		t.parents, t.Milestones, t.Indicators = nil, []Milestone{}, nil
		for _, u := range t.UnitIDs() {
			if !slices.Contains(all, u) {
				all = append(all, u)
			}
		}
	}
	// The units above each task's units: none when none of the units has
	// one above it (the units above a task's units are among those above
	// all of them), else one look-up per distinct set of units.
	if len(tasks) == 1 {
		all = nil
	}
	none := false
	if len(all) > 0 {
		parents, err := s.holders(ctx, all)
		if err != nil {
			return err
		}
		none = len(parents) == 0
	}
	above := map[string][]int64{}
	for _, t := range tasks {
		if none {
			break
		}
		units := t.UnitIDs()
		key := fmt.Sprint(units)
		parents, ok := above[key]
		if !ok {
			var err error
			if parents, err = s.holders(ctx, units); err != nil {
				return err
			}
			above[key] = parents
		}
		t.parents = parents
	}
	in := marks(len(ids))
	rows, err := s.db.QueryContext(ctx, `SELECT task_id, id, seq, title, due_date, reached_on, unit_id FROM plan_milestones
		WHERE task_id IN (`+in+`) ORDER BY task_id, seq, id`, ids...)
	if err != nil {
		return errs.Wrap(err, "find milestones")
	}
	for rows.Next() {
		var tid int64
		var m Milestone
		if err := rows.Scan(&tid, &m.ID, &m.Seq, &m.Title, &m.Due, &m.ReachedOn, &m.UnitID); err != nil {
			rows.Close()
			return errs.Wrap(err, "find milestones")
		}
		byID[tid].Milestones = append(byID[tid].Milestones, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "find milestones")
	}
	inds, err := queryIndicators(ctx, s.db, `SELECT `+indicatorColumns+indicatorFrom+` WHERE i.task_id IN (`+in+`) ORDER BY i.task_id, i.seq`, ids...)
	if err != nil {
		return err
	}
	for _, ind := range inds {
		t := byID[*ind.TaskID]
		ind.EffectiveDue = ind.Due
		if ind.EffectiveDue == nil {
			ind.EffectiveDue, _ = p.EffectiveDeadline(t)
		}
		t.Indicators = append(t.Indicators, ind)
	}
	return nil
}

func findMilestones(ctx context.Context, q store.Querier, taskID int64) ([]Milestone, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, seq, title, due_date, reached_on, unit_id FROM plan_milestones WHERE task_id = ? ORDER BY seq, id`, taskID)
	if err != nil {
		return nil, errs.Wrap(err, "find milestones")
	}
	defer rows.Close()
	out := []Milestone{}
	for rows.Next() {
		var m Milestone
		if err := rows.Scan(&m.ID, &m.Seq, &m.Title, &m.Due, &m.ReachedOn, &m.UnitID); err != nil {
			return nil, errs.Wrap(err, "find milestones")
		}
		out = append(out, m)
	}
	return out, errs.Wrap(rows.Err(), "find milestones")
}

// FindGoals returns plan id's goals in order with their indicators (their
// effective due date set). Who may call it: as FindPlanByID. Errors: as
// FindPlanByID.
func (s *Service) FindGoals(ctx context.Context, a *auth.Actor, planID int64) ([]*Goal, error) {
	p, err := s.FindPlanByID(ctx, a, planID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, numbering, title, text FROM plan_goals WHERE plan_id = ? ORDER BY path_key`, planID)
	if err != nil {
		return nil, errs.Wrap(err, "find goals")
	}
	var goals []*Goal
	byID := map[int64]*Goal{}
	for rows.Next() {
		g := &Goal{Indicators: []*Indicator{}}
		if err := rows.Scan(&g.ID, &g.Numbering, &g.Title, &g.Text); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "find goals")
		}
		goals = append(goals, g)
		byID[g.ID] = g
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "find goals")
	}
	inds, err := queryIndicators(ctx, s.db, `SELECT `+indicatorColumns+indicatorFrom+` WHERE i.plan_id = ? AND i.goal_id IS NOT NULL ORDER BY i.seq`, planID)
	if err != nil {
		return nil, err
	}
	for _, ind := range inds {
		ind.EffectiveDue = ind.Due
		if ind.EffectiveDue == nil {
			ind.EffectiveDue = p.PeriodTo
		}
		if g := byID[*ind.GoalID]; g != nil {
			g.Indicators = append(g.Indicators, ind)
		}
	}
	if goals == nil {
		goals = []*Goal{}
	}
	return goals, nil
}

// FindIndicators returns the indicators of plan id — its goals' and its
// tasks' — in order, with their effective due dates and where they belong.
// Who may call it: as FindPlanByID. Errors: as FindPlanByID.
func (s *Service) FindIndicators(ctx context.Context, a *auth.Actor, planID int64) ([]*Indicator, error) {
	p, err := s.FindPlanByID(ctx, a, planID)
	if err != nil {
		return nil, err
	}
	return s.planIndicators(ctx, s.db, p)
}

// planIndicators reads every indicator of p with its effective due date.
func (s *Service) planIndicators(ctx context.Context, q store.Querier, p *Plan) ([]*Indicator, error) {
	byPlan, err := indicatorsOf(ctx, q, []*Plan{p})
	if err != nil {
		return nil, err
	}
	if inds := byPlan[p.ID]; inds != nil {
		return inds, nil
	}
	return []*Indicator{}, nil
}

// indicatorsOf returns the indicators of plans (which carry their stages)
// by plan, each with its effective due date: its own, its task's deadline
// or its plan's end. Three queries whatever the number of plans.
func indicatorsOf(ctx context.Context, q store.Querier, plans []*Plan) (map[int64][]*Indicator, error) {
	out := map[int64][]*Indicator{}
	if len(plans) == 0 {
		return out, nil
	}
	byID := map[int64]*Plan{}
	ids := make([]any, len(plans))
	for i, p := range plans {
		byID[p.ID], ids[i] = p, p.ID
	}
	in := marks(len(ids))
	inds, err := queryIndicators(ctx, q, `SELECT `+indicatorColumns+indicatorFrom+` WHERE i.plan_id IN (`+in+`) ORDER BY i.plan_id, i.seq`, ids...)
	if err != nil || len(inds) == 0 {
		return out, err
	}
	dues, err := taskDeadlines(ctx, q, byID, in, ids)
	if err != nil {
		return nil, err
	}
	for _, ind := range inds {
		ind.EffectiveDue = ind.Due
		if ind.EffectiveDue == nil {
			if ind.TaskID != nil {
				ind.EffectiveDue = dues[*ind.TaskID]
			} else {
				ind.EffectiveDue = byID[ind.PlanID].PeriodTo
			}
		}
		out[ind.PlanID] = append(out[ind.PlanID], ind)
	}
	return out, nil
}

// taskDeadlines returns the effective deadline of every task with an
// indicator of the plans byID (in: their placeholders, ids their ids).
func taskDeadlines(ctx context.Context, q store.Querier, byID map[int64]*Plan, in string, ids []any) (map[int64]*workday.Date, error) {
	rows, err := q.QueryContext(ctx, `SELECT t.id, t.plan_id, t.deadline_kind, t.deadline_date, t.deadline_stage_id FROM plan_tasks t
		WHERE t.plan_id IN (`+in+`) AND EXISTS (SELECT 1 FROM plan_indicators i WHERE i.task_id = t.id)`, ids...)
	if err != nil {
		return nil, errs.Wrap(err, "find task deadlines")
	}
	defer rows.Close()
	out := map[int64]*workday.Date{}
	for rows.Next() {
		var t Task
		var pid int64
		if err := rows.Scan(&t.ID, &pid, &t.DeadlineKind, &t.DeadlineDate, &t.StageID); err != nil {
			return nil, errs.Wrap(err, "find task deadlines")
		}
		out[t.ID], _ = byID[pid].EffectiveDeadline(&t)
	}
	return out, errs.Wrap(rows.Err(), "find task deadlines")
}

// UnknownName is a unit name of a plan not resolved to a unit yet, with
// the tasks that name it.
type UnknownName struct {
	Name  string   `json:"name"`
	Tasks []string `json:"tasks"` // their numbering
	// Suggestions are units whose name or alias contains the name or is
	// contained in it, for the office to pick from.
	Suggestions []Suggestion `json:"suggestions"`
}

// Suggestion is a unit offered for an unknown name.
type Suggestion struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// FindUnknownNames returns the unit names of plan id that the office has
// still to map, create or ignore, by name. Only the office may call it.
// Errors: Unauthenticated, Forbidden, NotFound; Internal.
func (s *Service) FindUnknownNames(ctx context.Context, a *auth.Actor, planID int64) ([]UnknownName, error) {
	if err := auth.AuthorizeSome(a, auth.ManagePlans); err != nil {
		return nil, err
	}
	if _, err := s.FindPlanByID(ctx, a, planID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT tu.name, t.numbering FROM plan_task_units tu JOIN plan_tasks t ON t.id = tu.task_id
		WHERE tu.plan_id = ? AND tu.unit_id IS NULL AND NOT tu.ignored ORDER BY tu.name, t.path_key`, planID)
	if err != nil {
		return nil, errs.Wrap(err, "find unknown names")
	}
	var out []UnknownName
	for rows.Next() {
		var name, num string
		if err := rows.Scan(&name, &num); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "find unknown names")
		}
		if len(out) == 0 || out[len(out)-1].Name != name {
			out = append(out, UnknownName{Name: name})
		}
		out[len(out)-1].Tasks = append(out[len(out)-1].Tasks, num)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "find unknown names")
	}
	for i := range out {
		if out[i].Suggestions, err = s.suggest(ctx, out[i].Name); err != nil {
			return nil, err
		}
	}
	if out == nil {
		out = []UnknownName{}
	}
	return out, nil
}

// suggest returns up to 8 units whose name or alias shares the core of
// name (without 市/区 prefixes and the usual suffixes).
func (s *Service) suggest(ctx context.Context, name string) ([]Suggestion, error) {
	core := name
	for _, p := range []string{"各", "市", "区", "县"} {
		core = strings.TrimPrefix(core, p)
	}
	for _, suf := range []string{"人民政府", "委员会", "管理局", "局", "委", "办", "厅", "部门", "单位"} {
		core = strings.TrimSuffix(core, suf)
	}
	if len([]rune(core)) < 2 {
		return []Suggestion{}, nil
	}
	pat := "%" + likeEscape(core) + "%"
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT u.id, u.name FROM units u LEFT JOIN unit_aliases a ON a.unit_id = u.id
		WHERE u.name LIKE ? ESCAPE '\' OR a.alias LIKE ? ESCAPE '\' ORDER BY u.name LIMIT 8`, pat, pat)
	if err != nil {
		return nil, errs.Wrap(err, "suggest units")
	}
	defer rows.Close()
	out := []Suggestion{}
	for rows.Next() {
		var sg Suggestion
		if err := rows.Scan(&sg.ID, &sg.Name); err != nil {
			return nil, errs.Wrap(err, "suggest units")
		}
		out = append(out, sg)
	}
	return out, errs.Wrap(rows.Err(), "suggest units")
}
