// Package config holds the one typed configuration of qinqing: defaults,
// then QINQING_* environment variables, then command-line flags, then
// Validate.
package config

import (
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
)

// Config is the platform's configuration.
type Config struct {
	Addr          string // listen address
	DB            string // SQLite file path or postgres:// URL
	DataDir       string // uploads and other files; shared storage when several instances run
	Migrate       bool   // apply pending migrations at start
	Demo          bool   // load demo data into an empty database
	DemoSize      int    // enterprises in the demo city
	LogLevel      string // debug, info, warn, error
	LogFormat     string // json or text
	SecureCookies bool   // mark cookies Secure (behind HTTPS)
	WorkHours     string // working hours for deadlines counted in hours
	City          string // the city whose divisions are embedded
	MaxBodyBytes  int64  // limit of a request body
	MaxUpload     int64  // limit of an uploaded file
	// AllowSelfReview lets an administrator review a policy they submitted
	// (a one-person office); off, the four-eyes rule holds.
	AllowSelfReview bool
	// PublicURL is the address users reach the platform at (e.g.
	// https://qinqing.example.gov.cn), for links shown to be passed on;
	// empty: the address of the request.
	PublicURL string
	// TrustedProxies lists the reverse proxies (addresses or CIDR ranges,
	// comma-separated) whose X-Forwarded-For header names the client; from
	// any other peer the header is ignored.
	TrustedProxies string

	// NotifyLog writes every notification as a log line too (the log
	// channel): a trail of what was sent, and the channel to watch in
	// development.
	NotifyLog bool
	// SMTP sends notifications by e-mail when SMTPAddr is set: the server
	// (host:port, STARTTLS on 587 is usual), its account (the password only
	// from the environment), the sender, the receiving mailboxes
	// (comma-separated; an office mailbox) and, optionally, the
	// notification kinds to send (comma-separated, "policy.*" a prefix).
	SMTPAddr, SMTPUsername, SMTPPassword, SMTPFrom, SMTPTo, SMTPKinds string
	// Redemption (兑现), in working days of the official calendar:
	// GrantConfirmDays is how long an enterprise has to confirm a grant
	// before it expires (reminded halfway and on the last day); PaymentDays
	// the limit from approval to 已拨付 beyond which a payment is flagged
	// (Hangzhou's target: 5); ReviewDays how long a unit has to decide an
	// application after accepting it, and to answer an objection.
	GrantConfirmDays int64
	PaymentDays      int64
	ReviewDays       int64
	// GrantCountersign makes an approved 免申即享 list wait for the office's
	// countersignature (会签) before enterprises are told.
	GrantCountersign bool
}

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		Addr:         "127.0.0.1:8080",
		DB:           "./qinqing-data/qinqing.db",
		DataDir:      "./qinqing-data",
		DemoSize:     10000,
		LogLevel:     "info",
		LogFormat:    "json",
		WorkHours:    "09:00-12:00,13:30-17:30",
		City:         "wuhan",
		MaxBodyBytes: 1 << 20,
		MaxUpload:    256 << 20,

		GrantConfirmDays: 10,
		PaymentDays:      5,
		ReviewDays:       10,
	}
}

// FromEnv overrides c with the QINQING_* variables that getenv returns.
// Errors: Invalid for a malformed value, naming the variable.
func (c *Config) FromEnv(getenv func(string) string) error {
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	boolean := func(name string, dst *bool) error {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errs.Errorf(errs.Invalid, "环境变量 %s 应为 true 或 false，实际为 %q", name, v)
			}
			*dst = b
		}
		return nil
	}
	integer := func(name string, dst *int64) error {
		if v := getenv(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return errs.Errorf(errs.Invalid, "环境变量 %s 应为正整数，实际为 %q", name, v)
			}
			*dst = n
		}
		return nil
	}
	str("QINQING_ADDR", &c.Addr)
	str("QINQING_DB", &c.DB)
	str("QINQING_DATA_DIR", &c.DataDir)
	str("QINQING_LOG_LEVEL", &c.LogLevel)
	str("QINQING_LOG_FORMAT", &c.LogFormat)
	str("QINQING_WORK_HOURS", &c.WorkHours)
	str("QINQING_CITY", &c.City)
	str("QINQING_PUBLIC_URL", &c.PublicURL)
	str("QINQING_TRUSTED_PROXIES", &c.TrustedProxies)
	str("QINQING_SMTP_ADDR", &c.SMTPAddr)
	str("QINQING_SMTP_USERNAME", &c.SMTPUsername)
	str("QINQING_SMTP_PASSWORD", &c.SMTPPassword)
	str("QINQING_SMTP_FROM", &c.SMTPFrom)
	str("QINQING_SMTP_TO", &c.SMTPTo)
	str("QINQING_SMTP_KINDS", &c.SMTPKinds)
	for name, dst := range map[string]*bool{"QINQING_MIGRATE": &c.Migrate, "QINQING_SECURE_COOKIES": &c.SecureCookies,
		"QINQING_ALLOW_SELF_REVIEW": &c.AllowSelfReview, "QINQING_NOTIFY_LOG": &c.NotifyLog, "QINQING_GRANT_COUNTERSIGN": &c.GrantCountersign} {
		if err := boolean(name, dst); err != nil {
			return err
		}
	}
	for name, dst := range map[string]*int64{"QINQING_MAX_BODY_BYTES": &c.MaxBodyBytes, "QINQING_MAX_UPLOAD_BYTES": &c.MaxUpload,
		"QINQING_GRANT_CONFIRM_DAYS": &c.GrantConfirmDays, "QINQING_PAYMENT_DAYS": &c.PaymentDays, "QINQING_REVIEW_DAYS": &c.ReviewDays} {
		if err := integer(name, dst); err != nil {
			return err
		}
	}
	return nil
}

// DBFlag registers --db on fs; every command that touches data takes it.
func (c *Config) DBFlag(fs *flag.FlagSet) {
	fs.StringVar(&c.DB, "db", c.DB, "SQLite file path or postgres:// URL (env QINQING_DB)")
}

// ServeFlags registers the flags of `qinqing serve` on fs.
func (c *Config) ServeFlags(fs *flag.FlagSet) {
	c.DBFlag(fs)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (env QINQING_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for uploads; shared storage when several instances run (env QINQING_DATA_DIR)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "address users reach the platform at, for links to pass on; default: the request's (env QINQING_PUBLIC_URL)")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "migrate and load demo data into an empty database")
	fs.IntVar(&c.DemoSize, "demo-enterprises", c.DemoSize, "enterprises in the demo city")
	fs.BoolVar(&c.Migrate, "migrate", c.Migrate, "apply pending migrations before serving (env QINQING_MIGRATE)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (env QINQING_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "json or text (env QINQING_LOG_FORMAT)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", c.SecureCookies, "mark cookies Secure; set when served over HTTPS (env QINQING_SECURE_COOKIES)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "reverse proxies whose X-Forwarded-For names the client: addresses or CIDR ranges, comma-separated (env QINQING_TRUSTED_PROXIES)")
}

// Proxies returns TrustedProxies parsed: each address as a one-address
// prefix. Errors: Invalid naming the entry that is neither an address nor
// a CIDR range.
func (c *Config) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(c.TrustedProxies, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, errs.Errorf(errs.Invalid, "可信代理 %q 既不是 IP 地址也不是 CIDR 网段（如 10.0.0.5 或 10.0.0.0/24）", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Validate checks the configuration as a whole. Errors: Invalid.
func (c *Config) Validate() error {
	if err := checkAddr(c.Addr); err != nil {
		return err
	}
	if strings.TrimSpace(c.DB) == "" {
		return errs.Errorf(errs.Invalid, "未指定数据库（--db 或 QINQING_DB）")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return errs.Errorf(errs.Invalid, "日志级别 %q 无效（debug/info/warn/error）", c.LogLevel)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return errs.Errorf(errs.Invalid, "日志格式 %q 无效（json/text）", c.LogFormat)
	}
	if c.DemoSize < 0 || c.DemoSize > 3_000_000 {
		return errs.Errorf(errs.Invalid, "演示企业数 %d 超出范围", c.DemoSize)
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return errs.Errorf(errs.Invalid, "公开地址 %q 无效（应为 https://主机[/路径]，如 https://qinqing.example.gov.cn）", c.PublicURL)
		}
	}
	if _, err := c.Proxies(); err != nil {
		return err
	}
	if c.SMTPAddr == "" && (c.SMTPFrom != "" || c.SMTPTo != "" || c.SMTPUsername != "") {
		return errs.Errorf(errs.Invalid, "已配置 QINQING_SMTP_FROM/TO/USERNAME，但缺少 QINQING_SMTP_ADDR（SMTP 服务器 主机:端口）")
	}
	for _, d := range []struct {
		name string
		v    int64
	}{{"QINQING_GRANT_CONFIRM_DAYS", c.GrantConfirmDays}, {"QINQING_PAYMENT_DAYS", c.PaymentDays}, {"QINQING_REVIEW_DAYS", c.ReviewDays}} {
		if d.v < 1 || d.v > 365 {
			return errs.Errorf(errs.Invalid, "%s 应为 1 到 365 个工作日，实际为 %d", d.name, d.v)
		}
	}
	if c.City != "wuhan" {
		return errs.Errorf(errs.Invalid, "暂不支持城市 %q（当前内置：wuhan）", c.City)
	}
	return nil
}

// checkAddr checks a listen address: host:port with a port number from 0
// to 65535 and a host that is empty, an IP address or a name.
func checkAddr(addr string) error {
	bad := errs.Errorf(errs.Invalid, "监听地址 %q 无效（应为 主机:端口，端口 0–65535，如 127.0.0.1:8080 或 :8080）", addr)
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return bad
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || strings.ContainsAny(port, "+-") {
		return bad
	}
	if host == "" {
		return nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || strings.Trim(label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
			return bad
		}
	}
	return nil
}

// String describes the configuration for the start-up log, without secrets.
func (c Config) String() string {
	db := c.DB
	if i := strings.Index(db, "@"); i > 0 && strings.Contains(db, "://") {
		db = db[:strings.Index(db, "://")+3] + "…" + db[i:]
	}
	return fmt.Sprintf("addr=%s db=%s demo=%v", c.Addr, db, c.Demo)
}

// List splits a comma-separated setting into its trimmed, non-empty
// entries.
func List(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
