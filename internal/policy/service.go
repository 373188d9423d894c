package policy

import (
	"context"
	"fmt"
	"github.com/qinqing/qinqing/internal/paging"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Options configure a Service.
type Options struct {
	Audit  *audit.Log
	Notify *notify.Service
	Jobs   *jobs.Runner
	Events *store.Events // nil: no change events (tests of one instance)
	Now    func() time.Time
	Logger *slog.Logger
	City   *enterprise.City // district names; nil means Wuhan
	// Owners tells who looks after an enterprise (its specialist), for
	// the subscriptions and 政策体检 of an enterprise; network.Service.
	Owners auth.EnterpriseOwners
	// Units gives the units above a policy's units, whose staff read its
	// figures; org.Service. Nil: no unit reads a lower unit's policies.
	Units auth.UnitTree
	// PushBatch is how many enterprises one push transaction covers;
	// default 500.
	PushBatch int
	// AllowSelfReview lets an administrator review a policy they submitted
	// themselves: a one-person office has no second reviewer. Off, the
	// four-eyes rule (四眼原则) holds.
	AllowSelfReview bool
}

// Service manages policies and clauses, answers eligibility questions
// through its Engine and pushes policies to the enterprises they fit.
type Service struct {
	db     *store.DB
	audit  *audit.Log
	notify *notify.Service
	jobs   *jobs.Runner
	events *store.Events
	now    func() time.Time
	log    *slog.Logger
	city   *enterprise.City
	owners auth.EnterpriseOwners
	units  auth.UnitTree
	batch  int
	engine *Engine
	// selfReview: see Options.AllowSelfReview.
	selfReview bool
}

// New returns the policy service on db with its Engine (not yet loaded:
// call Start) and, when Options.Events is set, subscribes the engine to
// TopicEnterprise and TopicPolicy. Its jobs are registered by RegisterJobs.
func New(db *store.DB, opts Options) *Service {
	s := &Service{db: db, audit: opts.Audit, notify: opts.Notify, jobs: opts.Jobs, events: opts.Events,
		now: opts.Now, log: opts.Logger, city: opts.City, owners: opts.Owners, units: opts.Units, batch: opts.PushBatch,
		selfReview: opts.AllowSelfReview}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.city == nil {
		s.city = enterprise.Wuhan()
	}
	if s.batch <= 0 {
		s.batch = 500
	}
	s.engine = NewEngine(db, EngineOptions{Now: s.now, Logger: s.log, OnEnterprise: s.enterpriseChanged, OnReload: s.reloaded})
	if s.events != nil {
		s.events.Subscribe(TopicEnterprise, s.engine.HandleEnterpriseEvent)
		s.events.Subscribe(TopicPolicy, s.engine.HandlePolicyEvent)
	}
	return s
}

// RegisterJobs registers the policy jobs' handlers with r: the push of a
// clause, of a changed enterprise, the sweep of all, and the notices to
// subscribers. The composition root calls it once.
func (s *Service) RegisterJobs(r *jobs.Runner) {
	// Pushes fan out to many enterprises and nobody waits on them: the
	// bulk lane, behind imports and exports.
	r.RegisterBulk(JobPushClause, s.runPushClause)
	r.RegisterBulk(JobPushEnterprise, s.runPushEnterprise)
	r.RegisterBulk(JobPushAll, s.runPushAll)
	r.RegisterBulk(JobNotifySubscribers, s.runNotifySubscribers)
}

// Schedules lists the periodic policy jobs: the daily push sweep
// (enterprises age into rules).
func (s *Service) Schedules() []jobs.Period {
	return []jobs.Period{{Name: "policy-push-daily", Kind: JobPushAll, Every: 24 * time.Hour}}
}

// Engine returns the service's eligibility engine.
func (s *Service) Engine() *Engine { return s.engine }

// City returns the city whose districts policies name.
func (s *Service) City() *enterprise.City { return s.city }

// Start loads the clause index and the enterprise snapshot (reporting how
// long the load took). The server calls it once at start-up. Errors:
// Internal.
func (s *Service) Start(ctx context.Context) (LoadStats, error) {
	if err := s.engine.LoadIndex(ctx); err != nil {
		return LoadStats{}, err
	}
	return s.engine.Load(ctx)
}

func (s *Service) today() workday.Date { return workday.Today(s.now) }

// publish announces a change after its commit; a failure is logged, since
// the change itself stands.
func (s *Service) publish(ctx context.Context, topic, payload string) {
	if s.events == nil {
		if topic == TopicPolicy {
			s.engine.HandlePolicyEvent(payload)
		}
		return
	}
	if err := s.events.Publish(ctx, topic, payload); err != nil {
		s.log.Error("publish policy event", "topic", topic, "err", err)
	}
}

// EnterpriseChanged tells every instance that enterprise id changed (0:
// many enterprises changed, as after an import): their snapshots take the
// change in and the enterprise's new pushes are enqueued. Call it after the
// change committed, from every path that writes the enterprises table.
func (s *Service) EnterpriseChanged(ctx context.Context, id int64) error {
	payload := ""
	if id > 0 {
		payload = strconv.FormatInt(id, 10)
	}
	s.engine.Announce(id)
	if s.events == nil {
		s.engine.HandleEnterpriseEvent(payload)
		return nil
	}
	err := s.events.Publish(ctx, TopicEnterprise, payload)
	if err != nil {
		// This instance at least takes the change in.
		s.engine.HandleEnterpriseEvent(payload)
	}
	return err
}

// ---- Authorization ----

// Resource returns who holds p, for the permission table: its issuing and
// redeeming units and, as FindPolicyByID loaded them, the units above.
func (p *Policy) Resource() auth.Resource {
	var units []int64
	for _, id := range []*int64{p.IssuingUnitID, p.RedeemingUnitID} {
		if id != nil {
			units = append(units, *id)
		}
	}
	return auth.Resource{UnitIDs: units, ParentUnitIDs: p.parentUnits}
}

// holders loads the units above p's units into p.
func (s *Service) holders(ctx context.Context, p *Policy) error {
	if s.units == nil {
		return nil
	}
	res, err := s.units.Holders(ctx, p.Resource().UnitIDs...)
	p.parentUnits = res.ParentUnitIDs
	return err
}

// CanManage reports whether a may manage p (auth.ManagePolicies on p's
// units): admins any policy, unit staff those their unit issues or redeems.
func CanManage(a *auth.Actor, p *Policy) bool { return a.Can(auth.ManagePolicies, p.Resource()) }

// CanReview reports whether a may review, publish and end p
// (auth.ReviewPolicies).
func CanReview(a *auth.Actor, p *Policy) bool { return a.Can(auth.ReviewPolicies, p.Resource()) }

// CanViewStats reports whether a may read p's eligibility and push figures
// (auth.ViewPolicyStats): admins and leaders any policy's, unit staff those
// of the policies their unit or a unit below it holds.
func CanViewStats(a *auth.Actor, p *Policy) bool { return a.Can(auth.ViewPolicyStats, p.Resource()) }

// Editable reports whether p's description and clauses may still change
// (until it has ended).
func (p *Policy) Editable() bool { return p.Status != StatusEnded }

// ClausesDeletable reports whether p's clauses may be deleted: published
// clauses never are (the policy is ended instead).
func (p *Policy) ClausesDeletable() bool { return p.Status == StatusDraft || p.Status == StatusPending }

// Permitted is what an actor may do with one policy: the policy page offers
// a button for each true field, the API returns it with the policy, and
// the Service method named beside each field enforces the same rule (with
// Forbidden for the actor, Conflict for the state).
type Permitted struct {
	Manage        bool `json:"manage"`         // the policy's own unit or the office
	Edit          bool `json:"edit"`           // UpdatePolicy, AddClause, UpdateClause
	DeleteClauses bool `json:"delete_clauses"` // DeleteClause
	Submit        bool `json:"submit"`         // Submit
	Review        bool `json:"review"`         // the review card: a reviewer and a policy pending review
	Decide        bool `json:"decide"`         // Review: also not one's own submission (四眼原则, CanDecide)
	End           bool `json:"end"`            // End
	Stats         bool `json:"stats"`          // PolicyMetrics
	Simulate      bool `json:"simulate"`       // the simulation of each clause on the policy page
}

// PermittedTo returns what a may do with p.
func (s *Service) PermittedTo(a *auth.Actor, p *Policy) Permitted {
	manage, review := CanManage(a, p), CanReview(a, p)
	return Permitted{
		Manage:        manage,
		Edit:          manage && p.Editable(),
		DeleteClauses: manage && p.ClausesDeletable(),
		Submit:        manage && p.Status == StatusDraft,
		Review:        review && p.Status == StatusPending,
		Decide:        s.CanDecide(a, p),
		End:           review && p.Status == StatusPublished,
		Stats:         CanViewStats(a, p) && p.Status != StatusDraft,
		Simulate:      manage || review,
	}
}

// OwnSubmission reports whether a submitted p for review: under the
// four-eyes rule (四眼原则) someone else must review it.
func OwnSubmission(a *auth.Actor, p *Policy) bool {
	return a.Person() != 0 && p.SubmittedBy != nil && *p.SubmittedBy == a.Person()
}

// CanDecide reports whether a may approve or reject p now: p is pending,
// a may review policies, and a did not submit p — unless the service allows
// self-review (a one-person office).
func (s *Service) CanDecide(a *auth.Actor, p *Policy) bool {
	return p.Status == StatusPending && CanReview(a, p) && (s.selfReview || !OwnSubmission(a, p))
}

func authorizeManage(a *auth.Actor, p *Policy) error {
	if err := auth.AuthorizeSome(a, auth.ManagePolicies); err != nil {
		return err
	}
	if !CanManage(a, p) {
		return errs.Errorf(errs.Forbidden, "只能管理本单位发布或兑现的政策")
	}
	return nil
}

// canView: published and ended policies are open to everyone signed in;
// drafts and pending ones to those who may manage or review them.
func canView(a *auth.Actor, p *Policy) bool {
	if a == nil {
		return false
	}
	if p.Status == StatusPublished || p.Status == StatusEnded {
		return true
	}
	return CanManage(a, p) || CanReview(a, p)
}

// ---- Policies ----

// CreatePolicy creates a draft policy. Admins and unit staff may call it;
// a unit's policy must be issued or redeemed by that unit (its issuing unit
// defaults to the actor's unit). Errors: Unauthenticated, Forbidden,
// Invalid (field and Chinese message).
func (s *Service) CreatePolicy(ctx context.Context, a *auth.Actor, in PolicyInput) (*Policy, error) {
	if err := auth.AuthorizeSome(a, auth.ManagePolicies); err != nil {
		return nil, err
	}
	if err := normalizePolicy(&in); err != nil {
		return nil, err
	}
	if in.IssuingUnitID == nil && a.Role == auth.RoleUnitStaff {
		in.IssuingUnitID = a.UnitID
	}
	probe := &Policy{IssuingUnitID: in.IssuingUnitID, RedeemingUnitID: in.RedeemingUnitID}
	if err := authorizeManage(a, probe); err != nil {
		return nil, err
	}
	if err := s.checkUnits(ctx, in); err != nil {
		return nil, err
	}
	now := s.now()
	ms := store.Millis(now)
	var id int64
	by := a.PersonRef()
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO policies (title, doc_no, issuing_unit_id, redeeming_unit_id, source_text, source_url,
			pledge, category, district, effective_from, effective_to, status, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Title, in.DocNo, in.IssuingUnitID, in.RedeemingUnitID, in.SourceText, in.SourceURL, in.Pledge, in.Category, nullString(in.District),
			in.EffectiveFrom, in.EffectiveTo, string(StatusDraft), by, ms, ms).Scan(&id)
		if err != nil {
			return errs.Wrap(err, "create policy")
		}
		return s.record(ctx, tx, id, "create", nil, in)
	})
	if err != nil {
		return nil, err
	}
	return findPolicy(ctx, s.db, id, s.today())
}

// checkUnits checks that the named units exist. Errors: Invalid.
func (s *Service) checkUnits(ctx context.Context, in PolicyInput) error {
	for field, id := range map[string]*int64{"issuing_unit_id": in.IssuingUnitID, "redeeming_unit_id": in.RedeemingUnitID} {
		if id == nil {
			continue
		}
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM units WHERE id = ?`, *id).Scan(&n); err != nil {
			return errs.Wrap(err, "check unit")
		}
		if n == 0 {
			return errs.FieldErrorf(field, "单位（编号%d）不存在", *id)
		}
	}
	return nil
}

func (s *Service) record(ctx context.Context, q store.Querier, id int64, action string, before, after any) error {
	if s.audit == nil {
		return nil
	}
	return s.audit.Record(ctx, q, "policy", strconv.FormatInt(id, 10), action, before, after)
}

// FindPolicyByID returns a policy with its current clauses. Everyone
// signed in may read published and ended policies; drafts and pending ones
// only those who may manage or review them. Errors: Unauthenticated,
// NotFound (also for a draft the actor may not see).
func (s *Service) FindPolicyByID(ctx context.Context, a *auth.Actor, id int64) (*Policy, error) {
	if a == nil {
		return nil, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	p, err := findPolicy(ctx, s.db, id, s.today())
	if err != nil {
		return nil, err
	}
	if err := s.holders(ctx, p); err != nil {
		return nil, err
	}
	if !canView(a, p) {
		return nil, errs.Errorf(errs.NotFound, "政策（编号%d）不存在", id)
	}
	return p, nil
}

// FindClauseVersions returns every version of clause clauseID, oldest
// first. Callers as for FindPolicyByID. Errors: NotFound.
func (s *Service) FindClauseVersions(ctx context.Context, a *auth.Actor, clauseID int64) ([]*Clause, error) {
	if err := auth.Authenticated(a); err != nil {
		return nil, err
	}
	vs, err := findClauses(ctx, s.db, "clause_id = ?", clauseID)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, errs.Errorf(errs.NotFound, "条款（编号%d）不存在", clauseID)
	}
	if _, err := s.FindPolicyByID(ctx, a, vs[0].PolicyID); err != nil {
		return nil, err
	}
	return vs, nil
}

// FindClauseByID returns one clause version (current or not) and its
// policy. Callers as for FindPolicyByID. Errors: NotFound.
func (s *Service) FindClauseByID(ctx context.Context, a *auth.Actor, versionID int64) (*Clause, *Policy, error) {
	if err := auth.Authenticated(a); err != nil {
		return nil, nil, err
	}
	cs, err := findClauses(ctx, s.db, "id = ?", versionID)
	if err != nil {
		return nil, nil, err
	}
	if len(cs) == 0 {
		return nil, nil, errs.Errorf(errs.NotFound, "条款（编号%d）不存在", versionID)
	}
	p, err := s.FindPolicyByID(ctx, a, cs[0].PolicyID)
	if err != nil {
		return nil, nil, err
	}
	return cs[0], p, nil
}

// PolicyFilter selects policies; zero fields do not filter.
type PolicyFilter struct {
	Query    string // part of the title, 文号 or text
	Category string
	UnitID   int64  // issuing or redeeming unit
	District string // policies for this district and city-wide ones
	Status   Status // browse: 已发布 (default) or 已结束; manage: any
	// Manage lists the policies the actor may manage (all states; a unit's
	// own), newest first; otherwise published policies, 即将截止 first.
	Manage bool
	Limit  int // paging.Clamp: default 50, at most 500
	Offset int
}

// FindPolicies returns a page of policies and the total count. Browsing
// (published or ended policies) is open to everyone signed in; Manage to
// those with ManagePolicies or ReviewPolicies. Errors: Unauthenticated,
// Forbidden, Invalid.
func (s *Service) FindPolicies(ctx context.Context, a *auth.Actor, f PolicyFilter) ([]*Policy, int, error) {
	if a == nil {
		return nil, 0, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	var where []string
	var args []any
	add := func(cond string, vs ...any) { where = append(where, cond); args = append(args, vs...) }
	if f.Manage {
		if !a.CanSome(auth.ManagePolicies) && !a.CanSome(auth.ReviewPolicies) {
			return nil, 0, errs.Errorf(errs.Forbidden, "无权管理政策")
		}
		if a.Role == auth.RoleUnitStaff {
			if a.UnitID == nil {
				return []*Policy{}, 0, nil
			}
			add("(p.issuing_unit_id = ? OR p.redeeming_unit_id = ?)", *a.UnitID, *a.UnitID)
		}
		if f.Status != "" {
			if !f.Status.Valid() {
				return nil, 0, errs.FieldErrorf("status", "政策状态“%s”不存在", f.Status)
			}
			add("p.status = ?", string(f.Status))
		}
	} else {
		st := f.Status
		if st == "" {
			st = StatusPublished
		}
		if st != StatusPublished && st != StatusEnded {
			return nil, 0, errs.FieldErrorf("status", "只能浏览已发布或已结束的政策")
		}
		add("p.status = ?", string(st))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
		add(`(p.title LIKE ? ESCAPE '\' OR p.doc_no LIKE ? ESCAPE '\' OR p.source_text LIKE ? ESCAPE '\')`, like, like, like)
	}
	if f.Category != "" {
		add("p.category = ?", f.Category)
	}
	if f.UnitID > 0 {
		add("(p.issuing_unit_id = ? OR p.redeeming_unit_id = ?)", f.UnitID, f.UnitID)
	}
	if f.District != "" {
		d, err := s.city.ParseDistrict(f.District)
		if err != nil {
			return nil, 0, errs.FieldErrorf("district", "%s", errs.MessageOf(err))
		}
		add("(p.district = ? OR p.district IS NULL)", d)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM policies p"+cond, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count policies")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	order := " ORDER BY (t.deadline IS NULL), t.deadline, t.published_at DESC, t.id DESC"
	if f.Manage {
		order = " ORDER BY t.updated_at DESC, t.id DESC"
	}
	today := s.today().String()
	q := `SELECT * FROM (` + policySelect + cond + `) AS t` + order + ` LIMIT ? OFFSET ?`
	rows, err := s.db.QueryContext(ctx, q, append(append([]any{today, today}, args...), limit, offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find policies")
	}
	defer rows.Close()
	out := []*Policy{}
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "scan policy")
		}
		out = append(out, p)
	}
	return out, total, errs.Wrap(rows.Err(), "find policies")
}

// UpdatePolicy changes a policy's description (not its state or clauses).
// Those who may manage the policy may call it, until it has ended.
// Errors: Unauthenticated, Forbidden, NotFound, Invalid, Conflict (ended).
func (s *Service) UpdatePolicy(ctx context.Context, a *auth.Actor, id int64, in PolicyInput) (*Policy, error) {
	if err := auth.AuthorizeSome(a, auth.ManagePolicies); err != nil {
		return nil, err
	}
	cur, err := s.FindPolicyByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := authorizeManage(a, cur); err != nil {
		return nil, err
	}
	if !cur.Editable() {
		return nil, errs.Errorf(errs.Conflict, "政策已结束，不能再修改")
	}
	if err := normalizePolicy(&in); err != nil {
		return nil, err
	}
	if err := authorizeManage(a, &Policy{IssuingUnitID: in.IssuingUnitID, RedeemingUnitID: in.RedeemingUnitID}); err != nil {
		return nil, err
	}
	if err := s.checkUnits(ctx, in); err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE policies SET title = ?, doc_no = ?, issuing_unit_id = ?, redeeming_unit_id = ?, source_text = ?,
			source_url = ?, pledge = ?, category = ?, district = ?, effective_from = ?, effective_to = ?, updated_at = ? WHERE id = ?`,
			in.Title, in.DocNo, in.IssuingUnitID, in.RedeemingUnitID, in.SourceText, in.SourceURL, in.Pledge, in.Category, nullString(in.District),
			in.EffectiveFrom, in.EffectiveTo, store.Millis(s.now()), id)
		if err != nil {
			return errs.Wrap(err, "update policy")
		}
		before := *cur
		before.Clauses = nil
		return s.record(ctx, tx, id, "update", before, in)
	})
	if err != nil {
		return nil, err
	}
	if cur.Status == StatusPublished {
		s.publish(ctx, TopicPolicy, strconv.FormatInt(id, 10))
	}
	return findPolicy(ctx, s.db, id, s.today())
}

// ---- Clauses ----

// AddClause adds a clause to a policy. Those who may manage the policy may
// call it until the policy has ended; a clause added to a published policy
// is pushed at once. Errors: Unauthenticated, Forbidden, NotFound,
// Invalid (naming the clause and field), Conflict.
func (s *Service) AddClause(ctx context.Context, a *auth.Actor, policyID int64, in ClauseInput) (*Clause, error) {
	if err := auth.AuthorizeSome(a, auth.ManagePolicies); err != nil {
		return nil, err
	}
	p, err := s.FindPolicyByID(ctx, a, policyID)
	if err != nil {
		return nil, err
	}
	if err := authorizeManage(a, p); err != nil {
		return nil, err
	}
	if !p.Editable() {
		return nil, errs.Errorf(errs.Conflict, "政策已结束，不能再添加条款")
	}
	pc, err := parseClause(in)
	if err != nil {
		return nil, err
	}
	if len(p.Clauses) >= 100 {
		return nil, errs.Errorf(errs.Invalid, "一项政策最多 100 个条款")
	}
	seq := 0
	for _, c := range p.Clauses {
		seq = max(seq, c.Seq+1)
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if id, err = insertClause(ctx, tx, policyID, 0, 1, seq, pc, a.PersonRef(), s.now()); err != nil {
			return err
		}
		if err := s.touch(ctx, tx, policyID); err != nil {
			return err
		}
		if p.Status == StatusPublished {
			if err := s.enqueueClausePush(ctx, tx, id); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, policyID, "clause.create", nil, map[string]any{"clause_version_id": id, "title": pc.in.Title, "rule": pc.ruleJSON})
	})
	if err != nil {
		return nil, err
	}
	if p.Status == StatusPublished {
		s.publish(ctx, TopicPolicy, strconv.FormatInt(policyID, 10))
	}
	cs, err := findClauses(ctx, s.db, "id = ?", id)
	if err != nil || len(cs) == 0 {
		return nil, errs.Wrap(fmt.Errorf("clause %d vanished: %v", id, err), "add clause")
	}
	return cs[0], nil
}

func (s *Service) touch(ctx context.Context, tx *store.Tx, policyID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE policies SET updated_at = ? WHERE id = ?`, store.Millis(s.now()), policyID)
	return errs.Wrap(err, "touch policy")
}

// UpdateClause changes clause clauseID. While its policy is a draft or
// pending review the current version is overwritten; once published, the
// change becomes a new version (the old one is kept, and what was done
// under it keeps pointing to it) and the new version is pushed. Saving a
// clause unchanged changes nothing. Those who may manage the policy may
// call it until the policy has ended. It returns the current version.
// Errors: Unauthenticated, Forbidden, NotFound, Invalid, Conflict.
func (s *Service) UpdateClause(ctx context.Context, a *auth.Actor, clauseID int64, in ClauseInput) (*Clause, error) {
	if err := auth.AuthorizeSome(a, auth.ManagePolicies); err != nil {
		return nil, err
	}
	cur, p, err := s.currentClause(ctx, a, clauseID)
	if err != nil {
		return nil, err
	}
	if err := authorizeManage(a, p); err != nil {
		return nil, err
	}
	if !p.Editable() {
		return nil, errs.Errorf(errs.Conflict, "政策已结束，不能再修改条款")
	}
	pc, err := parseClause(in)
	if err != nil {
		return nil, err
	}
	if sameClause(cur, pc) {
		return cur, nil
	}
	newID := cur.ID
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if p.Status == StatusPublished {
			res, err := tx.ExecContext(ctx, `UPDATE policy_clauses SET is_current = ? WHERE id = ? AND is_current`, false, cur.ID)
			if err != nil {
				return errs.Wrap(err, "retire clause version")
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errs.Errorf(errs.Conflict, "条款已被他人修改，请刷新后重试")
			}
			if newID, err = insertClause(ctx, tx, p.ID, cur.ClauseID, cur.Version+1, cur.Seq, pc, a.PersonRef(), s.now()); err != nil {
				return err
			}
			if err := s.enqueueClausePush(ctx, tx, newID); err != nil {
				return err
			}
		} else if err := updateClauseInPlace(ctx, tx, cur.ID, pc); err != nil {
			return err
		}
		if err := s.touch(ctx, tx, p.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, p.ID, "clause.update", clauseAudit(cur), map[string]any{"clause_version_id": newID,
			"title": pc.in.Title, "rule": pc.ruleJSON, "amount": pc.amountTxt, "mode": pc.in.Mode})
	})
	if err != nil {
		return nil, err
	}
	if p.Status == StatusPublished {
		s.publish(ctx, TopicPolicy, strconv.FormatInt(p.ID, 10))
	}
	cs, err := findClauses(ctx, s.db, "id = ?", newID)
	if err != nil || len(cs) == 0 {
		return nil, errs.Wrap(fmt.Errorf("clause %d vanished: %v", newID, err), "update clause")
	}
	return cs[0], nil
}

// FindCurrentClause returns the current version of clause clauseID (the
// clause across its versions) and its policy. Callers as for
// FindPolicyByID. Errors: Unauthenticated, NotFound.
func (s *Service) FindCurrentClause(ctx context.Context, a *auth.Actor, clauseID int64) (*Clause, *Policy, error) {
	return s.currentClause(ctx, a, clauseID)
}

// currentClause returns the current version of clauseID and its policy.
func (s *Service) currentClause(ctx context.Context, a *auth.Actor, clauseID int64) (*Clause, *Policy, error) {
	if err := auth.Authenticated(a); err != nil {
		return nil, nil, err
	}
	cs, err := findClauses(ctx, s.db, "clause_id = ? AND is_current", clauseID)
	if err != nil {
		return nil, nil, err
	}
	if len(cs) == 0 {
		return nil, nil, errs.Errorf(errs.NotFound, "条款（编号%d）不存在", clauseID)
	}
	p, err := s.FindPolicyByID(ctx, a, cs[0].PolicyID)
	if err != nil {
		return nil, nil, err
	}
	return cs[0], p, nil
}

// DeleteClause deletes a clause of a draft or pending policy. Published
// clauses are never deleted (end the policy instead). Errors:
// Unauthenticated, Forbidden, NotFound, Conflict.
func (s *Service) DeleteClause(ctx context.Context, a *auth.Actor, clauseID int64) error {
	if err := auth.AuthorizeSome(a, auth.ManagePolicies); err != nil {
		return err
	}
	cur, p, err := s.currentClause(ctx, a, clauseID)
	if err != nil {
		return err
	}
	if err := authorizeManage(a, p); err != nil {
		return err
	}
	if !p.ClausesDeletable() {
		return errs.Errorf(errs.Conflict, "已发布政策的条款不能删除；如需停止，请结束该政策")
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM policy_clauses WHERE clause_id = ?`, clauseID); err != nil {
			return errs.Wrap(err, "delete clause")
		}
		if err := s.touch(ctx, tx, p.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, p.ID, "clause.delete", clauseAudit(cur), nil)
	})
}

// ---- Lifecycle ----

// transition moves policy id from one state to another inside a
// transaction, failing with Conflict if it is no longer in from.
func (s *Service) transition(ctx context.Context, tx *store.Tx, p *Policy, from, to Status, set string, args ...any) error {
	q := `UPDATE policies SET status = ?, updated_at = ?`
	if set != "" {
		q += ", " + set
	}
	all := append([]any{string(to), store.Millis(s.now())}, args...)
	res, err := tx.ExecContext(ctx, q+` WHERE id = ? AND status = ?`, append(all, p.ID, string(from))...)
	if err != nil {
		return errs.Wrap(err, "change policy status")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.Errorf(errs.Conflict, "政策状态已变化，请刷新后重试")
	}
	return s.record(ctx, tx, p.ID, "status", map[string]any{"status": from}, map[string]any{"status": to})
}

// Submit sends a draft for review (草稿 → 待审核). Those who may manage the
// policy may call it. Errors: Unauthenticated, Forbidden, NotFound,
// Invalid (no clause), Conflict (not a draft).
func (s *Service) Submit(ctx context.Context, a *auth.Actor, id int64) (*Policy, error) {
	if err := auth.AuthorizeSome(a, auth.ManagePolicies); err != nil {
		return nil, err
	}
	p, err := s.FindPolicyByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := authorizeManage(a, p); err != nil {
		return nil, err
	}
	if p.Status != StatusDraft {
		return nil, errs.Errorf(errs.Conflict, "只有草稿可以提交审核（当前：%s）", p.Status)
	}
	if len(p.Clauses) == 0 {
		return nil, errs.Errorf(errs.Invalid, "请至少添加一个条款后再提交审核")
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		return s.transition(ctx, tx, p, StatusDraft, StatusPending, "submitted_at = ?, submitted_by = ?, review_note = ?", store.Millis(s.now()), a.PersonRef(), "")
	})
	if err != nil {
		return nil, err
	}
	return findPolicy(ctx, s.db, id, s.today())
}

// Review decides on a policy pending review: approve publishes it (待审核 →
// 已发布) and starts pushing its clauses to the enterprises that fit them
// and notifying the category's subscribers; reject returns it to its unit
// as a draft with note. Only admins (ReviewPolicies) may call it, and not
// on a policy they submitted themselves (四眼原则) unless the service allows
// self-review (CanDecide). Errors: Unauthenticated, Forbidden (also: one's
// own submission), NotFound, Invalid (reject without a note), Conflict
// (not pending).
func (s *Service) Review(ctx context.Context, a *auth.Actor, id int64, approve bool, note string) (*Policy, error) {
	if err := auth.AuthorizeSome(a, auth.ReviewPolicies); err != nil {
		return nil, err
	}
	p, err := s.FindPolicyByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.ReviewPolicies, p.Resource()); err != nil {
		return nil, err
	}
	if p.Status != StatusPending {
		return nil, errs.Errorf(errs.Conflict, "只有待审核的政策可以审核（当前：%s）", p.Status)
	}
	if !s.CanDecide(a, p) {
		return nil, errs.Errorf(errs.Forbidden, "本政策由您提交审核，须由另一位管理员审核（四眼原则）")
	}
	note = strings.TrimSpace(note)
	if !approve && note == "" {
		return nil, errs.FieldErrorf("note", "退回时请说明理由")
	}
	ms := store.Millis(s.now())
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if !approve {
			return s.transition(ctx, tx, p, StatusPending, StatusDraft, "review_note = ?, reviewed_by = ?", note, a.PersonRef())
		}
		if err := s.transition(ctx, tx, p, StatusPending, StatusPublished, "review_note = ?, reviewed_by = ?, published_at = ?", note, a.PersonRef(), ms); err != nil {
			return err
		}
		for _, c := range p.Clauses {
			if err := s.enqueueClausePush(ctx, tx, c.ID); err != nil {
				return err
			}
		}
		if s.jobs != nil {
			_, err := s.jobs.Enqueue(ctx, tx, JobNotifySubscribers, subscribersPayload{PolicyID: id},
				jobs.UniqueKey(fmt.Sprintf("%s:%d", JobNotifySubscribers, id)))
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if approve {
		s.publish(ctx, TopicPolicy, strconv.FormatInt(id, 10))
	}
	return findPolicy(ctx, s.db, id, s.today())
}

// End ends a published policy (已发布 → 已结束): it leaves the supermarket
// and 政策体检, and no more pushes go out. Only admins (ReviewPolicies) may
// call it. Errors: Unauthenticated, Forbidden, NotFound, Conflict.
func (s *Service) End(ctx context.Context, a *auth.Actor, id int64) (*Policy, error) {
	if err := auth.AuthorizeSome(a, auth.ReviewPolicies); err != nil {
		return nil, err
	}
	p, err := s.FindPolicyByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.ReviewPolicies, p.Resource()); err != nil {
		return nil, err
	}
	if p.Status != StatusPublished {
		return nil, errs.Errorf(errs.Conflict, "只有已发布的政策可以结束（当前：%s）", p.Status)
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		return s.transition(ctx, tx, p, StatusPublished, StatusEnded, "ended_at = ?", store.Millis(s.now()))
	})
	if err != nil {
		return nil, err
	}
	s.publish(ctx, TopicPolicy, strconv.FormatInt(id, 10))
	return findPolicy(ctx, s.db, id, s.today())
}
