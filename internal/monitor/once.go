package monitor

import (
	"context"
	"sync"
	"time"

	"vigie/internal/check"
)

// Outcome is one monitor checked once, outside the engine.
type Outcome struct {
	Definition *Definition
	Result     check.Result
	Status     Status
	Message    string
	Skipped    bool // heartbeats cannot be run: they wait for pings
}

// RunOnce checks every definition once, at most parallel at a time, and returns the outcomes
// in the order given. It is what `vigie check run` uses in scripts and CI.
func RunOnce(ctx context.Context, defs []Definition, parallel int) []Outcome {
	out := make([]Outcome, len(defs))
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i := range defs {
		d := &defs[i]
		out[i].Definition = d
		if d.Probe == nil {
			out[i].Skipped = true
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, d.Timeout)
			defer cancel()
			start := time.Now()
			res := d.Probe.Run(cctx)
			if res.Duration == 0 {
				res.Duration = time.Since(start)
			}
			out[i].Result = res
			out[i].Status, out[i].Message = Judge(res, d.Conditions, d.DegradedIf)
		})
	}
	wg.Wait()
	return out
}
