package stats

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// The groupings.
const (
	ByUnit     = "unit"
	ByDistrict = "district"
	ByCategory = "category"
	ByChannel  = "channel"
)

// Bys lists the groupings with their Chinese names.
func Bys() [][2]string {
	return [][2]string{{ByUnit, "承办单位"}, {ByDistrict, "所属区"}, {ByCategory, "诉求类别"}, {ByChannel, "渠道"}}
}

// ByLabel names grouping by.
func ByLabel(by string) string {
	for _, b := range Bys() {
		if b[0] == by {
			return b[1]
		}
	}
	return by
}

// Query asks for the figures of a period grouped one way.
type Query struct {
	From string `json:"from"` // 2026-01, 2026Q1, 2026
	To   string `json:"to"`
	By   string `json:"by"` // unit, district, category, channel
}

// Row is the figures of one group.
type Row struct {
	Key    string `json:"key"` // the unit id, district code, category or channel code ("" none)
	Name   string `json:"name"`
	Counts `json:"counts"`
	Rates  Rates    `json:"rates"`
	Score  *float64 `json:"score"`
}

// Report is the figures of a period.
type Report struct {
	Period      Period    `json:"period"`
	PeriodLabel string    `json:"period_label"`
	By          string    `json:"by"`
	ByLabel     string    `json:"by_label"`
	Rows        []Row     `json:"rows"`
	Total       Row       `json:"total"`
	Config      Config    `json:"config"`             // the version in force (months not published)
	Published   []string  `json:"published_months"`   // months read from their frozen figures
	Versions    []int     `json:"config_versions"`    // the configuration versions the figures were read with
	Formulas    []Formula `json:"formulas,omitempty"` // every rate written out
	// UnitScope is set when the figures are limited to a unit and those
	// below it (a unit's staff).
	UnitScope []int64 `json:"-"`
}

// scope returns nil when a may read every unit's figures, else the units
// it may read (its own and those below). Errors: Unauthenticated,
// Forbidden.
func (s *Service) scope(ctx context.Context, a *auth.Actor) ([]int64, error) {
	if err := auth.AuthorizeSome(a, auth.ViewAppealStats); err != nil {
		return nil, err
	}
	if a.Can(auth.ViewAppealStats, auth.Resource{}) {
		return nil, nil
	}
	if a.UnitID == nil || s.Units == nil {
		return nil, errs.Errorf(errs.Forbidden, "没有查看诉求指标的权限")
	}
	units, err := s.Units.Subtree(ctx, *a.UnitID)
	if err != nil {
		return nil, err
	}
	// The table decides: the units whose figures a may read.
	out := units[:0]
	for _, u := range units {
		res := auth.Resource{UnitIDs: []int64{u}}
		if u != *a.UnitID {
			res.ParentUnitIDs = []int64{*a.UnitID}
		}
		if a.Can(auth.ViewAppealStats, res) {
			out = append(out, u)
		}
	}
	if len(out) == 0 {
		return nil, errs.Errorf(errs.Forbidden, "没有查看诉求指标的权限")
	}
	return out, nil
}

// Figures returns the figures of q's period grouped by q.By, with a total
// and every formula. The office and leaders read every unit's; a unit's
// staff those of their unit and the units below it (auth.ViewAppealStats).
// Errors: Unauthenticated, Forbidden, Invalid (period, grouping).
func (s *Service) Figures(ctx context.Context, a *auth.Actor, q Query) (*Report, error) {
	units, err := s.scope(ctx, a)
	if err != nil {
		return nil, err
	}
	p, err := ParsePeriod(q.From, q.To)
	if err != nil {
		return nil, err
	}
	if q.By == "" {
		q.By = ByUnit
	}
	if ByLabel(q.By) == q.By {
		return nil, errs.FieldErrorf("by", "分组方式应为 unit、district、category 或 channel")
	}
	return s.figures(ctx, p, q.By, units)
}

// published returns the published months of p with their configuration
// versions.
func (s *Service) published(ctx context.Context, p Period) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT month, config_version FROM appeal_stat_months WHERE month >= ? AND month <= ?`, p.From, p.To)
	if err != nil {
		return nil, errs.Wrap(err, "read published months")
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var m string
		var v int
		if err := rows.Scan(&m, &v); err != nil {
			return nil, errs.Wrap(err, "read published months")
		}
		out[m] = v
	}
	return out, errs.Wrap(rows.Err(), "read published months")
}

// figures sums the cells of p (the frozen ones of published months) by
// grouping by, limited to units when set.
func (s *Service) figures(ctx context.Context, p Period, by string, units []int64) (*Report, error) {
	configs, latest, err := s.loadConfigs(ctx, s.db)
	if err != nil {
		return nil, err
	}
	pub, err := s.published(ctx, p)
	if err != nil {
		return nil, err
	}
	dim, group := dimAll, "key"
	switch by {
	case ByUnit:
		group = "unit_id"
	case ByDistrict:
		dim = dimDistrict
	case ByCategory:
		dim = dimCategory
	case ByChannel:
		dim = dimChannel
	}
	sums := make([]string, nCounters)
	for i, c := range counterColumns {
		sums[i] = "SUM(" + c + ")"
	}
	var unitCond string
	var unitArgs []any
	if units != nil {
		unitCond = " AND unit_id IN (" + store.Placeholders(len(units)) + ")"
		for _, u := range units {
			unitArgs = append(unitArgs, u)
		}
	}
	var pubMonths []string
	for m := range pub {
		pubMonths = append(pubMonths, m)
	}
	slices.Sort(pubMonths)
	sel := func(table, monthCond string, monthArgs []any) (string, []any) {
		q := `SELECT month, ` + group + `, status, ` + strings.Join(sums, ", ") + ` FROM ` + table +
			` WHERE dim = ? AND month >= ? AND month <= ?` + monthCond + unitCond + ` GROUP BY month, ` + group + `, status`
		args := append([]any{dim, p.From, p.To}, monthArgs...)
		return q, append(args, unitArgs...)
	}
	var pubArgs []any
	for _, m := range pubMonths {
		pubArgs = append(pubArgs, m)
	}
	live, liveArgs := sel("appeal_stat_cells", "", nil)
	if len(pubMonths) > 0 {
		live, liveArgs = sel("appeal_stat_cells", " AND month NOT IN ("+store.Placeholders(len(pubMonths))+")", pubArgs)
		frozen, frozenArgs := sel("appeal_stat_frozen", "", nil)
		live += " UNION ALL " + frozen
		liveArgs = append(liveArgs, frozenArgs...)
	}
	rows, err := s.db.QueryContext(ctx, live, liveArgs...)
	if err != nil {
		return nil, errs.Wrap(err, "read appeal figures")
	}
	defer rows.Close()
	groups := map[string]*Row{}
	var order []string
	used := map[int]bool{}
	for rows.Next() {
		var month, key, status string
		var v vec
		dest := []any{&month, &key, &status}
		for i := range v {
			dest = append(dest, &v[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, errs.Wrap(err, "read appeal figures")
		}
		cfg := configs[latest]
		if ver, ok := pub[month]; ok && configs[ver] != nil {
			cfg = configs[ver]
		}
		if !cfg.counts(status) {
			continue
		}
		used[cfg.Version] = true
		r := groups[key]
		if r == nil {
			r = &Row{Key: key}
			groups[key] = r
			order = append(order, key)
		}
		r.Counts.add(&v, cfg)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "read appeal figures")
	}
	cfg := configs[latest]
	rep := &Report{Period: p, PeriodLabel: p.Label(), By: by, ByLabel: ByLabel(by), Config: *cfg, Published: pubMonths,
		Formulas: Formulas(cfg), UnitScope: units}
	for v := range used {
		rep.Versions = append(rep.Versions, v)
	}
	slices.Sort(rep.Versions)
	names, err := s.names(ctx, by, order)
	if err != nil {
		return nil, err
	}
	for _, k := range order {
		r := groups[k]
		if by == ByUnit && r.Key == "0" {
			r.Key = ""
		}
		r.Name = names[k]
		r.Rates = RatesOf(&r.Counts)
		r.Score = score(&r.Rates, cfg.Weights)
		rep.Rows = append(rep.Rows, *r)
		rep.Total.Counts.merge(&r.Counts)
	}
	slices.SortFunc(rep.Rows, func(x, y Row) int {
		if x.Received != y.Received {
			return int(y.Received - x.Received)
		}
		return strings.Compare(x.Name, y.Name)
	})
	rep.Total.Name = "合计"
	rep.Total.Rates = RatesOf(&rep.Total.Counts)
	rep.Total.Score = score(&rep.Total.Rates, cfg.Weights)
	return rep, nil
}

// score is the 比晾晒 score: the weighted mean of 响应率, 解决率 and 满意率
// (in percent) over those that have a denominator; nil when none has.
func score(r *Rates, w Weights) *float64 {
	var sum, weight float64
	for _, x := range []struct {
		v *float64
		w float64
	}{{r.Response, w.Response}, {r.Solve, w.Solve}, {r.Satisfaction, w.Satisfy}} {
		if x.v != nil && x.w > 0 {
			sum += *x.v * x.w
			weight += x.w
		}
	}
	if weight == 0 {
		return nil
	}
	v := sum / weight
	return &v
}

// names returns the display name of every key of grouping by.
func (s *Service) names(ctx context.Context, by string, keys []string) (map[string]string, error) {
	out := map[string]string{}
	switch by {
	case ByUnit:
		var ids []any
		for _, k := range keys {
			if k == "0" {
				out[k] = "未派单（营商办）"
				continue
			}
			ids = append(ids, k)
		}
		if len(ids) == 0 {
			return out, nil
		}
		rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM units WHERE id IN (`+store.Placeholders(len(ids))+`)`, ids...)
		if err != nil {
			return nil, errs.Wrap(err, "read unit names")
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				return nil, errs.Wrap(err, "read unit names")
			}
			out[strconv.FormatInt(id, 10)] = name
		}
		return out, errs.Wrap(rows.Err(), "read unit names")
	case ByDistrict:
		for _, k := range keys {
			if k == "" {
				out[k] = "未填所属区"
			} else {
				out[k] = s.City.DistrictName(k)
			}
		}
	case ByChannel:
		for _, k := range keys {
			out[k] = appeal.Channel(k).Label()
		}
	default:
		for _, k := range keys {
			out[k] = k
		}
	}
	return out, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// num writes a number without trailing zeros.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// Pct writes a rate for people: 93.1%, or — without a denominator.
func Pct(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *v)
}
