package analysis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/paging"
	"github.com/qinqing/qinqing/internal/plan"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// The statuses of a 问题清单 item.
const (
	ProblemOpen   = "open"   // 整改中
	ProblemClosed = "closed" // 已销号
)

// ProblemStatusLabel names a problem's status in Chinese.
func ProblemStatusLabel(s string) string {
	if s == ProblemClosed {
		return "已销号"
	}
	return "整改中"
}

// Problem is an item of the 问题清单: a systemic problem behind many
// appeals, with the unit that owns its fix and its progress.
type Problem struct {
	ID          int64        `json:"id"`
	Slug        string       `json:"slug"` // names it on the public board
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Measures    string       `json:"measures"`
	OwnerUnitID int64        `json:"owner_unit_id"`
	OwnerUnit   string       `json:"owner_unit"`
	LimitDays   int          `json:"limit_days"`
	StartDate   workday.Date `json:"start_date"`
	DueDate     workday.Date `json:"due_date"`
	Status      string       `json:"status"`
	StatusLabel string       `json:"status_label"`
	Overdue     bool         `json:"overdue"` // open past its due date
	Progress    int          `json:"progress"`
	Appeals     int          `json:"appeals"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	ClosedAt    *time.Time   `json:"closed_at,omitempty"`
	ClosingNote string       `json:"closing_note,omitempty"`
	// Filled by FindProblemByID only.
	Updates    []ProblemUpdate `json:"updates,omitempty"`
	AppealList []ClusterAppeal `json:"appeal_list,omitempty"`

	parents []int64
}

// FirstAppeals returns the first n of the problem's appeals by receipt
// (of AppealList): what its page lists of an item made of a cluster of
// thousands.
func (p *Problem) FirstAppeals(n int) []ClusterAppeal {
	return p.AppealList[:min(n, len(p.AppealList))]
}

// ProblemUpdate is a progress update of a problem.
type ProblemUpdate struct {
	At       time.Time `json:"at"`
	By       string    `json:"by"`
	Progress int       `json:"progress"`
	Note     string    `json:"note"`
}

// ProblemInput is what the office writes to make a problem of appeals.
type ProblemInput struct {
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Measures    string  `json:"measures"`
	OwnerUnitID int64   `json:"owner_unit_id"`
	LimitDays   int     `json:"limit_days"`
	AppealIDs   []int64 `json:"appeal_ids"`
}

// The bounds of a problem's fields.
const (
	maxTitle         = 100
	maxText          = 2000
	maxLimitDays     = 250
	maxProblemAppeal = 1000
)

// Resource returns the problem's ownership for the permission table: its
// owner unit holds it, the units above read it.
func (p *Problem) Resource() auth.Resource {
	return auth.Resource{UnitIDs: []int64{p.OwnerUnitID}, ParentUnitIDs: p.parents}
}

// ProblemPermitted says what an actor may do with a problem: report its
// progress, close it (销号).
type ProblemPermitted struct {
	Report bool `json:"report"`
	Close  bool `json:"close"`
}

// PermittedOn returns what a may do with p now.
func PermittedOn(a *auth.Actor, p *Problem) ProblemPermitted {
	open := p.Status == ProblemOpen
	return ProblemPermitted{Report: open && a.Can(auth.ReportProblem, p.Resource()), Close: open && a.Can(auth.ManageProblems, p.Resource())}
}

// CreateProblem makes a 问题清单 item of appeals (a cluster or any chosen
// set): its deadline is LimitDays working days from today. Only the office
// may call it (auth.ManageProblems). Errors: Unauthenticated, Forbidden,
// Invalid (a field; an unknown unit or appeal), Internal.
func (s *Service) CreateProblem(ctx context.Context, a *auth.Actor, in ProblemInput) (*Problem, error) {
	if err := auth.AuthorizeSome(a, auth.ManageProblems); err != nil {
		return nil, err
	}
	if err := s.checkProblem(ctx, &in); err != nil {
		return nil, err
	}
	switch {
	case len(in.AppealIDs) == 0:
		return nil, errs.FieldErrorf("appeal_ids", "请至少选择一件诉求")
	case len(in.AppealIDs) > maxProblemAppeal:
		return nil, errs.FieldErrorf("appeal_ids", "一个问题最多关联 %d 件诉求（整类列入请按聚类提交）", maxProblemAppeal)
	}
	return s.createProblem(ctx, a, in, nil)
}

// CreateProblemFromCluster makes a 问题清单 item of all the appeals of
// the cluster of sc whose key is key (ClusterAppealIDs), however many:
// in.AppealIDs is ignored. The audit record names the scope, the key and
// the number of appeals. Only the office may call it (auth.ManageProblems
// and auth.AnalyseAppeals). Errors: those of CreateProblem and of
// ClusterAppealIDs (NotFound: the cluster no longer exists).
func (s *Service) CreateProblemFromCluster(ctx context.Context, a *auth.Actor, in ProblemInput, sc Scope, key int64) (*Problem, error) {
	if err := auth.AuthorizeSome(a, auth.ManageProblems); err != nil {
		return nil, err
	}
	if err := s.checkProblem(ctx, &in); err != nil {
		return nil, err
	}
	ids, err := s.ClusterAppealIDs(ctx, a, sc, key)
	if err != nil {
		return nil, err
	}
	in.AppealIDs = ids
	return s.createProblem(ctx, a, in, map[string]any{"scope": sc, "key": key, "appeals": len(ids)})
}

// checkProblem trims in's texts and checks its fields but the appeals.
func (s *Service) checkProblem(ctx context.Context, in *ProblemInput) error {
	in.Title, in.Description, in.Measures = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description), strings.TrimSpace(in.Measures)
	switch {
	case in.Title == "":
		return errs.FieldErrorf("title", "请填写问题名称")
	case utf8.RuneCountInString(in.Title) > maxTitle:
		return errs.FieldErrorf("title", "问题名称不能超过 %d 个字", maxTitle)
	case in.Description == "":
		return errs.FieldErrorf("description", "请填写问题描述")
	case utf8.RuneCountInString(in.Description) > maxText:
		return errs.FieldErrorf("description", "问题描述不能超过 %d 个字", maxText)
	case utf8.RuneCountInString(in.Measures) > maxText:
		return errs.FieldErrorf("measures", "整改措施不能超过 %d 个字", maxText)
	case in.LimitDays < 1 || in.LimitDays > maxLimitDays:
		return errs.FieldErrorf("limit_days", "整改时限应为 1–%d 个工作日", maxLimitDays)
	}
	if in.OwnerUnitID == 0 {
		return errs.FieldErrorf("owner_unit_id", "请选择责任单位")
	}
	if _, err := s.Units.FindUnitByID(ctx, in.OwnerUnitID); err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return errs.FieldErrorf("owner_unit_id", "责任单位不存在")
		}
		return err
	}
	return nil
}

// linkBatch is how many appeals one statement checks or links.
const linkBatch = 500

// createProblem writes a problem of in; cluster, when not nil, is what
// the audit record says of the cluster instead of every appeal id.
// The fields are checked (checkProblem) and AppealIDs is not empty.
func (s *Service) createProblem(ctx context.Context, a *auth.Actor, in ProblemInput, cluster map[string]any) (*Problem, error) {
	slug, err := newSlug()
	if err != nil {
		return nil, err
	}
	now := s.Now()
	start := workday.DateOf(now)
	due := s.Calendar.AddWorkdays(start, in.LimitDays)
	var id int64
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO appeal_problems (slug, title, description, measures, owner_unit_id, limit_days, start_date, due_date,
			status, progress, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) RETURNING id`,
			slug, in.Title, in.Description, in.Measures, in.OwnerUnitID, in.LimitDays, start, due, ProblemOpen, a.UserID,
			store.Millis(now), store.Millis(now)).Scan(&id)
		if err != nil {
			return errs.Wrap(err, "create problem")
		}
		for start := 0; start < len(in.AppealIDs); start += linkBatch {
			part := in.AppealIDs[start:min(start+linkBatch, len(in.AppealIDs))]
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")
			args := make([]any, 0, 2*len(part))
			for _, aid := range part {
				args = append(args, aid)
			}
			rows, err := tx.QueryContext(ctx, `SELECT id FROM appeals WHERE id IN (`+marks+`)`, args...)
			if err != nil {
				return errs.Wrap(err, "check appeals")
			}
			found := map[int64]bool{}
			for rows.Next() {
				var aid int64
				if err := rows.Scan(&aid); err != nil {
					rows.Close()
					return errs.Wrap(err, "check appeals")
				}
				found[aid] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return errs.Wrap(err, "check appeals")
			}
			args = args[:0]
			for _, aid := range part {
				if !found[aid] {
					return errs.FieldErrorf("appeal_ids", "诉求 %d 不存在", aid)
				}
				args = append(args, id, aid)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO appeal_problem_appeals (problem_id, appeal_id) VALUES `+
				strings.TrimSuffix(strings.Repeat("(?, ?), ", len(part)), ", ")+` ON CONFLICT DO NOTHING`, args...); err != nil {
				return errs.Wrap(err, "link appeals")
			}
		}
		rec := map[string]any{"title": in.Title, "owner_unit_id": in.OwnerUnitID, "limit_days": in.LimitDays, "due_date": due}
		if cluster != nil {
			rec["cluster"] = cluster
		} else {
			rec["appeal_ids"] = in.AppealIDs
		}
		return s.Audit.Record(ctx, tx, "appeal_problem", strconv.FormatInt(id, 10), "create", nil, rec)
	})
	if err != nil {
		return nil, err
	}
	s.dropBoard()
	return s.FindProblemByID(ctx, a, id)
}

// newSlug returns a random name for the public board.
func newSlug() (string, error) {
	b := make([]byte, 9)
	if _, err := rand.Read(b); err != nil {
		return "", errs.Wrap(err, "slug")
	}
	return hex.EncodeToString(b), nil
}

const problemColumns = `p.id, p.slug, p.title, p.description, p.measures, p.owner_unit_id, COALESCE(u.name, ''), p.limit_days, p.start_date, p.due_date,
	p.status, p.progress, (SELECT COUNT(*) FROM appeal_problem_appeals x WHERE x.problem_id = p.id), p.created_at, p.updated_at, p.closed_at, p.closing_note`

func (s *Service) scanProblem(sc interface{ Scan(...any) error }) (*Problem, error) {
	var p Problem
	var created, updated int64
	var closed *int64
	if err := sc.Scan(&p.ID, &p.Slug, &p.Title, &p.Description, &p.Measures, &p.OwnerUnitID, &p.OwnerUnit, &p.LimitDays, &p.StartDate, &p.DueDate,
		&p.Status, &p.Progress, &p.Appeals, &created, &updated, &closed, &p.ClosingNote); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = store.FromMillis(created), store.FromMillis(updated)
	if closed != nil {
		t := store.FromMillis(*closed)
		p.ClosedAt = &t
	}
	p.StatusLabel = ProblemStatusLabel(p.Status)
	p.Overdue = p.Status == ProblemOpen && workday.DateOf(s.Now()) > p.DueDate
	return &p, nil
}

// ProblemFilter selects problems: by status ("" all), paged.
type ProblemFilter struct {
	Status string
	Limit  int
	Offset int
}

// FindProblems returns the 问题清单, the open items due first, and the
// total. The office and leaders see every item, a unit's staff those their
// unit or a unit below it owns (auth.ViewProblem). Errors: Unauthenticated, Forbidden,
// Invalid (status), Internal.
func (s *Service) FindProblems(ctx context.Context, a *auth.Actor, f ProblemFilter) ([]Problem, int, error) {
	if err := auth.AuthorizeSome(a, auth.ViewProblem); err != nil {
		return nil, 0, err
	}
	cond, args := []string{"1 = 1"}, []any{}
	switch f.Status {
	case "":
	case ProblemOpen, ProblemClosed:
		cond, args = append(cond, "p.status = ?"), append(args, f.Status)
	default:
		return nil, 0, errs.FieldErrorf("status", "状态只能是 open 或 closed")
	}
	if a.Role == auth.RoleUnitStaff {
		if a.UnitID == nil {
			return nil, 0, nil
		}
		cond, args = append(cond, `p.owner_unit_id IN (WITH RECURSIVE down(id) AS (SELECT CAST(? AS BIGINT) UNION SELECT x.id FROM units x
			JOIN down ON x.parent_id = down.id) SELECT id FROM down)`), append(args, *a.UnitID)
	}
	f.Limit, f.Offset = paging.Clamp(f.Limit, f.Offset)
	where := strings.Join(cond, " AND ")
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM appeal_problems p WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count problems")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+problemColumns+` FROM appeal_problems p LEFT JOIN units u ON u.id = p.owner_unit_id
		WHERE `+where+` ORDER BY CASE WHEN p.status = 'open' THEN 0 ELSE 1 END, p.due_date, p.id LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find problems")
	}
	defer rows.Close()
	var out []Problem
	for rows.Next() {
		p, err := s.scanProblem(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "scan problem")
		}
		out = append(out, *p)
	}
	return out, total, errs.Wrap(rows.Err(), "find problems")
}

// loadProblem reads problem id with its ownership, unchecked.
func (s *Service) loadProblem(ctx context.Context, q store.Querier, id int64) (*Problem, error) {
	p, err := s.scanProblem(q.QueryRowContext(ctx, `SELECT `+problemColumns+` FROM appeal_problems p LEFT JOIN units u ON u.id = p.owner_unit_id WHERE p.id = ?`, id))
	if err == store.ErrNoRows {
		return nil, errs.Errorf(errs.NotFound, "问题 %d 不存在", id)
	}
	if err != nil {
		return nil, errs.Wrap(err, "load problem")
	}
	res, err := s.Units.Holders(ctx, p.OwnerUnitID)
	if err != nil {
		return nil, err
	}
	p.parents = res.ParentUnitIDs
	return p, nil
}

// FindProblemByID returns a problem with its updates and appeals. The
// office and leaders, its owner unit and the units above may call it
// (auth.ViewProblem). Errors: Unauthenticated, NotFound (also for one the
// actor may not see), Internal.
func (s *Service) FindProblemByID(ctx context.Context, a *auth.Actor, id int64) (*Problem, error) {
	if a == nil {
		return nil, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	p, err := s.loadProblem(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if !a.Can(auth.ViewProblem, p.Resource()) {
		return nil, errs.Errorf(errs.NotFound, "问题 %d 不存在", id)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT at, actor_name, progress, note FROM appeal_problem_updates WHERE problem_id = ? ORDER BY at, id`, id)
	if err != nil {
		return nil, errs.Wrap(err, "problem updates")
	}
	defer rows.Close()
	for rows.Next() {
		var u ProblemUpdate
		var at int64
		if err := rows.Scan(&at, &u.By, &u.Progress, &u.Note); err != nil {
			return nil, errs.Wrap(err, "scan update")
		}
		u.At = store.FromMillis(at)
		p.Updates = append(p.Updates, u)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "problem updates")
	}
	arows, err := s.db.QueryContext(ctx, `SELECT a.id, COALESCE(a.number, ''), a.title, COALESCE(a.enterprise_id, 0), a.enterprise_name, a.category,
		COALESCE(a.district, ''), a.status, a.received_at FROM appeal_problem_appeals x JOIN appeals a ON a.id = x.appeal_id
		WHERE x.problem_id = ? ORDER BY a.received_at, a.id`, id)
	if err != nil {
		return nil, errs.Wrap(err, "problem appeals")
	}
	defer arows.Close()
	for arows.Next() {
		var ca ClusterAppeal
		var at int64
		if err := arows.Scan(&ca.ID, &ca.Number, &ca.Title, &ca.EnterpriseID, &ca.EnterpriseName, &ca.Category, &ca.District, &ca.Status, &at); err != nil {
			return nil, errs.Wrap(err, "scan problem appeal")
		}
		ca.ReceivedAt = store.FromMillis(at)
		p.AppealList = append(p.AppealList, ca)
	}
	return p, errs.Wrap(arows.Err(), "problem appeals")
}

// ReportProgress records a progress update (0–100 %, with what was done)
// on an open problem. Its owner unit's staff and the office may call it
// (auth.ReportProblem). Errors: Unauthenticated, NotFound, Forbidden,
// Conflict (closed), Invalid, Internal.
func (s *Service) ReportProgress(ctx context.Context, a *auth.Actor, id int64, progress int, note string) (*Problem, error) {
	if err := auth.AuthorizeSome(a, auth.ReportProblem); err != nil {
		return nil, err
	}
	p, err := s.FindProblemByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.ReportProblem, p.Resource()); err != nil {
		return nil, err
	}
	if p.Status != ProblemOpen {
		return nil, errs.Errorf(errs.Conflict, "问题已销号，不能再报送进展")
	}
	note = strings.TrimSpace(note)
	switch {
	case progress < 0 || progress > 100:
		return nil, errs.FieldErrorf("progress", "进度应为 0–100")
	case note == "":
		return nil, errs.FieldErrorf("note", "请填写整改进展")
	case utf8.RuneCountInString(note) > maxText:
		return nil, errs.FieldErrorf("note", "整改进展不能超过 %d 个字", maxText)
	}
	now := store.Millis(s.Now())
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE appeal_problems SET progress = ?, updated_at = ? WHERE id = ? AND status = ?`, progress, now, id, ProblemOpen)
		if err != nil {
			return errs.Wrap(err, "report progress")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Errorf(errs.Conflict, "问题已销号，不能再报送进展")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO appeal_problem_updates (problem_id, at, user_id, actor_name, progress, note) VALUES (?, ?, ?, ?, ?, ?)`,
			id, now, a.UserID, actorName(a), progress, note); err != nil {
			return errs.Wrap(err, "report progress")
		}
		return s.Audit.Record(ctx, tx, "appeal_problem", strconv.FormatInt(id, 10), "progress",
			map[string]any{"progress": p.Progress}, map[string]any{"progress": progress, "note": note})
	})
	if err != nil {
		return nil, err
	}
	s.dropBoard()
	return s.FindProblemByID(ctx, a, id)
}

// CloseProblem closes (销号) an open problem with the office's note of
// how it was fixed. Only the office may call it (auth.ManageProblems).
// Errors: Unauthenticated, NotFound, Forbidden, Conflict (closed
// already), Invalid (no note), Internal.
func (s *Service) CloseProblem(ctx context.Context, a *auth.Actor, id int64, note string) (*Problem, error) {
	if err := auth.AuthorizeSome(a, auth.ManageProblems); err != nil {
		return nil, err
	}
	p, err := s.FindProblemByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.ManageProblems, p.Resource()); err != nil {
		return nil, err
	}
	if p.Status != ProblemOpen {
		return nil, errs.Errorf(errs.Conflict, "问题已销号")
	}
	note = strings.TrimSpace(note)
	if note == "" {
		return nil, errs.FieldErrorf("note", "请填写销号说明")
	}
	if utf8.RuneCountInString(note) > maxText {
		return nil, errs.FieldErrorf("note", "销号说明不能超过 %d 个字", maxText)
	}
	now := store.Millis(s.Now())
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE appeal_problems SET status = ?, progress = 100, closed_at = ?, closing_note = ?, updated_at = ?
			WHERE id = ? AND status = ?`, ProblemClosed, now, note, now, id, ProblemOpen)
		if err != nil {
			return errs.Wrap(err, "close problem")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Errorf(errs.Conflict, "问题已销号")
		}
		return s.Audit.Record(ctx, tx, "appeal_problem", strconv.FormatInt(id, 10), "close",
			map[string]any{"status": p.Status}, map[string]any{"status": ProblemClosed, "note": note})
	})
	if err != nil {
		return nil, err
	}
	s.dropBoard()
	return s.FindProblemByID(ctx, a, id)
}

// actorName is how an update names its author.
func actorName(a *auth.Actor) string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Name
}

// LinkSummaries returns the summaries of the problems with the given ids
// that a may see, for the plan tasks linked to them (plan.Linked, kind
// plan.LinkProblem); a missing id is absent. Errors: Unauthenticated,
// Internal.
func (s *Service) LinkSummaries(ctx context.Context, a *auth.Actor, ids []int64) (map[int64]plan.LinkSummary, error) {
	if a == nil {
		return nil, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	out := map[int64]plan.LinkSummary{}
	for _, id := range ids {
		p, err := s.loadProblem(ctx, s.db, id)
		if errs.CodeOf(err) == errs.NotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !a.Can(auth.ViewProblem, p.Resource()) {
			continue
		}
		out[id] = plan.LinkSummary{Title: p.Title, Status: fmt.Sprintf("%s · %d%%", p.StatusLabel, p.Progress), Link: "/problems/" + strconv.FormatInt(id, 10)}
	}
	return out, nil
}
