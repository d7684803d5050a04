package attest

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Predicate types vouch knows by name. The URIs are the ones cosign writes and
// expects for its --type names (in-toto-golang's constants), so that
// "cosign verify-blob-attestation --type NAME" and "gh attestation verify
// --predicate-type URI" accept vouch's attestations.
const (
	PredicateSLSAProvenanceV1  = "https://slsa.dev/provenance/v1"
	PredicateSLSAProvenanceV02 = "https://slsa.dev/provenance/v0.2"
	PredicateCycloneDX         = "https://cyclonedx.org/bom"
	PredicateSPDX              = "https://spdx.dev/Document"
	PredicateOpenVEX           = "https://openvex.dev/ns"
	PredicateVSA               = "https://slsa.dev/verification_summary/v1"
	PredicateLink              = "https://in-toto.io/Link/v1"
	PredicateVuln              = "https://cosign.sigstore.dev/attestation/vuln/v1"
	PredicateCosignCustom      = "https://cosign.sigstore.dev/attestation/v1"
)

// predicateNames maps cosign's --type names (and vouch's "vsa") to URIs.
// "slsaprovenance" means v0.2, as it does in cosign: a v1 predicate needs
// "slsaprovenance1".
var predicateNames = map[string]string{
	"slsaprovenance1":  PredicateSLSAProvenanceV1,
	"slsaprovenance":   PredicateSLSAProvenanceV02,
	"slsaprovenance02": PredicateSLSAProvenanceV02,
	"cyclonedx":        PredicateCycloneDX,
	"spdx":             PredicateSPDX,
	"spdxjson":         PredicateSPDX,
	"openvex":          PredicateOpenVEX,
	"vsa":              PredicateVSA,
	"link":             PredicateLink,
	"vuln":             PredicateVuln,
	"custom":           PredicateCosignCustom,
}

// PredicateTypeNames returns the names [PredicateType] knows, sorted.
func PredicateTypeNames() []string {
	names := make([]string, 0, len(predicateNames))
	for n := range predicateNames {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// PredicateType resolves a cosign-style predicate name ("cyclonedx",
// "slsaprovenance1", …; see [PredicateTypeNames]) to its URI. Anything else
// must itself be an absolute URI (a scheme and a host or opaque part), which
// is returned unchanged.
func PredicateType(nameOrURI string) (string, error) {
	if u, ok := predicateNames[nameOrURI]; ok {
		return u, nil
	}
	if err := CheckURI(nameOrURI); err != nil {
		return "", fmt.Errorf("predicate type %q: not one of %s, and %w",
			nameOrURI, strings.Join(PredicateTypeNames(), ", "), err)
	}
	return nameOrURI, nil
}

// CheckURI accepts an absolute URI, what in-toto's TypeURI fields
// (predicateType, buildType, builder.id) require: a scheme, then a host,
// path or opaque part, and no white space.
func CheckURI(s string) error {
	if s == "" {
		return fmt.Errorf("not an absolute URI: empty")
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return fmt.Errorf("not an absolute URI: contains white space")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not an absolute URI: %w", err)
	}
	if !u.IsAbs() || (u.Host == "" && u.Opaque == "" && u.Path == "") {
		return fmt.Errorf("not an absolute URI (want scheme:..., e.g. https://example.com/predicate/v1)")
	}
	return nil
}
