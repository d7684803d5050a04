package gomod

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
)

// Parse parses the go.mod at path (used only in errors) strictly, as the go
// command parses a main module's go.mod. Its errors name the file and line.
func Parse(path string, data []byte) (*modfile.File, error) {
	if len(data) > MaxGoModSize {
		return nil, fmt.Errorf("%s: go.mod is %d bytes, over the %d-byte limit", path, len(data), MaxGoModSize)
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return nil, fmt.Errorf("parse go.mod: %w", err)
	}
	return f, nil
}

// parseDepGoMod parses a dependency's go.mod and returns the module paths
// it requires. Like the go command, it ignores directives it does not know
// (ParseLax): they only matter in a main module.
func parseDepGoMod(name string, data []byte) ([]string, error) {
	f, err := modfile.ParseLax(name, data, nil)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(f.Require))
	for _, r := range f.Require {
		out = append(out, r.Mod.Path)
	}
	return out, nil
}

// parseGoSum returns the h1: checksums of module contents in a go.sum
// (lines "PATH VERSION h1:HASH"; the "PATH VERSION/go.mod h1:HASH" lines
// are checksums of go.mod files only and are skipped). bad is the number of
// the first malformed line, 0 if there is none.
func parseGoSum(data []byte) (sums map[module.Version]string, bad int) {
	sums = make(map[module.Version]string, bytes.Count(data, []byte("\n"))/2+1)
	for n := 1; len(data) > 0; n++ {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		f := strings.Fields(string(line))
		switch {
		case len(f) == 0:
			continue
		case len(f) != 3:
			if bad == 0 {
				bad = n
			}
			continue
		case strings.HasSuffix(f[1], "/go.mod") || !strings.HasPrefix(f[2], "h1:"):
			continue
		}
		mv := module.Version{Path: f[0], Version: f[1]}
		if _, dup := sums[mv]; !dup {
			sums[mv] = f[2]
		}
	}
	return sums, bad
}

// vendorModule is one module line of vendor/modules.txt.
type vendorModule struct {
	version  string // "" on a replacement line for all versions
	replace  string // "PATH VERSION", a directory, or ""
	explicit bool   // "## explicit": go.mod requires it
}

// parseModulesTxt reads vendor/modules.txt as `go mod vendor` writes it:
//
//	# example.com/a v1.2.3
//	## explicit; go 1.21
//	example.com/a/pkg
//	# example.com/b v1.0.0 => example.com/c v1.1.0
//	# example.com/d => ../d
//
// Package lines are not needed here. Lines it does not understand are skipped:
// modules.txt is a cross-check, not the source of truth.
func parseModulesTxt(data []byte) map[string]vendorModule {
	out := map[string]vendorModule{}
	cur := ""
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		s := strings.TrimSpace(string(line))
		switch {
		case strings.HasPrefix(s, "## "):
			if cur == "" {
				continue
			}
			for _, a := range strings.Split(s[3:], ";") {
				if strings.TrimSpace(a) == "explicit" {
					m := out[cur]
					m.explicit = true
					out[cur] = m
				}
			}
		case strings.HasPrefix(s, "# "):
			cur = ""
			old, repl, _ := strings.Cut(s[2:], "=>")
			of := strings.Fields(old)
			if len(of) == 0 || len(of) > 2 {
				continue
			}
			m := vendorModule{replace: strings.Join(strings.Fields(repl), " ")}
			if len(of) == 2 {
				m.version = of[1]
			}
			if prev, ok := out[of[0]]; ok && prev.version != "" && m.version == "" {
				// A trailing "# path => dir" line for all versions must not
				// hide the line of the version actually vendored.
				continue
			}
			out[of[0]] = m
			cur = of[0]
		}
	}
	return out
}

// readAllLimited reads r to the end, failing when it holds more than limit bytes.
func readAllLimited(r io.Reader, name string, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than the %d-byte limit", name, limit)
	}
	return data, nil
}
