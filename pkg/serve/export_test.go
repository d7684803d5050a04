package serve

import (
	"context"

	"github.com/vouchdev/vouch/pkg/serve/jobs"
)

// Reevaluate runs a re-evaluation job's work, without the queue.
func (s *Server) Reevaluate(ctx context.Context, job jobs.Reevaluate) error {
	return s.reevaluate(ctx, job)
}

// WithVulnDB is withVulnDB: the context of a decision that took db.
func WithVulnDB(ctx context.Context, db VulnDB) context.Context { return withVulnDB(ctx, db) }
