package check

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// BSIProfile is the id of the BSI TR-03183-2 profile.
const BSIProfile = "bsi-tr-03183-2"

// Clauses of BSI TR-03183-2 "Cyber Resilience Requirements for
// Manufacturers and Products, Part 2: Software Bill of Materials (SBOM)".
// The rules follow v2.1.0 (2025-08-20); where v2.0.0 (2024-09-20) differs,
// the rule's doc comment says so. An SBOM delivered while v2.0.0 was current
// stays compliant with v2.0.0; this profile judges against v2.1.0.
//
// Section numbers: §4 is the chapter on SBOM formats, §5.2.1 the required
// fields of the SBOM itself, §5.2.2 the required fields of each component,
// §5.2.3 and §5.2.4 the additional fields that MUST be given if they exist,
// §5.2.5 the optional fields. The ban on vulnerability data is cited by its
// wording, its section number not being pinned here.
const (
	bsiFormat   = "TR-03183-2 v2.1.0 §4"
	bsiNoVulns  = "TR-03183-2 v2.1.0, “an SBOM MUST NOT contain vulnerability information”"
	bsiSBOM     = "TR-03183-2 v2.1.0 §5.2.1"
	bsiComp     = "TR-03183-2 v2.1.0 §5.2.2"
	bsiSBOMAdd  = "TR-03183-2 v2.1.0 §5.2.3"
	bsiCompAdd  = "TR-03183-2 v2.1.0 §5.2.4"
	bsiCompOpt  = "TR-03183-2 v2.1.0 §5.2.5"
	bsiEffLicen = "bsi:component:effectiveLicense"
)

// Rule ids of the bsi-tr-03183-2 profile. They are stable: renaming one
// breaks users' policies and suppressions.
const (
	BSIFormat              = "bsi-tr-03183-2.document.format"
	BSINoVulnerabilities   = "bsi-tr-03183-2.document.no-vulnerabilities"
	BSICreator             = "bsi-tr-03183-2.document.creator"
	BSITimestamp           = "bsi-tr-03183-2.document.timestamp"
	BSISBOMURI             = "bsi-tr-03183-2.document.sbom-uri"
	BSIComponentCreator    = "bsi-tr-03183-2.component.creator"
	BSIName                = "bsi-tr-03183-2.component.name"
	BSIVersion             = "bsi-tr-03183-2.component.version"
	BSIFilename            = "bsi-tr-03183-2.component.filename"
	BSIDependencies        = "bsi-tr-03183-2.component.dependencies"
	BSIDistributionLicence = "bsi-tr-03183-2.component.distribution-licence"
	BSIHashSHA512          = "bsi-tr-03183-2.component.hash-sha512"
	BSIExecutable          = "bsi-tr-03183-2.component.executable"
	BSIArchive             = "bsi-tr-03183-2.component.archive"
	BSIStructured          = "bsi-tr-03183-2.component.structured"
	BSISourceURI           = "bsi-tr-03183-2.component.source-uri"
	BSIDeployableURI       = "bsi-tr-03183-2.component.deployable-uri"
	BSIIdentifiers         = "bsi-tr-03183-2.component.identifiers"
	BSIOriginalLicence     = "bsi-tr-03183-2.component.original-licence"
	BSIEffectiveLicence    = "bsi-tr-03183-2.component.effective-licence"
)

// bsiTable is the profile's rule table, in the order of the guideline.
var bsiTable = []spec{
	{Rule{BSIFormat, bsiFormat, "JSON or XML, CycloneDX 1.6 or later or SPDX 3.0.1 or later", SeverityError}, bsiCheckFormat},
	{Rule{BSINoVulnerabilities, bsiNoVulns, "The SBOM contains no vulnerability data", SeverityError}, bsiCheckNoVulnerabilities},
	{Rule{BSICreator, bsiSBOM, "The creator of the SBOM is given by email address or URL", SeverityError}, bsiCheckCreator},
	{Rule{BSITimestamp, bsiSBOM, "The SBOM has a timestamp", SeverityError}, bsiCheckTimestamp},
	{Rule{BSISBOMURI, bsiSBOMAdd, "The SBOM has a URI (CycloneDX serialNumber + version, SPDX document id)", SeverityError}, bsiCheckSBOMURI},
	{Rule{BSIComponentCreator, bsiComp, "Each component's creator is given by email address or URL", SeverityError}, bsiCheckComponentCreator},
	{Rule{BSIName, bsiComp, "Each component has a name", SeverityError}, elemName},
	// §5.2.2: the creator's version, or the file's modification date (RFC
	// 3339) when there is none; either is written to the version field.
	{Rule{BSIVersion, bsiComp, "Each component has a version", SeverityError}, versionCheck("a version, or the file's RFC 3339 modification date")},
	{Rule{BSIFilename, bsiComp, "Each deployable component names its file (a name, not a path)", SeverityError}, bsiCheckFilename},
	{Rule{BSIDependencies, bsiComp, "The primary component and its direct dependencies list their dependencies with completeness", SeverityError}, bsiCheckDependencies},
	{Rule{BSIDistributionLicence, bsiComp, "Each component has a distribution licence as an SPDX identifier or expression", SeverityError}, bsiCheckDistributionLicence},
	{Rule{BSIHashSHA512, bsiComp, "Each deployable component carries a SHA-512 hash", SeverityError}, bsiCheckSHA512},
	{Rule{BSIExecutable, bsiComp, "Each deployable component says whether it is executable", SeverityError}, bsiCheckProperty(sbom.BSIExecutable, "executable", "non-executable")},
	{Rule{BSIArchive, bsiComp, "Each deployable component says whether it is an archive", SeverityError}, bsiCheckProperty(sbom.BSIArchive, "archive", "no archive")},
	{Rule{BSIStructured, bsiComp, "Each deployable component says whether it is structured", SeverityError}, bsiCheckProperty(sbom.BSIStructured, "structured", "unstructured")},
	{Rule{BSISourceURI, bsiCompAdd, "A component's source code URI, where given, is a URI", SeverityError}, bsiCheckSourceURI},
	{Rule{BSIDeployableURI, bsiCompAdd, "A component's deployable-form URI, where given, is a URI reference", SeverityError}, bsiCheckDeployableURI},
	{Rule{BSIIdentifiers, bsiCompAdd, "A component's other identifiers (purl, CPE, SWID), where given, are well-formed", SeverityError}, bsiCheckIdentifiers},
	{Rule{BSIOriginalLicence, bsiCompAdd, "A component's original licence, where given, is an SPDX identifier or expression", SeverityError}, bsiCheckOriginalLicence},
	{Rule{BSIEffectiveLicence, bsiCompOpt, "A component's effective licence, where given, is an SPDX identifier or expression", SeverityInfo}, bsiCheckEffectiveLicence},
}

func init() {
	Register(&table{id: BSIProfile, title: "BSI TR-03183-2 v2.1.0 (Software Bill of Materials)", specs: bsiTable})
}

// bsiCheckFormat: §4 accepts JSON or XML in CycloneDX 1.6 or later or SPDX
// 3.0.1 or later. v2.0.0 accepted CycloneDX 1.5 and SPDX 2.2.1 or later:
// an SPDX 2.3 or CycloneDX 1.5 document fails here although it met v2.0.0.
// A model-only input (no family, no bytes) has no format to judge and is
// skipped without a check; bytes in no known family fail.
func bsiCheckFormat(e *evaluation, r Rule) {
	in := e.in
	field := e.f("specVersion", "@context (SPDX version)", "spdxVersion", "format")
	expected := "CycloneDX >= 1.6 (JSON or XML) or SPDX >= 3.0.1 (JSON-LD)"
	switch in.Family {
	case "":
		if len(in.Raw) == 0 {
			return
		}
		e.fail(r, nil, field, expected, "an unrecognised format", "the document is neither CycloneDX nor SPDX")
	case familyCycloneDX:
		enc := e.encoding()
		switch {
		case !versionAtLeast(in.SpecVersion, "1.6"):
			e.fail(r, nil, field, expected, "CycloneDX "+found(in.SpecVersion),
				"TR-03183-2 v2.1.0 accepts CycloneDX 1.6 or later (v2.0.0 accepted 1.5)")
		case enc != "json" && enc != "xml" && enc != "":
			e.fail(r, nil, "encoding", expected, enc, "the SBOM must be JSON or XML")
		default:
			e.pass()
		}
	case familySPDX3:
		e.check(versionAtLeast(in.SpecVersion, "3.0.1"), r, nil, field, expected, "SPDX "+found(in.SpecVersion),
			"TR-03183-2 v2.1.0 accepts SPDX 3.0.1 or later")
	case familySPDX2:
		e.fail(r, nil, field, expected, "SPDX "+found(in.SpecVersion)+" ("+found(e.encoding())+")",
			"TR-03183-2 v2.1.0 no longer accepts SPDX 2.x (v2.0.0 accepted SPDX 2.2.1 or later): write SPDX 3.0.1 or CycloneDX 1.6")
	default:
		e.fail(r, nil, field, expected, in.Family+" "+in.SpecVersion, "the format is neither CycloneDX nor SPDX")
	}
}

// bsiCheckNoVulnerabilities: vulnerability information belongs in CSAF or
// VEX documents, not in the SBOM, because it changes while the SBOM does
// not. A non-empty CycloneDX vulnerabilities array (JSON or XML) or an SPDX 3
// security profile element fails. SPDX 2 has no vulnerability records. A
// model-only input is skipped; a CycloneDX or SPDX 3 input without its bytes
// fails closed.
func bsiCheckNoVulnerabilities(e *evaluation, r Rule) {
	field := e.f("vulnerabilities", "@graph security_* elements", "", "vulnerabilities")
	expected := "no vulnerability records"
	switch {
	case e.rawMissing:
		e.noRaw(r, nil, field, expected)
	case e.raw == nil:
		// model-only input: nothing to read
	default:
		n := e.raw.vulnerabilities
		e.check(n == 0, r, nil, field, expected, fmt.Sprintf("%d vulnerability records", n),
			"move vulnerability data to a CSAF or VEX document")
	}
}

// bsiCheckCreator: §5.2.1 asks for the email address of the SBOM's creator,
// or a URL when there is none. Any author (CycloneDX metadata.manufacturer,
// metadata.authors, and for 1.5 metadata.supplier; SPDX createdBy/creators)
// with a well-formed email or URL satisfies it; a name alone does not.
func bsiCheckCreator(e *evaluation, r Rule) {
	var seen []string
	for _, a := range e.doc.Authors {
		if contactReachable(a) {
			e.pass()
			return
		}
		seen = append(seen, describeContact(a))
	}
	got := "nothing"
	if len(seen) > 0 {
		got = strings.Join(seen, "; ")
	}
	e.fail(r, nil, e.f("metadata.manufacturer (url or contact email)", "CreationInfo.createdBy", "creationInfo.creators", "authors"),
		"an email address or URL of the SBOM's creator", got, "the SBOM does not say how to reach its creator")
}

// bsiCheckTimestamp: §5.2.1, the date and time the SBOM was compiled.
func bsiCheckTimestamp(e *evaluation, r Rule) {
	e.check(!e.doc.Created.IsZero(), r, nil, e.f("metadata.timestamp", "CreationInfo.created", "creationInfo.created", "created"),
		"an RFC 3339 date and time", "nothing", "the SBOM has no timestamp")
}

var urnUUIDRE = regexp.MustCompile(`^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// bsiCheckSBOMURI: §5.2.3 asks for the SBOM's URI if it exists. CycloneDX
// defines one for every document — the BOM-Link urn:cdx:serial/version — so
// a strict reading makes serialNumber mandatory there. SPDX documents always
// have one (the SPDX 3 document's spdxId, the SPDX 2 documentNamespace),
// which their decoders require. A model-only input has no URI to check and
// is skipped.
func bsiCheckSBOMURI(e *evaluation, r Rule) {
	if e.in.Family != familyCycloneDX {
		if e.in.Family != "" {
			e.pass()
		}
		return
	}
	if e.rawMissing {
		e.noRaw(r, nil, "serialNumber", "a urn:uuid serial number")
		return
	}
	e.check(urnUUIDRE.MatchString(e.raw.serial), r, nil, "serialNumber", "a urn:uuid serial number (SBOM-URI urn:cdx:<serial>/<version>)",
		quoted(e.raw.serial), "without a serial number the SBOM has no URI")
}

// bsiCheckComponentCreator: §5.2.2, the email address (or URL) of the entity
// that created and maintains the component, for every component. Read from
// the supplier (CycloneDX supplier, else manufacturer; SPDX suppliedBy,
// PackageSupplier) or the author text (CycloneDX authors, SPDX originatedBy,
// PackageOriginator) if that contains an email address or URL.
func bsiCheckComponentCreator(e *evaluation, r Rule) {
	e.each(func(c *sbom.Component) {
		if contactReachable(c.Supplier) || textReachable(c.Author) {
			e.pass()
			return
		}
		got := describeContact(c.Supplier)
		if c.Author != "" {
			got += "; author " + quoted(c.Author)
		}
		e.fail(r, c, e.cf(c, "manufacturer (url or contact email)", "software_Package.originatedBy / suppliedBy", "PackageSupplier / PackageOriginator", "supplier"),
			"an email address or URL of the component's creator", got, "the component does not say how to reach its creator")
	})
}

// bsiCheckFilename: §5.2.2, the actual file name of the component, not its
// path. Scope: deployable components (see [evaluation.deployable]): a Go
// module compiled into a binary has no file of its own, while the binary,
// an archive, or a file typed as such does.
func bsiCheckFilename(e *evaluation, r Rule) {
	e.each(func(c *sbom.Component) {
		if !e.deployable(c) {
			return
		}
		field := e.cf(c, "properties[bsi:component:filename]", "software_File.name", "PackageFileName", "file name")
		switch {
		case c.FileName == "":
			e.fail(r, c, field, "the file's name", "nothing", "the deployable component does not name its file")
		case strings.ContainsAny(c.FileName, `/\`):
			e.fail(r, c, field, "a file name without directories", quoted(c.FileName), "the file name is a path")
		default:
			e.pass()
		}
	})
}

// bsiCheckDependencies: §5.2.2 asks each component to enumerate its direct
// dependencies and say whether that list is complete; §5.1 lets the depth
// stop where dependencies are not delivered, as long as the SBOM says so.
// The completeness statement binds the primary component and its direct
// dependencies (not every component, which is the reading sbomqs#598
// corrects): each of them must state its dependency list's completeness —
// complete, incomplete or unknown, explicitly. Where that is stated:
// CycloneDX compositions[].dependencies (any aggregate, "unknown" included);
// SPDX a dependsOn/contains (SPDX 2: DEPENDS_ON/CONTAINS) relationship from
// the component (SPDX 3 reads an absent completeness as NOASSERTION, an
// explicit unknown). A document without a primary component fails once.
// v2.0.0 asked the same.
func bsiCheckDependencies(e *evaluation, r Rule) {
	field := e.f("dependencies[] + compositions[].aggregate", "dependsOn relationships (completeness)", "DEPENDS_ON / CONTAINS relationships", "dependencies")
	expected := "the direct dependencies and whether that list is complete (complete, incomplete or unknown)"
	p := e.byID[e.doc.Primary]
	if p == nil {
		e.fail(r, nil, e.f("metadata.component", "software_Sbom.rootElement", "documentDescribes", "primary"),
			"a primary component whose dependencies are listed", "nothing",
			"the SBOM names no primary component, so its dependencies cannot be assessed")
		return
	}
	scope := []*sbom.Component{p}
	if d := e.deps[p.ID]; d != nil {
		seen := map[string]bool{p.ID: true}
		for _, id := range d.DependsOn {
			if c := e.byID[id]; c != nil && !seen[id] {
				seen[id] = true
				scope = append(scope, c)
			}
		}
	}
	for _, c := range scope {
		if e.rawMissing && e.in.Family == familyCycloneDX {
			e.noRaw(r, c, field, expected)
			continue
		}
		stated := e.deps[c.ID] != nil
		if e.in.Family == familyCycloneDX && e.raw != nil {
			stated = e.raw.composed[c.ID]
		}
		got := "nothing"
		if d := e.deps[c.ID]; d != nil && len(d.DependsOn) > 0 {
			got = fmt.Sprintf("%d dependencies without a completeness statement", len(d.DependsOn))
		}
		if stated {
			e.pass()
			continue
		}
		e.fail(r, c, field, expected, got, "the component does not say whether its dependency list is complete")
	}
}

// bsiCheckDistributionLicence: §5.2.2 (v2.1.0), the licence(s) under which
// the component is distributed, as SPDX identifiers or an SPDX expression
// (LicenseRef- for unlisted licences), for every component. CycloneDX:
// licenses[] acknowledged "concluded"; SPDX: the concluded licence. NONE
// and NOASSERTION are not licences. v2.0.0 asked for "licences" without
// distinguishing distribution from original licences.
func bsiCheckDistributionLicence(e *evaluation, r Rule) {
	e.each(func(c *sbom.Component) {
		if c.Licenses.Concluded != "" && e.licenceProblem(c.Licenses.Concluded) == "" {
			e.pass()
			return
		}
		field := e.cf(c, "licenses[] (acknowledgement: concluded)", "hasConcludedLicense relationship", "PackageLicenseConcluded", "concluded licence")
		expected := "an SPDX licence identifier or expression"
		if c.Licenses.Concluded == "" {
			msg := "the component has no distribution licence"
			got := "nothing"
			if c.Licenses.Declared != "" {
				got = "only an original (declared) licence " + quoted(c.Licenses.Declared)
			}
			e.fail(r, c, field, expected, got, msg)
			return
		}
		if p := e.licenceProblem(c.Licenses.Concluded); p != "" {
			e.fail(r, c, field, expected, quoted(c.Licenses.Concluded), "the distribution licence is not an SPDX expression: "+p)
			return
		}
	})
}

// bsiCheckSHA512: §5.2.2, a SHA-512 hash of the deployable component.
// Scope: deployable components (see [evaluation.deployable]); a library
// module linked into a binary is covered by the binary's hash. The hash may
// sit on the component or on its distribution reference (where v2.1.0's
// CycloneDX mapping puts it). Other algorithms do not count. v2.0.0 asked
// the same of the executable component.
func bsiCheckSHA512(e *evaluation, r Rule) {
	e.each(func(c *sbom.Component) {
		if !e.deployable(c) {
			return
		}
		if e.hashFormFails(r, c) {
			return
		}
		if sha512Of(c) != "" {
			e.pass()
			return
		}
		e.fail(r, c, e.cf(c, "externalReferences[type=distribution].hashes (SHA-512)", "software_File.verifiedUsing (sha512)", "PackageChecksum (SHA512)", "hashes (SHA-512)"),
			"a SHA-512 hash of the deployable file", found(hashAlgorithms(c)), "the deployable component has no SHA-512 hash")
	})
}

// bsiCheckProperty returns the check of one of §5.2.2's file properties
// (executable, archive, structured). Scope: deployable components. In
// CycloneDX it is the bsi:component:* property with one of its two values,
// read from the document itself (the decoder folds these into the model);
// in SPDX the File element states it through its purposes (an executable or
// archive purpose, or none), so a component with a distribution File passes.
func bsiCheckProperty(name, yes, no string) func(e *evaluation, r Rule) {
	return func(e *evaluation, r Rule) {
		e.each(func(c *sbom.Component) {
			if !e.deployable(c) {
				return
			}
			field := e.cf(c, "properties["+name+"]", "software_File.software_additionalPurpose", "PackageFileName", name)
			expected := fmt.Sprintf("%q or %q", yes, no)
			if v, ok := c.Property(name); ok && v != yes && v != no {
				e.fail(r, c, field, expected, quoted(v), "the property has a value the BSI taxonomy does not define")
				return
			}
			if e.in.Family != familyCycloneDX {
				e.check(c.FileName != "", r, c, field, expected, "nothing",
					"the deployable component has no file element to state this on")
				return
			}
			if e.rawMissing {
				e.noRaw(r, c, field, expected)
				return
			}
			var v string
			var ok bool
			if rc := e.rawComponent(c); rc != nil {
				v, ok = rc.bsi[name]
			}
			switch {
			case !ok:
				e.fail(r, c, field, expected, "nothing", "the deployable component lacks the "+name+" property")
			case v != yes && v != no:
				e.fail(r, c, field, expected, quoted(v), "the property has a value the BSI taxonomy does not define")
			default:
				e.pass()
			}
		})
	}
}

// bsiCheckSourceURI: §5.2.4, the URI of the component's source code, MUST
// if it exists. Whether it exists cannot be known from the SBOM, so only
// what is given is judged: every source-distribution or VCS reference must
// be an absolute URI. Scope: components with such references.
func bsiCheckSourceURI(e *evaluation, r Rule) {
	e.each(func(c *sbom.Component) {
		var bad string
		has := false
		for _, ref := range c.References {
			if ref.Type != sbom.RefSourceDistribution && ref.Type != sbom.RefVCS {
				continue
			}
			has = true
			if !isURL(ref.URL) && bad == "" {
				bad = ref.URL
			}
		}
		if !has {
			return
		}
		if bad == "" {
			e.pass()
			return
		}
		e.fail(r, c, e.cf(c, "externalReferences[type=source-distribution|vcs].url", "externalRef sourceArtifact/vcs", "ExternalRef / PackageDownloadLocation", "source URI"),
			"an absolute URI", quoted(bad), "the source code reference is not a URI")
	})
}

// bsiCheckDeployableURI: §5.2.4, the URI of the deployable form, MUST if
// it exists. Only given ones are judged (see bsiCheckSourceURI): each
// distribution reference must be a non-empty URI reference. A relative
// reference (the file name, as vouch writes when no download URL is known)
// is accepted: CycloneDX's url is an iri-reference.
func bsiCheckDeployableURI(e *evaluation, r Rule) {
	e.each(func(c *sbom.Component) {
		var bad *string
		has := false
		for i, ref := range c.References {
			if ref.Type != sbom.RefDistribution {
				continue
			}
			has = true
			if _, err := url.Parse(ref.URL); (err != nil || strings.TrimSpace(ref.URL) == "") && bad == nil {
				bad = &c.References[i].URL
			}
		}
		if !has {
			return
		}
		got := ""
		if bad != nil {
			got = *bad
		}
		if bad == nil {
			e.pass()
			return
		}
		e.fail(r, c, e.cf(c, "externalReferences[type=distribution].url", "externalRef binaryArtifact", "PackageDownloadLocation", "distribution URI"),
			"a URI reference", quoted(got), "the distribution reference is not a URI")
	})
}

var cpeRE = regexp.MustCompile(`^(cpe:2\.3:[aho\*\-]:|cpe:/[aho]?:)`)

// bsiCheckIdentifiers: §5.2.4, other unique identifiers (CPE, purl, SWID),
// MUST if they exist. Only given ones are judged: a purl must parse, a CPE
// must be CPE 2.2 or 2.3, a SWID must have a tag id. Scope: components with
// any of them.
func bsiCheckIdentifiers(e *evaluation, r Rule) {
	e.each(func(c *sbom.Component) {
		rc := e.rawComponent(c)
		var cpe, swid string
		hasSWID := false
		if rc != nil {
			cpe, swid = rc.cpe, rc.swid
			hasSWID = rc.swid != ""
		}
		if c.PURL == "" && cpe == "" && !hasSWID {
			return
		}
		field := e.cf(c, "purl / cpe / swid", "software_Package.externalIdentifier", "ExternalRef PACKAGE-MANAGER purl / SECURITY cpe23Type", "identifiers")
		switch {
		case c.PURL != "" && !validPURL(c.PURL):
			e.fail(r, c, field, "a valid package URL", quoted(c.PURL), "the purl does not parse")
		case cpe != "" && !cpeRE.MatchString(cpe):
			e.fail(r, c, field, "a CPE 2.2 or 2.3 name", quoted(cpe), "the CPE is malformed")
		case hasSWID && strings.TrimSpace(swid) == "":
			e.fail(r, c, field, "a SWID tag id", "nothing", "the SWID has no tag id")
		default:
			e.pass()
		}
	})
}

// bsiCheckOriginalLicence: §5.2.4 (v2.1.0), the licence(s) the component's
// creator gave it, MUST if they exist: CycloneDX licenses[] acknowledged
// "declared" (or unacknowledged), SPDX the declared licence. Only given ones
// are judged: they must be SPDX expressions. v2.0.0 had no separate field.
func bsiCheckOriginalLicence(e *evaluation, r Rule) {
	e.each(func(c *sbom.Component) {
		if c.Licenses.Declared == "" {
			return
		}
		p := e.licenceProblem(c.Licenses.Declared)
		if p == "" {
			e.pass()
			return
		}
		e.fail(r, c, e.cf(c, "licenses[] (acknowledgement: declared)", "hasDeclaredLicense relationship", "PackageLicenseDeclared", "declared licence"),
			"an SPDX licence identifier or expression", quoted(c.Licenses.Declared), "the original licence is not an SPDX expression: "+p)
	})
}

// bsiCheckEffectiveLicence: §5.2.5, the effective licence (MAY), as the
// CycloneDX property bsi:component:effectiveLicense. Only given ones are
// judged.
func bsiCheckEffectiveLicence(e *evaluation, r Rule) {
	e.each(func(c *sbom.Component) {
		v, ok := c.Property(bsiEffLicen)
		if !ok {
			return
		}
		p := e.licenceProblem(v)
		if p == "" {
			e.pass()
			return
		}
		e.fail(r, c, e.cf(c, "properties["+bsiEffLicen+"]", bsiEffLicen, bsiEffLicen, "effective licence"),
			"an SPDX licence identifier or expression", quoted(v), "the effective licence is not an SPDX expression: "+p)
	})
}
