package policy

import (
	"context"
	"encoding/json"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/policy/rule"
)

// SimulateRequest asks how many enterprises a rule fits, how much its
// amount would cost and where they are: the body of
// POST /api/v1/policies/simulate.
type SimulateRequest struct {
	Rule    json.RawMessage `json:"rule"`
	Expr    string          `json:"expr,omitempty"`     // instead of rule: the expression form
	Amount  json.RawMessage `json:"amount,omitempty"`   // optional
	GroupBy string          `json:"group_by,omitempty"` // optional: district, size, industry, kind, credit, status, street or tags
}

// Simulation is the answer to a SimulateRequest.
type Simulation struct {
	Eligible    uint64 `json:"eligible"`
	Unknown     uint64 `json:"unknown"`
	NotEligible uint64 `json:"not_eligible"`
	// Budget is the total amount for the eligible enterprises in yuan (0
	// without an amount); BudgetUnknownBase counts eligible enterprises
	// whose amount base is unknown (they add 0).
	Budget            int64      `json:"budget"`
	BudgetUnknownBase uint64     `json:"budget_unknown_base"`
	Groups            []SimGroup `json:"groups"`
	TookMS            float64    `json:"took_ms"`
	Total             int        `json:"total"` // enterprises in the snapshot
	Sentence          string     `json:"sentence"`
	Rule              *rule.Rule `json:"rule"`
}

// SimGroup is one group of a Simulation.
type SimGroup struct {
	Key      string `json:"key"`   // the field value; "" for unknown
	Label    string `json:"label"` // the value as people read it (区 name)
	Eligible uint64 `json:"eligible"`
	Unknown  uint64 `json:"unknown"`
	Budget   int64  `json:"budget"`
}

// Simulate evaluates a rule (and amount) over every enterprise. Admins
// and unit staff (ManagePolicies) may call it: it is the policy
// calculator of people who write policies. Errors: Unauthenticated,
// Forbidden, Invalid (rule, amount or group_by, in Chinese).
func (s *Service) Simulate(ctx context.Context, a *auth.Actor, req SimulateRequest) (*Simulation, error) {
	if err := auth.Authorize(a, auth.ManagePolicies, auth.Resource{}); err != nil {
		return nil, err
	}
	r, err := ParseRule(req.Rule, req.Expr)
	if err != nil {
		return nil, err
	}
	amt, err := ParseAmount(req.Amount)
	if err != nil {
		return nil, err
	}
	return s.engine.Simulate(r, amt, req.GroupBy, s.Names())
}

// Names returns how rules name districts and industries in this city.
func (s *Service) Names() rule.Names {
	return rule.Names{District: s.city.DistrictName, Industry: enterprise.IndustryName}
}

// Simulate evaluates r over the snapshot: the three counts, the budget of
// amount a (nil: none) for the eligible, and, when groupBy names a
// categorical field or tags, the counts and budget per value (for tags an
// enterprise counts under each of its tags). Errors: Invalid for a field
// that cannot group, Unavailable before the first load.
func (e *Engine) Simulate(r *rule.Rule, a *rule.Amount, groupBy string, names rule.Names) (*Simulation, error) {
	if err := e.ready(); err != nil {
		return nil, err
	}
	start := time.Now()
	snap := e.Snapshot()
	res := snap.Evaluate(r)
	c := res.Count()
	sim := &Simulation{Eligible: c.Eligible, Unknown: c.Unknown, NotEligible: c.NotEligible, Groups: []SimGroup{},
		Total: snap.Len(), Rule: r, Sentence: r.Sentence(names)}
	summed := false // the groups partition the rows: their budgets add up to the total
	if groupBy != "" {
		fd, _ := enterprise.FieldByName(groupBy)
		field := fd.Name
		if field == "" {
			field = groupBy
		}
		err := e.groups.with(snap, field, func(gs *groupSet) error {
			if gs.single() {
				summed = true
				return simulateCoded(sim, snap, res, a, gs, field, names)
			}
			for _, v := range gs.values {
				rows := gs.rows[v]
				g := SimGroup{Key: v, Label: groupLabel(field, v, names), Eligible: rows.AndCardinality(res.Eligible),
					Unknown: rows.AndCardinality(res.Unknown)}
				if g.Eligible+g.Unknown == 0 {
					continue
				}
				if a != nil && g.Eligible > 0 {
					b, err := snap.Budget(roaring.And(rows, res.Eligible), *a)
					if err != nil {
						return err
					}
					g.Budget = b.Yuan
				}
				sim.Groups = append(sim.Groups, g)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if a != nil && !summed {
		b, err := snap.Budget(res.Eligible, *a)
		if err != nil {
			return nil, err
		}
		sim.Budget, sim.BudgetUnknownBase = b.Yuan, b.UnknownBase
	}
	sim.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return sim, nil
}

// simulateCoded fills in the groups of sim for a field with one value per
// row: one pass over the eligible rows counts them and collects each
// group's rows for its budget, one pass over the unknown rows counts them;
// the budgets add up to the total.
func simulateCoded(sim *Simulation, snap *rule.Snapshot, res rule.Result, a *rule.Amount, gs *groupSet, field string, names rule.Names) error {
	n := len(gs.byCode) + 1
	eligible, unknown := make([]uint64, n), make([]uint64, n)
	var rows [][]uint32
	if a != nil {
		rows = make([][]uint32, n)
	}
	buf := make([]uint32, 4096)
	it := res.Eligible.ManyIterator()
	for k := it.NextMany(buf); k > 0; k = it.NextMany(buf) {
		for _, row := range buf[:k] {
			c := uint16(0)
			if int(row) < len(gs.codes) {
				c = gs.codes[row]
			}
			eligible[c]++
			if rows != nil {
				rows[c] = append(rows[c], row)
			}
		}
	}
	it = res.Unknown.ManyIterator()
	for k := it.NextMany(buf); k > 0; k = it.NextMany(buf) {
		for _, row := range buf[:k] {
			if int(row) < len(gs.codes) {
				unknown[gs.codes[row]]++
			} else {
				unknown[0]++
			}
		}
	}
	budget := func(c uint16) (BudgetSum, error) {
		if rows == nil || len(rows[c]) == 0 {
			return BudgetSum{}, nil
		}
		bm := roaring.New()
		bm.AddMany(rows[c])
		b, err := snap.Budget(bm, *a)
		return BudgetSum{b.Yuan, b.UnknownBase}, err
	}
	for _, v := range gs.values {
		c := gs.code[v]
		if eligible[c]+unknown[c] == 0 {
			continue
		}
		b, err := budget(c)
		if err != nil {
			return err
		}
		sim.Groups = append(sim.Groups, SimGroup{Key: v, Label: groupLabel(field, v, names), Eligible: eligible[c], Unknown: unknown[c], Budget: b.Yuan})
		sim.Budget += b.Yuan
		sim.BudgetUnknownBase += b.UnknownBase
	}
	// Rows in no group (none, unless deleted rows were counted) still cost.
	if b, err := budget(0); err != nil {
		return err
	} else {
		sim.Budget += b.Yuan
		sim.BudgetUnknownBase += b.UnknownBase
	}
	return nil
}

// BudgetSum is a budget and the count of rows whose base is unknown.
type BudgetSum struct {
	Yuan        int64
	UnknownBase uint64
}

// groupLabel names a group value for people.
func groupLabel(field, v string, names rule.Names) string {
	if v == "" {
		return "未知"
	}
	switch field {
	case "district":
		if names.District != nil {
			if n := names.District(v); n != "" {
				return n
			}
		}
	case "industry":
		if names.Industry != nil {
			if n := names.Industry(v); n != "" {
				return v + " " + n
			}
		}
	}
	return v
}
