package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// maxGroup bounds the verifications one group commit writes.
const maxGroup = 256

// groupCommit writes verifications for a database with one writer (SQLite):
// the inserts that arrive while a commit is running wait and are written
// together in the next transaction, so one fsync serves many requests
// instead of each request waiting for its own. Each insert still answers
// only after the commit that holds it, so a 2xx is never sent for a record
// that is not durable.
type groupCommit struct {
	s    *sqlStore
	in   chan *pendingInsert
	done sync.WaitGroup
	// mu guards closed: inserts hold it shared while they queue, close
	// exclusively, so nothing is sent on a closed channel.
	mu     sync.RWMutex
	closed bool
}

// errClosed answers an insert after Close.
var errClosed = errors.New("store closed")

type pendingInsert struct {
	v       Verification
	created bool
	err     error
	ready   chan struct{}
}

func newGroupCommit(s *sqlStore) *groupCommit {
	g := &groupCommit{s: s, in: make(chan *pendingInsert, maxGroup)}
	g.done.Add(1)
	go g.run()
	return g
}

// insert queues v and waits for the commit that writes it.
func (g *groupCommit) insert(ctx context.Context, v Verification) (bool, error) {
	p := &pendingInsert{v: v, ready: make(chan struct{})}
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return false, errClosed
	}
	select {
	case g.in <- p:
	case <-ctx.Done():
		g.mu.RUnlock()
		return false, ctx.Err()
	}
	g.mu.RUnlock()
	// Once queued the insert is written whatever the caller does: wait for
	// it, so that the answer is the truth about the database.
	<-p.ready
	return p.created, p.err
}

// close writes what is queued and stops; it is safe to call more than once.
func (g *groupCommit) close() {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		close(g.in)
	}
	g.mu.Unlock()
	g.done.Wait()
}

func (g *groupCommit) run() {
	defer g.done.Done()
	for p := range g.in {
		group := []*pendingInsert{p}
	collect:
		for len(group) < maxGroup {
			select {
			case q, ok := <-g.in:
				if !ok {
					break collect
				}
				group = append(group, q)
			default:
				break collect
			}
		}
		g.commit(group)
		for _, q := range group {
			close(q.ready)
		}
	}
}

// commit writes a group in one transaction. A failing insert (a foreign key)
// is rolled back alone, to its savepoint; a failing commit fails them all.
func (g *groupCommit) commit(group []*pendingInsert) {
	ctx := context.Background()
	tx, err := g.s.writer.BeginTx(ctx, nil)
	if err != nil {
		for _, p := range group {
			p.err = err
		}
		return
	}
	for _, p := range group {
		p.created, p.err = g.insertOne(ctx, tx, p.v)
	}
	if err := tx.Commit(); err != nil {
		for _, p := range group {
			p.created, p.err = false, fmt.Errorf("committing verifications: %w", err)
		}
	}
}

// insertOne writes one record and its bundles under a savepoint, so that a
// record whose later statements fail leaves nothing behind in the group's
// transaction.
func (g *groupCommit) insertOne(ctx context.Context, tx *sql.Tx, v Verification) (bool, error) {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT one"); err != nil {
		return false, err
	}
	created, err := g.s.insertVerification(ctx, tx, v)
	if err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO one"); rerr != nil {
			return false, errors.Join(err, rerr)
		}
	}
	if _, rerr := tx.ExecContext(ctx, "RELEASE one"); rerr != nil {
		return false, errors.Join(err, rerr)
	}
	return created, err
}
