package web

import (
	"fmt"
	"github.com/qinqing/qinqing/internal/money"
	"github.com/qinqing/qinqing/internal/paging"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// enterpriseFilter reads the registry's list filters from a query string.
func enterpriseFilter(q url.Values) enterprise.Filter {
	f := enterprise.Filter{
		Query:    strings.TrimSpace(q.Get("q")),
		District: q.Get("district"),
		Industry: strings.TrimSpace(q.Get("industry")),
		Size:     q.Get("size"),
		Credit:   q.Get("credit"),
		Status:   q.Get("status"),
		Sort:     q.Get("sort"),
		Desc:     q.Get("desc") == "1" || q.Get("desc") == "true",
	}
	for _, t := range q["tag"] {
		if t = strings.TrimSpace(t); t != "" {
			f.Tags = append(f.Tags, t)
		}
	}
	return f
}

// enterpriseListData is what the registry page shows besides the rows.
func (s *Server) enterpriseFormData() map[string]any {
	return map[string]any{
		"Districts": s.app.Enterprises.City.Districts,
		"Sizes":     enterprise.Sizes,
		"Credits":   enterprise.Credits,
		"Statuses":  enterprise.Statuses,
		"Tags":      enterprise.StandardTags,
	}
}

func (s *Server) enterprisesPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := enterpriseFilter(q)
	p := newPager(r.URL.Path, q, 20)
	f.Limit, f.Offset = p.Size, p.Offset()
	list, total, err := s.app.Enterprises.FindEnterprises(r.Context(), actorOf(r), f)
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return err
		}
		data := s.enterpriseFormData()
		data["Error"] = errs.MessageOf(err)
		data["Page"] = p
		s.render(w, r, http.StatusUnprocessableEntity, "enterprises.html", data)
		return nil
	}
	p.Total = total
	data := s.enterpriseFormData()
	data["Items"], data["Page"] = list, p
	data["Capped"] = total > enterprise.CountLimit
	data["CanExport"] = actorOf(r).CanSome(auth.ImportEnterprise)
	city := s.app.Enterprises.City
	data["DistrictName"] = func(code *string) string {
		if code == nil {
			return ""
		}
		return city.DistrictName(*code)
	}
	s.render(w, r, http.StatusOK, "enterprises.html", data)
	return nil
}

func (s *Server) enterprisePage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actorOf(r)
	file, err := s.app.Enterprises.FindEnterpriseFile(r.Context(), a, id)
	if err != nil {
		return err
	}
	history, err := s.app.Enterprises.FindEnterpriseHistory(r.Context(), a, id, 50)
	if err != nil {
		return err
	}
	data := map[string]any{"E": file.Enterprise, "Sources": file.Sources, "History": history,
		"Rows": profileRows(file.Enterprise, s.app.Enterprises.City, workday.Today(s.app.Now)), "Can": file.Permitted,
		"Sections": s.loadEnterpriseSections(r, a, file)}
	s.render(w, r, http.StatusOK, "enterprise.html", data)
	return nil
}

// profileRow is one line of the 一企一档 profile: label, value shown in
// Chinese (未知 when unknown), and the field name for its source.
type profileRow struct {
	Field, Label, Value string
	Unknown             bool
}

func profileRows(e *enterprise.Enterprise, city *enterprise.City, today workday.Date) []profileRow {
	str := func(p *string) (string, bool) {
		if p == nil {
			return "未知", true
		}
		return *p, false
	}
	money := func(p *int64) (string, bool) {
		if p == nil {
			return "未知", true
		}
		return money.FormatWan(*p), false
	}
	count := func(p *int64, unit string) (string, bool) {
		if p == nil {
			return "未知", true
		}
		return strconv.FormatInt(*p, 10) + unit, false
	}
	var rows []profileRow
	add := func(field string, v string, unknown bool) {
		f, _ := enterprise.FieldByName(field)
		rows = append(rows, profileRow{Field: field, Label: f.Label, Value: v, Unknown: unknown})
	}
	v, u := str(e.Kind)
	if e.Kind != nil && e.KindText != nil {
		v += "（" + *e.KindText + "）"
	}
	add("kind", v, u)
	if e.Industry == nil {
		add("industry", "未知", true)
	} else {
		add("industry", *e.Industry+" "+enterprise.IndustryName(*e.Industry), false)
	}
	if e.District == nil {
		add("district", "未知", true)
	} else {
		add("district", city.DistrictName(*e.District), false)
	}
	v, u = str(e.Street)
	add("street", v, u)
	if e.Founded == nil {
		add("founded", "未知", true)
	} else {
		add("founded", e.Founded.Chinese(), false)
	}
	if age := e.AgeYears(today); age != nil {
		add("age_years", fmt.Sprintf("%d年", *age), false)
	} else {
		add("age_years", "未知", true)
	}
	v, u = money(e.RegisteredCapital)
	add("registered_capital", v, u)
	v, u = count(e.Employees, "人")
	add("employees", v, u)
	for _, m := range []struct {
		field string
		p     *int64
	}{{"revenue", e.Revenue}, {"rd_expense", e.RDExpense}, {"tax_paid", e.TaxPaid}, {"export_value", e.ExportValue}, {"total_assets", e.TotalAssets}} {
		v, u = money(m.p)
		add(m.field, v, u)
	}
	v, u = str(e.Size)
	add("size", v, u)
	v, u = str(e.Credit)
	add("credit", v, u)
	v, u = str(e.Status)
	add("status", v, u)
	return rows
}

func (s *Server) exportEnterprises(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if format != "csv" && format != "xlsx" {
		return errs.FieldErrorf("format", "导出格式应为 csv 或 xlsx")
	}
	f := enterpriseFilter(r.URL.Query())
	name := "企业名录-" + workday.Today(s.app.Now).String() + "." + format
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	}
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	_, err := s.app.Enterprises.Export(r.Context(), actorOf(r), w, format, f)
	return err
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "import.html", map[string]any{"Fields": enterprise.Fields})
	return nil
}

// startImport saves an uploaded file and queues its import as a job, then
// sends the browser to the progress page.
func (s *Server) startImport(w http.ResponseWriter, r *http.Request) error {
	run, err := s.receiveImport(r)
	if err != nil {
		if c := errs.CodeOf(err); c == errs.Invalid || c == errs.TooLarge {
			s.render(w, r, statusOf(c), "import.html", map[string]any{"Fields": enterprise.Fields, "Error": errs.MessageOf(err)})
			return nil
		}
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/import/%d", run.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) receiveImport(r *http.Request) (*enterprise.ImportRun, error) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		if strings.Contains(err.Error(), "too large") {
			return nil, errs.Errorf(errs.TooLarge, "上传文件超过 %d MB 上限", s.app.Config.MaxUpload>>20)
		}
		return nil, errs.FieldErrorf("file", "请选择要导入的 CSV 或 Excel 文件")
	}
	defer r.MultipartForm.RemoveAll()
	file, header, err := r.FormFile("file")
	if err != nil {
		return nil, errs.FieldErrorf("file", "请选择要导入的 CSV 或 Excel 文件")
	}
	defer file.Close()
	opts := enterprise.ImportOptions{Strict: r.FormValue("strict") != "", DryRun: r.FormValue("dry_run") != ""}
	return s.app.Imports.Start(r.Context(), actorOf(r), file, header.Filename, opts)
}

func (s *Server) importRunPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	run, err := s.app.Imports.FindImportRunByID(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	data := map[string]any{"Run": run}
	if run.JobID != 0 {
		j, err := s.app.Jobs.FindJobByID(r.Context(), run.JobID)
		if err != nil {
			return err
		}
		data["Job"] = j
	}
	if run.Result != nil && len(run.Result.Errors) > 20 {
		data["Shown"] = run.Result.Errors[:20]
	} else if run.Result != nil {
		data["Shown"] = run.Result.Errors
	}
	if r.Header.Get("HX-Request") != "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		s.renderFragment(w, r, "import_status", data)
		return nil
	}
	s.render(w, r, http.StatusOK, "import_run.html", data)
	return nil
}

// retryImport queues again an import whose job was interrupted, and
// returns to its progress page.
func (s *Server) retryImport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.app.Imports.RetryImportRun(r.Context(), actorOf(r), id); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/import/%d?ok=retried", id), http.StatusSeeOther)
	return nil
}

func (s *Server) importRejects(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	format := r.PathValue("format")
	if format != "csv" && format != "xlsx" {
		return errs.Errorf(errs.NotFound, "格式应为 csv 或 xlsx")
	}
	run, err := s.app.Imports.FindImportRunByID(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	if run.Result == nil {
		return errs.Errorf(errs.Conflict, "导入尚未完成")
	}
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(fmt.Sprintf("导入%d-拒绝行.%s", id, format)))
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	}
	return enterprise.WriteRejects(w, format, run.Result.Errors)
}

func (s *Server) apiEnterprises(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging.Parse(r.URL.Query())
	if err != nil {
		return err
	}
	f := enterpriseFilter(r.URL.Query())
	f.Limit, f.Offset = limit, offset
	list, total, err := s.app.Enterprises.FindEnterprises(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	if list == nil {
		list = []enterprise.Enterprise{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": total})
	return nil
}

func (s *Server) apiEnterprise(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	file, err := s.app.Enterprises.FindEnterpriseFile(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, file)
	return nil
}

func (s *Server) apiEnterpriseHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.app.Enterprises.FindEnterpriseHistory(r.Context(), actorOf(r), id, 500)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": h, "total": len(h)})
	return nil
}

// apiImport queues an import of the uploaded file (multipart field "file")
// and answers 202 with the run, whose status is at /api/v1/imports/{id}.
func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) error {
	run, err := s.receiveImport(r)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/imports/%d", run.ID))
	writeJSON(w, http.StatusAccepted, run)
	return nil
}

// apiRetryImport queues again an import whose job was interrupted
// (retryable in its record) and answers 202 with the run.
func (s *Server) apiRetryImport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	run, err := s.app.Imports.RetryImportRun(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, run)
	return nil
}

func (s *Server) apiImportRun(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	run, err := s.app.Imports.FindImportRunByID(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, run)
	return nil
}

// registryHomePanel is the registry's panel: how many enterprises it holds.
func (s *Server) registryHomePanel() homePanel {
	return homePanel{key: "registry", title: "企业库", tmpl: "panel_registry", load: func(r *http.Request, a *auth.Actor) (any, error) {
		if !a.CanSome(auth.ViewEnterprises) {
			return nil, nil
		}
		return s.app.Enterprises.Figures(r.Context(), a)
	}}
}
