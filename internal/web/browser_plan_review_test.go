package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// browserReviewDoc names units of the demo city by their short forms and
// one the city has no entry for (市营商环境监督局).
const browserReviewDoc = `武汉市人民政府办公厅关于印发优化营商环境攻坚行动方案的通知
武政办〔2026〕8号
一、工作目标
全市新增经营主体12万户以上，政务服务事项网上可办率达到98%。
二、重点任务
（一）提升政务服务效能
1.深化“高效办成一件事”改革。年内推出重点事项20个。（责任单位：市政务服务局、市数据局）
2.推进帮办代办服务。在各区政务服务中心设立帮办代办窗口。（牵头单位：市营商办；配合单位：市营商环境监督局）
（二）优化要素保障
3.加大金融支持。新增普惠小微贷款800亿元，6月底前出台实施细则。（市委金融办牵头，人行湖北省分行配合）
武汉市人民政府办公厅
2026年3月2日
`

// TestBrowserPlanReview: the office uploads a work plan, sees the source
// beside what was recognised with the unknown unit flagged, corrects a
// heading and creates the draft; the review page fits a 390 px phone.
func TestBrowserPlanReview(t *testing.T) {
	srv := newDemoServer(t)
	ctx := browser(t)
	file := filepath.Join(t.TempDir(), "攻坚行动方案.txt")
	if err := os.WriteFile(file, []byte(browserReviewDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := login(ctx, srv.URL, "admin", "demo12345"); err != nil {
		t.Fatal(err)
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		return v
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		screenshot(t, name, png)
	}
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/plans/review"),
		chromedp.WaitVisible(`input[type=file]`),
		chromedp.SetUploadFiles(`input[type=file]`, []string{file}),
		chromedp.Click(`form[action="/plans/review"] button[type=submit]`),
		chromedp.WaitVisible(`form.review`),
	)
	if err != nil {
		t.Fatal(err)
	}
	shot("plan-review.png")
	if unknown, flagged := text(`#unknown-count`), text(`details.names .chip.unknown`); unknown != "1" || !strings.Contains(flagged, "市营商环境监督局") {
		t.Fatalf("unknown %q, flagged %q", unknown, flagged)
	}
	// On a phone the page does not scroll sideways.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, "plan-review-phone.png", png)
	if width > 390 {
		t.Errorf("the review page is %d px wide on a 390 px phone", width)
	}
	// The office corrects the first task's heading and creates the draft.
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.SetValue(`#item-3 input[name=heading]`, "深化“高效办成一件事”集成改革"),
		chromedp.Click(`form.review button[type=submit]`),
		chromedp.WaitVisible(`#draft-title`),
	)
	if err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
		t.Fatalf("%v\n%.1500s", err, body)
	}
	shot("plan-review-draft.png")
	link, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('open-draft').getAttribute('href')`))
	if err != nil {
		t.Fatal(err)
	}
	if title, tasks := text(`#draft-title`), text(`#draft-tasks`); title != "优化营商环境攻坚行动方案" || tasks != "6" || !strings.HasSuffix(link, "/edit") {
		t.Errorf("draft %q with %q tasks, link %q", title, tasks, link)
	}
	// A revised document of the draft: the office sees what changed and
	// applies what it ticks.
	id := strings.TrimSuffix(strings.TrimPrefix(link, "/plans/"), "/edit")
	revised := strings.Replace(browserReviewDoc, "（二）优化要素保障", "3.建设企业服务专区。（责任单位：市政务服务局）\n（二）优化要素保障", 1)
	revised = strings.Replace(revised, "3.加大金融支持。新增普惠小微贷款800亿元", "4.加大金融支持。新增普惠小微贷款1000亿元", 1)
	if err := os.WriteFile(file, []byte(revised), 0o600); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/plans/review"),
		chromedp.WaitVisible(`input[type=file]`),
		chromedp.SetUploadFiles(`input[type=file]`, []string{file}),
		chromedp.SetValue(`select[name=plan]`, id),
		chromedp.Click(`form[action="/plans/review"] button[type=submit]`),
		chromedp.WaitVisible(`form.revision`),
	)
	if err != nil {
		t.Fatal(err)
	}
	shot("plan-review-revision.png")
	if n := text(`#applicable`); n != "3" {
		t.Errorf("%s applicable changes, want the new task, the heading corrected back and the target reworded", n)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(`form.revision button[type=submit]`),
		chromedp.WaitVisible(`#revision-result`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(`#revision-result`); !strings.Contains(got, "新增 1 项，修改 2 项") {
		t.Errorf("result %q", got)
	}
}
