// Package sftp is a backup target on a remote host over SFTP, with the host key pinned and
// key or certificate authentication. Objects are files under a directory of the remote host;
// see package target for the promises every target keeps.
//
// The server should be OpenSSH's (sftp-server or internal-sftp): its plain SFTP rename refuses
// to replace an existing file, which is what keeps Put from overwriting, and its extensions
// give fsync (fsync@openssh.com), replacing renames (posix-rename@openssh.com) and free space
// (statvfs@openssh.com).
package sftp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path"
	"strings"
	"time"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"vigie/internal/backup/target"
	"vigie/internal/backup/target/internal/filetree"
)

// Config says where and how to connect.
type Config struct {
	Addr string // host:port; port 22 when left out
	User string
	Dir  string // absolute directory on the server, which must exist
	// HostKey pins the server's key: a public key line ("ssh-ed25519 AAAA..."), a known_hosts
	// line, or a fingerprint "SHA256:...". With a fingerprint the server must offer that key
	// first; a full key also tells the server which key type to offer.
	HostKey    string
	PrivateKey []byte // PEM or OpenSSH format, unencrypted
	// Certificate is an optional OpenSSH user certificate for PrivateKey (the line of a
	// "-cert.pub" file), for servers that trust a user CA.
	Certificate []byte
	// Timeout bounds connecting and the handshake; afterwards the server must answer a
	// keepalive within it, every Timeout, or the connection is closed and operations fail
	// instead of hanging on a dead link. 30s when zero.
	Timeout time.Duration
}

// String describes the configuration without its private key.
func (c Config) String() string {
	return fmt.Sprintf("sftp://%s@%s%s", c.User, c.Addr, c.Dir)
}

// GoString keeps %#v from printing the private key.
func (c Config) GoString() string { return "sftp.Config{" + c.String() + "}" }

// LogValue keeps structured logs from printing the private key.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Target stores objects as files under a directory of an SFTP server.
type Target struct {
	*filetree.Tree
	ssh  *ssh.Client
	sftp *pkgsftp.Client
	dir  string
	name string
	done chan struct{} // closed by Close, to stop the keepalive
}

var (
	_ target.Target        = (*Target)(nil)
	_ target.SpaceReporter = (*Target)(nil)
)

const defaultTimeout = 30 * time.Second

// Dial connects, checks the host key, logs in and checks that Dir is a directory.
func Dial(ctx context.Context, cfg Config) (*Target, error) {
	if cfg.Addr == "" || cfg.User == "" || cfg.Dir == "" {
		return nil, errors.New("sftp target: addr, user and dir are required")
	}
	if !strings.HasPrefix(cfg.Dir, "/") {
		return nil, fmt.Errorf("sftp target: dir %q must be absolute", cfg.Dir)
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		cfg.Addr = net.JoinHostPort(strings.Trim(cfg.Addr, "[]"), "22")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	name := "sftp://" + cfg.User + "@" + cfg.Addr + path.Clean(cfg.Dir)
	clientConfig, err := clientConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	sshClient, conn, err := dial(ctx, cfg, clientConfig)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	sftpClient, err := pkgsftp.NewClient(sshClient,
		pkgsftp.UseConcurrentWrites(true), pkgsftp.UseConcurrentReads(true))
	if err != nil {
		_ = sshClient.Close()
		return nil, fmt.Errorf("%s: starting the sftp subsystem: %w", name, err)
	}
	fi, err := sftpClient.Stat(cfg.Dir)
	if err == nil && !fi.IsDir() {
		err = errors.New("not a directory")
	}
	if err != nil {
		_ = sftpClient.Close()
		_ = sshClient.Close()
		return nil, fmt.Errorf("%s: backup directory: %w", name, err)
	}
	_ = conn.SetDeadline(time.Time{})
	_, canSync := sftpClient.HasExtension("fsync@openssh.com")
	_, canPosixRename := sftpClient.HasExtension("posix-rename@openssh.com")
	remote := remoteFS{c: sftpClient, canSync: canSync, canPosixRename: canPosixRename}
	t := &Target{
		Tree: filetree.New(remote, cfg.Dir),
		ssh:  sshClient,
		sftp: sftpClient,
		dir:  cfg.Dir,
		name: name,
		done: make(chan struct{}),
	}
	go keepAlive(sshClient, cfg.Timeout, t.done)
	return t, nil
}

// keepAlive asks the server for a sign of life every interval and closes the connection when
// none comes within the next interval: TCP alone takes many minutes to give up on a dead link.
func keepAlive(c *ssh.Client, interval time.Duration, done <-chan struct{}) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		reply := make(chan error, 1)
		go func() {
			// OpenSSH answers unknown requests with a failure: any answer is a sign of life.
			_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
			reply <- err
		}()
		timeout := time.NewTimer(interval)
		select {
		case err := <-reply:
			timeout.Stop()
			if err != nil {
				return // the connection is gone already
			}
		case <-timeout.C:
			_ = c.Close()
			return
		case <-done:
			timeout.Stop()
			return
		}
	}
}

// dial connects and runs the SSH handshake within the timeout and the context. The
// connection's deadline stays for the caller's first requests; the caller clears it.
func dial(ctx context.Context, cfg Config, clientConfig *ssh.ClientConfig) (*ssh.Client, net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, nil, fmt.Errorf("connecting: timed out after %s: %w", cfg.Timeout, err)
		}
		return nil, nil, fmt.Errorf("connecting: %w", err)
	}
	// The handshake has no context: a deadline on the connection bounds it, and closing the
	// connection ends it when ctx does.
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	c, chans, reqs, err := ssh.NewClientConn(conn, cfg.Addr, clientConfig)
	if !stop() || err != nil {
		_ = conn.Close()
		if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
			if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.DeadlineExceeded) {
				return nil, nil, fmt.Errorf("ssh handshake: %w", cause)
			}
			return nil, nil, fmt.Errorf("ssh handshake: timed out after %s (is this an SSH server?)", cfg.Timeout)
		}
		return nil, nil, fmt.Errorf("ssh handshake: %w", err)
	}
	return ssh.NewClient(c, chans, reqs), conn, nil
}

func clientConfig(cfg Config) (*ssh.ClientConfig, error) {
	signer, err := ssh.ParsePrivateKey(cfg.PrivateKey)
	if _, ok := errors.AsType[*ssh.PassphraseMissingError](err); ok {
		return nil, errors.New("private key is protected by a passphrase; give vigie a key without one")
	}
	if err != nil {
		// The parser's messages never quote the key; keep it that way whatever it becomes.
		return nil, errors.New("private key is not a valid PEM or OpenSSH private key")
	}
	if len(cfg.Certificate) > 0 {
		signer, err = certSigner(cfg.Certificate, signer)
		if err != nil {
			return nil, err
		}
	}
	pin, err := parseHostKey(cfg.HostKey)
	if err != nil {
		return nil, err
	}
	return &ssh.ClientConfig{
		User:              cfg.User,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback:   pin.check,
		HostKeyAlgorithms: pin.algorithms(),
		Timeout:           cfg.Timeout,
	}, nil
}

func certSigner(certLine []byte, signer ssh.Signer) (ssh.Signer, error) {
	pub, _, _, _, err := ssh.ParseAuthorizedKey(certLine)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	cert, ok := pub.(*ssh.Certificate)
	if !ok {
		return nil, fmt.Errorf("certificate: got a plain %s public key, not a certificate", pub.Type())
	}
	if cert.CertType != ssh.UserCert {
		return nil, errors.New("certificate: a host certificate, not a user certificate")
	}
	certSigner, err := ssh.NewCertSigner(cert, signer)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w (it is not for this private key)", err)
	}
	return certSigner, nil
}

// hostKeyPin is the server key the configuration expects: a key, or only its fingerprint.
type hostKeyPin struct {
	key         ssh.PublicKey // nil when only the fingerprint is known
	fingerprint string
}

func parseHostKey(s string) (hostKeyPin, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return hostKeyPin{}, errors.New("host key is required: pin the server's public key or its SHA256 fingerprint")
	}
	if strings.HasPrefix(s, "SHA256:") {
		return hostKeyPin{fingerprint: s}, nil
	}
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s))
	if err != nil {
		var knownErr error
		_, _, key, _, _, knownErr = ssh.ParseKnownHosts([]byte(s))
		if knownErr != nil {
			return hostKeyPin{}, fmt.Errorf("host key: not a public key line, known_hosts line or SHA256 fingerprint: %w", err)
		}
	}
	if _, ok := key.(*ssh.Certificate); ok {
		return hostKeyPin{}, errors.New("host key: pin the server's key, not a certificate")
	}
	return hostKeyPin{key: key, fingerprint: ssh.FingerprintSHA256(key)}, nil
}

func (p hostKeyPin) check(hostname string, _ net.Addr, key ssh.PublicKey) error {
	seen := ssh.FingerprintSHA256(key)
	if seen != p.fingerprint {
		return fmt.Errorf("host key mismatch for %s: the server offered %s key %s, the configuration expects %s; "+
			"if the server was reinstalled, check its new key out of band and update the pin",
			hostname, key.Type(), seen, p.fingerprint)
	}
	return nil
}

// algorithms asks the server for the pinned key's type, so that a server with several host
// keys shows the one pinned.
func (p hostKeyPin) algorithms() []string {
	if p.key == nil {
		return nil
	}
	if p.key.Type() == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{p.key.Type()}
}

func (t *Target) String() string { return t.name }

// Close ends the SFTP session and the SSH connection.
func (t *Target) Close() error {
	close(t.done)
	err := t.sftp.Close()
	if cerr := t.ssh.Close(); err == nil && !errors.Is(cerr, net.ErrClosed) {
		err = cerr
	}
	return err
}

// Space asks the server with the statvfs@openssh.com extension.
func (t *Target) Space(context.Context) (free, total int64, err error) {
	if _, ok := t.sftp.HasExtension("statvfs@openssh.com"); !ok {
		return 0, 0, fmt.Errorf("%s: the server cannot report free space (no statvfs@openssh.com)", t.name)
	}
	st, err := t.sftp.StatVFS(t.dir)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: space: %w", t.name, err)
	}
	return int64(st.Bavail * st.Frsize), int64(st.Blocks * st.Frsize), nil
}

// remoteFS is filetree.FS over an SFTP session.
type remoteFS struct {
	c              *pkgsftp.Client
	canSync        bool
	canPosixRename bool
}

func (r remoteFS) CreateExcl(name string) (filetree.File, error) {
	f, err := r.c.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return nil, err
	}
	return remoteFile{f: f, canSync: r.canSync}, nil
}

func (r remoteFS) Open(name string) (io.ReadCloser, error) { return r.c.Open(name) }

func (r remoteFS) Stat(name string) (fs.FileInfo, error) { return r.c.Stat(name) }

func (r remoteFS) ReadDir(dir string) ([]fs.FileInfo, error) { return r.c.ReadDir(dir) }

func (r remoteFS) MkdirAll(dir string) error { return r.c.MkdirAll(dir) }

// Publish uses the protocol's plain rename, which OpenSSH's server implements with link and
// unlink, so that it fails when to exists. The failure does not say why: if to is gone by the
// time we look, it was taken and freed in between, and the rename is tried again.
func (r remoteFS) Publish(from, to string) error {
	var err error
	for range 3 {
		if err = r.c.Rename(from, to); err == nil {
			return nil
		}
		if _, serr := r.c.Lstat(to); serr == nil {
			return fmt.Errorf("%s: %w", to, fs.ErrExist)
		}
	}
	return err
}

func (r remoteFS) Replace(from, to string) error {
	if !r.canPosixRename {
		return errors.New("the server cannot rename over a file (no posix-rename@openssh.com)")
	}
	return r.c.PosixRename(from, to)
}

func (r remoteFS) Remove(name string) error { return r.c.Remove(name) }

// SyncDir cannot be done over SFTP: the protocol has no way to sync a directory.
func (r remoteFS) SyncDir(string) error { return nil }

type remoteFile struct {
	f       *pkgsftp.File
	canSync bool
}

func (f remoteFile) Write(p []byte) (int, error) { return f.f.Write(p) }

// ReadFrom keeps several writes in flight, which a stream of unknown length would not get.
func (f remoteFile) ReadFrom(r io.Reader) (int64, error) { return f.f.ReadFromWithConcurrency(r, 0) }

func (f remoteFile) Sync() error {
	if !f.canSync {
		return nil
	}
	return f.f.Sync()
}

func (f remoteFile) Close() error { return f.f.Close() }
