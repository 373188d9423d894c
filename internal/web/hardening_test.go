package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
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
