package sbom

// Fragment is part of a document: what one cataloger found in one source
// (a go.mod, a binary, an archive). The catalog package merges fragments into
// a [Document].
type Fragment struct {
	// Primary is the ID of the source's main component, "" if it has none.
	Primary      string
	Components   []Component
	Dependencies []Dependency
	// Warnings are problems that did not stop cataloguing this source.
	Warnings []Warning
	// Files says what became of the files of a known kind inside this
	// source (the entries of an archive) and, once a post-processing step
	// judged it, of the source itself: the per-kind summary of a run and
	// its completeness are made from them.
	Files []FileStatus
	// Partial, when set, says why the source was read only in part (a
	// requirements file whose entries are not all pinned): its status is
	// "not fully read" and the document is incomplete.
	Partial string
}

// FileStatus is what became of one file a cataloger claimed.
type FileStatus struct {
	Path string // as in a Warning: the file, or archive!entry
	// Kind is the name of the cataloger registration that claimed it;
	// "" for an entry no cataloger claims (an archive entry skipped for
	// its name).
	Kind string
	// Components is how many components it gave.
	Components int
	// NotRead says why the file is not (faithfully) in the document: it
	// could not be read, it is a manifest without its lockfile, a later
	// archive entry shadows it. "" means it was catalogued.
	NotRead string
}

// Warning is a problem found while cataloguing, tied to the file it concerns.
type Warning struct {
	Path    string // the file (or archive!entry) the warning is about
	Message string
}

func (w Warning) String() string {
	if w.Path == "" {
		return w.Message
	}
	return w.Path + ": " + w.Message
}
