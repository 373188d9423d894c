// Package grantbench measures redemption at a city's scale, on the
// synthetic city of matchbench (synth.Generate, loaded by
// matchbench.LoadCity) in SQLite and PostgreSQL:
//
//   - grant list generation of a 免申即享 clause whose rule fits about
//     100,000 of 2.25 million enterprises, through the real path (the job
//     GenerateGrants enqueues, run by the job runner), beside a plain
//     INSERT … SELECT of the same rows (the same predicate as SQL,
//     sqlpeer.Where; the same amount and data snapshot) into the grants
//     table — the peer of the target — and into a bare table without keys
//     or indexes, and generation run again (it adds nothing);
//   - approval of the list, a payment batch of every grant, the batch's
//     export for the finance system as CSV and as xlsx, and the import of
//     the bank's result file for every payment (then the same file again,
//     which changes nothing), each with its time and the process's peak
//     resident memory.
//
// The enterprises' confirmations (an account and a pledge each) are written
// by SQL as ConfirmGrant writes them, with each grant's full payment under
// its derived reference: one call per enterprise is not what is measured.
package grantbench

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/enterprise/importbench"
	"github.com/qinqing/qinqing/internal/enterprise/synth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/network"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/matchbench"
	"github.com/qinqing/qinqing/internal/policy/redeem"
	"github.com/qinqing/qinqing/internal/policy/sqlpeer"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Rule is the benchmark clause's rule: operating enterprises (企业, 存续)
// with a revenue of at least 380万元 — about 100,000 of the synthetic city's
// 2.25 million, in proportion for another size. Amount is its benefit: 1 %
// of revenue, at most 10万元 (the base is known wherever the rule is true).
const (
	Rule = `{"all":[{"field":"kind","op":"==","value":"企业"},{"field":"status","op":"==","value":"存续"},` +
		`{"field":"revenue","op":">=","value":3800000}]}`
	Amount = `{"rate":0.01,"of":"revenue","cap":100000}`
)

// Options configure a run.
type Options struct {
	Enterprises int    // synthetic city size; default 2,250,000
	SQLitePath  string // SQLite file to create (must not exist)
	PGDSN       string // PostgreSQL base DSN; a fresh schema is used and dropped; "" skips PostgreSQL
	Keep        bool   // keep the SQLite file and the PostgreSQL schema
	Log         io.Writer
	// CPUProfile, when set, receives a CPU profile of the measured
	// operations only (not the synthesis and load), each labelled op=<its
	// operation> (go tool pprof -tagfocus op=approve).
	CPUProfile io.Writer
}

// Row is one line of the result table.
type Row struct {
	Database  string
	Operation string
	Rows      int
	Took      time.Duration
	PeakMB    float64 // the process's peak resident memory during the operation (0: not measured)
	AboveMB   float64 // of which above what it held when the operation began
	LiveMB    float64 // the Go heap's largest live size after a collection during the operation, above its size at the start
	GCs       int     // collections during the operation (LiveMB means something only when there was one)
	Ratio     string  // rows per second over the plain INSERT … SELECT's (bare table), for generation
	RatioTbl  string  // rows per second over the same INSERT … SELECT into policy_grants, for generation
	Note      string
}

// Report is the outcome of a run.
type Report struct {
	Dataset string
	Rows    []Row
	Notes   []string
}

// Print writes the report as a table followed by the notes.
func (r *Report) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "dataset\tdatabase\toperation\trows\tseconds\trows/s\tpeak RSS MB\tof which during\tlive heap during\tGCs\t"+
		"ratio to plain (bare)\tratio to plain (policy_grants)\t")
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	for _, row := range r.Rows {
		peak, above, live := "-", "-", "-"
		if row.PeakMB > 0 {
			peak, above = fmt.Sprintf("%.0f", row.PeakMB), fmt.Sprintf("+%.0f", row.AboveMB)
		}
		if row.GCs > 0 {
			live = fmt.Sprintf("+%.0f", row.LiveMB)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.2f\t%.0f\t%s\t%s\t%s\t%d\t%s\t%s\t\n", r.Dataset, row.Database, row.Operation, row.Rows, row.Took.Seconds(),
			float64(row.Rows)/max(row.Took.Seconds(), 1e-9), peak, above, live, row.GCs, dash(row.Ratio), dash(row.RatioTbl))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, row := range r.Rows {
		if row.Note != "" {
			fmt.Fprintf(w, "%s, %s: %s\n", row.Database, row.Operation, row.Note)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, n)
	}
	return nil
}

// Run runs the benchmark and returns its report.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Enterprises <= 0 {
		o.Enterprises = 2_250_000
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	logf := func(format string, args ...any) { fmt.Fprintf(o.Log, format+"\n", args...) }
	rep := &Report{Dataset: humanCount(o.Enterprises)}
	if _, err := os.Stat(o.SQLitePath); err == nil {
		return nil, errs.Errorf(errs.Invalid, "%s exists: give a new path", o.SQLitePath)
	}
	loadBefore := importbench.LoadAverage()

	logf("synthesizing %d enterprises …", o.Enterprises)
	var ents []*enterprise.Enterprise
	if err := synth.Generate(synth.Options{N: o.Enterprises, Seed: 1, Today: matchbench.Today()}, func(e *enterprise.Enterprise) error {
		ents = append(ents, e)
		return nil
	}); err != nil {
		return nil, err
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
	if err := matchbench.LoadCity(ctx, sq, ents, logf); err != nil {
		return nil, err
	}
	// Reopened, so that the measurements run on connections as the
	// platform opens them (the load enlarged its writer's page cache).
	sq.Close()
	if sq, err = store.Open(ctx, o.SQLitePath); err != nil {
		return nil, err
	}
	defer sq.Close()
	dbs := []*store.DB{sq}
	if o.PGDSN != "" {
		dsn, drop, err := store.FreshSchema(ctx, o.PGDSN, "bench_grants_")
		if err != nil {
			return nil, err
		}
		if !o.Keep {
			defer drop()
		}
		pg, err := store.Open(ctx, dsn)
		if err != nil {
			return nil, err
		}
		defer pg.Close()
		if err := matchbench.LoadCity(ctx, pg, ents, logf); err != nil {
			return nil, err
		}
		dbs = append(dbs, pg)
	}
	// The synthetic city lives in the databases now: the figures below are
	// of a process holding what the platform holds (the engine's snapshot).
	ents = nil
	runtime.GC()
	debug.FreeOSMemory()
	if o.CPUProfile != nil {
		if err := pprof.StartCPUProfile(o.CPUProfile); err != nil {
			return nil, errs.Wrap(err, "start profile")
		}
		defer pprof.StopCPUProfile()
	}
	for _, db := range dbs {
		if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
			return nil, errs.Wrap(err, "analyze")
		}
		if err := runOn(ctx, db, rep, logf); err != nil {
			return nil, err
		}
		runtime.GC()
		debug.FreeOSMemory()
	}
	rep.Notes = append(rep.Notes,
		"plain: INSERT … SELECT of the same rows (rule as SQL by sqlpeer.Where, amount, data JSON) into a bare table without keys or indexes, one statement",
		"INSERT … SELECT into policy_grants: the same statement into the grants table itself, in a transaction rolled back afterwards: what the table's keys, foreign keys and indexes cost",
		"generation: GenerateGrants and the job runner until the job is done (snapshot evaluation, re-reading candidates from the registry, unique (clause, enterprise) ON CONFLICT DO NOTHING, progress)",
		"peak RSS: the process's VmHWM, reset before each operation (/proc/self/clear_refs); \"of which during\" is the peak above the RSS at its start",
		"live heap during: the largest live Go heap after a collection during the operation (runtime/metrics /gc/heap/live:bytes, sampled every 10 ms) above "+
			"its size at the start, what the operation holds rather than the garbage the collector lets accumulate up to GOGC (\"-\": no collection ran)",
		fmt.Sprintf("machine: %d CPUs, GOMAXPROCS=%d; load average (1, 5, 15 min) %s before, %s after", runtime.NumCPU(), runtime.GOMAXPROCS(0),
			loadBefore, importbench.LoadAverage()),
		"target: generation ≥ 0.50× the rows/s of the plain INSERT … SELECT into policy_grants, the table a grant list lives in (the bare table: the statement's cost without the table's keys and indexes, for reference)")
	return rep, nil
}

// bench is the platform's services on one database, as internal/app wires
// those redemption needs, with a fixed clock on the synthetic city's date.
type bench struct {
	db           *store.DB
	jobs         *jobs.Runner
	pol          *policy.Service
	svc          *redeem.Service
	cal          *workday.Calendar
	admin, staff *auth.Actor
	unit         *org.Unit
}

func now() time.Time { return matchbench.Today().Start().Add(10 * time.Hour) }

func newBench(ctx context.Context, db *store.DB) (*bench, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := &bench{db: db}
	var err error
	if b.cal, err = workday.New(); err != nil {
		return nil, err
	}
	al := &audit.Log{DB: db, Now: now}
	b.jobs = jobs.New(db, jobs.Options{Now: now, Logger: quiet, Worker: "grantbench"})
	nt := notify.New(db, b.jobs, notify.Options{Now: now, Logger: quiet})
	au := auth.New(db, auth.Options{Audit: al, Now: now})
	orgs := org.New(db, org.Options{Audit: al, Now: now})
	owners := network.New(db, network.Options{Audit: al, Auth: au, Notify: nt, Jobs: b.jobs, Now: now})
	b.pol = policy.New(db, policy.Options{Audit: al, Notify: nt, Jobs: b.jobs, Now: now, Logger: quiet, Owners: owners, Units: orgs})
	b.svc = redeem.New(db, b.pol, redeem.Options{Audit: al, Notify: nt, Jobs: b.jobs, Calendar: b.cal, Now: now, Logger: quiet,
		Units: orgs, Owners: owners})
	// Only redemption's jobs run: the policy's pushes on publication are
	// not what is measured and stay queued.
	b.svc.RegisterJobs(b.jobs)
	if b.unit, err = orgs.CreateUnit(ctx, auth.Operator("bench"), org.UnitInput{Name: "市科技创新局", Kind: org.KindDepartment}); err != nil {
		return nil, err
	}
	user := func(name string, role auth.Role, unit *int64) (*auth.Actor, error) {
		u, err := au.CreateUser(ctx, auth.Operator("bench"), auth.UserInput{Username: name, DisplayName: name, Role: role, UnitID: unit,
			Password: "bench-pass-123"})
		if err != nil {
			return nil, err
		}
		return u.Actor(), nil
	}
	if b.admin, err = user("bench-admin", auth.RoleAdmin, nil); err != nil {
		return nil, err
	}
	if b.staff, err = user("bench-staff", auth.RoleUnitStaff, &b.unit.ID); err != nil {
		return nil, err
	}
	return b, nil
}

// runOn measures one database and appends its rows to rep.
func runOn(ctx context.Context, db *store.DB, rep *Report, logf func(string, ...any)) error {
	name := "SQLite"
	if db.Dialect() == store.Postgres {
		name = "PostgreSQL"
	}
	b, err := newBench(ctx, db)
	if err != nil {
		return err
	}
	logf("%s: loading the policy engine's snapshot …", name)
	if _, err := b.pol.Engine().Load(ctx); err != nil {
		return err
	}
	p, err := b.pol.CreatePolicy(ctx, b.staff, policy.PolicyInput{Title: "规模企业营收奖励（基准测试）", Category: "资金扶持", RedeemingUnitID: &b.unit.ID})
	if err != nil {
		return err
	}
	cl, err := b.pol.AddClause(ctx, b.staff, p.ID, policy.ClauseInput{Title: "营收奖励", Rule: []byte(Rule), Amount: []byte(Amount),
		BenefitKind: "资金奖补", Mode: policy.ModeAutomatic})
	if err != nil {
		return err
	}
	if _, err := b.pol.Submit(ctx, b.staff, p.ID); err != nil {
		return err
	}
	if p, err = b.pol.Review(ctx, b.admin, p.ID, true, ""); err != nil {
		return err
	}
	if err := b.pol.Engine().LoadIndex(ctx); err != nil {
		return err
	}
	add := func(op string, rows int, m measured, ratio, note string) {
		rep.Rows = append(rep.Rows, Row{Database: name, Operation: op, Rows: rows, Took: m.took, PeakMB: m.peakMB, AboveMB: m.aboveMB,
			LiveMB: m.liveMB, GCs: m.gcs, Ratio: ratio, Note: note})
		logf("%s: %s: %d rows in %v", name, op, rows, m.took.Round(time.Millisecond))
	}

	// The peer: the same rows by one INSERT … SELECT into a bare table.
	plainRows, plain, err := plainInsert(ctx, b, p, cl)
	if err != nil {
		return err
	}
	add("plain INSERT … SELECT (bare table)", plainRows, plain, "", "")
	tableRows, table, err := tableInsert(ctx, b, p, cl)
	if err != nil {
		return err
	}
	add("INSERT … SELECT into policy_grants", tableRows, table, fmt.Sprintf("%.2f", plain.took.Seconds()/table.took.Seconds()),
		"the same statement into the real table (keys, foreign keys, indexes), rolled back")
	rep.Rows[len(rep.Rows)-1].RatioTbl = "1.00"

	// Generation through the job, then again.
	var gen measured
	var listed int
	gen, err = measure("generate", func() error {
		return b.generate(ctx, cl.ClauseID)
	})
	if err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM policy_grants WHERE clause_id = ?`, cl.ClauseID).Scan(&listed); err != nil {
		return errs.Wrap(err, "count grants")
	}
	note := ""
	if listed != plainRows {
		note = fmt.Sprintf("generation listed %d, the plain INSERT … SELECT %d", listed, plainRows)
	}
	add("grant list generation (job)", listed, gen, fmt.Sprintf("%.2f", plain.took.Seconds()/gen.took.Seconds()), note)
	rep.Rows[len(rep.Rows)-1].RatioTbl = fmt.Sprintf("%.2f", table.took.Seconds()/gen.took.Seconds())
	again, err := measure("generate-again", func() error { return b.generate(ctx, cl.ClauseID) })
	if err != nil {
		return err
	}
	var after int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM policy_grants WHERE clause_id = ?`, cl.ClauseID).Scan(&after); err != nil {
		return errs.Wrap(err, "count grants")
	}
	add("generation again (adds nothing)", after-listed, again, "", fmt.Sprintf("%d eligible already listed", listed))

	var review *redeem.ReviewResult
	approve, err := measure("approve", func() error {
		var err error
		review, err = b.svc.ApproveGrants(ctx, b.staff, cl.ClauseID)
		return err
	})
	if err != nil {
		return err
	}
	add("approve the list", review.Approved, approve, "", "")

	logf("%s: confirming the grants by SQL …", name)
	payments, err := b.confirmAll(ctx, cl.ClauseID)
	if err != nil {
		return err
	}
	var batch *redeem.Batch
	mk, err := measure("batch", func() error {
		var err error
		batch, err = b.svc.CreateBatch(ctx, b.staff, b.unit.ID)
		return err
	})
	if err != nil {
		return err
	}
	add("payment batch", payments, mk, "", "")

	var csvFile strings.Builder
	for _, format := range []string{"csv", "xlsx"} {
		var out countingWriter
		var w io.Writer = &out
		if format == "csv" {
			w = io.MultiWriter(&out, &csvFile)
		}
		var n int
		m, err := measure("export-"+format, func() error {
			var err error
			n, err = b.svc.ExportBatch(ctx, b.staff, batch.ID, format, w)
			return err
		})
		if err != nil {
			return err
		}
		add("batch export, "+format, n, m, "", fmt.Sprintf("%.1f MB", float64(out.n)/1e6))
	}

	bank, refusals, err := bankFile(csvFile.String())
	if err != nil {
		return err
	}
	for _, label := range []string{"bank result import", "the same file again"} {
		var res *redeem.BankResult
		op := "bank-import"
		if label != "bank result import" {
			op = "bank-import-again"
		}
		m, err := measure(op, func() error {
			var err error
			res, err = b.svc.ImportBankResults(ctx, b.staff, batch.ID, strings.NewReader(bank))
			return err
		})
		if err != nil {
			return err
		}
		note := fmt.Sprintf("%.1f MB CSV; paid %d, refused %d, unchanged %d, unmatched %d, errors %d", float64(len(bank))/1e6,
			res.Paid, res.Refused, res.Unchanged, res.Unmatched, len(res.Errors))
		if label == "bank result import" && (res.Paid+res.Refused != res.Read || res.Refused != refusals) ||
			label != "bank result import" && res.Unchanged != res.Read {
			return errs.Errorf(errs.Internal, "%s: unexpected answer: %s", label, note)
		}
		add(label, res.Read, m, "", note)
	}
	return nil
}

// generate runs the real path: GenerateGrants enqueues the job, the runner
// runs due jobs until it is done.
func (b *bench) generate(ctx context.Context, clauseID int64) error {
	id, err := b.svc.GenerateGrants(ctx, b.staff, clauseID)
	if err != nil {
		return err
	}
	for {
		j, err := b.jobs.FindJobByID(ctx, id)
		if err != nil {
			return err
		}
		switch j.Status {
		case jobs.Done:
			return nil
		case jobs.Failed:
			return errs.Errorf(errs.Internal, "generation failed: %s", j.LastError)
		}
		ran, err := b.jobs.RunOnce(ctx)
		if err != nil {
			return err
		}
		if !ran {
			return errs.Errorf(errs.Internal, "generation job %d is %s and nothing runs", id, j.Status)
		}
	}
}

// plainInsert writes, in one INSERT … SELECT, the rows generation writes
// for clause cl of policy p into a bare table, and returns how many.
func plainInsert(ctx context.Context, b *bench, p *policy.Policy, cl *policy.Clause) (int, measured, error) {
	if _, err := b.db.ExecContext(ctx, `CREATE TABLE bench_plain_grants (clause_id BIGINT, clause_version_id BIGINT, policy_id BIGINT,
		unit_id BIGINT, origin TEXT, status TEXT, rule_version INTEGER, generated_at BIGINT, created_at BIGINT, updated_at BIGINT,
		enterprise_id BIGINT, amount BIGINT, data TEXT)`); err != nil {
		return 0, measured{}, errs.Wrap(err, "create bare table")
	}
	q, args, err := insertSelect(b, p, cl, "bench_plain_grants", "")
	if err != nil {
		return 0, measured{}, err
	}
	var n int64
	m, err := measure("plain", func() error {
		res, err := b.db.ExecContext(ctx, q, args...)
		if err != nil {
			return errs.Wrap(err, "plain insert")
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), m, err
}

// errRollback undoes tableInsert's rows.
var errRollback = errs.Errorf(errs.Conflict, "rolled back")

// tableInsert is plainInsert into policy_grants itself — its keys, foreign
// keys and indexes — in a transaction that is rolled back afterwards, so
// that generation finds the list empty: the floor of writing these rows
// into this table.
func tableInsert(ctx context.Context, b *bench, p *policy.Policy, cl *policy.Clause) (int, measured, error) {
	q, args, err := insertSelect(b, p, cl, "policy_grants", " ON CONFLICT (clause_id, enterprise_id) DO NOTHING")
	if err != nil {
		return 0, measured{}, err
	}
	var n int64
	var m measured
	err = b.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		m, err = measure("plain-policy-grants", func() error {
			res, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return errs.Wrap(err, "insert into policy_grants")
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return err
		}
		return errRollback
	})
	if err != errRollback {
		return 0, m, err
	}
	return int(n), m, nil
}

// insertSelect returns the INSERT … SELECT of the rows generation writes
// for clause cl of policy p into table, with the rule as SQL (sqlpeer.Where)
// and the amount and data computed by the database.
func insertSelect(b *bench, p *policy.Policy, cl *policy.Clause, table, suffix string) (string, []any, error) {
	where, args, err := sqlpeer.Where(cl.Rule, workday.Today(now))
	if err != nil {
		return "", nil, err
	}
	jsonOf := "json_object"
	if b.db.Dialect() == store.Postgres {
		jsonOf = "json_build_object"
	}
	var pairs []string
	for _, f := range cl.Rule.Fields() {
		pairs = append(pairs, "'"+f+"', e."+f)
	}
	data := jsonOf + "(" + strings.Join(pairs, ", ") + ")"
	if b.db.Dialect() == store.Postgres {
		data += "::text"
	}
	ms := store.Millis(now())
	q := `INSERT INTO ` + table + ` (clause_id, clause_version_id, policy_id, unit_id, origin, status, rule_version, generated_at,
		created_at, updated_at, enterprise_id, amount, data)
		SELECT CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT),
		CAST(? AS INTEGER), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), e.id, ` + sqlpeer.Amount(*cl.Amount, b.db.Dialect()) + `, ` + data + `
		FROM enterprises e WHERE ` + where + suffix
	all := append([]any{cl.ClauseID, cl.ID, p.ID, b.unit.ID, redeem.OriginList, redeem.GrantListed, cl.Version, ms, ms, ms}, args...)
	return q, all, nil
}

// confirmAll confirms every 待确认 grant of clauseID as ConfirmGrant would
// (the enterprise's name as the payee, an account, payable today) and
// creates its full payment under its derived reference; it returns how
// many payments it made.
func (b *bench) confirmAll(ctx context.Context, clauseID int64) (int, error) {
	today := workday.Today(now)
	ms := store.Millis(now())
	const account, bank = "6222021001123456789", "中国工商银行武汉光谷支行"
	n := 0
	err := b.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE policy_grants SET status = ?, confirmed_at = ?, payee_name = (SELECT name FROM enterprises e
			WHERE e.id = policy_grants.enterprise_id), payee_account = ?, payee_bank = ?, payable_on = ?, updated_at = ?
			WHERE clause_id = ? AND status = ?`, redeem.GrantConfirmed, ms, account, bank, today.String(), ms, clauseID, redeem.GrantConfirming); err != nil {
			return errs.Wrap(err, "confirm grants")
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, unit_id, approved_amount, payee_name FROM policy_grants WHERE clause_id = ? AND status = ?
			ORDER BY id`, clauseID, redeem.GrantConfirmed)
		if err != nil {
			return errs.Wrap(err, "read grants")
		}
		type grant struct {
			id, unit, amount int64
			payee            string
		}
		var gs []grant
		for rows.Next() {
			var g grant
			if err := rows.Scan(&g.id, &g.unit, &g.amount, &g.payee); err != nil {
				rows.Close()
				return errs.Wrap(err, "read grants")
			}
			gs = append(gs, g)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrap(err, "read grants")
		}
		due := b.cal.AddWorkdays(today, redeem.DefaultPaymentDays).String()
		const chunk = 500
		for at := 0; at < len(gs); at += chunk {
			part := gs[at:min(at+chunk, len(gs))]
			args := make([]any, 0, 14*len(part))
			for _, g := range part {
				args = append(args, redeem.Reference(g.id, redeem.PaymentFull, 1), g.id, redeem.PaymentFull, 1, g.unit, g.amount,
					redeem.PaymentPending, g.payee, account, bank, today.String(), due, ms, ms)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO policy_payments (reference, grant_id, kind, attempt, unit_id, amount, status,
				payee_name, payee_account, payee_bank, due_from, due_on, created_at, updated_at) VALUES `+
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(part)), ", "), args...); err != nil {
				return errs.Wrap(err, "create payments")
			}
		}
		n = len(gs)
		return nil
	})
	return n, err
}

// bankFile turns a batch's CSV export into the bank's result file: every
// payment 成功 with a serial and today's date, but one in a hundred 失败
// (账户已销户). It returns the file and how many it refused.
func bankFile(export string) (string, int, error) {
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(export, "\ufeff")))
	recs, err := r.ReadAll()
	if err != nil {
		return "", 0, errs.Wrap(err, "read export")
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(redeem.BankHeaders)
	date := workday.Today(now).String()
	refused := 0
	for i, rec := range recs[1:] {
		if i%100 == 99 {
			refused++
			_ = w.Write([]string{rec[0], redeem.BankFailure, "账户已销户", "", ""})
			continue
		}
		_ = w.Write([]string{rec[0], redeem.BankSuccess, "", "LS" + strconv.Itoa(1_000_000+i), date})
	}
	w.Flush()
	return b.String(), refused, errs.Wrap(w.Error(), "write bank file")
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// measured is the time and memory of one operation.
type measured struct {
	took                    time.Duration
	peakMB, aboveMB, liveMB float64
	gcs                     int
}

// measure runs fn, timing it and reading the process's peak resident
// memory during it (VmHWM, reset before through /proc/self/clear_refs;
// zero where the system has neither).
func measure(op string, fn func() error) (measured, error) {
	runtime.GC()
	debug.FreeOSMemory()
	reset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	base := statusKiB("VmRSS")
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(samples)
	live0, gc0 := samples[0].Value.Uint64(), samples[1].Value.Uint64()
	var liveMax uint64
	done, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for {
			select {
			case <-done:
				return
			case <-t.C:
				metrics.Read(s)
				liveMax = max(liveMax, s[0].Value.Uint64())
			}
		}
	}()
	start := time.Now()
	var err error
	pprof.Do(context.Background(), pprof.Labels("op", op), func(context.Context) { err = fn() })
	m := measured{took: time.Since(start)}
	close(done)
	<-sampled
	metrics.Read(samples)
	liveMax = max(liveMax, samples[0].Value.Uint64())
	m.gcs = int(samples[1].Value.Uint64() - gc0)
	m.liveMB = float64(max(liveMax, live0)-live0) / (1 << 20)
	if peak := statusKiB("VmHWM"); reset && peak > 0 {
		m.peakMB, m.aboveMB = float64(peak)/1024, float64(max(0, peak-base))/1024
	}
	return m, err
}

// statusKiB reads a field of /proc/self/status in KiB (0: unknown).
func statusKiB(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
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
