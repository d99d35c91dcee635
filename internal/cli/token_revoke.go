package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
)

func newTokenRevokeCmd(env Env, f *rootFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token at once (IDs from 'vigie token list')",
		Args:  cobra.ExactArgs(1),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return usage("token ID %q is not a number", args[0])
			}
			svc, done, err := openAuth(cmd.Context(), env, f.configPath)
			if err != nil {
				return err
			}
			defer done()
			t, err := svc.RevokeToken(cmd.Context(), id, "cli")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(env.Stdout, "token %d (%s) revoked\n", t.ID, t.Name)
			return err
		}),
	}
}
