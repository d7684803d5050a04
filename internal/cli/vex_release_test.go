package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/vex"
)

// TestReleaseVEX: vouch release --vex signs an OpenVEX document (as it is)
// and a real CycloneDX VEX (converted) into bundles beside the others;
// vouch verify accepts each with the release's key about every artifact
// and refuses it with another key; each bundle's predicate parses back to
// the statements of the document given.
func TestReleaseVEX(t *testing.T) {
	dir := t.TempDir()
	dist := filepath.Join(dir, "dist")
	for _, p := range []string{dist, filepath.Join(dir, "vex")} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p string, b []byte) {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dist, "a.txt"), []byte("a\n"))
	write(filepath.Join(dist, "b.txt"), []byte("b\n"))
	cdxVEX, err := os.ReadFile(filepath.Join("..", "..", "pkg", "vex", "testdata", "cyclonedx", "vex.json"))
	if err != nil {
		t.Fatal(err)
	}
	cdxPath := filepath.Join(dir, "vex", "jackson.cdx.json")
	write(cdxPath, cdxVEX)
	// The OpenVEX document sits among the artifacts: it is not one.
	ovxPath := filepath.Join(dist, "app.openvex.json")
	prefix := filepath.Join(dir, "vouch")
	for _, args := range [][]string{
		{"vex", "create", "--product", "pkg:generic/app@1.0.0", "--vuln", "CVE-2023-45288", "--status", "not_affected",
			"--impact", "HTTP/2 is not served", "--source-date-epoch", "1700000000", "-o", ovxPath},
		{"keygen", "--no-password", "--algorithm", "ed25519", "--output-key-prefix", prefix},
		{"keygen", "--no-password", "--algorithm", "ed25519", "--output-key-prefix", prefix + "-other"},
		{"release", "-q", "--key", prefix + ".key", "--source-date-epoch", "1700000000", "--external-param", "inputs.version=v1.0.0",
			"--vex", ovxPath, "--vex", cdxPath, dist},
	} {
		vouchIn(t, dir, ExitOK, args...)
	}
	if _, err := os.Stat(filepath.Join(dist, "app.openvex.json.cdx.json")); err == nil {
		t.Error("the --vex document was released as an artifact")
	}
	for _, tc := range []struct{ bundle, doc string }{
		{"app.openvex.vex.sigstore.json", ovxPath},
		{"jackson.cdx.vex.sigstore.json", cdxPath},
	} {
		t.Run(tc.bundle, func(t *testing.T) {
			bpath := filepath.Join(dist, tc.bundle)
			for _, art := range []string{"a.txt", "b.txt"} {
				args := []string{"verify", "--key", prefix + ".pub", "--bundle", bpath, "--predicate-type", vex.PredicateType, filepath.Join(dist, art)}
				vouchIn(t, dir, ExitOK, args...)
				args[2] = prefix + "-other.pub"
				vouchIn(t, dir, ExitFailure, args...)
			}
			b, err := bundle.Load(bpath)
			if err != nil {
				t.Fatal(err)
			}
			got, err := vex.Parse(tc.bundle, b.GetDsseEnvelope().GetPayload())
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(tc.doc)
			if err != nil {
				t.Fatal(err)
			}
			want, err := vex.Parse(tc.bundle, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d statements, want %d", len(got), len(want))
			}
			for i := range want {
				g, w := got[i], want[i]
				if w.Timestamp.IsZero() { // CycloneDX without times: the conversion's
					w.Timestamp = g.Timestamp
				}
				if g.Vulnerability != w.Vulnerability || g.Status != w.Status || g.Justification != w.Justification ||
					g.Impact != w.Impact || strings.Join(g.Products, " ") != strings.Join(w.Products, " ") ||
					strings.Join(g.Aliases, " ") != strings.Join(w.Aliases, " ") || !g.Timestamp.Equal(w.Timestamp) {
					t.Errorf("statement %d\n got %+v\nwant %+v", i, g, w)
				}
			}
		})
	}
}
