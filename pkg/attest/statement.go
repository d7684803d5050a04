package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/sbom"
)

// Statement types.
const (
	// StatementTypeV1 is the statement type vouch writes.
	StatementTypeV1 = ita.StatementTypeUri
	// StatementTypeV01 is the legacy statement type; cosign's attest-blob
	// still writes it, so it is accepted when parsing.
	StatementTypeV01 = "https://in-toto.io/Statement/v0.1"
)

// MaxStatementSize bounds a statement, parsed or written. SBOM predicates of
// large container images reach tens of MiB; a statement beyond this is not
// a plausible attestation and is refused before any parsing.
const MaxStatementSize = 64 << 20

// MaxDepth bounds the nesting of a statement read or a predicate given as
// JSON: one level more than an SBOM may have ([sbom.MaxDepth]), for an SBOM
// predicate inside its statement.
const MaxDepth = sbom.MaxDepth + 1

// maxJSONDepth bounds nesting while re-encoding: protojson itself allows
// 10000 levels, so this is never the tighter limit for its output.
const maxJSONDepth = 10000

// maxExactInt is the largest integer a float64 (a protobuf Struct number)
// holds exactly.
const maxExactInt = 1 << 53

// ErrStatement is wrapped by every error that rejects a statement's content,
// so callers can tell a bad statement from an I/O error with errors.Is.
var ErrStatement = errors.New("invalid in-toto statement")

// NewStatement returns an in-toto Statement v1 about subjects. predicateType
// must be an absolute URI (see [PredicateType] for names). predicate is
// converted to the statement's JSON object and may be a *structpb.Struct, any
// other protobuf message (encoded with protojson, e.g. a SLSA provenance
// predicate), JSON bytes ([]byte or json.RawMessage) holding an object, or
// any Go value encoding/json turns into an object.
//
// Predicates are protobuf Structs, whose numbers are float64: an integer
// beyond ±2^53 cannot be carried exactly and is refused rather than
// silently rounded.
func NewStatement(subjects []*ita.ResourceDescriptor, predicateType string, predicate any) (*ita.Statement, error) {
	if err := CheckURI(predicateType); err != nil {
		return nil, fmt.Errorf("%w: predicateType %q: %w", ErrStatement, predicateType, err)
	}
	pred, err := toStruct(predicate)
	if err != nil {
		return nil, fmt.Errorf("%w: predicate: %w", ErrStatement, err)
	}
	st := &ita.Statement{
		Type:          StatementTypeV1,
		Subject:       subjects,
		PredicateType: predicateType,
		Predicate:     pred,
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStatement, err)
	}
	return st, nil
}

func toStruct(p any) (*structpb.Struct, error) {
	var data []byte
	switch v := p.(type) {
	case nil:
		return nil, errors.New("missing (want a JSON object)")
	case *structpb.Struct:
		if v == nil {
			return nil, errors.New("missing (want a JSON object)")
		}
		return proto.Clone(v).(*structpb.Struct), nil
	case proto.Message:
		b, err := protojson.Marshal(v)
		if err != nil {
			return nil, err
		}
		data = b
	case json.RawMessage:
		data = v
	case []byte:
		data = v
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		data = b
	}
	if len(data) > MaxStatementSize {
		return nil, fmt.Errorf("%d bytes, larger than the %d-byte statement limit", len(data), MaxStatementSize)
	}
	// A repeated key would be read one way here and another by the next
	// tool (protojson refuses some, encoding/json keeps the last).
	if err := strictjson.Check(data, MaxDepth); err != nil {
		return nil, err
	}
	if err := checkNumbers(data); err != nil {
		return nil, err
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("want a JSON object: %w", err)
	}
	return s, nil
}

// checkNumbers refuses integers a float64 would round.
func checkNumbers(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("not JSON: %w", err)
		}
		n, ok := tok.(json.Number)
		if !ok || strings.ContainsAny(string(n), ".eE") {
			continue
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil || i > maxExactInt || i < -maxExactInt {
			return fmt.Errorf("number %s is beyond ±2^53 and cannot be carried exactly in an in-toto predicate (write it as a string)", n)
		}
	}
}

// MarshalStatement encodes st as compact JSON, the bytes to sign as a DSSE
// payload. The encoding is deterministic; see the package documentation.
func MarshalStatement(st *ita.Statement) ([]byte, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: nil statement", ErrStatement)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStatement, err)
	}
	raw, err := protojson.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encode statement: %w", err)
	}
	out, err := stableJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("encode statement: %w", err)
	}
	if len(out) > MaxStatementSize {
		return nil, fmt.Errorf("%w: %d bytes, larger than the %d-byte limit", ErrStatement, len(out), MaxStatementSize)
	}
	return out, nil
}

// ReadStatement reads at most MaxStatementSize bytes from r and parses them
// with [ParseStatement].
func ReadStatement(r io.Reader) (*ita.Statement, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxStatementSize+1))
	if err != nil {
		return nil, fmt.Errorf("read statement: %w", err)
	}
	return ParseStatement(data)
}

// ParseStatement decodes an in-toto Statement v1 or v0.1 and validates it:
// a known _type, at least one subject, each with a well-formed digest, a
// predicate type and a predicate object. The returned statement keeps the
// _type it was written with. See the package documentation for what is
// refused.
func ParseStatement(data []byte) (*ita.Statement, error) {
	if len(data) > MaxStatementSize {
		return nil, fmt.Errorf("%w: larger than the %d-byte limit", ErrStatement, MaxStatementSize)
	}
	// The top-level keys exactly as written: protojson also accepts the
	// protobuf field names, which are not in-toto, and matches "_type"
	// case-sensitively only through its own rules; look for ourselves.
	if err := strictjson.Check(data, MaxDepth); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStatement, err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object: %w", ErrStatement, err)
	}
	for _, alias := range []string{"type", "predicate_type"} {
		if _, ok := top[alias]; ok {
			return nil, fmt.Errorf("%w: field %q is not an in-toto field (want \"_type\" and \"predicateType\")", ErrStatement, alias)
		}
	}
	var typ string
	if err := json.Unmarshal(top["_type"], &typ); err != nil || typ == "" {
		return nil, fmt.Errorf("%w: _type: missing or not a string (want %s or %s)", ErrStatement, StatementTypeV1, StatementTypeV01)
	}
	if typ != StatementTypeV1 && typ != StatementTypeV01 {
		return nil, fmt.Errorf("%w: _type %q: want %s or %s", ErrStatement, typ, StatementTypeV1, StatementTypeV01)
	}
	st := &ita.Statement{}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStatement, err)
	}
	if st.GetType() != typ {
		return nil, fmt.Errorf("%w: _type is ambiguous", ErrStatement)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStatement, err)
	}
	if err := CheckURI(st.GetPredicateType()); err != nil {
		return nil, fmt.Errorf("%w: predicateType %q: %w", ErrStatement, st.GetPredicateType(), err)
	}
	return st, nil
}

// stableJSON re-encodes JSON without insignificant white space, with
// encoding/json's string escaping (no HTML escaping) and float64 number form,
// keeping member order. It is what makes MarshalStatement's bytes
// independent of protojson's deliberately unstable formatting.
func stableJSON(in []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	var out bytes.Buffer
	out.Grow(len(in))
	w := &jsonWriter{out: &out}
	w.enc = json.NewEncoder(&w.scratch)
	w.enc.SetEscapeHTML(false)
	if err := w.value(dec, 0); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after JSON value")
	}
	return out.Bytes(), nil
}

type jsonWriter struct {
	out     *bytes.Buffer
	scratch bytes.Buffer
	enc     *json.Encoder
}

func (w *jsonWriter) value(dec *json.Decoder, depth int) error {
	if depth > maxJSONDepth {
		return errors.New("JSON nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		open, close := byte(t), byte('}')
		if t == '[' {
			close = ']'
		}
		w.out.WriteByte(open)
		for i := 0; dec.More(); i++ {
			if i > 0 {
				w.out.WriteByte(',')
			}
			if open == '{' {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				if err := w.encode(k); err != nil {
					return err
				}
				w.out.WriteByte(':')
			}
			if err := w.value(dec, depth+1); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return err
		}
		w.out.WriteByte(close)
		return nil
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil || math.IsInf(f, 0) {
			return fmt.Errorf("number %s out of range", t)
		}
		return w.encode(f)
	default: // string, bool, nil
		return w.encode(t)
	}
}

func (w *jsonWriter) encode(v any) error {
	w.scratch.Reset()
	if err := w.enc.Encode(v); err != nil {
		return err
	}
	w.out.Write(bytes.TrimSuffix(w.scratch.Bytes(), []byte("\n")))
	return nil
}
