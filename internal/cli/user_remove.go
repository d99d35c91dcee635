package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"vigie/internal/auth"
)

func newUserRemoveCmd(env Env, f *rootFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove an administrator and end their sessions",
		Args:  cobra.ExactArgs(1),
		RunE: withAuth(env, f, func(ctx context.Context, svc *auth.Service, args []string) error {
			if err := svc.DeleteUser(ctx, args[0]); err != nil {
				return err
			}
			_, err := fmt.Fprintf(env.Stdout, "user %s removed\n", args[0])
			return err
		}),
	}
}
