package appeal_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/network"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

// clock is a clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fixture is a platform with the units, accounts, enterprises and
// catalogue the tests need.
type fixture struct {
	App   *app.App
	Clock *clock
	Ctx   context.Context
	DSN   string
	// Units.
	Office, FGW, Commerce, Hongshan, HSMarket int64
	// Actors.
	Admin, Leader, Staff, Commerce2, HSStaff, HSMarketStaff, Specialist, Ent1, Ent2, Hotline *auth.Actor
	// Enterprises.
	E1, E2             *enterprise.Ref
	UnknownUSCC, BadUS string
}

// eachFixture runs fn on SQLite and, when QINQING_TEST_POSTGRES is set,
// on PostgreSQL. The clock starts at 10:00 on Monday 2 March 2026.
func eachFixture(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newFixture(t, filepath.Join(t.TempDir(), "appeal.db"))) })
	t.Run("postgres", func(t *testing.T) { fn(t, newFixture(t, storetest.PostgresDSN(t))) })
}

// openApp opens one instance on dsn with clock c.
func openApp(t testing.TB, dsn string, c *clock, worker string) *app.App {
	t.Helper()
	cfg := config.Default()
	cfg.DB = dsn
	cfg.DataDir = t.TempDir()
	a, err := app.Open(context.Background(), cfg, app.Options{Now: c.Now, Worker: worker})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func newFixture(t testing.TB, dsn string) *fixture {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workday.Shanghai)}
	a := openApp(t, dsn, c, "instance-a")
	ctx := audit.WithActor(context.Background(), audit.Who{Name: "test"})
	if _, err := a.DB.Migrate(ctx, c.Now); err != nil {
		t.Fatal(err)
	}
	f := &fixture{App: a, Clock: c, Ctx: ctx, DSN: dsn}
	op := auth.Operator("test")
	unit := func(name string, parent *int64, aliases ...string) int64 {
		u, err := a.Org.CreateUnit(ctx, op, org.UnitInput{Name: name, Kind: org.KindDepartment, ParentID: parent, Aliases: aliases})
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	f.Office = unit("市优化营商环境办公室", nil, "市营商办")
	f.FGW = unit("市发展和改革委员会", nil, "市发改委")
	f.Commerce = unit("市商务局", nil)
	f.Hongshan = unit("洪山区人民政府", nil, "洪山区")
	f.HSMarket = unit("洪山区市场监督管理局", &f.Hongshan, "区市场监管局")
	codes := []string{}
	for _, body := range []string{"MA4KXX00", "MA4KXX01", "MA4KXX02", "MA4KXX03"} {
		code, err := enterprise.MakeUSCC('9', '1', "420111", body)
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, code)
	}
	district := "420111"
	names := []string{"武汉光谷智造有限公司", "武汉长江物流有限公司"}
	if _, err := a.Enterprises.ImportRecords(ctx, func(yield func(*enterprise.Enterprise) error) error {
		for i, n := range names {
			if err := yield(&enterprise.Enterprise{USCC: codes[i], Name: n, District: &district}); err != nil {
				return err
			}
		}
		return nil
	}, enterprise.ImportOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.E1, err = a.Enterprises.RefByUSCC(ctx, codes[0]); err != nil {
		t.Fatal(err)
	}
	if f.E2, err = a.Enterprises.RefByUSCC(ctx, codes[1]); err != nil {
		t.Fatal(err)
	}
	f.UnknownUSCC = codes[2]
	f.BadUS = codes[3][:17] + "0"
	if f.BadUS == codes[3] {
		f.BadUS = codes[3][:17] + "1"
	}
	user := func(name string, role auth.Role, unit *int64, ent *int64) *auth.Actor {
		u, err := a.Auth.CreateUser(ctx, op, auth.UserInput{Username: name, DisplayName: name, Password: "test-pass-123", Role: role,
			UnitID: unit, EnterpriseID: ent})
		if err != nil {
			t.Fatal(err)
		}
		return u.Actor()
	}
	f.Admin = user("admin", auth.RoleAdmin, &f.Office, nil)
	f.Leader = user("leader", auth.RoleLeader, nil, nil)
	f.Staff = user("fgw", auth.RoleUnitStaff, &f.FGW, nil)
	f.Commerce2 = user("commerce", auth.RoleUnitStaff, &f.Commerce, nil)
	f.HSStaff = user("hongshan", auth.RoleUnitStaff, &f.Hongshan, nil)
	f.HSMarketStaff = user("hsmarket", auth.RoleUnitStaff, &f.HSMarket, nil)
	f.Specialist = user("specialist", auth.RoleSpecialist, nil, nil)
	f.Ent1 = user("ent1", auth.RoleEnterprise, nil, &f.E1.ID)
	f.Ent2 = user("ent2", auth.RoleEnterprise, nil, &f.E2.ID)
	_, tok, err := a.Auth.CreateToken(ctx, op, auth.TokenInput{Name: "12345热线", Role: auth.RoleUnitStaff, UnitID: &f.Office, AllScopes: true})
	if err != nil {
		t.Fatal(err)
	}
	f.Hotline = &auth.Actor{TokenID: tok.ID, Name: "token:12345热线", DisplayName: "12345热线", Role: auth.RoleUnitStaff, UnitID: &f.Office}
	st, err := a.Network.CreateStation(ctx, op, network.StationInput{Name: "洪山服务站", District: "洪山区"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Network.SaveSpecialist(ctx, op, f.Specialist.UserID, network.SpecialistInput{StationID: st.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Network.Reassign(ctx, op, f.E1.ID, f.Specialist.UserID); err != nil {
		t.Fatal(err)
	}
	// The catalogue: 审批服务 to 市发改委 with 区市场监管局 helping; 融资信贷
	// to 市商务局; 其他 stays with the office.
	if _, err := a.Appeals.SaveEntry(ctx, op, appeal.EntryInput{Code: "approval", Category: "审批服务", UnitID: f.FGW,
		CoUnitIDs: []int64{f.HSMarket}, Class: "一般"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Appeals.SaveEntry(ctx, op, appeal.EntryInput{Code: "finance", Category: "融资信贷", UnitID: f.Commerce, Class: "一般"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// file files an appeal for actor a and fails the test on an error.
func (f *fixture) file(t *testing.T, a *auth.Actor, in appeal.Intake) *appeal.Appeal {
	t.Helper()
	ap, _, err := f.App.Appeals.File(f.Ctx, a, in)
	if err != nil {
		t.Fatalf("file %+v: %v", in, err)
	}
	return ap
}

// intake is a valid intake of enterprise E1 about approvals.
func (f *fixture) intake(ref string) appeal.Intake {
	return appeal.Intake{ExternalRef: ref, USCC: f.E1.USCC, Category: "审批服务", Title: "施工许可审批超时",
		Content: "我司申请的施工许可已超过承诺时限仍未办结，影响开工。", ContactName: "赵经理", ContactPhone: "027-87654321"}
}
