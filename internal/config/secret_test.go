package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const secretValue = "hunter2-s3cr3t"

func TestSecretNeverPrinted(t *testing.T) {
	s := NewSecret(secretValue)
	if s.Reveal() != secretValue || s.IsZero() {
		t.Fatalf("Reveal() = %q, IsZero() = %v", s.Reveal(), s.IsZero())
	}
	cfg := mustLoad(t, "testdata/good/full.yaml")
	cfg.Storage = Storage{Driver: "postgres", DSN: s}
	holders := map[string]any{
		"Secret":           s,
		"*Secret":          &s,
		"Storage":          cfg.Storage,
		"*Config":          cfg,
		"Config":           *cfg,
		"unexported field": struct{ dsn Secret }{s},
		"slice":            []Secret{s},
		"map":              map[string]Secret{"dsn": s},
	}
	var outputs []string
	for name, v := range holders {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s"} {
			outputs = append(outputs, name+" "+verb+": "+fmt.Sprintf(verb, v))
		}
		j, err := json.Marshal(v)
		if err != nil {
			t.Errorf("json.Marshal(%s): %v", name, err)
		}
		outputs = append(outputs, name+" json: "+string(j))
		if name != "unexported field" {
			y, err := yaml.Marshal(v)
			if err != nil {
				t.Errorf("yaml.Marshal(%s): %v", name, err)
			}
			outputs = append(outputs, name+" yaml: "+string(y))
		}
		for _, h := range []func(*bytes.Buffer) slog.Handler{
			func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
			func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		} {
			var buf bytes.Buffer
			slog.New(h(&buf)).Info("loaded", "value", v, slog.Group("g", "value", v))
			outputs = append(outputs, name+" slog: "+buf.String())
		}
	}
	text, err := s.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, "MarshalText: "+string(text), "LogValue: "+s.LogValue().String())
	var printed bytes.Buffer
	if err := cfg.Print(&printed); err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, "Print: "+printed.String())

	for _, out := range outputs {
		if strings.Contains(out, "hunter2") || strings.Contains(out, "68756e74657232") /* hex */ {
			t.Errorf("secret leaked by %s", out)
		}
	}
	for _, want := range []string{"Secret %v: <secret>", `Secret json: "\u003csecret\u003e"` /* encoding/json escapes <> */, "Secret yaml: <secret>", "dsn: <secret>"} {
		if !strings.Contains(strings.Join(outputs, "\n"), want) {
			t.Errorf("no output contains %q", want)
		}
	}
}

func TestEmptySecretPrintsEmpty(t *testing.T) {
	var s Secret
	if !s.IsZero() || !NewSecret("").IsZero() {
		t.Error("empty secret is not zero")
	}
	if got := fmt.Sprintf("%v|%s|%#v", s, s, s); got != `||""` {
		t.Errorf("empty secret prints %q", got)
	}
	if j, _ := json.Marshal(s); string(j) != `""` {
		t.Errorf("empty secret marshals to %s", j)
	}
}

// TestSecretNotInErrors checks the messages of every kind of problem a secret can be in.
func TestSecretNotInErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dsn"), []byte(secretValue+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{
		"storage:\n  dsn: " + secretValue + "\n",
		"storage:\n  dsn_file: dsn\n",
		"storage:\n  dsn: [" + secretValue + "]\n",
		"storage:\n  dsn: {" + secretValue + ": x}\n",
		"storage:\n  dsn: {x: " + secretValue + "}\n",
		"storage:\n  dsn: \"" + secretValue + "${\"\n",
		"storage:\n  dsn: \"" + secretValue + "${A B}\"\n",
		"storage:\n  driver: postgres\n  dsn: " + secretValue + "\n  dsn_file: dsn\n",
		"storage:\n  driver: mysql\n  dsn: " + secretValue + "\n",
		"server:\n  base_url: https://user:" + secretValue + "@example.com/\n",
	} {
		file := filepath.Join(dir, "vigie.yaml")
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(file, nil)
		if err == nil {
			t.Errorf("no error for:\n%s", body)
			continue
		}
		if strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), "hunter2") {
			t.Errorf("error shows the secret:\n%v", err)
		}
	}
}
