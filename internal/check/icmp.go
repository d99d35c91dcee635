package check

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	probing "github.com/prometheus-community/pro-bing"

	"vigie/internal/check/cond"
)

// icmpLinger is how long a ping check waits for the last reply after sending its last
// request, when the check's deadline does not end the wait sooner: a reply later than
// that is lost for any practical purpose.
const icmpLinger = 2 * time.Second

func icmpSchema() cond.Schema {
	return cond.Schema{
		"rtt":           cond.KindDuration,
		"rtt_min":       cond.KindDuration,
		"rtt_max":       cond.KindDuration,
		"loss":          cond.KindPercent,
		"sent":          cond.KindNumber,
		"received":      cond.KindNumber,
		"response_time": cond.KindDuration,
	}
}

func icmpDefaultCondition() string { return "loss < 100%" }

type icmpProbe struct {
	host     string
	count    int
	interval time.Duration
	resolver *net.Resolver // nil is the system's
}

// NewICMP returns a probe that sends s.ICMP.Count echo requests to s.Target.
func NewICMP(s Spec) (Probe, error) {
	host := strings.TrimSuffix(strings.TrimPrefix(s.Target, "["), "]")
	switch {
	case host == "":
		return nil, errors.New("a ping check needs a target host")
	case strings.Contains(host, ":") && net.ParseIP(host) == nil:
		return nil, fmt.Errorf("ping target %q must be a host without a port", s.Target)
	case s.ICMP.Count < 0:
		return nil, fmt.Errorf("ping count %d must be positive", s.ICMP.Count)
	case s.ICMP.Interval < 0:
		return nil, fmt.Errorf("ping interval %s must be positive", s.ICMP.Interval)
	}
	return &icmpProbe{
		host:     host,
		count:    cmp.Or(s.ICMP.Count, 3),
		interval: cmp.Or(s.ICMP.Interval, 200*time.Millisecond),
	}, nil
}

func (p *icmpProbe) Run(ctx context.Context) Result {
	budget := budgetOf(ctx)
	ip, err := p.resolve(ctx)
	if err != nil {
		return Result{Err: describe(ctx, budget, err)}
	}
	// An unprivileged "ping" socket needs no rights beyond net.ipv4.ping_group_range
	// covering our group, so it is tried first; a raw socket needs root or CAP_NET_RAW.
	stats, err := p.ping(ctx, ip, false)
	if errors.Is(err, os.ErrPermission) {
		stats, err = p.ping(ctx, ip, true)
	}
	if errors.Is(err, os.ErrPermission) {
		return Result{Err: fmt.Errorf("not allowed to send pings: run as root, grant CAP_NET_RAW, "+
			"or set sysctl net.ipv4.ping_group_range to include group %d", os.Getegid())}
	}
	if err != nil {
		return Result{Err: describe(ctx, budget, err)}
	}
	return Result{Duration: stats.AvgRtt, Fields: map[string]cond.Value{
		"rtt":           cond.Duration(stats.AvgRtt),
		"rtt_min":       cond.Duration(stats.MinRtt),
		"rtt_max":       cond.Duration(stats.MaxRtt),
		"loss":          cond.Percent(stats.PacketLoss),
		"sent":          cond.Number(float64(stats.PacketsSent)),
		"received":      cond.Number(float64(stats.PacketsRecv)),
		"response_time": cond.Duration(stats.AvgRtt),
	}}
}

// resolve picks the host's first IPv4 address, or its first address if it has none:
// IPv4 still reaches more hosts than IPv6 from where monitors run.
func (p *icmpProbe) resolve(ctx context.Context) (*net.IPAddr, error) {
	addrs, err := p.resolver.LookupIPAddr(ctx, p.host)
	if err != nil {
		return nil, err
	}
	if i := slices.IndexFunc(addrs, func(a net.IPAddr) bool { return a.IP.To4() != nil }); i >= 0 {
		return &addrs[i], nil
	}
	return &addrs[0], nil
}

// ping sends the echo requests over a raw socket if privileged, a ping socket if not.
func (p *icmpProbe) ping(ctx context.Context, ip *net.IPAddr, privileged bool) (*probing.Statistics, error) {
	pinger := probing.New(ip.String())
	pinger.SetIPAddr(ip)
	pinger.SetPrivileged(privileged)
	pinger.SetLogger(probing.NoopLogger{})
	pinger.Count = p.count
	pinger.Interval = p.interval
	pinger.Timeout = time.Duration(p.count-1)*p.interval + icmpLinger
	err := pinger.RunWithContext(ctx)
	if err != nil && ctx.Err() == nil {
		return nil, err
	}
	// The deadline cutting the wait short is no failure: unanswered requests count as lost.
	return pinger.Statistics(), nil
}
