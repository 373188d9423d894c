package policy

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy/rule"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// CheckupItem is one published clause as it stands for one enterprise.
type CheckupItem struct {
	Policy  *Policy      `json:"policy"` // without clauses
	Clause  *Clause      `json:"clause"`
	Outcome rule.Outcome `json:"outcome"`
	// Amount is the estimated benefit in yuan for this enterprise; nil
	// when the enterprise does not fit the clause (不符合: there is nothing
	// to expect), when the clause grants no money, or when its base is
	// unknown (AmountUnknownBase). For 待补充信息 it is what the enterprise
	// would get once the missing facts show it fits.
	Amount            *int64 `json:"amount"`
	AmountUnknownBase bool   `json:"amount_unknown_base"`
	// Claim says how the benefit is obtained (Clause.ClaimNote).
	Claim    string        `json:"claim"`
	Deadline *workday.Date `json:"deadline"`
	Open     bool          `json:"open"` // the application window includes today
	// Leaves explain the outcome: only the conditions that fail or whose
	// value is missing, with the requirement and the enterprise's value.
	Leaves []rule.LeafResult `json:"leaves"`
	// Missing are the canonical names of the fields to fill in.
	Missing []string `json:"missing"`
}

// Checkup is 政策体检: every published clause for one enterprise.
type Checkup struct {
	Enterprise  *enterprise.Enterprise `json:"enterprise"`
	Items       []CheckupItem          `json:"items"`
	Eligible    int                    `json:"eligible"`
	Unknown     int                    `json:"unknown"`
	NotEligible int                    `json:"not_eligible"`
	// TotalAmount sums the known amounts of the eligible clauses.
	TotalAmount int64   `json:"total_amount"`
	TookMS      float64 `json:"took_ms"`
	// CanSubscribe says whether the actor may change the enterprise's
	// subscriptions (SetSubscriptions: its accounts, its specialist, the
	// office).
	CanSubscribe bool `json:"can_subscribe"`
}

// Checkup lists every current clause of every published policy as 符合,
// 待补充信息 or 不符合 for enterprise id — eligible first, then those
// waiting for information, each group by deadline — with the estimated
// amount and, for clauses not (yet) met, the failing and unknown
// conditions. It reads the enterprise afresh and uses the reverse index,
// so clauses whose anchor the enterprise cannot meet cost nothing. Those
// who may view the enterprise (government users, its specialist, its own
// accounts) may call it. Errors: Unauthenticated, Forbidden, NotFound.
func (s *Service) Checkup(ctx context.Context, a *auth.Actor, id int64) (*Checkup, error) {
	res, err := s.resource(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.ViewEnterprise, res); err != nil {
		return nil, err
	}
	e, err := findEnterprise(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	today := s.today()
	idx := s.engine.Index()
	names := s.Names()
	out := &Checkup{Enterprise: e, Items: []CheckupItem{}, CanSubscribe: a.Can(auth.EditEnterprise, res)}
	for _, m := range idx.Match(e, today) {
		cl, pol, ok := idx.Clause(m.ID)
		if !ok {
			continue
		}
		it := CheckupItem{Policy: pol, Clause: cl, Outcome: m.Outcome, Open: cl.Open(today), Leaves: []rule.LeafResult{}, Missing: []string{}}
		it.Deadline = cl.WindowTo
		if it.Deadline == nil {
			it.Deadline = pol.EffectiveTo
		}
		if m.Outcome != rule.No {
			it.Claim = cl.ClaimNote()
		}
		if cl.Amount != nil && m.Outcome != rule.No {
			yuan, unknown := cl.Amount.For(e)
			if unknown {
				it.AmountUnknownBase = true
			} else {
				it.Amount = &yuan
			}
		}
		if m.Outcome != rule.Yes {
			seen := map[string]bool{}
			for _, l := range cl.Rule.Explain(e, today, names) {
				if l.Outcome == rule.Yes {
					continue
				}
				it.Leaves = append(it.Leaves, l)
				if l.Outcome == rule.Unknown && !seen[l.Field] {
					seen[l.Field] = true
					it.Missing = append(it.Missing, l.Field)
				}
			}
		}
		switch m.Outcome {
		case rule.Yes:
			out.Eligible++
			if it.Amount != nil {
				out.TotalAmount += *it.Amount
			}
		case rule.Unknown:
			out.Unknown++
		default:
			out.NotEligible++
		}
		out.Items = append(out.Items, it)
	}
	slices.SortStableFunc(out.Items, func(x, y CheckupItem) int {
		if c := cmp.Compare(y.Outcome, x.Outcome); c != 0 {
			return c
		}
		switch {
		case x.Deadline == nil && y.Deadline == nil:
			return 0
		case x.Deadline == nil:
			return 1
		case y.Deadline == nil:
			return -1
		}
		return cmp.Compare(*x.Deadline, *y.Deadline)
	})
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// ClauseStats are the figures of one clause version.
type ClauseStats struct {
	Clause        *Clause `json:"clause"`
	Eligible      uint64  `json:"eligible"`
	Unknown       uint64  `json:"unknown"`
	Pushed        int     `json:"pushed"`         // enterprises told they are eligible
	PushedUnknown int     `json:"pushed_unknown"` // enterprises asked to fill in data
	Read          int     `json:"read"`           // pushes read (the notification or the policy page)
	Reached       uint64  `json:"reached"`        // eligible enterprises that were pushed
	Rate          float64 `json:"rate"`           // 主动推送率: reached ÷ eligible
	Budget        int64   `json:"budget"`         // amount for the eligible, yuan
}

// Metrics are the figures of a policy: per current clause and for the
// policy as a whole (an enterprise counted once however many clauses it
// fits).
type Metrics struct {
	Policy   *Policy       `json:"policy"`
	Clauses  []ClauseStats `json:"clauses"`
	Eligible uint64        `json:"eligible"`
	Unknown  uint64        `json:"unknown"`
	Pushed   int           `json:"pushed"`
	Read     int           `json:"read"`
	Reached  uint64        `json:"reached"`
	// Rate is 主动推送率 = pushed ÷ eligible, counting the pushed among the
	// currently eligible (an enterprise pushed and since changed is not a
	// reach), so it never exceeds 1.
	Rate   float64 `json:"rate"`
	Budget int64   `json:"budget"`
}

// PolicyMetrics returns the eligibility and push figures of a policy.
// Admins and leaders may read any policy's, unit staff those their unit or
// a unit below it holds (CanViewStats). Errors: Unauthenticated, Forbidden, NotFound, Unavailable before the engine loaded.
func (s *Service) PolicyMetrics(ctx context.Context, a *auth.Actor, id int64) (*Metrics, error) {
	if err := auth.AuthorizeSome(a, auth.ViewPolicyStats); err != nil {
		return nil, err
	}
	p, err := s.FindPolicyByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !CanViewStats(a, p) {
		return nil, errs.Errorf(errs.Forbidden, "只能查看本单位及下级单位政策的统计")
	}
	if err := s.engine.ready(); err != nil {
		return nil, err
	}
	snap := s.engine.Table()
	m := &Metrics{Policy: p, Clauses: []ClauseStats{}}
	allEligible, allUnknown, allPushed := roaring.New(), roaring.New(), roaring.New()
	for _, cl := range p.Clauses {
		res := snap.Evaluate(cl.Rule)
		cs := ClauseStats{Clause: cl, Eligible: res.Eligible.GetCardinality(), Unknown: res.Unknown.GetCardinality()}
		if cl.Amount != nil {
			b, err := snap.Budget(res.Eligible, *cl.Amount)
			if err != nil {
				return nil, err
			}
			cs.Budget = b.Yuan
			m.Budget += b.Yuan
		}
		pushed := roaring.New()
		rows, err := s.db.QueryContext(ctx, `SELECT pp.enterprise_id, pp.outcome,
			CASE WHEN pp.read_at IS NOT NULL OR n.read_at IS NOT NULL THEN 1 ELSE 0 END
			FROM policy_pushes pp LEFT JOIN notifications n ON n.id = pp.notification_id WHERE pp.clause_version_id = ?`, cl.ID)
		if err != nil {
			return nil, errs.Wrap(err, "read pushes")
		}
		for rows.Next() {
			var eid int64
			var outcome string
			var read int
			if err := rows.Scan(&eid, &outcome, &read); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "read pushes")
			}
			if outcome == PushEligible {
				cs.Pushed++
				if row, ok := snap.Row(eid); ok {
					pushed.Add(row)
				}
			} else {
				cs.PushedUnknown++
			}
			cs.Read += read
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "read pushes")
		}
		cs.Reached = pushed.AndCardinality(res.Eligible)
		if cs.Eligible > 0 {
			cs.Rate = float64(cs.Reached) / float64(cs.Eligible)
		}
		allEligible.Or(res.Eligible)
		allUnknown.Or(res.Unknown)
		allPushed.Or(pushed)
		m.Read += cs.Read
		m.Clauses = append(m.Clauses, cs)
	}
	allUnknown.AndNot(allEligible)
	m.Eligible, m.Unknown = allEligible.GetCardinality(), allUnknown.GetCardinality()
	m.Pushed = int(allPushed.GetCardinality())
	m.Reached = allPushed.AndCardinality(allEligible)
	if m.Eligible > 0 {
		m.Rate = float64(m.Reached) / float64(m.Eligible)
	}
	return m, nil
}

// MarkRead records that enterprise account a opened policy id, so that its
// pushes of the policy count as read. Other actors change nothing.
// Errors: Unauthenticated, Internal.
func (s *Service) MarkRead(ctx context.Context, a *auth.Actor, id int64) error {
	if err := auth.Authenticated(a); err != nil {
		return err
	}
	if a.Role != auth.RoleEnterprise || a.EnterpriseID == nil {
		return nil
	}
	_, err := s.db.ExecContext(ctx, `UPDATE policy_pushes SET read_at = ? WHERE enterprise_id = ? AND read_at IS NULL
		AND clause_version_id IN (SELECT id FROM policy_clauses WHERE policy_id = ?)`, store.Millis(s.now()), *a.EnterpriseID, id)
	return errs.Wrap(err, "mark pushes read")
}
