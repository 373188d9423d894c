package network

import (
	"context"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// Figures are the network's headline figures for the home pages.
type Figures struct {
	Stations    int `json:"stations"`
	Specialists int `json:"specialists"`
	Assigned    int `json:"assigned"`  // enterprises with a specialist
	Visits30    int `json:"visits_30"` // visits in the last 30 days
}

// Figures counts the stations, specialists, assigned enterprises and the
// visits of the last 30 days, each with one count over an index (the
// coverage by district, which scans the registry, is CoverageReport's).
// Administrators and leaders may call it. Errors: Unauthenticated,
// Forbidden.
func (s *Service) Figures(ctx context.Context, a *auth.Actor) (*Figures, error) {
	if err := authorizeRead(a); err != nil {
		return nil, err
	}
	var f Figures
	since := workday.Today(s.now).AddDays(-30).String()
	err := s.DB.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM service_stations), (SELECT COUNT(*) FROM specialists),
		(SELECT COUNT(*) FROM enterprise_assignments), (SELECT COUNT(*) FROM visits WHERE date >= ?)`, since).
		Scan(&f.Stations, &f.Specialists, &f.Assigned, &f.Visits30)
	return &f, errs.Wrap(err, "network figures")
}

// CanRead reports whether a reads the whole network (administrators and
// leaders): the coverage, the figures, every specialist.
func CanRead(a *auth.Actor) bool { return canRead(a) }
