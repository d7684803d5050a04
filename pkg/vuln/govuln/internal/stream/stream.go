// Package stream reads govulncheck's JSON output (golang.org/x/vuln's
// protocol v1.0.0: config, progress, SBOM, osv and finding messages) into
// vouch's matches. It is apart from package govuln, which runs
// govulncheck, so that its fuzz test does not link golang.org/x/vuln.
package stream

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/internal/strictjson"
	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// protocolVersion is the version of govulncheck's JSON protocol this
// reader understands; a stream of another version is refused.
const protocolVersion = "v1.0.0"

// maxStream bounds the JSON stream read from govulncheck: it carries every
// advisory of the scanned modules, a few MiB for the largest programs.
const maxStream = 256 << 20

// maxMessageDepth bounds the nesting of one message (an OSV entry nests
// seven levels below "osv").
const maxMessageDepth = 32

// stdlibModule and toolchainModule are the module paths the Go
// vulnerability database gives the standard library and the go command.
const (
	stdlibModule    = "stdlib"
	toolchainModule = "toolchain"
)

// message is one value of govulncheck's -format json stream
// (golang.org/x/vuln/internal/govulncheck.Message): exactly one field is
// set.
type message struct {
	Config   *streamConfig   `json:"config"`
	Progress json.RawMessage `json:"progress"`
	SBOM     *streamSBOM     `json:"SBOM"`
	OSV      *streamOSV      `json:"osv"`
	Finding  *streamFinding  `json:"finding"`
}

type streamConfig struct {
	ProtocolVersion string `json:"protocol_version"`
	ScanLevel       string `json:"scan_level"`
	ScanMode        string `json:"scan_mode"`
}

type streamSBOM struct {
	GoVersion string         `json:"go_version"`
	Modules   []streamModule `json:"modules"`
}

type streamModule struct {
	Path    string `json:"path"`
	Version string `json:"version"`
}

type streamOSV struct {
	ID      string   `json:"id"`
	Aliases []string `json:"aliases"`
	Summary string   `json:"summary"`
}

type streamFinding struct {
	OSV          string         `json:"osv"`
	FixedVersion string         `json:"fixed_version"`
	Trace        []*streamFrame `json:"trace"`
}

type streamFrame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
}

// level ranks the reachability levels; a finding at a deeper level
// replaces a shallower one of the same module and advisory.
var level = map[string]int{vuln.Required: 1, vuln.Imported: 2, vuln.Called: 3}

// key identifies a match: one per module and advisory.
type key struct{ module, id string }

// collector turns a stream into matches.
type collector struct {
	config    *streamConfig
	goVersion string
	modules   map[string]string // module path → version, from the SBOM message
	osvs      map[string]*streamOSV
	found     map[key]*vuln.Match
	symbols   map[key]map[string]bool
}

// Parse reads govulncheck's JSON stream from r and returns one match
// per (module, advisory) at the deepest level govulncheck reported, with
// the called symbols, sorted by component purl and advisory id. A stream
// without a config message of protocol v1.0.0 first, or with a finding
// that names no advisory, module or known OSV entry, is an error.
func Parse(r io.Reader) ([]vuln.Match, error) {
	c := &collector{modules: map[string]string{}, osvs: map[string]*streamOSV{}, found: map[key]*vuln.Match{}, symbols: map[key]map[string]bool{}}
	lr := &io.LimitedReader{R: r, N: maxStream + 1}
	dec := json.NewDecoder(lr)
	for i := 0; ; i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			break
		} else if err != nil {
			if lr.N <= 0 {
				return nil, fmt.Errorf("govulncheck output: larger than %d MiB", maxStream>>20)
			}
			return nil, fmt.Errorf("govulncheck output: message %d: %w", i, err)
		}
		if err := c.add(raw); err != nil {
			return nil, fmt.Errorf("govulncheck output: message %d: %w", i, err)
		}
	}
	if c.config == nil {
		return nil, errors.New("govulncheck output: no config message")
	}
	return c.matches(), nil
}

// add takes one message.
func (c *collector) add(raw []byte) error {
	var m message
	if err := strictjson.Unmarshal(raw, &m, maxMessageDepth); err != nil {
		return err
	}
	if m.Config != nil {
		if m.Config.ProtocolVersion != protocolVersion {
			return fmt.Errorf("field config.protocol_version: expected %s, found %q", protocolVersion, m.Config.ProtocolVersion)
		}
		c.config = m.Config
		return nil
	}
	if c.config == nil {
		return errors.New("expected the config message first")
	}
	switch {
	case m.SBOM != nil:
		c.goVersion = m.SBOM.GoVersion
		c.modules = map[string]string{}
		for _, mod := range m.SBOM.Modules {
			c.modules[mod.Path] = mod.Version
		}
	case m.OSV != nil:
		if m.OSV.ID == "" {
			return errors.New("field osv.id: expected an advisory id, found none")
		}
		c.osvs[m.OSV.ID] = m.OSV
	case m.Finding != nil:
		return c.addFinding(m.Finding)
	}
	return nil
}

// addFinding records f at its level: "called" when its innermost frame
// names a function, "imported" when it names a package, else "required".
func (c *collector) addFinding(f *streamFinding) error {
	if f.OSV == "" {
		return errors.New("field finding.osv: expected an advisory id, found none")
	}
	if len(f.Trace) == 0 || f.Trace[0] == nil || f.Trace[0].Module == "" {
		return fmt.Errorf("finding %s: field trace[0].module: expected the affected module, found none", f.OSV)
	}
	entry := c.osvs[f.OSV]
	if entry == nil {
		return fmt.Errorf("finding %s: no osv message for it before the finding", f.OSV)
	}
	fr, fixed := c.owner(f.Trace[0]), f.FixedVersion
	if fr != f.Trace[0] {
		// The fixed version govulncheck computed is the wrong module's.
		fixed = ""
	}
	lvl := vuln.Required
	switch {
	case fr.Function != "":
		lvl = vuln.Called
	case fr.Package != "":
		lvl = vuln.Imported
	}
	k := key{fr.Module, f.OSV}
	m := c.found[k]
	if m == nil {
		m = c.newMatch(fr, fixed, entry)
		c.found[k] = m
	}
	m.Vulnerability.FixedVersion = cmp.Or(m.Vulnerability.FixedVersion, c.fixed(fr, fixed))
	if level[lvl] > level[m.Vulnerability.Reachability] {
		m.Vulnerability.Reachability = lvl
	}
	if lvl == vuln.Called {
		if c.symbols[k] == nil {
			c.symbols[k] = map[string]bool{}
		}
		c.symbols[k][symbol(fr)] = true
	}
	return nil
}

// owner returns fr with the module that holds its package: the longest
// module path of the SBOM message that is a path prefix of the package.
//
// govulncheck v1.9.0 in binary mode gives a package the first module of
// a Go map whose path is a prefix of the package's
// (vulncheck.PackageGraph.findModule, "TODO: not first match, best
// match"), so the same binary's go-tuf/v2/metadata is reported under
// github.com/theupdateframework/go-tuf v0.7.0 on some runs and under
// go-tuf/v2 on others. A frame whose module is not a prefix of its
// package (a replacement module) is kept: the SBOM message names the
// replacement, not the path the package is imported by.
func (c *collector) owner(fr *streamFrame) *streamFrame {
	if fr.Package == "" || !underModule(fr.Package, fr.Module) {
		return fr
	}
	best := fr.Module
	for path := range c.modules {
		if len(path) > len(best) && underModule(fr.Package, path) {
			best = path
		}
	}
	if best == fr.Module {
		return fr
	}
	out := *fr
	out.Module, out.Version = best, c.modules[best]
	return &out
}

// underModule reports whether package pkg can belong to module mod.
func underModule(pkg, mod string) bool {
	return pkg == mod || strings.HasPrefix(pkg, mod+"/")
}

// fixed is the fixed version of fr's module as vouch names it.
func (c *collector) fixed(fr *streamFrame, fixed string) string {
	if fr.Module == stdlibModule || fr.Module == toolchainModule {
		return goTag(fixed)
	}
	return fixed
}

// newMatch is the match of the module in fr for the advisory entry.
func (c *collector) newMatch(fr *streamFrame, fixed string, entry *streamOSV) *vuln.Match {
	version := fr.Version
	if fr.Module == stdlibModule || fr.Module == toolchainModule {
		// govulncheck speaks semver (v1.26.8); vouch's SBOMs and Go
		// itself name releases by tag (go1.26.8).
		version = goTag(version)
		if fr.Module == stdlibModule && c.goVersion != "" {
			version = c.goVersion
		}
	}
	fixed = c.fixed(fr, fixed)
	aliases := slices.Clone(entry.Aliases)
	slices.Sort(aliases)
	return &vuln.Match{
		Component: vuln.Component{
			Name:      fr.Module,
			Version:   version,
			PURL:      ecosystem.GoPURL(fr.Module, version),
			Ecosystem: "Go",
		},
		Vulnerability: finding.Vulnerability{
			ID:           entry.ID,
			Aliases:      aliases,
			Summary:      entry.Summary,
			Severity:     string(vuln.SeverityUnknown),
			FixedVersion: fixed,
		},
	}
}

// symbol names the function of a "called" frame as package.Function or
// package.Receiver.Method, the receiver without its pointer star.
func symbol(fr *streamFrame) string {
	name := fr.Function
	if fr.Receiver != "" {
		name = strings.TrimPrefix(fr.Receiver, "*") + "." + name
	}
	return fr.Package + "." + name
}

// matches returns the collected matches, sorted.
func (c *collector) matches() []vuln.Match {
	out := make([]vuln.Match, 0, len(c.found))
	for k, m := range c.found {
		for s := range c.symbols[k] {
			m.Vulnerability.Symbols = append(m.Vulnerability.Symbols, s)
		}
		slices.Sort(m.Vulnerability.Symbols)
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b vuln.Match) int {
		return cmp.Or(cmp.Compare(a.Component.PURL, b.Component.PURL), cmp.Compare(a.Vulnerability.ID, b.Vulnerability.ID))
	})
	return out
}

// goTag turns the semantic version govulncheck gives a Go release into
// the release's tag: v1.26.8 → go1.26.8, v1.20.0 → go1.20 (before Go
// 1.21 a first release had no ".0"), v1.21.0-rc.2 → go1.21rc2. Anything
// else is returned unchanged.
func goTag(v string) string {
	rest, ok := strings.CutPrefix(v, "v")
	if !ok || rest == "" {
		return v
	}
	rest, pre, _ := strings.Cut(rest, "-")
	parts := strings.Split(rest, ".")
	if len(parts) != 3 {
		return v
	}
	minor := 0
	if _, err := fmt.Sscan(parts[1], &minor); err != nil {
		return v
	}
	if parts[2] == "0" && (parts[0] == "1" && minor < 21 || pre != "") {
		rest = parts[0] + "." + parts[1]
	}
	return "go" + rest + strings.ReplaceAll(pre, ".", "")
}
