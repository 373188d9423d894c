package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
)

// ---- Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) ----
//
// Existing Open311 clients file and follow appeals: services.json lists
// the catalogue, POST requests.json files an appeal (channel open311),
// GET requests.json and requests/{id}.json follow them. The api_key is an
// API token (`qinqing token create`), given as the api_key parameter or a
// bearer header; errors answer in Open311's form, [{"code", "description"}].

// open311Error writes err as GeoReport v2 does.
func (s *Server) open311Error(w http.ResponseWriter, r *http.Request, err error) error {
	code := statusOf(errs.CodeOf(err))
	if code == http.StatusUnprocessableEntity {
		code = http.StatusBadRequest // GeoReport v2 says 400 for a bad request
	}
	if errs.CodeOf(err) == errs.Internal {
		s.fail(w, r, err)
		return nil
	}
	desc := errs.MessageOf(err)
	if f := errs.FieldOf(err); f != "" {
		desc = f + "：" + desc
	}
	writeJSON(w, code, []map[string]any{{"code": code, "description": desc}})
	return nil
}

// open311Actor returns the actor of the request: its bearer token, or the
// token named by api_key. Errors: Unauthenticated.
func (s *Server) open311Actor(r *http.Request) (*auth.Actor, error) {
	if a := actorOf(r); a != nil && a.TokenID != 0 {
		return a, nil
	}
	key := strings.TrimSpace(r.FormValue("api_key"))
	if key == "" {
		return nil, errs.Errorf(errs.Unauthenticated, "缺少 api_key（API 令牌）")
	}
	return s.app.Auth.TokenActor(r.Context(), key)
}

func (s *Server) open311Services(w http.ResponseWriter, r *http.Request) error {
	a, err := s.open311Actor(r)
	if err != nil {
		return s.open311Error(w, r, err)
	}
	list, err := s.app.Appeals.Open311Services(r.Context(), a)
	if err != nil {
		return s.open311Error(w, r, err)
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) open311Post(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return s.open311Error(w, r, err)
	}
	a, err := s.open311Actor(r)
	if err != nil {
		return s.open311Error(w, r, err)
	}
	in, err := appeal.Open311Intake(r.PostForm)
	if err != nil {
		return s.open311Error(w, r, err)
	}
	ap, created, err := s.app.Appeals.File(r.Context(), a, in)
	if err != nil {
		return s.open311Error(w, r, err)
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, []map[string]any{{"service_request_id": ap.Number, "service_notice": "办理时限至" + ap.DueDate.Chinese(),
		"account_id": nil}})
	return nil
}

func (s *Server) open311Requests(w http.ResponseWriter, r *http.Request) error {
	a, err := s.open311Actor(r)
	if err != nil {
		return s.open311Error(w, r, err)
	}
	q := r.URL.Query()
	f := appeal.Open311Filter{ServiceCode: q.Get("service_code"), Status: q.Get("status")}
	for _, id := range strings.Split(q.Get("service_request_id"), ",") {
		if id = strings.TrimSpace(id); id != "" {
			f.IDs = append(f.IDs, id)
		}
	}
	if len(f.IDs) > 100 {
		return s.open311Error(w, r, errs.FieldErrorf("service_request_id", "一次最多查询100件"))
	}
	for name, dst := range map[string]*time.Time{"start_date": &f.Start, "end_date": &f.End} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return s.open311Error(w, r, errs.FieldErrorf(name, "应为 ISO 8601 时间，如 2026-03-01T00:00:00+08:00"))
			}
			*dst = t
		}
	}
	list, err := s.app.Appeals.Open311Requests(r.Context(), a, f)
	if err != nil {
		return s.open311Error(w, r, err)
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) open311Request(w http.ResponseWriter, r *http.Request) error {
	id, ok := strings.CutSuffix(r.PathValue("id"), ".json")
	if !ok || id == "" {
		return s.open311Error(w, r, errs.Errorf(errs.NotFound, "应为 requests/{service_request_id}.json"))
	}
	a, err := s.open311Actor(r)
	if err != nil {
		return s.open311Error(w, r, err)
	}
	ap, err := s.app.Appeals.FindAppealByID(r.Context(), a, id)
	if err != nil {
		return s.open311Error(w, r, err)
	}
	writeJSON(w, http.StatusOK, []appeal.Open311Request{s.app.Appeals.Open311Of(r.Context(), ap)})
	return nil
}
