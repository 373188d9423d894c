package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestAppealStatsAPI: the figures and the ranking over HTTP, with their
// refusals.
func TestAppealStatsAPI(t *testing.T) {
	w := newAppealWorld(t)
	for i, ref := range []string{"S-1", "S-2"} {
		body := map[string]any{"external_ref": ref, "category": "审批服务", "title": "施工许可超时", "content": "施工许可超期未办。"}
		decodeAppeal(t, w.as(t, "ent1", "POST", "/api/v1/appeals", body), http.StatusCreated)
		if i == 0 {
			decodeAppeal(t, w.as(t, "staff", "POST", "/api/v1/appeals/1/sign", map[string]any{}), http.StatusOK)
		}
	}
	var rep struct {
		Period struct{ From, To string }
		By     string
		Rows   []struct{ Key, Name string }
		Total  struct {
			Counts map[string]int64    `json:"counts"`
			Rates  map[string]*float64 `json:"rates"`
		}
		Formulas []struct{ Name, Formula string }
	}
	res := w.as(t, "leader", "GET", "/api/v1/appeal-stats?from=2026-03&by=unit", nil)
	if res.Status != http.StatusOK {
		t.Fatalf("leader: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &rep)
	if rep.Period.From != "2026-03" || rep.By != "unit" || len(rep.Rows) != 1 || rep.Total.Counts["received"] != 2 ||
		rep.Total.Counts["signed_on_time"] != 1 || rep.Total.Rates["response_rate"] == nil || *rep.Total.Rates["response_rate"] != 50 ||
		rep.Total.Rates["satisfaction_rate"] != nil || len(rep.Formulas) < 10 {
		t.Errorf("figures: %s", res.Body)
	}
	// The staff's unit reads its own; another unit reads nothing.
	res = w.as(t, "commerce", "GET", "/api/v1/appeal-stats?from=2026Q1&by=category", nil)
	res.JSON(t, &rep)
	if res.Status != http.StatusOK || rep.Total.Counts["received"] != 0 {
		t.Errorf("another unit: %d %s", res.Status, res.Body)
	}
	var rk struct {
		Ranked []struct {
			Name  string
			Rank  int
			Trend string
		}
	}
	res = w.as(t, "admin", "GET", "/api/v1/appeal-ranking?from=2026-03", nil)
	res.JSON(t, &rk)
	if res.Status != http.StatusOK || len(rk.Ranked) != 1 || rk.Ranked[0].Rank != 1 || rk.Ranked[0].Trend != "new" {
		t.Errorf("ranking: %d %s", res.Status, res.Body)
	}
	wantProblem(t, w.as(t, "ent1", "GET", "/api/v1/appeal-stats?from=2026-03", nil), http.StatusForbidden, "forbidden", "")
	wantProblem(t, w.as(t, "admin", "GET", "/api/v1/appeal-stats?from=2026-13", nil), http.StatusUnprocessableEntity, "invalid", "from")
	wantProblem(t, w.as(t, "admin", "GET", "/api/v1/appeal-stats?from=2026-03&by=street", nil), http.StatusUnprocessableEntity, "invalid", "by")
	wantProblem(t, w.as(t, "admin", "GET", "/api/v1/appeal-ranking?from=2026-03&by=channel", nil), http.StatusUnprocessableEntity, "invalid", "by")
}

// TestAppealRatesPages: the rates page links each figure to the console
// list of the appeals behind it; the ranking page, its workbook, the
// configuration and publication forms, the home panel.
func TestAppealRatesPages(t *testing.T) {
	w := newAppealWorld(t)
	for _, ref := range []string{"P-1", "P-2"} {
		body := map[string]any{"external_ref": ref, "category": "审批服务", "title": "施工许可超时" + ref, "content": "施工许可超期未办。"}
		decodeAppeal(t, w.as(t, "ent1", "POST", "/api/v1/appeals", body), http.StatusCreated)
	}
	decodeAppeal(t, w.as(t, "staff", "POST", "/api/v1/appeals/1/sign", map[string]any{}), http.StatusOK)
	admin := w.client(t, "admin")
	res := w.Get(t, admin, "/appeals/rates?from=2026-03")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "签收及时率") || !strings.Contains(res.Body, "计算公式") ||
		!strings.Contains(res.Body, "保存为新版本") {
		t.Fatalf("rates page: %d %s", res.Status, res.Body)
	}
	// 响应率 50 % links to the appeal not signed for in time.
	link := regexp.MustCompile(`href="(/appeals\?[^"]*measure=not_responded[^"]*)"`).FindStringSubmatch(res.Body)
	if link == nil {
		t.Fatalf("no drill-down link to the appeals not responded to: %s", res.Body)
	}
	list := w.Get(t, admin, html.UnescapeString(link[1]))
	if list.Status != http.StatusOK || !strings.Contains(list.Body, "未及时响应") || !strings.Contains(list.Body, "施工许可超时P-2") ||
		strings.Contains(list.Body, "施工许可超时P-1") {
		t.Errorf("drill-down: %d %s", list.Status, list.Body)
	}
	rk := w.Get(t, w.client(t, "leader"), "/appeals/ranking?from=2026-03")
	if rk.Status != http.StatusOK || !strings.Contains(rk.Body, "rankcards") || !strings.Contains(rk.Body, "亮红灯") || strings.Contains(rk.Body, "%!") {
		t.Errorf("ranking page (scores formatted, never %%!f(*float64)): %d %s", rk.Status, rk.Body)
	}
	x := w.Get(t, admin, "/appeals/ranking.xlsx?from=2026-03")
	if x.Status != http.StatusOK || !strings.HasPrefix(x.Body, "PK") {
		t.Errorf("workbook: %d %q", x.Status, x.Header.Get("Content-Type"))
	}
	cfg := url.Values{"counted": {"signing", "handling", "paused", "evaluating", "closing", "closed"}, "explained_solved": {"1"},
		"w_response": {"0.2"}, "w_solve": {"0.4"}, "w_satisfy": {"0.4"}, "red_below": {"80"}, "red_last": {"1"}}
	if res := w.PostForm(t, admin, "/appeals/rates/config", cfg); res.Status != http.StatusSeeOther {
		t.Errorf("config: %d %s", res.Status, res.Body)
	}
	bad := url.Values{"w_response": {"x"}}
	if res := w.PostForm(t, admin, "/appeals/rates/config", bad); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "请填写数字") {
		t.Errorf("bad config: %d %s", res.Status, res.Body)
	}
	if res := w.PostForm(t, admin, "/appeals/rates/publish", url.Values{"month": {"2026-03"}}); res.Status != http.StatusSeeOther {
		t.Errorf("publish: %d %s", res.Status, res.Body)
	}
	if res := w.PostForm(t, w.client(t, "staff"), "/appeals/rates/publish", url.Values{"month": {"2026-03"}}); res.Status != http.StatusForbidden {
		t.Errorf("a unit publishes: %d", res.Status)
	}
	home := w.Get(t, w.client(t, "leader"), "/")
	if !strings.Contains(home.Body, "诉求办理指标") || !strings.Contains(home.Body, "响应率") || !strings.Contains(home.Body, "2026年3月受理的诉求") {
		t.Errorf("home panel: %s", home.Body)
	}
	if res := w.Get(t, w.client(t, "ent1"), "/appeals/rates"); res.Status != http.StatusForbidden {
		t.Errorf("an enterprise reads the rates page: %d", res.Status)
	}
}
