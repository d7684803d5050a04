package spdx3

import (
	"github.com/vouchdev/vouch/pkg/sbom"
)

// Mappings between the model's (CycloneDX-spelt) values and SPDX 3.0.1
// vocabularies. Each table is one-to-one so that decoding vouch's own output
// gives back what was encoded; the decoder also accepts the SPDX values that
// have no entry here (see the decode* helpers).

var hashAlgorithms = []struct {
	model sbom.HashAlgorithm
	spdx  string
}{
	{sbom.MD5, "md5"},
	{sbom.SHA1, "sha1"},
	{"SHA-224", "sha224"},
	{sbom.SHA256, "sha256"},
	{sbom.SHA384, "sha384"},
	{sbom.SHA512, "sha512"},
	{"SHA3-224", "sha3_224"},
	{"SHA3-256", "sha3_256"},
	{"SHA3-384", "sha3_384"},
	{"SHA3-512", "sha3_512"},
	{"BLAKE2b-256", "blake2b256"},
	{"BLAKE2b-384", "blake2b384"},
	{"BLAKE2b-512", "blake2b512"},
	{"BLAKE3", "blake3"},
	{"MD2", "md2"},
	{"MD4", "md4"},
	{"MD6", "md6"},
	{"ADLER32", "adler32"},
}

// algorithmOther is SPDX's hash algorithm for anything not in its list; the
// Hash's comment then names the algorithm.
const algorithmOther = "other"

func spdxHashAlgorithm(a sbom.HashAlgorithm) (string, bool) {
	for _, h := range hashAlgorithms {
		if h.model == a {
			return h.spdx, true
		}
	}
	return algorithmOther, false
}

func modelHashAlgorithm(s string) (sbom.HashAlgorithm, bool) {
	for _, h := range hashAlgorithms {
		if h.spdx == s {
			return h.model, true
		}
	}
	return "", false
}

// componentPurposes maps component types onto software_primaryPurpose.
var componentPurposes = []struct {
	model sbom.ComponentType
	spdx  string
}{
	{sbom.TypeApplication, "application"},
	{sbom.TypeLibrary, "library"},
	{sbom.TypeFile, "file"},
	{sbom.TypeArchive, "archive"},
	{"framework", "framework"},
	{"container", "container"},
	{"firmware", "firmware"},
	{"operating-system", "operatingSystem"},
	{"device", "device"},
	{"device-driver", "deviceDriver"},
	{"platform", "platform"},
	{"data", "data"},
	{"machine-learning-model", "model"},
}

func spdxPurpose(t sbom.ComponentType) (string, bool) {
	for _, p := range componentPurposes {
		if p.model == t {
			return p.spdx, true
		}
	}
	return "", false
}

// modelType maps a purpose back. SPDX purposes with no CycloneDX type of
// their own are folded onto the closest one.
func modelType(purpose string) (sbom.ComponentType, bool) {
	for _, p := range componentPurposes {
		if p.spdx == purpose {
			return p.model, true
		}
	}
	switch purpose {
	case "executable":
		return sbom.TypeApplication, true
	case "module":
		return sbom.TypeLibrary, true
	case "filesystemImage", "diskImage":
		return "container", true
	}
	return "", false
}

// bsiFilePurpose is the software_additionalPurpose that BSI TR-03183-2 v2.1
// reads on a shipped File: executable, archive, or structured (container or
// firmware).
func bsiFilePurpose(t sbom.ComponentType) string {
	switch t {
	case sbom.TypeApplication:
		return "executable"
	case sbom.TypeArchive:
		return "archive"
	case "container", "firmware":
		return string(t)
	}
	return ""
}

// lifecycles maps CycloneDX lifecycle phases onto SPDX SBOM types. The pairs
// follow the definitions: CycloneDX "post-build" (made from the built
// artefacts) is SPDX "analyzed", "pre-build" (from sources) is "source",
// "operations" (what is installed) is "deployed", "discovery" (observed on
// a running system) is "runtime".
var lifecycles = []struct{ model, spdx string }{
	{"design", "design"},
	{"pre-build", "source"},
	{"build", "build"},
	{"post-build", "analyzed"},
	{"operations", "deployed"},
	{"discovery", "runtime"},
}

func spdxSbomType(lifecycle string) (string, bool) {
	for _, l := range lifecycles {
		if l.model == lifecycle {
			return l.spdx, true
		}
	}
	return "", false
}

func modelLifecycle(sbomType string) (string, bool) {
	for _, l := range lifecycles {
		if l.spdx == sbomType {
			return l.model, true
		}
	}
	return "", false
}

// refTypes maps external reference types onto externalRefType. A type not
// listed is written as "other" with the model's type in the comment.
var refTypes = []struct {
	model sbom.ExternalRefType
	spdx  string
}{
	{sbom.RefVCS, "vcs"},
	{sbom.RefWebsite, "altWebPage"},
	{sbom.RefDistribution, "binaryArtifact"},
	{sbom.RefSourceDistribution, "sourceArtifact"},
	{sbom.RefSecurityContact, "securityPolicy"},
	{sbom.RefOther, "other"},
	{"issue-tracker", "issueTracker"},
	{"documentation", "documentation"},
	{"release-notes", "releaseNotes"},
	{"mailing-list", "mailingList"},
	{"chat", "chat"},
	{"social", "socialMedia"},
	{"license", "license"},
	{"build-meta", "buildMeta"},
	{"build-system", "buildSystem"},
	{"advisories", "securityAdvisory"},
	{"support", "support"},
}

func spdxRefType(t sbom.ExternalRefType) (string, bool) {
	for _, r := range refTypes {
		if r.model == t {
			return r.spdx, true
		}
	}
	return "other", false
}

func modelRefType(s string) sbom.ExternalRefType {
	for _, r := range refTypes {
		if r.spdx == s {
			return r.model
		}
	}
	return sbom.RefOther
}

// completeness maps dependency completeness onto Relationship.completeness.
func spdxCompleteness(c sbom.Completeness) string {
	switch c {
	case sbom.CompletenessComplete:
		return "complete"
	case sbom.CompletenessIncomplete:
		return "incomplete"
	}
	return "noAssertion"
}

func modelCompleteness(s string) sbom.Completeness {
	switch s {
	case "complete":
		return sbom.CompletenessComplete
	case "incomplete":
		return sbom.CompletenessIncomplete
	}
	return sbom.CompletenessUnknown
}
