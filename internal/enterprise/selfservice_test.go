package enterprise_test

import (
	"context"
	"fmt"
	"github.com/qinqing/qinqing/internal/network"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

type ssClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *ssClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *ssClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// ssEnv is a self-service on a fresh database with an administrator, two
// enterprises (one and two) and a specialist assigned to each.
type ssEnv struct {
	t        *testing.T
	ctx      context.Context
	db       *store.DB
	clock    *ssClock
	audit    *audit.Log
	users    *auth.Service
	reg      *enterprise.Service
	ss       *enterprise.SelfService
	admin    *auth.Actor
	one, two int64
	spOne    *auth.Actor // looks after one
	spTwo    *auth.Actor // looks after two
}

func newSSEnv(t *testing.T, db *store.DB) *ssEnv {
	t.Helper()
	c := &ssClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workday.Shanghai)}
	log := &audit.Log{DB: db, Now: c.Now}
	users := auth.New(db, auth.Options{Audit: log, Now: c.Now})
	// The service network tells who looks after an enterprise, as in
	// internal/app.
	reg := enterprise.New(db, enterprise.Options{Audit: log, Now: c.Now, Owners: network.New(db, network.Options{})})
	e := &ssEnv{t: t, ctx: context.Background(), db: db, clock: c, audit: log, users: users, reg: reg,
		ss: enterprise.NewSelfService(db, enterprise.SelfServiceOptions{Audit: log, Now: c.Now, Enterprises: reg, Users: users})}
	e.admin = e.user("admin", auth.RoleAdmin, nil)
	e.spOne = e.user("sp-one", auth.RoleSpecialist, nil)
	e.spTwo = e.user("sp-two", auth.RoleSpecialist, nil)
	e.one = e.enterprise("武汉一号科技有限公司", e.spOne)
	e.two = e.enterprise("武汉二号贸易有限公司", e.spTwo)
	return e
}

func (e *ssEnv) user(name string, role auth.Role, enterpriseID *int64) *auth.Actor {
	e.t.Helper()
	u, err := e.users.CreateUser(e.ctx, auth.Operator("test"), auth.UserInput{Username: name, DisplayName: name, Password: "test-pass-123", Role: role, EnterpriseID: enterpriseID})
	if err != nil {
		e.t.Fatal(err)
	}
	return u.Actor()
}

// enterprise inserts an enterprise known to be in 洪山区 with revenue 1000万
// and assigns it to sp (as internal/network would).
func (e *ssEnv) enterprise(name string, sp *auth.Actor) int64 {
	e.t.Helper()
	var id int64
	err := e.db.InTx(e.ctx, func(tx *store.Tx) error {
		err := tx.QueryRowContext(e.ctx, `INSERT INTO enterprises (uscc, name, district, street, revenue, employees, status, sources, created_at, updated_at)
			VALUES (?, ?, '420111', '关山街道', 10000000, 50, '存续', '{"*":{"source":"导入","at":0}}', 0, 0) RETURNING id`,
			fmt.Sprintf("91420100SS%08d", len(name)+int(sp.UserID)), name).Scan(&id)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(e.ctx, `INSERT INTO enterprise_assignments (enterprise_id, specialist_user_id, assigned_at, how) VALUES (?, ?, 0, '手动')`, id, sp.UserID)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func ssWant(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("error %v, want code %q", err, code)
	}
}

func TestInvitations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newSSEnv(t, db)
		t.Run("OK", func(t *testing.T) {
			code, inv, err := e.ss.CreateInvitation(e.ctx, e.spOne, e.one)
			if err != nil {
				t.Fatal(err)
			}
			if len(code) != 14 || inv.ExpiresAt.Sub(inv.CreatedAt) != 7*24*time.Hour || inv.State(e.clock.Now()) != "未使用" {
				t.Fatalf("code %q invitation %+v", code, inv)
			}
			var stored int
			if err := db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM invitations WHERE code_hash LIKE ?`, "%"+code+"%").Scan(&stored); err != nil || stored != 0 {
				t.Fatalf("the code is stored in clear: %d %v", stored, err)
			}
			// Typed loosely: lower case, spaces instead of dashes.
			u, err := e.ss.RedeemInvitation(e.ctx, enterprise.Redemption{Code: " " + strings.ToLower(strings.ReplaceAll(code, "-", " ")), Username: "yihao", Password: "secret-pass-1"})
			if err != nil {
				t.Fatal(err)
			}
			if u.Role != auth.RoleEnterprise || u.EnterpriseID == nil || *u.EnterpriseID != e.one || u.DisplayName != "武汉一号科技有限公司" {
				t.Fatalf("user %+v", u)
			}
			if _, _, err := e.users.Login(e.ctx, "yihao", "secret-pass-1", "127.0.0.1", "test"); err != nil {
				t.Fatalf("login with the new account: %v", err)
			}
			// Once only.
			_, err = e.ss.RedeemInvitation(e.ctx, enterprise.Redemption{Code: code, Username: "yihao2", Password: "secret-pass-1"})
			ssWant(t, err, errs.Conflict)
			if !strings.Contains(errs.MessageOf(err), "已被使用") || errs.FieldOf(err) != "code" {
				t.Fatalf("message %q field %q", errs.MessageOf(err), errs.FieldOf(err))
			}
			list, err := e.ss.FindInvitations(e.ctx, e.admin, e.one)
			if err != nil || len(list) != 1 || list[0].UsedBy == nil || *list[0].UsedBy != u.ID || list[0].State(e.clock.Now()) != "已使用" {
				t.Fatalf("invitations %+v %v", list, err)
			}
			entries, _, _ := e.audit.Find(e.ctx, audit.Filter{Entity: "invitation", Action: "redeem"})
			if len(entries) != 1 {
				t.Fatalf("audit %+v", entries)
			}
		})
		t.Run("ErrWrongCode", func(t *testing.T) {
			for _, code := range []string{"ABCD-EFGH-JKLM", "", "-"} {
				_, err := e.ss.RedeemInvitation(e.ctx, enterprise.Redemption{Code: code, Username: "wrong", Password: "secret-pass-1"})
				ssWant(t, err, errs.Invalid)
				if errs.FieldOf(err) != "code" {
					t.Fatalf("field %q", errs.FieldOf(err))
				}
			}
		})
		t.Run("ErrExpired", func(t *testing.T) {
			code, _, err := e.ss.CreateInvitation(e.ctx, e.admin, e.two)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Add(7*24*time.Hour + time.Minute)
			_, err = e.ss.RedeemInvitation(e.ctx, enterprise.Redemption{Code: code, Username: "erhao", Password: "secret-pass-1"})
			ssWant(t, err, errs.Invalid)
			if !strings.Contains(errs.MessageOf(err), "过期") {
				t.Fatalf("message %q", errs.MessageOf(err))
			}
			if _, err := e.users.FindUserByUsername(e.ctx, "erhao"); errs.CodeOf(err) != errs.NotFound {
				t.Fatalf("an account was created: %v", err)
			}
		})
		t.Run("RetryAfterBadAccount", func(t *testing.T) {
			code, _, err := e.ss.CreateInvitation(e.ctx, e.spTwo, e.two)
			if err != nil {
				t.Fatal(err)
			}
			// The username is taken: the code stays usable.
			_, err = e.ss.RedeemInvitation(e.ctx, enterprise.Redemption{Code: code, Username: "yihao", Password: "secret-pass-1"})
			ssWant(t, err, errs.Conflict)
			_, err = e.ss.RedeemInvitation(e.ctx, enterprise.Redemption{Code: code, Username: "erhao", Password: "short"})
			ssWant(t, err, errs.Invalid)
			u, err := e.ss.RedeemInvitation(e.ctx, enterprise.Redemption{Code: code, Username: "erhao", Password: "secret-pass-1", DisplayName: "二号财务"})
			if err != nil || *u.EnterpriseID != e.two || u.DisplayName != "二号财务" {
				t.Fatalf("user %+v %v", u, err)
			}
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			own := e.user("qiye-one", auth.RoleEnterprise, &e.one)
			for _, tc := range []struct {
				name  string
				actor *auth.Actor
			}{
				{"another enterprise's specialist", e.spTwo},
				{"the enterprise itself", own},
				{"a leader", e.user("leader", auth.RoleLeader, nil)},
			} {
				if _, _, err := e.ss.CreateInvitation(e.ctx, tc.actor, e.one); errs.CodeOf(err) != errs.Forbidden {
					t.Errorf("%s: %v, want forbidden", tc.name, err)
				}
			}
			_, _, err := e.ss.CreateInvitation(e.ctx, nil, e.one)
			ssWant(t, err, errs.Unauthenticated)
			_, _, err = e.ss.CreateInvitation(e.ctx, e.admin, 99999)
			ssWant(t, err, errs.NotFound)
		})
	})
}

func TestSelfReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newSSEnv(t, db)
		owner := e.user("qiye-one", auth.RoleEnterprise, &e.one)
		other := e.user("qiye-two", auth.RoleEnterprise, &e.two)
		var pending enterprise.SelfReport
		t.Run("Submit", func(t *testing.T) {
			res, err := e.ss.SubmitSelfReport(e.ctx, owner, e.one, map[string]string{
				"street": "珞南街道", "revenue": "12,000,000", "employees": "50", "tags": "专精特新、高新技术企业", "rd_expense": " "})
			if err != nil {
				t.Fatal(err)
			}
			// employees is unchanged, rd_expense empty: skipped.
			if len(res.Applied) != 1 || res.Applied[0].Field != "street" || res.Applied[0].Status != enterprise.ReportAccepted {
				t.Fatalf("applied %+v", res.Applied)
			}
			if len(res.Pending) != 2 || res.Pending[0].Field != "revenue" || *res.Pending[0].Value != "12000000" || *res.Pending[0].OldValue != "10000000" ||
				res.Pending[1].Field != "tags" || *res.Pending[1].Value != "专精特新|高新技术企业" {
				t.Fatalf("pending %+v", res.Pending)
			}
			pending = res.Pending[0]
			// The street applies at once with source 企业自报; the revenue waits.
			file, err := e.reg.FindEnterpriseFile(e.ctx, owner, e.one)
			if err != nil {
				t.Fatal(err)
			}
			got, src := file.Enterprise, file.Sources
			if *got.Street != "珞南街道" || *got.Revenue != 10_000_000 || got.Tags != nil {
				t.Fatalf("profile %+v", got)
			}
			if src["street"].Source != enterprise.SourceSelf || src["revenue"].Source != enterprise.SourceImport {
				t.Fatalf("sources %+v", src)
			}
			// A second report of the same key field replaces the pending one.
			res2, err := e.ss.SubmitSelfReport(e.ctx, owner, e.one, map[string]string{"tags": "专精特新"})
			if err != nil || len(res2.Pending) != 1 {
				t.Fatalf("resubmit %+v %v", res2, err)
			}
			list, total, err := e.ss.FindSelfReports(e.ctx, owner, enterprise.SelfReportFilter{Status: enterprise.ReportPending})
			if err != nil || total != 2 || list[0].Field != "revenue" || list[1].Field != "tags" || *list[1].Value != "专精特新" {
				t.Fatalf("pending %+v %d %v", list, total, err)
			}
		})
		t.Run("ErrSubmit", func(t *testing.T) {
			_, err := e.ss.SubmitSelfReport(e.ctx, other, e.one, map[string]string{"street": "关山街道"})
			ssWant(t, err, errs.Forbidden)
			_, err = e.ss.SubmitSelfReport(e.ctx, e.spOne, e.one, map[string]string{"street": "关山街道"})
			ssWant(t, err, errs.Forbidden)
			_, err = e.ss.SubmitSelfReport(e.ctx, owner, e.one, map[string]string{"name": "改个名字"})
			ssWant(t, err, errs.Invalid)
			_, err = e.ss.SubmitSelfReport(e.ctx, owner, e.one, map[string]string{"revenue": "很多"})
			ssWant(t, err, errs.Invalid)
			if errs.FieldOf(err) != "revenue" {
				t.Fatalf("field %q", errs.FieldOf(err))
			}
			_, err = e.ss.SubmitSelfReport(e.ctx, owner, e.one, map[string]string{"founded": "2999-01-01"})
			ssWant(t, err, errs.Invalid)
		})
		t.Run("ErrReview", func(t *testing.T) {
			_, err := e.ss.ReviewSelfReport(e.ctx, e.spTwo, pending.ID, true, "")
			ssWant(t, err, errs.Forbidden)
			_, err = e.ss.ReviewSelfReport(e.ctx, owner, pending.ID, true, "")
			ssWant(t, err, errs.Forbidden)
			_, err = e.ss.ReviewSelfReport(e.ctx, e.spOne, pending.ID, false, " ")
			ssWant(t, err, errs.Invalid)
			_, _, err = e.ss.FindSelfReports(e.ctx, other, enterprise.SelfReportFilter{EnterpriseID: e.one})
			ssWant(t, err, errs.Forbidden)
			_, _, err = e.ss.FindSelfReports(e.ctx, e.spTwo, enterprise.SelfReportFilter{EnterpriseID: e.one})
			ssWant(t, err, errs.Forbidden)
		})
		t.Run("Accept", func(t *testing.T) {
			// The specialist's queue holds only their enterprises' reports.
			queue, total, err := e.ss.FindSelfReports(e.ctx, e.spTwo, enterprise.SelfReportFilter{Status: enterprise.ReportPending})
			if err != nil || total != 0 || len(queue) != 0 {
				t.Fatalf("queue of the other specialist %+v %v", queue, err)
			}
			queue, total, err = e.ss.FindSelfReports(e.ctx, e.spOne, enterprise.SelfReportFilter{Status: enterprise.ReportPending})
			if err != nil || total != 2 {
				t.Fatalf("queue %+v %v", queue, err)
			}
			ctx := audit.WithActor(e.ctx, audit.Who{UserID: &e.spOne.UserID, Name: e.spOne.Name})
			r, err := e.ss.ReviewSelfReport(ctx, e.spOne, pending.ID, true, "与纳税申报一致")
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != enterprise.ReportAccepted || r.ReviewerName != "sp-one" || r.ReviewedAt == nil {
				t.Fatalf("report %+v", r)
			}
			file, err := e.reg.FindEnterpriseFile(e.ctx, e.spOne, e.one)
			if err != nil || *file.Enterprise.Revenue != 12_000_000 || file.Sources["revenue"].Source != enterprise.SourceSelf {
				t.Fatalf("profile %+v %v", file, err)
			}
			if !file.Permitted.Edit || !file.Permitted.Care {
				t.Errorf("the enterprise's specialist may not edit or care: %+v", file.Permitted)
			}
			hist, err := e.reg.FindEnterpriseHistory(e.ctx, auth.Operator("test"), e.one, 10)
			if err != nil || hist[0].Field != "revenue" || hist[0].Source != enterprise.SourceSelf || hist[0].Actor != "sp-one" {
				t.Fatalf("history %+v %v", hist, err)
			}
			_, err = e.ss.ReviewSelfReport(e.ctx, e.admin, pending.ID, false, "重复审核")
			ssWant(t, err, errs.Conflict)
		})
		t.Run("Reject", func(t *testing.T) {
			list, _, err := e.ss.FindSelfReports(e.ctx, e.admin, enterprise.SelfReportFilter{EnterpriseID: e.one, Status: enterprise.ReportPending})
			if err != nil || len(list) != 1 || list[0].Field != "tags" {
				t.Fatalf("pending %+v %v", list, err)
			}
			r, err := e.ss.ReviewSelfReport(e.ctx, e.admin, list[0].ID, false, "未提供专精特新认定文件")
			if err != nil || r.Status != enterprise.ReportRejected || r.Note != "未提供专精特新认定文件" {
				t.Fatalf("report %+v %v", r, err)
			}
			got, err := e.reg.FindEnterpriseByID(e.ctx, owner, e.one)
			if err != nil || got.Tags != nil {
				t.Fatalf("tags changed after rejection: %+v %v", got, err)
			}
			// The owner sees the outcome.
			mine, total, err := e.ss.FindSelfReports(e.ctx, owner, enterprise.SelfReportFilter{})
			if err != nil || total != 4 || mine[0].Status == enterprise.ReportPending {
				t.Fatalf("owner's reports %+v %d %v", mine, total, err)
			}
			entries, _, _ := e.audit.Find(e.ctx, audit.Filter{Entity: "self_report", Action: "reject"})
			if len(entries) != 1 {
				t.Fatalf("audit %+v", entries)
			}
		})
	})
}
