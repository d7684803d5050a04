// Package licexpr parses SPDX license expressions (SPDX specification
// v2.3 Annex D; v3.0.1 Annex "SPDX license expressions"). It is vouch's one
// parser of them: sbom check validates licences with it, and a verify
// policy asks it whether an expression can be satisfied using only
// acceptable licences, so the two never disagree about what an expression
// means.
//
// Grammar (Annex D.2), with operator precedence WITH > AND > OR:
//
//	expression  = or
//	or          = and *( "OR" and )
//	and         = with *( "AND" with )
//	with        = primary [ "WITH" exception-id ]
//	primary     = "(" expression ")" / license-ref
//	license-ref = [ "DocumentRef-" idstring ":" ] "LicenseRef-" idstring / license-id [ "+" ]
//
// Operators are case-sensitive: AND, OR and WITH in upper case only. SPDX
// 2.3 Annex D.3 says operators "should be matched in a case-sensitive
// manner", and SPDX 3.0.1 writes them as case-sensitive ABNF strings
// (RFC 7405 %s"AND"). Some tools accept "and" or "or"; vouch refuses them
// with an error saying how to write the operator, because a word that is
// not an operator is read as a licence id by a strict reader ("MIT or
// Apache-2.0" would be three licences), and a security check must not
// guess which reading the author meant. Ids keep their case but compare
// case-insensitively, as the specification requires of license ids. A "+"
// follows its licence id directly ("GPL-2.0+", not "GPL-2.0 +").
package licexpr

import (
	"errors"
	"fmt"
	"strings"
)

// Limits on untrusted expressions.
const (
	MaxLength = 4096 // characters
	MaxDepth  = 32   // nested parentheses
	// MaxAlternatives bounds the disjunctive normal form: "(a OR b) AND
	// (c OR d) AND ..." doubles with each term.
	MaxAlternatives = 4096
)

// ErrSyntax marks an expression that does not parse.
var ErrSyntax = errors.New("invalid spdx license expression")

// Term is one licence of an alternative: an id, "+" for "or later", and
// an optional exception.
type Term struct {
	ID        string // "MIT", "GPL-2.0-only", "LicenseRef-foo", "DocumentRef-d:LicenseRef-x"
	OrLater   bool   // "+"
	Exception string // after WITH
}

// String writes the term as in an expression.
func (t Term) String() string {
	s := t.ID
	if t.OrLater {
		s += "+"
	}
	if t.Exception != "" {
		s += " WITH " + t.Exception
	}
	return s
}

// Expr is a parsed expression in disjunctive normal form: any one
// alternative, all of whose terms are accepted, satisfies it.
type Expr struct {
	Alternatives [][]Term
}

// Parse parses an expression.
func Parse(s string) (*Expr, error) {
	if len(s) > MaxLength {
		return nil, fmt.Errorf("%w: %d characters, over the limit of %d", ErrSyntax, len(s), MaxLength)
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrSyntax)
	}
	p := &parser{toks: toks}
	alts, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("%w: unexpected %q at %d", ErrSyntax, p.toks[p.pos].text, p.toks[p.pos].at+1)
	}
	return &Expr{Alternatives: alts}, nil
}

// Satisfiable reports whether some alternative consists only of accepted
// terms, and returns it.
func (e *Expr) Satisfiable(accept func(Term) bool) ([]Term, bool) {
	for _, alt := range e.Alternatives {
		ok := true
		for _, t := range alt {
			if !accept(t) {
				ok = false
				break
			}
		}
		if ok {
			return alt, true
		}
	}
	return nil, false
}

// Terms returns every distinct term of the expression, in the order they
// first appear in its alternatives.
func (e *Expr) Terms() []Term {
	var out []Term
	seen := map[Term]bool{}
	for _, alt := range e.Alternatives {
		for _, t := range alt {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

type tokKind int

const (
	tokID tokKind = iota
	tokAnd
	tokOr
	tokWith
	tokOpen
	tokClose
	tokPlus
)

type token struct {
	kind tokKind
	text string
	at   int
}

func idChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == ':'
}

func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{tokOpen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tokClose, ")", i})
			i++
		case c == '+':
			if n := len(toks); n == 0 || toks[n-1].kind != tokID || toks[n-1].at+len(toks[n-1].text) != i {
				return nil, fmt.Errorf("%w: '+' at %d must follow a licence id directly", ErrSyntax, i+1)
			}
			toks = append(toks, token{tokPlus, "+", i})
			i++
		case idChar(c):
			j := i
			for j < len(s) && idChar(s[j]) {
				j++
			}
			w := s[i:j]
			k := tokID
			switch w {
			case "AND":
				k = tokAnd
			case "OR":
				k = tokOr
			case "WITH":
				k = tokWith
			default:
				if op := strings.ToUpper(w); op == "AND" || op == "OR" || op == "WITH" {
					return nil, fmt.Errorf("%w: operator %q at %d must be written %s (SPDX operators are upper case)", ErrSyntax, w, i+1, op)
				}
			}
			toks = append(toks, token{k, w, i})
			i = j
		default:
			return nil, fmt.Errorf("%w: unexpected character %q at %d", ErrSyntax, c, i+1)
		}
	}
	return toks, nil
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() *token {
	if p.pos < len(p.toks) {
		return &p.toks[p.pos]
	}
	return nil
}

func (p *parser) or(depth int) ([][]Term, error) {
	alts, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for t := p.peek(); t != nil && t.kind == tokOr; t = p.peek() {
		p.pos++
		right, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		alts = append(alts, right...)
		if len(alts) > MaxAlternatives {
			return nil, fmt.Errorf("%w: more than %d alternatives", ErrSyntax, MaxAlternatives)
		}
	}
	return alts, nil
}

func (p *parser) and(depth int) ([][]Term, error) {
	alts, err := p.with(depth)
	if err != nil {
		return nil, err
	}
	for t := p.peek(); t != nil && t.kind == tokAnd; t = p.peek() {
		p.pos++
		right, err := p.with(depth)
		if err != nil {
			return nil, err
		}
		if len(alts)*len(right) > MaxAlternatives {
			return nil, fmt.Errorf("%w: more than %d alternatives", ErrSyntax, MaxAlternatives)
		}
		// (a OR b) AND (c OR d) = ac OR ad OR bc OR bd.
		var product [][]Term
		for _, l := range alts {
			for _, r := range right {
				alt := make([]Term, 0, len(l)+len(r))
				alt = append(append(alt, l...), r...)
				product = append(product, alt)
			}
		}
		alts = product
	}
	return alts, nil
}

func (p *parser) with(depth int) ([][]Term, error) {
	t := p.peek()
	if t == nil {
		return nil, fmt.Errorf("%w: expression ends where a licence was expected", ErrSyntax)
	}
	if t.kind == tokOpen {
		if depth >= MaxDepth {
			return nil, fmt.Errorf("%w: nested deeper than %d", ErrSyntax, MaxDepth)
		}
		p.pos++
		alts, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.peek(); c == nil || c.kind != tokClose {
			return nil, fmt.Errorf("%w: missing ')' for '(' at %d", ErrSyntax, t.at+1)
		}
		p.pos++
		if w := p.peek(); w != nil && w.kind == tokWith {
			return nil, fmt.Errorf("%w: WITH at %d must follow a licence id, not a parenthesis", ErrSyntax, w.at+1)
		}
		return alts, nil
	}
	if t.kind != tokID {
		return nil, fmt.Errorf("%w: unexpected %q at %d, want a licence id", ErrSyntax, t.text, t.at+1)
	}
	if err := CheckID(t.text); err != nil {
		return nil, fmt.Errorf("%w at %d", err, t.at+1)
	}
	p.pos++
	term := Term{ID: t.text}
	if n := p.peek(); n != nil && n.kind == tokPlus {
		if strings.Contains(term.ID, "LicenseRef-") {
			return nil, fmt.Errorf("%w: '+' after %s at %d: only licence ids take '+'", ErrSyntax, term.ID, n.at+1)
		}
		term.OrLater = true
		p.pos++
	}
	if n := p.peek(); n != nil && n.kind == tokWith {
		p.pos++
		e := p.peek()
		if e == nil || e.kind != tokID {
			return nil, fmt.Errorf("%w: WITH at %d needs an exception id", ErrSyntax, n.at+1)
		}
		if strings.Contains(e.text, ":") {
			return nil, fmt.Errorf("%w: exception id %q at %d", ErrSyntax, e.text, e.at+1)
		}
		term.Exception = e.text
		p.pos++
	}
	return [][]Term{{term}}, nil
}

// CheckID validates one licence id or reference: idstring characters
// only; a ':' only in "DocumentRef-x:LicenseRef-y".
func CheckID(id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty licence id", ErrSyntax)
	}
	for i := 0; i < len(id); i++ {
		if !idChar(id[i]) {
			return fmt.Errorf("%w: licence id %q has %q", ErrSyntax, id, id[i])
		}
	}
	if strings.Contains(id, ":") {
		doc, ref, _ := strings.Cut(id, ":")
		if !strings.HasPrefix(doc, "DocumentRef-") || len(doc) == len("DocumentRef-") ||
			!strings.HasPrefix(ref, "LicenseRef-") || len(ref) == len("LicenseRef-") || strings.Contains(ref, ":") {
			return fmt.Errorf("%w: %q: ':' only in DocumentRef-<id>:LicenseRef-<id>", ErrSyntax, id)
		}
	}
	return nil
}
