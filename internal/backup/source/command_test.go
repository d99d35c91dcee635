package source

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestCommandSource(t *testing.T) {
	needBinary(t, "sh")
	dir := t.TempDir()
	src, err := NewCommand("export", CommandConfig{
		Command: []string{"sh", "-c", `printf 'hello %s\n' "$WHO"; pwd; echo noise >&2`},
		Env:     map[string]string{"WHO": "world"},
		Dir:     dir,
	})
	if err != nil {
		t.Fatal(err)
	}
	if src.Name() != "export" || src.Type() != TypeCommand {
		t.Errorf("Name, Type = %q, %q", src.Name(), src.Type())
	}
	sink := newMemSink()
	stats, err := src.Write(context.Background(), sink)
	if err != nil {
		t.Fatal(err)
	}
	want := "hello world\n" + dir + "\n"
	if got := string(sink.data["cmd/export.out"]); got != want || stats.Bytes != int64(len(want)) || stats.Entries != 1 {
		t.Errorf("stored %q (stats %+v), want %q", got, stats, want)
	}
	if sink.modes["cmd/export.out"] != 0o600 {
		t.Errorf("mode %o", sink.modes["cmd/export.out"])
	}

	src, err = NewCommand("export", CommandConfig{Command: []string{"echo", "{}"}, Output: "sub/data.json"})
	if err != nil {
		t.Fatal(err)
	}
	sink = newMemSink()
	if _, err := src.Write(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if got := string(sink.data["cmd/sub/data.json"]); got != "{}\n" {
		t.Errorf("custom output: %q", sink.data)
	}
}

func TestCommandFails(t *testing.T) {
	needBinary(t, "sh")
	src, err := NewCommand("export", CommandConfig{Command: []string{"sh", "-c",
		`for i in $(seq 1 15); do echo "problem $i" >&2; done; echo partial output; exit 3`}})
	if err != nil {
		t.Fatal(err)
	}
	sink := newMemSink()
	_, err = src.Write(context.Background(), sink)
	if err == nil {
		t.Fatal("a failing command succeeded")
	}
	ce := asCommandError(t, err)
	if ce.Command != "sh" || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("error %v", err)
	}
	if !strings.HasPrefix(ce.Stderr, "problem 6 | ") || !strings.HasSuffix(ce.Stderr, "problem 15") {
		t.Errorf("stderr tail %q, want the last 10 lines", ce.Stderr)
	}
	if _, kept := sink.data["cmd/export.out"]; kept {
		t.Error("the sink kept the output of a failed command")
	}

	src, _ = NewCommand("x", CommandConfig{Command: []string{"/nonexistent/tool", "arg"}})
	if _, err := src.Write(context.Background(), newMemSink()); err == nil || !strings.Contains(err.Error(), "/nonexistent/tool") {
		t.Errorf("missing program: %v", err)
	}
}

// discardSink counts a stream's bytes, or stops reading after limit bytes.
type discardSink struct {
	memSink
	limit int64
}

func (s *discardSink) Stream(name string, mode int64, body io.Reader) error {
	if s.limit > 0 {
		if _, err := io.CopyN(io.Discard, body, s.limit); err != nil {
			return err
		}
		return errors.New("target full")
	}
	_, err := io.Copy(io.Discard, body)
	return err
}

func TestCommandStreams(t *testing.T) {
	needBinary(t, "head", "yes")
	src, _ := NewCommand("big", CommandConfig{Command: []string{"head", "-c", "100000000", "/dev/zero"}})
	stats, err := src.Write(context.Background(), &discardSink{})
	if err != nil || stats.Bytes != 100_000_000 {
		t.Errorf("streamed %d bytes (%v)", stats.Bytes, err)
	}

	// A sink that gives up stops the command; nothing hangs.
	src, _ = NewCommand("endless", CommandConfig{Command: []string{"yes"}})
	start := time.Now()
	if _, err := src.Write(context.Background(), &discardSink{limit: 1 << 20}); err == nil || !strings.Contains(err.Error(), "target full") {
		t.Errorf("sink error: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestCommandCancel(t *testing.T) {
	needBinary(t, "sleep")
	src, _ := NewCommand("slow", CommandConfig{Command: []string{"sleep", "30"}})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := src.Write(ctx, newMemSink())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestNewCommandConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		c    CommandConfig
		want string
	}{
		{CommandConfig{}, "no command"},
		{CommandConfig{Command: []string{""}}, "no command"},
		{CommandConfig{Command: []string{"x"}, Output: "../x"}, "output ../x must be a clean relative path"},
		{CommandConfig{Command: []string{"x"}, Output: "/abs"}, "output /abs must be"},
		{CommandConfig{Command: []string{"x"}, Output: "a/../b"}, "output a/../b must be"},
		{CommandConfig{Command: []string{"x"}, Env: map[string]string{"A=B": "c"}}, "invalid environment variable A=B"},
	} {
		_, err := NewCommand("n", tt.c)
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want %q", tt.c, err, tt.want)
		}
	}
	for _, name := range []string{"", ".", "..", "a/b", "-x", "a b", "é"} {
		if _, err := NewCommand(name, CommandConfig{Command: []string{"x"}}); !errors.Is(err, ErrConfig) {
			t.Errorf("name %q accepted", name)
		}
	}
}

func TestTailBuffer(t *testing.T) {
	tb := &tailBuffer{max: 16}
	tb.Write([]byte("first line\nsecond line\n"))
	tb.Write([]byte("third\n\n  \n"))
	if got := tb.lines(10); got != "line | third" {
		t.Errorf("lines = %q", got)
	}
	if got := redact("pw=p@ss w p%40ss+w p@ss%20w", []string{"p@ss w", ""}); got != "pw=<secret> <secret> <secret>" {
		t.Errorf("redact = %q", got)
	}
}
