package monitor

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"sync"
	"time"

	"vigie/internal/check"
	"vigie/internal/check/cond"
	"vigie/internal/clock"
)

// Definition is one monitor as configured.
type Definition struct {
	Name             string
	Kind             string // a check kind, or "heartbeat"
	Labels           map[string]string
	Interval         time.Duration
	Timeout          time.Duration
	Probe            check.Probe // nil for heartbeats
	Conditions       []*cond.Expr
	DegradedIf       []*cond.Expr
	FailureThreshold int
	SuccessThreshold int
	DependsOn        string
	Heartbeat        HeartbeatSpec
	// CertWarning: a measured certificate expiring within it is reported to OnCert; 0 is off.
	CertWarning time.Duration
}

// HeartbeatSpec is a push monitor's deadline: a ping is expected every Period, with Grace
// to spare.
type HeartbeatSpec struct {
	Period, Grace time.Duration
}

// Status of a monitor as the UI, API and metrics show it.
type Snapshot struct {
	Definition *Definition
	State      State
	Since      time.Time // when State began (zero if unknown since start)
	Reason     string    // why the state is not up
	Last       *Result   // last check run
	LastFields map[string]cond.Value
}

// Options configure an Engine.
type Options struct {
	Store  Store
	Clock  clock.Clock
	Logger *slog.Logger
	// MaxConcurrent bounds checks running at once across all monitors.
	MaxConcurrent int
	// OnChange is called (outside locks, in the checking goroutine) after a state change is
	// stored. The alert engine listens here.
	OnChange func(Event, *Definition)
	// OnCert is called (like OnChange) when a monitor's certificate enters or leaves its
	// warning window, and on the first measurement after a start, so a listener can close
	// what it opened before a restart.
	OnCert func(CertEvent, *Definition)
	// OnLateness, if set, is told how late each check started against its schedule.
	OnLateness func(time.Duration)
}

// entry is one monitor's runtime state.
type entry struct {
	def       *Definition
	tracker   *tracker
	own       State // from its own results
	effective State // after dependencies
	since     time.Time
	reason    string
	next      time.Time // next scheduled start
	running   bool
	last      *Result
	fields    map[string]cond.Value
	lastPing  time.Time // heartbeats
	pingStart time.Time // heartbeats: time of the last /start
	cert      certState
	// awaitParent: this monitor just turned down while its parent looked fine; it stays
	// unknown until the parent's next result says whether the parent is the cause.
	awaitParent bool
}

// Engine schedules and judges all monitors.
type Engine struct {
	opts    Options
	uptime  uptimeCache
	mu      sync.Mutex
	entries map[string]*entry
	sem     chan struct{}
	results chan Result
	runs    sync.WaitGroup
	flushed chan chan struct{}
	wake    chan struct{}
}

// NewEngine returns an engine with no monitors; Load gives it some.
func NewEngine(o Options) *Engine {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 2000
	}
	return &Engine{opts: o, entries: map[string]*entry{}, sem: make(chan struct{}, o.MaxConcurrent),
		results: make(chan Result, 8192), flushed: make(chan chan struct{}), wake: make(chan struct{}, 1)}
}

// Load replaces the set of monitors. Monitors that keep their name keep their state; new ones
// start unknown; first runs are spread over each interval by a hash of the name, so a
// thousand monitors do not all fire at once.
func (e *Engine) Load(ctx context.Context, defs []Definition) error {
	latest, err := e.opts.Store.LatestEvents(ctx)
	if err != nil {
		return err
	}
	stored := map[string]Event{}
	for _, ev := range latest {
		stored[ev.Monitor] = ev
	}
	now := e.opts.Clock.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	next := map[string]*entry{}
	for i := range defs {
		d := &defs[i]
		if old, ok := e.entries[d.Name]; ok {
			old.def = d
			old.tracker.failureThreshold, old.tracker.successThreshold = max(d.FailureThreshold, 1), max(d.SuccessThreshold, 1)
			if old.next.After(now.Add(d.Interval)) {
				old.next = now.Add(spread(d.Name, d.Interval))
			}
			next[d.Name] = old
			continue
		}
		en := &entry{def: d, tracker: newTracker(d.FailureThreshold, d.SuccessThreshold),
			own: StateUnknown, effective: StateUnknown, next: now.Add(spread(d.Name, d.Interval))}
		// A restart resumes the stored state, so an outage that began before it stays one outage.
		if ev, ok := stored[d.Name]; ok && ev.State != StateUnknown {
			en.own, en.effective, en.since, en.reason = ev.State, ev.State, ev.At, ev.Reason
			en.tracker.state = ev.State
		}
		if d.Kind == "heartbeat" {
			// A fresh deadline after a (re)start: pings sent while vigie was down went nowhere.
			en.next = now.Add(d.Heartbeat.Period + d.Heartbeat.Grace)
		}
		next[d.Name] = en
	}
	e.entries = next
	select {
	case e.wake <- struct{}{}:
	default:
	}
	return nil
}

// spread is a stable offset within the interval for a monitor's first run.
func spread(name string, interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	return time.Duration(h.Sum64() % uint64(interval))
}

// Run schedules checks, writes results and keeps rollups until ctx ends.
func (e *Engine) Run(ctx context.Context, maintenance func(context.Context)) {
	var wg sync.WaitGroup
	wg.Go(func() { e.WriteResults(ctx) })
	if maintenance != nil {
		wg.Go(func() { maintenance(ctx) })
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			e.runs.Wait()
			wg.Wait()
			return
		case <-timer.C:
		case <-e.wake:
		}
		next := e.Tick(ctx, e.opts.Clock.Now())
		timer.Reset(max(next.Sub(e.opts.Clock.Now()), 10*time.Millisecond))
	}
}

// Tick starts every check that is due at now and returns when the next one is. Each check
// runs in its own goroutine, so a slow target, notifier or store delays only itself. Intervals
// are measured start to start; a check still running when its next start comes skips that
// start rather than piling up.
func (e *Engine) Tick(ctx context.Context, now time.Time) time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	soonest := now.Add(time.Minute)
	for _, en := range e.entries {
		if !en.next.After(now) {
			if en.def.Kind == "heartbeat" {
				e.heartbeatMissed(ctx, en, now)
			} else {
				if !en.running {
					en.running = true
					e.runs.Add(1)
					go e.run(ctx, en, en.def, en.next)
				}
				en.next = nextStart(en, now)
			}
		}
		if en.next.Before(soonest) {
			soonest = en.next
		}
	}
	return soonest
}

// nextStart keeps starts on the monitor's grid (start to start), skipping slots already past.
func nextStart(en *entry, now time.Time) time.Time {
	next := en.next.Add(en.def.Interval)
	if !next.After(now) {
		missed := now.Sub(next)/en.def.Interval + 1
		next = next.Add(missed * en.def.Interval)
	}
	return next
}

func (e *Engine) run(ctx context.Context, en *entry, def *Definition, scheduled time.Time) {
	defer e.runs.Done()
	defer func() {
		if p := recover(); p != nil {
			e.opts.Logger.Error("check panicked", "monitor", def.Name, "panic", fmt.Sprint(p))
			e.mu.Lock()
			en.running = false
			e.mu.Unlock()
		}
	}()
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		e.mu.Lock()
		en.running = false
		e.mu.Unlock()
		return
	}
	began := e.opts.Clock.Now()
	if e.opts.OnLateness != nil {
		e.opts.OnLateness(began.Sub(scheduled))
	}
	cctx, cancel := context.WithTimeout(ctx, def.Timeout)
	res := def.Probe.Run(cctx)
	cancel()
	<-e.sem
	if ctx.Err() != nil {
		e.mu.Lock()
		en.running = false
		e.mu.Unlock()
		return // shutting down: an interrupted check says nothing about the target
	}
	status, msg := Judge(res, def.Conditions, def.DegradedIf)
	e.record(ctx, en, Result{Monitor: def.Name, At: began, Duration: res.Duration, Status: status, Message: msg}, res.Fields)
}

// record stores a result and moves the monitor's state.
func (e *Engine) record(ctx context.Context, en *entry, r Result, fields map[string]cond.Value) {
	select {
	case e.results <- r:
	case <-ctx.Done():
	}
	e.mu.Lock()
	en.running = false
	en.last, en.fields = &r, fields
	prev := en.own
	en.own = en.tracker.observe(r.Status)
	if en.own == StateDown && prev != StateDown {
		e.verifyParent(en)
	}
	changes := e.settle(en, r.At, r.Message)
	certEv, certChanged := en.observeCert(r.At, fields)
	if r.Status != StatusUp && en.def.Probe != nil && e.awaited(en) {
		// Dependents wait for this monitor's verdict: confirm the failure now rather than at
		// the next interval.
		e.checkSoon(en)
	}
	e.mu.Unlock()
	e.publish(ctx, changes)
	if certChanged && e.opts.OnCert != nil {
		e.opts.OnCert(certEv, en.def)
	}
}

// awaited reports whether a dependent of en is waiting for en's verdict.
func (e *Engine) awaited(en *entry) bool {
	for _, c := range e.entries {
		if c.def.DependsOn == en.def.Name && c.awaitParent {
			return true
		}
	}
	return false
}

// checkSoon moves en's next check to now and wakes the scheduler. Called with e.mu held.
func (e *Engine) checkSoon(en *entry) {
	en.next = e.opts.Clock.Now()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// verifyParent makes a monitor that just turned down wait for a fresh result of its parent
// before it is declared down: when a gateway and everything behind it fail in the same
// minute, the dependents often reach their threshold first, and only the gateway should
// alert. The parent is checked at once. Called with e.mu held.
func (e *Engine) verifyParent(en *entry) {
	p, ok := e.entries[en.def.DependsOn]
	if !ok || p.def.Probe == nil || p.effective == StateDown {
		return // no parent, a heartbeat parent (it cannot be asked), or already known down
	}
	en.awaitParent = true
	if !p.running {
		e.checkSoon(p)
	}
}

type change struct {
	ev  Event
	def *Definition
}

// settle recomputes the effective state of en and of every monitor that depends on it,
// returning the changes. A monitor whose parent is down (or unknown because of its own
// parent) is unknown: its failures are the parent's outage seen from further away.
func (e *Engine) settle(en *entry, at time.Time, reason string) []change {
	var out []change
	var visit func(en *entry, reason string, depth int)
	visit = func(en *entry, reason string, depth int) {
		if depth > len(e.entries) {
			return // a cycle; config validation refuses them, this is only a guard
		}
		eff, why := en.own, reason
		if p, ok := e.entries[en.def.DependsOn]; ok {
			switch {
			case p.effective == StateDown || p.effective == StateUnknown && p.blockedByParent(e):
				eff, why = StateUnknown, "depends on "+p.def.Name+", which is "+string(p.effective)
			case en.awaitParent && en.own == StateDown:
				eff, why = StateUnknown, "failing; checking "+p.def.Name+" first"
			}
		}
		if eff != en.effective {
			out = append(out, change{Event{Monitor: en.def.Name, At: at, State: eff, Previous: en.effective, Reason: why}, en.def})
			en.effective, en.since = eff, at
		}
		if eff == StateUp {
			en.reason = ""
		} else if why != "" {
			en.reason = why
		}
		for _, child := range e.entries {
			if child.def.DependsOn != en.def.Name {
				continue
			}
			// en has just reported. The wait of a child that turned down is over when en is up
			// (the child's failure is its own) or down (the child is blocked); while en is
			// failing below its threshold, the child keeps waiting.
			if depth == 0 && (en.effective == StateDown || en.last != nil && en.last.Status == StatusUp) {
				child.awaitParent = false
			}
			childReason := child.reason
			if child.last != nil {
				childReason = child.last.Message
			}
			visit(child, childReason, depth+1)
		}
	}
	visit(en, reason, 0)
	return out
}

// blockedByParent reports whether en is unknown because an ancestor is down.
func (en *entry) blockedByParent(e *Engine) bool {
	p, ok := e.entries[en.def.DependsOn]
	return ok && (p.effective == StateDown || p.effective == StateUnknown && p.blockedByParent(e))
}

// publish stores state changes and tells the listener, in order.
func (e *Engine) publish(ctx context.Context, changes []change) {
	for _, c := range changes {
		if err := e.opts.Store.InsertEvent(ctx, c.ev); err != nil {
			e.opts.Logger.Error("storing a state change failed", "monitor", c.ev.Monitor, "state", c.ev.State, "err", err)
		}
		e.opts.Logger.Info("monitor state changed", "monitor", c.ev.Monitor, "from", c.ev.Previous, "to", c.ev.State, "reason", c.ev.Reason)
		if e.opts.OnChange != nil {
			e.opts.OnChange(c.ev, c.def)
		}
	}
}

// heartbeatMissed records a push monitor as down: its deadline passed without a ping. Called
// with e.mu held; the result is recorded in a goroutine so the lock is not held across store
// writes. The next verdict comes one period later unless a ping arrives.
func (e *Engine) heartbeatMissed(ctx context.Context, en *entry, now time.Time) {
	hb := en.def.Heartbeat
	last := "since vigie started"
	if !en.lastPing.IsZero() {
		last = "since " + en.lastPing.UTC().Format(time.RFC3339)
	}
	msg := fmt.Sprintf("no ping %s (expected every %s, grace %s)", last, hb.Period, hb.Grace)
	e.runs.Add(1)
	go func() {
		defer e.runs.Done()
		e.record(ctx, en, Result{Monitor: en.def.Name, At: now, Status: StatusDown, Message: msg}, nil)
	}()
	en.next = now.Add(hb.Period)
}

// PingKind says what a heartbeat ping reports.
type PingKind int

const (
	PingSuccess PingKind = iota // the job finished well
	PingStart                   // the job started (for its duration)
	PingFail                    // the job failed
)

// Ping records a heartbeat ping for the named push monitor. exitCode, when not nil, decides
// success (0) or failure (anything else) as a cron wrapper reports it.
func (e *Engine) Ping(ctx context.Context, name string, kind PingKind, exitCode *int, message string) error {
	now := e.opts.Clock.Now()
	e.mu.Lock()
	en, ok := e.entries[name]
	if !ok || en.def.Kind != "heartbeat" {
		e.mu.Unlock()
		return fmt.Errorf("no heartbeat monitor %q", name)
	}
	if kind == PingStart {
		en.pingStart = now
		e.mu.Unlock()
		return nil
	}
	var dur time.Duration
	if !en.pingStart.IsZero() {
		dur = now.Sub(en.pingStart)
		en.pingStart = time.Time{}
	}
	status, msg := StatusUp, ""
	if kind == PingFail || exitCode != nil && *exitCode != 0 {
		status = StatusDown
		msg = "the job reported failure"
		if exitCode != nil {
			msg = fmt.Sprintf("the job exited with code %d", *exitCode)
		}
		if message != "" {
			msg += ": " + message
		}
	}
	en.lastPing = now
	en.next = now.Add(en.def.Heartbeat.Period + en.def.Heartbeat.Grace)
	e.mu.Unlock()
	e.record(ctx, en, Result{Monitor: name, At: now, Duration: dur, Status: status, Message: msg}, nil)
	select {
	case e.wake <- struct{}{}:
	default:
	}
	return nil
}

// Snapshots returns every monitor's current status, by name.
func (e *Engine) Snapshots() []Snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Snapshot, 0, len(e.entries))
	for _, en := range e.entries {
		s := Snapshot{Definition: en.def, State: en.effective, Since: en.since, Reason: en.reason, LastFields: en.fields}
		if en.last != nil {
			r := *en.last
			s.Last = &r
		}
		if s.State == StateUp {
			s.Reason = ""
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Snapshot) int {
		switch {
		case a.Definition.Name < b.Definition.Name:
			return -1
		case a.Definition.Name > b.Definition.Name:
			return 1
		}
		return 0
	})
	return out
}

// Wait blocks until every started check has been judged and its result handed to the writer,
// then flushes the writer. Tests use it after Tick; Run's shutdown uses the same path.
func (e *Engine) Wait(ctx context.Context) {
	e.runs.Wait()
	done := make(chan struct{})
	select {
	case e.flushed <- done:
		<-done
	case <-ctx.Done():
	}
}

// WriteResults stores results, batched into one transaction per second or per 500 results,
// until ctx ends. Run starts it; tests that drive Tick by hand start it themselves.
func (e *Engine) WriteResults(ctx context.Context) {
	const batchMax = 500
	batch := make([]Result, 0, batchMax)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		// A store outage must not lose results we already have: retry until it answers or
		// we shut down.
		for attempt := 0; ; attempt++ {
			err := e.opts.Store.InsertResults(context.WithoutCancel(ctx), batch)
			if err == nil {
				break
			}
			e.opts.Logger.Error("storing check results failed; retrying", "results", len(batch), "err", err)
			if attempt >= 5 {
				e.opts.Logger.Error("dropping check results after repeated store failures", "results", len(batch))
				break
			}
			time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
		}
		batch = batch[:0]
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case r := <-e.results:
			batch = append(batch, r)
			if len(batch) >= batchMax {
				flush()
			}
		case <-tick.C:
			flush()
		case done := <-e.flushed:
			for len(e.results) > 0 {
				batch = append(batch, <-e.results)
			}
			flush()
			close(done)
		case <-ctx.Done():
			for len(e.results) > 0 {
				batch = append(batch, <-e.results)
			}
			flush()
			return
		}
	}
}
