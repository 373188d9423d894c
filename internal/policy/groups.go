package policy

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy/rule"
)

// groupFields are the fields a simulation may group by.
var groupFields = []string{"district", "size", "industry", "kind", "credit", "status", "street", "tags"}

// groupByErr is the error for a field a simulation cannot group by.
func groupByErr(field string) error {
	return errs.FieldErrorf("group_by", "只能按分类字段或标签分组（%s），而不是“%s”", strings.Join(groupFields, "、"), field)
}

// groupSet holds the rows of each tag of one snapshot, and the rows whose
// tags are unknown under "".
type groupSet struct {
	values []string // sorted, "" last
	rows   map[string]*roaring.Bitmap
}

// groupCache keeps the tag groups of the current snapshot: an enterprise
// counts under each of its tags, so a simulation grouped by tags
// intersects its outcome with each tag's rows. The engine builds the set
// on first use and then keeps it current as it takes in changed
// enterprises; a full reload (a new snapshot) empties it. (Fields with one
// value per enterprise need no cache: rule.Table.Tally counts them from
// the snapshot's own columns.)
type groupCache struct {
	mu   sync.RWMutex
	snap *rule.Table
	tags *groupSet
}

// tagValues returns the groups e counts under: each tag, "" when its tags
// are unknown, none for a known empty set.
func tagValues(e *enterprise.Enterprise) []string {
	if e.Tags == nil {
		return []string{""}
	}
	return e.Tags
}

// update moves row (now holding e) to its groups, if the cache holds the
// groups of snap.
func (c *groupCache) update(snap *rule.Table, row uint32, e *enterprise.Enterprise) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != snap || c.tags == nil {
		return
	}
	gs := c.tags
	for _, bm := range gs.rows {
		bm.Remove(row)
	}
	for _, v := range tagValues(e) {
		bm := gs.rows[v]
		if bm == nil {
			bm = roaring.New()
			gs.rows[v] = bm
			gs.values = append(gs.values, v)
			sortValues(gs.values)
		}
		bm.Add(row)
	}
}

// remove takes row out of every group, if the cache holds the groups of
// snap.
func (c *groupCache) remove(snap *rule.Table, row uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != snap || c.tags == nil {
		return
	}
	for _, bm := range c.tags.rows {
		bm.Remove(row)
	}
}

func sortValues(vs []string) {
	slices.SortFunc(vs, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == "":
			return 1
		case b == "":
			return -1
		}
		return cmp.Compare(a, b)
	})
}

// withTags calls fn with the tag groups of snap, building them first if
// needed, while holding the cache's read lock (the groups must not change
// under fn).
func (c *groupCache) withTags(snap *rule.Table, fn func(gs *groupSet) error) error {
	c.mu.RLock()
	if c.snap == snap && c.tags != nil {
		defer c.mu.RUnlock()
		return fn(c.tags)
	}
	c.mu.RUnlock()
	c.mu.Lock()
	if c.snap != snap || c.tags == nil {
		// Built under the write lock: an enterprise taken in meanwhile
		// updates the set after this (update waits for the lock), so
		// nothing is missed.
		gs, err := buildTagGroups(snap)
		if err != nil {
			c.mu.Unlock()
			return err
		}
		c.snap, c.tags = snap, gs
	}
	c.mu.Unlock()
	return c.withTags(snap, fn)
}

// buildTagGroups finds the tags in snap and the rows of each.
func buildTagGroups(snap *rule.Table) (*groupSet, error) {
	known := &rule.Rule{Field: "tags", Op: rule.OpKnown}
	if err := known.Validate(); err != nil {
		return nil, err
	}
	groups, err := snap.GroupBy(snap.Evaluate(known), "tags")
	if err != nil {
		return nil, err
	}
	gs := &groupSet{rows: map[string]*roaring.Bitmap{}}
	for _, g := range groups {
		leaf := &rule.Rule{Field: "tags", Op: rule.OpHas, Values: []string{g.Value}}
		if g.Value == "" {
			leaf = &rule.Rule{Field: "tags", Op: rule.OpUnknown}
		}
		if err := leaf.Validate(); err != nil {
			continue // a tag no rule can name
		}
		gs.values = append(gs.values, g.Value)
		gs.rows[g.Value] = snap.Evaluate(leaf).Eligible
	}
	sortValues(gs.values)
	return gs, nil
}
