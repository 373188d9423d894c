// Package appealbench measures appeal intake over HTTP against two limits
// of writing into the same engine: the real server (the web handler on an
// App, with its jobs running) listens on loopback over a fresh database, C
// clients POST N appeals to /api/v1/appeals with an API token. Beside it,
// C goroutines INSERT the same fields into a bare table of the same
// database, one row per transaction — the commit pattern of one intake per
// appeal (Bare); and, after the intake, every row the intakes wrote is
// read back and C goroutines INSERT exactly those rows into a fresh
// database of the same engine with the full schema, one transaction per
// appeal (Replay).
package appealbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/appeal/analysis"
	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/enterprise/synth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/web"
	"github.com/qinqing/qinqing/internal/workday"
)

// Options configure a run.
type Options struct {
	N       int // appeals to file
	Clients int // concurrent clients
	// Enterprises is how many synthetic enterprises the appeals are spread
	// over (default 2,000).
	Enterprises int
	DataDir     string // uploads of the server (none are sent)
}

// Measurement is the outcome of one phase.
type Measurement struct {
	Label   string        `json:"label"`
	Rows    int           `json:"rows"`
	Errors  int           `json:"errors"`
	Seconds float64       `json:"seconds"`
	P50     time.Duration `json:"p50"`
	P95     time.Duration `json:"p95"`
	P99     time.Duration `json:"p99"`
	// CPU is the CPU time of this process (server and clients; not the
	// PostgreSQL server's) over the phase, in seconds: on a shared
	// machine the wall time depends on the load, the CPU per row much
	// less.
	CPU float64 `json:"cpu"`
	// FirstError is the first failure met, if any.
	FirstError string `json:"first_error,omitempty"`
}

// CPUPerRow returns the process's CPU time per row of m.
func (m Measurement) CPUPerRow() time.Duration {
	if m.Rows == 0 {
		return 0
	}
	return time.Duration(m.CPU / float64(m.Rows) * float64(time.Second))
}

// processCPU returns the user and system CPU seconds of this process.
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// PerSecond returns the throughput of m.
func (m Measurement) PerSecond() float64 {
	if m.Seconds <= 0 {
		return 0
	}
	return float64(m.Rows) / m.Seconds
}

// Categories the appeals are filed under: the first two are routed to a
// unit (dispatched at intake), the others wait for the office.
var categories = []string{"审批服务", "融资信贷", "政策咨询", "用工社保", "其他"}

// Rows returns the n intakes of a run, spread over the enterprises codes.
func Rows(n int, codes []string) []appeal.Intake {
	out := make([]appeal.Intake, n)
	for i := range out {
		urgency := appeal.UrgencyNormal
		if i%10 == 0 {
			urgency = appeal.UrgencyUrgent
		}
		out[i] = appeal.Intake{ExternalRef: fmt.Sprintf("BENCH-%08d", i), Channel: string(appeal.ChannelAPI),
			USCC: codes[i%len(codes)], ContactName: "张经理", ContactPhone: fmt.Sprintf("027-8%07d", i%10_000_000),
			Category: categories[i%len(categories)], Urgency: urgency, Title: fmt.Sprintf("企业诉求第%d件：审批时限与材料要求", i),
			Content: fmt.Sprintf("我司于本月提交的申请（受理号 %d）已超过承诺时限仍未办结，窗口要求补充的材料与办事指南不一致，"+
				"影响项目开工和融资安排，请协调相关部门明确材料清单并加快办理。联系人张经理，工作日均可联系。", i)}
	}
	return out
}

// Setup is a migrated database with what intake needs: units, the
// catalogue routed to them, synthetic enterprises and an API token.
type Setup struct {
	App   *app.App
	Token string
	Codes []string
}

// Prepare opens and migrates dsn and fills it (not timed).
func Prepare(ctx context.Context, dsn string, o Options) (*Setup, error) {
	cfg := config.Default()
	cfg.DB, cfg.DataDir = dsn, o.DataDir
	a, err := app.Open(ctx, cfg, app.Options{})
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()
	ctx = audit.WithActor(ctx, audit.Who{Name: "bench"})
	if _, err := a.DB.Migrate(ctx, a.Now); err != nil {
		return nil, err
	}
	op := auth.Operator("bench")
	office, err := a.Org.CreateUnit(ctx, op, org.UnitInput{Name: "市优化营商环境办公室", Kind: org.KindDepartment, Aliases: []string{"市营商办"}})
	if err != nil {
		return nil, err
	}
	routed := map[string]string{"approval": "市发展和改革委员会", "finance": "市商务局"}
	for code, name := range routed {
		u, err := a.Org.CreateUnit(ctx, op, org.UnitInput{Name: name, Kind: org.KindDepartment})
		if err != nil {
			return nil, err
		}
		if _, err := a.Auth.CreateUser(ctx, op, auth.UserInput{Username: "staff-" + code, DisplayName: name + "经办人",
			Password: "bench-pass-123", Role: auth.RoleUnitStaff, UnitID: &u.ID}); err != nil {
			return nil, err
		}
		cat := map[string]string{"approval": "审批服务", "finance": "融资信贷"}[code]
		if _, err := a.Appeals.SaveEntry(ctx, op, appeal.EntryInput{Code: code, Category: cat, UnitID: u.ID, Class: "一般"}); err != nil {
			return nil, err
		}
	}
	n := o.Enterprises
	if n <= 0 {
		n = 2000
	}
	var codes []string
	if _, err := a.Enterprises.ImportRecords(ctx, func(yield func(*enterprise.Enterprise) error) error {
		return synth.Generate(synth.Options{N: n, Seed: 1, Today: workday.NewDate(2025, 6, 30)}, func(e *enterprise.Enterprise) error {
			codes = append(codes, e.USCC)
			return yield(e)
		})
	}, enterprise.ImportOptions{}, nil); err != nil {
		return nil, err
	}
	secret, _, err := a.Auth.CreateToken(ctx, op, auth.TokenInput{Name: "12345热线", Role: auth.RoleUnitStaff, UnitID: &office.ID, AllScopes: true})
	if err != nil {
		return nil, err
	}
	ok = true
	return &Setup{App: a, Token: secret, Codes: codes}, nil
}

// Bare times INSERTs of the rows' fields into a bare table of db from
// clients goroutines, one row per transaction: the limit of intake.
func Bare(ctx context.Context, db *store.DB, rows []appeal.Intake, clients int) (Measurement, error) {
	m := Measurement{Label: "bare INSERT"}
	if _, err := db.ExecContext(ctx, `CREATE TABLE bench_bare (external_ref TEXT, channel TEXT, uscc TEXT, contact_name TEXT,
		contact_phone TEXT, category TEXT, urgency TEXT, title TEXT, content TEXT, received_at BIGINT)`); err != nil {
		return m, errs.Wrap(err, "create bare table")
	}
	err := drive(ctx, len(rows), clients, &m, func(i int) error {
		r := rows[i]
		_, err := db.ExecContext(ctx, `INSERT INTO bench_bare (external_ref, channel, uscc, contact_name, contact_phone, category,
			urgency, title, content, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ExternalRef, r.Channel, r.USCC,
			r.ContactName, r.ContactPhone, r.Category, r.Urgency, r.Title, r.Content, store.Millis(time.Now()))
		return err
	})
	return m, err
}

// Intake starts the server of s on loopback and times POSTs of the rows
// to /api/v1/appeals from clients concurrent clients; every answer must be
// 201. The server's job runner runs meanwhile, as in production, the
// server warmed up (the segmenter's dictionary loaded) before the clock
// starts.
func Intake(ctx context.Context, s *Setup, rows []appeal.Intake, clients int) (Measurement, error) {
	m := Measurement{Label: "POST /api/v1/appeals"}
	// Warmed up as a running `qinqing serve` is: the segmenter's dictionary,
	// which the hot-topics job loads once per process on its first run
	// (1–2 s of CPU), is loaded before the clock starts; the job itself
	// runs during the intake as it does in production.
	if _, err := analysis.MeasureLoad(); err != nil {
		return m, err
	}
	srv, err := web.New(s.App)
	if err != nil {
		return m, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return m, errs.Wrap(err, "listen")
	}
	if err := s.App.Start(ctx); err != nil {
		ln.Close()
		return m, err
	}
	httpSrv := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = httpSrv.Serve(ln) }()
	defer func() {
		stop, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = httpSrv.Shutdown(stop)
		_ = s.App.Stop(stop)
	}()
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	url := "http://" + ln.Addr().String() + "/api/v1/appeals"
	bodies := make([][]byte, len(rows))
	for i, r := range rows {
		if bodies[i], err = json.Marshal(r); err != nil {
			return m, errs.Wrap(err, "encode intake")
		}
	}
	err = drive(ctx, len(rows), clients, &m, func(i int) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(bodies[i]))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+s.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(b))
		}
		return nil
	})
	return m, err
}

// drive runs do for 0…n-1 from clients goroutines and fills m with the
// throughput and latencies; failures are counted, not fatal.
func drive(ctx context.Context, n, clients int, m *Measurement, do func(i int) error) error {
	if clients < 1 {
		clients = 1
	}
	var next atomic.Int64
	lat := make([]time.Duration, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	start, cpu := time.Now(), processCPU()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				t := time.Now()
				err := do(i)
				lat[i] = time.Since(t)
				if err != nil {
					mu.Lock()
					if m.Errors == 0 {
						m.FirstError = err.Error()
					}
					m.Errors++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	m.Seconds, m.CPU = time.Since(start).Seconds(), processCPU()-cpu
	m.Rows = n - m.Errors
	slices.Sort(lat)
	at := func(q float64) time.Duration { return lat[min(n-1, int(q*float64(n)))] }
	if n > 0 {
		m.P50, m.P95, m.P99 = at(0.50), at(0.95), at(0.99)
	}
	return ctx.Err()
}

// Result is the outcome of one database.
type Result struct {
	// Bare is the bare loop: the intake's fields into a table without
	// an index, one row per transaction.
	Bare Measurement `json:"bare"`
	// Intake is POST /api/v1/appeals.
	Intake Measurement `json:"intake"`
	// Rows is the hand-written loop of every row the intakes wrote, into
	// a fresh database with the full schema (Replay).
	Rows Measurement `json:"rows"`
	// RowsPerAppeal counts the rows the intakes wrote per appeal, by
	// table, as read back for Rows.
	RowsPerAppeal map[string]float64 `json:"rows_per_appeal"`
}

// Run measures one database: dsn is a SQLite file (removed and created,
// the replay's beside it, removed afterwards) or a PostgreSQL DSN (fresh
// schemas, dropped afterwards): the bare loop, the intake, then the
// replay of the intake's rows into a fresh database.
func Run(ctx context.Context, dsn string, pg bool, o Options) (Result, error) {
	var r Result
	fresh := func(dsn, prefix string) (string, func(), error) {
		if pg {
			return store.FreshSchema(ctx, dsn, prefix)
		}
		drop := func() {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				_ = os.Remove(dsn + suffix)
			}
		}
		drop()
		return dsn, func() {}, nil
	}
	intakeDSN, drop, err := fresh(dsn, "bench_appeals_")
	if err != nil {
		return r, err
	}
	defer drop()
	s, err := Prepare(ctx, intakeDSN, o)
	if err != nil {
		return r, err
	}
	defer s.App.Close()
	rows := Rows(o.N, s.Codes)
	if r.Bare, err = Bare(ctx, s.App.DB, rows, o.Clients); err != nil {
		return r, err
	}
	if r.Intake, err = Intake(ctx, s, rows, o.Clients); err != nil {
		return r, err
	}
	replayDSN := dsn
	if !pg {
		replayDSN = strings.TrimSuffix(dsn, ".db") + "-replay.db"
		if _, err := os.Stat(replayDSN); err == nil {
			return r, errs.Errorf(errs.Invalid, "%s exists: the benchmark creates it for the replay of the intake's rows", replayDSN)
		}
		defer func() {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				_ = os.Remove(replayDSN + suffix)
			}
		}()
	}
	replayDSN, dropReplay, err := fresh(replayDSN, "bench_appeals_rows_")
	if err != nil {
		return r, err
	}
	defer dropReplay()
	ro := o
	if ro.DataDir != "" {
		ro.DataDir += "-replay"
	}
	dst, err := Prepare(ctx, replayDSN, ro)
	if err != nil {
		return r, err
	}
	defer dst.App.Close()
	r.Rows, r.RowsPerAppeal, err = Replay(ctx, s, dst, o.Clients)
	return r, err
}
