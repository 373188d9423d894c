package network

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/qinqing/qinqing/internal/paging"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// The forms a visit takes.
const (
	FormOnSite = "上门"
	FormPhone  = "电话"
	FormOnline = "线上"
)

// VisitForms lists the forms of a visit in display order.
var VisitForms = []string{FormOnSite, FormPhone, FormOnline}

// Visit is one visit (走访) to an enterprise.
type Visit struct {
	ID             int64        `json:"id"`
	EnterpriseID   int64        `json:"enterprise_id"`
	EnterpriseName string       `json:"enterprise_name"`
	SpecialistID   int64        `json:"specialist_user_id"` // who visited
	SpecialistName string       `json:"specialist_name"`
	Date           workday.Date `json:"date"`
	Form           string       `json:"form"`
	Content        string       `json:"content"`
	Problems       string       `json:"problems"` // problems the enterprise raised; "" for none
	CreatedAt      time.Time    `json:"created_at"`
}

// VisitInput is what recording a visit takes. A zero Date is today.
type VisitInput struct {
	EnterpriseID int64        `json:"enterprise_id"`
	Date         workday.Date `json:"date"`
	Form         string       `json:"form"`
	Content      string       `json:"content"`
	Problems     string       `json:"problems"`
}

// CanRecordVisit reports whether a may record a visit to the enterprise
// whose ownership is res (auth.RecordVisit: the office, its specialist);
// RecordVisit enforces the same rule. Only accounts record visits, not
// API tokens.
func CanRecordVisit(a *auth.Actor, res auth.Resource) bool {
	return a != nil && a.UserID != 0 && a.Can(auth.RecordVisit, res)
}

// RecordVisit records a visit made by the actor. The enterprise's own
// specialist and administrators may call it (auth.RecordVisit: a
// specialist records only for the enterprises assigned to them); the
// actor must be a signed-in user, who is recorded as the visitor. Errors:
// Unauthenticated; Forbidden for another specialist's enterprise or an
// API token; NotFound for an unknown enterprise; Invalid on a field (a
// date in the future, an unknown form, empty content).
func (s *Service) RecordVisit(ctx context.Context, a *auth.Actor, in VisitInput) (*Visit, error) {
	res, err := s.EnterpriseResource(ctx, in.EnterpriseID)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(a, auth.RecordVisit, res); err != nil {
		return nil, err
	}
	if a.UserID == 0 {
		return nil, errs.Errorf(errs.Forbidden, "走访记录须由服务专员本人登录后填写，API 令牌不能登记")
	}
	today := workday.Today(s.now)
	if in.Date == 0 {
		in.Date = today
	}
	if in.Date > today {
		return nil, errs.FieldErrorf("date", "走访日期“%s”晚于今天", in.Date.Chinese())
	}
	if in.Date < workday.NewDate(2000, 1, 1) {
		return nil, errs.FieldErrorf("date", "走访日期“%s”过早", in.Date.Chinese())
	}
	if !slices.Contains(VisitForms, in.Form) {
		return nil, errs.FieldErrorf("form", "走访形式应为%s", strings.Join(VisitForms, "、"))
	}
	if in.Content, err = cleanText("content", "走访内容", in.Content, 2000, true); err != nil {
		return nil, err
	}
	if in.Problems, err = cleanText("problems", "企业反映的问题", in.Problems, 2000, false); err != nil {
		return nil, err
	}
	var out *Visit
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		name, err := enterpriseName(ctx, tx, in.EnterpriseID)
		if err != nil {
			return err
		}
		now := s.now()
		v := &Visit{EnterpriseID: in.EnterpriseID, EnterpriseName: name, SpecialistID: a.UserID, SpecialistName: a.DisplayName,
			Date: in.Date, Form: in.Form, Content: in.Content, Problems: in.Problems, CreatedAt: store.FromMillis(store.Millis(now))}
		err = tx.QueryRowContext(ctx, `INSERT INTO visits (enterprise_id, specialist_user_id, date, form, content, problems, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			v.EnterpriseID, v.SpecialistID, v.Date.String(), v.Form, v.Content, v.Problems, store.Millis(now)).Scan(&v.ID)
		if err != nil {
			return errs.Wrap(err, "insert visit")
		}
		out = v
		return s.Audit.Record(ctx, tx, "visit", strconv.FormatInt(v.ID, 10), "create", nil, v)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// VisitFilter selects visits; zero fields do not filter.
type VisitFilter struct {
	EnterpriseID int64
	SpecialistID int64 // who visited
	Limit        int   // paging.Clamp: default 50, at most 500
	Offset       int
}

// CanReadVisits reports whether a may read the visit log of the enterprise
// whose ownership is res: administrators and leaders, and its specialist
// (auth.RecordVisit). FindVisits enforces the same rule.
func CanReadVisits(a *auth.Actor, res auth.Resource) bool {
	return canRead(a) || a.Can(auth.RecordVisit, res)
}

// FindVisits returns one page of visits, newest first, and the number of
// all matches. Administrators and leaders read every visit; a specialist
// reads the visits of an enterprise assigned to them (EnterpriseID) and
// their own visits (SpecialistID = themself). Enterprises and units do not
// read visit logs. Errors: Unauthenticated, Forbidden.
func (s *Service) FindVisits(ctx context.Context, a *auth.Actor, f VisitFilter) ([]Visit, int, error) {
	if a == nil {
		return nil, 0, errs.Errorf(errs.Unauthenticated, "请先登录")
	}
	if !canRead(a) {
		switch {
		case f.EnterpriseID != 0:
			res, err := s.EnterpriseResource(ctx, f.EnterpriseID)
			if err != nil {
				return nil, 0, err
			}
			if !CanReadVisits(a, res) {
				return nil, 0, errs.Errorf(errs.Forbidden, "无权查看该企业的走访记录")
			}
		case f.SpecialistID != 0 && a.Role == auth.RoleSpecialist && f.SpecialistID == a.UserID:
		default:
			return nil, 0, errs.Errorf(errs.Forbidden, "无权查看这些走访记录")
		}
	}
	var where []string
	var args []any
	if f.EnterpriseID != 0 {
		where, args = append(where, "v.enterprise_id = ?"), append(args, f.EnterpriseID)
	}
	if f.SpecialistID != 0 {
		where, args = append(where, "v.specialist_user_id = ?"), append(args, f.SpecialistID)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM visits v`+cond, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count visits")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	rows, err := s.DB.QueryContext(ctx, `SELECT v.id, v.enterprise_id, e.name, v.specialist_user_id, u.display_name, v.date, v.form, v.content, v.problems, v.created_at
		FROM visits v JOIN enterprises e ON e.id = v.enterprise_id JOIN users u ON u.id = v.specialist_user_id`+cond+`
		ORDER BY v.date DESC, v.id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find visits")
	}
	defer rows.Close()
	out := []Visit{}
	for rows.Next() {
		var v Visit
		var date string
		var created int64
		if err := rows.Scan(&v.ID, &v.EnterpriseID, &v.EnterpriseName, &v.SpecialistID, &v.SpecialistName, &date, &v.Form, &v.Content, &v.Problems, &created); err != nil {
			return nil, 0, errs.Wrap(err, "scan visit")
		}
		if v.Date, err = workday.ParseDate(date); err != nil {
			return nil, 0, errs.Wrap(err, "scan visit")
		}
		v.CreatedAt = store.FromMillis(created)
		out = append(out, v)
	}
	return out, total, errs.Wrap(rows.Err(), "find visits")
}

// AssignedEnterprise is one enterprise on a specialist's list.
type AssignedEnterprise struct {
	EnterpriseID int64         `json:"enterprise_id"`
	USCC         string        `json:"uscc"`
	Name         string        `json:"name"`
	District     *string       `json:"district"`
	DistrictName string        `json:"district_name"`
	Street       *string       `json:"street"`
	Size         *string       `json:"size"`
	Status       *string       `json:"status"`
	AssignedAt   time.Time     `json:"assigned_at"`
	How          string        `json:"how"`
	LastVisit    *workday.Date `json:"last_visit"` // nil: never visited
	Overdue      bool          `json:"overdue"`    // not visited within the reminder period
}

// AssignedFilter selects and pages a specialist's enterprises.
type AssignedFilter struct {
	Query   string // part of the name, or the beginning of the 统一社会信用代码
	Overdue bool   // only those not visited within the reminder period
	Limit   int    // paging.Clamp: default 50, at most 500
	Offset  int
}

// overdueCutoff returns the cutoff of the reminder period on today: an
// assignment is overdue when neither a visit dated after the cutoff date
// nor the assignment itself (at or after the instant) falls within it.
func (s *Service) overdueCutoff(today workday.Date) (workday.Date, int64) {
	cutoff := today.AddDays(-s.reminderDays())
	return cutoff, store.Millis(cutoff.AddDays(1).Start())
}

// overdueCond is the condition on assignments a that are overdue; its
// arguments are the cutoff instant and date.
const overdueCond = `a.assigned_at < ? AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.enterprise_id = a.enterprise_id AND v.date > ?)`

// authorizeSpecialistList allows the specialist themself, administrators
// and leaders.
func authorizeSpecialistList(a *auth.Actor, specialistID int64) error {
	if a != nil && a.Role == auth.RoleSpecialist && a.UserID != 0 && a.UserID == specialistID {
		return nil
	}
	return authorizeRead(a)
}

// FindAssigned returns one page of the enterprises assigned to a
// specialist, by name, with the date of their last visit and whether they
// are overdue (not visited within ReminderDays, counted from the later of
// the last visit and the assignment), and the number of all matches. The
// specialist themself, administrators and leaders may call it. Errors:
// Unauthenticated, Forbidden.
func (s *Service) FindAssigned(ctx context.Context, a *auth.Actor, specialistID int64, f AssignedFilter) ([]AssignedEnterprise, int, error) {
	if err := authorizeSpecialistList(a, specialistID); err != nil {
		return nil, 0, err
	}
	cutDate, cutMs := s.overdueCutoff(workday.Today(s.now))
	where := []string{"a.specialist_user_id = ?"}
	args := []any{specialistID}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, `(e.name LIKE ? ESCAPE '\' OR e.uscc LIKE ? ESCAPE '\')`)
		args = append(args, "%"+likeEscape(q)+"%", likeEscape(strings.ToUpper(q))+"%")
	}
	if f.Overdue {
		where = append(where, overdueCond)
		args = append(args, cutMs, cutDate.String())
	}
	cond := " WHERE " + strings.Join(where, " AND ")
	from := ` FROM enterprise_assignments a JOIN enterprises e ON e.id = a.enterprise_id`
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*)`+from+cond, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "count assigned")
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	rows, err := s.DB.QueryContext(ctx, `SELECT e.id, e.uscc, e.name, e.district, e.street, e.size, e.status, a.assigned_at, a.how,
		(SELECT MAX(v.date) FROM visits v WHERE v.enterprise_id = a.enterprise_id)`+from+cond+`
		ORDER BY e.name, e.id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find assigned")
	}
	defer rows.Close()
	out := []AssignedEnterprise{}
	for rows.Next() {
		var e AssignedEnterprise
		var at int64
		var last sql.NullString
		if err := rows.Scan(&e.EnterpriseID, &e.USCC, &e.Name, &e.District, &e.Street, &e.Size, &e.Status, &at, &e.How, &last); err != nil {
			return nil, 0, errs.Wrap(err, "scan assigned")
		}
		e.AssignedAt = store.FromMillis(at)
		if e.District != nil {
			e.DistrictName = districtName(s.city(), *e.District)
		}
		if last.Valid {
			d, err := workday.ParseDate(last.String)
			if err != nil {
				return nil, 0, errs.Wrap(err, "scan assigned")
			}
			e.LastVisit = &d
		}
		e.Overdue = at < cutMs && (e.LastVisit == nil || *e.LastVisit <= cutDate)
		out = append(out, e)
	}
	return out, total, errs.Wrap(rows.Err(), "find assigned")
}

// OverdueCount returns how many of a specialist's enterprises are overdue
// for a visit, and the reminder period in days. Callers as for
// FindAssigned. Errors: Unauthenticated, Forbidden.
func (s *Service) OverdueCount(ctx context.Context, a *auth.Actor, specialistID int64) (count, days int, err error) {
	if err := authorizeSpecialistList(a, specialistID); err != nil {
		return 0, 0, err
	}
	cutDate, cutMs := s.overdueCutoff(workday.Today(s.now))
	err = s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM enterprise_assignments a WHERE a.specialist_user_id = ? AND `+overdueCond,
		specialistID, cutMs, cutDate.String()).Scan(&count)
	return count, s.reminderDays(), errs.Wrap(err, "count overdue")
}

// ReminderKind is the notification kind of a visit reminder.
const ReminderKind = "network.visit_overdue"

// RemindOverdue sends each active specialist with overdue enterprises one
// inbox notification with the count and a link to the list, at most one
// per specialist per day (dedupe key per specialist and date), and returns
// how many it sent. It counts all specialists with one GROUP BY. The
// scheduled job JobVisitReminders calls it daily; administrators may run
// it by hand. Errors: Internal.
func (s *Service) RemindOverdue(ctx context.Context) (int, error) {
	today := workday.Today(s.now)
	cutDate, cutMs := s.overdueCutoff(today)
	rows, err := s.DB.QueryContext(ctx, `SELECT a.specialist_user_id, COUNT(*) FROM enterprise_assignments a
		JOIN users u ON u.id = a.specialist_user_id
		WHERE u.disabled = FALSE AND `+overdueCond+` GROUP BY a.specialist_user_id ORDER BY a.specialist_user_id`, cutMs, cutDate.String())
	if err != nil {
		return 0, errs.Wrap(err, "count overdue visits")
	}
	type due struct {
		id    int64
		count int
	}
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.count); err != nil {
			rows.Close()
			return 0, errs.Wrap(err, "count overdue visits")
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, errs.Wrap(err, "count overdue visits")
	}
	sent := 0
	days := s.reminderDays()
	for _, d := range list {
		uid := d.id
		_, created, err := s.Notify.Notify(ctx, s.DB, notify.Notification{
			UserID: &uid, Kind: ReminderKind,
			Title:     fmt.Sprintf("您有 %d 家企业超过 %d 天未走访", d.count, days),
			Body:      fmt.Sprintf("截至%s，您负责的企业中有 %d 家在 %d 天内没有走访记录，请尽快安排走访并登记。", today.Chinese(), d.count, days),
			Link:      "/workbench?overdue=1",
			DedupeKey: fmt.Sprintf("%s:%d:%s", ReminderKind, uid, today.String()),
		})
		if err != nil {
			return sent, err
		}
		if created {
			sent++
		}
	}
	return sent, nil
}
