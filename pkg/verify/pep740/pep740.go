// Package pep740 reads the attestations PyPI accepts and serves (PEP 740),
// so that vouch verifies them as any Sigstore bundle:
//
//   - an attestation object ({"version": 1, "verification_material":
//     {"certificate", "transparency_entries"}, "envelope": {"statement",
//     "signature"}}), as uploaded with a distribution;
//   - a provenance object ({"version": 1, "attestation_bundles":
//     [{"publisher": {…}, "attestations": [...]}]}), as PyPI serves at
//     /integrity/<project>/<version>/<file>/provenance.
//
// Each attestation becomes the Sigstore bundle (v0.3) that pypi-attestations'
// Attestation.to_bundle builds: the certificate, the first transparency
// entry as the bundle's only tlog entry, the RFC 3161 timestamps if any,
// and a DSSE envelope of type application/vnd.in-toto+json carrying the
// statement and its one signature. Nothing here is trusted: the bundle is
// verified like any other, and the publisher a provenance object names is a
// label only (the verified certificate says who signed).
package pep740

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/vouchdev/vouch/internal/strictjson"
)

// Predicate types PyPI knows.
const (
	// PublishV1 is PyPI's publish attestation: the distribution was
	// uploaded by its Trusted Publisher.
	PublishV1 = "https://docs.pypi.org/attestations/publish/v1"
	// SLSAProvenanceV1 is SLSA provenance v1.
	SLSAProvenanceV1 = "https://slsa.dev/provenance/v1"
)

// MaxAttestations bounds the attestations of one provenance object: PyPI
// accepts at most one of each kind per file.
const MaxAttestations = 64

// maxDepth bounds nesting (a transparency entry nests five levels).
const maxDepth = 64

const (
	bundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	inTotoType      = "application/vnd.in-toto+json"
)

// ErrPEP740 marks an attestation or provenance object vouch cannot read.
var ErrPEP740 = errors.New("invalid PEP 740 attestation")

// Attestation is one attestation read from an attestation or provenance
// object.
type Attestation struct {
	// Raw is the attestation object's JSON exactly as it was given: a
	// registry serves it back unchanged.
	Raw []byte
	// Publisher is the Trusted Publisher object the provenance object
	// lists the attestation under (nil for a bare attestation): a label,
	// never believed over the certificate.
	Publisher json.RawMessage
	// Bundle is the Sigstore bundle the attestation is.
	Bundle []byte
}

// Is reports whether data looks like a PEP 740 attestation or provenance
// object rather than a Sigstore bundle or an npm attestations response: a
// JSON object with "version" and "envelope" or "attestation_bundles", and
// no "mediaType". [Read] decides whether it is a valid one.
func Is(data []byte) bool {
	keys, ok := strictjson.Keys(data)
	return ok && keys["version"] && (keys["envelope"] || keys["attestation_bundles"]) && !keys["mediaType"]
}

// Read reads an attestation object or a provenance object into its
// attestations, each converted to a Sigstore bundle. name says where the
// data came from, for errors. Repeated keys, unknown fields, a version
// other than 1, an empty provenance object, more than [MaxAttestations]
// attestations, or any attestation that does not convert make the whole
// document invalid.
func Read(name string, data []byte) ([]Attestation, error) {
	if err := strictjson.CheckFolded(data, maxDepth); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrPEP740, err)
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrPEP740, err)
	}
	if _, ok := probe["attestation_bundles"]; !ok {
		b, err := ToBundle(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return []Attestation{{Raw: bytes.TrimSpace(data), Bundle: b}}, nil
	}
	return readProvenance(name, data)
}

// provenance is PyPI's provenance object.
type provenance struct {
	Version            *int `json:"version"`
	AttestationBundles []struct {
		Publisher    json.RawMessage   `json:"publisher"`
		Attestations []json.RawMessage `json:"attestations"`
	} `json:"attestation_bundles"`
}

func readProvenance(name string, data []byte) ([]Attestation, error) {
	var doc provenance
	if err := decodeStrict(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrPEP740, err)
	}
	if doc.Version == nil || *doc.Version != 1 {
		return nil, fmt.Errorf("%s: %w: version: expected 1, found %s", name, ErrPEP740, versionText(doc.Version))
	}
	var out []Attestation
	for i, ab := range doc.AttestationBundles {
		if !isObject(ab.Publisher) {
			return nil, fmt.Errorf("%s: %w: attestation_bundles[%d].publisher: expected a JSON object", name, ErrPEP740, i)
		}
		if len(ab.Attestations) == 0 {
			return nil, fmt.Errorf("%s: %w: attestation_bundles[%d].attestations: expected at least one attestation, found none", name, ErrPEP740, i)
		}
		for j, raw := range ab.Attestations {
			if len(out) == MaxAttestations {
				return nil, fmt.Errorf("%s: %w: more than %d attestations", name, ErrPEP740, MaxAttestations)
			}
			b, err := ToBundle(raw)
			if err != nil {
				return nil, fmt.Errorf("%s: attestation_bundles[%d].attestations[%d]: %w", name, i, j, err)
			}
			out = append(out, Attestation{Raw: bytes.TrimSpace(raw), Publisher: bytes.TrimSpace(ab.Publisher), Bundle: b})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w: attestation_bundles: expected at least one attestation bundle, found none", name, ErrPEP740)
	}
	return out, nil
}

// attestation is PEP 740's attestation object. The byte fields are
// base64 (standard alphabet, padded), as pypi-attestations writes them.
type attestation struct {
	Version              *int `json:"version"`
	VerificationMaterial *struct {
		Certificate         string            `json:"certificate"`
		TransparencyEntries []json.RawMessage `json:"transparency_entries"`
		// Timestamps are RFC 3161 signed timestamps (DER, base64), which
		// newer pypi-attestations records next to the log entries.
		Timestamps []string `json:"timestamps"`
	} `json:"verification_material"`
	Envelope *struct {
		Statement string `json:"statement"`
		Signature string `json:"signature"`
	} `json:"envelope"`
}

// ToBundle converts one PEP 740 attestation object to the Sigstore bundle
// (v0.3 JSON) pypi-attestations' to_bundle builds. Only the first
// transparency entry is used, as there. The certificate must be DER X.509;
// the statement and signature must be base64 and not empty.
func ToBundle(data []byte) ([]byte, error) {
	if err := strictjson.CheckFolded(data, maxDepth); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPEP740, err)
	}
	var a attestation
	if err := decodeStrict(data, &a); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPEP740, err)
	}
	if a.Version == nil || *a.Version != 1 {
		return nil, fmt.Errorf("%w: version: expected 1, found %s", ErrPEP740, versionText(a.Version))
	}
	vm, env := a.VerificationMaterial, a.Envelope
	if vm == nil || env == nil {
		return nil, fmt.Errorf("%w: expected verification_material and envelope objects", ErrPEP740)
	}
	cert, err := decode64("verification_material.certificate", vm.Certificate)
	if err != nil {
		return nil, err
	}
	if _, err := x509.ParseCertificate(cert); err != nil {
		return nil, fmt.Errorf("%w: verification_material.certificate: expected a DER X.509 certificate: %v", ErrPEP740, err)
	}
	if len(vm.TransparencyEntries) == 0 || !isObject(vm.TransparencyEntries[0]) {
		return nil, fmt.Errorf("%w: verification_material.transparency_entries: expected at least one log entry object", ErrPEP740)
	}
	statement, err := decode64("envelope.statement", env.Statement)
	if err != nil {
		return nil, err
	}
	sig, err := decode64("envelope.signature", env.Signature)
	if err != nil {
		return nil, err
	}
	return marshalBundle(cert, vm.TransparencyEntries[0], vm.Timestamps, statement, sig)
}

// marshalBundle writes the bundle. The log entry is copied as given (the
// same protobuf JSON in both formats); the verifier parses it strictly.
func marshalBundle(cert []byte, entry json.RawMessage, timestamps []string, statement, sig []byte) ([]byte, error) {
	type rawBytes struct {
		SignedTimestamp string `json:"signedTimestamp"`
	}
	vm := map[string]any{
		"certificate": map[string]string{"rawBytes": base64.StdEncoding.EncodeToString(cert)},
		"tlogEntries": []json.RawMessage{entry},
	}
	if len(timestamps) > 0 {
		ts := make([]rawBytes, len(timestamps))
		for i, t := range timestamps {
			der, err := decode64(fmt.Sprintf("verification_material.timestamps[%d]", i), t)
			if err != nil {
				return nil, err
			}
			ts[i] = rawBytes{SignedTimestamp: base64.StdEncoding.EncodeToString(der)}
		}
		vm["timestampVerificationData"] = map[string]any{"rfc3161Timestamps": ts}
	}
	b := map[string]any{
		"mediaType":            bundleMediaType,
		"verificationMaterial": vm,
		"dsseEnvelope": map[string]any{
			"payload":     base64.StdEncoding.EncodeToString(statement),
			"payloadType": inTotoType,
			"signatures":  []map[string]string{{"sig": base64.StdEncoding.EncodeToString(sig)}},
		},
	}
	out, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPEP740, err)
	}
	return out, nil
}

// decode64 decodes a non-empty standard base64 field.
func decode64(field, s string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: expected standard base64: %v", ErrPEP740, field, err)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: %s: expected base64 bytes, found none", ErrPEP740, field)
	}
	return b, nil
}

// decodeStrict decodes one JSON value with no unknown fields and nothing
// after it.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return strictjson.Explain(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

func isObject(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && t[0] == '{'
}

func versionText(v *int) string {
	if v == nil {
		return "none"
	}
	return fmt.Sprint(*v)
}
