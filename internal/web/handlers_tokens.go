package web

import (
	"github.com/qinqing/qinqing/internal/paging"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
)

// Token states, as codes in the API and labels on the page.
const (
	tokenActive  = "active"
	tokenRevoked = "revoked"
	tokenExpired = "expired"
)

var tokenStateLabels = map[string]string{tokenActive: "有效", tokenRevoked: "已吊销", tokenExpired: "已过期"}

// tokenState says whether t is active, revoked or expired at now.
func tokenState(t *auth.Token, now time.Time) string {
	switch {
	case t.RevokedAt != nil:
		return tokenRevoked
	case t.ExpiresAt != nil && !t.ExpiresAt.After(now):
		return tokenExpired
	}
	return tokenActive
}

// tokenJSON is a token's record in the API, with its state.
type tokenJSON struct {
	auth.Token
	State string `json:"state"`
}

// tokenRow is a token on the page.
type tokenRow struct {
	auth.Token
	State      string
	StateLabel string
	UnitName   string
}

// tokenForm is the new-token form as typed.
type tokenForm struct {
	Name, Role, UnitID, Days string
	Scopes                   map[auth.Action]bool
	AllScopes                bool
}

// tokensData is what admin_tokens.html shows.
type tokensData struct {
	Tokens []tokenRow
	Page   *pager
	Roles  []auth.Role
	Units  []unitRow
	Scopes []auth.ActionInfo
	Form   tokenForm
	Error  string
	Field  string
	// Secret and Created are set once, on the page that answers the
	// creation: the secret is never shown again.
	Secret  string
	Created *auth.Token
}

// tokenRoles are the roles a token may have: not enterprise, whose actor
// must be bound to one enterprise's account.
func tokenRoles() []auth.Role {
	var out []auth.Role
	for _, r := range auth.Roles {
		if r != auth.RoleEnterprise {
			out = append(out, r)
		}
	}
	return out
}

// expiryOf reads a token's lifetime in days (0 or empty for no expiry).
// Errors: Invalid.
func expiryOf(days int) (time.Duration, error) {
	if days < 0 || days > 3650 {
		return 0, errs.FieldErrorf("expires_in_days", "有效期应为 0–3650 天（0 表示长期有效）")
	}
	return time.Duration(days) * 24 * time.Hour, nil
}

func (s *Server) tokensData(r *http.Request) (*tokensData, error) {
	units, err := s.app.Org.UnitTree(r.Context())
	if err != nil {
		return nil, err
	}
	p := newPager(r.URL.Path, r.URL.Query(), 20)
	tokens, total, err := s.app.Auth.FindTokens(r.Context(), actorOf(r), auth.TokenFilter{Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		return nil, err
	}
	p.Total = total
	names := unitNames(units)
	now := s.app.Now()
	data := &tokensData{Page: p, Roles: tokenRoles(), Units: treeRows(units), Scopes: auth.Actions(),
		Form: tokenForm{Days: "90"}}
	for _, t := range tokens {
		st := tokenState(&t, now)
		data.Tokens = append(data.Tokens, tokenRow{Token: t, State: st, StateLabel: tokenStateLabels[st], UnitName: nameOf(names, t.UnitID)})
	}
	return data, nil
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) error {
	data, err := s.tokensData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "admin_tokens.html", data)
	return nil
}

// createToken creates a token and answers with the page showing its secret
// once; it does not redirect, so the secret is never in a URL or history.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	v := r.PostForm
	f := tokenForm{Name: v.Get("name"), Role: v.Get("role"), UnitID: v.Get("unit_id"), Days: v.Get("days"), Scopes: map[auth.Action]bool{},
		AllScopes: v.Get("all_scopes") == "on"}
	in := auth.TokenInput{Name: f.Name, Role: auth.Role(f.Role), AllScopes: f.AllScopes}
	for _, sc := range v["scopes"] {
		f.Scopes[auth.Action(sc)] = true
		in.Scopes = append(in.Scopes, auth.Action(sc))
	}
	var secret string
	var created *auth.Token
	unit, err := optID(f.UnitID, "unit_id")
	if err == nil {
		in.UnitID = unit
		days := 0
		if d := strings.TrimSpace(f.Days); d != "" {
			if days, err = strconv.Atoi(d); err != nil {
				err = errs.FieldErrorf("expires_in_days", "有效期应为整数天")
			}
		}
		if err == nil {
			in.ExpiresIn, err = expiryOf(days)
		}
	}
	if err == nil {
		secret, created, err = s.app.Auth.CreateToken(r.Context(), actorOf(r), in)
	}
	if err != nil && !formProblem(err) {
		return err
	}
	data, derr := s.tokensData(r)
	if derr != nil {
		return derr
	}
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		data.Form, data.Error, data.Field = f, errs.MessageOf(err), errs.FieldOf(err)
		s.render(w, r, statusOf(errs.CodeOf(err)), "admin_tokens.html", data)
		return nil
	}
	data.Secret, data.Created = secret, created
	s.render(w, r, http.StatusCreated, "admin_tokens.html", data)
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.Auth.RevokeToken(r.Context(), actorOf(r), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/tokens?ok=revoked", http.StatusSeeOther)
	return nil
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging.Parse(r.URL.Query())
	if err != nil {
		return err
	}
	tokens, total, err := s.app.Auth.FindTokens(r.Context(), actorOf(r), auth.TokenFilter{Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	now := s.app.Now()
	items := make([]tokenJSON, 0, len(tokens))
	for _, t := range tokens {
		items = append(items, tokenJSON{Token: t, State: tokenState(&t, now)})
	}
	listJSON(w, items, total)
	return nil
}

// tokenRequest is the body of POST /api/v1/tokens.
type tokenRequest struct {
	Name          string        `json:"name"`
	Role          auth.Role     `json:"role"`
	UnitID        *int64        `json:"unit_id"`
	Scopes        []auth.Action `json:"scopes"`
	AllScopes     bool          `json:"all_scopes"`
	ExpiresInDays int           `json:"expires_in_days"`
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) error {
	var req tokenRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	in := auth.TokenInput{Name: req.Name, Role: req.Role, UnitID: req.UnitID, Scopes: req.Scopes, AllScopes: req.AllScopes}
	var err error
	if in.ExpiresIn, err = expiryOf(req.ExpiresInDays); err != nil {
		return err
	}
	secret, t, err := s.app.Auth.CreateToken(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, struct {
		Secret string `json:"token"`
		tokenJSON
	}{secret, tokenJSON{Token: *t, State: tokenState(t, s.app.Now())}})
	return nil
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.Auth.RevokeToken(r.Context(), actorOf(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
