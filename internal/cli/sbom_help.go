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

// imageHelp says how an image is named: syft's source schemes, and the
// plain paths vouch recognises as images.
const imageHelp = `  docker-archive:FILE   a docker save tarball
  oci-archive:FILE      a tar of an OCI image layout
  oci-dir:DIR           an OCI image layout directory
  registry:REF          an image in a registry, by tag or @sha256: digest
                        (credentials from the Docker config and its helpers)
A plain path to an OCI layout directory or a .tar holding a docker save or
OCI layout is read as an image too. Layers are read once each, as streams;
--scope squashed (the default) describes what a container starts with
(later layers win, whiteouts delete), --scope all-layers every file of every
layer. The image is the root component (its manifest digest, config digest,
tags and OCI labels); every component found records its layer's digest
(vouch:layerDigest). Package databases name their distribution from the
image's /etc/os-release. The --max-archive-* limits hold for all the layers
of an image together.`
