package planbench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/plan"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Password is the password of the bench's accounts.
const Password = "bench-pass-2026"

// The accounts the pages are requested as: the office (admin), a leader
// and the staff of the unit that holds the most tasks.
const (
	UserOffice = "office"
	UserLeader = "leader"
	UserStaff  = "staff"
)

// departments are the first unit names; the rest are numbered.
var departments = []string{"市发展和改革委员会", "市经济和信息化局", "市商务局", "市财政局", "市人力资源和社会保障局",
	"市自然资源和规划局", "市住房和城乡建设局", "市市场监督管理局", "市数据局", "市政务服务和大数据管理局", "市税务局",
	"市科学技术局", "市生态环境局", "市交通运输局", "市水务局", "市司法局", "市公安局", "市地方金融管理局", "市统计局",
	"市城市管理执法委员会", "江岸区人民政府", "江汉区人民政府", "硚口区人民政府", "汉阳区人民政府", "武昌区人民政府",
	"青山区人民政府", "洪山区人民政府", "东西湖区人民政府", "汉南区人民政府", "蔡甸区人民政府", "江夏区人民政府",
	"黄陂区人民政府", "新洲区人民政府"}

// seeded is what the seeding left for the pages to ask for.
type seeded struct {
	plans     []int64
	staffUnit int64
	staffPlan int64 // a published plan in which the staff's unit holds tasks
	staffTask int64 // a task of that plan the staff's unit holds
	indicator int64 // an indicator of that plan
	rows      map[string]int
}

// planShape is one plan's assignment of units, decided before its import.
type planShape struct {
	pool      []int64          // the plan's units
	reporting map[int64][]int  // unit → indexes of the leaf tasks it leads or is responsible for
	leafPaths [][]int          // the leaf tasks' paths, by index
	deadlines []workday.Date   // the leaf tasks' deadlines, by index
	names     map[int64]string // unit id → name
}

// seed fills a migrated database: units, accounts, o.Plans plans of
// o.Tasks tasks in all imported and published through the domain at the
// start of the reporting history, then the history itself (monthly reports
// with an item per task, indicator values, 督办, the ranking of every past
// month) in bulk, and finally one refresh through the domain (lights, the
// month's expected reports and ranking) as the hourly job runs it.
func seed(ctx context.Context, a *app.App, clk *clock, o Options, logf func(string, ...any)) (*seeded, error) {
	ctx = audit.WithActor(ctx, audit.Who{Name: "bench"})
	op := auth.Operator("bench")
	rng := rand.New(rand.NewPCG(13, uint64(o.Plans)))
	today := workday.Today(clk.Now)
	start := plan.MonthOf(today)
	for i := 0; i < o.Months; i++ {
		start = start.Prev(plan.Monthly)
	}
	out := &seeded{rows: map[string]int{}}

	// Units and accounts.
	t0 := time.Now()
	unitIDs := make([]int64, 0, o.Units)
	names := map[int64]string{}
	for i := 0; i < o.Units; i++ {
		in := org.UnitInput{Name: fmt.Sprintf("市直单位%03d", i+1), Kind: org.KindDepartment, Sort: i}
		if i < len(departments) {
			in.Name = departments[i]
			if strings.HasSuffix(in.Name, "区人民政府") {
				in.Kind = org.KindDistrict
			}
		}
		u, err := a.Org.CreateUnit(ctx, op, in)
		if err != nil {
			return nil, err
		}
		unitIDs = append(unitIDs, u.ID)
		names[u.ID] = u.Name
	}
	out.staffUnit = unitIDs[0]
	for _, u := range []auth.UserInput{
		{Username: UserOffice, DisplayName: "督查室", Role: auth.RoleAdmin},
		{Username: UserLeader, DisplayName: "市领导", Role: auth.RoleLeader},
		{Username: UserStaff, DisplayName: "发改委经办人", Role: auth.RoleUnitStaff, UnitID: &out.staffUnit},
	} {
		u.Password = Password
		if _, err := a.Auth.CreateUser(ctx, op, u); err != nil {
			return nil, err
		}
	}
	out.rows["units"] = o.Units
	logf("  %d units and 3 accounts in %s", o.Units, since(t0))

	// The plans, through the domain, at the start of the history.
	t0 = time.Now()
	clk.set(start.Start().AddDays(4).Start().Add(9 * time.Hour))
	shapes := map[int64]*planShape{}
	tasksLeft := o.Tasks
	for p := 0; p < o.Plans; p++ {
		n := tasksLeft / (o.Plans - p)
		tasksLeft -= n
		doc, shape := document(rng, p, n, start, today, unitIDs, names)
		res, err := a.Plans.Import(ctx, op, doc, plan.ImportOptions{Strict: true})
		if err != nil {
			return nil, fmt.Errorf("import plan %d: %w", p+1, err)
		}
		if _, err := a.Plans.Publish(ctx, op, res.ID); err != nil {
			return nil, fmt.Errorf("publish plan %d: %w", p+1, err)
		}
		out.plans = append(out.plans, res.ID)
		shapes[res.ID] = shape
		out.rows["tasks"] += res.Tasks
		out.rows["indicators"] += res.Indicators
	}
	logf("  %d plans, %d tasks, %d indicators imported and published in %s", o.Plans, out.rows["tasks"], out.rows["indicators"], since(t0))

	// The history, in bulk.
	t0 = time.Now()
	clk.set(today.Start().Add(10 * time.Hour))
	if err := history(ctx, a, rng, start, today, shapes, out); err != nil {
		return nil, err
	}
	logf("  %d reports, %d report items, %d indicator values, %d 督办, %d ranking rows in %s", out.rows["reports"], out.rows["report items"],
		out.rows["indicator values"], out.rows["notices"], out.rows["ranking rows"], since(t0))

	// One refresh, as the hourly job runs it.
	t0 = time.Now()
	if err := a.Plans.Refresh(ctx); err != nil {
		return nil, err
	}
	logf("  refresh (lights, expected reports, ranking) in %s", since(t0))

	// What the pages ask for: the first plan in which the staff's unit holds
	// most tasks.
	best := -1
	for _, id := range out.plans {
		if n := len(shapes[id].reporting[out.staffUnit]); n > best {
			best, out.staffPlan = n, id
		}
		out.rows["staff tasks"] += len(shapes[id].reporting[out.staffUnit])
	}
	if err := a.DB.QueryRowContext(ctx, `SELECT MIN(t.id) FROM plan_tasks t JOIN plan_task_units u ON u.task_id = t.id
		WHERE t.plan_id = ? AND u.unit_id = ? AND t.leaf AND t.status <> ?`, out.staffPlan, out.staffUnit, plan.TaskDone).Scan(&out.staffTask); err != nil {
		return nil, errs.Wrap(err, "find the staff's task")
	}
	if err := a.DB.QueryRowContext(ctx, `SELECT MIN(id) FROM plan_indicators WHERE plan_id = ? AND task_id IS NOT NULL`, out.staffPlan).Scan(&out.indicator); err != nil {
		return nil, errs.Wrap(err, "find an indicator")
	}
	return out, nil
}

// document builds plan p's 责任分解表 as the parser's JSON would give it:
// a 工作目标 section with three goals and their indicators, and a 重点任务
// section of headings, each with its tasks (units from the plan's pool of
// 25, deadlines over the plan's three and a half years, an indicator with
// quarterly targets on every fifth task).
func document(rng *rand.Rand, p, tasks int, start plan.Month, today workday.Date, units []int64, names map[int64]string) (*plan.Document, *planShape) {
	from := start.Start()
	to := workday.NewDate(today.Year()+1, time.June, 30)
	shape := &planShape{reporting: map[int64][]int{}, names: names}
	shape.pool = append(shape.pool, units[0])
	for _, i := range rng.Perm(len(units) - 1)[:min(24, len(units)-1)] {
		shape.pool = append(shape.pool, units[i+1])
	}
	doc := &plan.Document{Title: fmt.Sprintf("第%d号重点工作推进方案", p+1), DocNumber: fmt.Sprintf("政办〔%d〕%d号", from.Year(), p+1),
		Issuer: "市人民政府办公厅", Date: from.String(), PeriodFrom: from.String(), PeriodTo: to.String(), Warnings: []string{}}
	item := func(path []int, kind, heading, text string) plan.DocItem {
		return plan.DocItem{Path: path, Kind: kind, Heading: heading, Text: text, LeadUnits: []string{}, Units: []string{},
			CoopUnits: []string{}, Deadlines: []plan.DocDeadline{}, Indicators: []plan.DocIndicator{}}
	}
	measures := []string{"家", "亿元", "%", "个", "名", "件"}
	indicator := func(name string, due workday.Date, owner string) plan.DocIndicator {
		target := float64(50 + rng.IntN(950))
		base := target * 0.2
		ind := plan.DocIndicator{Text: fmt.Sprintf("%s达到%.0f", name, target), Name: name, Op: ">=", Value: target,
			Unit: measures[rng.IntN(len(measures))], Baseline: &base, Owner: owner}
		y1, m1, _ := due.YMD()
		y0, m0, _ := from.YMD()
		months := (y1-y0)*12 + int(m1-m0)
		for q := 3; q < months; q += 3 {
			d := from.Start().AddDate(0, q, -1)
			ind.Targets = append(ind.Targets, plan.DocTarget{Date: workday.DateOf(d).String(),
				Value: base + (target-base)*float64(q)/float64(months)})
		}
		return ind
	}
	g := item([]int{1}, plan.KindGoal, "工作目标", "到期末，营商环境主要指标进入全国前列。")
	doc.Items = append(doc.Items, g)
	for k := 1; k <= 3; k++ {
		it := item([]int{1, k}, plan.KindGoal, fmt.Sprintf("目标%d", k), "按年度推进，逐季考核。")
		it.Indicators = append(it.Indicators, indicator(fmt.Sprintf("第%d号方案目标指标%d", p+1, k), to, names[shape.pool[0]]))
		doc.Items = append(doc.Items, it)
	}
	doc.Items = append(doc.Items, item([]int{2}, plan.KindTask, "重点任务", ""))
	sections := 9
	leaves := tasks - 1 - sections
	pick := func() int64 { return shape.pool[rng.IntN(len(shape.pool))] }
	span := to.Start().Sub(from.Start().AddDate(0, 9, 0))
	for s := 1; s <= sections; s++ {
		doc.Items = append(doc.Items, item([]int{2, s}, plan.KindTask, fmt.Sprintf("第%d方面重点工作", s), "围绕企业关切，分项推进。"))
		n := leaves / (sections - s + 1)
		leaves -= n
		for j := 1; j <= n; j++ {
			path := []int{2, s, j}
			it := item(path, plan.KindTask, fmt.Sprintf("任务%d-%d", s, j),
				fmt.Sprintf("推进第%d方面第%d项工作，建立台账，按月报送进展，确保按期完成。", s, j))
			lead := pick()
			it.LeadUnits = []string{names[lead]}
			idx := len(shape.leafPaths)
			shape.reporting[lead] = append(shape.reporting[lead], idx)
			if rng.IntN(2) == 0 {
				if r := pick(); r != lead {
					it.Units = []string{names[r]}
					shape.reporting[r] = append(shape.reporting[r], idx)
				}
			}
			if rng.IntN(5) < 2 {
				if c := pick(); c != lead && (len(it.Units) == 0 || names[c] != it.Units[0]) {
					it.CoopUnits = []string{names[c]}
				}
			}
			due := workday.DateOf(from.Start().AddDate(0, 9, 0).Add(time.Duration(rng.Int64N(int64(span)))))
			dy, dm, _ := due.YMD()
			due = workday.NewDate(dy, dm+1, 1).AddDays(-1) // a month's end
			switch rng.IntN(10) {
			case 0:
				it.Deadlines = append(it.Deadlines, plan.DocDeadline{Text: "长期坚持", Kind: "continuous"})
			default:
				d := due.String()
				it.Deadlines = append(it.Deadlines, plan.DocDeadline{Text: fmt.Sprintf("%d年%d月底前", dy, dm), Date: &d, Kind: "date"})
			}
			if (idx+1)%5 == 0 {
				end := due
				if end < today {
					end = to
				}
				it.Indicators = append(it.Indicators, indicator(fmt.Sprintf("任务%d-%d指标", s, j), end, names[lead]))
			}
			shape.leafPaths = append(shape.leafPaths, path)
			shape.deadlines = append(shape.deadlines, due)
			doc.Items = append(doc.Items, it)
		}
	}
	return doc, shape
}

// history writes the plans' past in bulk: every unit's monthly report of
// every past month (most filed, most on time, an item per task it holds),
// the indicators' monthly values on or behind their trajectories, 督办 with
// replies, each task's latest progress and 销号 for most of the tasks past
// their deadline, and the ranking of every past month.
func history(ctx context.Context, a *app.App, rng *rand.Rand, start plan.Month, today workday.Date, shapes map[int64]*planShape, out *seeded) error {
	db := a.DB
	cur := plan.MonthOf(today)
	nowMs := store.Millis(a.Now())
	st := plan.Settings{Cadence: plan.Monthly, DueWorkday: 5}
	var months []plan.Month
	for m := start; m < cur; m = m.Next(plan.Monthly) {
		months = append(months, m)
	}
	// Leaf task ids by path, per plan.
	taskIDs := map[int64]map[string]int64{}
	rows, err := db.QueryContext(ctx, `SELECT id, plan_id, path_key FROM plan_tasks WHERE leaf`)
	if err != nil {
		return errs.Wrap(err, "read tasks")
	}
	for rows.Next() {
		var id, pid int64
		var key string
		if err := rows.Scan(&id, &pid, &key); err != nil {
			rows.Close()
			return errs.Wrap(err, "read tasks")
		}
		if taskIDs[pid] == nil {
			taskIDs[pid] = map[string]int64{}
		}
		taskIDs[pid][key] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "read tasks")
	}
	keyOf := func(path []int) string {
		parts := make([]string, len(path))
		for i, n := range path {
			parts[i] = fmt.Sprintf("%04d", n)
		}
		return strings.Join(parts, ".")
	}
	// Reports: one per plan, reporting unit and month, the current month's
	// pending.
	// Publishing expected the first month's reports; they are written
	// again below with the rest.
	if _, err := db.ExecContext(ctx, `DELETE FROM plan_reports`); err != nil {
		return errs.Wrap(err, "clear expected reports")
	}
	var reports [][]any
	behind := map[int64]bool{} // units that often report late
	for pid, sh := range shapes {
		for u := range sh.reporting {
			if _, ok := behind[u]; !ok {
				behind[u] = rng.IntN(6) == 0
			}
			for _, m := range months {
				due := plan.DueDate(a.Calendar, m, st)
				if rng.IntN(40) == 0 {
					reports = append(reports, []any{pid, u, string(m), due.String(), plan.ReportPending, nil, nil, nil, "", nil})
					continue
				}
				late := rng.IntN(10) == 0 || (behind[u] && rng.IntN(3) == 0)
				at := due.Start().Add(-time.Duration(1+rng.IntN(3)) * 24 * time.Hour).Add(15 * time.Hour)
				if late {
					at = due.Start().Add(time.Duration(1+rng.IntN(5)) * 24 * time.Hour).Add(15 * time.Hour)
				}
				ms := store.Millis(at)
				reports = append(reports, []any{pid, u, string(m), due.String(), plan.ReportFiled, ms, ms, !late,
					fmt.Sprintf("%s月份工作进展：各项任务按计划推进。", m), nil})
			}
			reports = append(reports, []any{pid, u, string(cur), plan.DueDate(a.Calendar, cur, st).String(), plan.ReportPending, nil, nil, nil, "", nil})
		}
	}
	if err := insertRows(ctx, db, "plan_reports", []string{"plan_id", "unit_id", "period", "due_date", "status", "submitted_at",
		"updated_at", "on_time", "summary", "submitted_by"}, reports); err != nil {
		return err
	}
	out.rows["reports"] = len(reports)
	// Items: a filed report's entry for each task its unit holds.
	type slot struct {
		plan, unit int64
		period     string
	}
	reportIDs := map[slot]int64{}
	rows, err = db.QueryContext(ctx, `SELECT id, plan_id, unit_id, period FROM plan_reports WHERE status = ?`, plan.ReportFiled)
	if err != nil {
		return errs.Wrap(err, "read reports")
	}
	for rows.Next() {
		var id int64
		var k slot
		if err := rows.Scan(&id, &k.plan, &k.unit, &k.period); err != nil {
			rows.Close()
			return errs.Wrap(err, "read reports")
		}
		reportIDs[k] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "read reports")
	}
	var items [][]any
	flush := func() error {
		if err := insertRows(ctx, db, "plan_report_items", []string{"report_id", "task_id", "progress", "text", "problems", "next_steps"}, items); err != nil {
			return err
		}
		out.rows["report items"] += len(items)
		items = items[:0]
		return nil
	}
	for pid, sh := range shapes {
		for u, idxs := range sh.reporting {
			for mi, m := range months {
				rid, ok := reportIDs[slot{pid, u, string(m)}]
				if !ok {
					continue
				}
				for _, i := range idxs {
					tid := taskIDs[pid][keyOf(sh.leafPaths[i])]
					if plan.MonthOf(sh.deadlines[i]) < m {
						continue // done before this month
					}
					pct := min(100, (mi+1)*100/max(1, monthsBetween(start, plan.MonthOf(sh.deadlines[i]))+1))
					problems := ""
					if rng.IntN(8) == 0 {
						problems = "项目用地指标尚未落实，需协调解决。"
					}
					items = append(items, []any{rid, tid, pct, fmt.Sprintf("%s月：已完成阶段工作，累计完成%d%%。", m, pct), problems, "下月继续推进。"})
				}
				if len(items) >= 20000 {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	// The tasks' latest progress; 销号 of most tasks past their deadline.
	var done, open [][]any
	for pid, sh := range shapes {
		for i, path := range sh.leafPaths {
			tid := taskIDs[pid][keyOf(path)]
			dl := sh.deadlines[i]
			if dl < today && rng.IntN(10) < 8 {
				at := store.Millis(dl.Start().Add(-48 * time.Hour))
				done = append(done, []any{tid, at})
			} else {
				pct := min(95, 100*monthsBetween(start, cur)/max(1, monthsBetween(start, plan.MonthOf(dl))+1))
				open = append(open, []any{tid, pct})
			}
		}
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for _, d := range done {
			if _, err := tx.ExecContext(ctx, `UPDATE plan_tasks SET status = ?, progress = 100, latest_text = ?, latest_at = ?,
				done_claimed_at = ?, done_at = ?, done_note = ? WHERE id = ?`, plan.TaskDone, "已全面完成，材料已报送。", d[1], d[1], d[1], "经核查，同意销号。", d[0]); err != nil {
				return errs.Wrap(err, "close task")
			}
		}
		for _, o := range open {
			if _, err := tx.ExecContext(ctx, `UPDATE plan_tasks SET progress = ?, latest_text = ?, latest_at = ? WHERE id = ?`,
				o[1], fmt.Sprintf("累计完成%d%%，按计划推进。", o[1]), nowMs-86_400_000, o[0]); err != nil {
				return errs.Wrap(err, "update task")
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Indicator values: monthly, on or behind the trajectory.
	type ind struct {
		id           int64
		base, target float64
		owner        *int64
	}
	var inds []ind
	rows, err = db.QueryContext(ctx, `SELECT id, COALESCE(baseline, 0), target, owner_unit_id FROM plan_indicators`)
	if err != nil {
		return errs.Wrap(err, "read indicators")
	}
	for rows.Next() {
		var x ind
		if err := rows.Scan(&x.id, &x.base, &x.target, &x.owner); err != nil {
			rows.Close()
			return errs.Wrap(err, "read indicators")
		}
		inds = append(inds, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "read indicators")
	}
	var values [][]any
	latest := map[int64][2]any{}
	for _, x := range inds {
		pace := 0.7 + 0.5*rng.Float64()
		for mi, m := range months {
			asOf := m.End(plan.Monthly)
			v := x.base + (x.target-x.base)*pace*float64(mi+1)/float64(len(months)+6)
			v = float64(int(v*10)) / 10
			at := store.Millis(asOf.Start().Add(34 * time.Hour))
			values = append(values, []any{x.id, v, asOf.String(), "统计台账", x.owner, at})
			latest[x.id] = [2]any{v, asOf.String()}
		}
	}
	if err := insertRows(ctx, db, "plan_indicator_values", []string{"indicator_id", "value", "as_of", "evidence", "unit_id", "recorded_at"}, values); err != nil {
		return err
	}
	out.rows["indicator values"] = len(values)
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for id, l := range latest {
			if _, err := tx.ExecContext(ctx, `UPDATE plan_indicators SET actual = ?, actual_on = ? WHERE id = ?`, l[0], l[1], id); err != nil {
				return errs.Wrap(err, "update indicator")
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// 督办: about one a month per plan, most answered, a few open.
	var notices [][]any
	for pid, sh := range shapes {
		for _, m := range months {
			i := rng.IntN(len(sh.leafPaths))
			tid := taskIDs[pid][keyOf(sh.leafPaths[i])]
			var unit int64
			for u, idxs := range sh.reporting {
				for _, j := range idxs {
					if j == i {
						unit = u
					}
				}
			}
			if unit == 0 {
				continue
			}
			issued := a.Calendar.OnOrAfter(m.Start().AddDays(14))
			replyDue := a.Calendar.AddWorkdays(issued, 5)
			issuedMs := store.Millis(issued.Start().Add(10 * time.Hour))
			row := []any{pid, tid, unit, "请加快推进，按期报送办理情况。", replyDue.String(), plan.NoticeClosed, issuedMs, "", nil, nil, nil}
			switch {
			case m == months[len(months)-1] && rng.IntN(2) == 0:
				row[5] = plan.NoticeOpen
			default:
				late := rng.IntN(5) == 0
				rep := replyDue.AddDays(-1)
				if late {
					rep = replyDue.AddDays(3)
				}
				row[7], row[8], row[9] = "已专题研究，明确措施，正在推进。", store.Millis(rep.Start().Add(16*time.Hour)), !late
				row[10] = store.Millis(rep.Start().Add(40 * time.Hour))
			}
			notices = append(notices, row)
		}
	}
	if err := insertRows(ctx, db, "plan_notices", []string{"plan_id", "task_id", "unit_id", "text", "reply_due", "status", "issued_at",
		"reply", "replied_at", "on_time", "closed_at"}, notices); err != nil {
		return err
	}
	out.rows["notices"] = len(notices)
	// The ranking of every past month (the current one is the refresh's):
	// all plans (plan 0) and each plan, scores drifting around each unit's
	// level.
	level := map[int64]float64{}
	var ranks [][]any
	addRanks := func(pid int64, units []int64, m plan.Month) {
		type row struct {
			unit  int64
			score float64
		}
		var rs []row
		for _, u := range units {
			if _, ok := level[u]; !ok {
				level[u] = 60 + 35*rng.Float64()
			}
			rs = append(rs, row{u, min(100, level[u]+10*(rng.Float64()-0.5))})
		}
		for i := range rs {
			rank := 1
			for j := range rs {
				if rs[j].score > rs[i].score {
					rank++
				}
			}
			exp := 1 + rng.IntN(3)
			tasks := 5 + rng.IntN(30)
			ranks = append(ranks, []any{string(m), pid, rs[i].unit, exp, exp, exp - rng.IntN(2), tasks, tasks * int(rs[i].score) / 100,
				2, 1, 1, 1, float64(int(rs[i].score*10)) / 10, rank, store.Millis(m.End(plan.Monthly).Start().Add(20 * time.Hour))})
		}
	}
	all := map[int64]bool{}
	for _, sh := range shapes {
		for u := range sh.reporting {
			all[u] = true
		}
	}
	var allUnits []int64
	for u := range all {
		allUnits = append(allUnits, u)
	}
	for _, m := range months {
		addRanks(0, allUnits, m)
		for pid, sh := range shapes {
			var us []int64
			for u := range sh.reporting {
				us = append(us, u)
			}
			addRanks(pid, us, m)
		}
	}
	if err := insertRows(ctx, db, "plan_rankings", []string{"period", "plan_id", "unit_id", "reports_expected", "reports_received",
		"reports_on_time", "tasks_total", "tasks_on_track", "indicators_total", "indicators_achieved", "notices_due", "notices_on_time",
		"score", "rank", "computed_at"}, ranks); err != nil {
		return err
	}
	out.rows["ranking rows"] = len(ranks)
	// Statistics for the planner, and on PostgreSQL the visibility map, so
	// that autovacuum does not start on the new rows while pages are timed.
	stmt := `ANALYZE`
	if db.Dialect() == store.Postgres {
		stmt = `VACUUM ANALYZE`
	}
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		return errs.Wrap(err, "analyze")
	}
	return nil
}

// monthsBetween counts the months from a to b.
func monthsBetween(a, b plan.Month) int {
	n := 0
	for m := a; m < b; m = m.Next(plan.Monthly) {
		n++
	}
	return n
}

// insertRows writes rows into table in multi-row INSERTs of at most 30,000
// values, in one transaction.
func insertRows(ctx context.Context, db *store.DB, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	per := max(1, 30000/len(cols))
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	return db.InTx(ctx, func(tx *store.Tx) error {
		for i := 0; i < len(rows); i += per {
			chunk := rows[i:min(i+per, len(rows))]
			var b strings.Builder
			b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
			args := make([]any, 0, len(chunk)*len(cols))
			for j, r := range chunk {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(one)
				args = append(args, r...)
			}
			if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
				return errs.Wrap(err, "insert into "+table)
			}
		}
		return nil
	})
}

func since(t time.Time) time.Duration { return time.Since(t).Round(10 * time.Millisecond) }
