package cli

import (
	"fmt"

	"github.com/spf13/cobra"
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
		RunE: run(func(cmd *cobra.Command, args []string) error {
			svc, done, err := openAuth(cmd.Context(), env, f.configPath)
			if err != nil {
				return err
			}
			defer done()
			pw, err := readPassword(env, fromStdin)
			if err != nil {
				return err
			}
			u, err := svc.AddUser(cmd.Context(), args[0], pw)
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
