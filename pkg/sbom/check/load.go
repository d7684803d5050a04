package check

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/format"
	"github.com/vouchdev/vouch/pkg/sbom/format/cyclonedx"
)

// DefaultMaxBytes is the largest SBOM [Load] reads unless told otherwise.
// A 50,000-component CycloneDX document with hashes and licences is about
// 40 MB; 128 MiB leaves room while bounding the memory schema validation
// needs (a parsed JSON tree is several times the size of its text).
const DefaultMaxBytes = 128 << 20

// MaxMaxBytes is the largest limit [Load] accepts: the format decoders' own
// ceiling.
const MaxMaxBytes = 256 << 20

// ErrTooLarge is returned by [Load] for a document over the size limit.
var ErrTooLarge = errors.New("sbom too large")

// ErrNotSBOM is returned by [Load] for input that is no SBOM format vouch
// reads. It is [format.ErrUnrecognized].
var ErrNotSBOM = format.ErrUnrecognized

// headSize is how much of a document format detection looks at first.
const headSize = 64 << 10

var (
	// A JSON document that names CycloneDX's schema or carries a bomFormat
	// key is meant to be CycloneDX even when its bomFormat is wrong: the
	// schema profile should say what is wrong rather than "not an sbom".
	cdxSchemaRE      = regexp.MustCompile(`"\$schema"\s*:\s*"https?://cyclonedx\.org/schema/bom-([0-9]+\.[0-9]+)\.schema\.json"`)
	cdxBomFormatRE   = regexp.MustCompile(`"bomFormat"\s*:\s*("(?:[^"\\]|\\.)*"|[^,}\s]+)`)
	cdxSpecVersionRE = regexp.MustCompile(`"specVersion"\s*:\s*"([^"]*)"`)
)

// Load reads one SBOM of at most maxBytes (0 means [DefaultMaxBytes]) from r,
// detects its format from its content and decodes it.
//
// A document that is recognised but does not decode (a dangling reference, a
// duplicate bom-ref, a truncated file) is returned with Doc nil and the
// reason in DecodeErr, so that the schema profile can still say what is
// wrong. An error is returned only when the input cannot be read, is over
// the limit ([ErrTooLarge]) or is no SBOM at all ([ErrNotSBOM]).
func Load(ctx context.Context, name string, r io.Reader, maxBytes int64) (*Input, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if maxBytes > MaxMaxBytes {
		return nil, fmt.Errorf("%s: size limit %d bytes is over the maximum of %d", name, maxBytes, int64(MaxMaxBytes))
	}
	raw, err := readAll(r, maxBytes)
	if errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("%s: %w: more than the limit of %d bytes (--max-sbom-size)", name, ErrTooLarge, maxBytes)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: read: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	in := &Input{Name: name, Raw: raw, Encoding: encoding(raw)}
	head := raw[:min(len(raw), headSize)]
	family, version, err := format.Detect(head)
	if err != nil {
		if !cyclonedxLike(head) {
			if _, _, derr := format.Decode(ctx, bytes.NewReader(head)); derr != nil {
				err = derr // says what the input looked like instead
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		in.Family = "cyclonedx"
		in.SpecVersion = declared(cdxSpecVersionRE, raw)
		if in.SpecVersion == "" {
			in.SpecVersion = declared(cdxSchemaRE, raw)
		}
		in.DecodeErr = fmt.Errorf("cyclonedx: bomFormat is %s, want \"CycloneDX\"", bomFormat(raw))
		return in, nil
	}
	if version == "" && len(raw) > len(head) {
		// The version may be declared after the head (a large metadata block).
		_, version, _ = format.Detect(raw)
	}
	in.Family, in.SpecVersion = family, version
	var doc *sbom.Document
	if family == familyCycloneDX {
		// The decoder format.Decode would pick, given a bytes.Buffer,
		// which it reads without copying (format.Decode would wrap the
		// bytes in a reader that has them copied again).
		doc, err = cyclonedx.Decoder{MaxBytes: MaxMaxBytes}.Decode(ctx, bytes.NewBuffer(raw))
	} else {
		doc, _, err = format.Decode(ctx, bytes.NewReader(raw))
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		in.DecodeErr = err
		return in, nil
	}
	in.Doc = doc
	in.cache = &inputCache{raw: raw, family: family, wellFormed: true}
	return in, nil
}

// readAll reads r to its end, failing with [ErrTooLarge] past limit bytes.
// A regular file or an in-memory reader is read into a buffer of its size
// at once; for other readers (a pipe, standard input) the buffer grows read
// by read, as io.ReadAll's does.
func readAll(r io.Reader, limit int64) ([]byte, error) {
	size := int64(-1)
	switch x := r.(type) {
	case interface{ Len() int }:
		size = int64(x.Len())
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := x.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}
	var raw []byte
	if size >= 0 && size <= limit {
		// One byte more than the size, so that a reader that holds more
		// than it said is still caught by the limit.
		raw = make([]byte, 0, size+1)
	}
	for {
		if len(raw) == cap(raw) {
			raw = append(raw, 0)[:len(raw)] // grow, as io.ReadAll does
		}
		n, err := r.Read(raw[len(raw):min(cap(raw), int(limit)+1)])
		raw = raw[:len(raw)+n]
		if int64(len(raw)) > limit {
			return nil, ErrTooLarge
		}
		if err == io.EOF {
			return raw, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// encoding tells JSON, XML and tag-value apart by the first significant byte.
func encoding(b []byte) string {
	b = bytes.TrimPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	switch {
	case len(b) == 0:
		return ""
	case b[0] == '{':
		return "json"
	case b[0] == '<':
		return "xml"
	}
	return "tag-value"
}

func cyclonedxLike(head []byte) bool {
	return encoding(head) == "json" && (cdxSchemaRE.Match(head) || cdxBomFormatRE.Match(head))
}

func declared(re *regexp.Regexp, b []byte) string {
	if m := re.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return ""
}

func bomFormat(b []byte) string {
	if m := cdxBomFormatRE.FindSubmatch(b); m != nil {
		return truncate(string(m[1]), 40)
	}
	return "missing"
}

// truncate shortens s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
