package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qinqing/qinqing/internal/policy"
)

// TestBrowserRuleBuilder builds a rule in the clause editor's form builder
// and watches the live count of eligible enterprises change; then it types
// an expression and converts it; all at a phone's width.
func TestBrowserRuleBuilder(t *testing.T) {
	ts := newTestServer(t)
	withCity(t, ts, 3000)
	ctx := context.Background()
	staff, err := ts.App.Auth.FindUserByID(ctx, userIDOf(t, ts, "staff"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ts.App.Policy.CreatePolicy(ctx, staff.Actor(), policy.PolicyInput{Title: "科技企业研发奖励", Category: "资金扶持"})
	if err != nil {
		t.Fatal(err)
	}
	bctx := browser(t)
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
	if err := login(bctx, ts.HTTP.URL, "staff", testPassword); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(bctx,
		chromedp.Navigate(fmt.Sprintf("%s/policies/%d/clauses/new", ts.HTTP.URL, p.ID)),
		chromedp.WaitVisible(`#live-count [data-count=eligible]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	count := func() string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Evaluate[string](`(document.querySelector('#live-count [data-count=eligible]') || {}).textContent || ''`))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(s)
	}
	// waitChange waits for the live count to differ from before.
	waitChange := func(before string) string {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if c := count(); c != "" && c != before {
				return c
			}
			time.Sleep(50 * time.Millisecond)
		}
		errText, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('#live-count').textContent`))
		t.Fatalf("live count stayed %q (live area: %q)", before, errText)
		return ""
	}
	c0 := count()
	want := func(ruleJSON string) string {
		t.Helper()
		sim, err := ts.App.Policy.Simulate(ctx, staff.Actor(), policy.SimulateRequest{Rule: []byte(ruleJSON)})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(sim.Eligible)
	}
	if w := want(`{"all":[{"field":"district","op":"in","value":["420111"]}]}`); c0 != w {
		t.Fatalf("initial live count %q, want %s", c0, w)
	}

	// Add a condition and make it "具有标签 高新技术企业" through the form.
	if err := chromedp.Do(bctx, chromedp.Click(`.rb-group > .rb-actions [data-act=add-leaf]`, chromedp.NodeVisible)); err != nil {
		t.Fatal(err)
	}
	runJS(t, bctx, `const f = [...document.querySelectorAll('.rb-leaf .rb-field')].pop();
		f.value = 'tags'; f.dispatchEvent(new Event('change', {bubbles: true}));`)
	c1 := waitChange(c0)
	if w := want(`{"all":[{"field":"district","op":"in","value":["420111"]},{"field":"tags","op":"has","value":"高新技术企业"}]}`); c1 != w {
		t.Errorf("after adding the tag condition: live count %s, want %s", c1, w)
	}
	js, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById('rule-json').value`))
	if err != nil || !strings.Contains(js, `"field":"tags"`) {
		t.Errorf("JSON view not kept in step: %q (%v)", js, err)
	}

	// Widen the district condition: tick 武昌区 too.
	runJS(t, bctx, `[...document.querySelectorAll('.rb-leaf .rb-value input[type=checkbox]')].find(c => c.value === '420106').click();`)
	c2 := waitChange(c1)
	if w := want(`{"all":[{"field":"district","op":"in","value":["420111","420106"]},{"field":"tags","op":"has","value":"高新技术企业"}]}`); c2 != w {
		t.Errorf("after ticking 武昌区: live count %s, want %s", c2, w)
	}
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err == nil {
		screenshot(t, "rule-builder-phone.png", png)
	}
	width, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil || width > 390 {
		t.Errorf("the clause editor is %d px wide at a 390 px viewport (%v)", width, err)
	}

	// Power users type an expression; it becomes the rule in the builder.
	err = chromedp.Do(bctx,
		chromedp.SendKeys(`#rule-expr`, `revenue >= 5000000 && size in ["小型", "微型"]`),
		chromedp.Click(`#expr-apply`),
	)
	if err != nil {
		t.Fatal(err)
	}
	c3 := waitChange(c2)
	if w := want(`{"all":[{"field":"revenue","op":">=","value":5000000},{"field":"size","op":"in","value":["小型","微型"]}]}`); c3 != w {
		t.Errorf("after the expression: live count %s, want %s", c3, w)
	}
	leaves, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('.rb-leaf').length`))
	if err != nil || leaves != 2 {
		t.Errorf("builder shows %d conditions after the expression, want 2 (%v)", leaves, err)
	}

	// Save it: the clause exists with the rule built in the form.
	err = chromedp.Do(bctx,
		chromedp.SendKeys(`input[name=title]`, "研发奖励"),
		chromedp.Submit(`input[name=title]`),
		chromedp.WaitVisible(`.clause`),
	)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ts.App.Policy.FindPolicyByID(ctx, staff.Actor(), p.ID)
	if err != nil || len(got.Clauses) != 1 || got.Clauses[0].Rule.Leaves() != 2 {
		t.Fatalf("saved policy %+v (%v)", got, err)
	}
	// The detail page draws the draft's simulation as a chart.
	drawn, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`(() => { const c = document.querySelector('.sim-chart'); return !!c && !!c.querySelector('canvas'); })()`))
	if err != nil || !drawn {
		t.Errorf("simulation chart not drawn (%v)", err)
	}
}

// runJS runs JavaScript statements in the page.
func runJS(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {`+js+`; return true})()`)); err != nil {
		t.Fatal(err)
	}
}

// userIDOf returns the id of the test server's account username.
func userIDOf(t *testing.T, ts *testServer, username string) int64 {
	t.Helper()
	var id int64
	if err := ts.App.DB.QueryRowContext(context.Background(), `SELECT id FROM users WHERE username = ?`, username).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
