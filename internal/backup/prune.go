package backup

import (
	"context"
	"fmt"
	"log/slog"

	"vigie/internal/backup/retention"
	"vigie/internal/backup/target"
	"vigie/internal/errs"
)

// Plan says what the policy keeps and removes of the snapshots at loc on t, newest first, with
// the reasons for each kept one.
func Plan(ctx context.Context, t target.Target, loc Location, p retention.Policy) ([]retention.Decision, error) {
	snaps, err := List(ctx, t, loc)
	if err != nil {
		return nil, err
	}
	return decide(snaps, p)
}

func decide(snaps []Snapshot, p retention.Policy) ([]retention.Decision, error) {
	in := make([]retention.Snapshot, len(snaps))
	for i, s := range snaps {
		in[i] = retention.Snapshot{ID: s.ID, Time: s.Time}
	}
	return retention.Apply(in, p)
}

// Forget removes one snapshot: its manifest first, so it stops existing in one step, then
// its signature and data.
func Forget(ctx context.Context, t target.Target, s Snapshot) error {
	loc := Location{Job: s.Job, Instance: s.Instance}
	for _, name := range []string{loc.manifestName(s.ID, s.Ext), loc.sigName(s.ID), loc.dataName(s.ID, s.Ext)} {
		if err := t.Delete(ctx, name); err != nil {
			return fmt.Errorf("forgetting %s: %w", s.ID, err)
		}
	}
	return nil
}

// Prune applies the policy: it removes what Plan removes and returns how many it kept and
// removed. An empty policy keeps everything.
func Prune(ctx context.Context, t target.Target, loc Location, p retention.Policy) (kept, removed int, err error) {
	snaps, err := List(ctx, t, loc)
	if err != nil || p.Empty() {
		return len(snaps), 0, err
	}
	decisions, err := decide(snaps, p)
	if err != nil {
		return 0, 0, err
	}
	byID := map[string]Snapshot{}
	for _, s := range snaps {
		byID[s.ID] = s
	}
	for _, d := range decisions {
		if d.Keep {
			kept++
			continue
		}
		s, ok := byID[d.Snapshot.ID]
		if !ok {
			return kept, removed, errs.E(errs.Conflict, "snapshot %s vanished while pruning", d.Snapshot.ID)
		}
		if err := Forget(ctx, t, s); err != nil {
			return kept, removed, err
		}
		removed++
	}
	return kept, removed, nil
}

func (rn *Runner) prune(ctx context.Context, job *Job, o *openTarget, log *slog.Logger) {
	kept, removed, err := Prune(ctx, o.t, job.Location(), o.spec.Retention)
	o.result.Kept, o.result.Removed = kept, removed
	if err != nil {
		o.fail(fmt.Errorf("retention: %w", err))
		log.Warn("retention failed", "target", o.spec.Name, "err", err)
		return
	}
	if removed > 0 {
		log.Info("retention removed snapshots", "target", o.spec.Name, "kept", kept, "removed", removed)
	}
}

// measureSpace records how full the target is, when it can tell.
func (rn *Runner) measureSpace(ctx context.Context, o *openTarget) {
	sr, ok := o.t.(target.SpaceReporter)
	if !ok {
		return
	}
	if free, total, err := sr.Space(ctx); err == nil {
		o.result.Free, o.result.Total = free, total
	}
}

// NearlyFull reports whether a target result is over the spec's threshold.
func (t *TargetSpec) NearlyFull(r TargetResult) bool {
	return t.FullAt > 0 && r.Total > 0 && float64(r.Total-r.Free)/float64(r.Total) >= t.FullAt
}
