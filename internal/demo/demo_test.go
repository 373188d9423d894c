package demo_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/appeal/analysis"
	"github.com/qinqing/qinqing/internal/appeal/stats"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/demo"
	"github.com/qinqing/qinqing/internal/policy/redeem"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

// TestDemoRedemption loads the demo into SQLite and PostgreSQL alike: a
// 免申即享 policy whose grant list is generated, approved and confirmed by
// some enterprises — the demo enterprise's own grant waits for it — with
// one payment batch 待拨付.
func TestDemoRedemption(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			cfg := config.Default()
			cfg.Demo, cfg.DemoSize = true, 2000
			if db == "sqlite" {
				cfg.DB = filepath.Join(t.TempDir(), "demo.db")
			} else {
				cfg.DB = storetest.PostgresDSN(t)
			}
			a, err := app.Open(ctx, cfg, app.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if _, err := a.DB.Migrate(ctx, a.Now); err != nil {
				t.Fatal(err)
			}
			if err := demo.Load(ctx, a, testWriter{t}); err != nil {
				t.Fatal(err)
			}
			admin := auth.Operator("test")
			batches, total, err := a.Redeem.FindBatches(ctx, admin, redeem.BatchFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if total != 1 || batches[0].Status != redeem.BatchPending || batches[0].Count == 0 || batches[0].Unit != "洪山区人民政府" {
				t.Fatalf("batches = %d %+v", total, batches)
			}
			grants, n, err := a.Redeem.FindGrants(ctx, admin, redeem.GrantFilter{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			by := map[string]int{}
			for _, g := range grants {
				by[g.Status]++
				if g.Origin != redeem.OriginList {
					t.Errorf("grant %d from %s", g.ID, g.Origin)
				}
			}
			if n < 2 || by[redeem.GrantConfirmed] == 0 || by[redeem.GrantConfirming] == 0 || by[redeem.GrantConfirmed] != batches[0].Count {
				t.Errorf("grants %d by status %v, batch of %d", n, by, batches[0].Count)
			}
			u, err := a.Auth.FindUserByUsername(ctx, "enterprise")
			if err != nil {
				t.Fatal(err)
			}
			mine, _, err := a.Redeem.FindGrants(ctx, u.Actor(), redeem.GrantFilter{})
			if err != nil || len(mine) != 1 || mine[0].Status != redeem.GrantConfirming {
				t.Errorf("the demo enterprise's grants = %+v, %v", mine, err)
			}
			// The analysis: three clusters across enterprises, and the
			// 问题清单 item made of one on the public board with its
			// published appeals and two progress updates.
			today := workday.Today(a.Now)
			rep, err := a.Analysis.Clusters(ctx, admin, analysis.Scope{From: today - 29, To: today})
			if err != nil || len(rep.Clusters) < 3 {
				t.Errorf("clusters of the last 30 days: %v, %v", rep, err)
			}
			board, err := a.Analysis.PublicBoard(ctx)
			if err != nil || len(board.Items) != 1 || board.Items[0].Appeals < 4 || board.Items[0].PublishedN != 3 ||
				len(board.Items[0].Updates) != 2 || board.Items[0].Progress != 40 {
				t.Errorf("board: %+v, %v", board, err)
			}
			// The monthly report: the month before last's published, last month's a draft.
			reports, err := a.AppealReports.FindReports(ctx, admin)
			now := a.Now().In(workday.Shanghai)
			lastMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, workday.Shanghai).AddDate(0, -1, 0).Format("2006-01")
			// Both months have appeals whatever the day: the background
			// history fills them before the hand-written appeals of the
			// last three weeks.
			beforeLast := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, workday.Shanghai).AddDate(0, -2, 0).Format("2006-01")
			for _, m := range []string{beforeLast, lastMonth} {
				fig, err := a.AppealStats.Figures(ctx, admin, stats.Query{From: m, To: m, By: "unit"})
				if err != nil || fig.Total.Received == 0 || len(fig.Rows) < 3 {
					t.Errorf("appeal figures of %s: %+v, %v", m, fig, err)
				}
			}
			if err != nil || len(reports) != 2 || reports[0].Month != lastMonth || reports[0].Published() ||
				!reports[1].Published() || reports[1].Intro == "" {
				t.Errorf("monthly reports: %+v, %v", reports, err)
			}
		})
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) { w.t.Log(string(b)); return len(b), nil }
