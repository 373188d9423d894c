package rule

import (
	"github.com/qinqing/qinqing/internal/enterprise/synth"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/workday"
)

// TestSearchNameScanWays checks that a name search gives the same page and
// total whether the names are tested along the filters' bitmap or on every
// core over all rows, and that both find exactly the rows a plain
// case-insensitive substring test finds.
func TestSearchNameScanWays(t *testing.T) {
	b := NewBuilder()
	var names []string
	err := synth.Generate(synth.Options{N: 5000, Seed: 7, Today: workday.NewDate(2026, 3, 2)}, func(e *enterprise.Enterprise) error {
		e.ID = int64(len(names) + 1)
		switch e.ID % 97 {
		case 1:
			e.Name = "武汉ABC" + e.Name
		case 2:
			e.Name = "abc" + e.Name
		}
		b.Add(e)
		names = append(names, e.Name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := b.Build(workday.NewDate(2026, 3, 2))
	s.Delete(3)
	rng := rand.New(rand.NewPCG(1, 9))
	defer func(v uint64) { parallelScanRows = v }(parallelScanRows)
	for i := range 300 {
		name := []rune(names[rng.IntN(len(names))])
		n := 1 + rng.IntN(3)
		at := rng.IntN(len(name) - n + 1)
		part := strings.ToLower(string(name[at : at+n]))
		if i%10 == 0 {
			part = "abc"
		}
		q := enterprise.Query{Name: part, Sort: []string{"", "name", "revenue"}[i%3], Desc: i%2 == 0, Limit: 20, Offset: []int{0, 40}[i%2]}
		if i%4 == 0 {
			q.Status = "存续"
		}
		parallelScanRows = 0
		ids1, total1 := s.Search(q)
		parallelScanRows = 1 << 62
		ids2, total2 := s.Search(q)
		if total1 != total2 || !slices.Equal(ids1, ids2) {
			t.Fatalf("query %+v: every core %d %v, along the bitmap %d %v", q, total1, ids1, total2, ids2)
		}
		if q.Status == "" {
			want := 0
			for id, nm := range names {
				if id+1 != 3 && strings.Contains(strings.ToLower(nm), part) {
					want++
				}
			}
			if total1 != want {
				t.Fatalf("query %q: %d found, %d contain it", part, total1, want)
			}
		}
	}
}
