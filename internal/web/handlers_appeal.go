package web

import (
	"context"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/paging"
	"github.com/qinqing/qinqing/internal/workday"
)

// ---- 企业诉求: the JSON API (pages in handlers_appeal_pages.go, Open311
// in handlers_appeal_open311.go) ----

// apiFileAppeal files an appeal: 201 with the acknowledgement, or 200 with
// the appeal filed before under the same external_ref by the same client.
// The suggested duplicates come with it for a person's session, for an API
// token only with ?similar=1 (?similar=0 leaves them out for both).
func (s *Server) apiFileAppeal(w http.ResponseWriter, r *http.Request) error {
	var in appeal.Intake
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a := actorOf(r)
	switch v := r.URL.Query().Get("similar"); v {
	case "":
		in.Similar = a != nil && a.TokenID == 0
	case "1", "true":
		in.Similar = true
	case "0", "false":
	default:
		return errs.FieldErrorf("similar", "similar 应为 1 或 0")
	}
	ap, created, err := s.app.Appeals.File(r.Context(), a, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", fmt.Sprintf("/api/v1/appeals/%d", ap.ID))
	}
	writeJSON(w, status, ap)
	return nil
}

// appealFilter reads the list's filters from a query (the API's and the
// pages' alike). Errors: Invalid naming the parameter.
func appealFilter(q url.Values) (appeal.Filter, error) {
	f := appeal.Filter{Status: appeal.Status(q.Get("status")), Light: appeal.Light(q.Get("light")), District: q.Get("district"),
		Category: q.Get("category"), Channel: appeal.Channel(q.Get("channel")), ExternalRef: q.Get("external_ref"),
		Query: q.Get("q"), Queue: q.Get("queue"), Sort: q.Get("sort"), Open: q.Get("open") == "1" || q.Get("open") == "true",
		Measure: q.Get("measure")}
	if v := strings.TrimSpace(q.Get("statuses")); v != "" {
		for _, st := range strings.Split(v, ",") {
			f.Statuses = append(f.Statuses, appeal.Status(strings.TrimSpace(st)))
		}
	}
	if q.Get("unit_id") == "none" {
		f.NoUnit = true
		q = maps.Clone(q)
		q.Del("unit_id")
	}
	id := func(name string) (int64, error) {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return 0, errs.FieldErrorf(name, "%s 应为正整数", name)
		}
		return n, nil
	}
	var err error
	if f.UnitID, err = id("unit_id"); err != nil {
		return f, err
	}
	if f.EnterpriseID, err = id("enterprise_id"); err != nil {
		return f, err
	}
	for name, dst := range map[string]*workday.Date{"from": &f.From, "to": &f.To} {
		if v := strings.TrimSpace(q.Get(name)); v != "" {
			d, err := workday.ParseDate(v)
			if err != nil {
				return f, errs.FieldErrorf(name, "%s 应为日期，如 2026-03-01", name)
			}
			*dst = d
		}
	}
	return f, nil
}

func (s *Server) apiAppeals(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := paging.Parse(q)
	if err != nil {
		return err
	}
	f, err := appealFilter(q)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = limit, offset
	list, total, err := s.app.Appeals.FindAppeals(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	listJSON(w, list, total)
	return nil
}

func (s *Server) apiAppeal(w http.ResponseWriter, r *http.Request) error {
	ap, err := s.app.Appeals.FindAppealByID(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ap)
	return nil
}

// apiAppealStep serves one transition: decode its body into a fresh In
// (optional for those that need nothing), call the domain, answer the
// appeal after it.
func apiAppealStep[In any](s *Server, optional bool, call func(ctx context.Context, a *auth.Actor, ref string, in In) (*appeal.Appeal, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in In
		var err error
		if optional {
			err = decodeOptionalJSON(r, &in)
		} else {
			err = decodeJSON(r, &in)
		}
		if err != nil {
			return err
		}
		ap, err := call(r.Context(), actorOf(r), r.PathValue("id"), in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ap)
		return nil
	}
}

// uploads reads the files of a multipart form's field name, each at most
// limit bytes. Errors: TooLarge, Invalid.
func uploads(r *http.Request, name string, limit int64) ([]appeal.Upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []appeal.Upload
	for _, fh := range r.MultipartForm.File[name] {
		if fh.Size > limit {
			return nil, errs.Errorf(errs.TooLarge, "文件“%s”超过 %d MB 上限", filepath.Base(fh.Filename), limit>>20)
		}
		f, err := fh.Open()
		if err != nil {
			return nil, errs.Wrap(err, "read upload")
		}
		b, err := io.ReadAll(io.LimitReader(f, limit+1))
		f.Close()
		if err != nil {
			return nil, errs.Wrap(err, "read upload")
		}
		if len(b) == 0 && fh.Filename == "" {
			continue
		}
		out = append(out, appeal.Upload{Name: fh.Filename, Data: b})
	}
	return out, nil
}

// maxAttachment bounds one attached file read from a form.
const maxAttachment = 20 << 20

func (s *Server) apiAttach(w http.ResponseWriter, r *http.Request) error {
	files, err := uploads(r, "file", maxAttachment)
	if err != nil {
		return err
	}
	list, err := s.app.Appeals.Attach(r.Context(), actorOf(r), r.PathValue("id"), files)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"items": list})
	return nil
}

// serveAttachment sends an attachment as a download, never inline, with
// the content type of the allow-list and nosniff: a browser runs nothing
// from it.
func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "file")
	if err != nil {
		return err
	}
	f, data, err := s.app.Appeals.OpenAttachment(r.Context(), actorOf(r), r.PathValue("id"), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
	return nil
}

func (s *Server) apiAppealCatalogue(w http.ResponseWriter, r *http.Request) error {
	version := 0
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errs.FieldErrorf("version", "version 应为正整数")
		}
		version = n
	}
	c, err := s.app.Appeals.FindCatalogue(r.Context(), actorOf(r), version)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiSaveCatalogueEntry(w http.ResponseWriter, r *http.Request) error {
	var in appeal.EntryInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Code == "" {
		in.Code = r.PathValue("code")
	}
	if in.Code != r.PathValue("code") {
		return errs.FieldErrorf("code", "请求体的 code 与路径不一致")
	}
	c, err := s.app.Appeals.SaveEntry(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiRemoveCatalogueEntry(w http.ResponseWriter, r *http.Request) error {
	c, err := s.app.Appeals.RemoveEntry(r.Context(), actorOf(r), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiAppealClasses(w http.ResponseWriter, r *http.Request) error {
	list, err := s.app.Appeals.FindClasses(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	listJSON(w, list, len(list))
	return nil
}

func (s *Server) apiSaveAppealClass(w http.ResponseWriter, r *http.Request) error {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r, "id"); err != nil {
			return err
		}
	}
	var in appeal.ClassInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	k, err := s.app.Appeals.SaveClass(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if id == 0 {
		status = http.StatusCreated
	}
	writeJSON(w, status, k)
	return nil
}

// receiveAppealImport saves an uploaded 12345 export and queues its import.
func (s *Server) receiveAppealImport(r *http.Request) (*appeal.ImportRun, error) {
	if r.MultipartForm == nil {
		return nil, errs.FieldErrorf("file", "请选择要导入的 12345 工单文件（CSV 或 Excel）")
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		return nil, errs.FieldErrorf("file", "请选择要导入的 12345 工单文件（CSV 或 Excel）")
	}
	defer file.Close()
	dry := r.FormValue("dry_run") != "" && r.FormValue("dry_run") != "false"
	return s.app.Appeals.StartImport(r.Context(), actorOf(r), file, header.Filename, filepath.Join(s.app.Config.DataDir, "uploads"),
		appeal.ImportOptions{DryRun: dry})
}

func (s *Server) apiAppealImport(w http.ResponseWriter, r *http.Request) error {
	run, err := s.receiveAppealImport(r)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/appeal-imports/%d", run.ID))
	writeJSON(w, http.StatusAccepted, run)
	return nil
}

func (s *Server) apiAppealImportRun(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	run, err := s.app.Appeals.FindImportRunByID(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, run)
	return nil
}
