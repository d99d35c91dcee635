package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"vigie/internal/auth"
)

func newUserPasswdCmd(env Env, f *rootFlags) *cobra.Command {
	var fromStdin bool
	cmd := &cobra.Command{
		Use:   "passwd NAME",
		Short: "Set an administrator's password (ends their sessions)",
		Args:  cobra.ExactArgs(1),
		RunE: withAuth(env, f, func(ctx context.Context, svc *auth.Service, args []string) error {
			pw, err := readPassword(env, fromStdin)
			if err != nil {
				return err
			}
			if err := svc.SetPassword(ctx, args[0], pw); err != nil {
				return err
			}
			_, err = fmt.Fprintf(env.Stdout, "password of %s changed; their sessions were ended\n", args[0])
			return err
		}),
	}
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of stdin")
	return cmd
}
