package analysis

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/store"
)

// TestScale measures the analysis of one month on a seeded database
// (QINQING_ANALYSIS_BENCH_DB, filled by qinqing seed appeals; the month
// QINQING_ANALYSIS_BENCH_MONTH, default 2026-10) beside plain SQL over the
// appeals table, and logs the times. It asserts only that the figures
// agree where both count the same thing; docs/performance.md has the
// numbers. The first Topics cuts the month and the one before into words
// as the job would; the watermark and the counted version are then set as
// the job sets them once it has caught up, so that the timed calls are
// those of a kept history.
func TestScale(t *testing.T) {
	dsn := os.Getenv("QINQING_ANALYSIS_BENCH_DB")
	if dsn == "" {
		t.Skip("QINQING_ANALYSIS_BENCH_DB names a seeded database")
	}
	month := os.Getenv("QINQING_ANALYSIS_BENCH_MONTH")
	if month == "" {
		month = "2026-10"
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := New(db, Options{Audit: &audit.Log{DB: db}})
	office := &auth.Actor{Name: "bench", Role: auth.RoleAdmin}
	sc, err := MonthScope(month)
	if err != nil {
		t.Fatal(err)
	}
	var total, inMonth int64
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM appeals`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	cond, args := sc.where(sc.From, sc.To)
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM appeals a WHERE `+cond, args...).Scan(&inMonth); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d appeals, %d in %s", db.Dialect(), total, inMonth, month)
	time1 := func(name string, runs int, fn func() error) {
		var ds []time.Duration
		for range runs {
			start := time.Now()
			if err := fn(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			ds = append(ds, time.Since(start))
		}
		slices.Sort(ds)
		p95 := ds[min(len(ds)-1, (len(ds)*95+99)/100-1)]
		t.Logf("%-56s p50 %9.1f ms  p95 %9.1f ms  (%d runs)", name, msOf(ds[len(ds)/2]), msOf(p95), runs)
	}

	var clusters *ClusterReport
	time1("clusters of "+month, 3, func() (err error) { clusters, err = s.Clusters(ctx, office, sc); return err })
	t.Logf("  %d appeals clustered: %d clusters across enterprises, %d repeated", clusters.Appeals, len(clusters.Clusters), len(clusters.Repeats))
	if int64(clusters.Appeals) != inMonth {
		t.Errorf("clusters read %d appeals, the month has %d", clusters.Appeals, inMonth)
	}
	time1("plain SQL: identical title, category and district in "+month, 3, func() error {
		rows, err := db.QueryContext(ctx, `SELECT a.title, a.category, a.district, COUNT(*), COUNT(DISTINCT a.enterprise_id) FROM appeals a WHERE `+
			cond+` GROUP BY a.title, a.category, a.district HAVING COUNT(*) > 1`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
		}
		return rows.Err()
	})

	var rep *TopicReport
	time1("first topics of "+month+" (cuts it and the month before)", 1, func() (err error) { rep, err = s.Topics(ctx, office, sc); return err })
	t.Logf("  %d appeals cut into words and kept", rep.Segmented)
	// Every word kept is of the dictionary's version (keep writes it so):
	// the state the job leaves once it has caught up.
	if _, err := db.ExecContext(ctx, `UPDATE appeal_topic_state SET segmented_upto = (SELECT MAX(id) FROM appeals), counted_version = dict_version WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	for _, q := range []Scope{sc, {From: sc.From, To: sc.To, District: "江汉区"}, {From: sc.From, To: sc.To, Category: "融资信贷"}} {
		name := "topics of " + month
		if q.District != "" || q.Category != "" {
			name += " in " + q.District + q.Category
		}
		time1(name, 20, func() (err error) { rep, err = s.Topics(ctx, office, q); return err })
	}
	rep, err = s.Topics(ctx, office, sc)
	if err != nil {
		t.Fatal(err)
	}
	if int64(rep.Appeals) != inMonth {
		t.Errorf("topics count %d appeals in %s, the table %d", rep.Appeals, month, inMonth)
	}
	entries, err := s.loadDictionary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	time1("plain SQL: LIKE per dictionary term over "+month, 1, func() error {
		for _, e := range entries {
			var n int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM appeals a WHERE `+cond+` AND (a.title LIKE ? OR a.content LIKE ?)`,
				append(slices.Clip(args), "%"+e.Word+"%", "%"+e.Word+"%")...).Scan(&n); err != nil {
				return err
			}
		}
		return nil
	})
	t.Logf("  %d dictionary terms; %d topics, %d rising", len(entries), len(rep.Topics), len(rep.Rising))
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
