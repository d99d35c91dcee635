package cli

import "github.com/spf13/cobra"

func newTokenCmd(env Env, f *rootFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Manage API tokens",
		Long: `API tokens authenticate scripts and tools (Prometheus, CI) to the API with
'Authorization: Bearer <token>'. Scopes: read (look at everything), write (also
change runtime state), admin (also manage users and tokens).`,
	}
	cmd.AddCommand(newTokenCreateCmd(env, f), newTokenListCmd(env, f), newTokenRevokeCmd(env, f))
	return cmd
}
