package web

import (
	"net/http"

	"github.com/qinqing/qinqing/internal/appeal/stats"
	"github.com/qinqing/qinqing/internal/workday"
)

// The appeal rates (诉求办理指标), the 比晾晒 ranking of units and
// districts, and their API.

// statsQuery reads from, to and by of a request (by defaults to unit;
// from to the current month).
func (s *Server) statsQuery(r *http.Request) stats.Query {
	q := r.URL.Query()
	out := stats.Query{From: q.Get("from"), To: q.Get("to"), By: q.Get("by")}
	if out.From == "" {
		out.From = s.app.Now().In(workday.Shanghai).Format("2006-01")
	}
	if out.By == "" {
		out.By = stats.ByUnit
	}
	return out
}

func (s *Server) apiAppealStats(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.app.AppealStats.Figures(r.Context(), actorOf(r), s.statsQuery(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) apiAppealRanking(w http.ResponseWriter, r *http.Request) error {
	rk, err := s.app.AppealStats.Rank(r.Context(), actorOf(r), s.statsQuery(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rk)
	return nil
}
