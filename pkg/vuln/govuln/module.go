package govuln

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// maxGoMod bounds the go.mod read; real ones are a few KiB.
const maxGoMod = 4 << 20

// extractHeader is the first value of govulncheck's extract format (its
// "-mode extract" output, read back by "-mode binary"): the modules of a
// program without the program.
var extractHeader = map[string]string{"name": "govulncheck-extract", "version": "0.1.0"}

// goModule is golang.org/x/tools/go/packages.Module as the extract format
// encodes it (field names, no tags).
type goModule struct {
	Path    string    `json:"Path"`
	Version string    `json:"Version,omitempty"`
	Replace *goModule `json:"Replace,omitempty"`
}

// extractBody is golang.org/x/vuln/internal/vulncheck.Bin. GOOS and
// GOARCH are left out, so that, as in source mode, advisories limited to
// some platforms count on every platform.
type extractBody struct {
	Main      *goModule   `json:"main,omitempty"`
	Modules   []*goModule `json:"modules"`
	GoVersion string      `json:"goVersion"`
}

// AnalyzeModule reports the vulnerabilities of the Go module in dir (the
// directory holding its go.mod) at the given level.
//
// At [Module] level every requirement of its go.mod (replacements
// applied) is "required" by it: govulncheck matches that module list,
// without the go command loading any package, so neither vendor/ nor the
// module cache is needed. The standard library is the go command's
// (go env GOVERSION), as for govulncheck's source mode.
//
// At [Package] and [Symbol] level govulncheck loads the module's packages
// (./...) with the go command, offline: the dependencies must be in the
// module's vendor directory or the module cache.
func AnalyzeModule(ctx context.Context, db *vuln.DB, dir string, lvl Level) ([]vuln.Match, error) {
	return analyzeModule(ctx, db.GoRecords, dir, lvl)
}

// analyzeModule is AnalyzeModule on a stream of Go records.
func analyzeModule(ctx context.Context, recs recordSource, dir string, lvl Level) ([]vuln.Match, error) {
	switch lvl {
	case Module:
		return analyzeRequirements(ctx, recs, dir)
	case Package, Symbol:
	default:
		return nil, fmt.Errorf("Go module %s: level: expected module, package or symbol, found %q", dir, lvl)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return nil, fmt.Errorf("Go module %s: expected a go.mod: %w", dir, err)
	}
	ms, err := run(ctx, recs, offlineEnv(), "-mode", "source", "-scan", string(lvl), "-C", dir, "./...")
	if err != nil {
		return nil, fmt.Errorf("Go module %s: %w (analysing its packages loads them offline: its dependencies must be in vendor/ or the module cache, as after go mod download; the module level needs neither)", dir, err)
	}
	return ms, nil
}

// analyzeRequirements is the module level of AnalyzeModule.
func analyzeRequirements(ctx context.Context, recs recordSource, dir string) ([]vuln.Match, error) {
	body, err := requirements(dir)
	if err != nil {
		return nil, err
	}
	if body.GoVersion, err = goVersion(ctx, dir); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "vouch-govuln-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	blob := filepath.Join(tmp, "modules.json")
	if err := writeExtract(blob, body); err != nil {
		return nil, err
	}
	return run(ctx, recs, nil, "-mode", "binary", "-scan", string(Module), blob)
}

// requirements reads dir/go.mod: its module and requirements, each
// replaced as its replace directives say.
func requirements(dir string) (*extractBody, error) {
	name := filepath.Join(dir, "go.mod")
	data, err := safefile.Read("go.mod", name, maxGoMod)
	if err != nil {
		return nil, err
	}
	mf, err := modfile.ParseLax(name, data, nil)
	if err != nil {
		return nil, err
	}
	if mf.Module == nil {
		return nil, fmt.Errorf("%s: expected a module directive, found none", name)
	}
	body := &extractBody{Main: &goModule{Path: mf.Module.Mod.Path}, Modules: []*goModule{}}
	for _, r := range mf.Require {
		m := &goModule{Path: r.Mod.Path, Version: r.Mod.Version}
		m.Replace = replacement(mf, r.Mod.Path, r.Mod.Version)
		body.Modules = append(body.Modules, m)
	}
	return body, nil
}

// replacement is what mf's replace directives put in place of path at
// version: a directive for that version wins over one for every version.
func replacement(mf *modfile.File, path, version string) *goModule {
	var found *modfile.Replace
	for _, r := range mf.Replace {
		if r.Old.Path == path && (r.Old.Version == version || r.Old.Version == "" && found == nil) {
			found = r
		}
	}
	if found == nil {
		return nil
	}
	return &goModule{Path: found.New.Path, Version: found.New.Version}
}

// goVersion is the version of the go command that builds the module in
// dir (go env GOVERSION, the toolchain not switched).
func goVersion(ctx context.Context, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", "GOVERSION")
	cmd.Dir, cmd.Env = dir, offlineEnv()
	out, err := cmd.Output()
	v := strings.TrimSpace(string(out))
	if err != nil || !strings.HasPrefix(v, "go") {
		return "", fmt.Errorf("Go module %s: the standard library's version: go env GOVERSION: expected a Go version, found %q (%v)", dir, v, err)
	}
	return v, nil
}

// writeExtract writes body in govulncheck's extract format.
func writeExtract(path string, body *extractBody) error {
	h, err := json.Marshal(extractHeader)
	if err != nil {
		return err
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return writeFile(path, append(append(h, '\n'), append(b, '\n')...))
}

// offlineEnv is the environment of the go command for a source module: no
// module downloads, no toolchain switch, no -mod=mod (which would let it
// rewrite go.mod); vendor or readonly mode is chosen by the go command
// from the module, as for a build.
func offlineEnv() []string {
	var keep []string
	for _, f := range strings.Fields(os.Getenv("GOFLAGS")) {
		if f != "-mod=mod" {
			keep = append(keep, f)
		}
	}
	return append(os.Environ(), "GOPROXY=off", "GOTOOLCHAIN=local", "GOFLAGS="+strings.Join(keep, " "))
}
