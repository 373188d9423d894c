package plan

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
)

// Sheet is a plan as its 责任分解表 shows it: every goal and task in
// document order with what the table prints of it. ExportDocument and the
// xlsx writer both read it.
type Sheet struct {
	Plan       *Plan
	Goals      []*Goal
	Rows       []SheetRow
	Indicators []*Indicator
	Depth      int // the deepest level of the tree
}

// SheetRow is one goal or task of a Sheet.
type SheetRow struct {
	Goal       bool
	Path       []int
	Marker     string
	Numbering  string
	Title      string
	Text       string
	Lead       []string // unit names as written, by role
	Resp       []string
	Assist     []string
	Task       *Task // nil for a goal
	Deadline   string
	Milestones []Milestone
	Indicators []*Indicator
}

// FindSheet returns plan id as its 责任分解表: goals and tasks in document
// order, with units as the plan wrote them, deadlines, milestones and
// indicators. Who may call it: as FindPlanByID. Errors: as FindPlanByID.
func (s *Service) FindSheet(ctx context.Context, a *auth.Actor, id int64) (*Sheet, error) {
	p, err := s.FindPlanByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	sh := &Sheet{Plan: p}
	goals, err := s.FindGoals(ctx, a, id)
	if err != nil {
		return nil, err
	}
	goalKeys := map[int64]string{}
	grows, err := s.db.QueryContext(ctx, `SELECT id, path_key FROM plan_goals WHERE plan_id = ?`, id)
	if err != nil {
		return nil, errs.Wrap(err, "find goals")
	}
	for grows.Next() {
		var gid int64
		var key string
		if err := grows.Scan(&gid, &key); err != nil {
			grows.Close()
			return nil, errs.Wrap(err, "find goals")
		}
		goalKeys[gid] = key
	}
	grows.Close()
	if err := grows.Err(); err != nil {
		return nil, errs.Wrap(err, "find goals")
	}
	tasks, err := queryTasks(ctx, s.db, `SELECT `+taskColumns+taskFrom+` WHERE t.plan_id = ? ORDER BY t.path_key`, id)
	if err != nil {
		return nil, err
	}
	inds, err := s.planIndicators(ctx, s.db, p)
	if err != nil {
		return nil, err
	}
	sh.Indicators = inds
	byTask := map[int64][]*Indicator{}
	for _, ind := range inds {
		if ind.TaskID != nil {
			byTask[*ind.TaskID] = append(byTask[*ind.TaskID], ind)
		}
	}
	milestones := map[int64][]Milestone{}
	mrows, err := s.db.QueryContext(ctx, `SELECT m.task_id, m.id, m.seq, m.title, m.due_date, m.reached_on, m.unit_id FROM plan_milestones m
		JOIN plan_tasks t ON t.id = m.task_id WHERE t.plan_id = ? ORDER BY m.task_id, m.seq`, id)
	if err != nil {
		return nil, errs.Wrap(err, "find milestones")
	}
	for mrows.Next() {
		var tid int64
		var m Milestone
		var unit sql.NullInt64
		if err := mrows.Scan(&tid, &m.ID, &m.Seq, &m.Title, &m.Due, &m.ReachedOn, &unit); err != nil {
			mrows.Close()
			return nil, errs.Wrap(err, "find milestones")
		}
		milestones[tid] = append(milestones[tid], m)
	}
	mrows.Close()
	if err := mrows.Err(); err != nil {
		return nil, errs.Wrap(err, "find milestones")
	}
	// Goals and tasks merged in path order.
	var rows []SheetRow
	for _, g := range goals {
		path := pathOfKey(goalKeys[g.ID])
		marker := DefaultMarker(len(path), path[len(path)-1])
		if _, ms, ok := ParseNumbering(g.Numbering); ok && len(ms) == len(path) {
			marker = ms[len(ms)-1]
			if !strings.HasPrefix(marker, "(") && !(marker >= "①" && marker <= "⑳") {
				if _, err := strconv.Atoi(marker); err == nil {
					marker += "."
				} else {
					marker += "、"
				}
			}
		}
		rows = append(rows, SheetRow{Goal: true, Path: path, Marker: marker, Numbering: g.Numbering, Title: g.Title, Text: g.Text,
			Indicators: g.Indicators})
	}
	for _, t := range tasks {
		r := SheetRow{Path: t.Path, Marker: t.Marker, Numbering: t.Numbering, Title: t.Title, Text: t.Text, Task: t,
			Deadline: deadlineCell(p, t), Milestones: milestones[t.ID], Indicators: byTask[t.ID]}
		seen := map[string]bool{}
		for _, u := range t.Units {
			if seen[string(u.Role)+u.Name] {
				continue
			}
			seen[string(u.Role)+u.Name] = true
			switch u.Role {
			case RoleLead:
				r.Lead = append(r.Lead, u.Name)
			case RoleResp:
				r.Resp = append(r.Resp, u.Name)
			default:
				r.Assist = append(r.Assist, u.Name)
			}
		}
		rows = append(rows, r)
	}
	sortRows(rows)
	for _, r := range rows {
		sh.Depth = max(sh.Depth, len(r.Path))
	}
	sh.Rows, sh.Goals = rows, goals
	return sh, nil
}

func sortRows(rows []SheetRow) {
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && pathKey(rows[j].Path) < pathKey(rows[j-1].Path); j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
}

// deadlineCell writes a task's deadline as the 责任分解表 shows it and
// ReadDeadline (with the stage names) reads it back: 2024年6月30日（6月底前）,
// 全年, 长期坚持, the stage's name, or nothing.
func deadlineCell(p *Plan, t *Task) string {
	switch t.DeadlineKind {
	case DeadlineDate:
		if t.DeadlineDate == nil {
			return t.DeadlineText
		}
		if t.DeadlineText != "" && t.DeadlineText != t.DeadlineDate.Chinese() {
			return t.DeadlineDate.Chinese() + "（" + t.DeadlineText + "）"
		}
		return t.DeadlineDate.Chinese()
	case DeadlineYear:
		if t.DeadlineDate != nil && (p.PeriodTo == nil || t.DeadlineDate.Year() != p.PeriodTo.Year()) {
			return t.DeadlineDate.Chinese() + "（全年）"
		}
		return "全年"
	case DeadlineStage, DeadlineContinuous:
		if t.DeadlineText != "" {
			return t.DeadlineText
		}
		if t.DeadlineKind == DeadlineContinuous {
			return "长期"
		}
	}
	if t.DeadlineText != "" {
		return "（" + t.DeadlineText + "）"
	}
	return ""
}

// ExportDocument returns plan id as a Document — the JSON that `qinqing
// plan import` reads back into the same plan: its description, settings
// and stages, and every goal and task with its kind, units as written,
// deadline, milestones and indicators (baseline, owner, interim targets).
// Who may call it: as FindPlanByID. Errors: as FindPlanByID.
func (s *Service) ExportDocument(ctx context.Context, a *auth.Actor, id int64) (*Document, error) {
	sh, err := s.FindSheet(ctx, a, id)
	if err != nil {
		return nil, err
	}
	p := sh.Plan
	w := p.Settings.Weights
	due, remind, warn, far := p.Settings.DueWorkday, p.Settings.RemindWorkdays, p.Settings.WarnWorkdays, p.Settings.FarBehindPct
	d := &Document{Title: p.Title, DocNumber: p.DocNumber, Issuer: p.Issuer, Date: dateString(p.IssuedOn), PeriodFrom: dateString(p.PeriodFrom),
		PeriodTo: dateString(p.PeriodTo), OwnerOffice: p.OwnerUnit, Items: []DocItem{}, Warnings: []string{},
		Settings: &DocSettings{Cadence: string(p.Settings.Cadence), DueWorkday: &due, RemindWorkdays: &remind, WarnWorkdays: &warn,
			FarBehindPct: &far, Weights: &w}}
	for _, st := range p.Stages {
		d.Stages = append(d.Stages, DocStage{Name: st.Name, From: dateString(st.From), To: dateString(st.To), Text: st.Text})
	}
	for _, r := range sh.Rows {
		it := DocItem{Path: r.Path, Marker: r.Marker, Kind: KindTask, Heading: r.Title, Text: r.Text, LeadUnits: nonNil(r.Lead),
			Units: nonNil(r.Resp), CoopUnits: nonNil(r.Assist), Deadlines: []DocDeadline{}, Indicators: []DocIndicator{}}
		if r.Goal {
			it.Kind = KindGoal
		} else {
			t := r.Task
			switch t.DeadlineKind {
			case DeadlineDate, DeadlineYear:
				ds := dateString(t.DeadlineDate)
				kind := "date"
				if t.DeadlineKind == DeadlineYear {
					kind = "year"
				}
				it.Deadlines = append(it.Deadlines, DocDeadline{Text: t.DeadlineText, Date: &ds, Kind: kind})
			case DeadlineStage:
				it.Deadlines = append(it.Deadlines, DocDeadline{Text: t.DeadlineText, Kind: "stage"})
			case DeadlineContinuous:
				it.Deadlines = append(it.Deadlines, DocDeadline{Text: t.DeadlineText, Kind: "continuous"})
			default:
				if t.DeadlineText != "" {
					it.Deadlines = append(it.Deadlines, DocDeadline{Text: t.DeadlineText, Kind: "within"})
				}
			}
			for _, m := range r.Milestones {
				it.Milestones = append(it.Milestones, DocMilestone{Title: m.Title, Date: dateString(m.Due)})
			}
		}
		for _, ind := range r.Indicators {
			di := DocIndicator{Text: ind.Text, Name: ind.Name, Op: string(ind.Op), Value: ind.Target, Unit: ind.Measure, Baseline: ind.Base,
				Due: dateString(ind.Due), Owner: ind.OwnerName}
			for _, t := range ind.Targets {
				di.Targets = append(di.Targets, DocTarget{Date: t.Due.String(), Value: t.Value})
			}
			it.Indicators = append(it.Indicators, di)
		}
		d.Items = append(d.Items, it)
	}
	return d, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
