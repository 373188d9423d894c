package policy_test

import (
	"context"
	"fmt"
	"github.com/qinqing/qinqing/internal/auth"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

// TestSearchIndexMatchesDatabase checks that registry searches answered
// from the engine's snapshot return exactly the page and total the database
// returns, over random filters on a synthetic registry with unknown values,
// Latin letters in names, changed and deleted enterprises, on both
// databases.
func TestSearchIndexMatchesDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := audit.WithActor(context.Background(), audit.Who{Name: "test"})
		f := newFixture(t, db, fixtureOptions{})
		f.seedCity(t, 3000, 11)
		sqlSvc := f.Ents // no search index: the database answers
		// Names with Latin letters of both cases, and a deleted enterprise.
		for i, name := range []string{"武汉ABC科技有限公司", "abc商贸（武汉）有限公司", "AbC数据服务有限公司"} {
			id := int64(10 + i)
			if _, err := sqlSvc.UpdateEnterprise(ctx, auth.Operator("test"), id, enterprise.Update{Name: &name, Source: enterprise.SourceImport}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.ExecContext(ctx, "DELETE FROM enterprises WHERE id = 20"); err != nil {
			t.Fatal(err)
		}

		engine := policy.NewEngine(db, policy.EngineOptions{})
		if _, err := engine.Load(ctx); err != nil {
			t.Fatal(err)
		}
		memSvc := enterprise.New(db, enterprise.Options{Now: time.Now, Index: engine})
		all, _, err := sqlSvc.FindEnterprises(ctx, auth.Operator("test"), enterprise.Filter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(3, 5))
		pick := func(n int) int { return rng.IntN(n) }
		for i := range 600 {
			f := randomFilter(rng, all[pick(len(all))])
			q, err := sqlSvc.Resolve(f)
			if err != nil {
				t.Fatalf("filter %+v: %v", f, err)
			}
			if _, _, ok := engine.Search(ctx, q); !ok {
				t.Fatal("a loaded engine with no announced change declined a search")
			}
			want, wantTotal, err := sqlSvc.FindEnterprises(ctx, auth.Operator("test"), f)
			if err != nil {
				t.Fatal(err)
			}
			got, gotTotal, err := memSvc.FindEnterprises(ctx, auth.Operator("test"), f)
			if err != nil {
				t.Fatal(err)
			}
			if gotTotal != wantTotal || !slices.Equal(ids(got), ids(want)) {
				t.Fatalf("case %d, filter %+v:\nindex    %d %v\ndatabase %d %v", i, f, gotTotal, ids(got), wantTotal, ids(want))
			}
		}
	})
}

// randomFilter draws a filter around enterprise e, so that most filters
// match something.
func randomFilter(rng *rand.Rand, e enterprise.Enterprise) enterprise.Filter {
	var f enterprise.Filter
	if rng.IntN(2) == 0 {
		runes := []rune(e.Name)
		n := 1 + rng.IntN(min(4, len(runes)))
		start := rng.IntN(len(runes) - n + 1)
		f.Query = string(runes[start : start+n])
		if rng.IntN(5) == 0 {
			f.Query = []string{"abc", "ABC", "Abc", "b", "科技", "有限公司", "不存在的名字"}[rng.IntN(7)]
		}
	}
	if e.District != nil && rng.IntN(3) == 0 {
		f.District = *e.District
	}
	if e.Industry != nil && rng.IntN(3) == 0 {
		code := *e.Industry // a letter and 2 to 4 digits: prefixes of 1, 3, 4 or 5 characters
		f.Industry = code[:[]int{1, 3, len(code)}[rng.IntN(3)]]
	}
	if e.Size != nil && rng.IntN(4) == 0 {
		f.Size = *e.Size
	}
	if e.Credit != nil && rng.IntN(5) == 0 {
		f.Credit = *e.Credit
	}
	if e.Status != nil && rng.IntN(5) == 0 {
		f.Status = *e.Status
	}
	if len(e.Tags) > 0 && rng.IntN(3) == 0 {
		f.Tags = []string{e.Tags[rng.IntN(len(e.Tags))]}
	}
	if rng.IntN(10) == 0 {
		f.Tags = append(f.Tags, "民营企业")
	}
	f.Sort = []string{"", "name", "founded", "revenue", "employees"}[rng.IntN(5)]
	f.Desc = rng.IntN(2) == 0
	f.Limit = []int{5, 20, 50}[rng.IntN(3)]
	f.Offset = []int{0, 0, 20, 100, 1000}[rng.IntN(5)]
	return f
}

func ids(list []enterprise.Enterprise) []int64 {
	out := make([]int64, len(list))
	for i, e := range list {
		out[i] = e.ID
	}
	return out
}

// TestSearchFreshness checks that a search right after a change this
// process announced finds the change, and that searches before the first
// load go to the database.
func TestSearchFreshness(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, fixtureOptions{events: true})
		ctx := audit.WithActor(context.Background(), audit.Who{Name: "test"})
		engine := f.Svc.Engine()
		f.Ents.Index = engine
		f.seedCity(t, 200, 2)
		q, err := f.Ents.Resolve(enterprise.Filter{Query: "甲乙丙"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, ok := engine.Search(ctx, q); ok {
			t.Fatal("an engine that was never loaded answered a search")
		}
		if _, err := f.Svc.Start(ctx); err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			name := fmt.Sprintf("甲乙丙%d号有限公司", i)
			if _, err := f.Ents.UpdateEnterprise(ctx, auth.Operator("test"), int64(1+i), enterprise.Update{Name: &name, Source: enterprise.SourceImport}); err != nil {
				t.Fatal(err)
			}
			if err := f.Svc.EnterpriseChanged(ctx, int64(1+i)); err != nil {
				t.Fatal(err)
			}
			list, total, err := f.Ents.FindEnterprises(ctx, auth.Operator("test"), enterprise.Filter{Query: "甲乙丙", Sort: "name"})
			if err != nil || total != i+1 || list[i].Name != name {
				t.Fatalf("after renaming %d enterprises: %d found (%v)", i+1, total, err)
			}
		}
		if _, _, ok := engine.Search(ctx, q); !ok {
			t.Fatal("the engine declined a search after it took every change in")
		}
	})
}

// TestSearchFarPages checks pages past the end and absurd offsets: empty
// pages with the right total, from the index and the database alike.
func TestSearchFarPages(t *testing.T) {
	db := storetest.MustOpenSQLite(t)
	ctx := context.Background()
	f := newFixture(t, db, fixtureOptions{})
	f.seedCity(t, 50, 1)
	sqlSvc := f.Ents
	engine := policy.NewEngine(db, policy.EngineOptions{})
	if _, err := engine.Load(ctx); err != nil {
		t.Fatal(err)
	}
	memSvc := enterprise.New(db, enterprise.Options{Now: time.Now, Index: engine})
	for _, svc := range []*enterprise.Service{sqlSvc, memSvc} {
		for _, off := range []int{50, 1 << 40, math.MaxInt} {
			list, total, err := svc.FindEnterprises(ctx, auth.Operator("test"), enterprise.Filter{Offset: off, Limit: 20, Sort: "revenue"})
			if err != nil || len(list) != 0 || total != 50 {
				t.Errorf("offset %d: %d rows of %d (%v), want none of 50", off, len(list), total, err)
			}
		}
	}
}
