package archive

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/gobin"
)

// TestShadowedEntries: a later entry — a symlink or hard link (inside the
// archive or out of it), a plain copy, a link replacing the directory —
// that takes the place of a catalogued executable, or a link an entry is
// written through, is a warning naming the entry, a status saying why it
// is not catalogued and an incomplete archive; never a silently complete
// list. Each attack has a legitimate control with the same members minus
// the trick, which must be complete with the executable listed.
func TestShadowedEntries(t *testing.T) {
	bin := hello(t)
	exe := member{name: "bin/hello", src: bin}
	tests := []struct {
		name    string
		zipped  bool
		members []member
		entry   string // the entry reported; "" for a control
		why     string // in its message
	}{
		{"symlink escaping the root", false, []member{exe, {name: "bin/hello", link: "../../../usr/bin/sudo"}}, "bin/hello", `a symlink to "../../../usr/bin/sudo", outside the archive`},
		{"absolute symlink", false, []member{exe, {name: "bin/hello", link: "/etc/passwd"}}, "bin/hello", "outside the archive"},
		{"hard link", false, []member{{name: "README", data: "hi\n"}, exe, {name: "bin/hello", hard: "README"}}, "bin/hello", `a hard link to "README"`},
		{"hard link escaping", false, []member{exe, {name: "bin/hello", hard: "../x"}}, "bin/hello", "outside the archive"},
		{"plain later copy", false, []member{exe, {name: "bin/hello", data: "#!/bin/sh\necho not hello\n"}}, "bin/hello", "shadowed by a later entry of the same name (a regular file)"},
		{"directory replaced by a symlink", false, []member{exe, {name: "bin", link: "/usr/bin"}}, "bin/hello", "where its directory bin was"},
		{"written through a symlink", false, []member{{name: "bin", link: "/usr/local/bin"}, exe}, "bin/hello", "its directory bin is a symlink"},
		{"zip symlink escaping", true, []member{exe, {name: "bin/hello", link: "../../etc/passwd"}}, "bin/hello", "outside the archive"},
		{"zip plain later copy", true, []member{exe, {name: "bin/hello", data: "text\n"}}, "bin/hello", "shadowed by a later entry"},
		{"zip written through a symlink", true, []member{{name: "bin", link: "/tmp"}, exe}, "bin/hello", "its directory bin is a symlink"},
		// Controls: links that alias, and a second name, shadow nothing.
		{"control: alias symlink", false, []member{{name: "bin", dir: true}, exe, {name: "bin/hi", link: "hello"}, {name: "current", link: "bin"}}, "", ""},
		{"control: hard link to the executable", false, []member{exe, {name: "bin/hello2", hard: "bin/hello"}}, "", ""},
		{"control: zip alias symlink", true, []member{{name: "bin", dir: true}, exe, {name: "bin/hi", link: "hello"}}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := "rel.tar.gz"
			if tc.zipped {
				name = "rel.zip"
			}
			arch := filepath.Join(t.TempDir(), name)
			if tc.zipped {
				writeZip(t, arch, tc.members)
			} else {
				writeTarGz(t, arch, tc.members)
			}
			frag, err := Catalog(context.Background(), arch, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkShadow(t, frag, name, tc.entry, tc.why)
		})
	}
}

func checkShadow(t *testing.T, frag *sbom.Fragment, arch, entry, why string) {
	t.Helper()
	top := frag.Dependencies[0]
	var notRead []sbom.FileStatus
	for _, st := range frag.Files {
		if st.NotRead != "" {
			notRead = append(notRead, st)
		}
	}
	if entry == "" {
		if len(frag.Warnings) != 0 || len(notRead) != 0 || top.Completeness != sbom.CompletenessComplete || len(top.DependsOn) != 1 {
			t.Errorf("legitimate archive: warnings %v, not read %v, archive %+v: want none, none, the executable, complete", frag.Warnings, notRead, top)
		}
		return
	}
	want := arch + "!" + entry
	if top.Completeness != sbom.CompletenessIncomplete {
		t.Errorf("archive completeness %q, want incomplete", top.Completeness)
	}
	if len(top.DependsOn) != 0 {
		t.Errorf("archive depends on %v: the shadowed executable is still listed", top.DependsOn)
	}
	if len(notRead) != 1 || notRead[0].Path != want || notRead[0].Kind != gobin.Kind || !strings.Contains(notRead[0].NotRead, why) {
		t.Errorf("not read %+v: want one binary status for %s saying %q", notRead, want, why)
	}
	found := false
	for _, w := range frag.Warnings {
		found = found || (w.Path == want && strings.Contains(w.Message, why))
	}
	if !found {
		t.Errorf("warnings %v: none for %s saying %q", frag.Warnings, want, why)
	}
}
