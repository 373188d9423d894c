package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/qinqing/qinqing/internal/money"
	"strconv"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/policy/rule"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Job kinds of the push. Each is idempotent: who is notified is decided by
// INSERT … ON CONFLICT into policy_pushes, whose unique key is (clause
// version, enterprise), so re-runs, retries and several instances never
// notify an enterprise twice for one clause version.
const (
	// JobPushClause pushes one clause version to every enterprise it fits
	// (on publication and on a new version), with progress.
	JobPushClause = "policy.push_clause"
	// JobPushEnterprise pushes every published clause one changed
	// enterprise now fits.
	JobPushEnterprise = "policy.push_enterprise"
	// JobPushAll sweeps every published clause (after an import, at start
	// and daily, since enterprises age into rules).
	JobPushAll = "policy.push_all"
	// JobNotifySubscribers tells the subscribers of a policy's category
	// that it was published.
	JobNotifySubscribers = "policy.notify_subscribers"
)

// Notification kinds.
const (
	KindPush         = "policy.push"         // you are eligible
	KindPushUnknown  = "policy.push_unknown" // fill in this to know
	KindSubscription = "policy.subscription" // a policy of a category you follow
)

type clausePayload struct {
	ClauseVersionID int64 `json:"clause_version_id"`
}

type enterprisePayload struct {
	EnterpriseID int64 `json:"enterprise_id"`
}

// pushAllPayload is the payload of JobPushAll: after a reload, the newest
// enterprise change the sweep must see; from the schedule, its period.
type pushAllPayload struct {
	MaxUpdated int64  `json:"max_updated,omitempty"`
	Schedule   string `json:"schedule,omitempty"`
}

type subscribersPayload struct {
	PolicyID int64 `json:"policy_id"`
}

func decode(j *jobs.Job, v any) error {
	if err := json.Unmarshal(j.Payload, v); err != nil {
		return jobs.Permanent(errs.Wrap(err, "decode "+j.Kind+" payload"))
	}
	return nil
}

// enqueueClausePush queues the push of a clause version, once per version.
func (s *Service) enqueueClausePush(ctx context.Context, q store.Querier, versionID int64) error {
	if s.jobs == nil {
		return nil
	}
	_, err := s.jobs.Enqueue(ctx, q, JobPushClause, clausePayload{ClauseVersionID: versionID},
		jobs.UniqueKey(fmt.Sprintf("%s:%d", JobPushClause, versionID)))
	return err
}

// enterpriseChanged is the engine's hook after it took in a changed
// enterprise: it queues that enterprise's push, once per state of the
// enterprise (the key holds its updated_at), whichever instances saw the
// event.
func (s *Service) enterpriseChanged(ctx context.Context, e *enterprise.Enterprise) {
	if s.jobs == nil || s.engine.Index().Len() == 0 {
		return
	}
	key := fmt.Sprintf("%s:%d:%d", JobPushEnterprise, e.ID, store.Millis(e.UpdatedAt))
	if _, err := s.jobs.Enqueue(ctx, s.db, JobPushEnterprise, enterprisePayload{EnterpriseID: e.ID}, jobs.UniqueKey(key)); err != nil {
		s.log.Error("enqueue enterprise push", "enterprise", e.ID, "err", err)
	}
}

// reloaded is the engine's hook after a full load: it queues one sweep per
// state of the enterprise table (newest change and row count), so that the
// instances reloading after an import queue it once between them.
func (s *Service) reloaded(ctx context.Context, st LoadStats) {
	if s.jobs == nil || s.engine.Index().Len() == 0 {
		return
	}
	key := fmt.Sprintf("%s:%d:%d", JobPushAll, st.MaxUpdated, st.Rows)
	if _, err := s.jobs.Enqueue(ctx, s.db, JobPushAll, pushAllPayload{MaxUpdated: st.MaxUpdated}, jobs.UniqueKey(key)); err != nil {
		s.log.Error("enqueue push sweep", "err", err)
	}
}

func (s *Service) runPushClause(ctx context.Context, j *jobs.Job) error {
	var p clausePayload
	if err := decode(j, &p); err != nil {
		return err
	}
	cs, err := findClauses(ctx, s.db, "id = ?", p.ClauseVersionID)
	if err != nil {
		return err
	}
	if len(cs) == 0 || !cs[0].Current {
		return nil // deleted or superseded: the newer version has its own push
	}
	pol, err := findPolicy(ctx, s.db, cs[0].PolicyID, s.today())
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return nil
		}
		return err
	}
	if pol.Status != StatusPublished {
		return nil
	}
	_, err = s.PushClause(ctx, pol, cs[0], j)
	return err
}

// PushResult counts what a push did.
type PushResult struct {
	Eligible int // enterprises newly told they are eligible
	Unknown  int // enterprises newly asked to fill in missing data
}

// PushClause pushes clause cl of published policy pol to every enterprise
// it fits that has not been told yet (and, when the clause asks for it, to
// those that are 待补充信息), in batches, reporting progress on j when it
// is not nil. Candidates come from the engine's snapshot; each batch is
// re-read from the database and re-evaluated, so a stale snapshot never
// causes a wrong push. For the job handlers and tests. Errors: Internal.
func (s *Service) PushClause(ctx context.Context, pol *Policy, cl *Clause, j *jobs.Job) (PushResult, error) {
	var res PushResult
	if cl.Closed(s.today()) {
		return res, nil
	}
	if err := s.engine.awaitLoaded(ctx); err != nil {
		return res, err
	}
	snap := s.engine.Table()
	ev := snap.Evaluate(cl.Rule)
	done := roaring.New()
	upgradable := roaring.New() // told 待补充信息, may now be eligible
	rows, err := s.db.QueryContext(ctx, `SELECT enterprise_id, outcome FROM policy_pushes WHERE clause_version_id = ?`, cl.ID)
	if err != nil {
		return res, errs.Wrap(err, "read pushes")
	}
	for rows.Next() {
		var id int64
		var outcome string
		if err := rows.Scan(&id, &outcome); err != nil {
			rows.Close()
			return res, errs.Wrap(err, "read pushes")
		}
		if row, ok := snap.Row(id); ok {
			if outcome == PushUnknown {
				upgradable.Add(row)
			} else {
				done.Add(row)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, errs.Wrap(err, "read pushes")
	}
	want := roaring.AndNot(ev.Eligible, done)
	if cl.PushUnknown {
		want.Or(roaring.AndNot(roaring.AndNot(ev.Unknown, done), upgradable))
	}
	ids := snap.IDs(want)
	total := int64(len(ids))
	for start := 0; start < len(ids); start += s.batch {
		chunk := ids[start:min(start+s.batch, len(ids))]
		ents, err := findEnterprises(ctx, s.db, chunk)
		if err != nil {
			return res, err
		}
		err = s.db.InTx(ctx, func(tx *store.Tx) error {
			r, err := s.pushMany(ctx, tx, pol, cl, ents)
			res.add(r)
			return err
		})
		if err != nil {
			return res, err
		}
		if j != nil {
			note := fmt.Sprintf("正在推送“%s · %s”", pol.Title, cl.Title)
			if err := j.Progress(ctx, int64(start+len(chunk)), total, note); err != nil {
				return res, err
			}
		}
	}
	if j != nil && total == 0 {
		_ = j.Progress(ctx, 0, 0, "没有需要推送的企业")
	}
	return res, nil
}

func (r *PushResult) add(o PushResult) {
	r.Eligible += o.Eligible
	r.Unknown += o.Unknown
}

// pushChunk is the number of enterprises per multi-row statement of a
// push: 4 values each, well under both databases' limits.
const pushChunk = 250

// pushMany evaluates cl for each of ents and, for those that fit (or are
// 待补充信息 and the clause asks for that), records the push and notifies
// the enterprise, unless a push of this clause version to it exists
// already; a 待补充信息 push is upgraded to 符合 once. The pushes of a
// chunk are recorded with one statement and linked to their notifications
// with another, so that a push costs one round trip (the notification)
// rather than three. It runs in the caller's transaction.
func (s *Service) pushMany(ctx context.Context, tx *store.Tx, pol *Policy, cl *Clause, ents []*enterprise.Enterprise) (PushResult, error) {
	var res PushResult
	today := s.today()
	byID := make(map[int64]*enterprise.Enterprise, len(ents))
	args := make([]any, 0, 4*pushChunk+2)
	for start := 0; start < len(ents); start += pushChunk {
		args = args[:0]
		now := store.Millis(s.now())
		for _, e := range ents[start:min(start+pushChunk, len(ents))] {
			var outcome string
			switch o := cl.Rule.Eval(e, today); {
			case o == rule.Yes:
				outcome = PushEligible
			case o == rule.Unknown && cl.PushUnknown:
				outcome = PushUnknown
			default:
				continue
			}
			byID[e.ID] = e
			args = append(args, cl.ID, e.ID, outcome, now)
		}
		if len(args) == 0 {
			continue
		}
		args = append(args, PushUnknown, PushEligible)
		rows, err := tx.QueryContext(ctx, `INSERT INTO policy_pushes (clause_version_id, enterprise_id, outcome, pushed_at) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", (len(args)-2)/4), ", ")+`
			ON CONFLICT (clause_version_id, enterprise_id) DO UPDATE SET outcome = excluded.outcome, pushed_at = excluded.pushed_at, read_at = NULL
			WHERE policy_pushes.outcome = ? AND excluded.outcome = ? RETURNING id, enterprise_id, outcome`, args...)
		if err != nil {
			return res, errs.Wrap(err, "record pushes")
		}
		type made struct {
			push, enterprise int64
			outcome          string
		}
		var pushed []made // told before (by this or another instance): not returned
		for rows.Next() {
			var m made
			if err := rows.Scan(&m.push, &m.enterprise, &m.outcome); err != nil {
				rows.Close()
				return res, errs.Wrap(err, "record pushes")
			}
			pushed = append(pushed, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return res, errs.Wrap(err, "record pushes")
		}
		var link strings.Builder
		linkArgs := make([]any, 0, 2*len(pushed))
		notes := make([]notify.Notification, 0, len(pushed))
		for _, m := range pushed {
			if m.outcome == PushEligible {
				res.Eligible++
			} else {
				res.Unknown++
			}
			if s.notify != nil {
				notes = append(notes, s.pushNotification(pol, cl, byID[m.enterprise], m.outcome, today))
			}
		}
		if len(notes) > 0 {
			// One delivery job per channel for the chunk, not one per push.
			nids, _, err := s.notify.NotifyMany(ctx, tx, notes)
			if err != nil {
				return res, err
			}
			for i, m := range pushed {
				link.WriteString(" WHEN ? THEN CAST(? AS BIGINT)")
				linkArgs = append(linkArgs, m.push, nids[i])
			}
		}
		if len(linkArgs) > 0 {
			ids := make([]any, 0, len(pushed))
			for _, m := range pushed {
				ids = append(ids, m.push)
			}
			_, err := tx.ExecContext(ctx, `UPDATE policy_pushes SET notification_id = CASE id`+link.String()+` END WHERE id IN (`+
				strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`)`, append(linkArgs, ids...)...)
			if err != nil {
				return res, errs.Wrap(err, "link pushes to notifications")
			}
		}
	}
	return res, nil
}

// pushNotification words the push of cl to e.
func (s *Service) pushNotification(pol *Policy, cl *Clause, e *enterprise.Enterprise, outcome string, today workday.Date) notify.Notification {
	id := e.ID
	n := notify.Notification{EnterpriseID: &id, DedupeKey: fmt.Sprintf("policy.push:%d:%d:%s", cl.ID, e.ID, outcome)}
	var b strings.Builder
	fmt.Fprintf(&b, "条款：%s\n", cl.Title)
	if outcome == PushEligible {
		n.Kind = KindPush
		n.Title = fmt.Sprintf("政策推送：贵企业符合“%s”", pol.Title)
		n.Link = fmt.Sprintf("/policies/%d", pol.ID)
		if cl.Version > 1 {
			n.Title = fmt.Sprintf("政策条款更新：贵企业符合“%s”", pol.Title)
		}
		if cl.Amount != nil {
			yuan, unknown := cl.Amount.For(e)
			if unknown {
				fmt.Fprintf(&b, "扶持金额：%s（计算基数未登记，补充后可测算）\n", cl.Amount.Sentence())
			} else {
				fmt.Fprintf(&b, "预计金额：%s（按贵企业登记数据测算，以审核为准）\n", money.Exact(yuan))
			}
		}
		switch cl.Mode {
		case ModeAutomatic:
			unit := pol.RedeemingUnit
			if unit == "" {
				unit = "兑现单位"
			}
			fmt.Fprintf(&b, "免申即享：无需申请，由%s直接兑现。\n", unit)
		case ModeInstant:
			b.WriteString("即申即享：在线申请后即可兑现。\n")
		default:
			b.WriteString("申报审核：请在申报期内提交材料。\n")
		}
	} else {
		n.Kind = KindPushUnknown
		n.Title = fmt.Sprintf("完善企业信息，确认能否享受“%s”", pol.Title)
		n.Link = fmt.Sprintf("/enterprises/%d/policies", e.ID)
		if cl.UnknownMessage != "" {
			b.WriteString(cl.UnknownMessage + "\n")
		}
		if missing := MissingFields(cl.Rule, e, today); len(missing) > 0 {
			fmt.Fprintf(&b, "请补充：%s\n", strings.Join(missing, "、"))
		}
	}
	if cl.WindowTo != nil {
		fmt.Fprintf(&b, "申报截止：%s\n", cl.WindowTo.Chinese())
	}
	n.Body = strings.TrimSpace(b.String())
	return n
}

// MissingFields returns the labels of the fields whose being unknown makes
// r 待补充信息 for e, each once.
func MissingFields(r *rule.Rule, e *enterprise.Enterprise, today workday.Date) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range r.Explain(e, today) {
		if l.Outcome == rule.Unknown && !seen[l.Label] {
			seen[l.Label] = true
			out = append(out, l.Label)
		}
	}
	return out
}

func (s *Service) runPushEnterprise(ctx context.Context, j *jobs.Job) error {
	var p enterprisePayload
	if err := decode(j, &p); err != nil {
		return err
	}
	_, err := s.PushEnterprise(ctx, p.EnterpriseID)
	return err
}

// PushEnterprise pushes to enterprise id every open published clause it
// now fits (or is 待补充信息 for, when the clause asks) and has not been
// told of, reading the enterprise afresh. For the job handler and tests.
// Errors: Internal.
func (s *Service) PushEnterprise(ctx context.Context, id int64) (PushResult, error) {
	var res PushResult
	e, err := findEnterprise(ctx, s.db, id)
	if errs.CodeOf(err) == errs.NotFound {
		return res, nil
	}
	if err != nil {
		return res, err
	}
	idx := s.engine.Index()
	today := s.today()
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, m := range idx.Match(e, today) {
			if m.Outcome == rule.No {
				continue
			}
			cl, pol, ok := idx.Clause(m.ID)
			if !ok || cl.Closed(today) {
				continue
			}
			r, err := s.pushMany(ctx, tx, pol, cl, []*enterprise.Enterprise{e})
			if err != nil {
				return err
			}
			res.add(r)
		}
		return nil
	})
	return res, err
}

func (s *Service) runPushAll(ctx context.Context, j *jobs.Job) error {
	var p pushAllPayload
	if err := decode(j, &p); err != nil {
		return err
	}
	if err := s.engine.awaitLoaded(ctx); err != nil {
		return err
	}
	if p.MaxUpdated > s.engine.Stats().MaxUpdated {
		// This instance has not taken in the change the sweep is for yet.
		if _, err := s.engine.Load(ctx); err != nil {
			return err
		}
	}
	_, err := s.PushAll(ctx, j)
	return err
}

// PushAll pushes every open published clause (see PushClause), reporting
// progress per clause on j when it is not nil. Errors: Internal.
func (s *Service) PushAll(ctx context.Context, j *jobs.Job) (PushResult, error) {
	var res PushResult
	idx := s.engine.Index()
	list := idx.Clauses()
	for i, cl := range list {
		_, pol, _ := idx.Clause(cl.ID)
		r, err := s.PushClause(ctx, pol, cl, nil)
		if err != nil {
			return res, err
		}
		res.add(r)
		if j != nil {
			if err := j.Progress(ctx, int64(i+1), int64(len(list)), "逐条核对已发布条款"); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

func (s *Service) runNotifySubscribers(ctx context.Context, j *jobs.Job) error {
	var p subscribersPayload
	if err := decode(j, &p); err != nil {
		return err
	}
	pol, err := findPolicy(ctx, s.db, p.PolicyID, s.today())
	if errs.CodeOf(err) == errs.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if pol.Status != StatusPublished || s.notify == nil {
		return nil
	}
	var ids []int64
	rows, err := s.db.QueryContext(ctx, `SELECT enterprise_id FROM policy_subscriptions WHERE category = ? ORDER BY enterprise_id`, pol.Category)
	if err != nil {
		return errs.Wrap(err, "read subscriptions")
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return errs.Wrap(err, "read subscriptions")
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "read subscriptions")
	}
	for start := 0; start < len(ids); start += s.batch {
		chunk := ids[start:min(start+s.batch, len(ids))]
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			notes := make([]notify.Notification, len(chunk))
			for i, id := range chunk {
				eid := id
				notes[i] = notify.Notification{EnterpriseID: &eid, Kind: KindSubscription,
					Title: fmt.Sprintf("您订阅的“%s”类政策有新发布：%s", pol.Category, pol.Title),
					Body:  "可在政策超市查看详情，并在“政策体检”中查看贵企业是否符合。",
					Link:  fmt.Sprintf("/policies/%d", pol.ID), DedupeKey: fmt.Sprintf("policy.subscription:%d:%d", pol.ID, id)}
			}
			_, _, err := s.notify.NotifyMany(ctx, tx, notes) // one delivery job per channel for the chunk
			return err
		})
		if err != nil {
			return err
		}
		if err := j.Progress(ctx, int64(start+len(chunk)), int64(len(ids)), "通知订阅企业"); err != nil {
			return err
		}
	}
	return nil
}

// ---- Subscriptions ----

// resource returns the ownership of an enterprise's records: the enterprise
// and its specialist, as the service network (Options.Owners) knows it.
func (s *Service) resource(ctx context.Context, enterpriseID int64) (auth.Resource, error) {
	if s.owners == nil {
		return auth.Resource{EnterpriseID: enterpriseID}, nil
	}
	return s.owners.EnterpriseResource(ctx, enterpriseID)
}

// Subscriptions returns the categories enterprise id subscribes to. Those
// who may view the enterprise may call it. Errors: Unauthenticated,
// Forbidden.
func (s *Service) Subscriptions(ctx context.Context, a *auth.Actor, enterpriseID int64) ([]string, error) {
	res, err := s.resource(ctx, enterpriseID)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.ViewEnterprise, res); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT category FROM policy_subscriptions WHERE enterprise_id = ? ORDER BY category`, enterpriseID)
	if err != nil {
		return nil, errs.Wrap(err, "read subscriptions")
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, errs.Wrap(err, "read subscriptions")
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "read subscriptions")
}

// SetSubscriptions makes enterprise id subscribe to exactly categories.
// The enterprise's own accounts, its specialist and admins may call it
// (auth.EditEnterprise). Errors: Unauthenticated, Forbidden, NotFound,
// Invalid (unknown category).
func (s *Service) SetSubscriptions(ctx context.Context, a *auth.Actor, enterpriseID int64, categories []string) error {
	res, err := s.resource(ctx, enterpriseID)
	if err != nil {
		return err
	}
	if err := auth.Authorize(a, auth.EditEnterprise, res); err != nil {
		return err
	}
	if _, err := findEnterprise(ctx, s.db, enterpriseID); err != nil {
		return err
	}
	set := map[string]bool{}
	for _, c := range categories {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		ok := false
		for _, k := range Categories {
			ok = ok || k == c
		}
		if !ok {
			return errs.FieldErrorf("categories", "政策类别“%s”不存在（可选：%s）", c, strings.Join(Categories, "、"))
		}
		set[c] = true
	}
	ms := store.Millis(s.now())
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM policy_subscriptions WHERE enterprise_id = ?`, enterpriseID); err != nil {
			return errs.Wrap(err, "save subscriptions")
		}
		var list []string
		for _, c := range Categories {
			if !set[c] {
				continue
			}
			list = append(list, c)
			if _, err := tx.ExecContext(ctx, `INSERT INTO policy_subscriptions (enterprise_id, category, created_at) VALUES (?, ?, ?)`,
				enterpriseID, c, ms); err != nil {
				return errs.Wrap(err, "save subscriptions")
			}
		}
		if s.audit == nil {
			return nil
		}
		return s.audit.Record(ctx, tx, "enterprise", strconv.FormatInt(enterpriseID, 10), "policy.subscribe", nil, map[string]any{"categories": list})
	})
}
