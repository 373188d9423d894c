package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/demo"
	"github.com/qinqing/qinqing/internal/errs"
)

// seedAppeals is `qinqing seed appeals` (see seedUsage).
func seedAppeals(ctx context.Context, env Env, cfg config.Config, o appeal.SeedOptions, asJSON bool) error {
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	ctx = audit.WithActor(ctx, audit.Who{Name: "cli"})
	if _, err := demo.Units(ctx, a); err != nil {
		return err
	}
	pr := newProgress(env, "生成诉求", int64(o.N))
	start := time.Now()
	res, err := a.Appeals.SeedHistory(ctx, o, func(done int) { pr.rows(done, o.N) })
	pr.finish()
	if err != nil {
		return err
	}
	seeded := time.Since(start)
	start = time.Now()
	if err := a.AppealStats.Rebuild(ctx, "", "", nil); err != nil {
		return err
	}
	rebuilt := time.Since(start)
	if asJSON {
		return errs.Wrap(json.NewEncoder(env.Stdout).Encode(map[string]any{"appeals": res.Appeals, "events": res.Events, "open": res.Open,
			"seconds": seeded.Seconds(), "rebuild_seconds": rebuilt.Seconds()}), "write summary")
	}
	fmt.Fprintf(env.Stdout, "诉求：%d 件（事件 %d 条，未办结 %d 件，种子 %d）；写入用时 %.1f 秒（%.0f 件/秒）；重建指标用时 %.1f 秒\n",
		res.Appeals, res.Events, res.Open, o.Seed, seeded.Seconds(), float64(res.Appeals)/max(seeded.Seconds(), 0.001), rebuilt.Seconds())
	return nil
}
