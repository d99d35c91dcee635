package snapshot

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/ProtonMail/go-crypto/openpgp"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
)

const (
	pgpPublicBegin  = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
	pgpPublicEnd    = "-----END PGP PUBLIC KEY BLOCK-----"
	pgpPrivateBegin = "-----BEGIN PGP PRIVATE KEY BLOCK-----"
	ageHeaderPrefix = "age-encryption.org/"
)

// Encryption says to whom a snapshot is encrypted: exactly one of the two kinds per snapshot.
type Encryption struct {
	Age []age.Recipient
	PGP openpgp.EntityList // public keys
}

// ParseRecipients reads the recipients of a job: "age1..." lines (X25519, the kind Debian's
// age decrypts) or ASCII-armored OpenPGP public key blocks. A block may come as one string or
// spread over consecutive lines. Empty lines and lines starting with "#" are ignored. Mixing
// both kinds is an error, so that one tool restores the whole snapshot.
func ParseRecipients(lines []string) (Encryption, error) {
	var enc Encryption
	for i := 0; i < len(lines); i++ {
		s := strings.TrimSpace(lines[i])
		switch {
		case s == "" || strings.HasPrefix(s, "#"):
			continue
		case strings.HasPrefix(s, pgpPublicBegin):
			first := i
			block := []string{s}
			for !strings.Contains(s, pgpPublicEnd) && i+1 < len(lines) {
				i++
				s = strings.TrimSpace(lines[i])
				block = append(block, s)
			}
			if !strings.Contains(s, pgpPublicEnd) {
				return Encryption{}, fmt.Errorf("recipient %d: PGP public key block has no end line", first+1)
			}
			el, err := parsePGPPublic(strings.Join(block, "\n"))
			if err != nil {
				return Encryption{}, fmt.Errorf("recipient %d: %w", first+1, err)
			}
			enc.PGP = append(enc.PGP, el...)
		case strings.HasPrefix(s, "age1pq1"):
			return Encryption{}, fmt.Errorf("recipient %d: post-quantum age recipients are not supported yet: the age in Debian cannot decrypt them", i+1)
		case strings.HasPrefix(s, "age1"):
			r, err := age.ParseX25519Recipient(s)
			if err != nil {
				return Encryption{}, fmt.Errorf("recipient %d: %q is not a valid age recipient", i+1, truncate(s, 80))
			}
			enc.Age = append(enc.Age, r)
		case strings.HasPrefix(s, "AGE-SECRET-KEY-") || strings.HasPrefix(s, pgpPrivateBegin):
			// Never echo it: it is a private key given where a public one belongs.
			return Encryption{}, fmt.Errorf("recipient %d: this is a private key; give the public key (age-keygen -y, gpg --export --armor)", i+1)
		default:
			// Not quoted: a secret pasted at the wrong place must not reach logs.
			return Encryption{}, fmt.Errorf("recipient %d: neither an age recipient (age1...) nor a PGP public key block", i+1)
		}
	}
	if err := enc.validate(); err != nil {
		return Encryption{}, err
	}
	return enc, nil
}

func parsePGPPublic(block string) (openpgp.EntityList, error) {
	el, err := openpgp.ReadArmoredKeyRing(strings.NewReader(block))
	if err != nil {
		return nil, fmt.Errorf("invalid PGP public key block: %w", err)
	}
	for _, e := range el {
		if e.PrivateKey != nil {
			return nil, errors.New("PGP block holds a private key; give the public key (gpg --export --armor)")
		}
		if _, ok := e.EncryptionKey(time.Now()); !ok {
			return nil, fmt.Errorf("PGP key %s has no valid encryption key (expired, revoked or signing-only)", pgpFingerprint(e))
		}
	}
	return el, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func (e Encryption) validate() error {
	switch {
	case len(e.Age) > 0 && len(e.PGP) > 0:
		return errors.New("recipients mix age and PGP keys: a snapshot is encrypted with one kind only")
	case len(e.Age) == 0 && len(e.PGP) == 0:
		return errors.New("no recipients: a snapshot must be encrypted to at least one public key")
	}
	return nil
}

// Ext is the object name's suffix for this encryption, after ".tar.zst".
func (e Encryption) Ext() string {
	switch e.Kind() {
	case "age":
		return ".age"
	case "pgp":
		return ".gpg"
	}
	return ""
}

// Kind is "age" or "pgp", as recorded in the manifest; "" when no recipient is set.
func (e Encryption) Kind() string {
	switch {
	case len(e.Age) > 0:
		return "age"
	case len(e.PGP) > 0:
		return "pgp"
	}
	return ""
}

// Recipients lists the public keys as text: age recipients, or PGP primary key fingerprints.
func (e Encryption) Recipients() []string {
	var out []string
	for _, r := range e.Age {
		if s, ok := r.(fmt.Stringer); ok {
			out = append(out, s.String())
		} else {
			out = append(out, fmt.Sprintf("%T", r))
		}
	}
	for _, ent := range e.PGP {
		out = append(out, pgpFingerprint(ent))
	}
	return out
}

func pgpFingerprint(e *openpgp.Entity) string {
	if e == nil || e.PrimaryKey == nil {
		return ""
	}
	return strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))
}

// encrypt returns a writer whose bytes reach dst encrypted; closing it finishes the message
// but does not close dst.
func (e Encryption) encrypt(dst io.Writer) (io.WriteCloser, error) {
	if err := e.validate(); err != nil {
		return nil, err
	}
	if len(e.Age) > 0 {
		return age.Encrypt(dst, e.Age...)
	}
	// No compression (zstd did it) and no AEAD packets: GnuPG 2.2 in Debian reads SEIPDv1.
	return openpgp.Encrypt(dst, e.PGP, nil, &openpgp.FileHints{IsBinary: true}, nil)
}

// Identities decrypt snapshots. The String method never shows the keys.
type Identities struct {
	Age []age.Identity
	PGP openpgp.EntityList // with decrypted private keys
}

func (ids Identities) String() string {
	return fmt.Sprintf("snapshot.Identities{age: %d, pgp: %d}", len(ids.Age), len(ids.PGP))
}

// GoString keeps %#v from printing private keys.
func (ids Identities) GoString() string { return ids.String() }

// ParseIdentities reads age identities (the AGE-SECRET-KEY-1... lines of an age-keygen file,
// with its comments) or an ASCII-armored OpenPGP private key, decrypted with passphrase when it
// is protected. Errors never quote the key material.
func ParseIdentities(data []byte, passphrase []byte) (Identities, error) {
	if i := bytes.Index(data, []byte(pgpPrivateBegin)); i >= 0 && len(bytes.TrimSpace(data[:i])) == 0 {
		el, err := parsePGPPrivate(data, passphrase)
		if err != nil {
			return Identities{}, err
		}
		return Identities{PGP: el}, nil
	}
	var ids Identities
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.HasPrefix(line, "AGE-SECRET-KEY-") {
			return Identities{}, fmt.Errorf("identity line %d: neither an age secret key (AGE-SECRET-KEY-1...) nor a PGP private key block", n+1)
		}
		parsed, err := age.ParseIdentities(strings.NewReader(line))
		if err != nil {
			return Identities{}, fmt.Errorf("identity line %d: malformed age secret key", n+1)
		}
		ids.Age = append(ids.Age, parsed...)
	}
	if len(ids.Age) == 0 {
		return Identities{}, errors.New("no identities found")
	}
	return ids, nil
}

func parsePGPPrivate(data, passphrase []byte) (openpgp.EntityList, error) {
	el, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(data))
	if err != nil {
		return nil, errors.New("invalid PGP private key block")
	}
	for _, e := range el {
		if e.PrivateKey == nil {
			return nil, fmt.Errorf("PGP key %s: public key only; a private key is needed to decrypt", pgpFingerprint(e))
		}
		if !pgpEncrypted(e) {
			continue
		}
		if len(passphrase) == 0 {
			return nil, fmt.Errorf("PGP key %s is protected by a passphrase and none was given", pgpFingerprint(e))
		}
		if err := e.DecryptPrivateKeys(passphrase); err != nil {
			return nil, fmt.Errorf("PGP key %s: wrong passphrase or damaged key", pgpFingerprint(e))
		}
	}
	return el, nil
}

func pgpEncrypted(e *openpgp.Entity) bool {
	if e.PrivateKey != nil && e.PrivateKey.Encrypted {
		return true
	}
	for _, s := range e.Subkeys {
		if s.PrivateKey != nil && s.PrivateKey.Encrypted {
			return true
		}
	}
	return false
}

// knownRecipients lists the recipients the identities stand for, when that can be known
// (complete is false when some identity's public side is unknown).
func (ids Identities) knownRecipients() (recipients map[string]bool, complete bool) {
	recipients = map[string]bool{}
	complete = true
	for _, id := range ids.Age {
		if x, ok := id.(*age.X25519Identity); ok {
			recipients[x.Recipient().String()] = true
		} else {
			complete = false
		}
	}
	for _, e := range ids.PGP {
		recipients[pgpFingerprint(e)] = true
	}
	return recipients, complete
}

// checkCanDecrypt answers ErrWrongKey early when the manifest's (signed) recipient list shows
// that none of the identities can decrypt, and tells whether a decryption refusal later on
// must then mean a damaged header rather than a wrong key.
func (ids Identities) checkCanDecrypt(m *Manifest) (listed bool, err error) {
	switch {
	case m.Encryption == "age" && len(ids.Age) == 0, m.Encryption == "pgp" && len(ids.PGP) == 0:
		return false, fmt.Errorf("%w: the snapshot is encrypted with %s and no %s identity was given", ErrWrongKey, m.Encryption, m.Encryption)
	case len(ids.Age) == 0 && len(ids.PGP) == 0:
		return false, fmt.Errorf("%w: no identity given", ErrWrongKey)
	}
	if len(m.Recipients) == 0 {
		return false, nil
	}
	known, complete := ids.knownRecipients()
	for _, r := range m.Recipients {
		if known[r] {
			return true, nil
		}
	}
	if !complete {
		return false, nil
	}
	return false, fmt.Errorf("%w: it is encrypted to %s", ErrWrongKey, strings.Join(m.Recipients, ", "))
}

// decrypt opens an encrypted message of the given kind ("age", "pgp", or "" to tell from its
// first bytes). A refusal to decrypt is ErrWrongKey unless the identities are listed among the
// recipients, in which case the header was damaged.
func (ids Identities) decrypt(src io.Reader, kind string, listed bool) (io.Reader, error) {
	br := bufio.NewReaderSize(src, bufSize)
	if kind == "" {
		kind = "pgp"
		if head, _ := br.Peek(len(ageHeaderPrefix)); string(head) == ageHeaderPrefix {
			kind = "age"
		}
	}
	if kind == "age" {
		if len(ids.Age) == 0 {
			return nil, fmt.Errorf("%w: encrypted with age, and no age identity given", ErrWrongKey)
		}
		r, err := age.Decrypt(br, ids.Age...)
		if err != nil {
			if _, ok := errors.AsType[*age.NoIdentityMatchError](err); ok {
				return nil, refused(listed, err)
			}
			return nil, fmt.Errorf("%w: %w", ErrTampered, err)
		}
		return r, nil
	}
	if len(ids.PGP) == 0 {
		return nil, fmt.Errorf("%w: encrypted with PGP, and no PGP identity given", ErrWrongKey)
	}
	md, err := openpgp.ReadMessage(br, ids.PGP, nil, nil)
	if err != nil {
		if errors.Is(err, pgperrors.ErrKeyIncorrect) {
			return nil, refused(listed, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrTampered, err)
	}
	if !md.IsEncrypted || md.IsSymmetricallyEncrypted {
		return nil, fmt.Errorf("%w: the PGP message is not encrypted to a public key", ErrTampered)
	}
	return md.UnverifiedBody, nil
}

func refused(listed bool, err error) error {
	if listed {
		return fmt.Errorf("%w: the object's header refuses an identity the manifest lists as a recipient: %w", ErrTampered, err)
	}
	return fmt.Errorf("%w: %w", ErrWrongKey, err)
}
