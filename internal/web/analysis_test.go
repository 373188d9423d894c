package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAnalysisAPI: the analysis pages and API are the office's and
// leaders' (an enterprise or a unit is refused); the office makes a
// 问题清单 item of a cluster; its owner unit reports progress, another
// unit cannot see it; the public board, without login, shows the item and
// only the published appeal, with no names, phones, numbers or texts.
func TestAnalysisAPI(t *testing.T) {
	w := newAppealWorld(t)
	ctx := context.Background()
	file := func(user string, publish bool, ref, title, content, phone string) apiAppeal {
		t.Helper()
		return decodeAppeal(t, w.as(t, user, "POST", "/api/v1/appeals", map[string]any{"external_ref": ref, "category": "审批服务",
			"title": title, "content": content, "publish": publish, "contact_name": "联系人" + ref, "contact_phone": phone}), http.StatusCreated)
	}
	a1 := file("ent1", true, "P-1", "新厂房施工许可审批超时", "新厂房项目施工许可申请已提交二十个工作日，系统一直显示审查中，影响设备进场和开工。", "13871230001")
	a2 := file("ent2", false, "P-2", "施工许可审批超时影响开工", "我们新厂房的施工许可申请提交二十个工作日了，系统一直是审查中，设备进场和开工都受影响。", "13871230002")
	file("ent2", false, "P-3", "出口退税到账慢", "出口退税申报三个月仍未到账，资金周转困难。", "13871230003")

	for _, user := range []string{"ent1", "staff"} {
		for _, path := range []string{"/api/v1/appeal-clusters?month=2026-03", "/api/v1/appeal-topics?month=2026-03"} {
			wantProblem(t, w.as(t, user, "GET", path, nil), http.StatusForbidden, "forbidden", "")
		}
		for _, path := range []string{"/appeals/clusters", "/appeals/topics"} {
			if res := w.Get(t, w.client(t, user), path); res.Status != http.StatusForbidden {
				t.Errorf("%s GET %s: %d, want 403", user, path, res.Status)
			}
		}
	}
	wantProblem(t, w.as(t, "admin", "GET", "/api/v1/appeal-clusters?month=2026/03", nil), http.StatusUnprocessableEntity, "invalid", "month")

	var rep struct {
		Appeals  int `json:"appeals"`
		Clusters []struct {
			Size        int `json:"size"`
			Enterprises int `json:"enterprises"`
			Appeals     []struct {
				ID int64 `json:"id"`
			} `json:"appeals"`
		} `json:"clusters"`
	}
	res := w.as(t, "leader", "GET", "/api/v1/appeal-clusters", nil)
	wantStatus(t, res, http.StatusOK)
	res.JSON(t, &rep)
	if rep.Appeals != 3 || len(rep.Clusters) != 1 || rep.Clusters[0].Size != 2 || rep.Clusters[0].Enterprises != 2 {
		t.Fatalf("clusters of the last 30 days: %+v", rep)
	}
	// Appeals keep the district's code; the scope reads a name as its code.
	var code string
	if err := w.App.DB.QueryRowContext(ctx, `SELECT district FROM appeals WHERE id = ?`, a1.ID).Scan(&code); err != nil {
		t.Fatal(err)
	}
	name := w.App.Enterprises.City.DistrictName(code)
	if name == "" {
		t.Fatalf("the appeal's district %q is not a code of the city", code)
	}
	var byCode, byName struct {
		Appeals int `json:"appeals"`
	}
	w.as(t, "leader", "GET", "/api/v1/appeal-clusters?month=2026-03&district="+code, nil).JSON(t, &byCode)
	w.as(t, "leader", "GET", "/api/v1/appeal-clusters?month=2026-03&district="+url.QueryEscape(name), nil).JSON(t, &byName)
	if byCode.Appeals == 0 || byName.Appeals != byCode.Appeals {
		t.Errorf("clusters of district %s: %d appeals; of %s: %d", code, byCode.Appeals, name, byName.Appeals)
	}
	wantProblem(t, w.as(t, "leader", "GET", "/api/v1/appeal-topics?district="+url.QueryEscape("火星区"), nil), http.StatusUnprocessableEntity, "invalid", "district")
	if res := w.Get(t, w.client(t, "leader"), "/appeals/clusters?month=2026-03"); res.Status != http.StatusOK || !strings.Contains(res.Body, "新厂房施工许可审批超时") ||
		strings.Contains(res.Body, "data-problem-form") {
		t.Errorf("the leader's clusters page (no form to make a problem): %d", res.Status)
	}

	// Only the office makes a problem.
	body := map[string]any{"title": "施工许可审批超时", "description": "多家企业反映施工许可审批超时。", "measures": "压缩审查时限。",
		"owner_unit_id": w.Unit.ID, "limit_days": 10, "appeal_ids": []int64{a1.ID, a2.ID}}
	wantProblem(t, w.as(t, "leader", "POST", "/api/v1/problems", body), http.StatusForbidden, "forbidden", "")
	wantProblem(t, w.as(t, "admin", "POST", "/api/v1/problems", map[string]any{"title": "x", "description": "y", "owner_unit_id": w.Unit.ID,
		"limit_days": 10, "appeal_ids": []int64{}}), http.StatusUnprocessableEntity, "invalid", "appeal_ids")
	res = w.as(t, "admin", "POST", "/api/v1/problems", body)
	wantStatus(t, res, http.StatusCreated)
	var p struct {
		ID      int64  `json:"id"`
		Slug    string `json:"slug"`
		DueDate string `json:"due_date"`
		Appeals int    `json:"appeals"`
	}
	res.JSON(t, &p)
	if p.Appeals != 2 || p.DueDate != "2026-03-16" || len(p.Slug) < 16 {
		t.Fatalf("problem: %+v", p)
	}
	ref := fmt.Sprintf("/api/v1/problems/%d", p.ID)
	if page := w.Get(t, w.client(t, "admin"), fmt.Sprintf("/problems/%d", p.ID)); page.Status != http.StatusOK ||
		!strings.Contains(page.Body, "<td>"+name+"</td>") || strings.Contains(page.Body, "<td>"+code+"</td>") {
		t.Errorf("the problem's page names the appeals' district %s: %d\n%s", name, page.Status, page.Body)
	}
	wantProblem(t, w.as(t, "commerce", "GET", ref, nil), http.StatusNotFound, "not_found", "")
	wantProblem(t, w.as(t, "commerce", "POST", ref+"/progress", map[string]any{"progress": 50, "note": "x"}), http.StatusNotFound, "not_found", "")
	wantProblem(t, w.as(t, "staff", "POST", ref+"/close", map[string]any{"note": "x"}), http.StatusForbidden, "forbidden", "")
	wantStatus(t, w.as(t, "staff", "POST", ref+"/progress", map[string]any{"progress": 50, "note": "审查时限压缩至十个工作日。"}), http.StatusOK)

	// The public board, logged out.
	anon := w.Client(t)
	res = w.Get(t, anon, "/api/v1/board")
	wantStatus(t, res, http.StatusOK)
	var board struct {
		Items []struct {
			Slug      string `json:"slug"`
			Progress  int    `json:"progress"`
			Appeals   int    `json:"appeals"`
			Published []struct {
				Category string `json:"category"`
				District string `json:"district"`
				Count    int    `json:"count"`
			} `json:"published"`
		} `json:"items"`
	}
	res.JSON(t, &board)
	if len(board.Items) != 1 || board.Items[0].Slug != p.Slug || board.Items[0].Progress != 50 || board.Items[0].Appeals != 2 ||
		len(board.Items[0].Published) != 1 || board.Items[0].Published[0].District != name || board.Items[0].Published[0].Count != 1 {
		t.Fatalf("board (the district named %s): %s", name, res.Body)
	}
	page := w.Get(t, anon, "/board/"+p.Slug)
	list := w.Get(t, anon, "/board")
	if page.Status != http.StatusOK || list.Status != http.StatusOK || !strings.Contains(page.Body, "施工许可审批超时") || !strings.Contains(page.Body, "审查时限压缩至十个工作日") {
		t.Fatalf("board pages: %d %d\n%s", list.Status, page.Status, page.Body)
	}
	private := []string{a1.Number, a2.Number, "新厂房施工许可审批超时", "系统一直", "联系人P-", "1387123000"}
	for _, id := range []int64{w.E1, w.E2} {
		r, err := w.App.Enterprises.RefByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		private = append(private, r.Name, r.USCC)
	}
	for _, s := range private {
		for name, body := range map[string]string{"the API": res.Body, "the board": list.Body, "the item": page.Body} {
			if strings.Contains(body, s) {
				t.Errorf("%s shows %q", name, s)
			}
		}
	}
	if res := w.Get(t, anon, "/board/"+url.PathEscape("no-such-slug")); res.Status != http.StatusNotFound {
		t.Errorf("an unknown slug: %d", res.Status)
	}
	if res := w.Get(t, anon, "/api/v1/problems"); res.Status != http.StatusUnauthorized {
		t.Errorf("the 问题清单 without login: %d", res.Status)
	}

	// A whole cluster, named by its key and scope: over the API and by the
	// clusters page's form, which posts no appeal ids.
	byCluster := func(ref map[string]any) map[string]any {
		return map[string]any{"title": "施工许可审批超时（整类）", "description": "多家企业反映施工许可审批超时。", "owner_unit_id": w.Unit.ID,
			"limit_days": 10, "cluster": ref}
	}
	wantProblem(t, w.as(t, "leader", "POST", "/api/v1/problems", byCluster(map[string]any{"key": a1.ID, "month": "2026-03"})), http.StatusForbidden, "forbidden", "")
	wantProblem(t, w.as(t, "admin", "POST", "/api/v1/problems", byCluster(map[string]any{"key": a2.ID, "month": "2026-03"})), http.StatusNotFound, "not_found", "")
	wantProblem(t, w.as(t, "admin", "POST", "/api/v1/problems", byCluster(map[string]any{"key": a1.ID, "month": "2026/03"})), http.StatusUnprocessableEntity, "invalid", "month")
	both := byCluster(map[string]any{"key": a1.ID, "month": "2026-03"})
	both["appeal_ids"] = []int64{a1.ID}
	wantProblem(t, w.as(t, "admin", "POST", "/api/v1/problems", both), http.StatusUnprocessableEntity, "invalid", "cluster")
	res = w.as(t, "admin", "POST", "/api/v1/problems", byCluster(map[string]any{"key": a1.ID, "month": "2026-03"}))
	wantStatus(t, res, http.StatusCreated)
	res.JSON(t, &p)
	if p.Appeals != 2 {
		t.Errorf("the problem of the cluster links %d appeals", p.Appeals)
	}
	admin := w.client(t, "admin")
	page = w.Get(t, admin, "/appeals/clusters?month=2026-03")
	if !strings.Contains(page.Body, fmt.Sprintf(`name="cluster_key" value="%d"`, a1.ID)) || !strings.Contains(page.Body, `name="from" value="2026-03-01"`) ||
		strings.Contains(page.Body, `name="appeal_ids"`) {
		t.Errorf("the clusters page's form:\n%s", page.Body)
	}
	form := url.Values{"title": {"施工许可审批超时（表单）"}, "description": {"多家企业反映。"}, "owner_unit_id": {fmt.Sprint(w.Unit.ID)}, "limit_days": {"10"},
		"cluster_key": {fmt.Sprint(a2.ID)}, "from": {"2026-03-01"}, "to": {"2026-03-31"}}
	if res := w.PostForm(t, admin, "/problems", form); res.Status != http.StatusNotFound || !strings.Contains(res.Body, "该同类诉求已不存在") {
		t.Errorf("a stale cluster by the form: %d\n%s", res.Status, res.Body)
	}
	form.Set("cluster_key", fmt.Sprint(a1.ID))
	if res := w.PostForm(t, admin, "/problems", form); res.Status != http.StatusSeeOther && res.Status != http.StatusOK {
		t.Errorf("the cluster by the form: %d\n%s", res.Status, res.Body)
	}
	var list2 struct {
		Items []struct {
			Title   string `json:"title"`
			Appeals int    `json:"appeals"`
		} `json:"items"`
	}
	w.as(t, "admin", "GET", "/api/v1/problems", nil).JSON(t, &list2)
	found := false
	for _, it := range list2.Items {
		found = found || it.Title == "施工许可审批超时（表单）" && it.Appeals == 2
	}
	if !found {
		t.Errorf("the form's problem: %+v", list2.Items)
	}
}

// TestAnalysisDictionary: the office edits the dictionary of terms and
// stop words on its page and over the API; leaders read it, an enterprise
// does not; bad words are refused in Chinese, with nothing written.
func TestAnalysisDictionary(t *testing.T) {
	w := newAppealWorld(t)
	wantProblem(t, w.as(t, "ent1", "GET", "/api/v1/appeal-dictionary", nil), http.StatusForbidden, "forbidden", "")
	wantProblem(t, w.as(t, "leader", "POST", "/api/v1/appeal-dictionary", map[string]any{"word": "电费", "kind": "term"}), http.StatusForbidden, "forbidden", "")
	wantProblem(t, w.as(t, "admin", "POST", "/api/v1/appeal-dictionary", map[string]any{"word": "电 费", "kind": "term"}), http.StatusUnprocessableEntity, "invalid", "word")
	wantProblem(t, w.as(t, "admin", "POST", "/api/v1/appeal-dictionary", map[string]any{"word": "电费", "kind": "hot"}), http.StatusUnprocessableEntity, "invalid", "kind")
	wantStatus(t, w.as(t, "admin", "POST", "/api/v1/appeal-dictionary", map[string]any{"word": "电费结算", "kind": "term"}), http.StatusOK)
	read := func(user string) map[string]string {
		t.Helper()
		var d struct {
			Items []struct{ Word, Kind string } `json:"items"`
		}
		res := w.as(t, user, "GET", "/api/v1/appeal-dictionary", nil)
		wantStatus(t, res, http.StatusOK)
		res.JSON(t, &d)
		m := map[string]string{}
		for _, e := range d.Items {
			m[e.Word] = e.Kind
		}
		return m
	}
	if m := read("leader"); m["电费结算"] != "term" || m["拖欠账款"] != "term" || m["企业"] != "stop" || m["电 费"] != "" {
		t.Fatalf("dictionary: %v", m)
	}

	// The page: a leader reads it without forms; the office adds and
	// removes through them.
	if res := w.Get(t, w.client(t, "leader"), "/appeals/dictionary"); res.Status != http.StatusOK || !strings.Contains(res.Body, "电费结算") ||
		strings.Contains(res.Body, "data-dictionary-form") {
		t.Errorf("the leader's dictionary page: %d", res.Status)
	}
	admin := w.client(t, "admin")
	res := w.PostForm(t, admin, "/appeals/dictionary", url.Values{"word": {"转供电!"}, "kind": {"stop"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "不能含空格或标点") || !strings.Contains(res.Body, `value="转供电!"`) {
		t.Errorf("a word with punctuation: %d", res.Status)
	}
	if res := w.PostForm(t, admin, "/appeals/dictionary", url.Values{"word": {"转供电"}, "kind": {"stop"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("add: %d %s", res.Status, res.Body)
	}
	if res := w.PostForm(t, admin, "/appeals/dictionary/delete", url.Values{"word": {"电费结算"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d %s", res.Status, res.Body)
	}
	if m := read("admin"); m["转供电"] != "stop" || m["转供电!"] != "" || m["电费结算"] != "" {
		t.Fatalf("after the page's edits: %v", m)
	}
	if res := w.PostForm(t, w.client(t, "leader"), "/appeals/dictionary/delete", url.Values{"word": {"转供电"}}); res.Status != http.StatusForbidden {
		t.Errorf("a leader removes a word: %d", res.Status)
	}
	wantStatus(t, w.as(t, "admin", "DELETE", "/api/v1/appeal-dictionary/"+url.PathEscape("转供电"), nil), http.StatusNoContent)
	wantProblem(t, w.as(t, "admin", "DELETE", "/api/v1/appeal-dictionary/"+url.PathEscape("转供电"), nil), http.StatusNotFound, "not_found", "")
}
