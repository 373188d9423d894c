// Package cli implements the qinqing command line: one file per subcommand,
// all dispatched from the table in this file.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// Env is the process environment a command runs in, injectable for tests.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, env Env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":   {"run the web server and background jobs", runServe},
		"migrate": {"apply pending database migrations", runMigrate},
		"version": {"print the version", runVersion},
		"user":    {"manage accounts: add, passwd, disable, enable, list", runUser},
		"token":   {"manage API tokens: create, list, revoke", runToken},
		"backup":  {"write a consistent copy of the database", runBackup},
		"workday": {"the official working-day calendar: is, add, between", runWorkday},
		"policy":  {"policy supermarket: simulate a rule over every enterprise", runPolicy},
		"plan":    {"plan supervision: parse, diff, import and export work plans", runPlan},
		"import":  {"import enterprises from CSV or XLSX", runImport},
		"appeal":  {"enterprise appeals: import a 12345 hotline export, rates and ranking", runAppeal},
		"export":  {"export enterprises to CSV or XLSX", runExport},
		"seed":    {"fill the database with a synthetic city and its appeals", runSeed},
		"bench":   {"measure whole-system performance: import, search, match, appeals, plans, grants", runBench},
	}
}

// exitError carries a specific exit status out of a command.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Run runs the command line args and returns the process exit status:
// 0 success, 1 failure, 2 usage error.
func Run(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "qinqing: unknown command %q\nRun 'qinqing --help' for usage.\n", args[0])
		return 2
	}
	err := cmd.run(ctx, env, args[1:])
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errs.CodeOf(err) == errs.Invalid && errors.Is(err, errUsage):
		fmt.Fprintf(env.Stderr, "qinqing %s: %s\n", args[0], errs.MessageOf(err))
		return 2
	}
	msg := errs.MessageOf(err)
	if errs.CodeOf(err) == errs.Internal {
		msg = err.Error()
	}
	fmt.Fprintf(env.Stderr, "qinqing %s: %s\n", args[0], msg)
	return 1
}

// errUsage marks errors in how a command was called (exit status 2).
var errUsage = errors.New("usage")

func usageErrorf(format string, args ...any) error {
	return &errs.Error{Code: errs.Invalid, Message: fmt.Sprintf(format, args...), Err: errUsage}
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprint(w, `qinqing (亲清) runs a city's business-environment platform: enterprise
registry, policy supermarket, appeals closed loop and plan supervision.

Usage:

	qinqing <command> [arguments]

The commands are:

`)
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "\t%-9s %s\n", n, cmds[n].summary)
	}
	fmt.Fprint(w, `
Use "qinqing <command> --help" for more information about a command.
Every command that touches data takes --db (a SQLite file path or a
postgres:// URL; env QINQING_DB; default ./qinqing-data/qinqing.db).
`)
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints usage in the Go style.
func newFlagSet(env Env, name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "usage: qinqing %s\n\n%s\n", synopsis, strings.TrimSpace(description))
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(env.Stderr, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses args, turning a flag error into a usage error (exit 2).
// Flags may come before, between or after the positional arguments (the
// usage lines write `ARGS [--db DSN]`); after parse, fs.Args() holds the
// positional arguments in their order. "--" ends the flags: what follows is
// positional even when it starts with "-".
func parse(fs *flag.FlagSet, args []string) error {
	flags, pos := splitFlags(fs, args)
	if len(pos) > 0 {
		flags = append(append(flags, "--"), pos...)
	}
	if err := fs.Parse(flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return exitError{code: 2}
	}
	return nil
}

// splitFlags separates the flags in args (with the values of those that take
// one) from the positional arguments, keeping the order of each. An unknown
// flag stays with the flags, so that fs.Parse reports it.
func splitFlags(fs *flag.FlagSet, args []string) (flags, pos []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return flags, append(pos, args[i+1:]...)
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return flags, pos
}

// databaseAbsent reports whether dsn names a SQLite file that does not
// exist, and its path. A command that only reads answers without such a
// database instead of creating an empty one.
func databaseAbsent(dsn string) (bool, string) {
	dsn = strings.TrimSpace(dsn)
	if dsn == "" || store.IsPostgres(dsn) {
		return false, dsn
	}
	_, err := os.Stat(dsn)
	return errors.Is(err, os.ErrNotExist), dsn
}

// requireDatabase refuses a SQLite database file that does not exist.
// Errors: Invalid, naming the commands that create one.
func requireDatabase(dsn string) error {
	if absent, path := databaseAbsent(dsn); absent {
		return errs.Errorf(errs.Invalid, "数据库 %s 不存在：先运行 qinqing migrate --db %s 创建（或 qinqing serve --demo 载入演示数据）", path, path)
	}
	return nil
}

// loadConfig returns the defaults overridden by the environment.
func loadConfig(env Env) (config.Config, error) {
	cfg := config.Default()
	err := cfg.FromEnv(env.Getenv)
	return cfg, err
}

// openApp opens the database of cfg and checks its schema is current. A
// SQLite database that does not exist is not created (an empty file would
// only fail the schema check and be left behind): the error says how to
// create one.
func openApp(ctx context.Context, env Env, cfg config.Config) (*app.App, error) {
	if err := requireDatabase(cfg.DB); err != nil {
		return nil, err
	}
	a, err := app.Open(ctx, cfg, app.Options{Logger: slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return nil, err
	}
	if err := a.DB.CheckSchema(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}
