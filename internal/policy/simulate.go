package policy

import (
	"context"
	"encoding/json"
	"slices"
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
	if err := auth.AuthorizeSome(a, auth.ManagePolicies); err != nil {
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
// enterprise counts under each of its tags). A field with one value per
// enterprise is counted by the snapshot in the pass that evaluates the
// rule (rule.Table.Tally); tags go through the cached rows of each tag.
// Errors: Invalid for a field that cannot group.
func (e *Engine) Simulate(r *rule.Rule, a *rule.Amount, groupBy string, names rule.Names) (*Simulation, error) {
	start := time.Now()
	snap := e.Table()
	field := groupBy
	if fd, ok := enterprise.FieldByName(groupBy); ok {
		field = fd.Name
	}
	if field != "" && !slices.Contains(groupFields, field) {
		return nil, groupByErr(field)
	}
	sim := &Simulation{Groups: []SimGroup{}, Total: snap.Len(), Rule: r, Sentence: r.Sentence(names)}
	if field == "tags" {
		if err := e.simulateTags(sim, snap, r, a, names); err != nil {
			return nil, err
		}
	} else {
		t, err := snap.Tally(r, a, field)
		if err != nil {
			return nil, err
		}
		sim.Eligible, sim.Unknown, sim.NotEligible = t.Eligible, t.Unknown, t.NotEligible
		sim.Budget, sim.BudgetUnknownBase = t.Budget.Yuan, t.Budget.UnknownBase
		for _, g := range t.Groups {
			sim.Groups = append(sim.Groups, SimGroup{Key: g.Value, Label: groupLabel(field, g.Value, names),
				Eligible: g.Eligible, Unknown: g.Unknown, Budget: g.Budget.Yuan})
		}
	}
	sim.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return sim, nil
}

// simulateTags fills in sim grouped by tag: an enterprise counts under
// each of its tags, so the groups are intersections with each tag's rows.
func (e *Engine) simulateTags(sim *Simulation, snap *rule.Table, r *rule.Rule, a *rule.Amount, names rule.Names) error {
	res := snap.Evaluate(r)
	c := res.Count()
	sim.Eligible, sim.Unknown, sim.NotEligible = c.Eligible, c.Unknown, c.NotEligible
	if a != nil {
		b, err := snap.Budget(res.Eligible, *a)
		if err != nil {
			return err
		}
		sim.Budget, sim.BudgetUnknownBase = b.Yuan, b.UnknownBase
	}
	return e.groups.withTags(snap, func(gs *groupSet) error {
		for _, v := range gs.values {
			rows := gs.rows[v]
			g := SimGroup{Key: v, Label: groupLabel("tags", v, names), Eligible: rows.AndCardinality(res.Eligible),
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
