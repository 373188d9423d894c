package demo

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/plan"
)

// planFiles are the demo's plans, authored as the 责任分解表 JSON that
// `qinqing plan export --format json` writes and `plan import` reads:
// Wuhan's 1号议案 plan (武政办〔2024〕30号, seed 001) with its goals,
// indicators (owners, baselines and interim targets added) and 23 tasks,
// and Hangzhou's ten 为企办实事 projects of 2024 (seed 004) with their lead
// units and targets.
//
//go:embed plans/*.json
var planFiles embed.FS

// loadPlans imports, maps and publishes the demo plans through the plan
// service and runs a few months of reports, 督办 and 销号 on them.
func loadPlans(ctx context.Context, a *app.App, out io.Writer) error {
	units, err := a.Org.UnitTree(ctx)
	if err != nil {
		return err
	}
	byName := map[string]int64{}
	var districts []int64
	for _, u := range units {
		byName[u.Name] = u.ID
		if u.Kind == org.KindDistrict || u.Kind == org.KindZone {
			districts = append(districts, u.ID)
		}
	}
	// What the names the organisation does not know stand for.
	mapping := func(name string) plan.MapInput {
		switch name {
		case "各区人民政府":
			return plan.MapInput{UnitIDs: districts} // 含开发区、长江新区、风景区管委会
		case "市直各行政执法部门":
			return plan.MapInput{Ignore: true}
		case "人行湖北省分行营管部":
			return plan.MapInput{UnitIDs: []int64{byName["中国人民银行湖北省分行"]}, Alias: true}
		case "市人力社保局":
			return plan.MapInput{UnitIDs: []int64{byName["市人力资源和社会保障局"]}, Alias: true}
		case "市法院", "市检察院", "武汉投控集团", "市贸促会":
			return plan.MapInput{CreateKind: org.KindOther}
		}
		return plan.MapInput{CreateKind: org.KindDepartment}
	}
	var plans []plan.DemoPlan
	for _, f := range []struct {
		name      string
		monthsAgo int
	}{{"plans/wuhan-1hao.json", 5}, {"plans/hangzhou-2024.json", 6}} {
		b, err := planFiles.ReadFile(f.name)
		if err != nil {
			return err
		}
		doc, err := plan.DecodeDocument(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("demo plan %s: %w", f.name, err)
		}
		doc.Source = f.name
		plans = append(plans, plan.DemoPlan{Doc: doc, StartMonthsAgo: f.monthsAgo, Map: mapping})
	}
	err = a.Plans.LoadDemo(ctx, plans, plan.DemoOptions{
		Behind: []string{"市投资促进局", "市商务局", "国家税务总局杭州市税务局"},
		Keep:   []string{"洪山区人民政府"},
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "demo: plan supervision (two plans with months of reports)")
	return nil
}
