package web

import (
	"bytes"
	"fmt"
	"github.com/qinqing/qinqing/internal/money"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/plan"
	"github.com/qinqing/qinqing/internal/workday"
)

// pages holds one template set per page: the shared layout and partials
// plus that page's own blocks.
type pages struct {
	byName map[string]*template.Template
	base   *template.Template
}

var funcs = template.FuncMap{
	"date": func(v any) string {
		switch d := v.(type) {
		case workday.Date:
			return d.Chinese()
		case *workday.Date:
			if d == nil {
				return "未知"
			}
			return d.Chinese()
		case time.Time:
			return workday.DateOf(d).Chinese()
		case *time.Time:
			if d == nil {
				return ""
			}
			return workday.DateOf(*d).Chinese()
		}
		return fmt.Sprint(v)
	},
	"datetime": func(v any) string {
		var t time.Time
		switch x := v.(type) {
		case time.Time:
			t = x
		case *time.Time:
			if x == nil {
				return ""
			}
			t = *x
		default:
			return fmt.Sprint(v)
		}
		return t.In(workday.Shanghai).Format("2006年1月2日 15:04")
	},
	// wan formats yuan as 万元 with two decimals; nil is 未知, never zero.
	"wan": func(v any) string {
		switch x := v.(type) {
		case int64:
			return money.FormatWan(x)
		case *int64:
			if x == nil {
				return "未知"
			}
			return money.FormatWan(*x)
		}
		return fmt.Sprint(v)
	},
	"roleLabel": func(r auth.Role) string { return r.Label() },
	// fieldLabel names an enterprise's stored field in Chinese.
	"fieldLabel": enterprise.FieldLabel,
	// known tells a known empty tag set from an unknown one (nil).
	"known": func(tags []string) bool { return tags != nil },
	"add":   func(a, b int) int { return a + b },
	// dict builds a map from key, value pairs, to pass several values to
	// a partial template.
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
	// deref reads an optional id (nil: 0).
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
	// taskCards bundles the tasks of a plan page for the plan_task_cards
	// partial; link is the page's plan (its tasks need not name it).
	"taskCards": func(tasks []taskRow, link int64) any {
		return struct {
			Tasks []taskRow
			Link  int64
		}{tasks, link}
	},
	// pct writes a share as a percentage with one decimal.
	"pct": percentText,
	// qty writes a quantity with its unit of measure (10万家).
	"qty": plan.FormatQuantity,
	// derefF reads an optional number (nil: 0).
	"derefF": func(p *float64) float64 {
		if p == nil {
			return 0
		}
		return *p
	},
	// isTrue reads an optional yes/no (nil: no).
	"isTrue": func(b *bool) bool { return b != nil && *b },
	// pathText writes a numeric path as 2.1.3.
	"pathText": func(p []int) string {
		s := make([]string, len(p))
		for i, n := range p {
			s[i] = strconv.Itoa(n)
		}
		return strings.Join(s, ".")
	},
	"query": func(base url.Values, kv ...any) string {
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Set(fmt.Sprint(kv[i]), fmt.Sprint(kv[i+1]))
		}
		return "?" + q.Encode()
	},
}

func loadPages() (*pages, error) {
	base, err := template.New("base").Funcs(funcs).ParseFS(assets, "templates/_*.html")
	if err != nil {
		return nil, errs.Wrap(err, "parse layout")
	}
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, errs.Wrap(err, "list templates")
	}
	p := &pages{byName: map[string]*template.Template{}, base: base}
	for _, f := range files {
		name := strings.TrimPrefix(f, "templates/")
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(assets, f)
		if err != nil {
			return nil, errs.Wrap(err, "parse "+name)
		}
		p.byName[name] = t
	}
	return p, nil
}

// navItem is one entry of the navigation bar.
type navItem struct {
	Key, Label, Href string
	Action           auth.Action // required action; "" for any logged-in actor
	Roles            []auth.Role // limited to these roles; nil for any
	Group            string      // entries of one group that an actor sees two or more of share one menu
}

// navEntry is what the bar shows: an entry, or a group's menu of entries.
type navEntry struct {
	navItem
	Items []navItem // a group's entries; nil for a single entry
}

// Holds reports whether the group's menu holds the entry key.
func (e navEntry) Holds(key string) bool {
	for _, it := range e.Items {
		if it.Key == key {
			return true
		}
	}
	return false
}

// navigation lists the menu in order; each actor sees what it may open.
var navigation = []navItem{
	{Key: "home", Label: "工作台", Href: "/"},
	{Key: "enterprises", Label: "企业库", Href: "/enterprises", Action: auth.ViewEnterprises},
	{Key: "import", Label: "企业导入", Href: "/admin/import", Action: auth.ImportEnterprise, Group: "系统管理"},
	{Key: "units", Label: "组织单位", Href: "/admin/units", Action: auth.ManageUnits, Group: "系统管理"},
	{Key: "users", Label: "用户", Href: "/admin/users", Action: auth.ManageUsers, Group: "系统管理"},
	{Key: "tokens", Label: "API令牌", Href: "/admin/tokens", Action: auth.ManageTokens, Group: "系统管理"},
	{Key: "audit", Label: "审计日志", Href: "/admin/audit", Action: auth.ViewAudit, Group: "系统管理"},
	{Key: "calendar", Label: "工作日历", Href: "/admin/calendar", Action: auth.ManageCalendar, Group: "系统管理"},
	{Key: "jobs", Label: "后台任务", Href: "/admin/jobs", Action: auth.ViewJobs, Group: "系统管理"},
	{Key: "network", Label: "服务网络", Href: "/network", Action: auth.ManageNetwork},
	{Key: "workbench", Label: "我的企业", Href: "/workbench", Roles: []auth.Role{auth.RoleSpecialist}},
	{Key: "profile", Label: "我的档案", Href: "/profile", Roles: []auth.Role{auth.RoleEnterprise}},
	{Key: "reviews", Label: "待审核", Href: "/reviews", Roles: []auth.Role{auth.RoleAdmin, auth.RoleSpecialist}},
	{Key: "policies", Label: "政策超市", Href: "/policies", Group: "政策"},
	{Key: "policy-manage", Label: "政策管理", Href: "/policies/manage", Action: auth.ManagePolicies, Group: "政策"},
	{Key: "checkup", Label: "政策体检", Href: "/checkup", Roles: []auth.Role{auth.RoleEnterprise}},
	{Key: "benefits", Label: "我的兑现", Href: "/benefits", Roles: []auth.Role{auth.RoleEnterprise}},
	{Key: "redeem", Label: "政策兑现", Href: "/redeem", Roles: []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleUnitStaff}, Group: "政策"},
	{Key: "payments", Label: "兑付", Href: "/payments", Action: auth.RedeemPolicies, Group: "政策"},
	{Key: "plans", Label: "工作方案", Href: "/plans", Action: auth.ViewPlans, Roles: []auth.Role{auth.RoleAdmin, auth.RoleLeader}, Group: "督查督办"},
	{Key: "plan-workbench", Label: "督办任务", Href: "/plans/workbench", Roles: []auth.Role{auth.RoleUnitStaff}, Group: "督查督办"},
	{Key: "plan-ranking", Label: "比晾晒", Href: "/plans/ranking", Action: auth.ViewPlans, Group: "督查督办"},
	{Key: "appeals", Label: "诉求办理", Href: "/appeals", Roles: []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleSpecialist}, Group: "企业诉求"},
	{Key: "appeal-rates", Label: "诉求指标", Href: "/appeals/rates", Action: auth.ViewAppealStats, Group: "企业诉求"},
	{Key: "appeal-reports", Label: "月度简报", Href: "/appeal-reports", Action: auth.ViewAppealReports, Group: "企业诉求"},
	{Key: "problems", Label: "问题清单", Href: "/problems", Roles: []auth.Role{auth.RoleAdmin, auth.RoleLeader, auth.RoleUnitStaff}, Group: "企业诉求"},
	{Key: "appeal-workbench", Label: "诉求工作台", Href: "/appeals/workbench", Roles: []auth.Role{auth.RoleUnitStaff}, Group: "企业诉求"},
	{Key: "my-appeals", Label: "我的诉求", Href: "/appeals/mine", Roles: []auth.Role{auth.RoleEnterprise}},
	{Key: "inbox", Label: "消息", Href: "/inbox"},
	{Key: "me", Label: "个人中心", Href: "/me"},
}

// navFor returns the bar an actor sees: the entries it may open, in order,
// those of a group it sees two or more of in one menu.
func navFor(a *auth.Actor) []navEntry {
	var out []navEntry
	for _, it := range navItemsFor(a) {
		if n := len(out); it.Group != "" && n > 0 && out[n-1].Group == it.Group {
			if out[n-1].Items == nil {
				first := out[n-1].navItem
				out[n-1] = navEntry{navItem: navItem{Key: "group:" + it.Group, Label: it.Group, Group: it.Group}, Items: []navItem{first}}
			}
			out[n-1].Items = append(out[n-1].Items, it)
			continue
		}
		out = append(out, navEntry{navItem: it})
	}
	return out
}

// navItemsFor returns the entries an actor may open, in order.
func navItemsFor(a *auth.Actor) []navItem {
	if a == nil {
		return nil
	}
	var out []navItem
	for _, n := range navigation {
		if n.Action != "" && !a.CanSome(n.Action) {
			continue
		}
		if n.Roles != nil {
			ok := false
			for _, r := range n.Roles {
				ok = ok || r == a.Role
			}
			if !ok {
				continue
			}
		}
		out = append(out, n)
	}
	return out
}

// view is what every page template receives.
type view struct {
	Actor  *auth.Actor
	Nav    []navEntry
	Active string
	Unread int // unread messages; -1 when they could not be counted
	Flash  string
	Query  url.Values
	Path   string
	Data   any
}

// render writes the page called name with data inside the layout.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t, ok := s.pages.byName[name]
	if !ok {
		s.log.Error("unknown template", "name", name)
		http.Error(w, "系统内部错误", http.StatusInternalServerError)
		return
	}
	a := actorOf(r)
	v := view{Actor: a, Nav: navFor(a), Active: activeNav(r.URL.Path), Query: r.URL.Query(), Path: r.URL.Path,
		Flash: flashMessage(r.URL.Query().Get("ok")), Data: data}
	if a != nil && a.UserID != 0 {
		v.Unread = s.unreadCount(r)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("render", "template", name, "err", err)
		http.Error(w, "系统内部错误", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.Copy(w, &buf)
}

// renderFragment writes one named partial (for htmx swaps).
func (s *Server) renderFragment(w http.ResponseWriter, r *http.Request, name string, data any) {
	if err := s.pages.base.ExecuteTemplate(w, name, data); err != nil {
		s.log.Error("render fragment", "name", name, "err", err)
	}
}

func activeNav(path string) string {
	best := ""
	for _, n := range navigation {
		if n.Href == "/" && path == "/" {
			return n.Key
		}
		if n.Href != "/" && strings.HasPrefix(path, n.Href) && len(n.Href) > len(best) {
			best = n.Key
		}
	}
	return best
}

// flashMessages are the confirmations a redirect after a POST may show;
// they are keyed so that a link cannot make the page say arbitrary text.
var flashMessages = map[string]string{
	"saved":     "已保存",
	"created":   "已创建",
	"disabled":  "已停用",
	"enabled":   "已启用",
	"revoked":   "已吊销",
	"password":  "密码已修改",
	"read":      "已标记为已读",
	"deleted":   "已删除",
	"retried":   "已重新排队",
	"logged_in": "登录成功",
	// Redemption.
	"generating":    "已开始生成兑现名单，稍候刷新查看进度",
	"approved":      "名单已审核通过",
	"excluded":      "已排除所选企业",
	"countersigned": "会签已完成",
	"accepted":      "申请已受理",
	"decided":       "审核决定已作出",
	"returned":      "已退回企业补正",
	"withdrawn":     "申请已撤回",
	"resubmitted":   "已重新提交",
	"answered":      "异议已答复",
	"confirmed":     "已确认，兑现单位将按期拨付",
	"settled":       "清算已完成",
	"recovered":     "追回已登记",
	"repaid":        "已重新拨付，将进入下一个兑付批次",
	"applied":       "申请已提交",
	"objected":      "异议已提交，兑现单位将按期答复",
	"published":     "已发布，各责任单位已收到任务",
	"signed":        "已签收",
	"sent":          "已发出",
	"filed":         "已报送",
	"appeal_filed":  "诉求已提交，请留意签收和办理时限",
	"done":          "已办理",
}

func flashMessage(key string) string { return flashMessages[key] }
