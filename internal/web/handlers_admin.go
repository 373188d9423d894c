package web

import (
	"errors"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/jobs"
	"net/http"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/org"
)

// This file holds what the administration pages share: the unit tree for
// lists and selects, and form parsing.
// The pages themselves are in handlers_units.go, handlers_users.go,
// handlers_tokens.go, handlers_audit.go, handlers_calendar.go and
// handlers_jobs.go.

// unitRow is a unit with its depth in the tree, for indented lists and
// selects.
type unitRow struct {
	org.Unit
	Depth int
}

// Prefix indents the unit's name by its depth (full-width spaces work in
// <option> elements, where CSS padding does not).
func (u unitRow) Prefix() string {
	if u.Depth == 0 {
		return ""
	}
	return strings.Repeat("　", u.Depth-1) + "└ "
}

// DivisionText is the division code, or "" when there is none.
func (u unitRow) DivisionText() string {
	if u.Division == nil {
		return ""
	}
	return *u.Division
}

// treeRows gives each unit its row (the units carry their depth).
func treeRows(units []org.Unit) []unitRow {
	out := make([]unitRow, len(units))
	for i, u := range units {
		out[i] = unitRow{Unit: u, Depth: u.Depth}
	}
	return out
}

// unitNames maps unit ids to names.
func unitNames(units []org.Unit) map[int64]string {
	m := make(map[int64]string, len(units))
	for _, u := range units {
		m[u.ID] = u.Name
	}
	return m
}

// nameOf returns the name of the unit id points to, or "".
func nameOf(names map[int64]string, id *int64) string {
	if id == nil {
		return ""
	}
	if n, ok := names[*id]; ok {
		return n
	}
	return "#" + strconv.FormatInt(*id, 10)
}

// parseForm parses a POSTed form. Errors: TooLarge when the body exceeds the
// limit, Invalid for a malformed form.
func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errs.Errorf(errs.TooLarge, "请求内容超过 %d 字节上限", tooBig.Limit)
		}
		return errs.Errorf(errs.Invalid, "表单无效")
	}
	return nil
}

// optID reads an optional id from a form or query value: "" is nil.
// Errors: Invalid naming field.
func optID(v, field string) (*int64, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "0" {
		return nil, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		return nil, errs.FieldErrorf(field, "编号“%s”无效", v)
	}
	return &id, nil
}

// splitList splits what people type as a list: one item per line, or
// separated by 、 , ， ; or ；. Empty items are dropped.
func splitList(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case '\n', '\r', '、', ',', '，', ';', '；':
			return true
		}
		return false
	})
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// formProblem reports whether err is one the person filling in a form can
// fix, so that the form is shown again with the message (and the status of
// the error) rather than an error page.
func formProblem(err error) bool {
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Conflict:
		return true
	}
	return false
}

// listJSON writes a list response: {"items": [...], "total": n}.
func listJSON[T any](w http.ResponseWriter, items []T, total int) {
	if items == nil {
		items = []T{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}

// systemHomePanel is the office's panel of accounts, units and background
// jobs.
func (s *Server) systemHomePanel() homePanel {
	return homePanel{key: "system", title: "系统运行", tmpl: "panel_system", load: func(r *http.Request, a *auth.Actor) (any, error) {
		if !a.CanSome(auth.ManageUsers) || !a.CanSome(auth.ViewJobs) {
			return nil, nil
		}
		ctx := r.Context()
		_, users, err := s.app.Auth.FindUsers(ctx, a, auth.UserFilter{Limit: 1})
		if err != nil {
			return nil, err
		}
		units, err := s.app.Org.UnitTree(ctx)
		if err != nil {
			return nil, err
		}
		counts, err := s.app.Jobs.Counts(ctx)
		if err != nil {
			return nil, err
		}
		return map[string]any{"Users": users, "Units": len(units), "Queued": counts[jobs.Queued], "Running": counts[jobs.Running],
			"Failed": counts[jobs.Failed]}, nil
	}}
}
