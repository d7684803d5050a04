package sbom_test

import (
	"errors"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/sbomtest"
)

func TestSampleIsValid(t *testing.T) {
	if err := sbomtest.Sample().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateRejectsDanglingReferences(t *testing.T) {
	for name, mutate := range map[string]func(*sbom.Document){
		"dangling dependsOn": func(d *sbom.Document) { d.Dependencies[0].DependsOn = append(d.Dependencies[0].DependsOn, "nope") },
		"dangling ref":       func(d *sbom.Document) { d.Dependencies[0].Ref = "nope" },
		"unknown primary":    func(d *sbom.Document) { d.Primary = "nope" },
		"duplicate id":       func(d *sbom.Document) { d.Components[1].ID = d.Components[0].ID },
		"empty id":           func(d *sbom.Document) { d.Components[2].ID = "" },
	} {
		d := sbomtest.Sample()
		mutate(d)
		if err := d.Validate(); !errors.Is(err, sbom.ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
}

func TestDigestIgnoresOrderAndTime(t *testing.T) {
	a, b := sbomtest.Sample(), sbomtest.Sample()
	b.Components[0], b.Components[3] = b.Components[3], b.Components[0]
	b.Created = b.Created.AddDate(1, 0, 0)
	if a.Digest() != b.Digest() {
		t.Fatal("digest depends on component order or timestamp")
	}
	b.Components[1].Version = "v9"
	if a.Digest() == b.Digest() {
		t.Fatal("digest ignores a changed version")
	}
}

func TestNormalizeMergesDependencies(t *testing.T) {
	d := &sbom.Document{Dependencies: []sbom.Dependency{
		{Ref: "b", DependsOn: []string{"z", "y"}, Completeness: sbom.CompletenessComplete},
		{Ref: "a"},
		{Ref: "b", DependsOn: []string{"y", "x"}, Completeness: sbom.CompletenessIncomplete},
	}}
	d.Normalize()
	if len(d.Dependencies) != 2 || d.Dependencies[0].Ref != "a" {
		t.Fatalf("got %+v", d.Dependencies)
	}
	b := d.Dependencies[1]
	if got := b.DependsOn; len(got) != 3 || got[0] != "x" || got[2] != "z" {
		t.Errorf("DependsOn = %v", got)
	}
	if b.Completeness != sbom.CompletenessIncomplete {
		t.Errorf("completeness = %q, want incomplete (the weaker claim)", b.Completeness)
	}
}

func TestUUIDFromDigest(t *testing.T) {
	u := sbom.UUIDFromDigest(sbomtest.Sample().Digest())
	if len(u) != 36 || u[14] != '8' {
		t.Fatalf("not a v8 UUID: %q", u)
	}
	if u != sbom.UUIDFromDigest(sbomtest.Sample().Digest()) {
		t.Fatal("not deterministic")
	}
}

func TestCloneIsDeep(t *testing.T) {
	a := sbomtest.Sample()
	b := a.Clone()
	b.Components[0].Hashes[0].Value = "changed"
	b.Components[1].Properties[0].Value = "changed"
	b.Dependencies[1].DependsOn[0] = "changed"
	b.Authors[0].Name = "changed"
	if a.Digest() != sbomtest.Sample().Digest() || a.Authors[0].Name == "changed" {
		t.Fatal("changing the clone changed the original")
	}
}
