package debian

import (
	"bufio"
	"bytes"
	"io/fs"
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
	"github.com/vouchdev/vouch/pkg/sbom/licexpr"
)

// MaxCopyrightSize is the largest copyright file read. Debian's largest
// (boost's, texlive's) are a few MB; the licence names are near the top of
// each paragraph, but a file cut short would lose paragraphs, so a bigger
// one is not read at all.
const MaxCopyrightSize = 8 << 20

// dep5 maps DEP-5 short licence names (lower-cased: DEP-5 names are
// case-insensitive) to the SPDX licence they name, where that licence is
// exactly one: "GPL-2+" is GPL-2.0-or-later, "Expat" is MIT. Names DEP-5
// leaves ambiguous are not here and stay text: "MIT" (Debian uses it for
// several MIT-style licences), "BSD" and "Artistic" without a version or
// clause count, "GFDL-NIV" (which invariant sections), "Perl", anything
// "with" an exception (the exception's version is not named) and every
// local name ("permissive", "public-domain", "BSD-4-clause-UC").
var dep5 = func() map[string]string {
	m := map[string]string{
		"expat": "MIT", "zlib": "Zlib", "isc": "ISC", "x11": "X11", "curl": "curl",
		"apache-1.0": "Apache-1.0", "apache-1.1": "Apache-1.1", "apache-2.0": "Apache-2.0",
		"artistic-2.0": "Artistic-2.0",
		"bsd-2-clause": "BSD-2-Clause", "bsd-3-clause": "BSD-3-Clause", "bsd-4-clause": "BSD-4-Clause",
		"cc0-1.0": "CC0-1.0", "cc-by-3.0": "CC-BY-3.0", "cc-by-4.0": "CC-BY-4.0",
		"cc-by-sa-3.0": "CC-BY-SA-3.0", "cc-by-sa-4.0": "CC-BY-SA-4.0",
		"cddl-1.0": "CDDL-1.0", "epl-1.0": "EPL-1.0", "epl-2.0": "EPL-2.0",
		"mpl-1.1": "MPL-1.1", "mpl-2.0": "MPL-2.0", "python-2.0": "Python-2.0", "psf-2": "PSF-2.0",
		"zope-2.1": "ZPL-2.1", "lppl-1.3c": "LPPL-1.3c", "bsl-1.0": "BSL-1.0", "boost": "BSL-1.0",
		"openssl": "OpenSSL", "fsfap": "FSFAP", "fsful": "FSFUL", "fsfullr": "FSFULLR",
		"unicode-dfs-2016": "Unicode-DFS-2016", "0bsd": "0BSD", "unlicense": "Unlicense", "wtfpl": "WTFPL",
	}
	// The GNU licences, as DEP-5 writes them ("GPL-2", "GPL-2.0",
	// "LGPL-2.1+"): a version alone is that version only, "+" or later.
	for _, l := range []struct{ name, versions string }{
		{"gpl", "1 2 3"}, {"lgpl", "2 2.1 3"}, {"agpl", "3"}, {"gfdl", "1.1 1.2 1.3"},
	} {
		for _, v := range strings.Fields(l.versions) {
			full := v
			if !strings.Contains(v, ".") {
				full = v + ".0"
			}
			id := strings.ToUpper(l.name) + "-" + full
			for _, spelling := range []string{v, full} {
				m[l.name+"-"+spelling] = id + "-only"
				m[l.name+"-"+spelling+"+"] = id + "-or-later"
			}
		}
	}
	return m
}()

// dep5License maps one DEP-5 License field's first line to an SPDX
// expression, if every name in it maps exactly and its operators leave no
// doubt: names joined by "and" only or by "or" only. A comma (DEP-5's
// precedence marker) or "with" (an exception) is kept as text.
func dep5License(s string) (string, bool) {
	f := strings.Fields(s)
	if len(f) == 0 || len(f)%2 == 0 || strings.Contains(s, ",") {
		return "", false
	}
	var op string
	out := make([]string, 0, len(f))
	for i, w := range f {
		if i%2 == 1 {
			o := strings.ToUpper(w)
			if (o != "AND" && o != "OR") || (op != "" && o != op) {
				return "", false
			}
			op = o
			out = append(out, o)
			continue
		}
		id, ok := dep5[strings.ToLower(w)]
		if !ok {
			return "", false
		}
		out = append(out, id)
	}
	return strings.Join(out, " "), true
}

// copyrightLicense sets c's declared licence from the machine-readable
// (DEP-5) copyright file of its package, usr/share/doc/<name>/copyright in
// the root file system fsys: every Files paragraph's (and the header's)
// License, joined with AND. Only when each of them maps exactly to SPDX is
// it the declared licence; otherwise the names as the file gives them,
// joined with "; ", are kept as text (PropLicenseText) and the licence
// stays unknown. A missing, irregular, oversized or free-form copyright file
// gives nothing.
func copyrightLicense(fsys fs.FS, name string, c *sbom.Component) {
	data := readCopyright(fsys, "usr/share/doc/"+name+"/copyright")
	if data == nil {
		return
	}
	entries, ok := dep5Licenses(data)
	if len(entries) == 0 {
		return
	}
	if ok {
		mapped := make([]string, len(entries))
		for i, e := range entries {
			mapped[i], _ = dep5License(e)
		}
		if expr := licexpr.JoinAND(mapped); validExpr(expr) {
			c.Licenses.Declared = expr
			return
		}
	}
	// The names are kept with the separator JoinAND uses for entries that
	// are no expression, so the text never reads as an SPDX one.
	// A set, not a scan of text: a file of 8 MB holds 200,000 names.
	var text []string
	seen := map[string]bool{}
	for _, e := range entries {
		if !seen[e] {
			seen[e] = true
			text = append(text, e)
		}
	}
	c.SetProperty(ecosystem.PropLicenseText, strings.Join(text, licexpr.EntrySeparator))
}

func validExpr(s string) bool {
	_, err := licexpr.Parse(s)
	return err == nil
}

// readCopyright returns the file at p if it is a regular file within
// MaxCopyrightSize, else nil. It is stat'ed before it is opened, so that
// a FIFO planted in an image cannot block the scan.
func readCopyright(fsys fs.FS, p string) []byte {
	data, err := ecosystem.ReadFS(fsys, p, MaxCopyrightSize)
	if err != nil {
		return nil
	}
	return data
}

// dep5Licenses returns the first line of the License field of the header
// and of every Files paragraph of a DEP-5 copyright file (nil for a
// free-form one), and whether each maps exactly to SPDX. Stand-alone
// License paragraphs only give the text of a name used elsewhere.
func dep5Licenses(data []byte) ([]string, bool) {
	paras := deb822(data)
	if len(paras) == 0 || !strings.Contains(paras[0]["format"], "copyright-format") {
		return nil, false
	}
	var out []string
	exact := true
	for i, p := range paras {
		lic, has := p["license"]
		if _, files := p["files"]; !has || (i > 0 && !files) {
			continue
		}
		if lic = strings.TrimSpace(lic); lic == "" {
			continue
		}
		if _, ok := dep5License(lic); !ok {
			exact = false
		}
		out = append(out, lic)
	}
	return out, exact
}

// deb822 splits a deb822 file into paragraphs of lower-cased field names
// and each field's first line; continuation lines (licence texts) are
// skipped. Unlike dpkg's status, copyright files are free to hold lines
// net/textproto rejects, so this reader is lenient: a line that is neither
// a field nor a continuation is ignored.
func deb822(data []byte) []map[string]string {
	var out []map[string]string
	var cur map[string]string
	s := bufio.NewScanner(bytes.NewReader(data))
	s.Buffer(nil, MaxCopyrightSize)
	for s.Scan() {
		line := strings.TrimRight(s.Text(), " \t\r")
		switch {
		case line == "":
			cur = nil
		case line[0] == ' ' || line[0] == '\t' || line[0] == '#':
			// a continuation line or a comment
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			if cur == nil {
				cur = map[string]string{}
				out = append(out, cur)
			}
			cur[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return out
}
