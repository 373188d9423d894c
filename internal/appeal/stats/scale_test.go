package stats_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/appeal/stats"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/workday"
)

// TestScale measures the rates at scale on a seeded database
// (QINQING_STATS_BENCH_DB, filled by qinqing seed appeals) beside the
// same figures by plain SQL over the appeals table, and logs p50/p95. It
// asserts only that the figures agree; docs/performance.md has the
// numbers.
func TestScale(t *testing.T) {
	dsn := os.Getenv("QINQING_STATS_BENCH_DB")
	if dsn == "" {
		t.Skip("QINQING_STATS_BENCH_DB names a seeded database")
	}
	month := os.Getenv("QINQING_STATS_BENCH_MONTH")
	if month == "" {
		month = "2026-10"
	}
	cfg := config.Default()
	cfg.DB = dsn
	cfg.DataDir = t.TempDir()
	a, err := app.Open(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	op := auth.Operator("bench")
	var n int64
	if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM appeals`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d appeals", a.DB.Dialect(), n)
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
		t.Logf("%-48s p50 %8.1f ms  p95 %8.1f ms  (%d runs)", name, ms(ds[len(ds)/2]), ms(p95), runs)
	}
	p, _ := stats.ParsePeriod(month, "")
	year := month[:4]
	for _, q := range []stats.Query{{From: month, By: stats.ByUnit}, {From: month, By: stats.ByDistrict}, {From: month, By: stats.ByCategory},
		{From: month, By: stats.ByChannel}, {From: year, By: stats.ByUnit}, {From: year, By: stats.ByCategory}} {
		time1("figures "+q.From+" by "+q.By, 20, func() error { _, err := s(a).Figures(ctx, op, q); return err })
	}
	time1("ranking "+month+" by unit (and the month before)", 20, func() error {
		_, err := s(a).Rank(ctx, op, stats.Query{From: month, By: stats.ByUnit})
		return err
	})
	time1("ranking "+year+" by district", 10, func() error {
		_, err := s(a).Rank(ctx, op, stats.Query{From: year, By: stats.ByDistrict})
		return err
	})
	first, _ := time.ParseInLocation("2006-01", p.From, workday.Shanghai)
	from, to := first.UnixMilli(), first.AddDate(0, 1, 0).UnixMilli()
	yfrom, _ := time.ParseInLocation("2006", year, workday.Shanghai)
	peer := func(lo, hi int64) (int64, error) {
		rows, err := a.DB.QueryContext(ctx, `SELECT unit_id, COUNT(*),
			SUM(CASE WHEN signed_on_time THEN 1 ELSE 0 END), SUM(CASE WHEN signed_on_time IS NOT NULL THEN 1 ELSE 0 END),
			SUM(CASE WHEN replied_on_time THEN 1 ELSE 0 END), SUM(CASE WHEN first_reply_at IS NOT NULL THEN 1 ELSE 0 END),
			SUM(CASE WHEN reply_result = '解决' THEN 1 ELSE 0 END), SUM(CASE WHEN reply_result IN ('解决', '解释说明') THEN 1 ELSE 0 END),
			SUM(CASE WHEN evaluation IN ('满意', '基本满意') THEN 1 ELSE 0 END), SUM(CASE WHEN evaluation IN ('满意', '基本满意', '不满意') THEN 1 ELSE 0 END),
			SUM(CASE WHEN first_time THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END),
			SUM(CASE WHEN reopens > 0 THEN 1 ELSE 0 END), SUM(CASE WHEN returns > 0 THEN 1 ELSE 0 END)
			FROM appeals WHERE received_at >= ? AND received_at < ? AND status <> 'merged' GROUP BY unit_id`, lo, hi)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		var total int64
		for rows.Next() {
			var unit *int64
			v := make([]int64, 13)
			dest := []any{&unit}
			for i := range v {
				dest = append(dest, &v[i])
			}
			if err := rows.Scan(dest...); err != nil {
				return 0, err
			}
			total += v[0]
		}
		return total, rows.Err()
	}
	time1("plain SQL over appeals: "+month+" by unit", 10, func() error { _, err := peer(from, to); return err })
	time1("plain SQL over appeals: "+year+" by unit", 5, func() error {
		_, err := peer(yfrom.UnixMilli(), yfrom.AddDate(1, 0, 0).UnixMilli())
		return err
	})
	got, err := s(a).Figures(ctx, op, stats.Query{From: month, By: stats.ByUnit})
	if err != nil {
		t.Fatal(err)
	}
	want, err := peer(from, to)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total.Received != want {
		t.Errorf("figures count %d received in %s, plain SQL %d", got.Total.Received, month, want)
	}
	time1("console list behind 响应率 of "+month+" (first page)", 10, func() error {
		f := appeal.Filter{Measure: appeal.MeasureNotResponded, From: workday.DateOf(first), To: workday.DateOf(first.AddDate(0, 1, -1)), Limit: 20}
		_, _, err := a.Appeals.FindAppeals(ctx, op, f)
		return err
	})
	// A rare measure of one unit: the page reads the month backwards until
	// it has 20 (the total comes from the cells).
	var busiest int64
	if err := a.DB.QueryRowContext(ctx, `SELECT unit_id FROM appeals WHERE received_at >= ? AND received_at < ? AND unit_id IS NOT NULL
		GROUP BY unit_id ORDER BY COUNT(*) DESC LIMIT 1`, from, to).Scan(&busiest); err != nil {
		t.Fatal(err)
	}
	time1("console list behind 重办 of "+month+", the busiest unit", 10, func() error {
		f := appeal.Filter{Measure: appeal.MeasureReopened, UnitID: busiest, From: workday.DateOf(first), To: workday.DateOf(first.AddDate(0, 1, -1)), Limit: 20}
		_, _, err := a.Appeals.FindAppeals(ctx, op, f)
		return err
	})
	time1("recompute "+month+" from the appeals table", 3, func() error { return s(a).Rebuild(ctx, month, month, nil) })
}

func s(a *app.App) *stats.Service { return a.AppealStats }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
