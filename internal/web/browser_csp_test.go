package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// cspWatch makes every document of the tab record the content security
// policy violations it meets, in window.__csp, from its first script on.
func cspWatch(ctx context.Context) error {
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener('securitypolicyviolation', e =>
			window.__csp.push(e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber + ' ' + (e.sample || '')));`,
	})
	return err
}

// TestBrowserContentSecurityPolicy visits every page each demo account can
// reach by following the links of the pages (as a user would, in Chromium,
// with the server's Content-Security-Policy) and fails on any violation —
// an inline script, style or event handler the policy blocks. It also works
// the pages whose scripts matter: the rule builder and simulation, the
// registry search, the charts of a policy's figures.
func TestBrowserContentSecurityPolicy(t *testing.T) {
	srv := newDemoServer(t)
	root := browser(t)
	skip := func(path string) bool {
		for _, p := range []string{"/logout", "/export", "/admin/audit.csv", "/rejects/", "/static/", "/api/", "/materials/", ".xlsx", ".docx", "/attachments/", "/files/"} {
			if strings.Contains(path, p) {
				return true
			}
		}
		return false
	}
	for _, user := range []string{"admin", "fgw", "specialist", "enterprise"} {
		t.Run(user, func(t *testing.T) {
			ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
			defer cancel()
			if err := cspWatch(ctx); err != nil {
				t.Fatal(err)
			}
			if err := login(ctx, srv.URL, user, "demo12345"); err != nil {
				t.Fatalf("login as %s: %v", user, err)
			}
			seen := map[string]bool{}
			queue := []string{"/"}
			perKind := map[string]int{} // pages of one shape (/enterprises/{id}) visited
			for len(queue) > 0 && len(seen) < 60 {
				path := queue[0]
				queue = queue[1:]
				if seen[path] {
					continue
				}
				seen[path] = true
				if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+path), chromedp.WaitReady(`body`), chromedp.Sleep(150*time.Millisecond)); err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp || []`))
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				for _, v := range violations {
					t.Errorf("%s: %s", path, v)
				}
				links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))`))
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range links {
					u, err := url.Parse(l)
					if err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") || skip(u.Path) {
						continue
					}
					next := u.Path
					if u.RawQuery != "" {
						next += "?" + u.RawQuery
					}
					kind := shapeOf(u.Path)
					if seen[next] || perKind[kind] >= 2 {
						continue
					}
					perKind[kind]++
					queue = append(queue, next)
				}
			}
			t.Logf("%s: %d pages visited", user, len(seen))
		})
	}
	t.Run("scripts at work", func(t *testing.T) {
		ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
		defer cancel()
		if err := cspWatch(ctx); err != nil {
			t.Fatal(err)
		}
		if err := login(ctx, srv.URL, "admin", "demo12345"); err != nil {
			t.Fatal(err)
		}
		check := func(what string) {
			t.Helper()
			violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp || []`))
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range violations {
				t.Errorf("%s: %s", what, v)
			}
		}
		// The registry search (a form whose results page is a search).
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/enterprises"), chromedp.WaitVisible(`input[name=q]`),
			chromedp.SendKeys(`input[name=q]`, "科技"), chromedp.Submit(`input[name=q]`),
			chromedp.WaitVisible(`input[name=q][value="科技"]`), chromedp.WaitReady(`footer`)); err != nil {
			t.Fatalf("the search did not load: %v", err)
		}
		check("registry search")
		// A published policy's page and figures.
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/policies"), chromedp.WaitReady(`body`)); err != nil {
			t.Fatal(err)
		}
		policy, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const a = [...document.querySelectorAll('a[href^="/policies/"]')].map(a => a.getAttribute('href')).filter(h => /^\/policies\/\d+$/.test(h)); return a.length ? a[0] : '' })()`))
		if err != nil || policy == "" {
			t.Fatalf("no policy to open (%v)", err)
		}
		// 结束政策 asks first (app.js, since no inline handler may): declining keeps the page.
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+policy), chromedp.WaitVisible(`form[data-confirm] button`)); err != nil {
			t.Fatalf("%s has no form that asks first: %v", policy, err)
		}
		asked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
			window.confirm = () => { window.__asked = true; return false; };
			document.querySelector('form[data-confirm] button').click();
			return window.__asked === true; })()`))
		if err != nil || !asked {
			t.Fatalf("the confirmation was not asked (%v)", err)
		}
		if err := chromedp.Do(ctx, chromedp.Sleep(200*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`)); err != nil || loc != policy {
			t.Fatalf("declining the confirmation still sent the form: at %q (%v)", loc, err)
		}
		check(policy)
		href := policy + "/metrics"
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+href), chromedp.WaitReady(`body`)); err != nil {
			t.Fatal(err)
		}
		check(href)
		// The clause form: the rule builder (policy.js), the live count that
		// htmx loads, and its ECharts chart.
		wait, cancelWait := context.WithTimeout(ctx, 20*time.Second)
		defer cancelWait()
		if err := chromedp.Do(wait, chromedp.Navigate(srv.URL+policy+"/clauses/new"),
			chromedp.WaitVisible(`#rule-json`), chromedp.WaitVisible(`.sim-chart canvas`)); err != nil {
			t.Fatalf("the clause form draws no simulation chart: %v", err)
		}
		check("clause form")
	})
}

// shapeOf names the shape of a path, with numbers as {id}, so that the
// crawl opens a couple of pages of each shape instead of every enterprise.
func shapeOf(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if p != "" && strings.Trim(p, "0123456789") == "" {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}
