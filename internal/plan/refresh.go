package plan

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Job kinds of plan supervision.
const (
	// JobRefresh brings every published plan up to date (hourly): the
	// period's expected reports, every task's light, the month's ranking.
	JobRefresh = "plan.refresh"
	// JobReminders sends the reminder and 催报 digests (hourly; at most
	// one per recipient and working day).
	JobReminders = "plan.reminders"
)

// Report slot states.
const (
	ReportPending = "待报送"
	ReportFiled   = "已报送"
)

// ensureSlots makes sure a report is expected from every reporting unit of
// published plan p for every period from the plan's publication (or the
// latest period already expected) up to the period of today, ending with
// the plan's period.
func (s *Service) ensureSlots(ctx context.Context, q store.Querier, p *Plan, today workday.Date) error {
	if p.Status != StatusPublished || p.PublishedAt == nil {
		return nil
	}
	c := p.Settings.Cadence
	first := PeriodOf(workday.DateOf(*p.PublishedAt), c)
	var latest *string
	if err := q.QueryRowContext(ctx, `SELECT MAX(period) FROM plan_reports WHERE plan_id = ?`, p.ID).Scan(&latest); err != nil {
		return errs.Wrap(err, "find latest period")
	}
	if latest != nil && Period(*latest) > first {
		first = Period(*latest)
	}
	last := PeriodOf(today, c)
	if p.PeriodTo != nil && PeriodOf(*p.PeriodTo, c) < last {
		last = PeriodOf(*p.PeriodTo, c)
	}
	if last < first {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT unit_id FROM plan_task_units WHERE plan_id = ? AND unit_id IS NOT NULL AND role IN (?, ?)
		ORDER BY unit_id`, p.ID, RoleLead, RoleResp)
	if err != nil {
		return errs.Wrap(err, "find reporting units")
	}
	var units []int64
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			rows.Close()
			return errs.Wrap(err, "find reporting units")
		}
		units = append(units, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "find reporting units")
	}
	// One multi-row statement per period and 500 units: the report form
	// runs this on every visit.
	return store.InTx(ctx, q, func(tx *store.Tx) error {
		for per := first; per <= last; per = per.Next(c) {
			due := DueDate(s.cal, per, p.Settings).String()
			for i := 0; i < len(units); i += 500 {
				chunk := units[i:min(i+500, len(units))]
				vals := make([]string, len(chunk))
				args := make([]any, 0, 5*len(chunk))
				for j, u := range chunk {
					vals[j] = "(?, ?, ?, ?, ?)"
					args = append(args, p.ID, u, string(per), due, ReportPending)
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO plan_reports (plan_id, unit_id, period, due_date, status) VALUES `+
					strings.Join(vals, ", ")+` ON CONFLICT (plan_id, unit_id, period) DO NOTHING`, args...); err != nil {
					return errs.Wrap(err, "expect report")
				}
			}
		}
		return nil
	})
}

// refreshPlan recomputes the light of every task of p (a published or
// ended plan) and stores those that changed.
func (s *Service) refreshPlan(ctx context.Context, q store.Querier, p *Plan) error {
	return s.refreshTasks(ctx, q, p, nil)
}

// refreshTasks recomputes the lights of the tasks only (nil: every task)
// of p and of the tasks above them, and stores those that changed. A
// task's light depends on its own facts, on the reports its units owe and
// on its sub-tasks' lights, so a change to some tasks (a report, a 督办)
// needs only theirs and their ancestors' recomputed.
func (s *Service) refreshTasks(ctx context.Context, q store.Querier, p *Plan, only []int64) error {
	s.ranks.drop() // what the ranking counts changes with the lights
	if p.Status == StatusDraft {
		return nil
	}
	today := s.today()
	// The tree: every task's parent and stored light.
	type node struct {
		parent *int64
		light  Light
	}
	tree := map[int64]node{}
	children := map[int64][]int64{}
	rows, err := q.QueryContext(ctx, `SELECT id, parent_id, light FROM plan_tasks WHERE plan_id = ?`, p.ID)
	if err != nil {
		return errs.Wrap(err, "find task tree")
	}
	for rows.Next() {
		var id int64
		var n node
		if err := rows.Scan(&id, &n.parent, &n.light); err != nil {
			rows.Close()
			return errs.Wrap(err, "find task tree")
		}
		tree[id] = n
		if n.parent != nil {
			children[*n.parent] = append(children[*n.parent], id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "find task tree")
	}
	if len(tree) == 0 {
		return nil
	}
	// The tasks to recompute: those asked for and every task above them.
	var tasks []*Task
	if only == nil {
		if tasks, err = queryTasks(ctx, q, `SELECT `+taskColumns+taskFrom+` WHERE t.plan_id = ? ORDER BY t.path_key`, p.ID); err != nil {
			return err
		}
	} else {
		set := map[int64]bool{}
		for _, id := range only {
			for cur, ok := id, true; ok && !set[cur]; {
				n, found := tree[cur]
				if !found {
					break
				}
				set[cur] = true
				if n.parent == nil {
					break
				}
				cur = *n.parent
			}
		}
		if len(set) == 0 {
			return nil
		}
		ids := make([]any, 0, len(set))
		for id := range set {
			ids = append(ids, id)
		}
		if tasks, err = queryTasks(ctx, q, `SELECT `+taskColumns+taskFrom+` WHERE t.id IN (`+marks(len(ids))+`) ORDER BY t.path_key`, ids...); err != nil {
			return err
		}
	}
	in, args := "", []any{p.ID}
	if only != nil {
		ids := make([]any, len(tasks))
		for i, t := range tasks {
			ids[i] = t.ID
		}
		in, args = " AND t.id IN ("+marks(len(ids))+")", append(args, ids...)
	}
	milestones := map[int64][]Milestone{}
	rows, err = q.QueryContext(ctx, `SELECT m.task_id, m.id, m.seq, m.title, m.due_date, m.reached_on FROM plan_milestones m
		JOIN plan_tasks t ON t.id = m.task_id WHERE t.plan_id = ?`+in+` AND m.reached_on IS NULL ORDER BY m.task_id, m.seq`, args...)
	if err != nil {
		return errs.Wrap(err, "find milestones")
	}
	for rows.Next() {
		var tid int64
		var m Milestone
		if err := rows.Scan(&tid, &m.ID, &m.Seq, &m.Title, &m.Due, &m.ReachedOn); err != nil {
			rows.Close()
			return errs.Wrap(err, "find milestones")
		}
		milestones[tid] = append(milestones[tid], m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "find milestones")
	}
	var inds []*Indicator
	if only == nil {
		if inds, err = s.planIndicators(ctx, q, p); err != nil {
			return err
		}
	} else {
		if inds, err = queryIndicators(ctx, q, `SELECT `+indicatorColumns+indicatorFrom+` WHERE i.plan_id = ?`+in+` ORDER BY i.seq`, args...); err != nil {
			return err
		}
		byID := map[int64]*Task{}
		for _, t := range tasks {
			byID[t.ID] = t
		}
		for _, ind := range inds {
			ind.EffectiveDue = ind.Due
			if ind.EffectiveDue == nil && ind.TaskID != nil && byID[*ind.TaskID] != nil {
				ind.EffectiveDue, _ = p.EffectiveDeadline(byID[*ind.TaskID])
			}
		}
	}
	byTask := map[int64][]*Indicator{}
	for _, ind := range inds {
		if ind.TaskID != nil {
			byTask[*ind.TaskID] = append(byTask[*ind.TaskID], ind)
		}
	}
	notices := map[int64][]NoticeState{}
	rows, err = q.QueryContext(ctx, `SELECT n.task_id, n.reply_due, u.name FROM plan_notices n JOIN units u ON u.id = n.unit_id
		JOIN plan_tasks t ON t.id = n.task_id WHERE n.plan_id = ?`+in+` AND n.status = ? ORDER BY n.id`, append(args, NoticeOpen)...)
	if err != nil {
		return errs.Wrap(err, "find notices")
	}
	for rows.Next() {
		var tid int64
		var due workday.Date
		var unit string
		if err := rows.Scan(&tid, &due, &unit); err != nil {
			rows.Close()
			return errs.Wrap(err, "find notices")
		}
		notices[tid] = append(notices[tid], NoticeState{Unit: unit, ReplyDue: due})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "find notices")
	}
	// The reports each unit owes: due, not filed.
	owed := map[int64][]Period{}
	rows, err = q.QueryContext(ctx, `SELECT unit_id, period, due_date FROM plan_reports WHERE plan_id = ? AND status = ? AND due_date < ?
		ORDER BY unit_id, period`, p.ID, ReportPending, today.String())
	if err != nil {
		return errs.Wrap(err, "find owed reports")
	}
	for rows.Next() {
		var u int64
		var per Period
		var due workday.Date
		if err := rows.Scan(&u, &per, &due); err != nil {
			rows.Close()
			return errs.Wrap(err, "find owed reports")
		}
		if today > s.cal.OnOrAfter(due) {
			owed[u] = append(owed[u], per)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "find owed reports")
	}
	// Deepest first, so that each parent sees its sub-tasks' new lights
	// (or, for those not recomputed, their stored ones).
	assessed := make(map[int64]Assessment, len(tasks))
	order := make([]*Task, len(tasks))
	copy(order, tasks)
	sort.SliceStable(order, func(i, j int) bool { return order[i].Depth > order[j].Depth })
	for _, t := range order {
		sit := Situation{Today: today, Status: t.Status, Milestones: milestones[t.ID], Indicators: byTask[t.ID], Notices: notices[t.ID],
			WarnWorkdays: p.Settings.WarnWorkdays, FarBehindPct: p.Settings.FarBehindPct}
		kids := children[t.ID]
		if len(kids) == 0 || t.DeadlineKind != DeadlineNone {
			sit.Deadline, sit.DeadlineFrom = p.EffectiveDeadline(t)
		}
		if len(kids) == 0 && sit.Deadline == nil && t.DeadlineKind == DeadlineNone {
			sit.DeadlineFrom = undecided
		}
		sit.MissingReports = missingReports(t, owed, p.Settings.Cadence)
		a := Assess(s.cal, sit)
		if len(kids) > 0 {
			ls := make([]Light, len(kids))
			for i, k := range kids {
				if ak, ok := assessed[k]; ok {
					ls[i] = ak.Light
				} else {
					ls[i] = tree[k].light
				}
			}
			if t.DeadlineKind == DeadlineNone && len(t.Units) == 0 && len(sit.Milestones)+len(sit.Indicators)+len(sit.Notices) == 0 {
				a = Assessment{Light: LightOK}
			}
			a = Combine(a, ls)
		}
		assessed[t.ID] = a
	}
	return store.InTx(ctx, q, func(tx *store.Tx) error {
		for _, t := range tasks {
			a := assessed[t.ID]
			reason := clip(strings.Join(a.Reasons, "；"), 1000)
			if a.Light == t.Light && reason == t.LightReason {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE plan_tasks SET light = ?, light_rank = ?, light_reason = ? WHERE id = ?`,
				a.Light, a.Light.Rank(), reason, t.ID); err != nil {
				return errs.Wrap(err, "store light")
			}
		}
		return nil
	})
}

// missingReports names what the units of t owe (see
// Situation.MissingReports): its lead units' reports, or — without a lead
// unit — its responsible units' when at least half of them owe one.
func missingReports(t *Task, owed map[int64][]Period, c Cadence) []string {
	type holder struct {
		id   int64
		name string
	}
	var lead, resp []holder
	seen := map[int64]bool{}
	for _, u := range t.Units {
		if u.UnitID == nil || seen[*u.UnitID] {
			continue
		}
		seen[*u.UnitID] = true
		switch u.Role {
		case RoleLead:
			lead = append(lead, holder{*u.UnitID, u.UnitName})
		case RoleResp:
			resp = append(resp, holder{*u.UnitID, u.UnitName})
		}
	}
	who := lead
	if len(lead) == 0 {
		n := 0
		for _, h := range resp {
			if len(owed[h.id]) > 0 {
				n++
			}
		}
		if 2*n < len(resp) {
			return nil
		}
		who = resp
	}
	var out []string
	for _, h := range who {
		switch pers := owed[h.id]; len(pers) {
		case 0:
		case 1:
			out = append(out, fmt.Sprintf("%s%s进展", h.name, pers[0].Label(c)))
		default:
			out = append(out, fmt.Sprintf("%s有%d期进展", h.name, len(pers)))
		}
	}
	return out
}

// Refresh brings every published plan up to date: the reports of the
// current period are expected, every task's light is recomputed, and the
// month's ranking is recorded. The hourly job JobRefresh calls it.
// Errors: Internal.
func (s *Service) Refresh(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM plans WHERE status = ? ORDER BY id`, StatusPublished)
	if err != nil {
		return errs.Wrap(err, "find published plans")
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return errs.Wrap(err, "find published plans")
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "find published plans")
	}
	today := s.today()
	for _, id := range ids {
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			p, err := findPlan(ctx, tx, id)
			if err != nil {
				return err
			}
			if err := s.ensureSlots(ctx, tx, p, today); err != nil {
				return err
			}
			return s.refreshPlan(ctx, tx, p)
		})
		if err != nil {
			return err
		}
	}
	return s.recordRankings(ctx, MonthOf(today))
}

func (s *Service) runRefresh(ctx context.Context, _ *jobs.Job) error { return s.Refresh(ctx) }
