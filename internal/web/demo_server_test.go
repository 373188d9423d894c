package web_test

import (
	"context"
	"io"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/demo"
	"github.com/qinqing/qinqing/internal/web"
)

// newDemoServer serves a fresh SQLite database loaded with the demo data.
func newDemoServer(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.DB = filepath.Join(t.TempDir(), "demo.db")
	cfg.Demo = true
	cfg.DemoSize = 500
	a, err := app.Open(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if _, err := a.DB.Migrate(ctx, time.Now); err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, a, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(context.Background()) })
	<-a.PolicyLoaded()
	s, err := web.New(a)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}
