package snapshot_test

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"vigie/internal/backup/snapshot"
	"vigie/internal/testutil"
)

// needTools stops the test when a Debian tool it drives is missing (a failure under CI=true).
func needTools(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		_, err := exec.LookPath(n)
		testutil.Need(t, n+" (apt-get install age zstd gnupg tar)", err)
	}
}

type ageKey struct {
	id      *age.X25519Identity
	enc     snapshot.Encryption
	ids     snapshot.Identities
	keyFile string // age-keygen format, for the age command
}

func newAgeKey(t testing.TB) ageKey {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	text := "# created: test\n# public key: " + id.Recipient().String() + "\n" + id.String() + "\n"
	keyFile := filepath.Join(t.TempDir(), "key.txt")
	if err := os.WriteFile(keyFile, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	enc, err := snapshot.ParseRecipients([]string{id.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := snapshot.ParseIdentities([]byte(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	return ageKey{id: id, enc: enc, ids: ids, keyFile: keyFile}
}

type pgpKey struct {
	entity      *openpgp.Entity
	publicArmor string
	secretArmor string // unprotected, for gpg --import
	parsedArmor string // what ParseIdentities read: protected when a passphrase was given
	enc         snapshot.Encryption
	ids         snapshot.Identities
}

func newPGPKey(t testing.TB, passphrase []byte) pgpKey {
	t.Helper()
	cfg := &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA, Curve: packet.Curve25519}
	e, err := openpgp.NewEntity("Vigie Test", "throwaway", "test@vigie.invalid", cfg)
	if err != nil {
		t.Fatal(err)
	}
	k := pgpKey{entity: e}
	k.publicArmor = armorOf(t, openpgp.PublicKeyType, e.Serialize)
	k.secretArmor = armorOf(t, openpgp.PrivateKeyType, func(w io.Writer) error { return e.SerializePrivate(w, nil) })
	secret := k.secretArmor
	if passphrase != nil {
		// A copy, so that the entity above stays usable unprotected.
		el, err := openpgp.ReadArmoredKeyRing(strings.NewReader(k.secretArmor))
		if err != nil {
			t.Fatal(err)
		}
		if err := el[0].EncryptPrivateKeys(passphrase, nil); err != nil {
			t.Fatal(err)
		}
		secret = armorOf(t, openpgp.PrivateKeyType, func(w io.Writer) error { return el[0].SerializePrivateWithoutSigning(w, nil) })
	}
	if k.enc, err = snapshot.ParseRecipients([]string{k.publicArmor}); err != nil {
		t.Fatal(err)
	}
	k.parsedArmor = secret
	if k.ids, err = snapshot.ParseIdentities([]byte(secret), passphrase); err != nil {
		t.Fatal(err)
	}
	return k
}

func armorOf(t testing.TB, blockType string, serialize func(io.Writer) error) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, blockType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := serialize(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func newSigningKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	k, err := snapshot.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func randomBytes(seed uint64, n int) []byte {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(s).Read(b)
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// snap is a written snapshot: the object in a file and its opened manifest.
type snap struct {
	objPath string
	obj     []byte // when small enough to keep
	m       *snapshot.Manifest
	sealed  []byte
	sig     []byte
	signer  ed25519.PrivateKey
}

func (s snap) open(t testing.TB) *os.File {
	t.Helper()
	f, err := os.Open(s.objPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// writeSnapshot runs fill against a Writer to a file, seals the manifest and opens it again.
func writeSnapshot(t testing.TB, enc snapshot.Encryption, ids snapshot.Identities, o snapshot.Options, fill func(*snapshot.Writer)) snap {
	t.Helper()
	s := snap{objPath: filepath.Join(t.TempDir(), "snap.tar.zst"+enc.Ext()), signer: newSigningKey(t)}
	f, err := os.Create(s.objPath)
	if err != nil {
		t.Fatal(err)
	}
	w, err := snapshot.NewWriter(f, enc, o)
	if err != nil {
		t.Fatal(err)
	}
	fill(w)
	info, entries, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(s.objPath); fi.Size() != info.Size {
		t.Fatalf("ObjectInfo.Size = %d, file has %d bytes", info.Size, fi.Size())
	}
	if info.Size < 64<<20 {
		s.obj, _ = os.ReadFile(s.objPath)
	}
	m := &snapshot.Manifest{
		ID: "20260102T030405Z-test", Job: "test", Instance: "inst-1",
		Time:   time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600)),
		Object: filepath.Base(s.objPath), ObjectInfo: info, Entries: entries, Vigie: "test",
		Sources: []snapshot.SourceInfo{{Name: "files", Type: "paths", Entries: len(entries)}},
	}
	s.sealed, s.sig, err = snapshot.SealManifest(m, enc, s.signer)
	if err != nil {
		t.Fatal(err)
	}
	s.m, err = snapshot.OpenManifest(s.sealed, s.sig, []ed25519.PublicKey{s.signer.Public().(ed25519.PublicKey)}, ids)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// addTree adds dir's content the way a file source does: lexical order, hard links detected by
// inode, headers from tar.FileInfoHeader.
func addTree(t testing.TB, w *snapshot.Writer, dir string) {
	t.Helper()
	seen := map[uint64]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		hdr.Name = rel
		if st := fi.Sys().(*syscall.Stat_t); fi.Mode().IsRegular() && st.Nlink > 1 {
			if first, ok := seen[st.Ino]; ok {
				hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
				return w.Add(hdr, nil)
			}
			seen[st.Ino] = rel
		}
		if !fi.Mode().IsRegular() {
			return w.Add(hdr, nil)
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return w.Add(hdr, f)
	})
	if err != nil {
		t.Fatal(err)
	}
}

type node struct {
	typ      string
	mode     fs.FileMode
	size     int64
	sum      string
	link     string
	mtime    time.Time
	uid, gid uint32
	ino      uint64
}

// scanTree describes every path under dir.
func scanTree(t testing.TB, dir string) map[string]node {
	t.Helper()
	out := map[string]node{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		n := node{mode: fi.Mode(), mtime: fi.ModTime(), uid: st.Uid, gid: st.Gid, ino: st.Ino}
		switch {
		case fi.IsDir():
			n.typ = "dir"
		case fi.Mode()&fs.ModeSymlink != 0:
			n.typ = "symlink"
			n.link, _ = os.Readlink(p)
		case fi.Mode().IsRegular():
			n.typ, n.size = "file", fi.Size()
			h := sha256.New()
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := io.Copy(h, f); err != nil {
				return err
			}
			n.sum = hex.EncodeToString(h.Sum(nil))
		default:
			n.typ = "other"
		}
		out[filepath.ToSlash(rel)] = n
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// compareTrees checks that every path of want is in got with the same type, content, mode,
// owner, time (symlinks' times aside) and hard-link grouping.
func compareTrees(t testing.TB, want, got map[string]node) {
	t.Helper()
	inodes := map[uint64]uint64{} // want inode -> got inode
	for p, w := range want {
		g, ok := got[p]
		if !ok {
			t.Errorf("%q: missing after restore", p)
			continue
		}
		switch {
		case g.typ != w.typ:
			t.Errorf("%q: type %s, want %s", p, g.typ, w.typ)
		case g.mode != w.mode:
			t.Errorf("%q: mode %v, want %v", p, g.mode, w.mode)
		case g.sum != w.sum || g.size != w.size:
			t.Errorf("%q: content differs (%d bytes, want %d)", p, g.size, w.size)
		case g.link != w.link:
			t.Errorf("%q: link %q, want %q", p, g.link, w.link)
		case g.uid != w.uid || g.gid != w.gid:
			t.Errorf("%q: owner %d:%d, want %d:%d", p, g.uid, g.gid, w.uid, w.gid)
		case w.typ != "symlink" && !g.mtime.Equal(w.mtime):
			t.Errorf("%q: mtime %v, want %v", p, g.mtime, w.mtime)
		}
		if w.typ == "file" {
			if prev, ok := inodes[w.ino]; ok && prev != g.ino {
				t.Errorf("%q: hard link lost (inode %d, want %d)", p, g.ino, prev)
			}
			inodes[w.ino] = g.ino
		}
	}
}

func mustWrite(t testing.TB, path string, data []byte, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}

func mustRun(t testing.TB, env []string, script string) string {
	t.Helper()
	cmd := exec.Command("bash", "-o", "pipefail", "-c", script)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, stderr.String())
	}
	return string(out)
}

func isRoot() bool { return os.Geteuid() == 0 }

// writableOnCleanup lets t.TempDir remove read-only directories under dir when not root.
func writableOnCleanup(t testing.TB, dir string) {
	t.Cleanup(func() {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chmod(p, 0o755)
			}
			return nil
		})
	})
}
