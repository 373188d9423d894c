package policy_test

import (
	"context"
	"fmt"
	"github.com/qinqing/qinqing/internal/auth"
	"math/rand/v2"
	"testing"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/rule"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

// TestSimulateGroups checks the groups of a simulation, by a field with one
// value per enterprise and by tags (an enterprise under each of its tags),
// against evaluating every enterprise as stored, before and after changes.
func TestSimulateGroups(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, storetest.MustOpenSQLite(t), fixtureOptions{})
	ids := f.seedCity(t, 1500, 21)
	if _, err := f.Svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	today := workday.Today(f.Clock.Now)
	a := &rule.Amount{Rate: 0.1, Of: "rd_expense", Cap: ptr(int64(500000))}
	rng := rand.New(rand.NewPCG(5, 6))
	var seen uint64 // eligible tag groups seen: the rules are not all empty
	for round := range 2 {
		if round == 1 {
			for k := range 30 {
				u := enterprise.Update{Tags: &[]string{"高新技术企业"}, District: ptr("420111")}
				if k%3 == 0 {
					u = enterprise.Update{Clear: []string{"tags", "district"}}
				}
				f.set(t, ids[rng.IntN(len(ids))], u)
			}
		}
		ents := make([]*enterprise.Enterprise, len(ids))
		for i, id := range ids {
			e, err := f.Ents.FindEnterpriseByID(ctx, auth.Operator("test"), id)
			if err != nil {
				t.Fatal(err)
			}
			ents[i] = e
		}
		for range 15 {
			src := randRule(rng, 3)
			r := mustRule(t, src)
			for _, groupBy := range []string{"tags", "所属区"} {
				sim, err := f.Svc.Engine().Simulate(r, a, groupBy, rule.Names{})
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]policy.SimGroup{}
				var eligible, unknown uint64
				var budget int64
				for _, e := range ents {
					o := r.Eval(e, today)
					if o == rule.No {
						continue
					}
					keys := []string{""}
					switch {
					case groupBy != "tags" && e.District != nil:
						keys = []string{*e.District}
					case groupBy == "tags" && e.Tags != nil:
						keys = e.Tags
					}
					y, _ := a.For(e)
					if o == rule.Yes {
						eligible++
						budget += y
					} else {
						unknown++
					}
					for _, k := range keys {
						g := want[k]
						g.Key = k
						if o == rule.Yes {
							g.Eligible++
							g.Budget += y
						} else {
							g.Unknown++
						}
						want[k] = g
					}
				}
				got := map[string]policy.SimGroup{}
				for _, g := range sim.Groups {
					g.Label = ""
					got[g.Key] = g
					if groupBy == "tags" && g.Key != "" && g.Eligible > 0 {
						seen++
					}
				}
				if sim.Eligible != eligible || sim.Unknown != unknown || sim.Budget != budget || fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("rule %s by %s:\ngot  %d/%d %d %v\nwant %d/%d %d %v", src, groupBy,
						sim.Eligible, sim.Unknown, sim.Budget, got, eligible, unknown, budget, want)
				}
			}
		}
	}
	if seen == 0 {
		t.Error("no rule found eligible enterprises with tags")
	}
}
