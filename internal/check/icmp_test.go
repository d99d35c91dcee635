package check

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"vigie/internal/check/cond"
)

const pingGroupRange = "/proc/sys/net/ipv4/ping_group_range"

// needPingMode makes the mode usable for this test or skips; in CI it fails instead, as a
// missing component must not pass silently. Unprivileged mode may widen
// net.ipv4.ping_group_range to our group, and puts it back afterwards.
func needPingMode(t *testing.T, privileged bool) {
	t.Helper()
	lacking := func(why string) {
		if os.Getenv("CI") == "true" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	if privileged {
		if os.Geteuid() != 0 {
			lacking("raw ICMP sockets need root")
		}
		return
	}
	old, err := os.ReadFile(pingGroupRange)
	if err != nil {
		lacking(fmt.Sprintf("no ping sockets here: %v", err))
	}
	var lo, hi int
	fmt.Sscan(string(old), &lo, &hi)
	if gid := os.Getegid(); gid < lo || gid > hi {
		if err := os.WriteFile(pingGroupRange, fmt.Appendf(nil, "%d %d", gid, gid), 0); err != nil {
			lacking(fmt.Sprintf("ping sockets are not open to group %d and %s is not writable: %v", gid, pingGroupRange, err))
		}
		t.Cleanup(func() {
			if err := os.WriteFile(pingGroupRange, old, 0); err != nil {
				t.Errorf("restoring %s: %v", pingGroupRange, err)
			}
		})
	}
}

func TestICMP(t *testing.T) {
	hosts := []string{"127.0.0.1"}
	if ln, err := net.Listen("tcp", "[::1]:0"); err == nil {
		ln.Close()
		hosts = append(hosts, "::1")
	}
	for _, privileged := range []bool{true, false} {
		t.Run(fmt.Sprintf("privileged=%v", privileged), func(t *testing.T) {
			needPingMode(t, privileged)
			for _, host := range hosts {
				t.Run(host, func(t *testing.T) {
					p, err := NewICMP(Spec{Kind: "icmp", Target: host, ICMP: ICMPOptions{Count: 2, Interval: 10 * time.Millisecond}})
					if err != nil {
						t.Fatal(err)
					}
					probe := p.(*icmpProbe)
					ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
					defer cancel()
					ip, err := probe.resolve(ctx)
					if err != nil {
						t.Fatal(err)
					}
					stats, err := probe.ping(ctx, ip, privileged)
					if err != nil {
						t.Fatal(err)
					}
					if stats.PacketsSent != 2 || stats.PacketsRecv != 2 || stats.MinRtt <= 0 || stats.MaxRtt < stats.MinRtt {
						t.Errorf("stats = %+v, want 2 answered pings", stats)
					}
				})
			}
		})
	}
}

// TestICMPRun runs the probe whole, letting it choose its socket.
func TestICMPRun(t *testing.T) {
	p, err := NewICMP(Spec{Kind: "icmp", Target: "127.0.0.1", ICMP: ICMPOptions{Count: 2, Interval: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	res := p.Run(ctx)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	fieldsFollowSchema(t, res, icmpSchema())
	for k, want := range map[string]cond.Value{"loss": cond.Percent(0), "sent": cond.Number(2), "received": cond.Number(2)} {
		if got := res.Fields[k]; !got.Equal(want) {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	if rtt := res.Fields["rtt"].Dur(); rtt <= 0 || rtt != res.Duration || rtt < res.Fields["rtt_min"].Dur() || rtt > res.Fields["rtt_max"].Dur() {
		t.Errorf("rtt %v, Duration %v, min %v, max %v", rtt, res.Duration, res.Fields["rtt_min"], res.Fields["rtt_max"])
	}
}

// TestICMPDeadline checks that the check's deadline ends the pings without an error: what
// was sent and answered so far is the result.
func TestICMPDeadline(t *testing.T) {
	p, err := NewICMP(Spec{Kind: "icmp", Target: "127.0.0.1", ICMP: ICMPOptions{Count: 5, Interval: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	res := p.Run(ctx)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("took %v, past the 300ms deadline", took)
	}
	if sent, received := res.Fields["sent"].Num(), res.Fields["received"].Num(); sent != 1 || received != 1 {
		t.Errorf("sent %v, received %v; want 1 and 1 before the deadline", sent, received)
	}
}

func TestICMPUnresolvable(t *testing.T) {
	server := startDNSServer(t, testDNSHandler(t))
	p, err := NewICMP(Spec{Kind: "icmp", Target: "nowhere.test"})
	if err != nil {
		t.Fatal(err)
	}
	// Every lookup goes to the test server, whatever resolv.conf names.
	p.(*icmpProbe).resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, server)
	}}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	res := p.Run(ctx)
	if want := "DNS lookup failed for nowhere.test: no such host"; res.Err == nil || res.Err.Error() != want {
		t.Fatalf("err = %v, want %q", res.Err, want)
	}
}

func TestNewICMPErrors(t *testing.T) {
	tests := []struct {
		spec    Spec
		wantErr string
	}{
		{Spec{}, "a ping check needs a target host"},
		{Spec{Target: "example.org:80"}, `ping target "example.org:80" must be a host without a port`},
		{Spec{Target: "example.org", ICMP: ICMPOptions{Count: -1}}, "ping count -1 must be positive"},
		{Spec{Target: "example.org", ICMP: ICMPOptions{Interval: -time.Second}}, "ping interval -1s must be positive"},
	}
	for _, tt := range tests {
		_, err := NewICMP(tt.spec)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("NewICMP(%+v) error = %v, want %q", tt.spec, err, tt.wantErr)
		}
	}
}
