package web

import (
	"fmt"
	"net/http"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/money"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/redeem"
)

// The enterprise's side of redemption: its own page of grants and
// applications (我的兑现, made for a phone), the application form and the
// objection form. The grant and application pages are shared with the
// units (handlers_redeem.go).

// benefitsPage is an enterprise account's 我的兑现.
func (s *Server) benefitsPage(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	if a.Role != auth.RoleEnterprise || a.EnterpriseID == nil {
		return errs.Errorf(errs.Forbidden, "“我的兑现”是企业账号的页面")
	}
	b, err := s.benefitsOf(r, a, *a.EnterpriseID, 50)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "redeem_benefits.html", b)
	return nil
}

// benefitsHomePanel is an enterprise account's grants waiting for it.
func (s *Server) benefitsHomePanel() homePanel {
	return homePanel{key: "benefits", title: "我的兑现", tmpl: "panel_benefits", load: func(r *http.Request, a *auth.Actor) (any, error) {
		if a.Role != auth.RoleEnterprise || a.EnterpriseID == nil {
			return nil, nil
		}
		return s.benefitsOf(r, a, *a.EnterpriseID, 50)
	}}
}

type applyData struct {
	Form    *redeem.ApplyForm
	Amount  string
	Values  map[string]string // the form as sent, when it is shown again
	Error   string
	Accepts string
}

func (s *Server) applyView(w http.ResponseWriter, r *http.Request, status int, values map[string]string, problem string) error {
	cl, _, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	f, err := s.app.Redeem.ApplicationForm(r.Context(), actorOf(r), cl.ClauseID)
	if err != nil {
		return err
	}
	data := &applyData{Form: f, Values: values, Error: problem, Accepts: redeem.AcceptedTypes}
	if f.Amount != nil {
		data.Amount = money.FormatWan(*f.Amount)
	}
	if data.Values == nil {
		data.Values = map[string]string{"account_name": f.Enterprise.Name}
	}
	s.render(w, r, status, "redeem_apply.html", data)
	return nil
}

func (s *Server) applyPage(w http.ResponseWriter, r *http.Request) error {
	return s.applyView(w, r, http.StatusOK, nil, "")
}

func (s *Server) apply(w http.ResponseWriter, r *http.Request) error {
	cl, _, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	if err := parseMultipart(r); err != nil {
		return err
	}
	in := redeem.ApplicationInput{Answers: prefixed(r.PostForm, "answer_"), Statement: r.PostForm.Get("statement"),
		Agree: checked(r.PostForm, "agree"), Account: accountOf(r.PostForm)}
	files, err := readUploads(r)
	var ap *redeem.Application
	if err == nil {
		ap, err = s.app.Redeem.Apply(r.Context(), actorOf(r), cl.ClauseID, in, files)
	}
	if err != nil {
		if formProblem(err) || errs.CodeOf(err) == errs.TooLarge {
			values := map[string]string{}
			for k, vs := range r.PostForm {
				if len(vs) > 0 {
					values[k] = vs[0]
				}
			}
			return s.applyView(w, r, http.StatusUnprocessableEntity, values, errs.MessageOf(err))
		}
		return err
	}
	redeemBack(w, r, fmt.Sprintf("/applications/%d", ap.ID), "applied")
	return nil
}

type objectData struct {
	Policy  *policy.Policy
	Clause  *policy.Clause
	Fields  []enterprise.Field
	Values  map[string]string
	Error   string
	Accepts string
}

func (s *Server) objectView(w http.ResponseWriter, r *http.Request, status int, values map[string]string, problem string) error {
	cl, pol, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	if err := auth.AuthorizeSome(actorOf(r), auth.ClaimBenefits); err != nil {
		return err
	}
	data := &objectData{Policy: pol, Clause: cl, Values: values, Error: problem, Accepts: redeem.AcceptedTypes}
	for _, f := range enterprise.SelfReportFields {
		if fl, ok := enterprise.FieldByName(f); ok {
			data.Fields = append(data.Fields, fl)
		}
	}
	s.render(w, r, status, "redeem_object.html", data)
	return nil
}

func (s *Server) objectPage(w http.ResponseWriter, r *http.Request) error {
	return s.objectView(w, r, http.StatusOK, map[string]string{}, "")
}

func (s *Server) object(w http.ResponseWriter, r *http.Request) error {
	cl, _, err := s.redeemClause(r)
	if err != nil {
		return err
	}
	if err := parseMultipart(r); err != nil {
		return err
	}
	in := redeem.ObjectionInput{Statement: r.PostForm.Get("statement"), Corrections: prefixed(r.PostForm, "correct_")}
	files, err := readUploads(r)
	var ob *redeem.Objection
	if err == nil {
		ob, err = s.app.Redeem.FileObjection(r.Context(), actorOf(r), cl.ClauseID, in, files)
	}
	if err != nil {
		if formProblem(err) || errs.CodeOf(err) == errs.TooLarge {
			values := map[string]string{}
			for k, vs := range r.PostForm {
				if len(vs) > 0 {
					values[k] = vs[0]
				}
			}
			return s.objectView(w, r, http.StatusUnprocessableEntity, values, errs.MessageOf(err))
		}
		return err
	}
	redeemBack(w, r, fmt.Sprintf("/objections/%d", ob.ID), "objected")
	return nil
}
