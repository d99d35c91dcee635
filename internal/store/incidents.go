package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"vigie/internal/errs"
	"vigie/internal/incident"
	"vigie/internal/status/sla"
)

var _ incident.Store = (*Store)(nil)

// inTx runs fn in a write transaction, committed when fn returns nil.
func (s *Store) inTx(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(err, what)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return s.wrap(tx.Commit(), what)
}

type affectedJSON struct {
	Component string    `json:"component"`
	Level     sla.Level `json:"level"`
}

func encodeAffected(as []incident.Affected) (string, error) {
	out := make([]affectedJSON, len(as))
	for i, a := range as {
		out[i] = affectedJSON(a)
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func encodeList(l []string) (string, error) {
	if l == nil {
		l = []string{}
	}
	b, err := json.Marshal(l)
	return string(b), err
}

const incidentColumns = `id, title, severity, status, page, components, lead, comms, eta, next_update_at, remind, reminded_for,
	what_is_going_on, how_understood, what_was_done, impacts, how_to_avoid,
	started_at, detected_at, acknowledged_at, mitigated_at, resolved_at, created_by, created_at, updated_at, version`

// incidentArgs are the values of incidentColumns after id, in order.
func incidentArgs(inc *incident.Incident) ([]any, error) {
	comps, err := encodeAffected(inc.Components)
	if err != nil {
		return nil, err
	}
	remind, err := encodeList(inc.Remind)
	if err != nil {
		return nil, err
	}
	l := inc.Logbook
	return []any{inc.Title, string(inc.Severity), string(inc.Status), inc.Page, comps, inc.Lead, inc.Comms,
		micros(inc.ETA), micros(inc.NextUpdateAt), remind, micros(inc.RemindedFor),
		l.WhatIsGoingOn, l.HowUnderstood, l.WhatWasDone, l.Impacts, l.HowToAvoid,
		micros(inc.StartedAt), micros(inc.DetectedAt), micros(inc.AcknowledgedAt), micros(inc.MitigatedAt), micros(inc.ResolvedAt),
		inc.CreatedBy, micros(inc.CreatedAt), micros(inc.UpdatedAt)}, nil
}

func scanIncident(row interface{ Scan(...any) error }) (*incident.Incident, error) {
	var inc incident.Incident
	var sev, st, comps, remind string
	var eta, next, reminded, started, detected, acked, mitigated, resolved, created, updated sql.NullInt64
	l := &inc.Logbook
	if err := row.Scan(&inc.ID, &inc.Title, &sev, &st, &inc.Page, &comps, &inc.Lead, &inc.Comms, &eta, &next, &remind, &reminded,
		&l.WhatIsGoingOn, &l.HowUnderstood, &l.WhatWasDone, &l.Impacts, &l.HowToAvoid,
		&started, &detected, &acked, &mitigated, &resolved, &inc.CreatedBy, &created, &updated, &inc.Version); err != nil {
		return nil, err
	}
	inc.Severity, inc.Status = incident.Severity(sev), incident.Status(st)
	var affected []affectedJSON
	if err := json.Unmarshal([]byte(comps), &affected); err != nil {
		return nil, err
	}
	for _, a := range affected {
		inc.Components = append(inc.Components, incident.Affected(a))
	}
	if err := json.Unmarshal([]byte(remind), &inc.Remind); err != nil {
		return nil, err
	}
	if len(inc.Remind) == 0 {
		inc.Remind = nil
	}
	inc.ETA, inc.NextUpdateAt, inc.RemindedFor = fromMicros(eta), fromMicros(next), fromMicros(reminded)
	inc.StartedAt, inc.DetectedAt, inc.AcknowledgedAt = fromMicros(started), fromMicros(detected), fromMicros(acked)
	inc.MitigatedAt, inc.ResolvedAt = fromMicros(mitigated), fromMicros(resolved)
	inc.CreatedAt, inc.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &inc, nil
}

func (s *Store) CreateIncident(ctx context.Context, inc *incident.Incident) error {
	defer s.observe("incidents.create")()
	args, err := incidentArgs(inc)
	if err != nil {
		return err
	}
	return s.inTx(ctx, "incident", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO incidents (`+strings.TrimPrefix(incidentColumns, "id, ")+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`), args...).Scan(&inc.ID)
		if err != nil {
			return s.wrap(err, "incident")
		}
		inc.Version = 1
		return s.writeChildren(ctx, tx, inc)
	})
}

func (s *Store) SaveIncident(ctx context.Context, inc *incident.Incident) error {
	defer s.observe("incidents.save")()
	args, err := incidentArgs(inc)
	if err != nil {
		return err
	}
	return s.inTx(ctx, "incident", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE incidents SET title = ?, severity = ?, status = ?, page = ?, components = ?, lead = ?, comms = ?,
			eta = ?, next_update_at = ?, remind = ?, reminded_for = ?,
			what_is_going_on = ?, how_understood = ?, what_was_done = ?, impacts = ?, how_to_avoid = ?,
			started_at = ?, detected_at = ?, acknowledged_at = ?, mitigated_at = ?, resolved_at = ?, created_by = ?, created_at = ?, updated_at = ?,
			version = version + 1
			WHERE id = ? AND version = ?`), append(args, inc.ID, inc.Version)...)
		if err != nil {
			return s.wrap(err, "incident")
		}
		if n, err := res.RowsAffected(); err != nil {
			return s.wrap(err, "incident")
		} else if n == 0 {
			var exists int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM incidents WHERE id = ?`), inc.ID).Scan(&exists); err != nil {
				return s.wrap(err, "incident")
			}
			if exists == 0 {
				return errs.E(errs.NotFound, "incident %d not found", inc.ID)
			}
			return incident.ErrChanged
		}
		if err := s.writeChildren(ctx, tx, inc); err != nil {
			return err
		}
		inc.Version++
		return nil
	})
}

// writeChildren inserts what has no ID yet and writes the rest of what an incident holds.
func (s *Store) writeChildren(ctx context.Context, tx *sql.Tx, inc *incident.Incident) error {
	insert := func(what, query string, args ...any) (int64, error) {
		var id int64
		if err := tx.QueryRowContext(ctx, s.q(query+" RETURNING id"), args...).Scan(&id); err != nil {
			return 0, s.wrap(err, what)
		}
		return id, nil
	}
	for i := range inc.Entries {
		e := &inc.Entries[i]
		if e.ID != 0 {
			continue
		}
		var alertID any
		if e.AlertID != 0 {
			alertID = e.AlertID
		}
		id, err := insert("incident entry", `INSERT INTO incident_entries (incident_id, at, kind, status, body, author, alert_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			inc.ID, micros(e.At), string(e.Kind), string(e.Status), e.Body, e.Author, alertID)
		if err != nil {
			return err
		}
		e.ID = id
	}
	for i := range inc.Actions {
		a := &inc.Actions[i]
		if a.ID == 0 {
			id, err := insert("action item", `INSERT INTO incident_actions (incident_id, title, owner, due, done_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
				inc.ID, a.Title, a.Owner, micros(a.Due), micros(a.DoneAt), micros(a.CreatedAt))
			if err != nil {
				return err
			}
			a.ID = id
			continue
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE incident_actions SET title = ?, owner = ?, due = ?, done_at = ? WHERE id = ? AND incident_id = ?`),
			a.Title, a.Owner, micros(a.Due), micros(a.DoneAt), a.ID, inc.ID); err != nil {
			return s.wrap(err, "action item")
		}
	}
	for _, l := range inc.Alerts {
		// An alert already linked to another incident is a conflict; to this one, nothing.
		var owner int64
		err := tx.QueryRowContext(ctx, s.q(`SELECT incident_id FROM incident_alerts WHERE alert_id = ?`), l.AlertID).Scan(&owner)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO incident_alerts (alert_id, incident_id, monitor) VALUES (?, ?, ?)`),
				l.AlertID, inc.ID, l.Monitor); err != nil {
				return s.wrap(err, "incident alert")
			}
		case err != nil:
			return s.wrap(err, "incident alert")
		case owner != inc.ID:
			return errs.E(errs.Conflict, "alert %d belongs to incident %d", l.AlertID, owner)
		}
	}
	if pm := inc.Postmortem; pm != nil {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO incident_postmortems (incident_id, markdown, published_markdown, updated_by, created_at, updated_at, published_by, published_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (incident_id) DO UPDATE SET markdown = excluded.markdown, published_markdown = excluded.published_markdown,
				updated_by = excluded.updated_by, updated_at = excluded.updated_at, published_by = excluded.published_by, published_at = excluded.published_at`),
			inc.ID, pm.Markdown, pm.PublishedMarkdown, pm.UpdatedBy, micros(pm.CreatedAt), micros(pm.UpdatedAt), pm.PublishedBy, micros(pm.PublishedAt)); err != nil {
			return s.wrap(err, "post-mortem")
		}
	}
	return nil
}

func (s *Store) IncidentByID(ctx context.Context, id int64) (*incident.Incident, error) {
	defer s.observe("incidents.get")()
	inc, err := scanIncident(s.queryRow(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = ?`, id))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errs.E(errs.NotFound, "incident %d not found", id)
		}
		return nil, s.wrap(err, "incident")
	}
	list := []incident.Incident{*inc}
	if err := s.fillIncidents(ctx, list); err != nil {
		return nil, err
	}
	return &list[0], nil
}

func (s *Store) IncidentForAlert(ctx context.Context, alertID int64) (*incident.Incident, error) {
	defer s.observe("incidents.for_alert")()
	var id int64
	if err := s.queryRow(ctx, `SELECT incident_id FROM incident_alerts WHERE alert_id = ?`, alertID).Scan(&id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errs.E(errs.NotFound, "alert %d belongs to no incident", alertID)
		}
		return nil, s.wrap(err, "incident alert")
	}
	return s.IncidentByID(ctx, id)
}

func (s *Store) Incidents(ctx context.Context, f incident.Filter) ([]incident.Incident, error) {
	defer s.observe("incidents.list")()
	var where []string
	var args []any
	if f.Page != "" {
		where, args = append(where, "page = ?"), append(args, f.Page)
	}
	switch f.State {
	case "open":
		where = append(where, "resolved_at IS NULL")
	case "resolved":
		where = append(where, "resolved_at IS NOT NULL")
	}
	if f.Severity != "" {
		where, args = append(where, "severity = ?"), append(args, string(f.Severity))
	}
	if !f.Since.IsZero() {
		where, args = append(where, "(created_at >= ? OR resolved_at IS NULL OR resolved_at >= ?)"), append(args, micros(f.Since), micros(f.Since))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	query := `SELECT ` + incidentColumns + ` FROM incidents`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.query(ctx, query+` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, s.wrap(err, "incidents")
	}
	var out []incident.Incident
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			rows.Close()
			return nil, s.wrap(err, "incidents")
		}
		out = append(out, *inc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "incidents")
	}
	return out, s.fillIncidents(ctx, out)
}

// fillIncidents reads the entries, action items, alerts and post-mortems of incs, one
// query each for all of them.
func (s *Store) fillIncidents(ctx context.Context, incs []incident.Incident) error {
	if len(incs) == 0 {
		return nil
	}
	index := make(map[int64]*incident.Incident, len(incs))
	ids := make([]any, len(incs))
	for i := range incs {
		index[incs[i].ID] = &incs[i]
		ids[i] = incs[i].ID
	}
	in := "(?" + strings.Repeat(", ?", len(ids)-1) + ")"
	each := func(what, query string, scan func(rows *sql.Rows) error) error {
		rows, err := s.query(ctx, query, ids...)
		if err != nil {
			return s.wrap(err, what)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return s.wrap(err, what)
			}
		}
		return s.wrap(rows.Err(), what)
	}
	err := each("incident entries", `SELECT incident_id, id, at, kind, status, body, author, alert_id FROM incident_entries
		WHERE incident_id IN `+in+` ORDER BY at, id`, func(rows *sql.Rows) error {
		var incID int64
		var e incident.Entry
		var at, alertID sql.NullInt64
		var kind, st string
		if err := rows.Scan(&incID, &e.ID, &at, &kind, &st, &e.Body, &e.Author, &alertID); err != nil {
			return err
		}
		e.At, e.Kind, e.Status, e.AlertID = fromMicros(at), incident.EntryKind(kind), incident.Status(st), alertID.Int64
		index[incID].Entries = append(index[incID].Entries, e)
		return nil
	})
	if err != nil {
		return err
	}
	err = each("action items", `SELECT incident_id, id, title, owner, due, done_at, created_at FROM incident_actions
		WHERE incident_id IN `+in+` ORDER BY id`, func(rows *sql.Rows) error {
		var incID int64
		var a incident.ActionItem
		var due, done, created sql.NullInt64
		if err := rows.Scan(&incID, &a.ID, &a.Title, &a.Owner, &due, &done, &created); err != nil {
			return err
		}
		a.Due, a.DoneAt, a.CreatedAt = fromMicros(due), fromMicros(done), fromMicros(created)
		index[incID].Actions = append(index[incID].Actions, a)
		return nil
	})
	if err != nil {
		return err
	}
	err = each("incident alerts", `SELECT incident_id, alert_id, monitor FROM incident_alerts WHERE incident_id IN `+in+` ORDER BY alert_id`,
		func(rows *sql.Rows) error {
			var incID int64
			var l incident.AlertLink
			if err := rows.Scan(&incID, &l.AlertID, &l.Monitor); err != nil {
				return err
			}
			index[incID].Alerts = append(index[incID].Alerts, l)
			return nil
		})
	if err != nil {
		return err
	}
	return each("post-mortems", `SELECT incident_id, markdown, published_markdown, updated_by, created_at, updated_at, published_by, published_at
		FROM incident_postmortems WHERE incident_id IN `+in, func(rows *sql.Rows) error {
		var incID int64
		var pm incident.Postmortem
		var created, updated, published sql.NullInt64
		if err := rows.Scan(&incID, &pm.Markdown, &pm.PublishedMarkdown, &pm.UpdatedBy, &created, &updated, &pm.PublishedBy, &published); err != nil {
			return err
		}
		pm.CreatedAt, pm.UpdatedAt, pm.PublishedAt = fromMicros(created), fromMicros(updated), fromMicros(published)
		index[incID].Postmortem = &pm
		return nil
	})
}
