// Package stats computes the rates the appeals closed loop is measured and
// ranked by (接诉即办 figures, 比晾晒): per unit, district, category and
// channel, for a month, a quarter, a year or any range of months.
//
// The figures are sums over a pre-aggregation (appeal_stat_cells, 0017)
// of the appeals' derived columns, kept current inside the transaction of
// every intake and transition through appeal.Options.Observe — the
// appeal's old contribution is taken away and its new one added — so a
// page reads a few thousand rows whatever the number of appeals. The
// cells can be rebuilt from the appeals table (Rebuild), and the appeals'
// columns are themselves derived from their events (appeal.Derive): the
// tests check that the figures equal a recomputation from the events.
//
// The formulas (every one is written out by Formulas, on the rates page
// and in docs/architecture.md) read a configuration the office edits
// (which statuses count, whether 解释说明 counts as solved, the weights of
// the 比晾晒 score, the red list); every edit is a version. A published
// month's cells are frozen with the version in force, so later edits of
// the configuration or of its appeals do not move its figures; publishing
// again recomputes them.
package stats

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Units is what the organisation tells this package: the units below a
// unit (whose figures its staff read) and the units' names; org.Service
// implements it.
type Units interface {
	Subtree(ctx context.Context, id int64) ([]int64, error)
}

// Options configure a Service.
type Options struct {
	Audit    *audit.Log
	Calendar *workday.Calendar
	City     *enterprise.City // district names; nil means Wuhan
	Units    Units
	Now      func() time.Time
}

// Service computes, publishes and explains the appeal rates.
type Service struct {
	db *store.DB
	Options
	built atomic.Bool // the cells' first build is done (isBuilt)
}

// New returns the rates service on db; it touches neither the database nor
// the job runner.
func New(db *store.DB, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.City == nil {
		opts.City = enterprise.Wuhan()
	}
	return &Service{db: db, Options: opts}
}

// JobRebuild rebuilds the cells from the appeals table once (after the
// migration that created them, for the appeals filed before it).
const JobRebuild = "appeal.stats.rebuild"

// RegisterJobs registers the rebuild job.
func (s *Service) RegisterJobs(r *jobs.Runner) { r.Register(JobRebuild, s.runRebuild) }

// Schedules checks every hour whether the cells still need their first
// build.
func (s *Service) Schedules() []jobs.Period {
	return []jobs.Period{{Name: "appeal-stats-build", Kind: JobRebuild, Every: time.Hour}}
}

func (s *Service) runRebuild(ctx context.Context, _ *jobs.Job) error {
	built, err := s.isBuilt(ctx)
	if err != nil || built {
		return err
	}
	return s.Rebuild(ctx, "", "", nil)
}

// isBuilt reports whether the cells have had their first build and so
// hold every appeal; once they have, for good.
func (s *Service) isBuilt(ctx context.Context) (bool, error) {
	if s.built.Load() {
		return true, nil
	}
	var built bool
	if err := s.db.QueryRowContext(ctx, `SELECT built FROM appeal_stat_meta WHERE id = 1`).Scan(&built); err != nil {
		return false, errs.Wrap(err, "read appeal figures state")
	}
	s.built.Store(built)
	return built, nil
}

// ---- periods ----

// Period is a range of whole months, From … To inclusive (2026-01).
type Period struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// parseMonthBound reads one end of a period: 2026-03 (or 2026-3), 2026Q1
// (2026-Q1), or 2026; first picks the first month of a quarter or year,
// else the last.
func parseMonthBound(s string, first bool) (time.Time, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	bad := errs.Errorf(errs.Invalid, "时间段“%s”无法识别，应为 2026-03、2026Q1 或 2026", s)
	if y, q, ok := strings.Cut(strings.ReplaceAll(s, "-Q", "Q"), "Q"); ok {
		yy, err1 := strconv.Atoi(y)
		qq, err2 := strconv.Atoi(q)
		if err1 != nil || err2 != nil || qq < 1 || qq > 4 || yy < 2000 || yy > 2100 {
			return time.Time{}, bad
		}
		m := (qq-1)*3 + 1
		if !first {
			m += 2
		}
		return time.Date(yy, time.Month(m), 1, 0, 0, 0, 0, time.UTC), nil
	}
	if y, m, ok := strings.Cut(s, "-"); ok {
		yy, err1 := strconv.Atoi(y)
		mm, err2 := strconv.Atoi(m)
		if err1 != nil || err2 != nil || mm < 1 || mm > 12 || yy < 2000 || yy > 2100 {
			return time.Time{}, bad
		}
		return time.Date(yy, time.Month(mm), 1, 0, 0, 0, 0, time.UTC), nil
	}
	yy, err := strconv.Atoi(s)
	if err != nil || yy < 2000 || yy > 2100 {
		return time.Time{}, bad
	}
	if first {
		return time.Date(yy, 1, 1, 0, 0, 0, 0, time.UTC), nil
	}
	return time.Date(yy, 12, 1, 0, 0, 0, 0, time.UTC), nil
}

// ParsePeriod reads a period from its two ends (to empty: the same as
// from; a quarter or year as from alone covers it whole). Errors: Invalid.
func ParsePeriod(from, to string) (Period, error) {
	if strings.TrimSpace(from) == "" {
		return Period{}, errs.FieldErrorf("from", "请填写起始月份（如 2026-01）")
	}
	if strings.TrimSpace(to) == "" {
		to = from
	}
	f, err := parseMonthBound(from, true)
	if err != nil {
		return Period{}, errs.FieldErrorf("from", "%s", errs.MessageOf(err))
	}
	t, err := parseMonthBound(to, false)
	if err != nil {
		return Period{}, errs.FieldErrorf("to", "%s", errs.MessageOf(err))
	}
	if t.Before(f) {
		return Period{}, errs.FieldErrorf("to", "结束月份早于起始月份")
	}
	if n := (t.Year()-f.Year())*12 + int(t.Month()-f.Month()) + 1; n > 120 {
		return Period{}, errs.FieldErrorf("to", "时间段最长 10 年")
	}
	return Period{From: f.Format("2006-01"), To: t.Format("2006-01")}, nil
}

// Months lists the months of p.
func (p Period) Months() []string {
	f, _ := time.Parse("2006-01", p.From)
	t, _ := time.Parse("2006-01", p.To)
	var out []string
	for m := f; !m.After(t); m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	return out
}

// Previous is the period of the same length just before p.
func (p Period) Previous() Period {
	n := len(p.Months())
	f, _ := time.Parse("2006-01", p.From)
	return Period{From: f.AddDate(0, -n, 0).Format("2006-01"), To: f.AddDate(0, -1, 0).Format("2006-01")}
}

// Label writes p in Chinese: 2026年3月, 2026年第1季度, 2026年, 2026年1月至2026年5月.
func (p Period) Label() string {
	f, _ := time.Parse("2006-01", p.From)
	t, _ := time.Parse("2006-01", p.To)
	switch {
	case p.From == p.To:
		return fmt.Sprintf("%d年%d月", f.Year(), f.Month())
	case f.Year() == t.Year() && f.Month() == 1 && t.Month() == 12:
		return fmt.Sprintf("%d年", f.Year())
	case f.Year() == t.Year() && (f.Month()-1)%3 == 0 && t.Month() == f.Month()+2:
		return fmt.Sprintf("%d年第%d季度", f.Year(), (f.Month()-1)/3+1)
	}
	return fmt.Sprintf("%d年%d月至%d年%d月", f.Year(), f.Month(), t.Year(), t.Month())
}

// ---- figures ----

// Counts are the counts behind the rates of a group in a period: of the
// appeals received in it (in a counted status), except Backlog, of those
// due in it.
type Counts struct {
	Received      int64 `json:"received"`        // 受理
	Signed        int64 `json:"signed"`          // 已签收 (by the responsible unit)
	SignedOnTime  int64 `json:"signed_on_time"`  // 按时签收
	Replied       int64 `json:"replied"`         // 已答复 (first reply given)
	RepliedOnTime int64 `json:"replied_on_time"` // 按时办结: first reply by the due date
	Answered      int64 `json:"answered"`        // 有办理结果: last reply 解决 or 解释说明
	Solved        int64 `json:"solved"`          // 已解决 (解决; with 解释说明 when the configuration says so)
	Explained     int64 `json:"explained"`       // 解释说明
	NotOurs       int64 `json:"not_ours"`        // 不属于本单位职责 (last reply)
	Evaluated     int64 `json:"evaluated"`       // 已评价: 满意, 基本满意 or 不满意
	Satisfied     int64 `json:"satisfied"`       // 满意 + 基本满意
	VerySatisfied int64 `json:"very_satisfied"`  // 满意
	Unsatisfied   int64 `json:"unsatisfied"`     // 不满意
	Unevaluated   int64 `json:"unevaluated"`     // 未评价 (the window passed), apart
	Closed        int64 `json:"closed"`          // 已销号
	FirstTime     int64 `json:"first_time"`      // 一次性化解
	Reopened      int64 `json:"reopened"`        // 重办 at least once
	Returned      int64 `json:"returned"`        // 退回 at least once
	Backlog       int64 `json:"backlog"`         // 月月清零: due in the period, not closed by the end of its month
	ReplyDays     int64 `json:"reply_days"`      // working days to the first reply, summed
	hist          [histBuckets]int64
}

// AvgReplyDays is the average of working days to the first reply (nil
// without a reply).
func (c *Counts) AvgReplyDays() *float64 {
	if c.Replied == 0 {
		return nil
	}
	v := float64(c.ReplyDays) / float64(c.Replied)
	return &v
}

// P90ReplyDays is the 90th percentile of working days to the first reply
// (nil without a reply; 15 means 15 or more).
func (c *Counts) P90ReplyDays() *int {
	if c.Replied == 0 {
		return nil
	}
	need := (c.Replied*9 + 9) / 10 // ceil(0.9 n)
	var seen int64
	for d, n := range c.hist {
		seen += n
		if seen >= need {
			return &d
		}
	}
	d := histBuckets - 1
	return &d
}

// add sums the counters of cell v into c under configuration cfg.
func (c *Counts) add(v *vec, cfg *Config) {
	c.Received += v[cReceived]
	c.Signed += v[cSigned]
	c.SignedOnTime += v[cSignedOnTime]
	c.Replied += v[cReplied]
	c.RepliedOnTime += v[cRepliedOnTime]
	c.ReplyDays += v[cReplyDays]
	c.Answered += v[cSolved] + v[cExplained]
	c.Solved += v[cSolved]
	if cfg.ExplainedSolved {
		c.Solved += v[cExplained]
	}
	c.Explained += v[cExplained]
	c.NotOurs += v[cNotOurs]
	c.Satisfied += v[cSatisfied] + v[cBasic]
	c.VerySatisfied += v[cSatisfied]
	c.Unsatisfied += v[cUnsatisfied]
	c.Evaluated += v[cSatisfied] + v[cBasic] + v[cUnsatisfied]
	c.Unevaluated += v[cUnevaluated]
	c.Closed += v[cClosed]
	c.FirstTime += v[cFirstTime]
	c.Reopened += v[cReopened]
	c.Returned += v[cReturned]
	c.Backlog += v[cBacklog]
	for i := range histBuckets {
		c.hist[i] += v[cHist+i]
	}
}

func (c *Counts) merge(o *Counts) {
	c.Received += o.Received
	c.Signed += o.Signed
	c.SignedOnTime += o.SignedOnTime
	c.Replied += o.Replied
	c.RepliedOnTime += o.RepliedOnTime
	c.ReplyDays += o.ReplyDays
	c.Answered += o.Answered
	c.Solved += o.Solved
	c.Explained += o.Explained
	c.NotOurs += o.NotOurs
	c.Satisfied += o.Satisfied
	c.VerySatisfied += o.VerySatisfied
	c.Unsatisfied += o.Unsatisfied
	c.Evaluated += o.Evaluated
	c.Unevaluated += o.Unevaluated
	c.Closed += o.Closed
	c.FirstTime += o.FirstTime
	c.Reopened += o.Reopened
	c.Returned += o.Returned
	c.Backlog += o.Backlog
	for i := range histBuckets {
		c.hist[i] += o.hist[i]
	}
}

// Rates are the rates of a group in percent (nil where the denominator is
// zero). Formulas writes each one out.
type Rates struct {
	SignOnTime    *float64 `json:"sign_on_time_rate"`   // 签收及时率 = 按时签收 / 已签收
	HandleOnTime  *float64 `json:"handle_on_time_rate"` // 按时办结率 = 按时办结 / 已答复
	FirstTime     *float64 `json:"first_time_rate"`     // 一次性化解率 = 一次性化解 / 已销号
	Satisfaction  *float64 `json:"satisfaction_rate"`   // 满意率 = (满意 + 基本满意) / 已评价
	Response      *float64 `json:"response_rate"`       // 响应率 = 按时签收 / 受理
	Solve         *float64 `json:"solve_rate"`          // 解决率 = 已解决 / 有办理结果
	Reopen        *float64 `json:"reopen_rate"`         // 重办率 = 重办 / 已答复
	Return        *float64 `json:"return_rate"`         // 退回率 = 退回 / 受理
	AvgReplyDays  *float64 `json:"avg_reply_days"`      // 平均答复用时（工作日）
	P90ReplyDays  *int     `json:"p90_reply_days"`      // 答复用时 P90（工作日；15 表示 15 天及以上）
	UnevaluatedOf *float64 `json:"unevaluated_rate"`    // 未评价占比 = 未评价 / (已评价 + 未评价)
}

func pct(n, d int64) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(n) * 100 / float64(d)
	return &v
}

// RatesOf computes the rates of c.
func RatesOf(c *Counts) Rates {
	return Rates{
		SignOnTime:    pct(c.SignedOnTime, c.Signed),
		HandleOnTime:  pct(c.RepliedOnTime, c.Replied),
		FirstTime:     pct(c.FirstTime, c.Closed),
		Satisfaction:  pct(c.Satisfied, c.Evaluated),
		Response:      pct(c.SignedOnTime, c.Received),
		Solve:         pct(c.Solved, c.Answered),
		Reopen:        pct(c.Reopened, c.Replied),
		Return:        pct(c.Returned, c.Received),
		AvgReplyDays:  c.AvgReplyDays(),
		P90ReplyDays:  c.P90ReplyDays(),
		UnevaluatedOf: pct(c.Unevaluated, c.Evaluated+c.Unevaluated),
	}
}

// ResponseText, SolveText and SatisfactionText write the three rates of
// the score for people (93.1%, or — without a denominator).
func (r Rates) ResponseText() string { return Pct(r.Response) }

// SolveText writes 解决率.
func (r Rates) SolveText() string { return Pct(r.Solve) }

// SatisfactionText writes 满意率.
func (r Rates) SatisfactionText() string { return Pct(r.Satisfaction) }
