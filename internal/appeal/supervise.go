package appeal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Job kinds of this package.
const (
	JobSupervise         = "appeal.supervise"         // 催办/督办, every half hour, acting in office hours
	JobExpireEvaluations = "appeal.evaluation_window" // 未评价 once the window passed, hourly
	JobReplay            = "appeal.replay"            // derive open appeals again after a class or calendar change
	JobImport            = "appeal.import"            // a 12345 export uploaded in the office's UI
)

// The thresholds of supervision.
const (
	ThresholdSignOverdue = "sign_overdue" // not signed for by the sign-for deadline: 催办 to the unit
	ThresholdDueSoon     = "due_soon"     // 临期: 催办 to the unit
	ThresholdOverdue     = "overdue"      // 超期: 督办 to the unit's leaders and the office
)

// The levels of supervision.
const (
	LevelUrge      = "催办"
	LevelSupervise = "督办"
)

func thresholdLabel(t string) string {
	switch t {
	case ThresholdSignOverdue:
		return "签收超时"
	case ThresholdDueSoon:
		return "临期"
	case ThresholdOverdue:
		return "超期"
	}
	return t
}

// SuperviseResult says what one round of supervision did.
type SuperviseResult struct {
	OfficeHours bool `json:"office_hours"` // false: outside office hours, nothing was done
	Urged       int  `json:"urged"`        // thresholds 催办 (sign-for overdue, 临期)
	Supervised  int  `json:"supervised"`   // thresholds 督办 (超期)
	Digests     int  `json:"digests"`      // notifications sent, one per recipient
}

// digestItem is one line of a digest.
type digestItem struct {
	id        int64
	number    string
	title     string
	threshold string
	deadline  string
}

// Supervise runs one round of supervision for period (the start of the
// scheduled run; it names the run in the notifications' dedupe keys). Only
// in office hours on a working day (else it does nothing): for every open
// appeal whose clock runs and that reached a threshold it was not yet
// supervised for — not signed for by its sign-for deadline, 临期, 超期 —
// it appends a supervised event (each threshold once per deadline), and
// then sends ONE digest per recipient: 催办 to the staff of the unit (the
// office's administrators while no unit has it), 督办 to the unit's
// leaders and the office. Everything is written in one transaction, and
// every digest has a dedupe key per recipient and period, so a retried or
// repeated run, on any instance, sends nothing twice. The job JobSupervise
// calls it; the office may run it by hand. Errors: Internal.
func (s *Service) Supervise(ctx context.Context, period time.Time) (*SuperviseResult, error) {
	now := s.now()
	res := &SuperviseResult{OfficeHours: s.cal.IsWorkingTime(now, s.hours)}
	if !res.OfficeHours {
		return res, nil
	}
	la := lightArgs(now)
	rows, err := s.db.QueryContext(ctx, `SELECT a.id FROM appeals a WHERE a.status IN ('dispatching', 'signing', 'handling')
		AND `+lightSQL+` IN ('due_soon', 'overdue') ORDER BY a.id`, la...)
	if err != nil {
		return nil, errs.Wrap(err, "find appeals to supervise")
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "find appeals to supervise")
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "find appeals to supervise")
	}
	if len(ids) == 0 {
		return res, nil
	}
	key := strconv.FormatInt(store.Millis(period), 10)
	ctx = audit.WithActor(ctx, audit.Who{Name: audit.System})
	err = s.inTx(ctx, func(tx *store.Tx) error {
		urge := map[int64][]digestItem{}      // recipient → 催办 lines
		supervise := map[int64][]digestItem{} // recipient → 督办 lines
		res.Urged, res.Supervised = 0, 0
		for _, id := range ids {
			c, env, err := s.load(ctx, tx, strconv.FormatInt(id, 10), true)
			if err != nil {
				return err
			}
			st := &c.st
			today := workday.DateOf(now)
			var evs []Event
			var items []digestItem
			reach := func(threshold, deadline, level string) {
				if st.Supervised(threshold, deadline) {
					return
				}
				evs = append(evs, newEvent(nil, KindSupervised, now, st.UnitID, Payload{Level: level, Threshold: threshold, Deadline: deadline}))
				items = append(items, digestItem{id: id, number: c.row.Number, title: c.row.Title, threshold: threshold, deadline: deadline})
			}
			if st.Status == StatusSigning && st.SignDueAt != nil && st.SignDueAt.Before(now) {
				reach(ThresholdSignOverdue, st.SignDueAt.In(workday.Shanghai).Format("2006-01-02 15:04"), LevelUrge)
			}
			switch {
			case !st.Status.clockRuns() || st.Status == StatusPaused:
			case st.DueDate < today:
				reach(ThresholdOverdue, st.DueDate.String(), LevelSupervise)
			case st.WarnDate <= today:
				reach(ThresholdDueSoon, st.DueDate.String(), LevelUrge)
			}
			if len(evs) == 0 {
				continue
			}
			if _, err := s.commit(ctx, tx, nil, c, env, evs, "supervise"); err != nil {
				return err
			}
			for _, it := range items {
				var staff []int64
				if st.UnitID != nil {
					if staff, err = unitStaff(ctx, tx, *st.UnitID); err != nil {
						return err
					}
				}
				if len(staff) == 0 {
					if staff, err = officeUsers(ctx, tx); err != nil {
						return err
					}
				}
				if it.threshold != ThresholdOverdue {
					res.Urged++
					for _, u := range staff {
						urge[u] = append(urge[u], it)
					}
					continue
				}
				res.Supervised++
				to := slices.Clone(staff)
				office, err := officeUsers(ctx, tx)
				if err != nil {
					return err
				}
				to = append(to, office...)
				if st.UnitID != nil {
					leaders, err := s.unitLeaders(ctx, tx, *st.UnitID)
					if err != nil {
						return err
					}
					to = append(to, leaders...)
				}
				for _, u := range dedupe(to) {
					supervise[u] = append(supervise[u], it)
				}
			}
		}
		n, err := s.sendDigests(ctx, tx, urge, NoticeUrge, LevelUrge, key)
		if err != nil {
			return err
		}
		m, err := s.sendDigests(ctx, tx, supervise, NoticeSupervise, LevelSupervise, key)
		res.Digests = n + m
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func dedupe(ids []int64) []int64 {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// sendDigests sends one notification per recipient listing its items.
func (s *Service) sendDigests(ctx context.Context, tx *store.Tx, by map[int64][]digestItem, kind, level, period string) (int, error) {
	if s.notify == nil {
		return 0, nil
	}
	users := make([]int64, 0, len(by))
	for u := range by {
		users = append(users, u)
	}
	slices.Sort(users)
	var ns []notify.Notification
	for _, u := range users {
		items := by[u]
		var b strings.Builder
		for i, it := range items {
			if i == 20 {
				fmt.Fprintf(&b, "……另有 %d 件\n", len(items)-20)
				break
			}
			fmt.Fprintf(&b, "%s %s（%s，时限 %s）\n", it.number, it.title, thresholdLabel(it.threshold), it.deadline)
		}
		id := u
		link := "/appeals?open=1&light=overdue"
		if kind == NoticeUrge {
			link = "/appeals/workbench"
		}
		ns = append(ns, notify.Notification{UserID: &id, Kind: kind,
			Title:     fmt.Sprintf("%s：%d 件诉求需尽快办理", level, len(items)),
			Body:      strings.TrimSpace(b.String()),
			Link:      link,
			DedupeKey: fmt.Sprintf("%s:%d:%s", kind, u, period)})
	}
	if len(ns) == 0 {
		return 0, nil
	}
	_, created, err := s.notify.NotifyMany(ctx, tx, ns)
	sent := 0
	for _, c := range created {
		if c {
			sent++
		}
	}
	return sent, err
}

func (s *Service) runSupervise(ctx context.Context, j *jobs.Job) error {
	var p jobs.ScheduledPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.Period.IsZero() {
		p.Period = s.now()
	}
	res, err := s.Supervise(ctx, p.Period)
	if err != nil {
		return err
	}
	note := "非办公时间，未督办"
	if res.OfficeHours {
		note = fmt.Sprintf("催办 %d 件，督办 %d 件，发出 %d 条提醒", res.Urged, res.Supervised, res.Digests)
	}
	_ = j.Progress(ctx, 1, 1, note)
	return nil
}

// ExpireEvaluations records 未评价 for every appeal whose evaluation window
// passed before today, each in its own transaction, and returns how many.
// The job JobExpireEvaluations calls it hourly. Errors: Internal.
func (s *Service) ExpireEvaluations(ctx context.Context) (int, error) {
	today := workday.Today(s.now)
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM appeals WHERE status = 'evaluating' AND eval_due_date < ? ORDER BY id`, today.String())
	if err != nil {
		return 0, errs.Wrap(err, "find expired evaluations")
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, errs.Wrap(err, "find expired evaluations")
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, errs.Wrap(err, "find expired evaluations")
	}
	ctx = audit.WithActor(ctx, audit.Who{Name: audit.System})
	n := 0
	for _, id := range ids {
		err := s.inTx(ctx, func(tx *store.Tx) error {
			c, env, err := s.load(ctx, tx, strconv.FormatInt(id, 10), true)
			if err != nil {
				return err
			}
			if c.st.Status != StatusEvaluating || c.st.EvalDueDate == nil || *c.st.EvalDueDate >= today {
				return nil
			}
			_, err = s.commit(ctx, tx, nil, c, env, []Event{newEvent(nil, KindEvaluationExpired, s.now(), nil, Payload{})}, "expire")
			if err == nil {
				n++
			}
			return err
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (s *Service) runExpireEvaluations(ctx context.Context, j *jobs.Job) error {
	n, err := s.ExpireEvaluations(ctx)
	if err != nil {
		return err
	}
	_ = j.Progress(ctx, 1, 1, fmt.Sprintf("%d 件诉求记为未评价", n))
	return nil
}

// ReplayPayload is what a replay job works on: the open appeals of one
// class (ClassID), or all open ones, or every appeal (All).
type ReplayPayload struct {
	ClassID int64  `json:"class_id,omitempty"`
	All     bool   `json:"all,omitempty"`
	Reason  string `json:"reason"`
}

// ReplayResult says what a replay changed.
type ReplayResult struct {
	Read    int `json:"read"`
	Changed int `json:"changed"`
}

// Replay derives the appeals p names again from their events with the
// calendar and classes in force, and stores the state of those whose
// derived state changed (audited as replay). Derive is the same function
// intake and every transition use, so a replayed appeal equals one
// computed fresh. progress, if set, is told how far it got. The replay
// job runs it; the office may start it (ReplayOpen). Errors: Internal.
func (s *Service) Replay(ctx context.Context, p ReplayPayload, progress func(done, total int)) (*ReplayResult, error) {
	s.dropCatalogue()
	q := `SELECT id FROM appeals`
	var args []any
	switch {
	case p.All:
	case p.ClassID != 0:
		q += ` WHERE status NOT IN ('closed', 'merged') AND sla_class_id = ?`
		args = append(args, p.ClassID)
	default:
		q += ` WHERE status NOT IN ('closed', 'merged')`
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "find appeals to replay")
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "find appeals to replay")
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "find appeals to replay")
	}
	res := &ReplayResult{}
	ctx = audit.WithActor(ctx, audit.ActorOf(ctx))
	for start := 0; start < len(ids); start += 200 {
		batch := ids[start:min(start+200, len(ids))]
		err := s.inTx(ctx, func(tx *store.Tx) error {
			for _, id := range batch {
				c, _, err := s.load(ctx, tx, strconv.FormatInt(id, 10), true)
				if err != nil {
					return err
				}
				res.Read++
				if sameState(&c.row.State, &c.st) {
					continue
				}
				before := map[string]any{"due_date": c.row.DueDate, "sign_due_at": c.row.SignDueAt, "status": c.row.Status}
				if err := writeState(ctx, tx, id, &c.st, s.now()); err != nil {
					return err
				}
				res.Changed++
				old, now := c.row.Appeal, c.row.Appeal
				now.State = c.st
				for _, fn := range s.observe {
					if err := fn(ctx, tx, Change{Before: &old, After: &now}); err != nil {
						return err
					}
				}
				if err := s.audit.Record(ctx, tx, "appeal", strconv.FormatInt(id, 10), "replay", before,
					map[string]any{"due_date": c.st.DueDate, "sign_due_at": c.st.SignDueAt, "status": c.st.Status, "reason": p.Reason}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return res, err
		}
		if progress != nil {
			progress(res.Read, len(ids))
		}
	}
	return res, nil
}

// sameState reports whether the stored state a equals the derived b in
// every column Replay writes.
func sameState(a, b *State) bool {
	eqT := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	eqI := func(x, y *int64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqB := func(x, y *bool) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqD := func(x, y *workday.Date) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Status == b.Status && eqI(a.UnitID, b.UnitID) && a.DueDate == b.DueDate && a.WarnDate == b.WarnDate &&
		eqT(a.SignDueAt, b.SignDueAt) && eqT(a.SignedAt, b.SignedAt) && eqB(a.SignedOnTime, b.SignedOnTime) &&
		eqB(a.RepliedOnTime, b.RepliedOnTime) && eqD(a.EvalDueDate, b.EvalDueDate) && eqB(a.FirstTime, b.FirstTime) &&
		a.PausedWork.Milliseconds() == b.PausedWork.Milliseconds() && a.ExtensionDays == b.ExtensionDays &&
		a.Returns == b.Returns && a.Reopens == b.Reopens && a.LastSeq == b.LastSeq && a.Evaluation == b.Evaluation &&
		eqT(a.ClosedAt, b.ClosedAt) && a.Supervisions == b.Supervisions
}

func (s *Service) runReplay(ctx context.Context, j *jobs.Job) error {
	var p ReplayPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(errs.Wrap(err, "replay payload"))
	}
	res, err := s.Replay(ctx, p, func(done, total int) { _ = j.Progress(ctx, int64(done), int64(total), "正在重算诉求时限") })
	if err != nil {
		return err
	}
	_ = j.Progress(ctx, int64(res.Read), int64(res.Read), fmt.Sprintf("重算 %d 件，时限或状态变化 %d 件", res.Read, res.Changed))
	return nil
}

// ReplayOpen queues a replay of every open appeal (after the office
// corrected the calendar by hand, say) and returns the job's id. The office
// only. Errors: Unauthenticated, Forbidden, Internal.
func (s *Service) ReplayOpen(ctx context.Context, a *auth.Actor, reason string) (int64, error) {
	if err := auth.AuthorizeSome(a, auth.ManageAppeals); err != nil {
		return 0, err
	}
	if s.jobs == nil {
		return 0, errs.Errorf(errs.Unavailable, "后台任务不可用")
	}
	return s.jobs.Enqueue(ctx, s.db, JobReplay, ReplayPayload{Reason: reason})
}

// CalendarChanged queues a replay of the open appeals after the calendar's
// overrides changed, once per set of overrides however many instances
// report the change (the job's unique key is the overrides' digest).
// internal/app calls it on the calendar's change events; a failure is
// logged. Errors: Internal.
func (s *Service) CalendarChanged(ctx context.Context) error {
	if s.jobs == nil {
		return nil
	}
	b, _ := json.Marshal(s.cal.Overrides())
	sum := sha256.Sum256(b)
	_, err := s.jobs.Enqueue(ctx, s.db, JobReplay, ReplayPayload{Reason: "工作日历调整"},
		jobs.UniqueKey(JobReplay+":calendar:"+hex.EncodeToString(sum[:8])))
	return err
}
