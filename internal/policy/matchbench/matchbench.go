// Package matchbench measures the policy engine against what a user would
// otherwise use, in one run on the same synthetic city (synth.Generate)
// loaded into SQLite and PostgreSQL through the platform's import:
//
//   - simulation (counts + budget + group by district) by the engine, on
//     every core (GOMAXPROCS) and on one;
//   - the same predicate as SQL (sqlpeer.Simulate: three-valued, with
//     single-column indexes on the filtered columns and enterprise_tags(tag,
//     enterprise_id)) in PostgreSQL and in SQLite;
//   - per-row evaluation of the rule's text form with expr-lang/expr (a
//     compiled program on prepared structs; two-valued, unknown as zero,
//     which only favours it);
//   - per-row rule.Eval (the reference three-valued evaluator);
//   - a hand-written Go loop over only the columns the rule touches, with
//     the same three-valued answer, groups and budget: the physical limit;
//
// and reverse evaluation (one enterprise against 1,000 clauses through the
// index, beside the naive loop over all clauses), snapshot memory and load
// time from both databases.
package matchbench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/qinqing/qinqing/internal/enterprise/synth"
	"github.com/qinqing/qinqing/internal/money"
	"github.com/qinqing/qinqing/internal/policy/sqlpeer"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/jackc/pgx/v5"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/rule"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Options configure a run.
type Options struct {
	Enterprises int    // synthetic city size; default 2,250,000
	SQLitePath  string // SQLite file to create (must not exist)
	PGDSN       string // PostgreSQL base DSN; a fresh schema is used and dropped; "" skips PostgreSQL
	Runs        int    // runs of each in-memory measurement; default 30
	SQLRuns     int    // runs of each SQL and per-row measurement; default 5
	Clauses     int    // clauses for the reverse evaluation; default 1000
	Keep        bool   // keep the SQLite file and the PostgreSQL schema
	Log         io.Writer
}

// Row is one line of the result table.
type Row struct {
	Dataset   string
	Operation string
	Median    string
	P99       string
	Peer      string
	PeerValue string
	Ratio     string
}

// Report is the outcome of a run.
type Report struct {
	Rows  []Row
	Notes []string
}

// Print writes the report as a table followed by the notes.
func (r *Report) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "dataset\toperation\tmedian\tp99\tpeer\tpeer median\tratio")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row.Dataset, row.Operation, row.Median, row.P99, row.Peer, row.PeerValue, row.Ratio)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, n)
	}
	return nil
}

// today is the reference date of the synthetic city and the engine.
var today = workday.NewDate(2025, 6, 30)

func now() time.Time { return today.Start().Add(12 * time.Hour) }

// Today is the reference date of the synthetic city: founding dates fall on
// or before it, and LoadCity stamps the rows with noon of it.
func Today() workday.Date { return today }

// benchRule is one rule in the forms the peers need.
type benchRule struct {
	leaves int
	json   string
	raw    func(c *rawCols, out *rawOut)
}

// rules mix tags, districts, money ranges, dates and industry prefixes.
func rules() []benchRule {
	r3 := `{"field":"district","op":"in","value":["420111","420106","420102"]},
		{"field":"revenue","op":"between","value":[1000000,100000000]},
		{"field":"founded","op":">=","value":"2015-01-01"}`
	r6 := r3 + `,
		{"field":"tags","op":"has_any","value":["高新技术企业","科技型中小企业","专精特新"]},
		{"field":"industry","op":"prefix","value":["C39","I65","M73"]},
		{"not":{"field":"credit","op":"==","value":"严重失信"}}`
	r12 := r6 + `,
		{"any":[{"field":"employees","op":"<=","value":300},{"field":"size","op":"in","value":["小型","微型"]}]},
		{"field":"rd_expense","op":">=","value":100000},
		{"field":"status","op":"==","value":"存续"},
		{"field":"kind","op":"==","value":"企业"},
		{"field":"age_years","op":">=","value":2}`
	return []benchRule{
		{1, `{"field":"revenue","op":">=","value":5000000}`, raw1},
		{3, `{"all":[` + r3 + `]}`, raw3},
		{6, `{"all":[` + r6 + `]}`, raw6},
		{12, `{"all":[` + r12 + `]}`, raw12},
	}
}

// amount is the benefit of every benchmark rule: 10% of R&D expense, at
// most 50万元.
var amount = rule.Amount{Rate: 0.1, Of: "rd_expense", Cap: ptr(int64(500000))}

func ptr[T any](v T) *T { return &v }

// Run runs the benchmark and returns its report.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Enterprises <= 0 {
		o.Enterprises = 2_250_000
	}
	if o.Runs <= 0 {
		o.Runs = 30
	}
	if o.SQLRuns <= 0 {
		o.SQLRuns = 5
	}
	if o.Clauses <= 0 {
		o.Clauses = 1000
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	logf := func(format string, args ...any) { fmt.Fprintf(o.Log, format+"\n", args...) }
	rep := &Report{}
	ds := humanCount(o.Enterprises)

	logf("synthesizing %d enterprises …", o.Enterprises)
	var ents []*enterprise.Enterprise
	err := synth.Generate(synth.Options{N: o.Enterprises, Seed: 1, Today: today}, func(e *enterprise.Enterprise) error {
		ents = append(ents, e)
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Load the city into the databases through the platform's import.
	if _, err := os.Stat(o.SQLitePath); err == nil {
		return nil, errs.Errorf(errs.Invalid, "%s exists: give a new path", o.SQLitePath)
	}
	sq, err := store.Open(ctx, o.SQLitePath)
	if err != nil {
		return nil, err
	}
	defer sq.Close()
	if !o.Keep {
		defer func() {
			for _, s := range []string{"", "-wal", "-shm"} {
				_ = os.Remove(o.SQLitePath + s)
			}
		}()
	}
	if err := load(ctx, sq, ents, logf); err != nil {
		return nil, err
	}
	var pg *store.DB
	if o.PGDSN != "" {
		dsn, drop, err := store.FreshSchema(ctx, o.PGDSN, "bench_")
		if err != nil {
			return nil, err
		}
		if !o.Keep {
			defer drop()
		}
		if pg, err = store.Open(ctx, dsn); err != nil {
			return nil, err
		}
		defer pg.Close()
		if err := load(ctx, pg, ents, logf); err != nil {
			return nil, err
		}
	}

	// Table load time and memory, from each database.
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	loadEngine := func(db *store.DB, name string) (*policy.Engine, error) {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		eng := policy.NewEngine(db, policy.EngineOptions{Now: now, Logger: quiet})
		st, err := eng.Load(ctx)
		if err != nil {
			return nil, err
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
		rep.Rows = append(rep.Rows,
			Row{ds, "snapshot load from " + name, dur(st.Took), "-", "-", "-", "-"},
			Row{ds, "snapshot memory (heap after−before load, " + name + ")", fmt.Sprintf("%.0f MB", heap), "-",
				"engine's own estimate", fmt.Sprintf("%.0f MB", float64(st.MemoryBytes)/(1<<20)), "-"})
		logf("loaded the snapshot from %s in %v (%.0f MB heap)", name, st.Took, heap)
		return eng, nil
	}
	if pg != nil {
		if _, err := loadEngine(pg, "PostgreSQL"); err != nil {
			return nil, err
		}
	}
	eng, err := loadEngine(sq, "SQLite")
	if err != nil {
		return nil, err
	}
	if n := eng.Table().Len(); n != len(ents) {
		return nil, errs.Errorf(errs.Internal, "snapshot holds %d enterprises, want %d", n, len(ents))
	}

	logf("preparing the per-row peers …")
	raw := newRawCols(ents)
	envs := make([]exprEnv, len(ents))
	for i, e := range ents {
		envs[i] = newExprEnv(e, raw.district[i])
	}

	for _, br := range rules() {
		r := rule.MustParse(br.json)
		op := fmt.Sprintf("simulate, %d leaves", br.leaves)
		logf("rule of %d leaves …", br.leaves)
		// Start each rule from a collected heap, as testing.B does before
		// each benchmark: the peers' gigabytes of per-row structs must not
		// be marked during one peer's runs and not another's.
		runtime.GC()
		var sim *policy.Simulation
		engT := timeRuns(o.Runs, func() {
			sim, err = eng.Simulate(r, &amount, "district", rule.Names{})
		})
		if err != nil {
			return nil, err
		}
		// The engine spreads a simulation over the cores; the same on one.
		procs := runtime.GOMAXPROCS(1)
		oneT := timeRuns(o.Runs, func() { _, _ = eng.Simulate(r, &amount, "district", rule.Names{}) })
		runtime.GOMAXPROCS(procs)
		evalT := timeRuns(o.Runs, func() { eng.Table().Evaluate(r) })
		engMed := median(engT)
		var exprT, rawT []time.Duration
		row := func(peer string, t []time.Duration) {
			m := median(t)
			rep.Rows = append(rep.Rows, Row{ds, op, dur(engMed), dur(p99(engT)), peer, dur(m), fmt.Sprintf("%.1f×", float64(m)/float64(engMed))})
		}
		rep.Rows = append(rep.Rows, Row{ds, fmt.Sprintf("evaluate only (3 bitmaps), %d leaves", br.leaves), dur(median(evalT)), dur(p99(evalT)), "-", "-", "-"})
		check := func(peer string, eligible, unknown uint64, budget int64) {
			if eligible != sim.Eligible || unknown != sim.Unknown || budget != sim.Budget {
				rep.Notes = append(rep.Notes, fmt.Sprintf("MISMATCH %s, %d leaves: %d/%d/%d yuan, engine %d/%d/%d yuan",
					peer, br.leaves, eligible, unknown, budget, sim.Eligible, sim.Unknown, sim.Budget))
			}
		}
		for _, db := range []*store.DB{pg, sq} {
			if db == nil {
				continue
			}
			name := "PostgreSQL SQL"
			if db == sq {
				name = "SQLite SQL"
			}
			var got *policy.Simulation
			t := timeRuns(o.SQLRuns, func() {
				got, err = sqlpeer.Simulate(ctx, db, r, &amount, "district", today)
			})
			if err != nil {
				return nil, err
			}
			check(name, got.Eligible, got.Unknown, got.Budget)
			row(name, t)
		}
		program, err := expr.Compile(exprOf(r), expr.Env(&exprEnv{}), expr.AsBool())
		if err != nil {
			return nil, errs.Wrap(err, "compile "+exprOf(r))
		}
		var exprYes int
		exprT = timeRuns(o.SQLRuns, func() { exprYes = runExpr(program, envs, raw) })
		row("expr-lang per row (2-valued)", exprT)
		var ey, eu uint64
		var eb int64
		t := timeRuns(o.SQLRuns, func() { ey, eu, eb = runEval(r, ents) })
		check("rule.Eval per row", ey, eu, eb)
		row("rule.Eval per row", t)
		var out rawOut
		rawT = timeRuns(o.Runs, func() { out = rawOut{}; br.raw(raw, &out) })
		check("raw loop", out.yes, out.unknown, out.budget)
		row("raw Go loop, touched columns", rawT)
		oneMed := median(oneT)
		for _, p := range []struct {
			name string
			t    []time.Duration
		}{{"expr-lang per row (2-valued)", exprT}, {"raw Go loop, touched columns", rawT}} {
			m := median(p.t)
			rep.Rows = append(rep.Rows, Row{ds, fmt.Sprintf("simulate, %d leaves, one core", br.leaves), dur(oneMed), dur(p99(oneT)),
				p.name, dur(m), fmt.Sprintf("%.1f×", float64(m)/float64(oneMed))})
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d leaves: %d eligible, %d unknown, budget %s (expr, unknown as zero: %d true)",
			br.leaves, sim.Eligible, sim.Unknown, money.Exact(sim.Budget), exprYes))
	}

	// Reverse evaluation: one enterprise against many clauses.
	logf("reverse evaluation …")
	rng := mrand.New(mrand.NewPCG(7, 8))
	clauses := policyRules(rng, o.Clauses)
	ix, err := rule.NewIndex(clauses)
	if err != nil {
		return nil, err
	}
	sample := make([]*enterprise.Enterprise, 2000)
	for i := range sample {
		sample[i] = ents[rng.IntN(len(ents))]
	}
	var idxT, naiveT []time.Duration
	matches := 0
	for _, e := range sample {
		start := time.Now()
		ms := ix.MatchAll(e, today)
		idxT = append(idxT, time.Since(start))
		start = time.Now()
		naive := 0
		for _, c := range clauses {
			if c.Rule.Eval(e, today) != rule.No {
				naive++
			}
		}
		naiveT = append(naiveT, time.Since(start))
		got := 0
		for _, m := range ms {
			if m.Outcome != rule.No {
				got++
			}
		}
		if got != naive {
			return nil, errs.Errorf(errs.Internal, "index finds %d clauses, naive loop %d", got, naive)
		}
		matches += got
	}
	slices.Sort(idxT)
	slices.Sort(naiveT)
	rep.Rows = append(rep.Rows, Row{ds, fmt.Sprintf("reverse: 1 enterprise × %d clauses (index)", o.Clauses), dur(median(idxT)), dur(p99(idxT)),
		"naive loop over all clauses", dur(median(naiveT)) + " (p99 " + dur(p99(naiveT)) + ")", fmt.Sprintf("%.1f×", float64(median(naiveT))/float64(median(idxT)))})
	rep.Notes = append(rep.Notes, fmt.Sprintf("reverse: %d sampled enterprises, on average %.1f of %d clauses 符合 or 待补充信息",
		len(sample), float64(matches)/float64(len(sample)), o.Clauses),
		fmt.Sprintf("runs: %d per in-memory measurement, %d per SQL and per-row measurement (p99 of few runs is their maximum); GOMAXPROCS=%d",
			o.Runs, o.SQLRuns, runtime.GOMAXPROCS(0)),
		"ratio: peer median ÷ engine median (simulate) or naive ÷ index (reverse)")
	return rep, nil
}

// load writes ents into db (LoadCity) and adds the indexes a sensible
// engineer would add for these queries.
func load(ctx context.Context, db *store.DB, ents []*enterprise.Enterprise, logf func(string, ...any)) error {
	if err := LoadCity(ctx, db, ents, logf); err != nil {
		return err
	}
	start := time.Now()
	for _, c := range []string{"district", "industry", "size", "credit", "status", "kind", "revenue", "founded", "rd_expense", "employees"} {
		if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE INDEX IF NOT EXISTS bench_enterprises_%s ON enterprises(%s)", c, c)); err != nil {
			return errs.Wrap(err, "create index")
		}
	}
	if _, err := db.ExecContext(ctx, "CREATE INDEX IF NOT EXISTS bench_enterprise_tags_tag ON enterprise_tags(tag, enterprise_id)"); err != nil {
		return errs.Wrap(err, "create index")
	}
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		return errs.Wrap(err, "analyze")
	}
	logf("indexed and analyzed %s in %v", db.Dialect(), time.Since(start).Round(time.Millisecond))
	return nil
}

// LoadCity migrates db and writes the synthetic city ents into it (ids 1…n,
// tags included) with a bulk load of its own — benchmarks of what runs on a
// loaded registry measure that, not the import: one prepared INSERT per row
// in one transaction on SQLite, COPY on PostgreSQL. Like anyone loading
// millions of rows it drops the registry's secondary indexes first
// (enterprises_district_street, enterprise_tags_tag) and leaves rebuilding
// what a caller needs to it.
func LoadCity(ctx context.Context, db *store.DB, ents []*enterprise.Enterprise, logf func(string, ...any)) error {
	if _, err := db.Migrate(ctx, now); err != nil {
		return err
	}
	for _, ix := range []string{"enterprises_district_street", "enterprise_tags_tag"} {
		if _, err := db.ExecContext(ctx, "DROP INDEX IF EXISTS "+ix); err != nil {
			return errs.Wrap(err, "drop index")
		}
	}
	start := time.Now()
	var err error
	if db.Dialect() == store.Postgres {
		err = copyPG(ctx, db.RawDSN(), ents)
	} else {
		err = insertSQLite(ctx, db, ents)
	}
	if err != nil {
		return err
	}
	logf("loaded %d enterprises into %s in %v", len(ents), db.Dialect(), time.Since(start).Round(time.Millisecond))
	return nil
}

// row returns the stored values of e (id i+1) in the order of columns.
var columns = []string{"id", "uscc", "name", "kind", "industry", "district", "street", "founded", "registered_capital", "employees",
	"revenue", "rd_expense", "tax_paid", "export_value", "total_assets", "tags", "credit", "status", "size", "sources", "created_at", "updated_at"}

func row(i int, e *enterprise.Enterprise) []any {
	var founded, tags *string
	if e.Founded != nil {
		s := e.Founded.String()
		founded = &s
	}
	if e.Tags != nil {
		s := strings.Join(sortedTags(e.Tags), "|")
		tags = &s
	}
	size := enterprise.ClassifySize(e.Industry, e.Employees, e.Revenue, e.TotalAssets)
	ms := now().UnixMilli()
	return []any{int64(i + 1), e.USCC, e.Name, e.Kind, e.Industry, e.District, e.Street, founded, e.RegisteredCapital, e.Employees,
		e.Revenue, e.RDExpense, e.TaxPaid, e.ExportValue, e.TotalAssets, tags, e.Credit, e.Status, size, `{"*":{"source":"导入","at":0}}`, ms, ms}
}

func sortedTags(tags []string) []string {
	out := slices.Clone(tags)
	slices.Sort(out)
	return slices.Compact(out)
}

// insertSQLite loads ents with one prepared INSERT per row in one
// transaction.
func insertSQLite(ctx context.Context, db *store.DB, ents []*enterprise.Enterprise) error {
	// The writer connection keeps this for the index builds after the load.
	if _, err := db.ExecContext(ctx, `PRAGMA cache_size = -1048576`); err != nil {
		return errs.Wrap(err, "cache size")
	}
	return db.InTx(ctx, func(tx *store.Tx) error {
		ins, err := tx.PrepareContext(ctx, "INSERT INTO enterprises ("+strings.Join(columns, ", ")+") VALUES ("+store.Placeholders(len(columns))+")")
		if err != nil {
			return errs.Wrap(err, "prepare")
		}
		defer ins.Close()
		tag, err := tx.PrepareContext(ctx, `INSERT INTO enterprise_tags (enterprise_id, tag) VALUES (?, ?)`)
		if err != nil {
			return errs.Wrap(err, "prepare")
		}
		defer tag.Close()
		for i, e := range ents {
			if _, err := ins.ExecContext(ctx, row(i, e)...); err != nil {
				return errs.Wrap(err, "insert enterprise")
			}
			for _, t := range sortedTags(e.Tags) {
				if _, err := tag.ExecContext(ctx, int64(i+1), t); err != nil {
					return errs.Wrap(err, "insert tag")
				}
			}
		}
		return nil
	})
}

// copyPG loads ents with COPY.
func copyPG(ctx context.Context, dsn string, ents []*enterprise.Enterprise) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return errs.Wrap(err, "connect")
	}
	defer conn.Close(context.Background())
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"enterprises"}, columns, pgx.CopyFromSlice(len(ents), func(i int) ([]any, error) {
		return row(i, ents[i]), nil
	})); err != nil {
		return errs.Wrap(err, "copy enterprises")
	}
	var tags [][]any
	for i, e := range ents {
		for _, t := range sortedTags(e.Tags) {
			tags = append(tags, []any{int64(i + 1), t})
		}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"enterprise_tags"}, []string{"enterprise_id", "tag"}, pgx.CopyFromRows(tags)); err != nil {
		return errs.Wrap(err, "copy tags")
	}
	return nil
}

// ---- timing ----

func timeRuns(n int, fn func()) []time.Duration {
	fn() // warm up
	out := make([]time.Duration, n)
	for i := range out {
		start := time.Now()
		fn()
		out[i] = time.Since(start)
	}
	slices.Sort(out)
	return out
}

func median(t []time.Duration) time.Duration { return t[len(t)/2] }

func p99(t []time.Duration) time.Duration {
	i := int(math.Ceil(0.99*float64(len(t)))) - 1
	return t[max(0, min(i, len(t)-1))]
}

func dur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.1f µs", float64(d)/1e3)
}

func humanCount(n int) string {
	switch {
	case n >= 1_000_000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', -1, 64) + " M"
	case n >= 1000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', -1, 64) + " k"
	}
	return strconv.Itoa(n)
}

// ---- per-row rule.Eval ----

// runEval is the straightforward program: evaluate the rule per enterprise,
// group by district in a map, sum the amount.
func runEval(r *rule.Rule, ents []*enterprise.Enterprise) (yes, unknown uint64, budget int64) {
	groups := map[string]int{}
	for _, e := range ents {
		switch r.Eval(e, today) {
		case rule.Yes:
			yes++
			d := ""
			if e.District != nil {
				d = *e.District
			}
			groups[d]++
			v, _ := amount.For(e)
			budget += v
		case rule.Unknown:
			unknown++
		}
	}
	return yes, unknown, budget
}

// ---- expr-lang ----

// exprEnv is what the expr-lang peer sees of an enterprise; unknown values
// are zero values, as a two-valued engine would have them.
type exprEnv struct {
	District  string   `expr:"district"`
	Industry  string   `expr:"industry"`
	Kind      string   `expr:"kind"`
	Credit    string   `expr:"credit"`
	Status    string   `expr:"status"`
	Size      string   `expr:"size"`
	Revenue   int64    `expr:"revenue"`
	Employees int64    `expr:"employees"`
	RDExpense int64    `expr:"rd_expense"`
	Founded   int      `expr:"founded"`
	AgeYears  int      `expr:"age_years"`
	Tags      []string `expr:"tags"`
	group     uint8
}

func deref[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}

func newExprEnv(e *enterprise.Enterprise, group uint8) exprEnv {
	env := exprEnv{District: deref(e.District), Industry: deref(e.Industry), Kind: deref(e.Kind), Credit: deref(e.Credit),
		Status: deref(e.Status), Size: deref(e.Size), Revenue: deref(e.Revenue), Employees: deref(e.Employees),
		RDExpense: deref(e.RDExpense), Tags: e.Tags, group: group}
	if a := e.AgeYears(today); a != nil {
		env.Founded, env.AgeYears = int(*e.Founded), int(*a)
	}
	return env
}

// runExpr runs a compiled program per enterprise and groups and sums the
// true ones; it returns how many were true.
func runExpr(program *vm.Program, envs []exprEnv, c *rawCols) int {
	var machine vm.VM
	var groups [256]int
	var budget int64
	yes := 0
	for i := range envs {
		out, err := machine.Run(program, &envs[i])
		if err != nil {
			panic(err)
		}
		if out.(bool) {
			yes++
			groups[envs[i].group]++
			budget += rawAmount(c.rd[i])
		}
	}
	_ = budget
	return yes
}

// exprOf writes r in expr-lang's own syntax over exprEnv (two-valued).
func exprOf(r *rule.Rule) string {
	q := strconv.Quote
	list := func(vs []string) string {
		parts := make([]string, len(vs))
		for i, v := range vs {
			parts[i] = q(v)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	switch {
	case r.All != nil || r.Any != nil:
		kids, sep := r.All, " && "
		if r.Any != nil {
			kids, sep = r.Any, " || "
		}
		parts := make([]string, len(kids))
		for i, k := range kids {
			parts[i] = exprOf(k)
		}
		return "(" + strings.Join(parts, sep) + ")"
	case r.Not != nil:
		return "!(" + exprOf(r.Not) + ")"
	}
	f := r.Field
	num := func(i int) string { return strconv.FormatInt(r.Numbers[i], 10) }
	switch r.Op {
	case rule.OpEq, rule.OpNe, rule.OpLt, rule.OpLe, rule.OpGt, rule.OpGe:
		if len(r.Numbers) > 0 {
			return f + " " + string(r.Op) + " " + num(0)
		}
		return f + " " + string(r.Op) + " " + q(r.Values[0])
	case rule.OpBetween:
		return "(" + f + " >= " + num(0) + " && " + f + " <= " + num(1) + ")"
	case rule.OpIn:
		return f + " in " + list(r.Values)
	case rule.OpNotIn:
		return "!(" + f + " in " + list(r.Values) + ")"
	case rule.OpHas:
		return q(r.Values[0]) + " in tags"
	case rule.OpHasAny:
		return "any(" + list(r.Values) + ", # in tags)"
	case rule.OpHasAll:
		return "all(" + list(r.Values) + ", # in tags)"
	case rule.OpPrefix:
		parts := make([]string, len(r.Values))
		for i, v := range r.Values {
			parts[i] = f + " startsWith " + q(v)
		}
		return "(" + strings.Join(parts, " || ") + ")"
	}
	return "true"
}

// ---- reverse evaluation ----

// policyRules returns n clauses shaped like published policies: a tag,
// district or industry condition with a few more conditions; one in ten
// without such an anchor.
func policyRules(rng *mrand.Rand, n int) []rule.IndexedRule {
	districts := []string{"420102", "420103", "420104", "420105", "420106", "420107", "420111", "420112", "420113", "420114", "420115", "420116", "420117"}
	prefixes := []string{"C", "C39", "C38", "C27", "I", "I65", "I64", "M73", "M75", "F51", "F52", "E48", "A01"}
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	q := strconv.Quote
	leaf := func() string {
		switch rng.IntN(8) {
		case 0:
			return fmt.Sprintf(`{"field":"revenue","op":">=","value":%d}`, []int{1000000, 5000000, 20000000, 100000000}[rng.IntN(4)])
		case 1:
			return fmt.Sprintf(`{"field":"employees","op":"<=","value":%d}`, []int{50, 100, 300, 1000}[rng.IntN(4)])
		case 2:
			return fmt.Sprintf(`{"field":"founded","op":">=","value":"%d-01-01"}`, 2000+rng.IntN(24))
		case 3:
			return fmt.Sprintf(`{"field":"size","op":"in","value":[%s]}`, q(pick(enterprise.Sizes)))
		case 4:
			return `{"not":{"field":"credit","op":"==","value":"严重失信"}}`
		case 5:
			return fmt.Sprintf(`{"field":"rd_expense","op":">","value":%d}`, []int{0, 100000, 1000000}[rng.IntN(3)])
		case 6:
			return fmt.Sprintf(`{"any":[{"field":"tags","op":"has","value":%s},{"field":"age_years","op":">=","value":%d}]}`, q(pick(enterprise.StandardTags)), 1+rng.IntN(10))
		}
		return `{"field":"status","op":"==","value":"存续"}`
	}
	out := make([]rule.IndexedRule, n)
	for i := range out {
		var kids []string
		switch rng.IntN(10) {
		case 0, 1, 2, 3:
			kids = append(kids, fmt.Sprintf(`{"field":"tags","op":"has","value":%s}`, q(pick(enterprise.StandardTags))))
		case 4, 5:
			kids = append(kids, fmt.Sprintf(`{"field":"district","op":"in","value":[%s,%s]}`, q(pick(districts)), q(pick(districts))))
		case 6, 7:
			kids = append(kids, fmt.Sprintf(`{"field":"industry","op":"prefix","value":[%s]}`, q(pick(prefixes))))
		case 8:
			kids = append(kids, fmt.Sprintf(`{"field":"tags","op":"has_any","value":[%s,%s]}`, q(pick(enterprise.StandardTags)), q(pick(enterprise.StandardTags))))
		}
		for range 1 + rng.IntN(4) {
			kids = append(kids, leaf())
		}
		out[i] = rule.IndexedRule{ID: int64(i + 1), Rule: rule.MustParse(`{"all":[` + strings.Join(kids, ",") + `]}`)}
	}
	return out
}
