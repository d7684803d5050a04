package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testCert makes a self-signed certificate for 127.0.0.1 with the serial
// number serial, writes it and its key to cert.pem and key.pem in dir, and
// returns it.
func testCert(t *testing.T, dir string, serial int64) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "vouch serve test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, filepath.Join(dir, "cert.pem"), "CERTIFICATE", der)
	writePEM(t, filepath.Join(dir, "key.pem"), "PRIVATE KEY", keyDER)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// trusting is an HTTPS client that trusts exactly the certificates given.
func trusting(certs ...*x509.Certificate) *http.Client {
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// servedSerial is the serial number of the certificate a fresh connection
// is served. It only reads which certificate the server presents, so it
// does not verify it (the trusting clients above do).
func servedSerial(t *testing.T, addr string) int64 {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("TLS handshake with %s: %v", addr, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

// TestServeTLS: with --tls-cert and --tls-key vouch serve answers HTTPS
// with that certificate, to a client trusting it (and not to one trusting
// another, nor in plain HTTP); a SIGHUP reloads the files, and a reload of
// files that do not make a certificate keeps the one in use.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	first := testCert(t, dir, 1)
	url, stdout, stderr, stop := startServeLogs(t, "--offline", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"),
		"--tls-cert", filepath.Join(dir, "cert.pem"), "--tls-key", filepath.Join(dir, "key.pem"))
	defer stop()
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("url %q, want https", url)
	}
	token := regexp.MustCompile(`vouch_[A-Za-z0-9_-]{43}`).FindString(stdout.String())
	req, _ := http.NewRequest("GET", url+"/v1/tokens", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := trusting(first).Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /v1/tokens over TLS: %v %v", resp, err)
	}
	resp.Body.Close()

	// Controls: a client trusting another certificate, and plain HTTP.
	other := testCert(t, t.TempDir(), 9)
	if _, err := trusting(other).Get(url + "/healthz"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a client trusting another certificate: %v, want a certificate error", err)
	}
	if resp, err := http.Get("http://" + strings.TrimPrefix(url, "https://") + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP was answered 200")
		}
	}

	addr := strings.TrimPrefix(url, "https://")
	second := testCert(t, dir, 2)
	if got := servedSerial(t, addr); got != 1 {
		t.Fatalf("before SIGHUP: serial %d, want 1 (files are read at start only)", got)
	}
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitFor(t, "the reloaded certificate", func() bool { return servedSerial(t, addr) == 2 })
	if resp, err := trusting(second).Get(url + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("after SIGHUP, a client trusting the new certificate: %v %v", resp, err)
	}

	if err := os.WriteFile(filepath.Join(dir, "key.pem"), []byte("half-written"), 0o600); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitFor(t, "the failed reload's log line", func() bool {
		return strings.Contains(stderr.String(), "reloading the TLS certificate failed")
	})
	if got := servedSerial(t, addr); got != 2 {
		t.Errorf("after a failed reload: serial %d, want 2 (the certificate in use)", got)
	}
}

// TestServeTLSAnyAddress: with TLS, --listen may be beyond loopback (here
// every interface), which without TLS is a usage error (serve.txtar).
func TestServeTLSAnyAddress(t *testing.T) {
	dir := t.TempDir()
	cert := testCert(t, dir, 3)
	url, _, _, stop := startServeLogs(t, "--offline", "--listen", "0.0.0.0:0", "--data-dir", filepath.Join(dir, "data"),
		"--tls-cert", filepath.Join(dir, "cert.pem"), "--tls-key", filepath.Join(dir, "key.pem"))
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(url, "https://"))
	resp, err := trusting(cert).Get("https://127.0.0.1:" + port + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("GET /healthz: %v %v", resp, err)
	}
	if c := stop(); c != ExitOK {
		t.Errorf("shutdown: exit %d", c)
	}
}

// waitFor polls cond for up to ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
