package enterprise

import (
	"context"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
)

// Figures are the registry's headline figures for the home pages.
type Figures struct {
	Enterprises int `json:"enterprises"` // market entities in the registry
}

// Figures counts the registry. Government users may call it
// (auth.ViewEnterprises). Errors: Unauthenticated, Forbidden.
func (s *Service) Figures(ctx context.Context, a *auth.Actor) (*Figures, error) {
	if err := auth.AuthorizeSome(a, auth.ViewEnterprises); err != nil {
		return nil, err
	}
	var f Figures
	err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM enterprises`).Scan(&f.Enterprises)
	return &f, errs.Wrap(err, "count enterprises")
}
