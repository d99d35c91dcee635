package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vigie/internal/backup"
	"vigie/internal/errs"
	"vigie/internal/human"
)

// Backups is what the backup pages and API read and start.
type Backups interface {
	Jobs() []*backup.Job
	Job(name string) *backup.Job
	Runs(ctx context.Context, job, kind string, limit int) ([]backup.Run, error)
	// Next is when the job's backup or drill starts next; zero when not scheduled.
	Next(job, kind string) time.Time
	// Running is the kind of run in progress, "" when none.
	Running(job string) string
	// Trigger starts a backup or drill in the background; backup.ErrBusy when one runs.
	Trigger(ctx context.Context, job *backup.Job, kind string) error
	Snapshots(ctx context.Context, job *backup.Job, target string) ([]backup.Snapshot, error)
}

type runJSON struct {
	ID             int64                 `json:"id"`
	Kind           string                `json:"kind"`
	Snapshot       string                `json:"snapshot,omitempty"`
	Status         string                `json:"status"`
	Error          string                `json:"error,omitempty"`
	StartedAt      time.Time             `json:"started_at"`
	FinishedAt     *time.Time            `json:"finished_at"`
	DurationS      float64               `json:"duration_seconds"`
	Bytes          int64                 `json:"bytes"`
	Size           int64                 `json:"size"`
	Entries        int                   `json:"entries"`
	Targets        []backup.TargetResult `json:"targets"`
	Warnings       []string              `json:"warnings"`
	RestoreSeconds float64               `json:"restore_seconds,omitempty"`
}

func toRunJSON(r *backup.Run, now time.Time) *runJSON {
	if r == nil {
		return nil
	}
	out := &runJSON{ID: r.ID, Kind: r.Kind, Snapshot: r.Snapshot, Status: r.Status, Error: r.Error, StartedAt: r.StartedAt,
		DurationS: r.Duration(now).Seconds(), Bytes: r.Bytes, Size: r.Size, Entries: r.Entries, Targets: r.Targets,
		Warnings: r.Warnings, RestoreSeconds: r.Restore.Seconds()}
	if !r.FinishedAt.IsZero() {
		out.FinishedAt = &r.FinishedAt
	}
	if out.Targets == nil {
		out.Targets = []backup.TargetResult{}
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	return out
}

type jobJSON struct {
	Name        string            `json:"name"`
	Instance    string            `json:"instance"`
	Labels      map[string]string `json:"labels"`
	Schedule    string            `json:"schedule,omitempty"`
	NextRun     *time.Time        `json:"next_run"`
	Running     string            `json:"running,omitempty"`
	Targets     []string          `json:"targets"`
	Sources     []string          `json:"sources"`
	Drill       *drillJSON        `json:"drill"`
	LastRun     *runJSON          `json:"last_run"`
	LastSuccess *runJSON          `json:"last_success"`
	LastFailure *runJSON          `json:"last_failure"`
	LastDrill   *runJSON          `json:"last_drill"`
}

type drillJSON struct {
	Schedule string     `json:"schedule,omitempty"`
	NextRun  *time.Time `json:"next_run"`
	Target   string     `json:"target"`
}

// jobSummary is a job with its latest runs, for lists and pages.
type jobSummary struct {
	Job                        *backup.Job
	Runs                       []backup.Run // backups, newest first
	Last, LastSuccess, Failure *backup.Run
	Drill                      *backup.Run
	Next, NextDrill            time.Time
	Running                    string
}

// runsShown is how many runs a job's page and trend look at.
const runsShown = 60

func (s *Server) jobSummary(ctx context.Context, job *backup.Job) (jobSummary, error) {
	out := jobSummary{Job: job, Next: s.Backups.Next(job.Name, backup.KindBackup), NextDrill: s.Backups.Next(job.Name, backup.KindDrill),
		Running: s.Backups.Running(job.Name)}
	runs, err := s.Backups.Runs(ctx, job.Name, backup.KindBackup, runsShown)
	if err != nil {
		return out, err
	}
	out.Runs = runs
	latest := backup.LatestOf(runs)
	out.Last, out.LastSuccess, out.Failure = latest.Last, latest.Success, latest.Failure
	drills, err := s.Backups.Runs(ctx, job.Name, backup.KindDrill, 1)
	if err != nil {
		return out, err
	}
	if len(drills) > 0 {
		out.Drill = &drills[0]
	}
	return out, nil
}

func (s *Server) jobJSON(js jobSummary) jobJSON {
	now := s.Clock.Now()
	j := js.Job
	out := jobJSON{Name: j.Name, Instance: j.Instance, Labels: j.Labels, Schedule: j.ScheduleText, Running: js.Running,
		LastRun: toRunJSON(js.Last, now), LastSuccess: toRunJSON(js.LastSuccess, now), LastFailure: toRunJSON(js.Failure, now),
		LastDrill: toRunJSON(js.Drill, now), Targets: []string{}, Sources: []string{}}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	if !js.Next.IsZero() {
		out.NextRun = &js.Next
	}
	for _, t := range j.Targets {
		out.Targets = append(out.Targets, t.Name)
	}
	for _, src := range j.Sources {
		out.Sources = append(out.Sources, src.Name())
	}
	if d := j.Drill; d != nil {
		out.Drill = &drillJSON{Schedule: d.ScheduleText, Target: d.Target}
		if out.Drill.Target == "" {
			out.Drill.Target = j.Targets[0].Name
		}
		if !js.NextDrill.IsZero() {
			out.Drill.NextRun = &js.NextDrill
		}
	}
	return out
}

func (s *Server) backupJob(r *http.Request) (*backup.Job, error) {
	if s.Backups == nil {
		return nil, errs.E(errs.NotFound, "no backup jobs")
	}
	name := r.PathValue("job")
	if j := s.Backups.Job(name); j != nil {
		return j, nil
	}
	return nil, errs.E(errs.NotFound, "no backup job named %q", name)
}

func (s *Server) backupJobs() []*backup.Job {
	if s.Backups == nil {
		return nil
	}
	return s.Backups.Jobs()
}

func (s *Server) apiListBackups(w http.ResponseWriter, r *http.Request) error {
	out := []jobJSON{}
	for _, j := range s.backupJobs() {
		js, err := s.jobSummary(r.Context(), j)
		if err != nil {
			return err
		}
		out = append(out, s.jobJSON(js))
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": out})
	return nil
}

func (s *Server) apiGetBackup(w http.ResponseWriter, r *http.Request) error {
	j, err := s.backupJob(r)
	if err != nil {
		return err
	}
	js, err := s.jobSummary(r.Context(), j)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"job": s.jobJSON(js)})
	return nil
}

// apiBackupRuns lists a job's runs: ?kind=backup|drill (default both), ?limit= (1-500, default 50).
func (s *Server) apiBackupRuns(w http.ResponseWriter, r *http.Request) error {
	j, err := s.backupJob(r)
	if err != nil {
		return err
	}
	kind := r.URL.Query().Get("kind")
	if kind != "" && kind != backup.KindBackup && kind != backup.KindDrill {
		return errs.E(errs.Invalid, "kind: want backup or drill, got %q", kind)
	}
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return errs.E(errs.Invalid, "limit: want a number from 1 to 500, got %q", v)
		}
		limit = n
	}
	runs, err := s.Backups.Runs(r.Context(), j.Name, kind, limit)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	out := make([]*runJSON, len(runs))
	for i := range runs {
		out[i] = toRunJSON(&runs[i], now)
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": out})
	return nil
}

type snapshotJSON struct {
	ID       string    `json:"id"`
	Time     time.Time `json:"time"`
	Size     int64     `json:"size"`
	Job      string    `json:"job"`
	Instance string    `json:"instance"`
}

// apiBackupSnapshots lists the snapshots on one target: ?target= (default the job's first).
func (s *Server) apiBackupSnapshots(w http.ResponseWriter, r *http.Request) error {
	j, err := s.backupJob(r)
	if err != nil {
		return err
	}
	name := r.URL.Query().Get("target")
	if name == "" {
		name = j.Targets[0].Name
	}
	if _, err := j.Target(name); err != nil {
		return errs.E(errs.Invalid, "target: %v", err)
	}
	snaps, err := s.Backups.Snapshots(r.Context(), j, name)
	if err != nil {
		return errs.Wrap(errs.Unavailable, err, "target %s cannot be listed: %v", name, err)
	}
	out := []snapshotJSON{}
	for i := len(snaps) - 1; i >= 0; i-- {
		sn := snaps[i]
		out = append(out, snapshotJSON{ID: sn.ID, Time: sn.Time, Size: sn.Size, Job: sn.Job, Instance: sn.Instance})
	}
	writeJSON(w, http.StatusOK, map[string]any{"target": name, "snapshots": out})
	return nil
}

// apiBackupStart starts a backup (POST .../run) or a drill (POST .../drill): 202, or 409
// while the job runs.
func (s *Server) apiBackupStart(kind string) apiHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		j, err := s.backupJob(r)
		if err != nil {
			return err
		}
		if kind == backup.KindDrill && j.Drill == nil {
			return errs.E(errs.Invalid, "job %s has no drill: give it drill.identity_file", j.Name)
		}
		if err := s.Backups.Trigger(r.Context(), j, kind); err != nil {
			return err
		}
		writeJSON(w, http.StatusAccepted, map[string]string{"status": "started", "job": j.Name, "kind": kind})
		return nil
	}
}

// Pages.

type backupRow struct {
	jobSummary
	Trend template.HTML
	State string // ok, failed, partial, running, never
}

func (s *Server) backupRow(js jobSummary) backupRow {
	row := backupRow{jobSummary: js, Trend: sizeTrend(js.Runs, 160, 28, false), State: "never"}
	switch {
	case js.Running != "":
		row.State = "running"
	case js.Last != nil:
		row.State = js.Last.Status
	}
	return row
}

func (s *Server) backupsPage(w http.ResponseWriter, r *http.Request) error {
	var rows []backupRow
	for _, j := range s.backupJobs() {
		js, err := s.jobSummary(r.Context(), j)
		if err != nil {
			return err
		}
		rows = append(rows, s.backupRow(js))
	}
	return s.render(w, r, http.StatusOK, "backups", page{Title: "Backups", Nav: "backups", Data: rows})
}

type targetView struct {
	Spec      backup.TargetSpec
	Snapshots []backup.Snapshot // newest first, at most snapshotsShown
	Total     int
	Error     string
	Result    *backup.TargetResult // from the last run
}

const snapshotsShown = 10

type backupPageData struct {
	backupRow
	Chart   template.HTML
	Recent  []backup.Run // the runs listed, newest first
	Drills  []backup.Run
	Targets []targetView
}

// runsListed is how many runs the job page lists; its chart shows more.
const runsListed = 15

func (s *Server) backupPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderBackup(w, r, http.StatusOK, "", "")
}

func (s *Server) renderBackup(w http.ResponseWriter, r *http.Request, status int, msg, notice string) error {
	j, err := s.backupJob(r)
	if err != nil {
		return err
	}
	js, err := s.jobSummary(r.Context(), j)
	if err != nil {
		return err
	}
	data := backupPageData{backupRow: s.backupRow(js), Chart: sizeTrend(js.Runs, 720, 160, true), Recent: js.Runs[:min(len(js.Runs), runsListed)]}
	if kind := r.URL.Query().Get("started"); notice == "" && (kind == backup.KindBackup || kind == backup.KindDrill) {
		notice = "The " + kind + " has started; this page shows it once it ends."
	}
	if data.Drills, err = s.Backups.Runs(r.Context(), j.Name, backup.KindDrill, 10); err != nil {
		return err
	}
	for _, spec := range j.Targets {
		tv := targetView{Spec: spec}
		if js.Last != nil {
			for i := range js.Last.Targets {
				if js.Last.Targets[i].Name == spec.Name {
					tv.Result = &js.Last.Targets[i]
				}
			}
		}
		// A slow or unreachable target must not hold the page for long.
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		snaps, err := s.Backups.Snapshots(ctx, j, spec.Name)
		cancel()
		if err != nil {
			tv.Error = err.Error()
		}
		tv.Total = len(snaps)
		for i := len(snaps) - 1; i >= 0 && len(tv.Snapshots) < snapshotsShown; i-- {
			tv.Snapshots = append(tv.Snapshots, snaps[i])
		}
		data.Targets = append(data.Targets, tv)
	}
	return s.render(w, r, status, "backup", page{Title: "Backup " + j.Name, Nav: "backups", Error: msg, Notice: notice, Data: data})
}

// backupStart is the page's "Back up now" and "Drill now" buttons.
func (s *Server) backupStart(w http.ResponseWriter, r *http.Request) error {
	j, err := s.backupJob(r)
	if err != nil {
		return err
	}
	kind := r.PostFormValue("kind")
	if kind != backup.KindBackup && kind != backup.KindDrill {
		return s.renderBackup(w, r, http.StatusBadRequest, "Unknown kind of run "+strconv.Quote(kind)+".", "")
	}
	if kind == backup.KindDrill && j.Drill == nil {
		return s.renderBackup(w, r, http.StatusBadRequest, "This job has no drill: give it drill.identity_file.", "")
	}
	if err := s.Backups.Trigger(r.Context(), j, kind); err != nil {
		if errs.Is(err, errs.Conflict) {
			return s.renderBackup(w, r, http.StatusConflict, "The job is already running; try again when it ends.", "")
		}
		return err
	}
	http.Redirect(w, r, "/backups/"+j.Name+"?started="+kind, http.StatusSeeOther)
	return nil
}

// sizeTrend draws each run as a bar as tall as its snapshot (oldest left): failed runs are a
// short red bar with a mark, so a gap in the series shows. big adds a scale.
func sizeTrend(runs []backup.Run, w, h int, big bool) template.HTML {
	var peak int64
	for _, r := range runs {
		peak = max(peak, r.Size)
	}
	label := fmt.Sprintf("snapshot sizes of the last %d runs", len(runs))
	if len(runs) == 0 {
		return template.HTML(fmt.Sprintf(`<svg class="spark" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="no runs yet"><line class="axis" x1="0" y1="%d" x2="%d" y2="%d"/></svg>`, w, h, w, h, h-1, w, h-1))
	}
	left, top, bottom := 0, 1, 0
	if big {
		left, top, bottom = 64, 8, 18
	}
	n := max(len(runs), 12)
	step := float64(w-left) / float64(n)
	bw := max(step*0.7, 1)
	plotH := float64(h - top - bottom - 1)
	var b strings.Builder
	class := "spark trend"
	if big {
		class = "chart trend"
	}
	fmt.Fprintf(&b, `<svg class="%s" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`, class, w, h, w, h, label)
	if big && peak > 0 {
		for _, f := range []float64{0, 0.5, 1} {
			y := float64(top) + plotH*(1-f)
			fmt.Fprintf(&b, `<line class="grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/><text class="label" x="%d" y="%.1f" text-anchor="end">%s</text>`,
				left, y, w, y, left-6, y+4, human.Bytes(int64(f*float64(peak))))
		}
	}
	for i := range runs {
		r := runs[len(runs)-1-i] // oldest first
		x := float64(left) + float64(n-len(runs)+i)*step
		what := fmt.Sprintf("%s %s: %s", r.StartedAt.UTC().Format("2006-01-02 15:04 UTC"), r.Status, human.Bytes(r.Size))
		switch {
		case r.Status == backup.StatusFailed:
			fmt.Fprintf(&b, `<rect class="failed" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s</title></rect>`,
				x, float64(top)+plotH-4, bw, 4.0, template.HTMLEscapeString(what+" — "+r.Error))
		case peak > 0:
			bh := max(plotH*float64(r.Size)/float64(peak), 2)
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s</title></rect>`,
				r.Status, x, float64(top)+plotH-bh, bw, bh, template.HTMLEscapeString(what))
		}
	}
	if big {
		first, last := runs[len(runs)-1].StartedAt, runs[0].StartedAt
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d">%s</text><text class="label" x="%d" y="%d" text-anchor="end">%s</text>`,
			left, h-3, first.UTC().Format("Jan 2"), w, h-3, last.UTC().Format("Jan 2 15:04 UTC"))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
