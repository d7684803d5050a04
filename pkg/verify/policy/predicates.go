package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom/check"
	"github.com/vouchdev/vouch/pkg/verify/slsa"
	"github.com/vouchdev/vouch/pkg/vex"
)

// Predicate types vouch knows by name.
const (
	PredicateCycloneDX = "https://cyclonedx.org/bom"
	PredicateSPDX      = "https://spdx.dev/Document"
	PredicateVSA       = "https://slsa.dev/verification_summary/v1"
	PredicateVuln      = "https://cosign.sigstore.dev/attestation/vuln/v1"
	PredicateOpenVEX   = "https://openvex.dev/ns"
)

// predicateNames maps cosign's --type names and vouch's own to predicate
// types. "provenance" and "sbom" accept any of several.
var predicateNames = map[string][]string{
	"slsaprovenance":   {slsa.PredicateV02}, // cosign: v0.2
	"slsaprovenance02": {slsa.PredicateV02},
	"slsaprovenance1":  {slsa.PredicateV1},
	"provenance":       {slsa.PredicateV02, slsa.PredicateV1},
	"spdx":             {PredicateSPDX},
	"spdxjson":         {PredicateSPDX},
	"cyclonedx":        {PredicateCycloneDX},
	"sbom":             {PredicateCycloneDX, PredicateSPDX},
	"vuln":             {PredicateVuln},
	"openvex":          {PredicateOpenVEX, vex.PredicateType},
	"vsa":              {PredicateVSA},
}

// requirement is one required predicate.
type requirement struct {
	name  string   // as written in the policy
	types []string // any of these satisfies it
}

func resolvePredicate(s string) (requirement, error) {
	if t, ok := predicateNames[strings.ToLower(s)]; ok {
		return requirement{name: s, types: t}, nil
	}
	if strings.Contains(s, "://") {
		return requirement{name: s, types: []string{s}}, nil
	}
	names := make([]string, 0, len(predicateNames))
	for n := range predicateNames {
		names = append(names, n)
	}
	sort.Strings(names)
	return requirement{}, fmt.Errorf("%q is neither a predicate type URI nor a known name (%s)", s, strings.Join(names, ", "))
}

func (r requirement) satisfiedBy(predicateType string) bool {
	for _, t := range r.types {
		if predicateType == t || (isSBOMType(t) && sbomFamily(predicateType) == sbomFamily(t)) {
			return true
		}
	}
	return false
}

// sbomFamily classifies SBOM predicate types: "cyclonedx", "spdx" or "".
// CycloneDX and SPDX attestations are written with and without a version
// suffix (https://cyclonedx.org/bom/v1.6, https://spdx.dev/Document/v2.3).
func sbomFamily(predicateType string) string {
	switch {
	case predicateType == PredicateCycloneDX || strings.HasPrefix(predicateType, PredicateCycloneDX+"/"):
		return "cyclonedx"
	case predicateType == PredicateSPDX || strings.HasPrefix(predicateType, PredicateSPDX+"/"),
		strings.HasPrefix(predicateType, "https://spdx.org/rdf/3."):
		return "spdx"
	}
	return ""
}

func isSBOMType(t string) bool { return sbomFamily(t) != "" }

// profiles vouch documents for sbom.profile; more are accepted once
// package check registers them.
var documentedProfiles = []string{"bsi-tr-03183-2", "cisa-2025", "ntia"}

func knownProfile(id string) bool {
	for _, p := range profileNames() {
		if p == id {
			return true
		}
	}
	return false
}

func profileNames() []string {
	set := map[string]bool{}
	for _, p := range documentedProfiles {
		set[p] = true
	}
	for _, p := range check.Profiles() {
		set[p] = true
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
