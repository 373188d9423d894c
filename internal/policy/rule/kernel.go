package rule

import (
	"math/bits"
	"sync"
)

// Scan kernels: the loops that turn a column into bitset words. They are
// branch-free in the data (a mispredicted branch per row costs more than
// the comparison), work on one 64-row word at a time and write whole
// words, so that a condition's result never passes through a roaring
// bitmap.

// sparseWord is the number of candidates in a 64-row word below which a
// scan tests the candidates one by one instead of all 64 rows.
const sparseWord = 16

// scanRange sets t to the candidate rows of care that are known and whose
// value is in [lo, hi], and f to the other known candidates. vals, known,
// care, t and f cover the same rows, vals starting at the first row of
// care's first word.
func scanRange[T int32 | int64](vals []T, known, care bitset, lo, hi int64, t, f bitset) {
	span := uint64(hi) - uint64(lo)
	ulo := uint64(lo)
	for i, c := range care {
		c &= known[i]
		var w uint64
		switch base := i << 6; {
		case c == 0:
		case bits.OnesCount64(c) >= sparseWord && base+64 <= len(vals):
			w = rangeWord((*[64]T)(vals[base:base+64]), ulo, span)
		default:
			w = rangeSparse(vals[base:], c, ulo, span)
		}
		t[i] = w & c
		f[i] = c &^ w
	}
}

// rangeWord returns bit j set when vs[j] is in the range starting at ulo
// of width span (unsigned arithmetic: v-ulo <= span). Four comparisons
// are combined before they join the word, so the dependency chain is one
// OR per four rows.
func rangeWord[T int32 | int64](vs *[64]T, ulo, span uint64) uint64 {
	var out uint64 // bit j set: vs[j] is out of range
	for j := 0; j <= 60; j += 4 {
		_, b0 := bits.Sub64(span, uint64(int64(vs[j]))-ulo, 0)
		_, b1 := bits.Sub64(span, uint64(int64(vs[j+1]))-ulo, 0)
		_, b2 := bits.Sub64(span, uint64(int64(vs[j+2]))-ulo, 0)
		_, b3 := bits.Sub64(span, uint64(int64(vs[j+3]))-ulo, 0)
		out |= (b0 | b1<<1 | b2<<2 | b3<<3) << uint(j)
	}
	return ^out
}

// rangeSparse returns the rows of mask m (over vs[0:64]) whose value is in
// the range, visiting only the rows of m.
func rangeSparse[T int32 | int64](vs []T, m uint64, ulo, span uint64) uint64 {
	var w uint64
	for ; m != 0; m &= m - 1 {
		j := bits.TrailingZeros64(m)
		_, out := bits.Sub64(span, uint64(int64(vs[j]))-ulo, 0)
		w |= m & -m &^ -out // the lowest bit of m, unless out of range
	}
	return w
}

// densePool recycles bitsets covering every row of a snapshot (the dense
// form of set conditions and of Evaluate's outcomes), so that an
// evaluation does not hand the garbage collector a few megabytes.
var densePool sync.Pool // of *bitset

// getDense returns a bitset of nw words with any content.
func getDense(nw int) bitset {
	if p, ok := densePool.Get().(*bitset); ok && cap(*p) >= nw {
		return (*p)[:nw]
	}
	return make(bitset, nw)
}

// putDense returns b to the pool.
func putDense(b bitset) {
	if b != nil {
		densePool.Put(&b)
	}
}
