// Command qinqing runs the qinqing (亲清) business-environment platform.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/qinqing/qinqing/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
