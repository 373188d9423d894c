package rule

import (
	"math/bits"
	"sync"
	"unsafe"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/workday"
)

// Table is the city's enterprises held in memory column by column: the one
// in-memory copy of the registry, which answers both the policy engine
// (eligibility of a rule over the whole population in milliseconds,
// simulation, push candidates) and the registry search (filters, sort and
// page, Search). The policy engine keeps it current.
//
// Layout. Rows are numbered 0..n-1 in the order enterprises were added; an
// ID column maps rows to enterprise ids and a hash map maps ids to rows.
// Categorical fields (kind, industry, district, street, credit, status,
// size) are dictionary-encoded: a code per row plus one roaring bitmap of
// rows per value; industry also keeps one bitmap per code prefix (C, C3,
// C39, C391, C3911) so a prefix condition is a single bitmap. Tags keep one
// roaring bitmap per tag. Money and counts are []int64 columns, the founding
// date a []int32 column (workday.Date), names a byte arena. Every column
// has a dense "known" bitmap (1 bit per row); a live bitmap marks rows not
// deleted. age_years is not stored: a condition on it is turned into a
// range of founding dates for the snapshot's date (Today).
//
// Updates and concurrency. A Table is guarded by a readers-writer lock:
// Evaluate, GroupBy, Budget and the lookups hold the read lock for their
// whole run, so they see either all or nothing of an update and any number
// of them run at once; Upsert, Delete and SetToday take the write lock and
// change the columns in place (a writer waits for running readers, and new
// readers wait for a waiting writer, so neither starves). Upsert of a new
// id appends a row; Delete clears the row's values and its live bit but
// never reuses or renumbers it, so row numbers in an earlier Result keep
// naming the same enterprise. Results never share memory with the
// snapshot. A server keeps one Table current from its change events and
// rebuilds it (NewBuilder … Build, then swaps the pointer) when deleted
// rows pile up.
//
// Memory is about 200 bytes per enterprise, names included: 2.25 million
// enterprises take about 460 MB of heap (MemoryBytes estimates it). At 10
// million (a province) that is about 2 GB and a full evaluation takes about
// 4.5 times as long (evaluation already runs in chunks of rows on every
// core); beyond that, shard snapshots by district across machines.
type Table struct {
	mu    sync.RWMutex
	today workday.Date

	n     int    // rows, deleted ones included
	gen   uint64 // changes whenever a row is added or deleted
	ids   []int64
	rowOf map[int64]uint32
	live  bitset
	nlive int

	cats      [nFields]*catColumn // kind, industry, district, street, credit, status, size
	prefix    map[string]*roaring.Bitmap
	tags      map[string]*roaring.Bitmap
	tagsKnown bitset
	ints      [nFields]*intColumn // money fields and employees
	founded   dateColumn
	names     nameColumn
}

// catColumn is a dictionary-encoded column with a bitmap per value.
type catColumn struct {
	dict   []string
	lookup map[string]uint32
	codes  []uint32          // per row: 0 when unknown, else 1 + index into dict
	rows   []*roaring.Bitmap // per dict index
	known  bitset
}

// intColumn is a nullable int64 column.
type intColumn struct {
	vals  []int64
	known bitset
}

// dateColumn is a nullable workday.Date column.
type dateColumn struct {
	vals  []int32
	known bitset
}

// nameColumn keeps names in one byte arena; an empty name is unknown.
type nameColumn struct {
	buf   []byte
	off   []uint32
	size  []uint32
	known bitset
}

// maxPrefix is the longest industry prefix kept as a bitmap; rules accept
// prefixes up to a full 5-character code.
const maxPrefix = 5

// catFields lists the dictionary-encoded fields.
func catFields() []fieldID {
	return []fieldID{fKind, fIndustry, fDistrict, fStreet, fCredit, fStatus, fSize}
}

// intFields lists the int64 columns.
func intFields() []fieldID {
	return []fieldID{fRegisteredCapital, fEmployees, fRevenue, fRDExpense, fTaxPaid, fExportValue, fTotalAssets}
}

// Builder collects enterprises into a new Table. It is not safe for
// concurrent use.
type Builder struct {
	s *Table
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{s: newTable()}
}

func newTable() *Table {
	s := &Table{
		rowOf:  map[int64]uint32{},
		prefix: map[string]*roaring.Bitmap{},
		tags:   map[string]*roaring.Bitmap{},
	}
	for _, f := range catFields() {
		s.cats[f] = &catColumn{lookup: map[string]uint32{}}
	}
	for _, f := range intFields() {
		s.ints[f] = &intColumn{}
	}
	return s
}

// Add adds e (or replaces the enterprise with the same ID added before).
// The Builder keeps no reference to e.
func (b *Builder) Add(e *enterprise.Enterprise) {
	b.s.upsert(e)
}

// Build returns the snapshot with age_years computed for date today. The
// Builder must not be used afterwards.
func (b *Builder) Build(today workday.Date) *Table {
	s := b.s
	b.s = nil
	s.today = today
	for _, f := range catFields() {
		for _, bm := range s.cats[f].rows {
			bm.RunOptimize()
		}
	}
	for _, bm := range s.prefix {
		bm.RunOptimize()
	}
	for _, bm := range s.tags {
		bm.RunOptimize()
	}
	return s
}

// Upsert inserts or replaces enterprise e (by e.ID). The snapshot keeps no
// reference to e. Safe to call while other goroutines read.
func (s *Table) Upsert(e *enterprise.Enterprise) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.upsert(e)
}

// Delete removes the enterprise with the given id and reports whether it
// was there. Its row stays allocated, empty and not live.
func (s *Table) Delete(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	row, ok := s.rowOf[id]
	if !ok {
		return false
	}
	s.setRow(row, &enterprise.Enterprise{ID: id})
	s.live.clear(row)
	s.nlive--
	s.gen++
	delete(s.rowOf, id)
	return true
}

// SetToday changes the date that age_years conditions are evaluated for.
func (s *Table) SetToday(today workday.Date) {
	s.mu.Lock()
	s.today = today
	s.mu.Unlock()
}

// Today returns the date that age_years conditions are evaluated for.
func (s *Table) Today() workday.Date {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.today
}

// Len returns the number of enterprises (live rows).
func (s *Table) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.nlive
}

// Rows returns the number of rows, deleted ones included: every row number
// in a Result is below it.
func (s *Table) Rows() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.n
}

// Row returns the row of enterprise id and whether it is in the snapshot.
func (s *Table) Row(id int64) (uint32, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	row, ok := s.rowOf[id]
	return row, ok
}

// ID returns the enterprise id of row and whether the row is live.
func (s *Table) ID(row uint32) (int64, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if int(row) >= s.n {
		return 0, false
	}
	return s.ids[row], s.live.has(row)
}

// IDs returns the enterprise ids of the live rows in rows, in row order.
func (s *Table) IDs(rows *roaring.Bitmap) []int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]int64, 0, rows.GetCardinality())
	it := rows.Iterator()
	for it.HasNext() {
		r := it.Next()
		if int(r) < s.n && s.live.has(r) {
			out = append(out, s.ids[r])
		}
	}
	return out
}

// upsert inserts or replaces e; the caller holds the write lock.
func (s *Table) upsert(e *enterprise.Enterprise) {
	row, ok := s.rowOf[e.ID]
	if !ok {
		row = s.appendRow(e.ID)
	}
	s.setRow(row, e)
}

// appendRow adds an empty live row for id.
func (s *Table) appendRow(id int64) uint32 {
	row := uint32(s.n)
	s.n++
	s.gen++
	nw := words(s.n)
	s.ids = append(s.ids, id)
	s.rowOf[id] = row
	s.live = s.live.grow(nw)
	s.live.set(row)
	s.nlive++
	for _, f := range catFields() {
		c := s.cats[f]
		c.codes = append(c.codes, 0)
		c.known = c.known.grow(nw)
	}
	for _, f := range intFields() {
		c := s.ints[f]
		c.vals = append(c.vals, 0)
		c.known = c.known.grow(nw)
	}
	s.founded.vals = append(s.founded.vals, 0)
	s.founded.known = s.founded.known.grow(nw)
	s.names.off = append(s.names.off, 0)
	s.names.size = append(s.names.size, 0)
	s.names.known = s.names.known.grow(nw)
	s.tagsKnown = s.tagsKnown.grow(nw)
	return row
}

// setRow stores the values of e in row.
func (s *Table) setRow(row uint32, e *enterprise.Enterprise) {
	for _, f := range catFields() {
		v, ok := stringOf(e, f)
		s.setCat(f, row, v, ok)
	}
	for _, f := range intFields() {
		c := s.ints[f]
		if p := intField(e, f); p != nil {
			c.vals[row] = *p
			c.known.set(row)
		} else {
			c.vals[row] = 0
			c.known.clear(row)
		}
	}
	if e.Founded != nil {
		s.founded.vals[row] = int32(*e.Founded)
		s.founded.known.set(row)
	} else {
		s.founded.vals[row] = 0
		s.founded.known.clear(row)
	}
	s.setName(row, e.Name)
	s.setTags(row, e.Tags)
}

// setCat stores a categorical value (known or not) in row.
func (s *Table) setCat(f fieldID, row uint32, v string, known bool) {
	c := s.cats[f]
	var code uint32
	if known {
		code = c.code(v)
	}
	old := c.codes[row]
	if old == code {
		return
	}
	if old != 0 {
		c.rows[old-1].Remove(row)
		if f == fIndustry {
			s.prefixes(c.dict[old-1], func(p *roaring.Bitmap) { p.Remove(row) })
		}
	}
	c.codes[row] = code
	if code == 0 {
		c.known.clear(row)
		return
	}
	c.known.set(row)
	c.rows[code-1].Add(row)
	if f == fIndustry {
		s.prefixes(v, func(p *roaring.Bitmap) { p.Add(row) })
	}
}

// code returns the code of v, adding it to the dictionary if new.
func (c *catColumn) code(v string) uint32 {
	if code, ok := c.lookup[v]; ok {
		return code
	}
	c.dict = append(c.dict, v)
	c.rows = append(c.rows, roaring.New())
	code := uint32(len(c.dict))
	c.lookup[v] = code
	return code
}

// prefixes calls fn with the bitmap of every prefix of industry code v.
func (s *Table) prefixes(v string, fn func(*roaring.Bitmap)) {
	for k := 1; k <= len(v) && k <= maxPrefix; k++ {
		p := v[:k]
		bm, ok := s.prefix[p]
		if !ok {
			bm = roaring.New()
			s.prefix[p] = bm
		}
		fn(bm)
	}
}

// setName stores a name in row.
func (s *Table) setName(row uint32, name string) {
	c := &s.names
	if c.known.has(row) && string(c.buf[c.off[row]:c.off[row]+c.size[row]]) == name {
		return
	}
	if name == "" {
		c.off[row], c.size[row] = 0, 0
		c.known.clear(row)
		return
	}
	c.off[row] = uint32(len(c.buf))
	c.size[row] = uint32(len(name))
	c.buf = append(c.buf, name...)
	c.known.set(row)
}

// name returns the name in row.
func (c *nameColumn) name(row int) []byte {
	o := c.off[row]
	return c.buf[o : o+c.size[row]]
}

// setTags stores a tag set (nil: unknown) in row.
func (s *Table) setTags(row uint32, tags []string) {
	if s.tagsKnown.has(row) {
		for _, bm := range s.tags {
			bm.Remove(row)
		}
	}
	if tags == nil {
		s.tagsKnown.clear(row)
		return
	}
	s.tagsKnown.set(row)
	for _, t := range tags {
		bm, ok := s.tags[t]
		if !ok {
			bm = roaring.New()
			s.tags[t] = bm
		}
		bm.Add(row)
	}
}

// MemoryBytes estimates the memory the snapshot holds: columns, bitmaps,
// dictionaries and the id map.
func (s *Table) MemoryBytes() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var m uint64
	m += uint64(cap(s.ids)) * 8
	m += uint64(len(s.rowOf)) * 24 // swiss-table slot (8+4, padded) plus control byte at 7/8 load
	m += s.live.bytes() + s.tagsKnown.bytes()
	for _, f := range catFields() {
		c := s.cats[f]
		m += uint64(cap(c.codes))*4 + c.known.bytes()
		for i, v := range c.dict {
			m += uint64(len(v))*2 + 64 + c.rows[i].GetSizeInBytes()
		}
	}
	for k, bm := range s.prefix {
		m += uint64(len(k)) + 64 + bm.GetSizeInBytes()
	}
	for k, bm := range s.tags {
		m += uint64(len(k)) + 64 + bm.GetSizeInBytes()
	}
	for _, f := range intFields() {
		c := s.ints[f]
		m += uint64(cap(c.vals))*8 + c.known.bytes()
	}
	m += uint64(cap(s.founded.vals))*4 + s.founded.known.bytes()
	m += uint64(cap(s.names.buf)) + uint64(cap(s.names.off))*4 + uint64(cap(s.names.size))*4 + s.names.known.bytes()
	return m
}

// bitset is a dense bitmap of rows, 64 per word.
type bitset []uint64

// words returns the number of words for n rows.
func words(n int) int { return (n + 63) / 64 }

func (b bitset) has(i uint32) bool { return b[i>>6]&(1<<(i&63)) != 0 }
func (b bitset) set(i uint32)      { b[i>>6] |= 1 << (i & 63) }
func (b bitset) clear(i uint32)    { b[i>>6] &^= 1 << (i & 63) }

// grow extends b with zero words to nw words.
func (b bitset) grow(nw int) bitset {
	for len(b) < nw {
		b = append(b, 0)
	}
	return b
}

func (b bitset) bytes() uint64 { return uint64(cap(b)) * uint64(unsafe.Sizeof(uint64(0))) }

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}
