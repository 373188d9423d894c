package auth

import (
	"context"
	"slices"
	"strconv"

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
	TokenOwner   int64    // the user who created the token (0: made on the command line)
}

// Person is the user answerable for what a does: the user, or for a token
// the user who created it; 0 when there is none (the system, a token made
// on the command line). The *_by columns and the four-eyes rule (四眼原则)
// use it, so a token cannot approve what its owner submitted, nor its owner
// what the token submitted.
func (a *Actor) Person() int64 {
	switch {
	case a == nil:
		return 0
	case a.UserID != 0:
		return a.UserID
	default:
		return a.TokenOwner
	}
}

// PersonRef is Person as a nullable reference to users(id).
func (a *Actor) PersonRef() *int64 {
	if id := a.Person(); id != 0 {
		return &id
	}
	return nil
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
	ViewPlans        Action = "plans.view"         // read plans, tasks, reports, rates and the ranking (units: plans they hold tasks in)
	ManagePlans      Action = "plans.manage"       // import, edit, publish and end plans, map their units
	ReportPlans      Action = "plans.report"       // sign for tasks, split them, file progress reports, answer 督办 (units: their own tasks)
	SupervisePlans   Action = "plans.supervise"    // issue 督办 notices, confirm tasks done (销号)
	// Redemption (兑现): the holding unit generates and reviews grant
	// lists, reviews applications, answers objections and pays; the
	// office countersigns; an enterprise claims its own benefits.
	RedeemPolicies    Action = "redeem.manage"      // grant lists, application review, objections, payment (units: their policies)
	CountersignGrants Action = "redeem.countersign" // the office's countersignature of approved grant lists
	ClaimBenefits     Action = "redeem.claim"       // apply, confirm a grant, object (the enterprise's own)
	ViewRedemption    Action = "redeem.view"        // grants, applications, objections, payments and their figures
	CorrectEnterprise Action = "enterprise.correct" // correct an enterprise's file on an accepted objection (the objection's unit)
	FileAppeal        Action = "appeals.file"       // file an appeal (ownership: an enterprise's own, a specialist's enterprises)
	ViewAppeal        Action = "appeal.view"        // read an appeal and its history (ownership)
	ManageAppeals     Action = "appeals.manage"     // dispatch, extensions, closing, reopening, the catalogue, imports (the office)
	HandleAppeal      Action = "appeal.handle"      // sign for, return, pause, reply: the units an appeal is with (ownership)
	SupplyAppeal      Action = "appeal.supply"      // supply material for an appeal (ownership)
	EvaluateAppeal    Action = "appeal.evaluate"    // evaluate a reply (好差评; ownership)
	// Appeal analysis (分析研判) and the 问题清单: the office and leaders
	// read hot topics and clusters; the office keeps the dictionary and
	// the list; the owner unit of a problem reports its progress.
	AnalyseAppeals Action = "appeals.analyse" // hot topics and clusters of appeals
	ManageProblems Action = "problems.manage" // the dictionary, 问题清单 items, their appeals and 销号 (the office)
	ViewProblem    Action = "problem.view"    // read a 问题清单 item (ownership: its owner unit and the units above)
	ReportProblem  Action = "problem.report"  // report progress on a 问题清单 item (ownership: its owner unit)
)

// Appeal rates (诉求办理指标), 比晾晒 and the monthly report.
const (
	ViewAppealStats   Action = "appeals.stats"        // read rates and the ranking (units: their own and the units below)
	ManageAppealStats Action = "appeals.stats.manage" // edit the formula configuration, publish and recompute a month, the monthly report
	// The monthly report (月度简报): every unit reads a published one; the
	// office and leaders also read drafts; the office generates, edits
	// and publishes (ManageAppealStats).
	ViewAppealReports      Action = "appeal_reports.view"   // read published monthly reports
	ViewAppealReportDrafts Action = "appeal_reports.drafts" // read monthly reports not yet published
)

// Resource names who owns the record an action touches, for ownership
// checks; zero fields mean "not owned by such a party". The domain that
// holds the record fills it — from its own rows, and from the packages that
// own the other facts through EnterpriseOwners and UnitTree — and asks
// Authorize; handlers never build one from facts they gathered.
type Resource struct {
	EnterpriseID int64 // the enterprise the record belongs to
	SpecialistID int64 // the user id of the specialist who looks after it
	// UnitIDs are the units that hold the record: the unit an appeal is
	// dispatched to, a task's responsible units, a policy's issuing and
	// redeeming units. Their staff act on it.
	UnitIDs []int64
	// ParentUnitIDs are the units above UnitIDs in the organisation tree:
	// their staff read what their units hold (a district government sees
	// its streets' records) but do not act on it. UnitTree fills both.
	ParentUnitIDs []int64
	// Filer is the client that filed the record (Actor.ClientKey): an API
	// token of the 12345 hotline follows and evaluates the appeals it
	// filed.
	Filer string
}

// EnterpriseOwners gives the ownership of an enterprise's records: the
// enterprise and the specialist assigned to it. The service network
// (network.Service) implements it; internal/app hands it to the domains
// that need it.
type EnterpriseOwners interface {
	EnterpriseResource(ctx context.Context, enterpriseID int64) (Resource, error)
}

// UnitTree gives the unit part of a Resource: the holding units and every
// unit above them. The organisation (org.Service) implements it;
// internal/app hands it to the domains that need it.
type UnitTree interface {
	Holders(ctx context.Context, unitIDs ...int64) (Resource, error)
}

// grant lets some roles perform an action: on every resource when owns is
// nil, else on the resources one of owns accepts.
type grant struct {
	roles []Role
	owns  []func(a *Actor, res Resource) bool
}

// rule is the grants of one action.
type rule []grant

// every grants roles the action on every resource.
func every(rs ...Role) grant { return grant{roles: rs} }

// when grants role the action on the resources one of owns accepts.
func when(r Role, owns ...func(a *Actor, res Resource) bool) grant {
	return grant{roles: []Role{r}, owns: owns}
}

func (g grant) has(r Role) bool { return slices.Contains(g.roles, r) }

// enterpriseOf: the actor is an account of the record's enterprise.
func enterpriseOf(a *Actor, res Resource) bool {
	return a.EnterpriseID != nil && res.EnterpriseID != 0 && *a.EnterpriseID == res.EnterpriseID
}

// specialistOf: the actor is the specialist who looks after the record's
// enterprise.
func specialistOf(a *Actor, res Resource) bool {
	return a.UserID != 0 && res.SpecialistID == a.UserID
}

// unitHolds: the actor's unit holds the record.
func unitHolds(a *Actor, res Resource) bool {
	return a.UnitID != nil && slices.Contains(res.UnitIDs, *a.UnitID)
}

// filedBy: the actor (an account or an API token) filed the record.
func filedBy(a *Actor, res Resource) bool {
	return res.Filer != "" && res.Filer == a.ClientKey()
}

// unitAbove: the actor's unit is above a unit that holds the record.
func unitAbove(a *Actor, res Resource) bool {
	return a.UnitID != nil && slices.Contains(res.ParentUnitIDs, *a.UnitID)
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
	{ViewPlans, "查看督查督办"},
	{ManagePlans, "管理工作方案"},
	{ReportPlans, "签收任务与报送进展"},
	{SupervisePlans, "督办与销号"},
	{RedeemPolicies, "政策兑现与兑付"},
	{CountersignGrants, "会签兑现名单"},
	{ClaimBenefits, "申请兑现、确认与提出异议"},
	{ViewRedemption, "查看兑现、兑付与政策绩效"},
	{CorrectEnterprise, "依异议更正企业数据"},
	{FileAppeal, "提交诉求"},
	{ViewAppeal, "查看诉求"},
	{ManageAppeals, "派单、审批延期、销号与派单目录"},
	{HandleAppeal, "签收、退回与答复诉求"},
	{SupplyAppeal, "为诉求补充材料"},
	{EvaluateAppeal, "评价诉求答复"},
	{AnalyseAppeals, "诉求热点与聚类分析"},
	{ManageProblems, "管理问题清单与热词词典"},
	{ViewProblem, "查看问题清单"},
	{ReportProblem, "报送问题整改进展"},
	{ViewAppealStats, "查看诉求办理指标与排名"},
	{ManageAppealStats, "管理诉求指标口径与月度简报"},
	{ViewAppealReports, "查看已发布的月度简报"},
	{ViewAppealReportDrafts, "查看月度简报草稿"},
}

// Actions lists every action with its Chinese label, in display order.
func Actions() []ActionInfo { return append([]ActionInfo(nil), actionLabels...) }

// permissions is the one table that says who may do what. A module adds
// its actions here, with their labels above, and its rows to the matrix
// test (permission_test.go).
var permissions = map[Action]rule{
	ManageUnits:      {every(RoleAdmin)},
	ManageUsers:      {every(RoleAdmin)},
	ManageTokens:     {every(RoleAdmin)},
	ViewAudit:        {every(RoleAdmin)},
	ManageCalendar:   {every(RoleAdmin)},
	ViewJobs:         {every(RoleAdmin)},
	ManageWebhooks:   {every(RoleAdmin)},
	ViewDashboard:    {every(RoleAdmin, RoleLeader)},
	ViewEnterprises:  {every(RoleAdmin, RoleLeader, RoleUnitStaff, RoleSpecialist)},
	ViewEnterprise:   {every(RoleAdmin, RoleLeader, RoleUnitStaff), when(RoleSpecialist, specialistOf), when(RoleEnterprise, enterpriseOf)},
	EditEnterprise:   {every(RoleAdmin), when(RoleSpecialist, specialistOf), when(RoleEnterprise, enterpriseOf)},
	ImportEnterprise: {every(RoleAdmin)},
	ManageNetwork:    {every(RoleAdmin)},
	RecordVisit:      {every(RoleAdmin), when(RoleSpecialist, specialistOf)},
	ManagePolicies:   {every(RoleAdmin), when(RoleUnitStaff, unitHolds)},
	ReviewPolicies:   {every(RoleAdmin)},
	ViewPolicyStats:  {every(RoleAdmin, RoleLeader), when(RoleUnitStaff, unitHolds, unitAbove)},
	ViewPlans:        {every(RoleAdmin, RoleLeader), when(RoleUnitStaff, unitHolds, unitAbove)},
	ManagePlans:      {every(RoleAdmin)},
	ReportPlans:      {every(RoleAdmin), when(RoleUnitStaff, unitHolds)},
	SupervisePlans:   {every(RoleAdmin)},
	RedeemPolicies:   {every(RoleAdmin), when(RoleUnitStaff, unitHolds)},
	// The office countersigns; the four-eyes rule keeps the approver of a
	// list from countersigning it (redeem.Service.Countersign).
	CountersignGrants: {every(RoleAdmin)},
	ClaimBenefits:     {when(RoleEnterprise, enterpriseOf)},
	ViewRedemption: {every(RoleAdmin, RoleLeader), when(RoleUnitStaff, unitHolds, unitAbove),
		when(RoleSpecialist, specialistOf), when(RoleEnterprise, enterpriseOf)},
	CorrectEnterprise: {every(RoleAdmin), when(RoleUnitStaff, unitHolds)},
	// Appeals: the office files roundtable and visit items, a unit (or
	// the 12345 hotline's token) what it received first (首接), a
	// specialist for their enterprises (代提), an enterprise its own.
	FileAppeal: {every(RoleAdmin, RoleUnitStaff), when(RoleSpecialist, specialistOf), when(RoleEnterprise, enterpriseOf)},
	ViewAppeal: {every(RoleAdmin, RoleLeader), when(RoleUnitStaff, unitHolds, unitAbove, filedBy),
		when(RoleSpecialist, specialistOf, filedBy), when(RoleEnterprise, enterpriseOf)},
	ManageAppeals: {every(RoleAdmin)},
	// The office handles what its own unit holds, like any unit.
	HandleAppeal:   {when(RoleUnitStaff, unitHolds), when(RoleAdmin, unitHolds)},
	SupplyAppeal:   {every(RoleAdmin), when(RoleUnitStaff, filedBy), when(RoleSpecialist, specialistOf, filedBy), when(RoleEnterprise, enterpriseOf)},
	EvaluateAppeal: {every(RoleAdmin), when(RoleUnitStaff, filedBy), when(RoleEnterprise, enterpriseOf)},
	AnalyseAppeals: {every(RoleAdmin, RoleLeader)},
	ManageProblems: {every(RoleAdmin)},
	ViewProblem:    {every(RoleAdmin, RoleLeader), when(RoleUnitStaff, unitHolds, unitAbove)},
	ReportProblem:  {every(RoleAdmin), when(RoleUnitStaff, unitHolds)},
	// Rates: the office and leaders read every unit's, a unit its own and
	// those of the units below it.
	ViewAppealStats:        {every(RoleAdmin, RoleLeader), when(RoleUnitStaff, unitHolds, unitAbove)},
	ManageAppealStats:      {every(RoleAdmin)},
	ViewAppealReports:      {every(RoleAdmin, RoleLeader, RoleUnitStaff)},
	ViewAppealReportDrafts: {every(RoleAdmin, RoleLeader)},
}

// scoped reports whether a token's scopes (none: all its role allows)
// include act.
func (a *Actor) scoped(act Action) bool {
	return len(a.Scopes) == 0 || slices.Contains(a.Scopes, act)
}

// ClientKey names the client an actor acts as, for what it filed and for
// idempotent intake: "token:ID" for an API token, "user:ID" for an
// account, "" for an operator of the platform itself.
func (a *Actor) ClientKey() string {
	switch {
	case a == nil:
		return ""
	case a.TokenID != 0:
		return "token:" + strconv.FormatInt(a.TokenID, 10)
	case a.UserID != 0:
		return "user:" + strconv.FormatInt(a.UserID, 10)
	}
	return ""
}

// Can reports whether a may perform act on res. A nil actor may do nothing;
// a token may do only what both its role and its scopes allow.
func (a *Actor) Can(act Action, res Resource) bool {
	if a == nil || !a.scoped(act) {
		return false
	}
	for _, g := range permissions[act] {
		if !g.has(a.Role) {
			continue
		}
		if g.owns == nil {
			return true
		}
		for _, owns := range g.owns {
			if owns(a, res) {
				return true
			}
		}
	}
	return false
}

// CanSome reports whether a may perform act on some resource: whether its
// role is granted act at all, whatever the ownership. Routes, menus and
// actions that create a record or touch none (a simulation) ask it; an
// action on an existing record asks Can with the record's Resource.
func (a *Actor) CanSome(act Action) bool {
	if a == nil || !a.scoped(act) {
		return false
	}
	for _, g := range permissions[act] {
		if g.has(a.Role) {
			return true
		}
	}
	return false
}

// Authenticated returns Unauthenticated when there is no actor: the first
// check of a method open to everyone signed in (and of one that must look
// up a record before it can decide).
func Authenticated(a *Actor) error {
	if a == nil {
		return errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	return nil
}

// AuthorizeSome is Authorize for CanSome. Errors: Unauthenticated,
// Forbidden.
func AuthorizeSome(a *Actor, act Action) error {
	if a == nil {
		return errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	if !a.CanSome(act) {
		return errs.Errorf(errs.Forbidden, "无权执行此操作")
	}
	return nil
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

// Operator returns the actor of whoever runs the platform itself — the
// command line (qinqing import, seed …) and the demo loader — with the
// office's rights; name is what the audit log records ("cli", "demo").
func Operator(name string) *Actor {
	return &Actor{Name: name, DisplayName: name, Role: RoleAdmin}
}
