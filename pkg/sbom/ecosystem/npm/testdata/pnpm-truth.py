#!/usr/bin/env python3
"""Ground truth for the pnpm fixture, from pnpm's own listing (`pnpm ls --json
--depth Infinity`, and with --prod), not vouch's code: packages as
name@version, the production ones, and the edges between packages (the
project's own edges left out: pnpm-lock.yaml does not name the project).
Usage: pnpm-truth.py all.json prod.json > truth.json"""
import json, sys

def collect(path):
    pkgs, edges = set(), set()
    def walk(node, key):
        for group in ("dependencies", "devDependencies", "optionalDependencies"):
            for name, dep in (node.get(group) or {}).items():
                child = (dep.get("from") or name) + "@" + dep["version"]
                if key is not None:
                    edges.add(key + " -> " + child)
                if child not in pkgs:
                    pkgs.add(child)
                    walk(dep, child)
    for project in json.load(open(path)):
        walk(project, None)
    return pkgs, edges

allp, edges = collect(sys.argv[1])
prod, _ = collect(sys.argv[2])
json.dump({"packages": sorted(allp), "production": sorted(prod), "edges": sorted(edges)}, sys.stdout, indent=1)
print()
