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
