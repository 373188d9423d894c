package enterprise

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

// indexDefs returns the definitions of the indexes of enterprises and
// enterprise_tags, sorted.
func indexDefs(t *testing.T, db *store.DB) []string {
	t.Helper()
	q := "SELECT COALESCE(sql, name) FROM sqlite_master WHERE type = 'index' AND tbl_name IN (" + deferredTables + ")"
	if db.Dialect() == store.Postgres {
		q = "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN (" + deferredTables + ")"
	}
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func TestDeferredIndexes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := &Service{DB: db, Now: time.Now}
		all := indexDefs(t, db)
		if len(all) < 3 {
			t.Fatalf("indexes %v", all)
		}
		opts := SynthOptions{N: 3000, Seed: 4, Today: workday.NewDate(2025, 6, 30)}
		records := func(yield func(*Enterprise) error) error { return Synthesize(opts, yield) }
		var during []int
		var phases []string
		res, err := s.ImportRecords(ctx, records, ImportOptions{ExpectedRows: deferMinRows, BatchSize: 1000}, func(p Progress) {
			during = append(during, len(indexDefs(t, db)))
			phases = append(phases, p.Phase)
		})
		if err != nil || res.Inserted != 3000 {
			t.Fatalf("%+v, %v", res, err)
		}
		// Only unique indexes (and the primary key) stay during the load.
		if during[0] >= len(all) || during[0] < 1 {
			t.Errorf("%d of %d indexes during the load", during[0], len(all))
		}
		if !slices.Contains(phases, "indexes") || phases[len(phases)-1] != "indexes" {
			t.Errorf("phases %v", phases)
		}
		if got := indexDefs(t, db); !slices.Equal(got, all) {
			t.Errorf("after the import:\n%v\nwant\n%v", got, all)
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM enterprise_deferred_indexes").Scan(&n); err != nil || n != 0 {
			t.Errorf("%d deferred definitions left, %v", n, err)
		}
		// Name search and tag filters work on the rebuilt indexes (the
		// database answers: this Service has no search index).
		if _, total, err := s.FindEnterprises(ctx, Filter{Query: "有限公司", Tags: []string{"民营企业"}}); err != nil || total == 0 {
			t.Errorf("search after the import: %d, %v", total, err)
		}
		// A second large import finds rows and defers nothing.
		if ok, err := s.deferIndexes(ctx); ok || err != nil {
			t.Errorf("deferIndexes on a full table: %v, %v", ok, err)
		}
	})
}

func TestRestoreIndexesAfterCrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := &Service{DB: db, Now: time.Now}
		all := indexDefs(t, db)
		ok, err := s.deferIndexes(ctx) // and then the process dies
		if !ok || err != nil {
			t.Fatalf("deferIndexes: %v, %v", ok, err)
		}
		if got := indexDefs(t, db); len(got) >= len(all) {
			t.Fatalf("nothing dropped: %v", got)
		}
		if err := s.RestoreIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		if got := indexDefs(t, db); !slices.Equal(got, all) {
			t.Errorf("after RestoreIndexes:\n%v\nwant\n%v", got, all)
		}
		if err := s.RestoreIndexes(ctx); err != nil {
			t.Errorf("second RestoreIndexes: %v", err)
		}
	})
}
