package plan

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// 督办 notice states: awaiting the unit's reply, replied, closed by the
// office.
const (
	NoticeOpen    = "待回复"
	NoticeAnswer  = "已回复"
	NoticeClosed  = "已办结"
	defaultReplyN = 5 // working days to reply when the office names no date
)

// Notice is a 督办 notice: a formal notice from the office to a unit on a
// task, with a reply deadline, tracked to its answer.
type Notice struct {
	ID        int64        `json:"id"`
	PlanID    int64        `json:"plan_id"`
	TaskID    int64        `json:"task_id"`
	Numbering string       `json:"numbering"`
	TaskTitle string       `json:"task_title"`
	UnitID    int64        `json:"unit_id"`
	UnitName  string       `json:"unit_name"`
	Text      string       `json:"text"`
	ReplyDue  workday.Date `json:"reply_due"`
	Status    string       `json:"status"`
	IssuedAt  time.Time    `json:"issued_at"`
	Reply     string       `json:"reply"`
	RepliedAt *time.Time   `json:"replied_at,omitempty"`
	OnTime    *bool        `json:"on_time"`
	// Overdue: not replied and past its reply date.
	Overdue bool `json:"overdue"`
}

// NoticeInput is a 督办 notice as issued: to one unit of the task, or to
// each of its lead and responsible units when UnitID is nil; ReplyDue
// defaults to five working days from today.
type NoticeInput struct {
	UnitID   *int64        `json:"unit_id"`
	Text     string        `json:"text"`
	ReplyDue *workday.Date `json:"reply_due"`
}

// IssueNotice issues a 督办 notice on task id and tells the staff of each
// unit it goes to at once. Only the office may call it, on an open task of
// a published plan. Errors: Unauthenticated, Forbidden, NotFound, Invalid
// (no text, a reply date before today, a unit not holding the task);
// Internal.
func (s *Service) IssueNotice(ctx context.Context, a *auth.Actor, id int64, in NoticeInput) ([]Notice, error) {
	t, p, err := s.FindTaskByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !TaskPermittedOn(a, p, t).Notice {
		return nil, errs.Errorf(errs.Forbidden, "只有营商办可以对已发布方案的未完成任务发出督办")
	}
	in.Text = strings.TrimSpace(in.Text)
	if in.Text == "" || utf8.RuneCountInString(in.Text) > maxReportText {
		return nil, errs.FieldErrorf("text", "督办内容不能为空，且不超过 %d 个字", maxReportText)
	}
	today := s.today()
	due := s.cal.AddWorkdays(today, defaultReplyN)
	if in.ReplyDue != nil {
		if *in.ReplyDue < today {
			return nil, errs.FieldErrorf("reply_due", "回复期限不能早于今天")
		}
		due = *in.ReplyDue
	}
	var units []int64
	if in.UnitID != nil {
		if !slices.Contains(t.UnitIDs(), *in.UnitID) {
			return nil, errs.FieldErrorf("unit_id", "单位 %d 不承担该任务", *in.UnitID)
		}
		units = []int64{*in.UnitID}
	} else {
		for _, u := range t.Units {
			if u.UnitID != nil && u.Role.Reports() && !slices.Contains(units, *u.UnitID) {
				units = append(units, *u.UnitID)
			}
		}
		if len(units) == 0 {
			units = t.UnitIDs()
		}
	}
	var ids []int64
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		ms := store.Millis(s.now())
		staff, err := unitStaff(ctx, tx, units)
		if err != nil {
			return err
		}
		var ns []notify.Notification
		for _, u := range units {
			var nid int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO plan_notices (plan_id, task_id, unit_id, text, reply_due, status, issued_by, issued_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, p.ID, id, u, in.Text, due.String(), NoticeOpen, a.PersonRef(), ms).Scan(&nid); err != nil {
				return errs.Wrap(err, "insert notice")
			}
			ids = append(ids, nid)
			for _, uid := range staff[u] {
				user := uid
				ns = append(ns, notify.Notification{UserID: &user, Kind: NoticeIssued,
					Title:     fmt.Sprintf("督办：任务 %s 请于%s前回复", t.Numbering, due.Chinese()),
					Body:      fmt.Sprintf("《%s》任务 %s %s：%s", p.Title, t.Numbering, t.Title, in.Text),
					Link:      fmt.Sprintf("/plans/tasks/%d#notices", id),
					DedupeKey: fmt.Sprintf("%s:%d:%d", NoticeIssued, nid, uid)})
			}
			if err := s.audit.Record(ctx, tx, "plan_notice", strconv.FormatInt(nid, 10), "issue", nil,
				map[string]any{"task_id": id, "unit_id": u, "text": in.Text, "reply_due": due}); err != nil {
				return err
			}
		}
		if s.notify != nil && len(ns) > 0 {
			if _, _, err := s.notify.NotifyMany(ctx, tx, ns); err != nil {
				return err
			}
		}
		return s.refreshTasks(ctx, tx, p, []int64{id})
	})
	if err != nil {
		return nil, err
	}
	out := make([]Notice, 0, len(ids))
	for _, nid := range ids {
		n, err := s.FindNoticeByID(ctx, a, nid)
		if err != nil {
			return nil, err
		}
		out = append(out, *n)
	}
	return out, nil
}

// ReplyNotice answers 督办 notice id; whether it was on time is decided
// by its reply date (moved off a rest day). The staff of the notice's unit
// may call it (and the office, entering a reply received otherwise); the
// office is told. Errors: Unauthenticated, Forbidden, NotFound, Invalid
// (no text); Conflict when the notice is not awaiting a reply; Internal.
func (s *Service) ReplyNotice(ctx context.Context, a *auth.Actor, id int64, reply string) (*Notice, error) {
	n, err := s.FindNoticeByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !a.Can(auth.ReportPlans, auth.Resource{UnitIDs: []int64{n.UnitID}}) {
		return nil, errs.Errorf(errs.Forbidden, "只能回复发给本单位的督办")
	}
	if n.Status != NoticeOpen {
		return nil, errs.Errorf(errs.Conflict, "督办已%s", strings.TrimPrefix(n.Status, "已"))
	}
	reply = strings.TrimSpace(reply)
	if reply == "" || utf8.RuneCountInString(reply) > maxReportText {
		return nil, errs.FieldErrorf("reply", "回复内容不能为空，且不超过 %d 个字", maxReportText)
	}
	onTime := s.today() <= s.cal.OnOrAfter(n.ReplyDue)
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE plan_notices SET status = ?, reply = ?, replied_at = ?, replied_by = ?, on_time = ? WHERE id = ? AND status = ?`,
			NoticeAnswer, reply, store.Millis(s.now()), a.PersonRef(), onTime, id, NoticeOpen)
		if err != nil {
			return errs.Wrap(err, "reply notice")
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return errs.Errorf(errs.Conflict, "督办已被回复")
		}
		p, err := findPlan(ctx, tx, n.PlanID)
		if err != nil {
			return err
		}
		if err := s.refreshTasks(ctx, tx, p, []int64{n.TaskID}); err != nil {
			return err
		}
		if s.notify != nil && p.CreatedBy != nil {
			user := *p.CreatedBy
			if _, _, err := s.notify.Notify(ctx, tx, notify.Notification{UserID: &user, Kind: NoticeReplied,
				Title: fmt.Sprintf("%s已回复任务 %s 的督办", n.UnitName, n.Numbering), Body: reply,
				Link: fmt.Sprintf("/plans/tasks/%d#notices", n.TaskID), DedupeKey: fmt.Sprintf("%s:%d", NoticeReplied, id)}); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, "plan_notice", strconv.FormatInt(id, 10), "reply", map[string]any{"status": n.Status},
			map[string]any{"status": NoticeAnswer, "reply": reply, "on_time": onTime})
	})
	if err != nil {
		return nil, err
	}
	return s.FindNoticeByID(ctx, a, id)
}

// CloseNotice closes 督办 notice id (办结), replied or not. Only the office
// may call it. Errors: Unauthenticated, Forbidden, NotFound; Conflict when
// it is closed already; Internal.
func (s *Service) CloseNotice(ctx context.Context, a *auth.Actor, id int64) (*Notice, error) {
	n, err := s.FindNoticeByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !a.Can(auth.SupervisePlans, auth.Resource{UnitIDs: []int64{n.UnitID}}) {
		return nil, errs.Errorf(errs.Forbidden, "只有营商办可以办结督办")
	}
	if n.Status == NoticeClosed {
		return nil, errs.Errorf(errs.Conflict, "督办已办结")
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE plan_notices SET status = ?, closed_at = ?, closed_by = ? WHERE id = ?`,
			NoticeClosed, store.Millis(s.now()), a.PersonRef(), id); err != nil {
			return errs.Wrap(err, "close notice")
		}
		p, err := findPlan(ctx, tx, n.PlanID)
		if err != nil {
			return err
		}
		if err := s.refreshTasks(ctx, tx, p, []int64{n.TaskID}); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, "plan_notice", strconv.FormatInt(id, 10), "close", map[string]any{"status": n.Status},
			map[string]any{"status": NoticeClosed})
	})
	if err != nil {
		return nil, err
	}
	return s.FindNoticeByID(ctx, a, id)
}

const noticeColumns = `n.id, n.plan_id, n.task_id, t.numbering, t.title, n.unit_id, u.name, n.text, n.reply_due, n.status, n.issued_at, n.reply,
	n.replied_at, n.on_time`

func (s *Service) findNotices(ctx context.Context, q store.Querier, cond string, args ...any) ([]Notice, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+noticeColumns+` FROM plan_notices n JOIN plan_tasks t ON t.id = n.task_id JOIN units u ON u.id = n.unit_id
		WHERE `+cond+` ORDER BY n.issued_at DESC, n.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "find notices")
	}
	defer rows.Close()
	today := s.today()
	out := []Notice{}
	for rows.Next() {
		var n Notice
		var issued int64
		var replied sql.NullInt64
		var onTime sql.NullBool
		if err := rows.Scan(&n.ID, &n.PlanID, &n.TaskID, &n.Numbering, &n.TaskTitle, &n.UnitID, &n.UnitName, &n.Text, &n.ReplyDue, &n.Status,
			&issued, &n.Reply, &replied, &onTime); err != nil {
			return nil, errs.Wrap(err, "find notices")
		}
		n.IssuedAt, n.RepliedAt = store.FromMillis(issued), optTime(replied)
		if onTime.Valid {
			b := onTime.Bool
			n.OnTime = &b
		}
		n.Overdue = n.Status == NoticeOpen && today > s.cal.OnOrAfter(n.ReplyDue)
		out = append(out, n)
	}
	return out, errs.Wrap(rows.Err(), "find notices")
}

// FindNoticeByID returns 督办 notice id. Who may call it: as FindTaskByID
// for its task. Errors: Unauthenticated, Forbidden, NotFound; Internal.
func (s *Service) FindNoticeByID(ctx context.Context, a *auth.Actor, id int64) (*Notice, error) {
	if err := auth.AuthorizeSome(a, auth.ViewPlans); err != nil {
		return nil, err
	}
	list, err := s.findNotices(ctx, s.db, `n.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errs.Errorf(errs.NotFound, "督办 %d 不存在", id)
	}
	if _, err := s.FindPlanByID(ctx, a, list[0].PlanID); err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return nil, errs.Errorf(errs.NotFound, "督办 %d 不存在", id)
		}
		return nil, err
	}
	return &list[0], nil
}

// NoticeFilter selects 督办 notices; zero fields do not filter.
type NoticeFilter struct {
	PlanID int64
	TaskID int64
	// Mine selects the notices to the actor's unit (a unit's workbench);
	// implied for a unit's staff without a plan or task.
	Mine bool
	Open bool // only those awaiting a reply
}

// FindNotices returns the 督办 notices a may read matching f, newest first
// (at most 500). Errors: Unauthenticated, Forbidden, NotFound; Internal.
func (s *Service) FindNotices(ctx context.Context, a *auth.Actor, f NoticeFilter) ([]Notice, error) {
	if err := auth.AuthorizeSome(a, auth.ViewPlans); err != nil {
		return nil, err
	}
	where := []string{"p.status <> ?"}
	args := []any{StatusDraft}
	if f.TaskID != 0 {
		if _, _, err := s.FindTaskByID(ctx, a, f.TaskID); err != nil {
			return nil, err
		}
		where, args = append(where, "n.task_id = ?"), append(args, f.TaskID)
	} else if f.PlanID != 0 {
		if _, err := s.FindPlanByID(ctx, a, f.PlanID); err != nil {
			return nil, err
		}
		where, args = append(where, "n.plan_id = ?"), append(args, f.PlanID)
	}
	if f.Mine || (f.TaskID == 0 && f.PlanID == 0) {
		scope, err := s.unitScope(ctx, a)
		if err != nil {
			return nil, err
		}
		if f.Mine && scope == nil && a.UnitID != nil {
			scope = []int64{*a.UnitID}
		}
		if scope != nil {
			if len(scope) == 0 {
				return []Notice{}, nil
			}
			for _, u := range scope {
				args = append(args, u)
			}
			where = append(where, "n.unit_id IN ("+marks(len(scope))+")")
		}
	}
	if f.Open {
		where, args = append(where, "n.status = ?"), append(args, NoticeOpen)
	}
	return s.findNotices(ctx, s.db, `EXISTS (SELECT 1 FROM plans p WHERE p.id = n.plan_id AND `+strings.Join(where, " AND ")+`)`, args...)
}
