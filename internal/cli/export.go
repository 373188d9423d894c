package cli

import (
	"bufio"
	"context"
	"fmt"
	"github.com/qinqing/qinqing/internal/auth"
	"io"
	"os"
	"strings"

	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
)

const exportUsage = `
Export writes enterprises as CSV (UTF-8 with BOM, for Excel) or XLSX, with
Chinese headers, to --out or standard output. The file imports back
unchanged with 'qinqing import enterprises'. Text cells that a spreadsheet
would run as a formula (starting with = + - @, a tab or CR, or a full-width
＝ ＋ － ＠) are prefixed with a single
quote, which the import removes.

	qinqing export enterprises [--format csv|xlsx] [--out FILE] [--district 江岸区] [--industry C39]
		[--tag 高新技术企业 …] [--size 小型] [--credit 正常] [--status 存续] [--query 光谷] [--sort name] [--desc] [--db DSN]`

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func runExport(ctx context.Context, env Env, args []string) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	fs := newFlagSet(env, "export", "export enterprises [flags]", exportUsage)
	cfg.DBFlag(fs)
	format := fs.String("format", "", "csv or xlsx (default: from --out's extension, else csv)")
	out := fs.String("out", "", "file to write (default standard output)")
	var f enterprise.Filter
	var tags stringList
	fs.StringVar(&f.District, "district", "", "district code or name")
	fs.StringVar(&f.Industry, "industry", "", "industry code prefix (GB/T 4754), e.g. C or C39")
	fs.Var(&tags, "tag", "tag the enterprises must have (repeat for several)")
	fs.StringVar(&f.Size, "size", "", "size class: "+strings.Join(enterprise.Sizes, ", "))
	fs.StringVar(&f.Credit, "credit", "", "credit: "+strings.Join(enterprise.Credits, ", "))
	fs.StringVar(&f.Status, "status", "", "status: "+strings.Join(enterprise.Statuses, ", "))
	fs.StringVar(&f.Query, "query", "", "part of the name, or the beginning of the 统一社会信用代码")
	fs.StringVar(&f.Sort, "sort", "", "name, founded, revenue or employees (default: import order)")
	fs.BoolVar(&f.Desc, "desc", false, "sort descending")
	if err := parse(fs, args); err != nil {
		return err
	}
	pos := fs.Args()
	if len(pos) != 1 || pos[0] != "enterprises" {
		fs.Usage()
		return exitError{code: 2}
	}
	f.Tags = tags
	switch {
	case *format == "" && *out != "":
		if *format, err = enterprise.FormatOf(*out); err != nil {
			return usageErrorf("%s", errs.MessageOf(err))
		}
	case *format == "":
		*format = enterprise.FormatCSV
	case *format != enterprise.FormatCSV && *format != enterprise.FormatXLSX:
		return usageErrorf("--format must be csv or xlsx, not %q", *format)
	}
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	svc := a.Enterprises
	var w io.Writer = env.Stdout
	var file *os.File
	if *out != "" {
		if file, err = os.Create(*out); err != nil {
			return errs.Errorf(errs.Invalid, "无法创建文件 %s：%v", *out, err)
		}
		defer file.Close()
		w = file
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	n, err := svc.Export(ctx, auth.Operator("cli"), bw, *format, f)
	if err != nil {
		if file != nil {
			file.Close()
			os.Remove(*out)
		}
		return err
	}
	if err := bw.Flush(); err != nil {
		return errs.Wrap(err, "write export")
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return errs.Wrap(err, "write export")
		}
		fmt.Fprintf(env.Stderr, "导出 %d 家企业到 %s\n", n, *out)
	}
	return nil
}
