package enterprise

import (
	"context"

	"github.com/qinqing/qinqing/internal/auth"
)

// Resource returns the ownership of enterprise id's records for the
// permission table: the enterprise and, as Owners knows it, its
// specialist. Errors: Internal.
func (s *Service) Resource(ctx context.Context, id int64) (auth.Resource, error) {
	if s.Owners == nil {
		return auth.Resource{EnterpriseID: id}, nil
	}
	return s.Owners.EnterpriseResource(ctx, id)
}

// authorize checks that a may perform act on enterprise id. Errors:
// Unauthenticated, Forbidden, Internal.
func (s *Service) authorize(ctx context.Context, a *auth.Actor, act auth.Action, id int64) error {
	if err := auth.AuthorizeSome(a, act); err != nil {
		return err
	}
	res, err := s.Resource(ctx, id)
	if err != nil {
		return err
	}
	return auth.Authorize(a, act, res)
}

// Permitted is what an actor may do with one enterprise's file: the
// 一企一档 page offers what is true, the API returns it with the file, and
// the method named beside each field enforces the same rule.
type Permitted struct {
	// Edit: UpdateEnterprise and SubmitSelfReport (the office, the
	// enterprise's specialist, its own accounts).
	Edit bool `json:"edit"`
	// Care: CreateInvitation and ReviewSelfReport (the office and the
	// enterprise's specialist, not the enterprise itself).
	Care bool `json:"care"`
}

// PermittedTo returns what a may do with the enterprise whose ownership is
// res (from Resource).
func PermittedTo(a *auth.Actor, res auth.Resource) Permitted {
	edit := a.Can(auth.EditEnterprise, res)
	return Permitted{Edit: edit, Care: edit && a.Role != auth.RoleEnterprise}
}

// File is one enterprise's file (一企一档) as an actor sees it: the profile,
// where each value came from, and what the actor may do with it.
type File struct {
	Enterprise *Enterprise       `json:"enterprise"`
	Sources    map[string]Source `json:"sources"`
	Permitted  Permitted         `json:"permitted"`

	res auth.Resource
}

// Resource returns the ownership of the file's enterprise, for the view
// decisions of other modules on the same page (network.CanRecordVisit).
func (f *File) Resource() auth.Resource { return f.res }

// FindEnterpriseFile returns enterprise id's file. Callers as for
// FindEnterpriseByID. Errors: Unauthenticated, Forbidden, NotFound.
func (s *Service) FindEnterpriseFile(ctx context.Context, a *auth.Actor, id int64) (*File, error) {
	if err := auth.AuthorizeSome(a, auth.ViewEnterprise); err != nil {
		return nil, err
	}
	res, err := s.Resource(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.ViewEnterprise, res); err != nil {
		return nil, err
	}
	e, err := s.findByID(ctx, id)
	if err != nil {
		return nil, err
	}
	src, err := s.findSources(ctx, id)
	if err != nil {
		return nil, err
	}
	return &File{Enterprise: e, Sources: src, Permitted: PermittedTo(a, res), res: res}, nil
}
