package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
)

const appealUsage = `
Appeal works with enterprise appeals (企业诉求).

	qinqing appeal import FILE.csv|FILE.xlsx [--dry-run] [--json] [--db DSN]
	qinqing appeal stats --from 2026-01 [--to 2026-03] [--by unit|district|category|channel] [--rank] [--json] [--db DSN]
	qinqing appeal stats --rebuild [--from 2026-01 --to 2026-03] [--db DSN]
	qinqing appeal stats --publish 2026-03 [--db DSN]

import files the appeals of a 12345 hotline export through the same intake
as every channel (channel hotline): the header row (title rows above it are passed over) names the columns

	工单编号 (required: the hotline's reference), 受理时间 (required),
	诉求人, 联系电话, 企业名称, 统一社会信用代码, 所属区, 诉求类别,
	诉求标题, 诉求内容 (required), 紧急程度, 办理时限（工作日）

(or, where a file lacks one, by the names other hotline systems use:
工单号, 来电时间, 来电人, 联系方式, 所属区域, 问题分类, 问题描述 …)

受理时间 may be written 2024-09-13 16:30, 2024/9/13 16:30:00,
2024年9月13日16时30分 or 20240913163000, or be an Excel date
(Asia/Shanghai). 紧急程度 is 一般 or 紧急 (普通, 特急, 加急 are read as
these). A CSV file may be UTF-8 (with or
without BOM) or GBK; an XLSX file is read from its first sheet. Other
columns are ignored and named in the summary. Each bad row is rejected with
its line, column and reason; the others are filed, each in its own
transaction. The summary reconciles: read = inserted + unchanged + rejected.
A 工单编号 filed before is unchanged, so importing the same file again
changes nothing; a 工单编号 repeated in the file is rejected on its later
lines. A 诉求类别 the dispatch catalogue does not hold (the hotline's own
classification) files the row under 其他, for the office to dispatch, and
lists it in the summary (recategorised). --dry-run checks every row and
counts without writing.

stats prints the rates of the appeals received in a period (months; a
quarter 2026Q1 or a year 2026 also names one) per group: the counts behind
each rate and the rates (签收及时率, 按时办结率, 一次性化解率, 满意率, 响应率,
解决率, 重办率, 退回率, 月末积压, 答复用时); --rank prints the 比晾晒 ranking
(by unit or district) with the change against the previous period instead.
--rebuild computes the figures again from the appeals (all months, or the
period given); --publish freezes a month's figures (publishing again
recomputes them).

Exit status: 0 when the import ran, even if rows were rejected (see the
summary or --json); 1 on any other failure; 2 for a usage error.`

func runAppeal(ctx context.Context, env Env, args []string) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	sub := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	if sub == "stats" {
		return runAppealStats(ctx, env, cfg, args)
	}
	fs := newFlagSet(env, "appeal "+sub, "appeal import FILE [--dry-run] [--json] [--db DSN]", appealUsage)
	cfg.DBFlag(fs)
	dryRun := fs.Bool("dry-run", false, "check and count without writing")
	asJSON := fs.Bool("json", false, "print the summary as JSON on stdout")
	if err := parse(fs, args); err != nil {
		return err
	}
	if sub != "import" || fs.NArg() != 1 {
		fs.Usage()
		return exitError{code: 2}
	}
	path := fs.Arg(0)
	format, err := appeal.FormatOf(path)
	if err != nil {
		return usageErrorf("%s", errs.MessageOf(err))
	}
	f, err := os.Open(path)
	if err != nil {
		return errs.Errorf(errs.Invalid, "无法打开文件 %s：%v", path, err)
	}
	defer f.Close()
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	ctx = audit.WithActor(ctx, audit.Who{Name: "cli"})
	pr := newProgress(env, "导入12345工单", 0)
	res, ierr := a.Appeals.Import(ctx, auth.Operator("cli"), f, format, appeal.ImportOptions{DryRun: *dryRun}, pr.rows)
	pr.finish()
	if res == nil {
		return ierr
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return errs.Wrap(err, "write summary")
		}
	} else {
		fmt.Fprintln(env.Stdout, res.Summary())
		if len(res.Ignored) > 0 {
			fmt.Fprintf(env.Stdout, "未读取的列：%s\n", strings.Join(res.Ignored, "、"))
		}
		for i, e := range res.Errors {
			if i == 20 {
				fmt.Fprintf(env.Stdout, "……另有 %d 条错误（用 --json 查看全部）\n", len(res.Errors)-20)
				break
			}
			field := e.Field
			if field == "" {
				field = "整行"
			}
			fmt.Fprintf(env.Stdout, "第%d行 %s：%s\n", e.Line, field, e.Reason)
		}
		for i, e := range res.Recategorised {
			if i == 20 {
				fmt.Fprintf(env.Stdout, "……另有 %d 行按“其他”受理（用 --json 查看全部）\n", len(res.Recategorised)-20)
				break
			}
			fmt.Fprintf(env.Stdout, "第%d行 %s：%s\n", e.Line, e.Field, e.Reason)
		}
	}
	if ierr != nil {
		fmt.Fprintf(env.Stderr, "qinqing appeal import: %s\n", errs.MessageOf(ierr))
		return exitError{code: 1}
	}
	return nil
}
