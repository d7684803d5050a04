// Package licexpr parses SPDX license expressions (SPDX specification
// v2.3 Annex D; v3.0.1 Annex "SPDX license expressions"). It is vouch's one
// parser of them: sbom check validates licences with it, and a verify
// policy asks it whether an expression can be satisfied using only
// acceptable licences, so the two never disagree about what an expression
// means. Expressions are kept as parse trees and every decision walks the
// tree once: time and memory are linear in the expression's size.
// Canonical reads deprecated SPDX ids and "X+" as the current id of the
// same licence, and JoinAND joins licence entries that all apply.
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
)

// ErrSyntax marks an expression that does not parse.
var ErrSyntax = errors.New("invalid spdx license expression")

// Term is one licence of an expression: an id, "+" for "or later", and
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

// Op is what a Node of the parse tree is.
type Op int

// The kinds of node.
const (
	OpTerm Op = iota // a licence, possibly with "+" and WITH
	OpAnd            // every operand applies
	OpOr             // any one operand may be chosen
)

// Node is one node of the parse tree: a term, or an AND or OR of two or
// more operands (a chain "a AND b AND c" is one node).
type Node struct {
	Op   Op
	Term Term    // OpTerm
	Args []*Node // OpAnd, OpOr
}

// Expr is a parsed expression. It is kept as its parse tree, never
// expanded into alternatives: expansion is exponential in the number of
// ANDs of ORs, and every decision here walks the tree once, so parsing and
// deciding are linear in the expression's size.
type Expr struct {
	Root *Node
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
	root, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("%w: unexpected %q at %d", ErrSyntax, p.toks[p.pos].text, p.toks[p.pos].at+1)
	}
	return &Expr{Root: root}, nil
}

// Satisfiable reports whether the licences can be chosen so that every
// one is accepted — an OR needs one accepted operand, an AND all of them,
// a term (with its "+" and exception) is asked of accept — and returns one
// such choice. Each node is visited at most once.
func (e *Expr) Satisfiable(accept func(Term) bool) ([]Term, bool) {
	var chosen []Term
	if satisfy(e.Root, accept, &chosen) {
		return chosen, true
	}
	return nil, false
}

func satisfy(n *Node, accept func(Term) bool, chosen *[]Term) bool {
	switch n.Op {
	case OpTerm:
		if !accept(n.Term) {
			return false
		}
		*chosen = append(*chosen, n.Term)
		return true
	case OpAnd:
		for _, a := range n.Args {
			if !satisfy(a, accept, chosen) {
				return false
			}
		}
		return true
	default: // OpOr
		for _, a := range n.Args {
			mark := len(*chosen)
			if satisfy(a, accept, chosen) {
				return true
			}
			*chosen = (*chosen)[:mark] // drop what a failed branch chose
		}
		return false
	}
}

// Terms returns every distinct term of the expression, in the order they
// appear in it.
func (e *Expr) Terms() []Term {
	var out []Term
	seen := map[Term]bool{}
	var walk func(*Node)
	walk = func(n *Node) {
		if n.Op == OpTerm {
			if !seen[n.Term] {
				seen[n.Term] = true
				out = append(out, n.Term)
			}
			return
		}
		for _, a := range n.Args {
			walk(a)
		}
	}
	walk(e.Root)
	return out
}

// Single returns the expression's term when it is one licence ("MIT",
// "GPL-2.0+", "GPL-2.0-only WITH Classpath-exception-2.0"), possibly in
// parentheses.
func (e *Expr) Single() (Term, bool) {
	if e.Root.Op != OpTerm {
		return Term{}, false
	}
	return e.Root.Term, true
}

// String writes the expression with single spaces, every compound operand
// in parentheses; it parses back to the same tree.
func (e *Expr) String() string {
	var b strings.Builder
	write(&b, e.Root)
	return b.String()
}

func write(b *strings.Builder, n *Node) {
	if n.Op == OpTerm {
		b.WriteString(n.Term.String())
		return
	}
	op := " AND "
	if n.Op == OpOr {
		op = " OR "
	}
	for i, a := range n.Args {
		if i > 0 {
			b.WriteString(op)
		}
		if a.Op != OpTerm {
			b.WriteByte('(')
			write(b, a)
			b.WriteByte(')')
		} else {
			write(b, a)
		}
	}
}

// spaces are the white-space characters of the expression syntax.
const spaces = " \t\n\r"

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
		case strings.IndexByte(spaces, c) >= 0:
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
		case strings.HasPrefix(s[i:], EntrySeparator):
			return nil, fmt.Errorf("%w: licence entries joined at %d, one of which is not a valid expression", ErrSyntax, i+1)
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

func (p *parser) or(depth int) (*Node, error) {
	return p.chain(depth, tokOr, OpOr, p.and)
}

func (p *parser) and(depth int) (*Node, error) {
	return p.chain(depth, tokAnd, OpAnd, p.with)
}

// chain parses operand *( sep operand ) into one node of kind op, or the
// operand alone when there is no sep.
func (p *parser) chain(depth int, sep tokKind, op Op, operand func(int) (*Node, error)) (*Node, error) {
	first, err := operand(depth)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t == nil || t.kind != sep {
		return first, nil
	}
	n := &Node{Op: op, Args: []*Node{first}}
	for t := p.peek(); t != nil && t.kind == sep; t = p.peek() {
		p.pos++
		next, err := operand(depth)
		if err != nil {
			return nil, err
		}
		n.Args = append(n.Args, next)
	}
	return n, nil
}

func (p *parser) with(depth int) (*Node, error) {
	t := p.peek()
	if t == nil {
		return nil, fmt.Errorf("%w: expression ends where a licence was expected", ErrSyntax)
	}
	if t.kind == tokOpen {
		return p.group(depth, t)
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
	return &Node{Op: OpTerm, Term: term}, nil
}

// group parses "(" expression ")" starting at open.
func (p *parser) group(depth int, open *token) (*Node, error) {
	if depth >= MaxDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d", ErrSyntax, MaxDepth)
	}
	p.pos++
	n, err := p.or(depth + 1)
	if err != nil {
		return nil, err
	}
	if c := p.peek(); c == nil || c.kind != tokClose {
		return nil, fmt.Errorf("%w: missing ')' for '(' at %d", ErrSyntax, open.at+1)
	}
	p.pos++
	if w := p.peek(); w != nil && w.kind == tokWith {
		return nil, fmt.Errorf("%w: WITH at %d must follow a licence id, not a parenthesis", ErrSyntax, w.at+1)
	}
	return n, nil
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
