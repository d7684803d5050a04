package format

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"github.com/vouchdev/vouch/internal/strictjson"
)

// TestReview2CaseVariantDuplicateKeys: encoding/json matches an object's
// member names to struct fields case-insensitively (with Unicode folding:
// "ſ" is "s"), so "purl" and "PURL" are one field to vouch's decoders and
// the last value wins — while every case-sensitive reader (JavaScript,
// Python, System.Text.Json, protojson) takes "purl" and ignores the other.
// strictjson compares keys byte for byte and lets the pair through: the
// duplicate-key hole of issue 8 stays open for case variants. Control: the
// same pair spelled identically is refused, and the untouched document
// decodes to the purl it states.
func TestReview2CaseVariantDuplicateKeys(t *testing.T) {
	good, err := os.ReadFile("../check/testdata/syft-go-binary.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	const old = `"purl": "pkg:golang/example.com/hello@(devel)",`
	if !bytes.Contains(good, []byte(old)) {
		t.Fatalf("fixture lacks %s", old)
	}
	purlOf := func(data []byte) (string, error) {
		doc, _, err := Decode(context.Background(), bytes.NewReader(data))
		if err != nil {
			return "", err
		}
		for _, c := range doc.Components {
			if c.Name == "example.com/hello" {
				return c.PURL, nil
			}
		}
		t.Fatalf("component example.com/hello not decoded")
		return "", nil
	}
	if p, err := purlOf(good); err != nil || p != "pkg:golang/example.com/hello@(devel)" {
		t.Fatalf("control: untouched document: purl %q, err %v", p, err)
	}
	same := bytes.Replace(good, []byte(old), []byte(old+` "purl": "pkg:golang/evil@v1.0.0",`), 1)
	if _, err := purlOf(same); !errors.Is(err, strictjson.ErrDuplicateKey) {
		t.Fatalf("control: exact duplicate: %v, want ErrDuplicateKey", err)
	}
	for _, variant := range []string{"PURL", "Purl", "pUrl"} {
		bad := bytes.Replace(good, []byte(old), []byte(old+` "`+variant+`": "pkg:golang/evil@v1.0.0",`), 1)
		p, err := purlOf(bad)
		if !errors.Is(err, strictjson.ErrDuplicateKey) {
			t.Errorf("%q after \"purl\": decoded without error, purl %q (a case-sensitive reader sees pkg:golang/example.com/hello@(devel)); want ErrDuplicateKey", variant, p)
		}
	}
}
