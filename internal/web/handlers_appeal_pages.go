package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/network"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/workday"
)

// ---- 企业诉求: the pages (the JSON API is handlers_appeal.go) ----

// appealChoices is what the filters and forms offer.
type appealChoices struct {
	Statuses   []appeal.Status
	Lights     []appeal.Light
	Channels   []appeal.Channel
	Categories []appeal.Entry
	Classes    []appeal.Class
	Districts  []enterprise.District
	Units      []org.Unit
}

func (s *Server) appealChoices(r *http.Request, withUnits bool) (*appealChoices, error) {
	a := actorOf(r)
	c := &appealChoices{Statuses: appeal.Statuses(), Lights: appeal.Lights(), Channels: appeal.Channels(),
		Districts: s.app.Appeals.City().Districts}
	cat, err := s.app.Appeals.FindCatalogue(r.Context(), a, 0)
	if err != nil {
		return nil, err
	}
	c.Categories = cat.Entries
	if c.Classes, err = s.app.Appeals.FindClasses(r.Context(), a); err != nil {
		return nil, err
	}
	if withUnits {
		if c.Units, err = s.app.Org.UnitTree(r.Context()); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// appealListData is what the lists of appeals show.
type appealListData struct {
	Title    string
	Items    []appeal.Appeal
	Page     *pager
	Counts   *appeal.Counts
	Choices  *appealChoices
	Query    url.Values
	Queue    string
	Queues   []queueTab
	Manage   bool // the office: export, import, catalogue
	CanFile  bool
	Error    string
	Workbook string // the export link of the filter shown
	Measure  string // the figure of the rates the list drills down to
}

// queueTab is one queue of a unit's workbench with its count.
type queueTab struct {
	Key, Label string
	Count      int
}

// appealsPage is the console: every appeal the actor may read, filtered by
// status, light, unit, district, category, channel and period.
func (s *Server) appealsPage(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	if a.Role == auth.RoleEnterprise {
		http.Redirect(w, r, "/appeals/mine", http.StatusSeeOther)
		return nil
	}
	q := r.URL.Query()
	f, err := appealFilter(q)
	if err != nil {
		return err
	}
	f.Queue = ""
	p := newPager(r.URL.Path, q, 20)
	f.Limit, f.Offset = p.Size, p.Offset()
	list, total, err := s.app.Appeals.FindAppeals(r.Context(), a, f)
	if err != nil {
		return err
	}
	p.Total = total
	counts, err := s.app.Appeals.CountAppeals(r.Context(), a, appeal.Filter{})
	if err != nil {
		return err
	}
	choices, err := s.appealChoices(r, true)
	if err != nil {
		return err
	}
	data := &appealListData{Title: "企业诉求", Items: list, Page: p, Counts: counts, Choices: choices, Query: q,
		Manage: a.CanSome(auth.ManageAppeals), CanFile: a.CanSome(auth.FileAppeal), Measure: appeal.MeasureLabel(f.Measure)}
	if data.Manage {
		data.Title = "诉求办理"
		data.Workbook = "/appeals/export.xlsx?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "appeal_list.html", data)
	return nil
}

// appealWorkbenchPage is a unit's workbench: its queues with their counts.
func (s *Server) appealWorkbenchPage(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	if a.UnitID == nil {
		return errs.Errorf(errs.Forbidden, "只有责任单位账号有诉求工作台")
	}
	counts, err := s.app.Appeals.QueueCounts(r.Context(), a)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	queue := q.Get("queue")
	if queue == "" {
		queue = appeal.QueueSign
		if counts[queue] == 0 {
			queue = appeal.QueueHandling
		}
	}
	data := &appealListData{Title: "诉求工作台", Query: q, Queue: queue, CanFile: a.CanSome(auth.FileAppeal)}
	for _, qu := range appeal.Queues() {
		data.Queues = append(data.Queues, queueTab{Key: qu[0], Label: qu[1], Count: counts[qu[0]]})
	}
	p := newPager(r.URL.Path, q, 20)
	sort := "due"
	list, total, err := s.app.Appeals.FindAppeals(r.Context(), a, appeal.Filter{Queue: queue, Sort: sort, Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		return err
	}
	p.Total = total
	data.Items, data.Page = list, p
	s.render(w, r, http.StatusOK, "appeal_workbench.html", data)
	return nil
}

// myAppealsPage is an enterprise's 我的诉求 (and a filer's own list).
func (s *Server) myAppealsPage(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	q := r.URL.Query()
	p := newPager(r.URL.Path, q, 20)
	f := appeal.Filter{Limit: p.Size, Offset: p.Offset(), Open: q.Get("open") == "1"}
	list, total, err := s.app.Appeals.FindAppeals(r.Context(), a, f)
	if err != nil {
		return err
	}
	p.Total = total
	s.render(w, r, http.StatusOK, "appeal_mine.html", &appealListData{Title: "我的诉求", Items: list, Page: p, Query: q,
		CanFile: a.CanSome(auth.FileAppeal)})
	return nil
}

// appealForm is the filing form as typed.
type appealForm struct {
	EnterpriseID                            int64
	USCC, EnterpriseName, Channel, Category string
	Urgency, Title, Content, Contact, Phone string
	District                                string
	Publish                                 bool
}

// newAppealData is what the filing form shows.
type newAppealData struct {
	Form        appealForm
	Choices     *appealChoices
	Channels    []appeal.Channel
	Enterprises []network.AssignedEnterprise // a specialist's
	Enterprise  *enterprise.Enterprise       // an enterprise's own, or the one chosen
	ByCode      bool                         // the office and units type a credit code
	Accept      string
	Error       string
	Field       string
}

func (s *Server) newAppealData(r *http.Request, form appealForm) (*newAppealData, error) {
	a := actorOf(r)
	choices, err := s.appealChoices(r, false)
	if err != nil {
		return nil, err
	}
	d := &newAppealData{Form: form, Choices: choices, Channels: appeal.ChannelsFor(a), Accept: appeal.AcceptedFiles}
	switch a.Role {
	case auth.RoleEnterprise:
		if a.EnterpriseID != nil {
			if d.Enterprise, err = s.app.Enterprises.FindEnterpriseByID(r.Context(), a, *a.EnterpriseID); err != nil {
				return nil, err
			}
		}
	case auth.RoleSpecialist:
		if d.Enterprises, _, err = s.app.Network.FindAssigned(r.Context(), a, a.UserID, network.AssignedFilter{Limit: 500}); err != nil {
			return nil, err
		}
	default:
		d.ByCode = true
		if form.EnterpriseID != 0 {
			if d.Enterprise, err = s.app.Enterprises.FindEnterpriseByID(r.Context(), a, form.EnterpriseID); err != nil {
				return nil, err
			}
		}
	}
	return d, nil
}

func (s *Server) newAppealPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	form := appealForm{Channel: q.Get("channel"), Content: q.Get("content"), Urgency: appeal.UrgencyNormal}
	if v := q.Get("enterprise"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return errs.FieldErrorf("enterprise", "企业编号无效")
		}
		form.EnterpriseID = id
	}
	data, err := s.newAppealData(r, form)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "appeal_new.html", data)
	return nil
}

func readAppealForm(r *http.Request) appealForm {
	v := r.PostForm
	f := appealForm{USCC: v.Get("uscc"), EnterpriseName: v.Get("enterprise_name"), Channel: v.Get("channel"), Category: v.Get("category"),
		Urgency: v.Get("urgency"), Title: v.Get("title"), Content: v.Get("content"), Contact: v.Get("contact_name"),
		Phone: v.Get("contact_phone"), District: v.Get("district"), Publish: v.Get("publish") != ""}
	f.EnterpriseID, _ = strconv.ParseInt(v.Get("enterprise_id"), 10, 64)
	return f
}

func (s *Server) fileAppeal(w http.ResponseWriter, r *http.Request) error {
	if r.MultipartForm == nil {
		if err := parseForm(r); err != nil {
			return err
		}
	}
	f := readAppealForm(r)
	files, err := uploads(r, "files", maxAttachment)
	if err == nil {
		in := appeal.Intake{USCC: f.USCC, EnterpriseName: f.EnterpriseName, Channel: f.Channel, Category: f.Category,
			Urgency: f.Urgency, Title: f.Title, Content: f.Content, ContactName: f.Contact, ContactPhone: f.Phone,
			District: f.District, Publish: f.Publish, EnterpriseID: f.EnterpriseID, Uploads: files}
		var ap *appeal.Appeal
		ap, _, err = s.app.Appeals.File(r.Context(), actorOf(r), in)
		if err == nil {
			http.Redirect(w, r, fmt.Sprintf("/appeals/%d?ok=appeal_filed", ap.ID), http.StatusSeeOther)
			return nil
		}
	}
	if c := errs.CodeOf(err); c != errs.Invalid && c != errs.TooLarge && c != errs.Forbidden {
		return err
	}
	data, derr := s.newAppealData(r, f)
	if derr != nil {
		return derr
	}
	data.Error, data.Field = errs.MessageOf(err), errs.FieldOf(err)
	s.render(w, r, statusOf(errs.CodeOf(err)), "appeal_new.html", data)
	return nil
}

// similarAppeals is the fragment of suggested duplicates the filing form
// shows while the title and content are typed.
func (s *Server) similarAppeals(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	q := r.URL.Query()
	var ent int64
	switch {
	case a.Role == auth.RoleEnterprise && a.EnterpriseID != nil:
		ent = *a.EnterpriseID
	default:
		ent, _ = strconv.ParseInt(q.Get("enterprise_id"), 10, 64)
	}
	var list []appeal.Brief
	if ent > 0 {
		var err error
		if list, err = s.app.Appeals.Similar(r.Context(), a, ent, q.Get("title"), q.Get("content")); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	s.renderFragment(w, r, "appeal_similar", list)
	return nil
}

// appealData is what the appeal page shows.
type appealData struct {
	A       *appeal.Appeal
	Can     *appeal.Permitted
	Choices *appealChoices
	Error   string
	Field   string
	Step    string // the form that failed
	Results []string
	Ratings []string
}

func (s *Server) appealData(r *http.Request) (*appealData, error) {
	a := actorOf(r)
	ap, err := s.app.Appeals.FindAppealByID(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	d := &appealData{A: ap, Can: ap.Permitted, Results: appeal.ReplyResults, Ratings: appeal.Ratings}
	if d.Can == nil {
		d.Can = &appeal.Permitted{}
	}
	if d.Can.Dispatch || d.Can.Transfer {
		if d.Choices, err = s.appealChoices(r, true); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (s *Server) appealPage(w http.ResponseWriter, r *http.Request) error {
	data, err := s.appealData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "appeal_detail.html", data)
	return nil
}

// appealStep serves the form of one transition on the appeal page: the
// same domain method as the API; a refusal the user can fix is shown on
// the page, at the form.
func (s *Server) appealStep(step string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if r.MultipartForm == nil {
			if err := parseForm(r); err != nil {
				return err
			}
		}
		ctx, a, ref := r.Context(), actorOf(r), r.PathValue("id")
		v := r.PostForm
		days, _ := strconv.Atoi(strings.TrimSpace(v.Get("days")))
		var files []appeal.Upload
		var err error
		if step == "reply" || step == "supply" {
			files, err = uploads(r, "files", maxAttachment)
		}
		svc := s.app.Appeals
		if err == nil {
			switch step {
			case "dispatch":
				in := appeal.DispatchInput{Unit: v.Get("unit"), Category: v.Get("category"), Note: v.Get("note")}
				in.UnitID, _ = strconv.ParseInt(v.Get("unit_id"), 10, 64)
				for _, c := range v["co_unit_ids"] {
					if id, e := strconv.ParseInt(c, 10, 64); e == nil && id > 0 {
						in.CoUnitIDs = append(in.CoUnitIDs, id)
					}
				}
				_, err = svc.Dispatch(ctx, a, ref, in)
			case "sign":
				_, err = svc.Sign(ctx, a, ref, appeal.NoteInput{Note: v.Get("note")})
			case "return":
				_, err = svc.Return(ctx, a, ref, appeal.ReasonInput{Reason: v.Get("reason")})
			case "transfer":
				in := appeal.TransferInput{Unit: v.Get("unit"), Reason: v.Get("reason")}
				in.UnitID, _ = strconv.ParseInt(v.Get("unit_id"), 10, 64)
				_, err = svc.Transfer(ctx, a, ref, in)
			case "co-reply":
				_, err = svc.CoReply(ctx, a, ref, appeal.NoteInput{Note: v.Get("note")})
			case "pause":
				_, err = svc.Pause(ctx, a, ref, appeal.ReasonInput{Reason: v.Get("reason")})
			case "resume":
				_, err = svc.Resume(ctx, a, ref, appeal.NoteInput{Note: v.Get("note")})
			case "supply":
				_, err = svc.Supply(ctx, a, ref, appeal.NoteInput{Note: v.Get("note"), Uploads: files})
			case "extend":
				_, err = svc.Extend(ctx, a, ref, appeal.ExtendInput{Days: days, Reason: v.Get("reason"), Decision: v.Get("decision"), Note: v.Get("note")})
			case "reply":
				_, err = svc.Reply(ctx, a, ref, appeal.ReplyInput{Result: v.Get("result"), Measures: v.Get("measures"), RightUnit: v.Get("right_unit"), Uploads: files})
			case "evaluate":
				_, err = svc.Evaluate(ctx, a, ref, appeal.EvaluateInput{Rating: v.Get("rating"), Comment: v.Get("comment")})
			case "reopen":
				_, err = svc.Reopen(ctx, a, ref, appeal.ReasonInput{Reason: v.Get("reason")})
			case "close":
				_, err = svc.Close(ctx, a, ref, appeal.NoteInput{Note: v.Get("note")})
			case "link":
				_, err = svc.Link(ctx, a, ref, appeal.LinkInput{Target: v.Get("target"), Note: v.Get("note")})
			case "merge":
				_, err = svc.Merge(ctx, a, ref, appeal.LinkInput{Target: v.Get("target"), Note: v.Get("note")})
			default:
				return errs.Errorf(errs.NotFound, "没有这个操作")
			}
		}
		if err == nil {
			http.Redirect(w, r, "/appeals/"+url.PathEscape(ref)+"?ok=done", http.StatusSeeOther)
			return nil
		}
		if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict && c != errs.TooLarge {
			return err
		}
		data, derr := s.appealData(r)
		if derr != nil {
			return derr
		}
		data.Error, data.Field, data.Step = errs.MessageOf(err), errs.FieldOf(err), step
		s.render(w, r, statusOf(errs.CodeOf(err)), "appeal_detail.html", data)
		return nil
	}
}

// exportAppeals sends the console's list, as filtered, as an xlsx workbook.
func (s *Server) exportAppeals(w http.ResponseWriter, r *http.Request) error {
	f, err := appealFilter(r.URL.Query())
	if err != nil {
		return err
	}
	f.Queue = ""
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	name := "诉求清单-" + workday.Today(s.app.Now).String() + ".xlsx"
	w.Header().Set("Content-Disposition", "attachment; filename=\"appeals.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	_, err = s.app.Appeals.ExportAppeals(r.Context(), actorOf(r), w, f)
	return err
}

// cataloguePageData is what the catalogue editor shows.
type cataloguePageData struct {
	Catalogue *appeal.Catalogue
	Versions  []appeal.Catalogue
	Choices   *appealChoices
	Form      appeal.EntryInput
	Error     string
	Field     string
	ClassErr  string
}

func (s *Server) catalogueData(r *http.Request) (*cataloguePageData, error) {
	a := actorOf(r)
	cat, err := s.app.Appeals.FindCatalogue(r.Context(), a, 0)
	if err != nil {
		return nil, err
	}
	versions, err := s.app.Appeals.CatalogueVersions(r.Context(), a)
	if err != nil {
		return nil, err
	}
	choices, err := s.appealChoices(r, true)
	if err != nil {
		return nil, err
	}
	return &cataloguePageData{Catalogue: cat, Versions: versions, Choices: choices}, nil
}

func (s *Server) appealCataloguePage(w http.ResponseWriter, r *http.Request) error {
	data, err := s.catalogueData(r)
	if err != nil {
		return err
	}
	if code := r.URL.Query().Get("edit"); code != "" {
		for _, e := range data.Catalogue.Entries {
			if e.Code == code {
				data.Form = appeal.EntryInput{Code: e.Code, Category: e.Category, Group: e.Group, Description: e.Description,
					CoUnitIDs: e.CoUnitIDs, ClassID: e.ClassID, Sort: e.Sort}
				if e.UnitID != nil {
					data.Form.UnitID = *e.UnitID
				}
			}
		}
	}
	s.render(w, r, http.StatusOK, "appeal_catalogue.html", data)
	return nil
}

func (s *Server) saveCatalogueEntry(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	v := r.PostForm
	in := appeal.EntryInput{Code: v.Get("code"), Category: v.Get("category"), Group: v.Get("group"), Description: v.Get("description"),
		Note: v.Get("note")}
	in.UnitID, _ = strconv.ParseInt(v.Get("unit_id"), 10, 64)
	in.ClassID, _ = strconv.ParseInt(v.Get("sla_class_id"), 10, 64)
	in.Sort, _ = strconv.Atoi(v.Get("sort"))
	for _, c := range v["co_unit_ids"] {
		if id, e := strconv.ParseInt(c, 10, 64); e == nil && id > 0 {
			in.CoUnitIDs = append(in.CoUnitIDs, id)
		}
	}
	_, err := s.app.Appeals.SaveEntry(r.Context(), actorOf(r), in)
	if formProblem(err) {
		data, derr := s.catalogueData(r)
		if derr != nil {
			return derr
		}
		data.Form, data.Error, data.Field = in, errs.MessageOf(err), errs.FieldOf(err)
		s.render(w, r, statusOf(errs.CodeOf(err)), "appeal_catalogue.html", data)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/appeals/catalogue?ok=saved", http.StatusSeeOther)
	return nil
}

func (s *Server) removeCatalogueEntry(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.app.Appeals.RemoveEntry(r.Context(), actorOf(r), r.PathValue("code")); err != nil {
		return err
	}
	http.Redirect(w, r, "/appeals/catalogue?ok=deleted", http.StatusSeeOther)
	return nil
}

func (s *Server) saveAppealClass(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	v := r.PostForm
	id, _ := strconv.ParseInt(v.Get("id"), 10, 64)
	in := appeal.ClassInput{Name: v.Get("name")}
	in.SignHours, _ = strconv.ParseFloat(strings.TrimSpace(v.Get("sign_hours")), 64)
	in.HandleDays, _ = strconv.Atoi(strings.TrimSpace(v.Get("handle_days")))
	in.WarnDays, _ = strconv.Atoi(strings.TrimSpace(v.Get("warn_days")))
	in.EvalDays, _ = strconv.Atoi(strings.TrimSpace(v.Get("eval_days")))
	_, err := s.app.Appeals.SaveClass(r.Context(), actorOf(r), id, in)
	if formProblem(err) {
		data, derr := s.catalogueData(r)
		if derr != nil {
			return derr
		}
		data.ClassErr = errs.MessageOf(err)
		s.render(w, r, statusOf(errs.CodeOf(err)), "appeal_catalogue.html", data)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/appeals/catalogue?ok=saved#classes", http.StatusSeeOther)
	return nil
}

func (s *Server) appealImportPage(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "appeal_import.html", map[string]any{"Columns": appeal.ImportColumns})
	return nil
}

func (s *Server) startAppealImport(w http.ResponseWriter, r *http.Request) error {
	run, err := s.receiveAppealImport(r)
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Invalid || c == errs.TooLarge {
			s.render(w, r, statusOf(c), "appeal_import.html", map[string]any{"Columns": appeal.ImportColumns, "Error": errs.MessageOf(err)})
			return nil
		}
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/appeals/import/%d", run.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) appealImportRunPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	run, err := s.app.Appeals.FindImportRunByID(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	data := map[string]any{"Run": run}
	if run.JobID != 0 {
		j, err := s.app.Jobs.FindJobByID(r.Context(), run.JobID)
		if err != nil {
			return err
		}
		data["Job"] = j
	}
	s.render(w, r, http.StatusOK, "appeal_import_run.html", data)
	return nil
}

// appealHomePanel is the appeals' panel of the home page: the office's
// and leaders' headline figures, a unit's queues, a specialist's and an
// enterprise's open appeals.
func (s *Server) appealHomePanel() homePanel {
	return homePanel{key: "appeals", title: "企业诉求", tmpl: "panel_appeals", load: func(r *http.Request, a *auth.Actor) (any, error) {
		if !a.CanSome(auth.ViewAppeal) {
			return nil, nil
		}
		ctx := r.Context()
		data := map[string]any{"Role": string(a.Role), "Manage": a.CanSome(auth.ManageAppeals)}
		if a.Role == auth.RoleUnitStaff && a.UnitID != nil {
			counts, err := s.app.Appeals.QueueCounts(ctx, a)
			if err != nil {
				return nil, err
			}
			var tabs []queueTab
			for _, q := range appeal.Queues() {
				tabs = append(tabs, queueTab{Key: q[0], Label: q[1], Count: counts[q[0]]})
			}
			data["Queues"] = tabs
			return data, nil
		}
		c, err := s.app.Appeals.CountAppeals(ctx, a, appeal.Filter{})
		if err != nil {
			return nil, err
		}
		data["C"] = c
		if c.Closed > 0 {
			data["FirstTimeRate"] = fmt.Sprintf("%.1f%%", float64(c.FirstTime)*100/float64(c.Closed))
		}
		if c.Evaluated > 0 {
			data["SatisfiedRate"] = fmt.Sprintf("%.1f%%", float64(c.Satisfied)*100/float64(c.Evaluated))
		}
		return data, nil
	}}
}

// appealEnterpriseSection is the appeals' section of an enterprise's file:
// its appeals the viewer may read, newest first.
func (s *Server) appealEnterpriseSection() enterpriseSection {
	return enterpriseSection{key: "appeals", title: "企业诉求", tmpl: "section_appeals",
		load: func(r *http.Request, a *auth.Actor, f *enterprise.File) (any, error) {
			if !a.CanSome(auth.ViewAppeal) {
				return nil, nil
			}
			list, total, err := s.app.Appeals.FindAppeals(r.Context(), a, appeal.Filter{EnterpriseID: f.Enterprise.ID, Limit: 10})
			if err != nil {
				return nil, err
			}
			return map[string]any{"Items": list, "Total": total, "ID": f.Enterprise.ID,
				"CanFile": a.CanSome(auth.FileAppeal) && a.Role != auth.RoleLeader}, nil
		}}
}
