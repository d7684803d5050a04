package spdx3

import (
	"slices"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom/sbomtest"
)

// TestDevelopmentDependency: the main module's edge to a development-only
// component is a LifecycleScopedRelationship of scope development, its
// other edges a plain dependsOn; the document is schema-valid and reads
// back the same.
func TestDevelopmentDependency(t *testing.T) {
	want := sbomtest.WithDevelopment()
	b := encode(t, want)
	validateSchema(t, b)
	g := graphOf(t, b)
	main := byName(g, classPackage, "hello")["spdxId"]
	mod := byName(g, classPackage, "golang.org/x/mod")["spdxId"]
	cobra := byName(g, classPackage, "github.com/spf13/cobra")["spdxId"]
	var scoped, plain []map[string]any
	for _, r := range byType(g, classScopedRel) {
		if r["from"] == main {
			scoped = append(scoped, r)
		}
	}
	for _, r := range byType(g, classRelationship) {
		if r["from"] == main && r["relationshipType"] == "dependsOn" {
			plain = append(plain, r)
		}
	}
	if len(scoped) != 1 || scoped[0]["scope"] != "development" || scoped[0]["relationshipType"] != "dependsOn" ||
		!slices.Equal(strs(scoped[0]["to"]), []string{mod.(string)}) {
		t.Errorf("scoped relationships from hello: %v, want one dependsOn x/mod of scope development", scoped)
	}
	if len(plain) != 1 || !slices.Contains(strs(plain[0]["to"]), cobra.(string)) || slices.Contains(strs(plain[0]["to"]), mod.(string)) {
		t.Errorf("dependsOn from hello: %v, want cobra and stdlib, not x/mod", plain)
	}
	compareDocs(t, decodeBytes(t, b), want)
}
