package store

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"vigie/internal/clock"
	"vigie/internal/monitor"
)

var _ monitor.Store = (*Store)(nil)

// InsertResults writes a batch in one transaction: one commit (one fsync on SQLite) for many
// results is what lets thousands of monitors share one writer.
func (s *Store) InsertResults(ctx context.Context, rs []monitor.Result) error {
	defer s.observe("results.insert")()
	if len(rs) == 0 {
		return nil
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(err, "results")
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, s.q(`INSERT INTO check_results (monitor, at, duration_us, status, message) VALUES (?, ?, ?, ?, ?)`))
	if err != nil {
		return s.wrap(err, "results")
	}
	defer stmt.Close()
	for _, r := range rs {
		if _, err := stmt.ExecContext(ctx, r.Monitor, r.At.UnixMicro(), r.Duration.Microseconds(), int(r.Status), r.Message); err != nil {
			return s.wrap(err, "result")
		}
	}
	return s.wrap(tx.Commit(), "results")
}

// Results lists a monitor's results with from <= at < to, oldest first.
func (s *Store) Results(ctx context.Context, mon string, from, to time.Time) ([]monitor.Result, error) {
	defer s.observe("results.list")()
	rows, err := s.query(ctx, `SELECT at, duration_us, status, message FROM check_results
		WHERE monitor = ? AND at >= ? AND at < ? ORDER BY at`, mon, from.UnixMicro(), to.UnixMicro())
	if err != nil {
		return nil, s.wrap(err, "results")
	}
	defer rows.Close()
	var out []monitor.Result
	for rows.Next() {
		r := monitor.Result{Monitor: mon}
		var at, dur int64
		var status int
		if err := rows.Scan(&at, &dur, &status, &r.Message); err != nil {
			return nil, s.wrap(err, "results")
		}
		r.At, r.Duration, r.Status = time.UnixMicro(at).UTC(), time.Duration(dur)*time.Microsecond, monitor.Status(status)
		out = append(out, r)
	}
	return out, s.wrap(rows.Err(), "results")
}

func (s *Store) InsertEvent(ctx context.Context, e monitor.Event) error {
	defer s.observe("events.insert")()
	_, err := s.exec(ctx, `INSERT INTO monitor_events (monitor, at, state, previous, reason) VALUES (?, ?, ?, ?, ?)`,
		e.Monitor, e.At.UnixMicro(), string(e.State), string(e.Previous), e.Reason)
	return s.wrap(err, "event")
}

func scanEvents(rows *sql.Rows) ([]monitor.Event, error) {
	defer rows.Close()
	var out []monitor.Event
	for rows.Next() {
		var e monitor.Event
		var at int64
		var state, prev string
		if err := rows.Scan(&e.Monitor, &at, &state, &prev, &e.Reason); err != nil {
			return nil, err
		}
		e.At, e.State, e.Previous = time.UnixMicro(at).UTC(), monitor.State(state), monitor.State(prev)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Events lists a monitor's state changes with from <= at < to, oldest first.
func (s *Store) Events(ctx context.Context, mon string, from, to time.Time) ([]monitor.Event, error) {
	defer s.observe("events.list")()
	rows, err := s.query(ctx, `SELECT monitor, at, state, previous, reason FROM monitor_events
		WHERE monitor = ? AND at >= ? AND at < ? ORDER BY at, id`, mon, from.UnixMicro(), to.UnixMicro())
	if err != nil {
		return nil, s.wrap(err, "events")
	}
	out, err := scanEvents(rows)
	return out, s.wrap(err, "events")
}

func (s *Store) LatestEvents(ctx context.Context) ([]monitor.Event, error) {
	defer s.observe("events.latest")()
	rows, err := s.query(ctx, `SELECT e.monitor, e.at, e.state, e.previous, e.reason FROM monitor_events e
		WHERE e.id = (SELECT max(id) FROM monitor_events l WHERE l.monitor = e.monitor) ORDER BY e.monitor`)
	if err != nil {
		return nil, s.wrap(err, "events")
	}
	out, err := scanEvents(rows)
	return out, s.wrap(err, "events")
}

// AllEvents lists every monitor's state changes with from <= at < to, oldest first.
func (s *Store) AllEvents(ctx context.Context, from, to time.Time) ([]monitor.Event, error) {
	defer s.observe("events.all")()
	rows, err := s.query(ctx, `SELECT monitor, at, state, previous, reason FROM monitor_events
		WHERE at >= ? AND at < ? ORDER BY at, id`, from.UnixMicro(), to.UnixMicro())
	if err != nil {
		return nil, s.wrap(err, "events")
	}
	out, err := scanEvents(rows)
	return out, s.wrap(err, "events")
}

// EventsBefore gives each monitor's last state change before t: its state at t.
func (s *Store) EventsBefore(ctx context.Context, t time.Time) ([]monitor.Event, error) {
	defer s.observe("events.before")()
	rows, err := s.query(ctx, `SELECT monitor, at, state, previous, reason FROM monitor_events
		WHERE id IN (SELECT max(id) FROM monitor_events WHERE at < ? GROUP BY monitor) ORDER BY monitor`, t.UnixMicro())
	if err != nil {
		return nil, s.wrap(err, "events")
	}
	out, err := scanEvents(rows)
	return out, s.wrap(err, "events")
}

// RollupHours recomputes, for every monitor, the rollup of each hour in [from, to) that has
// results. Percentiles are computed here rather than in SQL, which the two dialects spell
// differently.
func (s *Store) RollupHours(ctx context.Context, from, to time.Time) (int, error) {
	defer s.observe("rollups.compute")()
	from, to = from.Truncate(time.Hour), to.Truncate(time.Hour)
	rows, err := s.query(ctx, `SELECT monitor, at, duration_us, status FROM check_results
		WHERE at >= ? AND at < ? ORDER BY monitor, at`, from.UnixMicro(), to.UnixMicro())
	if err != nil {
		return 0, s.wrap(err, "rollups")
	}
	type key struct {
		monitor string
		hour    int64
	}
	samples := map[key][]int64{}
	counts := map[key]*monitor.Rollup{}
	var order []key
	for rows.Next() {
		var mon string
		var at, dur int64
		var status int
		if err := rows.Scan(&mon, &at, &dur, &status); err != nil {
			rows.Close()
			return 0, s.wrap(err, "rollups")
		}
		k := key{mon, time.UnixMicro(at).UTC().Truncate(time.Hour).UnixMicro()}
		r := counts[k]
		if r == nil {
			r = &monitor.Rollup{Monitor: mon}
			counts[k] = r
			order = append(order, k)
		}
		r.Count++
		switch monitor.Status(status) {
		case monitor.StatusUp:
			r.Up++
		case monitor.StatusDegraded:
			r.Degraded++
		default:
			r.Down++
		}
		samples[k] = append(samples[k], dur)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, s.wrap(err, "rollups")
	}
	if len(order) == 0 {
		return 0, nil
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.wrap(err, "rollups")
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, s.q(`INSERT INTO check_rollups (monitor, hour, count, up, degraded, down, min_us, avg_us, p50_us, p95_us, max_us)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (monitor, hour) DO UPDATE SET count = excluded.count, up = excluded.up, degraded = excluded.degraded,
		down = excluded.down, min_us = excluded.min_us, avg_us = excluded.avg_us, p50_us = excluded.p50_us, p95_us = excluded.p95_us, max_us = excluded.max_us`))
	if err != nil {
		return 0, s.wrap(err, "rollups")
	}
	defer stmt.Close()
	for _, k := range order {
		r, d := counts[k], samples[k]
		slices.Sort(d)
		var sum int64
		for _, v := range d {
			sum += v
		}
		rank := func(p int) int64 { return d[(len(d)*p+99)/100-1] } // nearest-rank percentile
		if _, err := stmt.ExecContext(ctx, k.monitor, k.hour, r.Count, r.Up, r.Degraded, r.Down,
			d[0], sum/int64(len(d)), rank(50), rank(95), d[len(d)-1]); err != nil {
			return 0, s.wrap(err, "rollup")
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, s.wrap(err, "rollups")
	}
	return len(order), nil
}

// Rollups lists a monitor's hourly rollups with from <= hour < to, oldest first.
func (s *Store) Rollups(ctx context.Context, mon string, from, to time.Time) ([]monitor.Rollup, error) {
	defer s.observe("rollups.list")()
	rows, err := s.query(ctx, `SELECT hour, count, up, degraded, down, min_us, avg_us, p50_us, p95_us, max_us FROM check_rollups
		WHERE monitor = ? AND hour >= ? AND hour < ? ORDER BY hour`, mon, from.UnixMicro(), to.UnixMicro())
	if err != nil {
		return nil, s.wrap(err, "rollups")
	}
	defer rows.Close()
	var out []monitor.Rollup
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	for rows.Next() {
		r := monitor.Rollup{Monitor: mon}
		var hour, mn, avg, p50, p95, mx int64
		if err := rows.Scan(&hour, &r.Count, &r.Up, &r.Degraded, &r.Down, &mn, &avg, &p50, &p95, &mx); err != nil {
			return nil, s.wrap(err, "rollups")
		}
		r.Hour, r.Min, r.Avg, r.P50, r.P95, r.Max = time.UnixMicro(hour).UTC(), us(mn), us(avg), us(p50), us(p95), us(mx)
		out = append(out, r)
	}
	return out, s.wrap(rows.Err(), "rollups")
}

func (s *Store) RunCounts(ctx context.Context, from, split, to time.Time) (map[string]monitor.RunCount, error) {
	defer s.observe("runs.count")()
	out := map[string]monitor.RunCount{}
	add := func(query string, args ...any) error {
		rows, err := s.query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var mon string
			var total, good int
			if err := rows.Scan(&mon, &total, &good); err != nil {
				return err
			}
			c := out[mon]
			c.Total, c.Good = c.Total+total, c.Good+good
			out[mon] = c
		}
		return rows.Err()
	}
	if from.Before(split) {
		if err := add(`SELECT monitor, SUM(count), SUM(up + degraded) FROM check_rollups WHERE hour >= ? AND hour < ? GROUP BY monitor`,
			from.Truncate(time.Hour).UnixMicro(), split.UnixMicro()); err != nil {
			return nil, s.wrap(err, "run counts")
		}
	}
	if err := add(`SELECT monitor, COUNT(*), SUM(CASE WHEN status <> 3 THEN 1 ELSE 0 END) FROM check_results WHERE at >= ? AND at < ? GROUP BY monitor`,
		clock.Later(from, split).UnixMicro(), to.UnixMicro()); err != nil {
		return nil, s.wrap(err, "run counts")
	}
	return out, nil
}

func (s *Store) DeleteResultsBefore(ctx context.Context, t time.Time) (int64, error) {
	defer s.observe("results.prune")()
	return s.deleteBefore(ctx, `DELETE FROM check_results WHERE at < ?`, t)
}

func (s *Store) DeleteRollupsBefore(ctx context.Context, t time.Time) (int64, error) {
	defer s.observe("rollups.prune")()
	return s.deleteBefore(ctx, `DELETE FROM check_rollups WHERE hour < ?`, t)
}

func (s *Store) deleteBefore(ctx context.Context, query string, t time.Time) (int64, error) {
	res, err := s.exec(ctx, query, t.UnixMicro())
	if err != nil {
		return 0, s.wrap(err, "prune")
	}
	n, err := res.RowsAffected()
	return n, s.wrap(err, "prune")
}
