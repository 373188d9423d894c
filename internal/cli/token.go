package cli

import (
	"context"
	"fmt"
	"github.com/qinqing/qinqing/internal/paging"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
)

const tokenUsage = `
Token manages API tokens for machine clients such as a 12345 hotline system.
The API accepts a token as "Authorization: Bearer TOKEN".

	qinqing token create --role ROLE --name NAME --scopes a,b|all [--unit 单位] [--expires 720h]
	qinqing token list
	qinqing token revoke ID

create prints the new token on standard output, once; only its hash is kept.
A token gets only what is asked for: --role and --scopes are required
(--scopes all for everything the role allows).`

func runToken(ctx context.Context, env Env, args []string) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	sub := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	fs := newFlagSet(env, "token "+sub, "token <create|list|revoke> [flags]", tokenUsage)
	cfg.DBFlag(fs)
	role := fs.String("role", "", "role the token acts as (create)")
	name := fs.String("name", "", "name of the client (create)")
	unit := fs.String("unit", "", "unit name for a unit_staff token (create)")
	scopes := fs.String("scopes", "", "comma-separated actions the token is limited to, or all for everything its role allows (create)")
	expires := fs.Duration("expires", 0, "lifetime, e.g. 720h (create; 0: no expiry)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch sub {
	case "create", "list", "revoke":
	case "":
		fs.Usage()
		return exitError{code: 2}
	default:
		return usageErrorf("unknown subcommand %q (create, list, revoke)", sub)
	}
	if sub == "create" && (*role == "" || *name == "" || strings.TrimSpace(*scopes) == "") {
		return usageErrorf("token create needs --role, --name and --scopes (comma-separated actions, or all)")
	}
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	ctx = audit.WithActor(ctx, audit.Who{Name: "cli"})
	switch sub {
	case "create":
		in := auth.TokenInput{Name: *name, Role: auth.Role(*role), ExpiresIn: *expires}
		if strings.TrimSpace(*scopes) == "all" {
			in.AllScopes = true
			*scopes = ""
		}
		for _, s := range strings.Split(*scopes, ",") {
			if s = strings.TrimSpace(s); s != "" {
				in.Scopes = append(in.Scopes, auth.Action(s))
			}
		}
		if *unit != "" {
			u, err := a.Org.Resolve(ctx, *unit)
			if err != nil {
				return err
			}
			in.UnitID = &u.ID
		}
		secret, t, err := a.Auth.CreateToken(ctx, auth.Operator("cli"), in)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, secret)
		fmt.Fprintf(env.Stderr, "created token %d %q (%s); store it now, it is not shown again\n", t.ID, t.Name, t.Role)
	case "list":
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tROLE\tCREATED\tSTATE")
		for off := 0; ; off += paging.MaxLimit {
			toks, total, err := a.Auth.FindTokens(ctx, auth.Operator("cli"), auth.TokenFilter{Limit: paging.MaxLimit, Offset: off})
			if err != nil {
				return err
			}
			for _, t := range toks {
				state := "active"
				if t.RevokedAt != nil {
					state = "revoked"
				} else if t.ExpiresAt != nil && t.ExpiresAt.Before(time.Now()) {
					state = "expired"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s…\t%s\t%s\t%s\n", t.ID, t.Name, t.Prefix, t.Role, t.CreatedAt.Format(time.DateOnly), state)
			}
			if off+len(toks) >= total || len(toks) == 0 {
				break
			}
		}
		return tw.Flush()
	case "revoke":
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return usageErrorf("token revoke needs a token id")
		}
		if err := a.Auth.RevokeToken(ctx, auth.Operator("cli"), id); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "revoked token %d\n", id)
	}
	return nil
}
