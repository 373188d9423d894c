package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/qinqing/qinqing/internal/appeal/stats"
	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/errs"
)

// runAppealStats is `qinqing appeal stats` (see appealUsage).
func runAppealStats(ctx context.Context, env Env, cfg config.Config, args []string) error {
	fs := newFlagSet(env, "appeal stats", "appeal stats --from 2026-01 [--to 2026-03] [--by unit|district|category|channel] [--rank] [--json] [--db DSN]", appealUsage)
	cfg.DBFlag(fs)
	from := fs.String("from", "", "first month (2026-01; 2026Q1; 2026)")
	to := fs.String("to", "", "last month (default: as --from)")
	by := fs.String("by", stats.ByUnit, "group by unit, district, category or channel")
	rank := fs.Bool("rank", false, "print the ranking (by unit or district) instead")
	asJSON := fs.Bool("json", false, "print JSON on stdout")
	rebuild := fs.Bool("rebuild", false, "compute the figures again from the appeals")
	publish := fs.String("publish", "", "freeze (or recompute) the figures of a month")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 || (*from == "" && !*rebuild && *publish == "") {
		fs.Usage()
		return exitError{code: 2}
	}
	if *by != stats.ByUnit && *by != stats.ByDistrict && *by != stats.ByCategory && *by != stats.ByChannel {
		return usageErrorf("--by 应为 unit、district、category 或 channel")
	}
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	ctx = audit.WithActor(ctx, audit.Who{Name: "cli"})
	op := auth.Operator("cli")
	s := a.AppealStats
	switch {
	case *rebuild:
		start := time.Now()
		n := 0
		err := s.Rebuild(ctx, *from, *to, func(month string, cells int) {
			n++
			fmt.Fprintf(env.Stderr, "\r重建 %s（%d 格）", month, cells)
		})
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "已重建 %d 个月的诉求指标，用时 %.1f 秒\n", n, time.Since(start).Seconds())
		return nil
	case *publish != "":
		m, err := s.Publish(ctx, op, *publish)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "已发布 %s 的诉求指标（口径第 %d 版）\n", m.Month, m.ConfigVersion)
		return nil
	}
	q := stats.Query{From: *from, To: *to, By: *by}
	var v any
	if *rank {
		if q.By != stats.ByUnit && q.By != stats.ByDistrict {
			return usageErrorf("--rank 只按 unit 或 district 排名")
		}
		rk, err := s.Rank(ctx, op, q)
		if err != nil {
			return err
		}
		v = rk
		if !*asJSON {
			return printRanking(env.Stdout, rk)
		}
	} else {
		rep, err := s.Figures(ctx, op, q)
		if err != nil {
			return err
		}
		v = rep
		if !*asJSON {
			return printFigures(env.Stdout, rep)
		}
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return errs.Wrap(enc.Encode(v), "write figures")
}

func days(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

func p90(v *int) string {
	if v == nil {
		return "—"
	}
	return strconv.Itoa(*v)
}

func printFigures(w io.Writer, rep *stats.Report) error {
	fmt.Fprintf(w, "%s 诉求办理指标（按%s；口径第 %d 版）\n", rep.PeriodLabel, rep.ByLabel, rep.Config.Version)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "名称\t受理\t签收及时率\t按时办结率\t一次性化解率\t满意率\t未评价\t响应率\t解决率\t重办率\t退回率\t月末积压\t平均用时\tP90")
	line := func(r *stats.Row) {
		x := r.Rates
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.Name, r.Received, stats.Pct(x.SignOnTime),
			stats.Pct(x.HandleOnTime), stats.Pct(x.FirstTime), stats.Pct(x.Satisfaction), r.Unevaluated, stats.Pct(x.Response),
			stats.Pct(x.Solve), stats.Pct(x.Reopen), stats.Pct(x.Return), r.Backlog, days(x.AvgReplyDays), p90(x.P90ReplyDays))
	}
	for i := range rep.Rows {
		line(&rep.Rows[i])
	}
	line(&rep.Total)
	return errs.Wrap(tw.Flush(), "write figures")
}

func printRanking(w io.Writer, rk *stats.Ranking) error {
	fmt.Fprintf(w, "%s 比晾晒（按%s；与%s相比）\n", rk.PeriodLabel, rk.ByLabel, rk.Previous.Label())
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "排名\t名称\t得分\t变化\t响应率\t解决率\t满意率\t亮红灯")
	for _, r := range rk.Ranked {
		red := ""
		if r.Red {
			red = "亮红灯"
		}
		change := r.TrendArrow()
		if r.Change != 0 {
			change += strconv.Itoa(r.Places())
		}
		fmt.Fprintf(tw, "%d\t%s\t%.1f\t%s\t%s\t%s\t%s\t%s\n", r.Rank, r.Name, *r.Score, change, stats.Pct(r.Rates.Response),
			stats.Pct(r.Rates.Solve), stats.Pct(r.Rates.Satisfaction), red)
	}
	return errs.Wrap(tw.Flush(), "write ranking")
}
