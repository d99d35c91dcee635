package backup_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"vigie/internal/backup"
	"vigie/internal/backup/retention"
	"vigie/internal/backup/snapshot"
	"vigie/internal/backup/source"
	"vigie/internal/backup/target"
	"vigie/internal/backup/target/local"
	"vigie/internal/clock"
	"vigie/internal/testutil"
)

// fixture is a job over a small tree of files, two local targets, its keys and a runner.
type fixture struct {
	job    *backup.Job
	runner *backup.Runner
	ids    snapshot.Identities
	keys   backup.Keys
	clock  *clock.Fake
	data   string
	dirs   []string
	logs   *testutil.LogBuffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := snapshot.ParseRecipients([]string{id.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := snapshot.ParseIdentities([]byte(id.String()), nil)
	if err != nil {
		t.Fatal(err)
	}
	signing, err := snapshot.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	writeTree(t, data, map[string]string{"www/index.html": "<h1>hello</h1>", "www/img/logo.svg": "<svg/>", "conf/app.ini": "debug=false\n"})
	src, err := source.NewPaths("files", source.PathsConfig{Paths: []string{data}})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{ids: ids, keys: backup.Keys{Signing: signing}, data: data, clock: clock.NewFake(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)),
		logs: &testutil.LogBuffer{}}
	f.job = &backup.Job{Name: "web", Instance: "prod-1", Sources: []source.Source{src}, Encryption: enc}
	for _, name := range []string{"near", "far"} {
		dir := t.TempDir()
		f.dirs = append(f.dirs, dir)
		f.job.Targets = append(f.job.Targets, backup.TargetSpec{Name: name, Open: func(context.Context) (target.Target, error) { return local.New(dir) }})
	}
	f.runner = &backup.Runner{Keys: f.keys, Clock: f.clock, Logger: slog.New(slog.NewTextHandler(f.logs, nil)), Version: "test"}
	return f
}

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) open(t *testing.T, i int) target.Target {
	t.Helper()
	tg, err := f.job.Targets[i].Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func (f *fixture) snapshots(t *testing.T, i int) []backup.Snapshot {
	t.Helper()
	snaps, err := backup.List(context.Background(), f.open(t, i), f.job.Location())
	if err != nil {
		t.Fatal(err)
	}
	return snaps
}

func TestBackupToTwoTargetsRestoresIdentically(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	run, err := f.runner.Backup(ctx, f.job)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != backup.StatusOK || run.Entries == 0 || run.Size == 0 || len(run.Targets) != 2 || !run.Targets[0].OK || !run.Targets[1].OK {
		t.Fatalf("run = %+v", run)
	}
	for i := range f.job.Targets {
		snaps := f.snapshots(t, i)
		if len(snaps) != 1 || snaps[0].ID != run.Snapshot || snaps[0].Size != run.Size {
			t.Fatalf("target %d lists %+v, want the run's snapshot %s", i, snaps, run.Snapshot)
		}
		dir := t.TempDir()
		st, err := backup.Restore(ctx, f.open(t, i), snaps[0], f.keys, f.ids, dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st.Entries != run.Entries {
			t.Errorf("restored %d entries, wrote %d", st.Entries, run.Entries)
		}
		restored := filepath.Join(dir, "files", "files", strings.TrimPrefix(f.data, "/"))
		for _, name := range []string{"www/index.html", "www/img/logo.svg", "conf/app.ini"} {
			want, _ := os.ReadFile(filepath.Join(f.data, name))
			got, err := os.ReadFile(filepath.Join(restored, name))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("target %d: %s restored as %q (%v), want %q", i, name, got, err, want)
			}
		}
	}
	// Only the selected path comes back when one is asked for.
	dir := t.TempDir()
	only := "files/files/" + strings.TrimPrefix(f.data, "/") + "/conf/app.ini"
	if _, err := backup.Restore(ctx, f.open(t, 0), f.snapshots(t, 0)[0], f.keys, f.ids, dir, []string{only}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, only)); err != nil {
		t.Errorf("selected path not restored: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "files/files", strings.TrimPrefix(f.data, "/"), "www/index.html")); err == nil {
		t.Error("a path that was not asked for was restored")
	}
}

func TestOneTargetDownIsPartial(t *testing.T) {
	f := newFixture(t)
	f.job.Targets[1].Open = func(context.Context) (target.Target, error) { return nil, errors.New("connection refused") }
	run, err := f.runner.Backup(context.Background(), f.job)
	if err != nil {
		t.Fatalf("a run that reached one target returned %v", err)
	}
	if run.Status != backup.StatusPartial || !strings.Contains(run.Error, "far: connection refused") {
		t.Errorf("status %s, error %q", run.Status, run.Error)
	}
	if n := len(f.snapshots(t, 0)); n != 1 {
		t.Errorf("the reachable target has %d snapshots", n)
	}
	f.job.Targets[0].Open = f.job.Targets[1].Open
	run, err = f.runner.Backup(context.Background(), f.job)
	if err == nil || run.Status != backup.StatusFailed {
		t.Errorf("no target reachable: status %s, err %v", run.Status, err)
	}
}

func TestFailedSourceLeavesNothingListedAndNextRunCleansUp(t *testing.T) {
	f := newFixture(t)
	bad, err := source.NewCommand("dump", source.CommandConfig{Command: []string{"sh", "-c", "head -c 300000 /dev/urandom; echo boom >&2; exit 3"}})
	if err != nil {
		t.Fatal(err)
	}
	good := f.job.Sources
	f.job.Sources = append(slices.Clone(good), bad)
	run, err := f.runner.Backup(context.Background(), f.job)
	if err == nil || run.Status != backup.StatusFailed || !strings.Contains(run.Error, "boom") {
		t.Fatalf("status %s err %v", run.Status, err)
	}
	for i := range f.job.Targets {
		if snaps := f.snapshots(t, i); len(snaps) != 0 {
			t.Fatalf("a failed run is listed: %+v", snaps)
		}
	}
	// A run killed after writing its data but before its manifest leaves an orphan; the next
	// run removes it.
	orphan := filepath.Join(f.dirs[0], "web/prod-1/20261101T000000Z-abcdef.tar.zst.age")
	writeTree(t, f.dirs[0], map[string]string{"web/prod-1/20261101T000000Z-abcdef.tar.zst.age": "half", "web/prod-1/20261101T000000Z-abcdef.manifest.sig": "sig"})
	f.job.Sources = good
	f.clock.Advance(time.Hour)
	run, err = f.runner.Backup(context.Background(), f.job)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Errorf("orphan still there: %v", err)
	}
	if !slices.ContainsFunc(run.Warnings, func(w string) bool { return strings.Contains(w, "leftovers") }) {
		t.Errorf("warnings %q do not tell about the leftovers", run.Warnings)
	}
	entries, _ := os.ReadDir(f.dirs[0])
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".vigie-tmp") {
			t.Errorf("temporary %s left", e.Name())
		}
	}
}

func TestRetentionAfterEachRun(t *testing.T) {
	f := newFixture(t)
	f.job.Targets[0].Retention = retention.Policy{Last: 2}
	var ids []string
	for range 4 {
		run, err := f.runner.Backup(context.Background(), f.job)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, run.Snapshot)
		f.clock.Advance(24 * time.Hour)
	}
	var got []string
	for _, s := range f.snapshots(t, 0) {
		got = append(got, s.ID)
	}
	if !slices.Equal(got, ids[2:]) {
		t.Errorf("near keeps %v, want the two newest %v", got, ids[2:])
	}
	if n := len(f.snapshots(t, 1)); n != 4 {
		t.Errorf("far has no policy and keeps %d of 4", n)
	}
	plan, err := backup.Plan(context.Background(), f.open(t, 1), f.job.Location(), retention.Policy{Daily: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) != 4 || !plan[0].Keep || plan[1].Keep || plan[0].Snapshot.ID != ids[3] {
		t.Errorf("plan = %+v", plan)
	}
}

func TestHooks(t *testing.T) {
	f := newFixture(t)
	out := filepath.Join(t.TempDir(), "post.env")
	f.job.Pre = []backup.Hook{{Command: []string{"sh", "-c", "echo stopping; exit 4"}}}
	f.job.Post = []backup.Hook{{Command: []string{"sh", "-c", "env | grep VIGIE_BACKUP_ > " + out}}}
	run, err := f.runner.Backup(context.Background(), f.job)
	if err == nil || !strings.Contains(run.Error, "pre hook sh: exit status 4: stopping") {
		t.Fatalf("a failing pre hook: %v", err)
	}
	if len(f.snapshots(t, 0)) != 0 {
		t.Error("a snapshot was taken although the pre hook failed")
	}
	f.job.Pre = []backup.Hook{{Command: []string{"sleep", "5"}, Timeout: 100 * time.Millisecond}}
	if run, _ := f.runner.Backup(context.Background(), f.job); !strings.Contains(run.Error, "timed out after 100ms") {
		t.Errorf("a slow pre hook: %q", run.Error)
	}
	f.job.Pre = nil
	run, err = f.runner.Backup(context.Background(), f.job)
	if err != nil {
		t.Fatal(err)
	}
	env, _ := os.ReadFile(out)
	for _, want := range []string{"VIGIE_BACKUP_JOB=web", "VIGIE_BACKUP_SNAPSHOT=" + run.Snapshot, "VIGIE_BACKUP_STATUS=ok"} {
		if !strings.Contains(string(env), want) {
			t.Errorf("post hook environment lacks %s:\n%s", want, env)
		}
	}
	f.job.Post = []backup.Hook{{Command: []string{"false"}}}
	if run, err := f.runner.Backup(context.Background(), f.job); err != nil || run.Status != backup.StatusPartial {
		t.Errorf("a failing post hook after a good snapshot: status %s, err %v", run.Status, err)
	}
}

func TestVerifyCatchesWrongKeysAndTampering(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.runner.Backup(ctx, f.job); err != nil {
		t.Fatal(err)
	}
	tg := f.open(t, 0)
	s := f.snapshots(t, 0)[0]
	if _, st, err := backup.Verify(ctx, tg, s, f.keys, f.ids); err != nil || st.Entries == 0 {
		t.Fatalf("verify: %v %+v", err, st)
	}
	other, _ := age.GenerateX25519Identity()
	otherIDs, _ := snapshot.ParseIdentities([]byte(other.String()), nil)
	if _, _, err := backup.Verify(ctx, tg, s, f.keys, otherIDs); !errors.Is(err, snapshot.ErrWrongKey) {
		t.Errorf("wrong key: %v", err)
	}
	stranger, _ := snapshot.GenerateSigningKey()
	if _, _, err := backup.Verify(ctx, tg, s, backup.Keys{Trusted: []ed25519.PublicKey{stranger.Public().(ed25519.PublicKey)}}, f.ids); !errors.Is(err, snapshot.ErrBadSignature) {
		t.Errorf("untrusted signer: %v", err)
	}
	data := filepath.Join(f.dirs[0], "web/prod-1", s.ID+".tar.zst.age")
	b, _ := os.ReadFile(data)
	b[len(b)/2] ^= 0x01
	os.Chmod(data, 0o600)
	if err := os.WriteFile(data, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := backup.Verify(ctx, tg, s, f.keys, f.ids); !errors.Is(err, snapshot.ErrTampered) {
		t.Errorf("flipped byte in the data: %v", err)
	}
	// The same with a drill: it fails and says why.
	f.job.Drill = &backup.Drill{Identities: f.ids}
	run, err := f.runner.Drill(ctx, f.job)
	if err == nil || run.Status != backup.StatusFailed || !strings.Contains(run.Error, "tampered") {
		t.Errorf("drill on a tampered snapshot: %v (%+v)", err, run)
	}
	// A manifest of another snapshot put in this one's place is caught too.
	f.clock.Advance(time.Hour)
	if _, err := f.runner.Backup(ctx, f.job); err != nil {
		t.Fatal(err)
	}
	snaps := f.snapshots(t, 1)
	a, b2 := snaps[0], snaps[1]
	for _, suffix := range []string{".manifest.age", ".manifest.sig"} {
		content, _ := os.ReadFile(filepath.Join(f.dirs[1], "web/prod-1", b2.ID+suffix))
		p := filepath.Join(f.dirs[1], "web/prod-1", a.ID+suffix)
		os.Chmod(p, 0o600)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := backup.Verify(ctx, f.open(t, 1), a, f.keys, f.ids); !errors.Is(err, snapshot.ErrTampered) {
		t.Errorf("swapped manifest: %v", err)
	}
}

func TestDrillRestoresSQLiteAndQuestionsIt(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "app.db")
	sqlite(t, dbPath, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada'), ('grace'), ('linus');")
	db, err := source.NewSQLite("app", source.SQLiteConfig{Path: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	f.job.Sources = append(f.job.Sources, db)
	expect, _ := backup.ParseExpectation(">= 3")
	f.job.Drill = &backup.Drill{Target: "far", Identities: f.ids, Databases: []backup.DrillDatabase{{Source: "app", Type: source.TypeSQLite, Query: "SELECT count(*) FROM users", Expect: expect}}}
	if _, err := f.runner.Backup(ctx, f.job); err != nil {
		t.Fatal(err)
	}
	run, err := f.runner.Drill(ctx, f.job)
	if err != nil || run.Status != backup.StatusOK || run.Restore <= 0 || run.Targets[0].Name != "far" || run.Entries == 0 {
		t.Fatalf("drill: %v %+v", err, run)
	}
	f.job.Drill.Databases[0].Expect, _ = backup.ParseExpectation("> 3")
	run, err = f.runner.Drill(ctx, f.job)
	if err == nil || !strings.Contains(run.Error, "answered 3, expected > 3") {
		t.Errorf("a failing smoke query: %v", err)
	}
	f.job.Drill.Databases[0].Query = "SELECT count(*) FROM nope"
	if run, _ := f.runner.Drill(ctx, f.job); !strings.Contains(run.Error, "no such table") {
		t.Errorf("a broken smoke query: %q", run.Error)
	}
}

func sqlite(t *testing.T, path, script string) {
	t.Helper()
	_, err := exec.LookPath("sqlite3")
	testutil.Need(t, "sqlite3 (apt-get install sqlite3)", err)
	cmd := exec.Command("sqlite3", path)
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sqlite3: %v\n%s", err, out)
	}
}
