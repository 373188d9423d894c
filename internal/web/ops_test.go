package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/web"
)

func TestOperations(t *testing.T) {
	ts := newTestServer(t)
	anon := ts.Client(t)
	ts.Get(t, anon, "/login") // one request so that the request counter has a series
	tests := []struct {
		path     string
		status   int
		contains string
	}{
		{"/healthz", 200, `"ok"`},
		{"/readyz", 200, `"ready"`},
		{"/metrics", 200, "qinqing_http_requests_total"},
		{"/metrics", 200, "qinqing_http_request_duration_seconds"},
		{"/metrics", 200, `qinqing_jobs{status="queued"}`},
		{"/metrics", 200, `qinqing_db_open_connections{pool="write"}`},
		{"/api/v1/openapi.json", 200, `"openapi"`},
		{"/static/vendor/htmx-2.0.11.min.js", 200, "htmx"},
		{"/no/such/page", 404, "页面不存在"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := ts.Get(t, anon, tt.path)
			if res.Status != tt.status || !strings.Contains(res.Body, tt.contains) {
				t.Fatalf("status %d, want %d containing %q\n%.400s", res.Status, tt.status, tt.contains, res.Body)
			}
			if id := res.Header.Get("X-Request-Id"); tt.path != "/metrics" && id == "" {
				t.Error("no X-Request-Id header")
			}
		})
	}
}

// TestReadyzOldSchema: an instance on an unmigrated database is not ready.
func TestReadyzOldSchema(t *testing.T) {
	cfg := config.Default()
	cfg.DB = filepath.Join(t.TempDir(), "empty.db")
	a, err := app.Open(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	s, err := web.New(a)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("readyz on an old schema: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}
