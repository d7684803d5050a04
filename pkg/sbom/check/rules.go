package check

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/package-url/packageurl-go"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/licexpr"
)

// Format families, as [Input.Family] names them.
const (
	familyCycloneDX = "cyclonedx"
	familySPDX2     = "spdx-2"
	familySPDX3     = "spdx-3"
)

// spec is one row of a profile's rule table: the published rule and the
// function that evaluates it.
type spec struct {
	Rule
	eval func(e *evaluation, r Rule)
}

// table is a profile implemented as a rule table evaluated in order.
type table struct {
	id, title string
	specs     []spec
}

func (t *table) ID() string    { return t.id }
func (t *table) Title() string { return t.title }

// Rules returns the profile's rules in table order.
func (t *table) Rules() []Rule {
	out := make([]Rule, len(t.specs))
	for i, s := range t.specs {
		out[i] = s.Rule
	}
	return out
}

// Check evaluates every rule. A document that could not be decoded is an
// operational error: these profiles read the decoded model, and reporting
// "no findings" for it would pass a document nobody has read.
func (t *table) Check(ctx context.Context, in *Input) ([]Finding, int, error) {
	if in == nil {
		return nil, 0, fmt.Errorf("profile %s: no input", t.id)
	}
	if in.Doc == nil {
		if in.DecodeErr != nil {
			return nil, 0, fmt.Errorf("profile %s needs a decoded document: %w", t.id, in.DecodeErr)
		}
		return nil, 0, fmt.Errorf("profile %s needs a decoded document, Input.Doc is nil", t.id)
	}
	e, err := newEvaluation(in)
	if err != nil {
		return nil, 0, err
	}
	for _, s := range t.specs {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		s.eval(e, s.Rule)
	}
	return e.findings, e.checks, nil
}

// evaluation is the state of one profile run on one input.
type evaluation struct {
	in   *Input
	doc  *sbom.Document
	raw  *rawFacts // format-level facts read from in.Raw; nil when not read
	deps map[string]*sbom.Dependency
	// byID indexes the components, so that rules over dependency edges stay
	// linear on large documents.
	byID map[string]*sbom.Component
	// rawMissing is set when the family needs raw facts the input does not
	// carry: rules that need them fail closed.
	rawMissing bool

	// licences caches licenceProblem by expression: a large document
	// repeats a few expressions across thousands of components.
	licences map[string]string

	findings []Finding
	checks   int
}

// licenceProblem is the package's licenceProblem, once per distinct
// expression.
func (e *evaluation) licenceProblem(expr string) string {
	if p, ok := e.licences[expr]; ok {
		return p
	}
	if e.licences == nil {
		e.licences = map[string]string{}
	}
	p := licenceProblem(expr)
	e.licences[expr] = p
	return p
}

func newEvaluation(in *Input) (*evaluation, error) {
	e := &evaluation{in: in, doc: in.Doc, deps: make(map[string]*sbom.Dependency, len(in.Doc.Dependencies)),
		byID: make(map[string]*sbom.Component, len(in.Doc.Components))}
	for i := range in.Doc.Components {
		c := &in.Doc.Components[i]
		if _, dup := e.byID[c.ID]; !dup {
			e.byID[c.ID] = c
		}
	}
	for i := range in.Doc.Dependencies {
		d := &in.Doc.Dependencies[i]
		if _, dup := e.deps[d.Ref]; !dup {
			e.deps[d.Ref] = d
		}
	}
	switch {
	case len(in.Raw) > 0:
		raw, err := in.rawFacts()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", in.Name, err)
		}
		e.raw = raw
	case in.Family == familyCycloneDX || in.Family == familySPDX3:
		e.rawMissing = true
	}
	return e, nil
}

// pass records a successful check.
func (e *evaluation) pass() { e.checks++ }

// fail records a failed check.
func (e *evaluation) fail(r Rule, c *sbom.Component, field, expected, found, msg string) {
	e.checks++
	f := newFinding(r, field, expected, found, msg)
	if c != nil {
		f.Component, f.PURL = c.ID, c.PURL
	}
	e.findings = append(e.findings, f)
}

// check records one check: a pass when ok, else a finding.
func (e *evaluation) check(ok bool, r Rule, c *sbom.Component, field, expected, found, msg string) {
	if ok {
		e.pass()
		return
	}
	e.fail(r, c, field, expected, found, msg)
}

// noRaw is the finding of a rule that needs the document's bytes when the
// input has a format family but no bytes: the rule fails closed.
func (e *evaluation) noRaw(r Rule, c *sbom.Component, field, expected string) {
	e.fail(r, c, field, expected, "nothing: the document's bytes were not provided (Input.Raw is empty)",
		"this rule reads the "+e.in.Family+" document itself; without its bytes it cannot be shown to hold")
}

// f picks the field path of the input's format family: CycloneDX, SPDX 3,
// SPDX 2, and a neutral name for a model-only input.
func (e *evaluation) f(cdx, spdx3, spdx2, neutral string) string {
	switch e.in.Family {
	case familyCycloneDX:
		return cdx
	case familySPDX3:
		return spdx3
	case familySPDX2:
		return spdx2
	}
	return neutral
}

// cf is f for a component field in CycloneDX, where the primary component
// lives in metadata.component and the others in components[].
func (e *evaluation) cf(c *sbom.Component, cdxSuffix, spdx3, spdx2, neutral string) string {
	prefix := "components[]."
	if c.ID == e.doc.Primary {
		prefix = "metadata.component."
	}
	return e.f(prefix+cdxSuffix, spdx3, spdx2, neutral)
}

// each calls fn for every component, in document order.
func (e *evaluation) each(fn func(c *sbom.Component)) {
	for i := range e.doc.Components {
		fn(&e.doc.Components[i])
	}
}

// found renders a value for Finding.Found.
func found(v string) string {
	if strings.TrimSpace(v) == "" {
		return "nothing"
	}
	return v
}

// quoted renders a value for Finding.Found, quoted so that white space shows.
func quoted(v string) string {
	if v == "" {
		return "nothing"
	}
	return strconv.Quote(v)
}

// --- deployable components ------------------------------------------------

// deployable reports whether c is something shipped as a file of its own: it
// has a file name, is typed as a file or archive (or firmware, a container
// image, a device driver image), or carries one of the BSI file properties.
// Modules and libraries linked into such a file are not deployable by
// themselves: BSI TR-03183-2 asks the file's name, its SHA-512 and its
// executable/archive/structured nature of what is delivered, and a Go module
// compiled into a binary is delivered only as part of that binary.
func (e *evaluation) deployable(c *sbom.Component) bool {
	if c.FileName != "" {
		return true
	}
	switch c.Type {
	case sbom.TypeFile, sbom.TypeArchive, "firmware", "container", "device-driver":
		return true
	}
	for _, p := range []string{sbom.BSIFilename, sbom.BSIExecutable, sbom.BSIArchive, sbom.BSIStructured} {
		if _, ok := c.Property(p); ok {
			return true
		}
	}
	if rc := e.rawComponent(c); rc != nil {
		for _, p := range []string{sbom.BSIFilename, sbom.BSIExecutable, sbom.BSIArchive, sbom.BSIStructured} {
			if _, ok := rc.bsi[p]; ok {
				return true
			}
		}
	}
	return false
}

// sha512Of returns the component's SHA-512, from its own hashes or from a
// distribution reference's; only a value of the right form counts.
func sha512Of(c *sbom.Component) string {
	if v := c.Hash(sbom.SHA512); v != "" && (sbom.Hash{Algorithm: sbom.SHA512, Value: v}).CheckForm() == nil {
		return v
	}
	for _, r := range c.References {
		if r.Type != sbom.RefDistribution {
			continue
		}
		for _, h := range r.Hashes {
			if h.Algorithm == sbom.SHA512 && h.CheckForm() == nil {
				return h.Value
			}
		}
	}
	return ""
}

// hashAlgorithms lists the algorithms of every well-formed digest the
// component carries.
func hashAlgorithms(c *sbom.Component) string {
	var algs []string
	add := func(hs []sbom.Hash) {
		for _, h := range hs {
			if h.CheckForm() == nil && !contains(algs, string(h.Algorithm)) {
				algs = append(algs, string(h.Algorithm))
			}
		}
	}
	add(c.Hashes)
	for _, r := range c.References {
		add(r.Hashes)
	}
	return strings.Join(algs, ", ")
}

// malformedHash returns whether the first digest of the component (its own,
// then its references') that does not have its algorithm's form sits on a
// reference, and why it is wrong; a nil error when all are well-formed.
func malformedHash(c *sbom.Component) (onReference bool, err error) {
	for _, h := range c.Hashes {
		if err := h.CheckForm(); err != nil {
			return false, err
		}
	}
	for _, r := range c.References {
		for _, h := range r.Hashes {
			if err := h.CheckForm(); err != nil {
				return true, err
			}
		}
	}
	return false, nil
}

// hashFormFails records a failure of rule r, and reports true, when one of
// the component's digests does not have its algorithm's form: a hash rule
// must not pass on "not-a-hash", nor on a SHA-256-sized value labelled
// SHA-512.
func (e *evaluation) hashFormFails(r Rule, c *sbom.Component) bool {
	onRef, err := malformedHash(c)
	if err == nil {
		return false
	}
	field := e.cf(c, "hashes", "verifiedUsing", "PackageChecksum", "hashes")
	if onRef {
		field = e.cf(c, "externalReferences[].hashes", "software_File.verifiedUsing", "ExternalRef (vouch:ref-hash)", "references[].hashes")
	}
	e.fail(r, c, field, "hexadecimal digits of the algorithm's length", err.Error(), "a hash of the component is malformed: "+err.Error())
	return true
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// --- contacts ---------------------------------------------------------------

var emailInTextRE = regexp.MustCompile(`[^\s<>()"',;]+@[^\s<>()"',;@]+\.[^\s<>()"',;@]+`)

// isEmail reports whether s is one email address.
func isEmail(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, " <>") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.IndexByte(s, '@'):], ".")
}

// isURL reports whether s is an absolute URL naming a host (or a mailto: URL).
func isURL(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Scheme == "" {
		return false
	}
	if u.Scheme == "mailto" {
		return isEmail(u.Opaque)
	}
	return u.Host != ""
}

// contactReachable reports whether a contact carries an email address or URL.
func contactReachable(c sbom.Contact) bool {
	return isEmail(c.Email) || isURL(c.URL)
}

// textReachable reports whether free text (an author string) contains an
// email address or a URL.
func textReachable(s string) bool {
	if emailInTextRE.MatchString(s) {
		return true
	}
	for _, w := range strings.Fields(s) {
		if isURL(strings.Trim(w, "<>(),;")) {
			return true
		}
	}
	return false
}

func describeContact(c sbom.Contact) string {
	var parts []string
	if c.Name != "" {
		parts = append(parts, "name "+strconv.Quote(c.Name))
	}
	if c.Email != "" {
		parts = append(parts, "email "+strconv.Quote(c.Email))
	}
	if c.URL != "" {
		parts = append(parts, "url "+strconv.Quote(c.URL))
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// --- licences ---------------------------------------------------------------

var licRefRE = regexp.MustCompile(`^(DocumentRef-[A-Za-z0-9.\-]+:)?LicenseRef-[A-Za-z0-9.\-]+$`)

// isIDString reports whether s is an SPDX idstring: letters, digits, "." and "-".
func isIDString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// licenceProblem returns why expr is not an SPDX licence expression made of
// listed identifiers and LicenseRef-s, or "" if it is one. NONE and
// NOASSERTION are not licences. The syntax is licexpr's, the parser the
// verify policy uses too.
func licenceProblem(expr string) string {
	if strings.TrimSpace(expr) == "" {
		return "empty"
	}
	e, err := licexpr.Parse(expr)
	if err != nil {
		return strings.TrimPrefix(err.Error(), licexpr.ErrSyntax.Error()+": ")
	}
	for _, t := range e.Terms() {
		if p := licenceID(t.ID); p != "" {
			return p
		}
		if x := t.Exception; x != "" && !listed(x) && !licRefRE.MatchString(x) && !strings.HasPrefix(x, "AdditionRef-") {
			return fmt.Sprintf("%q is not an SPDX licence exception", x)
		}
	}
	return ""
}

func licenceID(t string) string {
	switch strings.ToUpper(t) {
	case "NONE", "NOASSERTION":
		return fmt.Sprintf("%s is no licence", t)
	}
	if strings.HasPrefix(t, "LicenseRef-") || strings.HasPrefix(t, "DocumentRef-") {
		if licRefRE.MatchString(t) {
			return ""
		}
		return fmt.Sprintf("%q is not a valid LicenseRef", t)
	}
	id := strings.TrimSuffix(t, "+")
	if !isIDString(id) {
		return fmt.Sprintf("%q is not an SPDX identifier", t)
	}
	if !listed(id) {
		return fmt.Sprintf("%q is not on the SPDX licence list (use LicenseRef- for others)", t)
	}
	return ""
}

// --- raw facts ----------------------------------------------------------------

// rawFacts are what the profiles need from a document's bytes that the
// model does not keep.
type rawFacts struct {
	// serial is CycloneDX's serialNumber, the base of its SBOM-URI.
	serial string
	// vulnerabilities counts vulnerability records: CycloneDX
	// vulnerabilities[], SPDX 3 security_* elements.
	vulnerabilities int
	// composed holds the refs a CycloneDX composition states the dependency
	// completeness of (compositions[].dependencies), with any aggregate.
	composed map[string]bool
	// documentComposed is set when a CycloneDX composition states the
	// completeness of the whole document (one with assemblies, or without
	// dependencies).
	documentComposed bool
	// components are CycloneDX components by bom-ref; those without one by
	// "purl:" + purl and "nv:" + name@version.
	components map[string]*rawComponent
}

// rawComponent is what the model does not keep of a CycloneDX component.
type rawComponent struct {
	bsi  map[string]string // bsi:component:* properties as written
	cpe  string
	swid string
}

// rawComponent finds the raw facts of a CycloneDX component.
func (e *evaluation) rawComponent(c *sbom.Component) *rawComponent {
	if e.raw == nil || e.raw.components == nil {
		return nil
	}
	if rc := e.raw.components[c.ID]; rc != nil {
		return rc
	}
	if c.PURL != "" {
		if rc := e.raw.components["purl:"+c.PURL]; rc != nil {
			return rc
		}
	}
	return e.raw.components["nv:"+c.Name+"@"+c.Version]
}

// inputCache holds what the profiles read from an input's bytes, read once
// and shared by every profile checked on it. [Load] attaches one, for the
// bytes it read and decoded.
type inputCache struct {
	raw    []byte // the bytes it is for: a copy of the Input with others reads them anew
	family string
	// wellFormed is set when the bytes decoded, so are well-formed.
	wellFormed bool

	once  sync.Once
	facts *rawFacts
	err   error
}

// rawFacts reads the format-level facts of the input's bytes, once per
// input when it came from [Load]. Profiles only read the result.
func (in *Input) rawFacts() (*rawFacts, error) {
	c := in.cache
	if c == nil || c.family != in.Family || len(c.raw) != len(in.Raw) || len(in.Raw) > 0 && &c.raw[0] != &in.Raw[0] {
		return readRawFacts(in.Family, in.Raw, false)
	}
	c.once.Do(func() { c.facts, c.err = readRawFacts(in.Family, in.Raw, c.wellFormed) })
	return c.facts, c.err
}

// readRawFacts reads the facts of a document. wellFormed says that the
// bytes are known to be well-formed JSON (they decoded), so that values no
// fact is read from need not be validated again.
func readRawFacts(family string, raw []byte, wellFormed bool) (*rawFacts, error) {
	switch family {
	case familyCycloneDX:
		return readCycloneDX(raw, wellFormed)
	case familySPDX3:
		return readSPDX3(raw)
	}
	return &rawFacts{}, nil
}

type cdxRawJSON struct {
	SerialNumber string `json:"serialNumber"`
	Metadata     *struct {
		Component *cdxRawComponentJSON `json:"component"`
	} `json:"metadata"`
	Components   []cdxRawComponentJSON `json:"components"`
	Compositions []struct {
		Assemblies   []json.RawMessage `json:"assemblies"`
		Dependencies []string          `json:"dependencies"`
	} `json:"compositions"`
	Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
}

// decodeSplit decodes raw as json.Unmarshal would, the components apart
// and in parallel (see jsonscan.go). It reports false, with b partly
// filled, for anything it does not handle exactly so — a member name that
// differs from a field's only in case, a duplicate member, malformed or
// mistyped JSON — and the caller then decodes the whole document.
func (b *cdxRawJSON) decodeSplit(raw []byte, wellFormed bool) bool {
	members, ok := splitObject(trimSpace(raw), nil)
	if !ok {
		return false
	}
	fields := []string{"serialNumber", "metadata", "components", "compositions", "vulnerabilities"}
	var jobs []func() bool
	seen := map[string]bool{}
	for _, m := range members {
		if seen[m.key] {
			return false
		}
		seen[m.key] = true
		var dst any
		switch m.key {
		case "serialNumber":
			dst = &b.SerialNumber
		case "metadata":
			dst = &b.Metadata
		case "compositions":
			dst = &b.Compositions
		case "vulnerabilities":
			dst = &b.Vulnerabilities
		case "components":
			items, ok := splitArray(m.val, nil)
			if !ok {
				dst = &b.Components // null, or not an array: as json.Unmarshal does
				break
			}
			b.Components = make([]cdxRawComponentJSON, len(items))
			for i, it := range items {
				jobs = append(jobs, func() bool { return b.Components[i].decode(it, wellFormed) })
			}
			continue
		default:
			for _, f := range fields {
				if strings.EqualFold(m.key, f) {
					return false // encoding/json would match it case-insensitively
				}
			}
			jobs = append(jobs, func() bool { return json.Valid(m.val) })
			continue
		}
		jobs = append(jobs, func() bool { return json.Unmarshal(m.val, dst) == nil })
	}
	return parallel(len(jobs), func(i int) bool { return jobs[i]() })
}

// cdxRawFields are the members cdxRawComponentJSON reads.
var cdxRawFields = []string{"bom-ref", "name", "version", "purl", "cpe", "swid", "properties", "components"}

// decode decodes one component as json.Unmarshal would, reading only the
// members it keeps; with wellFormed, the others are not validated. What it
// does not handle exactly so (a member name that differs from a field's
// only in case, a duplicate member, a value of another type) it leaves to
// json.Unmarshal.
func (c *cdxRawComponentJSON) decode(v []byte, wellFormed bool) bool {
	if c.decodeFast(v, wellFormed) {
		return true
	}
	*c = cdxRawComponentJSON{}
	return json.Unmarshal(v, c) == nil
}

func (c *cdxRawComponentJSON) decodeFast(v []byte, wellFormed bool) bool {
	var buf [32]member
	members, ok := splitObject(v, buf[:0])
	if !ok {
		return false
	}
	for i, m := range members {
		for _, prev := range members[:i] {
			if prev.key == m.key {
				return false
			}
		}
		var dst *string
		switch m.key {
		case "bom-ref":
			dst = &c.BOMRef
		case "name":
			dst = &c.Name
		case "version":
			dst = &c.Version
		case "purl":
			dst = &c.PURL
		case "cpe":
			dst = &c.CPE
		case "swid":
			if json.Unmarshal(m.val, &c.SWID) != nil {
				return false
			}
			continue
		case "properties":
			if json.Unmarshal(m.val, &c.Properties) != nil {
				return false
			}
			continue
		case "components":
			if string(m.val) == "null" {
				continue
			}
			items, ok := splitArray(m.val, nil)
			if !ok {
				return false
			}
			c.Components = make([]cdxRawComponentJSON, len(items))
			for i, it := range items {
				if !c.Components[i].decode(it, wellFormed) {
					return false
				}
			}
			continue
		default:
			for _, f := range cdxRawFields {
				if strings.EqualFold(m.key, f) {
					return false // encoding/json matches names case-insensitively
				}
			}
			if !wellFormed && !json.Valid(m.val) {
				return false
			}
			continue
		}
		switch {
		case m.val[0] == '"':
			s, ok := decodeString(m.val)
			if !ok {
				return false
			}
			*dst = s
		case string(m.val) != "null":
			return false
		}
	}
	return true
}

type cdxRawComponentJSON struct {
	BOMRef  string `json:"bom-ref"`
	Name    string `json:"name"`
	Version string `json:"version"`
	PURL    string `json:"purl"`
	CPE     string `json:"cpe"`
	SWID    *struct {
		TagID string `json:"tagId"`
	} `json:"swid"`
	Properties []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"properties"`
	Components []cdxRawComponentJSON `json:"components"`
}

type cdxRawXML struct {
	SerialNumber string `xml:"serialNumber,attr"`
	Metadata     *struct {
		Component *cdxRawComponentXML `xml:"component"`
	} `xml:"metadata"`
	Components   []cdxRawComponentXML `xml:"components>component"`
	Compositions []struct {
		Assemblies   []struct{} `xml:"assemblies>assembly"`
		Dependencies []struct {
			Ref string `xml:"ref,attr"`
		} `xml:"dependencies>dependency"`
	} `xml:"compositions>composition"`
	Vulnerabilities []struct{} `xml:"vulnerabilities>vulnerability"`
}

type cdxRawComponentXML struct {
	BOMRef  string `xml:"bom-ref,attr"`
	Name    string `xml:"name"`
	Version string `xml:"version"`
	PURL    string `xml:"purl"`
	CPE     string `xml:"cpe"`
	SWID    *struct {
		TagID string `xml:"tagId,attr"`
	} `xml:"swid"`
	Properties []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:",chardata"`
	} `xml:"properties>property"`
	Components []cdxRawComponentXML `xml:"components>component"`
}

func readCycloneDX(raw []byte, wellFormed bool) (*rawFacts, error) {
	f := &rawFacts{composed: map[string]bool{}, components: map[string]*rawComponent{}}
	t := bytes.TrimLeft(bytes.TrimPrefix(bytes.TrimLeft(raw, " \t\r\n"), []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(t) > 0 && t[0] == '<' {
		var b cdxRawXML
		if err := xml.Unmarshal(raw, &b); err != nil {
			return nil, fmt.Errorf("read CycloneDX XML for compliance checks: %w", err)
		}
		f.serial = b.SerialNumber
		f.vulnerabilities = len(b.Vulnerabilities)
		for _, c := range b.Compositions {
			if len(c.Assemblies) > 0 || len(c.Dependencies) == 0 {
				f.documentComposed = true
			}
			for _, d := range c.Dependencies {
				f.composed[d.Ref] = true
			}
		}
		var meta *cdxRawComponentJSON
		if b.Metadata != nil && b.Metadata.Component != nil {
			m := b.Metadata.Component.asJSON()
			meta = &m
		}
		comps := make([]cdxRawComponentJSON, len(b.Components))
		for i := range b.Components {
			comps[i] = b.Components[i].asJSON()
		}
		f.indexComponents(meta, comps)
		return f, nil
	}
	var b cdxRawJSON
	if !b.decodeSplit(raw, wellFormed) {
		b = cdxRawJSON{}
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, fmt.Errorf("read CycloneDX JSON for compliance checks: %w", err)
		}
	}
	f.serial = b.SerialNumber
	f.vulnerabilities = len(b.Vulnerabilities)
	for _, c := range b.Compositions {
		if len(c.Assemblies) > 0 || len(c.Dependencies) == 0 {
			f.documentComposed = true
		}
		for _, d := range c.Dependencies {
			f.composed[d] = true
		}
	}
	var meta *cdxRawComponentJSON
	if b.Metadata != nil {
		meta = b.Metadata.Component
	}
	f.indexComponents(meta, b.Components)
	return f, nil
}

// indexComponents files the metadata component and every component, nested
// ones included, with the facts only the raw document holds: CPE, SWID tag
// id and the bsi:component:* properties.
func (f *rawFacts) indexComponents(meta *cdxRawComponentJSON, cs []cdxRawComponentJSON) {
	var walk func(cs []cdxRawComponentJSON)
	add := func(c *cdxRawComponentJSON) {
		rc := &rawComponent{cpe: c.CPE}
		if c.SWID != nil {
			rc.swid = c.SWID.TagID
		}
		for _, p := range c.Properties {
			if strings.HasPrefix(p.Name, "bsi:component:") {
				if rc.bsi == nil {
					rc.bsi = map[string]string{}
				}
				rc.bsi[p.Name] = strings.TrimSpace(p.Value)
			}
		}
		f.index(c.BOMRef, c.PURL, c.Name, c.Version, rc)
		walk(c.Components)
	}
	walk = func(cs []cdxRawComponentJSON) {
		for i := range cs {
			add(&cs[i])
		}
	}
	if meta != nil {
		add(meta)
	}
	walk(cs)
}

// asJSON gives an XML component the shape of a JSON one, so both encodings
// are indexed by the same code.
func (c *cdxRawComponentXML) asJSON() cdxRawComponentJSON {
	out := cdxRawComponentJSON{BOMRef: c.BOMRef, Name: c.Name, Version: c.Version, PURL: c.PURL, CPE: c.CPE}
	if c.SWID != nil {
		out.SWID = &struct {
			TagID string `json:"tagId"`
		}{TagID: c.SWID.TagID}
	}
	for _, p := range c.Properties {
		out.Properties = append(out.Properties, struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		}{p.Name, p.Value})
	}
	for i := range c.Components {
		out.Components = append(out.Components, c.Components[i].asJSON())
	}
	return out
}

// index files a raw component under its bom-ref, or, without one, under the
// keys the model's ID falls back to (the decoder names such components after
// their purl or their position).
func (f *rawFacts) index(ref, purl, name, version string, rc *rawComponent) {
	if ref != "" {
		f.components[ref] = rc
		return
	}
	if purl != "" {
		f.components["purl:"+purl] = rc
	}
	f.components["nv:"+name+"@"+version] = rc
}

// readSPDX3 counts the security profile's elements (vulnerabilities and VEX
// assessments) in an SPDX 3 JSON-LD graph.
func readSPDX3(raw []byte) (*rawFacts, error) {
	var doc struct {
		Graph []struct {
			Type string `json:"type"`
			AT   string `json:"@type"`
		} `json:"@graph"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("read SPDX 3 JSON-LD for compliance checks: %w", err)
	}
	f := &rawFacts{}
	for _, n := range doc.Graph {
		t := n.Type
		if t == "" {
			t = n.AT
		}
		if strings.HasPrefix(t, "security_") || strings.Contains(t, "/Security/") {
			f.vulnerabilities++
		}
	}
	return f, nil
}

// --- versions -------------------------------------------------------------------

// versionAtLeast compares dotted version numbers ("1.6" >= "1.5",
// "3.0.1" >= "3.0.1"); missing parts count as 0. A version that is not
// numeric is never at least anything.
func versionAtLeast(v, min string) bool {
	v = strings.TrimPrefix(strings.TrimPrefix(v, "SPDX-"), "v")
	if v == "" {
		return false
	}
	vp, mp := strings.Split(v, "."), strings.Split(min, ".")
	for i := 0; i < max(len(vp), len(mp)); i++ {
		a, b := 0, 0
		var err error
		if i < len(vp) {
			if a, err = strconv.Atoi(vp[i]); err != nil {
				return false
			}
		}
		if i < len(mp) {
			b, _ = strconv.Atoi(mp[i])
		}
		if a != b {
			return a > b
		}
	}
	return true
}

// encoding tells the input's encoding, from Input.Encoding or the bytes.
func (e *evaluation) encoding() string {
	if e.in.Encoding != "" {
		return e.in.Encoding
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(bytes.TrimLeft(e.in.Raw, " \t\r\n"), []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case len(t) == 0:
		return ""
	case t[0] == '{':
		return "json"
	case t[0] == '<':
		return "xml"
	}
	return "tag-value"
}

// validPURL reports whether s parses as a package URL.
func validPURL(s string) bool {
	_, err := packageurl.FromString(s)
	return err == nil
}

// listed reports whether id is on the SPDX licence or exception list.
func listed(id string) bool {
	_, ok := licexpr.Listed(id)
	return ok
}
