// Package cli is vigie's command line: one file per command, each a thin layer that parses
// flags, calls the domain packages and prints. Main returns the process exit code.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"vigie/internal/config"
	"vigie/internal/web"
)

// Exit codes, documented in the README.
const (
	ExitOK      = 0
	ExitFailure = 1 // something went wrong at run time
	ExitUsage   = 2 // bad flags, arguments or configuration
)

// Env is what a command may touch of the outside world, injected so tests run commands
// in-process.
type Env struct {
	Stdin     io.Reader
	Stdout    io.Writer
	Stderr    io.Writer
	LookupEnv func(string) (string, bool)
	Build     web.Build
}

// runError marks an error returned by a command's own code (as opposed to cobra's flag and
// argument checks, which are usage errors) and carries its exit code.
type runError struct {
	code int
	err  error
}

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

// run adapts a command body: configuration errors exit 2, anything else 1.
func run(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := fn(cmd, args)
		if err == nil {
			return nil
		}
		var re *runError
		if errors.As(err, &re) {
			return err
		}
		if _, ok := errors.AsType[config.Errors](err); ok {
			return &runError{code: ExitUsage, err: err}
		}
		return &runError{code: ExitFailure, err: err}
	}
}

// usage returns an error that exits 2, for checks a command does on its own arguments.
func usage(format string, args ...any) error {
	return &runError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// Main runs the command line and returns the exit code.
func Main(ctx context.Context, args []string, env Env) int {
	root := newRoot(env)
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var re *runError
	if errors.As(err, &re) {
		fmt.Fprintln(env.Stderr, "vigie:", re.err)
		return re.code
	}
	fmt.Fprintf(env.Stderr, "vigie: %v\nRun 'vigie --help' for usage.\n", err)
	return ExitUsage
}

// rootFlags are flags every command shares.
type rootFlags struct {
	configPath string
}

func newRoot(env Env) *cobra.Command {
	f := &rootFlags{}
	root := &cobra.Command{
		Use:   "vigie",
		Short: "The operations desk of a small SaaS or hosting team",
		Long: `vigie is the operations desk of a small SaaS or hosting team, in one binary.

This build has the server with its JSON API and admin UI, administrators with
optional TOTP, scoped API tokens, and storage on SQLite or PostgreSQL.

Start with 'vigie serve --config examples/quickstart.yaml', then open the printed address.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	defaultConfig := "vigie.yaml"
	if v, ok := env.LookupEnv("VIGIE_CONFIG"); ok && v != "" {
		defaultConfig = v
	}
	root.PersistentFlags().StringVarP(&f.configPath, "config", "c", defaultConfig, "configuration file (env VIGIE_CONFIG)")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return err })

	root.AddCommand(
		newServeCmd(env, f),
		newConfigCmd(env),
		newVersionCmd(env),
		newUserCmd(env, f),
		newTokenCmd(env, f),
		newMigrateCmd(env, f),
		newCheckCmd(env),
		newNotifyCmd(env, f),
		newAlertCmd(env, f),
		newSilenceCmd(env, f),
		newBackupCmd(env, f),
		newMaintenanceCmd(env, f),
		newIncidentCmd(env, f),
		newReportCmd(env, f),
	)
	return root
}

// StdEnv is the real process environment.
func StdEnv(b web.Build) Env {
	return Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, LookupEnv: os.LookupEnv, Build: b}
}
