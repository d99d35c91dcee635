package human

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second:                          "0 s",
		0:                                     "0 s",
		42 * time.Second:                      "42 s",
		340 * time.Millisecond:                "340 ms",
		time.Millisecond / 2:                  "0 ms",
		59*time.Second + time.Millisecond*999: "59 s",
		time.Minute:                           "1 min",
		17*time.Minute + 30*time.Second:       "17 min",
		time.Hour:                             "1 h",
		3*time.Hour + 5*time.Minute:           "3 h 5 min",
		47*time.Hour + 59*time.Minute:         "47 h 59 min",
		48 * time.Hour:                        "2 days",
		100 * time.Hour:                       "4 days",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 10 << 20: "10.0 MiB", 3 << 30: "3.0 GiB", 1 << 62: "4.0 EiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestTimesNameTheirZone(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		from, to string
		loc      *time.Location
		want     string
	}{
		{"2026-11-29T01:00:00Z", "2026-11-29T02:00:00Z", paris, "Sun 29 Nov 2026 02:00 – 03:00 CET (Europe/Paris), 1 h"},
		{"2026-11-25T22:30:00Z", "2026-11-26T00:30:00Z", paris, "Wed 25 Nov 2026 23:30 CET – Thu 26 Nov 2026 01:30 CET (Europe/Paris), 2 h"},
		// The clocks go back in the window: both ends say their offset's name.
		{"2026-10-25T00:30:00Z", "2026-10-25T02:30:00Z", paris, "Sun 25 Oct 2026 02:30 CEST – 03:30 CET (Europe/Paris), 2 h"},
		{"2026-11-29T01:00:00Z", "2026-11-29T01:45:00Z", time.UTC, "Sun 29 Nov 2026 01:00 – 01:45 UTC, 45 min"},
	} {
		if got := Window(at(c.from), at(c.to), c.loc); got != c.want {
			t.Errorf("Window(%s, %s, %s) = %q, want %q", c.from, c.to, c.loc, got, c.want)
		}
	}
	if got := Time(at("2026-07-01T12:00:00Z"), paris); got != "Wed 1 Jul 2026 14:00 CEST (Europe/Paris)" {
		t.Errorf("Time = %q", got)
	}
}
