package policy_test

import (
	"cmp"
	"context"
	"encoding/json"
	"github.com/qinqing/qinqing/internal/enterprise/synth"
	"github.com/qinqing/qinqing/internal/network"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// clock is a test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func newClock() *clock {
	return &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workday.Shanghai)}
}

// fixture is one platform instance on a test database: the services the
// policy module needs, with accounts of every role.
type fixture struct {
	DB     *store.DB
	Clock  *clock
	Audit  *audit.Log
	Jobs   *jobs.Runner
	Notify *notify.Service
	Ents   *enterprise.Service
	Svc    *policy.Service
	Events *store.Events

	Admin, Staff, OtherStaff, Leader, Specialist *auth.Actor
	Unit, OtherUnit                              *org.Unit
}

type fixtureOptions struct {
	events bool // subscribe through store.Events (and run its listener)
	worker string
	batch  int // push batch size; default 50
	// selfReview allows an administrator to review their own submission.
	selfReview bool
}

// newFixture builds the services on db. Accounts and units are created
// unless they exist (a second instance on the same database reuses them).
func newFixture(t testing.TB, db *store.DB, o fixtureOptions) *fixture {
	t.Helper()
	ctx := context.Background()
	c := newClock()
	f := &fixture{DB: db, Clock: c}
	f.Audit = &audit.Log{DB: db, Now: c.Now}
	f.Jobs = jobs.New(db, jobs.Options{Now: c.Now, Worker: o.worker})
	f.Notify = notify.New(db, f.Jobs, notify.Options{Now: c.Now})
	// Wired as internal/app wires them: the network knows each
	// enterprise's specialist, the organisation the units above a unit.
	owners := network.New(db, network.Options{})
	orgs := org.New(db, org.Options{Audit: f.Audit, Now: c.Now})
	f.Ents = enterprise.New(db, enterprise.Options{Audit: f.Audit, Now: c.Now, Owners: owners})
	opts := policy.Options{Audit: f.Audit, Notify: f.Notify, Jobs: f.Jobs, Now: c.Now, PushBatch: cmp.Or(o.batch, 50),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AllowSelfReview: o.selfReview, Owners: owners, Units: orgs}
	if o.events {
		f.Events = store.NewEvents(db, nil)
		opts.Events = f.Events
	}
	f.Svc = policy.New(db, opts)
	f.Svc.RegisterJobs(f.Jobs)
	if o.events {
		evCtx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = f.Events.Run(evCtx) }()
		t.Cleanup(func() { cancel(); <-done })
		select {
		case <-f.Events.Ready():
		case <-time.After(10 * time.Second):
			t.Fatal("event listener not ready")
		}
	}
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
	f.Admin = &auth.Actor{UserID: userID(t, db, "admin", auth.RoleAdmin, nil), Name: "admin", Role: auth.RoleAdmin}
	f.Staff = &auth.Actor{UserID: userID(t, db, "staff", auth.RoleUnitStaff, &f.Unit.ID), Name: "staff", Role: auth.RoleUnitStaff, UnitID: &f.Unit.ID}
	f.OtherStaff = &auth.Actor{UserID: userID(t, db, "other", auth.RoleUnitStaff, &f.OtherUnit.ID), Name: "other", Role: auth.RoleUnitStaff, UnitID: &f.OtherUnit.ID}
	f.Leader = &auth.Actor{UserID: userID(t, db, "leader", auth.RoleLeader, nil), Name: "leader", Role: auth.RoleLeader}
	f.Specialist = &auth.Actor{UserID: userID(t, db, "specialist", auth.RoleSpecialist, nil), Name: "specialist", Role: auth.RoleSpecialist}
	return f
}

// userID returns the id of user name, creating it first if needed.
func userID(t testing.TB, db *store.DB, name string, role auth.Role, unit *int64) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	if err := db.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, name).Scan(&id); err == nil {
		return id
	}
	svc := auth.New(db, auth.Options{Audit: &audit.Log{DB: db, Now: time.Now}, Now: time.Now})
	u, err := svc.CreateUser(ctx, auth.Operator("test"), auth.UserInput{Username: name, DisplayName: name, Role: role, UnitID: unit, Password: "test-pass-123"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// enterpriseActor is an account of enterprise id.
func enterpriseActor(id int64) *auth.Actor {
	return &auth.Actor{UserID: 0, Name: "ent", Role: auth.RoleEnterprise, EnterpriseID: &id}
}

// seedCity imports n synthetic enterprises and returns their ids in order.
func (f *fixture) seedCity(t testing.TB, n int, seed int64) []int64 {
	t.Helper()
	ctx := context.Background()
	today := workday.Today(f.Clock.Now)
	res, err := f.Ents.ImportRecords(ctx, func(yield func(*enterprise.Enterprise) error) error {
		return synth.Generate(synth.Options{N: n, Seed: seed, Today: today}, yield)
	}, enterprise.ImportOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rejected > 0 {
		t.Fatalf("seed city: %d rejected: %+v", res.Rejected, res.Errors[:min(3, len(res.Errors))])
	}
	var ids []int64
	rows, err := f.DB.QueryContext(ctx, `SELECT id FROM enterprises ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// seedIDs returns the ids of every enterprise.
func (f *fixture) seedIDs(t testing.TB) []int64 {
	t.Helper()
	rows, err := f.DB.QueryContext(context.Background(), `SELECT id FROM enterprises ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// set updates enterprise id (as a specialist would) and announces it.
func (f *fixture) set(t *testing.T, id int64, u enterprise.Update) {
	t.Helper()
	u.Source = enterprise.SourceSpecialist
	if _, err := f.Ents.UpdateEnterprise(context.Background(), auth.Operator("test"), id, u); err != nil {
		t.Fatal(err)
	}
	if err := f.Svc.EnterpriseChanged(context.Background(), id); err != nil {
		t.Fatal(err)
	}
}

// runJobs runs due jobs until none is left.
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

func ptr[T any](v T) *T { return &v }

// hongshanHighTech is the test rule: 洪山区, 高新技术企业, revenue ≥ 2000万.
const hongshanHighTech = `{"all":[{"field":"district","op":"in","value":["420111"]},
	{"field":"tags","op":"has","value":"高新技术企业"},
	{"field":"revenue","op":">=","value":20000000}]}`

// publishedPolicy creates, submits and publishes a policy with one clause
// per rule, and returns it.
func (f *fixture) publishedPolicy(t testing.TB, title string, clauses ...policy.ClauseInput) *policy.Policy {
	t.Helper()
	ctx := context.Background()
	p, err := f.Svc.CreatePolicy(ctx, f.Staff, policy.PolicyInput{Title: title, DocNo: "武科规〔2026〕1号", Category: "资金扶持",
		RedeemingUnitID: &f.Unit.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range clauses {
		if _, err := f.Svc.AddClause(ctx, f.Staff, p.ID, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.Svc.Submit(ctx, f.Staff, p.ID); err != nil {
		t.Fatal(err)
	}
	p, err = f.Svc.Review(ctx, f.Admin, p.ID, true, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func clauseInput(title, ruleJSON string) policy.ClauseInput {
	return policy.ClauseInput{Title: title, Rule: json.RawMessage(ruleJSON), BenefitKind: "资金奖补",
		Amount: json.RawMessage(`{"fixed": 200000}`), Mode: policy.ModeAutomatic}
}

// notifications counts notifications of kind per enterprise.
func notifications(t *testing.T, db *store.DB, kind string) map[int64]int {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT enterprise_id, COUNT(*) FROM notifications WHERE kind = ? GROUP BY enterprise_id`, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		out[id] = n
	}
	return out
}
