package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/web"
	"github.com/qinqing/qinqing/internal/workday"
)

// testPassword is the password of every account newTestServer creates.
const testPassword = "test-pass-123"

// testClock is a clock that tests move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// testServer is a server on a fresh SQLite database with one account per
// role: admin, leader, staff (unit_staff of unit Unit), specialist and
// enterprise, all with testPassword.
type testServer struct {
	App    *app.App
	Server *web.Server
	HTTP   *httptest.Server
	Clock  *testClock
	Unit   *org.Unit // the unit of the staff account
}

// newTestServer builds a testServer; its clock starts at 10:00 on Monday
// 2 March 2026 in Asia/Shanghai. Each of configure, if any, adjusts the
// configuration first.
func newTestServer(t *testing.T, configure ...func(*config.Config)) *testServer {
	t.Helper()
	ctx := context.Background()
	clock := &testClock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, workday.Shanghai)}
	cfg := config.Default()
	cfg.DB = filepath.Join(t.TempDir(), "test.db")
	cfg.DataDir = t.TempDir()
	for _, c := range configure {
		c(&cfg)
	}
	a, err := app.Open(ctx, cfg, app.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if _, err := a.DB.Migrate(ctx, clock.Now); err != nil {
		t.Fatal(err)
	}
	unit, err := a.Org.CreateUnit(ctx, auth.Operator("test"), org.UnitInput{Name: "市发展和改革委员会", Kind: org.KindDepartment, Aliases: []string{"市发改委"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []auth.UserInput{
		{Username: "admin", DisplayName: "管理员", Role: auth.RoleAdmin},
		{Username: "leader", DisplayName: "领导", Role: auth.RoleLeader},
		{Username: "staff", DisplayName: "发改委经办人", Role: auth.RoleUnitStaff, UnitID: &unit.ID},
		{Username: "specialist", DisplayName: "服务专员", Role: auth.RoleSpecialist},
		{Username: "enterprise", DisplayName: "企业用户", Role: auth.RoleEnterprise},
	} {
		u.Password = testPassword
		if _, err := a.Auth.CreateUser(ctx, auth.Operator("test"), u); err != nil {
			t.Fatal(err)
		}
	}
	s, err := web.New(a)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &testServer{App: a, Server: s, HTTP: srv, Clock: clock, Unit: unit}
}

// Client returns a client with its own cookie jar that does not follow
// redirects, so that tests see them.
func (ts *testServer) Client(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// LoginAs returns a client logged in as username (with testPassword).
func (ts *testServer) LoginAs(t *testing.T, username string) *http.Client {
	t.Helper()
	c := ts.Client(t)
	res := ts.PostForm(t, c, "/login", url.Values{"username": {username}, "password": {testPassword}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("login as %s: status %d, want 303\n%s", username, res.Status, res.Body)
	}
	return c
}

// response is a response read whole.
type response struct {
	Status int
	Header http.Header
	Body   string
}

// JSON decodes the body into v.
func (r response) JSON(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
}

// Do sends req with c and reads the response.
func (ts *testServer) Do(t *testing.T, c *http.Client, req *http.Request) response {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// Request builds a request to path on the server.
func (ts *testServer) Request(t *testing.T, method, path string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, ts.HTTP.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// Get fetches path with c.
func (ts *testServer) Get(t *testing.T, c *http.Client, path string) response {
	t.Helper()
	return ts.Do(t, c, ts.Request(t, http.MethodGet, path, nil))
}

// PostForm posts form values to path with c.
func (ts *testServer) PostForm(t *testing.T, c *http.Client, path string, form url.Values) response {
	t.Helper()
	req := ts.Request(t, http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return ts.Do(t, c, req)
}

// SendJSON sends body (a string as is, anything else marshalled) to path
// with method, using c and, if token is not empty, a bearer token.
func (ts *testServer) SendJSON(t *testing.T, c *http.Client, method, path, token string, body any) response {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = strings.NewReader(string(j))
	}
	req := ts.Request(t, method, path, r)
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return ts.Do(t, c, req)
}

// Token creates an API token directly in the domain and returns its secret.
func (ts *testServer) Token(t *testing.T, in auth.TokenInput) (string, *auth.Token) {
	t.Helper()
	secret, tok, err := ts.App.Auth.CreateToken(context.Background(), auth.Operator("test"), in)
	if err != nil {
		t.Fatal(err)
	}
	return secret, tok
}
