#!/usr/bin/env python3
"""Ground truth for the Python fixtures, computed with Python's own parsers
(tomllib, json, and pip's vendored packaging.requirements), not vouch's code.
Prints {"packages", "production", "edges"} as name@version strings.
Usage: truth.py poetry|uv|pipfile|requirements FILE > truth.json
       truth.py sitepackages DIR > truth.json (also "licenses": License-Expression)"""
import json, re, sys, tomllib

def norm(n):
    return re.sub(r"[-_.]+", "-", n).lower()

def poetry(path):
    lock = tomllib.load(open(path, "rb"))
    pkgs = lock.get("package", [])
    by = {}
    for p in pkgs:
        by.setdefault(norm(p["name"]), []).append(p)
    allp, prod, edges = [], [], []
    for p in pkgs:
        k = p["name"] + "@" + p["version"]
        allp.append(k)
        groups = p.get("groups")
        if p.get("category", "main") == "main" and (groups is None or "main" in groups):
            prod.append(k)
        for d in p.get("dependencies", {}):
            for t in by.get(norm(d), []):
                edges.append(k + " -> " + t["name"] + "@" + t["version"])
    return allp, prod, edges

def uv(path):
    lock = tomllib.load(open(path, "rb"))
    pkgs = lock.get("package", [])
    by = {}
    for p in pkgs:
        by.setdefault(norm(p["name"]), []).append(p)
    def key(p):
        return p["name"] + "@" + p.get("version", "")
    roots = [p for p in pkgs if p.get("source", {}).get("virtual") == "." or p.get("source", {}).get("editable") == "."]
    def targets(d):
        return [t for t in by.get(norm(d["name"]), []) if "version" not in d or t.get("version") == d["version"]]
    def deps(p, dev):
        out = list(p.get("dependencies", []))
        for group in p.get("optional-dependencies", {}).values():
            out += group
        if dev:
            for group in p.get("dev-dependencies", {}).values():
                out += group
        return out
    def reach(dev):
        seen, queue = set(), list(roots)
        while queue:
            p = queue.pop()
            if key(p) in seen:
                continue
            seen.add(key(p))
            for d in deps(p, dev and p in roots):
                queue += targets(d)
        return seen
    rootkeys = {key(p) for p in roots}
    allp = [key(p) for p in pkgs if key(p) not in rootkeys]
    prod = sorted(reach(False) - rootkeys)
    edges = []
    for p in pkgs:
        src = "" if key(p) in rootkeys else key(p)
        for d in deps(p, True):
            for t in targets(d):
                edges.append(src + " -> " + key(t))
    return allp, prod, edges

def pipfile(path):
    lock = json.load(open(path))
    allp, prod = set(), set()
    for section in ("default", "develop"):
        for name, p in lock.get(section, {}).items():
            k = name + "@" + p["version"].lstrip("=")
            allp.add(k)
            if section == "default":
                prod.add(k)
    return sorted(allp), sorted(prod), []

def requirements(path):
    from pip._vendor.packaging.requirements import Requirement
    text = open(path).read().replace("\\\n", " ")
    allp = []
    for line in text.splitlines():
        line = line.split(" #")[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        line = re.split(r"\s--hash", line)[0]
        r = Requirement(line)
        spec = list(r.specifier)
        if len(spec) == 1 and spec[0].operator in ("==", "==="):
            allp.append(r.name + "@" + spec[0].version)
    return allp, allp, via_edges(path, allp)

def via_edges(path, allp):
    # pip-compile's "# via" comments under each requirement name what
    # pulled it in: a package (an edge from it) or an input file ("-r x.in",
    # "name (pyproject.toml)": an edge from the project, "").
    key = {norm(k.rsplit("@", 1)[0]): k for k in allp}
    edges, current, block = set(), None, False
    for line in open(path).read().splitlines():
        s = line.strip()
        if line and not line[0].isspace() and line[0] not in "#-":
            current, block = norm(re.split(r"[^A-Za-z0-9._-]", line, 1)[0]), False
            continue
        names = []
        if s == "# via":
            block = True
        elif s.startswith("# via "):
            names, block = [s[len("# via "):]], False
        elif block and s.startswith("#   "):
            names = [s[4:]]
        elif not s.startswith("#"):
            block = False
        for n in names:
            n = n.strip()
            src = "" if n.startswith(("-r ", "-c ")) or "(" in n else key.get(norm(n))
            if src is not None and current in key:
                edges.add(src + " -> " + key[current])
    return edges

OSI = "License :: OSI Approved :: "
CLASSIFIERS = {
    OSI + "MIT License": "MIT", OSI + "MIT No Attribution License (MIT-0)": "MIT-0",
    OSI + "ISC License (ISCL)": "ISC", OSI + "Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
    OSI + "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0", OSI + "zlib/libpng License": "Zlib",
    OSI + "The Unlicense (Unlicense)": "Unlicense", OSI + "Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    OSI + "Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0", OSI + "Universal Permissive License (UPL)": "UPL-1.0",
    OSI + "European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    OSI + "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    OSI + "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    OSI + "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    OSI + "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    OSI + "GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
}

def sitepackages(path):
    # pip's own listing of what is installed there, and importlib.metadata
    # (the standard library's reader) for each distribution's requirements
    # and License-Expression.
    import importlib.metadata, subprocess
    from pip._vendor.packaging.requirements import Requirement
    listed = json.loads(subprocess.run([sys.executable, "-m", "pip", "list", "--path", path, "--format", "json"],
                                       check=True, capture_output=True, text=True).stdout)
    installed = {norm(p["name"]) for p in listed}
    dists = {norm(d.metadata["Name"]): d for d in importlib.metadata.distributions(path=[path])}
    edges, licenses = set(), {}
    for n, d in dists.items():
        k = d.metadata["Name"] + "@" + d.version
        if d.metadata.get("License-Expression"):
            licenses[k] = d.metadata["License-Expression"]
        else:
            # One trove licence classifier naming one SPDX licence exactly
            # (several do not say whether all or any apply).
            lic = [c.strip() for c in d.metadata.get_all("Classifier") or []
                   if c.strip().startswith("License ::") and c.strip() != "License :: OSI Approved"]
            if len(lic) == 1 and lic[0] in CLASSIFIERS:
                licenses[k] = CLASSIFIERS[lic[0]]
        for r in d.requires or []:
            req = Requirement(r)
            if req.marker and "extra" in str(req.marker):
                continue
            t = dists.get(norm(req.name))
            if t and norm(req.name) in installed:
                edges.add(k + " -> " + t.metadata["Name"] + "@" + t.version)
    allp = [d.metadata["Name"] + "@" + d.version for d in dists.values()]
    sitepackages.licenses = licenses
    return allp, allp, edges

allp, prod, edges = globals()[sys.argv[1]](sys.argv[2])
out = {"packages": sorted(set(allp)), "production": sorted(set(prod)), "edges": sorted(set(edges))}
if sys.argv[1] == "sitepackages":
    out["licenses"] = sitepackages.licenses
json.dump(out, sys.stdout, indent=1, sort_keys=True)
print()
