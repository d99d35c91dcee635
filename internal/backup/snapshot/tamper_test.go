package snapshot_test

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/klauspost/compress/zstd"

	"vigie/internal/backup/snapshot"
)

// smallSnapshot holds a few entries and enough incompressible bytes for several age chunks.
func smallSnapshot(t *testing.T, enc snapshot.Encryption, ids snapshot.Identities) snap {
	t.Helper()
	return writeSnapshot(t, enc, ids, snapshot.Options{ChunkSize: 100 << 10}, func(w *snapshot.Writer) {
		add := func(name string, data []byte) {
			hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(data)), Mode: 0o644, ModTime: time.Unix(1700000000, 0)}
			if err := w.Add(hdr, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Add(&tar.Header{Typeflag: tar.TypeDir, Name: "db", Mode: 0o755}, nil); err != nil {
			t.Fatal(err)
		}
		add("a.txt", []byte("first file\n"))
		add("random.bin", randomBytes(7, 200<<10))
		if err := w.Stream("db/app.dump", 0o600, bytes.NewReader(randomBytes(8, 250<<10))); err != nil {
			t.Fatal(err)
		}
		add("z.txt", []byte("last file\n"))
	})
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}

func TestTamperedObject(t *testing.T) {
	for _, kind := range []string{"age", "pgp"} {
		t.Run(kind, func(t *testing.T) {
			enc, ids := keysOf(t, kind)
			s := smallSnapshot(t, enc, ids)
			if _, err := snapshot.Verify(bytes.NewReader(s.obj), s.m, ids); err != nil {
				t.Fatalf("Verify of the untouched object: %v", err)
			}
			n := len(s.obj)
			positions := []int{0, 3, 10, 25, 40, 60, 90, 120, 200, 400, n / 4, n / 3, n / 2, 2 * n / 3, n - 200, n - 40, n - 17, n - 2, n - 1}
			for _, pos := range positions {
				mut := flip(s.obj, pos)
				_, err := snapshot.Verify(bytes.NewReader(mut), s.m, ids)
				if !errors.Is(err, snapshot.ErrTampered) {
					t.Errorf("byte %d of %d flipped: Verify = %v, want ErrTampered", pos, n, err)
				}
				if errors.Is(err, snapshot.ErrWrongKey) {
					t.Errorf("byte %d flipped: reported as a wrong key: %v", pos, err)
				}
				out := t.TempDir()
				if _, err := snapshot.Extract(bytes.NewReader(mut), s.m, ids, out, nil); !errors.Is(err, snapshot.ErrTampered) {
					t.Errorf("byte %d flipped: Extract = %v, want ErrTampered", pos, err)
				}
				checkNoLeftovers(t, out)
			}
			for _, size := range []int{0, 10, 100, n / 2, n - 16, n - 1} {
				if _, err := snapshot.Verify(bytes.NewReader(s.obj[:size]), s.m, ids); !errors.Is(err, snapshot.ErrTampered) {
					t.Errorf("object cut to %d of %d bytes: Verify = %v, want ErrTampered", size, n, err)
				}
			}
			extra := append(bytes.Clone(s.obj), 0)
			if _, err := snapshot.Verify(bytes.NewReader(extra), s.m, ids); !errors.Is(err, snapshot.ErrTampered) {
				t.Errorf("a byte appended: Verify = %v, want ErrTampered", err)
			}
		})
	}
}

// checkNoLeftovers fails when a restore left temporary files behind.
func checkNoLeftovers(t *testing.T, dir string) {
	t.Helper()
	for p := range scanTree(t, dir) {
		if strings.Contains(p, ".vigie-restore") {
			t.Errorf("temporary file %q left behind", p)
		}
	}
}

func TestTamperedEntryIsNamed(t *testing.T) {
	key := newAgeKey(t)
	s := smallSnapshot(t, key.enc, key.ids)
	m := *s.m
	m.Entries = append([]snapshot.Entry(nil), s.m.Entries...)
	for i := range m.Entries {
		if m.Entries[i].Path == "db/app.dump" {
			m.Entries[i].SHA256 = sha([]byte("something else"))
		}
	}
	_, err := snapshot.Verify(bytes.NewReader(s.obj), &m, key.ids)
	if !errors.Is(err, snapshot.ErrTampered) || !strings.Contains(err.Error(), "entry db/app.dump: sha256 mismatch") {
		t.Errorf("Verify = %v, want ErrTampered naming db/app.dump", err)
	}
	m.Entries = s.m.Entries[:len(s.m.Entries)-1]
	if _, err := snapshot.Verify(bytes.NewReader(s.obj), &m, key.ids); !errors.Is(err, snapshot.ErrTampered) || !strings.Contains(err.Error(), "z.txt") {
		t.Errorf("entry missing from the manifest: Verify = %v, want ErrTampered naming z.txt", err)
	}
	m.Entries = append(append([]snapshot.Entry(nil), s.m.Entries...), snapshot.Entry{Path: "zz", Type: snapshot.TypeDir, Mode: 0o755})
	if _, err := snapshot.Verify(bytes.NewReader(s.obj), &m, key.ids); !errors.Is(err, snapshot.ErrTampered) || !strings.Contains(err.Error(), "zz") {
		t.Errorf("entry missing from the object: Verify = %v, want ErrTampered naming zz", err)
	}
	m = *s.m
	m.ObjectInfo.SHA256 = sha(nil)
	if _, err := snapshot.Verify(bytes.NewReader(s.obj), &m, key.ids); !errors.Is(err, snapshot.ErrTampered) || !strings.Contains(err.Error(), "object") {
		t.Errorf("object hash differs: Verify = %v", err)
	}
}

func TestObjectReadError(t *testing.T) {
	key := newAgeKey(t)
	s := smallSnapshot(t, key.enc, key.ids)
	boom := errors.New("connection reset by peer")
	r := io.MultiReader(bytes.NewReader(s.obj[:len(s.obj)/2]), errReader{boom})
	_, err := snapshot.Verify(r, s.m, key.ids)
	if !errors.Is(err, boom) || errors.Is(err, snapshot.ErrTampered) {
		t.Errorf("Verify = %v, want the target's I/O error, not tampering", err)
	}
}

func TestTamperedManifest(t *testing.T) {
	key := newAgeKey(t)
	s := smallSnapshot(t, key.enc, key.ids)
	trusted := []ed25519.PublicKey{s.signer.Public().(ed25519.PublicKey)}
	for i := 0; i < len(s.sealed); i += max(1, len(s.sealed)/40) {
		if _, err := snapshot.OpenManifest(flip(s.sealed, i), s.sig, trusted, key.ids); !errors.Is(err, snapshot.ErrBadSignature) {
			t.Errorf("sealed manifest byte %d flipped: %v, want ErrBadSignature", i, err)
		}
	}
	for i := range s.sig {
		if _, err := snapshot.OpenManifest(s.sealed, flip(s.sig, i), trusted, key.ids); !errors.Is(err, snapshot.ErrBadSignature) {
			t.Errorf("signature byte %d (%q) flipped: %v, want ErrBadSignature", i, s.sig[i], err)
		}
	}
	for _, sig := range [][]byte{nil, {}, []byte("vigie-ed25519"), bytes.TrimSpace(s.sig)[:len(s.sig)-3], append(bytes.Clone(s.sig), '\n')} {
		if _, err := snapshot.OpenManifest(s.sealed, sig, trusted, key.ids); !errors.Is(err, snapshot.ErrBadSignature) {
			t.Errorf("signature %q: %v, want ErrBadSignature", sig, err)
		}
	}
	// The signature is checked before decryption: no identity is needed to detect tampering.
	if _, err := snapshot.OpenManifest(flip(s.sealed, 10), s.sig, trusted, snapshot.Identities{}); !errors.Is(err, snapshot.ErrBadSignature) {
		t.Errorf("without identities: %v, want ErrBadSignature", err)
	}
	other := newSigningKey(t)
	forgedSealed, forgedSig, err := snapshot.SealManifest(s.m, key.enc, other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.OpenManifest(forgedSealed, forgedSig, trusted, key.ids); !errors.Is(err, snapshot.ErrBadSignature) {
		t.Errorf("signed by another key: %v, want ErrBadSignature", err)
	}
	if _, err := snapshot.OpenManifest(s.sealed, s.sig, nil, key.ids); !errors.Is(err, snapshot.ErrBadSignature) {
		t.Errorf("no trusted key: %v, want ErrBadSignature", err)
	}
	// Several trusted keys (a key rotation): either one verifies its own signatures.
	both := []ed25519.PublicKey{other.Public().(ed25519.PublicKey), trusted[0]}
	if _, err := snapshot.OpenManifest(forgedSealed, forgedSig, both, key.ids); err != nil {
		t.Errorf("trusted second key: %v", err)
	}
	if _, err := snapshot.OpenManifest(s.sealed, s.sig, both, key.ids); err != nil {
		t.Errorf("trusted first key: %v", err)
	}
}

func keysOf(t *testing.T, kind string) (snapshot.Encryption, snapshot.Identities) {
	if kind == "pgp" {
		k := newPGPKey(t, nil)
		return k.enc, k.ids
	}
	k := newAgeKey(t)
	return k.enc, k.ids
}

func TestWrongKey(t *testing.T) {
	for _, kind := range []string{"age", "pgp"} {
		t.Run(kind, func(t *testing.T) {
			enc, ids := keysOf(t, kind)
			s := smallSnapshot(t, enc, ids)
			trusted := []ed25519.PublicKey{s.signer.Public().(ed25519.PublicKey)}
			_, wrongAge := keysOf(t, "age")
			_, wrongPGP := keysOf(t, "pgp")
			for name, wrong := range map[string]snapshot.Identities{"age": wrongAge, "pgp": wrongPGP, "none": {}} {
				if _, err := snapshot.Verify(bytes.NewReader(s.obj), s.m, wrong); !errors.Is(err, snapshot.ErrWrongKey) {
					t.Errorf("%s identity: Verify = %v, want ErrWrongKey", name, err)
				}
				if _, err := snapshot.Extract(bytes.NewReader(s.obj), s.m, wrong, t.TempDir(), nil); !errors.Is(err, snapshot.ErrWrongKey) {
					t.Errorf("%s identity: Extract = %v, want ErrWrongKey", name, err)
				}
				if err := snapshot.StreamTo(bytes.NewReader(s.obj), s.m, wrong, "db/app.dump", io.Discard); !errors.Is(err, snapshot.ErrWrongKey) {
					t.Errorf("%s identity: StreamTo = %v, want ErrWrongKey", name, err)
				}
				if _, err := snapshot.OpenManifest(s.sealed, s.sig, trusted, wrong); !errors.Is(err, snapshot.ErrWrongKey) {
					t.Errorf("%s identity: OpenManifest = %v, want ErrWrongKey", name, err)
				}
			}
			// Without the manifest's recipient list, the decryption itself tells.
			m := *s.m
			m.Recipients = nil
			wrong := wrongAge
			if kind == "pgp" {
				wrong = wrongPGP
			}
			if _, err := snapshot.Verify(bytes.NewReader(s.obj), &m, wrong); !errors.Is(err, snapshot.ErrWrongKey) {
				t.Errorf("no recipients listed: Verify = %v, want ErrWrongKey", err)
			}
		})
	}
}

func TestEscrowRecipient(t *testing.T) {
	for _, kind := range []string{"age", "pgp"} {
		t.Run(kind, func(t *testing.T) {
			var lines []string
			var all []snapshot.Identities
			for range 2 { // the instance's key and the escrow key
				if kind == "age" {
					k := newAgeKey(t)
					lines, all = append(lines, k.id.Recipient().String()), append(all, k.ids)
				} else {
					k := newPGPKey(t, nil)
					lines, all = append(lines, k.publicArmor), append(all, k.ids)
				}
			}
			enc, err := snapshot.ParseRecipients(lines)
			if err != nil {
				t.Fatal(err)
			}
			s := smallSnapshot(t, enc, all[0])
			if len(s.m.Recipients) != 2 {
				t.Errorf("manifest lists %v, want both recipients", s.m.Recipients)
			}
			trusted := []ed25519.PublicKey{s.signer.Public().(ed25519.PublicKey)}
			for i, ids := range all {
				if _, err := snapshot.OpenManifest(s.sealed, s.sig, trusted, ids); err != nil {
					t.Errorf("identity %d: OpenManifest: %v", i, err)
				}
				if _, err := snapshot.Verify(bytes.NewReader(s.obj), s.m, ids); err != nil {
					t.Errorf("identity %d: Verify: %v", i, err)
				}
			}
		})
	}
}

// crafted encrypts a hand-made tar stream the way the Writer would, and returns it with a
// manifest that describes it.
func crafted(t *testing.T, key ageKey, entries []snapshot.Entry, build func(tw *tar.Writer)) ([]byte, *snapshot.Manifest) {
	t.Helper()
	var plain bytes.Buffer
	tw := tar.NewWriter(&plain)
	build(tw)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	var obj bytes.Buffer
	ew, err := age.Encrypt(&obj, key.id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	zw, err := zstd.NewWriter(ew)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(plain.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ew.Close(); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(obj.Bytes())
	return obj.Bytes(), &snapshot.Manifest{
		Format: 1, Encryption: "age", Recipients: []string{key.id.Recipient().String()},
		ObjectInfo: snapshot.ObjectInfo{Size: int64(obj.Len()), SHA256: hex.EncodeToString(sum[:])},
		Entries:    entries,
	}
}

func fileEntry(name, content string) snapshot.Entry {
	return snapshot.Entry{Path: name, Type: snapshot.TypeFile, Size: int64(len(content)), Mode: 0o644, SHA256: sha([]byte(content))}
}

func TestExtractRefusesTraversal(t *testing.T) {
	key := newAgeKey(t)
	base := t.TempDir()
	outside := filepath.Join(base, "outside")
	if err := os.Mkdir(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	reg := func(tw *tar.Writer, name, content string) {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(content)), Mode: 0o644})
		tw.Write([]byte(content))
	}
	symlink := func(tw *tar.Writer, name, target string) {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777})
	}
	link := func(name, target string) snapshot.Entry {
		return snapshot.Entry{Path: name, Type: snapshot.TypeSymlink, Link: target, Mode: 0o777}
	}
	tests := []struct {
		name    string
		entries []snapshot.Entry
		build   func(tw *tar.Writer)
		want    error
	}{
		{"dot-dot in the manifest", []snapshot.Entry{fileEntry("../x", "pwned")},
			func(tw *tar.Writer) { reg(tw, "../x", "pwned") }, snapshot.ErrUnsafePath},
		{"deep dot-dot in the manifest", []snapshot.Entry{fileEntry("a/../../x", "pwned")},
			func(tw *tar.Writer) { reg(tw, "a/../../x", "pwned") }, snapshot.ErrUnsafePath},
		{"absolute path in the manifest", []snapshot.Entry{fileEntry(filepath.Join(outside, "abs"), "pwned")},
			func(tw *tar.Writer) { reg(tw, filepath.Join(outside, "abs"), "pwned") }, snapshot.ErrUnsafePath},
		{"dot-dot in the object only", []snapshot.Entry{fileEntry("x", "pwned")},
			func(tw *tar.Writer) { reg(tw, "../x", "pwned") }, snapshot.ErrTampered},
		{"absolute path in the object only", []snapshot.Entry{fileEntry("abs", "pwned")},
			func(tw *tar.Writer) { reg(tw, filepath.Join(outside, "abs"), "pwned") }, snapshot.ErrTampered},
		{"through an absolute symlink", []snapshot.Entry{link("esc", outside), fileEntry("esc/pwned", "pwned")},
			func(tw *tar.Writer) { symlink(tw, "esc", outside); reg(tw, "esc/pwned", "pwned") }, snapshot.ErrUnsafePath},
		{"through a relative symlink", []snapshot.Entry{link("up", "../outside"), fileEntry("up/pwned", "pwned")},
			func(tw *tar.Writer) { symlink(tw, "up", "../outside"); reg(tw, "up/pwned", "pwned") }, snapshot.ErrUnsafePath},
		{"through a symlink to a directory", []snapshot.Entry{link("d", "../outside"), {Path: "d/sub", Type: snapshot.TypeDir, Mode: 0o755}},
			func(tw *tar.Writer) {
				symlink(tw, "d", "../outside")
				tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "d/sub/", Mode: 0o755})
			}, snapshot.ErrUnsafePath},
		{"hard link out", []snapshot.Entry{fileEntry("f", "x"), {Path: "h", Type: snapshot.TypeHardlink, Link: "../outside/victim"}},
			func(tw *tar.Writer) {
				reg(tw, "f", "x")
				tw.WriteHeader(&tar.Header{Typeflag: tar.TypeLink, Name: "h", Linkname: "../outside/victim"})
			}, snapshot.ErrUnsafePath},
		{"hard link out in the object only", []snapshot.Entry{fileEntry("f", "x"), {Path: "h", Type: snapshot.TypeHardlink, Link: "f"}},
			func(tw *tar.Writer) {
				reg(tw, "f", "x")
				tw.WriteHeader(&tar.Header{Typeflag: tar.TypeLink, Name: "h", Linkname: "/etc/passwd"})
			}, snapshot.ErrTampered},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, m := crafted(t, key, tt.entries, tt.build)
			out := filepath.Join(base, fmt.Sprintf("out%d", i))
			_, err := snapshot.Extract(bytes.NewReader(obj), m, key.ids, out, nil)
			if !errors.Is(err, tt.want) {
				t.Errorf("Extract = %v, want %v", err, tt.want)
			}
			if left, _ := os.ReadDir(outside); len(left) != 0 {
				t.Errorf("Extract wrote %s outside the restore directory", left[0].Name())
			}
		})
	}
	// A symlink already in the restore directory is not followed either.
	out := filepath.Join(base, "pre")
	victim := filepath.Join(outside, "victim")
	mustWrite(t, victim, []byte("keep me"), 0o644)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Symlink(outside, filepath.Join(out, "dir"))
	os.Symlink(victim, filepath.Join(out, "file"))
	obj, m := crafted(t, key, []snapshot.Entry{fileEntry("file", "new"), fileEntry("dir/pwned", "pwned")}, func(tw *tar.Writer) {
		reg(tw, "file", "new")
		reg(tw, "dir/pwned", "pwned")
	})
	if _, err := snapshot.Extract(bytes.NewReader(obj), m, key.ids, out, nil); !errors.Is(err, snapshot.ErrUnsafePath) {
		t.Errorf("Extract through an existing symlink = %v, want ErrUnsafePath", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Errorf("the file a symlink pointed to was overwritten: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "file")); string(b) != "new" {
		t.Errorf("the symlink was not replaced by the file: %q", b)
	}
	if left, _ := os.ReadDir(outside); len(left) != 1 {
		t.Errorf("%d entries outside, want only the victim", len(left))
	}
}

func TestSecretsStayOutOfErrors(t *testing.T) {
	key := newAgeKey(t)
	secret := key.id.String()
	damaged := secret[:len(secret)-3] + "QQQ"
	assertClean := func(what string, text string, secrets ...string) {
		t.Helper()
		for _, s := range secrets {
			for i := 0; i+12 <= len(s); i += 6 {
				if strings.Contains(text, s[i:i+12]) {
					t.Errorf("%s shows secret material: %s", what, text)
					return
				}
			}
		}
	}
	_, err := snapshot.ParseIdentities([]byte("# my key\n"+damaged+"\n"), nil)
	if err == nil {
		t.Fatal("a damaged identity was accepted")
	}
	assertClean("ParseIdentities error", err.Error(), damaged)
	_, err = snapshot.ParseRecipients([]string{secret})
	if err == nil {
		t.Fatal("a secret key was accepted as a recipient")
	}
	assertClean("ParseRecipients error", err.Error(), secret)
	_, err = snapshot.ParseRecipients([]string{"token-" + secret[15:]})
	assertClean("ParseRecipients error", fmt.Sprint(err), secret[15:])

	pass := []byte("hunter2-hunter2")
	pk := newPGPKey(t, pass)
	body := strings.Join(strings.Split(pk.parsedArmor, "\n")[3:6], "")
	for _, p := range [][]byte{nil, []byte("wrong passphrase")} {
		_, err = snapshot.ParseIdentities([]byte(pk.parsedArmor), p)
		if err == nil {
			t.Fatalf("passphrase %q accepted", p)
		}
		assertClean("PGP ParseIdentities error", err.Error(), string(pass), body)
	}

	signing := newSigningKey(t)
	pemBytes, _ := snapshot.MarshalSigningKey(signing)
	lines := strings.Split(string(pemBytes), "\n")
	lines[1] = strings.Repeat("A", 10) + lines[1][10:]
	_, err = snapshot.ParseSigningKey([]byte(strings.Join(lines, "\n")))
	if err == nil {
		t.Fatal("damaged signing key accepted")
	}
	assertClean("ParseSigningKey error", err.Error(), lines[1][10:])

	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		assertClean("formatted identities", fmt.Sprintf(format, key.ids), secret)
		assertClean("formatted PGP identities", fmt.Sprintf(format, pk.ids), pk.secretArmor)
	}
	s := smallSnapshot(t, key.enc, key.ids)
	wrong := newAgeKey(t)
	_, err = snapshot.Verify(bytes.NewReader(s.obj), s.m, wrong.ids)
	assertClean("wrong key error", fmt.Sprint(err), wrong.id.String(), secret)
}
