package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/vouchdev/vouch/pkg/serve"
)

// checkVulnDBRefresh refuses a negative --vuln-db-refresh, and one without
// --vuln-db: a refresh the user asked for is never silently dropped.
func checkVulnDBRefresh(f *serveFlags) error {
	switch {
	case f.vulnDBRefresh < 0:
		return usagef("--vuln-db-refresh %s: want a positive duration (0: only on SIGHUP)", f.vulnDBRefresh)
	case f.vulnDBRefresh > 0 && f.vulnDB == "":
		return usagef("--vuln-db-refresh %s without --vuln-db: there is no database to re-read; give --vuln-db DIR", f.vulnDBRefresh)
	}
	return nil
}

// loadVulnDB opens the OSV database in dir and computes its digest (every
// file read once, streaming), with a fresh memory of components: a
// remembered answer is true of one database only.
func loadVulnDB(ctx context.Context, dir string) (serve.VulnDB, error) {
	db, err := openVulnDB("--vuln-db", dir)
	if err != nil {
		return serve.VulnDB{}, err
	}
	sum, err := db.Digest(ctx)
	if err != nil {
		return serve.VulnDB{}, &exitError{code: ExitError, err: fmt.Errorf("--vuln-db %s: %w", dir, err)}
	}
	return serve.VulnDB{Matcher: newMemoMatcher(db), SHA256: sum}, nil
}

// openServeVulnDB opens --vuln-db once, at the start (nil without it):
// requests never wait on the directory, and a database that cannot be
// read stops the start.
func openServeVulnDB(ctx context.Context, f *serveFlags) (*serve.VulnDBHolder, error) {
	if f.vulnDB == "" {
		return nil, nil
	}
	db, err := loadVulnDB(ctx, f.vulnDB)
	if err != nil {
		return nil, err
	}
	h, err := serve.NewVulnDBHolder(db)
	if err != nil {
		return nil, &exitError{code: ExitError, err: err}
	}
	return h, nil
}

// startVulnDBRefresh re-reads --vuln-db on SIGHUP and every
// --vuln-db-refresh (when given), swapping in a database whose digest
// changed (serve.RefreshVulnDBOnce); the returned stop ends it and waits.
func startVulnDBRefresh(ctx context.Context, f *serveFlags, srv *serve.Server) (stop func()) {
	if f.vulnDB == "" {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	var wg sync.WaitGroup
	wg.Go(func() {
		srv.RefreshVulnDB(ctx, f.vulnDBRefresh, hup, func(ctx context.Context) (serve.VulnDB, error) {
			return loadVulnDB(ctx, f.vulnDB)
		})
	})
	return func() { signal.Stop(hup); cancel(); wg.Wait() }
}

// vulnDBRefreshUsage is --vuln-db-refresh's help.
const vulnDBRefreshUsage = "re-read --vuln-db every `DURATION` (it is re-read on SIGHUP too); a new database re-evaluates the decisions of policies with a vulnerabilities gate (default: only on SIGHUP)"

// defaultVulnDBRefresh is no periodic re-read.
const defaultVulnDBRefresh time.Duration = 0
