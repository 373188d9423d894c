package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/plan"
)

// planDoc is a plan in the parser's JSON shape: two tasks, one for the
// staff account's unit (市发改委), one for an unknown unit.
const planDoc = `{"title": "关于印发示例工作方案的通知", "plan_title": "示例工作方案", "doc_number": "武政办〔2026〕1号",
 "issuer": "武汉市人民政府办公厅", "date": "2026-02-20", "year": 2026,
 "items": [
  {"path": [1], "heading": "工作目标", "text": "", "lead_units": [], "units": [], "coop_units": [], "deadlines": [], "indicators": []},
  {"path": [1, 1], "heading": "市场主体壮大", "text": "新增民营企业1万家。", "lead_units": [], "units": [], "coop_units": [], "deadlines": [],
   "indicators": [{"text": "新增民营企业1万家", "name": "新增民营企业", "op": ">=", "value": 10000, "unit": "家"}]},
  {"path": [2], "heading": "工作任务", "text": "", "lead_units": [], "units": [], "coop_units": [], "deadlines": [], "indicators": []},
  {"path": [2, 1], "heading": "打造公平竞争市场环境", "text": "6月底前出台办法。", "lead_units": ["市发改委"], "units": [], "coop_units": [],
   "deadlines": [{"text": "6月底前", "date": "2026-06-30", "kind": "date"}],
   "indicators": [{"text": "清理规定100件", "name": "清理妨碍公平竞争的规定", "op": ">=", "value": 100, "unit": "件"}]},
  {"path": [2, 2], "heading": "强化信用修复", "text": "全年推进。", "lead_units": [], "units": ["市数据局"], "coop_units": [],
   "deadlines": [{"text": "全年", "date": "2026-12-31", "kind": "year"}], "indicators": []}
 ], "warnings": []}`

// upload posts file (name, body) and fields as multipart to path.
func (ts *testServer) upload(t *testing.T, c *http.Client, path, name string, body []byte, fields map[string]string) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	req := ts.Request(t, http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return ts.Do(t, c, req)
}

// TestPlanPages walks plan supervision through HTTP as its users do: the
// office imports, maps the unknown unit and publishes; the unit signs and
// files a report that moves an indicator; the leader's overview, the
// ranking, the briefing and the downloads show it.
func TestPlanPages(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	admin, staff, leader := ts.LoginAs(t, "admin"), ts.LoginAs(t, "staff"), ts.LoginAs(t, "leader")
	specialist := ts.LoginAs(t, "specialist")
	ts.Clock.Advance(0) // Monday 2 March 2026

	var id int64
	t.Run("OKImport", func(t *testing.T) {
		if res := ts.Get(t, leader, "/plans/import"); res.Status != http.StatusForbidden {
			t.Errorf("leader on the import page: %d", res.Status)
		}
		res := ts.upload(t, admin, "/plans/import", "plan.json", []byte(planDoc), nil)
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "已导入《示例工作方案》为草稿") || !strings.Contains(res.Body, `data-unknown="市数据局"`) {
			t.Fatalf("import: %d\n%s", res.Status, res.Body)
		}
		plans, _, err := ts.App.Plans.FindPlans(ctx, auth.Operator("t"), plan.PlanFilter{})
		if err != nil || len(plans) != 1 {
			t.Fatalf("plans %v %v", plans, err)
		}
		id = plans[0].ID
		// A refused file shows its problems and creates nothing.
		bad := strings.Replace(planDoc, `"path": [2, 2]`, `"path": [2, 1]`, 1)
		res = ts.upload(t, admin, "/plans/import", "bad.json", []byte(bad), nil)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "重复") {
			t.Errorf("refused import: %d", res.Status)
		}
	})
	t.Run("OKDraftEditor", func(t *testing.T) {
		res := ts.Get(t, admin, fmt.Sprintf("/plans/%d/edit", id))
		if res.Status != http.StatusOK || !strings.Contains(res.Body, `data-name="市数据局"`) || strings.Contains(res.Body, `id="publish"`) {
			t.Fatalf("editor: %d", res.Status)
		}
		// Publishing is refused while a name is unknown.
		res = ts.PostForm(t, admin, fmt.Sprintf("/plans/%d/publish", id), nil)
		if res.Status != http.StatusConflict || !strings.Contains(res.Body, "未匹配") {
			t.Errorf("publish with unknown units: %d", res.Status)
		}
		res = ts.PostForm(t, admin, fmt.Sprintf("/plans/%d/map", id), url.Values{"name": {"市数据局"}, "how": {"create"}, "kind": {org.KindDepartment}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("map: %d %s", res.Status, res.Body)
		}
		res = ts.PostForm(t, admin, fmt.Sprintf("/plans/%d/publish", id), nil)
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != fmt.Sprintf("/plans/%d?ok=published", id) {
			t.Fatalf("publish: %d %s", res.Status, res.Body)
		}
	})
	var taskID, indID int64
	t.Run("OKUnitSignsAndReports", func(t *testing.T) {
		res := ts.Get(t, staff, "/plans/workbench")
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "打造公平竞争市场环境") || strings.Contains(res.Body, "强化信用修复") {
			t.Fatalf("workbench: %d\n%s", res.Status, res.Body)
		}
		tasks, _, _ := ts.App.Plans.FindTasks(ctx, auth.Operator("t"), plan.TaskFilter{PlanID: id, Query: "打造"})
		taskID = tasks[0].ID
		res = ts.PostForm(t, staff, fmt.Sprintf("/plans/%d/tasks/%d/sign", id, taskID), nil)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("sign: %d %s", res.Status, res.Body)
		}
		res = ts.Get(t, staff, fmt.Sprintf("/plans/%d/report", id))
		if res.Status != http.StatusOK || !strings.Contains(res.Body, `data-indicator="清理妨碍公平竞争的规定"`) {
			t.Fatalf("report form: %d\n%s", res.Status, res.Body)
		}
		t2, _, _ := ts.App.Plans.FindTaskByID(ctx, auth.Operator("t"), taskID)
		indID = t2.Indicators[0].ID
		form := url.Values{"period": {"2026-03"}, "task_id": {fmt.Sprint(taskID)}, "text": {"已起草办法\n征求意见中"}, "progress": {"40"},
			"milestone": {""}, "problems": {""}, "next_steps": {"4月底前报审"}, "ind_id": {fmt.Sprint(indID)}, "ind_value": {"35"},
			"ind_as_of": {"2026-03-02"}, "ind_evidence": {"清理台账"}, "summary": {"推进顺利"}}
		res = ts.PostForm(t, staff, fmt.Sprintf("/plans/%d/report", id), form)
		if res.Status != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "/reports/") {
			t.Fatalf("file report: %d %s", res.Status, res.Body)
		}
		rep := ts.Get(t, staff, res.Header.Get("Location"))
		if rep.Status != http.StatusOK || !strings.Contains(rep.Body, "已起草办法") {
			t.Errorf("report page: %d", rep.Status)
		}
		// A bad percentage comes back as the form with the reason.
		form.Set("progress", "abc")
		if res := ts.PostForm(t, staff, fmt.Sprintf("/plans/%d/report", id), form); res.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(res.Body, "完成进度") {
			t.Errorf("bad progress: %d", res.Status)
		}
	})
	t.Run("OKLeaderSeesIt", func(t *testing.T) {
		res := ts.Get(t, leader, fmt.Sprintf("/plans/%d", id))
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "实际 35件") || !strings.Contains(res.Body, `id="goal-chart"`) {
			t.Fatalf("overview: %d\n%s", res.Status, res.Body)
		}
		task := ts.Get(t, leader, fmt.Sprintf("/plans/%d/tasks/%d", id, taskID))
		if task.Status != http.StatusOK || !strings.Contains(task.Body, "已起草办法") || !strings.Contains(task.Body, "签收") {
			t.Errorf("task page: %d", task.Status)
		}
		for _, path := range []string{"/plans", "/plans/ranking", fmt.Sprintf("/plans/%d/briefing", id), fmt.Sprintf("/plans/%d/reports", id),
			fmt.Sprintf("/plans/%d/indicators/%d", id, indID), "/"} {
			if res := ts.Get(t, leader, path); res.Status != http.StatusOK {
				t.Errorf("%s: %d\n%s", path, res.Status, res.Body)
			}
		}
		home := ts.Get(t, leader, "/")
		if !strings.Contains(home.Body, `data-panel="plans"`) && !strings.Contains(home.Body, "督查督办") {
			t.Errorf("home has no plan panel")
		}
	})
	t.Run("OKDownloads", func(t *testing.T) {
		res := ts.Get(t, leader, fmt.Sprintf("/plans/%d/export.xlsx", id))
		if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") || !strings.HasPrefix(res.Body, "PK") {
			t.Errorf("xlsx: %d %q", res.Status, res.Header)
		}
		res = ts.Get(t, leader, fmt.Sprintf("/plans/%d/briefing.docx", id))
		if res.Status != http.StatusOK {
			t.Fatalf("docx: %d %s", res.Status, res.Body)
		}
		z, err := zip.NewReader(strings.NewReader(res.Body), int64(len(res.Body)))
		if err != nil {
			t.Fatal(err)
		}
		text := docText(t, z)
		for _, want := range []string{"示例工作方案工作简报", "一、总体情况", "市发展和改革委员会", "已起草办法"} {
			if !strings.Contains(text, want) {
				t.Errorf("briefing.docx lacks %q:\n%s", want, text)
			}
		}
		if res := ts.Get(t, leader, "/plans/ranking.xlsx"); res.Status != http.StatusOK || !strings.HasPrefix(res.Body, "PK") {
			t.Errorf("ranking xlsx: %d", res.Status)
		}
	})
	t.Run("ErrAccess", func(t *testing.T) {
		if res := ts.Get(t, specialist, "/plans"); res.Status != http.StatusForbidden {
			t.Errorf("specialist on /plans: %d", res.Status)
		}
		if res := ts.PostForm(t, leader, fmt.Sprintf("/plans/%d/tasks/%d/sign", id, taskID), nil); res.Status != http.StatusForbidden {
			t.Errorf("leader signs: %d", res.Status)
		}
		if res := ts.PostForm(t, staff, fmt.Sprintf("/plans/%d/publish", id), nil); res.Status != http.StatusForbidden {
			t.Errorf("unit publishes: %d", res.Status)
		}
		other, _, _ := ts.App.Plans.FindTasks(ctx, auth.Operator("t"), plan.TaskFilter{PlanID: id, Query: "信用"})
		if res := ts.PostForm(t, staff, fmt.Sprintf("/plans/%d/tasks/%d/sign", id, other[0].ID), nil); res.Status != http.StatusForbidden {
			t.Errorf("unit signs another unit's task: %d", res.Status)
		}
		if res := ts.Get(t, staff, fmt.Sprintf("/plans/%d/tasks/%d", id+1, taskID)); res.Status != http.StatusNotFound {
			t.Errorf("task under the wrong plan: %d", res.Status)
		}
	})
}

// docText returns the text of a .docx's word/document.xml.
func docText(t *testing.T, z *zip.Reader) string {
	t.Helper()
	for _, f := range z.File {
		if f.Name != "word/document.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		var out strings.Builder
		s := string(b)
		for {
			i := strings.Index(s, "<w:t")
			if i < 0 {
				break
			}
			s = s[i:]
			j := strings.Index(s, ">")
			k := strings.Index(s, "</w:t>")
			if j < 0 || k < 0 {
				break
			}
			out.WriteString(s[j+1 : k])
			out.WriteString(" ")
			s = s[k:]
		}
		return out.String()
	}
	t.Fatal("no word/document.xml")
	return ""
}

// TestPlanAPI drives the JSON API: import, map, publish, tasks, a report
// that moves an indicator, rates, ranking and the export.
func TestPlanAPI(t *testing.T) {
	ts := newTestServer(t)
	c := ts.Client(t)
	adminTok, _ := ts.Token(t, auth.TokenInput{Name: "office", Role: auth.RoleAdmin, AllScopes: true})
	staffTok, _ := ts.Token(t, auth.TokenInput{Name: "fgw", Role: auth.RoleUnitStaff, UnitID: &ts.Unit.ID, AllScopes: true})
	res := ts.SendJSON(t, c, http.MethodPost, "/api/v1/plans/import?dry_run=true", adminTok, planDoc)
	var imp plan.ImportResult
	res.JSON(t, &imp)
	if res.Status != http.StatusOK || imp.ID != 0 || imp.Tasks != 3 || len(imp.Unknown) != 1 || imp.Unknown[0].Name != "市数据局" {
		t.Fatalf("dry run: %d %s", res.Status, res.Body)
	}
	res = ts.SendJSON(t, c, http.MethodPost, "/api/v1/plans/import", adminTok, planDoc)
	res.JSON(t, &imp)
	if res.Status != http.StatusCreated || imp.ID == 0 {
		t.Fatalf("import: %d %s", res.Status, res.Body)
	}
	id := imp.ID
	if res := ts.SendJSON(t, c, http.MethodPost, fmt.Sprintf("/api/v1/plans/%d/publish", id), adminTok, nil); res.Status != http.StatusConflict {
		t.Errorf("publish with an unknown unit: %d %s", res.Status, res.Body)
	}
	if res := ts.SendJSON(t, c, http.MethodPost, fmt.Sprintf("/api/v1/plans/%d/unit-mappings", id), adminTok,
		map[string]any{"name": "市数据局", "ignore": true}); res.Status != http.StatusOK {
		t.Fatalf("map: %d %s", res.Status, res.Body)
	}
	res = ts.SendJSON(t, c, http.MethodPost, fmt.Sprintf("/api/v1/plans/%d/publish", id), adminTok, nil)
	var p struct {
		Status    string             `json:"status"`
		Permitted plan.PlanPermitted `json:"permitted"`
	}
	res.JSON(t, &p)
	if res.Status != http.StatusOK || p.Status != "已发布" || !p.Permitted.End || p.Permitted.Publish {
		t.Fatalf("publish: %d %s", res.Status, res.Body)
	}
	res = ts.SendJSON(t, c, http.MethodGet, "/api/v1/plan-tasks?mine=true", staffTok, nil)
	var tasks struct {
		Items []struct {
			ID         int64  `json:"id"`
			Numbering  string `json:"numbering"`
			Light      string `json:"light"`
			Indicators []struct {
				ID int64 `json:"id"`
			} `json:"indicators"`
		} `json:"items"`
		Total int `json:"total"`
	}
	res.JSON(t, &tasks)
	if res.Status != http.StatusOK || tasks.Total != 1 || tasks.Items[0].Light != "正常" {
		t.Fatalf("my tasks: %d %s", res.Status, res.Body)
	}
	taskID := tasks.Items[0].ID
	var task struct {
		Indicators []struct {
			ID int64 `json:"id"`
		} `json:"indicators"`
		Permitted plan.TaskPermitted `json:"permitted"`
	}
	res = ts.SendJSON(t, c, http.MethodGet, fmt.Sprintf("/api/v1/plan-tasks/%d", taskID), staffTok, nil)
	res.JSON(t, &task)
	if !task.Permitted.Sign || task.Permitted.Confirm || len(task.Indicators) != 1 {
		t.Errorf("task permitted %+v", task.Permitted)
	}
	if res := ts.SendJSON(t, c, http.MethodPost, fmt.Sprintf("/api/v1/plan-tasks/%d/sign", taskID), staffTok, nil); res.Status != http.StatusNoContent {
		t.Errorf("sign: %d %s", res.Status, res.Body)
	}
	res = ts.SendJSON(t, c, http.MethodPost, fmt.Sprintf("/api/v1/plans/%d/reports", id), staffTok, map[string]any{
		"items":  []map[string]any{{"task_id": taskID, "progress": 50, "text": "进展顺利\n第二行", "done": false}},
		"values": []map[string]any{{"indicator_id": task.Indicators[0].ID, "value": 60, "evidence": "台账"}}})
	var rep plan.Report
	res.JSON(t, &rep)
	if res.Status != http.StatusOK || rep.Status != "已报送" || rep.OnTime == nil || !*rep.OnTime {
		t.Fatalf("report: %d %s", res.Status, res.Body)
	}
	res = ts.SendJSON(t, c, http.MethodGet, fmt.Sprintf("/api/v1/plans/%d/indicators", id), adminTok, nil)
	if !strings.Contains(res.Body, `"actual":60`) {
		t.Errorf("indicators: %s", res.Body)
	}
	res = ts.SendJSON(t, c, http.MethodGet, "/api/v1/plan-rates?plan="+fmt.Sprint(id), adminTok, nil)
	if res.Status != http.StatusOK {
		t.Errorf("rates: %d %s", res.Status, res.Body)
	}
	res = ts.SendJSON(t, c, http.MethodGet, "/api/v1/plan-ranking", adminTok, nil)
	var rk plan.Ranking
	res.JSON(t, &rk)
	if res.Status != http.StatusOK || rk.Month != "2026-03" {
		t.Errorf("ranking: %d %s", res.Status, res.Body)
	}
	res = ts.SendJSON(t, c, http.MethodGet, fmt.Sprintf("/api/v1/plans/%d/export", id), adminTok, nil)
	var doc plan.Document
	if err := json.Unmarshal([]byte(res.Body), &doc); err != nil || res.Status != http.StatusOK || len(doc.Items) != 5 {
		t.Errorf("export: %d %v %s", res.Status, err, res.Body)
	}
	// Errors: problem+json with the field.
	res = ts.SendJSON(t, c, http.MethodPost, fmt.Sprintf("/api/v1/plans/%d/reports", id), staffTok, map[string]any{
		"items": []map[string]any{{"task_id": taskID, "progress": 500}}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"items[0].progress"`) {
		t.Errorf("bad report: %d %s", res.Status, res.Body)
	}
	if res := ts.SendJSON(t, c, http.MethodPost, "/api/v1/plans/import", staffTok, planDoc); res.Status != http.StatusForbidden {
		t.Errorf("a unit imports: %d", res.Status)
	}
}
