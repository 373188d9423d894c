package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/plan"
)

const planImportUsage = `
Import creates a draft plan from a file, all or nothing:

  - FILE.xlsx: a 责任分解表 as "qinqing plan export" writes it (numbering,
    heading levels, 牵头/责任/配合单位, 完成时限, 量化指标, with a sheet of
    indicators and one of the plan's details), or the simple layout: one
    sheet whose header row names the columns 序号, 任务 (or 任务内容),
    牵头单位, 责任单位, 配合单位, 完成时限 and 量化指标 (docs/plans.md);
  - FILE.json: what "qinqing plan parse --json" prints, or what
    "qinqing plan export --format json" writes.

Unit names resolve to the organisation's units by name or alias. A name
that resolves to none is reported with its row or path and kept on the draft
for the office to map or create before publishing; --strict refuses the
import instead. --dry-run checks everything and creates nothing. --json
prints the result as JSON: {"id", "tasks", "indicators", "unknown_units":
[{"name", "row" or "path"}], "warnings", …}.

Exit status: 0 when the draft was created (or would be, under --dry-run);
1 when the file was refused (the problems are listed) or on any other
failure; 2 for a usage error.`

func runPlanImport(ctx context.Context, env Env, args []string) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	fs := newFlagSet(env, "plan import", "plan import FILE.xlsx|FILE.json [--json] [--dry-run] [--strict] [--db DSN]", planImportUsage)
	cfg.DBFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	dryRun := fs.Bool("dry-run", false, "check and report without creating the plan")
	strict := fs.Bool("strict", false, "refuse the import when a unit name resolves to no unit")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("plan import takes one FILE")
	}
	name := fs.Arg(0)
	ext := strings.ToLower(filepath.Ext(name))
	if ext != ".xlsx" && ext != ".json" {
		return usageErrorf("plan import reads .xlsx or .json files, not %q", name)
	}
	data, err := readLimited(name, plan.MaxDocument+1)
	if err != nil {
		return usageErrorf("%v", err)
	}
	doc, err := plan.ReadDocument(filepath.Base(name), data)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	ctx = audit.WithActor(ctx, audit.Who{Name: "cli"})
	res, ierr := a.Plans.Import(ctx, auth.Operator("cli"), doc, plan.ImportOptions{DryRun: *dryRun, Strict: *strict})
	if res == nil {
		return ierr
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return errs.Wrap(err, "write result")
		}
	} else {
		printPlanImport(env, res)
	}
	if ierr != nil {
		fmt.Fprintf(env.Stderr, "qinqing plan import: %s\n", errs.MessageOf(ierr))
		return exitError{code: 1}
	}
	return nil
}

// printPlanImport prints an import's result for people.
func printPlanImport(env Env, res *plan.ImportResult) {
	w := env.Stdout
	switch {
	case len(res.Rejected) > 0:
		fmt.Fprintf(w, "未导入《%s》：%d 处错误\n", res.Title, len(res.Rejected))
	case res.DryRun:
		fmt.Fprintf(w, "试运行：可以导入《%s》（未写入）\n", res.Title)
	default:
		fmt.Fprintf(w, "已导入《%s》为草稿，编号 %d\n", res.Title, res.ID)
	}
	fmt.Fprintf(w, "读取条目 %d：目标 %d，任务 %d，阶段条目 %d，跳过 %d，有错误 %d；阶段 %d 个，指标 %d 个，节点 %d 个\n",
		res.Read, res.Goals, res.Tasks, res.StageItems, res.Skipped, res.RejectedItems, res.Stages, res.Indicators, res.Milestones)
	for _, r := range res.Rejected {
		fmt.Fprintf(w, "  错误 %s %s：%s\n", where(r.Row, r.Path), r.Field, r.Reason)
	}
	if len(res.Unknown) > 0 {
		fmt.Fprintf(w, "未匹配的单位名称 %d 处（发布前请在方案草稿中匹配或新建）：\n", len(res.Unknown))
		for _, u := range res.Unknown {
			fmt.Fprintf(w, "  %s（%s）\n", u.Name, where(u.Row, u.Path))
		}
	}
	for _, s := range res.Warnings {
		fmt.Fprintf(w, "  提示：%s\n", s)
	}
}

func where(row int, path []int) string {
	if row > 0 {
		return fmt.Sprintf("第 %d 行", row)
	}
	if len(path) == 0 {
		return "方案"
	}
	parts := make([]string, len(path))
	for i, n := range path {
		parts[i] = strconv.Itoa(n)
	}
	return "条目 " + strings.Join(parts, ".")
}

const planExportUsage = `
Export writes plan ID: --format xlsx (the default) its 责任分解表 — one row
per goal and task with numbering, heading levels in merged cells, task text,
牵头/责任/配合单位, 完成时限, 量化指标, status light and latest progress, a
sheet of indicators with targets and actuals, and one of the plan's details;
--format json the JSON that "qinqing plan import" reads back.`

func runPlanExport(ctx context.Context, env Env, args []string) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	fs := newFlagSet(env, "plan export", "plan export ID [--format xlsx|json] --out FILE [--db DSN]", planExportUsage)
	cfg.DBFlag(fs)
	format := fs.String("format", "xlsx", "xlsx or json")
	out := fs.String("out", "", "the file to write (\"-\": standard output)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErrorf("plan export takes one plan ID")
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return usageErrorf("plan ID %q is not a number", fs.Arg(0))
	}
	if *format != "xlsx" && *format != "json" {
		return usageErrorf("--format is xlsx or json, not %q", *format)
	}
	if *out == "" {
		return usageErrorf("--out FILE is required")
	}
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	op := auth.Operator("cli")
	var data []byte
	if *format == "json" {
		doc, err := a.Plans.ExportDocument(ctx, op, id)
		if err != nil {
			return err
		}
		if data, err = json.MarshalIndent(doc, "", "  "); err != nil {
			return errs.Wrap(err, "encode plan")
		}
		data = append(data, '\n')
	} else {
		if data, err = a.Plans.ExportXLSX(ctx, op, id); err != nil {
			return err
		}
	}
	if *out == "-" {
		_, err = env.Stdout.Write(data)
		return errs.Wrap(err, "write plan")
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return errs.Errorf(errs.Invalid, "无法写入 %s：%v", *out, err)
	}
	fmt.Fprintf(env.Stderr, "已写入 %s（%d 字节）\n", *out, len(data))
	return nil
}
