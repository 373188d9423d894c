// Package app is the composition root: it opens the database and builds the
// domain services that both the command line and the web server use, so
// that each is constructed in exactly one place.
package app

import (
	"context"
	"github.com/qinqing/qinqing/internal/errs"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/appeal/analysis"
	"github.com/qinqing/qinqing/internal/appeal/report"
	"github.com/qinqing/qinqing/internal/appeal/stats"
	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/network"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/plan"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/redeem"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// App holds the open database and the domain services built on it.
type App struct {
	Config    config.Config
	DB        *store.DB
	Now       func() time.Time
	Log       *slog.Logger
	Audit     *audit.Log
	Auth      *auth.Service
	Org       *org.Service
	Calendar  *workday.Calendar
	Overrides *workday.Overrides
	Jobs      *jobs.Runner
	Notify    *notify.Service
	Events    *store.Events

	Enterprises   *enterprise.Service     // the registry (一企一档)
	Network       *network.Service        // stations, specialists, assignment, visits
	SelfService   *enterprise.SelfService // invitations and self-reports
	Policy        *policy.Service         // policy supermarket, eligibility engine, push
	Redeem        *redeem.Service         // grants, applications, objections, payments, performance
	Imports       *enterprise.ImportRuns  // imports uploaded through the web UI
	Plans         *plan.Service           // plan supervision (督查督办)
	Appeals       *appeal.Service         // enterprise appeals (企业诉求), the closed loop
	Analysis      *analysis.Service       // appeal analysis (hot topics, clusters), the 问题清单 and its public board
	AppealStats   *stats.Service          // appeal rates, 比晾晒, published months
	AppealReports *report.Service         // the appeals' monthly report (月度简报)

	// Labels names in Chinese every module's audited entities and actions
	// and its job kinds, for the audit log and the jobs pages.
	Labels *audit.Labels

	stopEvents context.CancelFunc
	eventsDone chan struct{}
	loadDone   chan struct{}
}

// Options adjust how an App is built; the zero value is production.
type Options struct {
	Now    func() time.Time // clock; time.Now when nil
	Logger *slog.Logger     // discards when nil
	Worker string           // job worker id; host and pid when empty
}

// Open opens the configured database and builds the services. It does not
// migrate; callers decide (see Migrate and CheckSchema). Errors: Invalid,
// Unavailable.
func Open(ctx context.Context, cfg config.Config, opts Options) (*App, error) {
	clock := opts.Now
	if clock == nil {
		clock = time.Now
	}
	// Instants are stored in milliseconds: every service reads the clock
	// at that precision, so that what an answer says (an appeal's
	// received_at in its 201) is what a later read of the row says.
	opts.Now = func() time.Time { return clock().Truncate(time.Millisecond) }
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, DB: db, Now: opts.Now, Log: opts.Logger}
	a.Audit = &audit.Log{DB: db, Now: a.Now}
	a.Auth = auth.New(db, auth.Options{Audit: a.Audit, Now: a.Now})
	a.Org = org.New(db, org.Options{Audit: a.Audit, Now: a.Now})
	a.Calendar, err = workday.New()
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Jobs = jobs.New(db, jobs.Options{Worker: opts.Worker, Now: a.Now, Logger: a.Log})
	channels, err := outbound(cfg, db, a)
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Notify = notify.New(db, a.Jobs, notify.Options{Now: a.Now, Logger: a.Log, Channels: channels})
	a.Events = store.NewEvents(db, a.Log)
	city, err := enterprise.LookupCity(cfg.City)
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Network = network.New(db, network.Options{Audit: a.Audit, Auth: a.Auth, Notify: a.Notify, Jobs: a.Jobs, Now: a.Now,
		City: city, ReminderDays: network.DefaultReminderDays})
	// Facts owned by one package reach the others here: the network knows
	// each enterprise's specialist, the organisation the units above a
	// unit. Every change to an enterprise reaches the policy engine through
	// the registry's Changed hook, and registry searches are answered from
	// the engine's table once it is loaded and current (by the database
	// before).
	a.Policy = policy.New(db, policy.Options{Audit: a.Audit, Notify: a.Notify, Jobs: a.Jobs, Events: a.Events, Now: a.Now,
		Logger: a.Log, City: city, AllowSelfReview: cfg.AllowSelfReview, Owners: a.Network, Units: a.Org})
	a.Enterprises = enterprise.New(db, enterprise.Options{Audit: a.Audit, Now: a.Now, City: city, Owners: a.Network,
		Changed: a.EnterpriseChanged, Index: a.Policy.Engine()})
	a.SelfService = enterprise.NewSelfService(db, enterprise.SelfServiceOptions{Audit: a.Audit, Now: a.Now,
		Enterprises: a.Enterprises, Users: a.Auth})
	// Redemption reads the policies and the engine, corrects the registry
	// on accepted objections and records what applicants supply as
	// self-reports.
	a.Redeem = redeem.New(db, a.Policy, redeem.Options{Audit: a.Audit, Notify: a.Notify, Jobs: a.Jobs, Calendar: a.Calendar, Now: a.Now,
		Logger: a.Log, Units: a.Org, Owners: a.Network, Enterprises: a.Enterprises, Reports: a.SelfService,
		ConfirmDays: int(cfg.GrantConfirmDays), PaymentDays: int(cfg.PaymentDays), ReviewDays: int(cfg.ReviewDays),
		Countersign: cfg.GrantCountersign, AllowSelfReview: cfg.AllowSelfReview})
	a.Imports = enterprise.NewImportRuns(a.Enterprises, enterprise.ImportRunsOptions{Jobs: a.Jobs,
		Dir: filepath.Join(cfg.DataDir, "uploads"), Now: a.Now})
	a.Overrides = workday.NewOverrides(db, workday.OverridesOptions{Audit: a.Audit, Calendar: a.Calendar, Events: a.Events,
		Now: a.Now})
	a.Events.Subscribe(workday.Topic, func(string) {
		if err := workday.LoadOverrides(context.Background(), a.DB, a.Calendar); err != nil {
			a.Log.Error("reload calendar overrides", "err", err)
		}
	})
	// Plan supervision resolves the units plans name through the
	// organisation; records of other modules that tasks link to (appeals,
	// 问题清单) are registered in Links as those modules arrive.
	a.Analysis = analysis.New(db, analysis.Options{Audit: a.Audit, Calendar: a.Calendar, Units: a.Org, Now: a.Now, Logger: a.Log, City: city})
	a.Plans = plan.New(db, plan.Options{Audit: a.Audit, Notify: a.Notify, Jobs: a.Jobs, Calendar: a.Calendar, Now: a.Now,
		Logger: a.Log, Units: a.Org, Links: map[string]plan.Linked{plan.LinkProblem: a.Analysis}})
	var hours workday.Hours // empty: the default office hours
	if cfg.WorkHours != "" {
		if hours, err = workday.ParseHours(cfg.WorkHours); err != nil {
			db.Close()
			return nil, err
		}
	}
	// Appeals: the enterprise's owners and the units above a unit decide
	// who reads an appeal; the registry names enterprises by code; the
	// accounts receive the notices. A calendar correction replays the open
	// appeals' deadlines once, whichever instance hears of it.
	// The rates' cells and the hot topics' counts are kept current inside
	// every appeal transaction; the cells also count the lists behind the
	// rates.
	a.AppealStats = stats.New(db, stats.Options{Audit: a.Audit, Calendar: a.Calendar, City: city, Units: a.Org, Now: a.Now})
	a.Appeals = appeal.New(db, appeal.Options{Audit: a.Audit, Notify: a.Notify, Jobs: a.Jobs, Events: a.Events, Calendar: a.Calendar,
		Hours: hours, Now: a.Now, Logger: a.Log, City: city, Owners: a.Network, Units: a.Org, Registry: a.Enterprises,
		Observe: []func(context.Context, *store.Tx, appeal.Change) error{a.AppealStats.Observe, a.Analysis.Observe},
		Count:   a.AppealStats.Count})
	a.AppealReports = report.New(db, report.Options{Audit: a.Audit, Notify: a.Notify, Calendar: a.Calendar, Stats: a.AppealStats,
		Analysis: a.Analysis, Now: a.Now})
	a.Events.Subscribe(workday.Topic, func(string) {
		if err := a.Appeals.CalendarChanged(context.Background()); err != nil {
			a.Log.Error("replay appeals after a calendar change", "err", err)
		}
	})
	a.Labels = audit.NewLabels(auth.Labels(), org.Labels(), workday.Labels(), notify.Labels(), enterprise.Labels(),
		network.Labels(), policy.Labels(), redeem.Labels(), plan.Labels(), appeal.Labels(), analysis.Labels(), stats.Labels(), report.Labels())
	// Every service with background work registers its handlers here and
	// lists its periodic jobs for Start.
	for _, w := range a.workers() {
		w.RegisterJobs(a.Jobs)
	}
	return a, nil
}

// outbound returns the channels every notification is also delivered to:
// the registered webhooks (HMAC-signed, retried with backoff as jobs)
// always, a log line with QINQING_NOTIFY_LOG, e-mail with QINQING_SMTP_*.
// Errors: Invalid for an SMTP setting NewSMTPChannel refuses.
func outbound(cfg config.Config, db *store.DB, a *App) ([]notify.Channel, error) {
	chans := []notify.Channel{notify.NewWebhookChannel(db, notify.WebhookOptions{Now: a.Now})}
	if cfg.NotifyLog {
		chans = append(chans, notify.NewLogChannel(a.Log))
	}
	if cfg.SMTPAddr != "" {
		smtp, err := notify.NewSMTPChannel(notify.SMTPConfig{Addr: cfg.SMTPAddr, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword,
			From: cfg.SMTPFrom, To: config.List(cfg.SMTPTo), Kinds: config.List(cfg.SMTPKinds), BaseURL: cfg.PublicURL, Now: a.Now})
		if err != nil {
			return nil, errs.Errorf(errs.Invalid, "邮件通知配置有误（QINQING_SMTP_*）：%s", errs.MessageOf(err))
		}
		chans = append(chans, smtp)
	}
	return chans, nil
}

// worker is a service with background work: it registers its job
// handlers, and may list periodic jobs (Schedules).
type worker interface {
	RegisterJobs(r *jobs.Runner)
}

// workers lists the services with background work; a new module adds its
// service here.
func (a *App) workers() []worker {
	return []worker{a.Auth, a.Notify, a.Network, a.Policy, a.Redeem, a.Imports, a.Plans, a.Appeals, a.AppealStats, a.Analysis, a.AppealReports}
}

// Start loads the caches, schedules the periodic jobs, starts the job
// runner and the event listener, and starts loading the policy engine in
// the background (at city scale that takes tens of seconds; until it is
// done /readyz says so, searches go to the database and simulations answer
// Unavailable — PolicyLoaded is closed when it is done). The server calls
// it once; CLI commands that only read or write data do not.
func (a *App) Start(ctx context.Context) error {
	if err := workday.LoadOverrides(ctx, a.DB, a.Calendar); err != nil {
		return err
	}
	// Indexes an interrupted bulk import left unbuilt are rebuilt first.
	if err := a.Enterprises.RestoreIndexes(ctx); err != nil {
		return err
	}
	for _, w := range a.workers() {
		sch, ok := w.(interface{ Schedules() []jobs.Period })
		if !ok {
			continue
		}
		for _, p := range sch.Schedules() {
			if err := a.Jobs.Schedule(ctx, p.Name, p.Kind, p.Every); err != nil {
				return err
			}
		}
	}
	evCtx, cancel := context.WithCancel(context.Background())
	a.stopEvents = cancel
	a.eventsDone = make(chan struct{})
	go func() {
		defer close(a.eventsDone)
		_ = a.Events.Run(evCtx)
	}()
	a.loadDone = make(chan struct{})
	go func() {
		defer close(a.loadDone)
		a.loadPolicyEngine(evCtx)
	}()
	return a.Jobs.Start(ctx)
}

// PolicyLoaded returns a channel closed once the policy engine's first
// full load is done.
func (a *App) PolicyLoaded() <-chan struct{} { return a.Policy.Engine().Loaded() }

// PolicyLoading reports whether Start began loading the policy engine and
// the load has not finished, with how far it got.
func (a *App) PolicyLoading() (policy.LoadState, bool) {
	st := a.Policy.Engine().State()
	return st, a.loadDone != nil && !st.Loaded
}

// loadPolicyEngine loads the policy engine, retrying every few seconds
// after a failure until ctx ends. It waits for the event listener first, so
// that no change made during the load is missed (those are applied again
// after it).
func (a *App) loadPolicyEngine(ctx context.Context) {
	select {
	case <-a.Events.Ready():
	case <-time.After(10 * time.Second):
		a.Log.Warn("change events not ready after 10 s; loading the policy engine anyway")
	case <-ctx.Done():
		return
	}
	for {
		st, err := a.Policy.Start(ctx)
		if err == nil {
			a.Log.Info("policy engine loaded", "enterprises", st.Rows, "took", st.Took.String(), "memory_mb", st.MemoryBytes>>20)
			return
		}
		if ctx.Err() != nil {
			return
		}
		a.Log.Error("load the policy engine; retrying in 5 s", "err", err)
		select {
		case <-time.After(5 * time.Second):
		case <-ctx.Done():
			return
		}
	}
}

// Stop stops the job runner (waiting for running jobs until ctx ends) and
// the event listener.
func (a *App) Stop(ctx context.Context) error {
	err := a.Jobs.Stop(ctx)
	if a.stopEvents != nil {
		a.stopEvents()
		<-a.eventsDone
		<-a.loadDone
	}
	return err
}

// EnterpriseChanged announces that enterprise id changed (0: many changed,
// as after an import), so that every instance's policy engine takes the
// change in and the enterprise's new policy pushes go out. It is the
// registry's Changed hook: enterprise.Service calls it after every commit
// that changed enterprises (updates, accepted self-reports, imports), so no
// handler or command does. A failure is logged, not returned: the change
// itself stands, and the daily push sweep catches up.
func (a *App) EnterpriseChanged(ctx context.Context, id int64) {
	if err := a.Policy.EnterpriseChanged(ctx, id); err != nil {
		a.Log.Error("announce enterprise change", "enterprise", id, "err", err)
	}
}

// Close closes the database.
func (a *App) Close() error { return a.DB.Close() }
