package config

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"vigie/internal/check"
	"vigie/internal/check/cond"

	"vigie/internal/suggest"
)

// Monitor is one entry of `monitors`: a check run on an interval, or a heartbeat that a job
// pushes to.
type Monitor struct {
	Name             string            `yaml:"name"`
	Type             string            `yaml:"type"`   // http, tcp, tls, dns, icmp, ssh, heartbeat
	URL              string            `yaml:"url"`    // http
	Target           string            `yaml:"target"` // host:port (tcp, tls, ssh) or host (icmp)
	Interval         Duration          `yaml:"interval"`
	Timeout          Duration          `yaml:"timeout"`
	Labels           map[string]string `yaml:"labels"`
	Conditions       []string          `yaml:"conditions"`
	DegradedIf       []string          `yaml:"degraded_if"`
	FailureThreshold int               `yaml:"failure_threshold"`
	SuccessThreshold int               `yaml:"success_threshold"`
	DependsOn        string            `yaml:"depends_on"`
	// CertExpiryWarning opens a certificate alert when a measured certificate expires
	// within it (http over TLS and tls monitors); 0s turns it off.
	CertExpiryWarning Duration       `yaml:"cert_expiry_warning"`
	HTTP              HTTPCheck      `yaml:"http"`
	TCP               TCPCheck       `yaml:"tcp"`
	TLS               TLSCheck       `yaml:"tls"`
	DNS               DNSCheck       `yaml:"dns"`
	SSH               SSHCheck       `yaml:"ssh"`
	ICMP              ICMPCheck      `yaml:"icmp"`
	Heartbeat         HeartbeatCheck `yaml:"heartbeat"`
}

// HTTPCheck shapes an http monitor.
type HTTPCheck struct {
	Method             string            `yaml:"method"`
	Headers            map[string]string `yaml:"headers"`
	Body               string            `yaml:"body"`
	BasicAuth          BasicAuth         `yaml:"basic_auth"`
	BearerToken        Secret            `yaml:"bearer_token"`
	FollowRedirects    bool              `yaml:"follow_redirects"`
	InsecureSkipVerify bool              `yaml:"insecure_skip_verify"`
	ClientCert         TLS               `yaml:"client_cert"`
	Proxy              string            `yaml:"proxy"`
}

// BasicAuth is HTTP basic authentication.
type BasicAuth struct {
	Username string `yaml:"username"`
	Password Secret `yaml:"password"`
}

// TCPCheck shapes a tcp monitor.
type TCPCheck struct {
	Send   string `yaml:"send"`
	Expect string `yaml:"expect"`
}

// TLSCheck shapes a tls monitor.
type TLSCheck struct {
	StartTLS   string `yaml:"starttls"`
	ServerName string `yaml:"server_name"`
}

// DNSCheck shapes a dns monitor.
type DNSCheck struct {
	Name   string `yaml:"name"`
	Type   string `yaml:"type"`
	Server string `yaml:"server"`
}

// SSHCheck shapes an ssh monitor.
type SSHCheck struct {
	Fingerprint string `yaml:"fingerprint"`
}

// ICMPCheck shapes an icmp monitor.
type ICMPCheck struct {
	Count int `yaml:"count"`
}

// HeartbeatCheck shapes a push monitor: a job calls /ping/{token} at least every period.
type HeartbeatCheck struct {
	Token  Secret   `yaml:"token"`
	Period Duration `yaml:"period"`
	Grace  Duration `yaml:"grace"`
}

const (
	defaultInterval         = Duration(time.Minute)
	defaultFailureThreshold = 2
	defaultSuccessThreshold = 2
	// Let's Encrypt renews 30 days ahead; 14 days left means renewal has been failing.
	defaultCertExpiryWarning = Duration(14 * day)
)

func (m *Monitor) setDefaults() {
	m.Interval = defaultInterval
	m.CertExpiryWarning = defaultCertExpiryWarning
}

// complete fills defaults that depend on the monitor's type and interval.
func (m *Monitor) complete(string) {
	if m.Timeout == 0 {
		// Below the interval, so a check never overlaps the next one.
		m.Timeout = min(Duration(10*time.Second), m.Interval*4/5)
	}
	if m.FailureThreshold == 0 {
		m.FailureThreshold = defaultFailureThreshold
		if m.Type == "heartbeat" {
			m.FailureThreshold = 1 // a missed deadline is already a confirmed failure
		}
	}
	if m.SuccessThreshold == 0 {
		m.SuccessThreshold = defaultSuccessThreshold
		if m.Type == "heartbeat" {
			m.SuccessThreshold = 1
		}
	}
	if m.Type == "heartbeat" && m.Heartbeat.Grace == 0 {
		m.Heartbeat.Grace = max(Duration(time.Minute), m.Heartbeat.Period/10)
	}
	if m.Type == "icmp" && m.ICMP.Count == 0 {
		m.ICMP.Count = 3
	}
}

var (
	monitorName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	labelName   = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,63}$`)
	tokenChars  = regexp.MustCompile(`^[A-Za-z0-9_-]{16,128}$`)
)

// Validate checks one monitor on its own; Config.Validate checks what spans monitors.
func (m *Monitor) Validate(v *Validator) {
	if m.Name == "" {
		v.Errorf("name", "a monitor needs a name")
	} else if !monitorName.MatchString(m.Name) {
		v.Errorf("name", "%q: use letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)", m.Name)
	}
	kinds := append(check.Kinds(), "heartbeat")
	if !v.OneOf("type", m.Type, kinds...) {
		return
	}
	v.DurationRange("interval", m.Interval, Duration(time.Second), Duration(day))
	if m.Timeout >= m.Interval {
		v.Errorf("timeout", "must be shorter than the interval (%s), got %s", m.Interval, m.Timeout)
	} else {
		v.DurationRange("timeout", m.Timeout, Duration(10*time.Millisecond), Duration(time.Hour))
	}
	if m.FailureThreshold < 1 || m.FailureThreshold > 100 {
		v.Errorf("failure_threshold", "must be between 1 and 100, got %d", m.FailureThreshold)
	}
	if m.SuccessThreshold < 1 || m.SuccessThreshold > 100 {
		v.Errorf("success_threshold", "must be between 1 and 100, got %d", m.SuccessThreshold)
	}
	if m.CertExpiryWarning != 0 {
		v.DurationRange("cert_expiry_warning", m.CertExpiryWarning, Duration(time.Hour), Duration(400*day))
	}
	for k := range m.Labels {
		if !labelName.MatchString(k) {
			v.Errorf("labels."+k, "label name %q: use lower-case letters, digits and '_'", k)
		}
	}
	if m.Type == "heartbeat" {
		m.validateHeartbeat(v)
		return
	}
	schema := check.Schema(m.Type)
	compileAll(v, "conditions", m.Conditions, schema)
	compileAll(v, "degraded_if", m.DegradedIf, schema)
	if _, err := check.New(m.Spec()); err != nil {
		v.Errorf(m.specKey(err), "%s", err)
	}
}

func (m *Monitor) validateHeartbeat(v *Validator) {
	if len(m.Conditions) > 0 || len(m.DegradedIf) > 0 {
		v.Errorf("conditions", "a heartbeat has no conditions: it is up while pings arrive in time")
	}
	tok := m.Heartbeat.Token.Reveal()
	switch {
	case tok == "":
		v.Errorf("heartbeat.token", "a heartbeat needs a token (16 to 128 of A-Z a-z 0-9 _ -), used in its ping URL")
	case !tokenChars.MatchString(tok):
		v.Errorf("heartbeat.token", "must be 16 to 128 of A-Z a-z 0-9 _ - (it goes in a URL)")
	}
	v.DurationRange("heartbeat.period", m.Heartbeat.Period, Duration(time.Minute), Duration(400*day))
	v.DurationRange("heartbeat.grace", m.Heartbeat.Grace, Duration(time.Second), Duration(30*day))
}

// optionKeys routes a probe's complaint about its settings to the key it concerns: each
// probe error starts with the option's name.
var optionKeys = []struct{ prefix, key string }{
	{"url ", "url"},
	{"method ", "http.method"},
	{"basic auth", "http.basic_auth"},
	{"client certificate", "http.client_cert"},
	{"proxy ", "http.proxy"},
	{"unknown starttls", "tls.starttls"},
	{"unknown DNS query type", "dns.type"},
	{"DNS name", "dns.name"},
	{"DNS server", "dns.server"},
	{"a DNS check needs a server", "dns.server"},
	{"ping count", "icmp.count"},
	{"SSH fingerprint", "ssh.fingerprint"},
}

// specKey is where a probe's complaint about its settings is reported.
func (m *Monitor) specKey(err error) string {
	for _, o := range optionKeys {
		if strings.HasPrefix(err.Error(), o.prefix) {
			return o.key
		}
	}
	if m.Type == "http" {
		return "url"
	}
	return "target"
}

func compileAll(v *Validator, key string, exprs []string, schema cond.Schema) {
	for i, src := range exprs {
		if _, err := cond.Compile(src, schema); err != nil {
			var ce *cond.Error
			if errors.As(err, &ce) {
				v.ErrorfAt(fmt.Sprintf("%s[%d]", key, i), ce.Pos, "%s", ce.Msg)
			} else {
				v.Errorf(fmt.Sprintf("%s[%d]", key, i), "%s", err)
			}
		}
	}
}

// Spec is the probe description of a non-heartbeat monitor.
func (m *Monitor) Spec() check.Spec {
	s := check.Spec{Kind: m.Type, URL: m.URL, Target: m.Target, Timeout: m.Timeout.Std(),
		HTTP: check.HTTPOptions{
			Method: m.HTTP.Method, Headers: m.HTTP.Headers, Body: m.HTTP.Body,
			BearerToken: m.HTTP.BearerToken.Reveal(), FollowRedirects: m.HTTP.FollowRedirects,
			InsecureSkipVerify: m.HTTP.InsecureSkipVerify, ClientCertFile: m.HTTP.ClientCert.CertFile,
			ClientKeyFile: m.HTTP.ClientCert.KeyFile, Proxy: m.HTTP.Proxy,
		},
		TCP:  check.TCPOptions{Send: m.TCP.Send, Expect: m.TCP.Expect},
		TLS:  check.TLSOptions{StartTLS: m.TLS.StartTLS, ServerName: m.TLS.ServerName},
		DNS:  check.DNSOptions{Name: m.DNS.Name, Type: m.DNS.Type, Server: m.DNS.Server},
		SSH:  check.SSHOptions{Fingerprint: m.SSH.Fingerprint},
		ICMP: check.ICMPOptions{Count: m.ICMP.Count},
	}
	if m.HTTP.BasicAuth.Username != "" {
		s.HTTP.BasicAuth = &check.BasicAuth{Username: m.HTTP.BasicAuth.Username, Password: m.HTTP.BasicAuth.Password.Reveal()}
	}
	return s
}

// validateMonitors checks what spans monitors: unique names and dependencies that exist and
// do not loop.
func validateMonitors(v *Validator, ms []Monitor) {
	names := make([]string, len(ms))
	index := map[string]int{}
	for i, m := range ms {
		names[i] = m.Name
		if _, dup := index[m.Name]; !dup {
			index[m.Name] = i
		}
	}
	v.UniqueNames("monitors", names)
	for i, m := range ms {
		if m.DependsOn == "" {
			continue
		}
		key := fmt.Sprintf("monitors[%d].depends_on", i)
		if m.DependsOn == m.Name {
			v.Errorf(key, "a monitor cannot depend on itself")
			continue
		}
		if _, ok := index[m.DependsOn]; !ok {
			if s := suggest.Closest(m.DependsOn, names); s != "" {
				v.Errorf(key, "no monitor named %q; did you mean %q?", m.DependsOn, s)
			} else {
				v.Errorf(key, "no monitor named %q", m.DependsOn)
			}
			continue
		}
		// Follow the chain: coming back to m is a loop.
		seen := map[string]bool{m.Name: true}
		for p := m.DependsOn; p != ""; p = ms[index[p]].DependsOn {
			if seen[p] {
				v.Errorf(key, "dependency loop: %s", loopText(ms, index, m.Name))
				break
			}
			seen[p] = true
			if _, ok := index[p]; !ok {
				break
			}
		}
	}
}

func loopText(ms []Monitor, index map[string]int, start string) string {
	text, p := start, ms[index[start]].DependsOn
	for i := 0; p != "" && i <= len(ms); i++ {
		text += " → " + p
		if p == start {
			break
		}
		j, ok := index[p]
		if !ok {
			break
		}
		p = ms[j].DependsOn
	}
	return text
}
