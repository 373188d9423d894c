package network_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/network"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

// BenchmarkAssign assigns a synthetic city's enterprises to 2,000
// specialists (one street each, plus one whole-district specialist per
// district) on SQLite. The size is QINQING_BENCH_ENTERPRISES (default
// 100,000; Wuhan is 2,250,000); QINQING_BENCH_CACHE_KB sets the SQLite
// writer's page cache for the run (SQLite's default is 2 MB):
//
//	QINQING_BENCH_ENTERPRISES=2250000 go test -run '^$' -bench BenchmarkAssign -benchtime 1x ./internal/network/
//
// It also times the coverage report and the overdue-visit count.
func BenchmarkAssign(b *testing.B) {
	n := storetest.BenchEnterprises(b, 100_000)
	for b.Loop() {
		b.StopTimer()
		db := storetest.MustOpenSQLite(b)
		e := newEnv(b, db)
		city := enterprise.Wuhan()
		type cell struct{ d, st string }
		var cells []cell
		for _, d := range city.Districts {
			for _, st := range d.Streets {
				cells = append(cells, cell{d.Code, st})
			}
		}
		start := time.Now()
		// Enterprises spread over the streets, 10 % without a street.
		if _, err := db.ExecContext(e.ctx, `CREATE TEMP TABLE bench_cells (i INTEGER PRIMARY KEY, d TEXT, st TEXT)`); err != nil {
			b.Fatal(err)
		}
		for i, c := range cells {
			if _, err := db.ExecContext(e.ctx, `INSERT INTO bench_cells VALUES (?, ?, ?)`, i, c.d, c.st); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := db.ExecContext(e.ctx, `WITH RECURSIVE seq(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM seq WHERE k + 1 < ?)
			INSERT INTO enterprises (uscc, name, district, street, status, created_at, updated_at)
			SELECT printf('91420100B%09d', k), printf('基准企业%d', k), c.d, CASE WHEN k % 10 = 0 THEN NULL ELSE c.st END, '存续', 0, 0
			FROM seq JOIN bench_cells c ON c.i = k % ?`, n, len(cells)); err != nil {
			b.Fatal(err)
		}
		st, err := e.svc.CreateStation(e.ctx, e.admin, network.StationInput{Name: "基准服务站"})
		if err != nil {
			b.Fatal(err)
		}
		for i := range 2000 {
			var grid []network.GridCell
			if i < len(city.Districts) {
				grid = []network.GridCell{{District: city.Districts[i].Code}}
			} else {
				c := cells[i%len(cells)]
				grid = []network.GridCell{{District: c.d, Street: c.st}}
			}
			// Accounts straight into the table: hashing 2,000 passwords would
			// dominate the setup.
			var uid int64
			if err := db.InTx(e.ctx, func(tx *store.Tx) error {
				return tx.QueryRowContext(e.ctx, `INSERT INTO users (username, display_name, password_hash, role, created_at, updated_at)
					VALUES (?, ?, 'x', 'specialist', 0, 0) RETURNING id`, fmt.Sprintf("bench%04d", i), fmt.Sprintf("专员%04d", i)).Scan(&uid)
			}); err != nil {
				b.Fatal(err)
			}
			if _, err := e.svc.SaveSpecialist(e.ctx, e.admin, uid, network.SpecialistInput{StationID: st.ID, Grid: grid}); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("setup of %d enterprises: %s", n, time.Since(start))
		if v := os.Getenv("QINQING_BENCH_CACHE_KB"); v != "" {
			// The writer's page cache (SQLite's default is 2 MB).
			if _, err := db.ExecContext(e.ctx, "PRAGMA cache_size = -"+v); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		t0 := time.Now()
		res, err := e.svc.Assign(e.ctx, e.admin, network.AssignOptions{TargetLoad: n / 2000})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		b.Logf("assign: %d assigned over %d cells, %d overflow, in %s", res.Assigned, res.Cells, res.Overflow, time.Since(t0))
		t0 = time.Now()
		rep, err := e.svc.CoverageReport(e.ctx, e.admin)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("coverage report: %d unassigned in %s", rep.Unassigned, time.Since(t0))
		t0 = time.Now()
		if _, err := e.svc.RemindOverdue(e.ctx); err != nil {
			b.Fatal(err)
		}
		b.Logf("overdue reminders: %s", time.Since(t0))
		b.StartTimer()
	}
}
