package snapshot

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/klauspost/compress/zstd"
)

const (
	bufSize          = 1 << 20
	defaultChunkSize = 16 << 20
)

// Options tune the writer. The zero value is the default.
type Options struct {
	Level     zstd.EncoderLevel // default SpeedDefault (zstd level 3)
	Workers   int               // zstd encoder concurrency; default min(4, GOMAXPROCS)
	ChunkSize int               // streams of unknown length are cut into tar entries of this size; default 16 MiB
	// Now stamps the tar entries of streams, which have no file to take a time from;
	// default time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() (Options, error) {
	if o.Level == 0 {
		o.Level = zstd.SpeedDefault
	}
	if o.Workers == 0 {
		// Compression is the costly stage, but past four workers reading, hashing and
		// encryption set the pace, while each worker adds two frames of memory.
		o.Workers = min(4, runtime.GOMAXPROCS(0))
	}
	if o.ChunkSize == 0 {
		o.ChunkSize = defaultChunkSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Workers < 1 || o.ChunkSize < 0 || o.Level < zstd.SpeedFastest || o.Level > zstd.SpeedBestCompression {
		return o, errors.New("snapshot options: workers and chunk size must be positive, and the level a zstd.EncoderLevel")
	}
	return o, nil
}

// Writer writes one snapshot object: entries -> tar -> zstd -> encryption -> dst. Its Add and
// Stream methods are what backup sources write to. It is not safe for concurrent use. After an error that left the object unusable, every
// later call returns that error; Close must still be called to release the encoder.
type Writer struct {
	opt     Options
	out     *hashingWriter
	buf     *bufio.Writer
	enc     io.WriteCloser
	zw      *frameWriter
	tw      *tar.Writer
	entries []Entry
	names   map[string]string // path -> entry type, streams' parts included
	copyBuf []byte
	chunk   []byte
	err     error
	closed  bool
}

// NewWriter starts an object written to dst, encrypted to enc.
func NewWriter(dst io.Writer, enc Encryption, o Options) (*Writer, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	w := &Writer{opt: o, names: map[string]string{}, copyBuf: make([]byte, bufSize)}
	w.out = &hashingWriter{w: dst, h: sha256.New()}
	w.buf = bufio.NewWriterSize(w.out, bufSize)
	if w.enc, err = enc.encrypt(w.buf); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if w.zw, err = newFrameWriter(w.enc, o.Level, o.Workers); err != nil {
		return nil, fmt.Errorf("snapshot: zstd: %w", err)
	}
	w.tw = tar.NewWriter(w.zw)
	return w, nil
}

// Add adds a directory, symlink, hard link or regular file described by hdr. Name is the path
// inside the snapshot: slash-separated, relative and clean. A hard link's Linkname names an
// earlier file of the snapshot. For a regular file body yields exactly hdr.Size bytes; a source
// whose files may grow wraps them in an io.LimitReader. Mode, owner, names, times and PAX
// records (xattrs) are kept, and so is the modification time to the nanosecond; access and
// change times are dropped unless hdr.Format is set.
// An error about hdr itself leaves the Writer usable; an error once writing started does not.
func (w *Writer) Add(hdr *tar.Header, body io.Reader) error {
	if err := w.usable(); err != nil {
		return err
	}
	if hdr == nil {
		return errors.New("snapshot: nil header")
	}
	h := *hdr
	name := h.Name
	if h.Typeflag == tar.TypeDir {
		name = strings.TrimSuffix(name, "/")
	}
	if err := checkName(name); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if _, dup := w.names[name]; dup {
		return fmt.Errorf("snapshot: %s added twice", printable(name))
	}
	e := Entry{Path: name, Mode: h.Mode, Uid: h.Uid, Gid: h.Gid}
	switch h.Typeflag {
	case tar.TypeReg, tar.TypeRegA:
		h.Typeflag = tar.TypeReg
		e.Type, e.Size = TypeFile, h.Size
		if h.Size < 0 {
			return fmt.Errorf("snapshot: %s: negative size", printable(name))
		}
		if h.Size > 0 && body == nil {
			return fmt.Errorf("snapshot: %s: no body for %d bytes", printable(name), h.Size)
		}
	case tar.TypeDir:
		e.Type, h.Size = TypeDir, 0
		h.Name = name + "/"
	case tar.TypeSymlink:
		e.Type, e.Link, h.Size = TypeSymlink, h.Linkname, 0
		if h.Linkname == "" || strings.ContainsRune(h.Linkname, 0) {
			return fmt.Errorf("snapshot: %s: invalid symlink target", printable(name))
		}
	case tar.TypeLink:
		e.Type, e.Link, h.Size = TypeHardlink, h.Linkname, 0
		if w.names[h.Linkname] != TypeFile {
			return fmt.Errorf("snapshot: %s: a hard link must name a file added earlier, not %s", printable(name), printable(h.Linkname))
		}
	default:
		return fmt.Errorf("snapshot: %s: unsupported tar type %q (files, directories, symlinks and hard links only)", printable(name), h.Typeflag)
	}
	if h.Format == tar.FormatUnknown {
		// Access and change times cannot be restored; sub-second modification times can, in
		// a PAX record (archive/tar would round them to the second, into the future).
		h.AccessTime, h.ChangeTime = time.Time{}, time.Time{}
		if h.ModTime.Nanosecond() != 0 {
			h.Format = tar.FormatPAX
		}
	}
	e.ModTime = h.ModTime.UTC()
	if err := w.tw.WriteHeader(&h); err != nil {
		// archive/tar refuses before writing anything (unencodable fields).
		return fmt.Errorf("snapshot: %s: %w", printable(name), err)
	}
	if e.Type == TypeFile {
		sum, err := w.copyBody(name, body, h.Size)
		if err != nil {
			return w.fail(err)
		}
		e.SHA256 = sum
	}
	w.names[name] = e.Type
	w.entries = append(w.entries, e)
	return nil
}

func (w *Writer) copyBody(name string, body io.Reader, size int64) (string, error) {
	h := sha256.New()
	if size > 0 {
		n, err := io.CopyBuffer(io.MultiWriter(w.tw, h), io.LimitReader(body, size), w.copyBuf)
		if err != nil {
			return "", fmt.Errorf("snapshot: %s: %w", printable(name), err)
		}
		if n < size {
			return "", fmt.Errorf("snapshot: %s: body is %d bytes, header says %d: %w", printable(name), n, size, io.ErrUnexpectedEOF)
		}
	}
	if body != nil {
		var one [1]byte
		switch _, err := io.ReadFull(body, one[:]); {
		case err == nil:
			return "", fmt.Errorf("snapshot: %s: body is longer than the %d bytes the header says", printable(name), size)
		case err != io.EOF:
			return "", fmt.Errorf("snapshot: %s: %w", printable(name), err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Stream adds data of unknown length (a database dump) under name, cut into tar entries
// name.part000000, name.part000001, ... of ChunkSize bytes (the last one shorter, and at least
// one even when the stream is empty), so that `cat name.part* > name` rebuilds it. It holds
// one chunk in memory. The manifest gets one entry of type "stream" for the whole.
func (w *Writer) Stream(name string, mode int64, body io.Reader) error {
	if err := w.usable(); err != nil {
		return err
	}
	if err := checkName(name); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if _, dup := w.names[name]; dup {
		return fmt.Errorf("snapshot: %s added twice", printable(name))
	}
	if body == nil {
		return fmt.Errorf("snapshot: stream %s: nil body", printable(name))
	}
	if w.chunk == nil {
		w.chunk = make([]byte, w.opt.ChunkSize)
	}
	now := w.opt.Now().Truncate(time.Second)
	e := Entry{Path: name, Type: TypeStream, Mode: mode, ModTime: now.UTC()}
	w.names[name] = TypeStream
	sum := sha256.New()
	for {
		n, err := io.ReadFull(body, w.chunk)
		if err == io.EOF && e.Parts > 0 {
			break
		}
		last := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !last {
			return w.fail(fmt.Errorf("snapshot: stream %s: %w", printable(name), err))
		}
		if err := w.writePart(name, e.Parts, mode, now, w.chunk[:n], sum); err != nil {
			return w.fail(err)
		}
		e.Parts++
		e.Size += int64(n)
		if last {
			break
		}
	}
	e.SHA256 = hex.EncodeToString(sum.Sum(nil))
	w.entries = append(w.entries, e)
	return nil
}

func (w *Writer) writePart(name string, i int, mode int64, mtime time.Time, data []byte, sum hash.Hash) error {
	part := partName(name, i)
	if _, dup := w.names[part]; dup {
		return fmt.Errorf("snapshot: stream %s: part %s collides with an entry", printable(name), printable(part))
	}
	w.names[part] = TypeFile
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: part, Size: int64(len(data)), Mode: mode, ModTime: mtime}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("snapshot: stream %s: %w", printable(name), err)
	}
	sum.Write(data)
	if _, err := w.tw.Write(data); err != nil {
		return fmt.Errorf("snapshot: stream %s: %w", printable(name), err)
	}
	return nil
}

func partName(name string, i int) string {
	return fmt.Sprintf("%s.part%06d", name, i)
}

// Close finishes tar, zstd and encryption, and returns what the manifest records: the size
// and SHA-256 of the encrypted bytes written to dst, and the entries in order.
func (w *Writer) Close() (ObjectInfo, []Entry, error) {
	if w.closed {
		return ObjectInfo{}, nil, errors.New("snapshot: writer already closed")
	}
	w.closed = true
	if w.err != nil {
		w.zw.Close()
		return ObjectInfo{}, nil, w.err
	}
	steps := []struct {
		what string
		fn   func() error
	}{{"tar", w.tw.Close}, {"zstd", w.zw.Close}, {"encryption", w.enc.Close}, {"write", w.buf.Flush}}
	for _, s := range steps {
		if err := s.fn(); err != nil {
			w.zw.Close()
			return ObjectInfo{}, nil, fmt.Errorf("snapshot: finishing %s: %w", s.what, err)
		}
	}
	info := ObjectInfo{Size: w.out.n, SHA256: hex.EncodeToString(w.out.h.Sum(nil))}
	return info, w.entries, nil
}

func (w *Writer) usable() error {
	if w.closed {
		return errors.New("snapshot: writer closed")
	}
	return w.err
}

func (w *Writer) fail(err error) error {
	w.err = fmt.Errorf("%w (the object is incomplete and must be discarded)", err)
	return w.err
}

// hashingWriter counts and hashes the encrypted bytes on their way to the target.
type hashingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (hw *hashingWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	return n, err
}

// checkName accepts the paths a snapshot may hold: relative, slash-separated, clean, and
// without ".." components, so that nothing can be written outside the restore directory.
func checkName(name string) error {
	switch {
	case name == "" || name == ".":
		return fmt.Errorf("%w: empty path", ErrUnsafePath)
	case strings.HasPrefix(name, "/"):
		return fmt.Errorf("%w: %s is absolute", ErrUnsafePath, printable(name))
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("%w: %s contains a NUL byte", ErrUnsafePath, printable(name))
	case name == ".." || strings.HasPrefix(name, "../") || strings.HasSuffix(name, "/..") || strings.Contains(name, "/../"):
		return fmt.Errorf("%w: %s has a \"..\" component", ErrUnsafePath, printable(name))
	case path.Clean(name) != name:
		return fmt.Errorf("%w: %s is not clean (want %s)", ErrUnsafePath, printable(name), printable(path.Clean(name)))
	}
	return nil
}

// printable quotes names that would disturb an error line (newlines, control characters,
// invalid UTF-8) and leaves the others as they are.
func printable(s string) string {
	for _, r := range s {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}
