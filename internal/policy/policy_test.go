package policy_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

func TestLifecycleAndVersioning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{})
		ids := f.seedCity(t, 300, 7)
		if _, err := f.Svc.Start(ctx); err != nil {
			t.Fatal(err)
		}
		f.set(t, ids[0], enterprise.Update{District: ptr("420111"), Tags: &[]string{"高新技术企业"}, Revenue: ptr(int64(30000000))})

		t.Run("ErrForbidden", func(t *testing.T) {
			for _, a := range []*struct{ name string }{{"leader"}, {"specialist"}} {
				actor := f.Leader
				if a.name == "specialist" {
					actor = f.Specialist
				}
				_, err := f.Svc.CreatePolicy(ctx, actor, policy.PolicyInput{Title: "x", Category: "其他"})
				if errs.CodeOf(err) != errs.Forbidden {
					t.Errorf("%s creates a policy: %v, want forbidden", a.name, err)
				}
			}
		})

		p, err := f.Svc.CreatePolicy(ctx, f.Staff, policy.PolicyInput{Title: "高新技术企业研发奖励", DocNo: "武科规〔2026〕2号", Category: "资金扶持",
			EffectiveTo: ptr(workday.MustParseDate("2026-12-31"))})
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != policy.StatusDraft || p.IssuingUnitID == nil || *p.IssuingUnitID != f.Unit.ID {
			t.Fatalf("new policy: status %s, issuing unit %v; want 草稿 and the staff's unit", p.Status, p.IssuingUnitID)
		}
		if _, err := f.Svc.AddClause(ctx, f.OtherStaff, p.ID, clauseInput("研发奖励", hongshanHighTech)); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("another unit adds a clause to a draft it cannot see: %v, want not found", err)
		}
		if _, err := f.Svc.FindPolicyByID(ctx, enterpriseActor(ids[0]), p.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("enterprise reads a draft: %v, want not found", err)
		}
		if _, err := f.Svc.Submit(ctx, f.Staff, p.ID); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("submit without clauses: %v, want invalid", err)
		}
		c1, err := f.Svc.AddClause(ctx, f.Staff, p.ID, clauseInput("研发奖励", hongshanHighTech))
		if err != nil {
			t.Fatal(err)
		}
		// Editing a draft overwrites the version.
		in := clauseInput("研发奖励（修订）", hongshanHighTech)
		c1b, err := f.Svc.UpdateClause(ctx, f.Staff, c1.ClauseID, in)
		if err != nil {
			t.Fatal(err)
		}
		if c1b.ID != c1.ID || c1b.Version != 1 || c1b.Title != "研发奖励（修订）" {
			t.Errorf("draft edit: got version %d id %d title %q, want the same version overwritten", c1b.Version, c1b.ID, c1b.Title)
		}
		if _, err := f.Svc.Submit(ctx, f.Staff, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.Review(ctx, f.Staff, p.ID, true, ""); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("unit staff reviews: %v, want forbidden", err)
		}
		if _, err := f.Svc.Review(ctx, f.Admin, p.ID, false, ""); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("reject without a note: %v, want invalid", err)
		}
		rp, err := f.Svc.Review(ctx, f.Admin, p.ID, false, "请补充兑现单位")
		if err != nil || rp.Status != policy.StatusDraft || rp.ReviewNote != "请补充兑现单位" {
			t.Fatalf("reject: %v %+v", err, rp)
		}
		if _, err := f.Svc.Submit(ctx, f.Staff, p.ID); err != nil {
			t.Fatal(err)
		}
		pp, err := f.Svc.Review(ctx, f.Admin, p.ID, true, "同意发布")
		if err != nil || pp.Status != policy.StatusPublished || pp.PublishedAt == nil {
			t.Fatalf("approve: %v %+v", err, pp)
		}
		if got := f.Svc.Engine().Index().Len(); got != 1 {
			t.Errorf("index after publish: %d clauses, want 1", got)
		}
		f.runJobs(t)
		var pushedV1 int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM policy_pushes WHERE clause_version_id = ?`, c1.ID).Scan(&pushedV1); err != nil {
			t.Fatal(err)
		}

		// A change to a published clause is a new version; the old one stays
		// and the pushes made under it keep pointing to it.
		in.Rule = json.RawMessage(`{"all":[{"field":"district","op":"in","value":["420111","420106"]},{"field":"tags","op":"has","value":"高新技术企业"}]}`)
		c2, err := f.Svc.UpdateClause(ctx, f.Staff, c1.ClauseID, in)
		if err != nil {
			t.Fatal(err)
		}
		if c2.ID == c1.ID || c2.Version != 2 || c2.ClauseID != c1.ClauseID || !c2.Current {
			t.Fatalf("published edit: got id %d version %d clause %d current %v", c2.ID, c2.Version, c2.ClauseID, c2.Current)
		}
		vs, err := f.Svc.FindClauseVersions(ctx, f.Admin, c1.ClauseID)
		if err != nil || len(vs) != 2 || vs[0].Current || vs[0].Title != "研发奖励（修订）" || !vs[1].Current {
			t.Fatalf("versions: %v %+v", err, vs)
		}
		var stillV1 int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM policy_pushes WHERE clause_version_id = ?`, c1.ID).Scan(&stillV1); err != nil {
			t.Fatal(err)
		}
		if stillV1 != pushedV1 || pushedV1 == 0 {
			t.Errorf("pushes of version 1: %d before, %d after the new version (want equal and > 0)", pushedV1, stillV1)
		}
		// Saving unchanged makes no version.
		if c3, err := f.Svc.UpdateClause(ctx, f.Staff, c1.ClauseID, in); err != nil || c3.ID != c2.ID {
			t.Errorf("unchanged save: %v, id %d want %d", err, c3.ID, c2.ID)
		}
		if got := f.Svc.Engine().Index().Clauses()[0].ID; got != c2.ID {
			t.Errorf("index holds version %d, want %d", got, c2.ID)
		}
		if err := f.Svc.DeleteClause(ctx, f.Staff, c1.ClauseID); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("delete a published clause: %v, want conflict", err)
		}
		var audits int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE entity = 'policy' AND entity_id = ?`, itoa(p.ID)).Scan(&audits); err != nil {
			t.Fatal(err)
		}
		if audits < 8 {
			t.Errorf("audit entries for the policy: %d, want every change recorded", audits)
		}

		// Browsing sees published policies only, 即将截止 first.
		if _, err := f.Svc.CreatePolicy(ctx, f.Staff, policy.PolicyInput{Title: "草稿政策", Category: "资金扶持"}); err != nil {
			t.Fatal(err)
		}
		soon := f.publishedPolicy(t, "即将截止的人才政策", policy.ClauseInput{Title: "人才补贴", Rule: json.RawMessage(`{"field":"employees","op":">=","value":10}`),
			BenefitKind: "资金奖补", Mode: policy.ModeReview, Materials: []string{"申请表", "社保缴纳证明"},
			WindowTo: ptr(workday.MustParseDate("2026-03-20"))})
		list, total, err := f.Svc.FindPolicies(ctx, enterpriseActor(ids[0]), policy.PolicyFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 || len(list) != 2 || list[0].ID != soon.ID || list[0].Deadline == nil || list[0].Deadline.String() != "2026-03-20" {
			t.Fatalf("browse: total %d, first %+v; want 2 with the policy closing soonest first", total, list[0])
		}
		for _, q := range []struct {
			f    policy.PolicyFilter
			want int
		}{
			{policy.PolicyFilter{Query: "人才"}, 1},
			{policy.PolicyFilter{Query: "〔2026〕2号"}, 1},
			{policy.PolicyFilter{Category: "金融支持"}, 0},
			{policy.PolicyFilter{UnitID: f.Unit.ID}, 2},
			{policy.PolicyFilter{UnitID: f.OtherUnit.ID}, 0},
			{policy.PolicyFilter{District: "洪山区"}, 2},
		} {
			if _, n, err := f.Svc.FindPolicies(ctx, f.Leader, q.f); err != nil || n != q.want {
				t.Errorf("filter %+v: %d (%v), want %d", q.f, n, err, q.want)
			}
		}
		if _, n, _ := f.Svc.FindPolicies(ctx, f.Staff, policy.PolicyFilter{Manage: true}); n != 3 {
			t.Errorf("manage list of the unit: %d, want 3", n)
		}
		if _, n, _ := f.Svc.FindPolicies(ctx, f.OtherStaff, policy.PolicyFilter{Manage: true}); n != 0 {
			t.Errorf("manage list of another unit: %d, want 0", n)
		}
		if _, _, err := f.Svc.FindPolicies(ctx, enterpriseActor(ids[0]), policy.PolicyFilter{Manage: true}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("enterprise manage list: %v, want forbidden", err)
		}

		// Ending.
		if _, err := f.Svc.End(ctx, f.Staff, p.ID); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("unit staff ends: %v", err)
		}
		ended, err := f.Svc.End(ctx, f.Admin, p.ID)
		if err != nil || ended.Status != policy.StatusEnded {
			t.Fatalf("end: %v", err)
		}
		if _, err := f.Svc.UpdateClause(ctx, f.Staff, c1.ClauseID, clauseInput("x", hongshanHighTech)); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("edit an ended policy: %v, want conflict", err)
		}
		if f.Svc.Engine().Index().Len() != 1 {
			t.Errorf("ended policy still indexed")
		}
	})
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestValidationMessages(t *testing.T) {
	db := storetest.MustOpenSQLite(t)
	ctx := context.Background()
	f := newFixture(t, db, fixtureOptions{})
	p, err := f.Svc.CreatePolicy(ctx, f.Admin, policy.PolicyInput{Title: "测试政策", Category: "资金扶持"})
	if err != nil {
		t.Fatal(err)
	}
	policyCases := []struct {
		name  string
		in    policy.PolicyInput
		field string
		msg   string
	}{
		{"empty title", policy.PolicyInput{Category: "资金扶持"}, "title", "政策名称不能为空"},
		{"no category", policy.PolicyInput{Title: "x"}, "category", "请选择政策类别"},
		{"bad category", policy.PolicyInput{Title: "x", Category: "补贴"}, "category", "政策类别“补贴”不存在"},
		{"bad district", policy.PolicyInput{Title: "x", Category: "其他", District: ptr("洪山")}, "district", "6位区划代码"},
		{"dates", policy.PolicyInput{Title: "x", Category: "其他", EffectiveFrom: ptr(workday.MustParseDate("2026-05-01")),
			EffectiveTo: ptr(workday.MustParseDate("2026-01-01"))}, "effective_to", "不能早于起始日"},
		{"bad unit", policy.PolicyInput{Title: "x", Category: "其他", RedeemingUnitID: ptr(int64(999))}, "redeeming_unit_id", "单位（编号999）不存在"},
	}
	for _, c := range policyCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.Svc.CreatePolicy(ctx, f.Admin, c.in)
			if errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != c.field || !strings.Contains(errs.MessageOf(err), c.msg) {
				t.Errorf("got %v (field %q), want invalid %s containing %q", err, errs.FieldOf(err), c.field, c.msg)
			}
		})
	}
	base := func(mod func(*policy.ClauseInput)) policy.ClauseInput {
		in := clauseInput("研发补助", hongshanHighTech)
		mod(&in)
		return in
	}
	clauseCases := []struct {
		name  string
		in    policy.ClauseInput
		field string
		msg   string
	}{
		{"no title", base(func(c *policy.ClauseInput) { c.Title = " " }), "title", "条款名称不能为空"},
		{"no rule", base(func(c *policy.ClauseInput) { c.Rule = nil }), "rule", "条款“研发补助”：请设置申报条件"},
		{"unknown field", base(func(c *policy.ClauseInput) {
			c.Rule = json.RawMessage(`{"all":[{"field":"district","op":"==","value":"420111"},{"field":"employes","op":"<=","value":300}]}`)
		}), "rule", "条款“研发补助”：条件 all[1]：字段“employes”不存在"},
		{"operator for type", base(func(c *policy.ClauseInput) {
			c.Rule = json.RawMessage(`{"field":"revenue","op":"has","value":"x"}`)
		}), "rule", "不支持运算符“has”"},
		{"value type", base(func(c *policy.ClauseInput) {
			c.Rule = json.RawMessage(`{"field":"revenue","op":">=","value":"很多"}`)
		}), "rule", "营业收入”的值应为整数（单位：元），而不是 “很多”"},
		{"empty in", base(func(c *policy.ClauseInput) {
			c.Rule = json.RawMessage(`{"any":[{"field":"size","op":"in","value":[]}]}`)
		}), "rule", "条件 any[0]：运算符“in”的值列表不能为空"},
		{"bad expr", base(func(c *policy.ClauseInput) { c.Rule = nil; c.Expr = "revenue >= " }), "rule", "表达式有语法错误"},
		{"amount both", base(func(c *policy.ClauseInput) { c.Amount = json.RawMessage(`{"fixed": 1, "rate": 0.1, "of": "revenue"}`) }), "amount", "fixed 和 rate 只能选一个"},
		{"amount base", base(func(c *policy.ClauseInput) { c.Amount = json.RawMessage(`{"rate": 0.1, "of": "district"}`) }), "amount", "不能作为计算基数"},
		{"amount cap", base(func(c *policy.ClauseInput) {
			c.Amount = json.RawMessage(`{"rate": 0.1, "of": "rd_expense", "floor": 500, "cap": 100}`)
		}), "amount", "floor（500元）不能大于 cap（100元）"},
		{"mode", base(func(c *policy.ClauseInput) { c.Mode = "自动" }), "mode", "兑现方式“自动”不存在"},
		{"automatic with materials", base(func(c *policy.ClauseInput) { c.Materials = []string{"申请表"} }), "materials", "免申即享的条款不需要企业提交材料"},
		{"window", base(func(c *policy.ClauseInput) {
			c.WindowFrom, c.WindowTo = ptr(workday.MustParseDate("2026-05-01")), ptr(workday.MustParseDate("2026-04-01"))
		}), "window_to", "申报截止日（2026年4月1日）不能早于申报开始日（2026年5月1日）"},
		{"budget", base(func(c *policy.ClauseInput) { c.Budget = ptr(int64(0)) }), "budget", "预算应为正整数"},
		{"benefit kind", base(func(c *policy.ClauseInput) { c.BenefitKind = "" }), "benefit_kind", "请选择扶持方式"},
	}
	for _, c := range clauseCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.Svc.AddClause(ctx, f.Admin, p.ID, c.in)
			if errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != c.field || !strings.Contains(errs.MessageOf(err), c.msg) {
				t.Errorf("got %v (field %q), want invalid %s containing %q", err, errs.FieldOf(err), c.field, c.msg)
			}
		})
	}
	t.Run("OK expr", func(t *testing.T) {
		in := base(func(c *policy.ClauseInput) {
			c.Rule = nil
			c.Expr = `district in ["420111"] && "高新技术企业" in tags && revenue >= 20000000`
		})
		cl, err := f.Svc.AddClause(ctx, f.Admin, p.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(cl.Rule)
		want, _ := json.Marshal(mustRule(t, hongshanHighTech))
		if string(got) != string(want) {
			t.Errorf("expression stored as %s, want %s", got, want)
		}
	})
}

// TestFourEyes checks that an administrator cannot review a policy they
// submitted (四眼原则) unless the service allows self-review.
func TestFourEyes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, tc := range []struct {
			name       string
			selfReview bool
		}{{"ErrOwnSubmission", false}, {"OKOnePersonOffice", true}} {
			t.Run(tc.name, func(t *testing.T) {
				f := newFixture(t, db, fixtureOptions{selfReview: tc.selfReview})
				p, err := f.Svc.CreatePolicy(ctx, f.Admin, policy.PolicyInput{Title: "四眼原则" + tc.name, Category: "资金扶持"})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.Svc.AddClause(ctx, f.Admin, p.ID, clauseInput("奖励", hongshanHighTech)); err != nil {
					t.Fatal(err)
				}
				p, err = f.Svc.Submit(ctx, f.Admin, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if p.SubmittedBy == nil || *p.SubmittedBy != f.Admin.UserID {
					t.Fatalf("submitted by %v, want the admin %d", p.SubmittedBy, f.Admin.UserID)
				}
				if got := f.Svc.CanDecide(f.Admin, p); got != tc.selfReview {
					t.Errorf("CanDecide(submitter) = %v, want %v", got, tc.selfReview)
				}
				other := &auth.Actor{UserID: userID(t, db, "admin2", auth.RoleAdmin, nil), Name: "admin2", Role: auth.RoleAdmin}
				if !f.Svc.CanDecide(other, p) {
					t.Error("CanDecide(another admin) = false")
				}
				for _, approve := range []bool{true, false} {
					_, err := f.Svc.Review(ctx, f.Admin, p.ID, approve, "自审")
					if tc.selfReview {
						if err != nil {
							t.Fatalf("self-review allowed, approve=%v: %v", approve, err)
						}
						return
					}
					if errs.CodeOf(err) != errs.Forbidden || !strings.Contains(errs.MessageOf(err), "四眼原则") {
						t.Fatalf("own submission, approve=%v: %v, want forbidden naming 四眼原则", approve, err)
					}
				}
				pp, err := f.Svc.Review(ctx, other, p.ID, true, "")
				if err != nil || pp.Status != policy.StatusPublished || pp.ReviewedBy == nil || *pp.ReviewedBy != other.UserID {
					t.Fatalf("another admin approves: %v %+v", err, pp)
				}
			})
		}
	})
}

// TestUnitOwnership: a policy belongs to its issuing and redeeming units;
// a unit above them reads its figures but does not manage it, and other
// units neither.
func TestUnitOwnership(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{})
		orgs := org.New(db, org.Options{Audit: f.Audit, Now: f.Clock.Now})
		office, err := orgs.CreateUnit(ctx, auth.Operator("test"), org.UnitInput{ParentID: &f.Unit.ID, Name: "市科技创新局高新技术处", Kind: org.KindOther})
		if err != nil {
			t.Fatal(err)
		}
		officeStaff := &auth.Actor{UserID: userID(t, db, "office", auth.RoleUnitStaff, &office.ID), Name: "office", Role: auth.RoleUnitStaff, UnitID: &office.ID}
		if _, err := f.Svc.Start(ctx); err != nil {
			t.Fatal(err)
		}
		p, err := f.Svc.CreatePolicy(ctx, officeStaff, policy.PolicyInput{Title: "高企认定奖励", Category: "资金扶持"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.AddClause(ctx, officeStaff, p.ID, clauseInput("认定奖励", hongshanHighTech)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.Submit(ctx, officeStaff, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.Review(ctx, f.Admin, p.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name          string
			a             *auth.Actor
			manage, stats bool
		}{
			{"the issuing unit", officeStaff, true, true},
			{"the unit above it", f.Staff, false, true},
			{"another unit", f.OtherStaff, false, false},
			{"a leader", f.Leader, false, true},
			{"the office", f.Admin, true, true},
		} {
			t.Run("OK"+tc.name, func(t *testing.T) {
				got, err := f.Svc.FindPolicyByID(ctx, tc.a, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				can := f.Svc.PermittedTo(tc.a, got)
				if can.Manage != tc.manage || can.Stats != tc.stats {
					t.Errorf("permitted %+v, want manage %v, stats %v", can, tc.manage, tc.stats)
				}
				_, err = f.Svc.PolicyMetrics(ctx, tc.a, p.ID)
				if (err == nil) != tc.stats {
					t.Errorf("PolicyMetrics: %v, want allowed %v", err, tc.stats)
				}
				_, err = f.Svc.UpdatePolicy(ctx, tc.a, p.ID, policy.PolicyInput{Title: "高企认定奖励（修订）", Category: "资金扶持",
					IssuingUnitID: &office.ID})
				if want := map[bool]errs.Code{true: "", false: errs.Forbidden}[tc.manage]; errs.CodeOf(err) != want {
					t.Errorf("UpdatePolicy: %v, want %q", err, want)
				}
			})
		}
	})
}
