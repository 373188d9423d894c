package auth

import (
	"github.com/qinqing/qinqing/internal/errs"
)

// Role is what an account may do on the platform.
type Role string

// The roles.
const (
	RoleAdmin      Role = "admin"      // 营商办: runs the programme
	RoleLeader     Role = "leader"     // 领导: reads dashboards
	RoleUnitStaff  Role = "unit_staff" // 责任单位工作人员, bound to a unit
	RoleSpecialist Role = "specialist" // 服务专员, looks after a set of enterprises
	RoleEnterprise Role = "enterprise" // 企业用户, bound to one enterprise
)

// Roles lists every role in display order.
var Roles = []Role{RoleAdmin, RoleLeader, RoleUnitStaff, RoleSpecialist, RoleEnterprise}

// Label returns the role's Chinese name.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "营商办管理员"
	case RoleLeader:
		return "领导"
	case RoleUnitStaff:
		return "责任单位"
	case RoleSpecialist:
		return "服务专员"
	case RoleEnterprise:
		return "企业用户"
	}
	return string(r)
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Actor is who is making a request: a logged-in user or an API token.
type Actor struct {
	UserID       int64  // 0 for a token
	TokenID      int64  // 0 for a user
	Name         string // username or token name
	DisplayName  string
	Role         Role
	UnitID       *int64
	EnterpriseID *int64
	Scopes       []Action // a token's scopes; empty means all its role allows
}

// Action is something an actor may be allowed to do.
type Action string

// The actions. Each module adds its own; the table below decides who may.
const (
	ManageUnits      Action = "units.manage"
	ManageUsers      Action = "users.manage"
	ManageTokens     Action = "tokens.manage"
	ViewAudit        Action = "audit.view"
	ManageCalendar   Action = "calendar.manage"
	ViewJobs         Action = "jobs.view"
	ManageWebhooks   Action = "webhooks.manage"
	ViewDashboard    Action = "dashboard.view"
	ViewEnterprises  Action = "enterprises.view"   // list and search the registry
	ViewEnterprise   Action = "enterprise.view"    // one enterprise's file (ownership)
	EditEnterprise   Action = "enterprise.edit"    // change an enterprise's profile (ownership)
	ImportEnterprise Action = "enterprises.import" // bulk import and export
	ManageNetwork    Action = "network.manage"     // service stations and assignment
	RecordVisit      Action = "visit.record"       // a specialist's visit log (ownership)
	ManagePolicies   Action = "policies.manage"    // draft and edit policies and clauses, simulate rules (units: their own policies)
	ReviewPolicies   Action = "policies.review"    // approve, reject and end policies
	ViewPolicyStats  Action = "policies.metrics"   // eligibility and push figures per policy
)

// Resource names the owner of the thing an action touches, for ownership
// checks; zero fields mean "not owned by such a party".
type Resource struct {
	EnterpriseID int64 // the enterprise the record belongs to
	SpecialistID int64 // the user id of the specialist who looks after it
}

// rule decides whether actor a may act on res.
type rule func(a *Actor, res Resource) bool

func roles(rs ...Role) rule {
	return func(a *Actor, _ Resource) bool {
		for _, r := range rs {
			if a.Role == r {
				return true
			}
		}
		return false
	}
}

func anyOf(rules ...rule) rule {
	return func(a *Actor, res Resource) bool {
		for _, r := range rules {
			if r(a, res) {
				return true
			}
		}
		return false
	}
}

// ownEnterprise: an enterprise account acting on its own records.
func ownEnterprise(a *Actor, res Resource) bool {
	return a.Role == RoleEnterprise && a.EnterpriseID != nil && res.EnterpriseID != 0 && *a.EnterpriseID == res.EnterpriseID
}

// ownSpecialist: a specialist acting on an enterprise they look after.
func ownSpecialist(a *Actor, res Resource) bool {
	return a.Role == RoleSpecialist && a.UserID != 0 && res.SpecialistID == a.UserID
}

// ActionInfo names an action in Chinese, for the API token form.
type ActionInfo struct {
	Action Action
	Label  string
}

// actionLabels says in Chinese what each action of the permissions table
// allows, in display order; a test keeps it and the table in step.
var actionLabels = []ActionInfo{
	{ManageUnits, "管理组织单位"},
	{ManageUsers, "管理用户"},
	{ManageTokens, "管理API令牌"},
	{ViewAudit, "查看审计日志"},
	{ManageCalendar, "维护工作日历"},
	{ViewJobs, "查看后台任务"},
	{ManageWebhooks, "管理Webhook"},
	{ViewDashboard, "查看指标看板"},
	{ViewEnterprises, "查询企业库"},
	{ViewEnterprise, "查看企业档案"},
	{EditEnterprise, "修改企业档案"},
	{ImportEnterprise, "导入导出企业"},
	{ManageNetwork, "管理服务网络"},
	{RecordVisit, "记录走访"},
	{ManagePolicies, "管理政策与测算"},
	{ReviewPolicies, "审核、发布与结束政策"},
	{ViewPolicyStats, "查看政策推送统计"},
}

// Actions lists every action with its Chinese label, in display order.
func Actions() []ActionInfo { return append([]ActionInfo(nil), actionLabels...) }

// permissions is the one table that says who may do what.
var permissions = map[Action]rule{
	ManageUnits:      roles(RoleAdmin),
	ManageUsers:      roles(RoleAdmin),
	ManageTokens:     roles(RoleAdmin),
	ViewAudit:        roles(RoleAdmin),
	ManageCalendar:   roles(RoleAdmin),
	ViewJobs:         roles(RoleAdmin),
	ManageWebhooks:   roles(RoleAdmin),
	ViewDashboard:    roles(RoleAdmin, RoleLeader),
	ViewEnterprises:  roles(RoleAdmin, RoleLeader, RoleUnitStaff, RoleSpecialist),
	ViewEnterprise:   anyOf(roles(RoleAdmin, RoleLeader, RoleUnitStaff), ownSpecialist, ownEnterprise),
	EditEnterprise:   anyOf(roles(RoleAdmin), ownSpecialist, ownEnterprise),
	ImportEnterprise: roles(RoleAdmin),
	ManageNetwork:    roles(RoleAdmin),
	RecordVisit:      anyOf(roles(RoleAdmin), ownSpecialist),
	ManagePolicies:   roles(RoleAdmin, RoleUnitStaff),
	ReviewPolicies:   roles(RoleAdmin),
	ViewPolicyStats:  roles(RoleAdmin, RoleLeader, RoleUnitStaff),
}

// Can reports whether a may perform act on res. A nil actor may do nothing;
// a token may do only what both its role and its scopes allow.
func (a *Actor) Can(act Action, res Resource) bool {
	if a == nil {
		return false
	}
	r, ok := permissions[act]
	if !ok || !r(a, res) {
		return false
	}
	if len(a.Scopes) == 0 {
		return true
	}
	for _, s := range a.Scopes {
		if s == act {
			return true
		}
	}
	return false
}

// Authorize returns nil if a may perform act on res, Unauthenticated if
// there is no actor, and Forbidden otherwise.
func Authorize(a *Actor, act Action, res Resource) error {
	if a == nil {
		return errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	if !a.Can(act, res) {
		return errs.Errorf(errs.Forbidden, "无权执行此操作")
	}
	return nil
}
