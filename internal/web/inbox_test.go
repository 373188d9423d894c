package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/policy"
)

// actorOf returns the actor of the test account called username.
func actorOf(t *testing.T, ts *testServer, username string) *auth.Actor {
	t.Helper()
	u, err := ts.App.Auth.FindUserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u.Actor()
}

// runJobs runs queued jobs until none is left.
func runJobs(t *testing.T, ts *testServer) {
	t.Helper()
	for range 200 {
		ran, err := ts.App.Jobs.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			return
		}
	}
	t.Fatal("jobs still queued after 200 runs")
}

// TestEnterpriseInbox: what is pushed to an enterprise reaches its account
// over HTTP — the inbox page, the unread badge, the notifications API, and
// marking one or all read — and reading the push in the inbox counts as
// 已阅读 in the policy's statistics.
func TestEnterpriseInbox(t *testing.T) {
	ts := newTestServer(t)
	ids := withCity(t, ts, 200)
	ctx := context.Background()
	me, other := ids[5], ids[6]
	for _, id := range []int64{me, other} {
		if _, err := ts.App.Enterprises.UpdateEnterprise(ctx, auth.Operator("test"), id, enterprise.Update{District: ptr("420111"), Tags: &[]string{"高新技术企业"},
			Revenue: ptr64(30000000), Source: enterprise.SourceSpecialist}); err != nil {
			t.Fatal(err)
		}
	}
	enterpriseUser(t, ts, "ent", me)
	enterpriseUser(t, ts, "ent2", other)

	// A unit drafts and submits a policy, the office publishes it, the
	// push goes out.
	staff, admin := actorOf(t, ts, "staff"), actorOf(t, ts, "admin")
	p, err := ts.App.Policy.CreatePolicy(ctx, staff, policy.PolicyInput{Title: "洪山区高企奖励", Category: "资金扶持", District: ptr("420111")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.App.Policy.AddClause(ctx, staff, p.ID, policy.ClauseInput{Title: "高企奖励", Rule: json.RawMessage(hongshan),
		BenefitKind: "资金奖补", Amount: json.RawMessage(`{"fixed": 200000}`), Mode: policy.ModeAutomatic}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.App.Policy.Submit(ctx, staff, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.App.Policy.Review(ctx, admin, p.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	runJobs(t, ts)

	ent := ts.LoginAs(t, "ent")
	res := ts.Get(t, ent, "/inbox")
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.Body, "洪山区高企奖励", `<span class="badge" id="unread">1</span>`)
	if want := "没有消息"; strings.Contains(res.Body, want) {
		t.Errorf("the inbox says %s", want)
	}

	type inbox struct {
		Items []struct {
			ID           int64
			EnterpriseID *int64 `json:"enterprise_id"`
			Title        string
			ReadAt       *string `json:"read_at"`
		}
		Total int
	}
	var got inbox
	res = ts.Get(t, ent, "/api/v1/notifications?unread=true")
	wantStatus(t, res, http.StatusOK)
	res.JSON(t, &got)
	if got.Total != 1 || len(got.Items) != 1 || got.Items[0].EnterpriseID == nil || *got.Items[0].EnterpriseID != me {
		t.Fatalf("unread notifications of the enterprise account: %s", res.Body)
	}
	push := got.Items[0].ID

	readCount := func() int {
		t.Helper()
		res := ts.Get(t, ts.LoginAs(t, "admin"), fmt.Sprintf("/api/v1/policies/%d/metrics", p.ID))
		wantStatus(t, res, http.StatusOK)
		var m struct{ Read, Pushed int }
		res.JSON(t, &m)
		if m.Pushed != 2 {
			t.Errorf("pushed %d, want 2", m.Pushed)
		}
		return m.Read
	}
	if n := readCount(); n != 0 {
		t.Errorf("read before anyone read: %d", n)
	}

	t.Run("ErrNotFound", func(t *testing.T) {
		// Another enterprise's account can neither read nor mark the push.
		ent2 := ts.LoginAs(t, "ent2")
		wantProblem(t, ts.SendJSON(t, ent2, http.MethodPost, fmt.Sprintf("/api/v1/notifications/%d/read", push), "", nil), http.StatusNotFound, "not_found", "")
		wantStatus(t, ts.PostForm(t, ent2, fmt.Sprintf("/inbox/%d/read", push), nil), http.StatusNotFound)
		var theirs inbox
		ts.Get(t, ent2, "/api/v1/notifications").JSON(t, &theirs)
		for _, it := range theirs.Items {
			if it.ID == push {
				t.Errorf("another enterprise sees the push")
			}
		}
	})

	t.Run("OKMarkRead", func(t *testing.T) {
		wantStatus(t, ts.SendJSON(t, ent, http.MethodPost, fmt.Sprintf("/api/v1/notifications/%d/read", push), "", nil), http.StatusNoContent)
		var after inbox
		ts.Get(t, ent, "/api/v1/notifications").JSON(t, &after)
		if after.Total != 1 || after.Items[0].ReadAt == nil {
			t.Errorf("after marking read: %+v", after)
		}
		if n := readCount(); n != 1 {
			t.Errorf("已阅读 %d after the enterprise read the push in its inbox, want 1", n)
		}
		res := ts.Get(t, ent, "/inbox")
		if strings.Contains(res.Body, `id="unread"`) {
			t.Errorf("badge still shown after reading")
		}
	})

	t.Run("OKMarkAllRead", func(t *testing.T) {
		uid := actorOf(t, ts, "ent").UserID
		for _, n := range []notify.Notification{
			{EnterpriseID: &me, Kind: "test.enterprise", Title: "致企业的通知"},
			{UserID: &uid, Kind: "test.user", Title: "致账号的通知"},
		} {
			if _, _, err := ts.App.Notify.Notify(ctx, ts.App.DB, n); err != nil {
				t.Fatal(err)
			}
		}
		res := ts.Get(t, ent, "/inbox?unread=1")
		wantContains(t, res.Body, "致企业的通知", "致账号的通知", `<span class="badge" id="unread">2</span>`)
		wantStatus(t, ts.PostForm(t, ent, "/inbox/read-all", nil), http.StatusSeeOther)
		var after inbox
		ts.Get(t, ent, "/api/v1/notifications?unread=true").JSON(t, &after)
		if after.Total != 0 {
			t.Errorf("unread after marking all read: %+v", after)
		}
		// The other enterprise's push is still unread.
		var theirs inbox
		ts.Get(t, ts.LoginAs(t, "ent2"), "/api/v1/notifications?unread=true").JSON(t, &theirs)
		if theirs.Total != 1 {
			t.Errorf("the other enterprise's unread: %d, want 1", theirs.Total)
		}
	})
}
