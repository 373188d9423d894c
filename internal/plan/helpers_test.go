package plan_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/plan"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// clock is a test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock to 10:00 on date d in Asia/Shanghai.
func (c *clock) Set(d string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = workday.MustParseDate(d).Start().Add(10 * time.Hour)
}

// fixture is plan supervision on a test database with a small city: the
// units plans name, and an account of every role.
type fixture struct {
	DB     *store.DB
	Clock  *clock
	Audit  *audit.Log
	Org    *org.Service
	Notify *notify.Service
	Svc    *plan.Service
	Cal    *workday.Calendar

	Admin, Leader                *auth.Actor
	FGW, SCJ, District, Street   *auth.Actor // unit staff: 发改委, 市场监管局, 洪山区, 珞南街道
	Units                        map[string]*org.Unit
	UserFGW, UserSCJ, UserStreet int64
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	c := &clock{}
	c.Set("2024-03-28")
	f := &fixture{DB: db, Clock: c, Units: map[string]*org.Unit{}}
	f.Audit = &audit.Log{DB: db, Now: c.Now}
	f.Org = org.New(db, org.Options{Audit: f.Audit, Now: c.Now})
	runner := jobs.New(db, jobs.Options{Now: c.Now})
	f.Notify = notify.New(db, runner, notify.Options{Now: c.Now})
	cal, err := workday.New()
	if err != nil {
		t.Fatal(err)
	}
	f.Cal = cal
	f.Svc = plan.New(db, plan.Options{Audit: f.Audit, Notify: f.Notify, Jobs: runner, Calendar: cal, Now: c.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Units: f.Org})
	mk := func(name, kind string, parent *int64, aliases ...string) *org.Unit {
		u, err := f.Org.CreateUnit(ctx, auth.Operator("test"), org.UnitInput{Name: name, Kind: kind, ParentID: parent, Aliases: aliases})
		if err != nil {
			t.Fatal(err)
		}
		f.Units[name] = u
		return u
	}
	mk("市发展和改革委员会", org.KindDepartment, nil, "市发改委")
	mk("市市场监督管理局", org.KindDepartment, nil, "市市场监管局")
	mk("市商务局", org.KindDepartment, nil)
	mk("市经济和信息化局", org.KindDepartment, nil, "市经信局")
	mk("市优化营商环境办公室", org.KindDepartment, nil, "市营商办")
	hs := mk("洪山区人民政府", org.KindDistrict, nil, "洪山区")
	mk("珞南街道办事处", org.KindStreet, &hs.ID, "珞南街道")
	mk("江岸区人民政府", org.KindDistrict, nil, "江岸区")
	users := auth.New(db, auth.Options{Audit: f.Audit, Now: c.Now})
	mkUser := func(name string, role auth.Role, unit string) *auth.Actor {
		in := auth.UserInput{Username: name, DisplayName: name, Password: "test-pass-123", Role: role}
		if unit != "" {
			in.UnitID = &f.Units[unit].ID
		}
		u, err := users.CreateUser(ctx, auth.Operator("test"), in)
		if err != nil {
			t.Fatal(err)
		}
		return u.Actor()
	}
	f.Admin = mkUser("admin", auth.RoleAdmin, "")
	f.Leader = mkUser("leader", auth.RoleLeader, "")
	f.FGW = mkUser("fgw", auth.RoleUnitStaff, "市发展和改革委员会")
	f.SCJ = mkUser("scj", auth.RoleUnitStaff, "市市场监督管理局")
	f.District = mkUser("hongshan", auth.RoleUnitStaff, "洪山区人民政府")
	f.Street = mkUser("luonan", auth.RoleUnitStaff, "珞南街道办事处")
	f.UserFGW, f.UserSCJ, f.UserStreet = f.FGW.UserID, f.SCJ.UserID, f.Street.UserID
	return f
}

// ctx returns a context whose changes are audited as actor a.
func ctxAs(a *auth.Actor) context.Context {
	return audit.WithActor(context.Background(), audit.Who{UserID: &a.UserID, Name: a.Name})
}

// smallDoc is a plan in the parser's JSON shape: a goal section with two
// indicators, a task section of two headings and four tasks naming known,
// aliased and unknown units, deadlines of every kind, a stage section and
// a section of working requirements.
const smallDoc = `{
  "title": "市人民政府办公厅关于印发优化营商环境工作方案的通知",
  "plan_title": "优化营商环境工作方案",
  "doc_number": "武政办〔2024〕99号",
  "issuer": "武汉市人民政府办公厅",
  "date": "2024-03-20",
  "year": 2024,
  "items": [
    {"path": [1], "marker": "一、", "heading": "工作目标", "text": "营商环境持续优化。", "lead_units": [], "units": [], "coop_units": [], "deadlines": [], "indicators": []},
    {"path": [1, 1], "marker": "(一)", "heading": "市场主体进一步壮大", "text": "新增民营企业10万家，“四上”企业达到1.85万家。", "lead_units": [], "units": [], "coop_units": [], "deadlines": [],
     "indicators": [{"text": "新增民营企业10万家", "name": "新增民营企业", "op": ">=", "value": 100000, "unit": "家"},
                    {"text": "“四上”企业达到1.85万家", "name": "“四上”企业", "op": ">=", "value": 18500, "unit": "家"}]},
    {"path": [2], "marker": "二、", "heading": "工作任务", "text": "", "lead_units": [], "units": [], "coop_units": [], "deadlines": [], "indicators": []},
    {"path": [2, 1], "marker": "(一)", "heading": "优化发展环境", "text": "", "lead_units": [], "units": [], "coop_units": [], "deadlines": [], "indicators": []},
    {"path": [2, 1, 1], "marker": "1.", "heading": "打造公平竞争市场环境", "text": "6月底前出台办法，9月底前全面实施。", "lead_units": ["市发改委"], "units": ["市市场监管局"], "coop_units": ["市商务局"],
     "deadlines": [{"text": "6月底前", "date": "2024-06-30", "kind": "date"}, {"text": "9月底前", "date": "2024-09-30", "kind": "date"}], "indicators": []},
    {"path": [2, 1, 2], "marker": "2.", "heading": "加快推进“个转企”", "text": "全年实现“个转企”3000家以上。", "lead_units": [], "units": ["市市场监管局", "各区人民政府"], "coop_units": [],
     "deadlines": [{"text": "全年", "date": "2024-12-31", "kind": "year"}],
     "indicators": [{"text": "“个转企”3000家以上", "name": "“个转企”", "op": ">=", "value": 3000, "unit": "家"}]},
    {"path": [2, 2], "marker": "(二)", "heading": "提升服务实效", "text": "", "lead_units": [], "units": [], "coop_units": [], "deadlines": [], "indicators": []},
    {"path": [2, 2, 1], "marker": "1.", "heading": "畅通政企沟通渠道", "text": "长期坚持干部联系服务企业机制。", "lead_units": [], "units": ["洪山区", "市工商联"], "coop_units": [],
     "deadlines": [{"text": "长期坚持", "date": null, "kind": "continuous"}], "indicators": []},
    {"path": [2, 2, 2], "marker": "2.", "heading": "健全助企服务体系", "text": "完善服务站体系。", "lead_units": [], "units": ["珞南街道"], "coop_units": [],
     "deadlines": [], "indicators": []},
    {"path": [3], "marker": "三、", "heading": "工作安排", "text": "", "lead_units": [], "units": [], "coop_units": [], "deadlines": [], "indicators": []},
    {"path": [3, 1], "marker": "(一)", "heading": "工作部署阶段(2024年3月)", "text": "部署办理工作。", "lead_units": [], "units": [], "coop_units": [], "deadlines": [], "indicators": []},
    {"path": [3, 2], "marker": "(二)", "heading": "办理落实阶段(2024年4月—11月)", "text": "每月报送办理工作简报。", "lead_units": [], "units": [], "coop_units": [], "deadlines": [], "indicators": []},
    {"path": [4], "marker": "四、", "heading": "工作要求", "text": "", "lead_units": [], "units": [], "coop_units": [], "deadlines": [], "indicators": []},
    {"path": [4, 1], "marker": "(一)", "heading": "加强组织领导", "text": "成立领导小组。", "lead_units": [], "units": [], "coop_units": [], "deadlines": [], "indicators": []}
  ],
  "warnings": []
}`

// importSmall imports smallDoc as the office and returns the result.
func (f *fixture) importSmall(t *testing.T) *plan.ImportResult {
	t.Helper()
	doc, err := plan.ReadDocument("plan.json", []byte(smallDoc))
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Svc.Import(ctxAs(f.Admin), f.Admin, doc, plan.ImportOptions{})
	if err != nil {
		t.Fatalf("import: %v %+v", err, res)
	}
	return res
}

// published imports smallDoc, maps its unknown names (各区人民政府 to both
// districts, 市工商联 ignored) and publishes it.
func (f *fixture) published(t *testing.T) *plan.Plan {
	t.Helper()
	res := f.importSmall(t)
	ctx := ctxAs(f.Admin)
	if _, err := f.Svc.MapUnits(ctx, f.Admin, res.ID, plan.MapInput{Name: "各区人民政府",
		UnitIDs: []int64{f.Units["洪山区人民政府"].ID, f.Units["江岸区人民政府"].ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.MapUnits(ctx, f.Admin, res.ID, plan.MapInput{Name: "市工商联", Ignore: true}); err != nil {
		t.Fatal(err)
	}
	p, err := f.Svc.Publish(ctx, f.Admin, res.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// task returns the task of p numbered num.
func (f *fixture) task(t *testing.T, p *plan.Plan, num string) *plan.Task {
	t.Helper()
	list, _, err := f.Svc.FindTasks(context.Background(), f.Admin, plan.TaskFilter{PlanID: p.ID, Query: num, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range list {
		if x.Numbering == num {
			tk, _, err := f.Svc.FindTaskByID(context.Background(), f.Admin, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
	}
	t.Fatalf("no task %s", num)
	return nil
}
