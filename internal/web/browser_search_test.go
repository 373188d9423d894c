package web_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserRegistrySearch searches the demo registry through the form as
// an official would (a name part, a tag, sorted by revenue, descending) on
// the server whose policy engine answers searches, and checks that every
// row matches, that revenues fall down the page and that unknown revenues
// come last.
func TestBrowserRegistrySearch(t *testing.T) {
	srv := newDemoServer(t)
	ctx := browser(t)
	if err := login(ctx, srv.URL, "admin", "demo12345"); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/enterprises"),
		chromedp.WaitVisible(`input[name=q]`),
		chromedp.SendKeys(`input[name=q]`, "科技"),
		chromedp.SetValue(`select[name=tag]`, "民营企业"),
		chromedp.SetValue(`select[name=sort]`, "revenue"),
		chromedp.SetValue(`select[name=desc]`, "1"),
		// The unfiltered list is on the page already: take it away, so
		// that the rows waited for are the search's own.
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('tbody').forEach(b => b.remove())`),
		chromedp.Click(`form.row button[type=submit]`),
		chromedp.WaitVisible(`tbody tr`),
	)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](`[...document.querySelectorAll('tbody tr')].map(tr => [...tr.cells].map(td => td.innerText.trim()))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 5 {
		t.Fatalf("only %d rows for 科技 + 民营企业: %v", len(rows), rows)
	}
	last, unknownSeen := 1e18, false
	for _, r := range rows {
		if len(r) != 7 || !strings.Contains(r[0], "科技") || !strings.Contains(r[6], "民营企业") {
			t.Fatalf("row does not match the search: %q", r)
		}
		if r[5] == "未知" {
			unknownSeen = true
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSuffix(r[5], "万元"), 64)
		if err != nil || unknownSeen || v > last {
			t.Fatalf("revenue %q out of order (after %v, unknown seen %v): %v", r[5], last, unknownSeen, err)
		}
		last = v
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		screenshot(t, "registry-search.png", png)
	}
}
