package web_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/chromedp/chromedp"

	"vigie/internal/auth"
	"vigie/internal/backup"
	"vigie/internal/backup/snapshot"
	"vigie/internal/backup/source"
	"vigie/internal/backup/target"
	"vigie/internal/backup/target/local"
	"vigie/internal/clock"
	"vigie/internal/store"
	"vigie/internal/web"
)

// backupEnv serves the web with a real backup service: a job over a small tree, two local
// targets, runs recorded in the env's store.
type backupEnv struct {
	*env
	job  *backup.Job
	svc  *backup.Service
	data string
	gate string // while this file is missing, the job's pre hook waits
}

func newBackupEnv(t *testing.T) *backupEnv {
	t.Helper()
	be := &backupEnv{data: t.TempDir(), gate: filepath.Join(t.TempDir(), "open")}
	id, _ := age.GenerateX25519Identity()
	enc, _ := snapshot.ParseRecipients([]string{id.Recipient().String()})
	ids, _ := snapshot.ParseIdentities([]byte(id.String()), nil)
	signing, _ := snapshot.GenerateSigningKey()
	os.WriteFile(filepath.Join(be.data, "index.html"), []byte("<h1>hi</h1>"), 0o644)
	src, err := source.NewPaths("www", source.PathsConfig{Paths: []string{be.data}})
	if err != nil {
		t.Fatal(err)
	}
	be.job = &backup.Job{Name: "web", Instance: "prod-1", Labels: map[string]string{"tenant": "acme"}, Sources: []source.Source{src},
		Encryption: enc, ScheduleText: "0 2 * * *", Drill: &backup.Drill{Identities: ids}}
	for _, name := range []string{"near", "offsite"} {
		dir := t.TempDir()
		be.job.Targets = append(be.job.Targets, backup.TargetSpec{Name: name, Open: func(context.Context) (target.Target, error) { return local.New(dir) }})
	}
	be.env = newEnv(t, false, func(o *web.Options, st *store.Store, clk *clock.Fake) {
		runner := &backup.Runner{Keys: backup.Keys{Signing: signing}, Store: st, Clock: clk, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		be.svc = backup.NewService(backup.ServiceOptions{Runner: runner, Store: st, Clock: clk, Logger: runner.Logger,
			Jobs: func() []*backup.Job { return []*backup.Job{be.job} }})
		o.Backups = be.svc
	})
	return be
}

// history runs the job once a day for a while, growing its data, with one failed night
// and a drill at the end.
func (be *backupEnv) history(t *testing.T, days int) {
	t.Helper()
	ctx := context.Background()
	for d := range days {
		be.job.Pre = nil
		if d == days-3 {
			be.job.Pre = []backup.Hook{{Command: []string{"sh", "-c", "echo database is locked >&2; exit 1"}}}
		}
		blob := make([]byte, 2048*(d+1)) // random, so the snapshots grow as the data does
		rand.Read(blob)
		os.WriteFile(filepath.Join(be.data, "day.bin"), blob, 0o644)
		be.svc.Start(ctx, be.job, backup.KindBackup)
		be.clock.Advance(24 * time.Hour)
	}
	be.job.Pre = nil
	if _, err := be.svc.Start(ctx, be.job, backup.KindDrill); err != nil {
		t.Fatal(err)
	}
}

func TestBackupsAPI(t *testing.T) {
	be := newBackupEnv(t)
	be.history(t, 5)
	read, write := be.token(auth.ScopeRead), be.token(auth.ScopeWrite)
	b := be.browser()
	call := func(method, path, token string) resp {
		t.Helper()
		return b.do(method, path, nil, map[string]string{"Authorization": "Bearer " + token})
	}

	r := call("GET", "/api/v1/backups", read)
	var list struct {
		Jobs []struct {
			Name, Instance string
			Targets        []string
			LastRun        struct{ Status, Error string } `json:"last_run"`
			LastSuccess    struct{ Size int64 }           `json:"last_success"`
			LastFailure    struct{ Error string }         `json:"last_failure"`
			LastDrill      struct {
				Status         string
				RestoreSeconds float64 `json:"restore_seconds"`
			} `json:"last_drill"`
		}
	}
	if err := json.Unmarshal([]byte(r.body), &list); err != nil || r.status != 200 || len(list.Jobs) != 1 {
		t.Fatalf("GET /api/v1/backups: %d %s", r.status, r.body)
	}
	j := list.Jobs[0]
	if j.Name != "web" || j.Instance != "prod-1" || len(j.Targets) != 2 || j.LastRun.Status != "ok" || j.LastSuccess.Size == 0 ||
		!strings.Contains(j.LastFailure.Error, "database is locked") || j.LastDrill.Status != "ok" || j.LastDrill.RestoreSeconds <= 0 {
		t.Errorf("job = %+v", j)
	}

	var runs struct {
		Runs []struct{ Kind, Status string }
	}
	r = call("GET", "/api/v1/backups/web/runs?kind=backup&limit=3", read)
	json.Unmarshal([]byte(r.body), &runs)
	if r.status != 200 || len(runs.Runs) != 3 || runs.Runs[0].Kind != "backup" || runs.Runs[2].Status != "failed" {
		t.Errorf("runs: %d %s", r.status, r.body)
	}
	var snaps struct {
		Target    string
		Snapshots []struct{ ID string }
	}
	r = call("GET", "/api/v1/backups/web/snapshots?target=offsite", read)
	json.Unmarshal([]byte(r.body), &snaps)
	if r.status != 200 || snaps.Target != "offsite" || len(snaps.Snapshots) != 4 {
		t.Errorf("snapshots: %d %s", r.status, r.body)
	}

	// Bad input: 400 or 404 that say what is wrong.
	for path, want := range map[string]string{
		"/api/v1/backups/web/runs?kind=restore":        "kind: want backup or drill",
		"/api/v1/backups/web/runs?limit=0":             "limit: want a number from 1 to 500",
		"/api/v1/backups/web/snapshots?target=nowhere": `no target "nowhere"`,
		"/api/v1/backups/nope":                         `no backup job named "nope"`,
	} {
		r := call("GET", path, read)
		var e struct{ Error struct{ Message string } }
		json.Unmarshal([]byte(r.body), &e)
		if (r.status != 400 && r.status != 404) || !strings.Contains(e.Error.Message, want) {
			t.Errorf("GET %s: %d %s, want an error about %q", path, r.status, r.body, want)
		}
	}

	// Starting runs: a read token may not; a write token starts one; a second waits its turn.
	if r := call("POST", "/api/v1/backups/web/run", read); r.status != 403 {
		t.Errorf("POST run with a read token: %d", r.status)
	}
	be.job.Pre = []backup.Hook{{Command: []string{"sh", "-c", "while [ ! -e " + be.gate + " ]; do sleep 0.01; done"}}}
	if r := call("POST", "/api/v1/backups/web/run", write); r.status != 202 {
		t.Fatalf("POST run: %d %s", r.status, r.body)
	}
	if r := call("POST", "/api/v1/backups/web/drill", write); r.status != 409 || !strings.Contains(r.body, "already running") {
		t.Errorf("POST drill while a run goes on: %d %s", r.status, r.body)
	}
	if r := call("GET", "/api/v1/backups/web", read); !strings.Contains(r.body, `"running": "backup"`) {
		t.Errorf("the job does not say it is running: %s", r.body)
	}
	os.WriteFile(be.gate, nil, 0o600)
	deadline := time.Now().Add(10 * time.Second)
	for be.svc.Running("web") != "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if r := call("GET", "/api/v1/backups/web/runs?limit=1", read); !strings.Contains(r.body, `"status": "ok"`) {
		t.Errorf("the started run did not finish ok: %s", r.body)
	}
}

func TestBrowserBackupPages(t *testing.T) {
	be := newBackupEnv(t)
	be.history(t, 14)
	be.addUser("alice")
	ctx, console := newChromium(t)
	shots := newShots(t)
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v\nbrowser console:\n%s", step, err, console.dump())
		}
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	must("log in", chromedp.Do(ctx,
		chromedp.EmulateViewport(desktopWidth, 800),
		chromedp.Navigate(be.ts.URL+"/login"),
		chromedp.SendKeys(css(`input[name="name"]`), "alice"),
		chromedp.SendKeys(css(`input[name="password"]`), password),
		chromedp.Click(css(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`nav[aria-label="Main"]`)),
		chromedp.Navigate(be.ts.URL+"/backups"),
		chromedp.WaitVisible(css(`table.backups`)),
	))
	text := func(sel string) string {
		s, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		must("reading "+sel, err)
		return s
	}
	if body := text("main"); !strings.Contains(body, "prod-1") || !strings.Contains(body, "ok") || !strings.Contains(body, "restored in") {
		t.Errorf("the backups list lacks the job, its state or its drill:\n%s", body)
	}
	shots.take(ctx, "30-backups", desktopWidth)
	must("open the job", chromedp.Do(ctx,
		chromedp.Click(css(`a[href="/backups/web"]`)),
		chromedp.WaitVisible(css(`svg.trend`)),
	))
	body := text("main")
	for _, want := range []string{"Target near", "Target offsite", "database is locked", "Back up now", "Drill now", "13 snapshots", "and 3 older"} {
		if !strings.Contains(body, want) {
			t.Errorf("the job page lacks %q:\n%s", want, body)
		}
	}
	shots.take(ctx, "31-backup-job", desktopWidth)
	must("phone", chromedp.Do(ctx, chromedp.EmulateViewport(phoneWidth, 800), chromedp.Reload(), chromedp.WaitVisible(css(`svg.trend`))))
	shots.take(ctx, "32-backup-job-phone", phoneWidth)
	must("back up now", chromedp.Do(ctx,
		chromedp.EmulateViewport(desktopWidth, 800),
		chromedp.Click(css(`button[value="backup"]`)),
		chromedp.WaitVisible(css(`.flash.ok`)),
	))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/backups/web?started=backup") {
		t.Errorf("after Back up now the browser is at %s", loc)
	}
	if v := console.violations(); len(v) > 0 {
		t.Errorf("the browser reported:\n%s", strings.Join(v, "\n"))
	}
}
