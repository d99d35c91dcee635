package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"vigie/internal/backup"
	"vigie/internal/config"
	"vigie/internal/monitor"
)

// BuildBackupJobs builds the configured backup jobs.
func BuildBackupJobs(c *config.Config) ([]*backup.Job, error) {
	var jobs []*backup.Job
	for _, j := range c.Backups.Jobs {
		job, err := j.Job()
		if err != nil {
			return nil, fmt.Errorf("backup job %s: %w", j.Name, err)
		}
		jobs = append(jobs, job)
	}
	return jobs, nil
}

// BackupKeys loads the server's signing key, creating it on first use, and the trusted keys.
// A new key is logged with its public half, which verifying elsewhere needs.
func BackupKeys(c config.Backups, log *slog.Logger) (backup.Keys, error) {
	key, created, err := backup.LoadSigningKey(c.SigningKeyFile)
	if err != nil {
		return backup.Keys{}, fmt.Errorf("backup signing key: %w", err)
	}
	keys := backup.Keys{Signing: key, Trusted: c.Trusted()}
	if created {
		log.Warn("created the backup signing key; keep its public key to verify snapshots elsewhere",
			"path", c.SigningKeyFile, "public_key", keys.PublicKeyText())
	}
	return keys, nil
}

// backups is the backup side of the server: the jobs of the running configuration and the
// service that runs them.
type backups struct {
	jobs    atomic.Pointer[[]*backup.Job]
	runner  *backup.Runner
	service *backup.Service
}

// Jobs are the jobs of the running configuration.
func (b *backups) Jobs() []*backup.Job { return *b.jobs.Load() }

func (a *App) newBackups(cfg *config.Config) error {
	jobs, err := BuildBackupJobs(cfg)
	if err != nil {
		return err
	}
	b := &backups{}
	b.jobs.Store(&jobs)
	var keys backup.Keys
	if len(jobs) > 0 {
		if keys, err = BackupKeys(cfg.Backups, a.log); err != nil {
			return err
		}
	}
	b.runner = &backup.Runner{Keys: keys, Store: a.store, Clock: a.opts.Clock, Logger: a.log, Version: a.opts.Build.Version}
	b.service = backup.NewService(backup.ServiceOptions{Runner: b.runner, Store: a.store, Clock: a.opts.Clock, Logger: a.log,
		Jobs: b.Jobs, OnHealth: a.observeBackup})
	a.backups = b
	return nil
}

// reloadBackups builds the jobs of a new configuration and returns what swaps them in; the
// signing key is made now if the first job just appeared.
func (a *App) reloadBackups(cfg *config.Config) (apply func(), err error) {
	jobs, err := BuildBackupJobs(cfg)
	if err != nil {
		return nil, err
	}
	keys := a.backups.runner.CurrentKeys()
	if len(jobs) > 0 && keys.Signing == nil {
		if keys, err = BackupKeys(cfg.Backups, a.log); err != nil {
			return nil, err
		}
	}
	keys.Trusted = cfg.Backups.Trusted()
	return func() {
		a.backups.runner.SetKeys(keys)
		a.backups.jobs.Store(&jobs)
	}, nil
}

// observeBackup turns a backup health change into an alert state, like a monitor's.
func (a *App) observeBackup(h backup.Health) {
	state := monitor.StateUp
	if h.Down {
		state = monitor.StateDown
	}
	def := &monitor.Definition{Name: h.Check, Kind: "backup", Labels: h.Labels}
	if err := a.alerts.Observe(context.Background(), monitor.Event{Monitor: h.Check, At: h.At, State: state, Reason: h.Reason}, def); err != nil {
		a.log.Error("recording a backup alert failed", "check", h.Check, "err", err)
	}
}
