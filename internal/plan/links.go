package plan

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// The kinds of record a task may link to.
const (
	LinkAppeal  = "appeal"  // an enterprise appeal (企业诉求)
	LinkProblem = "problem" // an item of a 问题清单
)

// LinkKinds names the link kinds in Chinese.
var LinkKinds = map[string]string{LinkAppeal: "企业诉求", LinkProblem: "问题清单"}

// LinkSummary is what a task shows of a linked record.
type LinkSummary struct {
	Title  string `json:"title"`
	Status string `json:"status"`
	Link   string `json:"link"` // the record's page
}

// Link is a record of another module linked to a task.
type Link struct {
	ID        int64        `json:"id"`
	Kind      string       `json:"kind"`
	KindName  string       `json:"kind_name"`
	TargetID  int64        `json:"target_id"`
	Note      string       `json:"note"`
	CreatedAt time.Time    `json:"created_at"`
	Summary   *LinkSummary `json:"summary"` // nil when the record is gone or its module is not running
}

// LinkTask links record targetID of kind (appeal, problem) to task id, the
// task that should fix it. Only the office may call it; the record must
// exist (its module says so). Errors: Unauthenticated, Forbidden,
// NotFound, Invalid (a kind no module provides), Conflict (linked
// already); Internal.
func (s *Service) LinkTask(ctx context.Context, a *auth.Actor, id int64, kind string, targetID int64, note string) (*Link, error) {
	t, p, err := s.FindTaskByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !TaskPermittedOn(a, p, t).Link {
		return nil, errs.Errorf(errs.Forbidden, "只有营商办可以关联记录")
	}
	src, ok := s.links[kind]
	if !ok {
		return nil, errs.FieldErrorf("kind", "不能关联“%s”：平台尚未启用该类记录（可关联：%s）", kind, strings.Join(s.linkKindNames(), "、"))
	}
	sums, err := src.LinkSummaries(ctx, a, []int64{targetID})
	if err != nil {
		return nil, err
	}
	if _, ok := sums[targetID]; !ok {
		return nil, errs.Errorf(errs.NotFound, "%s %d 不存在", LinkKinds[kind], targetID)
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > maxShort {
		return nil, errs.FieldErrorf("note", "说明不能超过 %d 个字", maxShort)
	}
	var lid int64
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO plan_task_links (task_id, kind, target_id, note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (task_id, kind, target_id) DO NOTHING RETURNING id`, id, kind, targetID, note, a.PersonRef(), store.Millis(s.now())).Scan(&lid)
		if err == store.ErrNoRows {
			return errs.Errorf(errs.Conflict, "该%s已关联到本任务", LinkKinds[kind])
		}
		if err != nil {
			return errs.Wrap(err, "link task")
		}
		return s.audit.Record(ctx, tx, "plan_task", strconv.FormatInt(id, 10), "link", nil, map[string]any{"kind": kind, "target_id": targetID, "note": note})
	})
	if err != nil {
		return nil, err
	}
	links, err := s.FindLinks(ctx, a, id)
	if err != nil {
		return nil, err
	}
	for i := range links {
		if links[i].ID == lid {
			return &links[i], nil
		}
	}
	return nil, errs.Errorf(errs.NotFound, "关联不存在")
}

func (s *Service) linkKindNames() []string {
	var out []string
	for k := range s.links {
		out = append(out, LinkKinds[k])
	}
	slices.Sort(out)
	if len(out) == 0 {
		out = []string{"（暂无）"}
	}
	return out
}

// UnlinkTask removes link linkID from task id. Only the office may call
// it. Errors: Unauthenticated, Forbidden, NotFound; Internal.
func (s *Service) UnlinkTask(ctx context.Context, a *auth.Actor, id, linkID int64) error {
	t, p, err := s.FindTaskByID(ctx, a, id)
	if err != nil {
		return err
	}
	if !TaskPermittedOn(a, p, t).Link {
		return errs.Errorf(errs.Forbidden, "只有营商办可以取消关联")
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		var kind string
		var target int64
		if err := tx.QueryRowContext(ctx, `SELECT kind, target_id FROM plan_task_links WHERE id = ? AND task_id = ?`, linkID, id).Scan(&kind, &target); err != nil {
			return store.NotFound(err, "关联 %d 不存在", linkID)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM plan_task_links WHERE id = ?`, linkID); err != nil {
			return errs.Wrap(err, "unlink task")
		}
		return s.audit.Record(ctx, tx, "plan_task", strconv.FormatInt(id, 10), "unlink", map[string]any{"kind": kind, "target_id": target}, nil)
	})
}

// FindLinks returns the records linked to task id with their summaries as
// their modules give them. Who may call it: as FindTaskByID. Errors: as
// FindTaskByID.
func (s *Service) FindLinks(ctx context.Context, a *auth.Actor, id int64) ([]Link, error) {
	if _, _, err := s.FindTaskByID(ctx, a, id); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, target_id, note, created_at FROM plan_task_links WHERE task_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, errs.Wrap(err, "find links")
	}
	var out []Link
	ids := map[string][]int64{}
	for rows.Next() {
		var l Link
		var at int64
		if err := rows.Scan(&l.ID, &l.Kind, &l.TargetID, &l.Note, &at); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "find links")
		}
		l.CreatedAt, l.KindName = store.FromMillis(at), LinkKinds[l.Kind]
		out = append(out, l)
		ids[l.Kind] = append(ids[l.Kind], l.TargetID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "find links")
	}
	for kind, list := range ids {
		src, ok := s.links[kind]
		if !ok {
			continue
		}
		sums, err := src.LinkSummaries(ctx, a, list)
		if err != nil {
			return nil, err
		}
		for i := range out {
			if out[i].Kind == kind {
				if sm, ok := sums[out[i].TargetID]; ok {
					out[i].Summary = &sm
				}
			}
		}
	}
	if out == nil {
		out = []Link{}
	}
	return out, nil
}

// LinkedTask is a task a record is linked to.
type LinkedTask struct {
	TaskID    int64  `json:"task_id"`
	Numbering string `json:"numbering"`
	Title     string `json:"title"`
	PlanID    int64  `json:"plan_id"`
	PlanTitle string `json:"plan_title"`
	Light     Light  `json:"light"`
}

// TasksLinkedTo returns the tasks record targetID of kind is linked to, as
// far as a may read their plans — for the record's own page. Errors:
// Internal.
func (s *Service) TasksLinkedTo(ctx context.Context, a *auth.Actor, kind string, targetID int64) ([]LinkedTask, error) {
	if err := auth.Authenticated(a); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.numbering, t.title, p.id, p.title, t.light FROM plan_task_links l
		JOIN plan_tasks t ON t.id = l.task_id JOIN plans p ON p.id = t.plan_id WHERE l.kind = ? AND l.target_id = ? ORDER BY t.id`, kind, targetID)
	if err != nil {
		return nil, errs.Wrap(err, "find linked tasks")
	}
	var list []LinkedTask
	for rows.Next() {
		var lt LinkedTask
		if err := rows.Scan(&lt.TaskID, &lt.Numbering, &lt.Title, &lt.PlanID, &lt.PlanTitle, &lt.Light); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "find linked tasks")
		}
		list = append(list, lt)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "find linked tasks")
	}
	out := []LinkedTask{}
	for _, lt := range list {
		if _, err := s.FindPlanByID(ctx, a, lt.PlanID); err == nil {
			out = append(out, lt)
		}
	}
	return out, nil
}
