package pep740_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/verify/pep740"
)

const pypiDir = "../../../testdata/pypi"

const (
	provenanceFile = "pypi_attestations-0.0.19.tar.gz.provenance"
	slsaFile       = "pypi_attestations-0.0.19.tar.gz.slsa.attestation"
	// timestampedFile carries an RFC 3161 timestamp besides its log entry.
	timestampedFile = "pypi_attestations-0.0.19.tar.gz.publish.attestation.with_timestamp"
)

func read(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(pypiDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// wireBundle is the part of a Sigstore bundle the conversion writes.
type wireBundle struct {
	MediaType            string `json:"mediaType"`
	VerificationMaterial struct {
		Certificate struct {
			RawBytes string `json:"rawBytes"`
		} `json:"certificate"`
		TlogEntries []json.RawMessage `json:"tlogEntries"`
	} `json:"verificationMaterial"`
	DSSEEnvelope struct {
		Payload     string `json:"payload"`
		PayloadType string `json:"payloadType"`
		Signatures  []struct {
			Sig string `json:"sig"`
		} `json:"signatures"`
	} `json:"dsseEnvelope"`
}

// TestReadReal reads PyPI's real provenance object and a real attestation
// object: each attestation becomes a v0.3 bundle holding the same
// certificate, first log entry, statement and signature, and keeps its
// bytes and publisher for serving back.
func TestReadReal(t *testing.T) {
	tests := []struct {
		file      string
		publisher string
	}{
		{provenanceFile, `"repository":"trailofbits/pypi-attestations"`},
		{slsaFile, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := read(t, tt.file)
			if !pep740.Is(data) {
				t.Fatal("Is = false")
			}
			atts, err := pep740.Read(tt.file, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(atts) != 1 {
				t.Fatalf("%d attestations, want 1", len(atts))
			}
			a := atts[0]
			if !bytes.Contains(data, a.Raw) || a.Raw[0] != '{' {
				t.Errorf("Raw is not the attestation's bytes as given")
			}
			if !strings.Contains(string(a.Publisher), tt.publisher) || (tt.publisher == "") != (a.Publisher == nil) {
				t.Errorf("publisher %s, want one with %s", a.Publisher, tt.publisher)
			}
			var src struct {
				VM struct {
					Certificate string            `json:"certificate"`
					Entries     []json.RawMessage `json:"transparency_entries"`
				} `json:"verification_material"`
				Env struct {
					Statement string `json:"statement"`
					Signature string `json:"signature"`
				} `json:"envelope"`
			}
			if err := json.Unmarshal(a.Raw, &src); err != nil {
				t.Fatal(err)
			}
			var b wireBundle
			if err := json.Unmarshal(a.Bundle, &b); err != nil {
				t.Fatal(err)
			}
			if b.MediaType != "application/vnd.dev.sigstore.bundle.v0.3+json" || b.DSSEEnvelope.PayloadType != "application/vnd.in-toto+json" {
				t.Errorf("media type %q, payload type %q", b.MediaType, b.DSSEEnvelope.PayloadType)
			}
			if b.VerificationMaterial.Certificate.RawBytes != src.VM.Certificate || b.DSSEEnvelope.Payload != src.Env.Statement ||
				len(b.DSSEEnvelope.Signatures) != 1 || b.DSSEEnvelope.Signatures[0].Sig != src.Env.Signature {
				t.Error("certificate, statement or signature changed in the conversion")
			}
			if len(b.VerificationMaterial.TlogEntries) != 1 || !bytes.Equal(b.VerificationMaterial.TlogEntries[0], src.VM.Entries[0]) {
				t.Error("the first transparency entry is not the bundle's tlog entry")
			}
		})
	}
}

// TestIs tells the PEP 740 shapes from a Sigstore bundle and an npm
// attestations response.
func TestIs(t *testing.T) {
	tests := []struct {
		doc  string
		want bool
	}{
		{`{"version":1,"envelope":{}}`, true},
		{`{"version":1,"attestation_bundles":[]}`, true},
		{`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","version":1,"envelope":{}}`, false},
		{`{"attestations":[]}`, false},
		{`{"envelope":{}}`, false},
		{`[1]`, false},
		{``, false},
	}
	for _, tt := range tests {
		if got := pep740.Is([]byte(tt.doc)); got != tt.want {
			t.Errorf("Is(%s) = %v, want %v", tt.doc, got, tt.want)
		}
	}
}

// TestReadInvalid: each malformed document is refused with ErrPEP740 and
// an error naming the field; the real document next to them is read.
func TestReadInvalid(t *testing.T) {
	real := read(t, slsaFile)
	var obj map[string]any
	if err := json.Unmarshal(real, &obj); err != nil {
		t.Fatal(err)
	}
	edit := func(f func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal(real, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	vm := func(m map[string]any) map[string]any { return m["verification_material"].(map[string]any) }
	env := func(m map[string]any) map[string]any { return m["envelope"].(map[string]any) }
	tests := []struct {
		name, doc, want string
	}{
		{"control: the real attestation", string(real), ""},
		{"version 2", edit(func(m map[string]any) { m["version"] = 2 }), "version: expected 1, found 2"},
		{"no version", edit(func(m map[string]any) { delete(m, "version") }), "version: expected 1, found none"},
		{"unknown field", edit(func(m map[string]any) { m["extra"] = true }), "unknown field"},
		{"no envelope", edit(func(m map[string]any) { delete(m, "envelope") }), "expected verification_material and envelope"},
		{"certificate not base64", edit(func(m map[string]any) { vm(m)["certificate"] = "%%%" }), "verification_material.certificate"},
		{"certificate not X.509", edit(func(m map[string]any) { vm(m)["certificate"] = "AAAA" }), "DER X.509"},
		{"no log entries", edit(func(m map[string]any) { vm(m)["transparency_entries"] = []any{} }), "transparency_entries"},
		{"log entry not an object", edit(func(m map[string]any) { vm(m)["transparency_entries"] = []any{"x"} }), "transparency_entries"},
		{"empty statement", edit(func(m map[string]any) { env(m)["statement"] = "" }), "envelope.statement"},
		{"signature not base64", edit(func(m map[string]any) { env(m)["signature"] = "a b" }), "envelope.signature"},
		{"repeated key", strings.Replace(string(real), `{"version":1,`, `{"version":1,"version":1,`, 1), "version"},
		{"provenance: no bundles", `{"version":1,"attestation_bundles":[]}`, "expected at least one attestation bundle"},
		{"provenance: no publisher", `{"version":1,"attestation_bundles":[{"attestations":[` + string(real) + `]}]}`, "publisher: expected a JSON object"},
		{"provenance: no attestations", `{"version":1,"attestation_bundles":[{"publisher":{},"attestations":[]}]}`, "attestations: expected at least one"},
		{"provenance: version 0", `{"version":0,"attestation_bundles":[{"publisher":{},"attestations":[` + string(real) + `]}]}`, "version: expected 1, found 0"},
		{"provenance: a bad attestation", `{"version":1,"attestation_bundles":[{"publisher":{},"attestations":[{"version":1}]}]}`, "attestation_bundles[0].attestations[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pep740.Read("doc.json", []byte(tt.doc))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, pep740.ErrPEP740) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want ErrPEP740 naming %q", err, tt.want)
			}
		})
	}
}

// TestDistributionPURL: filenames map to their release's package URL with
// PyPI's name normalization; what is not a distribution does not.
func TestDistributionPURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"pypi_attestations-0.0.19.tar.gz", "pkg:pypi/pypi-attestations@0.0.19"},
		{"Sample.Project-1.0.zip", "pkg:pypi/sample-project@1.0"},
		{"rfc8785-0.1.2-py3-none-any.whl", "pkg:pypi/rfc8785@0.1.2"},
		{"spt3g-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "pkg:pypi/spt3g@1.0"},
		{"pkg-1.0-1-py3-none-any.whl", "pkg:pypi/pkg@1.0"},
		{"pkg-py3-none-any.whl", ""},
		{"pkg.tar.gz", ""},
		{"pkg-1.0.exe", ""},
		{"../pkg-1.0.tar.gz", ""},
	}
	for _, tt := range tests {
		got, ok := pep740.DistributionPURL(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("DistributionPURL(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	for in, want := range map[string]string{
		"pkg:pypi/PyPI_Attestations@0.0.19": "pkg:pypi/pypi-attestations@0.0.19",
		"pkg:pypi/pypi-attestations@0.0.19": "pkg:pypi/pypi-attestations@0.0.19",
		"pkg:npm/%40scope/name@1.0.0":       "pkg:npm/%40scope/name@1.0.0",
		"pkg:pypi/noversion":                "",
	} {
		if got, ok := pep740.SubjectPURL(in); got != want || ok != (want != "") {
			t.Errorf("SubjectPURL(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// FuzzRead: no input panics, and whatever converts keeps the statement and
// signature bytes and is a v0.3 DSSE bundle.
func FuzzRead(f *testing.F) {
	f.Add(read(f, provenanceFile))
	f.Add(read(f, slsaFile))
	f.Add(read(f, timestampedFile))
	f.Add([]byte(`{"version":1,"attestation_bundles":[{"publisher":{},"attestations":[{"version":1}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		atts, err := pep740.Read("fuzz", data)
		if err != nil {
			if !errors.Is(err, pep740.ErrPEP740) {
				t.Fatalf("error without ErrPEP740: %v", err)
			}
			return
		}
		for _, a := range atts {
			var b wireBundle
			if err := json.Unmarshal(a.Bundle, &b); err != nil {
				t.Fatalf("bundle is not JSON: %v", err)
			}
			var src struct {
				Env struct {
					Statement string `json:"statement"`
				} `json:"envelope"`
			}
			if err := json.Unmarshal(a.Raw, &src); err != nil {
				t.Fatal(err)
			}
			want, _ := base64.StdEncoding.DecodeString(src.Env.Statement)
			got, _ := base64.StdEncoding.DecodeString(b.DSSEEnvelope.Payload)
			if !bytes.Equal(got, want) || len(b.DSSEEnvelope.Signatures) != 1 || len(b.VerificationMaterial.TlogEntries) != 1 {
				t.Fatal("the bundle does not carry the attestation's statement, one signature and one log entry")
			}
		}
	})
}

// TestGitHubPublisher: the publisher read from a real attestation's
// certificate is the one PyPI lists it under in its provenance object.
func TestGitHubPublisher(t *testing.T) {
	atts, err := pep740.Read(provenanceFile, read(t, provenanceFile))
	if err != nil {
		t.Fatal(err)
	}
	got, err := pep740.GitHubPublisher(atts[0].Raw)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, atts[0].Publisher) {
		t.Errorf("publisher %s, PyPI lists %s", got, atts[0].Publisher)
	}
	if _, err := pep740.GitHubPublisher([]byte(`{"verification_material":{"certificate":"AAAA"}}`)); !errors.Is(err, pep740.ErrPEP740) {
		t.Errorf("a certificate that is not one: %v", err)
	}
}
