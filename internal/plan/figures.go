package plan

import (
	"context"
	"strings"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
)

// Figures are the headline figures of plan supervision for one actor: the
// office and leaders see every published plan; a unit's staff their units'
// tasks, reports and 督办.
type Figures struct {
	Plans    int         `json:"plans"`  // published plans (a unit: those it holds tasks in)
	Drafts   int         `json:"drafts"` // the office: drafts being prepared
	Tasks    LightCounts `json:"tasks"`  // leaf tasks by light
	Unsigned int         `json:"unsigned"`
	// ReportsDue are the reports not filed whose due date has not passed;
	// ReportsOverdue those past it.
	ReportsDue     int `json:"reports_due"`
	ReportsOverdue int `json:"reports_overdue"`
	NoticesOpen    int `json:"notices_open"`
	// Unit says the figures are a unit's own.
	Unit bool `json:"unit"`
}

// FindFigures returns the headline figures for a (the home pages' panels).
// Who may call it: everyone who may read plans. Errors: Unauthenticated,
// Forbidden; Internal.
func (s *Service) FindFigures(ctx context.Context, a *auth.Actor) (*Figures, error) {
	if err := auth.AuthorizeSome(a, auth.ViewPlans); err != nil {
		return nil, err
	}
	scope, err := s.unitScope(ctx, a)
	if err != nil {
		return nil, err
	}
	f := &Figures{Unit: scope != nil}
	if scope != nil && len(scope) == 0 {
		return f, nil
	}
	today := s.today().String()
	var units []any
	unitCond := func(col string) string {
		if scope == nil {
			return ""
		}
		return " AND " + col + " IN (" + marks(len(scope)) + ")"
	}
	for _, u := range scope {
		units = append(units, u)
	}
	// For a unit: its own unit only for what it acts on (reports,
	// 督办, signatures); its subtree for what it reads.
	own := units
	ownCond := unitCond
	if scope != nil && a.UnitID != nil {
		own = []any{*a.UnitID}
		ownCond = func(col string) string { return " AND " + col + " = ?" }
	}
	q := `SELECT COUNT(*) FROM plans p WHERE p.status = ?`
	args := []any{StatusPublished}
	if scope != nil {
		q += ` AND EXISTS (SELECT 1 FROM plan_task_units tu WHERE tu.plan_id = p.id` + unitCond("tu.unit_id") + `)`
		args = append(args, units...)
	}
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&f.Plans); err != nil {
		return nil, errs.Wrap(err, "count plans")
	}
	if a.CanSome(auth.ManagePlans) {
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM plans WHERE status = ?`, StatusDraft).Scan(&f.Drafts); err != nil {
			return nil, errs.Wrap(err, "count drafts")
		}
	}
	q = `SELECT t.light, COUNT(*) FROM plan_tasks t JOIN plans p ON p.id = t.plan_id WHERE p.status = ? AND t.leaf`
	args = []any{StatusPublished}
	if scope != nil {
		q += ` AND EXISTS (SELECT 1 FROM plan_task_units tu WHERE tu.task_id = t.id` + unitCond("tu.unit_id") + `)`
		args = append(args, units...)
	}
	rows, err := s.db.QueryContext(ctx, q+` GROUP BY t.light`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "count tasks")
	}
	for rows.Next() {
		var l Light
		var n int
		if err := rows.Scan(&l, &n); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "count tasks")
		}
		f.Tasks.Add(l, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "count tasks")
	}
	if scope == nil {
		return f, s.countDue(ctx, f, "", nil, today)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT tu.task_id) FROM plan_task_units tu JOIN plans p ON p.id = tu.plan_id
		WHERE p.status = ? AND tu.signed_at IS NULL`+ownCond("tu.unit_id"), append([]any{StatusPublished}, own...)...).Scan(&f.Unsigned); err != nil {
		return nil, errs.Wrap(err, "count unsigned")
	}
	return f, s.countDue(ctx, f, ownCond("r.unit_id"), own, today)
}

// countDue counts the pending reports (due, overdue) and open notices
// under cond.
func (s *Service) countDue(ctx context.Context, f *Figures, cond string, args []any, today string) error {
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN r.due_date >= ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN r.due_date < ? THEN 1 ELSE 0 END), 0) FROM plan_reports r JOIN plans p ON p.id = r.plan_id
		WHERE p.status = ? AND r.status = ?`+cond, append([]any{today, today, StatusPublished, ReportPending}, args...)...).Scan(&f.ReportsDue, &f.ReportsOverdue); err != nil {
		return errs.Wrap(err, "count reports due")
	}
	ncond := strings.ReplaceAll(cond, "r.unit_id", "n.unit_id")
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM plan_notices n JOIN plans p ON p.id = n.plan_id WHERE p.status = ? AND n.status = ?`+ncond,
		append([]any{StatusPublished, NoticeOpen}, args...)...).Scan(&f.NoticesOpen); err != nil {
		return errs.Wrap(err, "count notices")
	}
	return nil
}

// Section is a part of a plan's task tree with its tasks by light: the
// parts of the one top-level task section (二、工作任务 → (一) … (六)), or
// the top-level parts when there are several.
type Section struct {
	Numbering string      `json:"numbering"`
	Title     string      `json:"title"`
	Counts    LightCounts `json:"counts"`
}

// FindSections returns plan id's sections with their leaf tasks by light,
// in order. Who may call it: as FindPlanByID. Errors: as FindPlanByID.
func (s *Service) FindSections(ctx context.Context, a *auth.Actor, id int64) ([]Section, error) {
	if _, err := s.FindPlanByID(ctx, a, id); err != nil {
		return nil, err
	}
	// Which level: the second when there is one top-level task with
	// sub-tasks (二、工作任务 → (一) …), else the first.
	var tops, parents int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN t.leaf THEN 0 ELSE 1 END), 0) FROM plan_tasks t
		WHERE t.plan_id = ? AND t.parent_id IS NULL`, id).Scan(&tops, &parents); err != nil {
		return nil, errs.Wrap(err, "find sections")
	}
	width := 4 // characters of one path_key level
	if tops == 1 && parents == 1 {
		width = 9
	}
	// Grouped by position: PostgreSQL does not take two placeholders for
	// the same expression.
	rows, err := s.db.QueryContext(ctx, `SELECT substr(t.path_key, 1, ?), t.light, COUNT(*) FROM plan_tasks t WHERE t.plan_id = ? AND t.leaf
		GROUP BY 1, 2 ORDER BY 1`, width, id)
	if err != nil {
		return nil, errs.Wrap(err, "find sections")
	}
	var out []Section
	index := map[string]int{}
	for rows.Next() {
		var key string
		var l Light
		var n int
		if err := rows.Scan(&key, &l, &n); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "find sections")
		}
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, Section{Numbering: key})
		}
		out[i].Counts.Add(l, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "find sections")
	}
	for i := range out {
		key := out[i].Numbering
		if err := s.db.QueryRowContext(ctx, `SELECT numbering, CASE WHEN title <> '' THEN title ELSE text END FROM plan_tasks WHERE plan_id = ? AND path_key = ?`,
			id, key).Scan(&out[i].Numbering, &out[i].Title); err != nil {
			out[i].Numbering = pathString(pathOfKey(key))
		}
		out[i].Title = firstRunes(out[i].Title, 24)
	}
	if out == nil {
		out = []Section{}
	}
	return out, nil
}
