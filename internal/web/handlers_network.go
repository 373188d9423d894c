package web

import (
	"github.com/qinqing/qinqing/internal/paging"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/network"
	"github.com/qinqing/qinqing/internal/workday"
)

// ---- 服务网络 (administrators) ----

// stationForm is the station form as typed.
type stationForm struct {
	Name, Address, District, Coverage string
}

func stationFormOf(st *network.Station, city *enterprise.City) stationForm {
	f := stationForm{Name: st.Name, Address: st.Address, Coverage: strings.Join(st.Coverage, "、")}
	if st.District != nil {
		f.District = city.DistrictName(*st.District)
	}
	return f
}

func (f stationForm) input() network.StationInput {
	return network.StationInput{Name: f.Name, Address: f.Address, District: f.District, Coverage: splitList(f.Coverage)}
}

func readStationForm(r *http.Request) stationForm {
	v := r.PostForm
	return stationForm{Name: v.Get("name"), Address: v.Get("address"), District: v.Get("district"), Coverage: v.Get("coverage")}
}

// stationRow is a station as listed.
type stationRow struct {
	network.Station
	DistrictName string
}

// networkData is what network_admin.html shows.
type networkData struct {
	Station     *network.Station // always nil: the form creates a station
	Stations    []stationRow
	Page        *pager
	Districts   []enterprise.District
	Form        stationForm
	Error       string
	Field       string
	Specialists int
	LastAssign  *jobRow
	Reassign    reassignForm
	ReassignErr string
	TargetLoad  string
}

// reassignForm is the manual reassignment form as typed.
type reassignForm struct {
	Enterprise, Specialist string
}

func (s *Server) city() *enterprise.City { return s.app.Network.City }

func (s *Server) networkData(r *http.Request) (*networkData, error) {
	a := actorOf(r)
	data := &networkData{Page: newPager(r.URL.Path, r.URL.Query(), 20), Districts: s.city().Districts}
	stations, total, err := s.app.Network.FindStations(r.Context(), a, network.StationFilter{Limit: data.Page.Size, Offset: data.Page.Offset()})
	if err != nil {
		return nil, err
	}
	data.Page.Total = total
	for _, st := range stations {
		row := stationRow{Station: st}
		if st.District != nil {
			row.DistrictName = s.city().DistrictName(*st.District)
		}
		data.Stations = append(data.Stations, row)
	}
	if _, data.Specialists, err = s.app.Network.FindSpecialists(r.Context(), a, network.SpecialistFilter{Limit: 1}); err != nil {
		return nil, err
	}
	if last, _, err := s.app.Jobs.List(r.Context(), jobs.JobFilter{Kind: network.JobAssign, Limit: 1}); err != nil {
		return nil, err
	} else if len(last) > 0 {
		row := s.jobRowOf(last[0])
		data.LastAssign = &row
	}
	return data, nil
}

func (s *Server) networkPage(w http.ResponseWriter, r *http.Request) error {
	data, err := s.networkData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "network_admin.html", data)
	return nil
}

func (s *Server) createStation(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	f := readStationForm(r)
	_, err := s.app.Network.CreateStation(r.Context(), actorOf(r), f.input())
	if formProblem(err) {
		data, derr := s.networkData(r)
		if derr != nil {
			return derr
		}
		data.Form, data.Error, data.Field = f, errs.MessageOf(err), errs.FieldOf(err)
		s.render(w, r, statusOf(errs.CodeOf(err)), "network_admin.html", data)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/network?ok=created", http.StatusSeeOther)
	return nil
}

// stationData is what network_station.html shows.
type stationData struct {
	Station     *network.Station
	Form        stationForm
	Districts   []enterprise.District
	Specialists []specialistRow
	Error       string
	Field       string
}

func (s *Server) stationData(r *http.Request) (*stationData, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	a := actorOf(r)
	st, err := s.app.Network.FindStationByID(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	list, _, err := s.app.Network.FindSpecialists(r.Context(), a, network.SpecialistFilter{StationID: id, Limit: 500})
	if err != nil {
		return nil, err
	}
	return &stationData{Station: st, Form: stationFormOf(st, s.city()), Districts: s.city().Districts, Specialists: s.specialistRows(list)}, nil
}

func (s *Server) stationPage(w http.ResponseWriter, r *http.Request) error {
	data, err := s.stationData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "network_station.html", data)
	return nil
}

func (s *Server) updateStation(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	data, err := s.stationData(r)
	if err != nil {
		return err
	}
	f := readStationForm(r)
	_, err = s.app.Network.UpdateStation(r.Context(), actorOf(r), data.Station.ID, f.input())
	if formProblem(err) {
		data.Form, data.Error, data.Field = f, errs.MessageOf(err), errs.FieldOf(err)
		s.render(w, r, statusOf(errs.CodeOf(err)), "network_station.html", data)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/network/stations/"+strconv.FormatInt(data.Station.ID, 10)+"?ok=saved", http.StatusSeeOther)
	return nil
}

func (s *Server) deleteStation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.Network.DeleteStation(r.Context(), actorOf(r), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/network?ok=deleted", http.StatusSeeOther)
	return nil
}

func (s *Server) runAssign(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	target := 0
	if v := strings.TrimSpace(r.PostForm.Get("target_load")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return errs.FieldErrorf("target_load", "目标服务企业数应为整数")
		}
		target = n
	}
	id, err := s.app.Network.EnqueueAssign(r.Context(), actorOf(r), network.AssignOptions{TargetLoad: target})
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/jobs/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// findEnterpriseRef resolves what people type for an enterprise: its id or
// its 统一社会信用代码. Errors: Invalid on field, NotFound.
func (s *Server) findEnterpriseRef(r *http.Request, ref, field string) (int64, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return 0, errs.FieldErrorf(field, "请填写企业编号或统一社会信用代码")
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && len(ref) < 18 {
		return id, nil
	}
	e, err := s.app.Enterprises.FindEnterpriseByUSCC(r.Context(), actorOf(r), ref)
	if err != nil {
		return 0, &errs.Error{Code: errs.Invalid, Field: field, Message: errs.MessageOf(err)}
	}
	return e.ID, nil
}

// findUserRef resolves a username to a user id; "" is 0. Errors: Invalid
// on field.
func (s *Server) findUserRef(r *http.Request, username, field string) (int64, error) {
	username = strings.TrimSpace(username)
	if username == "" {
		return 0, nil
	}
	u, err := s.app.Auth.FindUserByUsername(r.Context(), username)
	if err != nil {
		return 0, &errs.Error{Code: errs.Invalid, Field: field, Message: errs.MessageOf(err)}
	}
	return u.ID, nil
}

func (s *Server) reassign(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	f := reassignForm{Enterprise: r.PostForm.Get("enterprise"), Specialist: r.PostForm.Get("specialist")}
	id, err := s.findEnterpriseRef(r, f.Enterprise, "enterprise")
	var uid int64
	if err == nil {
		uid, err = s.findUserRef(r, f.Specialist, "specialist")
	}
	if err == nil {
		_, err = s.app.Network.Reassign(r.Context(), actorOf(r), id, uid)
	}
	if formProblem(err) || errs.CodeOf(err) == errs.NotFound {
		data, derr := s.networkData(r)
		if derr != nil {
			return derr
		}
		data.Reassign, data.ReassignErr = f, errs.MessageOf(err)
		status := statusOf(errs.CodeOf(err))
		s.render(w, r, status, "network_admin.html", data)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/network?ok=saved", http.StatusSeeOther)
	return nil
}

// specialistRow is a specialist as listed, with the grid in words.
type specialistRow struct {
	network.Specialist
	GridLabel string
}

func (s *Server) specialistRows(list []network.Specialist) []specialistRow {
	out := make([]specialistRow, 0, len(list))
	for _, sp := range list {
		out = append(out, specialistRow{Specialist: sp, GridLabel: network.GridLabel(s.city(), sp.Grid)})
	}
	return out
}

// specialistForm is the specialist form as typed.
type specialistForm struct {
	Username, StationID, Grid, TargetLoad string
}

func (s *Server) specialistInput(f specialistForm) (network.SpecialistInput, error) {
	var in network.SpecialistInput
	st, err := optID(f.StationID, "station_id")
	if err != nil {
		return in, err
	}
	if st == nil {
		return in, errs.FieldErrorf("station_id", "请选择所属服务站")
	}
	in.StationID = *st
	if in.Grid, err = network.ParseGrid(s.city(), f.Grid); err != nil {
		return in, err
	}
	if v := strings.TrimSpace(f.TargetLoad); v != "" {
		if in.TargetLoad, err = strconv.Atoi(v); err != nil {
			return in, errs.FieldErrorf("target_load", "目标服务企业数应为整数")
		}
	}
	return in, nil
}

// specialistsData is what network_specialists.html shows.
type specialistsData struct {
	Specialists []specialistRow
	Page        *pager
	Stations    []network.Station
	Filter      struct{ Station, Q, Over string }
	Form        specialistForm
	Error       string
	Field       string
}

func (s *Server) specialistsData(r *http.Request) (*specialistsData, error) {
	a := actorOf(r)
	q := r.URL.Query()
	data := &specialistsData{Page: newPager(r.URL.Path, q, 20)}
	data.Filter.Station, data.Filter.Q, data.Filter.Over = q.Get("station"), q.Get("q"), q.Get("over")
	var err error
	if data.Stations, err = s.app.Network.StationChoices(r.Context(), a); err != nil {
		return nil, err
	}
	f := network.SpecialistFilter{Query: data.Filter.Q, OverTarget: data.Filter.Over == "1", Limit: data.Page.Size, Offset: data.Page.Offset()}
	if id, err := optID(data.Filter.Station, "station"); err != nil {
		return nil, err
	} else if id != nil {
		f.StationID = *id
	}
	list, total, err := s.app.Network.FindSpecialists(r.Context(), a, f)
	if err != nil {
		return nil, err
	}
	data.Page.Total = total
	data.Specialists = s.specialistRows(list)
	return data, nil
}

func (s *Server) specialistsPage(w http.ResponseWriter, r *http.Request) error {
	data, err := s.specialistsData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "network_specialists.html", data)
	return nil
}

func (s *Server) saveSpecialist(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	v := r.PostForm
	f := specialistForm{Username: v.Get("username"), StationID: v.Get("station_id"), Grid: v.Get("grid"), TargetLoad: v.Get("target_load")}
	uid, err := s.findUserRef(r, f.Username, "username")
	if err == nil && uid == 0 {
		err = errs.FieldErrorf("username", "请填写服务专员的用户名")
	}
	var in network.SpecialistInput
	if err == nil {
		in, err = s.specialistInput(f)
	}
	if err == nil {
		_, err = s.app.Network.SaveSpecialist(r.Context(), actorOf(r), uid, in)
	}
	if formProblem(err) {
		data, derr := s.specialistsData(r)
		if derr != nil {
			return derr
		}
		data.Form, data.Error, data.Field = f, errs.MessageOf(err), errs.FieldOf(err)
		s.render(w, r, statusOf(errs.CodeOf(err)), "network_specialists.html", data)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/network/specialists/"+strconv.FormatInt(uid, 10)+"?ok=saved", http.StatusSeeOther)
	return nil
}

// specialistData is what network_specialist.html shows.
type specialistData struct {
	Specialist specialistRow
	Stations   []network.Station
	Form       specialistForm
	Error      string
	Field      string
}

func (s *Server) specialistData(r *http.Request) (*specialistData, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	a := actorOf(r)
	sp, err := s.app.Network.FindSpecialistByID(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	stations, err := s.app.Network.StationChoices(r.Context(), a)
	if err != nil {
		return nil, err
	}
	return &specialistData{Specialist: s.specialistRows([]network.Specialist{*sp})[0], Stations: stations,
		Form: specialistForm{Username: sp.Username, StationID: strconv.FormatInt(sp.StationID, 10),
			Grid: network.GridText(s.city(), sp.Grid), TargetLoad: strconv.Itoa(sp.TargetLoad)}}, nil
}

func (s *Server) specialistPage(w http.ResponseWriter, r *http.Request) error {
	data, err := s.specialistData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "network_specialist.html", data)
	return nil
}

func (s *Server) updateSpecialist(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	data, err := s.specialistData(r)
	if err != nil {
		return err
	}
	v := r.PostForm
	f := specialistForm{Username: data.Specialist.Username, StationID: v.Get("station_id"), Grid: v.Get("grid"), TargetLoad: v.Get("target_load")}
	in, err := s.specialistInput(f)
	if err == nil {
		_, err = s.app.Network.SaveSpecialist(r.Context(), actorOf(r), data.Specialist.UserID, in)
	}
	if formProblem(err) {
		data.Form, data.Error, data.Field = f, errs.MessageOf(err), errs.FieldOf(err)
		s.render(w, r, statusOf(errs.CodeOf(err)), "network_specialist.html", data)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/network/specialists/"+strconv.FormatInt(data.Specialist.UserID, 10)+"?ok=saved", http.StatusSeeOther)
	return nil
}

func (s *Server) removeSpecialist(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.app.Network.RemoveSpecialist(r.Context(), actorOf(r), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/network/specialists?ok=deleted", http.StatusSeeOther)
	return nil
}

func (s *Server) coveragePage(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.app.Network.CoverageReport(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "network_coverage.html", rep)
	return nil
}

// ---- 我的企业 (specialists' workbench) ----

// workbenchData is what visits_workbench.html shows.
type workbenchData struct {
	Specialist   *network.Specialist // whose list; nil for a specialist not yet in the network
	SpecialistID int64
	Own          bool // the actor's own list
	Items        []network.AssignedEnterprise
	Page         *pager
	Q            string
	Overdue      bool
	OverdueCount int
	Days         int
}

// workbenchOwner returns whose list the request is about: ?specialist= for
// those who read the network, else the actor. Errors: Forbidden.
func workbenchOwner(r *http.Request) (int64, error) {
	a := actorOf(r)
	if v := r.URL.Query().Get("specialist"); v != "" && a.Role != auth.RoleSpecialist {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return 0, errs.FieldErrorf("specialist", "专员编号“%s”无效", v)
		}
		return id, nil
	}
	if a.Role != auth.RoleSpecialist || a.UserID == 0 {
		return 0, errs.Errorf(errs.Forbidden, "“我的企业”供服务专员使用；管理员请在服务网络中选择一名专员查看")
	}
	return a.UserID, nil
}

func (s *Server) workbenchPage(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	owner, err := workbenchOwner(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	data := &workbenchData{SpecialistID: owner, Own: owner == a.UserID, Page: newPager(r.URL.Path, q, 20), Q: q.Get("q"), Overdue: q.Get("overdue") == "1"}
	sp, err := s.app.Network.FindSpecialistByID(r.Context(), a, owner)
	switch errs.CodeOf(err) {
	case "":
		data.Specialist = sp
	case errs.NotFound:
	default:
		return err
	}
	if data.OverdueCount, data.Days, err = s.app.Network.OverdueCount(r.Context(), a, owner); err != nil {
		return err
	}
	items, total, err := s.app.Network.FindAssigned(r.Context(), a, owner, network.AssignedFilter{Query: data.Q, Overdue: data.Overdue,
		Limit: data.Page.Size, Offset: data.Page.Offset()})
	if err != nil {
		return err
	}
	data.Items, data.Page.Total = items, total
	s.render(w, r, http.StatusOK, "visits_workbench.html", data)
	return nil
}

// visitForm is the visit form as typed.
type visitForm struct {
	Date, Form, Content, Problems string
}

// visitsData is what visits_enterprise.html shows.
type visitsData struct {
	Enterprise *enterprise.Enterprise
	District   string
	Assignment *network.Assignment
	Visits     []network.Visit
	Page       *pager
	Forms      []string
	Form       visitForm
	Error      string
	Field      string
	CanRecord  bool
	Caretaker  bool // may create invitations and review self-reports
	// CanFileAppeal: the actor may file an appeal for the enterprise (a
	// specialist's 代提, from the page and from a visit's problems).
	CanFileAppeal bool
	Invitations   []enterprise.Invitation
	Pending       int
	Code          string // an invitation code just created, shown once
	JoinURL       string // where the enterprise redeems Code, in full
	JoinPage      string // the join page's full address, without the code
	Now           any
}

func (s *Server) visitsData(r *http.Request) (*visitsData, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	a := actorOf(r)
	ctx := r.Context()
	q := r.URL.Query()
	data := &visitsData{Page: newPager(r.URL.Path, q, 20), Forms: network.VisitForms,
		Form: visitForm{Date: workday.Today(s.app.Now).String(), Form: network.FormOnSite}, Now: s.app.Now()}
	visits, total, err := s.app.Network.FindVisits(ctx, a, network.VisitFilter{EnterpriseID: id, Limit: data.Page.Size, Offset: data.Page.Offset()})
	if err != nil {
		return nil, err
	}
	data.Visits, data.Page.Total = visits, total
	file, err := s.app.Enterprises.FindEnterpriseFile(ctx, a, id)
	if err != nil {
		return nil, err
	}
	data.Enterprise = file.Enterprise
	if data.Enterprise.District != nil {
		data.District = s.city().DistrictName(*data.Enterprise.District)
	}
	switch as, err := s.app.Network.FindAssignment(ctx, a, id); errs.CodeOf(err) {
	case "":
		data.Assignment = as
	case errs.NotFound:
	default:
		return nil, err
	}
	data.CanRecord = network.CanRecordVisit(a, file.Resource())
	data.CanFileAppeal = a.Role != auth.RoleEnterprise && auth.Authorize(a, auth.FileAppeal, file.Resource()) == nil
	data.Caretaker = file.Permitted.Care
	if data.Caretaker {
		if data.Invitations, err = s.app.SelfService.FindInvitations(ctx, a, id); err != nil {
			return nil, err
		}
		if _, data.Pending, err = s.app.SelfService.FindSelfReports(ctx, a, enterprise.SelfReportFilter{EnterpriseID: id, Status: enterprise.ReportPending, Limit: 1}); err != nil {
			return nil, err
		}
	}
	return data, nil
}

func (s *Server) visitsPage(w http.ResponseWriter, r *http.Request) error {
	data, err := s.visitsData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "visits_enterprise.html", data)
	return nil
}

func (s *Server) recordVisit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v := r.PostForm
	f := visitForm{Date: v.Get("date"), Form: v.Get("form"), Content: v.Get("content"), Problems: v.Get("problems")}
	in := network.VisitInput{EnterpriseID: id, Form: f.Form, Content: f.Content, Problems: f.Problems}
	if strings.TrimSpace(f.Date) != "" {
		d, derr := workday.ParseDate(f.Date)
		if derr != nil {
			err = &errs.Error{Code: errs.Invalid, Field: "date", Message: errs.MessageOf(derr)}
		}
		in.Date = d
	}
	if err == nil {
		_, err = s.app.Network.RecordVisit(r.Context(), actorOf(r), in)
	}
	if formProblem(err) {
		data, derr := s.visitsData(r)
		if derr != nil {
			return derr
		}
		data.Form, data.Error, data.Field = f, errs.MessageOf(err), errs.FieldOf(err)
		s.render(w, r, statusOf(errs.CodeOf(err)), "visits_enterprise.html", data)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/workbench/"+strconv.FormatInt(id, 10)+"?ok=created", http.StatusSeeOther)
	return nil
}

// createInvitation shows the new code on the page at once (never in a
// redirect URL, which would leave it in the history).
func (s *Server) createInvitation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	code, _, err := s.app.SelfService.CreateInvitation(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	data, err := s.visitsData(r)
	if err != nil {
		return err
	}
	data.Code = code
	data.JoinURL = s.publicURL(r, "/join?code="+url.QueryEscape(code))
	data.JoinPage = s.publicURL(r, "/join")
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "visits_enterprise.html", data)
	return nil
}

// ---- API ----

func (s *Server) apiStations(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging.Parse(r.URL.Query())
	if err != nil {
		return err
	}
	list, total, err := s.app.Network.FindStations(r.Context(), actorOf(r), network.StationFilter{Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	listJSON(w, list, total)
	return nil
}

func (s *Server) apiCreateStation(w http.ResponseWriter, r *http.Request) error {
	var in network.StationInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	st, err := s.app.Network.CreateStation(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, st)
	return nil
}

func (s *Server) apiStation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.app.Network.FindStationByID(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) apiUpdateStation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in network.StationInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	st, err := s.app.Network.UpdateStation(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) apiDeleteStation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.Network.DeleteStation(r.Context(), actorOf(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiSpecialists(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := paging.Parse(q)
	if err != nil {
		return err
	}
	f := network.SpecialistFilter{Query: q.Get("q"), OverTarget: q.Get("over_target") == "true", Limit: limit, Offset: offset}
	if id, err := optID(q.Get("station_id"), "station_id"); err != nil {
		return err
	} else if id != nil {
		f.StationID = *id
	}
	list, total, err := s.app.Network.FindSpecialists(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	listJSON(w, list, total)
	return nil
}

func (s *Server) apiSpecialist(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sp, err := s.app.Network.FindSpecialistByID(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sp)
	return nil
}

func (s *Server) apiSaveSpecialist(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in network.SpecialistInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	sp, err := s.app.Network.SaveSpecialist(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sp)
	return nil
}

func (s *Server) apiRemoveSpecialist(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.app.Network.RemoveSpecialist(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int64{"unassigned": n})
	return nil
}

func (s *Server) apiSpecialistEnterprises(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, offset, err := paging.Parse(q)
	if err != nil {
		return err
	}
	list, total, err := s.app.Network.FindAssigned(r.Context(), actorOf(r), id, network.AssignedFilter{Query: q.Get("q"),
		Overdue: q.Get("overdue") == "true", Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	listJSON(w, list, total)
	return nil
}

func (s *Server) apiAssign(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		TargetLoad int `json:"target_load"`
	}
	if err := decodeOptionalJSON(r, &in); err != nil {
		return err
	}
	id, err := s.app.Network.EnqueueAssign(r.Context(), actorOf(r), network.AssignOptions{TargetLoad: in.TargetLoad})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/jobs/"+strconv.FormatInt(id, 10))
	writeJSON(w, http.StatusAccepted, map[string]int64{"job_id": id})
	return nil
}

func (s *Server) apiAssignment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	as, err := s.app.Network.FindAssignment(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, as)
	return nil
}

func (s *Server) apiReassign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		SpecialistUserID int64 `json:"specialist_user_id"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	as, err := s.app.Network.Reassign(r.Context(), actorOf(r), id, in.SpecialistUserID)
	if err != nil {
		return err
	}
	if as == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	writeJSON(w, http.StatusOK, as)
	return nil
}

func (s *Server) apiCoverage(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.app.Network.CoverageReport(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) apiVisits(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := paging.Parse(q)
	if err != nil {
		return err
	}
	f := network.VisitFilter{Limit: limit, Offset: offset}
	if id, err := optID(q.Get("enterprise_id"), "enterprise_id"); err != nil {
		return err
	} else if id != nil {
		f.EnterpriseID = *id
	}
	if id, err := optID(q.Get("specialist_id"), "specialist_id"); err != nil {
		return err
	} else if id != nil {
		f.SpecialistID = *id
	}
	list, total, err := s.app.Network.FindVisits(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	listJSON(w, list, total)
	return nil
}

func (s *Server) apiRecordVisit(w http.ResponseWriter, r *http.Request) error {
	var in network.VisitInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, err := s.app.Network.RecordVisit(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// networkHomePanel is the service network's panel for the office and
// leaders.
func (s *Server) networkHomePanel() homePanel {
	return homePanel{key: "network", title: "服务网络", tmpl: "panel_network", load: func(r *http.Request, a *auth.Actor) (any, error) {
		if !network.CanRead(a) {
			return nil, nil
		}
		f, err := s.app.Network.Figures(r.Context(), a)
		if err != nil {
			return nil, err
		}
		return map[string]any{"F": f, "Manage": a.CanSome(auth.ManageNetwork)}, nil
	}}
}

// specialistHomePanel is a specialist's panel: their enterprises and those
// overdue for a visit.
func (s *Server) specialistHomePanel() homePanel {
	return homePanel{key: "specialist", title: "我的企业", tmpl: "panel_specialist", load: func(r *http.Request, a *auth.Actor) (any, error) {
		if a.Role != auth.RoleSpecialist || a.UserID == 0 {
			return nil, nil
		}
		ctx := r.Context()
		_, total, err := s.app.Network.FindAssigned(ctx, a, a.UserID, network.AssignedFilter{Limit: 1})
		if err != nil {
			return nil, err
		}
		overdue, days, err := s.app.Network.OverdueCount(ctx, a, a.UserID)
		if err != nil {
			return nil, err
		}
		return map[string]any{"Total": total, "Overdue": overdue, "Days": days}, nil
	}}
}

// networkEnterpriseSection is the network's section of an enterprise's
// file: its specialist and latest visits, for those who may see them.
func (s *Server) networkEnterpriseSection() enterpriseSection {
	return enterpriseSection{key: "network", title: "服务专员与走访", tmpl: "section_network",
		load: func(r *http.Request, a *auth.Actor, f *enterprise.File) (any, error) {
			if a.Role == auth.RoleEnterprise {
				return nil, nil // an enterprise reads its specialist on its own pages
			}
			ctx := r.Context()
			id := f.Enterprise.ID
			data := map[string]any{"ID": id, "CanRecord": network.CanRecordVisit(a, f.Resource())}
			switch as, err := s.app.Network.FindAssignment(ctx, a, id); errs.CodeOf(err) {
			case "":
				data["Assignment"] = as
			case errs.NotFound:
			default:
				return nil, err
			}
			if network.CanReadVisits(a, f.Resource()) {
				visits, total, err := s.app.Network.FindVisits(ctx, a, network.VisitFilter{EnterpriseID: id, Limit: 10})
				if err != nil {
					return nil, err
				}
				data["Visits"], data["VisitTotal"], data["ShowVisits"] = visits, total, true
			}
			return data, nil
		}}
}
