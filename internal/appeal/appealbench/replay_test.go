package appealbench_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/qinqing/qinqing/internal/appeal/appealbench"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

// TestReplayWritesTheIntakesRows files appeals through the server, replays
// the rows read back into a fresh database and checks that the fresh
// database holds what the intakes wrote: as many rows in every table, the
// same statistics' cells and counter.
func TestReplayWritesTheIntakesRows(t *testing.T) {
	dsns := map[string]func(t *testing.T) (src, dst string){
		"sqlite": func(t *testing.T) (string, string) {
			dir := t.TempDir()
			return filepath.Join(dir, "intake.db"), filepath.Join(dir, "rows.db")
		},
		"postgres": func(t *testing.T) (string, string) {
			return storetest.PostgresDSN(t), storetest.PostgresDSN(t)
		},
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			srcDSN, dstDSN := dsns[name](t)
			o := appealbench.Options{N: 30, Clients: 4, Enterprises: 50, DataDir: t.TempDir()}
			src, err := appealbench.Prepare(ctx, srcDSN, o)
			if err != nil {
				t.Fatal(err)
			}
			defer src.App.Close()
			dst, err := appealbench.Prepare(ctx, dstDSN, appealbench.Options{Enterprises: 50, DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer dst.App.Close()
			in, err := appealbench.Intake(ctx, src, appealbench.Rows(o.N, src.Codes), o.Clients)
			if err != nil || in.Errors > 0 || in.Rows != o.N {
				t.Fatalf("intake: %+v, %v", in, err)
			}
			m, per, err := appealbench.Replay(ctx, src, dst, o.Clients)
			if err != nil || m.Errors > 0 || m.Rows != o.N {
				t.Fatalf("replay: %+v, %v", m, err)
			}
			// Two categories of five are dispatched at intake: a second
			// event, a unit and a notice to its one staff account.
			for table, want := range map[string]float64{"appeals": 1, "appeal_events": 1.4, "appeal_units": 1.4, "audit_log": 1,
				"notifications": 1.4, "jobs": 0} {
				if per[table] != want {
					t.Errorf("rows per appeal in %s = %v, want %v (all: %v)", table, per[table], want, per)
				}
			}
			if per["appeal_stat_cells (upserted)"] < 4 {
				t.Errorf("cells upserted per appeal = %v, want at least one per dimension (4)", per["appeal_stat_cells (upserted)"])
			}
			for _, q := range []string{
				`SELECT COUNT(*) FROM appeals`,
				`SELECT COUNT(*) FROM appeal_events`,
				`SELECT COUNT(*) FROM appeal_units`,
				`SELECT COUNT(*) FROM audit_log WHERE entity = 'appeal'`,
				`SELECT COUNT(*) FROM notifications`,
				`SELECT COUNT(*) FROM appeal_stat_cells`,
				`SELECT COALESCE(SUM(received), 0) FROM appeal_stat_cells`,
				`SELECT COALESCE(SUM(backlog), 0) FROM appeal_stat_cells`,
				`SELECT COUNT(DISTINCT number) FROM appeals`,
			} {
				var a, b int64
				if err := src.App.DB.QueryRowContext(ctx, q).Scan(&a); err != nil {
					t.Fatal(q, err)
				}
				if err := dst.App.DB.QueryRowContext(ctx, q).Scan(&b); err != nil {
					t.Fatal(q, err)
				}
				if a != b || a == 0 {
					t.Errorf("%s: intake %d, replay %d", q, a, b)
				}
			}
		})
	}
}
