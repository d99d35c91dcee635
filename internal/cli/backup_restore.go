package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"vigie/internal/backup"
	"vigie/internal/backup/snapshot"
	"vigie/internal/backup/source"
	"vigie/internal/backup/target"
	"vigie/internal/human"
)

func newBackupRestoreCmd(env Env, f *rootFlags) *cobra.Command {
	var rf readFlags
	var to, dump, toDatabase, output string
	var paths []string
	cmd := &cobra.Command{
		Use:   "restore JOB SNAPSHOT (--to DIR [--path P]... | --dump SOURCE [-o FILE] | --dump SOURCE --to-database NAME)",
		Short: "Restore a snapshot, some of its paths, or one database dump",
		Long: `Restore SNAPSHOT (an id, or "latest") of JOB:

  --to DIR              extract everything (or only --path entries, with what is below them)
                        into DIR; every file is checked against the signed manifest before it
                        takes its place, and nothing is written outside DIR;
  --dump SOURCE         write the dump of database source SOURCE to standard output (or -o);
  --to-database NAME    with --dump, restore it straight into database NAME on the source's
                        server (PostgreSQL, MariaDB), or into the SQLite file NAME.

Paths inside a snapshot look like files/<source>/<absolute path>, db/<source>.pgdump:
see 'vigie backup show JOB SNAPSHOT --files'.`,
		Example: "  vigie backup restore web latest --to /tmp/restore\n" +
			"  vigie backup restore web latest --to /tmp/r --path files/www/srv/www/index.html\n" +
			"  vigie backup restore web 20261123T020000Z-3f9a1c --dump app > app.pgdump\n" +
			"  vigie backup restore web latest --dump app --to-database app_restored",
		Args: cobra.ExactArgs(2),
		PreRunE: func(*cobra.Command, []string) error {
			switch {
			case to == "" && dump == "":
				return usage("say where to restore: --to DIR, or --dump SOURCE")
			case to != "" && dump != "":
				return usage("--to and --dump restore different things; give one")
			case len(paths) > 0 && to == "":
				return usage("--path selects what --to extracts")
			case (toDatabase != "" || output != "") && dump == "":
				return usage("--to-database and -o go with --dump")
			case toDatabase != "" && output != "":
				return usage("--to-database and -o are two destinations; give one")
			}
			return nil
		},
		RunE: withBackups(env, f, backupOpts{}, func(ctx context.Context, be *backupEnv, args []string) error {
			sr, err := rf.open(ctx, be, args[0])
			if err != nil {
				return err
			}
			defer sr.t.Close()
			job, t, ids := sr.job, sr.t, sr.ids
			snap, err := sr.find(ctx, args[1])
			if err != nil {
				return err
			}
			if to != "" {
				st, err := backup.Restore(ctx, t, snap, be.keys, ids, to, paths)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(env.Stderr, "restored %d entries (%s) of %s into %s\n", st.Entries, human.Bytes(st.Bytes), snap.ID, to)
				return err
			}
			m, err := backup.OpenManifest(ctx, t, snap, be.keys, ids)
			if err != nil {
				return err
			}
			entry, err := backup.DumpEntry(m, dump)
			if err != nil {
				return usage("%v", err)
			}
			if toDatabase != "" {
				return restoreDatabase(ctx, env, be, job, t, snap, m, ids, dump, entry, toDatabase)
			}
			var w io.Writer = env.Stdout
			if output != "" {
				f, err := os.OpenFile(output, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			return backup.StreamEntry(ctx, t, snap, be.keys, ids, entry, w)
		}),
	}
	rf.add(cmd)
	cmd.Flags().StringVar(&to, "to", "", "extract into this directory")
	cmd.Flags().StringSliceVar(&paths, "path", nil, "with --to, only this path of the snapshot and what is below it (repeatable)")
	cmd.Flags().StringVar(&dump, "dump", "", "the database source whose dump to restore")
	cmd.Flags().StringVarP(&output, "output", "o", "", "with --dump, write to this new file instead of standard output")
	cmd.Flags().StringVar(&toDatabase, "to-database", "", "with --dump, restore into this database (it must exist; PostgreSQL objects in it are replaced)")
	return cmd
}

// restoreDatabase streams a dump into a database on the source's server.
func restoreDatabase(ctx context.Context, env Env, be *backupEnv, job *backup.Job, t target.Target, snap backup.Snapshot,
	m *snapshot.Manifest, ids snapshot.Identities, sourceName, entry, database string) error {
	src := be.cfg.Backups.Source(job.Name, sourceName)
	if src == nil || !source.Restorable(src.Type) {
		return usage("source %s cannot be restored into a database; use -o to write the dump to a file", sourceName)
	}
	restorer, err := source.RestorerFor(src.Type, src.Conn())
	if err != nil {
		return err
	}
	if err := backup.RestoreDump(ctx, t, m, ids, entry, restorer, database); err != nil {
		return err
	}
	_, err = fmt.Fprintf(env.Stderr, "restored %s of %s into %s\n", entry, snap.ID, database)
	return err
}
