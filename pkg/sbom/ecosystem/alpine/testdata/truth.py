#!/usr/bin/env python3
"""Ground truth for the apk fixture, a plain Python reading of apk's
installed database (not vouch's code): packages (P:, V:), all production,
and edges from each D: entry (conflicts "!" left out, version constraints
dropped) to every package that is named so, provides it (p:) or owns the
file it names (F:/R:).
Usage: truth.py lib/apk/db/installed > truth.json"""
import json, re, sys

recs, cur, d = [], None, ""
for line in open(sys.argv[1]).read().split("\n") + [""]:
    if not line.strip():
        if cur:
            recs.append(cur)
        cur, d = None, ""
        continue
    k, v = line[0], line[2:]
    cur = cur or {"files": []}
    if k == "F":
        d = v
    elif k == "R":
        cur["files"].append("/" + (d + "/" + v).lstrip("/"))
    else:
        cur.setdefault(k, v)
bare = lambda s: re.split(r"[=<>~]", s)[0] if not s.startswith(("=", "<", ">", "~")) else s
key = lambda r: r["P"] + "@" + r["V"]
prov = {}
for r in recs:
    for n in [r["P"]] + [bare(p) for p in r.get("p", "").split()] + r["files"]:
        prov.setdefault(n, set()).add(key(r))
edges = {key(r) + " -> " + t for r in recs for dep in r.get("D", "").split() if not dep.startswith("!")
         for t in prov.get(bare(dep), ()) if t != key(r)}
pkgs = sorted({key(r) for r in recs})
json.dump({"packages": pkgs, "production": pkgs, "edges": sorted(edges)}, sys.stdout, indent=1)
print()
