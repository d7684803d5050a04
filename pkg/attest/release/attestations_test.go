package release_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/vouchdev/vouch/pkg/attest/keys"
	"github.com/vouchdev/vouch/pkg/attest/release"
)

// TestAttestations: Options.Attestations are signed about every artifact
// into their bundles; a name that is no release output (a later release
// would sign it as an artifact) or a path is refused, and so is a name
// another output has.
func TestAttestations(t *testing.T) {
	s, _, _ := newKey(t, keys.Ed25519, t.TempDir())
	dir := t.TempDir()
	for _, n := range []string{"a.txt", "b.txt"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	arts := []string{filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")}
	pred := []byte(`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[]}`)
	opts := options(s, t.TempDir())
	opts.Attestations = []release.Attestation{{Name: "app" + release.SuffixVEXBundle, PredicateType: "https://openvex.dev/ns/v0.2.0", Predicate: pred}}
	r, err := release.Plan(context.Background(), arts, opts)
	if err != nil {
		t.Fatal(err)
	}
	var bundle []byte
	for _, f := range r.Files {
		if filepath.Base(f.Path) == "app"+release.SuffixVEXBundle {
			bundle = f.Data
		}
	}
	if bundle == nil {
		t.Fatal("no VEX bundle among the outputs")
	}
	raw, err := base64.StdEncoding.DecodeString(string(payload(t, bundle)))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Subject []struct {
			Name string `json:"name"`
		} `json:"subject"`
		PredicateType string `json:"predicateType"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	if st.PredicateType != "https://openvex.dev/ns/v0.2.0" || len(st.Subject) != 2 || st.Subject[0].Name != "a.txt" || st.Subject[1].Name != "b.txt" {
		t.Errorf("statement %s", raw)
	}
	for _, name := range []string{"app.vex.json", "../app" + release.SuffixVEXBundle, release.ProvenanceName} {
		opts.Attestations[0].Name = name
		if _, err := release.Plan(context.Background(), arts, opts); !errors.Is(err, release.ErrConflict) {
			t.Errorf("name %q: %v, want ErrConflict", name, err)
		}
	}
}
