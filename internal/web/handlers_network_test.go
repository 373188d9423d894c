package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/network"
	"github.com/qinqing/qinqing/internal/store"
)

// networkFixture is a test server with a service station, the specialist
// account in the network with one enterprise assigned, a second specialist
// with another, and an enterprise account bound to the first enterprise.
type networkFixture struct {
	*testServer
	Station      *network.Station
	Mine, Theirs int64 // enterprises of "specialist" and "specialist2"
	Specialist   *auth.User
	Specialist2  *auth.User
	Owner        *auth.User // enterprise account of Mine
}

func newNetworkFixture(t *testing.T, configure ...func(*config.Config)) *networkFixture {
	t.Helper()
	ts := newTestServer(t, configure...)
	ctx := context.Background()
	f := &networkFixture{testServer: ts}
	admin, err := ts.App.Auth.FindUserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if f.Specialist, err = ts.App.Auth.FindUserByUsername(ctx, "specialist"); err != nil {
		t.Fatal(err)
	}
	if f.Specialist2, err = ts.App.Auth.CreateUser(ctx, auth.Operator("test"), auth.UserInput{Username: "specialist2", DisplayName: "另一专员", Role: auth.RoleSpecialist, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	seq := 0
	insert := func(name, district string) int64 {
		seq++
		var id int64
		err := ts.App.DB.InTx(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, `INSERT INTO enterprises (uscc, name, district, street, revenue, status, created_at, updated_at)
				VALUES (?, ?, ?, '关山街道', 10000000, '存续', 0, 0) RETURNING id`, fmt.Sprintf("91420100WEB%07d", seq), name, district).Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	f.Mine = insert("武汉光谷测试科技有限公司", "420111")
	f.Theirs = insert("武汉江汉测试贸易有限公司", "420103")
	a := admin.Actor()
	if f.Station, err = ts.App.Network.CreateStation(ctx, a, network.StationInput{Name: "关山街中小企业服务站", District: "洪山区"}); err != nil {
		t.Fatal(err)
	}
	for _, sp := range []struct {
		id   int64
		grid string
	}{{f.Specialist.ID, "洪山区"}, {f.Specialist2.ID, "江汉区"}} {
		grid, err := network.ParseGrid(nil, sp.grid)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ts.App.Network.SaveSpecialist(ctx, a, sp.id, network.SpecialistInput{StationID: f.Station.ID, Grid: grid}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ts.App.Network.Assign(ctx, a, network.AssignOptions{}); err != nil {
		t.Fatal(err)
	}
	if f.Owner, err = ts.App.Auth.CreateUser(ctx, auth.Operator("test"), auth.UserInput{Username: "qiye", DisplayName: "光谷测试", Role: auth.RoleEnterprise, EnterpriseID: &f.Mine, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestNetworkPagePermissions(t *testing.T) {
	f := newNetworkFixture(t)
	clients := map[string]*http.Client{"": f.Client(t)}
	for _, u := range []string{"admin", "leader", "staff", "specialist", "specialist2", "enterprise", "qiye"} {
		clients[u] = f.LoginAs(t, u)
	}
	mine, theirs := fmt.Sprint(f.Mine), fmt.Sprint(f.Theirs)
	for _, tc := range []struct {
		path string
		want map[string]int // user → status; users not listed get 403
	}{
		{"/network", map[string]int{"admin": 200, "": 303}},
		{"/network/specialists", map[string]int{"admin": 200, "": 303}},
		{"/network/coverage", map[string]int{"admin": 200, "": 303}},
		{"/network/stations/" + fmt.Sprint(f.Station.ID), map[string]int{"admin": 200, "": 303}},
		{"/network/specialists/" + fmt.Sprint(f.Specialist.ID), map[string]int{"admin": 200, "": 303}},
		{"/workbench", map[string]int{"specialist": 200, "specialist2": 200, "": 303}},
		// A specialist always sees their own list, whatever the parameter.
		{"/workbench?specialist=" + fmt.Sprint(f.Specialist.ID), map[string]int{"admin": 200, "leader": 200, "specialist": 200, "specialist2": 200, "": 303}},
		{"/workbench/" + mine, map[string]int{"admin": 200, "leader": 200, "specialist": 200, "": 303}},
		{"/workbench/" + theirs, map[string]int{"admin": 200, "leader": 200, "specialist2": 200, "": 303}},
		{"/profile", map[string]int{"qiye": 200, "": 303}},
		{"/reviews", map[string]int{"admin": 200, "leader": 200, "specialist": 200, "specialist2": 200, "": 303}},
		{"/join", map[string]int{"": 200, "admin": 200, "leader": 200, "staff": 200, "specialist": 200, "specialist2": 200, "enterprise": 200, "qiye": 200}},
	} {
		for user, c := range clients {
			want, ok := tc.want[user]
			if !ok {
				want = http.StatusForbidden
			}
			if res := f.Get(t, c, tc.path); res.Status != want {
				t.Errorf("GET %s as %q: status %d, want %d", tc.path, user, res.Status, want)
			}
		}
	}
	// Navigation: each role sees its own entries.
	for user, want := range map[string][]string{
		"admin": {`data-nav="network"`, `data-nav="reviews"`}, "specialist": {`data-nav="workbench"`, `data-nav="reviews"`},
		"qiye": {`data-nav="profile"`},
	} {
		body := f.Get(t, clients[user], "/").Body
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("home of %s lacks %s", user, w)
			}
		}
		if user != "admin" && strings.Contains(body, `data-nav="network"`) {
			t.Errorf("home of %s shows the network entry", user)
		}
	}
}

func TestNetworkAdminFlow(t *testing.T) {
	f := newNetworkFixture(t)
	admin := f.LoginAs(t, "admin")
	// Create a station; a duplicate name is shown again on the form.
	res := f.PostForm(t, admin, "/network/stations", url.Values{"name": {"江汉服务站"}, "district": {"江汉区"}, "coverage": {"民族街道、汉兴街道"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("create station: %d %s", res.Status, res.Body)
	}
	res = f.PostForm(t, admin, "/network/stations", url.Values{"name": {"江汉服务站"}})
	if res.Status != http.StatusConflict || !strings.Contains(res.Body, "已存在") {
		t.Fatalf("duplicate station: %d", res.Status)
	}
	// Grid typed by people.
	res = f.PostForm(t, admin, "/network/specialists", url.Values{"username": {"specialist2"}, "station_id": {fmt.Sprint(f.Station.ID)},
		"grid": {"江汉区\n洪山区/关山街道"}, "target_load": {"800"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("save specialist: %d %s", res.Status, res.Body)
	}
	page := f.Get(t, admin, "/network/specialists/"+fmt.Sprint(f.Specialist2.ID))
	if !strings.Contains(page.Body, "洪山区关山街道") || !strings.Contains(page.Body, "目标 800 家") {
		t.Fatalf("specialist page:\n%s", page.Body)
	}
	res = f.PostForm(t, admin, "/network/specialists", url.Values{"username": {"leader"}, "station_id": {fmt.Sprint(f.Station.ID)}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "只有服务专员角色") {
		t.Fatalf("non-specialist: %d", res.Status)
	}
	// Manual reassignment by 统一社会信用代码 is audited.
	e, err := f.App.Enterprises.FindEnterpriseByID(context.Background(), auth.Operator("test"), f.Mine)
	if err != nil {
		t.Fatal(err)
	}
	res = f.PostForm(t, admin, "/network/reassign", url.Values{"enterprise": {e.USCC}, "specialist": {"specialist2"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("reassign: %d %s", res.Status, res.Body)
	}
	audit := f.Get(t, admin, "/api/v1/audit?entity=enterprise_assignment")
	if audit.Status != 200 || !strings.Contains(audit.Body, `"reassign"`) {
		t.Fatalf("audit: %d %s", audit.Status, audit.Body)
	}
	// Run the assignment as a job; the page goes to the job.
	res = f.PostForm(t, admin, "/network/assign", url.Values{"target_load": {"100"}})
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/jobs/") {
		t.Fatalf("assign: %d %v", res.Status, res.Header)
	}
	if ran, err := f.App.Jobs.RunOnce(context.Background()); !ran || err != nil {
		t.Fatalf("run job: %v %v", ran, err)
	}
	cov := f.Get(t, admin, "/network/coverage")
	if !strings.Contains(cov.Body, "没有服务专员") {
		t.Fatalf("coverage page:\n%s", cov.Body)
	}
}

func TestNetworkAPI(t *testing.T) {
	f := newNetworkFixture(t)
	admin, sp, sp2 := f.LoginAs(t, "admin"), f.LoginAs(t, "specialist"), f.LoginAs(t, "specialist2")
	for _, tc := range []struct {
		name   string
		c      *http.Client
		method string
		path   string
		body   any
		want   int
	}{
		{"stations as admin", admin, "GET", "/api/v1/network/stations", nil, 200},
		{"stations as specialist", sp, "GET", "/api/v1/network/stations", nil, 403},
		{"create station", admin, "POST", "/api/v1/network/stations", map[string]any{"name": "新站", "district": "420103"}, 201},
		{"create station as specialist", sp, "POST", "/api/v1/network/stations", map[string]any{"name": "专员站"}, 403},
		{"specialists", admin, "GET", "/api/v1/network/specialists?over_target=false", nil, 200},
		{"own enterprises", sp, "GET", fmt.Sprintf("/api/v1/network/specialists/%d/enterprises?overdue=false", f.Specialist.ID), nil, 200},
		{"another's enterprises", sp2, "GET", fmt.Sprintf("/api/v1/network/specialists/%d/enterprises", f.Specialist.ID), nil, 403},
		{"coverage", admin, "GET", "/api/v1/network/coverage", nil, 200},
		{"coverage as specialist", sp, "GET", "/api/v1/network/coverage", nil, 403},
		{"assign", admin, "POST", "/api/v1/network/assign", map[string]any{"target_load": 10}, 202},
		{"assign without body", admin, "POST", "/api/v1/network/assign", nil, 202},
		{"assignment", sp, "GET", fmt.Sprintf("/api/v1/network/assignments/%d", f.Mine), nil, 200},
		{"another's assignment", sp2, "GET", fmt.Sprintf("/api/v1/network/assignments/%d", f.Mine), nil, 403},
		{"record visit", sp, "POST", "/api/v1/visits", map[string]any{"enterprise_id": f.Mine, "form": "电话", "content": "电话回访"}, 201},
		{"record visit for another's enterprise", sp2, "POST", "/api/v1/visits", map[string]any{"enterprise_id": f.Mine, "form": "电话", "content": "电话回访"}, 403},
		{"record visit in the future", sp, "POST", "/api/v1/visits", map[string]any{"enterprise_id": f.Mine, "date": "2099-01-01", "form": "电话", "content": "x"}, 422},
		{"visits of own enterprise", sp, "GET", fmt.Sprintf("/api/v1/visits?enterprise_id=%d", f.Mine), nil, 200},
		{"visits of another's enterprise", sp2, "GET", fmt.Sprintf("/api/v1/visits?enterprise_id=%d", f.Mine), nil, 403},
		{"reassign", admin, "PUT", fmt.Sprintf("/api/v1/network/assignments/%d", f.Mine), map[string]any{"specialist_user_id": f.Specialist2.ID}, 200},
		{"reassign as specialist", sp, "PUT", fmt.Sprintf("/api/v1/network/assignments/%d", f.Mine), map[string]any{"specialist_user_id": f.Specialist.ID}, 403},
		{"now the visit is the other's", sp, "POST", "/api/v1/visits", map[string]any{"enterprise_id": f.Mine, "form": "电话", "content": "电话回访"}, 403},
		{"invitation by the new specialist", sp2, "POST", "/api/v1/invitations", map[string]any{"enterprise_id": f.Mine}, 201},
		{"invitation by the old specialist", sp, "POST", "/api/v1/invitations", map[string]any{"enterprise_id": f.Mine}, 403},
		{"redeem a wrong code", f.Client(t), "POST", "/api/v1/invitations/redeem", map[string]any{"code": "AAAA-BBBB-CCCC", "username": "someone", "password": "pass-12345"}, 422},
	} {
		res := f.SendJSON(t, tc.c, tc.method, tc.path, "", tc.body)
		if res.Status != tc.want {
			t.Errorf("%s: %s %s: status %d, want %d\n%s", tc.name, tc.method, tc.path, res.Status, tc.want, res.Body)
		}
		if res.Status >= 400 && !strings.Contains(res.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s: error as %s", tc.name, res.Header.Get("Content-Type"))
		}
	}
}

var codePattern = regexp.MustCompile(`[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}`)

func TestInvitationAndSelfReportFlow(t *testing.T) {
	f := newNetworkFixture(t)
	sp := f.LoginAs(t, "specialist")
	// The specialist records a visit and creates an invitation on the
	// enterprise's page; the code is shown once.
	res := f.PostForm(t, sp, fmt.Sprintf("/workbench/%d/visits", f.Mine), url.Values{"date": {"2026-03-01"}, "form": {"上门"}, "content": {"了解扩产计划"}, "problems": {"用地指标紧张"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("record visit: %d %s", res.Status, res.Body)
	}
	res = f.PostForm(t, f.LoginAs(t, "specialist2"), fmt.Sprintf("/workbench/%d/visits", f.Mine), url.Values{"form": {"上门"}, "content": {"越权"}})
	if res.Status != http.StatusForbidden {
		t.Fatalf("visit by another specialist: %d", res.Status)
	}
	res = f.PostForm(t, sp, fmt.Sprintf("/workbench/%d/invitations", f.Mine), nil)
	code := codePattern.FindString(res.Body)
	if res.Status != http.StatusOK || code == "" || !strings.Contains(res.Body, "用地指标紧张") {
		t.Fatalf("invitation page: %d code %q", res.Status, code)
	}
	// The card gives the join page's full address, and a link with the code.
	joinURL := f.HTTP.URL + "/join?code=" + code
	wantContains(t, res.Body, "打开 <strong class=\"break\">"+f.HTTP.URL+"/join</strong>", `href="`+joinURL+`"`)
	wantContains(t, f.Get(t, f.Client(t), strings.TrimPrefix(joinURL, f.HTTP.URL)).Body, `value="`+code+`"`)
	// Anonymous sign-up with the code logs in and lands on 我的档案.
	anon := f.Client(t)
	form := url.Values{"code": {strings.ToLower(code)}, "username": {"guanggu"}, "password": {"guanggu-123"}, "again": {"guanggu-123"}}
	res = f.PostForm(t, anon, "/join", form)
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/profile") {
		t.Fatalf("join: %d %s", res.Status, res.Body)
	}
	page := f.Get(t, anon, "/profile")
	if page.Status != 200 || !strings.Contains(page.Body, "武汉光谷测试科技有限公司") || !strings.Contains(page.Body, "1000.00万元") {
		t.Fatalf("profile: %d\n%s", page.Status, page.Body)
	}
	// The code works once.
	form.Set("username", "guanggu2")
	res = f.PostForm(t, f.Client(t), "/join", form)
	if res.Status != http.StatusConflict || !strings.Contains(res.Body, "已被使用") {
		t.Fatalf("second join: %d", res.Status)
	}
	// The enterprise updates its profile: revenue in 万元 waits, the street applies.
	res = f.PostForm(t, anon, "/profile", url.Values{"revenue": {"1200.5"}, "street": {"珞南街道"}, "employees": {""}, "tags": {""}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("submit profile: %d %s", res.Status, res.Body)
	}
	page = f.Get(t, anon, res.Header.Get("Location"))
	if !strings.Contains(page.Body, "待审核：1200.50万元") || !strings.Contains(page.Body, "1 项关键信息已提交") {
		t.Fatalf("profile after submitting:\n%s", page.Body)
	}
	res = f.PostForm(t, anon, "/profile", url.Values{"revenue": {"很多"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "以万元为单位") {
		t.Fatalf("bad revenue: %d", res.Status)
	}
	// The specialist's queue has it; the other specialist's does not.
	queue := f.Get(t, sp, "/reviews")
	m := regexp.MustCompile(`/reviews/(\d+)/accept`).FindStringSubmatch(queue.Body)
	if m == nil {
		t.Fatalf("queue:\n%s", queue.Body)
	}
	if other := f.Get(t, f.LoginAs(t, "specialist2"), "/reviews"); strings.Contains(other.Body, "/reviews/"+m[1]+"/accept") {
		t.Fatal("another specialist sees the report")
	}
	if res := f.PostForm(t, anon, "/reviews/"+m[1]+"/accept", nil); res.Status != http.StatusForbidden {
		t.Fatalf("accept by the enterprise: %d", res.Status)
	}
	if res := f.PostForm(t, sp, "/reviews/"+m[1]+"/reject", url.Values{"note": {""}}); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("reject without a note: %d", res.Status)
	}
	if res := f.PostForm(t, sp, "/reviews/"+m[1]+"/accept", url.Values{"note": {"核对无误"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d %s", res.Status, res.Body)
	}
	e, err := f.App.Enterprises.FindEnterpriseByID(context.Background(), auth.Operator("test"), f.Mine)
	if err != nil || *e.Revenue != 12_005_000 || *e.Street != "珞南街道" {
		t.Fatalf("enterprise %+v %v", e, err)
	}
	src, err := f.App.Enterprises.FindEnterpriseSources(context.Background(), auth.Operator("test"), f.Mine)
	if err != nil || src["revenue"].Source != enterprise.SourceSelf || src["street"].Source != enterprise.SourceSelf {
		t.Fatalf("sources %+v %v", src, err)
	}
	// API: the enterprise lists its reports; another enterprise cannot.
	res = f.SendJSON(t, anon, "GET", "/api/v1/self-reports", "", nil)
	if res.Status != 200 || !strings.Contains(res.Body, `"已采纳"`) {
		t.Fatalf("self-reports: %d %s", res.Status, res.Body)
	}
	res = f.SendJSON(t, f.LoginAs(t, "qiye"), "POST", "/api/v1/self-reports", "", map[string]any{"enterprise_id": f.Theirs, "fields": map[string]string{"street": "民族街道"}})
	if res.Status != http.StatusForbidden {
		t.Fatalf("report for another enterprise: %d", res.Status)
	}
	res = f.SendJSON(t, f.LoginAs(t, "qiye"), "POST", "/api/v1/self-reports", "", map[string]any{"fields": map[string]string{"employees": "80"}})
	if res.Status != http.StatusCreated || !strings.Contains(res.Body, `"pending":[{`) {
		t.Fatalf("report via API: %d %s", res.Status, res.Body)
	}
}

// TestJoinAddress checks that the login page links the join page and that a
// new invitation names the configured public address in full.
func TestJoinAddress(t *testing.T) {
	f := newNetworkFixture(t, func(c *config.Config) { c.PublicURL = "https://qinqing.example.gov.cn/" })
	login := f.Get(t, f.Client(t), "/login")
	wantStatus(t, login, http.StatusOK)
	wantContains(t, login.Body, `<a href="/join">有邀请码？凭邀请码开通企业账号</a>`)
	sp := f.LoginAs(t, "specialist")
	res := f.PostForm(t, sp, fmt.Sprintf("/workbench/%d/invitations", f.Mine), nil)
	code := codePattern.FindString(res.Body)
	wantContains(t, res.Body, "https://qinqing.example.gov.cn/join</strong>", `href="https://qinqing.example.gov.cn/join?code=`+code+`"`)
	api := f.SendJSON(t, sp, "POST", "/api/v1/invitations", "", map[string]any{"enterprise_id": f.Mine})
	wantStatus(t, api, http.StatusCreated)
	var created struct {
		Code    string `json:"code"`
		JoinURL string `json:"join_url"`
	}
	api.JSON(t, &created)
	if created.JoinURL != "https://qinqing.example.gov.cn/join?code="+created.Code {
		t.Fatalf("join_url %q for code %q", created.JoinURL, created.Code)
	}
}
