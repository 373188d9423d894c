package plan_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/plan"
	"github.com/qinqing/qinqing/internal/plan/parse"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

// reviewDoc is a work plan as an office receives it: goals, tasks naming
// known, aliased and unknown units, and a section of requirements.
const reviewDoc = `市人民政府办公厅关于印发优化营商环境工作方案的通知
武政办〔2024〕31号
一、工作目标
全市新增经营主体10万户以上。
二、重点任务
（一）优化政务服务
1.推进企业开办便利化。6月底前实现全程网办。（责任单位：市市场监管局、市数据局）
2.深化工程建设项目审批改革。审批时间压缩至40个工作日以内。（牵头单位：市发改委；配合单位：市商务局）
（二）强化要素保障
3.加大金融支持。新增普惠小微贷款100亿元。（责任单位：市经信局）
三、工作要求
各单位要高度重视，确保各项任务落实到位。
武汉市人民政府办公厅
2024年3月20日
`

// revisedDoc revises reviewDoc: a task inserted as 1 (the others
// renumbered), task 2 reworded with a new deadline and a new unit, task 3
// removed, a target of 4 raised.
const revisedDoc = `市人民政府办公厅关于印发优化营商环境工作方案的通知
武政办〔2024〕31号
一、工作目标
全市新增经营主体12万户以上。
二、重点任务
（一）优化政务服务
1.推行政务服务“一网通办”。（责任单位：市营商办）
2.推进企业开办便利化。9月底前实现全程网办。（责任单位：市市场监管局、市数据局、市商务局）
（二）强化要素保障
3.加大金融支持。新增普惠小微贷款150亿元。（责任单位：市经信局）
三、工作要求
各单位要高度重视，确保各项任务落实到位。
武汉市人民政府办公厅
2024年4月20日
`

func TestReviewDocument(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		t.Run("OK", func(t *testing.T) {
			rv, err := f.Svc.ReviewDocument(ctx, f.Admin, "plan.txt", []byte(reviewDoc))
			if err != nil {
				t.Fatal(err)
			}
			if rv.Parsed.DocNumber != "武政办〔2024〕31号" || len(rv.Document.Items) != 8 || rv.Source != "plan.txt" {
				t.Fatalf("review %+v", rv.Parsed)
			}
			got := map[string]string{}
			for _, n := range rv.Names {
				got[n.Name] = n.UnitName
			}
			want := map[string]string{"市市场监管局": "市市场监督管理局", "市数据局": "", "市发改委": "市发展和改革委员会", "市商务局": "市商务局", "市经信局": "市经济和信息化局"}
			for k, v := range want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s resolves to %q (%v), want %q", k, g, ok, v)
				}
			}
			if rv.Unknown != 1 || rv.Check == nil || !rv.Check.DryRun || rv.Check.Tasks == 0 || len(rv.Check.Unknown) != 1 || rv.Check.Unknown[0].Name != "市数据局" {
				t.Errorf("unknown %d, check %+v", rv.Unknown, rv.Check)
			}
			// nothing was created
			if _, n, err := f.Svc.FindPlans(ctx, f.Admin, plan.PlanFilter{}); err != nil || n != 0 {
				t.Errorf("%d plans, %v", n, err)
			}
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			if _, err := f.Svc.ReviewDocument(ctx, f.FGW, "plan.txt", []byte(reviewDoc)); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("unit staff: %v", err)
			}
		})
		t.Run("ErrUnreadable", func(t *testing.T) {
			if _, err := f.Svc.ReviewDocument(ctx, f.Admin, "plan.doc", []byte("\xD0\xCF\x11\xE0rest")); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("old Word file: %v", err)
			}
		})
	})
}

func TestRevision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := ctxAs(f.Admin)
		rv, err := f.Svc.ReviewDocument(ctx, f.Admin, "plan.txt", []byte(reviewDoc))
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.Svc.Import(ctx, f.Admin, rv.Document, plan.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.MapUnits(ctx, f.Admin, res.ID, plan.MapInput{Name: "市数据局", Ignore: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.Publish(ctx, f.Admin, res.ID); err != nil {
			t.Fatal(err)
		}
		rev, err := f.Svc.Revise(ctx, f.Admin, res.ID, "revised.txt", []byte(revisedDoc))
		if err != nil {
			t.Fatal(err)
		}
		byKind := map[string][]plan.RevisionChange{}
		for _, c := range rev.Changes {
			byKind[c.Kind] = append(byKind[c.Kind], c)
		}
		t.Run("OKChanges", func(t *testing.T) {
			if len(byKind[parse.ItemAdded]) != 1 || len(byKind[parse.ItemRemoved]) != 1 {
				for _, c := range rev.Changes {
					t.Logf("%s %v→%v %v %q", c.Kind, c.OldPath, c.NewPath, c.Fields, c.Note)
				}
				t.Fatalf("changes %v", byKind)
			}
			add := byKind[parse.ItemAdded][0]
			if !add.Applicable || !slices.Equal(add.NewPath, []int{2, 1, 1}) {
				t.Errorf("added %+v", add)
			}
			del := byKind[parse.ItemRemoved][0]
			if del.Applicable || !strings.Contains(del.Note, "不能删除") || del.TaskID == 0 {
				t.Errorf("a published task cannot be removed: %+v", del)
			}
			var reworded, goal *plan.RevisionChange
			for i, c := range byKind[parse.ItemChanged] {
				if slices.Equal(c.NewPath, []int{2, 1, 2}) {
					reworded = &byKind[parse.ItemChanged][i]
				}
				if c.Goal {
					goal = &byKind[parse.ItemChanged][i]
				}
			}
			if reworded == nil || !reworded.Applicable || !slices.Contains(reworded.Fields, "units") || !slices.Contains(reworded.Fields, "deadlines") ||
				!strings.Contains(reworded.Note, "编号不变") {
				t.Errorf("reworded %+v", reworded)
			}
			if goal == nil || goal.Applicable {
				t.Errorf("a goal's change is shown, not applied: %+v", goal)
			}
		})
		t.Run("OKApplyAccepted", func(t *testing.T) {
			var accept []string
			for _, c := range rev.Changes {
				if c.Kind == parse.ItemAdded || (c.Kind == parse.ItemChanged && slices.Equal(c.NewPath, []int{2, 1, 2})) {
					accept = append(accept, c.Key)
				}
			}
			out, err := f.Svc.ApplyRevision(ctx, f.Admin, res.ID, rev.Revised, accept)
			if err != nil {
				t.Fatal(err)
			}
			if out.Added != 1 || out.Updated != 1 || len(out.Skipped) != 0 || !slices.ContainsFunc(out.Warnings, func(w string) bool { return strings.Contains(w, "新任务编为") }) {
				t.Fatalf("result %+v", out)
			}
			sh, err := f.Svc.FindSheet(ctx, f.Admin, res.ID)
			if err != nil {
				t.Fatal(err)
			}
			var added, changed, untouched *plan.SheetRow
			for i, r := range sh.Rows {
				switch {
				case strings.Contains(r.Title, "一网通办"):
					added = &sh.Rows[i]
				case strings.Contains(r.Title, "企业开办"):
					changed = &sh.Rows[i]
				case strings.Contains(r.Title, "金融支持"):
					untouched = &sh.Rows[i]
				}
			}
			if added == nil || !slices.Equal(added.Resp, []string{"市营商办"}) || added.Path[0] != 2 {
				t.Errorf("added %+v", added)
			}
			if changed == nil || !slices.Contains(changed.Resp, "市商务局") || changed.Task.DeadlineDate == nil || changed.Task.DeadlineDate.String() != "2024-09-30" {
				t.Errorf("changed %+v", changed)
			}
			// not accepted: the target of 金融支持 stays
			if untouched == nil || len(untouched.Indicators) != 1 || untouched.Indicators[0].Target != 10000000000 {
				t.Errorf("untouched %+v", untouched)
			}
			// applied again, nothing is left to add
			again, err := f.Svc.RevisionOf(ctx, f.Admin, res.ID, rev.Revised)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range again.Changes {
				if c.Kind == parse.ItemAdded {
					t.Errorf("still added: %+v", c)
				}
			}
		})
		t.Run("OKSkipsWhatCannotApply", func(t *testing.T) {
			var del string
			for _, c := range rev.Changes {
				if c.Kind == parse.ItemRemoved {
					del = c.Key
				}
			}
			out, err := f.Svc.ApplyRevision(ctx, f.Admin, res.ID, rev.Revised, []string{del, "unknown:key:"})
			if err != nil {
				t.Fatal(err)
			}
			if out.Deleted != 0 || len(out.Skipped) != 1 || !strings.Contains(out.Skipped[0], "不能删除") {
				t.Errorf("result %+v", out)
			}
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			if _, err := f.Svc.Revise(ctx, f.FGW, res.ID, "revised.txt", []byte(revisedDoc)); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("unit staff: %v", err)
			}
			if _, err := f.Svc.ApplyRevision(ctx, f.FGW, res.ID, rev.Revised, nil); errs.CodeOf(err) != errs.Forbidden && errs.CodeOf(err) != errs.NotFound {
				t.Errorf("unit staff apply: %v", err)
			}
		})
		t.Run("ErrEnded", func(t *testing.T) {
			if _, err := f.Svc.End(ctx, f.Admin, res.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := f.Svc.Revise(ctx, f.Admin, res.ID, "revised.txt", []byte(revisedDoc)); errs.CodeOf(err) != errs.Conflict {
				t.Errorf("ended plan: %v", err)
			}
		})
	})
}
