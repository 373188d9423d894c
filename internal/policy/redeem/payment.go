package redeem

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/money"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/paging"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Payment kinds: a grant is paid in full, or pre-paid (预先拨付) and, after
// settlement (事后清算), paid the balance.
const (
	PaymentFull    = "全额"
	PaymentPrepay  = "预拨"
	PaymentBalance = "清算"
)

// Payment statuses: 待拨付 → 已拨付 (the bank paid) → 已清算 (a pre-payment
// settled); 退回 when the bank refused it (a new attempt may follow).
const (
	PaymentPending = "待拨付"
	PaymentPaid    = "已拨付"
	PaymentSettled = "已清算"
	PaymentRefused = "退回"
)

// PaymentStatuses lists the payment statuses in order.
var PaymentStatuses = []string{PaymentPending, PaymentPaid, PaymentSettled, PaymentRefused}

// Job kinds of payment.
const (
	// JobNotifyPayments tells the enterprises of a batch's payments that
	// the bank paid or refused, once each.
	JobNotifyPayments = "redeem.notify_payments"
)

// Payment is one payment of a grant.
type Payment struct {
	ID             int64  `json:"id"`
	Reference      string `json:"reference"` // 付款编号
	GrantID        int64  `json:"grant_id"`
	Kind           string `json:"kind"`
	Attempt        int    `json:"attempt"`
	UnitID         *int64 `json:"unit_id"`
	BatchID        *int64 `json:"batch_id"`
	EnterpriseID   int64  `json:"enterprise_id"`
	EnterpriseName string `json:"enterprise_name"`
	USCC           string `json:"uscc"`
	PolicyTitle    string `json:"policy"`
	ClauseTitle    string `json:"clause"`
	Amount         int64  `json:"amount"` // yuan
	Status         string `json:"status"`
	Account        Account
	// DueFrom is when time to pay starts (the grant approved and
	// confirmed, or settled; a re-payment: when it was made), DueOn the
	// last day within the payment limit.
	DueFrom    workday.Date  `json:"due_from"`
	DueOn      workday.Date  `json:"due_on"`
	PaidOn     *workday.Date `json:"paid_on"`
	BankSerial string        `json:"bank_serial,omitempty"`
	Failure    string        `json:"failure,omitempty"`
	// DaysToPay is the working days from DueFrom to PaidOn.
	DaysToPay *int `json:"days_to_pay,omitempty"`
	// Overdue: paid after DueOn, or still unpaid after it.
	Overdue   bool      `json:"overdue"`
	CreatedAt time.Time `json:"created_at"`
}

// MarshalJSON writes a payment with its account in the finance system's
// terms (payee_name, payee_account, payee_bank).
func (p *Payment) MarshalJSON() ([]byte, error) {
	type plain Payment
	return json.Marshal(struct {
		*plain
		PayeeName    string `json:"payee_name"`
		PayeeAccount string `json:"payee_account"`
		PayeeBank    string `json:"payee_bank"`
	}{(*plain)(p), p.Account.Name, p.Account.Number, p.Account.Bank})
}

// Reference returns the payment reference (付款编号) of attempt of the
// payment of kind of grant: FK, the grant id in ten digits, a letter for
// the kind (A in full, P pre-payment, S balance) and the attempt. It is
// derived, not drawn, so that it is the idempotency key of the payment.
func Reference(grantID int64, kind string, attempt int) string {
	code := "A"
	switch kind {
	case PaymentPrepay:
		code = "P"
	case PaymentBalance:
		code = "S"
	}
	return fmt.Sprintf("FK%010d%s%d", grantID, code, attempt)
}

const paymentSelect = `SELECT t.id, t.reference, t.grant_id, t.kind, t.attempt, t.unit_id, t.batch_id, g.enterprise_id, e.name, e.uscc,
	p.title, c.title, t.amount, t.status, t.payee_name, t.payee_account, t.payee_bank, t.due_from, t.due_on, t.paid_on, t.bank_serial,
	t.failure, t.created_at
	FROM policy_payments t JOIN policy_grants g ON g.id = t.grant_id JOIN enterprises e ON e.id = g.enterprise_id
	JOIN policies p ON p.id = g.policy_id JOIN policy_clauses c ON c.id = g.clause_version_id`

func (s *Service) scanPayment(sc interface{ Scan(...any) error }, today workday.Date) (*Payment, error) {
	p := &Payment{}
	var created int64
	if err := sc.Scan(&p.ID, &p.Reference, &p.GrantID, &p.Kind, &p.Attempt, &p.UnitID, &p.BatchID, &p.EnterpriseID, &p.EnterpriseName, &p.USCC,
		&p.PolicyTitle, &p.ClauseTitle, &p.Amount, &p.Status, &p.Account.Name, &p.Account.Number, &p.Account.Bank, &p.DueFrom, &p.DueOn,
		&p.PaidOn, &p.BankSerial, &p.Failure, &created); err != nil {
		return nil, err
	}
	p.CreatedAt = store.FromMillis(created)
	if p.PaidOn != nil {
		d := s.cal.Between(p.DueFrom, *p.PaidOn)
		p.DaysToPay = &d
		p.Overdue = *p.PaidOn > p.DueOn
	} else if p.Status == PaymentPending {
		p.Overdue = today > p.DueOn
	}
	return p, nil
}

// paymentsOf returns the payments of grant id, oldest first.
func (s *Service) paymentsOf(ctx context.Context, grantID int64) ([]*Payment, error) {
	rows, err := s.db.QueryContext(ctx, paymentSelect+" WHERE t.grant_id = ? ORDER BY t.id", grantID)
	if err != nil {
		return nil, errs.Wrap(err, "read payments")
	}
	defer rows.Close()
	today := s.today()
	out := []*Payment{}
	for rows.Next() {
		p, err := s.scanPayment(rows, today)
		if err != nil {
			return nil, errs.Wrap(err, "read payments")
		}
		out = append(out, p)
	}
	return out, errs.Wrap(rows.Err(), "read payments")
}

// repayable returns the refused payment of ps that may be paid again: the
// last refused one of a kind that has no live payment.
func repayable(ps []*Payment) *Payment {
	live := map[string]bool{}
	var last *Payment
	for _, p := range ps {
		if p.Status != PaymentRefused {
			live[p.Kind] = true
		}
	}
	for _, p := range ps {
		if p.Status == PaymentRefused && !live[p.Kind] {
			last = p
		}
	}
	return last
}

// firstPayment creates the first payment of confirmed grant g under clause
// version cl: the pre-payment (its share of the approved amount, rounded
// down) when cl pre-pays, else the amount in full; nothing for a grant
// without money. Run in the confirming transaction.
func (s *Service) firstPayment(ctx context.Context, tx *store.Tx, g *Grant, cl *policy.Clause, from workday.Date) error {
	due := g.Due()
	if due <= 0 {
		return nil
	}
	kind, amount := PaymentFull, due
	if cl.PrepayPercent != nil {
		kind, amount = PaymentPrepay, due*int64(*cl.PrepayPercent)/100
	}
	_, err := s.createPayment(ctx, tx, g, kind, amount, from, g.Account)
	return err
}

// createPayment creates the next attempt of the payment of kind of grant g:
// its reference is derived from the grant, the kind and the attempt (one
// more than the refused attempts before it), so that a second call — a
// retry, another instance — finds it made and makes nothing. It returns
// the payment's id. Errors: Conflict when a payment of that kind of the
// grant is live already (the partial unique index), Internal.
func (s *Service) createPayment(ctx context.Context, tx *store.Tx, g *Grant, kind string, amount int64, from workday.Date, acct Account) (int64, error) {
	var refused int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM policy_payments WHERE grant_id = ? AND kind = ? AND status = ?`,
		g.ID, kind, PaymentRefused).Scan(&refused); err != nil {
		return 0, errs.Wrap(err, "count payments")
	}
	attempt := refused + 1
	ref := Reference(g.ID, kind, attempt)
	ms := store.Millis(s.now())
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO policy_payments (reference, grant_id, kind, attempt, unit_id, amount, status, payee_name,
		payee_account, payee_bank, due_from, due_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (reference) DO NOTHING RETURNING id`,
		ref, g.ID, kind, attempt, g.UnitID, amount, PaymentPending, acct.Name, acct.Number, acct.Bank, from.String(),
		s.cal.AddWorkdays(from, s.payDays).String(), ms, ms).Scan(&id)
	switch {
	case err == sql.ErrNoRows:
		// Made already, by an earlier call with the same reference.
		err = tx.QueryRowContext(ctx, `SELECT id FROM policy_payments WHERE reference = ?`, ref).Scan(&id)
		return id, errs.Wrap(err, "find payment")
	case store.IsUniqueViolation(err):
		return 0, errs.Errorf(errs.Conflict, "该兑现已有未完成的%s付款，不能重复拨付", kind)
	case err != nil:
		return 0, errs.Wrap(err, "create payment")
	}
	return id, s.record(ctx, tx, "payment", id, "create", nil,
		map[string]any{"reference": ref, "grant_id": g.ID, "kind": kind, "amount": amount, "status": PaymentPending})
}

// Repay pays again a payment the bank refused: a new attempt with a new
// reference, to the corrected account when one is given (the enterprise's
// accounts give it; it must pass ParseAccount) or to the same account (the
// unit re-issues after a passing failure), due within the payment limit
// from today. The enterprise's accounts and those who redeem the grant may
// call it. Errors: Unauthenticated, Forbidden, NotFound, Invalid (account),
// Conflict (not refused, or paid again already).
func (s *Service) Repay(ctx context.Context, a *auth.Actor, paymentID int64, acct *Account) (*Payment, error) {
	if err := auth.Authenticated(a); err != nil {
		return nil, err
	}
	var grantID int64
	if err := s.db.QueryRowContext(ctx, `SELECT grant_id FROM policy_payments WHERE id = ?`, paymentID).Scan(&grantID); err != nil {
		return nil, store.NotFound(err, "付款（编号%d）不存在", paymentID)
	}
	g, err := s.FindGrantByID(ctx, a, grantID)
	if errs.CodeOf(err) == errs.NotFound {
		return nil, errs.Errorf(errs.NotFound, "付款（编号%d）不存在", paymentID)
	}
	if err != nil {
		return nil, err
	}
	res := g.Resource()
	if !a.Can(auth.ClaimBenefits, res) && !a.Can(auth.RedeemPolicies, res) {
		return nil, errs.Errorf(errs.Forbidden, "只有企业本身或兑现单位可以重新拨付")
	}
	var old *Payment
	for _, p := range g.Payments {
		if p.ID == paymentID {
			old = p
		}
	}
	if old == nil || old.Status != PaymentRefused {
		return nil, errs.Errorf(errs.Conflict, "只有被银行退回的付款可以重新拨付")
	}
	if r := repayable(g.Payments); r == nil || r.ID != old.ID {
		return nil, errs.Errorf(errs.Conflict, "该付款已重新拨付，请查看最新的付款")
	}
	to := old.Account
	if acct != nil {
		if to, err = ParseAccount(*acct, g.EnterpriseName); err != nil {
			return nil, err
		}
	}
	today := s.today()
	var id int64
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if acct != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE policy_grants SET payee_name = ?, payee_account = ?, payee_bank = ?, updated_at = ? WHERE id = ?`,
				to.Name, to.Number, to.Bank, store.Millis(s.now()), g.ID); err != nil {
				return errs.Wrap(err, "correct account")
			}
		}
		var err error
		if id, err = s.createPayment(ctx, tx, g, old.Kind, old.Amount, today, to); err != nil {
			return err
		}
		return s.record(ctx, tx, "payment", old.ID, "repay", map[string]any{"status": PaymentRefused, "failure": old.Failure},
			map[string]any{"new_payment": id, "account": to.MaskedNumber(), "bank": to.Bank})
	})
	if err != nil {
		return nil, err
	}
	ps, err := s.paymentsOf(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, errs.Errorf(errs.Internal, "付款未找到")
}

// SettleGrant settles a pre-paid grant (事后清算) at its final amount,
// confirmed against later data: the pre-payment becomes 已清算; a balance
// above what was pre-paid is paid (a 清算 payment, due within the payment
// limit from today), an overpayment is recorded for recovery. The budget
// follows the final amount. Those who redeem the grant may call it, once
// its pre-payment was paid. Errors: Unauthenticated, Forbidden, NotFound,
// Invalid (a negative amount), Conflict (no paid pre-payment, settled
// already, the budget does not hold the increase).
func (s *Service) SettleGrant(ctx context.Context, a *auth.Actor, id int64, final int64, note string) (*Grant, error) {
	g, err := s.FindGrantByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.RedeemPolicies, g.Resource()); err != nil {
		return nil, err
	}
	if final < 0 {
		return nil, errs.FieldErrorf("final_amount", "清算金额不能为负数")
	}
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 500 {
		return nil, errs.FieldErrorf("note", "清算说明不能超过 500 个字")
	}
	var prepaid int64
	paid := false
	for _, p := range g.Payments {
		if p.Kind == PaymentPrepay && p.Status == PaymentPaid {
			prepaid += p.Amount
			paid = true
		}
	}
	if !paid || g.SettledAt != nil {
		return nil, errs.Errorf(errs.Conflict, "只有预拨款已到账、尚未清算的兑现可以清算")
	}
	cur, _, err := s.policy.FindCurrentClause(ctx, s.system, g.ClauseID)
	if err != nil {
		return nil, err
	}
	approved := g.Due()
	today := s.today()
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := lockClause(ctx, tx, g.ClauseID); err != nil {
			return err
		}
		if err := useBudget(ctx, tx, g.ClauseID, cur.Budget, final-approved); err != nil {
			return errs.Errorf(errs.Conflict, "清算金额超出条款剩余预算")
		}
		recover := max(prepaid-final, 0)
		ms := store.Millis(s.now())
		res, err := tx.ExecContext(ctx, `UPDATE policy_grants SET final_amount = ?, recover_amount = ?, settled_at = ?, updated_at = ?
			WHERE id = ? AND settled_at IS NULL`, final, recover, ms, ms, id)
		if err != nil {
			return errs.Wrap(err, "settle grant")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Errorf(errs.Conflict, "该兑现已清算")
		}
		rows, err := tx.QueryContext(ctx, `UPDATE policy_payments SET status = ?, updated_at = ? WHERE grant_id = ? AND kind = ? AND status = ? RETURNING id`,
			PaymentSettled, ms, id, PaymentPrepay, PaymentPaid)
		if err != nil {
			return errs.Wrap(err, "settle payments")
		}
		var changes []audit.Change
		for rows.Next() {
			var pid int64
			if err := rows.Scan(&pid); err != nil {
				rows.Close()
				return errs.Wrap(err, "settle payments")
			}
			changes = append(changes, audit.Change{Entity: "payment", EntityID: itoa(pid), Action: "settle",
				Before: map[string]any{"status": PaymentPaid}, After: map[string]any{"status": PaymentSettled}})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrap(err, "settle payments")
		}
		if err := s.recordMany(ctx, tx, changes); err != nil {
			return err
		}
		body := fmt.Sprintf("核定金额%s，已预拨%s。", money.FormatWan(final), money.FormatWan(prepaid))
		switch {
		case final > prepaid:
			if _, err := s.createPayment(ctx, tx, g, PaymentBalance, final-prepaid, today, g.Account); err != nil {
				return err
			}
			body += fmt.Sprintf("差额%s将拨付至原收款账户。", money.FormatWan(final-prepaid))
		case recover > 0:
			body += fmt.Sprintf("多拨%s，兑现单位将联系贵企业退回。", money.FormatWan(recover))
		}
		if note != "" {
			body += "\n说明：" + note
		}
		if err := s.record(ctx, tx, "grant", id, "settle", map[string]any{"approved_amount": approved, "prepaid": prepaid},
			map[string]any{"final_amount": final, "recover_amount": recover, "note": note}); err != nil {
			return err
		}
		return s.tell(ctx, tx, g.EnterpriseID, KindPayment, fmt.Sprintf("“%s”兑现已清算", g.PolicyTitle), body,
			fmt.Sprintf("/grants/%d", id), fmt.Sprintf("redeem.grant:%d:settled", id))
	})
	if err != nil {
		return nil, err
	}
	return s.FindGrantByID(ctx, a, id)
}

// RecordRecovery records that the overpayment of grant id was recovered
// (退回). Those who redeem the grant may call it. Errors: Unauthenticated,
// Forbidden, NotFound, Conflict (nothing to recover, recorded already).
func (s *Service) RecordRecovery(ctx context.Context, a *auth.Actor, id int64, note string) (*Grant, error) {
	g, err := s.FindGrantByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.RedeemPolicies, g.Resource()); err != nil {
		return nil, err
	}
	if g.RecoverAmount <= 0 {
		return nil, errs.Errorf(errs.Conflict, "该兑现没有待追回的多拨资金")
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		ms := store.Millis(s.now())
		res, err := tx.ExecContext(ctx, `UPDATE policy_grants SET recovered_at = ?, updated_at = ? WHERE id = ? AND recover_amount > 0 AND recovered_at IS NULL`, ms, ms, id)
		if err != nil {
			return errs.Wrap(err, "record recovery")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Errorf(errs.Conflict, "追回已登记")
		}
		return s.record(ctx, tx, "grant", id, "recover", map[string]any{"recover_amount": g.RecoverAmount},
			map[string]any{"recovered": true, "note": strings.TrimSpace(note)})
	})
	if err != nil {
		return nil, err
	}
	return s.FindGrantByID(ctx, a, id)
}

// ---- Batches ----

// Batch statuses: every payment still 待拨付; some answered by the bank;
// all answered.
const (
	BatchPending = "待拨付"
	BatchPartial = "部分拨付"
	BatchDone    = "已完成"
)

// Batch is a payment batch (兑付批次): the payments of one unit sent to the
// finance system together.
type Batch struct {
	ID         int64      `json:"id"`
	UnitID     int64      `json:"unit_id"`
	Unit       string     `json:"unit"`
	Status     string     `json:"status"`
	Count      int        `json:"count"`  // payments
	Amount     int64      `json:"amount"` // yuan
	Pending    int        `json:"pending"`
	Paid       int        `json:"paid"` // 已拨付 or 已清算
	Refused    int        `json:"refused"`
	PaidAmount int64      `json:"paid_amount"`
	Overdue    int        `json:"overdue"` // pending past their limit
	CreatedAt  time.Time  `json:"created_at"`
	ExportedAt *time.Time `json:"exported_at"`
	// Payments are a page of the batch's payments and PaymentsTotal their
	// number (FindBatchByID).
	Payments      []*Payment `json:"payments,omitempty"`
	PaymentsTotal int        `json:"payments_total"`
}

const batchSelect = `SELECT t.id, t.unit_id, COALESCE(u.name, ''), t.created_at, t.exported_at,
	COUNT(pm.id), COALESCE(SUM(pm.amount), 0),
	COALESCE(SUM(CASE WHEN pm.status = '待拨付' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN pm.status IN ('已拨付', '已清算') THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN pm.status = '退回' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN pm.status IN ('已拨付', '已清算') THEN pm.amount ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN pm.status = '待拨付' AND pm.due_on < ? THEN 1 ELSE 0 END), 0)
	FROM policy_payment_batches t LEFT JOIN units u ON u.id = t.unit_id LEFT JOIN policy_payments pm ON pm.batch_id = t.id`

const batchGroup = ` GROUP BY t.id, t.unit_id, u.name, t.created_at, t.exported_at`

func scanBatch(sc interface{ Scan(...any) error }) (*Batch, error) {
	b := &Batch{}
	var created int64
	var exported *int64
	if err := sc.Scan(&b.ID, &b.UnitID, &b.Unit, &created, &exported, &b.Count, &b.Amount, &b.Pending, &b.Paid, &b.Refused,
		&b.PaidAmount, &b.Overdue); err != nil {
		return nil, err
	}
	b.CreatedAt, b.ExportedAt = store.FromMillis(created), millisPtr(exported)
	switch {
	case b.Pending == b.Count:
		b.Status = BatchPending
	case b.Pending == 0:
		b.Status = BatchDone
	default:
		b.Status = BatchPartial
	}
	return b, nil
}

// BatchFilter selects batches; zero fields do not filter.
type BatchFilter struct {
	UnitID int64
	Limit  int // paging.Clamp
	Offset int
}

// FindBatches returns a page of the batches a may read, newest first, and
// their total: the office and leaders every unit's, unit staff their own
// unit's. Errors: Unauthenticated, Forbidden.
func (s *Service) FindBatches(ctx context.Context, a *auth.Actor, f BatchFilter) ([]*Batch, int, error) {
	if err := auth.AuthorizeSome(a, auth.ViewRedemption); err != nil {
		return nil, 0, err
	}
	where, args := []string{}, []any{}
	switch a.Role {
	case auth.RoleAdmin, auth.RoleLeader:
	case auth.RoleUnitStaff:
		if a.UnitID == nil {
			return []*Batch{}, 0, nil
		}
		where, args = append(where, "t.unit_id = ?"), append(args, *a.UnitID)
	default:
		return nil, 0, errs.Errorf(errs.Forbidden, "无权查看兑付批次")
	}
	if f.UnitID > 0 {
		where, args = append(where, "t.unit_id = ?"), append(args, f.UnitID)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM policy_payment_batches t`+cond, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count batches")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	rows, err := s.db.QueryContext(ctx, batchSelect+cond+batchGroup+` ORDER BY t.id DESC LIMIT ? OFFSET ?`,
		append(append([]any{s.today().String()}, args...), limit, offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find batches")
	}
	defer rows.Close()
	out := []*Batch{}
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "find batches")
		}
		out = append(out, b)
	}
	return out, total, errs.Wrap(rows.Err(), "find batches")
}

// batchFor reads batch id for an actor who may read it (the office,
// leaders, its unit's staff and the units above). Errors: Unauthenticated,
// NotFound.
func (s *Service) batchFor(ctx context.Context, a *auth.Actor, id int64) (*Batch, auth.Resource, error) {
	if a == nil {
		return nil, auth.Resource{}, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	b, err := scanBatch(s.db.QueryRowContext(ctx, batchSelect+" WHERE t.id = ?"+batchGroup, s.today().String(), id))
	if err != nil {
		return nil, auth.Resource{}, store.NotFound(err, "兑付批次（编号%d）不存在", id)
	}
	unit := b.UnitID
	res, err := s.resource(ctx, &unit, 0)
	if err != nil {
		return nil, res, err
	}
	if !a.Can(auth.ViewRedemption, res) || a.Role == auth.RoleEnterprise || a.Role == auth.RoleSpecialist {
		return nil, res, errs.Errorf(errs.NotFound, "兑付批次（编号%d）不存在", id)
	}
	return b, res, nil
}

// PaymentFilter pages and selects the payments of a batch.
type PaymentFilter struct {
	Status string
	Limit  int // paging.Clamp
	Offset int
}

// FindBatchByID returns batch id with a page of its payments (in reference
// order) and their total. Those who may read the unit's redemption may
// call it. Errors: Unauthenticated, NotFound, Invalid (status).
func (s *Service) FindBatchByID(ctx context.Context, a *auth.Actor, id int64, f PaymentFilter) (*Batch, error) {
	b, _, err := s.batchFor(ctx, a, id)
	if err != nil {
		return nil, err
	}
	cond, args := " WHERE t.batch_id = ?", []any{id}
	if f.Status != "" {
		if !contains(PaymentStatuses, f.Status) {
			return nil, errs.FieldErrorf("status", "付款状态“%s”不存在（可选：%s）", f.Status, strings.Join(PaymentStatuses, "、"))
		}
		cond, args = cond+" AND t.status = ?", append(args, f.Status)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM policy_payments t`+cond, args...).Scan(&b.PaymentsTotal); err != nil {
		return nil, errs.Wrap(err, "count payments")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	rows, err := s.db.QueryContext(ctx, paymentSelect+cond+" ORDER BY t.reference LIMIT ? OFFSET ?", append(args, limit, offset)...)
	if err != nil {
		return nil, errs.Wrap(err, "read payments")
	}
	defer rows.Close()
	today := s.today()
	b.Payments = []*Payment{}
	for rows.Next() {
		p, err := s.scanPayment(rows, today)
		if err != nil {
			return nil, errs.Wrap(err, "read payments")
		}
		b.Payments = append(b.Payments, p)
	}
	return b, errs.Wrap(rows.Err(), "read payments")
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Payable counts the payments of a unit waiting for a batch.
type Payable struct {
	UnitID int64  `json:"unit_id"`
	Unit   string `json:"unit"`
	Count  int    `json:"count"`
	Amount int64  `json:"amount"`
}

// FindPayable returns, per unit, the 待拨付 payments in no batch yet: the
// office and leaders every unit's, unit staff their own. Errors:
// Unauthenticated, Forbidden.
func (s *Service) FindPayable(ctx context.Context, a *auth.Actor) ([]Payable, error) {
	if err := auth.AuthorizeSome(a, auth.ViewRedemption); err != nil {
		return nil, err
	}
	cond, args := "", []any{PaymentPending}
	switch a.Role {
	case auth.RoleAdmin, auth.RoleLeader:
	case auth.RoleUnitStaff:
		if a.UnitID == nil {
			return []Payable{}, nil
		}
		cond, args = " AND t.unit_id = ?", append(args, *a.UnitID)
	default:
		return nil, errs.Errorf(errs.Forbidden, "无权查看兑付")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT t.unit_id, COALESCE(u.name, ''), COUNT(*), SUM(t.amount) FROM policy_payments t
		LEFT JOIN units u ON u.id = t.unit_id WHERE t.status = ? AND t.batch_id IS NULL AND t.unit_id IS NOT NULL`+cond+`
		GROUP BY t.unit_id, u.name ORDER BY t.unit_id`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "read payable")
	}
	defer rows.Close()
	out := []Payable{}
	for rows.Next() {
		var p Payable
		if err := rows.Scan(&p.UnitID, &p.Unit, &p.Count, &p.Amount); err != nil {
			return nil, errs.Wrap(err, "read payable")
		}
		out = append(out, p)
	}
	return out, errs.Wrap(rows.Err(), "read payable")
}

// CreateBatch puts every 待拨付 payment of unit unitID that is in no batch
// into a new batch (per responsible unit) and returns it. Those who redeem
// the unit's policies may call it (auth.RedeemPolicies: the office, the
// unit's staff). Errors: Unauthenticated, Forbidden, Conflict (nothing to
// pay).
func (s *Service) CreateBatch(ctx context.Context, a *auth.Actor, unitID int64) (*Batch, error) {
	if err := auth.AuthorizeSome(a, auth.RedeemPolicies); err != nil {
		return nil, err
	}
	if unitID == 0 && a.UnitID != nil {
		unitID = *a.UnitID
	}
	unit := unitID
	res, err := s.resource(ctx, &unit, 0)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.RedeemPolicies, res); err != nil {
		return nil, err
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		ms := store.Millis(s.now())
		if err := tx.QueryRowContext(ctx, `INSERT INTO policy_payment_batches (unit_id, created_by, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
			unitID, a.PersonRef(), ms, ms).Scan(&id); err != nil {
			if isForeignKey(err) {
				return errs.FieldErrorf("unit_id", "单位（编号%d）不存在", unitID)
			}
			return errs.Wrap(err, "create batch")
		}
		r, err := tx.ExecContext(ctx, `UPDATE policy_payments SET batch_id = ?, updated_at = ? WHERE unit_id = ? AND status = ? AND batch_id IS NULL`,
			id, ms, unitID, PaymentPending)
		if err != nil {
			return errs.Wrap(err, "fill batch")
		}
		n, _ := r.RowsAffected()
		if n == 0 {
			return errs.Errorf(errs.Conflict, "没有待拨付的款项，无需生成兑付批次")
		}
		var amount int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM policy_payments WHERE batch_id = ?`, id).Scan(&amount); err != nil {
			return errs.Wrap(err, "fill batch")
		}
		return s.record(ctx, tx, "payment_batch", id, "create", nil, map[string]any{"unit_id": unitID, "payments": n, "amount": amount})
	})
	if err != nil {
		return nil, err
	}
	return s.FindBatchByID(ctx, a, id, PaymentFilter{Limit: 1})
}

func isForeignKey(err error) bool {
	if err == nil {
		return false
	}
	m := err.Error()
	return strings.Contains(m, "FOREIGN KEY") || strings.Contains(m, "foreign key") || strings.Contains(m, "23503")
}

// BatchPermitted is what an actor may do with a batch.
type BatchPermitted struct {
	Export      bool `json:"export"`       // ExportBatch: its unit, payments to pay
	BankResults bool `json:"bank_results"` // ImportBankResults: its unit
}

// BatchPermittedTo returns what a may do with batch b.
func (s *Service) BatchPermittedTo(ctx context.Context, a *auth.Actor, b *Batch) BatchPermitted {
	unit := b.UnitID
	res, err := s.resource(ctx, &unit, 0)
	if err != nil {
		return BatchPermitted{}
	}
	redeem := a.Can(auth.RedeemPolicies, res)
	return BatchPermitted{Export: redeem && b.Pending > 0, BankResults: redeem && b.Count > 0}
}

// ---- Notifying payments ----

type batchPayload struct {
	BatchID int64 `json:"batch_id"`
}

// runNotifyPayments tells each enterprise whose payment of the batch the
// bank paid or refused, once (notified_at), in chunks with progress.
func (s *Service) runNotifyPayments(ctx context.Context, j *jobs.Job) error {
	var p batchPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(errs.Wrap(err, "decode "+j.Kind))
	}
	var total int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM policy_payments WHERE batch_id = ? AND notified_at IS NULL AND status IN (?, ?)`,
		p.BatchID, PaymentPaid, PaymentRefused).Scan(&total); err != nil {
		return errs.Wrap(err, "count payments to notify")
	}
	done := int64(0)
	for {
		rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.grant_id, g.enterprise_id, t.amount, t.status, t.failure, t.paid_on, p.title
			FROM policy_payments t JOIN policy_grants g ON g.id = t.grant_id JOIN policies p ON p.id = g.policy_id
			WHERE t.batch_id = ? AND t.notified_at IS NULL AND t.status IN (?, ?) ORDER BY t.id LIMIT 500`, p.BatchID, PaymentPaid, PaymentRefused)
		if err != nil {
			return errs.Wrap(err, "read payments to notify")
		}
		type item struct {
			id, grant, enterprise, amount int64
			status, failure, policy       string
			paid                          *workday.Date
		}
		var list []item
		for rows.Next() {
			var it item
			if err := rows.Scan(&it.id, &it.grant, &it.enterprise, &it.amount, &it.status, &it.failure, &it.paid, &it.policy); err != nil {
				rows.Close()
				return errs.Wrap(err, "read payments to notify")
			}
			list = append(list, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrap(err, "read payments to notify")
		}
		if len(list) == 0 {
			return nil
		}
		err = s.db.InTx(ctx, func(tx *store.Tx) error {
			ids := make([]any, 0, len(list)+1)
			ids = append(ids, store.Millis(s.now()))
			ns := make([]notify.Notification, 0, len(list))
			for _, it := range list {
				var title, body string
				if it.status == PaymentPaid {
					title = fmt.Sprintf("“%s”兑现资金已拨付", it.policy)
					body = fmt.Sprintf("金额：%s", money.FormatWan(it.amount))
					if it.paid != nil {
						body += "\n到账日期：" + it.paid.Chinese()
					}
				} else {
					title = fmt.Sprintf("“%s”兑现资金被银行退回", it.policy)
					body = fmt.Sprintf("金额：%s\n退回原因：%s\n请在“我的兑现”中核对并更正收款账户。", money.FormatWan(it.amount), it.failure)
				}
				eid := it.enterprise
				ns = append(ns, notify.Notification{EnterpriseID: &eid, Kind: KindPayment, Title: title, Body: body,
					Link: fmt.Sprintf("/grants/%d", it.grant), DedupeKey: fmt.Sprintf("redeem.payment:%d:%s", it.id, it.status)})
				ids = append(ids, it.id)
			}
			if s.notify != nil {
				if _, _, err := s.notify.NotifyMany(ctx, tx, ns); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `UPDATE policy_payments SET notified_at = ? WHERE id IN (`+store.Placeholders(len(list))+`)`, ids...)
			return errs.Wrap(err, "mark payments notified")
		})
		if err != nil {
			return err
		}
		done += int64(len(list))
		if err := j.Progress(ctx, min(done, total), total, "通知企业兑付结果"); err != nil {
			return err
		}
	}
}
