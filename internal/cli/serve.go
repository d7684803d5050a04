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
	// vsaKey signs every decision's VSA; without it, the data directory's.
	vsaKey, vsaVerifierID string
	// vulnDB is the OSV database of policies' vulnerabilities gates,
	// re-read every vulnDBRefresh (0: never) and on SIGHUP
	// (serve_vulndb.go).
	vulnDB        string
	vulnDBRefresh time.Duration
}

func init() { register((*env).serveCommand) }

func (e *env) serveCommand() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:     "serve [flags]",
		Short:   "Run a verification service for package registries (HTTP API)",
		Long:    serveLong,
		Example: serveExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.dataDirSet = cmd.Flags().Changed("data-dir")
			f.trustRefreshSet = cmd.Flags().Changed("trust-refresh")
			return e.runServe(cmd.Context(), &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dataDir, "data-dir", "vouch-data", "keep the embedded SQLite database (and the VSA key) in `DIR`, created if missing")
	fl.StringVar(&f.database, "database", "", "keep the database in PostgreSQL at `URL` (postgres://...), shared by replicas, instead of --data-dir (needs --vsa-key)")
	groupFlags(fl, "Storage (one or the other)", "data-dir", "database")
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8321", "listen on `HOST:PORT`: a loopback address, or any with --tls-cert and --tls-key")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "serve HTTPS with the PEM certificate (chain) in `FILE`; reloaded on SIGHUP")
	fl.StringVar(&f.tlsKey, "tls-key", "", "the PEM private key of --tls-cert in `FILE`")
	f.rateLimit = defaultRateLimit
	fl.Var(&f.rateLimit, "rate-limit", "let each API token make N requests per second (N/s; or N/m, N/h) to this replica (0: no limit)")
	fl.IntVar(&f.burst, "burst", 0, "let each API token make up to `N` requests at once, the size of its --rate-limit bucket (default: one second's worth, at least 1)")
	fl.Int64Var(&f.maxBody, "max-body", serve.DefaultMaxBody, "refuse verification requests over `BYTES`")
	groupFlags(fl, "Listening and limits", "listen", "tls-cert", "tls-key", "rate-limit", "burst", "max-body")
	fl.StringArrayVar(&f.keys, "key", nil, "trust the PEM public key in `FILE`, or each key of an npm registry keys document, for key-signed bundles (repeatable)")
	fl.StringVar(&f.trustedRoot, "trusted-root", "", "Sigstore TrustedRoot JSON `FILE` for keyless bundles and log entries, pinned (default: the public-good root)")
	fl.BoolVar(&f.offline, "offline", false, "never refresh the public-good trusted root through TUF (use the TUF cache or the embedded copy)")
	fl.DurationVar(&f.trustRefresh, "trust-refresh", defaultTrustRefresh, "refresh the public-good trusted root through TUF every `DURATION` (not with --offline or --trusted-root)")
	groupFlags(fl, "Trust", "key", "trusted-root", "offline", "trust-refresh")
	fl.StringVar(&f.vulnDB, "vuln-db", "", "match SBOM components against the offline OSV database in `DIR`, for policies with a vulnerabilities gate (opened at the start, re-read on SIGHUP; see vouch vuln)")
	fl.DurationVar(&f.vulnDBRefresh, "vuln-db-refresh", defaultVulnDBRefresh, vulnDBRefreshUsage)
	groupFlags(fl, "Vulnerabilities", "vuln-db", "vuln-db-refresh")
	fl.StringVar(&f.vsaKey, "vsa-key", "", "sign every decision's VSA with the private key in `FILE`, password in $VOUCH_PASSWORD (default: "+serveVSAKeyFile+" in --data-dir, made at the first start; required with --database)")
	fl.StringVar(&f.vsaVerifierID, "vsa-verifier-id", serve.DefaultVerifierID, "the VSAs' verifier.id `URI`")
	groupFlags(fl, "Verification summaries (VSAs)", "vsa-key", "vsa-verifier-id")
	useFlagGroups(cmd)
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
	if err := checkVulnDBRefresh(f); err != nil {
		return err
	}
	if f.burst < 0 {
		return usagef("--burst %d: want a number of requests, 0 or more", f.burst)
	}
	// A burst without a limit would be silently ignored: no bucket exists.
	if f.burst > 0 && f.rateLimit == 0 {
		return usagef("--burst %d with --rate-limit 0: no limit has no burst; give a --rate-limit above 0, or no --burst", f.burst)
	}
	cert, err := loadServeCert(f)
	if err != nil {
		return err
	}
	if err := checkDatabase(f); err != nil {
		return err
	}
	if err := checkServeVSA(f); err != nil {
		return err
	}
	vulns, err := openServeVulnDB(ctx, f)
	if err != nil {
		return err
	}
	eng, trustSum, base, err := serveEngine(ctx, f, vulns)
	if err != nil {
		return err
	}
	vsaKey, err := e.serveVSAKey(f)
	if err != nil {
		return err
	}
	st, where, err := openServeStore(ctx, f)
	if err != nil {
		return err
	}
	defer st.Close()
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	cfg := serve.Config{Store: st, MaxBody: f.maxBody, Logger: logger, RateLimit: float64(f.rateLimit), Burst: f.burst, VulnDB: vulns}
	// Before the admin token: a start that fails here must not have spent
	// the one showing of the token.
	if err := e.serveVSAConfig(&cfg, f, vsaKey, logger); err != nil {
		return err
	}
	token, err := serve.EnsureAdminToken(ctx, st)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if token != "" {
		fmt.Fprintf(e.stdout, "Admin API token (shown once; only its hash is stored):\n%s\n", token)
	}
	// The holder lets the refresh swap the engine and digest; its
	// OnTrustChange hook, set here before anything runs, hears of each swap.
	holder, err := serve.NewTrustHolder(serve.Trust{Verifier: eng, SHA256: trustSum})
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	cfg.Trust = holder
	srv, err := serve.New(cfg)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	// A new trusted root re-evaluates the decisions made with the old one
	// in the background (the hook only queues the jobs).
	holder.OnTrustChange = func(ctx context.Context, old, cur string) {
		if err := srv.TrustChanged(ctx, old, cur); err != nil {
			logger.Error("trust changed: queueing re-evaluations failed", "err", err)
		}
	}
	// A new vulnerability database re-evaluates the decisions of policies
	// with a vulnerabilities gate made against another one.
	if vulns != nil {
		vulns.OnChange = func(ctx context.Context, old, cur string) {
			if err := srv.VulnDBChanged(ctx, old, cur); err != nil {
				logger.Error("vulnerability database changed: queueing re-evaluations failed", "err", err)
			}
		}
	}
	stopRefresh := startTrustRefresh(ctx, f, srv, base)
	defer stopRefresh()
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("--listen: %w", err)}
	}
	if err := srv.Start(ctx); err != nil {
		ln.Close()
		return &exitError{code: ExitError, err: err}
	}
	stopVulnRefresh := startVulnDBRefresh(ctx, f, srv)
	defer stopVulnRefresh()
	scheme := "http://"
	if cert != nil {
		scheme = "https://"
		cert.reloadOnHUP(ctx, logger)
	}
	logger.Info("serving", "url", scheme+ln.Addr().String(), "data", where)
	err = serveUntilSignal(ctx, ln, srv, cert, logger)
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
// It returns the options without the root too (keys, vulnerability
// database), for the refreshes of the root. vulns, when not nil, is the
// engine's vulnerability database: the holder, so that a reload swaps it
// under every engine a trust refresh builds.
func serveEngine(ctx context.Context, f *serveFlags, vulns *serve.VulnDBHolder) (*engine.Verifier, string, engine.Options, error) {
	var opts engine.Options
	for _, k := range f.keys {
		keys, err := trust.LoadKeys(k)
		if err != nil {
			return nil, "", opts, &exitError{code: ExitError, err: fmt.Errorf("--key: %w", err)}
		}
		opts.Keys = append(opts.Keys, keys...)
	}
	if vulns != nil {
		opts.Vulns = vulns
	}
	base := opts
	var rootJSON []byte
	if f.trustedRoot != "" {
		// One read: the bytes parsed are the bytes named in the digest.
		data, err := safefile.Read("--trusted-root", f.trustedRoot, trust.MaxTrustedRootSize)
		if err != nil {
			return nil, "", base, &exitError{code: ExitError, err: err}
		}
		tr, err := trust.ParseTrustedRoot(data)
		if err != nil {
			return nil, "", base, &exitError{code: ExitError, err: fmt.Errorf("--trusted-root %s: %w", f.trustedRoot, err)}
		}
		opts.Roots, opts.ExplicitRoot, rootJSON = engine.StaticRoot{Material: tr}, true, data
	} else {
		// The TUF cache or the snapshot embedded in vouch, never the
		// network: the start does not wait for it (serve_trust.go
		// refreshes in the background).
		t, err := publicGoodTrust(ctx, base, trust.Options{Offline: true})
		if err != nil {
			return nil, "", base, &exitError{code: ExitError, err: err}
		}
		return t.Verifier, t.SHA256, base, nil
	}
	eng, err := engine.New(opts)
	if err != nil {
		return nil, "", base, verifyError(err)
	}
	return eng, serve.TrustDigest(eng.KeyIDs(), rootJSON), base, nil
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
