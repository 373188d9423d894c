package app_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/appeal/analysis"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/network"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/policy"
)

// ownershipFixture is a small city with records owned by some actors and
// not by others: two enterprises (ent1 looked after by specialist S1, ent2
// by no one), a street unit UC under a district UP and an unrelated unit
// UO, a draft and a published policy of UC, a pending self-report, a
// visit and a notification of ent1.
type ownershipFixture struct {
	app                      *app.App
	actors                   map[string]*auth.Actor
	ent1, ent2               int64
	draft, published, report int64
	note                     int64
}

func newOwnershipFixture(t *testing.T) *ownershipFixture {
	t.Helper()
	ctx := context.Background()
	a := openMigrated(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	op := auth.Operator("test")
	up, err := a.Org.CreateUnit(ctx, op, org.UnitInput{Name: "洪山区人民政府", Kind: org.KindDistrict})
	must(err)
	uc, err := a.Org.CreateUnit(ctx, op, org.UnitInput{ParentID: &up.ID, Name: "珞南街道办事处", Kind: org.KindStreet})
	must(err)
	uo, err := a.Org.CreateUnit(ctx, op, org.UnitInput{Name: "市商务局", Kind: org.KindDepartment})
	must(err)
	f := &ownershipFixture{app: a, actors: map[string]*auth.Actor{}}
	var ids []int64
	for i, body := range []string{"MA4K0001", "MA4K0002"} {
		code, err := enterprise.MakeUSCC('9', '1', "420111", body)
		must(err)
		_, err = a.Enterprises.ImportRecords(ctx, func(yield func(*enterprise.Enterprise) error) error {
			return yield(&enterprise.Enterprise{USCC: code, Name: []string{"武汉甲有限公司", "武汉乙有限公司"}[i]})
		}, enterprise.ImportOptions{}, nil)
		must(err)
		e, err := a.Enterprises.FindEnterpriseByUSCC(ctx, op, code)
		must(err)
		ids = append(ids, e.ID)
	}
	f.ent1, f.ent2 = ids[0], ids[1]
	for _, r := range []struct {
		key string
		in  auth.UserInput
	}{
		{"A", auth.UserInput{Username: "admin", Role: auth.RoleAdmin}},
		{"L", auth.UserInput{Username: "leader", Role: auth.RoleLeader}},
		{"UC", auth.UserInput{Username: "street", Role: auth.RoleUnitStaff, UnitID: &uc.ID}},
		{"UP", auth.UserInput{Username: "district", Role: auth.RoleUnitStaff, UnitID: &up.ID}},
		{"UO", auth.UserInput{Username: "commerce", Role: auth.RoleUnitStaff, UnitID: &uo.ID}},
		{"S1", auth.UserInput{Username: "sp-one", Role: auth.RoleSpecialist}},
		{"S2", auth.UserInput{Username: "sp-two", Role: auth.RoleSpecialist}},
		{"E1", auth.UserInput{Username: "ent-one", Role: auth.RoleEnterprise, EnterpriseID: &f.ent1}},
		{"E2", auth.UserInput{Username: "ent-two", Role: auth.RoleEnterprise, EnterpriseID: &f.ent2}},
	} {
		r.in.Password = "matrix-pass-1"
		u, err := a.Auth.CreateUser(ctx, op, r.in)
		must(err)
		f.actors[r.key] = u.Actor()
	}
	// ent1 is assigned to S1, as the network's assignment would.
	_, err = a.DB.ExecContext(ctx, `INSERT INTO enterprise_assignments (enterprise_id, specialist_user_id, assigned_at, how) VALUES (?, ?, 0, '手动')`,
		f.ent1, f.actors["S1"].UserID)
	must(err)
	_, err = a.Network.RecordVisit(ctx, f.actors["S1"], network.VisitInput{EnterpriseID: f.ent1, Form: network.FormOnSite, Content: "走访了解用工需求"})
	must(err)
	res, err := a.SelfService.SubmitSelfReport(ctx, f.actors["E1"], f.ent1, map[string]string{"revenue": "12000000"})
	must(err)
	f.report = res.Pending[0].ID
	f.note, _, err = a.Notify.Notify(ctx, a.DB, notify.Notification{EnterpriseID: &f.ent1, Kind: "test.note", Title: "致甲公司"})
	must(err)
	clause := policy.ClauseInput{Title: "奖励", Rule: json.RawMessage(`{"field":"district","op":"in","value":["420111"]}`), BenefitKind: "资金奖补",
		Amount: json.RawMessage(`{"fixed": 100000}`), Mode: policy.ModeAutomatic}
	for i, title := range []string{"草稿政策", "已发布政策"} {
		p, err := a.Policy.CreatePolicy(ctx, f.actors["UC"], policy.PolicyInput{Title: title, Category: "资金扶持"})
		must(err)
		_, err = a.Policy.AddClause(ctx, f.actors["UC"], p.ID, clause)
		must(err)
		if i == 0 {
			f.draft = p.ID
			continue
		}
		_, err = a.Policy.Submit(ctx, f.actors["UC"], p.ID)
		must(err)
		_, err = a.Policy.Review(ctx, f.actors["A"], p.ID, true, "")
		must(err)
		f.published = p.ID
	}
	if _, err := a.Policy.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// Appeals about approvals go to the street unit UC.
	_, err = a.Appeals.SaveEntry(ctx, op, appeal.EntryInput{Code: "approval", Category: "审批服务", UnitID: uc.ID})
	must(err)
	return f
}

// ownershipActors are the actors of TestOwnershipMatrix.
var ownershipActors = []string{"A", "L", "UC", "UP", "UO", "S1", "S2", "E1", "E2"}

// TestOwnershipMatrix calls the service methods whose answer depends on who
// owns the record — the enterprise, its specialist, the unit holding it and
// the units above — as every kind of actor on real records, and checks who
// is let through (an error other than Forbidden and NotFound) and who is
// refused. A module whose methods decide ownership adds its rows here.
func TestOwnershipMatrix(t *testing.T) {
	f := newOwnershipFixture(t)
	s := f.app
	ctx := context.Background()
	street := "关山街道"
	upd := enterprise.Update{Street: &street, Source: enterprise.SourceSpecialist}
	// newAppeal files a fresh appeal of ent1, which the catalogue sends to
	// UC (waiting to be signed for), for a call that may change it.
	newAppeal := func() string {
		ap, _, err := s.Appeals.File(ctx, f.actors["E1"], appeal.Intake{Category: "审批服务", Content: "施工许可审批超时"})
		if err != nil {
			t.Fatal(err)
		}
		return ap.Number
	}
	// newProblem makes a 问题清单 item owned by UC of a fresh appeal, for
	// a call that may change it.
	newProblem := func() int64 {
		ap, err := s.Appeals.FindAppealByID(ctx, f.actors["A"], newAppeal())
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.Analysis.CreateProblem(ctx, f.actors["A"], analysis.ProblemInput{Title: "施工许可审批超时", Description: "多家企业反映。",
			OwnerUnitID: *f.actors["UC"].UnitID, LimitDays: 10, AppealIDs: []int64{ap.ID}})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	problem := newProblem()
	rows := []struct {
		name  string
		call  func(a *auth.Actor) error
		allow string // the actors let through, space-separated
	}{
		{"enterprise.FindEnterpriseByID", func(a *auth.Actor) error { _, err := s.Enterprises.FindEnterpriseByID(ctx, a, f.ent1); return err },
			"A L UC UP UO S1 E1"},
		{"enterprise.FindEnterpriseFile", func(a *auth.Actor) error { _, err := s.Enterprises.FindEnterpriseFile(ctx, a, f.ent1); return err },
			"A L UC UP UO S1 E1"},
		{"enterprise.FindEnterpriseSources", func(a *auth.Actor) error { _, err := s.Enterprises.FindEnterpriseSources(ctx, a, f.ent1); return err },
			"A L UC UP UO S1 E1"},
		{"enterprise.FindEnterpriseHistory", func(a *auth.Actor) error {
			_, err := s.Enterprises.FindEnterpriseHistory(ctx, a, f.ent1, 10)
			return err
		}, "A L UC UP UO S1 E1"},
		{"enterprise.FindEnterpriseByUSCC", func(a *auth.Actor) error {
			e, err := s.Enterprises.FindEnterpriseByID(ctx, auth.Operator("test"), f.ent1)
			if err != nil {
				return err
			}
			_, err = s.Enterprises.FindEnterpriseByUSCC(ctx, a, e.USCC)
			return err
		}, "A L UC UP UO S1 E1"},
		{"enterprise.UpdateEnterprise", func(a *auth.Actor) error { _, err := s.Enterprises.UpdateEnterprise(ctx, a, f.ent1, upd); return err },
			"A S1 E1"},
		{"enterprise.CreateInvitation", func(a *auth.Actor) error { _, _, err := s.SelfService.CreateInvitation(ctx, a, f.ent1); return err },
			"A S1"},
		{"enterprise.FindInvitations", func(a *auth.Actor) error { _, err := s.SelfService.FindInvitations(ctx, a, f.ent1); return err },
			"A S1"},
		{"enterprise.SubmitSelfReport", func(a *auth.Actor) error {
			_, err := s.SelfService.SubmitSelfReport(ctx, a, f.ent1, map[string]string{"street": "珞南街道"})
			return err
		}, "E1"},
		{"enterprise.FindSelfReports", func(a *auth.Actor) error {
			_, _, err := s.SelfService.FindSelfReports(ctx, a, enterprise.SelfReportFilter{EnterpriseID: f.ent1})
			return err
		}, "A L S1 E1"},
		{"enterprise.ReviewSelfReport", func(a *auth.Actor) error {
			_, err := s.SelfService.ReviewSelfReport(ctx, a, f.report, false, "与纳税申报不符")
			return err
		}, "A S1"},
		{"network.FindAssignment", func(a *auth.Actor) error { _, err := s.Network.FindAssignment(ctx, a, f.ent1); return err },
			"A L UC UP UO S1 E1"},
		{"network.FindVisits", func(a *auth.Actor) error {
			_, _, err := s.Network.FindVisits(ctx, a, network.VisitFilter{EnterpriseID: f.ent1})
			return err
		}, "A L S1"},
		{"network.RecordVisit", func(a *auth.Actor) error {
			_, err := s.Network.RecordVisit(ctx, a, network.VisitInput{EnterpriseID: f.ent1, Form: network.FormOnSite, Content: "回访"})
			return err
		}, "A S1"},
		{"policy.Checkup", func(a *auth.Actor) error { _, err := s.Policy.Checkup(ctx, a, f.ent1); return err },
			"A L UC UP UO S1 E1"},
		{"policy.Subscriptions", func(a *auth.Actor) error { _, err := s.Policy.Subscriptions(ctx, a, f.ent1); return err },
			"A L UC UP UO S1 E1"},
		{"policy.SetSubscriptions", func(a *auth.Actor) error {
			return s.Policy.SetSubscriptions(ctx, a, f.ent1, []string{"资金扶持"})
		}, "A S1 E1"},
		{"policy.FindPolicyByID (draft)", func(a *auth.Actor) error { _, err := s.Policy.FindPolicyByID(ctx, a, f.draft); return err },
			"A UC"},
		{"policy.UpdatePolicy (draft)", func(a *auth.Actor) error {
			_, err := s.Policy.UpdatePolicy(ctx, a, f.draft, policy.PolicyInput{Title: "草稿政策（修订）", Category: "资金扶持",
				IssuingUnitID: f.actors["UC"].UnitID})
			return err
		}, "A UC"},
		{"policy.AddClause (draft)", func(a *auth.Actor) error {
			_, err := s.Policy.AddClause(ctx, a, f.draft, policy.ClauseInput{Title: "", Rule: json.RawMessage(`{}`)})
			return err
		}, "A UC"},
		{"policy.PolicyMetrics", func(a *auth.Actor) error { _, err := s.Policy.PolicyMetrics(ctx, a, f.published); return err },
			"A L UC UP"},
		{"policy.End", func(a *auth.Actor) error {
			_, err := s.Policy.End(ctx, a, f.draft) // a draft: the reviewers get Conflict
			return err
		}, "A"},
		{"notify.MarkRead", func(a *auth.Actor) error { return s.Notify.MarkRead(ctx, a, f.note) }, "E1"},
		// Appeals: read by the enterprise, its specialist, the unit it is
		// with and the units above; handled by that unit only; material
		// from the enterprise's side; dispatched and closed by the office.
		{"appeal.FindAppealByID", func(a *auth.Actor) error { _, err := s.Appeals.FindAppealByID(ctx, a, newAppeal()); return err },
			"A L UC UP S1 E1"},
		{"appeal.FindAppeals", func(a *auth.Actor) error {
			list, _, err := s.Appeals.FindAppeals(ctx, a, appeal.Filter{EnterpriseID: f.ent1})
			if err == nil && len(list) == 0 {
				return errs.Errorf(errs.NotFound, "none listed")
			}
			return err
		}, "A L UC UP S1 E1"},
		{"appeal.Sign", func(a *auth.Actor) error {
			_, err := s.Appeals.Sign(ctx, a, newAppeal(), appeal.NoteInput{})
			return err
		}, "UC"},
		{"appeal.Return", func(a *auth.Actor) error {
			_, err := s.Appeals.Return(ctx, a, newAppeal(), appeal.ReasonInput{Reason: "非本单位职责"})
			return err
		}, "UC"},
		{"appeal.Reply (not signed: Conflict)", func(a *auth.Actor) error {
			_, err := s.Appeals.Reply(ctx, a, newAppeal(), appeal.ReplyInput{Result: "解决", Measures: "已办"})
			return err
		}, "UC"},
		{"appeal.Supply", func(a *auth.Actor) error {
			_, err := s.Appeals.Supply(ctx, a, newAppeal(), appeal.NoteInput{Note: "补充说明"})
			return err
		}, "A S1 E1"},
		{"appeal.Evaluate (not replied: Conflict)", func(a *auth.Actor) error {
			_, err := s.Appeals.Evaluate(ctx, a, newAppeal(), appeal.EvaluateInput{Rating: "满意"})
			return err
		}, "A E1"},
		{"appeal.Dispatch", func(a *auth.Actor) error {
			_, err := s.Appeals.Dispatch(ctx, a, newAppeal(), appeal.DispatchInput{UnitID: *f.actors["UO"].UnitID})
			return err
		}, "A"},
		{"appeal.Close (not evaluated: Conflict)", func(a *auth.Actor) error {
			_, err := s.Appeals.Close(ctx, a, newAppeal(), appeal.NoteInput{})
			return err
		}, "A"},
		// The 问题清单: an item is read by the office, leaders, its owner
		// unit and the units above; its progress is reported by the owner
		// unit (and the office); it is closed by the office.
		{"analysis.FindProblemByID", func(a *auth.Actor) error { _, err := s.Analysis.FindProblemByID(ctx, a, problem); return err },
			"A L UC UP"},
		{"analysis.FindProblems", func(a *auth.Actor) error {
			list, _, err := s.Analysis.FindProblems(ctx, a, analysis.ProblemFilter{})
			if err == nil && !slices.ContainsFunc(list, func(p analysis.Problem) bool { return p.ID == problem }) {
				return errs.Errorf(errs.NotFound, "not listed")
			}
			return err
		}, "A L UC UP"},
		{"analysis.ReportProgress", func(a *auth.Actor) error {
			_, err := s.Analysis.ReportProgress(ctx, a, problem, 30, "已召开协调会")
			return err
		}, "A UC"},
		{"analysis.CloseProblem", func(a *auth.Actor) error {
			_, err := s.Analysis.CloseProblem(ctx, a, newProblem(), "已整改到位")
			return err
		}, "A"},
		{"analysis.LinkSummaries", func(a *auth.Actor) error {
			m, err := s.Analysis.LinkSummaries(ctx, a, []int64{problem})
			if err == nil && len(m) == 0 {
				return errs.Errorf(errs.NotFound, "none listed")
			}
			return err
		}, "A L UC UP"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			allow := strings.Fields(row.allow)
			for _, key := range ownershipActors {
				err := row.call(f.actors[key])
				c := errs.CodeOf(err)
				passed := c != errs.Forbidden && c != errs.NotFound && c != errs.Unauthenticated
				if c == errs.Internal {
					t.Errorf("%s: %v", key, err)
				}
				want := false
				for _, k := range allow {
					want = want || k == key
				}
				switch {
				case want && !passed:
					t.Errorf("OK%s: refused (%s: %s), want let through", key, c, errs.MessageOf(err))
				case !want && passed:
					t.Errorf("Err%s: let through (%v), want refused", key, err)
				}
			}
			if err := row.call(nil); errs.CodeOf(err) != errs.Unauthenticated && errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("no actor: %v", err)
			}
		})
	}
}
