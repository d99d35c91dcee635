// Package app wires vigie together: configuration, logging, metrics, store, domain services
// and the HTTP server. It is the only package that imports all the others. New builds
// everything, Start serves, Reload swaps the configuration, Stop shuts down in order; tests
// run the whole server in-process through it.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"vigie/internal/alert"
	"vigie/internal/auth"
	"vigie/internal/clock"
	"vigie/internal/config"
	"vigie/internal/errs"
	"vigie/internal/incident"
	"vigie/internal/monitor"
	"vigie/internal/notify"
	"vigie/internal/notify/email"
	"vigie/internal/report"
	"vigie/internal/slo"
	"vigie/internal/status"
	"vigie/internal/status/sla"
	"vigie/internal/store"
	"vigie/internal/store/postgres"
	"vigie/internal/store/sqlite"
	"vigie/internal/subscriber"
	"vigie/internal/web"
)

// Options configure an App.
type Options struct {
	ConfigPath string
	LookupEnv  func(string) (string, bool)
	LogOutput  io.Writer
	Clock      clock.Clock
	Build      web.Build
	// Listener, when set, is served instead of listening on server.listen (tests use :0).
	Listener net.Listener
	// HashParams overrides the password hashing cost (tests make it cheap).
	HashParams auth.HashParams
}

// App is a running vigie server.
type App struct {
	opts        Options
	cfg         atomic.Pointer[config.Config]
	level       *slog.LevelVar
	log         *slog.Logger
	registry    *prometheus.Registry
	store       *store.Store
	auth        *auth.Service
	web         *web.Server
	http        *http.Server
	listener    net.Listener
	cert        atomic.Pointer[tls.Certificate]
	reloadMu    sync.Mutex
	lastReload  atomic.Pointer[web.ReloadStatus]
	engine      *monitor.Engine
	pingTokens  atomic.Pointer[map[string]string]
	alerting    atomic.Pointer[alerting]
	pages       atomic.Pointer[[]*status.Page]
	senders     atomic.Pointer[map[string]email.Options] // per page: how its subscriber mail is sent
	status      *status.Service
	subscribers *subscriber.Service
	incidents   *incident.Service
	reports     *report.Service
	slos        *slo.Engine
	weekly      atomic.Pointer[report.WeeklyPlan]
	sender      *report.Sender
	outbox      *notify.Dispatcher
	alerts      *alert.Engine
	backups     *backups
	stop        context.CancelFunc
	wg          sync.WaitGroup
	serveErr    chan error
}

// New loads the configuration, opens and migrates the store and builds the server. Nothing
// listens until Start.
func New(ctx context.Context, o Options) (*App, error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	cfg, err := config.Load(o.ConfigPath, o.LookupEnv)
	if err != nil {
		return nil, err
	}
	a := &App{opts: o, level: new(slog.LevelVar), registry: prometheus.NewRegistry(), serveErr: make(chan error, 1)}
	a.cfg.Store(cfg)
	a.level.Set(cfg.Log.SlogLevel())
	a.log = NewLogger(o.LogOutput, cfg.Log.Format, a.level)

	a.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo(o.Build),
	)

	if cfg.Server.TLS.Enabled() {
		if err := a.loadCertificate(cfg.Server.TLS); err != nil {
			return nil, err
		}
	}

	a.store, err = OpenStore(ctx, cfg.Storage, a.registry)
	if err != nil {
		return nil, err
	}
	if n, err := a.store.Migrate(ctx); err != nil {
		a.store.Close()
		return nil, err
	} else if n > 0 {
		a.log.Info("database migrated", "driver", a.store.Driver(), "applied", n)
	}

	a.auth, err = auth.NewService(auth.Options{
		Store: a.store, Clock: o.Clock, Logger: a.log, Hash: o.HashParams,
		SessionLifetime: func() time.Duration { return a.cfg.Load().Server.SessionLifetime.Std() },
	})
	if err != nil {
		a.store.Close()
		return nil, err
	}

	lateness := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "vigie_check_start_lateness_seconds",
		Help:    "How late checks start against their schedule.",
		Buckets: []float64{.001, .005, .01, .05, .1, .5, 1, 5},
	})
	a.registry.MustRegister(lateness)
	al, err := buildAlerting(cfg)
	if err != nil {
		a.store.Close()
		return nil, err
	}
	a.alerting.Store(al)
	pages, err := StatusPages(cfg)
	if err != nil {
		a.store.Close()
		return nil, err
	}
	a.pages.Store(&pages)
	senders := subscriberSenders(cfg)
	a.senders.Store(&senders)
	plan, err := weeklyPlan(cfg, pages)
	if err != nil {
		a.store.Close()
		return nil, err
	}
	a.weekly.Store(plan)
	a.outbox = notify.NewDispatcher(notify.Options{Store: a.store, Clock: o.Clock, Logger: a.log,
		Receivers: func() map[string]notify.Notifier { return a.alerting.Load().receivers },
		Lookup:    a.subscriberReceiver})
	a.subscribers = subscriber.NewService(subscriber.Options{Store: a.store, Outbox: a.outbox, Maintenances: a.store,
		Pages: func() []*status.Page { return *a.pages.Load() }, BaseURL: func() string { return a.cfg.Load().Server.BaseURL.String() },
		Clock: o.Clock, Logger: a.log})
	signer := alert.NewSigner(a.store)
	// The status service reads monitors through a.engine, built just below; it is only
	// called once the app runs.
	a.status = status.NewService(status.Options{History: a.store, Rollups: a.store, Monitors: func() []monitor.Snapshot { return a.engine.Snapshots() },
		Clock: o.Clock, Logger: a.log, Maintenances: a.store, Pages: func() []*status.Page { return *a.pages.Load() },
		Stated: func(ctx context.Context, page string) (map[string]sla.Level, error) {
			return a.incidents.StatedLevels(ctx, page)
		}})
	a.incidents = incident.NewService(incident.Options{Store: a.store, Clock: o.Clock, Logger: a.log,
		Pages: func() []*status.Page { return *a.pages.Load() }, SLA: a.status, Outbox: a.outbox,
		Targets:   func(name string, t time.Time) []string { return a.alerting.Load().targets(name, t) },
		BaseURL:   func() string { return a.cfg.Load().Server.BaseURL.String() },
		Announcer: incidentAnnouncer{a},
		Changed:   a.status.Invalidate,
		AckAlerts: func(ctx context.Context, ids []int64, by string) error {
			_, err := a.alerts.Ack(ctx, ids, by)
			return err
		},
		ImpactStart: a.impactStart})
	a.reports = report.NewService(report.Options{Records: a.status, Rollups: a.store, Alerts: a.store, Clock: o.Clock, Incidents: reportIncidents{a.incidents}})
	a.sender = report.NewSender(report.SenderOptions{Reports: a.reports, Outbox: a.outbox, Clock: o.Clock, Logger: a.log,
		Plan: func() *report.WeeklyPlan { return a.weekly.Load() }})
	a.alerts = alert.NewEngine(alert.Options{Store: a.store, Outbox: a.outbox, Clock: o.Clock, Logger: a.log,
		Routes:        func() []alert.Route { return a.alerting.Load().routes },
		BaseURL:       func() string { return a.cfg.Load().Server.BaseURL.String() },
		Signer:        signer,
		Expand:        func(name string, t time.Time) []string { return a.alerting.Load().expand(name, t) },
		InMaintenance: a.status.InMaintenance,
		Changed: func(ctx context.Context, al alert.Alert) {
			if err := a.incidents.AlertChanged(ctx, al, a.alerting.Load().incidentRuleFor(al)); err != nil {
				a.log.Error("following an alert in the logbook failed", "alert", al.ID, "err", err)
			}
		}})
	a.slos = slo.NewEngine(slo.Options{Counts: a.store, Alerts: a.alerts, Clock: o.Clock, Logger: a.log,
		Objectives: func() []slo.Objective { return buildObjectives(a.cfg.Load()) }})
	a.engine = monitor.NewEngine(monitor.Options{Store: a.store, Clock: o.Clock, Logger: a.log,
		OnLateness: func(d time.Duration) { lateness.Observe(d.Seconds()) },
		OnChange: func(ev monitor.Event, d *monitor.Definition) {
			// Runs in the checking goroutine; the outbox sends later, so a slow receiver
			// never delays a check.
			if err := a.alerts.Observe(context.Background(), ev, d); err != nil {
				a.log.Error("recording an alert failed", "monitor", ev.Monitor, "err", err)
			}
		},
		OnCert: func(ev monitor.CertEvent, d *monitor.Definition) {
			if err := a.alerts.ObserveCert(context.Background(), ev, d); err != nil {
				a.log.Error("recording a certificate alert failed", "monitor", ev.Monitor, "err", err)
			}
		}})
	if err := a.loadMonitors(ctx, cfg); err != nil {
		a.store.Close()
		return nil, err
	}
	a.registry.MustRegister(newMonitorCollector(a.engine), newSLOCollector(a.slos))
	if err := a.newBackups(cfg); err != nil {
		a.store.Close()
		return nil, err
	}

	a.web, err = web.New(web.Options{
		Auth: a.auth, Health: a.store, Logger: a.log, Clock: o.Clock,
		Registry: a.registry, Gatherer: a.registry, Build: o.Build,
		ConfigPath: o.ConfigPath,
		Settings: func() web.Settings {
			c := a.cfg.Load()
			return web.Settings{TrustedProxies: c.Server.TrustedProxies, BaseURL: c.Server.BaseURL.String()}
		},
		Reload: a.Reload,
		LastReload: func() web.ReloadStatus {
			if st := a.lastReload.Load(); st != nil {
				return *st
			}
			return web.ReloadStatus{}
		},
		StartedAt:     o.Clock.Now(),
		Monitors:      a.engine,
		Pinger:        a,
		Alerts:        alertsView{engine: a.alerts, store: a.store, signer: signer},
		Notifications: a.store,
		Status:        a.status,
		Maintenances:  a.store,
		Backups:       a.backups.service,
		StatusPages:   func() []*status.Page { return *a.pages.Load() },
		Subscribers:   a.subscribers,
		Incidents:     a.incidents,
		Reports:       a.reports,
		SLOs:          a.slos,
	})
	if err != nil {
		a.store.Close()
		return nil, err
	}
	return a, nil
}

// OpenStore opens the configured database without migrating it.
func OpenStore(ctx context.Context, c config.Storage, reg prometheus.Registerer) (*store.Store, error) {
	switch c.Driver {
	case "postgres":
		return postgres.Open(ctx, c.DSN.Reveal(), reg)
	default:
		return sqlite.Open(c.Path, reg)
	}
}

// NewLogger builds the process logger in the configured format.
func NewLogger(w io.Writer, format string, level slog.Leveler) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func buildInfo(b web.Build) prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "vigie_build_info",
		Help:        "Always 1; labels name the running build.",
		ConstLabels: prometheus.Labels{"version": b.Version, "commit": b.Commit, "goversion": b.GoVersion},
	})
	g.Set(1)
	return g
}

// Logger is the app's logger.
func (a *App) Logger() *slog.Logger { return a.log }

// Auth is the auth service (the CLI and tests use it).
func (a *App) Auth() *auth.Service { return a.auth }

// Start listens and serves in the background.
func (a *App) Start(ctx context.Context) error {
	cfg := a.cfg.Load()
	ln := a.opts.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", cfg.Server.Listen); err != nil {
			return fmt.Errorf("listen on %s: %w", cfg.Server.Listen, err)
		}
	}
	a.http = &http.Server{
		Handler:           a.web.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	if cfg.Server.TLS.Enabled() {
		a.http.TLSConfig = &tls.Config{
			MinVersion: tls.VersionTLS12,
			GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
				return a.cert.Load(), nil
			},
		}
		ln = tls.NewListener(ln, a.http.TLSConfig)
	}
	a.listener = ln

	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stop = stop
	a.wg.Go(func() {
		if err := a.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.serveErr <- err
		}
	})
	a.wg.Go(func() { a.pruneLoop(bg) })
	a.wg.Go(func() { a.outbox.Run(bg) })
	a.wg.Go(func() { a.subscribers.Run(bg) })
	a.wg.Go(func() { a.alerts.Run(bg) })
	a.wg.Go(func() { a.backups.service.Run(bg) })
	a.wg.Go(func() { a.incidents.Run(bg) })
	a.wg.Go(func() { a.slos.Run(bg) })
	a.wg.Go(func() { a.sender.Run(bg) })
	a.wg.Go(func() {
		a.engine.Run(bg, func(ctx context.Context) {
			a.engine.Maintain(ctx, func() (time.Duration, time.Duration) {
				r := a.cfg.Load().Retention
				return r.Raw.Std(), r.Rollups.Std()
			})
		})
	})

	scheme := "http"
	if cfg.Server.TLS.Enabled() {
		scheme = "https"
	}
	a.log.Info("vigie serving", "addr", ln.Addr().String(), "scheme", scheme, "base_url", cfg.Server.BaseURL.String(),
		"store", a.store.Driver(), "version", a.opts.Build.Version)
	if has, err := a.auth.HasUsers(ctx); err == nil && !has {
		a.log.Warn("no administrator yet: open " + cfg.Server.BaseURL.String() + "/setup from this machine, or run `vigie user add NAME`")
	}
	return nil
}

// Addr is the address the server listens on (after Start).
func (a *App) Addr() net.Addr { return a.listener.Addr() }

// Failed delivers an error if serving stops on its own.
func (a *App) Failed() <-chan error { return a.serveErr }

func (a *App) pruneLoop(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if err := a.auth.Prune(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("pruning sessions failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Stop stops accepting connections, lets in-flight requests finish within the configured
// shutdown timeout, then closes the store.
func (a *App) Stop(ctx context.Context) error {
	var err error
	if a.http != nil {
		ctx, cancel := context.WithTimeout(ctx, a.cfg.Load().Server.ShutdownTimeout.Std())
		defer cancel()
		if err = a.http.Shutdown(ctx); err != nil {
			a.log.Warn("shutdown timed out; closing remaining connections", "err", err)
			err = errors.Join(err, a.http.Close())
		}
	}
	// Checks stop after the HTTP server, so pings in flight are still recorded.
	if a.stop != nil {
		a.stop()
	}
	a.wg.Wait()
	err = errors.Join(err, a.store.Close())
	a.log.Info("vigie stopped")
	return err
}

// Reload reads the configuration file again. An invalid file is rejected with all its
// errors and the running configuration stays. Settings that need a restart are reported.
func (a *App) Reload(ctx context.Context) error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	now := a.opts.Clock.Now()
	next, err := config.Load(a.opts.ConfigPath, a.opts.LookupEnv)
	if err == nil && next.Server.TLS.Enabled() {
		err = a.loadCertificate(next.Server.TLS)
	}
	if err != nil {
		a.lastReload.Store(&web.ReloadStatus{At: now, Err: err.Error()})
		a.log.Error("configuration reload rejected; keeping the running one", "path", a.opts.ConfigPath, "err", err)
		return errs.Wrap(errs.Invalid, err, "configuration rejected; the running one stays:\n%s", err)
	}
	al, err := buildAlerting(next)
	if err != nil {
		a.lastReload.Store(&web.ReloadStatus{At: now, Err: err.Error()})
		return errs.Wrap(errs.Invalid, err, "configuration rejected; the running one stays:\n%s", err)
	}
	pages, err := StatusPages(next)
	if err != nil {
		a.lastReload.Store(&web.ReloadStatus{At: now, Err: err.Error()})
		return errs.Wrap(errs.Invalid, err, "configuration rejected; the running one stays:\n%s", err)
	}
	applyBackups, err := a.reloadBackups(next)
	if err != nil {
		a.lastReload.Store(&web.ReloadStatus{At: now, Err: err.Error()})
		return errs.Wrap(errs.Invalid, err, "configuration rejected; the running one stays:\n%s", err)
	}
	plan, err := weeklyPlan(next, pages)
	if err != nil {
		a.lastReload.Store(&web.ReloadStatus{At: now, Err: err.Error()})
		return errs.Wrap(errs.Invalid, err, "configuration rejected; the running one stays:\n%s", err)
	}
	if err := a.loadMonitors(ctx, next); err != nil {
		a.lastReload.Store(&web.ReloadStatus{At: now, Err: err.Error()})
		return errs.Wrap(errs.Invalid, err, "configuration rejected; the running one stays:\n%s", err)
	}
	applyBackups()
	prev := a.cfg.Load()
	for _, key := range restartOnly(prev, next) {
		a.log.Warn("configuration change needs a restart to take effect", "key", key)
	}
	a.cfg.Store(next)
	a.alerting.Store(al)
	a.pages.Store(&pages)
	senders := subscriberSenders(next)
	a.senders.Store(&senders)
	a.weekly.Store(plan)
	a.status.Invalidate()
	a.level.Set(next.Log.SlogLevel())
	a.lastReload.Store(&web.ReloadStatus{At: now})
	a.log.Info("configuration reloaded", "path", a.opts.ConfigPath)
	return nil
}

// loadMonitors builds the configured monitors and hands them to the engine.
func (a *App) loadMonitors(ctx context.Context, cfg *config.Config) error {
	defs, err := BuildMonitors(cfg.Monitors)
	if err != nil {
		return err
	}
	if err := a.engine.Load(ctx, defs); err != nil {
		return err
	}
	tokens := heartbeatTokens(cfg.Monitors)
	a.pingTokens.Store(&tokens)
	return nil
}

// restartOnly lists changed settings that a running server cannot apply.
func restartOnly(prev, next *config.Config) []string {
	var keys []string
	if prev.Server.Listen != next.Server.Listen {
		keys = append(keys, "server.listen")
	}
	if prev.Server.TLS.Enabled() != next.Server.TLS.Enabled() {
		keys = append(keys, "server.tls")
	}
	if prev.Storage.Driver != next.Storage.Driver || prev.Storage.Path != next.Storage.Path ||
		prev.Storage.DSN.Reveal() != next.Storage.DSN.Reveal() {
		keys = append(keys, "storage")
	}
	if prev.Log.Format != next.Log.Format {
		keys = append(keys, "log.format")
	}
	return keys
}

// loadCertificate reads the TLS key pair; a reload picks up renewed certificates.
func (a *App) loadCertificate(t config.TLS) error {
	cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return fmt.Errorf("server.tls: %w", err)
	}
	a.cert.Store(&cert)
	return nil
}
