package postgres

import (
	"context"
	"strings"
	"testing"
)

// A DSN carries a password; whatever goes wrong, the error must not repeat it.
func TestErrorsNeverShowTheDSN(t *testing.T) {
	const password = "s3cret-pa55word"
	for _, dsn := range []string{
		"postgres://vigie:" + password + "@127.0.0.1:1/vigie?connect_timeout=2&sslmode=disable", // nothing listens
		"postgres://vigie:" + password + "@127.0.0.1:5432/vigie?sslmode=bogus",                  // rejected by the parser
		"host=127.0.0.1 port=1 password=" + password + " connect_timeout=2 sslmode=disable",
		"postgres://vigie:" + password + "@[::1:5432/x", // malformed URL
	} {
		_, err := Open(context.Background(), dsn, nil)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", dsn)
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("error shows the password: %v", err)
		}
	}
}
