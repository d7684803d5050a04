package format_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/format"
)

func decodeFile(t *testing.T, path string) *sbom.Document {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := format.Decode(context.Background(), bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return d
}

func roundTrip(t *testing.T, d *sbom.Document, spec string) *sbom.Document {
	t.Helper()
	s, err := format.ParseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := format.NewEncoder(s)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := enc.Encode(&buf, d); err != nil {
		t.Fatalf("encode %s: %v", spec, err)
	}
	back, _, err := format.Decode(context.Background(), &buf)
	if err != nil {
		t.Fatalf("decode %s: %v", spec, err)
	}
	return back
}

func losses(t *testing.T, d *sbom.Document, spec string) []string {
	s, err := format.ParseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	return format.Losses(d, s)
}

// find locates a component after a round trip, by ID, purl or name@version.
func find(d *sbom.Document, c *sbom.Component) *sbom.Component {
	if c == nil {
		return nil
	}
	if m := d.Component(c.ID); m != nil {
		return m
	}
	var hit []*sbom.Component
	for i := range d.Components {
		m := &d.Components[i]
		if (c.PURL != "" && m.PURL == c.PURL) || (c.PURL == "" && m.Name == c.Name && m.Version == c.Version) {
			hit = append(hit, m)
		}
	}
	if len(hit) == 1 {
		return hit[0]
	}
	return nil
}

func hasEdge(d *sbom.Document, from, to string) bool {
	for _, dep := range d.Dependencies {
		if dep.Ref == from && slices.Contains(dep.DependsOn, to) {
			return true
		}
	}
	return false
}

// TestConvertRoundTripKeepsOrReports is the property of `vouch sbom
// convert`: CycloneDX → SPDX (2.3 JSON, 3.0.1) → CycloneDX keeps every
// component, purl, version, hash, licence and dependency edge, or Losses
// reported the loss on the way.
func TestConvertRoundTripKeepsOrReports(t *testing.T) {
	root := filepath.Join("..", "..", "..", "testdata")
	var files []string
	for _, p := range []string{
		filepath.Join(root, "cyclonedx", "examples", "valid-1.6", "*.json"),
		filepath.Join(root, "cyclonedx", "examples", "valid-1.7", "*.json"),
		filepath.Join(root, "spdx", "examples", "*.spdx*"),
		filepath.Join(root, "spdx3", "package_sbom-3.0.1.json"),
		filepath.Join("cyclonedx", "testdata", "golden", "*.cdx.json"),
	} {
		m, _ := filepath.Glob(p)
		files = append(files, m...)
	}
	if len(files) < 90 {
		t.Fatalf("only %d corpus files", len(files))
	}
	kept, reported := 0, 0
	for _, f := range files {
		a := decodeFile(t, f)
		format.Complete(a, filepath.Base(f), time.Unix(1700000000, 0)) // as `vouch sbom convert` does
		for _, via := range []string{"spdx-json@2.3", "spdx-json@3.0"} {
			t.Run(filepath.Base(f)+"/"+via, func(t *testing.T) {
				l1 := losses(t, a, via)
				b := roundTrip(t, a, via)
				l2 := losses(t, b, "cyclonedx-json@1.6")
				c := roundTrip(t, b, "cyclonedx-json@1.6")
				check := func(ac *sbom.Component, field string, same bool) {
					if same {
						kept++
						return
					}
					bc := find(b, ac)
					if slices.Contains(l1, ac.ID+": "+field) || (bc != nil && slices.Contains(l2, bc.ID+": "+field)) {
						reported++
						return
					}
					t.Errorf("%s: %s lost in the round trip and not reported\n  losses to %s: %v\n  losses back: %v", ac.ID, field, via, l1, l2)
				}
				for i := range a.Components {
					ac := &a.Components[i]
					cc := find(c, find(b, ac))
					if cc == nil {
						check(ac, "component", false)
						continue
					}
					check(ac, "purl", ac.PURL == cc.PURL)
					check(ac, "version", ac.Version == cc.Version)
					check(ac, "licenses.declared", ac.Licenses.Declared == cc.Licenses.Declared)
					check(ac, "licenses.concluded", ac.Licenses.Concluded == cc.Licenses.Concluded)
					for _, h := range ac.Hashes {
						check(ac, "hashes["+string(h.Algorithm)+"]", cc.Hash(h.Algorithm) == h.Value)
					}
				}
				for _, dep := range a.Dependencies {
					from := find(c, find(b, a.Component(dep.Ref)))
					for _, to := range dep.DependsOn {
						tc := find(c, find(b, a.Component(to)))
						if from != nil && tc != nil && hasEdge(c, from.ID, tc.ID) {
							kept++
							continue
						}
						f := "dependsOn " + to
						if slices.Contains(l1, dep.Ref+": "+f) || slices.ContainsFunc(l2, func(s string) bool { return strings.HasSuffix(s, ": dependsOn "+to) }) ||
							slices.Contains(l1, dep.Ref+": component") || slices.Contains(l1, to+": component") {
							reported++
							continue
						}
						t.Errorf("edge %s → %s lost and not reported\n  losses: %v\n  losses back: %v", dep.Ref, to, l1, l2)
					}
				}
			})
		}
	}
	t.Logf("%d facts kept, %d losses reported", kept, reported)
	if kept == 0 {
		t.Error("nothing compared")
	}
}
