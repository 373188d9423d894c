package plan

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// Rate is a unit's reporting in the DHIS2 sense: reports expected (due,
// or filed early), received, and received on time.
type Rate struct {
	UnitID   int64  `json:"unit_id"`
	UnitName string `json:"unit_name"`
	Period   Period `json:"period,omitempty"`
	Expected int    `json:"expected"`
	Received int    `json:"received"`
	OnTime   int    `json:"on_time"`
}

// ReceivedRate is Received / Expected (0 when nothing is expected).
func (r Rate) ReceivedRate() float64 { return share(r.Received, r.Expected) }

// OnTimeRate is OnTime / Expected (0 when nothing is expected).
func (r Rate) OnTimeRate() float64 { return share(r.OnTime, r.Expected) }

func share(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// RateFilter selects the reports rates are computed over.
type RateFilter struct {
	PlanID   int64  // 0: every plan a may read
	From, To Period // periods, inclusive; empty: no bound
	UnitID   int64
	ByPeriod bool // one row per unit and period, else per unit
}

// ReportingRates returns the reporting rates per unit (and period) over
// the reports f selects: a report counts as expected once its due date has
// passed (or it was filed), received once filed, on time when first filed
// by its due date. A unit's staff see their units' rates unless a plan is
// named. Errors: Unauthenticated, Forbidden, NotFound (the plan), Invalid;
// Internal.
func (s *Service) ReportingRates(ctx context.Context, a *auth.Actor, f RateFilter) ([]Rate, error) {
	if err := auth.AuthorizeSome(a, auth.ViewPlans); err != nil {
		return nil, err
	}
	where := []string{"p.status <> ?", "(r.due_date < ? OR r.status = ?)"}
	args := []any{StatusDraft, s.today().String(), ReportFiled}
	if f.PlanID != 0 {
		if _, err := s.FindPlanByID(ctx, a, f.PlanID); err != nil {
			return nil, err
		}
		where, args = append(where, "r.plan_id = ?"), append(args, f.PlanID)
	} else {
		scope, err := s.unitScope(ctx, a)
		if err != nil {
			return nil, err
		}
		if scope != nil {
			if len(scope) == 0 {
				return []Rate{}, nil
			}
			for _, u := range scope {
				args = append(args, u)
			}
			where = append(where, "r.unit_id IN ("+marks(len(scope))+")")
		}
	}
	for _, b := range []struct {
		p  Period
		op string
	}{{f.From, ">="}, {f.To, "<="}} {
		if b.p == "" {
			continue
		}
		if _, err := ParsePeriod(string(b.p)); err != nil {
			return nil, err
		}
		where, args = append(where, "r.period "+b.op+" ?"), append(args, b.p)
	}
	if f.UnitID != 0 {
		where, args = append(where, "r.unit_id = ?"), append(args, f.UnitID)
	}
	group, sel := "r.unit_id, u.name", "r.unit_id, u.name, ''"
	if f.ByPeriod {
		group, sel = "r.unit_id, u.name, r.period", "r.unit_id, u.name, r.period"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+sel+`, COUNT(*), SUM(CASE WHEN r.status = ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN r.on_time THEN 1 ELSE 0 END)`+reportFrom+` WHERE `+strings.Join(where, " AND ")+` GROUP BY `+group+` ORDER BY `+group,
		append([]any{ReportFiled}, args...)...)
	if err != nil {
		return nil, errs.Wrap(err, "count reports")
	}
	defer rows.Close()
	out := []Rate{}
	for rows.Next() {
		var r Rate
		if err := rows.Scan(&r.UnitID, &r.UnitName, &r.Period, &r.Expected, &r.Received, &r.OnTime); err != nil {
			return nil, errs.Wrap(err, "count reports")
		}
		out = append(out, r)
	}
	return out, errs.Wrap(rows.Err(), "count reports")
}

// RankRow is one unit in the ranking (比晾晒) of a month.
type RankRow struct {
	UnitID             int64   `json:"unit_id"`
	UnitName           string  `json:"unit_name"`
	ReportsExpected    int     `json:"reports_expected"`
	ReportsReceived    int     `json:"reports_received"`
	ReportsOnTime      int     `json:"reports_on_time"`
	TasksTotal         int     `json:"tasks_total"`
	TasksOnTrack       int     `json:"tasks_on_track"`
	IndicatorsTotal    int     `json:"indicators_total"`
	IndicatorsAchieved int     `json:"indicators_achieved"`
	NoticesDue         int     `json:"notices_due"`
	NoticesOnTime      int     `json:"notices_on_time"`
	Score              float64 `json:"score"`
	Rank               int     `json:"rank"`
	// PrevScore and PrevRank are the unit's in the month before, when
	// recorded: the trend.
	PrevScore *float64 `json:"prev_score,omitempty"`
	PrevRank  *int     `json:"prev_rank,omitempty"`
}

// Parts returns the four rates of the score (−1 where the unit has nothing
// to be measured on).
func (r RankRow) Parts() [4]float64 {
	part := func(n, d int) float64 {
		if d == 0 {
			return -1
		}
		return float64(n) / float64(d)
	}
	return [4]float64{part(r.ReportsOnTime, r.ReportsExpected), part(r.TasksOnTrack, r.TasksTotal),
		part(r.IndicatorsAchieved, r.IndicatorsTotal), part(r.NoticesOnTime, r.NoticesDue)}
}

// ScoreOf returns the score of counts r under weights w: 100 × Σ w·rate /
// Σ w over the parts r has a denominator for; 0 when it has none.
func ScoreOf(r RankRow, w Weights) float64 {
	ws := [4]float64{w.Reporting, w.Tasks, w.Indicators, w.Notices}
	var num, den float64
	for i, p := range r.Parts() {
		if p < 0 {
			continue
		}
		num += ws[i] * p
		den += ws[i]
	}
	if den == 0 {
		return 0
	}
	return math.Round(100*num/den*100) / 100
}

// Ranking is the ranking of units in a month, for one plan or all.
type Ranking struct {
	Month   Month     `json:"month"`
	Label   string    `json:"label"`
	PlanID  int64     `json:"plan_id"` // 0: every published plan
	Weights Weights   `json:"weights"`
	Live    bool      `json:"live"` // computed now (the current month) rather than recorded
	Rows    []RankRow `json:"rows"`
}

// FindRanking returns the ranking of units for month (empty: the current
// one) over plan planID (0: every published plan, with the default
// weights; a plan: with its weights), best first, with each unit's trend
// against the month before. A past month is read from what was recorded
// then (see Refresh); the current month is computed now. Who may call it:
// everyone who may read plans (比晾晒 is public among units); a plan as
// FindPlanByID. Errors: Unauthenticated, Forbidden, NotFound, Invalid;
// Internal.
func (s *Service) FindRanking(ctx context.Context, a *auth.Actor, planID int64, month Month) (*Ranking, error) {
	if err := auth.AuthorizeSome(a, auth.ViewPlans); err != nil {
		return nil, err
	}
	w := DefaultWeights()
	if planID != 0 {
		p, err := s.FindPlanByID(ctx, a, planID)
		if err != nil {
			return nil, err
		}
		w = p.Settings.Weights
	}
	current := MonthOf(s.today())
	if month == "" {
		month = current
	}
	if _, err := ParsePeriod(string(month)); err != nil {
		return nil, err
	}
	if month > current {
		return nil, errs.FieldErrorf("month", "%s尚未开始", month.Label(Monthly))
	}
	r := &Ranking{Month: month, Label: month.Label(Monthly), PlanID: planID, Weights: w}
	var err error
	if month < current {
		r.Rows, err = s.recordedRanking(ctx, s.db, planID, month)
		if err != nil {
			return nil, err
		}
	}
	if r.Rows == nil {
		r.Live = month == current
		if r.Rows, err = s.liveRanking(ctx, planID, month, w); err != nil {
			return nil, err
		}
	}
	prev, err := s.recordedRanking(ctx, s.db, planID, month.Prev(Monthly))
	if err != nil {
		return nil, err
	}
	byUnit := map[int64]RankRow{}
	for _, p := range prev {
		byUnit[p.UnitID] = p
	}
	for i := range r.Rows {
		if p, ok := byUnit[r.Rows[i].UnitID]; ok {
			sc, rk := p.Score, p.Rank
			r.Rows[i].PrevScore, r.Rows[i].PrevRank = &sc, &rk
		}
	}
	return r, nil
}

// recordedRanking reads the ranking recorded for month (nil when none).
func (s *Service) recordedRanking(ctx context.Context, q store.Querier, planID int64, month Month) ([]RankRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT k.unit_id, u.name, k.reports_expected, k.reports_received, k.reports_on_time, k.tasks_total,
		k.tasks_on_track, k.indicators_total, k.indicators_achieved, k.notices_due, k.notices_on_time, k.score, k.rank
		FROM plan_rankings k JOIN units u ON u.id = k.unit_id WHERE k.period = ? AND k.plan_id = ? ORDER BY k.rank, u.name`, month, planID)
	if err != nil {
		return nil, errs.Wrap(err, "find ranking")
	}
	defer rows.Close()
	var out []RankRow
	for rows.Next() {
		var r RankRow
		if err := rows.Scan(&r.UnitID, &r.UnitName, &r.ReportsExpected, &r.ReportsReceived, &r.ReportsOnTime, &r.TasksTotal, &r.TasksOnTrack,
			&r.IndicatorsTotal, &r.IndicatorsAchieved, &r.NoticesDue, &r.NoticesOnTime, &r.Score, &r.Rank); err != nil {
			return nil, errs.Wrap(err, "find ranking")
		}
		out = append(out, r)
	}
	return out, errs.Wrap(rows.Err(), "find ranking")
}

// liveRanking returns the ranking of month as computeRanking computes it
// now, or as this process computed it within the last rankMemoTTL with
// nothing changed here since (see rankMemo).
func (s *Service) liveRanking(ctx context.Context, planID int64, month Month, w Weights) ([]RankRow, error) {
	k := rankKey{plan: planID, month: month, today: s.today(), w: w}
	if rows, ok := s.ranks.get(k); ok {
		return rows, nil
	}
	gen := s.ranks.generation()
	rows, err := s.computeRanking(ctx, planID, month, w)
	if err != nil {
		return nil, err
	}
	s.ranks.put(k, gen, rows)
	return rows, nil
}

// computeRanking computes the ranking of month now: the reports and 督办
// due in the month (by today), the tasks' lights and the indicators as
// they stand.
func (s *Service) computeRanking(ctx context.Context, planID int64, month Month, w Weights) ([]RankRow, error) {
	today := s.today()
	from, to := month.Start().String(), month.End(Monthly).String()
	rows := map[int64]*RankRow{}
	row := func(id int64, name string) *RankRow {
		r := rows[id]
		if r == nil {
			r = &RankRow{UnitID: id, UnitName: name}
			rows[id] = r
		}
		return r
	}
	planCond, planArgs := "", []any{}
	if planID != 0 {
		planCond, planArgs = " AND p.id = ?", []any{planID}
	}
	// Reports due in the month.
	q, err := s.db.QueryContext(ctx, `SELECT r.unit_id, u.name, COUNT(*), SUM(CASE WHEN r.status = ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN r.on_time THEN 1 ELSE 0 END)`+reportFrom+` WHERE p.status <> ? AND r.due_date >= ? AND r.due_date <= ?
		AND (r.due_date < ? OR r.status = ?)`+planCond+` GROUP BY r.unit_id, u.name`,
		append([]any{ReportFiled, StatusDraft, from, to, today.String(), ReportFiled}, planArgs...)...)
	if err != nil {
		return nil, errs.Wrap(err, "rank reports")
	}
	for q.Next() {
		var id int64
		var name string
		var e, r, o int
		if err := q.Scan(&id, &name, &e, &r, &o); err != nil {
			q.Close()
			return nil, errs.Wrap(err, "rank reports")
		}
		x := row(id, name)
		x.ReportsExpected, x.ReportsReceived, x.ReportsOnTime = e, r, o
	}
	q.Close()
	if err := q.Err(); err != nil {
		return nil, errs.Wrap(err, "rank reports")
	}
	// Tasks held as lead or responsible unit, by light.
	q, err = s.db.QueryContext(ctx, `SELECT tu.unit_id, u.name, t.light, COUNT(DISTINCT t.id) FROM plan_task_units tu
		JOIN plan_tasks t ON t.id = tu.task_id JOIN plans p ON p.id = t.plan_id JOIN units u ON u.id = tu.unit_id
		WHERE p.status = ? AND t.leaf AND tu.role IN (?, ?)`+planCond+` GROUP BY tu.unit_id, u.name, t.light`,
		append([]any{StatusPublished, RoleLead, RoleResp}, planArgs...)...)
	if err != nil {
		return nil, errs.Wrap(err, "rank tasks")
	}
	for q.Next() {
		var id int64
		var name string
		var l Light
		var n int
		if err := q.Scan(&id, &name, &l, &n); err != nil {
			q.Close()
			return nil, errs.Wrap(err, "rank tasks")
		}
		x := row(id, name)
		x.TasksTotal += n
		if l == LightOK || l == LightDone {
			x.TasksOnTrack += n
		}
	}
	q.Close()
	if err := q.Err(); err != nil {
		return nil, errs.Wrap(err, "rank tasks")
	}
	// 督办 due in the month.
	q, err = s.db.QueryContext(ctx, `SELECT n.unit_id, u.name, COUNT(*), SUM(CASE WHEN n.on_time THEN 1 ELSE 0 END) FROM plan_notices n
		JOIN plans p ON p.id = n.plan_id JOIN units u ON u.id = n.unit_id WHERE p.status <> ? AND n.reply_due >= ? AND n.reply_due <= ?
		AND (n.reply_due < ? OR n.replied_at IS NOT NULL)`+planCond+` GROUP BY n.unit_id, u.name`,
		append([]any{StatusDraft, from, to, today.String()}, planArgs...)...)
	if err != nil {
		return nil, errs.Wrap(err, "rank notices")
	}
	for q.Next() {
		var id int64
		var name string
		var d, o int
		if err := q.Scan(&id, &name, &d, &o); err != nil {
			q.Close()
			return nil, errs.Wrap(err, "rank notices")
		}
		x := row(id, name)
		x.NoticesDue, x.NoticesOnTime = d, o
	}
	q.Close()
	if err := q.Err(); err != nil {
		return nil, errs.Wrap(err, "rank notices")
	}
	// Indicators by their owner unit, against their trajectories today:
	// every published plan's (or the one plan's) read at once.
	var plans []*Plan
	if planID != 0 {
		p, err := findPlan(ctx, s.db, planID)
		if err != nil {
			return nil, err
		}
		if p.Status == StatusPublished {
			plans = []*Plan{p}
		}
	} else if plans, err = publishedPlans(ctx, s.db); err != nil {
		return nil, err
	}
	inds, err := indicatorsOf(ctx, s.db, plans)
	if err != nil {
		return nil, err
	}
	for _, p := range plans {
		for _, ind := range inds[p.ID] {
			if ind.OwnerID == nil {
				continue
			}
			t := ind.Track(s.cal, today, p.Settings.FarBehindPct)
			if !t.Assessable() {
				continue
			}
			x := row(*ind.OwnerID, ind.OwnerName)
			x.IndicatorsTotal++
			if t.Achieved() {
				x.IndicatorsAchieved++
			}
		}
	}
	out := make([]RankRow, 0, len(rows))
	for _, r := range rows {
		r.Score = ScoreOf(*r, w)
		out = append(out, *r)
	}
	rankRows(out)
	return out, nil
}

// rankRows sorts rows best first — by score, then by on-time reporting,
// then by name — and numbers them, equal scores sharing a rank (1, 2, 2,
// 4).
func rankRows(rows []RankRow) {
	slices.SortStableFunc(rows, func(a, b RankRow) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(share(b.ReportsOnTime, b.ReportsExpected), share(a.ReportsOnTime, a.ReportsExpected)); c != 0 {
			return c
		}
		return strings.Compare(a.UnitName, b.UnitName)
	})
	for i := range rows {
		rows[i].Rank = i + 1
		if i > 0 && rows[i].Score == rows[i-1].Score {
			rows[i].Rank = rows[i-1].Rank
		}
	}
}

// recordRankings records month's ranking (all plans, and each published
// plan) as it stands now; the last recording in a month is its history.
func (s *Service) recordRankings(ctx context.Context, month Month) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, score_weights FROM plans WHERE status = ? ORDER BY id`, StatusPublished)
	if err != nil {
		return errs.Wrap(err, "find plans to rank")
	}
	type scope struct {
		id int64
		w  Weights
	}
	scopes := []scope{{0, DefaultWeights()}}
	for rows.Next() {
		var sc scope
		var ws string
		if err := rows.Scan(&sc.id, &ws); err != nil {
			rows.Close()
			return errs.Wrap(err, "find plans to rank")
		}
		sc.w = DefaultWeights()
		if ws != "" {
			if err := json.Unmarshal([]byte(ws), &sc.w); err != nil {
				sc.w = DefaultWeights()
			}
		}
		scopes = append(scopes, sc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "find plans to rank")
	}
	now := store.Millis(s.now())
	for _, sc := range scopes {
		list, err := s.computeRanking(ctx, sc.id, month, sc.w)
		if err != nil {
			return err
		}
		err = s.db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `DELETE FROM plan_rankings WHERE period = ? AND plan_id = ?`, month, sc.id); err != nil {
				return errs.Wrap(err, "record ranking")
			}
			for _, r := range list {
				if _, err := tx.ExecContext(ctx, `INSERT INTO plan_rankings (period, plan_id, unit_id, reports_expected, reports_received, reports_on_time,
					tasks_total, tasks_on_track, indicators_total, indicators_achieved, notices_due, notices_on_time, score, rank, computed_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, month, sc.id, r.UnitID, r.ReportsExpected, r.ReportsReceived,
					r.ReportsOnTime, r.TasksTotal, r.TasksOnTrack, r.IndicatorsTotal, r.IndicatorsAchieved, r.NoticesDue, r.NoticesOnTime,
					r.Score, r.Rank, now); err != nil {
					return errs.Wrap(err, "record ranking")
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// RankPoint is a unit's score and rank in one month.
type RankPoint struct {
	Month Month   `json:"month"`
	Score float64 `json:"score"`
	Rank  int     `json:"rank"`
	Units int     `json:"units"` // how many units were ranked
}

// RankHistory returns unit unitID's recorded scores and ranks over the
// last months months (at most 60) of plan planID (0: all plans), oldest
// first. Who may call it: as FindRanking. Errors: as FindRanking.
func (s *Service) RankHistory(ctx context.Context, a *auth.Actor, planID, unitID int64, months int) ([]RankPoint, error) {
	if err := auth.AuthorizeSome(a, auth.ViewPlans); err != nil {
		return nil, err
	}
	if planID != 0 {
		if _, err := s.FindPlanByID(ctx, a, planID); err != nil {
			return nil, err
		}
	}
	months = min(max(months, 1), 60)
	from := MonthOf(s.today())
	for i := 1; i < months; i++ {
		from = from.Prev(Monthly)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT k.period, k.score, k.rank, (SELECT COUNT(*) FROM plan_rankings x WHERE x.period = k.period AND x.plan_id = k.plan_id)
		FROM plan_rankings k WHERE k.plan_id = ? AND k.unit_id = ? AND k.period >= ? ORDER BY k.period`, planID, unitID, from)
	if err != nil {
		return nil, errs.Wrap(err, "find rank history")
	}
	defer rows.Close()
	out := []RankPoint{}
	for rows.Next() {
		var p RankPoint
		if err := rows.Scan(&p.Month, &p.Score, &p.Rank, &p.Units); err != nil {
			return nil, errs.Wrap(err, "find rank history")
		}
		out = append(out, p)
	}
	return out, errs.Wrap(rows.Err(), "find rank history")
}
