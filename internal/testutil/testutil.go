// Package testutil holds helpers shared by vigie's tests.
package testutil

import (
	"bytes"
	"os"
	"sync"
	"testing"
)

// InCI reports whether the tests run in CI, where every component must be present.
func InCI() bool { return os.Getenv("CI") == "true" }

// Need stops a test that lacks an external component (a database server, a browser...).
// In CI that is a failure, never a silent skip; on a laptop it is a skip that says what
// is missing and how to get it.
func Need(t testing.TB, component string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if InCI() {
		t.Fatalf("%s is required in CI but unavailable: %v", component, err)
	}
	t.Skipf("%s unavailable (%v); scripts/test.sh installs and starts it", component, err)
}

// LogBuffer collects log output written by server goroutines while a test reads it.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
