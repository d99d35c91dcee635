package monitor

import (
	"vigie/internal/check"
	"vigie/internal/check/cond"
)

// Judge decides the status of one check run: down when the probe failed or a condition does
// not hold, degraded when a degraded_if condition holds, up otherwise. The message says why in
// the words of the condition ("status == 200 (got 503)").
func Judge(r check.Result, conditions, degradedIf []*cond.Expr) (Status, string) {
	if r.Err != nil {
		return StatusDown, r.Err.Error()
	}
	env := resultEnv{r}
	for _, c := range conditions {
		if ok, _ := c.Eval(env); !ok {
			return StatusDown, cond.Explain(c, env)
		}
	}
	for _, c := range degradedIf {
		if ok, _ := c.Eval(env); ok {
			return StatusDegraded, "degraded: " + cond.Explain(c, env)
		}
	}
	return StatusUp, ""
}

// resultEnv lets conditions read a result's fields.
type resultEnv struct{ r check.Result }

func (e resultEnv) Field(name string) (cond.Value, bool) {
	v, ok := e.r.Fields[name]
	return v, ok
}

func (e resultEnv) Body() []byte { return e.r.Body }

// tracker turns a stream of statuses into a state with thresholds: a monitor goes down after
// failureThreshold down results in a row, degraded after that many results that are not up,
// and back up after successThreshold up results. A fresh monitor is up at its first success,
// so a new check does not sit in "unknown" for several intervals.
type tracker struct {
	state                              State
	up, notUp, down, notDown           int // current streaks
	failureThreshold, successThreshold int
}

func newTracker(failure, success int) *tracker {
	return &tracker{state: StateUnknown, failureThreshold: max(failure, 1), successThreshold: max(success, 1)}
}

// observe feeds one status and returns the state after it.
func (t *tracker) observe(s Status) State {
	switch s {
	case StatusUp:
		t.up, t.notDown = t.up+1, t.notDown+1
		t.notUp, t.down = 0, 0
	case StatusDegraded:
		t.notUp, t.notDown = t.notUp+1, t.notDown+1
		t.up, t.down = 0, 0
	default:
		t.notUp, t.down = t.notUp+1, t.down+1
		t.up, t.notDown = 0, 0
	}
	switch {
	case t.down >= t.failureThreshold:
		t.state = StateDown
	case t.state == StateUnknown && t.up >= 1:
		t.state = StateUp
	case t.state == StateDown:
		if t.up >= t.successThreshold {
			t.state = StateUp
		} else if t.notDown >= t.successThreshold {
			t.state = StateDegraded
		}
	case t.state == StateDegraded:
		if t.up >= t.successThreshold {
			t.state = StateUp
		}
	case t.notUp >= t.failureThreshold:
		t.state = StateDegraded
	}
	return t.state
}
