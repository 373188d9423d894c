package appeal

import (
	"context"
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

// Notification kinds of this package.
const (
	NoticeReceived   = "appeal.received"
	NoticeDispatched = "appeal.dispatched"
	NoticeReturned   = "appeal.returned"
	NoticeEscalated  = "appeal.escalated"
	NoticePaused     = "appeal.paused"
	NoticeSupplied   = "appeal.supplied"
	NoticeExtension  = "appeal.extension"
	NoticeReplied    = "appeal.replied"
	NoticeReopened   = "appeal.reopened"
	NoticeClosed     = "appeal.closed"
	NoticeMerged     = "appeal.merged"
	NoticeUrge       = "appeal.urge"      // 催办 digest to a unit's staff
	NoticeSupervise  = "appeal.supervise" // 督办 digest to leaders and the office
)

// step is one transition: who may make it now (check), the events it
// appends (make; it may validate its input and write attachments), and
// what it tells whom afterwards, in the same transaction (tell).
type step struct {
	action string
	// need are the actions of which the actor's role must be granted one
	// at all (auth.Actor.CanSome), checked before the appeal is read.
	need  []auth.Action
	check func(a *auth.Actor, c *current) error
	make  func(ctx context.Context, tx *store.Tx, c *current, now time.Time) ([]Event, error)
	tell  func(ctx context.Context, tx *store.Tx, c *current, after *Appeal, evs []Event) error
}

// newEvent returns an event of kind by a, on unit (nil: none).
func newEvent(a *auth.Actor, kind Kind, at time.Time, unit *int64, p Payload) Event {
	ev := Event{Kind: kind, KindLabel: kind.Label(), At: at.UTC().Truncate(time.Millisecond), Payload: p, UnitID: unit}
	if a != nil {
		ev.Actor, ev.ActorName, ev.ActorRole = a.Name, a.DisplayName, string(a.Role)
		if a.UserID != 0 {
			id := a.UserID
			ev.ActorID = &id
		}
	} else {
		ev.Actor, ev.ActorName = "system", "系统"
	}
	return ev
}

// load reads appeal ref for a transition (locked) or a read.
func (s *Service) load(ctx context.Context, q store.Querier, ref string, lock bool) (*current, Env, error) {
	id, err := resolveRef(ctx, q, ref)
	if err != nil {
		return nil, Env{}, err
	}
	r, err := findRow(ctx, q, id, lock)
	if err != nil {
		return nil, Env{}, err
	}
	evs, err := loadEvents(ctx, q, id)
	if err != nil {
		return nil, Env{}, err
	}
	env, err := s.env(ctx)
	if err != nil {
		return nil, Env{}, err
	}
	c := &current{row: r, events: evs, st: Derive(evs, env)}
	if c.view, c.act, err = s.resources(ctx, r, &c.st); err != nil {
		return nil, Env{}, err
	}
	return c, env, nil
}

// apply runs one transition of appeal ref by a in one transaction: check,
// append the events, derive and store the new state, audit, notify, and
// call the observers. Errors: Unauthenticated; Forbidden (the wrong role or
// unit); NotFound; Conflict (the wrong state, or a concurrent change);
// Invalid (the input); Internal.
func (s *Service) apply(ctx context.Context, a *auth.Actor, ref string, st step) (*Appeal, error) {
	if a == nil {
		return nil, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	if len(st.need) > 0 && !slices.ContainsFunc(st.need, a.CanSome) {
		return nil, errs.Errorf(errs.Forbidden, "无权执行此操作")
	}
	var out *Appeal
	err := s.inTx(ctx, func(tx *store.Tx) error {
		c, env, err := s.load(ctx, tx, ref, true)
		if err != nil {
			return err
		}
		if err := checkView(a, c); err != nil {
			return err
		}
		if err := st.check(a, c); err != nil {
			return err
		}
		now := s.now()
		if last := c.events[len(c.events)-1].At; now.Before(last) {
			now = last
		}
		evs, err := st.make(ctx, tx, c, now)
		if err != nil {
			return err
		}
		if _, err := s.commit(ctx, tx, a, c, env, evs, st.action); err != nil {
			return err
		}
		after, err := s.readAppeal(ctx, tx, a, c.row.ID, nil, now)
		if err != nil {
			return err
		}
		if st.tell != nil {
			if err := st.tell(ctx, tx, c, after, evs); err != nil {
				return err
			}
		}
		out = after
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// commit appends evs to c's history and stores what they amount to,
// records the audit entry and calls the observers; it returns the appeal
// after (its row and new state, without names of units, history or
// permissions: readAppeal reads those).
func (s *Service) commit(ctx context.Context, tx *store.Tx, a *auth.Actor, c *current, env Env, evs []Event, action string) (*Appeal, error) {
	id := c.row.ID
	for i := range evs {
		evs[i].Seq = c.st.LastSeq + 1 + i
	}
	all := append(slices.Clone(c.events), evs...)
	next := Derive(all, env)
	now := s.now()
	if err := insertEvents(ctx, tx, id, evs); err != nil {
		return nil, err
	}
	if err := writeState(ctx, tx, id, &next, now); err != nil {
		return nil, err
	}
	after := c.row.Appeal
	after.State = next
	after.UpdatedAt = now
	after.Units = nil
	for _, u := range next.units {
		after.Units = append(after.Units, UnitRef{UnitID: u.unitID, Role: u.role, Since: u.since, SignDueAt: u.signDueAt, SignedAt: u.signedAt, DueDate: u.dueDate})
	}
	s.decorate(&after, now)
	before := c.row.Appeal
	before.State = c.st
	type summary struct {
		Status  Status       `json:"status"`
		UnitID  *int64       `json:"unit_id"`
		DueDate workday.Date `json:"due_date"`
	}
	change := map[string]any{"status": after.Status, "unit_id": after.UnitID, "due_date": after.DueDate}
	if len(evs) > 0 {
		change["events"] = evs
	}
	if err := s.audit.Record(ctx, tx, "appeal", strconv.FormatInt(id, 10), action,
		summary{before.Status, before.UnitID, before.DueDate}, change); err != nil {
		return nil, err
	}
	for _, fn := range s.observe {
		if err := fn(ctx, tx, Change{Before: &before, After: &after, Events: evs}); err != nil {
			return nil, err
		}
	}
	return &after, nil
}

// readAppeal reads appeal id whole (its units, events and permissions for
// a) inside q.
func (s *Service) readAppeal(ctx context.Context, q store.Querier, a *auth.Actor, id int64, evs []Event, now time.Time) (*Appeal, error) {
	r, err := findRow(ctx, q, id, false)
	if err != nil {
		return nil, err
	}
	env, err := s.env(ctx)
	if err != nil {
		return nil, err
	}
	if evs == nil {
		if evs, err = loadEvents(ctx, q, id); err != nil {
			return nil, err
		}
	}
	c := &current{row: r, events: evs, st: Derive(evs, env)}
	if c.view, c.act, err = s.resources(ctx, r, &c.st); err != nil {
		return nil, err
	}
	// The whole appeal shows the state derived from its events (the row
	// holds the same, for querying).
	ap := r.Appeal
	ap.State = c.st
	if ap.Units, err = loadUnits(ctx, q, id); err != nil {
		return nil, err
	}
	ap.Events = s.showEvents(evs)
	if ap.Attachments, err = findAttachments(ctx, q, id); err != nil {
		return nil, err
	}
	p := s.permitted(a, c)
	ap.Permitted = &p
	s.decorate(&ap, now)
	return &ap, nil
}

// showEvents returns events as shown: labels, instants in Asia/Shanghai.
func (s *Service) showEvents(evs []Event) []Event {
	out := make([]Event, len(evs))
	for i, ev := range evs {
		ev.KindLabel = ev.Kind.Label()
		if ev.Kind == KindSupervised && ev.Payload.Level != "" {
			ev.KindLabel = ev.Payload.Level
		}
		ev.At = local(ev.At)
		out[i] = ev
	}
	return out
}

// ---- text inputs ----

// cleanText trims s and checks its length in characters. Errors: Invalid
// on field.
func cleanText(field, label, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", errs.FieldErrorf(field, "请填写%s", label)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", errs.FieldErrorf(field, "%s过长（%d个字，最多%d个字）", label, n, max)
	}
	return s, nil
}

// unitOf resolves a unit given by id or by name (or alias). Errors:
// Invalid on field for an unknown unit.
func (s *Service) unitOf(ctx context.Context, id int64, name, field string) (int64, error) {
	if id > 0 {
		if _, err := s.units.FindUnitByID(ctx, id); err != nil {
			if errs.CodeOf(err) == errs.NotFound {
				return 0, errs.FieldErrorf(field, "单位 %d 不存在", id)
			}
			return 0, err
		}
		return id, nil
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return 0, errs.FieldErrorf(field, "请选择单位")
	}
	u, err := s.units.Resolve(ctx, name)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return 0, errs.FieldErrorf(field, "未找到单位“%s”", name)
		}
		return 0, err
	}
	return u.ID, nil
}

// ---- the transitions ----

// DispatchInput is what dispatching takes: the responsible unit (by id
// or name), the co-handling units, optionally a new category, a note.
type DispatchInput struct {
	UnitID    int64    `json:"unit_id"`
	Unit      string   `json:"unit"`
	CoUnitIDs []int64  `json:"co_unit_ids"`
	CoUnits   []string `json:"co_units"`
	Category  string   `json:"category"`
	Note      string   `json:"note"`
}

// Dispatch sends appeal ref to a unit (派单), with co-handling units; a
// new category takes that category's class. The office (auth.ManageAppeals)
// may call it while the appeal waits for dispatch or for signing. Errors:
// Unauthenticated, Forbidden, NotFound, Conflict (state), Invalid (unit,
// category, note).
func (s *Service) Dispatch(ctx context.Context, a *auth.Actor, ref string, in DispatchInput) (*Appeal, error) {
	return s.apply(ctx, a, ref, step{action: "dispatch", need: []auth.Action{auth.ManageAppeals}, check: checkDispatch,
		make: func(ctx context.Context, tx *store.Tx, c *current, now time.Time) ([]Event, error) {
			unit, err := s.unitOf(ctx, in.UnitID, in.Unit, "unit")
			if err != nil {
				return nil, err
			}
			co, err := s.coUnits(ctx, in.CoUnitIDs, in.CoUnits, unit)
			if err != nil {
				return nil, err
			}
			note, err := cleanText("note", "派单说明", in.Note, 500, false)
			if err != nil {
				return nil, err
			}
			cat, err := s.catalogue(ctx)
			if err != nil {
				return nil, err
			}
			p := Payload{CoUnits: co, Note: note, Catalogue: cat.version}
			if strings.TrimSpace(in.Category) != "" {
				e, err := cat.entry(in.Category)
				if err != nil {
					return nil, err
				}
				p.Category = e.Category
				p.ClassID = classFor(cat, e, c.row.Urgency)
				if _, err := tx.ExecContext(ctx, `UPDATE appeals SET category = ? WHERE id = ?`, e.Category, c.row.ID); err != nil {
					return nil, errs.Wrap(err, "recategorise appeal")
				}
			}
			return []Event{newEvent(a, KindDispatched, now, &unit, p)}, nil
		},
		tell: s.tellDispatched,
	})
}

// coUnits resolves the co-handling units, leaving out the responsible one.
func (s *Service) coUnits(ctx context.Context, ids []int64, names []string, main int64) ([]int64, error) {
	var out []int64
	for _, id := range ids {
		u, err := s.unitOf(ctx, id, "", "co_unit_ids")
		if err != nil {
			return nil, err
		}
		if u != main && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			continue
		}
		u, err := s.unitOf(ctx, 0, n, "co_units")
		if err != nil {
			return nil, err
		}
		if u != main && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	if len(out) > 10 {
		return nil, errs.FieldErrorf("co_units", "协办单位最多10个")
	}
	return out, nil
}

// NoteInput is what the transitions that take only a remark take.
type NoteInput struct {
	Note        string   `json:"note"`
	Attachments []int64  `json:"attachments"` // files attached to the appeal before (Attach)
	Uploads     []Upload `json:"-"`           // files sent with a page's form
}

// Sign signs for appeal ref (签收) for the actor's unit: the responsible
// unit while it waits for signing, a co-handling unit once. Errors:
// Unauthenticated, Forbidden (not a unit it is with), NotFound, Conflict.
func (s *Service) Sign(ctx context.Context, a *auth.Actor, ref string, in NoteInput) (*Appeal, error) {
	return s.apply(ctx, a, ref, step{action: "sign", need: []auth.Action{auth.HandleAppeal}, check: checkSign,
		make: func(ctx context.Context, tx *store.Tx, c *current, now time.Time) ([]Event, error) {
			note, err := cleanText("note", "签收说明", in.Note, 500, false)
			if err != nil {
				return nil, err
			}
			return []Event{newEvent(a, KindSigned, now, a.UnitID, Payload{Note: note})}, nil
		}})
}

// ReasonInput is what the transitions that need a reason take.
type ReasonInput struct {
	Reason string `json:"reason"`
}

// Return returns appeal ref to the office (退回) with a reason, instead of
// signing for it. The responsible unit may call it while the appeal waits
// for signing. The office is told; the second return of an appeal is
// escalated to the office's leaders as well (no ping-pong). Errors:
// Unauthenticated, Forbidden, NotFound, Conflict, Invalid (reason).
func (s *Service) Return(ctx context.Context, a *auth.Actor, ref string, in ReasonInput) (*Appeal, error) {
	return s.apply(ctx, a, ref, step{action: "return", need: []auth.Action{auth.HandleAppeal}, check: checkReturn,
		make: func(ctx context.Context, tx *store.Tx, c *current, now time.Time) ([]Event, error) {
			reason, err := cleanText("reason", "退回理由", in.Reason, 500, true)
			if err != nil {
				return nil, err
			}
			return []Event{newEvent(a, KindReturned, now, a.UnitID, Payload{Reason: reason})}, nil
		},
		tell: func(ctx context.Context, tx *store.Tx, c *current, after *Appeal, evs []Event) error {
			office, err := officeUsers(ctx, tx)
			if err != nil {
				return err
			}
			title := fmt.Sprintf("诉求被退回：%s %s", after.Number, after.Title)
			body := fmt.Sprintf("%s退回：%s。请重新派单。", unitLabel(c.row.UnitName), evs[0].Payload.Reason)
			if err := s.tellUsers(ctx, tx, office, NoticeReturned, title, body, after.ID, ""); err != nil {
				return err
			}
			if !after.Escalated {
				return nil
			}
			leaders, err := officeLeaders(ctx, tx)
			if err != nil {
				return err
			}
			return s.tellUsers(ctx, tx, append(leaders, office...), NoticeEscalated,
				fmt.Sprintf("诉求已被退回%d次，请协调：%s", after.Returns, after.Number),
				fmt.Sprintf("“%s”已被退回%d次（最近一次：%s）。为避免来回推诿，请营商办领导协调确定承办单位。", after.Title, after.Returns, evs[0].Payload.Reason),
				after.ID, fmt.Sprintf("%s:escalated:%d:%d", NoticeEscalated, after.ID, after.Returns))
		}})
}

// TransferInput is what transferring takes: the new responsible unit and
// why.
type TransferInput struct {
	UnitID int64  `json:"unit_id"`
	Unit   string `json:"unit"`
	Reason string `json:"reason"`
}

// Transfer hands appeal ref to another responsible unit (转办), keeping
// its clock: the due date stays, the new unit gets a sign-for deadline
// from now. The office may call it before the reply; the responsible unit
// once it signed. Errors: Unauthenticated, Forbidden, NotFound, Conflict,
// Invalid (unit: unknown or the same; reason).
func (s *Service) Transfer(ctx context.Context, a *auth.Actor, ref string, in TransferInput) (*Appeal, error) {
	return s.apply(ctx, a, ref, step{action: "transfer", need: []auth.Action{auth.ManageAppeals, auth.HandleAppeal}, check: checkTransfer,
		make: func(ctx context.Context, tx *store.Tx, c *current, now time.Time) ([]Event, error) {
			unit, err := s.unitOf(ctx, in.UnitID, in.Unit, "unit")
			if err != nil {
				return nil, err
			}
			if c.st.UnitID != nil && *c.st.UnitID == unit {
				return nil, errs.FieldErrorf("unit", "诉求已在该单位办理")
			}
			reason, err := cleanText("reason", "转办理由", in.Reason, 500, true)
			if err != nil {
				return nil, err
			}
			return []Event{newEvent(a, KindTransferred, now, &unit, Payload{Reason: reason})}, nil
		},
		tell: s.tellDispatched,
	})
}

// CoReply records a co-handling unit's opinion (协办意见) for the
// responsible unit. Errors: Unauthenticated, Forbidden, NotFound,
// Conflict, Invalid (note).
func (s *Service) CoReply(ctx context.Context, a *auth.Actor, ref string, in NoteInput) (*Appeal, error) {
	return s.apply(ctx, a, ref, step{action: "co_reply", need: []auth.Action{auth.HandleAppeal}, check: checkCoReply,
		make: func(ctx context.Context, tx *store.Tx, c *current, now time.Time) ([]Event, error) {
			note, err := cleanText("note", "协办意见", in.Note, 2000, true)
			if err != nil {
				return nil, err
			}
			return []Event{newEvent(a, KindCoReplied, now, a.UnitID, Payload{Note: note})}, nil
		}})
}

// Pause stops appeal ref's clock while the enterprise supplies material
// (待补充), with the reason; the enterprise is told. The responsible unit may
// call it while handling. Errors: Unauthenticated, Forbidden, NotFound,
// Conflict, Invalid (reason).
func (s *Service) Pause(ctx context.Context, a *auth.Actor, ref string, in ReasonInput) (*Appeal, error) {
	return s.apply(ctx, a, ref, step{action: "pause", need: []auth.Action{auth.HandleAppeal}, check: checkPause,
		make: func(ctx context.Context, tx *store.Tx, c *current, now time.Time) ([]Event, error) {
			reason, err := cleanText("reason", "需补充的材料", in.Reason, 1000, true)
			if err != nil {
				return nil, err
			}
			return []Event{newEvent(a, KindPaused, now, a.UnitID, Payload{Reason: reason})}, nil
		},
		tell: func(ctx context.Context, tx *store.Tx, c *current, after *Appeal, evs []Event) error {
			return s.tellEnterprise(ctx, tx, c, after, NoticePaused, "请补充诉求材料："+after.Number,
				fmt.Sprintf("%s请您补充：%s。补充后办理时限继续计算。", unitLabel(after.UnitName), evs[0].Payload.Reason))
		}})
}

// Resume lets appeal ref's clock run again without new material. The
// responsible unit and the office may call it while it is paused. Errors:
// Unauthenticated, Forbidden, NotFound, Conflict, Invalid (note).
func (s *Service) Resume(ctx context.Context, a *auth.Actor, ref string, in NoteInput) (*Appeal, error) {
	return s.apply(ctx, a, ref, step{action: "resume", need: []auth.Action{auth.ManageAppeals, auth.HandleAppeal}, check: checkResume,
		make: func(ctx context.Context, tx *store.Tx, c *current, now time.Time) ([]Event, error) {
			note, err := cleanText("note", "说明", in.Note, 500, false)
			if err != nil {
				return nil, err
			}
			return []Event{newEvent(a, KindResumed, now, a.UnitID, Payload{Note: note})}, nil
		}})
}

// Supply adds the enterprise's material to appeal ref (补充材料): a note
// and files; a paused appeal's clock runs again. The enterprise, its
// specialist, the client that filed it and the office may call it before
// the reply. Errors: Unauthenticated, Forbidden, NotFound, Conflict,
// Invalid (note; a file's type or size; neither note nor file).
func (s *Service) Supply(ctx context.Context, a *auth.Actor, ref string, in NoteInput) (*Appeal, error) {
	return s.apply(ctx, a, ref, step{action: "supply", need: []auth.Action{auth.SupplyAppeal}, check: checkSupply,
		make: func(ctx context.Context, tx *store.Tx, c *current, now time.Time) ([]Event, error) {
			note, err := cleanText("note", "补充说明", in.Note, 2000, false)
			if err != nil {
				return nil, err
			}
			files, err := s.takeFiles(ctx, tx, a, c, c.st.LastSeq+1, in.Attachments, in.Uploads, now)
			if err != nil {
				return nil, err
			}
			if note == "" && len(files) == 0 {
				return nil, errs.FieldErrorf("note", "请填写补充说明或上传材料")
			}
			return []Event{newEvent(a, KindSupplied, now, nil, Payload{Note: note, Files: files})}, nil
		},
		tell: func(ctx context.Context, tx *store.Tx, c *current, after *Appeal, evs []Event) error {
			if after.UnitID == nil {
				return nil
			}
			staff, err := unitStaff(ctx, tx, *after.UnitID)
			if err != nil {
				return err
			}
			return s.tellUsers(ctx, tx, staff, NoticeSupplied, "企业已补充材料："+after.Number, after.Title, after.ID, "")
		}})
}

// ExtendInput asks for or decides an extension (延期): the responsible
// unit asks with days and a reason; the office decides a pending request
// with decision "approve" (optionally fewer days) or "refuse", or extends
// by days on its own.
type ExtendInput struct {
	Days     int    `json:"days"`
	Reason   string `json:"reason"`
	Decision string `json:"decision"` // approve, refuse (the office)
	Note     string `json:"note"`
}

// maxExtension bounds one extension in working days.
const maxExtension = 30

// Extend asks for an extension of appeal ref (the responsible unit, while
// handling, one request at a time), or decides one (the office: approve
// or refuse a pending request, or extend without one). Only an approved
// extension moves the due date. Errors: Unauthenticated, Forbidden,
// NotFound, Conflict (state, a request already pending, none pending),
// Invalid (days 1–30, reason, decision).
func (s *Service) Extend(ctx context.Context, a *auth.Actor, ref string, in ExtendInput) (*Appeal, error) {
	decision := strings.TrimSpace(in.Decision)
	switch strings.ToLower(decision) {
	case "":
	case "approve", "批准":
		decision = "approve"
	case "refuse", "不批准":
		decision = "refuse"
	default:
		return nil, errs.FieldErrorf("decision", "审批意见应为 approve（批准）或 refuse（不批准）")
	}
	days := func() error {
		if in.Days < 1 || in.Days > maxExtension {
			return errs.FieldErrorf("days", "延期天数应为1–%d个工作日", maxExtension)
		}
		return nil
	}
	if decision != "" {
		return s.apply(ctx, a, ref, step{action: "extension_" + decision, need: []auth.Action{auth.ManageAppeals}, check: checkDecideExtension,
			make: func(ctx context.Context, tx *store.Tx, c *current, now time.Time) ([]Event, error) {
				note, err := cleanText("note", "审批意见", in.Note, 500, false)
				if err != nil {
					return nil, err
				}
				if decision == "refuse" {
					return []Event{newEvent(a, KindExtensionRefused, now, nil, Payload{Note: note})}, nil
				}
				n := c.st.ExtensionPending
				if in.Days != 0 {
					if err := days(); err != nil {
						return nil, err
					}
					n = in.Days
				}
				return []Event{newEvent(a, KindExtensionApproved, now, nil, Payload{Days: n, Note: note})}, nil
			},
			tell: s.tellExtension})
	}
	// The responsible unit asks; the office (not handling it) extends on
	// its own.
	grants := func(a *auth.Actor, c *current) bool { return !c.isMain(a) && a.Can(auth.ManageAppeals, c.view) }
	return s.apply(ctx, a, ref, step{action: "extension_request", need: []auth.Action{auth.ManageAppeals, auth.HandleAppeal},
		check: func(a *auth.Actor, c *current) error {
			if grants(a, c) {
				return checkGrantExtension(a, c)
			}
			return checkRequestExtension(a, c)
		},
		make: func(ctx context.Context, tx *store.Tx, c *current, now time.Time) ([]Event, error) {
			if err := days(); err != nil {
				return nil, err
			}
			reason, err := cleanText("reason", "延期理由", in.Reason, 500, true)
			if err != nil {
				return nil, err
			}
			if grants(a, c) {
				return []Event{newEvent(a, KindExtensionApproved, now, nil, Payload{Days: in.Days, Reason: reason})}, nil
			}
			return []Event{newEvent(a, KindExtensionRequested, now, a.UnitID, Payload{Days: in.Days, Reason: reason})}, nil
		},
		tell: s.tellExtension})
}

// tellExtension tells the office of a request, and the unit of a decision.
func (s *Service) tellExtension(ctx context.Context, tx *store.Tx, c *current, after *Appeal, evs []Event) error {
	ev := evs[0]
	switch ev.Kind {
	case KindExtensionRequested:
		office, err := officeUsers(ctx, tx)
		if err != nil {
			return err
		}
		return s.tellUsers(ctx, tx, office, NoticeExtension, fmt.Sprintf("延期申请待审批：%s", after.Number),
			fmt.Sprintf("%s申请延期%d个工作日：%s", unitLabel(after.UnitName), ev.Payload.Days, ev.Payload.Reason), after.ID, "")
	case KindExtensionApproved, KindExtensionRefused:
		if after.UnitID == nil {
			return nil
		}
		staff, err := unitStaff(ctx, tx, *after.UnitID)
		if err != nil {
			return err
		}
		title := fmt.Sprintf("延期已批准：%s，办理时限至%s", after.Number, after.DueDate.Chinese())
		if ev.Kind == KindExtensionRefused {
			title = fmt.Sprintf("延期未获批准：%s，仍须在%s前答复", after.Number, after.DueDate.Chinese())
		}
		return s.tellUsers(ctx, tx, staff, NoticeExtension, title, ev.Payload.Note, after.ID, "")
	}
	return nil
}

// ReplyInput is a reply (答复): the result, the measures taken and, for
// 不属于本单位职责, the unit that should handle it.
type ReplyInput struct {
	Result      string   `json:"result"`
	Measures    string   `json:"measures"`
	RightUnit   string   `json:"right_unit"`
	Attachments []int64  `json:"attachments"`
	Uploads     []Upload `json:"-"`
}

// Reply answers appeal ref: the responsible unit, while handling (a
// pause ends with it). The enterprise is asked to evaluate within the
// class's window; a 不属于本单位职责 reply goes back to the office, which
// dispatches it to the unit named. Errors: Unauthenticated, Forbidden,
// NotFound, Conflict, Invalid (result, measures, right_unit, files).
func (s *Service) Reply(ctx context.Context, a *auth.Actor, ref string, in ReplyInput) (*Appeal, error) {
	return s.apply(ctx, a, ref, step{action: "reply", need: []auth.Action{auth.HandleAppeal}, check: checkReply,
		make: func(ctx context.Context, tx *store.Tx, c *current, now time.Time) ([]Event, error) {
			result := canon(in.Result)
			if !slices.Contains(ReplyResults, result) {
				return nil, errs.FieldErrorf("result", "办理结果应为%s", strings.Join(ReplyResults, "、"))
			}
			measures, err := cleanText("measures", "办理情况", in.Measures, 5000, true)
			if err != nil {
				return nil, err
			}
			right, err := cleanText("right_unit", "应承办单位", in.RightUnit, 64, result == ResultNotOurs)
			if err != nil {
				return nil, err
			}
			if result != ResultNotOurs {
				right = ""
			}
			files, err := s.takeFiles(ctx, tx, a, c, c.st.LastSeq+1, in.Attachments, in.Uploads, now)
			if err != nil {
				return nil, err
			}
			return []Event{newEvent(a, KindReplied, now, a.UnitID, Payload{Result: result, Measures: measures, RightUnit: right, Files: files})}, nil
		},
		tell: func(ctx context.Context, tx *store.Tx, c *current, after *Appeal, evs []Event) error {
			ev := evs[0]
			if ev.Payload.Result == ResultNotOurs {
				office, err := officeUsers(ctx, tx)
				if err != nil {
					return err
				}
				return s.tellUsers(ctx, tx, office, NoticeReturned, "诉求不属于承办单位职责，请重新派单："+after.Number,
					fmt.Sprintf("%s答复不属于本单位职责，建议由“%s”办理。", unitLabel(c.row.UnitName), ev.Payload.RightUnit), after.ID, "")
			}
			body := fmt.Sprintf("%s答复（%s）：%s", unitLabel(c.row.UnitName), ev.Payload.Result, ev.Payload.Measures)
			if after.EvalDueDate != nil {
				body += fmt.Sprintf("。请在%s前评价（满意、基本满意或不满意）。", after.EvalDueDate.Chinese())
			}
			return s.tellEnterprise(ctx, tx, c, after, NoticeReplied, "您的诉求已答复，请评价："+after.Number, body)
		}})
}

// EvaluateInput is an evaluation (好差评): the rating and a comment
// (required with 不满意).
type EvaluateInput struct {
	Rating  string `json:"rating"`
	Comment string `json:"comment"`
}

// Evaluate records the enterprise's evaluation of appeal ref's reply,
// within the window (after it, 未评价 is recorded by the job). 不满意
// reopens the appeal (重办) to the same unit with the comment, on a new
// clock. The enterprise, the client that filed the appeal (the hotline
// relays its callback) and the office (回访) may call it. Errors:
// Unauthenticated, Forbidden, NotFound, Conflict, Invalid (rating,
// comment).
func (s *Service) Evaluate(ctx context.Context, a *auth.Actor, ref string, in EvaluateInput) (*Appeal, error) {
	return s.apply(ctx, a, ref, step{action: "evaluate", need: []auth.Action{auth.EvaluateAppeal}, check: checkEvaluate,
		make: func(ctx context.Context, tx *store.Tx, c *current, now time.Time) ([]Event, error) {
			rating := canon(in.Rating)
			if !slices.Contains(Ratings, rating) {
				return nil, errs.FieldErrorf("rating", "评价应为%s", strings.Join(Ratings, "、"))
			}
			comment, err := cleanText("comment", "评价意见", in.Comment, 1000, rating == RatingUnsatisfied)
			if err != nil {
				return nil, err
			}
			evs := []Event{newEvent(a, KindEvaluated, now, nil, Payload{Rating: rating, Note: comment})}
			if rating == RatingUnsatisfied {
				evs = append(evs, newEvent(nil, KindReopened, now, c.st.UnitID, Payload{Reason: "企业不满意：" + comment}))
			}
			return evs, nil
		},
		tell: func(ctx context.Context, tx *store.Tx, c *current, after *Appeal, evs []Event) error {
			if len(evs) < 2 || after.UnitID == nil {
				return nil
			}
			return s.tellReopened(ctx, tx, after, evs[1].Payload.Reason)
		}})
}

func (s *Service) tellReopened(ctx context.Context, tx *store.Tx, after *Appeal, reason string) error {
	staff, err := unitStaff(ctx, tx, *after.UnitID)
	if err != nil {
		return err
	}
	return s.tellUsers(ctx, tx, staff, NoticeReopened, fmt.Sprintf("诉求重办：%s，请在%s前重新答复", after.Number, after.DueDate.Chinese()),
		reason, after.ID, "")
}

// Reopen reopens appeal ref (重办) to its unit on a new clock: the office
// only, for an appeal waiting to be closed or already closed. Errors:
// Unauthenticated, Forbidden, NotFound, Conflict, Invalid (reason).
func (s *Service) Reopen(ctx context.Context, a *auth.Actor, ref string, in ReasonInput) (*Appeal, error) {
	return s.apply(ctx, a, ref, step{action: "reopen", need: []auth.Action{auth.ManageAppeals}, check: checkReopen,
		make: func(ctx context.Context, tx *store.Tx, c *current, now time.Time) ([]Event, error) {
			reason, err := cleanText("reason", "重办理由", in.Reason, 1000, true)
			if err != nil {
				return nil, err
			}
			return []Event{newEvent(a, KindReopened, now, c.st.UnitID, Payload{Reason: reason})}, nil
		},
		tell: func(ctx context.Context, tx *store.Tx, c *current, after *Appeal, evs []Event) error {
			if after.UnitID == nil {
				return nil
			}
			return s.tellReopened(ctx, tx, after, evs[0].Payload.Reason)
		}})
}

// Close closes appeal ref (销号): the office, after the evaluation (or
// 未评价), or after reviewing a 不满意 it finds the reply justified for
// (then a note is required). The enterprise is told. Errors:
// Unauthenticated, Forbidden, NotFound, Conflict, Invalid (note).
func (s *Service) Close(ctx context.Context, a *auth.Actor, ref string, in NoteInput) (*Appeal, error) {
	return s.apply(ctx, a, ref, step{action: "close", need: []auth.Action{auth.ManageAppeals}, check: checkClose,
		make: func(ctx context.Context, tx *store.Tx, c *current, now time.Time) ([]Event, error) {
			note, err := cleanText("note", "审核意见", in.Note, 1000, c.reviewable())
			if err != nil {
				return nil, err
			}
			return []Event{newEvent(a, KindClosed, now, nil, Payload{Note: note})}, nil
		},
		tell: func(ctx context.Context, tx *store.Tx, c *current, after *Appeal, evs []Event) error {
			return s.tellEnterprise(ctx, tx, c, after, NoticeClosed, "您的诉求已办结销号："+after.Number, after.Title)
		}})
}

// LinkInput names the other appeal of a link or merge, by id or number;
// an empty target unlinks.
type LinkInput struct {
	Target string `json:"target"`
	Note   string `json:"note"`
}

// Link links appeal ref to another open appeal (关联): both stay, and the
// linked appeal's page follows the other's progress. An empty target
// unlinks. The office only. Errors: Unauthenticated, Forbidden, NotFound,
// Conflict, Invalid (target: itself, closed).
func (s *Service) Link(ctx context.Context, a *auth.Actor, ref string, in LinkInput) (*Appeal, error) {
	return s.apply(ctx, a, ref, step{action: "link", need: []auth.Action{auth.ManageAppeals}, check: checkLink,
		make: func(ctx context.Context, tx *store.Tx, c *current, now time.Time) ([]Event, error) {
			if strings.TrimSpace(in.Target) == "" {
				if c.st.LinkedTo == nil {
					return nil, errs.FieldErrorf("target", "请填写要关联的诉求编号")
				}
				return []Event{newEvent(a, KindLinked, now, nil, Payload{})}, nil
			}
			t, err := s.otherAppeal(ctx, tx, c, in.Target)
			if err != nil {
				return nil, err
			}
			note, err := cleanText("note", "说明", in.Note, 500, false)
			if err != nil {
				return nil, err
			}
			return []Event{newEvent(a, KindLinked, now, nil, Payload{Target: t.ID, TargetNo: t.Number, Note: note})}, nil
		}})
}

// otherAppeal reads the target of a link or merge. Errors: Invalid.
func (s *Service) otherAppeal(ctx context.Context, q store.Querier, c *current, target string) (*row, error) {
	id, err := resolveRef(ctx, q, target)
	if err != nil {
		return nil, errs.FieldErrorf("target", "诉求“%s”不存在", target)
	}
	if id == c.row.ID {
		return nil, errs.FieldErrorf("target", "不能关联或合并到诉求本身")
	}
	t, err := findRow(ctx, q, id, false)
	if err != nil {
		return nil, errs.FieldErrorf("target", "诉求“%s”不存在", target)
	}
	if !t.Status.Open() {
		return nil, errs.FieldErrorf("target", "诉求 %s 已%s", t.Number, t.Status.Label())
	}
	return t, nil
}

// Merge merges appeal ref into another open appeal (合并): ref ends as
// 已合并 and points to the target, the target records what was merged in,
// both enterprises are told; never silent, always audited. The office
// only. Errors: Unauthenticated, Forbidden, NotFound, Conflict, Invalid
// (target).
func (s *Service) Merge(ctx context.Context, a *auth.Actor, ref string, in LinkInput) (*Appeal, error) {
	var target *row
	out, err := s.apply(ctx, a, ref, step{action: "merge", need: []auth.Action{auth.ManageAppeals}, check: checkLink,
		make: func(ctx context.Context, tx *store.Tx, c *current, now time.Time) ([]Event, error) {
			t, err := s.otherAppeal(ctx, tx, c, in.Target)
			if err != nil {
				return nil, err
			}
			if t.MergedInto != nil {
				return nil, errs.FieldErrorf("target", "诉求 %s 已合并到其他诉求", t.Number)
			}
			note, err := cleanText("note", "合并说明", in.Note, 500, false)
			if err != nil {
				return nil, err
			}
			target = t
			return []Event{newEvent(a, KindMerged, now, nil, Payload{Target: t.ID, TargetNo: t.Number, Note: note})}, nil
		},
		tell: func(ctx context.Context, tx *store.Tx, c *current, after *Appeal, evs []Event) error {
			// The target records what was merged into it, in the same
			// transaction.
			tc, env, err := s.load(ctx, tx, strconv.FormatInt(target.ID, 10), true)
			if err != nil {
				return err
			}
			now := evs[0].At
			in := []Event{newEvent(a, KindMergedIn, now, nil, Payload{Target: after.ID, TargetNo: after.Number, Note: evs[0].Payload.Note})}
			merged, err := s.commit(ctx, tx, a, tc, env, in, "merge_in")
			if err != nil {
				return err
			}
			body := fmt.Sprintf("诉求 %s 已合并到 %s（%s）一并办理，办理进展请查看 %s。", after.Number, merged.Number, merged.Title, merged.Number)
			if err := s.tellEnterprise(ctx, tx, c, after, NoticeMerged, "您的诉求已合并办理："+after.Number, body); err != nil {
				return err
			}
			return s.tellEnterprise(ctx, tx, tc, merged, NoticeMerged, "有诉求并入您的诉求："+merged.Number,
				fmt.Sprintf("诉求 %s（%s）已并入 %s 一并办理。", after.Number, after.Title, merged.Number))
		}})
	return out, err
}

// ---- notifications ----

func unitLabel(name string) string {
	if name == "" {
		return "承办单位"
	}
	return name
}

// notices builds one notification per user (each once), linking to the
// appeal; with dedupe, each user's copy is sent once (key dedupe:user).
func notices(users []int64, kind, title, body string, appealID int64, dedupe string) []notify.Notification {
	seen := map[int64]bool{}
	var out []notify.Notification
	for _, u := range users {
		if seen[u] {
			continue
		}
		seen[u] = true
		id := u
		n := notify.Notification{UserID: &id, Kind: kind, Title: title, Body: body, Link: fmt.Sprintf("/appeals/%d", appealID)}
		if dedupe != "" {
			n.DedupeKey = fmt.Sprintf("%s:%d", dedupe, u)
		}
		out = append(out, n)
	}
	return out
}

// send stores ns (notify.NotifyMany: their deliveries go out in batches).
func (s *Service) send(ctx context.Context, tx *store.Tx, ns []notify.Notification) error {
	if s.notify == nil || len(ns) == 0 {
		return nil
	}
	_, _, err := s.notify.NotifyMany(ctx, tx, ns)
	return err
}

// tellUsers tells users, one notification each.
func (s *Service) tellUsers(ctx context.Context, tx *store.Tx, users []int64, kind, title, body string, appealID int64, dedupe string) error {
	return s.send(ctx, tx, notices(users, kind, title, body, appealID, dedupe))
}

// tellEnterprise tells the appeal's enterprise (every account of it), or
// the account that filed it when no enterprise is known.
func (s *Service) tellEnterprise(ctx context.Context, tx *store.Tx, c *current, after *Appeal, kind, title, body string) error {
	if s.notify == nil {
		return nil
	}
	link := fmt.Sprintf("/appeals/%d", after.ID)
	switch {
	case after.EnterpriseID != nil:
		id := *after.EnterpriseID
		_, _, err := s.notify.Notify(ctx, tx, notify.Notification{EnterpriseID: &id, Kind: kind, Title: title, Body: body, Link: link})
		return err
	case c.row.filedBy != nil:
		id := *c.row.filedBy
		_, _, err := s.notify.Notify(ctx, tx, notify.Notification{UserID: &id, Kind: kind, Title: title, Body: body, Link: link})
		return err
	}
	return nil
}

// tellDispatched tells the new responsible and co-handling units' staff.
func (s *Service) tellDispatched(ctx context.Context, tx *store.Tx, c *current, after *Appeal, evs []Event) error {
	return s.noticeDispatch(ctx, tx, after)
}

func (s *Service) noticeDispatch(ctx context.Context, tx *store.Tx, after *Appeal) error {
	ns, err := dispatchNotices(ctx, tx, after)
	if err != nil {
		return err
	}
	return s.send(ctx, tx, ns)
}

// dispatchNotices are the notices of a dispatch to the staff of the units
// that are to sign for it.
func dispatchNotices(ctx context.Context, tx *store.Tx, after *Appeal) ([]notify.Notification, error) {
	var ns []notify.Notification
	for _, u := range after.Units {
		if u.Role == RoleFirst || u.SignedAt != nil {
			continue
		}
		staff, err := unitStaff(ctx, tx, u.UnitID)
		if err != nil {
			return nil, err
		}
		due := ""
		if u.SignDueAt != nil {
			due = "，请在" + u.SignDueAt.In(workday.Shanghai).Format("1月2日15:04") + "前签收"
		}
		title := fmt.Sprintf("新派单（%s）：%s%s", u.Role, after.Number, due)
		body := fmt.Sprintf("%s：%s。办理时限：%s。", after.Category, after.Title, after.DueDate.Chinese())
		ns = append(ns, notices(staff, NoticeDispatched, title, body, after.ID, "")...)
	}
	return ns, nil
}

// account is an enabled account, as notices are addressed.
type account struct {
	id     int64
	role   auth.Role
	unitID *int64
}

// accounts returns the enabled accounts with role (any when "") and, when
// unit is not 0, of that unit. It reads through q, the caller's
// transaction, so that a transition never waits for a second connection.
func accounts(ctx context.Context, q store.Querier, role auth.Role, unit int64) ([]account, error) {
	query := `SELECT id, role, unit_id FROM users WHERE disabled = FALSE`
	var args []any
	if role != "" {
		query += ` AND role = ?`
		args = append(args, string(role))
	}
	if unit != 0 {
		query += ` AND unit_id = ?`
		args = append(args, unit)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY id LIMIT 500`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "find accounts")
	}
	defer rows.Close()
	var out []account
	for rows.Next() {
		var a account
		var r string
		if err := rows.Scan(&a.id, &r, &a.unitID); err != nil {
			return nil, errs.Wrap(err, "find accounts")
		}
		a.role = auth.Role(r)
		out = append(out, a)
	}
	return out, errs.Wrap(rows.Err(), "find accounts")
}

// unitStaff returns the accounts that handle a unit's appeals: its staff,
// and the office's administrators when the unit is the office's own.
func unitStaff(ctx context.Context, q store.Querier, unit int64) ([]int64, error) {
	list, err := accounts(ctx, q, "", unit)
	var out []int64
	for _, u := range list {
		if u.role == auth.RoleUnitStaff || u.role == auth.RoleAdmin {
			out = append(out, u.id)
		}
	}
	return out, err
}

// officeUsers returns the office's administrators.
func officeUsers(ctx context.Context, q store.Querier) ([]int64, error) {
	list, err := accounts(ctx, q, auth.RoleAdmin, 0)
	var out []int64
	for _, u := range list {
		out = append(out, u.id)
	}
	return out, err
}

// officeLeaders returns the leaders above the office: leader accounts of
// the office's own unit (the unit of an administrator) or of no unit.
func officeLeaders(ctx context.Context, q store.Querier) ([]int64, error) {
	admins, err := accounts(ctx, q, auth.RoleAdmin, 0)
	if err != nil {
		return nil, err
	}
	officeUnits := map[int64]bool{}
	for _, u := range admins {
		if u.unitID != nil {
			officeUnits[*u.unitID] = true
		}
	}
	leaders, err := accounts(ctx, q, auth.RoleLeader, 0)
	var out []int64
	for _, u := range leaders {
		if u.unitID == nil || officeUnits[*u.unitID] {
			out = append(out, u.id)
		}
	}
	return out, err
}

// unitLeaders returns the leader accounts of a unit or of a unit above it.
func (s *Service) unitLeaders(ctx context.Context, q store.Querier, unit int64) ([]int64, error) {
	units := map[int64]bool{unit: true}
	if s.units != nil {
		res, err := s.units.Holders(ctx, unit)
		if err != nil {
			return nil, err
		}
		for _, p := range res.ParentUnitIDs {
			units[p] = true
		}
	}
	leaders, err := accounts(ctx, q, auth.RoleLeader, 0)
	var out []int64
	for _, u := range leaders {
		if u.unitID != nil && units[*u.unitID] {
			out = append(out, u.id)
		}
	}
	return out, err
}
