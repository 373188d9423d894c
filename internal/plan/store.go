package plan

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// The SQL of plan supervision. Lists are paged in SQL; the pages that show
// many tasks (the overview, the workbench, the 责任分解表) read a plan's
// tasks, units and indicators in one query each, never one per task.

type rowScanner interface{ Scan(dest ...any) error }

const planColumns = `p.id, p.title, p.doc_number, p.issuer, p.issued_on, p.period_from, p.period_to, p.owner_unit_id,
	COALESCE(ou.name, ''), p.status, p.cadence, p.due_workday, p.remind_workdays, p.warn_workdays, p.far_behind_pct,
	p.score_weights, p.source, p.created_by, p.created_at, p.updated_at, p.published_at, p.ended_at`

const planFrom = ` FROM plans p LEFT JOIN units ou ON ou.id = p.owner_unit_id`

func scanPlan(r rowScanner) (*Plan, error) {
	var p Plan
	var weights string
	var created, updated int64
	var published, ended sql.NullInt64
	err := r.Scan(&p.ID, &p.Title, &p.DocNumber, &p.Issuer, &p.IssuedOn, &p.PeriodFrom, &p.PeriodTo, &p.OwnerUnitID,
		&p.OwnerUnit, &p.Status, &p.Settings.Cadence, &p.Settings.DueWorkday, &p.Settings.RemindWorkdays, &p.Settings.WarnWorkdays,
		&p.Settings.FarBehindPct, &weights, &p.Source, &p.CreatedBy, &created, &updated, &published, &ended)
	if err != nil {
		return nil, err
	}
	p.Settings.Weights = DefaultWeights()
	if weights != "" {
		_ = json.Unmarshal([]byte(weights), &p.Settings.Weights)
	}
	p.CreatedAt, p.UpdatedAt = store.FromMillis(created), store.FromMillis(updated)
	p.PublishedAt, p.EndedAt = optTime(published), optTime(ended)
	return &p, nil
}

// findPlan reads plan id with its stages, counts and units (not the
// units above them).
func findPlan(ctx context.Context, q store.Querier, id int64) (*Plan, error) {
	p, err := scanPlan(q.QueryRowContext(ctx, `SELECT `+planColumns+planFrom+` WHERE p.id = ?`, id))
	if err != nil {
		return nil, store.NotFound(err, "工作方案 %d 不存在", id)
	}
	if p.Stages, err = findStages(ctx, q, id); err != nil {
		return nil, err
	}
	if err := loadPlanFacts(ctx, q, []*Plan{p}); err != nil {
		return nil, err
	}
	return p, nil
}

// loadPlanFacts fills the counts, unknown names and units of plans.
func loadPlanFacts(ctx context.Context, q store.Querier, plans []*Plan) error {
	if len(plans) == 0 {
		return nil
	}
	byID := map[int64]*Plan{}
	ids := make([]any, len(plans))
	for i, p := range plans {
		byID[p.ID], ids[i] = p, p.ID
		p.Counts, p.Unknown, p.units = LightCounts{}, 0, nil
	}
	in := marks(len(ids))
	rows, err := q.QueryContext(ctx, `SELECT plan_id, light, COUNT(*) FROM plan_tasks WHERE plan_id IN (`+in+`) AND leaf
		GROUP BY plan_id, light`, ids...)
	if err != nil {
		return errs.Wrap(err, "count tasks")
	}
	for rows.Next() {
		var pid int64
		var l Light
		var n int
		if err := rows.Scan(&pid, &l, &n); err != nil {
			rows.Close()
			return errs.Wrap(err, "count tasks")
		}
		byID[pid].Counts.Add(l, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "count tasks")
	}
	rows, err = q.QueryContext(ctx, `SELECT plan_id, unit_id, COUNT(DISTINCT CASE WHEN unit_id IS NULL AND NOT ignored THEN name END)
		FROM plan_task_units WHERE plan_id IN (`+in+`) GROUP BY plan_id, unit_id ORDER BY plan_id, unit_id`, ids...)
	if err != nil {
		return errs.Wrap(err, "find plan units")
	}
	defer rows.Close()
	for rows.Next() {
		var pid int64
		var unit sql.NullInt64
		var unknown int
		if err := rows.Scan(&pid, &unit, &unknown); err != nil {
			return errs.Wrap(err, "find plan units")
		}
		p := byID[pid]
		if unit.Valid {
			p.units = append(p.units, unit.Int64)
		} else {
			p.Unknown += unknown
		}
	}
	return errs.Wrap(rows.Err(), "find plan units")
}

func findStages(ctx context.Context, q store.Querier, planID int64) ([]Stage, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, seq, name, from_date, to_date, text FROM plan_stages WHERE plan_id = ? ORDER BY seq, id`, planID)
	if err != nil {
		return nil, errs.Wrap(err, "find stages")
	}
	defer rows.Close()
	var out []Stage
	for rows.Next() {
		var st Stage
		if err := rows.Scan(&st.ID, &st.Seq, &st.Name, &st.From, &st.To, &st.Text); err != nil {
			return nil, errs.Wrap(err, "find stages")
		}
		out = append(out, st)
	}
	return out, errs.Wrap(rows.Err(), "find stages")
}

// publishedPlans reads every published plan with its stages (not its
// counts or units), in two queries.
func publishedPlans(ctx context.Context, q store.Querier) ([]*Plan, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+planColumns+planFrom+` WHERE p.status = ? ORDER BY p.id`, StatusPublished)
	if err != nil {
		return nil, errs.Wrap(err, "find published plans")
	}
	var plans []*Plan
	byID := map[int64]*Plan{}
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "find published plans")
		}
		plans = append(plans, p)
		byID[p.ID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(plans) == 0 {
		return plans, errs.Wrap(err, "find published plans")
	}
	rows, err = q.QueryContext(ctx, `SELECT s.plan_id, s.id, s.seq, s.name, s.from_date, s.to_date, s.text FROM plan_stages s
		JOIN plans p ON p.id = s.plan_id WHERE p.status = ? ORDER BY s.plan_id, s.seq, s.id`, StatusPublished)
	if err != nil {
		return nil, errs.Wrap(err, "find stages")
	}
	defer rows.Close()
	for rows.Next() {
		var pid int64
		var st Stage
		if err := rows.Scan(&pid, &st.ID, &st.Seq, &st.Name, &st.From, &st.To, &st.Text); err != nil {
			return nil, errs.Wrap(err, "find stages")
		}
		if p := byID[pid]; p != nil {
			p.Stages = append(p.Stages, st)
		}
	}
	return plans, errs.Wrap(rows.Err(), "find stages")
}

const taskColumns = `t.id, t.plan_id, t.parent_id, t.numbering, t.marker, t.path_key, t.depth, t.leaf, t.title, t.text,
	t.deadline_kind, t.deadline_date, t.deadline_text, t.deadline_stage_id, t.status, t.progress, t.latest_text, t.latest_at,
	t.light, t.light_reason, t.owner_unit_id, t.done_at, t.done_note, t.created_at, t.updated_at, p.title, p.status`

// taskFrom joins each task's plan, whose title and status taskColumns read.
const taskFrom = ` FROM plan_tasks t JOIN plans p ON p.id = t.plan_id`

func scanTask(r rowScanner) (*Task, error) {
	var t Task
	t.Plan = &PlanSummary{}
	var key string
	var latest, done sql.NullInt64
	var progress sql.NullInt64
	var created, updated int64
	err := r.Scan(&t.ID, &t.PlanID, &t.ParentID, &t.Numbering, &t.Marker, &key, &t.Depth, &t.Leaf, &t.Title, &t.Text,
		&t.DeadlineKind, &t.DeadlineDate, &t.DeadlineText, &t.StageID, &t.Status, &progress, &t.LatestText, &latest,
		&t.Light, &t.LightReason, &t.OwnerUnitID, &done, &t.DoneNote, &created, &updated, &t.Plan.Title, &t.Plan.Status)
	if err != nil {
		return nil, err
	}
	t.Plan.ID = t.PlanID
	t.Path = pathOfKey(key)
	if progress.Valid {
		n := int(progress.Int64)
		t.Progress = &n
	}
	t.LatestAt, t.DoneAt = optTime(latest), optTime(done)
	t.CreatedAt, t.UpdatedAt = store.FromMillis(created), store.FromMillis(updated)
	return &t, nil
}

// queryTasks runs a task query (selecting taskColumns taskFrom) and loads
// the tasks' units.
func queryTasks(ctx context.Context, q store.Querier, query string, args ...any) ([]*Task, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, errs.Wrap(err, "find tasks")
	}
	var list []*Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "scan task")
		}
		list = append(list, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "find tasks")
	}
	return list, loadTaskUnits(ctx, q, list)
}

// loadTaskUnits fills the units of tasks: by task id for a page of tasks,
// by plan for a whole plan.
func loadTaskUnits(ctx context.Context, q store.Querier, tasks []*Task) error {
	if len(tasks) == 0 {
		return nil
	}
	byID := make(map[int64]*Task, len(tasks))
	plans := map[int64]bool{}
	for _, t := range tasks {
		byID[t.ID] = t
		t.Units = nil
		plans[t.PlanID] = true
	}
	var rows *sql.Rows
	var err error
	const cols = `SELECT tu.task_id, tu.role, tu.name, tu.unit_id, COALESCE(u.name, ''), tu.ignored, tu.signed_at
		FROM plan_task_units tu LEFT JOIN units u ON u.id = tu.unit_id`
	if len(tasks) > 200 && len(plans) == 1 {
		rows, err = q.QueryContext(ctx, cols+` WHERE tu.plan_id = ? ORDER BY tu.task_id, tu.seq, tu.id`, tasks[0].PlanID)
	} else {
		ids := make([]any, 0, len(tasks))
		for _, t := range tasks {
			ids = append(ids, t.ID)
		}
		rows, err = q.QueryContext(ctx, cols+` WHERE tu.task_id IN (`+marks(len(ids))+`) ORDER BY tu.task_id, tu.seq, tu.id`, ids...)
	}
	if err != nil {
		return errs.Wrap(err, "find task units")
	}
	defer rows.Close()
	for rows.Next() {
		var tid int64
		var u TaskUnit
		var signed sql.NullInt64
		if err := rows.Scan(&tid, &u.Role, &u.Name, &u.UnitID, &u.UnitName, &u.Ignored, &signed); err != nil {
			return errs.Wrap(err, "find task units")
		}
		u.SignedAt = optTime(signed)
		if t := byID[tid]; t != nil {
			t.Units = append(t.Units, u)
		}
	}
	return errs.Wrap(rows.Err(), "find task units")
}

const indicatorColumns = `i.id, i.plan_id, i.goal_id, i.task_id, i.name, i.text, i.measure, i.op, i.baseline, i.target, i.due_date,
	i.owner_unit_id, COALESCE(u.name, i.owner_name), i.actual, i.actual_on, COALESCE(t.numbering, g.numbering, '')`

const indicatorFrom = ` FROM plan_indicators i LEFT JOIN units u ON u.id = i.owner_unit_id
	LEFT JOIN plan_tasks t ON t.id = i.task_id LEFT JOIN plan_goals g ON g.id = i.goal_id`

// queryIndicators runs an indicator query (selecting indicatorColumns
// indicatorFrom) and loads their interim targets.
func queryIndicators(ctx context.Context, q store.Querier, query string, args ...any) ([]*Indicator, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, errs.Wrap(err, "find indicators")
	}
	var list []*Indicator
	byID := map[int64]*Indicator{}
	for rows.Next() {
		var ind Indicator
		var base, actual sql.NullFloat64
		if err := rows.Scan(&ind.ID, &ind.PlanID, &ind.GoalID, &ind.TaskID, &ind.Name, &ind.Text, &ind.Measure, &ind.Op, &base,
			&ind.Target, &ind.Due, &ind.OwnerID, &ind.OwnerName, &actual, &ind.ActualOn, &ind.Where); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "scan indicator")
		}
		ind.Base, ind.Actual = optFloat(base), optFloat(actual)
		ind.Targets = []Target{}
		list = append(list, &ind)
		byID[ind.ID] = &ind
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(list) == 0 {
		return list, errs.Wrap(err, "find indicators")
	}
	// The targets of these indicators: by plan when they are one plan's.
	var trows *sql.Rows
	plan := list[0].PlanID
	one := true
	for _, ind := range list {
		one = one && ind.PlanID == plan
	}
	if one && len(list) > 100 {
		trows, err = q.QueryContext(ctx, `SELECT x.indicator_id, x.due_date, x.value FROM plan_indicator_targets x
			JOIN plan_indicators i ON i.id = x.indicator_id WHERE i.plan_id = ? ORDER BY x.indicator_id, x.due_date`, plan)
	} else {
		ids := make([]any, 0, len(list))
		for _, ind := range list {
			ids = append(ids, ind.ID)
		}
		trows, err = q.QueryContext(ctx, `SELECT indicator_id, due_date, value FROM plan_indicator_targets
			WHERE indicator_id IN (`+marks(len(ids))+`) ORDER BY indicator_id, due_date`, ids...)
	}
	if err != nil {
		return nil, errs.Wrap(err, "find targets")
	}
	defer trows.Close()
	for trows.Next() {
		var id int64
		var t Target
		if err := trows.Scan(&id, &t.Due, &t.Value); err != nil {
			return nil, errs.Wrap(err, "find targets")
		}
		if ind := byID[id]; ind != nil {
			ind.Targets = append(ind.Targets, t)
		}
	}
	return list, errs.Wrap(trows.Err(), "find targets")
}

// marks returns n comma-separated placeholders.
func marks(n int) string {
	if n <= 0 {
		return "NULL"
	}
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func optTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := store.FromMillis(v.Int64)
	return &t
}

func optFloat(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	f := v.Float64
	return &f
}

func optDate(d *workday.Date) any {
	if d == nil {
		return nil
	}
	return d.String()
}

func optInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// dateString writes an optional date as YYYY-MM-DD, "" for none.
func dateString(d *workday.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}
