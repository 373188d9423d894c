// Package demo loads the demonstration data of `qinqing serve --demo`: the
// units named in the seed action plans, a user of every role, and (through
// the modules) enterprises and their records.
package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/appeal/analysis"
	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/enterprise/synth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/network"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/workday"
)

// Password is the password of every demo account.
const Password = "demo12345"

// unitSpec is one demo unit: its name, kind, division code and aliases.
type unitSpec struct {
	name, kind, division string
	aliases              []string
	children             []unitSpec
}

// units are the responsible units that Wuhan's action plans name (武政办〔2024〕30号
// and the 洪山区 task list), with the short and long forms documents use.
var units = []unitSpec{
	{name: "市优化营商环境办公室", kind: org.KindDepartment, aliases: []string{"市营商办", "营商办"}},
	{name: "市发展和改革委员会", kind: org.KindDepartment, aliases: []string{"市发改委", "市发展改革委"}},
	{name: "市经济和信息化局", kind: org.KindDepartment, aliases: []string{"市经信局"}},
	{name: "市市场监督管理局", kind: org.KindDepartment, aliases: []string{"市市场监管局"}},
	{name: "市商务局", kind: org.KindDepartment},
	{name: "市财政局", kind: org.KindDepartment},
	{name: "市人力资源和社会保障局", kind: org.KindDepartment, aliases: []string{"市人社局"}},
	{name: "市科技创新局", kind: org.KindDepartment, aliases: []string{"市科技局"}},
	{name: "市司法局", kind: org.KindDepartment},
	{name: "市公安局", kind: org.KindDepartment},
	{name: "市数据局", kind: org.KindDepartment, aliases: []string{"市数据管理局"}},
	{name: "市投资促进局", kind: org.KindDepartment, aliases: []string{"市投促局"}},
	{name: "市教育局", kind: org.KindDepartment},
	{name: "市政务服务中心", kind: org.KindDepartment, aliases: []string{"市政务服务局"}},
	{name: "市住房和城市更新局", kind: org.KindDepartment, aliases: []string{"市住房城市更新局", "市住更局"}},
	{name: "市自然资源和城乡建设局", kind: org.KindDepartment, aliases: []string{"市自然资源城乡建设局", "市资建局"}},
	{name: "国家税务总局武汉市税务局", kind: org.KindDepartment, aliases: []string{"市税务局"}},
	{name: "中共武汉市委金融委员会办公室", kind: org.KindDepartment, aliases: []string{"市委金融办"}},
	{name: "中共武汉市委统一战线工作部", kind: org.KindDepartment, aliases: []string{"市委统战部"}},
	{name: "市工商业联合会", kind: org.KindOther, aliases: []string{"市工商联"}},
	{name: "中国人民银行湖北省分行", kind: org.KindFinance, aliases: []string{"人行湖北省分行", "人行省分行营管部", "人行湖北"}},
	{name: "江岸区人民政府", kind: org.KindDistrict, division: "420102", aliases: []string{"江岸区"}},
	{name: "江汉区人民政府", kind: org.KindDistrict, division: "420103", aliases: []string{"江汉区"}},
	{name: "硚口区人民政府", kind: org.KindDistrict, division: "420104", aliases: []string{"硚口区"}},
	{name: "汉阳区人民政府", kind: org.KindDistrict, division: "420105", aliases: []string{"汉阳区"}},
	{name: "武昌区人民政府", kind: org.KindDistrict, division: "420106", aliases: []string{"武昌区"}},
	{name: "青山区人民政府", kind: org.KindDistrict, division: "420107", aliases: []string{"青山区"}},
	{name: "洪山区人民政府", kind: org.KindDistrict, division: "420111", aliases: []string{"洪山区", "区人民政府"}, children: []unitSpec{
		{name: "洪山区发展和改革局", kind: org.KindDepartment, aliases: []string{"区发改局"}},
		{name: "洪山区市场监督管理局", kind: org.KindDepartment, aliases: []string{"区市场监管局"}},
		{name: "洪山区行政审批局", kind: org.KindDepartment, aliases: []string{"区行政审批局"}},
		{name: "珞南街道办事处", kind: org.KindStreet, division: "420111002", aliases: []string{"珞南街道", "珞南街"}},
		{name: "关山街道办事处", kind: org.KindStreet, division: "420111003", aliases: []string{"关山街道", "关山街"}},
		{name: "张家湾街道办事处", kind: org.KindStreet, division: "420111005", aliases: []string{"张家湾街道"}},
	}},
	{name: "东西湖区人民政府", kind: org.KindDistrict, division: "420112", aliases: []string{"东西湖区"}},
	{name: "汉南区人民政府", kind: org.KindDistrict, division: "420113", aliases: []string{"汉南区"}},
	{name: "蔡甸区人民政府", kind: org.KindDistrict, division: "420114", aliases: []string{"蔡甸区"}},
	{name: "江夏区人民政府", kind: org.KindDistrict, division: "420115", aliases: []string{"江夏区"}},
	{name: "黄陂区人民政府", kind: org.KindDistrict, division: "420116", aliases: []string{"黄陂区"}},
	{name: "新洲区人民政府", kind: org.KindDistrict, division: "420117", aliases: []string{"新洲区"}},
	{name: "东湖新技术开发区管理委员会", kind: org.KindZone, aliases: []string{"东湖高新区", "东湖高新区管委会"}},
	{name: "武汉经济技术开发区管理委员会", kind: org.KindZone, aliases: []string{"武汉经开区", "武汉经开区管委会"}},
	{name: "长江新区管理委员会", kind: org.KindZone, aliases: []string{"长江新区"}},
}

// Account is a demo login.
type Account struct {
	Username, Name string
	Role           auth.Role
	Unit           string // unit name, for unit staff
}

// Accounts are the demo logins, one or more per role.
var Accounts = []Account{
	{Username: "admin", Name: "营商办 王主任", Role: auth.RoleAdmin, Unit: "市优化营商环境办公室"},
	{Username: "leader", Name: "李市长", Role: auth.RoleLeader},
	{Username: "fgw", Name: "市发改委 张科长", Role: auth.RoleUnitStaff, Unit: "市发展和改革委员会"},
	{Username: "hongshan", Name: "洪山区 刘主任", Role: auth.RoleUnitStaff, Unit: "洪山区人民政府"},
	{Username: "specialist", Name: "服务专员 陈晓", Role: auth.RoleSpecialist},
	{Username: "hs_zhou", Name: "服务专员 周敏", Role: auth.RoleSpecialist},
	{Username: "ja_wang", Name: "服务专员 王磊", Role: auth.RoleSpecialist},
	{Username: "wc_li", Name: "服务专员 李娜", Role: auth.RoleSpecialist},
	{Username: "enterprise", Name: "企业用户 赵经理", Role: auth.RoleEnterprise},
}

// Empty reports whether the database holds no users yet, i.e. whether demo
// data may be loaded without clobbering anything.
func Empty(ctx context.Context, a *app.App) (bool, error) {
	_, n, err := a.Auth.FindUsers(ctx, auth.Operator("demo"), auth.UserFilter{Limit: 1})
	return n == 0, err
}

// Load fills an empty database with the demo data, reporting progress to
// out. Errors: Conflict when the database is not empty.
func Load(ctx context.Context, a *app.App, out io.Writer) error {
	empty, err := Empty(ctx, a)
	if err != nil {
		return err
	}
	if !empty {
		return errs.Errorf(errs.Conflict, "数据库已有数据，不载入演示数据")
	}
	ctx = audit.WithActor(ctx, audit.Who{Name: "demo"})
	n, err := createUnits(ctx, a)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "demo: %d units\n", n)
	size := a.Config.DemoSize
	res, err := a.Enterprises.ImportRecords(ctx, func(yield func(*enterprise.Enterprise) error) error {
		return synth.Generate(synth.Options{N: size, Seed: 1, City: a.Enterprises.City, Today: workday.Today(a.Now)}, yield)
	}, enterprise.ImportOptions{}, nil)
	if err != nil {
		return fmt.Errorf("demo enterprises: %w", err)
	}
	fmt.Fprintf(out, "demo: %d enterprises\n", res.Inserted)
	// The demo enterprise account looks after a high-tech firm in 洪山区.
	var own *int64
	if list, _, err := a.Enterprises.FindEnterprises(ctx, auth.Operator("demo"), enterprise.Filter{District: "420111", Tags: []string{"高新技术企业"}, Limit: 1}); err != nil {
		return err
	} else if len(list) == 0 {
		list, _, err = a.Enterprises.FindEnterprises(ctx, auth.Operator("demo"), enterprise.Filter{Limit: 1})
		if err != nil {
			return err
		}
		if len(list) > 0 {
			own = &list[0].ID
		}
	} else {
		own = &list[0].ID
	}
	users := map[string]int64{}
	for _, acc := range Accounts {
		in := auth.UserInput{Username: acc.Username, DisplayName: acc.Name, Password: Password, Role: acc.Role}
		if acc.Role == auth.RoleEnterprise {
			in.EnterpriseID = own
		}
		if acc.Unit != "" {
			u, err := a.Org.Resolve(ctx, acc.Unit)
			if err != nil {
				return err
			}
			in.UnitID = &u.ID
		}
		u, err := a.Auth.CreateUser(ctx, auth.Operator("demo"), in)
		if err != nil {
			return fmt.Errorf("demo user %s: %w", acc.Username, err)
		}
		users[acc.Username] = u.ID
	}
	fmt.Fprintf(out, "demo: %d users\n", len(Accounts))
	var ownID int64
	if own != nil {
		ownID = *own
	}
	if err := a.Network.LoadDemo(ctx, func(username string) int64 { return users[username] }, ownID); err != nil {
		return err
	}
	fmt.Fprintln(out, "demo: the service network (stations, specialists, assignments, visits)")
	if err := a.Policy.LoadDemo(ctx, func(name string) *int64 {
		if u, err := a.Org.Resolve(ctx, name); err == nil {
			return &u.ID
		}
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintln(out, "demo: policies of the policy supermarket")
	rd, err := a.Redeem.LoadDemo(ctx, func(name string) *int64 {
		if u, err := a.Org.Resolve(ctx, name); err == nil {
			return &u.ID
		}
		return nil
	}, ownID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "demo: a 免申即享 grant list of %d enterprises, %d confirmed, payment batch %d 待拨付\n", rd.Listed, rd.Confirmed, rd.BatchID)
	if err := loadPlans(ctx, a, out); err != nil {
		return err
	}
	if err := loadAppeals(ctx, a, users, ownID); err != nil {
		return err
	}
	fmt.Fprintln(out, "demo: appeals in every state, with their histories; a 问题清单 item made of a cluster; last month's monthly report published, this month's a draft")
	return nil
}

// loadAppeals loads the appeals' demo: the demo enterprise's, the demo
// specialist's enterprises' and others'.
func loadAppeals(ctx context.Context, a *app.App, users map[string]int64, own int64) error {
	op := auth.Operator("demo")
	in := appeal.DemoInput{Own: own,
		Unit: func(name string) *int64 {
			if u, err := a.Org.Resolve(ctx, name); err == nil {
				return &u.ID
			}
			return nil
		},
		Account: func(username string) *auth.Actor {
			u, err := a.Auth.FindUserByUsername(ctx, username)
			if err != nil {
				return nil
			}
			return u.Actor()
		}}
	taken := map[int64]bool{own: true}
	if id := users["specialist"]; id != 0 {
		mine, _, err := a.Network.FindAssigned(ctx, op, id, network.AssignedFilter{Limit: 5})
		if err != nil {
			return err
		}
		for _, e := range mine {
			if !taken[e.EnterpriseID] {
				in.Specialists = append(in.Specialists, e.EnterpriseID)
				taken[e.EnterpriseID] = true
			}
		}
	}
	hs, _, err := a.Enterprises.FindEnterprises(ctx, op, enterprise.Filter{District: "420111", Limit: 10})
	if err != nil {
		return err
	}
	for _, e := range hs {
		if !taken[e.ID] && len(in.Hongshan) < 2 {
			in.Hongshan = append(in.Hongshan, e.ID)
			taken[e.ID] = true
		}
	}
	list, _, err := a.Enterprises.FindEnterprises(ctx, op, enterprise.Filter{Limit: 60})
	if err != nil {
		return err
	}
	for _, e := range list {
		if !taken[e.ID] {
			in.Others = append(in.Others, e.ID)
			taken[e.ID] = true
		}
	}
	if err := loadAppealHistory(ctx, a); err != nil {
		return err
	}
	if err := a.Appeals.LoadDemo(ctx, in); err != nil {
		return err
	}
	owner, office := in.Account("hongshan"), in.Account("admin")
	if owner == nil || owner.UnitID == nil || office == nil {
		return fmt.Errorf("demo problem: the admin and hongshan accounts are needed")
	}
	if err := a.Analysis.LoadDemo(ctx, analysis.DemoInput{Office: office, Owner: owner, OwnerUnit: *owner.UnitID}); err != nil {
		return err
	}
	// The monthly report: last month's published, this month's a draft.
	return a.AppealReports.LoadDemo(ctx, office)
}

// demoHistory is how many appeals the demo's background history holds:
// about as many a month as the hand-written appeals make.
const demoHistory = 150

// loadAppealHistory writes the background of the demo's appeals: appeals
// of the registry's enterprises received from the first of the month three
// months back until 31 days ago, with their histories up to now (most
// closed, some still open and overdue), as qinqing seed appeals writes
// them. The hand-written appeals all fall in the last three weeks; the
// history gives the last whole month and the one before figures on
// whatever day the demo is loaded, for the ranking, the leader's home and
// the monthly reports, and stays out of the clusters of the last 30 days.
func loadAppealHistory(ctx context.Context, a *app.App) error {
	now := a.Now().In(workday.Shanghai)
	from := time.Date(now.Year(), now.Month()-3, 1, 0, 0, 0, 0, workday.Shanghai)
	if _, err := a.Appeals.SeedHistory(ctx, appeal.SeedOptions{N: demoHistory, Seed: 1, From: from, Until: now.AddDate(0, 0, -31)}, nil); err != nil {
		return fmt.Errorf("demo appeal history: %w", err)
	}
	// The history is written in bulk, around the transitions that keep
	// the rates' figures: compute its months.
	return a.AppealStats.Rebuild(ctx, from.Format("2006-01"), now.Format("2006-01"), nil)
}

// Units creates the demo city's units (the responsible units of Wuhan's
// action plans) when there are none yet, for a database seeded without the
// demo (qinqing seed appeals). Errors: those of org.CreateUnit.
func Units(ctx context.Context, a *app.App) (int, error) {
	var n int
	if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM units`).Scan(&n); err != nil {
		return 0, err
	}
	if n > 0 {
		return 0, nil
	}
	return createUnits(audit.WithActor(ctx, audit.Who{Name: "demo"}), a)
}

// createUnits creates the demo units and says how many.
func createUnits(ctx context.Context, a *app.App) (int, error) {
	n := 0
	var create func(specs []unitSpec, parent *int64) error
	create = func(specs []unitSpec, parent *int64) error {
		for i, sp := range specs {
			in := org.UnitInput{ParentID: parent, Name: sp.name, Kind: sp.kind, Sort: i, Aliases: sp.aliases}
			if sp.division != "" {
				d := sp.division
				in.Division = &d
			}
			u, err := a.Org.CreateUnit(ctx, auth.Operator("demo"), in)
			if err != nil {
				return fmt.Errorf("demo unit %s: %w", sp.name, err)
			}
			n++
			if err := create(sp.children, &u.ID); err != nil {
				return err
			}
		}
		return nil
	}
	err := create(units, nil)
	return n, err
}
