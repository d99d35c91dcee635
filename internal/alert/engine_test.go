package alert_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vigie/internal/alert"
	"vigie/internal/check"
	"vigie/internal/check/cond"
	"vigie/internal/clock"
	"vigie/internal/monitor"
	"vigie/internal/notify"
	"vigie/internal/store"
	"vigie/internal/store/storetest"
)

// receiver records the messages posted to it, per path (one path per receiver name).
type receiver struct {
	mu   sync.Mutex
	got  map[string][]notify.Message
	keys map[string]bool
	ts   *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{got: map[string][]notify.Message{}, keys: map[string]bool{}}
	r.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var m notify.Message
		json.NewDecoder(req.Body).Decode(&m)
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.keys[m.Key] {
			return // at-least-once delivery: drop a duplicate by its key, as receivers may
		}
		r.keys[m.Key] = true
		r.got[strings.TrimPrefix(req.URL.Path, "/")] = append(r.got[strings.TrimPrefix(req.URL.Path, "/")], m)
	}))
	t.Cleanup(r.ts.Close)
	return r
}

func (r *receiver) kinds(name string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ks []string
	for _, m := range r.got[name] {
		ks = append(ks, string(m.Kind))
	}
	return strings.Join(ks, " ")
}

func (r *receiver) last(name string) notify.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	ms := r.got[name]
	return ms[len(ms)-1]
}

type post struct{ url string }

func (p post) Notify(ctx context.Context, m notify.Message) error {
	return notify.PostJSON(ctx, http.DefaultClient, p.url, nil, m)
}

type world struct {
	t        *testing.T
	ctx      context.Context
	clock    *clock.Fake
	store    *store.Store
	monitors *monitor.Engine
	alerts   *alert.Engine
	outbox   *notify.Dispatcher
	healthy  atomic.Bool
	rcv      *receiver
}

func newWorld(t *testing.T, routes []alert.Route) *world {
	w := &world{t: t, clock: clock.NewFake(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)), rcv: newReceiver(t)}
	w.healthy.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w.ctx = ctx
	w.store = storetest.OpenSQLite(t).Store
	target := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if !w.healthy.Load() {
			rw.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(target.Close)
	receivers := map[string]notify.Notifier{}
	for _, name := range []string{"ops", "lead", "web"} {
		receivers[name] = post{w.rcv.ts.URL + "/" + name}
	}
	w.outbox = notify.NewDispatcher(notify.Options{Store: w.store, Clock: w.clock, Receivers: func() map[string]notify.Notifier { return receivers }})
	w.alerts = alert.NewEngine(alert.Options{Store: w.store, Outbox: w.outbox, Clock: w.clock,
		Routes: func() []alert.Route { return routes }, BaseURL: func() string { return "https://vigie.example" },
		Signer: alert.NewSigner(w.store)})
	w.monitors = monitor.NewEngine(monitor.Options{Store: w.store, Clock: w.clock, OnChange: func(ev monitor.Event, d *monitor.Definition) {
		if err := w.alerts.Observe(ctx, ev, d); err != nil {
			t.Error(err)
		}
	}})
	go w.monitors.WriteResults(ctx)
	ok, err := cond.Compile(check.DefaultCondition("http"), check.Schema("http"))
	if err != nil {
		t.Fatal(err)
	}
	var defs []monitor.Definition
	for _, name := range []string{"website", "api"} {
		probe, err := check.New(check.Spec{Kind: "http", URL: target.URL + "/" + name, Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defs = append(defs, monitor.Definition{Name: name, Kind: "http", Labels: map[string]string{"team": "web"},
			Interval: 30 * time.Second, Timeout: 2 * time.Second, Probe: probe, Conditions: []*cond.Expr{ok},
			FailureThreshold: 2, SuccessThreshold: 2})
	}
	if err := w.monitors.Load(ctx, defs[:1]); err != nil {
		t.Fatal(err)
	}
	return w
}

// step moves time by d and runs one round of everything.
func (w *world) step(d time.Duration) {
	w.clock.Advance(d)
	w.monitors.Tick(w.ctx, w.clock.Now())
	w.monitors.Wait(w.ctx)
	if err := w.alerts.Tick(w.ctx); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.outbox.RunOnce(w.ctx); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) run(d time.Duration) {
	for end := w.clock.Now().Add(d); w.clock.Now().Before(end); {
		w.step(30 * time.Second)
	}
}

func opsRoute() alert.Route {
	return alert.Route{Receivers: []string{"ops"}, GroupWait: 30 * time.Second, Repeat: 10 * time.Minute,
		NotifyOn: []string{"down"}, SendResolved: true,
		Escalation: []alert.Step{{After: 30 * time.Minute, Receivers: []string{"lead"}}}}
}

func TestOutageAckAndResolution(t *testing.T) {
	w := newWorld(t, []alert.Route{opsRoute()})
	w.run(time.Minute)
	w.healthy.Store(false)
	down := w.clock.Now()
	w.run(2 * time.Minute)
	if got := w.rcv.kinds("ops"); got != "firing" {
		t.Fatalf("after the threshold and group wait: %q, want one firing message", got)
	}
	first := w.rcv.last("ops")
	if !strings.HasPrefix(first.Title, "[DOWN] website — ") || first.AckURL == "" || first.Severity != notify.SeverityCritical {
		t.Fatalf("firing message: %+v", first)
	}
	w.run(20 * time.Minute)
	if got := w.rcv.kinds("ops"); got != "firing reminder reminder" {
		t.Fatalf("after 22 min down: %q, want reminders every 10 min", got)
	}
	// Someone follows the signed link in the message: no escalation, no more reminders.
	token := first.AckURL[strings.LastIndex(first.AckURL, "/")+1:]
	ids, err := alert.NewSigner(w.store).Verify(w.ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.alerts.Ack(w.ctx, ids, "alice"); err != nil {
		t.Fatal(err)
	}
	w.run(20 * time.Minute)
	if got := w.rcv.kinds("ops"); got != "firing reminder reminder" || w.rcv.kinds("lead") != "" {
		t.Fatalf("after the ack: ops %q, lead %q; want nothing more", got, w.rcv.kinds("lead"))
	}
	w.healthy.Store(true)
	up := w.clock.Now()
	w.run(2 * time.Minute)
	if got := w.rcv.kinds("ops"); got != "firing reminder reminder resolved" {
		t.Fatalf("after recovery: %q, want one resolved message", got)
	}
	res := w.rcv.last("ops")
	// Down after the 2nd failure, up after the 2nd success: both 30 s after the change.
	if want := up.Sub(down); res.Alerts[0].EndedAt.Sub(res.Alerts[0].StartedAt) != want {
		t.Fatalf("resolved after %s, want %s", res.Alerts[0].EndedAt.Sub(res.Alerts[0].StartedAt), want)
	}
	if !strings.Contains(res.Title, "[RESOLVED] website — was down for 42 min") {
		t.Fatalf("resolved title %q", res.Title)
	}
}

func TestEscalationWithoutAck(t *testing.T) {
	w := newWorld(t, []alert.Route{opsRoute()})
	w.run(time.Minute)
	w.healthy.Store(false)
	w.run(35 * time.Minute)
	if got := w.rcv.kinds("lead"); got != "escalate" {
		t.Fatalf("lead got %q after 35 min unacknowledged, want one escalation", got)
	}
}

func TestGroupingAndSilences(t *testing.T) {
	route := opsRoute()
	route.GroupBy = []string{"team"}
	route.Receivers = []string{"web"}
	w := newWorld(t, []alert.Route{route})
	// Two monitors of the same team fail together: one message for both.
	var defs []monitor.Definition
	for _, s := range w.monitors.Snapshots() {
		defs = append(defs, *s.Definition)
	}
	api := defs[0]
	api.Name = "api"
	w.monitors.Load(w.ctx, append(defs, api))
	w.run(time.Minute)
	w.healthy.Store(false)
	w.run(2 * time.Minute)
	if got := w.rcv.kinds("web"); got != "firing" {
		t.Fatalf("two monitors down together: %q, want one message", got)
	}
	m := w.rcv.last("web")
	if len(m.Alerts) != 2 || !strings.HasPrefix(m.Title, "[DOWN] 2 monitors") {
		t.Fatalf("group message: %q with %d alerts", m.Title, len(m.Alerts))
	}
	// A silence mutes reminders; the alerts stay open.
	if err := w.store.CreateSilence(w.ctx, &alert.Silence{Matchers: map[string]string{"team": "web"}, StartsAt: w.clock.Now(),
		EndsAt: w.clock.Now().Add(time.Hour), Author: "alice", Reason: "maintenance", CreatedAt: w.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	w.run(30 * time.Minute)
	if got := w.rcv.kinds("web"); got != "firing" {
		t.Fatalf("silenced: %q, want nothing new", got)
	}
	if pending, _ := w.store.PendingAlerts(w.ctx); len(pending) != 2 {
		t.Fatalf("%d open alerts under the silence, want 2", len(pending))
	}
}

func TestSignerRefusesForgedLinks(t *testing.T) {
	s := alert.NewSigner(storetest.OpenSQLite(t).Store)
	ctx := context.Background()
	tok, err := s.Sign(ctx, []*alert.Alert{{ID: 7}, {ID: 9}})
	if err != nil {
		t.Fatal(err)
	}
	if ids, err := s.Verify(ctx, tok); err != nil || len(ids) != 2 || ids[0] != 7 || ids[1] != 9 {
		t.Fatalf("Verify(%q) = %v, %v", tok, ids, err)
	}
	for _, bad := range []string{"", "7-9", "7-10." + tok[strings.Index(tok, ".")+1:], tok + "x", "x." + tok} {
		if _, err := s.Verify(ctx, bad); err == nil {
			t.Errorf("forged link %q accepted", bad)
		}
	}
}

// selfSigned returns a certificate for 127.0.0.1 that expires after validFor.
func selfSigned(t *testing.T, validFor time.Duration) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(validFor), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestCertificateWindow(t *testing.T) {
	var current atomic.Pointer[tls.Certificate]
	soon := selfSigned(t, 10*24*time.Hour)
	current.Store(&soon)
	// Not httptest's TLS server: its own certificate would win over GetCertificate.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}),
		TLSConfig: &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return current.Load(), nil }}}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { srv.Close() })

	route := opsRoute()
	route.NotifyOn = []string{"down", alert.KindCert}
	w := newWorld(t, []alert.Route{route})
	w.monitors = monitor.NewEngine(monitor.Options{Store: w.store, Clock: w.clock,
		OnChange: func(ev monitor.Event, d *monitor.Definition) { w.alerts.Observe(w.ctx, ev, d) },
		OnCert: func(ev monitor.CertEvent, d *monitor.Definition) {
			if err := w.alerts.ObserveCert(w.ctx, ev, d); err != nil {
				t.Error(err)
			}
		}})
	go w.monitors.WriteResults(w.ctx)
	probe, err := check.New(check.Spec{Kind: "http", URL: "https://" + ln.Addr().String(), Timeout: 2 * time.Second,
		HTTP: check.HTTPOptions{InsecureSkipVerify: true}})
	if err != nil {
		t.Fatal(err)
	}
	ok, _ := cond.Compile(check.DefaultCondition("http"), check.Schema("http"))
	def := monitor.Definition{Name: "shop", Kind: "http", Interval: 30 * time.Second, Timeout: 2 * time.Second,
		Probe: probe, Conditions: []*cond.Expr{ok}, FailureThreshold: 2, SuccessThreshold: 2, CertWarning: 14 * 24 * time.Hour}
	if err := w.monitors.Load(w.ctx, []monitor.Definition{def}); err != nil {
		t.Fatal(err)
	}
	w.run(2 * time.Minute)
	if got := w.rcv.kinds("ops"); got != "firing" {
		t.Fatalf("certificate 10 days from expiry, warning at 14: %q, want one firing message", got)
	}
	m := w.rcv.last("ops")
	if !strings.Contains(m.Title, "[CERT EXPIRING] shop — certificate expires in 9 days (warning at 14 days)") || m.Severity != notify.SeverityWarning {
		t.Fatalf("firing message: %q (%s)", m.Title, m.Severity)
	}
	if snap := w.monitors.Snapshots()[0]; snap.State != monitor.StateUp {
		t.Fatalf("a certificate warning must not change the monitor's state, got %s", snap.State)
	}

	// A restart sees the same certificate: the alert stays one alert, nothing is sent again.
	w.monitors.Load(w.ctx, []monitor.Definition{def})
	w.run(2 * time.Minute)
	if got := w.rcv.kinds("ops"); got != "firing" {
		t.Fatalf("after seeing the same certificate again: %q", got)
	}

	renewed := selfSigned(t, 90*24*time.Hour)
	current.Store(&renewed)
	w.run(time.Minute)
	if got := w.rcv.kinds("ops"); got != "firing resolved" {
		t.Fatalf("after renewal: %q, want one resolved message", got)
	}
	if m := w.rcv.last("ops"); !strings.Contains(m.Title, "[RESOLVED] shop — certificate valid for 89 days") {
		t.Fatalf("resolved title %q", m.Title)
	}
}
