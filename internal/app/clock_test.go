package app_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
)

// TestClockInMilliseconds: instants are stored in milliseconds, so the
// services read the clock at that precision — an appeal's acknowledgement
// says the received_at a later read of it says (it said 10:00:00.123456789
// and the read 10:00:00.123).
func TestClockInMilliseconds(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DB = filepath.Join(t.TempDir(), "q.db")
	at := time.Date(2026, 3, 2, 10, 0, 0, 123456789, time.UTC)
	a, err := app.Open(ctx, cfg, app.Options{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.DB.Migrate(ctx, a.Now); err != nil {
		t.Fatal(err)
	}
	if got := a.Now(); got.Nanosecond() != 123000000 {
		t.Fatalf("clock %v", got)
	}
	admin := auth.Operator("test")
	filed, _, err := a.Appeals.File(ctx, admin, appeal.Intake{Channel: "hotline", Category: "其他", Content: "热线反映的问题。"})
	if err != nil {
		t.Fatal(err)
	}
	read, err := a.Appeals.FindAppealByID(ctx, admin, filed.Number)
	if err != nil {
		t.Fatal(err)
	}
	if !filed.ReceivedAt.Equal(read.ReceivedAt) || !filed.CreatedAt.Equal(read.CreatedAt) {
		t.Fatalf("acknowledged %v / %v, read %v / %v", filed.ReceivedAt, filed.CreatedAt, read.ReceivedAt, read.CreatedAt)
	}
}
