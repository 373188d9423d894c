package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qinqing/qinqing/internal/enterprise"
)

// TestBrowserImportAndFind uploads a small file on the import page, watches
// the progress page reach its result, and finds the new enterprise by name.
func TestBrowserImportAndFind(t *testing.T) {
	srv := newDemoServer(t)
	ctx := browser(t)
	code1, err := enterprise.MakeUSCC('9', '1', "420111", "MA4K8Y2P")
	if err != nil {
		t.Fatal(err)
	}
	code2, err := enterprise.MakeUSCC('9', '1', "420106", "MA4K8Y3Q")
	if err != nil {
		t.Fatal(err)
	}
	csv := "统一社会信用代码,企业名称,所属区,行业代码,成立日期,营业收入,企业标签\n" +
		code1 + ",武汉珞珈量子测绘科技有限公司,洪山区,I6513,2021年5月8日,32000000,高新技术企业；科技型中小企业\n" +
		code2 + ",武汉黄鹤楼文旅服务有限公司,武昌区,R8870,2019/3/1,,\n" +
		"91420100BADCODE00,坏行公司,洪山区,C39,2020-01-01,100,\n"
	file := filepath.Join(t.TempDir(), "企业名单.csv")
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := login(ctx, srv.URL, "admin", "demo12345"); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/admin/import"),
		chromedp.WaitVisible(`input[type=file]`),
		chromedp.SetUploadFiles(`input[type=file]`, []string{file}),
		chromedp.Click(`form[action="/admin/import"] button[type=submit]`),
	)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(`[data-status=done]`)); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
		t.Fatalf("the import never finished on the progress page: %v\n%s", err, body)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, "import-result.png", png)
	counts := map[string]string{"#n-read": "3", "#n-inserted": "2", "#n-rejected": "1"}
	for sel, want := range counts {
		got, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil || strings.TrimSpace(got) != want {
			t.Errorf("%s = %q (%v), want %s", sel, got, err, want)
		}
	}
	reason, err := chromedp.Run(ctx, chromedp.Text(`.table-wrap tbody`))
	if err != nil || !strings.Contains(reason, "uscc") {
		t.Errorf("the rejected row should be listed with its field: %q %v", reason, err)
	}

	err = chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/enterprises?q="+"珞珈量子"),
		chromedp.WaitVisible(`table`),
	)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Text(`tbody`))
	if err != nil || !strings.Contains(rows, "武汉珞珈量子测绘科技有限公司") || !strings.Contains(rows, code1) {
		t.Fatalf("search did not find the imported enterprise: %q %v", rows, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(`tbody a`),
		chromedp.WaitVisible(`dl.kv`),
	)
	if err != nil {
		t.Fatal(err)
	}
	profile, err := chromedp.Run(ctx, chromedp.Text(`dl.kv`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"洪山区", "3200.00万元", "2021年5月8日", "导入", "未知"} {
		if !strings.Contains(profile, want) {
			t.Errorf("profile lacks %q:\n%s", want, profile)
		}
	}
	if png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		screenshot(t, "enterprise-profile.png", png)
	}
}
