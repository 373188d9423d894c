package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

// clock is a movable test clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

func newService(t *testing.T, db *store.DB) (*auth.Service, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	return auth.New(db, auth.Options{Audit: &audit.Log{DB: db, Now: c.Now}, Now: c.Now}), c
}

func TestUsersAndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, clk := newService(t, db)
		u, err := s.CreateUser(ctx, auth.Operator("test"), auth.UserInput{Username: "Admin", Password: "correct horse", Role: auth.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != "admin" {
			t.Errorf("username not lower-cased: %q", u.Username)
		}
		t.Run("ErrInvalidInput", func(t *testing.T) {
			for name, in := range map[string]auth.UserInput{
				"username": {Username: "a", Password: "12345678", Role: auth.RoleAdmin},
				"password": {Username: "bob", Password: "short", Role: auth.RoleAdmin},
				"role":     {Username: "bob", Password: "12345678", Role: "king"},
				"unit_id":  {Username: "bob", Password: "12345678", Role: auth.RoleUnitStaff},
			} {
				_, err := s.CreateUser(ctx, auth.Operator("test"), in)
				if errs.CodeOf(err) != errs.Invalid || errs.FieldOf(err) != name {
					t.Errorf("%s: got %v, want invalid %s", name, err, name)
				}
			}
		})
		t.Run("ErrDuplicate", func(t *testing.T) {
			_, err := s.CreateUser(ctx, auth.Operator("test"), auth.UserInput{Username: "admin", Password: "12345678", Role: auth.RoleLeader})
			if errs.CodeOf(err) != errs.Conflict {
				t.Fatalf("got %v, want conflict", err)
			}
		})
		t.Run("ErrWrongPassword", func(t *testing.T) {
			_, _, err := s.Login(ctx, "admin", "wrong password", "10.0.0.1", "")
			if errs.CodeOf(err) != errs.Unauthenticated {
				t.Fatalf("got %v, want unauthenticated", err)
			}
			_, _, err = s.Login(ctx, "nobody", "wrong password", "10.0.0.1", "")
			if errs.CodeOf(err) != errs.Unauthenticated {
				t.Fatalf("unknown user: got %v, want unauthenticated", err)
			}
		})
		t.Run("OKSessionSlidesAndExpires", func(t *testing.T) {
			secret, _, err := s.Login(ctx, "admin", "correct horse", "10.0.0.2", "test")
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Session(ctx, secret)
			if err != nil || got.ID != u.ID {
				t.Fatalf("Session = %v, %v", got, err)
			}
			clk.Advance(11 * time.Hour)
			if _, err := s.Session(ctx, secret); err != nil {
				t.Fatalf("session ended before idle timeout: %v", err)
			}
			clk.Advance(11 * time.Hour) // 11h after the last use: still alive (slid)
			if _, err := s.Session(ctx, secret); err != nil {
				t.Fatalf("sliding session ended: %v", err)
			}
			clk.Advance(13 * time.Hour)
			if _, err := s.Session(ctx, secret); errs.CodeOf(err) != errs.Unauthenticated {
				t.Fatalf("expired session: got %v, want unauthenticated", err)
			}
		})
		t.Run("ErrDisabled", func(t *testing.T) {
			secret, _, err := s.Login(ctx, "admin", "correct horse", "10.0.0.3", "")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.SetDisabled(ctx, auth.Operator("test"), u.ID, true); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Session(ctx, secret); errs.CodeOf(err) != errs.Unauthenticated {
				t.Fatalf("disabled user's session: got %v", err)
			}
			if _, _, err := s.Login(ctx, "admin", "correct horse", "10.0.0.3", ""); errs.CodeOf(err) != errs.Unauthenticated {
				t.Fatalf("disabled login: got %v", err)
			}
			if err := s.SetDisabled(ctx, auth.Operator("test"), u.ID, false); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("ErrThrottled", func(t *testing.T) {
			if _, err := s.CreateUser(ctx, auth.Operator("test"), auth.UserInput{Username: "victim", Password: "12345678", Role: auth.RoleLeader}); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 5; i++ {
				_, _, err := s.Login(ctx, "victim", "guess", "10.9.9."+string(rune('0'+i)), "")
				if errs.CodeOf(err) != errs.Unauthenticated {
					t.Fatalf("attempt %d: %v", i, err)
				}
			}
			_, _, err := s.Login(ctx, "victim", "12345678", "10.1.1.1", "")
			if errs.CodeOf(err) != errs.TooMany {
				t.Fatalf("after 5 failures even the right password should wait: got %v", err)
			}
			clk.Advance(16 * time.Minute)
			if _, _, err := s.Login(ctx, "victim", "12345678", "10.1.1.1", ""); err != nil {
				t.Fatalf("after the lock: %v", err)
			}
		})
		t.Run("OKAudited", func(t *testing.T) {
			entries, total, err := (&audit.Log{DB: db, Now: clk.Now}).Find(ctx, audit.Filter{Entity: "user"})
			if err != nil || total < 3 {
				t.Fatalf("audit entries %d, err %v", total, err)
			}
			for _, e := range entries {
				if string(e.After) != "" && containsHash(string(e.After)) {
					t.Fatalf("audit leaks a password hash: %s", e.After)
				}
			}
		})
	})
}

func containsHash(s string) bool {
	return len(s) > 0 && (contains(s, "argon2id") || contains(s, "password_hash"))
}
func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, clk := newService(t, db)
		secret, tok, err := s.CreateToken(ctx, auth.Operator("test"), auth.TokenInput{Name: "12345热线", Role: auth.RoleAdmin, Scopes: []auth.Action{auth.ViewEnterprises}, ExpiresIn: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.TokenActor(ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Can(auth.ViewEnterprises, auth.Resource{}) || a.Can(auth.ManageUsers, auth.Resource{}) {
			t.Errorf("scopes not enforced: %+v", a)
		}
		if _, err := s.TokenActor(ctx, secret+"x"); errs.CodeOf(err) != errs.Unauthenticated {
			t.Errorf("forged token: %v", err)
		}
		clk.Advance(25 * time.Hour)
		if _, err := s.TokenActor(ctx, secret); errs.CodeOf(err) != errs.Unauthenticated {
			t.Errorf("expired token: %v", err)
		}
		secret2, tok2, _ := s.CreateToken(ctx, auth.Operator("test"), auth.TokenInput{Name: "b", Role: auth.RoleLeader, AllScopes: true})
		if err := s.RevokeToken(ctx, auth.Operator("test"), tok2.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenActor(ctx, secret2); errs.CodeOf(err) != errs.Unauthenticated {
			t.Errorf("revoked token: %v", err)
		}
		if err := s.RevokeToken(ctx, auth.Operator("test"), tok2.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("second revoke: %v", err)
		}
		if _, _, err := s.CreateToken(ctx, auth.Operator("test"), auth.TokenInput{Name: "c", Role: auth.RoleAdmin, Scopes: []auth.Action{"rockets.launch"}}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("unknown scope: %v", err)
		}
		list, _, _ := s.FindTokens(ctx, auth.Operator("test"), auth.TokenFilter{})
		if len(list) != 2 || list[1].ID != tok.ID {
			t.Errorf("FindTokens = %+v", list)
		}
	})
}

// TestPermissionMatrix checks role × action × ownership in one table.
func TestPermissionMatrix(t *testing.T) {
	ent, otherEnt := int64(7), int64(8)
	unit, parent := int64(3), int64(2) // unit 3 is under unit 2, under the city (1)
	office := int64(12)                // the office's own unit
	actors := map[string]*auth.Actor{
		"admin":      {UserID: 1, Role: auth.RoleAdmin, UnitID: &office},
		"leader":     {UserID: 2, Role: auth.RoleLeader},
		"unit":       {UserID: 3, Role: auth.RoleUnitStaff, UnitID: &unit},
		"parent":     {UserID: 6, Role: auth.RoleUnitStaff, UnitID: &parent},
		"specialist": {UserID: 4, Role: auth.RoleSpecialist},
		"enterprise": {UserID: 5, Role: auth.RoleEnterprise, EnterpriseID: &ent},
	}
	mine := auth.Resource{EnterpriseID: ent, SpecialistID: 4}
	theirs := auth.Resource{EnterpriseID: otherEnt, SpecialistID: 99}
	unitHeld := auth.Resource{UnitIDs: []int64{unit}, ParentUnitIDs: []int64{parent, 1}}
	otherUnit := auth.Resource{UnitIDs: []int64{9}, ParentUnitIDs: []int64{1}}
	// An appeal of the enterprise, with unit 3; one of another enterprise
	// with unit 9; one unit 3's account filed (the hotline, 首接); one the
	// office's unit (12, the admin's) handles.
	appealMine := auth.Resource{EnterpriseID: ent, SpecialistID: 4, UnitIDs: []int64{unit}, ParentUnitIDs: []int64{parent, 1}}
	appealTheirs := auth.Resource{EnterpriseID: otherEnt, SpecialistID: 99, UnitIDs: []int64{9}, ParentUnitIDs: []int64{1}, Filer: "user:5"}
	appealFiledByUnit := auth.Resource{EnterpriseID: otherEnt, UnitIDs: []int64{9}, Filer: "user:3"}
	officeHeld := auth.Resource{EnterpriseID: otherEnt, UnitIDs: []int64{12}}
	type row struct {
		action auth.Action
		res    auth.Resource
		allow  map[string]bool
	}
	all := func(names ...string) map[string]bool {
		m := map[string]bool{}
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	rows := []row{
		{auth.ManageUsers, auth.Resource{}, all("admin")},
		{auth.ManageUnits, auth.Resource{}, all("admin")},
		{auth.ManageTokens, auth.Resource{}, all("admin")},
		{auth.ViewAudit, auth.Resource{}, all("admin")},
		{auth.ManageCalendar, auth.Resource{}, all("admin")},
		{auth.ViewJobs, auth.Resource{}, all("admin")},
		{auth.ManageWebhooks, auth.Resource{}, all("admin")},
		{auth.ViewDashboard, auth.Resource{}, all("admin", "leader")},
		{auth.ViewEnterprises, auth.Resource{}, all("admin", "leader", "unit", "parent", "specialist")},
		{auth.ViewEnterprise, mine, all("admin", "leader", "unit", "parent", "specialist", "enterprise")},
		{auth.ViewEnterprise, theirs, all("admin", "leader", "unit", "parent")},
		{auth.EditEnterprise, mine, all("admin", "specialist", "enterprise")},
		{auth.EditEnterprise, theirs, all("admin")},
		{auth.ImportEnterprise, auth.Resource{}, all("admin")},
		{auth.ManageNetwork, auth.Resource{}, all("admin")},
		{auth.RecordVisit, mine, all("admin", "specialist")},
		{auth.RecordVisit, theirs, all("admin")},
		{auth.ManagePolicies, unitHeld, all("admin", "unit")},
		{auth.ManagePolicies, otherUnit, all("admin")},
		{auth.ManagePolicies, auth.Resource{}, all("admin")},
		{auth.ReviewPolicies, auth.Resource{}, all("admin")},
		{auth.ViewPolicyStats, unitHeld, all("admin", "leader", "unit", "parent")},
		{auth.ViewPolicyStats, otherUnit, all("admin", "leader")},
		{auth.ViewPlans, unitHeld, all("admin", "leader", "unit", "parent")},
		{auth.ViewPlans, otherUnit, all("admin", "leader")},
		{auth.ManagePlans, unitHeld, all("admin")},
		{auth.ReportPlans, unitHeld, all("admin", "unit")},
		{auth.ReportPlans, otherUnit, all("admin")},
		{auth.SupervisePlans, unitHeld, all("admin")},
		{auth.RedeemPolicies, unitHeld, all("admin", "unit")},
		{auth.RedeemPolicies, otherUnit, all("admin")},
		{auth.CountersignGrants, unitHeld, all("admin")},
		{auth.ClaimBenefits, mine, all("enterprise")},
		{auth.ClaimBenefits, theirs, all()},
		{auth.ViewRedemption, auth.Resource{EnterpriseID: ent, SpecialistID: 4, UnitIDs: []int64{unit}, ParentUnitIDs: []int64{parent, 1}},
			all("admin", "leader", "unit", "parent", "specialist", "enterprise")},
		{auth.ViewRedemption, auth.Resource{EnterpriseID: otherEnt, SpecialistID: 99, UnitIDs: []int64{9}, ParentUnitIDs: []int64{1}},
			all("admin", "leader")},
		{auth.CorrectEnterprise, auth.Resource{EnterpriseID: ent, UnitIDs: []int64{unit}, ParentUnitIDs: []int64{parent}}, all("admin", "unit")},
		{auth.CorrectEnterprise, mine, all("admin")},
		// Appeals: an enterprise files and sees only its own, a unit only
		// those it is with (its parent unit reads them), a specialist those
		// of their enterprises, the client that filed one follows it.
		{auth.FileAppeal, mine, all("admin", "unit", "parent", "specialist", "enterprise")},
		{auth.FileAppeal, theirs, all("admin", "unit", "parent")},
		{auth.ViewAppeal, appealMine, all("admin", "leader", "unit", "parent", "specialist", "enterprise")},
		{auth.ViewAppeal, appealTheirs, all("admin", "leader")},
		{auth.ViewAppeal, appealFiledByUnit, all("admin", "leader", "unit")},
		{auth.ManageAppeals, appealMine, all("admin")},
		{auth.HandleAppeal, appealMine, all("unit")},
		{auth.HandleAppeal, appealTheirs, nil},
		{auth.HandleAppeal, officeHeld, all("admin")},
		{auth.SupplyAppeal, appealMine, all("admin", "specialist", "enterprise")},
		{auth.SupplyAppeal, appealTheirs, all("admin")},
		{auth.EvaluateAppeal, appealMine, all("admin", "enterprise")},
		{auth.EvaluateAppeal, appealTheirs, all("admin")},
		{auth.EvaluateAppeal, appealFiledByUnit, all("admin", "unit")},
		{auth.AnalyseAppeals, auth.Resource{}, all("admin", "leader")},
		{auth.ManageProblems, unitHeld, all("admin")},
		{auth.ViewProblem, unitHeld, all("admin", "leader", "unit", "parent")},
		{auth.ViewProblem, otherUnit, all("admin", "leader")},
		{auth.ReportProblem, unitHeld, all("admin", "unit")},
		{auth.ReportProblem, otherUnit, all("admin")},
		{auth.ViewAppealStats, unitHeld, all("admin", "leader", "unit", "parent")},
		{auth.ViewAppealStats, otherUnit, all("admin", "leader")},
		{auth.ManageAppealStats, unitHeld, all("admin")},
		{auth.ViewAppealReports, unitHeld, all("admin", "leader", "unit", "parent")},
		{auth.ViewAppealReports, otherUnit, all("admin", "leader", "unit", "parent")},
		{auth.ViewAppealReportDrafts, unitHeld, all("admin", "leader")},
	}
	for _, r := range rows {
		for name, a := range actors {
			if got := a.Can(r.action, r.res); got != r.allow[name] {
				t.Errorf("%s %s on %+v: got %v, want %v", name, r.action, r.res, got, r.allow[name])
			}
			if r.allow[name] && !a.CanSome(r.action) {
				t.Errorf("%s may %s on %+v but not on some resource", name, r.action, r.res)
			}
		}
		if err := auth.Authorize(nil, r.action, r.res); errs.CodeOf(err) != errs.Unauthenticated {
			t.Errorf("nil actor %s: %v", r.action, err)
		}
	}
	t.Run("OKCanSome", func(t *testing.T) {
		// Whether a role is granted an action at all, for routes and menus.
		for _, tc := range []struct {
			who    string
			action auth.Action
			want   bool
		}{
			{"unit", auth.ManagePolicies, true},
			{"specialist", auth.RecordVisit, true},
			{"enterprise", auth.EditEnterprise, true},
			{"leader", auth.ManagePolicies, false},
			{"enterprise", auth.ViewEnterprises, false},
			{"specialist", auth.ViewPolicyStats, false},
		} {
			if got := actors[tc.who].CanSome(tc.action); got != tc.want {
				t.Errorf("%s CanSome(%s) = %v, want %v", tc.who, tc.action, got, tc.want)
			}
		}
		if err := auth.AuthorizeSome(actors["leader"], auth.ManagePolicies); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("AuthorizeSome of a leader: %v", err)
		}
	})
	t.Run("ErrScopes", func(t *testing.T) {
		// A token may do only what its role and its scopes both allow.
		tok := &auth.Actor{TokenID: 1, Role: auth.RoleUnitStaff, UnitID: &unit, Scopes: []auth.Action{auth.ViewPolicyStats}}
		if !tok.Can(auth.ViewPolicyStats, unitHeld) || tok.Can(auth.ManagePolicies, unitHeld) || tok.CanSome(auth.ManagePolicies) {
			t.Errorf("scoped token: stats %v, manage %v", tok.Can(auth.ViewPolicyStats, unitHeld), tok.Can(auth.ManagePolicies, unitHeld))
		}
	})
}
