package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"vigie/internal/backup"
	"vigie/internal/human"
)

func newBackupStatusCmd(env Env, f *rootFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "status",
		Short:   "Show each job's last run, last success and last drill",
		Example: "  vigie backup status",
		Args:    cobra.NoArgs,
		RunE: withBackups(env, f, backupOpts{store: true}, func(ctx context.Context, be *backupEnv, _ []string) error {
			type status struct {
				job                  *backup.Job
				last, success, drill *backup.Run
			}
			var all []status
			for _, j := range be.jobs {
				st := status{job: j}
				runs, err := be.store.BackupRuns(ctx, j.Name, "", 100)
				if err != nil {
					return err
				}
				for i := range runs {
					r := &runs[i]
					if r.Kind == backup.KindDrill {
						if st.drill == nil {
							st.drill = r
						}
						continue
					}
					if st.last == nil {
						st.last = r
					}
					if st.success == nil && r.Status == backup.StatusOK {
						st.success = r
					}
				}
				all = append(all, st)
			}
			if asJSON {
				out := []map[string]any{}
				for _, s := range all {
					item := map[string]any{"job": s.job.Name, "instance": s.job.Instance, "schedule": s.job.ScheduleText}
					for key, r := range map[string]*backup.Run{"last_run": s.last, "last_success": s.success, "last_drill": s.drill} {
						item[key] = nil
						if r != nil {
							item[key] = runOut(r)
						}
					}
					out = append(out, item)
				}
				return printJSON(env.Stdout, out)
			}
			if len(all) == 0 {
				_, err := fmt.Fprintln(env.Stdout, "No backup jobs in the configuration.")
				return err
			}
			now := time.Now()
			tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "JOB\tINSTANCE\tLAST RUN\tLAST SUCCESS\tSIZE\tLAST DRILL")
			for _, s := range all {
				last, success, size, drill := "never", "never", "–", "–"
				if s.last != nil {
					last = s.last.Status + ", " + human.Duration(now.Sub(s.last.StartedAt)) + " ago"
				}
				if s.success != nil {
					success, size = human.Duration(now.Sub(s.success.FinishedAt))+" ago", human.Bytes(s.success.Size)
				}
				if s.drill != nil {
					drill = s.drill.Status + ", " + human.Duration(now.Sub(s.drill.StartedAt)) + " ago"
					if s.drill.Status == backup.StatusOK {
						drill += ", restored in " + human.Duration(s.drill.Restore)
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.job.Name, s.job.Instance, last, success, size, drill)
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
