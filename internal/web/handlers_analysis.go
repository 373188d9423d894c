package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/appeal/analysis"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/paging"
	"github.com/qinqing/qinqing/internal/workday"
)

// analysisScope reads the scope of the analysis pages and API:
// ?month=2026-03 or ?from=&to= (default: this month when byMonth — the
// topics, summed from monthly counts — else the last 30 days), and
// district, category, unit_id.
func (s *Server) analysisScope(q url.Values, byMonth bool) (analysis.Scope, error) {
	var sc analysis.Scope
	var err error
	switch {
	case q.Get("from") != "" || q.Get("to") != "":
		if sc.From, err = workday.ParseDate(q.Get("from")); err != nil {
			return sc, errs.FieldErrorf("from", "开始日期应写作 2026-03-01")
		}
		if sc.To, err = workday.ParseDate(q.Get("to")); err != nil {
			return sc, errs.FieldErrorf("to", "结束日期应写作 2026-03-31")
		}
	case q.Get("month") != "":
		if sc, err = analysis.MonthScope(q.Get("month")); err != nil {
			return sc, err
		}
	case byMonth:
		if sc, err = analysis.MonthScope(s.app.Now().In(workday.Shanghai).Format("2006-01")); err != nil {
			return sc, err
		}
	default:
		// The last 30 days: early in a month, the month itself says little.
		today := workday.Today(s.app.Now)
		sc.From, sc.To = today-29, today
	}
	// Appeals keep the district's code: a name (洪山区) is read as its code.
	if d := strings.TrimSpace(q.Get("district")); d != "" {
		if sc.District, err = s.city().ParseDistrict(d); err != nil {
			return sc, err
		}
	}
	sc.Category = strings.TrimSpace(q.Get("category"))
	if v := q.Get("unit_id"); v != "" {
		if sc.UnitID, err = strconv.ParseInt(v, 10, 64); err != nil || sc.UnitID < 1 {
			return sc, errs.FieldErrorf("unit_id", "unit_id 应为单位编号")
		}
	}
	return sc, nil
}

// districtName names a district code (420111 → 洪山区), or returns what
// is not one as it is.
func (s *Server) districtName(code string) string {
	if name := s.city().DistrictName(code); name != "" {
		return name
	}
	return code
}

// analysisView is what the topics and clusters pages show above their
// results: the scope's form.
type analysisView struct {
	Month   string
	Scope   analysis.Scope
	Topics  *analysis.TopicReport
	Cluster *analysis.ClusterReport
	Units   any
	Error   string
	ByMonth bool // the default period is this month, not the last 30 days
	// Districts are the city's districts, for the scope's form.
	Districts []enterprise.District
	// DistrictName names a district code (420111 → 洪山区).
	DistrictName func(code string) string
}

func (s *Server) topicsPage(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.analysisScope(r.URL.Query(), true)
	if err != nil {
		return err
	}
	rep, err := s.app.Analysis.Topics(r.Context(), actorOf(r), sc)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "appeal_topics.html", analysisView{Month: r.URL.Query().Get("month"), Scope: sc, Topics: rep, ByMonth: true,
		Districts: s.city().Districts})
	return nil
}

func (s *Server) clustersPage(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.analysisScope(r.URL.Query(), false)
	if err != nil {
		return err
	}
	rep, err := s.app.Analysis.Clusters(r.Context(), actorOf(r), sc)
	if err != nil {
		return err
	}
	v := analysisView{Month: r.URL.Query().Get("month"), Scope: sc, Cluster: rep, Districts: s.city().Districts,
		DistrictName: s.districtName}
	if actorOf(r).CanSome(auth.ManageProblems) {
		units, err := s.app.Org.UnitTree(r.Context())
		if err != nil {
			return err
		}
		v.Units = units
	}
	s.render(w, r, http.StatusOK, "appeal_clusters.html", v)
	return nil
}

func (s *Server) apiTopics(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.analysisScope(r.URL.Query(), true)
	if err != nil {
		return err
	}
	rep, err := s.app.Analysis.Topics(r.Context(), actorOf(r), sc)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) apiClusters(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.analysisScope(r.URL.Query(), false)
	if err != nil {
		return err
	}
	rep, err := s.app.Analysis.Clusters(r.Context(), actorOf(r), sc)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// problemForm reads the 问题清单 form: the appeals come as appeal_ids, or
// a whole cluster as cluster_key with its scope (see createProblem).
func problemForm(r *http.Request) (analysis.ProblemInput, error) {
	if err := parseForm(r); err != nil {
		return analysis.ProblemInput{}, err
	}
	v := r.PostForm
	in := analysis.ProblemInput{Title: v.Get("title"), Description: v.Get("description"), Measures: v.Get("measures")}
	in.OwnerUnitID, _ = strconv.ParseInt(v.Get("owner_unit_id"), 10, 64)
	var err error
	if in.LimitDays, err = strconv.Atoi(v.Get("limit_days")); err != nil {
		return in, errs.FieldErrorf("limit_days", "整改时限应为工作日天数")
	}
	for _, id := range v["appeal_ids"] {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return in, errs.FieldErrorf("appeal_ids", "诉求编号有误")
		}
		in.AppealIDs = append(in.AppealIDs, n)
	}
	return in, nil
}

// createProblem makes a 问题清单 item of the posted appeal_ids, or of
// all the appeals of a cluster: cluster_key (the cluster's key) with its
// scope (from, to, district, category, unit_id), which the server
// clusters again, so that the page need not post thousands of ids.
func (s *Server) createProblem(w http.ResponseWriter, r *http.Request) error {
	in, err := problemForm(r)
	if err != nil {
		return err
	}
	var p *analysis.Problem
	if k := r.PostForm.Get("cluster_key"); k != "" {
		key, err := strconv.ParseInt(k, 10, 64)
		if err != nil || key < 1 {
			return errs.FieldErrorf("cluster_key", "聚类编号有误")
		}
		sc, err := s.analysisScope(r.PostForm, false)
		if err != nil {
			return err
		}
		p, err = s.app.Analysis.CreateProblemFromCluster(r.Context(), actorOf(r), in, sc, key)
		if err != nil {
			return err
		}
	} else if p, err = s.app.Analysis.CreateProblem(r.Context(), actorOf(r), in); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/problems/%d", p.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) problemsPage(w http.ResponseWriter, r *http.Request) error {
	limit, offset := paging.Clamp(atoi(r.URL.Query().Get("limit")), atoi(r.URL.Query().Get("offset")))
	list, total, err := s.app.Analysis.FindProblems(r.Context(), actorOf(r), analysis.ProblemFilter{Status: r.URL.Query().Get("status"), Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "problem_list.html", map[string]any{"Problems": list, "Total": total})
	return nil
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func (s *Server) problemPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.app.Analysis.FindProblemByID(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "problem_detail.html", map[string]any{"P": p, "Can": analysis.PermittedOn(actorOf(r), p),
		"DistrictName": s.districtName})
	return nil
}

func (s *Server) reportProblem(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	progress, err := strconv.Atoi(r.PostForm.Get("progress"))
	if err != nil {
		return errs.FieldErrorf("progress", "进度应为 0–100 的整数")
	}
	if _, err := s.app.Analysis.ReportProgress(r.Context(), actorOf(r), id, progress, r.PostForm.Get("note")); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/problems/%d", id), http.StatusSeeOther)
	return nil
}

func (s *Server) closeProblem(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	if _, err := s.app.Analysis.CloseProblem(r.Context(), actorOf(r), id, r.PostForm.Get("note")); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/problems/%d", id), http.StatusSeeOther)
	return nil
}

func (s *Server) apiProblems(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging.Parse(r.URL.Query())
	if err != nil {
		return err
	}
	list, total, err := s.app.Analysis.FindProblems(r.Context(), actorOf(r), analysis.ProblemFilter{Status: r.URL.Query().Get("status"), Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": total, "limit": limit, "offset": offset})
	return nil
}

// clusterRef names a cluster in the API: its key and the scope it was
// found in, as GET /api/v1/appeal-clusters takes it.
type clusterRef struct {
	Key      int64  `json:"key"`
	Month    string `json:"month"`
	From     string `json:"from"`
	To       string `json:"to"`
	District string `json:"district"`
	Category string `json:"category"`
	UnitID   int64  `json:"unit_id"`
}

// apiCreateProblem makes a 问题清单 item of appeal_ids (at most 1,000),
// or of every appeal of a cluster named by "cluster" (its key and scope).
func (s *Server) apiCreateProblem(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		analysis.ProblemInput
		Cluster *clusterRef `json:"cluster"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	var p *analysis.Problem
	var err error
	if c := in.Cluster; c != nil {
		if len(in.AppealIDs) > 0 {
			return errs.FieldErrorf("cluster", "cluster 与 appeal_ids 只能填一个")
		}
		if c.Key < 1 {
			return errs.FieldErrorf("cluster", "cluster.key 应为聚类编号")
		}
		q := url.Values{"month": {c.Month}, "from": {c.From}, "to": {c.To}, "district": {c.District}, "category": {c.Category}}
		if c.UnitID != 0 {
			q.Set("unit_id", strconv.FormatInt(c.UnitID, 10))
		}
		sc, err := s.analysisScope(q, false)
		if err != nil {
			return err
		}
		if p, err = s.app.Analysis.CreateProblemFromCluster(r.Context(), actorOf(r), in.ProblemInput, sc, c.Key); err != nil {
			return err
		}
	} else if p, err = s.app.Analysis.CreateProblem(r.Context(), actorOf(r), in.ProblemInput); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) apiProblem(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.app.Analysis.FindProblemByID(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"problem": p, "permitted": analysis.PermittedOn(actorOf(r), p)})
	return nil
}

func (s *Server) apiReportProblem(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Progress int    `json:"progress"`
		Note     string `json:"note"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.app.Analysis.ReportProgress(r.Context(), actorOf(r), id, in.Progress, in.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiCloseProblem(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Note string `json:"note"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.app.Analysis.CloseProblem(r.Context(), actorOf(r), id, in.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// boardCache lets browsers and proxies keep the public board for as long
// as the service keeps it in memory.
func boardCache(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(time.Minute/time.Second)))
}

func (s *Server) boardPage(w http.ResponseWriter, r *http.Request) error {
	b, err := s.app.Analysis.PublicBoard(r.Context())
	if err != nil {
		return err
	}
	boardCache(w)
	s.render(w, r, http.StatusOK, "board.html", b)
	return nil
}

func (s *Server) boardItemPage(w http.ResponseWriter, r *http.Request) error {
	it, err := s.app.Analysis.PublicBoardItem(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	boardCache(w)
	s.render(w, r, http.StatusOK, "board_item.html", it)
	return nil
}

func (s *Server) apiBoard(w http.ResponseWriter, r *http.Request) error {
	b, err := s.app.Analysis.PublicBoard(r.Context())
	if err != nil {
		return err
	}
	boardCache(w)
	writeJSON(w, http.StatusOK, b)
	return nil
}

// dictionaryView is what the dictionary page shows: the terms and the
// stop words, and the add form with its error.
type dictionaryView struct {
	Terms, Stops []analysis.Entry
	Manage       bool
	Word, Kind   string
	Error, Field string
}

func (s *Server) dictionaryData(r *http.Request) (*dictionaryView, error) {
	a := actorOf(r)
	entries, err := s.app.Analysis.FindDictionary(r.Context(), a)
	if err != nil {
		return nil, err
	}
	v := &dictionaryView{Manage: a.CanSome(auth.ManageProblems), Kind: analysis.KindTerm}
	for _, e := range entries {
		if e.Kind == analysis.KindStop {
			v.Stops = append(v.Stops, e)
		} else {
			v.Terms = append(v.Terms, e)
		}
	}
	return v, nil
}

func (s *Server) dictionaryPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.dictionaryData(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "appeal_dictionary.html", v)
	return nil
}

func (s *Server) addDictionaryWord(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	word, kind := r.PostForm.Get("word"), r.PostForm.Get("kind")
	_, err := s.app.Analysis.AddWord(r.Context(), actorOf(r), word, kind)
	if formProblem(err) {
		v, derr := s.dictionaryData(r)
		if derr != nil {
			return derr
		}
		v.Word, v.Kind, v.Error, v.Field = word, kind, errs.MessageOf(err), errs.FieldOf(err)
		s.render(w, r, statusOf(errs.CodeOf(err)), "appeal_dictionary.html", v)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/appeals/dictionary?ok=saved", http.StatusSeeOther)
	return nil
}

func (s *Server) removeDictionaryWord(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	if err := s.app.Analysis.RemoveWord(r.Context(), actorOf(r), r.PostForm.Get("word")); err != nil {
		return err
	}
	http.Redirect(w, r, "/appeals/dictionary?ok=deleted", http.StatusSeeOther)
	return nil
}

func (s *Server) apiDictionary(w http.ResponseWriter, r *http.Request) error {
	entries, err := s.app.Analysis.FindDictionary(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []analysis.Entry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": entries})
	return nil
}

func (s *Server) apiAddDictionaryWord(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Word string `json:"word"`
		Kind string `json:"kind"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	e, err := s.app.Analysis.AddWord(r.Context(), actorOf(r), in.Word, in.Kind)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) apiRemoveDictionaryWord(w http.ResponseWriter, r *http.Request) error {
	if err := s.app.Analysis.RemoveWord(r.Context(), actorOf(r), r.PathValue("word")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
