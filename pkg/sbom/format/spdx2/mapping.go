package spdx2

import (
	"regexp"
	"strings"

	"github.com/spdx/tools-golang/spdx/v2/common"

	"github.com/vouchdev/vouch/pkg/sbom"
)

const (
	noAssertion = "NOASSERTION"
	noneValue   = "NONE"
	spdxRef     = "SPDXRef-"
	documentID  = "DOCUMENT"
	// namespacePrefix starts every document namespace vouch writes; the rest is
	// content-derived (see [Encoder.Encode]).
	namespacePrefix = "https://vouch.dev/spdxdocs/"
	// createdLayout is SPDX's timestamp format (clause 6.9): UTC, seconds.
	createdLayout = "2006-01-02T15:04:05Z"
	// incompleteComment marks the "A DEPENDS_ON NOASSERTION" relationship of a
	// dependency list known to be incomplete.
	incompleteComment = "incomplete: some dependencies are known to be missing"
	completeComment   = "complete: no dependencies other than those listed"
	categoryOther     = "OTHER"
)

// checksumAlgs maps model hash algorithms to SPDX checksum algorithms where
// the spellings differ; SHA3-*, BLAKE2b-* and BLAKE3 are spelled alike.
var checksumAlgs = map[sbom.HashAlgorithm]common.ChecksumAlgorithm{
	sbom.SHA1:   common.SHA1,
	sbom.SHA256: common.SHA256,
	sbom.SHA384: common.SHA384,
	sbom.SHA512: common.SHA512,
	sbom.MD5:    common.MD5,
}

// checksums22 and checksums23 are the algorithms each SPDX version allows
// (SPDX 2.2 clause 7.10; SPDX 2.3 clause 7.10).
var (
	checksums22 = algSet("SHA1 SHA224 SHA256 SHA384 SHA512 MD2 MD4 MD5 MD6")
	checksums23 = algSet("SHA1 SHA224 SHA256 SHA384 SHA512 MD2 MD4 MD5 MD6 SHA3-256 SHA3-384 SHA3-512 BLAKE2b-256 BLAKE2b-384 BLAKE2b-512 BLAKE3 ADLER32")
)

func algSet(s string) map[common.ChecksumAlgorithm]bool {
	m := map[common.ChecksumAlgorithm]bool{}
	for _, a := range strings.Fields(s) {
		m[common.ChecksumAlgorithm(a)] = true
	}
	return m
}

func toChecksumAlg(a sbom.HashAlgorithm) common.ChecksumAlgorithm {
	if c, ok := checksumAlgs[a]; ok {
		return c
	}
	return common.ChecksumAlgorithm(a)
}

func fromChecksumAlg(c common.ChecksumAlgorithm) sbom.HashAlgorithm {
	for a, s := range checksumAlgs {
		if s == c {
			return a
		}
	}
	return sbom.HashAlgorithm(c)
}

// purposes are SPDX 2.3's primary package purposes (clause 7.24), in
// tag-value spelling; the JSON schema spells OPERATING_SYSTEM with "_".
var purposes = map[string]bool{
	"APPLICATION": true, "FRAMEWORK": true, "LIBRARY": true, "CONTAINER": true,
	"OPERATING-SYSTEM": true, "DEVICE": true, "FIRMWARE": true, "SOURCE": true,
	"ARCHIVE": true, "FILE": true, "INSTALL": true, "OTHER": true,
}

// purposeOf returns the purpose for a component type, "" if it has none.
func purposeOf(t sbom.ComponentType) string {
	p := strings.ToUpper(string(t))
	if purposes[p] {
		return p
	}
	return ""
}

// typeOf returns the component type for a primary package purpose.
func typeOf(purpose string) sbom.ComponentType {
	return sbom.ComponentType(strings.ReplaceAll(strings.ToLower(purpose), "_", "-"))
}

// refTypes are the model's external reference types the decoder recognises in
// "OTHER <type> <url>" external references: CycloneDX's names.
var refTypes = map[string]bool{
	"vcs": true, "issue-tracker": true, "website": true, "advisories": true, "bom": true,
	"mailing-list": true, "social": true, "chat": true, "documentation": true, "support": true,
	"source-distribution": true, "distribution": true, "distribution-intake": true, "license": true,
	"build-meta": true, "build-system": true, "release-notes": true, "security-contact": true,
	"rfc-9116": true, "other": true,
}

// contactRE splits "Name (email)".
var contactRE = regexp.MustCompile(`^(.*?)\s*\(([^()]*)\)$`)

// contactString renders a contact the way SPDX agents are written (clause
// 7.5): "Name (email)" or "Name". Without a name, the email or URL stands in.
func contactString(c sbom.Contact) string {
	name := c.Name
	if name == "" {
		name = c.URL
	}
	if name == "" {
		return "(" + c.Email + ")"
	}
	if c.Email != "" {
		return name + " (" + c.Email + ")"
	}
	return name
}

// parseContact parses the value of an SPDX agent ("Name (email)").
func parseContact(s string) sbom.Contact {
	s = strings.TrimSpace(s)
	if m := contactRE.FindStringSubmatch(s); m != nil {
		return sbom.Contact{Name: strings.TrimSpace(m[1]), Email: strings.TrimSpace(m[2])}
	}
	return sbom.Contact{Name: s}
}

// toolString renders a tool as SPDX does (clause 6.8): "name-version".
func toolString(t sbom.Tool) string {
	if t.Version == "" {
		return t.Name
	}
	return t.Name + "-" + t.Version
}

// parseTool splits "name-version" at the last "-" followed by a version-like
// suffix (a digit, or "v" and a digit).
func parseTool(s string) sbom.Tool {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '-'); i > 0 {
		v := s[i+1:]
		if len(v) > 0 && isDigit(v[0]) || len(v) > 1 && v[0] == 'v' && isDigit(v[1]) {
			return sbom.Tool{Name: s[:i], Version: v}
		}
	}
	return sbom.Tool{Name: s}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// licenseRefRE finds the LicenseRef- identifiers of a licence expression that
// are local to the document (not DocumentRef-x:LicenseRef-y).
var licenseRefRE = regexp.MustCompile(`(^|[^:A-Za-z0-9.-])(LicenseRef-[A-Za-z0-9.-]+)`)

// vcsPrefixes mark a download location as a VCS location (clause 7.7).
var vcsPrefixes = []string{"git+", "hg+", "svn+", "bzr+"}
