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
	"runtime"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// maxDecoderWindow bounds the decoder's memory whatever a (possibly forged) frame asks for.
const maxDecoderWindow = 64 << 20

// Stats counts what a read went through.
type Stats struct {
	Entries int   `json:"entries"`
	Bytes   int64 `json:"bytes"` // content bytes of files and streams
}

// Verify decrypts and reads the whole object once, and checks it against the manifest: the
// object's size and SHA-256, every entry's type, size, link and SHA-256, in order, and that no
// entry is missing or extra. Mismatches wrap ErrTampered and name what is wrong; identities
// that cannot decrypt give ErrWrongKey.
func Verify(obj io.Reader, m *Manifest, ids Identities) (Stats, error) {
	o, err := openObject(obj, m, ids)
	if err != nil {
		return Stats{}, err
	}
	defer o.close()
	var st Stats
	err = o.walk(len(m.Entries)-1, func(int) bool { return true }, func(e *Entry, body io.Reader) error {
		st.Entries++
		if body != nil {
			n, err := io.CopyBuffer(io.Discard, body, o.buf)
			st.Bytes += n
			return err
		}
		return nil
	})
	return st, err
}

// StreamTo writes one stream entry (a dump) reassembled to w, or one file's content, and
// checks its SHA-256. The bytes reach w before the check ends: a caller feeding a database
// must treat an error as a failed restore. The object is read only up to that entry.
func StreamTo(obj io.Reader, m *Manifest, ids Identities, name string, w io.Writer) error {
	idx := -1
	for i := range m.Entries {
		if m.Entries[i].Path == name && (m.Entries[i].Type == TypeStream || m.Entries[i].Type == TypeFile) {
			idx = i
		}
	}
	if idx < 0 {
		return fmt.Errorf("%w: no stream or file %s", ErrNotFound, printable(name))
	}
	o, err := openObject(obj, m, ids)
	if err != nil {
		return err
	}
	defer o.close()
	return o.walk(idx, func(i int) bool { return i == idx }, func(e *Entry, body io.Reader) error {
		_, err := io.CopyBuffer(writerOnly{w}, body, o.buf)
		return err
	})
}

// writerOnly hides ReadFrom so that io.CopyBuffer uses the large buffer.
type writerOnly struct{ io.Writer }

type object struct {
	m   *Manifest
	src *hashingReader
	zr  *zstd.Decoder
	tr  *tar.Reader
	buf []byte
}

func openObject(obj io.Reader, m *Manifest, ids Identities) (*object, error) {
	if m == nil {
		return nil, errors.New("snapshot: nil manifest")
	}
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	listed, err := ids.checkCanDecrypt(m)
	if err != nil {
		return nil, err
	}
	o := &object{m: m, src: &hashingReader{r: obj, h: sha256.New()}, buf: make([]byte, bufSize)}
	plain, err := ids.decrypt(o.src, m.Encryption, listed)
	if err != nil {
		return nil, o.classify(err)
	}
	o.zr, err = zstd.NewReader(bufio.NewReaderSize(plain, bufSize),
		zstd.WithDecoderConcurrency(min(4, runtime.GOMAXPROCS(0))),
		zstd.WithDecoderMaxWindow(maxDecoderWindow))
	if err != nil {
		return nil, fmt.Errorf("snapshot: zstd: %w", err)
	}
	o.tr = tar.NewReader(o.zr)
	return o, nil
}

func (o *object) close() {
	if o.zr != nil {
		o.zr.Close()
	}
}

// classify tells the causes of a read error apart: the object could not be read (a target's
// I/O error, returned as is), or what was read is not what was written (ErrTampered).
func (o *object) classify(err error) error {
	switch {
	case err == nil || err == io.EOF:
		return err
	case o.src.err != nil:
		return fmt.Errorf("snapshot: reading the object: %w", o.src.err)
	case errors.Is(err, ErrTampered) || errors.Is(err, ErrWrongKey):
		return err
	}
	return fmt.Errorf("%w: %w", ErrTampered, err)
}

func tampered(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrTampered, fmt.Sprintf(format, args...))
}

// walk reads the tar stream in the manifest's order up to entry last, and calls visit for the
// wanted entries with a body (files and streams; nil otherwise) that yields the content and
// returns ErrTampered instead of io.EOF when the content does not match the manifest.
// Entries not wanted are skipped unread. When last is the final entry, walk also checks that
// nothing follows and that the object's size and SHA-256 match.
func (o *object) walk(last int, want func(int) bool, visit func(e *Entry, body io.Reader) error) error {
	for i := 0; i <= last && i < len(o.m.Entries); i++ {
		e := &o.m.Entries[i]
		hdr, err := o.tr.Next()
		if err == io.EOF {
			return tampered("entry %s: missing from the object", printable(e.Path))
		}
		if err != nil {
			return o.classify(err)
		}
		if err := matchHeader(e, hdr); err != nil {
			return err
		}
		if !want(i) {
			if e.Type == TypeStream {
				if err := o.skipParts(e); err != nil {
					return err
				}
			}
			continue
		}
		var body *verifier
		switch e.Type {
		case TypeFile:
			body = newVerifier(e, &classifyingReader{o: o, r: o.tr})
		case TypeStream:
			body = newVerifier(e, &partsReader{o: o, e: e})
		}
		if body == nil {
			err = visit(e, nil)
		} else {
			err = visit(e, body)
			if err == nil {
				// A visitor that stopped early still gets the entry checked.
				_, err = io.CopyBuffer(io.Discard, body, o.buf)
			}
		}
		if err != nil {
			return err
		}
	}
	if last < len(o.m.Entries)-1 {
		return nil
	}
	return o.finish()
}

func (o *object) finish() error {
	switch hdr, err := o.tr.Next(); {
	case err == nil:
		return tampered("entry %s: in the object but not in the manifest", printable(hdr.Name))
	case err != io.EOF:
		return o.classify(err)
	}
	// Reading to the end checks zstd's checksum and the encryption's final authentication.
	if _, err := io.CopyBuffer(io.Discard, o.zr, o.buf); err != nil {
		return o.classify(err)
	}
	if _, err := io.CopyBuffer(io.Discard, o.src, o.buf); err != nil {
		return o.classify(err)
	}
	if o.src.n != o.m.ObjectInfo.Size {
		return tampered("object: %d bytes, the manifest says %d", o.src.n, o.m.ObjectInfo.Size)
	}
	if got := hex.EncodeToString(o.src.h.Sum(nil)); got != o.m.ObjectInfo.SHA256 {
		return tampered("object: sha256 mismatch")
	}
	return nil
}

func matchHeader(e *Entry, hdr *tar.Header) error {
	name, typ, link := hdr.Name, "", ""
	switch hdr.Typeflag {
	case tar.TypeReg:
		typ = TypeFile
	case tar.TypeDir:
		typ, name = TypeDir, strings.TrimSuffix(name, "/")
	case tar.TypeSymlink:
		typ, link = TypeSymlink, hdr.Linkname
	case tar.TypeLink:
		typ, link = TypeHardlink, hdr.Linkname
	}
	want, wantType := e.Path, e.Type
	if e.Type == TypeStream {
		want, wantType = partName(e.Path, 0), TypeFile
	}
	switch {
	case name != want || typ != wantType:
		return tampered("entry %s: the object has %s (tar type %q) in its place", printable(e.Path), printable(hdr.Name), hdr.Typeflag)
	case link != e.Link:
		return tampered("entry %s: link target differs from the manifest", printable(e.Path))
	case e.Type == TypeFile && hdr.Size != e.Size:
		return tampered("entry %s: %d bytes, the manifest says %d", printable(e.Path), hdr.Size, e.Size)
	case hdr.Mode != e.Mode || hdr.Uid != e.Uid || hdr.Gid != e.Gid:
		return tampered("entry %s: mode or owner differ from the manifest", printable(e.Path))
	}
	return nil
}

// skipParts moves past the parts of a stream that is not wanted.
func (o *object) skipParts(e *Entry) error {
	for p := 1; p < e.Parts; p++ {
		if err := o.nextPart(e, p); err != nil {
			return err
		}
	}
	return nil
}

func (o *object) nextPart(e *Entry, p int) error {
	hdr, err := o.tr.Next()
	if err == io.EOF {
		return tampered("entry %s: part %d missing", printable(e.Path), p)
	}
	if err != nil {
		return o.classify(err)
	}
	if hdr.Typeflag != tar.TypeReg || hdr.Name != partName(e.Path, p) || hdr.Mode != e.Mode || hdr.Uid != e.Uid || hdr.Gid != e.Gid {
		return tampered("entry %s: the object has %s where part %d belongs", printable(e.Path), printable(hdr.Name), p)
	}
	return nil
}

// partsReader reads a stream's parts one after the other, as `cat name.part*` would.
type partsReader struct {
	o    *object
	e    *Entry
	part int
}

func (pr *partsReader) Read(p []byte) (int, error) {
	for {
		n, err := pr.o.tr.Read(p)
		if err != io.EOF {
			return n, pr.o.classify(err)
		}
		if n > 0 {
			return n, nil
		}
		if pr.part+1 >= pr.e.Parts {
			return 0, io.EOF
		}
		pr.part++
		if err := pr.o.nextPart(pr.e, pr.part); err != nil {
			return 0, err
		}
	}
}

type classifyingReader struct {
	o *object
	r io.Reader
}

func (cr *classifyingReader) Read(p []byte) (int, error) {
	n, err := cr.r.Read(p)
	return n, cr.o.classify(err)
}

// verifier hashes an entry's content as it is read and turns the final io.EOF into
// ErrTampered when size or SHA-256 differ from the manifest.
type verifier struct {
	r    io.Reader
	e    *Entry
	h    hash.Hash
	n    int64
	done error
}

func newVerifier(e *Entry, r io.Reader) *verifier {
	return &verifier{r: r, e: e, h: sha256.New()}
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.done != nil {
		return 0, v.done
	}
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	switch {
	case v.n > v.e.Size:
		v.done = tampered("entry %s: longer than the %d bytes the manifest says", printable(v.e.Path), v.e.Size)
		return 0, v.done
	case err == io.EOF && v.n != v.e.Size:
		v.done = tampered("entry %s: %d bytes, the manifest says %d", printable(v.e.Path), v.n, v.e.Size)
		return n, v.done
	case err == io.EOF && hex.EncodeToString(v.h.Sum(nil)) != v.e.SHA256:
		v.done = tampered("entry %s: sha256 mismatch", printable(v.e.Path))
		return n, v.done
	case err != nil:
		v.done = err
	}
	return n, err
}

// hashingReader counts and hashes the encrypted bytes as they are read, and keeps the
// source's own error apart from decoding errors.
type hashingReader struct {
	r   io.Reader
	h   hash.Hash
	n   int64
	err error
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	hr.n += int64(n)
	if err != nil && err != io.EOF {
		hr.err = err
	}
	return n, err
}
