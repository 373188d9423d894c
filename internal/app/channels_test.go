package app_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/notify"
)

// TestOutboundChannels: the log and e-mail channels the documentation
// promises are switched on by configuration, and a bad e-mail setting stops
// the start with a message naming it.
func TestOutboundChannels(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DB = filepath.Join(t.TempDir(), "q.db")
	cfg.NotifyLog = true
	cfg.SMTPAddr, cfg.SMTPFrom, cfg.SMTPTo = "smtp.example.gov.cn:587", "亲清在线 <noreply@example.gov.cn>", "office@example.gov.cn"
	a, err := app.Open(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.DB.Migrate(ctx, time.Now); err != nil {
		t.Fatal(err)
	}
	u, err := a.Auth.CreateUser(ctx, auth.Operator("test"), auth.UserInput{Username: "leader", Password: "12345678", Role: auth.RoleLeader})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Notify.Notify(ctx, a.DB, notify.Notification{UserID: &u.ID, Kind: "test.note", Title: "测试"}); err != nil {
		t.Fatal(err)
	}
	list, _, err := a.Jobs.List(ctx, jobs.JobFilter{Kind: notify.DeliverKind})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, j := range list {
		got = append(got, string(j.Payload))
	}
	for _, ch := range []string{`"log"`, `"smtp"`} {
		if !strings.Contains(strings.Join(got, " "), ch) {
			t.Errorf("no delivery to channel %s: %v", ch, got)
		}
	}

	t.Run("ErrBadSMTP", func(t *testing.T) {
		bad := cfg
		bad.SMTPFrom = "not an address"
		_, err := app.Open(ctx, bad, app.Options{})
		if errs.CodeOf(err) != errs.Invalid || !strings.Contains(errs.MessageOf(err), "QINQING_SMTP") {
			t.Fatalf("got %v", err)
		}
	})
}
