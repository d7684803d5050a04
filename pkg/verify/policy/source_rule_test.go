package policy

import (
	"context"
	"strings"
	"testing"

	ita "github.com/in-toto/attestation/go/v1"

	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/attest/provenance"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/slsa/slsatest"
)

// TestProvenanceSourceRule (issue 8, item 1): the bundled tour's rule
// "provenance names a source" on vouch-made provenance, which lists the Go
// toolchain (pkg:golang/stdlib) as a resolved dependency. Without a source
// repository the rule fails; with a checkout it passes.
func TestProvenanceSourceRule(t *testing.T) {
	checkout := slsatest.Checkout(t)
	const key = "1e908a55459fe6ddac1ccbc137ea8631ee837032fec2a2ccc528b38d81f17108"
	subjects := []*ita.ResourceDescriptor{attest.NewSubject(artifact.Name, digest.Digests{SHA256: art256, SHA512: art512})}
	for _, tt := range []struct {
		name string
		opts provenance.Options
		want verify.Status
	}{
		{"no source, only the toolchain", provenance.Options{ExternalParams: map[string]string{"event": "manual"}}, verify.StatusFail},
		{"a git checkout", provenance.Options{Dir: checkout}, verify.StatusPass},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Env, tt.opts.GoVersion = func(string) string { return "" }, "go1.26.8"
			st, _, err := provenance.Generate(context.Background(), subjects, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(st.String(), "pkg:golang/stdlib") {
				t.Fatal("the provenance does not list the toolchain")
			}
			p := mustParse(t, "rules:\n  - name: provenance-names-a-source\n    expression: provenance != null && provenance.source != \"\"\n")
			fs := p.Evaluate(context.Background(), artifact, []verify.Evidence{evidence("provenance.sigstore.json", st, verify.Signer{KeyID: key})}, Options{KeyIDs: []string{key}})
			if got := statusOf(fs, "rule.provenance-names-a-source"); got != tt.want {
				t.Errorf("rule %s, want %s\n%s", got, tt.want, dump(fs))
			}
		})
	}
}
