package vuln

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	osvpb "github.com/ossf/osv-schema/bindings/go/osvschema"

	"github.com/vouchdev/vouch/internal/strictjson"
)

// osvRecord is an OSV record as the matcher reads it: every field of the
// OSV schema (osv-schema's protobuf binding) is declared, so that a field
// outside it is refused as protojson refuses it, but the fields the
// matcher does not use are only checked, not kept.
type osvRecord struct {
	SchemaVersion    text           `json:"schema_version"`
	ID               string         `json:"id"`
	Published        timestamp      `json:"published"`
	Modified         timestamp      `json:"modified"`
	Withdrawn        timestamp      `json:"withdrawn"`
	Aliases          []string       `json:"aliases"`
	Related          []text         `json:"related"`
	Upstream         []text         `json:"upstream"`
	Summary          string         `json:"summary"`
	Details          text           `json:"details"`
	Affected         []osvAffected  `json:"affected"`
	References       []osvReference `json:"references"`
	DatabaseSpecific dbSpecific     `json:"database_specific"`
	Severity         []osvSeverity  `json:"severity"`
	Credits          []osvCredit    `json:"credits"`
}

type osvAffected struct {
	Package           *osvPackage   `json:"package"`
	Ranges            []osvRange    `json:"ranges"`
	Versions          []string      `json:"versions"`
	EcosystemSpecific object        `json:"ecosystem_specific"`
	DatabaseSpecific  object        `json:"database_specific"`
	Severity          []osvSeverity `json:"severity"`
}

type osvPackage struct {
	Name      string `json:"name"`
	Ecosystem string `json:"ecosystem"`
	Purl      text   `json:"purl"`
}

type osvRange struct {
	Type             enum[osvpb.Range_Type] `json:"type"`
	Repo             text                   `json:"repo"`
	Events           []osvEvent             `json:"events"`
	DatabaseSpecific object                 `json:"database_specific"`
}

type osvEvent struct {
	Introduced   string `json:"introduced"`
	Fixed        string `json:"fixed"`
	Limit        string `json:"limit"`
	LastAffected string `json:"last_affected"`
}

type osvSeverity struct {
	Type  enum[osvpb.Severity_Type] `json:"type"`
	Score string                    `json:"score"`
}

type osvReference struct {
	Type enum[osvpb.Reference_Type] `json:"type"`
	URL  text                       `json:"url"`
}

type osvCredit struct {
	Name    text                    `json:"name"`
	Contact []text                  `json:"contact"`
	Type    enum[osvpb.Credit_Type] `json:"type"`
}

// protoEnum is an enum of osv-schema's protobuf binding.
type protoEnum interface {
	~int32
}

// enum reads a protobuf enum by its name, refusing a name the schema does
// not define (protojson's rule; its numeric form is refused here too).
type enum[E protoEnum] struct{ v E }

func (e *enum[E]) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	s, err := stringValue(b)
	if err != nil {
		return fmt.Errorf("expected an enum name, found %s", b)
	}
	n, ok := enumValues[E]()[s]
	if !ok {
		return fmt.Errorf("expected an enum name of the OSV schema, found %q", s)
	}
	e.v = E(n)
	return nil
}

// enumValues is the name table of E in osv-schema's binding.
func enumValues[E protoEnum]() map[string]int32 {
	var zero E
	switch any(zero).(type) {
	case osvpb.Range_Type:
		return osvpb.Range_Type_value
	case osvpb.Severity_Type:
		return osvpb.Severity_Type_value
	case osvpb.Reference_Type:
		return osvpb.Reference_Type_value
	case osvpb.Credit_Type:
		return osvpb.Credit_Type_value
	}
	return nil
}

// timestamp is a google.protobuf.Timestamp field: an RFC 3339 string,
// checked, and whether it was set.
type timestamp struct{ set bool }

func (t *timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	s, err := stringValue(b)
	if err != nil {
		return fmt.Errorf("expected an RFC 3339 timestamp, found %s", b)
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		return fmt.Errorf("expected an RFC 3339 timestamp, found %q", s)
	}
	t.set = true
	return nil
}

// stringValue is the value of a JSON string token (already checked by
// encoding/json), unquoted without a decoder when it has no escapes.
func stringValue(b []byte) (string, error) {
	if len(b) >= 2 && b[0] == '"' && bytes.IndexByte(b, '\\') < 0 {
		return string(b[1 : len(b)-1]), nil
	}
	var s string
	err := json.Unmarshal(b, &s)
	return s, err
}

// text is a string field the matcher does not read (details, references'
// URLs, credits): checked to be a string, not copied.
type text struct{}

var errNotString = errors.New("expected a JSON string")

func (text) UnmarshalJSON(b []byte) error {
	if b[0] != '"' && string(b) != "null" {
		return errNotString
	}
	return nil
}

// object is a google.protobuf.Struct field the matcher does not read: any
// JSON object (encoding/json has checked its syntax).
type object struct{}

var errNotObject = errors.New("expected a JSON object")

func (object) UnmarshalJSON(b []byte) error {
	if b[0] != '{' && string(b) != "null" {
		return errNotObject
	}
	return nil
}

// dbSpecific is a record's database_specific object, of which only
// "severity" (the GitHub advisory database's rating) is read.
type dbSpecific struct{ severity string }

func (d *dbSpecific) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if b[0] != '{' {
		return errNotObject
	}
	var v struct {
		Severity json.RawMessage `json:"severity"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	// A non-string rating is no rating, as protojson's GetStringValue.
	_ = json.Unmarshal(v.Severity, &d.severity)
	return nil
}

// decodeRecord decodes one OSV record strictly with encoding/json, with
// the checks of [ParseRecord]: at most MaxEntrySize bytes, no duplicate
// keys (compared as encoding/json folds them), nesting at most 32 deep,
// valid UTF-8, only the fields of the OSV schema, and an id.
func decodeRecord(where string, data []byte) (*osvRecord, error) {
	if len(data) > MaxEntrySize {
		return nil, fmt.Errorf("OSV record %s: %d bytes, the limit is %d", where, len(data), MaxEntrySize)
	}
	if err := strictjson.CheckFolded(data, maxEntryDepth); err != nil {
		return nil, fmt.Errorf("OSV record %s: %w", where, err)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("OSV record %s: expected UTF-8 JSON, found invalid UTF-8", where)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	r := &osvRecord{}
	if err := dec.Decode(r); err != nil {
		return nil, fmt.Errorf("OSV record %s: %w", where, strictjson.Explain(data, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("OSV record %s: expected one JSON object, found more after it", where)
	}
	if r.ID == "" {
		return nil, fmt.Errorf("OSV record %s: field id: expected an advisory id, found none", where)
	}
	return r, nil
}
