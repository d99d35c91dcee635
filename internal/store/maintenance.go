package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"vigie/internal/status"
)

var _ status.MaintenanceStore = (*Store)(nil)

func (s *Store) CreateMaintenance(ctx context.Context, m *status.Maintenance) error {
	defer s.observe("maintenances.create")()
	comps, err := json.Marshal(m.Components)
	if err != nil {
		return err
	}
	id, err := s.insert(ctx, "maintenance", `INSERT INTO maintenances (page, components, title, body, starts_at, ends_at, recurrence, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.Page, string(comps), m.Title, m.Body, micros(m.StartsAt), micros(m.EndsAt),
		m.Recurrence, m.CreatedBy, micros(m.CreatedAt))
	if err != nil {
		return err
	}
	m.ID = id
	return nil
}

const maintenanceColumns = `id, page, components, title, body, starts_at, ends_at, recurrence, cancelled_at, created_by, created_at`

func scanMaintenance(row interface{ Scan(...any) error }) (*status.Maintenance, error) {
	var m status.Maintenance
	var comps string
	var starts, ends, cancelled, created sql.NullInt64
	if err := row.Scan(&m.ID, &m.Page, &comps, &m.Title, &m.Body, &starts, &ends, &m.Recurrence, &cancelled, &m.CreatedBy, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(comps), &m.Components); err != nil {
		return nil, err
	}
	m.StartsAt, m.EndsAt, m.CancelledAt, m.CreatedAt = fromMicros(starts), fromMicros(ends), fromMicros(cancelled), fromMicros(created)
	return &m, nil
}

func (s *Store) Maintenances(ctx context.Context) ([]status.Maintenance, error) {
	defer s.observe("maintenances.list")()
	rows, err := s.query(ctx, `SELECT `+maintenanceColumns+` FROM maintenances ORDER BY starts_at, id`)
	if err != nil {
		return nil, s.wrap(err, "maintenances")
	}
	var out []status.Maintenance
	index := map[int64]int{}
	for rows.Next() {
		m, err := scanMaintenance(rows)
		if err != nil {
			rows.Close()
			return nil, s.wrap(err, "maintenances")
		}
		index[m.ID] = len(out)
		out = append(out, *m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "maintenances")
	}
	ups, err := s.query(ctx, `SELECT maintenance_id, at, body, author FROM maintenance_updates ORDER BY at, id`)
	if err != nil {
		return nil, s.wrap(err, "maintenance updates")
	}
	defer ups.Close()
	for ups.Next() {
		var id int64
		var at sql.NullInt64
		var u status.MaintenanceUpdate
		if err := ups.Scan(&id, &at, &u.Body, &u.Author); err != nil {
			return nil, s.wrap(err, "maintenance updates")
		}
		u.At = fromMicros(at)
		if i, ok := index[id]; ok {
			out[i].Updates = append(out[i].Updates, u)
		}
	}
	return out, s.wrap(ups.Err(), "maintenance updates")
}

func (s *Store) MaintenanceByID(ctx context.Context, id int64) (*status.Maintenance, error) {
	defer s.observe("maintenances.get")()
	m, err := scanMaintenance(s.queryRow(ctx, `SELECT `+maintenanceColumns+` FROM maintenances WHERE id = ?`, id))
	if err != nil {
		return nil, s.wrap(err, "maintenance")
	}
	rows, err := s.query(ctx, `SELECT at, body, author FROM maintenance_updates WHERE maintenance_id = ? ORDER BY at, id`, id)
	if err != nil {
		return nil, s.wrap(err, "maintenance updates")
	}
	defer rows.Close()
	for rows.Next() {
		var at sql.NullInt64
		var u status.MaintenanceUpdate
		if err := rows.Scan(&at, &u.Body, &u.Author); err != nil {
			return nil, s.wrap(err, "maintenance updates")
		}
		u.At = fromMicros(at)
		m.Updates = append(m.Updates, u)
	}
	return m, s.wrap(rows.Err(), "maintenance updates")
}

func (s *Store) CancelMaintenance(ctx context.Context, id int64, at time.Time) error {
	defer s.observe("maintenances.cancel")()
	return s.execOne(ctx, "maintenance not yet cancelled", `UPDATE maintenances SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL`, micros(at), id)
}

func (s *Store) AddMaintenanceUpdate(ctx context.Context, id int64, u status.MaintenanceUpdate) error {
	defer s.observe("maintenances.update")()
	_, err := s.insert(ctx, "maintenance update", `INSERT INTO maintenance_updates (maintenance_id, at, body, author) VALUES (?, ?, ?, ?)`,
		id, micros(u.At), u.Body, u.Author)
	return err
}
