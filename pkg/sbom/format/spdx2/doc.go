// Package spdx2 encodes vouch's neutral model as SPDX 2.2 or 2.3 (JSON or
// tag-value) and decodes SPDX 2.1–2.3 documents back into it, using
// github.com/spdx/tools-golang.
//
// Use [Encoder] to write ([Encoder.Version] "2.3" by default, TagValue for
// tag-value) and [Decoder] to read; the format registry sniffs input with
// [Decoder.Identify].
//
// # Where the model's fields go
//
// Native SPDX fields carry everything SPDX can say:
//
//   - Document: name, creationInfo.created (RFC 3339 UTC), creators
//     ("Organization: name (email)" per author, "Tool: name-version" per
//     tool), and a content-derived namespace
//     https://vouch.dev/spdxdocs/<name>-<UUID from [sbom.Document.Digest]>.
//   - Component → package: name, versionInfo, packageFileName, supplier
//     ("Organization: name (email)" or NOASSERTION), originator (from Author,
//     as "Organization: …"), checksums, licenseConcluded / licenseDeclared
//     (NOASSERTION when unknown), copyrightText NOASSERTION, filesAnalyzed
//     false, primaryPackagePurpose (2.3; the type upper-cased), the purl as
//     external reference PACKAGE-MANAGER purl, each reference as
//     "OTHER <type> <url>", the first website reference as homepage and the
//     first distribution (else vcs) URL as downloadLocation.
//   - Primary component: DOCUMENT DESCRIBES it (without one, DESCRIBES names
//     every component nothing depends on).
//   - Dependencies: "A DEPENDS_ON B" per edge, plus one marker per entry for
//     its completeness, as clause 11.1 defines them: "A DEPENDS_ON NONE"
//     (complete: no other elements), "A DEPENDS_ON NOASSERTION" (unknown), or
//     NOASSERTION with the comment "incomplete: …" (known to be incomplete).
//   - LicenseRef- identifiers used in licences are declared in
//     hasExtractedLicensingInfos with extractedText NOASSERTION.
//
// What SPDX 2 has no field for is written as "notes": lines of the package
// comment (or document comment) of the form
//
//	vouch:<key> <arg> <arg>…
//
// where each argument is a bare token or a Go-quoted string ("<" escaped so
// that no value can end a tag-value <text> block). A comment is read as notes
// only if every line starts with "vouch:"; any other comment is kept as the
// property [PropComment]. Package notes: vouch:id (when the SPDX id cannot
// carry the ID, see below), vouch:type (a type with no purpose; every type in
// 2.2), vouch:scope, vouch:size, vouch:supplier name email url (when the
// supplier string loses something, such as a URL), vouch:hash alg value (an
// algorithm the version lacks), vouch:reference-hash type url alg value,
// vouch:property name value. Document notes: vouch:author and vouch:tool
// (every author or tool, exactly, when a creator string loses a URL or
// vendor), vouch:lifecycle, vouch:completeness, vouch:no-primary,
// vouch:property.
//
// # Identifiers
//
// A package's SPDX id is "SPDXRef-" and the component ID when that is a valid
// idstring ([A-Za-z0-9.-]); otherwise every other character becomes "-" and
// the first 8 hex digits of the ID's SHA-256 are appended. The decoder takes
// the ID from a vouch:id note, else from the first purl when the SPDX id is
// the one derived from that purl (vouch's catalogers use purls as IDs, so no
// note is needed), else it is the SPDX id without "SPDXRef-". Each candidate
// is checked against the SPDX id, so a stale note cannot rename a package.
// Third-party documents therefore decode with their SPDX ids as IDs.
//
// # Round trips
//
// Decode(Encode(d)) equals the normalized d for SPDX 2.3 and 2.2, JSON and
// tag-value: 2.2 loses nothing in vouch's own round trip, but a 2.2 consumer
// that ignores the notes sees no package types (2.2 has no
// primaryPackagePurpose) and no SHA3/BLAKE/ADLER32 checksums.
//
// # Decoding
//
// Files become components of type file (with their checksums and concluded
// licence); files listed under a package in tag-value are contained in it.
// DEPENDS_ON, CONTAINS, STATIC_LINK and DYNAMIC_LINK are read as A→B edges;
// DEPENDENCY_OF, CONTAINED_BY and the *_DEPENDENCY_OF types as B→A. Edges
// alone assert no completeness (clause 11.1), so they decode as unknown. A
// relationship naming an element the document does not define (other than
// NONE, NOASSERTION and DocumentRef- references) is an error. External
// references the model has no field for (CPEs, persistent ids, extra purls)
// are kept as the property [PropExternalRef] and written back natively.
// Snippets are ignored.
package spdx2
