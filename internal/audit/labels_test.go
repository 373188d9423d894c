package audit_test

import (
	"encoding/json"
	"testing"

	"github.com/qinqing/qinqing/internal/audit"
)

func TestLabels(t *testing.T) {
	l := audit.NewLabels(
		audit.LabelSet{Entities: map[string]string{"policy": "政策"}, Actions: map[string]string{"policy:status": "变更状态"},
			Jobs: map[string]string{"enterprise.import": "企业导入"}, JobLinks: map[string]string{"enterprise.import": "/admin/import/{run}"}},
		audit.LabelSet{Actions: map[string]string{"policy:status": "变更政策状态"}}, // a later set overrides
	)
	for _, tc := range []struct{ name, got, want string }{
		{"OKEntity", l.Entity("policy"), "政策"},
		{"OKUnknownEntity", l.Entity("rocket"), "rocket"},
		{"OKEntityAction", l.Action("policy", "status"), "变更政策状态"},
		{"OKSharedAction", l.Action("policy", "create"), "新建"},
		{"OKUnknownAction", l.Action("policy", "launch"), "launch"},
		{"OKActorSystem", l.Actor(audit.System), "系统"},
		{"OKActorToken", l.Actor("token:12345热线"), "API令牌 12345热线"},
		{"OKActorUser", l.Actor("admin"), "admin"},
		{"OKJob", l.Job("enterprise.import"), "企业导入"},
		{"OKJobLink", l.JobLink("enterprise.import", json.RawMessage(`{"run": 7}`)), "/admin/import/7"},
		{"OKJobLinkMissingKey", l.JobLink("enterprise.import", json.RawMessage(`{"file": 7}`)), ""},
		{"OKJobLinkNone", l.JobLink("policy.push_all", json.RawMessage(`{}`)), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}
