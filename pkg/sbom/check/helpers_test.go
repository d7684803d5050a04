package check

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/format"
)

// input builds an Input from a document's bytes the way the CLI's loader
// does: the family and version from format.Detect, the model from
// format.Decode.
func input(tb testing.TB, name string, raw []byte) *Input {
	tb.Helper()
	head := raw
	if len(head) > 64<<10 {
		head = head[:64<<10]
	}
	family, version, err := format.Detect(head)
	if err != nil {
		tb.Fatalf("%s: detect: %v", name, err)
	}
	if version == "" {
		_, version, _ = format.Detect(raw) // declared after the first 64 KiB
	}
	in := &Input{Name: name, Raw: raw, Family: family, SpecVersion: version, Encoding: sniffEncoding(raw)}
	doc, _, err := format.Decode(context.Background(), bytes.NewReader(raw))
	if err != nil {
		tb.Fatalf("%s: decode: %v", name, err)
	}
	in.Doc = doc
	return in
}

func sniffEncoding(raw []byte) string {
	t := bytes.TrimLeft(bytes.TrimPrefix(bytes.TrimLeft(raw, " \t\r\n"), []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case len(t) == 0:
		return ""
	case t[0] == '{':
		return "json"
	case t[0] == '<':
		return "xml"
	}
	return "tag-value"
}

// inputFile reads a file into an Input.
func inputFile(tb testing.TB, path string) *Input {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return input(tb, filepath.ToSlash(path), raw)
}

// encode writes d with the named format spec ("cyclonedx-json@1.6").
func encode(tb testing.TB, d *sbom.Document, specName string) []byte {
	tb.Helper()
	s, err := format.ParseSpec(specName)
	if err != nil {
		tb.Fatal(err)
	}
	enc, err := format.NewEncoder(s)
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := enc.Encode(&buf, d); err != nil {
		tb.Fatalf("encode %s: %v", specName, err)
	}
	return buf.Bytes()
}

// run checks in with one profile and fails the test on an operational error.
func run(tb testing.TB, in *Input, profile string) Report {
	tb.Helper()
	reports, err := Run(context.Background(), in, profile)
	if err != nil {
		tb.Fatalf("%s: %v", in.Name, err)
	}
	return reports[0]
}

// ruleIDs returns the distinct rule ids of a report's findings, in order.
func ruleIDs(r Report) []string {
	var ids []string
	for _, f := range r.Findings {
		if len(ids) == 0 || ids[len(ids)-1] != f.ID {
			ids = append(ids, f.ID)
		}
	}
	return ids
}

// profilesUnderTest are the profiles this package's rule tables implement.
var profilesUnderTest = []string{BSIProfile, NTIAProfile, CISAProfile}

// tryInput is input for documents that may not decode.
func tryInput(name string, raw []byte) (in *Input, err error) {
	head := raw[:min(len(raw), 64<<10)]
	family, version, err := format.Detect(head)
	if err != nil {
		return nil, err
	}
	if version == "" {
		_, version, _ = format.Detect(raw)
	}
	doc, _, err := format.Decode(context.Background(), bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	return &Input{Name: name, Raw: raw, Family: family, SpecVersion: version, Encoding: sniffEncoding(raw), Doc: doc}, nil
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// mustRule is the catalogue's rule of id.
func mustRule(t *testing.T, id string) finding.Rule {
	t.Helper()
	r, ok := finding.Lookup(id)
	if !ok {
		t.Fatalf("rule %s is not in finding.Default", id)
	}
	return r
}
