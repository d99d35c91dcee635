package check

import (
	"fmt"

	"vigie/internal/check/cond"
)

// kind is one type of check: its fields for conditions, the condition used when a monitor
// states none, and how to build its probe.
type kind struct {
	name             string
	schema           func() cond.Schema
	defaultCondition func() string
	build            func(Spec) (Probe, error)
}

func kinds() []kind {
	return []kind{
		{"http", httpSchema, httpDefaultCondition, NewHTTP},
		{"tcp", tcpSchema, tcpDefaultCondition, NewTCP},
		{"tls", tlsSchema, tlsDefaultCondition, NewTLS},
		{"dns", dnsSchema, dnsDefaultCondition, NewDNS},
		{"icmp", icmpSchema, icmpDefaultCondition, NewICMP},
		{"ssh", sshSchema, sshDefaultCondition, NewSSH},
	}
}

func lookup(name string) (kind, bool) {
	for _, k := range kinds() {
		if k.name == name {
			return k, true
		}
	}
	return kind{}, false
}

// Kinds names the check types, in the order the documentation lists them.
func Kinds() []string {
	var out []string
	for _, k := range kinds() {
		out = append(out, k.name)
	}
	return out
}

// Schema gives the fields a kind measures; nil for an unknown kind.
func Schema(name string) cond.Schema {
	if k, ok := lookup(name); ok {
		return k.schema()
	}
	return nil
}

// DefaultCondition is what a monitor of this kind checks when it states no condition.
func DefaultCondition(name string) string {
	if k, ok := lookup(name); ok {
		return k.defaultCondition()
	}
	return ""
}

// New builds the probe a Spec describes.
func New(s Spec) (Probe, error) {
	k, ok := lookup(s.Kind)
	if !ok {
		return nil, fmt.Errorf("unknown check type %q", s.Kind)
	}
	return k.build(s)
}
