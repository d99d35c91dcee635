package backup

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"vigie/internal/backup/retention"
	"vigie/internal/backup/snapshot"
	"vigie/internal/backup/source"
	"vigie/internal/backup/target"
	"vigie/internal/schedule"
)

// Job is one backup job as the configuration declares it.
type Job struct {
	Name     string
	Instance string            // whose data this is: a host, a customer's instance
	Labels   map[string]string // for alert routing, with job and instance added
	Sources  []source.Source
	// Encryption holds the public keys the snapshot is encrypted to; whoever runs the job
	// cannot read what it wrote.
	Encryption snapshot.Encryption
	Pre, Post  []Hook
	Targets    []TargetSpec
	// Schedule starts the job in `vigie serve`; nil runs it only on demand.
	Schedule     schedule.Schedule
	ScheduleText string
	// Expect is how long may pass without a successful snapshot before it is overdue: the
	// schedule's period plus a grace. Zero means no such alert.
	Expect time.Duration
	Drill  *Drill
}

// Location is where the job's snapshots live on each target.
func (j *Job) Location() Location { return Location{Job: j.Name, Instance: j.Instance} }

// Target returns the job's target called name.
func (j *Job) Target(name string) (*TargetSpec, error) {
	for i := range j.Targets {
		if j.Targets[i].Name == name {
			return &j.Targets[i], nil
		}
	}
	return nil, fmt.Errorf("job %s has no target %q", j.Name, name)
}

// Validate checks what the configuration layer cannot see on its own.
func (j *Job) Validate() error {
	if err := checkNamePart("job name", j.Name); err != nil {
		return err
	}
	if err := checkNamePart("instance", j.Instance); err != nil {
		return err
	}
	if len(j.Sources) == 0 {
		return fmt.Errorf("job %s: no sources", j.Name)
	}
	if len(j.Targets) == 0 {
		return fmt.Errorf("job %s: no targets", j.Name)
	}
	return nil
}

// Hook is a command run before (pre) or after (post) the snapshot, without a shell.
type Hook struct {
	Command []string
	Timeout time.Duration // 0: 5 minutes
}

// TargetSpec is one place a job's snapshots go.
type TargetSpec struct {
	Name string
	// Open connects to the target; the caller closes it.
	Open func(ctx context.Context) (target.Target, error)
	// Retention decides which snapshots stay after each successful run; an empty policy
	// keeps everything.
	Retention retention.Policy
	// BytesPerSecond limits reading and writing; 0 is unlimited.
	BytesPerSecond int64
	// FullAt is the fraction of the target's storage in use at which it counts as nearly
	// full (targets that report their space); 0 disables the check.
	FullAt float64
}

func (t *TargetSpec) open(ctx context.Context) (target.Target, error) {
	tg, err := t.Open(ctx)
	if err != nil {
		return nil, err
	}
	if t.BytesPerSecond > 0 {
		tg = target.Limit(tg, t.BytesPerSecond)
	}
	return tg, nil
}

// Drill says how to prove the job's snapshots restore.
type Drill struct {
	Schedule     schedule.Schedule
	ScheduleText string
	Target       string // the target to fetch from; empty: the job's first
	Random       bool   // a random kept snapshot rather than the newest
	// Identities decrypt the snapshots: the instance's private key, which only the drill
	// (and a restore) holds.
	Identities snapshot.Identities
	Databases  []DrillDatabase
}

// DrillDatabase restores one database source into a scratch database and questions it.
type DrillDatabase struct {
	Source string // the source's name
	Type   string // source.TypePostgres, TypeMariaDB or TypeSQLite
	// Conn is the source's connection (source.PostgresConfig or MariaDBConfig), used to
	// create the scratch database on the same server; nil for SQLite.
	Conn   any
	Query  string
	Expect Expectation
}

// Keys are what signs snapshots and what verifies them.
type Keys struct {
	Signing ed25519.PrivateKey
	// Trusted are the public keys whose signatures verification accepts; the signing key's
	// own public key is always trusted.
	Trusted []ed25519.PublicKey
}

func (k Keys) trusted() []ed25519.PublicKey {
	out := append([]ed25519.PublicKey(nil), k.Trusted...)
	if k.Signing != nil {
		out = append(out, k.Signing.Public().(ed25519.PublicKey))
	}
	return out
}
