package java

import (
	"context"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
)

// TestGroundTruth compares real gradle.lockfiles with what
// testdata/truth.py reads from them.
func TestGroundTruth(t *testing.T) {
	ecotest.GroundTruths(t, GradleLockfile, "gradle.lockfile", "terra-cli", "dd-javac-plugin")
}

func TestPURL(t *testing.T) {
	if got, want := PURL("org.apache.commons", "commons-lang3", "3.17.0"), "pkg:maven/org.apache.commons/commons-lang3@3.17.0"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestLines: configurations decide the scope; a malformed line is a
// warning beside well-formed controls.
func TestLines(t *testing.T) {
	const lock = "# header\na:b:1=compileClasspath,testRuntimeClasspath\nc:d:2=testCompileClasspath,spotbugs\ne:f:3=releaseRuntimeClasspath\n%sempty=annotationProcessor\n"
	frag, err := GradleLockfile(context.Background(), "gradle.lockfile", []byte(strings.Replace(lock, "%s", "", 1)))
	if err != nil || len(frag.Warnings) != 0 || len(frag.Components) != 3 {
		t.Fatalf("control: %v %+v", err, frag)
	}
	for _, c := range frag.Components {
		if dev := c.Scope == sbom.ScopeExcluded; dev != (c.Name == "c:d") {
			t.Errorf("%s: scope %s", c.ID, c.Scope)
		}
	}
	frag, err = GradleLockfile(context.Background(), "gradle.lockfile", []byte(strings.Replace(lock, "%s", "g:h=compileClasspath\n", 1)))
	if err != nil || len(frag.Warnings) != 1 || !strings.Contains(frag.Warnings[0].Message, "line 5") {
		t.Errorf("malformed: %v %v", err, frag.Warnings)
	}
}

func FuzzGradleLockfile(f *testing.F) {
	ecotest.Fuzz(f, GradleLockfile, []string{"testdata/dd-javac-plugin/gradle.lockfile"})
}
