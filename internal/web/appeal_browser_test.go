package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAppealLoop closes the loop in Chromium, each party in its own
// browser: the enterprise files an appeal on a 390 px phone, the unit the
// catalogue sends it to (市发改委) signs for it and replies, the enterprise
// evaluates the reply on its phone, and the office closes it.
func TestBrowserAppealLoop(t *testing.T) {
	srv := newDemoServer(t)
	root := browser(t)
	as := func(user string, phone bool) context.Context {
		t.Helper()
		ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		if phone {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))); err != nil {
				t.Fatal(err)
			}
		}
		if err := login(ctx, srv.URL, user, "demo12345"); err != nil {
			t.Fatalf("login as %s: %v", user, err)
		}
		return ctx
	}
	text := func(ctx context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('`+sel+`') || {}).innerText || ''`))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(s)
	}
	noSideways := func(ctx context.Context, page string) {
		t.Helper()
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if w > 390 {
			t.Errorf("%s is %d px wide at a 390 px viewport", page, w)
		}
	}

	// The enterprise files on its phone.
	ent := as("enterprise", true)
	err := chromedp.Do(ent,
		chromedp.Navigate(srv.URL+"/appeals/mine"),
		chromedp.WaitVisible(`a[data-file-appeal]`),
		chromedp.Click(`a[data-file-appeal]`),
		chromedp.WaitVisible(`select[name=category]`),
		chromedp.SetValue(`select[name=category]`, "政策咨询"),
		chromedp.SendKeys(`input[name=title]`, "首台套保险补偿政策咨询"),
		chromedp.SendKeys(`textarea[name=content]`, "我司研制的首台套装备已投保，想了解保费补偿的申报条件和时间。"),
		chromedp.SendKeys(`input[name=contact_phone]`, "13871234567"),
	)
	if err != nil {
		t.Fatal(err)
	}
	noSideways(ent, "the filing form")
	png, err := chromedp.Run(ent, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, "appeal-file-phone.png", png)
	if err := chromedp.Do(ent, chromedp.Click(`#appeal-form button[type=submit]`), chromedp.WaitVisible(`[data-number]`)); err != nil {
		t.Fatal(err)
	}
	number := text(ent, "[data-number]")
	if !strings.HasPrefix(number, "QS") || !strings.Contains(text(ent, ".flash"), "诉求已提交") || !strings.Contains(text(ent, ".status"), "待签收") {
		t.Fatalf("after filing: number %q, flash %q, status %q", number, text(ent, ".flash"), text(ent, ".status"))
	}
	noSideways(ent, "the appeal page")
	page := srv.URL + "/appeals/" + number

	// The unit signs for it and replies.
	unit := as("fgw", false)
	err = chromedp.Do(unit,
		chromedp.Navigate(srv.URL+"/appeals/workbench?queue=sign"),
		chromedp.WaitVisible(`[data-appeal="`+number+`"]`),
		chromedp.Navigate(page),
		chromedp.WaitVisible(`button[data-step=sign]`),
		chromedp.Click(`button[data-step=sign]`),
		chromedp.WaitVisible(`button[data-step=reply]`),
		chromedp.Click(`input[name=result][value="解释说明"]`),
		chromedp.SendKeys(`textarea[name=measures]`, "已电话说明：首台套保费补偿按年度申报，9月集中受理，已发送申报指南。"),
		chromedp.Click(`button[data-step=reply]`),
		chromedp.WaitVisible(`[data-event=replied]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(unit, ".status"); s != "待评价" {
		t.Fatalf("after the reply: %q", s)
	}

	// The enterprise evaluates on its phone.
	err = chromedp.Do(ent,
		chromedp.Navigate(page),
		chromedp.WaitVisible(`button[data-step=evaluate]`),
		chromedp.Click(`input[name=rating][value="满意"]`),
		chromedp.Click(`button[data-step=evaluate]`),
		chromedp.WaitVisible(`[data-event=evaluated]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	png, err = chromedp.Run(ent, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, "appeal-evaluated-phone.png", png)

	// The office closes it.
	office := as("admin", false)
	err = chromedp.Do(office,
		chromedp.Navigate(srv.URL+"/appeals?status=closing"),
		chromedp.WaitVisible(`[data-appeal="`+number+`"]`),
		chromedp.Navigate(page),
		chromedp.WaitVisible(`button[data-step=close]`),
		chromedp.Click(`button[data-step=close]`),
		chromedp.WaitVisible(`[data-event=closed]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(office, ".status"); s != "已销号" {
		t.Fatalf("after closing: %q", s)
	}
	if body := text(office, ".deadlines"); !strings.Contains(body, "一次性化解\n是") {
		t.Errorf("a first reply evaluated 满意, never returned: 一次性化解 expected, got %q", body)
	}
	if kinds, err := chromedp.Run(office, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-event]')].map(e => e.dataset.event)`)); err != nil ||
		strings.Join(kinds, ",") != "received,dispatched,signed,replied,evaluated,closed" {
		t.Errorf("timeline %v (%v)", kinds, err)
	}
}
