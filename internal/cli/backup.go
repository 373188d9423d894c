package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

func runBackup(ctx context.Context, env Env, args []string) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	fs := newFlagSet(env, "backup", "backup --to FILE [--db DSN]", `
Backup writes a consistent copy of a SQLite database to FILE while the server
keeps running (VACUUM INTO). For PostgreSQL it prints the pg_dump command to
use instead, since a dump belongs to the database's own tools.`)
	cfg.DBFlag(fs)
	to := fs.String("to", "", "file to write (must not exist)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := requireDatabase(cfg.DB); err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if db.Dialect() == store.Postgres {
		target := *to
		if target == "" {
			target = "qinqing.dump"
		}
		fmt.Fprintf(env.Stdout, "pg_dump --format=custom --file=%s '%s'\n", target, db.DSN)
		return nil
	}
	if *to == "" {
		return usageErrorf("backup needs --to FILE")
	}
	if _, err := os.Stat(*to); err == nil {
		return errs.Errorf(errs.Conflict, "%s 已存在，不会覆盖", *to)
	}
	if dir := filepath.Dir(*to); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return errs.Wrap(err, "backup")
		}
	}
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, *to); err != nil {
		return errs.Wrap(err, "vacuum into")
	}
	fmt.Fprintf(env.Stdout, "backed up %s to %s\n", cfg.DB, *to)
	return nil
}
