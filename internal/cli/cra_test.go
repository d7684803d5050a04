package cli

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/pkg/attest/release"
	"github.com/vouchdev/vouch/pkg/cra"
)

// vulnApp is the test module of pkg/vuln/govuln (see its testdata/ORIGIN):
// programs over real vulnerable versions of golang.org/x/text,
// golang.org/x/net and gopkg.in/yaml.v2, vendored.
var vulnApp = filepath.Join("..", "..", "pkg", "vuln", "govuln", "testdata", "vulnapp.txtar")

// osvDB is the repository's offline OSV database: the whole Go
// vulnerability database and real advisories of other ecosystems.
var osvDB = filepath.Join("..", "..", "testdata", "osv")

// craConfig is the cra.yaml of the release craRelease makes.
const craConfig = `product:
  name: vulnapp
  version: v1.0.0
  purl: pkg:golang/example.com/vulnapp@v1.0.0
manufacturer:
  name: Example Software GmbH
  address: Friedrichstraße 1, 10117 Berlin, Germany
  email: security@example.com
  url: https://example.com
supportPeriodEnd: 2031-12-31
securityContact: https://example.com/.well-known/security.txt
cvdPolicy: https://example.com/security/disclosure-policy
`

// craRelease builds vulnapp's cmd/called and releases it with a fresh
// key (craWorkspace); it returns the directory.
func craRelease(t *testing.T) string {
	t.Helper()
	dir := craWorkspace(t)
	vouchIn(t, dir, 0, "release", "-q", "--key", "vouch.key", "--version", "v1.0.0", "dist")
	return dir
}

// craWorkspace builds vulnapp's cmd/called (no network: vendored, GOPROXY
// off) into DIR/dist/app beside a fresh key pair, cra.yaml, the
// repository's OSV database as testdata/osv, and a git checkout's
// metadata for the provenance (as the README tour's fresh clone); it
// returns DIR.
func craWorkspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	ar, err := txtar.ParseFile(vulnApp)
	if err != nil {
		t.Fatal(err)
	}
	ar.Files = append(ar.Files,
		txtar.File{Name: "../.git/HEAD", Data: []byte("ref: refs/heads/main\n")},
		txtar.File{Name: "../.git/refs/heads/main", Data: []byte("8f70009fde0c94ade6ce2a054b94718c819126ec\n")},
		txtar.File{Name: "../.git/config", Data: []byte("[remote \"origin\"]\n\turl = https://github.com/example/vulnapp.git\n")},
		txtar.File{Name: "../cra.yaml", Data: []byte(craConfig)})
	src := filepath.Join(dir, "src")
	for _, f := range ar.Files {
		name := filepath.Join(src, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	build := exec.Command("go", "build", "-mod=vendor", "-trimpath", "-o", filepath.Join(dir, "dist", "app"), "./cmd/called")
	build.Dir = src
	build.Env = append(os.Environ(), "GOFLAGS=-mod=vendor -buildvcs=false", "GOPROXY=off", "GOTOOLCHAIN=local", "GOWORK=off", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build vulnapp/cmd/called: %v\n%s", err, out)
	}
	db, err := filepath.Abs(osvDB)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "testdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(db, filepath.Join(dir, "testdata", "osv")); err != nil {
		t.Fatal(err)
	}
	vouchIn(t, dir, 0, "keygen", "--no-password", "--algorithm", "ed25519")
	return dir
}

// craVEX writes an OpenVEX document into dist: not_affected for one
// advisory in one component of product.
func craVEX(t *testing.T, dir, product, component, id string) {
	t.Helper()
	vouchIn(t, dir, 0, "vex", "create", "--product", product, "--subcomponent", component, "--vuln", id,
		"--status", "not_affected", "--justification", "vulnerable_code_not_in_execute_path",
		"--author", "Example Software GmbH <security@example.com>", "-o", filepath.Join("dist", "app.openvex.json"))
}

func craReport(t *testing.T, dir string, want int, extra ...string) *cra.Report {
	t.Helper()
	args := append([]string{"cra", "report", "--config", "cra.yaml", "--key", "vouch.pub", "--now", "2026-12-06"}, extra...)
	vouchIn(t, dir, want, append(args, "dist")...)
	name := filepath.Join(dir, "dist", "cra-report.json")
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	schematest.ValidateJSON(t, filepath.Join("..", "..", "schemas", "cra-report.schema.json"), data,
		filepath.Join("..", "..", "schemas", "verify-report.schema.json"))
	return readCRAJSON(t, name)
}

func vulnIDs(vs []cra.Vuln) []string {
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.Component.Name+" "+v.Vulnerability.ID)
	}
	return ids
}

func requirement(r *cra.Report, id string) cra.Requirement {
	for _, q := range r.Requirements {
		if q.ID == id {
			return q
		}
	}
	return cra.Requirement{}
}

// TestCRAReportVulnerabilities: on a real binary with known-vulnerable
// modules, the vulnerability items are missing evidence without a
// database and not met with it; a VEX not_affected statement about the
// product resolves exactly the advisory it names, and one about another
// product resolves nothing.
func TestCRAReportVulnerabilities(t *testing.T) {
	dir := craRelease(t)
	const abs = "testdata/osv"

	none := craReport(t, dir, ExitFailure)
	if st := requirement(none, "I.2.a").Status; st != cra.StatusMissingEvidence {
		t.Errorf("no --db: I.2.a %s, want missing evidence", st)
	}
	if !slices.Contains(none.Missing, "no vulnerability database given (--db DIR): vulnerabilities are unknown") {
		t.Errorf("no --db: missing %q", none.Missing)
	}

	all := craReport(t, dir, ExitFailure, "--db", abs)
	open := vulnIDs(all.Vulnerabilities.Open)
	for _, want := range []string{"gopkg.in/yaml.v2 GO-2022-0956", "gopkg.in/yaml.v2 GO-2020-0036", "golang.org/x/text GO-2021-0113", "golang.org/x/net GO-2021-0238"} {
		if !slices.Contains(open, want) {
			t.Errorf("--db: open vulnerabilities lack %s", want)
		}
	}
	if u := all.Vulnerabilities.Unmatched; len(u) != 0 {
		t.Errorf("--db: unmatched %q, want none (every component is a Go module)", u)
	}
	for _, id := range []string{"I.2.a", "II.2"} {
		if q := requirement(all, id); q.Status != cra.StatusNotMet || !slices.Contains(q.Evidence, "app: gopkg.in/yaml.v2@v2.2.2: 3 open (GO-2020-0036, GO-2021-0061, GO-2022-0956); all fixed in v2.2.8") {
			t.Errorf("--db: %s %s, evidence %q; want not met naming yaml.v2's three advisories", id, q.Status, q.Evidence)
		}
	}

	// VEX about another product: it covers nothing here.
	craVEX(t, dir, "pkg:golang/example.com/other@v1.0.0", "pkg:golang/gopkg.in/yaml.v2@v2.2.2", "GO-2022-0956")
	other := craReport(t, dir, ExitFailure, "--db", abs)
	if len(other.Vulnerabilities.Resolved) != 0 || !slices.Equal(vulnIDs(other.Vulnerabilities.Open), open) {
		t.Errorf("VEX for another product resolved %q", vulnIDs(other.Vulnerabilities.Resolved))
	}

	// VEX about this product: exactly GO-2022-0956 is resolved.
	craVEX(t, dir, "pkg:golang/example.com/vulnapp@v1.0.0", "pkg:golang/gopkg.in/yaml.v2@v2.2.2", "GO-2022-0956")
	vexed := craReport(t, dir, ExitFailure, "--db", abs)
	if got := vulnIDs(vexed.Vulnerabilities.Resolved); !slices.Equal(got, []string{"gopkg.in/yaml.v2 GO-2022-0956"}) {
		t.Errorf("VEX resolved %q, want exactly gopkg.in/yaml.v2 GO-2022-0956", got)
	}
	wantOpen := slices.DeleteFunc(slices.Clone(open), func(s string) bool { return s == "gopkg.in/yaml.v2 GO-2022-0956" })
	if got := vulnIDs(vexed.Vulnerabilities.Open); !slices.Equal(got, wantOpen) {
		t.Errorf("open after VEX: %d, want %d (all but GO-2022-0956)", len(got), len(wantOpen))
	}
	if q := requirement(vexed, "II.2"); !slices.Contains(q.Evidence, "app: gopkg.in/yaml.v2@v2.2.2: 2 open (GO-2020-0036, GO-2021-0061); all fixed in v2.2.8") {
		t.Errorf("after VEX: II.2 evidence %q, want yaml.v2's two remaining advisories", q.Evidence)
	}
	if d := vexed.Release.VEX; len(d) != 1 || d[0].Signed || d[0].Statements != 1 {
		t.Errorf("VEX documents %+v, want one unsigned with one statement", d)
	}

	// A VEX document that does not parse stops the run: nothing written.
	before, _ := os.ReadFile(filepath.Join(dir, "dist", "cra-report.html"))
	if err := os.WriteFile(filepath.Join(dir, "dist", "broken.vex.json"), []byte(`{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr := vouchIn(t, dir, ExitError, "cra", "report", "--config", "cra.yaml", "--key", "vouch.pub", "--db", abs, "dist")
	if !strings.Contains(stderr, "broken.vex.json") || !strings.Contains(stderr, "nothing written") {
		t.Errorf("stderr %q, want the broken VEX named and nothing written", stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "dist", "cra-report.html")); string(after) != string(before) {
		t.Error("a failed run changed cra-report.html")
	}
}

// TestCRAReadmeCommands runs README.md's CRA report commands, as written,
// with its cra.yaml, on the release workspace they describe; the report
// shows the statuses the README's screenshot caption gives.
func TestCRAReadmeCommands(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## CRA evidence report\n")
	section, _, _ = strings.Cut(section, "\n## ")
	_, yaml, ok2 := strings.Cut(section, "```yaml\n")
	yaml, rest, ok3 := strings.Cut(yaml, "```")
	_, block, ok4 := strings.Cut(rest, "```sh\n")
	block, _, ok5 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 || !ok4 || !ok5 {
		t.Fatal("README.md: no yaml and sh blocks in the CRA evidence report section")
	}
	if yaml != craConfig {
		t.Errorf("README.md's cra.yaml differs from the tests' craConfig:\n%s", yaml)
	}
	dir := craWorkspace(t)
	lines := strings.Split(strings.TrimSpace(block), "\n")
	for _, line := range lines {
		args := strings.Fields(line)
		if args[0] != "vouch" {
			t.Fatalf("README.md: %q is not a vouch command", line)
		}
		want := 0
		if args[1] == "cra" {
			want = ExitFailure // vulnerabilities are open: the README says so
		}
		vouchIn(t, dir, want, args[1:]...)
	}
	if len(lines) != 3 {
		t.Errorf("README.md: %d commands, want release, vex create and cra report", len(lines))
	}
	rep := readCRAJSON(t, filepath.Join(dir, "dist", "cra-report.json"))
	if s := rep.Summary; s.Met != 1 || s.NotMet != 3 || s.MissingEvidence != 0 || s.Declaration != 18 {
		t.Errorf("summary %+v; the README's caption says 1 met, 3 not met, 18 manufacturer's declarations", s)
	}
	if got := vulnIDs(rep.Vulnerabilities.Resolved); !slices.Equal(got, []string{"gopkg.in/yaml.v2 GO-2022-0956"}) {
		t.Errorf("resolved by VEX: %q, want gopkg.in/yaml.v2 GO-2022-0956", got)
	}
}

// TestCRAReportSignedVEX: a VEX document signed into the release (vouch
// release --vex) resolves the advisory it names; the same document signed
// by a key the report does not trust is shown as ignored, resolves
// nothing, and fails the artifact's verification as any untrusted bundle
// beside it does.
func TestCRAReportSignedVEX(t *testing.T) {
	dir := craWorkspace(t)
	vouchIn(t, dir, 0, "vex", "create", "--product", "pkg:golang/example.com/vulnapp@v1.0.0", "--subcomponent", "pkg:golang/gopkg.in/yaml.v2@v2.2.2",
		"--vuln", "GO-2022-0956", "--status", "not_affected", "--justification", "vulnerable_code_not_in_execute_path", "-o", "app.openvex.json")
	vouchIn(t, dir, 0, "release", "-q", "--key", "vouch.key", "--version", "v1.0.0", "--vex", "app.openvex.json", "dist")
	bundle := filepath.Join("dist", "app.openvex"+release.SuffixVEXBundle)

	signed := craReport(t, dir, ExitFailure, "--db", "testdata/osv")
	if got := vulnIDs(signed.Vulnerabilities.Resolved); !slices.Equal(got, []string{"gopkg.in/yaml.v2 GO-2022-0956"}) {
		t.Errorf("signed VEX resolved %q, want gopkg.in/yaml.v2 GO-2022-0956", got)
	}
	if d := signed.Release.VEX; len(d) != 1 || d[0].Name != bundle || !d[0].Signed || d[0].Ignored != "" || d[0].Statements != 1 {
		t.Errorf("VEX documents %+v, want %s signed and applied", d, bundle)
	}

	// The same statement signed by another key, in place of the release's.
	vouchIn(t, dir, 0, "keygen", "--no-password", "--algorithm", "ed25519", "--output-key-prefix", "other")
	vouchIn(t, dir, 0, "release", "-q", "--key", "other.key", "--version", "v1.0.0", "--vex", "app.openvex.json", "--out", "other", "dist/app")
	data, err := os.ReadFile(filepath.Join(dir, "other", "app.openvex"+release.SuffixVEXBundle))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, bundle), data, 0o644); err != nil {
		t.Fatal(err)
	}
	forged := craReport(t, dir, ExitFailure, "--db", "testdata/osv")
	if n := len(forged.Vulnerabilities.Resolved); n != 0 {
		t.Errorf("a VEX signed by an untrusted key resolved %d", n)
	}
	if d := forged.Release.VEX; len(d) != 1 || d[0].Name != bundle || d[0].Ignored == "" {
		t.Errorf("VEX documents %+v, want %s shown as ignored", d, bundle)
	}
	// A bundle beside the artifact that does not verify fails the artifact's
	// verification, as in vouch verify: its attested SBOM is then not read, so
	// the vulnerability items lack their evidence — never met.
	for _, id := range []string{"I.2.a", "II.2"} {
		if got, signedGot := requirement(forged, id).Status, requirement(signed, id).Status; got != cra.StatusMissingEvidence || signedGot == cra.StatusMissingEvidence {
			t.Errorf("%s: %s with the forged VEX, %s with the signed one; want missing evidence only with the forged one", id, got, signedGot)
		}
	}
}

// TestCRAReportKeylessIdentity: the report's trust is vouch verify's. A
// release signed keylessly on the public-good instance (a Sigstore
// conformance bundle over a.txt) is met for its signature with the
// signer's identity and issuer, offline; another identity makes it not
// met; no identity at all is the usage error vouch verify gives.
func TestCRAReportKeylessIdentity(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	noNetwork(t)
	dir := t.TempDir()
	dist := filepath.Join(dir, "dist")
	art, err := os.ReadFile(filepath.Join(conformanceDir, "a.txt"))
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := os.ReadFile(filepath.Join(conformanceDir, "happy-path-v0.3", "bundle.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(art)
	for name, data := range map[string][]byte{
		"a.txt": art, "a.txt.sigstore.json": bundle,
		"checksums.txt": fmt.Appendf(nil, "%x  a.txt\n", sum),
	} {
		if err := os.MkdirAll(dist, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dist, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "cra.yaml"), []byte(craConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	report := func(want int, flags ...string) *cra.Report {
		t.Helper()
		args := append([]string{"cra", "report", "--config", "cra.yaml", "--offline", "--now", "2026-12-06"}, flags...)
		vouchIn(t, dir, want, append(args, "dist")...)
		return readCRAJSON(t, filepath.Join(dist, "cra-report.json"))
	}
	right := report(ExitFailure, "--certificate-identity", conformanceIdentity, "--certificate-oidc-issuer", githubIssuer)
	if a := right.Release.Artifacts[0]; a.Signature.Status != cra.StatusMet || !strings.Contains(a.Signature.Detail, conformanceIdentity) {
		t.Errorf("the signer's identity: signature %+v, want met by %s", a.Signature, conformanceIdentity)
	}
	if m := right.Release.Manifest; m.Status != cra.StatusNotMet {
		t.Errorf("manifest without its signature: %+v, want not met", m)
	}
	wrong := report(ExitFailure, "--certificate-identity", "release@example.com", "--certificate-oidc-issuer", githubIssuer)
	if a := wrong.Release.Artifacts[0]; a.Signature.Status != cra.StatusNotMet || a.Verified {
		t.Errorf("another identity: signature %+v, verified %v; want not met", a.Signature, a.Verified)
	}
	if q := requirement(wrong, "II.7"); q.Status != cra.StatusNotMet {
		t.Errorf("another identity: II.7 %s, want not met", q.Status)
	}
	_, stderr := vouchIn(t, dir, ExitUsage, "cra", "report", "--config", "cra.yaml", "--offline", "dist")
	if !strings.Contains(stderr, "keyless bundles need an identity") {
		t.Errorf("no identity: %q", stderr)
	}
}
