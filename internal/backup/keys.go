package backup

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"vigie/internal/backup/snapshot"
)

// LoadSigningKey reads the server's signing key at path, creating it (mode 0600) when there
// is none yet. created says it was made now, so the caller can tell the operator to keep its
// public half somewhere safe.
func LoadSigningKey(path string) (key ed25519.PrivateKey, created bool, err error) {
	data, err := os.ReadFile(path)
	if err == nil {
		key, err := snapshot.ParseSigningKey(data)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	key, err = snapshot.GenerateSigningKey()
	if err != nil {
		return nil, false, err
	}
	pem, err := snapshot.MarshalSigningKey(key)
	if err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, err
	}
	// Written whole to a temporary, then linked into place: two processes starting at once
	// never see half a key, and the one that loses the race reads the winner's.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".signing-key-")
	if err != nil {
		return nil, false, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(pem); err != nil {
		tmp.Close()
		return nil, false, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, false, err
	}
	if err := tmp.Close(); err != nil {
		return nil, false, err
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return LoadSigningKey(path)
	} else if err != nil {
		return nil, false, err
	}
	return key, true, nil
}

// PublicKeyText is the line to put in another server's backups.trusted_keys.
func (k Keys) PublicKeyText() string {
	if k.Signing == nil {
		return ""
	}
	return snapshot.MarshalPublicKey(k.Signing.Public().(ed25519.PublicKey))
}
