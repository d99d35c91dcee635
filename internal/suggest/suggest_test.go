package suggest

import "testing"

func TestSuggest(t *testing.T) {
	keys := []string{"listen", "base_url", "tls", "trusted_proxies", "session_lifetime", "dsn", "dsn_file"}
	for _, tc := range []struct{ in, want string }{
		{"lisen", "listen"},
		{"Listen", "listen"},
		{"tsl", "tls"},
		{"base_ulr", "base_url"},
		{"session", "session_lifetime"},
		{"dns", "dsn"},
		{"dsn_fle", "dsn_file"},
		{"listen_address", "listen"},
		{"foo", ""},
		{"x", ""},
		{"certificate", ""},
	} {
		if got := Closest(tc.in, keys); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
