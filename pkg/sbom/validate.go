package sbom

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every error [Document.Validate] returns.
var ErrInvalid = errors.New("invalid sbom")

// Validate checks the document's internal consistency: every component has
// an ID and a name, IDs are unique, and every dependency edge and the primary
// component refer to components that exist. Decoders call it so that a
// third-party document with dangling references is rejected with a precise
// error instead of producing a half-linked model.
func (d *Document) Validate() error {
	seen := make(map[string]bool, len(d.Components))
	for i, c := range d.Components {
		if c.ID == "" {
			return fmt.Errorf("%w: components[%d] (%q): empty id", ErrInvalid, i, c.Name)
		}
		if seen[c.ID] {
			return fmt.Errorf("%w: components[%d]: duplicate id %q", ErrInvalid, i, c.ID)
		}
		seen[c.ID] = true
	}
	if d.Primary != "" && !seen[d.Primary] {
		return fmt.Errorf("%w: primary component %q is not among the components", ErrInvalid, d.Primary)
	}
	for i, dep := range d.Dependencies {
		if !seen[dep.Ref] {
			return fmt.Errorf("%w: dependencies[%d]: ref %q names no component", ErrInvalid, i, dep.Ref)
		}
		for _, to := range dep.DependsOn {
			if !seen[to] {
				return fmt.Errorf("%w: dependencies[%d] (%q): dependsOn %q names no component", ErrInvalid, i, dep.Ref, to)
			}
		}
	}
	return nil
}
