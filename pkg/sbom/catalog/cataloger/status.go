package cataloger

import (
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// Statuses says what became of every file a cataloger claimed: each
// found file itself (read, or why not), then what its fragment says of the
// files inside it. A fragment's own word on its file (a manifest whose
// lockfile is missing) replaces the run's. Notes of the walk (Kind "") are
// left out.
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
		out = append(out, own)
	}
	return out
}

// Reason is err's message without a leading "PATH: ", which every report
// of a file's status already carries.
func Reason(path string, err error) string {
	return strings.TrimPrefix(err.Error(), path+": ")
}
