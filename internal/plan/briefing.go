package plan

import (
	"context"
	"fmt"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

// Briefing is the 工作简报 of a plan for one reporting period: the summary
// figures, the tasks by light, the units by rank, the indicators against
// their targets, and highlights and problems quoted from the period's
// reports. The office prints it from its page or edits the .docx.
type Briefing struct {
	Plan        *Plan           `json:"plan"`
	Period      Period          `json:"period"`
	PeriodLabel string          `json:"period_label"`
	Issue       int             `json:"issue"` // 第N期: the periods since publication
	Date        workday.Date    `json:"date"`
	Counts      LightCounts     `json:"counts"`
	Rate        Rate            `json:"rate"`     // the period's reports
	Missing     []string        `json:"missing"`  // units that have not filed the period's report
	Ranking     []RankRow       `json:"ranking"`  // the month the period's reports were due in
	Month       Month           `json:"month"`    // that month
	Goals       []*Goal         `json:"goals"`    // with their indicators
	Achieved    int             `json:"achieved"` // indicators meeting what is due
	Assessable  int             `json:"assessable"`
	Highlights  []Quote         `json:"highlights"`
	Problems    []Quote         `json:"problems"`
	Late        []*Task         `json:"late"` // 滞后 tasks, at most 20
	NoticesDue  int             `json:"notices_due"`
	NoticesLate int             `json:"notices_late"`
	Tracks      map[int64]Track `json:"-"`
}

// Quote is a line quoted from a report.
type Quote struct {
	Unit      string `json:"unit"`
	Numbering string `json:"numbering"`
	Title     string `json:"title"`
	Text      string `json:"text"`
	Progress  *int   `json:"progress,omitempty"`
}

// FindBriefing returns plan id's briefing for period (empty: the latest
// period whose reports are due, else the current one). Who may call it: as
// FindPlanByID, for a plan that is not a draft. Errors: as FindPlanByID;
// Invalid (a period); Conflict (a draft); Internal.
func (s *Service) FindBriefing(ctx context.Context, a *auth.Actor, id int64, period Period) (*Briefing, error) {
	p, err := s.FindPlanByID(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if p.Status == StatusDraft || p.PublishedAt == nil {
		return nil, errs.Errorf(errs.Conflict, "方案尚未发布，还没有简报")
	}
	today := s.today()
	c := p.Settings.Cadence
	first := PeriodOf(workday.DateOf(*p.PublishedAt), c)
	if period == "" {
		// The latest period whose reports are due, else the first.
		period = PeriodOf(today, c)
		for period > first && DueDate(s.cal, period, p.Settings) > today {
			period = period.Prev(c)
		}
	} else {
		if _, err := ParsePeriod(string(period)); err != nil {
			return nil, err
		}
		period = PeriodOf(period.Start(), c)
	}
	if period < first || period > PeriodOf(today, c) {
		return nil, errs.FieldErrorf("period", "%s不在方案的报送期内", period.Label(c))
	}
	b := &Briefing{Plan: p, Period: period, PeriodLabel: period.Label(c), Date: today, Counts: p.Counts, Tracks: map[int64]Track{}}
	for x := first; x <= period; x = x.Next(c) {
		b.Issue++
	}
	// The period's reports.
	rows, err := s.db.QueryContext(ctx, `SELECT u.name, r.status, r.on_time, r.due_date FROM plan_reports r JOIN units u ON u.id = r.unit_id
		WHERE r.plan_id = ? AND r.period = ? ORDER BY u.name`, id, period)
	if err != nil {
		return nil, errs.Wrap(err, "find briefing reports")
	}
	var due workday.Date
	for rows.Next() {
		var name, status string
		var onTime *bool
		if err := rows.Scan(&name, &status, &onTime, &due); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "find briefing reports")
		}
		b.Rate.Expected++
		if status == ReportFiled {
			b.Rate.Received++
			if onTime != nil && *onTime {
				b.Rate.OnTime++
			}
		} else {
			b.Missing = append(b.Missing, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "find briefing reports")
	}
	if due == 0 {
		due = DueDate(s.cal, period, p.Settings)
	}
	// Quotes: progress first (most advanced first), then problems.
	rows, err = s.db.QueryContext(ctx, `SELECT u.name, t.numbering, t.title, i.text, i.problems, i.progress FROM plan_report_items i
		JOIN plan_reports r ON r.id = i.report_id JOIN plan_tasks t ON t.id = i.task_id JOIN units u ON u.id = r.unit_id
		WHERE r.plan_id = ? AND r.period = ? ORDER BY COALESCE(i.progress, -1) DESC, t.path_key LIMIT 400`, id, period)
	if err != nil {
		return nil, errs.Wrap(err, "find briefing quotes")
	}
	for rows.Next() {
		var q Quote
		var problems string
		var progress *int64
		if err := rows.Scan(&q.Unit, &q.Numbering, &q.Title, &q.Text, &problems, &progress); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "find briefing quotes")
		}
		if progress != nil {
			n := int(*progress)
			q.Progress = &n
		}
		if q.Text != "" && len(b.Highlights) < 10 {
			q.Text = firstRunes(q.Text, 200)
			b.Highlights = append(b.Highlights, q)
		}
		if problems != "" && len(b.Problems) < 10 {
			pq := q
			pq.Text = firstRunes(problems, 200)
			b.Problems = append(b.Problems, pq)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "find briefing quotes")
	}
	if b.Late, _, err = s.FindTasks(ctx, a, TaskFilter{PlanID: id, Light: LightLate, Leaves: true, Limit: 20}); err != nil {
		return nil, err
	}
	if b.Goals, err = s.FindGoals(ctx, a, id); err != nil {
		return nil, err
	}
	inds, err := s.planIndicators(ctx, s.db, p)
	if err != nil {
		return nil, err
	}
	for _, ind := range inds {
		t := ind.Track(s.cal, today, p.Settings.FarBehindPct)
		b.Tracks[ind.ID] = t
		if t.Assessable() {
			b.Assessable++
			if t.Achieved() {
				b.Achieved++
			}
		}
	}
	b.Month = MonthOf(due)
	if b.Month > MonthOf(today) {
		b.Month = MonthOf(today)
	}
	rk, err := s.FindRanking(ctx, a, id, b.Month)
	if err != nil {
		return nil, err
	}
	b.Ranking = rk.Rows
	from, to := period.Start().String(), period.End(c).String()
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN (n.on_time IS NULL OR NOT n.on_time) THEN 1 ELSE 0 END), 0)
		FROM plan_notices n WHERE n.plan_id = ? AND n.reply_due >= ? AND n.reply_due <= ? AND n.reply_due < ?`,
		id, from, to, today.String()).Scan(&b.NoticesDue, &b.NoticesLate); err != nil {
		return nil, errs.Wrap(err, "count briefing notices")
	}
	return b, nil
}

// Summary is the briefing's opening paragraph.
func (b *Briefing) Summary() string {
	c := b.Counts
	s := fmt.Sprintf("截至%s，《%s》共有任务%d项，其中已完成%d项、进展正常%d项、预警%d项、滞后%d项。", b.Date.Chinese(), b.Plan.Title,
		c.Total, c.Done, c.OK, c.Warn, c.Late)
	if b.Rate.Expected > 0 {
		s += fmt.Sprintf("%s进展应报%d家单位，已报%d家，按时%d家", b.PeriodLabel, b.Rate.Expected, b.Rate.Received, b.Rate.OnTime)
		if len(b.Missing) > 0 {
			s += fmt.Sprintf("，未报%d家", len(b.Missing))
		}
		s += "。"
	}
	if b.Assessable > 0 {
		s += fmt.Sprintf("量化指标中已到考核节点的%d项，达到进度%d项。", b.Assessable, b.Achieved)
	}
	if b.NoticesDue > 0 {
		s += fmt.Sprintf("本期督办到期%d件，其中逾期未回复或逾期回复%d件。", b.NoticesDue, b.NoticesLate)
	}
	return s
}
