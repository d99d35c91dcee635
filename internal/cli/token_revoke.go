package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"vigie/internal/auth"
)

func newTokenRevokeCmd(env Env, f *rootFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token at once (IDs from 'vigie token list')",
		// Checked before the store is opened: bad input changes nothing.
		Args: cobra.MatchAll(cobra.ExactArgs(1), func(_ *cobra.Command, args []string) error {
			if _, err := strconv.ParseInt(args[0], 10, 64); err != nil {
				return fmt.Errorf("token ID %q is not a number", args[0])
			}
			return nil
		}),
		RunE: withAuth(env, f, func(ctx context.Context, svc *auth.Service, args []string) error {
			id, _ := strconv.ParseInt(args[0], 10, 64)
			t, err := svc.RevokeToken(ctx, id, "cli")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(env.Stdout, "token %d (%s) revoked\n", t.ID, t.Name)
			return err
		}),
	}
}
