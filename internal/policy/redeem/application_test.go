package redeem_test

import (
	"context"
	"testing"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/redeem"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

var pdf = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

// rdRule: 研发费用 at least 50万元; the amount is 10 % of it.
const rdRule = `{"all":[{"field":"district","op":"==","value":"420111"},{"field":"rd_expense","op":">=","value":500000}]}`

// TestInstantApplication: 即申即享 decides at once when the rule is true on
// verified data, with its evidence; otherwise — a missing fact supplied in
// the form, still under review — the application goes to review.
func TestInstantApplication(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{})
		known, unknown, low := firm(1, 3e7), firm(2, 3e7), firm(3, 1e6)
		known.RDExpense, low.RDExpense = ptr(int64(800000)), ptr(int64(1000))
		ids := f.seed(t, known, unknown, low)
		c := clause(policy.ModeInstant, rdRule, `{"rate": 0.1, "of": "rd_expense"}`)
		c.Materials = []string{"研发费用加计扣除申报表"}
		c.Budget = ptr(int64(100000))
		_, cl := f.publish(t, "", c)
		a1, a2 := f.account(t, ids[0]), f.account(t, ids[1])
		files := []redeem.Upload{{Label: "研发费用加计扣除申报表", Name: "申报表.pdf", Data: pdf}}

		form, err := f.Svc.ApplicationForm(ctx, a1, cl.ClauseID)
		if err != nil {
			t.Fatal(err)
		}
		if !form.CanApply || !form.Instant || len(form.Missing) != 0 || form.Amount == nil || *form.Amount != 80000 {
			t.Fatalf("form = %+v", form)
		}
		t.Run("ErrMaterials", func(t *testing.T) {
			in := redeem.ApplicationInput{Account: bankAccount(known)}
			for name, up := range map[string][]redeem.Upload{
				"Missing":   nil,
				"WrongType": {{Label: "研发费用加计扣除申报表", Name: "a.html", Data: []byte("<script>")}},
				"Disguised": {{Label: "研发费用加计扣除申报表", Name: "a.pdf", Data: []byte("MZ\x90\x00")}},
				"Empty":     {{Label: "研发费用加计扣除申报表", Name: "a.pdf"}},
			} {
				if _, err := f.Svc.Apply(ctx, a1, cl.ClauseID, in, up); errs.CodeOf(err) != errs.Invalid {
					t.Errorf("%s: %v", name, err)
				}
			}
			if n := f.count(t, `SELECT COUNT(*) FROM policy_applications`); n != 0 {
				t.Errorf("%d applications after refusals", n)
			}
		})
		ap, err := f.Svc.Apply(ctx, a1, cl.ClauseID, redeem.ApplicationInput{Statement: "申请研发费用补贴", Account: bankAccount(known)}, files)
		if err != nil {
			t.Fatal(err)
		}
		if ap.Status != redeem.AppApproved || ap.Evidence.How != "即时判定" || ap.Evidence.Outcome != "符合" || ap.Amount == nil || *ap.Amount != 80000 ||
			ap.GrantID == nil || len(ap.Materials) != 1 || ap.Materials[0].ContentType != "application/pdf" {
			t.Fatalf("instant application = %+v", ap)
		}
		g, err := f.Svc.FindGrantByID(ctx, a1, *ap.GrantID)
		if err != nil || g.Status != redeem.GrantConfirmed || len(g.Payments) != 1 || g.Payments[0].Amount != 80000 {
			t.Fatalf("grant = %+v, %v", g, err)
		}
		if _, err := f.Svc.Apply(ctx, a1, cl.ClauseID, redeem.ApplicationInput{Account: bankAccount(known)}, files); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("apply again after the grant: %v", err)
		}
		if _, _, err := f.Svc.FindMaterial(ctx, a2, ap.Materials[0].ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("another enterprise reads the material: %v", err)
		}
		if m, data, err := f.Svc.FindMaterial(ctx, f.Staff, ap.Materials[0].ID); err != nil || string(data) != string(pdf) || m.Name != "申报表.pdf" {
			t.Errorf("unit reads the material: %v %v", m, err)
		}

		// Enterprise 2 lacks 研发费用: the form asks only for it.
		form, err = f.Svc.ApplicationForm(ctx, a2, cl.ClauseID)
		if err != nil {
			t.Fatal(err)
		}
		if form.Instant || len(form.Missing) != 1 || form.Missing[0].Field != "rd_expense" || !form.CanApply {
			t.Fatalf("form of the unknown = %+v", form)
		}
		in := redeem.ApplicationInput{Answers: map[string]string{"revenue": "1"}, Account: bankAccount(unknown)}
		if _, err := f.Svc.Apply(ctx, a2, cl.ClauseID, in, files); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("answering a known field: %v", err)
		}
		in.Answers = map[string]string{"rd_expense": "900000"}
		ap2, err := f.Svc.Apply(ctx, a2, cl.ClauseID, in, files)
		if err != nil {
			t.Fatal(err)
		}
		if ap2.Status != redeem.AppSubmitted || ap2.AcceptBy == nil || ap2.AcceptBy.String() != "2026-03-04" || ap2.Answers["rd_expense"] != "900000" {
			t.Errorf("application to review = %+v", ap2)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM self_reports WHERE enterprise_id = ? AND field = 'rd_expense' AND status = '待审核'`, ids[1]); n != 1 {
			t.Errorf("%d pending self-reports of the supplied value, want 1", n)
		}
		if _, err := f.Svc.Apply(ctx, a2, cl.ClauseID, in, files); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("second live application: %v", err)
		}
		f.Clock.advanceDays(3)
		list, _, err := f.Svc.FindApplications(ctx, f.Staff, redeem.ApplicationFilter{Overdue: true})
		if err != nil || len(list) != 1 || !list[0].Overdue {
			t.Errorf("overdue queue = %v, %v", list, err)
		}
		// The review approves; the budget (10万) holds only 2万 more.
		if _, err := f.Svc.AcceptApplication(ctx, f.Staff, ap2.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.DecideApplication(ctx, f.Staff, ap2.ID, redeem.Decision{Approve: true}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("approve with the base unverified and no amount: %v", err)
		}
		if _, err := f.Svc.DecideApplication(ctx, f.Staff, ap2.ID, redeem.Decision{Approve: true, Amount: ptr(int64(90000))}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("approve beyond the budget: %v", err)
		}
		done, err := f.Svc.DecideApplication(ctx, f.Staff, ap2.ID, redeem.Decision{Approve: true, Amount: ptr(int64(20000)), Note: "按预算余额核定"})
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != redeem.AppApproved || *done.Amount != 20000 || done.GrantID == nil || len(done.Steps) != 3 {
			t.Errorf("decided = %+v steps %+v", done, done.Steps)
		}

		// Enterprise 3 does not fit on verified data: it cannot apply.
		if _, err := f.Svc.Apply(ctx, f.account(t, ids[2]), cl.ClauseID, redeem.ApplicationInput{Account: bankAccount(firm(3, 0))}, files); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("apply without fitting: %v", err)
		}
	})
}

// TestReviewedApplication walks 申报审核: 受理, 退回补正, resubmission, refusal
// with a reason; withdrawal until a decision.
func TestReviewedApplication(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{})
		e := firm(1, 3e7, "高新技术企业")
		ids := f.seed(t, e, firm(2, 3e7, "高新技术企业"))
		c := clause(policy.ModeReview, highTech, `{"fixed": 50000}`)
		c.Materials = []string{"申请表", "审计报告"}
		_, cl := f.publish(t, "申请单位承诺材料真实有效。", c)
		a := f.account(t, ids[0])
		files := []redeem.Upload{{Label: "申请表", Name: "申请表.pdf", Data: pdf}, {Label: "审计报告", Name: "审计.png", Data: []byte("\x89PNG\r\n\x1a\nxxxx")}}
		in := redeem.ApplicationInput{Account: bankAccount(e)}
		if _, err := f.Svc.Apply(ctx, a, cl.ClauseID, in, files); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("without the pledge: %v", err)
		}
		in.Agree = true
		ap, err := f.Svc.Apply(ctx, a, cl.ClauseID, in, files)
		if err != nil {
			t.Fatal(err)
		}
		if ap.Status != redeem.AppSubmitted || ap.Pledge == "" {
			t.Fatalf("reviewed application = %+v", ap)
		}
		if p := redeem.AppPermittedTo(f.OtherStaff, ap); p.Accept || p.Return {
			t.Errorf("other unit may act: %+v", p)
		}
		if _, err := f.Svc.AcceptApplication(ctx, f.OtherStaff, ap.ID); errs.CodeOf(err) != errs.NotFound && errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("other unit accepts: %v", err)
		}
		if _, err := f.Svc.DecideApplication(ctx, f.Staff, ap.ID, redeem.Decision{Approve: true}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("decide before accepting: %v", err)
		}
		if _, err := f.Svc.ReturnApplication(ctx, f.Staff, ap.ID, ""); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("return without reason: %v", err)
		}
		if ap, err = f.Svc.ReturnApplication(ctx, f.Staff, ap.ID, "审计报告缺少盖章页"); err != nil || ap.Status != redeem.AppReturned {
			t.Fatalf("return = %+v, %v", ap, err)
		}
		if ap, err = f.Svc.ResubmitApplication(ctx, a, ap.ID, redeem.ApplicationInput{}, []redeem.Upload{{Label: "审计报告", Name: "盖章页.pdf", Data: pdf}}); err != nil {
			t.Fatal(err)
		}
		if ap.Status != redeem.AppSubmitted || len(ap.Materials) != 3 {
			t.Fatalf("resubmitted = %+v", ap)
		}
		if ap, err = f.Svc.AcceptApplication(ctx, f.Staff, ap.ID); err != nil || ap.Status != redeem.AppReviewing || ap.DecideBy == nil {
			t.Fatalf("accept = %+v, %v", ap, err)
		}
		if _, err := f.Svc.DecideApplication(ctx, f.Staff, ap.ID, redeem.Decision{}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("refuse without reason: %v", err)
		}
		if ap, err = f.Svc.DecideApplication(ctx, f.Staff, ap.ID, redeem.Decision{Reason: "上年度营业收入未达标"}); err != nil || ap.Status != redeem.AppRefused {
			t.Fatalf("refuse = %+v, %v", ap, err)
		}
		if _, err := f.Svc.WithdrawApplication(ctx, a, ap.ID); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("withdraw after the decision: %v", err)
		}
		steps := []string{}
		for _, s := range ap.Steps {
			steps = append(steps, s.Step)
		}
		if len(steps) != 5 || steps[4] != "审核不通过" || ap.Steps[4].Note != "上年度营业收入未达标" {
			t.Errorf("steps %v", steps)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM notifications WHERE enterprise_id = ? AND kind = ?`, ids[0], redeem.KindApply); n != 3 {
			t.Errorf("%d notifications (returned, accepted, refused), want 3", n)
		}
		// A refused application may be followed by another; withdrawn until decided.
		again, err := f.Svc.Apply(ctx, a, cl.ClauseID, in, files)
		if err != nil {
			t.Fatal(err)
		}
		if again, err = f.Svc.WithdrawApplication(ctx, a, again.ID); err != nil || again.Status != redeem.AppWithdrawn {
			t.Fatalf("withdraw = %+v, %v", again, err)
		}
		if _, err := f.Svc.WithdrawApplication(ctx, f.account(t, ids[1]), again.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("another enterprise withdraws: %v", err)
		}
	})
}

// TestObjection: an enterprise left off a list objects with a correction
// and evidence; the unit accepts — the file corrected with history, the
// grant reinstated — or rejects with an answer.
func TestObjection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, fixtureOptions{})
		ents := []*enterprise.Enterprise{firm(1, 3e7, "高新技术企业"), firm(2, 3e7), firm(3, 3e7)}
		ids := f.seed(t, ents...)
		pol, cl := f.publish(t, "", clause(policy.ModeAutomatic, highTech, `{"rate": 0.01, "of": "revenue"}`))
		if _, err := f.Svc.Generate(ctx, f.Staff, cl.ClauseID); err != nil {
			t.Fatal(err)
		}
		g := f.grants(t, cl.ClauseID)[ids[0]]
		if _, err := f.Svc.ExcludeGrants(ctx, f.Staff, cl.ClauseID, []int64{g.ID}, "营业收入数据待核实"); err != nil {
			t.Fatal(err)
		}
		a1, a2 := f.account(t, ids[0]), f.account(t, ids[1])
		evidence := []redeem.Upload{{Name: "审计报告.pdf", Data: pdf}}
		if _, err := f.Svc.FileObjection(ctx, a1, cl.ClauseID, redeem.ObjectionInput{}, evidence); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("objection without a statement: %v", err)
		}
		if _, err := f.Svc.FileObjection(ctx, a1, cl.ClauseID, redeem.ObjectionInput{Statement: "x", Corrections: map[string]string{"credit": "正常"}}, nil); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("correcting a register field: %v", err)
		}
		ob, err := f.Svc.FileObjection(ctx, a1, cl.ClauseID, redeem.ObjectionInput{Statement: "营业收入以审计报告为准，为4000万元",
			Corrections: map[string]string{"revenue": "40000000"}}, evidence)
		if err != nil {
			t.Fatal(err)
		}
		if ob.Status != redeem.ObjectionOpen || ob.GrantID == nil || *ob.GrantID != g.ID || ob.AnswerBy.String() != "2026-03-16" || len(ob.Materials) != 1 {
			t.Fatalf("objection = %+v", ob)
		}
		if _, err := f.Svc.FileObjection(ctx, a1, cl.ClauseID, redeem.ObjectionInput{Statement: "再次"}, nil); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("second open objection: %v", err)
		}
		if _, err := f.Svc.AnswerObjection(ctx, f.OtherStaff, ob.ID, redeem.Answer{Accept: true, Answer: "同意"}); errs.CodeOf(err) != errs.NotFound && errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("other unit answers: %v", err)
		}
		if _, err := f.Svc.AnswerObjection(ctx, f.Staff, ob.ID, redeem.Answer{Accept: true}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("answer without text: %v", err)
		}
		ob, err = f.Svc.AnswerObjection(ctx, f.Staff, ob.ID, redeem.Answer{Accept: true, Answer: "经核实审计报告，予以采纳"})
		if err != nil {
			t.Fatal(err)
		}
		if ob.Status != redeem.ObjectionAccepted {
			t.Fatalf("answered = %+v", ob)
		}
		g, err = f.Svc.FindGrantByID(ctx, a1, g.ID)
		if err != nil || g.Status != redeem.GrantConfirming || *g.ApprovedAmount != 400000 {
			t.Fatalf("reinstated grant = %+v, %v", g, err)
		}
		var source string
		if err := db.QueryRowContext(ctx, `SELECT source FROM enterprise_history WHERE enterprise_id = ? AND field = 'revenue' ORDER BY id DESC`, ids[0]).Scan(&source); err != nil || source != enterprise.SourceObjection {
			t.Errorf("history source %q, %v", source, err)
		}
		if _, err := f.Svc.AnswerObjection(ctx, f.Staff, ob.ID, redeem.Answer{Answer: "再答"}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("answer twice: %v", err)
		}

		// Enterprise 2 is not 高新技术企业 in the file: rejected with an answer.
		ob2, err := f.Svc.FileObjection(ctx, a2, cl.ClauseID, redeem.ObjectionInput{Statement: "我司已于去年认定为高新技术企业"}, evidence)
		if err != nil {
			t.Fatal(err)
		}
		if ob2, err = f.Svc.AnswerObjection(ctx, f.Staff, ob2.ID, redeem.Answer{Answer: "认定名单中未查询到贵企业"}); err != nil || ob2.Status != redeem.ObjectionRejected {
			t.Fatalf("rejected = %+v, %v", ob2, err)
		}
		// Enterprise 3 supplies the missing tag: accepted, a grant is made.
		ob3, err := f.Svc.FileObjection(ctx, f.account(t, ids[2]), cl.ClauseID, redeem.ObjectionInput{Statement: "已认定",
			Corrections: map[string]string{"tags": "高新技术企业"}}, evidence)
		if err != nil {
			t.Fatal(err)
		}
		if ob3, err = f.Svc.AnswerObjection(ctx, f.Staff, ob3.ID, redeem.Answer{Accept: true, Answer: "核实无误"}); err != nil || ob3.GrantID == nil {
			t.Fatalf("accepted = %+v, %v", ob3, err)
		}
		g3, err := f.Svc.FindGrantByID(ctx, f.Staff, *ob3.GrantID)
		if err != nil || g3.Origin != redeem.OriginObjection || g3.Status != redeem.GrantConfirming || *g3.ApprovedAmount != 300000 {
			t.Errorf("grant of the objection = %+v, %v", g3, err)
		}
		list, total, err := f.Svc.FindObjections(ctx, f.Staff, redeem.ObjectionFilter{PolicyID: pol.ID})
		if err != nil || total != 3 || len(list) != 3 {
			t.Errorf("objections of the policy = %d, %v", total, err)
		}
	})
}
