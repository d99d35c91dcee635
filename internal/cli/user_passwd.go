package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newUserPasswdCmd(env Env, f *rootFlags) *cobra.Command {
	var fromStdin bool
	cmd := &cobra.Command{
		Use:   "passwd NAME",
		Short: "Set an administrator's password (ends their sessions)",
		Args:  cobra.ExactArgs(1),
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
			if err := svc.SetPassword(cmd.Context(), args[0], pw); err != nil {
				return err
			}
			_, err = fmt.Fprintf(env.Stdout, "password of %s changed; their sessions were ended\n", args[0])
			return err
		}),
	}
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of stdin")
	return cmd
}
