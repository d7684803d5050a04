package check

import (
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/format/spdx2"
)

// NTIAProfile is the id of the NTIA minimum elements profile.
const NTIAProfile = "ntia"

// Clauses of "The Minimum Elements For a Software Bill of Materials
// (SBOM)", NTIA, July 2021, cited by part and element (the report does not
// number them).
const (
	ntiaDoc        = "NTIA Minimum Elements (2021)"
	ntiaSupplier   = ntiaDoc + ", Data Fields: Supplier Name"
	ntiaName       = ntiaDoc + ", Data Fields: Component Name"
	ntiaVersion    = ntiaDoc + ", Data Fields: Version of the Component"
	ntiaIDs        = ntiaDoc + ", Data Fields: Other Unique Identifiers"
	ntiaDeps       = ntiaDoc + ", Data Fields: Dependency Relationship; Practices: Depth"
	ntiaAuthor     = ntiaDoc + ", Data Fields: Author of SBOM Data"
	ntiaTimestamp  = ntiaDoc + ", Data Fields: Timestamp"
	ntiaAutomation = ntiaDoc + ", Automation Support"
)

// Rule ids of the ntia profile.
const (
	NTIAFormat       = "ntia.document.format"
	NTIAAuthor       = "ntia.document.author"
	NTIATimestamp    = "ntia.document.timestamp"
	NTIADependencies = "ntia.document.dependencies"
	NTIASupplier     = "ntia.component.supplier"
	NTIAName         = "ntia.component.name"
	NTIAVersion      = "ntia.component.version"
	NTIAIdentifiers  = "ntia.component.identifiers"
)

// ntiaTable is the profile's rule table: the seven data fields and
// automation support. The practices (frequency, distribution, access
// control, accommodation of mistakes) are about how SBOMs are handled and
// cannot be read from one document; depth and known unknowns are part of
// the dependency rule.
var ntiaTable = []spec{
	{Rule{NTIAFormat, ntiaAutomation, "The SBOM is in a machine-readable format (SPDX, CycloneDX)", SeverityError}, elemFormat},
	{Rule{NTIAAuthor, ntiaAuthor, "The SBOM names its author", SeverityError}, elemAuthor},
	{Rule{NTIATimestamp, ntiaTimestamp, "The SBOM has a timestamp", SeverityError}, elemTimestamp},
	{Rule{NTIADependencies, ntiaDeps, "The primary component lists its direct dependencies, or says they are unknown", SeverityError}, elemDependencies},
	{Rule{NTIASupplier, ntiaSupplier, "Each component names its supplier", SeverityError}, elemSupplier},
	{Rule{NTIAName, ntiaName, "Each component has a name", SeverityError}, elemName},
	{Rule{NTIAVersion, ntiaVersion, "Each component has a version", SeverityError}, elemVersion},
	{Rule{NTIAIdentifiers, ntiaIDs, "Each component has a unique identifier (purl, CPE or SWID)", SeverityError}, elemIdentifiers},
}

func init() {
	Register(&table{id: NTIAProfile, title: "NTIA minimum elements for an SBOM (2021)", specs: ntiaTable})
}

// The element checks below are shared by the ntia and cisa-2025 profiles,
// which differ in the rules' ids and clauses, not in what they check.

// elemFormat: automation support — SPDX, CycloneDX or SWID. Any version
// vouch decodes qualifies (SWID tags are not SBOMs vouch reads). A
// model-only input is skipped.
func elemFormat(e *evaluation, r Rule) {
	switch e.in.Family {
	case familyCycloneDX, familySPDX2, familySPDX3:
		e.pass()
	case "":
		if len(e.in.Raw) > 0 {
			e.fail(r, nil, "format", "SPDX or CycloneDX", "an unrecognised format", "the document is not in a machine-readable SBOM format")
		}
	default:
		e.fail(r, nil, "format", "SPDX or CycloneDX", e.in.Family, "the document is not in a machine-readable SBOM format")
	}
}

// elemAuthor: the entity that creates the SBOM data; a name is enough. A
// tool is not an author (NTIA: "the entity that creates the SBOM data",
// CISA 2025: "SBOM Author").
func elemAuthor(e *evaluation, r Rule) {
	for _, a := range e.doc.Authors {
		if !a.IsZero() {
			e.pass()
			return
		}
	}
	e.fail(r, nil, e.f("metadata.authors / metadata.manufacturer", "CreationInfo.createdBy", "creationInfo.creators (Person or Organization)", "authors"),
		"the name of the SBOM's author", "nothing", "the SBOM does not name its author")
}

func elemTimestamp(e *evaluation, r Rule) {
	e.check(!e.doc.Created.IsZero(), r, nil, e.f("metadata.timestamp", "CreationInfo.created", "creationInfo.created", "created"),
		"the date and time the SBOM was assembled", "nothing", "the SBOM has no timestamp")
}

// elemDependencies: at least the primary component's direct (top-level)
// dependencies, or an explicit statement that there are none or that they
// are unknown ("known unknowns"). A document without a primary component
// fails: nothing says what the listed components are dependencies of.
func elemDependencies(e *evaluation, r Rule) {
	field := e.f("dependencies[ref=metadata.component]", "dependsOn relationships from the root element", "DEPENDS_ON relationships from the described package", "dependencies")
	p := e.byID[e.doc.Primary]
	if p == nil {
		e.fail(r, nil, e.f("metadata.component", "software_Sbom.rootElement", "documentDescribes", "primary"),
			"a primary component with its dependency relationships", "nothing", "the SBOM names no primary component")
		return
	}
	d := e.deps[p.ID]
	stated := d != nil
	if e.in.Family == familyCycloneDX && e.raw != nil {
		stated = (d != nil && len(d.DependsOn) > 0) || e.raw.composed[p.ID]
	}
	e.check(stated, r, p, field, "the primary component's direct dependencies, or a statement that there are none or they are unknown",
		"nothing", "the primary component has no dependency relationships")
}

// elemSupplier: the supplier's name (NTIA "Supplier Name", CISA 2025
// "Software Producer"): CycloneDX supplier (else manufacturer), SPDX
// suppliedBy / PackageSupplier.
func elemSupplier(e *evaluation, r Rule) {
	e.each(func(c *sbom.Component) {
		if strings.TrimSpace(c.Supplier.Name) != "" {
			e.pass()
			return
		}
		e.fail(r, c, e.cf(c, "supplier.name", "software_Package.suppliedBy", "PackageSupplier", "supplier"),
			"the name of the component's supplier", describeContact(c.Supplier), "the component does not name its supplier")
	})
}

// elemName fails every component without a name (BSI §5.2.2, NTIA, CISA).
func elemName(e *evaluation, r Rule) {
	e.each(func(c *sbom.Component) {
		if strings.TrimSpace(c.Name) != "" {
			e.pass()
			return
		}
		e.fail(r, c, e.cf(c, "name", "software_Package.name", "PackageName", "name"),
			"the component's name", "nothing", "the component has no name")
	})
}

// elemVersion fails every component without a version (NTIA, CISA).
var elemVersion = versionCheck("the component's version")

// versionCheck returns the check that fails every component without a
// version; expected says what the clause accepts.
func versionCheck(expected string) func(*evaluation, Rule) {
	return func(e *evaluation, r Rule) {
		e.each(func(c *sbom.Component) {
			if strings.TrimSpace(c.Version) != "" {
				e.pass()
				return
			}
			e.fail(r, c, e.cf(c, "version", "software_Package.software_packageVersion", "PackageVersion", "version"),
				expected, "nothing", "the component has no version")
		})
	}
}

// elemIdentifiers: at least one identifier usable to look the component up:
// a purl, a CPE or a SWID tag id. CPEs of CycloneDX components are read from
// the document's bytes, of SPDX 2 packages from their external references;
// SPDX 3's decoder keeps only purls.
func elemIdentifiers(e *evaluation, r Rule) {
	e.each(func(c *sbom.Component) {
		ok := c.PURL != ""
		if rc := e.rawComponent(c); rc != nil && (rc.cpe != "" || rc.swid != "") {
			ok = true
		}
		for _, p := range c.Properties {
			if p.Name != spdx2.PropExternalRef {
				continue
			}
			if f := strings.Fields(p.Value); len(f) == 3 && (f[1] == "cpe22Type" || f[1] == "cpe23Type" || f[1] == "swid" || f[1] == "purl") {
				ok = true
			}
		}
		if ok {
			e.pass()
			return
		}
		e.fail(r, c, e.cf(c, "purl / cpe / swid", "software_Package.externalIdentifier", "ExternalRef (purl, cpe23Type, swid)", "identifiers"),
			"a purl, CPE or SWID tag id", "nothing", "the component has no unique identifier")
	})
}
