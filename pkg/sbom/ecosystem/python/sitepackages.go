package python

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/textproto"
	"path"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/extractor/filesystem/language/python/wheelegg"
	"github.com/google/osv-scalibr/stats"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
)

// SitePackages reads the installed distributions in the directory dir of
// fsys (a site-packages): each *.dist-info/METADATA and *.egg-info/PKG-INFO.
// The declared licence is the License-Expression field (PEP 639); the
// older License field is free text, often a whole licence, which vouch
// does not guess from. Requires-Dist gives the graph, where a
// requirement under an extra is left out (only that extra installs it) and
// one under another marker is an edge only when installed.
func SitePackages(ctx context.Context, fsys fs.FS, dir string) (*sbom.Fragment, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	b := ecosystem.NewBuilder(dir)
	fromScalibr, seen := map[string]bool{}, map[string]bool{}
	var pkgs []ecosystem.LockPackage
	for _, e := range entries {
		file := ""
		switch {
		case strings.HasSuffix(e.Name(), ".dist-info"):
			file = path.Join(dir, e.Name(), "METADATA")
		case strings.HasSuffix(e.Name(), ".egg-info"):
			file = path.Join(dir, e.Name(), "PKG-INFO")
		default:
			continue
		}
		lp, ok := readDist(ctx, b, fsys, file, fromScalibr)
		if ok {
			seen[key(lp.Name, lp.Version)] = true
			pkgs = append(pkgs, lp)
		}
	}
	ecosystem.Graph(b, pkgs, pep503)
	b.CrossCheck(fromScalibr, seen)
	return b.Fragment(), nil
}

// Distribution reads one installed distribution's metadata file on its
// own (a METADATA found inside an archive, without the distributions
// installed beside it): its Requires-Dist cannot be resolved, so its
// dependency list is left unknown rather than reported as missing.
func Distribution(ctx context.Context, file string, data []byte) (*sbom.Fragment, error) {
	fsys, p, err := ecosystem.MemFile(file, data, "METADATA")
	if err != nil {
		return nil, err
	}
	b := ecosystem.NewBuilder(file)
	fromScalibr := map[string]bool{}
	if lp, ok := readDist(ctx, b, fsys, p, fromScalibr); ok {
		b.CrossCheck(fromScalibr, map[string]bool{key(lp.Name, lp.Version): true})
	}
	return b.Fragment(), nil
}

// readDist reads one distribution's metadata file into a component.
func readDist(ctx context.Context, b *ecosystem.Builder, fsys fs.FS, file string, fromScalibr map[string]bool) (ecosystem.LockPackage, bool) {
	pkgs, err := ecosystem.ExtractFS(ctx, &wheelegg.Extractor{Stats: stats.NoopCollector{}}, fsys, file)
	if err != nil {
		b.Warn("%v", err)
		return ecosystem.LockPackage{}, false
	}
	for _, p := range pkgs {
		fromScalibr[key(p.Name, p.Version)] = true
	}
	data, err := ecosystem.ReadFS(fsys, file, ecosystem.MaxFileSize)
	if err != nil {
		b.Warn("%v", err)
		return ecosystem.LockPackage{}, false
	}
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(data))).ReadMIMEHeader()
	if err != nil && !errors.Is(err, io.EOF) {
		b.Warn("%s: %v", file, err)
		return ecosystem.LockPackage{}, false
	}
	name, version := h.Get("Name"), h.Get("Version")
	if name == "" || version == "" {
		b.Skip("%s: Name %q, Version %q: both are required", file, name, version)
		return ecosystem.LockPackage{}, false
	}
	c := ecosystem.Library(PURL(name, version), name, version, file)
	c.SetProperty(sbom.PropSourcePath, path.Dir(file))
	if expr := h.Get("License-Expression"); expr != "" {
		b.SetDeclared(&c, expr)
	} else {
		c.Licenses.Declared = classifierLicense(h.Values("Classifier"))
	}
	if a := h.Get("Author"); a != "" {
		c.Author = a
	}
	stored := b.Add(c)
	lp := ecosystem.LockPackage{Name: name, Version: version, ID: stored.ID}
	for _, req := range h.Values("Requires-Dist") {
		spec, marker, _ := strings.Cut(req, ";")
		if strings.Contains(strings.ReplaceAll(marker, " ", ""), "extra==") {
			continue
		}
		n := requirementName(spec)
		if n == "" {
			b.Warn("%s: Requires-Dist %q names no package", file, req)
			continue
		}
		lp.Deps = append(lp.Deps, ecosystem.Dep{Name: n, Optional: strings.TrimSpace(marker) != ""})
	}
	slices.SortFunc(lp.Deps, func(x, y ecosystem.Dep) int { return strings.Compare(x.Name, y.Name) })
	return lp, true
}

// requirementName returns the project name at the start of a PEP 508
// requirement ("requests[socks] (>=2.0)" gives "requests").
func requirementName(spec string) string {
	spec = strings.TrimSpace(spec)
	end := strings.IndexFunc(spec, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	})
	if end < 0 {
		return spec
	}
	return spec[:end]
}

// classifierLicences maps the trove licence classifiers that name exactly
// one SPDX licence. Those naming a family ("BSD License", "Apache Software
// License", "GNU General Public License (GPL)") or a version without
// saying "only" or "or later" ("GPLv3") are not here.
var classifierLicences = map[string]string{
	"License :: OSI Approved :: MIT License":                                             "MIT",
	"License :: OSI Approved :: MIT No Attribution License (MIT-0)":                      "MIT-0",
	"License :: OSI Approved :: ISC License (ISCL)":                                      "ISC",
	"License :: OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)":                    "MPL-1.1",
	"License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)":                    "MPL-2.0",
	"License :: OSI Approved :: zlib/libpng License":                                     "Zlib",
	"License :: OSI Approved :: The Unlicense (Unlicense)":                               "Unlicense",
	"License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)":                    "BSL-1.0",
	"License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)":                    "EPL-2.0",
	"License :: OSI Approved :: Universal Permissive License (UPL)":                      "UPL-1.0",
	"License :: OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)":            "EUPL-1.2",
	"License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)":         "GPL-2.0-or-later",
	"License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)":         "GPL-3.0-or-later",
	"License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
	"License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
	"License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
	"License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication":                    "CC0-1.0",
}

// classifierLicense is the licence a distribution without a
// License-Expression declares through its classifiers: the SPDX licence
// of its one licence classifier, where that names one exactly. Several
// licence classifiers do not say whether all apply or any one does, so
// they give none, as an inexact one does.
func classifierLicense(classifiers []string) string {
	var licences []string
	for _, c := range classifiers {
		// The bare "OSI Approved" says nothing of which licence.
		if c = strings.TrimSpace(c); strings.HasPrefix(c, "License ::") && c != "License :: OSI Approved" {
			licences = append(licences, c)
		}
	}
	if len(licences) != 1 {
		return ""
	}
	return classifierLicences[licences[0]]
}
