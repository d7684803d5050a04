#!/usr/bin/env python3
"""Ground truth for the Yarn berry fixture, from Yarn's own reading of its
lockfile (`yarn info --all --recursive --json`, one package per line), not
vouch's code: every package as name@version (a patched package is the package
it patches), the workspace as the root "", and every dependency edge. The
lockfile records no development flag: production is every package.
Usage: berry-truth.py info.json > truth.json"""
import json, re, sys

entries = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]

def name_of(locator):
    if locator.startswith("@"):
        return "@" + locator[1:].split("@", 1)[0]
    return locator.split("@", 1)[0]

def unvirtual(locator):
    # name@virtual:<hash>#npm:1.0.0 is the package name@npm:1.0.0 resolved with peers
    return re.sub(r"@virtual:[0-9a-f]+#", "@", locator)

key = {}
for e in entries:
    loc = e["value"]
    key[loc] = "" if "@workspace:" in loc else name_of(loc) + "@" + e["children"]["Version"]

pkgs, edges = set(), set()
for e in entries:
    src = key[e["value"]]
    if src:
        pkgs.add(src)
    for d in e["children"].get("Dependencies") or []:
        dst = key.get(d["locator"]) or key.get(unvirtual(d["locator"]))
        if dst is None:
            sys.exit("unknown locator " + d["locator"])
        edges.add(f"{src} -> {dst}")
json.dump({"packages": sorted(pkgs), "production": sorted(pkgs), "edges": sorted(edges)}, sys.stdout, indent=1)
print()
