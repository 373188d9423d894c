package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var quiet = slog.New(slog.DiscardHandler)

func mustUser(t *testing.T, db *store.DB, name string) int64 {
	t.Helper()
	var id int64
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRowContext(context.Background(), `INSERT INTO users (username, display_name, password_hash, role, created_at, updated_at)
			VALUES (?, ?, 'x', 'enterprise', 0, 0) RETURNING id`, name, name).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func ptr(v int64) *int64 { return &v }

// user is the actor of a government account with user id.
func user(id int64) *auth.Actor { return &auth.Actor{UserID: id, Role: auth.RoleAdmin} }

// member is the actor of user id, an account of enterprise ent.
func member(id, ent int64) *auth.Actor {
	return &auth.Actor{UserID: id, Role: auth.RoleEnterprise, EnterpriseID: &ent}
}

func mustNotify(t *testing.T, s *notify.Service, db *store.DB, n notify.Notification) int64 {
	t.Helper()
	id, created, err := s.Notify(context.Background(), db, n)
	if err != nil || !created {
		t.Fatalf("Notify(%+v) = %d, %v, %v", n, id, created, err)
	}
	return id
}

// drain runs due jobs until none is left, collecting handler errors.
func drain(t *testing.T, r *jobs.Runner) (ran int, errors []error) {
	t.Helper()
	for range 100 {
		ok, err := r.RunOnce(context.Background())
		if err != nil {
			errors = append(errors, err)
		}
		if !ok {
			return ran, errors
		}
		ran++
	}
	t.Fatal("jobs keep coming")
	return
}

func TestInbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		s := notify.New(db, nil, notify.Options{Now: c.Now, Logger: quiet})
		alice, bob := mustUser(t, db, "alice"), mustUser(t, db, "bob")
		const acme, other = 7, 8
		// Accounts of the enterprises with nothing addressed to them.
		acmeUser, otherUser := member(mustUser(t, db, "acme"), acme), member(mustUser(t, db, "other"), other)
		var aliceIDs []int64
		for i := range 3 {
			aliceIDs = append(aliceIDs, mustNotify(t, s, db, notify.Notification{UserID: &alice, Kind: "appeal.reply",
				Title: fmt.Sprintf("诉求 %d 已答复", i), Link: fmt.Sprintf("/appeals/%d", i)}))
			c.Add(time.Minute)
		}
		bobID := mustNotify(t, s, db, notify.Notification{UserID: &bob, Kind: "appeal.reply", Title: "给 bob"})
		acmeIDs := []int64{
			mustNotify(t, s, db, notify.Notification{EnterpriseID: ptr(acme), Kind: "policy.push", Title: "您可能符合「专精特新」奖补"}),
			mustNotify(t, s, db, notify.Notification{EnterpriseID: ptr(acme), Kind: "policy.push", Title: "第二条"}),
		}

		t.Run("OKPerUser", func(t *testing.T) {
			list, total, err := s.Inbox(ctx, user(alice), notify.InboxFilter{})
			if err != nil || total != 3 || len(list) != 3 {
				t.Fatalf("Inbox = %d items, total %d, %v", len(list), total, err)
			}
			if list[0].ID != aliceIDs[2] || list[2].ID != aliceIDs[0] {
				t.Fatalf("not newest first: %d … %d", list[0].ID, list[2].ID)
			}
			if n := list[2]; n.Title != "诉求 0 已答复" || n.Link != "/appeals/0" || n.UserID == nil || *n.UserID != alice ||
				n.EnterpriseID != nil || n.ReadAt != nil || !n.CreatedAt.Equal(newClock().Now()) {
				t.Fatalf("notification %+v", n)
			}
			page, total, err := s.Inbox(ctx, user(alice), notify.InboxFilter{Limit: 2, Offset: 2})
			if err != nil || total != 3 || len(page) != 1 || page[0].ID != aliceIDs[0] {
				t.Fatalf("page 2 = %+v, total %d, %v", page, total, err)
			}
		})
		t.Run("OKPerEnterprise", func(t *testing.T) {
			list, total, err := s.Inbox(ctx, acmeUser, notify.InboxFilter{})
			if err != nil || total != 2 || len(list) != 2 || *list[0].EnterpriseID != acme {
				t.Fatalf("Inbox = %+v, total %d, %v", list, total, err)
			}
			if _, total, _ := s.Inbox(ctx, otherUser, notify.InboxFilter{}); total != 0 {
				t.Fatalf("other enterprise sees %d", total)
			}
			both, total, err := s.Inbox(ctx, member(bob, acme), notify.InboxFilter{})
			if err != nil || total != 3 || len(both) != 3 {
				t.Fatalf("user+enterprise inbox total %d, %v", total, err)
			}
		})
		t.Run("OKUnreadAndMarkRead", func(t *testing.T) {
			unread := func(r *auth.Actor) int {
				t.Helper()
				n, err := s.UnreadCount(ctx, r)
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			if n := unread(user(alice)); n != 3 {
				t.Fatalf("unread %d", n)
			}
			if err := s.MarkRead(ctx, user(alice), aliceIDs[1]); err != nil {
				t.Fatal(err)
			}
			c.Add(time.Hour)
			if err := s.MarkRead(ctx, user(alice), aliceIDs[1]); err != nil {
				t.Fatalf("marking read twice: %v", err)
			}
			if n := unread(user(alice)); n != 2 {
				t.Fatalf("unread after MarkRead %d", n)
			}
			list, total, err := s.Inbox(ctx, user(alice), notify.InboxFilter{UnreadOnly: true})
			if err != nil || total != 2 || len(list) != 2 {
				t.Fatalf("unread inbox %d, %v", total, err)
			}
			for _, n := range list {
				if n.ID == aliceIDs[1] {
					t.Fatal("read notification listed as unread")
				}
			}
			all, _, _ := s.Inbox(ctx, user(alice), notify.InboxFilter{})
			for _, n := range all {
				if n.ID == aliceIDs[1] && (n.ReadAt == nil || !n.ReadAt.Equal(c.Now().Add(-time.Hour))) {
					t.Fatalf("read at %v; want the first read time kept", n.ReadAt)
				}
			}
			if n, err := s.MarkAllRead(ctx, acmeUser); n != 2 || err != nil {
				t.Fatalf("MarkAllRead = %d, %v", n, err)
			}
			if n := unread(acmeUser); n != 0 {
				t.Fatalf("enterprise unread %d", n)
			}
			if n := unread(user(alice)); n != 2 {
				t.Fatalf("alice's unread changed by the enterprise's MarkAllRead: %d", n)
			}
		})
		t.Run("ErrOwnership", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				r    *auth.Actor
				id   int64
			}{
				{"another user's", user(alice), bobID},
				{"a user's as an enterprise", acmeUser, aliceIDs[0]},
				{"another enterprise's", otherUser, acmeIDs[0]},
				{"missing", user(alice), 999999},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if err := s.MarkRead(ctx, tc.r, tc.id); errs.CodeOf(err) != errs.NotFound {
						t.Fatalf("got %v, want not_found", err)
					}
				})
			}
			if n, _ := s.UnreadCount(ctx, user(bob)); n != 1 {
				t.Fatalf("bob's notification was marked read by someone else: unread %d", n)
			}
		})
		t.Run("ErrNoInbox", func(t *testing.T) {
			if _, _, err := s.Inbox(ctx, nil, notify.InboxFilter{}); errs.CodeOf(err) != errs.Unauthenticated {
				t.Fatalf("no actor: got %v", err)
			}
			token := &auth.Actor{TokenID: 3, Role: auth.RoleAdmin}
			if _, _, err := s.Inbox(ctx, token, notify.InboxFilter{}); errs.CodeOf(err) != errs.Forbidden {
				t.Fatalf("API token: got %v", err)
			}
			if _, err := s.MarkAllRead(ctx, token); errs.CodeOf(err) != errs.Forbidden {
				t.Fatalf("API token marks all read: got %v", err)
			}
		})
		t.Run("OKRecipientOf", func(t *testing.T) {
			for _, tc := range []struct {
				a    *auth.Actor
				want notify.Recipient
			}{
				{user(alice), notify.User(alice)},
				{member(bob, acme), notify.Recipient{UserID: bob, EnterpriseID: acme}},
				{&auth.Actor{UserID: bob, Role: auth.RoleEnterprise}, notify.User(bob)}, // not yet bound
			} {
				if got, err := notify.RecipientOf(tc.a); err != nil || got != tc.want {
					t.Errorf("RecipientOf(%v) = %+v, %v; want %+v", tc.a, got, err, tc.want)
				}
			}
		})
	})
}

func TestNotifyValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := notify.New(db, nil, notify.Options{Now: newClock().Now, Logger: quiet})
		u := mustUser(t, db, "u")
		for _, tc := range []struct {
			name string
			n    notify.Notification
			code errs.Code
		}{
			{"no recipient", notify.Notification{Kind: "k", Title: "t"}, errs.Invalid},
			{"both recipients", notify.Notification{UserID: &u, EnterpriseID: ptr(1), Kind: "k", Title: "t"}, errs.Invalid},
			{"no kind", notify.Notification{UserID: &u, Title: "t"}, errs.Invalid},
			{"kind with comma", notify.Notification{UserID: &u, Kind: "a,b", Title: "t"}, errs.Invalid},
			{"no title", notify.Notification{UserID: &u, Kind: "k", Title: " \n "}, errs.Invalid},
			{"script link", notify.Notification{UserID: &u, Kind: "k", Title: "t", Link: "javascript:alert(1)"}, errs.Invalid},
			{"protocol-relative link", notify.Notification{UserID: &u, Kind: "k", Title: "t", Link: "//evil.example/x"}, errs.Invalid},
			{"unknown user", notify.Notification{UserID: ptr(424242), Kind: "k", Title: "t"}, errs.NotFound},
		} {
			t.Run("Err"+tc.name, func(t *testing.T) {
				_, _, err := s.Notify(ctx, db, tc.n)
				if got := errs.CodeOf(err); got != tc.code {
					t.Fatalf("got %v, want %s", err, tc.code)
				}
			})
		}
		t.Run("OKCleansText", func(t *testing.T) {
			id := mustNotify(t, s, db, notify.Notification{UserID: &u, Kind: "k", Title: "第一行\r\nBcc: x@y " + strings.Repeat("长", 300),
				Link: "https://zwfw.example.gov.cn/x"})
			list, _, _ := s.Inbox(ctx, user(u), notify.InboxFilter{})
			if len(list) != 1 || list[0].ID != id {
				t.Fatalf("inbox %+v", list)
			}
			title := list[0].Title
			if strings.ContainsAny(title, "\r\n") || len([]rune(title)) != notify.MaxTitle || !strings.HasSuffix(title, "…") {
				t.Fatalf("title %q (%d runes)", title, len([]rune(title)))
			}
		})
	})
}

func TestDedupeKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		r := jobs.New(db, jobs.Options{Worker: "w", Now: c.Now, Logger: quiet})
		s := notify.New(db, r, notify.Options{Now: c.Now, Logger: quiet, Channels: []notify.Channel{notify.NewLogChannel(quiet)}})
		s.RegisterJobs(r)
		u := mustUser(t, db, "u")
		n := notify.Notification{UserID: &u, Kind: "appeal.overdue", Title: "诉求即将超期", DedupeKey: "appeal:12:overdue"}
		first, created, err := s.Notify(ctx, db, n)
		if err != nil || !created {
			t.Fatalf("first Notify = %d, %v, %v", first, created, err)
		}
		var again int64
		err = db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			again, created, err = s.Notify(ctx, tx, n)
			return err
		})
		if err != nil || created || again != first {
			t.Fatalf("second Notify = %d, created %v, %v; want %d, false", again, created, err, first)
		}
		if n, _ := s.UnreadCount(ctx, user(u)); n != 1 {
			t.Fatalf("unread %d, want 1", n)
		}
		if _, total, _ := r.List(ctx, jobs.JobFilter{Kind: notify.DeliverKind}); total != 1 {
			t.Fatalf("%d delivery jobs, want 1", total)
		}
		t.Run("OKRolledBackTransaction", func(t *testing.T) {
			boom := errors.New("boom")
			err := db.InTx(ctx, func(tx *store.Tx) error {
				if _, _, err := s.Notify(ctx, tx, notify.Notification{UserID: &u, Kind: "k", Title: "回滚"}); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatal(err)
			}
			if n, _ := s.UnreadCount(ctx, user(u)); n != 1 {
				t.Fatalf("rolled-back notification visible: unread %d", n)
			}
			if _, total, _ := r.List(ctx, jobs.JobFilter{Kind: notify.DeliverKind}); total != 1 {
				t.Fatalf("rolled-back delivery job exists: %d jobs", total)
			}
		})
	})
}

// receiver is a webhook endpoint that checks signatures and can fail.
type receiver struct {
	secret string
	mu     sync.Mutex
	fails  int    // respond 500 to this many requests first
	failAt int    // respond 500 to the request of this number (1-based), if set
	tick   func() // called on each request, if set
	got    []notify.WebhookPayload
	heads  []http.Header
	srv    *httptest.Server
}

func newReceiver(t *testing.T, secret string, fails int) *receiver {
	rc := &receiver{secret: secret, fails: fails}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if !notify.VerifySignature([]byte(rc.secret), body, req.Header.Get(notify.SignatureHeader)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		var p notify.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rc.got = append(rc.got, p)
		rc.heads = append(rc.heads, req.Header.Clone())
		if rc.tick != nil {
			rc.tick()
		}
		if rc.failAt > 0 && len(rc.got) == rc.failAt {
			http.Error(w, "维护中", http.StatusInternalServerError)
			return
		}
		if rc.fails > 0 {
			rc.fails--
			http.Error(w, "维护中", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) requests() []notify.WebhookPayload {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]notify.WebhookPayload(nil), rc.got...)
}

func TestWebhookDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		r := jobs.New(db, jobs.Options{Worker: "w", Now: c.Now, Logger: quiet})
		var logBuf bytes.Buffer
		logCh := notify.NewLogChannel(slog.New(slog.NewJSONHandler(&logBuf, nil)))
		hookCh := notify.NewWebhookChannel(db, notify.WebhookOptions{Now: c.Now, BaseURL: "https://qinqing.example.gov.cn/"})
		s := notify.New(db, r, notify.Options{Now: c.Now, Logger: quiet, Channels: []notify.Channel{logCh, hookCh}})
		s.RegisterJobs(r)
		u := mustUser(t, db, "u")

		healthy := newReceiver(t, "healthy-secret-0123456789", 0)
		flaky := newReceiver(t, "flaky-secret-0123456789ab", 1)
		policyOnly := newReceiver(t, "policy-secret-0123456789a", 0)
		create := func(name, url, secret string, kinds ...string) *notify.Webhook {
			t.Helper()
			w, err := s.CreateWebhook(ctx, auth.Operator("test"), notify.Webhook{Name: name, URL: url, Secret: secret, Kinds: kinds})
			if err != nil {
				t.Fatal(err)
			}
			return w
		}
		hHealthy := create("12345 平台", healthy.srv.URL+"/hook?token=abc", healthy.secret)
		create("区政务网", flaky.srv.URL, flaky.secret, "appeal.*")
		create("政策系统", policyOnly.srv.URL, policyOnly.secret, "policy.push")

		id := mustNotify(t, s, db, notify.Notification{UserID: &u, Kind: "appeal.reply", Title: "您的诉求已答复", Body: "详见链接", Link: "/appeals/12"})

		ran, errList := drain(t, r)
		// log + webhook fan-out + two webhook deliveries (one of them fails).
		if ran != 4 || len(errList) != 1 || !strings.Contains(errList[0].Error(), "HTTP 500") {
			t.Fatalf("ran %d jobs, errors %v", ran, errList)
		}
		if !strings.Contains(logBuf.String(), `"kind":"appeal.reply"`) || !strings.Contains(logBuf.String(), `"id":`+strconv.FormatInt(id, 10)) {
			t.Fatalf("log line %s", logBuf.String())
		}
		t.Run("OKSigned", func(t *testing.T) {
			got := healthy.requests()
			if len(got) != 1 {
				t.Fatalf("healthy receiver got %d requests", len(got))
			}
			p, h := got[0], healthy.heads[0]
			if p.ID != id || p.Kind != "appeal.reply" || p.Title != "您的诉求已答复" || p.Link != "https://qinqing.example.gov.cn/appeals/12" ||
				p.UserID == nil || *p.UserID != u || p.Timestamp != c.Now().Unix() {
				t.Fatalf("payload %+v", p)
			}
			if h.Get(notify.TimestampHeader) != strconv.FormatInt(c.Now().Unix(), 10) || h.Get(notify.EventHeader) != "appeal.reply" ||
				h.Get(notify.DeliveryHeader) != fmt.Sprintf("%d:%d", id, hHealthy.ID) {
				t.Fatalf("headers %v", h)
			}
			if n := len(policyOnly.requests()); n != 0 {
				t.Fatalf("receiver of other kinds got %d requests", n)
			}
		})
		t.Run("OKFailingRetriedAlone", func(t *testing.T) {
			if n := len(flaky.requests()); n != 1 {
				t.Fatalf("flaky receiver got %d requests, want 1", n)
			}
			failed, _, err := r.List(ctx, jobs.JobFilter{Kind: notify.DeliverKind, Status: jobs.Queued})
			if err != nil || len(failed) != 1 || failed[0].Attempts != 1 || !strings.Contains(failed[0].LastError, "HTTP 500") {
				t.Fatalf("queued deliveries %+v, %v", failed, err)
			}
			if strings.Contains(failed[0].LastError, "token=") {
				t.Fatalf("last error leaks a URL: %s", failed[0].LastError)
			}
			if ran, err := r.RunOnce(ctx); ran || err != nil {
				t.Fatalf("retried before the backoff: %v, %v", ran, err)
			}
			c.Add(failed[0].RunAt.Sub(c.Now()))
			if ran, err := r.RunOnce(ctx); !ran || err != nil {
				t.Fatalf("retry = %v, %v", ran, err)
			}
			got := flaky.requests()
			if len(got) != 2 || got[1].ID != id || got[1].Delivery != got[0].Delivery || got[1].Timestamp != c.Now().Unix() {
				t.Fatalf("flaky receiver got %+v", got)
			}
			if n := len(healthy.requests()); n != 1 {
				t.Fatalf("healthy receiver got a duplicate: %d requests", n)
			}
			j, err := r.FindJobByID(ctx, failed[0].ID)
			if err != nil || j.Status != jobs.Done || j.Attempts != 2 {
				t.Fatalf("delivery job %+v, %v", j, err)
			}
			if counts, _ := r.Counts(ctx); counts[jobs.Done] != 4 || counts[jobs.Queued] != 0 || counts[jobs.Failed] != 0 {
				t.Fatalf("counts %v", counts)
			}
		})
		t.Run("OKDeletedWebhookSkipped", func(t *testing.T) {
			if err := s.DeleteWebhook(ctx, auth.Operator("test"), hHealthy.ID); err != nil {
				t.Fatal(err)
			}
			mustNotify(t, s, db, notify.Notification{UserID: &u, Kind: "policy.push", Title: "新政策"})
			if _, errList := drain(t, r); len(errList) != 0 {
				t.Fatal(errList)
			}
			if len(healthy.requests()) != 1 || len(policyOnly.requests()) != 1 {
				t.Fatalf("healthy %d (deleted), policy %d", len(healthy.requests()), len(policyOnly.requests()))
			}
		})
	})
}

func TestWebhookAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := notify.New(db, nil, notify.Options{Now: newClock().Now, Logger: quiet})
		for _, tc := range []struct {
			name  string
			w     notify.Webhook
			field string
		}{
			{"NoName", notify.Webhook{URL: "https://a.example/h"}, "name"},
			{"FTP", notify.Webhook{Name: "a", URL: "ftp://a.example/h"}, "url"},
			{"Relative", notify.Webhook{Name: "a", URL: "/hook"}, "url"},
			{"NoHost", notify.Webhook{Name: "a", URL: "https:///hook"}, "url"},
			{"ShortSecret", notify.Webhook{Name: "a", URL: "https://a.example/h", Secret: "short"}, "secret"},
			{"KindWithSpace", notify.Webhook{Name: "a", URL: "https://a.example/h", Kinds: []string{"a b"}}, "kinds"},
		} {
			t.Run("Err"+tc.name, func(t *testing.T) {
				_, err := s.CreateWebhook(ctx, auth.Operator("test"), tc.w)
				if errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != tc.field {
					t.Fatalf("got %v, want invalid %s", err, tc.field)
				}
			})
		}
		t.Run("OK", func(t *testing.T) {
			w, err := s.CreateWebhook(ctx, auth.Operator("test"), notify.Webhook{Name: "市 12345", URL: "http://10.0.0.5:8080/in", Kinds: []string{" appeal.* ", "", "policy.push"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(w.Secret) != 64 || !w.Active || w.ID == 0 {
				t.Fatalf("created %+v", w)
			}
			list, err := s.ListWebhooks(ctx, auth.Operator("test"))
			if err != nil || len(list) != 1 || list[0].Secret != w.Secret || fmt.Sprint(list[0].Kinds) != "[appeal.* policy.push]" ||
				!list[0].CreatedAt.Equal(w.CreatedAt) {
				t.Fatalf("ListWebhooks = %+v, %v", list, err)
			}
			for kind, want := range map[string]bool{"appeal.reply": true, "policy.push": true, "policy.grant": false, "appeal": false} {
				if list[0].Accepts(kind) != want {
					t.Errorf("Accepts(%s) = %v", kind, !want)
				}
			}
			if err := s.DeleteWebhook(ctx, auth.Operator("test"), w.ID); err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteWebhook(ctx, auth.Operator("test"), w.ID); errs.CodeOf(err) != errs.NotFound {
				t.Fatalf("second delete: %v", err)
			}
		})
	})
}

func TestVerifySignature(t *testing.T) {
	secret, body := []byte("s3cret-s3cret-s3cret"), []byte(`{"id":1}`)
	good := notify.Sign(secret, body)
	for _, tc := range []struct {
		name   string
		secret []byte
		body   []byte
		header string
		want   bool
	}{
		{"OK", secret, body, good, true},
		{"ErrWrongSecret", []byte("other"), body, good, false},
		{"ErrTamperedBody", secret, []byte(`{"id":2}`), good, false},
		{"ErrNoPrefix", secret, body, strings.TrimPrefix(good, "sha256="), false},
		{"ErrNotHex", secret, body, "sha256=zz", false},
		{"ErrEmpty", secret, body, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := notify.VerifySignature(tc.secret, tc.body, tc.header); got != tc.want {
				t.Fatalf("VerifySignature = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSMTPChannel(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   notify.SMTPConfig
		field string
	}{
		{"ErrNoAddr", notify.SMTPConfig{From: "a@example.gov.cn", To: []string{"b@example.gov.cn"}}, "smtp_addr"},
		{"ErrNoPort", notify.SMTPConfig{Addr: "smtp.example.gov.cn", From: "a@example.gov.cn", To: []string{"b@example.gov.cn"}}, "smtp_addr"},
		{"ErrFrom", notify.SMTPConfig{Addr: "smtp.example.gov.cn:587", From: "not an address", To: []string{"b@example.gov.cn"}}, "smtp_from"},
		{"ErrTo", notify.SMTPConfig{Addr: "smtp.example.gov.cn:587", From: "a@example.gov.cn", To: []string{"b@"}}, "smtp_to"},
		{"ErrNoRecipients", notify.SMTPConfig{Addr: "smtp.example.gov.cn:587", From: "a@example.gov.cn"}, "smtp_to"},
		{"OK", notify.SMTPConfig{Addr: "smtp.example.gov.cn:587", From: "亲清在线 <noreply@example.gov.cn>", To: []string{"office@example.gov.cn"},
			Kinds: []string{"appeal.*"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := notify.NewSMTPChannel(tc.cfg)
			if tc.field != "" {
				if errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != tc.field {
					t.Fatalf("got %v, want invalid %s", err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ch.Name() != "smtp" || !ch.Accepts("appeal.reply") || ch.Accepts("policy.push") {
				t.Fatalf("channel %s accepts wrong kinds", ch.Name())
			}
		})
	}
}

// TestNotifyManyBatches tells 1,200 enterprises at once: the deliveries go
// out as one job per channel for each batch of MaxBatch notifications (and
// per webhook for each batch), not one per notification and channel; every
// notification reaches the log and both receivers once, and a receiver that
// fails is retried alone and resumes after what it already received.
func TestNotifyManyBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		r := jobs.New(db, jobs.Options{Worker: "w", Now: c.Now, Logger: quiet})
		var logBuf bytes.Buffer
		logCh := notify.NewLogChannel(slog.New(slog.NewJSONHandler(&logBuf, nil)))
		hookCh := notify.NewWebhookChannel(db, notify.WebhookOptions{Now: c.Now})
		s := notify.New(db, r, notify.Options{Now: c.Now, Logger: quiet, Channels: []notify.Channel{logCh, hookCh}})
		s.RegisterJobs(r)
		healthy := newReceiver(t, "healthy-secret-0123456789", 0)
		flaky := newReceiver(t, "flaky-secret-0123456789ab", 0)
		for _, rc := range []*receiver{healthy, flaky} {
			if _, err := s.CreateWebhook(ctx, auth.Operator("test"), notify.Webhook{Name: rc.secret[:5], URL: rc.srv.URL, Secret: rc.secret}); err != nil {
				t.Fatal(err)
			}
		}
		const n = 1200
		ns := make([]notify.Notification, n)
		for i := range ns {
			ns[i] = notify.Notification{EnterpriseID: ptr(int64(i + 1)), Kind: "policy.push", Title: fmt.Sprintf("政策推送 %d", i),
				DedupeKey: fmt.Sprintf("push:%d", i)}
		}
		ids, created, err := s.NotifyMany(ctx, db, ns)
		if err != nil || len(ids) != n || !created[0] || !created[n-1] {
			t.Fatalf("NotifyMany: %d ids, %v", len(ids), err)
		}
		batches := (n + notify.MaxBatch - 1) / notify.MaxBatch
		queued, total, err := r.List(ctx, jobs.JobFilter{Kind: notify.DeliverKind, Limit: 500})
		if err != nil || total != 2*batches {
			t.Fatalf("%d delivery jobs for %d notifications on 2 channels, want %d (%v)", total, n, 2*batches, err)
		}
		for _, j := range queued {
			if j.Lane != jobs.Bulk {
				t.Fatalf("delivery job %d in the %s lane", j.ID, j.Lane)
			}
		}
		// The flaky receiver fails once in the middle of its second batch;
		// each of its requests takes two seconds, so every progress report
		// is written.
		flaky.mu.Lock()
		flaky.failAt = notify.MaxBatch + 100
		flaky.tick = func() { c.Add(2 * time.Second) }
		flaky.mu.Unlock()
		// The clock the flaky receiver moves lets the retry come due within
		// the same drain: the batches, the fan-outs, and one retry.
		ran, errList := drain(t, r)
		if want := 2*batches + 2*batches + 1; ran != want || len(errList) != 1 {
			t.Fatalf("ran %d jobs (want %d), errors %v", ran, want, errList)
		}
		if left, _, _ := r.List(ctx, jobs.JobFilter{Kind: notify.DeliverKind, Status: jobs.Queued}); len(left) != 0 {
			t.Fatalf("%d deliveries left", len(left))
		}
		if lines := strings.Count(logBuf.String(), `"msg":"notification"`); lines != n {
			t.Errorf("log channel wrote %d lines, want %d", lines, n)
		}
		if got := distinct(healthy.requests()); got != n || len(healthy.requests()) != n {
			t.Errorf("healthy receiver got %d requests for %d notifications, want %d once each", len(healthy.requests()), got, n)
		}
		// The retry resumes at the notification that failed, instead of
		// sending the batch again from its start.
		if got, all := distinct(flaky.requests()), len(flaky.requests()); got != n || all != n+1 {
			t.Errorf("flaky receiver got %d requests for %d notifications, want %d", all, got, n+1)
		}
	})
}

func distinct(ps []notify.WebhookPayload) int {
	seen := map[int64]bool{}
	for _, p := range ps {
		seen[p.ID] = true
	}
	return len(seen)
}

// TestNoDeliveryWithoutWebhook: the webhook channel queues no delivery job
// while no active webhook accepts a notification's kind, and does once one
// does — for the notifications written after it.
func TestNoDeliveryWithoutWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		r := jobs.New(db, jobs.Options{Worker: "w", Now: c.Now, Logger: quiet})
		s := notify.New(db, r, notify.Options{Now: c.Now, Logger: quiet, Channels: []notify.Channel{notify.NewWebhookChannel(db, notify.WebhookOptions{Now: c.Now})}})
		s.RegisterJobs(r)
		u := mustUser(t, db, "u")
		queued := func() int {
			t.Helper()
			list, _, err := r.List(ctx, jobs.JobFilter{Kind: notify.DeliverKind})
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		if _, _, err := s.NotifyMany(ctx, db, []notify.Notification{{UserID: &u, Kind: "appeal.received", Title: "a"}, {UserID: &u, Kind: "policy.push", Title: "b"}}); err != nil {
			t.Fatal(err)
		}
		if n := queued(); n != 0 {
			t.Fatalf("%d delivery jobs without any webhook, want 0", n)
		}
		rc := newReceiver(t, "policy-secret-0123456789a", 0)
		if _, err := s.CreateWebhook(ctx, auth.Operator("test"), notify.Webhook{Name: "政策系统", URL: rc.srv.URL, Secret: rc.secret, Kinds: []string{"policy.push"}}); err != nil {
			t.Fatal(err)
		}
		mustNotify(t, s, db, notify.Notification{UserID: &u, Kind: "appeal.received", Title: "c"})
		if n := queued(); n != 0 {
			t.Fatalf("%d delivery jobs for a kind no webhook accepts, want 0", n)
		}
		id := mustNotify(t, s, db, notify.Notification{UserID: &u, Kind: "policy.push", Title: "d"})
		if n := queued(); n != 1 {
			t.Fatalf("%d delivery jobs for a kind a webhook accepts, want 1", n)
		}
		if _, errList := drain(t, r); len(errList) != 0 {
			t.Fatal(errList)
		}
		if got := rc.requests(); len(got) != 1 || got[0].ID != id {
			t.Fatalf("receiver got %+v, want notification %d only", got, id)
		}
	})
}
