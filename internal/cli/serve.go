package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"vigie/internal/app"
)

func newServeCmd(env Env, f *rootFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the vigie server (API, admin UI, and everything configured)",
		Long: `Run the vigie server until SIGINT or SIGTERM.

SIGHUP (or POST /api/v1/reload) re-reads the configuration; an invalid file is
rejected with its errors and the running configuration stays. On SIGTERM the
server stops accepting connections, lets requests in flight finish (up to
server.shutdown_timeout) and closes the store.`,
		Example: "  vigie serve --config examples/quickstart.yaml",
		Args:    cobra.NoArgs,
		RunE: run(func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), env, f.configPath)
		}),
	}
}

func serve(ctx context.Context, env Env, configPath string) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	a, err := app.New(ctx, app.Options{
		ConfigPath: configPath, LookupEnv: env.LookupEnv, LogOutput: env.Stderr, Build: env.Build,
	})
	if err != nil {
		return err
	}
	if err := a.Start(ctx); err != nil {
		_ = a.Stop(context.Background())
		return err
	}
	for {
		select {
		case <-hup:
			// Reload logs its own outcome; a rejected file leaves the server as it was.
			_ = a.Reload(ctx)
		case err := <-a.Failed():
			_ = a.Stop(context.Background())
			return err
		case <-ctx.Done():
			a.Logger().Info("shutting down")
			return a.Stop(context.Background())
		}
	}
}
