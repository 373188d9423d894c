package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/redeem"
)

// redeemScene is a test server with four enterprises in 洪山区 (three 高新
// 技术企业, accounts ent1…ent4), and a published policy of the staff's unit
// with one clause of mode, rule highTech and 20万元 each.
type redeemScene struct {
	*testServer
	IDs    []int64
	Ents   []*enterprise.Enterprise
	Policy *policy.Policy
	Clause *policy.Clause
}

const webHighTech = `{"all":[{"field":"district","op":"==","value":"420111"},{"field":"tags","op":"has","value":"高新技术企业"}]}`

func newRedeemScene(t *testing.T, mode string, materials ...string) *redeemScene {
	t.Helper()
	ctx := context.Background()
	ts := newTestServer(t)
	sc := &redeemScene{testServer: ts}
	for i := 1; i <= 4; i++ {
		code, _ := enterprise.MakeUSCC('9', '1', "420111", fmt.Sprintf("%08d", 20000000+i))
		d, st, cr := "420111", "存续", "正常"
		rev := int64(3e7)
		tags := []string{"高新技术企业"}
		if i == 4 {
			tags = []string{}
		}
		sc.Ents = append(sc.Ents, &enterprise.Enterprise{USCC: code, Name: fmt.Sprintf("武汉网测%d科技有限公司", i), District: &d, Status: &st,
			Credit: &cr, Revenue: &rev, Tags: tags})
	}
	res, err := ts.App.Enterprises.ImportRecords(ctx, func(yield func(*enterprise.Enterprise) error) error {
		for _, e := range sc.Ents {
			if err := yield(e); err != nil {
				return err
			}
		}
		return nil
	}, enterprise.ImportOptions{}, nil)
	if err != nil || res.Rejected > 0 {
		t.Fatalf("seed: %v %+v", err, res)
	}
	for i, e := range sc.Ents {
		var id int64
		if err := ts.App.DB.QueryRowContext(ctx, `SELECT id FROM enterprises WHERE uscc = ?`, e.USCC).Scan(&id); err != nil {
			t.Fatal(err)
		}
		sc.IDs = append(sc.IDs, id)
		enterpriseUser(t, ts, fmt.Sprintf("ent%d", i+1), id)
	}
	staff := actorOf(t, ts, "staff")
	admin := actorOf(t, ts, "admin")
	p, err := ts.App.Policy.CreatePolicy(ctx, staff, policy.PolicyInput{Title: "高新技术企业认定奖励", Category: "资金扶持",
		RedeemingUnitID: &ts.Unit.ID, Pledge: "本企业承诺申报信息真实准确。"})
	if err != nil {
		t.Fatal(err)
	}
	c := policy.ClauseInput{Title: "认定奖励", Rule: json.RawMessage(webHighTech), BenefitKind: "资金奖补", Amount: json.RawMessage(`{"fixed": 200000}`),
		Mode: mode, Materials: materials}
	if sc.Clause, err = ts.App.Policy.AddClause(ctx, staff, p.ID, c); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.App.Policy.Submit(ctx, staff, p.ID); err != nil {
		t.Fatal(err)
	}
	if sc.Policy, err = ts.App.Policy.Review(ctx, admin, p.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.App.Policy.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return sc
}

func (sc *redeemScene) listPath() string {
	return fmt.Sprintf("/policies/%d/clauses/%d/grants", sc.Policy.ID, sc.Clause.ClauseID)
}

// multipartBody builds a multipart form of fields and files (field name →
// file name → content).
func multipartBody(t *testing.T, fields map[string]string, files map[string][2]string) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	for field, f := range files {
		fw, err := w.CreateFormFile(field, f[0])
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write([]byte(f[1]))
	}
	_ = w.Close()
	return &b, w.FormDataContentType()
}

func (ts *testServer) postMultipart(t *testing.T, c *http.Client, path string, fields map[string]string, files map[string][2]string) response {
	t.Helper()
	body, ct := multipartBody(t, fields, files)
	req := ts.Request(t, http.MethodPost, path, body)
	req.Header.Set("Content-Type", ct)
	return ts.Do(t, c, req)
}

// TestRedeemFlowHTTP walks a 免申即享 list through the pages and the API:
// generation, approval, the enterprise's confirmation, a payment batch for
// the finance system and the bank's results — the API contract exactly.
func TestRedeemFlowHTTP(t *testing.T) {
	sc := newRedeemScene(t, policy.ModeAutomatic)
	staff, ent1 := sc.LoginAs(t, "staff"), sc.LoginAs(t, "ent1")

	wantStatus(t, sc.PostForm(t, sc.LoginAs(t, "leader"), sc.listPath()+"/generate", nil), http.StatusForbidden)
	wantStatus(t, sc.PostForm(t, staff, sc.listPath()+"/generate", nil), http.StatusSeeOther)
	runJobs(t, sc.testServer)
	page := sc.Get(t, staff, sc.listPath())
	wantStatus(t, page, http.StatusOK)
	for _, want := range []string{"武汉网测1科技有限公司", `data-count="待审核">3<`, "名单已生成", "全部审核通过"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("list page lacks %q", want)
		}
	}
	if strings.Contains(page.Body, "武汉网测4科技有限公司") {
		t.Error("the enterprise that does not fit is listed")
	}
	wantStatus(t, sc.PostForm(t, staff, sc.listPath()+"/approve", nil), http.StatusSeeOther)
	runJobs(t, sc.testServer)

	var grants struct {
		Items []redeem.Grant `json:"items"`
		Total int            `json:"total"`
	}
	res := sc.Get(t, ent1, "/api/v1/grants")
	wantStatus(t, res, http.StatusOK)
	res.JSON(t, &grants)
	if grants.Total != 1 || grants.Items[0].EnterpriseID != sc.IDs[0] || grants.Items[0].Status != redeem.GrantConfirming {
		t.Fatalf("the enterprise's grants = %+v", grants)
	}
	g := grants.Items[0]
	if res := sc.Get(t, sc.LoginAs(t, "ent2"), fmt.Sprintf("/grants/%d", g.ID)); res.Status != http.StatusNotFound {
		t.Errorf("another enterprise reads the grant: %d", res.Status)
	}
	grantPage := sc.Get(t, ent1, fmt.Sprintf("/grants/%d", g.ID))
	if !strings.Contains(grantPage.Body, "本企业承诺申报信息真实准确。") || !strings.Contains(grantPage.Body, `action="/grants/`) {
		t.Errorf("grant page lacks the pledge or the form")
	}
	form := url.Values{"agree": {"on"}, "account_name": {"别的公司"}, "account_number": {"6222021001123456789"}, "account_bank": {"工商银行"}}
	res = sc.PostForm(t, ent1, fmt.Sprintf("/grants/%d/confirm", g.ID), form)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "与企业登记名称") {
		t.Fatalf("wrong payee: %d", res.Status)
	}
	form.Set("account_name", sc.Ents[0].Name)
	wantStatus(t, sc.PostForm(t, ent1, fmt.Sprintf("/grants/%d/confirm", g.ID), form), http.StatusSeeOther)
	// The other two confirm through the API.
	for i := 1; i <= 2; i++ {
		c := sc.LoginAs(t, fmt.Sprintf("ent%d", i+1))
		var mine struct{ Items []redeem.Grant }
		sc.Get(t, c, "/api/v1/grants").JSON(t, &mine)
		res := sc.SendJSON(t, c, http.MethodPost, fmt.Sprintf("/api/v1/grants/%d/confirm", mine.Items[0].ID), "",
			map[string]any{"agree": true, "account": map[string]string{"name": sc.Ents[i].Name, "number": "6222021001123450000", "bank": "建设银行"}})
		wantStatus(t, res, http.StatusOK)
	}

	// The finance system, with a token of the unit.
	token, _ := sc.Token(t, auth.TokenInput{Name: "财政支付系统", Role: auth.RoleUnitStaff, UnitID: &sc.Unit.ID, AllScopes: true})
	res = sc.SendJSON(t, sc.Client(t), http.MethodPost, "/api/v1/payment-batches", token, map[string]any{})
	wantStatus(t, res, http.StatusCreated)
	var batch struct {
		ID       int64 `json:"id"`
		Count    int   `json:"count"`
		Payments []struct {
			Reference string `json:"reference"`
			USCC      string `json:"uscc"`
			Amount    int64  `json:"amount"`
			Status    string `json:"status"`
		} `json:"payments"`
	}
	res.JSON(t, &batch)
	get := func(path string) response {
		req := sc.Request(t, http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return sc.Do(t, sc.Client(t), req)
	}
	res = get("/api/v1/payment-batches")
	wantStatus(t, res, http.StatusOK)
	var list struct {
		Items []struct {
			ID     int64  `json:"id"`
			UnitID int64  `json:"unit_id"`
			Status string `json:"status"`
			Count  int    `json:"count"`
			Amount int64  `json:"amount"`
		} `json:"items"`
		Total int `json:"total"`
	}
	res.JSON(t, &list)
	if list.Total != 1 || len(list.Items) != 1 || list.Items[0].ID != batch.ID || list.Items[0].UnitID != sc.Unit.ID ||
		list.Items[0].Status != "待拨付" || list.Items[0].Count != 3 || list.Items[0].Amount != 600000 {
		t.Errorf("batches = %s", res.Body)
	}
	res = get(fmt.Sprintf("/api/v1/payment-batches/%d", batch.ID))
	wantStatus(t, res, http.StatusOK)
	res.JSON(t, &batch)
	if batch.Count != 3 || len(batch.Payments) != 3 {
		t.Fatalf("batch = %s", res.Body)
	}
	for _, p := range batch.Payments {
		if p.Reference == "" || p.USCC == "" || p.Amount != 200000 || p.Status != "待拨付" {
			t.Errorf("payment %+v", p)
		}
	}
	res = get(fmt.Sprintf("/api/v1/payment-batches/%d/export?format=csv", batch.ID))
	wantStatus(t, res, http.StatusOK)
	if !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("export not an attachment: %q", res.Header.Get("Content-Disposition"))
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\ufeff"))).ReadAll()
	if err != nil || strings.Join(recs[0], ",") != "付款编号,统一社会信用代码,企业名称,收款户名,收款账号,开户行,金额（元）,政策,条款" || len(recs) != 4 {
		t.Fatalf("export = %q, %v", recs, err)
	}
	if res := get(fmt.Sprintf("/api/v1/payment-batches/%d/export?format=xlsx", batch.ID)); res.Status != http.StatusOK || !strings.HasPrefix(res.Body, "PK") {
		t.Errorf("xlsx export %d", res.Status)
	}
	if res := get(fmt.Sprintf("/api/v1/payment-batches/%d/export?format=doc", batch.ID)); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("doc export %d", res.Status)
	}
	var file bytes.Buffer
	w := csv.NewWriter(&file)
	_ = w.Write([]string{"付款编号", "结果", "失败原因", "银行流水号", "到账日期"})
	_ = w.Write([]string{recs[1][0], "成功", "", "B001", "2026-03-03"})
	_ = w.Write([]string{recs[2][0], "失败", "账户已销户", "", ""})
	_ = w.Write([]string{"FK0000099999A1", "成功", "", "B003", "2026-03-03"})
	w.Flush()
	upload := func() map[string]any {
		body, ct := multipartBody(t, nil, map[string][2]string{"file": {"回盘.csv", file.String()}})
		req := sc.Request(t, http.MethodPost, fmt.Sprintf("/api/v1/payment-batches/%d/bank-results", batch.ID), body)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+token)
		res := sc.Do(t, sc.Client(t), req)
		wantStatus(t, res, http.StatusOK)
		var m map[string]any
		res.JSON(t, &m)
		return m
	}
	first := upload()
	keys := []string{}
	for k := range first {
		keys = append(keys, k)
	}
	if len(first) != 6 || first["read"] != 3.0 || first["paid"] != 1.0 || first["refused"] != 1.0 || first["unchanged"] != 0.0 || first["unmatched"] != 1.0 {
		t.Fatalf("bank results = %v (keys %v)", first, keys)
	}
	errs := first["errors"].([]any)
	if len(errs) != 1 || errs[0].(map[string]any)["line"] != 4.0 || errs[0].(map[string]any)["reason"] == "" {
		t.Errorf("errors = %v", errs)
	}
	second := upload()
	if second["paid"] != 0.0 || second["refused"] != 0.0 || second["unchanged"] != 2.0 {
		t.Errorf("the same file again = %v", second)
	}
	runJobs(t, sc.testServer)
	benefits := sc.Get(t, sc.LoginAs(t, "ent1"), "/benefits")
	if !strings.Contains(benefits.Body, "已拨付") || !strings.Contains(benefits.Body, "20.00万元") {
		t.Errorf("the enterprise's page does not show the payment")
	}
	home := sc.Get(t, staff, "/")
	if !strings.Contains(home.Body, `data-panel="redeem"`) {
		t.Error("no redemption panel on the unit's home")
	}
	file2 := sc.Get(t, sc.LoginAs(t, "admin"), fmt.Sprintf("/enterprises/%d", sc.IDs[0]))
	if !strings.Contains(file2.Body, `data-panel="redeem"`) && !strings.Contains(file2.Body, "政策兑现") {
		t.Error("no redemption section in the enterprise's file")
	}
	perf := sc.Get(t, staff, fmt.Sprintf("/api/v1/policies/%d/performance", sc.Policy.ID))
	wantStatus(t, perf, http.StatusOK)
	if !strings.Contains(perf.Body, `"amount_paid":200000`) {
		t.Errorf("performance = %.300s", perf.Body)
	}
	wantStatus(t, sc.Get(t, staff, fmt.Sprintf("/policies/%d/performance", sc.Policy.ID)), http.StatusOK)
	wantStatus(t, sc.Get(t, sc.LoginAs(t, "leader"), "/redeem/timeliness"), http.StatusOK)
	wantStatus(t, sc.Get(t, staff, "/redeem/timeliness"), http.StatusForbidden)
}

// TestApplicationHTTP applies for a 申报审核 clause with materials through
// the page, and reviews it; materials come back only as attachments.
func TestApplicationHTTP(t *testing.T) {
	sc := newRedeemScene(t, policy.ModeReview, "申请表")
	ent1, staff := sc.LoginAs(t, "ent1"), sc.LoginAs(t, "staff")
	path := fmt.Sprintf("/policies/%d/clauses/%d/apply", sc.Policy.ID, sc.Clause.ClauseID)
	page := sc.Get(t, ent1, path)
	wantStatus(t, page, http.StatusOK)
	if !strings.Contains(page.Body, `name="file:申请表"`) || !strings.Contains(page.Body, sc.Ents[0].Name) {
		t.Fatalf("apply form lacks the material or the prefilled name")
	}
	fields := map[string]string{"agree": "on", "account_name": sc.Ents[0].Name, "account_number": "6222021001123456789", "account_bank": "工行"}
	res := sc.postMultipart(t, ent1, path, fields, map[string][2]string{"file:申请表": {"申请表.html", "<script>alert(1)</script>"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "类型不支持") {
		t.Fatalf("html material: %d", res.Status)
	}
	res = sc.postMultipart(t, ent1, path, fields, map[string][2]string{"file:申请表": {"申请表.pdf", "%PDF-1.4 test"}})
	wantStatus(t, res, http.StatusSeeOther)
	loc := res.Header.Get("Location")
	app := sc.Get(t, staff, strings.Split(loc, "?")[0])
	wantStatus(t, app, http.StatusOK)
	i := strings.Index(app.Body, `href="/materials/`)
	if i < 0 {
		t.Fatal("no material link")
	}
	link := app.Body[i+6 : i+6+strings.Index(app.Body[i+6:], `"`)]
	m := sc.Get(t, staff, link)
	if m.Status != http.StatusOK || !strings.HasPrefix(m.Header.Get("Content-Disposition"), "attachment") || m.Header.Get("X-Content-Type-Options") != "nosniff" ||
		m.Header.Get("Content-Type") != "application/pdf" || m.Body != "%PDF-1.4 test" {
		t.Errorf("material served as %d %v", m.Status, m.Header)
	}
	if res := sc.Get(t, sc.LoginAs(t, "ent2"), link); res.Status != http.StatusNotFound {
		t.Errorf("another enterprise downloads the material: %d", res.Status)
	}
	appID := strings.TrimPrefix(strings.Split(loc, "?")[0], "/applications/")
	wantStatus(t, sc.PostForm(t, staff, "/applications/"+appID+"/accept", nil), http.StatusSeeOther)
	res = sc.PostForm(t, staff, "/applications/"+appID+"/decide", url.Values{"decision": {"refuse"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "理由") {
		t.Errorf("refuse without reason: %d", res.Status)
	}
	var ap redeem.Application
	res = sc.SendJSON(t, staff, http.MethodPost, "/api/v1/applications/"+appID+"/decide", "", map[string]any{"approve": true, "note": "材料齐全"})
	wantStatus(t, res, http.StatusOK)
	res.JSON(t, &ap)
	if ap.Status != redeem.AppApproved || ap.Amount == nil || *ap.Amount != 200000 || ap.GrantID == nil {
		t.Errorf("approved = %+v", ap)
	}
	if res := sc.SendJSON(t, ent1, http.MethodPost, "/api/v1/applications/"+appID+"/withdraw", "", nil); res.Status != http.StatusConflict {
		t.Errorf("withdraw after approval: %d", res.Status)
	}
}
