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
	"github.com/qinqing/qinqing/internal/policy/rule"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Application statuses: submitted (待受理), accepted for review (审核中),
// returned for more (退回补正), and the ends: 已通过, 未通过, 已撤回.
const (
	AppSubmitted = "待受理"
	AppReviewing = "审核中"
	AppReturned  = "退回补正"
	AppApproved  = "已通过"
	AppRefused   = "未通过"
	AppWithdrawn = "已撤回"
)

// AppStatuses lists the application statuses in order.
var AppStatuses = []string{AppSubmitted, AppReviewing, AppReturned, AppApproved, AppRefused, AppWithdrawn}

// liveApp reports whether an application in status is still open.
func liveApp(status string) bool {
	return status == AppSubmitted || status == AppReviewing || status == AppReturned
}

// Evidence is the ground of a decision: the outcome on verified data, the
// conditions as the enterprise met them, its values, and how it was decided.
type Evidence struct {
	Outcome string         `json:"outcome"` // 符合, 待补充信息, 不符合
	Leaves  []Leaf         `json:"leaves"`
	Data    map[string]any `json:"data"`
	How     string         `json:"how"` // 即时判定, 人工审核
	Note    string         `json:"note,omitempty"`
}

// Leaf is one condition of a rule as an enterprise met it.
type Leaf struct {
	Field     string `json:"field"`
	Label     string `json:"label"`
	Condition string `json:"condition"` // the requirement in Chinese
	Actual    string `json:"actual"`    // the enterprise's value, 未知 when unknown
	Outcome   string `json:"outcome"`   // 符合, 不符合, 待补充信息
}

// leaves converts a rule's explanation.
func leaves(ls []rule.LeafResult) []Leaf {
	out := make([]Leaf, 0, len(ls))
	for _, l := range ls {
		out = append(out, Leaf{Field: l.Field, Label: l.Label, Condition: l.Condition, Actual: l.Actual, Outcome: l.Outcome.String()})
	}
	return out
}

// Application is an enterprise's application for a 即申即享 or 申报审核
// clause.
type Application struct {
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
	Mode            string            `json:"mode"`
	Status          string            `json:"status"`
	Answers         map[string]string `json:"answers"`   // values supplied for facts the file lacked
	Statement       string            `json:"statement"` // 申请说明
	Pledge          string            `json:"pledge,omitempty"`
	Account         Account           `json:"account"`
	Amount          *int64            `json:"amount"` // approved amount
	Evidence        Evidence          `json:"evidence"`
	Reason          string            `json:"reason,omitempty"` // of a refusal or return
	SubmittedAt     time.Time         `json:"submitted_at"`
	AcceptBy        *workday.Date     `json:"accept_by"`
	AcceptedAt      *time.Time        `json:"accepted_at"`
	DecideBy        *workday.Date     `json:"decide_by"`
	DecidedAt       *time.Time        `json:"decided_at"`
	GrantID         *int64            `json:"grant_id"`
	// Overdue: not accepted or not decided by its deadline.
	Overdue   bool       `json:"overdue"`
	Materials []Material `json:"materials,omitempty"`
	Steps     []Step     `json:"steps,omitempty"`

	parentUnits []int64
}

// Resource returns who owns ap.
func (ap *Application) Resource() auth.Resource {
	res := auth.Resource{EnterpriseID: ap.EnterpriseID, ParentUnitIDs: ap.parentUnits}
	if ap.UnitID != nil {
		res.UnitIDs = []int64{*ap.UnitID}
	}
	return res
}

const appSelect = `SELECT t.id, t.clause_id, t.clause_version_id, t.policy_id, p.title, c.title, t.unit_id, COALESCE(u.name, ''),
	t.enterprise_id, e.name, e.uscc, t.mode, t.status, t.answers, t.statement, t.pledge, t.payee_name, t.payee_account, t.payee_bank,
	t.amount, t.evidence, t.reason, t.submitted_at, t.accept_by, t.accepted_at, t.decide_by, t.decided_at, t.grant_id
	FROM policy_applications t JOIN policies p ON p.id = t.policy_id JOIN policy_clauses c ON c.id = t.clause_version_id
	JOIN enterprises e ON e.id = t.enterprise_id LEFT JOIN units u ON u.id = t.unit_id`

func (s *Service) scanApp(sc interface{ Scan(...any) error }, today workday.Date) (*Application, error) {
	ap := &Application{}
	var answers, evidence string
	var submitted int64
	var accepted, decided *int64
	if err := sc.Scan(&ap.ID, &ap.ClauseID, &ap.ClauseVersionID, &ap.PolicyID, &ap.PolicyTitle, &ap.ClauseTitle, &ap.UnitID, &ap.Unit,
		&ap.EnterpriseID, &ap.EnterpriseName, &ap.USCC, &ap.Mode, &ap.Status, &answers, &ap.Statement, &ap.Pledge, &ap.Account.Name,
		&ap.Account.Number, &ap.Account.Bank, &ap.Amount, &evidence, &ap.Reason, &submitted, &ap.AcceptBy, &accepted, &ap.DecideBy,
		&decided, &ap.GrantID); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(answers), &ap.Answers)
	_ = json.Unmarshal([]byte(evidence), &ap.Evidence)
	if ap.Answers == nil {
		ap.Answers = map[string]string{}
	}
	ap.SubmittedAt, ap.AcceptedAt, ap.DecidedAt = store.FromMillis(submitted), millisPtr(accepted), millisPtr(decided)
	switch ap.Status {
	case AppSubmitted:
		ap.Overdue = ap.AcceptBy != nil && today > *ap.AcceptBy
	case AppReviewing:
		ap.Overdue = ap.DecideBy != nil && today > *ap.DecideBy
	}
	return ap, nil
}

// ApplicationFilter selects applications; zero fields do not filter.
type ApplicationFilter struct {
	ClauseID     int64
	PolicyID     int64
	EnterpriseID int64
	Status       string
	Open         bool // 待受理, 审核中 or 退回补正
	Overdue      bool // past the deadline of acceptance or decision
	Limit        int  // paging.Clamp
	Offset       int
}

// FindApplications returns a page of the applications a may read, oldest
// open ones first for units (their queue), newest first otherwise, and the
// total. Callers as for FindGrants. Errors: Unauthenticated, Forbidden,
// Invalid.
func (s *Service) FindApplications(ctx context.Context, a *auth.Actor, f ApplicationFilter) ([]*Application, int, error) {
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
		if !slices.Contains(AppStatuses, f.Status) {
			return nil, 0, errs.FieldErrorf("status", "申请状态“%s”不存在（可选：%s）", f.Status, strings.Join(AppStatuses, "、"))
		}
		add("t.status = ?", f.Status)
	}
	if f.Open {
		add("t.status IN (?, ?, ?)", AppSubmitted, AppReviewing, AppReturned)
	}
	today := s.today().String()
	if f.Overdue {
		add("((t.status = ? AND t.accept_by < ?) OR (t.status = ? AND t.decide_by < ?))", AppSubmitted, today, AppReviewing, today)
	}
	w := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM policy_applications t`+w, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count applications")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	order := " ORDER BY t.id DESC"
	if a.Role == auth.RoleUnitStaff && (f.Open || f.Overdue) {
		order = " ORDER BY t.submitted_at, t.id"
	}
	rows, err := s.db.QueryContext(ctx, appSelect+w+order+" LIMIT ? OFFSET ?", append(args, limit, offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find applications")
	}
	defer rows.Close()
	out := []*Application{}
	td := s.today()
	for rows.Next() {
		ap, err := s.scanApp(rows, td)
		if err != nil {
			return nil, 0, errs.Wrap(err, "scan application")
		}
		out = append(out, ap)
	}
	return out, total, errs.Wrap(rows.Err(), "find applications")
}

// FindApplicationByID returns application id with its materials and
// steps. Those who may read it (auth.ViewRedemption) may call it. Errors:
// Unauthenticated, NotFound (also for one a may not read).
func (s *Service) FindApplicationByID(ctx context.Context, a *auth.Actor, id int64) (*Application, error) {
	if a == nil {
		return nil, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	ap, err := s.scanApp(s.db.QueryRowContext(ctx, appSelect+" WHERE t.id = ?", id), s.today())
	if err != nil {
		return nil, store.NotFound(err, "申请（编号%d）不存在", id)
	}
	res, err := s.resource(ctx, ap.UnitID, ap.EnterpriseID)
	if err != nil {
		return nil, err
	}
	if !a.Can(auth.ViewRedemption, res) {
		return nil, errs.Errorf(errs.NotFound, "申请（编号%d）不存在", id)
	}
	ap.parentUnits = res.ParentUnitIDs
	if ap.Materials, err = s.materials(ctx, ownerApplication, id); err != nil {
		return nil, err
	}
	if ap.Steps, err = s.steps(ctx, ownerApplication, id); err != nil {
		return nil, err
	}
	return ap, nil
}

// AppPermitted is what an actor may do with one application.
type AppPermitted struct {
	Withdraw bool `json:"withdraw"` // Withdraw: its enterprise, until a decision
	Resubmit bool `json:"resubmit"` // Resubmit: its enterprise, 退回补正
	Accept   bool `json:"accept"`   // Accept: its unit, 待受理
	Decide   bool `json:"decide"`   // Decide (通过, 不通过): its unit, 审核中
	Return   bool `json:"return"`   // Return (退回补正): its unit, 待受理 or 审核中
}

// AppPermittedTo returns what a may do with ap (loaded by
// FindApplicationByID).
func AppPermittedTo(a *auth.Actor, ap *Application) AppPermitted {
	res := ap.Resource()
	claim, redeem := a.Can(auth.ClaimBenefits, res), a.Can(auth.RedeemPolicies, res)
	return AppPermitted{
		Withdraw: claim && liveApp(ap.Status),
		Resubmit: claim && ap.Status == AppReturned,
		Accept:   redeem && ap.Status == AppSubmitted,
		Decide:   redeem && ap.Status == AppReviewing,
		Return:   redeem && (ap.Status == AppSubmitted || ap.Status == AppReviewing),
	}
}

// Missing is a fact the application form asks for: a field the rule or the
// amount needs that the enterprise's file lacks.
type Missing struct {
	Field string `json:"field"`
	Label string `json:"label"`
	// Reportable: the enterprise may supply it (a self-report field);
	// otherwise it comes from the registers only.
	Reportable bool `json:"reportable"`
	// Pending is a value the enterprise reported that waits for review.
	Pending *string `json:"pending,omitempty"`
}

// ApplyForm is the application form of one clause for one enterprise: its
// file as the form is prefilled with, how the rule stands on verified data
// and the facts it still needs — the only ones the form asks for.
type ApplyForm struct {
	Policy     *policy.Policy         `json:"policy"`
	Clause     *policy.Clause         `json:"clause"`
	Enterprise *enterprise.Enterprise `json:"enterprise"`
	Outcome    rule.Outcome           `json:"outcome"`
	Leaves     []rule.LeafResult      `json:"leaves"`
	Missing    []Missing              `json:"missing"`
	// Amount is what the enterprise would get on its verified data (nil:
	// no money, or its base is unknown).
	Amount       *int64   `json:"amount"`
	Materials    []string `json:"materials"`
	Pledge       string   `json:"pledge"`
	NeedsAccount bool     `json:"needs_account"`
	// Instant: 即申即享 and the rule already true — the decision will be
	// immediate.
	Instant bool `json:"instant"`
	// Live is the enterprise's open application for the clause, if any;
	// Granted whether it holds a grant of the clause already.
	Live    *Application `json:"live,omitempty"`
	Granted bool         `json:"granted"`
	// CanApply says whether the enterprise may apply now; Why, if not.
	CanApply bool   `json:"can_apply"`
	Why      string `json:"why,omitempty"`
}

// ApplicationForm returns the application form of clause clauseID for the
// actor's enterprise. Enterprise accounts may call it (auth.ClaimBenefits).
// Errors: Unauthenticated, Forbidden, NotFound, Conflict (the clause is
// 免申即享: it has no application).
func (s *Service) ApplicationForm(ctx context.Context, a *auth.Actor, clauseID int64) (*ApplyForm, error) {
	eid, err := ownEnterprise(a)
	if err != nil {
		return nil, err
	}
	cl, pol, err := s.policy.FindCurrentClause(ctx, a, clauseID)
	if err != nil {
		return nil, err
	}
	if cl.Mode == policy.ModeAutomatic {
		return nil, errs.Errorf(errs.Conflict, "免申即享的条款无需申请：符合条件的企业由兑现单位直接列入兑现名单")
	}
	ents, err := policy.ReadEnterprises(ctx, s.db, []int64{eid})
	if err != nil {
		return nil, err
	}
	if len(ents) == 0 {
		return nil, errs.Errorf(errs.NotFound, "企业（编号%d）不存在", eid)
	}
	e := ents[0]
	today := s.today()
	f := &ApplyForm{Policy: pol, Clause: cl, Enterprise: e, Outcome: cl.Rule.Eval(e, today), Leaves: []rule.LeafResult{}, Missing: []Missing{},
		Materials: cl.Materials, Pledge: strings.TrimSpace(pol.Pledge), NeedsAccount: cl.Amount != nil}
	for _, l := range cl.Rule.Explain(e, today, s.policy.Names()) {
		if l.Outcome != rule.Yes {
			f.Leaves = append(f.Leaves, l)
		}
	}
	pending, err := s.pendingReports(ctx, eid)
	if err != nil {
		return nil, err
	}
	for _, m := range missingFields(cl, e, today) {
		m.Pending = pending[m.Field]
		f.Missing = append(f.Missing, m)
	}
	if cl.Amount != nil {
		if yuan, unknown := cl.Amount.For(e); !unknown {
			f.Amount = &yuan
		}
	}
	f.Instant = cl.Mode == policy.ModeInstant && f.Outcome == rule.Yes && (cl.Amount == nil || f.Amount != nil)
	live, _, err := s.FindApplications(ctx, a, ApplicationFilter{ClauseID: clauseID, EnterpriseID: eid, Open: true, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(live) > 0 {
		f.Live = live[0]
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM policy_grants WHERE clause_id = ? AND enterprise_id = ? AND status NOT IN (?, ?)`,
		clauseID, eid, GrantExcluded, GrantExpired).Scan(&n); err != nil {
		return nil, errs.Wrap(err, "read grants")
	}
	f.Granted = n > 0
	switch {
	case pol.Status != policy.StatusPublished:
		f.Why = "政策" + string(pol.Status) + "，不再受理申请"
	case !cl.Open(today):
		f.Why = "不在申报期内（" + windowText(cl) + "）"
	case f.Granted:
		f.Why = "贵企业已享受本条款"
	case f.Live != nil:
		f.Why = "贵企业已有在办的申请（" + f.Live.Status + "）"
	case f.Outcome == rule.No:
		f.Why = "按已核实的企业数据，贵企业不符合申报条件；如认为数据有误，可提出异议"
	default:
		f.CanApply = true
	}
	return f, nil
}

func windowText(cl *policy.Clause) string {
	from, to := "即日起", "长期"
	if cl.WindowFrom != nil {
		from = cl.WindowFrom.Chinese()
	}
	if cl.WindowTo != nil {
		to = cl.WindowTo.Chinese()
	}
	return from + "至" + to
}

// missingFields returns the facts rule and amount of cl need that e lacks.
func missingFields(cl *policy.Clause, e *enterprise.Enterprise, today workday.Date) []Missing {
	var out []Missing
	seen := map[string]bool{}
	add := func(field string) {
		if seen[field] {
			return
		}
		seen[field] = true
		name := field
		if field == "age_years" {
			name = "founded" // the age comes from the founding date
		}
		m := Missing{Field: name, Label: enterprise.FieldLabel(name), Reportable: slices.Contains(enterprise.SelfReportFields, name)}
		out = append(out, m)
	}
	for _, l := range cl.Rule.Explain(e, today) {
		if l.Outcome == rule.Unknown {
			add(l.Field)
		}
	}
	if cl.Amount != nil && cl.Amount.Of != "" {
		if _, unknown := cl.Amount.For(e); unknown {
			add(cl.Amount.Of)
		}
	}
	return out
}

// pendingReports returns the values enterprise id reported that wait for
// review, by field.
func (s *Service) pendingReports(ctx context.Context, id int64) (map[string]*string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT field, value FROM self_reports WHERE enterprise_id = ? AND status = ?`, id, enterprise.ReportPending)
	if err != nil {
		return nil, errs.Wrap(err, "read self-reports")
	}
	defer rows.Close()
	out := map[string]*string{}
	for rows.Next() {
		var f string
		var v *string
		if err := rows.Scan(&f, &v); err != nil {
			return nil, errs.Wrap(err, "read self-reports")
		}
		out[f] = v
	}
	return out, errs.Wrap(rows.Err(), "read self-reports")
}

// ownEnterprise returns the enterprise of an enterprise account. Errors:
// Unauthenticated, Forbidden.
func ownEnterprise(a *auth.Actor) (int64, error) {
	if err := auth.AuthorizeSome(a, auth.ClaimBenefits); err != nil {
		return 0, err
	}
	if a.EnterpriseID == nil {
		return 0, errs.Errorf(errs.Forbidden, "账号未绑定企业")
	}
	return *a.EnterpriseID, nil
}

// ApplicationInput is what an enterprise sends with an application: the
// values of the facts its file lacks (fields of ApplyForm.Missing, as typed:
// money in yuan), a statement, its agreement to the pledge and the account
// to pay.
type ApplicationInput struct {
	Answers   map[string]string `json:"answers"`
	Statement string            `json:"statement"`
	Agree     bool              `json:"agree"`
	Account   Account           `json:"account"`
}

// checkInput validates in against form f. Errors: Invalid.
func checkInput(f *ApplyForm, in *ApplicationInput) error {
	in.Statement = strings.TrimSpace(in.Statement)
	if utf8.RuneCountInString(in.Statement) > 2000 {
		return errs.FieldErrorf("statement", "申请说明不能超过 2000 个字")
	}
	clean := map[string]string{}
	for k, v := range in.Answers {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		i := slices.IndexFunc(f.Missing, func(m Missing) bool { return m.Field == k })
		if i < 0 || !f.Missing[i].Reportable {
			return errs.FieldErrorf(k, "“%s”无需在申请中填写（已登记的信息如需更正，请在“我的档案”中修改）", enterprise.FieldLabel(k))
		}
		clean[k] = v
	}
	if _, err := enterprise.ParseFieldValues(clean); err != nil {
		return err
	}
	in.Answers = clean
	if f.Pledge != "" && !in.Agree {
		return errs.FieldErrorf("agree", "请阅读并同意信用承诺书")
	}
	if f.NeedsAccount {
		acct, err := ParseAccount(in.Account, f.Enterprise.Name)
		if err != nil {
			return err
		}
		in.Account = acct
	} else {
		in.Account = Account{}
	}
	return nil
}

// Apply submits the actor's enterprise's application for clause clauseID
// with its materials. The values it supplies for missing facts are
// recorded as self-reports, which wait for review like any other: the
// decision reads verified data only. For a 即申即享 clause whose rule is true
// on the verified data the decision is immediate and recorded with its
// evidence — approved, the grant made and its payment created (or refused
// at once when the budget is spent, first come) — otherwise, and for every
// 申报审核 clause, the application waits for the unit to accept it within
// the acceptance deadline. Enterprise accounts may call it for their own
// enterprise (auth.ClaimBenefits), while the clause is open, once at a
// time per clause. Errors: Unauthenticated, Forbidden, NotFound, Invalid
// (a field, a material), TooLarge, Conflict (closed, applied or granted
// already, not eligible).
func (s *Service) Apply(ctx context.Context, a *auth.Actor, clauseID int64, in ApplicationInput, files []Upload) (*Application, error) {
	f, err := s.ApplicationForm(ctx, a, clauseID)
	if err != nil {
		return nil, err
	}
	if !f.CanApply {
		return nil, errs.Errorf(errs.Conflict, "%s", f.Why)
	}
	if err := checkInput(f, &in); err != nil {
		return nil, err
	}
	stored, err := checkUploads(files, f.Materials, true)
	if err != nil {
		return nil, err
	}
	eid := f.Enterprise.ID
	if len(in.Answers) > 0 && s.report != nil {
		if _, err := s.report.SubmitSelfReport(ctx, a, eid, in.Answers); err != nil {
			return nil, err
		}
	}
	cl, pol := f.Clause, f.Policy
	today := s.today()
	ev := Evidence{Outcome: f.Outcome.String(), Leaves: leaves(cl.Rule.Explain(f.Enterprise, today, s.policy.Names())), Data: dataOf(f.Enterprise, dataFields(cl), today), How: "人工审核"}
	var id int64
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		ms := store.Millis(s.now())
		status, acceptBy := AppSubmitted, any(s.cal.AddWorkdays(today, s.acceptDays).String())
		err := tx.QueryRowContext(ctx, `INSERT INTO policy_applications (clause_id, clause_version_id, policy_id, unit_id, enterprise_id, mode, status,
			answers, statement, pledge, payee_name, payee_account, payee_bank, evidence, submitted_at, accept_by, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			cl.ClauseID, cl.ID, pol.ID, holding(pol), eid, cl.Mode, status, jsonText(in.Answers), in.Statement, pledgeOf(f, in.Agree),
			in.Account.Name, in.Account.Number, in.Account.Bank, jsonText(ev), ms, acceptBy, a.PersonRef(), ms, ms).Scan(&id)
		if store.IsUniqueViolation(err) {
			return errs.Errorf(errs.Conflict, "贵企业已有本条款在办的申请")
		}
		if err != nil {
			return errs.Wrap(err, "submit application")
		}
		if err := s.storeFiles(ctx, tx, ownerApplication, id, eid, a, stored); err != nil {
			return err
		}
		if err := s.step(ctx, tx, ownerApplication, id, a, "提交申请", ""); err != nil {
			return err
		}
		if err := s.record(ctx, tx, "application", id, "submit", nil, map[string]any{"clause_id": cl.ClauseID, "status": status,
			"answers": in.Answers, "materials": len(stored)}); err != nil {
			return err
		}
		if !f.Instant {
			return nil
		}
		// 即申即享: the rule is true on verified data — decide now.
		ev.How = "即时判定"
		amount := int64(0)
		if f.Amount != nil {
			amount = *f.Amount
		}
		if _, err := lockClause(ctx, tx, cl.ClauseID); err != nil {
			return err
		}
		if err := useBudget(ctx, tx, cl.ClauseID, cl.Budget, amount); err != nil {
			return s.decide(ctx, tx, a, id, AppSubmitted, AppRefused, "条款预算已用完（先到先得，额满为止）", nil, ev)
		}
		return s.grantApplication(ctx, tx, a, id, AppSubmitted, amount, ev)
	})
	if err != nil {
		return nil, err
	}
	return s.FindApplicationByID(ctx, a, id)
}

func pledgeOf(f *ApplyForm, agree bool) string {
	if agree {
		return f.Pledge
	}
	return ""
}

// grantApplication approves application id (from status from) for amount
// with evidence: the application is 已通过, a grant is made — confirmed, the
// pledge and account having come with the application — and its first
// payment created. Run under lockClause with the budget already used.
func (s *Service) grantApplication(ctx context.Context, tx *store.Tx, a *auth.Actor, id int64, from string, amount int64, ev Evidence) error {
	ap, err := s.scanApp(tx.QueryRowContext(ctx, appSelect+" WHERE t.id = ?", id), s.today())
	if err != nil {
		return errs.Wrap(err, "read application")
	}
	today := s.today()
	ms := store.Millis(s.now())
	origin := OriginReview
	if ap.Mode == policy.ModeInstant {
		origin = OriginInstant
	}
	var gid int64
	err = tx.QueryRowContext(ctx, `INSERT INTO policy_grants (clause_id, clause_version_id, policy_id, unit_id, enterprise_id, origin, application_id,
		status, amount, approved_amount, data, rule_version, generated_at, reviewed_by, approved_on, confirmed_at, confirmed_by, pledge,
		payee_name, payee_account, payee_bank, payable_on, created_at, updated_at)
		SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, version, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM policy_clauses WHERE id = ?
		RETURNING id`,
		ap.ClauseID, ap.ClauseVersionID, ap.PolicyID, ap.UnitID, ap.EnterpriseID, origin, id, GrantConfirmed, amount, amount,
		jsonText(ev.Data), ms, a.PersonRef(), today.String(), ms, nil, ap.Pledge, ap.Account.Name, ap.Account.Number, ap.Account.Bank,
		today.String(), ms, ms, ap.ClauseVersionID).Scan(&gid)
	if store.IsUniqueViolation(err) {
		return errs.Errorf(errs.Conflict, "该企业已享受本条款，不能重复兑现")
	}
	if err != nil {
		return errs.Wrap(err, "make grant")
	}
	approved := amount
	if err := s.decide(ctx, tx, a, id, from, AppApproved, "", &approved, ev); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE policy_applications SET grant_id = ? WHERE id = ?`, gid, id); err != nil {
		return errs.Wrap(err, "link grant")
	}
	g, err := findGrant(ctx, tx, gid)
	if err != nil {
		return err
	}
	cl, _, err := s.policy.FindClauseByID(ctx, s.system, ap.ClauseVersionID)
	if err != nil {
		return err
	}
	if err := s.firstPayment(ctx, tx, g, cl, today); err != nil {
		return err
	}
	return s.record(ctx, tx, "grant", gid, "create", nil, map[string]any{"origin": origin, "application_id": id, "status": GrantConfirmed,
		"approved_amount": amount})
}

// decide moves application id from status from to to with a reason (a
// refusal, a return) or an amount (an approval) and the evidence, records
// the step and tells the enterprise. Errors: Conflict when it is no longer
// in from.
func (s *Service) decide(ctx context.Context, tx *store.Tx, a *auth.Actor, id int64, from, to, why string, amount *int64, ev Evidence) error {
	ms := store.Millis(s.now())
	set := `status = ?, reason = ?, evidence = ?, updated_at = ?`
	args := []any{to, why, jsonText(ev), ms}
	switch to {
	case AppApproved, AppRefused:
		set += `, decided_at = ?, decided_by = ?, amount = ?`
		args = append(args, ms, a.PersonRef(), amount)
	case AppReviewing:
		set += `, accepted_at = ?, decide_by = ?`
		args = append(args, ms, s.cal.AddWorkdays(s.today(), s.reviewDays).String())
	case AppSubmitted:
		set += `, accept_by = ?, submitted_at = ?`
		args = append(args, s.cal.AddWorkdays(s.today(), s.acceptDays).String(), ms)
	}
	res, err := tx.ExecContext(ctx, `UPDATE policy_applications SET `+set+` WHERE id = ? AND status = ?`, append(args, id, from)...)
	if err != nil {
		return errs.Wrap(err, "change application")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.Errorf(errs.Conflict, "申请状态已变化，请刷新后重试")
	}
	step := map[string]string{AppReviewing: "受理", AppApproved: "审核通过", AppRefused: "审核不通过", AppReturned: "退回补正",
		AppSubmitted: "补正后重新提交", AppWithdrawn: "撤回申请"}[to]
	if to == AppApproved && ev.How == "即时判定" {
		step = "即时判定通过"
	}
	note := why
	if to == AppApproved && amount != nil {
		note = "核定金额：" + money.FormatWan(*amount)
		if ev.Note != "" {
			note += "；" + ev.Note
		}
	}
	if err := s.step(ctx, tx, ownerApplication, id, a, step, note); err != nil {
		return err
	}
	action := map[string]string{AppReviewing: "accept", AppApproved: "approve", AppRefused: "refuse", AppReturned: "return",
		AppSubmitted: "resubmit", AppWithdrawn: "withdraw"}[to]
	if err := s.record(ctx, tx, "application", id, action, map[string]any{"status": from},
		map[string]any{"status": to, "reason": why, "amount": amount, "how": ev.How}); err != nil {
		return err
	}
	if to == AppWithdrawn || to == AppSubmitted {
		return nil
	}
	var eid int64
	var title string
	if err := tx.QueryRowContext(ctx, `SELECT t.enterprise_id, p.title FROM policy_applications t JOIN policies p ON p.id = t.policy_id WHERE t.id = ?`, id).
		Scan(&eid, &title); err != nil {
		return errs.Wrap(err, "read application")
	}
	body := "状态：" + to
	if note != "" {
		body += "\n" + note
	}
	return s.tell(ctx, tx, eid, KindApply, fmt.Sprintf("“%s”申请%s", title, step), body, fmt.Sprintf("/applications/%d", id),
		fmt.Sprintf("redeem.application:%d:%s:%d", id, action, ms))
}

// appFor reads application id for a decision of its unit. Errors:
// Unauthenticated, Forbidden, NotFound.
func (s *Service) appFor(ctx context.Context, a *auth.Actor, id int64) (*Application, error) {
	ap, err := s.FindApplicationByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.RedeemPolicies, ap.Resource()); err != nil {
		return nil, err
	}
	return ap, nil
}

// AcceptApplication accepts a submitted application for review (待受理 →
// 审核中), setting the decision deadline. Those who redeem the clause may
// call it. Errors: Unauthenticated, Forbidden, NotFound, Conflict.
func (s *Service) AcceptApplication(ctx context.Context, a *auth.Actor, id int64) (*Application, error) {
	ap, err := s.appFor(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if ap.Status != AppSubmitted {
		return nil, errs.Errorf(errs.Conflict, "只有待受理的申请可以受理（当前：%s）", ap.Status)
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		return s.decide(ctx, tx, a, id, AppSubmitted, AppReviewing, "", nil, ap.Evidence)
	})
	if err != nil {
		return nil, err
	}
	return s.FindApplicationByID(ctx, a, id)
}

// Decision is a unit's decision on an application under review.
type Decision struct {
	Approve bool   `json:"approve"`
	Reason  string `json:"reason"` // required to refuse
	// Amount is the approved amount in yuan; nil: as the clause computes it
	// from the enterprise's verified data (required when that base is
	// unknown). Never above the computed amount when there is one.
	Amount *int64 `json:"amount"`
	Note   string `json:"note"`
}

// DecideApplication approves or refuses an application under review. An
// approval reads the enterprise's verified data afresh for the evidence and
// the amount, holds the clause's budget (first come) and makes the grant
// and its payment; a refusal needs a reason the enterprise sees. Those who
// redeem the clause may call it. Errors: Unauthenticated, Forbidden,
// NotFound, Invalid (no reason, amount), Conflict (not under review, budget
// spent).
func (s *Service) DecideApplication(ctx context.Context, a *auth.Actor, id int64, d Decision) (*Application, error) {
	ap, err := s.appFor(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if ap.Status != AppReviewing {
		return nil, errs.Errorf(errs.Conflict, "只有审核中的申请可以作出决定（当前：%s，请先受理）", ap.Status)
	}
	if !d.Approve {
		why, err := reason("reason", "不通过的理由", d.Reason)
		if err != nil {
			return nil, err
		}
		err = s.db.InTx(ctx, func(tx *store.Tx) error {
			return s.decide(ctx, tx, a, id, AppReviewing, AppRefused, why, nil, ap.Evidence)
		})
		if err != nil {
			return nil, err
		}
		return s.FindApplicationByID(ctx, a, id)
	}
	cl, _, err := s.policy.FindCurrentClause(ctx, s.system, ap.ClauseID)
	if err != nil {
		return nil, err
	}
	ents, err := policy.ReadEnterprises(ctx, s.db, []int64{ap.EnterpriseID})
	if err != nil || len(ents) == 0 {
		return nil, errs.Wrap(fmt.Errorf("enterprise %d: %v", ap.EnterpriseID, err), "read enterprise")
	}
	e := ents[0]
	today := s.today()
	ev := Evidence{Outcome: cl.Rule.Eval(e, today).String(), Leaves: leaves(cl.Rule.Explain(e, today, s.policy.Names())), Data: dataOf(e, dataFields(cl), today),
		How: "人工审核", Note: strings.TrimSpace(d.Note)}
	if utf8.RuneCountInString(ev.Note) > 500 {
		return nil, errs.FieldErrorf("note", "审核意见不能超过 500 个字")
	}
	var amount int64
	if cl.Amount != nil {
		yuan, unknown := cl.Amount.For(e)
		switch {
		case d.Amount != nil && (*d.Amount < 0 || !unknown && *d.Amount > yuan):
			return nil, errs.FieldErrorf("amount", "核定金额应在 0 到按政策计算的 %s 之间", money.FormatWan(yuan))
		case d.Amount != nil:
			amount = *d.Amount
		case unknown:
			return nil, errs.FieldErrorf("amount", "企业的%s未核实，请填写核定金额", enterprise.FieldLabel(cl.Amount.Of))
		default:
			amount = yuan
		}
	} else if d.Amount != nil && *d.Amount != 0 {
		return nil, errs.FieldErrorf("amount", "本条款不涉及资金")
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := lockClause(ctx, tx, ap.ClauseID); err != nil {
			return err
		}
		if err := useBudget(ctx, tx, ap.ClauseID, cl.Budget, amount); err != nil {
			return errs.Errorf(errs.Conflict, "条款预算余额不足以兑现 %s（先到先得）", money.FormatWan(amount))
		}
		return s.grantApplication(ctx, tx, a, id, AppReviewing, amount, ev)
	})
	if err != nil {
		return nil, err
	}
	return s.FindApplicationByID(ctx, a, id)
}

// ReturnApplication returns an application to the enterprise for more
// (退回补正) with a reason. Those who redeem the clause may call it, before a
// decision. Errors: Unauthenticated, Forbidden, NotFound, Invalid (no
// reason), Conflict.
func (s *Service) ReturnApplication(ctx context.Context, a *auth.Actor, id int64, why string) (*Application, error) {
	ap, err := s.appFor(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if ap.Status != AppSubmitted && ap.Status != AppReviewing {
		return nil, errs.Errorf(errs.Conflict, "只有待受理或审核中的申请可以退回补正（当前：%s）", ap.Status)
	}
	if why, err = reason("reason", "退回补正的理由", why); err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		return s.decide(ctx, tx, a, id, ap.Status, AppReturned, why, nil, ap.Evidence)
	})
	if err != nil {
		return nil, err
	}
	return s.FindApplicationByID(ctx, a, id)
}

// ResubmitApplication sends a returned application back (退回补正 → 待受理)
// with what the enterprise corrected: a new statement when given, further
// values for missing facts (self-reports) and further materials. The
// enterprise's accounts may call it. Errors: Unauthenticated, Forbidden,
// NotFound, Invalid, TooLarge, Conflict (not returned).
func (s *Service) ResubmitApplication(ctx context.Context, a *auth.Actor, id int64, in ApplicationInput, files []Upload) (*Application, error) {
	ap, err := s.FindApplicationByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.ClaimBenefits, ap.Resource()); err != nil {
		return nil, err
	}
	if ap.Status != AppReturned {
		return nil, errs.Errorf(errs.Conflict, "只有退回补正的申请可以重新提交（当前：%s）", ap.Status)
	}
	f, err := s.ApplicationForm(ctx, a, ap.ClauseID)
	if err != nil {
		return nil, err
	}
	if in.Statement == "" {
		in.Statement = ap.Statement
	}
	if !f.NeedsAccount || in.Account == (Account{}) {
		in.Account = ap.Account
	}
	if ap.Pledge != "" {
		in.Agree = true
	}
	if err := checkInput(f, &in); err != nil {
		return nil, err
	}
	stored, err := checkUploads(files, f.Materials, false)
	if err != nil {
		return nil, err
	}
	if len(in.Answers) > 0 && s.report != nil {
		if _, err := s.report.SubmitSelfReport(ctx, a, ap.EnterpriseID, in.Answers); err != nil {
			return nil, err
		}
	}
	for k, v := range ap.Answers {
		if _, ok := in.Answers[k]; !ok {
			in.Answers[k] = v
		}
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE policy_applications SET answers = ?, statement = ?, payee_name = ?, payee_account = ?, payee_bank = ?
			WHERE id = ? AND status = ?`, jsonText(in.Answers), in.Statement, in.Account.Name, in.Account.Number, in.Account.Bank, id, AppReturned); err != nil {
			return errs.Wrap(err, "resubmit application")
		}
		if err := s.storeFiles(ctx, tx, ownerApplication, id, ap.EnterpriseID, a, stored); err != nil {
			return err
		}
		return s.decide(ctx, tx, a, id, AppReturned, AppSubmitted, "", nil, ap.Evidence)
	})
	if err != nil {
		return nil, err
	}
	return s.FindApplicationByID(ctx, a, id)
}

// WithdrawApplication withdraws an application before a decision. The
// enterprise's accounts may call it. Errors: Unauthenticated, Forbidden,
// NotFound, Conflict (decided already).
func (s *Service) WithdrawApplication(ctx context.Context, a *auth.Actor, id int64) (*Application, error) {
	ap, err := s.FindApplicationByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.ClaimBenefits, ap.Resource()); err != nil {
		return nil, err
	}
	if !liveApp(ap.Status) {
		return nil, errs.Errorf(errs.Conflict, "申请已%s，不能撤回", ap.Status)
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		return s.decide(ctx, tx, a, id, ap.Status, AppWithdrawn, "", nil, ap.Evidence)
	})
	if err != nil {
		return nil, err
	}
	return s.FindApplicationByID(ctx, a, id)
}

// ClausePermitted is what an actor may do about redemption under one clause.
type ClausePermitted struct {
	Apply  bool `json:"apply"`  // ApplicationForm and Apply: the enterprise, 即申即享 or 申报审核, open, not found unfit
	Object bool `json:"object"` // FileObjection: the enterprise, found unfit on verified data
	List   bool `json:"list"`   // the grant list of a 免申即享 clause (FindGrants, GenerateGrants …)
}

// ClausePermittedTo returns what a may do under clause cl of policy pol,
// where outcome is how the clause stands for a's enterprise (ignored for
// other actors).
func (s *Service) ClausePermittedTo(ctx context.Context, a *auth.Actor, pol *policy.Policy, cl *policy.Clause, outcome rule.Outcome) ClausePermitted {
	var p ClausePermitted
	published := pol.Status == policy.StatusPublished
	if a.CanSome(auth.ClaimBenefits) && a.EnterpriseID != nil && published {
		p.Apply = cl.Mode != policy.ModeAutomatic && cl.Open(s.today()) && outcome != rule.No
		p.Object = outcome == rule.No
	}
	p.List = s.ListPermittedTo(ctx, a, pol, cl).View
	return p
}
