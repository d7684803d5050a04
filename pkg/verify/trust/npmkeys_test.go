package trust

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const npmKeysFile = "../../../testdata/npm/registry-keys.json"

// TestParseNPMKeys reads the registry's keys document: its key is the
// registry's attestation key (the same as slsa-verifier's PEM copy), its
// keyid the key's fingerprint, its expiry a validity window.
func TestParseNPMKeys(t *testing.T) {
	data, err := os.ReadFile(npmKeysFile)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ParseNPMKeys("keys.json", data)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := FromPublicKeyFile("../../../testdata/slsa/npm-registry-attestations-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	k := keys[0]
	if len(keys) != 1 || k.ID() != pem.ID() || k.KeyID != "SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA" ||
		!k.Expires.Equal(time.Date(2025, 1, 29, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("keys %+v, want the registry key %s expiring 2025-01-29", keys, pem.ID())
	}
	if !HasValidityWindow(k.Key) || HasValidityWindow(pem) {
		t.Error("only the key with an expiry has a validity window")
	}
	v, _ := k.PublicKeyVerifier("")
	if !v.ValidAtTime(k.Expires.Add(-time.Hour)) || v.ValidAtTime(k.Expires.Add(time.Hour)) {
		t.Error("the key is not valid exactly until it expires")
	}

	field := func(f, v string) string { return strings.Replace(string(data), f, v, 1) }
	key := `"key":"MFkw`
	for name, tc := range map[string]struct{ doc, want string }{
		"wrong keyid":      {field("SHA256:jl3bw", "SHA256:AAAAA"), "keys[0].keyid"},
		"keyid of the DER": {field("SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA", "SHA256:HpCKVUWf5t2sHMvBN+qGMe6DcDL+wqLMxSizjYHxcQg"), "keys[0].keyid"},
		"keytype":          {field(`"keytype":"ecdsa-sha2-nistp256"`, `"keytype":"ssh-rsa"`), "keys[0].keytype"},
		"scheme":           {field(`"scheme":"ecdsa-sha2-nistp256"`, `"scheme":"ecdsa-sha2-nistp384"`), "keys[0].scheme"},
		"key not base64":   {field(key, `"key":"!!`), "keys[0].key"},
		"key not ECDSA":    {field(key, `"key":"AAAA`), "keys[0].key"},
		"expires":          {field(`"2025-01-29T00:00:00.000Z"`, `"next year"`), "keys[0].expires"},
		"no keys":          {`{"keys":[]}`, `"keys" is empty`},
		"duplicate key":    {strings.Replace(string(data), `{"expires"`, `{"expires":null,"expires"`, 1), "duplicate"},
		"not JSON":         {`{"keys":`, "keys.json"},
	} {
		_, err := ParseNPMKeys("keys.json", []byte(tc.doc))
		if !errors.Is(err, ErrNPMKeys) || !strings.Contains(err.Error(), "keys.json") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want ErrNPMKeys naming keys.json and %q", name, err, tc.want)
		}
	}
}

// TestLoadKeys: --key takes a PEM key or a keys document, and refuses
// anything else.
func TestLoadKeys(t *testing.T) {
	keys, err := LoadKeys(npmKeysFile)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys document: %v, %v", keys, err)
	}
	pem, err := LoadKeys("../../../testdata/slsa/npm-registry-attestations-key.pem")
	if err != nil || len(pem) != 1 || pem[0].ID() != keys[0].ID() {
		t.Fatalf("PEM: %v, %v", pem, err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"keys":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeys(bad); !errors.Is(err, ErrNPMKeys) {
		t.Errorf("empty keys document: %v", err)
	}
	if _, err := LoadKeys(t.TempDir()); err == nil {
		t.Error("a directory was read as a key")
	}
}

// FuzzParseNPMKeys: the keys document is untrusted input.
func FuzzParseNPMKeys(f *testing.F) {
	if data, err := os.ReadFile(npmKeysFile); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"keys":[{"keyid":"SHA256:x","keytype":"ecdsa-sha2-nistp256","scheme":"ecdsa-sha2-nistp256","key":"","expires":null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParseNPMKeys("f", data)
		if err == nil && len(keys) == 0 {
			t.Fatal("no keys and no error")
		}
		for _, k := range keys {
			if k.Key == nil || !strings.HasPrefix(k.KeyID, "SHA256:") {
				t.Fatalf("key %+v", k)
			}
		}
	})
}
