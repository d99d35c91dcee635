package alert

import (
	"context"
	"strconv"
	"strings"

	"vigie/internal/errs"
	"vigie/internal/signing"
)

// ackKeySetting names the stored key that signs acknowledgement links. It lives in the
// database so every node of a cluster signs and verifies alike.
const ackKeySetting = "alert.ack_key"

// Signer makes and checks the links in messages that acknowledge alerts without a login: the
// link names the alerts and carries an HMAC of them.
type Signer struct {
	key *signing.Key
}

// NewSigner returns a signer whose key is created on first use.
func NewSigner(s Store) *Signer { return &Signer{key: signing.NewKey(s, ackKeySetting)} }

// ackDomain keeps acknowledgement MACs apart from anything else signed with the key.
const ackDomain = "vigie ack v1:"

// Sign returns the token for a link acknowledging alerts.
func (s *Signer) Sign(ctx context.Context, alerts []*Alert) (string, error) {
	ids := make([]string, len(alerts))
	for i, a := range alerts {
		ids[i] = strconv.FormatInt(a.ID, 10)
	}
	payload := strings.Join(ids, "-")
	sum, err := s.key.Sum(ctx, ackDomain+payload)
	if err != nil {
		return "", err
	}
	return payload + "." + sum, nil
}

// Verify returns the alert IDs a token acknowledges, or errs.NotFound for a token that was
// not made here (the same answer as for any unknown link).
func (s *Signer) Verify(ctx context.Context, token string) ([]int64, error) {
	bad := errs.E(errs.NotFound, "this acknowledgement link is not valid")
	payload, sum, ok := strings.Cut(token, ".")
	if !ok || payload == "" {
		return nil, bad
	}
	ok, err := s.key.Verify(ctx, ackDomain+payload, sum)
	if err != nil {
		return nil, err
	}
	if !ok {
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
