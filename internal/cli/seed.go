package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/enterprise/synth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/workday"
)

const seedUsage = `
Seed fills the database with a synthetic city: plausible market entities of
the configured city (synth.Generate), loaded through the same bulk
path as 'qinqing import'. The same --enterprises, --seed and --today give
the same entities, so seeding twice is idempotent (the second run finds
every row unchanged).

	qinqing seed city --enterprises 2250000 [--seed 1] [--today 2025-06-30] [--json] [--db DSN]
	qinqing seed appeals --appeals 1000000 [--seed 1] [--from 2026-10-01 --until 2026-10-31] [--json] [--db DSN]

seed appeals writes appeals with three years of history up to now for the
registry's enterprises (seed city first): seasonality, the catalogue's
categories and units (the demo city's units are created when there are
none), replies, evaluations, reopenings, returns, pauses and overdue items
in plausible proportions, each appeal's state derived from its events.
They are written in bulk (not through the HTTP path, without notices);
the rates' figures are rebuilt afterwards. The same --appeals and --seed
give the same appeals; seeding again adds another set. --from and --until
receive them in those days instead (their histories still run up to now):
--appeals 140000 --from 2026-10-01 --until 2026-10-31 is one month as dense
as five million appeals over three years make it.`

func runSeed(ctx context.Context, env Env, args []string) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	fs := newFlagSet(env, "seed", "seed city [flags]", seedUsage)
	cfg.DBFlag(fs)
	n := fs.Int("enterprises", 10000, "number of market entities")
	appeals := fs.Int("appeals", 10000, "number of appeals (seed appeals)")
	seed := fs.Int64("seed", 1, "random seed")
	todayFlag := fs.String("today", "", "reference date of the data (founding dates fall on or before it); default today")
	fromFlag := fs.String("from", "", "seed appeals: first day they are received (default three years ago)")
	untilFlag := fs.String("until", "", "seed appeals: last day they are received (default today)")
	asJSON := fs.Bool("json", false, "print the summary as JSON on stdout")
	if err := parse(fs, args); err != nil {
		return err
	}
	pos := fs.Args()
	if len(pos) == 1 && pos[0] == "appeals" {
		if *appeals < 0 || *appeals > 100_000_000 {
			return usageErrorf("--appeals must be between 0 and 100000000")
		}
		o := appeal.SeedOptions{N: *appeals, Seed: *seed}
		if *fromFlag != "" {
			d, err := workday.ParseDate(*fromFlag)
			if err != nil {
				return usageErrorf("--from: %s", errs.MessageOf(err))
			}
			o.From = d.Start()
		}
		if *untilFlag != "" {
			d, err := workday.ParseDate(*untilFlag)
			if err != nil {
				return usageErrorf("--until: %s", errs.MessageOf(err))
			}
			o.Until = d.AddDays(1).Start().Add(-time.Second) // the day's last second
		}
		return seedAppeals(ctx, env, cfg, o, *asJSON)
	}
	if len(pos) != 1 || pos[0] != "city" {
		fs.Usage()
		return exitError{code: 2}
	}
	if *n < 0 || *n > 100_000_000 {
		return usageErrorf("--enterprises must be between 0 and 100000000")
	}
	today := workday.Today(time.Now)
	if *todayFlag != "" {
		if today, err = workday.ParseDate(*todayFlag); err != nil {
			return usageErrorf("--today: %s", errs.MessageOf(err))
		}
	}
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	svc := a.Enterprises
	ctx = audit.WithActor(ctx, audit.Who{Name: "cli"})
	limitImportMemory(env)
	opts := synth.Options{N: *n, Seed: *seed, City: svc.City, Today: today}
	pr := newProgress(env, "生成", int64(*n))
	start := time.Now()
	res, err := svc.ImportRecords(ctx, func(yield func(*enterprise.Enterprise) error) error {
		return synth.Generate(opts, yield)
	}, enterprise.ImportOptions{ExpectedRows: *n}, pr.update)
	pr.finish()
	if err != nil {
		return err
	}
	if *asJSON {
		return errs.Wrap(json.NewEncoder(env.Stdout).Encode(res), "write summary")
	}
	secs := time.Since(start).Seconds()
	fmt.Fprintf(env.Stdout, "%s：%d 家市场主体（种子 %d，基准日 %s）：新增 %d，更新 %d，未变 %d，拒绝 %d；用时 %.1f 秒（%.0f 行/秒）\n",
		svc.City.Name, res.Read, *seed, today, res.Inserted, res.Updated, res.Unchanged, res.Rejected, secs, float64(res.Read)/max(secs, 0.001))
	return nil
}
