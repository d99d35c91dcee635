package cli

import (
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
		RunE: run(func(cmd *cobra.Command, args []string) error {
			sc, err := auth.ParseScope(scope)
			if err != nil {
				return usage("--scope: %v", err)
			}
			svc, done, err := openAuth(cmd.Context(), env, f.configPath)
			if err != nil {
				return err
			}
			defer done()
			raw, _, err := svc.CreateToken(cmd.Context(), args[0], sc, "cli")
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
