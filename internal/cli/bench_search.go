package cli

import (
	"context"
	"fmt"
	"github.com/qinqing/qinqing/internal/auth"
	"math/rand/v2"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
)

const benchSearchUsage = `
Bench search measures the registry's search as the enterprise list page runs
it (FindEnterprises: a page of 20 rows plus the total), on a database seeded
beforehand, e.g. with

	qinqing seed city --enterprises 2250000 --db bench.db

It loads the policy engine's snapshot (the search index), runs each kind of
query --runs times with varied values drawn from the data and prints the
median, p95 and p99 latency per kind; then the same queries answered by the
database alone (--sql-runs times each, 0 to skip), the peer.`

// searchCase is one kind of registry query.
type searchCase struct {
	name   string
	filter func(r *rand.Rand, names []string, codes []string) enterprise.Filter
}

func searchCases() []searchCase {
	districts := []string{"420102", "420103", "420104", "420105", "420106", "420107", "420111", "420112", "420113", "420114", "420115", "420116", "420117"}
	part := func(r *rand.Rand, s string, n int) string {
		rs := []rune(s)
		if len(rs) <= n {
			return s
		}
		i := r.IntN(len(rs) - n + 1)
		return string(rs[i : i+n])
	}
	return []searchCase{
		{"name, 4 characters", func(r *rand.Rand, names, _ []string) enterprise.Filter {
			return enterprise.Filter{Query: part(r, names[r.IntN(len(names))], 4)}
		}},
		{"name, 3 characters", func(r *rand.Rand, names, _ []string) enterprise.Filter {
			return enterprise.Filter{Query: part(r, names[r.IntN(len(names))], 3)}
		}},
		{"name, 2 characters", func(r *rand.Rand, names, _ []string) enterprise.Filter {
			return enterprise.Filter{Query: part(r, names[r.IntN(len(names))], 2)}
		}},
		{"name, 1 character, sorted by name", func(r *rand.Rand, names, _ []string) enterprise.Filter {
			return enterprise.Filter{Query: part(r, names[r.IntN(len(names))], 1), Sort: "name"}
		}},
		{"USCC prefix (10)", func(r *rand.Rand, _, codes []string) enterprise.Filter {
			return enterprise.Filter{Query: codes[r.IntN(len(codes))][:10]}
		}},
		{"district + size", func(r *rand.Rand, _, _ []string) enterprise.Filter {
			return enterprise.Filter{District: districts[r.IntN(len(districts))], Size: enterprise.Sizes[r.IntN(4)]}
		}},
		{"tag, sorted by revenue desc", func(r *rand.Rand, _, _ []string) enterprise.Filter {
			return enterprise.Filter{Tags: []string{enterprise.StandardTags[r.IntN(len(enterprise.StandardTags))]}, Sort: "revenue", Desc: true}
		}},
		{"industry prefix + credit, page 10", func(r *rand.Rand, _, _ []string) enterprise.Filter {
			return enterprise.Filter{Industry: []string{"C", "F51", "I65", "M", "L72"}[r.IntN(5)], Credit: "正常", Offset: 180}
		}},
		{"district + name 3 chars, by founded", func(r *rand.Rand, names, _ []string) enterprise.Filter {
			return enterprise.Filter{District: districts[r.IntN(len(districts))], Query: part(r, names[r.IntN(len(names))], 3), Sort: "founded"}
		}},
		{"everything, by employees desc, page 50", func(r *rand.Rand, _, _ []string) enterprise.Filter {
			return enterprise.Filter{Sort: "employees", Desc: true, Offset: 980}
		}},
	}
}

func runBenchSearch(ctx context.Context, env Env, args []string) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	fs := newFlagSet(env, "bench search", "bench search [--db DSN] [--runs 200] [--sql-runs 10]", benchSearchUsage)
	cfg.DBFlag(fs)
	runs := fs.Int("runs", 200, "queries per kind")
	sqlRuns := fs.Int("sql-runs", 10, "queries per kind answered by the database alone (0: skip)")
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	svc := a.Enterprises
	// Sample names and codes to query for, spread over the table.
	var total int
	if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM enterprises`).Scan(&total); err != nil {
		return errs.Wrap(err, "count enterprises")
	}
	if total == 0 {
		return usageErrorf("the database has no enterprises; seed it first with qinqing seed city")
	}
	var names, codes []string
	rows, err := a.DB.QueryContext(ctx, `SELECT name, uscc FROM enterprises WHERE id % ? = 0 LIMIT 2000`, max(total/2000, 1))
	if err != nil {
		return errs.Wrap(err, "sample enterprises")
	}
	for rows.Next() {
		var n, c string
		if err := rows.Scan(&n, &c); err != nil {
			rows.Close()
			return errs.Wrap(err, "sample enterprises")
		}
		names, codes = append(names, n), append(codes, c)
	}
	rows.Close()
	st, err := a.Policy.Engine().Load(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "search index (policy engine snapshot) of %d enterprises loaded in %s, %d MB\n",
		st.Rows, st.Took.Round(time.Millisecond), st.MemoryBytes>>20)
	dbOnly := enterprise.New(a.DB, enterprise.Options{City: svc.City})
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "dataset\tdatabase\tquery\tanswered by\truns\tmedian\tp95\tp99\tmean total\n")
	for _, c := range searchCases() {
		for _, peer := range []struct {
			by   string
			svc  *enterprise.Service
			runs int
		}{{"search index", svc, *runs}, {"database", dbOnly, *sqlRuns}} {
			if peer.runs <= 0 {
				continue
			}
			// Three unmeasured queries first (caches, the first page reads).
			warm := rand.New(rand.NewPCG(7, 7))
			for range 3 {
				if _, _, err := peer.svc.FindEnterprises(ctx, auth.Operator("bench"), c.filter(warm, names, codes)); err != nil {
					return err
				}
			}
			r := rand.New(rand.NewPCG(1, 2)) // the same queries for both
			lat := make([]time.Duration, 0, peer.runs)
			var found int
			for i := 0; i < peer.runs; i++ {
				f := c.filter(r, names, codes)
				f.Limit = 20
				start := time.Now()
				_, n, err := peer.svc.FindEnterprises(ctx, auth.Operator("bench"), f)
				if err != nil {
					return err
				}
				lat = append(lat, time.Since(start))
				found += n
			}
			slices.Sort(lat)
			q := func(p float64) time.Duration { return lat[min(int(p*float64(len(lat))), len(lat)-1)] }
			by := peer.by
			if c.name == "USCC prefix (10)" && peer.svc == svc {
				by += " (declines: unique index)"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%d\n", total, a.DB.Dialect(), c.name, by, peer.runs,
				q(0.5).Round(10*time.Microsecond), q(0.95).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), found/peer.runs)
		}
	}
	return tw.Flush()
}
