package parse

import (
	"fmt"
	"slices"
	"strings"
)

// maxMergePairs bounds the (row, item) pairs compared when a 责任分解表 is
// merged into the body.
const maxMergePairs = 250_000

// mergeTables merges a 责任分解表 that follows the body into the body's
// items: each row whose task is one of the body's items (the same text, or
// very similar) gives that item its units, deadlines and targets, and the
// row is not an item of its own. A table that is the body itself, or whose
// rows mostly match nothing, stays as items.
func mergeTables(items []Item, p *Plan) []Item {
	tables := map[int]bool{}
	for _, it := range items {
		if it.table.table > 0 {
			tables[it.table.table] = true
		}
	}
	drop := make([]bool, len(items))
	for t := 1; len(tables) > 0; t++ {
		if !tables[t] {
			continue
		}
		delete(tables, t)
		first := slices.IndexFunc(items, func(it Item) bool { return it.table.table == t })
		// the body's items before the table
		var body []int
		for i := 0; i < first; i++ {
			if items[i].table.table == 0 {
				body = append(body, i)
			}
		}
		if len(body) == 0 {
			continue
		}
		var rows []int
		for i := first; i < len(items); i++ {
			if items[i].table.table == t && items[i].table.kind == tableRow {
				rows = append(rows, i)
			}
		}
		if len(rows)*len(body) > maxMergePairs {
			p.Warnings = append(p.Warnings, "条目过多，附后的责任分解表未与正文条目合并")
			continue
		}
		keys := make([]string, len(items))
		heads := make([]string, len(items))
		grams := make([]map[[2]rune]int, len(items))
		for _, i := range body {
			k := itemKey(&items[i])
			keys[i], heads[i], grams[i] = string(k), squash(items[i].Heading), bigrams(k)
		}
		match := map[int]int{} // row → body item
		taken := map[int]bool{}
		for _, r := range rows {
			rk := itemKey(&items[r])
			rg, rs := bigrams(rk), string(rk)
			best, bestSim := -1, 0.0
			for _, i := range body {
				if taken[i] {
					continue
				}
				sim := dice(rg, grams[i])
				if len(rk) >= 4 && (strings.Contains(keys[i], rs) || (heads[i] != "" && strings.Contains(rs, heads[i]))) {
					sim = 1 // the row names the item's task, or the item's heading is the row's
				}
				if sim > bestSim {
					best, bestSim = i, sim
				}
			}
			if best >= 0 && bestSim >= matchAnywhere {
				match[r] = best
				taken[best] = true
			}
		}
		if len(match)*2 < len(rows) {
			continue // not this body's table
		}
		for _, r := range rows {
			i, ok := match[r]
			if !ok {
				p.Warnings = append(p.Warnings, fmt.Sprintf("责任分解表中“%s”未对应到正文条目，作为单独条目保留", excerpt(items[r].Heading+items[r].Text, 20)))
				continue
			}
			mergeRow(&items[i], &items[r])
			drop[r] = true
		}
		// the table's category headings go when all their rows went
		for c := first; c < len(items); c++ {
			if items[c].table.table != t || items[c].table.kind != tableCategory {
				continue
			}
			all := true
			for r := c + 1; r < len(items) && items[r].table.table == t && items[r].table.kind != tableCategory; r++ {
				all = all && drop[r]
			}
			drop[c] = all
		}
		p.Warnings = append(p.Warnings, fmt.Sprintf("附后的责任分解表已按任务并入正文条目（%d 行中的 %d 行）", len(rows), len(match)))
	}
	out := items[:0]
	for i, it := range items {
		if !drop[i] {
			out = append(out, it)
		}
	}
	return out
}

// mergeRow gives item it the units, deadlines and targets of a 责任分解表
// row about it.
func mergeRow(it, row *Item) {
	for _, u := range row.LeadUnits {
		it.LeadUnits = addUnit(it.LeadUnits, u)
	}
	for _, u := range row.Units {
		it.Units = addUnit(it.Units, u)
	}
	for _, u := range row.CoopUnits {
		it.CoopUnits = addUnit(it.CoopUnits, u)
	}
	it.UnitGroups = append(it.UnitGroups, row.UnitGroups...)
	for _, d := range row.Deadlines {
		same := slices.ContainsFunc(it.Deadlines, func(x Deadline) bool {
			return x.Text == d.Text || (x.Date != nil && d.Date != nil && *x.Date == *d.Date)
		})
		if !same {
			it.Deadlines = append(it.Deadlines, d)
		}
	}
	for _, ind := range row.Indicators {
		if !slices.ContainsFunc(it.Indicators, func(x Indicator) bool {
			return x.Op == ind.Op && x.Value == ind.Value && x.Unit == ind.Unit
		}) {
			it.Indicators = append(it.Indicators, ind)
		}
	}
}

// numberParts keeps the paths of a document unique when it has several
// parts with their own numbering (a notice with two attachments, a notice
// with its own items and an enclosed plan): each part becomes a top-level
// item — 附件1, 附件2 … with the part's title — and its items are numbered
// under it. A document of one part keeps its numbering as written.
func numberParts(items []Item, d *docLines, p *Plan) []Item {
	used := map[int]bool{}
	for _, it := range items {
		used[it.part] = true
	}
	if len(used) < 2 {
		return items
	}
	var out []Item
	last := -1
	n := 0
	for _, it := range items {
		if it.part != last {
			last = it.part
			n++
			pt := d.parts[it.part]
			marker := pt.label
			if marker == "附件" {
				marker = fmt.Sprintf("附件%d", n)
			}
			title := pt.title
			if it.part == 0 && title == "" {
				title = p.PlanTitle
				if title == "" {
					title = p.Title
				}
			}
			out = append(out, Item{
				Path: []int{n}, Marker: marker, Heading: title, LeadUnits: []string{}, Units: []string{}, CoopUnits: []string{},
				UnitGroups: []UnitGroup{}, Deadlines: []Deadline{}, Indicators: []Indicator{}, Line: it.Line, part: it.part,
			})
		}
		it.Path = append([]int{n}, it.Path...)
		out = append(out, it)
	}
	p.Warnings = append(p.Warnings, fmt.Sprintf("文件分 %d 部分各自编号（如附件），条目编号前加部分序号", n))
	return out
}
