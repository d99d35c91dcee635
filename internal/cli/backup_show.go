package cli

import (
	"context"
	"fmt"
	"io/fs"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"vigie/internal/backup"
	"vigie/internal/backup/snapshot"
	"vigie/internal/human"
)

func newBackupShowCmd(env Env, f *rootFlags) *cobra.Command {
	var asJSON, files bool
	var rf readFlags
	cmd := &cobra.Command{
		Use:   "show JOB SNAPSHOT",
		Short: "Show a snapshot's signed manifest: sources, sizes and (with --files) every entry",
		Long: `Fetch a snapshot's manifest (SNAPSHOT is an id, or "latest"), check its signature and
decrypt it. Nothing of the data is read.`,
		Example: "  vigie backup show web latest --identity /etc/vigie/keys/web.txt --files",
		Args:    cobra.ExactArgs(2),
		RunE: withBackups(env, f, backupOpts{}, func(ctx context.Context, be *backupEnv, args []string) error {
			sr, err := rf.open(ctx, be, args[0])
			if err != nil {
				return err
			}
			defer sr.t.Close()
			snap, err := sr.find(ctx, args[1])
			if err != nil {
				return err
			}
			m, err := backup.OpenManifest(ctx, sr.t, snap, be.keys, sr.ids)
			if err != nil {
				return err
			}
			if asJSON {
				if !files {
					m.Entries = nil
				}
				return printJSON(env.Stdout, m)
			}
			w := env.Stdout
			fmt.Fprintf(w, "snapshot   %s\njob        %s / %s\ntaken      %s\nobject     %s (%s, sha256 %s)\nencryption %s to %d key(s)\nwritten by vigie %s\n",
				m.ID, m.Job, m.Instance, rfc3339(m.Time), m.Object, human.Bytes(m.ObjectInfo.Size), m.ObjectInfo.SHA256,
				m.Encryption, len(m.Recipients), m.Vigie)
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "\nSOURCE\tTYPE\tENTRIES\tSIZE\tTOOK")
			for _, s := range m.Sources {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", s.Name, s.Type, s.Entries, human.Bytes(s.Bytes), s.Duration.Round(time.Millisecond))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if files {
				tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "\nMODE\tSIZE\tMODIFIED\tPATH")
				for _, e := range m.Entries {
					name := e.Path
					if e.Link != "" {
						name += " -> " + e.Link
					}
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", entryMode(e), e.Size, e.ModTime.UTC().Format("2006-01-02 15:04"), name)
				}
				return tw.Flush()
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the manifest as JSON")
	cmd.Flags().BoolVar(&files, "files", false, "list every entry")
	rf.add(cmd)
	return cmd
}

// entryMode is an entry's mode as ls shows it: "drwxr-xr-x", "-rw-------", "lrwxrwxrwx".
func entryMode(e snapshot.Entry) string {
	kind := map[string]string{snapshot.TypeDir: "d", snapshot.TypeSymlink: "l", snapshot.TypeHardlink: "h"}[e.Type]
	if kind == "" {
		kind = "-"
	}
	return kind + fs.FileMode(e.Mode).Perm().String()[1:]
}
