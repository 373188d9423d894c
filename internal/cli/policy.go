package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/policy"
)

const policyUsage = `
Policy works with the policy supermarket.

	qinqing policy simulate --rule FILE.json [--amount JSON] [--group-by district] [--db DSN]

simulate loads every enterprise of the database into the eligibility
engine and answers, for the rule in FILE (its canonical JSON, or an
expression such as 'district in ["420111"] && revenue >= 20000000'; "-" reads
standard input), how many enterprises are 符合, 待补充信息 and 不符合, what the
amount (JSON such as {"fixed": 200000} or {"rate": 0.1, "of": "rd_expense",
"cap": 500000}) would cost for the eligible, and how they spread over the
--group-by field. It prints the same JSON as POST /api/v1/policies/simulate;
the load time goes to standard error.`

func runPolicy(ctx context.Context, env Env, args []string) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	fs := newFlagSet(env, "policy", "policy simulate --rule FILE.json [flags]", policyUsage)
	cfg.DBFlag(fs)
	ruleFile := fs.String("rule", "", "file holding the rule (JSON or expression; - for standard input)")
	amount := fs.String("amount", "", `amount as JSON, e.g. {"fixed": 200000}`)
	groupBy := fs.String("group-by", "district", "field to group by: district, size, industry, kind, credit, status, street, tags; empty for none")
	if len(args) == 0 || args[0] != "simulate" {
		if err := parse(fs, args); err != nil {
			return err
		}
		fs.Usage()
		return exitError{code: 2}
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	if *ruleFile == "" {
		return usageErrorf("--rule is required")
	}
	var src []byte
	if *ruleFile == "-" {
		if src, err = io.ReadAll(io.LimitReader(env.Stdin, 1<<20)); err != nil {
			return errs.Wrap(err, "read rule")
		}
	} else if src, err = os.ReadFile(*ruleFile); err != nil {
		return usageErrorf("--rule: %v", err)
	}
	req := policy.SimulateRequest{Amount: json.RawMessage(*amount), GroupBy: *groupBy}
	if t := strings.TrimSpace(string(src)); strings.HasPrefix(t, "{") {
		req.Rule = json.RawMessage(t)
	} else {
		req.Expr = t
	}
	r, err := policy.ParseRule(req.Rule, req.Expr)
	if err != nil {
		return err
	}
	amt, err := policy.ParseAmount(req.Amount)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	st, err := a.Policy.Engine().Load(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "已载入 %d 家企业，用时 %.2f 秒，快照约 %.0f MB\n", st.Rows, st.Took.Seconds(), float64(st.MemoryBytes)/(1<<20))
	sim, err := a.Policy.Engine().Simulate(r, amt, req.GroupBy, a.Policy.Names())
	if err != nil {
		return err
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return errs.Wrap(enc.Encode(sim), "write simulation")
}
