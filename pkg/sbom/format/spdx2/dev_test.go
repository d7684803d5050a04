package spdx2

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/pkg/sbom/sbomtest"
)

// TestDevelopmentDependency: an edge to a development-only component is
// "dev DEV_DEPENDENCY_OF main"; the main module's other edges stay
// DEPENDS_ON; the document is schema-valid and reads back the same.
func TestDevelopmentDependency(t *testing.T) {
	want := sbomtest.WithDevelopment()
	b := encode(t, Encoder{}, want)
	schematest.ValidateJSON(t, schemaPath, b)
	var doc struct {
		Packages []struct {
			SPDXID string `json:"SPDXID"`
			Name   string `json:"name"`
		} `json:"packages"`
		Relationships []struct {
			A    string `json:"spdxElementId"`
			B    string `json:"relatedSpdxElement"`
			Type string `json:"relationshipType"`
		} `json:"relationships"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	id := map[string]string{}
	for _, p := range doc.Packages {
		id[p.Name] = p.SPDXID
	}
	types := map[[2]string]string{}
	for _, r := range doc.Relationships {
		types[[2]string{r.A, r.B}] = r.Type
	}
	main, mod, cobra := id["hello"], id["golang.org/x/mod"], id["github.com/spf13/cobra"]
	if got := types[[2]string{mod, main}]; got != "DEV_DEPENDENCY_OF" {
		t.Errorf("x/mod → hello: %q, want DEV_DEPENDENCY_OF", got)
	}
	if _, ok := types[[2]string{main, mod}]; ok {
		t.Errorf("hello DEPENDS_ON x/mod is written too: the edge is development-only")
	}
	if got := types[[2]string{main, cobra}]; got != "DEPENDS_ON" {
		t.Errorf("hello → cobra: %q, want DEPENDS_ON (a required dependency)", got)
	}
	if got := decode(t, b); !reflect.DeepEqual(got, want) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", got, want)
	}
}
