package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"vigie/internal/backup"
	"vigie/internal/human"
)

func newBackupListCmd(env Env, f *rootFlags) *cobra.Command {
	var asJSON bool
	var targetName string
	cmd := &cobra.Command{
		Use:   "list [JOB...]",
		Short: "List the snapshots on the targets (no key needed)",
		Long: `List the complete snapshots of each job (all, or those named) on each of its targets, or
only on --target. A snapshot whose run was interrupted never lists. Listing reads names
only: it needs no key.`,
		Example: "  vigie backup list\n  vigie backup list web --target offsite --json",
		RunE: withBackups(env, f, backupOpts{}, func(ctx context.Context, be *backupEnv, args []string) error {
			jobs := be.jobs
			if len(args) > 0 {
				jobs = nil
				for _, name := range args {
					j, err := be.job(name)
					if err != nil {
						return err
					}
					jobs = append(jobs, j)
				}
			}
			type row struct {
				Target string `json:"target"`
				backup.Snapshot
			}
			var rows []row
			var failed []error
			for _, j := range jobs {
				for _, spec := range j.Targets {
					if targetName != "" && spec.Name != targetName {
						continue
					}
					snaps, err := listTarget(ctx, j, spec.Name)
					if err != nil {
						failed = append(failed, fmt.Errorf("%s on %s: %w", j.Name, spec.Name, err))
						continue
					}
					for _, s := range snaps {
						rows = append(rows, row{Target: spec.Name, Snapshot: s})
					}
				}
			}
			for _, err := range failed {
				fmt.Fprintln(env.Stderr, "vigie:", err)
			}
			if asJSON {
				out := []map[string]any{}
				for _, r := range rows {
					out = append(out, map[string]any{"job": r.Job, "instance": r.Instance, "target": r.Target, "id": r.ID,
						"time": rfc3339(r.Time), "size": r.Size})
				}
				if err := printJSON(env.Stdout, out); err != nil {
					return err
				}
			} else if len(rows) == 0 && len(failed) == 0 {
				fmt.Fprintln(env.Stdout, "No snapshots.")
			} else if len(rows) > 0 {
				tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "JOB\tINSTANCE\tTARGET\tSNAPSHOT\tTAKEN\tSIZE")
				for _, r := range rows {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Job, r.Instance, r.Target, r.ID, rfc3339(r.Time), human.Bytes(r.Size))
				}
				if err := tw.Flush(); err != nil {
					return err
				}
			}
			if len(failed) > 0 {
				return fmt.Errorf("%d target(s) could not be listed", len(failed))
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.Flags().StringVar(&targetName, "target", "", "only this target")
	return cmd
}

func listTarget(ctx context.Context, j *backup.Job, name string) ([]backup.Snapshot, error) {
	t, err := openTarget(ctx, j, name)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	return backup.List(ctx, t, j.Location())
}
