// Package npm reads what the npm registry publishes about a package
// version, so that `vouch verify` checks npm packages as
// `slsa-verifier verify-npm-package` and `npm audit signatures` do:
//
//   - the registry's attestations response
//     ({"attestations": [{"predicateType": …, "bundle": {…}}]}: the
//     registry-signed publish attestation and the keyless SLSA provenance)
//     expands into its Sigstore bundles ([Attestations]);
//   - a statement subject is matched by package URL, percent-encoded or
//     not ("pkg:npm/%40scope/name@1.0.0" is "pkg:npm/@scope/name@1.0.0"),
//     in addition to its digest ([SubjectFinding]).
//
// The registry's signing keys are read by package trust
// ([trust.ParseNPMKeys]) and a package-lock integrity ("sha512-<base64>")
// by package bundle ([bundle.ParseArtifact]). Nothing here is trusted by
// itself: the bundles are verified like any other, and the predicate type
// the response states is a label only, never believed over the statement.
package npm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/verify"
)

// MaxAttestations bounds the bundles of one attestations response: the
// registry serves two per version (publish and provenance).
const MaxAttestations = 64

// maxDepth bounds the nesting of a response (a bundle nests about ten
// levels deep).
const maxDepth = 64

// ErrAttestations marks an attestations response vouch cannot read.
var ErrAttestations = errors.New("invalid npm attestations response")

// Attestation is one entry of the registry's attestations response.
type Attestation struct {
	// PredicateType is what the response says the bundle attests: a
	// label, never checked against (the verified statement is).
	PredicateType string
	// Bundle is the Sigstore bundle's JSON.
	Bundle []byte
}

// IsAttestations reports whether data looks like an attestations response
// rather than a Sigstore bundle: a JSON object with an "attestations" key
// and no "mediaType". [Attestations] decides whether it is a valid one.
func IsAttestations(data []byte) bool {
	keys, ok := strictjson.Keys(data)
	return ok && keys["attestations"] && !keys["mediaType"]
}

// Attestations splits an attestations response into its bundles. name
// says where it came from, for errors. Duplicate keys, a missing or empty
// list, an entry without a bundle object, or more than [MaxAttestations]
// entries make the whole response invalid.
func Attestations(name string, data []byte) ([]Attestation, error) {
	var doc struct {
		Attestations []struct {
			PredicateType string          `json:"predicateType"`
			Bundle        json.RawMessage `json:"bundle"`
		} `json:"attestations"`
	}
	if err := strictjson.Unmarshal(data, &doc, maxDepth); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrAttestations, err)
	}
	switch n := len(doc.Attestations); {
	case n == 0:
		return nil, fmt.Errorf("%s: %w: \"attestations\" is empty or missing", name, ErrAttestations)
	case n > MaxAttestations:
		return nil, fmt.Errorf("%s: %w: %d attestations, the limit is %d", name, ErrAttestations, n, MaxAttestations)
	}
	out := make([]Attestation, len(doc.Attestations))
	for i, a := range doc.Attestations {
		b := bytes.TrimSpace(a.Bundle)
		if len(b) == 0 || b[0] != '{' {
			return nil, fmt.Errorf("%s: %w: attestations[%d].bundle: expected a Sigstore bundle object", name, ErrAttestations, i)
		}
		out[i] = Attestation{PredicateType: a.PredicateType, Bundle: b}
	}
	return out, nil
}

// CanonicalPURL returns a package URL in one spelling: the type
// lower-cased, every path segment and the version percent-decoded and
// encoded again the same way ("@" always as %40), so that
// "pkg:npm/%40scope/name@1.0.0" and "pkg:npm/@scope/name@1.0.0" compare
// equal (both are "pkg:npm/%40scope/name@1.0.0"). Qualifiers and subpath
// are kept as written. ok is false for what is not a package URL.
func CanonicalPURL(s string) (string, bool) {
	rest, found := strings.CutPrefix(s, "pkg:")
	if !found {
		return "", false
	}
	rest = strings.TrimLeft(rest, "/")
	rest, tail := cutAny(rest, "?#")
	typ, path, found := strings.Cut(rest, "/")
	if !found || typ == "" || path == "" {
		return "", false
	}
	// The version follows the last "@" of the last segment: an encoded or
	// decoded "@" of an npm scope is in an earlier segment.
	version := ""
	last := strings.LastIndex(path, "/") + 1
	if at := strings.LastIndex(path[last:], "@"); at >= 0 {
		path, version = path[:last+at], path[last+at+1:]
	}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		d, err := url.PathUnescape(seg)
		if err != nil || d == "" {
			return "", false
		}
		segs[i] = escape(d)
	}
	out := "pkg:" + strings.ToLower(typ) + "/" + strings.Join(segs, "/")
	if version != "" {
		v, err := url.PathUnescape(version)
		if err != nil {
			return "", false
		}
		out += "@" + escape(v)
	}
	return out + tail, true
}

// escape percent-encodes a decoded segment: what a path segment cannot
// hold, and "@", which separates the version.
func escape(s string) string { return strings.ReplaceAll(url.PathEscape(s), "@", "%40") }

func cutAny(s, chars string) (string, string) {
	if i := strings.IndexAny(s, chars); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// FindingSubjectPURL is the id of [SubjectFinding]'s finding.
const FindingSubjectPURL = "subject.purl"

// SubjectFinding checks that the verified statements name the artifact by
// the package URL purl as well as by digest: at least one statement has a
// subject with that purl whose digests match the artifact's, and no
// statement names the artifact's digest under another name (a provenance
// for another package with the same tarball would otherwise count).
// digests are the artifact's ("sha512" → hex).
func SubjectFinding(purl string, evidence []verify.Evidence, digests map[string]string) verify.Finding {
	return SubjectFindingFunc(purl, evidence, digests, CanonicalPURL)
}

// SubjectFindingFunc is [SubjectFinding] with the spelling of names given:
// canon returns the canonical package URL a subject name (and purl) stands
// for, so that an ecosystem whose statements name files (PyPI's
// distributions) is checked the same way.
func SubjectFindingFunc(purl string, evidence []verify.Evidence, digests map[string]string, canon func(string) (string, bool)) verify.Finding {
	f := verify.Finding{ID: FindingSubjectPURL, Expected: "every attestation names the artifact as " + purl}
	want, ok := canon(purl)
	if !ok {
		f.Status, f.Message, f.Found = verify.StatusError, "--subject is not a package URL", purl
		return f
	}
	var named, other []string
	for _, ev := range evidence {
		for _, sub := range ev.Statement.GetSubject() {
			if !sameDigests(sub.GetDigest(), digests) {
				continue
			}
			if got, _ := canon(sub.GetName()); got == want {
				named = append(named, ev.Bundle)
			} else {
				other = append(other, ev.Bundle+": "+orNone(sub.GetName()))
			}
		}
	}
	sort.Strings(other)
	switch {
	case len(other) > 0:
		f.Status, f.Message = verify.StatusFail, "an attestation names this artifact as another package"
		f.Found = strings.Join(other, "; ")
	case len(named) == 0:
		f.Status, f.Message, f.Found = verify.StatusFail, "no attestation names this artifact as "+purl, "no subject with that name and the artifact's digest"
	default:
		f.Status, f.Message, f.Found = verify.StatusPass, fmt.Sprintf("%d attestations name this artifact as %s", len(named), purl), purl
		f.Evidence = named
	}
	return f
}

// sameDigests: every strong digest both sides have is equal, and there is
// at least one.
func sameDigests(sub, art map[string]string) bool {
	n := 0
	for _, alg := range []string{"sha256", "sha512"} {
		s, a := strings.ToLower(sub[alg]), art[alg]
		if s == "" || a == "" {
			continue
		}
		if s != a {
			return false
		}
		n++
	}
	return n > 0
}

func orNone(s string) string {
	if s == "" {
		return "(no name)"
	}
	return s
}
