package cli

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"vigie/internal/app"
	"vigie/internal/backup"
	"vigie/internal/backup/snapshot"
	"vigie/internal/backup/target"
	"vigie/internal/clock"
	"vigie/internal/config"
	"vigie/internal/human"
	"vigie/internal/store"
	"vigie/internal/suggest"
)

func newBackupCmd(env Env, f *rootFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Run, list, verify and restore encrypted backups",
		Long: `Backup jobs are declared under backups.jobs in the configuration. 'vigie serve' runs
them on their schedules; these commands run them by hand, look at what the targets hold,
and restore. Snapshots are encrypted to the job's public keys: reading one (show, verify,
restore) needs the matching private key, --identity FILE, or the job's drill identity.
A snapshot also restores without vigie:

  age -d -i key.txt ID.tar.zst.age | zstd -d | tar x`,
	}
	cmd.AddCommand(newBackupRunCmd(env, f), newBackupListCmd(env, f), newBackupStatusCmd(env, f), newBackupShowCmd(env, f),
		newBackupVerifyCmd(env, f), newBackupRestoreCmd(env, f), newBackupDrillCmd(env, f), newBackupForgetCmd(env, f),
		newBackupKeyCmd(env, f))
	return cmd
}

// backupEnv is what a backup command works with: the configuration's jobs, the store that
// records runs (when the command records), the keys and a logger on stderr.
type backupEnv struct {
	cfg   *config.Config
	jobs  []*backup.Job
	store *store.Store
	keys  backup.Keys
	log   *slog.Logger
}

// backupOpts say what a command needs beyond the configuration.
type backupOpts struct {
	store      bool // record runs in the store
	signingKey bool // sign: load the key, creating it on first use
}

// backupMemoryLimit is the Go heap a backup command aims to stay under (unless GOMEMLIMIT
// says otherwise). A run keeps about 60 MiB live whatever the data size (compression frames,
// the manifest's entries); by default the collector would let the heap double that first.
const backupMemoryLimit = 96 << 20

// withBackups is the body of a backup command.
func withBackups(env Env, f *rootFlags, o backupOpts, fn func(ctx context.Context, be *backupEnv, args []string) error) func(*cobra.Command, []string) error {
	return run(func(cmd *cobra.Command, args []string) error {
		if _, set := env.LookupEnv("GOMEMLIMIT"); !set {
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(backupMemoryLimit))
		}
		cfg, err := config.Load(f.configPath, env.LookupEnv)
		if err != nil {
			return err
		}
		be := &backupEnv{cfg: cfg, log: app.NewLogger(env.Stderr, cfg.Log.Format, quiet())}
		if be.jobs, err = app.BuildBackupJobs(cfg); err != nil {
			return err
		}
		if o.signingKey {
			if be.keys, err = app.BackupKeys(cfg.Backups, be.log); err != nil {
				return err
			}
		} else if be.keys, err = verifyingKeys(cfg.Backups); err != nil {
			return err
		}
		if o.store {
			st, err := app.OpenStore(cmd.Context(), cfg.Storage, nil)
			if err != nil {
				return err
			}
			defer st.Close()
			if _, err := st.Migrate(cmd.Context()); err != nil {
				return err
			}
			be.store = st
		}
		return fn(cmd.Context(), be, args)
	})
}

// verifyingKeys are the keys that check signatures: the trusted ones and this server's own,
// when it has one. Reading never creates a signing key.
func verifyingKeys(c config.Backups) (backup.Keys, error) {
	keys := backup.Keys{Trusted: c.Trusted()}
	data, err := os.ReadFile(c.SigningKeyFile)
	if errors.Is(err, fs.ErrNotExist) {
		return keys, nil
	}
	if err != nil {
		return keys, err
	}
	key, err := snapshot.ParseSigningKey(data)
	if err != nil {
		return keys, fmt.Errorf("%s: %w", c.SigningKeyFile, err)
	}
	keys.Trusted = append(keys.Trusted, key.Public().(ed25519.PublicKey))
	return keys, nil
}

func (be *backupEnv) job(name string) (*backup.Job, error) {
	names := make([]string, len(be.jobs))
	for i, j := range be.jobs {
		if j.Name == name {
			return j, nil
		}
		names[i] = j.Name
	}
	if len(names) == 0 {
		return nil, usage("no backup jobs in the configuration (backups.jobs)")
	}
	if s := suggest.Closest(name, names); s != "" {
		return nil, usage("no backup job named %q; did you mean %q?", name, s)
	}
	return nil, usage("no backup job named %q (jobs: %v)", name, names)
}

func (be *backupEnv) runner(env Env) *backup.Runner {
	rn := &backup.Runner{Keys: be.keys, Clock: clock.Real{}, Logger: be.log, Version: env.Build.Version}
	if be.store != nil {
		rn.Store = be.store
	}
	return rn
}

// openTarget connects to one of the job's targets: the named one, or the first.
func openTarget(ctx context.Context, job *backup.Job, name string) (target.Target, error) {
	spec := &job.Targets[0]
	if name != "" {
		var err error
		if spec, err = job.Target(name); err != nil {
			return nil, usage("%v", err)
		}
	}
	return spec.Open(ctx)
}

// identities reads the private key given with --identity (and --passphrase-file for a
// protected OpenPGP key), or falls back on the job's drill identity.
func identities(job *backup.Job, file, passphraseFile string) (snapshot.Identities, error) {
	if file == "" {
		if job.Drill != nil {
			return job.Drill.Identities, nil
		}
		return snapshot.Identities{}, usage("reading a snapshot needs its private key: --identity FILE (the job has no drill identity to fall back on)")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return snapshot.Identities{}, usage("--identity: %v", err)
	}
	var pass []byte
	if passphraseFile != "" {
		if pass, err = os.ReadFile(passphraseFile); err != nil {
			return snapshot.Identities{}, usage("--passphrase-file: %v", err)
		}
		pass = []byte(trimNewline(string(pass)))
	}
	ids, err := snapshot.ParseIdentities(data, pass)
	if err != nil {
		return snapshot.Identities{}, usage("--identity %s: %v", file, err)
	}
	return ids, nil
}

func trimNewline(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

// progress prints how much a run has read: one line rewritten in place on a terminal, a
// plain line every ten seconds otherwise.
type progress struct {
	env      Env
	terminal bool
	mu       sync.Mutex
	last     time.Time
	started  time.Time
}

func newProgress(env Env) *progress {
	f, ok := env.Stderr.(*os.File)
	p := &progress{env: env, terminal: ok && term.IsTerminal(int(f.Fd())), started: time.Now()}
	if !p.terminal {
		p.last = p.started // a log gets its first line after ten seconds: short runs stay quiet
	}
	return p
}

func (p *progress) report(job string, bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	every := 10 * time.Second
	if p.terminal {
		every = 200 * time.Millisecond
	}
	if now.Sub(p.last) < every {
		return
	}
	p.last = now
	rate := float64(bytes) / max(now.Sub(p.started).Seconds(), 0.001)
	line := fmt.Sprintf("%s: %s read, %s/s, %s", job, human.Bytes(bytes), human.Bytes(int64(rate)), human.Duration(now.Sub(p.started)))
	if p.terminal {
		fmt.Fprintf(p.env.Stderr, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(p.env.Stderr, line)
	}
}

// done ends the progress line on a terminal.
func (p *progress) done() {
	if p.terminal && !p.last.IsZero() {
		fmt.Fprint(p.env.Stderr, "\r\033[K")
	}
}

// readFlags are the flags of commands that read a snapshot: where from, and with which key.
type readFlags struct {
	target, identity, passphrase string
}

func (rf *readFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&rf.target, "target", "", "the target to read from (default: the job's first)")
	cmd.Flags().StringVarP(&rf.identity, "identity", "i", "", "the private key that decrypts the snapshot (age key file or armored OpenPGP key; default: the job's drill identity)")
	cmd.Flags().StringVar(&rf.passphrase, "passphrase-file", "", "a file holding the passphrase of a protected OpenPGP key")
}

// snapshotReader is a job's target opened for reading, with the key that decrypts it.
type snapshotReader struct {
	job *backup.Job
	t   target.Target
	ids snapshot.Identities
}

// open finds the job, reads the key and connects to the target; the caller closes t.
func (rf *readFlags) open(ctx context.Context, be *backupEnv, jobName string) (*snapshotReader, error) {
	job, err := be.job(jobName)
	if err != nil {
		return nil, err
	}
	ids, err := identities(job, rf.identity, rf.passphrase)
	if err != nil {
		return nil, err
	}
	t, err := openTarget(ctx, job, rf.target)
	if err != nil {
		return nil, err
	}
	return &snapshotReader{job: job, t: t, ids: ids}, nil
}

// find is the snapshot with that id, or the newest for "latest".
func (sr *snapshotReader) find(ctx context.Context, id string) (backup.Snapshot, error) {
	return backup.Find(ctx, sr.t, sr.job.Location(), id)
}

// reportRun prints a finished run, as a table or JSON, and passes on its error.
func reportRun(env Env, r *backup.Run, err error, asJSON bool) error {
	if r == nil {
		return err
	}
	if asJSON {
		if perr := printJSON(env.Stdout, runOut(r)); perr != nil {
			return perr
		}
	} else {
		printRun(env.Stdout, r)
	}
	return err
}
