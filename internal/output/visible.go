package output

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Visible returns s, text from a document, a bundle or a file name that
// nobody has vouched for, safe to write to a terminal: every character
// that could act on the terminal or reorder what it shows is written as a
// visible escape instead — C0 controls (ESC starts the sequences that move
// the cursor, recolour, retitle the window or write to the clipboard; CR
// and BS overwrite what was shown), DEL, C1 controls (U+0080–U+009F, CSI
// among them), Unicode bidirectional and invisible format characters
// (U+061C, U+200B–U+200F, U+202A–U+202E, U+2060–U+2069, U+FEFF), and bytes
// that are not UTF-8. A line break is escaped too: one field never becomes
// two lines.
func Visible(s string) string { return visible(s, false) }

// VisibleLines is [Visible] for a message of several lines, such as an
// error that joins several: line feeds are kept, everything else is
// escaped.
func VisibleLines(s string) string { return visible(s, true) }

func visible(s string, keepLF bool) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f || keepLF && c == '\n' {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if c >= 0x80 && !(r == utf8.RuneError && n == 1) && !hidden(r) {
			i += n
			continue
		}
		break
	}
	if i == len(s) {
		return s // nothing to escape: the common case, without copying
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' && keepLF:
			b.WriteByte('\n')
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case hidden(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// hidden reports the non-ASCII characters Visible escapes: C1 controls
// and the format characters that reorder or hide text.
func hidden(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e,
		r >= 0x2060 && r <= 0x2069, r == 0xfeff:
		return true
	}
	return false
}
