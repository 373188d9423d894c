package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

const workdayUsage = `
Workday answers questions about the official working-day calendar (State
Council holiday notices, with make-up working days), plus the overrides an
administrator stored in the database (--db, QINQING_DB or the default
database). A database that does not exist is not created: the official
calendar answers alone, and a note on standard error says so.

	qinqing workday is DATE            prints "workday" or "offday"
	qinqing workday add DATE N         prints the N-th working day after DATE
	qinqing workday between FROM TO    prints the count of working days after FROM up to and including TO

Dates may be written 2024-09-13, 2024/9/13 or 2024年9月13日. For years past the
last published notice the calendar falls back to weekends only, and says so
on standard error.`

func runWorkday(ctx context.Context, env Env, args []string) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	sub := ""
	if len(args) > 0 && args[0] != "-h" && args[0] != "--help" {
		sub, args = args[0], args[1:]
	}
	fs := newFlagSet(env, "workday "+sub, "workday <is|add|between> ARGS [--db DSN]", workdayUsage)
	cfg.DBFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	want := map[string]int{"is": 1, "add": 2, "between": 2}
	n, ok := want[sub]
	if !ok {
		fs.Usage()
		return exitError{code: 2}
	}
	if fs.NArg() != n {
		return usageErrorf("workday %s takes %d argument(s), got %d", sub, n, fs.NArg())
	}
	cal, err := workday.New()
	if err != nil {
		return err
	}
	if absent, path := databaseAbsent(cfg.DB); absent {
		fmt.Fprintf(env.Stderr, "note: no database at %s; the official calendar answers, nothing is overridden\n", path)
	} else {
		db, err := store.Open(ctx, cfg.DB)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.CheckSchema(ctx); err != nil {
			return err
		}
		if err := workday.LoadOverrides(ctx, db, cal); err != nil {
			return err
		}
	}
	var dates []workday.Date
	for i := 0; i < fs.NArg(); i++ {
		if sub == "add" && i == 1 {
			break
		}
		d, err := workday.ParseDate(fs.Arg(i))
		if err != nil {
			return usageErrorf("%s", errs.MessageOf(err))
		}
		dates = append(dates, d)
	}
	warn := func(ds ...workday.Date) {
		for _, d := range ds {
			if !cal.Known(d.Year()) {
				fmt.Fprintf(env.Stderr, "warning: no official holiday notice for %d is embedded (last: %d); counting weekends only\n", d.Year(), cal.LastKnownYear())
				return
			}
		}
	}
	switch sub {
	case "is":
		warn(dates[0])
		if cal.IsWorkday(dates[0]) {
			fmt.Fprintln(env.Stdout, "workday")
		} else {
			fmt.Fprintln(env.Stdout, "offday")
		}
	case "add":
		k, err := strconv.Atoi(fs.Arg(1))
		if err != nil || k < 0 {
			return usageErrorf("N must be a non-negative integer, got %q", fs.Arg(1))
		}
		res := cal.AddWorkdays(dates[0], k)
		warn(dates[0], res)
		fmt.Fprintln(env.Stdout, res)
	case "between":
		warn(dates[0], dates[1])
		fmt.Fprintln(env.Stdout, cal.Between(dates[0], dates[1]))
	}
	return nil
}
