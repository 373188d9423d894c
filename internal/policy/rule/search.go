package rule

import (
	"bytes"
	"cmp"
	"math/bits"
	"runtime"
	"slices"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/qinqing/qinqing/internal/enterprise"
)

// Search answers a registry search from the snapshot (the work behind
// enterprise.SearchIndex): it returns the enterprise ids of the page
// q.Offset … q.Offset+q.Limit of the live enterprises matching q, in q's
// order, and the number of all matches. Filters are intersections of the
// value bitmaps; a name is a substring test of each remaining row's name
// in the arena; the page is a partial sort of the matches by the sort
// key, unknown values last and ties by id, as the database would order
// them. q.USCC is ignored: credit codes are the database's (unique index).
func (s *Table) Search(q enterprise.Query) (ids []int64, total int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	cand, ok := s.searchBitmap(q)
	if !ok {
		return []int64{}, 0
	}
	top := newTopK(q.Offset+q.Limit, s.searchLess(q.Sort, q.Desc))
	if q.Name != "" && (cand == nil || cand.GetCardinality() >= parallelScanRows) {
		// A name over most of the city: the rows' names are tested on
		// every core, then the matches that pass the filters are ranked.
		for _, row := range s.scanNames(q.Name) {
			if cand == nil || cand.Contains(row) {
				total++
				top.offer(row)
			}
		}
		return s.page(top, q.Offset), total
	}
	match := s.nameMatcher(q.Name)
	visit := func(row uint32) {
		if match != nil && !match(row) {
			return
		}
		total++
		top.offer(row)
	}
	if cand != nil {
		it := cand.ManyIterator()
		buf := make([]uint32, 1024)
		for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
			for _, row := range buf[:n] {
				visit(row)
			}
		}
	} else {
		s.live.each(visit)
	}
	return s.page(top, q.Offset), total
}

// page returns the ids of the rows top kept, from offset on.
func (s *Table) page(top *topK, offset int) []int64 {
	rows := top.sorted()
	if offset >= len(rows) {
		return []int64{}
	}
	ids := make([]int64, 0, len(rows)-offset)
	for _, row := range rows[offset:] {
		ids = append(ids, s.ids[row])
	}
	return ids
}

// parallelScanRows is the number of candidate rows from which a name is
// tested on every core rather than row by row along the filters' bitmap
// (a variable for the tests of both ways).
var parallelScanRows uint64 = 200_000

// scanNames returns the live rows whose names contain part, in row order,
// testing ranges of rows on GOMAXPROCS goroutines.
func (s *Table) scanNames(part string) []uint32 {
	nw := len(s.live)
	workers := max(min(runtime.GOMAXPROCS(0), nw), 1)
	chunk := (nw + workers - 1) / workers
	found := make([][]uint32, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, nw)
		if lo >= hi {
			continue
		}
		wg.Go(func() {
			match := s.nameMatcher(part) // its own buffer
			var out []uint32
			s.live[lo:hi].each(func(i uint32) {
				if row := uint32(lo<<6) + i; match(row) {
					out = append(out, row)
				}
			})
			found[w] = out
		})
	}
	wg.Wait()
	return slices.Concat(found...)
}

// searchBitmap returns the live rows that pass q's categorical and tag
// filters, or nil when q has none (every live row passes); ok is false
// when a filter names a value no enterprise has.
func (s *Table) searchBitmap(q enterprise.Query) (rows *roaring.Bitmap, ok bool) {
	var parts []*roaring.Bitmap
	for _, c := range []struct {
		f fieldID
		v string
	}{{fDistrict, q.District}, {fSize, q.Size}, {fCredit, q.Credit}, {fStatus, q.Status}} {
		if c.v == "" {
			continue
		}
		code, found := s.cats[c.f].lookup[c.v]
		if !found {
			return nil, false
		}
		parts = append(parts, s.cats[c.f].rows[code-1])
	}
	if q.Industry != "" {
		bm, found := s.prefix[q.Industry]
		if !found {
			return nil, false
		}
		parts = append(parts, bm)
	}
	for _, t := range q.Tags {
		bm, found := s.tags[t]
		if !found {
			return nil, false
		}
		parts = append(parts, bm)
	}
	switch len(parts) {
	case 0:
		return nil, true
	case 1:
		// Deleted rows are in no value bitmap (Delete clears the row).
		return parts[0], true
	}
	return roaring.FastAnd(parts...), true
}

// nameMatcher returns the test of whether a row's name contains part
// (ASCII letters already lower-cased), ignoring the case of ASCII letters;
// nil when part is empty.
func (s *Table) nameMatcher(part string) func(row uint32) bool {
	if part == "" {
		return nil
	}
	needle := []byte(part)
	names := &s.names
	fold := bytes.ContainsFunc(needle, func(r rune) bool { return r >= 'a' && r <= 'z' })
	if !fold {
		// No Latin letter in the part: a byte comparison is exact (an
		// upper-case letter of the name cannot be part of a match).
		return func(row uint32) bool {
			return names.known.has(row) && bytes.Contains(names.name(int(row)), needle)
		}
	}
	var lower []byte
	return func(row uint32) bool {
		if !names.known.has(row) {
			return false
		}
		lower = append(lower[:0], names.name(int(row))...)
		for i, c := range lower {
			if c >= 'A' && c <= 'Z' {
				lower[i] = c + 'a' - 'A'
			}
		}
		return bytes.Contains(lower, needle)
	}
}

// searchLess returns the order of the search: by id, or by a sort key with
// unknown values last and ties by id, descending when desc.
func (s *Table) searchLess(key string, desc bool) func(a, b uint32) bool {
	ids := s.ids
	byID := func(a, b uint32) bool { return ids[a] < ids[b] != desc }
	// then orders by cmp (negative: a first when ascending), unknown last.
	then := func(known bitset, cmp func(a, b uint32) int) func(a, b uint32) bool {
		return func(a, b uint32) bool {
			ka, kb := known.has(a), known.has(b)
			if ka != kb {
				return ka
			}
			if ka {
				if c := cmp(a, b); c != 0 {
					return c < 0 != desc
				}
			}
			return byID(a, b)
		}
	}
	switch key {
	case "name":
		return then(s.names.known, func(a, b uint32) int {
			return bytes.Compare(s.names.name(int(a)), s.names.name(int(b)))
		})
	case "founded":
		v := s.founded.vals
		return then(s.founded.known, func(a, b uint32) int { return cmp.Compare(v[a], v[b]) })
	case "revenue", "employees":
		f := fRevenue
		if key == "employees" {
			f = fEmployees
		}
		c := s.ints[f]
		return then(c.known, func(a, b uint32) int { return cmp.Compare(c.vals[a], c.vals[b]) })
	}
	return byID
}

// each calls fn with every set bit of b in order.
func (b bitset) each(fn func(i uint32)) {
	for w, word := range b {
		for word != 0 {
			t := word & -word
			fn(uint32(w<<6) + uint32(bits.TrailingZeros64(word)))
			word ^= t
		}
	}
}

// topK keeps the first k rows of an order among the rows offered: a heap
// with the last of the kept rows at the top, so that most rows of a large
// match are turned away by one comparison.
type topK struct {
	k    int
	less func(a, b uint32) bool
	heap []uint32
}

func newTopK(k int, less func(a, b uint32) bool) *topK {
	return &topK{k: k, less: less, heap: make([]uint32, 0, min(k, 1<<16))}
}

func (t *topK) offer(row uint32) {
	h := t.heap
	if len(h) < t.k {
		h = append(h, row)
		for i := len(h) - 1; i > 0; {
			p := (i - 1) / 2
			if !t.less(h[p], h[i]) {
				break
			}
			h[p], h[i] = h[i], h[p]
			i = p
		}
		t.heap = h
		return
	}
	if t.k == 0 || !t.less(row, h[0]) {
		return
	}
	h[0] = row
	for i := 0; ; {
		c := 2*i + 1
		if c >= len(h) {
			break
		}
		if c+1 < len(h) && t.less(h[c], h[c+1]) {
			c++
		}
		if !t.less(h[i], h[c]) {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// sorted returns the kept rows in order.
func (t *topK) sorted() []uint32 {
	slices.SortFunc(t.heap, func(a, b uint32) int {
		switch {
		case t.less(a, b):
			return -1
		case t.less(b, a):
			return 1
		}
		return 0
	})
	return t.heap
}
