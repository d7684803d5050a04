package java

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// ArchiveGlobs are the file names of Java archives: a JAR and the formats
// built on it (web and enterprise applications, Jenkins plugins, JMODs
// are not: their layout differs).
var ArchiveGlobs = []string{"*.jar", "*.war", "*.ear", "*.jpi", "*.hpi", "*.par", "*.sar", "*.nar", "*.kar", "*.rar"}

// Limits of one Java archive, nested archives included. A real WAR holds
// a few hundred jars, none nested deeper than two levels; beyond these
// the archive is an attack on memory, and reading stops with an error.
const (
	maxNestDepth = 4
	// maxReadBytes bounds what one outer archive makes vouch decompress:
	// nested archives (held in memory while read) and metadata files,
	// in total. Spring Boot jars of a few hundred MB fit; a zip bomb
	// stops here.
	maxReadBytes = 512 << 20
	// maxMetaFile bounds a pom.properties, pom.xml or MANIFEST.MF.
	maxMetaFile = 4 << 20
)

// IsArchive reports whether name is a Java archive by its extension.
func IsArchive(name string) bool {
	base := strings.ToLower(path.Base(name))
	return slices.ContainsFunc(ArchiveGlobs, func(g string) bool { return strings.HasSuffix(base, g[1:]) })
}

// PropShaded is "true" on an artifact whose classes were copied into
// another archive (a shaded or fat jar's extra pom.properties): it has no
// file of its own.
const PropShaded = "vouch:maven:shaded"

// Archive reads the Java archive r (size bytes, reported as rel, whose
// bytes hash to d): each jar is one component, identified by its
// META-INF/maven pom.properties; artifacts shaded into it and archives
// nested in it (WEB-INF/lib, BOOT-INF/lib, lib/) are its dependencies,
// read the same way. The archive's dependency list is complete: it is
// what the file holds. Licences come from the pom.xml beside each
// pom.properties and from MANIFEST.MF's Bundle-License.
func Archive(r io.ReaderAt, size int64, rel string, d digest.Digests) (*sbom.Fragment, error) {
	j := &jarReader{b: ecosystem.NewBuilder(rel), budget: maxReadBytes}
	id, err := j.read(r, size, rel, 0, d)
	if err != nil {
		return nil, err
	}
	j.b.SetPrimary(id)
	return j.b.Fragment(), nil
}

// jarReader holds the state of one outer archive.
type jarReader struct {
	b      *ecosystem.Builder
	budget int64 // bytes still allowed to be decompressed
}

// jarContents is what one archive's own entries say.
type jarContents struct {
	poms     []pomProperties
	licences map[string][]string // "group/artifact" -> licences of its pom.xml
	manifest map[string]string
	nested   []*zip.File
}

// read catalogs one archive and returns its component's ID.
func (j *jarReader) read(r io.ReaderAt, size int64, rel string, depth int, d digest.Digests) (string, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return "", fmt.Errorf("%s: not a valid Java archive (zip): %w", rel, err)
	}
	jc, err := j.contents(zr, rel)
	if err != nil {
		return "", err
	}
	self := j.self(jc, rel, d)
	id := j.b.Add(self).ID
	for _, p := range jc.poms {
		if p.id() == id {
			continue
		}
		c := j.artifact(p, jc, rel)
		c.SetProperty(PropShaded, "true")
		j.b.Edge(id, j.b.Add(c).ID)
	}
	for _, zf := range jc.nested {
		nid, err := j.nested(zf, rel, depth)
		if err != nil {
			return "", err
		}
		if nid != "" {
			j.b.Edge(id, nid)
		}
	}
	j.b.Complete(id)
	return id, nil
}

// contents reads an archive's pom.properties, pom.xml licences and main
// manifest, and lists its nested archives.
func (j *jarReader) contents(zr *zip.Reader, rel string) (*jarContents, error) {
	jc := &jarContents{licences: map[string][]string{}}
	for _, zf := range zr.File {
		name := strings.ReplaceAll(zf.Name, `\`, "/")
		if !zf.Mode().IsRegular() {
			continue
		}
		switch {
		case strings.HasPrefix(name, "META-INF/maven/") && path.Base(name) == "pom.properties":
			data, err := j.readSmall(zf)
			if err != nil {
				return nil, fmt.Errorf("%s!%s: %w", rel, name, err)
			}
			p := parsePomProperties(data)
			if !p.valid() {
				j.b.Warn("%s!%s: groupId %q, artifactId %q, version %q: all three are required", rel, name, p.Group, p.Artifact, p.Version)
				continue
			}
			jc.poms = append(jc.poms, p)
		case strings.HasPrefix(name, "META-INF/maven/") && path.Base(name) == "pom.xml":
			data, err := j.readSmall(zf)
			if err != nil {
				return nil, fmt.Errorf("%s!%s: %w", rel, name, err)
			}
			if pom, err := parsePOM(data); err == nil {
				jc.licences[path.Dir(strings.TrimPrefix(name, "META-INF/maven/"))] = pom.licenceTexts()
			} else {
				j.b.Warn("%s!%s: %v", rel, name, err)
			}
		case strings.EqualFold(name, "META-INF/MANIFEST.MF"):
			data, err := j.readSmall(zf)
			if err != nil {
				return nil, fmt.Errorf("%s!%s: %w", rel, name, err)
			}
			jc.manifest = parseManifest(data)
		case IsArchive(name):
			jc.nested = append(jc.nested, zf)
		}
	}
	slices.SortFunc(jc.poms, func(a, b pomProperties) int { return strings.Compare(a.id(), b.id()) })
	return jc, nil
}

// self is the component of the archive itself: the artifact of its only
// pom.properties, or of the one its file name or manifest names among
// several (a shaded jar); else a file named from its manifest, without
// Maven coordinates.
func (j *jarReader) self(jc *jarContents, rel string, d digest.Digests) sbom.Component {
	var c sbom.Component
	if p, ok := ownPom(jc, path.Base(rel)); ok {
		c = j.artifact(p, jc, rel)
	} else {
		name, version := manifestIdentity(jc.manifest)
		if name == "" {
			name = path.Base(rel)
		}
		c = sbom.Component{ID: "file:" + rel, Type: sbom.TypeLibrary, Name: name, Version: version, Scope: sbom.ScopeRequired}
		c.SetProperty(sbom.PropSourcePath, rel)
		where := "" // a warning already names the file read; a nested archive is named
		if rel != j.b.Path {
			where = rel + ": "
		}
		j.b.Warn("%sno pom.properties names this archive: Maven coordinates unknown, listed as a file", where)
		j.setManifestLicence(&c, jc.manifest)
	}
	if ext := strings.ToLower(path.Ext(rel)); ext == ".war" || ext == ".ear" {
		c.Type = sbom.TypeApplication
	}
	c.FileName = path.Base(rel)
	c.Size = d.Size
	c.Hashes = d.Hashes()
	return c
}

// ownPom picks the pom.properties describing the archive itself.
func ownPom(jc *jarContents, file string) (pomProperties, bool) {
	if len(jc.poms) == 1 {
		return jc.poms[0], true
	}
	stem := strings.TrimSuffix(file, path.Ext(file))
	title := jc.manifest["Implementation-Title"]
	sym, _, _ := strings.Cut(jc.manifest["Bundle-SymbolicName"], ";")
	for _, p := range jc.poms {
		if stem == p.Artifact+"-"+p.Version || stem == p.Artifact {
			return p, true
		}
	}
	for _, p := range jc.poms {
		if title == p.Artifact || strings.TrimSpace(sym) == p.Group+"."+p.Artifact {
			return p, true
		}
	}
	// A renamed file (Debian's maven3-slf4j-provider.jar) still says its
	// version in the manifest: one artifact of that version is the jar.
	_, version := manifestIdentity(jc.manifest)
	var match []pomProperties
	for _, p := range jc.poms {
		if version != "" && p.Version == version {
			match = append(match, p)
		}
	}
	if len(match) == 1 {
		return match[0], true
	}
	return pomProperties{}, false
}

// artifact is the component of one pom.properties found in rel.
func (j *jarReader) artifact(p pomProperties, jc *jarContents, rel string) sbom.Component {
	c := ecosystem.Library(p.id(), p.Group+":"+p.Artifact, p.Version, rel)
	if lic := jc.licences[p.Group+"/"+p.Artifact]; len(lic) > 0 {
		j.setLicences(&c, lic, " OR ")
	} else if len(jc.poms) == 1 {
		j.setManifestLicence(&c, jc.manifest)
	}
	return c
}

// nested reads an archive inside another one and returns its ID, or ""
// for one skipped with a warning.
func (j *jarReader) nested(zf *zip.File, rel string, depth int) (string, error) {
	inner := rel + "!" + strings.ReplaceAll(zf.Name, `\`, "/")
	if depth+1 > maxNestDepth {
		return "", fmt.Errorf("%s: Java archives nested more than %d deep", inner, maxNestDepth)
	}
	data, err := j.readEntry(zf, ecosystem.MaxFileSize)
	if err != nil {
		return "", fmt.Errorf("%s: %w", inner, err)
	}
	d, err := digest.Reader(bytes.NewReader(data))
	if err != nil {
		return "", err
	}
	return j.read(bytes.NewReader(data), int64(len(data)), inner, depth+1, d)
}

// readSmall reads a metadata entry, refusing one over maxMetaFile.
func (j *jarReader) readSmall(zf *zip.File) ([]byte, error) {
	return j.readEntry(zf, maxMetaFile)
}

// readEntry reads an entry of at most limit bytes, counting them against
// the archive's budget.
func (j *jarReader) readEntry(zf *zip.File, limit int64) ([]byte, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	limit = min(limit, j.budget)
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		if limit == j.budget {
			return nil, fmt.Errorf("the archive decompresses to more than the %d bytes vouch reads of one Java archive", maxReadBytes)
		}
		return nil, fmt.Errorf("more than %d bytes", limit)
	}
	j.budget -= int64(len(data))
	return data, nil
}

// pomProperties is what Maven writes to META-INF/maven/g/a/pom.properties.
type pomProperties struct{ Group, Artifact, Version string }

func (p pomProperties) valid() bool { return p.Group != "" && p.Artifact != "" && p.Version != "" }

// id is the artifact's purl.
func (p pomProperties) id() string { return PURL(p.Group, p.Artifact, p.Version) }

// parsePomProperties reads the Java properties keys Maven writes, one
// "key=value" (or "key: value") a line; '#' and '!' start comments.
func parsePomProperties(data []byte) pomProperties {
	var p pomProperties
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		i := strings.IndexAny(line, "=:")
		if i < 0 {
			continue
		}
		k, v := strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+1:])
		switch k {
		case "groupId":
			p.Group = v
		case "artifactId":
			p.Artifact = v
		case "version":
			p.Version = v
		}
	}
	return p
}

// parseManifest reads the main section of a MANIFEST.MF: "Name: value"
// headers up to the first blank line, a line starting with one space
// continuing the previous value.
func parseManifest(data []byte) map[string]string {
	m := map[string]string{}
	var last string
	s := bufio.NewScanner(bytes.NewReader(data))
	s.Buffer(nil, maxMetaFile)
	for s.Scan() {
		line := strings.TrimRight(s.Text(), "\r")
		switch {
		case line == "":
			return m
		case strings.HasPrefix(line, " ") && last != "":
			m[last] += line[1:]
		default:
			k, v, ok := strings.Cut(line, ":")
			if last = strings.TrimSpace(k); !ok || last == "" {
				last = ""
				continue
			}
			m[last] = strings.TrimSpace(v)
		}
	}
	return m
}

// manifestIdentity is the name and version a manifest gives its archive.
func manifestIdentity(m map[string]string) (name, version string) {
	name, _, _ = strings.Cut(m["Bundle-SymbolicName"], ";")
	name = strings.TrimSpace(name)
	if name == "" {
		name = m["Implementation-Title"]
	}
	version = m["Bundle-Version"]
	if version == "" {
		version = m["Implementation-Version"]
	}
	return name, version
}

// setManifestLicence takes MANIFEST.MF's Bundle-License (an SPDX
// expression, a licence URL, or a name) as c's declared licence.
func (j *jarReader) setManifestLicence(c *sbom.Component, m map[string]string) {
	var texts []string
	for _, l := range strings.Split(m["Bundle-License"], ",") {
		l, _, _ = strings.Cut(l, ";") // ";link=…" and other attributes
		texts = append(texts, l)
	}
	j.setLicences(c, texts, " AND ")
}

// setLicences sets c's declared licence from a list of licence names or
// URLs, each mapped to SPDX where it is a well-known one, joined with op:
// " OR " for a pom's <licenses> (Maven: "the user can select any of
// them"), " AND " for a manifest's Bundle-License list.
func (j *jarReader) setLicences(c *sbom.Component, texts []string, op string) {
	var ids []string
	for _, t := range texts {
		if t = strings.TrimSpace(t); t != "" {
			ids = append(ids, spdxOf(t))
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > 0 {
		j.b.SetDeclared(c, strings.Join(ids, op))
	}
}
