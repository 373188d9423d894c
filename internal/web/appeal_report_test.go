package web_test

import (
	"archive/zip"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAppealReport: the monthly report over HTTP — generation, refusals
// by role, the text sections, publication, the printable page, the .docx
// and the leaders' home panel line.
func TestAppealReport(t *testing.T) {
	w := newAppealWorld(t)
	body := map[string]any{"external_ref": "R-1", "category": "审批服务", "title": "施工许可超时", "content": "施工许可超期未办。"}
	decodeAppeal(t, w.as(t, "ent1", "POST", "/api/v1/appeals", body), http.StatusCreated)
	month := w.App.Now().Format("2006-01")

	wantProblem(t, w.as(t, "staff", "POST", "/api/v1/appeal-reports", map[string]any{"month": month}), http.StatusForbidden, "forbidden", "")
	wantProblem(t, w.as(t, "leader", "POST", "/api/v1/appeal-reports", map[string]any{"month": month}), http.StatusForbidden, "forbidden", "")
	wantProblem(t, w.as(t, "admin", "POST", "/api/v1/appeal-reports", map[string]any{"month": "三月"}), http.StatusUnprocessableEntity, "invalid", "month")
	var rep struct {
		ID      int64
		Month   string
		Title   string
		Status  string
		Intro   string
		Figures struct {
			Current struct{ Received int64 }
		}
	}
	res := w.as(t, "admin", "POST", "/api/v1/appeal-reports", map[string]any{"month": month})
	if res.Status != http.StatusOK {
		t.Fatalf("generate: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &rep)
	if rep.Month != month || rep.Status != "draft" || rep.Figures.Current.Received != 1 {
		t.Fatalf("report: %s", res.Body)
	}
	one := fmt.Sprintf("/api/v1/appeal-reports/%d", rep.ID)
	// A draft: the office and leaders read it, a unit does not find it, an
	// enterprise is refused the reports altogether.
	if res := w.as(t, "leader", "GET", one, nil); res.Status != http.StatusOK || !strings.Contains(res.Body, `"publish":false`) {
		t.Errorf("leader reads the draft: %d %s", res.Status, res.Body)
	}
	wantProblem(t, w.as(t, "staff", "GET", one, nil), http.StatusNotFound, "not_found", "")
	wantProblem(t, w.as(t, "ent1", "GET", "/api/v1/appeal-reports", nil), http.StatusForbidden, "forbidden", "")
	wantProblem(t, w.as(t, "specialist", "GET", one, nil), http.StatusForbidden, "forbidden", "")
	wantProblem(t, w.as(t, "leader", "PUT", one+"/sections", map[string]any{"intro": "x"}), http.StatusForbidden, "forbidden", "")
	wantProblem(t, w.as(t, "staff", "POST", one+"/publish", nil), http.StatusForbidden, "forbidden", "")
	wantProblem(t, w.as(t, "admin", "PUT", one+"/sections", map[string]any{"intro": strings.Repeat("长", 5001)}), http.StatusUnprocessableEntity, "invalid", "intro")
	res = w.as(t, "admin", "PUT", one+"/sections", map[string]any{"intro": "本月诉求总体平稳。", "suggestions": "建议压缩施工许可时限。"})
	res.JSON(t, &rep)
	if res.Status != http.StatusOK || rep.Intro != "本月诉求总体平稳。" {
		t.Fatalf("sections: %d %s", res.Status, res.Body)
	}
	// The pages: the office sees the form, a leader does not.
	admin, leader, staff := w.client(t, "admin"), w.client(t, "leader"), w.client(t, "staff")
	page := fmt.Sprintf("/appeal-reports/%d", rep.ID)
	if res := w.Get(t, admin, page); res.Status != http.StatusOK || !strings.Contains(res.Body, rep.Title) || !strings.Contains(res.Body, `action="`+page+`/publish"`) ||
		!strings.Contains(res.Body, "本月诉求总体平稳。") || !strings.Contains(res.Body, "/static/appeal_report.css") {
		t.Errorf("admin's page: %d %s", res.Status, res.Body)
	}
	if res := w.Get(t, leader, page); res.Status != http.StatusOK || strings.Contains(res.Body, "/publish") {
		t.Errorf("leader's page: %d", res.Status)
	}
	if res := w.Get(t, staff, page); res.Status != http.StatusNotFound {
		t.Errorf("unit's page of a draft: %d", res.Status)
	}
	// A bad month on the form: a Chinese error, nothing made.
	res = w.PostForm(t, admin, "/appeal-reports", url.Values{"month": {"2026-13"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "月份应写作") {
		t.Errorf("bad month on the form: %d %s", res.Status, res.Body)
	}
	// Publication: the unit reads it, the leader's home links it.
	res = w.PostForm(t, admin, page+"/publish", url.Values{})
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), page) {
		t.Errorf("publish: %d %s", res.Status, res.Body)
	}
	if res := w.Get(t, staff, page); res.Status != http.StatusOK || !strings.Contains(res.Body, "发布") || strings.Contains(res.Body, "草稿") {
		t.Errorf("unit's page of the published report: %d", res.Status)
	}
	wantProblem(t, w.as(t, "admin", "POST", one+"/publish", nil), http.StatusConflict, "conflict", "")
	wantProblem(t, w.as(t, "admin", "PUT", one+"/sections", map[string]any{"intro": "改"}), http.StatusConflict, "conflict", "")
	if res := w.Get(t, staff, "/appeal-reports"); res.Status != http.StatusOK || !strings.Contains(res.Body, rep.Title) || strings.Contains(res.Body, `action="/appeal-reports"`) {
		t.Errorf("unit's list: %d %s", res.Status, res.Body)
	}
	if res := w.Get(t, leader, "/"); !strings.Contains(res.Body, `href="`+page+`"`) {
		t.Errorf("leader's home lacks the report: %s", res.Body)
	}
	res = w.Get(t, staff, page+"/report.docx")
	if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("docx: %d %s", res.Status, res.Body)
	}
	z, err := zip.NewReader(strings.NewReader(res.Body), int64(len(res.Body)))
	if err != nil {
		t.Fatal(err)
	}
	text := docText(t, z)
	for _, want := range []string{rep.Title, "一、总体情况", "本月诉求总体平稳。", "建议压缩施工许可时限。", "受理（件）"} {
		if !strings.Contains(text, want) {
			t.Errorf("docx lacks %q:\n%s", want, text)
		}
	}
	if res := w.Get(t, w.client(t, "ent1"), page+"/report.docx"); res.Status != http.StatusForbidden {
		t.Errorf("enterprise's docx: %d", res.Status)
	}
}
