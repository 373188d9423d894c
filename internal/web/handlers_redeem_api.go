package web

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/paging"
	"github.com/qinqing/qinqing/internal/policy/redeem"
)

// The redemption API (/api/v1): payment batches for the finance system,
// grants, applications, objections, performance. Amounts are whole yuan.

// ---- Payment batches ----

func (s *Server) apiBatches(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := paging.Parse(q)
	if err != nil {
		return err
	}
	unit, err := queryID(q, "unit_id")
	if err != nil {
		return err
	}
	list, total, err := s.app.Redeem.FindBatches(r.Context(), actorOf(r), redeem.BatchFilter{UnitID: unit, Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	listJSON(w, list, total)
	return nil
}

func (s *Server) apiCreateBatch(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		UnitID int64 `json:"unit_id"`
	}
	if err := decodeOptionalJSON(r, &in); err != nil {
		return err
	}
	b, err := s.app.Redeem.CreateBatch(r.Context(), actorOf(r), in.UnitID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/payment-batches/%d", b.ID))
	writeJSON(w, http.StatusCreated, b)
	return nil
}

func (s *Server) apiBatch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, offset, err := paging.Parse(q)
	if err != nil {
		return err
	}
	b, err := s.app.Redeem.FindBatchByID(r.Context(), actorOf(r), id, redeem.PaymentFilter{Status: q.Get("status"), Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		*redeem.Batch
		Permitted redeem.BatchPermitted `json:"permitted"`
	}{b, s.app.Redeem.BatchPermittedTo(r.Context(), actorOf(r), b)})
	return nil
}

func (s *Server) apiExportBatch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	var buf bytes.Buffer
	if _, err := s.app.Redeem.ExportBatch(r.Context(), actorOf(r), id, format, &buf); err != nil {
		return err
	}
	ctype := xlsxType
	if format == "csv" {
		ctype = "text/csv; charset=utf-8"
	}
	attachment(w, fmt.Sprintf("payment-batch-%d.%s", id, format), ctype)
	_, _ = w.Write(buf.Bytes())
	return nil
}

func (s *Server) apiBankResults(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := bankFileOf(r)
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := s.app.Redeem.ImportBankResults(r.Context(), actorOf(r), id, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) apiPayable(w http.ResponseWriter, r *http.Request) error {
	list, err := s.app.Redeem.FindPayable(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	listJSON(w, list, len(list))
	return nil
}

func (s *Server) apiRepay(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Account *redeem.Account `json:"account"`
	}
	if err := decodeOptionalJSON(r, &in); err != nil {
		return err
	}
	p, err := s.app.Redeem.Repay(r.Context(), actorOf(r), id, in.Account)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

// ---- Grants ----

func (s *Server) apiGrants(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := paging.Parse(q)
	if err != nil {
		return err
	}
	f := redeem.GrantFilter{Status: q.Get("status"), Query: q.Get("q"), Limit: limit, Offset: offset}
	if f.ClauseID, err = queryID(q, "clause_id"); err != nil {
		return err
	}
	if f.PolicyID, err = queryID(q, "policy_id"); err != nil {
		return err
	}
	if f.EnterpriseID, err = queryID(q, "enterprise_id"); err != nil {
		return err
	}
	list, total, err := s.app.Redeem.FindGrants(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	listJSON(w, list, total)
	return nil
}

func (s *Server) writeGrant(w http.ResponseWriter, r *http.Request, status int, g *redeem.Grant) {
	if g.Payments == nil {
		g.Payments = []*redeem.Payment{}
	}
	writeJSON(w, status, struct {
		*redeem.Grant
		Permitted redeem.GrantPermitted `json:"permitted"`
	}{g, s.app.Redeem.PermittedTo(actorOf(r), g)})
}

func (s *Server) apiGrant(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	g, err := s.app.Redeem.FindGrantByID(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	s.writeGrant(w, r, http.StatusOK, g)
	return nil
}

func (s *Server) apiConfirmGrant(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in redeem.Confirmation
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	g, err := s.app.Redeem.ConfirmGrant(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	s.writeGrant(w, r, http.StatusOK, g)
	return nil
}

func (s *Server) apiSettleGrant(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		FinalAmount *int64 `json:"final_amount"`
		Note        string `json:"note"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.FinalAmount == nil {
		return errs.FieldErrorf("final_amount", "请给出清算核定金额（元）")
	}
	g, err := s.app.Redeem.SettleGrant(r.Context(), actorOf(r), id, *in.FinalAmount, in.Note)
	if err != nil {
		return err
	}
	s.writeGrant(w, r, http.StatusOK, g)
	return nil
}

func (s *Server) apiRecoverGrant(w http.ResponseWriter, r *http.Request) error {
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
	g, err := s.app.Redeem.RecordRecovery(r.Context(), actorOf(r), id, in.Note)
	if err != nil {
		return err
	}
	s.writeGrant(w, r, http.StatusOK, g)
	return nil
}

func (s *Server) apiGenerateGrants(w http.ResponseWriter, r *http.Request) error {
	cl, pol, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	if err := decodeOptionalJSON(r, &struct{}{}); err != nil {
		return err
	}
	job, err := s.app.Redeem.GenerateGrants(r.Context(), actorOf(r), cl.ClauseID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/policies/%d/clauses/%d/grants/generation", pol.ID, cl.ClauseID))
	writeJSON(w, http.StatusAccepted, map[string]any{"job_id": job})
	return nil
}

func (s *Server) apiGeneration(w http.ResponseWriter, r *http.Request) error {
	cl, _, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	j, err := s.app.Redeem.Generation(r.Context(), actorOf(r), cl.ClauseID)
	if err != nil {
		return err
	}
	if j == nil {
		return errs.Errorf(errs.NotFound, "本条款尚未生成兑现名单")
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

func (s *Server) apiApproveGrants(w http.ResponseWriter, r *http.Request) error {
	cl, _, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	if err := decodeOptionalJSON(r, &struct{}{}); err != nil {
		return err
	}
	res, err := s.app.Redeem.ApproveGrants(r.Context(), actorOf(r), cl.ClauseID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) apiExcludeGrants(w http.ResponseWriter, r *http.Request) error {
	cl, _, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	var in struct {
		IDs    []int64 `json:"ids"`
		Reason string  `json:"reason"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	n, err := s.app.Redeem.ExcludeGrants(r.Context(), actorOf(r), cl.ClauseID, in.IDs, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"excluded": n})
	return nil
}

func (s *Server) apiCountersign(w http.ResponseWriter, r *http.Request) error {
	cl, _, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	var in struct {
		Approve bool   `json:"approve"`
		Note    string `json:"note"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	res, err := s.app.Redeem.Countersign(r.Context(), actorOf(r), cl.ClauseID, in.Approve, in.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) apiCountersignQueue(w http.ResponseWriter, r *http.Request) error {
	q, err := s.app.Redeem.CountersignQueue(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	listJSON(w, q, len(q))
	return nil
}

// ---- Applications ----

func (s *Server) apiApplicationForm(w http.ResponseWriter, r *http.Request) error {
	cl, _, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	f, err := s.app.Redeem.ApplicationForm(r.Context(), actorOf(r), cl.ClauseID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

func (s *Server) apiApply(w http.ResponseWriter, r *http.Request) error {
	cl, _, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	if err := parseMultipart(r); err != nil {
		return err
	}
	files, err := readUploads(r)
	if err != nil {
		return err
	}
	in := redeem.ApplicationInput{Answers: prefixed(r.PostForm, "answer_"), Statement: r.PostForm.Get("statement"),
		Agree: checked(r.PostForm, "agree"), Account: accountOf(r.PostForm)}
	ap, err := s.app.Redeem.Apply(r.Context(), actorOf(r), cl.ClauseID, in, files)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/applications/%d", ap.ID))
	s.writeApp(w, r, http.StatusCreated, ap)
	return nil
}

func (s *Server) writeApp(w http.ResponseWriter, r *http.Request, status int, ap *redeem.Application) {
	writeJSON(w, status, struct {
		*redeem.Application
		Permitted redeem.AppPermitted `json:"permitted"`
	}{ap, redeem.AppPermittedTo(actorOf(r), ap)})
}

func (s *Server) apiApplications(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := paging.Parse(q)
	if err != nil {
		return err
	}
	f := redeem.ApplicationFilter{Status: q.Get("status"), Open: q.Get("open") == "true", Overdue: q.Get("overdue") == "true", Limit: limit, Offset: offset}
	if f.ClauseID, err = queryID(q, "clause_id"); err != nil {
		return err
	}
	if f.PolicyID, err = queryID(q, "policy_id"); err != nil {
		return err
	}
	if f.EnterpriseID, err = queryID(q, "enterprise_id"); err != nil {
		return err
	}
	list, total, err := s.app.Redeem.FindApplications(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	listJSON(w, list, total)
	return nil
}

func (s *Server) apiApplication(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ap, err := s.app.Redeem.FindApplicationByID(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	s.writeApp(w, r, http.StatusOK, ap)
	return nil
}

// apiAppStep runs one step of an application with a JSON body read into a
// fresh In.
func apiAppStep[In any](s *Server, optional bool, step func(r *http.Request, id int64, in In) (*redeem.Application, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var in In
		if optional {
			err = decodeOptionalJSON(r, &in)
		} else {
			err = decodeJSON(r, &in)
		}
		if err != nil {
			return err
		}
		ap, err := step(r, id, in)
		if err != nil {
			return err
		}
		s.writeApp(w, r, http.StatusOK, ap)
		return nil
	}
}

type reasonBody struct {
	Reason string `json:"reason"`
}

func (s *Server) apiAcceptApplication(w http.ResponseWriter, r *http.Request) error {
	return apiAppStep(s, true, func(r *http.Request, id int64, _ struct{}) (*redeem.Application, error) {
		return s.app.Redeem.AcceptApplication(r.Context(), actorOf(r), id)
	})(w, r)
}

func (s *Server) apiDecideApplication(w http.ResponseWriter, r *http.Request) error {
	return apiAppStep(s, false, func(r *http.Request, id int64, d redeem.Decision) (*redeem.Application, error) {
		return s.app.Redeem.DecideApplication(r.Context(), actorOf(r), id, d)
	})(w, r)
}

func (s *Server) apiReturnApplication(w http.ResponseWriter, r *http.Request) error {
	return apiAppStep(s, false, func(r *http.Request, id int64, in reasonBody) (*redeem.Application, error) {
		return s.app.Redeem.ReturnApplication(r.Context(), actorOf(r), id, in.Reason)
	})(w, r)
}

func (s *Server) apiWithdrawApplication(w http.ResponseWriter, r *http.Request) error {
	return apiAppStep(s, true, func(r *http.Request, id int64, _ struct{}) (*redeem.Application, error) {
		return s.app.Redeem.WithdrawApplication(r.Context(), actorOf(r), id)
	})(w, r)
}

func (s *Server) apiResubmitApplication(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseMultipart(r); err != nil {
		return err
	}
	files, err := readUploads(r)
	if err != nil {
		return err
	}
	in := redeem.ApplicationInput{Answers: prefixed(r.PostForm, "answer_"), Statement: r.PostForm.Get("statement"), Account: accountOf(r.PostForm)}
	ap, err := s.app.Redeem.ResubmitApplication(r.Context(), actorOf(r), id, in, files)
	if err != nil {
		return err
	}
	s.writeApp(w, r, http.StatusOK, ap)
	return nil
}

// ---- Objections ----

func (s *Server) apiObject(w http.ResponseWriter, r *http.Request) error {
	cl, _, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	if err := parseMultipart(r); err != nil {
		return err
	}
	files, err := readUploads(r)
	if err != nil {
		return err
	}
	ob, err := s.app.Redeem.FileObjection(r.Context(), actorOf(r), cl.ClauseID, redeem.ObjectionInput{Statement: r.PostForm.Get("statement"),
		Corrections: prefixed(r.PostForm, "correct_")}, files)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/objections/%d", ob.ID))
	s.writeObjection(w, r, http.StatusCreated, ob)
	return nil
}

func (s *Server) writeObjection(w http.ResponseWriter, r *http.Request, status int, ob *redeem.Objection) {
	writeJSON(w, status, struct {
		*redeem.Objection
		CanAnswer bool `json:"can_answer"`
	}{ob, redeem.CanAnswer(actorOf(r), ob)})
}

func (s *Server) apiObjections(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := paging.Parse(q)
	if err != nil {
		return err
	}
	f := redeem.ObjectionFilter{Status: q.Get("status"), Overdue: q.Get("overdue") == "true", Limit: limit, Offset: offset}
	if f.ClauseID, err = queryID(q, "clause_id"); err != nil {
		return err
	}
	if f.PolicyID, err = queryID(q, "policy_id"); err != nil {
		return err
	}
	if f.EnterpriseID, err = queryID(q, "enterprise_id"); err != nil {
		return err
	}
	list, total, err := s.app.Redeem.FindObjections(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	listJSON(w, list, total)
	return nil
}

func (s *Server) apiObjection(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ob, err := s.app.Redeem.FindObjectionByID(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	s.writeObjection(w, r, http.StatusOK, ob)
	return nil
}

func (s *Server) apiAnswerObjection(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in redeem.Answer
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ob, err := s.app.Redeem.AnswerObjection(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	s.writeObjection(w, r, http.StatusOK, ob)
	return nil
}

// ---- Figures ----

func (s *Server) apiPerformance(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.app.Redeem.PolicyPerformance(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiTimeliness(w http.ResponseWriter, r *http.Request) error {
	list, err := s.app.Redeem.FindTimeliness(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": len(list), "limit_days": s.app.Redeem.PaymentDays()})
	return nil
}

func (s *Server) apiRedeemFigures(w http.ResponseWriter, r *http.Request) error {
	f, err := s.app.Redeem.Figures(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	if f == nil {
		return errs.Errorf(errs.Forbidden, "无兑现统计可看")
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

func (s *Server) apiMaterial(w http.ResponseWriter, r *http.Request) error {
	return s.materialFile(w, r)
}
