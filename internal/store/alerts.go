package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"vigie/internal/alert"
	"vigie/internal/notify"
)

var _ alert.Store = (*Store)(nil)

const alertColumns = `id, monitor, kind, severity, reason, labels, started_at, resolved_at, acked_at, acked_by,
	notified_at, last_notified_at, resolved_notified, escalation_step`

func scanAlert(row interface{ Scan(...any) error }) (*alert.Alert, error) {
	var a alert.Alert
	var severity, labels string
	var started, resolved, acked, notified, last sql.NullInt64
	var resolvedNotified int
	if err := row.Scan(&a.ID, &a.Monitor, &a.Kind, &severity, &a.Reason, &labels, &started, &resolved, &acked, &a.AckedBy,
		&notified, &last, &resolvedNotified, &a.EscalationStep); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(labels), &a.Labels); err != nil {
		return nil, err
	}
	a.Severity, a.ResolvedNotified = notify.Severity(severity), resolvedNotified == 1
	a.StartedAt, a.ResolvedAt, a.AckedAt = fromMicros(started), fromMicros(resolved), fromMicros(acked)
	a.NotifiedAt, a.LastNotifiedAt = fromMicros(notified), fromMicros(last)
	return &a, nil
}

func (s *Store) OpenAlert(ctx context.Context, a *alert.Alert) error {
	defer s.observe("alerts.open")()
	labels, err := json.Marshal(a.Labels)
	if err != nil {
		return err
	}
	id, err := s.insert(ctx, "open alert for "+a.Monitor,
		`INSERT INTO alerts (monitor, kind, severity, reason, labels, started_at) VALUES (?, ?, ?, ?, ?, ?)`,
		a.Monitor, a.Kind, string(a.Severity), a.Reason, string(labels), micros(a.StartedAt))
	if err != nil {
		return err
	}
	a.ID = id
	return nil
}

func (s *Store) OpenAlertFor(ctx context.Context, monitor string, cert bool) (*alert.Alert, error) {
	defer s.observe("alerts.get")()
	kindTest := `kind <> ?`
	if cert {
		kindTest = `kind = ?`
	}
	a, err := scanAlert(s.queryRow(ctx, `SELECT `+alertColumns+` FROM alerts WHERE monitor = ? AND resolved_at IS NULL AND `+kindTest,
		monitor, alert.KindCert))
	return a, s.wrap(err, "open alert for "+monitor)
}

func (s *Store) AlertByID(ctx context.Context, id int64) (*alert.Alert, error) {
	defer s.observe("alerts.get")()
	a, err := scanAlert(s.queryRow(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = ?`, id))
	return a, s.wrap(err, "alert")
}

func (s *Store) UpdateAlert(ctx context.Context, a *alert.Alert) error {
	defer s.observe("alerts.update")()
	resolvedNotified := 0
	if a.ResolvedNotified {
		resolvedNotified = 1
	}
	// An acknowledgement is never taken back: a writer holding an older copy (the server's
	// round while `vigie alert ack` runs) must not erase one made meanwhile. Both CASE and
	// COALESCE read the row's old values.
	return s.execOne(ctx, "alert", `UPDATE alerts SET kind = ?, severity = ?, reason = ?, resolved_at = ?,
		acked_by = CASE WHEN acked_at IS NULL THEN ? ELSE acked_by END, acked_at = COALESCE(acked_at, ?),
		notified_at = ?, last_notified_at = ?, resolved_notified = ?, escalation_step = ? WHERE id = ?`,
		a.Kind, string(a.Severity), a.Reason, micros(a.ResolvedAt), a.AckedBy, micros(a.AckedAt),
		micros(a.NotifiedAt), micros(a.LastNotifiedAt), resolvedNotified, a.EscalationStep, a.ID)
}

func (s *Store) listAlerts(ctx context.Context, query string, args ...any) ([]alert.Alert, error) {
	rows, err := s.query(ctx, `SELECT `+alertColumns+` FROM alerts `+query, args...)
	if err != nil {
		return nil, s.wrap(err, "alerts")
	}
	defer rows.Close()
	var out []alert.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, s.wrap(err, "alerts")
		}
		out = append(out, *a)
	}
	return out, s.wrap(rows.Err(), "alerts")
}

func (s *Store) PendingAlerts(ctx context.Context) ([]alert.Alert, error) {
	defer s.observe("alerts.pending")()
	return s.listAlerts(ctx, `WHERE resolved_at IS NULL OR resolved_notified = 0 ORDER BY started_at, id`)
}

func (s *Store) RecentAlerts(ctx context.Context, since time.Time, limit int) ([]alert.Alert, error) {
	defer s.observe("alerts.recent")()
	return s.listAlerts(ctx, `WHERE started_at >= ? OR resolved_at IS NULL ORDER BY started_at DESC, id DESC LIMIT ?`, micros(since), limit)
}

func (s *Store) CreateSilence(ctx context.Context, sl *alert.Silence) error {
	defer s.observe("silences.create")()
	m, err := json.Marshal(sl.Matchers)
	if err != nil {
		return err
	}
	id, err := s.insert(ctx, "silence", `INSERT INTO silences (matchers, starts_at, ends_at, author, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		string(m), micros(sl.StartsAt), micros(sl.EndsAt), sl.Author, sl.Reason, micros(sl.CreatedAt))
	if err != nil {
		return err
	}
	sl.ID = id
	return nil
}

func (s *Store) Silences(ctx context.Context, t time.Time) ([]alert.Silence, error) {
	defer s.observe("silences.list")()
	rows, err := s.query(ctx, `SELECT id, matchers, starts_at, ends_at, author, reason, created_at FROM silences WHERE ends_at > ? ORDER BY starts_at, id`, micros(t))
	if err != nil {
		return nil, s.wrap(err, "silences")
	}
	defer rows.Close()
	var out []alert.Silence
	for rows.Next() {
		var sl alert.Silence
		var m string
		var starts, ends, created sql.NullInt64
		if err := rows.Scan(&sl.ID, &m, &starts, &ends, &sl.Author, &sl.Reason, &created); err != nil {
			return nil, s.wrap(err, "silences")
		}
		if err := json.Unmarshal([]byte(m), &sl.Matchers); err != nil {
			return nil, s.wrap(err, "silences")
		}
		sl.StartsAt, sl.EndsAt, sl.CreatedAt = fromMicros(starts), fromMicros(ends), fromMicros(created)
		out = append(out, sl)
	}
	return out, s.wrap(rows.Err(), "silences")
}

func (s *Store) EndSilence(ctx context.Context, id int64, at time.Time) error {
	defer s.observe("silences.end")()
	return s.execOne(ctx, "active silence", `UPDATE silences SET ends_at = ? WHERE id = ? AND ends_at > ?`, micros(at), id, micros(at))
}

func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	defer s.observe("settings.get")()
	var v string
	err := s.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	return v, s.wrap(err, "setting "+key)
}

func (s *Store) SetSettingOnce(ctx context.Context, key, value string) (string, error) {
	defer s.observe("settings.set")()
	if _, err := s.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
		return "", s.wrap(err, "setting "+key)
	}
	return s.Setting(ctx, key)
}
