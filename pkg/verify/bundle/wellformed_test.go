package bundle_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sgbundle "github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/verify/bundle"
	"github.com/vouchdev/vouch/pkg/verify/trust"
)

// managedKeyDir is the conformance case of a key-signed bundle (v0.3) with
// a Rekor entry carrying both an inclusion promise and an inclusion proof,
// and the trusted root of the instance that logged it.
const managedKeyDir = "../../../testdata/sigstore-conformance/managed-key-and-trusted-root"

// managedKey returns the case's bundle as a JSON tree to mutate, and a
// function that parses and verifies a (mutated) tree against the case's
// key and trusted root.
func managedKey(t *testing.T) (map[string]any, func(map[string]any) error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(managedKeyDir, "bundle.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := json.Unmarshal(data, &tree); err != nil {
		t.Fatal(err)
	}
	key, err := trust.FromPublicKeyFile(filepath.Join(managedKeyDir, "key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := trust.FromTrustedRootFile(filepath.Join(managedKeyDir, "trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	artifact := bundle.ArtifactFile(filepath.Join(managedKeyDir, "..", "a.txt"))
	verify := func(tree map[string]any) error {
		data, err := json.Marshal(tree)
		if err != nil {
			t.Fatal(err)
		}
		b, err := bundle.Parse(data)
		if err != nil {
			return err
		}
		_, err = bundle.Verify(context.Background(), b, artifact, trust.Combine(key, tr), bundle.Policy{})
		return err
	}
	return tree, verify
}

// at walks a JSON tree along keys and array indexes.
func at(t *testing.T, v any, path ...any) map[string]any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("no object at %v", path)
	}
	return m
}

// TestRequiredFieldsEmpty: a REQUIRED field that is present but empty
// makes the bundle malformed, naming the field; the controls show that the
// genuine bundle verifies and that leaving an optional message out (rather
// than empty) is still accepted.
func TestRequiredFieldsEmpty(t *testing.T) {
	entry := []any{"verificationMaterial", "tlogEntries", 0}
	tests := []struct {
		name   string
		mutate func(t *testing.T, tree map[string]any)
		field  string // "" for a control that must verify
	}{
		{"control: genuine bundle", func(*testing.T, map[string]any) {}, ""},
		{"control: inclusion promise left out (v0.3 needs only the proof)", func(t *testing.T, tree map[string]any) {
			delete(at(t, tree, entry...), "inclusionPromise")
		}, ""},
		{"control: inclusion promise null", func(t *testing.T, tree map[string]any) {
			at(t, tree, entry...)["inclusionPromise"] = nil
		}, ""},
		{"empty inclusion promise", func(t *testing.T, tree map[string]any) {
			at(t, tree, entry...)["inclusionPromise"] = map[string]any{}
		}, "tlogEntries[0].inclusionPromise.signedEntryTimestamp"},
		{"empty signed entry timestamp", func(t *testing.T, tree map[string]any) {
			at(t, tree, append(entry, "inclusionPromise")...)["signedEntryTimestamp"] = ""
		}, "tlogEntries[0].inclusionPromise.signedEntryTimestamp"},
		{"empty canonicalized body", func(t *testing.T, tree map[string]any) {
			at(t, tree, entry...)["canonicalizedBody"] = ""
		}, "tlogEntries[0].canonicalizedBody"},
		{"empty log id", func(t *testing.T, tree map[string]any) {
			at(t, tree, entry...)["logId"] = map[string]any{}
		}, "tlogEntries[0].logId.keyId"},
		{"log id left out", func(t *testing.T, tree map[string]any) {
			delete(at(t, tree, entry...), "logId")
		}, "tlogEntries[0].logId.keyId"},
		{"kindVersion left out", func(t *testing.T, tree map[string]any) {
			delete(at(t, tree, entry...), "kindVersion")
		}, "tlogEntries[0].kindVersion"},
		{"empty kind", func(t *testing.T, tree map[string]any) {
			at(t, tree, append(entry, "kindVersion")...)["kind"] = ""
		}, "tlogEntries[0].kindVersion"},
		{"empty inclusion proof root hash", func(t *testing.T, tree map[string]any) {
			delete(at(t, tree, append(entry, "inclusionProof")...), "rootHash")
		}, "tlogEntries[0].inclusionProof.rootHash"},
		{"empty message signature", func(t *testing.T, tree map[string]any) {
			at(t, tree, "messageSignature")["signature"] = ""
		}, "messageSignature.signature"},
		{"empty RFC 3161 timestamp", func(t *testing.T, tree map[string]any) {
			at(t, tree, "verificationMaterial")["timestampVerificationData"] = map[string]any{
				"rfc3161Timestamps": []any{map[string]any{}},
			}
		}, "rfc3161Timestamps[0].signedTimestamp"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tree, verify := managedKey(t)
			tc.mutate(t, tree)
			err := verify(tree)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("legitimate bundle refused: %v", err)
				}
				return
			}
			if !errors.Is(err, bundle.ErrMalformed) {
				t.Fatalf("got %v, want %v", err, bundle.ErrMalformed)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("error %q does not name %s", err, tc.field)
			}
		})
	}
}

// TestRequiredFieldsInMemory: a bundle built in memory, which never went
// through Parse, is checked by Verify as well.
func TestRequiredFieldsInMemory(t *testing.T) {
	artifact := []byte("release artifact v1\n")
	ks := newKeySigner(t)
	b := ks.dsse(t, statementFor(t, artifact, bundle.StatementTypeV1), sgbundle.IntotoMediaType)
	if _, err := bundle.Verify(context.Background(), b, digestOf(t, artifact), ks.key, bundle.Policy{}); err != nil {
		t.Fatalf("control: %v", err)
	}
	b.GetDsseEnvelope().Signatures[0].Sig = nil
	_, err := bundle.Verify(context.Background(), b, digestOf(t, artifact), ks.key, bundle.Policy{})
	if !errors.Is(err, bundle.ErrMalformed) || !strings.Contains(err.Error(), "dsseEnvelope.signatures[0].sig") {
		t.Fatalf("got %v, want %v naming dsseEnvelope.signatures[0].sig", err, bundle.ErrMalformed)
	}
}

// TestDuplicateKeys: a repeated object key anywhere in a bundle or in a
// signed statement is refused, naming where; the same documents without
// the repetition verify.
func TestDuplicateKeys(t *testing.T) {
	ctx := context.Background()
	genuine, err := os.ReadFile(filepath.Join(managedKeyDir, "bundle.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, verify := managedKey(t)
	reparse := func(data []byte) error {
		var tree map[string]any
		if err := json.Unmarshal(data, &tree); err != nil {
			t.Fatal(err)
		}
		if _, err := bundle.Parse(data); err != nil {
			return err
		}
		return verify(tree)
	}
	dupMediaType := strings.Replace(string(genuine), `"mediaType"`,
		`"mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1", "mediaType"`, 1)
	dupIndex := strings.Replace(string(genuine), `"logIndex"`, `"logIndex": "1", "logIndex"`, 1)
	tests := []struct {
		name string
		data string
		at   string // "" for a control
	}{
		{"control: genuine bundle", string(genuine), ""},
		{"mediaType twice", dupMediaType, "$"},
		{"logIndex twice in a log entry", dupIndex, "$.verificationMaterial.tlogEntries[0]"},
	}
	for _, tc := range tests {
		t.Run("bundle/"+tc.name, func(t *testing.T) {
			err := reparse([]byte(tc.data))
			if tc.at == "" {
				if err != nil {
					t.Fatalf("legitimate bundle refused: %v", err)
				}
				return
			}
			if !errors.Is(err, bundle.ErrMalformed) || !strings.Contains(err.Error(), "duplicate JSON object key") ||
				!strings.Contains(err.Error(), "at "+tc.at) {
				t.Fatalf("got %v, want %v: duplicate key at %s", err, bundle.ErrMalformed, tc.at)
			}
		})
	}

	artifact := []byte("release artifact v1\n")
	ks := newKeySigner(t)
	stmt := string(statementFor(t, artifact, bundle.StatementTypeV1))
	statements := []struct {
		name string
		data string
		dup  bool
	}{
		{"control: statement", stmt, false},
		{"predicate twice", strings.Replace(stmt, `"predicate":`, `"predicate":{"buildDefinition":{"buildType":"https://evil.example/build"}},"predicate":`, 1), true},
		{"key twice inside the predicate", strings.Replace(stmt, `"buildType":`, `"buildType":"https://evil.example/build","buildType":`, 1), true},
	}
	for _, tc := range statements {
		t.Run("statement/"+tc.name, func(t *testing.T) {
			if tc.dup && tc.data == stmt {
				t.Fatal("fixture does not repeat a key")
			}
			b := ks.dsse(t, []byte(tc.data), sgbundle.IntotoMediaType)
			_, err := bundle.Verify(ctx, b, digestOf(t, artifact), ks.key, bundle.Policy{})
			if !tc.dup {
				if err != nil {
					t.Fatalf("legitimate statement refused: %v", err)
				}
				return
			}
			if !errors.Is(err, bundle.ErrStatement) {
				t.Fatalf("got %v, want %v", err, bundle.ErrStatement)
			}
			if !errors.Is(err, strictjson.ErrDuplicateKey) && !strings.Contains(err.Error(), "duplicate") {
				t.Errorf("error %q does not say the key is repeated", err)
			}
		})
	}
}

// TestTerminalSafety: text from an unverified bundle reaches errors with
// its control characters escaped; the value is still shown.
func TestTerminalSafety(t *testing.T) {
	ctx := context.Background()
	artifact := []byte("release artifact v1\n")
	ks := newKeySigner(t)
	stranger := newKeySigner(t)
	const esc = "\x1b]0;owned\a\x1b[2J"
	tests := []struct {
		name string
		run  func(t *testing.T) error
		want string // the escaped form that must appear
	}{
		{"mediaType", func(t *testing.T) error {
			data := marshal(t, ks.blob(t, artifact))
			data = []byte(strings.Replace(string(data), "application/vnd.dev.sigstore.bundle.v0.3+json", "application/x"+`\u001b]0;owned\u0007\u001b[2J`, 1))
			_, err := bundle.Parse(data)
			return err
		}, `\x1b]0;owned\a\x1b[2J`},
		{"DSSE payload type", func(t *testing.T) error {
			b := ks.dsse(t, statementFor(t, artifact, bundle.StatementTypeV1), "application/x"+esc)
			_, err := bundle.Verify(ctx, b, digestOf(t, artifact), ks.key, bundle.Policy{})
			return err
		}, `\x1b]0;owned\a\x1b[2J`},
		{"key hint of an untrusted key", func(t *testing.T) error {
			b := stranger.blob(t, artifact)
			b.GetVerificationMaterial().GetPublicKey().Hint = "key" + esc
			_, err := bundle.Verify(ctx, b, digestOf(t, artifact), ks.key, bundle.Policy{})
			return err
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run(t)
			if err == nil {
				t.Fatal("hostile bundle accepted")
			}
			if strings.ContainsAny(err.Error(), "\x1b\a") {
				t.Errorf("raw control characters in %q", err)
			}
			if tc.want != "" && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not show the value as %s", err, tc.want)
			}
		})
	}
	if got, want := bundle.HintKeyID("key"+esc), `key\x1b]0;owned\a\x1b[2J`; got != want {
		t.Errorf("HintKeyID = %q, want %q", got, want)
	}
}
