package java

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"regexp"
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// pom is the part of a Maven pom.xml vouch reads.
type pom struct {
	Group    string `xml:"groupId"`
	Artifact string `xml:"artifactId"`
	Version  string `xml:"version"`
	Parent   struct {
		Group   string `xml:"groupId"`
		Version string `xml:"version"`
	} `xml:"parent"`
	Properties struct {
		Entries []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	} `xml:"properties"`
	Licenses []struct {
		Name string `xml:"name"`
		URL  string `xml:"url"`
	} `xml:"licenses>license"`
	Dependencies []pomDependency `xml:"dependencies>dependency"`

	props map[string]string // see properties
}

// pomDependency is one <dependency> of the project (not of
// dependencyManagement, plugins or profiles).
type pomDependency struct {
	Group    string `xml:"groupId"`
	Artifact string `xml:"artifactId"`
	Version  string `xml:"version"`
	Scope    string `xml:"scope"`
	Optional string `xml:"optional"`
}

// PropScope is a dependency's Maven scope where it is not "compile".
const PropScope = "vouch:maven:scope"

// PropOptional is "true" on a dependency the pom marks optional.
const PropOptional = "vouch:maven:optional"

// maxPOM bounds a pom.xml; real ones are tens of KB.
const maxPOM = 16 << 20

// parsePOM decodes a pom.xml. encoding/xml expands no external entities
// and resolves no DTDs, so an XXE or billion-laughs document is only text.
func parsePOM(data []byte) (*pom, error) {
	if len(data) > maxPOM {
		return nil, fmt.Errorf("%d bytes, more than the %d vouch reads of a pom.xml", len(data), maxPOM)
	}
	var p pom
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	if err := d.Decode(&p); err != nil {
		return nil, fmt.Errorf("not a Maven pom: %w", err)
	}
	if p.Group == "" {
		p.Group = p.Parent.Group
	}
	if p.Version == "" {
		p.Version = p.Parent.Version
	}
	return &p, nil
}

// licenceTexts are the pom's licences, each its name or else its URL.
func (p *pom) licenceTexts() []string {
	var out []string
	for _, l := range p.Licenses {
		t := strings.TrimSpace(l.Name)
		if u := strings.TrimSpace(l.URL); u != "" && spdxOf(u) != u {
			t = u // a known URL says more than a free-form name
		}
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

// propertyRef is a ${name} reference in a pom value.
var propertyRef = regexp.MustCompile(`\$\{([^}]+)\}`)

// interpolate replaces ${…} references with the pom's own properties and
// project coordinates; ok is false if one is left (defined in a parent
// pom vouch does not have).
func (p *pom) interpolate(s string) (string, bool) {
	props := p.properties()
	for range 8 { // properties may name properties; a cycle stops here
		if !strings.Contains(s, "${") {
			break
		}
		next, ok := expand(s, props)
		if !ok {
			return strings.TrimSpace(s), false
		}
		s = next
	}
	return strings.TrimSpace(s), !strings.Contains(s, "${")
}

// maxInterpolated bounds a value after property expansion: a property
// naming itself many times would otherwise grow by that factor each
// round (a "billion laughs" through ${...}). No real coordinate comes
// near it.
const maxInterpolated = 4096

// properties are the pom's properties by name, gathered once: a pom
// interpolates every dependency with them.
func (p *pom) properties() map[string]string {
	if p.props != nil {
		return p.props
	}
	p.props = map[string]string{
		"project.groupId": p.Group, "pom.groupId": p.Group,
		"project.version": p.Version, "pom.version": p.Version,
		"project.artifactId": p.Artifact, "project.parent.version": p.Parent.Version,
	}
	for _, e := range p.Properties.Entries {
		p.props[e.XMLName.Local] = strings.TrimSpace(e.Value)
	}
	return p.props
}

// expand replaces every ${name} in s that props defines, once; ok is
// false when the result would exceed maxInterpolated bytes.
func expand(s string, props map[string]string) (string, bool) {
	var b strings.Builder
	last := 0
	for _, m := range propertyRef.FindAllStringSubmatchIndex(s, -1) {
		v, found := props[s[m[2]:m[3]]]
		if !found {
			v = s[m[0]:m[1]]
		}
		if b.Len()+(m[0]-last)+len(v) > maxInterpolated {
			return "", false
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(v)
		last = m[1]
	}
	if b.Len()+len(s)-last > maxInterpolated {
		return "", false
	}
	b.WriteString(s[last:])
	return b.String(), true
}

// POM reads a Maven pom.xml at path: the project is the primary component
// and its declared dependencies its direct ones. A pom alone does not give
// the transitive closure (that takes resolution against repositories), so
// the project's dependency list is left incomplete, with a warning saying
// so; a version the pom leaves to a parent's dependencyManagement or a
// property it does not define is unknown, with a warning.
func POM(_ context.Context, path string, data []byte) (*sbom.Fragment, error) {
	p, err := parsePOM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	b := ecosystem.NewBuilder(path)
	group, _ := p.interpolate(p.Group)
	version, _ := p.interpolate(p.Version)
	if group == "" || p.Artifact == "" {
		return nil, fmt.Errorf("%s: the project has no groupId or artifactId", path)
	}
	root := ecosystem.Library(PURL(group, p.Artifact, version), group+":"+p.Artifact, version, path)
	root.Type = sbom.TypeApplication
	j := &jarReader{b: b}
	j.setLicences(&root, p.licenceTexts(), " OR ")
	b.SetPrimary(b.Add(root).ID)
	for i, d := range p.Dependencies {
		dg, _ := p.interpolate(d.Group)
		da, _ := p.interpolate(d.Artifact)
		if dg == "" || da == "" {
			b.Skip("dependencies[%d]: groupId %q, artifactId %q: both are required", i, d.Group, d.Artifact)
			continue
		}
		dv, ok := p.interpolate(d.Version)
		if !ok || dv == "" {
			b.Warn("%s:%s: version %q is set outside this pom.xml (a parent or BOM): unknown", dg, da, d.Version)
			dv = ""
		}
		c := ecosystem.Library(PURL(dg, da, dv), dg+":"+da, dv, path)
		if scope := strings.TrimSpace(d.Scope); scope != "" && scope != "compile" {
			c.SetProperty(PropScope, scope)
			if scope == "test" {
				ecosystem.MarkDevelopment(&c)
			}
		}
		if strings.TrimSpace(d.Optional) == "true" {
			c.SetProperty(PropOptional, "true")
		}
		b.Edge(root.ID, b.Add(c).ID)
	}
	b.Warn("pom.xml declares direct dependencies only: their own dependencies need Maven's resolution " +
		"(a lockfile or the built archive), so the dependency list is incomplete")
	return incomplete(b.Fragment(), root.ID), nil
}

// incomplete marks id's dependency list in frag as known to miss some.
func incomplete(frag *sbom.Fragment, id string) *sbom.Fragment {
	for i := range frag.Dependencies {
		if frag.Dependencies[i].Ref == id {
			frag.Dependencies[i].Completeness = sbom.CompletenessIncomplete
			return frag
		}
	}
	frag.Dependencies = append(frag.Dependencies, sbom.Dependency{Ref: id, Completeness: sbom.CompletenessIncomplete})
	return frag
}

// spdxOf maps a well-known licence name or URL, as poms and manifests
// write them, to its SPDX identifier; anything else is returned as is.
func spdxOf(s string) string {
	key := strings.ToLower(strings.TrimSpace(s))
	key = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://"), "/")
	key = strings.TrimPrefix(key, "www.")
	if id, ok := knownLicences[key]; ok {
		return id
	}
	return strings.TrimSpace(s)
}

// knownLicences are the licence names and URLs most common in Maven
// Central poms, lower-cased, URLs without scheme and "www.".
var knownLicences = map[string]string{
	"apache.org/licenses/license-2.0":             "Apache-2.0",
	"apache.org/licenses/license-2.0.txt":         "Apache-2.0",
	"apache.org/licenses/license-2.0.html":        "Apache-2.0",
	"opensource.org/licenses/apache-2.0":          "Apache-2.0",
	"the apache software license, version 2.0":    "Apache-2.0",
	"apache license, version 2.0":                 "Apache-2.0",
	"apache license 2.0":                          "Apache-2.0",
	"apache-2.0":                                  "Apache-2.0",
	"opensource.org/licenses/mit":                 "MIT",
	"opensource.org/licenses/mit-license.php":     "MIT",
	"mit license":                                 "MIT",
	"the mit license":                             "MIT",
	"opensource.org/licenses/bsd-3-clause":        "BSD-3-Clause",
	"eclipse.org/legal/epl-v10.html":              "EPL-1.0",
	"eclipse.org/legal/epl-2.0":                   "EPL-2.0",
	"eclipse.org/legal/epl-v20.html":              "EPL-2.0",
	"eclipse public license - v 1.0":              "EPL-1.0",
	"eclipse public license v2.0":                 "EPL-2.0",
	"gnu.org/licenses/old-licenses/lgpl-2.1.html": "LGPL-2.1-only",
}
