package cli_test

import (
	"bytes"
	"context"
	"errors"
	"github.com/qinqing/qinqing/internal/auth"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/cli"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
	"github.com/qinqing/qinqing/internal/workday"
)

// run runs the command line with stdin and returns exit code, stdout, stderr.
func run(t *testing.T, stdin string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), args, cli.Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return env[k] },
	})
	return code, out.String(), errOut.String()
}

func TestWorkdayCommands(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"workday", "add", "2024-09-13", "5"}, "2024-09-23"},
		{[]string{"workday", "between", "2024-09-13", "2024-09-23"}, "5"},
		{[]string{"workday", "is", "2024-09-14"}, "workday"}, // make-up Saturday before 中秋
		{[]string{"workday", "is", "2024-10-03"}, "offday"},  // 国庆
		{[]string{"workday", "is", "2025-01-26"}, "workday"}, // make-up Sunday before 春节
		{[]string{"workday", "is", "2025-02-04"}, "offday"},
		{[]string{"workday", "add", "2025-09-30", "1"}, "2025-10-09"},
		{[]string{"workday", "is", "2026年2月14日"}, "workday"}, // make-up Saturday, 2026 春节
		{[]string{"workday", "add", "2026/2/13", "1"}, "2026-02-14"},
		{[]string{"workday", "between", "2026-09-30", "2026-10-10"}, "3"}, // 10月8日、9日与调休的10日
	}
	// The default database does not exist here: the official calendar
	// answers, nothing is created, and a note says nothing is overridden.
	t.Chdir(t.TempDir())
	const noDB = "note: no database at ./qinqing-data/qinqing.db; the official calendar answers, nothing is overridden\n"
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			code, out, errOut := run(t, "", nil, tt.args...)
			if code != 0 || strings.TrimSpace(out) != tt.want {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %q", code, out, errOut, tt.want)
			}
			if errOut != noDB {
				t.Errorf("stderr for an officially covered year %q, want only %q", errOut, noDB)
			}
		})
	}
	if _, err := os.Stat("qinqing-data"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("workday created the default database's directory (stat: %v)", err)
	}
	t.Run("FallbackWarns", func(t *testing.T) {
		code, out, errOut := run(t, "", nil, "workday", "is", "2030-05-01")
		if code != 0 || strings.TrimSpace(out) != "workday" || !strings.Contains(errOut, "weekends only") {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
	t.Run("ErrBadDate", func(t *testing.T) {
		code, _, errOut := run(t, "", nil, "workday", "is", "2024-02-30")
		if code != 2 || !strings.Contains(errOut, "日期不存在") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
}

// TestWorkdayOverrides checks that every way of naming the database —
// the default, QINQING_DB, --db before or after the arguments — reads the
// overrides an administrator stored.
func TestWorkdayOverrides(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if code, _, e := run(t, "", nil, "migrate"); code != 0 {
		t.Fatalf("migrate the default database: %s", e)
	}
	cfg := config.Default()
	a, err := app.Open(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 2026-12-12 is a Saturday; the office makes it a working day.
	if err := a.Overrides.Save(context.Background(), auth.Operator("test"), workday.Override{Date: workday.MustParseDate("2026-12-12"), Workday: true, Note: "调休"}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	abs := filepath.Join(dir, "qinqing-data", "qinqing.db")
	other := filepath.Join(t.TempDir(), "other.db")
	if code, _, e := run(t, "", nil, "migrate", "--db", other); code != 0 {
		t.Fatal(e)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"OKDefaultDB", nil, []string{"workday", "add", "2026-12-11", "1"}, "2026-12-12"},
		{"OKDefaultDBIs", nil, []string{"workday", "is", "2026-12-12"}, "workday"},
		{"OKEnv", map[string]string{"QINQING_DB": abs}, []string{"workday", "add", "2026-12-11", "1"}, "2026-12-12"},
		{"OKFlagAfterArgs", nil, []string{"workday", "add", "2026-12-11", "1", "--db", abs}, "2026-12-12"},
		{"OKFlagBetweenArgs", nil, []string{"workday", "between", "2026-12-11", "--db=" + abs, "2026-12-14"}, "2"},
		{"OKFlagBeforeArgs", nil, []string{"workday", "add", "--db", other, "2026-12-11", "1"}, "2026-12-14"},
		{"OKOtherDBAfterArgs", nil, []string{"workday", "add", "2026-12-11", "1", "--db", other}, "2026-12-14"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, "", tt.env, tt.args...)
			if code != 0 || strings.TrimSpace(out) != tt.want || errOut != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %q and no stderr", code, out, errOut, tt.want)
			}
		})
	}
	t.Run("ErrTooManyArgs", func(t *testing.T) {
		code, _, errOut := run(t, "", nil, "workday", "add", "2026-12-11", "1", "--db", abs, "2")
		if code != 2 || !strings.Contains(errOut, "takes 2 argument(s), got 3") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
}

// TestFlagsAfterArguments checks that every command accepts its flags after
// its positional arguments, as the usage lines write them.
func TestFlagsAfterArguments(t *testing.T) {
	db := filepath.Join(t.TempDir(), "q.db")
	if code, _, e := run(t, "", nil, "migrate", "--db", db); code != 0 {
		t.Fatal(e)
	}
	if code, out, e := run(t, "a-long-password\n", nil, "user", "add", "--username", "boss", "--role", "admin", "--db", db); code != 0 || !strings.Contains(out, "created user boss") {
		t.Fatalf("user add: exit %d, %s %s", code, out, e)
	}
	if code, _, e := run(t, "", nil, "user", "disable", "boss", "--db", db); code != 0 {
		t.Fatalf("user disable boss --db: exit %d, %s", code, e)
	}
	if code, out, e := run(t, "", nil, "user", "list", "--db", db); code != 0 || !strings.Contains(out, "boss") {
		t.Fatalf("user list: exit %d, %s %s", code, out, e)
	}
	if code, _, e := run(t, "", nil, "token", "revoke", "999", "--db", db); code != 1 || !strings.Contains(e, "不存在") {
		t.Fatalf("token revoke 999 --db: exit %d, %s", code, e)
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantErr  string
	}{
		{"UnknownCommand", []string{"frobnicate"}, nil, 2, "unknown command"},
		{"UnknownFlag", []string{"migrate", "--frob"}, nil, 2, "flag provided but not defined"},
		{"MalformedDSN", []string{"migrate", "--db", "postgres://"}, nil, 1, "数据库地址格式不对"},
		{"UnsupportedDSN", []string{"migrate", "--db", "mysql://root@localhost/x"}, nil, 1, "数据库地址格式不对"},
		{"UnreachableDB", []string{"migrate", "--db", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"}, nil, 1, "无法连接数据库"},
		{"BadEnv", []string{"serve"}, map[string]string{"QINQING_MIGRATE": "perhaps"}, 1, "QINQING_MIGRATE"},
		{"BadAddr", []string{"serve", "--addr", "nonsense"}, nil, 1, "监听地址"},
		{"BadPublicURL", []string{"serve", "--public-url", "qinqing.example.gov.cn"}, nil, 1, "公开地址"},
		{"BadPort", []string{"serve", "--addr", ":99999"}, nil, 1, "监听地址 \":99999\" 无效"},
		{"BadPortSign", []string{"serve", "--addr", "127.0.0.1:-1"}, nil, 1, "监听地址"},
		{"BadHost", []string{"serve", "--addr", "bad host:8080"}, nil, 1, "监听地址"},
		{"BadProxy", []string{"serve", "--trusted-proxies", "10.0.0.1,proxy.local"}, nil, 1, "可信代理 \"proxy.local\""},
		{"UserNoRole", []string{"user", "add", "--username", "x"}, nil, 2, "--role"},
		{"TokenNoRole", []string{"token", "create", "--name", "x", "--scopes", "all"}, nil, 2, "--role"},
		{"TokenNoScopes", []string{"token", "create", "--name", "x", "--role", "leader"}, nil, 2, "--scopes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.name == "UserNoRole" {
				args = append(args, "--db", filepath.Join(t.TempDir(), "q.db"))
				if code, _, e := run(t, "", nil, "migrate", "--db", args[len(args)-1]); code != 0 {
					t.Fatal(e)
				}
			}
			code, _, errOut := run(t, "", tt.env, args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, tt.wantCode, tt.wantErr)
			}
			if strings.Contains(errOut, "goroutine ") {
				t.Fatalf("stack trace printed: %s", errOut)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, cmd := range []string{"serve", "migrate", "version", "user", "token", "backup", "workday"} {
		code, _, errOut := run(t, "", nil, cmd, "--help")
		if code != 0 || !strings.Contains(errOut, "usage: qinqing "+cmd) {
			t.Errorf("%s --help: exit %d, stderr %q", cmd, code, errOut)
		}
	}
	code, out, _ := run(t, "", nil, "--help")
	if code != 0 || !strings.Contains(out, "Usage:") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
}

func TestUserTokenBackup(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "q.db")
	if code, _, e := run(t, "", nil, "serve", "--db", db, "--addr", "127.0.0.1:0", "--frob"); code != 2 {
		t.Fatalf("serve with a bad flag: %d %s", code, e)
	}
	if code, _, e := run(t, "", nil, "user", "list", "--db", db); code != 1 || !strings.Contains(e, "不存在") || !strings.Contains(e, "qinqing migrate") {
		t.Fatalf("an unmigrated database should be refused with advice: %d %q", code, e)
	}
	for _, args := range [][]string{{"user", "list"}, {"token", "list"}, {"backup", "--to", filepath.Join(dir, "none.db")}, {"export", "enterprises"}} {
		if code, _, e := run(t, "", nil, append(args, "--db", db)...); code != 1 || !strings.Contains(e, "不存在") {
			t.Fatalf("%v on a missing database: %d %q", args, code, e)
		}
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("reading a missing database created it (stat: %v)", err)
	}
	if code, out, e := run(t, "", nil, "migrate", "--db", db); code != 0 || !strings.Contains(out, "schema at version") {
		t.Fatalf("migrate: %d %s %s", code, out, e)
	}
	if code, out, e := run(t, "a-long-password\n", nil, "user", "add", "--db", db, "--username", "boss", "--role", "admin"); code != 0 || !strings.Contains(out, "created user boss") {
		t.Fatalf("user add: %d %s %s", code, out, e)
	}
	if code, _, e := run(t, "short\n", nil, "user", "passwd", "--db", db, "boss"); code != 1 || !strings.Contains(e, "密码至少8位") {
		t.Fatalf("short password: %d %q", code, e)
	}
	code, out, e := run(t, "", nil, "token", "create", "--db", db, "--role", "admin", "--name", "12345热线", "--scopes", "all")
	if code != 0 || !strings.HasPrefix(out, "qq_") {
		t.Fatalf("token create: %d %q %q", code, out, e)
	}
	if code, out, _ := run(t, "", nil, "token", "list", "--db", db); code != 0 || !strings.Contains(out, "12345热线") {
		t.Fatalf("token list: %d %q", code, out)
	}
	if code, out, e := run(t, "", nil, "backup", "--db", db, "--to", filepath.Join(dir, "copy.db")); code != 0 || !strings.Contains(out, "backed up") {
		t.Fatalf("backup: %d %q %q", code, out, e)
	}
	if code, out, _ := run(t, "", nil, "user", "list", "--db", filepath.Join(dir, "copy.db")); code != 0 || !strings.Contains(out, "boss") {
		t.Fatalf("the backup does not hold the user: %d %q", code, out)
	}
	if code, _, e := run(t, "", nil, "backup", "--db", db, "--to", filepath.Join(dir, "copy.db")); code != 1 || !strings.Contains(e, "已存在") {
		t.Fatalf("backup over an existing file: %d %q", code, e)
	}
}

// TestServeChecksBeforeWriting starts serve on databases that are not
// there or not ready: it refuses each, says why in Chinese, and leaves
// nothing behind — no directory or file for a mistyped SQLite path, no
// table in an empty PostgreSQL database.
func TestServeChecksBeforeWriting(t *testing.T) {
	t.Run("ErrMistypedSQLitePath", func(t *testing.T) {
		dir := t.TempDir()
		db := filepath.Join(dir, "qinqing-dat", "qinqing.db")
		code, _, e := run(t, "", nil, "serve", "--db", db, "--addr", "127.0.0.1:0")
		if code != 1 || !strings.Contains(e, "数据库 "+db+" 不存在") {
			t.Fatalf("exit %d, stderr %q", code, e)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Fatalf("serve created %v", entries)
		}
	})
	t.Run("ErrEmptyPostgres", func(t *testing.T) {
		dsn := storetest.PostgresDSN(t)
		code, _, e := run(t, "", nil, "serve", "--db", dsn, "--addr", "127.0.0.1:0")
		if code != 1 || !strings.Contains(e, "是空的") || !strings.Contains(e, "qinqing migrate") {
			t.Fatalf("exit %d, stderr %q", code, e)
		}
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("serve created %d tables in the empty database (%v)", n, err)
		}
	})
	base := os.Getenv(storetest.PostgresEnv)
	withDB := func(name string) string {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		return u.String()
	}
	withUser := func(user string) string {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.User(user)
		return u.String()
	}
	for _, tc := range []struct {
		name, dsn, want string
		needsPG         bool
	}{
		{"ErrRefused", "postgres://postgres@127.0.0.1:1/qinqing?connect_timeout=5", "连接被拒绝", false},
		{"ErrBadDSN", "postgres://postgres@127.0.0.1:notaport/qinqing", "数据库地址格式不对", false},
		{"ErrBadDSNOption", "postgres://postgres@127.0.0.1:5432/qinqing?sslmode=sometimes", "地址格式不对", false},
		{"ErrUnknownHost", "postgres://postgres@no-such-host.invalid/qinqing?connect_timeout=5", "主机名无法解析", false},
		{"ErrUnknownDatabase", "unknown-database", "数据库不存在", true},
		{"ErrAuthentication", "unknown-role", "认证失败", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := tc.dsn
			if tc.needsPG {
				if base == "" {
					t.Skipf("needs %s", storetest.PostgresEnv)
				}
				dsn = withDB("qinqing_no_such_database")
				if tc.name == "ErrAuthentication" {
					dsn = withUser("qinqing_no_such_role")
				}
			}
			code, _, e := run(t, "", nil, "serve", "--db", dsn, "--addr", "127.0.0.1:0")
			if code != 1 || !strings.Contains(e, tc.want) || (tc.name != "ErrBadDSN" && !strings.Contains(e, "无法连接数据库")) {
				t.Fatalf("exit %d, stderr %q; want %q", code, e, tc.want)
			}
		})
	}
	t.Run("ErrPortInUse", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		db := filepath.Join(t.TempDir(), "q.db")
		if code, _, e := run(t, "", nil, "migrate", "--db", db); code != 0 {
			t.Fatal(e)
		}
		code, _, e := run(t, "", nil, "serve", "--db", db, "--addr", ln.Addr().String())
		if code != 1 || !strings.Contains(e, "端口已被占用") {
			t.Fatalf("exit %d, stderr %q", code, e)
		}
	})
}
