package check

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// jsonSamples are values that exercise the corners of JSON the scanner and
// parser must treat exactly as encoding/json does.
var jsonSamples = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e-3`, `-12E+2`, `true`, `false`, `null`,
	`{"a":1,"a":2}`, `{"a":{"b":[1,{"c":null}]}}`, `["\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t"]`,
	"\"gr\u00fc\u00dfe\"", "\"a\xffb\"", `{"\u0041":"x"}`, ` [ 1 , 2 ] `,
	`01`, `1.`, `.5`, `1e`, `+1`, `tru`, `nul`, `"\x"`, "\"a\tb\"", `{"a" 1}`, `{"a":1,}`, `[1,]`,
	`[1 2]`, `{"a":1}x`, `{`, `"`, `{"a":[}]}`, `{1:2}`,
}

// TestParseJSON: parseJSON accepts exactly what the schema library's own
// reader accepts, and produces the same values.
func TestParseJSON(t *testing.T) {
	for _, s := range jsonSamples {
		sameParse(t, []byte(s))
	}
}

func sameParse(t *testing.T, b []byte) {
	t.Helper()
	trimmed := trimSpace(b)
	got, ok := parseJSON(trimmed)
	want, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if ok != (err == nil) {
		t.Fatalf("%q: parseJSON ok=%v, jsonschema.UnmarshalJSON error %v", b, ok, err)
	}
	if ok && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: parseJSON = %#v, jsonschema.UnmarshalJSON = %#v", b, got, want)
	}
}

// TestSplit: the scanner cuts objects and arrays into the members and items
// encoding/json sees, and refuses malformed structure.
func TestSplit(t *testing.T) {
	ms, ok := splitObject([]byte(`{ "a" : [1,{"b":"]"}] , "\u0063":"x\"}" ,"d":{}}`), nil)
	if !ok || len(ms) != 3 || ms[0].key != "a" || string(ms[0].val) != `[1,{"b":"]"}]` ||
		ms[1].key != "c" || string(ms[1].val) != `"x\"}"` || ms[2].key != "d" || string(ms[2].val) != `{}` {
		t.Errorf("splitObject: %v %q", ok, ms)
	}
	items, ok := splitArray([]byte(`[ 1 ,"a,b", {"c":[2,3]} ,null]`), nil)
	if !ok || len(items) != 4 || string(items[1]) != `"a,b"` || string(items[2]) != `{"c":[2,3]}` {
		t.Errorf("splitArray: %v %q", ok, items)
	}
	for _, bad := range []string{`{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":1 "b":2}`, `{"a":}`, `{"a":1}}`, `{"a":"x}`} {
		if _, ok := splitObject([]byte(bad), nil); ok {
			t.Errorf("splitObject accepted %s", bad)
		}
	}
	for _, bad := range []string{`[1,]`, `[,1]`, `[1 2]`, `[1]]`, `["a]`} {
		if _, ok := splitArray([]byte(bad), nil); ok {
			t.Errorf("splitArray accepted %s", bad)
		}
	}
}

// FuzzParseJSON: parseJSON and the schema library's reader agree on every
// input.
func FuzzParseJSON(f *testing.F) {
	for _, s := range jsonSamples {
		f.Add([]byte(s))
	}
	m, err := filepath.Glob(filepath.Join(cdxExamples, "valid-1.6", "*.json"))
	if err != nil || len(m) == 0 {
		f.Fatalf("no seed files (%v): the fuzz target would run blind", err)
	}
	for _, p := range m[:min(len(m), 10)] {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) { sameParse(t, b) })
}

// TestRawFactsSplit: the split reading of CycloneDX JSON gives exactly the
// facts json.Unmarshal gives, trusting well-formedness or not, on every
// CycloneDX JSON document of the corpora and on edge cases.
func TestRawFactsSplit(t *testing.T) {
	docs := map[string][]byte{
		"folded name":  []byte(`{"Components":[{"name":"a"}]}`),
		"folded field": []byte(`{"components":[{"Name":"a","bom-ref":"x"}]}`),
		"duplicate":    []byte(`{"components":[{"bom-ref":"a","bom-ref":"b"}]}`),
		"nulls":        []byte(`{"serialNumber":null,"components":[null,{"name":null,"swid":null,"components":null}]}`),
		"nested":       []byte(`{"metadata":{"component":{"bom-ref":"m","components":[{"bom-ref":"n","cpe":"cpe:/a:x"}]}},"components":[{"purl":"pkg:x/y@1","properties":[{"name":"bsi:component:archive","value":" archive "}]}]}`),
		"escapes":      []byte(`{"components":[{"bom-ref":"a\u00e9","name":"\"q\""}]}`),
		"wrong type":   []byte(`{"components":[{"name":1}]}`),
		"malformed":    []byte(`{"components":[{"name":"a"}],"x":[1,]}`),
	}
	for _, p := range fastCorpus(t) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs[p] = b
	}
	split := 0
	for name, raw := range docs {
		var want cdxRawJSON
		wantErr := json.Unmarshal(raw, &want)
		for _, wellFormed := range []bool{false, true} {
			if wellFormed && !json.Valid(raw) {
				continue // the promise does not hold
			}
			var got cdxRawJSON
			if !got.decodeSplit(raw, wellFormed) {
				continue // left to json.Unmarshal
			}
			split++
			if wantErr != nil {
				t.Errorf("%s (wellFormed=%v): split reading accepts what json.Unmarshal rejects: %v", name, wellFormed, wantErr)
				continue
			}
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if !bytes.Equal(g, w) {
				t.Errorf("%s (wellFormed=%v): split reading differs:\n got  %.300s\n want %.300s", name, wellFormed, g, w)
			}
		}
	}
	if split < len(docs) {
		t.Errorf("the split reading took only %d of %d×2 readings", split, len(docs))
	}
}

// TestReadAll: the limit holds for readers that state their size, for
// files and for readers that do not.
func TestReadAll(t *testing.T) {
	data := strings.Repeat("x", 1000)
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	open := func() io.Reader {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	for name, r := range map[string]func() io.Reader{
		"bytes.Reader":   func() io.Reader { return bytes.NewReader([]byte(data)) },
		"strings.Reader": func() io.Reader { return strings.NewReader(data) },
		"file":           open,
		"one byte":       func() io.Reader { return iotest.OneByteReader(strings.NewReader(data)) },
		"half":           func() io.Reader { return iotest.HalfReader(strings.NewReader(data)) },
	} {
		for _, limit := range []int64{999, 1000, 1001, 4096} {
			got, err := readAll(r(), limit)
			switch {
			case limit < 1000:
				if !errors.Is(err, ErrTooLarge) {
					t.Errorf("%s, limit %d: %v, want ErrTooLarge", name, limit, err)
				}
			case err != nil || string(got) != data:
				t.Errorf("%s, limit %d: %d bytes, %v", name, limit, len(got), err)
			}
		}
	}
	if _, err := readAll(iotest.ErrReader(io.ErrUnexpectedEOF), 10); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("read error: %v", err)
	}
	if _, err := Load(context.Background(), "x", iotest.ErrReader(io.ErrClosedPipe), 0); !errors.Is(err, io.ErrClosedPipe) || !strings.Contains(err.Error(), "x: read") {
		t.Errorf("Load read error: %v", err)
	}
}

// TestRawFactsCache: the facts Load's input reads are read once and shared
// by the profiles; a copy of the input with other bytes reads its own.
func TestRawFactsCache(t *testing.T) {
	raw := encode(t, baseDoc(), "cyclonedx-json@1.6")
	in, err := Load(context.Background(), "a.cdx.json", bytes.NewReader(raw), 0)
	if err != nil {
		t.Fatal(err)
	}
	f1, err1 := in.rawFacts()
	f2, err2 := in.rawFacts()
	if err1 != nil || err2 != nil || f1 != f2 {
		t.Fatalf("facts read twice: %p %p (%v, %v)", f1, f2, err1, err2)
	}
	other := *in
	other.Raw = bytes.Replace(raw, []byte(`"serialNumber": "`), []byte(`"serialNumber": "x`), 1)
	f3, err := other.rawFacts()
	if err != nil || f3 == f1 || f3.serial == f1.serial || !strings.HasPrefix(f3.serial, "x") {
		t.Errorf("a copy with other bytes got the cached facts: serial %q", f3.serial)
	}
	if reps, err := Run(context.Background(), in, BSIProfile, NTIAProfile, CISAProfile); err != nil || len(reps) != 3 || !reps[0].Pass {
		t.Errorf("profiles on the cached facts: %v %+v", err, reps)
	}
}
