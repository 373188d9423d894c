package web

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/paging"
	"github.com/qinqing/qinqing/internal/plan"
	"github.com/qinqing/qinqing/internal/workday"
)

// The JSON API of plan supervision (/api/v1/plans, /api/v1/plan-tasks …):
// the same service methods as the pages.

func (s *Server) apiPlans(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := paging.Parse(q)
	if err != nil {
		return err
	}
	list, total, err := s.app.Plans.FindPlans(r.Context(), actorOf(r), plan.PlanFilter{Status: plan.Status(q.Get("status")), Query: q.Get("q"),
		Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	listJSON(w, list, total)
	return nil
}

// apiImportPlan imports a plan: a JSON body (the parser's or the export's
// JSON) or a multipart upload of a .xlsx/.json file ("file"); ?dry_run=true
// and ?strict=true as for the command line. It answers 201 with the result
// (200 for a dry run), or 422 with the result listing what was rejected.
func (s *Server) apiImportPlan(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	opts := plan.ImportOptions{DryRun: q.Get("dry_run") == "true", Strict: q.Get("strict") == "true"}
	var doc *plan.Document
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	if ct == "multipart/form-data" {
		doc, err = s.receivePlanFile(r)
	} else {
		var b []byte
		b, err = io.ReadAll(r.Body)
		if err == nil {
			doc, err = plan.DecodeDocument(bytes.NewReader(b))
		} else {
			err = formError(err)
		}
		if doc != nil {
			doc.Source = "api.json"
		}
	}
	if err != nil {
		return err
	}
	res, err := s.app.Plans.Import(r.Context(), actorOf(r), doc, opts)
	if res == nil {
		return err
	}
	status := http.StatusCreated
	switch {
	case err != nil:
		status = statusOf(errs.CodeOf(err))
	case opts.DryRun:
		status = http.StatusOK
	}
	writeJSON(w, status, res)
	return nil
}

// planJSON is a plan with what the actor may do with it.
type planJSON struct {
	*plan.Plan
	Permitted plan.PlanPermitted `json:"permitted"`
}

func (s *Server) apiPlan(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.app.Plans.FindPlanByID(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, planJSON{p, plan.PermittedOn(actorOf(r), p)})
	return nil
}

func (s *Server) apiUpdatePlan(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in plan.PlanInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.app.Plans.UpdatePlan(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, planJSON{p, plan.PermittedOn(actorOf(r), p)})
	return nil
}

// apiPlanStep runs a lifecycle step (publish, end) of plan {id}.
func (s *Server) apiPlanStep(step func(s *Server, r *http.Request, id int64) (*plan.Plan, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var body struct{}
		if err := decodeOptionalJSON(r, &body); err != nil {
			return err
		}
		p, err := step(s, r, id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, planJSON{p, plan.PermittedOn(actorOf(r), p)})
		return nil
	}
}

func (s *Server) apiPublishPlan(w http.ResponseWriter, r *http.Request) error {
	return s.apiPlanStep(func(s *Server, r *http.Request, id int64) (*plan.Plan, error) {
		return s.app.Plans.Publish(r.Context(), actorOf(r), id)
	})(w, r)
}

func (s *Server) apiEndPlan(w http.ResponseWriter, r *http.Request) error {
	return s.apiPlanStep(func(s *Server, r *http.Request, id int64) (*plan.Plan, error) {
		return s.app.Plans.End(r.Context(), actorOf(r), id)
	})(w, r)
}

func (s *Server) apiPlanUnknownUnits(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.app.Plans.FindUnknownNames(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	listJSON(w, list, len(list))
	return nil
}

func (s *Server) apiMapPlanUnits(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in plan.MapInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	n, err := s.app.Plans.MapUnits(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": in.Name, "task_units": n})
	return nil
}

func (s *Server) apiPlanGoals(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	goals, err := s.app.Plans.FindGoals(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	listJSON(w, goals, len(goals))
	return nil
}

// indicatorJSON is an indicator with where it stands today.
type indicatorJSON struct {
	*plan.Indicator
	Track plan.Track `json:"track"`
}

func (s *Server) apiPlanIndicators(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actorOf(r)
	p, err := s.app.Plans.FindPlanByID(r.Context(), a, id)
	if err != nil {
		return err
	}
	list, err := s.app.Plans.FindIndicators(r.Context(), a, id)
	if err != nil {
		return err
	}
	views := indViews(s.app.Calendar, workday.Today(s.app.Now), p.Settings.FarBehindPct, list)
	out := make([]indicatorJSON, len(views))
	for i, v := range views {
		out[i] = indicatorJSON{v.Indicator, v.Track}
	}
	listJSON(w, out, len(out))
	return nil
}

// taskFilterOf reads a task list's query.
func taskFilterOf(r *http.Request) (plan.TaskFilter, error) {
	q := r.URL.Query()
	limit, offset, err := paging.Parse(q)
	if err != nil {
		return plan.TaskFilter{}, err
	}
	f := plan.TaskFilter{Light: plan.Light(q.Get("light")), Query: q.Get("q"), Leaves: q.Get("leaves") == "true", Open: q.Get("open") == "true",
		Mine: q.Get("mine") == "true", Order: q.Get("order"), Limit: limit, Offset: offset}
	if f.UnitID, err = queryID(q, "unit"); err != nil {
		return f, err
	}
	f.ParentID, err = queryID(q, "parent")
	return f, err
}

func (s *Server) apiPlanTasks(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := taskFilterOf(r)
	if err != nil {
		return err
	}
	f.PlanID = id
	list, total, err := s.app.Plans.FindTasks(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	listJSON(w, list, total)
	return nil
}

// apiMyTasks lists tasks across plans (a unit's own, for its staff).
func (s *Server) apiMyTasks(w http.ResponseWriter, r *http.Request) error {
	f, err := taskFilterOf(r)
	if err != nil {
		return err
	}
	list, total, err := s.app.Plans.FindTasks(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	listJSON(w, list, total)
	return nil
}

func (s *Server) apiAddPlanTask(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in plan.TaskInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, err := s.app.Plans.AddTask(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) apiPlanExport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		doc, err := s.app.Plans.ExportDocument(r.Context(), actorOf(r), id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, doc)
	case "xlsx":
		data, err := s.app.Plans.ExportXLSX(r.Context(), actorOf(r), id)
		if err != nil {
			return err
		}
		sendFile(w, fmt.Sprintf("责任分解表-%d.xlsx", id), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data)
	default:
		return errs.FieldErrorf("format", "格式“%s”无效（应为 json 或 xlsx）", f)
	}
	return nil
}

// taskJSON is a task with what the actor may do with it.
type taskJSON struct {
	*plan.Task
	Deadline  string             `json:"deadline"`
	Permitted plan.TaskPermitted `json:"permitted"`
}

func (s *Server) apiPlanTask(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actorOf(r)
	t, p, err := s.app.Plans.FindTaskByID(r.Context(), a, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, taskJSON{t, p.DeadlineWords(t), plan.TaskPermittedOn(a, p, t)})
	return nil
}

func (s *Server) apiUpdatePlanTask(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in plan.TaskInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, err := s.app.Plans.UpdateTask(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) apiDeletePlanTask(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.Plans.DeleteTask(r.Context(), actorOf(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiSignPlanTask(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body struct{}
	if err := decodeOptionalJSON(r, &body); err != nil {
		return err
	}
	if err := s.app.Plans.SignTask(r.Context(), actorOf(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiSplitPlanTask(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in plan.SubtaskInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, err := s.app.Plans.AddSubtask(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) apiAddPlanMilestone(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in plan.MilestoneInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	m, err := s.app.Plans.AddMilestone(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}

func (s *Server) apiPlanTaskNotices(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.app.Plans.FindNotices(r.Context(), actorOf(r), plan.NoticeFilter{TaskID: id})
	if err != nil {
		return err
	}
	listJSON(w, list, len(list))
	return nil
}

func (s *Server) apiIssuePlanNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in plan.NoticeInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	list, err := s.app.Plans.IssueNotice(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"items": list, "total": len(list)})
	return nil
}

func (s *Server) apiConfirmPlanTask(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		Approve bool   `json:"approve"`
		Note    string `json:"note"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	t, err := s.app.Plans.ConfirmDone(r.Context(), actorOf(r), id, body.Approve, body.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) apiPlanTaskHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.app.Plans.TaskHistory(r.Context(), actorOf(r), id, func(e, a string) string { return s.app.Labels.Action(e, a) })
	if err != nil {
		return err
	}
	listJSON(w, list, len(list))
	return nil
}

func (s *Server) apiPlanTaskLinks(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.app.Plans.FindLinks(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	listJSON(w, list, len(list))
	return nil
}

func (s *Server) apiLinkPlanTask(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		Kind     string `json:"kind"`
		TargetID int64  `json:"target_id"`
		Note     string `json:"note"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	l, err := s.app.Plans.LinkTask(r.Context(), actorOf(r), id, body.Kind, body.TargetID, body.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, l)
	return nil
}

func (s *Server) apiUnlinkPlanTask(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	lid, err := pathID(r, "lid")
	if err != nil {
		return err
	}
	if err := s.app.Plans.UnlinkTask(r.Context(), actorOf(r), id, lid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// reportFilterOf reads a report list's query.
func reportFilterOf(r *http.Request) (plan.ReportFilter, error) {
	q := r.URL.Query()
	limit, offset, err := paging.Parse(q)
	if err != nil {
		return plan.ReportFilter{}, err
	}
	f := plan.ReportFilter{Period: plan.Period(q.Get("period")), Status: q.Get("status"), Mine: q.Get("mine") == "true", Limit: limit, Offset: offset}
	f.UnitID, err = queryID(q, "unit")
	return f, err
}

func (s *Server) apiPlanReports(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := reportFilterOf(r)
	if err != nil {
		return err
	}
	f.PlanID = id
	list, total, err := s.app.Plans.FindReports(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	listJSON(w, list, total)
	return nil
}

func (s *Server) apiMyReports(w http.ResponseWriter, r *http.Request) error {
	f, err := reportFilterOf(r)
	if err != nil {
		return err
	}
	list, total, err := s.app.Plans.FindReports(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	listJSON(w, list, total)
	return nil
}

func (s *Server) apiFilePlanReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in plan.ReportInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rep, err := s.app.Plans.FileReport(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) apiPlanReportForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	unit, err := optID(r.URL.Query().Get("unit"), "unit")
	if err != nil {
		return err
	}
	f, err := s.app.Plans.FindReportForm(r.Context(), actorOf(r), id, unit, plan.Period(r.URL.Query().Get("period")))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

func (s *Server) apiPlanReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := s.app.Plans.FindReportByID(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) apiPlanValues(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.app.Plans.FindValues(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	listJSON(w, list, len(list))
	return nil
}

func (s *Server) apiRecordPlanValue(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in plan.ValueInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	in.IndicatorID = id
	if err := s.app.Plans.RecordValue(r.Context(), actorOf(r), id, in); err != nil {
		return err
	}
	list, err := s.app.Plans.FindValues(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, list[0])
	return nil
}

func (s *Server) apiReplyPlanNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		Reply string `json:"reply"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	n, err := s.app.Plans.ReplyNotice(r.Context(), actorOf(r), id, body.Reply)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

func (s *Server) apiClosePlanNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body struct{}
	if err := decodeOptionalJSON(r, &body); err != nil {
		return err
	}
	n, err := s.app.Plans.CloseNotice(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

func (s *Server) apiMyNotices(w http.ResponseWriter, r *http.Request) error {
	list, err := s.app.Plans.FindNotices(r.Context(), actorOf(r), plan.NoticeFilter{Mine: r.URL.Query().Get("mine") == "true",
		Open: r.URL.Query().Get("open") == "true"})
	if err != nil {
		return err
	}
	listJSON(w, list, len(list))
	return nil
}

func (s *Server) apiPlanRates(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := plan.RateFilter{From: plan.Period(q.Get("from")), To: plan.Period(q.Get("to")), ByPeriod: q.Get("by") == "period"}
	if v := q.Get("plan"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return errs.FieldErrorf("plan", "方案编号“%s”无效", v)
		}
		f.PlanID = id
	}
	if v := q.Get("unit"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return errs.FieldErrorf("unit", "单位编号“%s”无效", v)
		}
		f.UnitID = id
	}
	list, err := s.app.Plans.ReportingRates(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	listJSON(w, list, len(list))
	return nil
}

func (s *Server) apiPlanRanking(w http.ResponseWriter, r *http.Request) error {
	id, month, err := rankingQuery(r.URL.Query())
	if err != nil {
		return err
	}
	rk, err := s.app.Plans.FindRanking(r.Context(), actorOf(r), id, month)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rk)
	return nil
}

func (s *Server) apiPlanRankHistory(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	id, _, err := rankingQuery(q)
	if err != nil {
		return err
	}
	unit, err := strconv.ParseInt(q.Get("unit"), 10, 64)
	if err != nil || unit <= 0 {
		return errs.FieldErrorf("unit", "请指定单位编号 unit")
	}
	months := 12
	if v := q.Get("months"); v != "" {
		if months, err = strconv.Atoi(v); err != nil || months < 1 || months > 60 {
			return errs.FieldErrorf("months", "months 应为 1–60 的整数")
		}
	}
	list, err := s.app.Plans.RankHistory(r.Context(), actorOf(r), id, unit, months)
	if err != nil {
		return err
	}
	listJSON(w, list, len(list))
	return nil
}

func (s *Server) apiPlanBriefing(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := s.app.Plans.FindBriefing(r.Context(), actorOf(r), id, plan.Period(r.URL.Query().Get("period")))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"briefing": b, "summary": b.Summary()})
	return nil
}

func (s *Server) apiPlanFigures(w http.ResponseWriter, r *http.Request) error {
	f, err := s.app.Plans.FindFigures(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}
