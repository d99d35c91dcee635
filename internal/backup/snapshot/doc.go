// Package snapshot writes and reads vigie's backup objects: one stream made of
// entries -> tar -> zstd -> encryption (age or OpenPGP) to the instance's public keys, plus a
// manifest (JSON, zstd-compressed), encrypted to the same keys and signed with the server's
// ed25519 key, which lists every entry with its SHA-256 and the SHA-256 of the encrypted object.
//
// The format is deliberately the one plain tools read, so that a snapshot restores without vigie:
//
//	age -d -i key.txt X.tar.zst.age | zstd -d | tar x
//	gpg -d X.tar.zst.gpg | zstd -d | tar x
//
// A stream of unknown length (a database dump) is cut into tar entries name.part000000,
// name.part000001, ... so that `cat name.part* > name` rebuilds it.
//
// The signature covers the encrypted manifest bytes, so tampering is detected before anything is
// decrypted; the manifest in turn pins the object, and reading an object back checks every entry
// against it, in order, so that a forged object (anyone can encrypt to a public key) cannot make
// Extract write anything the signed manifest does not describe.
//
// Everything streams: memory stays bounded by one stream chunk plus the zstd windows, whatever
// the size of the data.
package snapshot

import "errors"

var (
	// ErrTampered is wrapped by every error that says the object or manifest does not match
	// what was written: a checksum or size mismatch, a missing or extra entry, a failed
	// decryption authentication, a truncated object.
	ErrTampered = errors.New("snapshot tampered with or corrupted")
	// ErrWrongKey is returned when none of the given identities can decrypt the snapshot.
	ErrWrongKey = errors.New("wrong key: no given identity can decrypt this snapshot")
	// ErrBadSignature is returned by OpenManifest when the signature does not verify against
	// any trusted key; nothing has been decrypted then.
	ErrBadSignature = errors.New("bad manifest signature")
	// ErrUnsafePath is wrapped when a path would escape the snapshot or the restore directory.
	ErrUnsafePath = errors.New("unsafe path")
	// ErrNotFound is returned when the entries asked for are not in the snapshot.
	ErrNotFound = errors.New("not in the snapshot")
)
