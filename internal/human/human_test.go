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
