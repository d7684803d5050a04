package gomod

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// defaultModCache finds the module cache the way the go command does, from
// the environment alone: $GOMODCACHE, else the first $GOPATH entry's pkg/mod,
// else $HOME/go/pkg/mod. It returns "" when none is known.
func defaultModCache() string {
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return d
	}
	if gp := filepath.SplitList(os.Getenv("GOPATH")); len(gp) > 0 && gp[0] != "" {
		return filepath.Join(gp[0], "pkg", "mod")
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return filepath.Join(home, "go", "pkg", "mod")
	}
	return ""
}

// effective is the module whose files are built for s: its replacement or itself.
func (s *selected) effective() module.Version {
	if s.repl != nil {
		return *s.repl
	}
	return module.Version{Path: s.path, Version: s.version}
}

// cacheDirs returns the module cache's download-cache .mod file and
// extracted directory of m, or "" when there is no cache or m's path or
// version cannot be escaped (and so cannot be in the cache).
func (c *reader) cacheDirs(m module.Version) (modFile, extracted string) {
	if c.modCache == "" || m.Version == "" {
		return "", ""
	}
	ep, err := module.EscapePath(m.Path)
	if err != nil {
		return "", ""
	}
	ev, err := module.EscapeVersion(m.Version)
	if err != nil {
		return "", ""
	}
	modFile = filepath.Join(c.modCache, "cache", "download", filepath.FromSlash(ep), "@v", ev+".mod")
	extracted = filepath.Join(c.modCache, filepath.FromSlash(ep)+"@"+ev)
	return modFile, extracted
}

// goModCandidates lists where s's go.mod may be, best first.
func (c *reader) goModCandidates(s *selected) []string {
	if s.repl != nil && s.repl.Version == "" {
		return []string{filepath.Join(c.localDir(s.repl.Path), "go.mod")}
	}
	modFile, extracted := c.cacheDirs(s.effective())
	if modFile == "" {
		return nil
	}
	return []string{modFile, filepath.Join(extracted, "go.mod")}
}

// licenseDirs lists the directories whose licence files describe s, best
// first: what is vendored is what is built.
func (c *reader) licenseDirs(s *selected) []string {
	var dirs []string
	if s.vendored && module.CheckPath(s.path) == nil {
		dirs = append(dirs, filepath.Join(c.dir, "vendor", filepath.FromSlash(s.path)))
	}
	if s.repl != nil && s.repl.Version == "" {
		return append(dirs, c.localDir(s.repl.Path))
	}
	if _, extracted := c.cacheDirs(s.effective()); extracted != "" {
		dirs = append(dirs, extracted)
	}
	return dirs
}

// resolve finds every selected module's go.mod requirements and licence,
// and the main module's licence, over GOMAXPROCS workers. Each worker writes
// only its own module's fields, so the result does not depend on scheduling.
func (c *reader) resolve(ctx context.Context) error {
	c.mainLic, _ = detectLicense(c.opts.LicenseCache, c.dir)
	workers := min(runtime.GOMAXPROCS(0), len(c.mods))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(c.mods) || ctx.Err() != nil {
					return
				}
				c.resolveOne(c.mods[i])
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, s := range c.mods {
		c.frag.Warnings = append(c.frag.Warnings, s.warnings...)
	}
	return nil
}

func (c *reader) resolveOne(s *selected) {
	for _, name := range c.goModCandidates(s) {
		data, err := readLimited(name, MaxGoModSize)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil {
			s.requires, err = parseDepGoMod(filepath.ToSlash(name), data)
		}
		if err != nil {
			// The dependencies stay unknown; say why, since a broken file
			// in the cache is unusual, unlike a missing one.
			s.warnings = append(s.warnings, sbom.Warning{Path: filepath.ToSlash(name), Message: "go.mod of " + s.path + " unusable: " + withoutFile(err)})
			break
		}
		s.goModFound = true
		break
	}
	for _, dir := range c.licenseDirs(s) {
		expr, found := detectLicense(c.opts.LicenseCache, dir)
		if !found {
			continue
		}
		s.unknownLic = expr == ""
		s.comp.Licenses = sbom.Licenses{Declared: expr, Concluded: expr}
		break
	}
}

// withoutFile formats a go.mod error without the file name, which the
// warning's Path already gives: "line 3: usage: require module/path v1.2.3".
func withoutFile(err error) string {
	var list modfile.ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		return err.Error()
	}
	msgs := make([]string, len(list))
	for i, e := range list {
		e.Filename = ""
		msg := e.Error()
		if e.Pos.Line > 0 {
			// Error() wrote ":LINE: " (and maybe ":COL") for the empty file name.
			msg = fmt.Sprintf("line %d: %s", e.Pos.Line, e.Err)
			if e.ModPath != "" {
				msg = fmt.Sprintf("line %d: %s %s: %s", e.Pos.Line, e.Verb, e.ModPath, e.Err)
			} else if e.Verb != "" {
				msg = fmt.Sprintf("line %d: %s: %s", e.Pos.Line, e.Verb, e.Err)
			}
		}
		msgs[i] = msg
	}
	return strings.Join(msgs, "; ")
}
