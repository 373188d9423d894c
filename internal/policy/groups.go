package policy

import (
	"cmp"
	"slices"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy/rule"
)

// groupFields are the fields a simulation may group by.
var groupFields = []string{"district", "size", "industry", "kind", "credit", "status", "street", "tags"}

// groupSet holds, for one grouping field of one snapshot, the rows of each
// value ("" for the rows where the field is unknown).
type groupSet struct {
	values []string // sorted, "" last
	rows   map[string]*roaring.Bitmap
	// For a field with one value per row (all but tags): the group of each
	// row as a code (1 + index into byCode; 0: no group, a deleted row), so
	// that a simulation counts and collects its rows per group in one pass.
	codes  []uint16
	code   map[string]uint16
	byCode []string
}

// single reports whether every row is in exactly one group.
func (gs *groupSet) single() bool { return gs.codes != nil }

// codeOf returns the code of value v, adding it if new.
func (gs *groupSet) codeOf(v string) uint16 {
	if c, ok := gs.code[v]; ok {
		return c
	}
	gs.byCode = append(gs.byCode, v)
	c := uint16(len(gs.byCode))
	gs.code[v] = c
	return c
}

// groupCache keeps the group sets of the current snapshot. The engine
// builds a field's set on first use and then keeps it current as it takes
// in changed enterprises, so a simulation grouped by district costs a few
// bitmap intersections, not a pass over the rows. A full reload (a new
// snapshot) empties it.
type groupCache struct {
	mu   sync.RWMutex
	snap *rule.Snapshot
	sets map[string]*groupSet
}

// groupValues returns the values of field for e as groups count them:
// one value, "" when unknown; for tags each tag, "" when unknown, none for
// a known empty set.
func groupValues(e *enterprise.Enterprise, field string) []string {
	one := func(p *string) []string {
		if p == nil {
			return []string{""}
		}
		return []string{*p}
	}
	switch field {
	case "district":
		return one(e.District)
	case "size":
		return one(e.Size)
	case "industry":
		return one(e.Industry)
	case "kind":
		return one(e.Kind)
	case "credit":
		return one(e.Credit)
	case "status":
		return one(e.Status)
	case "street":
		return one(e.Street)
	case "tags":
		if e.Tags == nil {
			return []string{""}
		}
		return e.Tags
	}
	return nil
}

// update moves row (now holding e) to its groups in every cached set of
// snap.
func (c *groupCache) update(snap *rule.Snapshot, row uint32, e *enterprise.Enterprise) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != snap {
		return
	}
	for field, gs := range c.sets {
		for _, bm := range gs.rows {
			bm.Remove(row)
		}
		if gs.single() {
			for int(row) >= len(gs.codes) {
				gs.codes = append(gs.codes, 0)
			}
			gs.codes[row] = gs.codeOf(groupValues(e, field)[0])
		}
		for _, v := range groupValues(e, field) {
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
}

// remove takes row out of every cached set of snap.
func (c *groupCache) remove(snap *rule.Snapshot, row uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != snap {
		return
	}
	for _, gs := range c.sets {
		for _, bm := range gs.rows {
			bm.Remove(row)
		}
		if gs.single() && int(row) < len(gs.codes) {
			gs.codes[row] = 0
		}
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

// with calls fn with the group set of field for snap, building it first if
// needed, while holding the cache's read lock (the sets must not change
// under fn). Errors: Invalid for a field that cannot group.
func (c *groupCache) with(snap *rule.Snapshot, field string, fn func(gs *groupSet) error) error {
	if !slices.Contains(groupFields, field) {
		return errs.FieldErrorf("group_by", "只能按分类字段或标签分组（%s），而不是“%s”", joinFields(), field)
	}
	c.mu.RLock()
	if c.snap == snap && c.sets[field] != nil {
		defer c.mu.RUnlock()
		return fn(c.sets[field])
	}
	c.mu.RUnlock()
	c.mu.Lock()
	if c.snap != snap {
		c.snap, c.sets = snap, map[string]*groupSet{}
	}
	if c.sets[field] == nil {
		// Built under the write lock: an enterprise taken in meanwhile
		// updates the set after this (update waits for the lock), so
		// nothing is missed.
		gs, err := buildGroupSet(snap, field)
		if err != nil {
			c.mu.Unlock()
			return err
		}
		c.sets[field] = gs
	}
	c.mu.Unlock()
	return c.with(snap, field, fn)
}

func joinFields() string {
	s := ""
	for i, f := range groupFields {
		if i > 0 {
			s += "、"
		}
		s += f
	}
	return s
}

// buildGroupSet finds the values of field in snap and the rows of each.
func buildGroupSet(snap *rule.Snapshot, field string) (*groupSet, error) {
	known := &rule.Rule{Field: field, Op: rule.OpKnown}
	if err := known.Validate(); err != nil {
		return nil, err
	}
	groups, err := snap.GroupBy(snap.Evaluate(known), field)
	if err != nil {
		return nil, errs.FieldErrorf("group_by", "%s", errs.MessageOf(err))
	}
	gs := &groupSet{rows: map[string]*roaring.Bitmap{}}
	for _, g := range groups {
		rows := groupRowsOf(snap, field, g.Value)
		if rows == nil {
			continue
		}
		gs.values = append(gs.values, g.Value)
		gs.rows[g.Value] = rows
	}
	sortValues(gs.values)
	if field != "tags" && len(gs.values) < 60000 {
		gs.codes, gs.code = make([]uint16, snap.Rows()), map[string]uint16{}
		for _, v := range gs.values {
			c := gs.codeOf(v)
			gs.rows[v].Iterate(func(row uint32) bool {
				if int(row) < len(gs.codes) {
					gs.codes[row] = c
				}
				return true
			})
		}
	}
	return gs, nil
}

// groupRowsOf returns the rows whose field has value v ("": unknown), or
// nil for a value no rule can name.
func groupRowsOf(snap *rule.Snapshot, field, v string) *roaring.Bitmap {
	leaf := &rule.Rule{Field: field, Op: rule.OpEq, Values: []string{v}}
	switch {
	case v == "":
		leaf = &rule.Rule{Field: field, Op: rule.OpUnknown}
	case field == "tags":
		leaf.Op = rule.OpHas
	}
	if err := leaf.Validate(); err != nil {
		return nil
	}
	return snap.Evaluate(leaf).Eligible
}
