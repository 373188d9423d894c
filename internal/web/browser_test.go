package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts headless Chromium for a test, or skips (fails when
// QINQING_BROWSER_TESTS=required, as on CI).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if found, err := exec.LookPath(p); err == nil {
			path = found
			break
		}
	}
	if path == "" {
		if os.Getenv("QINQING_BROWSER_TESTS") == "required" {
			t.Fatal("Chromium not found but QINQING_BROWSER_TESTS=required (apt-get install chromium)")
		}
		t.Skip("browser tests skipped: Chromium not found (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// One browser serves a whole test: the page walk of the CSP test visits
	// every module's pages as four accounts.
	ctx, cancel3 := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(cancel3)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// screenshot saves a PNG into $QINQING_SCREENSHOTS (docs/screenshots when
// regenerating the documentation) or the test's temp dir.
func screenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	dir := os.Getenv("QINQING_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func login(ctx context.Context, base, username, password string) error {
	return chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`input[name=username]`),
		chromedp.SendKeys(`input[name=username]`, username),
		chromedp.SendKeys(`input[name=password]`, password),
		chromedp.Click(`form[action="/login"] button[type=submit]`),
		chromedp.WaitReady(`header .who`),
	)
}

func TestBrowserNavigationByRole(t *testing.T) {
	srv := newDemoServer(t)
	root := browser(t)
	common := []string{"home", "inbox", "me", "policies"}
	want := map[string][]string{
		"admin": append([]string{"enterprises", "import", "units", "users", "tokens", "audit", "calendar", "jobs", "network", "reviews", "policy-manage",
			"redeem", "payments", "plans", "plan-ranking", "appeals", "appeal-rates", "appeal-reports", "problems"}, common...),
		"leader":     append([]string{"enterprises", "redeem", "plans", "plan-ranking", "appeals", "appeal-rates", "appeal-reports", "problems"}, common...),
		"fgw":        append([]string{"enterprises", "policy-manage", "redeem", "payments", "plan-workbench", "plan-ranking", "appeal-workbench", "appeal-rates", "appeal-reports", "problems"}, common...),
		"specialist": append([]string{"enterprises", "workbench", "reviews", "appeals"}, common...),
		"enterprise": append([]string{"profile", "checkup", "benefits", "my-appeals"}, common...),
	}
	for user, keys := range want {
		t.Run(user, func(t *testing.T) {
			ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
			defer cancel()
			if err := login(ctx, srv.URL, user, "demo12345"); err != nil {
				t.Fatalf("login as %s: %v", user, err)
			}
			got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('nav.nav a')].map(a => a.dataset.nav)`))
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			w := slices.Clone(keys)
			slices.Sort(w)
			if !slices.Equal(got, w) {
				t.Errorf("navigation of %s = %v, want %v", user, got, w)
			}
			// The bar stays one line at 1280 px: a module's entries share
			// one menu when there are two or more of them.
			bar, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('nav.nav > a, nav.nav > details').length`))
			if err != nil {
				t.Fatal(err)
			}
			if bar > 12 {
				t.Errorf("%s's bar has %d entries, want at most 12", user, bar)
			}
		})
	}
}

func TestBrowserPhoneWidth(t *testing.T) {
	srv := newDemoServer(t)
	ctx := browser(t)
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(`input[name=username]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, "login-phone.png", png)
	if err := login(ctx, srv.URL, "admin", "demo12345"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/admin/units"), chromedp.WaitVisible(`table`)); err != nil {
		t.Fatal(err)
	}
	scrollWidth, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		t.Fatal(err)
	}
	screenshot(t, "units-phone.png", png)
	if scrollWidth > 390 {
		t.Errorf("page is %d px wide at a 390 px viewport: it scrolls sideways", scrollWidth)
	}
	// The menu collapses behind a button on a phone and opens on a tap.
	navShown := chromedp.Evaluate[bool](`getComputedStyle(document.querySelector('nav.nav')).display !== 'none'`)
	visible, err := chromedp.Run(ctx, navShown)
	if err != nil || visible {
		t.Fatalf("navigation should be collapsed at phone width (visible=%v, err=%v)", visible, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`label.navbutton`)); err != nil {
		t.Fatal(err)
	}
	visible, err = chromedp.Run(ctx, navShown)
	if err != nil || !visible {
		t.Fatalf("tapping the menu button should open the navigation (visible=%v, err=%v)", visible, err)
	}
	if !strings.Contains(srv.URL, "127.0.0.1") {
		t.Fatalf("test server not on loopback: %s", srv.URL)
	}
}
