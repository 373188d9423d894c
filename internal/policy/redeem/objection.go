package redeem

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/money"
	"github.com/qinqing/qinqing/internal/paging"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Objection statuses.
const (
	ObjectionOpen     = "待答复"
	ObjectionAccepted = "已采纳"
	ObjectionRejected = "未采纳"
)

// ObjectionStatuses lists the objection statuses.
var ObjectionStatuses = []string{ObjectionOpen, ObjectionAccepted, ObjectionRejected}

// Objection is an enterprise's objection (异议) to a decision on a clause:
// that it was found not to fit, or left off (or out of) a list.
type Objection struct {
	ID              int64             `json:"id"`
	ClauseID        int64             `json:"clause_id"`
	ClauseVersionID int64             `json:"clause_version_id"`
	PolicyID        int64             `json:"policy_id"`
	PolicyTitle     string            `json:"policy_title"`
	ClauseTitle     string            `json:"clause_title"`
	UnitID          *int64            `json:"unit_id"`
	Unit            string            `json:"unit"`
	EnterpriseID    int64             `json:"enterprise_id"`
	EnterpriseName  string            `json:"enterprise_name"`
	USCC            string            `json:"uscc"`
	GrantID         *int64            `json:"grant_id"` // the grant objected to, or made on acceptance
	Statement       string            `json:"statement"`
	Corrections     map[string]string `json:"corrections"` // what the file should hold, by field
	Status          string            `json:"status"`
	Answer          string            `json:"answer,omitempty"`
	AnswerBy        workday.Date      `json:"answer_by"`
	AnsweredAt      *time.Time        `json:"answered_at"`
	CreatedAt       time.Time         `json:"created_at"`
	Overdue         bool              `json:"overdue"` // open past its deadline
	Materials       []Material        `json:"materials,omitempty"`
	Steps           []Step            `json:"steps,omitempty"`

	parentUnits []int64
}

// Resource returns who owns ob.
func (ob *Objection) Resource() auth.Resource {
	res := auth.Resource{EnterpriseID: ob.EnterpriseID, ParentUnitIDs: ob.parentUnits}
	if ob.UnitID != nil {
		res.UnitIDs = []int64{*ob.UnitID}
	}
	return res
}

const objSelect = `SELECT t.id, t.clause_id, t.clause_version_id, t.policy_id, p.title, c.title, t.unit_id, COALESCE(u.name, ''),
	t.enterprise_id, e.name, e.uscc, t.grant_id, t.statement, t.corrections, t.status, t.answer, t.answer_by, t.answered_at, t.created_at
	FROM policy_objections t JOIN policies p ON p.id = t.policy_id JOIN policy_clauses c ON c.id = t.clause_version_id
	JOIN enterprises e ON e.id = t.enterprise_id LEFT JOIN units u ON u.id = t.unit_id`

func scanObjection(sc interface{ Scan(...any) error }, today workday.Date) (*Objection, error) {
	ob := &Objection{}
	var corrections string
	var answered *int64
	var created int64
	if err := sc.Scan(&ob.ID, &ob.ClauseID, &ob.ClauseVersionID, &ob.PolicyID, &ob.PolicyTitle, &ob.ClauseTitle, &ob.UnitID, &ob.Unit,
		&ob.EnterpriseID, &ob.EnterpriseName, &ob.USCC, &ob.GrantID, &ob.Statement, &corrections, &ob.Status, &ob.Answer, &ob.AnswerBy,
		&answered, &created); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(corrections), &ob.Corrections)
	if ob.Corrections == nil {
		ob.Corrections = map[string]string{}
	}
	ob.AnsweredAt, ob.CreatedAt = millisPtr(answered), store.FromMillis(created)
	ob.Overdue = ob.Status == ObjectionOpen && today > ob.AnswerBy
	return ob, nil
}

// ObjectionFilter selects objections; zero fields do not filter.
type ObjectionFilter struct {
	ClauseID     int64
	PolicyID     int64
	EnterpriseID int64
	Status       string
	Overdue      bool
	Limit        int // paging.Clamp
	Offset       int
}

// FindObjections returns a page of the objections a may read (oldest open
// first for units, newest first otherwise) and the total. Callers as for
// FindGrants. Errors: Unauthenticated, Forbidden, Invalid.
func (s *Service) FindObjections(ctx context.Context, a *auth.Actor, f ObjectionFilter) ([]*Objection, int, error) {
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
		if !slices.Contains(ObjectionStatuses, f.Status) {
			return nil, 0, errs.FieldErrorf("status", "异议状态“%s”不存在（可选：%s）", f.Status, strings.Join(ObjectionStatuses, "、"))
		}
		add("t.status = ?", f.Status)
	}
	if f.Overdue {
		add("t.status = ? AND t.answer_by < ?", ObjectionOpen, s.today().String())
	}
	w := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM policy_objections t`+w, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count objections")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	order := " ORDER BY t.id DESC"
	if a.Role == auth.RoleUnitStaff && f.Status == ObjectionOpen {
		order = " ORDER BY t.id"
	}
	rows, err := s.db.QueryContext(ctx, objSelect+w+order+" LIMIT ? OFFSET ?", append(args, limit, offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find objections")
	}
	defer rows.Close()
	out := []*Objection{}
	today := s.today()
	for rows.Next() {
		ob, err := scanObjection(rows, today)
		if err != nil {
			return nil, 0, errs.Wrap(err, "scan objection")
		}
		out = append(out, ob)
	}
	return out, total, errs.Wrap(rows.Err(), "find objections")
}

// FindObjectionByID returns objection id with its materials and steps.
// Those who may read it (auth.ViewRedemption) may call it. Errors:
// Unauthenticated, NotFound (also for one a may not read).
func (s *Service) FindObjectionByID(ctx context.Context, a *auth.Actor, id int64) (*Objection, error) {
	if a == nil {
		return nil, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	ob, err := scanObjection(s.db.QueryRowContext(ctx, objSelect+" WHERE t.id = ?", id), s.today())
	if err != nil {
		return nil, store.NotFound(err, "异议（编号%d）不存在", id)
	}
	res, err := s.resource(ctx, ob.UnitID, ob.EnterpriseID)
	if err != nil {
		return nil, err
	}
	if !a.Can(auth.ViewRedemption, res) {
		return nil, errs.Errorf(errs.NotFound, "异议（编号%d）不存在", id)
	}
	ob.parentUnits = res.ParentUnitIDs
	if ob.Materials, err = s.materials(ctx, ownerObjection, id); err != nil {
		return nil, err
	}
	if ob.Steps, err = s.steps(ctx, ownerObjection, id); err != nil {
		return nil, err
	}
	return ob, nil
}

// CanAnswer reports whether a may answer ob: its unit (or the office),
// while it is open.
func CanAnswer(a *auth.Actor, ob *Objection) bool {
	return ob.Status == ObjectionOpen && a.Can(auth.RedeemPolicies, ob.Resource())
}

// ObjectionInput is an enterprise's objection: why it believes it
// qualifies and, when its file is wrong, the values it should hold (fields
// of enterprise.SelfReportFields, as typed). Evidence files come beside it.
type ObjectionInput struct {
	Statement   string            `json:"statement"`
	Corrections map[string]string `json:"corrections"`
}

// FileObjection records the actor's enterprise's objection to its outcome
// under clause clauseID of a published policy, with evidence; the unit is
// to answer it within the review deadline. Enterprise accounts may call it
// for their own enterprise (auth.ClaimBenefits), one open objection per
// clause, not for a clause they hold a grant of. Errors: Unauthenticated,
// Forbidden, NotFound, Invalid (statement, a correction, a file),
// TooLarge, Conflict.
func (s *Service) FileObjection(ctx context.Context, a *auth.Actor, clauseID int64, in ObjectionInput, files []Upload) (*Objection, error) {
	eid, err := ownEnterprise(a)
	if err != nil {
		return nil, err
	}
	cl, pol, err := s.policy.FindCurrentClause(ctx, a, clauseID)
	if err != nil {
		return nil, err
	}
	if pol.Status != policy.StatusPublished {
		return nil, errs.Errorf(errs.Conflict, "政策%s，不再受理异议", pol.Status)
	}
	in.Statement = strings.TrimSpace(in.Statement)
	switch n := utf8.RuneCountInString(in.Statement); {
	case n == 0:
		return nil, errs.FieldErrorf("statement", "请说明异议的理由（如：数据有误，实际研发费用为……）")
	case n > 2000:
		return nil, errs.FieldErrorf("statement", "异议理由不能超过 2000 个字")
	}
	corrections := map[string]string{}
	for k, v := range in.Corrections {
		if v = strings.TrimSpace(v); v != "" {
			corrections[k] = v
		}
	}
	if _, err := enterprise.ParseFieldValues(corrections); err != nil {
		return nil, err
	}
	stored, err := checkUploads(files, nil, false)
	if err != nil {
		return nil, err
	}
	var grantID *int64
	var status string
	err = s.db.QueryRowContext(ctx, `SELECT id, status FROM policy_grants WHERE clause_id = ? AND enterprise_id = ?`, clauseID, eid).Scan(&grantID, &status)
	if err == nil && status != GrantExcluded && status != GrantExpired {
		return nil, errs.Errorf(errs.Conflict, "贵企业已在本条款的兑现名单中（%s），无需提出异议", status)
	}
	var id int64
	today := s.today()
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		ms := store.Millis(s.now())
		err := tx.QueryRowContext(ctx, `INSERT INTO policy_objections (clause_id, clause_version_id, policy_id, unit_id, enterprise_id, grant_id,
			statement, corrections, status, answer_by, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			cl.ClauseID, cl.ID, pol.ID, holding(pol), eid, grantID, in.Statement, jsonText(corrections), ObjectionOpen,
			s.cal.AddWorkdays(today, s.reviewDays).String(), a.PersonRef(), ms, ms).Scan(&id)
		if store.IsUniqueViolation(err) {
			return errs.Errorf(errs.Conflict, "贵企业对本条款已有待答复的异议")
		}
		if err != nil {
			return errs.Wrap(err, "file objection")
		}
		if err := s.storeFiles(ctx, tx, ownerObjection, id, eid, a, stored); err != nil {
			return err
		}
		if err := s.step(ctx, tx, ownerObjection, id, a, "提出异议", ""); err != nil {
			return err
		}
		return s.record(ctx, tx, "objection", id, "create", nil, map[string]any{"clause_id": cl.ClauseID, "status": ObjectionOpen,
			"corrections": corrections, "materials": len(stored)})
	})
	if err != nil {
		return nil, err
	}
	return s.FindObjectionByID(ctx, a, id)
}

// Answer is a unit's answer to an objection.
type Answer struct {
	Accept bool   `json:"accept"`
	Answer string `json:"answer"` // required: what the enterprise reads
	// Amount is the grant's amount in yuan when accepted; nil: as the clause
	// computes it from the corrected data (required when that is unknown).
	Amount *int64 `json:"amount"`
}

// AnswerObjection answers an open objection. Accepted, the corrections the
// enterprise gave are written to its file (with history, source 异议更正,
// through the registry) and the grant is made — or the excluded or expired
// one reinstated — for the amount the clause computes on the corrected
// data, held against its budget, waiting for the enterprise's confirmation
// (or confirmed when there is neither money nor a pledge). Rejected, the
// enterprise reads why. Those who redeem the clause may call it. Errors:
// Unauthenticated, Forbidden, NotFound, Invalid (no answer, amount),
// Conflict (answered already, budget spent).
func (s *Service) AnswerObjection(ctx context.Context, a *auth.Actor, id int64, ans Answer) (*Objection, error) {
	ob, err := s.FindObjectionByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.RedeemPolicies, ob.Resource()); err != nil {
		return nil, err
	}
	if ob.Status != ObjectionOpen {
		return nil, errs.Errorf(errs.Conflict, "异议已答复（%s）", ob.Status)
	}
	text, err := reason("answer", "答复意见", ans.Answer)
	if err != nil {
		return nil, err
	}
	if !ans.Accept {
		err = s.db.InTx(ctx, func(tx *store.Tx) error {
			return s.closeObjection(ctx, tx, a, ob, ObjectionRejected, text, nil)
		})
		if err != nil {
			return nil, err
		}
		return s.FindObjectionByID(ctx, a, id)
	}
	cl, pol, err := s.policy.FindCurrentClause(ctx, s.system, ob.ClauseID)
	if err != nil {
		return nil, err
	}
	ents, err := policy.ReadEnterprises(ctx, s.db, []int64{ob.EnterpriseID})
	if err != nil || len(ents) == 0 {
		return nil, errs.Wrap(fmt.Errorf("enterprise %d: %v", ob.EnterpriseID, err), "read enterprise")
	}
	u, err := enterprise.ParseFieldValues(ob.Corrections)
	if err != nil {
		return nil, err
	}
	corrected := applyUpdate(ents[0], u)
	var amount int64
	if cl.Amount != nil {
		yuan, unknown := cl.Amount.For(corrected)
		switch {
		case ans.Amount != nil && *ans.Amount < 0:
			return nil, errs.FieldErrorf("amount", "金额不能为负数")
		case ans.Amount != nil:
			amount = *ans.Amount
		case unknown:
			return nil, errs.FieldErrorf("amount", "企业的%s未知，请填写兑现金额", enterprise.FieldLabel(cl.Amount.Of))
		default:
			amount = yuan
		}
	}
	if len(ob.Corrections) > 0 {
		if s.ents == nil {
			return nil, errs.Errorf(errs.Unavailable, "企业档案更正未启用")
		}
		if _, err := s.ents.CorrectEnterprise(ctx, a, ob.EnterpriseID, ob.Corrections, ob.Resource()); err != nil {
			return nil, err
		}
	}
	today := s.today()
	next := GrantConfirmed
	var confirmBy, payable any = nil, today.String()
	if needsConfirm(pol, cl) {
		next, confirmBy, payable = GrantConfirming, s.cal.AddWorkdays(today, s.confirmDays).String(), nil
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := lockClause(ctx, tx, ob.ClauseID); err != nil {
			return err
		}
		if err := useBudget(ctx, tx, ob.ClauseID, cl.Budget, amount); err != nil {
			return errs.Errorf(errs.Conflict, "条款预算余额不足以兑现 %s", money.FormatWan(amount))
		}
		ms := store.Millis(s.now())
		data := jsonText(dataOf(corrected, dataFields(cl), today))
		var gid int64
		if ob.GrantID != nil {
			res, err := tx.ExecContext(ctx, `UPDATE policy_grants SET status = ?, amount = ?, approved_amount = ?, data = ?, clause_version_id = ?,
				rule_version = ?, objection_id = ?, reason = '', reviewed_by = ?, approved_on = ?, confirm_by = ?, payable_on = ?, updated_at = ?
				WHERE id = ? AND status IN (?, ?)`, next, amount, amount, data, cl.ID, cl.Version, id, a.PersonRef(), today.String(), confirmBy, payable, ms,
				*ob.GrantID, GrantExcluded, GrantExpired)
			if err != nil {
				return errs.Wrap(err, "reinstate grant")
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errs.Errorf(errs.Conflict, "兑现记录已变化，请刷新后重试")
			}
			gid = *ob.GrantID
		} else {
			err := tx.QueryRowContext(ctx, `INSERT INTO policy_grants (clause_id, clause_version_id, policy_id, unit_id, enterprise_id, origin,
				objection_id, status, amount, approved_amount, data, rule_version, generated_at, reviewed_by, approved_on, confirm_by, payable_on,
				created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				ob.ClauseID, cl.ID, ob.PolicyID, ob.UnitID, ob.EnterpriseID, OriginObjection, id, next, amount, amount, data, cl.Version, ms,
				a.PersonRef(), today.String(), confirmBy, payable, ms, ms).Scan(&gid)
			if store.IsUniqueViolation(err) {
				return errs.Errorf(errs.Conflict, "该企业已在本条款的兑现名单中")
			}
			if err != nil {
				return errs.Wrap(err, "make grant")
			}
		}
		if err := s.record(ctx, tx, "grant", gid, "objection", map[string]any{"objection_id": id},
			map[string]any{"status": next, "approved_amount": amount}); err != nil {
			return err
		}
		return s.closeObjection(ctx, tx, a, ob, ObjectionAccepted, text, &gid)
	})
	if err != nil {
		return nil, err
	}
	return s.FindObjectionByID(ctx, a, id)
}

// closeObjection answers ob with status (from 待答复), records the step
// and tells the enterprise. Errors: Conflict when answered meanwhile.
func (s *Service) closeObjection(ctx context.Context, tx *store.Tx, a *auth.Actor, ob *Objection, status, text string, grantID *int64) error {
	ms := store.Millis(s.now())
	res, err := tx.ExecContext(ctx, `UPDATE policy_objections SET status = ?, answer = ?, answered_at = ?, answered_by = ?, grant_id = COALESCE(?, grant_id),
		updated_at = ? WHERE id = ? AND status = ?`, status, text, ms, a.PersonRef(), grantID, ms, ob.ID, ObjectionOpen)
	if err != nil {
		return errs.Wrap(err, "answer objection")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.Errorf(errs.Conflict, "异议已被答复，请刷新")
	}
	step, action := "异议未采纳", "reject"
	if status == ObjectionAccepted {
		step, action = "异议已采纳", "accept"
	}
	if err := s.step(ctx, tx, ownerObjection, ob.ID, a, step, text); err != nil {
		return err
	}
	if err := s.record(ctx, tx, "objection", ob.ID, action, map[string]any{"status": ObjectionOpen},
		map[string]any{"status": status, "answer": text, "grant_id": grantID}); err != nil {
		return err
	}
	body := "答复：" + text
	link := fmt.Sprintf("/objections/%d", ob.ID)
	if grantID != nil {
		body += "\n已列入兑现，请在“我的兑现”中确认。"
		link = fmt.Sprintf("/grants/%d", *grantID)
	}
	return s.tell(ctx, tx, ob.EnterpriseID, KindObject, fmt.Sprintf("“%s”异议%s", ob.PolicyTitle, step), body, link,
		fmt.Sprintf("redeem.objection:%d:%s", ob.ID, action))
}

// applyUpdate returns a copy of e with the values u sets.
func applyUpdate(e *enterprise.Enterprise, u enterprise.Update) *enterprise.Enterprise {
	c := *e
	set := func(dst **int64, v *int64) {
		if v != nil {
			x := *v
			*dst = &x
		}
	}
	set(&c.RegisteredCapital, u.RegisteredCapital)
	set(&c.Employees, u.Employees)
	set(&c.Revenue, u.Revenue)
	set(&c.RDExpense, u.RDExpense)
	set(&c.TaxPaid, u.TaxPaid)
	set(&c.ExportValue, u.ExportValue)
	set(&c.TotalAssets, u.TotalAssets)
	if u.Street != nil {
		c.Street = u.Street
	}
	if u.Industry != nil {
		c.Industry = u.Industry
	}
	if u.Founded != nil {
		d := *u.Founded
		c.Founded = &d
	}
	if u.Tags != nil {
		c.Tags = append([]string{}, (*u.Tags)...)
	}
	return &c
}
