package web_test

import (
	"net/http"
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
