#!/usr/bin/env python3
"""Ground truth for the .deps.json fixtures, read with Python's json module,
not vouch's code: every library of type package or project as name@version
(reference assemblies are supplied by the .NET shared framework, not the app),
the app's own project (named like the file) as the root "", and the edges of
the runtime target. Usage: depsjson-truth.py APP.deps.json > truth.json"""
import json, os, sys

path = sys.argv[1]
app = os.path.basename(path)[: -len(".deps.json")]
doc = json.load(open(path))
libs = {k: v for k, v in doc["libraries"].items() if v["type"] in ("package", "project")}
lower = {k.lower(): k for k in libs}

def key(nv):
    name, version = nv.split("/")
    return "" if name.lower() == app.lower() and libs[nv]["type"] == "project" else f"{name}@{version}"

pkgs = sorted(key(k) for k in libs if key(k))
edges = set()
for nv, entry in doc["targets"][doc["runtimeTarget"]["name"]].items():
    if nv.lower() not in lower:
        continue
    for name, version in (entry.get("dependencies") or {}).items():
        dep = lower.get(f"{name}/{version}".lower())
        if dep:
            edges.add(f"{key(lower[nv.lower()])} -> {key(dep)}")
json.dump({"packages": pkgs, "production": pkgs, "edges": sorted(edges)}, sys.stdout, indent=1)
print()
