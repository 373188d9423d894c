package redeem

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/xuri/excelize/v2"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/money"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/paging"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/rule"
	"github.com/qinqing/qinqing/internal/sheet"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Grant statuses. A listed grant is reviewed by the unit (approved or
// excluded), countersigned by the office when that is configured, then
// confirmed by the enterprise (or expires); a grant without money and
// without a pledge needs no confirmation.
const (
	GrantListed      = "待审核"
	GrantExcluded    = "已排除"
	GrantCountersign = "待会签"
	GrantConfirming  = "待确认"
	GrantConfirmed   = "已确认"
	GrantExpired     = "已过期"
)

// GrantStatuses lists the grant statuses in order.
var GrantStatuses = []string{GrantListed, GrantCountersign, GrantConfirming, GrantConfirmed, GrantExcluded, GrantExpired}

// Origins of a grant: a 免申即享 list, an application of either mode, an
// accepted objection.
const (
	OriginList      = policy.ModeAutomatic
	OriginInstant   = policy.ModeInstant
	OriginReview    = policy.ModeReview
	OriginObjection = "异议"
)

// Job kinds.
const (
	// JobGenerate generates a 免申即享 clause's grant list, with progress.
	JobGenerate = "redeem.generate"
	// JobNotifyGrants tells the enterprises of an approved list to
	// confirm, in batches.
	JobNotifyGrants = "redeem.notify_grants"
	// JobExpire expires unconfirmed grants and reminds those about to.
	JobExpire = "redeem.expire"
)

// Notification kinds (also the webhook event kinds).
const (
	KindGrant   = "redeem.grant"   // a grant to confirm, a reminder, an expiry
	KindApply   = "redeem.apply"   // an application's step
	KindObject  = "redeem.object"  // an objection's answer
	KindPayment = "redeem.payment" // paid, or refused by the bank
)

// Grant is one enterprise's benefit under one clause.
type Grant struct {
	ID              int64  `json:"id"`
	ClauseID        int64  `json:"clause_id"`         // the clause across versions
	ClauseVersionID int64  `json:"clause_version_id"` // the version granted under
	RuleVersion     int    `json:"rule_version"`
	PolicyID        int64  `json:"policy_id"`
	PolicyTitle     string `json:"policy_title"`
	ClauseTitle     string `json:"clause_title"`
	UnitID          *int64 `json:"unit_id"`
	Unit            string `json:"unit"`
	EnterpriseID    int64  `json:"enterprise_id"`
	EnterpriseName  string `json:"enterprise_name"`
	USCC            string `json:"uscc"`
	Origin          string `json:"origin"`
	ApplicationID   *int64 `json:"application_id,omitempty"`
	ObjectionID     *int64 `json:"objection_id,omitempty"`
	Status          string `json:"status"`
	// Amount is the amount computed when listed (yuan); ApprovedAmount
	// what was approved after the budget rule; FinalAmount what settlement
	// confirmed (预先拨付 clauses).
	Amount         int64  `json:"amount"`
	ApprovedAmount *int64 `json:"approved_amount"`
	FinalAmount    *int64 `json:"final_amount"`
	// RecoverAmount is an overpayment found at settlement, to be recovered
	// (RecoveredAt set once it was).
	RecoverAmount int64      `json:"recover_amount"`
	RecoveredAt   *time.Time `json:"recovered_at,omitempty"`
	// Paid is the sum of the payments the bank confirmed.
	Paid int64 `json:"paid"`
	// Data is the snapshot of the enterprise's values the rule and the
	// amount read when the grant was made.
	Data        json.RawMessage `json:"data"`
	Reason      string          `json:"reason,omitempty"` // why excluded or returned
	GeneratedAt time.Time       `json:"generated_at"`
	ApprovedOn  *workday.Date   `json:"approved_on"`
	ConfirmBy   *workday.Date   `json:"confirm_by"`
	ConfirmedAt *time.Time      `json:"confirmed_at"`
	Pledge      string          `json:"pledge,omitempty"` // the pledge signed
	Account     Account         `json:"account"`
	PayableOn   *workday.Date   `json:"payable_on"` // approved and confirmed: time to pay counts from here
	SettledAt   *time.Time      `json:"settled_at"`
	// Payments are the grant's payments (FindGrantByID).
	Payments []*Payment `json:"payments,omitempty"`

	reviewedBy  *int64
	parentUnits []int64
}

// Due is what the grant is worth now: the settled amount, else the
// approved one, else the computed one.
func (g *Grant) Due() int64 {
	switch {
	case g.FinalAmount != nil:
		return *g.FinalAmount
	case g.ApprovedAmount != nil:
		return *g.ApprovedAmount
	}
	return g.Amount
}

// PayState says in Chinese where the money of g stands: 已拨付 when the bank
// paid all that is due, 已预拨 when a pre-payment arrived and the rest waits
// for settlement, 待拨付 while a payment waits, "" before confirmation or
// for a grant without money. Paid is known from any grant FindGrants reads;
// 退回 needs the payments (FindGrantByID).
func (g *Grant) PayState() string {
	due := g.Due()
	switch {
	case g.Status != GrantConfirmed || due <= 0:
		return ""
	case g.Paid >= due:
		return "已拨付"
	}
	for i := len(g.Payments) - 1; i >= 0; i-- {
		if g.Payments[i].Status == PaymentRefused && repayable(g.Payments) != nil {
			return "银行退回"
		}
	}
	if g.Paid > 0 && g.SettledAt == nil {
		return "已预拨"
	}
	return "待拨付"
}

// Resource returns who owns g: its enterprise, its unit and the units
// above (as FindGrantByID loaded them).
func (g *Grant) Resource() auth.Resource {
	res := auth.Resource{EnterpriseID: g.EnterpriseID, ParentUnitIDs: g.parentUnits}
	if g.UnitID != nil {
		res.UnitIDs = []int64{*g.UnitID}
	}
	return res
}

const grantSelect = `SELECT t.id, t.clause_id, t.clause_version_id, t.rule_version, t.policy_id, p.title, c.title, t.unit_id, COALESCE(u.name, ''),
	t.enterprise_id, e.name, e.uscc, t.origin, t.application_id, t.objection_id, t.status, t.amount, t.approved_amount, t.final_amount,
	t.recover_amount, t.recovered_at,
	COALESCE((SELECT SUM(pp.amount) FROM policy_payments pp WHERE pp.grant_id = t.id AND pp.status IN ('已拨付', '已清算')), 0),
	t.data, t.reason, t.generated_at, t.approved_on, t.confirm_by, t.confirmed_at, t.pledge, t.payee_name, t.payee_account, t.payee_bank,
	t.payable_on, t.settled_at, t.reviewed_by
	FROM policy_grants t JOIN policies p ON p.id = t.policy_id JOIN policy_clauses c ON c.id = t.clause_version_id
	JOIN enterprises e ON e.id = t.enterprise_id LEFT JOIN units u ON u.id = t.unit_id`

func scanGrant(sc interface{ Scan(...any) error }) (*Grant, error) {
	g := &Grant{}
	var data string
	var recovered, confirmed, settled *int64
	var generated int64
	if err := sc.Scan(&g.ID, &g.ClauseID, &g.ClauseVersionID, &g.RuleVersion, &g.PolicyID, &g.PolicyTitle, &g.ClauseTitle, &g.UnitID, &g.Unit,
		&g.EnterpriseID, &g.EnterpriseName, &g.USCC, &g.Origin, &g.ApplicationID, &g.ObjectionID, &g.Status, &g.Amount, &g.ApprovedAmount,
		&g.FinalAmount, &g.RecoverAmount, &recovered, &g.Paid, &data, &g.Reason, &generated, &g.ApprovedOn, &g.ConfirmBy, &confirmed,
		&g.Pledge, &g.Account.Name, &g.Account.Number, &g.Account.Bank, &g.PayableOn, &settled, &g.reviewedBy); err != nil {
		return nil, err
	}
	g.Data = json.RawMessage(data)
	g.GeneratedAt = store.FromMillis(generated)
	g.RecoveredAt, g.ConfirmedAt, g.SettledAt = millisPtr(recovered), millisPtr(confirmed), millisPtr(settled)
	return g, nil
}

// findGrant reads grant id in q. Errors: NotFound.
func findGrant(ctx context.Context, q store.Querier, id int64) (*Grant, error) {
	g, err := scanGrant(q.QueryRowContext(ctx, grantSelect+" WHERE t.id = ?", id))
	if err != nil {
		return nil, store.NotFound(err, "兑现记录（编号%d）不存在", id)
	}
	return g, nil
}

// GrantFilter selects grants; zero fields do not filter.
type GrantFilter struct {
	ClauseID     int64
	PolicyID     int64
	EnterpriseID int64
	Status       string
	Query        string // part of the enterprise's name or its credit code
	Limit        int    // paging.Clamp
	Offset       int
}

// FindGrants returns a page of the grants a may read and their total: the
// office and leaders every grant, unit staff their unit's, an enterprise
// its own, a specialist those of an enterprise it looks after
// (EnterpriseID). A clause's list is in the order it was generated, other
// lists newest first. Errors: Unauthenticated, Forbidden, Invalid.
func (s *Service) FindGrants(ctx context.Context, a *auth.Actor, f GrantFilter) ([]*Grant, int, error) {
	cond, args, err := s.scope(ctx, a, f.EnterpriseID)
	if err != nil {
		return nil, 0, err
	}
	where := []string{cond}
	add := func(c string, v ...any) { where = append(where, c); args = append(args, v...) }
	if f.ClauseID > 0 {
		add("t.clause_id = ?", f.ClauseID)
	}
	if f.PolicyID > 0 {
		add("t.policy_id = ?", f.PolicyID)
	}
	if f.EnterpriseID > 0 {
		add("t.enterprise_id = ?", f.EnterpriseID)
	}
	if f.Status != "" {
		if !slices.Contains(GrantStatuses, f.Status) {
			return nil, 0, errs.FieldErrorf("status", "兑现状态“%s”不存在（可选：%s）", f.Status, strings.Join(GrantStatuses, "、"))
		}
		add("t.status = ?", f.Status)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
		add(`(e.name LIKE ? ESCAPE '\' OR e.uscc LIKE ? ESCAPE '\')`, like, strings.ToUpper(q)+"%")
	}
	w := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM policy_grants t JOIN enterprises e ON e.id = t.enterprise_id`+w, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count grants")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	order := " ORDER BY t.id DESC"
	if f.ClauseID > 0 {
		order = " ORDER BY t.id"
	}
	rows, err := s.db.QueryContext(ctx, grantSelect+w+order+" LIMIT ? OFFSET ?", append(args, limit, offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find grants")
	}
	defer rows.Close()
	out := []*Grant{}
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "scan grant")
		}
		out = append(out, g)
	}
	return out, total, errs.Wrap(rows.Err(), "find grants")
}

// FindGrantByID returns grant id with its payments. Those who may read it
// (auth.ViewRedemption: the office, leaders, its unit and the units above,
// its enterprise and the enterprise's specialist) may call it. Errors:
// Unauthenticated, NotFound (also for a grant a may not read).
func (s *Service) FindGrantByID(ctx context.Context, a *auth.Actor, id int64) (*Grant, error) {
	if a == nil {
		return nil, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	g, err := findGrant(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	res, err := s.resource(ctx, g.UnitID, g.EnterpriseID)
	if err != nil {
		return nil, err
	}
	if !a.Can(auth.ViewRedemption, res) {
		return nil, errs.Errorf(errs.NotFound, "兑现记录（编号%d）不存在", id)
	}
	g.parentUnits = res.ParentUnitIDs
	if g.Payments, err = s.paymentsOf(ctx, id); err != nil {
		return nil, err
	}
	return g, nil
}

// GrantPermitted is what an actor may do with one grant: a page offers a
// button for each true field, the API returns it, and the method named
// beside each enforces the same rule.
type GrantPermitted struct {
	Confirm bool `json:"confirm"` // ConfirmGrant: its enterprise, 待确认 and within the deadline
	Object  bool `json:"object"`  // FileObjection: its enterprise, excluded or expired
	Settle  bool `json:"settle"`  // SettleGrant: its unit, a paid pre-payment not yet settled
	Recover bool `json:"recover"` // RecordRecovery: its unit, an overpayment not yet recovered
	Repay   bool `json:"repay"`   // Repay: a payment the bank refused and none live of its kind
}

// PermittedTo returns what a may do with g (loaded by FindGrantByID).
func (s *Service) PermittedTo(a *auth.Actor, g *Grant) GrantPermitted {
	res := g.Resource()
	claim, redeem := a.Can(auth.ClaimBenefits, res), a.Can(auth.RedeemPolicies, res)
	var p GrantPermitted
	p.Confirm = claim && g.Status == GrantConfirming && g.ConfirmBy != nil && s.today() <= *g.ConfirmBy
	p.Object = claim && (g.Status == GrantExcluded || g.Status == GrantExpired)
	prepaid := false
	for _, pm := range g.Payments {
		prepaid = prepaid || pm.Kind == PaymentPrepay && pm.Status == PaymentPaid
	}
	p.Settle = redeem && prepaid && g.SettledAt == nil
	p.Recover = redeem && g.RecoverAmount > 0 && g.RecoveredAt == nil
	p.Repay = (claim || redeem) && repayable(g.Payments) != nil
	return p
}

// ---- Generation ----

type generatePayload struct {
	ClauseID int64 `json:"clause_id"`
}

// GenerateResult counts what a generation did.
type GenerateResult struct {
	Eligible int `json:"eligible"` // enterprises the clause fits in the engine's snapshot
	Listed   int `json:"listed"`   // of those, listed before
	Added    int `json:"added"`    // newly listed
	// Changed counts enterprises the snapshot found eligible that no
	// longer were when read again from the database (changed meanwhile).
	Changed int `json:"changed"`
	// UnknownBase counts eligible enterprises whose amount base (such as
	// 研发费用) is unknown: without an amount they are not listed.
	UnknownBase int     `json:"unknown_base"`
	TookMS      float64 `json:"took_ms"`
}

// GenerateGrants starts generating the grant list of 免申即享 clause
// clauseID as a background job and returns the job's id; re-running adds
// only enterprises not listed yet. Those who redeem the clause may call it
// (auth.RedeemPolicies on its redeeming unit). Errors: Unauthenticated,
// Forbidden, NotFound, Conflict (not a published 免申即享 clause).
func (s *Service) GenerateGrants(ctx context.Context, a *auth.Actor, clauseID int64) (int64, error) {
	cl, pol, err := s.clauseFor(ctx, a, clauseID)
	if err != nil {
		return 0, err
	}
	if err := listable(pol, cl); err != nil {
		return 0, err
	}
	if s.jobs == nil {
		return 0, errs.Errorf(errs.Unavailable, "后台任务未启用")
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := lockClause(ctx, tx, clauseID); err != nil {
			return err
		}
		var err error
		id, err = s.jobs.Enqueue(ctx, tx, JobGenerate, generatePayload{ClauseID: clauseID},
			jobs.UniqueKey(fmt.Sprintf("%s:%d:%d", JobGenerate, clauseID, store.Millis(s.now()))))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE policy_redeem_clauses SET last_job_id = ? WHERE clause_id = ?`, id, clauseID)
		return errs.Wrap(err, "record generation")
	})
	return id, err
}

// listable refuses a clause that has no grant list. Errors: Conflict.
func listable(pol *policy.Policy, cl *policy.Clause) error {
	if cl.Mode != policy.ModeAutomatic {
		return errs.Errorf(errs.Conflict, "只有免申即享的条款生成兑现名单（本条款：%s，请通过申请兑现）", cl.Mode)
	}
	if pol.Status != policy.StatusPublished {
		return errs.Errorf(errs.Conflict, "政策%s，不能生成兑现名单", pol.Status)
	}
	return nil
}

// Generation returns the last generation job of clause clauseID's list
// (nil: never generated), for the list page's progress. Callers as for
// GenerateGrants. Errors: Unauthenticated, Forbidden, NotFound.
func (s *Service) Generation(ctx context.Context, a *auth.Actor, clauseID int64) (*jobs.Job, error) {
	if _, _, err := s.clauseFor(ctx, a, clauseID); err != nil {
		return nil, err
	}
	var id sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT last_job_id FROM policy_redeem_clauses WHERE clause_id = ?`, clauseID).Scan(&id)
	if err == sql.ErrNoRows || err == nil && !id.Valid {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap(err, "read generation")
	}
	return s.jobs.FindJobByID(ctx, id.Int64)
}

func (s *Service) runGenerate(ctx context.Context, j *jobs.Job) error {
	var p generatePayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(errs.Wrap(err, "decode "+j.Kind))
	}
	cl, pol, err := s.policy.FindCurrentClause(ctx, s.system, p.ClauseID)
	if errs.CodeOf(err) == errs.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if err := listable(pol, cl); err != nil {
		return jobs.Permanent(err)
	}
	res, err := s.generate(ctx, pol, cl, j)
	if err != nil {
		return err
	}
	_ = j.Progress(ctx, int64(res.Eligible), int64(res.Eligible), fmt.Sprintf("完成：新增 %d 家，此前已列入 %d 家，基数未知 %d 家", res.Added, res.Listed, res.UnknownBase))
	return nil
}

// Generate lists, now rather than in a job, every enterprise that clause
// clauseID fits and that is not listed yet (see GenerateGrants, whose
// callers and errors it shares; Unavailable while the policy engine loads).
// For tests and benchmarks.
func (s *Service) Generate(ctx context.Context, a *auth.Actor, clauseID int64) (GenerateResult, error) {
	cl, pol, err := s.clauseFor(ctx, a, clauseID)
	if err != nil {
		return GenerateResult{}, err
	}
	if err := listable(pol, cl); err != nil {
		return GenerateResult{}, err
	}
	return s.generate(ctx, pol, cl, nil)
}

// generateChunk is how many enterprises one read and one insert cover.
const generateChunk = 2000

// generate takes the candidates from the engine's snapshot, leaves out
// those listed already, re-reads the rest from the database in chunks —
// the registry's verified values: a self-reported value still under review
// is not in the enterprises table — and lists each the rule still fits with
// its amount and data, in one statement per chunk (insertGrants; ON
// CONFLICT DO NOTHING, so concurrent runs and instances list an enterprise
// once). It reports progress on j when not nil. Errors: Internal.
func (s *Service) generate(ctx context.Context, pol *policy.Policy, cl *policy.Clause, j *jobs.Job) (GenerateResult, error) {
	start := time.Now()
	var res GenerateResult
	eng := s.policy.Engine()
	select {
	case <-eng.Loaded():
	case <-ctx.Done():
		return res, errs.Wrap(ctx.Err(), "wait for the policy engine")
	}
	snap := eng.Table()
	ev := snap.Evaluate(cl.Rule)
	res.Eligible = int(ev.Eligible.GetCardinality())
	listed := roaring.New()
	rows, err := s.db.QueryContext(ctx, `SELECT enterprise_id FROM policy_grants WHERE clause_id = ?`, cl.ClauseID)
	if err != nil {
		return res, errs.Wrap(err, "read listed enterprises")
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return res, errs.Wrap(err, "read listed enterprises")
		}
		if row, ok := snap.Row(id); ok {
			listed.Add(row)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, errs.Wrap(err, "read listed enterprises")
	}
	res.Listed = int(listed.AndCardinality(ev.Eligible))
	ids := snap.IDs(roaring.AndNot(ev.Eligible, listed))
	slices.Sort(ids)
	today := s.today()
	fields := dataFields(cl)
	ms := store.Millis(s.now())
	common := []any{cl.ClauseID, cl.ID, pol.ID, holding(pol), OriginList, GrantListed, cl.Version, ms, ms, ms}
	var list listRows
	for at := 0; at < len(ids); at += generateChunk {
		chunk := ids[at:min(at+generateChunk, len(ids))]
		ents, err := policy.ReadEnterprises(ctx, s.db, chunk)
		if err != nil {
			return res, err
		}
		slices.SortFunc(ents, func(x, y *enterprise.Enterprise) int { return cmp.Compare(x.ID, y.ID) })
		list.reset()
		for _, e := range ents {
			if cl.Rule.Eval(e, today) != rule.Yes {
				res.Changed++
				continue
			}
			var amount int64
			if cl.Amount != nil {
				yuan, unknown := cl.Amount.For(e)
				if unknown {
					res.UnknownBase++
					continue
				}
				amount = yuan
			}
			list.add(e.ID, amount, jsonText(dataOf(e, fields, today)))
		}
		res.Changed += len(chunk) - len(ents) // deleted meanwhile
		if n := len(list.enterprises); n > 0 {
			added, err := insertGrants(ctx, s.db, common, &list)
			if err != nil {
				return res, err
			}
			res.Added += added
			res.Listed += n - added // listed meanwhile by another run
		}
		if j != nil {
			if err := j.Progress(ctx, int64(at+len(chunk)), int64(len(ids)), fmt.Sprintf("正在生成“%s · %s”兑现名单", pol.Title, cl.Title)); err != nil {
				return res, err
			}
		}
	}
	res.TookMS = float64(time.Since(start).Microseconds()) / 1000
	if res.Added > 0 {
		if err := s.record(ctx, s.db, "grant_list", cl.ClauseID, "generate", nil, res); err != nil {
			return res, err
		}
	}
	return res, nil
}

// listRows are the rows of one chunk of a generation, by column: what
// differs between the grants of a list.
type listRows struct {
	enterprises, amounts []int64
	data                 []string
}

func (l *listRows) reset() {
	l.enterprises, l.amounts, l.data = l.enterprises[:0], l.amounts[:0], l.data[:0]
}

func (l *listRows) add(enterprise, amount int64, data string) {
	l.enterprises, l.amounts, l.data = append(l.enterprises, enterprise), append(l.amounts, amount), append(l.data, data)
}

// insertGrants lists the rows of l (common: clause, clause version,
// policy, unit, origin, status, rule version and the three instants, the
// same for every row) in one statement that skips an enterprise listed
// already (rowsFrom), and returns how many it added. Errors: Internal.
func insertGrants(ctx context.Context, db *store.DB, common []any, l *listRows) (int, error) {
	if db.Dialect() == store.Postgres {
		return insertGrantRows(ctx, db, common, l.enterprises, l.amounts, l.data)
	}
	// SQLite: a VALUES list of the whole chunk would be a statement text of
	// its own, parsed afresh every chunk (a fifth of generation's CPU);
	// parts of sqliteGrantRows rows share one text, prepared once and kept
	// by the store, in one transaction for the chunk.
	added := 0
	err := db.InTx(ctx, func(tx *store.Tx) error {
		added = 0
		for at := 0; at < len(l.enterprises); at += sqliteGrantRows {
			end := min(at+sqliteGrantRows, len(l.enterprises))
			n, err := insertGrantRows(ctx, tx, common, l.enterprises[at:end], l.amounts[at:end], l.data[at:end])
			if err != nil {
				return err
			}
			added += n
		}
		return nil
	})
	return added, err
}

// sqliteGrantRows is how many grants one SQLite INSERT writes: its text
// stays under the store's limit for statements it keeps prepared.
const sqliteGrantRows = 50

// insertGrantRows writes grants of enterprises with their amounts and data
// in one statement, unless listed already; it returns how many it added.
func insertGrantRows(ctx context.Context, q store.Querier, common []any, enterprises, amounts []int64, data []string) (int, error) {
	from, rows := rowsFrom(q.Dialect(), len(enterprises), enterprises, amounts, data)
	args := append(append(make([]any, 0, len(common)+len(rows)), common...), rows...)
	r, err := q.ExecContext(ctx, `INSERT INTO policy_grants (clause_id, clause_version_id, policy_id, unit_id, origin, status, rule_version,
		generated_at, created_at, updated_at, enterprise_id, amount, data)
		SELECT CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS INTEGER),
		CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), v.column1, v.column2, v.column3 FROM `+from+`
		WHERE true ON CONFLICT (clause_id, enterprise_id) DO NOTHING`, args...)
	if err != nil {
		return 0, errs.Wrap(err, "list grants")
	}
	added, _ := r.RowsAffected()
	return int(added), nil
}

// dataFields are the fields a grant's data snapshot keeps: those the rule
// reads, the amount's base and the budget's order field.
func dataFields(cl *policy.Clause) []string {
	fields := cl.Rule.Fields()
	add := func(f string) {
		if f != "" && !slices.Contains(fields, f) {
			fields = append(fields, f)
		}
	}
	if cl.Amount != nil {
		add(cl.Amount.Of)
	}
	add(strings.TrimPrefix(cl.BudgetOrder, "-"))
	return fields
}

// dataOf returns the values of fields in e (nil: unknown), as the data
// snapshot of a grant or application.
func dataOf(e *enterprise.Enterprise, fields []string, today workday.Date) map[string]any {
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		out[f] = fieldValue(e, f, today)
	}
	return out
}

// fieldValue is the value of field f of e, nil when unknown.
func fieldValue(e *enterprise.Enterprise, f string, today workday.Date) any {
	str := func(p *string) any {
		if p == nil {
			return nil
		}
		return *p
	}
	num := func(p *int64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	switch f {
	case "uscc":
		return e.USCC
	case "name":
		return e.Name
	case "kind":
		return str(e.Kind)
	case "industry":
		return str(e.Industry)
	case "district":
		return str(e.District)
	case "street":
		return str(e.Street)
	case "founded":
		if e.Founded == nil {
			return nil
		}
		return e.Founded.String()
	case "age_years":
		return num(e.AgeYears(today))
	case "registered_capital":
		return num(e.RegisteredCapital)
	case "employees":
		return num(e.Employees)
	case "revenue":
		return num(e.Revenue)
	case "rd_expense":
		return num(e.RDExpense)
	case "tax_paid":
		return num(e.TaxPaid)
	case "export_value":
		return num(e.ExportValue)
	case "total_assets":
		return num(e.TotalAssets)
	case "tags":
		if e.Tags == nil {
			return nil
		}
		return e.Tags
	case "credit":
		return str(e.Credit)
	case "status":
		return str(e.Status)
	case "size":
		return str(e.Size)
	}
	return nil
}

// ---- Review ----

// ReviewResult says what a review did.
type ReviewResult struct {
	Approved       int    `json:"approved"`        // grants approved
	ApprovedAmount int64  `json:"approved_amount"` // their amounts, yuan
	Reduced        int    `json:"reduced"`         // approved for less than computed (按比例)
	Cut            int    `json:"cut"`             // excluded because the budget did not hold them
	Status         string `json:"status"`          // where the approved went: 待会签, 待确认 or 已确认
}

// needsConfirm reports whether a grant of cl under pol waits for the
// enterprise: to give its account (money) or sign the pledge.
func needsConfirm(pol *policy.Policy, cl *policy.Clause) bool {
	return cl.Amount != nil || strings.TrimSpace(pol.Pledge) != ""
}

// pendingGrant is a grant under review, as the budget rule sees it: its
// amount and, for a rule ordered by a field, that field's value.
type pendingGrant struct {
	id, amount int64
	key        string // orderValue of the budget's order field
	keyed      bool   // whether the grant has a value for it
}

// ChunkRows is how many rows approval and the bank import read, write and
// audit at a time, so that their memory does not grow with the list.
const ChunkRows = 2000

// ApproveGrants approves every 待审核 grant of 免申即享 clause clauseID:
// the clause's budget is applied with its cutting rule (grants it cannot
// hold are excluded, 预算不足; 按比例 reduces every amount alike), and the
// approved grants wait for the office's countersignature when that is
// configured, else for the enterprises' confirmation (who are told), or
// are confirmed at once when there is neither money nor a pledge. Those who
// redeem the clause may call it. Errors: Unauthenticated, Forbidden,
// NotFound, Conflict (nothing to approve; not a published 免申即享 clause).
//
// The list is approved in one transaction (all of it or none), read,
// updated and audited ChunkRows grants at a time in listing order: only a
// list cut by a field's order is held whole, as (id, amount, value).
func (s *Service) ApproveGrants(ctx context.Context, a *auth.Actor, clauseID int64) (*ReviewResult, error) {
	cl, pol, err := s.clauseFor(ctx, a, clauseID)
	if err != nil {
		return nil, err
	}
	if err := listable(pol, cl); err != nil {
		return nil, err
	}
	today := s.today()
	var out *ReviewResult
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		out = &ReviewResult{Status: s.afterApproval(pol, cl)}
		used, err := lockClause(ctx, tx, clauseID)
		if err != nil {
			return err
		}
		// The list as it stands now: grants listed later (a generation
		// running beside) are left for the next review.
		var n int
		var total, last int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(COALESCE(approved_amount, amount)), 0), COALESCE(MAX(id), 0)
			FROM policy_grants WHERE clause_id = ? AND status = ?`, clauseID, GrantListed).Scan(&n, &total, &last); err != nil {
			return errs.Wrap(err, "read grants")
		}
		if n == 0 {
			return errs.Errorf(errs.Conflict, "没有待审核的兑现名单")
		}
		al, err := newAllotter(ctx, tx, cl, used, total, last)
		if err != nil {
			return err
		}
		why, ms := budgetCutReason(cl), store.Millis(s.now())
		for after := int64(0); ; {
			part, err := pendingGrants(ctx, tx, clauseID, GrantListed, after, last, s.chunk, "")
			if err != nil {
				return err
			}
			if len(part) == 0 {
				break
			}
			after = part[len(part)-1].id
			ok := make([]approval, 0, len(part))
			var cut []int64
			changes := make([]audit.Change, 0, len(part))
			for _, g := range part {
				amount := al.amount(g)
				if amount < 0 {
					cut = append(cut, g.id)
					changes = append(changes, audit.Change{Entity: "grant", EntityID: itoa(g.id), Action: "exclude",
						Before: map[string]any{"status": GrantListed}, After: map[string]any{"status": GrantExcluded, "reason": why}})
					continue
				}
				if amount < g.amount {
					out.Reduced++
				}
				ok = append(ok, approval{id: g.id, amount: amount})
				out.ApprovedAmount += amount
				changes = append(changes, audit.Change{Entity: "grant", EntityID: itoa(g.id), Action: "approve",
					Before: map[string]any{"status": GrantListed, "amount": g.amount}, After: map[string]any{"status": out.Status, "approved_amount": amount}})
			}
			out.Approved, out.Cut = out.Approved+len(ok), out.Cut+len(cut)
			if err := s.approve(ctx, tx, ok, out.Status, a.PersonRef(), today); err != nil {
				return err
			}
			if err := excludeIDs(ctx, tx, cut, why, a.PersonRef(), ms); err != nil {
				return err
			}
			if err := s.recordMany(ctx, tx, changes); err != nil {
				return err
			}
		}
		if err := useBudget(ctx, tx, clauseID, cl.Budget, out.ApprovedAmount); err != nil {
			return err
		}
		if out.Status == GrantConfirming && out.Approved > 0 {
			return s.enqueueNotify(ctx, tx, clauseID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// afterApproval is the status an approved grant of cl takes.
func (s *Service) afterApproval(pol *policy.Policy, cl *policy.Clause) string {
	switch {
	case s.countersign:
		return GrantCountersign
	case needsConfirm(pol, cl):
		return GrantConfirming
	}
	return GrantConfirmed
}

func budgetCutReason(cl *policy.Clause) string {
	return "预算不足：" + cl.BudgetText()
}

// approval is a grant approved for amount.
type approval struct {
	id, amount int64
}

// pendingGrants reads at most limit (0: all) grants of clauseID in status
// with an id in (after, last], in listing order; with a field, each with
// that field's value in its data (the budget's order).
func pendingGrants(ctx context.Context, tx *store.Tx, clauseID int64, status string, after, last int64, limit int,
	field string) ([]pendingGrant, error) {
	data := "''"
	if field != "" {
		data = "data"
	}
	q := `SELECT id, COALESCE(approved_amount, amount), ` + data + ` FROM policy_grants
		WHERE clause_id = ? AND status = ? AND id > ? AND id <= ? ORDER BY id`
	args := []any{clauseID, status, after, last}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrap(err, "read grants")
	}
	defer rows.Close()
	var out []pendingGrant
	var text string
	for rows.Next() {
		var g pendingGrant
		if err := rows.Scan(&g.id, &g.amount, &text); err != nil {
			return nil, errs.Wrap(err, "read grants")
		}
		if field != "" {
			var m map[string]any
			d := json.NewDecoder(strings.NewReader(text))
			d.UseNumber()
			_ = d.Decode(&m)
			g.key, g.keyed = orderValue(m[field])
		}
		out = append(out, g)
	}
	return out, errs.Wrap(rows.Err(), "read grants")
}

// approve moves the grants ok (still in a review state) to status, with
// their approved amounts, in chunks of one statement each.
func (s *Service) approve(ctx context.Context, tx *store.Tx, ok []approval, status string, by *int64, today workday.Date) error {
	ms := store.Millis(s.now())
	var confirmBy, payable any
	switch status {
	case GrantConfirming:
		confirmBy = s.cal.AddWorkdays(today, s.confirmDays).String()
	case GrantConfirmed:
		payable = today.String()
	}
	const chunk = 400
	for at := 0; at < len(ok); at += chunk {
		part := ok[at:min(at+chunk, len(ok))]
		ids, amounts := make([]int64, len(part)), make([]int64, len(part))
		for i, g := range part {
			ids[i], amounts[i] = g.id, g.amount
		}
		from, rows := rowsFrom(tx.Dialect(), len(part), ids, amounts)
		in, keys := keyIn(tx.Dialect(), "policy_grants.id", ids)
		args := append(append([]any{status, today.String(), by, confirmBy, payable, ms}, rows...), keys...)
		res, err := tx.ExecContext(ctx, `UPDATE policy_grants SET status = ?, approved_amount = v.column2, approved_on = ?, reviewed_by = COALESCE(?, reviewed_by),
			confirm_by = ?, payable_on = ?, reason = '', updated_at = ?
			FROM `+from+`
			WHERE policy_grants.id = v.column1 AND policy_grants.status IN ('待审核', '待会签', '已排除')`+in, args...)
		if err != nil {
			return errs.Wrap(err, "approve grants")
		}
		if n, _ := res.RowsAffected(); int(n) != len(part) {
			return errs.Errorf(errs.Conflict, "名单已被他人修改，请刷新后重试")
		}
	}
	return nil
}

// excludeIDs marks grants ids excluded with reason.
func excludeIDs(ctx context.Context, tx *store.Tx, ids []int64, why string, by *int64, ms int64) error {
	const chunk = 500
	for at := 0; at < len(ids); at += chunk {
		part := ids[at:min(at+chunk, len(ids))]
		_, err := tx.ExecContext(ctx, `UPDATE policy_grants SET status = ?, reason = ?, reviewed_by = COALESCE(?, reviewed_by), approved_amount = NULL,
			updated_at = ? WHERE id IN (`+store.Placeholders(len(part))+`)`, append([]any{GrantExcluded, why, by, ms}, int64Args(part)...)...)
		if err != nil {
			return errs.Wrap(err, "exclude grants")
		}
	}
	return nil
}

// allotter applies cl's budget, of which used is committed already, to a
// list of total yuan read in listing order: amount returns each grant's
// approved amount, -1 for a grant the budget cannot hold. Without a
// budget, or when everything fits, every grant gets its amount; otherwise
// 按比例 scales every amount by remaining ÷ total (rounded down, so the sum
// never passes the budget), 先到先得 grants in listing order and 按字段排序
// in the order of the field, each while the remainder holds the next grant
// whole.
type allotter struct {
	all              bool // every grant gets its amount
	rule             string
	remaining, total int64
	full             bool
	cut              map[int64]bool // 按字段排序: decided beforehand
}

// newAllotter prepares the budget rule for the grants of cl listed in
// status 待审核 up to id last; for 按字段排序 it reads their order values.
func newAllotter(ctx context.Context, tx *store.Tx, cl *policy.Clause, used, total, last int64) (*allotter, error) {
	al := &allotter{total: total, all: true}
	if cl.Budget == nil {
		return al, nil
	}
	al.remaining = max(*cl.Budget-used, 0)
	if total <= al.remaining {
		return al, nil
	}
	al.all = false
	al.rule = cl.BudgetRule
	if al.rule != policy.BudgetByField {
		return al, nil
	}
	field, desc := strings.CutPrefix(cl.BudgetOrder, "-")
	list, err := pendingGrants(ctx, tx, cl.ClauseID, GrantListed, 0, last, 0, field)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(list, func(x, y pendingGrant) int {
		switch {
		case !x.keyed && !y.keyed:
			return 0
		case !x.keyed:
			return 1 // unknown last
		case !y.keyed:
			return -1
		}
		c := strings.Compare(x.key, y.key)
		if desc {
			c = -c
		}
		return c
	})
	al.cut = map[int64]bool{}
	for _, g := range list {
		if !al.full && g.amount <= al.remaining {
			al.remaining -= g.amount
			continue
		}
		al.full = true // 额满为止: no later grant jumps the queue
		al.cut[g.id] = true
	}
	return al, nil
}

// amount is g's approved amount, -1 when it is cut; grants come in listing
// order.
func (al *allotter) amount(g pendingGrant) int64 {
	switch {
	case al.all:
		return g.amount
	case al.rule == policy.BudgetProRata:
		hi, lo := bits.Mul64(uint64(g.amount), uint64(al.remaining))
		q, _ := bits.Div64(hi, lo, uint64(al.total))
		return int64(q)
	case al.rule == policy.BudgetByField:
		if al.cut[g.id] {
			return -1
		}
		return g.amount
	}
	if !al.full && g.amount <= al.remaining {
		al.remaining -= g.amount
		return g.amount
	}
	al.full = true
	return -1
}

// orderValue makes a data value comparable as a string: numbers padded so
// that they sort as numbers (non-negative ones; money and counts are), dates
// as they are.
func orderValue(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case json.Number:
		n, err := x.Int64()
		if err != nil {
			return "", false
		}
		if n < 0 {
			return fmt.Sprintf("-%019d", -n), true // below every non-negative value
		}
		return fmt.Sprintf("0%019d", n), true
	case string:
		return x, true
	}
	return "", false
}

// ExcludeGrants excludes grants ids of clause clauseID's list from review
// (待审核 → 已排除) with a reason the enterprise sees; it returns how many it
// excluded (grants no longer 待审核 are left). Those who redeem the clause
// may call it. Errors: Unauthenticated, Forbidden, NotFound, Invalid (no
// reason, no grant), Conflict (none was 待审核).
func (s *Service) ExcludeGrants(ctx context.Context, a *auth.Actor, clauseID int64, ids []int64, why string) (int, error) {
	if _, _, err := s.clauseFor(ctx, a, clauseID); err != nil {
		return 0, err
	}
	why, err := reason("reason", "排除理由", why)
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, errs.FieldErrorf("ids", "请选择要排除的企业")
	}
	if len(ids) > 10000 {
		return 0, errs.FieldErrorf("ids", "一次最多排除 10000 家")
	}
	n := 0
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := lockClause(ctx, tx, clauseID); err != nil {
			return err
		}
		ms := store.Millis(s.now())
		var changes []audit.Change
		for at := 0; at < len(ids); at += 500 {
			part := ids[at:min(at+500, len(ids))]
			rows, err := tx.QueryContext(ctx, `UPDATE policy_grants SET status = ?, reason = ?, reviewed_by = ?, updated_at = ?
				WHERE clause_id = ? AND status = ? AND id IN (`+store.Placeholders(len(part))+`) RETURNING id`,
				append([]any{GrantExcluded, why, a.PersonRef(), ms, clauseID, GrantListed}, int64Args(part)...)...)
			if err != nil {
				return errs.Wrap(err, "exclude grants")
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return errs.Wrap(err, "exclude grants")
				}
				n++
				changes = append(changes, audit.Change{Entity: "grant", EntityID: itoa(id), Action: "exclude",
					Before: map[string]any{"status": GrantListed}, After: map[string]any{"status": GrantExcluded, "reason": why}})
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return errs.Wrap(err, "exclude grants")
			}
		}
		if n == 0 {
			return errs.Errorf(errs.Conflict, "所选企业均不在待审核名单中")
		}
		return s.recordMany(ctx, tx, changes)
	})
	return n, err
}

// ListPermitted is what an actor may do with a clause's grant list.
type ListPermitted struct {
	Generate    bool `json:"generate"`    // GenerateGrants, ApproveGrants, ExcludeGrants: the redeeming unit, a published 免申即享 clause
	Countersign bool `json:"countersign"` // Countersign: the office, when configured
	View        bool `json:"view"`        // FindGrants of the clause
}

// ListPermittedTo returns what a may do with the grant list of cl (of pol).
func (s *Service) ListPermittedTo(ctx context.Context, a *auth.Actor, pol *policy.Policy, cl *policy.Clause) ListPermitted {
	res, err := s.resource(ctx, holding(pol), 0)
	if err != nil {
		return ListPermitted{}
	}
	ok := listable(pol, cl) == nil
	return ListPermitted{
		Generate:    ok && a.Can(auth.RedeemPolicies, res),
		Countersign: ok && s.countersign && a.Can(auth.CountersignGrants, res),
		View:        cl.Mode == policy.ModeAutomatic && a.Can(auth.ViewRedemption, res) && a.Role != auth.RoleEnterprise,
	}
}

// Countersign decides on the approved grants of clause clauseID waiting for
// the office (待会签): approve sends them on to the enterprises (or confirms
// them when nothing is to be confirmed), reject returns them to the unit's
// review with note (their budget released). Administrators may call it
// (auth.CountersignGrants), but not on grants they approved themselves
// (四眼原则) unless self-review is allowed. Errors: Unauthenticated,
// Forbidden, NotFound, Invalid (reject without a note), Conflict (nothing
// waits).
func (s *Service) Countersign(ctx context.Context, a *auth.Actor, clauseID int64, approve bool, note string) (*ReviewResult, error) {
	if err := auth.AuthorizeSome(a, auth.CountersignGrants); err != nil {
		return nil, err
	}
	cl, pol, err := s.policy.FindCurrentClause(ctx, a, clauseID)
	if err != nil {
		return nil, err
	}
	if !approve {
		if note, err = reason("note", "退回理由", note); err != nil {
			return nil, err
		}
	}
	next := GrantListed
	if approve {
		next = GrantConfirmed
		if needsConfirm(pol, cl) {
			next = GrantConfirming
		}
	}
	out := &ReviewResult{Status: next}
	today := s.today()
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := lockClause(ctx, tx, clauseID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, approved_amount, reviewed_by FROM policy_grants WHERE clause_id = ? AND status = ? ORDER BY id`,
			clauseID, GrantCountersign)
		if err != nil {
			return errs.Wrap(err, "read grants")
		}
		var list []approval
		own := false
		for rows.Next() {
			var g approval
			var amount sql.NullInt64
			var by sql.NullInt64
			if err := rows.Scan(&g.id, &amount, &by); err != nil {
				rows.Close()
				return errs.Wrap(err, "read grants")
			}
			g.amount = amount.Int64
			own = own || by.Valid && a.Person() != 0 && by.Int64 == a.Person()
			list = append(list, g)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrap(err, "read grants")
		}
		if len(list) == 0 {
			return errs.Errorf(errs.Conflict, "没有待会签的兑现名单")
		}
		if own && !s.selfReview {
			return errs.Errorf(errs.Forbidden, "名单由您审核通过，须由另一位管理员会签（四眼原则）")
		}
		var changes []audit.Change
		var sum int64
		for _, g := range list {
			sum += g.amount
			action := "countersign"
			if !approve {
				action = "countersign.reject"
			}
			changes = append(changes, audit.Change{Entity: "grant", EntityID: itoa(g.id), Action: action,
				Before: map[string]any{"status": GrantCountersign}, After: map[string]any{"status": next, "note": note}})
		}
		out.Approved, out.ApprovedAmount = len(list), sum
		ms := store.Millis(s.now())
		if approve {
			if err := s.approve(ctx, tx, list, next, nil, today); err != nil {
				return err
			}
			for at := 0; at < len(list); at += 500 {
				part := list[at:min(at+500, len(list))]
				ids := make([]any, 0, len(part)+2)
				ids = append(ids, a.PersonRef(), ms)
				for _, g := range part {
					ids = append(ids, g.id)
				}
				if _, err := tx.ExecContext(ctx, `UPDATE policy_grants SET countersigned_by = ?, updated_at = ? WHERE id IN (`+store.Placeholders(len(part))+`)`, ids...); err != nil {
					return errs.Wrap(err, "countersign")
				}
			}
		} else {
			if err := useBudget(ctx, tx, clauseID, nil, -sum); err != nil {
				return err
			}
			for at := 0; at < len(list); at += 500 {
				part := list[at:min(at+500, len(list))]
				ids := make([]any, 0, len(part)+4)
				ids = append(ids, GrantListed, "会签退回："+note, ms, GrantCountersign)
				for _, g := range part {
					ids = append(ids, g.id)
				}
				if _, err := tx.ExecContext(ctx, `UPDATE policy_grants SET status = ?, reason = ?, approved_amount = NULL, approved_on = NULL, updated_at = ?
					WHERE status = ? AND id IN (`+store.Placeholders(len(part))+`)`, ids...); err != nil {
					return errs.Wrap(err, "return grants")
				}
			}
		}
		if err := s.recordMany(ctx, tx, changes); err != nil {
			return err
		}
		if next == GrantConfirming {
			return s.enqueueNotify(ctx, tx, clauseID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CountersignQueue lists the clauses whose approved lists wait for the
// office, with how many grants and how much. Administrators may call it.
// Errors: Unauthenticated, Forbidden.
func (s *Service) CountersignQueue(ctx context.Context, a *auth.Actor) ([]ClauseCount, error) {
	if err := auth.AuthorizeSome(a, auth.CountersignGrants); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT t.clause_id, t.policy_id, p.title, MAX(c.title), COUNT(*), COALESCE(SUM(t.approved_amount), 0)
		FROM policy_grants t JOIN policies p ON p.id = t.policy_id JOIN policy_clauses c ON c.id = t.clause_version_id
		WHERE t.status = ? GROUP BY t.clause_id, t.policy_id, p.title ORDER BY t.clause_id`, GrantCountersign)
	if err != nil {
		return nil, errs.Wrap(err, "read countersign queue")
	}
	defer rows.Close()
	out := []ClauseCount{}
	for rows.Next() {
		var c ClauseCount
		if err := rows.Scan(&c.ClauseID, &c.PolicyID, &c.PolicyTitle, &c.ClauseTitle, &c.Count, &c.Amount); err != nil {
			return nil, errs.Wrap(err, "read countersign queue")
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "read countersign queue")
}

// ClauseCount is a number of records of one clause and their amount.
type ClauseCount struct {
	ClauseID    int64  `json:"clause_id"`
	PolicyID    int64  `json:"policy_id"`
	PolicyTitle string `json:"policy_title"`
	ClauseTitle string `json:"clause_title"`
	Count       int    `json:"count"`
	Amount      int64  `json:"amount"`
}

// ---- Notification, confirmation, expiry ----

type notifyPayload struct {
	ClauseID int64 `json:"clause_id"`
}

func (s *Service) enqueueNotify(ctx context.Context, tx *store.Tx, clauseID int64) error {
	if s.jobs == nil {
		return nil
	}
	_, err := s.jobs.Enqueue(ctx, tx, JobNotifyGrants, notifyPayload{ClauseID: clauseID},
		jobs.UniqueKey(fmt.Sprintf("%s:%d:%d", JobNotifyGrants, clauseID, store.Millis(s.now()))))
	return err
}

// runNotifyGrants tells every enterprise of the clause whose grant waits
// for its confirmation, once per grant (the notification's dedupe key), in
// batches with progress.
func (s *Service) runNotifyGrants(ctx context.Context, j *jobs.Job) error {
	var p notifyPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(errs.Wrap(err, "decode "+j.Kind))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.enterprise_id, COALESCE(t.approved_amount, t.amount), t.confirm_by, p.title, c.title, p.pledge
		FROM policy_grants t JOIN policies p ON p.id = t.policy_id JOIN policy_clauses c ON c.id = t.clause_version_id
		WHERE t.clause_id = ? AND t.status = ? ORDER BY t.id`, p.ClauseID, GrantConfirming)
	if err != nil {
		return errs.Wrap(err, "read grants to notify")
	}
	type item struct {
		id, enterprise, amount int64
		by                     workday.Date
		policy, clause, pledge string
	}
	var list []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.enterprise, &it.amount, &it.by, &it.policy, &it.clause, &it.pledge); err != nil {
			rows.Close()
			return errs.Wrap(err, "read grants to notify")
		}
		list = append(list, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "read grants to notify")
	}
	const batch = 500
	for at := 0; at < len(list); at += batch {
		part := list[at:min(at+batch, len(list))]
		ns := make([]notify.Notification, 0, len(part))
		for _, it := range part {
			what := "收款账户"
			if strings.TrimSpace(it.pledge) != "" {
				what = "收款账户并签署信用承诺"
			}
			eid := it.enterprise
			ns = append(ns, notify.Notification{EnterpriseID: &eid, Kind: KindGrant, Title: fmt.Sprintf("兑现通知：贵企业可享受“%s”", it.policy),
				Body: fmt.Sprintf("条款：%s\n核定金额：%s\n请于%s前在“我的兑现”中确认%s，逾期未确认视为放弃。", it.clause, money.FormatWan(it.amount), it.by.Chinese(), what),
				Link: fmt.Sprintf("/grants/%d", it.id), DedupeKey: fmt.Sprintf("redeem.grant:%d:confirm", it.id)})
		}
		if s.notify != nil {
			if _, _, err := s.notify.NotifyMany(ctx, s.db, ns); err != nil {
				return err
			}
		}
		if err := j.Progress(ctx, int64(at+len(part)), int64(len(list)), "通知企业确认兑现"); err != nil {
			return err
		}
	}
	return nil
}

// Confirmation is an enterprise's confirmation of a grant: its agreement
// to the policy's credit pledge (信用承诺) when the policy has one, and the
// account to pay when the grant carries money.
type Confirmation struct {
	Agree   bool    `json:"agree"`
	Account Account `json:"account"`
}

// CheckConfirmation checks an enterprise's confirmation of a grant worth
// due under a policy whose pledge text is pledge, for the enterprise
// registered as name: the pledge must be agreed to when there is one, and
// an account given (ParseAccount) when there is money. It returns the
// pledge as signed ("" for none) and the account (zero without money).
// Errors: Invalid on agree or the account's fields.
func CheckConfirmation(pledge string, due int64, name string, in Confirmation) (string, Account, error) {
	pledge = strings.TrimSpace(pledge)
	if pledge != "" && !in.Agree {
		return "", Account{}, errs.FieldErrorf("agree", "请阅读并同意信用承诺书")
	}
	if due <= 0 {
		return pledge, Account{}, nil
	}
	acct, err := ParseAccount(in.Account, name)
	return pledge, acct, err
}

// ConfirmGrant records enterprise's confirmation of grant id (待确认 →
// 已确认): the pledge signed, the account checked (ParseAccount) — and
// creates the grant's first payment (in full, or the pre-payment), due
// within the payment limit from today. The enterprise's own accounts may
// call it (auth.ClaimBenefits), until the confirmation deadline. Errors:
// Unauthenticated, Forbidden, NotFound, Invalid (pledge not agreed,
// account), Conflict (not waiting for confirmation, past the deadline).
func (s *Service) ConfirmGrant(ctx context.Context, a *auth.Actor, id int64, in Confirmation) (*Grant, error) {
	g, err := s.FindGrantByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.ClaimBenefits, g.Resource()); err != nil {
		return nil, err
	}
	if g.Status != GrantConfirming {
		return nil, errs.Errorf(errs.Conflict, "该兑现当前为“%s”，无需确认", g.Status)
	}
	today := s.today()
	if g.ConfirmBy != nil && today > *g.ConfirmBy {
		return nil, errs.Errorf(errs.Conflict, "确认期限（%s）已过，兑现已失效；如有异议请提出异议", g.ConfirmBy.Chinese())
	}
	cl, pol, err := s.policy.FindClauseByID(ctx, s.system, g.ClauseVersionID)
	if err != nil {
		return nil, err
	}
	pledge, acct, err := CheckConfirmation(pol.Pledge, g.Due(), g.EnterpriseName, in)
	if err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE policy_grants SET status = ?, confirmed_at = ?, confirmed_by = ?, pledge = ?, payee_name = ?,
			payee_account = ?, payee_bank = ?, payable_on = ?, updated_at = ? WHERE id = ? AND status = ?`,
			GrantConfirmed, store.Millis(s.now()), a.PersonRef(), pledge, acct.Name, acct.Number, acct.Bank, today.String(), store.Millis(s.now()),
			id, GrantConfirming)
		if err != nil {
			return errs.Wrap(err, "confirm grant")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Errorf(errs.Conflict, "该兑现已被确认或已失效，请刷新")
		}
		g.Account, g.PayableOn = acct, &today
		if err := s.firstPayment(ctx, tx, g, cl, today); err != nil {
			return err
		}
		return s.record(ctx, tx, "grant", id, "confirm", map[string]any{"status": GrantConfirming},
			map[string]any{"status": GrantConfirmed, "account": acct.MaskedNumber(), "bank": acct.Bank, "pledge": pledge != ""})
	})
	if err != nil {
		return nil, err
	}
	return s.FindGrantByID(ctx, a, id)
}

func (s *Service) runExpire(ctx context.Context, _ *jobs.Job) error {
	_, err := s.Expire(ctx)
	return err
}

// ExpireResult counts what Expire did.
type ExpireResult struct {
	Expired  int `json:"expired"`
	Reminded int `json:"reminded"`
}

// Expire expires the grants whose confirmation deadline has passed (待确认
// → 已过期; their budget released; the enterprise told) and reminds the
// enterprises whose deadline is within two working days (once then, once on
// the last day). The daily job calls it; the system acts. Errors: Internal.
func (s *Service) Expire(ctx context.Context) (ExpireResult, error) {
	var res ExpireResult
	today := s.today()
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.clause_id, t.enterprise_id, COALESCE(t.approved_amount, 0), t.confirm_by, p.title
		FROM policy_grants t JOIN policies p ON p.id = t.policy_id
		WHERE t.status = ? AND t.confirm_by <= ? ORDER BY t.clause_id, t.id`, GrantConfirming, s.cal.AddWorkdays(today, 2).String())
	if err != nil {
		return res, errs.Wrap(err, "read grants to expire")
	}
	type item struct {
		id, clause, enterprise, amount int64
		by                             workday.Date
		policy                         string
	}
	var list []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.clause, &it.enterprise, &it.amount, &it.by, &it.policy); err != nil {
			rows.Close()
			return res, errs.Wrap(err, "read grants to expire")
		}
		list = append(list, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, errs.Wrap(err, "read grants to expire")
	}
	for _, it := range list {
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			link := fmt.Sprintf("/grants/%d", it.id)
			if it.by >= today {
				stage, when := "soon", "即将到期"
				if it.by == today {
					stage, when = "last", "今日到期"
				}
				if err := s.tell(ctx, tx, it.enterprise, KindGrant, fmt.Sprintf("提醒：“%s”兑现确认%s", it.policy, when),
					fmt.Sprintf("请于%s前确认收款账户，逾期未确认视为放弃。", it.by.Chinese()), link,
					fmt.Sprintf("redeem.grant:%d:remind:%s", it.id, stage)); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `UPDATE policy_grants SET reminded_at = ? WHERE id = ?`, store.Millis(s.now()), it.id)
				res.Reminded++
				return errs.Wrap(err, "remind grant")
			}
			if _, err := lockClause(ctx, tx, it.clause); err != nil {
				return err
			}
			r, err := tx.ExecContext(ctx, `UPDATE policy_grants SET status = ?, reason = ?, updated_at = ? WHERE id = ? AND status = ?`,
				GrantExpired, "逾期未确认", store.Millis(s.now()), it.id, GrantConfirming)
			if err != nil {
				return errs.Wrap(err, "expire grant")
			}
			if n, _ := r.RowsAffected(); n == 0 {
				return nil // confirmed meanwhile
			}
			res.Expired++
			if err := useBudget(ctx, tx, it.clause, nil, -it.amount); err != nil {
				return err
			}
			if err := s.record(ctx, tx, "grant", it.id, "expire", map[string]any{"status": GrantConfirming, "confirm_by": it.by},
				map[string]any{"status": GrantExpired}); err != nil {
				return err
			}
			return s.tell(ctx, tx, it.enterprise, KindGrant, fmt.Sprintf("“%s”兑现已失效", it.policy),
				fmt.Sprintf("确认期限（%s）已过，未确认的兑现已失效。如有异议，可在“我的兑现”中提出。", it.by.Chinese()), link,
				fmt.Sprintf("redeem.grant:%d:expired", it.id))
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// ListSummary is a clause's grants counted by status, with their amounts
// and the clause's budget.
type ListSummary struct {
	Counts     map[string]int   `json:"counts"`
	Amounts    map[string]int64 `json:"amounts"` // approved where approved, else computed
	Total      int              `json:"total"`
	Budget     *int64           `json:"budget"`
	BudgetUsed int64            `json:"budget_used"`
}

// SummarizeList counts the grants of clause clauseID by status. Those who
// may read the clause's list may call it (the office, leaders, its
// redeeming unit and the units above). Errors: Unauthenticated, Forbidden,
// NotFound.
func (s *Service) SummarizeList(ctx context.Context, a *auth.Actor, clauseID int64) (*ListSummary, error) {
	if err := auth.Authenticated(a); err != nil {
		return nil, err
	}
	cl, pol, err := s.policy.FindCurrentClause(ctx, a, clauseID)
	if err != nil {
		return nil, err
	}
	if !s.ListPermittedTo(ctx, a, pol, cl).View {
		return nil, errs.Errorf(errs.Forbidden, "无权查看本条款的兑现名单")
	}
	out := &ListSummary{Counts: map[string]int{}, Amounts: map[string]int64{}, Budget: cl.Budget}
	rows, err := s.db.QueryContext(ctx, `SELECT status, COUNT(*), COALESCE(SUM(COALESCE(final_amount, approved_amount, amount)), 0)
		FROM policy_grants WHERE clause_id = ? GROUP BY status`, clauseID)
	if err != nil {
		return nil, errs.Wrap(err, "count grants")
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		var amount int64
		if err := rows.Scan(&st, &n, &amount); err != nil {
			return nil, errs.Wrap(err, "count grants")
		}
		out.Counts[st], out.Amounts[st] = n, amount
		out.Total += n
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "count grants")
	}
	err = s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(budget_used), 0) FROM policy_redeem_clauses WHERE clause_id = ?`, clauseID).Scan(&out.BudgetUsed)
	return out, errs.Wrap(err, "read budget")
}

// GrantExportHeaders are the columns of a grant list's export.
var GrantExportHeaders = []string{"统一社会信用代码", "企业名称", "状态", "计算金额（元）", "核定金额（元）", "已拨付（元）", "原因", "确认期限", "列入时间"}

// ExportGrants writes the whole grant list of clause clauseID as xlsx, in
// listing order, every text cell through sheet.Escape. Callers and errors
// as for SummarizeList.
func (s *Service) ExportGrants(ctx context.Context, a *auth.Actor, clauseID int64, w io.Writer) (int, error) {
	if err := auth.Authenticated(a); err != nil {
		return 0, err
	}
	if _, err := s.SummarizeList(ctx, a, clauseID); err != nil {
		return 0, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT e.uscc, e.name, t.status, t.amount, t.approved_amount,
		COALESCE((SELECT SUM(pp.amount) FROM policy_payments pp WHERE pp.grant_id = t.id AND pp.status IN ('已拨付', '已清算')), 0),
		t.reason, COALESCE(t.confirm_by, ''), t.generated_at
		FROM policy_grants t JOIN enterprises e ON e.id = t.enterprise_id WHERE t.clause_id = ? ORDER BY t.id`, clauseID)
	if err != nil {
		return 0, errs.Wrap(err, "export grants")
	}
	defer rows.Close()
	f := excelize.NewFile()
	defer f.Close()
	const name = "兑现名单"
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return 0, errs.Wrap(err, "export grants")
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return 0, errs.Wrap(err, "export grants")
	}
	_ = sw.SetColWidth(1, 1, 22)
	_ = sw.SetColWidth(2, 2, 36)
	_ = sw.SetColWidth(3, 9, 14)
	header := make([]any, len(GrantExportHeaders))
	for i, h := range GrantExportHeaders {
		header[i] = h
	}
	if err := sw.SetRow("A1", header); err != nil {
		return 0, errs.Wrap(err, "export grants")
	}
	n := 0
	text := func(v string) excelize.Cell { return excelize.Cell{Value: sheet.Escape(v)} }
	for rows.Next() {
		var uscc, ename, status, why, by string
		var amount, paid, at int64
		var approved *int64
		if err := rows.Scan(&uscc, &ename, &status, &amount, &approved, &paid, &why, &by, &at); err != nil {
			return n, errs.Wrap(err, "export grants")
		}
		var ap any = ""
		if approved != nil {
			ap = *approved
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, []any{text(uscc), text(ename), text(status), amount, ap, paid, text(why), text(by),
			text(workday.DateOf(store.FromMillis(at)).String())}); err != nil {
			return n, errs.Wrap(err, "export grants")
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, errs.Wrap(err, "export grants")
	}
	if err := sw.Flush(); err != nil {
		return n, errs.Wrap(err, "export grants")
	}
	return n, errs.Wrap(f.Write(w), "export grants")
}

// ListClause is a 免申即享 clause whose grant list an actor redeems or reads,
// with its grants counted by status.
type ListClause struct {
	PolicyID    int64          `json:"policy_id"`
	PolicyTitle string         `json:"policy_title"`
	ClauseID    int64          `json:"clause_id"`
	ClauseTitle string         `json:"clause_title"`
	Unit        string         `json:"unit"`
	Counts      map[string]int `json:"counts"`
	Total       int            `json:"total"`
}

// FindListClauses returns the 免申即享 clauses of published policies whose
// lists a reads — the office and leaders every one, unit staff those their
// unit redeems — with their grants counted by status, newest policy first
// (at most 200). Errors: Unauthenticated, Forbidden.
func (s *Service) FindListClauses(ctx context.Context, a *auth.Actor) ([]ListClause, error) {
	if err := auth.AuthorizeSome(a, auth.ViewRedemption); err != nil {
		return nil, err
	}
	cond, args := "", []any{policy.ModeAutomatic, string(policy.StatusPublished)}
	switch a.Role {
	case auth.RoleAdmin, auth.RoleLeader:
	case auth.RoleUnitStaff:
		if a.UnitID == nil {
			return []ListClause{}, nil
		}
		cond, args = " AND COALESCE(p.redeeming_unit_id, p.issuing_unit_id) = ?", append(args, *a.UnitID)
	default:
		return []ListClause{}, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.title, c.clause_id, c.title, COALESCE(u.name, '') FROM policy_clauses c
		JOIN policies p ON p.id = c.policy_id LEFT JOIN units u ON u.id = COALESCE(p.redeeming_unit_id, p.issuing_unit_id)
		WHERE c.is_current AND c.mode = ? AND p.status = ?`+cond+` ORDER BY p.id DESC, c.seq LIMIT 200`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "find list clauses")
	}
	out := []ListClause{}
	index := map[int64]int{}
	for rows.Next() {
		var l ListClause
		if err := rows.Scan(&l.PolicyID, &l.PolicyTitle, &l.ClauseID, &l.ClauseTitle, &l.Unit); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "find list clauses")
		}
		l.Counts = map[string]int{}
		index[l.ClauseID] = len(out)
		out = append(out, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "find list clauses")
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, 0, len(out))
	for _, l := range out {
		ids = append(ids, l.ClauseID)
	}
	rows, err = s.db.QueryContext(ctx, `SELECT clause_id, status, COUNT(*) FROM policy_grants WHERE clause_id IN (`+store.Placeholders(len(ids))+`)
		GROUP BY clause_id, status`, int64Args(ids)...)
	if err != nil {
		return nil, errs.Wrap(err, "count grants")
	}
	defer rows.Close()
	for rows.Next() {
		var clause int64
		var st string
		var n int
		if err := rows.Scan(&clause, &st, &n); err != nil {
			return nil, errs.Wrap(err, "count grants")
		}
		l := &out[index[clause]]
		l.Counts[st] = n
		l.Total += n
	}
	return out, errs.Wrap(rows.Err(), "count grants")
}
