package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newUserRemoveCmd(env Env, f *rootFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove an administrator and end their sessions",
		Args:  cobra.ExactArgs(1),
		RunE: run(func(cmd *cobra.Command, args []string) error {
			svc, done, err := openAuth(cmd.Context(), env, f.configPath)
			if err != nil {
				return err
			}
			defer done()
			if err := svc.DeleteUser(cmd.Context(), args[0]); err != nil {
				return err
			}
			_, err = fmt.Fprintf(env.Stdout, "user %s removed\n", args[0])
			return err
		}),
	}
}
