package backup

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"vigie/internal/backup/snapshot"
	"vigie/internal/backup/target"
	"vigie/internal/clock"
)

// Run kinds and statuses.
const (
	KindBackup = "backup"
	KindDrill  = "drill"

	StatusRunning = "running"
	StatusOK      = "ok"
	// StatusPartial: the snapshot exists on some targets, but a target or a post hook failed.
	StatusPartial = "partial"
	StatusFailed  = "failed"
)

// Run is the record of one backup run or drill.
type Run struct {
	ID         int64
	Job        string
	Instance   string
	Kind       string
	Snapshot   string // the id written (backup) or checked (drill)
	StartedAt  time.Time
	FinishedAt time.Time
	Status     string
	Error      string
	Bytes      int64 // content bytes read from the sources, or checked by a drill
	Size       int64 // bytes of the encrypted object
	Entries    int
	Sources    []snapshot.SourceInfo
	Targets    []TargetResult
	Warnings   []string
	// Restore is how long a drill took to fetch, decrypt, check and restore the snapshot.
	Restore time.Duration
}

// Duration is how long the run took, or has taken so far at now.
func (r *Run) Duration(now time.Time) time.Duration {
	if !r.FinishedAt.IsZero() {
		return r.FinishedAt.Sub(r.StartedAt)
	}
	return now.Sub(r.StartedAt)
}

// Latest are a job's newest finished runs of each outcome.
type Latest struct {
	Last    *Run // the newest finished run
	Success *Run // the newest that wrote its snapshot to every target (ok)
	Good    *Run // the newest that wrote a snapshot at all (ok or partial)
	Failure *Run // the newest that was not ok (partial or failed)
}

// LatestOf picks them from runs given newest first; runs still going on are left out.
func LatestOf(runs []Run) Latest {
	var l Latest
	for i := range runs {
		r := &runs[i]
		if r.Status == StatusRunning {
			continue
		}
		if l.Last == nil {
			l.Last = r
		}
		if l.Success == nil && r.Status == StatusOK {
			l.Success = r
		}
		if l.Good == nil && r.Status != StatusFailed {
			l.Good = r
		}
		if l.Failure == nil && r.Status != StatusOK {
			l.Failure = r
		}
	}
	return l
}

// TargetResult is what happened on one target.
type TargetResult struct {
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Error   string `json:"error,omitempty"`
	Kept    int    `json:"kept"`
	Removed int    `json:"removed"`
	// Free and Total are the target's space after the run, when it reports it.
	Free  int64 `json:"free,omitempty"`
	Total int64 `json:"total,omitempty"`
}

// Store keeps the runs.
type Store interface {
	// StartRun stores a new run and sets its ID.
	StartRun(ctx context.Context, r *Run) error
	// FinishRun stores the run's outcome.
	FinishRun(ctx context.Context, r *Run) error
	// BackupRuns lists a job's runs of one kind (all kinds when kind is empty), newest first.
	BackupRuns(ctx context.Context, job, kind string, limit int) ([]Run, error)
	// InterruptRuns marks runs still "running" as failed: their process died.
	InterruptRuns(ctx context.Context, at time.Time) (int, error)
}

// Runner runs jobs. Its zero value is not usable; fill the fields.
type Runner struct {
	// Keys sign and verify; while runs may be going on, change them with SetKeys.
	Keys    Keys
	keysMu  sync.Mutex
	Store   Store // nil: runs are not recorded
	Clock   clock.Clock
	Logger  *slog.Logger
	Version string // vigie's, written in manifests
	// Progress, if set, is told the bytes read from the sources as they go.
	Progress func(job string, bytes int64)
	// Snapshot tunes compression; zero is the default.
	Snapshot snapshot.Options
}

// SetKeys replaces the keys for the runs that start from now on.
func (rn *Runner) SetKeys(k Keys) {
	rn.keysMu.Lock()
	rn.Keys = k
	rn.keysMu.Unlock()
}

// CurrentKeys are the keys runs start with now.
func (rn *Runner) CurrentKeys() Keys {
	rn.keysMu.Lock()
	defer rn.keysMu.Unlock()
	return rn.Keys
}

// lockStale is how long a target lock lives without a refresh before another run may take
// it over: a killed run blocks its targets for at most this long.
const lockStale = 2 * time.Minute

// Backup takes one snapshot of the job and writes it to every target it can reach, then
// applies each target's retention. The returned run says what happened; the error is set
// when no target received a complete snapshot.
func (rn *Runner) Backup(ctx context.Context, job *Job) (*Run, error) {
	start := rn.Clock.Now()
	run := &Run{Job: job.Name, Instance: job.Instance, Kind: KindBackup, Snapshot: newID(start), StartedAt: start, Status: StatusRunning}
	if rn.Store != nil {
		if err := rn.Store.StartRun(ctx, run); err != nil {
			return nil, fmt.Errorf("recording the run: %w", err)
		}
	}
	log := rn.Logger.With("job", job.Name, "instance", job.Instance, "snapshot", run.Snapshot)
	err := rn.backup(ctx, job, run, log)
	return run, rn.finish(run, err, log)
}

// finish records the outcome; a run with an error but a snapshot on some target is partial.
func (rn *Runner) finish(run *Run, err error, log *slog.Logger) error {
	run.FinishedAt = rn.Clock.Now()
	switch {
	case err == nil:
		run.Status = StatusOK
	case run.Kind == KindBackup && anyOK(run.Targets):
		run.Status, run.Error = StatusPartial, err.Error()
	default:
		run.Status, run.Error = StatusFailed, err.Error()
	}
	if rn.Store != nil {
		// The outcome is recorded even when the run's context was cancelled.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if serr := rn.Store.FinishRun(ctx, run); serr != nil {
			log.Error("recording the run's outcome failed", "err", serr)
		}
	}
	attrs := []any{"kind", run.Kind, "status", run.Status, "duration", run.Duration(run.FinishedAt).Round(time.Millisecond), "bytes", run.Bytes, "size", run.Size}
	if run.Status == StatusOK {
		log.Info("backup run finished", attrs...)
	} else {
		log.Warn("backup run finished", append(attrs, "err", run.Error)...)
	}
	if run.Status == StatusFailed {
		return err
	}
	return nil
}

func anyOK(ts []TargetResult) bool {
	for _, t := range ts {
		if t.OK {
			return true
		}
	}
	return false
}

// openTarget is a target of this run, connected and locked.
type openTarget struct {
	spec   *TargetSpec
	t      target.Target
	lock   *target.Lock
	result *TargetResult
}

func (o *openTarget) fail(err error) {
	if o.result.Error == "" {
		o.result.Error = err.Error()
	}
	o.result.OK = false
}

func (rn *Runner) backup(ctx context.Context, job *Job, run *Run, log *slog.Logger) error {
	if err := job.Validate(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	run.Targets = make([]TargetResult, len(job.Targets))
	var targets []*openTarget
	defer func() {
		for _, o := range targets {
			rn.release(o, log)
		}
	}()
	host, _ := os.Hostname()
	owner := fmt.Sprintf("vigie@%s pid %d job %s", host, os.Getpid(), job.Name)
	for i := range job.Targets {
		spec := &job.Targets[i]
		res := &run.Targets[i]
		res.Name = spec.Name
		o, err := rn.lockTarget(ctx, spec, owner)
		if err != nil {
			res.Error = err.Error()
			log.Warn("backup target unusable", "target", spec.Name, "err", err)
			continue
		}
		o.result = res
		targets = append(targets, o)
		// A lost lock means another run took the target over: stop writing at once.
		go func() {
			select {
			case <-o.lock.Lost():
				cancel(fmt.Errorf("target %s: %w", spec.Name, target.ErrLockLost))
			case <-ctx.Done():
			}
		}()
		rn.cleanLeftovers(ctx, job.Location(), o, run, log)
	}
	if len(targets) == 0 {
		return errors.New("no target could be reached: " + targetErrors(run.Targets))
	}

	if err := runHooks(ctx, "pre", job.Pre, nil); err != nil {
		return err
	}
	err := rn.write(ctx, job, run, targets)
	// Post hooks run whatever happened: they typically restart what a pre hook stopped.
	env := []string{"VIGIE_BACKUP_JOB=" + job.Name, "VIGIE_BACKUP_SNAPSHOT=" + run.Snapshot, "VIGIE_BACKUP_STATUS=" + statusWord(err)}
	if herr := runHooks(context.WithoutCancel(ctx), "post", job.Post, env); herr != nil {
		err = errors.Join(err, herr)
	}
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(err, cause) {
			err = fmt.Errorf("%w (%w)", err, cause)
		}
		return err
	}
	if !anyOK(run.Targets) {
		return errors.New("the snapshot reached no target: " + targetErrors(run.Targets))
	}
	// Retention only after a successful snapshot, and only on the targets that have it.
	for _, o := range targets {
		if o.result.OK {
			rn.prune(ctx, job, o, log)
			rn.measureSpace(ctx, o)
		}
	}
	if failed := targetErrors(run.Targets); failed != "" {
		return errors.New("some targets failed: " + failed)
	}
	return nil
}

func statusWord(err error) string {
	if err != nil {
		return StatusFailed
	}
	return StatusOK
}

func targetErrors(ts []TargetResult) string {
	var out []string
	for _, t := range ts {
		if t.Error != "" {
			out = append(out, t.Name+": "+t.Error)
		}
	}
	return strings.Join(out, "; ")
}

func (rn *Runner) lockTarget(ctx context.Context, spec *TargetSpec, owner string) (*openTarget, error) {
	t, err := spec.open(ctx)
	if err != nil {
		return nil, err
	}
	lock, err := t.Lock(ctx, owner, lockStale)
	if err != nil {
		t.Close()
		return nil, err
	}
	return &openTarget{spec: spec, t: t, lock: lock}, nil
}

func (rn *Runner) release(o *openTarget, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := o.lock.Release(ctx); err != nil {
		log.Warn("releasing the target lock failed; it goes stale in "+lockStale.String(), "target", o.spec.Name, "err", err)
	}
	o.t.Close()
}

// cleanLeftovers removes what interrupted runs left on the target: temporaries, and data or
// signature objects whose manifest never came. The lock is held, so no run is writing them.
func (rn *Runner) cleanLeftovers(ctx context.Context, loc Location, o *openTarget, run *Run, log *slog.Logger) {
	n, err := o.t.Cleanup(ctx, 0)
	if err != nil {
		log.Warn("cleaning temporaries failed", "target", o.spec.Name, "err", err)
	}
	orphans, err := listOrphans(ctx, o.t, loc)
	if err != nil {
		log.Warn("looking for leftovers failed", "target", o.spec.Name, "err", err)
	}
	for _, name := range orphans {
		if err := o.t.Delete(ctx, name); err != nil {
			log.Warn("removing a leftover failed", "target", o.spec.Name, "object", name, "err", err)
			continue
		}
		n++
	}
	if n > 0 {
		run.Warnings = append(run.Warnings, fmt.Sprintf("%s: removed %d leftovers of an interrupted run", o.spec.Name, n))
		log.Info("removed leftovers of an interrupted run", "target", o.spec.Name, "count", n)
	}
}

// write streams the sources once into one snapshot object written to every target at once,
// then stores the signature and, last, the manifest on each target that has the object.
func (rn *Runner) write(ctx context.Context, job *Job, run *Run, targets []*openTarget) error {
	loc := job.Location()
	ext := job.Encryption.Ext()
	dataName := loc.dataName(run.Snapshot, ext)
	t := newTee(ctx, targets, dataName)
	opts := rn.Snapshot
	if opts.Now == nil {
		opts.Now = rn.Clock.Now
	}
	w, err := snapshot.NewWriter(t, job.Encryption, opts)
	if err != nil {
		t.abort(err)
		return err
	}
	sink := &countingSink{Writer: w, job: job.Name, progress: rn.Progress}
	for _, src := range job.Sources {
		began := time.Now()
		st, err := src.Write(ctx, sink)
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			w.Close()
			t.abort(err)
			return fmt.Errorf("source %s: %w", src.Name(), err)
		}
		run.Sources = append(run.Sources, snapshot.SourceInfo{Name: src.Name(), Type: src.Type(), Entries: st.Entries, Bytes: st.Bytes, Duration: time.Since(began)})
		run.Bytes += st.Bytes
		run.Entries += st.Entries
		for _, w := range st.Warnings {
			run.Warnings = append(run.Warnings, src.Name()+": "+w)
		}
	}
	info, entries, err := w.Close()
	if err != nil {
		t.abort(err)
		return err
	}
	if err := t.finish(); err != nil {
		return err // every target failed
	}
	run.Size = info.Size
	m := &snapshot.Manifest{ID: run.Snapshot, Job: job.Name, Instance: job.Instance, Time: run.StartedAt, Object: dataName,
		ObjectInfo: info, Sources: run.Sources, Entries: entries, Vigie: rn.Version}
	sealed, sig, err := snapshot.SealManifest(m, job.Encryption, rn.CurrentKeys().Signing)
	if err != nil {
		return err
	}
	for _, o := range targets {
		if !o.result.OK {
			continue
		}
		if _, err := o.t.Put(ctx, loc.sigName(run.Snapshot), strings.NewReader(string(sig))); err != nil {
			o.fail(fmt.Errorf("writing the signature: %w", err))
			continue
		}
		// The manifest is written last: from now on the snapshot exists.
		if _, err := o.t.Put(ctx, loc.manifestName(run.Snapshot, ext), strings.NewReader(string(sealed))); err != nil {
			o.fail(fmt.Errorf("writing the manifest: %w", err))
		}
	}
	return nil
}

// countingSink passes entries to the snapshot writer and reports progress.
type countingSink struct {
	*snapshot.Writer
	job      string
	bytes    int64
	progress func(string, int64)
}

func (s *countingSink) Add(hdr *tar.Header, body io.Reader) error {
	return s.Writer.Add(hdr, s.count(body))
}

func (s *countingSink) Stream(name string, mode int64, body io.Reader) error {
	return s.Writer.Stream(name, mode, s.count(body))
}

func (s *countingSink) count(r io.Reader) io.Reader {
	if r == nil || s.progress == nil {
		return r
	}
	return &progressReader{r: r, s: s}
}

type progressReader struct {
	r io.Reader
	s *countingSink
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.s.bytes += int64(n)
		p.s.progress(p.s.job, p.s.bytes)
	}
	return n, err
}

// runHooks runs hook commands in order; the first failure stops them.
func runHooks(ctx context.Context, when string, hooks []Hook, env []string) error {
	for _, h := range hooks {
		timeout := h.Timeout
		if timeout == 0 {
			timeout = 5 * time.Minute
		}
		hctx, cancel := context.WithTimeout(ctx, timeout)
		cmd := exec.CommandContext(hctx, h.Command[0], h.Command[1:]...)
		cmd.Env = append(os.Environ(), env...)
		cmd.WaitDelay = 5 * time.Second
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			if hctx.Err() == context.DeadlineExceeded {
				err = fmt.Errorf("timed out after %s", timeout)
			}
			return fmt.Errorf("%s hook %s: %w%s", when, h.Command[0], err, lastLines(out))
		}
	}
	return nil
}

// lastLines is the end of a hook's output, for its error.
func lastLines(out []byte) string {
	s := strings.TrimSpace(string(out))
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return ": " + strings.Join(lines, " | ")
}

// tee writes one stream to several targets' Put at once. A target whose Put fails is dropped
// and the others go on; the stream fails only when every target has.
type tee struct {
	outs []*teeOut
}

type teeOut struct {
	o    *openTarget
	w    *io.PipeWriter
	err  error // the write side's view: set when the pipe refused a write
	done chan error
}

func newTee(ctx context.Context, targets []*openTarget, name string) *tee {
	t := &tee{}
	for _, o := range targets {
		pr, pw := io.Pipe()
		out := &teeOut{o: o, w: pw, done: make(chan error, 1)}
		t.outs = append(t.outs, out)
		go func() {
			_, err := o.t.Put(ctx, name, pr)
			if err == nil {
				// Put returned before the end of the stream only if it is broken.
				pr.CloseWithError(errors.New("target stopped reading"))
			} else {
				pr.CloseWithError(err)
			}
			out.done <- err
		}()
	}
	return t
}

func (t *tee) Write(p []byte) (int, error) {
	var first error
	alive := 0
	for _, o := range t.outs {
		if o.err != nil {
			first = cmpErr(first, o.err)
			continue
		}
		if _, err := o.w.Write(p); err != nil {
			o.err = err
			first = cmpErr(first, err)
			continue
		}
		alive++
	}
	if alive == 0 {
		return 0, fmt.Errorf("every target failed: %w", first)
	}
	return len(p), nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// abort fails every Put, which leaves at most temporaries for Cleanup.
func (t *tee) abort(err error) {
	for _, o := range t.outs {
		o.w.CloseWithError(err)
		if perr := <-o.done; perr != nil {
			o.o.fail(fmt.Errorf("writing the snapshot: %w", perr))
		} else {
			o.o.fail(fmt.Errorf("writing the snapshot: %w", err))
		}
	}
}

// finish ends the stream and waits for every Put; it fails when none succeeded.
func (t *tee) finish() error {
	var errs []error
	for _, o := range t.outs {
		o.w.Close()
		err := <-o.done
		if err == nil && o.err != nil {
			err = o.err
		}
		if err != nil {
			o.o.fail(fmt.Errorf("writing the snapshot: %w", err))
			errs = append(errs, fmt.Errorf("%s: %w", o.o.spec.Name, err))
			continue
		}
		o.o.result.OK = true
	}
	if len(errs) == len(t.outs) {
		return errors.Join(errs...)
	}
	return nil
}
