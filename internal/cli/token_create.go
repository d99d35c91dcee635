package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"vigie/internal/auth"
)

func newTokenCreateCmd(env Env, f *rootFlags) *cobra.Command {
	var scope string
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an API token and print it once",
		Long: `Create an API token and print its secret on stdout. It is shown this once:
vigie keeps only a hash.`,
		Example: "  vigie token create --scope read prometheus",
		Args:    cobra.ExactArgs(1),
		// Checked before the store is opened: bad input changes nothing.
		PreRunE: func(*cobra.Command, []string) error {
			_, err := auth.ParseScope(scope)
			return err
		},
		RunE: withAuth(env, f, func(ctx context.Context, svc *auth.Service, args []string) error {
			raw, _, err := svc.CreateToken(ctx, args[0], auth.Scope(scope), "cli")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(env.Stdout, raw)
			return err
		}),
	}
	cmd.Flags().StringVar(&scope, "scope", "read", "read, write or admin")
	_ = cmd.RegisterFlagCompletionFunc("scope", cobra.FixedCompletions(
		[]string{"read", "write", "admin"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
