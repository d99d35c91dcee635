package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"vigie/internal/app"
	"vigie/internal/auth"
	"vigie/internal/config"
	"vigie/internal/store"
)

// openStore loads the configuration and opens its store, migrated when migrate is set.
func openStore(ctx context.Context, env Env, configPath string, migrate bool) (*store.Store, *config.Config, error) {
	cfg, err := config.Load(configPath, env.LookupEnv)
	if err != nil {
		return nil, nil, err
	}
	st, err := app.OpenStore(ctx, cfg.Storage, nil)
	if err != nil {
		return nil, nil, err
	}
	if migrate {
		if _, err := st.Migrate(ctx); err != nil {
			st.Close()
			return nil, nil, err
		}
	}
	return st, cfg, nil
}

// openAuth gives the commands that manage users and tokens an auth service on the
// configured store; its log lines go to stderr at warning level so output stays clean.
func openAuth(ctx context.Context, env Env, configPath string) (*auth.Service, func(), error) {
	st, cfg, err := openStore(ctx, env, configPath, true)
	if err != nil {
		return nil, nil, err
	}
	svc, err := auth.NewService(auth.Options{Store: st, Logger: app.NewLogger(env.Stderr, cfg.Log.Format, quiet())})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return svc, func() { st.Close() }, nil
}

// withAuth is the body of a command that manages users or tokens: fn gets an auth service
// on the configured store, closed when fn returns.
func withAuth(env Env, f *rootFlags, fn func(ctx context.Context, svc *auth.Service, args []string) error) func(*cobra.Command, []string) error {
	return run(func(cmd *cobra.Command, args []string) error {
		svc, done, err := openAuth(cmd.Context(), env, f.configPath)
		if err != nil {
			return err
		}
		defer done()
		return fn(cmd.Context(), svc, args)
	})
}

// readPassword reads a new password: the first line of stdin with --password-stdin,
// otherwise twice from the terminal without echo.
func readPassword(env Env, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(env.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		pw := strings.TrimRight(line, "\r\n")
		if pw == "" {
			return "", usage("--password-stdin: stdin held no password")
		}
		return pw, nil
	}
	f, ok := env.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usage("stdin is not a terminal: pass the password on stdin with --password-stdin")
	}
	fmt.Fprint(env.Stderr, "New password: ")
	first, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(env.Stderr, "Again: ")
	second, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", err
	}
	if string(first) != string(second) {
		return "", errors.New("the two passwords differ")
	}
	return string(first), nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
