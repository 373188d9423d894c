package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestHomePanels: each role's home shows the panels of the modules that
// exist for it, and nothing promised by modules that are not there.
func TestHomePanels(t *testing.T) {
	ts := newTestServer(t)
	ids := withCity(t, ts, 50)
	enterpriseUser(t, ts, "ent", ids[0])
	for _, tc := range []struct {
		user      string
		want, not []string
	}{
		{"admin", []string{`id="panel-system"`, `id="panel-registry"`, `id="panel-policy"`, `id="panel-network"`, `id="panel-reviews"`, "<b>50</b><span>登记的市场主体",
			`id="panel-redeem"`, "兑付时效排名", `id="panel-appeals"`, "待派单", "一次性化解率"},
			[]string{`id="panel-checkup"`, `id="panel-specialist"`}},
		{"leader", []string{`id="panel-registry"`, `id="panel-policy"`, `id="panel-network"`, "累计主动推送", `id="panel-redeem"`, `id="panel-appeals"`, "满意率",
			"<b>—</b><span>按时拨付率"}, // nothing paid yet: no rate, not 0.0 %
			[]string{`id="panel-system"`, `id="panel-reviews"`, "待审核政策"}},
		{"staff", []string{`id="panel-registry"`, `id="panel-policy"`, "待审核政策", `id="panel-redeem"`, "笔超过 5 个工作日未拨付", `id="panel-appeals"`, "待签收", "退回重办"},
			[]string{`id="panel-system"`, `id="panel-network"`, "累计主动推送", "排名"}},
		{"specialist", []string{`id="panel-specialist"`, `id="panel-reviews"`, `id="panel-registry"`, "我服务的企业", `id="panel-appeals"`},
			[]string{`id="panel-system"`, `id="panel-network"`}},
		{"ent", []string{`id="panel-checkup"`, `id="panel-profile"`, "项政策条款符合", `id="panel-benefits"`, `id="panel-appeals"`, "提交诉求"},
			[]string{`id="panel-registry"`, `id="panel-policy"`, `id="panel-system"`, `id="panel-redeem"`, "排名"}},
	} {
		t.Run("OK"+tc.user, func(t *testing.T) {
			res := ts.Get(t, ts.LoginAs(t, tc.user), "/")
			wantStatus(t, res, http.StatusOK)
			wantContains(t, res.Body, tc.want...)
			// Rankings are promised only where one exists: the units'
			// payment timeliness, for the office and leaders.
			for _, s := range append(tc.not, "data-panel-error") {
				if strings.Contains(res.Body, s) {
					t.Errorf("%s's home shows %q", tc.user, s)
				}
			}
		})
	}

	t.Run("ErrPanelShowsItsError", func(t *testing.T) {
		// A panel whose data cannot be read says so in its place; the
		// others and the page stand.
		if _, err := ts.App.DB.ExecContext(context.Background(), `ALTER TABLE visits RENAME TO visits_away`); err != nil {
			t.Fatal(err)
		}
		defer ts.App.DB.ExecContext(context.Background(), `ALTER TABLE visits_away RENAME TO visits`)
		res := ts.Get(t, ts.LoginAs(t, "admin"), "/")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res.Body, `id="panel-network"`, "data-panel-error", "本栏目暂时无法显示", `id="panel-registry"`, `id="panel-system"`)
		if strings.Count(res.Body, "data-panel-error") != 1 {
			t.Errorf("more than the network panel failed")
		}
	})
}

// TestEnterpriseSections: an enterprise's file is assembled from the
// modules' sections, as the viewer may see them.
func TestEnterpriseSections(t *testing.T) {
	ts := newTestServer(t)
	ids := withCity(t, ts, 20)
	enterpriseUser(t, ts, "ent", ids[0])
	path := fmt.Sprintf("/enterprises/%d", ids[0])
	res := ts.Get(t, ts.LoginAs(t, "admin"), path)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.Body, `id="panel-network"`, "尚未分配", "暂无走访记录", `id="panel-policy"`, "查看政策体检", "走访、邀请企业注册与审核自报")
	// A unit reads the file and the 政策体检 but not the visit log.
	res = ts.Get(t, ts.LoginAs(t, "staff"), path)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.Body, `id="panel-network"`, `id="panel-policy"`)
	for _, s := range []string{"暂无走访记录", "走访、邀请企业注册与审核自报", "data-panel-error"} {
		if strings.Contains(res.Body, s) {
			t.Errorf("a unit sees %q", s)
		}
	}
	// The enterprise itself sees its 政策体检 and its appeals, not the
	// network's section.
	res = ts.Get(t, ts.LoginAs(t, "ent"), path)
	wantStatus(t, res, http.StatusOK)
	wantContains(t, res.Body, `id="panel-policy"`, `id="panel-appeals"`, "暂无诉求")
	if strings.Contains(res.Body, `id="panel-network"`) {
		t.Errorf("the enterprise's own file shows the network section")
	}
}
