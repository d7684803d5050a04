package check

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/finding"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// corpus lists the third-party example documents whose findings are kept as
// golden files. They are the copies in the repository's testdata (see the
// ORIGIN files there): the CycloneDX specification's valid 1.6 and 1.7
// examples, the SPDX 2.2/2.3 examples and the SPDX 3.0.1 example.
func corpus(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, glob := range []string{
		"../../../testdata/cyclonedx/examples/valid-1.6/*.json",
		"../../../testdata/cyclonedx/examples/valid-1.7/*.json",
		"../../../testdata/spdx/examples/*.spdx*",
		"../../../testdata/spdx/examples/tools-python/*.spdx",
		"../../../testdata/spdx3/package_sbom-*.json",
	} {
		m, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 100 {
		t.Fatalf("corpus: %d files, expected the CycloneDX and SPDX examples in ../../../testdata", len(files))
	}
	slices.Sort(files)
	return files
}

// goldenName maps a corpus path to its golden file.
func goldenName(path string) string {
	rel := strings.TrimPrefix(filepath.ToSlash(path), "../../../testdata/")
	return filepath.Join("testdata", "golden", strings.ReplaceAll(rel, "/", "__")+".findings.json")
}

// TestCorpusGolden checks every corpus document with the three profiles and
// compares the []Report JSON with its golden file. Documents the decoders
// reject are listed in the golden file too, as their error.
func TestCorpusGolden(t *testing.T) {
	for _, path := range corpus(t) {
		t.Run(strings.TrimPrefix(filepath.ToSlash(path), "../../../testdata/"), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			in, err := tryInput(path, raw)
			if err != nil {
				got = []byte(`{"decodeError": ` + strconvQuote(err.Error()) + "}\n")
			} else {
				var reports []Report
				for _, p := range profilesUnderTest {
					rep := run(t, in, p)
					checkReportInvariants(t, rep)
					reports = append(reports, rep)
				}
				got, err = json.MarshalIndent(reports, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, '\n')
			}
			golden := goldenName(path)
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("findings differ from %s (run with -update and review the diff):\n%s", golden, got)
			}
		})
	}
}

// checkReportInvariants: every finding of a report belongs to one of its
// profile's rules, carries that rule's clause and severity, names a field,
// what was expected and what was found; no more checks failed than were made.
func checkReportInvariants(t *testing.T, rep Report) {
	t.Helper()
	p, _ := Lookup(rep.Profile)
	rules := map[string]Rule{}
	for _, r := range p.Rules() {
		rules[r.ID] = r
	}
	if rep.Failed > rep.Checks {
		t.Errorf("%s: %d failed of %d checks", rep.Profile, rep.Failed, rep.Checks)
	}
	for _, f := range rep.Findings {
		r, ok := rules[f.ID]
		if c, _ := finding.Lookup(f.ID); !ok || c != r.Catalogued() || f.Level != r.Severity.Level() || f.Status != finding.StatusFail {
			t.Errorf("%s: finding %+v does not match its rule %+v", rep.Profile, f, r)
		}
		if f.Field == "" || f.Expected == "" || f.Found == "" || f.Message == "" {
			t.Errorf("%s: finding with an empty field: %+v", rep.Profile, f)
		}
	}
}
