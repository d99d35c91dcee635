package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad checks that Load never panics, returns either a config or an error, and that a
// loaded config printed with Print loads back to the same config.
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"testdata/*/*.yaml", "testdata/*/*/*.yaml", "testdata/*/*/*/*.y*ml"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		file := filepath.Join(dir, "vigie.yaml")
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(file, testEnv)
		if (c == nil) == (err == nil) {
			t.Fatalf("Load = %v, %v; want exactly one of them", c, err)
		}
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error is %T, want a non-empty Errors: %v", err, err)
			}
			return
		}
		var printed bytes.Buffer
		if err := c.Print(&printed); err != nil {
			t.Fatal(err)
		}
		again := filepath.Join(dir, "printed.yaml")
		// Secrets print as <secret>; secrets are compared redacted, so reload with a stand-in
		// that also passes format rules (a heartbeat token must be URL-safe).
		reload := bytes.ReplaceAll(printed.Bytes(), []byte(redacted), []byte("RedactedStandIn_0123456789"))
		if err := os.WriteFile(again, reload, 0o600); err != nil {
			t.Fatal(err)
		}
		c2, err := Load(again, testEnv)
		if err != nil {
			t.Fatalf("printed config does not load:\n%s\n%v", printed.String(), err)
		}
		if !equalConfigs(t, c, c2) {
			t.Fatalf("printed config loads differently:\n%s\n%+v\n%+v", printed.String(), *c, *c2)
		}
	})
}
