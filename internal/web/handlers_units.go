package web

import (
	"github.com/qinqing/qinqing/internal/paging"
	"net/http"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/org"
)

// unitForm is the unit form as typed, kept to show it again after an error.
type unitForm struct {
	Name, Kind, ParentID, Division, Sort, Aliases string
}

func unitFormOf(u *org.Unit) unitForm {
	f := unitForm{Name: u.Name, Kind: u.Kind, Sort: strconv.Itoa(u.Sort), Aliases: strings.Join(u.Aliases, "\n")}
	if u.ParentID != nil {
		f.ParentID = strconv.FormatInt(*u.ParentID, 10)
	}
	if u.Division != nil {
		f.Division = *u.Division
	}
	return f
}

func readUnitForm(r *http.Request) unitForm {
	v := r.PostForm
	return unitForm{Name: v.Get("name"), Kind: v.Get("kind"), ParentID: v.Get("parent_id"),
		Division: v.Get("division"), Sort: v.Get("sort"), Aliases: v.Get("aliases")}
}

// input turns the form into the domain's input. Errors: Invalid.
func (f unitForm) input() (org.UnitInput, error) {
	in := org.UnitInput{Name: f.Name, Kind: f.Kind, Aliases: splitList(f.Aliases)}
	parent, err := optID(f.ParentID, "parent_id")
	if err != nil {
		return in, err
	}
	in.ParentID = parent
	if d := strings.TrimSpace(f.Division); d != "" {
		in.Division = &d
	}
	if s := strings.TrimSpace(f.Sort); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return in, errs.FieldErrorf("sort", "排序应为整数")
		}
		in.Sort = n
	}
	return in, nil
}

// parentProblem turns the NotFound that creating or updating a unit returns
// for a missing parent into a field error: the unit itself has been found
// (or is being created), so the parent is what is wrong.
func parentProblem(err error) error {
	if errs.CodeOf(err) == errs.NotFound {
		return errs.FieldErrorf("parent_id", "上级单位不存在")
	}
	return err
}

// unitsData is what admin_units.html shows.
type unitsData struct {
	Units []unitRow // the current page of the tree
	Page  *pager
	All   []unitRow // every unit, for the parent select
	Kinds []string
	Q     string
	Form  unitForm
	Error string
	Field string
}

// unitData is what admin_unit.html shows.
type unitData struct {
	Unit  *org.Unit
	All   []unitRow
	Kinds []string
	Form  unitForm
	Error string
	Field string
}

func (s *Server) unitsData(r *http.Request) (*unitsData, error) {
	units, err := s.app.Org.UnitTree(r.Context())
	if err != nil {
		return nil, err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p := newPager(r.URL.Path, r.URL.Query(), 50)
	page, total, err := s.app.Org.FindUnits(r.Context(), org.UnitFilter{Query: q, Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		return nil, err
	}
	p.Total = total
	return &unitsData{Units: treeRows(page), Page: p, All: treeRows(units), Kinds: org.Kinds, Q: q,
		Form: unitForm{Kind: org.KindDepartment}}, nil
}

func (s *Server) unitsPage(w http.ResponseWriter, r *http.Request) error {
	data, err := s.unitsData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "admin_units.html", data)
	return nil
}

func (s *Server) createUnit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	f := readUnitForm(r)
	in, err := f.input()
	if err == nil {
		_, err = s.app.Org.CreateUnit(r.Context(), actorOf(r), in)
		err = parentProblem(err)
	}
	if formProblem(err) {
		data, derr := s.unitsData(r)
		if derr != nil {
			return derr
		}
		data.Form, data.Error, data.Field = f, errs.MessageOf(err), errs.FieldOf(err)
		s.render(w, r, statusOf(errs.CodeOf(err)), "admin_units.html", data)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/units?ok=created", http.StatusSeeOther)
	return nil
}

func (s *Server) unitData(r *http.Request) (*unitData, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	u, err := s.app.Org.FindUnitByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	units, err := s.app.Org.UnitTree(r.Context())
	if err != nil {
		return nil, err
	}
	// A unit cannot move under itself or its own descendants: leave them
	// out of the parent select (the domain checks too).
	var all []unitRow
	skip := -1
	for _, row := range treeRows(units) {
		if skip >= 0 && row.Depth > skip {
			continue
		}
		skip = -1
		if row.ID == id {
			skip = row.Depth
			continue
		}
		all = append(all, row)
	}
	return &unitData{Unit: u, All: all, Kinds: org.Kinds, Form: unitFormOf(u)}, nil
}

func (s *Server) unitPage(w http.ResponseWriter, r *http.Request) error {
	data, err := s.unitData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "admin_unit.html", data)
	return nil
}

func (s *Server) updateUnit(w http.ResponseWriter, r *http.Request) error {
	data, err := s.unitData(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	f := readUnitForm(r)
	in, err := f.input()
	if err == nil {
		_, err = s.app.Org.UpdateUnit(r.Context(), actorOf(r), data.Unit.ID, in)
		err = parentProblem(err)
	}
	if formProblem(err) {
		data.Form, data.Error, data.Field = f, errs.MessageOf(err), errs.FieldOf(err)
		s.render(w, r, statusOf(errs.CodeOf(err)), "admin_unit.html", data)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/units/"+strconv.FormatInt(data.Unit.ID, 10)+"?ok=saved", http.StatusSeeOther)
	return nil
}

func (s *Server) apiUnits(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging.Parse(r.URL.Query())
	if err != nil {
		return err
	}
	units, total, err := s.app.Org.FindUnits(r.Context(), org.UnitFilter{Query: r.URL.Query().Get("q"), Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	listJSON(w, units, total)
	return nil
}

func (s *Server) apiCreateUnit(w http.ResponseWriter, r *http.Request) error {
	var in org.UnitInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.app.Org.CreateUnit(r.Context(), actorOf(r), in)
	if err != nil {
		return parentProblem(err)
	}
	w.Header().Set("Location", "/api/v1/units/"+strconv.FormatInt(u.ID, 10))
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) apiUnit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.app.Org.FindUnitByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) apiUpdateUnit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.app.Org.FindUnitByID(r.Context(), id); err != nil {
		return err
	}
	var in org.UnitInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.app.Org.UpdateUnit(r.Context(), actorOf(r), id, in)
	if err != nil {
		return parentProblem(err)
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}
