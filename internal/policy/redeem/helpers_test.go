package redeem_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/network"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/redeem"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// clock is a test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// advanceDays moves the clock n calendar days on.
func (c *clock) advanceDays(n int) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.AddDate(0, 0, n) }

// fixture is one platform instance on a test database with the services
// redemption needs and accounts of every role.
type fixture struct {
	DB     *store.DB
	Clock  *clock
	Audit  *audit.Log
	Jobs   *jobs.Runner
	Notify *notify.Service
	Ents   *enterprise.Service
	Self   *enterprise.SelfService
	Auth   *auth.Service
	Pol    *policy.Service
	Svc    *redeem.Service

	Admin, Admin2, Staff, OtherStaff, Leader *auth.Actor
	Unit, OtherUnit                          *org.Unit
}

type fixtureOptions struct {
	countersign bool
	worker      string
}

// newFixture builds the services on db as internal/app wires them. Units
// and accounts are created unless they exist (a second instance on the same
// database reuses them).
func newFixture(t testing.TB, db *store.DB, o fixtureOptions) *fixture {
	t.Helper()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workday.Shanghai)} // a Monday
	f := &fixture{DB: db, Clock: c}
	f.Audit = &audit.Log{DB: db, Now: c.Now}
	f.Jobs = jobs.New(db, jobs.Options{Now: c.Now, Worker: o.worker})
	f.Notify = notify.New(db, f.Jobs, notify.Options{Now: c.Now})
	f.Auth = auth.New(db, auth.Options{Audit: f.Audit, Now: c.Now})
	owners := network.New(db, network.Options{})
	orgs := org.New(db, org.Options{Audit: f.Audit, Now: c.Now})
	f.Ents = enterprise.New(db, enterprise.Options{Audit: f.Audit, Now: c.Now, Owners: owners})
	f.Self = enterprise.NewSelfService(db, enterprise.SelfServiceOptions{Audit: f.Audit, Now: c.Now, Enterprises: f.Ents, Users: f.Auth})
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Pol = policy.New(db, policy.Options{Audit: f.Audit, Notify: f.Notify, Jobs: f.Jobs, Now: c.Now, Logger: logger, Owners: owners, Units: orgs})
	f.Svc = redeem.New(db, f.Pol, redeem.Options{Audit: f.Audit, Notify: f.Notify, Jobs: f.Jobs, Now: c.Now, Logger: logger,
		Units: orgs, Owners: owners, Enterprises: f.Ents, Reports: f.Self, Countersign: o.countersign})
	f.Svc.RegisterJobs(f.Jobs)
	unit := func(name string) *org.Unit {
		if u, err := orgs.Resolve(ctx, name); err == nil {
			return u
		}
		u, err := orgs.CreateUnit(ctx, auth.Operator("test"), org.UnitInput{Name: name, Kind: org.KindDepartment})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.Unit, f.OtherUnit = unit("市科技创新局"), unit("市商务局")
	f.Admin = f.actor(t, "admin", auth.RoleAdmin, nil, nil)
	f.Admin2 = f.actor(t, "admin2", auth.RoleAdmin, nil, nil)
	f.Staff = f.actor(t, "staff", auth.RoleUnitStaff, &f.Unit.ID, nil)
	f.OtherStaff = f.actor(t, "other", auth.RoleUnitStaff, &f.OtherUnit.ID, nil)
	f.Leader = f.actor(t, "leader", auth.RoleLeader, nil, nil)
	return f
}

// actor returns the actor of user name, creating the user first if needed.
func (f *fixture) actor(t testing.TB, name string, role auth.Role, unit, ent *int64) *auth.Actor {
	t.Helper()
	ctx := context.Background()
	var id int64
	if err := f.DB.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, name).Scan(&id); err != nil {
		u, err := f.Auth.CreateUser(ctx, auth.Operator("test"), auth.UserInput{Username: name, DisplayName: name, Role: role, UnitID: unit, EnterpriseID: ent,
			Password: "test-pass-123"})
		if err != nil {
			t.Fatal(err)
		}
		id = u.ID
	}
	u, err := f.Auth.FindUserByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return u.Actor()
}

// account returns an enterprise account of enterprise id.
func (f *fixture) account(t testing.TB, id int64) *auth.Actor {
	t.Helper()
	return f.actor(t, fmt.Sprintf("ent%d", id), auth.RoleEnterprise, nil, &id)
}

// firm is one test enterprise: in 洪山区, 存续, with a revenue and tags.
func firm(i int, revenue int64, tags ...string) *enterprise.Enterprise {
	code, err := enterprise.MakeUSCC('9', '1', "420111", fmt.Sprintf("%08d", 10000000+i))
	if err != nil {
		panic(err)
	}
	district, status, credit, industry := "420111", "存续", "正常", "I6510"
	emp := int64(50)
	if tags == nil {
		tags = []string{}
	}
	return &enterprise.Enterprise{USCC: code, Name: fmt.Sprintf("武汉测试%03d科技有限公司", i), District: &district, Status: &status,
		Credit: &credit, Industry: &industry, Revenue: &revenue, Employees: &emp, Tags: tags}
}

// seed imports ents and returns their ids, in order.
func (f *fixture) seed(t testing.TB, ents ...*enterprise.Enterprise) []int64 {
	t.Helper()
	ctx := context.Background()
	res, err := f.Ents.ImportRecords(ctx, func(yield func(*enterprise.Enterprise) error) error {
		for _, e := range ents {
			if err := yield(e); err != nil {
				return err
			}
		}
		return nil
	}, enterprise.ImportOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rejected > 0 {
		t.Fatalf("seed: %d rejected: %+v", res.Rejected, res.Errors)
	}
	ids := make([]int64, len(ents))
	for i, e := range ents {
		if err := f.DB.QueryRowContext(ctx, `SELECT id FROM enterprises WHERE uscc = ?`, e.USCC).Scan(&ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	f.load(t)
	return ids
}

// load loads the policy engine's snapshot and clause index afresh.
func (f *fixture) load(t testing.TB) {
	t.Helper()
	if _, err := f.Pol.Engine().Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := f.Pol.Engine().LoadIndex(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// highTech is the test rule: 洪山区 and 高新技术企业.
const highTech = `{"all":[{"field":"district","op":"==","value":"420111"},{"field":"tags","op":"has","value":"高新技术企业"}]}`

// clause returns a clause input of mode with rule and amount.
func clause(mode, ruleJSON, amount string) policy.ClauseInput {
	c := policy.ClauseInput{Title: "奖励", Rule: json.RawMessage(ruleJSON), BenefitKind: "资金奖补", Mode: mode}
	if amount != "" {
		c.Amount = json.RawMessage(amount)
	}
	return c
}

// publish creates and publishes a policy of f.Unit with one clause, and
// returns it and its clause.
func (f *fixture) publish(t testing.TB, pledge string, c policy.ClauseInput) (*policy.Policy, *policy.Clause) {
	t.Helper()
	ctx := context.Background()
	p, err := f.Pol.CreatePolicy(ctx, f.Staff, policy.PolicyInput{Title: "高新技术企业奖励", Category: "资金扶持", RedeemingUnitID: &f.Unit.ID, Pledge: pledge})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := f.Pol.AddClause(ctx, f.Staff, p.ID, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Pol.Submit(ctx, f.Staff, p.ID); err != nil {
		t.Fatal(err)
	}
	if p, err = f.Pol.Review(ctx, f.Admin, p.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.Pol.Engine().LoadIndex(ctx); err != nil {
		t.Fatal(err)
	}
	return p, cl
}

// runJobs runs due jobs of the kinds given (all when none) until none is
// left.
func (f *fixture) runJobs(t testing.TB) {
	t.Helper()
	for range 1000 {
		ran, err := f.Jobs.RunOnce(context.Background())
		if err != nil {
			t.Fatalf("job: %v", err)
		}
		if !ran {
			return
		}
	}
	t.Fatal("jobs do not settle")
}

// grants returns the grants of clause clauseID by enterprise.
func (f *fixture) grants(t testing.TB, clauseID int64) map[int64]*redeem.Grant {
	t.Helper()
	out := map[int64]*redeem.Grant{}
	for offset := 0; ; offset += 500 {
		list, total, err := f.Svc.FindGrants(context.Background(), f.Admin, redeem.GrantFilter{ClauseID: clauseID, Limit: 500, Offset: offset})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range list {
			out[g.EnterpriseID] = g
		}
		if offset+500 >= total {
			return out
		}
	}
}

// count returns the result of a COUNT query.
func (f *fixture) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.DB.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func ptr[T any](v T) *T { return &v }

// bankAccount is a valid account for enterprise e.
func bankAccount(e *enterprise.Enterprise) redeem.Account {
	return redeem.Account{Name: e.Name, Number: "6222 0210 0112 3456 789", Bank: "中国工商银行武汉光谷支行"}
}
