package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"vigie/internal/backup"
	"vigie/internal/human"
)

func newBackupVerifyCmd(env Env, f *rootFlags) *cobra.Command {
	var all bool
	var rf readFlags
	cmd := &cobra.Command{
		Use:   "verify JOB [SNAPSHOT]",
		Short: "Read snapshots back and check them against their signed manifests",
		Long: `Check a snapshot (default "latest"; --all for every one on the target) without restoring
it: the manifest's signature, then the whole object read and decrypted, its SHA-256 and
every entry's. A flipped byte anywhere is caught. Exit 1 when any snapshot fails.`,
		Example: "  vigie backup verify web\n  vigie backup verify web --all --target offsite -i key.txt",
		Args:    cobra.RangeArgs(1, 2),
		RunE: withBackups(env, f, backupOpts{}, func(ctx context.Context, be *backupEnv, args []string) error {
			if all && len(args) == 2 {
				return usage("give a SNAPSHOT or --all, not both")
			}
			sr, err := rf.open(ctx, be, args[0])
			if err != nil {
				return err
			}
			defer sr.t.Close()
			job, t, ids := sr.job, sr.t, sr.ids
			var snaps []backup.Snapshot
			if all {
				if snaps, err = backup.List(ctx, t, job.Location()); err != nil {
					return err
				}
			} else {
				id := "latest"
				if len(args) == 2 {
					id = args[1]
				}
				s, err := sr.find(ctx, id)
				if err != nil {
					return err
				}
				snaps = []backup.Snapshot{s}
			}
			bad := 0
			for _, s := range snaps {
				_, st, err := backup.Verify(ctx, t, s, be.keys, ids)
				if err != nil {
					bad++
					fmt.Fprintf(env.Stdout, "%s: FAILED: %v\n", s.ID, err)
					continue
				}
				fmt.Fprintf(env.Stdout, "%s: ok, %d entries, %s checked\n", s.ID, st.Entries, human.Bytes(st.Bytes))
			}
			if bad > 0 {
				return fmt.Errorf("%d of %d snapshots failed verification", bad, len(snaps))
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&all, "all", false, "verify every snapshot on the target")
	rf.add(cmd)
	return cmd
}
