// Package config loads vigie's configuration: one strict YAML file plus optional includes.
//
// Loading runs in stages so that every problem is reported at once, each with its file, line,
// column and key path: parse every file to yaml.Node, merge the included files into the main
// tree, decode the tree by reflection into Go structs that already hold the static defaults
// (unknown keys, wrong types and duplicate keys are errors; ${ENV} references in values are
// expanded as they are read), fill the defaults that depend on other settings, and finally
// call each section's Validate method with the positions recorded while decoding.
//
// Adding a section takes a field with a yaml tag (in Config or in a nested section), an
// optional setDefaults method for static defaults and an optional Validate method for rules the
// types cannot express. The decoder, the validation walk and Print need no change.
package config

import (
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const day = 24 * time.Hour

// Config is the whole vigie configuration. Get one from Load.
type Config struct {
	Server      Server       `yaml:"server"`
	Storage     Storage      `yaml:"storage"`
	Log         Log          `yaml:"log"`
	Retention   Retention    `yaml:"retention"`
	Monitors    []Monitor    `yaml:"monitors"`
	Receivers   []Receiver   `yaml:"receivers"`
	Routes      []Route      `yaml:"routes"`
	Escalations []Escalation `yaml:"escalations"`
	OnCall      []OnCall     `yaml:"oncall"`
	StatusPages []StatusPage `yaml:"status_pages"`
	Backups     Backups      `yaml:"backups"`
	Reports     Reports      `yaml:"reports"`
	SLOs        []SLO        `yaml:"slos"`
}

// Validate checks what spans sections.
func (c *Config) Validate(v *Validator) {
	validateMonitors(v, c.Monitors)
	validateAlerting(v, c)
	validateStatusPages(v, c)
	validateReports(v, c)
	validateSLOs(v, c)
}

// Load reads the file at path (and its includes), expands environment variables with lookupEnv
// (nil means no variable is set), decodes strictly, applies defaults and validates. On any
// problem it returns nil and an Errors value holding every problem found, sorted by file (main
// file first, then includes in the order they were read), line and column.
func Load(path string, lookupEnv func(string) (string, bool)) (*Config, error) {
	c := new(Config)
	if err := load(path, lookupEnv, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Server is the HTTP server of `vigie serve`.
type Server struct {
	Listen          string         `yaml:"listen"`           // host:port, default 127.0.0.1:8080
	BaseURL         URL            `yaml:"base_url"`         // default derived from Listen
	TLS             TLS            `yaml:"tls"`              // serve HTTPS directly
	TrustedProxies  []netip.Prefix `yaml:"trusted_proxies"`  // a bare IP is a /32 or /128
	SessionLifetime Duration       `yaml:"session_lifetime"` // default 12h, 5m..90d
	ShutdownTimeout Duration       `yaml:"shutdown_timeout"` // default 15s, 1s..10m
}

func (s *Server) setDefaults() {
	s.Listen = "127.0.0.1:8080"
	s.SessionLifetime = Duration(12 * time.Hour)
	s.ShutdownTimeout = Duration(15 * time.Second)
}

// complete derives base_url from listen, because links in mails and status pages need an
// absolute URL even when the operator did not set one.
func (s *Server) complete(string) {
	if s.BaseURL.URL != nil {
		return
	}
	host, port, err := splitListen(s.Listen)
	if err != "" {
		return // reported by Validate
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "localhost"
	}
	scheme := "http"
	if s.TLS.Enabled() {
		scheme = "https"
	}
	// Parsing the result checks it like a written base_url; hosts a URL cannot carry (an IPv6
	// zone) fall back to localhost rather than leaving base_url empty.
	u := &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, port)}
	if err := s.BaseURL.UnmarshalText([]byte(u.String())); err != nil {
		u.Host = net.JoinHostPort("localhost", port)
		s.BaseURL = URL{u}
	}
}

// Validate checks the server settings.
func (s *Server) Validate(v *Validator) {
	if _, _, msg := splitListen(s.Listen); msg != "" {
		v.Errorf("listen", "%s", msg)
	}
	v.DurationRange("session_lifetime", s.SessionLifetime, Duration(5*time.Minute), Duration(90*day))
	v.DurationRange("shutdown_timeout", s.ShutdownTimeout, Duration(time.Second), Duration(10*time.Minute))
}

// splitListen returns a problem description rather than an error so the message reads well
// after the key path.
func splitListen(listen string) (host, port, problem string) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", "", "must be host:port (like 127.0.0.1:8080 or :8080), got " + quote(listen)
	}
	if _, err := netip.ParseAddr(host); err != nil && host != "" && !validHostname(host) {
		return "", "", "host must be an IP address or a host name, got " + quote(host)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", "", "port must be a number between 0 and 65535, got " + quote(port)
	}
	return host, port, ""
}

// validHostname accepts DNS names, plus "_" which /etc/hosts entries sometimes have.
func validHostname(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if c != '-' && c != '_' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
				return false
			}
		}
	}
	return true
}

// TLS makes the server speak HTTPS itself instead of behind a proxy.
type TLS struct {
	CertFile string `yaml:"cert_file"` // both or neither; absolute after Load
	KeyFile  string `yaml:"key_file"`
}

// Enabled reports whether the server should serve HTTPS.
func (t TLS) Enabled() bool { return t.CertFile != "" && t.KeyFile != "" }

func (t *TLS) complete(dir string) {
	t.CertFile = resolvePath(dir, t.CertFile)
	t.KeyFile = resolvePath(dir, t.KeyFile)
}

// Validate checks that both files are given and readable now rather than at the first
// handshake.
func (t *TLS) Validate(v *Validator) {
	switch {
	case t.CertFile != "" && t.KeyFile == "":
		v.Errorf("cert_file", "is set but key_file is not (set both or neither)")
	case t.KeyFile != "" && t.CertFile == "":
		v.Errorf("key_file", "is set but cert_file is not (set both or neither)")
	}
	v.Readable("cert_file", t.CertFile)
	v.Readable("key_file", t.KeyFile)
}

// Storage selects the database.
type Storage struct {
	Driver string `yaml:"driver"` // sqlite (default) or postgres
	Path   string `yaml:"path"`   // sqlite only; default vigie.db; absolute after Load
	DSN    Secret `yaml:"dsn"`    // postgres only, and required there; or dsn_file
}

func (s *Storage) setDefaults() { s.Driver = "sqlite" }

// complete fills path here rather than in setDefaults because the default only makes sense for
// sqlite, and a relative path must not depend on the working directory of the process.
func (s *Storage) complete(dir string) {
	if s.Driver != "sqlite" {
		return
	}
	if s.Path == "" {
		s.Path = "vigie.db"
	}
	s.Path = resolvePath(dir, s.Path)
}

// Validate checks that the settings match the driver.
func (s *Storage) Validate(v *Validator) {
	if !v.OneOf("driver", s.Driver, "sqlite", "postgres") {
		return
	}
	switch s.Driver {
	case "sqlite":
		if !s.DSN.IsZero() {
			v.Errorf("dsn", "is only used with driver postgres")
		}
	case "postgres":
		if s.Path != "" {
			v.Errorf("path", "is only used with driver sqlite")
		}
		if s.DSN.IsZero() {
			v.Errorf("driver", "postgres needs dsn or dsn_file")
		}
	}
}

// Log configures vigie's own log.
type Log struct {
	Level  string `yaml:"level"`  // debug, info (default), warn or error
	Format string `yaml:"format"` // text (default) or json
}

func (l *Log) setDefaults() {
	l.Level = "info"
	l.Format = "text"
}

// Validate checks level and format.
func (l *Log) Validate(v *Validator) {
	v.OneOf("level", l.Level, "debug", "info", "warn", "error")
	v.OneOf("format", l.Format, "text", "json")
}

// SlogLevel returns the level for slog; an unknown level (impossible after Load) means info.
func (l Log) SlogLevel() slog.Level {
	switch l.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// Retention says how long measurements are kept.
type Retention struct {
	Raw     Duration `yaml:"raw"`     // check results; default 7d, 1h..90d
	Rollups Duration `yaml:"rollups"` // hourly rollups; default 400d, 1d..3650d, >= Raw
}

func (r *Retention) setDefaults() {
	r.Raw = Duration(7 * day)
	r.Rollups = Duration(400 * day)
}

// Validate checks the ranges and that rollups outlive the raw results they summarise.
func (r *Retention) Validate(v *Validator) {
	okRaw := v.DurationRange("raw", r.Raw, Duration(time.Hour), Duration(90*day))
	okRollups := v.DurationRange("rollups", r.Rollups, Duration(day), Duration(3650*day))
	if okRaw && okRollups && r.Rollups < r.Raw {
		v.Errorf("rollups", "must not be shorter than retention.raw (%s), got %s", r.Raw, r.Rollups)
	}
}

func resolvePath(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}
