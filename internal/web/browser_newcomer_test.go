package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDemoAtPhoneWidth walks the demo at phone width as a newcomer
// would: the login page's way in for an enterprise with an invitation code,
// the specialist's workbench with its enterprises, visits and overdue
// reminder, the audit log and jobs pages in Chinese, and the leader's
// appeal analysis and monthly report, none wider than the phone. It saves the
// screenshots the docs show (QINQING_SCREENSHOTS=docs/screenshots).
func TestBrowserDemoAtPhoneWidth(t *testing.T) {
	srv := newDemoServer(t)
	root := browser(t)
	for _, tc := range []struct {
		name, user, path, shot string
		want                   []string
	}{
		{"login", "", "/login", "", []string{"有邀请码？凭邀请码开通企业账号"}},
		{"join", "", "/join", "", []string{"邀请码"}},
		{"workbench", "specialist", "/workbench", "specialist-workbench-phone.png", []string{"我的企业", "洪山区中小企业服务站", "走访提醒", "逾期"}},
		{"audit", "admin", "/admin/audit?entity=service_station", "", []string{"审计日志", "服务站", "新建", "演示数据"}},
		{"jobs", "admin", "/admin/jobs", "", []string{"后台任务", "发起人"}},
		// the leader's appeal analysis on a phone: wide tables scroll inside the page
		{"clusters", "leader", "/appeals/clusters", "", []string{"同类诉求"}},
		{"problems", "leader", "/problems", "", []string{"问题清单"}},
		{"problem", "leader", "/problems/1", "", []string{"整改进展", "关联诉求"}},
		{"report", "leader", "/appeal-reports/1", "", []string{"各单位比晾晒", "问题清单整改进展"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
			defer cancel()
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))); err != nil {
				t.Fatal(err)
			}
			if tc.user != "" {
				if err := login(ctx, srv.URL, tc.user, "demo12345"); err != nil {
					t.Fatalf("login as %s: %v", tc.user, err)
				}
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+tc.path), chromedp.WaitVisible(`main`)); err != nil {
				t.Fatal(err)
			}
			text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("%s shows no %q:\n%.2000s", tc.path, w, text)
				}
			}
			width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
			if err != nil {
				t.Fatal(err)
			}
			if width > 390 {
				t.Errorf("%s is %d px wide on a 390 px phone", tc.path, width)
			}
			if tc.shot != "" {
				// The first screen: long lists make a full-page shot unreadable.
				png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatal(err)
				}
				screenshot(t, tc.shot, png)
			}
		})
	}
}
