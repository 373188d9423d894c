package policy_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/rule"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

// TestPushIdempotent publishes a policy, runs the push twice and from two
// engines on one database at once, and checks that every eligible
// enterprise got exactly one notification per clause version.
func TestPushIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newFixture(t, db, fixtureOptions{worker: "a"})
		b := newFixture(t, db, fixtureOptions{worker: "b"})
		ids := a.seedCity(t, 1500, 21)
		for _, f := range []*fixture{a, b} {
			if _, err := f.Svc.Start(ctx); err != nil {
				t.Fatal(err)
			}
		}
		ruleJSON := `{"any":[{"field":"tags","op":"has_any","value":["高新技术企业","科技型中小企业"]},{"field":"revenue","op":">=","value":50000000}]}`
		p := a.publishedPolicy(t, "科技企业奖励", clauseInput("奖励", ruleJSON))
		cl := p.Clauses[0]
		// The other instance learns of the publication (no events here).
		if err := b.Svc.Engine().LoadIndex(ctx); err != nil {
			t.Fatal(err)
		}
		want := map[int64]bool{}
		r := mustRule(t, ruleJSON)
		snap := a.Svc.Engine().Table()
		for _, id := range snap.IDs(snap.Evaluate(r).Eligible) {
			want[id] = true
		}
		if len(want) == 0 {
			t.Fatal("nobody eligible")
		}
		// Both instances push the same clause at the same time, then the
		// queued job runs, then a full sweep: still one push each.
		var wg sync.WaitGroup
		results := make([]policy.PushResult, 2)
		errsOut := make([]error, 2)
		for i, f := range []*fixture{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errsOut[i] = f.Svc.PushClause(ctx, p, cl, nil)
			}()
		}
		wg.Wait()
		for _, err := range errsOut {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := results[0].Eligible + results[1].Eligible; got != len(want) {
			t.Errorf("two concurrent pushes notified %d enterprises between them, want %d", got, len(want))
		}
		a.runJobs(t)
		b.runJobs(t)
		if res, err := b.Svc.PushAll(ctx, nil); err != nil || res.Eligible != 0 {
			t.Errorf("sweep after the push: %+v %v, want nothing new", res, err)
		}
		got := notifications(t, db, policy.KindPush)
		if len(got) != len(want) {
			t.Errorf("%d enterprises notified, want %d", len(got), len(want))
		}
		for id, n := range got {
			if n != 1 || !want[id] {
				t.Errorf("enterprise %d: %d notifications (eligible %v)", id, n, want[id])
			}
		}
		// Notifications go to the outbound channels too: each one is in the
		// enterprise's inbox.
		n, err := a.Notify.UnreadCount(ctx, notifyEnterprise(ids, want))
		if err != nil || n != 1 {
			t.Errorf("inbox of an eligible enterprise: %d unread (%v), want 1", n, err)
		}
		// Each push names its own notification (the metrics count a read
		// notification as a read push).
		var linked int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM policy_pushes pp JOIN notifications n
			ON n.id = pp.notification_id AND n.enterprise_id = pp.enterprise_id WHERE pp.clause_version_id = ?`, cl.ID).Scan(&linked); err != nil || linked != len(want) {
			t.Errorf("%d pushes linked to their notifications (%v), want %d", linked, err, len(want))
		}

		// An enterprise that becomes eligible is pushed once, however often
		// its change is announced.
		var newcomer int64
		for _, id := range ids {
			if !want[id] {
				newcomer = id
				break
			}
		}
		a.set(t, newcomer, enterprise.Update{Tags: &[]string{"高新技术企业"}})
		a.set(t, newcomer, enterprise.Update{Revenue: ptr(int64(1))})
		if err := b.Svc.Engine().Refresh(ctx, newcomer); err != nil {
			t.Fatal(err)
		}
		a.runJobs(t)
		if _, err := b.Svc.PushEnterprise(ctx, newcomer); err != nil {
			t.Fatal(err)
		}
		if got := notifications(t, db, policy.KindPush)[newcomer]; got != 1 {
			t.Errorf("newly eligible enterprise: %d notifications, want 1", got)
		}

		// A new version is pushed again, once.
		in := clauseInput("奖励（第二版）", ruleJSON)
		c2, err := a.Svc.UpdateClause(ctx, a.Staff, cl.ClauseID, in)
		if err != nil {
			t.Fatal(err)
		}
		a.runJobs(t)
		b.runJobs(t)
		var v2 int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM policy_pushes WHERE clause_version_id = ? AND outcome = ?`, c2.ID, policy.PushEligible).Scan(&v2); err != nil {
			t.Fatal(err)
		}
		if v2 != len(want)+1 {
			t.Errorf("pushes of version 2: %d, want %d", v2, len(want)+1)
		}
		for id, n := range notifications(t, db, policy.KindPush) {
			if n != 2 {
				t.Errorf("enterprise %d: %d notifications after the second version, want 2", id, n)
				break
			}
		}
	})
}

// notifyEnterprise returns an account of the first eligible enterprise,
// which has nothing addressed to itself: its inbox is its enterprise's.
func notifyEnterprise(ids []int64, eligible map[int64]bool) *auth.Actor {
	for _, id := range ids {
		if eligible[id] {
			return &auth.Actor{UserID: 1 << 40, Role: auth.RoleEnterprise, EnterpriseID: &id}
		}
	}
	return nil
}

// TestPushUnknown checks the "please fill in" push and its upgrade once the
// enterprise fills in the value and fits.
func TestPushUnknown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{})
		ids := f.seedCity(t, 100, 3)
		if _, err := f.Svc.Start(ctx); err != nil {
			t.Fatal(err)
		}
		target := ids[0]
		f.set(t, target, enterprise.Update{District: ptr("420111"), Tags: &[]string{"高新技术企业"}, Clear: []string{"revenue"}})
		in := clauseInput("研发奖励", hongshanHighTech)
		in.PushUnknown = true
		in.UnknownMessage = "请登录一企一档补充上年度营业收入。"
		f.publishedPolicy(t, "洪山区高企奖励", in)
		f.runJobs(t)
		var kind, title, body, link string
		err := db.QueryRowContext(ctx, `SELECT kind, title, body, link FROM notifications WHERE enterprise_id = ? ORDER BY id`, target).Scan(&kind, &title, &body, &link)
		if err != nil {
			t.Fatal(err)
		}
		if kind != policy.KindPushUnknown || !strings.Contains(body, "请补充：营业收入") || !strings.Contains(body, "请登录一企一档") ||
			link != "/enterprises/"+itoa(target)+"/policies" {
			t.Errorf("unknown push: %s %q %q %q", kind, title, body, link)
		}
		// Filling in the revenue makes it eligible: the push is upgraded once.
		f.set(t, target, enterprise.Update{Revenue: ptr(int64(30000000))})
		f.runJobs(t)
		f.set(t, target, enterprise.Update{Employees: ptr(int64(88))})
		f.runJobs(t)
		if got := notifications(t, db, policy.KindPush)[target]; got != 1 {
			t.Errorf("after filling in: %d eligible pushes, want 1", got)
		}
		var outcome string
		if err := db.QueryRowContext(ctx, `SELECT outcome FROM policy_pushes WHERE enterprise_id = ?`, target).Scan(&outcome); err != nil || outcome != policy.PushEligible {
			t.Errorf("push outcome %q (%v)", outcome, err)
		}
	})
}

// TestCheckupExplains checks 政策体检: outcomes, amounts, deadlines and
// the explanation of the conditions not met, and who may see it.
func TestCheckupExplains(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{})
		ids := f.seedCity(t, 100, 4)
		if _, err := f.Svc.Start(ctx); err != nil {
			t.Fatal(err)
		}
		me := ids[5]
		f.set(t, me, enterprise.Update{District: ptr("420111"), Tags: &[]string{"高新技术企业"}, Employees: ptr(int64(120)),
			RDExpense: ptr(int64(3000000)), Credit: ptr("正常"), Clear: []string{"revenue"}})
		yes := clauseInput("研发费用补助", `{"all":[{"field":"tags","op":"has","value":"高新技术企业"},{"field":"employees","op":"<=","value":300}]}`)
		yes.Amount = json.RawMessage(`{"rate": 0.1, "of": "rd_expense", "cap": 500000}`)
		yes.WindowTo = ptr(workday.MustParseDate("2026-06-30"))
		unknown := clauseInput("规模奖励", hongshanHighTech)
		no := clauseInput("外资奖励", `{"all":[{"field":"tags","op":"has","value":"外资企业"},{"not":{"field":"credit","op":"==","value":"严重失信"}}]}`)
		f.publishedPolicy(t, "科技创新十条", yes, unknown, no)

		if _, err := f.Svc.Checkup(ctx, enterpriseActor(ids[6]), me); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("another enterprise reads the checkup: %v", err)
		}
		if _, err := f.Svc.Checkup(ctx, f.Specialist, me); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("a specialist of other enterprises reads it: %v", err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO enterprise_assignments (enterprise_id, specialist_user_id, assigned_at, how) VALUES (?, ?, 0, '手动')`, me, f.Specialist.UserID); err != nil {
			t.Fatal(err)
		}
		for _, a := range []struct {
			name string
			c    *policyActor
		}{{"own enterprise", &policyActor{enterpriseActor(me)}}, {"its specialist", &policyActor{f.Specialist}}, {"leader", &policyActor{f.Leader}}} {
			c, err := f.Svc.Checkup(ctx, a.c.a, me)
			if err != nil {
				t.Fatalf("%s: %v", a.name, err)
			}
			if len(c.Items) != 3 || c.Eligible != 1 || c.Unknown != 1 || c.NotEligible != 1 {
				t.Fatalf("%s: items %d, %d/%d/%d", a.name, len(c.Items), c.Eligible, c.Unknown, c.NotEligible)
			}
		}
		c, _ := f.Svc.Checkup(ctx, enterpriseActor(me), me)
		first, second, third := c.Items[0], c.Items[1], c.Items[2]
		if first.Clause.Title != "研发费用补助" || first.Outcome != rule.Yes || first.Amount == nil || *first.Amount != 300000 ||
			first.Deadline == nil || first.Deadline.String() != "2026-06-30" || len(first.Leaves) != 0 || c.TotalAmount != 300000 {
			t.Errorf("eligible item: %+v (amount %v)", first, first.Amount)
		}
		if second.Clause.Title != "规模奖励" || second.Outcome != rule.Unknown || len(second.Leaves) != 1 ||
			second.Leaves[0].Condition != "营业收入不低于2000万元" || second.Leaves[0].Actual != "未知" ||
			second.Leaves[0].Outcome != rule.Unknown || strings.Join(second.Missing, ",") != "revenue" {
			t.Errorf("unknown item: %+v", second)
		}
		if third.Clause.Title != "外资奖励" || third.Outcome != rule.No || len(third.Leaves) != 1 ||
			third.Leaves[0].Condition != "具有“外资企业”标签" || third.Leaves[0].Actual != "高新技术企业" {
			t.Errorf("failing item: %+v", third)
		}
		// 不符合 promises nothing: no amount (the clause grants 20万 to those
		// who fit) and no way to claim; the others say how to claim.
		if third.Amount != nil || third.Claim != "" {
			t.Errorf("failing item: amount %v, claim %q; want none", third.Amount, third.Claim)
		}
		if !strings.HasPrefix(first.Claim, "免申即享") || !strings.HasPrefix(second.Claim, "免申即享") {
			t.Errorf("claims %q, %q", first.Claim, second.Claim)
		}
	})
}

type policyActor struct{ a *auth.Actor }

// TestSubscriptionsAndMetrics checks category subscriptions and the
// per-policy figures (eligible, pushed, read, 主动推送率).
func TestSubscriptionsAndMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{})
		ids := f.seedCity(t, 400, 8)
		if _, err := f.Svc.Start(ctx); err != nil {
			t.Fatal(err)
		}
		sub := ids[1]
		if err := f.Svc.SetSubscriptions(ctx, enterpriseActor(sub), sub, []string{"资金扶持", "人才服务"}); err != nil {
			t.Fatal(err)
		}
		if err := f.Svc.SetSubscriptions(ctx, enterpriseActor(sub), ids[2], []string{"资金扶持"}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("subscribing for another enterprise: %v", err)
		}
		if err := f.Svc.SetSubscriptions(ctx, enterpriseActor(sub), sub, []string{"补贴"}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("unknown category: %v", err)
		}
		if got, _ := f.Svc.Subscriptions(ctx, enterpriseActor(sub), sub); strings.Join(got, ",") != "人才服务,资金扶持" {
			t.Errorf("subscriptions %v", got)
		}
		p := f.publishedPolicy(t, "规上企业奖励", clauseInput("奖励", `{"field":"tags","op":"has","value":"民营企业"}`))
		f.runJobs(t)
		if n := notifications(t, db, policy.KindSubscription); n[sub] != 1 || len(n) != 1 {
			t.Errorf("subscription notices %v", n)
		}
		m, err := f.Svc.PolicyMetrics(ctx, f.Leader, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.Eligible == 0 || m.Pushed != int(m.Eligible) || m.Rate != 1 || m.Read != 0 || m.Budget != int64(m.Eligible)*200000 {
			t.Errorf("metrics %+v", m)
		}
		// Reading: the enterprise opens the policy.
		var reader int64
		if err := db.QueryRowContext(ctx, `SELECT enterprise_id FROM policy_pushes LIMIT 1`).Scan(&reader); err != nil {
			t.Fatal(err)
		}
		if err := f.Svc.MarkRead(ctx, enterpriseActor(reader), p.ID); err != nil {
			t.Fatal(err)
		}
		if m, _ = f.Svc.PolicyMetrics(ctx, f.Admin, p.ID); m.Read != 1 {
			t.Errorf("read %d, want 1", m.Read)
		}
		if _, err := f.Svc.PolicyMetrics(ctx, f.OtherStaff, p.ID); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("another unit reads the metrics: %v", err)
		}
		if _, err := f.Svc.PolicyMetrics(ctx, enterpriseActor(sub), p.ID); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("an enterprise reads the metrics: %v", err)
		}
	})
}
