package check

import (
	"slices"
	"testing"

	"github.com/vouchdev/vouch/pkg/finding"
)

// TestSyftGoBinary: an SBOM in the shape syft v1.42 writes for a Go binary
// gets the BSI findings a reviewer expects, and no others.
func TestSyftGoBinary(t *testing.T) {
	in := inputFile(t, "testdata/syft-go-binary.cdx.json")
	want := map[string][]string{
		BSIProfile: {
			BSIArchive,             // the binary file components lack bsi:component:archive,
			BSIComponentCreator,    // nobody says how to reach the modules' creators,
			BSIDependencies,        // no compositions, and the scanned file lists no dependencies,
			BSIDistributionLicence, // stdlib's licence is unacknowledged (declared), the rest have none,
			BSIExecutable,          // ... bsi:component:executable,
			BSIFilename,            // ... bsi:component:filename,
			BSIHashSHA512,          // the binary has only a SHA-256,
			BSIStructured,          // ... bsi:component:structured,
			BSIVersion,             // the file components have no version,
			BSICreator,             // no manufacturer or author with an email or URL.
		},
		NTIAProfile: {
			NTIAIdentifiers, // the file components have no purl or CPE
			NTIASupplier,
			NTIAVersion,
			NTIAAuthor,
			NTIADependencies,
		},
		CISAProfile: {
			CISAHash, CISAIdentifiers, CISALicence, CISAProducer, CISAVersion,
			CISAAuthor, CISACoverage, CISADependencies, CISAGenerationContext, // no metadata.lifecycles
		},
	}
	for _, p := range profilesUnderTest {
		rep := run(t, in, p)
		checkReportInvariants(t, rep)
		got := ruleIDs(rep)
		w := slices.Clone(want[p])
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("%s: rules\n got %q\nwant %q", p, got, w)
		}
		if rep.Pass {
			t.Errorf("%s: passed", p)
		}
	}

	// The findings name the component and the field, and say what was found.
	rep := run(t, in, BSIProfile)
	var sha []Finding
	for _, f := range rep.Findings {
		if f.ID == BSIHashSHA512 {
			sha = append(sha, f)
		}
	}
	wantSHA := []Finding{
		{ID: BSIHashSHA512, Component: "a9c8b7d6e5f40312", Field: "components[].externalReferences[type=distribution].hashes (SHA-512)", Found: "SHA-256"},
		{ID: BSIHashSHA512, Component: "af63bd4c8601b7f1", Field: "metadata.component.externalReferences[type=distribution].hashes (SHA-512)", Found: "nothing"},
	}
	if len(sha) != len(wantSHA) {
		t.Fatalf("SHA-512 findings %+v", sha)
	}
	for i, w := range wantSHA {
		g := sha[i]
		if g.Component != w.Component || g.Field != w.Field || g.Found != w.Found || g.Level != finding.LevelError || mustRule(t, g.ID).Clause != "TR-03183-2 v2.1.0 §5.2.2" {
			t.Errorf("SHA-512 finding %d: %+v, want %+v", i, g, w)
		}
	}
	// Library modules are not deployable: no SHA-512 finding names them.
	for _, f := range rep.Findings {
		if (f.ID == BSIHashSHA512 || f.ID == BSIFilename) && f.PURL != "" {
			t.Errorf("%s applied to the module %s", f.ID, f.PURL)
		}
	}
}
