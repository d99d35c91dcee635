package cli

import (
	"context"

	"github.com/spf13/cobra"
)

func newBackupDrillCmd(env Env, f *rootFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "drill JOB",
		Short: "Prove a snapshot restores: fetch, decrypt, check every file, restore databases",
		Long: `Run the job's restore drill now: fetch a snapshot (the newest, or a random one with
drill.pick: random) from the drill's target, check its signature, decrypt it with the drill
identity, read it whole against every checksum, and restore each drill database into a
scratch database that it questions with the configured smoke query, then drops. The drill
is recorded. Exit 1 when it fails.`,
		Example: "  vigie backup drill web",
		Args:    cobra.ExactArgs(1),
		RunE: withBackups(env, f, backupOpts{store: true}, func(ctx context.Context, be *backupEnv, args []string) error {
			job, err := be.job(args[0])
			if err != nil {
				return err
			}
			if job.Drill == nil {
				return usage("job %s has no drill: give it drill.identity_file (and drill.databases to restore)", job.Name)
			}
			r, err := be.runner(env).Drill(ctx, job)
			return reportRun(env, r, err, asJSON)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the drill as JSON")
	return cmd
}
