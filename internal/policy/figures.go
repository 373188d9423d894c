package policy

import (
	"context"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
)

// Figures are the policy supermarket's headline figures for a home page,
// as the actor may see them.
type Figures struct {
	Published int `json:"published"` // policies open to enterprises
	// Pending counts the policies waiting for review: all of them for a
	// reviewer, the unit's own for unit staff; -1 when not the actor's
	// business.
	Pending int `json:"pending"`
	// Pushed and Read count the pushes to enterprises and those read (the
	// notification or the policy page); -1 without auth.ViewPolicyStats.
	Pushed int `json:"pushed"`
	Read   int `json:"read"`
}

// Figures returns the headline figures a may see. Everyone signed in may
// call it. Errors: Unauthenticated.
func (s *Service) Figures(ctx context.Context, a *auth.Actor) (*Figures, error) {
	if a == nil {
		return nil, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	f := &Figures{Pending: -1, Pushed: -1, Read: -1}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM policies WHERE status = ?`, string(StatusPublished)).Scan(&f.Published); err != nil {
		return nil, errs.Wrap(err, "count policies")
	}
	switch {
	case a.CanSome(auth.ReviewPolicies):
		err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM policies WHERE status = ?`, string(StatusPending)).Scan(&f.Pending)
		if err != nil {
			return nil, errs.Wrap(err, "count pending policies")
		}
	case a.CanSome(auth.ManagePolicies) && a.UnitID != nil:
		err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM policies WHERE status = ? AND (issuing_unit_id = ? OR redeeming_unit_id = ?)`,
			string(StatusPending), *a.UnitID, *a.UnitID).Scan(&f.Pending)
		if err != nil {
			return nil, errs.Wrap(err, "count pending policies")
		}
	}
	if a.CanSome(auth.ViewDashboard) {
		err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN pp.read_at IS NOT NULL OR n.read_at IS NOT NULL THEN 1 ELSE 0 END), 0)
			FROM policy_pushes pp LEFT JOIN notifications n ON n.id = pp.notification_id`).Scan(&f.Pushed, &f.Read)
		if err != nil {
			return nil, errs.Wrap(err, "count pushes")
		}
	}
	return f, nil
}
