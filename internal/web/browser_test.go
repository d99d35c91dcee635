package web_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"vigie/internal/alert"
	"vigie/internal/auth"
	"vigie/internal/testutil"
)

const (
	desktopWidth = 1280
	phoneWidth   = 390
)

// TestBrowserLogin drives headless Chromium through the admin UI: log in, look at the
// overview, the users and the tokens, create a token. It writes full-page screenshots to
// the artifact folder so people can look at the pages, and fails when the browser reports
// a Content Security Policy violation (an inline style or script slipped into a template).
func TestBrowserLogin(t *testing.T) {
	ctx, console := newChromium(t)

	shots := newShots(t)
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v\nbrowser console:\n%s", step, err, console.dump())
		}
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	// First run: no user yet, so the login page points to /setup.
	first := newEnv(t, false)
	must("open /setup", chromedp.Do(ctx,
		chromedp.EmulateViewport(desktopWidth, 800),
		chromedp.Navigate(first.ts.URL+"/login"),
		chromedp.Click(css(`a[href="/setup"]`)),
		chromedp.WaitVisible(css(`form[action="/setup"]`)),
	))
	shots.take(ctx, "00-setup", desktopWidth)

	e := newEnv(t, false)
	e.addUser("alice")
	e.addUser("bob")
	e.token(auth.ScopeRead) // so the tokens table has rows besides the one we create
	e.token(auth.ScopeAdmin)
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		must("reading "+sel, err)
		return s
	}

	// Log in.
	must("open /login", chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/login"),
		chromedp.WaitVisible(css(`form[action="/login"]`)),
	))
	shots.take(ctx, "01-login", desktopWidth)
	must("log in", chromedp.Do(ctx,
		chromedp.SendKeys(css(`input[name="name"]`), "alice"),
		chromedp.SendKeys(css(`input[name="password"]`), password),
		chromedp.Click(css(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`nav[aria-label="Main"]`)),
	))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	must("location", err)
	if loc != e.ts.URL+"/" {
		t.Fatalf("after login the browser is at %s, want the overview", loc)
	}
	if body := text("main"); !strings.Contains(body, "Database migrations") || !strings.Contains(body, "Reachable") {
		t.Fatalf("overview lacks the store health or the migrations:\n%s", body)
	}
	shots.take(ctx, "02-overview", desktopWidth)

	// Users.
	must("open /users", chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/users"),
		chromedp.WaitVisible(css(`form[action="/users"]`)),
	))
	if body := text("main"); !strings.Contains(body, "alice") || !strings.Contains(body, "bob") {
		t.Fatalf("users page lacks alice or bob:\n%s", body)
	}
	shots.take(ctx, "03-users", desktopWidth)

	// Tokens: create one through the form; the page shows it once.
	must("create a token", chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/tokens"),
		chromedp.WaitVisible(css(`form[action="/tokens"]`)),
		chromedp.SendKeys(css(`form[action="/tokens"] input[name="name"]`), "grafana"),
		chromedp.Click(css(`input[name="scope"][value="write"]`)),
		chromedp.Click(css(`form[action="/tokens"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`pre.secret`)),
	))
	if h := text(".created h2"); !strings.Contains(h, "grafana") {
		t.Fatalf("created-token heading is %q", h)
	}
	secret := strings.TrimSpace(text("pre.secret"))
	if !strings.HasPrefix(secret, auth.TokenPrefix) || len(secret) < len(auth.TokenPrefix)+20 {
		t.Fatalf("one-time token text is %q", secret)
	}
	if _, err := e.auth.AuthenticateToken(context.Background(), secret); err != nil {
		t.Fatalf("the token shown does not authenticate: %v", err)
	}
	shots.take(ctx, "04-tokens-created", desktopWidth)

	// Alerts: two open, one acknowledged through its button.
	down := e.openAlert("shop", "down")
	e.openAlert("api-gateway", alert.KindCert)
	must("acknowledge an alert", chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/alerts"),
		chromedp.Click(css(fmt.Sprintf(`form[action="/alerts/%d/ack"] button`, down.ID))),
		chromedp.WaitVisible(css(`.flash.ok`)),
	))
	if got, _ := e.store.AlertByID(context.Background(), down.ID); got.AckedBy != "alice" {
		t.Fatalf("the Acknowledge button left the alert %+v", got)
	}
	shots.take(ctx, "04b-alerts", desktopWidth)

	// The same page in the dark theme, then on a phone with the other pages.
	must("dark theme", chromedp.Do(ctx, colorScheme("dark")))
	shots.take(ctx, "05-tokens-created-dark", desktopWidth)
	must("phone viewport", chromedp.Do(ctx,
		colorScheme(""),
		chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile, chromedp.EmulateTouch),
	))
	shots.take(ctx, "06-tokens-created-phone", phoneWidth)
	for _, p := range []struct{ path, name string }{{"/", "07-overview-phone"}, {"/users", "08-users-phone"}, {"/alerts", "09-alerts-phone"}} {
		must("open "+p.path+" on a phone", chromedp.Do(ctx,
			chromedp.Navigate(e.ts.URL+p.path),
			chromedp.WaitVisible(css(`nav[aria-label="Main"]`)),
		))
		shots.take(ctx, p.name, phoneWidth)
	}

	// A violation is reported while the page loads; give the last page's messages a moment.
	must("settle", chromedp.Do(ctx, chromedp.Sleep(200*time.Millisecond)))
	if v := console.violations(); len(v) > 0 {
		t.Fatalf("the browser reported %d Content Security Policy violation(s):\n%s", len(v), strings.Join(v, "\n"))
	}
	if t.Failed() {
		t.Logf("browser console:\n%s", console.dump())
	}
}

// colorScheme emulates prefers-color-scheme ("light" or "dark"; "" ends the emulation).
func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	})
}

// newChromium starts headless Chromium for the test and returns its tab's context (bounded
// to 60 s) and a record of everything the tab wrote to its console.
func newChromium(t *testing.T) (context.Context, *consoleLog) {
	t.Helper()
	execPath := os.Getenv("CHROMIUM")
	if execPath == "" {
		execPath = "/usr/bin/chromium"
	}
	_, err := exec.LookPath(execPath)
	testutil.Need(t, "Chromium", err)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	out := &testutil.LogBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests may run as root
		chromedp.NoFirstRun,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.CombinedOutput(out),
	)
	allocCtx, allocCancel := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, tabCancel := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	// Cleanups run last-in first-out: close the tab, then wait for the browser to exit,
	// then (t.TempDir's own cleanup, registered earlier) remove its profile.
	t.Cleanup(allocCancel)
	t.Cleanup(tabCancel)

	c := &consoleLog{}
	if err := chromedp.Listen(tabCtx, c.record); err != nil {
		t.Fatalf("starting Chromium (%s): %v\n%s", execPath, err, out.String())
	}
	return tabCtx, c
}

// consoleLog keeps what the page wrote to the console and the browser's log.
type consoleLog struct {
	mu    sync.Mutex
	lines []string
}

// record runs on the tab's event loop: it must be quick and must not call the browser.
func (c *consoleLog) record(ev any) {
	var line string
	switch ev := ev.(type) {
	case *cdplog.EventEntryAdded:
		line = fmt.Sprintf("log %s/%s: %s %s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text, ev.Entry.URL)
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range ev.Args {
			switch {
			case len(a.Value) > 0:
				parts = append(parts, string(a.Value))
			case a.Description != "":
				parts = append(parts, a.Description)
			}
		}
		line = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " "))
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		line = "exception: " + d.Text
		if d.Exception != nil {
			line += " " + d.Exception.Description
		}
	default:
		return
	}
	c.mu.Lock()
	c.lines = append(c.lines, line)
	c.mu.Unlock()
}

func (c *consoleLog) violations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var v []string
	for _, l := range c.lines {
		if strings.Contains(l, "Content Security Policy") || strings.HasPrefix(l, "exception:") {
			v = append(v, l)
		}
	}
	return v
}

func (c *consoleLog) dump() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.lines) == 0 {
		return "(empty)"
	}
	return strings.Join(c.lines, "\n")
}

// shots writes screenshots to $VIGIE_ARTIFACTS, or to .artifacts/screenshots at the root
// of the repository.
type shots struct {
	t   *testing.T
	dir string
}

func newShots(t *testing.T) *shots {
	t.Helper()
	dir := os.Getenv("VIGIE_ARTIFACTS")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(root, ".artifacts", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &shots{t: t, dir: dir}
}

// take captures the whole page (beyond the viewport), checks that it is a sane PNG of the
// expected width, and writes it as name.png.
func (s *shots) take(ctx context.Context, name string, width int) {
	s.t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	if len(buf) == 0 {
		s.t.Fatalf("screenshot %s is empty", name)
	}
	// Written before the checks, so that a wrong picture can be looked at.
	path := filepath.Join(s.dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		s.t.Fatal(err)
	}
	s.t.Logf("screenshot: %s", path)
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		s.t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	if b := img.Bounds(); b.Dx() != width || b.Dy() < 300 || b.Dy() > 20000 {
		s.t.Fatalf("screenshot %s is %dx%d, want %d wide (nothing wider than the viewport) and a sane height",
			name, b.Dx(), b.Dy(), width)
	}
}

// repoRoot finds the directory that holds go.mod, from the working directory upward.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
