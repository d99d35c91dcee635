package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"vigie/internal/backup"
	"vigie/internal/backup/target"
)

func newBackupForgetCmd(env Env, f *rootFlags) *cobra.Command {
	var dryRun, asJSON bool
	var targetName string
	cmd := &cobra.Command{
		Use:   "forget JOB",
		Short: "Apply the targets' retention policies now (--dry-run: say what would be kept and why)",
		Long: `Apply each target's retention policy (or only --target's) to the job's snapshots, as
every successful run does. With --dry-run nothing is deleted: every snapshot is listed
with "keep" and the rules that keep it ("daily snapshot (2026-11-23)", "within 2d of
newest"...) or "remove". A target without a policy keeps everything.`,
		Example: "  vigie backup forget web --dry-run\n  vigie backup forget web --target offsite",
		Args:    cobra.ExactArgs(1),
		RunE: withBackups(env, f, backupOpts{}, func(ctx context.Context, be *backupEnv, args []string) error {
			job, err := be.job(args[0])
			if err != nil {
				return err
			}
			var out []map[string]any
			tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			if !asJSON {
				fmt.Fprintln(tw, "TARGET\tSNAPSHOT\tTAKEN\tDECISION\tWHY")
			}
			for _, spec := range job.Targets {
				if targetName != "" && spec.Name != targetName {
					continue
				}
				t, err := spec.Open(ctx)
				if err != nil {
					return fmt.Errorf("target %s: %w", spec.Name, err)
				}
				err = forgetOn(ctx, job, &spec, t, dryRun, func(id, taken, decision, why string) {
					if asJSON {
						out = append(out, map[string]any{"target": spec.Name, "snapshot": id, "taken": taken, "decision": decision, "why": why})
					} else {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", spec.Name, id, taken, decision, why)
					}
				})
				t.Close()
				if err != nil {
					return fmt.Errorf("target %s: %w", spec.Name, err)
				}
			}
			if asJSON {
				if out == nil {
					out = []map[string]any{}
				}
				return printJSON(env.Stdout, out)
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "delete nothing; list what would be kept and removed, and why")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.Flags().StringVar(&targetName, "target", "", "only this target")
	return cmd
}

// forgetOn decides (and unless dryRun, removes) on one target, telling each decision.
func forgetOn(ctx context.Context, job *backup.Job, spec *backup.TargetSpec, t target.Target, dryRun bool, tell func(id, taken, decision, why string)) error {
	if spec.Retention.Empty() {
		snaps, err := backup.List(ctx, t, job.Location())
		for i := len(snaps) - 1; i >= 0; i-- {
			tell(snaps[i].ID, rfc3339(snaps[i].Time), "keep", "no retention policy on this target")
		}
		return err
	}
	decisions, err := backup.Plan(ctx, t, job.Location(), spec.Retention)
	if err != nil {
		return err
	}
	for _, d := range decisions {
		decision, why := "keep", strings.Join(d.Reasons, "; ")
		if !d.Keep {
			decision, why = "remove", ""
			if dryRun {
				decision = "would remove"
			}
		}
		tell(d.Snapshot.ID, rfc3339(d.Snapshot.Time), decision, why)
	}
	if dryRun {
		return nil
	}
	_, _, err = backup.Prune(ctx, t, job.Location(), spec.Retention)
	return err
}
