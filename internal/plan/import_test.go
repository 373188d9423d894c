package plan_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/plan"
	"github.com/qinqing/qinqing/internal/plan/parse"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

func TestImportJSON(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		t.Run("OK", func(t *testing.T) {
			res := f.importSmall(t)
			if res.ID == 0 || res.Title != "优化营商环境工作方案" {
				t.Fatalf("result %+v", res)
			}
			// 14 items: 2 goals, 6 tasks (headings included), 2 stage
			// items, the stage section's heading and the 工作要求 section's
			// two items skipped.
			if res.Read != 14 || res.Goals != 2 || res.Tasks != 7 || res.StageItems != 2 || res.Skipped != 3 || res.RejectedItems != 0 {
				t.Errorf("counts %+v", res)
			}
			if res.Read != res.Goals+res.Tasks+res.StageItems+res.Skipped+res.RejectedItems {
				t.Errorf("read %d is not accounted for: %+v", res.Read, res)
			}
			if res.Stages != 2 || res.Indicators != 3 || res.Milestones != 1 {
				t.Errorf("stages %d indicators %d milestones %d", res.Stages, res.Indicators, res.Milestones)
			}
			for _, u := range res.Unknown {
				if len(u.Path) == 0 || u.Row != 0 {
					t.Errorf("unknown %q without its path: %+v", u.Name, u)
				}
			}
			if len(res.Unknown) != 2 || res.Unknown[0].Name != "各区人民政府" || !slices.Equal(res.Unknown[0].Path, []int{2, 1, 2}) ||
				res.Unknown[1].Name != "市工商联" {
				t.Errorf("unknown units %+v", res.Unknown)
			}
			if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "工作要求") }) {
				t.Errorf("no warning about the skipped section: %q", res.Warnings)
			}
			p, err := f.Svc.FindPlanByID(ctx, f.Admin, res.ID)
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != plan.StatusDraft || p.DocNumber != "武政办〔2024〕99号" || p.Unknown != 2 || len(p.Stages) != 2 {
				t.Errorf("plan %+v", p)
			}
			if p.PeriodFrom.String() != "2024-03-01" || p.PeriodTo.String() != "2024-11-30" {
				t.Errorf("period %v–%v, want the stages' span", p.PeriodFrom, p.PeriodTo)
			}
			if p.Stages[1].Name != "办理落实阶段" || p.Stages[1].From.String() != "2024-04-01" || p.Stages[1].To.String() != "2024-11-30" {
				t.Errorf("stage %+v", p.Stages[1])
			}
			// Numbering as written, the latest date the deadline, the
			// earlier one a milestone, units by role resolved by alias.
			tk := f.task(t, p, "二.(一).1")
			if tk.Title != "打造公平竞争市场环境" || tk.DeadlineKind != plan.DeadlineDate || tk.DeadlineDate.String() != "2024-09-30" ||
				tk.DeadlineText != "9月底前" || !slices.Equal(tk.Path, []int{2, 1, 1}) {
				t.Errorf("task %+v", tk)
			}
			if len(tk.Milestones) != 1 || tk.Milestones[0].Due.String() != "2024-06-30" || tk.Milestones[0].Title != "6月底前出台办法" {
				t.Errorf("milestones %+v", tk.Milestones)
			}
			roles := map[plan.Role]string{}
			for _, u := range tk.Units {
				roles[u.Role] += u.UnitName
			}
			if roles[plan.RoleLead] != "市发展和改革委员会" || roles[plan.RoleResp] != "市市场监督管理局" || roles[plan.RoleAssist] != "市商务局" {
				t.Errorf("units %+v", tk.Units)
			}
			if tk2 := f.task(t, p, "二.(一).2"); tk2.DeadlineKind != plan.DeadlineYear || len(tk2.Indicators) != 1 ||
				tk2.Indicators[0].OwnerName != "市市场监督管理局" || tk2.Indicators[0].Target != 3000 {
				t.Errorf("task 二.(一).2 %+v %+v", tk2, tk2.Indicators)
			}
			if tk3 := f.task(t, p, "二.(二).1"); tk3.DeadlineKind != plan.DeadlineContinuous || tk3.DeadlineText != "长期坚持" {
				t.Errorf("continuous task %+v", tk3)
			}
			goals, err := f.Svc.FindGoals(ctx, f.Admin, res.ID)
			if err != nil || len(goals) != 2 || len(goals[1].Indicators) != 2 || goals[1].Numbering != "一.(一)" ||
				goals[1].Indicators[1].Target != 18500 {
				t.Errorf("goals %+v %v", goals, err)
			}
		})
		t.Run("OKDryRun", func(t *testing.T) {
			doc, _ := plan.ReadDocument("plan.json", []byte(smallDoc))
			_, before, _ := f.Svc.FindPlans(ctx, f.Admin, plan.PlanFilter{})
			res, err := f.Svc.Import(ctx, f.Admin, doc, plan.ImportOptions{DryRun: true})
			if err != nil || res.ID != 0 || !res.DryRun || res.Tasks != 7 {
				t.Fatalf("dry run %+v %v", res, err)
			}
			if _, after, _ := f.Svc.FindPlans(ctx, f.Admin, plan.PlanFilter{}); after != before {
				t.Errorf("a dry run created a plan: %d → %d", before, after)
			}
		})
		t.Run("ErrStrict", func(t *testing.T) {
			doc, _ := plan.ReadDocument("plan.json", []byte(smallDoc))
			res, err := f.Svc.Import(ctx, f.Admin, doc, plan.ImportOptions{Strict: true})
			if errs.CodeOf(err) != errs.Invalid || res == nil || res.ID != 0 || len(res.Rejected) != 2 {
				t.Fatalf("strict: %v %+v", err, res)
			}
			if !strings.Contains(res.Rejected[0].Reason, "各区人民政府") || !slices.Equal(res.Rejected[0].Path, []int{2, 1, 2}) {
				t.Errorf("rejection %+v", res.Rejected[0])
			}
		})
		t.Run("ErrAllOrNothing", func(t *testing.T) {
			// A duplicate path, a bad indicator and a bad date: nothing is
			// created, every problem is listed.
			bad := strings.Replace(smallDoc, `{"path": [2, 2, 2]`, `{"path": [2, 2, 1]`, 1)
			bad = strings.Replace(bad, `"op": ">=", "value": 3000`, `"op": "about", "value": 3000`, 1)
			bad = strings.Replace(bad, `"date": "2024-03-20"`, `"date": "2024-02-30"`, 1)
			doc, err := plan.ReadDocument("plan.json", []byte(bad))
			if err != nil {
				t.Fatal(err)
			}
			_, before, _ := f.Svc.FindPlans(ctx, f.Admin, plan.PlanFilter{})
			res, err := f.Svc.Import(ctx, f.Admin, doc, plan.ImportOptions{})
			if errs.CodeOf(err) != errs.Invalid || res.ID != 0 || len(res.Rejected) != 3 || res.RejectedItems != 2 {
				t.Fatalf("got %v %+v", err, res)
			}
			if res.Read != res.Goals+res.Tasks+res.StageItems+res.Skipped+res.RejectedItems {
				t.Errorf("read %d is not accounted for: %+v", res.Read, res)
			}
			fields := []string{}
			for _, r := range res.Rejected {
				fields = append(fields, r.Field)
			}
			slices.Sort(fields)
			if !slices.Equal(fields, []string{"date", "indicators", "path"}) {
				t.Errorf("rejected fields %q: %+v", fields, res.Rejected)
			}
			if _, after, _ := f.Svc.FindPlans(ctx, f.Admin, plan.PlanFilter{}); after != before {
				t.Errorf("a refused import created a plan")
			}
		})
		t.Run("ErrMalformed", func(t *testing.T) {
			for name, in := range map[string]string{
				"syntax": `{"title": "x", "items": [`,
				"kind":   `{"title": "x", "items": {"path": 1}}`,
			} {
				if _, err := plan.ReadDocument("p.json", []byte(in)); errs.CodeOf(err) != errs.Invalid {
					t.Errorf("%s: %v", name, err)
				}
			}
			if _, err := plan.ReadDocument("p.txt", []byte("{}")); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("extension: %v", err)
			}
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			doc, _ := plan.ReadDocument("plan.json", []byte(smallDoc))
			for _, a := range []*struct{ name string }{{"leader"}, {"fgw"}} {
				actor := f.Leader
				if a.name == "fgw" {
					actor = f.FGW
				}
				if _, err := f.Svc.Import(ctx, actor, doc, plan.ImportOptions{}); errs.CodeOf(err) != errs.Forbidden {
					t.Errorf("%s imports: %v", a.name, err)
				}
			}
		})
	})
}

// TestImportSeed imports what the parser reads from seed 001 (Wuhan's 1号议案
// plan): its goals, tasks, stages and unit names.
func TestImportSeed(t *testing.T) {
	data, err := os.ReadFile("../../../shared/seeds/001_827677e9b4f7e973.txt")
	if err != nil {
		t.Skipf("seed not available: %v", err)
	}
	parsed, err := parse.Parse(context.Background(), "001.txt", data, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.MustOpenSQLite(t)
	f := newFixture(t, db)
	res, err := f.Svc.Import(ctxAs(f.Admin), f.Admin, plan.DocumentOf(parsed), plan.ImportOptions{})
	if err != nil {
		t.Fatalf("import: %v %+v", err, res)
	}
	// 6 goal items; the section, 6 headings and 23 tasks; 3 stages (their
	// section's heading skipped); the 工作要求 section's 4 items skipped.
	if res.Goals != 6 || res.Tasks != 30 || res.Stages != 3 || res.StageItems != 3 || res.Skipped != 5 || res.Read != 44 {
		t.Errorf("counts %+v", res)
	}
	p, err := f.Svc.FindPlanByID(context.Background(), f.Admin, res.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "市十五届人大三次会议1号议案办理工作方案" || p.PeriodFrom.String() != "2024-03-01" || p.PeriodTo.String() != "2024-10-31" {
		t.Errorf("plan %q %v–%v", p.Title, p.PeriodFrom, p.PeriodTo)
	}
	if p.Counts.Total != 23 {
		t.Errorf("leaf tasks %d, want 23", p.Counts.Total)
	}
	names, err := f.Svc.FindUnknownNames(context.Background(), f.Admin, res.ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range names {
		if n.Name == "各区人民政府" {
			found = len(n.Tasks) > 10
		}
		if n.Name == "市发改委" || n.Name == "市经信局" {
			t.Errorf("%s resolves by its alias and is not unknown", n.Name)
		}
	}
	if !found {
		t.Errorf("各区人民政府 should be unknown on many tasks: %+v", names)
	}
}

// TestImportHeadingCoversItems: a heading's units and deadline cover the
// items under it that name none of their own — the items were imported
// without a responsible unit (nobody to report on them) or a deadline.
func TestImportHeadingCoversItems(t *testing.T) {
	parsed := parse.ParseText("某市2026年优化营商环境实施方案\n\n一、提升政务服务效能\n" +
		"（一）深化改革（责任单位：市发改委；完成时限：2026年6月底前）\n1.全程网办率达到95%以上。\n2.推行免证办。（市商务局负责，9月底前）\n" +
		"（二）优化审批服务\n3.审批时间压缩至15个工作日以内。\n")
	db := storetest.MustOpenSQLite(t)
	f := newFixture(t, db)
	res, err := f.Svc.Import(ctxAs(f.Admin), f.Admin, plan.DocumentOf(parsed), plan.ImportOptions{})
	if err != nil {
		t.Fatalf("import: %v %+v", err, res)
	}
	p, err := f.Svc.FindPlanByID(context.Background(), f.Admin, res.ID)
	if err != nil {
		t.Fatal(err)
	}
	unitsOf := func(tk *plan.Task) string {
		var names []string
		for _, u := range tk.Units {
			names = append(names, u.Name)
		}
		return strings.Join(names, ",")
	}
	if tk := f.task(t, p, "一.(一).1"); unitsOf(tk) != "市发改委" || tk.DeadlineDate == nil || tk.DeadlineDate.String() != "2026-06-30" {
		t.Errorf("1 under its heading: units %q, deadline %v", unitsOf(tk), tk.DeadlineDate)
	}
	if tk := f.task(t, p, "一.(一).2"); unitsOf(tk) != "市商务局" || tk.DeadlineDate == nil || tk.DeadlineDate.String() != "2026-09-30" {
		t.Errorf("2 names its own: units %q, deadline %v", unitsOf(tk), tk.DeadlineDate)
	}
	if tk := f.task(t, p, "一.(二).3"); unitsOf(tk) != "" {
		t.Errorf("3 under a heading without units: %q", unitsOf(tk))
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "任务 一.(二).3 没有责任单位") }) ||
		slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "一.(一).1 没有责任单位") }) {
		t.Errorf("warnings %v", res.Warnings)
	}
}
