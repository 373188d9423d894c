package auth

import (
	"context"
	"database/sql"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// Login throttling. Every attempt is counted before its password is
// checked: one statement per key (the account, "user:NAME", and the client
// address, "ip:ADDR") increments the key's count of attempts in the current
// window and returns it, atomically in the database, so that parallel
// requests — on one instance or several — each get a distinct number. An
// attempt whose number is above the key's limit is refused without hashing
// and locks the key; the attempt whose number is the limit locks it when it
// fails. A success forgives only the attempts numbered up to its own (those
// that began before it): attempts that began after it still count. Only the
// account's count is forgiven, never the address's: otherwise an attacker
// with an account of their own could reset the address's count by logging
// in to it between guesses at others.
//
// Password hashing (argon2id, 19 MiB each) is bounded separately by a
// semaphore of a few slots: a request that cannot get a slot within a short
// wait is refused with TooMany and a Retry-After, and its attempt is not
// counted.

// hashGate bounds how many password hashes are computed at once.
type hashGate struct {
	slots chan struct{}
	wait  time.Duration

	total    atomic.Int64
	inFlight atomic.Int64
	peak     atomic.Int64
}

func newHashGate(n int, wait time.Duration) *hashGate {
	return &hashGate{slots: make(chan struct{}, max(n, 1)), wait: wait}
}

// run computes fn in a slot, waiting for one at most g.wait. Errors:
// TooMany when no slot freed up in time.
func (g *hashGate) run(ctx context.Context, fn func()) error {
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
	case <-t.C:
		return &errs.Error{Code: errs.TooMany, Message: "登录请求过多，服务器正忙，请稍后再试", RetryAfter: time.Second}
	case <-ctx.Done():
		return errs.Wrap(ctx.Err(), "wait to hash a password")
	}
	defer func() { <-g.slots }()
	n := g.inFlight.Add(1)
	defer g.inFlight.Add(-1)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
	g.total.Add(1)
	fn()
	return nil
}

// HashStats says how much password hashing a Service has done: the hashes
// computed, how many are being computed now, the most ever computed at
// once, and the bound on that.
type HashStats struct {
	Total, InFlight, Peak int64
	Limit                 int
}

// HashStats returns the Service's password hashing figures, for metrics and
// tests.
func (s *Service) HashStats() HashStats {
	g := s.hashing
	return HashStats{Total: g.total.Load(), InFlight: g.inFlight.Load(), Peak: g.peak.Load(), Limit: cap(g.slots)}
}

// LimitHashing sets how many password hashes may be computed at once and
// how long a request waits for a slot before it is refused with TooMany.
// Call it before the Service is used.
func (s *Service) LimitHashing(n int, wait time.Duration) { s.hashing = newHashGate(n, wait) }

// hashPassword returns the argon2id hash of password, computed in a slot
// of the hashing gate. Errors: TooMany when the server is busy hashing.
func (s *Service) hashPassword(ctx context.Context, password string) (string, error) {
	var h string
	err := s.hashing.run(ctx, func() { h = HashPassword(password) })
	return h, err
}

// maxLoginPassword is the longest password a login hashes; anything longer
// cannot be an account's password (validatePassword) and fails unhashed.
const maxLoginPassword = 256

// Login checks a username and password and starts a session, returning the
// session secret for the cookie. The attempt is counted against the
// account and the client address ip before the password is checked; too
// many attempts lock the account or the address for a while (see the top
// of this file). Anyone may call it. Errors: Unauthenticated (wrong
// credentials or disabled account, same message for both); TooMany when
// the account or address is locked (RetryAfter says until when) or the
// server is busy hashing passwords.
func (s *Service) Login(ctx context.Context, username, password, ip, userAgent string) (string, *User, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	keys := []throttleKey{
		{key: "user:" + truncate(username, 64), limit: s.MaxFailures, forgivable: true},
		{key: "ip:" + addressKey(ip), limit: s.MaxAddressFailures},
	}
	if err := s.reserve(ctx, keys); err != nil {
		return "", nil, err
	}
	var hash string
	var disabled bool
	var id int64
	err := s.DB.QueryRowContext(ctx, `SELECT id, password_hash, disabled FROM users WHERE username = ?`, username).Scan(&id, &hash, &disabled)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		s.release(ctx, keys)
		return "", nil, errs.Wrap(err, "login")
	}
	known := err == nil
	if !known {
		hash = dummyHash // a wrong username costs what a wrong password does
	}
	ok := false
	if len(password) <= maxLoginPassword {
		if err := s.hashing.run(ctx, func() { ok = CheckPassword(hash, password) }); err != nil {
			s.release(ctx, keys)
			return "", nil, err
		}
	}
	if !ok || !known || disabled {
		if err := s.failed(ctx, keys); err != nil {
			return "", nil, err
		}
		return "", nil, errs.Errorf(errs.Unauthenticated, "用户名或密码错误，或账号已停用")
	}
	if err := s.forgive(ctx, keys); err != nil {
		return "", nil, err
	}
	u, err := s.FindUserByID(ctx, id)
	if err != nil {
		return "", nil, err
	}
	secret, h := newSecret("")
	now := s.Now()
	_, err = s.DB.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		h, id, store.Millis(now), store.Millis(now.Add(s.SessionIdle)), store.Millis(now), ip, truncate(userAgent, 200))
	if err != nil {
		return "", nil, errs.Wrap(err, "create session")
	}
	return secret, u, nil
}

// addressKey is what a client address counts as: an IPv4 address itself,
// an IPv6 address by its /64 (one subscriber's network holds 2^64 of them,
// so counting each alone would let a client change address at every
// guess), anything else as given.
func addressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return truncate(ip, 64)
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// throttleKey is one key an attempt counts against, and what reserve
// learnt about it.
type throttleKey struct {
	key        string
	limit      int
	forgivable bool // a success takes back the earlier attempts

	number int   // the attempt's number in the key's window
	window int64 // the window's start (Unix ms) when it was counted
}

// reserve counts the attempt against every key in one transaction (keys
// in a fixed order, so that two attempts never wait on each other's rows
// in opposite orders). An attempt over a key's limit locks that key and is
// refused; so is one on a locked key. Errors: TooMany, Internal.
func (s *Service) reserve(ctx context.Context, keys []throttleKey) error {
	now := store.Millis(s.Now())
	var refused error
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		refused = nil
		for i := range keys {
			k := &keys[i]
			err := tx.QueryRowContext(ctx, `INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES (?, 1, ?, 0)
				ON CONFLICT (key) DO UPDATE SET
					failures = CASE WHEN login_throttle.window_start <= ? THEN 1 ELSE login_throttle.failures + 1 END,
					window_start = CASE WHEN login_throttle.window_start <= ? THEN ? ELSE login_throttle.window_start END
				WHERE login_throttle.locked_until <= ?
				RETURNING failures, window_start`,
				k.key, now, now-s.FailWindow.Milliseconds(), now-s.FailWindow.Milliseconds(), now, now).Scan(&k.number, &k.window)
			if errors.Is(err, sql.ErrNoRows) { // locked
				var until int64
				if err := tx.QueryRowContext(ctx, `SELECT locked_until FROM login_throttle WHERE key = ?`, k.key).Scan(&until); err != nil {
					return errs.Wrap(err, "read login lock")
				}
				refused = lockedError(until - now)
				continue
			}
			if err != nil {
				return errs.Wrap(err, "count login attempt")
			}
			if k.number > k.limit {
				if err := s.lock(ctx, tx, k.key, now); err != nil {
					return err
				}
				refused = lockedError(s.LockDuration.Milliseconds())
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return refused
}

func lockedError(ms int64) error {
	mins := max((ms+59_999)/60_000, 1)
	return &errs.Error{Code: errs.TooMany, Message: "登录尝试次数过多，请 " + strconv.FormatInt(mins, 10) + " 分钟后再试",
		RetryAfter: time.Duration(ms) * time.Millisecond}
}

// lock locks key for LockDuration and starts a fresh window after it.
func (s *Service) lock(ctx context.Context, q store.Querier, key string, now int64) error {
	_, err := q.ExecContext(ctx, `UPDATE login_throttle SET locked_until = ?, failures = 0, window_start = ? WHERE key = ?`,
		now+s.LockDuration.Milliseconds(), now, key)
	return errs.Wrap(err, "lock login")
}

// failed records that the attempt failed: the attempt that reached a key's
// limit locks it (the others were counted when they were reserved).
func (s *Service) failed(ctx context.Context, keys []throttleKey) error {
	now := store.Millis(s.Now())
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		for _, k := range keys {
			if k.number == k.limit {
				if err := s.lock(ctx, tx, k.key, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// forgive takes back, after a success, the attempts on the account
// numbered up to this one in its window — never those that began after it,
// nor a lock.
func (s *Service) forgive(ctx context.Context, keys []throttleKey) error {
	return s.uncount(ctx, keys, func(k throttleKey) int {
		if !k.forgivable {
			return 0
		}
		return k.number
	})
}

// release takes back the attempt itself, which was never made (the server
// was too busy, or the database failed).
func (s *Service) release(ctx context.Context, keys []throttleKey) {
	_ = s.uncount(context.WithoutCancel(ctx), keys, func(throttleKey) int { return 1 })
}

func (s *Service) uncount(ctx context.Context, keys []throttleKey, n func(throttleKey) int) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		for _, k := range keys {
			if n(k) == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE login_throttle
				SET failures = CASE WHEN failures > ? THEN failures - ? ELSE 0 END
				WHERE key = ? AND window_start = ?`, n(k), n(k), k.key, k.window); err != nil {
				return errs.Wrap(err, "forgive login attempts")
			}
		}
		return nil
	})
}
