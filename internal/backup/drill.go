package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"vigie/internal/backup/snapshot"
	"vigie/internal/backup/source"
	"vigie/internal/errs"
)

// Drill proves that the job's snapshots restore: it fetches one (the newest, or a random
// kept one) from the drill's target, checks its signature, decrypts it with the drill's key,
// reads it whole against every checksum, and restores each database of the drill into a
// scratch database that it questions and drops. The run records how long the restore took.
func (rn *Runner) Drill(ctx context.Context, job *Job) (*Run, error) {
	start := rn.Clock.Now()
	run := &Run{Job: job.Name, Instance: job.Instance, Kind: KindDrill, StartedAt: start, Status: StatusRunning}
	if rn.Store != nil {
		if err := rn.Store.StartRun(ctx, run); err != nil {
			return nil, fmt.Errorf("recording the drill: %w", err)
		}
	}
	log := rn.Logger.With("job", job.Name, "instance", job.Instance)
	err := rn.drill(ctx, job, run, log)
	return run, rn.finish(run, err, log)
}

func (rn *Runner) drill(ctx context.Context, job *Job, run *Run, log *slog.Logger) error {
	d := job.Drill
	if d == nil {
		return errs.E(errs.Invalid, "job %s has no drill configured", job.Name)
	}
	spec := &job.Targets[0]
	if d.Target != "" {
		var err error
		if spec, err = job.Target(d.Target); err != nil {
			return err
		}
	}
	run.Targets = []TargetResult{{Name: spec.Name}}
	t, err := spec.open(ctx)
	if err != nil {
		run.Targets[0].Error = err.Error()
		return fmt.Errorf("target %s: %w", spec.Name, err)
	}
	defer t.Close()
	snaps, err := List(ctx, t, job.Location())
	if err != nil {
		run.Targets[0].Error = err.Error()
		return fmt.Errorf("target %s: %w", spec.Name, err)
	}
	if len(snaps) == 0 {
		return fmt.Errorf("target %s holds no snapshot of %s/%s to drill", spec.Name, job.Name, job.Instance)
	}
	s := snaps[len(snaps)-1]
	if d.Random {
		s = snaps[rand.IntN(len(snaps))]
	}
	run.Snapshot = s.ID
	run.Size = s.Size
	log = log.With("snapshot", s.ID, "target", spec.Name)

	began := time.Now()
	m, st, err := Verify(ctx, t, s, rn.CurrentKeys(), d.Identities)
	run.Bytes, run.Entries = st.Bytes, st.Entries
	if err != nil {
		return err
	}
	for _, db := range d.Databases {
		if err := rn.drillDatabase(ctx, t, m, db, d.Identities); err != nil {
			return fmt.Errorf("database %s: %w", db.Source, err)
		}
	}
	run.Restore = time.Since(began)
	run.Targets[0].OK = true
	log.Info("drill passed", "restore", run.Restore.Round(time.Millisecond), "entries", st.Entries, "bytes", st.Bytes)
	return nil
}

// drillDatabase restores one dump into a scratch database, runs the smoke query and judges
// its answer; the scratch database is dropped whatever happens.
func (rn *Runner) drillDatabase(ctx context.Context, t targetGetter, m *snapshot.Manifest, db DrillDatabase, ids snapshot.Identities) (err error) {
	entry, err := DumpEntry(m, db.Source)
	if err != nil {
		return err
	}
	restorer, err := source.RestorerFor(db.Type, db.Conn)
	if err != nil {
		return err
	}
	scratch, err := source.NewScratch(ctx, db.Type, db.Conn)
	if err != nil {
		return err
	}
	defer func() {
		if derr := scratch.Drop(context.WithoutCancel(ctx)); derr != nil {
			err = errors.Join(err, fmt.Errorf("dropping the scratch database %s: %w", scratch.Target, derr))
		}
	}()
	if err := RestoreDump(ctx, t, m, ids, entry, restorer, scratch.Target); err != nil {
		return err
	}
	answer, err := source.SmokeQuery(ctx, db.Type, scratch.Target, db.Query, db.Conn)
	if err != nil {
		return err
	}
	return db.Expect.Check(answer)
}

// RestoreDump streams one dump of the snapshot into a database through restorer. The dump is
// checked against the manifest as it flows: an error after the restorer started means the
// database holds a partial restore.
func RestoreDump(ctx context.Context, t targetGetter, m *snapshot.Manifest, ids snapshot.Identities, entry string, restorer source.Restorer, database string) error {
	data, err := t.Get(ctx, m.Object)
	if err != nil {
		return err
	}
	defer data.Close()
	pr, pw := io.Pipe()
	streamed := make(chan error, 1)
	go func() {
		err := snapshot.StreamTo(data, m, ids, entry, pw)
		pw.CloseWithError(err)
		streamed <- err
	}()
	rerr := restorer.Restore(ctx, pr, database)
	pr.CloseWithError(errors.New("the restore stopped reading"))
	serr := <-streamed
	if rerr != nil {
		return rerr
	}
	if serr != nil {
		return fmt.Errorf("reading the dump %s: %w", entry, serr)
	}
	return nil
}

// targetGetter is the part of a target a drill reads through.
type targetGetter interface {
	Get(ctx context.Context, name string) (io.ReadCloser, error)
}
