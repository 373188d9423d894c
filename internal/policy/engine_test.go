package policy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/qinqing/qinqing/internal/policy/sqlpeer"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/rule"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

func mustRule(t *testing.T, s string) *rule.Rule {
	t.Helper()
	r, err := rule.Parse([]byte(s))
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return r
}

// randRule returns a random valid rule over the fields the synthetic city
// fills, as JSON.
func randRule(rng *rand.Rand, depth int) string {
	if depth > 0 && rng.IntN(3) == 0 {
		n := 1 + rng.IntN(3)
		kids := make([]string, n)
		for i := range kids {
			kids[i] = randRule(rng, depth-1)
		}
		switch rng.IntN(3) {
		case 0:
			return `{"all":[` + strings.Join(kids, ",") + `]}`
		case 1:
			return `{"any":[` + strings.Join(kids, ",") + `]}`
		default:
			return `{"not":` + kids[0] + `}`
		}
	}
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	q := strconv.Quote
	switch rng.IntN(12) {
	case 0:
		return fmt.Sprintf(`{"field":"district","op":"%s","value":[%s,%s]}`, pick("in", "not_in"), q(pick("420111", "420106", "420102", "420115")), q(pick("420103", "420111")))
	case 1:
		return fmt.Sprintf(`{"field":"tags","op":"%s","value":[%s,%s]}`, pick("has_any", "has_all"), q(pick(enterprise.StandardTags...)), q(pick("高新技术企业", "科技型中小企业", "四上企业")))
	case 2:
		return fmt.Sprintf(`{"field":"tags","op":"has","value":%s}`, q(pick("高新技术企业", "民营企业", "四上企业")))
	case 3:
		return fmt.Sprintf(`{"field":"revenue","op":"%s","value":%d}`, pick(">=", "<", "==", "!="), []int64{0, 1000000, 5000000, 20000000}[rng.IntN(4)])
	case 4:
		return fmt.Sprintf(`{"field":"employees","op":"between","value":[%d,%d]}`, rng.IntN(20), 20+rng.IntN(300))
	case 5:
		return fmt.Sprintf(`{"field":"founded","op":"%s","value":"%d-0%d-15"}`, pick(">=", "<=", ">"), 2005+rng.IntN(20), 1+rng.IntN(9))
	case 6:
		return fmt.Sprintf(`{"field":"industry","op":"prefix","value":[%s,%s]}`, q(pick("C", "C39", "I65", "F5", "M")), q(pick("I", "C3", "L72")))
	case 7:
		return fmt.Sprintf(`{"field":"size","op":"%s","value":[%s]}`, pick("in", "not_in"), q(pick(enterprise.Sizes...)))
	case 8:
		return fmt.Sprintf(`{"field":"credit","op":"%s","value":%s}`, pick("==", "!="), q(pick(enterprise.Credits...)))
	case 9:
		return fmt.Sprintf(`{"field":"%s","op":"%s"}`, pick("revenue", "tags", "rd_expense", "founded", "industry", "age_years", "name"), pick("known", "unknown"))
	case 10:
		return fmt.Sprintf(`{"field":"age_years","op":"%s","value":%d}`, pick(">=", "<", "==", "!="), rng.IntN(12))
	default:
		return fmt.Sprintf(`{"field":"rd_expense","op":">","value":%d}`, []int64{0, 100000, 1000000}[rng.IntN(3)])
	}
}

// TestSimulateMatchesSQL checks the engine's simulation (counts, budget,
// groups) against the SQL translation of the same rule, on random rules
// over a synthetic city with unknowns, in both databases — which also
// checks the SQL peer of the benchmark.
func TestSimulateMatchesSQL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{})
		f.seedCity(t, 3000, 11)
		st, err := f.Svc.Start(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Rows != 3000 || st.Took <= 0 {
			t.Fatalf("load stats %+v", st)
		}
		today := workday.Today(f.Clock.Now)
		amounts := []*rule.Amount{nil, {Fixed: 200000}, {Rate: 0.1, Of: "rd_expense", Floor: ptr(int64(1000)), Cap: ptr(int64(500000))}, {Rate: 500, Of: "employees"}}
		rng := rand.New(rand.NewPCG(3, 4))
		n := 300
		if db.Dialect() == store.Postgres {
			n = 150
		}
		ids := f.seedIDs(t)
		for i := range n {
			if i == n/2 {
				// Change some enterprises: the engine's cached groups follow.
				for k := range 20 {
					id := ids[rng.IntN(len(ids))]
					u := enterprise.Update{District: ptr([]string{"420111", "420106", "420113"}[k%3]), Revenue: ptr(int64(k) * 1000000)}
					switch k % 4 {
					case 0:
						u.Clear = []string{"district"}
						u.District = nil
					case 1:
						u.Tags = &[]string{"高新技术企业"}
					}
					f.set(t, id, u)
				}
			}
			src := randRule(rng, 3)
			r := mustRule(t, src)
			a := amounts[i%len(amounts)]
			got, err := f.Svc.Engine().Simulate(r, a, "district", rule.Names{})
			if err != nil {
				t.Fatal(err)
			}
			want, err := sqlpeer.Simulate(ctx, db, r, a, "district", today)
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			if got.Eligible != want.Eligible || got.Unknown != want.Unknown || got.NotEligible != want.NotEligible || got.Budget != want.Budget {
				t.Fatalf("rule %s amount %+v:\nengine %d/%d/%d budget %d\nSQL    %d/%d/%d budget %d",
					src, a, got.Eligible, got.Unknown, got.NotEligible, got.Budget, want.Eligible, want.Unknown, want.NotEligible, want.Budget)
			}
			eg := map[string][2]int64{}
			for _, g := range got.Groups {
				if g.Eligible > 0 {
					eg[g.Key] = [2]int64{int64(g.Eligible), g.Budget}
				}
			}
			sg := map[string][2]int64{}
			for _, g := range want.Groups {
				sg[g.Key] = [2]int64{int64(g.Eligible), g.Budget}
			}
			if fmt.Sprint(eg) != fmt.Sprint(sg) {
				t.Fatalf("rule %s: groups engine %v, SQL %v", src, eg, sg)
			}
			if i < 20 {
				c, err := sqlpeer.CountEligible(ctx, db, r, today)
				if err != nil || uint64(c) != got.Eligible {
					t.Fatalf("count eligible in SQL: %d (%v), engine %d", c, err, got.Eligible)
				}
			}
		}
	})
}

// TestTableFollowsUpdates checks that the engine takes in a changed
// enterprise at once in-process, and that a bulk change ("") reloads it.
func TestTableFollowsUpdates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{events: true})
		ids := f.seedCity(t, 200, 5)
		if _, err := f.Svc.Start(ctx); err != nil {
			t.Fatal(err)
		}
		r := mustRule(t, `{"field":"tags","op":"has","value":"独角兽"}`)
		before := f.Svc.Engine().Evaluate(r).Count().Eligible
		f.set(t, ids[10], enterprise.Update{Tags: &[]string{"独角兽", "高新技术企业"}})
		waitFor(t, time.Second, func() bool { return f.Svc.Engine().Evaluate(r).Count().Eligible == before+1 })
		// Unknown is not zero: clearing revenue makes the enterprise 待补充信息.
		rev := mustRule(t, `{"all":[{"field":"revenue","op":">=","value":0},{"field":"tags","op":"has","value":"独角兽"}]}`)
		f.set(t, ids[10], enterprise.Update{Clear: []string{"revenue"}})
		waitFor(t, time.Second, func() bool {
			row, _ := f.Svc.Engine().Table().Row(ids[10])
			return f.Svc.Engine().Evaluate(rev).Unknown.Contains(row)
		})
		// A bulk change reloads in the background.
		if _, err := db.ExecContext(ctx, `UPDATE enterprises SET tags = '独角兽' WHERE id = ?`, ids[20]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO enterprise_tags (enterprise_id, tag) VALUES (?, '独角兽')`, ids[20]); err != nil {
			t.Fatal(err)
		}
		if err := f.Svc.EnterpriseChanged(ctx, 0); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, func() bool { return f.Svc.Engine().Evaluate(r).Count().Eligible == before+2 })
	})
}

// TestTableAcrossInstances runs two instances on one PostgreSQL
// database: a change made on one reaches the other's snapshot through
// LISTEN/NOTIFY within a second.
func TestTableAcrossInstances(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	a := newFixture(t, storetest.MustOpenDSN(t, dsn), fixtureOptions{events: true, worker: "a"})
	b := newFixture(t, storetest.MustOpenDSN(t, dsn), fixtureOptions{events: true, worker: "b"})
	ctx := context.Background()
	ids := a.seedCity(t, 200, 9)
	for _, f := range []*fixture{a, b} {
		if _, err := f.Svc.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	r := mustRule(t, `{"all":[{"field":"tags","op":"has","value":"独角兽"},{"field":"district","op":"==","value":"420113"}]}`)
	before := b.Svc.Engine().Evaluate(r).Count().Eligible
	start := time.Now()
	a.set(t, ids[3], enterprise.Update{Tags: &[]string{"独角兽"}, District: ptr("420113")})
	waitFor(t, time.Second, func() bool { return b.Svc.Engine().Evaluate(r).Count().Eligible == before+1 })
	t.Logf("the other instance saw the change after %v", time.Since(start))

	// Publishing on one instance rebuilds the other's clause index.
	a.publishedPolicy(t, "汉南区独角兽奖励", clauseInput("奖励", `{"all":[{"field":"tags","op":"has","value":"独角兽"},{"field":"district","op":"==","value":"420113"}]}`))
	waitFor(t, time.Second, func() bool { return b.Svc.Engine().Index().Len() == 1 })
}

func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSimulateRequest(t *testing.T) {
	db := storetest.MustOpenSQLite(t)
	ctx := context.Background()
	f := newFixture(t, db, fixtureOptions{})
	f.seedCity(t, 500, 1)
	if _, err := f.Svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	sim, err := f.Svc.Simulate(ctx, f.Staff, policy.SimulateRequest{Expr: `revenue >= 1000000`, Amount: json.RawMessage(`{"fixed": 10000}`), GroupBy: "district"})
	if err != nil {
		t.Fatal(err)
	}
	if sim.Eligible == 0 || sim.Budget != int64(sim.Eligible)*10000 || sim.Eligible+sim.Unknown+sim.NotEligible != 500 {
		t.Errorf("simulation %+v", sim)
	}
	var sum uint64
	labels := []string{}
	for _, g := range sim.Groups {
		sum += g.Eligible
		labels = append(labels, g.Label)
	}
	if sum != sim.Eligible || !slices.Contains(labels, "洪山区") {
		t.Errorf("groups %+v", sim.Groups)
	}
	if _, err := f.Svc.Simulate(ctx, f.Leader, policy.SimulateRequest{Expr: `revenue >= 1`}); err == nil {
		t.Error("a leader simulated")
	}
	if _, err := f.Svc.Simulate(ctx, f.Staff, policy.SimulateRequest{Expr: `revenue >= 1`, GroupBy: "revenue"}); err == nil {
		t.Error("grouped by a number")
	}
}
