package stats

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Dimensions of the cells: every appeal counts once in each.
const (
	dimAll      = "all" // grouped by unit (the unit_id column), or the total
	dimDistrict = "district"
	dimCategory = "category"
	dimChannel  = "channel"
)

var dims = []string{dimAll, dimDistrict, dimCategory, dimChannel}

// histBuckets is the number of reply-day buckets: 0 … 14 working days, and
// 15 or more.
const histBuckets = 16

// The counters of a cell, in column order.
const (
	cReceived = iota
	cSigned
	cSignedOnTime
	cReplied
	cRepliedOnTime
	cReplyDays
	cSolved
	cExplained
	cNotOurs
	cSatisfied
	cBasic
	cUnsatisfied
	cUnevaluated
	cClosed
	cFirstTime
	cReopened
	cReturned
	cBacklog
	cHist     // first of histBuckets
	nCounters = cHist + histBuckets
)

// counterColumns are the columns of the counters, in order.
var counterColumns = func() []string {
	cols := []string{"received", "signed", "signed_on_time", "replied", "replied_on_time", "reply_days", "solved", "explained",
		"not_ours", "satisfied", "basic", "unsatisfied", "unevaluated", "closed", "first_time", "reopened", "returned", "backlog"}
	for i := range histBuckets {
		cols = append(cols, fmt.Sprintf("rd%d", i))
	}
	return cols
}()

// vec is a cell's counters.
type vec [nCounters]int64

func (v *vec) add(o *vec, sign int64) {
	for i := range v {
		v[i] += sign * o[i]
	}
}

func (v *vec) zero() bool { return *v == vec{} }

// cellKey names a cell.
type cellKey struct {
	Dim, Month, Key string
	Unit            int64
	Status          string
}

func (k cellKey) less(o cellKey) int {
	return strings.Compare(k.Dim+"\x00"+k.Month+"\x00"+k.Key+"\x00"+fmt.Sprint(k.Unit)+"\x00"+k.Status,
		o.Dim+"\x00"+o.Month+"\x00"+o.Key+"\x00"+fmt.Sprint(o.Unit)+"\x00"+o.Status)
}

// fact is what the figures read of one appeal: the intake's dimensions and
// the derived columns.
type fact struct {
	Received      time.Time
	Channel       string
	District      string
	Category      string
	Status        string
	UnitID        int64
	SignedOnTime  *bool
	FirstReplyAt  *time.Time
	RepliedOnTime *bool
	ReplyResult   string
	Evaluation    string
	ClosedAt      *time.Time
	FirstTime     *bool
	Reopens       int
	Returns       int
	DueDate       workday.Date
}

// factOf reads the fact of an appeal.
func factOf(a *appeal.Appeal) fact {
	f := fact{Received: a.ReceivedAt, Channel: string(a.Channel), District: a.District, Category: a.Category, Status: string(a.Status),
		SignedOnTime: a.SignedOnTime, FirstReplyAt: a.FirstReplyAt, RepliedOnTime: a.RepliedOnTime, ReplyResult: a.ReplyResult,
		Evaluation: a.Evaluation, ClosedAt: a.ClosedAt, FirstTime: a.FirstTime, Reopens: a.Reopens, Returns: a.Returns, DueDate: a.DueDate}
	if a.UnitID != nil {
		f.UnitID = *a.UnitID
	}
	return f
}

// monthOf is the month (2026-03) of an instant in Asia/Shanghai.
func monthOf(t time.Time) string { return t.In(workday.Shanghai).Format("2006-01") }

// monthOfDate is the month of a date.
func monthOfDate(d workday.Date) string { return d.String()[:7] }

// lastDay is the last day of month m (2026-03).
func lastDay(m string) workday.Date {
	t, _ := time.Parse("2006-01", m)
	return workday.DateOf(time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, workday.Shanghai)).AddDays(-1)
}

// replyDays is the number of working days from the date of receipt to the
// date of the first reply, as `qinqing workday between` counts them.
func replyDays(cal *workday.Calendar, received, replied time.Time) int {
	return max(cal.Between(workday.DateOf(received), workday.DateOf(replied)), 0)
}

// contribute adds the cells of f to out: in the month of receipt every
// counter but backlog, in the month it is due the backlog (月月清零: due
// that month and not closed by its end). With only set, it adds the cells
// of that month alone.
func contribute(cal *workday.Calendar, f *fact, sign int64, out map[cellKey]*vec, only string) {
	var v vec
	v[cReceived] = 1
	if f.SignedOnTime != nil {
		v[cSigned] = 1
		if *f.SignedOnTime {
			v[cSignedOnTime] = 1
		}
	}
	if f.FirstReplyAt != nil {
		v[cReplied] = 1
		if f.RepliedOnTime != nil && *f.RepliedOnTime {
			v[cRepliedOnTime] = 1
		}
		d := replyDays(cal, f.Received, *f.FirstReplyAt)
		v[cReplyDays] = int64(d)
		v[cHist+min(d, histBuckets-1)] = 1
	}
	switch f.ReplyResult {
	case appeal.ResultSolved:
		v[cSolved] = 1
	case appeal.ResultExplained:
		v[cExplained] = 1
	case appeal.ResultNotOurs:
		v[cNotOurs] = 1
	}
	switch f.Evaluation {
	case appeal.RatingSatisfied:
		v[cSatisfied] = 1
	case appeal.RatingBasic:
		v[cBasic] = 1
	case appeal.RatingUnsatisfied:
		v[cUnsatisfied] = 1
	case appeal.RatingNone:
		v[cUnevaluated] = 1
	}
	if f.Status == string(appeal.StatusClosed) {
		v[cClosed] = 1
		if f.FirstTime != nil && *f.FirstTime {
			v[cFirstTime] = 1
		}
	}
	if f.Reopens > 0 {
		v[cReopened] = 1
	}
	if f.Returns > 0 {
		v[cReturned] = 1
	}
	var backlog vec
	due := ""
	if f.DueDate != 0 {
		due = monthOfDate(f.DueDate)
		if f.ClosedAt == nil || workday.DateOf(*f.ClosedAt) > lastDay(due) {
			backlog[cBacklog] = 1
		}
	}
	month := monthOf(f.Received)
	keys := [...]string{"", f.District, f.Category, f.Channel} // in the order of dims
	put := func(m string, v *vec) {
		if v.zero() || (only != "" && m != only) {
			return
		}
		for i, d := range dims {
			k := cellKey{Dim: d, Month: m, Key: keys[i], Unit: f.UnitID, Status: f.Status}
			c := out[k]
			if c == nil {
				c = &vec{}
				out[k] = c
			}
			c.add(v, sign)
		}
	}
	put(month, &v)
	if due != "" {
		put(due, &backlog)
	}
}

// Observe keeps the cells current: called by the appeals service inside
// the transaction of every intake, transition and replay, it takes the
// appeal's old contribution away and adds the new one (appeal.Options.Observe).
func (s *Service) Observe(ctx context.Context, tx *store.Tx, ch appeal.Change) error {
	delta := map[cellKey]*vec{}
	if ch.Before != nil {
		f := factOf(ch.Before)
		contribute(s.Calendar, &f, -1, delta, "")
	}
	if ch.After != nil {
		f := factOf(ch.After)
		contribute(s.Calendar, &f, 1, delta, "")
	}
	return upsert(ctx, tx, delta)
}

// upsert adds delta to the cells, in key order so that concurrent
// transactions lock rows in the same order.
func upsert(ctx context.Context, tx *store.Tx, delta map[cellKey]*vec) error {
	for _, st := range upserts(delta) {
		if _, err := tx.ExecContext(ctx, st.Query, st.Args...); err != nil {
			return errs.Wrap(err, "write appeal figures")
		}
	}
	return nil
}

// Statement is one SQL statement with its arguments, writing Cells cells.
type Statement struct {
	Query string
	Args  []any
	Cells int
}

// upserts returns the statements adding delta to the cells, in key order.
func upserts(delta map[cellKey]*vec) []Statement {
	keys := make([]cellKey, 0, len(delta))
	for k, v := range delta {
		if v.zero() {
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil
	}
	slices.SortFunc(keys, cellKey.less)
	const batch = 150
	var out []Statement
	for start := 0; start < len(keys); start += batch {
		part := keys[start:min(start+batch, len(keys))]
		// Only the counters some cell of the part changes are written:
		// the others keep their value (0 in a new cell, by default), so an
		// intake, which changes two of them, binds 2 counters a cell
		// instead of 34.
		var used []int
		for c := range nCounters {
			for _, k := range part {
				if delta[k][c] != 0 {
					used = append(used, c)
					break
				}
			}
		}
		cols := make([]string, 0, 5+len(used))
		cols = append(cols, "dim", "month", "key", "unit_id", "status")
		sets := make([]string, len(used))
		for i, c := range used {
			name := counterColumns[c]
			cols = append(cols, name)
			sets[i] = fmt.Sprintf("%s = appeal_stat_cells.%s + excluded.%s", name, name, name)
		}
		row := "(" + store.Placeholders(len(cols)) + ")"
		rows := make([]string, len(part))
		args := make([]any, 0, len(part)*len(cols))
		for i, k := range part {
			rows[i] = row
			args = append(args, k.Dim, k.Month, k.Key, k.Unit, k.Status)
			for _, c := range used {
				args = append(args, delta[k][c])
			}
		}
		out = append(out, Statement{"INSERT INTO appeal_stat_cells (" + strings.Join(cols, ", ") + ") VALUES " + strings.Join(rows, ", ") +
			" ON CONFLICT (dim, month, key, unit_id, status) DO UPDATE SET " + strings.Join(sets, ", "), args, len(part)})
	}
	return out
}

// Contribution returns the upserts adding appeal id's contribution to the
// cells, as its row in q reads now: what Observe writes for an appeal at
// its intake. `qinqing bench appeals` replays them in its hand-written
// loop of the intake's rows. Errors: NotFound, Internal.
func (s *Service) Contribution(ctx context.Context, q store.Querier, id int64) ([]Statement, error) {
	var f fact
	if err := scanFact(q.QueryRowContext(ctx, `SELECT `+factColumns+` FROM appeals WHERE id = ?`, id), &f); err != nil {
		return nil, store.NotFound(err, "诉求（编号%d）不存在", id)
	}
	delta := map[cellKey]*vec{}
	contribute(s.Calendar, &f, 1, delta, "")
	return upserts(delta), nil
}

// factColumns are the appeal columns a fact is read from.
const factColumns = `received_at, channel, COALESCE(district, ''), category, status, COALESCE(unit_id, 0), signed_on_time, first_reply_at,
	replied_on_time, COALESCE(reply_result, ''), COALESCE(evaluation, ''), closed_at, first_time, reopens, returns, COALESCE(due_date, '')`

func scanFact(sc interface{ Scan(...any) error }, f *fact) error {
	var (
		received                    int64
		signedOnTime, onTime, first *bool
		firstReply, closed          *int64
		due                         string
	)
	if err := sc.Scan(&received, &f.Channel, &f.District, &f.Category, &f.Status, &f.UnitID, &signedOnTime, &firstReply, &onTime,
		&f.ReplyResult, &f.Evaluation, &closed, &first, &f.Reopens, &f.Returns, &due); err != nil {
		return err
	}
	f.Received = store.FromMillis(received)
	f.SignedOnTime, f.RepliedOnTime, f.FirstTime = signedOnTime, onTime, first
	f.FirstReplyAt, f.ClosedAt = nil, nil
	if firstReply != nil {
		t := store.FromMillis(*firstReply)
		f.FirstReplyAt = &t
	}
	if closed != nil {
		t := store.FromMillis(*closed)
		f.ClosedAt = &t
	}
	f.DueDate = 0
	if due != "" {
		d, err := workday.ParseDate(due)
		if err != nil {
			return err
		}
		f.DueDate = d
	}
	return nil
}

// monthBounds returns the first instant of month m and of the month after,
// in Unix milliseconds, and its first and last day.
func monthBounds(m string) (from, to int64, first, last workday.Date) {
	t, _ := time.Parse("2006-01", m)
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, workday.Shanghai)
	end := start.AddDate(0, 1, 0)
	return store.Millis(start), store.Millis(end), workday.DateOf(start), workday.DateOf(end).AddDays(-1)
}

// computeMonth computes month m's cells from the appeals table: the
// appeals received in it, and those due in it for the backlog.
func (s *Service) computeMonth(ctx context.Context, q store.Querier, m string) (map[cellKey]*vec, error) {
	from, to, first, last := monthBounds(m)
	out := map[cellKey]*vec{}
	read := func(where string, args ...any) error {
		rows, err := q.QueryContext(ctx, `SELECT `+factColumns+` FROM appeals WHERE `+where, args...)
		if err != nil {
			return errs.Wrap(err, "read appeals for figures")
		}
		defer rows.Close()
		var f fact
		for rows.Next() {
			if err := scanFact(rows, &f); err != nil {
				return errs.Wrap(err, "read appeals for figures")
			}
			contribute(s.Calendar, &f, 1, out, m)
		}
		return errs.Wrap(rows.Err(), "read appeals for figures")
	}
	if err := read(`received_at >= ? AND received_at < ?`, from, to); err != nil {
		return nil, err
	}
	// Appeals due this month but received in another: only their backlog.
	if err := read(`due_date >= ? AND due_date <= ? AND (received_at < ? OR received_at >= ?)`, first.String(), last.String(), from, to); err != nil {
		return nil, err
	}
	return out, nil
}

// lockCells keeps every transition's Observe out of the cells until tx
// ends. On PostgreSQL a transition that commits while a month is being
// recomputed would otherwise add its delta to cells that the rebuild then
// deletes and replaces with figures read before that commit: the delta
// would be lost. SHARE ROW EXCLUSIVE waits for the transactions that
// already wrote cells and blocks new writers, and the month's appeals are
// read after it is granted; nor does a transition deadlock with the
// rewrite on a cell both insert. On SQLite the writer transaction already
// excludes every other writer.
func lockCells(ctx context.Context, tx *store.Tx) error {
	if tx.Dialect() != store.Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `LOCK TABLE appeal_stat_cells IN SHARE ROW EXCLUSIVE MODE`)
	return errs.Wrap(err, "lock appeal figures")
}

// Rebuild computes the cells of months from … to (inclusive) again from
// the appeals table, one transaction per month; with from and to empty, of
// every month an appeal was received or is due in, and marks the cells
// complete. The rebuild job runs it once after the migration; `qinqing
// appeal stats --rebuild` and the seed run it. Errors: Invalid for a bad
// month, Internal.
func (s *Service) Rebuild(ctx context.Context, from, to string, progress func(month string, cells int)) error {
	whole := from == "" && to == ""
	if whole {
		var lo, hi *int64
		var dlo, dhi *string
		if err := s.db.QueryRowContext(ctx, `SELECT MIN(received_at), MAX(received_at), MIN(due_date), MAX(due_date) FROM appeals`).
			Scan(&lo, &hi, &dlo, &dhi); err != nil {
			return errs.Wrap(err, "find the months of the appeals")
		}
		if lo != nil {
			from, to = monthOf(store.FromMillis(*lo)), monthOf(store.FromMillis(*hi))
			if dlo != nil && len(*dlo) >= 7 && (*dlo)[:7] < from {
				from = (*dlo)[:7]
			}
			if dhi != nil && len(*dhi) >= 7 && (*dhi)[:7] > to {
				to = (*dhi)[:7]
			}
		}
	}
	months := []string{}
	if from != "" {
		p, err := ParsePeriod(from, to)
		if err != nil {
			return err
		}
		months = p.Months()
	}
	for _, m := range months {
		n := 0
		if err := s.db.InTx(ctx, func(tx *store.Tx) error {
			if err := lockCells(ctx, tx); err != nil {
				return err
			}
			cells, err := s.computeMonth(ctx, tx, m)
			if err != nil {
				return err
			}
			n = len(cells)
			if _, err := tx.ExecContext(ctx, `DELETE FROM appeal_stat_cells WHERE month = ?`, m); err != nil {
				return errs.Wrap(err, "clear appeal figures")
			}
			return upsert(ctx, tx, cells)
		}); err != nil {
			return err
		}
		if progress != nil {
			progress(m, n)
		}
	}
	if whole {
		if _, err := s.db.ExecContext(ctx, `UPDATE appeal_stat_meta SET built = ?, built_at = ? WHERE id = 1`, true, store.Millis(s.Now())); err != nil {
			return errs.Wrap(err, "mark appeal figures built")
		}
	}
	return nil
}
