package backup

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"vigie/internal/clock"
	"vigie/internal/errs"
	"vigie/internal/human"
	"vigie/internal/schedule"
)

// Health is the state of one thing a backup job promises, as alerting sees it: the job's
// snapshots ("backup:<job>"), its drills ("drill:<job>"), or the room left on one of its
// targets ("backup-space:<job>/<target>").
type Health struct {
	Check  string
	Labels map[string]string // the job's labels, plus job, instance and target when it is about one
	Down   bool
	Reason string
	At     time.Time
}

// ServiceOptions wire a Service.
type ServiceOptions struct {
	Runner *Runner
	Store  Store
	Jobs   func() []*Job // read on every tick, so a reload applies
	Clock  clock.Clock
	Logger *slog.Logger
	// OnHealth is told when a check changes state, and once for every check at start.
	OnHealth func(Health)
}

// Service starts scheduled backups and drills in `vigie serve`, runs them on demand, and
// watches that each job keeps its promises: it succeeded last time, it is not overdue, its
// last drill passed, its targets are not nearly full.
type Service struct {
	opts    ServiceOptions
	started time.Time

	mu       sync.Mutex
	running  map[string]string    // job -> kind running now; one run of a job at a time
	next     map[string]time.Time // "backup/<job>" or "drill/<job>" -> next start
	reported map[string]Health
	checked  time.Time // when Tick last worked out every job's health
	wg       sync.WaitGroup
	// base is Run's context: runs started on demand outlive the request that asked.
	base context.Context
}

// NewService returns a service; call Run to start it.
func NewService(o ServiceOptions) *Service {
	return &Service{opts: o, started: o.Clock.Now(), running: map[string]string{}, next: map[string]time.Time{}, reported: map[string]Health{}}
}

// ErrBusy says the job is already running.
var ErrBusy = errs.E(errs.Conflict, "the job is already running")

// Run ticks every few seconds until ctx ends, then waits for the runs it started.
func (s *Service) Run(ctx context.Context) {
	s.mu.Lock()
	s.base = ctx
	s.mu.Unlock()
	if n, err := s.opts.Store.InterruptRuns(ctx, s.opts.Clock.Now()); err != nil {
		s.opts.Logger.Error("marking interrupted backup runs failed", "err", err)
	} else if n > 0 {
		s.opts.Logger.Warn("backup runs were interrupted by the last shutdown", "count", n)
	}
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		s.Tick(ctx)
		select {
		case <-ctx.Done():
			s.wg.Wait()
			return
		case <-t.C:
		}
	}
}

// healthEvery is how often Tick reads the recorded runs to see whether a job became overdue;
// a run that ends has its job's health worked out at once.
const healthEvery = time.Minute

// Tick starts what is due and reports changes of health.
func (s *Service) Tick(ctx context.Context) {
	now := s.opts.Clock.Now()
	s.mu.Lock()
	check := s.checked.IsZero() || now.Sub(s.checked) >= healthEvery || now.Before(s.checked)
	if check {
		s.checked = now
	}
	s.mu.Unlock()
	for _, job := range s.opts.Jobs() {
		s.startIfDue(ctx, job, KindBackup, job.Schedule, now)
		if job.Drill != nil {
			s.startIfDue(ctx, job, KindDrill, job.Drill.Schedule, now)
		}
		if check {
			s.checkHealth(ctx, job, now)
		}
	}
}

// Wait blocks until the runs started by ticks have ended.
func (s *Service) Wait() { s.wg.Wait() }

func (s *Service) startIfDue(ctx context.Context, job *Job, kind string, sched schedule.Schedule, now time.Time) {
	if sched == nil {
		return
	}
	key := kind + "/" + job.Name
	s.mu.Lock()
	next, ok := s.next[key]
	if !ok || next.IsZero() {
		// The first start is the schedule's next one: runs missed while vigie was down are not
		// made up all at once; the overdue check tells about them.
		s.next[key] = sched.Next(now)
		s.mu.Unlock()
		return
	}
	if now.Before(next) {
		s.mu.Unlock()
		return
	}
	s.next[key] = sched.Next(now)
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if _, err := s.Start(ctx, job, kind); err != nil && err != ErrBusy {
			s.opts.Logger.Debug("scheduled backup run failed", "job", job.Name, "kind", kind, "err", err)
		} else if err == ErrBusy {
			s.opts.Logger.Warn("scheduled backup run skipped: the previous one is still running", "job", job.Name, "kind", kind)
		}
	}()
}

// Jobs are the jobs of the running configuration.
func (s *Service) Jobs() []*Job { return s.opts.Jobs() }

// Job finds a job by name; nil when there is none.
func (s *Service) Job(name string) *Job {
	for _, j := range s.opts.Jobs() {
		if j.Name == name {
			return j
		}
	}
	return nil
}

// Runs lists a job's recorded runs of one kind (both when kind is empty), newest first.
func (s *Service) Runs(ctx context.Context, job, kind string, limit int) ([]Run, error) {
	return s.opts.Store.BackupRuns(ctx, job, kind, limit)
}

// Snapshots lists the job's snapshots on one of its targets, oldest first.
func (s *Service) Snapshots(ctx context.Context, job *Job, targetName string) ([]Snapshot, error) {
	spec, err := job.Target(targetName)
	if err != nil {
		return nil, err
	}
	t, err := spec.open(ctx)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	return List(ctx, t, job.Location())
}

// Next is when the job's backup (or drill) starts next, zero when it has no schedule or the
// service has not looked at it yet.
func (s *Service) Next(job, kind string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next[kind+"/"+job]
}

// Running is the kind of run the job has in progress, "" when none.
func (s *Service) Running(job string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running[job]
}

// Start runs the job (KindBackup) or its drill (KindDrill) now and waits for the outcome,
// then reports the job's health; ErrBusy when the job is already running.
func (s *Service) Start(ctx context.Context, job *Job, kind string) (*Run, error) {
	if err := s.reserve(job, kind); err != nil {
		return nil, err
	}
	return s.run(ctx, job, kind)
}

// Trigger starts the job or its drill in the background and returns at once: ErrBusy when
// the job is already running. The run lives as long as the service, not as ctx (a request);
// the health check follows when it ends.
func (s *Service) Trigger(ctx context.Context, job *Job, kind string) error {
	if err := s.reserve(job, kind); err != nil {
		return err
	}
	s.mu.Lock()
	if s.base != nil {
		ctx = s.base
	} else {
		ctx = context.WithoutCancel(ctx)
	}
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.run(ctx, job, kind)
	}()
	return nil
}

func (s *Service) reserve(job *Job, kind string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[job.Name] != "" {
		return ErrBusy
	}
	s.running[job.Name] = kind
	return nil
}

func (s *Service) run(ctx context.Context, job *Job, kind string) (*Run, error) {
	defer func() {
		s.mu.Lock()
		delete(s.running, job.Name)
		s.mu.Unlock()
		s.checkHealth(ctx, job, s.opts.Clock.Now())
	}()
	if kind == KindDrill {
		return s.opts.Runner.Drill(ctx, job)
	}
	return s.opts.Runner.Backup(ctx, job)
}

// checkHealth works out the job's health from its recorded runs and reports what changed.
func (s *Service) checkHealth(ctx context.Context, job *Job, now time.Time) {
	for _, h := range s.health(ctx, job, now) {
		s.mu.Lock()
		prev, seen := s.reported[h.Check]
		changed := !seen || prev.Down != h.Down || prev.Down && prev.Reason != h.Reason
		if changed {
			s.reported[h.Check] = h
		}
		s.mu.Unlock()
		if changed && s.opts.OnHealth != nil {
			s.opts.OnHealth(h)
		}
	}
}

// Health lists the job's checks as they stand at now.
func (s *Service) health(ctx context.Context, job *Job, now time.Time) []Health {
	labels := func(extra ...string) map[string]string {
		out := map[string]string{}
		for k, v := range job.Labels {
			out[k] = v
		}
		out["job"], out["instance"] = job.Name, job.Instance
		for i := 0; i+1 < len(extra); i += 2 {
			out[extra[i]] = extra[i+1]
		}
		return out
	}
	runs, err := s.opts.Store.BackupRuns(ctx, job.Name, KindBackup, 50)
	if err != nil {
		s.opts.Logger.Warn("reading backup runs failed", "job", job.Name, "err", err)
		return nil
	}
	snap := Health{Check: "backup:" + job.Name, Labels: labels(), At: now}
	latest := LatestOf(runs)
	last, lastGood := latest.Last, latest.Good
	since := s.started
	if lastGood != nil {
		since = lastGood.FinishedAt
	}
	switch {
	case last != nil && last.Status != StatusOK:
		snap.Down, snap.Reason, snap.At = true, fmt.Sprintf("backup %s: %s", last.Status, last.Error), last.FinishedAt
	case job.Expect > 0 && now.Sub(since) > job.Expect:
		what := "no successful snapshot since " + since.UTC().Format("2006-01-02 15:04 UTC")
		if lastGood == nil {
			what = "no successful snapshot yet, " + human.Duration(now.Sub(s.started)) + " after vigie started"
		}
		snap.Down, snap.Reason = true, what+" (expected every "+human.Duration(job.Expect)+")"
	case last != nil:
		snap.Reason = "last snapshot " + last.Snapshot + " at " + last.FinishedAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	out := []Health{snap}
	if job.Drill != nil {
		drill := Health{Check: "drill:" + job.Name, Labels: labels(), At: now}
		if drills, err := s.opts.Store.BackupRuns(ctx, job.Name, KindDrill, 5); err == nil {
			for _, d := range drills {
				if d.Status == StatusRunning {
					continue
				}
				if d.Status == StatusFailed {
					drill.Down, drill.Reason, drill.At = true, "restore drill failed: "+d.Error, d.FinishedAt
				} else {
					drill.Reason = "restore drill of " + d.Snapshot + " passed in " + human.Duration(d.Restore)
				}
				break
			}
		}
		out = append(out, drill)
	}
	if last != nil {
		for _, r := range last.Targets {
			spec, err := job.Target(r.Name)
			if err != nil || spec.FullAt == 0 {
				continue
			}
			space := Health{Check: "backup-space:" + job.Name + "/" + r.Name, Labels: labels("target", r.Name), At: now}
			if spec.NearlyFull(r) {
				space.Down = true
				space.Reason = fmt.Sprintf("target %s is %.0f%% full (%s free)", r.Name, 100*float64(r.Total-r.Free)/float64(r.Total), human.Bytes(r.Free))
			}
			out = append(out, space)
		}
	}
	return out
}
