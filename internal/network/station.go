package network

import (
	"context"
	"github.com/qinqing/qinqing/internal/paging"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// Station is a service station (中小企业服务站).
type Station struct {
	ID       int64   `json:"id"`
	Name     string  `json:"name"`
	Address  string  `json:"address"`
	District *string `json:"district"` // 6-digit division code, nil when not set
	// Coverage lists the streets and parks (园区) the station serves, for
	// people; the routing of enterprises follows the specialists' grids.
	Coverage    []string  `json:"coverage"`
	UnitID      *int64    `json:"unit_id"`
	Specialists int       `json:"specialists"` // how many specialists work from it
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// StationInput is what creating or updating a station takes.
type StationInput struct {
	Name     string   `json:"name"`
	Address  string   `json:"address"`
	District string   `json:"district"` // code or name of a district; "" for none
	Coverage []string `json:"coverage"`
	UnitID   *int64   `json:"unit_id"`
}

// validate normalises in. Errors: Invalid on the field concerned.
func (s *Service) validateStation(in *StationInput) (district *string, err error) {
	if in.Name, err = cleanText("name", "服务站名称", in.Name, 64, true); err != nil {
		return nil, err
	}
	if in.Address, err = cleanText("address", "地址", in.Address, 200, false); err != nil {
		return nil, err
	}
	if d := strings.TrimSpace(in.District); d != "" {
		code, err := s.city().ParseDistrict(d)
		if err != nil {
			return nil, &errs.Error{Code: errs.Invalid, Field: "district", Message: errs.MessageOf(err)}
		}
		district = &code
	}
	var cov []string
	seen := map[string]bool{}
	for _, c := range in.Coverage {
		c, err := cleanText("coverage", "覆盖街道或园区", c, 64, false)
		if err != nil {
			return nil, err
		}
		if strings.Contains(c, "|") {
			return nil, errs.FieldErrorf("coverage", "覆盖范围“%s”不能含有“|”", c)
		}
		if c != "" && !seen[c] {
			seen[c] = true
			cov = append(cov, c)
		}
	}
	if len(cov) > 200 {
		return nil, errs.FieldErrorf("coverage", "覆盖范围过多（最多200项）")
	}
	in.Coverage = cov
	if in.UnitID != nil && *in.UnitID <= 0 {
		in.UnitID = nil
	}
	return district, nil
}

const stationColumns = `st.id, st.name, st.address, st.district, st.coverage, st.unit_id, st.created_at, st.updated_at,
	(SELECT COUNT(*) FROM specialists sp WHERE sp.station_id = st.id)`

func scanStation(row interface{ Scan(...any) error }) (*Station, error) {
	var st Station
	var coverage string
	var created, updated int64
	if err := row.Scan(&st.ID, &st.Name, &st.Address, &st.District, &coverage, &st.UnitID, &created, &updated, &st.Specialists); err != nil {
		return nil, err
	}
	st.Coverage = []string{}
	if coverage != "" {
		st.Coverage = strings.Split(coverage, "|")
	}
	st.CreatedAt, st.UpdatedAt = store.FromMillis(created), store.FromMillis(updated)
	return &st, nil
}

func findStation(ctx context.Context, q store.Querier, id int64) (*Station, error) {
	st, err := scanStation(q.QueryRowContext(ctx, `SELECT `+stationColumns+` FROM service_stations st WHERE st.id = ?`, id))
	if err != nil {
		return nil, store.NotFound(err, "服务站（编号%d）不存在", id)
	}
	return st, nil
}

// checkUnit returns Invalid when unitID names no unit.
func checkUnit(ctx context.Context, q store.Querier, unitID *int64) error {
	if unitID == nil {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM units WHERE id = ?`, *unitID).Scan(&n); err != nil {
		return errs.Wrap(err, "check unit")
	}
	if n == 0 {
		return errs.FieldErrorf("unit_id", "单位（编号%d）不存在", *unitID)
	}
	return nil
}

// CreateStation creates a service station. Administrators only
// (auth.ManageNetwork). Errors: Unauthenticated, Forbidden; Invalid on a
// field; Conflict when the name is taken.
func (s *Service) CreateStation(ctx context.Context, a *auth.Actor, in StationInput) (*Station, error) {
	if err := auth.Authorize(a, auth.ManageNetwork, auth.Resource{}); err != nil {
		return nil, err
	}
	district, err := s.validateStation(&in)
	if err != nil {
		return nil, err
	}
	var out *Station
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := checkUnit(ctx, tx, in.UnitID); err != nil {
			return err
		}
		now := store.Millis(s.now())
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO service_stations (name, address, district, coverage, unit_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Name, in.Address, district, strings.Join(in.Coverage, "|"), in.UnitID, now, now).Scan(&id)
		if store.IsUniqueViolation(err) {
			return &errs.Error{Code: errs.Conflict, Field: "name", Message: "服务站“" + in.Name + "”已存在"}
		}
		if err != nil {
			return errs.Wrap(err, "insert station")
		}
		if out, err = findStation(ctx, tx, id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "service_station", strconv.FormatInt(id, 10), "create", nil, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateStation replaces a station's details. Administrators only.
// Errors: Unauthenticated, Forbidden, Invalid, NotFound; Conflict when the
// new name is taken.
func (s *Service) UpdateStation(ctx context.Context, a *auth.Actor, id int64, in StationInput) (*Station, error) {
	if err := auth.Authorize(a, auth.ManageNetwork, auth.Resource{}); err != nil {
		return nil, err
	}
	district, err := s.validateStation(&in)
	if err != nil {
		return nil, err
	}
	var out *Station
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		before, err := findStation(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := checkUnit(ctx, tx, in.UnitID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE service_stations SET name = ?, address = ?, district = ?, coverage = ?, unit_id = ?, updated_at = ? WHERE id = ?`,
			in.Name, in.Address, district, strings.Join(in.Coverage, "|"), in.UnitID, store.Millis(s.now()), id)
		if store.IsUniqueViolation(err) {
			return &errs.Error{Code: errs.Conflict, Field: "name", Message: "服务站“" + in.Name + "”已存在"}
		}
		if err != nil {
			return errs.Wrap(err, "update station")
		}
		if out, err = findStation(ctx, tx, id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "service_station", strconv.FormatInt(id, 10), "update", before, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteStation deletes a station that no specialist works from.
// Administrators only. Errors: Unauthenticated, Forbidden, NotFound;
// Conflict while specialists are joined to it.
func (s *Service) DeleteStation(ctx context.Context, a *auth.Actor, id int64) error {
	if err := auth.Authorize(a, auth.ManageNetwork, auth.Resource{}); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		before, err := findStation(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.Specialists > 0 {
			return errs.Errorf(errs.Conflict, "服务站“%s”还有 %d 名服务专员，请先调整他们的所属服务站", before.Name, before.Specialists)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM service_stations WHERE id = ?`, id); err != nil {
			return errs.Wrap(err, "delete station")
		}
		return s.Audit.Record(ctx, tx, "service_station", strconv.FormatInt(id, 10), "delete", before, nil)
	})
}

// FindStationByID returns one station. Administrators and leaders may
// call it. Errors: Unauthenticated, Forbidden, NotFound.
func (s *Service) FindStationByID(ctx context.Context, a *auth.Actor, id int64) (*Station, error) {
	if err := authorizeRead(a); err != nil {
		return nil, err
	}
	return findStation(ctx, s.DB, id)
}

// StationFilter pages the stations.
type StationFilter struct {
	Limit  int // paging.Clamp: default 50, at most 500
	Offset int
}

// FindStations returns one page of the stations ordered by district and
// name, and how many there are. Administrators and leaders may call it.
// Errors: Unauthenticated, Forbidden.
func (s *Service) FindStations(ctx context.Context, a *auth.Actor, f StationFilter) ([]Station, int, error) {
	if err := authorizeRead(a); err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM service_stations`).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count stations")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	list, err := s.stations(ctx, ` LIMIT ? OFFSET ?`, limit, offset)
	return list, total, err
}

// StationChoices returns every station ordered by district and name, for
// choosing one in a form (a city has hundreds). Callers as for
// FindStations. Errors: Unauthenticated, Forbidden.
func (s *Service) StationChoices(ctx context.Context, a *auth.Actor) ([]Station, error) {
	if err := authorizeRead(a); err != nil {
		return nil, err
	}
	return s.stations(ctx, "")
}

func (s *Service) stations(ctx context.Context, page string, args ...any) ([]Station, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+stationColumns+` FROM service_stations st ORDER BY COALESCE(st.district, ''), st.name, st.id`+page, args...)
	if err != nil {
		return nil, errs.Wrap(err, "find stations")
	}
	defer rows.Close()
	out := []Station{}
	for rows.Next() {
		st, err := scanStation(rows)
		if err != nil {
			return nil, errs.Wrap(err, "scan station")
		}
		out = append(out, *st)
	}
	return out, errs.Wrap(rows.Err(), "find stations")
}
