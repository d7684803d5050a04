#!/usr/bin/env python3
"""Adds to truth.json the declared licence of each installed package whose
usr/share/doc/<package>/copyright below ROOT is machine-readable (DEP-5),
read with plain Python, not vouch's code: the first line of the License
field of the header and of every Files paragraph. When every one of them
is an exact SPDX licence per the DEP-5 short-name table below (the names
DEP-5 leaves ambiguous -- MIT, BSD, Artistic, GFDL-NIV, Perl, "with"
exceptions, local names -- are not in it), the licence is their SPDX forms
joined with AND (a compound one in parentheses); otherwise it is the names
as written, joined with "; ".
Usage: copyright-truth.py ROOT truth.json  (rewrites truth.json)"""
import json, os, re, subprocess, sys

root, truth_file = sys.argv[1], sys.argv[2]
TABLE = {
    "expat": "MIT", "zlib": "Zlib", "isc": "ISC", "x11": "X11", "curl": "curl",
    "apache-1.0": "Apache-1.0", "apache-1.1": "Apache-1.1", "apache-2.0": "Apache-2.0",
    "artistic-2.0": "Artistic-2.0", "bsd-2-clause": "BSD-2-Clause", "bsd-3-clause": "BSD-3-Clause",
    "bsd-4-clause": "BSD-4-Clause", "cc0-1.0": "CC0-1.0", "cc-by-3.0": "CC-BY-3.0", "cc-by-4.0": "CC-BY-4.0",
    "cc-by-sa-3.0": "CC-BY-SA-3.0", "cc-by-sa-4.0": "CC-BY-SA-4.0", "cddl-1.0": "CDDL-1.0",
    "epl-1.0": "EPL-1.0", "epl-2.0": "EPL-2.0", "mpl-1.1": "MPL-1.1", "mpl-2.0": "MPL-2.0",
    "python-2.0": "Python-2.0", "psf-2": "PSF-2.0", "zope-2.1": "ZPL-2.1", "lppl-1.3c": "LPPL-1.3c",
    "bsl-1.0": "BSL-1.0", "boost": "BSL-1.0", "openssl": "OpenSSL", "fsfap": "FSFAP", "fsful": "FSFUL",
    "fsfullr": "FSFULLR", "unicode-dfs-2016": "Unicode-DFS-2016", "0bsd": "0BSD",
    "unlicense": "Unlicense", "wtfpl": "WTFPL",
}
for name, versions in (("gpl", "1 2 3"), ("lgpl", "2 2.1 3"), ("agpl", "3"), ("gfdl", "1.1 1.2 1.3")):
    for v in versions.split():
        full = v if "." in v else v + ".0"
        for spelling in (v, full):
            TABLE[f"{name}-{spelling}"] = f"{name.upper()}-{full}-only"
            TABLE[f"{name}-{spelling}+"] = f"{name.upper()}-{full}-or-later"

def spdx(line):
    words = line.split()
    if not words or len(words) % 2 == 0 or "," in line:
        return None
    ops = {w.upper() for w in words[1::2]}
    if len(ops) > 1 or not ops <= {"AND", "OR"}:
        return None
    names = [TABLE.get(w.lower()) for w in words[0::2]]
    if None in names:
        return None
    return (" " + ops.pop() + " ").join(names) if ops else names[0]

def paragraphs(text):
    out, cur = [], None
    for line in text.splitlines():
        line = line.rstrip(" \t\r")
        if not line:
            cur = None
        elif line[0] in " \t#":
            continue
        elif ":" in line:
            if cur is None:
                cur = {}
                out.append(cur)
            k, v = line.split(":", 1)
            cur[k.strip().lower()] = v.strip()
    return out

def licence(path):
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return None
    paras = paragraphs(text)
    if not paras or "copyright-format" not in paras[0].get("format", ""):
        return None
    entries = []
    for i, p in enumerate(paras):
        if "license" in p and (i == 0 or "files" in p) and p["license"].strip():
            entries.append(p["license"].strip())
    if not entries:
        return None
    mapped = [spdx(e) for e in entries]
    if None not in mapped:
        uniq = list(dict.fromkeys(mapped))
        if len(uniq) == 1:
            return uniq[0]
        return " AND ".join("(" + m + ")" if " " in m else m for m in uniq)
    return "; ".join(dict.fromkeys(entries))

# dpkg's own list of installed packages, as truth.py takes it.
out = subprocess.run(["dpkg-query", "--admindir=" + os.path.join(root, "var/lib/dpkg"), "-W",
                      "-f", "${db:Status-Status}\t${Package}\t${Version}\n"], check=True, capture_output=True, text=True).stdout
licenses = {}
for line in out.splitlines():
    status, name, version = line.split("\t")
    if status != "installed":
        continue
    lic = licence(os.path.join(root, "usr/share/doc", name, "copyright"))
    if lic:
        licenses[name + "@" + version] = lic
truth = json.load(open(truth_file))
truth["licenses"] = licenses
with open(truth_file, "w") as f:
    json.dump(truth, f, indent=1)
    f.write("\n")
