package plan

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/workday"
)

// remindHour is the hour (Asia/Shanghai) from which the hourly reminder
// job sends the day's digests.
const remindHour = 9

// Remind sends the day's digests: to every active staff member of a unit
// with something due, one inbox notification listing the unit's reports
// due within their plan's reminder window (提醒), its reports past their
// due date (催报), and its 督办 notices awaiting a reply. It does nothing
// on a rest day, and sends at most one digest per recipient and day,
// whichever instance runs it and however often (a dedupe key per user and
// date). It returns how many digests it sent. The hourly job JobReminders
// calls it from 9:00. Errors: Internal.
func (s *Service) Remind(ctx context.Context) (int, error) {
	today := s.today()
	if !s.cal.IsWorkday(today) || s.notify == nil {
		return 0, nil
	}
	type line struct {
		text string
		late bool
	}
	lines := map[int64][]line{}
	horizon := s.cal.AddWorkdays(today, 10)
	rows, err := s.db.QueryContext(ctx, `SELECT r.unit_id, p.title, p.cadence, p.remind_workdays, r.period, r.due_date FROM plan_reports r
		JOIN plans p ON p.id = r.plan_id WHERE p.status = ? AND r.status = ? AND r.due_date <= ? ORDER BY r.unit_id, r.due_date, p.id`,
		StatusPublished, ReportPending, horizon.String())
	if err != nil {
		return 0, errs.Wrap(err, "find reports due")
	}
	for rows.Next() {
		var unit int64
		var title string
		var c Cadence
		var remind int
		var per Period
		var due workday.Date
		if err := rows.Scan(&unit, &title, &c, &remind, &per, &due); err != nil {
			rows.Close()
			return 0, errs.Wrap(err, "find reports due")
		}
		eff := s.cal.OnOrAfter(due)
		switch left := s.cal.Between(today, eff); {
		case today > eff:
			lines[unit] = append(lines[unit], line{fmt.Sprintf("【催报】《%s》%s进展应于%s报送，已逾期%d个工作日", firstRunes(title, 30),
				per.Label(c), due.Chinese(), s.cal.Between(eff, today)), true})
		case left <= remind:
			lines[unit] = append(lines[unit], line{fmt.Sprintf("【提醒】《%s》%s进展请于%s前报送（还有%d个工作日）", firstRunes(title, 30),
				per.Label(c), due.Chinese(), left), false})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, errs.Wrap(err, "find reports due")
	}
	rows, err = s.db.QueryContext(ctx, `SELECT n.unit_id, t.numbering, p.title, n.reply_due FROM plan_notices n JOIN plan_tasks t ON t.id = n.task_id
		JOIN plans p ON p.id = n.plan_id WHERE p.status = ? AND n.status = ? ORDER BY n.unit_id, n.reply_due`, StatusPublished, NoticeOpen)
	if err != nil {
		return 0, errs.Wrap(err, "find open notices")
	}
	for rows.Next() {
		var unit int64
		var num, title string
		var due workday.Date
		if err := rows.Scan(&unit, &num, &title, &due); err != nil {
			rows.Close()
			return 0, errs.Wrap(err, "find open notices")
		}
		late := today > s.cal.OnOrAfter(due)
		word := "请于%s前回复"
		if late {
			word = "应于%s前回复，已逾期"
		}
		lines[unit] = append(lines[unit], line{fmt.Sprintf("【督办】《%s》任务 %s "+word, firstRunes(title, 30), num, due.Chinese()), late})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, errs.Wrap(err, "find open notices")
	}
	units := make([]int64, 0, len(lines))
	for u := range lines {
		units = append(units, u)
	}
	sort.Slice(units, func(i, j int) bool { return units[i] < units[j] })
	staff, err := unitStaff(ctx, s.db, units)
	if err != nil {
		return 0, err
	}
	// One digest per person: a person's units' lines together.
	byUser := map[int64][]line{}
	var users []int64
	for _, u := range units {
		for _, uid := range staff[u] {
			if _, ok := byUser[uid]; !ok {
				users = append(users, uid)
			}
			byUser[uid] = append(byUser[uid], lines[u]...)
		}
	}
	var ns []notify.Notification
	for _, uid := range users {
		ls := byUser[uid]
		late := 0
		var b strings.Builder
		for _, l := range ls {
			if l.late {
				late++
			}
			b.WriteString(l.text)
			b.WriteString("\n")
		}
		title := fmt.Sprintf("督查督办：%d 项待办", len(ls))
		if late > 0 {
			title = fmt.Sprintf("督查督办：%d 项待办，其中 %d 项已逾期", len(ls), late)
		}
		user := uid
		ns = append(ns, notify.Notification{UserID: &user, Kind: NoticeDigest, Title: title,
			Body: b.String(), Link: "/plans/workbench", DedupeKey: fmt.Sprintf("%s:%d:%s", NoticeDigest, uid, today)})
	}
	if len(ns) == 0 {
		return 0, nil
	}
	_, created, err := s.notify.NotifyMany(ctx, s.db, ns)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, c := range created {
		if c {
			sent++
		}
	}
	return sent, nil
}

func (s *Service) runReminders(ctx context.Context, _ *jobs.Job) error {
	if s.now().In(workday.Shanghai).Hour() < remindHour {
		return nil
	}
	n, err := s.Remind(ctx)
	if err == nil && n > 0 {
		s.log.Info("plan digests sent", "count", n)
	}
	return err
}
