package cli

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"

	"github.com/vouchdev/vouch/internal/output"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog"
)

// kindSummary is what one kind of file (a cataloger registration) gave.
type kindSummary struct {
	read, notRead, components int
}

// writeReadSummary prints, after the table, what the run read per kind
// of file — files read, components found, files not read — then every
// file not read with why, in path order: what a reader needs to tell a
// short SBOM from a short project, and how many of the components read
// --exclude-dev left out. Nothing is printed for a run that read no file
// of any kind.
func writeReadSummary(w io.Writer, files []sbom.FileStatus, devExcluded int) error {
	kinds := map[string]*kindSummary{}
	var notRead []sbom.FileStatus
	for _, f := range files {
		if f.NotRead != "" {
			notRead = append(notRead, f)
		}
		if f.Kind == "" {
			continue
		}
		k := kinds[f.Kind]
		if k == nil {
			k = &kindSummary{}
			kinds[f.Kind] = k
		}
		if f.NotRead != "" {
			k.notRead++
		} else {
			k.read++
		}
		k.components += f.Components
	}
	if len(kinds) == 0 && len(notRead) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nKIND\tREAD\tCOMPONENTS\tNOT READ")
	for _, name := range slices.Sorted(maps.Keys(kinds)) {
		k := kinds[name]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", output.Visible(name), k.read, k.components, k.notRead)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if devExcluded > 0 {
		fmt.Fprintf(w, "\n--exclude-dev: %d development-only component(s) read but left out of the SBOM\n", devExcluded)
	}
	if len(notRead) == 0 {
		return nil
	}
	slices.SortStableFunc(notRead, func(a, b sbom.FileStatus) int { return cmp.Compare(a.Path, b.Path) })
	fmt.Fprintf(w, "\nnot read (the SBOM is incomplete):\n")
	for _, f := range notRead {
		kind := f.Kind
		if kind == "" {
			kind = "-"
		}
		// Paths and reasons come from the tree and its files.
		if _, err := fmt.Fprintf(w, "  %s (%s): %s\n", output.Visible(f.Path), output.Visible(kind), output.Visible(f.NotRead)); err != nil {
			return err
		}
	}
	return nil
}

// notReadBeyondErrors counts the files found but not (fully) in the SBOM
// other than the sources that failed, which the warnings already count.
func notReadBeyondErrors(res *catalog.Result) int {
	failed := map[string]bool{}
	for _, e := range res.Errors {
		failed[e.Path] = true
	}
	n := 0
	for _, f := range res.Files {
		if f.NotRead != "" && !failed[f.Path] {
			n++
		}
	}
	return n
}
