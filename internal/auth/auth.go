// Package auth holds accounts, roles, sessions, login throttling, API
// tokens and the permission table (permission.go) that every module asks.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/paging"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// User is an account.
type User struct {
	ID           int64     `json:"id"`
	Username     string    `json:"username"`
	DisplayName  string    `json:"display_name"`
	Role         Role      `json:"role"`
	UnitID       *int64    `json:"unit_id"`
	EnterpriseID *int64    `json:"enterprise_id"`
	Phone        *string   `json:"phone"`
	Disabled     bool      `json:"disabled"`
	CreatedAt    time.Time `json:"created_at"`
}

// Actor returns the actor a logged-in user acts as.
func (u *User) Actor() *Actor {
	return &Actor{UserID: u.ID, Name: u.Username, DisplayName: u.DisplayName, Role: u.Role, UnitID: u.UnitID, EnterpriseID: u.EnterpriseID}
}

// Service manages accounts, sessions and tokens.
type Service struct {
	DB    *store.DB
	Audit *audit.Log
	Now   func() time.Time

	SessionIdle time.Duration // a session ends after this long unused
	SessionMax  time.Duration // and at the latest this long after login

	MaxFailures        int           // login attempts allowed per account and window …
	MaxAddressFailures int           // … and per client address (much higher: many people share one) …
	FailWindow         time.Duration // … within this window …
	LockDuration       time.Duration // … before the account or address is locked this long

	hashing *hashGate // bounds concurrent password hashing (see login.go)
}

// Default login throttling and hashing bounds (see New).
const (
	DefaultMaxFailures        = 5
	DefaultMaxAddressFailures = 100
	DefaultMaxHashing         = 4
	DefaultHashWait           = 2 * time.Second
)

// Options are the dependencies of a Service.
type Options struct {
	Audit *audit.Log
	Now   func() time.Time
}

// New returns a Service with the default session and throttling policy: 5
// attempts per account and 100 per address in 15 minutes, and at most
// DefaultMaxHashing password hashes computed at once. Its jobs are
// registered by RegisterJobs.
func New(db *store.DB, opts Options) *Service {
	return &Service{DB: db, Audit: opts.Audit, Now: opts.Now,
		SessionIdle: 12 * time.Hour, SessionMax: 7 * 24 * time.Hour,
		MaxFailures: DefaultMaxFailures, MaxAddressFailures: DefaultMaxAddressFailures,
		FailWindow: 15 * time.Minute, LockDuration: 15 * time.Minute,
		hashing: newHashGate(DefaultMaxHashing, DefaultHashWait)}
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{2,31}$`)

// UserInput is what creating a user takes.
type UserInput struct {
	Username     string  `json:"username"`
	DisplayName  string  `json:"display_name"`
	Password     string  `json:"password"`
	Role         Role    `json:"role"`
	UnitID       *int64  `json:"unit_id"`
	EnterpriseID *int64  `json:"enterprise_id"`
	Phone        *string `json:"phone"`
}

func validatePassword(p string) error {
	if len([]rune(p)) < 8 {
		return errs.FieldErrorf("password", "密码至少8位")
	}
	if len(p) > 256 {
		return errs.FieldErrorf("password", "密码过长")
	}
	return nil
}

// CreateUser creates an account. The office may call it (ManageUsers).
// Errors: Unauthenticated, Forbidden; Invalid for a bad username, password,
// role or missing unit; Conflict when the username is taken; TooMany when
// the server is busy hashing passwords.
func (s *Service) CreateUser(ctx context.Context, a *Actor, in UserInput) (*User, error) {
	if err := AuthorizeSome(a, ManageUsers); err != nil {
		return nil, err
	}
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	if !usernamePattern.MatchString(in.Username) {
		return nil, errs.FieldErrorf("username", "用户名应为3–32位小写字母、数字或 _ . -，以字母或数字开头")
	}
	if in.DisplayName == "" {
		in.DisplayName = in.Username
	}
	if err := validatePassword(in.Password); err != nil {
		return nil, err
	}
	if !in.Role.Valid() {
		return nil, errs.FieldErrorf("role", "角色“%s”无效", in.Role)
	}
	if in.Role == RoleUnitStaff && in.UnitID == nil {
		return nil, errs.FieldErrorf("unit_id", "责任单位账号必须指定所属单位")
	}
	hash, err := s.hashPassword(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	u := &User{Username: in.Username, DisplayName: in.DisplayName, Role: in.Role, UnitID: in.UnitID,
		EnterpriseID: in.EnterpriseID, Phone: in.Phone, CreatedAt: now.UTC().Truncate(time.Millisecond)}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if in.UnitID != nil {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM units WHERE id = ?`, *in.UnitID).Scan(&n); err != nil {
				return errs.Wrap(err, "check unit")
			}
			if n == 0 {
				return errs.FieldErrorf("unit_id", "单位 %d 不存在", *in.UnitID)
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, password_hash, role, unit_id, enterprise_id, phone, disabled, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, FALSE, ?, ?) RETURNING id`,
			u.Username, u.DisplayName, hash, string(u.Role), u.UnitID, u.EnterpriseID, u.Phone,
			store.Millis(now), store.Millis(now)).Scan(&u.ID)
		if store.IsUniqueViolation(err) {
			return errs.Errorf(errs.Conflict, "用户名“%s”已存在", u.Username)
		}
		if err != nil {
			return errs.Wrap(err, "insert user")
		}
		return s.Audit.Record(ctx, tx, "user", strconv.FormatInt(u.ID, 10), "create", nil, u)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

const userColumns = `id, username, display_name, role, unit_id, enterprise_id, phone, disabled, created_at`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var role string
	var created int64
	if err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &role, &u.UnitID, &u.EnterpriseID, &u.Phone, &u.Disabled, &created); err != nil {
		return nil, err
	}
	u.Role = Role(role)
	u.CreatedAt = store.FromMillis(created)
	return &u, nil
}

// FindUserByID returns the user with id. Errors: NotFound.
func (s *Service) FindUserByID(ctx context.Context, id int64) (*User, error) {
	u, err := scanUser(s.DB.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return nil, store.NotFound(err, "用户 %d 不存在", id)
	}
	return u, nil
}

// FindUserByUsername returns the user called username. Errors: NotFound.
func (s *Service) FindUserByUsername(ctx context.Context, username string) (*User, error) {
	u, err := scanUser(s.DB.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = ?`, strings.ToLower(strings.TrimSpace(username))))
	if err != nil {
		return nil, store.NotFound(err, "用户“%s”不存在", username)
	}
	return u, nil
}

// UserFilter selects users; zero fields do not filter.
type UserFilter struct {
	Role   Role
	UnitID int64
	Query  string // substring of username or display name
	Limit  int
	Offset int
}

// FindUsers returns the users matching f ordered by username, and the
// total. The office may call it (ManageUsers). Errors: Unauthenticated,
// Forbidden.
func (s *Service) FindUsers(ctx context.Context, a *Actor, f UserFilter) ([]User, int, error) {
	if err := AuthorizeSome(a, ManageUsers); err != nil {
		return nil, 0, err
	}
	var where []string
	var args []any
	if f.Role != "" {
		where = append(where, "role = ?")
		args = append(args, string(f.Role))
	}
	if f.UnitID != 0 {
		where = append(where, "unit_id = ?")
		args = append(args, f.UnitID)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, "(username LIKE ? OR display_name LIKE ?)")
		args = append(args, "%"+q+"%", "%"+q+"%")
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`+cond, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count users")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	rows, err := s.DB.QueryContext(ctx, `SELECT `+userColumns+` FROM users`+cond+` ORDER BY username LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find users")
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "scan user")
		}
		out = append(out, *u)
	}
	return out, total, errs.Wrap(rows.Err(), "find users")
}

// SetPassword replaces a user's password and ends their sessions. The user
// themself (the page asks for the old password first) or the office
// (ManageUsers) may call it. Errors: Unauthenticated, Forbidden, Invalid,
// NotFound, TooMany (busy hashing passwords).
func (s *Service) SetPassword(ctx context.Context, a *Actor, id int64, password string) error {
	if a == nil {
		return errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	if a.UserID != id && !a.CanSome(ManageUsers) {
		return errs.Errorf(errs.Forbidden, "只能修改自己的密码")
	}
	if err := validatePassword(password); err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, store.Millis(s.Now()), id)
		if err != nil {
			return errs.Wrap(err, "set password")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Errorf(errs.NotFound, "用户 %d 不存在", id)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
			return errs.Wrap(err, "end sessions")
		}
		return s.Audit.Record(ctx, tx, "user", strconv.FormatInt(id, 10), "password", nil, nil)
	})
}

// SetDisabled disables or re-enables an account; disabling ends its
// sessions. The office may call it (ManageUsers). Errors: Unauthenticated,
// Forbidden, NotFound.
func (s *Service) SetDisabled(ctx context.Context, a *Actor, id int64, disabled bool) error {
	if err := AuthorizeSome(a, ManageUsers); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		before, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
		if err != nil {
			return store.NotFound(err, "用户 %d 不存在", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?`, disabled, store.Millis(s.Now()), id); err != nil {
			return errs.Wrap(err, "disable user")
		}
		if disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return errs.Wrap(err, "end sessions")
			}
		}
		after := *before
		after.Disabled = disabled
		return s.Audit.Record(ctx, tx, "user", strconv.FormatInt(id, 10), map[bool]string{true: "disable", false: "enable"}[disabled], before, after)
	})
}

// newSecret returns a random URL-safe secret and its SHA-256 hex digest,
// which is all the database keeps.
func newSecret(prefix string) (secret, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret)
}

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Session looks up the user of a session secret, extending the session's
// idle deadline (at most up to SessionMax after login). Errors:
// Unauthenticated for an unknown, expired or disabled session.
func (s *Service) Session(ctx context.Context, secret string) (*User, error) {
	if secret == "" {
		return nil, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	now := s.Now()
	h := hashSecret(secret)
	var created, expires, lastSeen int64
	var userID int64
	err := s.DB.QueryRowContext(ctx, `SELECT user_id, created_at, expires_at, last_seen FROM sessions WHERE token_hash = ?`, h).
		Scan(&userID, &created, &expires, &lastSeen)
	if err == sql.ErrNoRows || (err == nil && expires <= store.Millis(now)) {
		return nil, errs.Errorf(errs.Unauthenticated, "登录已过期，请重新登录")
	}
	if err != nil {
		return nil, errs.Wrap(err, "find session")
	}
	u, err := s.FindUserByID(ctx, userID)
	if err != nil || u.Disabled {
		return nil, errs.Errorf(errs.Unauthenticated, "登录已过期，请重新登录")
	}
	// Extend at most once a minute, so that reads do not each cost a write.
	if store.Millis(now)-lastSeen > 60_000 {
		newExpiry := now.Add(s.SessionIdle)
		if limit := store.FromMillis(created).Add(s.SessionMax); newExpiry.After(limit) {
			newExpiry = limit
		}
		if _, err := s.DB.ExecContext(ctx, `UPDATE sessions SET last_seen = ?, expires_at = ? WHERE token_hash = ?`,
			store.Millis(now), store.Millis(newExpiry), h); err != nil {
			return nil, errs.Wrap(err, "extend session")
		}
	}
	return u, nil
}

// Logout ends the session with the given secret; an unknown one is no error.
func (s *Service) Logout(ctx context.Context, secret string) error {
	_, err := s.DB.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hashSecret(secret))
	return errs.Wrap(err, "logout")
}

// JobPurgeSessions is the job kind of the hourly purge of ended sessions.
const JobPurgeSessions = "auth.purge_sessions"

// RegisterJobs registers the purge of ended sessions with r. The
// composition root calls it once.
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Register(JobPurgeSessions, func(ctx context.Context, _ *jobs.Job) error {
		_, err := s.PurgeExpiredSessions(ctx)
		return err
	})
}

// Schedules lists the periodic jobs of accounts: the purge, hourly.
func (s *Service) Schedules() []jobs.Period {
	return []jobs.Period{{Name: "purge-sessions", Kind: JobPurgeSessions, Every: time.Hour}}
}

// PurgeExpiredSessions deletes ended sessions and stale throttle rows; run
// by a scheduled job.
func (s *Service) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	now := store.Millis(s.Now())
	res, err := s.DB.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, now)
	if err != nil {
		return 0, errs.Wrap(err, "purge sessions")
	}
	n, _ := res.RowsAffected()
	_, err = s.DB.ExecContext(ctx, `DELETE FROM login_throttle WHERE locked_until < ? AND window_start < ?`, now, now-s.FailWindow.Milliseconds())
	return n, errs.Wrap(err, "purge throttle")
}

// Token is an API token's record; the secret itself is shown once, at
// creation, and only its hash is kept.
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Role       Role       `json:"role"`
	UnitID     *int64     `json:"unit_id"`
	Scopes     []Action   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// TokenInput is what creating a token takes.
type TokenInput struct {
	Name   string   `json:"name"`
	Role   Role     `json:"role"`
	UnitID *int64   `json:"unit_id"`
	Scopes []Action `json:"scopes"`
	// AllScopes is the explicit choice of every action the role allows;
	// without it Scopes must name at least one action.
	AllScopes bool          `json:"all_scopes"`
	ExpiresIn time.Duration `json:"-"`
}

// TokenPrefix begins every API token, so that leaked tokens are easy to find.
const TokenPrefix = "qq_"

// CreateToken creates an API token and returns its secret, shown only now.
// A token gets the least by default: its role must be chosen, and its scopes
// listed or explicitly all that role allows (AllScopes). The office may
// call it (ManageTokens); the token answers to a's person (Actor.Person),
// for the *_by columns and the four-eyes rule. Errors: Unauthenticated, Forbidden, Invalid (name;
// a missing, unknown or enterprise role; scopes neither listed nor
// explicitly all; an unknown scope).
func (s *Service) CreateToken(ctx context.Context, a *Actor, in TokenInput) (string, *Token, error) {
	if err := AuthorizeSome(a, ManageTokens); err != nil {
		return "", nil, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len([]rune(in.Name)) > 64 {
		return "", nil, errs.FieldErrorf("name", "令牌名称应为1–64字")
	}
	if in.Role == "" {
		return "", nil, errs.FieldErrorf("role", "请选择令牌的角色：令牌只能做所选角色允许的事")
	}
	if !in.Role.Valid() || in.Role == RoleEnterprise {
		return "", nil, errs.FieldErrorf("role", "令牌角色“%s”无效", in.Role)
	}
	if in.Role == RoleUnitStaff && in.UnitID == nil {
		return "", nil, errs.FieldErrorf("unit_id", "责任单位令牌必须指定所属单位")
	}
	var scopes []string
	for _, sc := range in.Scopes {
		if _, ok := permissions[sc]; !ok {
			return "", nil, errs.FieldErrorf("scopes", "未知的权限范围“%s”", sc)
		}
		scopes = append(scopes, string(sc))
	}
	switch {
	case len(scopes) == 0 && !in.AllScopes:
		return "", nil, errs.FieldErrorf("scopes", "请选择令牌的权限范围：至少一项，或明确选择“所选角色的全部权限”")
	case len(scopes) > 0 && in.AllScopes:
		return "", nil, errs.FieldErrorf("scopes", "已选择“所选角色的全部权限”，就不要再列出单项权限")
	}
	secret, h := newSecret(TokenPrefix)
	now := s.Now()
	t := &Token{Name: in.Name, Prefix: secret[:len(TokenPrefix)+6], Role: in.Role, UnitID: in.UnitID, Scopes: in.Scopes, CreatedAt: now.UTC().Truncate(time.Millisecond)}
	var expires *int64
	if in.ExpiresIn > 0 {
		e := now.Add(in.ExpiresIn).UTC().Truncate(time.Millisecond)
		t.ExpiresAt = &e
		ms := store.Millis(e)
		expires = &ms
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (name, token_hash, prefix, role, unit_id, scopes, created_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			t.Name, h, t.Prefix, string(t.Role), t.UnitID, strings.Join(scopes, ","), a.PersonRef(), store.Millis(now), expires).Scan(&t.ID)
		if err != nil {
			return errs.Wrap(err, "insert token")
		}
		return s.Audit.Record(ctx, tx, "token", strconv.FormatInt(t.ID, 10), "create", nil, t)
	})
	if err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// TokenActor returns the actor of an API token secret. Errors:
// Unauthenticated for an unknown, revoked or expired token.
func (s *Service) TokenActor(ctx context.Context, secret string) (*Actor, error) {
	now := s.Now()
	var t Token
	var role, scopes string
	var expires, lastUsed, revoked, owner sql.NullInt64
	err := s.DB.QueryRowContext(ctx, `SELECT id, name, role, unit_id, scopes, created_by, expires_at, last_used_at, revoked_at FROM api_tokens WHERE token_hash = ?`,
		hashSecret(secret)).Scan(&t.ID, &t.Name, &role, &t.UnitID, &scopes, &owner, &expires, &lastUsed, &revoked)
	if err == sql.ErrNoRows || (err == nil && (revoked.Valid || (expires.Valid && expires.Int64 <= store.Millis(now)))) {
		return nil, errs.Errorf(errs.Unauthenticated, "API 令牌无效、已吊销或已过期")
	}
	if err != nil {
		return nil, errs.Wrap(err, "find token")
	}
	if !lastUsed.Valid || store.Millis(now)-lastUsed.Int64 > 60_000 {
		if _, err := s.DB.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, store.Millis(now), t.ID); err != nil {
			return nil, errs.Wrap(err, "touch token")
		}
	}
	a := &Actor{TokenID: t.ID, Name: "token:" + t.Name, DisplayName: t.Name, Role: Role(role), UnitID: t.UnitID, TokenOwner: owner.Int64}
	for _, sc := range strings.Split(scopes, ",") {
		if sc != "" {
			a.Scopes = append(a.Scopes, Action(sc))
		}
	}
	return a, nil
}

// TokenFilter pages the API tokens.
type TokenFilter struct {
	Limit  int // paging.Clamp: default 50, at most 500
	Offset int
}

// FindTokens returns one page of the API tokens, newest first, and how many
// there are. The office may call it (ManageTokens). Errors:
// Unauthenticated, Forbidden.
func (s *Service) FindTokens(ctx context.Context, a *Actor, f TokenFilter) ([]Token, int, error) {
	if err := AuthorizeSome(a, ManageTokens); err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_tokens`).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count tokens")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	rows, err := s.DB.QueryContext(ctx, `SELECT id, name, prefix, role, unit_id, scopes, created_at, expires_at, last_used_at, revoked_at
		FROM api_tokens ORDER BY id DESC LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find tokens")
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var role, scopes string
		var created int64
		var expires, lastUsed, revoked sql.NullInt64
		if err := rows.Scan(&t.ID, &t.Name, &t.Prefix, &role, &t.UnitID, &scopes, &created, &expires, &lastUsed, &revoked); err != nil {
			return nil, 0, errs.Wrap(err, "scan token")
		}
		t.Role = Role(role)
		t.CreatedAt = store.FromMillis(created)
		t.ExpiresAt, t.LastUsedAt, t.RevokedAt = optTime(expires), optTime(lastUsed), optTime(revoked)
		for _, sc := range strings.Split(scopes, ",") {
			if sc != "" {
				t.Scopes = append(t.Scopes, Action(sc))
			}
		}
		out = append(out, t)
	}
	return out, total, errs.Wrap(rows.Err(), "find tokens")
}

func optTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := store.FromMillis(v.Int64)
	return &t
}

// RevokeToken revokes an API token at once. The office may call it
// (ManageTokens). Errors: Unauthenticated, Forbidden, NotFound.
func (s *Service) RevokeToken(ctx context.Context, a *Actor, id int64) error {
	if err := AuthorizeSome(a, ManageTokens); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, store.Millis(s.Now()), id)
		if err != nil {
			return errs.Wrap(err, "revoke token")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Errorf(errs.NotFound, "令牌 %d 不存在或已吊销", id)
		}
		return s.Audit.Record(ctx, tx, "token", strconv.FormatInt(id, 10), "revoke", nil, nil)
	})
}

// String describes an actor for logs.
func (a *Actor) String() string { return fmt.Sprintf("%s(%s)", a.Name, a.Role) }
