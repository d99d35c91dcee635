package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"vigie/internal/auth"
)

func newUserAddCmd(env Env, f *rootFlags) *cobra.Command {
	var fromStdin bool
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Add an administrator",
		Long: `Add an administrator who can log in to the web UI. The password is asked twice
without echo, or read from the first line of stdin with --password-stdin.`,
		Example: "  vigie user add alice\n  printf '%s\\n' \"$PW\" | vigie user add alice --password-stdin",
		Args:    cobra.ExactArgs(1),
		RunE: withAuth(env, f, func(ctx context.Context, svc *auth.Service, args []string) error {
			pw, err := readPassword(env, fromStdin)
			if err != nil {
				return err
			}
			u, err := svc.AddUser(ctx, args[0], pw)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(env.Stdout, "user %s added\n", u.Name)
			return err
		}),
	}
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of stdin")
	return cmd
}
