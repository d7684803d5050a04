package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestReviewDigestArgumentIsNotAFileName: "vouch verify sha256:<hex>"
// verifies that digest — unless a file of that name exists in the working
// directory, which is then read instead. Whoever can put a file into the
// directory a registry job runs in (an upload named "sha256:<digest of
// the malicious artifact>") turns the check of the malicious digest into
// a check of a legitimately signed file: exit 0, and the report's name
// is the digest that was asked about while nothing signed it.
//
// Controls: the signed digest verifies; the malicious digest with no such
// file is refused. Attack: the malicious digest with the planted file must
// be refused too (or the ambiguous argument refused).
func TestReviewDigestArgumentIsNotAFileName(t *testing.T) {
	dir := t.TempDir()
	s, _, pub := testKey(t, dir, "release")
	arts := signedArtifacts(t, s, dir, 1)
	signedData, err := os.ReadFile(arts[0])
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(signedData)
	signed := "sha256:" + hex.EncodeToString(sum[:])
	mal := sha256.Sum256([]byte("malicious\n"))
	malicious := "sha256:" + hex.EncodeToString(mal[:])
	bundle := arts[0] + ".sigstore.json"

	work := t.TempDir()
	t.Chdir(work)
	if code, out, errb := runVouch(t, "verify", "--key", pub, "--bundle", bundle, signed); code != 0 {
		t.Fatalf("control: the signed digest: exit %d\n%s%s", code, out, errb)
	}
	if code, _, _ := runVouch(t, "verify", "--key", pub, "--bundle", bundle, malicious); code != 3 {
		t.Fatalf("control: the malicious digest: exit %d, want 3", code)
	}
	// The attacker's upload, named after the malicious digest, holds the
	// signed bytes.
	if err := os.WriteFile(filepath.Join(work, malicious), signedData, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runVouch(t, "verify", "--key", pub, "--bundle", bundle, malicious); code == 0 {
		t.Errorf("vouch verify %s: exit 0 although nothing signed that digest (a file of that name was read instead):\n%s", malicious, out)
	} else {
		t.Log("refused: exit " + strconv.Itoa(code))
	}
}

// TestReviewEmptyBatchIsNotVerified: a report with no artifact is not
// verified (verify.NewReport), and `vouch verify` needs an ARTIFACT — but
// --batch with an empty file (or only blank lines) exits 0, "every
// artifact verified", having verified nothing. A pipeline whose list of
// uploads came out empty (or was truncated to nothing) reads success.
//
// Control: one verifiable line exits 0. Attack: zero lines must not.
func TestReviewEmptyBatchIsNotVerified(t *testing.T) {
	dir := t.TempDir()
	s, _, pub := testKey(t, dir, "release")
	arts := signedArtifacts(t, s, dir, 1)
	one := filepath.Join(dir, "one.jsonl")
	if err := os.WriteFile(one, []byte(`{"artifact": "`+arts[0]+`", "bundles": ["`+arts[0]+`.sigstore.json"]}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errb := runVouch(t, "verify", "--key", pub, "--batch", one); code != 0 {
		t.Fatalf("control: exit %d\n%s%s", code, out, errb)
	}
	for name, content := range map[string]string{"empty": "", "blank lines": "\n  \n\n"} {
		f := filepath.Join(dir, "batch.jsonl")
		if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, _ := runVouch(t, "verify", "--key", pub, "--batch", f); code == 0 {
			t.Errorf("%s batch: exit 0 with nothing verified", name)
		}
	}
}
