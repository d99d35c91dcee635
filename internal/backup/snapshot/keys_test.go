package snapshot_test

import (
	"strings"
	"testing"

	"vigie/internal/backup/snapshot"
)

func TestParseRecipients(t *testing.T) {
	a1, a2 := newAgeKey(t), newAgeKey(t)
	p1 := newPGPKey(t, nil)
	r1, r2 := a1.id.Recipient().String(), a2.id.Recipient().String()
	tests := []struct {
		name    string
		lines   []string
		kind    string
		n       int
		wantErr string
	}{
		{"one age", []string{r1}, "age", 1, ""},
		{"age with comments and blanks", []string{"# instance", "  " + r1 + "  ", "", "# escrow", r2}, "age", 2, ""},
		{"pgp block", []string{p1.publicArmor}, "pgp", 1, ""},
		{"pgp block in lines", strings.Split(p1.publicArmor, "\n"), "pgp", 1, ""},
		{"mixed", []string{r1, p1.publicArmor}, "", 0, "mix age and PGP"},
		{"empty", nil, "", 0, "no recipients"},
		{"only comments", []string{"# nothing", ""}, "", 0, "no recipients"},
		{"bad age", []string{"age1notreally"}, "", 0, "not a valid age recipient"},
		{"unknown", []string{"ssh-ed25519 AAAA"}, "", 0, "neither an age recipient"},
		{"post-quantum", []string{"age1pq1xyz"}, "", 0, "post-quantum"},
		{"secret age key", []string{a1.id.String()}, "", 0, "private key"},
		{"secret pgp key", []string{p1.secretArmor}, "", 0, "private key"},
		{"unterminated pgp block", strings.Split(p1.publicArmor, "\n")[:5], "", 0, "no end line"},
		{"damaged pgp block", []string{strings.Replace(p1.publicArmor, "\n\n", "\n\nAAAA", 1)}, "", 0, "invalid PGP public key block"},
	}
	for _, tt := range tests {
		enc, err := snapshot.ParseRecipients(tt.lines)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want one saying %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if enc.Kind() != tt.kind || len(enc.Recipients()) != tt.n {
			t.Errorf("%s: %s with %v, want %s with %d", tt.name, enc.Kind(), enc.Recipients(), tt.kind, tt.n)
		}
	}
	enc, _ := snapshot.ParseRecipients([]string{r1, r2})
	if got := enc.Recipients(); got[0] != r1 || got[1] != r2 || enc.Ext() != ".age" {
		t.Errorf("Recipients() = %v, Ext() = %q", got, enc.Ext())
	}
	if (snapshot.Encryption{}).Ext() != "" {
		t.Error("an empty Encryption has an extension")
	}
}

func TestParseIdentities(t *testing.T) {
	a1, a2 := newAgeKey(t), newAgeKey(t)
	file := "# created: 2026-01-01T00:00:00Z\n# public key: " + a1.id.Recipient().String() + "\n" + a1.id.String() + "\r\n\n" + a2.id.String() + "\n"
	ids, err := snapshot.ParseIdentities([]byte(file), nil)
	if err != nil || len(ids.Age) != 2 || len(ids.PGP) != 0 {
		t.Fatalf("age-keygen file: %v, %v", ids, err)
	}
	pass := []byte("s3cret passphrase")
	p := newPGPKey(t, pass)
	if ids, err := snapshot.ParseIdentities([]byte(p.parsedArmor), pass); err != nil || len(ids.PGP) != 1 {
		t.Errorf("protected PGP key: %v, %v", ids, err)
	}
	for name, data := range map[string]string{
		"empty":          "",
		"comments only":  "# nothing here\n",
		"public age":     a1.id.Recipient().String(),
		"public pgp":     p.publicArmor,
		"garbage":        "hello",
		"damaged age":    a1.id.String()[:40],
		"pgp no pass":    p.parsedArmor,
		"truncated pgp":  p.parsedArmor[:len(p.parsedArmor)/2],
		"age then other": a1.id.String() + "\nsomething else\n",
	} {
		if _, err := snapshot.ParseIdentities([]byte(data), nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
