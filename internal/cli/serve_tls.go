package cli

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/vouchdev/vouch/internal/safefile"
)

// maxPEMFile bounds --tls-cert and --tls-key: a certificate chain is a few
// kilobytes.
const maxPEMFile = 1 << 20

// serveCert is the certificate of --tls-cert and --tls-key. New connections
// take the current one, so a reload (SIGHUP) needs no restart and drops no
// connection.
type serveCert struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
}

// checkTLSFlags refuses one of --tls-cert and --tls-key without the other,
// and a non-loopback --listen without TLS: tokens must not cross a network
// in clear text.
func checkTLSFlags(f *serveFlags) error {
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return usagef("--tls-cert %q and --tls-key %q: give both (a certificate and its private key) or neither", f.tlsCert, f.tlsKey)
	}
	return checkListen(f.listen, f.tlsCert != "")
}

// loadServeCert reads --tls-cert and --tls-key, or returns nil without them.
func loadServeCert(f *serveFlags) (*serveCert, error) {
	if f.tlsCert == "" {
		return nil, nil
	}
	c := &serveCert{certFile: f.tlsCert, keyFile: f.tlsKey}
	if err := c.load(); err != nil {
		return nil, &exitError{code: ExitError, err: err}
	}
	return c, nil
}

// load reads both files (regular files only, bounded) and makes them the
// current certificate if the key matches the certificate.
func (c *serveCert) load() error {
	certPEM, err := safefile.Read("--tls-cert", c.certFile, maxPEMFile)
	if err != nil {
		return err
	}
	keyPEM, err := safefile.Read("--tls-key", c.keyFile, maxPEMFile)
	if err != nil {
		return err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("--tls-cert %s, --tls-key %s: expected a PEM certificate (chain) and its PEM private key: %w", c.certFile, c.keyFile, err)
	}
	c.cur.Store(&cert)
	return nil
}

// config is the server's TLS configuration: TLS 1.2 at least, the current
// certificate for each handshake.
func (c *serveCert) config() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return c.cur.Load(), nil
		},
	}
}

// reloadOnHUP reloads the files on each SIGHUP until ctx ends; a reload
// that fails keeps the certificate in use and logs why (a renewal tool may
// have written one file of the two so far).
func (c *serveCert) reloadOnHUP(ctx context.Context, logger *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := c.load(); err != nil {
					logger.Error("SIGHUP: reloading the TLS certificate failed; the previous one stays in use", "error", err)
					continue
				}
				logger.Info("SIGHUP: TLS certificate reloaded", "cert", c.certFile)
			}
		}
	}()
}
