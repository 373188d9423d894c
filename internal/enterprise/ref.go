package enterprise

import (
	"context"

	"github.com/qinqing/qinqing/internal/store"
)

// Ref names an enterprise for the records other modules keep about it (an
// appeal, a grant): its id, code, name and district. Naming an enterprise
// discloses nothing of its file, so the lookups take no actor; whoever
// shows the record decides who may see it.
type Ref struct {
	ID       int64   `json:"id"`
	USCC     string  `json:"uscc"`
	Name     string  `json:"name"`
	District *string `json:"district"`
}

const selectRef = `SELECT id, uscc, name, district FROM enterprises`

func scanRef(row scanner) (*Ref, error) {
	var r Ref
	if err := row.Scan(&r.ID, &r.USCC, &r.Name, &r.District); err != nil {
		return nil, err
	}
	return &r, nil
}

// RefByUSCC returns the enterprise whose code is the canonical code (as
// ParseUSCC returns it). Errors: NotFound, Internal.
func (s *Service) RefByUSCC(ctx context.Context, code string) (*Ref, error) {
	r, err := scanRef(s.DB.QueryRowContext(ctx, selectRef+` WHERE uscc = ?`, code))
	if err != nil {
		return nil, store.NotFound(err, "统一社会信用代码为%s的企业不存在", code)
	}
	return r, nil
}

// RefByID returns enterprise id's name. Errors: NotFound, Internal.
func (s *Service) RefByID(ctx context.Context, id int64) (*Ref, error) {
	r, err := scanRef(s.DB.QueryRowContext(ctx, selectRef+` WHERE id = ?`, id))
	if err != nil {
		return nil, store.NotFound(err, "企业（编号%d）不存在", id)
	}
	return r, nil
}
