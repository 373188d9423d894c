// Package report keeps the appeals' monthly report (月度简报): for a month,
// its headline figures against the previous month (受理, 办结, 按时办结率,
// 一次性化解率, 满意率, the month-end backlog of 月月清零), the 比晾晒 of
// units (top, bottom, red list), the worst overdue appeals still open,
// the month's hot topics and what is rising, and the progress of the
// 问题清单.
//
// A report is generated as a draft on the first working day of the next
// month by a scheduled job (and whenever the office asks), from the rates
// (stats) and the analysis of the month; the office writes its two text
// sections (导语/总体情况, 问题与建议) and publishes it. Publishing
// computes the figures once more and freezes them: a published report's
// figures are stored as JSON and never change. Leaders are told when a
// report is published.
package report

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/appeal/analysis"
	"github.com/qinqing/qinqing/internal/appeal/stats"
	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Options configure a Service.
type Options struct {
	Audit    *audit.Log
	Notify   *notify.Service
	Calendar *workday.Calendar
	Stats    *stats.Service
	Analysis *analysis.Service
	Now      func() time.Time // nil: time.Now
}

// Service generates, edits and publishes the monthly reports.
type Service struct {
	db *store.DB
	Options
	system *auth.Actor
}

// New returns the monthly report service on db; it touches neither the
// database nor the job runner.
func New(db *store.DB, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{db: db, Options: opts, system: &auth.Actor{Name: audit.System, DisplayName: "系统", Role: auth.RoleAdmin}}
}

// JobGenerate generates last month's report when it is due.
const JobGenerate = "appeal.report.generate"

// RegisterJobs registers the generation job.
func (s *Service) RegisterJobs(r *jobs.Runner) { r.Register(JobGenerate, s.runGenerate) }

// Schedules checks every hour whether last month's report is due: the
// schedule's job runs once across instances, and the report's month is
// unique, so a report is generated once.
func (s *Service) Schedules() []jobs.Period {
	return []jobs.Period{{Name: "appeal-monthly-report", Kind: JobGenerate, Every: time.Hour}}
}

func (s *Service) runGenerate(ctx context.Context, _ *jobs.Job) error {
	_, err := s.GenerateDue(ctx)
	return err
}

// Report statuses.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
)

// Report is a monthly report.
type Report struct {
	ID          int64      `json:"id"`
	Month       string     `json:"month"` // 2026-09
	Title       string     `json:"title"`
	Status      string     `json:"status"`
	StatusLabel string     `json:"status_label"`
	Intro       string     `json:"intro"`       // 导语/总体情况, written by the office
	Suggestions string     `json:"suggestions"` // 问题与建议, written by the office
	Figures     Figures    `json:"figures"`
	GeneratedAt time.Time  `json:"generated_at"`
	GeneratedBy string     `json:"generated_by"`
	UpdatedAt   time.Time  `json:"updated_at"`
	UpdatedBy   string     `json:"updated_by"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	PublishedBy string     `json:"published_by,omitempty"`
}

// Published reports whether the report is published.
func (r *Report) Published() bool { return r.Status == StatusPublished }

// Permitted is what an actor may do with a report (the pages' buttons and
// the API's "permitted").
type Permitted struct {
	Edit    bool `json:"edit"`    // edit the text sections, generate again
	Publish bool `json:"publish"` // publish
}

// PermittedOn says what a may do with r.
func PermittedOn(a *auth.Actor, r *Report) Permitted {
	m := a.Can(auth.ManageAppealStats, auth.Resource{})
	return Permitted{Edit: m && !r.Published(), Publish: m && !r.Published()}
}

// Headline is a month's headline figures: the total row of the rates.
type Headline struct {
	Received     int64    `json:"received"`       // 受理
	Closed       int64    `json:"closed"`         // 办结 (已销号)
	HandleOnTime *float64 `json:"handle_on_time"` // 按时办结率
	FirstTime    *float64 `json:"first_time"`     // 一次性化解率
	Satisfaction *float64 `json:"satisfaction"`   // 满意率
	Backlog      int64    `json:"backlog"`        // 月末积压 (月月清零)
}

func headlineOf(r stats.Row) Headline {
	return Headline{Received: r.Received, Closed: r.Closed, HandleOnTime: r.Rates.HandleOnTime, FirstTime: r.Rates.FirstTime,
		Satisfaction: r.Rates.Satisfaction, Backlog: r.Backlog}
}

// Overdue is an appeal past its due date at the month's end, still open.
type Overdue struct {
	ID      int64        `json:"id"`
	Number  string       `json:"number"`
	Title   string       `json:"title"`
	Unit    string       `json:"unit"`
	DueDate workday.Date `json:"due_date"`
	Days    int          `json:"days"` // working days overdue at the month's end
}

// ProblemLine is a 问题清单 item in a report.
type ProblemLine struct {
	ID        int64        `json:"id"`
	Title     string       `json:"title"`
	OwnerUnit string       `json:"owner_unit"`
	DueDate   workday.Date `json:"due_date"`
	Status    string       `json:"status"` // 整改中, 已销号
	Progress  int          `json:"progress"`
	Overdue   bool         `json:"overdue"`
}

// Problems is the 问题清单's progress in a report.
type Problems struct {
	Open        int           `json:"open"`         // open at generation
	ClosedMonth int           `json:"closed_month"` // 销号 in the month
	Overdue     int           `json:"overdue"`      // open past their due date
	Items       []ProblemLine `json:"items"`        // open ones and those closed in the month
}

// Figures are a report's figures.
type Figures struct {
	MonthLabel string           `json:"month_label"`
	Current    Headline         `json:"current"`
	Previous   Headline         `json:"previous"`
	PrevLabel  string           `json:"previous_label"`
	Units      int              `json:"units"` // units ranked
	Top        []stats.RankRow  `json:"top"`
	Bottom     []stats.RankRow  `json:"bottom"`
	Red        []stats.RankRow  `json:"red_list"`
	Overdue    []Overdue        `json:"overdue"`
	Topics     []analysis.Topic `json:"topics"`
	Rising     []analysis.Topic `json:"rising"`
	Appeals    int              `json:"appeals"` // appeals analysed for topics
	Problems   Problems         `json:"problems"`
	ComputedAt time.Time        `json:"computed_at"`
}

// How many rows of each list a report keeps.
const (
	rankRows    = 5
	overdueRows = 10
	topicRows   = 10
	maxSection  = 5000 // runes of a text section
)

// Title is the report's title.
func title(month string) string {
	y, m := monthYM(month)
	return fmt.Sprintf("%d年%d月企业诉求办理情况简报", y, m)
}

func monthYM(month string) (int, int) {
	t, _ := time.Parse("2006-01", month)
	return t.Year(), int(t.Month())
}

// parseMonth checks a month written 2026-09. Errors: Invalid.
func parseMonth(m string) (string, error) {
	t, err := time.Parse("2006-01", strings.TrimSpace(m))
	if err != nil {
		return "", errs.FieldErrorf("month", "月份应写作 2026-09")
	}
	return t.Format("2006-01"), nil
}

// monthDays returns the first and last day of month.
func monthDays(month string) (workday.Date, workday.Date) {
	y, m := monthYM(month)
	first := workday.NewDate(y, time.Month(m), 1)
	return first, workday.NewDate(y, time.Month(m)+1, 1) - 1
}

// compute gathers the figures of month as of now.
func (s *Service) compute(ctx context.Context, month string) (*Figures, error) {
	a := s.system
	rk, err := s.Stats.Rank(ctx, a, stats.Query{From: month, To: month, By: stats.ByUnit})
	if err != nil {
		return nil, err
	}
	prev, err := s.Stats.Figures(ctx, a, stats.Query{From: rk.Previous.From, To: rk.Previous.To, By: stats.ByUnit})
	if err != nil {
		return nil, err
	}
	f := &Figures{MonthLabel: rk.PeriodLabel, Current: headlineOf(rk.Total), Previous: headlineOf(prev.Total),
		PrevLabel: prev.PeriodLabel, Units: len(rk.Ranked), Red: rk.Red, ComputedAt: s.Now()}
	f.Top = rk.Ranked[:min(rankRows, len(rk.Ranked))]
	if n := len(rk.Ranked); n > rankRows {
		f.Bottom = rk.Ranked[max(rankRows, n-rankRows):]
	}
	first, last := monthDays(month)
	if f.Overdue, err = s.overdue(ctx, last); err != nil {
		return nil, err
	}
	sc, err := analysis.MonthScope(month)
	if err != nil {
		return nil, err
	}
	tr, err := s.Analysis.Topics(ctx, a, sc)
	if err != nil {
		return nil, err
	}
	f.Appeals = tr.Appeals
	f.Topics = tr.Topics[:min(topicRows, len(tr.Topics))]
	f.Rising = tr.Rising[:min(topicRows, len(tr.Rising))]
	if f.Problems, err = s.problems(ctx, first, last); err != nil {
		return nil, err
	}
	return f, nil
}

// openStatuses are the statuses in which an appeal's clock runs or is
// paused: those an overdue appeal can be in.
const openStatuses = `('dispatching', 'signing', 'handling', 'paused')`

// overdue returns the appeals still open that were past their due date at
// the end of the month (last), most working days overdue first.
func (s *Service) overdue(ctx context.Context, last workday.Date) ([]Overdue, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, COALESCE(a.number, ''), a.title, COALESCE(u.name, ''), a.due_date
		FROM appeals a LEFT JOIN units u ON u.id = a.unit_id
		WHERE a.status IN `+openStatuses+` AND a.due_date IS NOT NULL AND a.due_date < ?
		ORDER BY a.due_date, a.id LIMIT ?`, last.String(), overdueRows)
	if err != nil {
		return nil, errs.Wrap(err, "find overdue appeals")
	}
	defer rows.Close()
	var out []Overdue
	for rows.Next() {
		var o Overdue
		if err := rows.Scan(&o.ID, &o.Number, &o.Title, &o.Unit, &o.DueDate); err != nil {
			return nil, errs.Wrap(err, "scan overdue appeal")
		}
		o.Days = s.Calendar.Between(o.DueDate, last)
		out = append(out, o)
	}
	return out, errs.Wrap(rows.Err(), "find overdue appeals")
}

// problems returns the 问题清单's progress: items open now and those closed
// in the month.
func (s *Service) problems(ctx context.Context, first, last workday.Date) (Problems, error) {
	var out Problems
	list, _, err := s.Analysis.FindProblems(ctx, s.system, analysis.ProblemFilter{Limit: 500})
	if err != nil {
		return out, err
	}
	for _, p := range list {
		closedInMonth := p.ClosedAt != nil && workday.DateOf(*p.ClosedAt) >= first && workday.DateOf(*p.ClosedAt) <= last
		switch {
		case p.Status == analysis.ProblemOpen:
			out.Open++
			if p.Overdue {
				out.Overdue++
			}
		case closedInMonth:
			out.ClosedMonth++
		default:
			continue
		}
		out.Items = append(out.Items, ProblemLine{ID: p.ID, Title: p.Title, OwnerUnit: p.OwnerUnit, DueDate: p.DueDate,
			Status: p.StatusLabel, Progress: p.Progress, Overdue: p.Overdue})
	}
	return out, nil
}

const reportColumns = `id, month, status, figures, intro, suggestions, generated_at, generated_by, updated_at, updated_by, published_at,
	COALESCE(published_by, '')`

func scanReport(sc interface{ Scan(...any) error }) (*Report, error) {
	var r Report
	var figures string
	var gen, upd int64
	var pub *int64
	if err := sc.Scan(&r.ID, &r.Month, &r.Status, &figures, &r.Intro, &r.Suggestions, &gen, &r.GeneratedBy, &upd, &r.UpdatedBy,
		&pub, &r.PublishedBy); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(figures), &r.Figures); err != nil {
		return nil, errs.Wrap(err, "read report figures")
	}
	r.GeneratedAt, r.UpdatedAt = time.UnixMilli(gen), time.UnixMilli(upd)
	if pub != nil {
		t := time.UnixMilli(*pub)
		r.PublishedAt = &t
	}
	r.Title = title(r.Month)
	r.StatusLabel = "草稿"
	if r.Published() {
		r.StatusLabel = "已发布"
	}
	return &r, nil
}

func (s *Service) load(ctx context.Context, q store.Querier, where string, arg any) (*Report, error) {
	r, err := scanReport(q.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM appeal_reports WHERE `+where, arg))
	if err == store.ErrNoRows {
		return nil, errs.Errorf(errs.NotFound, "月度简报不存在")
	}
	if err != nil {
		return nil, errs.Wrap(err, "load report")
	}
	return r, nil
}

// canSee says whether a may read r: a published report every role granted
// ViewAppealReports, a draft those granted ViewAppealReportDrafts.
func canSee(a *auth.Actor, r *Report) bool {
	if r.Published() {
		return a.Can(auth.ViewAppealReports, auth.Resource{})
	}
	return a.Can(auth.ViewAppealReportDrafts, auth.Resource{})
}

// FindReports lists the reports, newest month first: every one for the
// office and leaders, the published ones for units' staff
// (auth.ViewAppealReports, auth.ViewAppealReportDrafts). Errors:
// Unauthenticated, Forbidden, Internal.
func (s *Service) FindReports(ctx context.Context, a *auth.Actor) ([]Report, error) {
	if err := auth.AuthorizeSome(a, auth.ViewAppealReports); err != nil {
		return nil, err
	}
	where := "1 = 1"
	if !a.Can(auth.ViewAppealReportDrafts, auth.Resource{}) {
		where = "status = 'published'"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+reportColumns+` FROM appeal_reports WHERE `+where+` ORDER BY month DESC LIMIT 240`)
	if err != nil {
		return nil, errs.Wrap(err, "find reports")
	}
	defer rows.Close()
	var out []Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, errs.Wrap(err, "scan report")
		}
		out = append(out, *r)
	}
	return out, errs.Wrap(rows.Err(), "find reports")
}

// FindReport returns report id. Who may call it: as FindReports; a draft
// the actor may not read is NotFound. Errors: Unauthenticated, Forbidden,
// NotFound, Internal.
func (s *Service) FindReport(ctx context.Context, a *auth.Actor, id int64) (*Report, error) {
	if err := auth.AuthorizeSome(a, auth.ViewAppealReports); err != nil {
		return nil, err
	}
	r, err := s.load(ctx, s.db, "id = ?", id)
	if err != nil {
		return nil, err
	}
	if !canSee(a, r) {
		return nil, errs.Errorf(errs.NotFound, "月度简报不存在")
	}
	return r, nil
}

// Latest returns the newest report a may read, nil when there is none.
// Who may call it: as FindReports. Errors: Unauthenticated, Forbidden,
// Internal.
func (s *Service) Latest(ctx context.Context, a *auth.Actor) (*Report, error) {
	list, err := s.FindReports(ctx, a)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}

// Generate generates the report of month (2026-09) as a draft, or
// computes a draft's figures again (its text sections are kept). The
// office may call it (auth.ManageAppealStats). Errors: Unauthenticated,
// Forbidden, Invalid (month, a month not yet over), Conflict (published),
// those of the rates and the analysis.
func (s *Service) Generate(ctx context.Context, a *auth.Actor, month string) (*Report, error) {
	if err := auth.AuthorizeSome(a, auth.ManageAppealStats); err != nil {
		return nil, err
	}
	m, err := parseMonth(month)
	if err != nil {
		return nil, err
	}
	first, _ := monthDays(m)
	if workday.Today(s.Now) < first {
		return nil, errs.FieldErrorf("month", "%s尚未开始，不能生成简报", m)
	}
	return s.generate(ctx, a, m)
}

func (s *Service) generate(ctx context.Context, a *auth.Actor, m string) (*Report, error) {
	f, err := s.compute(ctx, m)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(f)
	if err != nil {
		return nil, errs.Wrap(err, "write report figures")
	}
	now := store.Millis(s.Now())
	var out *Report
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		old, err := s.load(ctx, tx, "month = ?", m)
		switch {
		case errs.CodeOf(err) == errs.NotFound:
			if _, err := tx.ExecContext(ctx, `INSERT INTO appeal_reports (month, status, figures, generated_at, generated_by, updated_at, updated_by)
				VALUES (?, 'draft', ?, ?, ?, ?, ?)`, m, string(data), now, a.Name, now, a.Name); err != nil {
				if store.IsUniqueViolation(err) {
					return errs.Errorf(errs.Conflict, "%s的简报正在生成，请稍后刷新", m)
				}
				return errs.Wrap(err, "save report")
			}
		case err != nil:
			return err
		case old.Published():
			return errs.Errorf(errs.Conflict, "%s的简报已发布，数据已固定，不能重新生成", m)
		default:
			if _, err := tx.ExecContext(ctx, `UPDATE appeal_reports SET figures = ?, generated_at = ?, generated_by = ? WHERE id = ?`,
				string(data), now, a.Name, old.ID); err != nil {
				return errs.Wrap(err, "save report")
			}
		}
		if out, err = s.load(ctx, tx, "month = ?", m); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "appeal_report", m, "generate", nil, map[string]any{"month": m})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GenerateDue generates last month's report when today is its month's
// first working day or later and it does not exist yet; it returns the
// report made, or nil. The scheduled job calls it. Errors: those of
// Generate.
func (s *Service) GenerateDue(ctx context.Context) (*Report, error) {
	today := workday.Today(s.Now)
	y, mo, _ := today.YMD()
	firstDay := workday.NewDate(y, mo, 1)
	if today < s.Calendar.OnOrAfter(firstDay) {
		return nil, nil
	}
	m := (firstDay - 1).String()[:7]
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM appeal_reports WHERE month = ?`, m).Scan(&n); err != nil {
		return nil, errs.Wrap(err, "read reports")
	}
	if n > 0 {
		return nil, nil
	}
	r, err := s.generate(ctx, s.system, m)
	if errs.CodeOf(err) == errs.Conflict {
		return nil, nil // another instance made it
	}
	return r, err
}

// Sections are the report's text sections the office writes.
type Sections struct {
	Intro       string `json:"intro"`       // 导语/总体情况
	Suggestions string `json:"suggestions"` // 问题与建议
}

// SaveSections saves the text sections of draft id. The office may call
// it (auth.ManageAppealStats). Errors: Unauthenticated, Forbidden,
// NotFound, Conflict (published), Invalid (too long, invalid text).
func (s *Service) SaveSections(ctx context.Context, a *auth.Actor, id int64, in Sections) (*Report, error) {
	if err := auth.AuthorizeSome(a, auth.ManageAppealStats); err != nil {
		return nil, err
	}
	for _, f := range []struct{ field, label, text string }{{"intro", "导语", in.Intro}, {"suggestions", "问题与建议", in.Suggestions}} {
		if !utf8.ValidString(f.text) || strings.ContainsRune(f.text, 0) {
			return nil, errs.FieldErrorf(f.field, "%s含有无效字符", f.label)
		}
		if utf8.RuneCountInString(f.text) > maxSection {
			return nil, errs.FieldErrorf(f.field, "%s最多 %d 字", f.label, maxSection)
		}
	}
	in.Intro, in.Suggestions = strings.TrimSpace(in.Intro), strings.TrimSpace(in.Suggestions)
	var out *Report
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		r, err := s.load(ctx, tx, "id = ?", id)
		if err != nil {
			return err
		}
		if r.Published() {
			return errs.Errorf(errs.Conflict, "简报已发布，不能再修改")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE appeal_reports SET intro = ?, suggestions = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
			in.Intro, in.Suggestions, store.Millis(s.Now()), a.Name, id); err != nil {
			return errs.Wrap(err, "save report sections")
		}
		if out, err = s.load(ctx, tx, "id = ?", id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "appeal_report", r.Month, "edit", Sections{r.Intro, r.Suggestions}, in)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Publish computes draft id's figures a last time, freezes them and
// publishes it, and tells every leader. The office may call it
// (auth.ManageAppealStats). Errors: Unauthenticated, Forbidden, NotFound,
// Conflict (already published), those of the rates and the analysis.
func (s *Service) Publish(ctx context.Context, a *auth.Actor, id int64) (*Report, error) {
	if err := auth.AuthorizeSome(a, auth.ManageAppealStats); err != nil {
		return nil, err
	}
	r, err := s.load(ctx, s.db, "id = ?", id)
	if err != nil {
		return nil, err
	}
	if r.Published() {
		return nil, errs.Errorf(errs.Conflict, "简报已发布")
	}
	f, err := s.compute(ctx, r.Month)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(f)
	if err != nil {
		return nil, errs.Wrap(err, "write report figures")
	}
	now := s.Now()
	var out *Report
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE appeal_reports SET status = 'published', figures = ?, published_at = ?, published_by = ?,
			updated_at = ?, updated_by = ? WHERE id = ? AND status = 'draft'`, string(data), store.Millis(now), a.Name, store.Millis(now), a.Name, id)
		if err != nil {
			return errs.Wrap(err, "publish report")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Errorf(errs.Conflict, "简报已发布")
		}
		if out, err = s.load(ctx, tx, "id = ?", id); err != nil {
			return err
		}
		if err := s.tellLeaders(ctx, tx, out); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "appeal_report", r.Month, "publish", nil, map[string]any{"month": r.Month})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// tellLeaders notifies every active leader account of a published report.
func (s *Service) tellLeaders(ctx context.Context, tx *store.Tx, r *Report) error {
	if s.Notify == nil {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM users WHERE role = ? AND NOT disabled ORDER BY id`, string(auth.RoleLeader))
	if err != nil {
		return errs.Wrap(err, "find leaders")
	}
	var ns []notify.Notification
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return errs.Wrap(err, "find leaders")
		}
		ns = append(ns, notify.Notification{UserID: &id, Kind: "appeal.report", Title: r.Title + "已发布",
			Body: fmt.Sprintf("受理 %d 件，办结 %d 件，按时办结率 %s，满意率 %s。", r.Figures.Current.Received, r.Figures.Current.Closed,
				stats.Pct(r.Figures.Current.HandleOnTime), stats.Pct(r.Figures.Current.Satisfaction)),
			Link: fmt.Sprintf("/appeal-reports/%d", r.ID), DedupeKey: fmt.Sprintf("appeal-report:%s:%d", r.Month, id)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "find leaders")
	}
	if len(ns) == 0 {
		return nil
	}
	_, _, err = s.Notify.NotifyMany(ctx, tx, ns)
	return err
}

// Labels names in Chinese what this package records in the audit log.
func Labels() audit.LabelSet {
	return audit.LabelSet{
		Entities: map[string]string{"appeal_report": "月度简报"},
		Actions: map[string]string{"appeal_report:generate": "生成", "appeal_report:edit": "编辑",
			"appeal_report:publish": "发布"},
		Jobs: map[string]string{JobGenerate: "生成诉求月度简报"},
	}
}

// Summary writes the headline figures as a sentence.
func (f *Figures) Summary() string {
	c, p := f.Current, f.Previous
	return fmt.Sprintf("%s共受理企业诉求 %d 件（%s %d 件），办结 %d 件；按时办结率 %s，一次性化解率 %s，满意率 %s；月末积压 %d 件%s。",
		f.MonthLabel, c.Received, f.PrevLabel, p.Received, c.Closed, stats.Pct(c.HandleOnTime), stats.Pct(c.FirstTime),
		stats.Pct(c.Satisfaction), c.Backlog, map[bool]string{true: "，实现月月清零", false: ""}[c.Backlog == 0])
}

// HeadlineRows are the headline figures of the month and the month before,
// one row per figure: its name, this month's, last month's.
func (f *Figures) HeadlineRows() [][]string {
	c, p := f.Current, f.Previous
	return [][]string{
		{"受理（件）", fmt.Sprint(c.Received), fmt.Sprint(p.Received)},
		{"办结（件）", fmt.Sprint(c.Closed), fmt.Sprint(p.Closed)},
		{"按时办结率", stats.Pct(c.HandleOnTime), stats.Pct(p.HandleOnTime)},
		{"一次性化解率", stats.Pct(c.FirstTime), stats.Pct(p.FirstTime)},
		{"满意率", stats.Pct(c.Satisfaction), stats.Pct(p.Satisfaction)},
		{"月末积压（件）", fmt.Sprint(c.Backlog), fmt.Sprint(p.Backlog)},
	}
}

// RedNames lists the red list's names.
func (f *Figures) RedNames() string {
	var out []string
	for _, r := range f.Red {
		out = append(out, r.Name)
	}
	return strings.Join(out, "、")
}

// RisingWords lists the rising topics with their counts.
func (f *Figures) RisingWords() string {
	var out []string
	for _, t := range f.Rising {
		out = append(out, fmt.Sprintf("%s（%d 件，上月 %d 件）", t.Word, t.Appeals, t.Prev))
	}
	return strings.Join(out, "、")
}

// HandleOnTimeText writes 按时办结率 (93.1%, or — without a denominator).
func (h Headline) HandleOnTimeText() string { return stats.Pct(h.HandleOnTime) }

// SatisfactionText writes 满意率.
func (h Headline) SatisfactionText() string { return stats.Pct(h.Satisfaction) }
