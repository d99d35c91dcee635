package monitor

import "testing"

func TestTrackerThresholds(t *testing.T) {
	U, D, G := StatusUp, StatusDown, StatusDegraded
	cases := []struct {
		name   string
		in     []Status
		states string // state after each input: u(p) d(own) g (degraded) ? (unknown)
	}{
		{"first success is up at once", []Status{U}, "u"},
		{"down needs two failures", []Status{U, D, D}, "uud"},
		{"a single failure is a blip", []Status{U, D, U, D, U}, "uuuuu"},
		{"recovery needs two successes", []Status{D, D, U, U}, "?ddu"},
		{"fresh monitor failing stays unknown until the threshold", []Status{D, D}, "?d"},
		{"degraded after two not-up", []Status{U, G, G}, "uug"},
		{"mixed degraded and down is degraded", []Status{U, G, D, G}, "uugg"},
		{"down to degraded when it half recovers", []Status{D, D, G, G}, "?ddg"},
		{"degraded back to up", []Status{U, G, G, U, U}, "uuggu"},
		{"down beats degraded", []Status{U, G, D, D}, "uugd"},
	}
	letter := map[State]byte{StateUp: 'u', StateDown: 'd', StateDegraded: 'g', StateUnknown: '?'}
	for _, c := range cases {
		tr := newTracker(2, 2)
		var got []byte
		for _, s := range c.in {
			got = append(got, letter[tr.observe(s)])
		}
		if string(got) != c.states {
			t.Errorf("%s: states %s, want %s", c.name, got, c.states)
		}
	}
}
