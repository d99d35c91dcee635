package notify

import (
	"context"
	"time"
)

// State of a notification in the outbox.
type State string

const (
	StatePending State = "pending" // waiting for (another) delivery attempt
	StateSent    State = "sent"
	StateFailed  State = "failed" // given up; can be re-sent by hand
)

// Notification is one message to one receiver, as stored in the outbox.
type Notification struct {
	ID            int64
	Key           string // unique: enqueueing the same key twice stores it once
	Receiver      string
	Message       Message
	State         State
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        time.Time
}

// Attempt is one delivery try.
type Attempt struct {
	At       time.Time
	Duration time.Duration
	OK       bool
	Error    string
}

// Outcome is what an attempt changes on its notification.
type Outcome struct {
	State         State
	NextAttemptAt time.Time
	LastError     string
}

// Store is the outbox's storage.
type Store interface {
	// EnqueueNotification stores n as pending; a key already stored is not an error and
	// stores nothing (n.ID is then 0).
	EnqueueNotification(ctx context.Context, n *Notification) error
	// ClaimNotifications leases up to limit due pending notifications (next attempt at or
	// before now, no live lease) until now+lease, so no other worker takes them meanwhile;
	// a worker that dies lets its lease run out and the notification is tried again.
	ClaimNotifications(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Notification, error)
	// RecordAttempt stores an attempt and its outcome, and releases the lease.
	RecordAttempt(ctx context.Context, id int64, a Attempt, o Outcome) error
	ListNotifications(ctx context.Context, state State, limit int) ([]Notification, error)
	NotificationByID(ctx context.Context, id int64) (*Notification, []Attempt, error)
	// ResendNotification makes a notification pending and due at now.
	ResendNotification(ctx context.Context, id int64, now time.Time) error
	DeleteNotificationsBefore(ctx context.Context, t time.Time) (int64, error)
}
