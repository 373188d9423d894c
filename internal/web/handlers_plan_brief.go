package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/plan"
	"github.com/qinqing/qinqing/internal/workday"
)

// The ranking (比晾晒) and the briefing (工作简报) pages, and their downloads.

// rankingQuery reads ?plan= and ?month= of the ranking pages.
func rankingQuery(q url.Values) (int64, plan.Month, error) {
	var id int64
	if v := q.Get("plan"); v != "" && v != "0" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, "", errs.FieldErrorf("plan", "方案编号“%s”无效", v)
		}
		id = n
	}
	m := plan.Month(q.Get("month"))
	if m != "" {
		p, err := plan.ParsePeriod(string(m))
		if err != nil {
			return 0, "", errs.FieldErrorf("month", "月份“%s”无效（应为如 2024-05）", m)
		}
		m = p
	}
	return id, m, nil
}

// rankView is a ranking row with its trend and parts in words.
type rankView struct {
	plan.RankRow
	Trend     string // ↑2, ↓1, –, 新
	TrendKind string // up, down, same, new
	Parts     [4]string
}

func rankViews(rows []plan.RankRow) []rankView {
	out := make([]rankView, 0, len(rows))
	for _, r := range rows {
		v := rankView{RankRow: r, Trend: "新", TrendKind: "new"}
		if r.PrevRank != nil {
			switch d := *r.PrevRank - r.Rank; {
			case d > 0:
				v.Trend, v.TrendKind = fmt.Sprintf("↑%d", d), "up"
			case d < 0:
				v.Trend, v.TrendKind = fmt.Sprintf("↓%d", -d), "down"
			default:
				v.Trend, v.TrendKind = "–", "same"
			}
		}
		for i, p := range r.Parts() {
			if p < 0 {
				v.Parts[i] = "—"
			} else {
				v.Parts[i] = percentText(p)
			}
		}
		out = append(out, v)
	}
	return out
}

func (s *Server) planRankingPage(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	q := r.URL.Query()
	id, month, err := rankingQuery(q)
	if err != nil {
		return err
	}
	rk, err := s.app.Plans.FindRanking(r.Context(), a, id, month)
	if err != nil {
		return err
	}
	plans, _, err := s.app.Plans.FindPlans(r.Context(), a, plan.PlanFilter{Status: plan.StatusPublished, Limit: 100})
	if err != nil {
		return err
	}
	data := map[string]any{"R": rk, "Rows": rankViews(rk.Rows), "Plans": plans, "PlanID": id, "Q": q}
	type bar struct {
		Name  string  `json:"name"`
		Score float64 `json:"score"`
	}
	bars := make([]bar, 0, len(rk.Rows))
	for _, row := range rk.Rows {
		bars = append(bars, bar{row.UnitName, row.Score})
	}
	b, _ := json.Marshal(bars)
	data["Chart"] = string(b)
	// One unit's history, when asked for (or the actor's own unit).
	unit, err := queryID(q, "unit")
	if err != nil {
		return err
	}
	if q.Get("unit") == "" && a.UnitID != nil {
		unit = *a.UnitID
	}
	if unit != 0 {
		hist, err := s.app.Plans.RankHistory(r.Context(), a, id, unit, 12)
		if err != nil {
			return err
		}
		if len(hist) > 0 {
			name := ""
			for _, row := range rk.Rows {
				if row.UnitID == unit {
					name = row.UnitName
				}
			}
			hb, _ := json.Marshal(map[string]any{"points": hist, "name": name})
			data["History"], data["HistoryName"] = string(hb), name
		}
	}
	// Months to choose from: the last 12.
	var months []plan.Month
	m := plan.MonthOf(workday.Today(s.app.Now))
	for i := 0; i < 12; i++ {
		months = append(months, m)
		m = m.Prev(plan.Monthly)
	}
	data["Months"] = months
	s.render(w, r, http.StatusOK, "plan_ranking.html", data)
	return nil
}

func (s *Server) planRankingXLSX(w http.ResponseWriter, r *http.Request) error {
	id, month, err := rankingQuery(r.URL.Query())
	if err != nil {
		return err
	}
	a := actorOf(r)
	rk, err := s.app.Plans.FindRanking(r.Context(), a, id, month)
	if err != nil {
		return err
	}
	title := "各单位督查督办比晾晒"
	if id != 0 {
		p, err := s.app.Plans.FindPlanByID(r.Context(), a, id)
		if err != nil {
			return err
		}
		title = "《" + p.Title + "》比晾晒"
	}
	data, err := plan.RankingXLSX(rk, title)
	if err != nil {
		return err
	}
	sendFile(w, "比晾晒-"+string(rk.Month)+".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data)
	return nil
}

func (s *Server) planBriefingPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := s.app.Plans.FindBriefing(r.Context(), actorOf(r), id, plan.Period(r.URL.Query().Get("period")))
	if err != nil {
		return err
	}
	// The periods to choose from: publication to now.
	var periods []plan.Period
	c := b.Plan.Settings.Cadence
	if b.Plan.PublishedAt != nil {
		first := plan.PeriodOf(workday.DateOf(*b.Plan.PublishedAt), c)
		for p := plan.PeriodOf(workday.Today(s.app.Now), c); p >= first && len(periods) < 60; p = p.Prev(c) {
			periods = append(periods, p)
		}
	}
	s.render(w, r, http.StatusOK, "plan_briefing.html", map[string]any{"B": b, "Periods": periods, "Rows": rankViews(b.Ranking),
		"Cadence": c})
	return nil
}

func (s *Server) planBriefingDOCX(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	period := plan.Period(r.URL.Query().Get("period"))
	data, err := s.app.Plans.BriefingDOCX(r.Context(), actorOf(r), id, period)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("工作简报-%d", id)
	if period != "" {
		name += "-" + string(period)
	}
	sendFile(w, name+".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", data)
	return nil
}
