package auth_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

// TestLoginParallel sends 100 parallel logins for one account — 99 wrong
// passwords and the right one — through two services on one database (two
// instances): at most MaxFailures passwords are hashed in all, never more
// than the bound at once on either instance, and the account ends locked.
func TestLoginParallel(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "login.db")
			if dialect == "postgres" {
				dsn = storetest.PostgresDSN(t)
			}
			ctx := context.Background()
			db1, db2 := storetest.MustOpenDSN(t, dsn), storetest.MustOpenDSN(t, dsn)
			now := func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }
			var instances []*auth.Service
			for _, db := range []*store.DB{db1, db2} {
				s := auth.New(db, auth.Options{Audit: &audit.Log{DB: db, Now: now}, Now: now})
				s.LimitHashing(2, time.Minute)
				instances = append(instances, s)
			}
			if _, err := instances[0].CreateUser(ctx, auth.Operator("test"), auth.UserInput{Username: "victim", Password: "right-password", Role: auth.RoleLeader}); err != nil {
				t.Fatal(err)
			}
			before := instances[0].HashStats().Total + instances[1].HashStats().Total

			var wg sync.WaitGroup
			codes := make([]errs.Code, 100)
			for i := range 100 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					pw := fmt.Sprintf("wrong-%d", i)
					if i == 50 {
						pw = "right-password"
					}
					_, _, err := instances[i%2].Login(ctx, "victim", pw, "10.0.0.1", "")
					codes[i] = errs.CodeOf(err)
				}()
			}
			wg.Wait()

			counts := map[errs.Code]int{}
			for _, c := range codes {
				counts[c]++
			}
			hashed := instances[0].HashStats().Total + instances[1].HashStats().Total - before
			if hashed > int64(auth.DefaultMaxFailures) {
				t.Errorf("%d passwords hashed, want at most %d (outcomes %v)", hashed, auth.DefaultMaxFailures, counts)
			}
			if counts[errs.Unauthenticated]+counts[""] != int(hashed) || counts[errs.TooMany] != 100-int(hashed) {
				t.Errorf("outcomes %v for %d hashed: every attempt not hashed must be refused as too many", counts, hashed)
			}
			for i, s := range instances {
				if st := s.HashStats(); st.Peak > int64(st.Limit) {
					t.Errorf("instance %d hashed %d passwords at once, bound %d", i, st.Peak, st.Limit)
				}
			}
			_, _, err := instances[0].Login(ctx, "victim", "right-password", "10.0.0.2", "")
			if errs.CodeOf(err) != errs.TooMany || errs.RetryAfterOf(err) <= 0 {
				t.Fatalf("after 100 parallel guesses the account must be locked (with a retry time): got %v", err)
			}
		})
	}
}

// TestLoginThrottleKeys checks that accounts and addresses are throttled
// apart: five failures lock an account from every address, but not the
// other accounts behind the same address, whose limit is far higher.
func TestLoginThrottleKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, clk := newService(t, db)
		s.MaxAddressFailures = 11
		for _, name := range []string{"alice", "bobby", "carol"} {
			if _, err := s.CreateUser(ctx, auth.Operator("test"), auth.UserInput{Username: name, Password: "right-password", Role: auth.RoleLeader}); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("OKOtherAccountsBehindTheAddress", func(t *testing.T) {
			for range 5 {
				if _, _, err := s.Login(ctx, "alice", "guess", "192.0.2.1", ""); errs.CodeOf(err) != errs.Unauthenticated {
					t.Fatalf("wrong password: %v", err)
				}
			}
			if _, _, err := s.Login(ctx, "alice", "right-password", "198.51.100.7", ""); errs.CodeOf(err) != errs.TooMany {
				t.Fatalf("alice after five failures, from another address: got %v, want too many", err)
			}
			if _, _, err := s.Login(ctx, "bobby", "right-password", "192.0.2.1", ""); err != nil {
				t.Fatalf("bobby behind the same address is locked out: %v", err)
			}
		})
		t.Run("ErrAddressLimit", func(t *testing.T) {
			// The address has had 6 attempts; 5 failures on other accounts reach its limit of 11.
			for i := range 5 {
				if _, _, err := s.Login(ctx, fmt.Sprintf("nobody%d", i), "guess", "192.0.2.1", ""); errs.CodeOf(err) != errs.Unauthenticated {
					t.Fatalf("unknown user %d: %v", i, err)
				}
			}
			if _, _, err := s.Login(ctx, "carol", "right-password", "192.0.2.1", ""); errs.CodeOf(err) != errs.TooMany {
				t.Fatalf("the address is past its limit: got %v, want too many", err)
			}
			if _, _, err := s.Login(ctx, "carol", "right-password", "198.51.100.7", ""); err != nil {
				t.Fatalf("carol from another address: %v", err)
			}
		})
		t.Run("ErrIPv6NetworkCountsAsOne", func(t *testing.T) {
			clk.Advance(time.Hour)
			for i := range 11 { // a new address of one /64 for every guess
				_, _, _ = s.Login(ctx, fmt.Sprintf("nobody%d", i), "guess", fmt.Sprintf("2001:db8:1:2::%x", i+1), "")
			}
			if _, _, err := s.Login(ctx, "carol", "right-password", "2001:db8:1:2:ffff::1", ""); errs.CodeOf(err) != errs.TooMany {
				t.Fatalf("a /64 rotating its addresses escaped the address limit: got %v", err)
			}
			if _, _, err := s.Login(ctx, "carol", "right-password", "2001:db8:1:3::1", ""); err != nil {
				t.Fatalf("the next /64 is another client: %v", err)
			}
		})
		t.Run("OKSuccessForgivesEarlierFailures", func(t *testing.T) {
			clk.Advance(time.Hour)
			for range 4 {
				_, _, _ = s.Login(ctx, "bobby", "guess", "203.0.113.9", "")
			}
			if _, _, err := s.Login(ctx, "bobby", "right-password", "203.0.113.9", ""); err != nil {
				t.Fatal(err)
			}
			for range 4 {
				if _, _, err := s.Login(ctx, "bobby", "guess", "203.0.113.9", ""); errs.CodeOf(err) != errs.Unauthenticated {
					t.Fatalf("failures before a success must be forgiven: %v", err)
				}
			}
		})
	})
}

// TestLoginHashingBusy checks that a login waiting too long for a hashing
// slot is refused with a retry time and is not counted as an attempt.
func TestLoginHashingBusy(t *testing.T) {
	db := storetest.MustOpenSQLite(t)
	ctx := context.Background()
	s, _ := newService(t, db)
	if _, err := s.CreateUser(ctx, auth.Operator("test"), auth.UserInput{Username: "alice", Password: "right-password", Role: auth.RoleLeader}); err != nil {
		t.Fatal(err)
	}
	s.LimitHashing(1, time.Millisecond)
	release := s.HoldHashSlot()
	for range 10 {
		_, _, err := s.Login(ctx, "alice", "right-password", "192.0.2.1", "")
		if errs.CodeOf(err) != errs.TooMany || errs.RetryAfterOf(err) <= 0 {
			t.Fatalf("login while every slot is busy: got %v, want too many with a retry time", err)
		}
	}
	release()
	if _, _, err := s.Login(ctx, "alice", "right-password", "192.0.2.1", ""); err != nil {
		t.Fatalf("refused attempts were counted against the account: %v", err)
	}
}

// TestLoginSuccessKeepsLaterFailures holds a right-password login at the
// hashing gate while wrong guesses arrive after it and lock the account:
// its success must not undo the lock or the failures that began after it.
func TestLoginSuccessKeepsLaterFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newService(t, db)
		if _, err := s.CreateUser(ctx, auth.Operator("test"), auth.UserInput{Username: "alice", Password: "right-password", Role: auth.RoleLeader}); err != nil {
			t.Fatal(err)
		}
		s.LimitHashing(1, time.Minute)
		release := s.HoldHashSlot()
		attempts := func() int {
			var n int
			_ = db.QueryRowContext(ctx, `SELECT failures FROM login_throttle WHERE key = 'user:alice'`).Scan(&n)
			return n
		}
		waitFor := func(n int) {
			t.Helper()
			for deadline := time.Now().Add(10 * time.Second); attempts() < n; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("attempts counted: %d, want %d", attempts(), n)
				}
			}
		}
		var wg sync.WaitGroup
		var rightErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, rightErr = s.Login(ctx, "alice", "right-password", "192.0.2.1", "")
		}()
		waitFor(1)
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, _ = s.Login(ctx, "alice", fmt.Sprintf("guess-%d", i), "192.0.2.1", "")
			}()
		}
		waitFor(5)
		if _, _, err := s.Login(ctx, "alice", "guess-6", "192.0.2.1", ""); errs.CodeOf(err) != errs.TooMany {
			t.Fatalf("the sixth attempt in the window: got %v, want too many", err)
		}
		release()
		wg.Wait()
		if rightErr != nil {
			t.Fatalf("the right password, counted first: %v", rightErr)
		}
		if _, _, err := s.Login(ctx, "alice", "right-password", "192.0.2.1", ""); errs.CodeOf(err) != errs.TooMany {
			t.Fatalf("a success that began before the lock undid it: got %v", err)
		}
	})
}
