#!/usr/bin/env python3
"""Ground truth for the packages.lock.json fixtures, with Python's json (not
vouch's code): every entry as name@resolved (projects with no version), all
production (NuGet records no dev dependencies), and edges from each entry's
dependencies to the entry of that name, compared without case, in the same
target framework; the project ("") depends on its "Direct" entries and on
the "Project" entries no other entry depends on.
Usage: truth.py packages.lock.json > truth.json"""
import json, sys

lock = json.load(open(sys.argv[1]))
pkgs, edges = set(), set()
for target, entries in lock["dependencies"].items():
    by = {n.lower(): n + "@" + e.get("resolved", "") for n, e in entries.items()}
    for n, e in entries.items():
        k = n + "@" + e.get("resolved", "")
        pkgs.add(k)
        for d in e.get("dependencies", {}):
            if d.lower() in by:
                edges.add(k + " -> " + by[d.lower()])
    needed = {d.lower() for e in entries.values() for d in e.get("dependencies", {})}
    for n, e in entries.items():
        if e["type"] == "Direct" or (e["type"] == "Project" and n.lower() not in needed):
            edges.add(" -> " + n + "@" + e.get("resolved", ""))
json.dump({"packages": sorted(pkgs), "production": sorted(pkgs), "edges": sorted(edges)}, sys.stdout, indent=1)
print()
