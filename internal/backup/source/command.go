package source

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// CommandConfig is a "command" source: whatever a program writes on its standard output.
type CommandConfig struct {
	Command []string          // program and arguments, run without a shell
	Env     map[string]string // added to vigie's environment
	Dir     string            // working directory; default vigie's
	Output  string            // entry name under cmd/, a clean relative path; default "<name>.out"
}

type commandSource struct {
	name  string
	entry string
	run   command
}

// NewCommand returns a source storing the standard output of a program as "cmd/<output>".
// The program exiting non-zero fails the source.
func NewCommand(name string, c CommandConfig) (Source, error) {
	if err := checkName(TypeCommand, name); err != nil {
		return nil, err
	}
	if len(c.Command) == 0 || c.Command[0] == "" {
		return nil, configError(TypeCommand, name, "no command")
	}
	out := c.Output
	if out == "" {
		out = name + ".out"
	}
	if path.Clean(out) != out || path.IsAbs(out) || out == "." || out == ".." || strings.HasPrefix(out, "../") || strings.ContainsRune(out, 0) {
		return nil, configError(TypeCommand, name, "output %s must be a clean relative path", printable(out))
	}
	run := command{path: c.Command[0], args: c.Command[1:], dir: c.Dir}
	for k, v := range c.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") || strings.ContainsRune(v, 0) {
			return nil, configError(TypeCommand, name, "invalid environment variable %s", printable(k))
		}
		run.env = append(run.env, k+"="+v)
	}
	// The map's order is random; the process's environment should not be.
	slices.Sort(run.env)
	return &commandSource{name: name, entry: "cmd/" + out, run: run}, nil
}

func (s *commandSource) Name() string { return s.name }
func (s *commandSource) Type() string { return TypeCommand }

func (s *commandSource) Write(ctx context.Context, sink Sink) (Stats, error) {
	st, err := s.run.stream(ctx, sink, s.entry)
	if err != nil {
		return st, fmt.Errorf("command source %q: %w", s.name, err)
	}
	return st, nil
}

// CommandError is a client program that failed: it exited non-zero or could not start.
type CommandError struct {
	Command string // the program's base name
	Err     error  // its exit status, or why it did not run
	Stderr  string // the last lines of its standard error, passwords blanked out
}

func (e *CommandError) Error() string {
	if e.Stderr == "" {
		return fmt.Sprintf("%s: %v", e.Command, e.Err)
	}
	return fmt.Sprintf("%s: %v: %s", e.Command, e.Err, e.Stderr)
}

func (e *CommandError) Unwrap() error { return e.Err }

const (
	stderrTail  = 8 << 10 // bytes of standard error kept
	stderrLines = 10      // of which the last lines go into errors
	outputHead  = 64 << 10
	// waitDelay bounds how long a killed client may keep its pipes open.
	waitDelay = 10 * time.Second
)

// command is a client program to run.
type command struct {
	path    string
	args    []string
	env     []string // added to the environment; may hold secrets, never args
	dir     string
	secrets []string // blanked out of error messages
	magic   string   // the output must start with these bytes
}

func (c command) cmd(ctx context.Context) *exec.Cmd {
	cmd := exec.CommandContext(ctx, c.path, c.args...)
	cmd.Env = append(os.Environ(), c.env...)
	cmd.Dir = c.dir
	cmd.WaitDelay = waitDelay
	return cmd
}

// failed explains why cmd failed, without any secret.
func (c command) failed(ctx context.Context, err error, stderr *tailBuffer) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", filepath.Base(c.path), ctx.Err())
	}
	return &CommandError{Command: filepath.Base(c.path), Err: err, Stderr: redact(stderr.lines(stderrLines), c.secrets)}
}

// stream runs the program and streams its standard output into sink as entry. The stream
// ends with an error, not EOF, if the program fails, so that the sink does not keep it.
func (c command) stream(ctx context.Context, sink Sink, entry string) (Stats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := c.cmd(ctx)
	stderr := &tailBuffer{max: stderrTail}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return Stats{}, err
	}
	if err := cmd.Start(); err != nil {
		return Stats{}, c.failed(ctx, err, stderr)
	}
	out := &commandOutput{ctx: ctx, c: c, cmd: cmd, r: stdout, stderr: stderr}
	serr := sink.Stream(entry, dumpMode, out)
	if !out.done {
		cancel()
		_ = cmd.Wait() // the sink gave up; the program's fate no longer matters
	}
	switch {
	case out.err != nil:
		return Stats{}, out.err
	case serr != nil:
		return Stats{}, serr
	case !out.done:
		return Stats{}, fmt.Errorf("%s: the sink stopped reading before the end of the output", filepath.Base(c.path))
	}
	return Stats{Entries: 1, Bytes: out.n}, nil
}

// commandOutput is a program's standard output that ends in EOF only once the program has
// exited with status 0.
type commandOutput struct {
	ctx    context.Context
	c      command
	cmd    *exec.Cmd
	r      io.Reader
	stderr *tailBuffer
	head   []byte // the first bytes, until len(c.magic)
	n      int64
	done   bool
	err    error
}

func (o *commandOutput) Read(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	if o.done {
		return 0, io.EOF
	}
	n, err := o.r.Read(p)
	o.n += int64(n)
	if len(o.head) < len(o.c.magic) {
		o.head = append(o.head, p[:min(n, len(o.c.magic)-len(o.head))]...)
		if !strings.HasPrefix(o.c.magic, string(o.head)) {
			o.err = fmt.Errorf("%s: output does not start with %q", filepath.Base(o.c.path), o.c.magic)
			return 0, o.err
		}
	}
	switch {
	case err == io.EOF:
		o.done = true
		if werr := o.cmd.Wait(); werr != nil {
			o.err = o.c.failed(o.ctx, werr, o.stderr)
		} else if len(o.head) < len(o.c.magic) {
			o.err = fmt.Errorf("%s: output ended before %q", filepath.Base(o.c.path), o.c.magic)
		}
		if o.err != nil {
			return 0, o.err
		}
		return n, io.EOF
	case err != nil:
		o.err = fmt.Errorf("%s: reading its output: %w", filepath.Base(o.c.path), err)
		return 0, o.err
	}
	return n, nil
}

// run runs the program to the end with stdin, and returns the beginning of its output.
func (c command) run(ctx context.Context, stdin io.Reader) ([]byte, error) {
	cmd := c.cmd(ctx)
	cmd.Stdin = stdin
	out := &headBuffer{max: outputHead}
	stderr := &tailBuffer{max: stderrTail}
	cmd.Stdout, cmd.Stderr = out, stderr
	if err := cmd.Run(); err != nil {
		return nil, c.failed(ctx, err, stderr)
	}
	return out.b.Bytes(), nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

// lines returns the last n non-blank lines, joined by " | ".
func (t *tailBuffer) lines(n int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var keep []string
	for _, l := range strings.Split(strings.ToValidUTF8(string(t.b), "\uFFFD"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			keep = append(keep, l)
		}
	}
	keep = keep[max(0, len(keep)-n):]
	return strings.Join(keep, " | ")
}

// headBuffer keeps the first max bytes written to it and swallows the rest.
type headBuffer struct {
	mu  sync.Mutex
	max int
	b   bytes.Buffer
}

func (h *headBuffer) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if room := h.max - h.b.Len(); room > 0 {
		h.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// redact blanks out every secret, as written and as URL-escaped, from s.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec == "" {
			continue
		}
		for _, form := range []string{sec, url.QueryEscape(sec), url.PathEscape(sec)} {
			s = strings.ReplaceAll(s, form, "<secret>")
		}
	}
	return s
}
