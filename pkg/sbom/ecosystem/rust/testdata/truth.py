#!/usr/bin/env python3
"""Ground truth for the Cargo.lock fixtures, with Python's tomllib (not
vouch's code): every package as name@version (all are production: Cargo.lock
does not mark dev-dependencies) and every edge, a dependency string "name",
"name version" or "name version (source)" naming the locked package. The
project is the package with no source that no package depends on: it is ""
(several are each a dependency of "").
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
needed = {d.split(" ")[0] for p in pkgs for d in p.get("dependencies", [])}
tops = sorted({p["name"] + "@" + p["version"] for p in pkgs if "source" not in p and p["name"] not in needed})
if len(tops) == 1:
    keys = [k for k in keys if k != tops[0]]
    edges = {(" -> " + e.split(" -> ")[1]) if e.startswith(tops[0] + " -> ") else e for e in edges}
else:
    edges |= {" -> " + t for t in tops}
json.dump({"packages": sorted(set(keys)), "production": sorted(set(keys)), "edges": sorted(edges)}, sys.stdout, indent=1)
print()
