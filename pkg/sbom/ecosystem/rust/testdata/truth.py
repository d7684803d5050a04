#!/usr/bin/env python3
"""Ground truth for the Cargo.lock fixtures, with Python's tomllib (not
vouch's code): every package as name@version (all are production: Cargo.lock
does not mark dev-dependencies) and every edge, a dependency string "name",
"name version" or "name version (source)" naming the locked package.
Usage: truth.py Cargo.lock > truth.json"""
import json, sys, tomllib

lock = tomllib.load(open(sys.argv[1], "rb"))
pkgs = lock.get("package", [])
keys = [p["name"] + "@" + p["version"] for p in pkgs]
edges = set()
for p in pkgs:
    for d in p.get("dependencies", []):
        parts = d.split(" ")
        for t in pkgs:
            if t["name"] == parts[0] and (len(parts) == 1 or t["version"] == parts[1]):
                edges.add(p["name"] + "@" + p["version"] + " -> " + t["name"] + "@" + t["version"])
json.dump({"packages": sorted(set(keys)), "production": sorted(set(keys)), "edges": sorted(edges)}, sys.stdout, indent=1)
print()
