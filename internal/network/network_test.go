package network_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/network"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

// Districts of Wuhan used in the tests.
const (
	hongshan = "420111" // 洪山区
	jianghan = "420103" // 江汉区
	jiangan  = "420102" // 江岸区
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is a network service on a fresh database with an administrator.
type env struct {
	t     testing.TB
	db    *store.DB
	clock *clock
	svc   *network.Service
	auth  *auth.Service
	jobs  *jobs.Runner
	audit *audit.Log
	admin *auth.Actor
	ctx   context.Context
	n     int // enterprises created, for unique codes
}

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workday.Shanghai)}
	log := &audit.Log{DB: db, Now: c.Now}
	au := auth.New(db, auth.Options{Audit: log, Now: c.Now})
	runner := jobs.New(db, jobs.Options{Now: c.Now, Worker: "test"})
	e := &env{t: t, db: db, clock: c, auth: au, jobs: runner, audit: log, ctx: context.Background()}
	e.svc = network.New(db, network.Options{Audit: log, Auth: au, Jobs: runner, Now: c.Now, Notify: notify.New(db, runner, notify.Options{Now: c.Now})})
	e.svc.RegisterJobs(runner)
	e.admin = e.user("admin", auth.RoleAdmin)
	return e
}

// user creates an account and returns its actor.
func (e *env) user(name string, role auth.Role) *auth.Actor {
	e.t.Helper()
	u, err := e.auth.CreateUser(e.ctx, auth.Operator("test"), auth.UserInput{Username: name, DisplayName: name, Password: "test-pass-123", Role: role})
	if err != nil {
		e.t.Fatal(err)
	}
	return u.Actor()
}

// enterprise inserts an enterprise; empty district or street is unknown,
// status "" is unknown.
func (e *env) enterprise(district, street, status string) int64 {
	e.t.Helper()
	e.n++
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	var id int64
	err := e.db.InTx(e.ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(e.ctx, `INSERT INTO enterprises (uscc, name, district, street, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 0, 0) RETURNING id`,
			fmt.Sprintf("91420100T%09d", e.n), fmt.Sprintf("测试企业%04d有限公司", e.n), null(district), null(street), null(status)).Scan(&id)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) station(name string) *network.Station {
	e.t.Helper()
	st, err := e.svc.CreateStation(e.ctx, e.admin, network.StationInput{Name: name, District: "洪山区", Coverage: []string{"关山街道", "光谷软件园"}})
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// specialist creates a specialist account in the network with a grid.
func (e *env) specialist(name string, station int64, target int, grid ...network.GridCell) *auth.Actor {
	e.t.Helper()
	a := e.user(name, auth.RoleSpecialist)
	if _, err := e.svc.SaveSpecialist(e.ctx, e.admin, a.UserID, network.SpecialistInput{StationID: station, Grid: grid, TargetLoad: target}); err != nil {
		e.t.Fatal(err)
	}
	return a
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("error %v, want code %q", err, code)
	}
}

func (e *env) loads() map[int64]int {
	e.t.Helper()
	rows, err := e.db.QueryContext(e.ctx, `SELECT specialist_user_id, COUNT(*) FROM enterprise_assignments GROUP BY specialist_user_id`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			e.t.Fatal(err)
		}
		out[id] = n
	}
	return out
}

func TestStations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		t.Run("OK", func(t *testing.T) {
			st, err := e.svc.CreateStation(e.ctx, e.admin, network.StationInput{Name: " 关山街中小企业服务站 ", Address: "关山大道1号",
				District: "洪山区", Coverage: []string{"关山街道", " ", "光谷软件园", "关山街道"}})
			if err != nil {
				t.Fatal(err)
			}
			if st.Name != "关山街中小企业服务站" || st.District == nil || *st.District != hongshan || strings.Join(st.Coverage, ",") != "关山街道,光谷软件园" {
				t.Fatalf("station %+v", st)
			}
			up, err := e.svc.UpdateStation(e.ctx, e.admin, st.ID, network.StationInput{Name: "关山服务站", District: "420103"})
			if err != nil {
				t.Fatal(err)
			}
			if up.Name != "关山服务站" || *up.District != jianghan || len(up.Coverage) != 0 {
				t.Fatalf("updated %+v", up)
			}
			list, _, err := e.svc.FindStations(e.ctx, e.admin, network.StationFilter{})
			if err != nil || len(list) != 1 || list[0].ID != st.ID {
				t.Fatalf("list %+v, %v", list, err)
			}
			entries, _, err := e.audit.Find(e.ctx, audit.Filter{Entity: "service_station"})
			if err != nil || len(entries) != 2 {
				t.Fatalf("audit %d entries, %v", len(entries), err)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			_, err := e.svc.CreateStation(e.ctx, e.admin, network.StationInput{Name: ""})
			wantCode(t, err, errs.Invalid)
			_, err = e.svc.CreateStation(e.ctx, e.admin, network.StationInput{Name: "某站", District: "朝阳区"})
			wantCode(t, err, errs.Invalid)
			if errs.FieldOf(err) != "district" {
				t.Fatalf("field %q", errs.FieldOf(err))
			}
		})
		t.Run("ErrConflict", func(t *testing.T) {
			_, err := e.svc.CreateStation(e.ctx, e.admin, network.StationInput{Name: "关山服务站"})
			wantCode(t, err, errs.Conflict)
			if errs.FieldOf(err) != "name" {
				t.Fatalf("field %q", errs.FieldOf(err))
			}
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			sp := e.user("sp0", auth.RoleSpecialist)
			_, err := e.svc.CreateStation(e.ctx, sp, network.StationInput{Name: "专员的站"})
			wantCode(t, err, errs.Forbidden)
			_, _, err = e.svc.FindStations(e.ctx, sp, network.StationFilter{})
			wantCode(t, err, errs.Forbidden)
			_, _, err = e.svc.FindStations(e.ctx, nil, network.StationFilter{})
			wantCode(t, err, errs.Unauthenticated)
		})
		t.Run("Delete", func(t *testing.T) {
			st := e.station("待删服务站")
			sp := e.specialist("sp1", st.ID, 0)
			wantCode(t, e.svc.DeleteStation(e.ctx, e.admin, st.ID), errs.Conflict)
			if _, err := e.svc.RemoveSpecialist(e.ctx, e.admin, sp.UserID); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.DeleteStation(e.ctx, e.admin, st.ID); err != nil {
				t.Fatal(err)
			}
			_, err := e.svc.FindStationByID(e.ctx, e.admin, st.ID)
			wantCode(t, err, errs.NotFound)
		})
	})
}

func TestSpecialists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		st := e.station("洪山服务站")
		u := e.user("zhuanyuan", auth.RoleSpecialist)
		t.Run("OK", func(t *testing.T) {
			sp, err := e.svc.SaveSpecialist(e.ctx, e.admin, u.UserID, network.SpecialistInput{StationID: st.ID, TargetLoad: 500,
				Grid: []network.GridCell{{District: "洪山区", Street: "关山街道"}, {District: "江汉区"}, {District: "420103", Street: "民族街道"}, {District: "洪山区", Street: " 关山街道 "}}})
			if err != nil {
				t.Fatal(err)
			}
			want := []network.GridCell{{District: jianghan}, {District: hongshan, Street: "关山街道"}}
			if fmt.Sprint(sp.Grid) != fmt.Sprint(want) || sp.TargetLoad != 500 || sp.StationName != "洪山服务站" || sp.Load != 0 {
				t.Fatalf("specialist %+v", sp)
			}
			// Update replaces the grid.
			sp, err = e.svc.SaveSpecialist(e.ctx, e.admin, u.UserID, network.SpecialistInput{StationID: st.ID, Grid: []network.GridCell{{District: jiangan}}})
			if err != nil || len(sp.Grid) != 1 || sp.Grid[0].District != jiangan || sp.TargetLoad != 0 {
				t.Fatalf("updated %+v, %v", sp, err)
			}
			list, total, err := e.svc.FindSpecialists(e.ctx, e.admin, network.SpecialistFilter{StationID: st.ID})
			if err != nil || total != 1 || list[0].UserID != u.UserID || len(list[0].Grid) != 1 {
				t.Fatalf("list %+v %d %v", list, total, err)
			}
			// The specialist reads their own record, not others'.
			if _, err := e.svc.FindSpecialistByID(e.ctx, u, u.UserID); err != nil {
				t.Fatal(err)
			}
			other := e.user("other", auth.RoleSpecialist)
			_, err = e.svc.FindSpecialistByID(e.ctx, other, u.UserID)
			wantCode(t, err, errs.Forbidden)
		})
		t.Run("ErrNotSpecialist", func(t *testing.T) {
			staff := e.user("leader1", auth.RoleLeader)
			_, err := e.svc.SaveSpecialist(e.ctx, e.admin, staff.UserID, network.SpecialistInput{StationID: st.ID})
			wantCode(t, err, errs.Invalid)
			_, err = e.svc.SaveSpecialist(e.ctx, e.admin, 9999, network.SpecialistInput{StationID: st.ID})
			wantCode(t, err, errs.Invalid)
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			_, err := e.svc.SaveSpecialist(e.ctx, e.admin, u.UserID, network.SpecialistInput{StationID: 9999})
			wantCode(t, err, errs.Invalid)
			_, err = e.svc.SaveSpecialist(e.ctx, e.admin, u.UserID, network.SpecialistInput{StationID: st.ID, Grid: []network.GridCell{{District: "海淀区"}}})
			wantCode(t, err, errs.Invalid)
			_, err = e.svc.SaveSpecialist(e.ctx, e.admin, u.UserID, network.SpecialistInput{StationID: st.ID, TargetLoad: -1})
			wantCode(t, err, errs.Invalid)
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			_, err := e.svc.SaveSpecialist(e.ctx, u, u.UserID, network.SpecialistInput{StationID: st.ID})
			wantCode(t, err, errs.Forbidden)
		})
		t.Run("Remove", func(t *testing.T) {
			id := e.enterprise(jiangan, "大智街道", "存续")
			if _, err := e.svc.Reassign(e.ctx, e.admin, id, u.UserID); err != nil {
				t.Fatal(err)
			}
			n, err := e.svc.RemoveSpecialist(e.ctx, e.admin, u.UserID)
			if err != nil || n != 1 {
				t.Fatalf("removed, unassigned %d, %v", n, err)
			}
			if sp, _ := e.svc.SpecialistOf(e.ctx, id); sp != 0 {
				t.Fatalf("still assigned to %d", sp)
			}
			_, err = e.svc.RemoveSpecialist(e.ctx, e.admin, u.UserID)
			wantCode(t, err, errs.NotFound)
		})
	})
}

func TestParseGrid(t *testing.T) {
	city := enterprise.Wuhan()
	for _, tc := range []struct {
		in   string
		want string
		err  bool
	}{
		{in: "洪山区", want: "洪山区（全区）"},
		{in: "420103、洪山区/关山街道", want: "江汉区（全区）、洪山区关山街道"},
		{in: "洪山区 关山街道\n江汉区民族街道", want: "江汉区民族街道、洪山区关山街道"},
		{in: "关山街道", want: "洪山区关山街道"},
		{in: "武汉经开区", want: "汉南区东荆街道、汉南区军山街道、汉南区沌口街道、汉南区沌阳街道、汉南区湘口街道、汉南区纱帽街道、汉南区邓南街道"},
		{in: "洪山区、洪山区/关山街道", want: "洪山区（全区）"},
		{in: "", want: "（未设网格）"},
		{in: "海淀区", err: true},
		{in: "不存在街道", err: true},
	} {
		cells, err := network.ParseGrid(city, tc.in)
		if tc.err {
			if errs.CodeOf(err) != errs.Invalid {
				t.Errorf("ParseGrid(%q) error %v, want invalid", tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseGrid(%q): %v", tc.in, err)
			continue
		}
		if got := network.GridLabel(city, cells); got != tc.want {
			t.Errorf("ParseGrid(%q) = %s, want %s", tc.in, got, tc.want)
		}
		again, err := network.ParseGrid(city, network.GridText(city, cells))
		if err != nil || fmt.Sprint(again) != fmt.Sprint(cells) {
			t.Errorf("GridText(%q) does not round-trip: %v %v", tc.in, again, err)
		}
	}
}

func TestAssignBalanced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		st := e.station("服务站")
		// a and b cover 洪山区; c covers only 关山街道 of it; d covers 江汉区.
		a := e.specialist("spa", st.ID, 0, network.GridCell{District: hongshan})
		b := e.specialist("spb", st.ID, 0, network.GridCell{District: hongshan})
		c := e.specialist("spc", st.ID, 0, network.GridCell{District: hongshan, Street: "关山街道"})
		d := e.specialist("spd", st.ID, 0, network.GridCell{District: jianghan})
		idle := e.specialist("spe", st.ID, 0, network.GridCell{District: "420117"})
		inHongshan := map[int64]string{}
		// Half of them in 关山街道, so that c can take a full share.
		for i := range 60 {
			street := []string{"关山街道", "关山街道", "关山街道", "珞南街道", "卓刀泉街道", ""}[i%6]
			status := []string{"存续", ""}[i%2]
			inHongshan[e.enterprise(hongshan, street, status)] = street
		}
		var inJianghan []int64
		for range 7 {
			inJianghan = append(inJianghan, e.enterprise(jianghan, "民族街道", "存续"))
		}
		closed := e.enterprise(hongshan, "关山街道", "注销")
		e.enterprise("", "", "存续")          // district unknown
		e.enterprise(jiangan, "大智街道", "存续") // nobody covers 江岸区

		res, err := e.svc.Assign(e.ctx, e.admin, network.AssignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Assigned != 67 || res.Uncovered != 2 || res.Overflow != 0 {
			t.Fatalf("result %+v", res)
		}
		loads := e.loads()
		la, lb, lc := loads[a.UserID], loads[b.UserID], loads[c.UserID]
		if la+lb+lc != 60 || max(la, lb, lc)-min(la, lb, lc) > 1 {
			t.Fatalf("loads in 洪山区 a=%d b=%d c=%d, want balanced within 1", la, lb, lc)
		}
		if loads[d.UserID] != 7 || loads[idle.UserID] != 0 {
			t.Fatalf("loads %v", loads)
		}
		// The grid is respected: c only has 关山街道, d only 江汉区.
		for id, street := range inHongshan {
			sp, err := e.svc.SpecialistOf(e.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if sp != a.UserID && sp != b.UserID && !(sp == c.UserID && street == "关山街道") {
				t.Fatalf("enterprise %d on %q went to %d", id, street, sp)
			}
		}
		for _, id := range inJianghan {
			if sp, _ := e.svc.SpecialistOf(e.ctx, id); sp != d.UserID {
				t.Fatalf("江汉区 enterprise %d went to %d", id, sp)
			}
		}
		if sp, _ := e.svc.SpecialistOf(e.ctx, closed); sp != 0 {
			t.Fatalf("a 注销 enterprise was assigned to %d", sp)
		}
		// Running again assigns only what is new.
		e.enterprise(hongshan, "珞南街道", "存续")
		res, err = e.svc.Assign(e.ctx, e.admin, network.AssignOptions{})
		if err != nil || res.Assigned != 1 || res.Uncovered != 2 {
			t.Fatalf("second run %+v, %v", res, err)
		}
		loads = e.loads()
		la, lb, lc = loads[a.UserID], loads[b.UserID], loads[c.UserID]
		if max(la, lb, lc)-min(la, lb, lc) > 1 {
			t.Fatalf("after second run a=%d b=%d c=%d", la, lb, lc)
		}
		entries, _, err := e.audit.Find(e.ctx, audit.Filter{Entity: "network", Action: "assign"})
		if err != nil || len(entries) != 2 {
			t.Fatalf("audit %d, %v", len(entries), err)
		}
		t.Run("ErrForbidden", func(t *testing.T) {
			_, err := e.svc.Assign(e.ctx, a, network.AssignOptions{})
			wantCode(t, err, errs.Forbidden)
		})
	})
}

func TestAssignTargetOverflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		st := e.station("服务站")
		a := e.specialist("spa", st.ID, 12, network.GridCell{District: hongshan})
		b := e.specialist("spb", st.ID, 0, network.GridCell{District: hongshan}) // takes the default target
		for range 30 {
			e.enterprise(hongshan, "关山街道", "存续")
		}
		res, err := e.svc.Assign(e.ctx, e.admin, network.AssignOptions{TargetLoad: 10})
		if err != nil {
			t.Fatal(err)
		}
		// Capacity 22: a fills to 12, b to 10; the other 8 overflow to the
		// least loaded.
		loads := e.loads()
		if res.Assigned != 30 || res.Overflow != 8 || loads[a.UserID] != 15 || loads[b.UserID] != 15 {
			t.Fatalf("result %+v loads %v", res, loads)
		}
		if len(res.OverTarget) != 2 || !strings.Contains(res.Summary(), "8 家超出") {
			t.Fatalf("over target %+v, %s", res.OverTarget, res.Summary())
		}
		// The coverage report uses the specialists' own targets.
		rep, err := e.svc.CoverageReport(e.ctx, e.admin)
		if err != nil || len(rep.OverTarget) != 1 || rep.OverTarget[0].UserID != a.UserID || rep.OverTarget[0].Load != 15 {
			t.Fatalf("report %+v, %v", rep, err)
		}
	})
}

func TestAssignJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		st := e.station("服务站")
		a := e.specialist("spa", st.ID, 0, network.GridCell{District: hongshan})
		for range 5 {
			e.enterprise(hongshan, "", "存续")
		}
		id, err := e.svc.EnqueueAssign(e.ctx, e.admin, network.AssignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		again, err := e.svc.EnqueueAssign(e.ctx, e.admin, network.AssignOptions{})
		if err != nil || again != id {
			t.Fatalf("second enqueue %d, %v; want the queued job %d", again, err, id)
		}
		_, err = e.svc.EnqueueAssign(e.ctx, a, network.AssignOptions{})
		wantCode(t, err, errs.Forbidden)
		if ran, err := e.jobs.RunOnce(e.ctx); !ran || err != nil {
			t.Fatalf("run: %v %v", ran, err)
		}
		j, err := e.jobs.FindJobByID(e.ctx, id)
		if err != nil || j.Status != jobs.Done || j.LastProgress == nil || !strings.Contains(j.LastProgress.Note, "本次分配 5 家") {
			t.Fatalf("job %+v, %v", j, err)
		}
		if e.loads()[a.UserID] != 5 {
			t.Fatalf("loads %v", e.loads())
		}
		entries, _, _ := e.audit.Find(e.ctx, audit.Filter{Entity: "network"})
		if len(entries) != 1 || entries[0].Actor != "admin" {
			t.Fatalf("audit %+v", entries)
		}
	})
}

func TestCoverageReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		st := e.station("服务站")
		e.specialist("spa", st.ID, 0, network.GridCell{District: hongshan})
		for range 3 {
			e.enterprise(hongshan, "关山街道", "存续")
		}
		for range 2 {
			e.enterprise(jianghan, "民族街道", "")
		}
		e.enterprise(jianghan, "民族街道", "吊销")
		e.enterprise("", "", "存续")
		if _, err := e.svc.Assign(e.ctx, e.admin, network.AssignOptions{}); err != nil {
			t.Fatal(err)
		}
		rep, err := e.svc.CoverageReport(e.ctx, e.admin)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Enterprises != 6 || rep.Assigned != 3 || rep.Unassigned != 3 || rep.Stations != 1 || rep.Specialists != 1 {
			t.Fatalf("report %+v", rep)
		}
		byName := map[string]network.DistrictCoverage{}
		for _, d := range rep.ByDistrict {
			byName[d.DistrictName] = d
		}
		if byName["江汉区"].Unassigned != 2 || byName["区未知"].Unassigned != 1 || byName["洪山区"].Unassigned != 0 || rep.ByDistrict[0].DistrictName != "江汉区" {
			t.Fatalf("by district %+v", rep.ByDistrict)
		}
		leader := e.user("leader", auth.RoleLeader)
		if _, err := e.svc.CoverageReport(e.ctx, leader); err != nil {
			t.Fatal(err)
		}
		sp := e.user("spx", auth.RoleSpecialist)
		_, err = e.svc.CoverageReport(e.ctx, sp)
		wantCode(t, err, errs.Forbidden)
	})
}

func TestReassign(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		st := e.station("服务站")
		a := e.specialist("spa", st.ID, 0, network.GridCell{District: hongshan})
		b := e.specialist("spb", st.ID, 0, network.GridCell{District: jianghan})
		id := e.enterprise(hongshan, "关山街道", "存续")
		if _, err := e.svc.Assign(e.ctx, e.admin, network.AssignOptions{}); err != nil {
			t.Fatal(err)
		}
		ctx := audit.WithActor(e.ctx, audit.Who{UserID: &e.admin.UserID, Name: e.admin.Name})
		as, err := e.svc.Reassign(ctx, e.admin, id, b.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if as.SpecialistID != b.UserID || as.How != network.HowManual {
			t.Fatalf("assignment %+v", as)
		}
		entries, _, err := e.audit.Find(e.ctx, audit.Filter{Entity: "enterprise_assignment", EntityID: fmt.Sprint(id)})
		if err != nil || len(entries) != 1 {
			t.Fatalf("audit %+v, %v", entries, err)
		}
		en := entries[0]
		if en.Action != "reassign" || en.Actor != "admin" || !strings.Contains(string(en.Before), fmt.Sprintf(`"specialist_user_id":%d`, a.UserID)) ||
			!strings.Contains(string(en.After), fmt.Sprintf(`"specialist_user_id":%d`, b.UserID)) {
			t.Fatalf("audit entry %+v before %s after %s", en, en.Before, en.After)
		}
		// Automatic assignment leaves a manual choice alone.
		if res, err := e.svc.Assign(e.ctx, e.admin, network.AssignOptions{}); err != nil || res.Assigned != 0 {
			t.Fatalf("rerun %+v %v", res, err)
		}
		got, err := e.svc.FindAssignment(e.ctx, b, id)
		if err != nil || got.SpecialistID != b.UserID {
			t.Fatalf("find %+v %v", got, err)
		}
		_, err = e.svc.FindAssignment(e.ctx, a, id)
		wantCode(t, err, errs.Forbidden)
		t.Run("Unassign", func(t *testing.T) {
			if _, err := e.svc.Reassign(e.ctx, e.admin, id, 0); err != nil {
				t.Fatal(err)
			}
			_, err := e.svc.FindAssignment(e.ctx, e.admin, id)
			wantCode(t, err, errs.NotFound)
		})
		t.Run("Err", func(t *testing.T) {
			_, err := e.svc.Reassign(e.ctx, a, id, a.UserID)
			wantCode(t, err, errs.Forbidden)
			_, err = e.svc.Reassign(e.ctx, e.admin, id, e.admin.UserID)
			wantCode(t, err, errs.Invalid)
			_, err = e.svc.Reassign(e.ctx, e.admin, 99999, a.UserID)
			wantCode(t, err, errs.NotFound)
		})
	})
}

func TestVisits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		st := e.station("服务站")
		a := e.specialist("spa", st.ID, 0, network.GridCell{District: hongshan})
		b := e.specialist("spb", st.ID, 0, network.GridCell{District: jianghan})
		mine := e.enterprise(hongshan, "关山街道", "存续")
		theirs := e.enterprise(jianghan, "民族街道", "存续")
		nobodys := e.enterprise(jiangan, "大智街道", "存续")
		if _, err := e.svc.Assign(e.ctx, e.admin, network.AssignOptions{}); err != nil {
			t.Fatal(err)
		}
		today := workday.Today(e.clock.Now)
		in := network.VisitInput{EnterpriseID: mine, Date: today.AddDays(-1), Form: network.FormOnSite, Content: "了解企业用工情况", Problems: "招工难"}
		t.Run("OK", func(t *testing.T) {
			v, err := e.svc.RecordVisit(e.ctx, a, in)
			if err != nil {
				t.Fatal(err)
			}
			if v.SpecialistID != a.UserID || v.Date != today.AddDays(-1) || v.EnterpriseName == "" {
				t.Fatalf("visit %+v", v)
			}
			// An administrator may record too; a zero date is today.
			v, err = e.svc.RecordVisit(e.ctx, e.admin, network.VisitInput{EnterpriseID: mine, Form: network.FormPhone, Content: "电话回访"})
			if err != nil || v.Date != today {
				t.Fatalf("admin visit %+v, %v", v, err)
			}
			list, total, err := e.svc.FindVisits(e.ctx, a, network.VisitFilter{EnterpriseID: mine})
			if err != nil || total != 2 || list[0].Date != today || list[1].Problems != "招工难" {
				t.Fatalf("visits %+v %d %v", list, total, err)
			}
			list, total, err = e.svc.FindVisits(e.ctx, a, network.VisitFilter{SpecialistID: a.UserID})
			if err != nil || total != 1 || list[0].SpecialistName != "spa" {
				t.Fatalf("own visits %+v %d %v", list, total, err)
			}
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			for _, tc := range []struct {
				name  string
				actor *auth.Actor
				id    int64
			}{
				{"other specialist's enterprise", a, theirs},
				{"unassigned enterprise", a, nobodys},
				{"enterprise account", e.user("qiye", auth.RoleEnterprise), mine},
				{"leader", e.user("lingdao", auth.RoleLeader), mine},
			} {
				in := in
				in.EnterpriseID = tc.id
				if _, err := e.svc.RecordVisit(e.ctx, tc.actor, in); errs.CodeOf(err) != errs.Forbidden {
					t.Errorf("%s: error %v, want forbidden", tc.name, err)
				}
			}
			_, _, err := e.svc.FindVisits(e.ctx, b, network.VisitFilter{EnterpriseID: mine})
			wantCode(t, err, errs.Forbidden)
			_, _, err = e.svc.FindVisits(e.ctx, b, network.VisitFilter{SpecialistID: a.UserID})
			wantCode(t, err, errs.Forbidden)
			_, _, err = e.svc.FindVisits(e.ctx, b, network.VisitFilter{})
			wantCode(t, err, errs.Forbidden)
			_, err = e.svc.RecordVisit(e.ctx, nil, in)
			wantCode(t, err, errs.Unauthenticated)
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			for _, mod := range []func(*network.VisitInput){
				func(v *network.VisitInput) { v.Date = today.AddDays(1) },
				func(v *network.VisitInput) { v.Form = "微信" },
				func(v *network.VisitInput) { v.Content = "  " },
				func(v *network.VisitInput) { v.Content = strings.Repeat("长", 2001) },
			} {
				v := in
				mod(&v)
				if _, err := e.svc.RecordVisit(e.ctx, a, v); errs.CodeOf(err) != errs.Invalid {
					t.Errorf("input %+v: error %v, want invalid", v, err)
				}
			}
		})
	})
}

func TestReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		st := e.station("服务站")
		a := e.specialist("spa", st.ID, 0, network.GridCell{District: hongshan})
		b := e.specialist("spb", st.ID, 0, network.GridCell{District: jianghan})
		var ids []int64
		for range 3 {
			ids = append(ids, e.enterprise(hongshan, "关山街道", "存续"))
		}
		e.enterprise(jianghan, "民族街道", "存续")
		if _, err := e.svc.Assign(e.ctx, e.admin, network.AssignOptions{}); err != nil {
			t.Fatal(err)
		}
		inbox := func(a *auth.Actor) []notify.Notification {
			t.Helper()
			list, _, err := e.svc.Notify.Inbox(e.ctx, a, notify.InboxFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return list
		}
		// Newly assigned enterprises are not overdue.
		if n, err := e.svc.RemindOverdue(e.ctx); err != nil || n != 0 {
			t.Fatalf("day 0: sent %d, %v", n, err)
		}
		// b visits its enterprise on day 30.
		e.clock.Add(30 * 24 * time.Hour)
		list, _, _ := e.svc.FindAssigned(e.ctx, b, b.UserID, network.AssignedFilter{})
		if _, err := e.svc.RecordVisit(e.ctx, b, network.VisitInput{EnterpriseID: list[0].EnterpriseID, Form: network.FormOnline, Content: "线上座谈"}); err != nil {
			t.Fatal(err)
		}
		e.clock.Add(61 * 24 * time.Hour) // day 91
		n, err := e.svc.RemindOverdue(e.ctx)
		if err != nil || n != 1 {
			t.Fatalf("day 91: sent %d, %v", n, err)
		}
		got := inbox(a)
		if len(got) != 1 || !strings.Contains(got[0].Title, "3 家企业超过 90 天未走访") || got[0].Link != "/workbench?overdue=1" {
			t.Fatalf("inbox of a %+v", got)
		}
		if len(inbox(b)) != 0 {
			t.Fatalf("b was reminded: %+v", inbox(b))
		}
		// The same day again: deduplicated.
		e.clock.Add(time.Hour)
		if n, err := e.svc.RemindOverdue(e.ctx); err != nil || n != 0 {
			t.Fatalf("same day: sent %d, %v", n, err)
		}
		if count, days, err := e.svc.OverdueCount(e.ctx, a, a.UserID); err != nil || count != 3 || days != 90 {
			t.Fatalf("overdue count %d %d %v", count, days, err)
		}
		overdue, total, err := e.svc.FindAssigned(e.ctx, a, a.UserID, network.AssignedFilter{Overdue: true})
		if err != nil || total != 3 || !overdue[0].Overdue || overdue[0].LastVisit != nil {
			t.Fatalf("overdue list %+v %d %v", overdue, total, err)
		}
		_, _, err = e.svc.FindAssigned(e.ctx, b, a.UserID, network.AssignedFilter{})
		wantCode(t, err, errs.Forbidden)
		// a visits one; the next day's reminder counts two; b's visit on day
		// 30 is now 62 days old, not yet overdue.
		if _, err := e.svc.RecordVisit(e.ctx, a, network.VisitInput{EnterpriseID: ids[0], Form: network.FormOnSite, Content: "上门走访"}); err != nil {
			t.Fatal(err)
		}
		e.clock.Add(24 * time.Hour)
		if n, err := e.svc.RemindOverdue(e.ctx); err != nil || n != 1 {
			t.Fatalf("day 92: sent %d, %v", n, err)
		}
		got = inbox(a)
		if len(got) != 2 || !strings.Contains(got[0].Title, "2 家企业") {
			t.Fatalf("inbox of a %+v", got)
		}
		// A shorter period makes b's enterprise overdue too; and the job runs it.
		e.svc.ReminderDays = 30
		e.clock.Add(24 * time.Hour)
		if _, err := e.jobs.Enqueue(e.ctx, db, network.JobVisitReminders, nil); err != nil {
			t.Fatal(err)
		}
		if ran, err := e.jobs.RunOnce(e.ctx); !ran || err != nil {
			t.Fatalf("job: %v %v", ran, err)
		}
		if got := inbox(b); len(got) != 1 || !strings.Contains(got[0].Title, "1 家企业超过 30 天") {
			t.Fatalf("inbox of b %+v", got)
		}
	})
}
