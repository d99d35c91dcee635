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

func TestExact(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                               "0 s",
		999 * time.Millisecond:          "0 s",
		12 * time.Second:                "12 s",
		43*time.Minute + 12*time.Second: "43 min 12 s",
		44 * time.Minute:                "44 min",
		time.Hour + 3*time.Minute + 5*time.Second: "1 h 3 min 5 s",
		time.Hour + 5*time.Second:                 "1 h 0 min 5 s",
		2*time.Hour + 30*time.Minute:              "2 h 30 min",
		50 * time.Hour:                            "50 h",
		-(15*time.Minute + 29*time.Second):        "−15 min 29 s",
	} {
		if got := Exact(d); got != want {
			t.Errorf("Exact(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestLatency(t *testing.T) {
	for in, want := range map[time.Duration]string{
		0: "0", 850 * time.Microsecond: "850 µs", 2500 * time.Microsecond: "2.5 ms", 42 * time.Millisecond: "42 ms", 1200 * time.Millisecond: "1.2 s",
	} {
		if got := Latency(in); got != want {
			t.Errorf("Latency(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestNiceCeil(t *testing.T) {
	for in, want := range map[float64]float64{0: 0, -3: 0, 0.83: 1, 1.3: 2, 42: 50, 43.2: 50, 180: 200, 1000: 1000, 1100: 2000, 6: 10} {
		if got := NiceCeil(in); got != want {
			t.Errorf("NiceCeil(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestPercent(t *testing.T) {
	for in, want := range map[float64]string{0.999: "99.9 %", 0.99995: "99.995 %", 1: "100 %", 0.5: "50 %", 0.38123: "38.123 %", -0.25: "-25 %"} {
		if got := Percent(in); got != want {
			t.Errorf("Percent(%v) = %q, want %q", in, got, want)
		}
	}
}
