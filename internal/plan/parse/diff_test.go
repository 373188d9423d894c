package parse

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const diffOld = `某市人民政府办公厅关于印发某市优化营商环境工作方案的通知
某政办〔2024〕3号
一、工作任务
（一）优化政务服务
1.推进企业开办便利化。企业开办全流程一日办结，6月底前实现全程网办。（责任单位：市市场监管局、市数据局）
2.深化工程建设项目审批改革。审批时间压缩至40个工作日以内。（牵头单位：市住建局；配合单位：市发改委）
3.优化纳税服务。推行非接触式办税，年底前完成。（责任单位：市税务局）
（二）强化要素保障
4.加大金融支持。新增普惠小微贷款100亿元。（责任单位：市委金融办）
5.保障用地需求。按需供应工业用地1000亩以上。（责任单位：市自然资源局）
某市人民政府办公厅
2024年3月1日
`

// diffNew revises diffOld: a task inserted as 1 (the others renumbered),
// task 2 reworded with a new deadline, task 3 removed, units of 4 changed,
// the target of 5 raised, the date changed.
const diffNew = `某市人民政府办公厅关于印发某市优化营商环境工作方案的通知
某政办〔2024〕3号
一、工作任务
（一）优化政务服务
1.推行政务服务“一网通办”。涉企事项网上可办率达到100%。（责任单位：市政务服务局）
2.推进企业开办便利化。企业开办全流程一日办结，6月底前实现全程网办。（责任单位：市市场监管局、市数据局）
3.深化工程建设项目审批制度改革。工程建设项目审批时间压缩至35个工作日以内，9月底前完成。（牵头单位：市住建局；配合单位：市发改委）
（二）强化要素保障
4.加大金融支持。新增普惠小微贷款100亿元。（责任单位：市委金融办、人民银行某市分行）
5.保障用地需求。按需供应工业用地1500亩以上。（责任单位：市自然资源局）
某市人民政府办公厅
2024年4月2日
`

func findChange(d *Diff, kind, path string, old bool) *ItemChange {
	for i := range d.Changes {
		c := &d.Changes[i]
		p := c.NewPath
		if old {
			p = c.OldPath
		}
		if c.Kind == kind && pathString(p) == path {
			return c
		}
	}
	return nil
}

func TestDiffPlans(t *testing.T) {
	old, cur := ParseText(diffOld), ParseText(diffNew)
	d := DiffPlans(old, cur)
	t.Run("OKCounts", func(t *testing.T) {
		// old: 一 (一) 1 2 3 (二) 4 5 = 8; new: 一 (一) 1 2 3 (二) 4 5 = 8
		if d.Added != 1 || d.Removed != 1 || d.Changed != 4 || d.Unchanged != 3 {
			for _, c := range d.Changes {
				t.Logf("%s %v→%v %.2f %v", c.Kind, c.OldPath, c.NewPath, c.Similarity, c.Fields)
			}
			t.Fatalf("added %d removed %d changed %d unchanged %d", d.Added, d.Removed, d.Changed, d.Unchanged)
		}
		if len(d.Changes) != len(old.Items)+d.Added {
			t.Errorf("%d changes for %d old items and %d added", len(d.Changes), len(old.Items), d.Added)
		}
	})
	t.Run("OKMeta", func(t *testing.T) {
		if len(d.Meta) != 1 || d.Meta[0] != (FieldChange{Field: "date", Old: "2024-03-01", New: "2024-04-02"}) {
			t.Errorf("meta %+v", d.Meta)
		}
	})
	t.Run("OKAdded", func(t *testing.T) {
		c := findChange(d, ItemAdded, "1.1.1", false)
		if c == nil || c.OldIndex != -1 || len(c.Units) != 1 || c.Units[0] != (UnitChange{Change: "added", Role: "units", Name: "市政务服务局"}) {
			t.Fatalf("added %+v", c)
		}
	})
	t.Run("OKRenumbered", func(t *testing.T) {
		c := findChange(d, ItemChanged, "1.1.2", false)
		if c == nil || pathString(c.OldPath) != "1.1.1" || !slices.Equal(c.Fields, []string{"path"}) {
			t.Fatalf("renumbered %+v", c)
		}
	})
	t.Run("OKReworded", func(t *testing.T) {
		c := findChange(d, ItemChanged, "1.1.3", false)
		if c == nil || pathString(c.OldPath) != "1.1.2" {
			t.Fatalf("reworded %+v", c)
		}
		for _, f := range []string{"path", "heading", "text", "deadlines", "indicators"} {
			if !slices.Contains(c.Fields, f) {
				t.Errorf("fields %v lack %s", c.Fields, f)
			}
		}
		if slices.Contains(c.Fields, "units") {
			t.Errorf("units did not change: %+v", c.Units)
		}
		if len(c.Deadlines) != 1 || c.Deadlines[0].Change != "added" || c.Deadlines[0].Deadline.Text != "9月底前" {
			t.Errorf("deadlines %+v", c.Deadlines)
		}
		if len(c.Indicators) != 2 || c.Indicators[0].Change != "removed" || c.Indicators[0].Indicator.Value != 40 ||
			c.Indicators[1].Change != "added" || c.Indicators[1].Indicator.Value != 35 {
			t.Errorf("indicators %+v", c.Indicators)
		}
	})
	t.Run("OKRemoved", func(t *testing.T) {
		c := findChange(d, ItemRemoved, "1.1.3", true)
		if c == nil || c.NewIndex != -1 || len(c.Units) != 1 || c.Units[0].Name != "市税务局" || c.Units[0].Change != "removed" {
			t.Fatalf("removed %+v", c)
		}
		// placed after its old predecessor (old 1.1.2, new 1.1.3)
		at := slices.IndexFunc(d.Changes, func(x ItemChange) bool { return x.Kind == ItemRemoved })
		if at < 1 || pathString(d.Changes[at-1].OldPath) != "1.1.2" {
			t.Errorf("removed item at %d", at)
		}
	})
	t.Run("OKUnits", func(t *testing.T) {
		c := findChange(d, ItemChanged, "1.2.4", false)
		if c == nil || !slices.Equal(c.Fields, []string{"units"}) || len(c.Units) != 1 ||
			c.Units[0] != (UnitChange{Change: "added", Role: "units", Name: "人民银行某市分行"}) {
			t.Fatalf("units %+v", c)
		}
	})
	t.Run("OKTarget", func(t *testing.T) {
		c := findChange(d, ItemChanged, "1.2.5", false)
		if c == nil || !slices.Contains(c.Fields, "indicators") || len(c.Indicators) != 2 || c.Indicators[1].Indicator.Value != 1500 {
			t.Fatalf("target %+v", c)
		}
	})
	t.Run("OKSame", func(t *testing.T) {
		d := DiffPlans(old, old)
		if d.Unchanged != len(old.Items) || d.Added+d.Removed+d.Changed != 0 || len(d.Meta) != 0 {
			t.Errorf("%+v", d)
		}
	})
	t.Run("OKEmpty", func(t *testing.T) {
		d := DiffPlans(ParseText(""), old)
		if d.Added != len(old.Items) || d.Removed != 0 {
			t.Errorf("%+v", d)
		}
		d = DiffPlans(old, ParseText(""))
		if d.Removed != len(old.Items) || d.Added != 0 || len(d.Changes) != len(old.Items) {
			t.Errorf("%+v", d)
		}
	})
}

// TestDiffSeedRevision revises seed 002 by hand as an office would — a task
// inserted at the top of a section renumbers every later task of the
// document (its numbering runs across sections) — and checks that only the
// inserted task is new and every other task is matched to itself.
func TestDiffSeedRevision(t *testing.T) {
	name := filepath.Join("..", "..", "..", "..", "shared", "seeds", "002_24c6dcfb139a70dd.txt")
	data, err := os.ReadFile(name)
	if err != nil {
		t.Skipf("seed not present: %v", err)
	}
	src := string(data)
	// Insert a task as 1. and renumber 1–26 to 2–27.
	var b strings.Builder
	for line := range strings.SplitSeq(src, "\n") {
		if m := startMarker(line); m != nil && m.kind == kindNum {
			line = fmt.Sprintf("%d.%s", m.num+1, string([]rune(line)[m.size:]))
		}
		// 12. runs together with 11.'s line in this document
		line = strings.Replace(line, "负责)12.优化工业产品管理制度", "负责)13.优化工业产品管理制度", 1)
		if strings.HasPrefix(line, "(一)聚焦招商") {
			line += "\n1.新增一项任务：建立重点产业链招商图谱。(市投资促进局负责)"
		}
		b.WriteString(line + "\n")
	}
	old, cur := ParseText(src), ParseText(b.String())
	if len(cur.Items) != len(old.Items)+1 {
		t.Fatalf("%d items, want %d", len(cur.Items), len(old.Items)+1)
	}
	d := DiffPlans(old, cur)
	if d.Added != 1 || d.Removed != 0 {
		t.Fatalf("added %d removed %d", d.Added, d.Removed)
	}
	for _, c := range d.Changes {
		if c.Kind != ItemChanged {
			continue
		}
		if !slices.Equal(c.Fields, []string{"path"}) || c.OldPath[len(c.OldPath)-1]+1 != c.NewPath[len(c.NewPath)-1] {
			t.Errorf("%v→%v %v", c.OldPath, c.NewPath, c.Fields)
		}
	}
	if d.Changed != 26 {
		t.Errorf("changed %d, want the 26 renumbered tasks", d.Changed)
	}
}
