package subscriber

import (
	"net/mail"
	"strings"
	"testing"
)

// An accepted address is one bare address in lower case that a mail library reads back as
// itself: nothing that could add a header or a second recipient.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"alice@example.net", " Bob@Example.ORG ", "a@b", "Bob <bob@example.net>", "a@b.c, d@e.f",
		"x@y.z\r\nBcc: eve@evil.example", `"quoted"@example.net`, "@example.net", "é@exämple.net"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := parseAddress(in)
		if err != nil {
			return
		}
		if got != strings.ToLower(got) || strings.ContainsAny(got, " \t\r\n,<>") || len(got) > 254 {
			t.Fatalf("parseAddress(%q) = %q", in, got)
		}
		a, err := mail.ParseAddress(got)
		if err != nil || !strings.EqualFold(a.Address, got) || a.Name != "" {
			t.Fatalf("parseAddress(%q) = %q, which reads back as %v, %v", in, got, a, err)
		}
	})
}
