package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/web"
)

// TestLoginParallelHTTP sends 100 parallel POST /login for one account, 99
// with wrong passwords and one with the right one: at most MaxFailures
// passwords are hashed, never more at once than the hashing bound (so
// memory stays bounded at bound × 19 MiB), every other request is refused
// with 429 and a Retry-After, and the account ends locked.
func TestLoginParallelHTTP(t *testing.T) {
	ts := newTestServer(t)
	before := ts.App.Auth.HashStats()
	var wg sync.WaitGroup
	statuses := make([]int, 100)
	retry := make([]string, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pw := fmt.Sprintf("wrong-password-%d", i)
			if i == 37 {
				pw = testPassword
			}
			res := ts.PostForm(t, ts.Client(t), "/login", url.Values{"username": {"leader"}, "password": {pw}})
			statuses[i], retry[i] = res.Status, res.Header.Get("Retry-After")
		}()
	}
	wg.Wait()
	after := ts.App.Auth.HashStats()
	hashed := after.Total - before.Total
	count := map[int]int{}
	for i, st := range statuses {
		count[st]++
		if st == http.StatusTooManyRequests && retry[i] == "" {
			t.Errorf("request %d: 429 without Retry-After", i)
		}
	}
	if hashed > auth.DefaultMaxFailures {
		t.Errorf("%d passwords hashed for one account, want at most %d (statuses %v)", hashed, auth.DefaultMaxFailures, count)
	}
	if after.Peak > int64(after.Limit) {
		t.Errorf("%d passwords hashed at once, bound %d", after.Peak, after.Limit)
	}
	if count[http.StatusUnauthorized]+count[http.StatusSeeOther] != int(hashed) || count[http.StatusTooManyRequests] != 100-int(hashed) {
		t.Errorf("statuses %v for %d hashed", count, hashed)
	}
	res := ts.PostForm(t, ts.Client(t), "/login", url.Values{"username": {"leader"}, "password": {testPassword}})
	wantStatus(t, res, http.StatusTooManyRequests)
	wantContains(t, res.Body, "登录尝试次数过多")
	if res.Header.Get("Retry-After") == "" {
		t.Error("the locked account's 429 has no Retry-After")
	}
}

// TestClientAddress checks that X-Forwarded-For names the client only when
// the peer is a configured trusted proxy: five failures from one client
// behind the proxy lock that client's attempts, not another client's, and
// a client cannot pick its own address by sending the header itself.
func TestClientAddress(t *testing.T) {
	t.Run("OKBehindTrustedProxy", func(t *testing.T) {
		ts := newTestServer(t, func(c *config.Config) { c.TrustedProxies = "127.0.0.1, 10.0.0.0/8" })
		ts.App.Auth.MaxAddressFailures = 5
		login := func(user, pw, xff string) int {
			req := ts.Request(t, http.MethodPost, "/login", strings.NewReader(url.Values{"username": {user}, "password": {pw}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", xff)
			return ts.Do(t, ts.Client(t), req).Status
		}
		for i := range 5 {
			// The client 203.0.113.5 guesses at five accounts through two proxies.
			if st := login(fmt.Sprintf("nobody%d", i), "wrong-password", "203.0.113.5, 10.1.2.3"); st != http.StatusUnauthorized {
				t.Fatalf("guess %d: status %d", i, st)
			}
		}
		if st := login("leader", testPassword, "203.0.113.5"); st != http.StatusTooManyRequests {
			t.Fatalf("the guessing client's address is not locked: status %d", st)
		}
		if st := login("leader", testPassword, "198.51.100.1, 10.1.2.3"); st != http.StatusSeeOther {
			t.Fatalf("another client behind the same proxy is locked out: status %d", st)
		}
	})
	t.Run("ErrHeaderFromUntrustedPeer", func(t *testing.T) {
		ts := newTestServer(t) // no trusted proxies: the peer 127.0.0.1 is the client
		ts.App.Auth.MaxAddressFailures = 5
		for i := range 5 {
			req := ts.Request(t, http.MethodPost, "/login", strings.NewReader(url.Values{"username": {fmt.Sprintf("nobody%d", i)}, "password": {"x"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i)) // a new address each time
			wantStatus(t, ts.Do(t, ts.Client(t), req), http.StatusUnauthorized)
		}
		res := ts.PostForm(t, ts.Client(t), "/login", url.Values{"username": {"leader"}, "password": {testPassword}})
		wantStatus(t, res, http.StatusTooManyRequests)
	})
}

// TestRuleParseBounded sends the rule parser the inputs that used to take
// a gigabyte or crash the process, and a rule with a syntax error: each is
// a 422 on the field rule with a Chinese message.
func TestRuleParseBounded(t *testing.T) {
	ts := newTestServer(t)
	staff := ts.LoginAs(t, "staff")
	for _, tc := range []struct {
		name string
		body map[string]any
		want string
	}{
		{"ErrParens", map[string]any{"expr": strings.Repeat("(", 400_000) + "revenue > 1" + strings.Repeat(")", 400_000)}, "规则过大"},
		{"ErrNots", map[string]any{"expr": strings.Repeat("!", 800_000) + "(revenue > 1)"}, "规则过大"},
		{"ErrDeepJSON", map[string]any{"rule": json.RawMessage(strings.Repeat(`{"not":`, 40) + `{"field":"revenue","op":">","value":1}` + strings.Repeat("}", 40))}, "规则过大"},
		{"ErrSyntax", map[string]any{"expr": "revenue >= >= 5"}, "表达式有语法错误（第 12 个字符处"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := wantProblem(t, ts.SendJSON(t, staff, http.MethodPost, "/api/v1/policies/rules/parse", "", tc.body), http.StatusUnprocessableEntity, "invalid", "rule")
			if !strings.Contains(p.Detail, tc.want) || strings.Contains(p.Detail, "unexpected") {
				t.Fatalf("detail %q, want it to say %q in Chinese", p.Detail, tc.want)
			}
		})
	}
}

// TestInputHygiene sends NUL bytes, invalid UTF-8, line breaks and
// direction overrides through every kind of input — query, path, form and
// JSON, on the endpoints where PostgreSQL answered 500 (SQLSTATE 22021)
// and SQLite stored them — on both databases: each is a 422 naming the
// field, and multi-line fields keep their line breaks.
func TestInputHygiene(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			var ts *testServer
			if dialect == "postgres" {
				dsn := storetest.PostgresDSN(t)
				ts = newTestServer(t, func(c *config.Config) { c.DB = dsn })
			} else {
				ts = newTestServer(t)
			}
			admin := ts.LoginAs(t, "admin")
			ent := ts.LoginAs(t, "enterprise")
			form := func(c *http.Client, path string, v url.Values) response {
				return ts.PostForm(t, c, path, v)
			}
			raw := func(c *http.Client, method, path, body string) response {
				req := ts.Request(t, method, path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				return ts.Do(t, c, req)
			}
			for _, tc := range []struct {
				name  string
				do    func() response
				field string
			}{
				{"ErrSearchNUL", func() response { return ts.Get(t, admin, "/api/v1/enterprises?q=%E5%85%89%00") }, "q"},
				{"ErrSearchBadUTF8", func() response { return ts.Get(t, admin, "/api/v1/enterprises?q=%FF%FE") }, "q"},
				{"ErrSearchLineBreak", func() response { return ts.Get(t, admin, "/api/v1/enterprises?district=420111%0A") }, "district"},
				{"ErrPathNUL", func() response { return ts.Get(t, admin, "/api/v1/workdays/2026-03-02%00") }, "path"},
				{"ErrUnitNUL", func() response {
					return ts.SendJSON(t, admin, "POST", "/api/v1/units", "", map[string]any{"name": "单位\x00", "kind": "其他"})
				}, "name"},
				{"ErrUnitBadUTF8", func() response {
					return raw(admin, "POST", "/api/v1/units", "{\"name\": \"\xff\xfe\", \"kind\": \"其他\"}")
				}, ""},
				{"ErrUnitRTL", func() response {
					return ts.SendJSON(t, admin, "POST", "/api/v1/units", "", map[string]any{"name": "单位\u202egpj.exe", "kind": "其他"})
				}, "name"},
				{"ErrUnitFormNUL", func() response {
					return form(admin, "/admin/units", url.Values{"name": {"单位\x00"}, "kind": {"其他"}})
				}, ""},
				{"ErrUnitFormLineBreak", func() response {
					return form(admin, "/admin/units", url.Values{"name": {"第一行\r\n第二行"}, "kind": {"其他"}})
				}, ""},
				{"ErrUserNUL", func() response {
					return ts.SendJSON(t, admin, "POST", "/api/v1/users", "", map[string]any{"username": "newuser", "display_name": "新\x00用户",
						"password": "a-long-password", "role": "leader"})
				}, "display_name"},
				{"ErrStationNUL", func() response {
					return ts.SendJSON(t, admin, "POST", "/api/v1/network/stations", "", map[string]any{"name": "服务站", "address": "\x00"})
				}, "address"},
				{"ErrStationCoverageNested", func() response {
					return ts.SendJSON(t, admin, "POST", "/api/v1/network/stations", "", map[string]any{"name": "服务站", "coverage": []string{"街道", "园区\x00"}})
				}, "coverage[1]"},
				{"ErrWebhookNUL", func() response {
					return ts.SendJSON(t, admin, "POST", "/api/v1/webhooks", "", map[string]any{"name": "钩子\x00", "url": "https://example.gov.cn/hook"})
				}, "name"},
				{"ErrCalendarNoteNUL", func() response {
					return ts.SendJSON(t, admin, "PUT", "/api/v1/calendar/overrides/2026-05-06", "", map[string]any{"workday": false, "note": "台风\x00"})
				}, "note"},
				{"ErrTokenNameNUL", func() response {
					return ts.SendJSON(t, admin, "POST", "/api/v1/tokens", "", map[string]any{"name": "令牌\x00", "role": "leader", "all_scopes": true})
				}, "name"},
				{"ErrPolicyNUL", func() response {
					return ts.SendJSON(t, admin, "POST", "/api/v1/policies", "", map[string]any{"title": "政策\x00"})
				}, "title"},
				{"ErrSelfReportNUL", func() response {
					return ts.SendJSON(t, ent, "POST", "/api/v1/self-reports", "", map[string]any{"fields": map[string]string{"street": "街道\x00"}})
				}, "fields.street"},
				{"ErrKeyNUL", func() response { return raw(admin, "POST", "/api/v1/units", `{"na\u0000me": "x", "kind": "其他"}`) }, ""},
				{"ErrDeepJSON", func() response {
					return raw(admin, "POST", "/api/v1/units", `{"name": "x", "kind": "其他", "aliases": `+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`}`)
				}, ""},
			} {
				t.Run(tc.name, func(t *testing.T) {
					res := tc.do()
					wantStatus(t, res, http.StatusUnprocessableEntity)
					if strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
						p := wantProblem(t, res, http.StatusUnprocessableEntity, "invalid", tc.field)
						if tc.field != "" && !strings.Contains(p.Detail, tc.field) {
							t.Errorf("detail %q does not name %s", p.Detail, tc.field)
						}
					}
				})
			}
			t.Run("OKMultiLine", func(t *testing.T) {
				res := form(admin, "/admin/units", url.Values{"name": {"多行别名单位"}, "kind": {"其他"}, "aliases": {"别名一\r\n别名二"}})
				wantStatus(t, res, http.StatusSeeOther)
				u, err := ts.App.Org.Resolve(context.Background(), "别名二")
				if err != nil || u.Name != "多行别名单位" {
					t.Fatalf("aliases across lines: %v %v", u, err)
				}
			})
			t.Run("OKNothingStored", func(t *testing.T) {
				var n int
				if err := ts.App.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM units WHERE name LIKE '单位%'`).Scan(&n); err != nil || n != 0 {
					t.Fatalf("%d refused units stored (%v)", n, err)
				}
			})
		})
	}
}

// TestAPIContentType checks that an API request with a body must send it
// as JSON, and that uploads go only where a route takes them.
func TestAPIContentType(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.LoginAs(t, "admin")
	body := `{"name": "类型测试单位", "kind": "其他"}`
	for _, tc := range []struct {
		name, ct string
		status   int
	}{
		{"OK json", "application/json", http.StatusCreated},
		{"OK json charset", "application/json; charset=utf-8", http.StatusCreated},
		{"ErrTextPlain", "text/plain", http.StatusUnsupportedMediaType},
		{"ErrNone", "", http.StatusUnsupportedMediaType},
		{"ErrForm", "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"ErrMultipart", "multipart/form-data; boundary=x", http.StatusUnsupportedMediaType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := strings.Replace(body, "类型测试单位", "类型测试单位"+tc.name, 1)
			req := ts.Request(t, "POST", "/api/v1/units", strings.NewReader(b))
			if tc.ct != "" {
				req.Header.Set("Content-Type", tc.ct)
			}
			res := ts.Do(t, admin, req)
			if tc.status == http.StatusUnsupportedMediaType {
				wantProblem(t, res, tc.status, "unsupported_media_type", "")
			} else {
				wantStatus(t, res, tc.status)
			}
		})
	}
	t.Run("OK no body needs no type", func(t *testing.T) {
		wantStatus(t, ts.Do(t, admin, ts.Request(t, "GET", "/api/v1/units", nil)), http.StatusOK)
	})
}

// TestInputRulesNameRoutes checks the input table of routes.go against the
// route table and the templates: every entry is a route, and every
// textarea's field is declared multi-line somewhere.
func TestInputRulesNameRoutes(t *testing.T) {
	ts := newTestServer(t)
	patterns := map[string]bool{}
	for _, p := range ts.Server.Patterns() {
		patterns[p] = true
	}
	multi := map[string]bool{}
	for pattern, in := range web.Inputs() {
		if !patterns[pattern] {
			t.Errorf("inputs() names %q, which is not a route", pattern)
		}
		for _, f := range in.MultiLine {
			multi[f] = true
		}
	}
	files, err := filepath.Glob("templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("templates: %v", err)
	}
	re := regexp.MustCompile(`<textarea[^>]*\sname="([^"]+)"`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !multi[m[1]] {
				t.Errorf("%s: textarea %q is not declared multi-line in routes.go's inputs()", f, m[1])
			}
		}
	}
}

// TestSecurityHeaders checks the headers every response carries, that
// /static/ serves files but lists no directory, that the bearer scheme is
// case-insensitive, and that a body of the wrong shape is explained
// without Go's type names.
func TestSecurityHeaders(t *testing.T) {
	ts := newTestServer(t)
	c := ts.Client(t)
	for _, path := range []string{"/login", "/api/v1/units", "/static/app.css", "/no-such-page", "/healthz"} {
		t.Run("OK headers "+path, func(t *testing.T) {
			res := ts.Get(t, c, path)
			for k, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "strict-origin-when-cross-origin",
				"X-Frame-Options":        "DENY",
			} {
				if got := res.Header.Get(k); got != want {
					t.Errorf("%s: %q, want %q", k, got, want)
				}
			}
			csp := res.Header.Get("Content-Security-Policy")
			for _, d := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
				if !strings.Contains(csp, d) {
					t.Errorf("Content-Security-Policy %q lacks %q", csp, d)
				}
			}
			if strings.Contains(csp, "unsafe") {
				t.Errorf("Content-Security-Policy %q allows unsafe sources", csp)
			}
		})
	}
	for _, path := range []string{"/static/", "/static/vendor/", "/static/vendor", "/static/nothing.js"} {
		t.Run("ErrNoListing "+path, func(t *testing.T) {
			res := ts.Get(t, c, path)
			wantStatus(t, res, http.StatusNotFound)
			if strings.Contains(res.Body, `href="app.css"`) || strings.Contains(res.Body, `href="vendor/"`) || strings.Contains(res.Body, `href="htmx-`) {
				t.Fatalf("%s lists files:\n%.500s", path, res.Body)
			}
		})
	}
	t.Run("OK vendored file cached", func(t *testing.T) {
		res := ts.Get(t, c, "/static/vendor/htmx-2.0.11.min.js")
		wantStatus(t, res, http.StatusOK)
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("Cache-Control %q", cc)
		}
	})
	token, _ := ts.Token(t, auth.TokenInput{Name: "大小写", Role: auth.RoleAdmin, Scopes: []auth.Action{auth.ManageUnits}})
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		t.Run("OK scheme "+scheme, func(t *testing.T) {
			req := ts.Request(t, "GET", "/api/v1/units", nil)
			req.Header.Set("Authorization", scheme+" "+token)
			wantStatus(t, ts.Do(t, c, req), http.StatusOK)
		})
	}
	t.Run("ErrNoGoTypeNames", func(t *testing.T) {
		admin := ts.LoginAs(t, "admin")
		for _, body := range []string{`{"title": 5}`, `{"issuing_unit_id": "市发改委"}`, `{"effective_from": 20260101}`, `[1, 2]`, `{"title": "x", "bogus": 1}`} {
			res := ts.SendJSON(t, admin, "POST", "/api/v1/policies", "", body)
			p := wantProblem(t, res, http.StatusUnprocessableEntity, "invalid", "")
			for _, leak := range []string{"policy.", "PolicyInput", "Go ", "struct", "int64", "json:", "unmarshal"} {
				if strings.Contains(p.Detail, leak) {
					t.Errorf("%s: detail %q shows %q", body, p.Detail, leak)
				}
			}
		}
	})
}

// TestTemplatesNoInlineCode checks the templates for what the content
// security policy blocks: inline scripts, <style> blocks, style attributes
// and on… event handlers. Put styles in static/app.css, behaviour in
// static/app.js (data-confirm, data-select-all) or a page's own script file.
func TestTemplatesNoInlineCode(t *testing.T) {
	files, err := filepath.Glob("templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("templates: %v", err)
	}
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`<script(\s[^>]*)?>`),
		regexp.MustCompile(`<style[\s>]`),
		regexp.MustCompile(`\sstyle=`),
		regexp.MustCompile(`\son[a-z]+=`),
		regexp.MustCompile(`\shx-on`),
		regexp.MustCompile(`javascript:`),
	} {
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllString(string(b), -1) {
				if strings.HasPrefix(m, "<script") && strings.Contains(m, ` src="/static/`) {
					continue
				}
				t.Errorf("%s: %q is blocked by the content security policy", f, m)
			}
		}
	}
}

// importCSV returns a CSV of n new enterprises.
func importCSV(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("uscc,name,employees\n")
	for i := range n {
		code, err := enterprise.MakeUSCC('9', '1', "420102", fmt.Sprintf("MA4K%04d", i))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s,武汉中断测试%d科技有限公司,%d\n", code, i, i+1)
	}
	return b.String()
}

// uploadImport posts content as an import through the API and returns the
// run.
func uploadImport(t *testing.T, ts *testServer, c *http.Client, filename, content string) enterprise.ImportRun {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", filename)
	_, _ = fw.Write([]byte(content))
	mw.Close()
	req := ts.Request(t, http.MethodPost, "/api/v1/imports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res := ts.Do(t, c, req)
	wantStatus(t, res, http.StatusAccepted)
	var run enterprise.ImportRun
	res.JSON(t, &run)
	return run
}

// TestImportInterrupted kills a web import while it builds the indexes a
// first import defers, and lets another's job lease run out: each run
// then says it failed, why, and offers a retry, which finishes it. An
// interrupted run not retried within a week gives up its upload to the
// daily clean-up, as do files no run names.
func TestImportInterrupted(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.LoginAs(t, "admin")
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	getRun := func(id int64) enterprise.ImportRun {
		t.Helper()
		var run enterprise.ImportRun
		ts.Get(t, admin, fmt.Sprintf("/api/v1/imports/%d", id)).JSON(t, &run)
		return run
	}
	uploads := func() []string {
		files, _ := filepath.Glob(filepath.Join(ts.App.Imports.Dir, "*"))
		return files
	}
	deferred := func() int {
		var n int
		if err := ts.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM enterprise_deferred_indexes`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	run := uploadImport(t, ts, admin, "名单.csv", importCSV(t, 50))
	// Another process takes the job and dies while it builds the indexes
	// its large first import deferred: the rows are in, the indexes not.
	killer := jobs.New(ts.App.DB, jobs.Options{Now: ts.Clock.Now, Logger: quiet})
	killer.Register(enterprise.ImportJobKind, func(ctx context.Context, j *jobs.Job) error {
		f, err := os.Open(uploads()[0])
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = ts.App.Enterprises.Import(ctx, f, enterprise.FormatCSV, enterprise.ImportOptions{ExpectedRows: 100_000}, func(p enterprise.Progress) {
			if p.Phase == enterprise.PhaseIndexes {
				panic("进程在建索引时被杀死")
			}
		})
		return err
	})
	if ran, err := killer.RunOnce(ctx); !ran || err == nil {
		t.Fatalf("the killed import: ran %v, err %v", ran, err)
	}
	if deferred() == 0 {
		t.Fatal("the kill left no deferred index: not killed in the index phase")
	}

	t.Run("ErrShownFailedWithRetry", func(t *testing.T) {
		got := getRun(run.ID)
		if got.Status != enterprise.RunFailed || !got.Retryable || !strings.Contains(got.Error, "导入中断") || !strings.Contains(got.Error, "被杀死") {
			t.Fatalf("run after the kill: status %q retryable %v error %q", got.Status, got.Retryable, got.Error)
		}
		page := ts.Get(t, admin, fmt.Sprintf("/admin/import/%d", run.ID))
		wantStatus(t, page, http.StatusOK)
		wantContains(t, page.Body, `data-status="failed"`, "导入失败", "被杀死", fmt.Sprintf(`action="/admin/import/%d/retry"`, run.ID), "重试导入")
		if strings.Contains(page.Body, "正在导入") || strings.Contains(page.Body, "hx-trigger") {
			t.Fatal("the failed run still says it is importing")
		}
	})
	t.Run("OKRetryFinishes", func(t *testing.T) {
		res := ts.PostForm(t, admin, fmt.Sprintf("/admin/import/%d/retry", run.ID), nil)
		wantStatus(t, res, http.StatusSeeOther)
		if got := getRun(run.ID); got.Status != enterprise.RunQueued {
			t.Fatalf("after retry: status %q", got.Status)
		}
		if ran, err := ts.App.Jobs.RunOnce(ctx); !ran || err != nil {
			t.Fatalf("the retried import: ran %v, err %v", ran, err)
		}
		got := getRun(run.ID)
		if got.Status != enterprise.RunDone || got.Result == nil || got.Result.Read != 50 || got.Result.Rejected != 0 ||
			got.Result.Inserted+got.Result.Unchanged != 50 {
			t.Fatalf("the retried run: status %q result %+v error %q", got.Status, got.Result, got.Error)
		}
		if deferred() != 0 || len(uploads()) != 0 {
			t.Fatalf("after the retry: %d deferred indexes, uploads %v", deferred(), uploads())
		}
		page := ts.Get(t, admin, fmt.Sprintf("/admin/import/%d", run.ID))
		wantContains(t, page.Body, "导入完成", `id="n-read">50<`)
		wantProblem(t, ts.SendJSON(t, admin, "POST", fmt.Sprintf("/api/v1/imports/%d/retry", run.ID), "", nil), http.StatusConflict, "conflict", "")
		entries, _, err := ts.App.Audit.Find(ctx, audit.Filter{Entity: "import_run"})
		if err != nil || len(entries) != 1 || entries[0].Action != "retry" {
			t.Fatalf("audit of the retry: %+v %v", entries, err)
		}
	})

	// A job whose process hangs or dies keeps its lease until it runs out.
	hung := uploadImport(t, ts, admin, "第二批.csv", importCSV(t, 3))
	stuck := jobs.New(ts.App.DB, jobs.Options{Now: ts.Clock.Now, Logger: quiet, Lease: time.Minute})
	stuck.Register(enterprise.ImportJobKind, func(ctx context.Context, j *jobs.Job) error { <-ctx.Done(); return ctx.Err() })
	stuckCtx, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { defer close(stopped); _, _ = stuck.RunOnce(stuckCtx) }()
	for deadline := time.Now().Add(10 * time.Second); getRun(hung.ID).Status != enterprise.RunRunning; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the hung process never took the job")
		}
	}
	ts.Clock.Advance(2 * time.Minute)
	if n, err := ts.App.Jobs.Reclaim(ctx); err != nil || n != 1 {
		t.Fatalf("reclaim: %d %v", n, err)
	}
	stop()
	<-stopped

	t.Run("ErrLeaseExpiredShownFailed", func(t *testing.T) {
		got := getRun(hung.ID)
		if got.Status != enterprise.RunFailed || !got.Retryable || !strings.Contains(got.Error, "租约") {
			t.Fatalf("run after its lease ran out: status %q retryable %v error %q", got.Status, got.Retryable, got.Error)
		}
	})
	t.Run("OKAbandonedUploadCleaned", func(t *testing.T) {
		orphan := filepath.Join(ts.App.Imports.Dir, "orphan.csv")
		if err := os.WriteFile(orphan, []byte("x"), 0o640); err != nil {
			t.Fatal(err)
		}
		old := ts.Clock.Now().Add(-48 * time.Hour)
		if err := os.Chtimes(orphan, old, old); err != nil {
			t.Fatal(err)
		}
		if n, err := ts.App.Imports.CleanUploads(ctx); err != nil || n != 1 || len(uploads()) != 1 {
			t.Fatalf("clean-up today: removed %d (%v), left %v; want only the orphan gone", n, err, uploads())
		}
		ts.Clock.Advance(8 * 24 * time.Hour)
		if n, err := ts.App.Imports.CleanUploads(ctx); err != nil || n != 1 || len(uploads()) != 0 {
			t.Fatalf("clean-up after a week: removed %d (%v), left %v", n, err, uploads())
		}
		admin = ts.LoginAs(t, "admin") // the session ended during the week
		got := getRun(hung.ID)
		if got.Status != enterprise.RunFailed || got.Retryable || !strings.Contains(got.Error, "已清理") {
			t.Fatalf("abandoned run: status %q retryable %v error %q", got.Status, got.Retryable, got.Error)
		}
		wantProblem(t, ts.SendJSON(t, admin, "POST", fmt.Sprintf("/api/v1/imports/%d/retry", hung.ID), "", nil), http.StatusConflict, "conflict", "")
	})
}

// TestImportRefusedFile checks that a file the import refuses whole (GBK
// instead of UTF-8) fails its run and its job, with the reason, instead of
// a job shown as done.
func TestImportRefusedFile(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.LoginAs(t, "admin")
	// 统一社会信用代码,企业名称 / …,武汉科技 saved as GBK.
	gbk := "\xcd\xb3\xd2\xbb\xc9\xe7\xbb\xe1\xd0\xc5\xd3\xc3\xb4\xfa\xc2\xeb,\xc6\xf3\xd2\xb5\xc3\xfb\xb3\xc6\n" +
		"91420102MA4K00017X,\xce\xe4\xba\xba\xbf\xc6\xbc\xbc\n"
	run := uploadImport(t, ts, admin, "名单.csv", gbk)
	if ran, _ := ts.App.Jobs.RunOnce(context.Background()); !ran {
		t.Fatal("the import job did not run")
	}
	var got enterprise.ImportRun
	ts.Get(t, admin, fmt.Sprintf("/api/v1/imports/%d", run.ID)).JSON(t, &got)
	if got.Status != enterprise.RunFailed || got.Retryable || !strings.Contains(got.Error, "GBK") {
		t.Fatalf("run of a GBK file: status %q retryable %v error %q", got.Status, got.Retryable, got.Error)
	}
	page := ts.Get(t, admin, fmt.Sprintf("/admin/import/%d", run.ID))
	wantContains(t, page.Body, "导入失败", "GBK", `href="/admin/import"`)
	j, err := ts.App.Jobs.FindJobByID(context.Background(), run.JobID)
	if err != nil || j.Status != jobs.Failed || !strings.Contains(j.LastError, "GBK") || strings.HasPrefix(j.LastError, "invalid") {
		t.Fatalf("job of the refused file: %+v %v", j, err)
	}
	jobPage := ts.Get(t, admin, fmt.Sprintf("/admin/jobs/%d", run.JobID))
	wantContains(t, jobPage.Body, "失败", "GBK")
	if strings.Contains(jobPage.Body, "已完成") {
		t.Fatal("the jobs page calls the refused import done")
	}
}
