package plan

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// DemoPlan is a plan the demo loads: its document (as the office would
// import it), how many months before the current one it started, and what
// each unit name the organisation does not know stands for.
type DemoPlan struct {
	Doc *Document
	// StartMonthsAgo places the plan in time: its dates move by whole
	// months so that it began this many months before the current month.
	StartMonthsAgo int
	// Map says what an unknown unit name stands for; nil (or a zero
	// MapInput) creates a department of that name.
	Map func(name string) MapInput
}

// DemoOptions name the units the demo makes report late or not at all and
// fall behind their indicators (Behind), so that the lights and the
// ranking mean something, and those whose latest report it leaves for the
// user to file (Keep).
type DemoOptions struct {
	Behind []string
	Keep   []string
}

// LoadDemo loads the demo's plans as they would have been run: each is
// imported and published at its start, its unknown names mapped; then,
// month by month up to today, the units file their reports (most on time,
// some late, a few not at all) with progress and indicator values that
// follow — or fall behind — the trajectories, the office issues 督办 and
// confirms tasks done, and each month's ranking is recorded. It works on a
// copy of the service whose clock walks through those months. For the demo
// loader. Errors: those of Import, MapUnits, Publish, FileReport, Refresh.
func (s *Service) LoadDemo(ctx context.Context, plans []DemoPlan, o DemoOptions) error {
	today := s.today()
	clk := &demoClock{}
	sim := *s
	sim.now = clk.Now
	if s.audit != nil {
		al := *s.audit
		al.Now = clk.Now
		sim.audit = &al
	}
	office := auth.Operator("demo")
	ctx = audit.WithActor(ctx, audit.Who{Name: "demo"})
	type event struct {
		at  time.Time
		seq int
		run func() error
	}
	var events []event
	add := func(d workday.Date, hour int, f func() error) {
		events = append(events, event{at: d.Start().Add(time.Duration(hour) * time.Hour), seq: len(events), run: f})
	}
	behind := map[string]bool{}
	for _, n := range o.Behind {
		behind[n] = true
	}
	keep := map[string]bool{}
	for _, n := range o.Keep {
		keep[n] = true
	}
	first := MonthOf(today)
	for _, dp := range plans {
		start := MonthOf(today)
		for i := 0; i < dp.StartMonthsAgo; i++ {
			start = start.Prev(Monthly)
		}
		first = min(first, start)
		doc := shiftDocument(dp.Doc, start)
		dp := dp
		publish := s.cal.OnOrAfter(start.Start().AddDays(2))
		if publish > today {
			publish = today
		}
		add(publish, 9, func() error {
			res, err := sim.Import(ctx, office, doc, ImportOptions{})
			if err != nil {
				return fmt.Errorf("demo plan %s: %w %v", doc.Title, err, res)
			}
			names, err := sim.FindUnknownNames(ctx, office, res.ID)
			if err != nil {
				return err
			}
			for _, n := range names {
				in := MapInput{}
				if dp.Map != nil {
					in = dp.Map(n.Name)
				}
				if len(in.UnitIDs) == 0 && in.CreateKind == "" && !in.Ignore {
					in.CreateKind = "政府部门"
				}
				in.Name = n.Name
				if _, err := sim.MapUnits(ctx, office, res.ID, in); err != nil {
					return fmt.Errorf("demo plan %s, unit %s: %w", doc.Title, n.Name, err)
				}
			}
			p, err := sim.Publish(ctx, office, res.ID)
			if err != nil {
				return fmt.Errorf("demo plan %s: %w", doc.Title, err)
			}
			// The months that follow, scheduled once the plan exists.
			return sim.demoMonths(ctx, p, today, behind, keep, func(d workday.Date, hour int, f func() error) {
				add(d, hour, f)
			})
		})
	}
	// The ranking recorded at the end of every month, and today.
	for m := first; m < MonthOf(today); m = m.Next(Monthly) {
		add(m.End(Monthly), 20, func() error { return sim.Refresh(ctx) })
	}
	// Run in time order; events may add later events.
	for len(events) > 0 {
		sort.SliceStable(events, func(i, j int) bool {
			if !events[i].at.Equal(events[j].at) {
				return events[i].at.Before(events[j].at)
			}
			return events[i].seq < events[j].seq
		})
		e := events[0]
		events = events[1:]
		clk.set(e.at)
		if err := e.run(); err != nil {
			return err
		}
	}
	return s.Refresh(ctx)
}

// demoMonths schedules a published plan's months: reports, values, 督办
// and 销号.
func (s *Service) demoMonths(ctx context.Context, p *Plan, today workday.Date, behind, keep map[string]bool,
	add func(d workday.Date, hour int, f func() error)) error {
	office := auth.Operator("demo")
	c := p.Settings.Cadence
	first := PeriodOf(workday.DateOf(*p.PublishedAt), c)
	// Every reporting unit, with its tasks and indicators.
	type unitWork struct {
		id    int64
		name  string
		tasks []*Task
		inds  []*Indicator
	}
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT tu.unit_id, u.name FROM plan_task_units tu JOIN units u ON u.id = tu.unit_id
		WHERE tu.plan_id = ? AND tu.role IN (?, ?) ORDER BY tu.unit_id`, p.ID, RoleLead, RoleResp)
	if err != nil {
		return errs.Wrap(err, "demo units")
	}
	var units []*unitWork
	for rows.Next() {
		u := &unitWork{}
		if err := rows.Scan(&u.id, &u.name); err != nil {
			rows.Close()
			return errs.Wrap(err, "demo units")
		}
		units = append(units, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "demo units")
	}
	for _, u := range units {
		held, err := heldTasks(ctx, s.db, p.ID, u.id)
		if err != nil {
			return err
		}
		for _, t := range held {
			if t.Leaf {
				u.tasks = append(u.tasks, t)
			}
		}
		sort.Slice(u.tasks, func(i, j int) bool { return pathKey(u.tasks[i].Path) < pathKey(u.tasks[j].Path) })
		if len(u.tasks) > 6 {
			u.tasks = u.tasks[:6]
		}
		mine, err := unitIndicators(ctx, s.db, p.ID, u.id)
		if err != nil {
			return err
		}
		for _, ind := range mine {
			u.inds = append(u.inds, ind)
		}
		sort.Slice(u.inds, func(i, j int) bool { return u.inds[i].ID < u.inds[j].ID })
	}
	all, err := s.planIndicators(ctx, s.db, p)
	if err != nil {
		return err
	}
	eff := map[int64]*Indicator{}
	for _, ind := range all {
		eff[ind.ID] = ind
	}
	texts := []string{"已制定落实方案，明确责任分工和时间节点", "召开专题推进会，梳理问题清单并逐项推进", "主要举措已落地，形成阶段性成果",
		"持续推进，重点事项按计划完成", "总结经验做法，完善长效机制，准备迎接检查", "对照目标查漏补缺，巩固提升成效"}
	problems := []string{"部分区配套政策尚未出台", "跨部门数据共享仍有堵点", "企业申报材料准备不足，需加强辅导", "资金拨付进度偏慢"}
	i := 0
	for per := first; ; per = per.Next(c) {
		due := DueDate(s.cal, per, p.Settings)
		if per.Start() > today || (p.PeriodTo != nil && per.Start() > *p.PeriodTo) {
			break
		}
		idx := i
		i++
		last := DueDate(s.cal, per.Next(c), p.Settings) > today // the latest period due
		for _, u := range units {
			u := u
			h := fnv.New32a()
			fmt.Fprintf(h, "%s/%d", u.name, idx)
			roll := h.Sum32() % 20
			day := s.cal.AddWorkdays(due, -1)
			switch {
			case keep[u.name] && last:
				continue // left for the user to file
			case behind[u.name] && (roll < 6 || last):
				continue // not filed at all
			case behind[u.name] || roll == 19:
				day = s.cal.AddWorkdays(due, 2) // late
			case roll == 18 && last:
				continue
			}
			if day >= today {
				continue
			}
			factor := 1.04
			if behind[u.name] {
				factor = 0.6
			} else if roll >= 14 {
				factor = 0.92
			}
			add(day, 10, func() error {
				actor, err := s.demoUnitActor(u.id)
				if err != nil {
					return err
				}
				in := ReportInput{Period: per, Summary: fmt.Sprintf("%s%s办理情况：总体按计划推进。", u.name, per.Label(c))}
				for k, t := range u.tasks {
					if cur, err := findTask(ctx, s.db, t.ID); err != nil {
						return err
					} else if cur.Status != TaskOpen {
						continue
					}
					progress := min(100, int(math.Round(float64(idx+1)*100/6*factor))+k%3*5)
					item := ReportItemInput{TaskID: t.ID, Progress: &progress, Text: texts[(idx+k)%len(texts)],
						NextSteps: "继续按方案推进，按月报送进展"}
					if (idx+k)%4 == 1 {
						item.Problems = problems[(idx+k)%len(problems)]
					}
					if !behind[u.name] {
						// The earliest milestone due by now is reached.
						ms, err := findMilestones(ctx, s.db, t.ID)
						if err != nil {
							return err
						}
						for _, m := range ms {
							if m.ReachedOn == nil && m.Due != nil && *m.Due <= s.today() {
								id := m.ID
								item.MilestoneID = &id
								break
							}
						}
					}
					in.Items = append(in.Items, item)
				}
				asOf := s.today()
				for _, ind := range u.inds {
					e := eff[ind.ID]
					v := demoValue(e, p, asOf, factor)
					in.Values = append(in.Values, ValueInput{IndicatorID: ind.ID, Value: v, AsOf: &asOf, Evidence: "据" + u.name + "统计台账"})
				}
				if _, err := s.FileReport(audit.WithActor(ctx, audit.Who{Name: actor.Name}), actor, p.ID, in); err != nil {
					return fmt.Errorf("demo report of %s for %s: %w", u.name, per, err)
				}
				return nil
			})
		}
		// A 督办 on a task of each unit that fell behind, a week after the
		// due date of the second period; answered late or not at all.
		if idx == 1 {
			for _, u := range units {
				if !behind[u.name] || len(u.tasks) == 0 {
					continue
				}
				t, uid := u.tasks[0], u.id
				issued := s.cal.AddWorkdays(due, 5)
				if issued >= today {
					continue
				}
				add(issued, 15, func() error {
					_, err := s.IssueNotice(ctx, office, t.ID, NoticeInput{UnitID: &uid, Text: "该任务进展滞后、未按时报送进展，请说明原因并提出整改措施。"})
					return err
				})
			}
		}
		// A task done: the first unit not behind claims its first task in
		// the fourth period; the office confirms it a few days later.
		if idx == 3 {
			for _, u := range units {
				if behind[u.name] || keep[u.name] || len(u.tasks) < 2 {
					continue
				}
				t := u.tasks[len(u.tasks)-1]
				claim := s.cal.AddWorkdays(due, 1)
				confirm := s.cal.AddWorkdays(due, 4)
				if confirm >= today {
					break
				}
				uid := u.id
				add(claim, 11, func() error {
					actor, err := s.demoUnitActor(uid)
					if err != nil {
						return err
					}
					full := 100
					_, err = s.FileReport(ctx, actor, p.ID, ReportInput{Period: per, Items: []ReportItemInput{{TaskID: t.ID, Progress: &full,
						Text: "任务已全部完成，佐证材料已上传", Done: true}}})
					return err
				})
				add(confirm, 16, func() error {
					_, err := s.ConfirmDone(ctx, office, t.ID, true, "佐证材料齐全，同意销号")
					return err
				})
				break
			}
		}
	}
	return nil
}

// demoUnitActor returns an actor of unit id: a unit-staff account of it
// when there is one, else one made up for the demo (reports do not need
// an account; the audit log names the unit).
func (s *Service) demoUnitActor(id int64) (*auth.Actor, error) {
	staff, err := unitStaff(context.Background(), s.db, []int64{id})
	if err != nil {
		return nil, err
	}
	u := id
	a := &auth.Actor{Name: "demo", DisplayName: "演示数据", Role: auth.RoleUnitStaff, UnitID: &u}
	if len(staff[id]) > 0 {
		a.UserID = staff[id][0]
	}
	return a, nil
}

// demoValue is an indicator's value on date d for a unit doing factor as
// well as its trajectory asks: the trajectory (the baseline at the plan's
// start, the interim targets, the target at its due date) interpolated at
// d, with the way from the baseline scaled by factor.
func demoValue(ind *Indicator, p *Plan, d workday.Date, factor float64) float64 {
	base := 0.0
	if ind.Base != nil {
		base = *ind.Base
	}
	pts := []Target{}
	if p.PeriodFrom != nil {
		pts = append(pts, Target{Due: *p.PeriodFrom, Value: base})
	}
	pts = append(pts, ind.points()...)
	want := base
	for i := range pts {
		if pts[i].Due <= d {
			want = pts[i].Value
			if i+1 < len(pts) && pts[i+1].Due > d {
				a, b := pts[i], pts[i+1]
				want = a.Value + (b.Value-a.Value)*float64(d-a.Due)/float64(b.Due-a.Due)
			}
		}
	}
	v := base + (want-base)*factor
	if math.Abs(v) >= 100 {
		return math.Round(v)
	}
	return math.Round(v*100) / 100
}

// shiftDocument returns a copy of doc with every date moved by whole months
// so that its period starts in month start; month ends stay month ends, a
// year (全年) deadline becomes the shifted period's end, and the years and
// months written in texts that name them follow.
func shiftDocument(doc *Document, start Period) *Document {
	d := *doc
	from, err := workday.ParseDate(doc.PeriodFrom)
	if err != nil {
		return &d
	}
	k := monthsBetween(PeriodOf(from, Monthly), start)
	shift := func(s string) string {
		if s == "" {
			return s
		}
		x, err := workday.ParseDate(s)
		if err != nil {
			return s
		}
		return shiftDate(x, k).String()
	}
	oldYear, newYear := from.Year(), shiftDate(from, k).Year()
	yearRE := regexp.MustCompile(strconv.Itoa(oldYear))
	d.Title = yearRE.ReplaceAllString(d.Title, strconv.Itoa(newYear))
	d.DocNumber = yearRE.ReplaceAllString(d.DocNumber, strconv.Itoa(newYear))
	d.Date, d.PeriodFrom, d.PeriodTo = shift(d.Date), shift(d.PeriodFrom), shift(d.PeriodTo)
	d.Stages = append([]DocStage(nil), doc.Stages...)
	for i := range d.Stages {
		d.Stages[i].From, d.Stages[i].To = shift(d.Stages[i].From), shift(d.Stages[i].To)
	}
	monthEndRE := regexp.MustCompile(`^(\d{1,2})月底前$`)
	d.Items = make([]DocItem, len(doc.Items))
	for i, it := range doc.Items {
		it.Deadlines = append([]DocDeadline(nil), it.Deadlines...)
		for j, dl := range it.Deadlines {
			if dl.Date == nil {
				continue
			}
			v := shift(*dl.Date)
			if dl.Kind == "year" {
				v = d.PeriodTo
			}
			it.Deadlines[j].Date = &v
			if monthEndRE.MatchString(dl.Text) {
				nd, _ := workday.ParseDate(v)
				_, m, _ := nd.YMD()
				it.Deadlines[j].Text = fmt.Sprintf("%d月底前", m)
			}
		}
		it.Milestones = append([]DocMilestone(nil), it.Milestones...)
		for j := range it.Milestones {
			it.Milestones[j].Date = shift(it.Milestones[j].Date)
		}
		it.Indicators = append([]DocIndicator(nil), it.Indicators...)
		for j := range it.Indicators {
			ind := &it.Indicators[j]
			ind.Due = shift(ind.Due)
			ind.Targets = append([]DocTarget(nil), ind.Targets...)
			for t := range ind.Targets {
				ind.Targets[t].Date = shift(ind.Targets[t].Date)
			}
		}
		if !strings.Contains(it.Text, strconv.Itoa(oldYear)) {
			d.Items[i] = it
			continue
		}
		it.Text = yearRE.ReplaceAllString(it.Text, strconv.Itoa(newYear))
		d.Items[i] = it
	}
	return &d
}

// monthsBetween returns how many months b is after a.
func monthsBetween(a, b Period) int {
	ay, am := a.ym()
	by, bm := b.ym()
	return (by-ay)*12 + bm - am
}

// shiftDate moves d by k months, keeping a month's last day its last day.
func shiftDate(d workday.Date, k int) workday.Date {
	y, m, day := d.YMD()
	last := monthEnd(y, int(m)) == d
	nm := int(m) + k
	ny := y + (nm-1)/12
	if nm < 1 {
		ny = y + (nm-12)/12
	}
	nm = ((nm-1)%12+12)%12 + 1
	end := monthEnd(ny, nm)
	if last {
		return end
	}
	_, _, endDay := end.YMD()
	return workday.NewDate(ny, time.Month(nm), min(day, endDay))
}

// demoClock is the moving clock of LoadDemo.
type demoClock struct{ t time.Time }

func (c *demoClock) Now() time.Time  { return c.t }
func (c *demoClock) set(t time.Time) { c.t = t }
