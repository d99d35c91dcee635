package main

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"

	"vigie/internal/testutil"
)

// backupSetup is a job over a tree of incompressible files, written to two local targets,
// with the age key that reads it.
type backupSetup struct {
	dir, cfg, key, data string
	targets             []string
}

func newBackupSetup(t *testing.T) *backupSetup {
	t.Helper()
	dir := t.TempDir()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	s := &backupSetup{dir: dir, key: filepath.Join(dir, "key.txt"), data: filepath.Join(dir, "data")}
	if err := os.WriteFile(s.key, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 24 {
		sub := filepath.Join(s.data, "d"+string(rune('a'+i%4)))
		os.MkdirAll(sub, 0o755)
		b := make([]byte, 256<<10+i*4096)
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		if err := os.WriteFile(filepath.Join(sub, "f"+string(rune('a'+i))+".bin"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(s.data, "odd name\twith tab.txt"), []byte("odd\n"), 0o640)
	os.Symlink("da/fa.bin", filepath.Join(s.data, "link"))
	s.targets = []string{filepath.Join(dir, "near"), filepath.Join(dir, "far")}
	for _, d := range s.targets {
		os.Mkdir(d, 0o700)
	}
	s.cfg = writeConfig(t, dir, `storage: {path: vigie.db}
backups:
  jobs:
    - name: web
      instance: prod-1
      recipients: [`+id.Recipient().String()+`]
      sources:
        - {name: www, type: paths, paths: {roots: [`+s.data+`]}}
      targets:
        - {name: near, type: local, local: {dir: `+s.targets[0]+`}, retention: {keep_last: 3}}
        - {name: far, type: local, local: {dir: `+s.targets[1]+`}}
      drill: {identity_file: key.txt}
`)
	return s
}

// Killing `vigie backup run` at any moment never leaves a listed snapshot that fails
// verification, and the next run succeeds and removes the leftovers.
func TestBackupKilledAtRandomPoints(t *testing.T) {
	s := newBackupSetup(t)
	start := time.Now()
	if r := vigie(t, "", "-c", s.cfg, "backup", "run", "web"); r.code != 0 {
		t.Fatalf("first run: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	full := time.Since(start)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	const rounds = 12
	killed := 0
	for round := range rounds {
		cmd := exec.Command(binary, "-c", s.cfg, "backup", "run", "web")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int64N(int64(full) * 6 / 5)))
		cmd.Process.Signal(syscall.SIGKILL)
		if err := cmd.Wait(); err != nil {
			killed++
		}
		for _, target := range []string{"near", "far"} {
			r := vigie(t, "", "-c", s.cfg, "backup", "verify", "web", "--all", "--target", target, "-i", s.key)
			if r.code != 0 && !strings.Contains(r.stderr, "no snapshot") {
				t.Fatalf("round %d, %s: a listed snapshot fails verification:\n%s%s\nthe killed run said:\n%s", round, target, r.stdout, r.stderr, out.String())
			}
		}
	}
	t.Logf("%d of %d runs killed before they ended (a full run takes %s)", killed, rounds, full.Round(time.Millisecond))
	if killed == 0 {
		t.Fatal("no run was killed: the test proved nothing")
	}

	r := vigie(t, "", "-c", s.cfg, "backup", "run", "web")
	if r.code != 0 || !strings.Contains(r.stdout, ": ok in") {
		t.Fatalf("the run after the kills: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, dir := range s.targets {
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			name := d.Name()
			switch {
			case strings.HasPrefix(name, ".vigie-tmp"):
				t.Errorf("temporary left: %s", p)
			case strings.HasSuffix(name, ".tar.zst.age"):
				if _, err := os.Stat(strings.TrimSuffix(p, ".tar.zst.age") + ".manifest.age"); err != nil {
					t.Errorf("data without a manifest left: %s", p)
				}
			case name == "lock.json":
				t.Errorf("lock left: %s", p)
			}
			return nil
		})
	}
	if n := len(listIDs(t, s, "near")); n != 3 {
		t.Errorf("near keeps %d snapshots, want 3 (keep_last)", n)
	}
	if r := vigie(t, "", "-c", s.cfg, "backup", "drill", "web"); r.code != 0 {
		t.Errorf("drill after the kills: %s%s", r.stdout, r.stderr)
	}
}

func listIDs(t *testing.T, s *backupSetup, target string) []string {
	t.Helper()
	r := vigie(t, "", "-c", s.cfg, "backup", "list", "web", "--target", target)
	if r.code != 0 {
		t.Fatalf("list: %s", r.stderr)
	}
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n")[1:] {
		ids = append(ids, strings.Fields(line)[3])
	}
	return ids
}

// A snapshot restores with vigie and with the plain tools alike, into identical files.
func TestBackupRestoresWithVigieAndPlainTools(t *testing.T) {
	for _, tool := range []string{"age", "zstd", "tar"} {
		_, err := exec.LookPath(tool)
		testutil.Need(t, tool+" (apt-get install age zstd tar)", err)
	}
	s := newBackupSetup(t)
	if r := vigie(t, "", "-c", s.cfg, "backup", "run", "web"); r.code != 0 {
		t.Fatalf("run: %s%s", r.stdout, r.stderr)
	}
	id := listIDs(t, s, "far")[0]
	byVigie := filepath.Join(s.dir, "by-vigie")
	if r := vigie(t, "", "-c", s.cfg, "backup", "restore", "web", id, "--target", "far", "--to", byVigie, "-i", s.key); r.code != 0 {
		t.Fatalf("restore: %s", r.stderr)
	}
	byTools := filepath.Join(s.dir, "by-tools")
	os.MkdirAll(byTools, 0o755)
	obj := filepath.Join(s.targets[1], "web/prod-1", id+".tar.zst.age")
	pipeline := exec.Command("sh", "-c", `age -d -i "$1" "$2" | zstd -d | tar x -C "$3"`, "sh", s.key, obj, byTools)
	if out, err := pipeline.CombinedOutput(); err != nil {
		t.Fatalf("age | zstd | tar: %v\n%s", err, out)
	}
	inSnapshot := "files/www" + s.data
	for _, root := range []string{byVigie, byTools} {
		err := filepath.WalkDir(s.data, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(s.data, p)
			got := filepath.Join(root, inSnapshot, rel)
			wi, _ := os.Lstat(p)
			gi, err := os.Lstat(got)
			if err != nil {
				t.Errorf("%s: %s missing", root, rel)
				return nil
			}
			if wi.Mode() != gi.Mode() {
				t.Errorf("%s: %s mode %s, want %s", root, rel, gi.Mode(), wi.Mode())
			}
			switch {
			case wi.Mode().IsRegular():
				a, _ := os.ReadFile(p)
				b, _ := os.ReadFile(got)
				if !bytes.Equal(a, b) {
					t.Errorf("%s: %s differs", root, rel)
				}
			case wi.Mode()&os.ModeSymlink != 0:
				a, _ := os.Readlink(p)
				b, _ := os.Readlink(got)
				if a != b {
					t.Errorf("%s: link %s -> %s, want %s", root, rel, b, a)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
