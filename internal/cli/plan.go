package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
	planparse "github.com/qinqing/qinqing/internal/plan/parse"
)

// planSubcommands are the subcommands of "qinqing plan"; each takes the
// arguments after its name.
func planSubcommands() map[string]command {
	return map[string]command{
		"parse":  {"read a work plan document (txt, docx, html, pdf) and print its structure", runPlanParse},
		"import": {"create a draft plan from a 责任分解表 (.xlsx) or the JSON of plan parse / plan export", runPlanImport},
		"export": {"write a plan's 责任分解表 (.xlsx) or its JSON", runPlanExport},
		"diff":   {"compare two versions of a work plan document and print what changed", runPlanDiff},
	}
}

func runPlan(ctx context.Context, env Env, args []string) error {
	subs := planSubcommands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(env.Stderr, "usage: qinqing plan <subcommand> [arguments]\n\nPlan works with plan supervision (督查督办). The subcommands are:\n\n")
		names := make([]string, 0, len(subs))
		for n := range subs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(env.Stderr, "\t%-8s %s\n", n, subs[n].summary)
		}
		if len(args) == 0 {
			return exitError{code: 2}
		}
		return nil
	}
	sub, ok := subs[args[0]]
	if !ok {
		return usageErrorf("unknown plan subcommand %q", args[0])
	}
	return sub.run(ctx, env, args[1:])
}

const planParseUsage = `
Parse reads a government work plan — plain text (UTF-8 or GB18030/GBK),
.docx, a portal's .html page, or .pdf (through poppler's pdftotext) — and
prints what it recognised: title, 文号, issuer, date, and every numbered item
with its heading, responsible units (牵头/责任/配合), deadlines and
quantitative targets. FILE "-" reads standard input. With --json it prints
the JSON that "qinqing plan import" takes (docs/parser.md describes it).`

func runPlanParse(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "plan parse", "plan parse FILE [--json]", planParseUsage)
	asJSON := fs.Bool("json", false, "print JSON")
	// flags may follow the file name
	var files []string
	for len(args) > 0 {
		if err := parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		return usageErrorf("plan parse takes one FILE")
	}
	name := files[0]
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(io.LimitReader(env.Stdin, planparse.MaxInput+1))
	} else {
		data, err = readLimited(name, planparse.MaxInput+1)
	}
	if err != nil {
		return usageErrorf("%v", err)
	}
	p, err := planparse.Parse(ctx, name, data, planparse.Options{})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return errs.Wrap(enc.Encode(p), "write plan")
	}
	writePlanText(env.Stdout, p)
	return nil
}

const planDiffUsage = `
Diff parses two versions of a work plan document (OLD, then NEW; any format
plan parse reads) and prints what changed: items added, removed and changed —
reworded, renumbered, with units, deadlines or targets added or removed.
Items are matched by their text, so a renumbered item is not a new one. With
--json it prints the diff (docs/parser.md describes it).`

func runPlanDiff(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "plan diff", "plan diff OLD NEW [--json]", planDiffUsage)
	asJSON := fs.Bool("json", false, "print JSON")
	var files []string
	for len(args) > 0 {
		if err := parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 2 {
		return usageErrorf("plan diff takes two files: OLD NEW")
	}
	var plans [2]*planparse.Plan
	for i, name := range files {
		data, err := readLimited(name, planparse.MaxInput+1)
		if err != nil {
			return usageErrorf("%v", err)
		}
		if plans[i], err = planparse.Parse(ctx, name, data, planparse.Options{}); err != nil {
			return err
		}
	}
	d := planparse.DiffPlans(plans[0], plans[1])
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return errs.Wrap(enc.Encode(d), "write diff")
	}
	w := env.Stdout
	for _, m := range d.Meta {
		fmt.Fprintf(w, "%s：%s → %s\n", m.Field, m.Old, m.New)
	}
	fmt.Fprintf(w, "新增 %d 项，删除 %d 项，修改 %d 项，未变 %d 项\n\n", d.Added, d.Removed, d.Changed, d.Unchanged)
	kinds := map[string]string{planparse.ItemAdded: "新增", planparse.ItemRemoved: "删除", planparse.ItemChanged: "修改"}
	fields := map[string]string{"path": "编号", "heading": "标题", "text": "内容", "units": "单位", "deadlines": "期限", "indicators": "指标"}
	for _, c := range d.Changes {
		if c.Kind == planparse.ItemUnchanged {
			continue
		}
		it := plans[1].Items
		idx, path := c.NewIndex, c.NewPath
		if c.Kind == planparse.ItemRemoved {
			it, idx, path = plans[0].Items, c.OldIndex, c.OldPath
		}
		title := it[idx].Heading
		if title == "" {
			title = excerptRunes(it[idx].Text, 30)
		}
		var what []string
		for _, f := range c.Fields {
			what = append(what, fields[f])
		}
		line := fmt.Sprintf("%s [%s] %s", kinds[c.Kind], pathText(path), title)
		if c.Kind == planparse.ItemChanged {
			line += fmt.Sprintf("（原 [%s]；%s）", pathText(c.OldPath), strings.Join(what, "、"))
		}
		fmt.Fprintln(w, line)
		for _, u := range c.Units {
			if c.Kind == planparse.ItemChanged {
				fmt.Fprintf(w, "    单位%s：%s（%s）\n", map[string]string{"added": "增加", "removed": "去掉"}[u.Change], u.Name, map[string]string{"lead": "牵头", "units": "责任", "coop": "配合"}[u.Role])
			}
		}
		for _, x := range c.Deadlines {
			fmt.Fprintf(w, "    期限%s：%s\n", map[string]string{"added": "增加", "removed": "去掉"}[x.Change], x.Deadline.Text)
		}
		for _, x := range c.Indicators {
			fmt.Fprintf(w, "    指标%s：%s %s %s %s\n", map[string]string{"added": "增加", "removed": "去掉"}[x.Change], x.Indicator.Name, x.Indicator.Op, strconv.FormatFloat(x.Indicator.Value, 'f', -1, 64), x.Indicator.Unit)
		}
	}
	return nil
}

// pathText writes a path as 2.1.3.
func pathText(p []int) string {
	s := make([]string, len(p))
	for i, n := range p {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ".")
}

// readLimited reads at most n bytes of a file.
func readLimited(name string, n int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, n))
}

// writePlanText prints a parsed plan for people.
func writePlanText(w io.Writer, p *planparse.Plan) {
	show := func(label, v string) {
		if v == "" {
			v = "（未识别）"
		}
		fmt.Fprintf(w, "%s：%s\n", label, v)
	}
	show("标题", p.Title)
	if p.PlanTitle != "" {
		show("方案", p.PlanTitle)
	}
	show("文号", p.DocNumber)
	show("发文机关", p.Issuer)
	show("成文日期", p.Date)
	if p.Year > 0 {
		show("计划年度", strconv.Itoa(p.Year))
	}
	units, inds, dls := 0, 0, 0
	for _, it := range p.Items {
		units += len(it.LeadUnits) + len(it.Units) + len(it.CoopUnits)
		inds += len(it.Indicators)
		dls += len(it.Deadlines)
	}
	fmt.Fprintf(w, "条目 %d 个，单位 %d 个次，期限 %d 个，指标 %d 个\n\n", len(p.Items), units, dls, inds)
	for _, it := range p.Items {
		indent := strings.Repeat("  ", max(0, len(it.Path)-1))
		path := make([]string, len(it.Path))
		for i, n := range it.Path {
			path[i] = strconv.Itoa(n)
		}
		title := it.Heading
		if title == "" {
			title = excerptRunes(it.Text, 30)
		}
		fmt.Fprintf(w, "%s[%s] %s %s\n", indent, strings.Join(path, "."), it.Marker, title)
		if len(it.LeadUnits) > 0 {
			fmt.Fprintf(w, "%s    牵头：%s\n", indent, strings.Join(it.LeadUnits, "、"))
		}
		if len(it.Units) > 0 {
			fmt.Fprintf(w, "%s    责任：%s\n", indent, strings.Join(it.Units, "、"))
		}
		if len(it.CoopUnits) > 0 {
			fmt.Fprintf(w, "%s    配合：%s\n", indent, strings.Join(it.CoopUnits, "、"))
		}
		for _, d := range it.Deadlines {
			date := "无日期"
			if d.Date != nil {
				date = d.Date.String()
			}
			fmt.Fprintf(w, "%s    期限：%s（%s）\n", indent, d.Text, date)
		}
		for _, ind := range it.Indicators {
			fmt.Fprintf(w, "%s    指标：%s %s %s %s\n", indent, ind.Name, ind.Op, strconv.FormatFloat(ind.Value, 'f', -1, 64), ind.Unit)
		}
	}
	if len(p.Warnings) > 0 {
		fmt.Fprintln(w, "\n提示：")
		for _, s := range p.Warnings {
			fmt.Fprintf(w, "  - %s\n", s)
		}
	}
}

// excerptRunes returns the first n runes of s, marked when cut.
func excerptRunes(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "…"
}
