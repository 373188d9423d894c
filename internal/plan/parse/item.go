package parse

import (
	"strings"
)

// finishItem reads an item's units, heading, text, deadlines and
// indicators from the raw text the structure stage gave it. leadFirst
// reports whether a 排在第一位的为牵头单位 note governs the item (restCoop: the
// others are 配合单位).
func finishItem(it *Item, year int, leadFirst, restCoop bool) {
	raw := []rune(it.Text)
	groups := findGroups(raw)
	it.LeadUnits, it.Units, it.CoopUnits = []string{}, []string{}, []string{}
	it.UnitGroups = []UnitGroup{}
	var ctxDeadlines []string
	for i := range groups {
		g := &groups[i].g
		if leadFirst && !groups[i].explicit && len(g.Lead) == 0 && len(g.Units) > 0 {
			g.Lead = []string{g.Units[0]}
			if restCoop {
				g.Coop = append(append([]string{}, g.Units[1:]...), g.Coop...)
				g.Units = []string{}
			} else {
				g.Units = append([]string{}, g.Units[1:]...)
			}
		}
		if g.Lead == nil {
			g.Lead = []string{}
		}
		if g.Units == nil {
			g.Units = []string{}
		}
		if g.Coop == nil {
			g.Coop = []string{}
		}
		for _, u := range g.Lead {
			it.LeadUnits = addUnit(it.LeadUnits, u)
		}
		for _, u := range g.Units {
			it.Units = addUnit(it.Units, u)
		}
		for _, u := range g.Coop {
			it.CoopUnits = addUnit(it.CoopUnits, u)
		}
		if len(g.Lead)+len(g.Units)+len(g.Coop) > 0 {
			it.UnitGroups = append(it.UnitGroups, *g)
		}
		ctxDeadlines = append(ctxDeadlines, groups[i].deadlines...)
	}
	// The text without its unit groups.
	var b []rune
	pos := 0
	for _, g := range groups {
		if g.start < pos {
			continue
		}
		b = append(b, raw[pos:g.start]...)
		pos = g.end
	}
	b = append(b, raw[pos:]...)
	stripped := tidyText(string(b))
	it.Heading, it.Text = splitHeading(stripped)

	it.Deadlines = []Deadline{}
	seen := map[string]bool{}
	add := func(ds []Deadline) {
		for _, d := range ds {
			if !seen[d.Text] {
				seen[d.Text] = true
				it.Deadlines = append(it.Deadlines, d)
			}
		}
	}
	add(findDeadlines([]rune(it.Heading+"\n"+it.Text), year, false))
	for _, t := range ctxDeadlines {
		add(findDeadlines([]rune(t), year, true))
	}
	it.Indicators = findIndicators([]rune(it.Heading + "\n" + it.Text))
	if it.Indicators == nil {
		it.Indicators = []Indicator{}
	}
}

// tidyText removes the blank lines and stray separators that removing unit
// groups leaves behind.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		l = strings.TrimSpace(l)
		l = strings.TrimLeft(l, ";；,，")
		if l == "" || l == "。" {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// splitHeading separates an item's heading from its text: a first line
// without a full stop is a heading line; else a short first sentence (up to
// 。 or a short one up to ：) reads as a title.
func splitHeading(s string) (heading, text string) {
	first, rest, _ := strings.Cut(s, "\n")
	fr := []rune(first)
	if !strings.ContainsRune(first, '。') && len(fr) <= 60 && !strings.ContainsAny(first, ";；") {
		return strings.TrimRight(first, ":："), rest
	}
	rs := []rune(s)
	for i, r := range rs {
		if r == '\n' || i > 60 {
			break
		}
		if r == '。' || ((r == '：' || r == ':') && i <= 30) {
			h := string(rs[:i])
			comma := strings.ContainsAny(h, "，,")
			if i <= 40 && (!comma || i <= 25) {
				return h, strings.TrimSpace(string(rs[i+1:]))
			}
			break
		}
	}
	return "", s
}
