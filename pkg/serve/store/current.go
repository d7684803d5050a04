package store

import "context"

// CurrentVerification implements Store. A record is current when no
// record names it in supersedes: a re-evaluation replaced it otherwise,
// and its decision is history, not what the service now says. The subject
// index finds the digest's records newest first.
func (s *sqlStore) CurrentVerification(ctx context.Context, alg, hex, ns string) (Verification, error) {
	col, err := subjectColumn(alg)
	if err != nil {
		return Verification{}, err
	}
	query := "SELECT " + verificationColumns + " FROM verifications v WHERE " + col + " = ?"
	args := []any{hex}
	if ns != "" {
		query += " AND namespace = ?"
		args = append(args, ns)
	}
	query += " AND NOT EXISTS (SELECT 1 FROM verifications n WHERE n.supersedes = v.id)" +
		" ORDER BY created_at DESC, id DESC LIMIT 1"
	return scanVerification(s.reader.QueryRowContext(ctx, s.q(query), args...))
}
