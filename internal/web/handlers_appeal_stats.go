package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/appeal/stats"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
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

// rateCell is one figure of the rates table: its text and the console
// list of the appeals behind it (for a rate, those it failed on).
type rateCell struct {
	Text  string
	Href  string
	Title string
	Bad   bool // a rate below 90 %
}

type rateRow struct {
	Name  string
	Cells []rateCell
	Total bool
}

// rateColumns are the headers of the rates table.
var rateColumns = []string{"受理", "签收及时率", "按时办结率", "一次性化解率", "满意率", "未评价", "响应率", "解决率", "重办率", "退回率", "月末积压",
	"平均答复用时", "P90", "得分"}

// drill returns the console list behind a figure of group r: the period
// as dates, the group's filter, the counted statuses, the measure.
func drill(rep *stats.Report, r *stats.Row, total bool, measure string) string {
	p := rep.Period
	from, _ := time.Parse("2006-01", p.From)
	to, _ := time.Parse("2006-01", p.To)
	q := url.Values{}
	q.Set("from", workday.NewDate(from.Year(), from.Month(), 1).String())
	q.Set("to", workday.NewDate(to.Year(), to.Month()+1, 1).AddDays(-1).String())
	if !total {
		switch rep.By {
		case stats.ByUnit:
			if r.Key == "" {
				q.Set("unit_id", "none")
			} else {
				q.Set("unit_id", r.Key)
			}
		case stats.ByDistrict:
			if r.Key == "" {
				return ""
			}
			q.Set("district", r.Key)
		case stats.ByCategory:
			q.Set("category", r.Key)
		case stats.ByChannel:
			q.Set("channel", r.Key)
		}
	}
	var st []string
	for _, x := range rep.Config.Counted {
		st = append(st, string(x))
	}
	q.Set("statuses", strings.Join(st, ","))
	if measure != "" {
		q.Set("measure", measure)
	}
	return "/appeals?" + q.Encode()
}

// rateRows lays out the table of rep: every figure a link to the appeals
// behind it. The links read the appeals as they are now; a published
// month's figures are frozen.
func rateRows(rep *stats.Report) []rateRow {
	row := func(r *stats.Row, total bool) rateRow {
		x := r.Rates
		rate := func(v *float64, n, d int64, label, fail string) rateCell {
			c := rateCell{Text: stats.Pct(v), Title: fmt.Sprintf("%s %d / %d", label, n, d)}
			if v != nil {
				c.Href, c.Bad = drill(rep, r, total, fail), *v < 90
			}
			return c
		}
		count := func(n int64, measure string) rateCell {
			c := rateCell{Text: strconv.FormatInt(n, 10)}
			if n > 0 {
				c.Href = drill(rep, r, total, measure)
			}
			return c
		}
		c := &r.Counts
		solveFail := appeal.MeasureExplained
		if rep.Config.ExplainedSolved {
			solveFail = ""
		}
		avg, p90 := "—", "—"
		if v := x.AvgReplyDays; v != nil {
			avg = fmt.Sprintf("%.1f 天", *v)
		}
		if v := x.P90ReplyDays; v != nil {
			p90 = fmt.Sprintf("%d 天", *v)
			if *v >= 15 {
				p90 = "≥15 天"
			}
		}
		score := "—"
		if r.Score != nil {
			score = fmt.Sprintf("%.1f", *r.Score)
		}
		return rateRow{Name: r.Name, Total: total, Cells: []rateCell{
			count(c.Received, ""),
			rate(x.SignOnTime, c.SignedOnTime, c.Signed, "按时签收/已签收", appeal.MeasureSignedLate),
			rate(x.HandleOnTime, c.RepliedOnTime, c.Replied, "按时办结/已答复", appeal.MeasureRepliedLate),
			rate(x.FirstTime, c.FirstTime, c.Closed, "一次性化解/已销号", appeal.MeasureNotFirstTime),
			rate(x.Satisfaction, c.Satisfied, c.Evaluated, "满意与基本满意/已评价", appeal.MeasureUnsatisfied),
			count(c.Unevaluated, appeal.MeasureUnevaluated),
			rate(x.Response, c.SignedOnTime, c.Received, "按时签收/受理", appeal.MeasureNotResponded),
			rate(x.Solve, c.Solved, c.Answered, "已解决/有办理结果", solveFail),
			rate(x.Reopen, c.Reopened, c.Replied, "重办/已答复", appeal.MeasureReopened),
			rate(x.Return, c.Returned, c.Received, "退回/受理", appeal.MeasureReturned),
			count(c.Backlog, appeal.MeasureBacklog),
			{Text: avg}, {Text: p90}, {Text: score},
		}}
	}
	out := make([]rateRow, 0, len(rep.Rows)+1)
	for i := range rep.Rows {
		out = append(out, row(&rep.Rows[i], false))
	}
	return append(out, row(&rep.Total, true))
}

// appealRatesPage is the rates page: the period and grouping, the table
// (every figure a link to the appeals behind it), every formula, and for
// the office the configuration and the publication of a month.
func (s *Server) appealRatesPage(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	rep, err := s.app.AppealStats.Figures(r.Context(), a, s.statsQuery(r))
	if err != nil {
		return err
	}
	data := map[string]any{"R": rep, "Rows": rateRows(rep), "Columns": rateColumns, "Bys": stats.Bys(),
		"Manage": a.CanSome(auth.ManageAppealStats), "Statuses": appeal.Statuses()}
	if data["Manage"] == true {
		months, err := s.app.AppealStats.PublishedMonths(r.Context(), a)
		if err != nil {
			return err
		}
		data["Months"] = months
	}
	s.render(w, r, http.StatusOK, "appeal_rates.html", data)
	return nil
}

func (s *Server) saveAppealStatsConfig(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Errorf(errs.Invalid, "表单无法读取")
	}
	num := func(name string) (float64, error) {
		v, err := strconv.ParseFloat(strings.TrimSpace(r.PostForm.Get(name)), 64)
		if err != nil {
			return 0, errs.FieldErrorf(name, "请填写数字")
		}
		return v, nil
	}
	in := stats.ConfigInput{Counted: r.PostForm["counted"], ExplainedSolved: r.PostForm.Get("explained_solved") == "1",
		Note: r.PostForm.Get("note")}
	var err error
	if in.Weights.Response, err = num("w_response"); err != nil {
		return err
	}
	if in.Weights.Solve, err = num("w_solve"); err != nil {
		return err
	}
	if in.Weights.Satisfy, err = num("w_satisfy"); err != nil {
		return err
	}
	if in.RedBelow, err = num("red_below"); err != nil {
		return err
	}
	last, err := num("red_last")
	if err != nil {
		return err
	}
	in.RedLast = int(last)
	c, err := s.app.AppealStats.SaveConfig(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/appeals/rates?ok="+url.QueryEscape(fmt.Sprintf("已保存统计口径第 %d 版", c.Version)), http.StatusSeeOther)
	return nil
}

func (s *Server) publishAppealStats(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.Errorf(errs.Invalid, "表单无法读取")
	}
	m, err := s.app.AppealStats.Publish(r.Context(), actorOf(r), r.PostForm.Get("month"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/appeals/rates?from="+m.Month+"&ok="+url.QueryEscape(fmt.Sprintf("已发布 %s 的指标（口径第 %d 版）", m.Month, m.ConfigVersion)),
		http.StatusSeeOther)
	return nil
}

// appealRankingPage is the 比晾晒 of units or districts: rank, score,
// change against the previous period, the three rates and the red list;
// it reads on a phone.
// lastWholeMonth is the month before now's in Asia/Shanghai, 2026-11: the
// month 比晾晒 ranks and the home panel shows by default.
func (s *Server) lastWholeMonth() string {
	now := s.app.Now().In(workday.Shanghai)
	return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, workday.Shanghai).AddDate(0, -1, 0).Format("2006-01")
}

// appealRankingPage is 比晾晒, of the last whole month unless a period is
// asked for.
func (s *Server) appealRankingPage(w http.ResponseWriter, r *http.Request) error {
	q := s.statsQuery(r)
	if r.URL.Query().Get("from") == "" {
		q.From, q.To = s.lastWholeMonth(), ""
	}
	rk, err := s.app.AppealStats.Rank(r.Context(), actorOf(r), q)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "appeal_ranking.html", map[string]any{"R": rk, "Q": q})
	return nil
}

func (s *Server) appealRankingXLSX(w http.ResponseWriter, r *http.Request) error {
	rk, err := s.app.AppealStats.Rank(r.Context(), actorOf(r), s.statsQuery(r))
	if err != nil {
		return err
	}
	data, err := stats.RankingXLSX(rk)
	if err != nil {
		return err
	}
	sendFile(w, "诉求比晾晒-"+rk.Period.From+"-"+rk.Period.To+".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data)
	return nil
}

// appealRatesHomePanel shows the headline rates of the last whole month —
// the month the ranking and the monthly report are about, whose replies
// and evaluations are mostly in — with the city's red list to the office
// and leaders and those of a unit and the units below it to its staff,
// and beside them what the current month has received so far (this
// month's figures alone when the last month received nothing).
func (s *Server) appealRatesHomePanel() homePanel {
	return homePanel{key: "appeal-rates", title: "诉求办理指标", tmpl: "panel_appeal_rates", load: func(r *http.Request, a *auth.Actor) (any, error) {
		if !a.CanSome(auth.ViewAppealStats) {
			return nil, nil
		}
		rk, err := s.app.AppealStats.Rank(r.Context(), a, stats.Query{From: s.lastWholeMonth(), By: stats.ByUnit})
		if err != nil {
			return nil, err
		}
		data := map[string]any{}
		if rk.Total.Received == 0 { // nothing last month (a new platform): this month's figures alone
			if rk, err = s.app.AppealStats.Rank(r.Context(), a, stats.Query{From: s.app.Now().In(workday.Shanghai).Format("2006-01"), By: stats.ByUnit}); err != nil {
				return nil, err
			}
		} else {
			cur, err := s.app.AppealStats.Figures(r.Context(), a, stats.Query{From: s.app.Now().In(workday.Shanghai).Format("2006-01"), By: stats.ByUnit})
			if err != nil {
				return nil, err
			}
			data["Current"] = cur
		}
		data["R"], data["FirstTime"], data["OnTime"] = &rk.Report, stats.Pct(rk.Total.Rates.FirstTime), stats.Pct(rk.Total.Rates.HandleOnTime)
		if rk.UnitScope == nil {
			data["Red"] = rk.Red
		} else {
			data["Name"] = "本单位及下属单位"
		}
		return data, nil
	}}
}
