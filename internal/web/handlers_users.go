package web

import (
	"github.com/qinqing/qinqing/internal/paging"
	"net/http"
	"strings"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
)

// userForm is the new-user form as typed (never the password).
type userForm struct {
	Username, DisplayName, Role, UnitID string
}

// userRow is a user with the name of their unit.
type userRow struct {
	auth.User
	UnitName string
}

// usersFilter is the filter of the users list as given in the query.
type usersFilter struct {
	Role, Unit, Q string
}

// usersData is what admin_users.html shows.
type usersData struct {
	Users  []userRow
	Page   *pager
	Filter usersFilter
	Roles  []auth.Role
	Units  []unitRow
	Form   userForm
	Error  string // of the new-user form
	Field  string
	// FilterError is the message for a bad filter.
	FilterError string
}

// userFilterOf reads the users filter from q. Errors: Invalid.
func userFilterOf(role, unit, text string) (auth.UserFilter, error) {
	f := auth.UserFilter{Role: auth.Role(strings.TrimSpace(role)), Query: strings.TrimSpace(text)}
	if f.Role != "" && !f.Role.Valid() {
		return f, errs.FieldErrorf("role", "角色“%s”无效", f.Role)
	}
	id, err := optID(unit, "unit_id")
	if err != nil {
		return f, err
	}
	if id != nil {
		f.UnitID = *id
	}
	return f, nil
}

func (s *Server) usersData(r *http.Request) (*usersData, error) {
	q := r.URL.Query()
	data := &usersData{Filter: usersFilter{Role: q.Get("role"), Unit: q.Get("unit"), Q: q.Get("q")}, Roles: auth.Roles,
		Form: userForm{Role: string(auth.RoleUnitStaff)}}
	units, err := s.app.Org.UnitTree(r.Context())
	if err != nil {
		return nil, err
	}
	data.Units = treeRows(units)
	names := unitNames(units)
	data.Page = newPager(r.URL.Path, q, 20)
	f, err := userFilterOf(data.Filter.Role, data.Filter.Unit, data.Filter.Q)
	if err != nil {
		data.FilterError = errs.MessageOf(err)
		return data, nil
	}
	f.Limit, f.Offset = data.Page.Size, data.Page.Offset()
	users, total, err := s.app.Auth.FindUsers(r.Context(), actorOf(r), f)
	if err != nil {
		return nil, err
	}
	data.Page.Total = total
	for _, u := range users {
		data.Users = append(data.Users, userRow{User: u, UnitName: nameOf(names, u.UnitID)})
	}
	return data, nil
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) error {
	data, err := s.usersData(r)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if data.FilterError != "" {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "admin_users.html", data)
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	v := r.PostForm
	f := userForm{Username: v.Get("username"), DisplayName: v.Get("display_name"), Role: v.Get("role"), UnitID: v.Get("unit_id")}
	in := auth.UserInput{Username: f.Username, DisplayName: f.DisplayName, Role: auth.Role(f.Role), Password: v.Get("password")}
	unit, err := optID(f.UnitID, "unit_id")
	if err == nil {
		in.UnitID = unit
		_, err = s.app.Auth.CreateUser(r.Context(), actorOf(r), in)
	}
	if formProblem(err) {
		data, derr := s.usersData(r)
		if derr != nil {
			return derr
		}
		data.Form, data.Error, data.Field = f, errs.MessageOf(err), errs.FieldOf(err)
		s.render(w, r, statusOf(errs.CodeOf(err)), "admin_users.html", data)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/users?ok=created", http.StatusSeeOther)
	return nil
}

func (s *Server) disableUser(w http.ResponseWriter, r *http.Request) error {
	return s.setUserDisabled(w, r, true)
}

func (s *Server) enableUser(w http.ResponseWriter, r *http.Request) error {
	return s.setUserDisabled(w, r, false)
}

func (s *Server) setUserDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if disabled && actorOf(r).UserID == id {
		return errs.Errorf(errs.Conflict, "不能停用自己的账号")
	}
	if err := s.app.Auth.SetDisabled(r.Context(), actorOf(r), id, disabled); err != nil {
		return err
	}
	back := "/admin/users?ok=enabled"
	if disabled {
		back = "/admin/users?ok=disabled"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := paging.Parse(q)
	if err != nil {
		return err
	}
	f, err := userFilterOf(q.Get("role"), q.Get("unit_id"), q.Get("q"))
	if err != nil {
		return err
	}
	f.Limit, f.Offset = limit, offset
	users, total, err := s.app.Auth.FindUsers(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	listJSON(w, users, total)
	return nil
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) error {
	var in auth.UserInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.app.Auth.CreateUser(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}
