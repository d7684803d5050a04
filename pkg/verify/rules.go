package verify

import "github.com/vouchdev/vouch/pkg/finding"

// policyDoc is where the policy language, and so each verify rule, is
// documented.
const policyDoc = "https://github.com/vouchdev/vouch/blob/main/docs/policy.md"

// Rules is the catalogue of every finding id vouch verify and vouch serve
// report, registered into [finding.Default]. The ids are those of
// policy.Finding*, engine.FindingBundle, npm.FindingSubjectPURL and
// serve's FindingSubjectURI and FindingPublisherDrift (each package's
// tests check its ids are here); families ("predicate.*") stand for the
// ids a policy names. Every rule is an error: a finding that fails, could
// not be evaluated or was skipped refuses the artifact, so a SARIF
// consumer fails exactly when the exit code does.
var Rules = []finding.Rule{
	rule("bundle", "Every bundle given verifies", "what-is-checked-in-order",
		"Each Sigstore bundle given for the artifact parses and its signature verifies against the trusted keys or the trusted root (certificate chain, transparency log entries, timestamps). A bundle that does not verify refuses the artifact: nothing in it is read."),
	rule("evidence", "The artifact has verified signatures or attestations", "what-is-checked-in-order",
		"At least one bundle verified for the artifact. With none, nothing vouches for it."),
	rule("statement", "Attestations are valid in-toto statements", "what-is-checked-in-order",
		"Each verified DSSE envelope carries an in-toto statement (v0.1 or v1) with a predicate type and subjects."),
	rule("subject", "The attestations name the artifact", "subjects",
		"A verified statement lists the artifact among its subjects by a strong digest (sha256, sha384, sha512); a statement about another artifact is not evidence for this one."),
	rule("subject.purl", "The attestations name the package URL given", "npm-packages",
		"With --subject PURL, every verified statement that names packages names this one (name and version); one about another package refuses the artifact."),
	rule("subject.uri", "The request names a subject the service accepts", "publisher-drift-vouch-serve",
		"vouch serve: the subject URI of a verification request is well-formed and of a kind the service knows."),
	rule("signer", "The artifact is signed by a signer the policy trusts", "trust",
		"A verified bundle's signer is one of the policy's trust.keys or a keyless identity it lists (issuer and subject, exact or by pattern)."),
	rule("identity", "The keyless signer's identity matches the policy", "trust",
		"The certificate's subject alternative name and OIDC issuer, and the Fulcio extensions the policy pins (source repository, workflow ref…), match."),
	rule("predicate.*", "A required attestation type is present", "what-is-checked-in-order",
		"The policy's requires list names attestation types (provenance, sbom, vsa, openvex, or a predicate type URI); predicate.<name> passes when a verified, trusted statement of that type names the artifact."),
	rule("provenance", "SLSA provenance meets the policy", "slsa-provenance",
		"A verified SLSA provenance (v0.2 or v1) about the artifact exists and can be read."),
	rule("provenance.builder", "The builder is trusted", "trusted-builders",
		"The provenance's builder id is one of the policy's trusted builders."),
	rule("provenance.source", "The artifact was built from the expected source", "slsa-provenance",
		"The provenance's source repository is the one the policy names."),
	rule("provenance.ref", "The artifact was built from an accepted ref", "slsa-provenance",
		"The built ref (branch or tag) matches one of the policy's globs."),
	rule("provenance.signer", "The provenance's certificate agrees with its content", "slsa-provenance",
		"The signing certificate's extensions (repository, ref, workflow) agree with what the provenance says was built."),
	rule("provenance.identity", "The provenance is signed by a trusted identity or its builder", "trusted-builders",
		"The provenance's signer is a signer the policy trusts, or the identity of its trusted builder (key-signed provenance: the builder's key)."),
	rule("provenance.level", "The builder provides the required SLSA build level", "trusted-builders",
		"The trusted builder's SLSA build level is at least the policy's slsa.level."),
	rule("provenance.consistent", "Every provenance tells the same story", "slsa-provenance",
		"When several provenances name the artifact, they agree on builder, source and ref."),
	rule("sbom", "An attested SBOM is present and readable", "sbom",
		"A verified SBOM attestation (CycloneDX or SPDX) about the artifact exists and decodes."),
	rule("sbom.format", "The SBOM's format is accepted", "sbom",
		"The attested SBOM is in a format and spec version the policy accepts."),
	rule("sbom.profile.*", "The attested SBOM meets a check profile", "sbom",
		"sbom.profile.<id>: the attested SBOM passes the profile of vouch sbom check named by the policy (bsi-tr-03183-2, ntia, cisa-2025, schema); the rules of each profile are listed by vouch rules."),
	rule("sbom.licenses", "Every component's licence is allowed", "sbom",
		"Each component's licence expression is satisfied by the policy's allowed licences, and none is denied."),
	rule("sbom.denied-components", "No denied component is present", "version-ranges",
		"No component matches a denied package URL and version range of the policy."),
	rule("sbom.match-artifact", "The SBOM lists what the artifact contains", "sbom",
		"The artifact is re-derived (its files, its image layers) and every component it shows is in each attested SBOM, at the same version and digests."),
	rule("sbom.match-artifact.unshown", "Components the SBOM names that the artifact does not show", "sbom",
		"Reported, not refused: an SBOM may legitimately list more than what ships (build tools, optional parts)."),
	rule("layout", "The in-toto layout verifies", "in-toto-layout",
		"The policy's in-toto layout is signed by its layout keys, not expired, and its steps' links are signed by their functionaries and chain."),
	rule("layout.inspections", "The layout's inspections ran and passed", "in-toto-layout",
		"The layout's inspections are run only with --run-inspections; skipped otherwise, which refuses the artifact."),
	rule("layout.product", "The artifact is a product of a verified step", "in-toto-layout",
		"The artifact's digest is among the products of a step of the verified layout."),
	rule("rule.*", "A custom CEL rule of the policy holds", "cel-rules",
		"rule.<name>: the policy's CEL expression of that name is true on the verified statements."),
	rule("publisher-drift", "The package is published by the publisher of its earlier versions", "publisher-drift-vouch-serve",
		"vouch serve: a new version of a package (subject.purl) is attested by the same publisher (repository, workflow) as the earlier versions it has seen."),
	rule("vulnerabilities", "The attested SBOM's components pass the policy's vulnerability gate", "what-is-checked-in-order",
		"The components of an SBOM a trusted signer attested for the artifact are matched against the offline vulnerability database (--vuln-db); no advisory at or above vulnerabilities.failOn stands unless a trusted VEX statement says not_affected or fixed, or an unexpired allow entry accepts it; requireVexFor severities need a VEX statement. Without a database the gate cannot be evaluated: an error."),
	{ID: "vulnerability.*", Title: "An advisory affecting a component fails the vulnerability gate", Level: finding.LevelError,
		HelpURI: finding.OSVURI + finding.NamePlaceholder,
		Help:    "vulnerability.<advisory id>: one component matched by the advisory, above the policy's threshold and not cleared by a VEX statement or allow entry; the finding names the component, the severity and the fixed version. Meet it by upgrading to the fixed version, or by a signed VEX statement (vouch vex) saying why the product is not affected."},
	rule("policy", "The policy can be evaluated", "verification-policies",
		"The policy is compiled and its evaluation ran to the end; an interrupted evaluation refuses the artifact."),
}

func rule(id, title, anchor, help string) finding.Rule {
	return finding.Rule{ID: id, Title: title, Help: help, HelpURI: policyDoc + "#" + anchor, Level: finding.LevelError}
}

func init() { finding.MustRegister(Rules...) }
