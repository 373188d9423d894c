package appeal

import (
	"context"
	"database/sql"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Registry names the enterprises of the registry by code and by id;
// enterprise.Service implements it.
type Registry interface {
	RefByUSCC(ctx context.Context, code string) (*enterprise.Ref, error)
	RefByID(ctx context.Context, id int64) (*enterprise.Ref, error)
}

// Units is what the organisation tells this package: the units above the
// ones an appeal is with (for the permission table) and units by name and
// id; org.Service implements it.
type Units interface {
	auth.UnitTree
	Resolve(ctx context.Context, name string) (*org.Unit, error)
	FindUnitByID(ctx context.Context, id int64) (*org.Unit, error)
}

// Change is what one committed transition did, for the observers of
// Options.Observe: the appeal before (nil at intake) and after, and the
// events appended.
type Change struct {
	Before *Appeal
	After  *Appeal
	Events []Event
}

// Options configure a Service.
type Options struct {
	Audit    *audit.Log
	Notify   *notify.Service
	Jobs     *jobs.Runner  // nil: no background jobs (tools that only read)
	Events   *store.Events // nil: one instance; catalogue edits reload in this process only
	Calendar *workday.Calendar
	Hours    workday.Hours // office hours for the sign-for limit; zero: the default
	Now      func() time.Time
	Logger   *slog.Logger
	City     *enterprise.City // district names; nil means Wuhan
	Owners   auth.EnterpriseOwners
	Units    Units
	Registry Registry
	// MaxAttachment bounds one attached file; default 20 MiB.
	MaxAttachment int64
	// Observe, if set, is called inside the transaction of every intake
	// and transition with what changed, before the commit: a failure
	// rolls the change back. Pre-aggregated figures are kept current
	// through it, exactly once.
	Observe []func(ctx context.Context, tx *store.Tx, ch Change) error
	// Count, if set, answers how many appeals a list of whole months
	// holds from figures kept as Observe keeps them, instead of counting
	// the months' rows (see FigureCount); ok false leaves it to SQL.
	Count func(ctx context.Context, q FigureCount) (n int, ok bool, err error)
}

// Service runs the appeals closed loop on a database.
type Service struct {
	db       *store.DB
	audit    *audit.Log
	notify   *notify.Service
	jobs     *jobs.Runner
	events   *store.Events
	cal      *workday.Calendar
	hours    workday.Hours
	now      func() time.Time
	log      *slog.Logger
	city     *enterprise.City
	owners   auth.EnterpriseOwners
	units    Units
	registry Registry
	maxFile  int64
	observe  []func(ctx context.Context, tx *store.Tx, ch Change) error
	count    func(ctx context.Context, q FigureCount) (int, bool, error)

	// slots bounds the transactions of this service running at once on
	// one instance, below the size of the connection pool: a transition
	// reads facts of other packages (the unit tree, the enterprise's
	// specialist) on connections of its own while its transaction holds
	// one, and on PostgreSQL both come from one pool.
	slots chan struct{}
	opts  Options // as built, for at

	mu  sync.Mutex
	cat *catalogueCache // nil until loaded or after a change

	batch intakeBatch // the intakes sharing a transaction (SQLite)

	numbering sync.Map // years whose number sequence exists (PostgreSQL): int → bool
}

// maxTx is the most appeal transactions an instance runs at once.
const maxTx = 8

// inTx runs fn in a transaction (store.DB.InTx) once a slot is free.
// Errors: fn's; the context's while waiting.
func (s *Service) inTx(ctx context.Context, fn func(tx *store.Tx) error) error {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return errs.Errorf(errs.Unavailable, "服务繁忙，请稍后重试")
	}
	defer func() { <-s.slots }()
	return s.db.InTx(ctx, fn)
}

// TopicCatalogue is the change-event topic on which every instance drops
// its cached catalogue and classes.
const TopicCatalogue = "appeal_catalogue"

// New returns the appeals service on db and subscribes it to catalogue
// changes on Options.Events; it touches neither the database nor the job
// runner (internal/app calls RegisterJobs and schedules Schedules).
func New(db *store.DB, opts Options) *Service {
	s := &Service{db: db, audit: opts.Audit, notify: opts.Notify, jobs: opts.Jobs, events: opts.Events, cal: opts.Calendar,
		hours: opts.Hours, now: opts.Now, log: opts.Logger, city: opts.City, owners: opts.Owners, units: opts.Units,
		registry: opts.Registry, maxFile: opts.MaxAttachment, observe: opts.Observe, count: opts.Count, opts: opts}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.city == nil {
		s.city = enterprise.Wuhan()
	}
	if s.cal == nil {
		cal, err := workday.New()
		if err != nil {
			panic("appeal: the embedded calendar does not load: " + err.Error())
		}
		s.cal = cal
	}
	s.slots = make(chan struct{}, maxTx)
	if s.maxFile <= 0 {
		s.maxFile = 20 << 20
	}
	if s.events != nil {
		s.events.Subscribe(TopicCatalogue, func(string) { s.dropCatalogue() })
	}
	return s
}

// at returns the service as it would run at instant t, without change
// events: for loading a history (the demo) step by step in the past.
func (s *Service) at(t time.Time) *Service {
	o := s.opts
	o.Now = func() time.Time { return t }
	o.Events = nil
	o.Calendar = s.cal
	return New(s.db, o)
}

// RegisterJobs registers the handlers of this package's job kinds with r,
// all in the interactive lane: a reminder, a replay and an import are
// waited on.
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Register(JobSupervise, s.runSupervise)
	r.Register(JobExpireEvaluations, s.runExpireEvaluations)
	r.Register(JobReplay, s.runReplay)
	r.Register(JobImport, s.runImport)
}

// Schedules lists the periodic jobs: supervision every half hour (it acts
// only in office hours) and the evaluation windows hourly.
func (s *Service) Schedules() []jobs.Period {
	return []jobs.Period{{Name: "appeal-supervise", Kind: JobSupervise, Every: 30 * time.Minute},
		{Name: "appeal-evaluation-window", Kind: JobExpireEvaluations, Every: time.Hour}}
}

// Calendar returns the working-day calendar deadlines are counted on.
func (s *Service) Calendar() *workday.Calendar { return s.cal }

// Hours returns the office hours the sign-for limit is counted in.
func (s *Service) Hours() workday.Hours { return s.hours }

// City returns the city whose districts appeals name.
func (s *Service) City() *enterprise.City { return s.city }

// Now returns the service's clock reading.
func (s *Service) Now() time.Time { return s.now() }

// ---- the catalogue and classes, cached ----

// catalogueCache is the current catalogue version and every class.
type catalogueCache struct {
	version    int
	entries    []Entry
	byCode     map[string]*Entry
	byCategory map[string]*Entry
	classes    map[int64]Class
	classList  []Class
}

func (s *Service) dropCatalogue() {
	s.mu.Lock()
	s.cat = nil
	s.mu.Unlock()
}

// catalogue returns the cached catalogue, loading it when needed.
func (s *Service) catalogue(ctx context.Context) (*catalogueCache, error) {
	s.mu.Lock()
	c := s.cat
	s.mu.Unlock()
	if c != nil {
		return c, nil
	}
	c, err := loadCatalogue(ctx, s.db)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cat = c
	s.mu.Unlock()
	return c, nil
}

// changedCatalogue drops this instance's cache and tells the others.
func (s *Service) changedCatalogue(ctx context.Context) {
	s.dropCatalogue()
	if s.events == nil {
		return
	}
	if err := s.events.Publish(ctx, TopicCatalogue, ""); err != nil {
		s.log.Error("publish appeal catalogue change", "err", err)
	}
}

// env returns what Derive needs.
func (s *Service) env(ctx context.Context) (Env, error) {
	c, err := s.catalogue(ctx)
	if err != nil {
		return Env{}, err
	}
	return Env{Calendar: s.cal, Hours: s.hours, Classes: c.classes}, nil
}

// ---- rows ----

// appealColumns are the columns of an appeal row, with its unit's and
// class's names.
const appealColumns = `a.id, a.number, a.client, a.external_ref, a.channel, a.enterprise_id, a.uscc, a.uscc_unknown, a.enterprise_name,
	a.contact_name, a.contact_phone, a.district, a.category, a.urgency, a.title, a.content, a.publish, a.received_at, a.filed_by, a.created_at,
	a.status, a.unit_id, a.first_unit_id, a.catalogue_version, a.sla_class_id, a.sign_due_at, a.signed_at, a.signed_on_time, a.limit_days, a.due_date,
	a.warn_date, a.paused_since, a.paused_ms, a.extension_days, a.extension_pending, a.returns, a.reopens, a.transfers,
	a.supervisions, a.escalated, a.replies, a.first_reply_at, a.replied_at, a.replied_on_time, a.reply_result, a.suggested_unit, a.evaluation,
	a.eval_due_date, a.evaluated_at, a.closed_at, a.first_time, a.merged_into, a.linked_to, a.last_seq, a.updated_at, u.name, k.name`

const appealFrom = ` FROM appeals a LEFT JOIN units u ON u.id = a.unit_id LEFT JOIN appeal_sla_classes k ON k.id = a.sla_class_id`

// row is an appeal row with what only the service needs.
type row struct {
	Appeal
	client  string
	filedBy *int64
}

func optTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := store.FromMillis(v.Int64)
	return &t
}

func optBool(v sql.NullBool) *bool {
	if !v.Valid {
		return nil
	}
	b := v.Bool
	return &b
}

func optDate(v sql.NullString) (*workday.Date, error) {
	if !v.Valid || v.String == "" {
		return nil, nil
	}
	d, err := workday.ParseDate(v.String)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

func scanAppeal(sc interface{ Scan(...any) error }) (*row, error) {
	var (
		r                                                     row
		number, ref, uscc, district, result, evaluation, sugg sql.NullString
		unitName, className, dueDate, warnDate, evalDue       sql.NullString
		received, created, updated                            int64
		signDue, signed, pausedSince, firstReply, replied     sql.NullInt64
		evaluated, closed                                     sql.NullInt64
		signedOnTime, repliedOnTime, firstTime                sql.NullBool
		catalogue, classID                                    sql.NullInt64
		pausedMs                                              int64
		status, channel                                       string
	)
	err := sc.Scan(&r.ID, &number, &r.client, &ref, &channel, &r.EnterpriseID, &uscc, &r.USCCUnknown, &r.EnterpriseName,
		&r.ContactName, &r.ContactPhone, &district, &r.Category, &r.Urgency, &r.Title, &r.Content, &r.Publish, &received, &r.filedBy, &created,
		&status, &r.UnitID, &r.FirstUnitID, &catalogue, &classID, &signDue, &signed, &signedOnTime, &r.LimitDays, &dueDate,
		&warnDate, &pausedSince, &pausedMs, &r.ExtensionDays, &r.ExtensionPending, &r.Returns, &r.Reopens, &r.Transfers,
		&r.Supervisions, &r.Escalated, &r.Replies, &firstReply, &replied, &repliedOnTime, &result, &sugg, &evaluation,
		&evalDue, &evaluated, &closed, &firstTime, &r.MergedInto, &r.LinkedTo, &r.LastSeq, &updated, &unitName, &className)
	if err != nil {
		return nil, err
	}
	r.Number, r.ExternalRef, r.USCC, r.District = number.String, ref.String, uscc.String, district.String
	r.Channel, r.Status = Channel(channel), Status(status)
	r.Anonymous = r.EnterpriseID == nil && r.USCC == "" && r.EnterpriseName == ""
	r.ReceivedAt, r.CreatedAt, r.UpdatedAt = store.FromMillis(received), store.FromMillis(created), store.FromMillis(updated)
	r.CatalogueVersion, r.ClassID = int(catalogue.Int64), classID.Int64
	r.SignDueAt, r.SignedAt, r.PausedSince = optTime(signDue), optTime(signed), optTime(pausedSince)
	r.FirstReplyAt, r.RepliedAt, r.EvaluatedAt, r.ClosedAt = optTime(firstReply), optTime(replied), optTime(evaluated), optTime(closed)
	r.SignedOnTime, r.RepliedOnTime, r.FirstTime = optBool(signedOnTime), optBool(repliedOnTime), optBool(firstTime)
	r.PausedWork = time.Duration(pausedMs) * time.Millisecond
	r.PausedMinutes = pausedMs / 60000
	r.ReplyResult, r.Evaluation, r.SuggestedUnit = result.String, evaluation.String, sugg.String
	r.UnitName, r.ClassName = unitName.String, className.String
	if dueDate.Valid {
		if r.DueDate, err = workday.ParseDate(dueDate.String); err != nil {
			return nil, err
		}
	}
	if warnDate.Valid {
		if r.WarnDate, err = workday.ParseDate(warnDate.String); err != nil {
			return nil, err
		}
	}
	if r.EvalDueDate, err = optDate(evalDue); err != nil {
		return nil, err
	}
	return &r, nil
}

// decorate fills what a row shows beyond its columns: labels, the light at
// now, the district's name, instants in Asia/Shanghai.
func (s *Service) decorate(a *Appeal, now time.Time) {
	a.StatusLabel = a.Status.Label()
	a.Light = a.LightAt(now)
	a.LightLabel = a.Light.Label()
	if a.District != "" {
		a.DistrictName = s.city.DistrictName(a.District)
	}
	a.ReceivedAt, a.CreatedAt, a.UpdatedAt = local(a.ReceivedAt), local(a.CreatedAt), local(a.UpdatedAt)
	a.SignDueAt, a.SignedAt, a.PausedSince = localPtr(a.SignDueAt), localPtr(a.SignedAt), localPtr(a.PausedSince)
	a.FirstReplyAt, a.RepliedAt, a.EvaluatedAt, a.ClosedAt = localPtr(a.FirstReplyAt), localPtr(a.RepliedAt), localPtr(a.EvaluatedAt), localPtr(a.ClosedAt)
	if a.Units == nil {
		a.Units = []UnitRef{}
	}
}

// findRow reads appeal id (locking it on PostgreSQL inside a transaction
// when lock is set). Errors: NotFound.
func findRow(ctx context.Context, q store.Querier, id int64, lock bool) (*row, error) {
	query := `SELECT ` + appealColumns + appealFrom + ` WHERE a.id = ?`
	if lock && q.Dialect() == store.Postgres {
		query += ` FOR UPDATE OF a`
	}
	r, err := scanAppeal(q.QueryRowContext(ctx, query, id))
	if err != nil {
		return nil, store.NotFound(err, "诉求 %d 不存在", id)
	}
	return r, nil
}

// resolveRef turns an id or a number (QS2026-000123) into the id. Errors:
// NotFound.
func resolveRef(ctx context.Context, q store.Querier, ref string) (int64, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		return id, nil
	}
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM appeals WHERE number = ?`, strings.ToUpper(ref)).Scan(&id)
	if err != nil {
		return 0, store.NotFound(err, "诉求“%s”不存在", ref)
	}
	return id, nil
}

// loadEvents reads an appeal's events in order.
func loadEvents(ctx context.Context, q store.Querier, id int64) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT e.seq, e.kind, e.at, e.actor_id, e.actor, e.actor_name, e.actor_role, e.unit_id, e.payload, u.name
		FROM appeal_events e LEFT JOIN units u ON u.id = e.unit_id WHERE e.appeal_id = ? ORDER BY e.seq`, id)
	if err != nil {
		return nil, errs.Wrap(err, "read appeal events")
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		var kind, payload string
		var at int64
		var unitName sql.NullString
		if err := rows.Scan(&ev.Seq, &kind, &at, &ev.ActorID, &ev.Actor, &ev.ActorName, &ev.ActorRole, &ev.UnitID, &payload, &unitName); err != nil {
			return nil, errs.Wrap(err, "read appeal events")
		}
		ev.Kind, ev.At, ev.UnitName = Kind(kind), store.FromMillis(at), unitName.String
		ev.KindLabel = ev.Kind.Label()
		if err := jsonUnmarshal(payload, &ev.Payload); err != nil {
			return nil, errs.Wrap(err, "read appeal event payload")
		}
		out = append(out, ev)
	}
	return out, errs.Wrap(rows.Err(), "read appeal events")
}

// loadUnits reads the units an appeal is with.
func loadUnits(ctx context.Context, q store.Querier, id int64) ([]UnitRef, error) {
	rows, err := q.QueryContext(ctx, `SELECT au.unit_id, u.name, au.role, au.since, au.sign_due_at, au.signed_at, au.due_date
		FROM appeal_units au JOIN units u ON u.id = au.unit_id WHERE au.appeal_id = ?
		ORDER BY CASE au.role WHEN '主办' THEN 0 WHEN '协办' THEN 1 ELSE 2 END, au.unit_id`, id)
	if err != nil {
		return nil, errs.Wrap(err, "read appeal units")
	}
	defer rows.Close()
	out := []UnitRef{}
	for rows.Next() {
		var u UnitRef
		var since int64
		var signDue, signed sql.NullInt64
		var due sql.NullString
		if err := rows.Scan(&u.UnitID, &u.Name, &u.Role, &since, &signDue, &signed, &due); err != nil {
			return nil, errs.Wrap(err, "read appeal units")
		}
		u.Since = local(store.FromMillis(since))
		u.SignDueAt, u.SignedAt = localPtr(optTime(signDue)), localPtr(optTime(signed))
		if u.DueDate, err = optDate(due); err != nil {
			return nil, errs.Wrap(err, "read appeal units")
		}
		out = append(out, u)
	}
	return out, errs.Wrap(rows.Err(), "read appeal units")
}

// nullMillis is an optional instant as stored.
func nullMillis(t *time.Time) any {
	if t == nil {
		return nil
	}
	return store.Millis(*t)
}

func nullBool(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func nullDate(d *workday.Date) any {
	if d == nil {
		return nil
	}
	return d.String()
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// stateColumns are the derived columns of an appeal row, in the order
// stateValues gives them.
var stateColumns = []string{"status", "unit_id", "first_unit_id", "catalogue_version", "sla_class_id",
	"sign_due_at", "signed_at", "signed_on_time", "limit_days", "due_date", "warn_date", "paused_since", "paused_date", "paused_ms",
	"extension_days", "extension_pending", "returns", "reopens", "transfers", "supervisions", "escalated", "replies",
	"first_reply_at", "replied_at", "replied_on_time", "reply_result", "suggested_unit", "evaluation", "eval_due_date", "evaluated_at",
	"closed_at", "first_time", "merged_into", "linked_to", "last_seq", "updated_at"}

// stateValues returns st as the values of stateColumns.
func stateValues(st *State, now time.Time) []any {
	var pausedDate any
	if st.PausedSince != nil {
		pausedDate = workday.DateOf(*st.PausedSince).String()
	}
	return []any{string(st.Status), st.UnitID, st.FirstUnitID, nullInt(st.CatalogueVersion), nullInt64(st.ClassID),
		nullMillis(st.SignDueAt), nullMillis(st.SignedAt), nullBool(st.SignedOnTime), st.LimitDays, st.DueDate.String(), st.WarnDate.String(),
		nullMillis(st.PausedSince), pausedDate, st.PausedWork.Milliseconds(),
		st.ExtensionDays, st.ExtensionPending, st.Returns, st.Reopens, st.Transfers, st.Supervisions, st.Escalated, st.Replies,
		nullMillis(st.FirstReplyAt), nullMillis(st.RepliedAt), nullBool(st.RepliedOnTime), nullText(st.ReplyResult), nullText(st.SuggestedUnit),
		nullText(st.Evaluation),
		nullDate(st.EvalDueDate), nullMillis(st.EvaluatedAt), nullMillis(st.ClosedAt), nullBool(st.FirstTime), st.MergedInto, st.LinkedTo,
		st.LastSeq, store.Millis(now)}
}

// writeState stores st as appeal id's derived columns and units.
func writeState(ctx context.Context, tx *store.Tx, id int64, st *State, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE appeals SET `+strings.Join(stateColumns, " = ?, ")+` = ? WHERE id = ?`,
		append(stateValues(st, now), id)...)
	if err != nil {
		return errs.Wrap(err, "write appeal state")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM appeal_units WHERE appeal_id = ?`, id); err != nil {
		return errs.Wrap(err, "write appeal units")
	}
	return insertUnits(ctx, tx, id, st)
}

// insertUnits stores the units st is with, in one statement.
func insertUnits(ctx context.Context, tx *store.Tx, id int64, st *State) error {
	if len(st.units) == 0 {
		return nil
	}
	var args []any
	for _, u := range st.units {
		args = append(args, id, u.unitID, u.role, store.Millis(u.since), nullMillis(u.signDueAt), nullMillis(u.signedAt), nullDate(u.dueDate))
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO appeal_units (appeal_id, unit_id, role, since, sign_due_at, signed_at, due_date)
		VALUES `+strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", len(st.units)), ", "), args...)
	return errs.Wrap(err, "write appeal units")
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

func nullInt64(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// insertEvents appends events to appeal id's history, in one statement.
func insertEvents(ctx context.Context, tx *store.Tx, id int64, evs []Event) error {
	if len(evs) == 0 {
		return nil
	}
	var args []any
	for _, ev := range evs {
		args = append(args, id, ev.Seq, string(ev.Kind), store.Millis(ev.At), ev.ActorID, ev.Actor, ev.ActorName,
			ev.ActorRole, ev.UnitID, ev.Payload.marshal())
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO appeal_events (appeal_id, seq, kind, at, actor_id, actor, actor_name, actor_role, unit_id, payload)
		VALUES `+strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(evs)), ", "), args...)
	if store.IsUniqueViolation(err) {
		return errs.Errorf(errs.Conflict, "诉求刚刚被其他人更新，请刷新后重试")
	}
	return errs.Wrap(err, "append appeal event")
}
