package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"vigie/internal/subscriber"
)

var _ subscriber.Store = (*Store)(nil)

func (s *Store) CreateSubscriber(ctx context.Context, sub *subscriber.Subscriber) error {
	defer s.observe("subscribers.create")()
	comps, err := json.Marshal(sub.Components)
	if err != nil {
		return err
	}
	if sub.Components == nil {
		comps = []byte("[]")
	}
	id, err := s.insert(ctx, "subscriber", `INSERT INTO subscribers (page, kind, address, secret, components, nonce, created_by, created_at, confirmed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, sub.Page, string(sub.Kind), sub.Address, sub.Secret, string(comps), sub.Nonce, sub.CreatedBy,
		micros(sub.CreatedAt), micros(sub.ConfirmedAt))
	if err != nil {
		return err
	}
	sub.ID = id
	return nil
}

const subscriberColumns = `id, page, kind, address, secret, components, nonce, created_by, created_at, confirmed_at`

func scanSubscriber(row interface{ Scan(...any) error }) (*subscriber.Subscriber, error) {
	var sub subscriber.Subscriber
	var kind, comps string
	var created, confirmed sql.NullInt64
	if err := row.Scan(&sub.ID, &sub.Page, &kind, &sub.Address, &sub.Secret, &comps, &sub.Nonce, &sub.CreatedBy, &created, &confirmed); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(comps), &sub.Components); err != nil {
		return nil, err
	}
	if len(sub.Components) == 0 {
		sub.Components = nil
	}
	sub.Kind, sub.CreatedAt, sub.ConfirmedAt = subscriber.Kind(kind), fromMicros(created), fromMicros(confirmed)
	return &sub, nil
}

func (s *Store) SubscriberByID(ctx context.Context, id int64) (*subscriber.Subscriber, error) {
	defer s.observe("subscribers.get")()
	sub, err := scanSubscriber(s.queryRow(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE id = ?`, id))
	return sub, s.wrap(err, "subscriber")
}

func (s *Store) SubscriberByAddress(ctx context.Context, page string, kind subscriber.Kind, address string) (*subscriber.Subscriber, error) {
	defer s.observe("subscribers.get")()
	sub, err := scanSubscriber(s.queryRow(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE page = ? AND kind = ? AND address = ?`,
		page, string(kind), address))
	return sub, s.wrap(err, "subscriber")
}

// likeEscaper makes a search term match itself only: % and _ are ordinary characters in it.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func (s *Store) Subscribers(ctx context.Context, q subscriber.Query) ([]subscriber.Subscriber, error) {
	defer s.observe("subscribers.list")()
	query := `SELECT ` + subscriberColumns + ` FROM subscribers WHERE 1 = 1`
	var args []any
	if q.Page != "" {
		query += ` AND page = ?`
		args = append(args, q.Page)
	}
	if q.Search != "" {
		query += ` AND lower(address) LIKE ? ESCAPE '\'`
		args = append(args, "%"+likeEscaper.Replace(strings.ToLower(q.Search))+"%")
	}
	if q.ConfirmedOnly {
		query += ` AND confirmed_at IS NOT NULL`
	}
	query += ` ORDER BY id`
	if q.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, s.wrap(err, "subscribers")
	}
	defer rows.Close()
	var out []subscriber.Subscriber
	for rows.Next() {
		sub, err := scanSubscriber(rows)
		if err != nil {
			return nil, s.wrap(err, "subscribers")
		}
		out = append(out, *sub)
	}
	return out, s.wrap(rows.Err(), "subscribers")
}

func (s *Store) ConfirmSubscriber(ctx context.Context, id int64, at time.Time) error {
	defer s.observe("subscribers.confirm")()
	return s.execOne(ctx, "subscriber", `UPDATE subscribers SET confirmed_at = ? WHERE id = ?`, micros(at), id)
}

func (s *Store) DeleteSubscriber(ctx context.Context, id int64) error {
	defer s.observe("subscribers.delete")()
	return s.execOne(ctx, "subscriber", `DELETE FROM subscribers WHERE id = ?`, id)
}

func (s *Store) DeleteUnconfirmedSubscribers(ctx context.Context, before time.Time) (int64, error) {
	defer s.observe("subscribers.expire")()
	res, err := s.exec(ctx, `DELETE FROM subscribers WHERE confirmed_at IS NULL AND created_at < ?`, micros(before))
	if err != nil {
		return 0, s.wrap(err, "subscribers")
	}
	n, err := res.RowsAffected()
	return n, s.wrap(err, "subscribers")
}

func (s *Store) RecordNotice(ctx context.Context, n subscriber.SentNotice) (bool, error) {
	defer s.observe("subscriber_notices.record")()
	res, err := s.exec(ctx, `INSERT INTO subscriber_notices (key, event, at, recipients) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
		n.Key, n.Event, micros(n.At), n.Recipients)
	if err != nil {
		return false, s.wrap(err, "subscriber notice")
	}
	stored, err := res.RowsAffected()
	return stored == 1, s.wrap(err, "subscriber notice")
}

func (s *Store) NoticeSent(ctx context.Context, key string) (bool, error) {
	defer s.observe("subscriber_notices.get")()
	var n int
	err := s.queryRow(ctx, `SELECT count(*) FROM subscriber_notices WHERE key = ?`, key).Scan(&n)
	return n > 0, s.wrap(err, "subscriber notice")
}

func (s *Store) SentNotices(ctx context.Context, prefix string) ([]subscriber.SentNotice, error) {
	defer s.observe("subscriber_notices.list")()
	rows, err := s.query(ctx, `SELECT key, event, at, recipients FROM subscriber_notices WHERE key LIKE ? ESCAPE '\' ORDER BY at, key`,
		likeEscaper.Replace(prefix)+"%")
	if err != nil {
		return nil, s.wrap(err, "subscriber notices")
	}
	defer rows.Close()
	var out []subscriber.SentNotice
	for rows.Next() {
		var n subscriber.SentNotice
		var at sql.NullInt64
		if err := rows.Scan(&n.Key, &n.Event, &at, &n.Recipients); err != nil {
			return nil, s.wrap(err, "subscriber notices")
		}
		n.At = fromMicros(at)
		out = append(out, n)
	}
	return out, s.wrap(rows.Err(), "subscriber notices")
}
