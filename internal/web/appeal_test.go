package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/network"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/xuri/excelize/v2"
)

// appealWorld is a test server with what the appeal tests need: two
// enterprises with accounts (ent1 looked after by the specialist), a second
// unit (市商务局, account commerce), the catalogue sending 审批服务 to the
// staff's unit, and a hotline API token.
type appealWorld struct {
	*testServer
	E1, E2   int64
	USCC1    string
	Commerce *org.Unit
	Hotline  string // the token's secret
	clients  map[string]*http.Client
}

func newAppealWorld(t *testing.T) *appealWorld {
	t.Helper()
	ts := newTestServer(t)
	ctx := context.Background()
	op := auth.Operator("test")
	ids := withCity(t, ts, 10)
	w := &appealWorld{testServer: ts, E1: ids[0], E2: ids[1], clients: map[string]*http.Client{}}
	enterpriseUser(t, ts, "ent1", ids[0])
	enterpriseUser(t, ts, "ent2", ids[1])
	ref, err := ts.App.Enterprises.RefByID(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	w.USCC1 = ref.USCC
	if w.Commerce, err = ts.App.Org.CreateUnit(ctx, op, org.UnitInput{Name: "市商务局", Kind: org.KindDepartment}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.App.Auth.CreateUser(ctx, op, auth.UserInput{Username: "commerce", DisplayName: "商务局经办人", Password: testPassword,
		Role: auth.RoleUnitStaff, UnitID: &w.Commerce.ID}); err != nil {
		t.Fatal(err)
	}
	sp, err := ts.App.Auth.FindUserByUsername(ctx, "specialist")
	if err != nil {
		t.Fatal(err)
	}
	st, err := ts.App.Network.CreateStation(ctx, op, network.StationInput{Name: "测试服务站"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.App.Network.SaveSpecialist(ctx, op, sp.ID, network.SpecialistInput{StationID: st.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.App.Network.Reassign(ctx, op, ids[0], sp.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.App.Appeals.SaveEntry(ctx, op, appeal.EntryInput{Code: "approval", Category: "审批服务", UnitID: ts.Unit.ID, Class: "一般"}); err != nil {
		t.Fatal(err)
	}
	w.Hotline, _ = ts.Token(t, auth.TokenInput{Name: "12345热线", Role: auth.RoleUnitStaff, UnitID: &w.Commerce.ID,
		Scopes: []auth.Action{auth.FileAppeal, auth.ViewAppeal, auth.EvaluateAppeal, auth.SupplyAppeal}})
	return w
}

// as sends a JSON request as user ("hotline": the API token).
func (w *appealWorld) as(t *testing.T, user, method, path string, body any) response {
	t.Helper()
	if user == "hotline" {
		return w.SendJSON(t, w.Client(t), method, path, w.Hotline, body)
	}
	return w.SendJSON(t, w.client(t, user), method, path, "", body)
}

// client returns user's logged-in client.
func (w *appealWorld) client(t *testing.T, user string) *http.Client {
	t.Helper()
	c, ok := w.clients[user]
	if !ok {
		c = w.LoginAs(t, user)
		w.clients[user] = c
	}
	return c
}

type apiAppeal struct {
	ID               int64  `json:"id"`
	Number           string `json:"number"`
	Status           string `json:"status"`
	ReceivedAt       string `json:"received_at"`
	SignDueAt        string `json:"sign_due_at"`
	DueDate          string `json:"due_date"`
	UnitID           *int64 `json:"unit_id"`
	Returns          int    `json:"returns"`
	Reopens          int    `json:"reopens"`
	Escalated        bool   `json:"escalated"`
	ExtensionPending int    `json:"extension_pending"`
	Evaluation       string `json:"evaluation"`
	FirstTime        *bool  `json:"first_time_resolved"`
	Events           []struct {
		Kind string `json:"kind"`
	} `json:"events"`
	Permitted map[string]bool `json:"permitted"`
}

func decodeAppeal(t *testing.T, res response, status int) apiAppeal {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d: %s", res.Status, status, res.Body)
	}
	var ap apiAppeal
	res.JSON(t, &ap)
	return ap
}

// TestAppealAPI walks one appeal through every transition over HTTP, and
// at each step checks the refusals for the wrong role, the wrong unit and
// the wrong state (each a problem+json with its code).
func TestAppealAPI(t *testing.T) {
	w := newAppealWorld(t)
	body := map[string]any{"external_ref": "ENT-1", "category": "审批服务", "title": "施工许可超时", "content": "施工许可超期未办。"}
	created := decodeAppeal(t, w.as(t, "ent1", "POST", "/api/v1/appeals", body), http.StatusCreated)
	if created.Status != "signing" || created.DueDate != "2026-03-09" || created.SignDueAt != "2026-03-02T15:30:00+08:00" ||
		!strings.HasPrefix(created.Number, "QS2026-") || created.ReceivedAt != "2026-03-02T10:00:00+08:00" {
		t.Fatalf("acknowledgement: %+v", created)
	}
	again := decodeAppeal(t, w.as(t, "ent1", "POST", "/api/v1/appeals", body), http.StatusOK)
	if again.ID != created.ID {
		t.Fatalf("the same external_ref made appeal %d, then %d", created.ID, again.ID)
	}
	if byID := decodeAppeal(t, w.as(t, "ent1", "GET", fmt.Sprintf("/api/v1/appeals/%d", created.ID), nil), http.StatusOK); byID.Number != created.Number ||
		len(byID.Events) == 0 {
		t.Fatalf("by id: %+v", byID)
	}
	ref := "/api/v1/appeals/" + created.Number
	step := func(user, action string, b any) response {
		t.Helper()
		return w.as(t, user, "POST", ref+"/"+action, b)
	}
	ok := func(user, action string, b any, status string) apiAppeal {
		t.Helper()
		ap := decodeAppeal(t, step(user, action, b), http.StatusOK)
		if ap.Status != status {
			t.Fatalf("%s by %s: status %s, want %s", action, user, ap.Status, status)
		}
		return ap
	}
	note := map[string]any{}
	reason := map[string]any{"reason": "理由"}

	t.Run("ErrReadOthers", func(t *testing.T) {
		wantProblem(t, w.as(t, "ent2", "GET", ref, nil), http.StatusForbidden, "forbidden", "")
		wantProblem(t, w.as(t, "commerce", "GET", ref, nil), http.StatusForbidden, "forbidden", "")
		wantProblem(t, w.as(t, "ent1", "GET", "/api/v1/appeals/QS2026-999999", nil), http.StatusNotFound, "not_found", "")
		for _, u := range []string{"admin", "leader", "staff", "specialist", "ent1"} {
			if res := w.as(t, u, "GET", ref, nil); res.Status != http.StatusOK {
				t.Errorf("%s reads its appeal: %d", u, res.Status)
			}
		}
	})

	// 待签收: only the responsible unit signs or returns.
	wantProblem(t, step("ent1", "sign", note), http.StatusForbidden, "forbidden", "")
	wantProblem(t, step("commerce", "sign", note), http.StatusForbidden, "forbidden", "")
	wantProblem(t, step("staff", "reply", map[string]any{"result": "解决", "measures": "x"}), http.StatusConflict, "conflict", "")
	wantProblem(t, step("staff", "return", map[string]any{"reason": " "}), http.StatusUnprocessableEntity, "invalid", "")
	wantProblem(t, step("staff", "evaluate", map[string]any{"rating": "满意"}), http.StatusForbidden, "forbidden", "")
	ok("staff", "sign", note, "handling")
	wantProblem(t, step("staff", "sign", note), http.StatusConflict, "conflict", "")
	wantProblem(t, step("staff", "return", reason), http.StatusConflict, "conflict", "")

	// 待补充: the clock stops; the enterprise supplies material.
	ok("staff", "pause", map[string]any{"reason": "请补充施工图"}, "paused")
	wantProblem(t, step("ent1", "evaluate", map[string]any{"rating": "满意"}), http.StatusConflict, "conflict", "")
	wantProblem(t, step("ent2", "supply", map[string]any{"note": "x"}), http.StatusForbidden, "forbidden", "")
	ok("ent1", "supply", map[string]any{"note": "已补充施工图"}, "handling")
	wantProblem(t, step("staff", "resume", note), http.StatusConflict, "conflict", "")

	// 延期: the unit asks, the office decides.
	ap := ok("staff", "extend", map[string]any{"days": 3, "reason": "需现场核查"}, "handling")
	if ap.ExtensionPending != 3 {
		t.Fatalf("pending %d", ap.ExtensionPending)
	}
	wantProblem(t, step("staff", "extend", map[string]any{"days": 2, "reason": "再延"}), http.StatusConflict, "conflict", "")
	wantProblem(t, step("commerce", "extend", map[string]any{"days": 2, "reason": "x"}), http.StatusForbidden, "forbidden", "")
	wantProblem(t, step("staff", "extend", map[string]any{"decision": "approve"}), http.StatusForbidden, "forbidden", "")
	wantProblem(t, step("admin", "extend", map[string]any{"decision": "maybe"}), http.StatusUnprocessableEntity, "invalid", "")
	ap = ok("admin", "extend", map[string]any{"decision": "approve", "note": "同意"}, "handling")
	if ap.DueDate != "2026-03-12" || ap.ExtensionPending != 0 {
		t.Fatalf("approved: due %s pending %d", ap.DueDate, ap.ExtensionPending)
	}
	wantProblem(t, step("admin", "extend", map[string]any{"decision": "refuse"}), http.StatusConflict, "conflict", "")

	// 转办: one clock, the new unit signs.
	wantProblem(t, step("staff", "transfer", map[string]any{"unit": "不存在的局", "reason": "x"}), http.StatusUnprocessableEntity, "invalid", "")
	ap = ok("staff", "transfer", map[string]any{"unit": "市商务局", "reason": "涉及外贸"}, "signing")
	if ap.DueDate != "2026-03-12" || *ap.UnitID != w.Commerce.ID {
		t.Fatalf("transfer: %+v", ap)
	}
	wantProblem(t, step("staff", "reply", map[string]any{"result": "解决", "measures": "x"}), http.StatusForbidden, "forbidden", "")
	ok("commerce", "sign", note, "handling")

	// 答复 and 评价; 不满意 reopens to the same unit.
	wantProblem(t, step("commerce", "reply", map[string]any{"result": "办了", "measures": "x"}), http.StatusUnprocessableEntity, "invalid", "")
	wantProblem(t, step("commerce", "reply", map[string]any{"result": "不属于本单位职责", "measures": "x"}), http.StatusUnprocessableEntity, "invalid", "")
	ok("commerce", "reply", map[string]any{"result": "解决", "measures": "已协调办结"}, "evaluating")
	for _, u := range []string{"staff", "leader", "ent2", "specialist"} {
		wantProblem(t, step(u, "evaluate", map[string]any{"rating": "满意"}), http.StatusForbidden, "forbidden", "")
	}
	wantProblem(t, step("ent1", "evaluate", map[string]any{"rating": "不满意"}), http.StatusUnprocessableEntity, "invalid", "")
	ap = ok("ent1", "evaluate", map[string]any{"rating": "不满意", "comment": "证还没拿到"}, "handling")
	if ap.Reopens != 1 || ap.Evaluation != "不满意" {
		t.Fatalf("不满意: %+v", ap)
	}
	ok("commerce", "reply", map[string]any{"result": "solved", "measures": "许可证已发"}, "evaluating")
	wantProblem(t, step("admin", "close", note), http.StatusConflict, "conflict", "")
	ok("ent1", "evaluate", map[string]any{"rating": "satisfied"}, "closing")

	// 销号: the office only; only the office reopens.
	wantProblem(t, step("ent1", "close", note), http.StatusForbidden, "forbidden", "")
	wantProblem(t, step("commerce", "close", note), http.StatusForbidden, "forbidden", "")
	ap = ok("admin", "close", note, "closed")
	if ap.FirstTime == nil || *ap.FirstTime {
		t.Fatalf("reopened: not 一次性化解 (%v)", ap.FirstTime)
	}
	wantProblem(t, step("commerce", "reopen", reason), http.StatusForbidden, "forbidden", "")
	wantProblem(t, step("admin", "close", note), http.StatusConflict, "conflict", "")
	wantProblem(t, step("ent1", "supply", map[string]any{"note": "x"}), http.StatusConflict, "conflict", "")
	ok("admin", "reopen", map[string]any{"reason": "问题反弹"}, "handling")

	full := decodeAppeal(t, w.as(t, "admin", "GET", ref, nil), http.StatusOK)
	kinds := map[string]bool{}
	for _, e := range full.Events {
		kinds[e.Kind] = true
	}
	for _, k := range []string{"received", "dispatched", "signed", "paused", "material_supplied", "extension_requested", "extension_approved",
		"transferred", "replied", "evaluated", "reopened", "closed"} {
		if !kinds[k] {
			t.Errorf("the history lacks %s", k)
		}
	}
}

// TestAppealAPIDispatchAndReturns: the office dispatches by hand; a second
// return escalates; a unit cannot dispatch.
func TestAppealAPIDispatchAndReturns(t *testing.T) {
	w := newAppealWorld(t)
	ap := decodeAppeal(t, w.as(t, "hotline", "POST", "/api/v1/appeals",
		map[string]any{"external_ref": "12345-001", "channel": "hotline", "category": "其他", "content": "匿名反映道路施工扰民。"}), http.StatusCreated)
	if ap.Status != "dispatching" || ap.UnitID != nil {
		t.Fatalf("%+v", ap)
	}
	ref := "/api/v1/appeals/" + fmt.Sprint(ap.ID)
	wantProblem(t, w.as(t, "staff", "POST", ref+"/dispatch", map[string]any{"unit": "市发改委"}), http.StatusForbidden, "forbidden", "")
	wantProblem(t, w.as(t, "admin", "POST", ref+"/dispatch", map[string]any{}), http.StatusUnprocessableEntity, "invalid", "")
	wantProblem(t, w.as(t, "admin", "POST", ref+"/sign", nil), http.StatusForbidden, "forbidden", "")
	decodeAppeal(t, w.as(t, "admin", "POST", ref+"/dispatch", map[string]any{"unit": "市发改委", "co_units": []string{"市商务局"}}), http.StatusOK)
	// The co-handling unit signs once and gives its opinion.
	decodeAppeal(t, w.as(t, "commerce", "POST", ref+"/sign", nil), http.StatusOK)
	decodeAppeal(t, w.as(t, "commerce", "POST", ref+"/co-reply", map[string]any{"note": "配合核实"}), http.StatusOK)
	wantProblem(t, w.as(t, "commerce", "POST", ref+"/return", map[string]any{"reason": "x"}), http.StatusForbidden, "forbidden", "")
	decodeAppeal(t, w.as(t, "staff", "POST", ref+"/return", map[string]any{"reason": "属区里职责"}), http.StatusOK)
	decodeAppeal(t, w.as(t, "admin", "POST", ref+"/dispatch", map[string]any{"unit_id": w.Commerce.ID}), http.StatusOK)
	got := decodeAppeal(t, w.as(t, "commerce", "POST", ref+"/return", map[string]any{"reason": "也不是我们"}), http.StatusOK)
	if got.Returns != 2 || !got.Escalated || got.Status != "dispatching" {
		t.Fatalf("second return: %+v", got)
	}
	// The hotline follows what it filed: by id, by its reference.
	var list struct {
		Items []apiAppeal `json:"items"`
		Total int         `json:"total"`
	}
	res := w.as(t, "hotline", "GET", "/api/v1/appeals?external_ref=12345-001", nil)
	res.JSON(t, &list)
	if res.Status != http.StatusOK || list.Total != 1 || list.Items[0].ID != ap.ID {
		t.Fatalf("by external_ref: %d %s", res.Status, res.Body)
	}
	wantProblem(t, w.as(t, "hotline", "GET", "/api/v1/appeals?light=red", nil), http.StatusUnprocessableEntity, "invalid", "")
	wantProblem(t, w.as(t, "hotline", "GET", "/api/v1/appeals?limit=9999", nil), http.StatusUnprocessableEntity, "invalid", "")
	// Validation answers with the field.
	res = w.as(t, "hotline", "POST", "/api/v1/appeals", map[string]any{"channel": "api", "category": "其他", "content": "x"})
	wantProblem(t, res, http.StatusUnprocessableEntity, "invalid", "uscc")
	wantProblem(t, w.as(t, "hotline", "POST", "/api/v1/appeals", map[string]any{"category": "其他", "content": "x", "received_at": "yesterday"}),
		http.StatusUnprocessableEntity, "invalid", "received_at")
	wantProblem(t, w.as(t, "leader", "POST", "/api/v1/appeals", map[string]any{"category": "其他", "content": "x"}), http.StatusForbidden, "forbidden", "")
}

// TestAppealAttachments: files are checked by type and content, stored,
// and served as downloads only.
func TestAppealAttachments(t *testing.T) {
	w := newAppealWorld(t)
	ap := decodeAppeal(t, w.as(t, "ent1", "POST", "/api/v1/appeals", map[string]any{"category": "审批服务", "content": "x"}), http.StatusCreated)
	upload := func(user, name string, data []byte) response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(data)
		mw.Close()
		req := w.Request(t, "POST", fmt.Sprintf("/api/v1/appeals/%d/attachments", ap.ID), &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return w.Do(t, w.client(t, user), req)
	}
	wantProblem(t, upload("ent1", "page.html", []byte("<script>alert(1)</script>")), http.StatusUnprocessableEntity, "invalid", "")
	wantProblem(t, upload("ent1", "fake.pdf", []byte("<html>")), http.StatusUnprocessableEntity, "invalid", "")
	res := upload("ent1", "营业执照.pdf", []byte("%PDF-1.7 test"))
	if res.Status != http.StatusCreated {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	var files struct {
		Items []struct{ ID int64 } `json:"items"`
	}
	res.JSON(t, &files)
	dl := w.as(t, "staff", "GET", fmt.Sprintf("/api/v1/appeals/%d/attachments/%d", ap.ID, files.Items[0].ID), nil)
	if dl.Status != http.StatusOK || dl.Body != "%PDF-1.7 test" || dl.Header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") || dl.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("download: %d %v", dl.Status, dl.Header)
	}
	wantProblem(t, w.as(t, "ent2", "GET", fmt.Sprintf("/api/v1/appeals/%d/attachments/%d", ap.ID, files.Items[0].ID), nil), http.StatusForbidden, "forbidden", "")
	got := decodeAppeal(t, w.as(t, "ent1", "POST", fmt.Sprintf("/api/v1/appeals/%d/supply", ap.ID),
		map[string]any{"note": "营业执照", "attachments": []int64{files.Items[0].ID}}), http.StatusOK)
	if len(got.Events) == 0 || got.Events[len(got.Events)-1].Kind != "material_supplied" {
		t.Fatalf("%+v", got.Events)
	}
	wantProblem(t, w.as(t, "ent1", "POST", fmt.Sprintf("/api/v1/appeals/%d/supply", ap.ID),
		map[string]any{"attachments": []int64{files.Items[0].ID}}), http.StatusUnprocessableEntity, "invalid", "")
}

// TestOpen311 files and follows an appeal as an Open311 client would.
func TestOpen311(t *testing.T) {
	w := newAppealWorld(t)
	c := w.Client(t)
	res := w.Get(t, c, "/open311/v2/services.json?api_key="+url.QueryEscape(w.Hotline))
	var services []map[string]any
	res.JSON(t, &services)
	if res.Status != http.StatusOK || len(services) == 0 || services[0]["service_code"] == nil {
		t.Fatalf("services: %d %s", res.Status, res.Body)
	}
	res = w.Get(t, c, "/open311/v2/services.json?api_key=qq_wrong")
	var oerr []map[string]any
	res.JSON(t, &oerr)
	if res.Status != http.StatusUnauthorized || len(oerr) != 1 || oerr[0]["code"].(float64) != 401 {
		t.Fatalf("bad key: %d %s", res.Status, res.Body)
	}
	form := url.Values{"api_key": {w.Hotline}, "service_code": {"approval"}, "description": {"路灯不亮影响企业夜间生产"},
		"address_string": {"光谷大道1号"}, "first_name": {"三"}, "last_name": {"张"}, "phone": {"13800000000"},
		"attribute[uscc]": {w.USCC1}, "attribute[external_ref]": {"o311-1"}}
	res = w.PostForm(t, c, "/open311/v2/requests.json", form)
	var filed []map[string]any
	res.JSON(t, &filed)
	if res.Status != http.StatusCreated || len(filed) != 1 || !strings.HasPrefix(fmt.Sprint(filed[0]["service_request_id"]), "QS2026-") {
		t.Fatalf("post: %d %s", res.Status, res.Body)
	}
	id := fmt.Sprint(filed[0]["service_request_id"])
	if res = w.PostForm(t, c, "/open311/v2/requests.json", form); res.Status != http.StatusOK || !strings.Contains(res.Body, id) {
		t.Fatalf("a retry with the same reference: %d %s", res.Status, res.Body)
	}
	res = w.Get(t, c, "/open311/v2/requests/"+id+".json?api_key="+url.QueryEscape(w.Hotline))
	var reqs []appeal.Open311Request
	res.JSON(t, &reqs)
	if res.Status != http.StatusOK || len(reqs) != 1 || reqs[0].Status != "open" || reqs[0].ServiceCode != "approval" ||
		reqs[0].AgencyResponsible != "市发展和改革委员会" || !strings.HasSuffix(reqs[0].Expected, "+08:00") {
		t.Fatalf("get: %d %s", res.Status, res.Body)
	}
	res = w.Get(t, c, "/open311/v2/requests.json?status=open&service_code=approval&api_key="+url.QueryEscape(w.Hotline))
	res.JSON(t, &reqs)
	if res.Status != http.StatusOK || len(reqs) != 1 || reqs[0].ID != id {
		t.Fatalf("list: %d %s", res.Status, res.Body)
	}
	res = w.PostForm(t, c, "/open311/v2/requests.json", url.Values{"api_key": {w.Hotline}, "service_code": {"approval"}})
	if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "description") {
		t.Fatalf("no description: %d %s", res.Status, res.Body)
	}
	// The appeal is the same one the API shows.
	got := decodeAppeal(t, w.as(t, "admin", "GET", "/api/v1/appeals/"+id, nil), http.StatusOK)
	if got.Status != "signing" {
		t.Fatalf("%+v", got)
	}
}

// TestSpecialistFilesFromVisit: the specialist's page of an enterprise
// offers 代提, and the problems a visit recorded become an appeal through
// the channel 走访 with the problems as its content; those who may not
// file for the enterprise are not offered either.
func TestSpecialistFilesFromVisit(t *testing.T) {
	w := newAppealWorld(t)
	c := w.client(t, "specialist")
	problems := "厂区门前道路积水严重 & 影响货车进出"
	res := w.PostForm(t, c, fmt.Sprintf("/workbench/%d/visits", w.E1), url.Values{"date": {"2026-03-02"}, "form": {network.FormOnSite},
		"content": {"走访了解生产经营情况"}, "problems": {problems}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("record visit: %d %s", res.Status, res.Body)
	}
	page := w.Get(t, c, fmt.Sprintf("/workbench/%d", w.E1))
	if page.Status != http.StatusOK || !strings.Contains(page.Body, fmt.Sprintf(`href="/appeals/new?enterprise=%d" data-file-for`, w.E1)) {
		t.Fatalf("the page offers no 代提: %d %s", page.Status, page.Body)
	}
	m := regexp.MustCompile(`href="([^"]+)" data-visit-appeal`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("the visit offers no appeal: %s", page.Body)
	}
	link := html.UnescapeString(m[1])
	u, err := url.Parse(link)
	if err != nil || u.Path != "/appeals/new" || u.Query().Get("content") != problems || u.Query().Get("channel") != "visit" ||
		u.Query().Get("enterprise") != fmt.Sprint(w.E1) {
		t.Fatalf("link %q: %v", link, err)
	}
	form := w.Get(t, c, link)
	if form.Status != http.StatusOK || !strings.Contains(form.Body, html.EscapeString(problems)) ||
		!regexp.MustCompile(`<option value="visit"[^>]* selected`).MatchString(form.Body) {
		t.Fatalf("the filing form is not filled in from the visit: %d %s", form.Status, form.Body)
	}
	res = w.PostForm(t, c, "/appeals", url.Values{"enterprise_id": {fmt.Sprint(w.E1)}, "channel": {"visit"}, "category": {"审批服务"},
		"content": {problems}})
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/appeals/") {
		t.Fatalf("file: %d %s", res.Status, res.Body)
	}
	var list struct {
		Items []struct {
			Channel      string `json:"channel"`
			EnterpriseID int64  `json:"enterprise_id"`
			Content      string `json:"content"`
		} `json:"items"`
	}
	w.as(t, "admin", "GET", "/api/v1/appeals?channel=visit", nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].EnterpriseID != w.E1 || list.Items[0].Content != problems {
		t.Fatalf("filed from the visit: %+v", list.Items)
	}
	// The office is offered 代提 too; the specialist not for an
	// enterprise someone else looks after.
	if page := w.Get(t, w.client(t, "admin"), fmt.Sprintf("/workbench/%d", w.E1)); !strings.Contains(page.Body, "data-file-for") {
		t.Errorf("the office is not offered 代提: %d", page.Status)
	}
	if page := w.Get(t, c, fmt.Sprintf("/workbench/%d", w.E2)); strings.Contains(page.Body, "data-file-for") {
		t.Errorf("the specialist is offered 代提 for an enterprise not theirs: %d", page.Status)
	}
}

// TestAppealExportCatalogueAndFile: the console's xlsx export (the list's
// filters, text that looks like a formula escaped, the office only), the
// catalogue editor (a new category routes the next intake to its unit; a
// bad code is refused in Chinese on the page, a unit may not edit) and the
// 一企一档 section (the enterprise's appeals to those who may read them).
func TestAppealExportCatalogueAndFile(t *testing.T) {
	w := newAppealWorld(t)
	filed := decodeAppeal(t, w.as(t, "ent1", "POST", "/api/v1/appeals", map[string]any{"category": "审批服务",
		"title": `=HYPERLINK("http://example.com")`, "content": "施工许可超期未办。"}), http.StatusCreated)
	decodeAppeal(t, w.as(t, "hotline", "POST", "/api/v1/appeals", map[string]any{"channel": "hotline", "category": "其他",
		"content": "匿名反映道路施工扰民。"}), http.StatusCreated)
	admin := w.client(t, "admin")

	res := w.Get(t, admin, "/appeals/export.xlsx?channel=portal")
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/vnd.openxmlformats") {
		t.Fatalf("export: %d %q", res.Status, res.Header)
	}
	x, err := excelize.OpenReader(strings.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil || len(rows) != 2 || rows[1][0] != filed.Number {
		t.Fatalf("the export of the portal's appeals: %v %v", rows, err)
	}
	if !slices.Contains(rows[1], `'=HYPERLINK("http://example.com")`) {
		t.Errorf("the formula-looking title is not escaped: %q", rows[1])
	}
	if res := w.Get(t, w.client(t, "staff"), "/appeals/export.xlsx"); res.Status != http.StatusForbidden {
		t.Errorf("a unit exports the console's list: %d", res.Status)
	}

	form := url.Values{"code": {"permits"}, "category": {"证照办理"}, "group": {"政务服务"}, "unit_id": {fmt.Sprint(w.Commerce.ID)},
		"note": {"新增类别"}}
	if res := w.PostForm(t, w.client(t, "staff"), "/appeals/catalogue", form); res.Status != http.StatusForbidden {
		t.Errorf("a unit edits the catalogue: %d", res.Status)
	}
	bad := url.Values{"code": {"证照"}, "category": {"证照办理"}}
	if res := w.PostForm(t, admin, "/appeals/catalogue", bad); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "类别代码应为") {
		t.Fatalf("a bad code: %d %s", res.Status, res.Body)
	}
	if res := w.PostForm(t, admin, "/appeals/catalogue", form); res.Status != http.StatusSeeOther {
		t.Fatalf("save entry: %d %s", res.Status, res.Body)
	}
	if page := w.Get(t, admin, "/appeals/catalogue"); !strings.Contains(page.Body, "证照办理") || !strings.Contains(page.Body, "新增类别") {
		t.Errorf("the editor does not show the new entry and its version's note: %s", page.Body)
	}
	routed := decodeAppeal(t, w.as(t, "ent1", "POST", "/api/v1/appeals", map[string]any{"category": "证照办理", "content": "营业执照变更迟迟未办。"}),
		http.StatusCreated)
	if routed.UnitID == nil || *routed.UnitID != w.Commerce.ID || routed.Status != "signing" {
		t.Fatalf("the new category did not dispatch to its unit: %+v", routed)
	}

	file := fmt.Sprintf("/enterprises/%d", w.E1)
	for _, u := range []string{"admin", "specialist", "ent1"} {
		if page := w.Get(t, w.client(t, u), file); page.Status != http.StatusOK || !strings.Contains(page.Body, filed.Number) ||
			!strings.Contains(page.Body, routed.Number) {
			t.Errorf("%s: the 一企一档 lacks the enterprise's appeals: %d", u, page.Status)
		}
	}
	if page := w.Get(t, w.client(t, "commerce"), fmt.Sprintf("/enterprises/%d", w.E1)); strings.Contains(page.Body, filed.Number) {
		t.Errorf("a unit the appeal is not with sees it in the 一企一档")
	}
}

// TestAppealAPISimilar: the acknowledgement carries the enterprise's
// similar open appeals for a person's session, for an API token only when
// asked with ?similar=1; ?similar=0 leaves them out, a bad value is refused.
func TestAppealAPISimilar(t *testing.T) {
	w := newAppealWorld(t)
	type ack struct {
		ID      int64 `json:"id"`
		Similar []struct {
			ID int64 `json:"id"`
		} `json:"similar"`
	}
	file := func(user, query, ref string, status int) ack {
		t.Helper()
		res := w.as(t, user, "POST", "/api/v1/appeals"+query, map[string]any{"external_ref": ref, "uscc": w.USCC1,
			"category": "审批服务", "title": "施工许可审批超时", "content": "施工许可审批超时，请协调。"})
		if res.Status != status {
			t.Fatalf("%s %s: status %d, want %d: %s", user, query, res.Status, status, res.Body)
		}
		var a ack
		if status < 300 {
			res.JSON(t, &a)
		}
		return a
	}
	first := file("ent1", "", "S-1", http.StatusCreated)
	if got := file("ent1", "", "S-2", http.StatusCreated); len(got.Similar) != 1 || got.Similar[0].ID != first.ID {
		t.Fatalf("a person's session: similar %+v, want appeal %d", got.Similar, first.ID)
	}
	if got := file("ent1", "?similar=0", "S-3", http.StatusCreated); got.Similar != nil {
		t.Fatalf("?similar=0: %+v", got.Similar)
	}
	if got := file("hotline", "", "H-1", http.StatusCreated); got.Similar != nil {
		t.Fatalf("a token not asking: %+v", got.Similar)
	}
	if got := file("hotline", "?similar=1", "H-2", http.StatusCreated); len(got.Similar) == 0 {
		t.Fatal("a token asking with ?similar=1 got no suggestions")
	}
	res := w.as(t, "hotline", "POST", "/api/v1/appeals?similar=maybe", map[string]any{"external_ref": "H-3", "uscc": w.USCC1,
		"category": "审批服务", "content": "施工许可审批超时。"})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), "similar") {
		t.Fatalf("?similar=maybe: %d %s", res.Status, res.Body)
	}
}
