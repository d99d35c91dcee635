// Package web is vigie's HTTP edge: the JSON API under /api/v1, the admin UI, health and
// metrics endpoints, and the middleware every response passes through (security headers,
// request log, metrics, panic recovery). Domain errors become HTTP statuses here and only here.
package web

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"vigie/internal/auth"
	"vigie/internal/backup"
	"vigie/internal/clock"
	"vigie/internal/incident"
	"vigie/internal/status"
	"vigie/internal/store"
	"vigie/internal/subscriber"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Health is what the server reports about storage.
type Health interface {
	Driver() string
	Ping(ctx context.Context) error
	MigrationStatus(ctx context.Context) ([]store.Migration, error)
}

// Settings are the parts of the configuration the server reads per request, so a reload
// applies without a restart.
type Settings struct {
	TrustedProxies []netip.Prefix
	BaseURL        string // absolute, for links in machine-readable answers
}

// Build identifies the running binary.
type Build struct {
	Version, Commit, GoVersion string
}

// ReloadStatus is the outcome of the last configuration reload.
type ReloadStatus struct {
	At  time.Time
	Err string // empty when the reload was accepted
}

// Options configure a Server.
type Options struct {
	Auth     *auth.Service
	Health   Health
	Logger   *slog.Logger
	Clock    clock.Clock
	Registry prometheus.Registerer
	Gatherer prometheus.Gatherer
	Build    Build
	// ConfigPath is shown on the overview page.
	ConfigPath string
	Settings   func() Settings
	// Reload re-reads the configuration; an invalid one is an errs.Invalid error and changes nothing.
	Reload     func(ctx context.Context) error
	LastReload func() ReloadStatus
	StartedAt  time.Time
	// Monitors and Pinger are nil when no monitor engine runs (some tests).
	Monitors MonitorView
	Pinger   Pinger
	Alerts   Alerts
	// Notifications is the outbox; nil when none runs.
	Notifications Notifications
	// Status builds public status pages; StatusPages lists them (read per request, so a
	// reload applies).
	Status       Status
	StatusPages  func() []*status.Page
	Maintenances status.MaintenanceStore
	// Backups runs and shows backup jobs; nil when there are none.
	Backups Backups
	// Subscribers manages the pages' subscribers and sends their notices; nil when none run.
	Subscribers *subscriber.Service
	// Incidents is the logbook; nil when it does not run (some tests).
	Incidents *incident.Service
	// Reports makes SLA and weekly reports; nil when none is wired.
	Reports Reports
	// SLOs gives the service-level objectives' state; nil when none is wired.
	SLOs SLOs
}

// Server holds the handlers. Build it with New and serve Handler().
type Server struct {
	Options
	tmpl    map[string]*template.Template
	metrics *httpMetrics
	routes  []route
	handler http.Handler
	// statusBodies holds rendered status pages.
	statusBodies statusCache
}

// route is one registered pattern; keeping the list lets tests walk every route.
type route struct {
	pattern string
	handler http.Handler
}

// New builds the server and its routes.
func New(o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Settings == nil {
		o.Settings = func() Settings { return Settings{} }
	}
	s := &Server{Options: o}
	var err error
	if s.tmpl, err = parseTemplates(o.Clock.Now); err != nil {
		return nil, err
	}
	if s.metrics, err = newHTTPMetrics(o.Registry); err != nil {
		return nil, err
	}
	s.routes = s.buildRoutes()
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.pattern, rt.handler)
	}
	s.handler = s.middleware(s.hostRouter(mux))
	return s, nil
}

// Handler is the root handler with all middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// Patterns lists the registered route patterns.
func (s *Server) Patterns() []string {
	out := make([]string, len(s.routes))
	for i, rt := range s.routes {
		out[i] = rt.pattern
	}
	return out
}

func (s *Server) buildRoutes() []route {
	static, _ := fs.Sub(staticFS, "static")
	api := func(need auth.Scope, h apiHandler) http.Handler { return s.requireScope(need, s.serveAPI(h)) }
	ui := func(h uiHandler) http.Handler { return s.requireSession(h) }
	return []route{
		{"GET /healthz", http.HandlerFunc(s.healthz)},
		{"GET /readyz", http.HandlerFunc(s.readyz)},
		{"GET /metrics", s.requireScope(auth.ScopeRead, s.metricsHandler())},

		{"GET /api/v1/health", api(auth.ScopeRead, s.apiHealth)},
		{"GET /api/v1/whoami", api(auth.ScopeRead, s.apiWhoami)},
		{"POST /api/v1/reload", api(auth.ScopeWrite, s.apiReload)},
		{"GET /api/v1/users", api(auth.ScopeAdmin, s.apiListUsers)},
		{"POST /api/v1/users", api(auth.ScopeAdmin, s.apiCreateUser)},
		{"DELETE /api/v1/users/{name}", api(auth.ScopeAdmin, s.apiDeleteUser)},
		{"GET /api/v1/monitors", api(auth.ScopeRead, s.apiListMonitors)},
		{"GET /api/v1/monitors/{name}", api(auth.ScopeRead, s.apiGetMonitor)},
		{"GET /api/v1/monitors/{name}/results", api(auth.ScopeRead, s.apiMonitorResults)},
		{"GET /api/v1/alerts", api(auth.ScopeRead, s.apiListAlerts)},
		{"POST /api/v1/alerts/{id}/ack", api(auth.ScopeWrite, s.apiAckAlert)},
		{"GET /api/v1/silences", api(auth.ScopeRead, s.apiListSilences)},
		{"POST /api/v1/silences", api(auth.ScopeWrite, s.apiCreateSilence)},
		{"DELETE /api/v1/silences/{id}", api(auth.ScopeWrite, s.apiEndSilence)},
		{"GET /api/v1/maintenances", api(auth.ScopeRead, s.apiListMaintenances)},
		{"POST /api/v1/maintenances", api(auth.ScopeWrite, s.apiCreateMaintenance)},
		{"GET /api/v1/maintenances/{id}", api(auth.ScopeRead, s.apiGetMaintenance)},
		{"POST /api/v1/maintenances/{id}/updates", api(auth.ScopeWrite, s.apiMaintenanceUpdate)},
		{"POST /api/v1/maintenances/{id}/cancel", api(auth.ScopeWrite, s.apiCancelMaintenance)},
		{"GET /api/v1/backups", api(auth.ScopeRead, s.apiListBackups)},
		{"GET /api/v1/backups/{job}", api(auth.ScopeRead, s.apiGetBackup)},
		{"GET /api/v1/backups/{job}/runs", api(auth.ScopeRead, s.apiBackupRuns)},
		{"GET /api/v1/backups/{job}/snapshots", api(auth.ScopeRead, s.apiBackupSnapshots)},
		{"POST /api/v1/backups/{job}/run", api(auth.ScopeWrite, s.apiBackupStart(backup.KindBackup))},
		{"POST /api/v1/backups/{job}/drill", api(auth.ScopeWrite, s.apiBackupStart(backup.KindDrill))},
		{"GET /api/v1/subscribers", api(auth.ScopeAdmin, s.apiListSubscribers)},
		{"POST /api/v1/subscribers", api(auth.ScopeAdmin, s.apiAddSubscriber)},
		{"DELETE /api/v1/subscribers/{id}", api(auth.ScopeAdmin, s.apiRemoveSubscriber)},
		{"GET /api/v1/incidents", api(auth.ScopeRead, s.apiListIncidents)},
		{"POST /api/v1/incidents", api(auth.ScopeWrite, s.apiOpenIncident)},
		{"GET /api/v1/incidents/{id}", api(auth.ScopeRead, s.apiGetIncident)},
		{"PATCH /api/v1/incidents/{id}", api(auth.ScopeWrite, s.apiEditIncident)},
		{"POST /api/v1/incidents/{id}/updates", api(auth.ScopeWrite, s.apiIncidentUpdate)},
		{"POST /api/v1/incidents/{id}/notes", api(auth.ScopeWrite, s.apiIncidentNote)},
		{"POST /api/v1/incidents/{id}/ack", api(auth.ScopeWrite, s.apiIncidentAck)},
		{"POST /api/v1/incidents/{id}/resolve", api(auth.ScopeWrite, s.apiResolveIncident)},
		{"POST /api/v1/incidents/{id}/actions", api(auth.ScopeWrite, s.apiAddAction)},
		{"PATCH /api/v1/incidents/{id}/actions/{action}", api(auth.ScopeWrite, s.apiEditAction)},
		{"GET /api/v1/incidents/{id}/postmortem", api(auth.ScopeRead, s.apiGetPostmortem)},
		{"PUT /api/v1/incidents/{id}/postmortem", api(auth.ScopeWrite, s.apiPutPostmortem)},
		{"POST /api/v1/incidents/{id}/postmortem/publish", api(auth.ScopeWrite, s.apiPublishPostmortem)},
		{"GET /api/v1/notifications", api(auth.ScopeRead, s.apiListNotifications)},
		{"GET /api/v1/notifications/{id}", api(auth.ScopeRead, s.apiGetNotification)},
		{"POST /api/v1/notifications/{id}/resend", api(auth.ScopeWrite, s.apiResendNotification)},
		{"GET /api/v1/reports/sla", api(auth.ScopeRead, s.apiSLAReport)},
		{"GET /api/v1/reports/weekly", api(auth.ScopeRead, s.apiWeeklyReport)},
		{"GET /api/v1/slos", api(auth.ScopeRead, s.apiListSLOs)},
		{"GET /api/v1/tokens", api(auth.ScopeAdmin, s.apiListTokens)},
		{"POST /api/v1/tokens", api(auth.ScopeAdmin, s.apiCreateToken)},
		{"DELETE /api/v1/tokens/{id}", api(auth.ScopeAdmin, s.apiRevokeToken)},

		// Heartbeats: the token in the path is the credential, as cron jobs expect.
		{"GET /ping/{token}", s.serveAPI(s.ping)},
		{"POST /ping/{token}", s.serveAPI(s.ping)},
		{"GET /ping/{token}/{what}", s.serveAPI(s.ping)},
		{"POST /ping/{token}/{what}", s.serveAPI(s.ping)},

		// Public status pages: no login; a private page wants its token.
		{"GET /status/{slug}", uiHandlerFunc(s, s.publicStatusPage)},
		{"GET /status/{slug}/{$}", uiHandlerFunc(s, s.publicStatusPage)},
		{"GET /status/{slug}/api/v2/summary.json", s.serveAPI(s.statusSummaryJSON)},
		{"GET /status/{slug}/api/v2/status.json", s.serveAPI(s.statusStatusJSON)},
		{"GET /status/{slug}/api/v2/components.json", s.serveAPI(s.statusComponentsJSON)},
		{"GET /status/{slug}/api/v2/scheduled-maintenances.json", s.serveAPI(s.statusMaintenancesJSON)},
		{"GET /status/{slug}/api/v2/incidents.json", s.serveAPI(s.statusIncidentsJSON)},
		{"GET /status/{slug}/api/v2/incidents/unresolved.json", s.serveAPI(s.statusUnresolvedJSON)},
		{"GET /status/{slug}/incidents/{id}", uiHandlerFunc(s, s.statusIncidentPage)},
		{"GET /status/{slug}/feed.atom", uiHandlerFunc(s, s.statusAtom)},
		{"GET /status/{slug}/feed.rss", uiHandlerFunc(s, s.statusRSS)},
		{"GET /status/{slug}/badge.svg", uiHandlerFunc(s, s.statusBadge)},
		// Subscriptions: the form, and the signed links in mails (the token is the credential).
		{"POST /status/{slug}/subscribe", uiHandlerFunc(s, s.publicSubscribe)},
		{"GET /status/{slug}/confirm/{token}", uiHandlerFunc(s, s.confirmPage)},
		{"POST /status/{slug}/confirm/{token}", uiHandlerFunc(s, s.confirmSubmit)},
		{"GET /status/{slug}/unsubscribe/{token}", uiHandlerFunc(s, s.unsubscribePage)},
		{"POST /status/{slug}/unsubscribe/{token}", uiHandlerFunc(s, s.unsubscribeSubmit)},

		// Acknowledgement links from messages: the signed token is the credential.
		{"GET /ack/{token}", uiHandlerFunc(s, s.ackPage)},
		{"POST /ack/{token}", uiHandlerFunc(s, s.ackSubmit)},

		{"GET /static/report.css", http.HandlerFunc(s.reportCSS)},
		{"GET /static/", http.StripPrefix("/static/", staticHandler(static))},
		{"GET /login", uiHandlerFunc(s, s.loginPage)},
		{"POST /login", uiHandlerFunc(s, s.loginSubmit)},
		{"GET /setup", uiHandlerFunc(s, s.setupPage)},
		{"POST /setup", uiHandlerFunc(s, s.setupSubmit)},
		{"POST /logout", ui(s.logout)},
		{"GET /{$}", ui(s.overviewPage)},
		{"GET /monitors", ui(s.monitorsPage)},
		{"GET /monitors/{name}", ui(s.monitorPage)},
		{"GET /alerts", ui(s.alertsPage)},
		{"POST /alerts/{id}/ack", ui(s.alertAck)},
		{"GET /silences", ui(s.silencesPage)},
		{"POST /silences", ui(s.silencesCreate)},
		{"POST /silences/{id}/end", ui(s.silencesEnd)},
		{"GET /backups", ui(s.backupsPage)},
		{"GET /backups/{job}", ui(s.backupPage)},
		{"POST /backups/{job}/start", ui(s.backupStart)},
		{"GET /incidents", ui(s.incidentsPage)},
		{"POST /incidents", ui(s.incidentsOpen)},
		{"GET /incidents/{id}", ui(s.incidentPage)},
		{"POST /incidents/{id}/update", ui(s.incidentPostUpdate)},
		{"POST /incidents/{id}/note", ui(s.incidentAddNote)},
		{"POST /incidents/{id}/logbook", ui(s.incidentSaveLogbook)},
		{"POST /incidents/{id}/ack", ui(s.incidentAck)},
		{"POST /incidents/{id}/resolve", ui(s.incidentResolve)},
		{"POST /incidents/{id}/actions", ui(s.incidentAddAction)},
		{"POST /incidents/{id}/actions/{action}/done", ui(s.incidentActionDone)},
		{"GET /incidents/{id}/postmortem", ui(s.postmortemPage)},
		{"POST /incidents/{id}/postmortem", ui(s.postmortemSave)},
		{"GET /notifications", ui(s.notificationsPage)},
		{"GET /notifications/{id}", ui(s.notificationPage)},
		{"POST /notifications/{id}/resend", ui(s.notificationResend)},
		{"GET /maintenances", ui(s.maintenancesPage)},
		{"POST /maintenances", ui(s.maintenancesCreate)},
		{"GET /maintenances/{id}", ui(s.maintenancePage)},
		{"POST /maintenances/{id}/updates", ui(s.maintenanceUpdateSubmit)},
		{"POST /maintenances/{id}/cancel", ui(s.maintenanceCancelSubmit)},
		{"GET /subscribers", ui(s.subscribersPage)},
		{"POST /subscribers", ui(s.subscribersAdd)},
		{"POST /subscribers/{id}/delete", ui(s.subscribersRemove)},
		{"GET /reports", ui(s.slaReportPage)},
		{"GET /reports/weekly", ui(s.weeklyReportPage)},
		{"GET /slos", ui(s.slosPage)},
		{"GET /slos/{name}", ui(s.slosPage)},
		{"GET /users", ui(s.usersPage)},
		{"POST /users", ui(s.usersCreate)},
		{"POST /users/{name}/delete", ui(s.usersDelete)},
		{"GET /tokens", ui(s.tokensPage)},
		{"POST /tokens", ui(s.tokensCreate)},
		{"POST /tokens/{id}/revoke", ui(s.tokensRevoke)},
	}
}

func staticHandler(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Assets are embedded in the binary and change only with it.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
