package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"vigie/internal/store"
)

func newMigrateCmd(env Env, f *rootFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Inspect and apply database migrations",
		Long: `vigie's schema changes are numbered SQL migrations embedded in the binary.
'vigie serve' applies pending ones at start, in one transaction. A database that
holds migrations newer than the binary is refused.`,
	}
	cmd.AddCommand(newMigrateStatusCmd(env, f), newMigrateUpCmd(env, f))
	return cmd
}

func newMigrateStatusCmd(env Env, f *rootFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show which migrations are applied (changes nothing)",
		Args:  cobra.NoArgs,
		RunE: run(func(cmd *cobra.Command, _ []string) error {
			st, _, err := openStore(cmd.Context(), env, f.configPath, false)
			if err != nil {
				return err
			}
			defer st.Close()
			ms, err := st.MigrationStatus(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				out := []map[string]any{}
				for _, m := range ms {
					row := map[string]any{"version": m.Version, "name": m.Name, "applied_at": nil}
					if !m.AppliedAt.IsZero() {
						row["applied_at"] = m.AppliedAt.Format(time.RFC3339)
					}
					out = append(out, row)
				}
				return printJSON(env.Stdout, map[string]any{"driver": st.Driver(), "migrations": out})
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tNAME\tSTATE")
			for _, m := range ms {
				state := "pending"
				if !m.AppliedAt.IsZero() {
					state = "applied " + m.AppliedAt.Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%04d\t%s\t%s\n", m.Version, m.Name, state)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			_, err = fmt.Fprintf(env.Stdout, "%s: %d applied, %d pending\n", st.Driver(), len(ms)-store.Pending(ms), store.Pending(ms))
			return err
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func newMigrateUpCmd(env Env, f *rootFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "up",
		Short: "Apply pending migrations now (serve does this at start)",
		Args:  cobra.NoArgs,
		RunE: run(func(cmd *cobra.Command, _ []string) error {
			st, _, err := openStore(cmd.Context(), env, f.configPath, false)
			if err != nil {
				return err
			}
			defer st.Close()
			n, err := st.Migrate(cmd.Context())
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(env.Stdout, "%s: %d migration(s) applied\n", st.Driver(), n)
			return err
		}),
	}
}
