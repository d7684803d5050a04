package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// LatestVerifiedOfPackage implements Store, on the index of
// (namespace, purl_name, created_at). A record is returned by
// CreateVerification only once committed, so a reader sees it.
func (s *sqlStore) LatestVerifiedOfPackage(ctx context.Context, ns, purlName string) (Verification, error) {
	if purlName == "" {
		return Verification{}, ErrNotFound
	}
	return scanVerification(s.readRow(ctx, s.q("SELECT "+verificationColumns+
		" FROM verifications WHERE namespace = ? AND purl_name = ? AND verified = 1"+
		" ORDER BY created_at DESC, id DESC LIMIT 1"), ns, purlName))
}

// PutWebhook implements Store.
func (s *sqlStore) PutWebhook(ctx context.Context, w Webhook) error {
	if w.Created.IsZero() {
		w.Created = time.Now()
	}
	_, err := s.writer.ExecContext(ctx, s.q("INSERT INTO webhooks (namespace, url, secret, created_at) VALUES (?, ?, ?, ?)"+
		" ON CONFLICT (namespace) DO UPDATE SET url = excluded.url, secret = excluded.secret, created_at = excluded.created_at"),
		w.Namespace, w.URL, w.Secret, nanos(w.Created))
	return err
}

// Webhook implements Store.
func (s *sqlStore) Webhook(ctx context.Context, ns string) (Webhook, error) {
	w := Webhook{Namespace: ns}
	var created int64
	err := s.reader.QueryRowContext(ctx, s.q("SELECT url, secret, created_at FROM webhooks WHERE namespace = ?"), ns).
		Scan(&w.URL, &w.Secret, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Webhook{}, ErrNotFound
	}
	w.Created = fromNanos(created)
	return w, err
}

// DeleteWebhook implements Store.
func (s *sqlStore) DeleteWebhook(ctx context.Context, ns string) error {
	res, err := s.writer.ExecContext(ctx, s.q("DELETE FROM webhooks WHERE namespace = ?"), ns)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		err = ErrNotFound
	}
	return err
}
