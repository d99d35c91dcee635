package backup

import (
	"strings"
	"testing"
)

func TestExpectation(t *testing.T) {
	for _, tc := range []struct {
		expect, answer string
		ok             bool
	}{
		{"> 0", "3", true},
		{"> 0", "0", false},
		{">0", "12", true},
		{">= 1000", "1000", true},
		{">= 1000", "999", false},
		{"< 5", "4.5", true},
		{"<= 5", "6", false},
		{"== 42", "42", true},
		{"== 42", "42.0", true},
		{"!= 0", "0", false},
		{"!= 0", "", false}, // not a number
		{"> 0", "lots", false},
		{"ok", "ok", true},
		{"ok", "OK", false},
		{"", "anything", true},
	} {
		e, err := ParseExpectation(tc.expect)
		if err != nil {
			t.Fatalf("%q: %v", tc.expect, err)
		}
		if err := e.Check(tc.answer); (err == nil) != tc.ok {
			t.Errorf("expect %q, answer %q: got %v, want ok=%v", tc.expect, tc.answer, err, tc.ok)
		}
	}
	for _, bad := range []string{"> ", ">= x", "== NaN", "> Inf", "< 1 2"} {
		if _, err := ParseExpectation(bad); err == nil || !strings.Contains(err.Error(), "comes a number") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

func FuzzExpectation(f *testing.F) {
	for _, s := range []string{"> 0", ">= 1e3", "== -1", "ok", "", "!=", "<= 0x10"} {
		f.Add(s, "1")
	}
	f.Fuzz(func(t *testing.T, expect, answer string) {
		e, err := ParseExpectation(expect)
		if err != nil {
			return
		}
		again, err := ParseExpectation(e.String())
		if e.op != "" && (err != nil || again.op != e.op || again.number != e.number) {
			t.Fatalf("%q -> %q does not read back: %+v %v", expect, e.String(), again, err)
		}
		_ = e.Check(answer)
	})
}
