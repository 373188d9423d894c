package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/qinqing/qinqing/internal/store"
)

func runMigrate(ctx context.Context, env Env, args []string) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	fs := newFlagSet(env, "migrate", "migrate [--db DSN]", `
Migrate applies every pending schema migration to the database, each in its
own transaction. Migrations only go forward; it is safe to run twice.`)
	cfg.DBFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	done, err := db.Migrate(ctx, time.Now)
	for _, m := range done {
		fmt.Fprintf(env.Stdout, "applied %04d_%s\n", m.Version, m.Name)
	}
	if err != nil {
		return err
	}
	v, err := db.AppliedVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "schema at version %d (%s)\n", v, db.Dialect())
	return nil
}
