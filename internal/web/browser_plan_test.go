package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// TestBrowserPlanImportReport is plan supervision end to end in Chromium:
// the office imports a 责任分解表 and publishes the plan; the 发改委's staff,
// on a 390 px phone, file the month's report with an indicator's value; the
// leader's overview shows the value.
func TestBrowserPlanImportReport(t *testing.T) {
	srv := newDemoServer(t)
	root := browser(t)
	// The 责任分解表: the export's layout, units the demo's organisation
	// knows by their short names.
	wb := excelize.NewFile()
	rows := [][]any{
		{"《民营经济发展重点任务》责任分解表"},
		{"文号：武政办〔2026〕8号"},
		{"序号", "一级", "二级", "任务内容", "牵头单位", "责任单位", "配合单位", "完成时限", "节点", "量化指标"},
		{"一", "一、优化发展环境", "", "", "", "", "", "", "", ""},
		{"一.(一)", "", "(一) 培育市场主体", "开展“个转企”登记试点，设立绿色通道。", "市发改委", "洪山区", "市商务局", "长期坚持", "", "新增民营企业 ≥ 1000家"},
		{"一.(二)", "", "(二) 破除招投标壁垒", "深化招投标全流程电子化改革。", "", "市财政局", "", "年底前", "", ""},
	}
	for i, r := range rows {
		c, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := wb.SetSheetRow("Sheet1", c, &r); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "责任分解表.xlsx")
	if err := wb.SaveAs(file); err != nil {
		t.Fatal(err)
	}
	shot := func(ctx context.Context, name string) {
		if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			screenshot(t, name, png)
		}
	}
	text := func(ctx context.Context) string {
		s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
		return s
	}

	// The office imports and publishes.
	office, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := login(office, srv.URL, "admin", "demo12345"); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(office,
		chromedp.Navigate(srv.URL+"/plans/import"),
		chromedp.WaitVisible(`input[type=file]`),
		chromedp.SetUploadFiles(`input[type=file]`, []string{file}),
		chromedp.Click(`form[action="/plans/import"] button[type=submit]`),
		chromedp.WaitVisible(`#import-result`),
	)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, text(office))
	}
	for sel, want := range map[string]string{"#n-tasks": "3", "#n-indicators": "1", "#n-rejected": "0"} {
		if got, err := chromedp.Run(office, chromedp.Text(sel)); err != nil || strings.TrimSpace(got) != want {
			t.Errorf("%s = %q (%v), want %s", sel, got, err, want)
		}
	}
	shot(office, "plan-import.png")
	// A click that loads a page waits for that page's load event before
	// the next query: a node found while the draft page is still parsing
	// can be gone when the click reaches it.
	_, err = chromedp.RunResponse(office, chromedp.Click(`#to-draft`))
	if err == nil {
		_, err = chromedp.RunResponse(office, chromedp.Click(`#publish`))
	}
	if err == nil {
		err = chromedp.Do(office, chromedp.WaitVisible(`#figures`))
	}
	if err != nil {
		t.Fatalf("publish: %v\n%s", err, text(office))
	}
	href, _ := chromedp.Run(office, chromedp.Evaluate[string](`location.pathname`))
	m := regexp.MustCompile(`^/plans/(\d+)$`).FindStringSubmatch(href)
	if m == nil {
		t.Fatalf("after publishing at %q:\n%s", href, text(office))
	}
	id := m[1]

	// The unit files its report on a phone.
	unit, cancel2 := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	defer cancel2()
	if err := chromedp.Do(unit, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
	if err := login(unit, srv.URL, "fgw", "demo12345"); err != nil {
		t.Fatal(err)
	}
	link := fmt.Sprintf(`a[href^="/plans/%s/report"]`, id)
	err = chromedp.Do(unit,
		chromedp.Navigate(srv.URL+"/plans/workbench"),
		chromedp.WaitVisible(link),
		chromedp.Click(link),
		chromedp.WaitVisible(`#file-report`),
	)
	if err != nil {
		t.Fatalf("to the report form: %v\n%s", err, text(unit))
	}
	width, err := chromedp.Run(unit, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil || width > 390 {
		t.Errorf("the report form is %d px wide at 390 px (%v): it scrolls sideways", width, err)
	}
	task := `fieldset.report-task`
	err = chromedp.Do(unit,
		chromedp.SendKeys(task+` textarea[name=text]`, "已设立“个转企”绿色通道，首批试点完成登记"),
		chromedp.SendKeys(task+` input[name=progress]`, "40"),
		chromedp.SendKeys(`.report-ind input[name=ind_value]`, "350"),
		chromedp.SendKeys(`.report-ind textarea[name=ind_evidence]`, "市场监管登记台账"),
	)
	if err != nil {
		t.Fatalf("fill the report: %v\n%s", err, text(unit))
	}
	shot(unit, "plan-report-phone.png")
	wctx, cancel3 := context.WithTimeout(unit, 20*time.Second)
	defer cancel3()
	if err := chromedp.Do(wctx, chromedp.Click(`#file-report`), chromedp.WaitVisible(`.flash`)); err != nil {
		t.Fatalf("file the report: %v\n%s", err, text(unit))
	}
	if body := text(unit); !strings.Contains(body, "已报送") || !strings.Contains(body, "已设立“个转企”绿色通道") {
		t.Errorf("the filed report page:\n%s", body)
	}

	// The leader's overview shows the indicator moved.
	leader, cancel4 := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	defer cancel4()
	if err := login(leader, srv.URL, "leader", "demo12345"); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(leader, chromedp.Navigate(srv.URL+"/plans/"+id), chromedp.WaitVisible(`[data-indicator="新增民营企业"]`))
	if err != nil {
		t.Fatalf("overview: %v\n%s", err, text(leader))
	}
	ind, err := chromedp.Run(leader, chromedp.Text(`[data-indicator="新增民营企业"]`))
	if err != nil || !strings.Contains(ind, "实际 350家") || !strings.Contains(ind, "目标 ≥ 1000家") {
		t.Errorf("the overview's indicator: %q %v", ind, err)
	}
	latest, _ := chromedp.Run(leader, chromedp.Text(`ul.tasks`))
	if !strings.Contains(latest, "40%") || !strings.Contains(latest, "已设立“个转企”绿色通道") {
		t.Errorf("the overview's tasks lack the report:\n%s", latest)
	}
	shot(leader, "plan-overview.png")
	if os.Getenv("QINQING_SCREENSHOTS") != "" {
		// The demo's own plan, for the documentation.
		_ = chromedp.Do(leader, chromedp.Navigate(srv.URL+"/plans/ranking"), chromedp.WaitVisible(`table.ranking`))
		shot(leader, "plan-ranking.png")
	}
}
