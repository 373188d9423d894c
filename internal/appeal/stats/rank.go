package stats

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// RankRow is a group's place in the 比晾晒 ranking.
type RankRow struct {
	Row
	Rank      int      `json:"rank"`
	PrevRank  int      `json:"prev_rank,omitempty"` // 0: not ranked in the previous period
	PrevScore *float64 `json:"prev_score,omitempty"`
	Change    int      `json:"change"` // places gained (+) or lost (-) against the previous period
	Trend     string   `json:"trend"`  // up, down, same, new
	Red       bool     `json:"red"`    // on the red list
}

// TrendArrow is the arrow of a trend: ↑ ↓ → or 新.
func (r RankRow) TrendArrow() string {
	switch r.Trend {
	case "up":
		return "↑"
	case "down":
		return "↓"
	case "same":
		return "→"
	}
	return "新"
}

// Ranking is the 比晾晒 of a period.
type Ranking struct {
	Report
	Previous Period    `json:"previous"`
	Ranked   []RankRow `json:"ranked"`
	Red      []RankRow `json:"red_list"`
}

// Rank returns the ranking of units (q.By unit) or districts (district) in
// q's period by score, with the change against the previous period of the
// same length and the red list. Who may call it: as Figures. Errors:
// Unauthenticated, Forbidden, Invalid.
func (s *Service) Rank(ctx context.Context, a *auth.Actor, q Query) (*Ranking, error) {
	if q.By == "" {
		q.By = ByUnit
	}
	if q.By != ByUnit && q.By != ByDistrict {
		return nil, errs.FieldErrorf("by", "排名只按承办单位（unit）或所属区（district）")
	}
	units, err := s.scope(ctx, a)
	if err != nil {
		return nil, err
	}
	p, err := ParsePeriod(q.From, q.To)
	if err != nil {
		return nil, err
	}
	cur, err := s.figures(ctx, p, q.By, units)
	if err != nil {
		return nil, err
	}
	prev, err := s.figures(ctx, p.Previous(), q.By, units)
	if err != nil {
		return nil, err
	}
	out := &Ranking{Report: *cur, Previous: p.Previous()}
	prevRank := map[string]RankRow{}
	for _, r := range rank(prev.Rows) {
		prevRank[r.Key] = r
	}
	out.Ranked = rank(cur.Rows)
	cfg := cur.Config
	for i := range out.Ranked {
		r := &out.Ranked[i]
		if pr, ok := prevRank[r.Key]; ok {
			r.PrevRank, r.PrevScore = pr.Rank, pr.Score
			r.Change = pr.Rank - r.Rank
			switch {
			case r.Change > 0:
				r.Trend = "up"
			case r.Change < 0:
				r.Trend = "down"
			default:
				r.Trend = "same"
			}
		} else {
			r.Trend = "new"
		}
		r.Red = *r.Score < cfg.RedBelow || (cfg.RedLast > 0 && r.Rank > len(out.Ranked)-cfg.RedLast)
		if r.Red {
			out.Red = append(out.Red, *r)
		}
	}
	return out, nil
}

// rank orders the rows with a score (the group "none" is not ranked) by
// score, best first; equal scores share a rank.
func rank(rows []Row) []RankRow {
	var out []RankRow
	for _, r := range rows {
		if r.Score == nil || r.Key == "" {
			continue
		}
		out = append(out, RankRow{Row: r})
	}
	slices.SortStableFunc(out, func(x, y RankRow) int {
		switch {
		case *x.Score > *y.Score:
			return -1
		case *x.Score < *y.Score:
			return 1
		}
		return strings.Compare(x.Name, y.Name)
	})
	for i := range out {
		out[i].Rank = i + 1
		if i > 0 && *out[i].Score == *out[i-1].Score {
			out[i].Rank = out[i-1].Rank
		}
	}
	return out
}

// Month is a published month.
type Month struct {
	Month         string    `json:"month"`
	ConfigVersion int       `json:"config_version"`
	PublishedBy   string    `json:"published_by"`
	PublishedAt   time.Time `json:"published_at"`
}

// Publish freezes month m's figures (2026-03) as the cells stand now, read
// with the configuration in force; publishing a month again recomputes
// it: its cells are rebuilt from the appeals table first and frozen with
// the configuration now in force. The office may call it
// (auth.ManageAppealStats). Errors: Unauthenticated, Forbidden, Invalid.
func (s *Service) Publish(ctx context.Context, a *auth.Actor, m string) (*Month, error) {
	if err := auth.AuthorizeSome(a, auth.ManageAppealStats); err != nil {
		return nil, err
	}
	p, err := ParsePeriod(m, m)
	if err != nil {
		return nil, err
	}
	m = p.From
	var again bool
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) > 0 FROM appeal_stat_months WHERE month = ?`, m).Scan(&again); err != nil {
		return nil, errs.Wrap(err, "read published months")
	}
	if again {
		if err := s.Rebuild(ctx, m, m, nil); err != nil {
			return nil, err
		}
	}
	_, latest, err := s.loadConfigs(ctx, s.db)
	if err != nil {
		return nil, err
	}
	out := &Month{Month: m, ConfigVersion: latest, PublishedBy: a.Name, PublishedAt: s.Now()}
	cols := "dim, month, key, unit_id, status, " + strings.Join(counterColumns, ", ")
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM appeal_stat_frozen WHERE month = ?`, m); err != nil {
			return errs.Wrap(err, "publish month")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM appeal_stat_months WHERE month = ?`, m); err != nil {
			return errs.Wrap(err, "publish month")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO appeal_stat_months (month, config_version, published_by, published_at) VALUES (?, ?, ?, ?)`,
			m, latest, a.Name, store.Millis(out.PublishedAt)); err != nil {
			return errs.Wrap(err, "publish month")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO appeal_stat_frozen (`+cols+`) SELECT `+cols+` FROM appeal_stat_cells WHERE month = ?`, m); err != nil {
			return errs.Wrap(err, "publish month")
		}
		action := "publish"
		if again {
			action = "recompute"
		}
		return s.Audit.Record(ctx, tx, "appeal_stat_month", m, action, nil, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PublishedMonths lists the published months, newest first. Who may call
// it: as Figures. Errors: Unauthenticated, Forbidden.
func (s *Service) PublishedMonths(ctx context.Context, a *auth.Actor) ([]Month, error) {
	if err := auth.AuthorizeSome(a, auth.ViewAppealStats); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT month, config_version, published_by, published_at FROM appeal_stat_months ORDER BY month DESC`)
	if err != nil {
		return nil, errs.Wrap(err, "read published months")
	}
	defer rows.Close()
	var out []Month
	for rows.Next() {
		var m Month
		var at int64
		if err := rows.Scan(&m.Month, &m.ConfigVersion, &m.PublishedBy, &at); err != nil {
			return nil, errs.Wrap(err, "read published months")
		}
		m.PublishedAt = store.FromMillis(at)
		out = append(out, m)
	}
	return out, errs.Wrap(rows.Err(), "read published months")
}

// Places is the number of places gained or lost (0: none).
func (r RankRow) Places() int { return max(r.Change, -r.Change) }
