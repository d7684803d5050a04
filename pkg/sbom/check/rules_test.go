package check

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/licexpr/licexprtest"
)

const (
	sha256Hex = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
	sha512Hex = "f7fbba6e0636f890e56fbbf3283e524c6fa3204ae298382d624741d0dc6638326e282c41be5e4254d8820772c5518a2c5a8c0c7f7eda19594a7eb539453e1ed7"
)

// baseDoc passes every profile: a Go binary (the primary, deployable) and
// one module it links.
func baseDoc() *sbom.Document {
	return &sbom.Document{
		Name:      "app",
		Created:   time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Authors:   []sbom.Contact{{Name: "Example Org", Email: "sbom@example.com"}},
		Tools:     []sbom.Tool{{Vendor: "vouchdev", Name: "vouch", Version: "v0.1.0"}},
		Lifecycle: "build",
		Primary:   "app",
		Components: []sbom.Component{
			{
				ID: "app", Type: sbom.TypeApplication, Name: "app", Version: "v1.0.0", PURL: "pkg:golang/example.com/app@v1.0.0",
				Supplier: sbom.Contact{Name: "Example Org", URL: "https://example.com"},
				Licenses: sbom.Licenses{Declared: "MIT", Concluded: "MIT"},
				FileName: "app",
				Hashes:   []sbom.Hash{{Algorithm: sbom.SHA256, Value: sha256Hex}, {Algorithm: sbom.SHA512, Value: sha512Hex}},
			},
			{
				ID: "lib", Type: sbom.TypeLibrary, Name: "example.com/lib", Version: "v0.2.0", PURL: "pkg:golang/example.com/lib@v0.2.0",
				Supplier: sbom.Contact{Name: "Lib Authors", Email: "lib@example.com"},
				Licenses: sbom.Licenses{Declared: "Apache-2.0 OR MIT", Concluded: "Apache-2.0"},
				Hashes:   []sbom.Hash{{Algorithm: sbom.SHA256, Value: sha256Hex}},
			},
		},
		Dependencies: []sbom.Dependency{
			{Ref: "app", DependsOn: []string{"lib"}, Completeness: sbom.CompletenessComplete},
			{Ref: "lib", Completeness: sbom.CompletenessComplete},
		},
		Completeness: sbom.CompletenessComplete,
	}
}

func component(d *sbom.Document, id string) *sbom.Component { return d.Component(id) }

// TestRules: one case per rule and direction. Each case changes the passing
// base document (in the model, or in its CycloneDX 1.6 JSON bytes) and
// lists exactly the rules that must then fail, per profile.
func TestRules(t *testing.T) {
	type want map[string][]string // profile → rule ids
	cases := []struct {
		name   string
		spec   string // encoding; "" means cyclonedx-json@1.6
		model  func(d *sbom.Document)
		raw    func(b []byte) []byte
		expect want
	}{
		{name: "base passes", expect: want{}},
		{name: "base passes as SPDX 3", spec: "spdx-json@3.0", expect: want{}},
		{name: "base passes as CycloneDX XML", spec: "cyclonedx-xml@1.6", expect: want{}},
		{name: "CycloneDX 1.5", spec: "cyclonedx-json@1.5", expect: want{
			// 1.5 has no licence acknowledgement: the concluded licence is lost.
			BSIProfile: {BSIFormat, BSIDistributionLicence}}},
		{name: "SPDX 2.3", spec: "spdx-json@2.3", expect: want{BSIProfile: {BSIFormat}}},
		{name: "vulnerabilities", raw: func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"bomFormat"`), []byte(`"vulnerabilities": [{"id": "CVE-2024-0001"}], "bomFormat"`), 1)
		}, expect: want{BSIProfile: {BSINoVulnerabilities}}},
		{name: "empty vulnerabilities", raw: func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"bomFormat"`), []byte(`"vulnerabilities": [], "bomFormat"`), 1)
		}, expect: want{}},
		{name: "no serial number", raw: func(b []byte) []byte {
			return removeLine(b, `"serialNumber"`)
		}, expect: want{BSIProfile: {BSISBOMURI}}},
		{name: "creator by name only", model: func(d *sbom.Document) {
			d.Authors = []sbom.Contact{{Name: "Example Org"}}
		}, expect: want{BSIProfile: {BSICreator}}},
		{name: "creator by URL", model: func(d *sbom.Document) {
			d.Authors = []sbom.Contact{{Name: "Example Org", URL: "https://example.com"}}
		}, expect: want{}},
		{name: "no author", model: func(d *sbom.Document) { d.Authors = nil },
			expect: want{BSIProfile: {BSICreator}, NTIAProfile: {NTIAAuthor}, CISAProfile: {CISAAuthor}}},
		{name: "no timestamp", model: func(d *sbom.Document) { d.Created = time.Time{} },
			expect: want{BSIProfile: {BSITimestamp}, NTIAProfile: {NTIATimestamp}, CISAProfile: {CISATimestamp}}},
		{name: "component creator by name only", model: func(d *sbom.Document) {
			component(d, "lib").Supplier = sbom.Contact{Name: "Lib Authors"}
		}, expect: want{BSIProfile: {BSIComponentCreator}}},
		{name: "component creator from author email", model: func(d *sbom.Document) {
			c := component(d, "lib")
			c.Supplier = sbom.Contact{Name: "Lib Authors"}
			c.Author = "Jane Doe <jane@example.com>"
		}, expect: want{}},
		{name: "no supplier", model: func(d *sbom.Document) { component(d, "lib").Supplier = sbom.Contact{} },
			expect: want{BSIProfile: {BSIComponentCreator}, NTIAProfile: {NTIASupplier}, CISAProfile: {CISAProducer}}},
		{name: "no version", model: func(d *sbom.Document) { component(d, "lib").Version = "" },
			expect: want{BSIProfile: {BSIVersion}, NTIAProfile: {NTIAVersion}, CISAProfile: {CISAVersion}}},
		{name: "library without file name or SHA-512", model: func(d *sbom.Document) {
			component(d, "lib").Hashes = nil // not deployable: BSI does not ask
		}, expect: want{CISAProfile: {CISAHash}}},
		{name: "binary without SHA-512", model: func(d *sbom.Document) {
			component(d, "app").Hashes = []sbom.Hash{{Algorithm: sbom.SHA256, Value: sha256Hex}}
		}, expect: want{BSIProfile: {BSIHashSHA512}}},
		// Hash values are held to their algorithm's form: a malformed one
		// fails every hash rule that would count it (the attack), a
		// well-formed one of any known algorithm or case passes (the control).
		{name: "SHA-512 not a hash", raw: func(b []byte) []byte {
			return bytes.Replace(b, []byte(sha512Hex), []byte("not-a-hash"), 1)
		}, expect: want{BSIProfile: {BSIHashSHA512}, CISAProfile: {CISAHash}}},
		{name: "SHA-512 not a hash, SPDX 3", spec: "spdx-json@3.0", raw: func(b []byte) []byte {
			return bytes.ReplaceAll(b, []byte(sha512Hex), []byte("not-a-hash"))
		}, expect: want{BSIProfile: {BSIHashSHA512}, CISAProfile: {CISAHash}}},
		{name: "SHA-512 of SHA-256 length", raw: func(b []byte) []byte {
			return bytes.Replace(b, []byte(sha512Hex), []byte(sha256Hex), 1)
		}, expect: want{BSIProfile: {BSIHashSHA512}, CISAProfile: {CISAHash}}},
		{name: "SHA-512 in upper case", raw: func(b []byte) []byte {
			return bytes.Replace(b, []byte(sha512Hex), []byte(strings.ToUpper(sha512Hex)), 1)
		}, expect: want{}},
		{name: "library SHA-256 of 63 digits", model: func(d *sbom.Document) {
			component(d, "lib").Hashes = []sbom.Hash{{Algorithm: sbom.SHA256, Value: sha256Hex[1:]}}
		}, expect: want{CISAProfile: {CISAHash}}},
		{name: "library MD5 of SHA-1 length", model: func(d *sbom.Document) {
			component(d, "lib").Hashes = []sbom.Hash{{Algorithm: sbom.MD5, Value: sha256Hex[:40]}}
		}, expect: want{CISAProfile: {CISAHash}}},
		{name: "library SHA3-512, BLAKE2b-256 and BLAKE3", model: func(d *sbom.Document) {
			component(d, "lib").Hashes = []sbom.Hash{{Algorithm: "SHA3-512", Value: sha512Hex}, {Algorithm: "BLAKE2b-256", Value: sha256Hex}, {Algorithm: "BLAKE3", Value: sha256Hex}}
		}, expect: want{}},
		{name: "file component without file name", model: func(d *sbom.Document) {
			d.Components = append(d.Components, sbom.Component{ID: "data", Type: sbom.TypeFile, Name: "data.bin", Version: "1",
				PURL: "pkg:generic/data.bin@1", Supplier: sbom.Contact{Name: "Example Org", URL: "https://example.com"},
				Licenses: sbom.Licenses{Concluded: "MIT"}, Hashes: []sbom.Hash{{Algorithm: sbom.SHA512, Value: sha512Hex}}})
		}, expect: want{BSIProfile: {BSIArchive, BSIExecutable, BSIFilename, BSIStructured}}},
		{name: "file name is a path", model: func(d *sbom.Document) { component(d, "app").FileName = "bin/app" },
			expect: want{BSIProfile: {BSIFilename}}},
		{name: "executable property missing", raw: func(b []byte) []byte {
			return removeProperty(b, "bsi:component:executable")
		}, expect: want{BSIProfile: {BSIExecutable}}},
		{name: "archive property has an unknown value", raw: func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"value": "no archive"`), []byte(`"value": "maybe"`), 1)
		}, expect: want{BSIProfile: {BSIArchive}}},
		{name: "no compositions", raw: func(b []byte) []byte {
			i := bytes.Index(b, []byte(`,
  "compositions"`))
			return append(b[:i:i], []byte("\n}\n")...)
		}, expect: want{BSIProfile: {BSIDependencies}, CISAProfile: {CISACoverage}}},
		{name: "a dependency's dependency without completeness is out of scope", model: func(d *sbom.Document) {
			d.Components = append(d.Components, sbom.Component{ID: "deep", Type: sbom.TypeLibrary, Name: "example.com/deep", Version: "v1.0.0",
				PURL: "pkg:golang/example.com/deep@v1.0.0", Supplier: sbom.Contact{Name: "Deep", URL: "https://example.com/deep"},
				Licenses: sbom.Licenses{Concluded: "MIT"}, Hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: sha256Hex}}})
			d.Dependencies[1].DependsOn = []string{"deep"}
		}, expect: want{}},
		{name: "direct dependency without completeness", model: func(d *sbom.Document) {
			d.Dependencies = d.Dependencies[:1]
		}, expect: want{BSIProfile: {BSIDependencies}}},
		{name: "direct dependency with unknown completeness", model: func(d *sbom.Document) {
			d.Dependencies[1].Completeness = sbom.CompletenessUnknown
		}, expect: want{}},
		{name: "no primary", model: func(d *sbom.Document) { d.Primary = "" },
			expect: want{BSIProfile: {BSIDependencies}, NTIAProfile: {NTIADependencies}, CISAProfile: {CISADependencies}}},
		{name: "no licence", model: func(d *sbom.Document) { component(d, "lib").Licenses = sbom.Licenses{} },
			expect: want{BSIProfile: {BSIDistributionLicence}, CISAProfile: {CISALicence}}},
		{name: "declared licence only", model: func(d *sbom.Document) { component(d, "lib").Licenses.Concluded = "" },
			expect: want{BSIProfile: {BSIDistributionLicence}}},
		{name: "licence not on the SPDX list", model: func(d *sbom.Document) { component(d, "lib").Licenses.Concluded = "Apache-2" },
			expect: want{BSIProfile: {BSIDistributionLicence}, CISAProfile: {CISALicence}}},
		{name: "LicenseRef and WITH", model: func(d *sbom.Document) {
			component(d, "lib").Licenses.Concluded = "LicenseRef-Acme AND (GPL-2.0-or-later WITH Classpath-exception-2.0)"
		}, expect: want{}},
		{name: "original licence malformed", model: func(d *sbom.Document) { component(d, "lib").Licenses.Declared = "MIT OR" },
			expect: want{BSIProfile: {BSIOriginalLicence}, CISAProfile: {CISALicence}}},
		{name: "effective licence malformed", model: func(d *sbom.Document) {
			component(d, "lib").Properties = []sbom.Property{{Name: "bsi:component:effectiveLicense", Value: "NOASSERTION"}}
		}, expect: want{BSIProfile: {BSIEffectiveLicence}}},
		{name: "source URI not a URI", model: func(d *sbom.Document) {
			component(d, "lib").References = []sbom.ExternalRef{{Type: sbom.RefVCS, URL: "git@github.com:example/lib.git"}}
		}, expect: want{BSIProfile: {BSISourceURI}}},
		{name: "source URI", model: func(d *sbom.Document) {
			component(d, "lib").References = []sbom.ExternalRef{{Type: sbom.RefSourceDistribution, URL: "https://example.com/lib-src.tar.gz"}}
		}, expect: want{}},
		{name: "no identifier", model: func(d *sbom.Document) { component(d, "lib").PURL = "" },
			expect: want{NTIAProfile: {NTIAIdentifiers}, CISAProfile: {CISAIdentifiers}}},
		{name: "CPE only", model: func(d *sbom.Document) { component(d, "lib").PURL = "" }, raw: func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"bom-ref": "lib",`), []byte(`"bom-ref": "lib", "cpe": "cpe:2.3:a:example:lib:0.2.0:*:*:*:*:*:*:*",`), 1)
		}, expect: want{}},
		{name: "purl malformed", model: func(d *sbom.Document) { component(d, "lib").PURL = "pkg:" },
			expect: want{BSIProfile: {BSIIdentifiers}}},
		{name: "no tool, lifecycle or coverage", spec: "spdx-json@3.0", model: func(d *sbom.Document) {
			d.Tools, d.Lifecycle, d.Completeness = nil, "", sbom.CompletenessUnknown
			d.Dependencies[0].Completeness = sbom.CompletenessUnknown
		}, expect: want{CISAProfile: {CISACoverage, CISAGenerationContext, CISAToolName}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := baseDoc()
			if tc.model != nil {
				tc.model(d)
			}
			spec := tc.spec
			if spec == "" {
				spec = "cyclonedx-json@1.6"
			}
			b := encode(t, d, spec)
			if tc.raw != nil {
				b = tc.raw(b)
			}
			in := input(t, tc.name, b)
			for _, p := range profilesUnderTest {
				rep := run(t, in, p)
				checkReportInvariants(t, rep)
				w := slices.Clone(tc.expect[p])
				slices.Sort(w)
				if got := ruleIDs(rep); !slices.Equal(got, w) {
					t.Errorf("%s: failed rules %q, want %q\n%+v", p, got, w, rep.Findings)
				}
				if rep.Pass != (len(w) == 0 || p == BSIProfile && slices.Equal(w, []string{BSIEffectiveLicence})) {
					t.Errorf("%s: pass=%v", p, rep.Pass)
				}
			}
		})
	}
}

// removeLine drops the line of b that contains s.
func removeLine(b []byte, s string) []byte {
	var out [][]byte
	for _, l := range bytes.SplitAfter(b, []byte("\n")) {
		if !bytes.Contains(l, []byte(s)) {
			out = append(out, l)
		}
	}
	return bytes.Join(out, nil)
}

// removeProperty drops a CycloneDX JSON property entry named name (as the
// encoder writes it, over four lines).
func removeProperty(b []byte, name string) []byte {
	s := string(b)
	i := strings.Index(s, `"name": "`+name+`"`)
	start := strings.LastIndex(s[:i], "{")
	end := i + strings.Index(s[i:], "}") + 1
	if s[end] == ',' {
		end++
	} else if j := strings.LastIndex(s[:start], ","); j >= 0 {
		start = j
	}
	return []byte(s[:start] + s[end:])
}

// TestModelOnly: the policy entry point works on a model alone. Without a
// family and bytes the format-level rules are skipped (no finding, no
// check); with a family but no bytes they fail closed.
func TestModelOnly(t *testing.T) {
	in := &Input{Name: "model", Doc: baseDoc()}
	for _, p := range profilesUnderTest {
		rep := run(t, in, p)
		if len(rep.Findings) != 0 || !rep.Pass {
			t.Errorf("%s: model-only findings %+v", p, rep.Findings)
		}
	}
	withFamily := &Input{Name: "model", Doc: baseDoc(), Family: "cyclonedx", SpecVersion: "1.6"}
	rep := run(t, withFamily, BSIProfile)
	if rep.Pass {
		t.Fatal("a CycloneDX input without bytes passed bsi-tr-03183-2")
	}
	for _, id := range []string{BSINoVulnerabilities, BSISBOMURI, BSIDependencies, BSIExecutable} {
		if !slices.Contains(ruleIDs(rep), id) {
			t.Errorf("rule %s did not fail closed: %q", id, ruleIDs(rep))
		}
	}
	// Counting: model-only bsi makes fewer checks than the encoded document
	// (format, vulnerabilities, SBOM-URI are skipped), never zero.
	full := run(t, input(t, "encoded", encode(t, baseDoc(), "cyclonedx-json@1.6")), BSIProfile)
	model := run(t, in, BSIProfile)
	if model.Checks != full.Checks-3 || model.Checks == 0 {
		t.Errorf("checks: model-only %d, encoded %d", model.Checks, full.Checks)
	}
}

// TestUndecoded: a document that did not decode is an operational error for
// these profiles, never a pass.
func TestUndecoded(t *testing.T) {
	cause := errors.New("cyclonedx: duplicate bom-ref")
	for _, p := range profilesUnderTest {
		_, err := Run(context.Background(), &Input{Name: "bad.json", Family: "cyclonedx", DecodeErr: cause}, p)
		if !errors.Is(err, cause) {
			t.Errorf("%s: err %v, want it to wrap %v", p, err, cause)
		}
	}
}

// TestRuleTables: ids are unique, prefixed by their profile, and every rule
// cites a clause and has a severity.
func TestRuleTables(t *testing.T) {
	seen := map[string]bool{}
	for _, id := range profilesUnderTest {
		p, ok := Lookup(id)
		if !ok {
			t.Fatalf("profile %s not registered", id)
		}
		if len(p.Rules()) == 0 {
			t.Errorf("%s: no rules", id)
		}
		for _, r := range p.Rules() {
			if seen[r.ID] || !strings.HasPrefix(r.ID, id+".") || r.Clause == "" || r.Title == "" {
				t.Errorf("%s: bad rule %+v", id, r)
			}
			switch r.Severity {
			case SeverityError, SeverityWarning, SeverityInfo:
			default:
				t.Errorf("%s: severity %q", r.ID, r.Severity)
			}
			seen[r.ID] = true
		}
	}
}

// TestLicenceProblem: the shared table of SPDX expressions (the verify
// policy's tests read it too, so the two agree), then what sbom check asks
// beyond syntax: ids on the SPDX list, exceptions, NONE and NOASSERTION.
func TestLicenceProblem(t *testing.T) {
	for _, c := range licexprtest.ReadTable(t, "../licexpr/testdata/expressions.txt") {
		if got := licenceProblem(c.Expr); (got == "") != c.OK {
			t.Errorf("licenceProblem(%q) = %q, want ok=%v", c.Expr, got, c.OK)
		}
	}
	for expr, want := range map[string]string{
		"":                                  "empty",
		"NOASSERTION":                       "NOASSERTION is no licence",
		"NONE":                              "NONE is no licence",
		"MIT OR NONE":                       "NONE is no licence",
		"FooBar-1.0":                        `"FooBar-1.0" is not on the SPDX licence list`,
		"MIT WITH Nope":                     `"Nope" is not an SPDX licence exception`,
		"MIT or Apache-2.0":                 `operator "or" at 5 must be written OR`,
		"MIT AND LicenseRef-a.b":            "",
		"GPL-2.0+ WITH Bison-exception-2.2": "",
	} {
		if got := licenceProblem(expr); !strings.Contains(got, want) || want == "" && got != "" {
			t.Errorf("licenceProblem(%q) = %q, want %q", expr, got, want)
		}
	}
}

// TestHashFindingNamesComponentAndField: the finding about a malformed hash
// names the component, the field and what was wrong, in every format.
func TestHashFindingNamesComponentAndField(t *testing.T) {
	for spec, field := range map[string]string{
		"cyclonedx-json@1.6": "metadata.component.hashes",
		"spdx-json@3.0":      "verifiedUsing",
		"spdx-json@2.3":      "PackageChecksum",
	} {
		b := bytes.ReplaceAll(encode(t, baseDoc(), spec), []byte(sha512Hex), []byte(sha256Hex))
		rep := run(t, input(t, spec, b), BSIProfile)
		var f *Finding
		for i := range rep.Findings {
			if rep.Findings[i].ID == BSIHashSHA512 {
				f = &rep.Findings[i]
			}
		}
		if f == nil || f.Component != "app" || f.Field != field || !strings.Contains(f.Found, "SHA-512 value has 64 hex digits, want 128") {
			t.Errorf("%s: finding %+v, want component app, field %s and the length", spec, f, field)
		}
	}
}
