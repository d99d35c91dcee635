package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"vigie/internal/auth"
)

func newUserListCmd(env Env, f *rootFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List administrators",
		Args:  cobra.NoArgs,
		RunE: withAuth(env, f, func(ctx context.Context, svc *auth.Service, _ []string) error {
			users, err := svc.ListUsers(ctx)
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
