package cataloger

import (
	"slices"
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// Statuses says what became of every file a cataloger claimed: each
// found file itself (read, or why not), then what its fragment says of the
// files inside it. A fragment's own word on its file (a manifest whose
// lockfile is missing) replaces the run's. A file read without error whose
// fragment says it is partial (a requirements file with ranges) or marks
// its primary component's dependency list incomplete (a pom.xml names
// direct dependencies only) is not fully read: the document cannot be
// complete either. Notes of the walk (Kind "") are left out.
func Statuses(found []Found) []sbom.FileStatus {
	var out []sbom.FileStatus
	for _, f := range found {
		if f.Kind == "" {
			continue
		}
		own := sbom.FileStatus{Path: f.Path, Kind: f.Kind}
		if f.Fragment != nil {
			own.Components = len(f.Fragment.Components)
		}
		if f.Err != nil {
			own.NotRead = Reason(f.Path, f.Err)
		}
		if f.Fragment != nil {
			for _, st := range f.Fragment.Files {
				if st.Path == f.Path {
					own = st
					continue
				}
				out = append(out, st)
			}
		}
		if own.NotRead == "" {
			own.NotRead = partlyRead(f.Fragment)
		}
		out = append(out, own)
	}
	return out
}

// Reason is err's message without a leading "PATH: ", which every report
// of a file's status already carries.
func Reason(path string, err error) string {
	return strings.TrimPrefix(err.Error(), path+": ")
}

// partlyRead says why a fragment read without error is still not the
// whole of its file, or "" when it is: the fragment says so
// (sbom.Fragment.Partial), or its primary's dependency list is marked
// incomplete and no status of a file inside it (an archive's entry that
// could not be read) already says why.
func partlyRead(frag *sbom.Fragment) string {
	switch {
	case frag == nil:
		return ""
	case frag.Partial != "":
		return "not fully read: " + frag.Partial
	case frag.Primary == "":
		return ""
	}
	if slices.ContainsFunc(frag.Files, func(st sbom.FileStatus) bool { return st.NotRead != "" }) {
		return ""
	}
	i := slices.IndexFunc(frag.Dependencies, func(d sbom.Dependency) bool { return d.Ref == frag.Primary })
	if i < 0 || frag.Dependencies[i].Completeness != sbom.CompletenessIncomplete {
		return ""
	}
	name := frag.Primary
	if j := slices.IndexFunc(frag.Components, func(c sbom.Component) bool { return c.ID == frag.Primary }); j >= 0 && frag.Components[j].Name != "" {
		name = frag.Components[j].Name
	}
	return "not fully read: the dependency list of " + name + " is incomplete (see the warnings on this file)"
}
