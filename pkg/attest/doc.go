// Package attest builds, encodes and parses in-toto attestation Statements:
// the signed unit of every vouch attestation (SLSA provenance, SBOMs, VEX).
//
// A Statement binds a typed predicate to subjects, the artifacts it is about,
// named by their digests. vouch writes in-toto Statement v1
// (https://in-toto.io/Statement/v1) using the in-toto project's own Go types
// ([ita.Statement], [ita.ResourceDescriptor]) so that what vouch signs is
// exactly what every other in-toto consumer parses.
//
// # Making a statement
//
//	subjects, err := attest.SubjectsFromFiles(ctx, []string{"dist/app_linux_amd64.tar.gz"})
//	typ, err := attest.PredicateType("cyclonedx") // or a URI
//	st, err := attest.NewStatement(subjects, typ, sbomJSON)
//	payload, err := attest.MarshalStatement(st) // the bytes to put in a DSSE envelope
//
// Subjects carry SHA-256 and SHA-512 digests, computed in one read of each
// file (package [github.com/vouchdev/vouch/pkg/sbom/digest]); the files are
// read in parallel; [NewSubject] makes one from digests already computed.
// SLSA provenance statements come from the
// [github.com/vouchdev/vouch/pkg/attest/provenance] package.
//
// # Encoding
//
// [MarshalStatement] is deterministic: the same statement gives the same
// bytes across runs and library versions. protojson deliberately varies its
// whitespace between builds, so its output is re-encoded token by token with
// encoding/json: no insignificant whitespace, strings escaped the
// encoding/json way (without HTML escaping), numbers in encoding/json's
// float64 form. Object members keep protojson's order: statement fields in
// schema order, predicate members sorted.
//
// # Parsing
//
// [ParseStatement] accepts Statement v1 and the v0.1 statements cosign's
// attest-blob still writes, and rejects everything else: an unknown _type, a
// missing subject digest or predicate, the protobuf field-name aliases
// ("type", "predicate_type") that protojson would otherwise accept, and
// input over [MaxStatementSize] ([ReadStatement] applies the limit to a
// stream). Every rejection wraps [ErrStatement]. Unknown fields are ignored, as the in-toto
// specification requires of consumers.
package attest
