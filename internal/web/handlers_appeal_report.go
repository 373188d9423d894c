package web

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/qinqing/qinqing/internal/appeal/report"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/workday"
)

// The appeals' monthly report (月度简报): the list, a printable report page
// with the office's form for its text sections, generation on demand,
// publication and the .docx; the API's list, report, generation, sections
// and publication; the leaders' home panel line.

func (s *Server) appealReportsPage(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	list, err := s.app.AppealReports.FindReports(r.Context(), a)
	if err != nil {
		return err
	}
	last := (workday.NewDate(s.app.Now().In(workday.Shanghai).Year(), s.app.Now().In(workday.Shanghai).Month(), 1) - 1).String()[:7]
	s.render(w, r, http.StatusOK, "appeal_reports.html", map[string]any{"Reports": list, "CanGenerate": a.CanSome(auth.ManageAppealStats),
		"LastMonth": last, "OK": r.URL.Query().Get("ok")})
	return nil
}

func (s *Server) appealReportPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actorOf(r)
	rep, err := s.app.AppealReports.FindReport(r.Context(), a, id)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "appeal_report.html", map[string]any{"R": rep, "Can": report.PermittedOn(a, rep), "OK": r.URL.Query().Get("ok")})
	return nil
}

func (s *Server) generateAppealReport(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	rep, err := s.app.AppealReports.Generate(r.Context(), actorOf(r), r.PostForm.Get("month"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/appeal-reports/%d?ok=%s", rep.ID, url.QueryEscape("已生成"+rep.Title+"（草稿）")), http.StatusSeeOther)
	return nil
}

func (s *Server) saveAppealReportSections(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	if _, err := s.app.AppealReports.SaveSections(r.Context(), actorOf(r), id, report.Sections{Intro: r.PostForm.Get("intro"),
		Suggestions: r.PostForm.Get("suggestions")}); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/appeal-reports/%d?ok=%s", id, url.QueryEscape("已保存")), http.StatusSeeOther)
	return nil
}

func (s *Server) publishAppealReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.app.AppealReports.Publish(r.Context(), actorOf(r), id); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/appeal-reports/%d?ok=%s", id, url.QueryEscape("已发布，数据已固定")), http.StatusSeeOther)
	return nil
}

func (s *Server) appealReportDOCX(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := s.app.AppealReports.FindReport(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	data, err := rep.DOCX()
	if err != nil {
		return err
	}
	sendFile(w, "诉求月度简报-"+rep.Month+".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", data)
	return nil
}

func (s *Server) apiAppealReports(w http.ResponseWriter, r *http.Request) error {
	list, err := s.app.AppealReports.FindReports(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	if list == nil {
		list = []report.Report{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
	return nil
}

func (s *Server) apiAppealReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actorOf(r)
	rep, err := s.app.AppealReports.FindReport(r.Context(), a, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"report": rep, "permitted": report.PermittedOn(a, rep)})
	return nil
}

func (s *Server) apiGenerateAppealReport(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Month string `json:"month"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rep, err := s.app.AppealReports.Generate(r.Context(), actorOf(r), in.Month)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) apiSaveAppealReportSections(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in report.Sections
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rep, err := s.app.AppealReports.SaveSections(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) apiPublishAppealReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := s.app.AppealReports.Publish(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// appealReportHomePanel links leaders to the latest monthly report.
func (s *Server) appealReportHomePanel() homePanel {
	return homePanel{key: "appeal-report", title: "诉求月度简报", tmpl: "panel_appeal_report", load: func(r *http.Request, a *auth.Actor) (any, error) {
		if a.Role != auth.RoleLeader || !a.CanSome(auth.ViewAppealReports) {
			return nil, nil
		}
		rep, err := s.app.AppealReports.Latest(r.Context(), a)
		if err != nil || rep == nil {
			return nil, err
		}
		return rep, nil
	}}
}
