#!/usr/bin/env python3
"""Adds the project's own edges ("" -> name@version) to a truth.json whose
tool listing left them out, from the project's package.json (not vouch's
code, not the lockfile): each name in dependencies, devDependencies and
optionalDependencies is the one package of that name the truth lists.
Usage: root-truth.py project/package.json truth.json  (rewrites truth.json)"""
import json, sys

manifest = json.load(open(sys.argv[1]))
truth = json.load(open(sys.argv[2]))
edges = set(truth["edges"])
for group in ("dependencies", "devDependencies", "optionalDependencies"):
    for name in manifest.get(group) or {}:
        found = [p for p in truth["packages"] if p.rsplit("@", 1)[0] == name]
        if len(found) != 1:
            sys.exit(f"{name}: {len(found)} packages of that name in the truth, want 1")
        edges.add(" -> " + found[0])
truth["edges"] = sorted(edges)
with open(sys.argv[2], "w") as f:
    json.dump(truth, f, indent=1)
    f.write("\n")
