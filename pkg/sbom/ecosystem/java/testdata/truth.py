#!/usr/bin/env python3
"""Ground truth for the gradle.lockfile fixtures, a plain Python reading
(not vouch's code): every artifact as group:artifact@version, production
when one of its configurations is a compile or runtime classpath of
non-test code, and no edges (the format has none).
Usage: truth.py gradle.lockfile > truth.json"""
import json, sys

allp, prod = set(), set()
for line in open(sys.argv[1]):
    line = line.strip()
    if not line or line.startswith("#") or line.startswith("empty="):
        continue
    coord, confs = line.split("=", 1)
    g, a, v = coord.split(":")
    k = g + ":" + a + "@" + v
    allp.add(k)
    if any(c.lower().endswith(("compileclasspath", "runtimeclasspath")) and "test" not in c.lower() for c in confs.split(",")):
        prod.add(k)
json.dump({"packages": sorted(allp), "production": sorted(prod), "edges": []}, sys.stdout, indent=1)
print()
