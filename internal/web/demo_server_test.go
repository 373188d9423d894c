package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/demo"
	"github.com/qinqing/qinqing/internal/web"
	"github.com/qinqing/qinqing/internal/workday"
)

// newDemoServer serves a fresh SQLite database loaded with the demo data.
func newDemoServer(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.DB = filepath.Join(t.TempDir(), "demo.db")
	cfg.Demo = true
	cfg.DemoSize = 500
	a, err := app.Open(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if _, err := a.DB.Migrate(ctx, time.Now); err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, a, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(context.Background()) })
	<-a.PolicyLoaded()
	s, err := web.New(a)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// TestDemoServiceNetwork checks over HTTP that the demo's specialist has
// work: enterprises assigned in their grid, visit history, some overdue, a
// reminder in the inbox; and that the office sees the stations.
func TestDemoServiceNetwork(t *testing.T) {
	srv := newDemoServer(t)
	ts := &testServer{HTTP: srv}
	login := func(username string) *http.Client {
		c := ts.Client(t)
		res := ts.PostForm(t, c, "/login", url.Values{"username": {username}, "password": {demo.Password}})
		wantStatus(t, res, http.StatusSeeOther)
		return c
	}
	sp := login("specialist")
	bench := ts.Get(t, sp, "/workbench")
	wantStatus(t, bench, http.StatusOK)
	wantContains(t, bench.Body, "洪山区中小企业服务站 · 共负责", "走访提醒", "逾期", "从未走访")
	if !regexp.MustCompile(`<td>\d{4}年\d{1,2}月\d{1,2}日( <span class="state-bad">逾期</span>)?</td>`).MatchString(bench.Body) {
		t.Errorf("no enterprise of the demo specialist has a visit:\n%.3000s", bench.Body)
	}
	inbox := ts.Get(t, sp, "/inbox")
	wantStatus(t, inbox, http.StatusOK)
	wantContains(t, inbox.Body, "天未走访")

	// The demo enterprise is looked after by the demo specialist, who
	// visited it last week: its page lists the visits.
	var me struct {
		EnterpriseID int64 `json:"enterprise_id"`
	}
	ts.Get(t, login("enterprise"), "/api/v1/me").JSON(t, &me)
	if me.EnterpriseID == 0 {
		t.Fatal("the demo enterprise account has no enterprise")
	}
	visits := ts.Get(t, sp, fmt.Sprintf("/workbench/%d", me.EnterpriseID))
	wantStatus(t, visits, http.StatusOK)
	wantContains(t, visits.Body, "登记走访")

	network := ts.Get(t, login("admin"), "/network")
	wantStatus(t, network, http.StatusOK)
	wantContains(t, network.Body, "洪山区中小企业服务站", "江岸区中小企业服务站", "武昌区中小企业服务站")
}

// TestDemoLeaderHome: the leader's home shows the appeal rates of the last
// whole month with figures (not dashes) and what this month has received;
// the demo plan's chart has where each indicator should be by now (the
// 当前应达 marks) beside where it is.
func TestDemoLeaderHome(t *testing.T) {
	srv := newDemoServer(t)
	ts := &testServer{HTTP: srv}
	c := ts.Client(t)
	wantStatus(t, ts.PostForm(t, c, "/login", url.Values{"username": {"leader"}, "password": {demo.Password}}), http.StatusSeeOther)
	home := ts.Get(t, c, "/")
	wantStatus(t, home, http.StatusOK)
	now := time.Now().In(workday.Shanghai)
	last := now.AddDate(0, 0, -now.Day()+1).AddDate(0, -1, 0)
	wantContains(t, home.Body, fmt.Sprintf("%d年%d月受理的诉求", last.Year(), int(last.Month())), "至今</a>：受理")
	if !regexp.MustCompile(`<b>\d+(\.\d)?%</b><span>响应率</span>`).MatchString(home.Body) {
		t.Errorf("the leader's home shows no 响应率 of the last month:\n%s", home.Body)
	}
	plans := ts.Get(t, c, "/plans")
	wantStatus(t, plans, http.StatusOK)
	ids := regexp.MustCompile(`href="/plans/(\d+)"`).FindAllStringSubmatch(plans.Body, -1)
	if len(ids) == 0 {
		t.Fatalf("the leader sees no plan:\n%s", plans.Body)
	}
	chart := regexp.MustCompile(`data-chart="goals" data-json="([^"]*)"`)
	behind := 0
	for _, id := range ids {
		overview := ts.Get(t, c, "/plans/"+id[1])
		wantStatus(t, overview, http.StatusOK)
		for _, m := range chart.FindAllStringSubmatch(overview.Body, -1) {
			// 严重落后 is judged against the trajectory: such a chart
			// has where the indicators should be.
			if strings.Contains(m[1], "严重落后") {
				behind++
				if !regexp.MustCompile(`&#34;expected&#34;:[1-9]`).MatchString(m[1]) {
					t.Errorf("plan %s: the goal chart has no expected progress: %s", id[1], m[1])
				}
			}
		}
	}
	if behind == 0 {
		t.Error("no demo plan has an indicator far behind its trajectory")
	}
}
