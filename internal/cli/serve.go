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

// defaultRateLimit is each token's requests per second per replica by
// default: far above what one registry client sends, it stops a runaway
// one from starving the others.
const defaultRateLimit = 1000

type serveFlags struct {
	dataDir     string
	dataDirSet  bool
	database    string
	listen      string
	keys        []string
	trustedRoot string
	maxBody     int64
	// tlsCert and tlsKey serve HTTPS (serve_tls.go).
	tlsCert, tlsKey string
	// rateLimit and burst limit each token's requests per replica.
	rateLimit rateFlag
	burst     int
	// offline and trustRefresh rule the trusted root's refresh
	// (serve_trust.go).
	offline         bool
	trustRefresh    time.Duration
	trustRefreshSet bool
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
only; with --tls-cert and --tls-key it serves HTTPS, on any --listen address
(send SIGHUP to reload the two files after a renewal).
--database postgres://USER@HOST/DB keeps it in PostgreSQL instead: any
number of vouch serve processes on one database are replicas of one service
(the schema is migrated at start, once however many start).

At its first start it makes an admin API token and prints it once on
standard output: only its SHA-256 is stored. Every request needs
"Authorization: Bearer TOKEN". That global admin token makes the others
(POST /v1/tokens): verify, read or admin of one namespace, optionally
expiring; DELETE /v1/tokens/ID revokes one. Each token may make --rate-limit
requests per second (bursts of --burst) to each replica: the limit is per
process, so N replicas allow N times the rate.

Trust is the deployment's, as in vouch verify: --key for key-signed bundles
(repeatable), --trusted-root for keyless ones and log entries (pinned);
without it the Sigstore public-good root, from the TUF cache or embedded in
vouch at start, then refreshed through TUF in the background every
--trust-refresh (not with --offline). A refresh swaps the root for later
requests; one that fails keeps the last good root and counts in
vouch_trust_refresh_failures_total. The request path never touches the
network. Every decision records the digest of the keys and root it was made
with. Served policies cannot name files (trust.keys, trustedRoot, layout).

API (see pkg/serve):
  PUT  /v1/namespaces/NS/policy          a policy, YAML as vouch verify --policy
  GET  /v1/namespaces/NS/policy
  POST /v1/namespaces/NS/verifications   {"subject": {"digests": {"sha256": HEX}}, "bundles": [BUNDLE...]}
  GET  /v1/verifications/ID
  GET  /v1/subjects/sha256:HEX
  POST /v1/tokens                        {"scope": "verify|read|admin", "namespace": NS, "expiresIn": SECONDS}
  GET  /v1/tokens
  DELETE /v1/tokens/ID

SIGINT or SIGTERM stops accepting requests and waits for those in flight.`,
		Example: `  # the embedded default; note the admin token it prints
  vouch serve --key npm-registry.pub

  # a namespace's policy, then a verification
  curl -H "Authorization: Bearer $TOKEN" -X PUT --data-binary @policy.yaml \
    http://127.0.0.1:8321/v1/namespaces/npm/policy`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.dataDirSet = cmd.Flags().Changed("data-dir")
			f.trustRefreshSet = cmd.Flags().Changed("trust-refresh")
			return e.runServe(cmd.Context(), &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dataDir, "data-dir", "vouch-data", "keep the database in `DIR` (created if missing)")
	fl.StringVar(&f.database, "database", "", "keep the database in PostgreSQL at `URL` (postgres://...), shared by replicas, instead of --data-dir")
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8321", "listen on `HOST:PORT`: a loopback address, or any with --tls-cert and --tls-key")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "serve HTTPS with the PEM certificate (chain) in `FILE`; reloaded on SIGHUP")
	fl.StringVar(&f.tlsKey, "tls-key", "", "the PEM private key of --tls-cert in `FILE`")
	f.rateLimit = defaultRateLimit
	fl.Var(&f.rateLimit, "rate-limit", "let each API token make N requests per second (N/s; or N/m, N/h) to this replica (0: no limit)")
	fl.IntVar(&f.burst, "burst", 0, "let each API token make up to `N` requests at once, the size of its --rate-limit bucket (default: one second's worth, at least 1)")
	fl.StringArrayVar(&f.keys, "key", nil, "trust the PEM public key in `FILE`, or each key of an npm registry keys document, for key-signed bundles (repeatable)")
	fl.StringVar(&f.trustedRoot, "trusted-root", "", "Sigstore TrustedRoot JSON `FILE` for keyless bundles and log entries (default: the embedded public-good root)")
	fl.Int64Var(&f.maxBody, "max-body", serve.DefaultMaxBody, "refuse verification requests over `BYTES`")
	fl.BoolVar(&f.offline, "offline", false, "never refresh the public-good trusted root through TUF (use the TUF cache or the embedded copy)")
	fl.DurationVar(&f.trustRefresh, "trust-refresh", defaultTrustRefresh, "refresh the public-good trusted root through TUF every `DURATION` (not with --offline or --trusted-root)")
	return cmd
}

func (e *env) runServe(ctx context.Context, f *serveFlags) error {
	if err := checkTLSFlags(f); err != nil {
		return err
	}
	if f.maxBody <= 0 {
		return usagef("--max-body %d: want a positive number of bytes", f.maxBody)
	}
	if err := checkTrustRefresh(f); err != nil {
		return err
	}
	if f.burst < 0 {
		return usagef("--burst %d: want a number of requests, 0 or more", f.burst)
	}
	cert, err := loadServeCert(f)
	if err != nil {
		return err
	}
	if err := checkDatabase(f); err != nil {
		return err
	}
	eng, trustSum, keys, err := serveEngine(ctx, f)
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
	// The holder lets the refresh swap the engine and digest; its
	// OnTrustChange hook, set here before anything runs, hears of each swap.
	holder, err := serve.NewTrustHolder(serve.Trust{Verifier: eng, SHA256: trustSum})
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	srv, err := serve.New(serve.Config{Store: st, Trust: holder, MaxBody: f.maxBody, Logger: logger,
		RateLimit: float64(f.rateLimit), Burst: f.burst})
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	stopRefresh := startTrustRefresh(ctx, f, srv, keys)
	defer stopRefresh()
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("--listen: %w", err)}
	}
	scheme := "http://"
	if cert != nil {
		scheme = "https://"
		cert.reloadOnHUP(ctx, logger)
	}
	logger.Info("serving", "url", scheme+ln.Addr().String(), "data", where)
	return serveUntilSignal(ctx, ln, srv, cert, logger)
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

// checkListen refuses an address that is not HOST:PORT, and one beyond
// this machine without TLS: tokens must not cross a network in clear text.
func checkListen(addr string, tls bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("--listen %q: expected HOST:PORT: %v", addr, err)
	}
	if ip := net.ParseIP(host); !tls && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usagef("--listen %q: expected a loopback address (127.0.0.1, ::1, localhost): serving beyond this machine needs TLS, give --tls-cert and --tls-key", addr)
	}
	return nil
}

// serveEngine builds the engine from the trust flags, and the digest that
// names that trust in every decision. The trusted root is loaded once, here:
// nothing on the request path touches the network, and the digest names the
// root every decision of this process is made with.
// It returns the keys too, for the refreshes of the root.
func serveEngine(ctx context.Context, f *serveFlags) (*engine.Verifier, string, []*trust.Key, error) {
	var opts engine.Options
	for _, k := range f.keys {
		keys, err := trust.LoadKeys(k)
		if err != nil {
			return nil, "", nil, &exitError{code: ExitError, err: fmt.Errorf("--key: %w", err)}
		}
		opts.Keys = append(opts.Keys, keys...)
	}
	var rootJSON []byte
	if f.trustedRoot != "" {
		// One read: the bytes parsed are the bytes named in the digest.
		data, err := safefile.Read("--trusted-root", f.trustedRoot, trust.MaxTrustedRootSize)
		if err != nil {
			return nil, "", nil, &exitError{code: ExitError, err: err}
		}
		tr, err := trust.ParseTrustedRoot(data)
		if err != nil {
			return nil, "", nil, &exitError{code: ExitError, err: fmt.Errorf("--trusted-root %s: %w", f.trustedRoot, err)}
		}
		opts.Roots, opts.ExplicitRoot, rootJSON = engine.StaticRoot{Material: tr}, true, data
	} else {
		// The TUF cache or the snapshot embedded in vouch, never the
		// network: the start does not wait for it (serve_trust.go
		// refreshes in the background).
		t, err := publicGoodTrust(ctx, opts.Keys, trust.Options{Offline: true})
		if err != nil {
			return nil, "", nil, &exitError{code: ExitError, err: err}
		}
		return t.Verifier, t.SHA256, opts.Keys, nil
	}
	eng, err := engine.New(opts)
	if err != nil {
		return nil, "", nil, verifyError(err)
	}
	return eng, serve.TrustDigest(eng.KeyIDs(), rootJSON), opts.Keys, nil
}

// serveUntilSignal serves on ln (HTTPS with cert, else HTTP) until ctx
// ends or SIGINT/SIGTERM arrives, then stops accepting and waits up to
// serveDrain for requests in flight.
func serveUntilSignal(ctx context.Context, ln net.Listener, h http.Handler, cert *serveCert, logger *slog.Logger) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	if cert != nil {
		hs.TLSConfig = cert.config()
		go func() { errc <- hs.ServeTLS(ln, "", "") }()
	} else {
		go func() { errc <- hs.Serve(ln) }()
	}
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
