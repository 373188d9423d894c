// Package planbench measures plan supervision's pages at a city's scale
// (qinqing bench plans): it seeds a fresh SQLite file and, optionally, a
// fresh PostgreSQL schema with plans, tasks, units and years of monthly
// reports, serves the web application on loopback and requests every plan
// page as the roles that see it, timing each answer.
package planbench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/web"
	"github.com/qinqing/qinqing/internal/workday"
)

// Options configure Run.
type Options struct {
	Plans, Tasks, Units int
	Months              int           // months of reports before the current one
	Runs                int           // timed requests per page and role
	Today               workday.Date  // the seeded city's today (zero: 15 June 2026)
	SQLitePath          string        // the SQLite file to create (must not exist)
	PGDSN               string        // PostgreSQL DSN; a fresh schema is used and dropped; "" skips PostgreSQL
	Keep                bool          // keep the SQLite file and the PostgreSQL schema
	Log                 io.Writer     // progress; nil discards
	Target              time.Duration // the p95 to meet (zero: 200 ms)
}

// Result is the timing of one page as one role on one database.
type Result struct {
	Database, Page, Role string
	Runs                 int
	Bytes                int // size of the last answer
	P50, P95, Max        time.Duration
}

// Report is what Run measured.
type Report struct {
	Options Options
	Rows    map[string]map[string]int // database → what was seeded → rows
	Seeding map[string]time.Duration  // database → time to seed
	Results []Result
}

// clock is the seeded city's clock, moved by the seeding.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Run seeds each database and measures the pages on it.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Plans <= 0 || o.Tasks < o.Plans*20 || o.Units < 25 || o.Months <= 0 || o.Runs <= 0 {
		return nil, errs.Errorf(errs.Invalid, "planbench: at least one plan, 20 tasks per plan, 25 units, one month and one run")
	}
	if o.Today == 0 {
		o.Today = workday.NewDate(2026, time.June, 15)
	}
	if o.Target == 0 {
		o.Target = 200 * time.Millisecond
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	logf := func(format string, args ...any) { fmt.Fprintf(o.Log, format+"\n", args...) }
	if _, err := os.Stat(o.SQLitePath); err == nil {
		return nil, errs.Errorf(errs.Invalid, "%s exists: give a new path", o.SQLitePath)
	}
	rep := &Report{Options: o, Rows: map[string]map[string]int{}, Seeding: map[string]time.Duration{}}
	type target struct{ name, dsn string }
	targets := []target{{"SQLite", o.SQLitePath}}
	if !o.Keep {
		defer func() {
			for _, s := range []string{"", "-wal", "-shm"} {
				_ = os.Remove(o.SQLitePath + s)
			}
		}()
	}
	if o.PGDSN != "" {
		dsn, drop, err := store.FreshSchema(ctx, o.PGDSN, "bench_plans_")
		if err != nil {
			return nil, err
		}
		if !o.Keep {
			defer drop()
		}
		targets = append(targets, target{"PostgreSQL", dsn})
	}
	for _, t := range targets {
		if err := runOne(ctx, o, t.name, t.dsn, rep, logf); err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
	}
	return rep, nil
}

// runOne seeds one database, serves it on loopback and measures its pages.
func runOne(ctx context.Context, o Options, name, dsn string, rep *Report, logf func(string, ...any)) error {
	clk := &clock{t: o.Today.Start().Add(10 * time.Hour)}
	cfg := config.Default()
	cfg.DB = dsn
	dir, err := os.MkdirTemp("", "qinqing-bench-plans-")
	if err != nil {
		return errs.Wrap(err, "data directory")
	}
	defer os.RemoveAll(dir)
	cfg.DataDir = dir
	// Errors the pages log (an answer other than 200 stops the run) go to
	// the progress output.
	logger := slog.New(slog.NewTextHandler(o.Log, &slog.HandlerOptions{Level: slog.LevelError}))
	a, err := app.Open(ctx, cfg, app.Options{Now: clk.Now, Logger: logger})
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.DB.Migrate(ctx, clk.Now); err != nil {
		return err
	}
	logf("%s: seeding %d plans, %d tasks, %d units, %d months of reports …", name, o.Plans, o.Tasks, o.Units, o.Months)
	t0 := time.Now()
	sd, err := seed(ctx, a, clk, o, logf)
	if err != nil {
		return err
	}
	rep.Seeding[name] = time.Since(t0)
	rep.Rows[name] = sd.rows

	srv, err := web.New(a)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return errs.Wrap(err, "listen")
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	base := "http://" + ln.Addr().String()
	clients := map[string]*http.Client{}
	for _, u := range []string{UserOffice, UserLeader, UserStaff} {
		c, err := login(ctx, base, u)
		if err != nil {
			return err
		}
		clients[u] = c
	}
	p, t, ind := sd.staffPlan, sd.staffTask, sd.indicator
	pages := []struct {
		page, path string
		roles      []string
	}{
		{"plan list", "/plans", []string{UserOffice, UserLeader, UserStaff}},
		{"overview", fmt.Sprintf("/plans/%d", p), []string{UserOffice, UserLeader, UserStaff}},
		{"overview, 滞后 only", fmt.Sprintf("/plans/%d?light=滞后", p), []string{UserLeader}},
		{"unit workbench", "/plans/workbench", []string{UserStaff}},
		{"task page", fmt.Sprintf("/plans/%d/tasks/%d", p, t), []string{UserOffice, UserStaff}},
		{"report form", fmt.Sprintf("/plans/%d/report", p), []string{UserStaff}},
		{"indicator", fmt.Sprintf("/plans/%d/indicators/%d", p, ind), []string{UserOffice, UserLeader}},
		{"reporting rates", fmt.Sprintf("/plans/%d/reports", p), []string{UserOffice, UserLeader}},
		{"ranking, all plans", "/plans/ranking", []string{UserLeader}},
		{"ranking, one plan", fmt.Sprintf("/plans/ranking?plan=%d", p), []string{UserOffice}},
		{"briefing", fmt.Sprintf("/plans/%d/briefing", p), []string{UserOffice, UserLeader}},
		{"briefing .docx", fmt.Sprintf("/plans/%d/briefing.docx", p), []string{UserOffice}},
		{"export xlsx", fmt.Sprintf("/plans/%d/export.xlsx", p), []string{UserOffice}},
	}
	logf("%s: requesting %d pages %d times each …", name, len(pages), o.Runs)
	for _, pg := range pages {
		for _, role := range pg.roles {
			res, err := measure(ctx, clients[role], base+pg.path, o.Runs)
			if err != nil {
				return fmt.Errorf("%s as %s: %w", pg.page, role, err)
			}
			res.Database, res.Page, res.Role = name, pg.page, role
			rep.Results = append(rep.Results, res)
			logf("  %-20s %-7s p50 %-8s p95 %-8s max %s", pg.page, role, dur(res.P50), dur(res.P95), dur(res.Max))
		}
	}
	return nil
}

// login returns a client with the session of username.
func login(ctx context.Context, base, username string) (*http.Client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, errs.Wrap(err, "cookie jar")
	}
	c := &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"username": {username}, "password": {Password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, errs.Wrap(err, "login")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Do(req)
	if err != nil {
		return nil, errs.Wrap(err, "login")
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, errs.Errorf(errs.Internal, "login as %s: status %d", username, res.StatusCode)
	}
	return c, nil
}

// measure requests u two times unmeasured, then runs times, and returns
// the latencies of the whole answer (headers and body read).
func measure(ctx context.Context, c *http.Client, u string, runs int) (Result, error) {
	var res Result
	get := func() (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return 0, err
		}
		r, err := c.Do(req)
		if err != nil {
			return 0, err
		}
		defer r.Body.Close()
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return 0, err
		}
		if r.StatusCode != http.StatusOK {
			return 0, errs.Errorf(errs.Internal, "status %d: %.300s", r.StatusCode, b)
		}
		return len(b), nil
	}
	for range 2 {
		if _, err := get(); err != nil {
			return res, err
		}
	}
	lat := make([]time.Duration, 0, runs)
	for range runs {
		t0 := time.Now()
		n, err := get()
		if err != nil {
			return res, err
		}
		lat = append(lat, time.Since(t0))
		res.Bytes = n
	}
	slices.Sort(lat)
	res.Runs = runs
	res.P50 = lat[len(lat)/2]
	res.P95 = lat[min(len(lat)-1, (len(lat)*95+99)/100-1)]
	res.Max = lat[len(lat)-1]
	return res, nil
}

// Print writes the report as a table.
func (r *Report) Print(w io.Writer) error {
	for _, db := range []string{"SQLite", "PostgreSQL"} {
		rows, ok := r.Rows[db]
		if !ok {
			continue
		}
		fmt.Fprintf(w, "%s: seeded in %s: %d units, %d plans, %d tasks, %d indicators, %d reports (%d items), %d indicator values, %d 督办, %d ranking rows; the staff's unit holds %d tasks\n",
			db, r.Seeding[db].Round(100*time.Millisecond), rows["units"], r.Options.Plans, rows["tasks"], rows["indicators"], rows["reports"],
			rows["report items"], rows["indicator values"], rows["notices"], rows["ranking rows"], rows["staff tasks"])
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "database\tpage\tas\truns\tp50\tp95\tmax\tbytes\t")
	missed := 0
	for _, x := range r.Results {
		mark := ""
		if x.P95 >= r.Options.Target {
			mark = " (misses)"
			missed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s%s\t%s\t%d\t\n", x.Database, x.Page, x.Role, x.Runs, dur(x.P50), dur(x.P95), mark, dur(x.Max), x.Bytes)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "target: p95 < %s; %d of %d page × role × database rows miss it\n", r.Options.Target, missed, len(r.Results))
	return err
}

func dur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
}

// DefaultSQLitePath is a new SQLite file in the temporary directory.
func DefaultSQLitePath() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("qinqing-bench-plans-%d.db", os.Getpid()))
}
