package web_test

import (
	"bytes"
	"context"
	"fmt"
	"github.com/qinqing/qinqing/internal/enterprise/synth"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/workday"
)

// seedEnterprises loads n synthetic enterprises and returns two of them.
func seedEnterprises(t *testing.T, ts *testServer, n int) (first, second enterprise.Enterprise) {
	t.Helper()
	ctx := context.Background()
	svc := ts.App.Enterprises
	_, err := svc.ImportRecords(ctx, func(yield func(*enterprise.Enterprise) error) error {
		return synth.Generate(synth.Options{N: n, Seed: 7, City: svc.City, Today: workday.Today(ts.Clock.Now)}, yield)
	}, enterprise.ImportOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := svc.FindEnterprises(ctx, auth.Operator("test"), enterprise.Filter{Limit: 2})
	if err != nil || len(list) < 2 {
		t.Fatalf("seeded enterprises: %v %v", list, err)
	}
	return list[0], list[1]
}

func TestEnterprisePages(t *testing.T) {
	ts := newTestServer(t)
	own, other := seedEnterprises(t, ts, 200)
	if _, err := ts.App.Auth.CreateUser(context.Background(), auth.Operator("test"), auth.UserInput{Username: "owner", Password: testPassword,
		Role: auth.RoleEnterprise, EnterpriseID: &own.ID}); err != nil {
		t.Fatal(err)
	}
	clients := map[string]*http.Client{}
	for _, u := range []string{"admin", "leader", "staff", "specialist", "owner"} {
		clients[u] = ts.LoginAs(t, u)
	}
	name := []rune(own.Name)
	query := string(name[len(name)-6 : len(name)-2]) // a middle part of the name, ≥ 3 characters
	tests := []struct {
		user, path string
		status     int
		contains   string
	}{
		{"admin", "/enterprises", 200, other.Name},
		{"leader", "/enterprises", 200, "企业库"},
		{"staff", "/enterprises", 200, "企业库"},
		{"specialist", "/enterprises", 200, "企业库"},
		{"owner", "/enterprises", 403, "无权"},
		{"admin", "/enterprises?q=" + query + "&sort=revenue&desc=1", 200, own.Name},
		{"admin", "/enterprises?q=" + own.USCC[:10], 200, own.USCC},
		{"admin", "/enterprises?district=420111&tag=高新技术企业&size=小型&page=2", 200, "企业库"},
		{"admin", fmt.Sprintf("/enterprises/%d", own.ID), 200, own.USCC},
		{"leader", fmt.Sprintf("/enterprises/%d", own.ID), 200, "企业档案"},
		{"owner", fmt.Sprintf("/enterprises/%d", own.ID), 200, own.Name},
		{"owner", fmt.Sprintf("/enterprises/%d", other.ID), 403, "无权"},
		{"specialist", fmt.Sprintf("/enterprises/%d", own.ID), 403, "无权"}, // not their enterprise
		{"admin", "/enterprises/999999", 404, "不存在"},
		{"admin", "/enterprises/export?format=csv", 200, "统一社会信用代码"},
		{"leader", "/enterprises/export?format=csv", 403, ""},
		{"admin", "/enterprises/export?format=pdf", 422, "csv 或 xlsx"},
		{"owner", fmt.Sprintf("/api/v1/enterprises/%d", own.ID), 200, `"sources"`},
		{"owner", fmt.Sprintf("/api/v1/enterprises/%d", other.ID), 403, `"forbidden"`},
		{"admin", "/api/v1/enterprises?q=" + query, 200, own.USCC},
		{"owner", "/api/v1/enterprises", 403, `"forbidden"`},
		{"admin", fmt.Sprintf("/api/v1/enterprises/%d/history", own.ID), 200, `"items"`},
	}
	for _, tt := range tests {
		t.Run(tt.user+" "+tt.path, func(t *testing.T) {
			res := ts.Get(t, clients[tt.user], tt.path)
			if res.Status != tt.status || !strings.Contains(res.Body, tt.contains) {
				t.Fatalf("status %d, want %d containing %q\n%.600s", res.Status, tt.status, tt.contains, res.Body)
			}
		})
	}
}

func TestImportAPI(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.LoginAs(t, "admin")
	code, err := enterprise.MakeUSCC('9', '1', "420102", "MA4K0001")
	if err != nil {
		t.Fatal(err)
	}
	upload := func(filename, content string) response {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", filename)
		fw.Write([]byte(content))
		mw.Close()
		req := ts.Request(t, http.MethodPost, "/api/v1/imports", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return ts.Do(t, admin, req)
	}
	t.Run("ErrFileType", func(t *testing.T) {
		res := upload("名单.pdf", "x")
		if res.Status != 422 || !strings.Contains(res.Body, "不支持的文件类型") {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	})
	t.Run("OK", func(t *testing.T) {
		res := upload("名单.csv", "uscc,name,employees\n"+code+",武汉测试科技有限公司,12\nBAD,坏公司,x\n")
		if res.Status != http.StatusAccepted {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		var run enterprise.ImportRun
		res.JSON(t, &run)
		if ran, err := ts.App.Jobs.RunOnce(context.Background()); err != nil || !ran {
			t.Fatalf("import job did not run: %v %v", ran, err)
		}
		res = ts.Get(t, admin, fmt.Sprintf("/api/v1/imports/%d", run.ID))
		res.JSON(t, &run)
		if run.Result == nil || run.Result.Read != 2 || run.Result.Inserted != 1 || run.Result.Rejected != 1 || run.FinishedAt == nil {
			t.Fatalf("import result %+v", run.Result)
		}
		rejects := ts.Get(t, admin, fmt.Sprintf("/admin/import/%d/rejects/csv", run.ID))
		if rejects.Status != 200 || !strings.Contains(rejects.Body, "长度不对") {
			t.Fatalf("rejects download: %d %s", rejects.Status, rejects.Body)
		}
		page := ts.Get(t, admin, fmt.Sprintf("/admin/import/%d", run.ID))
		if page.Status != 200 || !strings.Contains(page.Body, `id="n-read">2<`) {
			t.Fatalf("progress page: %d %.500s", page.Status, page.Body)
		}

		// The audit log records the import as the administrator's, in
		// Chinese; the jobs pages name the kind, who started it, what it did
		// and where its result is.
		log := ts.Get(t, admin, "/admin/audit?entity=enterprise")
		wantStatus(t, log, http.StatusOK)
		wantContains(t, log.Body, `<td title="admin">admin</td>`, `<td title="enterprise">企业</td>`, `<td title="import">批量导入</td>`)
		if strings.Contains(log.Body, `<td title="system">`) {
			t.Error("the web import is audited as the system")
		}
		list := ts.Get(t, admin, "/admin/jobs")
		wantStatus(t, list, http.StatusOK)
		result := fmt.Sprintf("/admin/import/%d", run.ID)
		wantContains(t, list.Body, `<td title="enterprise.import">企业导入 · <a href="`+result+`">查看结果</a></td>`, "<td>admin</td>",
			"完成：读取 2 行，新增 1，更新 0，未变 0，拒绝 1")
		job := ts.Get(t, admin, fmt.Sprintf("/admin/jobs/%d", run.JobID))
		wantStatus(t, job, http.StatusOK)
		wantContains(t, job.Body, "企业导入", "<dt>发起人</dt><dd>admin</dd>", `<a href="`+result+`">查看任务结果</a>`, "<dt><code>run</code></dt>")
		var api struct {
			EnqueuedBy string `json:"enqueued_by"`
		}
		ts.Get(t, admin, fmt.Sprintf("/api/v1/jobs/%d", run.JobID)).JSON(t, &api)
		if api.EnqueuedBy != "admin" {
			t.Errorf("job enqueued_by %q, want admin", api.EnqueuedBy)
		}
	})
	t.Run("ErrForbidden", func(t *testing.T) {
		leader := ts.LoginAs(t, "leader")
		if res := ts.Get(t, leader, "/admin/import"); res.Status != 403 {
			t.Fatalf("leader on the import page: %d", res.Status)
		}
	})
}
