package snapshot

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
)

// FormatVersion is the manifest format this package writes: 2 is JSON compressed with zstd.
// It still reads format 1, the same JSON uncompressed.
const FormatVersion = 2

// Entry types.
const (
	TypeFile     = "file"
	TypeDir      = "dir"
	TypeSymlink  = "symlink"
	TypeHardlink = "hardlink"
	TypeStream   = "stream"
)

// ObjectInfo describes the encrypted bytes written to the target.
type ObjectInfo struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Entry is one thing in a snapshot, in the order it was written.
type Entry struct {
	Path    string    `json:"path"`
	Type    string    `json:"type"`
	Size    int64     `json:"size"`
	Mode    int64     `json:"mode"`
	Uid     int       `json:"uid"`
	Gid     int       `json:"gid"`
	ModTime time.Time `json:"mtime"`
	Link    string    `json:"link,omitempty"`   // symlink target, or the earlier entry a hard link names
	SHA256  string    `json:"sha256,omitempty"` // of the content, for files and streams
	Parts   int       `json:"parts,omitempty"`  // tar entries a stream was cut into
}

// SourceInfo summarises what one backup source contributed.
type SourceInfo struct {
	Name     string        `json:"name"`
	Type     string        `json:"type"`
	Entries  int           `json:"entries"`
	Bytes    int64         `json:"bytes"`
	Duration time.Duration `json:"duration_ns"`
}

// Manifest describes a snapshot; it is the last thing written, and a snapshot without one does
// not exist.
type Manifest struct {
	Format     int          `json:"format"`
	ID         string       `json:"id"`
	Job        string       `json:"job"`
	Instance   string       `json:"instance"`
	Time       time.Time    `json:"time"`
	Object     string       `json:"object"` // object name relative to the target
	ObjectInfo ObjectInfo   `json:"object_info"`
	Sources    []SourceInfo `json:"sources"`
	Entries    []Entry      `json:"entries"`
	Encryption string       `json:"encryption"` // "age" or "pgp"
	Recipients []string     `json:"recipients"` // age recipients, or PGP fingerprints
	Vigie      string       `json:"vigie"`      // version that wrote it
}

// SealManifest marshals m, encrypts it to enc and signs the encrypted bytes with key. It fills
// m's Format (when unset), Encryption and Recipients from enc, and puts Time in UTC.
// The signature is one text line: "vigie-ed25519 <key id> <base64 signature>".
func SealManifest(m *Manifest, enc Encryption, key ed25519.PrivateKey) (sealed, sig []byte, err error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, nil, errors.New("seal manifest: invalid signing key")
	}
	if m.Format == 0 {
		m.Format = FormatVersion
	}
	m.Time = m.Time.UTC()
	m.Encryption = enc.Kind()
	m.Recipients = enc.Recipients()
	if err := m.validate(); err != nil {
		return nil, nil, fmt.Errorf("seal manifest: %w", err)
	}
	// JSON streamed through zstd into the encryption: a manifest of a million files never
	// sits in memory as text, and shrinks about tenfold.
	var buf bytes.Buffer
	w, err := enc.encrypt(&buf)
	if err != nil {
		return nil, nil, fmt.Errorf("seal manifest: %w", err)
	}
	zw, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("seal manifest: %w", err)
	}
	if err := json.NewEncoder(zw).Encode(m); err != nil {
		zw.Close()
		return nil, nil, fmt.Errorf("seal manifest: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, nil, fmt.Errorf("seal manifest: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, nil, fmt.Errorf("seal manifest: %w", err)
	}
	sealed = buf.Bytes()
	pub := key.Public().(ed25519.PublicKey)
	line := fmt.Sprintf("%s %s %s\n", sigPrefix, KeyID(pub), base64.StdEncoding.Strict().EncodeToString(ed25519.Sign(key, sealed)))
	return sealed, []byte(line), nil
}

// maxManifest bounds a manifest's JSON: several million entries.
const maxManifest = 4 << 30

const (
	sigPrefix    = "vigie-ed25519"
	pubKeyPrefix = "vigie-ed25519-pub"
	pemType      = "PRIVATE KEY"
)

// OpenManifest checks the signature against the trusted keys first (ErrBadSignature), and only
// then decrypts and parses the manifest.
func OpenManifest(sealed, sig []byte, trusted []ed25519.PublicKey, ids Identities) (*Manifest, error) {
	if err := verifySignature(sealed, sig, trusted); err != nil {
		return nil, err
	}
	listed := false // the recipients are inside what we are about to decrypt
	r, err := ids.decrypt(bytes.NewReader(sealed), "", listed)
	if err != nil {
		return nil, fmt.Errorf("open manifest: %w", err)
	}
	br := bufio.NewReader(r)
	var plain io.Reader = br
	format := 1
	if first, err := br.Peek(1); err == nil && first[0] != '{' {
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(1<<20))
		if err != nil {
			return nil, fmt.Errorf("open manifest: %w", err)
		}
		defer zr.Close()
		plain, format = zr, 2
	}
	dec := json.NewDecoder(io.LimitReader(plain, maxManifest))
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("open manifest: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("open manifest: data after the manifest")
	}
	switch {
	case m.Format > FormatVersion || m.Format < 1:
		return nil, fmt.Errorf("open manifest: format %d is not supported (this vigie reads formats 1 to %d)", m.Format, FormatVersion)
	case m.Format != format:
		return nil, fmt.Errorf("open manifest: %w: a format %d manifest stored as format %d", ErrTampered, m.Format, format)
	}
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("open manifest: %w", err)
	}
	return &m, nil
}

func verifySignature(sealed, sig []byte, trusted []ed25519.PublicKey) error {
	if len(trusted) == 0 {
		return fmt.Errorf("%w: no trusted signing key given", ErrBadSignature)
	}
	line, ok := strings.CutSuffix(string(sig), "\n")
	if !ok {
		line = string(sig)
	}
	fields := strings.Split(line, " ")
	if len(fields) != 3 || fields[0] != sigPrefix {
		return fmt.Errorf("%w: not a %s signature line", ErrBadSignature, sigPrefix)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(fields[2])
	// Only the canonical encoding is accepted, so that no byte of the line can change unseen.
	if err != nil || len(raw) != ed25519.SignatureSize || base64.StdEncoding.Strict().EncodeToString(raw) != fields[2] {
		return fmt.Errorf("%w: malformed signature", ErrBadSignature)
	}
	for _, pub := range trusted {
		if len(pub) == ed25519.PublicKeySize && KeyID(pub) == fields[1] && ed25519.Verify(pub, sealed, raw) {
			return nil
		}
	}
	return fmt.Errorf("%w: the signature by key %s does not verify against any trusted key", ErrBadSignature, printable(fields[1]))
}

// KeyID names a signing key in signature lines: the first 8 bytes of the SHA-256 of the
// public key, in hex.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// GenerateSigningKey makes a new server signing key.
func GenerateSigningKey() (ed25519.PrivateKey, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	return key, err
}

// MarshalSigningKey encodes a signing key as a PEM PKCS#8 block.
func MarshalSigningKey(key ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("marshal signing key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der}), nil
}

// ParseSigningKey decodes what MarshalSigningKey wrote (or `openssl genpkey -algorithm ed25519`).
// Errors never quote the key.
func ParseSigningKey(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemType {
		return nil, errors.New("signing key: not a PEM \"PRIVATE KEY\" block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("signing key: malformed PKCS#8 key")
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key: %T, want ed25519", k)
	}
	return key, nil
}

// MarshalPublicKey encodes a signing key's public half as one line, "vigie-ed25519-pub <base64>".
func MarshalPublicKey(pub ed25519.PublicKey) string {
	return pubKeyPrefix + " " + base64.StdEncoding.EncodeToString(pub)
}

// ParsePublicKey decodes what MarshalPublicKey wrote.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), pubKeyPrefix+" ")
	if !ok {
		return nil, fmt.Errorf("public key: want %q followed by base64", pubKeyPrefix)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(rest)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, errors.New("public key: malformed base64 ed25519 key")
	}
	return ed25519.PublicKey(raw), nil
}

// validate checks what reading a snapshot relies on, so that a manifest built or decoded
// elsewhere cannot steer Extract outside its directory.
func (m *Manifest) validate() error {
	if m.ObjectInfo.Size < 0 || !isSHA256(m.ObjectInfo.SHA256) {
		return fmt.Errorf("manifest: invalid object_info")
	}
	if m.Encryption != "age" && m.Encryption != "pgp" {
		return fmt.Errorf("manifest: unknown encryption %q", printable(m.Encryption))
	}
	seen := make(map[string]string, len(m.Entries))
	for i := range m.Entries {
		e := &m.Entries[i]
		if err := checkName(e.Path); err != nil {
			return fmt.Errorf("manifest: entry %d: %w", i, err)
		}
		if _, dup := seen[e.Path]; dup {
			return fmt.Errorf("manifest: entry %s: listed twice", printable(e.Path))
		}
		seen[e.Path] = e.Type
		if e.Size < 0 {
			return fmt.Errorf("manifest: entry %s: negative size", printable(e.Path))
		}
		switch e.Type {
		case TypeFile, TypeStream:
			if !isSHA256(e.SHA256) {
				return fmt.Errorf("manifest: entry %s: invalid sha256", printable(e.Path))
			}
			if e.Type == TypeStream && e.Parts < 1 {
				return fmt.Errorf("manifest: entry %s: a stream has at least one part", printable(e.Path))
			}
		case TypeDir:
		case TypeSymlink:
			if e.Link == "" || strings.ContainsRune(e.Link, 0) {
				return fmt.Errorf("manifest: entry %s: invalid symlink target", printable(e.Path))
			}
		case TypeHardlink:
			if err := checkName(e.Link); err != nil {
				return fmt.Errorf("manifest: entry %s: hard link target: %w", printable(e.Path), err)
			}
			if seen[e.Link] != TypeFile {
				return fmt.Errorf("manifest: entry %s: a hard link must name an earlier file", printable(e.Path))
			}
		default:
			return fmt.Errorf("manifest: entry %s: unknown type %q", printable(e.Path), printable(e.Type))
		}
	}
	return nil
}

func isSHA256(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}
