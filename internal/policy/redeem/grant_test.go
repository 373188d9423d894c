package redeem_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/redeem"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

// TestGrantList walks a 免申即享 list from generation to confirmation: only
// eligible enterprises on verified data are listed with amount, data and
// rule version; re-running adds only new ones; exclusion needs a reason;
// approval tells the enterprises; confirmation checks pledge and account
// and creates the payment once.
func TestGrantList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{})
		ents := []*enterprise.Enterprise{firm(1, 3e7, "高新技术企业"), firm(2, 5e7, "高新技术企业"), firm(3, 1e7), firm(4, 2e7, "高新技术企业")}
		ids := f.seed(t, ents...)
		pol, cl := f.publish(t, "本企业承诺所报数据真实。", clause(policy.ModeAutomatic, highTech, `{"rate": 0.01, "of": "revenue"}`))

		// A pending self-report does not make enterprise 3 eligible.
		if _, err := f.Self.SubmitSelfReport(ctx, f.account(t, ids[2]), ids[2], map[string]string{"tags": "高新技术企业"}); err != nil {
			t.Fatal(err)
		}
		jobID, err := f.Svc.GenerateGrants(ctx, f.Staff, cl.ClauseID)
		if err != nil {
			t.Fatal(err)
		}
		f.runJobs(t)
		job, err := f.Svc.Generation(ctx, f.Staff, cl.ClauseID)
		if err != nil || job == nil || job.ID != jobID || job.Status != "done" {
			t.Fatalf("generation job = %+v, %v", job, err)
		}
		gs := f.grants(t, cl.ClauseID)
		if len(gs) != 3 || gs[ids[2]] != nil {
			t.Fatalf("listed %d grants (%v), want enterprises 1, 2, 4", len(gs), gs)
		}
		g := gs[ids[1]]
		var data map[string]any
		if err := json.Unmarshal(g.Data, &data); err != nil {
			t.Fatal(err)
		}
		if g.Amount != 500000 || g.Status != redeem.GrantListed || g.RuleVersion != 1 || g.Origin != redeem.OriginList || data["revenue"] != float64(5e7) {
			t.Errorf("grant = %+v data %v", g, data)
		}

		t.Run("OKRepeatable", func(t *testing.T) {
			f.seed(t, firm(5, 1e6, "高新技术企业"))
			res, err := f.Svc.Generate(ctx, f.Staff, cl.ClauseID)
			if err != nil {
				t.Fatal(err)
			}
			if res.Added != 1 || res.Listed != 3 || res.Eligible != 4 {
				t.Errorf("second run = %+v, want 1 added, 3 listed", res)
			}
			if res, err = f.Svc.Generate(ctx, f.Staff, cl.ClauseID); err != nil || res.Added != 0 {
				t.Errorf("third run = %+v, %v", res, err)
			}
			if n := f.count(t, `SELECT COUNT(*) FROM policy_grants WHERE clause_id = ?`, cl.ClauseID); n != 4 {
				t.Errorf("%d grant rows, want 4", n)
			}
		})
		t.Run("ErrOtherUnit", func(t *testing.T) {
			if _, err := f.Svc.GenerateGrants(ctx, f.OtherStaff, cl.ClauseID); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("other unit: %v", err)
			}
			if _, err := f.Svc.ApproveGrants(ctx, f.Leader, cl.ClauseID); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("leader approves: %v", err)
			}
		})
		t.Run("ErrExcludeWithoutReason", func(t *testing.T) {
			if _, err := f.Svc.ExcludeGrants(ctx, f.Staff, cl.ClauseID, []int64{gs[ids[3]].ID}, " "); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("exclude without reason: %v", err)
			}
		})
		n, err := f.Svc.ExcludeGrants(ctx, f.Staff, cl.ClauseID, []int64{gs[ids[3]].ID}, "经核查已迁出本市")
		if err != nil || n != 1 {
			t.Fatalf("exclude = %d, %v", n, err)
		}
		res, err := f.Svc.ApproveGrants(ctx, f.Staff, cl.ClauseID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Approved != 3 || res.Status != redeem.GrantConfirming || res.ApprovedAmount != 300000+500000+10000 {
			t.Errorf("approve = %+v", res)
		}
		if _, err := f.Svc.ApproveGrants(ctx, f.Staff, cl.ClauseID); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("approve twice: %v", err)
		}
		f.runJobs(t)
		if n := f.count(t, `SELECT COUNT(*) FROM notifications WHERE kind = ? AND enterprise_id = ?`, redeem.KindGrant, ids[0]); n != 1 {
			t.Errorf("enterprise 1 told %d times, want 1", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM notifications WHERE kind = ? AND enterprise_id = ?`, redeem.KindGrant, ids[3]); n != 0 {
			t.Errorf("excluded enterprise told %d times", n)
		}

		g = f.grants(t, cl.ClauseID)[ids[0]]
		owner := f.account(t, ids[0])
		t.Run("ErrConfirm", func(t *testing.T) {
			good := redeem.Confirmation{Agree: true, Account: bankAccount(ents[0])}
			for name, tc := range map[string]struct {
				who  bool // as another enterprise
				in   redeem.Confirmation
				code errs.Code
			}{
				"OtherEnterprise": {who: true, in: good, code: errs.NotFound},
				"NoPledge":        {in: redeem.Confirmation{Account: good.Account}, code: errs.Invalid},
				"WrongName":       {in: redeem.Confirmation{Agree: true, Account: redeem.Account{Name: "别家公司", Number: "6222021001123456789", Bank: "工行"}}, code: errs.Invalid},
				"BadNumber":       {in: redeem.Confirmation{Agree: true, Account: redeem.Account{Name: ents[0].Name, Number: "12AB", Bank: "工行"}}, code: errs.Invalid},
				"NoBank":          {in: redeem.Confirmation{Agree: true, Account: redeem.Account{Name: ents[0].Name, Number: "6222021001123456789"}}, code: errs.Invalid},
			} {
				t.Run(name, func(t *testing.T) {
					a := owner
					if tc.who {
						a = f.account(t, ids[1])
					}
					if _, err := f.Svc.ConfirmGrant(ctx, a, g.ID, tc.in); errs.CodeOf(err) != tc.code {
						t.Errorf("got %v, want %s", err, tc.code)
					}
				})
			}
		})
		got, err := f.Svc.ConfirmGrant(ctx, owner, g.ID, redeem.Confirmation{Agree: true,
			Account: redeem.Account{Name: " " + ents[0].Name, Number: "6222-0210-0112-3456-789", Bank: "中国工商银行武汉光谷支行"}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != redeem.GrantConfirmed || got.Account.Number != "6222021001123456789" || got.Pledge != "本企业承诺所报数据真实。" ||
			len(got.Payments) != 1 || got.Payments[0].Amount != 300000 || got.Payments[0].Status != redeem.PaymentPending ||
			got.Payments[0].Kind != redeem.PaymentFull || got.Payments[0].Reference != redeem.Reference(g.ID, redeem.PaymentFull, 1) {
			t.Errorf("confirmed = %+v, payments %+v", got, got.Payments)
		}
		if got.Payments[0].DueOn.String() != "2026-03-09" {
			t.Errorf("due on %s, want 5 working days later, 2026-03-09", got.Payments[0].DueOn)
		}
		if _, err := f.Svc.ConfirmGrant(ctx, owner, g.ID, redeem.Confirmation{Agree: true, Account: bankAccount(ents[0])}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("confirm twice: %v", err)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM policy_payments WHERE grant_id = ?`, g.ID); n != 1 {
			t.Errorf("%d payments, want 1", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE entity = 'grant' AND entity_id = ? AND action IN ('approve', 'confirm')`, itoa(g.ID)); n != 2 {
			t.Errorf("%d audit entries of the grant's approval and confirmation, want 2", n)
		}
		_ = pol
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestBudgetRules checks that a list never passes its clause's budget and
// is cut by the clause's rule, whether approval reads the list in one chunk
// or crosses chunks (of 1 and 3 grants), with one audit entry per grant.
func TestBudgetRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{})
		// Revenues 1, 4, 2, 3 千万: amounts 10, 40, 20, 30 万 at 1 %; total 100 万.
		ids := f.seed(t, firm(1, 1e7, "高新技术企业"), firm(2, 4e7, "高新技术企业"), firm(3, 2e7, "高新技术企业"), firm(4, 3e7, "高新技术企业"))
		for _, chunk := range []int{redeem.ChunkRows, 1, 3} {
			redeem.SetChunkRows(f.Svc, chunk)
			for _, tc := range []struct {
				name, rule, order string
				want              map[int]int64 // index → approved, -1 cut
			}{
				{"FirstCome", policy.BudgetFirstCome, "", map[int]int64{0: 100000, 1: 400000, 2: -1, 3: -1}},
				{"ProRata", policy.BudgetProRata, "", map[int]int64{0: 60000, 1: 240000, 2: 120000, 3: 180000}},
				{"ByFieldDesc", policy.BudgetByField, "-revenue", map[int]int64{1: 400000, 3: -1, 2: -1, 0: -1}},
				{"ByFieldAsc", policy.BudgetByField, "revenue", map[int]int64{0: 100000, 2: 200000, 3: 300000, 1: -1}},
			} {
				t.Run(fmt.Sprintf("OK%s/chunk%d", tc.name, chunk), func(t *testing.T) {
					c := clause(policy.ModeAutomatic, highTech, `{"rate": 0.01, "of": "revenue"}`)
					c.Budget, c.BudgetRule, c.BudgetOrder = ptr(int64(600000)), tc.rule, tc.order
					_, cl := f.publish(t, "", c)
					if _, err := f.Svc.Generate(ctx, f.Staff, cl.ClauseID); err != nil {
						t.Fatal(err)
					}
					res, err := f.Svc.ApproveGrants(ctx, f.Staff, cl.ClauseID)
					if err != nil {
						t.Fatal(err)
					}
					gs := f.grants(t, cl.ClauseID)
					var sum int64
					for i, want := range tc.want {
						g := gs[ids[i]]
						switch {
						case want < 0 && g.Status != redeem.GrantExcluded:
							t.Errorf("enterprise %d: %s, want cut", i+1, g.Status)
						case want >= 0 && (g.ApprovedAmount == nil || *g.ApprovedAmount != want):
							t.Errorf("enterprise %d approved %v, want %d", i+1, g.ApprovedAmount, want)
						}
						if want > 0 {
							sum += want
						}
					}
					if sum > 600000 || res.ApprovedAmount != sum {
						t.Errorf("approved %d (result %d), budget 600000", sum, res.ApprovedAmount)
					}
					if used := f.count(t, `SELECT budget_used FROM policy_redeem_clauses WHERE clause_id = ?`, cl.ClauseID); int64(used) != sum {
						t.Errorf("budget used %d, want %d", used, sum)
					}
					if res.Approved+res.Cut != len(tc.want) {
						t.Errorf("result %+v: %d grants", res, len(tc.want))
					}
					for i := range tc.want {
						action := "approve"
						if tc.want[i] < 0 {
							action = "exclude"
						}
						if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE entity = 'grant' AND entity_id = ? AND action = ?`,
							itoa(gs[ids[i]].ID), action); n != 1 {
							t.Errorf("enterprise %d: %d audit entries %s", i+1, n, action)
						}
					}
				})
			}
		}
	})
}

// TestCountersign checks the office's countersignature and the four-eyes
// rule on it.
func TestCountersign(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{countersign: true})
		f.seed(t, firm(1, 3e7, "高新技术企业"), firm(2, 5e7, "高新技术企业"))
		c := clause(policy.ModeAutomatic, highTech, `{"fixed": 100000}`)
		c.Budget = ptr(int64(1000000))
		_, cl := f.publish(t, "", c)
		if _, err := f.Svc.Generate(ctx, f.Staff, cl.ClauseID); err != nil {
			t.Fatal(err)
		}
		// An administrator approves: another must countersign.
		res, err := f.Svc.ApproveGrants(ctx, f.Admin, cl.ClauseID)
		if err != nil || res.Status != redeem.GrantCountersign {
			t.Fatalf("approve = %+v, %v", res, err)
		}
		if _, err := f.Svc.Countersign(ctx, f.Staff, cl.ClauseID, true, ""); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("unit countersigns: %v", err)
		}
		if _, err := f.Svc.Countersign(ctx, f.Admin, cl.ClauseID, true, ""); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("approver countersigns: %v", err)
		}
		if _, err := f.Svc.Countersign(ctx, f.Admin2, cl.ClauseID, false, ""); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("reject without note: %v", err)
		}
		if _, err := f.Svc.Countersign(ctx, f.Admin2, cl.ClauseID, false, "请核实企业迁移情况"); err != nil {
			t.Fatal(err)
		}
		if used := f.count(t, `SELECT budget_used FROM policy_redeem_clauses WHERE clause_id = ?`, cl.ClauseID); used != 0 {
			t.Errorf("budget used %d after the return, want 0", used)
		}
		for _, g := range f.grants(t, cl.ClauseID) {
			if g.Status != redeem.GrantListed || g.Reason == "" {
				t.Errorf("returned grant %+v", g)
			}
		}
		if _, err := f.Svc.ApproveGrants(ctx, f.Staff, cl.ClauseID); err != nil {
			t.Fatal(err)
		}
		q, err := f.Svc.CountersignQueue(ctx, f.Admin)
		if err != nil || len(q) != 1 || q[0].Count != 2 || q[0].Amount != 200000 {
			t.Fatalf("queue = %+v, %v", q, err)
		}
		if res, err = f.Svc.Countersign(ctx, f.Admin, cl.ClauseID, true, ""); err != nil || res.Status != redeem.GrantConfirming || res.Approved != 2 {
			t.Fatalf("countersign = %+v, %v", res, err)
		}
		f.runJobs(t)
		if n := f.count(t, `SELECT COUNT(*) FROM notifications WHERE kind = ?`, redeem.KindGrant); n != 2 {
			t.Errorf("%d enterprises told, want 2", n)
		}
	})
}

// TestExpiry moves the clock past the confirmation deadline: reminders
// first, then the grant expires and its budget is released.
func TestExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{})
		ids := f.seed(t, firm(1, 3e7, "高新技术企业"))
		c := clause(policy.ModeAutomatic, highTech, `{"fixed": 100000}`)
		c.Budget = ptr(int64(100000))
		_, cl := f.publish(t, "", c)
		if _, err := f.Svc.Generate(ctx, f.Staff, cl.ClauseID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.ApproveGrants(ctx, f.Staff, cl.ClauseID); err != nil {
			t.Fatal(err)
		}
		g := f.grants(t, cl.ClauseID)[ids[0]]
		if g.ConfirmBy == nil || g.ConfirmBy.String() != "2026-03-16" {
			t.Fatalf("confirm by %v, want 10 working days: 2026-03-16", g.ConfirmBy)
		}
		res, err := f.Svc.Expire(ctx)
		if err != nil || res.Expired != 0 || res.Reminded != 0 {
			t.Fatalf("expire on day one = %+v, %v", res, err)
		}
		f.Clock.advanceDays(10) // Thursday 12 March: two working days left
		if res, err = f.Svc.Expire(ctx); err != nil || res.Reminded != 1 {
			t.Fatalf("expire two days before = %+v, %v", res, err)
		}
		if res, err = f.Svc.Expire(ctx); err != nil || res.Reminded != 1 {
			t.Fatalf("again = %+v, %v", res, err)
		}
		f.Clock.advanceDays(4) // the last day
		if _, err = f.Svc.Expire(ctx); err != nil {
			t.Fatal(err)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM notifications WHERE enterprise_id = ? AND dedupe_key LIKE 'redeem.grant:%:remind:%'`, ids[0]); n != 2 {
			t.Errorf("%d reminders, want 2 (soon and last day)", n)
		}
		f.Clock.advanceDays(1)
		if res, err = f.Svc.Expire(ctx); err != nil || res.Expired != 1 {
			t.Fatalf("expire after the deadline = %+v, %v", res, err)
		}
		g = f.grants(t, cl.ClauseID)[ids[0]]
		if g.Status != redeem.GrantExpired {
			t.Errorf("status %s, want 已过期", g.Status)
		}
		if used := f.count(t, `SELECT budget_used FROM policy_redeem_clauses WHERE clause_id = ?`, cl.ClauseID); used != 0 {
			t.Errorf("budget used %d, want released", used)
		}
		if _, err := f.Svc.ConfirmGrant(ctx, f.account(t, ids[0]), g.ID, redeem.Confirmation{Account: bankAccount(firm(1, 0))}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("confirm an expired grant: %v", err)
		}
	})
}
