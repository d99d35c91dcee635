package monitor_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vigie/internal/check"
	"vigie/internal/clock"
	. "vigie/internal/monitor"
	"vigie/internal/store/storetest"
)

// switchProbe answers up or down as the test says: the engine's logic is what is tested here;
// the probes themselves are tested against real servers in package check.
type switchProbe struct {
	down  atomic.Bool
	calls atomic.Int32
}

func (p *switchProbe) Run(ctx context.Context) check.Result {
	p.calls.Add(1)
	if p.down.Load() {
		return check.Result{Duration: time.Millisecond, Err: errors.New("connection refused")}
	}
	return check.Result{Duration: 2 * time.Millisecond}
}

type harness struct {
	t      *testing.T
	engine *Engine
	clock  *clock.Fake
	store  Store
	mu     sync.Mutex
	events []Event
	ctx    context.Context
}

func newHarness(t *testing.T, defs ...Definition) *harness {
	t.Helper()
	h := &harness{t: t, clock: clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), store: storetest.OpenSQLite(t).Store}
	h.engine = h.newEngine()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h.ctx = ctx
	go h.engine.WriteResults(ctx)
	if err := h.engine.Load(ctx, defs); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) newEngine() *Engine {
	return NewEngine(Options{Store: h.store, Clock: h.clock, OnChange: func(e Event, _ *Definition) {
		h.mu.Lock()
		h.events = append(h.events, e)
		h.mu.Unlock()
	}})
}

// step moves the clock by d and runs what became due.
func (h *harness) step(d time.Duration) {
	h.clock.Advance(d)
	h.engine.Tick(h.ctx, h.clock.Now())
	h.engine.Wait(h.ctx)
}

// waitForResult waits (in real time, briefly) until the named monitor has judged a run
// started at at.
func (h *harness) waitForResult(name string, at time.Time) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, s := range h.engine.Snapshots() {
			if s.Definition.Name == name && s.Last != nil && !s.Last.At.Before(at) {
				return
			}
		}
		time.Sleep(time.Millisecond)
	}
	h.t.Fatalf("%s has no result for the run at %s", name, at)
}

func (h *harness) state(name string) State {
	for _, s := range h.engine.Snapshots() {
		if s.Definition.Name == name {
			return s.State
		}
	}
	h.t.Fatalf("no monitor %s", name)
	return ""
}

func (h *harness) changes() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var parts []string
	for _, e := range h.events {
		parts = append(parts, e.Monitor+":"+string(e.State))
	}
	return strings.Join(parts, " ")
}

func def(name string, p check.Probe) Definition {
	return Definition{Name: name, Kind: "http", Interval: 30 * time.Second, Timeout: 5 * time.Second, Probe: p,
		FailureThreshold: 2, SuccessThreshold: 2}
}

func TestOutageIsOneStateChangeEachWay(t *testing.T) {
	p := &switchProbe{}
	h := newHarness(t, def("web", p))
	h.step(30 * time.Second) // first run (spread within the first interval)
	if h.state("web") != StateUp {
		t.Fatalf("state %s after a success", h.state("web"))
	}
	p.down.Store(true)
	for range 10 {
		h.step(30 * time.Second)
	}
	p.down.Store(false)
	for range 3 {
		h.step(30 * time.Second)
	}
	if got := h.changes(); got != "web:up web:down web:up" {
		t.Fatalf("changes %q, want one down and one up", got)
	}
	// Every run was stored, start to start on the 30 s grid.
	rs, err := h.store.Results(context.Background(), "web", time.Time{}, h.clock.Now().Add(time.Hour))
	if err != nil || len(rs) != 14 {
		t.Fatalf("%d results stored, %v; want 14", len(rs), err)
	}
	for i := 1; i < len(rs); i++ {
		if gap := rs[i].At.Sub(rs[i-1].At); gap != 30*time.Second {
			t.Fatalf("results %d and %d are %s apart, want 30s", i-1, i, gap)
		}
	}
	evs, _ := h.store.Events(context.Background(), "web", time.Time{}, h.clock.Now().Add(time.Hour))
	if len(evs) != 3 || evs[1].Reason != "connection refused" {
		t.Fatalf("stored events %+v", evs)
	}
	// Down after the second failure, up after the second success.
	if d := evs[2].At.Sub(evs[1].At); d != 10*30*time.Second {
		t.Fatalf("outage lasted %s, want 5m", d)
	}
}

func TestDependentsAreUnknownWhileTheirParentIsDown(t *testing.T) {
	gw, app, db := &switchProbe{}, &switchProbe{}, &switchProbe{}
	child := def("app", app)
	child.DependsOn = "gateway"
	grandchild := def("db", db)
	grandchild.DependsOn = "app"
	h := newHarness(t, def("gateway", gw), child, grandchild)
	h.step(30 * time.Second)
	// The gateway goes down and takes everything behind it along.
	gw.down.Store(true)
	app.down.Store(true)
	db.down.Store(true)
	for range 4 {
		h.step(30 * time.Second)
	}
	if h.state("gateway") != StateDown || h.state("app") != StateUnknown || h.state("db") != StateUnknown {
		t.Fatalf("states gateway=%s app=%s db=%s", h.state("gateway"), h.state("app"), h.state("db"))
	}
	for _, e := range h.events {
		if e.Monitor != "gateway" && e.State == StateDown {
			t.Fatalf("a dependent went down: %+v", e)
		}
	}
	snaps := h.engine.Snapshots()
	for _, s := range snaps {
		if s.Definition.Name == "app" && !strings.Contains(s.Reason, "gateway") {
			t.Fatalf("app's reason %q does not name the parent", s.Reason)
		}
	}
	// The gateway comes back; the app is still broken on its own and now says so.
	gw.down.Store(false)
	for range 3 {
		h.step(30 * time.Second)
	}
	if h.state("gateway") != StateUp || h.state("app") != StateDown || h.state("db") != StateUnknown {
		t.Fatalf("after recovery: gateway=%s app=%s db=%s", h.state("gateway"), h.state("app"), h.state("db"))
	}
}

// A dependent checked more often than its parent reaches its threshold before the parent has
// even been checked once in the outage; it must wait for the parent, not alert on its own.
func TestDependentWaitsForItsParentsVerdict(t *testing.T) {
	gw, app := &switchProbe{}, &switchProbe{}
	parent := def("gateway", gw)
	parent.Interval = 5 * time.Minute
	child := def("app", app)
	child.DependsOn = "gateway"
	h := newHarness(t, parent, child)
	h.step(5 * time.Minute) // both up
	gw.down.Store(true)
	app.down.Store(true)
	for range 4 { // the app fails twice; each time the gateway is asked at once
		h.step(30 * time.Second)
	}
	if h.state("gateway") != StateDown || h.state("app") != StateUnknown {
		t.Fatalf("gateway=%s app=%s", h.state("gateway"), h.state("app"))
	}
	if got := h.changes(); strings.Contains(got, "app:down") {
		t.Fatalf("the dependent alerted on its own: %s", got)
	}
	// The other way round: the gateway is fine, so the app's failure is its own.
	gw.down.Store(false)
	for range 24 { // two gateway intervals: it needs two successes to be up again
		h.step(30 * time.Second)
	}
	if h.state("gateway") != StateUp || h.state("app") != StateDown {
		t.Fatalf("with the gateway back: gateway=%s app=%s; changes %s", h.state("gateway"), h.state("app"), h.changes())
	}
	for _, s := range h.engine.Snapshots() {
		if s.Definition.Name == "app" && s.Reason != "connection refused" {
			t.Fatalf("the app's reason is %q, want its own failure", s.Reason)
		}
	}
}

func TestSlowCheckDoesNotDelayOthers(t *testing.T) {
	slow := &blockingProbe{release: make(chan struct{})}
	fast := &switchProbe{}
	h := newHarness(t, def("slow", slow), def("fast", fast))
	// The slow check hangs from the first tick on; the fast one must still run every interval.
	for range 3 {
		h.clock.Advance(30 * time.Second)
		h.engine.Tick(h.ctx, h.clock.Now())
		h.waitForResult("fast", h.clock.Now())
	}
	if n := fast.calls.Load(); n != 3 {
		t.Fatalf("fast monitor ran %d times while the slow one hung, want 3", n)
	}
	if n := slow.calls.Load(); n != 1 {
		t.Fatalf("slow monitor started %d times; a running check must not be started again", n)
	}
	close(slow.release)
	h.engine.Wait(h.ctx)
}

type blockingProbe struct {
	release chan struct{}
	calls   atomic.Int32
}

func (p *blockingProbe) Run(ctx context.Context) check.Result {
	p.calls.Add(1)
	<-p.release
	return check.Result{Duration: time.Second}
}

func TestHeartbeat(t *testing.T) {
	hb := Definition{Name: "backup", Kind: "heartbeat", Interval: time.Hour, FailureThreshold: 1, SuccessThreshold: 1,
		Heartbeat: HeartbeatSpec{Period: time.Hour, Grace: 10 * time.Minute}}
	h := newHarness(t, hb)
	ctx := context.Background()
	h.step(50 * time.Minute)
	if err := h.engine.Ping(ctx, "backup", PingStart, nil, ""); err != nil {
		t.Fatal(err)
	}
	h.step(3 * time.Minute)
	if err := h.engine.Ping(ctx, "backup", PingSuccess, nil, ""); err != nil {
		t.Fatal(err)
	}
	h.engine.Wait(h.ctx)
	if h.state("backup") != StateUp {
		t.Fatalf("after a ping: %s", h.state("backup"))
	}
	rs, _ := h.store.Results(ctx, "backup", time.Time{}, h.clock.Now().Add(time.Hour))
	if len(rs) != 1 || rs[0].Duration != 3*time.Minute {
		t.Fatalf("the ping result %+v should carry the job's 3 min duration", rs)
	}
	// Within period + grace nothing happens; past it, down.
	h.step(69 * time.Minute)
	if h.state("backup") != StateUp {
		t.Fatalf("within the grace: %s", h.state("backup"))
	}
	h.step(2 * time.Minute)
	if h.state("backup") != StateDown {
		t.Fatalf("past period + grace: %s", h.state("backup"))
	}
	// A failing exit code is down at once; a success brings it back.
	code := 3
	h.engine.Ping(ctx, "backup", PingSuccess, &code, "disk full")
	h.engine.Wait(h.ctx)
	snap := h.engine.Snapshots()[0]
	if snap.State != StateDown || !strings.Contains(snap.Last.Message, "exited with code 3: disk full") {
		t.Fatalf("after exit code 3: %s %q", snap.State, snap.Last.Message)
	}
	h.engine.Ping(ctx, "backup", PingSuccess, nil, "")
	h.engine.Wait(h.ctx)
	if h.state("backup") != StateUp {
		t.Fatalf("after a good ping: %s", h.state("backup"))
	}
	if err := h.engine.Ping(ctx, "nope", PingSuccess, nil, ""); err == nil {
		t.Fatal("ping of an unknown monitor accepted")
	}
}

func TestRestartResumesState(t *testing.T) {
	p := &switchProbe{}
	p.down.Store(true)
	h := newHarness(t, def("web", p))
	for range 3 {
		h.step(30 * time.Second)
	}
	if h.state("web") != StateDown {
		t.Fatalf("state %s", h.state("web"))
	}
	// A new engine on the same store starts down, not unknown: the outage continues.
	again := h.newEngine()
	go again.WriteResults(h.ctx)
	if err := again.Load(h.ctx, []Definition{def("web", p)}); err != nil {
		t.Fatal(err)
	}
	if s := again.Snapshots()[0]; s.State != StateDown || s.Reason != "connection refused" {
		t.Fatalf("after restart: %s %q", s.State, s.Reason)
	}
}
