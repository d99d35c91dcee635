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
