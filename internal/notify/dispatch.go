package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"vigie/internal/clock"
)

// Delivery policy. Failures worth retrying back off exponentially up to MaxBackoff, so a
// receiver that was down for ten minutes gets everything within MaxBackoff of coming back.
const (
	BaseBackoff      = 10 * time.Second
	MaxBackoff       = 5 * time.Minute
	MaxRetryAfter    = time.Hour // a receiver's Retry-After is honoured up to this
	MaxRefusals      = 3         // permanent (4xx) failures before giving up
	GiveUpAfter      = 24 * time.Hour
	AttemptTimeout   = 30 * time.Second
	lease            = 2 * AttemptTimeout
	claimBatch       = 50
	parallelAttempts = 8
)

// Options configure a Dispatcher.
type Options struct {
	Store  Store
	Clock  clock.Clock
	Logger *slog.Logger
	// Receivers gives the configured receivers by name; read on every round so a reload
	// applies.
	Receivers func() map[string]Notifier
	// Lookup, when set, resolves the receivers made at run time rather than configured, such
	// as a status page's subscribers ("subscriber:42"), at each attempt. An error wrapping
	// ErrGone fails the notification at once; any other error is retried like a failed send.
	Lookup func(ctx context.Context, receiver string) (Notifier, error)
}

// Dispatcher puts messages in the outbox and delivers them.
type Dispatcher struct {
	opts Options
	wake chan struct{}
}

// NewDispatcher returns a dispatcher; Run delivers.
func NewDispatcher(o Options) *Dispatcher {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Dispatcher{opts: o, wake: make(chan struct{}, 1)}
}

// Key derives a stable idempotency key from the parts that identify one notification (alert,
// kind, step, receiver...), so the same notification enqueued twice is stored once.
func Key(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// Enqueue stores m for receiver; it is sent by Run. m.Key must be set (see Key).
func (d *Dispatcher) Enqueue(ctx context.Context, receiver string, m Message) error {
	if m.Key == "" {
		return errors.New("notify: message without a key")
	}
	now := d.opts.Clock.Now()
	if m.SentAt.IsZero() {
		m.SentAt = now
	}
	n := &Notification{Key: m.Key, Receiver: receiver, Message: m, NextAttemptAt: now, CreatedAt: now}
	if err := d.opts.Store.EnqueueNotification(ctx, n); err != nil {
		return err
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
	return nil
}

// Run delivers due notifications until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		if _, err := d.RunOnce(ctx); err != nil && ctx.Err() == nil {
			d.opts.Logger.Warn("delivering notifications failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
		}
	}
}

// RunOnce claims the notifications due now and tries each once; it returns how many it tried.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	now := d.opts.Clock.Now()
	due, err := d.opts.Store.ClaimNotifications(ctx, now, lease, claimBatch)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	receivers := d.opts.Receivers()
	sem := make(chan struct{}, parallelAttempts)
	var wg sync.WaitGroup
	for _, n := range due {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			d.attempt(ctx, n, receivers[n.Receiver])
		})
	}
	wg.Wait()
	return len(due), nil
}

func (d *Dispatcher) attempt(ctx context.Context, n Notification, r Notifier) {
	start := d.opts.Clock.Now()
	var err error
	if r == nil && d.opts.Lookup != nil {
		r, err = d.opts.Lookup(ctx, n.Receiver)
	}
	switch {
	case err != nil:
	case r == nil:
		err = &PermanentError{Err: fmt.Errorf("receiver %q is not configured (any more)", n.Receiver)}
	default:
		actx, cancel := context.WithTimeout(ctx, AttemptTimeout)
		err = r.Notify(actx, n.Message)
		cancel()
	}
	if ctx.Err() != nil {
		return // shutting down: the lease runs out and the next start retries
	}
	end := d.opts.Clock.Now()
	a := Attempt{At: start, Duration: end.Sub(start), OK: err == nil}
	o := Outcome{State: StateSent}
	if err != nil {
		a.Error = err.Error()
		o = d.nextStep(n, err, end)
		log := d.opts.Logger.Warn
		if o.State == StateFailed {
			log = d.opts.Logger.Error
		}
		log("notification not delivered", "receiver", n.Receiver, "kind", n.Message.Kind, "attempt", n.Attempts+1,
			"err", err, "state", o.State, "next", o.NextAttemptAt)
	} else {
		d.opts.Logger.Info("notification delivered", "receiver", n.Receiver, "kind", n.Message.Kind, "attempt", n.Attempts+1)
	}
	if err := d.opts.Store.RecordAttempt(context.WithoutCancel(ctx), n.ID, a, o); err != nil {
		d.opts.Logger.Error("recording a delivery attempt failed", "receiver", n.Receiver, "err", err)
	}
}

// nextStep decides what happens after a failed attempt.
func (d *Dispatcher) nextStep(n Notification, err error, now time.Time) Outcome {
	attempts := n.Attempts + 1
	o := Outcome{State: StatePending, LastError: err.Error()}
	switch {
	case errors.Is(err, ErrGone):
		o.State = StateFailed
		return o
	case IsPermanent(err) && attempts >= MaxRefusals:
		o.State = StateFailed
		return o
	case now.Sub(n.CreatedAt) >= GiveUpAfter:
		o.State, o.LastError = StateFailed, fmt.Sprintf("gave up after %s: %v", GiveUpAfter, err)
		return o
	}
	wait := Backoff(attempts)
	var ra *RetryAfterError
	if errors.As(err, &ra) {
		wait = min(max(ra.After, time.Second), MaxRetryAfter)
	}
	o.NextAttemptAt = now.Add(wait)
	return o
}

// Backoff is the wait after the given number of failed attempts: 10 s, 20 s, 40 s... up to 5 min.
func Backoff(attempts int) time.Duration {
	d := BaseBackoff
	for i := 1; i < attempts && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}

// SendNow delivers m to r at once, outside the outbox, for `vigie notify test`.
func SendNow(ctx context.Context, r Notifier, m Message) error {
	ctx, cancel := context.WithTimeout(ctx, AttemptTimeout)
	defer cancel()
	return r.Notify(ctx, m)
}
