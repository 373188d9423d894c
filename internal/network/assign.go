package network

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/store"
)

// inScope is the condition on enterprises e that a specialist looks after:
// those registered as 存续 and those whose status is unknown. It is written
// so that no index on status alone tempts the planner: the queries read
// the (district, street, status) index, which covers them.
const inScope = `COALESCE(e.status, '存续') = '存续'`

// AssignOptions adjust an automatic assignment.
type AssignOptions struct {
	// TargetLoad is the target number of enterprises for specialists who
	// have no target of their own; 0 means no target (balance only).
	TargetLoad int `json:"target_load"`
	// Progress, if set, is called after each grid cell with the cells done
	// and the total.
	Progress func(done, total int) `json:"-"`
}

// SpecialistLoad is a specialist's load against their target.
type SpecialistLoad struct {
	UserID      int64  `json:"user_id"`
	DisplayName string `json:"display_name"`
	Load        int    `json:"load"`
	TargetLoad  int    `json:"target_load"`
}

// AssignResult summarises an automatic assignment.
type AssignResult struct {
	Assigned int `json:"assigned"` // enterprises assigned by this run
	// Overflow counts the enterprises handed to a specialist already at
	// their target because every specialist covering the cell was: they
	// went to the least loaded anyway.
	Overflow int `json:"overflow"`
	// Uncovered counts the unassigned enterprises no specialist's grid
	// covers (including those whose district is unknown); they stay
	// unassigned.
	Uncovered int `json:"uncovered"`
	Cells     int `json:"cells"` // grid cells (district, street) worked on
	// OverTarget lists the specialists above their (effective) target
	// after the run, most loaded first.
	OverTarget []SpecialistLoad `json:"over_target"`
	Duration   time.Duration    `json:"duration_ns"`
}

// Summary describes the result in one Chinese sentence.
func (r *AssignResult) Summary() string {
	s := fmt.Sprintf("本次分配 %d 家企业", r.Assigned)
	if r.Overflow > 0 {
		s += fmt.Sprintf("，其中 %d 家超出专员目标服务数", r.Overflow)
	}
	if r.Uncovered > 0 {
		s += fmt.Sprintf("；%d 家企业所在区域没有服务专员覆盖，仍未分配", r.Uncovered)
	}
	if len(r.OverTarget) > 0 {
		s += fmt.Sprintf("；%d 名专员超出目标服务数", len(r.OverTarget))
	}
	return s + "。"
}

// planSpecialist is a specialist as the planner sees them.
type planSpecialist struct {
	id     int64
	name   string
	target int // effective target; 0 none
	load   int
}

// cellKey names a group of enterprises with one district and street.
type cellKey struct {
	district string
	street   string
	noStreet bool // the street is unknown (NULL)
}

type cellPlan struct {
	key   cellKey
	count int
	cands []int // indexes into the specialists
	alloc []int // per candidate, how many to assign
}

// Assign assigns every unassigned enterprise in scope (登记状态 存续 or
// unknown) to a specialist whose grid covers its district and street:
// within each cell the enterprise goes to the least-loaded covering
// specialist still under their target; when all of them are at their
// target, to the least loaded anyway (counted as overflow). Cells covered
// by fewer specialists are planned first, so that specialists who can
// also take other cells are kept for them. Enterprises already assigned
// stay where they are; running it again assigns only what is new, so it
// is safe to repeat and resume.
//
// It counts the unassigned enterprises per cell with one GROUP BY, plans
// in memory, and writes the cells with INSERT … SELECT (a windowed SELECT
// per cell), a few hundred thousand assignments per transaction. The run is recorded in the audit log as one entry.
// Administrators only (auth.ManageNetwork); the web layer runs it as a
// background job (EnqueueAssign). Errors: Unauthenticated, Forbidden,
// Invalid for a negative target, Internal.
func (s *Service) Assign(ctx context.Context, a *auth.Actor, opts AssignOptions) (*AssignResult, error) {
	if err := auth.Authorize(a, auth.ManageNetwork, auth.Resource{}); err != nil {
		return nil, err
	}
	if opts.TargetLoad < 0 || opts.TargetLoad > MaxTargetLoad {
		return nil, errs.FieldErrorf("target_load", "目标服务企业数应为 0–%d（0 表示不设目标）", MaxTargetLoad)
	}
	start := time.Now()
	sps, whole, streets, err := s.loadPlanners(ctx, opts.TargetLoad)
	if err != nil {
		return nil, err
	}
	res := &AssignResult{OverTarget: []SpecialistLoad{}}
	cells, err := s.countCells(ctx)
	if err != nil {
		return nil, err
	}
	var plans []*cellPlan
	for _, c := range cells {
		p := &cellPlan{key: c.key, count: c.count}
		if c.key.district != "" {
			p.cands = append(p.cands, whole[c.key.district]...)
			if !c.key.noStreet && c.key.street != "" {
				p.cands = append(p.cands, streets[c.key]...)
			}
			slices.Sort(p.cands)
			p.cands = slices.Compact(p.cands)
		}
		if len(p.cands) == 0 {
			res.Uncovered += c.count
			continue
		}
		plans = append(plans, p)
	}
	// The most constrained cells first, then the largest.
	slices.SortFunc(plans, func(x, y *cellPlan) int {
		return cmp.Or(cmp.Compare(len(x.cands), len(y.cands)), cmp.Compare(y.count, x.count),
			cmp.Compare(x.key.district, y.key.district), cmp.Compare(x.key.street, y.key.street),
			cmp.Compare(b2i(x.key.noStreet), b2i(y.key.noStreet)))
	})
	for _, p := range plans {
		p.alloc = make([]int, len(p.cands))
		for range p.count {
			best := -1
			for i, c := range p.cands {
				if best < 0 || better(&sps[c], &sps[p.cands[best]]) {
					best = i
				}
			}
			sp := &sps[p.cands[best]]
			if sp.target > 0 && sp.load >= sp.target {
				res.Overflow++
			}
			sp.load++
			p.alloc[best]++
		}
	}
	// Cells are written a batch at a time: one INSERT of the union of the
	// batch's cells, in enterprise id order, per transaction of about
	// assignBatch rows. A cell's enterprises are spread over the whole id
	// range, so writing cell by cell would touch most pages of the
	// assignment table once per cell; sorted, a batch touches each page
	// once. One transaction for everything would hold SQLite's single
	// writer for minutes.
	now := store.Millis(s.now())
	for i := 0; i < len(plans); {
		j, rows := i, 0
		for j < len(plans) && (j == i || (rows+plans[j].count <= assignBatch && j-i < maxCellsPerStatement)) {
			rows += plans[j].count
			j++
		}
		err := s.DB.InTx(ctx, func(tx *store.Tx) error {
			n, err := writeCells(ctx, tx, plans[i:j], sps, now)
			res.Assigned += n
			return err
		})
		if err != nil {
			return nil, err
		}
		res.Cells += j - i
		i = j
		if opts.Progress != nil {
			opts.Progress(i, len(plans))
		}
	}
	for _, sp := range sps {
		if sp.target > 0 && sp.load > sp.target {
			res.OverTarget = append(res.OverTarget, SpecialistLoad{UserID: sp.id, DisplayName: sp.name, Load: sp.load, TargetLoad: sp.target})
		}
	}
	slices.SortFunc(res.OverTarget, func(x, y SpecialistLoad) int {
		return cmp.Or(cmp.Compare(y.Load-y.TargetLoad, x.Load-x.TargetLoad), cmp.Compare(x.UserID, y.UserID))
	})
	res.Duration = time.Since(start)
	summary := map[string]any{"assigned": res.Assigned, "overflow": res.Overflow, "uncovered": res.Uncovered,
		"cells": res.Cells, "over_target": len(res.OverTarget), "target_load": opts.TargetLoad}
	if err := s.Audit.Record(ctx, s.DB, "network", "assignment", "assign", nil, summary); err != nil {
		return nil, err
	}
	return res, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// better reports whether x should get the next enterprise before y: under
// target before at or over it, then the least loaded, then the lowest id.
func better(x, y *planSpecialist) bool {
	xu, yu := x.target == 0 || x.load < x.target, y.target == 0 || y.load < y.target
	if xu != yu {
		return xu
	}
	if x.load != y.load {
		return x.load < y.load
	}
	return x.id < y.id
}

// loadPlanners reads the active specialists with their loads and indexes
// their grid cells: whole[district] and streets[cell] list indexes into
// the returned slice.
func (s *Service) loadPlanners(ctx context.Context, defaultTarget int) ([]planSpecialist, map[string][]int, map[cellKey][]int, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT sp.user_id, u.display_name, sp.target_load FROM specialists sp JOIN users u ON u.id = sp.user_id
		WHERE u.disabled = FALSE AND u.role = ? ORDER BY sp.user_id`, string(auth.RoleSpecialist))
	if err != nil {
		return nil, nil, nil, errs.Wrap(err, "load specialists")
	}
	var sps []planSpecialist
	idx := map[int64]int{}
	for rows.Next() {
		var p planSpecialist
		if err := rows.Scan(&p.id, &p.name, &p.target); err != nil {
			rows.Close()
			return nil, nil, nil, errs.Wrap(err, "load specialists")
		}
		if p.target == 0 {
			p.target = defaultTarget
		}
		idx[p.id] = len(sps)
		sps = append(sps, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, nil, errs.Wrap(err, "load specialists")
	}
	loads, err := s.DB.QueryContext(ctx, `SELECT specialist_user_id, COUNT(*) FROM enterprise_assignments GROUP BY specialist_user_id`)
	if err != nil {
		return nil, nil, nil, errs.Wrap(err, "load specialist loads")
	}
	for loads.Next() {
		var id int64
		var n int
		if err := loads.Scan(&id, &n); err != nil {
			loads.Close()
			return nil, nil, nil, errs.Wrap(err, "load specialist loads")
		}
		if i, ok := idx[id]; ok {
			sps[i].load = n
		}
	}
	loads.Close()
	if err := loads.Err(); err != nil {
		return nil, nil, nil, errs.Wrap(err, "load specialist loads")
	}
	grid, err := s.DB.QueryContext(ctx, `SELECT user_id, district, street FROM specialist_grid`)
	if err != nil {
		return nil, nil, nil, errs.Wrap(err, "load grids")
	}
	defer grid.Close()
	whole, streets := map[string][]int{}, map[cellKey][]int{}
	for grid.Next() {
		var id int64
		var d, st string
		if err := grid.Scan(&id, &d, &st); err != nil {
			return nil, nil, nil, errs.Wrap(err, "load grids")
		}
		i, ok := idx[id]
		if !ok {
			continue // a disabled account
		}
		if st == "" {
			whole[d] = append(whole[d], i)
		} else {
			k := cellKey{district: d, street: st}
			streets[k] = append(streets[k], i)
		}
	}
	return sps, whole, streets, errs.Wrap(grid.Err(), "load grids")
}

type cellCount struct {
	key   cellKey
	count int
}

// countCells counts the unassigned enterprises in scope per district and
// street; a NULL district comes back as "".
func (s *Service) countCells(ctx context.Context) ([]cellCount, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT e.district, e.street, COUNT(*) FROM enterprises e
		WHERE `+inScope+` AND NOT EXISTS (SELECT 1 FROM enterprise_assignments a WHERE a.enterprise_id = e.id)
		GROUP BY e.district, e.street`)
	if err != nil {
		return nil, errs.Wrap(err, "count unassigned enterprises")
	}
	defer rows.Close()
	var out []cellCount
	for rows.Next() {
		var d, st sql.NullString
		var n int
		if err := rows.Scan(&d, &st, &n); err != nil {
			return nil, errs.Wrap(err, "count unassigned enterprises")
		}
		out = append(out, cellCount{key: cellKey{district: d.String, street: st.String, noStreet: !st.Valid}, count: n})
	}
	return out, errs.Wrap(rows.Err(), "count unassigned enterprises")
}

// assignBatch is about how many assignments one transaction of Assign
// writes, and maxCellsPerStatement how many cells one statement unites.
const (
	assignBatch          = 250_000
	maxCellsPerStatement = 200
)

// writeCells assigns the planned number of each cell's unassigned
// enterprises (numbered in the order of the (district, street, status)
// index, which the query then reads without sorting) to the cell's
// candidates — a
// windowed SELECT per cell, united, staged in a temporary table and
// inserted in enterprise id order — and returns how many rows it inserted.
func writeCells(ctx context.Context, tx *store.Tx, plans []*cellPlan, sps []planSpecialist, now int64) (int, error) {
	var parts []string
	var args []any
	for _, p := range plans {
		var cases strings.Builder
		var cellArgs []any
		upto := 0
		for i, n := range p.alloc {
			if n == 0 {
				continue
			}
			upto += n
			cases.WriteString(" WHEN rn <= CAST(? AS BIGINT) THEN CAST(? AS BIGINT)")
			cellArgs = append(cellArgs, upto, sps[p.cands[i]].id)
		}
		if upto == 0 {
			continue
		}
		streetCond := "e.street = ?"
		where := []any{p.key.district}
		if p.key.noStreet {
			streetCond = "e.street IS NULL"
		} else {
			where = append(where, p.key.street)
		}
		parts = append(parts, `SELECT id AS enterprise_id, CASE`+cases.String()+` END AS specialist_user_id
			FROM (SELECT e.id, ROW_NUMBER() OVER (ORDER BY e.status, e.id) AS rn FROM enterprises e
				WHERE e.district = ? AND `+streetCond+` AND `+inScope+`
				AND NOT EXISTS (SELECT 1 FROM enterprise_assignments a WHERE a.enterprise_id = e.id)) t
			WHERE rn <= CAST(? AS BIGINT)`)
		args = append(args, cellArgs...)
		args = append(args, where...)
		args = append(args, upto)
	}
	if len(parts) == 0 {
		return 0, nil
	}
	// Stage the batch first: inserting straight from a SELECT that also
	// reads enterprise_assignments (NOT EXISTS) makes SQLite save and
	// restore that cursor on every row.
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE assign_stage (enterprise_id BIGINT NOT NULL, specialist_user_id BIGINT NOT NULL)`); err != nil {
		return 0, errs.Wrap(err, "assign cells")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO assign_stage (enterprise_id, specialist_user_id) `+strings.Join(parts, "\nUNION ALL\n"), args...); err != nil {
		return 0, errs.Wrap(err, "assign cells")
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO enterprise_assignments (enterprise_id, specialist_user_id, assigned_at, how)
		SELECT enterprise_id, specialist_user_id, CAST(? AS BIGINT), CAST(? AS TEXT) FROM assign_stage
		WHERE TRUE ORDER BY enterprise_id
		ON CONFLICT (enterprise_id) DO NOTHING`, now, HowAuto)
	if err != nil {
		return 0, errs.Wrap(err, "assign cells")
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE assign_stage`); err != nil {
		return 0, errs.Wrap(err, "assign cells")
	}
	n, err := r.RowsAffected()
	return int(n), errs.Wrap(err, "assign cells")
}

// Assignment is which specialist looks after an enterprise.
type Assignment struct {
	EnterpriseID   int64     `json:"enterprise_id"`
	SpecialistID   int64     `json:"specialist_user_id"`
	SpecialistName string    `json:"specialist_name"`
	AssignedAt     time.Time `json:"assigned_at"`
	How            string    `json:"how"` // 自动 or 手动
}

// FindAssignment returns the assignment of an enterprise. Whoever may view
// the enterprise (auth.ViewEnterprise) may call it. Errors:
// Unauthenticated, Forbidden, NotFound when the enterprise has no
// specialist.
func (s *Service) FindAssignment(ctx context.Context, a *auth.Actor, enterpriseID int64) (*Assignment, error) {
	res, err := s.EnterpriseResource(ctx, enterpriseID)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.ViewEnterprise, res); err != nil {
		return nil, err
	}
	return findAssignment(ctx, s.DB, enterpriseID)
}

func findAssignment(ctx context.Context, q store.Querier, enterpriseID int64) (*Assignment, error) {
	var as Assignment
	var at int64
	err := q.QueryRowContext(ctx, `SELECT a.enterprise_id, a.specialist_user_id, u.display_name, a.assigned_at, a.how
		FROM enterprise_assignments a JOIN users u ON u.id = a.specialist_user_id WHERE a.enterprise_id = ?`, enterpriseID).
		Scan(&as.EnterpriseID, &as.SpecialistID, &as.SpecialistName, &at, &as.How)
	if err != nil {
		return nil, store.NotFound(err, "企业（编号%d）尚未分配服务专员", enterpriseID)
	}
	as.AssignedAt = store.FromMillis(at)
	return &as, nil
}

// Reassign hands an enterprise to a specialist by hand (how 手动), whatever
// their grid says, and returns the new assignment; when specialistUserID
// is 0 it takes the enterprise from its specialist instead (the next
// Assign hands it out again) and returns a nil assignment. The change is
// recorded in the audit log with the assignment before and after. Administrators
// only (auth.ManageNetwork). Errors: Unauthenticated, Forbidden; NotFound
// for an unknown enterprise; Invalid when the user is not an active
// specialist of the network.
func (s *Service) Reassign(ctx context.Context, a *auth.Actor, enterpriseID, specialistUserID int64) (*Assignment, error) {
	if err := auth.Authorize(a, auth.ManageNetwork, auth.Resource{}); err != nil {
		return nil, err
	}
	var out *Assignment
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := enterpriseName(ctx, tx, enterpriseID); err != nil {
			return err
		}
		before, err := findAssignment(ctx, tx, enterpriseID)
		if err != nil && errs.CodeOf(err) != errs.NotFound {
			return err
		}
		id := strconv.FormatInt(enterpriseID, 10)
		if specialistUserID == 0 {
			if before == nil {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM enterprise_assignments WHERE enterprise_id = ?`, enterpriseID); err != nil {
				return errs.Wrap(err, "unassign")
			}
			return s.Audit.Record(ctx, tx, "enterprise_assignment", id, "unassign", before, nil)
		}
		var disabled bool
		err = tx.QueryRowContext(ctx, `SELECT u.disabled FROM specialists sp JOIN users u ON u.id = sp.user_id WHERE sp.user_id = ?`, specialistUserID).Scan(&disabled)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && disabled) {
			return errs.FieldErrorf("specialist_user_id", "用户（编号%d）不是服务网络中的在岗服务专员", specialistUserID)
		}
		if err != nil {
			return errs.Wrap(err, "check specialist")
		}
		if before != nil && before.SpecialistID == specialistUserID {
			out = before
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO enterprise_assignments (enterprise_id, specialist_user_id, assigned_at, how) VALUES (?, ?, ?, ?)
			ON CONFLICT (enterprise_id) DO UPDATE SET specialist_user_id = excluded.specialist_user_id, assigned_at = excluded.assigned_at, how = excluded.how`,
			enterpriseID, specialistUserID, store.Millis(s.now()), HowManual); err != nil {
			return errs.Wrap(err, "reassign")
		}
		if out, err = findAssignment(ctx, tx, enterpriseID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "enterprise_assignment", id, "reassign", before, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DistrictCoverage is one district's line of the coverage report.
type DistrictCoverage struct {
	District     string `json:"district"` // code; "" when unknown
	DistrictName string `json:"district_name"`
	Enterprises  int    `json:"enterprises"` // in scope
	Unassigned   int    `json:"unassigned"`
}

// CoverageReport says how well the network covers the registry.
type CoverageReport struct {
	Enterprises int                `json:"enterprises"` // in scope (存续 or status unknown)
	Assigned    int                `json:"assigned"`
	Unassigned  int                `json:"unassigned"`
	ByDistrict  []DistrictCoverage `json:"by_district"` // districts with enterprises in scope, most unassigned first
	Stations    int                `json:"stations"`
	Specialists int                `json:"specialists"`
	// OverTarget lists the specialists above their own target load, most
	// over first.
	OverTarget []SpecialistLoad `json:"over_target"`
	At         time.Time        `json:"at"`
}

// CoverageReport counts the enterprises in scope without a specialist by
// district, and lists the specialists over their target load. It scans the
// registry once (a few seconds at 2.25 M on SQLite). Administrators and
// leaders may call it. Errors: Unauthenticated, Forbidden.
func (s *Service) CoverageReport(ctx context.Context, a *auth.Actor) (*CoverageReport, error) {
	if err := authorizeRead(a); err != nil {
		return nil, err
	}
	r := &CoverageReport{ByDistrict: []DistrictCoverage{}, OverTarget: []SpecialistLoad{}, At: s.now().UTC()}
	rows, err := s.DB.QueryContext(ctx, `SELECT e.district, COUNT(*), SUM(CASE WHEN a.enterprise_id IS NULL THEN 1 ELSE 0 END)
		FROM enterprises e LEFT JOIN enterprise_assignments a ON a.enterprise_id = e.id
		WHERE `+inScope+` GROUP BY e.district`)
	if err != nil {
		return nil, errs.Wrap(err, "coverage")
	}
	for rows.Next() {
		var d sql.NullString
		var dc DistrictCoverage
		if err := rows.Scan(&d, &dc.Enterprises, &dc.Unassigned); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "coverage")
		}
		dc.District = d.String
		dc.DistrictName = "区未知"
		if d.Valid {
			dc.DistrictName = districtName(s.city(), d.String)
		}
		r.Enterprises += dc.Enterprises
		r.Unassigned += dc.Unassigned
		r.ByDistrict = append(r.ByDistrict, dc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "coverage")
	}
	r.Assigned = r.Enterprises - r.Unassigned
	slices.SortFunc(r.ByDistrict, func(x, y DistrictCoverage) int {
		return cmp.Or(cmp.Compare(y.Unassigned, x.Unassigned), cmp.Compare(x.District, y.District))
	})
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM service_stations`).Scan(&r.Stations); err != nil {
		return nil, errs.Wrap(err, "coverage")
	}
	loads, err := s.DB.QueryContext(ctx, `SELECT sp.user_id, u.display_name, sp.target_load,
		(SELECT COUNT(*) FROM enterprise_assignments ea WHERE ea.specialist_user_id = sp.user_id)
		FROM specialists sp JOIN users u ON u.id = sp.user_id`)
	if err != nil {
		return nil, errs.Wrap(err, "coverage")
	}
	defer loads.Close()
	for loads.Next() {
		var l SpecialistLoad
		if err := loads.Scan(&l.UserID, &l.DisplayName, &l.TargetLoad, &l.Load); err != nil {
			return nil, errs.Wrap(err, "coverage")
		}
		r.Specialists++
		if l.TargetLoad > 0 && l.Load > l.TargetLoad {
			r.OverTarget = append(r.OverTarget, l)
		}
	}
	if err := loads.Err(); err != nil {
		return nil, errs.Wrap(err, "coverage")
	}
	slices.SortFunc(r.OverTarget, func(x, y SpecialistLoad) int {
		return cmp.Or(cmp.Compare(y.Load-y.TargetLoad, x.Load-x.TargetLoad), cmp.Compare(x.UserID, y.UserID))
	})
	return r, nil
}

// Job kinds of the network.
const (
	JobAssign         = "network.assign"
	JobVisitReminders = "network.visit_reminders"
)

// assignPayload is the payload of a JobAssign job: the options and who
// asked, so that the run is authorised and audited as them.
type assignPayload struct {
	TargetLoad int       `json:"target_load"`
	UserID     int64     `json:"user_id,omitempty"`
	TokenID    int64     `json:"token_id,omitempty"`
	Name       string    `json:"name"`
	Role       auth.Role `json:"role"`
}

// RegisterJobs registers the network's job handlers with r: the automatic
// assignment and the visit reminders. The composition root calls it once.
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Register(JobAssign, func(ctx context.Context, j *jobs.Job) error {
		var p assignPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return jobs.Permanent(errs.Wrap(err, "decode assign payload"))
		}
		a := &auth.Actor{UserID: p.UserID, TokenID: p.TokenID, Name: p.Name, DisplayName: p.Name, Role: p.Role}
		who := audit.Who{Name: p.Name}
		if p.UserID != 0 {
			id := p.UserID
			who.UserID = &id
		}
		ctx = audit.WithActor(ctx, who)
		res, err := s.Assign(ctx, a, AssignOptions{TargetLoad: p.TargetLoad, Progress: func(done, total int) {
			_ = j.Progress(ctx, int64(done), int64(total), fmt.Sprintf("正在按网格分配：第 %d / %d 格", done, total))
		}})
		if errs.CodeOf(err) == errs.Forbidden || errs.CodeOf(err) == errs.Invalid {
			return jobs.Permanent(err)
		}
		if err != nil {
			return err
		}
		return j.Progress(ctx, int64(max(res.Cells, 1)), int64(max(res.Cells, 1)), res.Summary())
	})
	r.Register(JobVisitReminders, func(ctx context.Context, j *jobs.Job) error {
		_, err := s.RemindOverdue(ctx)
		return err
	})
}

// Schedules lists the network's periodic jobs: the visit reminders, daily.
func (s *Service) Schedules() []jobs.Period {
	return []jobs.Period{{Name: "visit-reminders", Kind: JobVisitReminders, Every: 24 * time.Hour}}
}

// EnqueueAssign queues an automatic assignment as a background job (with
// progress) and returns the job's id; while one is queued or running, it
// returns that one's id instead of queueing another. Administrators only
// (auth.ManageNetwork). Errors: Unauthenticated, Forbidden, Invalid for a
// bad target.
func (s *Service) EnqueueAssign(ctx context.Context, a *auth.Actor, opts AssignOptions) (int64, error) {
	if err := auth.Authorize(a, auth.ManageNetwork, auth.Resource{}); err != nil {
		return 0, err
	}
	if opts.TargetLoad < 0 || opts.TargetLoad > MaxTargetLoad {
		return 0, errs.FieldErrorf("target_load", "目标服务企业数应为 0–%d（0 表示不设目标）", MaxTargetLoad)
	}
	for _, st := range []jobs.Status{jobs.Running, jobs.Queued} {
		list, _, err := s.Jobs.List(ctx, jobs.JobFilter{Kind: JobAssign, Status: st, Limit: 1})
		if err != nil {
			return 0, err
		}
		if len(list) > 0 {
			return list[0].ID, nil
		}
	}
	return s.Jobs.Enqueue(ctx, s.DB, JobAssign, assignPayload{TargetLoad: opts.TargetLoad, UserID: a.UserID, TokenID: a.TokenID, Name: a.Name, Role: a.Role},
		jobs.MaxAttempts(3))
}
