package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/money"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/redeem"
)

// Redemption (兑现) pages of the government side: a clause's grant list,
// the office's countersignature, the units' queues of applications and
// objections, payment batches, policy performance and the units' payment
// timeliness. The enterprise's side is in handlers_redeem_enterprise.go,
// the API in handlers_redeem_api.go.

// ---- Shared ----

// redeemClause reads the clause {cid} of policy {id}: NotFound when the
// clause belongs to another policy.
func (s *Server) redeemClause(r *http.Request) (*policy.Clause, *policy.Policy, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	cid, err := pathID(r, "cid")
	if err != nil {
		return nil, nil, err
	}
	cl, pol, err := s.app.Policy.FindCurrentClause(r.Context(), actorOf(r), cid)
	if err != nil {
		return nil, nil, err
	}
	if pol.ID != id {
		return nil, nil, errs.Errorf(errs.NotFound, "条款（编号%d）不在政策（编号%d）中", cid, id)
	}
	return cl, pol, nil
}

// redeemBack redirects to path with a flash key.
func redeemBack(w http.ResponseWriter, r *http.Request, path, ok string) {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	http.Redirect(w, r, path+sep+"ok="+url.QueryEscape(ok), http.StatusSeeOther)
}

// formWan reads an optional whole-yuan amount typed in 万元. Errors:
// Invalid on field.
func formWan(r *http.Request, field, label string) (*int64, error) {
	return readWan(field, label, r.PostForm.Get(field))
}

// readUploads reads the files of a multipart request: each file input is
// named "file:" followed by the material it answers ("file:申请表"; "file:"
// for other evidence). Errors: Invalid, TooLarge.
func readUploads(r *http.Request) ([]redeem.Upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []redeem.Upload
	for field, headers := range r.MultipartForm.File {
		label, ok := strings.CutPrefix(field, "file:")
		if !ok {
			return nil, errs.FieldErrorf(field, "上传文件的字段应为 file:材料名称")
		}
		for _, h := range headers {
			if h.Size == 0 && h.Filename == "" {
				continue
			}
			if h.Size > redeem.MaxMaterialBytes {
				return nil, errs.Errorf(errs.TooLarge, "文件“%s”超过 %d MB", h.Filename, redeem.MaxMaterialBytes>>20)
			}
			f, err := h.Open()
			if err != nil {
				return nil, errs.Wrap(err, "open upload")
			}
			data, err := io.ReadAll(io.LimitReader(f, redeem.MaxMaterialBytes+1))
			f.Close()
			if err != nil {
				return nil, errs.Wrap(err, "read upload")
			}
			out = append(out, redeem.Upload{Label: label, Name: h.Filename, Data: data})
		}
	}
	return out, nil
}

// parseMultipart parses a multipart form (uploads) or an ordinary one.
func parseMultipart(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if r.MultipartForm != nil {
			return nil
		}
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return formError(err)
		}
		return nil
	}
	if err := r.ParseForm(); err != nil {
		return formError(err)
	}
	return nil
}

// accountOf reads the account fields of a form.
func accountOf(v url.Values) redeem.Account {
	return redeem.Account{Name: v.Get("account_name"), Number: v.Get("account_number"), Bank: v.Get("account_bank")}
}

// checked reads a checkbox.
func checked(v url.Values, name string) bool {
	x := v.Get(name)
	return x == "on" || x == "true" || x == "1" || x == "yes"
}

// prefixed returns the form values whose names start with prefix, by the
// rest of the name, skipping empty ones.
func prefixed(v url.Values, prefix string) map[string]string {
	out := map[string]string{}
	for k, vs := range v {
		if name, ok := strings.CutPrefix(k, prefix); ok && len(vs) > 0 && strings.TrimSpace(vs[0]) != "" {
			out[name] = vs[0]
		}
	}
	return out
}

// chartJSON encodes chart data for a data attribute.
func chartJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// ---- The grant list of a clause ----

type grantListData struct {
	Policy   *policy.Policy
	Clause   *policy.Clause
	Can      redeem.ListPermitted
	Summary  *redeem.ListSummary
	Grants   []*redeem.Grant
	Page     *pager
	Q        url.Values
	Statuses []string
	Job      any
	JobURL   string
	Error    string
}

func (s *Server) grantListPage(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	cl, pol, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	p := newPager(r.URL.Path, q, 50)
	data := &grantListData{Policy: pol, Clause: cl, Can: s.app.Redeem.ListPermittedTo(r.Context(), a, pol, cl), Page: p, Q: q,
		Statuses: redeem.GrantStatuses}
	if data.Summary, err = s.app.Redeem.SummarizeList(r.Context(), a, cl.ClauseID); err != nil {
		return err
	}
	data.Grants, p.Total, err = s.app.Redeem.FindGrants(r.Context(), a, redeem.GrantFilter{ClauseID: cl.ClauseID, Status: q.Get("status"),
		Query: q.Get("q"), Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		if !formProblem(err) {
			return err
		}
		data.Error = errs.MessageOf(err)
	}
	if data.Can.Generate {
		j, err := s.app.Redeem.Generation(r.Context(), a, cl.ClauseID)
		if err != nil {
			return err
		}
		if j != nil {
			data.Job = j
			data.JobURL = fmt.Sprintf("/policies/%d/clauses/%d/grants/progress", pol.ID, cl.ClauseID)
		}
	}
	s.render(w, r, http.StatusOK, "redeem_grants.html", data)
	return nil
}

// grantProgress is the htmx fragment of the list's generation job.
func (s *Server) grantProgress(w http.ResponseWriter, r *http.Request) error {
	cl, pol, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	j, err := s.app.Redeem.Generation(r.Context(), actorOf(r), cl.ClauseID)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	s.renderFragment(w, r, "redeem_job", map[string]any{"Job": j, "JobURL": fmt.Sprintf("/policies/%d/clauses/%d/grants/progress", pol.ID, cl.ClauseID)})
	return nil
}

func (s *Server) grantListPath(pol *policy.Policy, cl *policy.Clause) string {
	return fmt.Sprintf("/policies/%d/clauses/%d/grants", pol.ID, cl.ClauseID)
}

func (s *Server) generateGrants(w http.ResponseWriter, r *http.Request) error {
	cl, pol, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	if _, err := s.app.Redeem.GenerateGrants(r.Context(), actorOf(r), cl.ClauseID); err != nil {
		return err
	}
	redeemBack(w, r, s.grantListPath(pol, cl), "generating")
	return nil
}

func (s *Server) approveGrants(w http.ResponseWriter, r *http.Request) error {
	cl, pol, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	if _, err := s.app.Redeem.ApproveGrants(r.Context(), actorOf(r), cl.ClauseID); err != nil {
		return err
	}
	redeemBack(w, r, s.grantListPath(pol, cl), "approved")
	return nil
}

func (s *Server) excludeGrants(w http.ResponseWriter, r *http.Request) error {
	cl, pol, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return formError(err)
	}
	var ids []int64
	for _, v := range r.PostForm["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return errs.FieldErrorf("id", "编号“%s”无效", v)
		}
		ids = append(ids, id)
	}
	if _, err := s.app.Redeem.ExcludeGrants(r.Context(), actorOf(r), cl.ClauseID, ids, r.PostForm.Get("reason")); err != nil {
		return err
	}
	redeemBack(w, r, s.grantListPath(pol, cl)+"?status="+url.QueryEscape(redeem.GrantListed), "excluded")
	return nil
}

func (s *Server) countersignGrants(w http.ResponseWriter, r *http.Request) error {
	cl, pol, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return formError(err)
	}
	approve := r.PostForm.Get("decision") == "approve"
	if _, err := s.app.Redeem.Countersign(r.Context(), actorOf(r), cl.ClauseID, approve, r.PostForm.Get("note")); err != nil {
		return err
	}
	redeemBack(w, r, s.grantListPath(pol, cl), "countersigned")
	return nil
}

func (s *Server) exportGrants(w http.ResponseWriter, r *http.Request) error {
	cl, pol, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := s.app.Redeem.ExportGrants(r.Context(), actorOf(r), cl.ClauseID, &buf); err != nil {
		return err
	}
	attachment(w, fmt.Sprintf("兑现名单-%d-%d.xlsx", pol.ID, cl.ClauseID), xlsxType)
	_, _ = w.Write(buf.Bytes())
	return nil
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// attachment sets the headers of a file sent for download, never shown
// inline.
func attachment(w http.ResponseWriter, name, ctype string) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
}

// ---- The redemption hub of units and the office ----

type redeemHubData struct {
	Figures      *redeem.Figures
	Lists        []redeem.ListClause
	Countersign  []redeem.ClauseCount
	Applications []*redeem.Application
	AppsTotal    int
	Objections   []*redeem.Objection
	ObjsTotal    int
	Payable      []redeem.Payable
	Redeem       bool
	Timeliness   bool
}

func (s *Server) redeemPage(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	ctx := r.Context()
	if a.Role == auth.RoleEnterprise {
		http.Redirect(w, r, "/benefits", http.StatusSeeOther)
		return nil
	}
	data := &redeemHubData{Redeem: a.CanSome(auth.RedeemPolicies), Timeliness: a.CanSome(auth.ViewDashboard)}
	var err error
	if data.Figures, err = s.app.Redeem.Figures(ctx, a); err != nil {
		return err
	}
	if data.Lists, err = s.app.Redeem.FindListClauses(ctx, a); err != nil {
		return err
	}
	if a.CanSome(auth.CountersignGrants) {
		if data.Countersign, err = s.app.Redeem.CountersignQueue(ctx, a); err != nil {
			return err
		}
	}
	if data.Applications, data.AppsTotal, err = s.app.Redeem.FindApplications(ctx, a, redeem.ApplicationFilter{Open: true, Limit: 10}); err != nil {
		return err
	}
	if data.Objections, data.ObjsTotal, err = s.app.Redeem.FindObjections(ctx, a, redeem.ObjectionFilter{Status: redeem.ObjectionOpen, Limit: 10}); err != nil {
		return err
	}
	if data.Payable, err = s.app.Redeem.FindPayable(ctx, a); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "redeem_hub.html", data)
	return nil
}

// ---- Applications and objections (both sides) ----

type appListData struct {
	Items    []*redeem.Application
	Page     *pager
	Q        url.Values
	Statuses []string
	Error    string
}

func (s *Server) applicationsPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p := newPager(r.URL.Path, q, 50)
	data := &appListData{Page: p, Q: q, Statuses: redeem.AppStatuses}
	f := redeem.ApplicationFilter{Status: q.Get("status"), Open: q.Get("open") != "", Overdue: q.Get("overdue") != "", Limit: p.Size, Offset: p.Offset()}
	var err error
	data.Items, p.Total, err = s.app.Redeem.FindApplications(r.Context(), actorOf(r), f)
	if err != nil {
		if !formProblem(err) {
			return err
		}
		data.Error = errs.MessageOf(err)
	}
	s.render(w, r, http.StatusOK, "redeem_applications.html", data)
	return nil
}

type appData struct {
	App     *redeem.Application
	Can     redeem.AppPermitted
	Form    *redeem.ApplyForm // for a resubmission
	Labels  map[string]string
	Error   string
	Accepts string
}

func (s *Server) applicationPage(w http.ResponseWriter, r *http.Request) error {
	return s.applicationView(w, r, http.StatusOK, "")
}

func (s *Server) applicationView(w http.ResponseWriter, r *http.Request, status int, problem string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actorOf(r)
	ap, err := s.app.Redeem.FindApplicationByID(r.Context(), a, id)
	if err != nil {
		return err
	}
	data := &appData{App: ap, Can: redeem.AppPermittedTo(a, ap), Labels: map[string]string{}, Error: problem, Accepts: redeem.AcceptedTypes}
	for k := range ap.Answers {
		data.Labels[k] = enterprise.FieldLabel(k)
	}
	if data.Can.Resubmit {
		if data.Form, err = s.app.Redeem.ApplicationForm(r.Context(), a, ap.ClauseID); err != nil {
			return err
		}
	}
	s.render(w, r, status, "redeem_application.html", data)
	return nil
}

// applicationStep runs one step of an application from a page's form and
// shows the application again; a refusal of the form's content is shown on
// the page.
func (s *Server) applicationStep(step func(r *http.Request, a *auth.Actor, id int64) error, ok string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := parseMultipart(r); err != nil {
			return err
		}
		if err := step(r, actorOf(r), id); err != nil {
			if formProblem(err) {
				return s.applicationView(w, r, http.StatusUnprocessableEntity, errs.MessageOf(err))
			}
			return err
		}
		redeemBack(w, r, fmt.Sprintf("/applications/%d", id), ok)
		return nil
	}
}

func (s *Server) acceptApplication(w http.ResponseWriter, r *http.Request) error {
	return s.applicationStep(func(r *http.Request, a *auth.Actor, id int64) error {
		_, err := s.app.Redeem.AcceptApplication(r.Context(), a, id)
		return err
	}, "accepted")(w, r)
}

func (s *Server) decideApplication(w http.ResponseWriter, r *http.Request) error {
	return s.applicationStep(func(r *http.Request, a *auth.Actor, id int64) error {
		d := redeem.Decision{Approve: r.PostForm.Get("decision") == "approve", Reason: r.PostForm.Get("reason"), Note: r.PostForm.Get("note")}
		amount, err := formWan(r, "amount", "核定金额")
		if err != nil {
			return err
		}
		d.Amount = amount
		_, err = s.app.Redeem.DecideApplication(r.Context(), a, id, d)
		return err
	}, "decided")(w, r)
}

func (s *Server) returnApplication(w http.ResponseWriter, r *http.Request) error {
	return s.applicationStep(func(r *http.Request, a *auth.Actor, id int64) error {
		_, err := s.app.Redeem.ReturnApplication(r.Context(), a, id, r.PostForm.Get("reason"))
		return err
	}, "returned")(w, r)
}

func (s *Server) withdrawApplication(w http.ResponseWriter, r *http.Request) error {
	return s.applicationStep(func(r *http.Request, a *auth.Actor, id int64) error {
		_, err := s.app.Redeem.WithdrawApplication(r.Context(), a, id)
		return err
	}, "withdrawn")(w, r)
}

func (s *Server) resubmitApplication(w http.ResponseWriter, r *http.Request) error {
	return s.applicationStep(func(r *http.Request, a *auth.Actor, id int64) error {
		files, err := readUploads(r)
		if err != nil {
			return err
		}
		in := redeem.ApplicationInput{Answers: prefixed(r.PostForm, "answer_"), Statement: r.PostForm.Get("statement"), Account: accountOf(r.PostForm)}
		_, err = s.app.Redeem.ResubmitApplication(r.Context(), a, id, in, files)
		return err
	}, "resubmitted")(w, r)
}

type objListData struct {
	Items    []*redeem.Objection
	Page     *pager
	Q        url.Values
	Statuses []string
	Error    string
}

func (s *Server) objectionsPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p := newPager(r.URL.Path, q, 50)
	data := &objListData{Page: p, Q: q, Statuses: redeem.ObjectionStatuses}
	var err error
	data.Items, p.Total, err = s.app.Redeem.FindObjections(r.Context(), actorOf(r), redeem.ObjectionFilter{Status: q.Get("status"),
		Overdue: q.Get("overdue") != "", Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		if !formProblem(err) {
			return err
		}
		data.Error = errs.MessageOf(err)
	}
	s.render(w, r, http.StatusOK, "redeem_objections.html", data)
	return nil
}

type objData struct {
	Obj       *redeem.Objection
	CanAnswer bool
	Labels    map[string]string
	Error     string
}

func (s *Server) objectionView(w http.ResponseWriter, r *http.Request, status int, problem string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actorOf(r)
	ob, err := s.app.Redeem.FindObjectionByID(r.Context(), a, id)
	if err != nil {
		return err
	}
	data := &objData{Obj: ob, CanAnswer: redeem.CanAnswer(a, ob), Labels: map[string]string{}, Error: problem}
	for k := range ob.Corrections {
		data.Labels[k] = enterprise.FieldLabel(k)
	}
	s.render(w, r, status, "redeem_objection.html", data)
	return nil
}

func (s *Server) objectionPage(w http.ResponseWriter, r *http.Request) error {
	return s.objectionView(w, r, http.StatusOK, "")
}

func (s *Server) answerObjection(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return formError(err)
	}
	ans := redeem.Answer{Accept: r.PostForm.Get("decision") == "accept", Answer: r.PostForm.Get("answer")}
	if ans.Amount, err = formWan(r, "amount", "兑现金额"); err == nil {
		_, err = s.app.Redeem.AnswerObjection(r.Context(), actorOf(r), id, ans)
	}
	if err != nil {
		if formProblem(err) {
			return s.objectionView(w, r, http.StatusUnprocessableEntity, errs.MessageOf(err))
		}
		return err
	}
	redeemBack(w, r, fmt.Sprintf("/objections/%d", id), "answered")
	return nil
}

// materialFile sends a stored material as an attachment of its checked
// type, never inline.
func (s *Server) materialFile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, data, err := s.app.Redeem.FindMaterial(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	attachment(w, m.Name, m.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
	return nil
}

// ---- Payments ----

type paymentsData struct {
	Batches []*redeem.Batch
	Page    *pager
	Payable []redeem.Payable
	Redeem  bool
}

func (s *Server) paymentsPage(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	q := r.URL.Query()
	p := newPager(r.URL.Path, q, 20)
	data := &paymentsData{Page: p, Redeem: a.CanSome(auth.RedeemPolicies)}
	var err error
	if data.Batches, p.Total, err = s.app.Redeem.FindBatches(r.Context(), a, redeem.BatchFilter{Limit: p.Size, Offset: p.Offset()}); err != nil {
		return err
	}
	if data.Payable, err = s.app.Redeem.FindPayable(r.Context(), a); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "redeem_payments.html", data)
	return nil
}

func (s *Server) createBatch(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return formError(err)
	}
	unit, err := queryID(r.PostForm, "unit_id")
	if err != nil {
		return err
	}
	b, err := s.app.Redeem.CreateBatch(r.Context(), actorOf(r), unit)
	if err != nil {
		return err
	}
	redeemBack(w, r, fmt.Sprintf("/payments/batches/%d", b.ID), "created")
	return nil
}

type batchData struct {
	Batch    *redeem.Batch
	Can      redeem.BatchPermitted
	Page     *pager
	Q        url.Values
	Statuses []string
	Result   *redeem.BankResult
	Error    string
	Limit    int
}

func (s *Server) batchView(w http.ResponseWriter, r *http.Request, status int, result *redeem.BankResult, problem string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actorOf(r)
	q := r.URL.Query()
	p := newPager(fmt.Sprintf("/payments/batches/%d", id), q, 100)
	b, err := s.app.Redeem.FindBatchByID(r.Context(), a, id, redeem.PaymentFilter{Status: q.Get("status"), Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		return err
	}
	p.Total = b.PaymentsTotal
	data := &batchData{Batch: b, Can: s.app.Redeem.BatchPermittedTo(r.Context(), a, b), Page: p, Q: q, Statuses: redeem.PaymentStatuses,
		Result: result, Error: problem, Limit: s.app.Redeem.PaymentDays()}
	s.render(w, r, status, "redeem_batch.html", data)
	return nil
}

func (s *Server) batchPage(w http.ResponseWriter, r *http.Request) error {
	return s.batchView(w, r, http.StatusOK, nil, "")
}

func (s *Server) exportBatch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "xlsx"
	}
	var buf bytes.Buffer
	if _, err := s.app.Redeem.ExportBatch(r.Context(), actorOf(r), id, format, &buf); err != nil {
		return err
	}
	ctype := xlsxType
	if format == "csv" {
		ctype = "text/csv; charset=utf-8"
	}
	attachment(w, fmt.Sprintf("兑付批次-%d.%s", id, format), ctype)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// bankFileOf reads the uploaded bank result file of a multipart request.
func bankFileOf(r *http.Request) (io.ReadCloser, error) {
	if err := parseMultipart(r); err != nil {
		return nil, err
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		return nil, errs.FieldErrorf("file", "请选择银行回盘文件（CSV 或 xlsx）")
	}
	return f, nil
}

func (s *Server) uploadBankResults(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := bankFileOf(r)
	if err == nil {
		defer f.Close()
		var res *redeem.BankResult
		if res, err = s.app.Redeem.ImportBankResults(r.Context(), actorOf(r), id, f); err == nil {
			return s.batchView(w, r, http.StatusOK, res, "")
		}
	}
	if formProblem(err) || errs.CodeOf(err) == errs.TooLarge {
		return s.batchView(w, r, http.StatusUnprocessableEntity, nil, errs.MessageOf(err))
	}
	return err
}

// ---- Grants (both sides) ----

type grantData struct {
	Grant  *redeem.Grant
	Prepay string // how the clause pays (in full, or pre-paid and settled)
	Can    redeem.GrantPermitted
	Pledge string
	Data   []dataItem
	Error  string
	Limit  int
	Repay  *redeem.Payment
}

// dataItem is one value of a grant's data snapshot, labelled.
type dataItem struct{ Label, Value string }

func dataItems(raw json.RawMessage) []dataItem {
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&m) != nil {
		return nil
	}
	var out []dataItem
	for _, f := range enterprise.Fields {
		v, ok := m[f.Name]
		if !ok {
			continue
		}
		var text string
		switch x := v.(type) {
		case nil:
			text = "未知"
		case json.Number:
			n, _ := x.Int64()
			if f.Type == enterprise.TypeMoney {
				text = money.FormatWan(n)
			} else {
				text = x.String()
			}
		case []any:
			var parts []string
			for _, p := range x {
				parts = append(parts, fmt.Sprint(p))
			}
			text = strings.Join(parts, "、")
			if text == "" {
				text = "无"
			}
		default:
			text = fmt.Sprint(x)
		}
		out = append(out, dataItem{f.Label, text})
	}
	return out
}

func (s *Server) grantView(w http.ResponseWriter, r *http.Request, status int, problem string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actorOf(r)
	g, err := s.app.Redeem.FindGrantByID(r.Context(), a, id)
	if err != nil {
		return err
	}
	data := &grantData{Grant: g, Can: s.app.Redeem.PermittedTo(a, g), Data: dataItems(g.Data), Error: problem, Limit: s.app.Redeem.PaymentDays()}
	cl, p, err := s.app.Policy.FindClauseByID(r.Context(), a, g.ClauseVersionID)
	if err != nil {
		return err
	}
	data.Prepay = cl.PrepayText()
	if data.Can.Confirm {
		data.Pledge = strings.TrimSpace(p.Pledge)
	}
	for i := len(g.Payments) - 1; i >= 0 && data.Can.Repay; i-- {
		if g.Payments[i].Status == redeem.PaymentRefused {
			data.Repay = g.Payments[i]
			break
		}
	}
	s.render(w, r, status, "redeem_grant.html", data)
	return nil
}

func (s *Server) grantPage(w http.ResponseWriter, r *http.Request) error {
	return s.grantView(w, r, http.StatusOK, "")
}

// grantStep runs one action on a grant from a page's form.
func (s *Server) grantStep(step func(r *http.Request, a *auth.Actor, id int64) error, ok string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := r.ParseForm(); err != nil {
			return formError(err)
		}
		if err := step(r, actorOf(r), id); err != nil {
			if formProblem(err) {
				return s.grantView(w, r, http.StatusUnprocessableEntity, errs.MessageOf(err))
			}
			return err
		}
		redeemBack(w, r, fmt.Sprintf("/grants/%d", id), ok)
		return nil
	}
}

func (s *Server) confirmGrant(w http.ResponseWriter, r *http.Request) error {
	return s.grantStep(func(r *http.Request, a *auth.Actor, id int64) error {
		_, err := s.app.Redeem.ConfirmGrant(r.Context(), a, id, redeem.Confirmation{Agree: checked(r.PostForm, "agree"), Account: accountOf(r.PostForm)})
		return err
	}, "confirmed")(w, r)
}

func (s *Server) settleGrant(w http.ResponseWriter, r *http.Request) error {
	return s.grantStep(func(r *http.Request, a *auth.Actor, id int64) error {
		final, err := formWan(r, "final_amount", "清算金额")
		if err != nil {
			return err
		}
		if final == nil {
			return errs.FieldErrorf("final_amount", "请填写清算核定金额（万元）")
		}
		_, err = s.app.Redeem.SettleGrant(r.Context(), a, id, *final, r.PostForm.Get("note"))
		return err
	}, "settled")(w, r)
}

func (s *Server) recoverGrant(w http.ResponseWriter, r *http.Request) error {
	return s.grantStep(func(r *http.Request, a *auth.Actor, id int64) error {
		_, err := s.app.Redeem.RecordRecovery(r.Context(), a, id, r.PostForm.Get("note"))
		return err
	}, "recovered")(w, r)
}

func (s *Server) repayPayment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return formError(err)
	}
	var acct *redeem.Account
	if a := accountOf(r.PostForm); a != (redeem.Account{}) {
		acct = &a
	}
	p, err := s.app.Redeem.Repay(r.Context(), actorOf(r), id, acct)
	if err != nil {
		return err
	}
	redeemBack(w, r, fmt.Sprintf("/grants/%d", p.GrantID), "repaid")
	return nil
}

// ---- Performance and timeliness ----

type perfData struct {
	P       *redeem.Performance
	Rows    []redeem.ClausePerformance // the clauses, then the total
	Charts  map[string]string
	Labels  []struct{ Key, Label string }
	Limit   int
	Percent func(float64) string
}

func (s *Server) performancePage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.app.Redeem.PolicyPerformance(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	data := &perfData{P: p, Rows: append(append([]redeem.ClausePerformance{}, p.Clauses...), p.Total), Charts: map[string]string{},
		Limit: s.app.Redeem.PaymentDays(), Percent: percentText}
	for _, b := range redeem.Breakdowns {
		data.Labels = append(data.Labels, struct{ Key, Label string }{b.Key, b.Label})
		type bar struct {
			Label  string  `json:"label"`
			Count  int     `json:"count"`
			Amount float64 `json:"amount"` // 万元
		}
		var bars []bar
		for i, g := range p.Breakdown[b.Key] {
			if i == 15 {
				break
			}
			bars = append(bars, bar{g.Label, g.Count, float64(g.Amount) / 10000})
		}
		data.Charts[b.Key] = chartJSON(bars)
	}
	type funnel struct {
		Name  string `json:"name"`
		Value int    `json:"value"`
	}
	t := p.Total
	steps := []funnel{}
	if t.Eligible != nil {
		steps = append(steps, funnel{"符合条件", *t.Eligible})
	}
	if t.Pushed != nil {
		steps = append(steps, funnel{"已推送", *t.Pushed})
	}
	steps = append(steps, funnel{"列入名单或申请", t.Listed + t.Applied}, funnel{"已兑现", t.Approved}, funnel{"已拨付", t.Payments})
	data.Charts["funnel"] = chartJSON(steps)
	s.render(w, r, http.StatusOK, "redeem_performance.html", data)
	return nil
}

func (s *Server) exportPerformance(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.app.Redeem.ExportPerformance(r.Context(), actorOf(r), id, &buf); err != nil {
		return err
	}
	attachment(w, fmt.Sprintf("政策绩效-%d.xlsx", id), xlsxType)
	_, _ = w.Write(buf.Bytes())
	return nil
}

func (s *Server) timelinessPage(w http.ResponseWriter, r *http.Request) error {
	list, err := s.app.Redeem.FindTimeliness(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	type bar struct {
		Label string  `json:"label"`
		Rate  float64 `json:"rate"`
		Avg   float64 `json:"avg"`
	}
	bars := []bar{}
	for _, t := range list {
		bars = append(bars, bar{t.Unit, t.OnTimeRate * 100, t.AvgDays})
	}
	s.render(w, r, http.StatusOK, "redeem_timeliness.html", map[string]any{"List": list, "Limit": s.app.Redeem.PaymentDays(),
		"Chart": chartJSON(bars), "Percent": percentText})
	return nil
}

// ---- Panels ----

// redeemHomePanel is redemption's panel on the home page of the office,
// leaders and units: what waits, and whether payments are on time.
func (s *Server) redeemHomePanel() homePanel {
	return homePanel{key: "redeem", title: "政策兑现", tmpl: "panel_redeem", load: func(r *http.Request, a *auth.Actor) (any, error) {
		f, err := s.app.Redeem.Figures(r.Context(), a)
		if err != nil || f == nil {
			return nil, err
		}
		onTime := "—" // nothing paid yet: no rate, rather than 0 %
		if f.Paid > 0 {
			onTime = percentText(f.OnTimeRate)
		}
		return map[string]any{"F": f, "OnTime": onTime, "Payable": money.FormatWan(f.PayableYuan),
			"Paid": money.FormatWan(f.PaidYuan), "Timeliness": a.CanSome(auth.ViewDashboard)}, nil
	}}
}

// redeemEnterpriseSection lists an enterprise's grants and applications in
// its file (一企一档).
func (s *Server) redeemEnterpriseSection() enterpriseSection {
	return enterpriseSection{key: "redeem", title: "政策兑现", tmpl: "section_redeem",
		load: func(r *http.Request, a *auth.Actor, f *enterprise.File) (any, error) {
			b, err := s.benefitsOf(r, a, f.Enterprise.ID, 10)
			if err != nil {
				return nil, err
			}
			return b, nil
		}}
}

// benefits is an enterprise's grants, applications and objections.
type benefits struct {
	ID             int64
	Grants         []*redeem.Grant
	GrantsTotal    int
	Applications   []*redeem.Application
	AppsTotal      int
	Objections     []*redeem.Objection
	ObjsTotal      int
	Approved, Paid int64
	ToConfirm      int
	ApprovedText   string
	PaidText       string
}

func (s *Server) benefitsOf(r *http.Request, a *auth.Actor, id int64, limit int) (*benefits, error) {
	ctx := r.Context()
	b := &benefits{ID: id}
	var err error
	if b.Grants, b.GrantsTotal, err = s.app.Redeem.FindGrants(ctx, a, redeem.GrantFilter{EnterpriseID: id, Limit: limit}); err != nil {
		return nil, err
	}
	if b.Applications, b.AppsTotal, err = s.app.Redeem.FindApplications(ctx, a, redeem.ApplicationFilter{EnterpriseID: id, Limit: limit}); err != nil {
		return nil, err
	}
	if b.Objections, b.ObjsTotal, err = s.app.Redeem.FindObjections(ctx, a, redeem.ObjectionFilter{EnterpriseID: id, Limit: limit}); err != nil {
		return nil, err
	}
	for _, g := range b.Grants {
		switch g.Status {
		case redeem.GrantConfirming:
			b.ToConfirm++
			b.Approved += g.Due()
		case redeem.GrantConfirmed:
			b.Approved += g.Due()
		}
		b.Paid += g.Paid
	}
	b.ApprovedText, b.PaidText = money.FormatWan(b.Approved), money.FormatWan(b.Paid)
	return b, nil
}
