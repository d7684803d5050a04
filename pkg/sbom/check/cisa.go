package check

import (
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// CISAProfile is the id of the CISA 2025 minimum elements profile.
const CISAProfile = "cisa-2025"

// Clauses of CISA's "2025 Minimum Elements for a Software Bill of Materials
// (SBOM)" (public comment draft, August 2025), cited by element name (the
// draft does not number them). It keeps NTIA's elements, renaming "author"
// to "SBOM Author" and "supplier" to "Software Producer", and adds
// Component Hash, License, Tool Name, Generation Context and Coverage.
const (
	cisaDoc = "CISA 2025 Minimum Elements (draft)"
)

// Rule ids of the cisa-2025 profile.
const (
	CISAFormat            = "cisa-2025.document.format"
	CISAAuthor            = "cisa-2025.document.author"
	CISATimestamp         = "cisa-2025.document.timestamp"
	CISAToolName          = "cisa-2025.document.tool-name"
	CISAGenerationContext = "cisa-2025.document.generation-context"
	CISACoverage          = "cisa-2025.document.coverage"
	CISADependencies      = "cisa-2025.document.dependencies"
	CISAProducer          = "cisa-2025.component.producer"
	CISAName              = "cisa-2025.component.name"
	CISAVersion           = "cisa-2025.component.version"
	CISAIdentifiers       = "cisa-2025.component.identifiers"
	CISAHash              = "cisa-2025.component.hash"
	CISALicence           = "cisa-2025.component.licence"
)

var cisaTable = []spec{
	{Rule{CISAFormat, cisaDoc + ", Automation Support (kept from NTIA 2021)", "The SBOM is in a machine-readable format (SPDX, CycloneDX)", SeverityError}, elemFormat},
	{Rule{CISAAuthor, cisaDoc + ": SBOM Author", "The SBOM names its author", SeverityError}, elemAuthor},
	{Rule{CISATimestamp, cisaDoc + ": Timestamp", "The SBOM has a timestamp", SeverityError}, elemTimestamp},
	{Rule{CISAToolName, cisaDoc + ": Tool Name", "The SBOM names the tool that generated it", SeverityError}, cisaCheckToolName},
	{Rule{CISAGenerationContext, cisaDoc + ": Generation Context", "The SBOM says when it was generated (before, during or after build)", SeverityError}, cisaCheckGenerationContext},
	{Rule{CISACoverage, cisaDoc + ": Coverage", "The SBOM says how complete its component list is", SeverityError}, cisaCheckCoverage},
	{Rule{CISADependencies, cisaDoc + ": Dependency Relationship", "The primary component lists its direct dependencies, or says they are unknown", SeverityError}, elemDependencies},
	{Rule{CISAProducer, cisaDoc + ": Software Producer", "Each component names its producer", SeverityError}, elemSupplier},
	{Rule{CISAName, cisaDoc + ": Component Name", "Each component has a name", SeverityError}, elemName},
	{Rule{CISAVersion, cisaDoc + ": Component Version", "Each component has a version", SeverityError}, elemVersion},
	{Rule{CISAIdentifiers, cisaDoc + ": Software Identifiers", "Each component has a unique identifier (purl, CPE or SWID)", SeverityError}, elemIdentifiers},
	{Rule{CISAHash, cisaDoc + ": Component Hash", "Each component carries a cryptographic hash", SeverityError}, cisaCheckHash},
	{Rule{CISALicence, cisaDoc + ": License", "Each component has a licence as an SPDX identifier or expression", SeverityError}, cisaCheckLicence},
}

func init() {
	Register(&table{id: CISAProfile, title: "CISA 2025 minimum elements for an SBOM (draft)", specs: cisaTable})
}

// cisaCheckToolName: the name of the tool that generated the SBOM
// (CycloneDX metadata.tools, SPDX createdUsing / "Tool:" creators).
func cisaCheckToolName(e *evaluation, r Rule) {
	for _, t := range e.doc.Tools {
		if strings.TrimSpace(t.Name) != "" {
			e.pass()
			return
		}
	}
	e.fail(r, nil, e.f("metadata.tools", "CreationInfo.createdUsing", "creationInfo.creators (Tool)", "tools"),
		"the name of the generating tool", "nothing", "the SBOM does not name the tool that made it")
}

// cisaCheckGenerationContext: the software lifecycle phase the SBOM was
// generated in (CycloneDX metadata.lifecycles, SPDX 3 software_sbomType).
func cisaCheckGenerationContext(e *evaluation, r Rule) {
	e.check(strings.TrimSpace(e.doc.Lifecycle) != "", r, nil, e.f("metadata.lifecycles", "software_Sbom.software_sbomType", "creationInfo.comment (lifecycle)", "lifecycle"),
		"the generation context (e.g. pre-build, build, post-build)", "nothing", "the SBOM does not say when in the lifecycle it was generated")
}

// cisaCheckCoverage: a statement of how complete the SBOM's component list
// is — the document's completeness (CycloneDX: a composition over the
// primary component's assembly or the whole BOM, any aggregate including
// unknown), or failing that the primary component's dependency completeness.
func cisaCheckCoverage(e *evaluation, r Rule) {
	ok := e.doc.Completeness != sbom.CompletenessUnknown
	if e.raw != nil && e.raw.documentComposed {
		ok = true
	}
	if d := e.deps[e.doc.Primary]; d != nil && d.Completeness != sbom.CompletenessUnknown {
		ok = true
	}
	e.check(ok, r, nil, e.f("compositions[]", "dependsOn relationship completeness", "relationship comments (completeness)", "completeness"),
		"a statement of the component list's completeness", "nothing", "the SBOM does not say how complete it is")
}

// cisaCheckHash: a cryptographic hash of every component, any algorithm,
// on the component or its distribution reference. Unlike BSI's SHA-512
// rule, this element binds every component, library modules included.
func cisaCheckHash(e *evaluation, r Rule) {
	e.each(func(c *sbom.Component) {
		if e.hashFormFails(r, c) {
			return
		}
		if hashAlgorithms(c) != "" {
			e.pass()
			return
		}
		e.fail(r, c, e.cf(c, "hashes", "verifiedUsing", "PackageChecksum", "hashes"),
			"a cryptographic hash of the component", "nothing", "the component has no hash")
	})
}

// cisaCheckLicence: the component's licence, declared or concluded, as an
// SPDX expression.
func cisaCheckLicence(e *evaluation, r Rule) {
	e.each(func(c *sbom.Component) {
		field := e.cf(c, "licenses", "hasDeclaredLicense / hasConcludedLicense", "PackageLicenseDeclared / PackageLicenseConcluded", "licences")
		var exprs []string
		for _, x := range []string{c.Licenses.Concluded, c.Licenses.Declared} {
			if x != "" {
				exprs = append(exprs, x)
			}
		}
		if len(exprs) == 0 {
			e.fail(r, c, field, "an SPDX licence identifier or expression", "nothing", "the component has no licence")
			return
		}
		for _, x := range exprs {
			if p := e.licenceProblem(x); p != "" {
				e.fail(r, c, field, "an SPDX licence identifier or expression", quoted(x), "the licence is not an SPDX expression: "+p)
				return
			}
		}
		e.pass()
	})
}
