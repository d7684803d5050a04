package cra

import (
	"bytes"
	"embed"
	"encoding/json"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

//go:embed templates
var templates embed.FS

// funcs are the helpers both templates use.
var funcs = map[string]any{
	"label":    func(s Status) string { return s.Label() },
	"pass":     passLabel,
	"join":     strings.Join,
	"vexLabel": vexLabel,
}

var (
	htmlTmpl = htmltemplate.Must(htmltemplate.New("report.html.tmpl").Funcs(funcs).ParseFS(templates, "templates/report.html.tmpl"))
	mdTmpl   = texttemplate.Must(texttemplate.New("report.md.tmpl").Funcs(funcs).Funcs(texttemplate.FuncMap{"md": mdEscape}).ParseFS(templates, "templates/report.md.tmpl"))
)

// JSON is the report's direct encoding, indented, schema [Schema].
func (r *Report) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// HTML renders the report as one self-contained page: inline CSS, no
// script, no external resource (its Content-Security-Policy forbids
// them), readable printed. Every value from the release or cra.yaml is
// escaped by html/template.
func (r *Report) HTML() ([]byte, error) {
	var buf bytes.Buffer
	if err := htmlTmpl.Execute(&buf, r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Markdown renders the same content as [Report.HTML] in CommonMark, every
// value from the release or cra.yaml escaped.
func (r *Report) Markdown() ([]byte, error) {
	var buf bytes.Buffer
	if err := mdTmpl.Execute(&buf, r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func passLabel(ok bool) string {
	if ok {
		return "pass"
	}
	return "fail"
}

// vexLabel is a match's VEX status, or what its absence means.
func vexLabel(s string) string {
	if s == "" {
		return "no VEX statement"
	}
	return s
}

// mdEscape makes a value inert in Markdown: the ASCII punctuation a
// renderer reads as inline syntax is backslash-escaped (and the block
// markers "-+.=:" at its start), HTML's specials become entities
// (CommonMark passes raw HTML through), and line breaks, which would end
// a table row or start a block, become spaces.
func mdEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '<':
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		case c == '&':
			b.WriteString("&amp;")
		case c == '\n' || c == '\r' || c == '\t':
			b.WriteByte(' ')
		case c < ' ' || c == 0x7f:
			// control characters: dropped
		case strings.ContainsRune("\\`*_{}[]()#!|~", c), b.Len() == 0 && strings.ContainsRune("-+.=:>", c):
			b.WriteByte('\\')
			b.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}
