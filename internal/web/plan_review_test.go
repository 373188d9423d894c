package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/plan"
)

// reviewPlanDoc is a work plan as an office receives it: tasks naming a
// unit known by its alias (市发改委) and one the organisation lacks.
const reviewPlanDoc = `市人民政府办公厅关于印发优化营商环境工作方案的通知
武政办〔2026〕12号
一、工作目标
全市新增经营主体10万户以上。
二、重点任务
1.推进企业开办便利化。6月底前实现全程网办。（责任单位：市发改委、市数据局）
2.深化工程建设项目审批改革。审批时间压缩至40个工作日以内。（牵头单位：市发改委）
3.加大金融支持。新增普惠小微贷款100亿元。（责任单位：市发改委）
武汉市人民政府办公厅
2026年3月1日
`

// reviewRevisedDoc revises reviewPlanDoc: a task inserted as 1 (the others
// renumbered), task 1 with a new deadline, task 3 removed.
const reviewRevisedDoc = `市人民政府办公厅关于印发优化营商环境工作方案的通知
武政办〔2026〕12号
一、工作目标
全市新增经营主体10万户以上。
二、重点任务
1.推行政务服务“一网通办”。（责任单位：市发改委）
2.推进企业开办便利化。9月底前实现全程网办。（责任单位：市发改委、市数据局）
3.深化工程建设项目审批改革。审批时间压缩至40个工作日以内。（牵头单位：市发改委）
武汉市人民政府办公厅
2026年4月1日
`

// orderedMultipart writes fields in order (a field may repeat, as a form
// of items sends them) and a file.
func orderedMultipart(t *testing.T, fields [][2]string, filename, content string) (*bytes.Buffer, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if filename != "" {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(content))
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &body, mw.FormDataContentType()
}

func postOrdered(t *testing.T, ts *testServer, c *http.Client, path string, fields [][2]string, filename, content string) response {
	t.Helper()
	body, ct := orderedMultipart(t, fields, filename, content)
	req := ts.Request(t, http.MethodPost, path, body)
	req.Header.Set("Content-Type", ct)
	return ts.Do(t, c, req)
}

// reviewForm is the review form of reviewPlanDoc as the office sends it
// back: item 2.2's heading corrected, item 2.3 deleted.
func reviewForm(heading22, indicator23 string) [][2]string {
	f := [][2]string{{"title", "市人民政府办公厅关于印发优化营商环境工作方案的通知"}, {"plan_title", ""}, {"doc_number", "武政办〔2026〕12号"},
		{"issuer", "武汉市人民政府办公厅"}, {"date", "2026-03-01"}, {"year", "2026"}, {"source", "方案.txt"}, {"warnings", ""},
		{"source_text", "一、工作目标\n二、重点任务"}}
	items := []struct{ path, marker, heading, text, lead, units, deadlines, indicators, keep string }{
		{"1", "一、", "工作目标", "全市新增经营主体10万户以上。", "", "", "", "全市新增经营主体 | >= | 100000 | 户", "1"},
		{"2", "二、", "重点任务", "", "", "", "", "", "1"},
		{"2.1", "1.", "推进企业开办便利化", "6月底前实现全程网办。", "", "市发改委、市数据局", "6月底前 | 2026-06-30 | date", "", "1"},
		{"2.2", "2.", heading22, "审批时间压缩至40个工作日以内。", "市发改委", "", "", "审批时间 | <= | 40 | 个工作日", "1"},
		{"2.3", "3.", "加大金融支持", "新增普惠小微贷款100亿元。", "", "市发改委", "", indicator23, "0"},
	}
	for _, it := range items {
		f = append(f, [2]string{"path", it.path}, [2]string{"marker", it.marker}, [2]string{"keep", it.keep}, [2]string{"heading", it.heading},
			[2]string{"text", it.text}, [2]string{"lead", it.lead}, [2]string{"units", it.units}, [2]string{"coop", ""},
			[2]string{"deadlines", it.deadlines}, [2]string{"indicators", it.indicators})
	}
	return f
}

func TestPlanReviewPages(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.LoginAs(t, "admin")
	staff := ts.LoginAs(t, "staff")
	t.Run("OKUploadPage", func(t *testing.T) {
		res := ts.Get(t, admin, "/plans/review")
		if res.Status != 200 || !strings.Contains(res.Body, `action="/plans/review"`) || !strings.Contains(res.Body, "识别为新的工作方案") {
			t.Fatalf("%d %.500s", res.Status, res.Body)
		}
	})
	t.Run("ErrStaff", func(t *testing.T) {
		if res := ts.Get(t, staff, "/plans/review"); res.Status != http.StatusForbidden {
			t.Errorf("unit staff: %d", res.Status)
		}
		if res := postOrdered(t, ts, staff, "/plans/review", nil, "方案.txt", reviewPlanDoc); res.Status != http.StatusForbidden {
			t.Errorf("unit staff upload: %d", res.Status)
		}
	})
	t.Run("OKReview", func(t *testing.T) {
		res := postOrdered(t, ts, admin, "/plans/review", [][2]string{{"plan", ""}}, "方案.txt", reviewPlanDoc)
		if res.Status != 200 {
			t.Fatalf("%d %.800s", res.Status, res.Body)
		}
		for _, want := range []string{
			`<li id="L6">1.推进企业开办便利化。6月底前实现全程网办。（责任单位：市发改委、市数据局）</li>`, // the source beside
			`href="#L6"`,                               // each item links its source line
			`value="推进企业开办便利化"`,                        // editable fields
			`市发改委 → 市发展和改革委员会`,                         // resolved through its alias
			`<li class="chip unknown">市数据局 · 未匹配</li>`, // flagged
			`id="unknown-count">1<`,
			`6月底前 | 2026-06-30 | date`,
			`全市新增经营主体 | &gt;= | 100000 | 户`,
		} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("page lacks %s", want)
			}
		}
		// nothing was created
		if _, n, _ := ts.App.Plans.FindPlans(context.Background(), auth.Operator("test"), plan.PlanFilter{}); n != 0 {
			t.Errorf("%d plans after a review", n)
		}
	})
	t.Run("ErrUnreadable", func(t *testing.T) {
		res := postOrdered(t, ts, admin, "/plans/review", nil, "方案.doc", "\xD0\xCF\x11\xE0rest")
		if res.Status != 422 || !strings.Contains(res.Body, "另存为 .docx") || !strings.Contains(res.Body, `action="/plans/review"`) {
			t.Fatalf("%d %.500s", res.Status, res.Body)
		}
	})
	t.Run("ErrRefusedImportShowsProblems", func(t *testing.T) {
		res := postOrdered(t, ts, admin, "/plans/review/import", reviewForm("深化工程建设项目审批改革", "贷款 | 约 | 100 | 亿元"), "", "")
		// item 2.3 is deleted, so its bad target does not count: accepted
		if res.Status != 200 {
			t.Fatalf("a deleted item's problem counted: %d %.600s", res.Status, res.Body)
		}
		form := reviewForm("深化工程建设项目审批改革", "")
		for i := range form {
			if form[i][0] == "indicators" && strings.HasPrefix(form[i][1], "审批时间") {
				form[i][1] = "审批时间 | 大约 | 40 | 个工作日"
			}
		}
		res = postOrdered(t, ts, admin, "/plans/review/import", form, "", "")
		if res.Status != 422 || !strings.Contains(res.Body, `class="problem"`) || !strings.Contains(res.Body, "导入未完成") {
			t.Fatalf("%d %.800s", res.Status, res.Body)
		}
	})
	t.Run("OKImportDraft", func(t *testing.T) {
		res := postOrdered(t, ts, admin, "/plans/review/import", reviewForm("深化审批制度改革", ""), "", "")
		if res.Status != 200 || !strings.Contains(res.Body, "工作方案草稿已生成") || !strings.Contains(res.Body, `<li class="chip unknown">市数据局</li>`) {
			t.Fatalf("%d %.800s", res.Status, res.Body)
		}
		m := regexp.MustCompile(`href="/plans/(\d+)/edit"`).FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatal("no link to the draft")
		}
		var id int64
		fmt.Sscan(m[1], &id)
		sh, err := ts.App.Plans.FindSheet(context.Background(), auth.Operator("test"), id)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, r := range sh.Rows {
			titles = append(titles, r.Title)
		}
		if sh.Plan.Status != plan.StatusDraft || !strings.Contains(strings.Join(titles, "|"), "深化审批制度改革") || strings.Contains(strings.Join(titles, "|"), "金融支持") {
			t.Errorf("draft %v %v", sh.Plan.Status, titles)
		}
	})
}

func TestPlanRevisionPages(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.LoginAs(t, "admin")
	op := auth.Operator("test")
	ctx := audit.WithActor(context.Background(), audit.Who{Name: "test"})
	rv, err := ts.App.Plans.ReviewDocument(ctx, op, "方案.txt", []byte(reviewPlanDoc))
	if err != nil {
		t.Fatal(err)
	}
	res, err := ts.App.Plans.Import(ctx, op, rv.Document, plan.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.App.Plans.MapUnits(ctx, op, res.ID, plan.MapInput{Name: "市数据局", Ignore: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.App.Plans.Publish(ctx, op, res.ID); err != nil {
		t.Fatal(err)
	}
	var revised, addKey, changeKey, removeKey string
	t.Run("OKRevisionPage", func(t *testing.T) {
		page := postOrdered(t, ts, admin, "/plans/review", [][2]string{{"plan", fmt.Sprint(res.ID)}}, "修订稿.txt", reviewRevisedDoc)
		if page.Status != 200 {
			t.Fatalf("%d %.800s", page.Status, page.Body)
		}
		for _, want := range []string{"修订稿对比", `<span class="kind">新增</span> <b>1. 推行政务服务“一网通办”</b>`, "原 2.1 → 新 2.2",
			`<span class="kind">删除</span> <b>3. 加大金融支持</b>`, "已发布方案的任务不能删除", "＋完成时限：9月底前", "已有任务的编号不变"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("page lacks %s", want)
			}
		}
		boxes := regexp.MustCompile(`<input type="checkbox" name="accept" value="([^"]+)"( checked| disabled)>`).FindAllStringSubmatch(page.Body, -1)
		for _, b := range boxes {
			switch {
			case strings.HasPrefix(b[1], "added:"):
				addKey = b[1]
			case strings.HasPrefix(b[1], "changed::") || strings.HasPrefix(b[1], "changed:2.1:"):
				changeKey = b[1]
			case strings.HasPrefix(b[1], "removed:"):
				removeKey = b[1]
				if b[2] != " disabled" {
					t.Errorf("a published task's removal is offered")
				}
			}
		}
		if addKey == "" || changeKey == "" || removeKey == "" {
			t.Fatalf("boxes %v", boxes)
		}
		m := regexp.MustCompile(`name="revised" value="([^"]+)"`).FindStringSubmatch(page.Body)
		if m == nil {
			t.Fatal("no revised document in the form")
		}
		revised = htmlUnescape(m[1])
	})
	t.Run("OKApplyOnlyAccepted", func(t *testing.T) {
		// the office accepts the new task only
		page := postOrdered(t, ts, admin, fmt.Sprintf("/plans/%d/revision", res.ID), [][2]string{{"revised", revised}, {"source", "修订稿.txt"}, {"accept", addKey}}, "", "")
		if page.Status != 200 || !strings.Contains(page.Body, "已应用：新增 1 项，修改 0 项") {
			t.Fatalf("%d %.800s", page.Status, page.Body)
		}
		sh, err := ts.App.Plans.FindSheet(context.Background(), op, res.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range sh.Rows {
			if strings.Contains(r.Title, "企业开办") && (r.Task.DeadlineDate == nil || r.Task.DeadlineDate.String() != "2026-06-30") {
				t.Errorf("a change not accepted was applied: %v", r.Task.DeadlineDate)
			}
		}
		// the page now offers only what is left
		if strings.Contains(page.Body, `value="`+addKey+`"`) {
			t.Errorf("the applied addition is still offered")
		}
	})
	t.Run("ErrNoRevised", func(t *testing.T) {
		page := postOrdered(t, ts, admin, fmt.Sprintf("/plans/%d/revision", res.ID), [][2]string{{"accept", addKey}}, "", "")
		if page.Status != 422 {
			t.Errorf("%d", page.Status)
		}
	})
}

func TestPlanReviewAPI(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.LoginAs(t, "admin")
	res := postOrdered(t, ts, admin, "/api/v1/plans/review", nil, "方案.txt", reviewPlanDoc)
	if res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	var rv struct {
		Parsed struct {
			DocNumber string `json:"doc_number"`
			Items     []any  `json:"items"`
		} `json:"parsed"`
		Names   []plan.NameResolution `json:"names"`
		Unknown int                   `json:"unknown"`
		Check   plan.ImportResult     `json:"check"`
	}
	res.JSON(t, &rv)
	if rv.Parsed.DocNumber != "武政办〔2026〕12号" || len(rv.Parsed.Items) != 5 || rv.Unknown != 1 || !rv.Check.DryRun || rv.Check.Tasks != 4 {
		t.Fatalf("%+v", rv)
	}
	if res := postOrdered(t, ts, admin, "/api/v1/plans/review", nil, "", ""); res.Status != 422 || !strings.Contains(res.Body, "file") {
		t.Errorf("no file: %d %s", res.Status, res.Body)
	}
	if res := postOrdered(t, ts, ts.LoginAs(t, "leader"), "/api/v1/plans/review", nil, "方案.txt", reviewPlanDoc); res.Status != http.StatusForbidden {
		t.Errorf("leader: %d", res.Status)
	}
}

// htmlUnescape undoes the escaping of an attribute value.
func htmlUnescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&quot;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">", "&#43;", "+", "&amp;", "&").Replace(s)
}
