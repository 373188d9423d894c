package parse

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Diff is what changed between two parsed versions of a document (a revised
// plan): items added, removed and changed, each change with what changed in
// it. Items are matched by their text — the same path with similar text, or
// very similar text anywhere (a renumbered or moved item) — never by the
// path alone, so an inserted item does not turn every later one into a
// rewording.
type Diff struct {
	Meta    []FieldChange `json:"meta"`    // title, 文号, issuer, date that changed
	Changes []ItemChange  `json:"changes"` // every item, in the order of the new document; removed items after their old predecessor
	// Added, Removed, Changed and Unchanged count the items.
	Added     int      `json:"added"`
	Removed   int      `json:"removed"`
	Changed   int      `json:"changed"`
	Unchanged int      `json:"unchanged"`
	Warnings  []string `json:"warnings"`
}

// FieldChange is a metadata field whose value changed.
type FieldChange struct {
	Field string `json:"field"` // title, plan_title, doc_number, issuer, date
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Item change kinds.
const (
	ItemAdded     = "added"
	ItemRemoved   = "removed"
	ItemChanged   = "changed"
	ItemUnchanged = "unchanged"
)

// ItemChange is one item of either version and what changed in it.
type ItemChange struct {
	Kind string `json:"kind"` // added, removed, changed, unchanged
	// OldIndex and NewIndex are the item's index in the old and the new
	// plan's Items, -1 where it has none.
	OldIndex int   `json:"old_index"`
	NewIndex int   `json:"new_index"`
	OldPath  []int `json:"old_path"`
	NewPath  []int `json:"new_path"`
	// Similarity of the two texts, 0 to 1 (1 for an added or removed item).
	Similarity float64 `json:"similarity"`
	// Fields lists what changed: path (renumbered or moved), heading, text,
	// units, deadlines, indicators.
	Fields     []string          `json:"fields"`
	Units      []UnitChange      `json:"units"`
	Deadlines  []DeadlineChange  `json:"deadlines"`
	Indicators []IndicatorChange `json:"indicators"`
}

// UnitChange is a unit added to or removed from an item in a role.
type UnitChange struct {
	Change string `json:"change"` // added, removed
	Role   string `json:"role"`   // lead, units, coop
	Name   string `json:"name"`
}

// DeadlineChange is a deadline added to or removed from an item.
type DeadlineChange struct {
	Change   string   `json:"change"` // added, removed
	Deadline Deadline `json:"deadline"`
}

// IndicatorChange is a quantitative target added to or removed from an item
// (a changed target is one removed and one added).
type IndicatorChange struct {
	Change    string    `json:"change"` // added, removed
	Indicator Indicator `json:"indicator"`
}

// Thresholds of the item matching.
const (
	// matchAnywhere is the similarity at which two items match wherever they are.
	matchAnywhere = 0.6
	// matchSamePath is the similarity at which two items at the same path match.
	matchSamePath = 0.3
	// maxPairs bounds the pairs of items compared by text; beyond it the
	// remaining items match only by path and identical text.
	maxPairs = 1_000_000
)

// DiffPlans compares two parsed versions of a document.
func DiffPlans(old, cur *Plan) *Diff {
	d := &Diff{Meta: []FieldChange{}, Changes: []ItemChange{}, Warnings: []string{}}
	for _, f := range []struct{ name, a, b string }{
		{"title", old.Title, cur.Title}, {"plan_title", old.PlanTitle, cur.PlanTitle},
		{"doc_number", old.DocNumber, cur.DocNumber}, {"issuer", old.Issuer, cur.Issuer}, {"date", old.Date, cur.Date},
	} {
		if f.a != f.b {
			d.Meta = append(d.Meta, FieldChange{Field: f.name, Old: f.a, New: f.b})
		}
	}
	match, sims := matchItems(old.Items, cur.Items, d)

	// Removed items are placed after the item that preceded them in the
	// old document.
	oldMatched := make([]int, len(old.Items)) // old index → new index, -1
	for i := range oldMatched {
		oldMatched[i] = -1
	}
	for j, i := range match {
		if i >= 0 {
			oldMatched[i] = j
		}
	}
	nextOld := 0
	emitRemoved := func(upTo int) {
		for ; nextOld < upTo; nextOld++ {
			if oldMatched[nextOld] < 0 {
				it := &old.Items[nextOld]
				d.Changes = append(d.Changes, ItemChange{
					Kind: ItemRemoved, OldIndex: nextOld, NewIndex: -1, OldPath: it.Path, NewPath: []int{},
					Similarity: 1, Fields: []string{}, Units: itemUnits(it, "removed"), Deadlines: []DeadlineChange{}, Indicators: []IndicatorChange{},
				})
				d.Removed++
			}
		}
	}
	for j := range cur.Items {
		nw := &cur.Items[j]
		i := match[j]
		if i < 0 {
			d.Changes = append(d.Changes, ItemChange{
				Kind: ItemAdded, OldIndex: -1, NewIndex: j, OldPath: []int{}, NewPath: nw.Path,
				Similarity: 1, Fields: []string{}, Units: itemUnits(nw, "added"), Deadlines: []DeadlineChange{}, Indicators: []IndicatorChange{},
			})
			d.Added++
			continue
		}
		if i >= nextOld {
			emitRemoved(i)
		}
		c := compareItems(&old.Items[i], nw)
		c.OldIndex, c.NewIndex, c.Similarity = i, j, sims[j]
		if len(c.Fields) == 0 {
			c.Kind = ItemUnchanged
			d.Unchanged++
		} else {
			c.Kind = ItemChanged
			d.Changed++
		}
		d.Changes = append(d.Changes, c)
	}
	emitRemoved(len(old.Items))
	return d
}

// itemUnits lists an added or removed item's units as changes.
func itemUnits(it *Item, change string) []UnitChange {
	out := []UnitChange{}
	for _, r := range []struct {
		role  string
		units []string
	}{{"lead", it.LeadUnits}, {"units", it.Units}, {"coop", it.CoopUnits}} {
		for _, u := range r.units {
			out = append(out, UnitChange{Change: change, Role: r.role, Name: u})
		}
	}
	return out
}

// compareItems says what changed between two matched items.
func compareItems(a, b *Item) ItemChange {
	c := ItemChange{OldPath: a.Path, NewPath: b.Path, Fields: []string{}, Units: []UnitChange{}, Deadlines: []DeadlineChange{}, Indicators: []IndicatorChange{}}
	if !slices.Equal(a.Path, b.Path) {
		c.Fields = append(c.Fields, "path")
	}
	if squash(a.Heading) != squash(b.Heading) {
		c.Fields = append(c.Fields, "heading")
	}
	if squash(a.Text) != squash(b.Text) {
		c.Fields = append(c.Fields, "text")
	}
	for _, r := range []struct {
		role string
		a, b []string
	}{{"lead", a.LeadUnits, b.LeadUnits}, {"units", a.Units, b.Units}, {"coop", a.CoopUnits, b.CoopUnits}} {
		for _, u := range r.a {
			if !slices.Contains(r.b, u) {
				c.Units = append(c.Units, UnitChange{Change: "removed", Role: r.role, Name: u})
			}
		}
		for _, u := range r.b {
			if !slices.Contains(r.a, u) {
				c.Units = append(c.Units, UnitChange{Change: "added", Role: r.role, Name: u})
			}
		}
	}
	if len(c.Units) > 0 {
		c.Fields = append(c.Fields, "units")
	}
	dkey := func(d Deadline) string {
		if d.Date != nil {
			return d.Text + "|" + d.Date.String()
		}
		return d.Text + "|"
	}
	for _, x := range a.Deadlines {
		if !slices.ContainsFunc(b.Deadlines, func(y Deadline) bool { return dkey(x) == dkey(y) }) {
			c.Deadlines = append(c.Deadlines, DeadlineChange{Change: "removed", Deadline: x})
		}
	}
	for _, y := range b.Deadlines {
		if !slices.ContainsFunc(a.Deadlines, func(x Deadline) bool { return dkey(x) == dkey(y) }) {
			c.Deadlines = append(c.Deadlines, DeadlineChange{Change: "added", Deadline: y})
		}
	}
	if len(c.Deadlines) > 0 {
		c.Fields = append(c.Fields, "deadlines")
	}
	ikey := func(x Indicator) string {
		return x.Name + "|" + x.Op + "|" + strconv.FormatFloat(x.Value, 'g', -1, 64) + "|" + x.Unit
	}
	for _, x := range a.Indicators {
		if !slices.ContainsFunc(b.Indicators, func(y Indicator) bool { return ikey(x) == ikey(y) }) {
			c.Indicators = append(c.Indicators, IndicatorChange{Change: "removed", Indicator: x})
		}
	}
	for _, y := range b.Indicators {
		if !slices.ContainsFunc(a.Indicators, func(x Indicator) bool { return ikey(x) == ikey(y) }) {
			c.Indicators = append(c.Indicators, IndicatorChange{Change: "added", Indicator: y})
		}
	}
	if len(c.Indicators) > 0 {
		c.Fields = append(c.Fields, "indicators")
	}
	return c
}

// squash is a text without spaces and line breaks, for comparing texts that
// differ only in how they were laid out.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// itemKey is what an item's text is compared by: its heading and text,
// folded, without spaces and punctuation.
func itemKey(it *Item) []rune {
	var out []rune
	for _, r := range fold([]rune(it.Heading + it.Text)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, r)
		}
	}
	return out
}

// bigrams counts the pairs of adjacent runes of s (a single rune counts as
// itself), the basis of the Dice similarity of two texts.
func bigrams(s []rune) map[[2]rune]int {
	m := make(map[[2]rune]int, len(s))
	if len(s) == 1 {
		m[[2]rune{s[0], 0}]++
	}
	for i := 0; i+1 < len(s); i++ {
		m[[2]rune{s[i], s[i+1]}]++
	}
	return m
}

// dice is the Dice similarity of two bigram counts: twice the shared pairs
// over all pairs; two empty texts are equal.
func dice(a, b map[[2]rune]int) float64 {
	na, nb := 0, 0
	for _, n := range a {
		na += n
	}
	for _, n := range b {
		nb += n
	}
	if na+nb == 0 {
		return 1
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	shared := 0
	for k, n := range a {
		shared += min(n, b[k])
	}
	return 2 * float64(shared) / float64(na+nb)
}

// matchItems pairs the items of two versions: for each new item the index
// of its old item or -1, and the similarity of each pair. Identical texts
// pair first (in order), then the pairs of highest similarity, a pair at
// the same path preferred.
func matchItems(old, cur []Item, d *Diff) ([]int, []float64) {
	match := make([]int, len(cur))
	sims := make([]float64, len(cur))
	for j := range match {
		match[j] = -1
	}
	used := make([]bool, len(old))
	oldKeys := make([][]rune, len(old))
	curKeys := make([][]rune, len(cur))
	for i := range old {
		oldKeys[i] = itemKey(&old[i])
	}
	for j := range cur {
		curKeys[j] = itemKey(&cur[j])
	}
	// Identical texts, the same path first, then in order.
	byText := map[string][]int{}
	for i := range old {
		k := string(oldKeys[i])
		byText[k] = append(byText[k], i)
	}
	for pass := 0; pass < 2; pass++ {
		for j := range cur {
			if match[j] >= 0 {
				continue
			}
			for _, i := range byText[string(curKeys[j])] {
				if !used[i] && (pass == 1 || slices.Equal(old[i].Path, cur[j].Path)) {
					match[j], sims[j], used[i] = i, 1, true
					break
				}
			}
		}
	}
	// Similar texts.
	var oi, cj []int
	for i := range old {
		if !used[i] {
			oi = append(oi, i)
		}
	}
	for j := range cur {
		if match[j] < 0 {
			cj = append(cj, j)
		}
	}
	if len(oi)*len(cj) > maxPairs {
		d.Warnings = append(d.Warnings, "条目过多，未按文字相似度匹配其余条目")
		return match, sims
	}
	ob := make([]map[[2]rune]int, len(old))
	for _, i := range oi {
		ob[i] = bigrams(oldKeys[i])
	}
	type pair struct {
		i, j      int
		sim, rank float64
	}
	var pairs []pair
	for _, j := range cj {
		cb := bigrams(curKeys[j])
		for _, i := range oi {
			s := dice(ob[i], cb)
			same := slices.Equal(old[i].Path, cur[j].Path)
			if s >= matchAnywhere || (same && s >= matchSamePath) {
				r := s
				if same {
					r += 0.15
				}
				pairs = append(pairs, pair{i, j, s, r})
			}
		}
	}
	sort.SliceStable(pairs, func(a, b int) bool { return pairs[a].rank > pairs[b].rank })
	for _, p := range pairs {
		if used[p.i] || match[p.j] >= 0 {
			continue
		}
		match[p.j], sims[p.j], used[p.i] = p.i, p.sim, true
	}
	return match, sims
}
