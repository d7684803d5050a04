package cra

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/vouchdev/vouch/internal/schematest"
	"github.com/vouchdev/vouch/pkg/verify"
)

// hostile is a value an attacker could place in a release (an artifact
// name, an advisory's summary) or a careless cra.yaml.
const hostile = `<img src=x onerror=alert(1)><script>fetch("https://evil.example/")</script>**bold** [x](https://evil.example/) | cell
# heading`

func renderReport(t *testing.T, name string) *Report {
	t.Helper()
	c := testConfig(t)
	c.Notes = hostile
	c.Product.Name = name
	r := newReport(Options{Config: c, Now: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), DB: "osv", Dir: "dist", Tool: "vouch test"})
	bad := artifact("b.txt", StatusNotMet, StatusNotMet, StatusNotMet)
	bad.Failures = []verify.Finding{{ID: "bundle", Status: verify.StatusFail, Message: name, Expected: "a signature over the artifact", Found: "another digest", Evidence: []string{"b.txt.sigstore.json"}}}
	r.Release.Artifacts = []Artifact{artifact(name, StatusMet, StatusMet, StatusMet), bad}
	r.Release.Manifest = Check{Status: StatusMet, Detail: "signature verified"}
	v := openVuln(name, "GO-2024-2687")
	v.Vulnerability.Summary = hostile
	r.Vulnerabilities.Open = []Vuln{v}
	r.assess()
	return r
}

// TestHTMLEscapes: everything from the release or cra.yaml is text; the
// page loads nothing (a CSP that forbids it, and no element that would);
// the control is the same page with a harmless name, which renders it.
func TestHTMLEscapes(t *testing.T) {
	for _, name := range []string{"hello", hostile} {
		page, err := renderReport(t, name).HTML()
		if err != nil {
			t.Fatal(err)
		}
		s := string(page)
		if !strings.Contains(s, `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`) {
			t.Error("no Content-Security-Policy meta")
		}
		checkInert(t, page)
		if !strings.Contains(s, "&lt;script&gt;fetch(&#34;https://evil.example/&#34;)&lt;/script&gt;") {
			t.Errorf("name %.20q: the notes are not shown as escaped text", name)
		}
		if name == "hello" && !strings.Contains(s, `<span id="product-name">hello</span>`) {
			t.Error("control: the product name is not rendered")
		}
		if n := strings.Count(s, `class="requirement"`); n != 22 {
			t.Errorf("%d requirement rows, want 22", n)
		}
	}
}

// allowed are the elements the template writes; none loads anything.
var allowed = map[string]bool{"html": true, "head": true, "meta": true, "title": true, "style": true, "body": true,
	"header": true, "h1": true, "h2": true, "h3": true, "p": true, "span": true, "time": true, "section": true, "div": true,
	"strong": true, "dl": true, "dt": true, "dd": true, "code": true, "table": true, "thead": true, "tbody": true,
	"tr": true, "th": true, "td": true, "br": true, "small": true, "ul": true, "li": true, "footer": true}

// checkInert parses the page: only the template's elements, no attribute
// that loads or runs anything, no CSS that fetches.
func checkInert(t *testing.T, page []byte) {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			if !allowed[tok.Data] {
				t.Errorf("element <%s> in the page", tok.Data)
			}
			for _, a := range tok.Attr {
				if a.Key == "src" || a.Key == "href" || a.Key == "style" || strings.HasPrefix(a.Key, "on") {
					t.Errorf("attribute %s=%q on <%s>", a.Key, a.Val, tok.Data)
				}
			}
		case html.TextToken:
			if low := strings.ToLower(tok.Data); strings.Contains(low, "@import") || strings.Contains(low, "url(") {
				t.Errorf("text that fetches: %.80q", tok.Data)
			}
		}
	}
}

func TestMarkdownEscapes(t *testing.T) {
	md, err := renderReport(t, hostile).Markdown()
	if err != nil {
		t.Fatal(err)
	}
	s := string(md)
	for _, bad := range []string{"<img", "<script", "](https://evil", "**bold**", "\n# heading"} {
		if strings.Contains(s, bad) {
			t.Errorf("the Markdown contains %q unescaped", bad)
		}
	}
	// Every table row has as many cells as its header: a "|" or a line
	// break in a value did not add or end one.
	rowRE := regexp.MustCompile(`(?m)^\|.*\|$`)
	for _, row := range rowRE.FindAllString(s, -1) {
		cells := len(regexp.MustCompile(`(^|[^\\])\|`).FindAllString(row, -1)) - 1
		if cells != 4 && cells != 3 && cells != 6 {
			t.Errorf("table row with %d cells: %s", cells, row)
		}
	}
	if !strings.Contains(s, "| **II.7** Annex I part II (7) |") {
		t.Error("control: requirement II.7 is not a table row")
	}
}

func TestMDEscape(t *testing.T) {
	for in, want := range map[string]string{
		"app":                "app",
		"v1.2.3":             "v1.2.3",
		"- item":             `\- item`,
		"a|b":                `a\|b`,
		"<b>&":               "&lt;b&gt;&amp;",
		"[x](y)":             `\[x\]\(y\)`,
		"line\nbreak\r\tend": "line break  end",
		"bell\x07":           "bell",
	} {
		if got := mdEscape(in); got != want {
			t.Errorf("mdEscape(%q) = %q, want %q", in, got, want)
		}
	}
}

var (
	craSchema    = filepath.Join("..", "..", "schemas", "cra-report.schema.json")
	verifySchema = filepath.Join("..", "..", "schemas", "verify-report.schema.json")
)

// TestSchemaRefuses: the schema is not a rubber stamp — a report with a
// status outside the four, a missing requirement or an unknown field is
// invalid (the control is TestJSON's valid report).
func TestSchemaRefuses(t *testing.T) {
	sch, err := schematest.Compile(craSchema, verifySchema)
	if err != nil {
		t.Fatal(err)
	}
	valid, err := renderReport(t, "hello").JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := schematest.Check(sch, valid); err != nil {
		t.Fatalf("control: %v", err)
	}
	for name, edit := range map[string]func(r *Report){
		"status":      func(r *Report) { r.Requirements[3].Status = "passed" },
		"requirement": func(r *Report) { r.Requirements = r.Requirements[1:] },
		"item id":     func(r *Report) { r.Requirements[0].ID = "III.1" },
		"severity":    func(r *Report) { r.Vulnerabilities.Open[0].Vulnerability.Severity = "severe" },
	} {
		r := renderReport(t, "hello")
		edit(r)
		doc, err := r.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if err := schematest.Check(sch, doc); err == nil {
			t.Errorf("%s: the schema accepts the edited report", name)
		}
	}
}

// TestJSON: the JSON is the report itself, deterministic, with its schema.
func TestJSON(t *testing.T) {
	a, err := renderReport(t, "hello").JSON()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := renderReport(t, "hello").JSON()
	if !bytes.Equal(a, b) {
		t.Error("two renderings of the same report differ")
	}
	var back Report
	if err := json.Unmarshal(a, &back); err != nil {
		t.Fatal(err)
	}
	schematest.ValidateJSON(t, craSchema, a, verifySchema)
	if back.Schema != Schema || len(back.Requirements) != 22 || back.Date != "2026-12-06" || back.Vulnerabilities.Open[0].Vulnerability.ID != "GO-2024-2687" {
		t.Errorf("decoded report: schema %q, %d requirements, date %q", back.Schema, len(back.Requirements), back.Date)
	}
}

// FuzzRender: whatever an artifact name, an advisory summary or the notes
// hold, the page has only the template's elements and attributes, and the
// Markdown no raw HTML and no line a value started.
func FuzzRender(f *testing.F) {
	f.Add(hostile)
	f.Add("app\n| x | y |\n<b>")
	f.Fuzz(func(t *testing.T, s string) {
		r := renderReport(t, s)
		page, err := r.HTML()
		if err != nil {
			t.Fatal(err)
		}
		checkInert(t, page)
		md, err := r.Markdown()
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(mdEscape(s), "<>\n") {
			t.Fatalf("mdEscape(%q) keeps a tag or a line break", s)
		}
		if n := strings.Count(string(md), "\n"); n != strings.Count(string(mustMarkdown(t, "hello")), "\n") {
			t.Fatalf("a value changed the Markdown's line count: %d lines", n)
		}
	})
}

func mustMarkdown(t *testing.T, name string) []byte {
	t.Helper()
	md, err := renderReport(t, name).Markdown()
	if err != nil {
		t.Fatal(err)
	}
	return md
}
