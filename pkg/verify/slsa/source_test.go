package slsa_test

import (
	"context"
	"strings"
	"testing"

	ita "github.com/in-toto/attestation/go/v1"

	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/attest/provenance"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
	"github.com/vouchdev/vouch/pkg/verify/slsa"
	"github.com/vouchdev/vouch/pkg/verify/slsa/slsatest"
)

// TestSourceIsNeverAToolchain: vouch's own provenance lists the Go
// toolchain (pkg:golang/stdlib) as a resolved dependency; the source is the
// git repository when one is known and nothing otherwise, never the
// toolchain (issue 8: CEL's provenance.source).
func TestSourceIsNeverAToolchain(t *testing.T) {
	github := map[string]string{
		"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com",
		"GITHUB_REPOSITORY": "vouchdev/example", "GITHUB_RUN_ID": "1", "GITHUB_RUN_ATTEMPT": "1",
		"GITHUB_SHA": "8f70009fde0c94ade6ce2a054b94718c819126ec", "GITHUB_REF": "refs/tags/v1.2.3",
		"GITHUB_EVENT_NAME": "push", "GITHUB_WORKFLOW_REF": "vouchdev/example/.github/workflows/release.yml@refs/tags/v1.2.3",
		"RUNNER_ENVIRONMENT": "github-hosted",
	}
	tests := []struct {
		name                string
		opts                provenance.Options
		source, ref, commit string
	}{
		{"no source, only the toolchain", provenance.Options{ExternalParams: map[string]string{"event": "manual"}}, "", "", ""},
		{"a git checkout", provenance.Options{Dir: "checkout"}, "github.com/vouchdev/example", "refs/heads/main", "8f70009fde0c94ade6ce2a054b94718c819126ec"},
		{"GitHub Actions", provenance.Options{Env: func(k string) string { return github[k] }},
			"github.com/vouchdev/example", "refs/tags/v1.2.3", "8f70009fde0c94ade6ce2a054b94718c819126ec"},
	}
	subjects := []*ita.ResourceDescriptor{attest.NewSubject("app", digest.Digests{SHA256: strings.Repeat("a", 64), SHA512: strings.Repeat("b", 128)})}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.GoVersion = "go1.26.8"
			if opts.Env == nil {
				opts.Env = func(string) string { return "" }
			}
			if opts.Dir == "checkout" {
				opts.Dir = slsatest.Checkout(t)
			}
			st, _, err := provenance.Generate(context.Background(), subjects, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(st.String(), "pkg:golang/stdlib@go1.26.8") {
				t.Fatalf("the provenance does not list the toolchain: %v", st)
			}
			p, err := slsa.Parse(st)
			if err != nil {
				t.Fatal(err)
			}
			if p.Source() != tt.source || p.SourceRef != tt.ref || p.SourceDigest["gitCommit"] != tt.commit {
				t.Errorf("source %q ref %q digest %v, want %q %q gitCommit:%q", p.Source(), p.SourceRef, p.SourceDigest, tt.source, tt.ref, tt.commit)
			}
		})
	}
}
