// Package redeem is redemption (兑现) in the policy supermarket: what turns
// an eligible enterprise into money paid.
//
//   - Grants (兑现). For a 免申即享 clause the redeeming unit generates a
//     grant list in a background job: every enterprise the clause fits on
//     verified data, with its amount, a snapshot of the data used and the
//     clause version; re-running adds only enterprises not listed yet
//     (unique (clause, enterprise)). The unit approves the list or excludes
//     enterprises with a reason, the office countersigns when configured,
//     the budget is cut by the clause's rule, the enterprises are told and
//     confirm (信用承诺 and the receiving account); unconfirmed grants
//     expire after a number of working days, with reminders.
//   - Applications (申请) for 即申即享 and 申报审核 clauses: a form asking only
//     for what the file lacks, materials, an immediate decision with its
//     evidence when the rule is true on verified data, otherwise the review
//     受理 → 审核 → 通过/不通过/退回补正 with working-day deadlines.
//   - Objections (异议): an enterprise that believes it qualifies objects
//     with evidence; the unit answers within a deadline; an accepted
//     objection corrects the file and creates the grant.
//   - Payments (兑付): each confirmed grant gets its payments — in full, or
//     a pre-payment (预先拨付) and, after settlement (事后清算), the balance or
//     an overpayment to recover — paid in batches per unit through the
//     finance system's export and the bank's result file. A grant is never
//     paid twice: a payment's reference is derived from the grant, the kind
//     and the attempt (the idempotency key), at most one payment of a kind
//     per grant is live (a partial unique index), and bank results change a
//     payment only from 待拨付, by conditional updates.
//   - Performance (政策绩效): per policy and clause, and the units ranked by
//     how quickly they pay.
//
// Every state change is an audit entry (entities grant, application,
// objection, payment, payment_batch); those that concern an enterprise also
// reach its inbox.
package redeem

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Defaults of Options, in working days.
const (
	DefaultConfirmDays = 10 // to confirm a grant
	DefaultPaymentDays = 5  // from approval to 已拨付 (Hangzhou's target)
	DefaultReviewDays  = 10 // to decide an accepted application, to answer an objection
	DefaultAcceptDays  = 2  // to accept (受理) a submitted application
)

// Corrector corrects an enterprise's file on an accepted objection;
// enterprise.Service implements it.
type Corrector interface {
	CorrectEnterprise(ctx context.Context, a *auth.Actor, id int64, values map[string]string, basis auth.Resource) (*enterprise.Enterprise, error)
}

// Reporter records the values an enterprise supplies with an application
// as self-reports (企业自报), which wait for review like any other;
// enterprise.SelfService implements it.
type Reporter interface {
	SubmitSelfReport(ctx context.Context, a *auth.Actor, enterpriseID int64, values map[string]string) (*enterprise.SubmitResult, error)
}

// Options configure a Service.
type Options struct {
	Audit    *audit.Log
	Notify   *notify.Service
	Jobs     *jobs.Runner
	Calendar *workday.Calendar
	Now      func() time.Time // nil: time.Now
	Logger   *slog.Logger     // nil: slog.Default()
	// Facts of other packages: the units above a unit (org), an
	// enterprise's specialist (network), the registry's correction and
	// self-reports (enterprise).
	Units       auth.UnitTree
	Owners      auth.EnterpriseOwners
	Enterprises Corrector
	Reports     Reporter
	// Working days; zero means the Default… constant.
	ConfirmDays, PaymentDays, ReviewDays, AcceptDays int
	// Countersign makes an approved grant list wait for the office's
	// countersignature (会签) before the enterprises are told.
	Countersign bool
	// AllowSelfReview lets the administrator who approved a list
	// countersign it too (a one-person office).
	AllowSelfReview bool
}

// Service is redemption: grants, applications, objections, payments and
// the figures of what policies achieved.
type Service struct {
	db     *store.DB
	policy *policy.Service
	audit  *audit.Log
	notify *notify.Service
	jobs   *jobs.Runner
	cal    *workday.Calendar
	now    func() time.Time
	log    *slog.Logger
	units  auth.UnitTree
	owners auth.EnterpriseOwners
	ents   Corrector
	report Reporter

	confirmDays, payDays, reviewDays, acceptDays int
	countersign, selfReview                      bool
	// chunk is how many rows approval and the bank import read, write and
	// audit at a time (ChunkRows; tests set less).
	chunk int
	// system reads what a background job needs (published clauses, any
	// record) without a person's rights; the audit log still records the
	// job's own actor from the context.
	system *auth.Actor
}

// New returns the redemption service on db over the policy service pol. It
// touches neither the database nor the job runner (see RegisterJobs).
func New(db *store.DB, pol *policy.Service, opts Options) *Service {
	s := &Service{db: db, policy: pol, audit: opts.Audit, notify: opts.Notify, jobs: opts.Jobs, cal: opts.Calendar,
		now: opts.Now, log: opts.Logger, units: opts.Units, owners: opts.Owners, ents: opts.Enterprises, report: opts.Reports,
		confirmDays: opts.ConfirmDays, payDays: opts.PaymentDays, reviewDays: opts.ReviewDays, acceptDays: opts.AcceptDays,
		countersign: opts.Countersign, selfReview: opts.AllowSelfReview, chunk: ChunkRows,
		system: &auth.Actor{Name: audit.System, DisplayName: "系统", Role: auth.RoleAdmin}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.cal == nil {
		s.cal, _ = workday.New()
	}
	if s.confirmDays <= 0 {
		s.confirmDays = DefaultConfirmDays
	}
	if s.payDays <= 0 {
		s.payDays = DefaultPaymentDays
	}
	if s.reviewDays <= 0 {
		s.reviewDays = DefaultReviewDays
	}
	if s.acceptDays <= 0 {
		s.acceptDays = DefaultAcceptDays
	}
	return s
}

// PaymentDays is the limit in working days from approval to 已拨付 beyond
// which a payment is flagged.
func (s *Service) PaymentDays() int { return s.payDays }

// ConfirmDays is how many working days an enterprise has to confirm a grant.
func (s *Service) ConfirmDays() int { return s.confirmDays }

// CountersignRequired reports whether approved grant lists wait for the
// office.
func (s *Service) CountersignRequired() bool { return s.countersign }

func (s *Service) today() workday.Date { return workday.Today(s.now) }

// ---- Ownership ----

// holding returns the unit that redeems policy p: its redeeming unit, else
// its issuing unit (nil: none, only the office acts).
func holding(p *policy.Policy) *int64 {
	if p.RedeemingUnitID != nil {
		return p.RedeemingUnitID
	}
	return p.IssuingUnitID
}

// resource returns who owns a redemption record held by unitID for
// enterprise enterpriseID: the enterprise and its specialist, the unit and
// the units above it.
func (s *Service) resource(ctx context.Context, unitID *int64, enterpriseID int64) (auth.Resource, error) {
	res := auth.Resource{EnterpriseID: enterpriseID}
	if enterpriseID != 0 && s.owners != nil {
		r, err := s.owners.EnterpriseResource(ctx, enterpriseID)
		if err != nil {
			return res, err
		}
		res = r
		res.EnterpriseID = enterpriseID
	}
	if unitID != nil {
		res.UnitIDs = []int64{*unitID}
		if s.units != nil {
			h, err := s.units.Holders(ctx, *unitID)
			if err != nil {
				return res, err
			}
			res.ParentUnitIDs = h.ParentUnitIDs
		}
	}
	return res, nil
}

// clauseFor returns the current version of clause clauseID and its policy
// for an actor who redeems it (auth.RedeemPolicies on the redeeming unit).
// Errors: Unauthenticated, Forbidden, NotFound.
func (s *Service) clauseFor(ctx context.Context, a *auth.Actor, clauseID int64) (*policy.Clause, *policy.Policy, error) {
	if err := auth.AuthorizeSome(a, auth.RedeemPolicies); err != nil {
		return nil, nil, err
	}
	cl, pol, err := s.policy.FindCurrentClause(ctx, a, clauseID)
	if err != nil {
		return nil, nil, err
	}
	res, err := s.resource(ctx, holding(pol), 0)
	if err != nil {
		return nil, nil, err
	}
	if !a.Can(auth.RedeemPolicies, res) {
		return nil, nil, errs.Errorf(errs.Forbidden, "只有兑现单位可以办理本政策的兑现")
	}
	return cl, pol, nil
}

// scope returns a SQL condition (on alias t with columns unit_id and
// enterprise_id) limiting a list to what a may read, with its arguments:
// everything for the office and leaders, the unit's own records for unit
// staff, the enterprise's for its accounts. A specialist reads the records
// of one enterprise it looks after (enterpriseID), nothing else. Errors:
// Unauthenticated, Forbidden.
func (s *Service) scope(ctx context.Context, a *auth.Actor, enterpriseID int64) (string, []any, error) {
	if err := auth.AuthorizeSome(a, auth.ViewRedemption); err != nil {
		return "", nil, err
	}
	if enterpriseID > 0 {
		res, err := s.resource(ctx, nil, enterpriseID)
		if err != nil {
			return "", nil, err
		}
		if a.Role == auth.RoleSpecialist || a.Role == auth.RoleEnterprise {
			if err := auth.Authorize(a, auth.ViewRedemption, res); err != nil {
				return "", nil, err
			}
			return "t.enterprise_id = ?", []any{enterpriseID}, nil
		}
	}
	switch a.Role {
	case auth.RoleAdmin, auth.RoleLeader:
		return "1 = 1", nil, nil
	case auth.RoleUnitStaff:
		if a.UnitID == nil {
			return "1 = 0", nil, nil
		}
		return "t.unit_id = ?", []any{*a.UnitID}, nil
	case auth.RoleEnterprise:
		if a.EnterpriseID == nil {
			return "1 = 0", nil, nil
		}
		return "t.enterprise_id = ?", []any{*a.EnterpriseID}, nil
	}
	return "1 = 0", nil, nil
}

// ---- Small helpers ----

func actorName(a *auth.Actor) string {
	if a == nil {
		return audit.System
	}
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Name
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func millisPtr(p *int64) *time.Time {
	if p == nil {
		return nil
	}
	t := store.FromMillis(*p)
	return &t
}

// record writes one audit entry in q.
func (s *Service) record(ctx context.Context, q store.Querier, entity string, id int64, action string, before, after any) error {
	if s.audit == nil {
		return nil
	}
	return s.audit.Record(ctx, q, entity, itoa(id), action, before, after)
}

// recordMany writes audit entries in q.
func (s *Service) recordMany(ctx context.Context, q store.Querier, changes []audit.Change) error {
	if s.audit == nil || len(changes) == 0 {
		return nil
	}
	return s.audit.RecordMany(ctx, q, changes)
}

// tell notifies an enterprise in q (nothing without a notify service).
func (s *Service) tell(ctx context.Context, q store.Querier, enterpriseID int64, kind, title, body, link, dedupe string) error {
	if s.notify == nil {
		return nil
	}
	id := enterpriseID
	_, _, err := s.notify.Notify(ctx, q, notify.Notification{EnterpriseID: &id, Kind: kind, Title: title, Body: body, Link: link, DedupeKey: dedupe})
	return err
}

// step records a step of an application or objection as the enterprise
// sees it.
func (s *Service) step(ctx context.Context, q store.Querier, kind string, id int64, a *auth.Actor, step, note string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO policy_redeem_steps (owner_kind, owner_id, at, actor, step, note) VALUES (?, ?, ?, ?, ?, ?)`,
		kind, id, store.Millis(s.now()), actorName(a), step, note)
	return errs.Wrap(err, "record step")
}

// Step is one step of an application or objection.
type Step struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	Step  string    `json:"step"`
	Note  string    `json:"note,omitempty"`
}

func (s *Service) steps(ctx context.Context, kind string, id int64) ([]Step, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, actor, step, note FROM policy_redeem_steps WHERE owner_kind = ? AND owner_id = ? ORDER BY at, id`, kind, id)
	if err != nil {
		return nil, errs.Wrap(err, "read steps")
	}
	defer rows.Close()
	out := []Step{}
	for rows.Next() {
		var st Step
		var at int64
		if err := rows.Scan(&at, &st.Actor, &st.Step, &st.Note); err != nil {
			return nil, errs.Wrap(err, "read steps")
		}
		st.At = store.FromMillis(at)
		out = append(out, st)
	}
	return out, errs.Wrap(rows.Err(), "read steps")
}

// reason checks a required reason (退回, 排除, 不通过 …): not empty, at most
// 500 characters. Errors: Invalid on field.
func reason(field, label, v string) (string, error) {
	v = strings.TrimSpace(v)
	switch n := utf8.RuneCountInString(v); {
	case n == 0:
		return "", errs.FieldErrorf(field, "请填写%s", label)
	case n > 500:
		return "", errs.FieldErrorf(field, "%s不能超过 500 个字", label)
	}
	return v, nil
}

// lockClause makes sure the clause's redemption row exists and locks it
// for the rest of tx (PostgreSQL; SQLite has one writer), returning the
// budget used so far: every change of a clause's grants and budget runs
// under this lock.
func lockClause(ctx context.Context, tx *store.Tx, clauseID int64) (int64, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO policy_redeem_clauses (clause_id) VALUES (?) ON CONFLICT (clause_id) DO NOTHING`, clauseID); err != nil {
		return 0, errs.Wrap(err, "lock clause")
	}
	lock := ""
	if tx.Dialect() == store.Postgres {
		lock = " FOR UPDATE"
	}
	var used int64
	err := tx.QueryRowContext(ctx, `SELECT budget_used FROM policy_redeem_clauses WHERE clause_id = ?`+lock, clauseID).Scan(&used)
	return used, errs.Wrap(err, "lock clause")
}

// useBudget adds delta (negative: releases) to the budget used by clause
// clauseID, refusing to pass budget (nil: not capped). Run under lockClause.
// Errors: Conflict when the budget does not hold delta.
func useBudget(ctx context.Context, tx *store.Tx, clauseID int64, budget *int64, delta int64) error {
	if delta == 0 {
		return nil
	}
	q, args := `UPDATE policy_redeem_clauses SET budget_used = budget_used + ? WHERE clause_id = ?`, []any{delta, clauseID}
	if budget != nil && delta > 0 {
		q += ` AND budget_used + ? <= ?`
		args = append(args, delta, *budget)
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return errs.Wrap(err, "use budget")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.Errorf(errs.Conflict, "条款预算不足，不能再兑现")
	}
	return nil
}

// jsonText marshals v for a TEXT column.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// keyIn returns the condition " AND col IN (…)" over ids, with its
// arguments, that an UPDATE … FROM rowsFrom's rows joined on col (the
// table's primary key) adds on SQLite: without it SQLite (3.54) scans the
// whole table for each statement, testing every row against a Bloom filter
// of the values, so that a list written in chunks read the table once a
// chunk (approval of 100,829 grants: 11 s of CPU of 13); with it, it looks
// the rows up by key. PostgreSQL joins rowsFrom's unnest by the key
// already: "" and no arguments.
func keyIn(d store.Dialect, col string, ids []int64) (string, []any) {
	if d == store.Postgres {
		return "", nil
	}
	return " AND " + col + " IN (" + store.Placeholders(len(ids)) + ")", int64Args(ids)
}

// rowsFrom returns a FROM item v of n rows with columns column1, column2 …
// — each of cols a []int64 (BIGINT) or []string (TEXT) of n values — and
// its arguments, for a statement that writes many rows at once (an INSERT
// … SELECT, an UPDATE … FROM joined on v.column1). PostgreSQL receives
// each column as one array through unnest: the statement's text and plan
// are the same whatever n, and the planner, which estimates an array by a
// constant, joins by the primary key row by row instead of hashing every
// row a condition on status selects (which made a bank file of 100,000
// payments quadratic). SQLite, which has no arrays, receives the rows as a
// VALUES list; an UPDATE … FROM it adds keyIn's condition.
func rowsFrom(d store.Dialect, n int, cols ...any) (string, []any) {
	types := make([]string, len(cols))
	for i, c := range cols {
		if _, ok := c.([]string); ok {
			types[i] = "TEXT"
		} else {
			types[i] = "BIGINT"
		}
	}
	if d == store.Postgres {
		casts, names := make([]string, len(cols)), make([]string, len(cols))
		for i := range cols {
			casts[i] = "CAST(? AS " + types[i] + "[])"
			names[i] = "column" + strconv.Itoa(i+1)
		}
		return "unnest(" + strings.Join(casts, ", ") + ") AS v(" + strings.Join(names, ", ") + ")", cols
	}
	casts := make([]string, len(cols))
	for i := range cols {
		casts[i] = "CAST(? AS " + types[i] + ")"
	}
	row := "(" + strings.Join(casts, ", ") + "), "
	args := make([]any, 0, n*len(cols))
	for r := range n {
		for _, c := range cols {
			switch c := c.(type) {
			case []string:
				args = append(args, c[r])
			case []int64:
				args = append(args, c[r])
			}
		}
	}
	return "(VALUES " + strings.TrimSuffix(strings.Repeat(row, n), ", ") + ") AS v", args
}
