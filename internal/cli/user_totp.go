package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"vigie/internal/auth"
)

func newUserTOTPCmd(env Env, f *rootFlags) *cobra.Command {
	var disable bool
	var issuer string
	cmd := &cobra.Command{
		Use:   "totp NAME",
		Short: "Turn on a TOTP second factor and print its provisioning URI",
		Long: `Give the user a new TOTP secret (RFC 6238: SHA-1, 6 digits, 30 s) and print the
otpauth:// URI to load into an authenticator app (paste it, or turn it into a QR
code, e.g. with 'qrencode -t ansiutf8'). From then on the login form needs a code.
Running it again replaces the secret; --disable removes the second factor.`,
		Args: cobra.ExactArgs(1),
		RunE: withAuth(env, f, func(ctx context.Context, svc *auth.Service, args []string) error {
			if disable {
				if err := svc.DisableTOTP(ctx, args[0]); err != nil {
					return err
				}
				_, err := fmt.Fprintf(env.Stdout, "second factor of %s removed\n", args[0])
				return err
			}
			uri, err := svc.EnableTOTP(ctx, args[0], issuer)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(env.Stdout, uri)
			return err
		}),
	}
	cmd.Flags().BoolVar(&disable, "disable", false, "remove the second factor")
	cmd.Flags().StringVar(&issuer, "issuer", "vigie", "issuer name shown in the authenticator app")
	return cmd
}
