package web

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/plan"
	"github.com/qinqing/qinqing/internal/workday"
)

// Plan supervision (督查督办) pages: the list, the import and the draft
// editor for the office, the overview for leaders, a unit's workbench and
// report form, the task page, the ranking and the briefing. Every page
// calls the plan service with the actor; what a page offers comes from
// plan.PermittedOn and plan.TaskPermittedOn.

// taskRow is a task in a list.
type taskRow struct {
	*plan.Task
	Deadline string
	Units    string
	Can      plan.TaskPermitted
}

func (s *Server) taskRows(a *auth.Actor, p *plan.Plan, list []*plan.Task) []taskRow {
	out := make([]taskRow, 0, len(list))
	for _, t := range list {
		pp := p
		if pp == nil || pp.ID != t.PlanID {
			pp = &plan.Plan{ID: t.PlanID, Status: t.Plan.Status}
		}
		out = append(out, taskRow{Task: t, Deadline: pp.DeadlineWords(t), Units: unitsText(t), Can: plan.TaskPermittedOn(a, pp, t)})
	}
	return out
}

// unitsText writes a task's units by role: 牵头：A；责任：B、C.
func unitsText(t *plan.Task) string {
	by := map[plan.Role][]string{}
	seen := map[string]bool{}
	for _, u := range t.Units {
		if seen[string(u.Role)+u.Name] {
			continue
		}
		seen[string(u.Role)+u.Name] = true
		by[u.Role] = append(by[u.Role], u.Name)
	}
	var parts []string
	for _, r := range plan.Roles {
		if len(by[r]) > 0 {
			parts = append(parts, string(r)+"："+strings.Join(by[r], "、"))
		}
	}
	return strings.Join(parts, "；")
}

// indView is an indicator against its trajectory, for pages and charts.
type indView struct {
	*plan.Indicator
	Track    plan.Track
	TargetT  string
	ActualT  string
	Expected string
	Pct      int // actual as a share of the target, 0–100 (for higher-is-better targets)
}

func indViews(cal *workday.Calendar, today workday.Date, far int, list []*plan.Indicator) []indView {
	out := make([]indView, 0, len(list))
	for _, ind := range list {
		v := indView{Indicator: ind, Track: ind.Track(cal, today, far), TargetT: ind.Op.Symbol() + " " + plan.FormatQuantity(ind.Target, ind.Measure),
			ActualT: "未报送"}
		if ind.Actual != nil {
			v.ActualT = plan.FormatQuantity(*ind.Actual, ind.Measure)
			v.Pct = achievement(ind)
		}
		if v.Track.Expected != nil {
			v.Expected = plan.FormatQuantity(*v.Track.Expected, ind.Measure) + "（" + v.Track.ExpectedBy.Chinese() + "）"
		}
		out = append(out, v)
	}
	return out
}

// expectedPct is where an indicator's trajectory says it should be by now,
// as a share of its target in % (capped at 100) the way achievement
// measures the actual; nil where the trajectory says nothing.
func expectedPct(v indView) *float64 {
	e := v.Track.Expected
	if e == nil || v.Target == 0 {
		return nil
	}
	share := *e / v.Target
	if !v.Op.Higher() && *e != 0 {
		share = v.Target / *e
	}
	pct := math.Round(math.Min(1, share)*1000) / 10
	return &pct
}

// achievement is how much of its target an indicator has reached, in %
// (capped at 100): actual/target for more-is-better, target/actual else.
func achievement(ind *plan.Indicator) int {
	if ind.Actual == nil {
		return 0
	}
	a, t := *ind.Actual, ind.Target
	var r float64
	switch {
	case ind.Op.Satisfies(a, t):
		r = 1
	case ind.Op.Higher() && t != 0:
		r = a / t
	case !ind.Op.Higher() && a != 0:
		r = t / a
	}
	return int(math.Round(math.Max(0, math.Min(1, r)) * 100))
}

// ---- The list, the import and the draft editor ----

func (s *Server) plansPage(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	q := r.URL.Query()
	p := newPager(r.URL.Path, q, 20)
	list, total, err := s.app.Plans.FindPlans(r.Context(), a, plan.PlanFilter{Status: plan.Status(q.Get("status")), Query: q.Get("q"),
		Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		return err
	}
	p.Total = total
	s.render(w, r, http.StatusOK, "plan_list.html", map[string]any{"Plans": list, "Page": p, "Statuses": plan.Statuses,
		"CanImport": a.CanSome(auth.ManagePlans)})
	return nil
}

func (s *Server) planImportPage(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "plan_import.html", map[string]any{})
	return nil
}

// planImport imports an uploaded 责任分解表 or parser JSON. A plan file is
// small (a 2,000-task 责任分解表 reads and imports in well under a second,
// docs/performance.md), so it is imported in the request, all or nothing,
// and the page shows the result at once.
func (s *Server) planImport(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.receivePlanFile(r)
	fail := func(err error) error {
		if c := errs.CodeOf(err); c == errs.Invalid || c == errs.TooLarge {
			s.render(w, r, statusOf(c), "plan_import.html", map[string]any{"Error": errs.MessageOf(err)})
			return nil
		}
		return err
	}
	if err != nil {
		return fail(err)
	}
	opts := plan.ImportOptions{Strict: r.FormValue("strict") != "", DryRun: r.FormValue("dry_run") != ""}
	res, err := s.app.Plans.Import(r.Context(), actorOf(r), doc, opts)
	if res == nil {
		return fail(err)
	}
	status := http.StatusOK
	if err != nil {
		status = statusOf(errs.CodeOf(err))
	}
	s.render(w, r, status, "plan_import.html", map[string]any{"Result": res, "Source": doc.Source, "Error": errs.MessageOf(err)})
	return nil
}

// receivePlanFile reads the uploaded plan file of a form ("file").
func (s *Server) receivePlanFile(r *http.Request) (*plan.Document, error) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		if strings.Contains(err.Error(), "too large") {
			return nil, errs.Errorf(errs.TooLarge, "上传文件超过 %d MB 上限", s.app.Config.MaxUpload>>20)
		}
		return nil, errs.FieldErrorf("file", "请选择要导入的责任分解表（.xlsx）或解析结果（.json）")
	}
	defer r.MultipartForm.RemoveAll()
	file, header, err := r.FormFile("file")
	if err != nil {
		return nil, errs.FieldErrorf("file", "请选择要导入的责任分解表（.xlsx）或解析结果（.json）")
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, plan.MaxDocument+1))
	if err != nil {
		return nil, errs.Wrap(err, "read upload")
	}
	return plan.ReadDocument(filepath.Base(header.Filename), data)
}

// planEditData is the draft editor.
type planEditData struct {
	Plan        *plan.Plan
	Can         plan.PlanPermitted
	Unknown     []plan.UnknownName
	Units       []unitRow
	Kinds       []string
	Tasks       []taskRow
	Page        *pager
	Cadences    []plan.Cadence
	Error       string
	Field       string
	ManageUnits bool
}

func (s *Server) planEditData(r *http.Request, id int64) (*planEditData, error) {
	a := actorOf(r)
	p, err := s.app.Plans.FindPlanByID(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	can := plan.PermittedOn(a, p)
	if !can.Edit {
		return nil, errs.Errorf(errs.Forbidden, "只有营商办可以编辑未结束的工作方案")
	}
	d := &planEditData{Plan: p, Can: can, Kinds: org.Kinds, Cadences: plan.Cadences, ManageUnits: a.CanSome(auth.ManageUnits)}
	if d.Unknown, err = s.app.Plans.FindUnknownNames(r.Context(), a, id); err != nil {
		return nil, err
	}
	units, err := s.app.Org.UnitTree(r.Context())
	if err != nil {
		return nil, err
	}
	d.Units = treeRows(units)
	d.Page = newPager(r.URL.Path, r.URL.Query(), 50)
	list, total, err := s.app.Plans.FindTasks(r.Context(), a, plan.TaskFilter{PlanID: id, Query: r.URL.Query().Get("q"), Limit: d.Page.Size,
		Offset: d.Page.Offset(), Order: plan.OrderPath})
	if err != nil {
		return nil, err
	}
	d.Page.Total = total
	d.Tasks = s.taskRows(a, p, list)
	return d, nil
}

func (s *Server) planEditPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.planEditData(r, id)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "plan_edit.html", d)
	return nil
}

// planFormInput reads the plan settings form.
func planFormInput(r *http.Request) (plan.PlanInput, error) {
	v := r.PostForm.Get
	in := plan.PlanInput{Title: v("title"), DocNumber: v("doc_number"), Issuer: v("issuer")}
	var err error
	if in.IssuedOn, err = optDate("issued_on", "成文日期", v("issued_on")); err != nil {
		return in, err
	}
	if in.PeriodFrom, err = optDate("period_from", "起始日期", v("period_from")); err != nil {
		return in, err
	}
	if in.PeriodTo, err = optDate("period_to", "截止日期", v("period_to")); err != nil {
		return in, err
	}
	if in.OwnerUnitID, err = optID(v("owner_unit_id"), "owner_unit_id"); err != nil {
		return in, err
	}
	in.Settings.Cadence = plan.Cadence(v("cadence"))
	ints := []struct {
		name, label string
		dst         **int
	}{{"due_workday", "报送日", &in.Settings.DueWorkday}, {"remind_workdays", "提前提醒", &in.Settings.RemindWorkdays},
		{"warn_workdays", "预警", &in.Settings.WarnWorkdays}, {"far_behind_pct", "严重落后比例", &in.Settings.FarBehindPct}}
	for _, x := range ints {
		if s := strings.TrimSpace(v(x.name)); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return in, errs.FieldErrorf(x.name, "%s应为整数", x.label)
			}
			*x.dst = &n
		}
	}
	var w plan.Weights
	weights := []struct {
		name string
		dst  *float64
	}{{"w_reporting", &w.Reporting}, {"w_tasks", &w.Tasks}, {"w_indicators", &w.Indicators}, {"w_notices", &w.Notices}}
	set := false
	for _, x := range weights {
		if s := strings.TrimSpace(v(x.name)); s != "" {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return in, errs.FieldErrorf("weights", "排名权重应为数字")
			}
			*x.dst, set = f, true
		}
	}
	if set {
		in.Settings.Weights = &w
	}
	return in, nil
}

func (s *Server) updatePlanForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in, err := planFormInput(r)
	if err == nil {
		_, err = s.app.Plans.UpdatePlan(r.Context(), actorOf(r), id, in)
	}
	return s.planEditResult(w, r, id, err, "saved")
}

// planEditResult redirects back to the editor, or shows it with the error.
func (s *Server) planEditResult(w http.ResponseWriter, r *http.Request, id int64, err error, ok string) error {
	if err != nil {
		if !formProblem(err) {
			return err
		}
		d, derr := s.planEditData(r, id)
		if derr != nil {
			return derr
		}
		d.Error, d.Field = errs.MessageOf(err), errs.FieldOf(err)
		s.render(w, r, statusOf(errs.CodeOf(err)), "plan_edit.html", d)
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/plans/%d/edit?ok=%s", id, ok), http.StatusSeeOther)
	return nil
}

func (s *Server) mapPlanUnits(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := plan.MapInput{Name: r.PostForm.Get("name"), Alias: r.PostForm.Get("alias") != ""}
	switch r.PostForm.Get("how") {
	case "ignore":
		in.Ignore = true
	case "create":
		in.CreateKind = r.PostForm.Get("kind")
	default:
		for _, v := range r.PostForm["unit_id"] {
			uid, err := optID(v, "unit_id")
			if err != nil {
				return s.planEditResult(w, r, id, err, "")
			}
			if uid != nil {
				in.UnitIDs = append(in.UnitIDs, *uid)
			}
		}
	}
	_, err = s.app.Plans.MapUnits(r.Context(), actorOf(r), id, in)
	return s.planEditResult(w, r, id, err, "saved")
}

func (s *Server) publishPlan(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.app.Plans.Publish(r.Context(), actorOf(r), id); err != nil {
		return s.planEditResult(w, r, id, err, "")
	}
	http.Redirect(w, r, fmt.Sprintf("/plans/%d?ok=published", id), http.StatusSeeOther)
	return nil
}

func (s *Server) endPlan(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.app.Plans.End(r.Context(), actorOf(r), id); err != nil {
		return s.planEditResult(w, r, id, err, "")
	}
	http.Redirect(w, r, fmt.Sprintf("/plans/%d?ok=saved", id), http.StatusSeeOther)
	return nil
}

// ---- The overview ----

// planOverview is a plan for leaders: progress by goal and by section,
// indicators against their targets, reporting, and the tasks worst first.
type planOverview struct {
	Plan      *plan.Plan
	Can       plan.PlanPermitted
	Goals     []goalView
	Sections  []plan.Section
	Tasks     []taskRow
	Page      *pager
	Light     string
	Lights    []plan.Light
	Q         url.Values
	Rate      plan.Rate
	TaskInds  []indView // the tasks' indicators, those behind first (at most 30)
	MoreInds  int       // task indicators not listed
	GoalChart string    // JSON for the indicators chart
	SecChart  string    // JSON for the sections chart
	Today     workday.Date
}

type goalView struct {
	*plan.Goal
	Inds []indView
}

func (s *Server) planPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actorOf(r)
	ctx := r.Context()
	p, err := s.app.Plans.FindPlanByID(ctx, a, id)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	today := workday.Today(s.app.Now)
	d := &planOverview{Plan: p, Can: plan.PermittedOn(a, p), Lights: plan.Lights, Light: q.Get("light"), Q: q, Today: today}
	goals, err := s.app.Plans.FindGoals(ctx, a, id)
	if err != nil {
		return err
	}
	type bar struct {
		Name     string   `json:"name"`
		Pct      int      `json:"pct"`
		Expected *float64 `json:"expected,omitempty"` // where the trajectory says it should be by now
		State    string   `json:"state"`
	}
	var bars []bar
	for _, g := range goals {
		gv := goalView{Goal: g, Inds: indViews(s.app.Calendar, today, p.Settings.FarBehindPct, g.Indicators)}
		for _, iv := range gv.Inds {
			bars = append(bars, bar{Name: iv.Name, Pct: iv.Pct, Expected: expectedPct(iv), State: string(iv.Track.State)})
		}
		d.Goals = append(d.Goals, gv)
	}
	// The tasks' indicators: those behind their trajectory first.
	all, err := s.app.Plans.FindIndicators(ctx, a, id)
	if err != nil {
		return err
	}
	var taskInds []*plan.Indicator
	for _, ind := range all {
		if ind.TaskID != nil {
			taskInds = append(taskInds, ind)
		}
	}
	views := indViews(s.app.Calendar, today, p.Settings.FarBehindPct, taskInds)
	slices.SortStableFunc(views, func(x, y indView) int { return trackRank(x.Track.State) - trackRank(y.Track.State) })
	if len(views) > 30 {
		d.MoreInds = len(views) - 30
		views = views[:30]
	}
	d.TaskInds = views
	if len(bars) == 0 {
		for _, iv := range views {
			if len(bars) == 20 {
				break
			}
			bars = append(bars, bar{Name: iv.Name, Pct: iv.Pct, Expected: expectedPct(iv), State: string(iv.Track.State)})
		}
	}
	b, _ := json.Marshal(bars)
	d.GoalChart = string(b)
	if d.Sections, err = s.app.Plans.FindSections(ctx, a, id); err != nil {
		return err
	}
	b, _ = json.Marshal(d.Sections)
	d.SecChart = string(b)
	d.Page = newPager(r.URL.Path, q, 30)
	list, total, err := s.app.Plans.FindTasks(ctx, a, plan.TaskFilter{PlanID: id, Light: plan.Light(d.Light), Query: q.Get("q"), Leaves: true,
		Limit: d.Page.Size, Offset: d.Page.Offset()})
	if err != nil {
		return err
	}
	d.Page.Total = total
	d.Tasks = s.taskRows(a, p, list)
	if p.Status != plan.StatusDraft {
		rates, err := s.app.Plans.ReportingRates(ctx, a, plan.RateFilter{PlanID: id})
		if err != nil {
			return err
		}
		for _, x := range rates {
			d.Rate.Expected += x.Expected
			d.Rate.Received += x.Received
			d.Rate.OnTime += x.OnTime
		}
	}
	s.render(w, r, http.StatusOK, "plan_overview.html", d)
	return nil
}

// trackRank orders indicator states worst first.
func trackRank(s plan.TrackState) int {
	switch s {
	case plan.TrackMissed, plan.TrackFar:
		return 0
	case plan.TrackBehind, plan.TrackUnreported:
		return 1
	case plan.TrackNotDue:
		return 2
	case plan.TrackOnTrack:
		return 3
	}
	return 4
}

// ---- A unit's workbench ----

func (s *Server) planWorkbenchPage(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	ctx := r.Context()
	q := r.URL.Query()
	pg := newPager(r.URL.Path, q, 30)
	f := plan.TaskFilter{Mine: true, Light: plan.Light(q.Get("light")), Leaves: true, Open: q.Get("all") == "", Limit: pg.Size, Offset: pg.Offset()}
	if v := q.Get("plan"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return errs.FieldErrorf("plan", "方案编号“%s”无效", v)
		}
		f.PlanID = id
	}
	list, total, err := s.app.Plans.FindTasks(ctx, a, f)
	if err != nil {
		return err
	}
	pg.Total = total
	reps, _, err := s.app.Plans.FindReports(ctx, a, plan.ReportFilter{Mine: true, Status: plan.ReportPending, Limit: 50})
	if err != nil {
		return err
	}
	notices, err := s.app.Plans.FindNotices(ctx, a, plan.NoticeFilter{Mine: true, Open: true})
	if err != nil {
		return err
	}
	figs, err := s.app.Plans.FindFigures(ctx, a)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "plan_workbench.html", map[string]any{"Tasks": s.taskRows(a, nil, list), "Page": pg, "Reports": reps,
		"Notices": notices, "F": figs, "Lights": plan.Lights, "Light": q.Get("light"), "All": q.Get("all") != "", "Q": q})
	return nil
}

// ---- The task page ----

type taskPageData struct {
	Task      *plan.Task
	Plan      *plan.Plan
	Can       plan.TaskPermitted
	PlanCan   plan.PlanPermitted
	Deadline  string
	Inds      []indView
	History   []plan.HistoryEntry
	Notices   []plan.Notice
	Links     []plan.Link
	LinkKinds map[string]string
	Children  []taskRow
	Stages    []plan.Stage
	Form      taskForm
	Error     string
	Field     string
	ReplyOK   map[int64]bool
	Today     workday.Date
}

// taskForm is the office's task edit form.
type taskForm struct {
	Title, Text, DeadlineKind, DeadlineDate, DeadlineText, StageID, Lead, Resp, Coop string
}

func taskFormOf(t *plan.Task) taskForm {
	f := taskForm{Title: t.Title, Text: t.Text, DeadlineKind: string(t.DeadlineKind), DeadlineDate: dateText(t.DeadlineDate), DeadlineText: t.DeadlineText}
	if t.StageID != nil {
		f.StageID = strconv.FormatInt(*t.StageID, 10)
	}
	by := map[plan.Role][]string{}
	seen := map[string]bool{}
	for _, u := range t.Units {
		if !seen[string(u.Role)+u.Name] {
			seen[string(u.Role)+u.Name] = true
			by[u.Role] = append(by[u.Role], u.Name)
		}
	}
	f.Lead, f.Resp, f.Coop = strings.Join(by[plan.RoleLead], "、"), strings.Join(by[plan.RoleResp], "、"), strings.Join(by[plan.RoleAssist], "、")
	return f
}

func splitNames(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '、' || r == '，' || r == ',' || r == '；' || r == ';' || r == ' ' })
}

func (f taskForm) input() (plan.TaskInput, error) {
	in := plan.TaskInput{Title: f.Title, Text: f.Text, DeadlineKind: plan.DeadlineKind(f.DeadlineKind), DeadlineText: f.DeadlineText,
		LeadUnits: splitNames(f.Lead), Units: splitNames(f.Resp), CoopUnits: splitNames(f.Coop)}
	var err error
	if in.DeadlineDate, err = optDate("deadline_date", "完成日期", f.DeadlineDate); err != nil {
		return in, err
	}
	in.StageID, err = optID(f.StageID, "stage_id")
	return in, err
}

func readTaskForm(r *http.Request) taskForm {
	v := r.PostForm.Get
	return taskForm{Title: v("title"), Text: v("text"), DeadlineKind: v("deadline_kind"), DeadlineDate: v("deadline_date"),
		DeadlineText: v("deadline_text"), StageID: v("stage_id"), Lead: v("lead_units"), Resp: v("units"), Coop: v("coop_units")}
}

// taskOfPlan reads task {tid} of plan {id} from the path.
func (s *Server) taskOfPlan(r *http.Request) (*plan.Task, *plan.Plan, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	tid, err := pathID(r, "tid")
	if err != nil {
		return nil, nil, err
	}
	t, p, err := s.app.Plans.FindTaskByID(r.Context(), actorOf(r), tid)
	if err != nil {
		return nil, nil, err
	}
	if p.ID != id {
		return nil, nil, errs.Errorf(errs.NotFound, "工作方案 %d 没有任务 %d", id, tid)
	}
	return t, p, nil
}

func (s *Server) taskPageData(r *http.Request) (*taskPageData, error) {
	a := actorOf(r)
	ctx := r.Context()
	t, p, err := s.taskOfPlan(r)
	if err != nil {
		return nil, err
	}
	today := workday.Today(s.app.Now)
	d := &taskPageData{Task: t, Plan: p, Can: plan.TaskPermittedOn(a, p, t), PlanCan: plan.PermittedOn(a, p), Deadline: p.DeadlineWords(t),
		Inds: indViews(s.app.Calendar, today, p.Settings.FarBehindPct, t.Indicators), LinkKinds: plan.LinkKinds, Stages: p.Stages,
		Form: taskFormOf(t), ReplyOK: map[int64]bool{}, Today: today}
	labels := func(entity, action string) string { return s.app.Labels.Action(entity, action) }
	if d.History, err = s.app.Plans.TaskHistory(ctx, a, t.ID, labels); err != nil {
		return nil, err
	}
	for i := range d.History {
		d.History[i].Who = s.app.Labels.Actor(d.History[i].Who)
	}
	if d.Notices, err = s.app.Plans.FindNotices(ctx, a, plan.NoticeFilter{TaskID: t.ID}); err != nil {
		return nil, err
	}
	for _, n := range d.Notices {
		d.ReplyOK[n.ID] = n.Status == plan.NoticeOpen && a.Can(auth.ReportPlans, auth.Resource{UnitIDs: []int64{n.UnitID}})
	}
	if d.Links, err = s.app.Plans.FindLinks(ctx, a, t.ID); err != nil {
		return nil, err
	}
	if !t.Leaf {
		kids, _, err := s.app.Plans.FindTasks(ctx, a, plan.TaskFilter{PlanID: p.ID, ParentID: t.ID, Limit: 500, Order: plan.OrderPath})
		if err != nil {
			return nil, err
		}
		d.Children = s.taskRows(a, p, kids)
	}
	return d, nil
}

func (s *Server) planTaskPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.taskPageData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "plan_task.html", d)
	return nil
}

// taskAction runs a step from a form on the task page and returns to it,
// or shows the page with the error.
func (s *Server) taskAction(step func(r *http.Request, a *auth.Actor, t *plan.Task) error, ok string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(r); err != nil {
			return err
		}
		t, p, err := s.taskOfPlan(r)
		if err != nil {
			return err
		}
		if err := step(r, actorOf(r), t); err != nil {
			if !formProblem(err) {
				return err
			}
			d, derr := s.taskPageData(r)
			if derr != nil {
				return derr
			}
			d.Error, d.Field = errs.MessageOf(err), errs.FieldOf(err)
			if r.URL.Path == fmt.Sprintf("/plans/%d/tasks/%d", p.ID, t.ID) {
				d.Form = readTaskForm(r)
			}
			s.render(w, r, statusOf(errs.CodeOf(err)), "plan_task.html", d)
			return nil
		}
		http.Redirect(w, r, fmt.Sprintf("/plans/%d/tasks/%d?ok=%s", p.ID, t.ID, ok), http.StatusSeeOther)
		return nil
	}
}

func (s *Server) updatePlanTask(w http.ResponseWriter, r *http.Request) error {
	return s.taskAction(func(r *http.Request, a *auth.Actor, t *plan.Task) error {
		in, err := readTaskForm(r).input()
		if err == nil {
			_, err = s.app.Plans.UpdateTask(r.Context(), a, t.ID, in)
		}
		return err
	}, "saved")(w, r)
}

func (s *Server) deletePlanTask(w http.ResponseWriter, r *http.Request) error {
	t, p, err := s.taskOfPlan(r)
	if err != nil {
		return err
	}
	if err := s.app.Plans.DeleteTask(r.Context(), actorOf(r), t.ID); err != nil {
		return err
	}
	to := fmt.Sprintf("/plans/%d/edit?ok=deleted", p.ID)
	if t.ParentID != nil && p.Status == plan.StatusPublished {
		to = fmt.Sprintf("/plans/%d/tasks/%d?ok=deleted", p.ID, *t.ParentID)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func (s *Server) addPlanTask(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in, err := readTaskForm(r).input()
	if err == nil {
		in.ParentID, err = optID(r.PostForm.Get("parent_id"), "parent_id")
	}
	var t *plan.Task
	if err == nil {
		t, err = s.app.Plans.AddTask(r.Context(), actorOf(r), id, in)
	}
	if err != nil {
		return s.planEditResult(w, r, id, err, "")
	}
	http.Redirect(w, r, fmt.Sprintf("/plans/%d/tasks/%d?ok=created", id, t.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) signPlanTask(w http.ResponseWriter, r *http.Request) error {
	return s.taskAction(func(r *http.Request, a *auth.Actor, t *plan.Task) error {
		return s.app.Plans.SignTask(r.Context(), a, t.ID)
	}, "signed")(w, r)
}

func (s *Server) splitPlanTask(w http.ResponseWriter, r *http.Request) error {
	return s.taskAction(func(r *http.Request, a *auth.Actor, t *plan.Task) error {
		d, err := optDate("deadline_date", "完成日期", r.PostForm.Get("deadline_date"))
		if err != nil {
			return err
		}
		_, err = s.app.Plans.AddSubtask(r.Context(), a, t.ID, plan.SubtaskInput{Title: r.PostForm.Get("title"), Text: r.PostForm.Get("text"), DeadlineDate: d})
		return err
	}, "created")(w, r)
}

func (s *Server) addPlanMilestone(w http.ResponseWriter, r *http.Request) error {
	return s.taskAction(func(r *http.Request, a *auth.Actor, t *plan.Task) error {
		d, err := optDate("due", "节点日期", r.PostForm.Get("due"))
		if err != nil {
			return err
		}
		_, err = s.app.Plans.AddMilestone(r.Context(), a, t.ID, plan.MilestoneInput{Title: r.PostForm.Get("title"), Due: d})
		return err
	}, "created")(w, r)
}

func (s *Server) issuePlanNotice(w http.ResponseWriter, r *http.Request) error {
	return s.taskAction(func(r *http.Request, a *auth.Actor, t *plan.Task) error {
		d, err := optDate("reply_due", "回复期限", r.PostForm.Get("reply_due"))
		if err != nil {
			return err
		}
		unit, err := optID(r.PostForm.Get("unit_id"), "unit_id")
		if err != nil {
			return err
		}
		_, err = s.app.Plans.IssueNotice(r.Context(), a, t.ID, plan.NoticeInput{UnitID: unit, Text: r.PostForm.Get("text"), ReplyDue: d})
		return err
	}, "sent")(w, r)
}

func (s *Server) confirmPlanTask(w http.ResponseWriter, r *http.Request) error {
	return s.taskAction(func(r *http.Request, a *auth.Actor, t *plan.Task) error {
		_, err := s.app.Plans.ConfirmDone(r.Context(), a, t.ID, r.PostForm.Get("decision") == "approve", r.PostForm.Get("note"))
		return err
	}, "saved")(w, r)
}

func (s *Server) linkPlanTask(w http.ResponseWriter, r *http.Request) error {
	return s.taskAction(func(r *http.Request, a *auth.Actor, t *plan.Task) error {
		target, err := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("target_id")), 10, 64)
		if err != nil || target <= 0 {
			return errs.FieldErrorf("target_id", "请填写要关联的记录编号")
		}
		_, err = s.app.Plans.LinkTask(r.Context(), a, t.ID, r.PostForm.Get("kind"), target, r.PostForm.Get("note"))
		return err
	}, "saved")(w, r)
}

func (s *Server) unlinkPlanTask(w http.ResponseWriter, r *http.Request) error {
	lid, err := pathID(r, "lid")
	if err != nil {
		return err
	}
	return s.taskAction(func(r *http.Request, a *auth.Actor, t *plan.Task) error {
		return s.app.Plans.UnlinkTask(r.Context(), a, t.ID, lid)
	}, "deleted")(w, r)
}

func (s *Server) replyPlanNotice(w http.ResponseWriter, r *http.Request) error {
	return s.noticeAction(w, r, func(a *auth.Actor, nid int64) (*plan.Notice, error) {
		return s.app.Plans.ReplyNotice(r.Context(), a, nid, r.PostForm.Get("reply"))
	})
}

func (s *Server) closePlanNotice(w http.ResponseWriter, r *http.Request) error {
	return s.noticeAction(w, r, func(a *auth.Actor, nid int64) (*plan.Notice, error) {
		return s.app.Plans.CloseNotice(r.Context(), a, nid)
	})
}

// noticeAction answers or closes a notice and returns to its task.
func (s *Server) noticeAction(w http.ResponseWriter, r *http.Request, step func(a *auth.Actor, nid int64) (*plan.Notice, error)) error {
	if err := parseForm(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	nid, err := pathID(r, "nid")
	if err != nil {
		return err
	}
	a := actorOf(r)
	n, err := s.app.Plans.FindNoticeByID(r.Context(), a, nid)
	if err != nil {
		return err
	}
	if n.PlanID != id {
		return errs.Errorf(errs.NotFound, "工作方案 %d 没有督办 %d", id, nid)
	}
	if _, err := step(a, nid); err != nil {
		if !formProblem(err) {
			return err
		}
		r.SetPathValue("tid", strconv.FormatInt(n.TaskID, 10))
		d, derr := s.taskPageData(r)
		if derr != nil {
			return derr
		}
		d.Error, d.Field = errs.MessageOf(err), errs.FieldOf(err)
		s.render(w, r, statusOf(errs.CodeOf(err)), "plan_task.html", d)
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/plans/%d/tasks/%d?ok=saved#notices", id, n.TaskID), http.StatusSeeOther)
	return nil
}

// ---- Indicators ----

func (s *Server) planIndicatorPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	iid, err := pathID(r, "iid")
	if err != nil {
		return err
	}
	a := actorOf(r)
	p, err := s.app.Plans.FindPlanByID(r.Context(), a, id)
	if err != nil {
		return err
	}
	inds, err := s.app.Plans.FindIndicators(r.Context(), a, id)
	if err != nil {
		return err
	}
	var ind *plan.Indicator
	for _, x := range inds {
		if x.ID == iid {
			ind = x
		}
	}
	if ind == nil {
		return errs.Errorf(errs.NotFound, "工作方案 %d 没有指标 %d", id, iid)
	}
	values, err := s.app.Plans.FindValues(r.Context(), a, iid)
	if err != nil {
		return err
	}
	today := workday.Today(s.app.Now)
	type point struct {
		Date  string  `json:"date"`
		Value float64 `json:"value"`
	}
	var actual, trajectory []point
	for i := len(values) - 1; i >= 0; i-- {
		actual = append(actual, point{values[i].AsOf.String(), values[i].Value})
	}
	if ind.Base != nil && p.PeriodFrom != nil {
		trajectory = append(trajectory, point{p.PeriodFrom.String(), *ind.Base})
	}
	for _, t := range ind.Targets {
		trajectory = append(trajectory, point{t.Due.String(), t.Value})
	}
	if ind.EffectiveDue != nil {
		trajectory = append(trajectory, point{ind.EffectiveDue.String(), ind.Target})
	}
	chart, _ := json.Marshal(map[string]any{"actual": actual, "trajectory": trajectory, "measure": ind.Measure})
	v := indViews(s.app.Calendar, today, p.Settings.FarBehindPct, []*plan.Indicator{ind})[0]
	canRecord := p.Status == plan.StatusPublished && a.CanSome(auth.ReportPlans)
	s.render(w, r, http.StatusOK, "plan_indicator.html", map[string]any{"Plan": p, "I": v, "Values": values, "Chart": string(chart),
		"CanRecord": canRecord, "Error": r.URL.Query().Get("error")})
	return nil
}

func (s *Server) recordPlanValue(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	iid, err := pathID(r, "iid")
	if err != nil {
		return err
	}
	in := plan.ValueInput{IndicatorID: iid, Evidence: r.PostForm.Get("evidence")}
	in.Value, err = strconv.ParseFloat(strings.TrimSpace(r.PostForm.Get("value")), 64)
	if err != nil {
		err = errs.FieldErrorf("value", "实际值应为数字")
	}
	if err == nil {
		in.AsOf, err = optDate("as_of", "统计日期", r.PostForm.Get("as_of"))
	}
	if err == nil {
		err = s.app.Plans.RecordValue(r.Context(), actorOf(r), iid, in)
	}
	if err != nil {
		if !formProblem(err) && errs.CodeOf(err) != errs.Forbidden {
			return err
		}
		http.Redirect(w, r, fmt.Sprintf("/plans/%d/indicators/%d?error=%s", id, iid, url.QueryEscape(errs.MessageOf(err))), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/plans/%d/indicators/%d?ok=saved", id, iid), http.StatusSeeOther)
	return nil
}

// ---- Reports ----

func (s *Server) planReportFormPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	unit, err := optID(q.Get("unit"), "unit")
	if err != nil {
		return err
	}
	f, err := s.app.Plans.FindReportForm(r.Context(), actorOf(r), id, unit, plan.Period(q.Get("period")))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "plan_report_form.html", s.reportFormData(f, ""))
	return nil
}

// reportFormView is the report form with each task's entry prefilled (the
// report filed for this period, else nothing) and its last entry shown.
type reportFormView struct {
	F       *plan.ReportForm
	Rows    []planReportRow
	Inds    []indView
	Values  map[int64]plan.Value
	Error   string
	Today   workday.Date
	CanFile bool
}

type planReportRow struct {
	T        *plan.Task
	Deadline string
	Item     plan.ReportItem
	Last     *plan.ReportItem
	Open     []plan.Milestone // milestones not reached
}

func (s *Server) reportFormData(f *plan.ReportForm, errMsg string) *reportFormView {
	today := workday.Today(s.app.Now)
	v := &reportFormView{F: f, Error: errMsg, Today: today, Values: map[int64]plan.Value{}, CanFile: f.Plan.Status == plan.StatusPublished && f.Report != nil}
	items := map[int64]plan.ReportItem{}
	if f.Report != nil {
		for _, it := range f.Report.Items {
			items[it.TaskID] = it
		}
		for _, val := range f.Report.Values {
			_ = val
		}
	}
	for _, t := range f.Tasks {
		if t.Status == plan.TaskDone {
			continue
		}
		row := planReportRow{T: t, Deadline: f.Plan.DeadlineWords(t), Item: items[t.ID]}
		if last, ok := f.Last[t.ID]; ok {
			row.Last = &last
		}
		for _, m := range t.Milestones {
			if m.ReachedOn == nil {
				row.Open = append(row.Open, m)
			}
		}
		v.Rows = append(v.Rows, row)
	}
	v.Inds = indViews(s.app.Calendar, today, f.Plan.Settings.FarBehindPct, f.Indicators)
	return v
}

// readReportForm reads the report form: per task aligned lists (task_id,
// progress, milestone, text, problems, next_steps), done as the task ids
// checked; per indicator aligned lists (ind_id, ind_value, ind_as_of,
// ind_evidence); files as attachments.
func readReportForm(r *http.Request) (plan.ReportInput, error) {
	f := r.PostForm
	in := plan.ReportInput{Period: plan.Period(f.Get("period")), Summary: f.Get("summary")}
	if u := f.Get("unit_id"); u != "" {
		id, err := optID(u, "unit_id")
		if err != nil {
			return in, err
		}
		in.UnitID = id
	}
	done := map[string]bool{}
	for _, v := range f["done"] {
		done[v] = true
	}
	ids, texts, probs, nexts, pcts, mss := f["task_id"], f["text"], f["problems"], f["next_steps"], f["progress"], f["milestone"]
	at := func(list []string, i int) string {
		if i < len(list) {
			return list[i]
		}
		return ""
	}
	for i, idv := range ids {
		tid, err := strconv.ParseInt(idv, 10, 64)
		if err != nil {
			return in, errs.FieldErrorf("task_id", "任务编号“%s”无效", idv)
		}
		it := plan.ReportItemInput{TaskID: tid, Text: at(texts, i), Problems: at(probs, i), NextSteps: at(nexts, i), Done: done[idv]}
		if p := strings.TrimSpace(strings.TrimSuffix(at(pcts, i), "%")); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return in, errs.FieldErrorf(fmt.Sprintf("items[%d].progress", i), "完成进度应为 0–100 的整数")
			}
			it.Progress = &n
		}
		if m := at(mss, i); m != "" {
			mid, err := strconv.ParseInt(m, 10, 64)
			if err != nil {
				return in, errs.FieldErrorf("milestone", "节点编号“%s”无效", m)
			}
			it.MilestoneID = &mid
		}
		in.Items = append(in.Items, it)
	}
	iids, vals, asofs, evs := f["ind_id"], f["ind_value"], f["ind_as_of"], f["ind_evidence"]
	for i, idv := range iids {
		val := strings.TrimSpace(at(vals, i))
		if val == "" {
			continue // not reported this time
		}
		iid, err := strconv.ParseInt(idv, 10, 64)
		if err != nil {
			return in, errs.FieldErrorf("ind_id", "指标编号“%s”无效", idv)
		}
		x, err := strconv.ParseFloat(strings.ReplaceAll(val, ",", ""), 64)
		if err != nil {
			return in, errs.FieldErrorf(fmt.Sprintf("values[%d].value", i), "指标实际值“%s”不是数字", val)
		}
		vi := plan.ValueInput{IndicatorID: iid, Value: x, Evidence: at(evs, i)}
		if vi.AsOf, err = optDate(fmt.Sprintf("values[%d].as_of", i), "统计日期", at(asofs, i)); err != nil {
			return in, err
		}
		in.Values = append(in.Values, vi)
	}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["attachments"] {
			if fh.Size == 0 && fh.Filename == "" {
				continue
			}
			file, err := fh.Open()
			if err != nil {
				return in, errs.Wrap(err, "read attachment")
			}
			data, err := io.ReadAll(io.LimitReader(file, 10<<20+1))
			file.Close()
			if err != nil {
				return in, errs.Wrap(err, "read attachment")
			}
			in.Attachments = append(in.Attachments, plan.AttachmentInput{Name: fh.Filename, Data: data})
		}
	}
	return in, nil
}

func (s *Server) filePlanReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return errs.Errorf(errs.Invalid, "表单无效")
		}
		defer r.MultipartForm.RemoveAll()
	} else if err := parseForm(r); err != nil {
		return err
	}
	a := actorOf(r)
	in, err := readReportForm(r)
	var rep *plan.Report
	if err == nil {
		rep, err = s.app.Plans.FileReport(r.Context(), a, id, in)
	}
	if err != nil {
		if !formProblem(err) {
			return err
		}
		f, ferr := s.app.Plans.FindReportForm(r.Context(), a, id, in.UnitID, in.Period)
		if ferr != nil {
			return ferr
		}
		s.render(w, r, statusOf(errs.CodeOf(err)), "plan_report_form.html", s.reportFormData(f, errs.MessageOf(err)))
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/plans/%d/reports/%d?ok=filed", id, rep.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) planReportPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rid, err := pathID(r, "rid")
	if err != nil {
		return err
	}
	rep, err := s.app.Plans.FindReportByID(r.Context(), actorOf(r), rid)
	if err != nil {
		return err
	}
	if rep.PlanID != id {
		return errs.Errorf(errs.NotFound, "工作方案 %d 没有进展报告 %d", id, rid)
	}
	s.render(w, r, http.StatusOK, "plan_report.html", map[string]any{"R": rep})
	return nil
}

func (s *Server) planReportsPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actorOf(r)
	q := r.URL.Query()
	p, err := s.app.Plans.FindPlanByID(r.Context(), a, id)
	if err != nil {
		return err
	}
	pg := newPager(r.URL.Path, q, 50)
	list, total, err := s.app.Plans.FindReports(r.Context(), a, plan.ReportFilter{PlanID: id, Period: plan.Period(q.Get("period")),
		Status: q.Get("status"), Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		return err
	}
	pg.Total = total
	rates, err := s.app.Plans.ReportingRates(r.Context(), a, plan.RateFilter{PlanID: id})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "plan_reports.html", map[string]any{"Plan": p, "Reports": list, "Page": pg, "Rates": rates, "Q": q})
	return nil
}

// planAttachment sends an attachment as a download: never inline, with a
// neutral type, so that no uploaded file runs in the platform's origin.
func (s *Server) planAttachment(w http.ResponseWriter, r *http.Request) error {
	aid, err := pathID(r, "aid")
	if err != nil {
		return err
	}
	name, data, err := s.app.Plans.FindAttachment(r.Context(), actorOf(r), aid)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(data)
	return nil
}

// ---- Downloads: the 责任分解表 ----

func (s *Server) planExportXLSX(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	data, err := s.app.Plans.ExportXLSX(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	sendFile(w, fmt.Sprintf("责任分解表-%d.xlsx", id), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data)
	return nil
}

// sendFile sends data as a download called name.
func sendFile(w http.ResponseWriter, name, contentType string, data []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(data)
}

// ---- Home panel ----

// planHomePanel is plan supervision in brief: for the office and leaders
// the published plans' tasks by light, for a unit its own tasks, reports
// and 督办.
func (s *Server) planHomePanel() homePanel {
	return homePanel{key: "plans", title: "督查督办", tmpl: "panel_plans", load: func(r *http.Request, a *auth.Actor) (any, error) {
		if !a.CanSome(auth.ViewPlans) {
			return nil, nil
		}
		return s.app.Plans.FindFigures(r.Context(), a)
	}}
}
