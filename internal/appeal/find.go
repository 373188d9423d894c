package appeal

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/paging"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// FindAppealByID returns appeal ref (an id or a number such as
// QS2026-000123) whole: its units, its history, its attachments and what
// a may do with it now. Those who may read it (auth.ViewAppeal: the
// office and leaders, the units it is with and the units above them, the
// enterprise, its specialist, the client that filed it) may call it.
// Errors: Unauthenticated, Forbidden, NotFound, Internal.
func (s *Service) FindAppealByID(ctx context.Context, a *auth.Actor, ref string) (*Appeal, error) {
	if err := auth.AuthorizeSome(a, auth.ViewAppeal); err != nil {
		return nil, err
	}
	c, _, err := s.load(ctx, s.db, ref, false)
	if err != nil {
		return nil, err
	}
	if err := checkView(a, c); err != nil {
		return nil, err
	}
	ap, err := s.readAppeal(ctx, s.db, a, c.row.ID, c.events, s.now())
	if err != nil {
		return nil, err
	}
	if ap.LinkedTo != nil {
		if t, err := findRow(ctx, s.db, *ap.LinkedTo, false); err == nil {
			ap.Linked = &Brief{ID: t.ID, Number: t.Number, Title: t.Title, Status: t.Status, Received: local(t.ReceivedAt)}
		}
	}
	return ap, nil
}

// Filter selects appeals; zero fields do not filter.
type Filter struct {
	Status       Status
	Open         bool  // only appeals not closed or merged
	Light        Light // judged now
	UnitID       int64 // the responsible unit
	District     string
	Category     string
	Channel      Channel
	From, To     workday.Date // received on these dates (inclusive)
	EnterpriseID int64
	ExternalRef  string
	Query        string // part of the number, title or enterprise name
	// Queue is one list of a unit's workbench, for the actor's unit:
	// QueueSign, QueueHandling, QueueDueSoon, QueueOverdue, QueueReopened,
	// QueueCo.
	Queue string
	Sort  string // "received" (newest first, the default) or "due" (soonest first)
	// Measure keeps the appeals behind one figure of the rates
	// (appeal/stats): a code of Measures. For "backlog" From and To are
	// the months the appeals were due in, not received in.
	Measure string
	// Statuses, if set, keeps only appeals in these statuses (the
	// statuses the rates count).
	Statuses []Status
	// NoUnit keeps only appeals with no responsible unit (with the office).
	NoUnit bool
	Limit  int // default 50, at most 500
	// Offset skips that many rows (at most 1,000,000).
	Offset int
}

// The queues of a unit's workbench.
const (
	QueueSign     = "sign"     // 待签收: to sign for, as the responsible or a co-handling unit
	QueueHandling = "handling" // 办理中 (and 待补充)
	QueueDueSoon  = "due_soon" // 临期
	QueueOverdue  = "overdue"  // 超期
	QueueReopened = "reopened" // 退回重办: back after 不满意 or reopened by the office
	QueueCo       = "co"       // 协办
)

// Queues lists the workbench queues in display order with their names.
func Queues() [][2]string {
	return [][2]string{{QueueSign, "待签收"}, {QueueHandling, "办理中"}, {QueueDueSoon, "临期"}, {QueueOverdue, "超期"},
		{QueueReopened, "退回重办"}, {QueueCo, "协办"}}
}

// lightSQL computes the light of an appeal row with now (ms) and today
// bound to the two placeholders, as State.LightAt does.
const lightSQL = `(CASE WHEN a.status NOT IN ('dispatching', 'signing', 'handling', 'paused') THEN ''
	WHEN a.status = 'signing' AND a.sign_due_at < ? THEN 'overdue'
	WHEN a.due_date < COALESCE(a.paused_date, ?) THEN 'overdue'
	WHEN a.warn_date <= COALESCE(a.paused_date, ?) THEN 'due_soon'
	ELSE 'normal' END)`

func lightArgs(now time.Time) []any {
	today := workday.DateOf(now).String()
	return []any{store.Millis(now), today, today}
}

// scope returns the condition limiting appeals to those a may read, as
// the permission table decides (auth.ViewAppeal): the office and leaders
// read all; a unit those it is with or a unit below it is with, and those
// it filed; a specialist those of their enterprises and those they filed;
// an enterprise its own.
func scope(a *auth.Actor) (string, []any, error) {
	if err := auth.AuthorizeSome(a, auth.ViewAppeal); err != nil {
		return "", nil, err
	}
	switch {
	case a.Can(auth.ViewAppeal, auth.Resource{}):
		return "", nil, nil
	case a.Role == auth.RoleUnitStaff && a.UnitID != nil:
		return `(EXISTS (SELECT 1 FROM appeal_units au WHERE au.appeal_id = a.id AND au.unit_id IN (
			WITH RECURSIVE down(id) AS (SELECT CAST(? AS BIGINT) UNION SELECT x.id FROM units x JOIN down ON x.parent_id = down.id)
			SELECT id FROM down)) OR a.client = ?)`, []any{*a.UnitID, a.ClientKey()}, nil
	case a.Role == auth.RoleSpecialist && a.UserID != 0:
		return `(a.enterprise_id IN (SELECT enterprise_id FROM enterprise_assignments WHERE specialist_user_id = ?) OR a.client = ?)`,
			[]any{a.UserID, a.ClientKey()}, nil
	case a.Role == auth.RoleEnterprise && a.EnterpriseID != nil:
		return `a.enterprise_id = ?`, []any{*a.EnterpriseID}, nil
	case a.ClientKey() != "":
		return `a.client = ?`, []any{a.ClientKey()}, nil
	}
	return "", nil, errs.Errorf(errs.Forbidden, "无权查看诉求")
}

// where builds the condition and arguments of f for a.
func (s *Service) where(a *auth.Actor, f Filter, now time.Time) (string, []any, error) {
	cond, args, err := scope(a)
	if err != nil {
		return "", nil, err
	}
	var parts []string
	if cond != "" {
		parts = append(parts, cond)
	}
	add := func(c string, v ...any) { parts = append(parts, c); args = append(args, v...) }
	if f.Status != "" {
		if !f.Status.Valid() {
			return "", nil, errs.FieldErrorf("status", "状态“%s”无效", f.Status)
		}
		add("a.status = ?", string(f.Status))
	}
	if f.Open {
		add("a.status NOT IN ('closed', 'merged')")
	}
	if f.Light != "" {
		switch f.Light {
		case LightNormal, LightDueSoon, LightOverdue:
		default:
			return "", nil, errs.FieldErrorf("light", "状态灯“%s”无效（normal、due_soon、overdue）", f.Light)
		}
		add(lightSQL+" = ?", append(lightArgs(now), string(f.Light))...)
	}
	if f.UnitID != 0 {
		add("a.unit_id = ?", f.UnitID)
	}
	if d := strings.TrimSpace(f.District); d != "" {
		code, err := s.city.ParseDistrict(d)
		if err != nil {
			return "", nil, err
		}
		add("a.district = ?", code)
	}
	if c := strings.TrimSpace(f.Category); c != "" {
		add("a.category = ?", c)
	}
	if f.Channel != "" {
		if !f.Channel.Valid() {
			return "", nil, errs.FieldErrorf("channel", "渠道“%s”无效", f.Channel)
		}
		add("a.channel = ?", string(f.Channel))
	}
	if f.Measure == MeasureBacklog {
		c, v, err := backlogSQL(f.From, f.To)
		if err != nil {
			return "", nil, err
		}
		add(c, v...)
	} else {
		if f.From != 0 {
			add("a.received_at >= ?", store.Millis(f.From.Start()))
		}
		if f.To != 0 {
			add("a.received_at < ?", store.Millis(f.To.AddDays(1).Start()))
		}
		if f.Measure != "" {
			c, v, ok := measureSQL(f.Measure)
			if !ok {
				return "", nil, errs.FieldErrorf("measure", "指标“%s”无效", f.Measure)
			}
			add(c, v...)
		}
	}
	if len(f.Statuses) > 0 {
		var in []any
		for _, st := range f.Statuses {
			if !st.Valid() {
				return "", nil, errs.FieldErrorf("statuses", "状态“%s”无效", st)
			}
			in = append(in, string(st))
		}
		add("a.status IN ("+store.Placeholders(len(in))+")", in...)
	}
	if f.NoUnit {
		add("a.unit_id IS NULL")
	}
	if f.EnterpriseID != 0 {
		add("a.enterprise_id = ?", f.EnterpriseID)
	}
	if r := strings.TrimSpace(f.ExternalRef); r != "" {
		add("a.external_ref = ?", r)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
		add(`(a.number LIKE ? ESCAPE '\' OR a.title LIKE ? ESCAPE '\' OR a.enterprise_name LIKE ? ESCAPE '\')`, strings.ToUpper(like), like, like)
	}
	if f.Queue != "" {
		if a.UnitID == nil {
			return "", nil, errs.FieldErrorf("queue", "只有责任单位账号有工作台")
		}
		unit := *a.UnitID
		switch f.Queue {
		case QueueSign:
			add(`EXISTS (SELECT 1 FROM appeal_units au WHERE au.appeal_id = a.id AND au.unit_id = ? AND au.role IN ('主办', '协办')
				AND au.signed_at IS NULL) AND a.status IN ('signing', 'handling', 'paused')`, unit)
		case QueueHandling:
			add("a.unit_id = ? AND a.status IN ('handling', 'paused')", unit)
		case QueueDueSoon, QueueOverdue:
			add("a.unit_id = ? AND "+lightSQL+" = ?", append(append([]any{unit}, lightArgs(now)...), f.Queue)...)
		case QueueReopened:
			add("a.unit_id = ? AND a.status IN ('handling', 'paused') AND a.reopens > 0", unit)
		case QueueCo:
			add(`EXISTS (SELECT 1 FROM appeal_units au WHERE au.appeal_id = a.id AND au.unit_id = ? AND au.role = '协办')`, unit)
		default:
			return "", nil, errs.FieldErrorf("queue", "工作台列表“%s”无效", f.Queue)
		}
	}
	if len(parts) == 0 {
		return "", args, nil
	}
	return " WHERE " + strings.Join(parts, " AND "), args, nil
}

// The measures of Filter.Measure: the appeals behind each figure of the
// rates (appeal/stats), and those a rate failed on.
const (
	MeasureSigned        = "signed"          // 已签收
	MeasureSignedOnTime  = "signed_on_time"  // 按时签收
	MeasureSignedLate    = "signed_late"     // 超时签收
	MeasureNotResponded  = "not_responded"   // 未及时响应: not signed, or signed late
	MeasureReplied       = "replied"         // 已答复
	MeasureRepliedOnTime = "replied_on_time" // 按时办结
	MeasureRepliedLate   = "replied_late"    // 超期答复
	MeasureAnswered      = "answered"        // 有办理结果 (解决 or 解释说明)
	MeasureSolved        = "solved"          // 解决
	MeasureExplained     = "explained"       // 解释说明
	MeasureEvaluated     = "evaluated"       // 已评价
	MeasureSatisfied     = "satisfied"       // 满意 or 基本满意
	MeasureUnsatisfied   = "unsatisfied"     // 不满意
	MeasureUnevaluated   = "unevaluated"     // 未评价
	MeasureClosed        = "closed"          // 已销号
	MeasureFirstTime     = "first_time"      // 一次性化解
	MeasureNotFirstTime  = "not_first_time"  // closed, not 一次性化解
	MeasureReopened      = "reopened"        // 重办过
	MeasureReturned      = "returned"        // 退回过
	MeasureBacklog       = "backlog"         // 月末积压: due in the months From–To, not closed by the end of the month
)

// MeasureLabel names a measure in Chinese ("" for an unknown one).
func MeasureLabel(m string) string {
	return map[string]string{MeasureSigned: "已签收", MeasureSignedOnTime: "按时签收", MeasureSignedLate: "超时签收",
		MeasureNotResponded: "未及时响应", MeasureReplied: "已答复", MeasureRepliedOnTime: "按时办结", MeasureRepliedLate: "超期答复",
		MeasureAnswered: "有办理结果", MeasureSolved: "解决", MeasureExplained: "解释说明", MeasureEvaluated: "已评价",
		MeasureSatisfied: "满意与基本满意", MeasureUnsatisfied: "不满意", MeasureUnevaluated: "未评价", MeasureClosed: "已销号",
		MeasureFirstTime: "一次性化解", MeasureNotFirstTime: "未一次性化解", MeasureReopened: "重办过", MeasureReturned: "退回过",
		MeasureBacklog: "月末积压"}[m]
}

// measureSQL is the condition of measure m.
func measureSQL(m string) (string, []any, bool) {
	switch m {
	case MeasureSigned:
		return "a.signed_on_time IS NOT NULL", nil, true
	case MeasureSignedOnTime:
		return "a.signed_on_time = ?", []any{true}, true
	case MeasureSignedLate:
		return "a.signed_on_time = ?", []any{false}, true
	case MeasureNotResponded:
		return "(a.signed_on_time IS NULL OR a.signed_on_time = ?)", []any{false}, true
	case MeasureReplied:
		return "a.first_reply_at IS NOT NULL", nil, true
	case MeasureRepliedOnTime:
		return "a.replied_on_time = ?", []any{true}, true
	case MeasureRepliedLate:
		return "a.replied_on_time = ?", []any{false}, true
	case MeasureAnswered:
		return "a.reply_result IN (?, ?)", []any{ResultSolved, ResultExplained}, true
	case MeasureSolved:
		return "a.reply_result = ?", []any{ResultSolved}, true
	case MeasureExplained:
		return "a.reply_result = ?", []any{ResultExplained}, true
	case MeasureEvaluated:
		return "a.evaluation IN (?, ?, ?)", []any{RatingSatisfied, RatingBasic, RatingUnsatisfied}, true
	case MeasureSatisfied:
		return "a.evaluation IN (?, ?)", []any{RatingSatisfied, RatingBasic}, true
	case MeasureUnsatisfied:
		return "a.evaluation = ?", []any{RatingUnsatisfied}, true
	case MeasureUnevaluated:
		return "a.evaluation = ?", []any{RatingNone}, true
	case MeasureClosed:
		return "a.status = 'closed'", nil, true
	case MeasureFirstTime:
		return "a.status = 'closed' AND a.first_time = ?", []any{true}, true
	case MeasureNotFirstTime:
		return "a.status = 'closed' AND a.first_time = ?", []any{false}, true
	case MeasureReopened:
		return "a.reopens > 0", nil, true
	case MeasureReturned:
		return "a.returns > 0", nil, true
	}
	return "", nil, false
}

// backlogSQL keeps the appeals due in the months of from … to and not
// closed by the end of the month they were due in (月月清零).
func backlogSQL(from, to workday.Date) (string, []any, error) {
	if from == 0 || to == 0 || to < from {
		return "", nil, errs.FieldErrorf("from", "月末积压需要起止日期")
	}
	var ors []string
	var args []any
	y, m, _ := from.YMD()
	for first := workday.NewDate(y, m, 1); first <= to && len(ors) < 120; {
		fy, fm, _ := first.YMD()
		next := workday.NewDate(fy, fm+1, 1)
		ors = append(ors, "(a.due_date >= ? AND a.due_date < ? AND (a.closed_at IS NULL OR a.closed_at >= ?))")
		args = append(args, first.String(), next.String(), store.Millis(next.Start()))
		first = next
	}
	return "(" + strings.Join(ors, " OR ") + ")", args, nil
}

// FindAppeals returns one page of the appeals matching f that a may read
// (see scope), and how many match in all, paged, sorted and filtered in
// SQL. Callers as for FindAppealByID. Errors: Unauthenticated, Forbidden,
// Invalid (a filter value), Internal.
func (s *Service) FindAppeals(ctx context.Context, a *auth.Actor, f Filter) ([]Appeal, int, error) {
	now := s.now()
	cond, args, err := s.where(a, f, now)
	if err != nil {
		return nil, 0, err
	}
	total, known, err := s.figureCount(ctx, a, f)
	if err != nil {
		return nil, 0, err
	}
	if !known {
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM appeals a`+cond, args...).Scan(&total); err != nil {
			return nil, 0, errs.Wrap(err, "count appeals")
		}
	}
	order := " ORDER BY a.received_at DESC, a.id DESC"
	switch f.Sort {
	case "", "received":
	case "due":
		order = " ORDER BY a.due_date, a.id"
	default:
		return nil, 0, errs.FieldErrorf("sort", "排序“%s”无效（received、due）", f.Sort)
	}
	limit, offset := paging.Clamp(f.Limit, f.Offset)
	if known && offset >= total {
		// Nothing to read: a page past the end, or none failed the
		// measure (the scan for a first page would read the months).
		return []Appeal{}, total, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+appealColumns+appealFrom+cond+order+` LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "find appeals")
	}
	defer rows.Close()
	list := []Appeal{}
	for rows.Next() {
		r, err := scanAppeal(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "find appeals")
		}
		ap := r.Appeal
		s.decorate(&ap, now)
		list = append(list, ap)
	}
	return list, total, errs.Wrap(rows.Err(), "find appeals")
}

// FigureCount is a list the rates' figures can count (appeal/stats keeps
// them per month received, or due for the backlog, per dimension and per
// status as Observe reports each change): the appeals of whole months,
// of one unit, district, category or channel or of all, in some
// statuses, behind one measure.
type FigureCount struct {
	FromMonth, ToMonth string   // 2026-03
	Dim                string   // "unit", "district", "category", "channel", or "" for all
	Key                string   // the unit's id ("0": none), the district's code, the category, the channel
	Statuses           []Status // none: every status
	Measure            string   // a code of Measures, or "" for every appeal received
}

// figureCount answers f's total from Options.Count when f is such a list
// and a sees every appeal (the office and leaders: the drill-downs of the
// rates pages), so that a month's list does not count the month's rows.
func (s *Service) figureCount(ctx context.Context, a *auth.Actor, f Filter) (int, bool, error) {
	if s.count == nil || !a.Can(auth.ViewAppeal, auth.Resource{}) || f.Status != "" || f.Open || f.Light != "" || f.EnterpriseID != 0 ||
		strings.TrimSpace(f.ExternalRef) != "" || strings.TrimSpace(f.Query) != "" || f.Queue != "" || f.From == 0 || f.To == 0 {
		return 0, false, nil
	}
	_, _, first := f.From.YMD()
	if _, _, next := (f.To + 1).YMD(); first != 1 || next != 1 || f.To < f.From {
		return 0, false, nil // not whole months
	}
	q := FigureCount{FromMonth: f.From.String()[:7], ToMonth: f.To.String()[:7], Statuses: f.Statuses, Measure: f.Measure}
	set := 0
	if f.UnitID != 0 {
		q.Dim, q.Key = "unit", strconv.FormatInt(f.UnitID, 10)
		set++
	}
	if f.NoUnit {
		q.Dim, q.Key = "unit", "0"
		set++
	}
	if d := strings.TrimSpace(f.District); d != "" {
		code, err := s.city.ParseDistrict(d)
		if err != nil {
			return 0, false, nil // where() says why
		}
		q.Dim, q.Key = "district", code
		set++
	}
	if c := strings.TrimSpace(f.Category); c != "" {
		q.Dim, q.Key = "category", c
		set++
	}
	if f.Channel != "" {
		q.Dim, q.Key = "channel", string(f.Channel)
		set++
	}
	if set > 1 {
		return 0, false, nil
	}
	return s.count(ctx, q)
}

// Counts are the headline figures of a set of appeals.
type Counts struct {
	Total       int `json:"total"`
	Open        int `json:"open"`
	Dispatching int `json:"dispatching"`
	Signing     int `json:"signing"`
	Handling    int `json:"handling"` // 办理中 and 待补充
	Evaluating  int `json:"evaluating"`
	Closing     int `json:"closing"`
	Closed      int `json:"closed"`
	DueSoon     int `json:"due_soon"`
	Overdue     int `json:"overdue"`
	Extensions  int `json:"extension_requests"` // waiting for the office's approval
	Reopened    int `json:"reopened"`           // open appeals that were reopened
	Returned    int `json:"returned"`           // returned at least once
	FirstTime   int `json:"first_time_resolved"`
	Satisfied   int `json:"satisfied"` // evaluated 满意 or 基本满意
	Evaluated   int `json:"evaluated"` // evaluated, 未评价 excluded
}

// CountAppeals returns the headline figures of the appeals a may read
// (matching f: its Queue and paging are ignored). Callers and errors as
// for FindAppeals.
func (s *Service) CountAppeals(ctx context.Context, a *auth.Actor, f Filter) (*Counts, error) {
	now := s.now()
	f.Queue = ""
	cond, args, err := s.where(a, f, now)
	if err != nil {
		return nil, err
	}
	var c Counts
	la := lightArgs(now)
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN a.status NOT IN ('closed', 'merged') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.status = 'dispatching' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.status = 'signing' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.status IN ('handling', 'paused') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.status = 'evaluating' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.status = 'closing' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.status = 'closed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN `+lightSQL+` = 'due_soon' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN `+lightSQL+` = 'overdue' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.extension_pending > 0 AND a.status NOT IN ('closed', 'merged') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.reopens > 0 AND a.status NOT IN ('closed', 'merged') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.returns > 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.first_time THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.evaluation IN ('满意', '基本满意') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.evaluation IN ('满意', '基本满意', '不满意') THEN 1 ELSE 0 END), 0)
		FROM appeals a`+cond, append(append(append([]any{}, la...), la...), args...)...).Scan(
		&c.Total, &c.Open, &c.Dispatching, &c.Signing, &c.Handling, &c.Evaluating, &c.Closing, &c.Closed, &c.DueSoon, &c.Overdue,
		&c.Extensions, &c.Reopened, &c.Returned, &c.FirstTime, &c.Satisfied, &c.Evaluated)
	if err != nil {
		return nil, errs.Wrap(err, "count appeals")
	}
	return &c, nil
}

// QueueCounts returns how many appeals each queue of the actor's unit's
// workbench holds. Unit accounts (and the office, for its own unit) may
// call it. Errors: Unauthenticated, Forbidden, Invalid (no unit), Internal.
func (s *Service) QueueCounts(ctx context.Context, a *auth.Actor) (map[string]int, error) {
	if err := auth.AuthorizeSome(a, auth.HandleAppeal); err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, q := range Queues() {
		_, n, err := s.FindAppeals(ctx, a, Filter{Queue: q[0], Limit: 1})
		if err != nil {
			return nil, err
		}
		out[q[0]] = n
	}
	return out, nil
}
