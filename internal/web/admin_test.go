package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/web"
	"github.com/qinqing/qinqing/internal/workday"
)

// wantStatus fails the test unless res has status want.
func wantStatus(t *testing.T, res response, want int) {
	t.Helper()
	if res.Status != want {
		body := res.Body
		if len(body) > 2000 {
			body = body[:2000] + "…"
		}
		t.Fatalf("status %d, want %d\n%s", res.Status, want, body)
	}
}

// wantProblem fails the test unless res is a problem+json with status and
// code (and field, when not empty).
func wantProblem(t *testing.T, res response, status int, code, field string) web.Problem {
	t.Helper()
	wantStatus(t, res, status)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p web.Problem
	res.JSON(t, &p)
	if p.Status != status || p.Code != code || (field != "" && p.Field != field) {
		t.Fatalf("problem %+v, want status %d code %q field %q", p, status, code, field)
	}
	if p.Detail == "" || p.Title == "" || p.RequestID == "" {
		t.Fatalf("problem %+v lacks detail, title or request id", p)
	}
	return p
}

// wantContains fails the test unless body contains every one of subs.
func wantContains(t *testing.T, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			if len(body) > 3000 {
				body = body[:3000] + "…"
			}
			t.Fatalf("body lacks %q:\n%s", s, body)
		}
	}
}

// failedJob enqueues a job that reports progress and fails for good.
func failedJob(t *testing.T, ts *testServer) int64 {
	t.Helper()
	ctx := context.Background()
	ts.App.Jobs.Register("test.fail", func(ctx context.Context, j *jobs.Job) error {
		if err := j.Progress(ctx, 3, 10, "处理第3个"); err != nil {
			return err
		}
		return errors.New("模拟失败")
	})
	id, err := ts.App.Jobs.Enqueue(ctx, ts.App.DB, "test.fail", map[string]int{"n": 1}, jobs.MaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	if ran, _ := ts.App.Jobs.RunOnce(ctx); !ran {
		t.Fatal("job did not run")
	}
	j, err := ts.App.Jobs.FindJobByID(ctx, id)
	if err != nil || j.Status != jobs.Failed {
		t.Fatalf("job = %+v, %v; want failed", j, err)
	}
	return id
}

func TestAdminAccess(t *testing.T) {
	ts := newTestServer(t)
	jobID := failedJob(t, ts)
	pages := []string{
		"/admin/units",
		"/admin/units/" + strconv.FormatInt(ts.Unit.ID, 10),
		"/admin/users",
		"/admin/users?role=unit_staff&unit=" + strconv.FormatInt(ts.Unit.ID, 10) + "&q=staff",
		"/admin/tokens",
		"/admin/audit",
		"/admin/audit?entity=unit&from=2026-03-01&to=2026-03-31",
		"/admin/audit.csv",
		"/admin/calendar",
		"/admin/calendar?month=2026-10",
		"/admin/jobs",
		"/admin/jobs?status=failed&kind=test.fail",
		"/admin/jobs/" + strconv.FormatInt(jobID, 10),
	}
	admin := ts.LoginAs(t, "admin")
	others := map[string]*http.Client{}
	for _, u := range []string{"leader", "staff", "specialist", "enterprise"} {
		others[u] = ts.LoginAs(t, u)
	}
	anon := ts.Client(t)
	for _, p := range pages {
		t.Run("admin "+p, func(t *testing.T) {
			wantStatus(t, ts.Get(t, admin, p), http.StatusOK)
		})
		for u, c := range others {
			t.Run(u+" "+p, func(t *testing.T) {
				res := ts.Get(t, c, p)
				wantStatus(t, res, http.StatusForbidden)
				wantContains(t, res.Body, "无权访问")
			})
		}
		t.Run("anonymous "+p, func(t *testing.T) {
			res := ts.Get(t, anon, p)
			wantStatus(t, res, http.StatusSeeOther)
			if loc := res.Header.Get("Location"); loc != "/login?next="+url.QueryEscape(p) {
				t.Fatalf("Location %q", loc)
			}
		})
	}

	apis := []string{
		"/api/v1/units", "/api/v1/units/" + strconv.FormatInt(ts.Unit.ID, 10), "/api/v1/users", "/api/v1/tokens",
		"/api/v1/audit", "/api/v1/calendar/overrides", "/api/v1/jobs", "/api/v1/jobs/" + strconv.FormatInt(jobID, 10),
	}
	for _, p := range apis {
		t.Run("anonymous API "+p, func(t *testing.T) {
			wantProblem(t, ts.Get(t, anon, p), http.StatusUnauthorized, "unauthenticated", "")
		})
		t.Run("admin API "+p, func(t *testing.T) {
			res := ts.Get(t, admin, p)
			wantStatus(t, res, http.StatusOK)
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type %q", ct)
			}
		})
	}
	// Admin-only APIs are forbidden to the other roles; reading units and
	// overrides is open to anyone logged in.
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/api/v1/users", http.StatusForbidden},
		{"GET", "/api/v1/tokens", http.StatusForbidden},
		{"GET", "/api/v1/audit", http.StatusForbidden},
		{"GET", "/api/v1/jobs", http.StatusForbidden},
		{"POST", "/api/v1/units", http.StatusForbidden},
		{"PUT", "/api/v1/calendar/overrides/2026-05-06", http.StatusForbidden},
		{"GET", "/api/v1/units", http.StatusOK},
		{"GET", "/api/v1/calendar/overrides", http.StatusOK},
	} {
		for u, c := range others {
			t.Run(u+" "+tc.method+" "+tc.path, func(t *testing.T) {
				res := ts.SendJSON(t, c, tc.method, tc.path, "", map[string]any{"name": "x", "kind": org.KindOther, "workday": true})
				if tc.want == http.StatusForbidden {
					wantProblem(t, res, tc.want, "forbidden", "")
				} else {
					wantStatus(t, res, tc.want)
				}
			})
		}
	}
	t.Run("forbidden POST page", func(t *testing.T) {
		res := ts.PostForm(t, others["leader"], "/admin/units", url.Values{"name": {"领导建的单位"}, "kind": {org.KindOther}})
		wantStatus(t, res, http.StatusForbidden)
	})
}

func TestAdminUnits(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	admin := ts.LoginAs(t, "admin")
	parentID := strconv.FormatInt(ts.Unit.ID, 10)

	var created *org.Unit
	t.Run("form create", func(t *testing.T) {
		res := ts.PostForm(t, admin, "/admin/units", url.Values{"name": {"市发改委价格处"}, "kind": {org.KindOther},
			"parent_id": {parentID}, "division": {""}, "aliases": {"价格处、物价处,价格监督处，收费处\n 成本处 "}})
		wantStatus(t, res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/admin/units?ok=created" {
			t.Fatalf("Location %q", loc)
		}
		u, err := ts.App.Org.Resolve(ctx, "物价处")
		if err != nil {
			t.Fatal(err)
		}
		if u.ParentID == nil || *u.ParentID != ts.Unit.ID || len(u.Aliases) != 5 {
			t.Fatalf("unit %+v", u)
		}
		created = u
		page := ts.Get(t, admin, "/admin/units?ok=created")
		wantStatus(t, page, http.StatusOK)
		wantContains(t, page.Body, "已创建", "市发改委价格处", "成本处", "└ ", org.KindOther)
	})
	t.Run("filter", func(t *testing.T) {
		page := ts.Get(t, admin, "/admin/units?q="+url.QueryEscape("物价"))
		wantStatus(t, page, http.StatusOK)
		wantContains(t, page.Body, "市发改委价格处")
		if strings.Contains(page.Body, `">市发展和改革委员会</a>`) {
			t.Fatal("filter kept a unit that does not match")
		}
	})
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		want   []string
	}{
		{"ErrEmptyName", url.Values{"name": {" "}, "kind": {org.KindDistrict}, "division": {"420102"}, "aliases": {"保留的别名"}},
			http.StatusUnprocessableEntity, []string{"单位名称不能为空", "420102", "保留的别名"}},
		{"ErrDivision", url.Values{"name": {"江岸区"}, "kind": {org.KindDistrict}, "division": {"42AB"}},
			http.StatusUnprocessableEntity, []string{"行政区划代码", `value="江岸区"`}},
		{"ErrKind", url.Values{"name": {"江岸区"}, "kind": {"不存在的类型"}},
			http.StatusUnprocessableEntity, []string{"单位类型“不存在的类型”无效"}},
		{"ErrSort", url.Values{"name": {"江岸区"}, "kind": {org.KindDistrict}, "sort": {"abc"}},
			http.StatusUnprocessableEntity, []string{"排序应为整数"}},
		{"ErrParent", url.Values{"name": {"江岸区"}, "kind": {org.KindDistrict}, "parent_id": {"999999"}},
			http.StatusUnprocessableEntity, []string{"上级单位不存在"}},
		{"ErrConflict", url.Values{"name": {"江岸区"}, "kind": {org.KindDistrict}, "aliases": {"市发改委"}},
			http.StatusConflict, []string{"名称“市发改委”已被其他单位使用"}},
	} {
		t.Run("form "+tc.name, func(t *testing.T) {
			res := ts.PostForm(t, admin, "/admin/units", tc.form)
			wantStatus(t, res, tc.status)
			wantContains(t, res.Body, append(tc.want, `role="alert"`, "新建单位")...)
		})
	}
	t.Run("edit page prefilled", func(t *testing.T) {
		res := ts.Get(t, admin, "/admin/units/"+strconv.FormatInt(created.ID, 10))
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res.Body, `value="市发改委价格处"`, "收费处\n", `selected>市发展和改革委员会`)
	})
	t.Run("form update", func(t *testing.T) {
		path := "/admin/units/" + strconv.FormatInt(created.ID, 10)
		res := ts.PostForm(t, admin, path, url.Values{"name": {"市发改委价格监督检查处"}, "kind": {org.KindOther}, "parent_id": {parentID}, "aliases": {"价格处"}})
		wantStatus(t, res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != path+"?ok=saved" {
			t.Fatalf("Location %q", loc)
		}
		u, err := ts.App.Org.FindUnitByID(ctx, created.ID)
		if err != nil || u.Name != "市发改委价格监督检查处" || len(u.Aliases) != 1 {
			t.Fatalf("unit %+v, %v", u, err)
		}
	})
	t.Run("form update ErrOwnAncestor", func(t *testing.T) {
		res := ts.PostForm(t, admin, "/admin/units/"+parentID, url.Values{"name": {ts.Unit.Name}, "kind": {org.KindDepartment},
			"parent_id": {strconv.FormatInt(created.ID, 10)}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res.Body, "上级单位不能是本单位或其下级", `value="市发展和改革委员会"`)
	})
	for _, p := range []string{"/admin/units/999999", "/admin/units/abc", "/admin/units/0"} {
		t.Run("ErrNotFound "+p, func(t *testing.T) {
			wantStatus(t, ts.Get(t, admin, p), http.StatusNotFound)
			wantStatus(t, ts.PostForm(t, admin, p, url.Values{"name": {"x"}, "kind": {org.KindOther}}), http.StatusNotFound)
		})
	}

	// The API calls the same domain functions.
	var apiUnit org.Unit
	t.Run("API create", func(t *testing.T) {
		res := ts.SendJSON(t, admin, "POST", "/api/v1/units", "", map[string]any{"name": "江汉区人民政府", "kind": org.KindDistrict,
			"division": "420103", "aliases": []string{"江汉区政府"}})
		wantStatus(t, res, http.StatusCreated)
		res.JSON(t, &apiUnit)
		if apiUnit.ID == 0 || apiUnit.Name != "江汉区人民政府" || *apiUnit.Division != "420103" {
			t.Fatalf("unit %+v", apiUnit)
		}
		if loc := res.Header.Get("Location"); loc != "/api/v1/units/"+strconv.FormatInt(apiUnit.ID, 10) {
			t.Fatalf("Location %q", loc)
		}
	})
	t.Run("API get and list", func(t *testing.T) {
		var u org.Unit
		res := ts.Get(t, admin, "/api/v1/units/"+strconv.FormatInt(apiUnit.ID, 10))
		wantStatus(t, res, http.StatusOK)
		res.JSON(t, &u)
		if u.Name != "江汉区人民政府" || len(u.Aliases) != 1 {
			t.Fatalf("unit %+v", u)
		}
		var list struct {
			Items []org.Unit `json:"items"`
			Total int        `json:"total"`
		}
		res = ts.Get(t, admin, "/api/v1/units?limit=1&offset=1")
		wantStatus(t, res, http.StatusOK)
		res.JSON(t, &list)
		if list.Total != 3 || len(list.Items) != 1 {
			t.Fatalf("list %+v", list)
		}
	})
	t.Run("API update", func(t *testing.T) {
		res := ts.SendJSON(t, admin, "PUT", "/api/v1/units/"+strconv.FormatInt(apiUnit.ID, 10), "",
			map[string]any{"name": "江汉区人民政府", "kind": org.KindDistrict, "division": "420103", "sort": 2})
		wantStatus(t, res, http.StatusOK)
		var u org.Unit
		res.JSON(t, &u)
		if u.Sort != 2 || len(u.Aliases) != 0 {
			t.Fatalf("unit %+v", u)
		}
	})
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		code, field        string
	}{
		{"ErrEmptyName", "POST", "/api/v1/units", map[string]any{"name": "", "kind": org.KindOther}, 422, "invalid", "name"},
		{"ErrKind", "POST", "/api/v1/units", map[string]any{"name": "x", "kind": "district"}, 422, "invalid", "kind"},
		{"ErrParent", "POST", "/api/v1/units", map[string]any{"name": "x", "kind": org.KindOther, "parent_id": 999999}, 422, "invalid", "parent_id"},
		{"ErrUnknownField", "POST", "/api/v1/units", map[string]any{"name": "x", "kind": org.KindOther, "colour": "red"}, 422, "invalid", ""},
		{"ErrMalformed", "POST", "/api/v1/units", `{"name": "x", `, 422, "invalid", ""},
		{"ErrTrailing", "POST", "/api/v1/units", `{"name": "x", "kind": "其他"} {}`, 422, "invalid", ""},
		{"ErrWrongType", "POST", "/api/v1/units", `{"name": 12}`, 422, "invalid", ""},
		{"ErrConflict", "POST", "/api/v1/units", map[string]any{"name": "市发改委", "kind": org.KindOther}, 409, "conflict", ""},
		{"ErrNotFound GET", "GET", "/api/v1/units/999999", nil, 404, "not_found", ""},
		{"ErrNotFound bad id", "GET", "/api/v1/units/abc", nil, 404, "not_found", ""},
		{"ErrNotFound PUT", "PUT", "/api/v1/units/999999", map[string]any{"name": "x", "kind": org.KindOther}, 404, "not_found", ""},
		{"ErrLimit", "GET", "/api/v1/units?limit=1000", nil, 422, "invalid", "limit"},
		{"ErrNoRoute", "GET", "/api/v1/nothing-here", nil, 404, "not_found", ""},
	} {
		t.Run("API "+tc.name, func(t *testing.T) {
			wantProblem(t, ts.SendJSON(t, admin, tc.method, tc.path, "", tc.body), tc.status, tc.code, tc.field)
		})
	}
	t.Run("audited", func(t *testing.T) {
		entries, _, err := ts.App.Audit.Find(ctx, audit.Filter{Entity: "unit", Actor: "admin"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 4 { // form create, form update, API create, API update
			t.Fatalf("%d audit entries by admin, want 4: %+v", len(entries), entries)
		}
	})
}

func TestAdminUsers(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	admin := ts.LoginAs(t, "admin")
	unitID := strconv.FormatInt(ts.Unit.ID, 10)

	t.Run("form create", func(t *testing.T) {
		res := ts.PostForm(t, admin, "/admin/users", url.Values{"username": {"fgw2"}, "display_name": {"张三"}, "role": {"unit_staff"},
			"unit_id": {unitID}, "password": {"secret-123"}})
		wantStatus(t, res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/admin/users?ok=created" {
			t.Fatalf("Location %q", loc)
		}
		u, err := ts.App.Auth.FindUserByUsername(ctx, "fgw2")
		if err != nil || u.UnitID == nil || *u.UnitID != ts.Unit.ID || u.Role != auth.RoleUnitStaff {
			t.Fatalf("user %+v, %v", u, err)
		}
		ts.LoginAs(t, "admin") // still fine
		c := ts.Client(t)
		wantStatus(t, ts.PostForm(t, c, "/login", url.Values{"username": {"fgw2"}, "password": {"secret-123"}}), http.StatusSeeOther)
	})
	for _, tc := range []struct {
		name string
		form url.Values
		want []string
	}{
		{"ErrUsername", url.Values{"username": {"张三"}, "display_name": {"保留姓名"}, "role": {"leader"}, "password": {"secret-123"}},
			[]string{"用户名应为3–32位", `value="保留姓名"`}},
		{"ErrPassword", url.Values{"username": {"lisi"}, "role": {"leader"}, "password": {"short"}}, []string{"密码至少8位", `value="lisi"`}},
		{"ErrRole", url.Values{"username": {"lisi"}, "role": {"root"}, "password": {"secret-123"}}, []string{"角色“root”无效"}},
		{"ErrNoUnit", url.Values{"username": {"lisi"}, "role": {"unit_staff"}, "password": {"secret-123"}}, []string{"责任单位账号必须指定所属单位"}},
	} {
		t.Run("form "+tc.name, func(t *testing.T) {
			res := ts.PostForm(t, admin, "/admin/users", tc.form)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res.Body, tc.want...)
			if strings.Contains(res.Body, "secret-123") {
				t.Fatal("the password was echoed back")
			}
		})
	}
	t.Run("form ErrConflict", func(t *testing.T) {
		res := ts.PostForm(t, admin, "/admin/users", url.Values{"username": {"leader"}, "role": {"leader"}, "password": {"secret-123"}})
		wantStatus(t, res, http.StatusConflict)
		wantContains(t, res.Body, "用户名“leader”已存在")
	})
	t.Run("filter", func(t *testing.T) {
		res := ts.Get(t, admin, "/admin/users?role=unit_staff&unit="+unitID)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res.Body, "fgw2", "发改委经办人", "市发展和改革委员会")
		if strings.Contains(res.Body, "<td>specialist</td>") {
			t.Fatal("role filter ignored")
		}
		res = ts.Get(t, admin, "/admin/users?q="+url.QueryEscape("专员"))
		wantContains(t, res.Body, "<td>specialist</td>")
		wantStatus(t, ts.Get(t, admin, "/admin/users?role=root"), http.StatusUnprocessableEntity)
	})
	t.Run("disable and enable", func(t *testing.T) {
		leader, err := ts.App.Auth.FindUserByUsername(ctx, "leader")
		if err != nil {
			t.Fatal(err)
		}
		lc := ts.LoginAs(t, "leader")
		base := "/admin/users/" + strconv.FormatInt(leader.ID, 10)
		res := ts.PostForm(t, admin, base+"/disable", nil)
		wantStatus(t, res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/admin/users?ok=disabled" {
			t.Fatalf("Location %q", loc)
		}
		// Disabling ends the leader's sessions.
		wantStatus(t, ts.Get(t, lc, "/me"), http.StatusSeeOther)
		wantContains(t, ts.Get(t, admin, "/admin/users?q=leader").Body, "已停用", base+"/enable")
		wantStatus(t, ts.PostForm(t, admin, base+"/enable", nil), http.StatusSeeOther)
		ts.LoginAs(t, "leader")
	})
	t.Run("ErrDisableSelf", func(t *testing.T) {
		me, _ := ts.App.Auth.FindUserByUsername(ctx, "admin")
		res := ts.PostForm(t, admin, "/admin/users/"+strconv.FormatInt(me.ID, 10)+"/disable", nil)
		wantStatus(t, res, http.StatusConflict)
		wantContains(t, res.Body, "不能停用自己的账号")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		wantStatus(t, ts.PostForm(t, admin, "/admin/users/999999/disable", nil), http.StatusNotFound)
	})

	t.Run("API create", func(t *testing.T) {
		res := ts.SendJSON(t, admin, "POST", "/api/v1/users", "", map[string]any{"username": "wangwu", "display_name": "王五",
			"password": "secret-456", "role": "specialist"})
		wantStatus(t, res, http.StatusCreated)
		var u auth.User
		res.JSON(t, &u)
		if u.ID == 0 || u.Username != "wangwu" || u.Role != auth.RoleSpecialist {
			t.Fatalf("user %+v", u)
		}
		lower := strings.ToLower(res.Body)
		if strings.Contains(lower, "password") || strings.Contains(lower, "hash") || strings.Contains(res.Body, "secret-456") || strings.Contains(res.Body, "$argon2") {
			t.Fatalf("response reveals the password: %s", res.Body)
		}
	})
	t.Run("API list", func(t *testing.T) {
		var list struct {
			Items []map[string]any `json:"items"`
			Total int              `json:"total"`
		}
		res := ts.Get(t, admin, "/api/v1/users?role=specialist")
		wantStatus(t, res, http.StatusOK)
		res.JSON(t, &list)
		if list.Total != 2 || len(list.Items) != 2 {
			t.Fatalf("list %+v", list)
		}
		for _, u := range list.Items {
			for k := range u {
				if strings.Contains(k, "password") || strings.Contains(k, "hash") {
					t.Fatalf("user has field %q", k)
				}
			}
		}
	})
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		code, field        string
	}{
		{"ErrUsername", "POST", "/api/v1/users", map[string]any{"username": "A", "password": "secret-456", "role": "leader"}, 422, "invalid", "username"},
		{"ErrNoUnit", "POST", "/api/v1/users", map[string]any{"username": "zhao", "password": "secret-456", "role": "unit_staff"}, 422, "invalid", "unit_id"},
		{"ErrUnit", "POST", "/api/v1/users", map[string]any{"username": "zhao", "password": "secret-456", "role": "unit_staff", "unit_id": 999999}, 422, "invalid", "unit_id"},
		{"ErrConflict", "POST", "/api/v1/users", map[string]any{"username": "wangwu", "password": "secret-456", "role": "leader"}, 409, "conflict", ""},
		{"ErrRoleFilter", "GET", "/api/v1/users?role=root", nil, 422, "invalid", "role"},
	} {
		t.Run("API "+tc.name, func(t *testing.T) {
			wantProblem(t, ts.SendJSON(t, admin, tc.method, tc.path, "", tc.body), tc.status, tc.code, tc.field)
		})
	}
}

func TestAdminTokens(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.LoginAs(t, "admin")
	anon := ts.Client(t)

	var secret string
	t.Run("the form chooses no role and no scope", func(t *testing.T) {
		res := ts.Get(t, admin, "/admin/tokens")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res.Body, `<option value="">（请选择角色）</option>`, "所选角色的全部权限")
		if strings.Contains(res.Body, " selected>") || strings.Contains(res.Body, " checked>") {
			t.Fatalf("the new-token form preselects a role or a scope:\n%s", res.Body)
		}
	})
	t.Run("form create with every scope of the role, explicitly", func(t *testing.T) {
		res := ts.PostForm(t, admin, "/admin/tokens", url.Values{"name": {"大屏"}, "role": {"leader"}, "all_scopes": {"on"}, "days": {"1"}})
		wantStatus(t, res, http.StatusCreated)
		wantContains(t, res.Body, "请立即复制", "角色全部权限")
		toks, _, err := ts.App.Auth.FindTokens(context.Background(), auth.Operator("test"), auth.TokenFilter{})
		if err != nil || len(toks) != 1 {
			t.Fatalf("tokens %+v, %v", toks, err)
		}
		wantStatus(t, ts.PostForm(t, admin, "/admin/tokens/"+strconv.FormatInt(toks[0].ID, 10)+"/revoke", nil), http.StatusSeeOther)
	})
	t.Run("form create shows the secret once", func(t *testing.T) {
		res := ts.PostForm(t, admin, "/admin/tokens", url.Values{"name": {"12345热线对接"}, "role": {"admin"},
			"scopes": {"units.manage", "calendar.manage"}, "days": {"30"}})
		wantStatus(t, res, http.StatusCreated)
		wantContains(t, res.Body, "请立即复制", "12345热线对接", "units.manage")
		i := strings.Index(res.Body, `value="`+auth.TokenPrefix)
		if i < 0 {
			t.Fatalf("no secret on the page:\n%s", res.Body)
		}
		rest := res.Body[i+len(`value="`):]
		secret = rest[:strings.IndexByte(rest, '"')]
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("Cache-Control %q", cc)
		}
		list := ts.Get(t, admin, "/admin/tokens")
		wantStatus(t, list, http.StatusOK)
		wantContains(t, list.Body, "12345热线对接", secret[:9]+"…", "有效")
		if strings.Contains(list.Body, secret) {
			t.Fatal("the secret is shown again")
		}
	})
	t.Run("the secret works, within its scopes", func(t *testing.T) {
		wantStatus(t, ts.SendJSON(t, anon, "GET", "/api/v1/units", secret, nil), http.StatusOK)
		wantProblem(t, ts.SendJSON(t, anon, "GET", "/api/v1/users", secret, nil), http.StatusForbidden, "forbidden", "")
		wantContains(t, ts.Get(t, admin, "/admin/tokens").Body, "2026年3月2日 10:00") // last used
	})
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"ErrName", url.Values{"name": {""}, "role": {"admin"}}, "令牌名称应为1–64字"},
		{"ErrNoRole", url.Values{"name": {"x"}, "scopes": {"units.manage"}}, "请选择令牌的角色"},
		{"ErrNoScopes", url.Values{"name": {"x"}, "role": {"admin"}}, "请选择令牌的权限范围"},
		{"ErrScopesAndAll", url.Values{"name": {"x"}, "role": {"admin"}, "scopes": {"units.manage"}, "all_scopes": {"on"}}, "就不要再列出单项权限"},
		{"ErrRole", url.Values{"name": {"x"}, "role": {"enterprise"}}, "令牌角色“enterprise”无效"},
		{"ErrUnit", url.Values{"name": {"x"}, "role": {"unit_staff"}}, "责任单位令牌必须指定所属单位"},
		{"ErrScope", url.Values{"name": {"x"}, "role": {"admin"}, "scopes": {"root.all"}}, "未知的权限范围“root.all”"},
		{"ErrDays", url.Values{"name": {"保留名称"}, "role": {"admin"}, "days": {"-1"}}, "有效期应为 0–3650 天"},
	} {
		t.Run("form "+tc.name, func(t *testing.T) {
			res := ts.PostForm(t, admin, "/admin/tokens", tc.form)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res.Body, tc.want)
			if strings.Contains(res.Body, "请立即复制") {
				t.Fatal("a failed creation shows a secret")
			}
		})
	}
	t.Run("form revoke", func(t *testing.T) {
		toks, _, err := ts.App.Auth.FindTokens(context.Background(), auth.Operator("test"), auth.TokenFilter{})
		if err != nil || len(toks) != 2 || toks[0].Name != "12345热线对接" {
			t.Fatalf("tokens %+v, %v", toks, err)
		}
		res := ts.PostForm(t, admin, "/admin/tokens/"+strconv.FormatInt(toks[0].ID, 10)+"/revoke", nil)
		wantStatus(t, res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/admin/tokens?ok=revoked" {
			t.Fatalf("Location %q", loc)
		}
		wantContains(t, ts.Get(t, admin, "/admin/tokens?ok=revoked").Body, "已吊销")
		wantProblem(t, ts.SendJSON(t, anon, "GET", "/api/v1/units", secret, nil), http.StatusUnauthorized, "unauthenticated", "")
		wantStatus(t, ts.PostForm(t, admin, "/admin/tokens/"+strconv.FormatInt(toks[0].ID, 10)+"/revoke", nil), http.StatusNotFound)
	})

	t.Run("API create, list and revoke", func(t *testing.T) {
		res := ts.SendJSON(t, admin, "POST", "/api/v1/tokens", "", map[string]any{"name": "数据大屏", "role": "leader", "all_scopes": true, "expires_in_days": 7})
		wantStatus(t, res, http.StatusCreated)
		var created struct {
			Token     string     `json:"token"`
			ID        int64      `json:"id"`
			Prefix    string     `json:"prefix"`
			State     string     `json:"state"`
			ExpiresAt *time.Time `json:"expires_at"`
		}
		res.JSON(t, &created)
		if !strings.HasPrefix(created.Token, auth.TokenPrefix) || created.ID == 0 || !strings.HasPrefix(created.Token, created.Prefix) ||
			created.State != "active" || created.ExpiresAt == nil || !created.ExpiresAt.Equal(ts.Clock.Now().Add(7*24*time.Hour)) {
			t.Fatalf("created %+v", created)
		}
		var me struct {
			Role    string `json:"role"`
			TokenID int64  `json:"token_id"`
		}
		r := ts.SendJSON(t, anon, "GET", "/api/v1/me", created.Token, nil)
		wantStatus(t, r, http.StatusOK)
		r.JSON(t, &me)
		if me.Role != "leader" || me.TokenID != created.ID {
			t.Fatalf("me %+v", me)
		}
		var list struct {
			Items []struct {
				ID    int64  `json:"id"`
				State string `json:"state"`
			} `json:"items"`
			Total int `json:"total"`
		}
		r = ts.Get(t, admin, "/api/v1/tokens")
		wantStatus(t, r, http.StatusOK)
		r.JSON(t, &list)
		if list.Total != 3 || list.Items[0].ID != created.ID || list.Items[0].State != "active" || list.Items[1].State != "revoked" {
			t.Fatalf("list %+v", list)
		}
		if strings.Contains(r.Body, created.Token) {
			t.Fatal("the list reveals a secret")
		}
		wantStatus(t, ts.SendJSON(t, admin, "POST", "/api/v1/tokens/"+strconv.FormatInt(created.ID, 10)+"/revoke", "", nil), http.StatusNoContent)
		wantProblem(t, ts.SendJSON(t, anon, "GET", "/api/v1/me", created.Token, nil), http.StatusUnauthorized, "unauthenticated", "")
		wantProblem(t, ts.SendJSON(t, admin, "POST", "/api/v1/tokens/"+strconv.FormatInt(created.ID, 10)+"/revoke", "", nil),
			http.StatusNotFound, "not_found", "")
	})
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"ErrName", map[string]any{"name": "", "role": "admin"}, "name"},
		{"ErrNoRole", map[string]any{"name": "x", "all_scopes": true}, "role"},
		{"ErrNoScopes", map[string]any{"name": "x", "role": "admin"}, "scopes"},
		{"ErrEmptyScopes", map[string]any{"name": "x", "role": "leader", "scopes": []string{}}, "scopes"},
		{"ErrRole", map[string]any{"name": "x", "role": "enterprise"}, "role"},
		{"ErrScope", map[string]any{"name": "x", "role": "admin", "scopes": []string{"root.all"}}, "scopes"},
		{"ErrDays", map[string]any{"name": "x", "role": "admin", "expires_in_days": 99999}, "expires_in_days"},
	} {
		t.Run("API "+tc.name, func(t *testing.T) {
			wantProblem(t, ts.SendJSON(t, admin, "POST", "/api/v1/tokens", "", tc.body), http.StatusUnprocessableEntity, "invalid", tc.field)
		})
	}
}

func TestBearerTokens(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	c := ts.Client(t)
	full, _ := ts.Token(t, auth.TokenInput{Name: "全权", Role: auth.RoleAdmin, AllScopes: true})
	scoped, _ := ts.Token(t, auth.TokenInput{Name: "只管单位", Role: auth.RoleAdmin, Scopes: []auth.Action{auth.ManageUnits}})
	revoked, rt := ts.Token(t, auth.TokenInput{Name: "已吊销", Role: auth.RoleAdmin, AllScopes: true})
	if err := ts.App.Auth.RevokeToken(ctx, auth.Operator("test"), rt.ID); err != nil {
		t.Fatal(err)
	}
	shortLived, _ := ts.Token(t, auth.TokenInput{Name: "一小时", Role: auth.RoleAdmin, AllScopes: true, ExpiresIn: time.Hour})
	leader, _ := ts.Token(t, auth.TokenInput{Name: "领导", Role: auth.RoleLeader, AllScopes: true})

	for _, tc := range []struct {
		name, token, method, path string
		body                      any
		status                    int
		code                      string
	}{
		{"OK", full, "GET", "/api/v1/units", nil, 200, ""},
		{"OK admin API", full, "GET", "/api/v1/users", nil, 200, ""},
		{"OK scoped within scope", scoped, "POST", "/api/v1/units", map[string]any{"name": "令牌建的单位", "kind": org.KindOther}, 201, ""},
		{"OK scoped read", scoped, "GET", "/api/v1/units", nil, 200, ""},
		{"ErrScoped outside scope", scoped, "GET", "/api/v1/users", nil, 403, "forbidden"},
		{"ErrScoped outside scope write", scoped, "PUT", "/api/v1/calendar/overrides/2026-05-06", map[string]any{"workday": false}, 403, "forbidden"},
		{"ErrRole", leader, "GET", "/api/v1/audit", nil, 403, "forbidden"},
		{"ErrRevoked", revoked, "GET", "/api/v1/units", nil, 401, "unauthenticated"},
		{"ErrUnknown", "qq_not-a-real-token", "GET", "/api/v1/units", nil, 401, "unauthenticated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := ts.SendJSON(t, c, tc.method, tc.path, tc.token, tc.body)
			if tc.code != "" {
				wantProblem(t, res, tc.status, tc.code, "")
			} else {
				wantStatus(t, res, tc.status)
			}
		})
	}
	t.Run("ErrNotBearer", func(t *testing.T) {
		req := ts.Request(t, "GET", "/api/v1/units", nil)
		req.Header.Set("Authorization", "Basic YWRtaW46eA==")
		wantProblem(t, ts.Do(t, c, req), http.StatusUnauthorized, "unauthenticated", "")
	})
	t.Run("ErrExpired", func(t *testing.T) {
		wantStatus(t, ts.SendJSON(t, c, "GET", "/api/v1/units", shortLived, nil), http.StatusOK)
		ts.Clock.Advance(61 * time.Minute)
		wantProblem(t, ts.SendJSON(t, c, "GET", "/api/v1/units", shortLived, nil), http.StatusUnauthorized, "unauthenticated", "")
		wantStatus(t, ts.SendJSON(t, c, "GET", "/api/v1/units", full, nil), http.StatusOK)
	})
	t.Run("a token's changes are audited under its name", func(t *testing.T) {
		entries, _, err := ts.App.Audit.Find(ctx, audit.Filter{Entity: "unit", Actor: "token:只管单位"})
		if err != nil || len(entries) != 1 {
			t.Fatalf("entries %+v, %v", entries, err)
		}
	})
}

// chunked hides a reader's length so that the client sends it chunked.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

func TestAdminSecurity(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.LoginAs(t, "admin")
	big := `{"name": "` + strings.Repeat("大", 700_000) + `", "kind": "其他"}` // about 2 MiB

	t.Run("ErrTooLarge with length", func(t *testing.T) {
		wantProblem(t, ts.SendJSON(t, admin, "POST", "/api/v1/units", "", big), http.StatusRequestEntityTooLarge, "too_large", "")
	})
	t.Run("ErrTooLarge chunked", func(t *testing.T) {
		req := ts.Request(t, "POST", "/api/v1/units", chunked{strings.NewReader(big)})
		req.Header.Set("Content-Type", "application/json")
		if req.ContentLength != 0 {
			t.Fatalf("ContentLength %d; the body should go chunked", req.ContentLength)
		}
		wantProblem(t, ts.Do(t, admin, req), http.StatusRequestEntityTooLarge, "too_large", "")
	})
	t.Run("ErrTooLarge form", func(t *testing.T) {
		req := ts.Request(t, "POST", "/admin/units", chunked{strings.NewReader("name=" + strings.Repeat("x", 2<<20) + "&kind=x")})
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		wantStatus(t, ts.Do(t, admin, req), http.StatusRequestEntityTooLarge)
	})
	t.Run("ErrMalformedJSON", func(t *testing.T) {
		wantProblem(t, ts.SendJSON(t, admin, "PUT", "/api/v1/calendar/overrides/2026-05-06", "", `{"workday": tru`), 422, "invalid", "")
	})
	for _, tc := range []struct {
		name   string
		header map[string]string
		status int
	}{
		{"ErrCrossSite", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"ErrForeignOrigin", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"OK same origin", map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusSeeOther},
		{"OK no browser headers", nil, http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "跨站测试单位" + strconv.Itoa(len(tc.name)) + tc.name[:2]
			req := ts.Request(t, "POST", "/admin/units", strings.NewReader(url.Values{"name": {name}, "kind": {org.KindOther}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			res := ts.Do(t, admin, req)
			wantStatus(t, res, tc.status)
			_, err := ts.App.Org.Resolve(context.Background(), name)
			if created := err == nil; created != (tc.status == http.StatusSeeOther) {
				t.Fatalf("unit created = %v with status %d", created, res.Status)
			}
		})
	}
	t.Run("ErrCrossSite API", func(t *testing.T) {
		req := ts.Request(t, "POST", "/api/v1/units", strings.NewReader(`{"name": "跨站API", "kind": "其他"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		wantProblem(t, ts.Do(t, admin, req), http.StatusForbidden, "forbidden", "")
	})
	t.Run("ErrWrongPassword", func(t *testing.T) {
		c := ts.Client(t)
		res := ts.PostForm(t, c, "/login", url.Values{"username": {"admin"}, "password": {"wrong-password"}, "next": {"/admin/units"}})
		wantStatus(t, res, http.StatusUnauthorized)
		wantContains(t, res.Body, "用户名或密码错误", `value="admin"`)
		if res.Header.Get("Set-Cookie") != "" {
			t.Fatal("a failed login set a cookie")
		}
	})
	t.Run("login redirects to next", func(t *testing.T) {
		c := ts.Client(t)
		res := ts.PostForm(t, c, "/login", url.Values{"username": {"admin"}, "password": {testPassword}, "next": {"/admin/units"}})
		wantStatus(t, res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/admin/units" {
			t.Fatalf("Location %q", loc)
		}
	})
	t.Run("ErrSessionIdle", func(t *testing.T) {
		c := ts.LoginAs(t, "admin")
		ts.Clock.Advance(11 * time.Hour)
		wantStatus(t, ts.Get(t, c, "/admin/units"), http.StatusOK) // extends the session
		ts.Clock.Advance(11 * time.Hour)
		wantStatus(t, ts.Get(t, c, "/admin/units"), http.StatusOK)
		ts.Clock.Advance(12*time.Hour + time.Minute)
		res := ts.Get(t, c, "/admin/units")
		wantStatus(t, res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/login?next=%2Fadmin%2Funits" {
			t.Fatalf("Location %q", loc)
		}
		wantProblem(t, ts.Get(t, c, "/api/v1/units"), http.StatusUnauthorized, "unauthenticated", "")
	})
}

func TestAdminAudit(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	// Values a spreadsheet would run as formulas, recorded straight into the
	// log as a hostile integration might get them there.
	evil := audit.WithActor(ctx, audit.Who{Name: "-2+3"})
	if err := ts.App.Audit.Record(evil, ts.App.DB, "test", "=HYPERLINK(\"http://evil.example\")", "@SUM(A1)", nil,
		map[string]string{"note": "+1"}); err != nil {
		t.Fatal(err)
	}
	if err := ts.App.Audit.Record(evil, ts.App.DB, "test2", "\r=1", "\tcmd", nil, nil); err != nil {
		t.Fatal(err)
	}
	ts.Clock.Advance(48 * time.Hour)
	admin := ts.LoginAs(t, "admin")
	wantStatus(t, ts.PostForm(t, admin, "/admin/units", url.Values{"name": {"审计测试单位"}, "kind": {org.KindOther}}), http.StatusSeeOther)

	t.Run("CSV", func(t *testing.T) {
		res := ts.Get(t, admin, "/admin/audit.csv")
		wantStatus(t, res, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("Content-Type %q", ct)
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, ".csv") {
			t.Fatalf("Content-Disposition %q", cd)
		}
		body, ok := strings.CutPrefix(res.Body, "\xEF\xBB\xBF")
		if !ok {
			t.Fatalf("no byte order mark: %q", res.Body[:min(20, len(res.Body))])
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(rows[0], ","); got != "时间,操作人,对象类型,对象编号,操作,变更前,变更后,请求编号,对象类型名称,操作名称" {
			t.Fatalf("header %q", got)
		}
		var evilRow, evilRow2 []string
		for _, r := range rows[1:] {
			switch r[2] {
			case "test":
				evilRow = r
			case "test2":
				evilRow2 = r
			}
			for _, cell := range r {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Fatalf("cell %q would run as a formula", cell)
				}
			}
		}
		if evilRow == nil || evilRow2 == nil {
			t.Fatalf("no test rows in %q", rows)
		}
		if evilRow2[3] != "'\r=1" || evilRow2[4] != "'\tcmd" {
			t.Fatalf("row %q", evilRow2)
		}
		if evilRow[1] != "'-2+3" || evilRow[3] != `'=HYPERLINK("http://evil.example")` || evilRow[4] != "'@SUM(A1)" || evilRow[6] != `{"note":"+1"}` {
			t.Fatalf("row %q", evilRow)
		}
		if evilRow[0] != "2026-03-02 10:00:00" {
			t.Fatalf("time %q, want Shanghai time", evilRow[0])
		}
	})
	t.Run("CSV filtered", func(t *testing.T) {
		res := ts.Get(t, admin, "/admin/audit.csv?from=2026-03-04&to=2026-03-04&entity=unit")
		wantStatus(t, res, http.StatusOK)
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[1][1] != "admin" || rows[1][2] != "unit" || rows[1][4] != "create" || rows[1][8] != "组织单位" || rows[1][9] != "新建" {
			t.Fatalf("rows %q", rows)
		}
		res = ts.Get(t, admin, "/admin/audit.csv?to=2026-03-03")
		if strings.Contains(res.Body, "审计测试单位") || !strings.Contains(res.Body, "HYPERLINK") {
			t.Fatalf("to filter ignored:\n%s", res.Body)
		}
	})
	t.Run("page", func(t *testing.T) {
		res := ts.Get(t, admin, "/admin/audit?entity=unit&actor=admin")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res.Body, "审计测试单位", "<details>", "/admin/audit.csv?actor=admin&amp;entity=unit", "2026年3月4日 10:00",
			`<td title="unit">组织单位</td>`, `<td title="create">新建</td>`, `<option value="unit" selected>组织单位</option>`)
		if strings.Contains(res.Body, "HYPERLINK") {
			t.Fatal("entity filter ignored")
		}
	})
	t.Run("page ErrDate", func(t *testing.T) {
		res := ts.Get(t, admin, "/admin/audit?from=2026-02-30")
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantContains(t, res.Body, "开始日期", "日期不存在")
		wantStatus(t, ts.Get(t, admin, "/admin/audit?from=2026-03-05&to=2026-03-01"), http.StatusUnprocessableEntity)
	})
	t.Run("API", func(t *testing.T) {
		var list struct {
			Items []audit.Entry `json:"items"`
			Total int           `json:"total"`
		}
		res := ts.Get(t, admin, "/api/v1/audit?entity=unit&from=2026-03-04&limit=10")
		wantStatus(t, res, http.StatusOK)
		res.JSON(t, &list)
		if list.Total != 1 || len(list.Items) != 1 || list.Items[0].Actor != "admin" || len(list.Items[0].After) == 0 {
			t.Fatalf("list %+v", list)
		}
		wantProblem(t, ts.Get(t, admin, "/api/v1/audit?to=yesterday"), 422, "invalid", "to")
	})
}

func TestAdminCalendar(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.LoginAs(t, "admin")
	leader := ts.LoginAs(t, "leader")
	type dayAnswer struct {
		Info     workday.DayInfo `json:"info"`
		Official bool            `json:"official"`
	}
	day := func(t *testing.T, date string) workday.DayInfo {
		t.Helper()
		var a dayAnswer
		res := ts.Get(t, leader, "/api/v1/workdays/"+date)
		wantStatus(t, res, http.StatusOK)
		res.JSON(t, &a)
		return a.Info
	}

	t.Run("month view", func(t *testing.T) {
		res := ts.Get(t, admin, "/admin/calendar")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res.Body, "2026年3月", "?month=2026-02", "?month=2026-04", "工作日", "休息日", "周末", "已收录")
		res = ts.Get(t, admin, "/admin/calendar?month=2026-10")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res.Body, "2026年10月", "国庆节", "法定节假日", `data-date="2026-10-01"`, `data-date="2026-10-31"`)
		if strings.Contains(res.Body, `data-date="2026-11-01"`) {
			t.Fatal("the month view runs into the next month")
		}
		res = ts.Get(t, admin, "/admin/calendar?month=2199-12")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res.Body, "尚无官方放假安排")
	})
	for _, m := range []string{"2026-13", "abc", "1899-12", "2026"} {
		t.Run("month ErrInvalid "+m, func(t *testing.T) {
			wantStatus(t, ts.Get(t, admin, "/admin/calendar?month="+m), http.StatusUnprocessableEntity)
		})
	}
	t.Run("form override", func(t *testing.T) {
		if info := day(t, "2026-05-06"); !info.Workday || info.Kind != workday.Weekday {
			t.Fatalf("before: %+v", info)
		}
		res := ts.PostForm(t, admin, "/admin/calendar", url.Values{"date": {"2026-05-06"}, "workday": {"0"}, "note": {"台风红色预警停工"}})
		wantStatus(t, res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/admin/calendar?month=2026-05&ok=saved" {
			t.Fatalf("Location %q", loc)
		}
		info := day(t, "2026-05-06")
		if info.Workday || info.Kind != workday.Overridden || info.Note != "台风红色预警停工" {
			t.Fatalf("after: %+v", info)
		}
		page := ts.Get(t, admin, "/admin/calendar?month=2026-05&ok=saved")
		wantContains(t, page.Body, "已保存", "台风红色预警停工", "人工调整", "/admin/calendar/2026-05-06/delete", "2026年5月6日")
	})
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"ErrDate", url.Values{"date": {"2026-02-30"}, "workday": {"0"}, "note": {"保留说明"}}, "日期不存在"},
		{"ErrWorkday", url.Values{"date": {"2026-05-07"}, "workday": {"maybe"}}, "请选择该日上班还是休息"},
		{"ErrNote", url.Values{"date": {"2026-05-07"}, "workday": {"1"}, "note": {strings.Repeat("长", 201)}}, "说明最多200字"},
	} {
		t.Run("form "+tc.name, func(t *testing.T) {
			res := ts.PostForm(t, admin, "/admin/calendar", tc.form)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantContains(t, res.Body, tc.want)
			if n := tc.form.Get("note"); n != "" {
				wantContains(t, res.Body, n)
			}
		})
	}
	t.Run("form delete", func(t *testing.T) {
		res := ts.PostForm(t, admin, "/admin/calendar/2026-05-06/delete", nil)
		wantStatus(t, res, http.StatusSeeOther)
		if info := day(t, "2026-05-06"); !info.Workday || info.Kind != workday.Weekday {
			t.Fatalf("after delete: %+v", info)
		}
		wantStatus(t, ts.PostForm(t, admin, "/admin/calendar/2026-05-06/delete", nil), http.StatusNotFound)
		wantStatus(t, ts.PostForm(t, admin, "/admin/calendar/not-a-date/delete", nil), http.StatusNotFound)
	})
	t.Run("API override", func(t *testing.T) {
		res := ts.SendJSON(t, admin, "PUT", "/api/v1/calendar/overrides/2026-10-10", "", map[string]any{"workday": false, "note": "本市调整"})
		wantStatus(t, res, http.StatusOK)
		var o workday.Override
		res.JSON(t, &o)
		if o.Date.String() != "2026-10-10" || o.Workday || o.Note != "本市调整" {
			t.Fatalf("override %+v", o)
		}
		if info := day(t, "2026-10-10"); info.Workday || info.Kind != workday.Overridden || info.Note != "本市调整" {
			t.Fatalf("info %+v", info)
		}
		var list struct {
			Items []workday.Override `json:"items"`
			Total int                `json:"total"`
		}
		res = ts.Get(t, leader, "/api/v1/calendar/overrides")
		wantStatus(t, res, http.StatusOK)
		res.JSON(t, &list)
		if list.Total != 1 || list.Items[0].Note != "本市调整" {
			t.Fatalf("list %+v", list)
		}
		wantStatus(t, ts.SendJSON(t, admin, "DELETE", "/api/v1/calendar/overrides/2026-10-10", "", nil), http.StatusNoContent)
		if info := day(t, "2026-10-10"); info.Kind == workday.Overridden {
			t.Fatalf("info %+v", info)
		}
		wantProblem(t, ts.SendJSON(t, admin, "DELETE", "/api/v1/calendar/overrides/2026-10-10", "", nil), 404, "not_found", "")
	})
	for _, tc := range []struct {
		name, date string
		body       any
		field      string
	}{
		{"ErrNoWorkday", "2026-10-11", map[string]any{"note": "x"}, "workday"},
		{"ErrDate", "2026-13-01", map[string]any{"workday": true}, "date"},
		{"ErrRange", "2300-01-01", map[string]any{"workday": true}, "date"},
		{"ErrUnknownField", "2026-10-11", map[string]any{"workday": true, "holiday": "x"}, ""},
	} {
		t.Run("API "+tc.name, func(t *testing.T) {
			wantProblem(t, ts.SendJSON(t, admin, "PUT", "/api/v1/calendar/overrides/"+tc.date, "", tc.body), 422, "invalid", tc.field)
		})
	}
}

func TestAdminJobs(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.LoginAs(t, "admin")
	id := failedJob(t, ts)
	path := "/admin/jobs/" + strconv.FormatInt(id, 10)

	t.Run("list", func(t *testing.T) {
		res := ts.Get(t, admin, "/admin/jobs?status=failed")
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res.Body, "test.fail", "模拟失败", `<progress class="progress" max="100" value="30">`, "处理第3个", "失败", "排队中")
		res = ts.Get(t, admin, "/admin/jobs?status=done")
		if strings.Contains(res.Body, "test.fail") {
			t.Fatal("status filter ignored")
		}
		wantStatus(t, ts.Get(t, admin, "/admin/jobs?status=bogus"), http.StatusUnprocessableEntity)
	})
	t.Run("detail", func(t *testing.T) {
		res := ts.Get(t, admin, path)
		wantStatus(t, res, http.StatusOK)
		wantContains(t, res.Body, "模拟失败", "重新排队", path+"/retry", `&#34;n&#34;: 1`)
		wantStatus(t, ts.Get(t, admin, "/admin/jobs/999999"), http.StatusNotFound)
	})
	t.Run("API", func(t *testing.T) {
		var list struct {
			Items []jobs.Job `json:"items"`
			Total int        `json:"total"`
		}
		res := ts.Get(t, admin, "/api/v1/jobs?status=failed&kind=test.fail")
		wantStatus(t, res, http.StatusOK)
		res.JSON(t, &list)
		if list.Total != 1 || list.Items[0].ID != id || list.Items[0].LastProgress == nil || list.Items[0].LastProgress.Done != 3 {
			t.Fatalf("list %+v", list)
		}
		var j jobs.Job
		res = ts.Get(t, admin, "/api/v1/jobs/"+strconv.FormatInt(id, 10))
		wantStatus(t, res, http.StatusOK)
		res.JSON(t, &j)
		if j.Status != jobs.Failed || j.LastError != "模拟失败" {
			t.Fatalf("job %+v", j)
		}
		wantProblem(t, ts.Get(t, admin, "/api/v1/jobs/999999"), 404, "not_found", "")
		wantProblem(t, ts.Get(t, admin, "/api/v1/jobs?status=bogus"), 422, "invalid", "status")
	})
	t.Run("retry", func(t *testing.T) {
		res := ts.PostForm(t, admin, path+"/retry", nil)
		wantStatus(t, res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != path+"?ok=retried" {
			t.Fatalf("Location %q", loc)
		}
		j, err := ts.App.Jobs.FindJobByID(context.Background(), id)
		if err != nil || j.Status != jobs.Queued {
			t.Fatalf("job %+v, %v", j, err)
		}
		wantContains(t, ts.Get(t, admin, path+"?ok=retried").Body, "已重新排队", "排队中")
		res = ts.PostForm(t, admin, path+"/retry", nil)
		wantStatus(t, res, http.StatusConflict)
		wantContains(t, res.Body, "只有失败的任务可以重试")
	})
}

// TestAdminPaging checks that long lists page on the server.
func TestAdminPaging(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	admin := ts.LoginAs(t, "admin")
	for i := range 55 {
		if _, err := ts.App.Org.CreateUnit(ctx, auth.Operator("test"), org.UnitInput{Name: fmt.Sprintf("分页单位%02d", i), Kind: org.KindOther, Sort: 1}); err != nil {
			t.Fatal(err)
		}
	}
	res := ts.Get(t, admin, "/admin/units")
	wantContains(t, res.Body, "第 1 / 2 页，共 56 条", "分页单位48")
	if strings.Contains(res.Body, ">分页单位49</a>") {
		t.Fatal("page 1 holds more than 50 units")
	}
	res = ts.Get(t, admin, "/admin/units?page=2")
	wantContains(t, res.Body, "第 2 / 2 页", "分页单位54")
	res = ts.Get(t, admin, "/admin/audit?entity=unit")
	wantContains(t, res.Body, "第 1 / 2 页，共 56 条")
	if n := bytes.Count([]byte(res.Body), []byte("<details>")); n != 50 {
		t.Fatalf("%d entries on the audit page, want 50", n)
	}
}
