package web_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserProblemFromCluster: on the demo, the office opens the
// clusters of the last 30 days, makes a 问题清单 item of the cluster about
// hiring through its form, and the public board, in a browser that never
// logged in, shows the item without the enterprises' names or phones.
func TestBrowserProblemFromCluster(t *testing.T) {
	srv := newDemoServer(t)
	root := browser(t)
	office, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := login(office, srv.URL, "admin", "demo12345"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(office, chromedp.Navigate(srv.URL+"/appeals/clusters"), chromedp.WaitVisible(`[data-cluster]`)); err != nil {
		t.Fatal(err)
	}
	key, err := chromedp.Run(office, chromedp.Evaluate[string](
		`([...document.querySelectorAll('[data-cluster]')].find(c => c.querySelector('h3').innerText.includes('招工')) || {dataset: {}}).dataset.cluster || ''`))
	if err != nil || key == "" {
		t.Fatalf("no cluster about hiring on the page (%v)", err)
	}
	card := `[data-cluster="` + key + `"] `
	names, err := chromedp.Run(office, chromedp.Evaluate[[]string](`[...document.querySelectorAll('`+card+`tbody tr td:nth-child(3)')].map(td => td.innerText.trim())`))
	if err != nil || len(names) < 3 {
		t.Fatalf("the cluster's enterprises: %v %v", names, err)
	}
	unit, err := chromedp.Run(office, chromedp.Evaluate[string](
		`[...document.querySelectorAll('`+card+`select[name=owner_unit_id] option')].find(o => o.textContent.includes('人力资源和社会保障')).value`))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(office,
		chromedp.Click(card+`summary`),
		chromedp.WaitVisible(card+`textarea[name=description]`),
		chromedp.SendKeys(card+`textarea[name=description]`, "汉阳区多家制造企业普工缺口大，招聘一个月应聘者少。"),
		chromedp.SendKeys(card+`textarea[name=measures]`, "人社部门每月在汉阳区举办专场招聘会，对接职业院校订单式培养。"),
		chromedp.SetValue(card+`select[name=owner_unit_id]`, unit),
		chromedp.Click(card+`button[type=submit]`),
		chromedp.WaitVisible(`[data-problem-title]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	slug, err := chromedp.Run(office, chromedp.Evaluate[string](`document.querySelector('a[href^="/board/"]').getAttribute('href')`))
	if err != nil || !strings.HasPrefix(slug, "/board/") {
		t.Fatalf("the item's board link: %q %v", slug, err)
	}

	public, cancel2 := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	defer cancel2()
	err = chromedp.Do(public,
		chromedp.Navigate(srv.URL+"/board"),
		chromedp.WaitVisible(`a[href="`+slug+`"]`),
		chromedp.Click(`a[href="`+slug+`"]`),
		chromedp.WaitVisible(`h1`),
	)
	if err != nil {
		t.Fatal(err)
	}
	body, err := chromedp.Run(public, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "招工难") || !strings.Contains(body, "市人力资源和社会保障局") || !strings.Contains(body, "专场招聘会") {
		t.Errorf("the board's item:\n%s", body)
	}
	if !strings.Contains(body, "公开的诉求（1 / 3）") {
		t.Errorf("one of the cluster's three appeals is published:\n%s", body)
	}
	for _, n := range names {
		if n != "" && strings.Contains(body, n) {
			t.Errorf("the board names the enterprise %q", n)
		}
	}
	if m := regexp.MustCompile(`1[3-9]\d{9}|QS\d{4}-`).FindString(body); m != "" {
		t.Errorf("the board shows %q", m)
	}
	png, err := chromedp.Run(public, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, "board-item.png", png)
}
