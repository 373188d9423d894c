package enterprise

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"github.com/qinqing/qinqing/internal/paging"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// SelfService is the enterprises' own door into the registry:
//
//   - Invitations. An administrator or the enterprise's service specialist
//     creates a one-time code for an enterprise (random, shown once, only
//     its SHA-256 stored, valid 7 days); whoever holds it signs up at /join
//     with the code, a username and a password, and gets an account with
//     role enterprise bound to that enterprise. Logging in with the
//     enterprise's 电子营业执照 (e-business licence) is the intended
//     production path and an integration point: it would verify the
//     licence with the market regulator's service and then bind the account
//     the same way RedeemInvitation does. It is not built.
//   - Self-reports (企业自报). An enterprise account edits its profile; every
//     changed value is stored as a self-report. Key fields (KeyField: money,
//     headcount, tags, industry) wait for review (待审核) by an
//     administrator or the enterprise's specialist, who accepts it (the value
//     is written with source 企业自报) or rejects it with a note; other
//     fields (street, founding date) are written at once with source 企业自报.
//
// Ownership is checked here with auth.Authorize: an enterprise account acts
// only on its own enterprise, a specialist only on the enterprises assigned
// to them (Service.Owners: the service network's assignments).
type SelfService struct {
	DB *store.DB
	SelfServiceOptions
}

// SelfServiceOptions are the dependencies and settings of a SelfService.
type SelfServiceOptions struct {
	Audit       *audit.Log
	Now         func() time.Time
	Enterprises *Service      // the registry the accepted values are written to
	Users       *auth.Service // accounts created by redeeming an invitation
	// InvitationTTL is how long an invitation code is valid; 0 means
	// DefaultInvitationTTL.
	InvitationTTL time.Duration
}

// NewSelfService returns the enterprises' self-service on db.
func NewSelfService(db *store.DB, opts SelfServiceOptions) *SelfService {
	return &SelfService{DB: db, SelfServiceOptions: opts}
}

// DefaultInvitationTTL is how long an invitation code is valid by default.
const DefaultInvitationTTL = 7 * 24 * time.Hour

func (s *SelfService) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *SelfService) resource(ctx context.Context, enterpriseID int64) (auth.Resource, error) {
	return s.Enterprises.Resource(ctx, enterpriseID)
}

// authorizeCaretaker allows administrators and the enterprise's own
// specialist (Permitted.Care). Errors: Unauthenticated, Forbidden.
func (s *SelfService) authorizeCaretaker(ctx context.Context, a *auth.Actor, enterpriseID int64, what string) error {
	if err := auth.AuthorizeSome(a, auth.EditEnterprise); err != nil {
		return err
	}
	res, err := s.resource(ctx, enterpriseID)
	if err != nil {
		return err
	}
	if !PermittedTo(a, res).Care {
		if a.Role == auth.RoleEnterprise {
			return errs.Errorf(errs.Forbidden, "企业账号不能%s", what)
		}
		return errs.Errorf(errs.Forbidden, "无权执行此操作")
	}
	return nil
}

// ---- Invitations ----

// Invitation is a one-time sign-up code for an enterprise (the code itself
// is never stored).
type Invitation struct {
	ID           int64      `json:"id"`
	EnterpriseID int64      `json:"enterprise_id"`
	CreatedBy    *int64     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	ExpiresAt    time.Time  `json:"expires_at"`
	UsedAt       *time.Time `json:"used_at"`
	UsedBy       *int64     `json:"used_by"`
}

// State returns 已使用, 已过期 or 未使用 at now.
func (inv *Invitation) State(now time.Time) string {
	switch {
	case inv.UsedAt != nil:
		return "已使用"
	case !now.Before(inv.ExpiresAt):
		return "已过期"
	}
	return "未使用"
}

// codeAlphabet has no 0/O or 1/I, so that a code read over the phone or
// copied by hand comes out right.
const codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// newInvitationCode returns a random code of 12 characters (60 bits) in
// groups of four: ABCD-EFGH-JKLM.
func newInvitationCode() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	var out strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			out.WriteByte('-')
		}
		out.WriteByte(codeAlphabet[int(c)%len(codeAlphabet)])
	}
	return out.String()
}

// normalizeInvitationCode keeps the code's letters and digits, upper-cased, so that
// spaces, dashes and lower case typed by people do not matter.
func normalizeInvitationCode(code string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(code) {
		if r >= 'Ａ' && r <= 'Ｚ' {
			r = r - 'Ａ' + 'A'
		}
		if r >= '０' && r <= '９' {
			r = r - '０' + '0'
		}
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func hashCode(code string) string {
	h := sha256.Sum256([]byte("qinqing-invitation:" + normalizeInvitationCode(code)))
	return hex.EncodeToString(h[:])
}

// CreateInvitation creates a one-time invitation code for an enterprise and
// returns the code — shown this once; only its hash is stored — with the
// invitation. Administrators and the enterprise's own specialist may call
// it. Errors: Unauthenticated; Forbidden for anyone else (enterprise
// accounts included); NotFound for an unknown enterprise.
func (s *SelfService) CreateInvitation(ctx context.Context, a *auth.Actor, enterpriseID int64) (string, *Invitation, error) {
	if err := s.authorizeCaretaker(ctx, a, enterpriseID, "生成邀请码"); err != nil {
		return "", nil, err
	}
	if _, err := s.Enterprises.findByID(ctx, enterpriseID); err != nil {
		return "", nil, err
	}
	ttl := s.InvitationTTL
	if ttl <= 0 {
		ttl = DefaultInvitationTTL
	}
	now := s.now()
	code := newInvitationCode()
	inv := &Invitation{EnterpriseID: enterpriseID, CreatedAt: store.FromMillis(store.Millis(now)), ExpiresAt: store.FromMillis(store.Millis(now.Add(ttl)))}
	if a.UserID != 0 {
		id := a.UserID
		inv.CreatedBy = &id
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO invitations (code_hash, enterprise_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			hashCode(code), enterpriseID, inv.CreatedBy, store.Millis(inv.CreatedAt), store.Millis(inv.ExpiresAt)).Scan(&inv.ID)
		if err != nil {
			return errs.Wrap(err, "insert invitation")
		}
		return s.Audit.Record(ctx, tx, "invitation", strconv.FormatInt(inv.ID, 10), "create", nil, inv)
	})
	if err != nil {
		return "", nil, err
	}
	return code, inv, nil
}

// FindInvitations returns an enterprise's invitations, newest first.
// Callers as for CreateInvitation. Errors: Unauthenticated, Forbidden.
func (s *SelfService) FindInvitations(ctx context.Context, a *auth.Actor, enterpriseID int64) ([]Invitation, error) {
	if err := s.authorizeCaretaker(ctx, a, enterpriseID, "查看邀请码"); err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT id, enterprise_id, created_by, created_at, expires_at, used_at, used_by
		FROM invitations WHERE enterprise_id = ? ORDER BY id DESC LIMIT 100`, enterpriseID)
	if err != nil {
		return nil, errs.Wrap(err, "find invitations")
	}
	defer rows.Close()
	out := []Invitation{}
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, errs.Wrap(err, "scan invitation")
		}
		out = append(out, *inv)
	}
	return out, errs.Wrap(rows.Err(), "find invitations")
}

func scanInvitation(row interface{ Scan(...any) error }) (*Invitation, error) {
	var inv Invitation
	var created, expires int64
	var used sql.NullInt64
	if err := row.Scan(&inv.ID, &inv.EnterpriseID, &inv.CreatedBy, &created, &expires, &used, &inv.UsedBy); err != nil {
		return nil, err
	}
	inv.CreatedAt, inv.ExpiresAt = store.FromMillis(created), store.FromMillis(expires)
	if used.Valid {
		t := store.FromMillis(used.Int64)
		inv.UsedAt = &t
	}
	return &inv, nil
}

// Redemption is what signing up with an invitation code takes.
type Redemption struct {
	Code        string  `json:"code"`
	Username    string  `json:"username"`
	Password    string  `json:"password"`
	DisplayName string  `json:"display_name"` // default: the enterprise's name
	Phone       *string `json:"phone"`
}

// RedeemInvitation creates an account with role enterprise bound to the
// invitation's enterprise and uses the code up. Anyone may call it (it is
// how an enterprise signs up); a code works once: the invitation is claimed
// first, so two people racing with one code cannot both succeed, and is
// released again when the account cannot be created (a username taken), so
// that the holder may try another. Errors: Invalid on field code for a
// wrong or expired code, Conflict on field code for a used one; Invalid or
// Conflict from creating the account (username, password).
func (s *SelfService) RedeemInvitation(ctx context.Context, in Redemption) (*auth.User, error) {
	code := normalizeInvitationCode(in.Code)
	if code == "" {
		return nil, errs.FieldErrorf("code", "请输入邀请码")
	}
	now := s.now()
	inv, err := scanInvitation(s.DB.QueryRowContext(ctx, `SELECT id, enterprise_id, created_by, created_at, expires_at, used_at, used_by
		FROM invitations WHERE code_hash = ?`, hashCode(code)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.FieldErrorf("code", "邀请码不正确，请核对后重新输入")
	}
	if err != nil {
		return nil, errs.Wrap(err, "find invitation")
	}
	usedErr := &errs.Error{Code: errs.Conflict, Field: "code", Message: "该邀请码已被使用（每个邀请码只能使用一次），如需新账号请联系服务专员重新获取"}
	if inv.UsedAt != nil {
		return nil, usedErr
	}
	if !now.Before(inv.ExpiresAt) {
		return nil, errs.FieldErrorf("code", "该邀请码已于%s过期，请联系服务专员重新获取", inv.ExpiresAt.In(workday.Shanghai).Format("2006年1月2日 15:04"))
	}
	e, err := s.Enterprises.findByID(ctx, inv.EnterpriseID)
	if err != nil {
		return nil, err
	}
	res, err := s.DB.ExecContext(ctx, `UPDATE invitations SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?`,
		store.Millis(now), inv.ID, store.Millis(now))
	if err != nil {
		return nil, errs.Wrap(err, "claim invitation")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, usedErr
	}
	if strings.TrimSpace(in.DisplayName) == "" {
		in.DisplayName = e.Name
	}
	if utf8.RuneCountInString(in.DisplayName) > 64 {
		in.DisplayName = string([]rune(in.DisplayName)[:64])
	}
	eid := inv.EnterpriseID
	u, err := s.Users.CreateUser(ctx, auth.Operator("invitation"), auth.UserInput{Username: in.Username, DisplayName: in.DisplayName, Password: in.Password,
		Role: auth.RoleEnterprise, EnterpriseID: &eid, Phone: in.Phone})
	if err != nil {
		if _, rerr := s.DB.ExecContext(ctx, `UPDATE invitations SET used_at = NULL WHERE id = ? AND used_by IS NULL`, inv.ID); rerr != nil {
			return nil, errs.Wrap(rerr, "release invitation")
		}
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE invitations SET used_by = ? WHERE id = ?`, u.ID, inv.ID); err != nil {
			return errs.Wrap(err, "use invitation")
		}
		uid := u.ID
		return s.Audit.Record(ctx, tx, "invitation", strconv.FormatInt(inv.ID, 10), "redeem", nil,
			map[string]any{"enterprise_id": inv.EnterpriseID, "user_id": uid, "username": u.Username})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ---- Self-reports ----

// The states of a self-report.
const (
	ReportPending  = "待审核"
	ReportAccepted = "已采纳"
	ReportRejected = "已驳回"
)

// ReportStates lists the states in display order.
var ReportStates = []string{ReportPending, ReportAccepted, ReportRejected}

// SelfReportFields are the fields an enterprise may report about itself,
// in display order. Name, code, district, registration status and credit
// come from official registers and are not self-reported.
var SelfReportFields = []string{"street", "founded", "industry", "registered_capital", "employees", "revenue",
	"rd_expense", "tax_paid", "export_value", "total_assets", "tags"}

// KeyField reports whether a self-reported value of field waits for review
// before it is written: every money field, the headcount, the tags (they
// decide policy eligibility and size class) and the industry (it decides
// the size standard and many policy rules).
func KeyField(field string) bool {
	f, ok := FieldByName(field)
	return ok && (f.Type == TypeMoney || field == "employees" || field == "tags" || field == "industry")
}

// FieldLabel returns the Chinese label of a canonical field (or of the
// stored kind_text), or the name.
func FieldLabel(field string) string {
	if field == "kind_text" {
		return "市场主体类型（登记原文）"
	}
	if f, ok := FieldByName(field); ok {
		return f.Label
	}
	return field
}

// SelfReport is one value an enterprise reported about itself. Values are
// in the stored text form: money in yuan, dates 2006-01-02, tags joined
// with '|'; OldValue is the value when it was reported (nil: unknown).
type SelfReport struct {
	ID             int64      `json:"id"`
	EnterpriseID   int64      `json:"enterprise_id"`
	EnterpriseName string     `json:"enterprise_name"`
	Field          string     `json:"field"`
	FieldLabel     string     `json:"field_label"`
	Key            bool       `json:"key"` // a key field: waits for review
	Value          *string    `json:"value"`
	OldValue       *string    `json:"old_value"`
	ReportedBy     *int64     `json:"reported_by"`
	ReporterName   string     `json:"reporter_name"`
	At             time.Time  `json:"at"`
	Status         string     `json:"status"`
	ReviewedBy     *int64     `json:"reviewed_by"`
	ReviewerName   string     `json:"reviewer_name"`
	ReviewedAt     *time.Time `json:"reviewed_at"`
	Note           string     `json:"note"`
}

// fieldUpdate returns the update that sets field to v as people type it
// (money in yuan; tags separated by 、 ; or '|'). Errors: Invalid on field.
func fieldUpdate(field, v string) (Update, error) {
	u := Update{Source: SourceSelf}
	v = trimSpace(v)
	label := FieldLabel(field)
	count := func() (*int64, error) {
		n, err := ParseCount(v)
		if err != nil {
			return nil, errs.FieldErrorf(field, "%s：%s", label, errs.MessageOf(err))
		}
		return &n, nil
	}
	var err error
	switch field {
	case "street":
		u.Street = &v
	case "founded":
		d, perr := workday.ParseDate(v)
		if perr != nil {
			return u, errs.FieldErrorf(field, "%s：%s", label, errs.MessageOf(perr))
		}
		u.Founded = &d
	case "industry":
		u.Industry = &v
	case "registered_capital":
		u.RegisteredCapital, err = count()
	case "employees":
		u.Employees, err = count()
	case "revenue":
		u.Revenue, err = count()
	case "rd_expense":
		u.RDExpense, err = count()
	case "tax_paid":
		u.TaxPaid, err = count()
	case "export_value":
		u.ExportValue, err = count()
	case "total_assets":
		u.TotalAssets, err = count()
	case "tags":
		tags, perr := ParseTags(strings.ReplaceAll(v, "|", "、"))
		if perr != nil {
			return u, perr
		}
		u.Tags = &tags
	default:
		return u, errs.FieldErrorf(field, "“%s”不能由企业自报", label)
	}
	return u, err
}

// ParseFieldValues reads values — fields of SelfReportFields mapped to
// values as people type them (money in whole yuan; tags separated by 、;
// dates 2024-03-27); empty values are skipped — into one Update (without a
// source). Errors: Invalid naming the field.
func ParseFieldValues(values map[string]string) (Update, error) {
	var u Update
	for _, f := range SelfReportFields {
		v, ok := values[f]
		if !ok || trimSpace(v) == "" {
			continue
		}
		fu, err := fieldUpdate(f, v)
		if err != nil {
			return Update{}, err
		}
		u.mergeFrom(fu)
	}
	for f := range values {
		if !slices.Contains(SelfReportFields, f) {
			return Update{}, errs.FieldErrorf(f, "“%s”不能由企业申报或更正", FieldLabel(f))
		}
	}
	return u, nil
}

// fieldText returns the stored text form of field in e, nil when unknown.
func fieldText(e *Enterprise, field string) *string {
	switch field {
	case "street":
		return e.Street
	case "founded":
		return textOf(e.Founded, dateText)
	case "industry":
		return e.Industry
	case "registered_capital":
		return textOf(e.RegisteredCapital, itoa)
	case "employees":
		return textOf(e.Employees, itoa)
	case "revenue":
		return textOf(e.Revenue, itoa)
	case "rd_expense":
		return textOf(e.RDExpense, itoa)
	case "tax_paid":
		return textOf(e.TaxPaid, itoa)
	case "export_value":
		return textOf(e.ExportValue, itoa)
	case "total_assets":
		return textOf(e.TotalAssets, itoa)
	case "tags":
		return joinTags(e.Tags)
	}
	return nil
}

// mergeFrom sets in u the fields that v sets.
func (u *Update) mergeFrom(v Update) {
	if v.Street != nil {
		u.Street = v.Street
	}
	if v.Founded != nil {
		u.Founded = v.Founded
	}
	if v.Industry != nil {
		u.Industry = v.Industry
	}
	for _, p := range []struct{ dst, src **int64 }{{&u.RegisteredCapital, &v.RegisteredCapital}, {&u.Employees, &v.Employees},
		{&u.Revenue, &v.Revenue}, {&u.RDExpense, &v.RDExpense}, {&u.TaxPaid, &v.TaxPaid}, {&u.ExportValue, &v.ExportValue},
		{&u.TotalAssets, &v.TotalAssets}} {
		if *p.src != nil {
			*p.dst = *p.src
		}
	}
	if v.Tags != nil {
		u.Tags = v.Tags
	}
}

// SubmitResult says what became of a submission: the values written at once
// and the values waiting for review.
type SubmitResult struct {
	Applied []SelfReport `json:"applied"`
	Pending []SelfReport `json:"pending"`
}

// SubmitSelfReport records the values an enterprise account reports about
// its own enterprise: values maps a field of SelfReportFields to its new
// value as typed (money in whole yuan; tags separated by 、; dates
// 2024-03-27); empty values and values equal to the stored ones are
// skipped. Non-key fields are written at once with source 企业自报 and
// recorded as accepted; key fields are recorded as 待审核, replacing an
// earlier pending report of the same field (marked 已驳回 with a note).
// Only enterprise accounts, for their own enterprise (auth.EditEnterprise
// ownership). Errors: Unauthenticated; Forbidden for anyone else; NotFound;
// Invalid on a field (nothing is written then).
func (s *SelfService) SubmitSelfReport(ctx context.Context, a *auth.Actor, enterpriseID int64, values map[string]string) (*SubmitResult, error) {
	if err := auth.Authorize(a, auth.EditEnterprise, auth.Resource{EnterpriseID: enterpriseID}); err != nil {
		return nil, err
	}
	if a.Role != auth.RoleEnterprise || a.UserID == 0 {
		return nil, errs.Errorf(errs.Forbidden, "只有企业本身的账号可以提交企业自报；服务专员和管理员请直接修改企业档案")
	}
	for f := range values {
		if !slices.Contains(SelfReportFields, f) {
			return nil, errs.FieldErrorf(f, "“%s”不能由企业自报", FieldLabel(f))
		}
	}
	cur, err := s.Enterprises.findByID(ctx, enterpriseID)
	if err != nil {
		return nil, err
	}
	type item struct {
		field    string
		old, new *string
		key      bool
	}
	var items []item
	apply := Update{Source: SourceSelf}
	for _, f := range SelfReportFields {
		v, ok := values[f]
		if !ok || trimSpace(v) == "" {
			continue
		}
		u, err := fieldUpdate(f, v)
		if err != nil {
			return nil, err
		}
		in, err := s.Enterprises.validate(u)
		if err != nil {
			return nil, err
		}
		nv, ov := fieldText(in, f), fieldText(cur, f)
		if nv == nil || (ov != nil && *ov == *nv) {
			continue
		}
		it := item{field: f, old: ov, new: nv, key: KeyField(f)}
		if !it.key {
			apply.mergeFrom(u)
		}
		items = append(items, it)
	}
	out := &SubmitResult{Applied: []SelfReport{}, Pending: []SelfReport{}}
	if len(items) == 0 {
		return out, nil
	}
	if slices.ContainsFunc(items, func(it item) bool { return !it.key }) {
		if _, err := s.Enterprises.update(ctx, enterpriseID, apply); err != nil {
			return nil, err
		}
	}
	now := store.Millis(s.now())
	uid := a.UserID
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		for _, it := range items {
			r := SelfReport{EnterpriseID: enterpriseID, EnterpriseName: cur.Name, Field: it.field, FieldLabel: FieldLabel(it.field), Key: it.key,
				Value: it.new, OldValue: it.old, ReportedBy: &uid, ReporterName: a.DisplayName, At: store.FromMillis(now)}
			var reviewedAt *int64
			if it.key {
				r.Status = ReportPending
				if _, err := tx.ExecContext(ctx, `UPDATE self_reports SET status = ?, reviewed_at = ?, note = ? WHERE enterprise_id = ? AND field = ? AND status = ?`,
					ReportRejected, now, "已被企业新提交的自报替代", enterpriseID, it.field, ReportPending); err != nil {
					return errs.Wrap(err, "supersede self-report")
				}
			} else {
				r.Status, r.Note = ReportAccepted, "非关键字段，提交即生效"
				reviewedAt = &now
				t := store.FromMillis(now)
				r.ReviewedAt = &t
			}
			err := tx.QueryRowContext(ctx, `INSERT INTO self_reports (enterprise_id, field, value, old_value, reported_by, at, status, reviewed_at, note)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				enterpriseID, it.field, it.new, it.old, uid, now, r.Status, reviewedAt, r.Note).Scan(&r.ID)
			if err != nil {
				return errs.Wrap(err, "insert self-report")
			}
			if err := s.Audit.Record(ctx, tx, "self_report", strconv.FormatInt(r.ID, 10), "submit", nil, r); err != nil {
				return err
			}
			if it.key {
				out.Pending = append(out.Pending, r)
			} else {
				out.Applied = append(out.Applied, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

const reportSelect = `SELECT r.id, r.enterprise_id, e.name, r.field, r.value, r.old_value, r.reported_by, COALESCE(ru.display_name, ''),
	r.at, r.status, r.reviewed_by, COALESCE(vu.display_name, ''), r.reviewed_at, r.note
	FROM self_reports r JOIN enterprises e ON e.id = r.enterprise_id
	LEFT JOIN users ru ON ru.id = r.reported_by LEFT JOIN users vu ON vu.id = r.reviewed_by`

func scanReport(row interface{ Scan(...any) error }) (*SelfReport, error) {
	var r SelfReport
	var at int64
	var reviewed sql.NullInt64
	if err := row.Scan(&r.ID, &r.EnterpriseID, &r.EnterpriseName, &r.Field, &r.Value, &r.OldValue, &r.ReportedBy, &r.ReporterName,
		&at, &r.Status, &r.ReviewedBy, &r.ReviewerName, &reviewed, &r.Note); err != nil {
		return nil, err
	}
	r.At = store.FromMillis(at)
	if reviewed.Valid {
		t := store.FromMillis(reviewed.Int64)
		r.ReviewedAt = &t
	}
	r.FieldLabel, r.Key = FieldLabel(r.Field), KeyField(r.Field)
	return &r, nil
}

func findReport(ctx context.Context, q store.Querier, id int64) (*SelfReport, error) {
	r, err := scanReport(q.QueryRowContext(ctx, reportSelect+` WHERE r.id = ?`, id))
	if err != nil {
		return nil, store.NotFound(err, "企业自报（编号%d）不存在", id)
	}
	return r, nil
}

// ReviewSelfReport accepts or rejects a pending self-report. Accepting
// writes the value to the registry with source 企业自报 (its history and
// audit entry name the reviewer); rejecting leaves the registry as it is and
// needs a note saying why, which the enterprise sees. Administrators and
// the enterprise's own specialist may call it. Errors: Unauthenticated;
// Forbidden for anyone else (enterprise accounts included); NotFound;
// Conflict when the report is no longer pending; Invalid for a missing
// note on rejection or a value the registry no longer accepts.
func (s *SelfService) ReviewSelfReport(ctx context.Context, a *auth.Actor, id int64, accept bool, note string) (*SelfReport, error) {
	if err := auth.AuthorizeSome(a, auth.EditEnterprise); err != nil {
		return nil, err
	}
	r, err := findReport(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeCaretaker(ctx, a, r.EnterpriseID, "审核企业自报"); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if n := utf8.RuneCountInString(note); n > 500 {
		return nil, errs.FieldErrorf("note", "审核意见过长（%d个字，最多500个字）", n)
	}
	if !accept && note == "" {
		return nil, errs.FieldErrorf("note", "驳回时请填写理由，企业会看到")
	}
	if r.Status != ReportPending {
		return nil, errs.Errorf(errs.Conflict, "该自报已审核（%s），不能重复审核", r.Status)
	}
	var u Update
	if accept {
		if r.Value == nil {
			return nil, errs.Errorf(errs.Invalid, "该自报没有数值，不能采纳")
		}
		if u, err = fieldUpdate(r.Field, *r.Value); err != nil {
			return nil, err
		}
		if _, err := s.Enterprises.validate(u); err != nil {
			return nil, err
		}
	}
	status := ReportRejected
	if accept {
		status = ReportAccepted
	}
	var reviewer *int64
	if a.UserID != 0 {
		uid := a.UserID
		reviewer = &uid
	}
	now := store.Millis(s.now())
	var out *SelfReport
	// Claim the report first, so that two reviewers cannot both decide.
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE self_reports SET status = ?, reviewed_by = ?, reviewed_at = ?, note = ? WHERE id = ? AND status = ?`,
			status, reviewer, now, note, id, ReportPending)
		if err != nil {
			return errs.Wrap(err, "review self-report")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Errorf(errs.Conflict, "该自报已被其他人审核")
		}
		if out, err = findReport(ctx, tx, id); err != nil {
			return err
		}
		action := "reject"
		if accept {
			action = "accept"
		}
		return s.Audit.Record(ctx, tx, "self_report", strconv.FormatInt(id, 10), action, r, out)
	})
	if err != nil {
		return nil, err
	}
	if accept {
		if _, err := s.Enterprises.update(ctx, r.EnterpriseID, u); err != nil {
			rerr := s.DB.InTx(ctx, func(tx *store.Tx) error {
				if _, err := tx.ExecContext(ctx, `UPDATE self_reports SET status = ?, reviewed_by = NULL, reviewed_at = NULL, note = '' WHERE id = ?`, ReportPending, id); err != nil {
					return errs.Wrap(err, "revert review")
				}
				return s.Audit.Record(ctx, tx, "self_report", strconv.FormatInt(id, 10), "accept_failed", out, r)
			})
			if rerr != nil {
				return nil, rerr
			}
			return nil, err
		}
	}
	return out, nil
}

// SelfReportFilter selects self-reports; zero fields do not filter.
type SelfReportFilter struct {
	EnterpriseID int64
	Status       string // one of ReportStates
	Limit        int    // paging.Clamp: default 50, at most 500
	Offset       int
}

// FindSelfReports returns one page of self-reports and the number of all
// matches: pending ones oldest first (a queue), others newest first. An
// enterprise account sees its own enterprise's; a specialist those of the
// enterprises assigned to them (the review queue); administrators and
// leaders all. Errors: Unauthenticated; Forbidden for units, or for an
// enterprise that is not the caller's; Invalid for an unknown status.
func (s *SelfService) FindSelfReports(ctx context.Context, a *auth.Actor, f SelfReportFilter) ([]SelfReport, int, error) {
	if a == nil {
		return nil, 0, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	if f.Status != "" && !slices.Contains(ReportStates, f.Status) {
		return nil, 0, errs.FieldErrorf("status", "状态“%s”无效（可选：%s）", f.Status, strings.Join(ReportStates, "、"))
	}
	var where []string
	var args []any
	switch {
	case a.CanSome(auth.ManageNetwork) || a.CanSome(auth.ViewDashboard):
	case a.Role == auth.RoleEnterprise:
		if a.EnterpriseID == nil || (f.EnterpriseID != 0 && f.EnterpriseID != *a.EnterpriseID) {
			return nil, 0, errs.Errorf(errs.Forbidden, "只能查看本企业的自报")
		}
		f.EnterpriseID = *a.EnterpriseID
	case a.Role == auth.RoleSpecialist && a.UserID != 0:
		if f.EnterpriseID != 0 {
			res, err := s.resource(ctx, f.EnterpriseID)
			if err != nil {
				return nil, 0, err
			}
			if err := auth.Authorize(a, auth.EditEnterprise, res); err != nil {
				return nil, 0, err
			}
		} else {
			where = append(where, "r.enterprise_id IN (SELECT enterprise_id FROM enterprise_assignments WHERE specialist_user_id = ?)")
			args = append(args, a.UserID)
		}
	default:
		return nil, 0, errs.Errorf(errs.Forbidden, "无权查看企业自报")
	}
	if f.EnterpriseID != 0 {
		where, args = append(where, "r.enterprise_id = ?"), append(args, f.EnterpriseID)
	}
	if f.Status != "" {
		where, args = append(where, "r.status = ?"), append(args, f.Status)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM self_reports r`+cond, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count self-reports")
	}
	order := " ORDER BY r.at DESC, r.id DESC"
	if f.Status == ReportPending {
		order = " ORDER BY r.at, r.id"
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	rows, err := s.DB.QueryContext(ctx, reportSelect+cond+order+` LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find self-reports")
	}
	defer rows.Close()
	out := []SelfReport{}
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "scan self-report")
		}
		out = append(out, *r)
	}
	return out, total, errs.Wrap(rows.Err(), "find self-reports")
}
