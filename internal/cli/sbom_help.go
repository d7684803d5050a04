package cli

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
)

// readsHelp lists the registered catalogers, one line per kind with the
// file names it claims, so the help says exactly what this build reads:
// it is made from the registry the catalog itself uses.
func readsHelp() string {
	regs := cataloger.Default().Registrations()
	slices.SortFunc(regs, func(a, b cataloger.Registration) int { return cmp.Compare(a.Name, b.Name) })
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, r := range regs {
		fmt.Fprintf(tw, "  %s\t%s\n", r.Name, readsWhat(r))
	}
	tw.Flush()
	return b.String()
}

// readsWhat is what a registration reads: its description, and the file
// names it claims, or that it knows its files by their content.
func readsWhat(r cataloger.Registration) string {
	globs := slices.DeleteFunc(slices.Clone(r.Globs), func(g string) bool { return g == "*" })
	switch {
	case len(globs) == 0:
		return r.What + " (known by its content)"
	case len(globs) == 1 && globs[0] == r.What:
		return r.What
	}
	return r.What + ": " + strings.Join(globs, ", ")
}
