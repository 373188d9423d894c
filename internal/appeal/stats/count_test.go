package stats_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/workday"
)

// TestCountEqualsList: the lists behind the figures (whole months, one
// dimension, some statuses, one measure) take their totals from the cells;
// for every measure, dimension, set of statuses and period the cells'
// count equals the appeals the list pages through, and so does the list's
// total.
func TestCountEqualsList(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ap, st := f.App.Appeals, f.App.AppealStats
		from := time.Date(2025, 11, 1, 0, 0, 0, 0, workday.Shanghai)
		if _, err := ap.SeedHistory(f.Ctx, appeal.SeedOptions{N: 400, Seed: 11, From: from}, nil); err != nil {
			t.Fatal(err)
		}
		if err := st.Rebuild(f.Ctx, "", "", nil); err != nil {
			t.Fatal(err)
		}
		// One more appeal through the intake after the rebuild: the cells
		// count it as Observe reports it.
		if _, _, err := ap.File(f.Ctx, f.Admin, appeal.Intake{USCC: f.USCC, Channel: string(appeal.ChannelHotline), Category: "政策咨询",
			Title: "研发费用加计扣除咨询", Content: "请问研发费用加计扣除如何申报。"}); err != nil {
			t.Fatal(err)
		}
		var unit int64
		var district, category, channel string
		if err := f.App.DB.QueryRowContext(f.Ctx, `SELECT unit_id, district, category, channel FROM appeals
			WHERE unit_id IS NOT NULL AND district IS NOT NULL ORDER BY id LIMIT 1`).Scan(&unit, &district, &category, &channel); err != nil {
			t.Fatal(err)
		}
		type dimension struct {
			name string
			set  func(*appeal.Filter) appeal.FigureCount
		}
		dims := []dimension{
			{"all", func(*appeal.Filter) appeal.FigureCount { return appeal.FigureCount{} }},
			{"unit", func(fl *appeal.Filter) appeal.FigureCount {
				fl.UnitID = unit
				return appeal.FigureCount{Dim: "unit", Key: strconv.FormatInt(unit, 10)}
			}},
			{"no unit", func(fl *appeal.Filter) appeal.FigureCount {
				fl.NoUnit = true
				return appeal.FigureCount{Dim: "unit", Key: "0"}
			}},
			{"district", func(fl *appeal.Filter) appeal.FigureCount {
				fl.District = district
				return appeal.FigureCount{Dim: "district", Key: district}
			}},
			{"category", func(fl *appeal.Filter) appeal.FigureCount {
				fl.Category = category
				return appeal.FigureCount{Dim: "category", Key: category}
			}},
			{"channel", func(fl *appeal.Filter) appeal.FigureCount {
				fl.Channel = appeal.Channel(channel)
				return appeal.FigureCount{Dim: "channel", Key: channel}
			}},
		}
		measures := []string{"", appeal.MeasureSigned, appeal.MeasureSignedOnTime, appeal.MeasureSignedLate, appeal.MeasureNotResponded,
			appeal.MeasureReplied, appeal.MeasureRepliedOnTime, appeal.MeasureRepliedLate, appeal.MeasureAnswered, appeal.MeasureSolved,
			appeal.MeasureExplained, appeal.MeasureEvaluated, appeal.MeasureSatisfied, appeal.MeasureUnsatisfied, appeal.MeasureUnevaluated,
			appeal.MeasureClosed, appeal.MeasureFirstTime, appeal.MeasureNotFirstTime, appeal.MeasureReopened, appeal.MeasureReturned,
			appeal.MeasureBacklog}
		periods := [][2]workday.Date{
			{workday.NewDate(2025, 12, 1), workday.NewDate(2025, 12, 31)},
			{workday.NewDate(2025, 11, 1), workday.NewDate(2026, 3, 31)},
		}
		statuses := [][]appeal.Status{nil, {appeal.StatusClosed, appeal.StatusEvaluating, appeal.StatusClosing}}
		nonzero := 0
		for _, m := range measures {
			for _, d := range dims {
				for _, p := range periods {
					for _, sts := range statuses {
						fl := appeal.Filter{From: p[0], To: p[1], Measure: m, Statuses: sts, Limit: 500}
						q := d.set(&fl)
						q.FromMonth, q.ToMonth, q.Statuses, q.Measure = p[0].String()[:7], p[1].String()[:7], sts, m
						name := fmt.Sprintf("measure %q, %s, %s–%s, statuses %v", m, d.name, q.FromMonth, q.ToMonth, sts)
						listed, total := 0, 0
						for {
							page, n, err := ap.FindAppeals(f.Ctx, f.Admin, fl)
							if err != nil {
								t.Fatalf("%s: %v", name, err)
							}
							listed, total = listed+len(page), n
							if len(page) < fl.Limit {
								break
							}
							fl.Offset += fl.Limit
						}
						n, ok, err := st.Count(f.Ctx, q)
						if err != nil || !ok || n != listed || total != listed {
							t.Errorf("%s: the cells count %d (%v, %v), the list's total is %d, it lists %d", name, n, ok, err, total, listed)
						}
						if listed > 0 {
							nonzero++
						}
					}
				}
			}
		}
		if nonzero < len(measures)*len(dims) {
			t.Errorf("only %d of the lists hold appeals: the history is too thin to tell", nonzero)
		}
	})
}
