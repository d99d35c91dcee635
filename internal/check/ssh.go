package check

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"vigie/internal/check/cond"
)

// sshHostKeyAlgorithms is OpenSSH's own preference among plain keys, so that the key a check
// sees and pins is the one `ssh` would show for the same server (x/crypto prefers ECDSA).
// Certificates are left out: a pinned fingerprint is that of the key.
var sshHostKeyAlgorithms = []string{
	ssh.KeyAlgoED25519,
	ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
	ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256,
	ssh.KeyAlgoRSA, // old servers offer nothing else, and their key is still worth watching
}

// errHostKeySeen stops the handshake once the server has proved its host key: a check
// does not log in.
var errHostKeySeen = errors.New("host key seen")

func sshSchema() cond.Schema {
	return cond.Schema{
		"ssh.banner":      cond.KindString,
		"ssh.fingerprint": cond.KindString,
		"ssh.key_type":    cond.KindString,
		"response_time":   cond.KindDuration,
	}
}

func sshDefaultCondition() string { return `ssh.banner contains "SSH-2.0"` }

type sshProbe struct {
	addr string
	pin  string // "SHA256:..." or empty
}

// NewSSH returns a probe that reads the banner and host key of the SSH server at s.Target.
func NewSSH(s Spec) (Probe, error) {
	if s.Target == "" {
		return nil, errors.New("an SSH check needs a target host")
	}
	addr, err := withDefaultPort(s.Target, "22")
	if err != nil {
		return nil, fmt.Errorf("SSH target: %w", err)
	}
	pin := s.SSH.Fingerprint
	if pin != "" {
		sum, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(pin, "SHA256:"))
		if !strings.HasPrefix(pin, "SHA256:") || err != nil || len(sum) != 32 {
			return nil, fmt.Errorf(`SSH fingerprint %q is not "SHA256:" and 43 base64 characters as ssh-keygen -lf prints it`, pin)
		}
	}
	return &sshProbe{addr: addr, pin: pin}, nil
}

func (p *sshProbe) Run(ctx context.Context) Result {
	budget := budgetOf(ctx)
	start := time.Now()
	conn, err := dial(ctx, p.addr)
	if err != nil {
		return Result{Duration: time.Since(start), Err: describe(ctx, budget, err)}
	}
	// x/crypto/ssh takes no context: the deadline bounds the handshake instead.
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	defer context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })()
	rec := &sshBannerConn{Conn: conn}

	var key ssh.PublicKey
	_, _, _, err = ssh.NewClientConn(rec, p.addr, &ssh.ClientConfig{
		ClientVersion:     "SSH-2.0-vigie",
		HostKeyAlgorithms: sshHostKeyAlgorithms,
		HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error {
			key = k
			return errHostKeySeen
		},
	})
	elapsed := time.Since(start) // NewClientConn has closed conn by now, as err is never nil
	if key == nil {
		return Result{Duration: elapsed, Err: rec.handshakeError(ctx, budget, err)}
	}

	fingerprint := ssh.FingerprintSHA256(key)
	res := Result{Duration: elapsed, Fields: map[string]cond.Value{
		"ssh.banner":      cond.String(rec.banner),
		"ssh.fingerprint": cond.String(fingerprint),
		"ssh.key_type":    cond.String(key.Type()),
		"response_time":   cond.Duration(elapsed),
	}}
	if p.pin != "" && fingerprint != p.pin {
		res.Err = fmt.Errorf("host key %s does not match the pinned %s", fingerprint, p.pin)
	}
	return res
}

// sshBannerConn keeps what the server sends up to its version line ("SSH-2.0-OpenSSH_9.2p1
// Debian-2"), which x/crypto/ssh reads but only shows after a login. It stops recording at
// that line, before the handshake starts its reading goroutine.
type sshBannerConn struct {
	net.Conn
	seen   []byte // up to the version line, or what a server that is not SSH said
	next   int    // start of the first line in seen not yet looked at
	banner string
}

func (c *sshBannerConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if c.banner != "" {
		return n, err
	}
	c.seen = append(c.seen, b[:n]...)
	for c.banner == "" {
		i := bytes.IndexByte(c.seen[c.next:], '\n')
		if i < 0 {
			break
		}
		line := strings.TrimSuffix(string(c.seen[c.next:c.next+i]), "\r")
		c.next += i + 1
		if strings.HasPrefix(line, "SSH-") {
			c.banner = line
		}
	}
	return n, err
}

// handshakeError says why the handshake ended before the host key, telling apart a server
// that is not SSH at all.
func (c *sshBannerConn) handshakeError(ctx context.Context, budget time.Duration, err error) error {
	if c.banner == "" && len(c.seen) > 0 {
		first, _, _ := strings.Cut(strings.TrimSpace(string(c.seen)), "\n")
		first = strings.TrimSpace(first)
		if r := []rune(first); len(r) > 60 {
			first = string(r[:60]) + "…"
		}
		return fmt.Errorf("not an SSH server: it answered %q", first)
	}
	if inner := errors.Unwrap(err); inner != nil {
		err = inner // "ssh: handshake failed:" adds nothing people need
	}
	if c.banner == "" {
		return fmt.Errorf("no SSH banner: %w", describe(ctx, budget, err))
	}
	return fmt.Errorf("SSH handshake: %w", describe(ctx, budget, err))
}
