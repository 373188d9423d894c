package analysis

import (
	"cmp"
	"runtime"
	"slices"
	"sync"
	"unicode"
)

// Doc is one appeal as clustering sees it: its text and the facts the
// similarity weighs besides the text.
type Doc struct {
	ID           int64
	EnterpriseID int64 // 0: anonymous or unknown
	Category     string
	District     string
	Text         string
}

// The clustering's parameters. Character bigrams are the shingles (a
// paraphrase keeps the problem's nouns, which are two-character words
// mostly); numHashes minimum hashes make a signature, cut into bands of
// rowsPerBand: two texts whose shingle sets have Jaccard similarity J
// become candidates with probability 1-(1-J²)^64 (J = 0.2: 93 %, J = 0.3:
// 99.7 %). A candidate pair joins when its exact Jaccard similarity plus
// sameCategory (same category) and sameDistrict (same district) reaches
// joinScore, and the text alone reaches minJaccard.
const (
	numHashes    = 128
	rowsPerBand  = 2
	numBands     = numHashes / rowsPerBand
	joinScore    = 0.30
	minJaccard   = 0.18
	sameCategory = 0.08
	sameDistrict = 0.04
	// A bucket holding more documents than maxBucket is a shingle
	// everything shares, not a problem: it proposes no pairs.
	maxBucket = 200
)

// shingles returns the sorted distinct hashed character bigrams of text:
// letters and digits only, lower-cased; punctuation and spaces separate.
func shingles(text string) []uint32 {
	var out []uint32
	var prev rune = -1
	for _, r := range text {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			prev = -1
			continue
		}
		r = unicode.ToLower(r)
		if prev >= 0 {
			out = append(out, uint32(mix(uint64(prev)<<21|uint64(r))))
		}
		prev = r
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// mix is splitmix64's finaliser: a fixed, well-spread hash of x.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// signature returns the MinHash signature of a shingle set.
func signature(set []uint32) [numHashes]uint32 {
	var sig [numHashes]uint32
	for i := range sig {
		sig[i] = ^uint32(0)
	}
	for _, sh := range set {
		x := uint64(sh)
		for i := range sig {
			if h := uint32(mix(x ^ uint64(i+1)*0x9e3779b97f4a7c15)); h < sig[i] {
				sig[i] = h
			}
		}
	}
	return sig
}

// jaccard returns |a ∩ b| / |a ∪ b| of two sorted sets.
func jaccard(a, b []uint32) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	i, j, both := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			both++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(both) / float64(len(a)+len(b)-both)
}

// ClusterDocs groups docs that describe the same problem: the groups of
// two or more, each as indexes into docs in ascending order, the largest
// group first (ties: the one with the smaller first index). The result
// depends only on docs and their order.
//
// Documents with the same text are one text to the similarity: shingles,
// document frequencies and MinHash signatures are computed once per
// distinct text, and document frequency counts distinct texts, so that a
// stop shingle is one common to many different texts — not the words of
// a mass complaint, thousands of enterprises sending one text, which is
// one cluster of its size. Identical texts join, as their Jaccard
// similarity of 1 would have them, when they have a shingle at all. LSH
// proposes pairs of distinct texts among one representative of each
// text, category and district (similar weighs the last two).
func ClusterDocs(docs []Doc) [][]int {
	// texts lists the first document of each distinct text, textOf[i]
	// the index into texts of docs[i]'s; reps the first document of each
	// text, category and district.
	textOf := make([]int, len(docs))
	var texts, reps []int
	{
		byText := make(map[string]int, len(docs))
		byGroup := make(map[string]bool, len(docs))
		var key []byte
		for i, d := range docs {
			t, ok := byText[d.Text]
			if !ok {
				t = len(texts)
				byText[d.Text] = t
				texts = append(texts, i)
			}
			textOf[i] = t
			key = append(append(append(append(append(key[:0], d.Category...), 0), d.District...), 0), d.Text...)
			if !byGroup[string(key)] {
				byGroup[string(key)] = true
				reps = append(reps, i)
			}
		}
	}
	n := len(texts)
	sets := make([][]uint32, n)
	sigs := make([][numHashes]uint32, n)
	parallel(n, func(t int) { sets[t] = shingles(docs[texts[t]].Text) })
	// Identical texts join when their text has a shingle (before the
	// common ones are dropped: identical texts are the same problem
	// however common their words).
	joins := make([]bool, n)
	for t := range sets {
		joins[t] = len(sets[t]) > 0
	}
	// Shingles in very many distinct texts ("企业", "公司") say nothing
	// about the problem: they are dropped before hashing.
	df := map[uint32]int32{}
	for _, set := range sets {
		for _, sh := range set {
			df[sh]++
		}
	}
	limit := int32(max(20, n/50))
	parallel(n, func(t int) {
		sets[t] = slices.DeleteFunc(sets[t], func(sh uint32) bool { return df[sh] > limit })
		sigs[t] = signature(sets[t])
	})
	uf := newUnionFind(len(docs))
	for i, t := range textOf {
		if f := texts[t]; f != i && joins[t] {
			uf.union(f, i)
		}
	}
	buckets := map[uint64][]int32{}
	seen := map[uint64]bool{}
	for b := range numBands {
		clear(buckets)
		for x, i := range reps {
			t := textOf[i]
			if len(sets[t]) == 0 {
				continue
			}
			k := uint64(b)
			for r := range rowsPerBand {
				k = mix(k ^ uint64(sigs[t][b*rowsPerBand+r]))
			}
			buckets[k] = append(buckets[k], int32(x))
		}
		for _, ids := range buckets {
			if len(ids) < 2 || len(ids) > maxBucket {
				continue
			}
			for x := range ids {
				for y := x + 1; y < len(ids); y++ {
					i, j := reps[ids[x]], reps[ids[y]]
					ti, tj := textOf[i], textOf[j]
					if ti == tj {
						continue // joined above
					}
					key := uint64(ids[x])<<32 | uint64(ids[y])
					if seen[key] {
						continue
					}
					seen[key] = true
					if similar(docs[i], docs[j], sets[ti], sets[tj]) {
						uf.union(i, j)
					}
				}
			}
		}
	}
	groups := map[int][]int{}
	for i := range docs {
		r := uf.find(i)
		groups[r] = append(groups[r], i)
	}
	var out [][]int
	for _, g := range groups {
		if len(g) > 1 {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b []int) int { return cmp.Or(cmp.Compare(len(b), len(a)), cmp.Compare(a[0], b[0])) })
	return out
}

// similar reports whether two candidate documents join: their texts'
// Jaccard similarity, raised by a shared category and district.
func similar(a, b Doc, sa, sb []uint32) bool {
	j := jaccard(sa, sb)
	if j < minJaccard {
		return false
	}
	score := j
	if a.Category != "" && a.Category == b.Category {
		score += sameCategory
	}
	if a.District != "" && a.District == b.District {
		score += sameDistrict
	}
	return score >= joinScore
}

// parallel runs f for 0..n-1 on every processor.
func parallel(n int, f func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				f(i)
			}
		})
	}
	wg.Wait()
}

type unionFind struct{ parent []int }

func newUnionFind(n int) *unionFind {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return &unionFind{parent: p}
}

func (u *unionFind) find(i int) int {
	for u.parent[i] != i {
		u.parent[i] = u.parent[u.parent[i]]
		i = u.parent[i]
	}
	return i
}

// union joins the sets of i and j under the smaller root, so that the
// result does not depend on the order of unions.
func (u *unionFind) union(i, j int) {
	a, b := u.find(i), u.find(j)
	if a == b {
		return
	}
	if b < a {
		a, b = b, a
	}
	u.parent[b] = a
}
