package alert

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"

	"vigie/internal/errs"
)

// ackKeySetting names the stored key that signs acknowledgement links. It lives in the
// database so every node of a cluster signs and verifies alike.
const ackKeySetting = "alert.ack_key"

// Signer makes and checks the links in messages that acknowledge alerts without a login: the
// link names the alerts and carries an HMAC of them.
type Signer struct {
	store Store
	mu    sync.Mutex
	key   []byte
}

// NewSigner returns a signer whose key is created on first use.
func NewSigner(s Store) *Signer { return &Signer{store: s} }

func (s *Signer) secret(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	stored, err := s.store.SetSettingOnce(ctx, ackKeySetting, hex.EncodeToString(fresh))
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(stored)
	if err != nil {
		return nil, err
	}
	s.key = key
	return key, nil
}

func mac(key []byte, payload string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("vigie ack v1:" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:32]
}

// Sign returns the token for a link acknowledging alerts.
func (s *Signer) Sign(ctx context.Context, alerts []*Alert) (string, error) {
	key, err := s.secret(ctx)
	if err != nil {
		return "", err
	}
	ids := make([]string, len(alerts))
	for i, a := range alerts {
		ids[i] = strconv.FormatInt(a.ID, 10)
	}
	payload := strings.Join(ids, "-")
	return payload + "." + mac(key, payload), nil
}

// Verify returns the alert IDs a token acknowledges, or errs.NotFound for a token that was
// not made here (the same answer as for any unknown link).
func (s *Signer) Verify(ctx context.Context, token string) ([]int64, error) {
	bad := errs.E(errs.NotFound, "this acknowledgement link is not valid")
	payload, sum, ok := strings.Cut(token, ".")
	if !ok || payload == "" {
		return nil, bad
	}
	key, err := s.secret(ctx)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal([]byte(mac(key, payload)), []byte(sum)) {
		return nil, bad
	}
	var ids []int64
	for _, p := range strings.Split(payload, "-") {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, bad
		}
		ids = append(ids, id)
	}
	return ids, nil
}
