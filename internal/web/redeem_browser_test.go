package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qinqing/qinqing/internal/policy"
	"github.com/qinqing/qinqing/internal/policy/redeem"
)

// TestBrowserGrantPaid: on a phone, an enterprise confirms its 免申即享
// grant (pledge and account); the unit makes the payment batch and imports
// the bank's result file through its page; the enterprise then sees the
// grant paid.
func TestBrowserGrantPaid(t *testing.T) {
	sc := newRedeemScene(t, policy.ModeAutomatic)
	ctx := context.Background()
	staff := actorOf(t, sc.testServer, "staff")
	if _, err := sc.App.Redeem.Generate(ctx, staff, sc.Clause.ClauseID); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.App.Redeem.ApproveGrants(ctx, staff, sc.Clause.ClauseID); err != nil {
		t.Fatal(err)
	}
	root := browser(t)
	text := func(bctx context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ''`, sel)))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(s)
	}

	// The enterprise, on a phone, confirms from 我的兑现.
	ent, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(ent, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
	if err := login(ent, sc.HTTP.URL, "ent1", testPassword); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ent,
		chromedp.Navigate(sc.HTTP.URL+"/benefits"),
		chromedp.Click(`.benefit a`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#confirm`),
		chromedp.Click(`#confirm input[name=agree]`),
		chromedp.SendKeys(`#confirm input[name=account_number]`, "6222 0210 0112 3456 789"),
		chromedp.SendKeys(`#confirm input[name=account_bank]`, "中国工商银行武汉光谷支行"),
		chromedp.Click(`#confirm button[data-action=confirm]`),
		chromedp.WaitVisible(`.flash`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(ent, `.titlebar .rstatus`); got != redeem.GrantConfirmed {
		t.Fatalf("after confirming: status %q", got)
	}
	grantURL, err := chromedp.Run(ent, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ent, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, "grant-confirmed-phone.png", png)

	// The unit makes the batch and imports the bank's file.
	unit, cancel2 := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	defer cancel2()
	if err := login(unit, sc.HTTP.URL, "staff", testPassword); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(unit,
		chromedp.Navigate(sc.HTTP.URL+"/payments"),
		chromedp.Click(`button[data-action=batch]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`form[action$="/bank-results"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	ref := text(unit, `tr[data-payment] td a`)
	if !strings.HasPrefix(ref, "FK") {
		t.Fatalf("payment reference %q", ref)
	}
	file := filepath.Join(t.TempDir(), "回盘.csv")
	content := "付款编号,结果,失败原因,银行流水号,到账日期\n" + ref + ",成功,,ICBC20260303001,2026-03-03\n"
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(unit,
		chromedp.SetUploadFiles(`input[name=file]`, []string{file}),
		chromedp.Click(`button[data-action=bank]`),
		chromedp.WaitVisible(`#bank-result`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(unit, `[data-result=paid]`); got != "1" {
		t.Fatalf("bank import paid %q: %s", got, text(unit, `#bank-result`))
	}
	if png, err = chromedp.Run(unit, chromedp.FullScreenshot(100)); err == nil {
		screenshot(t, "payment-batch.png", png)
	}

	// The enterprise sees it paid.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := chromedp.Do(ent, chromedp.Navigate(sc.HTTP.URL+grantURL), chromedp.WaitVisible(`[data-paid]`)); err != nil {
			t.Fatal(err)
		}
		if text(ent, `tr[data-payment] .rstatus`) == redeem.PaymentPaid {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the enterprise does not see the payment paid: %q", text(ent, `tr[data-payment]`))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := text(ent, `[data-paid]`); got != "20.00万元" {
		t.Errorf("paid %q, want 20.00万元", got)
	}
	if png, err = chromedp.Run(ent, chromedp.FullScreenshot(100)); err == nil {
		screenshot(t, "grant-paid-phone.png", png)
	}
	width, err := chromedp.Run(ent, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil || width > 390 {
		t.Errorf("the grant page is %d px wide on a 390 px phone", width)
	}
}
