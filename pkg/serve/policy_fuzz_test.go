package serve

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify/policy"
)

// FuzzParsePolicy: the decoder of PUT /v1/namespaces/{ns}/policy bodies
// never panics; what it refuses it refuses as policy.ErrInvalid (the
// client's 400, never a 500); what it accepts is compiled and names no
// file on the server (keys, trusted root, layout), however the YAML is
// spelled.
func FuzzParsePolicy(f *testing.F) {
	examples, err := filepath.Glob("../../examples/policy/*.yaml")
	if err != nil || len(examples) == 0 {
		f.Fatalf("no seeds: the example policies are missing (%v)", err)
	}
	for _, name := range examples {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	const head = "apiVersion: vouch.dev/v1\nkind: Policy\n"
	for _, doc := range []string{
		head,
		head + "trust: {keys: [/etc/hostname]}\n",
		head + "trust: {keys: [/etc/hostname], identities: 3}\n",
		head + "trust:\n  trustedRoot: /etc/hostname\n",
		head + "layout: {file: /etc/hostname}\n",
		head + "Trust: {Keys: [/etc/hostname]}\n",
		head + "trust: &t {keys: [/k]}\nx: *t\n",
		head + "slsa: {sourceRefs: ['[']}\n",
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := parsePolicy("fuzz", doc)
		if err != nil {
			if !errors.Is(err, policy.ErrInvalid) {
				t.Fatalf("refused without policy.ErrInvalid (a 500, not a 400): %v", err)
			}
			return
		}
		if p == nil || p.APIVersion != policy.APIVersion || p.Kind != policy.Kind {
			t.Fatalf("accepted a wrong policy: %+v", p)
		}
		if len(p.Trust.Keys) > 0 || p.Trust.TrustedRoot != "" || p.Layout != nil {
			t.Fatalf("accepted a policy naming server files: keys %q, trustedRoot %q, layout %v", p.Trust.Keys, p.Trust.TrustedRoot, p.Layout != nil)
		}
	})
}
