package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/qinqing/qinqing/internal/enterprise/synth"
	"github.com/qinqing/qinqing/internal/policy/sqlpeer"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/policy/rule"
	"github.com/qinqing/qinqing/internal/workday"
)

// withCity imports n synthetic enterprises into the test server and loads
// the policy engine; it returns the enterprise ids in order.
func withCity(t *testing.T, ts *testServer, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	today := workday.Today(ts.Clock.Now)
	res, err := ts.App.Enterprises.ImportRecords(ctx, func(yield func(*enterprise.Enterprise) error) error {
		return synth.Generate(synth.Options{N: n, Seed: 42, Today: today}, yield)
	}, enterprise.ImportOptions{}, nil)
	if err != nil || res.Rejected > 0 {
		t.Fatalf("seed: %v %+v", err, res)
	}
	if _, err := ts.App.Policy.Start(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := ts.App.DB.QueryContext(ctx, `SELECT id FROM enterprises ORDER BY id`)
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

// enterpriseUser creates an account bound to enterprise id.
func enterpriseUser(t *testing.T, ts *testServer, name string, id int64) {
	t.Helper()
	if _, err := ts.App.Auth.CreateUser(context.Background(), auth.Operator("test"), auth.UserInput{Username: name, DisplayName: name,
		Role: auth.RoleEnterprise, EnterpriseID: &id, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
}

func TestPolicySimulateAPI(t *testing.T) {
	ts := newTestServer(t)
	withCity(t, ts, 3000)
	admin := ts.LoginAs(t, "admin")
	body := map[string]any{
		"rule": json.RawMessage(`{"all":[{"field":"district","op":"in","value":["420111","420106"]},
			{"field":"revenue","op":">=","value":1000000}]}`),
		"amount":   json.RawMessage(`{"rate": 0.1, "of": "revenue", "cap": 500000}`),
		"group_by": "district",
	}
	res := ts.SendJSON(t, admin, http.MethodPost, "/api/v1/policies/simulate", "", body)
	wantStatus(t, res, http.StatusOK)
	var got struct {
		Eligible, Unknown, NotEligible uint64
		Budget                         int64
		Groups                         []struct {
			Key      string
			Eligible uint64
			Budget   int64
		}
		TookMS *float64 `json:"took_ms"`
	}
	res.JSON(t, &got)
	var raw map[string]any
	res.JSON(t, &raw)
	for _, k := range []string{"eligible", "unknown", "not_eligible", "budget", "groups", "took_ms"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("answer lacks %q: %s", k, res.Body)
		}
	}
	r := rule.MustParse(string(body["rule"].(json.RawMessage)))
	amt := rule.Amount{Rate: 0.1, Of: "revenue", Cap: ptr64(500000)}
	want, err := sqlpeer.Simulate(context.Background(), ts.App.DB, r, &amt, "district", workday.Today(ts.Clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	if got.Eligible != want.Eligible || got.Unknown != want.Unknown || got.Budget != want.Budget || got.TookMS == nil || got.Eligible == 0 {
		t.Fatalf("simulation %+v, SQL says %d/%d budget %d", got, want.Eligible, want.Unknown, want.Budget)
	}
	if len(got.Groups) < 2 {
		t.Errorf("groups %+v, want both districts", got.Groups)
	}
	var sum uint64
	var budget int64
	for _, g := range got.Groups {
		sum += g.Eligible
		budget += g.Budget
	}
	if sum != got.Eligible || budget != got.Budget {
		t.Errorf("groups add up to %d / %d, want %d / %d", sum, budget, got.Eligible, got.Budget)
	}

	t.Run("expression", func(t *testing.T) {
		res := ts.SendJSON(t, admin, http.MethodPost, "/api/v1/policies/simulate", "", map[string]any{
			"expr": `district in ["420111", "420106"] && revenue >= 1000000`})
		wantStatus(t, res, http.StatusOK)
		var e struct{ Eligible uint64 }
		res.JSON(t, &e)
		if e.Eligible != got.Eligible {
			t.Errorf("expression gives %d, JSON %d", e.Eligible, got.Eligible)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		res := ts.SendJSON(t, admin, http.MethodPost, "/api/v1/policies/simulate", "", `{"rule": {"field": "employes", "op": "<=", "value": 3}}`)
		p := wantProblem(t, res, http.StatusUnprocessableEntity, "invalid", "rule")
		if !strings.Contains(p.Detail, "字段“employes”不存在") {
			t.Errorf("detail %q", p.Detail)
		}
		res = ts.SendJSON(t, admin, http.MethodPost, "/api/v1/policies/simulate", "", `{"rule": {"field": "revenue", "op": "known"}, "group_by": "revenue"}`)
		wantProblem(t, res, http.StatusUnprocessableEntity, "invalid", "group_by")
		res = ts.SendJSON(t, admin, http.MethodPost, "/api/v1/policies/simulate", "", `{"rule": {"field": "revenue", "op": "known"}, "amount": {"fixed": -1}}`)
		wantProblem(t, res, http.StatusUnprocessableEntity, "invalid", "amount")
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		res := ts.SendJSON(t, ts.LoginAs(t, "leader"), http.MethodPost, "/api/v1/policies/simulate", "", body)
		wantProblem(t, res, http.StatusForbidden, "forbidden", "")
		res = ts.SendJSON(t, ts.Client(t), http.MethodPost, "/api/v1/policies/simulate", "", body)
		wantProblem(t, res, http.StatusUnauthorized, "unauthenticated", "")
	})
	t.Run("parse rule", func(t *testing.T) {
		res := ts.SendJSON(t, admin, http.MethodPost, "/api/v1/policies/rules/parse", "", map[string]any{"expr": `"高新技术企业" in tags && revenue >= 20000000`})
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res.Body, `"has"`, `具有“高新技术企业”标签，且营业收入不低于2000万元`)
	})
}

func ptr64(v int64) *int64 { return &v }

var idInPath = regexp.MustCompile(`/policies/(\d+)`)

// TestPolicyPages walks a policy through the pages: a unit drafts it with a
// clause, the office publishes it, the enterprise finds it in the
// supermarket, gets the push and sees its 政策体检.
func TestPolicyPages(t *testing.T) {
	ts := newTestServer(t)
	ids := withCity(t, ts, 500)
	ctx := context.Background()
	me := ids[7]
	if _, err := ts.App.Enterprises.UpdateEnterprise(ctx, auth.Operator("test"), me, enterprise.Update{District: ptr("420111"), Tags: &[]string{"高新技术企业"},
		Revenue: ptr64(30000000), Source: enterprise.SourceSpecialist}); err != nil {
		t.Fatal(err)
	}
	enterpriseUser(t, ts, "ent", me)

	staff := ts.LoginAs(t, "staff")
	res := ts.Get(t, staff, "/policies/new")
	wantStatus(t, res, http.StatusOK)
	res = ts.PostForm(t, staff, "/policies", url.Values{"title": {""}, "category": {"资金扶持"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.Body, "政策名称不能为空")
	res = ts.PostForm(t, staff, "/policies", url.Values{"title": {"洪山区高新技术企业奖励"}, "doc_no": {"洪政规〔2026〕3号"}, "category": {"资金扶持"},
		"district": {"420111"}, "effective_to": {"2026-12-31"}})
	wantStatus(t, res, http.StatusSeeOther)
	m := idInPath.FindStringSubmatch(res.Header.Get("Location"))
	if m == nil {
		t.Fatalf("redirect %q", res.Header.Get("Location"))
	}
	pid := m[1]
	res = ts.Get(t, staff, "/policies/"+pid+"/clauses/new")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.Body, `data-rule-builder`, `hx-post="/policies/simulate"`, "营业收入")
	clause := url.Values{"title": {"高企奖励"}, "rule": {hongshan}, "benefit_kind": {"资金奖补"}, "amount": {`{"fixed": 200000}`},
		"mode": {"免申即享"}, "window_to": {"2026-06-30"}, "budget": {"100"}}
	bad := url.Values{}
	for k, v := range clause {
		bad[k] = v
	}
	bad.Set("rule", `{"field":"employes","op":"<=","value":3}`)
	res = ts.PostForm(t, staff, "/policies/"+pid+"/clauses", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.Body, "条款“高企奖励”：根条件：字段“employes”不存在", `aria-invalid="true"`)
	res = ts.PostForm(t, staff, "/policies/"+pid+"/clauses", clause)
	wantStatus(t, res, http.StatusSeeOther)

	// The live count of the editor.
	res = ts.PostForm(t, staff, "/policies/simulate", url.Values{"rule": {hongshan}, "amount": {`{"fixed": 200000}`}, "group_by": {"district"}})
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.Body, `data-count="eligible"`, "sim-chart", "洪山区")
	res = ts.PostForm(t, staff, "/policies/simulate", url.Values{"rule": {`{"field":"revenue","op":"has","value":"x"}`}})
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.Body, "data-sim-error", "不支持运算符")

	// Drafts are the unit's own.
	wantStatus(t, ts.Get(t, ts.LoginAs(t, "ent"), "/policies/"+pid), http.StatusNotFound)
	detail := ts.Get(t, staff, "/policies/"+pid)
	wantStatus(t, detail, http.StatusOK)
	wantContains(t, detail.Body, "所属区为洪山区，且具有“高新技术企业”标签，且营业收入不低于2000万元", "政策测算", "提交审核")
	wantStatus(t, ts.PostForm(t, staff, "/policies/"+pid+"/submit", nil), http.StatusSeeOther)
	admin := ts.LoginAs(t, "admin")
	wantStatus(t, ts.PostForm(t, staff, "/policies/"+pid+"/review", url.Values{"decision": {"approve"}}), http.StatusForbidden)
	res = ts.PostForm(t, admin, "/policies/"+pid+"/review", url.Values{"decision": {"reject"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantContains(t, res.Body, "退回时请说明理由")
	wantStatus(t, ts.PostForm(t, admin, "/policies/"+pid+"/review", url.Values{"decision": {"approve"}}), http.StatusSeeOther)
	for range 100 {
		ran, err := ts.App.Jobs.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			break
		}
	}

	// The enterprise: supermarket, push in its inbox, 政策体检.
	ent := ts.LoginAs(t, "ent")
	res = ts.Get(t, ent, "/policies?q=高新")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.Body, "洪山区高新技术企业奖励", "即将截止")
	res = ts.Get(t, ent, "/api/v1/notifications?unread=true")
	var inbox struct{ Total int }
	res.JSON(t, &inbox)
	if inbox.Total != 1 {
		t.Errorf("pushes in the enterprise's inbox: %s, want 1", res.Body)
	}
	res = ts.Get(t, ent, "/checkup")
	wantStatus(t, res, http.StatusSeeOther)
	res = ts.Get(t, ent, res.Header.Get("Location"))
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.Body, "政策体检", "高企奖励", "20.00万元", "2026年6月30日")
	res = ts.Get(t, ent, "/policies/"+pid)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.Body, "贵企业：<b>符合</b>")
	wantStatus(t, ts.Get(t, ent, fmt.Sprintf("/enterprises/%d/policies", ids[8])), http.StatusForbidden)
	res = ts.PostForm(t, ent, fmt.Sprintf("/enterprises/%d/subscriptions", me), url.Values{"category": {"人才服务", "金融支持"}})
	wantStatus(t, res, http.StatusSeeOther)
	res = ts.Get(t, ent, fmt.Sprintf("/api/v1/enterprises/%d/subscriptions", me))
	wantContains(t, res.Body, `"人才服务"`, `"金融支持"`)

	// Metrics for the office: the push reached every eligible enterprise.
	res = ts.Get(t, admin, "/api/v1/policies/"+pid+"/metrics")
	wantStatus(t, res, http.StatusOK)
	var met struct {
		Eligible, Pushed, Read int
		Rate                   float64
	}
	res.JSON(t, &met)
	if met.Eligible == 0 || met.Pushed != met.Eligible || met.Rate != 1 || met.Read != 1 {
		t.Errorf("metrics %+v (the enterprise opened the policy once)", met)
	}
	res = ts.Get(t, admin, "/policies/"+pid+"/metrics")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.Body, "主动推送率", "100.0%")
	wantStatus(t, ts.Get(t, ent, "/policies/"+pid+"/metrics"), http.StatusForbidden)
}

const hongshan = `{"all":[{"field":"district","op":"in","value":["420111"]},{"field":"tags","op":"has","value":"高新技术企业"},{"field":"revenue","op":">=","value":20000000}]}`

func ptr[T any](v T) *T { return &v }

// TestPolicyFourEyes checks over HTTP that an administrator cannot approve
// a policy they submitted (四眼原则) — the page says so instead of offering
// the buttons — and that a one-person office may be configured to.
func TestPolicyFourEyes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		selfReview bool
	}{{"ErrOwnSubmission", false}, {"OKOnePersonOffice", true}} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, func(c *config.Config) { c.AllowSelfReview = tc.selfReview })
			admin := ts.LoginAs(t, "admin")
			res := ts.PostForm(t, admin, "/policies", url.Values{"title": {"全市专精特新企业奖励"}, "category": {"资金扶持"}})
			wantStatus(t, res, http.StatusSeeOther)
			m := idInPath.FindStringSubmatch(res.Header.Get("Location"))
			if m == nil {
				t.Fatalf("redirect %q", res.Header.Get("Location"))
			}
			pid := m[1]
			wantStatus(t, ts.PostForm(t, admin, "/policies/"+pid+"/clauses", url.Values{"title": {"奖励"}, "rule": {hongshan},
				"benefit_kind": {"资金奖补"}, "amount": {`{"fixed": 200000}`}, "mode": {"免申即享"}}), http.StatusSeeOther)
			wantStatus(t, ts.PostForm(t, admin, "/policies/"+pid+"/submit", nil), http.StatusSeeOther)
			page := ts.Get(t, admin, "/policies/"+pid)
			wantStatus(t, page, http.StatusOK)
			if tc.selfReview {
				wantContains(t, page.Body, "同意发布")
				wantStatus(t, ts.PostForm(t, admin, "/policies/"+pid+"/review", url.Values{"decision": {"approve"}}), http.StatusSeeOther)
				return
			}
			wantContains(t, page.Body, "须由另一位管理员审核（四眼原则）")
			if strings.Contains(page.Body, "同意发布") {
				t.Error("the submitter is offered the approve button")
			}
			res = ts.PostForm(t, admin, "/policies/"+pid+"/review", url.Values{"decision": {"approve"}})
			wantStatus(t, res, http.StatusForbidden)
			wantContains(t, res.Body, "四眼原则")
			wantProblem(t, ts.SendJSON(t, admin, "POST", "/api/v1/policies/"+pid+"/review", "", map[string]any{"approve": true}),
				http.StatusForbidden, "forbidden", "")
			// A second administrator reviews it.
			if _, err := ts.App.Auth.CreateUser(context.Background(), auth.Operator("test"), auth.UserInput{Username: "admin2", DisplayName: "副主任",
				Role: auth.RoleAdmin, Password: testPassword}); err != nil {
				t.Fatal(err)
			}
			other := ts.LoginAs(t, "admin2")
			wantContains(t, ts.Get(t, other, "/policies/"+pid).Body, "同意发布")
			wantStatus(t, ts.PostForm(t, other, "/policies/"+pid+"/review", url.Values{"decision": {"approve"}}), http.StatusSeeOther)
		})
	}
}

// TestCheckupAmounts checks what an enterprise is told it may expect: no
// amount beside 不符合, the estimate beside 符合, a 待补充信息 wording where
// the outcome or the base is unknown, and how to claim a 即申即享 clause
// before online application exists.
func TestCheckupAmounts(t *testing.T) {
	ts := newTestServer(t)
	ids := withCity(t, ts, 200)
	ctx := context.Background()
	me := ids[3]
	if _, err := ts.App.Enterprises.UpdateEnterprise(ctx, auth.Operator("test"), me, enterprise.Update{District: ptr("420111"), Tags: &[]string{"高新技术企业"},
		Revenue: ptr64(30000000), Clear: []string{"export_value"}, Source: enterprise.SourceSpecialist}); err != nil {
		t.Fatal(err)
	}
	enterpriseUser(t, ts, "ent", me)

	staff, admin := ts.LoginAs(t, "staff"), ts.LoginAs(t, "admin")
	res := ts.PostForm(t, staff, "/policies", url.Values{"title": {"规上企业与外贸企业奖励"}, "category": {"资金扶持"}})
	wantStatus(t, res, http.StatusSeeOther)
	pid := idInPath.FindStringSubmatch(res.Header.Get("Location"))[1]
	for _, c := range []url.Values{
		{"title": {"亿元企业奖励"}, "rule": {`{"field":"revenue","op":">=","value":100000000}`}, "amount": {`{"rate": 0.01, "of": "revenue", "cap": 500000}`}, "mode": {"即申即享"}},
		{"title": {"高企即申即享"}, "rule": {hongshan}, "amount": {`{"fixed": 100000}`}, "mode": {"即申即享"}},
		{"title": {"出口奖励"}, "rule": {`{"field":"export_value","op":">=","value":1000000}`}, "amount": {`{"rate": 0.02, "of": "export_value"}`}, "mode": {"申报审核"}},
	} {
		c.Set("benefit_kind", "资金奖补")
		wantStatus(t, ts.PostForm(t, staff, "/policies/"+pid+"/clauses", c), http.StatusSeeOther)
	}
	wantStatus(t, ts.PostForm(t, staff, "/policies/"+pid+"/submit", nil), http.StatusSeeOther)
	wantStatus(t, ts.PostForm(t, admin, "/policies/"+pid+"/review", url.Values{"decision": {"approve"}}), http.StatusSeeOther)

	ent := ts.LoginAs(t, "ent")
	page := ts.Get(t, ent, fmt.Sprintf("/enterprises/%d/policies", me))
	wantStatus(t, page, http.StatusOK)
	// 30.00万元 would be 1 % of the enterprise's revenue: the amount of the
	// clause it does not fit.
	if strings.Contains(page.Body, "30.00万元") {
		t.Error("政策体检 shows an amount beside 不符合")
	}
	wantContains(t, page.Body, "预计 10.00万元", "待补充信息后测算", "即申即享：在线申请，按已核实的企业数据即时判定",
		fmt.Sprintf(`href="/policies/%s/clauses/`, pid), "data-apply", "提出异议")
	detail := ts.Get(t, ent, "/policies/"+pid)
	wantStatus(t, detail, http.StatusOK)
	if strings.Contains(detail.Body, "30.00万元") {
		t.Error("the policy page shows an amount beside 不符合")
	}
	wantContains(t, detail.Body, "贵企业：<b>不符合</b>", "贵企业：<b>符合</b>", "（贵企业：预计 10.00万元）", "贵企业：<b>待补充信息</b>",
		"即申即享：在线申请，按已核实的企业数据即时判定", "data-apply")

	// The API says the same: no amount where the enterprise does not fit.
	api := ts.Get(t, ent, fmt.Sprintf("/api/v1/enterprises/%d/policies", me))
	wantStatus(t, api, http.StatusOK)
	var c struct {
		Items []struct {
			Clause  struct{ Title string } `json:"clause"`
			Outcome string                 `json:"outcome"`
			Amount  *int64                 `json:"amount"`
			Claim   string                 `json:"claim"`
		} `json:"items"`
	}
	api.JSON(t, &c)
	seen := 0
	for _, it := range c.Items {
		switch it.Clause.Title {
		case "亿元企业奖励":
			seen++
			if it.Amount != nil || it.Claim != "" {
				t.Errorf("不符合 item: amount %v, claim %q; want none", it.Amount, it.Claim)
			}
		case "高企即申即享":
			seen++
			if it.Amount == nil || *it.Amount != 100000 || !strings.Contains(it.Claim, "即申即享") {
				t.Errorf("符合 item: amount %v, claim %q", it.Amount, it.Claim)
			}
		}
	}
	if seen != 2 {
		t.Fatalf("checkup items %+v", c.Items)
	}
}

// TestPolicyFourEyesToken checks that a token answers to the administrator
// who created it: the administrator cannot approve what their token
// submitted, nor the token what the administrator submitted.
func TestPolicyFourEyesToken(t *testing.T) {
	ts := newTestServer(t)
	admin, anon := ts.LoginAs(t, "admin"), ts.Client(t)
	res := ts.SendJSON(t, admin, "POST", "/api/v1/tokens", "", map[string]any{"name": "政策系统", "role": "admin", "all_scopes": true})
	wantStatus(t, res, http.StatusCreated)
	var tok struct {
		Token string `json:"token"`
	}
	res.JSON(t, &tok)
	newPolicy := func(title string) string {
		t.Helper()
		res := ts.PostForm(t, admin, "/policies", url.Values{"title": {title}, "category": {"资金扶持"}})
		wantStatus(t, res, http.StatusSeeOther)
		m := idInPath.FindStringSubmatch(res.Header.Get("Location"))
		if m == nil {
			t.Fatalf("redirect %q", res.Header.Get("Location"))
		}
		wantStatus(t, ts.PostForm(t, admin, "/policies/"+m[1]+"/clauses", url.Values{"title": {"奖励"}, "rule": {hongshan},
			"benefit_kind": {"资金奖补"}, "amount": {`{"fixed": 200000}`}, "mode": {"免申即享"}}), http.StatusSeeOther)
		return m[1]
	}
	approve := map[string]any{"approve": true}

	// The token submits; its administrator may not approve.
	byToken := newPolicy("令牌提交的政策")
	wantStatus(t, ts.SendJSON(t, anon, "POST", "/api/v1/policies/"+byToken+"/submit", tok.Token, nil), http.StatusOK)
	wantProblem(t, ts.SendJSON(t, admin, "POST", "/api/v1/policies/"+byToken+"/review", "", approve), http.StatusForbidden, "forbidden", "")

	// The administrator submits; their token may not approve.
	byAdmin := newPolicy("管理员提交的政策")
	wantStatus(t, ts.PostForm(t, admin, "/policies/"+byAdmin+"/submit", nil), http.StatusSeeOther)
	wantProblem(t, ts.SendJSON(t, anon, "POST", "/api/v1/policies/"+byAdmin+"/review", tok.Token, approve), http.StatusForbidden, "forbidden", "")

	// Another administrator approves both.
	if _, err := ts.App.Auth.CreateUser(context.Background(), auth.Operator("test"), auth.UserInput{Username: "admin2", DisplayName: "副主任",
		Role: auth.RoleAdmin, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	other := ts.LoginAs(t, "admin2")
	for _, id := range []string{byToken, byAdmin} {
		wantStatus(t, ts.SendJSON(t, other, "POST", "/api/v1/policies/"+id+"/review", "", approve), http.StatusOK)
	}
}
