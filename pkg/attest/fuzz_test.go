package attest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"
)

// FuzzParseStatement feeds ParseStatement mutations of real statements. It
// must never panic, and whatever it accepts must encode and parse back to
// the same statement, byte-stable on a second encoding.
func FuzzParseStatement(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "statements", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	if golden, err := filepath.Glob(filepath.Join("testdata", "golden", "*.json")); err == nil {
		seeds = append(seeds, golden...)
	}
	if len(seeds) < 5 {
		f.Fatalf("only %d seed statements found in testdata: the fuzzer would start from nothing", len(seeds))
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseStatement(data)
		if err != nil {
			return
		}
		out, err := MarshalStatement(st)
		if err != nil {
			t.Fatalf("accepted statement does not encode: %v", err)
		}
		back, err := ParseStatement(out)
		if err != nil {
			t.Fatalf("encoded statement does not parse: %v\n%s", err, out)
		}
		if !proto.Equal(st, back) {
			t.Fatalf("round trip changed the statement:\n%v\n%v", st, back)
		}
		again, err := MarshalStatement(back)
		if err != nil || !bytes.Equal(out, again) {
			t.Fatalf("encoding is not stable:\n%s\n%s", out, again)
		}
	})
}
