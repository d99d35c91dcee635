package source

import (
	"archive/tar"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"strings"
	"testing"

	"vigie/internal/backup/snapshot"
	"vigie/internal/testutil"
)

// The snapshot writer is the sink in production; this keeps the two in step.
var _ Sink = (*snapshot.Writer)(nil)

// checkSinkName applies the Sink contract on names: slash-separated, relative, clean.
func checkSinkName(name string) error {
	if name == "" || path.IsAbs(name) || path.Clean(name) != name || name == ".." || strings.HasPrefix(name, "../") {
		return fmt.Errorf("sink: bad name %q", name)
	}
	return nil
}

// tarSink writes a real tar stream, as the snapshot does before compression.
type tarSink struct {
	tw    *tar.Writer
	names map[string]bool
	// beforeBody runs before a regular file's body is read: tests change the file there.
	beforeBody func(hdr *tar.Header)
	tmpDir     string
}

func newTarSink(w io.Writer, tmpDir string) *tarSink {
	return &tarSink{tw: tar.NewWriter(w), names: map[string]bool{}, tmpDir: tmpDir}
}

func (s *tarSink) Add(hdr *tar.Header, body io.Reader) error {
	if err := checkSinkName(hdr.Name); err != nil {
		return err
	}
	if s.names[hdr.Name] {
		return fmt.Errorf("sink: %q added twice", hdr.Name)
	}
	s.names[hdr.Name] = true
	if hdr.Typeflag == tar.TypeLink && !s.names[hdr.Linkname] {
		return fmt.Errorf("sink: hard link %q to %q, not added before", hdr.Name, hdr.Linkname)
	}
	if hdr.Typeflag == tar.TypeReg && s.beforeBody != nil {
		s.beforeBody(hdr)
	}
	if err := s.tw.WriteHeader(hdr); err != nil {
		return err
	}
	if hdr.Typeflag != tar.TypeReg {
		return nil
	}
	return copyExactly(s.tw, body, hdr.Size)
}

// copyExactly copies a body that must yield exactly size bytes, as the snapshot checks.
func copyExactly(w io.Writer, body io.Reader, size int64) error {
	n, err := io.Copy(w, io.LimitReader(body, size))
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("sink: body is %d bytes, header says %d", n, size)
	}
	var one [1]byte
	if n, err := body.Read(one[:]); n != 0 || err != io.EOF {
		return fmt.Errorf("sink: body longer than %d bytes (or %v)", size, err)
	}
	return nil
}

func (s *tarSink) Stream(name string, mode int64, body io.Reader) error {
	if err := checkSinkName(name); err != nil {
		return err
	}
	f, err := os.CreateTemp(s.tmpDir, "stream-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	n, err := io.Copy(f, body)
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, 0); err != nil {
		return err
	}
	if err := s.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: n}); err != nil {
		return err
	}
	_, err = io.Copy(s.tw, f)
	return err
}

func (s *tarSink) Close() error { return s.tw.Close() }

// memSink keeps what it is given in memory, for small sources.
type memSink struct {
	headers []*tar.Header
	data    map[string][]byte
	modes   map[string]int64
	// beforeBody runs before a regular file's body is read.
	beforeBody func(hdr *tar.Header)
}

func newMemSink() *memSink {
	return &memSink{data: map[string][]byte{}, modes: map[string]int64{}}
}

func (s *memSink) Add(hdr *tar.Header, body io.Reader) error {
	if err := checkSinkName(hdr.Name); err != nil {
		return err
	}
	if _, dup := s.modes[hdr.Name]; dup {
		return fmt.Errorf("sink: %q added twice", hdr.Name)
	}
	if hdr.Typeflag == tar.TypeReg && s.beforeBody != nil {
		s.beforeBody(hdr)
	}
	h := *hdr
	s.headers = append(s.headers, &h)
	s.modes[hdr.Name] = hdr.Mode
	if hdr.Typeflag == tar.TypeReg {
		var b bytes.Buffer
		if err := copyExactly(&b, body, hdr.Size); err != nil {
			return err
		}
		s.data[hdr.Name] = b.Bytes()
	}
	return nil
}

func (s *memSink) Stream(name string, mode int64, body io.Reader) error {
	if err := checkSinkName(name); err != nil {
		return err
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err // a failed stream is not kept
	}
	s.data[name] = b
	s.modes[name] = mode
	return nil
}

func (s *memSink) names() []string {
	var out []string
	for _, h := range s.headers {
		out = append(out, h.Name)
	}
	return out
}

func (s *memSink) header(name string) *tar.Header {
	for _, h := range s.headers {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// needBinary stops the test when a client program is missing.
func needBinary(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		_, err := exec.LookPath(n)
		testutil.Need(t, n, err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// mustNotContain fails when s shows secret.
func mustNotContain(t testing.TB, what, s, secret string) {
	t.Helper()
	if secret != "" && strings.Contains(s, secret) {
		t.Errorf("%s shows the password: %s", what, s)
	}
}

func asCommandError(t testing.TB, err error) *CommandError {
	t.Helper()
	var ce *CommandError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *CommandError", err, err)
	}
	return ce
}
