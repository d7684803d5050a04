package spdx2

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Note keys vouch writes into package and document comments. They are part of
// vouch's SPDX 2 output: renaming one is a breaking change.
const (
	noteID           = "vouch:id"             // package: the component ID, when the SPDX id cannot carry it
	noteType         = "vouch:type"           // package: the component type, when primaryPackagePurpose cannot carry it
	noteScope        = "vouch:scope"          // package: the component scope
	noteSize         = "vouch:size"           // package: the shipped file's size in bytes
	noteSupplier     = "vouch:supplier"       // package: name email url, when the supplier string loses something
	noteHash         = "vouch:hash"           // package: alg value, for algorithms the SPDX version lacks
	noteRefHash      = "vouch:reference-hash" // package: type url alg value
	noteProperty     = "vouch:property"       // package or document: name value
	noteAuthor       = "vouch:author"         // document: name email url (every author, when a creator string loses something)
	noteTool         = "vouch:tool"           // document: vendor name version (every tool, when a creator string loses something)
	noteLifecycle    = "vouch:lifecycle"      // document: the lifecycle phase
	noteCompleteness = "vouch:completeness"   // document: the completeness of the component list
	noteNoPrimary    = "vouch:no-primary"     // document: no primary component; DESCRIBES names the roots
)

// Property names the decoder uses for SPDX data the model has no field for.
const (
	// PropComment holds a package or document comment that is not in vouch's
	// note format.
	PropComment = "vouch:spdx:comment"
	// PropExternalRef holds an external reference the model has no field for
	// (a CPE, a second purl, a persistent id) as "CATEGORY TYPE LOCATOR". The
	// encoder writes it back as a native external reference.
	PropExternalRef = "vouch:spdx:externalRef"
)

// note is one line of a vouch comment: a key and its arguments.
type note struct {
	key  string
	args []string
}

func (n note) String() string {
	var b strings.Builder
	b.WriteString(n.key)
	for _, a := range n.args {
		b.WriteByte(' ')
		b.WriteString(quoteArg(a))
	}
	return b.String()
}

// quoteArg writes a as a bare token when that is unambiguous, else as a Go
// quoted string. "<" is escaped too, so that no value can close the <text>
// block of a tag-value comment.
func quoteArg(a string) string {
	if a != "" && strings.IndexFunc(a, func(r rune) bool { return !isBare(r) }) < 0 {
		return a
	}
	return strings.ReplaceAll(strconv.Quote(a), "<", `\x3c`)
}

func isBare(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:/@+=-", r)
}

// renderNotes joins notes into a comment, one per line.
func renderNotes(notes []note) string {
	lines := make([]string, len(notes))
	for i, n := range notes {
		lines[i] = n.String()
	}
	return strings.Join(lines, "\n")
}

// isNoteComment reports whether every non-blank line of s is a vouch note, so
// that a comment written by another tool is never misread as one.
func isNoteComment(s string) bool {
	found := false
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "vouch:") {
			return false
		}
		found = true
	}
	return found
}

// parseNotes parses a vouch comment (see [isNoteComment]).
func parseNotes(s string) ([]note, error) {
	var notes []note
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		key, rest, _ := strings.Cut(line, " ")
		args, err := splitArgs(rest)
		if err != nil {
			return nil, fmt.Errorf("comment line %q: %w", line, err)
		}
		notes = append(notes, note{key: key, args: args})
	}
	return notes, nil
}

func splitArgs(s string) ([]string, error) {
	var args []string
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return args, nil
		}
		if s[0] == '"' {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return nil, fmt.Errorf("bad quoted argument at %q", s)
			}
			v, err := strconv.Unquote(q)
			if err != nil {
				return nil, fmt.Errorf("bad quoted argument %s: %w", q, err)
			}
			args = append(args, v)
			s = s[len(q):]
			continue
		}
		tok, rest, _ := strings.Cut(s, " ")
		if strings.ContainsRune(tok, '"') {
			return nil, fmt.Errorf("stray quote in argument %q", tok)
		}
		args = append(args, tok)
		s = rest
	}
}

// want checks that n has exactly k arguments.
func (n note) want(k int) error {
	if len(n.args) != k {
		return fmt.Errorf("comment note %s: want %d arguments, got %d", n.key, k, len(n.args))
	}
	return nil
}

// elementID returns the SPDX element id (without "SPDXRef-") vouch writes for
// a component ID: the ID itself when it is a valid idstring, else the ID with
// every other character replaced by "-" and the first 8 hex digits of its
// SHA-256 appended, so that two IDs that sanitize alike still differ.
func elementID(id string) string {
	var b strings.Builder
	for _, r := range id {
		if r < 0x80 && (isAlnum(byte(r)) || r == '.' || r == '-') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	s := b.String()
	// "DOCUMENT" is the document's own id: a component must not take it.
	if s == id && id != "" && id != "DOCUMENT" {
		return s
	}
	sum := sha256.Sum256([]byte(id))
	return s + "-" + hex.EncodeToString(sum[:4])
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// validIDString reports whether s is a non-empty SPDX idstring ([A-Za-z0-9.-]+).
func validIDString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '.' && s[i] != '-' {
			return false
		}
	}
	return true
}
