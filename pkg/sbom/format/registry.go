package format

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/format/cyclonedx"
	"github.com/vouchdev/vouch/pkg/sbom/format/spdx2"
	"github.com/vouchdev/vouch/pkg/sbom/format/spdx3"
)

// ErrUnknownFormat is returned for a format name or version vouch does not know.
var ErrUnknownFormat = errors.New("unknown sbom format")

// ErrUnrecognized is returned by [Decode] for input that is no SBOM format vouch reads.
var ErrUnrecognized = errors.New("not a recognised sbom")

// entry is one writable format family.
type entry struct {
	name     string
	versions []string
	def      string
	encoder  func(version string) Encoder
	summary  string
}

var entries = []entry{
	{"cyclonedx-json", cyclonedx.Versions, cyclonedx.DefaultVersion,
		func(v string) Encoder { return cyclonedx.Encoder{Version: v} }, "CycloneDX JSON"},
	{"cyclonedx-xml", cyclonedx.Versions, cyclonedx.DefaultVersion,
		func(v string) Encoder { return cyclonedx.Encoder{Version: v, XML: true} }, "CycloneDX XML"},
	{"spdx-json", append(slices.Clone(spdx2.Versions), spdx3.Versions...), spdx2.DefaultVersion,
		func(v string) Encoder {
			if strings.HasPrefix(v, "3.") {
				return spdx3.Encoder{}
			}
			return spdx2.Encoder{Version: v}
		}, "SPDX JSON (2.x) or JSON-LD (3.0.1)"},
	{"spdx-tag-value", spdx2.Versions, spdx2.DefaultVersion,
		func(v string) Encoder { return spdx2.Encoder{Version: v, TagValue: true} }, "SPDX tag-value"},
}

// aliases accepted on the command line, as syft and cosign users type them.
var aliases = map[string]string{
	"cyclonedx": "cyclonedx-json", "cdx": "cyclonedx-json", "cdx-json": "cyclonedx-json",
	"cdx-xml": "cyclonedx-xml", "spdx": "spdx-json", "spdx-tv": "spdx-tag-value", "spdx-tagvalue": "spdx-tag-value",
	"spdx3": "spdx-json@3.0", "spdx3-json": "spdx-json@3.0",
}

// Spec names one output format and spec version.
type Spec struct {
	Name    string // e.g. "cyclonedx-json"
	Version string // e.g. "1.6"
}

func (s Spec) String() string { return s.Name + "@" + s.Version }

// ParseSpec parses "NAME[@VERSION]". An unknown name or version gives an
// error wrapping [ErrUnknownFormat] that lists what exists.
func ParseSpec(s string) (Spec, error) {
	if a, ok := aliases[strings.ToLower(s)]; ok {
		s = a
	}
	name, version, _ := strings.Cut(s, "@")
	name = strings.ToLower(name)
	if a, ok := aliases[name]; ok {
		name, _, _ = strings.Cut(a, "@")
	}
	for _, e := range entries {
		if e.name != name {
			continue
		}
		if version == "" {
			version = e.def
		}
		if version == "3.0.1" {
			version = "3.0"
		}
		if !slices.Contains(e.versions, version) {
			return Spec{}, fmt.Errorf("%w: %s has no version %q (versions: %s)", ErrUnknownFormat, name, version, strings.Join(e.versions, ", "))
		}
		return Spec{Name: name, Version: version}, nil
	}
	return Spec{}, fmt.Errorf("%w %q (formats: %s)", ErrUnknownFormat, s, strings.Join(Names(), ", "))
}

// Names lists the writable formats with their versions, default first:
// "cyclonedx-json@1.6 (1.5, 1.7)".
func Names() []string {
	var out []string
	for _, e := range entries {
		var others []string
		for _, v := range e.versions {
			if v != e.def {
				others = append(others, v)
			}
		}
		out = append(out, fmt.Sprintf("%s@%s (also %s)", e.name, e.def, strings.Join(others, ", ")))
	}
	return out
}

// Help describes each format in one line, for --help.
func Help() string {
	var b strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&b, "  %-16s %s; versions %s (default %s)\n", e.name, e.summary, strings.Join(e.versions, ", "), e.def)
	}
	return b.String()
}

// NewEncoder returns the encoder of a parsed spec.
func NewEncoder(s Spec) (Encoder, error) {
	for _, e := range entries {
		if e.name == s.Name && slices.Contains(e.versions, s.Version) {
			return e.encoder(s.Version), nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrUnknownFormat, s)
}

// headSize is how much of a file the detectors look at.
const headSize = 64 << 10

// decoders in detection order. SPDX 3 is tried before SPDX 2 because its
// JSON-LD could mention "spdxVersion" in a comment; its @context is decisive.
var decoders = []struct {
	name string
	dec  Decoder
}{
	{"spdx-3", spdx3.Decoder{}},
	{"cyclonedx", cyclonedx.Decoder{}},
	{"spdx-2", spdx2.Decoder{}},
}

// Detect names the format family and spec version of a document from its
// first bytes: "cyclonedx", "spdx-2" or "spdx-3".
func Detect(head []byte) (family, version string, err error) {
	for _, d := range decoders {
		if ok, v := d.dec.Identify(head); ok {
			return d.name, v, nil
		}
	}
	return "", "", ErrUnrecognized
}

// Decode reads any supported SBOM from r, detecting its format.
func Decode(ctx context.Context, r io.Reader) (*sbom.Document, string, error) {
	head := make([]byte, headSize)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, "", err
	}
	head = head[:n]
	family, _, err := Detect(head)
	if err != nil {
		return nil, "", describe(head)
	}
	for _, d := range decoders {
		if d.name == family {
			doc, err := d.dec.Decode(ctx, io.MultiReader(bytes.NewReader(head), r))
			return doc, family, err
		}
	}
	return nil, "", ErrUnrecognized
}

// describe says what the input looked like instead of an SBOM.
func describe(head []byte) error {
	t := bytes.TrimSpace(head)
	switch {
	case len(t) == 0:
		return fmt.Errorf("%w: the input is empty", ErrUnrecognized)
	case t[0] == '{':
		return fmt.Errorf("%w: JSON without CycloneDX bomFormat, SPDX spdxVersion or an SPDX 3 @context", ErrUnrecognized)
	case t[0] == '<':
		return fmt.Errorf("%w: XML without the CycloneDX namespace", ErrUnrecognized)
	}
	return fmt.Errorf("%w: expected CycloneDX (JSON, XML) or SPDX (JSON, tag-value, JSON-LD)", ErrUnrecognized)
}
