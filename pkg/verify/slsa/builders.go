package slsa

import (
	"bytes"
	_ "embed"
	"fmt"
	"path"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// Signer kinds of a [Builder]: who signs its provenance.
const (
	// SignerBuilder: the builder's own workflow signs (the certificate's
	// SAN and build signer URI are the builder id at a ref), as the
	// slsa-github-generator reusable workflows do. The certificate proves
	// which builder ran.
	SignerBuilder = "builder"
	// SignerSourceWorkflow: a workflow of the source repository signs, as
	// with GitHub artifact attestations and npm provenance. The certificate
	// proves which repository's workflow ran on the hosted runner.
	SignerSourceWorkflow = "source-workflow"
)

// Builder is one trusted builder: how to recognise its provenance and the
// identity that must have signed it.
type Builder struct {
	Name string `yaml:"name" json:"name"`
	// ID is the builder id in provenance, without "@ref".
	ID string `yaml:"id,omitempty" json:"id,omitempty"`
	// Aliases are ids that denote the same builder in SLSA v0.2 provenance
	// (npm's v0.2 provenance says https://github.com/actions/runner).
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// IDFromSigner: the provenance's builder id is the signing workflow
	// (the certificate's build signer URI), so it is not fixed.
	IDFromSigner bool     `yaml:"idFromSigner,omitempty" json:"idFromSigner,omitempty"`
	BuildTypes   []string `yaml:"buildTypes,omitempty" json:"buildTypes,omitempty"`
	// Signer is SignerBuilder or SignerSourceWorkflow.
	Signer string `yaml:"signer" json:"signer"`
	// Refs are globs (path.Match) the builder's ref must match when
	// Signer is SignerBuilder; empty accepts any ref.
	Refs              []string `yaml:"refs,omitempty" json:"refs,omitempty"`
	Issuer            string   `yaml:"issuer,omitempty" json:"issuer,omitempty"`
	RunnerEnvironment string   `yaml:"runnerEnvironment,omitempty" json:"runnerEnvironment,omitempty"`
	Level             int      `yaml:"level,omitempty" json:"level,omitempty"`
	// Default builders are trusted when a policy names no builder id.
	Default bool `yaml:"default,omitempty" json:"default,omitempty"`
}

//go:embed builders.yaml
var buildersYAML []byte

var (
	defaultOnce     sync.Once
	defaultBuilders []Builder
	defaultErr      error
)

// Builders returns vouch's embedded list of well-known trusted builders
// (builders.yaml; documented in docs/policy.md). The slice is a copy.
func Builders() []Builder {
	defaultOnce.Do(func() { defaultBuilders, defaultErr = ParseBuilders("builders.yaml", buildersYAML) })
	if defaultErr != nil {
		// The embedded list is tested; a broken one is a build defect.
		panic(defaultErr)
	}
	out := make([]Builder, len(defaultBuilders))
	copy(out, defaultBuilders)
	return out
}

// ParseBuilders reads a trusted-builder list ({"builders": [...]}),
// strictly: unknown fields are errors.
func ParseBuilders(name string, data []byte) ([]Builder, error) {
	var doc struct {
		Builders []Builder `yaml:"builders"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for i := range doc.Builders {
		if err := doc.Builders[i].Validate(); err != nil {
			return nil, fmt.Errorf("%s: builders[%d]: %w", name, i, err)
		}
	}
	return doc.Builders, nil
}

// Validate checks that an entry can be matched safely.
func (b *Builder) Validate() error {
	switch {
	case b.ID == "" && !b.IDFromSigner:
		return fmt.Errorf("builder %q: id is required unless idFromSigner is true", b.Name)
	case b.ID != "" && b.IDFromSigner:
		return fmt.Errorf("builder %q: id and idFromSigner exclude each other", b.Name)
	case strings.Contains(b.ID, "@"):
		return fmt.Errorf("builder %q: id %q must not carry an @ref (use refs)", b.Name, b.ID)
	case b.Signer != SignerBuilder && b.Signer != SignerSourceWorkflow:
		return fmt.Errorf("builder %q: signer is %q, want %q or %q", b.Name, b.Signer, SignerBuilder, SignerSourceWorkflow)
	case b.IDFromSigner && b.Signer != SignerSourceWorkflow:
		return fmt.Errorf("builder %q: idFromSigner needs signer %q", b.Name, SignerSourceWorkflow)
	case b.Level < 0 || b.Level > 3:
		return fmt.Errorf("builder %q: level %d, want 0 to 3", b.Name, b.Level)
	}
	for _, r := range b.Refs {
		if _, err := path.Match(r, ""); err != nil {
			return fmt.Errorf("builder %q: ref glob %q: %w", b.Name, r, err)
		}
	}
	return nil
}

// label names the builder in messages.
func (b *Builder) label() string {
	if b.ID != "" {
		return b.ID
	}
	return b.Name
}

// SplitBuilderID splits "id@ref" into the id and the ref.
func SplitBuilderID(id string) (string, string) {
	base, ref, _ := strings.Cut(id, "@")
	return base, ref
}

// MatchBuilderID reports whether a builder id from a policy (with or
// without "@ref") names the builder id claimed in provenance. Without a ref
// any ref matches; with one, the whole id must be equal.
func MatchBuilderID(want, got string) bool {
	wantID, wantRef := SplitBuilderID(want)
	gotID, gotRef := SplitBuilderID(got)
	if wantID != gotID {
		return false
	}
	return wantRef == "" || wantRef == gotRef
}

// matchesID reports whether the entry's id (or, in v0.2 provenance, an
// alias) is the provenance's builder id.
func (b *Builder) matchesID(p *Provenance) bool {
	if b.IDFromSigner {
		return true // checked against the certificate in signerTrusted
	}
	id, _ := SplitBuilderID(p.BuilderID)
	if id == b.ID {
		return true
	}
	if p.PredicateType == PredicateV02 {
		for _, a := range b.Aliases {
			if id == a {
				return true
			}
		}
	}
	return false
}

func (b *Builder) matchesBuildType(p *Provenance) bool {
	if len(b.BuildTypes) == 0 {
		return true
	}
	for _, t := range b.BuildTypes {
		if t == p.BuildType {
			return true
		}
	}
	return false
}

func matchAnyGlob(globs []string, s string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, s); ok {
			return true
		}
	}
	return false
}
