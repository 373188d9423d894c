package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is the release version of qinqing.
const Version = "0.1.0"

// versionString returns the version with the VCS revision when known.
func versionString() string {
	rev := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = " " + s.Value[:12]
			}
		}
	}
	return fmt.Sprintf("qinqing %s%s %s %s/%s", Version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func runVersion(_ context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "version", "version", "Version prints the version of qinqing and of the Go toolchain that built it.")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, versionString())
	return nil
}
