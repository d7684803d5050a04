//go:build unix

package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNonRegularInputs gives a FIFO and a character device where each
// command reads a file (an SBOM, a predicate, a key, a signing config, an
// artifact, a source to catalog): exit 1 at once, naming the flag or input and the path. Without
// the check, opening the FIFO waits forever for a writer. Each case has a
// control with a regular file in the same place, which must succeed, so a
// command that refused every input would fail the test.
func TestNonRegularInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Join(dir, "k")
	if code, stderr := runCLI(t, "keygen", "--no-password", "--algorithm", "ed25519", "--output-key-prefix", prefix); code != ExitOK {
		t.Fatalf("keygen: exit %d\n%s", code, stderr)
	}
	key := prefix + ".key"
	sbomFile := write("a.cdx.json", `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"}`)
	artifact := write("app.bin", "the artifact\n")
	gomod := write("go.mod", "module example.com/m\n\ngo 1.22\n")
	cfg := write("signing_config.json", `{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json","caUrls":[],"oidcUrls":[],"rekorTlogUrls":[],"tsaUrls":[]}`)

	tests := []struct {
		name string
		args func(in string) []string
		good string // the regular file the control passes instead
		want string // in the error, before the path
	}{
		{"sbom check", func(in string) []string { return []string{"sbom", "check", "--profile", "schema", in} }, sbomFile, "SBOM "},
		{"sbom convert", func(in string) []string {
			return []string{"sbom", "convert", in, "-o", "spdx-json=" + filepath.Join(dir, "out.spdx.json")}
		}, sbomFile, "SBOM "},
		{"attest --predicate", func(in string) []string {
			return []string{"attest", "--key", key, "--type", "cyclonedx", "--predicate", in, "--bundle", filepath.Join(dir, "p.json"), artifact}
		}, sbomFile, "--predicate "},
		{"attest artifact", func(in string) []string {
			return []string{"attest", "--key", key, "--type", "cyclonedx", "--predicate", sbomFile, "--bundle", filepath.Join(dir, "a.json"), in}
		}, artifact, "artifact "},
		{"attest --key", func(in string) []string {
			return []string{"attest", "--key", in, "--type", "cyclonedx", "--predicate", sbomFile, "--bundle", filepath.Join(dir, "k.json"), artifact}
		}, key, "--key "},
		{"sign --key", func(in string) []string {
			return []string{"sign", "--key", in, "--bundle", filepath.Join(dir, "s.json"), artifact}
		}, key, "--key "},
		{"sign artifact", func(in string) []string {
			return []string{"sign", "--key", key, "--bundle", filepath.Join(dir, "s2.json"), in}
		}, artifact, "artifact "},
		{"sign --signing-config", func(in string) []string {
			return []string{"sign", "--key", key, "--signing-config", in, "--bundle", filepath.Join(dir, "s3.json"), artifact}
		}, cfg, "--signing-config "},
		{"release --key", func(in string) []string {
			return []string{"release", "--key", in, "--out", filepath.Join(dir, "rel-"+filepath.Base(in)), artifact}
		}, key, "--key "},
		{"sbom source", func(in string) []string { return []string{"sbom", in, "--version", "v1.0.0"} }, gomod, "source "},
		{"provenance artifact", func(in string) []string {
			return []string{"provenance", "--repo", dir, "--source-date-epoch", "1700000000", "--external-param", "k=v", "-o", filepath.Join(dir, "prov.json"), in}
		}, artifact, "artifact "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, stderr := runCLI(t, tt.args(tt.good)...); code != ExitOK {
				t.Fatalf("control with a regular file: exit %d, want 0\n%s", code, stderr)
			}
			for _, bad := range []struct{ path, kind string }{{fifo, "named pipe"}, {"/dev/null", "character device"}} {
				code, stderr := runCLI(t, tt.args(bad.path)...)
				if code != ExitError {
					t.Errorf("%s: exit %d, want %d\n%s", bad.path, code, ExitError, stderr)
				}
				if want := tt.want + bad.path + ": not a regular file"; !strings.Contains(stderr, want) || !strings.Contains(stderr, bad.kind) {
					t.Errorf("%s: stderr does not say %q (%s):\n%s", bad.path, want, bad.kind, stderr)
				}
			}
		})
	}
}

// runCLI runs vouch in-process with empty standard input and fails the test
// if it does not return within 20 seconds (a blocked open of a FIFO).
func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	type result struct {
		code   int
		stderr string
	}
	done := make(chan result, 1)
	go func() {
		var out, errb bytes.Buffer
		code := Run(context.Background(), args, strings.NewReader(""), &out, &errb)
		done <- result{code, errb.String()}
	}()
	select {
	case r := <-done:
		return r.code, r.stderr
	case <-time.After(20 * time.Second):
		t.Fatalf("vouch %s blocked", strings.Join(args, " "))
		return 0, ""
	}
}
