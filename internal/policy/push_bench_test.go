package policy_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

// BenchmarkPushClause measures 主动推送 at city scale: a newly published
// clause is pushed to every enterprise it fits (a push record and an inbox
// notification each, one transaction per batch of 500, each batch re-read
// and re-evaluated from the database). Each iteration publishes a new
// policy with the same rule, so each pushes to the same enterprises
// afresh. QINQING_BENCH_ENTERPRISES sets the size of the synthetic city
// (default 100,000); with QINQING_TEST_POSTGRES set it runs on PostgreSQL
// too. Run it with -benchtime=3x.
func BenchmarkPushClause(b *testing.B) {
	n := storetest.BenchEnterprises(b, 100_000)
	open := map[string]func(testing.TB) *store.DB{"sqlite": storetest.MustOpenSQLite}
	if os.Getenv(storetest.PostgresEnv) != "" {
		open["postgres"] = storetest.MustOpenPostgres
	}
	const ruleJSON = `{"any":[{"field":"tags","op":"has_any","value":["高新技术企业","科技型中小企业","专精特新"]},{"field":"revenue","op":">=","value":20000000}]}`
	for _, name := range []string{"sqlite", "postgres"} {
		if open[name] == nil {
			continue
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			f := newFixture(b, open[name](b), fixtureOptions{batch: 500})
			f.seedCity(b, n, 1)
			if _, err := f.Svc.Start(ctx); err != nil {
				b.Fatal(err)
			}
			pushed := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				p := f.publishedPolicy(b, fmt.Sprintf("推送基准 %d", i), clauseInput("奖励", ruleJSON))
				b.StartTimer()
				res, err := f.Svc.PushClause(ctx, p, p.Clauses[0], nil)
				if err != nil {
					b.Fatal(err)
				}
				pushed += res.Eligible + res.Unknown
			}
			b.StopTimer()
			if pushed == 0 {
				b.Fatal("nobody was pushed")
			}
			b.ReportMetric(float64(pushed)/float64(b.N), "pushes/op")
			b.ReportMetric(float64(pushed)/b.Elapsed().Seconds(), "pushes/s")
		})
	}
}
