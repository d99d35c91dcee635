package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"vigie/internal/backup"
	"vigie/internal/human"
)

func newBackupRunCmd(env Env, f *rootFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "run JOB",
		Short: "Take a snapshot now and write it to every target of the job",
		Long: `Run the job once: pre hooks, every source streamed into one encrypted snapshot written to
all its targets at once, the signed manifest last, post hooks, then each target's retention.
The run is recorded like a scheduled one. Exit 1 when no target received the snapshot;
a run that reached only some targets is "partial" and exits 0 with a warning.`,
		Example: "  vigie backup run web",
		Args:    cobra.ExactArgs(1),
		RunE: withBackups(env, f, backupOpts{store: true, signingKey: true}, func(ctx context.Context, be *backupEnv, args []string) error {
			job, err := be.job(args[0])
			if err != nil {
				return err
			}
			rn := be.runner(env)
			p := newProgress(env)
			rn.Progress = p.report
			r, err := rn.Backup(ctx, job)
			p.done()
			return reportRun(env, r, err, asJSON)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the run as JSON")
	return cmd
}

// runOut is a run as the CLI prints it in JSON.
func runOut(r *backup.Run) map[string]any {
	return map[string]any{"id": r.ID, "job": r.Job, "instance": r.Instance, "kind": r.Kind, "snapshot": r.Snapshot,
		"status": r.Status, "error": r.Error, "started_at": rfc3339(r.StartedAt), "finished_at": rfc3339(r.FinishedAt),
		"duration_seconds": r.Duration(r.FinishedAt).Seconds(), "bytes": r.Bytes, "size": r.Size, "entries": r.Entries,
		"targets": r.Targets, "warnings": r.Warnings, "restore_seconds": r.Restore.Seconds()}
}

func printRun(w io.Writer, r *backup.Run) {
	took := human.Duration(r.Duration(r.FinishedAt))
	switch r.Kind {
	case backup.KindDrill:
		fmt.Fprintf(w, "drill of %s/%s: %s in %s\n", r.Job, r.Instance, r.Status, took)
		if r.Snapshot != "" {
			fmt.Fprintf(w, "  snapshot %s: %d entries, %s checked, restored in %s\n", r.Snapshot, r.Entries, human.Bytes(r.Bytes), human.Duration(r.Restore))
		}
	default:
		fmt.Fprintf(w, "backup of %s/%s: %s in %s\n", r.Job, r.Instance, r.Status, took)
		if r.Size > 0 {
			fmt.Fprintf(w, "  snapshot %s: %d entries, %s read, %s stored\n", r.Snapshot, r.Entries, human.Bytes(r.Bytes), human.Bytes(r.Size))
		}
	}
	for _, t := range r.Targets {
		if t.OK {
			line := "  " + t.Name + ": ok"
			if r.Kind == backup.KindBackup {
				line += fmt.Sprintf(", %d kept, %d removed", t.Kept, t.Removed)
			}
			if t.Total > 0 {
				line += fmt.Sprintf(", %s free of %s", human.Bytes(t.Free), human.Bytes(t.Total))
			}
			fmt.Fprintln(w, line)
		} else if t.Error != "" {
			fmt.Fprintf(w, "  %s: FAILED: %s\n", t.Name, t.Error)
		}
	}
	for _, warn := range r.Warnings {
		fmt.Fprintln(w, "  warning: "+warn)
	}
	if r.Error != "" && !strings.Contains(r.Error, "some targets failed") {
		fmt.Fprintln(w, "  error: "+r.Error)
	}
}
