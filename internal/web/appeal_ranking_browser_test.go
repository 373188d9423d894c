package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAppealRankingPhone: in Chromium at 390 px, a leader of the demo
// reads 比晾晒 as cards (rank, name, score, trend, the three rates) instead
// of the wide table, and the page does not scroll sideways.
func TestBrowserAppealRankingPhone(t *testing.T) {
	srv := newDemoServer(t)
	root := browser(t)
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
	if err := login(ctx, srv.URL, "leader", "demo12345"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/appeals/ranking"), chromedp.WaitVisible(`ol.rankcards li`)); err != nil {
		t.Fatal(err)
	}
	type view struct {
		Cards, Ranked, Trends, Width int
		Table                        bool
		First                        string
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[view](`(() => {
		const cards = [...document.querySelectorAll("ol.rankcards li")];
		return {
			Cards: cards.length,
			Ranked: cards.filter(li => /^\d+$/.test(li.querySelector(".rank").innerText.trim())).length,
			Trends: cards.filter(li => li.querySelector("[class^=trend-]")).length,
			Width: document.documentElement.scrollWidth,
			Table: getComputedStyle(document.querySelector(".ranktable")).display !== "none",
			First: cards.length ? cards[0].innerText : "",
		};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		screenshot(t, "appeal-ranking-phone.png", png)
	}
	if v.Cards < 3 || v.Ranked != v.Cards || v.Trends != v.Cards {
		t.Errorf("cards %d, with a rank %d, with a trend %d: every unit of the demo should be a card with its rank and trend", v.Cards, v.Ranked, v.Trends)
	}
	if v.Table {
		t.Error("the wide table shows at 390 px beside the cards")
	}
	if v.Width > 390 {
		t.Errorf("the ranking is %d px wide at a 390 px viewport: it scrolls sideways", v.Width)
	}
	t.Logf("first card: %q", v.First)
}
