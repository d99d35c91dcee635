package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"vigie/internal/auth"
)

func newTokenListCmd(env Env, f *rootFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List API tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: withAuth(env, f, func(ctx context.Context, svc *auth.Service, _ []string) error {
			tokens, err := svc.ListTokens(ctx)
			if err != nil {
				return err
			}
			ts := func(t time.Time) string {
				if t.IsZero() {
					return ""
				}
				return t.Format(time.RFC3339)
			}
			if asJSON {
				out := []map[string]any{}
				for _, t := range tokens {
					out = append(out, map[string]any{"id": t.ID, "name": t.Name, "scope": t.Scope, "prefix": t.Prefix,
						"created_by": t.CreatedBy, "created_at": ts(t.CreatedAt), "last_used_at": ts(t.LastUsedAt),
						"revoked_at": ts(t.RevokedAt)})
				}
				return printJSON(env.Stdout, out)
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tSCOPE\tPREFIX\tCREATED\tLAST USED\tSTATE")
			for _, t := range tokens {
				state, used := "active", ts(t.LastUsedAt)
				if !t.Active() {
					state = "revoked " + ts(t.RevokedAt)
				}
				if used == "" {
					used = "never"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s…\t%s\t%s\t%s\n", t.ID, t.Name, t.Scope, t.Prefix, ts(t.CreatedAt), used, state)
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
