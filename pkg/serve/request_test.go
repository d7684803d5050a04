package serve

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

const publishBundle = "../../testdata/sigstore/cases/sigstore/sigstore-go/example-bundle-publish/bundle.sigstore.json"

// FuzzDecodeRequest: the request decoder never panics, and whatever it
// accepts is a request the handler can use — digests canonical, bundles
// JSON objects within the limits, and the key stable across decodes.
func FuzzDecodeRequest(f *testing.F) {
	b, err := os.ReadFile(publishBundle)
	if err != nil {
		f.Fatal(err)
	}
	sha512 := "76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751"
	f.Add([]byte(`{"subject":{"digests":{"sha512":"` + sha512 + `"}},"bundles":[` + string(b) + `]}`))
	f.Add([]byte(`{"subject":{"digests":{"sha256":"` + sha512[:64] + `"},"purl":"pkg:npm/a@1.0.0"},"bundles":[{}]}`))
	f.Add([]byte(`{"subject":{"digests":{}},"bundles":[{}],"bundles":[]}`))
	f.Add([]byte(`[[[[[[[[[[`))
	f.Add([]byte(`{"subject":{"digests":{"sha256":"` + sha512[:64] + `"},"purl":"pkg:pypi/a@1.0","uri":"pypi:a-1.0.tar.gz"},"bundles":[{"version":1,"envelope":{}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeRequest(body)
		if err != nil {
			return
		}
		if len(req.Bundles) == 0 || len(req.Bundles) > MaxBundles || len(req.Subject.Digests) == 0 {
			t.Fatalf("accepted %d bundles, %d digests", len(req.Bundles), len(req.Subject.Digests))
		}
		for _, raw := range req.Bundles {
			var m map[string]any
			if json.Unmarshal(raw, &m) != nil && !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
				t.Fatalf("accepted a bundle that is not an object: %q", raw)
			}
		}
		again, err := decodeRequest(body)
		if err != nil {
			t.Fatalf("second decode: %v", err)
		}
		k1 := requestKey("ns", req, req.bundles(), "p", "t", "")
		if k2 := requestKey("ns", again, again.bundles(), "p", "t", ""); k1 != k2 {
			t.Fatalf("key not stable: %s, %s", k1, k2)
		}
	})
}

// TestRequestKey: everything the decision depends on changes the key;
// the order of the bundles does not.
func TestRequestKey(t *testing.T) {
	mk := func(purl string, bundles ...string) *VerificationRequest {
		r := &VerificationRequest{Subject: RequestSubject{Digests: map[string]string{"sha256": "aa"}, PURL: purl}}
		for _, b := range bundles {
			r.Bundles = append(r.Bundles, json.RawMessage(b))
		}
		return r
	}
	key := func(ns string, r *VerificationRequest, pol, tr string) string {
		return requestKey(ns, r, r.bundles(), pol, tr, "")
	}
	base := key("ns", mk("", `{"a":1}`, `{"b":2}`), "p", "t")
	if got := key("ns", mk("", `{"b":2}`, `{"a":1}`), "p", "t"); got != base {
		t.Errorf("bundle order changed the key")
	}
	for name, other := range map[string]string{
		"namespace":              key("ns2", mk("", `{"a":1}`, `{"b":2}`), "p", "t"),
		"purl":                   key("ns", mk("pkg:npm/a@1", `{"a":1}`, `{"b":2}`), "p", "t"),
		"bundle":                 key("ns", mk("", `{"a":1}`, `{"b":3}`), "p", "t"),
		"policy":                 key("ns", mk("", `{"a":1}`, `{"b":2}`), "p2", "t"),
		"trust":                  key("ns", mk("", `{"a":1}`, `{"b":2}`), "p", "t2"),
		"uri":                    key("ns", withURI(mk("", `{"a":1}`, `{"b":2}`), "pypi:a-1.0.tar.gz"), "p", "t"),
		"repository":             key("ns", withRepository(mk("", `{"a":1}`, `{"b":2}`), "github.com/a/b"), "p", "t"),
		"vulnerability database": requestKey("ns", mk("", `{"a":1}`, `{"b":2}`), mk("", `{"a":1}`, `{"b":2}`).bundles(), "p", "t", "db"),
	} {
		if other == base {
			t.Errorf("a different %s gives the same key", name)
		}
	}
}

func withRepository(r *VerificationRequest, repo string) *VerificationRequest {
	r.Subject.Repository = repo
	return r
}

func withURI(r *VerificationRequest, uri string) *VerificationRequest {
	r.Subject.URI = uri
	return r
}

// TestRequestKeyWithoutURI: a request without subject.uri keeps the key it
// had before URIs were taken, so records stored then are still found.
func TestRequestKeyWithoutURI(t *testing.T) {
	r := &VerificationRequest{Subject: RequestSubject{Digests: map[string]string{"sha256": "aa"}}, Bundles: []json.RawMessage{json.RawMessage(`{}`)}}
	// SHA-256 of {"bundles":[sha256("{}")],"digests":{"sha256":"aa"},"namespace":"ns",
	// "policy":"p","purl":"","trust":"t","v":1}: the key before subject.uri
	// (computed outside Go, from that JSON).
	const before = "0519bcab565169db156181fff24e6e6a5e6c6a4f205d067302eb1e72d1568782"
	if got := requestKey("ns", r, r.bundles(), "p", "t", ""); got != before {
		t.Errorf("key %s, want the key before subject.uri %s", got, before)
	}
}

// TestPackageKey: the spellings of one package version are one key, so a
// registry-shaped read finds its decisions however the request wrote it.
func TestPackageKey(t *testing.T) {
	tests := []struct{ purl, want string }{
		{"pkg:pypi/PyPI_Attestations@0.0.19", "pkg:pypi/pypi-attestations@0.0.19"},
		{"pkg:pypi/pypi.attestations@0.0.19?file_name=x.tar.gz", "pkg:pypi/pypi-attestations@0.0.19"},
		{"pkg:npm/@scope/name@1.0.0", "pkg:npm/%40scope/name@1.0.0"},
		{"pkg:npm/%40scope/name@1.0.0#sub", "pkg:npm/%40scope/name@1.0.0"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := packageKey(tt.purl); got != tt.want {
			t.Errorf("packageKey(%q) = %q, want %q", tt.purl, got, tt.want)
		}
	}
	for spec, want := range map[string]string{"@scope/name@1.0.0": "pkg:npm/%40scope/name@1.0.0", "name@1.0.0": "pkg:npm/name@1.0.0"} {
		if got, err := npmPURL(spec); err != nil || packageKey(got) != want {
			t.Errorf("npmPURL(%q) = %q, %v; want %q", spec, got, err, want)
		}
	}
	for _, bad := range []string{"name", "name@", "@scope/name"} {
		if _, err := npmPURL(bad); err == nil {
			t.Errorf("npmPURL(%q) accepted", bad)
		}
	}
}
