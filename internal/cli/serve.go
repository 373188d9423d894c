package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/demo"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/web"
)

const serveUsage = `
Serve runs the web server (pages and /api/v1) and the background jobs of one
qinqing instance. Several instances may share one PostgreSQL database.

With --demo it migrates the database, loads demo data when the database is
empty, and prints the demo logins. Without it an old schema is refused
unless --migrate is given, and an empty database is served empty: create the
first administrator with

	echo 'a-long-password' | qinqing user add --username admin --role admin

Environment: QINQING_ADDR, QINQING_DB, QINQING_MIGRATE, QINQING_LOG_LEVEL,
QINQING_LOG_FORMAT, QINQING_SECURE_COOKIES, QINQING_MAX_BODY_BYTES,
QINQING_MAX_UPLOAD_BYTES, QINQING_TRUSTED_PROXIES.`

func runServe(ctx context.Context, env Env, args []string) error {
	started := time.Now()
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	fs := newFlagSet(env, "serve", "serve [--demo] [--addr HOST:PORT] [--db DSN] [flags]", serveUsage)
	cfg.ServeFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	// Nothing is written before the database is known to be the right one:
	// a mistyped SQLite path is not created (with its directories) unless
	// the server is told to set one up.
	if !cfg.Migrate && !cfg.Demo {
		if err := requireDatabase(cfg.DB); err != nil {
			return err
		}
	}
	log := newLogger(env, cfg.LogLevel, cfg.LogFormat)
	a, err := app.Open(ctx, cfg, app.Options{Logger: log})
	if err != nil {
		return err
	}
	defer a.Close()
	if cfg.Demo || cfg.Migrate {
		done, err := a.DB.Migrate(ctx, a.Now)
		if err != nil {
			return err
		}
		for _, m := range done {
			log.Info("migrated", "version", m.Version, "name", m.Name)
		}
	}
	if err := a.DB.CheckSchema(ctx); err != nil {
		return err
	}
	empty, err := demo.Empty(ctx, a)
	if err != nil {
		return err
	}
	if cfg.Demo && empty {
		if err := demo.Load(ctx, a, env.Stderr); err != nil {
			return err
		}
	}
	srv, err := web.New(a)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return listenError(cfg.Addr, err)
	}
	if err := a.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads of city-scale imports
		WriteTimeout:      5 * time.Minute, // exports
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(ln) }()

	fmt.Fprintf(env.Stdout, "qinqing %s listening on http://%s (database %s, %s; started in %s)\n",
		Version, ln.Addr(), a.DB.DSN, a.DB.Dialect(), time.Since(started).Round(time.Millisecond))
	switch {
	case cfg.Demo:
		fmt.Fprintf(env.Stdout, "demo logins (password %s):\n", demo.Password)
		for _, acc := range demo.Accounts {
			fmt.Fprintf(env.Stdout, "  %-11s %s (%s)\n", acc.Username, acc.Name, acc.Role.Label())
		}
	case empty:
		fmt.Fprintln(env.Stdout, "the database has no users yet; create the first administrator with:")
		fmt.Fprintf(env.Stdout, "  echo 'a-long-password' | qinqing user add --db %s --username admin --role admin\n", cfg.DB)
	}

	select {
	case err := <-serveErr:
		_ = a.Stop(context.Background())
		return errs.Wrap(err, "serve")
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = httpSrv.Shutdown(shutCtx)
	if jerr := a.Stop(shutCtx); err == nil {
		err = jerr
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return errs.Wrap(err, "shutdown")
	}
	log.Info("stopped")
	return nil
}

// listenError says in Chinese why the server could not listen on addr.
func listenError(addr string, err error) error {
	why := "原因：" + err.Error()
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		why = "端口已被占用"
	case errors.Is(err, syscall.EACCES):
		why = "没有权限监听该端口（1024 以下的端口需要特权）"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		why = "本机没有这个地址"
	case errors.As(err, &dnsErr):
		why = "主机名无法解析"
	}
	return &errs.Error{Code: errs.Unavailable, Message: fmt.Sprintf("无法监听 %s：%s", addr, why), Err: err}
}

// newLogger returns the structured logger of the server.
func newLogger(env Env, level, format string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	out := env.Stderr
	if out == nil {
		out = os.Stderr
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(out, opts))
	}
	return slog.New(slog.NewJSONHandler(out, opts))
}
