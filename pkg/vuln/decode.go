package vuln

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	osvpb "github.com/ossf/osv-schema/bindings/go/osvschema"

	"github.com/vouchdev/vouch/internal/strictjson"
)

// osvRecord is an OSV record as the matcher reads it: the fields it uses.
// decodeRecord accepts every field of the OSV schema (osv-schema's
// protobuf binding, by its exact name, as protojson does) and checks the
// ones it does not keep.
type osvRecord struct {
	ID         string
	Withdrawn  bool
	Aliases    []string
	Summary    string
	Affected   []osvAffected
	Severity   []osvSeverity
	DBSeverity string // database_specific.severity, when a string
}

type osvAffected struct {
	Package  *osvPackage
	Ranges   []osvRange
	Versions []string
	Severity []osvSeverity
}

type osvPackage struct {
	Name, Ecosystem string
}

type osvRange struct {
	Type   osvpb.Range_Type
	Events []osvEvent
}

type osvEvent struct {
	Introduced, Fixed, Limit, LastAffected string
}

type osvSeverity struct {
	Type  osvpb.Severity_Type
	Score string
}

// decodeRecord decodes one OSV record strictly, with the checks of
// [ParseRecord]: at most MaxEntrySize bytes, no duplicate keys, nesting
// at most 32 deep, valid UTF-8 JSON, only the fields of the OSV schema
// with the types it gives them (enum names, RFC 3339 timestamps,
// objects), and an id. It reads the bytes once, keeping only the fields
// the matcher uses.
func decodeRecord(where string, data []byte) (*osvRecord, error) {
	if len(data) > MaxEntrySize {
		return nil, fmt.Errorf("OSV record %s: %d bytes, the limit is %d", where, len(data), MaxEntrySize)
	}
	if err := strictjson.Check(data, maxEntryDepth); err != nil {
		return nil, fmt.Errorf("OSV record %s: %w", where, err)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("OSV record %s: expected UTF-8 JSON, found invalid UTF-8", where)
	}
	r := &jsonReader{data: data}
	rec := &osvRecord{}
	err := fields(r, rec.field)
	if err == nil {
		err = r.end()
	}
	if err != nil {
		return nil, fmt.Errorf("OSV record %s: %w", where, err)
	}
	if rec.ID == "" {
		return nil, fmt.Errorf("OSV record %s: field id: expected an advisory id, found none", where)
	}
	return rec, nil
}

// field reads the value of one key of the record.
func (rec *osvRecord) field(r *jsonReader, key []byte) (err error) {
	switch string(key) {
	case "id":
		rec.ID, err = r.str()
	case "summary":
		rec.Summary, err = r.str()
	case "aliases":
		rec.Aliases, err = r.strings()
	case "schema_version", "details":
		_, err = r.stringBytesOrNull()
	case "related", "upstream":
		err = each(r, func() error { _, err := r.stringBytes(); return err })
	case "published", "modified":
		_, err = timestamp(r)
	case "withdrawn":
		rec.Withdrawn, err = timestamp(r)
	case "affected":
		err = each(r, func() error {
			var a osvAffected
			err := fields(r, a.field)
			rec.Affected = append(rec.Affected, a)
			return err
		})
	case "severity":
		rec.Severity, err = severities(r)
	case "references":
		err = each(r, func() error { return fields(r, referenceField) })
	case "credits":
		err = each(r, func() error { return fields(r, creditField) })
	case "database_specific":
		err = r.structObject(func(k []byte) error {
			if string(k) == "severity" && r.peek() == '"' {
				rec.DBSeverity, err = r.str()
				return err
			}
			return r.skip()
		})
	default:
		return errUnknownField
	}
	return err
}

// referenceField checks one key of a reference.
func referenceField(r *jsonReader, key []byte) error {
	switch string(key) {
	case "type":
		_, err := enumValue(r, osvpb.Reference_Type_value)
		return err
	case "url":
		_, err := r.stringBytesOrNull()
		return err
	}
	return errUnknownField
}

// creditField checks one key of a credit.
func creditField(r *jsonReader, key []byte) error {
	switch string(key) {
	case "type":
		_, err := enumValue(r, osvpb.Credit_Type_value)
		return err
	case "name":
		_, err := r.stringBytesOrNull()
		return err
	case "contact":
		return each(r, func() error { _, err := r.stringBytes(); return err })
	}
	return errUnknownField
}

// field reads the value of one key of an affected entry.
func (a *osvAffected) field(r *jsonReader, key []byte) (err error) {
	switch string(key) {
	case "package":
		if r.null() {
			return nil
		}
		a.Package = &osvPackage{}
		return fields(r, a.Package.field)
	case "ranges":
		return each(r, func() error {
			var rg osvRange
			err := fields(r, rg.field)
			a.Ranges = append(a.Ranges, rg)
			return err
		})
	case "versions":
		a.Versions, err = r.strings()
		return err
	case "severity":
		a.Severity, err = severities(r)
		return err
	case "ecosystem_specific", "database_specific":
		return r.structObject(func([]byte) error { return r.skip() })
	}
	return errUnknownField
}

// field reads the value of one key of a package.
func (p *osvPackage) field(r *jsonReader, key []byte) (err error) {
	switch string(key) {
	case "name":
		p.Name, err = r.str()
	case "ecosystem":
		p.Ecosystem, err = r.str()
	case "purl":
		_, err = r.stringBytesOrNull()
	default:
		return errUnknownField
	}
	return err
}

// field reads the value of one key of a range.
func (rg *osvRange) field(r *jsonReader, key []byte) error {
	switch string(key) {
	case "type":
		n, err := enumValue(r, osvpb.Range_Type_value)
		rg.Type = osvpb.Range_Type(n)
		return err
	case "repo":
		_, err := r.stringBytesOrNull()
		return err
	case "events":
		return each(r, func() error {
			var e osvEvent
			err := fields(r, e.field)
			rg.Events = append(rg.Events, e)
			return err
		})
	case "database_specific":
		return r.structObject(func([]byte) error { return r.skip() })
	}
	return errUnknownField
}

// field reads the value of one key of an event.
func (e *osvEvent) field(r *jsonReader, key []byte) (err error) {
	switch string(key) {
	case "introduced":
		e.Introduced, err = r.str()
	case "fixed":
		e.Fixed, err = r.str()
	case "limit":
		e.Limit, err = r.str()
	case "last_affected":
		e.LastAffected, err = r.str()
	default:
		return errUnknownField
	}
	return err
}

// field reads the value of one key of a severity.
func (s *osvSeverity) field(r *jsonReader, key []byte) (err error) {
	switch string(key) {
	case "type":
		var n int32
		n, err = enumValue(r, osvpb.Severity_Type_value)
		s.Type = osvpb.Severity_Type(n)
	case "score":
		s.Score, err = r.str()
	default:
		return errUnknownField
	}
	return err
}

// severities reads a list of severity objects.
func severities(r *jsonReader) ([]osvSeverity, error) {
	var out []osvSeverity
	err := each(r, func() error {
		var s osvSeverity
		err := fields(r, s.field)
		out = append(out, s)
		return err
	})
	return out, err
}

// each reads an array (null is none; a null element is refused where
// elem refuses it, as protojson refuses it).
func each(r *jsonReader, elem func() error) error {
	if r.null() {
		return nil
	}
	return r.array(elem)
}

var errUnknownField = errors.New("expected a field of the OSV schema")

// fields reads a message (null is an unset message) whose keys field
// reads; a key field does not know is refused, named.
func fields(r *jsonReader, field func(r *jsonReader, key []byte) error) error {
	if r.null() {
		return nil
	}
	return r.object(func(k []byte) error {
		if err := field(r, k); err != nil {
			if err == errUnknownField { // this key, not one nested in its value
				return fmt.Errorf("unknown field %q: %w", k, err)
			}
			return fmt.Errorf("field %s: %w", k, err)
		}
		return nil
	})
}

// enumValue reads a protobuf enum by name (null is its zero value); a name
// the schema does not define is refused, as protojson refuses it (its
// numeric form is refused too).
func enumValue(r *jsonReader, names map[string]int32) (int32, error) {
	if r.null() {
		return 0, nil
	}
	s, err := r.stringBytes()
	if err != nil {
		return 0, err
	}
	n, ok := names[string(s)]
	if !ok {
		return 0, fmt.Errorf("expected an enum name of the OSV schema, found %q", s)
	}
	return n, nil
}

// timestamp reads a google.protobuf.Timestamp field, an RFC 3339 string,
// and reports whether it was set (not null).
func timestamp(r *jsonReader) (bool, error) {
	if r.null() {
		return false, nil
	}
	s, err := r.stringBytes()
	if err != nil {
		return false, err
	}
	if _, err := time.Parse(time.RFC3339Nano, string(s)); err != nil {
		return false, fmt.Errorf("expected an RFC 3339 timestamp, found %q", s)
	}
	return true, nil
}
