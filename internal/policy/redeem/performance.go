package redeem

import (
	"cmp"
	"context"
	"fmt"
	"github.com/qinqing/qinqing/internal/store"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/sheet"
	"github.com/qinqing/qinqing/internal/workday"
)

// granted are the grant statuses that count as granted (approved, whatever
// the enterprise has confirmed yet).
const granted = `('待会签', '待确认', '已确认')`

// ---- Figures for the home pages ----

// Figures are redemption's headline figures for a home page: the office's
// and leaders' for the whole city, a unit's for its own policies.
type Figures struct {
	Scope        string `json:"scope"` // 全市 or the unit
	ToReview     int    `json:"to_review"`
	Countersign  int    `json:"countersign"`
	Confirming   int    `json:"confirming"`
	Applications int    `json:"applications"` // open: 待受理 or 审核中
	AppsOverdue  int    `json:"applications_overdue"`
	Objections   int    `json:"objections"` // 待答复
	ObjsOverdue  int    `json:"objections_overdue"`
	Payable      int    `json:"payable"` // payments 待拨付
	PayableYuan  int64  `json:"payable_amount"`
	// Overdue counts payments still 待拨付 past the limit; PaidLate those
	// paid after it.
	Overdue    int     `json:"overdue"`
	Paid       int     `json:"paid"`
	PaidYuan   int64   `json:"paid_amount"`
	PaidLate   int     `json:"paid_late"`
	OnTimeRate float64 `json:"on_time_rate"` // paid within the limit ÷ paid; 0 when none
	Limit      int     `json:"limit"`        // the payment limit in working days
}

// Figures returns the figures a may see: the office and leaders the
// city's, unit staff their unit's; nil for other roles. Errors:
// Unauthenticated, Internal.
func (s *Service) Figures(ctx context.Context, a *auth.Actor) (*Figures, error) {
	if a == nil {
		return nil, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	f := &Figures{Scope: "全市", Limit: s.payDays}
	cond, args := "1 = 1", []any{}
	switch {
	case a.Role == auth.RoleAdmin || a.Role == auth.RoleLeader:
	case a.Role == auth.RoleUnitStaff && a.UnitID != nil && a.CanSome(auth.ViewRedemption):
		cond, args = "unit_id = ?", []any{*a.UnitID}
		if err := s.db.QueryRowContext(ctx, `SELECT name FROM units WHERE id = ?`, *a.UnitID).Scan(&f.Scope); err != nil {
			return nil, errs.Wrap(err, "read unit")
		}
	default:
		return nil, nil
	}
	today := s.today().String()
	q := func(query string, extra []any, dst ...any) error {
		return errs.Wrap(s.db.QueryRowContext(ctx, query, append(append([]any{}, extra...), args...)...).Scan(dst...), "read figures")
	}
	if err := q(`SELECT COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) FROM policy_grants WHERE `+cond,
		[]any{GrantListed, GrantCountersign, GrantConfirming}, &f.ToReview, &f.Countersign, &f.Confirming); err != nil {
		return nil, err
	}
	if err := q(`SELECT COALESCE(SUM(CASE WHEN status IN (?, ?) THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN (status = ? AND accept_by < ?) OR (status = ? AND decide_by < ?) THEN 1 ELSE 0 END), 0)
		FROM policy_applications WHERE `+cond, []any{AppSubmitted, AppReviewing, AppSubmitted, today, AppReviewing, today},
		&f.Applications, &f.AppsOverdue); err != nil {
		return nil, err
	}
	if err := q(`SELECT COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN status = ? AND answer_by < ? THEN 1 ELSE 0 END), 0)
		FROM policy_objections WHERE `+cond, []any{ObjectionOpen, ObjectionOpen, today}, &f.Objections, &f.ObjsOverdue); err != nil {
		return nil, err
	}
	if err := q(`SELECT COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN status = ? THEN amount ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = ? AND due_on < ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN paid_on IS NOT NULL THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN paid_on IS NOT NULL THEN amount ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN paid_on > due_on THEN 1 ELSE 0 END), 0) FROM policy_payments WHERE `+cond,
		[]any{PaymentPending, PaymentPending, PaymentPending, today}, &f.Payable, &f.PayableYuan, &f.Overdue, &f.Paid, &f.PaidYuan, &f.PaidLate); err != nil {
		return nil, err
	}
	if f.Paid > 0 {
		f.OnTimeRate = float64(f.Paid-f.PaidLate) / float64(f.Paid)
	}
	return f, nil
}

// ---- Payment timeliness ----

// Timeliness is one unit's record of paying on time.
type Timeliness struct {
	UnitID     int64   `json:"unit_id"`
	Unit       string  `json:"unit"`
	Paid       int     `json:"paid"`
	OnTime     int     `json:"on_time"`
	OnTimeRate float64 `json:"on_time_rate"`
	AvgDays    float64 `json:"avg_days"` // working days from payable to 已拨付
	P90Days    int     `json:"p90_days"`
	Pending    int     `json:"pending"` // 待拨付
	Overdue    int     `json:"overdue"` // 待拨付 past the limit
	PaidYuan   int64   `json:"paid_amount"`
}

// FindTimeliness ranks the units by how they pay: the share paid within the
// limit first, then the average working days, then fewer overdue payments.
// The office and leaders may call it (auth.ViewDashboard). Errors:
// Unauthenticated, Forbidden.
func (s *Service) FindTimeliness(ctx context.Context, a *auth.Actor) ([]Timeliness, error) {
	if err := auth.AuthorizeSome(a, auth.ViewDashboard); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT t.unit_id, COALESCE(u.name, ''), t.status, t.due_from, t.due_on, t.paid_on, t.amount
		FROM policy_payments t JOIN units u ON u.id = t.unit_id WHERE t.status <> ? ORDER BY t.unit_id`, PaymentRefused)
	if err != nil {
		return nil, errs.Wrap(err, "read payments")
	}
	defer rows.Close()
	today := s.today()
	byUnit := map[int64]*Timeliness{}
	days := map[int64][]int{}
	for rows.Next() {
		var unit int64
		var name, status string
		var from, due workday.Date
		var paid *workday.Date
		var amount int64
		if err := rows.Scan(&unit, &name, &status, &from, &due, &paid, &amount); err != nil {
			return nil, errs.Wrap(err, "read payments")
		}
		t := byUnit[unit]
		if t == nil {
			t = &Timeliness{UnitID: unit, Unit: name}
			byUnit[unit] = t
		}
		switch {
		case paid != nil:
			t.Paid++
			t.PaidYuan += amount
			if *paid <= due {
				t.OnTime++
			}
			days[unit] = append(days[unit], s.cal.Between(from, *paid))
		case status == PaymentPending:
			t.Pending++
			if today > due {
				t.Overdue++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "read payments")
	}
	out := make([]Timeliness, 0, len(byUnit))
	for id, t := range byUnit {
		if t.Paid > 0 {
			t.OnTimeRate = float64(t.OnTime) / float64(t.Paid)
		}
		t.AvgDays, t.P90Days = dayStats(days[id])
		out = append(out, *t)
	}
	slices.SortFunc(out, func(x, y Timeliness) int {
		return cmp.Or(cmp.Compare(y.OnTimeRate, x.OnTimeRate), cmp.Compare(x.AvgDays, y.AvgDays), cmp.Compare(x.Overdue, y.Overdue),
			cmp.Compare(y.Paid, x.Paid), cmp.Compare(x.UnitID, y.UnitID))
	})
	return out, nil
}

// dayStats returns the mean and the 90th percentile (nearest rank) of days.
func dayStats(days []int) (float64, int) {
	if len(days) == 0 {
		return 0, 0
	}
	slices.Sort(days)
	sum := 0
	for _, d := range days {
		sum += d
	}
	rank := (9*len(days) + 9) / 10 // ceil(0.9 n)
	return float64(sum) / float64(len(days)), days[rank-1]
}

// ---- Policy performance (政策绩效) ----

// ReasonCount is how many were refused or excluded for one reason.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// ClausePerformance is what one clause achieved.
type ClausePerformance struct {
	ClauseID    int64         `json:"clause_id"`
	Title       string        `json:"title"`
	Mode        string        `json:"mode"`
	Eligible    *int          `json:"eligible"` // nil while the policy engine loads
	Pushed      *int          `json:"pushed"`
	Listed      int           `json:"listed"`  // on a 免申即享 list
	Applied     int           `json:"applied"` // applications, withdrawn ones aside
	Approved    int           `json:"approved"`
	Confirmed   int           `json:"confirmed"`
	Refused     int           `json:"refused"` // applications refused, grants excluded or expired
	RefusedBy   []ReasonCount `json:"refused_by"`
	Objections  int           `json:"objections"`
	ObjAccepted int           `json:"objections_accepted"`
	// Amounts in yuan: approved (settled where settled), paid by the bank,
	// recovered after settlement (and still to recover).
	AmountApproved  int64   `json:"amount_approved"`
	AmountPaid      int64   `json:"amount_paid"`
	AmountRecovered int64   `json:"amount_recovered"`
	AmountToRecover int64   `json:"amount_to_recover"`
	Budget          *int64  `json:"budget"`
	BudgetUsed      int64   `json:"budget_used"`
	Payments        int     `json:"payments"` // paid
	AvgDaysToPay    float64 `json:"avg_days_to_pay"`
	P90DaysToPay    int     `json:"p90_days_to_pay"`
	PaidLate        int     `json:"paid_late"`
}

// Group is one value of a breakdown: the enterprises granted and their
// approved amount.
type Group struct {
	Key    string `json:"key"`
	Label  string `json:"label"`
	Count  int    `json:"count"`
	Amount int64  `json:"amount"`
}

// Outcome compares the enterprises granted with those that applied or were
// listed and were not (refused, excluded, expired): of each, how many have
// a later value of revenue or headcount than at the decision, the sums
// then and now, and the growth of the sum.
type Outcome struct {
	Field      string `json:"field"`
	Label      string `json:"label"`
	Granted    Change `json:"granted"`
	NotGranted Change `json:"not_granted"`
	Note       string `json:"note,omitempty"`
}

// Change is a group's values at decision and now.
type Change struct {
	N      int     `json:"n"`
	Before int64   `json:"before"`
	After  int64   `json:"after"`
	Growth float64 `json:"growth"` // after ÷ before − 1; 0 without data
}

// Performance is 政策绩效: what a policy achieved, per clause and in total,
// where the money went, and how granted enterprises fared.
type Performance struct {
	Policy    *policy.Policy      `json:"policy"`
	Clauses   []ClausePerformance `json:"clauses"`
	Total     ClausePerformance   `json:"total"`
	Breakdown map[string][]Group  `json:"breakdown"` // district, industry, size, tag
	Outcomes  []Outcome           `json:"outcomes"`
	Engine    string              `json:"engine,omitempty"` // why eligibility is missing
	TookMS    float64             `json:"took_ms"`
}

// Breakdowns are the keys of Performance.Breakdown, in display order, with
// their labels.
var Breakdowns = []struct{ Key, Label string }{{"district", "区"}, {"industry", "行业门类"}, {"size", "企业规模"}, {"tag", "企业标签"}}

// PolicyPerformance returns what policy id achieved. Those who may read the
// policy's figures (policy.CanViewStats: the office, leaders, its units and
// the units above) may call it. Errors: Unauthenticated, Forbidden,
// NotFound.
func (s *Service) PolicyPerformance(ctx context.Context, a *auth.Actor, id int64) (*Performance, error) {
	start := time.Now()
	p, err := s.policy.FindPolicyByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !policy.CanViewStats(a, p) {
		return nil, errs.Errorf(errs.Forbidden, "只能查看本单位及下级单位政策的绩效")
	}
	out := &Performance{Policy: p, Clauses: []ClausePerformance{}, Breakdown: map[string][]Group{}, Outcomes: []Outcome{}}
	byClause := map[int64]*ClausePerformance{}
	for _, cl := range p.Clauses {
		cp := ClausePerformance{ClauseID: cl.ClauseID, Title: cl.Title, Mode: cl.Mode, Budget: cl.Budget, RefusedBy: []ReasonCount{}}
		out.Clauses = append(out.Clauses, cp)
	}
	for i := range out.Clauses {
		byClause[out.Clauses[i].ClauseID] = &out.Clauses[i]
	}
	m, err := s.policy.PolicyMetrics(ctx, a, id)
	switch errs.CodeOf(err) {
	case "":
		for _, cs := range m.Clauses {
			if cp := byClause[cs.Clause.ClauseID]; cp != nil {
				e, pushed := int(cs.Eligible), cs.Pushed
				cp.Eligible, cp.Pushed = &e, &pushed
			}
		}
	case errs.Unavailable:
		out.Engine = errs.MessageOf(err)
	default:
		return nil, err
	}
	if err := s.clauseFigures(ctx, id, byClause); err != nil {
		return nil, err
	}
	for _, cp := range out.Clauses {
		out.Total.add(cp)
	}
	out.Total.Title = "合计"
	if out.Breakdown, err = s.breakdown(ctx, id); err != nil {
		return nil, err
	}
	if out.Outcomes, err = s.outcomes(ctx, id); err != nil {
		return nil, err
	}
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// add sums o into c (the policy's total).
func (c *ClausePerformance) add(o ClausePerformance) {
	plus := func(dst **int, v *int) {
		if v == nil {
			return
		}
		if *dst == nil {
			*dst = new(int)
		}
		**dst += *v
	}
	plus(&c.Eligible, o.Eligible)
	plus(&c.Pushed, o.Pushed)
	c.Listed += o.Listed
	c.Applied += o.Applied
	c.Approved += o.Approved
	c.Confirmed += o.Confirmed
	c.Refused += o.Refused
	c.Objections += o.Objections
	c.ObjAccepted += o.ObjAccepted
	c.AmountApproved += o.AmountApproved
	c.AmountPaid += o.AmountPaid
	c.AmountRecovered += o.AmountRecovered
	c.AmountToRecover += o.AmountToRecover
	c.BudgetUsed += o.BudgetUsed
	if o.Budget != nil {
		b := *o.Budget
		if c.Budget != nil {
			b += *c.Budget
		}
		c.Budget = &b
	}
	// The policy's days to pay weigh each clause by its payments.
	if n := c.Payments + o.Payments; n > 0 {
		c.AvgDaysToPay = (c.AvgDaysToPay*float64(c.Payments) + o.AvgDaysToPay*float64(o.Payments)) / float64(n)
	}
	c.Payments += o.Payments
	c.P90DaysToPay = max(c.P90DaysToPay, o.P90DaysToPay)
	c.PaidLate += o.PaidLate
	merged := map[string]int{}
	for _, r := range append(c.RefusedBy, o.RefusedBy...) {
		merged[r.Reason] += r.Count
	}
	c.RefusedBy = sortedReasons(merged)
}

func sortedReasons(m map[string]int) []ReasonCount {
	out := make([]ReasonCount, 0, len(m))
	for r, n := range m {
		out = append(out, ReasonCount{Reason: r, Count: n})
	}
	slices.SortFunc(out, func(x, y ReasonCount) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.Reason, y.Reason))
	})
	return out
}

// clauseFigures fills the redemption figures of policy id's clauses.
func (s *Service) clauseFigures(ctx context.Context, id int64, byClause map[int64]*ClausePerformance) error {
	rows, err := s.db.QueryContext(ctx, `SELECT clause_id, status, reason, origin, COUNT(*),
		COALESCE(SUM(COALESCE(final_amount, approved_amount, 0)), 0),
		COALESCE(SUM(CASE WHEN recovered_at IS NOT NULL THEN recover_amount ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN recovered_at IS NULL THEN recover_amount ELSE 0 END), 0)
		FROM policy_grants WHERE policy_id = ? GROUP BY clause_id, status, reason, origin`, id)
	if err != nil {
		return errs.Wrap(err, "read grant figures")
	}
	reasons := map[int64]map[string]int{}
	why := func(clause int64, r string, n int) {
		if reasons[clause] == nil {
			reasons[clause] = map[string]int{}
		}
		reasons[clause][r] += n
	}
	for rows.Next() {
		var clause int64
		var status, reason, origin string
		var n int
		var amount, recovered, toRecover int64
		if err := rows.Scan(&clause, &status, &reason, &origin, &n, &amount, &recovered, &toRecover); err != nil {
			rows.Close()
			return errs.Wrap(err, "read grant figures")
		}
		cp := byClause[clause]
		if cp == nil {
			continue
		}
		if origin == OriginList {
			cp.Listed += n
		}
		switch status {
		case GrantCountersign, GrantConfirming, GrantConfirmed:
			cp.Approved += n
			cp.AmountApproved += amount
			if status == GrantConfirmed {
				cp.Confirmed += n
			}
		case GrantExcluded, GrantExpired:
			cp.Refused += n
			if reason == "" {
				reason = status
			}
			why(clause, reason, n)
		}
		cp.AmountRecovered += recovered
		cp.AmountToRecover += toRecover
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "read grant figures")
	}
	rows, err = s.db.QueryContext(ctx, `SELECT clause_id, status, reason, COUNT(*) FROM policy_applications WHERE policy_id = ? AND status <> ?
		GROUP BY clause_id, status, reason`, id, AppWithdrawn)
	if err != nil {
		return errs.Wrap(err, "read application figures")
	}
	for rows.Next() {
		var clause int64
		var status, reason string
		var n int
		if err := rows.Scan(&clause, &status, &reason, &n); err != nil {
			rows.Close()
			return errs.Wrap(err, "read application figures")
		}
		if cp := byClause[clause]; cp != nil {
			cp.Applied += n
			if status == AppRefused {
				cp.Refused += n
				why(clause, reason, n)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "read application figures")
	}
	rows, err = s.db.QueryContext(ctx, `SELECT clause_id, status, COUNT(*) FROM policy_objections WHERE policy_id = ? GROUP BY clause_id, status`, id)
	if err != nil {
		return errs.Wrap(err, "read objection figures")
	}
	for rows.Next() {
		var clause int64
		var status string
		var n int
		if err := rows.Scan(&clause, &status, &n); err != nil {
			rows.Close()
			return errs.Wrap(err, "read objection figures")
		}
		if cp := byClause[clause]; cp != nil {
			cp.Objections += n
			if status == ObjectionAccepted {
				cp.ObjAccepted += n
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "read objection figures")
	}
	rows, err = s.db.QueryContext(ctx, `SELECT g.clause_id, t.amount, t.due_from, t.due_on, t.paid_on FROM policy_payments t
		JOIN policy_grants g ON g.id = t.grant_id WHERE g.policy_id = ? AND t.paid_on IS NOT NULL`, id)
	if err != nil {
		return errs.Wrap(err, "read payment figures")
	}
	days := map[int64][]int{}
	for rows.Next() {
		var clause, amount int64
		var from, due, paid workday.Date
		if err := rows.Scan(&clause, &amount, &from, &due, &paid); err != nil {
			rows.Close()
			return errs.Wrap(err, "read payment figures")
		}
		if cp := byClause[clause]; cp != nil {
			cp.AmountPaid += amount
			cp.Payments++
			if paid > due {
				cp.PaidLate++
			}
			days[clause] = append(days[clause], s.cal.Between(from, paid))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "read payment figures")
	}
	for clause, cp := range byClause {
		cp.AvgDaysToPay, cp.P90DaysToPay = dayStats(days[clause])
		cp.RefusedBy = sortedReasons(reasons[clause])
		if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(budget_used), 0) FROM policy_redeem_clauses WHERE clause_id = ?`, clause).
			Scan(&cp.BudgetUsed); err != nil {
			return errs.Wrap(err, "read budget")
		}
	}
	return nil
}

// breakdown groups policy id's granted enterprises by district, industry
// section, size and tag, with their approved amounts.
func (s *Service) breakdown(ctx context.Context, id int64) (map[string][]Group, error) {
	out := map[string][]Group{}
	city := s.policy.City()
	for _, b := range Breakdowns {
		var q string
		switch b.Key {
		case "district":
			q = `SELECT COALESCE(e.district, ''), COUNT(*), COALESCE(SUM(COALESCE(g.final_amount, g.approved_amount, 0)), 0)
				FROM policy_grants g JOIN enterprises e ON e.id = g.enterprise_id WHERE g.policy_id = ? AND g.status IN ` + granted + ` GROUP BY 1`
		case "industry":
			q = `SELECT COALESCE(SUBSTR(e.industry, 1, 1), ''), COUNT(*), COALESCE(SUM(COALESCE(g.final_amount, g.approved_amount, 0)), 0)
				FROM policy_grants g JOIN enterprises e ON e.id = g.enterprise_id WHERE g.policy_id = ? AND g.status IN ` + granted + ` GROUP BY 1`
		case "size":
			q = `SELECT COALESCE(e.size, ''), COUNT(*), COALESCE(SUM(COALESCE(g.final_amount, g.approved_amount, 0)), 0)
				FROM policy_grants g JOIN enterprises e ON e.id = g.enterprise_id WHERE g.policy_id = ? AND g.status IN ` + granted + ` GROUP BY 1`
		case "tag":
			q = `SELECT t.tag, COUNT(*), COALESCE(SUM(COALESCE(g.final_amount, g.approved_amount, 0)), 0)
				FROM policy_grants g JOIN enterprise_tags t ON t.enterprise_id = g.enterprise_id WHERE g.policy_id = ? AND g.status IN ` + granted + ` GROUP BY 1`
		}
		rows, err := s.db.QueryContext(ctx, q, id)
		if err != nil {
			return nil, errs.Wrap(err, "read breakdown")
		}
		groups := []Group{}
		for rows.Next() {
			var g Group
			if err := rows.Scan(&g.Key, &g.Count, &g.Amount); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "read breakdown")
			}
			switch {
			case g.Key == "":
				g.Label = "未知"
			case b.Key == "district":
				g.Label = city.DistrictName(g.Key)
			case b.Key == "industry":
				g.Label = g.Key + " " + enterprise.IndustryName(g.Key)
			default:
				g.Label = g.Key
			}
			groups = append(groups, g)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "read breakdown")
		}
		slices.SortFunc(groups, func(x, y Group) int { return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.Key, y.Key)) })
		out[b.Key] = groups
	}
	return out, nil
}

// outcomeFields are the fields whose later values compare granted and
// not-granted enterprises.
var outcomeFields = []string{"revenue", "employees"}

// outcomes compares, for policy id, the enterprises granted with those
// decided against (applications refused, grants excluded or expired): for
// each field, the value at the decision — the oldest value of a change
// recorded after it, else none — and the value now, for the enterprises
// whose file changed that field after the decision ("when data exists").
func (s *Service) outcomes(ctx context.Context, id int64) ([]Outcome, error) {
	type decision struct {
		enterprise int64
		at         int64
		granted    bool
	}
	var ds []decision
	rows, err := s.db.QueryContext(ctx, `SELECT enterprise_id, COALESCE(confirmed_at, updated_at), CASE WHEN status IN `+granted+` THEN 1 ELSE 0 END
		FROM policy_grants WHERE policy_id = ? AND status IN ('待会签', '待确认', '已确认', '已排除', '已过期')
		UNION ALL SELECT enterprise_id, COALESCE(decided_at, updated_at), 0 FROM policy_applications WHERE policy_id = ? AND status = ?`, id, id, AppRefused)
	if err != nil {
		return nil, errs.Wrap(err, "read decisions")
	}
	for rows.Next() {
		var d decision
		var g int
		if err := rows.Scan(&d.enterprise, &d.at, &g); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "read decisions")
		}
		d.granted = g == 1
		ds = append(ds, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "read decisions")
	}
	// One decision per enterprise: granted wins over not granted.
	slices.SortFunc(ds, func(x, y decision) int {
		return cmp.Or(cmp.Compare(x.enterprise, y.enterprise), cmp.Compare(b2i(y.granted), b2i(x.granted)))
	})
	ds = slices.CompactFunc(ds, func(x, y decision) bool { return x.enterprise == y.enterprise })
	out := make([]Outcome, 0, len(outcomeFields))
	for _, field := range outcomeFields {
		o := Outcome{Field: field, Label: enterprise.FieldLabel(field)}
		for at := 0; at < len(ds); at += 500 {
			part := ds[at:min(at+500, len(ds))]
			ids := make([]int64, len(part))
			for i, d := range part {
				ids[i] = d.enterprise
			}
			// Each enterprise's changes of the field, oldest first, and its
			// value now.
			q := `SELECT h.enterprise_id, h.at, h.old_value, e.` + field + ` FROM enterprise_history h JOIN enterprises e ON e.id = h.enterprise_id
				WHERE h.field = ? AND h.enterprise_id IN (` + store.Placeholders(len(ids)) + `) ORDER BY h.enterprise_id, h.at, h.id`
			hr, err := s.db.QueryContext(ctx, q, append([]any{field}, int64Args(ids)...)...)
			if err != nil {
				return nil, errs.Wrap(err, "read history")
			}
			type change struct {
				at  int64
				old *string
				now *int64
			}
			changes := map[int64][]change{}
			for hr.Next() {
				var eid int64
				var c change
				if err := hr.Scan(&eid, &c.at, &c.old, &c.now); err != nil {
					hr.Close()
					return nil, errs.Wrap(err, "read history")
				}
				changes[eid] = append(changes[eid], c)
			}
			hr.Close()
			if err := hr.Err(); err != nil {
				return nil, errs.Wrap(err, "read history")
			}
			for _, d := range part {
				for _, c := range changes[d.enterprise] {
					if c.at <= d.at {
						continue
					}
					// The first change after the decision: its old value
					// is the value at the decision.
					if c.old == nil || c.now == nil {
						break
					}
					before, err := strconv.ParseInt(*c.old, 10, 64)
					if err != nil {
						break
					}
					g := &o.NotGranted
					if d.granted {
						g = &o.Granted
					}
					g.N++
					g.Before += before
					g.After += *c.now
					break
				}
			}
		}
		for _, g := range []*Change{&o.Granted, &o.NotGranted} {
			if g.Before > 0 {
				g.Growth = float64(g.After)/float64(g.Before) - 1
			}
		}
		if o.Granted.N == 0 && o.NotGranted.N == 0 {
			o.Note = "兑现决定之后尚无" + o.Label + "的更新数据"
		}
		out = append(out, o)
	}
	return out, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ExportPerformance writes policy id's performance as an xlsx workbook:
// the clauses with their figures, the reasons of refusals, and each
// breakdown. Callers and errors as for PolicyPerformance.
func (s *Service) ExportPerformance(ctx context.Context, a *auth.Actor, id int64, w io.Writer) error {
	p, err := s.PolicyPerformance(ctx, a, id)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	text := func(v string) excelize.Cell { return excelize.Cell{Value: sheet.Escape(v)} }
	opt := func(v *int) any {
		if v == nil {
			return "载入中"
		}
		return *v
	}
	write := func(name string, header []string, rows [][]any) error {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return err
		}
		_ = sw.SetColWidth(1, 1, 36)
		_ = sw.SetColWidth(2, len(header), 14)
		h := make([]any, len(header))
		for i, v := range header {
			h[i] = v
		}
		if err := sw.SetRow("A1", h); err != nil {
			return err
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := sw.SetRow(cell, r); err != nil {
				return err
			}
		}
		return sw.Flush()
	}
	var rows [][]any
	for _, c := range append(p.Clauses, p.Total) {
		budget := any("")
		if c.Budget != nil {
			budget = *c.Budget
		}
		rows = append(rows, []any{text(c.Title), text(c.Mode), opt(c.Eligible), opt(c.Pushed), c.Listed, c.Applied, c.Approved, c.Refused,
			c.Objections, c.ObjAccepted, c.AmountApproved, c.AmountPaid, c.AmountRecovered, c.AmountToRecover, budget, c.BudgetUsed,
			c.Payments, fmt.Sprintf("%.1f", c.AvgDaysToPay), c.P90DaysToPay, c.PaidLate})
	}
	err = write("条款", []string{"条款", "兑现方式", "符合", "已推送", "列入名单", "申请", "兑现", "未兑现", "异议", "异议采纳", "核定金额（元）",
		"已拨付（元）", "已追回（元）", "待追回（元）", "预算（元）", "预算已用（元）", "付款笔数", "平均兑付工作日", "P90兑付工作日", "超期兑付"}, rows)
	if err != nil {
		return errs.Wrap(err, "export performance")
	}
	rows = nil
	for _, r := range p.Total.RefusedBy {
		rows = append(rows, []any{text(r.Reason), r.Count})
	}
	if err := write("未兑现原因", []string{"原因", "数量"}, rows); err != nil {
		return errs.Wrap(err, "export performance")
	}
	for _, b := range Breakdowns {
		rows = nil
		for _, g := range p.Breakdown[b.Key] {
			rows = append(rows, []any{text(g.Label), g.Count, g.Amount})
		}
		if err := write("按"+b.Label, []string{b.Label, "兑现企业", "核定金额（元）"}, rows); err != nil {
			return errs.Wrap(err, "export performance")
		}
	}
	rows = nil
	for _, o := range p.Outcomes {
		rows = append(rows, []any{text(o.Label), o.Granted.N, o.Granted.Before, o.Granted.After, fmt.Sprintf("%.1f%%", o.Granted.Growth*100),
			o.NotGranted.N, o.NotGranted.Before, o.NotGranted.After, fmt.Sprintf("%.1f%%", o.NotGranted.Growth*100)})
	}
	if err := write("兑现与未兑现企业对比", []string{"指标", "兑现企业数", "兑现时合计", "现合计", "增长", "未兑现企业数", "决定时合计", "现合计", "增长"}, rows); err != nil {
		return errs.Wrap(err, "export performance")
	}
	_ = f.DeleteSheet("Sheet1")
	return errs.Wrap(f.Write(w), "export performance")
}
