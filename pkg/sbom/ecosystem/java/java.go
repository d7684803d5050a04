// Package java reads Gradle's dependency lockfile (gradle.lockfile),
// Maven's pom.xml and Java archives (JAR, WAR, EAR and the like) into
// vouch's model.
//
// A pom.xml gives the project and its declared, direct dependencies (the
// closure needs Maven's resolution, so the list is marked incomplete). An
// archive gives what it holds: its own artifact from
// META-INF/maven/.../pom.properties, artifacts shaded into it, nested
// archives (WEB-INF/lib, BOOT-INF/lib) as its dependencies, licences from
// the embedded pom.xml and MANIFEST.MF. Both are vouch's own parsers.
//
// osv-scalibr's extractor gives the package list; vouch builds the Maven
// purls (group as namespace) and reads the configurations each artifact is
// locked for, which scalibr drops: an artifact no compile or runtime
// classpath of the main code needs (only test, annotation-processor or
// tool configurations such as spotbugs or jacoco) is a development one.
// gradle.lockfile records no graph.
package java

import (
	"bufio"
	"bytes"
	"context"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem/language/java/gradlelockfile"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// PropConfigurations lists the Gradle configurations an artifact is locked
// for, comma-separated as in the lockfile.
const PropConfigurations = "vouch:gradle:configurations"

// PURL returns the purl of a Maven artifact: pkg:maven/group/artifact@version.
func PURL(group, artifact, version string) string {
	return ecosystem.PURL("maven", group, artifact, version)
}

// GradleLockfile reads the gradle.lockfile at path. It names no project
// and records no graph: the fragment has no primary component and no
// edges.
func GradleLockfile(ctx context.Context, path string, data []byte) (*sbom.Fragment, error) {
	pkgs, err := ecosystem.Extract(ctx, &gradlelockfile.Extractor{}, path, data)
	if err != nil {
		return nil, err
	}
	b := ecosystem.NewBuilder(path)
	fromScalibr, seen := map[string]bool{}, map[string]bool{}
	for _, p := range pkgs {
		fromScalibr[p.Name+"@"+p.Version] = true
	}
	s := bufio.NewScanner(bytes.NewReader(data))
	s.Buffer(nil, ecosystem.MaxFileSize)
	for n := 1; s.Scan(); n++ {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "empty=") {
			continue
		}
		coord, confs, ok := strings.Cut(line, "=")
		parts := strings.Split(coord, ":")
		if !ok || len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			b.Skip("line %d: %q is not group:artifact:version=configurations", n, line)
			continue
		}
		c := ecosystem.Library(PURL(parts[0], parts[1], parts[2]), parts[0]+":"+parts[1], parts[2], path)
		c.SetProperty(PropConfigurations, confs)
		if !production(confs) {
			ecosystem.MarkDevelopment(&c)
		}
		b.Add(c)
		seen[parts[0]+":"+parts[1]+"@"+parts[2]] = true
	}
	b.CrossCheck(fromScalibr, seen)
	return b.Fragment(), nil
}

// production reports whether a configuration list includes a compile or
// runtime classpath of non-test code ("compileClasspath",
// "releaseRuntimeClasspath").
func production(confs string) bool {
	for _, c := range strings.Split(confs, ",") {
		c = strings.TrimSpace(c)
		lower := strings.ToLower(c)
		if strings.Contains(lower, "test") {
			continue
		}
		if strings.HasSuffix(lower, "compileclasspath") || strings.HasSuffix(lower, "runtimeclasspath") {
			return true
		}
	}
	return false
}
