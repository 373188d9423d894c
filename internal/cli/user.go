package cli

import (
	"bufio"
	"context"
	"fmt"
	"github.com/qinqing/qinqing/internal/paging"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
)

const userUsage = `
User manages accounts.

	qinqing user add --username NAME --role ROLE [--name 显示名] [--unit 单位名] [--password-stdin]
	qinqing user passwd NAME [--password-stdin]
	qinqing user disable NAME
	qinqing user enable NAME
	qinqing user list

Roles: admin (营商办), leader (领导), unit_staff (责任单位; needs --unit),
specialist (服务专员), enterprise (企业用户).
Passwords are read from standard input (the first line), never from flags,
so they stay out of shell history.`

func runUser(ctx context.Context, env Env, args []string) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs := newFlagSet(env, "user", "user <add|passwd|disable|enable|list> [flags]", userUsage)
		cfg.DBFlag(fs)
		if err := parse(fs, args); err != nil {
			return err
		}
		fs.Usage()
		return exitError{code: 2}
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet(env, "user "+sub, "user "+sub+" [flags]", userUsage)
	cfg.DBFlag(fs)
	username := fs.String("username", "", "login name (add)")
	name := fs.String("name", "", "display name (add)")
	role := fs.String("role", "", "role (add)")
	unit := fs.String("unit", "", "unit name or alias (add, unit_staff)")
	fs.Bool("password-stdin", true, "read the password from standard input (always on)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch sub {
	case "add", "passwd", "disable", "enable", "list":
	default:
		return usageErrorf("unknown subcommand %q (add, passwd, disable, enable, list)", sub)
	}
	a, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	ctx = audit.WithActor(ctx, audit.Who{Name: "cli"})
	target := *username
	if target == "" && fs.NArg() > 0 {
		target = fs.Arg(0)
	}
	switch sub {
	case "add":
		if target == "" || *role == "" {
			return usageErrorf("user add needs --username and --role")
		}
		in := auth.UserInput{Username: target, DisplayName: *name, Role: auth.Role(*role)}
		if *unit != "" {
			u, err := a.Org.Resolve(ctx, *unit)
			if err != nil {
				return err
			}
			in.UnitID = &u.ID
		}
		if in.Password, err = readPassword(env); err != nil {
			return err
		}
		u, err := a.Auth.CreateUser(ctx, auth.Operator("cli"), in)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "created user %s (id %d, %s)\n", u.Username, u.ID, u.Role.Label())
	case "passwd", "disable", "enable":
		if target == "" {
			return usageErrorf("user %s needs a username", sub)
		}
		u, err := a.Auth.FindUserByUsername(ctx, target)
		if err != nil {
			return err
		}
		switch sub {
		case "passwd":
			pw, err := readPassword(env)
			if err != nil {
				return err
			}
			if err := a.Auth.SetPassword(ctx, auth.Operator("cli"), u.ID, pw); err != nil {
				return err
			}
		default:
			if err := a.Auth.SetDisabled(ctx, auth.Operator("cli"), u.ID, sub == "disable"); err != nil {
				return err
			}
		}
		fmt.Fprintf(env.Stdout, "%s: %s done\n", u.Username, sub)
	case "list":
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tNAME\tROLE\tUNIT\tDISABLED")
		for off := 0; ; off += paging.MaxLimit {
			users, total, err := a.Auth.FindUsers(ctx, auth.Operator("cli"), auth.UserFilter{Limit: paging.MaxLimit, Offset: off})
			if err != nil {
				return err
			}
			for _, u := range users {
				unit := ""
				if u.UnitID != nil {
					unit = strconv.FormatInt(*u.UnitID, 10)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%v\n", u.ID, u.Username, u.DisplayName, u.Role, unit, u.Disabled)
			}
			if off+len(users) >= total || len(users) == 0 {
				break
			}
		}
		return tw.Flush()
	}
	return nil
}

// readPassword reads the first line of standard input.
func readPassword(env Env) (string, error) {
	if env.Stdin == nil {
		return "", usageErrorf("password expected on standard input")
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		if err != nil {
			return "", usageErrorf("password expected on standard input (e.g. echo 'secret-pass' | qinqing user add ...)")
		}
	}
	return line, nil
}
