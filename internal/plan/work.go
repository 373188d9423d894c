package plan

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/paging"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// actingUnit returns the unit an actor acts for on p: a unit's staff their
// own unit; the office the unit it names (it may enter a report a unit
// sent on paper). Errors: Invalid (the office named none), Forbidden.
func actingUnit(a *auth.Actor, unitID *int64) (int64, error) {
	if a.Role == auth.RoleUnitStaff {
		if a.UnitID == nil {
			return 0, errs.Errorf(errs.Forbidden, "账号未关联单位")
		}
		if unitID != nil && *unitID != *a.UnitID {
			return 0, errs.Errorf(errs.Forbidden, "只能代表本单位报送")
		}
		return *a.UnitID, nil
	}
	if unitID == nil || *unitID == 0 {
		return 0, errs.FieldErrorf("unit_id", "请选择报送单位")
	}
	return *unitID, nil
}

// SignTask records that the actor's unit signed for task id (签收). A
// unit's staff call it for their unit's tasks of a published plan; signing
// twice changes nothing. Errors: Unauthenticated, Forbidden, NotFound;
// Conflict when the unit has signed already or the plan is not published;
// Internal.
func (s *Service) SignTask(ctx context.Context, a *auth.Actor, id int64) error {
	t, p, err := s.FindTaskByID(ctx, a, id)
	if err != nil {
		return err
	}
	if !TaskPermittedOn(a, p, t).Sign {
		if a.UnitID != nil && p.Status == StatusPublished && slices.Contains(t.UnitIDs(), *a.UnitID) {
			return errs.Errorf(errs.Conflict, "本单位已签收该任务")
		}
		return errs.Errorf(errs.Forbidden, "只能签收本单位承担的已发布任务")
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE plan_task_units SET signed_at = ?, signed_by = ? WHERE task_id = ? AND unit_id = ? AND signed_at IS NULL`,
			store.Millis(s.now()), a.PersonRef(), id, *a.UnitID); err != nil {
			return errs.Wrap(err, "sign task")
		}
		return s.audit.Record(ctx, tx, "plan_task", strconv.FormatInt(id, 10), "sign", nil, map[string]any{"unit_id": *a.UnitID})
	})
}

// SubtaskInput is a sub-task a unit splits off its task.
type SubtaskInput struct {
	Title        string        `json:"title"`
	Text         string        `json:"text"`
	DeadlineDate *workday.Date `json:"deadline_date"`
}

// AddSubtask splits a sub-task off task id for the actor's unit: numbered
// under it, held by the unit (责任, signed), with its own deadline (none:
// the parent's). A unit's staff call it for their unit's open tasks of a
// published plan. Errors: Unauthenticated, Forbidden, NotFound, Invalid;
// Internal.
func (s *Service) AddSubtask(ctx context.Context, a *auth.Actor, id int64, in SubtaskInput) (*Task, error) {
	t, p, err := s.FindTaskByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !TaskPermittedOn(a, p, t).Split {
		return nil, errs.Errorf(errs.Forbidden, "只能分解本单位承担的、办理中的任务")
	}
	ti := TaskInput{Title: in.Title, Text: in.Text, DeadlineKind: DeadlineNone}
	if in.DeadlineDate != nil {
		ti.DeadlineKind, ti.DeadlineDate = DeadlineDate, in.DeadlineDate
	} else if t.DeadlineKind != DeadlineNone {
		ti.DeadlineKind, ti.DeadlineDate, ti.StageID, ti.DeadlineText = t.DeadlineKind, t.DeadlineDate, t.StageID, t.DeadlineText
	}
	if err := ti.normalize(p); err != nil {
		return nil, err
	}
	unit, err := s.units.FindUnitByID(ctx, *a.UnitID)
	if err != nil {
		return nil, err
	}
	var sid int64
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if sid, err = s.insertTask(ctx, tx, p, &id, "", ti, &unit.ID); err != nil {
			return err
		}
		now := store.Millis(s.now())
		if _, err := tx.ExecContext(ctx, `INSERT INTO plan_task_units (task_id, plan_id, role, name, unit_id, seq, signed_at, signed_by)
			VALUES (?, ?, ?, ?, ?, 1, ?, ?)`, sid, p.ID, RoleResp, unit.Name, unit.ID, now, a.PersonRef()); err != nil {
			return errs.Wrap(err, "insert sub-task unit")
		}
		np, err := findPlan(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if err := s.refreshPlan(ctx, tx, np); err != nil {
			return err
		}
		sub, err := findTask(ctx, tx, sid)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, "plan_task", strconv.FormatInt(id, 10), "split", nil, taskAudit(sub))
	})
	if err != nil {
		return nil, err
	}
	sub, _, err := s.FindTaskByID(ctx, a, sid)
	return sub, err
}

// MilestoneInput is a milestone as added.
type MilestoneInput struct {
	Title string        `json:"title"`
	Due   *workday.Date `json:"due"`
}

// AddMilestone adds a milestone to task id: the office on any task of a
// plan not ended, a unit's staff on their unit's tasks of a published
// plan. Errors: Unauthenticated, Forbidden, NotFound, Invalid; Internal.
func (s *Service) AddMilestone(ctx context.Context, a *auth.Actor, id int64, in MilestoneInput) (*Milestone, error) {
	t, p, err := s.FindTaskByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !TaskPermittedOn(a, p, t).Milestone {
		return nil, errs.Errorf(errs.Forbidden, "只能为本单位承担的任务添加节点")
	}
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" || utf8.RuneCountInString(in.Title) > maxShort {
		return nil, errs.FieldErrorf("title", "节点名称不能为空，且不超过 %d 个字", maxShort)
	}
	if in.Due == nil {
		return nil, errs.FieldErrorf("due", "请填写节点的完成日期")
	}
	m := &Milestone{Title: in.Title, Due: in.Due}
	var unit *int64
	if a.Role == auth.RoleUnitStaff {
		unit = a.UnitID
	}
	m.UnitID = unit
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM plan_milestones WHERE task_id = ?`, id).Scan(&m.Seq); err != nil {
			return errs.Wrap(err, "number milestone")
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO plan_milestones (task_id, seq, title, due_date, unit_id, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			id, m.Seq, m.Title, in.Due.String(), optInt(unit), store.Millis(s.now())).Scan(&m.ID); err != nil {
			return errs.Wrap(err, "insert milestone")
		}
		if err := s.refreshTasks(ctx, tx, p, []int64{id}); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, "plan_task", strconv.FormatInt(id, 10), "milestone", nil, m)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Report is one unit's progress report for one period of a plan.
type Report struct {
	ID          int64        `json:"id"`
	PlanID      int64        `json:"plan_id"`
	PlanTitle   string       `json:"plan_title"`
	UnitID      int64        `json:"unit_id"`
	UnitName    string       `json:"unit_name"`
	Period      Period       `json:"period"`
	PeriodLabel string       `json:"period_label"`
	DueDate     workday.Date `json:"due_date"`
	Status      string       `json:"status"` // 待报送 or 已报送
	SubmittedAt *time.Time   `json:"submitted_at,omitempty"`
	UpdatedAt   *time.Time   `json:"updated_at,omitempty"`
	OnTime      *bool        `json:"on_time"`
	Summary     string       `json:"summary"`
	// Overdue: not filed and past its due date.
	Overdue     bool         `json:"overdue"`
	Items       []ReportItem `json:"items,omitempty"`
	Values      []Value      `json:"values,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// ReportItem is a report's entry for one task.
type ReportItem struct {
	TaskID         int64  `json:"task_id"`
	Numbering      string `json:"numbering"`
	Title          string `json:"title"`
	Progress       *int   `json:"progress"`
	MilestoneID    *int64 `json:"milestone_id,omitempty"`
	MilestoneTitle string `json:"milestone_title,omitempty"`
	Text           string `json:"text"`
	Problems       string `json:"problems"`
	NextSteps      string `json:"next_steps"`
	Done           bool   `json:"done"`
}

// Attachment is a file attached to a report (its content is read with
// FindAttachment).
type Attachment struct {
	ID     int64  `json:"id"`
	TaskID *int64 `json:"task_id,omitempty"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// ReportInput is a report as a unit files it. UnitID is the unit's own for
// its staff and required of the office (a report received on paper);
// Period defaults to the earliest period the unit has not reported (when
// all are filed, the latest, which filing again updates).
type ReportInput struct {
	UnitID      *int64            `json:"unit_id"`
	Period      Period            `json:"period"`
	Summary     string            `json:"summary"`
	Items       []ReportItemInput `json:"items"`
	Values      []ValueInput      `json:"values"`
	Attachments []AttachmentInput `json:"-"`
}

// ReportItemInput is a report's entry for one task: progress text, % done
// (0–100), a milestone reached, problems, next steps, and Done when the
// unit reports the task done (it then awaits the office's 销号).
type ReportItemInput struct {
	TaskID      int64  `json:"task_id"`
	Progress    *int   `json:"progress"`
	MilestoneID *int64 `json:"milestone_id"`
	Text        string `json:"text"`
	Problems    string `json:"problems"`
	NextSteps   string `json:"next_steps"`
	Done        bool   `json:"done"`
}

// ValueInput is an actual value of an indicator with its evidence; AsOf
// defaults to today.
type ValueInput struct {
	IndicatorID int64         `json:"indicator_id"`
	Value       float64       `json:"value"`
	AsOf        *workday.Date `json:"as_of"`
	Evidence    string        `json:"evidence"`
}

// AttachmentInput is a file uploaded with a report.
type AttachmentInput struct {
	Name   string
	Data   []byte
	TaskID *int64
}

// Limits on a report.
const (
	maxReportText     = 5000     // runes per text field
	maxAttachment     = 10 << 20 // bytes per file
	maxAttachments    = 10       // files per filing
	maxAttachmentName = 200      // runes
)

// FileReport files (or files again) the actor's unit's report on plan
// planID for a period: per task its progress, problems and next steps, a
// milestone reached, a claim that it is done; new actual values of the
// indicators the unit reports on, with evidence; attachments. The first
// filing decides whether it was on time (by the due date, moved off a rest
// day); filing again updates the report. The tasks' latest progress,
// milestones, indicators and lights follow. A unit's staff file for their
// unit; the office for a unit it names. Errors: Unauthenticated,
// Forbidden, NotFound, Invalid (field and reason; nothing is stored),
// Conflict (the plan is not published, the period is not expected);
// Internal.
func (s *Service) FileReport(ctx context.Context, a *auth.Actor, planID int64, in ReportInput) (*Report, error) {
	if err := auth.AuthorizeSome(a, auth.ReportPlans); err != nil {
		return nil, err
	}
	p, err := s.FindPlanByID(ctx, a, planID)
	if err != nil {
		return nil, err
	}
	unit, err := actingUnit(a, in.UnitID)
	if err != nil {
		return nil, err
	}
	res := p.Resource()
	res.UnitIDs = []int64{unit}
	if !a.Can(auth.ReportPlans, res) {
		return nil, errs.Errorf(errs.Forbidden, "只能报送本单位的进展")
	}
	if p.Status != StatusPublished {
		return nil, errs.Errorf(errs.Conflict, "方案%s，不能报送进展", p.Status)
	}
	in.Summary = strings.TrimSpace(in.Summary)
	if utf8.RuneCountInString(in.Summary) > maxReportText {
		return nil, errs.FieldErrorf("summary", "总体情况不能超过 %d 个字", maxReportText)
	}
	if len(in.Attachments) > maxAttachments {
		return nil, errs.FieldErrorf("attachments", "一次最多上传 %d 个附件", maxAttachments)
	}
	for _, f := range in.Attachments {
		if len(f.Data) > maxAttachment {
			return nil, errs.FieldErrorf("attachments", "附件“%s”超过 %d MB", firstRunes(f.Name, 30), maxAttachment>>20)
		}
	}
	today := s.today()
	var reportID int64
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		// The periods up to now are expected (the hourly refresh does
		// this too; a report filed first thing in a new month must not
		// wait for it).
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM plan_reports WHERE plan_id = ? AND unit_id = ? AND period = ?`,
			planID, unit, PeriodOf(today, p.Settings.Cadence)).Scan(&current); err != nil {
			return errs.Wrap(err, "find report")
		}
		if current == 0 {
			if err := s.ensureSlots(ctx, tx, p, today); err != nil {
				return err
			}
		}
		slot, err := findSlot(ctx, tx, planID, unit, in.Period)
		if err != nil {
			return err
		}
		reportID = slot.ID
		// The tasks the unit holds in the plan, and its indicators.
		held, err := heldTasks(ctx, tx, planID, unit)
		if err != nil {
			return err
		}
		mine, err := unitIndicators(ctx, tx, planID, unit)
		if err != nil {
			return err
		}
		now := s.now()
		ms := store.Millis(now)
		before := map[string]any{"status": slot.Status, "summary": slot.Summary}
		seen := map[int64]bool{}
		for i, it := range in.Items {
			field := fmt.Sprintf("items[%d]", i)
			t, ok := held[it.TaskID]
			if !ok {
				return errs.FieldErrorf(field+".task_id", "任务 %d 不是本单位在本方案承担的任务", it.TaskID)
			}
			if seen[it.TaskID] {
				return errs.FieldErrorf(field+".task_id", "任务 %s 报送了两次", t.Numbering)
			}
			seen[it.TaskID] = true
			if it.Progress != nil && (*it.Progress < 0 || *it.Progress > 100) {
				return errs.FieldErrorf(field+".progress", "任务 %s 的完成进度应为 0–100", t.Numbering)
			}
			it.Text, it.Problems, it.NextSteps = strings.TrimSpace(it.Text), strings.TrimSpace(it.Problems), strings.TrimSpace(it.NextSteps)
			for _, txt := range []string{it.Text, it.Problems, it.NextSteps} {
				if utf8.RuneCountInString(txt) > maxReportText {
					return errs.FieldErrorf(field+".text", "任务 %s 的填报内容不能超过 %d 个字", t.Numbering, maxReportText)
				}
			}
			if it.MilestoneID != nil {
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM plan_milestones WHERE id = ? AND task_id = ?`, *it.MilestoneID, it.TaskID).Scan(&n); err != nil {
					return errs.Wrap(err, "check milestone")
				}
				if n == 0 {
					return errs.FieldErrorf(field+".milestone_id", "节点 %d 不属于任务 %s", *it.MilestoneID, t.Numbering)
				}
			}
			if it.Text == "" && it.Progress == nil && it.MilestoneID == nil && !it.Done && it.Problems == "" {
				continue // nothing said about this task
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO plan_report_items (report_id, task_id, progress, milestone_id, text, problems, next_steps, done_claim)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report_id, task_id) DO UPDATE SET progress = excluded.progress,
				milestone_id = excluded.milestone_id, text = excluded.text, problems = excluded.problems, next_steps = excluded.next_steps,
				done_claim = excluded.done_claim`,
				reportID, it.TaskID, optIntp(it.Progress), optInt(it.MilestoneID), it.Text, it.Problems, it.NextSteps, it.Done); err != nil {
				return errs.Wrap(err, "store report item")
			}
			latest := it.Text
			if latest == "" {
				latest = t.LatestText
			}
			progress := optIntp(it.Progress)
			if it.Progress == nil && t.Progress != nil {
				progress = *t.Progress
			}
			if _, err := tx.ExecContext(ctx, `UPDATE plan_tasks SET progress = ?, latest_text = ?, latest_at = ?, updated_at = ? WHERE id = ?`,
				progress, clip(latest, 500), ms, ms, it.TaskID); err != nil {
				return errs.Wrap(err, "update task progress")
			}
			if it.MilestoneID != nil {
				if _, err := tx.ExecContext(ctx, `UPDATE plan_milestones SET reached_on = ? WHERE id = ? AND reached_on IS NULL`,
					today.String(), *it.MilestoneID); err != nil {
					return errs.Wrap(err, "reach milestone")
				}
			}
			if it.Done && t.Status == TaskOpen {
				if _, err := tx.ExecContext(ctx, `UPDATE plan_tasks SET status = ?, done_claimed_at = ?, done_note = '' WHERE id = ?`,
					TaskClaimed, ms, it.TaskID); err != nil {
					return errs.Wrap(err, "claim done")
				}
			}
		}
		for i, v := range in.Values {
			field := fmt.Sprintf("values[%d]", i)
			ind, ok := mine[v.IndicatorID]
			if !ok {
				return errs.FieldErrorf(field+".indicator_id", "指标 %d 不是本单位在本方案报送的指标", v.IndicatorID)
			}
			if err := s.storeValue(ctx, tx, ind, v, &reportID, unit, a, field); err != nil {
				return err
			}
		}
		for _, f := range in.Attachments {
			if f.TaskID != nil {
				if _, ok := held[*f.TaskID]; !ok {
					return errs.FieldErrorf("attachments", "附件“%s”所属任务不是本单位承担的任务", firstRunes(f.Name, 30))
				}
			}
			if err := storeAttachment(ctx, tx, reportID, f, a.PersonRef(), ms); err != nil {
				return err
			}
		}
		first := slot.SubmittedAt == nil
		onTime := slot.OnTime
		if first {
			ok := today <= s.cal.OnOrAfter(slot.DueDate)
			onTime = &ok
		}
		if _, err := tx.ExecContext(ctx, `UPDATE plan_reports SET status = ?, submitted_at = COALESCE(submitted_at, ?), submitted_by = COALESCE(submitted_by, ?),
			updated_at = ?, on_time = ?, summary = ? WHERE id = ?`, ReportFiled, ms, a.PersonRef(), ms, *onTime, in.Summary, reportID); err != nil {
			return errs.Wrap(err, "file report")
		}
		// Filing changes what the unit owes: the lights of its tasks.
		ids := make([]int64, 0, len(held))
		for id := range held {
			ids = append(ids, id)
		}
		if err := s.refreshTasks(ctx, tx, p, ids); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, "plan_report", strconv.FormatInt(reportID, 10), "file", before, map[string]any{
			"plan_id": planID, "unit_id": unit, "period": slot.Period, "items": len(in.Items), "values": len(in.Values),
			"attachments": len(in.Attachments), "on_time": *onTime, "summary": in.Summary})
	})
	if err != nil {
		return nil, err
	}
	return s.FindReportByID(ctx, a, reportID)
}

func optIntp(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// findSlot returns the expected report of unit for period of plan (the
// earliest one not filed when period is empty, else the latest). Errors: Conflict when the
// period is not expected of the unit.
func findSlot(ctx context.Context, q store.Querier, planID, unit int64, period Period) (*Report, error) {
	var row *sql.Row
	if period == "" {
		row = q.QueryRowContext(ctx, `SELECT `+reportColumns+reportFrom+` WHERE r.plan_id = ? AND r.unit_id = ? AND r.status = ?
			ORDER BY r.period LIMIT 1`, planID, unit, ReportPending)
	} else {
		if _, err := ParsePeriod(string(period)); err != nil {
			return nil, err
		}
		row = q.QueryRowContext(ctx, `SELECT `+reportColumns+reportFrom+` WHERE r.plan_id = ? AND r.unit_id = ? AND r.period = ?`, planID, unit, period)
	}
	r, err := scanReport(row)
	if err == store.ErrNoRows && period == "" {
		// Everything is filed: filing again updates the latest.
		r, err = scanReport(q.QueryRowContext(ctx, `SELECT `+reportColumns+reportFrom+` WHERE r.plan_id = ? AND r.unit_id = ?
			ORDER BY r.period DESC LIMIT 1`, planID, unit))
	}
	if err == store.ErrNoRows {
		if period == "" {
			return nil, errs.Errorf(errs.Conflict, "本单位在本方案没有待报送的进展")
		}
		return nil, errs.Errorf(errs.Conflict, "本单位在本方案不需要报送%s的进展", period)
	}
	if err != nil {
		return nil, errs.Wrap(err, "find report")
	}
	return r, nil
}

const reportColumns = `r.id, r.plan_id, p.title, p.cadence, r.unit_id, u.name, r.period, r.due_date, r.status, r.submitted_at, r.updated_at,
	r.on_time, r.summary`

const reportFrom = ` FROM plan_reports r JOIN plans p ON p.id = r.plan_id JOIN units u ON u.id = r.unit_id`

func scanReport(r rowScanner) (*Report, error) {
	var rep Report
	var c Cadence
	var submitted, updated sql.NullInt64
	var onTime sql.NullBool
	if err := r.Scan(&rep.ID, &rep.PlanID, &rep.PlanTitle, &c, &rep.UnitID, &rep.UnitName, &rep.Period, &rep.DueDate, &rep.Status,
		&submitted, &updated, &onTime, &rep.Summary); err != nil {
		return nil, err
	}
	rep.PeriodLabel = rep.Period.Label(c)
	rep.SubmittedAt, rep.UpdatedAt = optTime(submitted), optTime(updated)
	if onTime.Valid {
		b := onTime.Bool
		rep.OnTime = &b
	}
	return &rep, nil
}

// heldTasks returns the tasks unit holds (any role) in plan, by id.
func heldTasks(ctx context.Context, q store.Querier, planID, unit int64) (map[int64]*Task, error) {
	list, err := queryTasks(ctx, q, `SELECT `+taskColumns+taskFrom+` WHERE t.plan_id = ? AND EXISTS (SELECT 1 FROM plan_task_units tu
		WHERE tu.task_id = t.id AND tu.unit_id = ?) ORDER BY t.path_key`, planID, unit)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*Task, len(list))
	for _, t := range list {
		out[t.ID] = t
	}
	return out, nil
}

// unitIndicators returns the indicators unit reports on in plan: those it
// owns and those of the tasks it leads or is responsible for.
func unitIndicators(ctx context.Context, q store.Querier, planID, unit int64) (map[int64]*Indicator, error) {
	list, err := queryIndicators(ctx, q, `SELECT `+indicatorColumns+indicatorFrom+` WHERE i.plan_id = ? AND (i.owner_unit_id = ?
		OR (i.owner_unit_id IS NULL AND i.task_id IN (SELECT task_id FROM plan_task_units WHERE unit_id = ? AND role IN (?, ?))))
		ORDER BY i.seq`, planID, unit, unit, RoleLead, RoleResp)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*Indicator, len(list))
	for _, ind := range list {
		out[ind.ID] = ind
	}
	return out, nil
}

// storeValue records an actual value of ind and makes it the indicator's
// latest when it is as new as the latest.
func (s *Service) storeValue(ctx context.Context, tx *store.Tx, ind *Indicator, v ValueInput, report *int64, unit int64, a *auth.Actor, field string) error {
	s.ranks.drop() // an indicator counts in the ranking
	if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) || math.Abs(v.Value) > 1e15 {
		return errs.FieldErrorf(field+".value", "指标“%s”的实际值无效", ind.Name)
	}
	asOf := s.today()
	if v.AsOf != nil {
		asOf = *v.AsOf
	}
	if asOf > s.today() {
		return errs.FieldErrorf(field+".as_of", "指标“%s”的统计日期不能晚于今天", ind.Name)
	}
	v.Evidence = strings.TrimSpace(v.Evidence)
	if utf8.RuneCountInString(v.Evidence) > maxReportText {
		return errs.FieldErrorf(field+".evidence", "指标“%s”的佐证说明不能超过 %d 个字", ind.Name, maxReportText)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO plan_indicator_values (indicator_id, value, as_of, evidence, report_id, unit_id, recorded_by, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ind.ID, v.Value, asOf.String(), v.Evidence, optInt(report), unit, a.PersonRef(), store.Millis(s.now())); err != nil {
		return errs.Wrap(err, "store value")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE plan_indicators SET actual = ?, actual_on = ? WHERE id = ? AND (actual_on IS NULL OR actual_on <= ?)`,
		v.Value, asOf.String(), ind.ID, asOf.String()); err != nil {
		return errs.Wrap(err, "update indicator")
	}
	return s.audit.Record(ctx, tx, "plan_indicator", strconv.FormatInt(ind.ID, 10), "value", map[string]any{"actual": ind.Actual, "actual_on": ind.ActualOn},
		map[string]any{"value": v.Value, "as_of": asOf, "evidence": v.Evidence, "report_id": report})
}

func storeAttachment(ctx context.Context, tx *store.Tx, reportID int64, f AttachmentInput, by any, ms int64) error {
	name := strings.TrimSpace(path.Base(strings.ReplaceAll(f.Name, `\`, "/")))
	if name == "" || name == "." || name == "/" {
		name = "附件"
	}
	name = clip(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return '_'
		}
		return r
	}, name), maxAttachmentName)
	sum := sha256.Sum256(f.Data)
	_, err := tx.ExecContext(ctx, `INSERT INTO plan_attachments (report_id, task_id, name, size, sha256, data, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, reportID, optInt(f.TaskID), name, len(f.Data), hex.EncodeToString(sum[:]), f.Data, by, ms)
	return errs.Wrap(err, "store attachment")
}

// RecordValue records an actual value of indicator id outside a report:
// the office for any indicator of a published plan, a unit's staff for the
// indicators their unit reports on. Errors: Unauthenticated, Forbidden,
// NotFound, Invalid, Conflict (the plan is not published); Internal.
func (s *Service) RecordValue(ctx context.Context, a *auth.Actor, id int64, v ValueInput) error {
	if err := auth.AuthorizeSome(a, auth.ReportPlans); err != nil {
		return err
	}
	var planID int64
	if err := s.db.QueryRowContext(ctx, `SELECT plan_id FROM plan_indicators WHERE id = ?`, id).Scan(&planID); err != nil {
		return store.NotFound(err, "指标 %d 不存在", id)
	}
	p, err := s.FindPlanByID(ctx, a, planID)
	if err != nil {
		return err
	}
	if p.Status != StatusPublished {
		return errs.Errorf(errs.Conflict, "方案%s，不能报送实际值", p.Status)
	}
	var unit int64
	var ind *Indicator
	if a.Role == auth.RoleUnitStaff {
		if a.UnitID == nil {
			return errs.Errorf(errs.Forbidden, "账号未关联单位")
		}
		unit = *a.UnitID
		mine, err := unitIndicators(ctx, s.db, planID, unit)
		if err != nil {
			return err
		}
		if ind = mine[id]; ind == nil {
			return errs.Errorf(errs.Forbidden, "只能报送本单位负责的指标")
		}
	} else {
		list, err := queryIndicators(ctx, s.db, `SELECT `+indicatorColumns+indicatorFrom+` WHERE i.id = ?`, id)
		if err != nil || len(list) == 0 {
			return store.NotFound(err, "指标 %d 不存在", id)
		}
		ind = list[0]
		if ind.OwnerID != nil {
			unit = *ind.OwnerID
		}
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		var u int64 = unit
		if err := s.storeValue(ctx, tx, ind, v, nil, u, a, "value"); err != nil {
			return err
		}
		if ind.TaskID == nil {
			return nil // a goal's indicator lights no task
		}
		return s.refreshTasks(ctx, tx, p, []int64{*ind.TaskID})
	})
}

// FindValues returns the actual values of indicator id, newest first. Who
// may call it: as FindPlanByID for its plan. Errors: Unauthenticated,
// Forbidden, NotFound; Internal.
func (s *Service) FindValues(ctx context.Context, a *auth.Actor, id int64) ([]Value, error) {
	if err := auth.AuthorizeSome(a, auth.ViewPlans); err != nil {
		return nil, err
	}
	var planID int64
	if err := s.db.QueryRowContext(ctx, `SELECT plan_id FROM plan_indicators WHERE id = ?`, id).Scan(&planID); err != nil {
		return nil, store.NotFound(err, "指标 %d 不存在", id)
	}
	if _, err := s.FindPlanByID(ctx, a, planID); err != nil {
		return nil, err
	}
	return findValues(ctx, s.db, `v.indicator_id = ?`, id)
}

func findValues(ctx context.Context, q store.Querier, cond string, args ...any) ([]Value, error) {
	rows, err := q.QueryContext(ctx, `SELECT v.id, v.value, v.as_of, v.evidence, v.report_id, v.unit_id, COALESCE(u.name, ''), v.recorded_at
		FROM plan_indicator_values v LEFT JOIN units u ON u.id = v.unit_id WHERE `+cond+` ORDER BY v.as_of DESC, v.id DESC LIMIT 200`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "find values")
	}
	defer rows.Close()
	out := []Value{}
	for rows.Next() {
		var v Value
		var at int64
		if err := rows.Scan(&v.ID, &v.Value, &v.AsOf, &v.Evidence, &v.ReportID, &v.UnitID, &v.UnitName, &at); err != nil {
			return nil, errs.Wrap(err, "find values")
		}
		v.RecordedAt = store.FromMillis(at)
		out = append(out, v)
	}
	return out, errs.Wrap(rows.Err(), "find values")
}

// ReportFilter selects reports; zero fields do not filter.
type ReportFilter struct {
	PlanID int64
	UnitID int64
	Period Period
	Status string // 待报送 or 已报送
	// Mine selects the reports of the actor's unit (a unit's workbench);
	// implied for a unit's staff without a plan.
	Mine   bool
	Limit  int
	Offset int
}

// FindReports returns the reports a may read matching f (without their
// items), newest period first, and how many match. Errors:
// Unauthenticated, Forbidden, NotFound (the plan), Invalid; Internal.
func (s *Service) FindReports(ctx context.Context, a *auth.Actor, f ReportFilter) ([]*Report, int, error) {
	if err := auth.AuthorizeSome(a, auth.ViewPlans); err != nil {
		return nil, 0, err
	}
	where := []string{"p.status <> ?"}
	args := []any{StatusDraft}
	if f.PlanID != 0 {
		if _, err := s.FindPlanByID(ctx, a, f.PlanID); err != nil {
			return nil, 0, err
		}
		where, args = append(where, "r.plan_id = ?"), append(args, f.PlanID)
	}
	units := []int64{}
	if f.UnitID != 0 {
		units = append(units, f.UnitID)
	}
	if f.Mine || f.PlanID == 0 {
		scope, err := s.unitScope(ctx, a)
		if err != nil {
			return nil, 0, err
		}
		if f.Mine && scope == nil && a.UnitID != nil {
			scope = []int64{*a.UnitID}
		}
		if scope != nil {
			if len(units) > 0 {
				units = intersect(units, scope)
			} else {
				units = scope
			}
			if len(units) == 0 {
				return []*Report{}, 0, nil
			}
		}
	}
	if len(units) > 0 {
		for _, u := range units {
			args = append(args, u)
		}
		where = append(where, "r.unit_id IN ("+marks(len(units))+")")
	}
	if f.Period != "" {
		if _, err := ParsePeriod(string(f.Period)); err != nil {
			return nil, 0, err
		}
		where, args = append(where, "r.period = ?"), append(args, f.Period)
	}
	if f.Status != "" {
		if f.Status != ReportPending && f.Status != ReportFiled {
			return nil, 0, errs.FieldErrorf("status", "报送状态“%s”无效（应为 待报送 或 已报送）", f.Status)
		}
		where, args = append(where, "r.status = ?"), append(args, f.Status)
	}
	cond := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*)`+reportFrom+cond, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count reports")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	rows, err := s.db.QueryContext(ctx, `SELECT `+reportColumns+reportFrom+cond+` ORDER BY r.period DESC, r.due_date, u.name, r.id LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find reports")
	}
	defer rows.Close()
	today := s.today()
	list := []*Report{}
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "scan report")
		}
		r.Overdue = r.Status == ReportPending && today > s.cal.OnOrAfter(r.DueDate)
		list = append(list, r)
	}
	return list, total, errs.Wrap(rows.Err(), "find reports")
}

// FindReportByID returns report id with its items, values and attachments.
// Who may call it: as FindPlanByID for its plan. Errors: Unauthenticated,
// Forbidden, NotFound; Internal.
func (s *Service) FindReportByID(ctx context.Context, a *auth.Actor, id int64) (*Report, error) {
	if err := auth.AuthorizeSome(a, auth.ViewPlans); err != nil {
		return nil, err
	}
	r, err := scanReport(s.db.QueryRowContext(ctx, `SELECT `+reportColumns+reportFrom+` WHERE r.id = ?`, id))
	if err != nil {
		return nil, store.NotFound(err, "进展报告 %d 不存在", id)
	}
	if _, err := s.FindPlanByID(ctx, a, r.PlanID); err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return nil, errs.Errorf(errs.NotFound, "进展报告 %d 不存在", id)
		}
		return nil, err
	}
	r.Overdue = r.Status == ReportPending && s.today() > s.cal.OnOrAfter(r.DueDate)
	rows, err := s.db.QueryContext(ctx, `SELECT i.task_id, t.numbering, t.title, i.progress, i.milestone_id, COALESCE(m.title, ''), i.text, i.problems,
		i.next_steps, i.done_claim FROM plan_report_items i JOIN plan_tasks t ON t.id = i.task_id
		LEFT JOIN plan_milestones m ON m.id = i.milestone_id WHERE i.report_id = ? ORDER BY t.path_key`, id)
	if err != nil {
		return nil, errs.Wrap(err, "find report items")
	}
	r.Items = []ReportItem{}
	for rows.Next() {
		var it ReportItem
		var progress sql.NullInt64
		if err := rows.Scan(&it.TaskID, &it.Numbering, &it.Title, &progress, &it.MilestoneID, &it.MilestoneTitle, &it.Text, &it.Problems,
			&it.NextSteps, &it.Done); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "find report items")
		}
		if progress.Valid {
			n := int(progress.Int64)
			it.Progress = &n
		}
		r.Items = append(r.Items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "find report items")
	}
	if r.Values, err = findValues(ctx, s.db, `v.report_id = ?`, id); err != nil {
		return nil, err
	}
	arows, err := s.db.QueryContext(ctx, `SELECT id, task_id, name, size, sha256 FROM plan_attachments WHERE report_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, errs.Wrap(err, "find attachments")
	}
	defer arows.Close()
	r.Attachments = []Attachment{}
	for arows.Next() {
		var at Attachment
		if err := arows.Scan(&at.ID, &at.TaskID, &at.Name, &at.Size, &at.SHA256); err != nil {
			return nil, errs.Wrap(err, "find attachments")
		}
		r.Attachments = append(r.Attachments, at)
	}
	return r, errs.Wrap(arows.Err(), "find attachments")
}

// FindAttachment returns attachment id's name and content. Who may call it:
// as FindReportByID. Errors: Unauthenticated, Forbidden, NotFound;
// Internal.
func (s *Service) FindAttachment(ctx context.Context, a *auth.Actor, id int64) (string, []byte, error) {
	if err := auth.AuthorizeSome(a, auth.ViewPlans); err != nil {
		return "", nil, err
	}
	var reportID int64
	var name string
	var data []byte
	if err := s.db.QueryRowContext(ctx, `SELECT report_id, name, data FROM plan_attachments WHERE id = ?`, id).Scan(&reportID, &name, &data); err != nil {
		return "", nil, store.NotFound(err, "附件 %d 不存在", id)
	}
	if _, err := s.FindReportByID(ctx, a, reportID); err != nil {
		return "", nil, err
	}
	return name, data, nil
}

// ReportForm is what a unit's report form shows: the expected report, the
// unit's tasks in the plan (with their unreached milestones and the last
// entry filed for each), and the indicators it reports on.
type ReportForm struct {
	Plan       *Plan                `json:"plan"`
	UnitID     int64                `json:"unit_id"`
	UnitName   string               `json:"unit_name"`
	Report     *Report              `json:"report"`
	Periods    []*Report            `json:"periods"` // every expected report of the unit in the plan, newest first
	Tasks      []*Task              `json:"tasks"`
	Last       map[int64]ReportItem `json:"last"` // the latest entry filed for each task, before this report
	Indicators []*Indicator         `json:"indicators"`
}

// FindReportForm returns the report form of the actor's unit (the office:
// unitID) for period of plan planID (empty: the earliest not filed, else
// the latest). Who may call it: as FileReport. Errors: as FileReport.
func (s *Service) FindReportForm(ctx context.Context, a *auth.Actor, planID int64, unitID *int64, period Period) (*ReportForm, error) {
	if err := auth.AuthorizeSome(a, auth.ReportPlans); err != nil {
		return nil, err
	}
	p, err := s.FindPlanByID(ctx, a, planID)
	if err != nil {
		return nil, err
	}
	unit, err := actingUnit(a, unitID)
	if err != nil {
		return nil, err
	}
	res := p.Resource()
	res.UnitIDs = []int64{unit}
	if !a.Can(auth.ReportPlans, res) || !slices.Contains(p.units, unit) {
		return nil, errs.Errorf(errs.Forbidden, "本单位在本方案没有承担任务")
	}
	if p.Status == StatusPublished {
		if err := s.ensureSlots(ctx, s.db, p, s.today()); err != nil {
			return nil, err
		}
	}
	f := &ReportForm{Plan: p, UnitID: unit, Last: map[int64]ReportItem{}}
	u, err := s.units.FindUnitByID(ctx, unit)
	if err != nil {
		return nil, err
	}
	f.UnitName = u.Name
	if f.Periods, _, err = s.FindReports(ctx, a, ReportFilter{PlanID: planID, UnitID: unit, Limit: paging.MaxLimit}); err != nil {
		return nil, err
	}
	var chosen *Report
	for _, r := range f.Periods {
		if period != "" && r.Period == period {
			chosen = r
		}
	}
	if period == "" {
		for i := len(f.Periods) - 1; i >= 0 && chosen == nil; i-- {
			if f.Periods[i].Status == ReportPending {
				chosen = f.Periods[i]
			}
		}
		if chosen == nil && len(f.Periods) > 0 {
			chosen = f.Periods[0]
		}
	}
	if chosen == nil && period != "" {
		return nil, errs.Errorf(errs.NotFound, "本单位在本方案不需要报送%s的进展", period)
	}
	if chosen != nil {
		if f.Report, err = s.FindReportByID(ctx, a, chosen.ID); err != nil {
			return nil, err
		}
	}
	held, err := heldTasks(ctx, s.db, planID, unit)
	if err != nil {
		return nil, err
	}
	for _, t := range held {
		if len(t.Units) > 0 {
			f.Tasks = append(f.Tasks, t)
		}
	}
	slices.SortFunc(f.Tasks, func(x, y *Task) int { return strings.Compare(pathKey(x.Path), pathKey(y.Path)) })
	if err := s.completeTasks(ctx, f.Tasks, p); err != nil {
		return nil, err
	}
	mine, err := unitIndicators(ctx, s.db, planID, unit)
	if err != nil {
		return nil, err
	}
	all, err := s.planIndicators(ctx, s.db, p)
	if err != nil {
		return nil, err
	}
	for _, ind := range all {
		if mine[ind.ID] != nil {
			f.Indicators = append(f.Indicators, ind)
		}
	}
	// The latest entry filed for each task before the chosen period.
	before := Period("9999-12")
	if f.Report != nil {
		before = f.Report.Period
	}
	// (Only each task's latest entry is read, not three years of them.)
	rows, err := s.db.QueryContext(ctx, `SELECT i.task_id, i.progress, i.text, i.problems, i.next_steps, r.period FROM plan_report_items i
		JOIN plan_reports r ON r.id = i.report_id
		JOIN (SELECT li.task_id AS task_id, MAX(lr.period) AS period FROM plan_report_items li JOIN plan_reports lr ON lr.id = li.report_id
			WHERE lr.plan_id = ? AND lr.unit_id = ? AND lr.period < ? GROUP BY li.task_id) latest ON latest.task_id = i.task_id AND latest.period = r.period
		WHERE r.plan_id = ? AND r.unit_id = ?`, planID, unit, before, planID, unit)
	if err != nil {
		return nil, errs.Wrap(err, "find last entries")
	}
	defer rows.Close()
	for rows.Next() {
		var it ReportItem
		var progress sql.NullInt64
		var per string
		if err := rows.Scan(&it.TaskID, &progress, &it.Text, &it.Problems, &it.NextSteps, &per); err != nil {
			return nil, errs.Wrap(err, "find last entries")
		}
		if progress.Valid {
			n := int(progress.Int64)
			it.Progress = &n
		}
		f.Last[it.TaskID] = it
	}
	return f, errs.Wrap(rows.Err(), "find last entries")
}

// ConfirmDone decides on a task its unit reported done (待销号): approve
// closes it (销号, 已完成) with the office's note; otherwise it returns to
// 办理中 with the note saying what is missing. Its units are told. Only the
// office may call it. Errors: Unauthenticated, Forbidden, NotFound;
// Conflict when the task is not 待销号; Invalid (a note over 1,000
// characters); Internal.
func (s *Service) ConfirmDone(ctx context.Context, a *auth.Actor, id int64, approve bool, note string) (*Task, error) {
	t, p, err := s.FindTaskByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !a.Can(auth.SupervisePlans, t.Resource()) {
		return nil, errs.Errorf(errs.Forbidden, "只有营商办可以确认销号")
	}
	if t.Status != TaskClaimed {
		return nil, errs.Errorf(errs.Conflict, "任务不是待销号状态（当前：%s）", t.Status)
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 1000 {
		return nil, errs.FieldErrorf("note", "说明不能超过 1000 个字")
	}
	if !approve && note == "" {
		return nil, errs.FieldErrorf("note", "退回时请说明原因")
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		ms := store.Millis(s.now())
		action, status := "confirm", TaskDone
		if approve {
			_, err = tx.ExecContext(ctx, `UPDATE plan_tasks SET status = ?, done_at = ?, done_by = ?, done_note = ?, progress = 100, updated_at = ?
				WHERE id = ?`, TaskDone, ms, a.PersonRef(), note, ms, id)
		} else {
			action, status = "reopen", TaskOpen
			_, err = tx.ExecContext(ctx, `UPDATE plan_tasks SET status = ?, done_claimed_at = NULL, done_note = ?, updated_at = ? WHERE id = ?`,
				TaskOpen, note, ms, id)
		}
		if err != nil {
			return errs.Wrap(err, "confirm task")
		}
		if err := s.refreshTasks(ctx, tx, p, []int64{id}); err != nil {
			return err
		}
		if err := s.tellTask(ctx, tx, t, status, note); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, "plan_task", strconv.FormatInt(id, 10), action, map[string]any{"status": t.Status},
			map[string]any{"status": status, "note": note})
	})
	if err != nil {
		return nil, err
	}
	t, _, err = s.FindTaskByID(ctx, a, id)
	return t, err
}

// tellTask tells the staff of t's units the office's decision on it.
func (s *Service) tellTask(ctx context.Context, tx *store.Tx, t *Task, status TaskStatus, note string) error {
	if s.notify == nil {
		return nil
	}
	staff, err := unitStaff(ctx, tx, t.UnitIDs())
	if err != nil {
		return err
	}
	title := fmt.Sprintf("任务 %s 已确认销号", t.Numbering)
	body := fmt.Sprintf("《%s》任务 %s %s 经营商办确认已完成。", t.Plan.Title, t.Numbering, t.Title)
	if status == TaskOpen {
		title = fmt.Sprintf("任务 %s 的销号申请被退回", t.Numbering)
		body = fmt.Sprintf("《%s》任务 %s %s 的销号申请被退回：%s", t.Plan.Title, t.Numbering, t.Title, note)
	}
	at := store.Millis(s.now())
	var ns []notify.Notification
	for _, users := range staff {
		for _, uid := range users {
			user := uid
			ns = append(ns, notify.Notification{UserID: &user, Kind: NoticeDone, Title: title, Body: body,
				Link: fmt.Sprintf("/plans/tasks/%d", t.ID), DedupeKey: fmt.Sprintf("%s:%d:%d:%d", NoticeDone, t.ID, uid, at)})
		}
	}
	if len(ns) == 0 {
		return nil
	}
	_, _, err = s.notify.NotifyMany(ctx, tx, ns)
	return err
}

// HistoryEntry is one event in a task's history.
type HistoryEntry struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"` // report, notice, reply, event
	Who  string    `json:"who"`  // a unit's name or a person
	Text string    `json:"text"`
	// Period, Progress and Problems are a report entry's.
	Period   string `json:"period,omitempty"`
	Progress *int   `json:"progress,omitempty"`
	Problems string `json:"problems,omitempty"`
	Link     string `json:"link,omitempty"`
}

// TaskHistory returns what happened to task id, newest first: the report
// entries filed on it, the 督办 notices and their replies, and the audited
// events (signed, split, milestones, 销号). Who may call it: as
// FindTaskByID. Errors: as FindTaskByID.
func (s *Service) TaskHistory(ctx context.Context, a *auth.Actor, id int64, labels func(entity, action string) string) ([]HistoryEntry, error) {
	t, p, err := s.FindTaskByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	var out []HistoryEntry
	rows, err := s.db.QueryContext(ctx, `SELECT COALESCE(r.updated_at, r.submitted_at, 0), u.name, r.period, i.progress, i.text, i.problems, i.next_steps,
		i.done_claim, r.id FROM plan_report_items i JOIN plan_reports r ON r.id = i.report_id JOIN units u ON u.id = r.unit_id
		WHERE i.task_id = ? ORDER BY r.period DESC, u.name LIMIT 200`, id)
	if err != nil {
		return nil, errs.Wrap(err, "find task reports")
	}
	for rows.Next() {
		var e HistoryEntry
		var at, rid int64
		var progress sql.NullInt64
		var next string
		var done bool
		if err := rows.Scan(&at, &e.Who, &e.Period, &progress, &e.Text, &e.Problems, &next, &done, &rid); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "find task reports")
		}
		e.At, e.Kind, e.Link = store.FromMillis(at), "report", fmt.Sprintf("/plans/reports/%d", rid)
		e.Period = Period(e.Period).Label(p.Settings.Cadence)
		if progress.Valid {
			n := int(progress.Int64)
			e.Progress = &n
		}
		if next != "" {
			e.Text += "（下一步：" + next + "）"
		}
		if done {
			e.Text += "（申请销号）"
		}
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "find task reports")
	}
	notices, err := s.findNotices(ctx, s.db, `n.task_id = ?`, id)
	if err != nil {
		return nil, err
	}
	for _, n := range notices {
		out = append(out, HistoryEntry{At: n.IssuedAt, Kind: "notice", Who: "营商办", Text: fmt.Sprintf("督办%s：%s（须于%s前回复）", n.UnitName, n.Text, n.ReplyDue.Chinese())})
		if n.RepliedAt != nil {
			out = append(out, HistoryEntry{At: *n.RepliedAt, Kind: "reply", Who: n.UnitName, Text: "回复督办：" + n.Reply})
		}
	}
	if s.audit != nil {
		entries, _, err := s.audit.Find(ctx, audit.Filter{Entity: "plan_task", EntityID: strconv.FormatInt(id, 10), Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			text := e.Action
			if labels != nil {
				text = labels("plan_task", e.Action)
			}
			out = append(out, HistoryEntry{At: e.At, Kind: "event", Who: e.Actor, Text: text})
		}
	}
	_ = t
	slices.SortStableFunc(out, func(x, y HistoryEntry) int { return y.At.Compare(x.At) })
	return out, nil
}
