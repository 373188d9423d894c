package web

import (
	"github.com/qinqing/qinqing/internal/money"
	"github.com/qinqing/qinqing/internal/paging"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// ---- Formatting of profile fields ----

// profileField is one line of an enterprise's profile as shown and edited.
type profileField struct {
	Name, Label string
	Value       string // for display; "" when unknown
	Known       bool
	Source      string // where the value came from, "" when unknown
	SourceAt    time.Time
	Editable    bool   // the enterprise may report it
	Key         bool   // a reported value waits for review
	FormValue   string // the value as the edit form shows it
	Unit        string // 万元, 人 …
	Pending     string // a value waiting for review, for display
}

// displayValue shows a stored text value of field for people.
func displayValue(city *enterprise.City, field string, v *string) string {
	if v == nil {
		return "未知"
	}
	f, _ := enterprise.FieldByName(field)
	switch f.Type {
	case enterprise.TypeMoney:
		if n, err := strconv.ParseInt(*v, 10, 64); err == nil {
			return money.FormatWan(n)
		}
	case enterprise.TypeCount:
		return *v + " 人"
	case enterprise.TypeTags:
		if *v == "" {
			return "（无）"
		}
		return strings.ReplaceAll(*v, "|", "、")
	case enterprise.TypeDate:
		if d, err := workday.ParseDate(*v); err == nil {
			return d.Chinese()
		}
	case enterprise.TypeIndustry:
		if n := enterprise.IndustryName(*v); n != "" {
			return *v + " " + n
		}
	case enterprise.TypeDivision:
		if city != nil {
			if n := city.DistrictName(*v); n != "" {
				return n
			}
		}
	}
	return *v
}

// profileFields lays out e for display and editing, with sources and the
// values waiting for review.
func (s *Server) profileFields(e *enterprise.Enterprise, src map[string]enterprise.Source, pending []enterprise.SelfReport) []profileField {
	city := s.app.Enterprises.City
	pend := map[string]string{}
	for _, r := range pending {
		pend[r.Field] = displayValue(city, r.Field, r.Value)
	}
	text := func(p *string) *string { return p }
	num := func(p *int64) *string {
		if p == nil {
			return nil
		}
		v := strconv.FormatInt(*p, 10)
		return &v
	}
	var founded, tags *string
	if e.Founded != nil {
		v := e.Founded.String()
		founded = &v
	}
	if e.Tags != nil {
		v := strings.Join(e.Tags, "|")
		tags = &v
	}
	values := map[string]*string{
		"uscc": &e.USCC, "name": &e.Name, "kind": text(e.Kind), "industry": text(e.Industry), "district": text(e.District),
		"street": text(e.Street), "founded": founded, "registered_capital": num(e.RegisteredCapital), "employees": num(e.Employees),
		"revenue": num(e.Revenue), "rd_expense": num(e.RDExpense), "tax_paid": num(e.TaxPaid), "export_value": num(e.ExportValue),
		"total_assets": num(e.TotalAssets), "tags": tags, "credit": text(e.Credit), "status": text(e.Status), "size": text(e.Size),
	}
	editable := map[string]bool{}
	for _, f := range enterprise.SelfReportFields {
		editable[f] = true
	}
	var out []profileField
	for _, f := range enterprise.Fields {
		v, ok := values[f.Name]
		if !ok {
			continue
		}
		pf := profileField{Name: f.Name, Label: f.Label, Known: v != nil, Editable: editable[f.Name], Key: enterprise.KeyField(f.Name), Pending: pend[f.Name]}
		if v != nil {
			pf.Value = displayValue(city, f.Name, v)
			switch f.Type {
			case enterprise.TypeMoney:
				n, _ := strconv.ParseInt(*v, 10, 64)
				pf.FormValue = money.WanInput(n)
			case enterprise.TypeTags:
				pf.FormValue = strings.ReplaceAll(*v, "|", "、")
			default:
				pf.FormValue = *v
			}
		}
		switch f.Type {
		case enterprise.TypeMoney:
			pf.Unit = "万元"
		case enterprise.TypeCount:
			pf.Unit = "人"
		}
		if sc, ok := src[f.Name]; ok {
			pf.Source, pf.SourceAt = sc.Source, store.FromMillis(sc.At)
		}
		out = append(out, pf)
	}
	return out
}

// ---- 我的档案 (enterprise accounts) ----

// profileData is what my_enterprise.html shows.
type profileData struct {
	Enterprise *enterprise.Enterprise
	Fields     []profileField
	Reports    []reportRow
	Error      string
	Field      string
	Form       map[string]string // the values as typed, when the form is shown again
	Applied    int               // after a submission: values written at once
	Pending    int               // … and values waiting for review
}

// reportRow is a self-report with its values shown for people.
type reportRow struct {
	enterprise.SelfReport
	ValueText, OldText string
}

func (s *Server) reportRows(list []enterprise.SelfReport) []reportRow {
	out := make([]reportRow, 0, len(list))
	for _, r := range list {
		out = append(out, reportRow{SelfReport: r, ValueText: displayValue(s.app.Enterprises.City, r.Field, r.Value),
			OldText: displayValue(s.app.Enterprises.City, r.Field, r.OldValue)})
	}
	return out
}

// ownEnterprise returns the enterprise of an enterprise account. Errors:
// Forbidden for other accounts or one not bound to an enterprise.
func ownEnterprise(a *auth.Actor) (int64, error) {
	if a.Role != auth.RoleEnterprise {
		return 0, errs.Errorf(errs.Forbidden, "“我的档案”供企业账号使用")
	}
	if a.EnterpriseID == nil {
		return 0, errs.Errorf(errs.Forbidden, "您的账号尚未绑定企业，请联系服务专员获取邀请码")
	}
	return *a.EnterpriseID, nil
}

func (s *Server) profileData(r *http.Request) (*profileData, error) {
	a := actorOf(r)
	id, err := ownEnterprise(a)
	if err != nil {
		return nil, err
	}
	file, err := s.app.Enterprises.FindEnterpriseFile(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	e, src := file.Enterprise, file.Sources
	pending, _, err := s.app.SelfService.FindSelfReports(r.Context(), a, enterprise.SelfReportFilter{EnterpriseID: id, Status: enterprise.ReportPending, Limit: 100})
	if err != nil {
		return nil, err
	}
	recent, _, err := s.app.SelfService.FindSelfReports(r.Context(), a, enterprise.SelfReportFilter{EnterpriseID: id, Limit: 20})
	if err != nil {
		return nil, err
	}
	return &profileData{Enterprise: e, Fields: s.profileFields(e, src, pending), Reports: s.reportRows(recent)}, nil
}

func (s *Server) profilePage(w http.ResponseWriter, r *http.Request) error {
	data, err := s.profileData(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	data.Applied, _ = strconv.Atoi(q.Get("applied"))
	data.Pending, _ = strconv.Atoi(q.Get("pending"))
	s.render(w, r, http.StatusOK, "my_enterprise.html", data)
	return nil
}

// selfReportValues reads the profile form: money typed in 万元 becomes
// yuan. Errors: Invalid on the field.
func selfReportValues(form map[string][]string) (map[string]string, map[string]string, error) {
	typed := map[string]string{}
	values := map[string]string{}
	var firstErr error
	for _, f := range enterprise.SelfReportFields {
		v := strings.TrimSpace(first(form[f]))
		typed[f] = v
		if v == "" {
			continue
		}
		if fd, ok := enterprise.FieldByName(f); ok && fd.Type == enterprise.TypeMoney {
			yuan, err := money.ParseWan(v)
			if err != nil {
				err = money.Field(err, f, fd.Label)
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			v = strconv.FormatInt(yuan, 10)
		}
		values[f] = v
	}
	return values, typed, firstErr
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func (s *Server) submitProfile(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	a := actorOf(r)
	id, err := ownEnterprise(a)
	if err != nil {
		return err
	}
	values, typed, err := selfReportValues(r.PostForm)
	var res *enterprise.SubmitResult
	if err == nil {
		res, err = s.app.SelfService.SubmitSelfReport(r.Context(), a, id, values)
	}
	if formProblem(err) {
		data, derr := s.profileData(r)
		if derr != nil {
			return derr
		}
		data.Error, data.Field, data.Form = errs.MessageOf(err), errs.FieldOf(err), typed
		for i := range data.Fields {
			if v, ok := typed[data.Fields[i].Name]; ok {
				data.Fields[i].FormValue = v
			}
		}
		s.render(w, r, statusOf(errs.CodeOf(err)), "my_enterprise.html", data)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/profile?ok=saved&applied="+strconv.Itoa(len(res.Applied))+"&pending="+strconv.Itoa(len(res.Pending)), http.StatusSeeOther)
	return nil
}

// ---- 待审核 (review queue) ----

// reviewsData is what reviews.html shows.
type reviewsData struct {
	Reports []reportRow
	Page    *pager
	Status  string
	States  []string
	Error   string
}

func (s *Server) reviewsData(r *http.Request) (*reviewsData, error) {
	q := r.URL.Query()
	status := q.Get("status")
	if _, ok := q["status"]; !ok {
		status = enterprise.ReportPending
	}
	data := &reviewsData{Status: status, States: enterprise.ReportStates, Page: newPager(r.URL.Path, q, 20)}
	list, total, err := s.app.SelfService.FindSelfReports(r.Context(), actorOf(r), enterprise.SelfReportFilter{Status: status, Limit: data.Page.Size, Offset: data.Page.Offset()})
	if err != nil {
		return nil, err
	}
	data.Page.Total = total
	data.Reports = s.reportRows(list)
	return data, nil
}

func (s *Server) reviewsPage(w http.ResponseWriter, r *http.Request) error {
	if actorOf(r).Role == auth.RoleEnterprise {
		return errs.Errorf(errs.Forbidden, "企业账号请在“我的档案”查看自报的审核结果")
	}
	data, err := s.reviewsData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "reviews.html", data)
	return nil
}

func (s *Server) reviewReport(accept bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(r); err != nil {
			return err
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		_, err = s.app.SelfService.ReviewSelfReport(r.Context(), actorOf(r), id, accept, r.PostForm.Get("note"))
		if formProblem(err) {
			data, derr := s.reviewsData(r)
			if derr != nil {
				return derr
			}
			data.Error = errs.MessageOf(err)
			s.render(w, r, statusOf(errs.CodeOf(err)), "reviews.html", data)
			return nil
		}
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/reviews?ok=saved", http.StatusSeeOther)
		return nil
	}
}

// ---- /join (redeem an invitation) ----

// joinForm is the sign-up form as typed (never the password).
type joinForm struct {
	Code, Username, DisplayName, Phone string
	Error, Field                       string
}

// publicURL is the full address of path on this platform: under the
// configured public URL when there is one, else at the request's host (over
// https when the request came over TLS or cookies are marked Secure, i.e.
// behind an HTTPS proxy).
func (s *Server) publicURL(r *http.Request, path string) string {
	if base := strings.TrimRight(s.app.Config.PublicURL, "/"); base != "" {
		return base + path
	}
	scheme := "http"
	if r.TLS != nil || s.app.Config.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

func (s *Server) joinPage(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "join.html", joinForm{Code: r.URL.Query().Get("code")})
	return nil
}

func (s *Server) join(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	v := r.PostForm
	f := joinForm{Code: v.Get("code"), Username: v.Get("username"), DisplayName: v.Get("display_name"), Phone: strings.TrimSpace(v.Get("phone"))}
	in := enterprise.Redemption{Code: f.Code, Username: f.Username, Password: v.Get("password"), DisplayName: f.DisplayName}
	if f.Phone != "" {
		in.Phone = &f.Phone
	}
	var err error
	if v.Get("password") != v.Get("again") {
		err = errs.FieldErrorf("again", "两次输入的密码不一致")
	} else {
		_, err = s.app.SelfService.RedeemInvitation(r.Context(), in)
	}
	if formProblem(err) {
		f.Error, f.Field = errs.MessageOf(err), errs.FieldOf(err)
		s.render(w, r, statusOf(errs.CodeOf(err)), "join.html", f)
		return nil
	}
	if err != nil {
		return err
	}
	secret, _, err := s.app.Auth.Login(r.Context(), in.Username, in.Password, s.clientIP(r), r.UserAgent())
	if err != nil {
		return err
	}
	s.setSessionCookie(w, secret)
	http.Redirect(w, r, "/profile?ok=created", http.StatusSeeOther)
	return nil
}

// ---- API ----

func (s *Server) apiCreateInvitation(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		EnterpriseID int64 `json:"enterprise_id"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	code, inv, err := s.app.SelfService.CreateInvitation(r.Context(), actorOf(r), in.EnterpriseID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"code": code, "invitation": inv, "join_url": s.publicURL(r, "/join?code="+url.QueryEscape(code))})
	return nil
}

func (s *Server) apiRedeemInvitation(w http.ResponseWriter, r *http.Request) error {
	var in enterprise.Redemption
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.app.SelfService.RedeemInvitation(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) apiSelfReports(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := paging.Parse(q)
	if err != nil {
		return err
	}
	f := enterprise.SelfReportFilter{Status: q.Get("status"), Limit: limit, Offset: offset}
	if id, err := optID(q.Get("enterprise_id"), "enterprise_id"); err != nil {
		return err
	} else if id != nil {
		f.EnterpriseID = *id
	}
	list, total, err := s.app.SelfService.FindSelfReports(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	listJSON(w, list, total)
	return nil
}

func (s *Server) apiSubmitSelfReport(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		EnterpriseID int64             `json:"enterprise_id"`
		Fields       map[string]string `json:"fields"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a := actorOf(r)
	if in.EnterpriseID == 0 && a.EnterpriseID != nil {
		in.EnterpriseID = *a.EnterpriseID
	}
	res, err := s.app.SelfService.SubmitSelfReport(r.Context(), a, in.EnterpriseID, in.Fields)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, res)
	return nil
}

func (s *Server) apiReviewSelfReport(accept bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var in struct {
			Note string `json:"note"`
		}
		if err := decodeOptionalJSON(r, &in); err != nil {
			return err
		}
		rep, err := s.app.SelfService.ReviewSelfReport(r.Context(), actorOf(r), id, accept, in.Note)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, rep)
		return nil
	}
}

// profileHomePanel is an enterprise account's panel of its own file: the
// values it reported that wait for review.
func (s *Server) profileHomePanel() homePanel {
	return homePanel{key: "profile", title: "我的档案", tmpl: "panel_profile", load: func(r *http.Request, a *auth.Actor) (any, error) {
		if a.Role != auth.RoleEnterprise || a.EnterpriseID == nil {
			return nil, nil
		}
		_, pending, err := s.app.SelfService.FindSelfReports(r.Context(), a, enterprise.SelfReportFilter{EnterpriseID: *a.EnterpriseID,
			Status: enterprise.ReportPending, Limit: 1})
		if err != nil {
			return nil, err
		}
		return map[string]any{"Pending": pending}, nil
	}}
}

// reviewsHomePanel is the reviewers' panel: self-reports waiting for them.
func (s *Server) reviewsHomePanel() homePanel {
	return homePanel{key: "reviews", title: "企业自报待审核", tmpl: "panel_reviews", load: func(r *http.Request, a *auth.Actor) (any, error) {
		if a.Role != auth.RoleAdmin && a.Role != auth.RoleSpecialist {
			return nil, nil
		}
		_, pending, err := s.app.SelfService.FindSelfReports(r.Context(), a, enterprise.SelfReportFilter{Status: enterprise.ReportPending, Limit: 1})
		if err != nil {
			return nil, err
		}
		return map[string]any{"Pending": pending}, nil
	}}
}
