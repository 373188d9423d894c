package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestBrowserAppealReportPrint: in Chromium, a leader of the demo follows
// the home page's line to the latest monthly report; printed (print media
// emulated), the page shows the report without the navigation or the
// forms, on screen the navigation is there.
func TestBrowserAppealReportPrint(t *testing.T) {
	srv := newDemoServer(t)
	root := browser(t)
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := login(ctx, srv.URL, "leader", "demo12345"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(`a[href^="/appeal-reports/"]`)); err != nil {
		t.Fatal(err)
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		screenshot(t, "leader-home.png", png)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`a[href^="/appeal-reports/"]`), chromedp.WaitVisible(`article.monthly`)); err != nil {
		t.Fatal(err)
	}
	visible := func(sel string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+"`"+sel+"`"+`); return !!e && getComputedStyle(e).display !== "none"; })()`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if !visible("header.topbar") || !visible("article.monthly") {
		t.Fatal("on screen: the navigation and the report should show")
	}
	title, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("h1.m-title").innerText`))
	if !strings.Contains(title, "企业诉求办理情况简报") {
		t.Errorf("title = %q", title)
	}
	media := func(m string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
			return err
		})
	}
	if err := chromedp.Do(ctx, media("print")); err != nil {
		t.Fatal(err)
	}
	if visible("header.topbar") || visible("div.noprint") || !visible("article.monthly") {
		t.Error("printed: the report without navigation or forms")
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90)); err == nil {
		screenshot(t, "appeal-report-print.png", png)
	}
}
