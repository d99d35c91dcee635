package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"vigie/internal/backup"
	"vigie/internal/backup/snapshot"
)

var _ backup.Store = (*Store)(nil)

func (s *Store) StartRun(ctx context.Context, r *backup.Run) error {
	defer s.observe("backup_runs.start")()
	id, err := s.insert(ctx, "backup run", `INSERT INTO backup_runs (job, instance, kind, snapshot, started_at, status) VALUES (?, ?, ?, ?, ?, ?)`,
		r.Job, r.Instance, r.Kind, r.Snapshot, micros(r.StartedAt), r.Status)
	if err != nil {
		return err
	}
	r.ID = id
	return nil
}

func (s *Store) FinishRun(ctx context.Context, r *backup.Run) error {
	defer s.observe("backup_runs.finish")()
	sources, err := json.Marshal(nonNil(r.Sources))
	if err != nil {
		return err
	}
	targets, err := json.Marshal(nonNil(r.Targets))
	if err != nil {
		return err
	}
	warnings, err := json.Marshal(nonNil(r.Warnings))
	if err != nil {
		return err
	}
	return s.execOne(ctx, "backup run", `UPDATE backup_runs SET snapshot = ?, finished_at = ?, status = ?, error = ?, bytes = ?, size = ?,
		entries = ?, sources = ?, targets = ?, warnings = ?, restore_us = ? WHERE id = ?`,
		r.Snapshot, micros(r.FinishedAt), r.Status, r.Error, r.Bytes, r.Size, r.Entries, string(sources), string(targets),
		string(warnings), r.Restore.Microseconds(), r.ID)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

const backupRunColumns = `id, job, instance, kind, snapshot, started_at, finished_at, status, error, bytes, size, entries,
	sources, targets, warnings, restore_us`

func scanBackupRun(row interface{ Scan(...any) error }) (backup.Run, error) {
	var r backup.Run
	var started, finished sql.NullInt64
	var sources, targets, warnings string
	var restore int64
	if err := row.Scan(&r.ID, &r.Job, &r.Instance, &r.Kind, &r.Snapshot, &started, &finished, &r.Status, &r.Error, &r.Bytes,
		&r.Size, &r.Entries, &sources, &targets, &warnings, &restore); err != nil {
		return r, err
	}
	r.StartedAt, r.FinishedAt, r.Restore = fromMicros(started), fromMicros(finished), time.Duration(restore)*time.Microsecond
	var srcs []snapshot.SourceInfo
	if err := json.Unmarshal([]byte(sources), &srcs); err != nil {
		return r, err
	}
	r.Sources = srcs
	if err := json.Unmarshal([]byte(targets), &r.Targets); err != nil {
		return r, err
	}
	return r, json.Unmarshal([]byte(warnings), &r.Warnings)
}

func (s *Store) BackupRuns(ctx context.Context, job, kind string, limit int) ([]backup.Run, error) {
	defer s.observe("backup_runs.list")()
	q := `SELECT ` + backupRunColumns + ` FROM backup_runs WHERE job = ?`
	args := []any{job}
	if kind != "" {
		q += ` AND kind = ?`
		args = append(args, kind)
	}
	q += ` ORDER BY started_at DESC, id DESC LIMIT ?`
	rows, err := s.query(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, s.wrap(err, "backup runs")
	}
	defer rows.Close()
	var out []backup.Run
	for rows.Next() {
		r, err := scanBackupRun(rows)
		if err != nil {
			return nil, s.wrap(err, "backup runs")
		}
		out = append(out, r)
	}
	return out, s.wrap(rows.Err(), "backup runs")
}

func (s *Store) InterruptRuns(ctx context.Context, at time.Time) (int, error) {
	defer s.observe("backup_runs.interrupt")()
	res, err := s.exec(ctx, `UPDATE backup_runs SET status = 'failed', finished_at = ?, error = 'interrupted: vigie stopped during the run'
		WHERE status = 'running'`, micros(at))
	if err != nil {
		return 0, s.wrap(err, "backup runs")
	}
	n, err := res.RowsAffected()
	return int(n), err
}
