package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func newUserListCmd(env Env, f *rootFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List administrators",
		Args:  cobra.NoArgs,
		RunE: run(func(cmd *cobra.Command, _ []string) error {
			svc, done, err := openAuth(cmd.Context(), env, f.configPath)
			if err != nil {
				return err
			}
			defer done()
			users, err := svc.ListUsers(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				type userOut struct {
					Name        string     `json:"name"`
					TOTP        bool       `json:"totp"`
					CreatedAt   time.Time  `json:"created_at"`
					LastLoginAt *time.Time `json:"last_login_at"`
				}
				out := []userOut{}
				for _, u := range users {
					o := userOut{Name: u.Name, TOTP: u.TOTPEnabled(), CreatedAt: u.CreatedAt}
					if !u.LastLoginAt.IsZero() {
						o.LastLoginAt = &u.LastLoginAt
					}
					out = append(out, o)
				}
				return printJSON(env.Stdout, out)
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tTOTP\tCREATED\tLAST LOGIN")
			for _, u := range users {
				totp, last := "off", "never"
				if u.TOTPEnabled() {
					totp = "on"
				}
				if !u.LastLoginAt.IsZero() {
					last = u.LastLoginAt.Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, totp, u.CreatedAt.Format(time.RFC3339), last)
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
