package snapshot_test

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/klauspost/compress/zstd"

	"vigie/internal/backup/snapshot"
)

func FuzzParseRecipients(f *testing.F) {
	a := newAgeKey(f)
	p := newPGPKey(f, nil)
	for _, s := range []string{a.id.Recipient().String(), p.publicArmor, "# c\n" + a.id.Recipient().String(), "age1", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, lines := range [][]string{{s}, strings.Split(s, "\n")} {
			enc, err := snapshot.ParseRecipients(lines)
			if err != nil {
				continue
			}
			if k := enc.Kind(); k != "age" && k != "pgp" || len(enc.Recipients()) == 0 || enc.Ext() == "" {
				t.Fatalf("accepted %q as %q with %v", s, k, enc.Recipients())
			}
		}
	})
}

func FuzzParseIdentities(f *testing.F) {
	a := newAgeKey(f)
	p := newPGPKey(f, []byte("pass"))
	f.Add([]byte(a.id.String()), []byte(nil))
	f.Add([]byte("# comment\n"+a.id.String()+"\n"), []byte(nil))
	f.Add([]byte(p.parsedArmor), []byte("pass"))
	f.Fuzz(func(t *testing.T, data, pass []byte) {
		ids, err := snapshot.ParseIdentities(data, pass)
		if err == nil && len(ids.Age)+len(ids.PGP) == 0 {
			t.Fatal("no error and no identity")
		}
	})
}

// FuzzOpenManifest feeds random sealed manifests and signatures. Mode 1 signs what it is given,
// and mode 2 also encrypts it first, so that the fuzzer reaches decryption and parsing past the
// signature check.
func FuzzOpenManifest(f *testing.F) {
	key := newAgeKey(f)
	signer := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	trusted := []ed25519.PublicKey{signer.Public().(ed25519.PublicKey)}
	m := &snapshot.Manifest{
		ID: "x", Job: "j", Instance: "i", Time: time.Unix(1700000000, 0),
		ObjectInfo: snapshot.ObjectInfo{Size: 10, SHA256: sha(nil)},
		Entries: []snapshot.Entry{
			{Path: "d", Type: snapshot.TypeDir, Mode: 0o755},
			fileEntry("d/f", "hello"),
			{Path: "d/h", Type: snapshot.TypeHardlink, Link: "d/f"},
			{Path: "s", Type: snapshot.TypeStream, Parts: 2, Size: 5, SHA256: sha([]byte("12345"))},
		},
	}
	sealed, sig, err := snapshot.SealManifest(m, key.enc, signer)
	if err != nil {
		f.Fatal(err)
	}
	plain, _ := json.Marshal(m)
	f.Add(sealed, sig, uint8(0))
	f.Add(sealed, []byte(nil), uint8(1))
	f.Add(plain, []byte(nil), uint8(2))
	f.Add([]byte(`{"format":1,"encryption":"age","entries":[{"path":"../x","type":"file"}]}`), []byte(nil), uint8(2))
	f.Add([]byte("garbage"), sig, uint8(0))
	sign := func(b []byte) []byte {
		return []byte("vigie-ed25519 " + snapshot.KeyID(trusted[0]) + " " + base64.StdEncoding.EncodeToString(ed25519.Sign(signer, b)) + "\n")
	}
	f.Fuzz(func(t *testing.T, sealed, sig []byte, mode uint8) {
		switch mode % 3 {
		case 1:
			sig = sign(sealed)
		case 2:
			var buf bytes.Buffer
			w, err := age.Encrypt(&buf, key.id.Recipient())
			if err != nil {
				t.Fatal(err)
			}
			w.Write(sealed)
			w.Close()
			sealed = buf.Bytes()
			sig = sign(sealed)
		}
		got, err := snapshot.OpenManifest(sealed, sig, trusted, key.ids)
		if err != nil {
			signed := bytes.Equal(bytes.TrimSuffix(sig, []byte("\n")), bytes.TrimSuffix(sign(sealed), []byte("\n")))
			if !signed && !errors.Is(err, snapshot.ErrBadSignature) {
				t.Fatalf("unsigned input gave %v, want ErrBadSignature", err)
			}
			return
		}
		for _, e := range got.Entries {
			if strings.HasPrefix(e.Path, "/") || strings.Contains("/"+e.Path+"/", "/../") {
				t.Fatalf("accepted an unsafe path %q", e.Path)
			}
		}
		// Whatever was accepted must be safe to hand to the readers.
		snapshot.Verify(bytes.NewReader(sealed), got, key.ids)
	})
}

// FuzzExtract feeds random tar streams, encrypted as the Writer would, against a fixed manifest
// (made to match the object's hash, so the fuzzer can reach the end): Extract must never panic
// nor write outside its directory, and what it restores without error is what the manifest says.
func FuzzExtract(f *testing.F) {
	key := newAgeKey(f)
	entries := []snapshot.Entry{
		{Path: "d", Type: snapshot.TypeDir, Mode: 0o755},
		fileEntry("d/f", "hello"),
		{Path: "l", Type: snapshot.TypeSymlink, Link: "../outside", Mode: 0o777},
		{Path: "d/h", Type: snapshot.TypeHardlink, Link: "d/f"},
		{Path: "s", Type: snapshot.TypeStream, Parts: 2, Size: 5, Mode: 0o600, SHA256: sha([]byte("12345"))},
	}
	build := func(mutate func(*tar.Header)) []byte {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, h := range []*tar.Header{
			{Typeflag: tar.TypeDir, Name: "d/", Mode: 0o755},
			{Typeflag: tar.TypeReg, Name: "d/f", Size: 5, Mode: 0o644},
			{Typeflag: tar.TypeSymlink, Name: "l", Linkname: "../outside", Mode: 0o777},
			{Typeflag: tar.TypeLink, Name: "d/h", Linkname: "d/f"},
			{Typeflag: tar.TypeReg, Name: "s.part000000", Size: 3, Mode: 0o600},
			{Typeflag: tar.TypeReg, Name: "s.part000001", Size: 2, Mode: 0o600},
		} {
			if mutate != nil {
				mutate(h)
			}
			tw.WriteHeader(h)
			switch h.Name {
			case "d/f":
				tw.Write([]byte("hello"))
			case "s.part000000":
				tw.Write([]byte("123"))
			case "s.part000001":
				tw.Write([]byte("45"))
			}
		}
		tw.Close()
		return buf.Bytes()
	}
	f.Add(build(nil))
	f.Add(build(func(h *tar.Header) {
		if h.Name == "d/f" {
			h.Name = "../f"
		}
	}))
	f.Add(build(func(h *tar.Header) {
		if h.Name == "d/h" {
			h.Linkname = "/etc/passwd"
		}
	}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, plain []byte) {
		var obj bytes.Buffer
		ew, err := age.Encrypt(&obj, key.id.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		zw, _ := zstd.NewWriter(ew, zstd.WithEncoderConcurrency(1))
		zw.Write(plain)
		zw.Close()
		ew.Close()
		sum := sha256.Sum256(obj.Bytes())
		m := &snapshot.Manifest{
			Format: 1, Encryption: "age", Recipients: []string{key.id.Recipient().String()},
			ObjectInfo: snapshot.ObjectInfo{Size: int64(obj.Len()), SHA256: hex.EncodeToString(sum[:])},
			Entries:    entries,
		}
		base := t.TempDir()
		out := filepath.Join(base, "out")
		_, err = snapshot.Extract(bytes.NewReader(obj.Bytes()), m, key.ids, out, nil)
		if left, _ := os.ReadDir(base); len(left) != 1 {
			t.Fatalf("Extract wrote outside its directory: %v", left)
		}
		if err != nil {
			return
		}
		if b, _ := os.ReadFile(filepath.Join(out, "d/h")); string(b) != "hello" {
			t.Fatalf("restored d/h = %q without an error", b)
		}
		if b, _ := os.ReadFile(filepath.Join(out, "s")); string(b) != "12345" {
			t.Fatalf("restored s = %q without an error", b)
		}
	})
}

// Manifests of format 1 (plain JSON, before manifests were compressed) still open; one that
// says format 1 but is compressed, or the reverse, is refused.
func TestOpenManifestReadsFormatOne(t *testing.T) {
	key := newAgeKey(t)
	signer := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	trusted := []ed25519.PublicKey{signer.Public().(ed25519.PublicKey)}
	seal := func(plain []byte) ([]byte, []byte) {
		var buf bytes.Buffer
		w, err := age.Encrypt(&buf, key.id.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		w.Write(plain)
		w.Close()
		sig := "vigie-ed25519 " + snapshot.KeyID(trusted[0]) + " " + base64.StdEncoding.EncodeToString(ed25519.Sign(signer, buf.Bytes())) + "\n"
		return buf.Bytes(), []byte(sig)
	}
	m := snapshot.Manifest{Format: 1, ID: "x", Job: "j", Instance: "i", Time: time.Unix(1700000000, 0).UTC(), Encryption: "age",
		Recipients: []string{key.id.Recipient().String()}, ObjectInfo: snapshot.ObjectInfo{Size: 10, SHA256: sha(nil)},
		Entries: []snapshot.Entry{fileEntry("f", "hello")}}
	plain, _ := json.Marshal(m)
	sealed, sig := seal(plain)
	got, err := snapshot.OpenManifest(sealed, sig, trusted, key.ids)
	if err != nil || got.Format != 1 || got.Entries[0].Path != "f" {
		t.Fatalf("format 1: %+v, %v", got, err)
	}
	m.Format = 2
	plain, _ = json.Marshal(m)
	sealed, sig = seal(plain)
	if _, err := snapshot.OpenManifest(sealed, sig, trusted, key.ids); !errors.Is(err, snapshot.ErrTampered) {
		t.Errorf("a format 2 manifest stored plain: %v", err)
	}
}
