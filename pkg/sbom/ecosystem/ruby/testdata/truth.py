#!/usr/bin/env python3
"""Ground truth for the Gemfile.lock fixtures, with a plain Python reading of
Bundler's layout (not vouch's code): every gem as name@version (the platform
after the version's first "-" dropped), all production (the lockfile has no
groups), and edges from each spec to the gems of the names it lists; the
project (PATH remote ".") is "" and its edges are its DEPENDENCIES.
Usage: truth.py Gemfile.lock > truth.json"""
import json, re, sys

specs, deps_of, direct = [], {}, []
section = remote = None
for line in open(sys.argv[1]).read().splitlines():
    m = re.match(r"^( *)(.*)$", line)
    ind, text = len(m.group(1)), m.group(2).strip()
    if not text:
        continue
    if ind == 0:
        section, remote = text, None
    elif ind == 2 and text.startswith("remote: "):
        remote = text[len("remote: "):]
    elif section == "DEPENDENCIES" and ind == 2:
        direct.append(text.split(" ")[0].rstrip("!"))
    elif section in ("GEM", "GIT", "PATH", "PLUGIN SOURCE") and ind == 4:
        name, ver = re.match(r"^(\S+) \(([^)]*)\)$", text).groups()
        key = name + "@" + ver.split("-")[0]
        root = section == "PATH" and remote == "."
        specs.append((name, key, root))
        current = "" if root else key
        deps_of.setdefault(current, [])
    elif section in ("GEM", "GIT", "PATH", "PLUGIN SOURCE") and ind == 6:
        deps_of[current].append(text.split(" ")[0])
deps_of.setdefault("", []).extend(direct)
by = {}
for name, key, root in specs:
    by.setdefault(name, set()).add("" if root else key)
edges = {f"{src} -> {t}" for src, names in deps_of.items() for n in names for t in by.get(n, ()) if t != src}
pkgs = sorted({key for _, key, root in specs if not root})
json.dump({"packages": pkgs, "production": pkgs, "edges": sorted(edges)}, sys.stdout, indent=1)
print()
