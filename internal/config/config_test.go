package config

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the .golden files of testdata/bad and testdata/schema")

// testEnv is the environment of every fixture, so goldens do not depend on the machine.
func testEnv(name string) (string, bool) {
	v, ok := map[string]string{
		"VIGIE_TEST_EMPTY":  "",
		"VIGIE_TEST_LEVEL":  "debug",
		"VIGIE_TEST_LISTEN": "0.0.0.0:9000",
	}[name]
	return v, ok
}

// checkGolden compares got with the golden file, or rewrites it under -update.
func checkGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("errors differ from %s\n got:\n%s\nwant:\n%s", golden, got, want)
	}
}

// loadErrors loads file with load and returns the error text, failing when loading succeeds.
func loadErrors(t *testing.T, file string, root any) string {
	t.Helper()
	err := load(file, testEnv, root)
	if err == nil {
		t.Fatalf("%s loaded without error", file)
	}
	var errs Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		t.Fatalf("error is %T, want a non-empty Errors: %v", err, err)
	}
	for _, e := range errs {
		if e.File == "" || e.Msg == "" {
			t.Errorf("error without file or message: %#v", e)
		}
	}
	return relative(t, errs.Error()) + "\n"
}

// relative drops the package directory from the absolute paths in s, so that goldens do not
// depend on where the repository is checked out.
func relative(t *testing.T, s string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(s, wd+string(filepath.Separator), "")
}

// abs is the absolute form of a path relative to the package directory.
func abs(t *testing.T, path string) string {
	t.Helper()
	p, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBadConfigs(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 18 {
		t.Fatalf("found %d bad fixtures, want at least 18", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			c, err := Load(file, testEnv)
			if c != nil || err == nil {
				t.Fatalf("Load = %v, %v; want nil and an error", c, err)
			}
			got := loadErrors(t, file, new(Config))
			if strings.Contains(got, "hunter2") {
				t.Errorf("error text shows a secret:\n%s", got)
			}
			checkGolden(t, strings.TrimSuffix(file, ".yaml")+".golden", got)
		})
	}
}

func TestErrorsAreSorted(t *testing.T) {
	err := load("testdata/bad/several_errors.yaml", testEnv, new(Config))
	var errs Errors
	if !errors.As(err, &errs) || len(errs) < 5 {
		t.Fatalf("got %v, want at least 5 errors", err)
	}
	for i := 1; i < len(errs); i++ {
		a, b := errs[i-1], errs[i]
		if a.File == b.File && (a.Line > b.Line || a.Line == b.Line && a.Column > b.Column) {
			t.Errorf("errors %d and %d out of order:\n%v\n%v", i-1, i, a, b)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		err  Error
		want string
	}{
		{Error{File: "a.yaml", Line: 3, Column: 5, Path: "server.listen", Msg: "bad"}, "a.yaml:3:5: server.listen: bad"},
		{Error{File: "a.yaml", Line: 3, Column: 5, Msg: "bad"}, "a.yaml:3:5: bad"},
		{Error{File: "a.yaml", Msg: "no such file or directory"}, "a.yaml: no such file or directory"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
	errs := Errors{{File: "a", Line: 1, Column: 1, Msg: "x"}, {File: "b", Line: 2, Column: 3, Msg: "y"}}
	if got, want := errs.Error(), "a:1:1: x\nb:2:3: y"; got != want {
		t.Errorf("Errors.Error() = %q, want %q", got, want)
	}
}

func TestMissingMainFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yaml", testEnv)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(%v, fs.ErrNotExist) = false", err)
	}
	if got, want := err.Error(), "testdata/does-not-exist.yaml: no such file or directory"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func mustLoad(t *testing.T, file string) *Config {
	t.Helper()
	c, err := Load(file, testEnv)
	if err != nil {
		t.Fatalf("Load(%s):\n%v", file, err)
	}
	return c
}

func prefixes(t *testing.T, ss ...string) []netip.Prefix {
	t.Helper()
	var ps []netip.Prefix
	for _, s := range ss {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}

func TestDefaults(t *testing.T) {
	for _, file := range []string{"testdata/good/empty.yaml", "testdata/good/comments.yaml", "testdata/good/empty_sections.yaml"} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			got := mustLoad(t, file)
			want := Config{
				Server: Server{
					Listen:          "127.0.0.1:8080",
					BaseURL:         mustURL(t, "http://127.0.0.1:8080"),
					SessionLifetime: Duration(12 * time.Hour),
					ShutdownTimeout: Duration(15 * time.Second),
				},
				Storage:   Storage{Driver: "sqlite", Path: abs(t, "testdata/good/vigie.db")},
				Log:       Log{Level: "info", Format: "text"},
				Retention: Retention{Raw: Duration(7 * day), Rollups: Duration(400 * day)},
				Reports:   Reports{Weekly: WeeklyReport{Schedule: "0 8 * * MON", Zone: "UTC"}},
				Backups:   Backups{SigningKeyFile: abs(t, "testdata/good/backup-signing.key")},
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("got  %+v\nwant %+v", *got, want)
			}
		})
	}
}

func mustURL(t *testing.T, s string) URL {
	t.Helper()
	var u URL
	if err := u.UnmarshalText([]byte(s)); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestFullConfig(t *testing.T) {
	c := mustLoad(t, "testdata/good/full.yaml")
	want := Config{
		Server: Server{
			Listen:  "0.0.0.0:8443",
			BaseURL: mustURL(t, "https://status.example.com/vigie/"),
			TLS: TLS{
				CertFile: abs(t, "testdata/good/tls/cert.pem"),
				KeyFile:  abs(t, "testdata/good/tls/key.pem"),
			},
			TrustedProxies:  prefixes(t, "10.0.0.0/8", "192.168.1.10/32", "2001:db8::1/128"),
			SessionLifetime: Duration(36 * time.Hour),
			ShutdownTimeout: Duration(90 * time.Second),
		},
		Storage:   Storage{Driver: "sqlite", Path: "/var/lib/vigie/vigie.db"},
		Log:       Log{Level: "warn", Format: "json"},
		Retention: Retention{Raw: Duration(14 * day), Rollups: Duration(730 * day)},
		Reports:   Reports{Weekly: WeeklyReport{Schedule: "0 8 * * MON", Zone: "UTC"}},
		Backups:   Backups{SigningKeyFile: abs(t, "testdata/good/backup-signing.key")},
	}
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("got  %+v\nwant %+v", *c, want)
	}
	if !c.Server.TLS.Enabled() {
		t.Error("TLS.Enabled() = false")
	}
	if got := c.Log.SlogLevel().String(); got != "WARN" {
		t.Errorf("SlogLevel() = %s", got)
	}
}

func TestIncludesAndEnvironment(t *testing.T) {
	c := mustLoad(t, "testdata/good/include.yaml")
	if got, want := c.Server.Listen, "0.0.0.0:9000"; got != want {
		t.Errorf("listen = %q, want %q (from VIGIE_TEST_LISTEN)", got, want)
	}
	// Derived from listen, with the wildcard host replaced.
	if got, want := c.Server.BaseURL.String(), "http://localhost:9000"; got != want {
		t.Errorf("base_url = %q, want %q", got, want)
	}
	// Lists concatenate: main file first, then included files in order.
	if got, want := c.Server.TrustedProxies, prefixes(t, "10.0.0.1/32", "fd00::/8", "172.16.0.0/12"); !reflect.DeepEqual(got, want) {
		t.Errorf("trusted_proxies = %v, want %v", got, want)
	}
	// 10-server.yaml sets session_lifetime; the main file's server section merges with it.
	if got, want := c.Server.SessionLifetime, Duration(2*day); got != want {
		t.Errorf("session_lifetime = %v, want %v", got, want)
	}
	if got, want := c.Log, (Log{Level: "debug", Format: "json"}); got != want {
		t.Errorf("log = %+v, want %+v", got, want)
	}
	// dsn_file is relative to the included file that names it; one trailing newline is cut.
	if got, want := c.Storage.DSN.Reveal(), "postgres://vigie:hunter2@db.internal/vigie"; got != want {
		t.Errorf("dsn = %q, want %q", got, want)
	}
	if c.Storage.Driver != "postgres" || c.Storage.Path != "" {
		t.Errorf("storage = %+v, want postgres without path", c.Storage)
	}
	// Defaults still apply to keys no file sets.
	if got, want := c.Retention, (Retention{Raw: Duration(7 * day), Rollups: Duration(400 * day)}); got != want {
		t.Errorf("retention = %+v, want %+v", got, want)
	}
}

func TestEnvironmentForms(t *testing.T) {
	c := mustLoad(t, "testdata/good/env.yaml")
	if got, want := c.Server.Listen, "127.0.0.1:8081"; got != want {
		t.Errorf("listen = %q, want %q (default used for an empty variable)", got, want)
	}
	if got, want := c.Server.BaseURL.String(), "https://status.example.com/"; got != want {
		t.Errorf("base_url = %q, want %q (default used for an unset variable)", got, want)
	}
	if got, want := c.Storage.Path, abs(t, "testdata/good/data/$HOME/vigie.db"); got != want {
		t.Errorf("path = %q, want %q ($$ is a literal $)", got, want)
	}
	if got, want := c.Log.Level, "debug"; got != want {
		t.Errorf("level = %q, want %q", got, want)
	}
}

func TestExpand(t *testing.T) {
	env := func(name string) (string, bool) {
		v, ok := map[string]string{"A": "alpha", "EMPTY": ""}[name]
		return v, ok
	}
	for _, tc := range []struct{ in, want, err string }{
		{in: "plain", want: "plain"},
		{in: "${A}", want: "alpha"},
		{in: "x${A}y${A}", want: "xalphayalpha"},
		{in: "${EMPTY:-d}", want: "d"},
		{in: "${UNSET:-d:-e}", want: "d:-e"},
		{in: "${UNSET:-}", want: ""},
		{in: "${EMPTY}", want: ""},
		{in: "$$", want: "$"},
		{in: "$${A}", want: "${A}"},
		{in: "pa$word$", want: "pa$word$"},
		{in: "${UNSET}", err: `environment variable "UNSET" is not set`},
		{in: "${A", err: `unterminated "${"`},
		{in: "${}", err: `malformed "${...}"`},
		{in: "${1A}", err: `malformed "${...}"`},
		{in: "${A-x}", err: `malformed "${...}"`},
	} {
		got, err := expand(tc.in, env)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("expand(%q) error = %v, want %q", tc.in, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("expand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		str  string
	}{
		{"30s", 30 * time.Second, "30s"},
		{"1h30m", 90 * time.Minute, "1h30m"},
		{"7d", 7 * day, "7d"},
		{"400d", 400 * day, "400d"},
		{"1d12h", 36 * time.Hour, "36h"},
		{"1.5d", 36 * time.Hour, "36h"},
		{"250ms", 250 * time.Millisecond, "250ms"},
		{"0", 0, "0s"},
		{"2h0m", 2 * time.Hour, "2h"},
	} {
		var d Duration
		if err := d.UnmarshalText([]byte(tc.in)); err != nil || d.Std() != tc.want {
			t.Errorf("parse %q = %v, %v; want %v", tc.in, d.Std(), err, tc.want)
		}
		if got := d.String(); got != tc.str {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.str)
		}
	}
	for _, tc := range []struct{ in, err string }{
		{"30x", `invalid duration "30x": unknown unit "x" (use ms, s, m, h, d)`},
		{"-5s", `invalid duration "-5s": must not be negative`},
		{"12", `invalid duration "12": missing unit after 12 (use ms, s, m, h, d)`},
		{"", `invalid duration "": expected a number with a unit, like 30s, 5m or 7d`},
		{"h", `invalid duration "h": expected a number with a unit, like 30s, 5m or 7d`},
		{"1..5h", `invalid duration "1..5h": invalid number "1..5"`},
		{"999999999d", `invalid duration "999999999d": too large`},
		{"2000000h2000000h", `invalid duration "2000000h2000000h": too large`},
	} {
		var d Duration
		if err := d.UnmarshalText([]byte(tc.in)); err == nil || err.Error() != tc.err {
			t.Errorf("parse %q error = %v, want %q", tc.in, err, tc.err)
		}
	}
}

// The current sections have no integers, booleans, maps or named lists, but later ones will,
// so the decoder is also tested against this schema.
type testSchema struct {
	Storage Storage              `yaml:"storage"`
	Checks  []testCheck          `yaml:"checks"`
	Labels  map[string]string    `yaml:"labels"`
	Limits  map[string]testLimit `yaml:"limits"`
	Tokens  []Secret             `yaml:"tokens"`
}

func (s *testSchema) Validate(v *Validator) {
	names := make([]string, len(s.Checks))
	for i, c := range s.Checks {
		names[i] = c.Name
	}
	v.UniqueNames("checks", names)
}

type testCheck struct {
	Name    string   `yaml:"name"`
	Count   int      `yaml:"count"`
	Port    uint16   `yaml:"port"`
	Enabled bool     `yaml:"enabled"`
	Ratio   float64  `yaml:"ratio"`
	Every   Duration `yaml:"every"`
	Token   Secret   `yaml:"token"`
}

func (c *testCheck) setDefaults() {
	c.Count = 3
	c.Enabled = true
	c.Every = Duration(time.Minute)
}

func (c *testCheck) Validate(v *Validator) {
	if c.Name == "" {
		v.Errorf("name", "is required")
	}
	if c.Count < 1 {
		v.Errorf("count", "must be at least 1, got %d", c.Count)
	}
}

type testLimit struct {
	Max int `yaml:"max"`
}

func (l *testLimit) setDefaults() { l.Max = 10 }

func TestSchemaErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/schema/bad_*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no schema fixtures: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			got := loadErrors(t, file, new(testSchema))
			if strings.Contains(got, "hunter2") {
				t.Errorf("error text shows a secret:\n%s", got)
			}
			checkGolden(t, strings.TrimSuffix(file, ".yaml")+".golden", got)
		})
	}
}

func TestSchemaDecoding(t *testing.T) {
	var got testSchema
	if err := load("testdata/schema/good.yaml", testEnv, &got); err != nil {
		t.Fatal(err)
	}
	want := testSchema{
		Storage: Storage{Driver: "sqlite", Path: abs(t, "testdata/schema/vigie.db")},
		Checks: []testCheck{
			{Name: "web", Count: 5, Port: 443, Enabled: false, Ratio: 0.5, Every: Duration(30 * time.Second), Token: NewSecret("hunter2")},
			{Name: "db", Count: 3, Enabled: true, Every: Duration(time.Minute)}, // defaults per item
			{Name: "empty", Count: 3, Enabled: true, Every: Duration(time.Minute)},
		},
		Labels: map[string]string{"team": "ops", "tier": "1"},
		Limits: map[string]testLimit{"cpu": {Max: 4}, "disk": {Max: 10}},
		Tokens: []Secret{NewSecret("a"), NewSecret("b")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	var buf bytes.Buffer
	if err := printYAML(&buf, reflect.ValueOf(got)); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "testdata/schema/good.print", relative(t, buf.String()))
}

func TestPrint(t *testing.T) {
	for _, file := range []string{"testdata/good/full.yaml", "testdata/good/include.yaml"} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			c := mustLoad(t, file)
			var buf bytes.Buffer
			if err := c.Print(&buf); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, strings.TrimSuffix(file, ".yaml")+".print", relative(t, buf.String()))

			// The output is a configuration that loads back to the same values.
			printed := filepath.Join(filepath.Dir(file), "printed.yaml.tmp")
			t.Cleanup(func() { os.Remove(printed) })
			if err := os.WriteFile(printed, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			again := mustLoad(t, printed)
			if !equalConfigs(t, c, again) {
				t.Errorf("reloaded config differs:\n%+v\n%+v", *c, *again)
			}
		})
	}
}

// equalConfigs compares two configurations after redacting their secrets, since Print writes
// <secret> in place of them, and after putting URLs in their printed form, since url.URL keeps
// raw forms (RawPath, RawFragment) that printing may legitimately change.
func equalConfigs(t *testing.T, a, b *Config) bool {
	ra, rb := *a, *b
	normalize(t, reflect.ValueOf(&ra).Elem())
	normalize(t, reflect.ValueOf(&rb).Elem())
	return reflect.DeepEqual(ra, rb)
}

func normalize(t *testing.T, v reflect.Value) {
	switch {
	case v.Type() == reflect.TypeFor[Secret]():
		if !v.Interface().(Secret).IsZero() {
			v.Set(reflect.ValueOf(NewSecret(redacted)))
		}
	case v.Type() == reflect.TypeFor[URL]():
		if u := v.Interface().(URL); u.URL != nil {
			v.Set(reflect.ValueOf(mustURL(t, u.String())))
		}
	case isSection(v.Type()):
		for _, f := range fieldsOf(v.Type()) {
			normalize(t, v.Field(f.index))
		}
	case v.Kind() == reflect.Slice && !v.IsNil():
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len()) // leave the caller's config alone
		reflect.Copy(c, v)
		for i := range c.Len() {
			normalize(t, c.Index(i))
		}
		v.Set(c)
	}
}

func TestURL(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{in: "https://status.example.com/"},
		{in: "HTTP://example.com:8080/x?y#z"},
		{in: "http:///status", err: `must have a host, got "http:///status"`},
		{in: "mailto:ops@example.com", err: `must be an absolute http or https URL, got "mailto:ops@example.com"`},
		{in: "example.com", err: `must be an absolute http or https URL, got "example.com"`},
		{in: "https://ops:pw@example.com/", err: "must not contain a user name or password"},
		{in: "http://[::1", err: "invalid URL: missing ']' in host"},
	} {
		var u URL
		err := u.UnmarshalText([]byte(tc.in))
		switch {
		case tc.err == "" && (err != nil || u.URL == nil):
			t.Errorf("%q: %v", tc.in, err)
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
		}
	}
	if got := (URL{}).String(); got != "" {
		t.Errorf("zero URL prints %q", got)
	}
}

func TestIncludeReadsEachFileOnce(t *testing.T) {
	c := mustLoad(t, "testdata/good/include_order.yaml")
	if got, want := c.Server.TrustedProxies, prefixes(t, "10.0.0.2/32", "10.0.0.1/32"); !reflect.DeepEqual(got, want) {
		t.Errorf("trusted_proxies = %v, want %v (b.yaml first, as named)", got, want)
	}
	c = mustLoad(t, "testdata/good/self/vigie.yaml")
	if got, want := c.Log, (Log{Level: "debug", Format: "json"}); got != want {
		t.Errorf("log = %+v, want %+v", got, want)
	}
}
