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
	// SignerDelegator: a build-your-own-builder (BYOB) builder of
	// slsa-github-generator. One of the builder's Delegators (a
	// delegator workflow, itself an entry of the list with its refs)
	// signs, and the provenance's builder id is the BYOB builder that
	// called it: the delegator vouches for which builder that was.
	SignerDelegator = "delegator"
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
	// Signer is SignerBuilder, SignerSourceWorkflow or SignerDelegator.
	Signer string `yaml:"signer" json:"signer"`
	// Delegators are the ids (without "@ref") of the delegator workflows
	// that sign for this builder when Signer is SignerDelegator.
	Delegators []string `yaml:"delegators,omitempty" json:"delegators,omitempty"`
	// Keys are vouch key ids (the hex SHA-256 of a DER public key, as
	// `vouch verify` reports them) that the policy binds to this builder:
	// provenance signed by one of these keys is credited with the builder
	// and its level. Without a binding, a key-signed statement that names
	// a builder is never credited with it: anyone can type a builder id.
	Keys []string `yaml:"keys,omitempty" json:"keys,omitempty"`
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
	case b.Signer != SignerBuilder && b.Signer != SignerSourceWorkflow && b.Signer != SignerDelegator:
		return fmt.Errorf("builder %q: signer is %q, want %q, %q or %q", b.Name, b.Signer, SignerBuilder, SignerSourceWorkflow, SignerDelegator)
	case (b.Signer == SignerDelegator) != (len(b.Delegators) > 0):
		return fmt.Errorf("builder %q: delegators are required with signer %q and only with it", b.Name, SignerDelegator)
	case b.IDFromSigner && b.Signer != SignerSourceWorkflow:
		return fmt.Errorf("builder %q: idFromSigner needs signer %q", b.Name, SignerSourceWorkflow)
	case b.Level < 0 || b.Level > 3:
		return fmt.Errorf("builder %q: level %d, want 0 to 3", b.Name, b.Level)
	}
	for _, k := range b.Keys {
		if !isKeyID(k) {
			return fmt.Errorf("builder %q: key %q is not a vouch key id (64 lower-case hex digits, the SHA-256 of the DER public key)", b.Name, k)
		}
	}
	for _, d := range b.Delegators {
		if d == "" || strings.Contains(d, "@") {
			return fmt.Errorf("builder %q: delegator %q must be a workflow id without @ref", b.Name, d)
		}
	}
	for _, r := range b.Refs {
		if _, err := path.Match(r, ""); err != nil {
			return fmt.Errorf("builder %q: ref glob %q: %w", b.Name, r, err)
		}
	}
	return nil
}

// isKeyID reports whether s is a vouch key id: 64 lower-case hex digits.
func isKeyID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
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
// any ref matches; with one, the refs must be equal, a short tag ("v1.9.0")
// naming its full form ("refs/tags/v1.9.0") as in slsa-verifier.
func MatchBuilderID(want, got string) bool {
	wantID, _ := SplitBuilderID(want)
	gotID, _ := SplitBuilderID(got)
	return wantID == gotID && refMatches(want, got)
}

// refMatches applies the "@ref" of a policy's builder id to the claimed id.
func refMatches(want, got string) bool {
	_, wantRef := SplitBuilderID(want)
	_, gotRef := SplitBuilderID(got)
	return wantRef == "" || wantRef == gotRef || (strings.HasPrefix(wantRef, "v") && gotRef == "refs/tags/"+wantRef)
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
