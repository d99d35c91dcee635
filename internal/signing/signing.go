// Package signing keeps the keys that sign the links vigie puts in messages (acknowledge an
// alert, confirm or end a subscription to a status page). A key lives in the database, created
// on first use, so every node of a cluster signs and verifies alike and links outlive restarts.
package signing

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"sync"
)

// Settings stores server-wide settings.
type Settings interface {
	// SetSettingOnce writes value under name unless a value is stored already, and returns
	// the stored value either way.
	SetSettingOnce(ctx context.Context, name, value string) (string, error)
}

// Key is one named HMAC key.
type Key struct {
	store Settings
	name  string
	mu    sync.Mutex
	key   []byte
}

// NewKey returns the key stored under the setting name; it is created on first use.
func NewKey(s Settings, name string) *Key { return &Key{store: s, name: name} }

func (k *Key) secret(ctx context.Context) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.key != nil {
		return k.key, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	stored, err := k.store.SetSettingOnce(ctx, k.name, hex.EncodeToString(fresh))
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(stored)
	if err != nil {
		return nil, err
	}
	k.key = key
	return key, nil
}

// Sum is the HMAC-SHA256 of msg, 192 bits in 32 URL-safe characters: short enough for a link,
// far too long to guess.
func (k *Key) Sum(ctx context.Context, msg string) (string, error) {
	key, err := k.secret(ctx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:32], nil
}

// Verify reports whether sum is Sum(msg), in constant time.
func (k *Key) Verify(ctx context.Context, msg, sum string) (bool, error) {
	want, err := k.Sum(ctx, msg)
	if err != nil {
		return false, err
	}
	return hmac.Equal([]byte(want), []byte(sum)), nil
}
