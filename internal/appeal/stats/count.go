package stats

import (
	"context"
	"strconv"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// measureCounters is each measure of the console's list
// (appeal.Filter.Measure) as a sum of the cells' counters: the appeals the
// list's condition for that measure keeps, which TestCountEqualsList
// checks measure by measure against the rows the list pages through.
var measureCounters = map[string]string{
	"":                          "received",
	appeal.MeasureSigned:        "signed",
	appeal.MeasureSignedOnTime:  "signed_on_time",
	appeal.MeasureSignedLate:    "signed - signed_on_time",
	appeal.MeasureNotResponded:  "received - signed_on_time",
	appeal.MeasureReplied:       "replied",
	appeal.MeasureRepliedOnTime: "replied_on_time",
	appeal.MeasureRepliedLate:   "replied - replied_on_time",
	appeal.MeasureAnswered:      "solved + explained",
	appeal.MeasureSolved:        "solved",
	appeal.MeasureExplained:     "explained",
	appeal.MeasureEvaluated:     "satisfied + basic + unsatisfied",
	appeal.MeasureSatisfied:     "satisfied + basic",
	appeal.MeasureUnsatisfied:   "unsatisfied",
	appeal.MeasureUnevaluated:   "unevaluated",
	appeal.MeasureClosed:        "closed",
	appeal.MeasureFirstTime:     "first_time",
	appeal.MeasureNotFirstTime:  "closed - first_time",
	appeal.MeasureReopened:      "reopened",
	appeal.MeasureReturned:      "returned",
	appeal.MeasureBacklog:       "backlog",
}

// Count answers how many appeals the list q names holds, from the cells
// (appeal.Options.Count): a sum over at most the months' cells of one
// dimension, where counting the list would read every appeal of the
// months. The cells are live for every month (a published month's
// frozen figures are kept apart), so the count is that of the appeals as
// they are now, as the list shows them. ok is false until the cells hold
// every appeal (their first build) and for a measure they do not keep.
func (s *Service) Count(ctx context.Context, q appeal.FigureCount) (int, bool, error) {
	expr, ok := measureCounters[q.Measure]
	if !ok {
		return 0, false, nil
	}
	if built, err := s.isBuilt(ctx); err != nil || !built {
		return 0, false, err
	}
	dim, cond, args := dimAll, "", []any{}
	switch q.Dim {
	case "":
	case "unit":
		unit, err := strconv.ParseInt(q.Key, 10, 64)
		if err != nil {
			return 0, false, nil
		}
		cond, args = " AND unit_id = ?", []any{unit}
	case "district", "category", "channel":
		dim, cond, args = q.Dim, " AND key = ?", []any{q.Key}
	default:
		return 0, false, nil
	}
	if len(q.Statuses) > 0 {
		cond += " AND status IN (" + store.Placeholders(len(q.Statuses)) + ")"
		for _, st := range q.Statuses {
			args = append(args, string(st))
		}
	}
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(`+expr+`), 0) FROM appeal_stat_cells WHERE dim = ? AND month >= ? AND month <= ?`+cond,
		append([]any{dim, q.FromMonth, q.ToMonth}, args...)...).Scan(&n)
	if err != nil {
		return 0, false, errs.Wrap(err, "count appeals from the figures")
	}
	return int(n), true, nil
}
