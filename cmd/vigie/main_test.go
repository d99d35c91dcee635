package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
	"vigie/internal/testutil"
)

// These tests build the real binary and drive it as a user would.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vigie-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "vigie")
	out, err := exec.Command("go", "build", "-race", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build vigie: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func vigie(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errOut.String()}
}

func writeConfig(t *testing.T, dir, body string) string {
	t.Helper()
	path := filepath.Join(dir, "vigie.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const goodConfig = `server:
  listen: 127.0.0.1:0
storage:
  driver: sqlite
  path: vigie.db
log:
  level: info
`

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	good := writeConfig(t, dir, goodConfig)
	if r := vigie(t, "", "config", "check", good); r.code != 0 || !strings.Contains(r.stdout, ": ok") {
		t.Fatalf("good config: %+v", r)
	}
	if r := vigie(t, "", "config", "check", "../../examples/quickstart.yaml"); r.code != 0 {
		t.Fatalf("the quickstart config must be valid: %+v", r)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("server:\n  lisen: :80\n  session_lifetime: 30x\n"), 0o600)
	r := vigie(t, "", "config", "check", bad)
	if r.code != 2 {
		t.Fatalf("bad config exit %d, want 2: %+v", r.code, r)
	}
	for _, want := range []string{bad + ":2:3: server.lisen", `did you mean "listen"`, bad + ":3:21: server.session_lifetime"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	// serve refuses the same file and starts nothing.
	if r := vigie(t, "", "serve", "--config", bad); r.code != 2 || !strings.Contains(r.stderr, "server.lisen") {
		t.Fatalf("serve with a bad config: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "vigie.db")); !os.IsNotExist(err) {
		t.Fatal("serve with a bad config created a database")
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, goodConfig)
	for _, args := range [][]string{
		{"nosuchcommand"},
		{"version", "extra"},
		{"serve", "--nosuchflag"},
		{"config", "check"},
		{"--config", cfg, "token", "create"},
		{"--config", cfg, "token", "create", "--scope", "root", "ci"},
		{"--config", cfg, "token", "revoke", "abc"},
		{"--config", cfg, "user", "add", "alice"}, // stdin is not a terminal and no --password-stdin
	} {
		if r := vigie(t, "", args...); r.code != 2 {
			t.Errorf("vigie %v: exit %d, want 2 (stderr %q)", args, r.code, r.stderr)
		}
	}
	r := vigie(t, "", "version")
	if r.code != 0 || !regexp.MustCompile(`^vigie \S+ \(commit \S+, go1\.\d+`).MatchString(r.stdout) {
		t.Fatalf("version: %+v", r)
	}
	if r := vigie(t, "", "completion", "bash"); r.code != 0 || !strings.Contains(r.stdout, "__start_vigie") {
		t.Fatalf("completion: exit %d", r.code)
	}
}

// server is a running `vigie serve` child process.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string
	logs *testutil.LogBuffer
	done chan error
}

var addrRE = regexp.MustCompile(`msg="vigie serving" addr=(\S+)`)

func startServer(t *testing.T, config string) *server {
	t.Helper()
	s := &server{t: t, logs: &testutil.LogBuffer{}, done: make(chan error, 1)}
	s.cmd = exec.Command(binary, "serve", "--config", config)
	pr, pw := io.Pipe()
	s.cmd.Stderr = io.MultiWriter(s.logs, pw)
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait(); pw.Close() }()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := addrRE.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		s.url = "http://" + a
	case err := <-s.done:
		t.Fatalf("serve exited early: %v\n%s", err, s.logs.String())
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		t.Fatalf("serve did not start:\n%s", s.logs.String())
	}
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
	})
	s.waitReady()
	return s
}

func (s *server) waitReady() {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get(s.url + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("/readyz never turned ready:\n%s", s.logs.String())
}

func (s *server) call(method, path, token string, body any) (int, map[string]any) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer r.Body.Close()
	var out map[string]any
	json.NewDecoder(r.Body).Decode(&out)
	return r.StatusCode, out
}

func (s *server) signal(sig os.Signal) {
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
}

func (s *server) wait(timeout time.Duration) (int, error) {
	select {
	case err := <-s.done:
		s.done <- err
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), nil
		}
		return 0, err
	case <-time.After(timeout):
		return -1, fmt.Errorf("did not exit within %s", timeout)
	}
}

func TestServeLifecycle(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, goodConfig)
	const pw = "a long enough passphrase"
	if r := vigie(t, pw+"\n", "--config", cfg, "user", "add", "alice", "--password-stdin"); r.code != 0 {
		t.Fatalf("user add: %+v", r)
	}
	r := vigie(t, "", "--config", cfg, "token", "create", "--scope", "admin", "ops")
	token := strings.TrimSpace(r.stdout)
	if r.code != 0 || !strings.HasPrefix(token, "vigie_") {
		t.Fatalf("token create: %+v", r)
	}

	s := startServer(t, cfg)
	if code, body := s.call("GET", "/api/v1/whoami", token, nil); code != 200 || body["token"] != "ops" || body["scope"] != "admin" {
		t.Fatalf("whoami: %d %v", code, body)
	}
	// The CLI works beside the running server on the same SQLite file.
	if r := vigie(t, "", "--config", cfg, "user", "list", "--json"); r.code != 0 || !strings.Contains(r.stdout, `"name": "alice"`) {
		t.Fatalf("user list: %+v", r)
	}
	if r := vigie(t, "", "--config", cfg, "migrate", "status"); r.code != 0 || !strings.Contains(r.stdout, "0 pending") {
		t.Fatalf("migrate status: %+v", r)
	}

	// SIGHUP with a broken file: rejected, and the server keeps running as it was.
	os.WriteFile(cfg, []byte(goodConfig+"retention:\n  raw: 30x\n"), 0o600)
	s.signal(syscall.SIGHUP)
	waitFor(t, func() bool { return strings.Contains(s.logs.String(), "configuration reload rejected") }, s.logs)
	if !strings.Contains(s.logs.String(), "retention.raw") {
		t.Fatalf("the rejection does not say what is wrong:\n%s", s.logs.String())
	}
	if code, body := s.call("GET", "/api/v1/health", token, nil); code != 200 || body["last_reload"].(map[string]any)["error"] == nil {
		t.Fatalf("health after a rejected reload: %d %v", code, body)
	}
	// The same through the API is a 400 that lists the problem.
	if code, body := s.call("POST", "/api/v1/reload", token, nil); code != 400 || !strings.Contains(fmt.Sprint(body), "retention.raw") {
		t.Fatalf("API reload of a bad file: %d %v", code, body)
	}
	os.WriteFile(cfg, []byte(strings.Replace(goodConfig, "level: info", "level: debug", 1)), 0o600)
	if code, body := s.call("POST", "/api/v1/reload", token, nil); code != 200 {
		t.Fatalf("API reload of a good file: %d %v", code, body)
	}
	s.signal(syscall.SIGHUP)
	waitFor(t, func() bool { return strings.Count(s.logs.String(), "configuration reloaded") == 2 }, s.logs)

	s.signal(syscall.SIGTERM)
	if code, err := s.wait(20 * time.Second); err != nil || code != 0 {
		t.Fatalf("SIGTERM: exit %d, %v\n%s", code, err, s.logs.String())
	}
	logs := s.logs.String()
	if !strings.Contains(logs, "vigie stopped") {
		t.Fatalf("no orderly stop:\n%s", logs)
	}
	for _, secret := range []string{token, pw} {
		if strings.Contains(logs, secret) {
			t.Fatalf("a secret reached the logs: %q", secret)
		}
	}
}

// TestKillLosesNoCommittedWrite SIGKILLs the server while clients write through the API,
// then checks the database is intact and holds every write the server acknowledged.
func TestKillLosesNoCommittedWrite(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, goodConfig)
	token := strings.TrimSpace(vigie(t, "", "--config", cfg, "token", "create", "--scope", "admin", "writer").stdout)
	dbPath := filepath.Join(dir, "vigie.db")

	for round := range 3 {
		s := startServer(t, cfg)
		var acked sync.Map
		var n atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				client := &http.Client{Timeout: 5 * time.Second}
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					name := fmt.Sprintf("r%d-w%d-%d", round, w, i)
					body := strings.NewReader(fmt.Sprintf(`{"name": %q, "scope": "read"}`, name))
					req, _ := http.NewRequest("POST", s.url+"/api/v1/tokens", body)
					req.Header.Set("Authorization", "Bearer "+token)
					r, err := client.Do(req)
					if err != nil {
						return // the server is gone
					}
					r.Body.Close()
					if r.StatusCode == 201 {
						acked.Store(name, true)
						n.Add(1)
					}
				}
			})
		}
		for n.Load() < int64(60*(round+1)) {
			time.Sleep(5 * time.Millisecond)
		}
		s.signal(syscall.SIGKILL)
		close(stop)
		wg.Wait()
		s.wait(10 * time.Second)

		db, err := sql.Open("sqlite", dbPath)
		if err != nil {
			t.Fatal(err)
		}
		var integrity string
		if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
			t.Fatalf("round %d: integrity_check = %q, %v", round, integrity, err)
		}
		stored := map[string]bool{}
		rows, err := db.Query(`SELECT name FROM api_tokens`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name string
			rows.Scan(&name)
			stored[name] = true
		}
		rows.Close()
		db.Close()
		lost := 0
		acked.Range(func(k, _ any) bool {
			if !stored[k.(string)] {
				lost++
			}
			return true
		})
		if lost > 0 {
			t.Fatalf("round %d: %d of %d acknowledged writes lost", round, lost, n.Load())
		}
		t.Logf("round %d: %d acknowledged writes, all present after SIGKILL", round, n.Load())
	}
	// And the server starts again on the same file.
	startServer(t, cfg)
}

func waitFor(t *testing.T, cond func() bool, logs *testutil.LogBuffer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met in time; logs:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
