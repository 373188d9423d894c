package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/qinqing/qinqing/internal/notify"
)

// TestWebhookDelivery registers a webhook through the API and checks that a
// notification reaches it, signed.
func TestWebhookDelivery(t *testing.T) {
	ts := newTestServer(t)
	var mu sync.Mutex
	var got []byte
	var sig string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, sig = b, r.Header.Get(notify.SignatureHeader)
		mu.Unlock()
	}))
	defer receiver.Close()
	admin := ts.LoginAs(t, "admin")
	res := ts.SendJSON(t, admin, http.MethodPost, "/api/v1/webhooks", "", map[string]any{"name": "12345热线", "url": receiver.URL, "secret": "s3cret-0123456789abcdef"})
	if res.Status != http.StatusCreated {
		t.Fatalf("create webhook: %d %s", res.Status, res.Body)
	}
	if bad := ts.SendJSON(t, admin, http.MethodPost, "/api/v1/webhooks", "", map[string]any{"name": "x", "url": "ftp://x"}); bad.Status != 422 {
		t.Fatalf("an ftp url: %d %s", bad.Status, bad.Body)
	}
	if list := ts.Get(t, admin, "/api/v1/webhooks"); list.Status != 200 || strings.Contains(list.Body, "s3cret-0123456789abcdef") {
		t.Fatalf("list must not show secrets: %d %s", list.Status, list.Body)
	}
	if leader := ts.Get(t, ts.LoginAs(t, "leader"), "/api/v1/webhooks"); leader.Status != 403 {
		t.Fatalf("leader: %d", leader.Status)
	}
	u, err := ts.App.Auth.FindUserByUsername(context.Background(), "leader")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := ts.App.Notify.Notify(ctx, ts.App.DB, notify.Notification{UserID: &u.ID, Kind: "test.hello", Title: "你好"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if _, err := ts.App.Jobs.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var payload map[string]any
	if err := json.Unmarshal(got, &payload); err != nil || payload["title"] != "你好" {
		t.Fatalf("webhook payload %s (%v)", got, err)
	}
	if !notify.VerifySignature([]byte("s3cret-0123456789abcdef"), got, sig) {
		t.Fatalf("bad signature %q", sig)
	}
}
