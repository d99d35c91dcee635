package retention

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

func randomSnapshots(rng *rand.Rand, locs []*time.Location) []Snapshot {
	n := rng.IntN(80)
	// One scale per set, so that some sets crowd into hours and others spread over years.
	scale := []time.Duration{time.Minute, 20 * time.Minute, time.Hour, 7 * time.Hour, 24 * time.Hour, 9 * 24 * time.Hour, 60 * 24 * time.Hour}[rng.IntN(7)]
	at := date(time.UTC, "2027-01-02 00:00").Add(-time.Duration(rng.Int64N(int64(400 * 24 * time.Hour))))
	snaps := make([]Snapshot, n)
	for i := range snaps {
		if rng.IntN(10) > 0 { // now and then, two snapshots at the same instant
			at = at.Add(-time.Duration(rng.Int64N(int64(2*scale)) + 1))
		}
		if loc := locs[rng.IntN(len(locs))]; loc != nil {
			at = at.In(loc) // the zone of the times must not matter, only Policy.Location
		}
		snaps[i] = Snapshot{ID: fmt.Sprintf("s%03d", i), Time: at}
	}
	rng.Shuffle(len(snaps), func(i, j int) { snaps[i], snaps[j] = snaps[j], snaps[i] })
	return snaps
}

func randomPolicy(rng *rand.Rand, locs []*time.Location) Policy {
	count := func() int {
		switch rng.IntN(6) {
		case 0:
			return Unlimited
		case 1, 2:
			return 1 + rng.IntN(12)
		}
		return 0
	}
	span := func() Span {
		if rng.IntN(4) > 0 {
			return Span{}
		}
		return Span{Years: rng.IntN(3) / 2, Months: rng.IntN(4) / 2, Days: rng.IntN(20) / 2, Hours: rng.IntN(60) / 2}
	}
	return Policy{
		Last: count(), Hourly: count(), Daily: count(), Weekly: count(), Monthly: count(), Yearly: count(),
		Within: span(), WithinHourly: span(), WithinDaily: span(), WithinWeekly: span(), WithinMonthly: span(), WithinYearly: span(),
		Location: locs[rng.IntN(len(locs))],
	}
}

// TestProperties checks, on random snapshot sets and policies, what must hold whatever the
// calendar: one decision per snapshot, newest first; the newest always kept; a reason for
// every kept snapshot and none for the others; counts respected; the same verdict whatever
// the input order; and idempotence.
//
// Idempotence holds in full with restic's semantics: applying the policy to the kept set
// removes nothing. The newest snapshot, hence every span's cutoff, is the same. Every bucket
// is a contiguous stretch of time, so a count rule keeps the newest snapshot of each of the
// first n buckets; those snapshots are all in the kept set, and the kept set's buckets are a
// subset of the full set's, so its first n buckets and their newest snapshots are the same.
// A rule that kept the oldest snapshot had count left, so the full set had fewer than n of
// its buckets, all of them kept: the rule has count left again at the same oldest snapshot.
// Span rules go likewise without counts, and "last n" keeps the same n newest. Only the
// reasons may change: the kept set's oldest snapshot may earn an extra "oldest ..." reason.
func TestProperties(t *testing.T) {
	var locs []*time.Location
	for _, name := range []string{"UTC", "Europe/Paris", "Pacific/Auckland", "America/Los_Angeles", "Asia/Kathmandu", "Australia/Lord_Howe"} {
		locs = append(locs, loadLocation(t, name))
	}
	locs = append(locs, nil)
	rng := rand.New(rand.NewPCG(20261123, 1))
	for iter := range 800 {
		snaps := randomSnapshots(rng, locs)
		p := randomPolicy(rng, locs)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("case %d, policy %s, %d snapshots: %s", iter, p, len(snaps), fmt.Sprintf(format, args...))
		}
		got, err := Apply(snaps, p)
		if p.Empty() {
			if !errors.Is(err, ErrEmptyPolicy) || got != nil {
				fail("empty policy gave %v, %v", got, err)
			}
			continue
		}
		if err != nil {
			fail("%v", err)
		}

		if len(got) != len(snaps) {
			fail("%d decisions", len(got))
		}
		seen := map[string]int{}
		for _, s := range snaps {
			seen[s.ID]++
		}
		for i, d := range got {
			seen[d.Snapshot.ID]--
			if i > 0 && d.Snapshot.Time.After(got[i-1].Snapshot.Time) {
				fail("decision %d is newer than %d", i, i-1)
			}
			if d.Keep != (len(d.Reasons) > 0) {
				fail("%s: keep %v with reasons %q", d.Snapshot.ID, d.Keep, d.Reasons)
			}
		}
		for id, n := range seen {
			if n != 0 {
				fail("%s decided %d times too few", id, n)
			}
		}
		if len(got) == 0 {
			continue
		}
		if !got[0].Keep || got[0].Reasons[0] != "newest snapshot" {
			fail("newest %s not kept as newest: %q", got[0].Snapshot.ID, got[0].Reasons)
		}
		for _, s := range snaps {
			if s.Time.After(got[0].Snapshot.Time) {
				fail("%s is newer than the first decision", s.ID)
			}
		}

		counts := map[string]int{}
		for _, d := range got {
			for _, r := range d.Reasons {
				counts[strings.SplitN(r, " (", 2)[0]]++
			}
		}
		wantLast := p.Last
		if p.Last == Unlimited || p.Last > len(snaps) {
			wantLast = len(snaps)
		}
		if counts["last snapshot"] != wantLast {
			fail("%d last snapshots; want %d", counts["last snapshot"], wantLast)
		}
		for _, c := range p.counts()[1:] {
			if c.n > 0 && counts[c.name+" snapshot"]+counts["oldest "+c.name+" snapshot"] > c.n {
				fail("%d %s snapshots", counts[c.name+" snapshot"], c.name)
			}
			if counts["oldest "+c.name+" snapshot"] > 1 {
				fail("%d oldest %s snapshots", counts["oldest "+c.name+" snapshot"], c.name)
			}
		}
		if !p.Within.IsZero() {
			cutoff := p.Within.Before(got[0].Snapshot.Time.In(p.location()))
			for _, d := range got {
				if d.Snapshot.Time.After(cutoff) && !d.Keep {
					fail("%s within %s of newest but removed", d.Snapshot.ID, p.Within)
				}
			}
		}

		rng.Shuffle(len(snaps), func(i, j int) { snaps[i], snaps[j] = snaps[j], snaps[i] })
		if again, err := Apply(snaps, p); err != nil || !reflect.DeepEqual(again, got) {
			fail("input order changed the decisions")
		}

		var kept []Snapshot
		for _, d := range got {
			if d.Keep {
				kept = append(kept, d.Snapshot)
			}
		}
		_, removed, err := Split(kept, p)
		if err != nil || len(removed) != 0 {
			fail("applying the policy to the %d kept snapshots removes %v (%v)", len(kept), removed, err)
		}
	}
}
