// Command vigie is the operations desk of a small SaaS or hosting team. See the README.
package main

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"

	"vigie/internal/cli"
	"vigie/internal/web"
)

// version and commit are set at link time: -ldflags "-X main.version=v1.2.3 -X main.commit=abc123".
var version, commit string

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.StdEnv(build())))
}

// build names this binary, falling back to what the Go toolchain recorded.
func build() web.Build {
	b := web.Build{Version: version, Commit: commit, GoVersion: runtime.Version()}
	if info, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && b.Commit == "" && len(s.Value) >= 12 {
				b.Commit = s.Value[:12]
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	return b
}
