package sbom

// Property names vouch writes. They are part of vouch's output format:
// renaming one is a breaking change.
const (
	// PropGoH1 is a Go module's h1: checksum (from go.sum or build info).
	PropGoH1 = "vouch:golang:h1"
	// PropGoIndirect is "true" for a requirement marked // indirect in go.mod.
	PropGoIndirect = "vouch:golang:indirect"
	// PropGoReplace is the replacement of a module: "path@version" or a local directory.
	PropGoReplace = "vouch:golang:replace"
	// PropGoPackage is a binary's main package path (build info "path").
	PropGoPackage = "vouch:golang:package"
	// PropGoBuildPrefix prefixes a build setting from build info:
	// "vouch:golang:build:GOOS", "vouch:golang:build:-ldflags", "vouch:golang:build:vcs.revision".
	PropGoBuildPrefix = "vouch:golang:build:"
	// PropGoModDiff records where go.mod and a binary's build info disagree on a module.
	PropGoModDiff = "vouch:golang:gomod-diff"
	// PropVersionSource says where a main module's version came from: one of
	// the VersionFrom* values.
	PropVersionSource = "vouch:version:source"
	// PropBuildInfo is "absent" on a binary with no Go build info.
	PropBuildInfo = "vouch:golang:buildinfo"
	// PropSourcePath is the path, relative to the scanned root, where a
	// component was found.
	PropSourcePath = "vouch:source:path"
	// PropNotCatalogued is a document property, one per file of a known
	// kind that was found but is not in the document: "PATH: why". Its
	// presence makes the document incomplete.
	PropNotCatalogued = "vouch:not-catalogued"
	// PropDevelopment is "true" on a component a lockfile says only
	// development or test dependencies pull in; its scope is excluded.
	PropDevelopment = "vouch:dependency:development"
	// PropExcludeDev is a document property, "true" when the development-only
	// components were left out on request (vouch sbom --exclude-dev): the
	// document describes what a production install holds.
	PropExcludeDev = "vouch:scan:exclude-dev"
)

// Development reports whether c is marked as needed only for development
// or tests (PropDevelopment).
func (c *Component) Development() bool {
	v, _ := c.Property(PropDevelopment)
	return v == "true"
}

// Values of PropVersionSource, in the order vouch tries them.
const (
	VersionFromFlag    = "flag"           // --version
	VersionFromGitTag  = "git-tag"        // a tag pointing at the built commit
	VersionFromLdflags = "ldflags"        // -X ...version=vX.Y.Z
	VersionFromBuild   = "buildinfo"      // a release version in build info
	VersionFromPseudo  = "pseudo-version" // a Go pseudo-version: no release is known
	// VersionFromVCS: the pseudo-version of the checked-out, untagged
	// commit, as the go command stamps it ("+dirty" with local changes).
	VersionFromVCS   = "vcs"
	VersionFromGoMod = "go.mod"  // a requirement's version in go.mod
	VersionUnknown   = "unknown" // nothing known; the version field is empty
)

// BSI TR-03183-2 CycloneDX taxonomy. Encoders write them from the model's
// fields (FileName, Type); decoders read them back into those fields.
const (
	BSIFilename   = "bsi:component:filename"
	BSIExecutable = "bsi:component:executable"
	BSIArchive    = "bsi:component:archive"
	BSIStructured = "bsi:component:structured"
)
