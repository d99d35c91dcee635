package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"vigie/internal/notify"
)

var _ notify.Store = (*Store)(nil)

func (s *Store) EnqueueNotification(ctx context.Context, n *notify.Notification) error {
	defer s.observe("notifications.enqueue")()
	msg, err := json.Marshal(n.Message)
	if err != nil {
		return err
	}
	var id int64
	err = s.write.QueryRowContext(ctx, s.q(`INSERT INTO notifications (key, receiver, message, state, attempts, next_attempt_at, created_at)
		VALUES (?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING id`),
		n.Key, n.Receiver, string(msg), micros(n.NextAttemptAt), micros(n.CreatedAt)).Scan(&id)
	if err == sql.ErrNoRows {
		return nil // already enqueued: at most one row per key
	}
	if err != nil {
		return s.wrap(err, "notification")
	}
	n.ID, n.State = id, notify.StatePending
	return nil
}

const notificationColumns = `id, key, receiver, message, state, attempts, next_attempt_at, last_error, created_at, sent_at`

func scanNotification(row interface{ Scan(...any) error }) (*notify.Notification, error) {
	var n notify.Notification
	var msg, state string
	var next, created, sent sql.NullInt64
	if err := row.Scan(&n.ID, &n.Key, &n.Receiver, &msg, &state, &n.Attempts, &next, &n.LastError, &created, &sent); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(msg), &n.Message); err != nil {
		return nil, err
	}
	n.State = notify.State(state)
	n.NextAttemptAt, n.CreatedAt, n.SentAt = fromMicros(next), fromMicros(created), fromMicros(sent)
	return &n, nil
}

func (s *Store) ClaimNotifications(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]notify.Notification, error) {
	defer s.observe("notifications.claim")()
	rows, err := s.write.QueryContext(ctx, s.q(`UPDATE notifications SET lease_until = ?
		WHERE id IN (SELECT id FROM notifications
			WHERE state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
			ORDER BY next_attempt_at LIMIT ?`+s.d.SkipLocked+`)
		RETURNING `+notificationColumns),
		micros(now.Add(lease)), micros(now), micros(now), limit)
	if err != nil {
		return nil, s.wrap(err, "notifications")
	}
	defer rows.Close()
	var out []notify.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, s.wrap(err, "notifications")
		}
		out = append(out, *n)
	}
	return out, s.wrap(rows.Err(), "notifications")
}

func (s *Store) RecordAttempt(ctx context.Context, id int64, a notify.Attempt, o notify.Outcome) error {
	defer s.observe("notifications.attempt")()
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(err, "notification")
	}
	defer tx.Rollback()
	ok := 0
	if a.OK {
		ok = 1
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO notification_attempts (notification_id, at, duration_us, ok, error) VALUES (?, ?, ?, ?, ?)`),
		id, micros(a.At), a.Duration.Microseconds(), ok, a.Error); err != nil {
		return s.wrap(err, "notification attempt")
	}
	var sent any
	if o.State == notify.StateSent {
		sent = micros(a.At)
	}
	res, err := tx.ExecContext(ctx, s.q(`UPDATE notifications SET state = ?, attempts = attempts + 1, next_attempt_at = coalesce(?, next_attempt_at),
		last_error = ?, lease_until = NULL, sent_at = coalesce(?, sent_at) WHERE id = ?`),
		string(o.State), micros(o.NextAttemptAt), o.LastError, sent, id)
	if err != nil {
		return s.wrap(err, "notification")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return s.wrap(sql.ErrNoRows, "notification")
	}
	return s.wrap(tx.Commit(), "notification")
}

func (s *Store) ListNotifications(ctx context.Context, state notify.State, limit int) ([]notify.Notification, error) {
	defer s.observe("notifications.list")()
	query := `SELECT ` + notificationColumns + ` FROM notifications`
	args := []any{}
	if state != "" {
		query += ` WHERE state = ?`
		args = append(args, string(state))
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, s.wrap(err, "notifications")
	}
	defer rows.Close()
	var out []notify.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, s.wrap(err, "notifications")
		}
		out = append(out, *n)
	}
	return out, s.wrap(rows.Err(), "notifications")
}

func (s *Store) NotificationByID(ctx context.Context, id int64) (*notify.Notification, []notify.Attempt, error) {
	defer s.observe("notifications.get")()
	n, err := scanNotification(s.queryRow(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE id = ?`, id))
	if err != nil {
		return nil, nil, s.wrap(err, "notification")
	}
	rows, err := s.query(ctx, `SELECT at, duration_us, ok, error FROM notification_attempts WHERE notification_id = ? ORDER BY at, id`, id)
	if err != nil {
		return nil, nil, s.wrap(err, "notification attempts")
	}
	defer rows.Close()
	var out []notify.Attempt
	for rows.Next() {
		var a notify.Attempt
		var at sql.NullInt64
		var dur int64
		var ok int
		if err := rows.Scan(&at, &dur, &ok, &a.Error); err != nil {
			return nil, nil, s.wrap(err, "notification attempts")
		}
		a.At, a.Duration, a.OK = fromMicros(at), time.Duration(dur)*time.Microsecond, ok == 1
		out = append(out, a)
	}
	return n, out, s.wrap(rows.Err(), "notification attempts")
}

func (s *Store) ResendNotification(ctx context.Context, id int64, now time.Time) error {
	defer s.observe("notifications.resend")()
	return s.execOne(ctx, "notification", `UPDATE notifications SET state = 'pending', next_attempt_at = ?, lease_until = NULL WHERE id = ?`, micros(now), id)
}

func (s *Store) DeleteNotificationsBefore(ctx context.Context, t time.Time) (int64, error) {
	defer s.observe("notifications.prune")()
	return s.deleteBefore(ctx, `DELETE FROM notifications WHERE created_at < ? AND state <> 'pending'`, t)
}
