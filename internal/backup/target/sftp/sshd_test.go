package sftp

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"vigie/internal/testutil"
)

// sshd is an OpenSSH server the test started on a loopback port, with its own host key, a
// client key in authorized_keys and a user CA.
type sshd struct {
	addr       string
	user       string
	hostKey    ssh.PublicKey
	clientKey  []byte // PEM of a key in authorized_keys
	ca         ssh.Signer
	log        *testutil.LogBuffer
	configPath string
}

const sshdPath = "/usr/sbin/sshd"

// newKey returns a fresh ed25519 key as an SSH signer and as OpenSSH PEM.
func newKey(t *testing.T) (ssh.Signer, []byte) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return signer, pem.EncodeToMemory(block)
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// startSSHD runs "sshd -D -e -f config" until the test ends. It needs Debian's
// openssh-server; root logins are allowed on this instance only, through its own config.
func startSSHD(t *testing.T) *sshd {
	t.Helper()
	_, err := os.Stat(sshdPath)
	testutil.Need(t, "OpenSSH server (Debian packages openssh-server, openssh-sftp-server)", err)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	if me.Uid == "0" {
		// sshd refuses to start as root without its privilege separation directory, which
		// only the service's start script creates.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	hostSigner, hostPEM := newKey(t)
	clientSigner, clientPEM := newKey(t)
	caSigner, _ := newKey(t)
	writeFile(t, filepath.Join(dir, "host_ed25519"), hostPEM)
	writeFile(t, filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(clientSigner.PublicKey()))
	writeFile(t, filepath.Join(dir, "user_ca.pub"), ssh.MarshalAuthorizedKey(caSigner.PublicKey()))

	s := &sshd{
		user:       me.Username,
		hostKey:    hostSigner.PublicKey(),
		clientKey:  clientPEM,
		ca:         caSigner,
		log:        &testutil.LogBuffer{},
		configPath: filepath.Join(dir, "sshd_config"),
	}
	// The port is free when asked; if another process takes it before sshd binds, retry.
	for attempt := 0; ; attempt++ {
		s.addr = freeAddr(t)
		port := s.addr[strings.LastIndex(s.addr, ":")+1:]
		writeFile(t, s.configPath, fmt.Appendf(nil, `Port %s
ListenAddress 127.0.0.1
HostKey %s
PidFile none
AuthorizedKeysFile %s
TrustedUserCAKeys %s
PermitRootLogin prohibit-password
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
MaxStartups 100
Subsystem sftp internal-sftp
LogLevel VERBOSE
`, port, filepath.Join(dir, "host_ed25519"), filepath.Join(dir, "authorized_keys"), filepath.Join(dir, "user_ca.pub")))
		err := s.run(t)
		if err == nil {
			return s
		}
		if attempt == 2 {
			t.Fatalf("sshd did not start: %v\n%s", err, s.log)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// run starts sshd and waits until it greets on its port.
func (s *sshd) run(t *testing.T) error {
	cmd := exec.Command(sshdPath, "-D", "-e", "-f", s.configPath)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-exited:
			return fmt.Errorf("sshd exited: %s", cmd.ProcessState)
		default:
		}
		if greets(s.addr) {
			t.Cleanup(func() {
				stop()
				if t.Failed() {
					t.Logf("sshd log:\n%s", s.log)
				}
			})
			return nil
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("sshd not answering on %s after 10s", s.addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func greets(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "SSH-2.0-")
}

// config returns a Config for the test's user on this server, storing under dir.
func (s *sshd) config(dir string) Config {
	return Config{
		Addr:       s.addr,
		User:       s.user,
		Dir:        dir,
		HostKey:    string(ssh.MarshalAuthorizedKey(s.hostKey)),
		PrivateKey: s.clientKey,
		Timeout:    10 * time.Second,
	}
}

// certificate signs pub as a user certificate for the test's user with the server's CA.
func (s *sshd) certificate(t *testing.T, pub ssh.PublicKey) []byte {
	t.Helper()
	cert := &ssh.Certificate{
		Key:             pub,
		CertType:        ssh.UserCert,
		KeyId:           "vigie backup test",
		ValidPrincipals: []string{s.user},
		ValidAfter:      uint64(time.Now().Add(-time.Minute).Unix()),
		ValidBefore:     uint64(time.Now().Add(time.Hour).Unix()),
	}
	if err := cert.SignCert(rand.Reader, s.ca); err != nil {
		t.Fatal(err)
	}
	return ssh.MarshalAuthorizedKey(cert)
}
