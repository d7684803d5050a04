package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/verify/engine"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// serveDrain is how long a shutdown waits for requests in flight.
const serveDrain = 30 * time.Second

type serveFlags struct {
	dataDir     string
	dataDirSet  bool
	database    string
	listen      string
	keys        []string
	trustedRoot string
	maxBody     int64
}

func init() { register((*env).serveCommand) }

func (e *env) serveCommand() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Run a verification service for package registries (HTTP API)",
		Long: `Run vouch as a service: registries POST an artifact's digests and its
Sigstore bundles, vouch verifies them against the namespace's policy exactly
as vouch verify does, stores the decision and returns the same JSON report.

With no flags it keeps an embedded SQLite database in ./vouch-data (created,
mode 0700; --data-dir elsewhere) and listens on 127.0.0.1:8321, loopback
only. --database postgres://USER@HOST/DB keeps it in PostgreSQL instead:
any number of vouch serve processes on one database are replicas of one
service (the schema is migrated at start, once however many start). At its first start it makes an admin API token and prints it once on
standard output: only its SHA-256 is stored. Every request needs
"Authorization: Bearer TOKEN".

Trust is the deployment's, as in vouch verify: --key for key-signed bundles
(repeatable), --trusted-root for keyless ones and log entries; without it the
Sigstore public-good root from the TUF cache or embedded in vouch, loaded once
at start, never from the network. Every decision records the digest of the
keys and root it was made with. Served policies cannot name files
(trust.keys, trustedRoot, layout).

API (see pkg/serve):
  PUT  /v1/namespaces/NS/policy          a policy, YAML as vouch verify --policy
  GET  /v1/namespaces/NS/policy
  POST /v1/namespaces/NS/verifications   {"subject": {"digests": {"sha256": HEX}}, "bundles": [BUNDLE...]}
  GET  /v1/verifications/ID
  GET  /v1/subjects/sha256:HEX

Background work (re-evaluating decisions when a namespace's policy or the
trust changes) runs on a job queue in the same database, shared by replicas.

SIGINT or SIGTERM stops accepting requests and waits for those in flight,
then for running background jobs.`,
		Example: `  # the embedded default; note the admin token it prints
  vouch serve --key npm-registry.pub

  # a namespace's policy, then a verification
  curl -H "Authorization: Bearer $TOKEN" -X PUT --data-binary @policy.yaml \
    http://127.0.0.1:8321/v1/namespaces/npm/policy`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.dataDirSet = cmd.Flags().Changed("data-dir")
			return e.runServe(cmd.Context(), &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dataDir, "data-dir", "vouch-data", "keep the database in `DIR` (created if missing)")
	fl.StringVar(&f.database, "database", "", "keep the database in PostgreSQL at `URL` (postgres://...), shared by replicas, instead of --data-dir")
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8321", "listen on `HOST:PORT`, a loopback address")
	fl.StringArrayVar(&f.keys, "key", nil, "trust the PEM public key in `FILE`, or each key of an npm registry keys document, for key-signed bundles (repeatable)")
	fl.StringVar(&f.trustedRoot, "trusted-root", "", "Sigstore TrustedRoot JSON `FILE` for keyless bundles and log entries (default: the embedded public-good root)")
	fl.Int64Var(&f.maxBody, "max-body", serve.DefaultMaxBody, "refuse verification requests over `BYTES`")
	return cmd
}

func (e *env) runServe(ctx context.Context, f *serveFlags) error {
	if err := checkLoopback(f.listen); err != nil {
		return err
	}
	if f.maxBody <= 0 {
		return usagef("--max-body %d: want a positive number of bytes", f.maxBody)
	}
	if err := checkDatabase(f); err != nil {
		return err
	}
	eng, trustSum, err := serveEngine(ctx, f)
	if err != nil {
		return err
	}
	st, where, err := openServeStore(ctx, f)
	if err != nil {
		return err
	}
	defer st.Close()
	token, err := serve.EnsureAdminToken(ctx, st)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if token != "" {
		fmt.Fprintf(e.stdout, "Admin API token (shown once; only its hash is stored):\n%s\n", token)
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	srv, err := serve.New(serve.Config{Store: st, Verifier: eng, TrustSHA256: trustSum, MaxBody: f.maxBody, Logger: logger})
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("--listen: %w", err)}
	}
	if err := srv.Start(ctx); err != nil {
		ln.Close()
		return &exitError{code: ExitError, err: err}
	}
	logger.Info("serving", "url", "http://"+ln.Addr().String(), "data", where)
	err = serveUntilSignal(ctx, ln, srv, logger)
	return errors.Join(err, stopBackground(srv, logger))
}

// stopBackground stops the background jobs once HTTP is drained: running
// jobs have serveDrain to finish, then are cancelled; one still running is
// left to the queue's rescuer (jobs are idempotent).
func stopBackground(srv *serve.Server, logger *slog.Logger) error {
	logger.Info("shutting down: stopping background jobs", "timeout", serveDrain)
	ctx, cancel := context.WithTimeout(context.Background(), serveDrain)
	defer cancel()
	if err := srv.Stop(ctx); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	return nil
}

// checkDatabase refuses a --database that is not a PostgreSQL URL (a file
// path belongs in --data-dir) and both flags at once, before anything is
// opened or created.
func checkDatabase(f *serveFlags) error {
	switch {
	case f.database == "":
		return nil
	case f.dataDirSet:
		return usagef("--database and --data-dir: give one (PostgreSQL or the embedded SQLite), not both")
	case !store.IsPostgres(f.database):
		return usagef("--database: expected a postgres:// or postgresql:// URL, found %q", store.RedactDSN(f.database))
	}
	return nil
}

// openServeStore opens the PostgreSQL database of --database, or the
// embedded SQLite one in --data-dir (created), and says which for the log.
func openServeStore(ctx context.Context, f *serveFlags) (store.Store, string, error) {
	if f.database != "" {
		where := store.RedactDSN(f.database)
		st, err := store.OpenPostgres(ctx, f.database)
		if err != nil {
			return nil, "", &exitError{code: ExitError, err: fmt.Errorf("--database: %w", err)}
		}
		return st, where, nil
	}
	if err := os.MkdirAll(f.dataDir, 0o700); err != nil {
		return nil, "", &exitError{code: ExitError, err: fmt.Errorf("--data-dir: %w", err)}
	}
	st, err := store.OpenSQLite(ctx, filepath.Join(f.dataDir, "vouch.db"))
	if err != nil {
		return nil, "", &exitError{code: ExitError, err: fmt.Errorf("--data-dir: %w", err)}
	}
	return st, f.dataDir, nil
}

// checkLoopback refuses an address beyond this machine: the service has no
// TLS yet, and tokens must not cross a network in clear text.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("--listen %q: expected HOST:PORT: %v", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usagef("--listen %q: expected a loopback address (127.0.0.1, ::1, localhost): serving beyond this machine needs TLS, which vouch serve does not have yet", addr)
	}
	return nil
}

// serveEngine builds the engine from the trust flags, and the digest that
// names that trust in every decision. The trusted root is loaded once, here:
// nothing on the request path touches the network, and the digest names the
// root every decision of this process is made with.
func serveEngine(ctx context.Context, f *serveFlags) (*engine.Verifier, string, error) {
	var opts engine.Options
	for _, k := range f.keys {
		keys, err := trust.LoadKeys(k)
		if err != nil {
			return nil, "", &exitError{code: ExitError, err: fmt.Errorf("--key: %w", err)}
		}
		opts.Keys = append(opts.Keys, keys...)
	}
	var rootJSON []byte
	if f.trustedRoot != "" {
		// One read: the bytes parsed are the bytes named in the digest.
		data, err := safefile.Read("--trusted-root", f.trustedRoot, trust.MaxTrustedRootSize)
		if err != nil {
			return nil, "", &exitError{code: ExitError, err: err}
		}
		tr, err := trust.ParseTrustedRoot(data)
		if err != nil {
			return nil, "", &exitError{code: ExitError, err: fmt.Errorf("--trusted-root %s: %w", f.trustedRoot, err)}
		}
		opts.Roots, opts.ExplicitRoot, rootJSON = engine.StaticRoot{Material: tr}, true, data
	} else {
		// The TUF cache or the snapshot embedded in vouch, never the network.
		r, err := trust.PublicGood(ctx, trust.Options{Offline: true})
		if err != nil {
			return nil, "", &exitError{code: ExitError, err: fmt.Errorf("the public-good trusted root: %w", err)}
		}
		if rootJSON, err = r.TrustedRoot.MarshalJSON(); err != nil {
			return nil, "", &exitError{code: ExitError, err: fmt.Errorf("the public-good trusted root (%s): %w", r.Source, err)}
		}
		opts.Roots = engine.StaticRoot{Material: r.TrustedRoot}
	}
	eng, err := engine.New(opts)
	if err != nil {
		return nil, "", verifyError(err)
	}
	return eng, serve.TrustDigest(eng.KeyIDs(), rootJSON), nil
}

// serveUntilSignal serves on ln until ctx ends or SIGINT/SIGTERM arrives,
// then stops accepting and waits up to serveDrain for requests in flight.
func serveUntilSignal(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return &exitError{code: ExitError, err: err}
	case <-ctx.Done():
	}
	logger.Info("shutting down: draining requests in flight", "timeout", serveDrain)
	sctx, cancel := context.WithTimeout(context.Background(), serveDrain)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("shutdown: %w", err)}
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return &exitError{code: ExitError, err: err}
	}
	return nil
}
