package cli

import "github.com/spf13/cobra"

func newUserCmd(env Env, f *rootFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage administrators of the web UI",
	}
	cmd.AddCommand(
		newUserAddCmd(env, f),
		newUserPasswdCmd(env, f),
		newUserTOTPCmd(env, f),
		newUserListCmd(env, f),
		newUserRemoveCmd(env, f),
	)
	return cmd
}
