package redeem_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/redeem"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

// TestPerformance runs a list through approval, exclusion, expiry,
// objection and payment, then reads the policy's performance, the home
// figures and the units' timeliness.
func TestPerformance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{})
		ents := []*enterprise.Enterprise{firm(1, 3e7, "高新技术企业"), firm(2, 5e7, "高新技术企业", "专精特新"), firm(3, 2e7, "高新技术企业"), firm(4, 1e7)}
		ids := f.seed(t, ents...)
		pol, cl := f.publish(t, "", clause(policy.ModeAutomatic, highTech, `{"fixed": 100000}`))
		if _, err := f.Svc.Generate(ctx, f.Staff, cl.ClauseID); err != nil {
			t.Fatal(err)
		}
		gs := f.grants(t, cl.ClauseID)
		if _, err := f.Svc.ExcludeGrants(ctx, f.Staff, cl.ClauseID, []int64{gs[ids[2]].ID}, "已迁出"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.ApproveGrants(ctx, f.Staff, cl.ClauseID); err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, 1} {
			if _, err := f.Svc.ConfirmGrant(ctx, f.account(t, ids[i]), gs[ids[i]].ID, redeem.Confirmation{Account: bankAccount(ents[i])}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.Svc.FileObjection(ctx, f.account(t, ids[3]), cl.ClauseID, redeem.ObjectionInput{Statement: "已认定高企"}, nil); err != nil {
			t.Fatal(err)
		}
		b, err := f.Svc.CreateBatch(ctx, f.Staff, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Paid in 2 and 7 working days (the limit is 5).
		file := bankFile([5]string{redeem.Reference(gs[ids[0]].ID, redeem.PaymentFull, 1), "成功", "", "A", "2026-03-04"},
			[5]string{redeem.Reference(gs[ids[1]].ID, redeem.PaymentFull, 1), "成功", "", "B", "2026-03-11"})
		if _, err := f.Svc.ImportBankResults(ctx, f.Staff, b.ID, bytes.NewReader(file)); err != nil {
			t.Fatal(err)
		}
		f.load(t)
		p, err := f.Svc.PolicyPerformance(ctx, f.Leader, pol.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := p.Clauses[0]
		if c.Eligible == nil || *c.Eligible != 3 || c.Listed != 3 || c.Approved != 2 || c.Confirmed != 2 || c.Refused != 1 ||
			c.Objections != 1 || c.AmountApproved != 200000 || c.AmountPaid != 200000 || c.Payments != 2 || c.PaidLate != 1 ||
			c.AvgDaysToPay != 4.5 || c.P90DaysToPay != 7 {
			t.Errorf("clause performance = %+v", c)
		}
		if len(c.RefusedBy) != 1 || c.RefusedBy[0].Reason != "已迁出" || c.RefusedBy[0].Count != 1 {
			t.Errorf("refused by %+v", c.RefusedBy)
		}
		if p.Total.Approved != 2 || p.Total.AmountPaid != 200000 {
			t.Errorf("total = %+v", p.Total)
		}
		tags := map[string]int{}
		for _, g := range p.Breakdown["tag"] {
			tags[g.Key] = g.Count
		}
		if tags["高新技术企业"] != 2 || tags["专精特新"] != 1 || len(p.Breakdown["district"]) != 1 || p.Breakdown["district"][0].Label != "洪山区" {
			t.Errorf("breakdown = %+v", p.Breakdown)
		}
		// Later revenue: enterprise 1 (granted) grows, enterprise 3 (excluded) shrinks.
		f.Clock.advanceDays(30)
		if _, err := f.Ents.UpdateEnterprise(ctx, f.Admin, ids[0], enterprise.Update{Revenue: ptr(int64(4.5e7)), Source: enterprise.SourceShared}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Ents.UpdateEnterprise(ctx, f.Admin, ids[2], enterprise.Update{Revenue: ptr(int64(1e7)), Source: enterprise.SourceShared}); err != nil {
			t.Fatal(err)
		}
		if p, err = f.Svc.PolicyPerformance(ctx, f.Leader, pol.ID); err != nil {
			t.Fatal(err)
		}
		o := p.Outcomes[0]
		if o.Field != "revenue" || o.Granted.N != 1 || o.Granted.Before != 3e7 || o.Granted.After != 4.5e7 || o.Granted.Growth != 0.5 ||
			o.NotGranted.N != 1 || o.NotGranted.Growth != -0.5 {
			t.Errorf("outcome = %+v", o)
		}
		if _, err := f.Svc.PolicyPerformance(ctx, f.OtherStaff, pol.ID); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("other unit reads performance: %v", err)
		}
		var xl bytes.Buffer
		if err := f.Svc.ExportPerformance(ctx, f.Staff, pol.ID, &xl); err != nil {
			t.Fatal(err)
		}
		book, err := excelize.OpenReader(&xl)
		if err != nil {
			t.Fatal(err)
		}
		if rows, _ := book.GetRows("条款"); len(rows) != 3 || rows[1][0] != "奖励" {
			t.Errorf("xlsx clause rows %q", rows)
		}

		fig, err := f.Svc.Figures(ctx, f.Staff)
		if err != nil || fig.Scope != "市科技创新局" || fig.Paid != 2 || fig.PaidLate != 1 || fig.OnTimeRate != 0.5 || fig.Objections != 1 || fig.Confirming != 0 {
			t.Errorf("unit figures = %+v, %v", fig, err)
		}
		if fig, err := f.Svc.Figures(ctx, f.account(t, ids[0])); err != nil || fig != nil {
			t.Errorf("enterprise figures = %+v, %v", fig, err)
		}
		rank, err := f.Svc.FindTimeliness(ctx, f.Leader)
		if err != nil || len(rank) != 1 || rank[0].Paid != 2 || rank[0].OnTime != 1 || rank[0].P90Days != 7 {
			t.Errorf("timeliness = %+v, %v", rank, err)
		}
		if _, err := f.Svc.FindTimeliness(ctx, f.Staff); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("unit reads the ranking: %v", err)
		}
	})
}
