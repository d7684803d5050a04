#!/usr/bin/env python3
"""Ground truth for the npm fixtures, from `npm ls --all --json --package-lock-only`
(npm's own resolver, not vouch's code): every package as name@version, the ones npm
keeps with --omit=dev, and every dependency edge (name@version -> name@version).
Usage: truth.py all.json prod.json > truth.json, the inputs made with --long
(which names the real package behind an alias such as "string-width-cjs")."""
import json, sys

def walk(node, key, pkgs, edges):
    for name, dep in (node.get("dependencies") or {}).items():
        if "version" not in dep:
            continue  # missing optional/peer dependency: not installed
        child = (dep.get("name") or name) + "@" + dep["version"]
        if key is not None:
            edges.add((key, child))
        else:
            edges.add(("", child))
        if child not in pkgs or dep.get("dependencies"):
            pkgs.add(child)
            walk(dep, child, pkgs, edges)

def collect(path):
    pkgs, edges = set(), set()
    walk(json.load(open(path)), None, pkgs, edges)
    return pkgs, edges

allp, edges = collect(sys.argv[1])
prod, _ = collect(sys.argv[2])
json.dump({"packages": sorted(allp), "production": sorted(prod),
           "edges": sorted(f"{a} -> {b}" for a, b in edges)}, sys.stdout, indent=1)
print()
