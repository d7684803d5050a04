package java

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/digest"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
)

// readArchive reads a fixture archive with Archive.
func readArchive(t testing.TB, file string) *sbom.Fragment {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	frag, err := archiveBytes(data, filepath.ToSlash(file))
	if err != nil {
		t.Fatal(err)
	}
	return frag
}

func archiveBytes(data []byte, rel string) (*sbom.Fragment, error) {
	d, err := digest.Reader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return Archive(bytes.NewReader(data), int64(len(data)), rel, d)
}

// TestArchiveGroundTruth compares real Java archives with what
// testdata/jar_truth.py reads from them with Python's zipfile: Debian's
// jansi.jar (one artifact), its shaded wagon-http jar (five artifacts, none
// named by the file) and a WAR made with the JDK's jar tool holding four
// real jars (one shaded, one without pom.properties) in WEB-INF/lib.
func TestArchiveGroundTruth(t *testing.T) {
	for _, tc := range []struct {
		file     string
		expected []string
	}{
		{"jansi.jar", nil},
		{"wagon-http-shaded-3.5.3.jar", []string{"no pom.properties names this archive"}},
		{"app.war", []string{"no pom.properties names this archive"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			file := filepath.Join("testdata", "jars", tc.file)
			frag := readArchive(t, file)
			ecotest.Compare(t, frag, ecotest.Load(t, file+".truth.json"), true, tc.expected...)
			for _, w := range frag.Warnings {
				if strings.HasPrefix(w.Message, w.Path+":") {
					t.Errorf("warning names its file twice: %s", w)
				}
			}
			for _, c := range frag.Components {
				if c.ID == frag.Primary && c.Hash(sbom.SHA256) == "" {
					t.Errorf("%s: the archive has no hash", c.ID)
				}
			}
		})
	}
}

// TestArchiveIdentity: purls per purl-spec, licences from the pom.xml
// beside pom.properties (mapped to SPDX by URL), shaded artifacts marked,
// the WAR an application.
func TestArchiveIdentity(t *testing.T) {
	jansi := readArchive(t, "testdata/jars/jansi.jar")
	if jansi.Primary != "pkg:maven/org.fusesource.jansi/jansi@2.4.0" {
		t.Errorf("jansi primary %q", jansi.Primary)
	}
	if c := find(jansi, jansi.Primary); c == nil || c.Licenses.Declared != "Apache-2.0" || c.FileName != "jansi.jar" {
		t.Errorf("jansi: %+v", c)
	}
	war := readArchive(t, "testdata/jars/app.war")
	if c := find(war, war.Primary); c == nil || c.Type != sbom.TypeApplication {
		t.Errorf("war: %+v", c)
	}
	simple := find(war, "pkg:maven/org.slf4j/slf4j-simple@1.7.32")
	if simple == nil {
		t.Fatal("no slf4j-simple shaded into maven-slf4j-provider")
	}
	if v, _ := simple.Property(PropShaded); v != "true" {
		t.Errorf("slf4j-simple not marked shaded: %+v", simple.Properties)
	}
	if c := find(war, "pkg:maven/org.fusesource.jansi/jansi@2.4.0"); c == nil || c.Hash(sbom.SHA256) == "" {
		t.Errorf("nested jansi.jar has no hash of its own: %+v", c)
	}
}

func find(f *sbom.Fragment, id string) *sbom.Component {
	i := slices.IndexFunc(f.Components, func(c sbom.Component) bool { return c.ID == id })
	if i < 0 {
		return nil
	}
	return &f.Components[i]
}

// zipOf builds a zip from name/content pairs.
func zipOf(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range files {
			if !yield(k) {
				return
			}
		}
	}) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[name])
	}
	zw.Close()
	return buf.Bytes()
}

// TestArchiveHostile pairs hostile archives with their sound control:
// nesting past the limit, a nested archive that is no zip, pom.properties
// missing a field.
func TestArchiveHostile(t *testing.T) {
	pom := []byte("groupId=g\nartifactId=a\nversion=1\n")
	nest := func(depth int) []byte {
		data := zipOf(t, map[string][]byte{"META-INF/maven/g/a/pom.properties": pom})
		for range depth {
			data = zipOf(t, map[string][]byte{"lib/x.jar": data})
		}
		return data
	}
	for _, tc := range []struct {
		name     string
		data     []byte
		err      bool
		warnings int
	}{
		{"control", nest(maxNestDepth), false, maxNestDepth},
		{"too deep", nest(maxNestDepth + 1), true, 0},
		{"nested not a zip", zipOf(t, map[string][]byte{"lib/x.jar": []byte("not a zip")}), true, 0},
		{"pom.properties without version", zipOf(t, map[string][]byte{"META-INF/maven/g/a/pom.properties": []byte("groupId=g\nartifactId=a\n")}), false, 2},
	} {
		frag, err := archiveBytes(tc.data, "x.jar")
		if (err != nil) != tc.err {
			t.Errorf("%s: err %v", tc.name, err)
			continue
		}
		if err == nil && len(frag.Warnings) != tc.warnings {
			t.Errorf("%s: warnings %v", tc.name, frag.Warnings)
		}
	}
}

// TestArchiveLicences: the pom.xml beside pom.properties wins (its
// <licenses> are alternatives, Maven says); without one, MANIFEST.MF's
// Bundle-License (attributes dropped, a list meaning all of them); a name
// that is no SPDX licence is kept as text with a warning.
func TestArchiveLicences(t *testing.T) {
	props := []byte("groupId=g\nartifactId=a\nversion=1\n")
	pom := func(lic string) []byte {
		return []byte("<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version><licenses>" + lic + "</licenses></project>")
	}
	for _, tc := range []struct {
		name     string
		files    map[string][]byte
		declared string
		text     string
	}{
		{"pom licences are alternatives", map[string][]byte{
			"META-INF/maven/g/a/pom.xml": pom("<license><url>https://www.apache.org/licenses/LICENSE-2.0.txt</url></license>" +
				"<license><name>MIT License</name></license>"),
		}, "Apache-2.0 OR MIT", ""},
		{"manifest list", map[string][]byte{
			"META-INF/MANIFEST.MF": []byte("Bundle-License: Apache-2.0;link=\"https://x\", EPL-2.0\n"),
		}, "Apache-2.0 AND EPL-2.0", ""},
		{"free text kept", map[string][]byte{
			"META-INF/maven/g/a/pom.xml": pom("<license><name>Some Corp Licence</name></license>"),
		}, "", "Some Corp Licence"},
	} {
		tc.files["META-INF/maven/g/a/pom.properties"] = props
		frag, err := archiveBytes(zipOf(t, tc.files), "a-1.jar")
		if err != nil {
			t.Fatal(err)
		}
		c := find(frag, "pkg:maven/g/a@1")
		text, _ := c.Property(ecosystem.PropLicenseText)
		if c.Licenses.Declared != tc.declared || text != tc.text {
			t.Errorf("%s: declared %q, text %q", tc.name, c.Licenses.Declared, text)
		}
	}
}

// TestPOMGroundTruth compares Apache Commons Text's real pom.xml with what
// testdata/pom_truth.py reads with Python's xml.etree: versions from the
// pom's properties, those a parent manages unknown, test scope excluded,
// and the project's list incomplete.
func TestPOMGroundTruth(t *testing.T) {
	frag := ecotest.Read(t, POM, "testdata/commons-text/pom.xml")
	ecotest.Compare(t, frag, ecotest.Load(t, "testdata/commons-text/truth.json"), true,
		"declares direct dependencies only", "is set outside this pom.xml")
	if frag.Primary != "pkg:maven/org.apache.commons/commons-text@1.15.1-SNAPSHOT" {
		t.Errorf("primary %q", frag.Primary)
	}
	i := slices.IndexFunc(frag.Dependencies, func(d sbom.Dependency) bool { return d.Ref == frag.Primary })
	if i < 0 || frag.Dependencies[i].Completeness != sbom.CompletenessIncomplete {
		t.Error("a pom's dependency list is not marked incomplete")
	}
}

// TestPOMHostile: an entity-expansion document is text, not an attack; a
// document that is no pom is an error, beside the real pom (control).
func TestPOMHostile(t *testing.T) {
	const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>` +
		`<project><groupId>g</groupId><artifactId>&lol2;</artifactId><version>1</version></project>`
	if _, err := POM(context.Background(), "pom.xml", []byte(lol)); err == nil {
		t.Error("an undefined entity read without error")
	}
	if _, err := POM(context.Background(), "pom.xml", []byte("<notapom/>")); err == nil {
		t.Error("a document without coordinates read without error")
	}
	ecotest.Read(t, POM, "testdata/commons-text/pom.xml")
}

// TestArchiveBombs: a metadata file past maxMetaFile and an archive past
// its decompression budget are refused; the same just within is read.
func TestArchiveBombs(t *testing.T) {
	pad := func(n int) []byte { return append([]byte("groupId=g\nartifactId=a\nversion=1\n#"), make([]byte, n)...) }
	const head = len("groupId=g\nartifactId=a\nversion=1\n#")
	for _, tc := range []struct {
		name   string
		size   int
		budget int64
		ok     bool
	}{
		{"metadata at the limit", maxMetaFile - head, maxReadBytes, true},
		{"metadata over the limit", maxMetaFile - head + 1, maxReadBytes, false},
		{"within the budget", 1000, 2000, true},
		{"over the budget", 3000, 2000, false},
	} {
		data := zipOf(t, map[string][]byte{"META-INF/maven/g/a/pom.properties": pad(tc.size)})
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		j := &jarReader{b: ecosystem.NewBuilder("x.jar"), budget: tc.budget}
		if _, err := j.contents(zr, "x.jar"); (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.name, err)
		}
	}
}

func FuzzPOM(f *testing.F) {
	ecotest.Fuzz(f, POM, []string{"testdata/commons-text/pom.xml"},
		`<project><groupId>${a}</groupId><artifactId>x</artifactId><properties><a>${a}</a></properties></project>`)
}

func FuzzArchive(f *testing.F) {
	data, err := os.ReadFile("testdata/jars/jansi.jar")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(zipOf(f, map[string][]byte{"META-INF/MANIFEST.MF": []byte("Bundle-SymbolicName: a;singleton:=true\nBundle-Version: 1\n")}))
	f.Fuzz(func(t *testing.T, data []byte) {
		frag, err := archiveBytes(data, "x.jar")
		if err != nil {
			return
		}
		ids := map[string]bool{}
		for _, c := range frag.Components {
			if c.Name == "" || (c.ID != c.PURL && !strings.HasPrefix(c.ID, "file:")) {
				t.Fatalf("component %+v", c)
			}
			ids[c.ID] = true
		}
		if !ids[frag.Primary] {
			t.Fatalf("primary %q is not a component", frag.Primary)
		}
	})
}

func FuzzManifest(f *testing.F) {
	f.Add([]byte("Manifest-Version: 1.0\nBundle-License: Apache-2.0;link=x,\n MIT\n\nName: a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, ok := parseManifest(data)[""]; ok {
			t.Fatalf("empty header name from %q", data)
		}
		if p := parsePomProperties(data); p.valid() && strings.ContainsAny(p.Group+p.Artifact+p.Version, "\n") {
			t.Fatalf("multi-line value from %q", data)
		}
	})
}
