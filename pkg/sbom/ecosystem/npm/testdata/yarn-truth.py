#!/usr/bin/env python3
"""Ground truth for the yarn v1 fixture, from `npm ls --all --json --long`
over the node_modules tree yarn installed (npm's reading, not vouch's code),
adjusted for what a yarn v1 lockfile cannot hold: no root edges, no
development flags (production is every package) and no peer dependencies
(yarn 1 does not lock them).
Usage: yarn-truth.py all.json > truth.json"""
import json, sys

pkgs, edges = set(), set()

def walk(node, key):
    peers = set((node.get("peerDependencies") or {}).keys())
    for name, dep in (node.get("dependencies") or {}).items():
        if "version" not in dep:
            continue
        child = (dep.get("name") or name) + "@" + dep["version"]
        if key is not None and name not in peers:
            edges.add(key + " -> " + child)
        if child not in pkgs or dep.get("dependencies"):
            pkgs.add(child)
            walk(dep, child)

walk(json.load(open(sys.argv[1])), None)
json.dump({"packages": sorted(pkgs), "production": sorted(pkgs), "edges": sorted(edges)}, sys.stdout, indent=1)
print()
