package ruby

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem/language/ruby/gemspec"
	"github.com/google/osv-scalibr/stats"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// installedSpec is what vouch reads of an installed gem specification:
// the Ruby file RubyGems writes into GEM_HOME/specifications when it
// installs a gem (Gem::Specification#to_ruby), one attribute per line.
type installedSpec struct {
	name, version, platform string
	licenses                []string
	runtime, any            []ecosystem.Dep // add_runtime_dependency; add_dependency
	typed                   bool            // the file uses add_runtime/add_development_dependency
}

var (
	// reAttr matches `s.name = "rake".freeze` and the like.
	reAttr = regexp.MustCompile(`^\s*\w+\.(name|version|platform)\s*=\s*(?:"([^"]*)"|'([^']*)')`)
	// reLicenses matches `s.licenses = ["MIT".freeze]` and `s.license = "MIT"`.
	reLicenses = regexp.MustCompile(`^\s*\w+\.licenses?\s*=\s*(.*)$`)
	reQuoted   = regexp.MustCompile(`"([^"]*)"|'([^']*)'`)
	// reDep matches `s.add_runtime_dependency(%q<irb>.freeze, [">= 1"])`;
	// the requirement's constraints are the quoted strings after the name.
	reDep = regexp.MustCompile(`^\s*\w+\.add_(runtime_|development_)?dependency\(?\s*(?:%q<([^>]*)>|"([^"]*)"|'([^']*)')(.*)$`)
)

// parseSpec reads the attributes vouch needs from a generated gemspec.
// It does not evaluate Ruby: a hand-written gemspec that computes its name
// or version gives none, and is reported rather than guessed at.
func parseSpec(data []byte) installedSpec {
	var s installedSpec
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, ecosystem.MaxFileSize)
	for sc.Scan() {
		line := sc.Text()
		if m := reAttr.FindStringSubmatch(line); m != nil {
			v := m[2] + m[3]
			switch m[1] {
			case "name":
				s.name = v
			case "version":
				s.version = v
			case "platform":
				s.platform = v
			}
		} else if m := reLicenses.FindStringSubmatch(line); m != nil {
			for _, q := range reQuoted.FindAllStringSubmatch(m[1], -1) {
				s.licenses = append(s.licenses, q[1]+q[2])
			}
		} else if m := reDep.FindStringSubmatch(line); m != nil {
			var req []string
			for _, q := range reQuoted.FindAllStringSubmatch(m[5], -1) {
				req = append(req, q[1]+q[2])
			}
			// Dep.Version holds the requirement, which the graph's lookup
			// evaluates (and a warning quotes).
			d := ecosystem.Dep{Name: m[2] + m[3] + m[4], Version: strings.Join(req, ", ")}
			switch m[1] {
			case "runtime_":
				s.runtime, s.typed = append(s.runtime, d), true
			case "development_":
				s.typed = true
			default:
				s.any = append(s.any, d)
			}
		}
	}
	return s
}

// deps returns the gem's runtime dependencies. Older RubyGems write each
// dependency twice, typed and, in a fallback branch for old RubyGems
// versions, as add_dependency; newer ones write runtime dependencies as
// add_dependency only.
func (s installedSpec) deps() []ecosystem.Dep {
	deps := s.any
	if s.typed {
		deps = s.runtime
	}
	return slices.CompactFunc(slices.SortedFunc(slices.Values(deps), func(a, b ecosystem.Dep) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Version, b.Version))
	}), func(a, b ecosystem.Dep) bool { return a == b })
}

// Specifications reads the installed gems of a GEM_HOME whose
// specifications directory is dir in fsys: each *.gemspec there and in
// its default/ subdirectory (the gems Ruby itself ships). The licences
// are the gemspec's (any one of them may be chosen, so they are joined
// with OR); each runtime dependency is an edge to every installed version
// of the gem it names whose version meets its requirement. A gem's
// files are in GEM_HOME/gems/<name>-<version>, recorded in
// sbom.PropSourcePath for its licence files.
func Specifications(ctx context.Context, fsys fs.FS, dir string) (*sbom.Fragment, error) {
	files, err := specFiles(fsys, dir)
	if err != nil {
		return nil, err
	}
	b := ecosystem.NewBuilder(dir)
	fromScalibr, seen := map[string]bool{}, map[string]bool{}
	var pkgs []ecosystem.LockPackage
	for _, file := range files {
		data, err := ecosystem.ReadFS(fsys, file, ecosystem.MaxFileSize)
		if err != nil {
			b.Warn("%v", err)
			continue
		}
		if lp, ok := addSpec(ctx, b, fsys, file, data, fromScalibr); ok {
			pkgs = append(pkgs, lp)
			seen[lp.Name+"@"+lp.Version] = true
		}
	}
	ecosystem.GraphWith(b, pkgs, installedLookup(pkgs))
	b.CrossCheck(fromScalibr, seen)
	return b.Fragment(), nil
}

// installedLookup returns the IDs of the installed gems a dependency's
// requirement accepts.
func installedLookup(pkgs []ecosystem.LockPackage) func(ecosystem.Dep) []string {
	byName := map[string][]ecosystem.LockPackage{}
	for _, p := range pkgs {
		byName[p.Name] = append(byName[p.Name], p)
	}
	return func(d ecosystem.Dep) []string {
		var req []string
		if d.Version != "" {
			req = strings.Split(d.Version, ", ")
		}
		var ids []string
		for _, p := range byName[d.Name] {
			if satisfies(p.Version, req) {
				ids = append(ids, p.ID)
			}
		}
		return ids
	}
}

// specFiles lists dir's *.gemspec files, then those of dir/default.
func specFiles(fsys fs.FS, dir string) ([]string, error) {
	var files []string
	for i, d := range []string{dir, path.Join(dir, "default")} {
		entries, err := fs.ReadDir(fsys, d)
		if err != nil {
			if i == 0 {
				return nil, err
			}
			continue
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".gemspec") && e.Type().IsRegular() {
				files = append(files, path.Join(d, e.Name()))
			}
		}
	}
	return files, nil
}

// GemSpec reads one installed gemspec on its own (one found inside an
// archive, without the GEM_HOME around it): its dependencies cannot be
// resolved, so its dependency list is left unknown.
func GemSpec(ctx context.Context, file string, data []byte) (*sbom.Fragment, error) {
	fsys, p, err := ecosystem.MemFile(file, data, "x.gemspec")
	if err != nil {
		return nil, err
	}
	b := ecosystem.NewBuilder(file)
	fromScalibr := map[string]bool{}
	if lp, ok := addSpec(ctx, b, fsys, p, data, fromScalibr); ok {
		b.CrossCheck(fromScalibr, map[string]bool{lp.Name + "@" + lp.Version: true})
	}
	return b.Fragment(), nil
}

// addSpec adds the component of the gemspec at file, with data its bytes,
// and returns it with its runtime dependencies; it records the
// name@version scalibr's gemspec extractor lists.
func addSpec(ctx context.Context, b *ecosystem.Builder, fsys fs.FS, file string, data []byte, fromScalibr map[string]bool) (ecosystem.LockPackage, bool) {
	if found, err := ecosystem.ExtractFS(ctx, &gemspec.Extractor{Stats: stats.NoopCollector{}}, fsys, file); err == nil {
		for _, p := range found {
			fromScalibr[p.Name+"@"+p.Version] = true
		}
	}
	s := parseSpec(data)
	if s.name == "" || s.version == "" {
		b.Skip("%s: name %q, version %q: both are required (a gemspec that computes them is not evaluated)", file, s.name, s.version)
		return ecosystem.LockPackage{}, false
	}
	c := ecosystem.Library(PURL(s.name, s.version, s.platform), s.name, s.version, file)
	b.SetDeclared(&c, strings.Join(s.licenses, " OR "))
	c.SetProperty(sbom.PropSourcePath, gemDir(file))
	lp := ecosystem.LockPackage{Name: s.name, Version: s.version, ID: b.Add(c).ID}
	lp.Deps = s.deps()
	return lp, true
}

// gemDir is where RubyGems installed the files of the gem whose
// specification is file: GEM_HOME/gems/<the gemspec's base name>.
func gemDir(file string) string {
	dir := path.Dir(file)
	if path.Base(dir) == "default" {
		dir = path.Dir(dir)
	}
	return path.Join(path.Dir(dir), "gems", strings.TrimSuffix(path.Base(file), ".gemspec"))
}
